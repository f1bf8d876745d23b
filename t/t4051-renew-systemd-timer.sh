#!/bin/sh
test_description='tedge init --renewal c8y under systemd, and its timer firing, for real

The systemd of t4050 (t/lib-systemd.sh): PID 1 of a namespace over the
Debian root of t/.cache/systemd-root, with its journald. Inside it, as on
a device (configuration in /etc/tedge): tedge init --renewal c8y installs
the renewer units (init/systemd with @BINDIR@ filled in, as make
install-init does, through TEDGE_SVC_INITDIR), enables and starts the
timer, which systemd then reports as shipped (hourly, 5 min jitter). Then
systemd runs the service when the timer fires: not due, its ExecCondition
skips tedge renew; due (certificate.validity.minimum_duration), tedge
renew c8y renews the self-signed certificate into <cert>.new.
A profile (c8y.profiles.second.*) the same way, with the thin-edge 1.7
units tedge-cert-renewer-c8y@.timer and @.service: its own timer, its own
certificate renewed, the default one left alone.

What is not real here: the time. A drop-in of the test makes the timer
fire a second after each start, with no jitter: the hourly calendar is
only read back, never waited for. No cloud either: the device is not
connected (no bridge file), so a renewal stops at the .new, for the next
tedge connect c8y; the reconnect and the cloud taking or refusing the new
certificate are t7007 and t7008 (under runit). The failed run is the
test'"'"'s too (a drop-in makes ExecStart /bin/false): what is real there is
the unit'"'"'s ExecStopPost removing the .new.'
. ./lib-svc.sh
svc_private_mounts "$@"
. ./lib.sh
. "$TEST_DIRECTORY/lib-systemd.sh"

sd_skip_unless_ready
progs=
for p in tedge tedge-config tedge-cert tedge-cert-http tedge-svc tedge-bridge-gen tedge-check; do
	progs="$progs $TEDGE_ROOT/bin/$p"
done
# shellcheck disable=SC2086 # the list of paths, split
sd_prepare_root $progs
sd_boot

timer=tedge-cert-renewer@c8y.timer
service=tedge-cert-renewer@c8y.service
cert=/etc/tedge/device-certs/tedge-certificate.pem

# in_dev CMD...: CMD inside, as one runs it on the device: the default
# configuration directory, the toolkit found by its own path
in_dev () {
	in_sd env -u TEDGE_CONFIG_DIR -u TEDGE_EXEC_PATH "$@"
}

# prop UNIT PROPERTY: the value systemd shows
prop () {
	in_sd systemctl show -p "$2" --value "$1"
}

# fire: the timer started again, so that the drop-in's OnActiveSec=1s
# fires it a second later, and waits (bounded) until the service that the
# timer starts has run and is inactive (or failed) again: a new invocation
# of the service (its id in inv), and a new trigger of the timer.
fire () {
	prop "$service" InvocationID >inv.before &&
	prop "$timer" LastTriggerUSecMonotonic >trigger.before &&
	in_sd systemctl restart "$timer" &&
	test_wait_for 20 "ran_again" &&
	prop "$timer" LastTriggerUSecMonotonic >trigger.after &&
	! test_cmp trigger.before trigger.after >/dev/null
}
ran_again () {
	prop "$service" InvocationID >inv &&
	! test_cmp inv.before inv >/dev/null &&
	prop "$service" ActiveState >state &&
	grep -qx -e inactive -e failed state
}

# journal_has PATTERN: the journal of the last run (inv), the service's
# output and systemd's lines about it, has a line that matches; the journal
# is written a little after the run, so waited for (bounded)
journal_has () {
	journal_pat=$1
	test_wait_for 10 "in_sd journalctl --no-pager -o cat \
		_SYSTEMD_INVOCATION_ID=\$(cat inv) + INVOCATION_ID=\$(cat inv) >journal &&
		grep -q -e \"\$journal_pat\" journal" || { cat journal; false; }
}

U=$SDR/etc/systemd/system

test_expect_success 'systemd boots; the toolkit in the root' '
	sd_wait_booted &&
	to_sd "$TEDGE_ROOT/bin" "$TEDGE_ROOT/lib/tedge" &&
	mkdir -p initdir/systemd &&
	for u in tedge-cert-renewer@.timer tedge-cert-renewer@.service \
		tedge-cert-renewer-c8y@.timer tedge-cert-renewer-c8y@.service; do
		sed "s|@BINDIR@|$TEDGE_ROOT/bin|g" "$TEDGE_ROOT/init/systemd/$u" \
			>initdir/systemd/$u || return 1
	done &&
	to_sd initdir &&
	test_path_is_missing "$SDR/etc/tedge"
'

test_expect_success 'tedge init --renewal c8y: the units installed, the timer enabled and started' '
	in_dev env TEDGE_SVC_INITDIR="$TRASH_DIRECTORY/initdir" tedge init --renewal c8y >out 2>err &&
	printf "%s\n\n" "The renewal runs hourly: $timer, enabled and started." >expect &&
	test_cmp expect out &&
	test_must_be_empty err &&
	for u in tedge-cert-renewer@.timer tedge-cert-renewer@.service; do
		test_cmp initdir/systemd/$u "$U/$u" || return 1
	done &&
	test -L "$U/timers.target.wants/$timer" &&
	in_sd systemctl is-enabled --quiet "$timer" &&
	in_sd systemctl is-active --quiet "$timer" &&
	in_dev tedge-svc is-active "$timer" &&
	# again: the same, nothing replaced
	in_dev env TEDGE_SVC_INITDIR="$TRASH_DIRECTORY/initdir" tedge init --renewal c8y >out &&
	test_cmp expect out
'

test_expect_success 'the timer as shipped: hourly, up to 5 min later at random, persistent' '
	in_sd systemctl list-timers --all --no-legend >timers &&
	test_grep " $timer  *$service\$" timers &&
	in_sd systemctl show -p Unit -p TimersCalendar -p TimersMonotonic \
		-p RandomizedDelayUSec -p AccuracyUSec -p Persistent "$timer" >show &&
	sed "s/ ; next_elapse=[^}]*}/ }/" show | sort >actual &&
	sort >expect <<-EOF &&
	Unit=$service
	TimersCalendar={ OnCalendar=*-*-* *:00:00 }
	RandomizedDelayUSec=5min
	AccuracyUSec=1us
	Persistent=yes
	EOF
	test_cmp expect actual &&
	# the next run: after the coming full hour by at most 5 min (the
	# root is on UTC, so its hours are the epoch'"'"'s)
	prop "$timer" NextElapseUSecRealtime >next &&
	next=$(in_sd date -d "$(cat next)" +%s) &&
	now=$(in_sd date +%s) &&
	test "$next" -gt "$now" &&
	test "$next" -le $((now + 3900)) &&
	test $((next % 3600)) -le 300
'

test_expect_success 'the service as shipped: the toolkit for c8y; tedge init did not run it' '
	echo "$timer" >expect &&
	prop "$service" TriggeredBy >actual &&
	test_cmp expect actual &&
	echo oneshot >expect &&
	prop "$service" Type >actual &&
	test_cmp expect actual &&
	prop "$service" ExecCondition >exec &&
	test_grep -F "argv[]=$TEDGE_ROOT/bin/tedge-cert needs-renewal c8y ;" exec &&
	prop "$service" ExecStart >exec &&
	test_grep -F "argv[]=$TEDGE_ROOT/bin/tedge-renew c8y ;" exec &&
	{ in_sd systemd-analyze verify --man=no "$timer" "$service" >verify 2>&1 ||
		{ cat verify; false; }; } &&
	# never started: no invocation, the timer never triggered
	echo >expect &&
	prop "$service" InvocationID >actual &&
	test_cmp expect actual &&
	echo 0 >expect &&
	prop "$timer" LastTriggerUSecMonotonic >actual &&
	test_cmp expect actual
'

test_expect_success 'setup: a certificate; the test'"'"'s drop-in: the timer fires 1 s after its start' '
	in_dev tedge cert create --device-id timer-device 2>/dev/null &&
	cp "$SDR$cert" cert.pem &&
	in_sd systemctl stop "$timer" &&
	mkdir "$U/$timer.d" &&
	printf "%s\n" "# t4051: fire soon, not hourly" "[Timer]" \
		OnActiveSec=1s AccuracySec=1s RandomizedDelaySec=0 >"$U/$timer.d/t4051.conf" &&
	in_sd systemctl daemon-reload &&
	prop "$timer" TimersMonotonic >mono &&
	test_grep "OnActiveUSec=1s" mono &&
	echo 0 >expect &&
	prop "$timer" RandomizedDelayUSec >actual &&
	test_cmp expect actual
'

test_expect_success 'not due: the timer starts the service, whose ExecCondition skips tedge renew; a .new made by hand is kept' '
	in_dev tedge cert renew c8y >/dev/null 2>&1 &&
	cp "$SDR$cert.new" by-hand.pem &&
	fire &&
	echo exec-condition >expect &&
	prop "$service" Result >actual &&
	test_cmp expect actual &&
	prop "$service" ExecCondition >exec &&
	test_grep -F "code=exited ; status=1 }" exec &&
	# tedge renew never ran
	echo 0 >expect &&
	prop "$service" ExecMainStartTimestampMonotonic >actual &&
	test_cmp expect actual &&
	journal_has "^Status:        VALID" &&
	journal_has "Skipped due to .exec-condition." &&
	test_cmp cert.pem "$SDR$cert" &&
	# systemd runs ExecStopPost after a skipped run too: the unit must
	# leave the .new alone then (it removed it, hourly, before t4051)
	test_cmp by-hand.pem "$SDR$cert.new"
'

test_expect_success 'due: the timer runs tedge renew c8y, which renews into <cert>.new, kept for tedge connect' '
	in_dev tedge-config set certificate.validity.minimum_duration 400d &&
	fire &&
	echo success >expect &&
	prop "$service" Result >actual &&
	test_cmp expect actual &&
	in_sd systemctl show -p ExecMainCode -p ExecMainStatus "$service" >actual &&
	printf "%s\n" ExecMainCode=1 ExecMainStatus=0 >expect &&
	test_cmp expect actual &&
	prop "$service" ExecMainStartTimestampMonotonic >started &&
	! grep -qx 0 started &&
	journal_has "^Renewing the device certificate.\$" &&
	journal_has "^The device is not connected to Cumulocity: .tedge connect c8y. will take the new certificate.\$" &&
	test_cmp cert.pem "$SDR$cert" &&
	test_path_is_file "$SDR$cert.new" &&
	! test_cmp by-hand.pem "$SDR$cert.new" >/dev/null &&
	# self-signed again, for the same device
	in_dev tedge cert show --new >show &&
	test_grep "^Subject:       CN=timer-device," show &&
	test_grep "^Issuer:        CN=timer-device," show
'

test_expect_success 'a run that fails (the test'"'"'s drop-in: ExecStart=/bin/false): ExecStopPost removes the .new' '
	test_when_finished "rm -rf \"\$U/$service.d\" && in_sd systemctl daemon-reload" &&
	mkdir "$U/$service.d" &&
	printf "%s\n" "[Service]" ExecStart= ExecStart=/bin/false >"$U/$service.d/t4051.conf" &&
	in_sd systemctl daemon-reload &&
	test_path_is_file "$SDR$cert.new" &&
	fire &&
	echo exit-code >expect &&
	prop "$service" Result >actual &&
	test_cmp expect actual &&
	test_path_is_missing "$SDR$cert.new" &&
	test_cmp cert.pem "$SDR$cert"
'

test_expect_success 'a profile: tedge init --renewal c8y --profile second, thin-edge 1.7'"'"'s template and timer' '
	pcert=/etc/tedge/device-certs/second.pem &&
	in_dev tedge-config set c8y.profiles.second.device.cert_path $pcert &&
	in_dev tedge-config set c8y.profiles.second.device.key_path /etc/tedge/device-certs/second-key.pem &&
	in_dev tedge cert create c8y --profile second --device-id second-device 2>/dev/null &&
	cp "$SDR$pcert" second.pem &&
	in_dev env TEDGE_SVC_INITDIR="$TRASH_DIRECTORY/initdir" tedge init --renewal c8y --profile second >out 2>err &&
	timer=tedge-cert-renewer-c8y@second.timer service=tedge-cert-renewer-c8y@second.service &&
	printf "%s\n\n" "The renewal runs hourly: $timer, enabled and started." >expect &&
	test_cmp expect out &&
	test_must_be_empty err &&
	for u in tedge-cert-renewer-c8y@.timer tedge-cert-renewer-c8y@.service; do
		test_cmp initdir/systemd/$u "$U/$u" || return 1
	done &&
	in_sd systemctl is-enabled --quiet "$timer" &&
	in_sd systemctl is-active --quiet "$timer" &&
	in_sd systemctl is-enabled --quiet tedge-cert-renewer@c8y.timer &&
	prop "$service" ExecCondition >exec &&
	test_grep -F "argv[]=$TEDGE_ROOT/bin/tedge-cert needs-renewal c8y --profile second ;" exec &&
	prop "$service" ExecStart >exec &&
	test_grep -F "argv[]=$TEDGE_ROOT/bin/tedge-renew --profile second c8y ;" exec
'

test_expect_success 'the profile'"'"'s timer fires: due, its certificate renewed into its .new, the default one left alone' '
	timer=tedge-cert-renewer-c8y@second.timer service=tedge-cert-renewer-c8y@second.service &&
	# the default timer (its drop-in fires it on each daemon-reload) stopped
	in_sd systemctl stop tedge-cert-renewer@c8y.timer &&
	rm -f "$SDR$cert.new" &&
	in_sd systemctl stop "$timer" &&
	mkdir "$U/$timer.d" &&
	printf "%s\n" "# t4051: fire soon, not hourly" "[Timer]" \
		OnActiveSec=1s AccuracySec=1s RandomizedDelaySec=0 >"$U/$timer.d/t4051.conf" &&
	in_sd systemctl daemon-reload &&
	fire &&
	echo success >expect &&
	prop "$service" Result >actual &&
	test_cmp expect actual &&
	journal_has "^The device is not connected to Cumulocity: .tedge connect c8y --profile second. will take the new certificate.\$" &&
	test_cmp second.pem "$SDR/etc/tedge/device-certs/second.pem" &&
	in_dev tedge cert show c8y --profile second --new >show &&
	test_grep "^Subject:       CN=second-device," show &&
	test_path_is_missing "$SDR$cert.new" &&
	test_cmp cert.pem "$SDR$cert"
'

test_expect_success 'power off: the namespace is gone, the root as built' '
	sd_power_off &&
	test_path_is_missing "$ROOTFS/etc/systemd/system/tedge-cert-renewer@.timer" &&
	test_path_is_missing "$ROOTFS/etc/systemd/system/timers.target.wants/$timer" &&
	test_path_is_missing "$ROOTFS/etc/tedge"
'

test_done
