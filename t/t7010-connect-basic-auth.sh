#!/bin/sh
test_description='tedge connect c8y with basic authentication, end to end

c8y.auth_method basic: no certificate; the username and password of the
credentials file. A real mosquitto under a real runit, bridged to the
stand-in'\''s basic-auth listener (TLS, server-verified, a password_file
user t12345/device_basic1). The password is in no argv, no environment,
no log, and its bridge file is not world-readable.'
. ./lib.sh
. "$TEST_DIRECTORY/lib-c8y.sh"
. "$TEST_DIRECTORY/lib-flow.sh"

if ! test_have_prereq RUNIT,UNSHARE_PID,OPENSSL,MOSQUITTO; then
	skip_all="needs runit, root (PID namespace), openssl and mosquitto: missing $test_missing_prereq_"
	test_done
fi
standin_start || BUG "the Cumulocity stand-in did not start"
flow_start_runit || BUG "runsvdir did not start"

cred="$TEDGE_CONFIG_DIR/credentials.toml"
bridge="$TEDGE_CONFIG_DIR/mosquitto-conf/c8y-bridge.conf"
test_lazy_prereq MOSQ_USER 'getent passwd mosquitto'

# no_secret FILE...: none of the files holds the password (grep -f: the
# password is in no grep argv either)
no_secret () {
	! grep -F -l -s -f "$TRASH_DIRECTORY/secret" "$@"
}

test_expect_success 'setup: a device with no certificate, the stand-in'\''s basic-auth user' '
	printf "%s\n" "$C8Y_STANDIN_BASIC_SECRET" >secret &&
	flow_device &&
	standin_configure_basic basic1 &&
	test_path_is_missing "$TEDGE_CONFIG_DIR/device-certs/tedge-certificate.pem"
'

test_expect_success 'a bad c8y.auth_method: thin-edge'\''s message' '
	test_must_fail tedge-config set c8y.auth_method password 2>err &&
	test_grep "Failed to parse flag: password. Supported values are: '\''certificate'\'', '\''basic'\'' or '\''auto'\''" err &&
	echo basic >expect &&
	tedge-config get c8y.auth_method >actual &&
	test_cmp expect actual
'

test_expect_success 'a credentials file others can read: refused before anything, what to run' '
	chmod 644 "$cred" &&
	test_when_finished "chmod 600 \"$cred\"" &&
	test_expect_code 1 tedge connect c8y >out 2>err &&
	test_must_be_empty out &&
	test_grep "^Error: failed to execute \`tedge connect\`.$" err &&
	test_grep "The credentials file $cred can be read by others. Run \`chmod 600 $cred\` and \`chown root $cred\`." err &&
	test_path_is_missing "$bridge"
'

test_expect_success 'connect c8y: Basic, the device created, the bridge up, the password in no argv' '
	: >hits &&
	{ i=0; while [ $i -lt 3000 ] && [ ! -e connect.done ]; do
		grep -F -l -s -f secret /proc/[0-9]*/cmdline /proc/[0-9]*/environ >>hits
		i=$((i + 1))
	done & } &&
	test_bg_pid $! &&
	tedge connect c8y >out 2>err &&
	: >connect.done &&
	cat >expect <<-EOF &&
	auth type: Basic

	credentials path: $cred

	Checking if runit is available.

	Checking if configuration for requested bridge already exists.

	Creating the device in Cumulocity cloud.

	Saving configuration for requested bridge.

	Restarting mosquitto service.

	Awaiting mosquitto to start. This may take up to 5 seconds.

	Enabling mosquitto service on reboots.

	Successfully created bridge connection!

	Sending packets to check connection. This may take up to 2 seconds.

	Connection check is successful.

	Checking if tedge-mapper is installed.

	Warning: tedge-mapper is not installed.

	Enabling software management.

	Checking if tedge-agent is installed.

	Info: Software management is not installed. So, skipping enabling related components.

	EOF
	test_cmp expect out &&
	test_must_be_empty err &&
	test_grep "^basic1,thin-edge.io$" "$C8Y_STANDIN_DIR/devices" &&
	test_wait_for 5 "test -e connect.done" &&
	test_must_be_empty hits
'

test_expect_success 'the bridge file: username and password, no certificate, mode 0640' '
	test_grep "^remote_username t12345/device_basic1$" "$bridge" &&
	test_grep -F -x "remote_password $C8Y_STANDIN_BASIC_SECRET" "$bridge" &&
	test_grep ! "^bridge_certfile\|^bridge_keyfile\|s/uat\|s/dat" "$bridge" &&
	test_mode 640 "$bridge" &&
	test_mode 600 "$cred"
'

test_expect_success MOSQ_USER 'the bridge file is root'\''s and the broker'\''s group'\''s' '
	echo "root:$(id -gn mosquitto)" >expect &&
	stat -c "%U:%G" "$bridge" >actual &&
	test_cmp expect actual
'

test_expect_success 'the password is in no log, and in the code from the file only' '
	no_secret "$TRASH_DIRECTORY/mosquitto.log" err out &&
	TEDGE_DEBUG=1 tedge-check register c8y 2>debug &&
	test_grep "direct session as t12345/device_basic1" debug &&
	no_secret debug &&
	test_grep "cred_read(" "$TEDGE_ROOT/bin/tedge-bridge-gen.c" "$TEDGE_ROOT/bin/check/conf.c" &&
	test_grep ! -i "getenv(\"[A-Z_]*PASS" "$TEDGE_ROOT/bin/tedge-bridge-gen.c" "$TEDGE_ROOT/bin/check/"*.c "$TEDGE_ROOT/lib/cred.c"
'

test_expect_success 'a message on c8y/s/us arrives at the cloud'\''s s/us' '
	{ mosquitto_sub -h 127.0.0.1 -p "$C8Y_STANDIN_INTERNAL_PORT" -t s/us -C 1 -W 10 >cloud.out & } &&
	test_bg_pid $! &&
	sleep 0.2 &&
	test_wait_for 10 "mosquitto_pub -h 127.0.0.1 -p $FLOW_PORT -t c8y/s/us -m 200,c8y_Temperature,T,21.5 -q 1 && test -s cloud.out" &&
	echo "200,c8y_Temperature,T,21.5" >expect &&
	test_cmp expect cloud.out
'

test_expect_success 'a message the cloud sends on s/ds arrives at c8y/s/ds' '
	{ mosquitto_sub -h 127.0.0.1 -p "$FLOW_PORT" -t c8y/s/ds -C 1 -W 10 >local.out & } &&
	test_bg_pid $! &&
	test_wait_for 10 "mosquitto_pub -h 127.0.0.1 -p $C8Y_STANDIN_INTERNAL_PORT -t s/ds -m 510,basic1 -q 1 && test -s local.out" &&
	echo "510,basic1" >expect &&
	test_cmp expect local.out
'

test_expect_success 'connect --test: 123 on s/us, 124 on s/ds' '
	{ mosquitto_sub -h 127.0.0.1 -p "$C8Y_STANDIN_INTERNAL_PORT" -t s/us -C 1 -W 10 >cloud.out & } &&
	test_bg_pid $! &&
	sleep 0.2 &&
	tedge connect c8y --test >out 2>err &&
	printf "%s\n\n" "auth type: Basic" "credentials path: $cred" \
		"Sending packets to check connection. This may take up to 10 seconds." \
		"Connection check to c8y cloud is successful." >expect &&
	test_cmp expect out &&
	test_wait_for 5 "test -s cloud.out" &&
	echo 123 >expect &&
	test_cmp expect cloud.out
'

test_expect_success 'doctor: the credentials and the login, no certificate asked for' '
	tedge-check doctor c8y 2>err &&
	test_grep "^ok   credentials: $cred: the user t12345/device_basic1, for basic1$" err &&
	test_grep "^ok   login: " err &&
	test_grep "^ok   round trip: c8y/s/us answered on c8y/s/ds$" err &&
	test_grep ! -i "certificate:" err &&
	no_secret err
'

test_expect_success 'doctor: a credentials file its group can read fails the credentials layer' '
	chmod 640 "$cred" &&
	test_when_finished "chmod 600 \"$cred\"" &&
	test_must_fail tedge-check doctor c8y 2>err &&
	test_grep "^FAIL credentials: " err &&
	test_grep "Run \`chmod 600 $cred\`" err
'

test_expect_success 'a wrong password: register says whose credentials were refused' '
	cp "$cred" cred.saved &&
	test_when_finished "cp cred.saved \"$cred\"" &&
	printf "[c8y]\nusername = \"t12345/device_basic1\"\npassword = \"wrong\"\n" >"$cred" &&
	test_must_fail tedge-check register c8y 2>err &&
	test_grep "Cumulocity refused the username and password of $cred" err
'

test_expect_success 'a cloud that does not answer 124: --test is red' '
	kill "$C8Y_STANDIN_RESPONDER_PID" &&
	test_expect_code 1 tedge connect c8y --test --timeout 2 >out 2>err &&
	test_grep "^Connection check to Cumulocity cloud failed.$" out &&
	test_grep "No answer from Cumulocity within 2 s: c8y/s/us was published" err
'

test_expect_success 'disconnect: the bridge and its password gone' '
	tedge disconnect c8y >out &&
	test_path_is_missing "$bridge" &&
	test_path_is_file "$cred"
'

test_done
