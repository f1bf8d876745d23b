#!/bin/sh
# Test bodies are strings eval'd by lib.sh, which also reads test_description:
# shellcheck disable=SC1091,SC2016,SC2034
test_description='tedge-bridge-gen: a real mosquitto takes every file

A local mosquitto loads <config-dir>/mosquitto-conf (include_dir, as
tedge init sets it up) and must listen where tedge-mosquitto.conf says. For
the bridges, a second mosquitto on 127.0.0.1 plays the cloud: TLS with
client certificates from a test CA, plus a plain listener for the test
clients. The bridge must connect with the device certificate, report
itself up on its health topic, and carry messages both ways with the
topic mapping of the file.

Both brokers run with "user root": started as root, mosquitto otherwise
drops to the mosquitto user, which cannot read the test keys (mode 0600).'
. ./lib.sh

MOSQ=/usr/sbin/mosquitto
test -x "$MOSQ" || MOSQ=$(command -v mosquitto)
if ! test_have_prereq MOSQUITTO,MOSQ_CLIENTS,OPENSSL; then
	skip_all="needs mosquitto, mosquitto_sub, mosquitto_pub and openssl"
	test_done
fi

pki="$TRASH_DIRECTORY/my pki"	# a blank inside the paths on purpose
mqconf="$TEDGE_CONFIG_DIR/mosquitto-conf"

log_has () {	# log_has FILE FIXED-STRING
	grep -F -e "$2" "$1" >/dev/null 2>&1
}

# start_cloud: the stand-in cloud on $RP (TLS, client certificate required)
# and $RS (plain, for the test's own clients), logging to cloud.log.
start_cloud () {
	cat >cloud.conf <<-EOF &&
	user root
	per_listener_settings true
	log_dest file $TRASH_DIRECTORY/cloud.log
	log_type all
	listener $RP 127.0.0.1
	cafile $pki/ca.pem
	certfile $pki/server.pem
	keyfile $pki/server.key
	require_certificate true
	allow_anonymous true
	listener $RS 127.0.0.1
	allow_anonymous true
	EOF
	rm -f cloud.log &&
	test_bg "$MOSQ" -c cloud.conf &&
	test_wait_for 10 'log_has cloud.log "Opening ipv4 listen socket on port $RS"'
}

# start_local: mosquitto with the generated directory, as tedge init sets
# it up; waits until it accepts an MQTT connection on $LP.
start_local () {
	cat >local.conf <<-EOF &&
	user root
	log_dest file $TRASH_DIRECTORY/local.log
	log_type all
	include_dir $mqconf
	EOF
	rm -f local.log &&
	# what mosquitto says before its log file is open goes to local.out
	{ "$MOSQ" -c local.conf >local.out 2>&1 & } &&
	test_bg_pid $! &&
	test_wait_for 10 'log_has local.log "Opening ipv4 listen socket on port $LP"' &&
	test_wait_for 10 'mosquitto_pub -h 127.0.0.1 -p "$LP" -t probe -m x 2>/dev/null'
}

# bridge_up CLOUD: mosquitto connected the bridge to the stand-in with the
# device certificate, and says so on the health topic.
bridge_up () {
	up_cloud=$1 &&	# the conditions are eval'd where $1 is something else
	test_wait_for 10 'log_has local.log "Connecting bridge (step 1) edge_to_$up_cloud (127.0.0.1:$RP)"' &&
	test_wait_for 10 'log_has cloud.log " as my-device "' &&
	test_wait_for 10 'test "$(mosquitto_sub -h 127.0.0.1 -p "$LP" -C 1 -W 2 \
		-t "te/device/main/service/mosquitto-$up_cloud-bridge/status/health" 2>/dev/null)" = 1'
}

# crosses SUB-PORT SUB-LOG SUB-TOPIC PUB-PORT PUB-TOPIC: a message published
# on PUB-TOPIC comes out on SUB-TOPIC, once the subscription is in place.
crosses () {
	rm -f got &&
	{ mosquitto_sub -h 127.0.0.1 -p "$1" -i t3001-sub -t "$3" -C 1 -W 10 >got 2>&1 & } &&
	test_bg_pid $! &&
	want_log=$2 want_line=" t3001-sub 0 $3" &&
	test_wait_for 10 'log_has "$want_log" "$want_line"' &&
	mosquitto_pub -h 127.0.0.1 -p "$4" -t "$5" -q 1 -m "through $5" &&
	test_wait_for 10 'test -s got' &&
	echo "through $5" >expect.msg &&
	test_cmp expect.msg got
}

test_expect_success 'setup: a test CA, a server and a device certificate, ports' '
	test_pki "$pki" device my-device &&
	RP=$(tedge-test free-port) && RS=$(tedge-test free-port) &&
	LP=$(tedge-test free-port) && XP=$(tedge-test free-port) &&
	test "$RP" != "$RS" && test "$LP" != "$XP" &&
	tedge-config set device.cert_path "$pki/device.pem" &&
	tedge-config set device.key_path "$pki/device.key" &&
	tedge-config set mqtt.bind.port "$LP" &&
	tedge-bridge-gen --write local
'

test_expect_success 'local: mosquitto listens where tedge-mosquitto.conf says' '
	start_local &&
	log_has local.out "Loading config file $mqconf/tedge-mosquitto.conf" &&
	test_grep ! "Error" local.out &&
	test_grep ! "Error" local.log
'

test_expect_success 'c8y (bridge_cafile): connected, healthy, messages both ways' '
	tedge-config set c8y.url 127.0.0.1 &&
	tedge-config set c8y.mqtt "127.0.0.1:$RP" &&
	tedge-config set c8y.root_cert_path "$pki/ca.pem" &&
	tedge-config set c8y.smartrest.templates t3001-tmpl &&
	tedge-bridge-gen --write c8y &&
	test_grep "^bridge_cafile $pki/ca.pem$" "$mqconf/c8y-bridge.conf" &&
	test_when_finished "rm -f \"$mqconf/c8y-bridge.conf\"" &&
	start_cloud &&
	start_local &&
	bridge_up c8y &&
	crosses "$RS" cloud.log s/us "$LP" c8y/s/us &&
	crosses "$RS" cloud.log s/uc/t3001-tmpl "$LP" c8y/s/uc/t3001-tmpl &&
	crosses "$LP" local.log c8y/s/ds "$RS" s/ds &&
	crosses "$LP" local.log c8y/s/dc/t3001-tmpl "$RS" s/dc/t3001-tmpl
'

test_expect_success 'az (bridge_capath): connected, healthy, messages both ways' '
	tedge-config set az.url 127.0.0.1 &&
	tedge-config set az.root_cert_path "$pki/cadir" &&
	tedge-bridge-gen --write az &&
	test_grep "^bridge_capath $pki/cadir$" "$mqconf/az-bridge.conf" &&
	test_when_finished "rm -f \"$mqconf/az-bridge.conf\"" &&
	sed "s/:8883$/:$RP/" "$mqconf/az-bridge.conf" >az.conf &&
	mv az.conf "$mqconf/az-bridge.conf" &&
	start_cloud &&
	start_local &&
	bridge_up az &&
	crosses "$RS" cloud.log devices/my-device/messages/events/m1 "$LP" az/messages/events/m1 &&
	crosses "$LP" local.log "az/twin/res/200/?\$rid=1" "$RS" "\$iothub/twin/res/200/?\$rid=1"
'

test_expect_success 'aws: connected, healthy, and the test-connection echo comes back' '
	tedge-config set aws.url 127.0.0.1 &&
	tedge-config set aws.root_cert_path "$pki/cadir" &&
	tedge-bridge-gen --write aws &&
	test_when_finished "rm -f \"$mqconf/aws-bridge.conf\"" &&
	sed "s/:8883$/:$RP/" "$mqconf/aws-bridge.conf" >aws.conf &&
	mv aws.conf "$mqconf/aws-bridge.conf" &&
	start_cloud &&
	start_local &&
	bridge_up aws &&
	crosses "$RS" cloud.log thinedge/my-device/td/x "$LP" aws/td/x &&
	crosses "$LP" local.log aws/shadow/update "$RS" "\$aws/things/my-device/shadow/update" &&
	crosses "$LP" local.log aws/connection-success "$LP" aws/test-connection
'

test_expect_success 'all four files at once: mosquitto loads them and tries every bridge' '
	for cloud in c8y az aws; do
		tedge-bridge-gen --write "$cloud" &&
		sed "s/:8883$/:$RP/" "$mqconf/$cloud-bridge.conf" >b.conf &&
		mv b.conf "$mqconf/$cloud-bridge.conf" || return 1
	done &&
	test_when_finished "rm -f \"$mqconf\"/*-bridge.conf" &&
	start_cloud &&
	start_local &&
	for cloud in c8y az aws; do
		log_has local.out "Loading config file $mqconf/$cloud-bridge.conf" &&
		test_wait_for 10 "log_has local.log \"Connecting bridge (step 1) edge_to_$cloud (127.0.0.1:$RP)\"" ||
		return 1
	done
'

test_expect_success 'local: a TLS external listener takes the device certificate only' '
	tedge-config set mqtt.external.bind.port "$XP" &&
	tedge-config set mqtt.external.bind.address 127.0.0.1 &&
	tedge-config set mqtt.external.ca_path "$pki/cadir" &&
	tedge-config set mqtt.external.cert_file "$pki/server.pem" &&
	tedge-config set mqtt.external.key_file "$pki/server.key" &&
	test_when_finished "tedge-bridge-gen --write local" &&
	test_when_finished "tedge-config unset mqtt.external.bind.port" &&
	tedge-bridge-gen --write local &&
	start_local &&
	test_wait_for 10 "log_has local.log \"Opening ipv4 listen socket on port $XP\"" &&
	mosquitto_pub -h 127.0.0.1 -p "$XP" -t ext -m tls --cafile "$pki/ca.pem" \
		--cert "$pki/device.pem" --key "$pki/device.key" &&
	test_must_fail mosquitto_pub -h 127.0.0.1 -p "$XP" -t ext -m anon \
		--cafile "$pki/ca.pem" 2>err &&
	test_must_fail mosquitto_pub -h 127.0.0.1 -p "$XP" -t ext -m plain 2>err
'

test_expect_success 'local: the same with a CA file (cafile) instead of a directory' '
	tedge-config set mqtt.external.bind.port "$XP" &&
	tedge-config set mqtt.external.ca_path "$pki/ca.pem" &&
	test_when_finished "tedge-config set mqtt.external.ca_path \"$pki/cadir\"" &&
	test_when_finished "tedge-bridge-gen --write local" &&
	test_when_finished "tedge-config unset mqtt.external.bind.port" &&
	tedge-bridge-gen --write local &&
	test_grep "^cafile $pki/ca.pem$" "$mqconf/tedge-mosquitto.conf" &&
	start_local &&
	test_wait_for 10 "log_has local.log \"Opening ipv4 listen socket on port $XP\"" &&
	mosquitto_pub -h 127.0.0.1 -p "$XP" -t ext -m tls --cafile "$pki/ca.pem" \
		--cert "$pki/device.pem" --key "$pki/device.key" &&
	test_must_fail mosquitto_pub -h 127.0.0.1 -p "$XP" -t ext -m anon \
		--cafile "$pki/ca.pem" 2>err
'

test_expect_success ROOT 'local: bind_interface on the loopback interface' '
	tedge-config set mqtt.external.bind.port "$XP" &&
	tedge-config set mqtt.external.bind.interface lo &&
	test_when_finished "tedge-bridge-gen --write local" &&
	test_when_finished "tedge-config unset mqtt.external.bind.port" &&
	test_when_finished "tedge-config unset mqtt.external.bind.interface" &&
	tedge-bridge-gen --write local &&
	test_grep "^bind_interface lo$" "$mqconf/tedge-mosquitto.conf" &&
	start_local &&
	test_wait_for 10 "log_has local.log \"Opening ipv4 listen socket on port $XP\"" &&
	mosquitto_pub -h 127.0.0.1 -p "$XP" -t ext -m tls --cafile "$pki/ca.pem" \
		--cert "$pki/device.pem" --key "$pki/device.key"
'

test_done
