#!/bin/sh
# Test bodies are strings eval'd by lib.sh, which also reads test_description:
# shellcheck disable=SC1091,SC2016,SC2034
test_description='tedge-check register c8y, against the Cumulocity stand-in

A direct MQTT/TLS connection with the device certificate; 100,<id>,<type>
on s/us creates the device (the stand-in keeps it in DIR/devices). Every
way it can fail is explained: the certificate not uploaded, the server not
trusted, the key of another certificate, an expired certificate, a closed
port, a port that is not TLS, a server that says nothing.'
. ./lib.sh
. "$TEST_DIRECTORY/lib-c8y.sh"
. "$TEST_DIRECTORY/lib-check.sh"

if ! test_have_prereq MOSQUITTO,MOSQ_CLIENTS,OPENSSL; then
	skip_all='needs mosquitto, its clients and openssl'
	test_done
fi
standin_start || BUG "the Cumulocity stand-in did not start"

test_expect_success 'setup: a device certificate, the configuration' '
	tedge-cert create --device-id reg-dev 2>/dev/null &&
	standin_configure
'

test_expect_success 'before the upload: refused, and what to do' '
	test_expect_code 1 tedge-check register c8y >out 2>err &&
	test_must_be_empty out &&
	test_grep "^Error: failed to create the device in Cumulocity$" err &&
	test_grep "The device certificate is not trusted by Cumulocity. Upload the certificate using \`tedge cert upload c8y\`." err &&
	test_grep "127.0.0.1:$C8Y_STANDIN_MQTT_PORT refused the device certificate" err &&
	test_path_is_missing "$C8Y_STANDIN_DIR/devices"
'

test_expect_success 'after the upload: the device is created, silently' '
	upload_cert &&
	tedge-check register c8y >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	echo "reg-dev,thin-edge.io" >expect &&
	# the stand-in creates it once it has the message, after the PUBACK
	test_wait_for 10 "test -s \"$C8Y_STANDIN_DIR/devices\"" &&
	test_cmp expect "$C8Y_STANDIN_DIR/devices"
'

test_expect_success 'again: the device exists, which is success too' '
	tedge-check register c8y 2>err &&
	test_must_be_empty err &&
	test_cmp expect "$C8Y_STANDIN_DIR/devices"
'

test_expect_success 'the stand-in: a second 100 gets 41,100,Device already existing on s/e' '
	{ mosquitto_sub -p "$C8Y_STANDIN_INTERNAL_PORT" -i t5002-sub -t s/e -C 1 -W 10 >s_e 2>&1 & } &&
	test_bg_pid $! &&
	test_wait_for 10 "grep -q \" t5002-sub 0 s/e\" \"$C8Y_STANDIN_DIR/mosquitto.log\"" &&
	mosquitto_pub -p "$C8Y_STANDIN_INTERNAL_PORT" -t s/us -m "100,reg-dev,thin-edge.io" &&
	test_wait_for 10 "test -s s_e" &&
	echo "41,100,Device already existing" >expect.e &&
	test_cmp expect.e s_e
'

test_expect_success 'the stand-in: s/uat gets 71,<JWT> on s/dat, iss localhost, HS256' '
	{ mosquitto_sub -p "$C8Y_STANDIN_INTERNAL_PORT" -i t5002-jwt -t s/dat -C 1 -W 10 >s_dat 2>&1 & } &&
	test_bg_pid $! &&
	test_wait_for 10 "grep -q \" t5002-jwt 0 s/dat\" \"$C8Y_STANDIN_DIR/mosquitto.log\"" &&
	mosquitto_pub -p "$C8Y_STANDIN_INTERNAL_PORT" -t s/uat -n &&
	test_wait_for 10 "test -s s_dat" &&
	python3 -c "
import base64, hashlib, hmac, json, sys, time
msg = open(\"s_dat\").read().strip()
assert msg.startswith(\"71,\"), msg
h, p, s = msg[3:].split(\".\")
dec = lambda x: base64.urlsafe_b64decode(x + \"=\" * (-len(x) % 4))
assert json.loads(dec(h)) == {\"alg\": \"HS256\", \"typ\": \"JWT\"}
c = json.loads(dec(p))
assert c[\"iss\"] == \"localhost\" and c[\"sub\"] and c[\"iat\"] <= time.time() < c[\"exp\"], c
key = bytes.fromhex(open(sys.argv[1]).read().strip())
assert hmac.compare_digest(dec(s), hmac.new(key, (h + \".\" + p).encode(), hashlib.sha256).digest())
" "$C8Y_STANDIN_DIR/jwt.key"
'

test_expect_success 'device.type goes into the 100' '
	device_cert typed-dev typed &&
	TEDGE_DEVICE_CERT_PATH="$PWD/typed/cert.pem" TEDGE_DEVICE_KEY_PATH="$PWD/typed/key.pem" &&
	export TEDGE_DEVICE_CERT_PATH TEDGE_DEVICE_KEY_PATH &&
	test_when_finished "unset TEDGE_DEVICE_CERT_PATH TEDGE_DEVICE_KEY_PATH" &&
	upload_cert &&
	TEDGE_DEVICE_TYPE=my-gateway tedge-check register c8y &&
	test_wait_for 10 "grep -q \"^typed-dev,my-gateway$\" \"$C8Y_STANDIN_DIR/devices\""
'

test_expect_success 'a server the device does not trust: c8y.root_cert_path' '
	device_cert other-ca otherca &&
	test_expect_code 1 env TEDGE_C8Y_ROOT_CERT_PATH="$PWD/otherca/cert.pem" tedge-check register c8y 2>err &&
	test_grep "Cumulocity certificate is not trusted by the device. Check your '\''c8y.root_cert_path'\''." err &&
	test_grep "presented a certificate the device does not trust: unable to get local issuer certificate" err
'

test_expect_success 'the key of another certificate: found before any connection' '
	test_expect_code 1 env TEDGE_DEVICE_KEY_PATH="$PWD/otherca/key.pem" tedge-check register c8y 2>err &&
	test_grep "The private key is not paired with the certificate. Check your '\''device.key_path'\''." err
'

test_expect_success 'an expired certificate: found before any connection' '
	dated_cert reg-dev 20200101000000Z 20200201000000Z expired &&
	test_expect_code 1 env TEDGE_DEVICE_CERT_PATH="$PWD/expired/cert.pem" \
		TEDGE_DEVICE_KEY_PATH="$PWD/expired/key.pem" tedge-check register c8y 2>err &&
	test_grep "The device certificate has expired." err &&
	test_grep "Upload the certificate using \`tedge cert upload c8y\`" err
'

test_expect_success 'a closed port' '
	port=$(tedge-test free-port) &&
	test_expect_code 1 env TEDGE_C8Y_MQTT="127.0.0.1:$port" tedge-check register c8y 2>err &&
	test_grep "127.0.0.1:$port does not accept TCP connections. Check the port in '\''c8y.mqtt'\''" err &&
	test_grep "Connection refused (os error 111)" err
'

test_expect_success 'a port that is not TLS' '
	test_expect_code 1 env TEDGE_C8Y_MQTT="127.0.0.1:$C8Y_STANDIN_INTERNAL_PORT" tedge-check register c8y 2>err &&
	test_grep "127.0.0.1:$C8Y_STANDIN_INTERNAL_PORT is not the TLS endpoint of Cumulocity" err
'

test_expect_success 'a name that does not resolve' '
	test_expect_code 1 env TEDGE_C8Y_MQTT=c8y.invalid:8883 tedge-check register c8y 2>err &&
	test_grep "The name c8y.invalid does not resolve." err
'

test_expect_success 'a server that says nothing: bounded by --timeout' '
	port=$(tedge-test free-port) &&
	test_bg python3 -c "
import socket, sys, time
s = socket.socket(); s.bind((\"127.0.0.1\", int(sys.argv[1]))); s.listen(5)
open(\"silent.ready\", \"w\").close()
time.sleep(60)" "$port" &&
	test_wait_for 10 "test -f silent.ready" &&
	test_expect_code 1 env TEDGE_C8Y_MQTT="127.0.0.1:$port" tedge-check register c8y --timeout 0.5 2>err &&
	test_grep "Timed-out attempting to create device in Cumulocity: no answer from 127.0.0.1:$port within 0.5 s." err
'

test_done
