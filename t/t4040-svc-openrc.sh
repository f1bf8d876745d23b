#!/bin/sh
test_description='tedge-svc on OpenRC, for real

Real openrc-run scripts in /etc/init.d, started by OpenRC (0.45) once the
softlevel file exists, as OpenRC makes it when it boots. The script runs
in a PID and mount namespace of its own: /etc is an overlay whose writes
land on a tmpfs, and /run is a tmpfs holding the OpenRC state, so the
machine sees none of it (and OpenRC is not running for anyone else), and no
daemon outlives the script. Names are unique all the same, and each test
removes what it made.'
. ./lib-svc.sh
svc_private_mounts "$@"
. ./lib.sh

N="tedge-t4040-$$"

test_lazy_prereq OVERLAY_ETC 'svc_in_private_ns && test -d /mnt && grep -qw overlay /proc/filesystems'
test_lazy_prereq OPENRC 'test -x /sbin/openrc-run && test -x /sbin/supervise-daemon'
test_lazy_prereq MOSQUITTO_CLIENTS 'command -v mosquitto_pub && command -v pgrep'

if ! test_have_prereq ROOT,OVERLAY_ETC,OPENRC; then
	skip_all="needs root, a private mount namespace (unshare) with overlayfs to keep the machine's /etc and /run untouched, and OpenRC (openrc-run, supervise-daemon): missing $test_missing_prereq_"
	test_done
fi

# rc_script NAME COMMAND: an openrc-run script running COMMAND 1000 in
# the background, with a pid file of its own.
rc_script () {
	cat >"/etc/init.d/$1" <<-EOF &&
	#!/sbin/openrc-run
	command=$2
	command_args=1000
	command_background=true
	pidfile=/run/\${RC_SVCNAME}.pid
	EOF
	chmod 755 "/etc/init.d/$1"
}

# rc_forget NAME: stop it, forget its state, links and script
rc_forget () {
	"/etc/init.d/$1" stop >/dev/null 2>&1
	"/etc/init.d/$1" zap >/dev/null 2>&1
	rm -f /etc/runlevels/*/"$1" "/etc/init.d/$1"
	return 0
}

test_expect_success 'setup: /etc an overlay, /run a tmpfs, OpenRC booted there' '
	svc_overlay_etc &&
	svc_fake_openrc &&
	test_path_is_file /run/openrc/softlevel
'

test_expect_success 'detect: openrc' '
	echo openrc >expect &&
	tedge-svc detect >out &&
	test_cmp expect out
'

test_expect_success 'start: started; again: nothing changes' '
	test_when_finished "rc_forget $N-demo" &&
	rc_script $N-demo /bin/sleep &&
	test_expect_code 1 tedge-svc is-active $N-demo &&
	tedge-svc start $N-demo >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	tedge-svc is-active $N-demo &&
	cat /run/$N-demo.pid >before &&
	kill -0 "$(cat before)" &&
	tedge-svc start $N-demo &&
	test_cmp before /run/$N-demo.pid
'

test_expect_success 'stop, stop again; restart, also of a stopped service' '
	test_when_finished "rc_forget $N-demo" &&
	rc_script $N-demo /bin/sleep &&
	tedge-svc start $N-demo &&
	cat /run/$N-demo.pid >before &&
	tedge-svc restart $N-demo &&
	tedge-svc is-active $N-demo &&
	! test_cmp before /run/$N-demo.pid >/dev/null &&
	tedge-svc stop $N-demo &&
	test_expect_code 1 tedge-svc is-active $N-demo &&
	test_expect_code 3 /etc/init.d/$N-demo status &&
	svc_gone "$(cat before)" &&
	tedge-svc stop $N-demo &&
	tedge-svc restart $N-demo &&
	tedge-svc is-active $N-demo
'

test_expect_success 'enable, disable: the default runlevel, as rc-update sees it' '
	test_when_finished "rc_forget $N-demo" &&
	rc_script $N-demo /bin/sleep &&
	test_expect_code 1 tedge-svc is-enabled $N-demo &&
	tedge-svc enable $N-demo &&
	tedge-svc is-enabled $N-demo &&
	rc-update show default >show &&
	test_grep "^ *$N-demo | default *\$" show &&
	tedge-svc enable $N-demo &&
	test_expect_code 1 tedge-svc is-active $N-demo &&
	tedge-svc disable $N-demo &&
	test_expect_code 1 tedge-svc is-enabled $N-demo &&
	rc-update show default >show &&
	test_grep ! "$N-demo" show &&
	tedge-svc disable $N-demo &&
	rc-update add $N-demo boot &&
	tedge-svc is-enabled $N-demo &&
	tedge-svc disable $N-demo &&
	rc-update show --all >show &&
	test_grep ! "$N-demo" show
'

test_expect_success 'disable does not stop, enable does not start' '
	test_when_finished "rc_forget $N-demo" &&
	rc_script $N-demo /bin/sleep &&
	tedge-svc start $N-demo &&
	tedge-svc enable $N-demo &&
	tedge-svc disable $N-demo &&
	tedge-svc is-active $N-demo &&
	tedge-svc stop $N-demo &&
	tedge-svc enable $N-demo &&
	test_expect_code 1 tedge-svc is-active $N-demo
'

test_expect_success 'a service that does not exist: exit 5, the seed message' '
	svc_not_installed_msg $N-nothere >expect &&
	for v in start stop restart enable disable; do
		test_expect_code 5 tedge-svc $v $N-nothere >out 2>err &&
		test_must_be_empty out &&
		test_cmp expect err || return 1
	done &&
	test_expect_code 1 tedge-svc is-active $N-nothere 2>err &&
	test_must_be_empty err &&
	test_expect_code 1 tedge-svc is-enabled $N-nothere &&
	test_expect_code 1 tedge-svc exists $N-nothere &&
	! ls /etc/runlevels/*/$N-nothere 2>/dev/null
'

test_expect_success 'a service that fails to start: exit 1 with what OpenRC said' '
	test_when_finished "rc_forget $N-fail" &&
	rc_script $N-fail /nonexistent/daemon &&
	test_expect_code 1 tedge-svc start $N-fail >out 2>err &&
	test_must_be_empty out &&
	head -n 4 err >actual &&
	cat >expect <<-EOF &&
	Error: failed to start $N-fail

	Caused by:
	    0: Service command <"/etc/init.d/$N-fail start"> failed with code: 1.
	EOF
	test_cmp expect actual &&
	test_grep "unable to stat /nonexistent/daemon" err &&
	test_grep "ERROR: $N-fail failed to start" err &&
	test_expect_code 1 tedge-svc is-active $N-fail
'

test_expect_success MOSQUITTO,MOSQUITTO_CLIENTS 'install mosquitto: init/openrc/mosquitto into /etc/init.d' '
	port=$(tedge-test free-port) &&
	echo "$port" >port &&
	svc_mosquitto_conf "$port" &&
	mkdir -p initdir/openrc &&
	svc_render "$TEDGE_ROOT/init/openrc/mosquitto" initdir/openrc/$N-mosq &&
	TEDGE_SVC_INITDIR=$TRASH_DIRECTORY/initdir &&
	export TEDGE_SVC_INITDIR &&
	test_expect_code 1 tedge-svc exists $N-mosq &&
	tedge-svc install $N-mosq &&
	test_cmp initdir/openrc/$N-mosq /etc/init.d/$N-mosq &&
	test_mode 755 /etc/init.d/$N-mosq &&
	tedge-svc install $N-mosq
'

test_expect_success MOSQUITTO,MOSQUITTO_CLIENTS 'mosquitto under supervise-daemon: start, listener, restart, stop' '
	test_when_finished "rc_forget $N-mosq; svc_kill_test_mosquitto" &&
	port=$(cat port) &&
	test_expect_code 3 /etc/init.d/$N-mosq status &&
	! svc_mqtt_up "$port" &&
	tedge-svc start $N-mosq &&
	tedge-svc is-active $N-mosq &&
	test_wait_for 10 "svc_mqtt_up $port" &&
	svc_mosquitto_pid >pid &&
	tedge-svc restart $N-mosq &&
	test_wait_for 10 "svc_mqtt_up $port" &&
	test_wait_for 10 "svc_mosquitto_pid >pid2" &&
	! test_cmp pid pid2 >/dev/null &&
	tedge-svc enable $N-mosq &&
	tedge-svc is-enabled $N-mosq &&
	tedge-svc stop $N-mosq &&
	test_expect_code 1 tedge-svc is-active $N-mosq &&
	test_wait_for 10 "! svc_mqtt_up $port" &&
	test_must_fail svc_mosquitto_pid
'

test_expect_success 'nothing of this test is left in /etc' '
	! ls -d /etc/init.d/$N-* /etc/runlevels/*/$N-* 2>/dev/null
'

test_done
