#!/bin/sh
# Test bodies are strings eval'd by lib.sh, which also reads test_description:
# shellcheck disable=SC1091,SC2016,SC2034
test_description='tedge-check doctor c8y: one broken layer at a time

A working set-up first (the stand-in, the device certificate uploaded, a
local mosquitto bridged to it): every layer passes. Then each test breaks
one layer, mostly through a TEDGE_* override so that nothing else changes,
and doctor must name that layer, pass the ones before it, and say what to
do.'
. ./lib.sh
# The machine's own init system stays out of doctor's answers: tedge-svc
# (diagnose) looks at an empty root; its own tests are t4*, t7003.
mkdir -p "$TRASH_DIRECTORY/no-init"
TEDGE_SVC_ROOT=$TRASH_DIRECTORY/no-init
export TEDGE_SVC_ROOT
. "$TEST_DIRECTORY/lib-c8y.sh"
. "$TEST_DIRECTORY/lib-check.sh"

if ! test_have_prereq MOSQUITTO,MOSQ_CLIENTS,OPENSSL; then
	skip_all='needs mosquitto, its clients and openssl'
	test_done
fi
standin_start || BUG "the Cumulocity stand-in did not start"

test_expect_success 'setup: device certificate uploaded, bridge files written' '
	tedge-cert create --device-id doc-dev 2>/dev/null &&
	standin_configure &&
	upload_cert &&
	local_setup &&
	tedge-bridge-gen --write c8y &&
	device_cert doc-other other &&
	dated_cert doc-dev 20200101000000Z 20200201000000Z expired
'
local_start || BUG "the local mosquitto did not start"

test_expect_success 'all is well: every layer ok, exit 0' '
	tedge-check doctor c8y >out 2>err &&
	test_must_be_empty out &&
	sed -n "s/^ok   \([a-z ]*\):.*/\1/p" err | tr " " _ >got &&
	printf "%s\n" $layers >expect &&
	test_cmp expect got &&
	test_grep "^ok   certificate: .* for doc-dev, valid until" err &&
	test_grep "^ok   tls client: 127.0.0.1:$C8Y_STANDIN_MQTT_PORT accepts the device certificate" err &&
	test_grep "^ok   broker config: $TRASH_DIRECTORY/local.conf includes $TEDGE_CONFIG_DIR/mosquitto-conf$" err &&
	test_grep "^The connection to Cumulocity works.$" err &&
	test_grep ! "^FAIL" err
'

test_expect_success 'the broker'\''s version comes from $SYS/broker/version; mosquitto -h is not asked' '
	mkdir -p stub-v &&
	printf "#!/bin/sh\necho \"mosquitto version 2.0.15\"\n" >stub-v/mosquitto &&
	chmod +x stub-v/mosquitto &&
	real=$("$MOSQ" -h | sed -n "1s/^mosquitto version //p") &&
	PATH="$PWD/stub-v:$PATH" TEDGE_DEBUG=1 tedge-check doctor c8y >out 2>err &&
	test_must_be_empty out &&
	test_grep "^Debug: \$SYS/broker/version: mosquitto version $real$" err &&
	test_grep ! "stub-v/mosquitto -h" err &&
	test_grep ! "mosquitto 2.0.15" err
'

test_expect_success 'doctor leaves the bridge alone: its own client id, the bridge stays up' '
	test_grep ! "Client doc-dev already connected" "$C8Y_STANDIN_DIR/mosquitto.log" &&
	tedge-check cloud c8y
'

# json_lines: doctor's --json object in out as its lines on stderr would be.
json_lines () {
	python3 -c '
import json, sys
d = json.load(sys.stdin)
for l in d["layers"]:
    print("%-4s %s: %s" % ({"ok": "ok", "warn": "WARN", "fail": "FAIL"}[l["status"]], l["layer"], l["message"]))
' <out
}

test_expect_success 'doctor --json: the layers as its lines say them, ok true' '
	tedge-check doctor c8y --json >out 2>err &&
	test_json out "d[\"ok\"] is True and d[\"cloud\"] == \"c8y\" and d[\"profile\"] is None" &&
	test_json out "[l[\"layer\"] for l in d[\"layers\"]] == [x.replace(\"_\", \" \") for x in \"$layers\".split()]" &&
	grep -E "^(ok  |WARN|FAIL) " err >expect &&
	json_lines >actual &&
	test_cmp expect actual
'

test_expect_success 'doctor --json: a warning and a failing layer, the error in the object' '
	port=$(tedge-test free-port) &&
	B="$TEDGE_CONFIG_DIR/mosquitto-conf/c8y-bridge.conf" &&
	cp "$B" bridge.saved &&
	test_when_finished "mv bridge.saved \"$B\"" &&
	echo "# by hand" >>"$B" &&
	tedge-check doctor c8y --json >out 2>err &&
	test_json out "d[\"ok\"] is True and [l[\"layer\"] for l in d[\"layers\"] if l[\"status\"] == \"warn\"] == [\"bridge\"]" &&
	test_expect_code 1 env TEDGE_C8Y_MQTT="127.0.0.1:$port" tedge-check doctor c8y --json --timeout 3 >out 2>err &&
	grep -E "^(ok  |WARN|FAIL) " err >expect &&
	json_lines >actual &&
	test_cmp expect actual &&
	test_json out "d[\"ok\"] is False and d[\"layers\"][-1][\"status\"] == \"fail\" and d[\"layers\"][-1][\"layer\"] == \"tcp\"" &&
	test_json out "d[\"error\"] == \"the connection to Cumulocity fails at the tcp layer\"" &&
	test_json out "\"Connection refused (os error 111)\" in \"\".join(d[\"causes\"])"
'

test_expect_success 'configuration: no c8y.url' '
	mkdir -p nourl &&
	cp -r "$TEDGE_CONFIG_DIR/device-certs" nourl/ &&
	doctor_fails configuration TEDGE_CONFIG_DIR="$PWD/nourl" &&
	test_grep "^FAIL configuration: '\''c8y.url'\'' is not set$" err &&
	test_grep "Required configuration item is not provided '\''c8y.url'\'', run '\''tedge config set c8y.url <value>'\'' to add it to config." err
'

test_expect_success 'certificate: expired' '
	doctor_fails certificate TEDGE_DEVICE_CERT_PATH="$PWD/expired/cert.pem" \
		TEDGE_DEVICE_KEY_PATH="$PWD/expired/key.pem" &&
	test_grep "^FAIL certificate: the device certificate has expired$" err &&
	test_grep "The device certificate has expired. Renew it" err
'

test_expect_success 'certificate: the key of another certificate' '
	doctor_fails certificate TEDGE_DEVICE_KEY_PATH="$PWD/other/key.pem" &&
	test_grep "^FAIL certificate: the private key is not the key of the device certificate$" err &&
	test_grep "The private key is not paired with the certificate. Check your '\''device.key_path'\''." err
'

test_expect_success 'certificate: none at all' '
	doctor_fails certificate TEDGE_DEVICE_CERT_PATH="$PWD/nowhere.pem" &&
	test_grep "^FAIL certificate: there is no device certificate$" err &&
	test_grep "tedge cert create --device-id <id>" err
'

test_expect_success 'dns: a name that does not resolve' '
	doctor_fails dns TEDGE_C8Y_MQTT=c8y.invalid:8883 &&
	test_grep "^FAIL dns: the name c8y.invalid does not resolve$" err &&
	test_grep "Check '\''c8y.url'\'' or '\''c8y.mqtt'\''" err
'

test_expect_success 'tcp: a closed port' '
	port=$(tedge-test free-port) &&
	doctor_fails tcp TEDGE_C8Y_MQTT="127.0.0.1:$port" &&
	test_grep "^FAIL tcp: nothing accepts connections on 127.0.0.1:$port$" err &&
	test_grep "Connection refused (os error 111)" err
'

test_expect_success 'tls server: the device does not trust the server' '
	doctor_fails tls_server TEDGE_C8Y_ROOT_CERT_PATH="$PWD/other/cert.pem" &&
	test_grep "^FAIL tls server: the server certificate is not trusted by the device$" err &&
	test_grep "Cumulocity certificate is not trusted by the device. Check your '\''c8y.root_cert_path'\''." err
'

test_expect_success 'tls server: the system trusts the server, c8y.root_cert_path does not' '
	doctor_fails tls_server TEDGE_C8Y_ROOT_CERT_PATH="$PWD/other/cert.pem" \
		SSL_CERT_FILE="$C8Y_STANDIN_CA" SSL_CERT_DIR="$PWD/nowhere" &&
	test_grep "^FAIL tls server: the server certificate is trusted by the system, not by c8y.root_cert_path$" err &&
	test_grep "its CA is in the system'\''s trust store, but not in $PWD/other/cert.pem, which the bridge uses." err
'

test_expect_success 'tls server: the port speaks no TLS' '
	doctor_fails tls_server TEDGE_C8Y_MQTT="127.0.0.1:$C8Y_STANDIN_INTERNAL_PORT" &&
	test_grep "is not the TLS endpoint of Cumulocity. Check the port in '\''c8y.mqtt'\''." err
'

test_expect_success 'tls server: a certificate for another name' '
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=elsewhere \
		-keyout elsewhere.key -out elsewhere.csr 2>/dev/null &&
	echo subjectAltName=DNS:elsewhere.example >elsewhere.ext &&
	openssl x509 -req -in elsewhere.csr -CA "$C8Y_STANDIN_CA" -CAkey "$C8Y_STANDIN_DIR/ca.key" \
		-set_serial 7 -days 1 -extfile elsewhere.ext -out elsewhere.pem 2>/dev/null &&
	port=$(tedge-test free-port) &&
	{
		check_user_line &&
		echo "listener $port 127.0.0.1" &&
		echo "certfile $PWD/elsewhere.pem" &&
		echo "keyfile $PWD/elsewhere.key" &&
		echo "allow_anonymous true"
	} >elsewhere.conf &&
	{ "$MOSQ" -c elsewhere.conf >elsewhere.out 2>&1 & } &&
	test_bg_pid $! &&
	test_wait_for 10 "grep -q \"Opening ipv4 listen socket on port $port\" elsewhere.out" &&
	doctor_fails tls_server TEDGE_C8Y_MQTT="127.0.0.1:$port" &&
	test_grep "^FAIL tls server: the server certificate is not for 127.0.0.1$" err &&
	test_grep "The certificate of 127.0.0.1:$port is made for another name. Check '\''c8y.mqtt'\''." err
'

test_expect_success 'tls client: the certificate was never uploaded' '
	doctor_fails tls_client TEDGE_DEVICE_CERT_PATH="$PWD/other/cert.pem" \
		TEDGE_DEVICE_KEY_PATH="$PWD/other/key.pem" &&
	test_grep "^FAIL tls client: the device certificate is not trusted by Cumulocity$" err &&
	test_grep "Upload the certificate using \`tedge cert upload c8y\`." err
'

test_expect_success 'local broker: down' '
	port=$(tedge-test free-port) &&
	doctor_fails local_broker TEDGE_MQTT_CLIENT_PORT="$port" &&
	test_grep "Make sure mosquitto is running." err
'

test_expect_success 'bridge: the bridge file is missing' '
	mv "$TEDGE_CONFIG_DIR/mosquitto-conf/c8y-bridge.conf" bridge.saved &&
	test_when_finished "mv bridge.saved \"$TEDGE_CONFIG_DIR/mosquitto-conf/c8y-bridge.conf\"" &&
	doctor_fails bridge &&
	test_grep "^FAIL bridge: there is no bridge file $TEDGE_CONFIG_DIR/mosquitto-conf/c8y-bridge.conf$" err &&
	test_grep "There is no bridge to Cumulocity. Run \`tedge connect c8y\`." err
'

test_expect_success 'bridge: the file was made for another endpoint' '
	cp "$TEDGE_CONFIG_DIR/mosquitto-conf/c8y-bridge.conf" bridge.saved &&
	test_when_finished "mv bridge.saved \"$TEDGE_CONFIG_DIR/mosquitto-conf/c8y-bridge.conf\"" &&
	sed "s/^address .*/address 127.0.0.1:1/" bridge.saved >"$TEDGE_CONFIG_DIR/mosquitto-conf/c8y-bridge.conf" &&
	doctor_fails bridge &&
	test_grep "^FAIL bridge: the bridge connects to 127.0.0.1:1, the configuration says 127.0.0.1:$C8Y_STANDIN_MQTT_PORT$" err &&
	test_grep "Run \`tedge reconnect c8y\`." err
'

test_expect_success 'bridge: a file edited by hand: a warning, and the layers after it' '
	B="$TEDGE_CONFIG_DIR/mosquitto-conf/c8y-bridge.conf" &&
	cp "$B" bridge.saved &&
	test_when_finished "mv bridge.saved \"$B\"" &&
	sed "s/^keepalive_interval .*/keepalive_interval 5/" bridge.saved >"$B" &&
	n=$(grep -n "^keepalive_interval" "$B" | cut -d: -f1) &&
	was=$(sed -n "s/^keepalive_interval //p" bridge.saved) &&
	tedge-check doctor c8y >out 2>err &&
	test_must_be_empty out &&
	echo "WARN bridge: $B differs from what the configuration gives, from line $n on (\"keepalive_interval 5\", where the configuration gives \"keepalive_interval $was\"): mosquitto runs what the file says. Run \`tedge reconnect c8y\`, which makes it again." >expect &&
	grep "^WARN" err >got &&
	test_cmp expect got &&
	test_grep "^ok   bridge: " err &&
	test_grep "^The connection to Cumulocity works.$" err
'

test_expect_success 'bridge: a line added, or the last newline gone: said so' '
	B="$TEDGE_CONFIG_DIR/mosquitto-conf/c8y-bridge.conf" &&
	cp "$B" bridge.saved &&
	test_when_finished "mv bridge.saved \"$B\"" &&
	n=$(($(wc -l <bridge.saved) + 1)) &&
	echo "topic extra/# out 1 c8y/ \"\"" >>"$B" &&
	tedge-check doctor c8y 2>err &&
	test_grep "^WARN bridge: $B differs from what the configuration gives, from line $n on (\"topic extra/# out 1 c8y/ \\\\\"\\\\\"\", where the configuration gives the end of the file)" err &&
	n=$((n - 1)) &&
	last=$(tail -n 1 bridge.saved) &&
	printf "%s" "$(cat bridge.saved)" >"$B" &&
	tedge-check doctor c8y 2>err &&
	test_grep "^WARN bridge: $B differs from what the configuration gives, from line $n on (.*, without a newline, where the configuration gives " err
'

test_expect_success 'bridge: no bridge file made to compare with: a warning that says why' '
	mkdir -p failing &&
	printf "%s\n" "#!/bin/sh" "printf \"Error: failed\\n\\nCaused by:\\n    0: one\\n    1: the reason\\n\" >&2" \
		"exit 1" >failing/tedge-bridge-gen &&
	chmod +x failing/tedge-bridge-gen &&
	TEDGE_EXEC_PATH=$PWD/failing tedge-check doctor c8y 2>err &&
	echo "WARN bridge: doctor cannot tell whether $TEDGE_CONFIG_DIR/mosquitto-conf/c8y-bridge.conf is what the configuration gives: \`tedge-bridge-gen c8y\` makes none (the reason)." >expect &&
	grep "^WARN" err >got &&
	test_cmp expect got &&
	test_grep "^The connection to Cumulocity works.$" err
'

test_expect_success 'bridge: mosquitto runs none (a broker without it)' '
	port=$(tedge-test free-port) &&
	{ check_user_line && echo "listener $port 127.0.0.1" && echo "allow_anonymous true"; } >plain.conf &&
	{ "$MOSQ" -c plain.conf >plain.out 2>&1 & } &&
	test_bg_pid $! &&
	TEDGE_MQTT_CLIENT_PORT=$port tedge-check broker --wait 10 &&
	doctor_fails bridge TEDGE_MQTT_CLIENT_PORT="$port" &&
	test_grep "^FAIL bridge: mosquitto runs no bridge to Cumulocity$" err
'

test_expect_success 'round trip: nothing answers' '
	kill "$C8Y_STANDIN_RESPONDER_PID" &&
	doctor_fails round_trip &&
	test_grep "^FAIL round trip: no answer from Cumulocity$" err &&
	test_grep "No answer from Cumulocity within 3 s" err
'

test_expect_success 'the stand-in stopped: the first broken layer is tcp' '
	"$TEDGE_ROOT/standin/c8y-standin" stop "$C8Y_STANDIN_DIR" &&
	doctor_fails tcp
'

test_done
