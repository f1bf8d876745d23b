#!/bin/sh
test_description='tedge connect az and aws, against their stand-ins

Azure and AWS bridges dial port 8883, so this script runs in a network
namespace of its own (root: unshare --net, loopback up), where the stand-in
broker can listen on 127.0.0.1:8883 whatever the machine runs. The stand-in
answers Azure twin requests; AWS test-connection messages come back by
themselves through the bridge. mosquitto runs under a real runit.'

# Into a network namespace first, before the harness starts anything.
if test -z "$T7002_NETNS" && test "$(id -u)" = 0 &&
	unshare --net true 2>/dev/null && command -v ip >/dev/null; then
	T7002_NETNS=1
	export T7002_NETNS
	t7002_sh=$(readlink "/proc/$$/exe")
	case $t7002_sh in */busybox) t7002_sh="$t7002_sh sh" ;; esac
	# shellcheck disable=SC2086 # the shell and its applet name
	exec unshare --net sh -c 'ip link set lo up && exec "$@"' sh $t7002_sh "$0" "$@"
fi

. ./lib.sh
. "$TEST_DIRECTORY/lib-c8y.sh"
. "$TEST_DIRECTORY/lib-flow.sh"

if test -z "$T7002_NETNS"; then
	skip_all='needs root, unshare --net and ip, for a network namespace with port 8883 free'
	test_done
fi
if ! test_have_prereq RUNIT,UNSHARE_PID,OPENSSL,MOSQUITTO; then
	skip_all="needs runit, root (PID namespace), openssl and mosquitto: missing $test_missing_prereq_"
	test_done
fi
C8Y_STANDIN_MQTT_PORT_WANTED=8883
export C8Y_STANDIN_MQTT_PORT_WANTED
standin_start || BUG "the Cumulocity stand-in did not start"
flow_start_runit || BUG "runsvdir did not start"

test_expect_success 'setup: device, its certificate trusted by the stand-in' '
	flow_device &&
	tedge cert create --device-id cloud-device &&
	C8Y_PASSWORD=$C8Y_STANDIN_SECRET tedge cert upload c8y --user user &&
	tedge config set az.url 127.0.0.1 &&
	tedge config set az.root_cert_path "$C8Y_STANDIN_CA" &&
	tedge config set aws.url 127.0.0.1 &&
	tedge config set aws.root_cert_path "$C8Y_STANDIN_CA"
'

for cloud in az aws; do
	case $cloud in az) title=Azure ;; aws) title=Aws ;; esac

	test_expect_success "connect $cloud: the flow without registration and agent" '
		tedge connect $cloud >out 2>err &&
		cat >expect <<-EOF &&
		Checking if runit is available.

		Checking if configuration for requested bridge already exists.

		Validating the bridge certificates.

		Saving configuration for requested bridge.

		Restarting mosquitto service.

		Awaiting mosquitto to start. This may take up to 5 seconds.

		Enabling mosquitto service on reboots.

		Successfully created bridge connection!

		Sending packets to check connection. This may take up to 2 seconds.

		Connection check is successful.

		Checking if tedge-mapper is installed.

		Warning: tedge-mapper is not installed.

		EOF
		test_cmp expect out &&
		test_must_be_empty err &&
		test_path_is_file "$TEDGE_CONFIG_DIR/mosquitto-conf/$cloud-bridge.conf"
	'

	test_expect_success "connect $cloud --test" '
		tedge connect $cloud --test >out &&
		test_grep "^Connection check to $cloud cloud is successful.$" out
	'

	test_expect_success "disconnect $cloud" '
		tedge disconnect $cloud >out &&
		printf "%s\n\n" "Removing $title bridge." "Applying changes to mosquitto." \
			"$title Bridge successfully disconnected!" >expect &&
		test_cmp expect out &&
		test_path_is_missing "$TEDGE_CONFIG_DIR/mosquitto-conf/$cloud-bridge.conf"
	'
done

test_expect_success 'az telemetry reaches the hub'\''s devices/<id>/messages/events' '
	tedge connect az >/dev/null &&
	{ mosquitto_sub -h 127.0.0.1 -p "$C8Y_STANDIN_INTERNAL_PORT" -t "devices/cloud-device/messages/events/#" \
		-C 1 -W 10 >cloud.out & } &&
	test_bg_pid $! &&
	test_wait_for 10 "mosquitto_pub -h 127.0.0.1 -p $FLOW_PORT -t az/messages/events/ -m hello-hub -q 1 && test -s cloud.out" &&
	echo hello-hub >expect &&
	test_cmp expect cloud.out &&
	tedge disconnect az >/dev/null
'

test_done
