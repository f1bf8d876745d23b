#!/bin/sh
# shellcheck disable=SC3043 # `local`, as in lib.sh
test_description='tedge-svc on systemd, for real

systemd 252 boots as PID 1 of a PID and mount namespace, chrooted into a
debootstrapped Debian root (t/.cache/systemd-root, built by
`make check-systemd` or `sh t/svc-systemd-root.sh`) seen through an
overlay, so the root stays as built (t/lib-systemd.sh). The network is the
host one: test brokers listen on a free loopback port. tedge-svc runs
inside through nsenter: the binary and the files it needs are copied into
the root at the same paths.'
. ./lib-svc.sh
svc_private_mounts "$@"
. ./lib.sh

. "$TEST_DIRECTORY/lib-systemd.sh"

test_lazy_prereq MOSQUITTO_CLIENTS 'command -v mosquitto_pub && command -v pgrep'

sd_skip_unless_ready
sd_prepare_root "$TEDGE_ROOT/bin/tedge-svc"
sd_boot

# main_pid UNIT: the unit's MainPID, as systemd numbers it
main_pid () {
	in_sd systemctl show -p MainPID --value "$1"
}

test_expect_success 'systemd boots as PID 1 of the namespace' '
	sd_wait_booted &&
	to_sd "$TEDGE_ROOT/bin/tedge" "$TEDGE_ROOT/bin/tedge-svc" "$TEDGE_ROOT/lib/tedge" &&
	mkdir -p "$SDR$TEDGE_CONFIG_DIR"
'

test_expect_success 'detect: systemd inside; the host stays as it is' '
	echo systemd >expect &&
	in_sd tedge-svc detect >out &&
	test_cmp expect out &&
	in_sd tedge-svc is-available
'

test_expect_success 'setup: units' '
	U=$SDR/etc/systemd/system &&
	cat >"$U/demo.service" <<-\EOF &&
	[Service]
	Type=exec
	ExecStart=/bin/sleep 1000
	[Install]
	WantedBy=multi-user.target
	EOF
	cat >"$U/demo@.service" <<-\EOF &&
	[Service]
	Type=exec
	Environment=PROFILE=%i
	ExecStart=/bin/sleep 1000
	EOF
	# the daemon cannot be executed: the start job itself fails
	cat >"$U/noexec.service" <<-\EOF &&
	[Service]
	Type=exec
	ExecStart=/nonexistent/daemon
	EOF
	# a check before the start fails, as mosquitto -t would on a bad file
	cat >"$U/precheck.service" <<-\EOF &&
	[Service]
	ExecStartPre=/bin/false
	ExecStart=/bin/sleep 1000
	EOF
	# starts, then dies: systemd has said the start went well by then
	cat >"$U/dies.service" <<-\EOF &&
	[Service]
	Type=exec
	ExecStart=/bin/sh -c "sleep 1; exit 3"
	EOF
	in_sd systemctl daemon-reload
'

test_expect_success 'start: active; again: the same process' '
	test_expect_code 1 in_sd tedge-svc is-active demo &&
	in_sd tedge-svc start demo >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	in_sd tedge-svc is-active demo &&
	main_pid demo >before &&
	in_sd tedge-svc start demo &&
	main_pid demo >after &&
	test_cmp before after
'

test_expect_success 'restart: a new process; stop, stop again' '
	main_pid demo >before &&
	in_sd tedge-svc restart demo &&
	in_sd tedge-svc is-active demo &&
	main_pid demo >after &&
	! test_cmp before after >/dev/null &&
	in_sd tedge-svc stop demo &&
	test_expect_code 1 in_sd tedge-svc is-active demo &&
	in_sd tedge-svc stop demo &&
	in_sd tedge-svc restart demo &&
	in_sd tedge-svc is-active demo &&
	in_sd tedge-svc stop demo
'

test_expect_success 'enable, disable: the wants link; neither starts nor stops' '
	W=$SDR/etc/systemd/system/multi-user.target.wants &&
	test_expect_code 1 in_sd tedge-svc is-enabled demo &&
	in_sd tedge-svc enable demo 2>err &&
	test_must_be_empty err &&
	in_sd tedge-svc is-enabled demo &&
	test -L "$W/demo.service" &&
	in_sd tedge-svc enable demo &&
	test_expect_code 1 in_sd tedge-svc is-active demo &&
	in_sd tedge-svc start demo &&
	in_sd tedge-svc disable demo &&
	test_expect_code 1 in_sd tedge-svc is-enabled demo &&
	test_path_is_missing "$W/demo.service" &&
	in_sd tedge-svc disable demo &&
	in_sd tedge-svc is-active demo &&
	in_sd tedge-svc stop demo
'

test_expect_success 'an instance of a template unit: name@profile' '
	in_sd tedge-svc exists demo@p1 &&
	# the template itself, which systemctl show refuses: its file
	in_sd tedge-svc exists demo@.service &&
	test_expect_code 1 in_sd tedge-svc exists nothere@.service &&
	in_sd tedge-svc start demo@p1 &&
	in_sd tedge-svc is-active demo@p1 &&
	test_expect_code 1 in_sd tedge-svc is-active demo@p2 &&
	in_sd tedge-svc stop demo@p1 &&
	test_expect_code 5 in_sd tedge-svc start nothere@p1 2>err &&
	svc_not_installed_msg nothere@p1 >expect &&
	test_cmp expect err
'

test_expect_success 'a service that does not exist: exit 5, the seed message' '
	svc_not_installed_msg nothere >expect &&
	for v in start stop restart enable disable; do
		test_expect_code 5 in_sd tedge-svc $v nothere >out 2>err &&
		test_must_be_empty out &&
		test_cmp expect err || return 1
	done &&
	test_expect_code 1 in_sd tedge-svc is-active nothere 2>err &&
	test_must_be_empty err &&
	test_expect_code 1 in_sd tedge-svc is-enabled nothere &&
	test_expect_code 1 in_sd tedge-svc exists nothere
'

test_expect_success 'a service that fails to start: exit 1 with what systemctl said' '
	for u in noexec precheck; do
		test_expect_code 1 in_sd tedge-svc start $u >out 2>err &&
		test_must_be_empty out &&
		cat >expect <<-EOF &&
		Error: failed to start $u

		Caused by:
		    0: Service command <"systemctl start $u.service"> failed with code: 1.
		    1: Job for $u.service failed because the control process exited with error code.
		       See "systemctl status $u.service" and "journalctl -xeu $u.service" for details.
		EOF
		test_cmp expect err &&
		test_expect_code 1 in_sd tedge-svc is-active $u || return 1
	done
'

test_expect_success 'a daemon that dies after its start: is-active says so' '
	in_sd tedge-svc start dies &&
	test_wait_for 10 "! in_sd tedge-svc is-active dies" &&
	in_sd systemctl is-failed dies
'

test_expect_success MOSQUITTO,MOSQUITTO_CLIENTS "install mosquitto: the distribution's unit is kept" '
	mkdir -p initdir/systemd &&
	for n in mosquitto tedge-mosq; do
		svc_render "$TEDGE_ROOT/init/systemd/mosquitto.service" \
			initdir/systemd/$n.service || return 1
	done &&
	to_sd initdir &&
	TEDGE_SVC_INITDIR=$TRASH_DIRECTORY/initdir &&
	export TEDGE_SVC_INITDIR &&
	in_sd tedge-svc exists mosquitto &&
	in_sd tedge-svc install mosquitto &&
	test_path_is_missing "$SDR/etc/systemd/system/mosquitto.service"
'

test_expect_success MOSQUITTO,MOSQUITTO_CLIENTS 'install: init/systemd/mosquitto.service, then systemd knows it' '
	port=$(tedge-test free-port) &&
	echo "$port" >port &&
	svc_mosquitto_conf "$port" &&
	to_sd etc &&
	test_expect_code 1 in_sd tedge-svc exists tedge-mosq &&
	in_sd tedge-svc install tedge-mosq &&
	test_cmp initdir/systemd/tedge-mosq.service \
		"$SDR/etc/systemd/system/tedge-mosq.service" &&
	test_mode 644 "$SDR/etc/systemd/system/tedge-mosq.service" &&
	in_sd tedge-svc exists tedge-mosq &&
	in_sd tedge-svc install tedge-mosq
'

# ns_pid PID: what PID is in the innermost PID namespace it is in
ns_pid () {
	sed -n "s/^NSpid:.*[^0-9]\([0-9][0-9]*\)\$/\1/p" "/proc/$1/status"
}

test_expect_success MOSQUITTO,MOSQUITTO_CLIENTS 'mosquitto: start, listener up, restart, stop' '
	test_when_finished "in_sd systemctl stop tedge-mosq; svc_kill_test_mosquitto" &&
	port=$(cat port) &&
	! svc_mqtt_up "$port" &&
	in_sd tedge-svc start tedge-mosq &&
	in_sd tedge-svc is-active tedge-mosq &&
	test_wait_for 10 "svc_mqtt_up $port" &&
	svc_mosquitto_pid >pid &&
	main_pid tedge-mosq >expect &&
	ns_pid "$(cat pid)" >actual &&
	test_cmp expect actual &&
	in_sd tedge-svc restart tedge-mosq &&
	test_wait_for 10 "svc_mqtt_up $port" &&
	svc_mosquitto_pid >pid2 &&
	! test_cmp pid pid2 >/dev/null &&
	in_sd tedge-svc enable tedge-mosq &&
	in_sd tedge-svc is-enabled tedge-mosq &&
	in_sd tedge-svc stop tedge-mosq &&
	test_expect_code 1 in_sd tedge-svc is-active tedge-mosq &&
	test_wait_for 10 "! svc_mqtt_up $port" &&
	test_must_fail svc_mosquitto_pid
'

test_expect_success 'power off: the namespace is gone, nothing leaks' '
	sd_power_off &&
	test_path_is_missing "$ROOTFS/etc/systemd/system/tedge-mosq.service" &&
	test_path_is_missing "$ROOTFS/etc/systemd/system/demo.service"
'

test_done
