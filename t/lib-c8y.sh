# t/lib-c8y.sh: the Cumulocity stand-in (standin/c8y-standin) for tests.
# Source it after lib.sh. standin_start runs at the top of a script, outside
# any test, so that the stand-in lives for the whole script; the harness
# kills it (by PID) when the script ends.

# Starts the stand-in under $TRASH_DIRECTORY/c8y and sets the C8Y_STANDIN_*
# variables (ports, CA, directory). Returns non-zero when it cannot start.
standin_start () {
	# the cloud, not the device: the machine's PATH (TEST_BUSYBOX_PATH)
	c8y_env_=$(PATH=${TEST_SYSTEM_PATH:-$PATH} \
		"$TEDGE_ROOT/standin/c8y-standin" start "$TRASH_DIRECTORY/c8y") || return 1
	eval "$c8y_env_"
	# shellcheck disable=SC2086 # one word per PID
	test_bg_pid $C8Y_STANDIN_PIDS
}

# Points the device's configuration at the stand-in, trusting its CA.
standin_configure () {
	tedge-config set c8y.url localhost &&
	tedge-config set c8y.http "127.0.0.1:$C8Y_STANDIN_HTTP_PORT" &&
	tedge-config set c8y.mqtt "127.0.0.1:$C8Y_STANDIN_MQTT_PORT" &&
	tedge-config set c8y.root_cert_path "$C8Y_STANDIN_CA"
}

# The password of the stand-in's users "user" and "noadmin".
C8Y_STANDIN_SECRET=standin-secret

# The password of the stand-in's basic-auth devices (t12345/device_ID).
C8Y_STANDIN_BASIC_SECRET='basic secret #1'

# Points the device at the stand-in's basic-auth listener as device ID:
# c8y.auth_method basic, the credentials file (mode 600) with its user.
standin_configure_basic () {
	standin_configure &&
	tedge-config set c8y.mqtt "127.0.0.1:$C8Y_STANDIN_BASIC_PORT" &&
	tedge-config set c8y.auth_method basic &&
	tedge-config set device.id "$1" &&
	printf '[c8y]\nusername = "t12345/device_%s"\npassword = "%s"\n' "$1" \
		"$C8Y_STANDIN_BASIC_SECRET" >"$TEDGE_CONFIG_DIR/credentials.toml" &&
	chmod 600 "$TEDGE_CONFIG_DIR/credentials.toml"
}
