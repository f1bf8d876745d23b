#!/bin/sh
test_description='tedge-svc on supervisord, for real

A private supervisord (supervisor 4.2) with a configuration, a socket, logs
and a conf.d of the test own, $R/etc/supervisor (TEDGE_SVC_ROOT=$R); it
runs as PID 1 of a PID namespace, so that every program dies with it
however the test ends, and with a /run of its own. tedge-svc asks it
through supervisorctl -c $R/etc/supervisor/supervisord.conf.'
. ./lib-svc.sh
. ./lib.sh
. "$TEST_DIRECTORY/lib-c8y.sh"

R="$TRASH_DIRECTORY/root"
TEDGE_SVC_ROOT=$R
export TEDGE_SVC_ROOT
SD="$R/etc/supervisor"
SOCK="$R/sd.sock"

test_lazy_prereq SUPERVISOR 'command -v supervisord && command -v supervisorctl'
test_lazy_prereq UNSHARE_PID 'id -u | grep -qx 0 && unshare --pid --fork --kill-child=SIGKILL true'
test_lazy_prereq MOSQUITTO_CLIENTS 'command -v mosquitto_pub && command -v pgrep'

if ! test_have_prereq SUPERVISOR,UNSHARE_PID; then
	skip_all="needs supervisor (supervisord, supervisorctl) and root for a private PID namespace: missing $test_missing_prereq_"
	test_done
fi
if test ${#SOCK} -gt 100; then
	skip_all="$SOCK is too long a name for a unix socket"
	test_done
fi
if test_have_prereq MOSQUITTO,MOSQ_CLIENTS,OPENSSL; then
	standin_start || BUG "the Cumulocity stand-in did not start"
fi
mkdir -p "$SD/conf.d" "$R/log"
cat >"$SD/supervisord.conf" <<EOF
[unix_http_server]
file=$SOCK
chmod=0700
[supervisord]
logfile=$R/log/supervisord.log
pidfile=$R/supervisord.pid
childlogdir=$R/log
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[supervisorctl]
serverurl=unix://$SOCK
[include]
files = $SD/conf.d/*.conf
EOF

ctl () {
	supervisorctl -c "$SD/supervisord.conf" "$@"
}

# sd_pid NAME: the pid supervisord has for the program (in its namespace)
sd_pid () {
	ctl pid "$1"
}

# ns_pid PID: what PID is in the innermost PID namespace it is in
ns_pid () {
	sed -n "s/^NSpid:.*[^0-9]\([0-9][0-9]*\)\$/\1/p" "/proc/$1/status"
}

test_expect_success 'supervisor installed, its configuration there, nothing running it: not supervisord' '
	test_expect_code 4 tedge-svc detect >out 2>err &&
	test_must_be_empty out &&
	test_grep "a supervisord with $SD/supervisord.conf," err &&
	test_expect_code 1 tedge-svc is-available &&
	test_expect_code 4 tedge-svc --manager supervisord detect >out 2>err &&
	echo supervisord >expect &&
	test_cmp expect out &&
	test_grep "^    no supervisord process runs with $SD/supervisord.conf\$" err
'

test_expect_success 'setup: the private supervisord' '
	{ unshare --mount --propagation private --pid --fork --kill-child=SIGKILL \
		sh -c "mount -t tmpfs tmpfs /run && exec supervisord -n -c \"\$1\"" sh "$SD/supervisord.conf" \
		</dev/null >/dev/null 2>&1 & } &&
	echo $! >supervisord.pid &&
	test_wait_for 10 "ctl pid >/dev/null 2>&1"
'
test_bg_pid "$(cat supervisord.pid)"

test_expect_success 'detect: a supervisord with the configuration is supervisord' '
	echo supervisord >expect &&
	tedge-svc detect >out &&
	test_cmp expect out &&
	tedge-svc is-available &&
	tedge-svc --manager supervisord is-available
'

test_expect_success 'setup: a program, in its conf.d file, not yet known to the daemon' '
	printf "[program:demo]\ncommand=sleep 1000\nautostart=false\nstartsecs=0\n" >"$SD/conf.d/demo.conf" &&
	test_expect_code 4 ctl status demo >/dev/null
'

test_expect_success 'start: added to the daemon, running, not enabled' '
	tedge-svc exists demo &&
	test_expect_code 1 tedge-svc is-active demo &&
	tedge-svc start demo >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	tedge-svc is-active demo &&
	ctl status demo >status &&
	test_grep "^demo  *RUNNING" status &&
	test_expect_code 1 tedge-svc is-enabled demo
'

test_expect_success 'start again: nothing changes' '
	sd_pid demo >before &&
	tedge-svc start demo &&
	sd_pid demo >after &&
	test_cmp before after
'

test_expect_success 'restart: a new process' '
	sd_pid demo >before &&
	tedge-svc restart demo &&
	tedge-svc is-active demo &&
	sd_pid demo >after &&
	! test_cmp before after >/dev/null
'

test_expect_success 'stop, and stop again' '
	tedge-svc stop demo &&
	test_expect_code 1 tedge-svc is-active demo &&
	test_expect_code 3 ctl status demo >status &&
	test_grep "^demo  *STOPPED" status &&
	tedge-svc stop demo &&
	test_expect_code 1 tedge-svc is-active demo
'

test_expect_success 'restart of a stopped program starts it' '
	tedge-svc restart demo &&
	tedge-svc is-active demo &&
	tedge-svc stop demo
'

test_expect_success 'enable: autostart=true in its file, not started now' '
	tedge-svc enable demo &&
	tedge-svc is-enabled demo &&
	test_grep "^autostart=true\$" "$SD/conf.d/demo.conf" &&
	test_grep ! "autostart=false" "$SD/conf.d/demo.conf" &&
	test_expect_code 1 tedge-svc is-active demo &&
	tedge-svc enable demo &&
	tedge-svc is-enabled demo &&
	grep -c autostart "$SD/conf.d/demo.conf" >count &&
	echo 1 >expect &&
	test_cmp expect count
'

test_expect_success 'disable: autostart=false; what runs keeps running' '
	tedge-svc start demo &&
	sd_pid demo >before &&
	tedge-svc disable demo &&
	test_grep "^autostart=false\$" "$SD/conf.d/demo.conf" &&
	test_expect_code 1 tedge-svc is-enabled demo &&
	tedge-svc is-active demo &&
	sd_pid demo >after &&
	test_cmp before after &&
	tedge-svc disable demo &&
	tedge-svc stop demo
'

test_expect_success 'disable a file with no autostart: the line is added' '
	printf "[program:other]\ncommand=sleep 1000" >"$SD/conf.d/other.conf" &&
	tedge-svc is-enabled other &&
	tedge-svc disable other &&
	printf "[program:other]\ncommand=sleep 1000\nautostart=false\n" >expect &&
	test_cmp expect "$SD/conf.d/other.conf" &&
	test_expect_code 1 tedge-svc is-enabled other
'

test_expect_success 'a program that does not exist: exit 5, the seed message' '
	svc_not_installed_msg nothere >expect &&
	for v in start stop restart enable disable; do
		test_expect_code 5 tedge-svc $v nothere >out 2>err &&
		test_must_be_empty out &&
		test_cmp expect err || return 1
	done &&
	test_expect_code 1 tedge-svc is-active nothere 2>err &&
	test_must_be_empty err &&
	test_expect_code 1 tedge-svc is-enabled nothere &&
	test_expect_code 1 tedge-svc exists nothere &&
	test_path_is_missing "$SD/conf.d/nothere.conf"
'

test_expect_success 'a program that fails to start: exit 1 with what supervisorctl said' '
	printf "[program:crash]\ncommand=/nonexistent/daemon\nautostart=false\n" >"$SD/conf.d/crash.conf" &&
	test_expect_code 1 tedge-svc start crash >out 2>err &&
	test_must_be_empty out &&
	cat >expect <<-EOF &&
	Error: failed to start crash

	Caused by:
	    0: Service command <"supervisorctl -c $SD/supervisord.conf start crash"> failed with code: 1.
	    1: crash: ERROR (no such file)
	EOF
	test_cmp expect err &&
	test_expect_code 1 tedge-svc is-active crash
'

test_expect_success MOSQUITTO,MOSQUITTO_CLIENTS 'install mosquitto: init/supervisord/mosquitto.conf into conf.d, known to the daemon' '
	port=$(tedge-test free-port) &&
	echo "$port" >port &&
	svc_mosquitto_conf "$port" &&
	mkdir -p initdir/supervisord &&
	svc_render "$TEDGE_ROOT/init/supervisord/mosquitto.conf" initdir/supervisord/mosquitto.conf &&
	TEDGE_SVC_INITDIR=$TRASH_DIRECTORY/initdir &&
	export TEDGE_SVC_INITDIR &&
	test_expect_code 1 tedge-svc exists mosquitto &&
	tedge-svc install mosquitto &&
	test_cmp initdir/supervisord/mosquitto.conf "$SD/conf.d/mosquitto.conf" &&
	test_mode 644 "$SD/conf.d/mosquitto.conf" &&
	tedge-svc exists mosquitto &&
	test_expect_code 3 ctl status mosquitto >/dev/null &&
	test_expect_code 1 tedge-svc is-enabled mosquitto &&
	echo "; mine" >>"$SD/conf.d/mosquitto.conf" &&
	cp "$SD/conf.d/mosquitto.conf" expect &&
	tedge-svc install mosquitto &&
	test_cmp expect "$SD/conf.d/mosquitto.conf"
'

test_expect_success MOSQUITTO,MOSQUITTO_CLIENTS 'mosquitto: enable, start, listener up, restart, stop' '
	test_when_finished "tedge-svc stop mosquitto; svc_kill_test_mosquitto" &&
	port=$(cat port) &&
	tedge-svc enable mosquitto &&
	test_expect_code 1 tedge-svc is-active mosquitto &&
	! svc_mqtt_up "$port" &&
	tedge-svc start mosquitto &&
	tedge-svc is-active mosquitto &&
	test_wait_for 10 "svc_mqtt_up $port" &&
	svc_mosquitto_pid >pid &&
	# the command execs: supervisord supervises mosquitto itself
	sd_pid mosquitto >expect &&
	ns_pid "$(cat pid)" >actual &&
	test_cmp expect actual &&
	tedge-svc restart mosquitto &&
	test_wait_for 10 "svc_mosquitto_pid >pid2 && ! test_cmp pid pid2 >/dev/null" &&
	test_wait_for 10 "svc_mqtt_up $port" &&
	tedge-svc is-active mosquitto &&
	tedge-svc stop mosquitto &&
	test_expect_code 1 tedge-svc is-active mosquitto &&
	test_wait_for 10 "! svc_mqtt_up $port" &&
	test_must_fail svc_mosquitto_pid
'

test_expect_success MOSQUITTO,MOSQ_CLIENTS,OPENSSL 'the seed under supervisord: connect c8y, a message to the cloud, disconnect' '
	test_when_finished "tedge-svc stop mosquitto; svc_kill_test_mosquitto" &&
	svc_story_device supervisord-device &&
	svc_connect_story supervisord &&
	tedge-svc is-enabled mosquitto &&
	tedge-svc is-active mosquitto
'

# unshare ignores TERM; KILL takes supervisord and all in its namespace along
test_expect_success 'detect without supervisord: exit 4' '
	kill -KILL "$(cat supervisord.pid)" &&
	test_wait_for 10 "! kill -0 $(cat supervisord.pid) 2>/dev/null" &&
	test_wait_for 10 "! pgrep -f \"supervisord -n -c $SD/supervisord.conf\\\$\" >/dev/null" &&
	test_expect_code 4 tedge-svc detect 2>err &&
	test_grep "no service manager is running" err &&
	test_expect_code 4 tedge-svc --manager supervisord start demo 2>err &&
	test_grep "no supervisord process runs with $SD/supervisord.conf\$" err
'

test_done
