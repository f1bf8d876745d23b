#!/bin/sh
test_description='tedge-config: the tedge.toml file, malformed, foreign and old'
. ./lib.sh

test_expect_success 'setup' '
	mkdir -p "$TEDGE_CONFIG_DIR"
'

test_expect_success 'malformed TOML: the error names the file and line, nothing changes' '
	printf "[c8y]\nurl = \"a.com\"\nport = \n" >"$TEDGE_CONFIG_DIR/tedge.toml" &&
	cp "$TEDGE_CONFIG_DIR/tedge.toml" before &&
	test_expect_code 1 tedge-config set c8y.url b.com 2>err &&
	test_grep "TOML parse error in $TEDGE_CONFIG_DIR/tedge.toml" err &&
	test_grep "line 3: " err &&
	test_cmp before "$TEDGE_CONFIG_DIR/tedge.toml" &&
	test_expect_code 1 tedge-config get c8y.url 2>err &&
	test_grep "line 3: " err &&
	test_expect_code 1 tedge-config list 2>err &&
	test_grep "^Error: failed to list the configuration keys and values" err &&
	test_expect_code 1 tedge-config unset c8y.url &&
	test_cmp before "$TEDGE_CONFIG_DIR/tedge.toml"
'

for bad in 'url = "unterminated' '[c8y' 'a = 1
a = 2' '[c8y]
[c8y]' 'x = 0123' 'key with space = 1'; do
	test_expect_success "malformed: $(printf '%s' "$bad" | head -n 1)" '
		printf "%s\n" "$bad" >"$TEDGE_CONFIG_DIR/tedge.toml" &&
		cp "$TEDGE_CONFIG_DIR/tedge.toml" before &&
		test_expect_code 1 tedge-config set device.type x 2>err &&
		test_grep "line [0-9]*: " err &&
		test_cmp before "$TEDGE_CONFIG_DIR/tedge.toml"
	'
done

test_expect_success 'a known key with a value of the wrong type is named' '
	printf "[mqtt.bind]\nport = \"abc\"\n" >"$TEDGE_CONFIG_DIR/tedge.toml" &&
	test_expect_code 1 tedge-config get mqtt.bind.port 2>err &&
	test_grep "invalid value for '\''mqtt.bind.port'\'' in $TEDGE_CONFIG_DIR/tedge.toml" err &&
	test_grep "invalid digit found in string" err &&
	tedge-config get device.type
'

test_expect_success 'unknown keys and tables are kept on rewrite' '
	cat >"$TEDGE_CONFIG_DIR/tedge.toml" <<-\EOT &&
	[config]
	version = "2"

	[c8y]
	url = "keep.example.com"
	future_key = "kept"
	proxy.bind.port = 8001

	[apt]
	name = "(tedge|c8y).*"

	[flows.memory]
	heap_size = 16777216
	ratio = 0.5
	when = 1979-05-27T07:32:00Z
	EOT
	tedge-config set device.type gw &&
	tedge-config unset c8y.url &&
	test_grep "^future_key = \"kept\"$" "$TEDGE_CONFIG_DIR/tedge.toml" &&
	test_grep "^port = 8001$" "$TEDGE_CONFIG_DIR/tedge.toml" &&
	test_grep "^name = \"(tedge|c8y).\*\"$" "$TEDGE_CONFIG_DIR/tedge.toml" &&
	test_grep "^heap_size = 16777216$" "$TEDGE_CONFIG_DIR/tedge.toml" &&
	test_grep "^ratio = 0.5$" "$TEDGE_CONFIG_DIR/tedge.toml" &&
	test_grep "^when = 1979-05-27T07:32:00Z$" "$TEDGE_CONFIG_DIR/tedge.toml" &&
	test_grep "^type = \"gw\"$" "$TEDGE_CONFIG_DIR/tedge.toml" &&
	test_grep ! "keep.example.com" "$TEDGE_CONFIG_DIR/tedge.toml"
'

test_expect_success 'any TOML form of a key is read' '
	printf "c8y.url = \"dotted.example.com\"\n" >"$TEDGE_CONFIG_DIR/tedge.toml" &&
	echo dotted.example.com >expect &&
	tedge-config get c8y.url >actual &&
	test_cmp expect actual &&
	printf "c8y = { url = \"inline.example.com\" }\n" >"$TEDGE_CONFIG_DIR/tedge.toml" &&
	echo inline.example.com >expect &&
	tedge-config get c8y.url >actual &&
	test_cmp expect actual &&
	printf "[c8y]\nsmartrest.templates = \"a, b ,,c\"\n" >"$TEDGE_CONFIG_DIR/tedge.toml" &&
	echo "[\"a\", \"b\", \"c\"]" >expect &&
	tedge-config get c8y.smartrest.templates >actual &&
	test_cmp expect actual
'

test_expect_success 'thin-edge capitalised local_cleansession reads back' '
	printf "[c8y.bridge.include]\nlocal_cleansession = \"True\"\n" >"$TEDGE_CONFIG_DIR/tedge.toml" &&
	echo true >expect &&
	tedge-config get c8y.bridge.include.local_cleansession >actual &&
	test_cmp expect actual
'

test_expect_success 'a 0.10/0.11 (v1) file is read through the migration' '
	cat >"$TEDGE_CONFIG_DIR/tedge.toml" <<-\EOT &&
	[device]
	key_path = "/etc/tedge/device-certs/tedge-private-key.pem"

	[c8y]
	url = "old.example.com"
	smartrest_templates = ["t1"]

	[mqtt]
	port = 1999
	bind_address = "0.0.0.0"
	external_port = 8883

	[firmware]
	child_update_timeout = 3600
	EOT
	cp "$TEDGE_CONFIG_DIR/tedge.toml" before &&
	tedge-config get mqtt.bind.port >actual &&
	tedge-config get mqtt.bind.address >>actual &&
	tedge-config get mqtt.external.bind.port >>actual &&
	tedge-config get c8y.smartrest.templates >>actual &&
	tedge-config get firmware.child.update.timeout >>actual &&
	printf "%s\n" 1999 0.0.0.0 8883 "[\"t1\"]" 3600 >expect &&
	test_cmp expect actual &&
	test_cmp before "$TEDGE_CONFIG_DIR/tedge.toml"
'

test_expect_success 'a write stores the migrated (v2) form' '
	tedge-config set device.type gw &&
	test_grep "^version = \"2\"$" "$TEDGE_CONFIG_DIR/tedge.toml" &&
	test_grep "^\[mqtt.bind\]$" "$TEDGE_CONFIG_DIR/tedge.toml" &&
	test_grep ! "bind_address" "$TEDGE_CONFIG_DIR/tedge.toml" &&
	echo 1999 >expect &&
	tedge-config get mqtt.bind.port >actual &&
	test_cmp expect actual
'

test_expect_success 'a migration that would overwrite a key is refused' '
	printf "[mqtt]\nport = 1\n[mqtt.bind]\nport = 2\n" >"$TEDGE_CONFIG_DIR/tedge.toml" &&
	test_expect_code 1 tedge-config get mqtt.bind.port 2>err &&
	test_grep "Cannot migrate '\''mqtt.port'\'' to '\''mqtt.bind.port'\''" err
'

test_expect_success 'an unknown version is refused' '
	printf "[config]\nversion = \"9\"\n" >"$TEDGE_CONFIG_DIR/tedge.toml" &&
	test_expect_code 1 tedge-config get device.type 2>err &&
	test_grep "Unknown tedge.toml version: 9" err
'

test_expect_success 'a symbolic link: the target is replaced, the link stays' '
	mkdir real &&
	printf "[device]\ntype = \"x\"\n" >real/tedge.toml &&
	rm -f "$TEDGE_CONFIG_DIR/tedge.toml" &&
	ln -s "$TRASH_DIRECTORY/real/tedge.toml" "$TEDGE_CONFIG_DIR/tedge.toml" &&
	tedge-config set device.type y &&
	test -L "$TEDGE_CONFIG_DIR/tedge.toml" &&
	test_grep "type = \"y\"" real/tedge.toml
'

test_expect_success ROOT 'the owner of the file is kept when root rewrites it' '
	rm -f "$TEDGE_CONFIG_DIR/tedge.toml" &&
	printf "[device]\ntype = \"x\"\n" >"$TEDGE_CONFIG_DIR/tedge.toml" &&
	chown 1234:1234 "$TEDGE_CONFIG_DIR/tedge.toml" &&
	tedge-config set device.type z &&
	echo 1234:1234 >expect &&
	stat -c %u:%g "$TEDGE_CONFIG_DIR/tedge.toml" >actual &&
	test_cmp expect actual
'

# Root ignores permissions: these run as nobody, through setpriv.
test_lazy_prereq AS_NOBODY '
	test "$(id -u)" = 0 && command -v setpriv >/dev/null &&
	setpriv --reuid=nobody --regid=nogroup --clear-groups true
'
as_nobody () {
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
}

test_expect_success AS_NOBODY 'a read-only directory: the seed error chain, file unchanged' '
	chmod 755 "$TRASH_DIRECTORY" &&
	rm -f "$TEDGE_CONFIG_DIR/tedge.toml" &&
	printf "[device]\ntype = \"x\"\n" >"$TEDGE_CONFIG_DIR/tedge.toml" &&
	cp "$TEDGE_CONFIG_DIR/tedge.toml" before &&
	chmod 555 "$TEDGE_CONFIG_DIR" &&
	test_when_finished "chmod 755 \"$TEDGE_CONFIG_DIR\"" &&
	test_expect_code 1 as_nobody tedge-config set device.type q 2>err &&
	cat >expect <<-EOT &&
	Error: failed to set the configuration key: '\''device.type'\'' with value: q.

	Caused by:
	    0: failed to persist temporary file: Permission denied (os error 13)
	    1: Permission denied (os error 13)
	EOT
	test_cmp expect err &&
	test_cmp before "$TEDGE_CONFIG_DIR/tedge.toml"
'

test_expect_success AS_NOBODY 'an unreadable file is an error, not defaults' '
	chmod 600 "$TEDGE_CONFIG_DIR/tedge.toml" &&
	test_when_finished "chmod 644 \"$TEDGE_CONFIG_DIR/tedge.toml\"" &&
	test_expect_code 1 as_nobody tedge-config get device.type 2>err &&
	test_grep "Permission denied (os error 13)" err
'

test_expect_success 'etc/tedge.toml shows every key, and uncommented gives the defaults' '
	mkdir -p empty shipped &&
	tedge-config --config-dir empty list --all >all &&
	sed -n "s/=.*//p" all >keys &&
	while read -r key; do
		test_grep "^#$key = " "$TEDGE_ROOT/etc/tedge.toml" || return 1
	done <keys &&
	sed "s/^#\([a-z]\)/\1/" "$TEDGE_ROOT/etc/tedge.toml" >shipped/tedge.toml &&
	tedge-config --config-dir shipped list >from-file &&
	tedge-config --config-dir "$TRASH_DIRECTORY/empty" list |
	sed "s|$TRASH_DIRECTORY/empty|/etc/tedge|" >defaults &&
	grep -v -e "^device.id=" -e "^c8y.device.id=" -e "^az.device.id=" -e "^aws.device.id=" -e "^c8y.url=" -e "^c8y.http=" -e "^c8y.mqtt=" -e "^az.url=" \
		-e "^aws.url=" -e "^mqtt.client.auth" -e "^mqtt.external" \
		-e "^software.plugin.default=" -e "^apt\." from-file >actual &&
	test_cmp defaults actual
'

test_expect_success 'setup: a file with a typo, an unknown key and an unknown table' '
	mkdir -p unk &&
	cat >unk/tedge.toml <<-\EOF &&
	[c8y]
	ulr = "typo.example.com"
	url = "ok.example.com"
	smartrest.unknown = 1

	[flows.memory]
	heap_size = 16777216

	[config]
	version = "2"
	EOF
	f="$TRASH_DIRECTORY/unk/tedge.toml" &&
	cat >unk.expect <<-EOF
	Warning: Unknown configuration field "c8y.ulr" from toml file $f
	Warning: Unknown configuration field "c8y.smartrest.unknown" from toml file $f
	Warning: Unknown configuration field "flows" from toml file $f
	EOF
'

test_expect_success 'unknown keys: one warning each on stderr, thin-edge'\''s words; the value still printed' '
	tedge-config --config-dir unk get c8y.url >out 2>err &&
	echo ok.example.com >expect &&
	test_cmp expect out &&
	test_cmp unk.expect err
'

test_expect_success 'unknown keys: list does not show them as keys, --all neither' '
	tedge-config --config-dir unk list >out 2>err &&
	test_cmp unk.expect err &&
	test_grep "^c8y.url=ok.example.com$" out &&
	test_grep ! -e ulr -e unknown -e flows out &&
	tedge-config --config-dir unk list --all >out 2>/dev/null &&
	test_grep ! -e ulr -e unknown -e flows out &&
	tedge-config --config-dir unk list --doc >out 2>/dev/null &&
	test_grep ! -e ulr -e "smartrest.unknown" -e "^ *flows" out
'

test_expect_success 'unknown keys: a write warns once too, and keeps them' '
	tedge-config --config-dir unk set device.type gw 2>err &&
	test_cmp unk.expect err &&
	test_grep "^ulr = \"typo.example.com\"$" unk/tedge.toml &&
	test_grep "^heap_size = 16777216$" unk/tedge.toml &&
	tedge-config --config-dir unk unset device.type 2>err &&
	test_cmp unk.expect err
'

test_expect_success 'unknown keys: every program that reads the file tells, once' '
	tedge-bridge-gen --config-dir unk local >out 2>err &&
	test_cmp unk.expect err &&
	test_expect_code 1 tedge-cert --config-dir unk show >out 2>err &&
	head -n 3 err >err.head &&
	test_cmp unk.expect err.head &&
	sed 1,3d err >err.tail &&
	test_grep ! "^Warning: Unknown" err.tail
'

test_expect_success 'TEDGE_QUIET_UNKNOWN_KEYS set and non-empty: no warning; empty: warnings' '
	TEDGE_QUIET_UNKNOWN_KEYS=1 tedge-config --config-dir unk get c8y.url >out 2>err &&
	test_must_be_empty err &&
	TEDGE_QUIET_UNKNOWN_KEYS=1 TEDGE_C8Y_UNKNOWN_CONFIGURATION=x \
		tedge-bridge-gen --config-dir unk local >out 2>err &&
	test_must_be_empty err &&
	TEDGE_QUIET_UNKNOWN_KEYS= tedge-config --config-dir unk get c8y.url >out 2>err &&
	test_cmp unk.expect err
'

test_expect_success 'an unknown TEDGE_ variable comes after the file, in the same words' '
	TEDGE_C8Y_UNKNOWN_CONFIGURATION=1 tedge-config --config-dir unk get c8y.url >out 2>err &&
	cp unk.expect expect &&
	echo "Warning: Unknown configuration field \"c8y_unknown_configuration\" from environment variable TEDGE_C8Y_UNKNOWN_CONFIGURATION" >>expect &&
	test_cmp expect err
'

test_expect_success 'a file of known keys only: no warning' '
	mkdir -p known &&
	tedge-config --config-dir known set c8y.url k.example.com &&
	tedge-config --config-dir known set c8y.smartrest.templates a,b &&
	tedge-config --config-dir known get c8y.url >out 2>err &&
	test_must_be_empty err
'

test_done
