#!/bin/sh
test_description='tedge connect as root on a shared device: links, ownership, umask, kills

The attacks of issue 11, each on a real device (a real mosquitto under a
private runit, the Cumulocity stand-in): a link that the broker'\''s user left
in mosquitto-conf/ or device-certs/, a key swapped for a link or a hard link,
a certificate whose CN the bridge cannot hold, umask 077, and tedge connect
killed (SIGKILL, SIGTERM, SIGINT) at each of its steps, then run again.'
. ./lib.sh
. "$TEST_DIRECTORY/lib-c8y.sh"
. "$TEST_DIRECTORY/lib-flow.sh"

if ! test_have_prereq RUNIT,UNSHARE_PID,OPENSSL,MOSQUITTO; then
	skip_all="needs runit, root (PID namespace), openssl and mosquitto: missing $test_missing_prereq_"
	test_done
fi
if ! id mosquitto >/dev/null 2>&1; then
	skip_all="needs the mosquitto user (Debian's package makes it)"
	test_done
fi
standin_start || BUG "the Cumulocity stand-in did not start"
flow_start_runit || BUG "runsvdir did not start"

C=$TEDGE_CONFIG_DIR
M=$C/mosquitto-conf

test_expect_success 'setup: a device whose directories belong to the broker, as thin-edge leaves them' '
	flow_device &&
	tedge cert create --device-id hard-device &&
	C8Y_PASSWORD=$C8Y_STANDIN_SECRET tedge cert upload c8y --user user &&
	chown mosquitto "$M" "$C/device-certs" &&
	chmod 0775 "$M" "$C/device-certs" &&
	echo "root secret" >victim &&
	chmod 0600 victim &&
	flow_define tedge-mapper-c8y "exec sleep 100000"
'

# as_broker CMD...: the broker'\''s user does it.
as_broker () {
	setpriv --reuid=mosquitto --regid="$(id -g mosquitto)" --clear-groups "$@"
}

test_expect_success 'a link the broker left for tedge-mosquitto.conf: refused, its target untouched' '
	as_broker ln -sf "$TRASH_DIRECTORY/victim" "$M/tedge-mosquitto.conf" &&
	test_expect_code 1 tedge-bridge-gen local --write 2>err &&
	test_grep "refusing to follow the symbolic link $M/tedge-mosquitto.conf" err &&
	echo "root secret" >expect &&
	test_cmp expect victim &&
	test -L "$M/tedge-mosquitto.conf"
'

test_expect_success 'a dangling link for c8y-bridge.conf: refused, nothing created' '
	as_broker ln -sf "$TRASH_DIRECTORY/made-by-root" "$M/c8y-bridge.conf" &&
	test_expect_code 1 tedge-bridge-gen c8y --write 2>err &&
	test_grep "refusing to follow" err &&
	test_path_is_missing made-by-root &&
	rm -f "$M/c8y-bridge.conf" "$M/tedge-mosquitto.conf"
'

test_expect_success 'tedge connect with such a link: refused before the device is registered' '
	as_broker ln -sf "$TRASH_DIRECTORY/victim" "$M/tedge-mosquitto.conf" &&
	test_expect_code 1 tedge connect c8y >out 2>err &&
	test_grep "refusing to follow the symbolic link" err &&
	! grep "Creating the device" out &&
	echo "root secret" >expect &&
	test_cmp expect victim &&
	rm -f "$M/tedge-mosquitto.conf"
'

test_expect_success 'a link root made in a directory only root writes is still followed' '
	mkdir -p rootdir real &&
	ln -s "$TRASH_DIRECTORY/real/out.conf" rootdir/out.conf &&
	tedge-bridge-gen local --output rootdir/out.conf &&
	test -L rootdir/out.conf &&
	test_grep "^listener $FLOW_PORT" real/out.conf
'

test_expect_success 'a root-owned link in a directory others may write: refused' '
	mkdir -p shared &&
	chmod 0777 shared &&
	ln -s "$TRASH_DIRECTORY/victim" shared/out.conf &&
	test_expect_code 1 tedge-bridge-gen local --output shared/out.conf 2>err &&
	test_grep "refusing to follow" err &&
	echo "root secret" >expect &&
	test_cmp expect victim
'

test_expect_success 'writing the bridge gives the certificate and key to the broker'\''s user' '
	chown root:root "$C/device-certs/tedge-private-key.pem" "$C/device-certs/tedge-certificate.pem" &&
	tedge-bridge-gen c8y --write &&
	echo "mosquitto mosquitto" >expect &&
	stat -c "%U %U" "$C/device-certs/tedge-private-key.pem" >actual &&
	test_cmp expect actual &&
	stat -c "%U %U" "$C/device-certs/tedge-certificate.pem" >actual &&
	test_cmp expect actual &&
	tedge-bridge-gen --remove c8y
'

test_expect_success 'a key swapped for a link to a root file: refused, the file not given away' '
	mv "$C/device-certs/tedge-private-key.pem" key.saved &&
	as_broker ln -s "$TRASH_DIRECTORY/victim" "$C/device-certs/tedge-private-key.pem" &&
	test_expect_code 1 tedge-bridge-gen c8y --write 2>err &&
	test_grep "mosquitto could not read .c8y.device.key_path." err &&
	test_grep "refusing to follow" err &&
	echo "root" >expect &&
	stat -c %U victim >actual &&
	test_cmp expect actual &&
	test_path_is_missing "$M/c8y-bridge.conf"
'

test_expect_success 'a key swapped for a hard link to a root file: refused, not given away' '
	rm -f "$C/device-certs/tedge-private-key.pem" &&
	ln victim "$C/device-certs/tedge-private-key.pem" &&
	test_expect_code 1 tedge-bridge-gen c8y --write 2>err &&
	test_grep "2 names (hard links)" err &&
	echo "root" >expect &&
	stat -c %U victim >actual &&
	test_cmp expect actual &&
	rm -f "$C/device-certs/tedge-private-key.pem" &&
	mv key.saved "$C/device-certs/tedge-private-key.pem"
'

# The bridge'\''s values are checked with the rest of the configuration, by
# tedge-bridge-gen CLOUD before the first line (until the flow took the
# missing endpoint and device id from it, this check came after
# "Validating the bridge certificates.", printing "Saving configuration
# for requested bridge." and the error under the bridge context).
test_expect_success 'a CN the bridge cannot hold: refused before anything is done' '
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-subj "/CN=Red Device #7/O=Thin Edge/OU=Device" -days 30 \
		-keyout red.key -out red.pem 2>/dev/null &&
	test_expect_code 1 env TEDGE_DEVICE_CERT_PATH="$TRASH_DIRECTORY/red.pem" \
		TEDGE_DEVICE_KEY_PATH="$TRASH_DIRECTORY/red.key" tedge connect c8y >out 2>err &&
	test_must_be_empty out &&
	test_grep "^Error: failed to execute \`tedge connect\`.$" err &&
	test_grep "invalid value for .c8y.device.id.: \"Red Device #7\"" err &&
	test_path_is_missing "$M/c8y-bridge.conf"
'

test_expect_success 'connect, then disconnect: the device as a kill will find it' '
	tedge connect c8y >out 2>err &&
	test_grep "^Connection check is successful.$" out &&
	tedge disconnect c8y >/dev/null
'

# A TEDGE_EXEC_PATH whose programs are the real ones, except that the one
# whose command line matches the pattern KILL_AT ("PROGRAM ARGS") first sends
# KILL_SIG to the flow that runs it. SIGKILL comes just before the step
# (which never runs); another signal while it runs (the flow sees it after).
mkdir -p kill-bin
for p in tedge-config tedge-svc tedge-check tedge-bridge-gen tedge-cert; do
	printf '%s\n' '#!/bin/sh' \
		'case "${0##*/} $*" in ${KILL_AT:-/})' \
		'	kill -s "$KILL_SIG" "$(cat "$FLOW_PID_FILE")"' \
		'	[ "$KILL_SIG" != KILL ] || exit 0 ;;' \
		'esac' \
		"exec \"$TEDGE_ROOT/bin/$p\" \"\$@\"" >"kill-bin/$p"
	chmod +x "kill-bin/$p"
done

# killed_connect SIG "PROGRAM ARGS": tedge connect c8y, sent SIG when it
# runs that step; prints its exit code. killed_disconnect: the same for
# tedge disconnect c8y.
killed_flow () {
	rc=0
	KILL_SIG=$2 KILL_AT=$3 TEDGE_EXEC_PATH="$TRASH_DIRECTORY/kill-bin" \
		FLOW_PID_FILE="$TRASH_DIRECTORY/flow.pid" \
		sh -c 'echo $$ >"$FLOW_PID_FILE" && exec "$0" "$@"' \
		"$TEDGE_ROOT/bin/$1" c8y >out 2>err || rc=$?
	echo "$rc"
}
killed_connect () { killed_flow tedge-connect "$@"; }
killed_disconnect () { killed_flow tedge-disconnect "$@"; }

for step in "tedge-check register c8y" "tedge-bridge-gen c8y --write" \
	"tedge-svc restart mosquitto" "tedge-check broker *" "tedge-svc enable mosquitto" \
	"tedge-check cloud *" "tedge-svc restart tedge-mapper-c8y"; do
	test_expect_success "SIGKILL at \"$step\": a rerun of tedge connect ends connected" '
		test_when_finished "tedge disconnect c8y >/dev/null" &&
		tedge-svc disable mosquitto &&
		echo 137 >expect &&
		killed_connect KILL "$step" >actual &&
		test_cmp expect actual &&
		{
			tedge connect c8y >out 2>err ||
			test_grep "Connection is already established" err
		} &&
		tedge connect c8y --test >out 2>err &&
		tedge-svc is-enabled mosquitto &&
		tedge disconnect c8y >/dev/null
	'
done

test_expect_success 'SIGKILL after the bridge was saved: the rerun says why it configures again' '
	test_when_finished "tedge disconnect c8y >/dev/null" &&
	killed_connect KILL "tedge-svc restart mosquitto" >actual &&
	tedge connect c8y >out 2>err &&
	test_grep "^Info: the bridge is configured but not working" out &&
	test_grep "^Connection check is successful.$" out &&
	tedge disconnect c8y >/dev/null
'

for sig in TERM INT HUP; do
	test_expect_success "SIG$sig" "SIG$sig during the restart: rolled back as a failure is" '
		case $sig in TERM) code=143 ;; INT) code=130 ;; HUP) code=129 ;; esac &&
		echo $code >expect &&
		killed_connect $sig "tedge-svc restart mosquitto" >actual &&
		test_cmp expect actual &&
		test_grep "Interrupted by SIG$sig: the bridge configuration is removed again." err &&
		test_path_is_missing "$M/c8y-bridge.conf" &&
		tedge-check broker --wait 5 &&
		test_expect_code 1 tedge connect c8y --test 2>err &&
		test_grep "Device is not connected" err
	'
done

test_expect_success 'SIGTERM once connected: the bridge stays' '
	echo 143 >expect &&
	killed_connect TERM "tedge-check cloud *" >actual &&
	test_cmp expect actual &&
	test_path_is_file "$M/c8y-bridge.conf" &&
	tedge connect c8y --test >/dev/null &&
	tedge disconnect c8y >/dev/null
'

test_expect_success 'SIGTERM as disconnect removes the bridge: mosquitto still drops it' '
	tedge connect c8y >/dev/null &&
	echo 143 >expect &&
	killed_disconnect TERM "tedge-bridge-gen --remove c8y" >actual &&
	test_cmp expect actual &&
	test_path_is_missing "$M/c8y-bridge.conf" &&
	tedge-check broker --wait 5 &&
	test_expect_code 1 tedge-check cloud c8y --timeout 2 2>err
'

test_expect_success 'umask 077: directories and files still 0755 / 0444 / 0400, and the device connects' '
	rm -rf "$C/device-certs" &&
	echo "# u2" >u2.conf &&
	(
		umask 077 &&
		tedge-config --config-dir u set c8y.url example.com &&
		tedge cert --config-dir u create --device-id u1 &&
		TEDGE_MQTT_BROKER_CONFIG_PATH="$TRASH_DIRECTORY/u2.conf" tedge --config-dir u2 init &&
		tedge cert create --device-id hard-device-2 &&
		C8Y_PASSWORD=$C8Y_STANDIN_SECRET tedge cert upload c8y --user user &&
		tedge connect c8y >out 2>err
	) &&
	printf "%s\n" 755 755 444 400 755 755 755 >expect &&
	stat -c %a u u/device-certs u/device-certs/tedge-certificate.pem \
		u/device-certs/tedge-private-key.pem u2 u2/mosquitto-conf u2/device-certs >actual &&
	test_cmp expect actual &&
	test_grep "^Connection check is successful.$" out &&
	tedge disconnect c8y >/dev/null
'

test_done
