#!/bin/sh
test_description='tedge-svc: the custom manager, thin-edge system.toml [init]

A recording stub stands in for the service manager: it appends its argv to
a log, prints a line, and exits with the code a file says. Everything here
runs for real: no init system is involved in the custom backend.'
. ./lib-svc.sh
. ./lib.sh

STUB="$TRASH_DIRECTORY/stub"
LOG="$TRASH_DIRECTORY/stub.log"
SYS="$TEDGE_CONFIG_DIR/system.toml"

# system.toml whose every command is the stub; $1 adds lines to [init]
write_system_toml () {
	mkdir -p "$TEDGE_CONFIG_DIR" &&
	cat >"$SYS" <<-EOF
	[init]
	name = "stubinit"
	is_available = ["$STUB", "is_available"]
	restart = ["$STUB", "restart", "{}"]
	stop = ["$STUB", "stop", "{}"]
	enable = ["$STUB", "enable", "{}"]
	disable = ["$STUB", "disable", "{}"]
	is_active = ["$STUB", "is_active", "{}"]
	$1
	EOF
}

# the stub exits with the code in stub.<VERB>, else 0
test_expect_success 'setup: the recording stub' '
	cat >"$STUB" <<-EOF &&
	#!/bin/sh
	printf "%s\n" "\$*" >>"$LOG"
	echo "stub: \$1 \$2"
	test ! -f "$TRASH_DIRECTORY/stub.\$1" || exit "\$(cat "$TRASH_DIRECTORY/stub.\$1")"
	EOF
	chmod +x "$STUB" &&
	write_system_toml "start = [\"$STUB\", \"start\", \"{}\"]"
'

test_expect_success 'detect prints the name in system.toml' '
	echo stubinit >expect &&
	tedge-svc detect >out &&
	test_cmp expect out &&
	echo is_available >expect &&
	test_cmp expect "$LOG"
'

test_expect_success 'each verb runs its argv with {} replaced' '
	: >"$LOG" &&
	for v in start stop restart enable disable; do
		tedge-svc $v mosquitto >out &&
		test_must_be_empty out || return 1
	done &&
	cat >expect <<-\EOF &&
	is_available
	start mosquitto
	is_available
	stop mosquitto
	is_available
	restart mosquitto
	is_available
	enable mosquitto
	is_available
	disable mosquitto
	EOF
	test_cmp expect "$LOG"
'

test_expect_success 'every {} of every element, inside words too' '
	write_system_toml "start = [\"$STUB\", \"start\", \"{}\", \"--unit={}.service\", \"{}{}\"]" &&
	: >"$LOG" &&
	tedge-svc start tedge-mapper-c8y@prod &&
	tail -n 1 "$LOG" >actual &&
	echo "start tedge-mapper-c8y@prod --unit=tedge-mapper-c8y@prod.service tedge-mapper-c8y@prodtedge-mapper-c8y@prod" >expect &&
	test_cmp expect actual
'

test_expect_success 'without a start command, start restarts (older files)' '
	write_system_toml "" &&
	: >"$LOG" &&
	tedge-svc start mosquitto &&
	tail -n 1 "$LOG" >actual &&
	echo "restart mosquitto" >expect &&
	test_cmp expect actual
'

test_expect_success 'is-active: exit 0 of is_active is active, any other is not' '
	tedge-svc is-active mosquitto >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	echo 3 >stub.is_active &&
	test_expect_code 1 tedge-svc is-active mosquitto >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	echo 1 >stub.is_active &&
	test_expect_code 1 tedge-svc is-active mosquitto &&
	rm stub.is_active
'

test_expect_success 'a command exiting 5 (LSB: not installed) is the seed message' '
	echo 5 >stub.restart &&
	test_expect_code 5 tedge-svc restart mosquitto >out 2>err &&
	test_must_be_empty out &&
	echo "Error: Service mosquitto not found. Install mosquitto to use this command." >expect &&
	test_cmp expect err
'

test_expect_success 'with TEDGE_ERROR_CONTEXT it is the single cause, as the seed shows' '
	test_expect_code 5 env \
		TEDGE_ERROR_CONTEXT="failed to create bridge to connect Cumulocity cloud." \
		tedge-svc restart mosquitto 2>err &&
	cat >expect <<-\EOF &&
	Error: failed to create bridge to connect Cumulocity cloud.

	Caused by:
	    Service mosquitto not found. Install mosquitto to use this command.
	EOF
	test_cmp expect err &&
	rm stub.restart
'

test_expect_success 'a failing command: thin-edge message, then its output' '
	echo 3 >stub.stop &&
	test_expect_code 1 tedge-svc stop mosquitto 2>err &&
	cat >expect <<-EOF &&
	Error: failed to stop mosquitto

	Caused by:
	    0: Service command <"$STUB stop mosquitto"> failed with code: 3.
	    1: stub: stop mosquitto
	EOF
	test_cmp expect err &&
	rm stub.stop
'

test_expect_success 'a command killed by a signal' '
	cat >"$TRASH_DIRECTORY/killer" <<-\EOF &&
	#!/bin/sh
	kill -KILL $$
	EOF
	chmod +x killer &&
	write_system_toml "start = [\"$TRASH_DIRECTORY/killer\", \"{}\"]" &&
	test_expect_code 1 tedge-svc start mosquitto 2>err &&
	test_grep "^    Service command <\"$TRASH_DIRECTORY/killer mosquitto\"> terminated by a signal.\$" err
'

test_expect_success 'a command that cannot be run: not found, check the file' '
	write_system_toml "start = [\"/nonexistent/rc\", \"{}\"]" &&
	test_expect_code 1 tedge-svc start mosquitto 2>err &&
	cat >expect <<-EOF &&
	Error: failed to start mosquitto

	Caused by:
	    Service command <"/nonexistent/rc mosquitto"> not found.
	    Check '\''$SYS'\'' file.
	EOF
	test_cmp expect err
'

test_expect_success 'a command that hangs is killed at --timeout' '
	cat >"$TRASH_DIRECTORY/hang" <<-\EOF &&
	#!/bin/sh
	exec sleep 600
	EOF
	chmod +x hang &&
	write_system_toml "start = [\"$TRASH_DIRECTORY/hang\", \"{}\"]" &&
	test_expect_code 1 tedge-svc --timeout 1 start mosquitto 2>err &&
	test_grep "did not finish within 1000 ms and was killed" err
'

test_expect_success 'a command without {}: thin-edge syntax error, nothing run' '
	write_system_toml "start = [\"$STUB\", \"start\"]" &&
	: >"$LOG" &&
	test_expect_code 1 tedge-svc start mosquitto 2>err &&
	cat >expect <<-EOF &&
	Error: failed to start mosquitto

	Caused by:
	    Syntax error in the system config file for '\''start'\'': A placeholder '\''{}'\'' is missing.
	    Check '\''$SYS'\'' file.
	EOF
	test_cmp expect err &&
	echo is_available >expect &&
	test_cmp expect "$LOG"
'

test_expect_success 'an empty command: requires 1 or more arguments' '
	write_system_toml "start = []" &&
	test_expect_code 1 tedge-svc start mosquitto 2>err &&
	test_grep "^    Syntax error in the system config file for .start.: Requires 1 or more arguments.\$" err
'

test_expect_success 'unknown keys in [init] are refused, as thin-edge does' '
	write_system_toml "reload = [\"$STUB\", \"{}\"]" &&
	test_expect_code 1 tedge-svc detect 2>err &&
	test_grep "unknown field .reload." err
'

test_expect_success 'a missing key is refused' '
	cat >"$SYS" <<-EOF &&
	[init]
	name = "x"
	is_available = ["true"]
	EOF
	test_expect_code 1 tedge-svc start mosquitto 2>err &&
	test_grep "missing field .stop." err
'

test_expect_success 'malformed TOML: thin-edge message with the line' '
	printf "[init]\nname = \"x\nis_available = []\n" >"$SYS" &&
	test_expect_code 1 tedge-svc detect 2>err &&
	test_grep "^    Toml syntax error in the system config file .$SYS.: line 2: " err
'

test_expect_success 'the manager is not available: exit 4, thin-edge sentence' '
	write_system_toml "" &&
	echo 1 >stub.is_available &&
	: >"$LOG" &&
	test_expect_code 4 tedge-svc restart mosquitto 2>err &&
	cat >expect <<-EOF &&
	Error: failed to restart mosquitto

	Caused by:
	    0: Service manager '\''stubinit'\'' is not available on the system or elevated permissions have not been granted.
	    1: '\''$STUB is_available'\'' failed
	EOF
	test_cmp expect err &&
	echo is_available >expect &&
	test_cmp expect "$LOG" &&
	test_expect_code 1 tedge-svc is-available 2>err &&
	test_must_be_empty err &&
	test_expect_code 4 tedge-svc detect &&
	rm stub.is_available &&
	tedge-svc is-available
'

test_expect_success 'is-enabled, exists, install: the custom manager cannot tell' '
	test_expect_code 1 tedge-svc is-enabled mosquitto 2>err &&
	test_grep "^Error: failed to check whether mosquitto is enabled" err &&
	test_grep "has no command for it" err &&
	test_expect_code 1 tedge-svc exists mosquitto 2>err &&
	test_grep "^Error: failed to check whether mosquitto is installed" err &&
	test_expect_code 1 tedge-svc install mosquitto 2>err &&
	test_grep "cannot install mosquitto for the service manager .stubinit." err
'

# Only detect: a verb would run the real systemctl on this machine.
test_expect_success '--manager custom without system.toml: thin-edge defaults' '
	rm "$SYS" &&
	if /bin/systemctl --version >/dev/null 2>&1; then
		echo systemd >expect &&
		tedge-svc --manager custom detect >out &&
		test_cmp expect out
	else
		test_expect_code 4 tedge-svc --manager custom detect 2>err &&
		test_grep "Service manager .systemd. is not available" err &&
		test_grep "./bin/systemctl --version. failed" err
	fi
'

test_expect_success 'a system.toml without [init] does not make custom' '
	printf "[system]\nreboot = [\"init\", \"6\"]\n" >"$SYS" &&
	mkdir -p root/etc/init.d &&
	TEDGE_SVC_ROOT=$TRASH_DIRECTORY/root tedge-svc detect >out &&
	echo sysv >expect &&
	test_cmp expect out
'

test_done
