#!/bin/sh
test_description='tedge-config: every key round-trips; every type rejects bad values'
. ./lib.sh

# t1001/values: key|input|what get prints. t1001/invalid: key|input|cause.
VALUES="$TEST_DIRECTORY/t1001/values"
INVALID="$TEST_DIRECTORY/t1001/invalid"

test_expect_success 'setup' '
	mkdir -p "$TEDGE_CONFIG_DIR" &&
	printf "[unknown]\nkey = 1\n" >"$TEDGE_CONFIG_DIR/tedge.toml"
'

test_expect_success 'the table covers every key but the derived ones' '
	tedge-config list --doc >doc &&
	sed -n "s/^ *\([a-z0-9_.][a-z0-9_.]*\)  .*/\1/p" doc | sort >keys &&
	grep -v "^#" "$VALUES" | cut -d"|" -f1 | sort >covered &&
	test_cmp keys covered
'

test_expect_success 'the keys of thin-edge 1.x tests: their defaults' '
	tedge-config --config-dir fresh list >list &&
	cat >expect <<-\EOF &&
	certificate.organization_unit=Device
	c8y.proxy.bind.address=127.0.0.1
	c8y.proxy.bind.port=8001
	c8y.proxy.client.host=127.0.0.1
	c8y.proxy.client.port=8001
	c8y.software_management.api=legacy
	c8y.software_management.with_types=false
	mqtt.topic_root=te
	mqtt.device_topic_id=device/main//
	http.client.port=8000
	http.client.host=127.0.0.1
	EOF
	grep -e "^certificate.organization_unit=" -e "^c8y.proxy" -e "^c8y.software_management" \
		-e "^mqtt.topic_root=" -e "^mqtt.device_topic_id=" -e "^http.client" list >actual &&
	test_cmp expect actual &&
	for key in apt.name apt.maintainer; do
		test_expect_code 1 tedge-config --config-dir fresh get $key >out 2>err &&
		test_must_be_empty out &&
		echo "The provided config key: '\''$key'\'' is not set" >expect &&
		test_cmp expect err || return 1
	done
'

test_expect_success 'c8y.proxy.client.port follows c8y.proxy.bind.port; types as thin-edge' '
	tedge-config --config-dir fresh set c8y.proxy.bind.port 8005 &&
	echo 8005 >expect &&
	tedge-config --config-dir fresh get c8y.proxy.client.port >actual &&
	test_cmp expect actual &&
	tedge-config --config-dir fresh set c8y.proxy.client.port 9000 &&
	tedge-config --config-dir fresh set c8y.software_management.with_types true &&
	tedge-config --config-dir fresh set mqtt.device_topic_id device/child1 &&
	tedge-config --config-dir fresh set apt.name "tedge.*" &&
	test_grep "^port = 8005$" fresh/tedge.toml &&
	test_grep "^port = 9000$" fresh/tedge.toml &&
	test_grep "^with_types = true$" fresh/tedge.toml &&
	test_grep "^device_topic_id = \"device/child1//\"$" fresh/tedge.toml &&
	test_grep "^name = \"tedge\.\*\"$" fresh/tedge.toml &&
	test_grep "^\[c8y.proxy.bind\]$" fresh/tedge.toml &&
	test_grep "^\[c8y.software_management\]$" fresh/tedge.toml &&
	test_grep "^\[apt\]$" fresh/tedge.toml
'

while IFS='|' read -r key input want; do
	case $key in '#'*|'') continue ;; esac
	test_expect_success "set/get/unset $key" '
		{ tedge-config get "$key" >default 2>/dev/null; default_rc=$?; } &&
		tedge-config set "$key" "$input" &&
		printf "%s\n" "$want" >expect &&
		tedge-config get "$key" >actual &&
		test_cmp expect actual &&
		tedge-config list >list &&
		grep -F -x "$key=$want" list &&
		tedge-config unset "$key" &&
		test_expect_code $default_rc tedge-config get "$key" >actual 2>/dev/null &&
		test_cmp default actual
	'
done <"$VALUES"

test_expect_success 'every value was written as TOML and reads back after all' '
	grep -v "^#" "$VALUES" >rows &&
	while IFS="|" read -r key input want; do
		tedge-config set "$key" "$input" || return 1
	done <rows &&
	while IFS="|" read -r key input want; do
		printf "%s\n" "$want" >expect &&
		tedge-config get "$key" >actual &&
		test_cmp expect actual || return 1
	done <rows &&
	test_grep "^port = 1884$" "$TEDGE_CONFIG_DIR/tedge.toml" &&
	test_grep "^lock_files = false$" "$TEDGE_CONFIG_DIR/tedge.toml" &&
	test_grep "^local_cleansession = \"False\"$" "$TEDGE_CONFIG_DIR/tedge.toml" &&
	test_grep "^timeout = \"4000\"$" "$TEDGE_CONFIG_DIR/tedge.toml"
'

while IFS='|' read -r key input cause; do
	case $key in '#'*|'') continue ;; esac
	test_expect_success "$key rejects '$input'" '
		cp "$TEDGE_CONFIG_DIR/tedge.toml" before &&
		test_expect_code 1 tedge-config set -- "$key" "$input" 2>err &&
		test_grep "^Error: failed to set the configuration key: '\''$key'\''" err &&
		test_grep "^    0: Failed to parse input$" err &&
		tail -n 1 err | sed "s/^ *1: //; s/^ *//" >actual &&
		printf "%s\n" "$cause" >expect &&
		test_cmp expect actual &&
		test_cmp before "$TEDGE_CONFIG_DIR/tedge.toml"
	'
done <"$INVALID"

nl='
'
cr=$(printf '\r')
tab=$(printf '\t')
esc=$(printf '\033')
del=$(printf '\177')
c1=$(printf '\302\205')
badutf=$(printf 'a\377b')
long=$(printf '%05000d' 0)
for key in device.type c8y.smartrest.templates c8y.url mqtt.client.host device.cert_path mqtt.external.bind.interface; do
	for bad in "a${nl}b" "a${cr}b" "a${tab}b" "a${esc}[31m" "a${del}" "a${c1}b" "$badutf" "$long"; do
		test_expect_success "$key refuses a control character, bad UTF-8 or an over-long value" '
			cp "$TEDGE_CONFIG_DIR/tedge.toml" before &&
			test_expect_code 1 tedge-config set "$key" "$bad" 2>err &&
			test_grep "Failed to parse input" err &&
			test_cmp before "$TEDGE_CONFIG_DIR/tedge.toml"
		'
	done
done

test_expect_success 'a value with a newline cannot inject a line into the file' '
	test_must_fail tedge-config set device.type "x\"${nl}[c8y]${nl}url = \"evil.com" &&
	test_grep ! evil "$TEDGE_CONFIG_DIR/tedge.toml"
'

test_expect_success 'the error shows a value with control characters quoted' '
	test_must_fail tedge-config set device.type "a${esc}b" 2>err &&
	test_grep "with value: \"a\\\\u{1b}b\"\\.$" err
'

test_expect_success 'quotes and backslashes survive the round trip' '
	tedge-config set device.type "a\"b\\c '\''d" &&
	printf "%s\n" "a\"b\\c '\''d" >expect &&
	tedge-config get device.type >actual &&
	test_cmp expect actual
'

test_done
