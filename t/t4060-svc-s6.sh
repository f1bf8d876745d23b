#!/bin/sh
test_description='tedge-svc on s6, for real

A private s6-svscan (s6 2.11) supervises a scan directory of the test own,
$R/run/service (TEDGE_SVC_ROOT=$R); it runs as PID 1 of a PID namespace,
so that every s6-supervise and service dies with it however the test ends,
and with a /run of its own. Service definitions live in $R/etc/s6/sv.
s6-svscanctl -a makes it look at once: no first start waits for a scan.'
. ./lib-svc.sh
. ./lib.sh
. "$TEST_DIRECTORY/lib-c8y.sh"

R="$TRASH_DIRECTORY/root"
TEDGE_SVC_ROOT=$R
export TEDGE_SVC_ROOT
SCAN="$R/run/service"

test_lazy_prereq S6 'command -v s6-svscan && command -v s6-svc && command -v s6-svstat && command -v s6-svscanctl'
test_lazy_prereq UNSHARE_PID 'id -u | grep -qx 0 && unshare --pid --fork --kill-child=SIGKILL true'
test_lazy_prereq MOSQUITTO_CLIENTS 'command -v mosquitto_pub && command -v pgrep'

if ! test_have_prereq S6,UNSHARE_PID; then
	skip_all="needs s6 (s6-svscan, s6-svc, s6-svstat, s6-svscanctl) and root for a private PID namespace: missing $test_missing_prereq_"
	test_done
fi
if test_have_prereq MOSQUITTO,MOSQ_CLIENTS,OPENSSL; then
	standin_start || BUG "the Cumulocity stand-in did not start"
fi
mkdir -p "$R/etc/s6/sv" "$SCAN"

# s6_pid NAME: the pid s6-supervise has for the service (in its namespace)
s6_pid () {
	s6-svstat -o pid "$SCAN/$1"
}

# ns_pid PID: what PID is in the innermost PID namespace it is in
ns_pid () {
	sed -n "s/^NSpid:.*[^0-9]\([0-9][0-9]*\)\$/\1/p" "/proc/$1/status"
}

test_expect_success 's6 installed, its scan directory there, nothing running it: not s6' '
	test_expect_code 4 tedge-svc detect >out 2>err &&
	test_must_be_empty out &&
	test_grep "an s6-svscan supervising $SCAN," err &&
	test_expect_code 1 tedge-svc is-available &&
	test_expect_code 4 tedge-svc --manager s6 detect >out 2>err &&
	echo s6 >expect &&
	test_cmp expect out &&
	test_grep "^    no s6-svscan process supervises $SCAN\$" err
'

test_expect_success 'setup: the private s6-svscan' '
	{ unshare --mount --propagation private --pid --fork --kill-child=SIGKILL \
		sh -c "mount -t tmpfs tmpfs /run && exec s6-svscan \"\$1\"" sh "$SCAN" \
		</dev/null >/dev/null 2>&1 & } &&
	echo $! >svscan.pid &&
	test_wait_for 5 "test -p \"$SCAN/.s6-svscan/control\""
'
test_bg_pid "$(cat svscan.pid)"

test_expect_success 'detect: an s6-svscan on the scan directory is s6' '
	echo s6 >expect &&
	test_wait_for 5 "tedge-svc detect >out 2>/dev/null" &&
	test_cmp expect out &&
	tedge-svc is-available &&
	tedge-svc --manager s6 is-available
'

test_expect_success 'SVDIR names the scan directory' '
	echo s6 >expect &&
	SVDIR=$SCAN tedge-svc detect >out &&
	test_cmp expect out &&
	test_expect_code 4 env SVDIR="$R/etc/s6/sv" tedge-svc --manager s6 detect 2>err &&
	test_grep "no s6-svscan process supervises $R/etc/s6/sv\$" err
'

test_expect_success 'setup: service definitions' '
	mkdir "$R/etc/s6/sv/demo" &&
	printf "#!/bin/sh\nexec sleep 1000\n" >"$R/etc/s6/sv/demo/run" &&
	chmod +x "$R/etc/s6/sv/demo/run"
'

test_expect_success 'start: supervised at once, running, not enabled' '
	tedge-svc exists demo &&
	test_expect_code 1 tedge-svc is-active demo &&
	tedge-svc start demo >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	tedge-svc is-active demo &&
	echo true >expect &&
	s6-svstat -u "$SCAN/demo" >actual &&
	test_cmp expect actual &&
	test -L "$SCAN/demo" &&
	test_path_is_file "$R/etc/s6/sv/demo/down" &&
	test_expect_code 1 tedge-svc is-enabled demo
'

test_expect_success 'start again: nothing changes' '
	s6_pid demo >before &&
	tedge-svc start demo &&
	s6_pid demo >after &&
	test_cmp before after
'

test_expect_success 'restart: a new process' '
	s6_pid demo >before &&
	tedge-svc restart demo &&
	tedge-svc is-active demo &&
	s6_pid demo >after &&
	! test_cmp before after >/dev/null
'

test_expect_success 'stop, and stop again' '
	tedge-svc stop demo &&
	test_expect_code 1 tedge-svc is-active demo &&
	echo false >expect &&
	s6-svstat -u "$SCAN/demo" >actual &&
	test_cmp expect actual &&
	tedge-svc stop demo &&
	test_expect_code 1 tedge-svc is-active demo
'

test_expect_success 'restart of a stopped service starts it' '
	tedge-svc restart demo &&
	tedge-svc is-active demo &&
	tedge-svc stop demo
'

test_expect_success 'enable: starts on boot (no down file), does not start it now' '
	tedge-svc enable demo &&
	tedge-svc is-enabled demo &&
	test_path_is_missing "$R/etc/s6/sv/demo/down" &&
	test_expect_code 1 tedge-svc is-active demo &&
	tedge-svc enable demo &&
	tedge-svc is-enabled demo
'

test_expect_success 'disable: a down file; what runs keeps running' '
	tedge-svc start demo &&
	tedge-svc disable demo &&
	test_path_is_file "$R/etc/s6/sv/demo/down" &&
	test_expect_code 1 tedge-svc is-enabled demo &&
	tedge-svc is-active demo &&
	tedge-svc disable demo &&
	tedge-svc stop demo
'

test_expect_success 'enable of a service never supervised: linked, not started' '
	mkdir "$R/etc/s6/sv/other" &&
	printf "#!/bin/sh\nexec sleep 1000\n" >"$R/etc/s6/sv/other/run" &&
	chmod +x "$R/etc/s6/sv/other/run" &&
	tedge-svc enable other &&
	test -L "$SCAN/other" &&
	tedge-svc is-enabled other &&
	test_expect_code 1 tedge-svc is-active other &&
	s6-svok "$SCAN/other"
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
	test_path_is_missing "$SCAN/nothere" &&
	test_path_is_missing "$R/etc/s6/sv/nothere"
'

test_expect_success MOSQUITTO,MOSQUITTO_CLIENTS 'install mosquitto: init/s6/mosquitto into /etc/s6/sv' '
	port=$(tedge-test free-port) &&
	echo "$port" >port &&
	svc_mosquitto_conf "$port" &&
	mkdir -p initdir/s6/mosquitto &&
	svc_render "$TEDGE_ROOT/init/s6/mosquitto/run" initdir/s6/mosquitto/run &&
	TEDGE_SVC_INITDIR=$TRASH_DIRECTORY/initdir &&
	export TEDGE_SVC_INITDIR &&
	test_expect_code 1 tedge-svc exists mosquitto &&
	tedge-svc install mosquitto &&
	test_cmp initdir/s6/mosquitto/run "$R/etc/s6/sv/mosquitto/run" &&
	test_mode 755 "$R/etc/s6/sv/mosquitto/run" &&
	tedge-svc exists mosquitto &&
	test_path_is_missing "$SCAN/mosquitto" &&
	echo "# mine" >>"$R/etc/s6/sv/mosquitto/run" &&
	cp "$R/etc/s6/sv/mosquitto/run" expect &&
	tedge-svc install mosquitto &&
	test_cmp expect "$R/etc/s6/sv/mosquitto/run"
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
	# the run script execs: s6-supervise supervises mosquitto itself
	s6_pid mosquitto >expect &&
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

test_expect_success MOSQUITTO,MOSQ_CLIENTS,OPENSSL 'the seed under s6: connect c8y, a message to the cloud, disconnect' '
	test_when_finished "tedge-svc stop mosquitto; svc_kill_test_mosquitto" &&
	svc_story_device s6-device &&
	svc_connect_story s6 &&
	tedge-svc is-enabled mosquitto &&
	tedge-svc is-active mosquitto
'

# unshare ignores TERM; KILL takes s6-svscan and all in its namespace along
test_expect_success 'detect without s6-svscan: exit 4' '
	kill -KILL "$(cat svscan.pid)" &&
	test_wait_for 10 "! kill -0 $(cat svscan.pid) 2>/dev/null" &&
	test_wait_for 10 "! pgrep -f \"s6-svscan $SCAN\\\$\" >/dev/null" &&
	test_expect_code 4 tedge-svc detect 2>err &&
	test_grep "no service manager is running" err &&
	test_expect_code 4 tedge-svc --manager s6 start demo 2>err &&
	test_grep "no s6-svscan process supervises $SCAN\$" err
'

test_done
