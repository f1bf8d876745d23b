#!/bin/sh
# Test bodies are strings eval'd by lib.sh, which also reads test_description:
# shellcheck disable=SC1091,SC2016,SC2034
test_description='tedge-check broker, and cloud against a local broker only

broker: the local broker accepts an MQTT connection, plain or TLS;
--wait polls until a broker that starts late accepts, within its bound.
cloud, without any cloud: what it says when the broker is down, when no
bridge runs, when the bridge is down, when nothing answers.'
. ./lib.sh
. "$TEST_DIRECTORY/lib-c8y.sh"
. "$TEST_DIRECTORY/lib-check.sh"

if ! test_have_prereq MOSQUITTO,MOSQ_CLIENTS,OPENSSL; then
	skip_all='needs mosquitto, its clients and openssl'
	test_done
fi

health=te/device/main/service/mosquitto-c8y-bridge/status/health

test_expect_success 'setup: the local listener, nothing running' '
	local_setup
'

test_expect_success 'broker: nothing listening: exit 1, where and why' '
	test_expect_code 1 tedge-check broker >out 2>err &&
	test_must_be_empty out &&
	test_grep "^Error: the local MQTT broker at 127.0.0.1:$LP does not accept connections$" err &&
	test_grep "Connection refused (os error 111)" err
'

test_expect_success 'broker --wait: the bound holds when nothing ever listens' '
	test_expect_code 1 tedge-check broker --wait 0.5 2>err &&
	test_grep "waited 0.5 s" err &&
	test_grep "Connection refused" err
'

test_expect_success 'broker --wait: returns once a broker that starts late accepts' '
	{ tedge-check --debug broker --wait 30 >wait.out 2>wait.err & } &&
	waiter=$! &&
	test_bg_pid $waiter &&
	test_wait_for 10 "test \$(grep -c \"MQTT connection to 127.0.0.1:$LP\" wait.err) -ge 2" &&
	local_start &&
	wait $waiter &&
	test_must_be_empty wait.out &&
	test_grep ! "^Error" wait.err
'

test_expect_success 'broker: a running broker, silently' '
	local_start &&
	tedge-check broker >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err
'

test_expect_success 'broker: a host that is not there' '
	test_expect_code 1 env TEDGE_MQTT_CLIENT_HOST=nowhere.invalid tedge-check broker 2>err &&
	test_grep "^Error: the local MQTT broker at nowhere.invalid:$LP does not accept connections$" err
'

test_expect_success 'setup: a TLS listener that wants client certificates' '
	mkdir pki &&
	(
		cd pki &&
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout ca.key -out ca.pem -days 2 -subj "/CN=t5001 CA" &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout server.key -out server.csr -subj "/CN=127.0.0.1" &&
		echo subjectAltName=IP:127.0.0.1 >server.ext &&
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
			-days 2 -extfile server.ext -out server.pem &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout client.key -out client.csr -subj "/CN=client" &&
		openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
			-days 2 -out client.pem
	) 2>&4 &&
	TP=$(tedge-test free-port) &&
	{
		check_user_line &&
		echo "log_dest file $PWD/tls.log" &&
		echo "listener $TP 127.0.0.1" &&
		echo "cafile $PWD/pki/ca.pem" &&
		echo "certfile $PWD/pki/server.pem" &&
		echo "keyfile $PWD/pki/server.key" &&
		echo "require_certificate true" &&
		echo "allow_anonymous true"
	} >tls.conf
'

test_expect_success 'broker: TLS with mqtt.client.auth.*' '
	{ "$MOSQ" -c tls.conf >tls.out 2>&1 & } &&
	test_bg_pid $! &&
	TEDGE_MQTT_CLIENT_PORT=$TP TEDGE_MQTT_CLIENT_AUTH_CA_FILE="$PWD/pki/ca.pem" \
	TEDGE_MQTT_CLIENT_AUTH_CERT_FILE="$PWD/pki/client.pem" \
	TEDGE_MQTT_CLIENT_AUTH_KEY_FILE="$PWD/pki/client.key" &&
	export TEDGE_MQTT_CLIENT_PORT TEDGE_MQTT_CLIENT_AUTH_CA_FILE \
		TEDGE_MQTT_CLIENT_AUTH_CERT_FILE TEDGE_MQTT_CLIENT_AUTH_KEY_FILE &&
	test_when_finished "unset TEDGE_MQTT_CLIENT_PORT TEDGE_MQTT_CLIENT_AUTH_CA_FILE \
		TEDGE_MQTT_CLIENT_AUTH_CERT_FILE TEDGE_MQTT_CLIENT_AUTH_KEY_FILE" &&
	tedge-check broker --wait 10 2>err &&
	test_must_be_empty err &&
	test_expect_code 1 env -u TEDGE_MQTT_CLIENT_AUTH_CERT_FILE -u TEDGE_MQTT_CLIENT_AUTH_KEY_FILE \
		tedge-check broker 2>err &&
	test_grep "^Error: the local MQTT broker at 127.0.0.1:$TP does not accept connections" err &&
	test_expect_code 1 env TEDGE_MQTT_CLIENT_AUTH_CA_FILE="$PWD/pki/client.pem" \
		tedge-check broker 2>err &&
	test_grep "certificate verify failed" err
'

test_expect_success 'cloud: no bridge file: not connected, at once, in thin-edge'"'"'s words' '
	test_expect_code 1 tedge-check cloud c8y >out 2>err &&
	test_must_be_empty out &&
	printf "%s\n" "Error: failed to test connection to Cumulocity cloud." "" "Caused by:" \
		"    Device is not connected to Cumulocity cloud" >expect &&
	test_cmp expect err
'

# From here on the bridge files are there (mosquitto may not load them).
test_expect_success 'setup: the bridge files' '
	mkdir -p "$TEDGE_CONFIG_DIR/mosquitto-conf" &&
	for c in c8y az aws; do
		echo "# not loaded by this broker" >"$TEDGE_CONFIG_DIR/mosquitto-conf/$c-bridge.conf" || return 1
	done
'

test_expect_success 'cloud: the local broker is down' '
	test_expect_code 1 tedge-check cloud c8y --timeout 2 >out 2>err &&
	test_must_be_empty out &&
	test_grep "^Error: failed to check the connection to Cumulocity cloud$" err &&
	test_grep "The local MQTT broker at 127.0.0.1:$LP does not accept connections. Make sure mosquitto is running." err &&
	test_grep "Connection refused (os error 111)" err
'

test_expect_success 'cloud: no bridge runs (nothing on the health topic)' '
	local_start &&
	test_expect_code 1 tedge-check cloud c8y --timeout 0.5 2>err &&
	test_grep "mosquitto runs no bridge to Cumulocity: nothing on $health" err &&
	test_grep "$TEDGE_CONFIG_DIR/mosquitto-conf/c8y-bridge.conf" err &&
	test_grep "timed out after 0.5 s" err
'

test_expect_success 'cloud: the bridge says it is down' '
	local_start &&
	mosquitto_pub -p "$LP" -t "$health" -r -m 0 &&
	test_expect_code 1 tedge-check cloud c8y --timeout 0.5 2>err &&
	test_grep "mosquitto'\''s bridge to Cumulocity is not connected ($health says 0)" err &&
	test_grep "tedge-check doctor c8y" err
'

test_expect_success 'cloud: the bridge is up, nothing answers: sent, and said so' '
	local_start &&
	mosquitto_pub -p "$LP" -t te/device/main/service/mosquitto-aws-bridge/status/health -r -m 1 &&
	{ mosquitto_sub -p "$LP" -t aws/test-connection -v -C 1 -W 10 >request 2>&1 & } &&
	test_bg_pid $! &&
	test_wait_for 10 "grep -q \" 0 aws/test-connection\" local.log" &&
	test_expect_code 1 tedge-check cloud aws --timeout 0.5 2>err &&
	test_grep "^Error: failed to check the connection to Aws cloud$" err &&
	test_grep "No answer from Aws within 0.5 s: aws/test-connection was published through the bridge" err &&
	test_wait_for 5 "grep -q \"^aws/test-connection\" request"
'

test_expect_success 'cloud: two checks at once both take the answer; their client ids differ' '
	local_start &&
	mosquitto_pub -p "$LP" -t te/device/main/service/mosquitto-az-bridge/status/health -r -m 1 &&
	{ mosquitto_sub -p "$LP" -t "az/twin/GET/#" -v -C 2 -W 10 >requests 2>&1 & } &&
	test_bg_pid $! &&
	test_wait_for 10 "grep -q \" 0 az/twin/GET/#\" local.log" &&
	{ tedge-check cloud az --timeout 5 2>az1.err & } && p1=$! &&
	{ tedge-check cloud az --timeout 5 2>az2.err & } && p2=$! &&
	test_bg_pid $p1 $p2 &&
	test_wait_for 10 "test \$(wc -l <requests) -ge 2" &&
	mosquitto_pub -p "$LP" -t "az/twin/res/200/?\$rid=1" -m "{}" &&
	wait $p1 && wait $p2 &&
	test_must_be_empty az1.err &&
	test_must_be_empty az2.err &&
	grep "New client connected .* as tedge-check-" local.log >ids &&
	sed "s/.* as \(tedge-check-[0-9-]*\) .*/\1/" ids | sort | uniq -d >dups &&
	test_must_be_empty dups
'

test_done
