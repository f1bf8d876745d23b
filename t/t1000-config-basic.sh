#!/bin/sh
test_description='tedge-config: get, set, unset, list and their messages'
. ./lib.sh

test_expect_success 'set then get prints the bare value' '
	tedge-config set c8y.url example.cumulocity.com &&
	echo example.cumulocity.com >expect &&
	tedge-config get c8y.url >actual &&
	test_cmp expect actual
'

test_expect_success 'the file is thin-edge v2 TOML' '
	cat >expect <<-\EOT &&
	[c8y]
	url = "example.cumulocity.com"

	[config]
	version = "2"
	EOT
	test_cmp expect "$TEDGE_CONFIG_DIR/tedge.toml" &&
	test_mode 644 "$TEDGE_CONFIG_DIR/tedge.toml"
'

test_expect_success 'the tedge dispatcher runs tedge-config' '
	tedge config get c8y.url >actual &&
	echo example.cumulocity.com >expect &&
	test_cmp expect actual
'

test_expect_success 'get of an unset key: empty stdout, message, exit 1' '
	test_expect_code 1 tedge-config get az.url >out 2>err &&
	test_must_be_empty out &&
	echo "The provided config key: '\''az.url'\'' is not set" >expect &&
	test_cmp expect err
'

test_expect_success 'unset returns a key to its default' '
	tedge-config set mqtt.bind.port 8880 &&
	echo 8880 >expect &&
	tedge-config get mqtt.bind.port >actual &&
	test_cmp expect actual &&
	tedge-config unset mqtt.bind.port &&
	echo 1883 >expect &&
	tedge-config get mqtt.bind.port >actual &&
	test_cmp expect actual
'

test_expect_success 'unset of a key that is not set succeeds' '
	tedge-config unset aws.url &&
	tedge-config unset aws.url
'

test_expect_success 'unset of the last key of a table removes the table' '
	tedge-config unset c8y.url &&
	test_grep ! "c8y" "$TEDGE_CONFIG_DIR/tedge.toml"
'

test_expect_success 'a derived default follows its key' '
	tedge-config set mqtt.bind.port 1999 &&
	echo 1999 >expect &&
	tedge-config get mqtt.client.port >actual &&
	test_cmp expect actual &&
	tedge-config unset mqtt.bind.port
'

test_expect_success 'c8y.http and c8y.mqtt print host:port' '
	tedge-config set c8y.url t1.example.com &&
	tedge-config get c8y.http >actual &&
	tedge-config get c8y.mqtt >>actual &&
	printf "%s\n" t1.example.com:443 t1.example.com:8883 >expect &&
	test_cmp expect actual &&
	tedge-config set c8y.mqtt mqtt.example.com &&
	echo mqtt.example.com:8883 >expect &&
	tedge-config get c8y.mqtt >actual &&
	test_cmp expect actual &&
	tedge-config set c8y.mqtt mqtt.example.com:1234 &&
	echo mqtt.example.com:1234 >expect &&
	tedge-config get c8y.mqtt >actual &&
	test_cmp expect actual
'

test_expect_success 'unknown key: the reference message, exit 2, no file change' '
	cp "$TEDGE_CONFIG_DIR/tedge.toml" before &&
	test_expect_code 2 tedge-config set does.not.exist 1 2>err &&
	cat >expect <<-\EOT &&
	error: invalid value '\''does.not.exist'\'' for '\''<KEY>'\'': Unknown tedge config key: '\''does.not.exist'\''

	For more information, try '\''--help'\''.
	EOT
	test_cmp expect err &&
	test_expect_code 2 tedge-config get does.not.exist &&
	test_expect_code 2 tedge-config unset does.not.exist &&
	test_cmp before "$TEDGE_CONFIG_DIR/tedge.toml"
'

test_expect_success 'missing arguments and unknown commands are usage errors' '
	test_expect_code 2 tedge-config &&
	test_expect_code 2 tedge-config get &&
	test_expect_code 2 tedge-config set c8y.url &&
	test_expect_code 2 tedge-config set c8y.url a b &&
	test_expect_code 2 tedge-config frobnicate &&
	test_expect_code 2 tedge-config --no-such-option list &&
	test_expect_code 2 tedge-config get --all c8y.url
'

test_expect_success '--help goes to stdout and exits 0; --version' '
	tedge-config --help >out &&
	test_grep "^usage: tedge-config" out &&
	test_grep "Exit status" out &&
	tedge-config --version >out &&
	test_grep "^tedge-config [0-9]" out
'

test_expect_success 'bad value: thin-edge error chain, exit 1, file unchanged' '
	cp "$TEDGE_CONFIG_DIR/tedge.toml" before &&
	test_expect_code 1 tedge-config set mqtt.bind.port abc 2>err &&
	cat >expect <<-\EOT &&
	Error: failed to set the configuration key: '\''mqtt.bind.port'\'' with value: abc.

	Caused by:
	    0: Failed to parse input
	    1: invalid digit found in string
	EOT
	test_cmp expect err &&
	test_cmp before "$TEDGE_CONFIG_DIR/tedge.toml"
'

test_expect_success 'a bad url gets the two-line reference message' '
	test_expect_code 1 tedge-config set c8y.url https://x.com 2>err &&
	cat >expect <<-\EOT &&
	Error: failed to set the configuration key: '\''c8y.url'\'' with value: https://x.com.

	Caused by:
	    0: Failed to parse input
	    1: Could not parse provided URL: '\''https://x.com'\'' as a valid domain name.
	                Provided URL should contain only domain, eg: '\''subdomain.cumulocity.com'\''.
	EOT
	test_cmp expect err
'

test_expect_success 'old spellings are accepted with a warning' '
	tedge-config set mqtt.port 1777 2>err &&
	test_grep "The key '\''mqtt.port'\'' is deprecated. Use '\''mqtt.bind.port'\'' instead." err &&
	tedge-config get mqtt.bind.port >actual &&
	echo 1777 >expect &&
	test_cmp expect actual &&
	tedge-config get device.key.path >actual 2>err &&
	test_grep "deprecated" err &&
	test_expect_code 1 tedge-config get azure.url 2>err &&
	test_grep "Use '\''az.url'\''" err &&
	tedge-config unset mqtt.bind.port
'

test_expect_success 'list prints key=value for every key with a value' '
	tedge-config list >out &&
	test_grep "^c8y.url=t1.example.com$" out &&
	test_grep "^device.type=thin-edge.io$" out &&
	test_grep "^c8y.smartrest.templates=\[\]$" out &&
	test_grep "^c8y.root_cert_path=/etc/ssl/certs$" out &&
	test_grep "^mqtt.client.port=1883$" out &&
	test_grep "^http.bind.address=127.0.0.1$" out &&
	test_grep "^firmware.child.update.timeout=1h$" out &&
	test_grep "^c8y.bridge.include.local_cleansession=auto$" out &&
	test_grep "^az.topics=\[\"te/+/+/+/+/m/+\", \"te/+/+/+/+/e/+\", \"te/+/+/+/+/a/+\", \"te/+/+/+/+/status/health\"\]$" out &&
	test_grep "^device.key_path=$TEDGE_CONFIG_DIR/device-certs/tedge-private-key.pem$" out &&
	test_grep ! "^az.url=" out &&
	test_grep ! "^device.id=" out
'

test_expect_success 'list --all adds the keys without value after an empty line' '
	tedge-config list --all >out &&
	sed -n "/^\$/,\$p" out >tail &&
	test_grep "^az.url=$" tail &&
	test_grep "^device.id=$" tail &&
	test_grep ! "^c8y.url=" tail
'

test_expect_success 'list FILTER keeps the keys containing it' '
	tedge-config list url >out &&
	echo c8y.url=t1.example.com >expect &&
	test_cmp expect out &&
	tedge-config list --all url >out &&
	printf "%s\n" c8y.url=t1.example.com "" az.url= aws.url= >expect &&
	test_cmp expect out
'

test_expect_success JSON_C 'list --json: one object, the values get prints, lists as arrays' '
	tedge-config set c8y.smartrest.templates "t1,t2" &&
	tedge-config set device.csr_path "/q\"b\\\\s/é" &&
	tedge-config list --json >out &&
	test_json out "d[\"device.csr_path\"] == \"/q\\\"b\\\\\\\\s/\\u00e9\"" &&
	tedge-config unset device.csr_path &&
	test_json out "d[\"c8y.url\"] == \"t1.example.com\" and d[\"mqtt.client.port\"] == \"1883\"" &&
	test_json out "d[\"c8y.smartrest.templates\"] == [\"t1\", \"t2\"] and \"az.url\" not in d" &&
	test_json out "len(d[\"az.topics\"]) == 4 and \"device.id\" not in d" &&
	tedge-config list >lines &&
	test "$(grep -c = lines)" = "$(python3 -c "import json,sys; print(len(json.load(sys.stdin)))" <out)" &&
	tedge-config list --json --all url >out &&
	test_json out "d == {\"c8y.url\": \"t1.example.com\", \"az.url\": None, \"aws.url\": None}" &&
	tedge-config unset c8y.smartrest.templates
'

test_expect_success JSON_C 'list --json: a failure is an object too; --doc does not go with it' '
	cp "$TEDGE_CONFIG_DIR/tedge.toml" saved.toml &&
	printf "[c8y\n" >"$TEDGE_CONFIG_DIR/tedge.toml" &&
	test_expect_code 1 tedge-config list --json >out 2>err &&
	cp saved.toml "$TEDGE_CONFIG_DIR/tedge.toml" &&
	test_json out "d[\"error\"] == \"failed to list the configuration keys and values\"" &&
	test_json out "d[\"causes\"][0].startswith(\"TOML parse error in \")" &&
	test_grep "^Error: failed to list the configuration keys and values" err &&
	test_expect_code 2 tedge-config list --json --doc 2>err &&
	test_grep "do not go together" err
'

test_expect_success !JSON_C 'list --json, static tedge: refused, it has no json-c' '
	test_expect_code 1 tedge-config list --json >out 2>err &&
	test_must_be_empty out &&
	test_grep "^Error: --json is not in this build: it needs json-c" err
'

test_expect_success 'list --doc: aligned keys, descriptions, examples' '
	tedge-config list --doc c8y.url >out &&
	cat >expect <<-\EOT &&
	c8y.url  Endpoint URL of Cumulocity tenant. 
	         Example: your-tenant.cumulocity.com

	EOT
	test_cmp expect out &&
	tedge-config list --doc >out &&
	test $(grep -c "^ *[a-z0-9_.]*  [A-Z]" out) -ge 50 &&
	test_grep "Examples: true, false, auto" out
'

test_expect_success 'add and remove on a list sort and deduplicate' '
	tedge-config add az.topics azure1,azure2 &&
	echo "[\"azure1\", \"azure2\", \"te/+/+/+/+/a/+\", \"te/+/+/+/+/e/+\", \"te/+/+/+/+/m/+\", \"te/+/+/+/+/status/health\"]" >expect &&
	tedge-config get az.topics >actual &&
	test_cmp expect actual &&
	tedge-config add az.topics azure1 &&
	tedge-config get az.topics >actual &&
	test_cmp expect actual &&
	tedge-config remove az.topics azure1,te/+/+/+/+/a/+,absent &&
	echo "[\"azure2\", \"te/+/+/+/+/e/+\", \"te/+/+/+/+/m/+\", \"te/+/+/+/+/status/health\"]" >expect &&
	tedge-config get az.topics >actual &&
	test_cmp expect actual
'

# c8y.topics, not c8y.smartrest.templates: a template id cannot hold a blank.
test_expect_success 'set of a list splits on commas without trimming' '
	tedge-config set c8y.topics "a, b,,c" &&
	echo "[\"a\", \" b\", \"c\"]" >expect &&
	tedge-config get c8y.topics >actual &&
	test_cmp expect actual &&
	tedge-config set c8y.topics "" &&
	echo "[]" >expect &&
	tedge-config get c8y.topics >actual &&
	test_cmp expect actual
'

test_expect_success 'add on a scalar sets; remove unsets only a matching value' '
	tedge-config add device.type gateway &&
	echo gateway >expect &&
	tedge-config get device.type >actual &&
	test_cmp expect actual &&
	tedge-config remove device.type other &&
	tedge-config get device.type >actual &&
	test_cmp expect actual &&
	tedge-config remove device.type gateway &&
	echo thin-edge.io >expect &&
	tedge-config get device.type >actual &&
	test_cmp expect actual
'

test_expect_success 'relative paths are made absolute against the working directory' '
	mkdir -p sub &&
	(cd sub && tedge-config set device.csr_path ./x/../my.csr) &&
	echo "$TRASH_DIRECTORY/sub/my.csr" >expect &&
	tedge-config get device.csr_path >actual &&
	test_cmp expect actual
'

test_expect_success 'stdout errors are reported (no silent loss on a full disk)' '
	test_expect_code 1 tedge-config get c8y.url >/dev/full 2>err &&
	test_grep "failed to write to standard output" err
'

test_expect_success 'subcommands: an unknown one, and an option that is list'\''s alone' '
	test_expect_code 2 tedge-config frobnicate 2>err &&
	test_grep "unrecognized subcommand '\''frobnicate'\''" err &&
	test_expect_code 2 tedge-config get --all c8y.url 2>err &&
	test_grep "'\''--all'\'' does not go with '\''get'\'': only with list" err &&
	test_expect_code 2 tedge-config --doc set c8y.url x 2>err &&
	test_grep "'\''--doc'\'' does not go with '\''set'\'': only with list" err
'

test_done
