#!/bin/sh
test_description='the seed on the distribution'\''s own files, after a boot, under SysV, OpenRC and runit

The device is this machine as its packages left it, not a test bench: the
mosquitto package'\''s own /etc/mosquitto/mosquitto.conf (checked against the
package'\''s checksum), its /etc/init.d/mosquitto, its user, /etc/tedge as
the configuration directory, and no /run/mosquitto, as after a boot. The
service definitions are the toolkit'\''s init/ as `make install-init` renders
them for /usr/sbin and /etc. For each init system in turn the machine is
fresh: `tedge init`, then the seed'\''s story against the Cumulocity
stand-in (certificate, upload, connect, a message to the cloud,
disconnect), then a start as the boot would do it.

What differs from a real boot, and why: the script runs as PID 1 of a PID
and mount namespace of its own; /etc is an overlay whose writes land on a
tmpfs (the machine keeps its own), /run an empty tmpfs, and mosquitto'\''s
persistence and log directories fresh tmpfs owned by the broker'\''s user,
as the package makes them. No init system is PID 1: SysV'\''s rc runs
nothing here (the test runs the start link itself, as rc would), OpenRC'\''s
state is the one it makes when it boots (its softlevel), and runit'\''s
runsvdir is started by the test on /etc/service. The local listener is on
a free port (mqtt.bind.port), not 1883. systemd, whose unit makes
/run/mosquitto itself, is t4050'\''s.'
. ./lib-svc.sh
svc_private_mounts "$@"
. ./lib.sh
. "$TEST_DIRECTORY/lib-c8y.sh"

CONF=/etc/mosquitto/mosquitto.conf

test_lazy_prereq OVERLAY_ETC 'svc_in_private_ns && test -d /mnt && grep -qw overlay /proc/filesystems'
test_lazy_prereq STOCK_CONF '
	sum=$(dpkg-query -W -f="\${Conffiles}\n" mosquitto | awk -v f=$CONF "\$1 == f { print \$2 }") &&
	test -n "$sum" &&
	echo "$sum  $CONF" | md5sum -c >/dev/null 2>&1
'
test_lazy_prereq MOSQUITTO_USER 'id mosquitto'
test_lazy_prereq SYSV_TOOLS 'command -v start-stop-daemon && command -v update-rc.d && test -x /etc/init.d/mosquitto'
test_lazy_prereq OPENRC 'test -x /sbin/openrc-run && command -v supervise-daemon'
test_lazy_prereq RUNIT 'command -v runsvdir && command -v sv'

if ! test_have_prereq ROOT,OVERLAY_ETC,MOSQUITTO,MOSQ_CLIENTS,OPENSSL,MOSQUITTO_USER; then
	skip_all="needs root, a private mount namespace with overlayfs, mosquitto and its clients, openssl and the mosquitto user: missing $test_missing_prereq_"
	test_done
fi
if ! test_have_prereq STOCK_CONF; then
	skip_all="$CONF is not the one the mosquitto package installed (its checksum differs): this test is about the package's own"
	test_done
fi
standin_start || BUG "the Cumulocity stand-in did not start"

# The toolkit's definitions, rendered for this machine's paths.
make -s -C "$TEDGE_ROOT" install-init DESTDIR="$TRASH_DIRECTORY/inst" PREFIX=/usr \
	>/dev/null || BUG "make install-init failed"
TEDGE_SVC_INITDIR=$TRASH_DIRECTORY/inst/usr/share/tedge/init
TEDGE_CONFIG_DIR=/etc/tedge
export TEDGE_SVC_INITDIR TEDGE_CONFIG_DIR
unset TEDGE_SVC_ROOT SVDIR
seed="$TEST_DIRECTORY/t7000"

# fresh_machine: the machine as after a boot, its packages as installed:
# /etc as the machine has it (changes on a new tmpfs), /run empty, the
# broker's state and log directories empty and the broker's; no
# /etc/tedge, whatever the bench machine's own holds.
fresh_machine () {
	for m in /var/log/mosquitto /var/lib/mosquitto /run /etc /mnt; do
		! mountpoint -q "$m" || umount -l "$m" || return 1
	done &&
	svc_overlay_etc &&
	rm -rf /etc/tedge &&
	for m in /var/log/mosquitto /var/lib/mosquitto; do
		mount -t tmpfs -o mode=0755 tmpfs "$m" &&
		chown mosquitto "$m" || return 1
	done
}

# device ID: the configuration of the seed, a certificate the cloud trusts.
device () {
	tedge config set mqtt.bind.port "$(tedge-test free-port)" &&
	standin_configure &&
	tedge cert create --device-id "$1" 2>/dev/null &&
	C8Y_PASSWORD=$C8Y_STANDIN_SECRET tedge cert upload c8y --user user 2>/dev/null
}

# connect_story MANAGER: tedge connect c8y prints the seed (no mapper, no
# agent here), then a message reaches the cloud, then disconnect.
connect_story () {
	tedge connect c8y >out 2>err || { cat err /var/log/mosquitto/mosquitto.log; return 1; }
	sed -n "1,/^Connection check is successful/p" "$seed/connect.out" |
		sed "s/systemd/$1/" >expect &&
	echo >>expect &&
	printf "%s\n\n" "Checking if tedge-mapper is installed." \
		"Warning: tedge-mapper is not installed." \
		"Enabling software management." \
		"Checking if tedge-agent is installed." \
		"Info: Software management is not installed. So, skipping enabling related components." \
		>>expect &&
	test_cmp expect out &&
	test_must_be_empty err &&
	cloud_hears "$(tedge config get mqtt.bind.port)" &&
	tedge disconnect c8y >out 2>err &&
	sed -n "1,/successfully disconnected/p" "$seed/disconnect.out" >expect &&
	echo >>expect &&
	test_cmp expect out &&
	test_must_be_empty err
}

# cloud_hears PORT: a measurement published on the device reaches the cloud.
cloud_hears () {
	: >cloud.out &&
	{ mosquitto_sub -h 127.0.0.1 -p "$C8Y_STANDIN_INTERNAL_PORT" -t s/us -C 1 -W 10 >cloud.out & } &&
	test_bg_pid $! &&
	test_wait_for 10 "mosquitto_pub -h 127.0.0.1 -p $1 -t c8y/s/us -m 200,c8y_Temperature,T,20 -q 1 && test -s cloud.out" &&
	echo "200,c8y_Temperature,T,20" >expect.cloud &&
	test_cmp expect.cloud cloud.out
}

# the broker of the machine: its pid file written by mosquitto itself in
# the runtime directory the definition made, as the broker's user
broker_runs_stock () {
	test_wait_for 5 "test -s /run/mosquitto/mosquitto.pid" &&
	pid=$(cat /run/mosquitto/mosquitto.pid) &&
	test "$(stat -c %U /run/mosquitto /run/mosquitto/mosquitto.pid | sort -u)" = mosquitto &&
	{ tr "\0" " " <"/proc/$pid/cmdline" && echo; } >cmdline &&
	echo "/usr/sbin/mosquitto -c $CONF " >expect.cmdline &&
	test_cmp expect.cmdline cmdline
}

# no_live_broker: the machine's mosquitto does not run (the stand-in's may;
# a zombie waiting for this script, PID 1 of the namespace, to reap it does
# not count)
no_live_broker () {
	for p in $(pgrep -f "mosquitto -c $CONF\$"); do
		grep -q "^$p (.*) Z " "/proc/$p/stat" 2>/dev/null || return 1
	done
}

test_expect_success SYSV_TOOLS 'sysv: the distribution'\''s script cannot start the stock broker' '
	fresh_machine &&
	test_path_is_missing /run/mosquitto &&
	echo sysv >expect &&
	tedge-svc detect >actual &&
	test_cmp expect actual &&
	tedge-svc diagnose mosquitto >why &&
	echo "/etc/init.d/mosquitto cannot start mosquitto on sysv: it keeps its pid file in /run/mosquitto, which it leaves to systemd to make after a boot. Run '\''tedge init'\'' to install the toolkit'\''s definition in its place." >expect &&
	test_cmp expect why &&
	# what the user gets without the toolkit: no broker
	{ /etc/init.d/mosquitto start >/dev/null 2>&1 || :; } &&
	sleep 0.5 &&
	no_live_broker
'

test_expect_success SYSV_TOOLS 'sysv: tedge init installs the toolkit'\''s beside it, the file untouched' '
	tedge init 2>err &&
	test_grep "^Note: /etc/init.d/mosquitto cannot start mosquitto on sysv: " err &&
	test -x /etc/init.d/tedge-mosquitto &&
	test_path_is_missing /mnt/upper/init.d/mosquitto &&
	test_grep "^include_dir /etc/tedge/mosquitto-conf$" $CONF &&
	ls /etc/rc2.d >links &&
	test_grep "^S[0-9][0-9]tedge-mosquitto$" links &&
	test_grep "^K[0-9][0-9]mosquitto$" links &&
	test_expect_code 1 tedge-svc diagnose mosquitto &&
	tedge init 2>err &&
	test_must_be_empty err
'

test_expect_success SYSV_TOOLS 'sysv: the seed, no /run/mosquitto before it' '
	test_when_finished "tedge-svc stop mosquitto" &&
	device stock-sysv &&
	test_path_is_missing /run/mosquitto &&
	connect_story sysv &&
	broker_runs_stock
'

test_expect_success SYSV_TOOLS 'sysv: after a boot, the start link brings the bridge up' '
	test_when_finished "tedge-svc stop mosquitto" &&
	tedge connect c8y >/dev/null &&
	tedge-svc stop mosquitto &&
	umount /run && mount -t tmpfs tmpfs /run &&
	for s in /etc/rc2.d/S*; do
		case $s in *mosquitto*) "$s" start || return 1 ;; esac
	done &&
	broker_runs_stock &&
	tedge connect c8y --test >out &&
	tedge disconnect c8y >/dev/null
'

test_expect_success OPENRC 'openrc: the distribution'\''s script named, the toolkit'\''s in its place' '
	fresh_machine &&
	svc_fake_openrc &&
	echo openrc >expect &&
	tedge-svc detect >actual &&
	test_cmp expect actual &&
	tedge-svc diagnose mosquitto >why &&
	test_grep "^/etc/init.d/mosquitto cannot start mosquitto on openrc: " why &&
	tedge init 2>err &&
	test_grep "^Note: /etc/init.d/mosquitto cannot start mosquitto on openrc: " err &&
	test_grep "^#!/sbin/openrc-run" /etc/init.d/tedge-mosquitto &&
	test_path_is_missing /mnt/upper/init.d/mosquitto
'

test_expect_success OPENRC 'openrc: the seed, no /run/mosquitto before it' '
	test_when_finished "tedge-svc stop mosquitto" &&
	device stock-openrc &&
	test_path_is_missing /run/mosquitto &&
	connect_story openrc &&
	broker_runs_stock &&
	test -L /etc/runlevels/default/tedge-mosquitto &&
	test_path_is_missing /etc/runlevels/default/mosquitto
'

test_expect_success OPENRC 'openrc: after a boot, the default runlevel'\''s script brings the bridge up' '
	test_when_finished "tedge-svc stop mosquitto" &&
	tedge connect c8y >/dev/null &&
	tedge-svc stop mosquitto &&
	rm -rf /run/mosquitto &&
	/etc/runlevels/default/tedge-mosquitto start >/dev/null 2>&1 &&
	broker_runs_stock &&
	tedge connect c8y --test >out &&
	tedge disconnect c8y >/dev/null
'

test_expect_success RUNIT 'runit: tedge init defines mosquitto, the seed with no /run/mosquitto' '
	fresh_machine &&
	test_path_is_missing /run/mosquitto &&
	{ runsvdir -P /etc/service </dev/null >/dev/null 2>&1 & } &&
	echo $! >runsvdir.pid &&
	test_wait_for 5 "tedge-svc detect >actual && test \"\$(cat actual)\" = runit" &&
	tedge init 2>err &&
	test_must_be_empty err &&
	test -x /etc/sv/mosquitto/run &&
	device stock-runit &&
	test_when_finished "tedge-svc stop mosquitto" &&
	connect_story runit &&
	broker_runs_stock
'

test_expect_success RUNIT 'runit: after a boot, runsvdir brings the bridge up' '
	tedge connect c8y >/dev/null &&
	tedge-svc stop mosquitto &&
	kill -HUP "$(cat runsvdir.pid)" &&
	test_wait_for 5 "! kill -0 $(cat runsvdir.pid) 2>/dev/null" &&
	test_wait_for 5 "! pgrep -x runsv >/dev/null" &&
	umount /run && mount -t tmpfs tmpfs /run &&
	rm -rf /etc/sv/mosquitto/supervise &&
	{ runsvdir -P /etc/service </dev/null >/dev/null 2>&1 & } &&
	echo $! >runsvdir.pid &&
	test_wait_for 10 "test -s /run/mosquitto/mosquitto.pid" &&
	broker_runs_stock &&
	tedge connect c8y --test >out &&
	tedge disconnect c8y >/dev/null &&
	tedge-svc stop mosquitto
'

test_expect_success 'the end: no broker left, the machine'\''s files untouched' '
	{ pkill -HUP -x runsvdir; pkill -x supervise-daemon; true; } &&
	test_wait_for 10 no_live_broker &&
	fresh_machine
'

test_done
