#!/bin/sh
# Test bodies are strings eval'd by lib.sh, which also reads test_description:
# shellcheck disable=SC1091,SC2016,SC2034
test_description='tedge-check cloud c8y: a round trip through a real bridge

A local mosquitto loads the files of tedge-bridge-gen and bridges to the
Cumulocity stand-in, which trusts the uploaded device certificate. The
check waits for the bridge to say it is up, sends c8y/s/uat and takes the
71,<JWT> that comes back on c8y/s/dat. It fails, within its bound, when
nothing answers and when the stand-in is stopped.'
. ./lib.sh
. "$TEST_DIRECTORY/lib-c8y.sh"
. "$TEST_DIRECTORY/lib-check.sh"

if ! test_have_prereq MOSQUITTO,MOSQ_CLIENTS,OPENSSL; then
	skip_all='needs mosquitto, its clients and openssl'
	test_done
fi
standin_start || BUG "the Cumulocity stand-in did not start"

health=te/device/main/service/mosquitto-c8y-bridge/status/health

test_expect_success 'setup: device certificate uploaded, bridge files written' '
	tedge-cert create --device-id cloud-dev 2>/dev/null &&
	standin_configure &&
	upload_cert &&
	local_setup &&
	tedge-bridge-gen --write c8y
'
# The local broker lives for the whole script.
local_start || BUG "the local mosquitto did not start"

test_expect_success 'cloud c8y: the round trip through the bridge, silently' '
	tedge-check cloud c8y >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	test_grep "Received PUBLISH from cloud-dev .*'\''s/uat'\''" "$C8Y_STANDIN_DIR/mosquitto.log"
'

test_expect_success 'cloud c8y: the 2 s bound of tedge connect is enough here' '
	tedge-check cloud c8y --timeout 2
'

test_expect_success 'three checks at the same time all succeed' '
	{ tedge-check cloud c8y 2>c1 & } && p1=$! &&
	{ tedge-check cloud c8y 2>c2 & } && p2=$! &&
	{ tedge-check cloud c8y 2>c3 & } && p3=$! &&
	test_bg_pid $p1 $p2 $p3 &&
	wait $p1 && wait $p2 && wait $p3 &&
	test_must_be_empty c1 &&
	test_must_be_empty c2 &&
	test_must_be_empty c3
'

test_expect_success 'nothing answers (the responder is gone): exit 1, said so' '
	kill "$C8Y_STANDIN_RESPONDER_PID" &&
	test_expect_code 1 tedge-check cloud c8y --timeout 1 >out 2>err &&
	test_must_be_empty out &&
	test_grep "^Error: failed to check the connection to Cumulocity cloud$" err &&
	test_grep "No answer from Cumulocity within 1 s: c8y/s/uat was published through the bridge, which is up, and nothing came back on c8y/s/dat." err
'

test_expect_success 'the stand-in cloud stopped: exit 1 within the bound' '
	"$TEDGE_ROOT/standin/c8y-standin" stop "$C8Y_STANDIN_DIR" &&
	test_expect_code 1 tedge-check cloud c8y --timeout 2 2>err &&
	test_grep "^Error: failed to check the connection to Cumulocity cloud$" err
'

test_expect_success 'once mosquitto has seen it: the bridge is down, and said so' '
	test_wait_for 10 "test \"\$(mosquitto_sub -p $LP -t $health -C 1 -W 2 2>/dev/null)\" = 0" &&
	test_expect_code 1 tedge-check cloud c8y --timeout 1 2>err &&
	test_grep "mosquitto'\''s bridge to Cumulocity is not connected ($health says 0)" err
'

test_done
