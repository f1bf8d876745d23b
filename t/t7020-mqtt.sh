#!/bin/sh
# Test bodies are strings eval'd by lib.sh, which also reads test_description:
# shellcheck disable=SC2016,SC2034
test_description='tedge mqtt pub|sub: thin-edge options on mosquitto'"'"'s clients

A real mosquitto on a free loopback port, started in each test that needs
it: plain, and TLS requiring a client certificate from a test CA, the CA
and the client certificate and key taken from mqtt.client.auth.*. The
program runs under the shell of the test (BusyBox ash with prove -e),
and once through the dispatcher.'
. ./lib.sh

MOSQ=/usr/sbin/mosquitto
test -x "$MOSQ" || MOSQ=$(command -v mosquitto)
if ! test_have_prereq MOSQUITTO,MOSQ_CLIENTS,OPENSSL; then
	skip_all="needs mosquitto, mosquitto_sub, mosquitto_pub and openssl: missing $test_missing_prereq_"
	test_expect_success 'the shell syntax in the paths ran nowhere' '
	test_path_is_missing pwned &&
	test_path_is_missing "$pki/pwned" &&
	test_path_is_missing "$TEDGE_CONFIG_DIR/pwned"
'

test_done
fi

# The shell under test; with TEST_BUSYBOX_PATH, BusyBox is sh on PATH.
sh_=$TEST_SHELL_PATH
command -v "${sh_%% *}" >/dev/null || sh_='sh'
# shellcheck disable=SC2086 # TEST_SHELL_PATH may be "busybox sh"
mqtt () { $sh_ "$TEDGE_EXEC_PATH/tedge-mqtt" "$@"; }

# A blank and shell syntax in the paths: they must reach mosquitto as they are.
pki="$TRASH_DIRECTORY/p ki \$(touch pwned)"

# broker plain|tls: mosquitto for this test, listening on $P (plain) or
# $T (TLS, a client certificate of the test CA required); log in broker.log.
broker () {
	{
		if test "$(id -u)" = 0; then echo "user root"; fi
		echo "log_dest file $TRASH_DIRECTORY/broker.log" &&
		echo "log_type all" &&
		echo "allow_anonymous true" &&
		if test "$1" = tls; then
			echo "listener $T 127.0.0.1" &&
			echo "cafile $pki/ca.pem" &&
			echo "certfile $pki/server.pem" &&
			echo "keyfile $pki/server.key" &&
			echo "require_certificate true"
		else
			echo "listener $P 127.0.0.1"
		fi
	} >broker.conf &&
	: >broker.log &&
	{ "$MOSQ" -c broker.conf >broker.out 2>&1 & } &&
	test_bg_pid $! &&
	test_wait_for 10 'grep -q "Opening ipv4 listen socket" broker.log'
}

# subscribed TOPIC: the broker has a subscription to TOPIC
subscribed () {
	sub_topic=$1 &&
	test_wait_for 10 'grep -q " [0-2] $sub_topic\$" broker.log'
}

test_expect_success 'setup: ports, a test CA, the server and a client certificate' '
	P=$(tedge-test free-port) && T=$(tedge-test free-port) && X=$(tedge-test free-port) &&
	test "$P" != "$T" && test "$T" != "$X" && test "$P" != "$X" &&
	test_pki "$pki" client t7020-client &&
	tedge-config set mqtt.client.port "$P"
'

test_expect_success 'pub -r, then sub -C 1: the retained message as [topic] payload' '
	broker plain &&
	mqtt pub -r t/r "hello  world" >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	mqtt sub t/r -C 1 >out 2>err &&
	echo "[t/r] hello  world" >expect &&
	test_cmp expect out &&
	test_must_be_empty err &&
	mqtt sub --no-topic --count 1 t/r >out &&
	echo "hello  world" >expect &&
	test_cmp expect out
'

test_expect_success 'without -r nothing is retained; -W 1s ends sub, exit 0, nothing printed' '
	broker plain &&
	mqtt pub t/nr "not kept" &&
	start=$(date +%s) &&
	mqtt sub t/nr -W 1s >out 2>err &&
	test $(($(date +%s) - start)) -lt 5 &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	mqtt sub --duration 1 t/nr >out &&
	test_must_be_empty out
'

test_expect_success 'a live round trip at QoS 2 both ways; -C 1 exits at the first message' '
	broker plain &&
	{ mqtt sub -q 2 -C 1 -W 10 "t/live/#" >out 2>err & } &&
	sub=$! &&
	subscribed "t/live/#" &&
	grep " 2 t/live/#\$" broker.log &&
	mqtt pub --qos 2 t/live/1 "m1" &&
	wait $sub &&
	echo "[t/live/1] m1" >expect &&
	test_cmp expect out &&
	test_must_be_empty err &&
	grep "Received PUBLISH from .*(d0, q2, r0, m[0-9]*, .t/live/1., .* (2 bytes))" broker.log
'

test_expect_success 'sub -C 2 prints two messages and exits; the default QoS is 0' '
	broker plain &&
	mqtt pub -r t/c/a one &&
	mqtt pub -r t/c/b two &&
	mqtt sub "t/c/+" -C 2 >out &&
	sort out >sorted &&
	printf "%s\n" "[t/c/a] one" "[t/c/b] two" >expect &&
	test_cmp expect sorted &&
	grep "Received PUBLISH from .*(d0, q0, r1, m0, .t/c/a., .* (3 bytes))" broker.log
'

test_expect_success 'a payload that looks like an option, after --; an empty one' '
	broker plain &&
	mqtt pub -r -- t/dash -5 &&
	mqtt sub t/dash -C 1 >out &&
	echo "[t/dash] -5" >expect &&
	test_cmp expect out &&
	mqtt pub -r t/dash "" &&
	mqtt sub t/dash -W 1 >out &&
	test_must_be_empty out
'

test_expect_success 'through the dispatcher: tedge mqtt pub and sub' '
	broker plain &&
	tedge mqtt pub -r t/d via-tedge &&
	tedge mqtt sub t/d -C 1 >out &&
	echo "[t/d] via-tedge" >expect &&
	test_cmp expect out
'

test_expect_success 'nothing listening: exit 1, what failed and where' '
	test_when_finished "tedge-config set mqtt.client.port \"\$P\"" &&
	tedge-config set mqtt.client.port "$X" &&
	test_expect_code 1 mqtt pub -q 1 t/x m >out 2>err &&
	test_must_be_empty out &&
	cat >expect <<-EOF &&
	Error: failed to publish the message "m" on the topic "t/x" with QoS "AtLeastOnce".

	Caused by:
	    0: mosquitto_pub, the broker at 127.0.0.1:$X
	    1: Connection refused
	EOF
	test_cmp expect err &&
	test_expect_code 1 mqtt sub t/x -W 5 >out 2>err &&
	test_must_be_empty out &&
	head -n 1 err >first &&
	echo "Error: failed to subscribe to the topic \"t/x\" with QoS \"AtMostOnce\"." >expect &&
	test_cmp expect first &&
	test_grep "^    1: Connection refused\$" err
'

test_expect_success 'an invalid topic: mosquitto says why, exit 1' '
	broker plain &&
	test_expect_code 1 mqtt pub "t/#" m 2>err &&
	test_grep "^    1: Invalid publish topic .t/#., does it contain .+. or .#.?\$" err &&
	test_grep ! "mosquitto_pub --help" err
'

sq="'"
# usage_fails MESSAGE ARGS...: exit 2, "error: MESSAGE" and the usage on stderr
usage_fails () {
	msg=$1 &&
	shift &&
	test_expect_code 2 mqtt "$@" >out 2>err &&
	test_must_be_empty out &&
	echo "error: $msg" >expect &&
	head -n 1 err >first &&
	test_cmp expect first &&
	test_grep "^usage: tedge-mqtt " err
}

test_expect_success 'usage errors: exit 2, the mistake and the usage on stderr' '
	usage_fails "a subcommand is required: pub or sub" &&
	usage_fails "unexpected argument ${sq}-q${sq} found" -q 1 pub t m &&
	usage_fails "unrecognized subcommand ${sq}publish${sq}" publish t m &&
	usage_fails "the following required arguments were not provided: <TOPIC> <MESSAGE>" pub &&
	usage_fails "the following required arguments were not provided: <MESSAGE>" pub t &&
	usage_fails "the following required arguments were not provided: <TOPIC>" sub &&
	usage_fails "unexpected argument ${sq}x${sq} found" pub t m x &&
	usage_fails "unexpected argument ${sq}u${sq} found" sub t u &&
	usage_fails "unexpected argument ${sq}-r${sq} found" sub -r t &&
	usage_fails "unexpected argument ${sq}--no-topic${sq} found" pub --no-topic t m &&
	usage_fails "unexpected argument ${sq}-W${sq} found" pub -W 1 t m &&
	usage_fails "unexpected argument ${sq}--bogus${sq} found" sub --bogus t &&
	qos="The input QoS should be 0, 1, or 2" &&
	usage_fails "invalid value ${sq}3${sq} for ${sq}--qos <QOS>${sq}: $qos" pub -q 3 t m &&
	usage_fails "invalid value ${sq}${sq} for ${sq}--qos <QOS>${sq}: $qos" sub t -q &&
	dur="seconds, or with s, m, h or d" &&
	for d in 5ms 0 0s 1.5 m -1 123456789 25000d; do
		usage_fails "invalid value ${sq}$d${sq} for ${sq}--duration <DURATION>${sq}: $dur" sub -W "$d" t ||
		return 1
	done &&
	for c in x 01 -1 ""; do
		usage_fails "invalid value ${sq}$c${sq} for ${sq}--count <COUNT>${sq}: a whole number" sub -C "$c" t ||
		return 1
	done &&
	usage_fails "--config-dir needs a directory" --config-dir "" pub t m
'

test_expect_success '--help: the usage and every option on stdout, exit 0' '
	mqtt --help >out 2>err &&
	test_must_be_empty err &&
	test_grep "^usage: tedge-mqtt \[--config-dir DIR\] pub " out &&
	for o in --config-dir --qos --retain --no-topic --duration --count --help --version; do
		test_grep -e "^  -., $o \|^      $o " out || return 1
	done &&
	mqtt sub -h >out2 &&
	test_cmp out out2 &&
	tedge mqtt --version >out &&
	test_grep "^tedge-mqtt [0-9]" out
'

test_expect_success 'no mosquitto_pub: exit 5, what to install' '
	test_expect_code 5 env PATH=/nonexistent "$TEDGE_EXEC_PATH/tedge-mqtt" pub t m 2>err &&
	test_grep "^Error: failed to publish the message \"m\" on the topic \"t\" with QoS \"AtMostOnce\".\$" err &&
	test_grep "^    no mosquitto_pub (mosquitto-clients)\$" err
'

test_expect_success 'TLS with a client certificate: ca_file, cert_file, key_file from tedge.toml' '
	tedge-config set mqtt.client.port "$T" &&
	tedge-config set mqtt.client.auth.ca_file "$pki/ca.pem" &&
	tedge-config set mqtt.client.auth.cert_file "$pki/client.pem" &&
	tedge-config set mqtt.client.auth.key_file "$pki/client.key" &&
	broker tls &&
	mqtt pub -r -q 1 t/tls "over TLS" &&
	mqtt sub t/tls -C 1 >out &&
	echo "[t/tls] over TLS" >expect &&
	test_cmp expect out &&
	grep "New client connected from 127.0.0.1:[0-9]* as .* (p2, c1, k60)" broker.log &&
	test_path_is_missing pwned &&
	test_path_is_missing "$pki/pwned"
'

test_expect_success 'TLS: ca_dir instead of ca_file; a live round trip' '
	tedge-config unset mqtt.client.auth.ca_file &&
	tedge-config set mqtt.client.auth.ca_dir "$pki/cadir" &&
	broker tls &&
	{ mqtt sub -C 1 -W 10 t/tls/live >out 2>err & } &&
	sub=$! &&
	subscribed t/tls/live &&
	mqtt pub t/tls/live "by capath" &&
	wait $sub &&
	echo "[t/tls/live] by capath" >expect &&
	test_cmp expect out
'

test_expect_success 'TLS without the client certificate: refused, exit 1, said so' '
	test_when_finished "tedge-config set mqtt.client.auth.cert_file \"\$pki/client.pem\" &&
		tedge-config set mqtt.client.auth.key_file \"\$pki/client.key\"" &&
	tedge-config unset mqtt.client.auth.cert_file &&
	tedge-config unset mqtt.client.auth.key_file &&
	broker tls &&
	test_expect_code 1 mqtt pub t/tls m >out 2>err &&
	test_must_be_empty out &&
	test_grep "^Error: failed to publish the message \"m\" on the topic \"t/tls\" with QoS \"AtMostOnce\".\$" err &&
	test_grep "^    0: mosquitto_pub, the broker at 127.0.0.1:$T\$" err &&
	test_grep "^    1: " err
'

test_expect_success 'TLS to the plain listener: fails, exit 1' '
	test_cmp "$pki/client.pem" "$(tedge-config get mqtt.client.auth.cert_file)" &&
	tedge-config set mqtt.client.port "$P" &&
	broker plain &&
	test_expect_code 1 mqtt sub t/x -W 5 >out 2>err &&
	test_must_be_empty out &&
	test_grep "^Error: failed to subscribe to the topic \"t/x\"" err
'

test_expect_success 'the shell syntax in the paths ran nowhere' '
	test_path_is_missing pwned &&
	test_path_is_missing "$pki/pwned" &&
	test_path_is_missing "$TEDGE_CONFIG_DIR/pwned"
'

test_done
