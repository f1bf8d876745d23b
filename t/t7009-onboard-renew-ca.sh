#!/bin/sh
test_description='issue 13'\''s stories: onboarding and renewal with Cumulocity'\''s CA

The device of t7000 (a real mosquitto under a private runit, the Cumulocity
stand-in as its cloud), with no certificate at first. Onboarding: an
operator registers it with a one-time password, `tedge cert download c8y`
gets a certificate from the tenant CA (retrying until the registration is
there), `tedge connect c8y` connects with no upload, a measurement arrives.
Renewal: a short-lived certificate is due, `tedge cert renew c8y` gets a
new one by simplereenroll with the device'\''s JWT, `tedge reconnect c8y`
takes it; the stand-in, started with C8Y_STANDIN_CRL=1, then revokes the
old one, so a bridge that works is one with the new. The CA stopped:
`tedge renew c8y` fails and the device stays connected as it was.'
. ./lib.sh
. "$TEST_DIRECTORY/lib-c8y.sh"
. "$TEST_DIRECTORY/lib-flow.sh"

test_lazy_prereq CURL 'command -v curl'
test_lazy_prereq RESPONDER 'test -x "$TEDGE_ROOT/standin/c8y-responder"'
if ! test_have_prereq RUNIT,UNSHARE_PID,OPENSSL,MOSQUITTO,MOSQ_CLIENTS,CURL,RESPONDER; then
	skip_all="needs runit, root (PID namespace), openssl, mosquitto and its clients, curl, the responder (make helpers): missing $test_missing_prereq_"
	test_done
fi
C8Y_STANDIN_CRL=1
export C8Y_STANDIN_CRL
standin_start || BUG "the Cumulocity stand-in did not start"
unset C8Y_STANDIN_CRL
flow_start_runit || BUG "runsvdir did not start"

seed="$TEST_DIRECTORY/t7000"
standin=$TEDGE_ROOT/standin/c8y-standin
certs="$TEDGE_CONFIG_DIR/device-certs"
cert="$certs/tedge-certificate.pem"
key="$certs/tedge-private-key.pem"
hp=127.0.0.1:$C8Y_STANDIN_HTTP_PORT
id=ca-device
otp=Otp-ca-device-0001
NO_REQUEST='No newDeviceRequest found for this ID. It may already be registered, check the audit logs for details.'

# register ID OTP: the operator registers device ID with OTP (a CSV, as
# go-c8y-cli sends it); one created.
register () {
	printf "ID\tAUTH_TYPE\tENROLLMENT_OTP\tNAME\tTYPE\n%s\tCERTIFICATES\t%s\t%s\tthin-edge.io\n" \
		"$1" "$2" "$1" >register.csv &&
	curl -sS --max-time 20 --cacert "$C8Y_STANDIN_CA" -u "user:$C8Y_STANDIN_SECRET" \
		-H "Accept: application/json" -F "file=@register.csv;type=text/csv" \
		-o register.reply -w "%{http_code}\n" \
		"https://$hp/devicecontrol/bulkNewDeviceRequests" >register.status &&
	echo 201 >register.expect &&
	test_cmp register.expect register.status &&
	test_grep "\"numberOfCreated\": 1," register.reply
}

# serial FILE: the certificate's serial, as issued.log has it
serial () {
	openssl x509 -in "$1" -noout -serial | sed "s/^serial=//"
}

# from_tenant_ca FILE: a certificate of the tenant CA for the device key,
# CN=$id, nothing else in the file
from_tenant_ca () {
	test "$(grep -c "BEGIN CERTIFICATE" "$1")" = 1 &&
	openssl verify -CAfile "$C8Y_STANDIN_TENANT_CA" "$1" &&
	openssl x509 -in "$1" -noout -subject -issuer -nameopt RFC2253 >names &&
	printf "subject=OU=Device,O=Thin Edge,CN=%s\nissuer=CN=t12345,O=Cumulocity\n" "$id" >names.expect &&
	test_cmp names.expect names &&
	openssl x509 -in "$1" -noout -pubkey >cert.pub &&
	openssl pkey -in "$key" -pubout >key.pub &&
	test_cmp key.pub cert.pub
}

# arrives MSG: MSG, published on c8y/s/us on the device, arrives on the
# cloud'\''s s/us
arrives () {
	rm -f cloud.out &&
	{ mosquitto_sub -h 127.0.0.1 -p "$C8Y_STANDIN_INTERNAL_PORT" -t s/us -C 1 -W 15 >cloud.out & } &&
	test_bg_pid $! &&
	test_wait_for 15 "mosquitto_pub -h 127.0.0.1 -p $FLOW_PORT -t c8y/s/us -m '$1' -q 1 && test -s cloud.out" &&
	echo "$1" >cloud.expect &&
	test_cmp cloud.expect cloud.out
}

# probe CERT ID: a session of CERT and the device key with the stand-in's
# broker (client id ID, not the bridge'\''s)
probe () {
	mosquitto_pub -h 127.0.0.1 -p "$C8Y_STANDIN_MQTT_PORT" --cafile "$C8Y_STANDIN_CA" \
		--cert "$1" --key "$key" -i "$2" -t probe -m "$2" -q 1
}

test_expect_success 'setup: a device with no certificate; the CA issues for 2 days' '
	flow_device &&
	flow_define tedge-mapper-c8y "exec sleep 100000" &&
	flow_define tedge-agent "exec sleep 100000" &&
	test_path_is_missing "$cert" &&
	echo 2 >"$C8Y_STANDIN_DIR/cert-days"
'

test_expect_success 'download before the registration: retried, done once it is made' '
	{ DEVICE_ONE_TIME_PASSWORD=$otp tedge cert download c8y --device-id "$id" \
		--retry-every 1s --max-timeout 40s >dl.out 2>dl.err & } &&
	dl=$! &&
	test_bg_pid $dl &&
	test_wait_for 20 "grep -q \"^warning: Will retry in 1 seconds\$\" dl.err" &&
	test_path_is_missing "$cert" &&
	register "$id" "$otp" &&
	test_wait_for 30 "! kill -0 $dl 2>/dev/null" &&
	wait $dl &&
	head -n 2 dl.err >actual &&
	printf "%s\n" "error: The device $id is not registered yet on $hp: 401 Unauthorized: $NO_REQUEST" \
		"warning: Will retry in 1 seconds" >expect &&
	test_cmp expect actual &&
	tail -n 3 dl.err >actual &&
	printf "%s\n" "Certificate downloaded successfully" "    => the device can now be connected" "" >expect &&
	test_cmp expect actual &&
	test_grep ! "^Error" dl.err &&
	test_grep "^Certificate:   $cert\$" dl.out &&
	test_grep "^Issuer:        .*t12345" dl.out &&
	from_tenant_ca "$cert" &&
	test_mode 444 "$cert" &&
	test_grep "^simpleenroll 401 auth=Basic .* no registration for $id with that OTP\$" "$C8Y_STANDIN_DIR/est.log" &&
	test_grep "^simpleenroll 200 auth=Basic .* issued $(serial "$cert") to $id\$" "$C8Y_STANDIN_DIR/est.log" &&
	test_grep ! "\"$id\"" "$C8Y_STANDIN_DIR/requests.json" &&
	cp "$cert" first.pem
'

test_expect_success 'connect c8y with no upload: the seed'\''s lines; the device created' '
	test_path_is_missing "$C8Y_STANDIN_DIR/trusted/fingerprints" &&
	tedge connect c8y >out 2>err &&
	sed "s/systemd/runit/" "$seed/connect.out" >expect &&
	test_cmp expect out &&
	test_grep "^Warning: the device certificate $cert expires in [12]d" err &&
	{ grep -v "^Warning: the device certificate $cert expires in " err >other || :; } &&
	test_must_be_empty other &&
	test_grep -x "$id,thin-edge.io" "$C8Y_STANDIN_DIR/devices"
'

test_expect_success 'a measurement published on the device arrives in the cloud' '
	arrives "200,c8y_Temperature,T,21.5"
'

test_expect_success 'the one-time password again: refused in thin-edge'\''s words, one error' '
	test_expect_code 1 tedge cert download c8y --device-id "$id" -p "$otp" --max-timeout 0s >out 2>err &&
	test_must_be_empty out &&
	cat >expect <<-EOF &&
	error: The device $id is not registered yet on $hp: 401 Unauthorized: $NO_REQUEST
	Error: failed to Download a certificate from $hp for the device $id

	Caused by:
	    Maximum timeout elapsed. No certificate has been downloaded
	EOF
	test_cmp expect err &&
	test_cmp first.pem "$cert"
'

test_expect_success '--max-timeout bounds the retries: thin-edge'\''s message, exit 1, one error' '
	mkdir -p ghost &&
	(TEDGE_CONFIG_DIR=$TRASH_DIRECTORY/ghost && standin_configure) &&
	start=$(date +%s) &&
	test_expect_code 1 tedge --config-dir ghost cert download c8y --device-id ghost-device \
		-p Otp-ghost --retry-every 1s --max-timeout 3s >out 2>err &&
	took=$(($(date +%s) - start)) &&
	test $took -ge 2 && test $took -le 12 &&
	test_must_be_empty out &&
	tail -n 4 err >actual &&
	cat >expect <<-EOF &&
	Error: failed to Download a certificate from $hp for the device ghost-device

	Caused by:
	    Maximum timeout elapsed. No certificate has been downloaded
	EOF
	test_cmp expect actual &&
	sed "\$d" err | sed "\$d" | sed "\$d" | sed "\$d" >tries &&
	{ grep -v -x -e "error: The device ghost-device is not registered yet on $hp: 401 Unauthorized: $NO_REQUEST" \
		-e "warning: Will retry in 1 seconds" tries >other || :; } &&
	test_must_be_empty other &&
	n=$(grep -c "^error: " tries) &&
	test "$n" -ge 2 && test "$n" -le 4 &&
	test "$(grep -c "^warning: " tries)" = $((n - 1)) &&
	test_path_is_missing ghost/device-certs/tedge-certificate.pem
'

test_expect_success 'the 2-day certificate is due: needs-renewal c8y exits 0' '
	test_must_fail openssl x509 -in "$cert" -noout -checkend $((2 * 86400 + 300)) >/dev/null &&
	tedge cert needs-renewal c8y 2>err &&
	test_grep "^Status:        EXPIRES SOON (expires in: 1d" err
'

test_expect_success 'renew c8y: <cert>.new from the tenant CA, by simplereenroll with the JWT' '
	rm "$C8Y_STANDIN_DIR/cert-days" &&
	tedge cert renew c8y >out 2>err &&
	test_grep "^Certificate renewed successfully\$" err &&
	test_grep "^    => the device has to be reconnected to the cloud\$" err &&
	test_grep "^Certificate:   $cert.new\$" out &&
	test_cmp first.pem "$cert" &&
	from_tenant_ca "$cert.new" &&
	openssl x509 -in "$cert.new" -noout -checkend $((364 * 86400)) >/dev/null &&
	serial "$cert" >old.serial &&
	serial "$cert.new" >new.serial &&
	! test_cmp old.serial new.serial >/dev/null &&
	test_grep "^simplereenroll 200 auth=Bearer content-type=application/pkcs10 issued $(cat new.serial) to $id\$" \
		"$C8Y_STANDIN_DIR/est.log" &&
	cp "$cert.new" new.pem
'

test_expect_success 'the stand-in revokes the old certificate: its broker refuses it, takes the new' '
	"$standin" revoke "$C8Y_STANDIN_DIR" "$(cat old.serial)" &&
	openssl crl -in "$C8Y_STANDIN_DIR/tenant-ca.crl" -noout -text >crl &&
	test_grep "Serial Number: $(cat old.serial)\$" crl &&
	test_must_fail openssl verify -crl_check -CRLfile "$C8Y_STANDIN_DIR/tenant-ca.crl" \
		-CAfile "$C8Y_STANDIN_TENANT_CA" first.pem >verify 2>&1 &&
	test_grep "certificate revoked" verify &&
	test_must_fail probe first.pem probe-old 2>probe.err &&
	probe new.pem probe-new &&
	test_expect_code 2 "$standin" revoke "$C8Y_STANDIN_DIR" nothex 2>err &&
	test_grep "is no serial in hex" err
'

# connect_with LINE...: the seed'\''s connect, these lines (use-new'\''s) after
# "already exists"
connect_with () {
	sed "s/systemd/runit/" "$seed/connect.out" >connect.out &&
	sed -n 1,4p connect.out &&
	printf "%s\n\n" "$@" &&
	sed 1,4d connect.out
}

test_expect_success 'reconnect takes the new certificate; the bridge is up with it' '
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
	arrives "200,c8y_Temperature,T,22.5" &&
	sed -n "/Reloading config/,\$p" "$C8Y_STANDIN_DIR/mosquitto.log" >since &&
	test_grep "New client connected from .* as $id " since
'

test_expect_success 'needs-renewal c8y: the new certificate is not due (1)' '
	test_expect_code 1 tedge cert needs-renewal c8y 2>err &&
	test_grep "^Status:        VALID (expires in: 36[45]d" err
'

# The bridge'\''s session with the cloud is the one it had: no new one.
test_expect_success 'the CA stopped: tedge renew c8y fails; no .new; connected as before' '
	test_when_finished "\"$standin\" ca-on \"$C8Y_STANDIN_DIR\" &&
		tedge-config unset certificate.validity.minimum_duration" &&
	tedge-config set certificate.validity.minimum_duration 400d &&
	tedge cert needs-renewal c8y 2>/dev/null &&
	sessions=$(grep -c "New client connected from .* as $id " "$C8Y_STANDIN_DIR/mosquitto.log") &&
	for mode in 503 close; do
		"$standin" ca-off "$C8Y_STANDIN_DIR" $mode &&
		test_expect_code 1 tedge renew c8y >out 2>err.$mode &&
		printf "%s\n\n" "Renewing the device certificate." >expect &&
		test_cmp expect out &&
		head -n 4 err.$mode >actual &&
		printf "%s\n" "Error: failed to renew the device certificate for Cumulocity." "" "Caused by:" \
			"    0: failed to renew the device certificate via https://$hp" >expect &&
		test_cmp expect actual &&
		test "$(grep -c "^Error: " err.$mode)" = 1 &&
		test_path_is_missing "$cert.new" &&
		test_cmp new.pem "$cert" &&
		tedge-svc is-active mosquitto &&
		arrives "200,c8y_Temperature,T,$mode" || return 1
	done &&
	test "$(grep -c "New client connected from .* as $id " "$C8Y_STANDIN_DIR/mosquitto.log")" = "$sessions" &&
	test_grep -x "    1: The request failed with 503 Service Unavailable:" err.503 &&
	test_grep -F "\"message\": \"The certificate authority is not available\"}" err.503 &&
	test_grep -x "    1: Fail to connect to https://$hp/.well-known/est/simplereenroll: Empty reply from server" err.close &&
	test_grep "^simplereenroll 503 auth=Bearer " "$C8Y_STANDIN_DIR/est.log" &&
	test_grep "^simplereenroll close auth=Bearer " "$C8Y_STANDIN_DIR/est.log"
'

test_done
