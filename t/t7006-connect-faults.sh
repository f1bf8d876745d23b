#!/bin/sh
test_description='faults: a full disk, a read-only configuration, a cloud that goes away

Writes on a file system with no space left (a small tmpfs, in a mount
namespace of the test'\''s own) fail with the reason and leave the old file
and no temporary file behind: tedge.toml, a bridge file, a key. A read-only
configuration directory stops tedge connect before anything leaves the
device. A connected device whose cloud goes away fails --test, and passes it
again once the cloud is back: the bridge recovers by itself.'
. ./lib.sh
. "$TEST_DIRECTORY/lib-c8y.sh"
. "$TEST_DIRECTORY/lib-flow.sh"

if ! test_have_prereq RUNIT,UNSHARE_PID,OPENSSL,MOSQUITTO; then
	skip_all="needs runit, root (mount and PID namespaces), openssl and mosquitto: missing $test_missing_prereq_"
	test_done
fi

# in_full_fs SCRIPT: runs SCRIPT (sh, set -e) in a mount namespace where
# ./full is a 256 KiB tmpfs that holds a configuration directory (c8y.url
# set, a certificate made) and then is filled up. The tmpfs goes with the
# namespace.
in_full_fs () {
	mkdir -p full &&
	printf '%s\n' 'set -eu' \
		'mount -t tmpfs -o size=256k tmpfs full' \
		'tedge-config --config-dir full set c8y.url example.com' \
		'tedge-config --config-dir full set c8y.root_cert_path /etc/ssl/certs' \
		'tedge cert --config-dir full create --device-id full-device >/dev/null' \
		'cp full/tedge.toml before.toml' \
		'dd if=/dev/zero of=full/filler bs=4096 2>/dev/null || :' \
		"$1" >scenario.sh &&
	unshare --mount --propagation private sh scenario.sh
}

# no_temp DIR: nothing hidden left in DIR.
no_temp='test -z "$(ls -A full full/device-certs | grep "^\.")"'

test_expect_success 'disk full: tedge config set fails, tedge.toml as it was' '
	in_full_fs "
		! tedge-config --config-dir full set device.type after 2>err
		grep -q \"No space left on device\" err
		cmp before.toml full/tedge.toml
		$no_temp
		rm full/filler
		tedge-config --config-dir full set device.type after
		grep -q after full/tedge.toml
	"
'

test_expect_success 'disk full: the bridge file is not written, nothing left behind' '
	in_full_fs "
		! tedge-bridge-gen --config-dir full c8y --write 2>err
		grep -q \"File Error. Check permissions for\" err
		grep -q \"No space left on device\" err
		test ! -e full/mosquitto-conf/c8y-bridge.conf
		test -z \"\$(ls -A full/mosquitto-conf)\"
		$no_temp
	"
'

test_expect_success 'disk full: no key without its certificate, and the rerun works' '
	in_full_fs "
		rm full/device-certs/*
		dd if=/dev/zero of=full/filler2 bs=4096 2>/dev/null || :
		! tedge cert --config-dir full create --device-id again 2>err
		grep -q \"No space left on device\" err
		test -z \"\$(ls -A full/device-certs)\"
		$no_temp
		rm full/filler full/filler2
		tedge cert --config-dir full create --device-id again >/dev/null
		test -s full/device-certs/tedge-private-key.pem
		test -s full/device-certs/tedge-certificate.pem
	"
'

test_expect_success 'read-only configuration directory: config set says why, thin-edge'\''s words' '
	in_full_fs "
		rm full/filler
		mount -o remount,ro full
		! tedge-config --config-dir full set device.type ro 2>err
		grep -q \"failed to persist temporary file: Read-only file system (os error 30)\" err
		cmp before.toml full/tedge.toml
	"
'

standin_start || BUG "the Cumulocity stand-in did not start"
flow_start_runit || BUG "runsvdir did not start"

test_expect_success 'setup: a device with its certificate uploaded' '
	flow_device &&
	tedge cert create --device-id faulty-device &&
	C8Y_PASSWORD=$C8Y_STANDIN_SECRET tedge cert upload c8y --user user
'

test_expect_success 'read-only configuration directory: connect stops before registering' '
	printf "%s\n" "set -eu" \
		"mount --bind \"\$1\" \"\$1\"" \
		"mount -o remount,bind,ro \"\$1\"" \
		"exec tedge connect c8y" >ro.sh &&
	test_expect_code 1 unshare --mount --propagation private sh ro.sh "$TEDGE_CONFIG_DIR" >out 2>err &&
	test_grep "Read-only file system" err &&
	! grep "Creating the device" out &&
	test_path_is_missing "$TEDGE_CONFIG_DIR/mosquitto-conf/c8y-bridge.conf" &&
	test_path_is_missing "$C8Y_STANDIN_DIR/devices"
'

# The stand-in's broker and responder (its 2nd and 3rd PIDs), stopped and
# started again on the same ports.
standin_mqtt_stop () {
	standin_broker_=$(sed -n 2p "$C8Y_STANDIN_DIR/pids") &&
	standin_responder_=$(sed -n 3p "$C8Y_STANDIN_DIR/pids") &&
	kill "$standin_broker_" "$standin_responder_" &&
	test_wait_for 5 "! kill -0 $standin_broker_ 2>/dev/null && ! kill -0 $standin_responder_ 2>/dev/null"
}
standin_mqtt_start () {
	: >"$C8Y_STANDIN_DIR/mosquitto.log" &&
	{ mosquitto -c "$C8Y_STANDIN_DIR/mosquitto.conf" >/dev/null 2>&1 & } &&
	test_bg_pid $! &&
	test_wait_for 10 "grep -q running \"$C8Y_STANDIN_DIR/mosquitto.log\"" &&
	rm -f "$C8Y_STANDIN_DIR/responder.ready" &&
	{ "$TEDGE_ROOT/standin/c8y-responder" -p "$C8Y_STANDIN_INTERNAL_PORT" \
		-d "$C8Y_STANDIN_DIR" -i localhost >>"$C8Y_STANDIN_DIR/responder.out" 2>&1 & } &&
	test_bg_pid $! &&
	test_wait_for 10 "test -e \"$C8Y_STANDIN_DIR/responder.ready\""
}

test_expect_success 'connected; the cloud goes away: --test fails, within its bound' '
	tedge connect c8y >out 2>err &&
	test_grep "^Connection check is successful.$" out &&
	standin_mqtt_stop &&
	test_expect_code 1 tedge connect c8y --test --timeout 2 >out 2>&1 &&
	test_grep "Connection check to Cumulocity cloud failed." out
'

test_expect_success 'the cloud comes back: the bridge recovers by itself, --test passes' '
	standin_mqtt_start &&
	test_wait_for 60 "tedge connect c8y --test --timeout 2 >out 2>&1" &&
	test_grep "Connection check to c8y cloud is successful." out &&
	tedge disconnect c8y >/dev/null
'

test_done
