# t/lib-svc.sh - helpers of the tedge-svc tests (t4*).
#
# Source it before lib.sh.  svc_private_mounts re-runs the script, when
# root and unshare(1) allow, as PID 1 of a PID namespace with a mount
# namespace and a /proc of its own: what the tests mount (an overlay on
# /etc, a tmpfs on /run...) is seen by the script and its children only,
# and every daemon a test starts dies with the script, however it ends
# (the kernel kills a PID namespace with its first process; unshare
# --kill-child kills that one if unshare itself is killed).  Orphans are
# reaped by the script's shell, promptly.
# The other helpers are meant for test bodies.

# shellcheck disable=SC3043 # `local`, as in lib.sh

SVC_UNSHARE="unshare --mount --pid --fork --kill-child=SIGKILL --mount-proc --propagation private"

svc_private_mounts () {
	local sh_
	test -z "$SVC_PRIVATE_NS" || return 0
	id -u | grep -qx 0 || return 0
	$SVC_UNSHARE true 2>/dev/null || return 0
	SVC_PRIVATE_NS=1
	export SVC_PRIVATE_NS
	sh_=$(readlink "/proc/$$/exe")
	case $sh_ in
	*/busybox) exec $SVC_UNSHARE "$sh_" sh "$0" "$@" ;;
	/*) exec $SVC_UNSHARE "$sh_" "$0" "$@" ;;
	esac
}

# Everything below runs after lib.sh.

# Did svc_private_mounts work? (The script is then PID 1.)
svc_in_private_ns () {
	test -n "$SVC_PRIVATE_NS" && test "$$" = 1
}

# svc_overlay_etc: /etc becomes an overlay whose writes land on a tmpfs,
# and /run an empty tmpfs (pid files go there; no /run/systemd/system, no
# /run/openrc/softlevel): this namespace looks like a machine that no
# manager but SysV booted.  Only in a private namespace.
svc_overlay_etc () {
	svc_in_private_ns || BUG "svc_overlay_etc outside a private namespace"
	test -d /mnt || return 1
	mount -t tmpfs tmpfs /mnt &&
	mkdir /mnt/upper /mnt/work &&
	mount -t overlay overlay \
		-o lowerdir=/etc,upperdir=/mnt/upper,workdir=/mnt/work /etc &&
	mount -t tmpfs tmpfs /run
}

# svc_fake_openrc: the state directory OpenRC makes when it boots, on a
# tmpfs, with the softlevel file that makes openrc-run work.
svc_fake_openrc () {
	svc_in_private_ns || BUG "svc_fake_openrc outside a private namespace"
	mkdir -p /run/openrc &&
	mount -t tmpfs tmpfs /run/openrc &&
	for d in daemons exclusive failed hotplugged inactive options \
		scheduled started starting stopping tmp wasinactive; do
		mkdir /run/openrc/$d || return 1
	done &&
	# "default", not empty: rc-update would take an empty one for sysinit
	echo default >/run/openrc/softlevel
}

SVC_MOSQUITTO=$(command -v mosquitto 2>/dev/null || echo /usr/sbin/mosquitto)

# svc_render TEMPLATE DEST: an init/ definition as install-init makes it,
# with the test's configuration directory for @SYSCONFDIR@. @NAME@, where a
# script names itself (the pid file, the LSB Provides), is left for
# `tedge-svc install` to fill in with the name it installs.
svc_render () {
	sed -e "s|@SBINDIR@|${SVC_MOSQUITTO%/*}|g" \
		-e "s|@SYSCONFDIR@|$TRASH_DIRECTORY/etc|g" \
		"$1" >"$2" &&
	if test -x "$1"; then chmod 755 "$2"; else chmod 644 "$2"; fi
}

# svc_mosquitto_conf PORT: the test broker's configuration, a listener on
# 127.0.0.1:PORT, where the rendered definitions look for it.
svc_mosquitto_conf () {
	mkdir -p "$TRASH_DIRECTORY/etc/mosquitto" &&
	cat >"$TRASH_DIRECTORY/etc/mosquitto/mosquitto.conf" <<-EOF
	listener $1 127.0.0.1
	allow_anonymous true
	persistence false
	log_dest none
	EOF
}

# svc_mqtt_up PORT: a broker accepts an MQTT client on 127.0.0.1:PORT.
svc_mqtt_up () {
	mosquitto_pub -h 127.0.0.1 -p "$1" -i "tedge-svc-test-$$" \
		-t tedge/svc-test -m up -q 1 >/dev/null 2>&1
}

# svc_mosquitto_pid: the pid of the test broker (the one that reads the
# test's configuration); fails if there is none or more than one.
svc_mosquitto_pid () {
	local p
	p=$(pgrep -f "^$SVC_MOSQUITTO -c $TRASH_DIRECTORY/etc/mosquitto/mosquitto.conf\$") &&
	case $p in *[!0-9]*) return 1 ;; esac &&
	echo "$p"
}

# svc_kill_test_mosquitto: a last resort for cleanups, by pid.
svc_kill_test_mosquitto () {
	local p
	for p in $(pgrep -f "^$SVC_MOSQUITTO -c $TRASH_DIRECTORY/etc/mosquitto/mosquitto.conf\$"); do
		kill -KILL "$p"
	done
	return 0
}

# svc_gone PID: the process is gone, or a zombie waiting for its reaper
# (PID 1 of this machine reaps orphans only every few seconds).
svc_gone () {
	! test -e "/proc/$1" || grep -q "^$1 (.*) Z " "/proc/$1/stat" 2>/dev/null
}

# svc_not_installed_msg NAME: the seed's message, as tedge-svc prints it.
svc_not_installed_msg () {
	echo "Error: Service $1 not found. Install $1 to use this command."
}

# svc_story_device ID: the device of the seed for the story below: the
# test's mosquitto.conf (where the rendered definitions look for it) with a
# log and no listener, which `tedge init` makes include the toolkit's; a
# free port for the local listener; the Cumulocity stand-in (lib-c8y.sh,
# started) as the cloud; a certificate for ID that it trusts.
svc_story_device () {
	mkdir -p "$TRASH_DIRECTORY/etc/mosquitto" &&
	printf '%s\n' "# the test device's mosquitto.conf" \
		"log_dest file $TRASH_DIRECTORY/mosquitto.log" \
		>"$TRASH_DIRECTORY/etc/mosquitto/mosquitto.conf" &&
	: >"$TRASH_DIRECTORY/mosquitto.log" &&
	chmod 666 "$TRASH_DIRECTORY/mosquitto.log" &&
	tedge-config set mqtt.broker.config_path "$TRASH_DIRECTORY/etc/mosquitto/mosquitto.conf" &&
	tedge-config set mqtt.bind.port "$(tedge-test free-port)" &&
	standin_configure &&
	tedge init &&
	tedge cert create --device-id "$1" 2>/dev/null &&
	C8Y_PASSWORD=$C8Y_STANDIN_SECRET tedge cert upload c8y --user user 2>/dev/null
}

# svc_connect_story MANAGER: `tedge connect c8y` prints the seed (no mapper,
# no agent here) naming MANAGER, a measurement published on the device
# reaches the cloud, then `tedge disconnect c8y` prints the seed.
svc_connect_story () {
	local seed_="$TEST_DIRECTORY/t7000" port_
	tedge connect c8y >out 2>err || { cat err "$TRASH_DIRECTORY/mosquitto.log"; return 1; }
	sed -n "1,/^Connection check is successful/p" "$seed_/connect.out" |
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
	port_=$(tedge-config get mqtt.bind.port) &&
	: >cloud.out &&
	{ mosquitto_sub -h 127.0.0.1 -p "$C8Y_STANDIN_INTERNAL_PORT" -t s/us -C 1 -W 10 >cloud.out & } &&
	test_bg_pid $! &&
	test_wait_for 10 "mosquitto_pub -h 127.0.0.1 -p $port_ -t c8y/s/us -m 200,c8y_Temperature,T,20 -q 1 && test -s cloud.out" &&
	echo "200,c8y_Temperature,T,20" >expect.cloud &&
	test_cmp expect.cloud cloud.out &&
	tedge disconnect c8y >out 2>err &&
	sed -n "1,/successfully disconnected/p" "$seed_/disconnect.out" >expect &&
	echo >>expect &&
	test_cmp expect out &&
	test_must_be_empty err
}
