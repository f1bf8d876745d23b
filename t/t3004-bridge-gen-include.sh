#!/bin/sh
# Test bodies are strings eval'd by lib.sh, which also reads test_description:
# shellcheck disable=SC1091,SC2016,SC2034
test_description='tedge-bridge-gen --include: the broker loads the toolkit'\''s configuration

tedge init makes mqtt.broker.config_path include <config-dir>/mosquitto-conf
through tedge-bridge-gen --include: once, before the first listener or
security line, atomically, with the mode and owner of the file. A path with
backslashes is written as it is (awk -v made \n of them a newline, and so a
listener of its own); a path a directive cannot hold is refused, the file
unchanged. A real mosquitto reads what was written.'
. ./lib.sh

conf=$TRASH_DIRECTORY/mosquitto.conf
export TEDGE_MQTT_BROKER_CONFIG_PATH="$conf"

test_expect_success 'the line goes before the first listener, once' '
	printf "%s\n" "pid_file /run/mosquitto/mosquitto.pid" "persistence true" \
		"listener 1883" "allow_anonymous true" >"$conf" &&
	chmod 0640 "$conf" &&
	tedge-bridge-gen --include &&
	printf "%s\n" "pid_file /run/mosquitto/mosquitto.pid" "persistence true" \
		"include_dir $TEDGE_CONFIG_DIR/mosquitto-conf" \
		"listener 1883" "allow_anonymous true" >expect &&
	test_cmp expect "$conf" &&
	tedge-bridge-gen --include &&
	test_cmp expect "$conf" &&
	echo 640 >expect &&
	stat -c %a "$conf" >actual &&
	test_cmp expect actual &&
	test -d "$TEDGE_CONFIG_DIR/mosquitto-conf"
'

test_expect_success 'no such line: at the end, a missing last newline supplied' '
	printf "pid_file /x.pid" >"$conf" &&
	tedge-bridge-gen --include &&
	printf "%s\n" "pid_file /x.pid" "include_dir $TEDGE_CONFIG_DIR/mosquitto-conf" >expect &&
	test_cmp expect "$conf"
'

test_expect_success 'an include already there, with blanks around it: left alone' '
	printf "  include_dir\t%s  \nlistener 1\n" "$TEDGE_CONFIG_DIR/mosquitto-conf" >"$conf" &&
	cp "$conf" expect &&
	tedge-bridge-gen --include &&
	test_cmp expect "$conf"
'

test_expect_success 'a directory with backslash escapes: written as it is, no line added' '
	d="$TRASH_DIRECTORY/a\nlistener 1884\nallow_anonymous true\tx" &&
	mkdir -p "$d" &&
	printf "%s\n" "persistence false" >"$conf" &&
	tedge-bridge-gen --config-dir "$d" --include &&
	tedge-bridge-gen --config-dir "$d" --include &&
	printf "%s\n" "persistence false" "include_dir $d/mosquitto-conf" >expect &&
	test_cmp expect "$conf" &&
	test_line_count = 2 "$conf"
'

test_expect_success 'tedge init on that directory: the same one line, however often it runs' '
	d="$TRASH_DIRECTORY/a\nlistener 1884\nallow_anonymous true\tx" &&
	printf "%s\n" "persistence false" >"$conf" &&
	mkdir -p bare &&
	TEDGE_SVC_ROOT="$TRASH_DIRECTORY/bare" tedge --config-dir "$d" init &&
	TEDGE_SVC_ROOT="$TRASH_DIRECTORY/bare" tedge --config-dir "$d" init &&
	printf "%s\n" "persistence false" "include_dir $d/mosquitto-conf" >expect &&
	test_cmp expect "$conf"
'

test_expect_success 'a directory with a newline in its name: refused, the file unchanged' '
	d="$TRASH_DIRECTORY/b
listener 1885" &&
	mkdir -p "$d" &&
	printf "%s\n" "persistence false" >"$conf" &&
	cp "$conf" expect &&
	test_expect_code 1 tedge-bridge-gen --config-dir "$d" --include 2>err &&
	test_grep "control character" err &&
	test_cmp expect "$conf"
'

test_expect_success 'a tab in the name: refused too (mosquitto would split there)' '
	d=$(printf "%s/c\td" "$TRASH_DIRECTORY") &&
	mkdir -p "$d" &&
	test_expect_code 1 tedge-bridge-gen --config-dir "$d" --include 2>err &&
	test_cmp expect "$conf"
'

test_expect_success 'no mosquitto.conf: a warning, nothing made, exit 0' '
	rm -f "$conf" &&
	tedge-bridge-gen --include 2>err &&
	test_grep "^Warning: $conf does not exist" err &&
	test_path_is_missing "$conf"
'

test_expect_success ROOT 'the owner of mosquitto.conf is kept' '
	printf "%s\n" "listener 1883" >"$conf" &&
	chown 1234:1234 "$conf" &&
	tedge-bridge-gen --include &&
	echo 1234:1234 >expect &&
	stat -c %u:%g "$conf" >actual &&
	test_cmp expect actual
'

test_expect_success 'usage: --include takes no cloud and goes alone' '
	test_expect_code 2 tedge-bridge-gen --include c8y 2>err &&
	test_grep "unexpected argument" err &&
	test_expect_code 2 tedge-bridge-gen --include --write 2>err &&
	test_grep "goes alone" err
'

test_expect_success MOSQUITTO 'a real mosquitto loads the result, and only one listener from it' '
	port=$(tedge-test free-port) &&
	printf "%s\n" "listener $port 127.0.0.1" "allow_anonymous true" >"$conf" &&
	d="$TRASH_DIRECTORY/e\nlistener 1886" &&
	mkdir -p "$d" &&
	tedge-bridge-gen --config-dir "$d" --include &&
	m=$(command -v mosquitto || echo /usr/sbin/mosquitto) &&
	{ "$m" -c "$conf" >mosq.log 2>&1 & } &&
	test_bg_pid $! &&
	test_wait_for 5 "grep -q \"Opening ipv4 listen socket on port $port\" mosq.log" &&
	! grep "1886" mosq.log
'

test_done
