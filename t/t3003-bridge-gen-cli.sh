#!/bin/sh
# Test bodies are strings eval'd by lib.sh, which also reads test_description:
# shellcheck disable=SC1091,SC2016,SC2034
test_description='tedge-bridge-gen: command line, --write, --output, messages

Usage errors exit 2; --write and --output replace files atomically with mode
0644 whatever the umask; the seed'\''s error texts come out exactly, alone or
under a composing script'\''s TEDGE_ERROR_CONTEXT.'
. ./lib.sh

golden="$TEST_DIRECTORY/t3000"
mqconf="$TEDGE_CONFIG_DIR/mosquitto-conf"

# as_user CMD...: CMD as an unprivileged user (nobody when we are root), so
# that file modes are enforced.
as_user () {
	if test "$(id -u)" = 0; then
		setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
	else
		"$@"
	fi
}
test_lazy_prereq AS_USER '
	test "$(id -u)" != 0 ||
	setpriv --reuid=65534 --regid=65534 --clear-groups -- ls "$TRASH_DIRECTORY" >/dev/null
'

usage_fails () {	# usage_fails PATTERN ARGS...: exit 2, PATTERN on stderr
	usage_pattern=$1 &&
	shift &&
	test_expect_code 2 tedge-bridge-gen "$@" >out 2>err &&
	test_must_be_empty out &&
	test_grep -e "$usage_pattern" err &&
	test_grep "For more information, try '--help'" err
}

test_expect_success '--help: usage on stdout with the exit codes, exit 0' '
	tedge-bridge-gen --help >out 2>err &&
	test_must_be_empty err &&
	test_grep "^usage: tedge-bridge-gen \[--config-dir DIR\] \[--check\] \[--write | --output FILE\] CLOUD$" out &&
	test_grep "^Exit status: 0 success; 1 failure; 2 usage error.$" out &&
	tedge-bridge-gen -h >out2 &&
	test_cmp out out2
'

test_expect_success '--version' '
	tedge-bridge-gen --version >out &&
	test_grep "^tedge-bridge-gen [0-9][0-9.]*$" out
'

test_expect_success 'usage errors exit 2 and touch nothing' '
	usage_fails "a cloud is required" &&
	usage_fails "invalid value '\''azure'\'' for '\''<CLOUD>'\''" azure &&
	usage_fails "unexpected argument '\''az'\''" c8y az &&
	usage_fails "cannot be used together" --write --output x c8y &&
	usage_fails "non-empty file name" --output "" c8y &&
	usage_fails "non-empty directory" --config-dir "" c8y &&
	usage_fails "unrecognized option" --frobnicate c8y &&
	usage_fails "requires an argument" c8y --output &&
	test_path_is_missing "$TEDGE_CONFIG_DIR" &&
	test_path_is_missing x
'

test_expect_success '--path and --describe: the file and the display name, no tedge.toml read' '
	mkdir -p plain &&
	echo "c8y = [" >plain/tedge.toml &&
	tedge-bridge-gen --config-dir plain --path c8y >out 2>err &&
	test_must_be_empty err &&
	echo "$PWD/plain/mosquitto-conf/c8y-bridge.conf" >expect &&
	test_cmp expect out &&
	for c in c8y:Cumulocity az:Azure aws:Aws; do
		tedge-bridge-gen --config-dir plain --describe ${c%%:*} >out 2>err &&
		test_must_be_empty err &&
		printf "%s\n" "${c#*:}" "$PWD/plain/mosquitto-conf/${c%%:*}-bridge.conf" >expect &&
		test_cmp expect out || return 1
	done &&
	usage_fails "^error: invalid value '\''local'\'' for '\''<CLOUD>'\'': c8y, az or aws$" --describe local &&
	usage_fails "^error: invalid value '\''-x'\'' for '\''<CLOUD>'\'': c8y, az or aws$" --describe -- -x &&
	usage_fails "^error: --describe goes alone$" --describe --path c8y &&
	usage_fails "^error: --include goes alone$" --include --describe
'

test_expect_success 'missing endpoint: the seed'\''s words, alone and under a context' '
	test_expect_code 1 tedge-bridge-gen c8y >out 2>err &&
	test_must_be_empty out &&
	cat >expect <<-\EOF &&
	Error: Required configuration item is not provided '\''c8y.url'\'', run '\''tedge config set c8y.url <value>'\'' to add it to config.
	EOF
	test_cmp expect err &&
	TEDGE_ERROR_CONTEXT="failed to execute \`tedge connect\`." \
		test_expect_code 1 tedge-bridge-gen c8y 2>err &&
	cat >expect <<-\EOF &&
	Error: failed to execute `tedge connect`.

	Caused by:
	    Required configuration item is not provided '\''c8y.url'\'', run '\''tedge config set c8y.url <value>'\'' to add it to config.
	EOF
	test_cmp expect err &&
	test_expect_code 1 tedge-bridge-gen az 2>err &&
	test_grep "not provided '\''az.url'\'', run '\''tedge config set az.url <value>'\''" err &&
	test_expect_code 1 tedge-bridge-gen aws 2>err &&
	test_grep "not provided '\''aws.url'\'', run '\''tedge config set aws.url <value>'\''" err
'

# tedge connect checks its configuration with tedge-bridge-gen CLOUD: a
# missing device id, or one that cannot be read, is said in connect's
# words, which were the flow's own until the flow asked this program (they
# were "Config value device.id, cannot be read: ..." under "failed to
# generate the bridge configuration for c8y" before).
test_expect_success 'no certificate and no device.id: says to create one, as tedge connect does' '
	tedge-config set c8y.url example.cumulocity.com &&
	test_expect_code 1 tedge-bridge-gen c8y >out 2>err &&
	test_must_be_empty out &&
	cat >expect <<-\EOF &&
	Error: No certificate has been attached to that device, so it has no device id.
	    Run `tedge cert create --device-id <id>` to make one.
	EOF
	test_cmp expect err &&
	TEDGE_ERROR_CONTEXT="failed to execute \`tedge connect\`." \
		test_expect_code 1 tedge-bridge-gen c8y 2>err &&
	cat >expect <<-\EOF &&
	Error: failed to execute `tedge connect`.

	Caused by:
	    No certificate has been attached to that device, so it has no device id.
	        Run `tedge cert create --device-id <id>` to make one.
	EOF
	test_cmp expect err
'

test_expect_success 'a certificate that is not PEM: the derivation fails, in tedge config get'\''s words' '
	mkdir -p "$TEDGE_CONFIG_DIR/device-certs" &&
	echo garbage >"$TEDGE_CONFIG_DIR/device-certs/tedge-certificate.pem" &&
	test_expect_code 1 tedge-bridge-gen c8y >out 2>err &&
	test_must_be_empty out &&
	cat >expect <<-EOF &&
	Error: failed to get the configuration value for key: '\''c8y.device.id'\''

	Caused by:
	    0: Derivation for \`c8y.device.id\` failed
	    1: $TEDGE_CONFIG_DIR/device-certs/tedge-certificate.pem: no PEM certificate found
	EOF
	test_cmp expect err &&
	cp "$golden/my-device.pem" "$TEDGE_CONFIG_DIR/device-certs/tedge-certificate.pem"
'

test_expect_success 'malformed tedge.toml: the file and line, exit 1' '
	cp "$TEDGE_CONFIG_DIR/tedge.toml" good.toml &&
	echo "c8y = [" >>"$TEDGE_CONFIG_DIR/tedge.toml" &&
	test_expect_code 1 tedge-bridge-gen local >out 2>err &&
	test_must_be_empty out &&
	test_grep "^Error: failed to generate the local broker configuration$" err &&
	test_grep "TOML parse error in $TEDGE_CONFIG_DIR/tedge.toml" err &&
	test_grep "line [0-9]" err &&
	cp good.toml "$TEDGE_CONFIG_DIR/tedge.toml"
'

test_expect_success 'success prints the file on stdout and nothing on stderr' '
	tedge-bridge-gen c8y >c8y.out 2>err &&
	test_must_be_empty err &&
	test_grep "^remote_clientid my-device$" c8y.out &&
	tedge-bridge-gen local >local.out 2>err &&
	test_must_be_empty err &&
	test_cmp "$golden/local-default.conf" local.out
'

test_expect_success JSON_C '--check --json: one object, nothing else on stdout; a refusal with its chain' '
	tedge-bridge-gen --check --json c8y >out 2>err &&
	test_must_be_empty err &&
	test_json out "d == {\"cloud\": \"c8y\", \"profile\": None, \"ok\": True}" &&
	TEDGE_ERROR_CONTEXT="failed to execute \`tedge connect\`." TEDGE_C8Y_URL= \
		test_expect_code 1 tedge-bridge-gen --check --json c8y >out 2>err &&
	test_grep "^Error: failed to execute .tedge connect.\.$" err &&
	test_json out "d[\"ok\"] is False and d[\"error\"] == \"failed to execute \`tedge connect\`.\"" &&
	test_json out "len(d[\"causes\"]) == 1 and d[\"causes\"][0].startswith(\"Required configuration item is not provided \x27c8y.url\x27\")" &&
	test_expect_code 2 tedge-bridge-gen --json c8y 2>err &&
	test_grep "^error: --json goes with --check alone$" err &&
	test_expect_code 2 tedge-bridge-gen --check --json --write c8y 2>err &&
	test_path_is_missing "$TEDGE_CONFIG_DIR/mosquitto-conf/c8y-bridge.conf"
'

test_expect_success '--write: the directory is made, the files are 0644 whatever the umask' '
	(umask 077 && tedge-bridge-gen --write c8y && tedge-bridge-gen -w local) >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	test_mode 755 "$mqconf" &&
	test_mode 644 "$mqconf/c8y-bridge.conf" &&
	test_mode 644 "$mqconf/tedge-mosquitto.conf" &&
	test_cmp c8y.out "$mqconf/c8y-bridge.conf" &&
	test_cmp local.out "$mqconf/tedge-mosquitto.conf" &&
	ls -A "$mqconf" >ls.out &&
	printf "%s\n" c8y-bridge.conf tedge-mosquitto.conf >expect &&
	test_cmp expect ls.out
'

test_expect_success '--write replaces what was there; az and aws get their names' '
	echo old >"$mqconf/c8y-bridge.conf" &&
	chmod 600 "$mqconf/c8y-bridge.conf" &&
	tedge-bridge-gen --write c8y &&
	test_cmp c8y.out "$mqconf/c8y-bridge.conf" &&
	test_mode 644 "$mqconf/c8y-bridge.conf" &&
	tedge-config set az.url myaz.azure-devices.net &&
	tedge-config set aws.url abc-ats.iot.eu-central-1.amazonaws.com &&
	tedge-bridge-gen --write az &&
	tedge-bridge-gen --write aws &&
	test_path_is_file "$mqconf/az-bridge.conf" &&
	test_path_is_file "$mqconf/aws-bridge.conf" &&
	test_mode 644 "$mqconf/aws-bridge.conf"
'

test_expect_success '--give-back UID:GID: certificate and key to that owner; usage' '
	certs="$TEDGE_CONFIG_DIR/device-certs" &&
	printf "%s\n" "-----BEGIN PRIVATE KEY-----" >"$certs/tedge-private-key.pem" &&
	test_when_finished "rm -f \"$certs/tedge-private-key.pem\"; chown 0:0 \"$certs/tedge-certificate.pem\"" &&
	tedge-bridge-gen --give-back 65534:65534 c8y >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	echo 65534:65534 >expect &&
	stat -c %u:%g "$certs/tedge-certificate.pem" >actual &&
	test_cmp expect actual &&
	stat -c %u:%g "$certs/tedge-private-key.pem" >actual &&
	test_cmp expect actual &&
	for bad in "" 1 :1 1: 1:2:3 a:b 99999999999:0; do
		test_expect_code 2 tedge-bridge-gen --give-back "$bad" c8y 2>err &&
		test_grep "invalid value .$bad. for .--give-back <UID:GID>." err || return 1
	done &&
	test_expect_code 2 tedge-bridge-gen --give-back 0:0 local 2>err &&
	test_grep "give-back goes alone, with a cloud" err &&
	test_expect_code 2 tedge-bridge-gen --give-back 0:0 --write c8y 2>err &&
	test_grep "give-back goes alone, with a cloud" err
'

test_expect_success '--config-dir wins over TEDGE_CONFIG_DIR' '
	mkdir -p other &&
	tedge-bridge-gen --config-dir "$TRASH_DIRECTORY/other" --write local &&
	test_cmp "$golden/local-default.conf" other/mosquitto-conf/tedge-mosquitto.conf &&
	tedge --config-dir "$TRASH_DIRECTORY/other" bridge-gen local >out &&
	test_cmp "$golden/local-default.conf" out &&
	test_expect_code 1 tedge-bridge-gen --config-dir "$TRASH_DIRECTORY/other" c8y 2>err &&
	test_grep "not provided '\''c8y.url'\''" err
'

test_expect_success '--output FILE: that file instead, atomically, 0644' '
	(umask 077 && tedge-bridge-gen --output out.conf c8y) >out &&
	test_must_be_empty out &&
	test_cmp c8y.out out.conf &&
	test_mode 644 out.conf &&
	tedge-bridge-gen -o "$TRASH_DIRECTORY/out.conf" local &&
	test_cmp local.out out.conf &&
	ls -A >ls.out &&
	test_grep ! "^\.out\.conf\." ls.out
'

test_expect_success '--output into a directory that does not exist' '
	test_expect_code 1 tedge-bridge-gen --output nowhere/x.conf c8y >out 2>err &&
	test_must_be_empty out &&
	test_grep "^Error: File Error. Check permissions for nowhere/x.conf.$" err &&
	test_grep "No such file or directory (os error 2)" err
'

test_expect_success 'mqtt.bind.enabled false: --write leaves tedge-mosquitto.conf alone' '
	echo "# mine" >"$mqconf/tedge-mosquitto.conf" &&
	tedge-config set mqtt.bind.enabled false &&
	tedge-bridge-gen --write local >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	echo "# mine" >expect &&
	test_cmp expect "$mqconf/tedge-mosquitto.conf" &&
	TEDGE_DEBUG=1 tedge-bridge-gen --output none.conf local 2>err &&
	test_path_is_missing none.conf &&
	test_grep "^Debug: mqtt.bind.enabled is false: tedge-mosquitto.conf is not made$" err &&
	tedge-config unset mqtt.bind.enabled &&
	tedge-bridge-gen --write local
'

test_expect_success 'TEDGE_DEBUG says how local_cleansession was decided, on stderr' '
	TEDGE_DEBUG=1 tedge-bridge-gen c8y >out 2>err &&
	test_cmp c8y.out out &&
	test_grep "^Debug: c8y.bridge.include.local_cleansession is auto: " err
'

test_lazy_prereq DEV_FULL 'test -w /dev/full'

test_expect_success DEV_FULL 'a full stdout is a failure' '
	test_expect_code 1 tedge-bridge-gen c8y >/dev/full 2>err &&
	test_grep "^Error: failed to write to standard output$" err
'

test_expect_success AS_USER 'read-only mosquitto-conf: the seed'\''s three-cause chain, nothing changed' '
	test_when_finished "chmod 755 \"$mqconf\"" &&
	cp "$mqconf/tedge-mosquitto.conf" before &&
	chmod 444 "$mqconf" &&
	test_expect_code 1 as_user tedge-bridge-gen --write local >out 2>err &&
	test_must_be_empty out &&
	cat >expect <<-EOF &&
	Error: File Error. Check permissions for $mqconf/tedge-mosquitto.conf.

	Caused by:
	    0: failed to persist temporary file: Permission denied (os error 13)
	    1: Permission denied (os error 13)
	EOF
	test_cmp expect err &&
	TEDGE_ERROR_CONTEXT="failed to create bridge to connect Cumulocity cloud." \
		test_expect_code 1 as_user tedge-bridge-gen --write local 2>err &&
	cat >expect <<-EOF &&
	Error: failed to create bridge to connect Cumulocity cloud.

	Caused by:
	    0: File Error. Check permissions for $mqconf/tedge-mosquitto.conf.
	    1: failed to persist temporary file: Permission denied (os error 13)
	    2: Permission denied (os error 13)
	EOF
	test_cmp expect err &&
	chmod 755 "$mqconf" &&
	test_cmp before "$mqconf/tedge-mosquitto.conf" &&
	ls -A "$mqconf" >ls.out &&
	test_grep ! "^\." ls.out
'

test_expect_success AS_USER 'read-only configuration directory: the directory error' '
	mkdir ro &&
	cp "$TEDGE_CONFIG_DIR/tedge.toml" ro/ &&
	chmod 555 ro &&
	test_when_finished "chmod 755 ro" &&
	test_expect_code 1 as_user tedge-bridge-gen --config-dir "$TRASH_DIRECTORY/ro" --write local 2>err &&
	cat >expect <<-EOF &&
	Error: Directory Error. Check permissions for $TRASH_DIRECTORY/ro/mosquitto-conf.

	Caused by:
	    cannot create directory $TRASH_DIRECTORY/ro/mosquitto-conf: Permission denied (os error 13)
	EOF
	test_cmp expect err &&
	test_path_is_missing ro/mosquitto-conf
'

test_done
