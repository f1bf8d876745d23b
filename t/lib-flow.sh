# t/lib-flow.sh: a device for the tedge connect tests (t7*). Source it after
# lib.sh and lib-c8y.sh, at the top of a script.
#
# The device is real all the way down: a private runsvdir (runit) in a PID
# namespace of its own supervises a real mosquitto, defined by the toolkit's
# init/runit/mosquitto/run, whose mosquitto.conf `tedge init` makes include
# the toolkit's configuration; tedge-svc drives runit through
# TEDGE_SVC_ROOT. The cloud is the Cumulocity stand-in.

FLOW_ROOT="$TRASH_DIRECTORY/root"
FLOW_SV="$FLOW_ROOT/etc/service"
TEDGE_SVC_ROOT=$FLOW_ROOT
export TEDGE_SVC_ROOT
FLOW_MOSQUITTO=$(command -v mosquitto 2>/dev/null || echo /usr/sbin/mosquitto)

test_lazy_prereq RUNIT 'command -v runsvdir && command -v sv'
test_lazy_prereq UNSHARE_PID 'id -u | grep -qx 0 && unshare --pid --fork --kill-child=SIGKILL true'

# flow_define NAME RUN-SCRIPT-TEXT: a runit service definition, supervised.
flow_define () {
	mkdir -p "$FLOW_ROOT/etc/sv/$1" &&
	printf '%s\n' "#!/bin/sh" "$2" >"$FLOW_ROOT/etc/sv/$1/run" &&
	chmod +x "$FLOW_ROOT/etc/sv/$1/run"
}

# flow_start_runit: the supervisor, for the rest of the script. Its /run is
# a tmpfs of its own: what the services make there (mosquitto's runtime
# directory) stays out of the machine's.
flow_start_runit () {
	mkdir -p "$FLOW_ROOT/etc/sv" "$FLOW_SV" &&
	{ unshare --mount --propagation private --pid --fork --kill-child=SIGKILL \
		sh -c 'mount -t tmpfs tmpfs /run && exec runsvdir -P "$1"' sh "$FLOW_SV" \
		</dev/null >/dev/null 2>&1 & } &&
	test_bg_pid $!
}

# flow_mosquitto: mosquitto under the runit of flow_start_runit, its
# definition from init/runit as `make install-init` renders it, its
# mosquitto.conf in $TRASH_DIRECTORY/etc/mosquitto (the caller writes it),
# a local listener on a free port (FLOW_PORT).
flow_mosquitto () {
	FLOW_PORT=$(tedge-test free-port) &&
	mkdir -p "$TRASH_DIRECTORY/etc/mosquitto" "$FLOW_ROOT/etc/sv/mosquitto" &&
	sed -e "s|@SBINDIR@|${FLOW_MOSQUITTO%/*}|g" \
		-e "s|@SYSCONFDIR@|$TRASH_DIRECTORY/etc|g" \
		"$TEDGE_ROOT/init/runit/mosquitto/run" >"$FLOW_ROOT/etc/sv/mosquitto/run" &&
	chmod +x "$FLOW_ROOT/etc/sv/mosquitto/run" &&
	tedge-config set mqtt.broker.config_path "$TRASH_DIRECTORY/etc/mosquitto/mosquitto.conf" &&
	tedge-config set mqtt.bind.port "$FLOW_PORT"
}

# flow_device: flow_mosquitto with a mosquitto.conf that logs everything
# to $TRASH_DIRECTORY/mosquitto.log, the stand-in as the cloud, tedge init.
flow_device () {
	flow_mosquitto &&
	printf '%s\n' "# the test device's mosquitto.conf" \
		"log_dest file $TRASH_DIRECTORY/mosquitto.log" \
		"log_type all" >"$TRASH_DIRECTORY/etc/mosquitto/mosquitto.conf" &&
	: >"$TRASH_DIRECTORY/mosquitto.log" &&
	chmod 666 "$TRASH_DIRECTORY/mosquitto.log" &&
	standin_configure &&
	tedge init
}
