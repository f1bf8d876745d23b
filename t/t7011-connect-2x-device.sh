#!/bin/sh
test_description='a device thin-edge 2.0 configured leaves it for the toolkit

Its Cumulocity keys in mappers/c8y/mapper.toml (none in tedge.toml), its
bridge file the built-in bridge'\''s marker, the certificate given to the
tedge user (reference profiles §6). config get, connect (a real mosquitto
under runit, bridged to the stand-in), disconnect and config set work, and
the 2.x layout stays.'
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
D=$TEDGE_CONFIG_DIR
MAP=$D/mappers/c8y/mapper.toml
BRIDGE=$D/mosquitto-conf/c8y-bridge.conf
MARKER='# This file is left empty as the built-in bridge is enabled'

test_expect_success 'setup: a thin-edge 2.0 device: mapper.toml, the marker, the cert the tedge user'\''s' '
	mkdir -p "$D/mappers/c8y" "$D/mappers/c8y/bridge" &&
	cat >"$MAP" <<-\EOF &&
	cloud_type = "c8y"
	url = "placeholder.example.com"

	[proxy.bind]
	port = 8001
	EOF
	flow_device &&
	tedge cert create --device-id e2e-2x-device &&
	C8Y_PASSWORD=$C8Y_STANDIN_SECRET tedge cert upload c8y --user user &&
	flow_define tedge-mapper-c8y "exec sleep 100000" &&
	flow_define tedge-agent "exec sleep 100000" &&
	printf "%s" "$MARKER" >"$BRIDGE" &&
	chown nobody "$D/device-certs/tedge-certificate.pem" "$D/device-certs/tedge-private-key.pem" &&
	tedge-bridge-gen local --write &&
	tedge-svc restart mosquitto &&
	tedge-check broker --wait 5 &&
	test_grep ! "^\[c8y" "$D/tedge.toml" &&
	test_grep "^url = \"localhost\"$" "$MAP" &&
	test_grep "^mqtt = \"127.0.0.1:$C8Y_STANDIN_MQTT_PORT\"$" "$MAP" &&
	cp "$MAP" map.before
'

test_expect_success 'config get reads the mapper file; c8y.device.cert_path for the renewer' '
	echo localhost >expect &&
	tedge config get c8y.url >actual 2>err &&
	test_cmp expect actual &&
	test_must_be_empty err &&
	echo "$D/device-certs/tedge-certificate.pem" >expect &&
	tedge config get c8y.device.cert_path >actual &&
	test_cmp expect actual
'

test_expect_success 'the marker is a bridge: connect --test runs the round trip' '
	test_expect_code 1 tedge connect c8y --test --timeout 1 >out 2>err &&
	test_grep "^Connection check to Cumulocity cloud failed.$" out &&
	test_grep ! "Device is not connected" err
'

test_expect_success 'a connect that fails leaves the 2.x device as it was: marker, tedge.toml, owners' '
	sv="$FLOW_ROOT/etc/sv/mosquitto/run" &&
	cp "$sv" run.real &&
	test_when_finished "cp run.real \"$sv\" && tedge-svc restart mosquitto && tedge-check broker --wait 5" &&
	cp "$D/tedge.toml" toml.before &&
	ls -ln "$D/device-certs" >owners.before &&
	# a mosquitto that never listens: the wait for it fails
	printf "%s\n" "#!/bin/sh" "exec sleep 100000" >"$sv" &&
	test_expect_code 1 tedge connect c8y --wait 1 >out 2>err &&
	test_grep "^Awaiting mosquitto to start" out &&
	printf "%s" "$MARKER" >expect &&
	test_cmp expect "$BRIDGE" &&
	test_cmp toml.before "$D/tedge.toml" &&
	ls -ln "$D/device-certs" >owners.after &&
	test_cmp owners.before owners.after &&
	ls -A "$D" "$D/mosquitto-conf" >ls.out &&
	test_grep ! "tedge.toml\.\|bridge.conf\." ls.out
'

test_expect_success 'connect: the marker replaced by a mosquitto bridge, the seed'\''s lines and one more' '
	tedge connect c8y >out 2>err &&
	{ sed -n "1,4p" "$seed/connect.out" &&
	  printf "%s\n\n" "Info: thin-edge'\''s built-in bridge is configured but not working: replacing it with a mosquitto bridge." &&
	  sed -n "5,\$p" "$seed/connect.out"; } | sed "s/systemd/runit/" >expect &&
	test_cmp expect out &&
	test_must_be_empty err &&
	test_grep "^### Bridge$" "$BRIDGE" &&
	test_grep "^remote_clientid e2e-2x-device$" "$BRIDGE" &&
	tedge-svc is-active mosquitto &&
	tedge-svc is-active tedge-mapper-c8y
'

test_expect_success 'connect wrote mqtt.bridge.built_in = false, and kept the 2.x layout' '
	echo false >expect &&
	tedge config get mqtt.bridge.built_in >actual &&
	test_cmp expect actual &&
	test_grep "^built_in = false$" "$D/tedge.toml" &&
	test_grep ! "^\[c8y" "$D/tedge.toml" &&
	test_cmp map.before "$MAP" &&
	test_path_is_dir "$D/mappers/c8y/bridge"
'

test_expect_success 'the certificate and key were given back to the broker'\''s user' '
	echo mosquitto >expect &&
	stat -c %U "$D/device-certs/tedge-certificate.pem" >actual &&
	test_cmp expect actual &&
	stat -c %U "$D/device-certs/tedge-private-key.pem" >actual &&
	test_cmp expect actual
'

test_expect_success 'a message on c8y/s/us arrives at the cloud'\''s s/us' '
	{ mosquitto_sub -h 127.0.0.1 -p "$C8Y_STANDIN_INTERNAL_PORT" -t s/us -C 1 -W 10 >cloud.out & } &&
	test_bg_pid $! &&
	sleep 0.2 &&
	test_wait_for 10 "mosquitto_pub -h 127.0.0.1 -p $FLOW_PORT -t c8y/s/us -m 200,c8y_Temperature,T,21.5 -q 1 && test -s cloud.out" &&
	echo "200,c8y_Temperature,T,21.5" >expect &&
	test_cmp expect cloud.out
'

test_expect_success 'connect again: already established, as thin-edge says' '
	test_expect_code 1 tedge connect c8y >out 2>err &&
	test_cmp "$seed/already.err" err
'

test_expect_success 'config set goes to the mapper file, tedge.toml left alone' '
	cp "$D/tedge.toml" toml.before &&
	tedge config set c8y.proxy.bind.port 8005 &&
	test_grep "^port = 8005$" "$MAP" &&
	test_grep "^cloud_type = \"c8y\"$" "$MAP" &&
	test_cmp toml.before "$D/tedge.toml" &&
	tedge config unset c8y.proxy.bind.port &&
	test_grep ! "port" "$MAP"
'

test_expect_success 'disconnect removes the bridge; the mapper file stays' '
	tedge disconnect c8y >out 2>err &&
	test_cmp "$seed/disconnect.out" out &&
	test_path_is_missing "$BRIDGE" &&
	test_grep "^url = \"localhost\"$" "$MAP"
'

test_expect_success 'disconnect removes the marker too' '
	printf "%s" "$MARKER" >"$BRIDGE" &&
	tedge disconnect c8y >out 2>err &&
	test_grep "^Cumulocity Bridge successfully disconnected!$" out &&
	test_path_is_missing "$BRIDGE" &&
	tedge disconnect c8y >out &&
	test_grep "^Bridge doesn'\''t exist. Operation finished!$" out
'

test_expect_success 'a file like the marker but with a newline is no marker: the usual line' '
	tedge connect c8y >/dev/null &&
	tedge-svc stop mosquitto &&
	printf "%s\n" "$MARKER" >"$BRIDGE" &&
	tedge connect c8y >out 2>err &&
	test_grep "^Info: the bridge is configured but not working" out &&
	test_grep "^### Bridge$" "$BRIDGE"
'

test_done
