#!/bin/sh
# Test bodies are strings eval'd by lib.sh, which also reads test_description:
# shellcheck disable=SC1091,SC2016,SC2034
test_description='tedge-bridge-gen: the c8y bridge with basic authentication

c8y.auth_method basic (or auto, and the credentials file there): the user
and password of c8y.credentials_path in remote_username and remote_password
instead of the certificate lines, no s/uat and s/dat topics (reference
ca-profiles §5), against t3005/ byte for byte; the file 0640; a credentials
file others may read, or a value that would add a line, refused.'
. ./lib.sh

golden="$TEST_DIRECTORY/t3005"
cred="$TEDGE_CONFIG_DIR/credentials.toml"

test_lazy_prereq SSL_CERTS_DIR 'test -d /etc/ssl/certs'
test_lazy_prereq MOSQ_USER 'getent passwd mosquitto'

# credentials USER PASSWORD: the credentials file, mode 600
credentials () {
	printf "[c8y]\nusername = \"%s\"\npassword = \"%s\"\n" "$1" "$2" >"$cred" &&
	chmod 600 "$cred"
}

test_expect_success 'setup: a fake mosquitto 2, no certificate, the credentials' '
	mkdir -p fakebin "$TEDGE_CONFIG_DIR" &&
	printf "#!/bin/sh\necho \"mosquitto version 2.0.11\"\n" >fakebin/mosquitto &&
	chmod +x fakebin/mosquitto &&
	tedge-config set c8y.url example.cumulocity.com &&
	tedge-config set device.id basic1 &&
	credentials t12345/device_basic1 "s3cret pass #1"
'

# is_cert_bridge: tedge-bridge-gen c8y makes the certificate's bridge
is_cert_bridge () {
	tedge-bridge-gen c8y >cert.conf &&
	test_grep "^bridge_certfile " cert.conf &&
	test_grep ! "^remote_password" cert.conf &&
	test_grep "^topic s/uat out 0" cert.conf
}

test_expect_success SSL_CERTS_DIR 'certificate (the default): the file as before, credentials or not' '
	is_cert_bridge
'

test_expect_success SSL_CERTS_DIR 'basic: username and password, no certificate lines, no JWT topics' '
	tedge-config set c8y.auth_method basic &&
	PATH="$PWD/fakebin:$PATH" tedge-bridge-gen c8y >actual &&
	test_cmp "$golden/c8y-basic.conf" actual
'

test_expect_success SSL_CERTS_DIR 'auto: basic when the credentials file exists, else certificate' '
	tedge-config set c8y.auth_method auto &&
	PATH="$PWD/fakebin:$PATH" tedge-bridge-gen c8y >actual &&
	test_cmp "$golden/c8y-basic.conf" actual &&
	mv "$cred" cred.saved &&
	is_cert_bridge &&
	mv cred.saved "$cred" &&
	tedge-config set c8y.credentials_path "$TRASH_DIRECTORY/elsewhere.toml" &&
	is_cert_bridge &&
	tedge-config unset c8y.credentials_path
'

test_expect_success SSL_CERTS_DIR 'basic with a certificate: its CN is still the id, its lines are not written' '
	mkdir -p "$TEDGE_CONFIG_DIR/device-certs" &&
	test_when_finished "rm -f \"$TEDGE_CONFIG_DIR/device-certs/tedge-certificate.pem\"" &&
	cp "$TEST_DIRECTORY/t3000/my-device.pem" "$TEDGE_CONFIG_DIR/device-certs/tedge-certificate.pem" &&
	PATH="$PWD/fakebin:$PATH" tedge-bridge-gen c8y >actual &&
	sed "s/^remote_clientid basic1$/remote_clientid my-device/" "$golden/c8y-basic.conf" >expect &&
	test_cmp expect actual
'

test_expect_success SSL_CERTS_DIR '--write: mode 0640, the password never world-readable' '
	tedge-config set c8y.auth_method basic &&
	PATH="$PWD/fakebin:$PATH" tedge-bridge-gen c8y --write &&
	test_mode 640 "$TEDGE_CONFIG_DIR/mosquitto-conf/c8y-bridge.conf" &&
	test_cmp "$golden/c8y-basic.conf" "$TEDGE_CONFIG_DIR/mosquitto-conf/c8y-bridge.conf"
'

test_expect_success SSL_CERTS_DIR,ROOT,MOSQ_USER '--write as root: owned by root and the broker'\''s group' '
	PATH="$PWD/fakebin:$PATH" tedge-bridge-gen c8y --write &&
	echo "root:$(id -gn mosquitto) 640" >expect &&
	stat -c "%U:%G %a" "$TEDGE_CONFIG_DIR/mosquitto-conf/c8y-bridge.conf" >actual &&
	test_cmp expect actual
'

test_expect_success SSL_CERTS_DIR 'no device id: thin-edge'\''s words for a key to set' '
	tedge-config unset device.id &&
	test_when_finished "tedge-config set device.id basic1" &&
	test_must_fail tedge-bridge-gen c8y 2>err &&
	test_grep "Required configuration item is not provided '\''c8y.device.id'\''" err
'

test_expect_success SSL_CERTS_DIR 'a credentials file its group or others may read: refused, what to run' '
	chmod 644 "$cred" &&
	test_when_finished "chmod 600 \"$cred\"" &&
	test_must_fail tedge-bridge-gen c8y >out 2>err &&
	test_must_be_empty out &&
	test_grep "The credentials file $cred can be read by others. Run \`chmod 600 $cred\` and \`chown $(id -un) $cred\`." err &&
	chmod 640 "$cred" &&
	test_must_fail tedge-bridge-gen c8y 2>err &&
	test_grep "can be read by its group" err &&
	test_grep ! "s3cret" err
'

test_expect_success SSL_CERTS_DIR 'missing, unparsable, incomplete: thin-edge'\''s messages' '
	mv "$cred" cred.saved &&
	test_when_finished "mv cred.saved \"$cred\"" &&
	test_must_fail tedge-bridge-gen c8y 2>err &&
	test_grep "Failed to read the basic auth credentials file. file=$cred: No such file or directory (os error 2)" err &&
	printf "[c8y\n" >"$cred" && chmod 600 "$cred" &&
	test_must_fail tedge-bridge-gen c8y 2>err &&
	test_grep "Error while parsing credentials file: '\''$cred'\'': line 1: " err &&
	printf "[c8y]\nusername = \"u\"\n" >"$cred" &&
	test_must_fail tedge-bridge-gen c8y 2>err &&
	test_grep "missing field \`password\`" err &&
	printf "[other]\n" >"$cred" &&
	test_must_fail tedge-bridge-gen c8y 2>err &&
	test_grep "missing field \`c8y\`" err
'

test_expect_success SSL_CERTS_DIR 'a newline, control character or blank at the end: refused, not shown' '
	for pw in "a\\nconnection evil" "a\\u0007b" " lead" "trail " ""; do
		credentials t12345/device_basic1 "$pw" &&
		test_must_fail tedge-bridge-gen c8y >out 2>err &&
		test_must_be_empty out &&
		test_grep "the password must be text" err &&
		test_grep ! "evil" err || return 1
	done &&
	credentials "t12345/a\\rb" pw &&
	test_must_fail tedge-bridge-gen c8y 2>err &&
	test_grep "the username must be text" err &&
	credentials t12345/device_basic1 "s3cret pass #1"
'

test_expect_success 'the password is read from the file only: no option, no environment' '
	test_grep ! -i "getenv.*pass\|passw.*optarg" "$TEDGE_ROOT/bin/tedge-bridge-gen.c" \
		"$TEDGE_ROOT/lib/cred.c" "$TEDGE_ROOT/bin/check/conf.c" &&
	test_grep "cred_read(" "$TEDGE_ROOT/bin/tedge-bridge-gen.c" &&
	TEDGE_C8Y_PASSWORD=x tedge-bridge-gen c8y >/dev/null 2>err &&
	test_grep "Unknown configuration field" err
'

test_done
