#!/bin/sh
test_description='tedge connect and reconnect take a renewed certificate (<cert>.new)

The device of t7000 (a real mosquitto under a private runit, the Cumulocity
stand-in as its cloud). The stand-in trusts the certificates uploaded to
it (its broker'\''s capath). A self-signed renewal (`tedge-cert renew c8y`,
same key and subject) is refused by it even when uploaded beside the old
one ("unknown CA": found while writing this, not yet explained; see the
report of issue 13), so the device here is signed by a CA of the test'\''s,
uploaded, and its renewal is what such a CA gives (the stand-in has no EST
yet). Refused: a .new for another key (refused before the cloud is asked),
and one for the device key from a CA the stand-in does not trust.'
. ./lib.sh
. "$TEST_DIRECTORY/lib-c8y.sh"
. "$TEST_DIRECTORY/lib-flow.sh"

if ! test_have_prereq RUNIT,UNSHARE_PID,OPENSSL,MOSQUITTO; then
	skip_all="needs runit, root (PID namespace), openssl and mosquitto: missing $test_missing_prereq_"
	test_done
fi
standin_start || BUG "the Cumulocity stand-in did not start"
flow_start_runit || BUG "runsvdir did not start"

seed="$TEST_DIRECTORY/t7000"
certs="$TEDGE_CONFIG_DIR/device-certs"
cert="$certs/tedge-certificate.pem"

# signed CN OUT: a certificate for the device key from the test'\''s CA
signed () {
	openssl req -new -key "$certs/tedge-private-key.pem" -subj "/CN=$1" -out dev.csr &&
	openssl x509 -req -in dev.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
		-days 300 -out "$2" 2>/dev/null
}

test_expect_success 'setup: a device certificate from a CA the cloud trusts' '
	flow_device &&
	tedge cert create --device-id renew-device &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 400 \
		-subj "/O=Test/CN=test-ca" -addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		-keyout ca.key -out ca.pem 2>/dev/null &&
	TEDGE_DEVICE_CERT_PATH=$TRASH_DIRECTORY/ca.pem C8Y_PASSWORD=$C8Y_STANDIN_SECRET \
		tedge cert upload c8y --user user &&
	signed renew-device dev.pem &&
	chmod u+w "$cert" && cat dev.pem >"$cert" &&
	signed renew-device renewed.pem &&
	! test_cmp dev.pem renewed.pem >/dev/null
'

test_expect_success 'setup: connected with the current certificate' '
	flow_define tedge-mapper-c8y "exec sleep 100000" &&
	flow_define tedge-agent "exec sleep 100000" &&
	tedge connect c8y >out 2>err &&
	sed "s/systemd/runit/" "$seed/connect.out" >expect &&
	test_cmp expect out
'

test_expect_success 'reconnect without a .new: what it prints today' '
	tedge reconnect c8y >out 2>err &&
	sed "s/systemd/runit/" "$seed/disconnect.out" "$seed/connect.out" >expect &&
	test_cmp expect out
'

# connect_with LINE...: the seed'\''s connect, with these lines (use-new'\''s)
# after "already exists".
connect_with () {
	sed "s/systemd/runit/" "$seed/connect.out" >connect.out &&
	sed -n 1,4p connect.out &&
	printf "%s\n\n" "$@" &&
	sed 1,4d connect.out
}

test_expect_success 'reconnect: validated, promoted, said; the bridge works' '
	cp renewed.pem "$cert.new" &&
	cp renewed.pem new.pem &&
	tedge reconnect c8y >out 2>err &&
	{
		sed "s/systemd/runit/" "$seed/disconnect.out" &&
		connect_with "Validating new certificate: $cert.new" \
			"The new certificate is now the active certificate $cert"
	} >expect &&
	test_cmp expect out &&
	test_must_be_empty err &&
	test_path_is_missing "$cert.new" &&
	test_cmp new.pem "$cert" &&
	tedge connect c8y --test >/dev/null
'

test_expect_success 'a .new for another key: refused, exit 3, the current one stays' '
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 400 \
		-subj "/CN=renew-device/O=Thin Edge/OU=Test Device" \
		-keyout other.key -out "$cert.new" 2>/dev/null &&
	cp "$cert" current.pem &&
	test_expect_code 3 tedge reconnect c8y >out 2>err &&
	{
		sed "s/systemd/runit/" "$seed/disconnect.out" &&
		connect_with "Validating new certificate: $cert.new" \
			"Validating new certificate: $cert.new attempt 2 of 5" \
			"Validating new certificate: $cert.new attempt 3 of 5" \
			"Validating new certificate: $cert.new attempt 4 of 5" \
			"Validating new certificate: $cert.new attempt 5 of 5" \
			"  => keep using the current certificate unchanged $cert" &&
		printf "%s\n\n" "Successfully connected, however not using the new certificate"
	} >expect &&
	test_cmp expect out &&
	test_grep "^Error validating the new certificate: " err &&
	test_cmp current.pem "$cert" &&
	test_path_is_file "$cert.new" &&
	tedge connect c8y --test >/dev/null
'

test_expect_success 'a .new for the device key from a CA the cloud does not trust: refused by it' '
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 400 \
		-subj "/O=Elsewhere/CN=untrusted-ca" -keyout other-ca.key -out other-ca.pem 2>/dev/null &&
	openssl req -new -key "$certs/tedge-private-key.pem" -subj "/CN=renew-device" -out dev.csr &&
	openssl x509 -req -in dev.csr -CA other-ca.pem -CAkey other-ca.key -CAcreateserial \
		-days 30 -out "$cert.new" 2>/dev/null &&
	test_expect_code 3 tedge reconnect c8y >out 2>err &&
	test_grep "^  => keep using the current certificate unchanged $cert\$" out &&
	tail -n 2 out >actual &&
	printf "%s\n\n" "Successfully connected, however not using the new certificate" >expect &&
	test_cmp expect actual &&
	test_grep "^Error validating the new certificate: .*unknown CA" err &&
	test_cmp current.pem "$cert" &&
	tedge connect c8y --test >/dev/null
'

test_expect_success 'offline: the three lines, the .new left, exit 0' '
	tedge disconnect c8y >/dev/null &&
	tedge connect c8y --offline >out 2>err &&
	sed -n 5,10p out >actual &&
	printf "%s\n\n" "Offline mode. Skipping new device certificate validation" \
		"  => use current certificate $cert" \
		"  => ignoring new certificate $cert.new" >expect &&
	test_cmp expect actual &&
	sed -n 11p out >actual &&
	echo "Validating the bridge certificates." >expect &&
	test_cmp expect actual &&
	test_cmp current.pem "$cert" &&
	test_path_is_file "$cert.new"
'

# An expired certificate for the device key and subject: `openssl ca` can
# backdate.
expired () {
	mkdir -p ca.d &&
	: >ca.d/index &&
	echo 01 >ca.d/serial &&
	cat >ca.d/conf <<-\EOF &&
	[ca]
	default_ca = d
	[d]
	dir = ca.d
	database = ca.d/index
	serial = ca.d/serial
	new_certs_dir = ca.d
	default_md = sha256
	policy = any
	[any]
	commonName = supplied
	EOF
	openssl req -new -key "$certs/tedge-private-key.pem" -subj "/CN=renew-device" -out old.csr &&
	openssl ca -batch -config ca.d/conf -selfsign -keyfile "$certs/tedge-private-key.pem" \
		-in old.csr -startdate 20200101000000Z -enddate 20200102000000Z -out "$1" 2>/dev/null
}

test_expect_success 'an expired certificate that a valid .new replaces passes the validation' '
	tedge disconnect c8y >/dev/null &&
	rm -f "$cert.new" &&
	cp "$cert" "$cert.new" &&
	expired expired.pem &&
	chmod u+w "$cert" &&
	openssl x509 -in expired.pem >"$cert" &&
	tedge connect c8y >out 2>err &&
	test_grep "^The new certificate is now the active certificate $cert\$" out &&
	test_cmp current.pem "$cert" &&
	test_path_is_missing "$cert.new"
'

test_expect_success 'an expired certificate and no .new: the validation fails as before' '
	tedge disconnect c8y >/dev/null &&
	chmod u+w "$cert" &&
	openssl x509 -in expired.pem >"$cert" &&
	test_when_finished "cat current.pem >\"$cert\"" &&
	test_expect_code 1 tedge connect c8y >out 2>err &&
	test_grep ! "new certificate" out &&
	test_grep "^Validating the bridge certificates.\$" out
'

test_done
