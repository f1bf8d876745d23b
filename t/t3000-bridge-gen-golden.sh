#!/bin/sh
# Test bodies are strings eval'd by lib.sh, which also reads test_description:
# shellcheck disable=SC1091,SC2016,SC2034
test_description='tedge-bridge-gen: the files, byte for byte, against t3000/

The expected files were written from SPEC §5 and the thin-edge reference
(connect §1.8, §2), not from our output. @CONFIG_DIR@ and @TRASH@ in them
stand for the directories of this run.'
. ./lib.sh

golden="$TEST_DIRECTORY/t3000"

# expect NAME: t3000/NAME with this run's directories, into ./expect
expect () {
	sed -e "s|@CONFIG_DIR@|$TEDGE_CONFIG_DIR|g" -e "s|@TRASH@|$TRASH_DIRECTORY|g" \
		"$golden/$1" >expect
}

# A stand-in for `mosquitto -h`, first on PATH: the version is pinned.
fake_mosquitto () {
	mkdir -p fakebin &&
	printf '#!/bin/sh\nprintf "mosquitto version %s\\n\\nmosquitto is an MQTT v5.0/v3.1.1/v3.1 broker.\\n"\nexit 3\n' \
		"$1" >fakebin/mosquitto &&
	chmod +x fakebin/mosquitto
}

test_lazy_prereq SSL_CERTS_DIR 'test -d /etc/ssl/certs'

test_expect_success 'setup: device certificate at the default path' '
	mkdir -p "$TEDGE_CONFIG_DIR/device-certs" &&
	cp "$golden/my-device.pem" "$TEDGE_CONFIG_DIR/device-certs/tedge-certificate.pem" &&
	fake_mosquitto 2.0.11
'

test_expect_success SSL_CERTS_DIR 'c8y, defaults: capath, mosquitto 2 detected' '
	tedge-config set c8y.url example.cumulocity.com &&
	PATH="$PWD/fakebin:$PATH" tedge-bridge-gen c8y >actual &&
	expect c8y-default.conf &&
	test_cmp expect actual
'

test_expect_success SSL_CERTS_DIR 'c8y through the tedge dispatcher is the same file' '
	PATH="$PWD/fakebin:$PATH" tedge bridge-gen c8y >actual &&
	test_cmp expect actual
'

test_expect_success 'c8y, non-default: c8y.mqtt, CA file, templates, keepalive, no local_cleansession' '
	mkdir -p roots "my certs" &&
	cp "$golden/my-device.pem" roots/c8y-root.pem &&
	# its hash link, as `openssl rehash roots` makes it: a CA directory
	# is of no use to mosquitto without
	ln -s c8y-root.pem roots/b4849f97.0 &&
	cp "$golden/my-device.pem" "my certs/device.pem" &&
	tedge-config set c8y.mqtt mqtt.example.com:1884 &&
	tedge-config set c8y.root_cert_path "$TRASH_DIRECTORY/roots/c8y-root.pem" &&
	tedge-config set device.cert_path "$TRASH_DIRECTORY/my certs/device.pem" &&
	tedge-config set device.key_path "$TRASH_DIRECTORY/my certs/device.key" &&
	tedge-config set c8y.smartrest.templates abc,def-2 &&
	tedge-config set c8y.bridge.keepalive_interval "2m 30s" &&
	tedge-config set c8y.bridge.include.local_cleansession false &&
	PATH="$PWD/fakebin:$PATH" tedge-bridge-gen c8y >actual &&
	expect c8y-custom.conf &&
	test_cmp expect actual
'

test_expect_success 'c8y: the same values from TEDGE_* overrides give the same file' '
	mv "$TEDGE_CONFIG_DIR/tedge.toml" saved.toml &&
	test_when_finished "mv saved.toml \"$TEDGE_CONFIG_DIR/tedge.toml\"" &&
	TEDGE_C8Y_URL=example.cumulocity.com \
	TEDGE_C8Y_MQTT=mqtt.example.com:1884 \
	TEDGE_C8Y_ROOT_CERT_PATH="$TRASH_DIRECTORY/roots/c8y-root.pem" \
	TEDGE_DEVICE_CERT_PATH="$TRASH_DIRECTORY/my certs/device.pem" \
	TEDGE_DEVICE_KEY_PATH="$TRASH_DIRECTORY/my certs/device.key" \
	TEDGE_C8Y_SMARTREST_TEMPLATES=abc,def-2 \
	TEDGE_C8Y_BRIDGE_KEEPALIVE_INTERVAL=150 \
	TEDGE_C8Y_BRIDGE_INCLUDE_LOCAL_CLEANSESSION=false \
		tedge-bridge-gen c8y >actual &&
	test_cmp expect actual
'

test_expect_success 'local_cleansession: true forces the line, even on mosquitto 1.6' '
	fake_mosquitto 1.6.9 &&
	tedge-config set c8y.bridge.include.local_cleansession true &&
	PATH="$PWD/fakebin:$PATH" tedge-bridge-gen c8y >actual &&
	sed "/^cleansession true$/a\\
local_cleansession false" expect >expect.lcs &&
	test_cmp expect.lcs actual
'

test_expect_success 'local_cleansession: auto leaves it out on mosquitto 1.6' '
	tedge-config set c8y.bridge.include.local_cleansession auto &&
	PATH="$PWD/fakebin:$PATH" tedge-bridge-gen c8y >actual &&
	test_cmp expect actual
'

test_expect_success 'local_cleansession: auto writes it on mosquitto 2 and 10' '
	fake_mosquitto 2.0.18 &&
	PATH="$PWD/fakebin:$PATH" tedge-bridge-gen c8y >actual &&
	test_cmp expect.lcs actual &&
	fake_mosquitto 10.1.0 &&
	PATH="$PWD/fakebin:$PATH" tedge-bridge-gen c8y >actual &&
	test_cmp expect.lcs actual
'

test_expect_success 'local_cleansession: auto leaves it out when the output is not understood' '
	printf "#!/bin/sh\necho Usage: mosquitto\nexit 1\n" >fakebin/mosquitto &&
	PATH="$PWD/fakebin:$PATH" tedge-bridge-gen c8y >actual &&
	test_cmp expect actual &&
	printf "#!/bin/sh\nexit 0\n" >fakebin/mosquitto &&
	PATH="$PWD/fakebin:$PATH" TEDGE_DEBUG=1 tedge-bridge-gen c8y >actual 2>err &&
	test_cmp expect actual &&
	test_grep "^Debug: Failed to detect mosquitto version: assuming mosquitto version < 2.0.0$" err
'

test_expect_success 'local_cleansession: the real mosquitto decides when installed' '
	tedge-bridge-gen c8y >actual &&
	if /usr/sbin/mosquitto -h 2>&1 | grep "^mosquitto version [2-9]" >/dev/null ||
	   mosquitto -h 2>&1 | grep "^mosquitto version [2-9]" >/dev/null
	then
		test_grep "^local_cleansession false$" actual
	else
		test_grep ! "^local_cleansession" actual
	fi
'

test_expect_success 'c8y: an IPv6 endpoint loses its brackets, as mosquitto splits at the last colon' '
	TEDGE_C8Y_MQTT="\"[::1]:8884\"" tedge-bridge-gen c8y >actual &&
	test_grep "^address ::1:8884$" actual
'

test_expect_success 'c8y: the port defaults to 8883 when c8y.mqtt has none' '
	TEDGE_C8Y_MQTT=mqtt.example.com tedge-bridge-gen c8y >actual &&
	test_grep "^address mqtt.example.com:8883$" actual
'

test_expect_success 'setup: back to the default paths' '
	rm -f "$TEDGE_CONFIG_DIR/tedge.toml"
'

test_expect_success SSL_CERTS_DIR 'az, defaults' '
	tedge-config set az.url myaz.azure-devices.net &&
	tedge-bridge-gen az >actual &&
	expect az-default.conf &&
	test_cmp expect actual
'

test_expect_success 'az, non-default: CA file, keepalive, paths (environment)' '
	cp "$golden/my-device.pem" roots/az-root.pem &&
	TEDGE_AZ_URL=other-hub.azure-devices.net \
	TEDGE_AZ_ROOT_CERT_PATH="$TRASH_DIRECTORY/roots/az-root.pem" \
	TEDGE_AZ_BRIDGE_KEEPALIVE_INTERVAL=1h \
	TEDGE_DEVICE_CERT_PATH="$TRASH_DIRECTORY/my certs/device.pem" \
	TEDGE_DEVICE_KEY_PATH="$TRASH_DIRECTORY/my certs/device.key" \
		tedge-bridge-gen az >actual &&
	expect az-custom.conf &&
	test_cmp expect actual
'

test_expect_success 'az never has local_cleansession, whatever the key says' '
	PATH="$PWD/fakebin:$PATH" TEDGE_C8Y_BRIDGE_INCLUDE_LOCAL_CLEANSESSION=true \
		tedge-bridge-gen az >actual &&
	test_grep ! local_cleansession actual
'

test_expect_success SSL_CERTS_DIR 'aws, defaults' '
	tedge-config set aws.url abc123-ats.iot.eu-central-1.amazonaws.com &&
	tedge-bridge-gen aws >actual &&
	expect aws-default.conf &&
	test_cmp expect actual
'

test_expect_success 'aws, non-default: IPv4 endpoint, CA directory, keepalive' '
	tedge-config set aws.url 192.0.2.10 &&
	tedge-config set aws.root_cert_path "$TRASH_DIRECTORY/roots" &&
	tedge-config set aws.bridge.keepalive_interval 5 &&
	tedge-config set device.cert_path "$TRASH_DIRECTORY/my certs/device.pem" &&
	tedge-config set device.key_path "$TRASH_DIRECTORY/my certs/device.key" &&
	tedge-bridge-gen aws >actual &&
	expect aws-custom.conf &&
	test_cmp expect actual
'

test_expect_success 'the device id is the certificate CN, not a stored device.id' '
	tedge-config set device.id stored-id &&
	tedge-bridge-gen aws >actual &&
	test_cmp expect actual
'

test_expect_success 'a stored device.id stands in while there is no certificate' '
	TEDGE_DEVICE_CERT_PATH="$TRASH_DIRECTORY/nonexistent.pem" tedge-bridge-gen aws >actual &&
	sed "s/my-device/stored-id/g" expect >expect.stored &&
	test_grep "^remote_clientid stored-id$" actual &&
	sed "s|^bridge_certfile .*|bridge_certfile $TRASH_DIRECTORY/nonexistent.pem|" \
		expect.stored >expect &&
	test_cmp expect actual
'

test_expect_success 'local, defaults' '
	rm -f "$TEDGE_CONFIG_DIR/tedge.toml" &&
	tedge-bridge-gen local >actual &&
	test_cmp "$golden/local-default.conf" actual
'

test_expect_success SSL_CERTS_DIR 'local, non-default: internal listener and a full external one' '
	tedge-config set mqtt.bind.port 1234 &&
	tedge-config set mqtt.bind.address 1.2.3.4 &&
	tedge-config set mqtt.external.bind.port 2345 &&
	tedge-config set mqtt.external.bind.address 0.0.0.0 &&
	tedge-config set mqtt.external.bind.interface wlan0 &&
	tedge-config set mqtt.external.ca_path /etc/ssl/certs &&
	tedge-config set mqtt.external.cert_file /etc/tedge/device-certs/tedge-certificate.pem &&
	tedge-config set mqtt.external.key_file /etc/tedge/device-certs/tedge-private-key.pem &&
	tedge-bridge-gen local >actual &&
	test_cmp "$golden/local-custom.conf" actual
'

test_expect_success 'local: a CA file for the external listener is a cafile' '
	tedge-config set mqtt.external.ca_path "$TRASH_DIRECTORY/roots/c8y-root.pem" &&
	tedge-bridge-gen local >actual &&
	sed -e "s|^capath .*|cafile $TRASH_DIRECTORY/roots/c8y-root.pem|" \
		"$golden/local-custom.conf" >expect &&
	test_cmp expect actual
'

test_expect_success 'local: an external port alone is an anonymous plain listener on every address' '
	rm -f "$TEDGE_CONFIG_DIR/tedge.toml" &&
	tedge-config set mqtt.bind.address ::1 &&
	tedge-config set mqtt.external.bind.port 8883 &&
	tedge-bridge-gen local >actual &&
	test_cmp "$golden/local-external-plain.conf" actual
'

test_expect_success 'local: external settings without a port are ignored' '
	rm -f "$TEDGE_CONFIG_DIR/tedge.toml" &&
	tedge-config set mqtt.external.bind.address 0.0.0.0 &&
	tedge-config set mqtt.external.ca_path /etc/ssl/certs &&
	tedge-bridge-gen local >actual &&
	test_cmp "$golden/local-default.conf" actual
'

test_expect_success 'local: nothing at all when mqtt.bind.enabled is false' '
	tedge-config set mqtt.bind.enabled false &&
	tedge-bridge-gen local >actual &&
	test_must_be_empty actual &&
	TEDGE_MQTT_BIND_ENABLED=true tedge-bridge-gen local >actual &&
	test_cmp "$golden/local-default.conf" actual
'

test_expect_success SSL_CERTS_DIR 'a profile: c8y@NAME, Cumulocity@NAME, its topic prefix and health topic' '
	fake_mosquitto 2.0.11 &&
	P="$TRASH_DIRECTORY/prof" &&
	mkdir -p "$P" &&
	cp -R "$TEDGE_CONFIG_DIR/device-certs" "$P/" &&
	cp "$golden/my-device.pem" "$P/device-certs/tedge-certificate.pem" &&
	export TEDGE_CONFIG_DIR="$P" &&
	tedge-config set c8y.url example.cumulocity.com &&
	tedge-config set c8y.profiles.two.url two.example.com &&
	tedge-config set c8y.profiles.two.bridge.topic_prefix c8y-two &&
	PATH="$PWD/fakebin:$PATH" tedge-bridge-gen c8y --profile two >actual &&
	expect c8y-profile.conf &&
	test_cmp expect actual &&
	PATH="$PWD/fakebin:$PATH" TEDGE_CLOUD_PROFILE=two tedge-bridge-gen c8y >actual &&
	test_cmp expect actual &&
	PATH="$PWD/fakebin:$PATH" TEDGE_CLOUD_PROFILE= tedge-bridge-gen c8y >actual &&
	expect c8y-default.conf &&
	test_cmp expect actual
'

test_expect_success 'a profile: its file, --describe, --write and --remove' '
	export TEDGE_CONFIG_DIR="$TRASH_DIRECTORY/prof" &&
	printf "%s\n" "$TEDGE_CONFIG_DIR/mosquitto-conf/c8y@two-bridge.conf" >expect &&
	tedge-bridge-gen --path c8y --profile TWO >actual &&
	test_cmp expect actual &&
	printf "Cumulocity\n%s\n" "$TEDGE_CONFIG_DIR/mosquitto-conf/c8y@two-bridge.conf" >expect &&
	TEDGE_CLOUD_PROFILE=two tedge-bridge-gen --describe c8y >actual &&
	test_cmp expect actual &&
	PATH="$PWD/fakebin:$PATH" tedge-bridge-gen --write c8y --profile two &&
	grep -x "connection edge_to_c8y@two" "$TEDGE_CONFIG_DIR/mosquitto-conf/c8y@two-bridge.conf" &&
	test_path_is_missing "$TEDGE_CONFIG_DIR/mosquitto-conf/c8y-bridge.conf" &&
	tedge-bridge-gen --remove c8y --profile two &&
	test_path_is_missing "$TEDGE_CONFIG_DIR/mosquitto-conf/c8y@two-bridge.conf"
'

test_expect_success 'a profile: the missing key named as the profile spells it; an unknown one' '
	export TEDGE_CONFIG_DIR="$TRASH_DIRECTORY/prof" &&
	tedge-config set c8y.profiles.three.bridge.topic_prefix c8y-3 &&
	test_expect_code 1 tedge-bridge-gen c8y --profile three 2>err &&
	test_grep "Required configuration item is not provided .c8y.profiles.three.url., run .tedge config set c8y.profiles.three.url <value>." err &&
	test_expect_code 1 tedge-bridge-gen c8y --profile nope 2>err &&
	test_grep "Unknown profile .nope. for the multi-profile property c8y" err &&
	test_expect_code 2 tedge-bridge-gen c8y --profile a.b 2>err &&
	test_grep "Profile names can only contain" err
'

test_expect_success 'az and aws profiles: their prefix in every topic' '
	export TEDGE_CONFIG_DIR="$TRASH_DIRECTORY/prof" &&
	tedge-config set aws.profiles.b.url b.amazonaws.com &&
	tedge-config set aws.profiles.b.bridge.topic_prefix aws-b &&
	tedge-bridge-gen aws --profile b >actual &&
	grep -x "connection edge_to_aws@b" actual &&
	grep -x "local_clientid Aws@b" actual &&
	grep -x "notification_topic te/device/main/service/mosquitto-aws-b-bridge/status/health" actual &&
	grep -x "topic \"\" out 1 aws-b/test-connection thinedge/devices/my-device/test-connection" actual &&
	! grep " aws/" actual
'

test_expect_success '--check: profiles sharing a prefix or (c8y) a proxy port are refused' '
	export TEDGE_CONFIG_DIR="$TRASH_DIRECTORY/prof" &&
	tedge-config set c8y.profiles.two.proxy.bind.port 8002 &&
	tedge-config set c8y.profiles.three.url three.example.com &&
	tedge-config set c8y.profiles.three.bridge.topic_prefix c8y-two &&
	tedge-config set c8y.profiles.three.proxy.bind.port 8003 &&
	test_expect_code 1 tedge-bridge-gen --check c8y >out 2>err &&
	test_must_be_empty out &&
	test_grep "^    The configurations: c8y.profiles.three.bridge.topic_prefix, c8y.profiles.two.bridge.topic_prefix should be set to different values before connecting, but are currently set to the same value$" err &&
	tedge-config set c8y.profiles.three.bridge.topic_prefix c8y-3 &&
	tedge-bridge-gen --check --profile two c8y >actual &&
	tedge-bridge-gen --profile two c8y >expect &&
	test_cmp expect actual &&
	tedge-bridge-gen --check aws --profile b >/dev/null
'

test_expect_success '--check: two profiles that are one device (same URL, same device id) are refused' '
	export TEDGE_CONFIG_DIR="$TRASH_DIRECTORY/prof" &&
	tedge-config set c8y.profiles.two.url example.cumulocity.com &&
	test_expect_code 1 tedge-bridge-gen --check c8y >out 2>err &&
	cat >expect <<-\EOT &&
	Error: failed to connect to Cumulocity cloud.

	Caused by:
	    You have matching URLs and device IDs for different profiles.
	    
	    c8y.url, c8y.profiles.two.url are set to the same value, but so are c8y.device.id, c8y.profiles.two.device.id.
	    
	    Each cloud profile requires either a unique URL or unique device ID, so it corresponds to a unique device in the associated cloud.
	EOT
	test_cmp expect err &&
	test_must_be_empty out
'

test_expect_success 'a profile with its own certificate: its own device id, the bridge uses both' '
	export TEDGE_CONFIG_DIR="$TRASH_DIRECTORY/prof" &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$TEDGE_CONFIG_DIR/two.key" -out "$TEDGE_CONFIG_DIR/two.pem" \
		-days 30 -subj /CN=two-device 2>/dev/null &&
	tedge-config set c8y.profiles.two.device.cert_path "$TEDGE_CONFIG_DIR/two.pem" &&
	tedge-config set c8y.profiles.two.device.key_path "$TEDGE_CONFIG_DIR/two.key" &&
	echo two-device >expect &&
	tedge-config get c8y.profiles.two.device.id >actual &&
	test_cmp expect actual &&
	tedge-config get c8y.device.id >actual &&
	echo my-device >expect &&
	test_cmp expect actual &&
	PATH="$PWD/fakebin:$PATH" tedge-bridge-gen --check c8y --profile two >actual &&
	grep -x "remote_clientid two-device" actual &&
	grep -x "bridge_certfile $TEDGE_CONFIG_DIR/two.pem" actual &&
	grep -x "bridge_keyfile $TEDGE_CONFIG_DIR/two.key" actual &&
	PATH="$PWD/fakebin:$PATH" tedge-bridge-gen c8y >actual &&
	grep -x "remote_clientid my-device" actual &&
	grep -x "bridge_certfile $TEDGE_CONFIG_DIR/device-certs/tedge-certificate.pem" actual &&
	tedge-config unset c8y.profiles.two.device.cert_path &&
	tedge-config unset c8y.profiles.two.device.key_path &&
	tedge-config set c8y.profiles.two.url two.example.com
'

test_done
