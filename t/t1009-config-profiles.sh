#!/bin/sh
test_description='tedge-config: cloud profiles (thin-edge 1.4)

c8y.profiles.NAME.KEY for every c8y.* key (az and aws alike), in tedge.toml
as [c8y.profiles.NAME] or, in the 2.x layout, in mappers/c8y.NAME/mapper.toml;
TEDGE_C8Y_PROFILES_NAME_KEY; --profile and TEDGE_CLOUD_PROFILE (reference
profiles §4, config §4). An unset profile key takes the key'\''s default.'
. ./lib.sh

D=$TEDGE_CONFIG_DIR

test_expect_success 'set and get a profile key, three spellings' '
	tedge-config set c8y.url main.example.com &&
	tedge-config set c8y.profiles.foo.url foo.example.com &&
	tedge-config set c8y.url bar.example.com --profile Bar &&
	echo foo.example.com >expect &&
	tedge-config get c8y.profiles.foo.url >actual &&
	test_cmp expect actual &&
	tedge-config get c8y_profiles_foo_url >actual &&
	test_cmp expect actual &&
	tedge-config get c8y.url --profile foo >actual &&
	test_cmp expect actual &&
	echo bar.example.com >expect &&
	tedge-config get c8y.profiles.bar.url >actual &&
	test_cmp expect actual &&
	echo main.example.com >expect &&
	tedge-config get c8y.url >actual &&
	test_cmp expect actual
'

test_expect_success 'tedge.toml holds [c8y.profiles.NAME], the name lowercased' '
	grep -x "\[c8y.profiles.foo\]" "$D/tedge.toml" &&
	grep -x "\[c8y.profiles.bar\]" "$D/tedge.toml" &&
	! grep "profiles.Bar" "$D/tedge.toml"
'

test_expect_success 'an unset profile key takes the key default, not the main value' '
	tedge-config set c8y.bridge.topic_prefix main &&
	tedge-config set c8y.proxy.bind.port 8005 &&
	echo c8y >expect &&
	tedge-config get c8y.profiles.foo.bridge.topic_prefix >actual &&
	test_cmp expect actual &&
	echo 8001 >expect &&
	tedge-config get c8y.profiles.foo.proxy.client.port >actual &&
	test_cmp expect actual &&
	echo foo.example.com:8883 >expect &&
	tedge-config get c8y.profiles.foo.mqtt >actual &&
	test_cmp expect actual
'

test_expect_success 'derived keys follow the profile: proxy.client.port from its bind.port' '
	tedge-config set c8y.profiles.foo.proxy.bind.port 8002 &&
	echo 8002 >expect &&
	tedge-config get c8y.proxy.client.port --profile foo >actual &&
	test_cmp expect actual
'

test_expect_success 'TEDGE_CLOUD_PROFILE picks the profile of a profiled key only' '
	echo bar.example.com:443 >expect &&
	TEDGE_CLOUD_PROFILE=bar tedge-config get c8y.http >actual &&
	test_cmp expect actual &&
	echo 1883 >expect &&
	TEDGE_CLOUD_PROFILE=bar tedge-config get mqtt.bind.port >actual &&
	test_cmp expect actual &&
	echo foo.example.com >expect &&
	TEDGE_CLOUD_PROFILE=bar tedge-config get c8y.profiles.foo.url >actual &&
	test_cmp expect actual &&
	TEDGE_CLOUD_PROFILE=bar tedge-config get c8y.url --profile foo >actual &&
	test_cmp expect actual &&
	echo main.example.com >expect &&
	TEDGE_CLOUD_PROFILE= tedge-config get c8y.url >actual &&
	test_cmp expect actual
'

test_expect_success 'the environment: TEDGE_C8Y_PROFILES_NAME_KEY, for that profile only' '
	echo env.example.com >expect &&
	TEDGE_C8Y_PROFILES_FOO_URL=env.example.com tedge-config get c8y.profiles.foo.url >actual &&
	test_cmp expect actual &&
	echo main.example.com >expect &&
	TEDGE_C8Y_PROFILES_FOO_URL=env.example.com tedge-config get c8y.url >actual &&
	test_cmp expect actual &&
	echo foo.example.com >expect &&
	TEDGE_C8Y_URL=x.example.com tedge-config get c8y.profiles.foo.url >actual &&
	test_cmp expect actual &&
	echo 70s >expect &&
	TEDGE_C8Y_PROFILES_MY_P_BRIDGE_KEEPALIVE_INTERVAL=70s \
		tedge-config get c8y.profiles.my_p.bridge.keepalive_interval >actual &&
	test_cmp expect actual
'

test_expect_success 'list shows each profile after its cloud, env-only profiles too' '
	TEDGE_AZ_PROFILES_E_URL=e.azure-devices.net tedge-config list >out &&
	grep -x "c8y.profiles.bar.url=bar.example.com" out &&
	grep -x "c8y.profiles.foo.url=foo.example.com" out &&
	grep -x "c8y.profiles.foo.proxy.bind.port=8002" out &&
	grep -x "c8y.profiles.foo.bridge.topic_prefix=c8y" out &&
	grep -x "az.profiles.e.url=e.azure-devices.net" out &&
	sed -n "/^c8y.profiles.bar.url=/=" out >bar &&
	sed -n "/^c8y.profiles.foo.url=/=" out >foo &&
	sed -n "/^c8y.software_management.with_types=/=" out >last &&
	sed -n "/^az.root_cert_path=/=" out >az &&
	test "$(cat last)" -lt "$(cat bar)" &&
	test "$(cat bar)" -lt "$(cat foo)" &&
	test "$(cat foo)" -lt "$(cat az)" &&
	tedge-config list profiles.foo >out &&
	grep -x "c8y.profiles.foo.url=foo.example.com" out &&
	! grep -v "^c8y.profiles.foo" out
'

test_expect_success JSON_C 'list --json has the profiles'\'' keys as list has them' '
	tedge-config list --json profiles.foo >out &&
	test_json out "d[\"c8y.profiles.foo.url\"] == \"foo.example.com\" and d[\"c8y.profiles.foo.proxy.bind.port\"] == \"8002\"" &&
	test_json out "all(k.startswith(\"c8y.profiles.foo.\") for k in d)"
'

test_expect_success OPENSSL 'a profile'\''s own certificate: cert create c8y --profile, its device id' '
	tedge-config set c8y.profiles.foo.device.cert_path "$TRASH_DIRECTORY/foo.pem" &&
	tedge-config set c8y.profiles.foo.device.key_path "$TRASH_DIRECTORY/foo.key" &&
	tedge-cert create c8y --profile foo --device-id foo-device >/dev/null &&
	test_path_is_file foo.pem &&
	test_path_is_file foo.key &&
	echo foo-device >expect &&
	tedge-config get c8y.profiles.foo.device.id >actual &&
	test_cmp expect actual &&
	TEDGE_CLOUD_PROFILE=foo tedge-config get c8y.device.id >actual &&
	test_cmp expect actual &&
	tedge-cert show c8y --profile foo >out &&
	test_grep "^Subject:       CN=foo-device," out &&
	test_expect_code 1 tedge-config get c8y.device.id 2>err &&
	test_grep "key: .c8y.device.id. is not configured" err &&
	tedge-cert remove c8y --profile foo >/dev/null &&
	test_path_is_missing foo.pem &&
	tedge-config unset c8y.profiles.foo.device.cert_path &&
	tedge-config unset c8y.profiles.foo.device.key_path
'

test_expect_success OPENSSL 'az and aws profiles: a device of their own (az.profiles.NAME.device.*), as thin-edge has' '
	for cloud in az aws; do
		tedge-config set $cloud.profiles.foo.url "foo.$cloud.example.com" &&
		tedge-config set $cloud.profiles.foo.bridge.topic_prefix "$cloud-foo" &&
		tedge-config set $cloud.profiles.foo.device.cert_path "$TRASH_DIRECTORY/$cloud-foo.pem" &&
		tedge-config set $cloud.profiles.foo.device.key_path "$TRASH_DIRECTORY/$cloud-foo.key" &&
		tedge-cert create $cloud --profile foo --device-id "$cloud-foo-device" >/dev/null &&
		test_path_is_file "$cloud-foo.pem" &&
		echo "$cloud-foo-device" >expect &&
		tedge-config get $cloud.profiles.foo.device.id >actual &&
		test_cmp expect actual &&
		TEDGE_CLOUD_PROFILE=foo tedge-bridge-gen $cloud >bridge &&
		test_grep "^remote_clientid $cloud-foo-device\$" bridge &&
		test_grep "^bridge_certfile $TRASH_DIRECTORY/$cloud-foo.pem\$" bridge &&
		test_grep "^bridge_keyfile $TRASH_DIRECTORY/$cloud-foo.key\$" bridge &&
		tedge-cert remove $cloud --profile foo >/dev/null &&
		test_path_is_missing "$cloud-foo.pem" &&
		test_expect_code 1 tedge-config get $cloud.device.id 2>err &&
		test_grep "key: .$cloud.device.id. is not configured" err || return 1
	done
'

test_expect_success 'unset and add on a profile key' '
	tedge-config add c8y.profiles.foo.smartrest.templates t1,t2 &&
	echo "[\"t1\", \"t2\"]" >expect &&
	tedge-config get c8y.smartrest.templates --profile foo >actual &&
	test_cmp expect actual &&
	tedge-config unset c8y.profiles.foo.smartrest.templates &&
	echo "[]" >expect &&
	tedge-config get c8y.profiles.foo.smartrest.templates >actual &&
	test_cmp expect actual
'

test_expect_success 'a profile that is nowhere cannot be read' '
	test_expect_code 1 tedge-config get c8y.profiles.nope.url 2>err &&
	test_grep "Unknown profile \`nope\` for the multi-profile property c8y" err
'

test_expect_success 'thin-edge name rules and messages' '
	test_expect_code 2 tedge-config get c8y.url --profile a.b 2>err &&
	test_grep "Profile names can only contain letters, numbers, \`-\` or \`_\`" err &&
	test_expect_code 2 tedge-config get c8y.url --profile "" 2>err &&
	test_grep "Profile names cannot be empty" err &&
	test_expect_code 2 tedge-config get c8y.url --profile -_- 2>err &&
	test_grep "Profile names must contain at least one letter or number" err &&
	test_expect_code 1 tedge-config set c8y.profiles.a!b.url x.example.com 2>err &&
	test_grep "Profile names can only contain" err &&
	test_expect_code 2 env TEDGE_CLOUD_PROFILE=a/b tedge-config get c8y.url 2>err &&
	test_grep "Profile names can only contain" err
'

test_expect_success 'thin-edge errors: a profile for a global key, two profiles' '
	test_expect_code 1 tedge-config get mqtt.bind.port --profile foo 2>err &&
	test_grep "missing configuration parameter" err &&
	test_grep "You.ve supplied a profile, but mqtt.bind.port is not a profiled configuration" err &&
	test_expect_code 1 tedge-config get c8y.profiles.foo.url --profile bar 2>err &&
	test_grep "Multiple profiles selected from the arguments c8y.profiles.foo.url and --profile bar" err
'

test_expect_success 'a profile key is checked as its key is' '
	test_expect_code 1 tedge-config set c8y.profiles.foo.bridge.topic_prefix "a+" 2>err &&
	test_grep "Topic prefix cannot contain .+." err &&
	tedge-config set c8y.profiles.foo.bridge.topic_prefix c8y-foo &&
	echo c8y-foo >expect &&
	tedge-config get c8y.profiles.foo.bridge.topic_prefix >actual &&
	test_cmp expect actual
'

test_expect_success '2.x layout: a profile is mappers/c8y.NAME/mapper.toml' '
	rm -rf "$D" && mkdir -p "$D/mappers" &&
	tedge-config set c8y.url m.example.com &&
	tedge-config set c8y.profiles.two.url two.example.com &&
	tedge-config set c8y.proxy.bind.port 8002 --profile two &&
	test_path_is_file "$D/mappers/c8y/mapper.toml" &&
	cat >expect <<-\EOF &&
	cloud_type = "c8y"
	url = "two.example.com"

	[proxy.bind]
	port = 8002
	EOF
	test_cmp expect "$D/mappers/c8y.two/mapper.toml" &&
	test_path_is_missing "$D/tedge.toml" &&
	echo 8002 >expect &&
	tedge-config get c8y.profiles.two.proxy.client.port >actual &&
	test_cmp expect actual &&
	tedge-config list >out &&
	grep -x "c8y.profiles.two.url=two.example.com" out &&
	test_expect_code 1 tedge-config get c8y.profiles.x.url 2>err &&
	test_grep "Unknown profile .x. for the multi-profile property c8y" err
'

test_expect_success '2.x layout: a profile file left with only cloud_type goes' '
	tedge-config unset c8y.profiles.two.url &&
	tedge-config unset c8y.profiles.two.proxy.bind.port &&
	test_path_is_missing "$D/mappers/c8y.two/mapper.toml" &&
	test_path_is_file "$D/mappers/c8y/mapper.toml"
'

test_done
