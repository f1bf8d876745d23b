#!/bin/sh
test_description='tedge-svc on runit, for real

A private runsvdir (runit 2.1) supervises a scan directory of the test own;
it runs as PID 1 of a PID namespace, so that every runsv and service dies
with it however the test ends. Service definitions live in $R/etc/sv, the
scan directory is $R/etc/service (TEDGE_SVC_ROOT=$R). runsvdir looks at its
directory every 5 seconds: each first start of a service waits for that.'
. ./lib-svc.sh
. ./lib.sh

# t4021 runs this script on BusyBox's applets: its hooks, when defined
RUNSVDIR=${T4020_RUNSVDIR:-runsvdir}
! command -v t4020_setup_ >/dev/null || t4020_setup_ || BUG "t4020_setup_ failed"

R="$TRASH_DIRECTORY/root"
TEDGE_SVC_ROOT=$R
export TEDGE_SVC_ROOT
SV="$R/etc/service"

test_lazy_prereq RUNIT 'command -v runsvdir && command -v sv'
test_lazy_prereq UNSHARE_PID 'id -u | grep -qx 0 && unshare --pid --fork --kill-child=SIGKILL true'
test_lazy_prereq MOSQUITTO_CLIENTS 'command -v mosquitto_pub && command -v pgrep'

if ! test_have_prereq RUNIT,UNSHARE_PID; then
	skip_all="needs runit (runsvdir, sv) and root for a private PID namespace: missing $test_missing_prereq_"
	test_done
fi

mkdir -p "$R/etc/sv" "$SV"
# /run a tmpfs of the supervisor's own: what mosquitto's run script makes
# there stays out of the machine's /run
# shellcheck disable=SC2086 # RUNSVDIR may be `busybox runsvdir`
{ unshare --mount --propagation private --pid --fork --kill-child=SIGKILL \
	sh -c 'mount -t tmpfs tmpfs /run && exec "$@"' sh $RUNSVDIR -P "$SV" \
	</dev/null >/dev/null 2>&1 & } &&
test_bg_pid $!
RUNSVDIR_NS=$!

# sv_pid NAME: the pid runsv has for the service (in runsvdir's namespace)
sv_pid () {
	cat "$SV/$1/supervise/pid"
}

# ns_pid PID: what PID is in the innermost PID namespace it is in
ns_pid () {
	sed -n "s/^NSpid:.*[^0-9]\([0-9][0-9]*\)\$/\1/p" "/proc/$1/status"
}

test_expect_success 'detect: a runsvdir supervising the scan directory is runit' '
	echo runit >expect &&
	test_wait_for 5 "tedge-svc detect >out 2>/dev/null" &&
	test_cmp expect out &&
	tedge-svc is-available
'

test_expect_success 'SVDIR names the scan directory' '
	echo runit >expect &&
	SVDIR=$SV tedge-svc detect >out &&
	test_cmp expect out &&
	test_expect_code 4 env SVDIR="$R/etc/sv" tedge-svc --manager runit detect 2>err &&
	test_grep "no runsvdir process supervises $R/etc/sv\$" err
'

test_expect_success 'setup: service definitions' '
	for s in demo crash; do
		mkdir "$R/etc/sv/$s" || return 1
	done &&
	printf "#!/bin/sh\nexec sleep 1000\n" >"$R/etc/sv/demo/run" &&
	# crashes at once, and its check never passes: sv -v start cannot
	# mistake one of its short lives for being up
	printf "#!/bin/sh\nexec /nonexistent/daemon\n" >"$R/etc/sv/crash/run" &&
	printf "#!/bin/sh\nexit 1\n" >"$R/etc/sv/crash/check" &&
	chmod +x "$R/etc/sv/demo/run" "$R/etc/sv/crash/run" "$R/etc/sv/crash/check"
'

test_expect_success 'start: supervised (after a scan), running, not enabled' '
	tedge-svc exists demo &&
	test_expect_code 1 tedge-svc is-active demo &&
	tedge-svc start demo >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	tedge-svc is-active demo &&
	sv status "$SV/demo" >status &&
	test_grep "^run: $SV/demo: (pid [0-9]*) [0-9]*s, normally down" status &&
	test -L "$SV/demo" &&
	test_path_is_file "$R/etc/sv/demo/down" &&
	test_expect_code 1 tedge-svc is-enabled demo
'

test_expect_success 'start again: nothing changes' '
	sv_pid demo >before &&
	tedge-svc start demo &&
	sv_pid demo >after &&
	test_cmp before after
'

test_expect_success 'restart: a new process' '
	sv_pid demo >before &&
	tedge-svc restart demo &&
	tedge-svc is-active demo &&
	sv_pid demo >after &&
	! test_cmp before after >/dev/null
'

test_expect_success 'stop, and stop again' '
	tedge-svc stop demo &&
	test_expect_code 1 tedge-svc is-active demo &&
	sv status "$SV/demo" >status &&
	test_grep "^down: " status &&
	tedge-svc stop demo &&
	test_expect_code 1 tedge-svc is-active demo
'

test_expect_success 'enable: starts on boot (no down file), does not start it now' '
	tedge-svc enable demo &&
	tedge-svc is-enabled demo &&
	test_path_is_missing "$R/etc/sv/demo/down" &&
	test_expect_code 1 tedge-svc is-active demo &&
	tedge-svc enable demo &&
	tedge-svc is-enabled demo
'

test_expect_success 'disable: a down file; what runs keeps running' '
	tedge-svc start demo &&
	tedge-svc disable demo &&
	test_path_is_file "$R/etc/sv/demo/down" &&
	test_expect_code 1 tedge-svc is-enabled demo &&
	tedge-svc is-active demo &&
	tedge-svc disable demo &&
	tedge-svc stop demo
'

test_expect_success 'a service that does not exist: exit 5, the seed message' '
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
	test_path_is_missing "$SV/nothere" &&
	test_path_is_missing "$R/etc/sv/nothere"
'

test_expect_success 'a service that fails to start: exit 1 with what sv said' '
	test_expect_code 1 tedge-svc --timeout 2 start crash >out 2>err &&
	test_must_be_empty out &&
	cat >expect <<-EOF &&
	Error: failed to start crash

	Caused by:
	    0: Service command <"sv -w 2 -v start $SV/crash"> failed with code: 1.
	EOF
	head -n 4 err >actual &&
	test_cmp expect actual &&
	test_grep "^    1: timeout: down: $SV/crash: " err &&
	test_expect_code 1 tedge-svc is-active crash &&
	tedge-svc stop crash
'

test_expect_success MOSQUITTO,MOSQUITTO_CLIENTS 'install mosquitto: init/runit/mosquitto into /etc/sv' '
	port=$(tedge-test free-port) &&
	echo "$port" >port &&
	svc_mosquitto_conf "$port" &&
	mkdir -p initdir/runit/mosquitto &&
	svc_render "$TEDGE_ROOT/init/runit/mosquitto/run" initdir/runit/mosquitto/run &&
	TEDGE_SVC_INITDIR=$TRASH_DIRECTORY/initdir &&
	export TEDGE_SVC_INITDIR &&
	test_expect_code 1 tedge-svc exists mosquitto &&
	tedge-svc install mosquitto &&
	test_cmp initdir/runit/mosquitto/run "$R/etc/sv/mosquitto/run" &&
	test_mode 755 "$R/etc/sv/mosquitto/run" &&
	tedge-svc exists mosquitto &&
	echo "# mine" >>"$R/etc/sv/mosquitto/run" &&
	cp "$R/etc/sv/mosquitto/run" expect &&
	tedge-svc install mosquitto &&
	test_cmp expect "$R/etc/sv/mosquitto/run"
'

test_expect_success MOSQUITTO,MOSQUITTO_CLIENTS 'mosquitto: enable, start, listener up' '
	test_when_finished "tedge-svc stop mosquitto; svc_kill_test_mosquitto" &&
	port=$(cat port) &&
	tedge-svc enable mosquitto &&
	test_expect_code 1 tedge-svc is-active mosquitto &&
	! svc_mqtt_up "$port" &&
	tedge-svc start mosquitto &&
	tedge-svc is-active mosquitto &&
	test_wait_for 10 "svc_mqtt_up $port" &&
	svc_mosquitto_pid >pid &&
	# the run script execs: runsv supervises mosquitto itself
	sv_pid mosquitto >expect &&
	ns_pid "$(cat pid)" >actual &&
	test_cmp expect actual &&
	# restart: another mosquitto, listening again
	tedge-svc restart mosquitto &&
	test_wait_for 10 "svc_mosquitto_pid >pid2 && ! test_cmp pid pid2 >/dev/null" &&
	test_wait_for 10 "svc_mqtt_up $port" &&
	tedge-svc is-active mosquitto &&
	tedge-svc stop mosquitto &&
	test_expect_code 1 tedge-svc is-active mosquitto &&
	test_wait_for 10 "! svc_mqtt_up $port" &&
	test_must_fail svc_mosquitto_pid
'

! command -v t4020_more_ >/dev/null || t4020_more_

# unshare ignores TERM; KILL takes runsvdir and all in its namespace along
test_expect_success 'detect without runsvdir: exit 4' '
	kill -KILL $RUNSVDIR_NS &&
	test_wait_for 10 "! kill -0 $RUNSVDIR_NS 2>/dev/null" &&
	# runsvdir dies with its namespace, a moment after unshare
	test_wait_for 10 "! pgrep -f \"runsvdir -P $SV\$\" >/dev/null" &&
	test_expect_code 4 tedge-svc detect 2>err &&
	test_grep "no service manager is running" err &&
	test_expect_code 4 tedge-svc --manager runit start demo 2>err &&
	test_grep "no runsvdir process supervises $SV\$" err
'

test_done
