#!/bin/sh
test_description='tedge connect c8y: the seed'\''s errors, rollback, no service manager

Same device as t7000 (real runit, real mosquitto, the stand-in). The
rollback tests inject one failure into the service manager: system.toml
names a shim that fails a verb once, and otherwise hands each verb to
`tedge-svc --manager runit`, the real backend.'
. ./lib.sh
. "$TEST_DIRECTORY/lib-c8y.sh"
. "$TEST_DIRECTORY/lib-flow.sh"

if ! test_have_prereq RUNIT,UNSHARE_PID,OPENSSL,MOSQUITTO; then
	skip_all="needs runit, root (PID namespace), openssl and mosquitto: missing $test_missing_prereq_"
	test_done
fi
standin_start || BUG "the Cumulocity stand-in did not start"
flow_start_runit || BUG "runsvdir did not start"

bridge="$TEDGE_CONFIG_DIR/mosquitto-conf/c8y-bridge.conf"
ctx="Error: failed to create bridge to connect Cumulocity cloud."

test_expect_success 'setup: device, certificate uploaded' '
	flow_device &&
	tedge cert create --device-id err-device &&
	C8Y_PASSWORD=$C8Y_STANDIN_SECRET tedge cert upload c8y --user user
'

test_expect_success 'mosquitto not installed: the seed'\''s error, exit 5, nothing left' '
	mv "$FLOW_ROOT/etc/sv/mosquitto" mosquitto.def &&
	test_when_finished "mv mosquitto.def \"$FLOW_ROOT/etc/sv/mosquitto\"" &&
	test_expect_code 5 tedge connect c8y >out 2>err &&
	printf "%s\n\n" "Checking if runit is available." \
		"Checking if configuration for requested bridge already exists." \
		"Validating the bridge certificates." \
		"Saving configuration for requested bridge." \
		"Restarting mosquitto service." >expect &&
	test_cmp expect out &&
	printf "%s\n" "$ctx" "" "Caused by:" \
		"    Service mosquitto not found. Install mosquitto to use this command." >expect &&
	test_cmp expect err &&
	test_path_is_missing "$bridge"
'

test_lazy_prereq AS_NOBODY '
	command -v setpriv >/dev/null &&
	setpriv --reuid=nobody --regid=nogroup --clear-groups true
'

test_expect_success AS_NOBODY 'a read-only mosquitto-conf: the seed'\''s three causes' '
	key=$(tedge-config get device.key_path) &&
	chmod 444 "$key" &&
	chmod 555 "$TEDGE_CONFIG_DIR/mosquitto-conf" &&
	test_when_finished "chmod 400 \"$key\"; chmod 755 \"$TEDGE_CONFIG_DIR/mosquitto-conf\"" &&
	test_expect_code 1 setpriv --reuid=nobody --regid=nogroup --clear-groups \
		tedge connect c8y >out 2>err &&
	printf "%s\n\n" "Checking if runit is available." \
		"Checking if configuration for requested bridge already exists." \
		"Validating the bridge certificates." \
		"Saving configuration for requested bridge." >expect &&
	test_cmp expect out &&
	printf "%s\n" "$ctx" "" "Caused by:" \
		"    0: File Error. Check permissions for $TEDGE_CONFIG_DIR/mosquitto-conf/tedge-mosquitto.conf." \
		"    1: failed to persist temporary file: Permission denied (os error 13)" \
		"    2: Permission denied (os error 13)" >expect &&
	test_cmp expect err &&
	test_path_is_missing "$bridge"
'

# The shim: a verb fails once when faults/VERB exists; else real runit.
test_expect_success 'setup: the fault-injecting service manager' '
	mkdir -p faults &&
	cat >shim <<-EOF &&
	#!/bin/sh
	if test -e "$TRASH_DIRECTORY/faults/\$1"; then
		rm -f "$TRASH_DIRECTORY/faults/\$1"
		echo "injected fault: \$1 \$2" >&2
		exit 1
	fi
	case \$1 in
	is_available) exit 0 ;;
	is_active) exec tedge-svc --manager runit is-active "\$2" ;;
	*) exec tedge-svc --manager runit "\$1" "\$2" ;;
	esac
	EOF
	chmod +x shim &&
	printf "%s\n" "[init]" "name = \"runit\"" "is_available = [\"$TRASH_DIRECTORY/shim\", \"is_available\"]" >system.toml &&
	for v in restart stop enable disable is_active; do
		echo "$v = [\"$TRASH_DIRECTORY/shim\", \"$v\", \"{}\"]" >>system.toml || return 1
	done &&
	cp system.toml "$TEDGE_CONFIG_DIR/system.toml" &&
	echo runit >expect &&
	tedge-svc detect >actual &&
	test_cmp expect actual
'

test_expect_success 'the restart fails: no bridge file, the broker runs again' '
	: >faults/restart &&
	test_expect_code 1 tedge connect c8y >out 2>err &&
	tail -n 2 out >last &&
	printf "%s\n\n" "Restarting mosquitto service." >expect &&
	test_cmp expect last &&
	test_grep "^$ctx$" err &&
	test_grep "injected fault: restart mosquitto" err &&
	test_path_is_missing "$bridge" &&
	test_path_is_missing faults/restart &&
	tedge-check broker --wait 5 &&
	tedge-svc --manager runit is-active mosquitto
'

test_expect_success 'enabling fails: no bridge file, the broker runs again' '
	: >faults/enable &&
	test_expect_code 1 tedge connect c8y >out 2>err &&
	tail -n 2 out >last &&
	printf "%s\n\n" "Enabling mosquitto service on reboots." >expect &&
	test_cmp expect last &&
	test_grep "injected fault: enable mosquitto" err &&
	test_path_is_missing "$bridge" &&
	tedge-check broker --wait 5
'

test_expect_success 'and the broker really runs without the bridge' '
	test_expect_code 1 tedge-check cloud c8y --timeout 1 2>err &&
	test_must_fail grep -q "edge_to_c8y" "$TEDGE_CONFIG_DIR/mosquitto-conf/"*.conf
'

test_expect_success 'with no fault, the same manager connects' '
	rm -f "$TEDGE_CONFIG_DIR/system.toml" &&
	tedge connect c8y >out &&
	test_grep "^Connection check is successful.$" out &&
	tedge disconnect c8y >/dev/null
'

test_expect_success 'no service manager: the files are written, the user is told, exit 0' '
	mkdir -p bare &&
	TEDGE_SVC_ROOT="$TRASH_DIRECTORY/bare" tedge connect c8y >out 2>err &&
	cat >expect <<-\EOF &&
	Checking if systemd is available.

	Warning: '\''systemd'\'' service manager is not available on the system.

	Checking if configuration for requested bridge already exists.

	Validating the bridge certificates.

	Creating the device in Cumulocity cloud.

	Saving configuration for requested bridge.

	'\''tedge connect'\'' configured the necessary tedge components, but you will have to start the required services on your own.
	Start/restart mosquitto and other thin edge components.
	thin-edge.io works seamlessly with '\''systemd'\''.

	EOF
	test_cmp expect out &&
	test_must_be_empty err &&
	test_path_is_file "$bridge" &&
	rm "$bridge"
'

test_expect_success 'no service manager: disconnect tells so on stdout, nothing on stderr' '
	TEDGE_SVC_ROOT="$TRASH_DIRECTORY/bare" tedge connect c8y --offline >/dev/null &&
	test_path_is_file "$bridge" &&
	TEDGE_SVC_ROOT="$TRASH_DIRECTORY/bare" tedge disconnect c8y >out 2>err &&
	printf "%s\n\n%s\n" "Removing Cumulocity bridge." \
		"Service manager '\''systemd'\'' is not available, skipping stopping/disabling of tedge components." >expect &&
	test_cmp expect out &&
	test_must_be_empty err &&
	test_path_is_missing "$bridge"
'

test_expect_success 'no service manager: tedge init is quiet and succeeds' '
	TEDGE_SVC_ROOT="$TRASH_DIRECTORY/bare" tedge init >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err
'

test_expect_success 'a named manager that is not running is the one named' '
	TEDGE_SVC_ROOT="$TRASH_DIRECTORY/bare" TEDGE_SERVICE_MANAGER=openrc \
		tedge connect c8y --offline >out 2>err &&
	test_when_finished "TEDGE_SVC_ROOT=\"$TRASH_DIRECTORY/bare\" tedge disconnect c8y >/dev/null" &&
	head -n 3 out >head &&
	printf "%s\n\n%s\n" "Checking if openrc is available." \
		"Warning: '\''openrc'\'' service manager is not available on the system." >expect &&
	test_cmp expect head &&
	test_must_be_empty err
'

test_expect_success 'disconnect with mosquitto stopped: applied, but not "disconnected"' '
	tedge connect c8y --offline >/dev/null &&
	tedge-svc stop mosquitto &&
	test_when_finished "tedge-svc start mosquitto" &&
	tedge disconnect c8y >out 2>err &&
	printf "%s\n\n" "Removing Cumulocity bridge." "Applying changes to mosquitto." >expect &&
	test_cmp expect out &&
	test_must_be_empty err &&
	test_path_is_missing "$bridge"
'

test_expect_success 'a malformed tedge.toml: the parser'\''s error, not a missing c8y.url' '
	mkdir -p malformed &&
	printf "[c8y\nurl = \"x\"\n" >malformed/tedge.toml &&
	test_expect_code 1 tedge --config-dir malformed connect c8y >out 2>err &&
	test_must_be_empty out &&
	test_grep "^Error: failed to execute \`tedge connect\`.$" err &&
	test_grep "line 1: expected" err &&
	test_grep ! "Required configuration item" err
'

test_expect_success 'CDPATH exported: the flows find the files the programs write' '
	mkdir -p decoy/tedge/mosquitto-conf &&
	: >decoy/tedge/mosquitto-conf/c8y-bridge.conf &&
	rel=${TEDGE_CONFIG_DIR#"$TRASH_DIRECTORY"/} &&
	test "$rel" != "$TEDGE_CONFIG_DIR" &&
	CDPATH="$TRASH_DIRECTORY/decoy" TEDGE_CONFIG_DIR=$rel tedge connect c8y --offline >out &&
	test_path_is_file "$bridge" &&
	CDPATH="$TRASH_DIRECTORY/decoy" TEDGE_CONFIG_DIR=$rel tedge disconnect c8y >out &&
	test_grep ! "Bridge doesn.t exist" out &&
	test_path_is_missing "$bridge" &&
	test_path_is_file decoy/tedge/mosquitto-conf/c8y-bridge.conf
'

test_expect_success 'a certificate that is not one stops it before anything is done' '
	cert=$(tedge-config get device.cert_path) &&
	cp "$cert" cert.bak &&
	test_when_finished "cp cert.bak \"$cert\"" &&
	chmod 644 "$cert" &&
	echo garbage >"$cert" &&
	test_expect_code 1 tedge connect c8y >out 2>err &&
	test_must_be_empty out &&
	test_grep "^Error: failed to execute \`tedge connect\`.$" err &&
	test_grep "no PEM certificate found" err &&
	test_path_is_missing "$bridge"
'

test_expect_success 'a key that is not the certificate'\''s: stopped at validation' '
	key=$(tedge-config get device.key_path) &&
	cp "$key" key.bak &&
	test_when_finished "cp key.bak \"$key\"" &&
	chmod 600 "$key" &&
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$key" &&
	test_expect_code 1 tedge connect c8y >out 2>err &&
	tail -n 2 out >last &&
	printf "%s\n\n" "Validating the bridge certificates." >expect &&
	test_cmp expect last &&
	test_grep "^$ctx$" err &&
	test_path_is_missing "$bridge"
'

test_expect_success 'a cloud that is none: the usage error with the flow'\''s usage, nothing done' '
	for f in connect disconnect reconnect; do
		test_expect_code 2 tedge $f azure >out 2>err &&
		test_must_be_empty out &&
		echo "error: invalid value '\''azure'\'' for '\''<CLOUD>'\'': c8y, az or aws" >expect &&
		echo >>expect &&
		tedge $f --help | head -n 1 >>expect &&
		test_cmp expect err || return 1
	done &&
	test_path_is_missing "$bridge"
'

test_expect_success 'out-of-range --wait and --timeout: usage errors before any step' '
	{ cp "$C8Y_STANDIN_DIR/devices" devices.before 2>/dev/null || : >devices.before; } &&
	for o in "--wait 0" "--wait 100000" "--timeout 0" "--timeout 05" "--wait 1.5"; do
		test_expect_code 2 tedge connect $o c8y >out 2>err &&
		test_must_be_empty out &&
		test_grep "whole seconds, from 1 to 86400" err &&
		test_expect_code 2 tedge reconnect $o c8y >out 2>err &&
		test_must_be_empty out || return 1
	done &&
	test_path_is_missing "$bridge" &&
	{ cat "$C8Y_STANDIN_DIR/devices" 2>/dev/null || :; } >devices.after &&
	test_cmp devices.before devices.after
'

test_expect_success 'usage errors' '
	test_expect_code 2 tedge connect &&
	test_expect_code 2 tedge connect gcp &&
	test_expect_code 2 tedge connect c8y az &&
	test_expect_code 2 tedge connect --test --offline c8y &&
	test_expect_code 2 tedge connect --wait x c8y &&
	tedge connect --help >out &&
	test_grep "^usage: tedge-connect" out
'

test_done
