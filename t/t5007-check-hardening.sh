#!/bin/sh
# Test bodies are strings eval'd by lib.sh, which also reads test_description:
# shellcheck disable=SC2016,SC2034
test_description='tedge-check: odd inputs named before the network, OpenSSL heard (issue 11)'
. ./lib.sh

test_expect_success 'setup: a device certificate, nothing listening where c8y.mqtt points' '
	tedge-cert create --device-id chk-dev 2>/dev/null &&
	closed=$(tedge-test free-port) &&
	tedge-config set c8y.url 127.0.0.1 &&
	tedge-config set c8y.mqtt "127.0.0.1:$closed" &&
	mkdir cadir &&
	cp "$TEDGE_CONFIG_DIR/device-certs/tedge-certificate.pem" cadir/ca.pem &&
	tedge-config set c8y.root_cert_path "$PWD/cadir"
'

# Item 6: a CA directory without hash links, as mosquitto would read it.
test_expect_success 'register: a root directory without hash links is named, before any network' '
	test_expect_code 1 tedge-check register c8y >out 2>err &&
	test_must_be_empty out &&
	test_grep "^Error: failed to create the device in Cumulocity$" err &&
	test_grep "'\''c8y.root_cert_path'\'' is the directory $PWD/cadir: it holds certificates but no hash links" err &&
	test_grep "Run \`openssl rehash $PWD/cadir\`" err &&
	test_grep ! "127.0.0.1:$closed" err
'

test_expect_success 'doctor: the certificate layer fails with it, before dns' '
	test_expect_code 1 tedge-check doctor c8y 2>err &&
	test_grep "^FAIL certificate: the root certificate directory $PWD/cadir has no OpenSSL hash links" err &&
	test_grep "openssl rehash $PWD/cadir" err &&
	test_grep ! "dns" err
'

test_expect_success 'cert: a warning for each configured cloud it concerns' '
	tedge-check cert 2>err &&
	test_grep "^Warning: '\''c8y.root_cert_path'\'' is the directory $PWD/cadir" err &&
	test_grep ! "az.root_cert_path" err
'

test_expect_success 'bridge-gen refuses it, naming it, and writes nothing' '
	test_expect_code 1 tedge-bridge-gen --write c8y 2>err &&
	test_grep "'\''c8y.root_cert_path'\'' is the directory $PWD/cadir: it holds certificates but no hash links" err &&
	test_path_is_missing "$TEDGE_CONFIG_DIR/mosquitto-conf/c8y-bridge.conf"
'

test_expect_success 'bridge-gen: mqtt.external.ca_path is judged the same way' '
	test_when_finished "tedge-config unset mqtt.external.bind.port && tedge-config unset mqtt.external.ca_path" &&
	tedge-config set mqtt.external.bind.port 8884 &&
	tedge-config set mqtt.external.ca_path "$PWD/cadir" &&
	test_expect_code 1 tedge-bridge-gen local 2>err &&
	test_grep "'\''mqtt.external.ca_path'\'' is the directory $PWD/cadir" err
'

test_expect_success 'a directory without certificates is left to the handshake' '
	mkdir empty &&
	echo "not a certificate" >empty/README &&
	TEDGE_C8Y_ROOT_CERT_PATH="$PWD/empty" tedge-bridge-gen c8y >out &&
	test_grep "^bridge_capath $PWD/empty$" out &&
	TEDGE_C8Y_ROOT_CERT_PATH="$PWD/empty" tedge-check cert 2>err &&
	test_grep ! Warning err
'

test_expect_success OPENSSL 'after openssl rehash, every program takes it' '
	openssl rehash cadir &&
	tedge-check cert 2>err &&
	test_grep ! Warning err &&
	tedge-bridge-gen c8y >out &&
	test_grep "^bridge_capath $PWD/cadir$" out &&
	test_expect_code 1 tedge-check register c8y 2>err &&
	test_grep ! "hash links" err &&
	test_grep "127.0.0.1:$closed" err
'

# Item 7: the CN is the device id, the client id of every connection.
test_expect_success OPENSSL 'a CN with a control character is named, before any network' '
	mkdir -p cc/device-certs &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
		-subj "/CN=bad$(printf "\001")id" -keyout cc/device-certs/tedge-private-key.pem \
		-out cc/device-certs/tedge-certificate.pem 2>/dev/null &&
	printf "%s\n" "c8y.url = \"127.0.0.1\"" "c8y.mqtt = \"127.0.0.1:$closed\"" \
		"c8y.root_cert_path = \"$PWD/cc/device-certs/tedge-certificate.pem\"" >cc/tedge.toml &&
	test_expect_code 1 tedge-check --config-dir cc register c8y 2>err &&
	test_grep "^Error: failed to create the device in Cumulocity$" err &&
	test_grep "The device id is the common name (CN) of the device certificate $PWD/cc/device-certs/tedge-certificate.pem, and \"bad\\\\u{1}id\" cannot be one" err &&
	test_grep "contains characters which cannot be used in a name" err &&
	test_grep ! "127.0.0.1:$closed" err &&
	tedge-check --config-dir cc cert 2>err &&
	test_grep "^Warning: The device id is the common name (CN) of the device certificate .*, and \"bad\\\\u{1}id\" cannot be one" err &&
	test_expect_code 1 tedge-check --config-dir cc doctor c8y 2>err &&
	test_grep "^FAIL certificate: the common name \"bad\\\\u{1}id\" of the device certificate is no valid device id" err
'

# Item 8: a server that is not TLS; OpenSSL's reason must come through.
# not_tls MODE PORT: answers every connection as an HTTP server does
# (http), or with a TLS record header of an impossible length (long),
# for at most 60 s; killed with the test.
not_tls () {
	rm -f "not-tls.$1" &&
	test_bg python3 -c "
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((\"127.0.0.1\", int(sys.argv[2]))); s.listen(5); s.settimeout(1)
reply = {\"http\": b\"HTTP/1.1 400 Bad Request\\r\\nContent-Length: 0\\r\\n\\r\\n\",
	\"long\": b\"\\x16\\x03\\x03\\xff\\xff\" + b\"\\x00\" * 64}[sys.argv[1]]
open(\"not-tls.\" + sys.argv[1], \"w\").close()
end = time.time() + 60
while time.time() < end:
	try:
		c, _ = s.accept()
	except socket.timeout:
		continue
	c.settimeout(2)
	try:
		c.recv(4096); c.sendall(reply)
	except Exception:
		pass
	c.close()" "$1" "$2" &&
	test_wait_for 10 "test -f not-tls.$1"
}

test_expect_success 'an HTTP server where TLS is expected: OpenSSL says why' '
	port=$(tedge-test free-port) &&
	not_tls http "$port" &&
	test_expect_code 1 env TEDGE_C8Y_MQTT="127.0.0.1:$port" TEDGE_C8Y_ROOT_CERT_PATH="$TEDGE_CONFIG_DIR/device-certs/tedge-certificate.pem" \
		tedge-check register c8y 2>err &&
	test_grep "127.0.0.1:$port is not the TLS endpoint of Cumulocity" err &&
	test_grep "127.0.0.1:$port did not answer as a TLS server: .*wrong version number" err &&
	test_expect_code 1 env TEDGE_C8Y_MQTT="127.0.0.1:$port" TEDGE_C8Y_ROOT_CERT_PATH="$TEDGE_CONFIG_DIR/device-certs/tedge-certificate.pem" \
		tedge-check doctor c8y 2>err &&
	test_grep "^FAIL tls server: " err &&
	test_grep "did not answer as a TLS server: .*wrong version number" err
'

test_expect_success 'garbage with a TLS record header: OpenSSL says why' '
	port=$(tedge-test free-port) &&
	not_tls long "$port" &&
	test_expect_code 1 env TEDGE_C8Y_MQTT="127.0.0.1:$port" TEDGE_C8Y_ROOT_CERT_PATH="$TEDGE_CONFIG_DIR/device-certs/tedge-certificate.pem" \
		tedge-check register c8y 2>err &&
	test_grep "127.0.0.1:$port did not answer as a TLS server: .*packet length too long" err
'

test_done
