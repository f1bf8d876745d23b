# shellcheck shell=sh
# SPDX-License-Identifier: Apache-2.0
# scripts/lib-device.sh: a device and its cloud in a temporary directory,
# for `make demo` and bench/connect. Sourced; set `top` (the tree) first.
#
# device_start: the Cumulocity stand-in (127.0.0.1 only) and a private runit
# (runsvdir in a PID namespace of its own) supervising the device's real
# mosquitto, the configuration directory under $dev. The machine's own
# /etc/tedge, /etc/mosquitto and services are not touched. The EXIT trap
# removes it all. Needs root, for the PID namespace.

device_check () {
	if [ "$(id -u)" != 0 ]; then
		echo "$1 needs root: it runs a private runit supervisor (a PID namespace) for mosquitto." >&2
		exit 1
	fi
	for p in runsvdir sv unshare mosquitto mosquitto_pub mosquitto_sub openssl python3; do
		command -v "$p" >/dev/null 2>&1 ||
			{ echo "$1: $p is missing (make deps installs it)" >&2; exit 1; }
	done
}

dev=$(mktemp -d /tmp/tedge-device.XXXXXX)
chmod 755 "$dev"
runsv_pid=
# shellcheck disable=SC2317 # called by the trap
device_cleanup () {
	# Under the caller's set -e, the wait below (137: runsvdir was killed)
	# would end the trap before the rm: every run left its directory.
	set +e
	# unshare ignores TERM while it waits for runsvdir; KILL makes it kill
	# runsvdir, and the PID namespace, mosquitto in it, dies with it.
	[ -z "$runsv_pid" ] || kill -KILL "$runsv_pid" 2>/dev/null
	"$top/standin/c8y-standin" stop "$dev/cloud" 2>/dev/null
	[ -z "$runsv_pid" ] || wait "$runsv_pid" 2>/dev/null
	rm -rf "$dev"
}
trap device_cleanup EXIT
trap 'exit 130' INT TERM

TEDGE_CONFIG_DIR="$dev/etc/tedge" TEDGE_EXEC_PATH="$top/bin" TEDGE_SVC_ROOT="$dev/root"
export TEDGE_CONFIG_DIR TEDGE_EXEC_PATH TEDGE_SVC_ROOT
PATH="$top/bin:$PATH"

# Starts the stand-in (its C8Y_STANDIN_* variables set) and the device's
# runit and mosquitto definition; sets device_port, the local listener's.
device_start () {
	env_out=$("$top/standin/c8y-standin" start "$dev/cloud") || exit 1
	eval "$env_out"
	mkdir -p "$dev/root/etc/sv/mosquitto" "$dev/root/etc/service" "$dev/etc/mosquitto"
	device_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	printf '%s\n' "# the device's mosquitto.conf" >"$dev/etc/mosquitto/mosquitto.conf"
	mosq=$(command -v mosquitto)
	sed -e "s|@SBINDIR@|${mosq%/*}|g" -e "s|@SYSCONFDIR@|$dev/etc|g" \
		"$top/init/runit/mosquitto/run" >"$dev/root/etc/sv/mosquitto/run"
	chmod +x "$dev/root/etc/sv/mosquitto/run"
	# /run a tmpfs of its own: mosquitto's runtime directory stays there
	unshare --mount --propagation private --pid --fork --kill-child=SIGKILL \
		sh -c 'mount -t tmpfs tmpfs /run && exec runsvdir -P "$1"' sh "$dev/root/etc/service" \
		</dev/null >/dev/null 2>&1 &
	runsv_pid=$!
	tedge config set mqtt.broker.config_path "$dev/etc/mosquitto/mosquitto.conf"
	tedge config set mqtt.bind.port "$device_port"
}
