#!/bin/sh
test_description='tedge renew c8y, and tedge init --renewal c8y per init system

The device of t7000 (a real mosquitto under a private runit, the Cumulocity
stand-in as its cloud), with a self-signed certificate. The stand-in has
no CA (no EST) yet, and refuses a self-signed renewal even once uploaded
(see t7007): what runs here for real is "not due", and "due, renewed,
refused by the cloud: the current certificate kept, the .new removed,
still connected". The loop service runs under runit for real. systemd:
the unit files and `systemd-analyze verify` only (t4051 runs the timers,
the default one and a profile one).
cron: the entries only (no crond runs here).'
. ./lib.sh
. "$TEST_DIRECTORY/lib-c8y.sh"
. "$TEST_DIRECTORY/lib-flow.sh"

if ! test_have_prereq RUNIT,UNSHARE_PID,OPENSSL,MOSQUITTO; then
	skip_all="needs runit, root (PID namespace), openssl and mosquitto: missing $test_missing_prereq_"
	test_done
fi
standin_start || BUG "the Cumulocity stand-in did not start"
flow_start_runit || BUG "runsvdir did not start"

cert="$TEDGE_CONFIG_DIR/device-certs/tedge-certificate.pem"

# render FILE...: the init/ templates into initdir/, @BINDIR@ the build's
# shellcheck disable=SC3043 # local: lib.sh allows it
render () {
	local f
	for f in "$@"; do
		mkdir -p "initdir/${f%/*}" &&
		sed -e "s|@BINDIR@|$TEDGE_EXEC_PATH|g" "$TEDGE_ROOT/init/$f" >"initdir/$f" &&
		if test -x "$TEDGE_ROOT/init/$f"; then chmod 755 "initdir/$f"; fi || return 1
	done
}

test_expect_success 'setup: a device connected with its uploaded certificate' '
	flow_device &&
	tedge cert create --device-id periodic-device &&
	C8Y_PASSWORD=$C8Y_STANDIN_SECRET tedge cert upload c8y --user user &&
	tedge connect c8y >/dev/null &&
	cp "$cert" current.pem
'

test_expect_success 'renew: not due, exit 0, nothing changes' '
	tedge renew c8y >out 2>err &&
	printf "%s\n\n" "The device certificate is not due for renewal." >expect &&
	test_cmp expect out &&
	test_cmp current.pem "$cert" &&
	test_path_is_missing "$cert.new"
'

test_expect_success 'renew: due, refused by the cloud: current kept, .new removed, connected' '
	test_when_finished "tedge-config unset certificate.validity.minimum_duration" &&
	tedge-config set certificate.validity.minimum_duration 400d &&
	test_expect_code 1 tedge renew c8y >out 2>err &&
	test_grep "^Renewing the device certificate.\$" out &&
	test_grep "^  => keep using the current certificate unchanged $cert\$" out &&
	test_grep "Cumulocity did not accept the new certificate: it is removed" err &&
	test_cmp current.pem "$cert" &&
	test_path_is_missing "$cert.new" &&
	tedge connect c8y --test >/dev/null
'

test_expect_success 'renew: usage' '
	test_expect_code 2 tedge renew --every 0s c8y 2>err &&
	test_grep "invalid value" err &&
	test_expect_code 2 tedge renew --jitter 1m c8y 2>err &&
	test_grep "jitter goes with --every" err &&
	test_expect_code 2 tedge renew 2>err
'

test_expect_success 'init --renewal c8y on runit: the loop service installed, enabled, running' '
	render runit/tedge-cert-renewer/run &&
	TEDGE_SVC_INITDIR=$TRASH_DIRECTORY/initdir tedge init --renewal c8y >out &&
	test_grep "the service tedge-cert-renewer, enabled and started" out &&
	test_cmp initdir/runit/tedge-cert-renewer/run "$FLOW_ROOT/etc/sv/tedge-cert-renewer/run" &&
	test_grep "exec $TEDGE_EXEC_PATH/tedge-renew --every 1h c8y" "$FLOW_ROOT/etc/sv/tedge-cert-renewer/run" &&
	tedge-svc is-enabled tedge-cert-renewer &&
	test_wait_for 10 "tedge-svc is-active tedge-cert-renewer" &&
	TEDGE_SVC_INITDIR=$TRASH_DIRECTORY/initdir tedge init --renewal c8y >/dev/null
'

test_expect_success 'the loop service: TERM ends it while it waits' '
	# waiting: the loop (the oldest of that command line; a round is a
	# subshell of it) has its sleep running
	test_wait_for 20 "loop=\$(pgrep -o -f \"tedge-renew --every 1h c8y\") && pgrep -P \$loop -x sleep >/dev/null" &&
	tedge-svc stop tedge-cert-renewer &&
	test_expect_code 1 tedge-svc is-active tedge-cert-renewer &&
	tedge connect c8y --test >/dev/null
'

test_expect_success 'renew --profile: that profile'"'"'s certificate, due, into its .new; the default one untouched' '
	pcert="$TRASH_DIRECTORY/second-cert.pem" &&
	tedge-config set c8y.profiles.second.device.cert_path "$pcert" &&
	tedge-config set c8y.profiles.second.device.key_path "$TRASH_DIRECTORY/second-key.pem" &&
	tedge-config set c8y.profiles.second.bridge.topic_prefix c8y-second &&
	tedge cert create c8y --profile second --device-id second-device &&
	tedge renew --profile second c8y >out 2>err &&
	test_grep "^The device certificate is not due for renewal.\$" out &&
	test_when_finished "tedge-config unset certificate.validity.minimum_duration" &&
	tedge-config set certificate.validity.minimum_duration 400d &&
	TEDGE_CLOUD_PROFILE=second tedge renew c8y >out 2>err &&
	test_grep "^Renewing the device certificate.\$" out &&
	test_grep "not connected to Cumulocity: .tedge connect c8y --profile second. will take the new certificate" out &&
	tedge cert show c8y --profile second --new >show &&
	test_grep "second-device" show &&
	test_cmp current.pem "$cert" &&
	test_path_is_missing "$cert.new" &&
	tedge cert remove c8y --profile second --new >/dev/null
'

test_expect_success 'init --renewal c8y --profile: the profile'"'"'s loop service, beside the default one' '
	render "runit/tedge-cert-renewer-c8y@/run" &&
	TEDGE_SVC_INITDIR=$TRASH_DIRECTORY/initdir tedge init --renewal c8y --profile second >out &&
	svc=tedge-cert-renewer-c8y@second &&
	test_grep "the service $svc, enabled and started" out &&
	test_grep "^svc=$svc\$" "$FLOW_ROOT/etc/sv/$svc/run" &&
	test_grep -F "exec $TEDGE_EXEC_PATH/tedge-renew --every 1h --profile \"\${svc#*@}\" c8y" "$FLOW_ROOT/etc/sv/$svc/run" &&
	tedge-svc is-enabled "$svc" &&
	test_wait_for 10 "tedge-svc is-active $svc" &&
	test_wait_for 10 "pgrep -f \"tedge-renew --every 1h --profile second c8y\" >/dev/null" &&
	TEDGE_CLOUD_PROFILE=second TEDGE_SVC_INITDIR=$TRASH_DIRECTORY/initdir tedge init --renewal c8y >/dev/null &&
	tedge-svc stop "$svc" &&
	test_expect_code 1 tedge-svc is-active "$svc"
'

test_expect_success 'init --renewal c8y --profile: a profile name that is none is refused, nothing installed' '
	test_expect_code 2 tedge init --renewal c8y --profile "a b" 2>err &&
	test_grep "Profile names can only contain letters, numbers" err &&
	test_path_is_missing "$FLOW_ROOT/etc/sv/tedge-cert-renewer-c8y@a b"
'

test_expect_success 'init --renewal az: refused' '
	test_expect_code 1 tedge init --renewal az 2>err &&
	test_grep "Certificate renewal is not supported for az" err
'

test_expect_success 'systemd: the units as thin-edge has them' '
	render systemd/tedge-cert-renewer@.timer systemd/tedge-cert-renewer@.service &&
	t=initdir/systemd/tedge-cert-renewer@.timer &&
	s=initdir/systemd/tedge-cert-renewer@.service &&
	for l in OnCalendar=hourly RandomizedDelaySec=5m AccuracySec=1us Persistent=true; do
		test_grep "^$l\$" "$t" || return 1
	done &&
	test_grep "^Type=oneshot\$" "$s" &&
	test_grep "^ExecCondition=$TEDGE_EXEC_PATH/tedge-cert needs-renewal %i\$" "$s" &&
	test_grep "^ExecStart=$TEDGE_EXEC_PATH/tedge-renew %i\$" "$s" &&
	# a .new removed after a failed run only (t4051 runs it)
	test_grep -F "ExecStopPost=/bin/sh -c " "$s" &&
	test_grep -F "in success | exec-condition) ;; *) exec $TEDGE_EXEC_PATH/tedge-cert remove %i --new ;; esac" "$s" &&
	if command -v systemd-analyze >/dev/null; then
		mkdir -p sdv &&
		cp "$t" sdv/tedge-cert-renewer@c8y.timer &&
		cp "$s" sdv/tedge-cert-renewer@c8y.service &&
		systemd-analyze verify --man=no sdv/tedge-cert-renewer@c8y.timer >verify 2>&1 ||
		{ cat verify; false; }
	fi
'

test_expect_success 'systemd: the profile'"'"'s units, as thin-edge 1.7 names them' '
	render "systemd/tedge-cert-renewer-c8y@.timer" "systemd/tedge-cert-renewer-c8y@.service" &&
	t=initdir/systemd/tedge-cert-renewer-c8y@.timer &&
	s=initdir/systemd/tedge-cert-renewer-c8y@.service &&
	for l in OnCalendar=hourly RandomizedDelaySec=5m AccuracySec=1us Persistent=true; do
		test_grep "^$l\$" "$t" || return 1
	done &&
	test_grep "^ExecCondition=$TEDGE_EXEC_PATH/tedge-cert needs-renewal c8y --profile %i\$" "$s" &&
	test_grep "^ExecStart=$TEDGE_EXEC_PATH/tedge-renew --profile %i c8y\$" "$s" &&
	test_grep -F "*) exec $TEDGE_EXEC_PATH/tedge-cert remove c8y --profile %i --new ;; esac" "$s" &&
	if command -v systemd-analyze >/dev/null; then
		mkdir -p sdvp &&
		cp "$t" sdvp/tedge-cert-renewer-c8y@second.timer &&
		cp "$s" sdvp/tedge-cert-renewer-c8y@second.service &&
		systemd-analyze verify --man=no sdvp/tedge-cert-renewer-c8y@second.timer >verify 2>&1 ||
		{ cat verify; false; }
	fi
'

test_expect_success 'cron.d (cronie, Debian cron): the entry with its user, once' '
	mkdir -p cronroot/etc/cron.d &&
	TEDGE_SVC_ROOT=$TRASH_DIRECTORY/cronroot tedge init --renewal c8y >out &&
	f=cronroot/etc/cron.d/tedge-cert-renewer &&
	test_grep "^[0-5]\{0,1\}[0-9] \* \* \* \* root $TEDGE_EXEC_PATH/tedge-renew c8y" "$f" &&
	cp "$f" expect &&
	TEDGE_SVC_ROOT=$TRASH_DIRECTORY/cronroot tedge init --renewal c8y >out &&
	test_grep "set up already" out &&
	test_cmp expect "$f" &&
	TEDGE_SVC_ROOT=$TRASH_DIRECTORY/cronroot tedge init --renewal c8y --profile second >out &&
	p=cronroot/etc/cron.d/tedge-cert-renewer-c8y-second &&
	test_grep "^[0-5]\{0,1\}[0-9] \* \* \* \* root $TEDGE_EXEC_PATH/tedge-renew --profile second c8y" "$p" &&
	test_cmp expect "$f"
'

test_expect_success 'crontabs (BusyBox crond): a line for root, once, crond told' '
	mkdir -p bbroot/etc/crontabs &&
	TEDGE_SVC_ROOT=$TRASH_DIRECTORY/bbroot tedge init --renewal c8y >out &&
	f=bbroot/etc/crontabs/root &&
	test_grep "^[0-5]\{0,1\}[0-9] \* \* \* \* $TEDGE_EXEC_PATH/tedge-renew c8y" "$f" &&
	test_grep root bbroot/etc/crontabs/cron.update &&
	cp "$f" expect &&
	TEDGE_SVC_ROOT=$TRASH_DIRECTORY/bbroot tedge init --renewal c8y >/dev/null &&
	test_cmp expect "$f" &&
	TEDGE_SVC_ROOT=$TRASH_DIRECTORY/bbroot tedge init --renewal c8y --profile second >out &&
	test_grep "^[0-5]\{0,1\}[0-9] \* \* \* \* $TEDGE_EXEC_PATH/tedge-renew --profile second c8y" "$f" &&
	test_line_count = 4 "$f" &&
	cp "$f" expect &&
	TEDGE_SVC_ROOT=$TRASH_DIRECTORY/bbroot tedge init --renewal c8y --profile second >out &&
	test_grep "set up already" out &&
	TEDGE_SVC_ROOT=$TRASH_DIRECTORY/bbroot tedge init --renewal c8y >out &&
	test_grep "set up already" out &&
	test_cmp expect "$f"
'

test_done
