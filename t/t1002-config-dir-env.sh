#!/bin/sh
test_description='tedge-config: the configuration directory and TEDGE_* overrides'
. ./lib.sh

test_expect_success 'defaults follow TEDGE_CONFIG_DIR' '
	echo "$TEDGE_CONFIG_DIR/device-certs/tedge-certificate.pem" >expect &&
	tedge-config get device.cert_path >actual &&
	test_cmp expect actual &&
	echo "$TEDGE_CONFIG_DIR/device-certs/tedge-private-key.pem" >expect &&
	tedge-config get device.key_path >actual &&
	test_cmp expect actual &&
	echo "$TEDGE_CONFIG_DIR/device-certs/tedge.csr" >expect &&
	tedge-config get device.csr_path >actual &&
	test_cmp expect actual
'

test_expect_success 'defaults follow --config-dir, which wins over the environment' '
	mkdir other &&
	echo "$TRASH_DIRECTORY/other/device-certs/tedge-certificate.pem" >expect &&
	tedge-config --config-dir "$TRASH_DIRECTORY/other" get device.cert_path >actual &&
	test_cmp expect actual &&
	tedge-config get --config-dir "$TRASH_DIRECTORY/other" device.cert_path >actual &&
	test_cmp expect actual &&
	tedge --config-dir "$TRASH_DIRECTORY/other" config get device.cert_path >actual &&
	test_cmp expect actual
'

test_expect_success 'writes go to the chosen directory only' '
	mkdir -p "$TEDGE_CONFIG_DIR" &&
	tedge-config --config-dir other set c8y.url other.example.com &&
	test_path_is_file other/tedge.toml &&
	test_path_is_missing "$TEDGE_CONFIG_DIR/tedge.toml" &&
	test_expect_code 1 tedge-config get c8y.url
'

test_expect_success 'an empty TEDGE_CONFIG_DIR means the default /etc/tedge' '
	echo /etc/tedge/device-certs/tedge-certificate.pem >expect &&
	TEDGE_CONFIG_DIR= tedge-config get device.cert_path >actual &&
	test_cmp expect actual
'

test_expect_success 'a missing configuration directory reads as defaults and is not created' '
	TEDGE_CONFIG_DIR="$TRASH_DIRECTORY/nowhere" tedge-config list >out &&
	test_grep "^device.type=thin-edge.io$" out &&
	test_path_is_missing nowhere
'

test_expect_success 'a first write creates the directory, as thin-edge does' '
	tedge-config --config-dir "$TRASH_DIRECTORY/new/dir" set c8y.url a.com &&
	test_path_is_file new/dir/tedge.toml &&
	test_mode 755 new/dir
'

test_expect_success 'a directory that cannot be created is a clear error' '
	echo file >blocker &&
	test_expect_code 1 tedge-config --config-dir "$TRASH_DIRECTORY/blocker/dir" set c8y.url a.com 2>err &&
	test_grep "cannot create directory $TRASH_DIRECTORY/blocker/dir: Not a directory (os error 20)" err
'

test_expect_success 'TEDGE_<KEY> overrides the file for reads' '
	tedge-config set c8y.url file.example.com &&
	echo env.example.com >expect &&
	TEDGE_C8Y_URL=env.example.com tedge-config get c8y.url >actual &&
	test_cmp expect actual &&
	TEDGE_C8Y_URL=env.example.com tedge-config list >out &&
	test_grep "^c8y.url=env.example.com$" out &&
	test_grep "^c8y.http=env.example.com:443$" out
'

test_expect_success 'overrides never reach the file' '
	TEDGE_C8Y_URL=env.example.com tedge-config set device.type x &&
	test_grep "file.example.com" "$TEDGE_CONFIG_DIR/tedge.toml" &&
	test_grep ! "env.example.com" "$TEDGE_CONFIG_DIR/tedge.toml"
'

test_expect_success 'an override is checked and canonicalised like set' '
	echo 1884 >expect &&
	TEDGE_MQTT_BIND_PORT=+1884 tedge-config get mqtt.client.port >actual &&
	test_cmp expect actual &&
	echo "[\"a\", \"b\"]" >expect &&
	TEDGE_C8Y_SMARTREST_TEMPLATES=a,b tedge-config get c8y.smartrest.templates >actual &&
	test_cmp expect actual
'

test_expect_success 'a TOML value in an override ("..." or [...])' '
	echo "[\"x,y\", \"z\"]" >expect &&
	TEDGE_C8Y_SMARTREST_TEMPLATES="[\"x,y\", \"z\"]" tedge-config get c8y.smartrest.templates >actual &&
	test_cmp expect actual &&
	echo "quoted" >expect &&
	TEDGE_DEVICE_TYPE="\"quoted\"" tedge-config get device.type >actual &&
	test_cmp expect actual
'

test_expect_success 'an empty override brings back the default' '
	tedge-config set mqtt.bind.port 1999 &&
	echo 1883 >expect &&
	TEDGE_MQTT_BIND_PORT= tedge-config get mqtt.bind.port >actual &&
	test_cmp expect actual &&
	test_expect_code 1 env TEDGE_C8Y_URL= tedge-config get c8y.url
'

test_expect_success 'an invalid override is fatal, and names the variable' '
	test_expect_code 1 env TEDGE_MQTT_BIND_PORT=abc tedge-config get device.type 2>err &&
	test_grep "Failed to set value for mqtt.bind.port to \"abc\" from environment variable TEDGE_MQTT_BIND_PORT" err
'

test_expect_success 'an unknown TEDGE_ variable is a warning' '
	TEDGE_C8Y_UNKNOWN_CONFIGURATION=1 tedge-config get device.type >out 2>err &&
	test_grep "Unknown configuration field \"c8y_unknown_configuration\" from environment variable TEDGE_C8Y_UNKNOWN_CONFIGURATION" err &&
	echo x >expect &&
	test_cmp expect out
'

test_expect_success 'the toolkit variables are not taken for keys' '
	TEDGE_ERROR_CONTEXT=x TEDGE_DEBUG=1 tedge-config get device.type 2>err &&
	test_must_be_empty err
'

test_done
