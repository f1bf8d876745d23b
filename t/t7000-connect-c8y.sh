#!/bin/sh
test_description='tedge connect c8y, disconnect, reconnect: the seed, end to end

A real mosquitto under a real runit (private runsvdir), bridged to the
Cumulocity stand-in; tedge-mapper-c8y and tedge-agent are stand-in services
(sleep) under the same runit, so that their steps run as on a full device.'
. ./lib.sh
. "$TEST_DIRECTORY/lib-c8y.sh"
. "$TEST_DIRECTORY/lib-flow.sh"

if ! test_have_prereq RUNIT,UNSHARE_PID,OPENSSL,MOSQUITTO; then
	skip_all="needs runit, root (PID namespace), openssl and mosquitto: missing $test_missing_prereq_"
	test_done
fi
standin_start || BUG "the Cumulocity stand-in did not start"
flow_start_runit || BUG "runsvdir did not start"

seed="$TEST_DIRECTORY/t7000"

test_expect_success 'setup: device, certificate uploaded, mapper and agent defined' '
	flow_device &&
	tedge cert create --device-id e2e-device &&
	C8Y_PASSWORD=$C8Y_STANDIN_SECRET tedge cert upload c8y --user user &&
	flow_define tedge-mapper-c8y "exec sleep 100000" &&
	flow_define tedge-agent "exec sleep 100000"
'

test_expect_success 'without c8y.url: the seed'\''s error, nothing printed before it' '
	mkdir -p nourl &&
	test_expect_code 1 tedge --config-dir nourl connect c8y >out 2>err &&
	test_must_be_empty out &&
	test_cmp "$seed/missing-url.err" err
'

test_expect_success 'without a certificate: what to do, nothing printed before it' '
	mkdir -p nocert &&
	tedge-config --config-dir nocert set c8y.url example.cumulocity.com &&
	test_expect_code 1 tedge --config-dir nocert connect c8y >out 2>err &&
	test_must_be_empty out &&
	cat >expect <<-\EOF &&
	Error: failed to execute `tedge connect`.

	Caused by:
	    No certificate has been attached to that device, so it has no device id.
	        Run `tedge cert create --device-id <id>` to make one.
	EOF
	test_cmp expect err
'

test_expect_success 'connect c8y prints the seed, line for line, and succeeds' '
	tedge connect c8y >out 2>err &&
	sed "s/systemd/runit/" "$seed/connect.out" >expect &&
	test_cmp expect out &&
	test_must_be_empty err &&
	test_path_is_file "$TEDGE_CONFIG_DIR/mosquitto-conf/c8y-bridge.conf" &&
	tedge-svc is-active mosquitto &&
	tedge-svc is-enabled mosquitto &&
	tedge-svc is-active tedge-mapper-c8y &&
	tedge-svc is-enabled tedge-agent
'

test_expect_success 'the device was created in the stand-in cloud' '
	test_grep "e2e-device" "$C8Y_STANDIN_DIR/devices"
'

test_expect_success 'a message on c8y/s/us arrives at the cloud'\''s s/us' '
	{ mosquitto_sub -h 127.0.0.1 -p "$C8Y_STANDIN_INTERNAL_PORT" -t s/us -C 1 -W 10 >cloud.out & } &&
	test_bg_pid $! &&
	sleep 0.2 &&
	test_wait_for 10 "mosquitto_pub -h 127.0.0.1 -p $FLOW_PORT -t c8y/s/us -m 200,c8y_Temperature,T,21.5 -q 1 && test -s cloud.out" &&
	echo "200,c8y_Temperature,T,21.5" >expect &&
	test_cmp expect cloud.out
'

test_expect_success 'a message the cloud sends on s/ds arrives at c8y/s/ds' '
	{ mosquitto_sub -h 127.0.0.1 -p "$FLOW_PORT" -t c8y/s/ds -C 1 -W 10 >local.out & } &&
	test_bg_pid $! &&
	test_wait_for 10 "mosquitto_pub -h 127.0.0.1 -p $C8Y_STANDIN_INTERNAL_PORT -t s/ds -m 510,e2e-device -q 1 && test -s local.out" &&
	echo "510,e2e-device" >expect &&
	test_cmp expect local.out
'

test_expect_success 'connect --test: only the round trip' '
	tedge connect c8y --test >out 2>err &&
	printf "%s\n\n" "Sending packets to check connection. This may take up to 10 seconds." \
		"Connection check to c8y cloud is successful." >expect &&
	test_cmp expect out
'

test_expect_success 'connect --test --json: the object on stdout, the lines on stderr' '
	tedge connect c8y --test --json >out 2>err &&
	test_json out "d == {\"cloud\": \"c8y\", \"profile\": None, \"ok\": True}" &&
	test_cmp expect err &&
	test_expect_code 2 tedge connect c8y --json 2>err &&
	test_grep "^error: --json goes with --test only" err
'

test_expect_success 'connect again: the seed'\''s "already established" error' '
	test_expect_code 1 tedge connect c8y >out 2>err &&
	sed "s/systemd/runit/" "$seed/already.out" >expect &&
	test_cmp expect out &&
	test_cmp "$seed/already.err" err
'

test_expect_success 'disconnect c8y prints the seed and removes the bridge' '
	tedge disconnect c8y >out 2>err &&
	test_cmp "$seed/disconnect.out" out &&
	test_must_be_empty err &&
	test_path_is_missing "$TEDGE_CONFIG_DIR/mosquitto-conf/c8y-bridge.conf" &&
	test_path_is_file "$TEDGE_CONFIG_DIR/mosquitto-conf/tedge-mosquitto.conf" &&
	tedge-svc is-active mosquitto &&
	test_expect_code 1 tedge-svc is-active tedge-mapper-c8y &&
	test_expect_code 1 tedge-svc is-enabled tedge-agent
'

test_expect_success 'after disconnect the broker runs without the bridge' '
	tedge-check broker --wait 5 &&
	test_expect_code 1 tedge connect c8y --test 2>err &&
	test_grep "Device is not connected to Cumulocity cloud" err &&
	test_expect_code 1 tedge connect c8y --test --json >out 2>err.json &&
	test_cmp err err.json &&
	test_json out "d[\"ok\"] is False and d[\"cloud\"] == \"c8y\" and d[\"profile\"] is None" &&
	test_json out "d[\"error\"] == \"failed to test connection to Cumulocity cloud.\"" &&
	test_json out "d[\"causes\"] == [\"Device is not connected to Cumulocity cloud\"]"
'

test_expect_success 'disconnect when not connected: done, exit 0' '
	tedge disconnect c8y >out &&
	printf "%s\n\n%s\n" "Removing Cumulocity bridge." "Bridge doesn'\''t exist. Operation finished!" >expect &&
	test_cmp expect out
'

test_expect_success 'connect again works (the device exists already)' '
	tedge connect c8y >out 2>err &&
	sed "s/systemd/runit/" "$seed/connect.out" >expect &&
	test_cmp expect out
'

test_expect_success 'reconnect: disconnect, then connect' '
	tedge reconnect c8y >out 2>err &&
	sed "s/systemd/runit/" "$seed/disconnect.out" "$seed/connect.out" >expect &&
	test_cmp expect out &&
	test_path_is_file "$TEDGE_CONFIG_DIR/mosquitto-conf/c8y-bridge.conf"
'

test_expect_success 'reconnect passes --wait and --timeout on to connect' '
	tedge reconnect --wait 7 c8y --timeout 3 >out 2>err &&
	test_grep "^Awaiting mosquitto to start. This may take up to 7 seconds.$" out &&
	test_grep "^Sending packets to check connection. This may take up to 3 seconds.$" out &&
	test_grep "^Connection check is successful.$" out &&
	test_expect_code 2 tedge reconnect --wait x c8y &&
	test_path_is_file "$TEDGE_CONFIG_DIR/mosquitto-conf/c8y-bridge.conf"
'

test_expect_success 'without mapper and agent: their skip lines' '
	tedge disconnect c8y >/dev/null &&
	rm -rf "$FLOW_ROOT/etc/sv/tedge-mapper-c8y" "$FLOW_ROOT/etc/sv/tedge-agent" \
		"$FLOW_SV/tedge-mapper-c8y" "$FLOW_SV/tedge-agent" &&
	tedge connect c8y >out &&
	test_grep "^Warning: tedge-mapper is not installed.$" out &&
	test_grep "^Info: Software management is not installed. So, skipping enabling related components.$" out &&
	test_grep ! "Starting tedge-agent" out
'

test_expect_success 'the cloud does not answer: the seed'\''s warning, exit 3, the bridge stays' '
	tedge disconnect c8y >/dev/null &&
	pkill -f "c8y-responder.*$C8Y_STANDIN_DIR" &&
	test_expect_code 3 tedge connect c8y >out 2>err &&
	sed -n "/^Sending packets/,/^Checking if tedge-mapper/p" out >actual &&
	printf "%s\n\n%s\n\n%s\n" "Sending packets to check connection. This may take up to 2 seconds." \
		"Warning: Bridge has been configured, but Cumulocity connection check failed." \
		"Checking if tedge-mapper is installed." >expect &&
	test_cmp expect actual &&
	test_grep "^ERROR: Local MQTT publish has timed out.$" err &&
	test_path_is_file "$TEDGE_CONFIG_DIR/mosquitto-conf/c8y-bridge.conf"
'

test_done
