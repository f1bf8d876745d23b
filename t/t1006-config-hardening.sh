#!/bin/sh
test_description='tedge-config: odd inputs get a clear answer (issue 11)'
. ./lib.sh

test_expect_success 'setup' '
	mkdir -p "$TEDGE_CONFIG_DIR"
'

# Item 1: a value starting with [ is TOML only for a list key.
test_expect_success 'an override of a string key starting with [ is text' '
	echo "[::1]:8883" >expect &&
	TEDGE_C8Y_MQTT="[::1]:8883" tedge-config get c8y.mqtt >actual &&
	test_cmp expect actual &&
	echo "[::1]" >expect &&
	TEDGE_C8Y_URL="[::1]" tedge-config get c8y.url >actual &&
	test_cmp expect actual &&
	echo "[::1]:8883" >expect &&
	TEDGE_C8Y_URL="[::1]" tedge-config get c8y.mqtt >actual &&
	test_cmp expect actual &&
	echo "[not, toml" >expect &&
	TEDGE_DEVICE_TYPE="[not, toml" tedge-config get device.type >actual &&
	test_cmp expect actual &&
	echo "[\"a\"]" >expect &&
	TEDGE_DEVICE_TYPE="[\"a\"]" tedge-config get device.type >actual &&
	test_cmp expect actual
'

test_expect_success 'the same IPv6 value reads alike from the file and the environment' '
	tedge-config set c8y.mqtt "[::1]:8884" &&
	tedge-config get c8y.mqtt >from-file &&
	rm "$TEDGE_CONFIG_DIR/tedge.toml" &&
	TEDGE_C8Y_MQTT="[::1]:8884" tedge-config get c8y.mqtt >from-env &&
	test_cmp from-file from-env
'

test_expect_success 'an override of a list key starting with [ is a TOML array' '
	echo "[\"a\", \"b,c\"]" >expect &&
	TEDGE_C8Y_SMARTREST_TEMPLATES="[\"a\", \"b,c\"]" tedge-config get c8y.smartrest.templates >actual &&
	test_cmp expect actual &&
	echo "[\"a\", \"b\"]" >expect &&
	TEDGE_C8Y_SMARTREST_TEMPLATES="a,b" tedge-config get c8y.smartrest.templates >actual &&
	test_cmp expect actual
'

test_expect_success 'a list override that starts with [ but is no TOML array is refused' '
	test_expect_code 1 env TEDGE_C8Y_SMARTREST_TEMPLATES="[a,b]" \
		tedge-config get c8y.smartrest.templates >out 2>err &&
	test_must_be_empty out &&
	test_grep "Failed to set value for c8y.smartrest.templates to \"\[a,b\]\" from environment variable TEDGE_C8Y_SMARTREST_TEMPLATES" err &&
	test_grep "not a TOML array of strings" err &&
	test_expect_code 1 env TEDGE_AZ_TOPICS="[1, 2]" tedge-config get az.topics 2>err &&
	test_grep "expected an array of strings" err
'

# Item 2: a value where a table is expected is named, not "out of memory".
test_expect_success 'config = 5 at the top level is named' '
	printf "config = 5\n" >"$TEDGE_CONFIG_DIR/tedge.toml" &&
	cp "$TEDGE_CONFIG_DIR/tedge.toml" before &&
	test_expect_code 1 tedge-config set device.type x 2>err &&
	test_grep "'\''config'\'' in $TEDGE_CONFIG_DIR/tedge.toml is an integer, where a table is expected" err &&
	test_grep ! "out of memory" err &&
	test_cmp before "$TEDGE_CONFIG_DIR/tedge.toml" &&
	test_expect_code 1 tedge-config get device.type 2>err &&
	test_grep "'\''config'\'' in .* is an integer" err
'

test_expect_success 'an old [mqtt] port beside bind = "x" is named' '
	printf "[mqtt]\nport = 1884\nbind = \"x\"\n" >"$TEDGE_CONFIG_DIR/tedge.toml" &&
	cp "$TEDGE_CONFIG_DIR/tedge.toml" before &&
	test_expect_code 1 tedge-config set device.type x 2>err &&
	test_grep "Cannot migrate '\''mqtt.port'\'' to '\''mqtt.bind.port'\''" err &&
	test_grep "'\''mqtt.bind'\'' in $TEDGE_CONFIG_DIR/tedge.toml is a string, where a table is expected" err &&
	test_grep ! "out of memory" err &&
	test_cmp before "$TEDGE_CONFIG_DIR/tedge.toml" &&
	test_expect_code 1 tedge-config get mqtt.bind.port 2>err &&
	test_grep "'\''mqtt.bind'\'' in .* is a string" err
'

test_expect_success 'set under a key that holds a value names that key' '
	printf "[config]\nversion = \"2\"\n\n[mqtt]\nbind = [1]\n" >"$TEDGE_CONFIG_DIR/tedge.toml" &&
	cp "$TEDGE_CONFIG_DIR/tedge.toml" before &&
	test_expect_code 1 tedge-config set mqtt.bind.port 1885 2>err &&
	test_grep "cannot store mqtt.bind.port" err &&
	test_grep "'\''mqtt.bind'\'' in $TEDGE_CONFIG_DIR/tedge.toml is an array, where a table is expected" err &&
	test_cmp before "$TEDGE_CONFIG_DIR/tedge.toml" &&
	rm "$TEDGE_CONFIG_DIR/tedge.toml"
'

# Item 3: a FIFO must not hang anyone (timeout: 124 would be the hang).
test_expect_success 'a FIFO as tedge.toml is refused at once, by every program' '
	mkfifo "$TEDGE_CONFIG_DIR/tedge.toml" &&
	test_when_finished "rm -f \"\$TEDGE_CONFIG_DIR/tedge.toml\"" &&
	for cmd in "tedge-config get device.type" "tedge-config set device.type x" \
		"tedge-config list" "tedge-check cert" "tedge-bridge-gen c8y" \
		"tedge-cert show" "tedge config get c8y.url"; do
		test_expect_code 1 timeout 10 $cmd 2>err &&
		test_grep "cannot read $TEDGE_CONFIG_DIR/tedge.toml: it is a FIFO, not a regular file" err ||
		return 1
	done &&
	test -p "$TEDGE_CONFIG_DIR/tedge.toml"
'

test_expect_success 'a FIFO or a device elsewhere is refused too' '
	mkfifo fifo.pem &&
	test_expect_code 1 timeout 10 tedge-cert show --cert-path "$PWD/fifo.pem" 2>err &&
	test_grep "it is a FIFO, not a regular file" err &&
	test_expect_code 1 env TEDGE_DEVICE_CERT_PATH="$PWD/fifo.pem" timeout 10 tedge-config get device.id 2>err &&
	test_grep "it is a FIFO, not a regular file" err &&
	ln -s /dev/zero "$TEDGE_CONFIG_DIR/tedge.toml" &&
	test_when_finished "rm -f \"\$TEDGE_CONFIG_DIR/tedge.toml\"" &&
	test_expect_code 1 timeout 10 tedge-config get device.type 2>err &&
	test_grep "it is a character device, not a regular file" err
'

# Item 9: two listeners on one port, which mosquitto cannot open.
test_expect_success 'an external listener on mqtt.bind.port is refused by set, naming both keys' '
	rm -rf lst && mkdir lst &&
	test_expect_code 1 tedge-config --config-dir lst set mqtt.external.bind.port 1883 2>err &&
	test_grep "^Error: failed to set the configuration key: '\''mqtt.external.bind.port'\'' with value: 1883.$" err &&
	test_grep "'\''mqtt.external.bind.port'\'' is 1883, as '\''mqtt.bind.port'\'': mosquitto cannot open both listeners on one port" err &&
	test_path_is_missing lst/tedge.toml &&
	tedge-config --config-dir lst set mqtt.external.bind.port 8883 &&
	cp lst/tedge.toml before &&
	test_expect_code 1 tedge-config --config-dir lst set mqtt.bind.port 8883 2>err &&
	test_grep "is 8883, as '\''mqtt.bind.port'\''" err &&
	test_expect_code 1 tedge-config --config-dir lst set mqtt.port 8883 2>err &&
	test_grep "is 8883, as '\''mqtt.bind.port'\''" err &&
	test_cmp before lst/tedge.toml
'

test_expect_success 'one port on two different addresses is fine, as mosquitto takes it' '
	tedge-config --config-dir lst set mqtt.external.bind.address 127.0.0.2 &&
	tedge-config --config-dir lst set mqtt.bind.port 8883 &&
	cp lst/tedge.toml before &&
	test_expect_code 1 tedge-config --config-dir lst unset mqtt.external.bind.address 2>err &&
	test_grep "mosquitto cannot open both listeners on one port" err &&
	test_expect_code 1 tedge-config --config-dir lst set mqtt.bind.address 127.0.0.2 2>err &&
	test_cmp before lst/tedge.toml &&
	tedge-bridge-gen --config-dir lst local >out &&
	test_grep "^listener 8883 127.0.0.1$" out &&
	test_grep "^listener 8883 127.0.0.2$" out
'

test_expect_success MOSQUITTO 'mosquitto does start with that file' '
	port=$(tedge-test free-port) &&
	mosq=/usr/sbin/mosquitto && { test -x $mosq || mosq=$(command -v mosquitto); } &&
	{ { test "$(id -u)" != 0 || echo "user root"; } &&
		sed "s/^listener 8883 /listener $port /" out; } >mosq.conf &&
	test_expect_code 124 timeout 2 $mosq -c mosq.conf >mosq.out 2>&1 &&
	test_grep ! "Error" mosq.out
'

test_expect_success 'tedge-bridge-gen refuses it too, from the file or TEDGE_*, and writes nothing' '
	rm -rf lst2 && mkdir lst2 &&
	printf "[mqtt.bind]\nport = 1884\n\n[mqtt.external.bind]\nport = 1884\n" >lst2/tedge.toml &&
	test_expect_code 1 tedge-bridge-gen --config-dir lst2 --write local 2>err &&
	test_grep "^Error: failed to generate the local broker configuration$" err &&
	test_grep "'\''mqtt.external.bind.port'\'' is 1884, as '\''mqtt.bind.port'\''" err &&
	test_path_is_missing lst2/mosquitto-conf/tedge-mosquitto.conf &&
	test_expect_code 1 env TEDGE_MQTT_EXTERNAL_BIND_ADDRESS= tedge-bridge-gen --config-dir lst local 2>err &&
	test_grep "mosquitto cannot open both listeners on one port" err
'

test_expect_success 'without the local listener file (mqtt.bind.enabled false) there is nothing to refuse' '
	tedge-config --config-dir lst2 set mqtt.bind.enabled false &&
	tedge-config --config-dir lst2 set mqtt.external.bind.port 1884
'

# Item 11: never write a tedge.toml the reader refuses (more than 1 MiB).
# pad_file FILE N: "pad = "<N times A>"", a line of N + 9 bytes
pad_file () {
	{ printf "pad = \"" && head -c "$2" /dev/zero | tr "\0" A && printf "\"\n"; } >"$1"
}

test_expect_success 'a rewrite of exactly 1 MiB is written and read; one byte more is refused, file unchanged' '
	mkdir -p sz &&
	printf "pad = \"A\"\n" >sz/tedge.toml &&
	TEDGE_QUIET_UNKNOWN_KEYS=1 tedge-config --config-dir sz set device.type x &&
	delta=$(($(wc -c <sz/tedge.toml) - 10)) &&
	pad_file sz/tedge.toml $((1048576 - 9 - delta)) &&
	TEDGE_QUIET_UNKNOWN_KEYS=1 tedge-config --config-dir sz set device.type x &&
	test $(wc -c <sz/tedge.toml) = 1048576 &&
	echo x >expect &&
	TEDGE_QUIET_UNKNOWN_KEYS=1 tedge-config --config-dir sz get device.type >actual &&
	test_cmp expect actual &&
	pad_file sz/tedge.toml $((1048576 - 9 - delta + 1)) &&
	cp sz/tedge.toml before &&
	test_expect_code 1 env TEDGE_QUIET_UNKNOWN_KEYS=1 tedge-config --config-dir sz set device.type x 2>err &&
	test_grep "^Error: failed to set the configuration key: '\''device.type'\'' with value: x.$" err &&
	test_grep "the new $TRASH_DIRECTORY/sz/tedge.toml would be 1048577 bytes, and tedge.toml can be at most 1048576 bytes to be read: it is left as it was" err &&
	test_cmp before sz/tedge.toml
'

test_expect_success 'a long compact array stays compact: the file does not grow past what can be read' '
	mkdir -p compact &&
	{ printf "x = [" && seq -s, 1 158732 | tr -d "\n" && printf "]\n"; } >compact/tedge.toml &&
	size=$(wc -c <compact/tedge.toml) &&
	test $size -gt 1000000 &&
	TEDGE_QUIET_UNKNOWN_KEYS=1 tedge-config --config-dir compact set device.type y &&
	test $(wc -c <compact/tedge.toml) -lt $((size + 100)) &&
	test_grep "^x = \[1,2,3,4,5," compact/tedge.toml &&
	echo y >expect &&
	TEDGE_QUIET_UNKNOWN_KEYS=1 tedge-config --config-dir compact get device.type >actual &&
	test_cmp expect actual
'

test_expect_success 'a list that set writes one item per line is refused when that is too long' '
	mkdir -p tmpl &&
	{ printf "[c8y.smartrest]\ntemplates = [" &&
		seq 1 100000 | sed "s/.*/\"t&\"/" | tr "\n" , | sed "s/,\$//" && printf "]\n"; } >tmpl/tedge.toml &&
	tedge-config --config-dir tmpl set device.type y &&
	cp tmpl/tedge.toml before &&
	test_expect_code 1 tedge-config --config-dir tmpl add c8y.smartrest.templates zz 2>err &&
	test_grep "^Error: failed to set the configuration key: '\''c8y.smartrest.templates'\'' with value: zz.$" err &&
	test_grep "tedge.toml can be at most 1048576 bytes to be read: it is left as it was" err &&
	test_cmp before tmpl/tedge.toml &&
	tedge-config --config-dir tmpl get c8y.smartrest.templates >/dev/null
'

test_done
