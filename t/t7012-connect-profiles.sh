#!/bin/sh
test_description='tedge connect --profile: two tenants at once

One mosquitto under runit, two bridges: the main profile to one Cumulocity
stand-in, profile p1 (topic prefix c8y-p1) to a second stand-in, each with
its mapper service (tedge-mapper-c8y, tedge-mapper-c8y@p1).'
. ./lib.sh
. "$TEST_DIRECTORY/lib-c8y.sh"
. "$TEST_DIRECTORY/lib-flow.sh"

if ! test_have_prereq RUNIT,UNSHARE_PID,OPENSSL,MOSQUITTO; then
	skip_all="needs runit, root (PID namespace), openssl and mosquitto: missing $test_missing_prereq_"
	test_done
fi
# The second tenant first: its variables kept as C2_*, the first's stay.
c2_env=$(PATH=${TEST_SYSTEM_PATH:-$PATH} \
	"$TEDGE_ROOT/standin/c8y-standin" start "$TRASH_DIRECTORY/c8y2") ||
	BUG "the second stand-in did not start"
eval "$c2_env"
# shellcheck disable=SC2086 # one word per PID
test_bg_pid $C8Y_STANDIN_PIDS
C2_HTTP=$C8Y_STANDIN_HTTP_PORT C2_MQTT=$C8Y_STANDIN_MQTT_PORT
C2_INT=$C8Y_STANDIN_INTERNAL_PORT C2_CA=$C8Y_STANDIN_CA C2_DIR=$C8Y_STANDIN_DIR
standin_start || BUG "the Cumulocity stand-in did not start"
test "$C2_INT" != "$C8Y_STANDIN_INTERNAL_PORT" || BUG "one stand-in twice"
flow_start_runit || BUG "runsvdir did not start"

sv_up () { tedge-svc is-active "$1" && tedge-svc is-enabled "$1"; }

test_expect_success 'setup: device, p1 on the second tenant, certificate on both' '
	flow_device &&
	tedge cert create --device-id prof-device &&
	C8Y_PASSWORD=$C8Y_STANDIN_SECRET tedge cert upload c8y --user user &&
	tedge-config --profile p1 set c8y.url 127.0.0.1 &&
	tedge-config --profile p1 set c8y.http "127.0.0.1:$C2_HTTP" &&
	tedge-config --profile p1 set c8y.mqtt "127.0.0.1:$C2_MQTT" &&
	tedge-config --profile p1 set c8y.root_cert_path "$C2_CA" &&
	tedge-config --profile p1 set c8y.proxy.bind.port 8002 &&
	C8Y_PASSWORD=$C8Y_STANDIN_SECRET tedge cert upload c8y --profile p1 --user user &&
	flow_define tedge-mapper-c8y "exec sleep 100000" &&
	flow_define tedge-mapper-c8y@p1 "exec sleep 100000" &&
	flow_define tedge-agent "exec sleep 100000"
'

test_expect_success 'p1 and the main profile share a topic prefix: thin-edge'\''s error' '
	test_expect_code 1 tedge connect --profile p1 c8y >out 2>err &&
	test_must_be_empty out &&
	cat >expect <<-\EOF &&
	Error: failed to connect to Cumulocity cloud.

	Caused by:
	    The configurations: c8y.bridge.topic_prefix, c8y.profiles.p1.bridge.topic_prefix should be set to different values before connecting, but are currently set to the same value
	EOF
	test_cmp expect err &&
	test_expect_code 1 tedge connect c8y 2>err &&
	test_cmp expect err &&
	test_path_is_missing "$TEDGE_CONFIG_DIR/mosquitto-conf/c8y-bridge.conf"
'

test_expect_success 'an unknown profile name is a usage error' '
	test_expect_code 2 tedge connect --profile "a b" c8y 2>err &&
	test_grep "usage: tedge-connect" err &&
	test_expect_code 2 tedge disconnect --profile 2>err
'

test_expect_success 'connect c8y, then connect --profile p1: both bridges' '
	tedge-config --profile p1 set c8y.bridge.topic_prefix c8y-p1 &&
	tedge connect c8y >out 2>err &&
	test_must_be_empty err &&
	tedge connect --profile p1 c8y >out 2>err &&
	test_must_be_empty err &&
	test_grep "^Starting tedge-mapper-c8y@p1 service.$" out &&
	test_path_is_file "$TEDGE_CONFIG_DIR/mosquitto-conf/c8y-bridge.conf" &&
	test_path_is_file "$TEDGE_CONFIG_DIR/mosquitto-conf/c8y@p1-bridge.conf" &&
	sv_up tedge-mapper-c8y && sv_up tedge-mapper-c8y@p1 &&
	test_grep "prof-device" "$C2_DIR/devices"
'

test_expect_success 'c8y/s/us reaches the first tenant, c8y-p1/s/us the second' '
	{ mosquitto_sub -h 127.0.0.1 -p "$C8Y_STANDIN_INTERNAL_PORT" -t s/us -C 1 -W 10 >c1.out & } &&
	test_bg_pid $! &&
	{ mosquitto_sub -h 127.0.0.1 -p "$C2_INT" -t s/us -C 1 -W 10 >c2.out & } &&
	test_bg_pid $! &&
	sleep 0.2 &&
	test_wait_for 10 "mosquitto_pub -h 127.0.0.1 -p $FLOW_PORT -t c8y/s/us -m 200,main -q 1 && test -s c1.out" &&
	test_wait_for 10 "mosquitto_pub -h 127.0.0.1 -p $FLOW_PORT -t c8y-p1/s/us -m 200,p1 -q 1 && test -s c2.out" &&
	echo 200,main >expect && test_cmp expect c1.out &&
	echo 200,p1 >expect && test_cmp expect c2.out
'

test_expect_success 'connect --test --profile p1, and by TEDGE_CLOUD_PROFILE' '
	tedge connect --test --profile p1 c8y >out &&
	test_grep "^Connection check to c8y cloud is successful.$" out &&
	TEDGE_CLOUD_PROFILE=p1 tedge connect --test c8y >out &&
	test_grep "successful" out &&
	TEDGE_CLOUD_PROFILE=p1 test_expect_code 1 tedge connect c8y 2>err &&
	test_grep "Connection is already established" err
'

test_expect_success 'disconnect --profile p1 leaves the main bridge up' '
	TEDGE_CLOUD_PROFILE=nope tedge disconnect --profile p1 c8y >out 2>err &&
	test_must_be_empty err &&
	test_grep "^Removing Cumulocity bridge.$" out &&
	test_path_is_file "$TEDGE_CONFIG_DIR/mosquitto-conf/c8y-bridge.conf" &&
	test_path_is_missing "$TEDGE_CONFIG_DIR/mosquitto-conf/c8y@p1-bridge.conf" &&
	test_expect_code 1 tedge-svc is-active tedge-mapper-c8y@p1 &&
	sv_up tedge-mapper-c8y && sv_up tedge-agent &&
	tedge connect --test c8y >/dev/null &&
	test_expect_code 1 tedge connect --test --profile p1 c8y 2>err &&
	test_grep "Device is not connected to Cumulocity cloud" err
'

test_expect_success 'reconnect --profile p1: the second bridge again' '
	tedge reconnect --profile p1 c8y >out 2>err &&
	test_grep "^Connection check is successful.$" out &&
	test_path_is_file "$TEDGE_CONFIG_DIR/mosquitto-conf/c8y@p1-bridge.conf" &&
	sv_up tedge-mapper-c8y@p1
'

test_done
