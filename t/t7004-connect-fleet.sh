#!/bin/sh
test_description='tedge connect c8y: a fleet of devices on one machine, all at once

Twenty devices (FLEET_N; four under valgrind), each with its own configuration directory, its own
real mosquitto on its own port and its own runit supervisor (a runsvdir each;
all of them in one PID namespace, sharing one /run as services of one machine
do), set up, connected, used and disconnected at the same time, against one
Cumulocity stand-in. The stand-in gives each device an endpoint of its own
(C8Y_STANDIN_FLEET: its topics its own, as Cumulocity'\''s are, and only its
certificate admitted), so that what arrives can be told apart: every device'\''s
registration and measurement must arrive from that device, none mixed up.'
. ./lib.sh
. "$TEST_DIRECTORY/lib-c8y.sh"
. "$TEST_DIRECTORY/lib-flow.sh"

if ! test_have_prereq RUNIT,UNSHARE_PID,OPENSSL,MOSQUITTO,MOSQ_CLIENTS; then
	skip_all="needs runit, root (PID namespace), openssl, mosquitto and its clients: missing $test_missing_prereq_"
	test_done
fi

# Under valgrind each program runs some 20 times slower: four devices
# show its errors as well as twenty, which would only time out.
if [ -n "$TEST_VALGRIND" ]; then FLEET_N=${FLEET_N:-4}; else FLEET_N=${FLEET_N:-20}; fi
fleet_ids=
n_=1
while [ $n_ -le "$FLEET_N" ]; do
	fleet_ids="$fleet_ids $(printf 'fleet-%02d' $n_)"
	n_=$((n_ + 1))
done
C8Y_STANDIN_FLEET=$fleet_ids
export C8Y_STANDIN_FLEET
standin_start || BUG "the Cumulocity stand-in did not start"
unset C8Y_STANDIN_FLEET

# Each device's runit definition of mosquitto, supervised stopped (as
# tedge-svc leaves a service it starts for the first time): the first scan
# of its runsvdir finds it, and no device waits for a later one.
svdirs=
for id in $fleet_ids; do
	r=$TRASH_DIRECTORY/$id/root
	if ! { mkdir -p "$r/etc/sv/mosquitto" "$r/etc/service" "$TRASH_DIRECTORY/$id/etc/mosquitto" &&
		sed -e "s|@SBINDIR@|${FLOW_MOSQUITTO%/*}|g" -e "s|@SYSCONFDIR@|$TRASH_DIRECTORY/$id/etc|g" \
			"$TEDGE_ROOT/init/runit/mosquitto/run" >"$r/etc/sv/mosquitto/run" &&
		chmod +x "$r/etc/sv/mosquitto/run" &&
		: >"$r/etc/sv/mosquitto/down" &&
		ln -s "$r/etc/sv/mosquitto" "$r/etc/service/mosquitto"; }; then
		BUG "cannot define $id's mosquitto"
	fi
	svdirs="$svdirs $r/etc/service"
done
# shellcheck disable=SC2086 # one word per directory
{ unshare --mount --propagation private --pid --fork --kill-child=SIGKILL \
	sh -c 'mount -t tmpfs tmpfs /run || exit 1
		for d; do runsvdir -P "$d" & done
		wait' sh $svdirs </dev/null >/dev/null 2>&1 & } || BUG "the supervisors did not start"
test_bg_pid $!

# What the devices publish, as the cloud sees it: up/<ID>/s/us.
{ mosquitto_sub -h 127.0.0.1 -p "$C8Y_STANDIN_INTERNAL_PORT" -t 'up/+/s/us' -v \
	>"$TRASH_DIRECTORY/cloud.out" 2>&1 </dev/null & } || BUG "mosquitto_sub did not start"
test_bg_pid $!

# fleet_env ID: the environment of device ID, in the (sub)shell that calls it.
fleet_env () {
	TEDGE_CONFIG_DIR=$TRASH_DIRECTORY/$1/tedge
	TEDGE_SVC_ROOT=$TRASH_DIRECTORY/$1/root
	export TEDGE_CONFIG_DIR TEDGE_SVC_ROOT
}

# fleet_all SECS FUNCTION: FUNCTION ID for every device at once, each in a
# background subshell of its own (output in ID/fleet.log); waits for all,
# at most SECS, then kills what is left (by PID: what they run ends at its
# own bound). Fails when one did not finish, or failed; tells which.
# shellcheck disable=SC3043 # local: lib.sh allows it
fleet_all () {
	local id pids='' n i=0 failed=
	for id in $fleet_ids; do
		rm -f "$TRASH_DIRECTORY/$id/fleet.rc"
		(
			fleet_env "$id"
			"$2" "$id"
			echo $? >"$TRASH_DIRECTORY/$id/fleet.rc"
		) </dev/null >"$TRASH_DIRECTORY/$id/fleet.log" 2>&1 5>&- 7>&- &
		pids="$pids $!"
	done
	while [ "$i" -lt $(($1 * 10)) ]; do
		n=0
		for id in $fleet_ids; do
			[ ! -f "$TRASH_DIRECTORY/$id/fleet.rc" ] || n=$((n + 1))
		done
		[ "$n" -lt "$FLEET_N" ] || break
		sleep 0.1
		i=$((i + 1))
	done
	for p in $pids; do kill "$p" 2>/dev/null; done
	for id in $fleet_ids; do
		if [ ! -f "$TRASH_DIRECTORY/$id/fleet.rc" ]; then
			echo "$id: $2 did not finish within $1 s" >&2
		elif [ "$(cat "$TRASH_DIRECTORY/$id/fleet.rc")" != 0 ]; then
			echo "$id: $2 failed (exit $(cat "$TRASH_DIRECTORY/$id/fleet.rc")):" >&2
		else
			continue
		fi
		sed "s/^/	/" "$TRASH_DIRECTORY/$id/fleet.log" >&2
		failed=t
	done
	[ -z "$failed" ]
}

# The device's port (ID/port) and its endpoint's in the stand-in.
fleet_port () { cat "$TRASH_DIRECTORY/$1/port"; }
fleet_cloud_port () { awk -v id="$1" '$1 == id { print $2 }' "$C8Y_STANDIN_FLEET_FILE"; }

fleet_setup () {
	d=$TRASH_DIRECTORY/$1
	printf '%s\n' "# $1's mosquitto.conf" "log_dest file $d/mosquitto.log" \
		"log_type all" >"$d/etc/mosquitto/mosquitto.conf" &&
	: >"$d/mosquitto.log" && chmod 666 "$d/mosquitto.log" &&
	tedge-config set mqtt.broker.config_path "$d/etc/mosquitto/mosquitto.conf" &&
	tedge-config set mqtt.bind.port "$(fleet_port "$1")" &&
	tedge-config set c8y.url localhost &&
	tedge-config set c8y.http "127.0.0.1:$C8Y_STANDIN_HTTP_PORT" &&
	tedge-config set c8y.mqtt "127.0.0.1:$(fleet_cloud_port "$1")" &&
	tedge-config set c8y.root_cert_path "$C8Y_STANDIN_CA" &&
	tedge cert create --device-id "$1" &&
	C8Y_PASSWORD=$C8Y_STANDIN_SECRET tedge cert upload c8y --user user &&
	tedge init
}

fleet_connect () {
	tedge connect c8y >"$TRASH_DIRECTORY/$1/connect.out" &&
	grep -qx "Connection check is successful." "$TRASH_DIRECTORY/$1/connect.out"
}

# 200,<fragment>,<series>,<value>: the series is the device's id.
fleet_publish () {
	mosquitto_pub -h 127.0.0.1 -p "$(fleet_port "$1")" -q 1 -t c8y/s/us \
		-m "200,c8y_Fleet,$1,${1#fleet-}"
}

fleet_disconnect () {
	tedge disconnect c8y &&
	test_path_is_missing "$TEDGE_CONFIG_DIR/mosquitto-conf/c8y-bridge.conf" &&
	tedge-svc is-active mosquitto
}

test_expect_success "setup: $FLEET_N devices, a port each, certificates uploaded, all at once" '
	ports= &&
	for id in $fleet_ids; do
		p=$(tedge-test free-port) &&
		case " $ports " in *" $p "*) p=$(tedge-test free-port) ;; esac &&
		ports="$ports $p" &&
		echo "$p" >"$TRASH_DIRECTORY/$id/port" || return 1
	done &&
	test $(printf "%s\n" $ports | sort -u | wc -l) = "$FLEET_N" &&
	fleet_all 60 fleet_setup &&
	test $(ls "$C8Y_STANDIN_DIR/trusted" | grep -c "\.[0-9]*$") = "$FLEET_N"
'

test_expect_success 'every device connects, at the same time; each check is answered for it' '
	fleet_all 60 fleet_connect &&
	test $(wc -l <"$C8Y_STANDIN_DIR/devices") = "$FLEET_N" &&
	for id in $fleet_ids; do
		grep -qx "$id,thin-edge.io" "$C8Y_STANDIN_DIR/devices" &&
		grep -qx "remote_clientid $id" "$TRASH_DIRECTORY/$id/tedge/mosquitto-conf/c8y-bridge.conf" &&
		grep -q "^listener $(fleet_port $id) " "$TRASH_DIRECTORY/$id/tedge/mosquitto-conf/tedge-mosquitto.conf" ||
		{ echo "$id: not registered, or its bridge or listener is not its own" >&2; return 1; }
	done
'

test_expect_success 'every registration came from its device' '
	test_wait_for 10 "test \$(grep -c \" 100,\" cloud.out) -ge $FLEET_N" &&
	grep " 100," cloud.out >reg &&
	test_line_count = "$FLEET_N" reg &&
	awk "{ split(\$1, t, \"/\"); split(\$2, p, \",\"); if (t[2] != p[2]) { print \"mixed up: \" \$0; bad = 1 } } END { exit bad }" reg >&2
'

test_expect_success 'every device publishes a measurement, at once; each arrives from that device, once' '
	fleet_all 30 fleet_publish &&
	test_wait_for 15 "test \$(grep -c \" 200,\" cloud.out) -ge $FLEET_N" &&
	sleep 0.5 &&
	grep " 200," cloud.out >meas &&
	test_line_count = "$FLEET_N" meas &&
	for id in $fleet_ids; do
		echo "up/$id/s/us 200,c8y_Fleet,$id,${id#fleet-}" || return 1
	done | sort >expect &&
	sort meas >actual &&
	test_cmp expect actual
'

test_expect_success 'at each endpoint, only its device: client id and certificate identity' '
	for id in $fleet_ids; do
		log=$C8Y_STANDIN_DIR/fleet-$id.log &&
		sed -n "s/.* New client connected from .* as \([^ ]*\) (.*u'\''\([^'\'']*\)'\'').*/\1 \2/p" "$log" >who &&
		grep -qx "$id $id" who &&
		if grep -vx "$id $id" who >other; then
			echo "$id'\''s endpoint saw others:" >&2 && cat other >&2 && return 1
		fi || return 1
	done
'

test_expect_success 'every device disconnects, at the same time; its broker stays up' '
	fleet_all 60 fleet_disconnect
'

test_done
