#!/bin/sh
test_description='tedge-svc: etc/system-procd.toml, the preset for OpenWrt procd

procd itself could not run here: it wants to be PID 1 of an OpenWrt
system, with ubusd and its rc.common. What is tested is the preset, as
shipped but for its two directories moved under the trash directory
(/etc/init.d and /bin), against stubs that do what an OpenWrt procd init
script does through /etc/rc.common: start, stop, restart, enable and
disable, running (exit 0 when an instance runs), and /bin/ubus, which
answers "call service list" while procd runs. The stubs record every call.'
. ./lib-svc.sh
. ./lib.sh

R="$TRASH_DIRECTORY/root"
SYS="$TEDGE_CONFIG_DIR/system.toml"
LOG="$TRASH_DIRECTORY/calls"

test_expect_success 'setup: the preset, the rc script and ubus stubs' '
	mkdir -p "$TEDGE_CONFIG_DIR" "$R/etc/init.d" "$R/etc/rc.d" "$R/bin" &&
	sed -e "s|\"/etc/init.d/|\"$R/etc/init.d/|" -e "s|\"/bin/ubus\"|\"$R/bin/ubus\"|" \
		"$TEDGE_ROOT/etc/system-procd.toml" >"$SYS" &&
	test_grep "^is_active = \[\"$R/etc/init.d/{}\", \"running\"\]\$" "$SYS" &&
	cat >"$R/bin/ubus" <<-EOF &&
	#!/bin/sh
	echo "ubus \$*" >>"$LOG"
	test -f "$R/procd.up"
	EOF
	# rc.common, as a procd script sees it: the state procd would keep
	# in a file, enable/disable as S/K links in /etc/rc.d
	cat >"$R/etc/init.d/mosquitto" <<-EOF &&
	#!/bin/sh
	echo "mosquitto \$*" >>"$LOG"
	case \$1 in
	start) : >"$R/mosquitto.up" ;;
	stop) rm -f "$R/mosquitto.up" ;;
	restart) rm -f "$R/mosquitto.up" && : >"$R/mosquitto.up" ;;
	enable) ln -sf ../init.d/mosquitto "$R/etc/rc.d/S80mosquitto" ;;
	disable) rm -f "$R/etc/rc.d/S80mosquitto" ;;
	enabled) test -x "$R/etc/rc.d/S80mosquitto" ;;
	running) test -f "$R/mosquitto.up" ;;
	*) echo "Syntax: \$0 [command]" >&2; exit 1 ;;
	esac
	EOF
	chmod +x "$R/bin/ubus" "$R/etc/init.d/mosquitto"
'

test_expect_success 'procd not running: no manager (4)' '
	: >"$LOG" &&
	test_expect_code 4 tedge-svc detect 2>err &&
	echo "ubus call service list" >expect &&
	test_cmp expect "$LOG"
'

test_expect_success 'procd running: detect says procd' '
	: >"$R/procd.up" &&
	echo procd >expect &&
	tedge-svc detect >out &&
	test_cmp expect out
'

test_expect_success 'start, is-active, restart, stop through /etc/init.d/mosquitto' '
	test_expect_code 1 tedge-svc is-active mosquitto &&
	tedge-svc start mosquitto &&
	tedge-svc is-active mosquitto &&
	tedge-svc restart mosquitto &&
	tedge-svc is-active mosquitto &&
	tedge-svc stop mosquitto &&
	test_expect_code 1 tedge-svc is-active mosquitto
'

test_expect_success 'enable and disable: the S link in /etc/rc.d' '
	tedge-svc enable mosquitto &&
	"$R/etc/init.d/mosquitto" enabled &&
	tedge-svc disable mosquitto &&
	test_must_fail "$R/etc/init.d/mosquitto" enabled &&
	test_path_is_missing "$R/etc/rc.d/S80mosquitto"
'

test_expect_success 'every call was an rc.common verb on the script, after ubus' '
	grep "^mosquitto " "$LOG" >actual &&
	cat >expect <<-\EOF &&
	mosquitto running
	mosquitto start
	mosquitto running
	mosquitto restart
	mosquitto running
	mosquitto stop
	mosquitto running
	mosquitto enable
	mosquitto enabled
	mosquitto disable
	mosquitto enabled
	EOF
	test_cmp expect actual
'

test_expect_success 'a service with no init script: a failure that names it' '
	test_expect_code 1 tedge-svc start nothere 2>err &&
	test_grep "$R/etc/init.d/nothere start" err
'

test_done
