#!/bin/sh
# Test bodies are strings eval'd by lib.sh, which also reads test_description:
# shellcheck disable=SC1091,SC2016,SC2034
test_description='tedge-check token c8y and register c8y --cert, against the stand-in

token: the JWT of 71,<JWT> on s/dat, alone on stdout; through the local
broker and the bridge when the bridge is up, else by a direct MQTT/TLS
session with the device certificate; a malformed one is an error, and the
token never shows in the debug output. register --cert PATH: the direct
session with another certificate of the same key and device id, as the
validation of a renewed certificate runs it.'
. ./lib.sh
. "$TEST_DIRECTORY/lib-c8y.sh"
. "$TEST_DIRECTORY/lib-check.sh"

if ! test_have_prereq MOSQUITTO,MOSQ_CLIENTS,OPENSSL; then
	skip_all='needs mosquitto, its clients and openssl'
	test_done
fi
standin_start || BUG "the Cumulocity stand-in did not start"

health=te/device/main/service/mosquitto-c8y-bridge/status/health

# b64url_decode TEXT: the bytes of a base64url text without padding.
b64url_decode () {
	b64_=$(printf '%s' "$1" | tr '_-' '/+') &&
	case $((${#b64_} % 4)) in
	2) b64_="$b64_==" ;;
	3) b64_="$b64_=" ;;
	esac &&
	printf '%s\n' "$b64_" | openssl base64 -d -A
}

# jwt_verify FILE: FILE is one line, a JWT whose header says HS256 and
# whose signature is the HMAC-SHA256 of the stand-in's DIR/jwt.key.
jwt_verify () {
	test_line_count "=" 1 "$1" &&
	grep -Eqx '[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+' "$1" &&
	IFS=. read -r jh_ jp_ js_ <"$1" &&
	b64url_decode "$jh_" >header.json &&
	test_grep '"alg": *"HS256"' header.json &&
	b64url_decode "$jp_" >claims.json &&
	test_grep '"iss": *"localhost"' claims.json &&
	printf '%s' "$jh_.$jp_" |
		openssl dgst -sha256 -mac HMAC -macopt "hexkey:$(cat "$C8Y_STANDIN_DIR/jwt.key")" -binary |
		openssl base64 -A | tr '+/' '-_' | tr -d '=' >sig.want &&
	printf '%s\n' "$js_" >sig.got &&
	echo >>sig.want &&
	test_cmp sig.want sig.got
}

# retained PAYLOAD: PAYLOAD is what s/dat holds on the cloud's side, until
# the test ends.
retained () {
	mosquitto_pub -p "$C8Y_STANDIN_INTERNAL_PORT" -t s/dat -r -m "$1" &&
	test_when_finished "mosquitto_pub -p $C8Y_STANDIN_INTERNAL_PORT -t s/dat -r -n"
}

# signed NAME CN CA SERIAL: NAME.pem, a certificate for CN with the device's
# key (as a renewal makes it), signed by the CA in directory CA.
signed () {
	openssl req -new -key "$(tedge-config get device.key_path)" -subj "/CN=$2" \
		-out "$1.csr" 2>/dev/null &&
	openssl x509 -req -in "$1.csr" -CA "$3/cert.pem" -CAkey "$3/key.pem" \
		-set_serial "$4" -days 30 -out "$1.pem" 2>/dev/null
}

test_expect_success 'setup: device certificate uploaded, bridge files written, no broker yet' '
	tedge-cert create --device-id tok-dev 2>/dev/null &&
	standin_configure &&
	upload_cert &&
	local_setup &&
	tedge-bridge-gen --write c8y
'

test_expect_success 'no local broker: a direct session, the JWT alone on stdout' '
	tedge-check token c8y >out 2>err &&
	test_must_be_empty err &&
	jwt_verify out &&
	test_grep "Received PUBLISH from tok-dev .*'\''s/uat'\''" "$C8Y_STANDIN_DIR/mosquitto.log"
'

test_expect_success '--debug says which way and why, the token length, never the token' '
	tedge-check token c8y --debug >out 2>err &&
	jwt_verify out &&
	test_grep "^Debug: the local MQTT broker at 127.0.0.1:$LP does not accept connections: asking by a direct session$" err &&
	test_grep "^Debug: direct session with the certificate $TEDGE_CONFIG_DIR/device-certs/tedge-certificate.pem" err &&
	tok=$(cat out) &&
	test_grep "^Debug: 71 on s/dat: a token of ${#tok} bytes$" err &&
	IFS=. read -r h p s <out &&
	test_grep ! -F "$p" err &&
	test_grep ! -F "$s" err
'

test_expect_success 'a message on s/dat whose first field is not 71 is not the answer' '
	retained "41,uat,not a token" &&
	tedge-check token c8y >out &&
	jwt_verify out
'

test_expect_success 'a 71 with a malformed token: exit 1, said, nothing on stdout' '
	retained "71,abc.def" &&
	test_expect_code 1 tedge-check token c8y >out 2>err &&
	test_must_be_empty out &&
	test_grep "^Error: failed to get a JWT from Cumulocity$" err &&
	test_grep "The JWT token received from Cumulocity is invalid." err &&
	test_grep "JWT token format must be <header>.<payload>.<signature>." err &&
	test_grep "0: the bridge to Cumulocity is not up (.*): asked by a direct session to 127.0.0.1:$C8Y_STANDIN_MQTT_PORT$" err &&
	test_grep ! "abc.def" err
'

test_expect_success 'a 71 with an empty token: exit 1, said' '
	retained "71," &&
	test_expect_code 1 tedge-check token c8y >out 2>err &&
	test_must_be_empty out &&
	test_grep "The JWT token received from Cumulocity is invalid." err &&
	test_grep "It is empty." err
'

test_expect_success 'setup: a CA the stand-in trusts, one it does not, certificates of the device key' '
	key=$(tedge-config get device.key_path) &&
	for ca in trusted-ca other-ca; do
		mkdir -p $ca &&
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
			-subj "/CN=t5008-$ca" -addext basicConstraints=critical,CA:TRUE \
			-keyout $ca/key.pem -out $ca/cert.pem 2>/dev/null || return 1
	done &&
	TEDGE_DEVICE_CERT_PATH="$PWD/trusted-ca/cert.pem" upload_cert &&
	signed new tok-dev trusted-ca 1 &&
	signed untrusted tok-dev other-ca 2 &&
	signed othercn other-dev trusted-ca 3 &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
		-subj /CN=tok-dev -keyout otherkey.key -out otherkey.pem 2>/dev/null
'

test_expect_success 'register --cert: a certificate of the same key and CN that Cumulocity trusts' '
	tedge-check register c8y --cert "$PWD/new.pem" --debug >out 2>err &&
	test_must_be_empty out &&
	test_grep "^Debug: direct session with the certificate $PWD/new.pem and the key $key$" err &&
	test_grep "^Debug: MQTT connection to 127.0.0.1:$C8Y_STANDIN_MQTT_PORT as tok-dev$" err &&
	test_grep ! "^Error" err
'

test_expect_success 'register --cert: a certificate Cumulocity does not trust is refused, named' '
	test_expect_code 1 tedge-check register c8y --cert "$PWD/untrusted.pem" >out 2>err &&
	test_must_be_empty out &&
	test_grep "^Error: failed to create the device in Cumulocity with the certificate $PWD/untrusted.pem$" err &&
	test_grep "The device certificate is not trusted by Cumulocity." err &&
	test_grep "refused the device certificate" err
'

test_expect_success 'register --cert: another CN is refused before any connection' '
	port=$(tedge-test free-port) &&
	test_expect_code 1 env TEDGE_C8Y_MQTT="127.0.0.1:$port" \
		tedge-check register c8y --cert "$PWD/othercn.pem" 2>err &&
	test_grep "^Error: failed to create the device in Cumulocity with the certificate $PWD/othercn.pem$" err &&
	test_grep "The certificate $PWD/othercn.pem is for the device \"other-dev\" (its common name), not for \"tok-dev\"" err &&
	test_grep "a new certificate must keep the device id" err &&
	test_grep ! "TCP" err
'

test_expect_success 'register --cert: a certificate of another key, a missing file' '
	test_expect_code 1 tedge-check register c8y --cert "$PWD/otherkey.pem" 2>err &&
	test_grep "The private key is not paired with the certificate." err &&
	test_grep "is not the private key of the certificate $PWD/otherkey.pem" err &&
	test_expect_code 1 tedge-check register c8y --cert "$PWD/missing.pem" 2>err &&
	test_grep "The certificate $PWD/missing.pem given by --cert cannot be read." err
'

test_expect_success '--cert goes with register only; token with c8y only' '
	test_expect_code 2 tedge-check broker --cert "$PWD/new.pem" 2>err &&
	test_grep "'\''--cert'\'' does not go with '\''broker'\'': only with register" err &&
	test_expect_code 2 tedge-check token c8y --cert "$PWD/new.pem" 2>err &&
	test_grep "'\''--cert'\'' does not go with '\''token'\''" err &&
	test_expect_code 2 tedge-check token az 2>err &&
	test_grep "invalid cloud '\''az'\'' for '\''token'\'': only c8y gives a token" err &&
	test_expect_code 2 tedge-check token 2>err &&
	test_grep "'\''token'\'' needs a cloud: c8y" err
'

# From here the local broker runs, with the bridge, for the rest of the script.
local_start || BUG "the local mosquitto did not start"

test_expect_success 'the bridge up: the token through the local broker' '
	tedge-check cloud c8y &&
	tedge-check token c8y --debug >out 2>err &&
	jwt_verify out &&
	test_grep "^Debug: the bridge to Cumulocity is up: asking through it$" err &&
	test_grep ! "direct session" err &&
	test_grep "Received PUBLISH from tedge-check-.*'\''c8y/s/uat'\''" "$TRASH_DIRECTORY/local.log"
'

test_expect_success 'the bridge up, nothing answers: three tries within --timeout, no direct session' '
	kill "$C8Y_STANDIN_RESPONDER_PID" &&
	test_expect_code 1 tedge-check token c8y --timeout 1.5 --debug >out 2>err &&
	test_must_be_empty out &&
	test_grep "^Error: failed to get a JWT from Cumulocity$" err &&
	test_grep "the bridge to Cumulocity is up, and the token did not come through it" err &&
	test_grep "no token within 1.5 s: 3 empty messages on c8y/s/uat, no 71 on c8y/s/dat" err &&
	test_grep "try 3 of 3" err &&
	test_grep ! "direct session" err
'

test_expect_success 'neither way works (the stand-in stopped): exit 1 within --timeout, said' '
	"$TEDGE_ROOT/standin/c8y-standin" stop "$C8Y_STANDIN_DIR" &&
	test_wait_for 10 "test \"\$(mosquitto_sub -p $LP -t $health -C 1 -W 2 2>/dev/null)\" = 0" &&
	start=$(date +%s) &&
	test_expect_code 1 tedge-check token c8y --timeout 2 >out 2>err &&
	end=$(date +%s) &&
	test $((end - start)) -le 3 &&
	test_must_be_empty out &&
	test_grep "^Error: failed to get a JWT from Cumulocity$" err &&
	test_grep "the bridge to Cumulocity is not up (mosquitto'\''s bridge to Cumulocity is not connected: $health says 0) and the direct session to 127.0.0.1:$C8Y_STANDIN_MQTT_PORT failed" err &&
	test_grep "127.0.0.1:$C8Y_STANDIN_MQTT_PORT does not accept TCP connections" err
'

test_done
