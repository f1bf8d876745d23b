#!/bin/sh
# Test bodies are strings eval'd by lib.sh, which also reads test_description:
# shellcheck disable=SC1091,SC2016,SC2034
test_description='tedge-check cloud az and aws, through the stand-in

The stand-in broker takes the Azure and AWS bridges too (their topics do not
overlap Cumulocity'\''s). az.url and aws.url take a host only and the bridge
files say port 8883, so the tests point the generated file at the
stand-in'\''s port, as t3001 does. Azure'\''s twin GET is answered by the
responder; AWS'\''s test-connection comes back by itself: out and in are the
same remote topic, and mosquitto 2.0.11 hands the bridge its own message.'
. ./lib.sh
. "$TEST_DIRECTORY/lib-c8y.sh"
. "$TEST_DIRECTORY/lib-check.sh"

if ! test_have_prereq MOSQUITTO,MOSQ_CLIENTS,OPENSSL; then
	skip_all='needs mosquitto, its clients and openssl'
	test_done
fi
standin_start || BUG "the Cumulocity stand-in did not start"

mqconf="$TEDGE_CONFIG_DIR/mosquitto-conf"

# bridge_for CLOUD: only that cloud's bridge, pointed at the stand-in.
bridge_for () {
	rm -f "$mqconf"/*-bridge.conf &&
	tedge-config set "$1.url" 127.0.0.1 &&
	tedge-config set "$1.root_cert_path" "$C8Y_STANDIN_CA" &&
	tedge-bridge-gen --write "$1" &&
	sed "s/^address 127.0.0.1:8883$/address 127.0.0.1:$C8Y_STANDIN_MQTT_PORT/" \
		"$mqconf/$1-bridge.conf" >b.conf &&
	mv b.conf "$mqconf/$1-bridge.conf" &&
	test_grep "^address 127.0.0.1:$C8Y_STANDIN_MQTT_PORT$" "$mqconf/$1-bridge.conf"
}

test_expect_success 'setup: device certificate uploaded, local listener' '
	tedge-cert create --device-id hub-dev 2>/dev/null &&
	standin_configure &&
	upload_cert &&
	local_setup
'

test_expect_success 'cloud az: the twin GET is answered with a 200' '
	bridge_for az &&
	local_start &&
	tedge-check cloud az >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	test_grep "Received PUBLISH from hub-dev .*'\''\$iothub/twin/GET/?\$rid=1'\''" "$C8Y_STANDIN_DIR/mosquitto.log"
'

test_expect_success 'cloud aws: the test-connection echo comes back' '
	bridge_for aws &&
	local_start &&
	tedge-check cloud aws >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	test_grep "Received PUBLISH from hub-dev .*'\''thinedge/devices/hub-dev/test-connection'\''" \
		"$C8Y_STANDIN_DIR/mosquitto.log"
'

test_expect_success 'cloud aws: two at the same time' '
	local_start &&
	{ tedge-check cloud aws 2>a1 & } && p1=$! &&
	{ tedge-check cloud aws 2>a2 & } && p2=$! &&
	test_bg_pid $p1 $p2 &&
	wait $p1 && wait $p2 &&
	test_must_be_empty a1 &&
	test_must_be_empty a2
'

test_expect_success 'cloud az with no az bridge file: not connected, at once, in thin-edge'"'"'s words' '
	local_start &&
	test_expect_code 1 tedge-check cloud az --json >out 2>err &&
	printf "%s\n" "Error: failed to test connection to Azure cloud." "" "Caused by:" \
		"    Device is not connected to Azure cloud" >expect &&
	test_cmp expect err &&
	test_json out "d[\"ok\"] is False and d[\"causes\"] == [\"Device is not connected to Azure cloud\"]"
'

test_expect_success 'cloud az with its file written but only the aws bridge running: no bridge to Azure' '
	local_start &&
	tedge-bridge-gen --write az &&
	test_when_finished "tedge-bridge-gen --remove az" &&
	test_expect_code 1 tedge-check cloud az --timeout 0.5 2>err &&
	test_grep "^Error: failed to check the connection to Azure cloud$" err &&
	test_grep "mosquitto runs no bridge to Azure" err
'

test_expect_success 'doctor az: no az.url, the seed'\''s words' '
	test_expect_code 1 env TEDGE_AZ_URL= tedge-check doctor az 2>err &&
	test_grep "^FAIL configuration: '\''az.url'\'' is not set$" err &&
	test_grep "Required configuration item is not provided '\''az.url'\'', run '\''tedge config set az.url <value>'\'' to add it to config." err
'

test_expect_success 'doctor aws: a name that does not resolve; its port is 8883' '
	test_expect_code 1 env TEDGE_AWS_URL=iot.invalid tedge-check doctor aws 2>err &&
	test_grep "^ok   configuration: aws.url iot.invalid:8883" err &&
	test_grep "^FAIL dns: the name iot.invalid does not resolve$" err &&
	test_grep "Check '\''aws.url'\''" err
'

test_done
