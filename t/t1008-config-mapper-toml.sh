#!/bin/sh
test_description='tedge-config: thin-edge 2.x mappers/<cloud>/mapper.toml

Which file holds a cloud'\''s keys (reference profiles §6): any mapper file
of the cloud (a profile'\''s too) wins over tedge.toml'\''s table, with
thin-edge'\''s warning; else a table in tedge.toml keeps them there; else,
where mappers/ exists, a set makes the mapper file. TEDGE_* comes last; a
file left with only cloud_type goes. tedge config upgrade moves the tables.'
. ./lib.sh

D=$TEDGE_CONFIG_DIR
M=$D/mappers

test_expect_success 'setup: a device thin-edge 2.0 configured' '
	mkdir -p "$M/c8y" "$M/c8y.second" &&
	printf "[mqtt.bind]\nport = 1884\n" >"$D/tedge.toml" &&
	cat >"$M/c8y/mapper.toml" <<-\EOF &&
	cloud_type = "c8y"
	url = "x.example.com"

	[bridge]
	topic_prefix = "c8y"

	[proxy.bind]
	port = 8002
	EOF
	printf "cloud_type = \"c8y\"\nurl = \"two.example.com\"\n" >"$M/c8y.second/mapper.toml" &&
	cp "$D/tedge.toml" toml.before &&
	cp "$M/c8y.second/mapper.toml" second.before
'

test_expect_success 'get reads the mapper file: its keys without the c8y. prefix' '
	echo x.example.com >expect &&
	tedge-config get c8y.url >actual 2>err &&
	test_cmp expect actual &&
	echo 8002 >expect &&
	tedge-config get c8y.proxy.bind.port >actual &&
	test_cmp expect actual &&
	echo x.example.com:443 >expect &&
	tedge-config get c8y.http >actual &&
	test_cmp expect actual &&
	echo 1884 >expect &&
	tedge-config get mqtt.bind.port >actual &&
	test_cmp expect actual
'

test_expect_success 'its sub-tables are the keys of c8y.: [bridge] topic_prefix, no warning' '
	echo c8y >expect &&
	tedge-config get c8y.bridge.topic_prefix >actual 2>err &&
	test_cmp expect actual &&
	test_must_be_empty err
'

test_expect_success 'c8y.device.cert_path: device.cert_path, unless the mapper file says' '
	echo "$D/device-certs/tedge-certificate.pem" >expect &&
	tedge-config get c8y.device.cert_path >actual 2>/dev/null &&
	test_cmp expect actual &&
	printf "\n[device]\ncert_path = \"/srv/c8y.pem\"\n" >>"$M/c8y/mapper.toml" &&
	echo /srv/c8y.pem >expect &&
	tedge-config get c8y.device.cert_path >actual 2>/dev/null &&
	test_cmp expect actual &&
	echo "$D/device-certs/tedge-certificate.pem" >expect &&
	tedge-config get device.cert_path >actual 2>/dev/null &&
	test_cmp expect actual &&
	tedge-config unset c8y.device.cert_path 2>/dev/null &&
	test_grep ! "cert_path" "$M/c8y/mapper.toml"
'

test_expect_success 'set writes the mapper file: cloud_type first, tables kept, tedge.toml and profiles alone' '
	tedge-config set c8y.url new.example.com 2>/dev/null &&
	cat >expect <<-\EOF &&
	cloud_type = "c8y"
	url = "new.example.com"

	[bridge]
	topic_prefix = "c8y"

	[proxy.bind]
	port = 8002
	EOF
	test_cmp expect "$M/c8y/mapper.toml" &&
	test_cmp toml.before "$D/tedge.toml" &&
	test_cmp second.before "$M/c8y.second/mapper.toml" &&
	test_path_is_missing "$D/c8y" &&
	echo new.example.com >expect &&
	tedge-config get c8y.url >actual 2>/dev/null &&
	test_cmp expect actual
'

test_expect_success 'list shows the mapper file'\''s values' '
	tedge-config list 2>/dev/null >out &&
	test_grep "^c8y.url=new.example.com$" out &&
	test_grep "^c8y.proxy.bind.port=8002$" out &&
	test_grep "^c8y.proxy.client.port=8002$" out &&
	test_grep "^mqtt.bind.port=1884$" out &&
	test_grep "^mqtt.bridge.built_in=true$" out
'

test_expect_success 'TEDGE_C8Y_* comes last, over the mapper file; writes never take it' '
	echo env.example.com >expect &&
	TEDGE_C8Y_URL=env.example.com tedge-config get c8y.url >actual 2>/dev/null &&
	test_cmp expect actual &&
	TEDGE_C8Y_URL=env.example.com tedge-config set c8y.proxy.bind.port 8003 2>/dev/null &&
	test_grep "^url = \"new.example.com\"$" "$M/c8y/mapper.toml" &&
	test_grep "^port = 8003$" "$M/c8y/mapper.toml"
'

test_expect_success 'a c8y table in tedge.toml is ignored, with thin-edge'\''s warning' '
	printf "[c8y]\nurl = \"old.example.com\"\n" >>"$D/tedge.toml" &&
	cp "$D/tedge.toml" toml.before &&
	echo new.example.com >expect &&
	tedge-config get c8y.url >actual 2>err &&
	test_cmp expect actual &&
	echo "Warning: c8y configuration found in \`tedge.toml\`, but this will be ignored in favour of configuration in $M/c8y/mapper.toml and $M/c8y.*/mapper.toml" >expect &&
	test_grep -F "$(cat expect)" err &&
	test $(grep -c "configuration found in" err) = 1 &&
	TEDGE_QUIET_UNKNOWN_KEYS=1 tedge-config get c8y.url 2>err >/dev/null &&
	test_must_be_empty err &&
	tedge-config set c8y.url newer.example.com 2>/dev/null &&
	test_cmp toml.before "$D/tedge.toml" &&
	test_grep "^url = \"newer.example.com\"$" "$M/c8y/mapper.toml"
'

test_expect_success 'a profile'\''s file alone wins too: the default profile has nothing, set makes its file' '
	mkdir -p "$M/az.p1" &&
	printf "cloud_type = \"az\"\nurl = \"p1.azure-devices.net\"\n" >"$M/az.p1/mapper.toml" &&
	printf "[az]\nurl = \"old.azure-devices.net\"\n" >>"$D/tedge.toml" &&
	test_expect_code 1 tedge-config get az.url 2>err &&
	test_grep "^Warning: az configuration found in \`tedge.toml\`, but this will be ignored in favour of configuration in $M/az/mapper.toml and $M/az.\*/mapper.toml$" err &&
	test_grep "The provided config key: '\''az.url'\'' is not set" err &&
	tedge-config set az.url new.azure-devices.net 2>/dev/null &&
	printf "cloud_type = \"az\"\nurl = \"new.azure-devices.net\"\n" >expect &&
	test_cmp expect "$M/az/mapper.toml" &&
	test_grep "old.azure-devices.net" "$D/tedge.toml" &&
	test_grep "p1.azure-devices.net" "$M/az.p1/mapper.toml"
'

test_expect_success 'a file left with only cloud_type goes; the profiles'\'' stay' '
	tedge-config unset az.url 2>/dev/null &&
	test_path_is_missing "$M/az/mapper.toml" &&
	test_path_is_file "$M/az.p1/mapper.toml" &&
	rm -r "$M/az.p1"
'

test_expect_success 'no mapper file: a table in tedge.toml (even empty) keeps the cloud there' '
	printf "[aws]\n" >>"$D/tedge.toml" &&
	tedge-config set aws.url a.amazonaws.com 2>/dev/null &&
	test_path_is_missing "$M/aws" &&
	test_grep "^url = \"a.amazonaws.com\"$" "$D/tedge.toml" &&
	echo old.azure-devices.net >expect &&
	tedge-config get az.url >actual 2>err &&
	test_cmp expect actual &&
	test_grep ! "az configuration found" err
'

test_expect_success 'neither: set makes the mapper file where mappers/ is; unset of nothing makes none' '
	mkdir -p fresh/mappers &&
	tedge-config -c fresh unset c8y.url &&
	test_path_is_missing fresh/mappers/c8y/mapper.toml &&
	test_path_is_missing fresh/tedge.toml &&
	tedge-config -c fresh set c8y.url f.example.com &&
	printf "cloud_type = \"c8y\"\nurl = \"f.example.com\"\n" >expect &&
	test_cmp expect fresh/mappers/c8y/mapper.toml &&
	test_path_is_missing fresh/tedge.toml &&
	tedge-config -c fresh set device.type gw &&
	test_grep "^type = \"gw\"$" fresh/tedge.toml &&
	test_grep ! "c8y" fresh/tedge.toml
'

test_expect_success 'without mappers/ (the 1.x layout) every key stays in tedge.toml' '
	tedge-config -c old set c8y.url o.example.com &&
	test_path_is_missing old/mappers &&
	test_grep "^url = \"o.example.com\"$" old/tedge.toml
'

test_expect_success 'a malformed mapper file: the error names it and its line, nothing written' '
	mkdir -p bad/mappers/c8y &&
	printf "cloud_type = \"c8y\"\nurl = \n" >bad/mappers/c8y/mapper.toml &&
	cp bad/mappers/c8y/mapper.toml bad.before &&
	test_expect_code 1 tedge-config -c bad get c8y.url 2>err &&
	test_grep "TOML parse error in $TRASH_DIRECTORY/bad/mappers/c8y/mapper.toml" err &&
	test_grep "line 2: " err &&
	test_expect_code 1 tedge-config -c bad set c8y.url b.example.com 2>err &&
	test_cmp bad.before bad/mappers/c8y/mapper.toml &&
	test_path_is_missing bad/tedge.toml
'

test_expect_success 'a bad value in a mapper file: named with its file' '
	mkdir -p badv/mappers/c8y &&
	printf "cloud_type = \"c8y\"\n[proxy.bind]\nport = \"x\"\n" >badv/mappers/c8y/mapper.toml &&
	test_expect_code 1 tedge-config -c badv get c8y.proxy.bind.port 2>err &&
	test_grep "invalid value for '\''c8y.proxy.bind.port'\'' in $TRASH_DIRECTORY/badv/mappers/c8y/mapper.toml" err
'

test_expect_success 'upgrade is hidden: no usage message names it' '
	test_expect_code 2 tedge-config 2>err &&
	test_grep ! upgrade err &&
	tedge-config --help >out &&
	test_grep ! upgrade out &&
	test_expect_code 2 tedge-config upgrade extra 2>err &&
	test_grep "unexpected argument '\''extra'\''" err
'

test_expect_success 'setup: a 1.x tedge.toml with cloud tables, a profile, stale mapper files' '
	mkdir -p up/mappers/c8y up/mappers/c8y.gone &&
	cat >up/tedge.toml <<-\EOF &&
	[device]
	type = "gw"

	[c8y]
	url = "u.example.com"
	future = 1

	[c8y.bridge]
	topic_prefix = "c8y"

	[c8y.profiles.second]
	url = "two.example.com"

	[c8y.profiles.second.proxy.bind]
	port = 8002

	[az]

	[mqtt.bind]
	port = 1884
	EOF
	cp up/tedge.toml up.before &&
	printf "cloud_type = \"c8y\"\nurl = \"stale.example.com\"\n" >up/mappers/c8y/mapper.toml &&
	cp up/mappers/c8y/mapper.toml up/mappers/c8y.gone/mapper.toml
'

test_expect_success 'upgrade: backup, the tables moved, the stale files removed, thin-edge'\''s words' '
	tedge-config -c up upgrade >out 2>err &&
	test_must_be_empty out &&
	cat >expect <<-EOF &&
	Configuration updates completed successfully.
	Your original configuration has been backed up to: $TRASH_DIRECTORY/up/tedge.toml.bak in case the old configuration must be restored.
	You may delete it after validating that your upgraded configuration is working.
	EOF
	test_cmp expect err &&
	test_cmp up.before up/tedge.toml.bak &&
	cat >expect <<-\EOF &&
	cloud_type = "c8y"
	url = "u.example.com"
	future = 1

	[bridge]
	topic_prefix = "c8y"
	EOF
	test_cmp expect up/mappers/c8y/mapper.toml &&
	cat >expect <<-\EOF &&
	cloud_type = "c8y"
	url = "two.example.com"

	[proxy.bind]
	port = 8002
	EOF
	test_cmp expect up/mappers/c8y.second/mapper.toml &&
	test_path_is_missing up/mappers/c8y.gone/mapper.toml &&
	test_path_is_missing up/mappers/az &&
	test_grep ! "c8y\|az\|profiles" up/tedge.toml &&
	test_grep "^type = \"gw\"$" up/tedge.toml &&
	test_grep "^port = 1884$" up/tedge.toml
'

test_expect_success 'after upgrade: the same values, now from the mapper files' '
	echo u.example.com >expect &&
	tedge-config -c up get c8y.url >actual 2>err &&
	test_cmp expect actual &&
	test_grep ! "configuration found in" err
'

test_expect_success 'upgrade again: already up to date, nothing changed' '
	cp up/tedge.toml up.after &&
	cp up/mappers/c8y/mapper.toml c8y.after &&
	rm up/tedge.toml.bak &&
	tedge-config -c up upgrade >out 2>err &&
	test_must_be_empty out &&
	echo "Configuration is already up to date, nothing was migrated." >expect &&
	test_cmp expect err &&
	test_cmp up.after up/tedge.toml &&
	test_cmp c8y.after up/mappers/c8y/mapper.toml &&
	test_path_is_missing up/tedge.toml.bak
'

test_expect_success 'upgrade that fails: thin-edge'\''s words, exit 1, tedge.toml kept' '
	printf "[c8y]\nurl = \"f.example.com\"\n" >fail.toml &&
	mkdir -p failing &&
	cp fail.toml failing/tedge.toml &&
	: >failing/mappers &&
	test_expect_code 1 tedge-config -c failing upgrade 2>err &&
	test_grep "^Error: Failed to migrate mapper configurations. Fix the underlying issue and run '\''tedge config upgrade'\'' again to retry.$" err &&
	test_grep "mappers" err &&
	test_cmp fail.toml failing/tedge.toml
'

test_done
