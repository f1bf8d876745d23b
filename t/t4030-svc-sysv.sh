#!/bin/sh
test_description='tedge-svc on SysV init, for real

Real scripts in /etc/init.d driven through start-stop-daemon, enabled with
the real update-rc.d (and insserv, when installed). The script runs in a
PID and mount namespace of its own, where /etc is an overlay whose writes
land on a tmpfs and /run is an empty tmpfs: the tools see and change
/etc/init.d and /etc/rc?.d as on a SysV machine, the machine keeps its
own, and no daemon outlives the script. Names are unique all the same, and
each test removes what it made.'
. ./lib-svc.sh
svc_private_mounts "$@"
. ./lib.sh

N="tedge-t4030-$$"

test_lazy_prereq OVERLAY_ETC 'svc_in_private_ns && test -d /mnt && grep -qw overlay /proc/filesystems'
test_lazy_prereq SSD 'command -v start-stop-daemon'
test_lazy_prereq UPDATE_RC_D 'command -v update-rc.d'
test_lazy_prereq MOSQUITTO_CLIENTS 'command -v mosquitto_pub && command -v pgrep'

if ! test_have_prereq ROOT,OVERLAY_ETC,SSD; then
	skip_all="needs root, a private mount namespace (unshare) with overlayfs to keep the machine's /etc untouched, and start-stop-daemon: missing $test_missing_prereq_"
	test_done
fi

# sysv_script NAME DAEMON: an LSB script that runs DAEMON 1000 under
# start-stop-daemon, with a pid file of its own.
sysv_script () {
	cat >"/etc/init.d/$1" <<-EOF &&
	#!/bin/sh
	### BEGIN INIT INFO
	# Provides:          $1
	# Required-Start:    \$remote_fs
	# Required-Stop:     \$remote_fs
	# Default-Start:     2 3 4 5
	# Default-Stop:      0 1 6
	# Short-Description: tedge-svc test service
	### END INIT INFO
	P=/run/$1.pid
	running () { start-stop-daemon -K -t -q -p \$P -x $2; }
	case \$1 in
	start)
		start-stop-daemon -S -q -o -b -m -p \$P -x $2 -- 1000 || exit
		# -b returns before the daemon runs: wait for it, as init/ does
		n=0
		until running || [ \$n -ge 50 ]; do sleep 0.1; n=\$((n + 1)); done
		;;
	stop) start-stop-daemon -K -q -o -p \$P -x $2 -R TERM/5/KILL/1 && rm -f \$P ;;
	restart) "\$0" stop && "\$0" start ;;
	status) running || exit 3 ;;
	*) exit 3 ;;
	esac
	EOF
	chmod 755 "/etc/init.d/$1"
}

# sysv_forget NAME: stop it, remove its links and script
sysv_forget () {
	"/etc/init.d/$1" stop >/dev/null 2>&1
	update-rc.d -f "$1" remove >/dev/null 2>&1
	rm -f "/etc/init.d/$1" "/run/$1.pid"
	return 0
}

sleep_pid () {
	cat "/run/$1.pid"
}

test_expect_success 'setup: /etc an overlay, /run a tmpfs, in this namespace' '
	svc_overlay_etc &&
	echo probe >/etc/tedge-t4030-probe &&
	test_path_is_missing /mnt/upper/nonexistent &&
	test_path_is_file /mnt/upper/tedge-t4030-probe &&
	rm /etc/tedge-t4030-probe
'

test_expect_success 'detect: sysv (no systemd, OpenRC or runit running here)' '
	echo sysv >expect &&
	tedge-svc detect >out &&
	test_cmp expect out
'

test_expect_success 'start: running; again: nothing changes' '
	test_when_finished "sysv_forget $N-demo" &&
	sysv_script $N-demo /bin/sleep &&
	test_expect_code 1 tedge-svc is-active $N-demo &&
	tedge-svc start $N-demo >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	tedge-svc is-active $N-demo &&
	sleep_pid $N-demo >before &&
	kill -0 "$(cat before)" &&
	tedge-svc start $N-demo &&
	sleep_pid $N-demo >after &&
	test_cmp before after
'

test_expect_success 'stop, stop again; restart, also of a stopped service' '
	test_when_finished "sysv_forget $N-demo" &&
	sysv_script $N-demo /bin/sleep &&
	tedge-svc start $N-demo &&
	sleep_pid $N-demo >before &&
	tedge-svc restart $N-demo &&
	tedge-svc is-active $N-demo &&
	sleep_pid $N-demo >after &&
	! test_cmp before after >/dev/null &&
	tedge-svc stop $N-demo &&
	test_expect_code 1 tedge-svc is-active $N-demo &&
	test_expect_code 3 /etc/init.d/$N-demo status &&
	tedge-svc stop $N-demo &&
	tedge-svc restart $N-demo &&
	tedge-svc is-active $N-demo
'

rclinks () {
	(cd /etc && ls -d rc?.d/[SK][0-9][0-9]"$1" 2>/dev/null) |
	sed "s/[0-9][0-9]$1\$//"
}

test_expect_success UPDATE_RC_D 'enable, disable with update-rc.d: rc?.d links' '
	test_when_finished "sysv_forget $N-demo" &&
	sysv_script $N-demo /bin/sleep &&
	test_expect_code 1 tedge-svc is-enabled $N-demo &&
	tedge-svc enable $N-demo >out 2>err &&
	test_must_be_empty out &&
	tedge-svc is-enabled $N-demo &&
	rclinks $N-demo >actual &&
	printf "%s\n" rc0.d/K rc1.d/K rc2.d/S rc3.d/S rc4.d/S rc5.d/S rc6.d/K >expect &&
	test_cmp expect actual &&
	tedge-svc enable $N-demo &&
	test_expect_code 1 tedge-svc is-active $N-demo &&
	tedge-svc disable $N-demo &&
	test_expect_code 1 tedge-svc is-enabled $N-demo &&
	rclinks $N-demo >actual &&
	printf "%s\n" rc0.d/K rc1.d/K rc2.d/K rc3.d/K rc4.d/K rc5.d/K rc6.d/K >expect &&
	test_cmp expect actual &&
	tedge-svc disable $N-demo &&
	tedge-svc enable $N-demo &&
	tedge-svc is-enabled $N-demo &&
	update-rc.d -f $N-demo remove &&
	test_expect_code 1 tedge-svc is-enabled $N-demo &&
	tedge-svc enable $N-demo &&
	tedge-svc is-enabled $N-demo
'

test_expect_success 'disable does not stop, enable does not start' '
	test_when_finished "sysv_forget $N-demo" &&
	sysv_script $N-demo /bin/sleep &&
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
	test_path_is_missing /etc/init.d/$N-nothere &&
	! ls /etc/rc?.d/*$N-nothere 2>/dev/null
'

test_expect_success 'a service that fails to start: exit 1 with the script output' '
	test_when_finished "sysv_forget $N-fail" &&
	sysv_script $N-fail /nonexistent/daemon &&
	test_expect_code 1 tedge-svc start $N-fail >out 2>err &&
	test_must_be_empty out &&
	cat >expect <<-EOF &&
	Error: failed to start $N-fail

	Caused by:
	    0: Service command <"/etc/init.d/$N-fail start"> failed with code: 2.
	    1: start-stop-daemon: unable to stat /nonexistent/daemon (No such file or directory)
	EOF
	test_cmp expect err &&
	test_expect_code 1 tedge-svc is-active $N-fail
'

test_expect_success MOSQUITTO,MOSQUITTO_CLIENTS 'install mosquitto: init/sysvinit/mosquitto into /etc/init.d' '
	port=$(tedge-test free-port) &&
	echo "$port" >port &&
	svc_mosquitto_conf "$port" &&
	mkdir -p initdir/sysvinit &&
	svc_render "$TEDGE_ROOT/init/sysvinit/mosquitto" initdir/sysvinit/$N-mosq &&
	TEDGE_SVC_INITDIR=$TRASH_DIRECTORY/initdir &&
	export TEDGE_SVC_INITDIR &&
	test_expect_code 1 tedge-svc exists $N-mosq &&
	tedge-svc install $N-mosq &&
	sed "s/@NAME@/$N-mosq/g" initdir/sysvinit/$N-mosq >expect &&
	test_cmp expect /etc/init.d/$N-mosq &&
	test_mode 755 /etc/init.d/$N-mosq &&
	tedge-svc install $N-mosq
'

test_expect_success MOSQUITTO,MOSQUITTO_CLIENTS 'mosquitto: start, listener up, restart, stop' '
	test_when_finished "sysv_forget $N-mosq; svc_kill_test_mosquitto" &&
	port=$(cat port) &&
	test_expect_code 3 /etc/init.d/$N-mosq status &&
	! svc_mqtt_up "$port" &&
	tedge-svc start $N-mosq &&
	tedge-svc is-active $N-mosq &&
	test_wait_for 10 "svc_mqtt_up $port" &&
	svc_mosquitto_pid >pid &&
	test_cmp pid /run/$N-mosq.pid &&
	tedge-svc restart $N-mosq &&
	test_wait_for 10 "svc_mqtt_up $port" &&
	svc_mosquitto_pid >pid2 &&
	! test_cmp pid pid2 >/dev/null &&
	test_cmp pid2 /run/$N-mosq.pid &&
	tedge-svc enable $N-mosq &&
	tedge-svc is-enabled $N-mosq &&
	tedge-svc stop $N-mosq &&
	test_expect_code 1 tedge-svc is-active $N-mosq &&
	test_wait_for 10 "! svc_mqtt_up $port" &&
	test_must_fail svc_mosquitto_pid &&
	test_path_is_missing /run/$N-mosq.pid
'

test_expect_success 'nothing of this test is left in /etc' '
	! ls -d /etc/init.d/$N-* /etc/rc?.d/*$N-* /etc/runlevels/*/$N-* 2>/dev/null
'

test_done
