#!/bin/sh
# Test bodies are strings eval'd by lib.sh, which also reads test_description:
# shellcheck disable=SC1091,SC2016,SC2034
test_description='tedge-bridge-gen: no value can inject a mosquitto directive

Every key that reaches a mosquitto file gets a corpus of bad values, put
into tedge.toml by hand (TOML escapes, past tedge-config set) or into a
TEDGE_* variable: newline, carriage return, tab, other control characters,
noncharacters mosquitto refuses, "#", blanks, over-long values, non-UTF-8
bytes, and what is wrong for the key (host, port, interface, template id).
Each must fail with exit 1, an Error: naming the key, nothing on stdout,
and the file written before by --write unchanged, with no temporary file
left beside it. Some are refused by the configuration layer already, the
rest (noncharacters, port 0, template ids, interface names, certificate
CNs, paths with blanks at the end) only by tedge-bridge-gen itself.'
. ./lib.sh

mqconf="$TEDGE_CONFIG_DIR/mosquitto-conf"
golden="$TEST_DIRECTORY/t3000"
long=$(printf "%05000d" 0 | tr 0 a)

file_of () {
	case $1 in local) echo tedge-mosquitto.conf ;; *) echo "$1-bridge.conf" ;; esac
}

# unchanged CLOUD: the file written by setup is as it was, alone in its
# directory (no temporary file left over).
unchanged () {
	test_cmp "good/$(file_of "$1")" "$mqconf/$(file_of "$1")" &&
	ls -A "$mqconf" >dir.now &&
	test_cmp dir.good dir.now
}

# refused CLOUD KEY [ENV...]: bridge-gen --write CLOUD fails cleanly,
# names KEY, and changes nothing.
refused () {
	refused_cloud=$1 refused_key=$2 &&
	shift 2 &&
	test_expect_code 1 env "$@" tedge-bridge-gen --write "$refused_cloud" >out 2>err &&
	test_must_be_empty out &&
	test_grep "^Error: " err &&
	test_grep -F "$refused_key" err &&
	unchanged "$refused_cloud" &&
	# and without --write: nothing on stdout either
	test_expect_code 1 env "$@" tedge-bridge-gen "$refused_cloud" >out 2>/dev/null &&
	test_must_be_empty out
}

# in_toml CLOUD KEY TOML-VALUE: KEY = TOML-VALUE written into tedge.toml
# over the good configuration is refused.
in_toml () {
	grep -v "^$2 = " good.toml >"$TEDGE_CONFIG_DIR/tedge.toml" &&
	printf '%s = %s\n' "$2" "$3" >>"$TEDGE_CONFIG_DIR/tedge.toml" &&
	refused "$1" "$2" &&
	cp good.toml "$TEDGE_CONFIG_DIR/tedge.toml"
}

# in_env CLOUD KEY VALUE: TEDGE_<KEY>=VALUE is refused.
in_env () {
	refused "$1" "$2" "TEDGE_$(echo "$2" | tr 'a-z.' 'A-Z_')=$3"
}

# corpus FILE CLOUD KEY: every TOML value in FILE (one a line) is refused.
corpus () {
	while IFS= read -r v; do
		in_toml "$2" "$3" "$v" || { echo "not refused: $3 = $v" >&2; return 1; }
	done <"$1"
}

test_expect_success 'setup: a good configuration and its four files' '
	mkdir -p "$TEDGE_CONFIG_DIR/device-certs" roots &&
	cp "$golden/my-device.pem" "$TEDGE_CONFIG_DIR/device-certs/tedge-certificate.pem" &&
	cp "$golden/my-device.pem" roots/root.pem &&
	ln -s root.pem roots/b4849f97.0 &&
	cat >good.toml <<-EOF &&
	c8y.url = "example.cumulocity.com"
	c8y.root_cert_path = "$TRASH_DIRECTORY/roots"
	c8y.smartrest.templates = ["t1"]
	c8y.bridge.include.local_cleansession = "False"
	az.url = "myaz.azure-devices.net"
	az.root_cert_path = "$TRASH_DIRECTORY/roots/root.pem"
	aws.url = "abc-ats.iot.eu-central-1.amazonaws.com"
	aws.root_cert_path = "$TRASH_DIRECTORY/roots"
	mqtt.external.bind.port = 8883
	mqtt.external.ca_path = "$TRASH_DIRECTORY/roots"
	mqtt.external.cert_file = "$TRASH_DIRECTORY/roots/root.pem"
	mqtt.external.key_file = "$TRASH_DIRECTORY/roots/root.key"
	EOF
	cp good.toml "$TEDGE_CONFIG_DIR/tedge.toml" &&
	mkdir good &&
	for cloud in c8y az aws local; do
		tedge-bridge-gen --write "$cloud" &&
		cp "$mqconf/$(file_of "$cloud")" good/ || return 1
	done &&
	ls -A "$mqconf" >dir.good &&
	test_line_count = 4 dir.good
'

# The classes of bad text, as TOML strings: for every key.
test_expect_success 'setup: the corpus' '
	cat >text.bad <<-EOF &&
	"bad\\nconnection evil"
	"bad\\rvalue"
	"bad\\tvalue"
	"bad\\u0001value"
	"bad\\u007fvalue"
	"bad\\u0085value"
	"bad\\uFFFEvalue"
	"bad\\uFFFFvalue"
	"bad\\uFDD0value"
	"$long"
	""
	EOF
	cat text.bad - >host.bad <<-\EOF &&
	"#evil"
	"exa#mple.com"
	"exa mple.com"
	" example.com"
	"example.com "
	"example.com\naddress evil.com:8883"
	"-example.com"
	"example..com"
	".example.com"
	"example.com/x"
	"1.2.3.400"
	"[::1"
	"ex\u00e4mple.com"
	EOF
	cat host.bad - >hostport.bad <<-\EOF &&
	"example.com:0"
	"example.com:65536"
	"example.com:88x3"
	"example.com:"
	"example.com:8883 evil.com:8883"
	"example.com:8883#"
	EOF
	cat text.bad - >path.bad <<-EOF &&
	"$TRASH_DIRECTORY/roots "
	"$TRASH_DIRECTORY/roots\\t"
	"$TRASH_DIRECTORY/roots\\nbridge_insecure true"
	"$TRASH_DIRECTORY/$long"
	EOF
	# an empty list is a good one
	grep -v "^\"\"\$" text.bad | cat - >template.bad <<-\EOF &&
	"a b"
	"a#"
	"#"
	"+"
	"a/b"
	"\"a\""
	["ok", "a b"]
	["a\nb"]
	["ok", "\uFFFF"]
	EOF
	cat >duration.bad <<-\EOF &&
	"65536"
	"1 parsec"
	"60s\n"
	-1
	"1d"
	EOF
	cat text.bad - >iface.bad <<-EOF
	"wl an0"
	"eth0#"
	"eth0/1"
	"eth:0"
	"abcdefghijklmnop"
	"."
	".."
	"eth\\u00e40"
	EOF
'

test_expect_success 'c8y.url (the endpoint when c8y.mqtt is unset)' '
	corpus host.bad c8y c8y.url
'

test_expect_success 'c8y.mqtt' '
	corpus hostport.bad c8y c8y.mqtt
'

test_expect_success 'az.url' '
	corpus host.bad az az.url
'

test_expect_success 'aws.url' '
	corpus host.bad aws aws.url
'

test_expect_success 'c8y.root_cert_path, az.root_cert_path, aws.root_cert_path' '
	corpus path.bad c8y c8y.root_cert_path &&
	corpus path.bad az az.root_cert_path &&
	corpus path.bad aws aws.root_cert_path
'

test_expect_success 'a root certificate path that does not exist' '
	in_toml c8y c8y.root_cert_path "\"$TRASH_DIRECTORY/nowhere\"" &&
	test_grep "No such file or directory (os error 2)" err
'

test_expect_success 'device.cert_path and device.key_path, for every cloud' '
	for cloud in c8y az aws; do
		corpus path.bad "$cloud" device.key_path &&
		# a bad certificate path also loses the device id: refused either way
		corpus path.bad "$cloud" device.cert_path || return 1
	done
'

test_expect_success 'c8y.smartrest.templates: one topic level each' '
	corpus template.bad c8y c8y.smartrest.templates
'

test_expect_success 'keepalive intervals: mosquitto takes 0 to 65535 seconds' '
	corpus duration.bad c8y c8y.bridge.keepalive_interval &&
	corpus duration.bad az az.bridge.keepalive_interval &&
	corpus duration.bad aws aws.bridge.keepalive_interval &&
	test_grep "at most 65535 seconds, not 86400" err
'

test_expect_success 'c8y.bridge.include.local_cleansession: only true, false or auto' '
	in_toml c8y c8y.bridge.include.local_cleansession "\"yes\"" &&
	in_toml c8y c8y.bridge.include.local_cleansession "\"true\\nfalse\""
'

test_expect_success 'mqtt.bind.port, mqtt.external.bind.port' '
	for v in 0 65536 -1 "\"1883 \"" "\"18#83\"" "\"1883\\n\""; do
		in_toml local mqtt.bind.port "$v" &&
		in_toml local mqtt.external.bind.port "$v" || return 1
	done
'

test_expect_success 'mqtt.bind.address, mqtt.external.bind.address' '
	for v in "\"localhost\"" "\"1.2.3.4 #\"" "\"1.2.3.4\\nlistener 1 0.0.0.0\"" \
		"\"::1 \"" "\"0.0.0.0/0\""; do
		in_toml local mqtt.bind.address "$v" &&
		in_toml local mqtt.external.bind.address "$v" || return 1
	done
'

test_expect_success 'mqtt.external.bind.interface' '
	corpus iface.bad local mqtt.external.bind.interface
'

test_expect_success 'mqtt.external.ca_path, cert_file, key_file' '
	corpus path.bad local mqtt.external.ca_path &&
	corpus path.bad local mqtt.external.cert_file &&
	corpus path.bad local mqtt.external.key_file
'

test_expect_success 'mqtt.external: a CA path that does not exist, a certificate without key' '
	in_toml local mqtt.external.ca_path "\"$TRASH_DIRECTORY/nowhere\"" &&
	grep -v "^mqtt.external.key_file" good.toml >"$TEDGE_CONFIG_DIR/tedge.toml" &&
	refused local mqtt.external.key_file &&
	cp good.toml "$TEDGE_CONFIG_DIR/tedge.toml"
'

test_expect_success 'mqtt.bind.enabled must be a boolean' '
	in_toml local mqtt.bind.enabled "\"yes\"" &&
	in_toml local mqtt.bind.enabled "\"true\\n\""
'

test_expect_success 'the same through TEDGE_* variables, raw bytes included' '
	nl=$(printf "a\nb") && cr=$(printf "a\rb") && ff=$(printf "a\377b") &&
	nonchar=$(printf "a\357\277\277b") &&
	for v in "$nl" "$cr" "$ff" "$nonchar" "a b" "a#b" "$long"; do
		in_env c8y c8y.url "$v" &&
		in_env c8y c8y.mqtt "$v" &&
		in_env az az.url "$v" &&
		in_env aws aws.url "$v" &&
		in_env c8y c8y.smartrest.templates "$v" &&
		in_env local mqtt.external.bind.interface "$v" &&
		in_env local mqtt.bind.address "$v" || return 1
	done &&
	for v in "$nl" "$cr" "$ff" "$nonchar" "/x " "/$long"; do
		in_env c8y c8y.root_cert_path "$v" &&
		in_env az device.cert_path "$v" &&
		in_env aws device.key_path "$v" &&
		in_env local mqtt.external.cert_file "$v" || return 1
	done
'

test_expect_success 'a non-UTF-8 byte in tedge.toml itself: the file and line are named' '
	cp good.toml "$TEDGE_CONFIG_DIR/tedge.toml" &&
	printf "c8y.mqtt = \"a\\377\"\n" >>"$TEDGE_CONFIG_DIR/tedge.toml" &&
	test_expect_code 1 tedge-bridge-gen --write c8y >out 2>err &&
	test_grep "line 13: invalid UTF-8" err &&
	test_grep -F "$TEDGE_CONFIG_DIR/tedge.toml" err &&
	unchanged c8y &&
	cp good.toml "$TEDGE_CONFIG_DIR/tedge.toml"
'

test_expect_success 'a stored device.id, while there is no certificate' '
	mv "$TEDGE_CONFIG_DIR/device-certs/tedge-certificate.pem" cert.saved &&
	test_when_finished "mv cert.saved \"$TEDGE_CONFIG_DIR/device-certs/tedge-certificate.pem\"" &&
	for v in "\"my device\"" "\"dev#1\"" "\"dev\\nconnection evil\"" "\"dev/1\"" \
		"\"dev+\"" "\"$long\"" "\"\"" "\"d\\u00e4v\""; do
		in_toml aws device.id "$v" &&
		in_toml az device.id "$v" || return 1
	done
'

test_expect_success OPENSSL 'the CN of the certificate: the device id rules apply' '
	test_when_finished "cp \"$golden/my-device.pem\" \"$TEDGE_CONFIG_DIR/device-certs/tedge-certificate.pem\"" &&
	# (openssl -subj wants "\/" and "\+"; it refuses CNs over 64 characters)
	for cn in "my device" "dev#1" "dev\/1" "dev\+" "$(printf "dev\nconnection evil")"; do
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout /dev/null -out "$TEDGE_CONFIG_DIR/device-certs/tedge-certificate.pem" \
			-days 1 -subj "/CN=$cn" 2>/dev/null &&
		refused c8y device.id &&
		refused aws device.id || return 1
	done
'

test_expect_success 'a configuration directory with a newline: the derived paths are refused' '
	dir=$(printf "%s/conf\nbridge_insecure true" "$TRASH_DIRECTORY") &&
	mkdir -p "$dir/device-certs" &&
	cp "$golden/my-device.pem" "$dir/device-certs/tedge-certificate.pem" &&
	cp good.toml "$dir/tedge.toml" &&
	echo "device.id = \"my-device\"" >>"$dir/tedge.toml" &&
	test_expect_code 1 tedge-bridge-gen --config-dir "$dir" --write c8y >out 2>err &&
	test_must_be_empty out &&
	test_grep "device.cert_path" err &&
	test_path_is_missing "$dir/mosquitto-conf"
'

# One check per key (lib/config.c): tedge-config set refuses, when the value
# is set, what tedge-bridge-gen would refuse later, for the same reason.
test_expect_success 'config set refuses what bridge-gen refuses, with its reason' '
	cat >same.cases <<-EOF &&
	c8y|c8y.smartrest.templates|a b|["a b"]
	c8y|c8y.smartrest.templates|a/#|"a/#"
	c8y|c8y.smartrest.templates|ok,+|["ok", "+"]
	c8y|c8y.mqtt|example.com:0|"example.com:0"
	c8y|c8y.url|-example.com|"-example.com"
	c8y|c8y.root_cert_path|$TRASH_DIRECTORY/roots |"$TRASH_DIRECTORY/roots "
	c8y|c8y.bridge.keepalive_interval|1d|"1d"
	az|az.url|-x.azure-devices.net|"-x.azure-devices.net"
	local|mqtt.external.bind.port|0|0
	local|mqtt.external.bind.interface|wl an0|"wl an0"
	local|mqtt.external.cert_file|/x\357\277\277|"/x\\uFFFF"
	EOF
	while IFS="|" read -r cloud key value toml; do
		case $value in *\\*) value=$(printf "$value") ;; esac &&
		cp good.toml "$TEDGE_CONFIG_DIR/tedge.toml" &&
		test_expect_code 1 tedge-config set -- "$key" "$value" 2>err &&
		test_cmp good.toml "$TEDGE_CONFIG_DIR/tedge.toml" &&
		test_grep "^Error: failed to set the configuration key: .$key." err &&
		tail -n 1 err | sed "s/^ *1: //" >reason &&
		test_grep -v "Failed to parse input" reason &&
		in_toml "$cloud" "$key" "$toml" &&
		test_grep -F -f reason err || { echo "not the same: $key $value" >&2; return 1; }
	done <same.cases
'

test_expect_success 'the templates of the issue: a b and a/#, in bridge-gen'\''s words' '
	cp good.toml "$TEDGE_CONFIG_DIR/tedge.toml" &&
	for v in "a b" "a/#"; do
		test_expect_code 1 tedge-config set c8y.smartrest.templates "$v" 2>err &&
		cat >expect <<-EOF &&
		Error: failed to set the configuration key: '\''c8y.smartrest.templates'\'' with value: $v.

		Caused by:
		    0: Failed to parse input
		    1: a template id holds no blank, '\''/'\'', '\''+'\'', '\''#'\'' or '\''"'\'': it is one level of an MQTT topic
		EOF
		test_cmp expect err || return 1
	done &&
	test_cmp good.toml "$TEDGE_CONFIG_DIR/tedge.toml"
'

test_expect_success 'after all that, the good configuration still gives the good files' '
	cp good.toml "$TEDGE_CONFIG_DIR/tedge.toml" &&
	for cloud in c8y az aws local; do
		tedge-bridge-gen "$cloud" >out &&
		test_cmp "good/$(file_of "$cloud")" out || return 1
	done
'

test_done
