# t/lib-check.sh: what the tedge-check tests (t5*) share. Source it after
# lib.sh and lib-c8y.sh.
#
# A local mosquitto as a device runs it: it loads <config-dir>/mosquitto-conf
# (tedge-mosquitto.conf and the bridge files of tedge-bridge-gen, as
# `tedge init` sets it up), on a free port. Started as root, mosquitto drops
# to the mosquitto user unless told "user root", and that user could not
# read the test keys.

MOSQ=/usr/sbin/mosquitto
test -x "$MOSQ" || MOSQ=$(command -v mosquitto)

check_user_line () {
	if test "$(id -u)" = 0; then echo "user root"; fi
}

# local_setup: a free port for the local broker, its listener file and the
# configuration that includes the generated directory (local.conf), which
# mqtt.broker.config_path names, as /etc/mosquitto/mosquitto.conf on a device.
local_setup () {
	LP=$(tedge-test free-port) &&
	tedge-config set mqtt.bind.port "$LP" &&
	tedge-config set mqtt.broker.config_path "$TRASH_DIRECTORY/local.conf" &&
	tedge-bridge-gen --write local &&
	{
		check_user_line
		echo "log_dest file $TRASH_DIRECTORY/local.log"
		echo "log_type all"
		echo "include_dir $TEDGE_CONFIG_DIR/mosquitto-conf"
	} >"$TRASH_DIRECTORY/local.conf"
}

# local_start: starts the local broker (killed with the test, or with the
# script when called outside a test) and waits until it accepts.
local_start () {
	{ "$MOSQ" -c "$TRASH_DIRECTORY/local.conf" >"$TRASH_DIRECTORY/local.out" 2>&1 & } &&
	test_bg_pid $! &&
	LOCAL_PID=$! &&
	tedge-check broker --wait 10
}

# device_cert CN DIR: a self-signed CA:TRUE certificate and key for CN, in
# DIR/cert.pem and DIR/key.pem, as Cumulocity takes them.
device_cert () {
	mkdir -p "$2" &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
		-subj "/CN=$1" -addext basicConstraints=critical,CA:TRUE \
		-keyout "$2/key.pem" -out "$2/cert.pem" 2>/dev/null
}

# dated_cert CN START END DIR: the same with a chosen validity window
# (dates as YYYYMMDDHHMMSSZ), through `openssl ca`, which alone can set both.
dated_cert () {
	mkdir -p "$4" &&
	cat >"$4/ca.cnf" <<-EOF &&
	[ca]
	default_ca = d
	[d]
	database = $4/index.txt
	new_certs_dir = $4
	serial = $4/serial
	default_md = sha256
	policy = p
	unique_subject = no
	x509_extensions = ext
	[p]
	commonName = supplied
	[ext]
	basicConstraints = critical,CA:TRUE
	subjectKeyIdentifier = hash
	EOF
	: >"$4/index.txt" &&
	echo 01 >"$4/serial" &&
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" \
		-keyout "$4/key.pem" -out "$4/req.csr" 2>/dev/null &&
	openssl ca -batch -config "$4/ca.cnf" -selfsign -keyfile "$4/key.pem" -in "$4/req.csr" \
		-startdate "$2" -enddate "$3" -notext -out "$4/cert.pem" 2>/dev/null
}

# upload_cert: the device certificate into the stand-in's trust.
upload_cert () {
	C8Y_PASSWORD=$C8Y_STANDIN_SECRET tedge-cert upload c8y --user user 2>upload.err ||
	{ cat upload.err >&2; return 1; }
}

# The layers of doctor, in order ('_' for ' ').
layers="configuration certificate dns tcp tls_server tls_client broker_config local_broker bridge round_trip"

# doctor_fails LAYER [ENV=VALUE...]: doctor c8y exits 1; the layers before
# LAYER pass (those named in $doctor_warn print WARN instead of ok), LAYER
# fails, none after it is tried; the Error: line names it. Output in out
# and err.
doctor_fails () {
	want=$1 &&
	shift &&
	test_expect_code 1 env "$@" tedge-check doctor c8y --timeout 3 >out 2>err &&
	test_must_be_empty out &&
	sed -n -e "s/^ok   \([a-z ]*\):.*/ok \1/p" -e "s/^FAIL \([a-z ]*\):.*/FAIL \1/p" \
		-e "s/^WARN \([a-z ]*\):.*/WARN \1/p" err >got &&
	: >expect.layers &&
	for l in $layers; do
		if test "$l" = "$want"; then
			echo "FAIL $l" | tr _ " " >>expect.layers
			break
		fi
		case " ${doctor_warn-} " in
		*" $l "*) echo "WARN $l" ;;
		*) echo "ok $l" ;;
		esac | tr _ " " >>expect.layers
	done &&
	test_cmp expect.layers got &&
	test_grep "^Error: the connection to Cumulocity fails at the $(echo "$want" | tr _ " ") layer$" err
}
