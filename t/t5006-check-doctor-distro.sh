#!/bin/sh
# Test bodies are strings eval'd by lib.sh, which also reads test_description:
# shellcheck disable=SC1091,SC2016,SC2034
test_description='tedge-check doctor c8y: what distributions do to the broker

The working set-up of t5005, with a local broker whose $SYS tree is off
(sys_interval 0), so that the version of mosquitto comes from `mosquitto -h`.
Then each test gives doctor what a real distribution does: a mosquitto.conf
without the include_dir of the toolkit (thin-edge #3218), an AppArmor denial
in the kernel log (#4184, a recorded line), a service definition the init
system cannot start, a mosquitto version that loses persistent sessions
with per_listener_settings true (#3185).

What is stubbed, and why:
- `mosquitto -h` (a script on PATH printing a version line): mosquitto
  refuses client publishes to $SYS, so no test can fake the retained
  $SYS/broker/version of a running broker; with $SYS off doctor asks
  mosquitto -h, and the stub answers. That $SYS is preferred is in t5005.
- `tedge-svc diagnose mosquitto` (a script in a TEDGE_EXEC_PATH of the
  test): doctor only shows what it says; the verb itself is tested with
  tedge-svc.
- The kernel log (TEDGE_CHECK_KERNEL_LOG, a file with recorded lines).'
. ./lib.sh
# The machine's own init system stays out of doctor's answers: tedge-svc
# (diagnose) looks at an empty root; its own tests are t4*, t7003.
mkdir -p "$TRASH_DIRECTORY/no-init"
TEDGE_SVC_ROOT=$TRASH_DIRECTORY/no-init
export TEDGE_SVC_ROOT
. "$TEST_DIRECTORY/lib-c8y.sh"
. "$TEST_DIRECTORY/lib-check.sh"

if ! test_have_prereq MOSQUITTO,MOSQ_CLIENTS,OPENSSL; then
	skip_all='needs mosquitto, its clients and openssl'
	test_done
fi
standin_start || BUG "the Cumulocity stand-in did not start"

# stub FILE LINE...: an executable sh script of these lines.
stub () {
	stub_f_=$1 &&
	shift &&
	mkdir -p "${stub_f_%/*}" &&
	{ echo "#!/bin/sh" && printf '%s\n' "$@"; } >"$stub_f_" &&
	chmod +x "$stub_f_"
}

# mosquitto_says VERSION: a mosquitto on PATH whose -h says VERSION.
mosquitto_says () {
	stub "$TRASH_DIRECTORY/mosq-$1/mosquitto" "echo 'mosquitto version $1'" "echo" \
		"echo 'mosquitto is an MQTT v5.0/v3.1.1/v3.1 broker.'"
}

# a broker that does not load the toolkit's directory, as Debian's
# mosquitto.conf before `tedge init`: mosquitto on its own port.
plain_start () {
	PP=$(tedge-test free-port) &&
	{ check_user_line && echo "listener $PP 127.0.0.1" && echo "allow_anonymous true"; } >plain.conf &&
	{ "$MOSQ" -c plain.conf >plain.out 2>&1 & } &&
	test_bg_pid $! &&
	TEDGE_MQTT_CLIENT_PORT=$PP tedge-check broker --wait 10
}

DIR=$TEDGE_CONFIG_DIR/mosquitto-conf

test_expect_success 'setup: device certificate uploaded, bridge files written, $SYS off' '
	tedge-cert create --device-id distro-dev 2>/dev/null &&
	standin_configure &&
	upload_cert &&
	local_setup &&
	echo "sys_interval 0" >>local.conf &&
	tedge-bridge-gen --write c8y &&
	test_grep "^per_listener_settings true$" "$DIR/tedge-mosquitto.conf"
'
local_start || BUG "the local mosquitto did not start"

test_expect_success 'mosquitto 2.0.15 with per_listener_settings true: a warning, and exit 0' '
	mosquitto_says 2.0.15 &&
	PATH="$PWD/mosq-2.0.15:$PATH" tedge-check doctor c8y >out 2>err &&
	test_must_be_empty out &&
	sed -n "/^ok   local broker:/{n;p;}" err >got &&
	echo "WARN local broker: mosquitto 2.0.15 with per_listener_settings true (set by the toolkit'\''s tedge-mosquitto.conf) drops the messages queued for persistent sessions: what is published while a mapper is away is lost. Upgrade mosquitto to 2.0.23 or newer." >expect &&
	test_cmp expect got &&
	test_grep "^ok   round trip:" err &&
	test_grep "^The connection to Cumulocity works.$" err
'

test_expect_success 'the hazard is 2.0.12 to 2.0.22: the versions around it give no warning' '
	for v in 1.6.12 2.0.11 2.0.12 2.0.22 2.0.23 2.1.0; do
		mosquitto_says $v &&
		PATH="$PWD/mosq-$v:$PATH" tedge-check doctor c8y 2>err &&
		if grep -q "^WARN local broker: mosquitto $v with per_listener_settings true" err; then
			echo "$v warned"
		else
			echo "$v quiet"
		fi || return 1
	done >got &&
	cat >expect <<-\EOF &&
	1.6.12 quiet
	2.0.11 quiet
	2.0.12 warned
	2.0.22 warned
	2.0.23 quiet
	2.1.0 quiet
	EOF
	test_cmp expect got
'

test_expect_success 'broker config: a mosquitto.conf without the include, the broker loading it anyway: a warning only' '
	echo "per_listener_settings false" >other.conf &&
	mosquitto_says 2.0.15 &&
	PATH="$PWD/mosq-2.0.15:$PATH" TEDGE_MQTT_BROKER_CONFIG_PATH="$PWD/other.conf" \
		tedge-check doctor c8y >out 2>err &&
	test_must_be_empty out &&
	test_grep "^WARN broker config: $PWD/other.conf has no \`include_dir $DIR\`: mosquitto loads the toolkit'\''s listener and bridges only from there. Run \`tedge init\`, which adds it, and restart mosquitto.$" err &&
	test_grep ! "^WARN local broker" err &&
	test_grep "^The connection to Cumulocity works.$" err
'

test_expect_success 'broker config: the include through a link, with a trailing slash' '
	ln -s "$TEDGE_CONFIG_DIR" linked &&
	echo "include_dir $PWD/linked/mosquitto-conf/" >linked.conf &&
	TEDGE_MQTT_BROKER_CONFIG_PATH="$PWD/linked.conf" tedge-check doctor c8y >out 2>err &&
	test_grep "^ok   broker config: $PWD/linked.conf includes $DIR$" err
'

test_expect_success 'broker config: no include, and mosquitto runs no bridge (thin-edge #3218)' '
	plain_start &&
	doctor_warn=broker_config doctor_fails bridge TEDGE_MQTT_CLIENT_PORT="$PP" \
		TEDGE_MQTT_BROKER_CONFIG_PATH="$PWD/plain.conf" &&
	test_grep "^FAIL bridge: mosquitto does not load $DIR$" err &&
	sed -n "/^Caused by:/,\$p" err >got &&
	cat >expect <<-EOF &&
	Caused by:
	    0: mosquitto runs no bridge to Cumulocity: nothing on te/device/main/service/mosquitto-c8y-bridge/status/health.
	    1: $PWD/plain.conf has no \`include_dir $DIR\`: mosquitto loads the toolkit'\''s listener and bridges only from there. Run \`tedge init\`, which adds it, and restart mosquitto.
	EOF
	test_cmp expect got
'

test_expect_success 'broker config: no include, and nothing listens where the toolkit said' '
	port=$(tedge-test free-port) &&
	doctor_warn=broker_config doctor_fails local_broker TEDGE_MQTT_CLIENT_PORT="$port" \
		TEDGE_MQTT_BROKER_CONFIG_PATH="$PWD/plain.conf" &&
	test_grep "^FAIL local broker: mosquitto does not load $DIR$" err &&
	test_grep "^    0: The local MQTT broker at 127.0.0.1:$port does not accept connections.$" err &&
	test_grep "^    1: $PWD/plain.conf has no \`include_dir $DIR\`" err
'

test_expect_success 'broker config: include_dir in an included file, where mosquitto ignores it' '
	mkdir -p conf.d &&
	echo "include_dir $PWD/conf.d" >main.conf &&
	echo "include_dir $DIR" >conf.d/tedge.conf &&
	port=$(tedge-test free-port) &&
	doctor_warn=broker_config doctor_fails local_broker TEDGE_MQTT_CLIENT_PORT="$port" \
		TEDGE_MQTT_BROKER_CONFIG_PATH="$PWD/main.conf" &&
	test_grep "^WARN broker config: $PWD/main.conf has \`include_dir $DIR\` only in $PWD/conf.d/tedge.conf, where mosquitto ignores it (it takes include_dir from its main file only): " err &&
	test_grep "^FAIL local broker: mosquitto does not load $DIR$" err
'

test_expect_success 'broker config: an unreadable mqtt.broker.config_path is a warning' '
	port=$(tedge-test free-port) &&
	doctor_warn=broker_config doctor_fails local_broker TEDGE_MQTT_CLIENT_PORT="$port" \
		TEDGE_MQTT_BROKER_CONFIG_PATH="$PWD/nowhere.conf" &&
	test_grep "^WARN broker config: cannot read $PWD/nowhere.conf (mqtt.broker.config_path): No such file or directory, so doctor cannot tell whether mosquitto loads $DIR. Set mqtt.broker.config_path to the file mosquitto is started with.$" err &&
	test_grep "Make sure mosquitto is running." err
'

test_expect_success 'AppArmor: the denial of thin-edge #4184 in kern.log' '
	cfg=$(cd "$TEDGE_CONFIG_DIR" && pwd -P) &&
	echo "2026-05-22T09:53:45.100000+02:00 host kernel: audit: type=1400 audit(1779436425.100:399): apparmor=\"DENIED\" operation=\"open\" class=\"file\" profile=\"mosquitto\" name=\"/etc/other/\" pid=51741 comm=\"mosquitto\" requested_mask=\"r\" denied_mask=\"r\" fsuid=0 ouid=0" >kern.log &&
	echo "2026-05-22T09:53:46.318476+02:00 host kernel: audit: type=1400 audit(1779436426.317:400): apparmor=\"DENIED\" operation=\"open\" class=\"file\" profile=\"mosquitto\" name=\"$DIR/\" pid=51741 comm=\"mosquitto\" requested_mask=\"r\" denied_mask=\"r\" fsuid=0 ouid=999" >>kern.log &&
	port=$(tedge-test free-port) &&
	doctor_fails local_broker TEDGE_MQTT_CLIENT_PORT="$port" TEDGE_CHECK_KERNEL_LOG="$PWD/kern.log" &&
	test_grep "^FAIL local broker: AppArmor denies mosquitto access to $DIR/$" err &&
	test_grep ! "Unknown configuration field" err &&
	sed -n "/^Caused by:/,\$p" err >got &&
	cat >expect <<-EOF &&
	Caused by:
	    0: The local MQTT broker at 127.0.0.1:$port does not accept connections.
	    1: AppArmor denied mosquitto (profile mosquitto) '\''r'\'' access to $DIR/: the kernel logged it in $PWD/kern.log at 2026-05-22 07:53:46 UTC. Add '\''$cfg/** r,'\'' to /etc/apparmor.d/local/mosquitto, run '\''apparmor_parser -r /etc/apparmor.d/mosquitto'\'' and restart mosquitto.
	EOF
	test_cmp expect got
'

test_expect_success 'AppArmor: auditd'\''s format, a profile named after its path, the first log that has one' '
	echo "type=AVC msg=audit(1700000000.123:45): apparmor=\"DENIED\" operation=\"open\" profile=\"/usr/sbin/mosquitto\" name=\"$TEDGE_CONFIG_DIR/device-certs/tedge-private-key.pem\" pid=1234 comm=\"mosquitto\" requested_mask=\"r\" denied_mask=\"r\" fsuid=107 ouid=0" >audit.log &&
	port=$(tedge-test free-port) &&
	doctor_fails local_broker TEDGE_MQTT_CLIENT_PORT="$port" \
		TEDGE_CHECK_KERNEL_LOG="$PWD/nowhere.log:$PWD/audit.log:$PWD/kern.log" &&
	test_grep "^FAIL local broker: AppArmor denies mosquitto access to $TEDGE_CONFIG_DIR/device-certs/tedge-private-key.pem$" err &&
	test_grep "the kernel logged it in $PWD/audit.log at 2023-11-14 22:13:20 UTC. Add .* to /etc/apparmor.d/local/usr.sbin.mosquitto, run '\''apparmor_parser -r /etc/apparmor.d/usr.sbin.mosquitto'\''" err
'

test_expect_success 'AppArmor: denials of other programs, or of paths outside the config dir, do not count' '
	{
		echo "audit: type=1400 audit(1779436426.317:401): apparmor=\"DENIED\" operation=\"open\" class=\"file\" profile=\"snap.other\" name=\"$DIR/\" pid=2 comm=\"other\" requested_mask=\"r\" denied_mask=\"r\" fsuid=0 ouid=0" &&
		echo "audit: type=1400 audit(1779436426.317:402): apparmor=\"DENIED\" operation=\"open\" class=\"file\" profile=\"mosquitto\" name=\"$TEDGE_CONFIG_DIR-other/x.conf\" pid=3 comm=\"mosquitto\" requested_mask=\"r\" denied_mask=\"r\" fsuid=0 ouid=0" &&
		echo "audit: type=1400 audit(1779436426.317:403): apparmor=\"ALLOWED\" operation=\"open\" class=\"file\" profile=\"mosquitto\" name=\"$DIR/\" pid=4 comm=\"mosquitto\" requested_mask=\"r\" denied_mask=\"r\" fsuid=0 ouid=0"
	} >others.log &&
	port=$(tedge-test free-port) &&
	doctor_fails local_broker TEDGE_MQTT_CLIENT_PORT="$port" TEDGE_CHECK_KERNEL_LOG="$PWD/others.log" &&
	test_grep "^FAIL local broker: the local MQTT broker at 127.0.0.1:$port does not accept connections$" err &&
	test_grep "Make sure mosquitto is running." err &&
	test_grep ! AppArmor err
'

line="/etc/init.d/mosquitto cannot start mosquitto on sysv: it leaves /run/mosquitto to systemd. Run 'tedge init' to install the toolkit's definition in its place."

test_expect_success 'service definition: the line of tedge-svc diagnose mosquitto is the reason' '
	stub svc0/tedge-svc "test \"\$*\" = \"diagnose mosquitto\" || exit 2" "echo \"$line\"" &&
	port=$(tedge-test free-port) &&
	doctor_fails local_broker TEDGE_MQTT_CLIENT_PORT="$port" TEDGE_CHECK_KERNEL_LOG="$PWD/others.log" \
		TEDGE_EXEC_PATH="$PWD/svc0" &&
	test_grep "^FAIL local broker: the service manager cannot start mosquitto'\''s definition$" err &&
	sed -n "/^Caused by:/,\$p" err >got &&
	cat >expect <<-EOF &&
	Caused by:
	    0: The local MQTT broker at 127.0.0.1:$port does not accept connections.
	    1: $line
	EOF
	test_cmp expect got
'

test_expect_success 'service definition: any other answer of tedge-svc adds nothing' '
	port=$(tedge-test free-port) &&
	for rc in 1 2 4 5; do
		stub svc$rc/tedge-svc "echo \"not this line\"" "exit $rc" &&
		doctor_fails local_broker TEDGE_MQTT_CLIENT_PORT="$port" \
			TEDGE_CHECK_KERNEL_LOG="$PWD/others.log" TEDGE_EXEC_PATH="$PWD/svc$rc" &&
		test_grep "Make sure mosquitto is running." err &&
		test_grep ! "not this line" err || return 1
	done &&
	stub svc-quiet/tedge-svc "exit 0" &&
	doctor_fails local_broker TEDGE_MQTT_CLIENT_PORT="$port" \
		TEDGE_CHECK_KERNEL_LOG="$PWD/others.log" TEDGE_EXEC_PATH="$PWD/svc-quiet" &&
	test_grep "Make sure mosquitto is running." err
'

test_expect_success 'service definition: tedge-svc found next to tedge-check without TEDGE_EXEC_PATH' '
	mkdir -p inst/bin inst/lib &&
	ln -s "$TEDGE_ROOT/lib/tedge" inst/lib/tedge &&
	cp "$TEDGE_ROOT/bin/tedge-check" inst/bin/ &&
	cp svc0/tedge-svc inst/bin/ &&
	port=$(tedge-test free-port) &&
	(
		unset TEDGE_EXEC_PATH &&
		test_expect_code 1 env TEDGE_MQTT_CLIENT_PORT="$port" TEDGE_CHECK_KERNEL_LOG="$PWD/others.log" \
			inst/bin/tedge-check doctor c8y --timeout 3 2>err
	) &&
	test_grep "^    1: $line$" err
'

test_expect_success 'all three at once: each reason, the include first' '
	port=$(tedge-test free-port) &&
	doctor_warn=broker_config doctor_fails local_broker TEDGE_MQTT_CLIENT_PORT="$port" \
		TEDGE_MQTT_BROKER_CONFIG_PATH="$PWD/plain.conf" TEDGE_CHECK_KERNEL_LOG="$PWD/kern.log" \
		TEDGE_EXEC_PATH="$PWD/svc0" &&
	test_grep "^FAIL local broker: mosquitto does not load $DIR$" err &&
	sed -n "s/^    \([0-9]\): \([^ ]*\).*/\1 \2/p" err >got &&
	cat >expect <<-EOF &&
	0 The
	1 $PWD/plain.conf
	2 AppArmor
	3 /etc/init.d/mosquitto
	EOF
	test_cmp expect got
'

test_done
