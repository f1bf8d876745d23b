#!/bin/sh
test_description='the stand-in'\''s certificate authority, with curl and openssl

Cumulocity'\''s CA as standin/c8y-standin has it: a registration by CSV
(bulkNewDeviceRequests), EST simpleenroll with the one-time password,
simplereenroll with a JWT the responder gave over MQTT, the refusals, the
two reply forms, the tenant CA trusted by the broker, and the CA stopped
alone (ca-off). No tedge program is used: this is the ground the client is
built on.'
. ./lib.sh
. "$TEST_DIRECTORY/lib-c8y.sh"

test_lazy_prereq CURL 'command -v curl'
test_lazy_prereq RESPONDER 'test -x "$TEDGE_ROOT/standin/c8y-responder"'
if ! test_have_prereq OPENSSL,MOSQUITTO,MOSQ_CLIENTS,CURL,RESPONDER; then
	skip_all="needs openssl, mosquitto and its clients, curl, the responder (make helpers): missing $test_missing_prereq_"
	test_done
fi
# fleet-dev: a device the responder knows (its own endpoint); certificates
# of 2 days, to tell the setting from the default
C8Y_STANDIN_FLEET=fleet-dev C8Y_STANDIN_CERT_DAYS=2
export C8Y_STANDIN_FLEET C8Y_STANDIN_CERT_DAYS
standin_start || BUG "the Cumulocity stand-in did not start"
unset C8Y_STANDIN_FLEET C8Y_STANDIN_CERT_DAYS

standin=$TEDGE_ROOT/standin/c8y-standin
api=https://127.0.0.1:$C8Y_STANDIN_HTTP_PORT
NO_REQUEST='No newDeviceRequest found for this ID. It may already be registered, check the audit logs for details.'

# register FILE [CURL-ARGS]: POSTs the CSV FILE as the operator would; the
# status into status, the reply into reply.
register () {
	f_=$1
	shift
	curl -sS --max-time 20 --cacert "$C8Y_STANDIN_CA" -u "user:$C8Y_STANDIN_SECRET" \
		-H "Accept: application/json" -F "file=@$f_;type=text/csv" "$@" \
		-o reply -w "%{http_code}\n" "$api/devicecontrol/bulkNewDeviceRequests" >status
}

# est CALL FILE [CURL-ARGS]: POSTs FILE to /.well-known/est/CALL as
# application/pkcs10; the status into status, headers and body likewise.
est () {
	c_=$1 f_=$2
	shift 2
	rm -f body headers
	curl -sS --max-time 20 --cacert "$C8Y_STANDIN_CA" -H "Content-Type: application/pkcs10" \
		--data-binary "@$f_" "$@" -D headers -o body -w "%{http_code}\n" \
		"$api/.well-known/est/$c_" >status
}

# status_is CODE: the status of the last request
status_is () {
	echo "$1" >expect.status &&
	test_cmp expect.status status
}

# json_is FILE KEY VALUE...: each top-level KEY of the JSON in FILE is VALUE
# (a JSON value, else a string).
json_is () {
	python3 - "$@" <<-\EOF
	import json, sys
	r = json.load(open(sys.argv[1]))
	a = sys.argv[2:]
	for k, v in zip(a[::2], a[1::2]):
	    try:
	        want = json.loads(v)
	    except ValueError:
	        want = v
	    assert r.get(k) == want, (k, r.get(k), want)
	EOF
}

# failures FILE: "deviceId: failureReason" for each failed entry of a
# registration's reply.
failures () {
	python3 - "$1" <<-\EOF
	import json, sys
	for e in json.load(open(sys.argv[1]))["failedCreationList"]:
	    assert e["bulkNewDeviceStatus"] == "FAILED" and e["line"], e
	    print("%s: %s" % (e.get("deviceId", "-"), e["failureReason"]))
	EOF
}

# csr ID [OPENSSL-REQ-ARGS]: a new key ID.key, a CSR for CN=ID in ID.csr
# and ID.body, the PEM without its BEGIN/END lines (what thin-edge sends).
csr () {
	id_=$1
	shift
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-subj "/O=Thin Edge/OU=Device/CN=$id_" -keyout "$id_.key" -out "$id_.csr" "$@" 2>/dev/null &&
	sed "/-----/d" "$id_.csr" >"$id_.body"
}

# p7_cert OUT: the one certificate of the PKCS#7 reply in body, into OUT
p7_cert () {
	openssl base64 -d -A -in body -out body.der &&
	openssl pkcs7 -inform DER -in body.der -print_certs -out "$1" &&
	test "$(grep -c "BEGIN CERTIFICATE" "$1")" = 1
}

# jwt PORT CERT KEY: a token for s/uat, asked for as the holder of CERT on
# PORT (the answer comes on s/dat), into token.
jwt () {
	rm -f s_dat token &&
	{ mosquitto_sub -h 127.0.0.1 -p "$1" --cafile "$C8Y_STANDIN_CA" --cert "$2" --key "$3" \
		-i "jwt-sub-$$" -t s/dat -C 1 -W 15 >s_dat 2>&1 & } &&
	test_bg_pid $! &&
	# published until answered: the subscription may not be in place yet
	test_wait_for 15 "test -s s_dat || { mosquitto_pub -h 127.0.0.1 -p $1 --cafile \"$C8Y_STANDIN_CA\" \
		--cert $2 --key $3 -i jwt-pub-$$ -t s/uat -n; false; }" &&
	sed -n "s/^71,//p" s_dat >token &&
	test -s token
}

# claim NAME: the claim NAME of the token in token
claim () {
	python3 - "$1" <<-\EOF
	import base64, json, sys
	p = open("token").read().strip().split(".")[1]
	print(json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))[sys.argv[1]])
	EOF
}

b64url () { openssl base64 -A | tr "/+" "_-" | tr -d "="; }

# forge EXP SUB KEYHEX: an HS256 token with those claims, into forged
forge () {
	h_=$(printf '{"alg":"HS256","typ":"JWT"}' | b64url) &&
	p_=$(printf '{"iss":"localhost","sub":"%s","tenant":"t12345","iat":%s,"exp":%s}' \
		"$2" "$(($1 - 3600))" "$1" | b64url) &&
	s_=$(printf '%s.%s' "$h_" "$p_" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$3" -binary | b64url) &&
	echo "$h_.$p_.$s_" >forged
}

# pub CERT KEY ID: 100 on s/us to the stand-in's broker, as ID with CERT
pub () {
	mosquitto_pub -h 127.0.0.1 -p "$C8Y_STANDIN_MQTT_PORT" --cafile "$C8Y_STANDIN_CA" \
		--cert "$1" --key "$2" -i "$3" -t s/us -m "100,$3,thin-edge.io" -q 1
}

test_expect_success 'the tenant CA: O=Cumulocity, CN=t12345, a CA; not the server'\''s CA' '
	openssl x509 -in "$C8Y_STANDIN_TENANT_CA" -noout -subject -issuer -nameopt RFC2253 >names &&
	printf "subject=CN=t12345,O=Cumulocity\nissuer=CN=t12345,O=Cumulocity\n" >expect &&
	test_cmp expect names &&
	openssl x509 -in "$C8Y_STANDIN_TENANT_CA" -noout -ext basicConstraints >bc &&
	test_grep "CA:TRUE" bc &&
	test_path_is_file "$C8Y_STANDIN_DIR/tenant-ca.key" &&
	! cmp -s "$C8Y_STANDIN_TENANT_CA" "$C8Y_STANDIN_CA"
'

test_expect_success 'registration by a TAB-separated CSV: 201, counted' '
	printf "ID\tAUTH_TYPE\tENROLLMENT_OTP\tNAME\tTYPE\ntab-dev\tCERTIFICATES\tOtp-1\tTab device\tthin-edge.io\n" >tab.csv &&
	register tab.csv &&
	status_is 201 &&
	json_is reply numberOfAll 1 numberOfCreated 1 numberOfSuccessful 1 numberOfFailed 0 \
		failedCreationList "[]" credentialUpdatedList "[]" &&
	test_grep "\"tab-dev\"" "$C8Y_STANDIN_DIR/requests.json"
'

test_expect_success 'registration by a ;-separated CSV: columns by name, optional ones too' '
	cat >semi.csv <<-\EOF &&
	NAME;ENROLLMENT_OTP;ID;AUTH_TYPE;TYPE;IDTYPE;PATH;com_cumulocity_model_Agent.active
	Semi 1;Otp-2;semi-dev1;CERTIFICATES;thin-edge.io;c8y_Serial;group/sub;true
	Semi 2;01234567890123456789012345678901;semi-dev2;CERTIFICATES;;;;

	EOF
	register semi.csv &&
	status_is 201 &&
	json_is reply numberOfAll 2 numberOfCreated 2 numberOfSuccessful 2 numberOfFailed 0
'

test_expect_success 'refused rows: a pending ID, an OTP over 32, empty, another AUTH_TYPE' '
	printf "ID;AUTH_TYPE;ENROLLMENT_OTP\n%s\n%s\n%s\n%s\n%s\n%s\n" \
		"tab-dev;CERTIFICATES;Otp-other" "long-dev;CERTIFICATES;012345678901234567890123456789012" \
		"empty-dev;CERTIFICATES;" "basic-dev;BASIC;x" ";CERTIFICATES;x" "ok-dev;CERTIFICATES;Otp-3" >bad.csv &&
	register bad.csv &&
	status_is 201 &&
	json_is reply numberOfAll 6 numberOfCreated 1 numberOfSuccessful 1 numberOfFailed 5 &&
	failures reply >reasons &&
	cat >expect <<-\EOF &&
	tab-dev: A newDeviceRequest for ID tab-dev already exists; it cannot be updated, delete it first
	long-dev: ENROLLMENT_OTP is longer than 32 characters
	empty-dev: ENROLLMENT_OTP is empty
	basic-dev: AUTH_TYPE BASIC: the stand-in registers certificate devices only (CERTIFICATES)
	-: ID is empty
	EOF
	test_cmp expect reasons
'

test_expect_success 'a missing column fails every row, saying which' '
	printf "ID\tAUTH_TYPE\nnootp-dev\tCERTIFICATES\n" >nootp.csv &&
	register nootp.csv &&
	status_is 201 &&
	json_is reply numberOfAll 1 numberOfCreated 0 numberOfFailed 1 &&
	failures reply >reasons &&
	echo "nootp-dev: Missing mandatory column(s): ENROLLMENT_OTP" >expect &&
	test_cmp expect reasons
'

test_expect_success 'registration: 401, 403 for noadmin, no Accept: an empty body, 415, 400' '
	printf "ID;AUTH_TYPE;ENROLLMENT_OTP\nx-dev;CERTIFICATES;x\n" >x.csv &&
	register x.csv -u user:wrong &&
	status_is 401 &&
	register x.csv -u "noadmin:$C8Y_STANDIN_SECRET" &&
	status_is 403 &&
	json_is reply error security/Forbidden &&
	curl -sS --max-time 20 --cacert "$C8Y_STANDIN_CA" -u "user:$C8Y_STANDIN_SECRET" -H "Accept:" \
		-F "file=@x.csv" -o reply -w "%{http_code}\n" "$api/devicecontrol/bulkNewDeviceRequests" >status &&
	status_is 201 &&
	test_must_be_empty reply &&
	test_grep "\"x-dev\"" "$C8Y_STANDIN_DIR/requests.json" &&
	curl -sS --max-time 20 --cacert "$C8Y_STANDIN_CA" -u "user:$C8Y_STANDIN_SECRET" \
		-H "Content-Type: text/csv" --data-binary @x.csv -o reply -w "%{http_code}\n" \
		"$api/devicecontrol/bulkNewDeviceRequests" >status &&
	status_is 415 &&
	curl -sS --max-time 20 --cacert "$C8Y_STANDIN_CA" -u "user:$C8Y_STANDIN_SECRET" \
		-F "other=@x.csv" -o reply -w "%{http_code}\n" "$api/devicecontrol/bulkNewDeviceRequests" >status &&
	status_is 400 &&
	json_is reply message "No part named file"
'

test_expect_success 'simpleenroll: 200, PKCS#7 certs-only in one line of base64' '
	csr tab-dev &&
	est simpleenroll tab-dev.body -u tab-dev:Otp-1 &&
	status_is 200 &&
	test_grep -i "^Content-Type: application/pkcs7-mime; smime-type=certs-only" headers &&
	tr -d "A-Za-z0-9+/=" <body >rest &&
	test_must_be_empty rest &&
	p7_cert tab-dev.pem
'

test_expect_success 'the certificate: the CSR'\''s subject and key, the tenant CA'\''s, v3 bare, 2 days' '
	openssl x509 -in tab-dev.pem -noout -subject -issuer -nameopt RFC2253 >names &&
	printf "subject=CN=tab-dev,OU=Device,O=Thin Edge\nissuer=CN=t12345,O=Cumulocity\n" >expect &&
	test_cmp expect names &&
	openssl verify -CAfile "$C8Y_STANDIN_TENANT_CA" tab-dev.pem &&
	openssl x509 -in tab-dev.pem -noout -pubkey >cert.pub &&
	openssl pkey -in tab-dev.key -pubout >key.pub &&
	test_cmp key.pub cert.pub &&
	openssl x509 -in tab-dev.pem -noout -text >text &&
	test_grep "Version: 3 (0x2)" text &&
	test_grep ! "X509v3" text &&
	openssl x509 -in tab-dev.pem -noout -checkend $((2 * 86400 - 300)) >/dev/null &&
	test_must_fail openssl x509 -in tab-dev.pem -noout -checkend $((2 * 86400 + 300)) >/dev/null &&
	serial=$(openssl x509 -in tab-dev.pem -noout -serial) &&
	test_grep "^${serial#serial=} tab-dev 20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9:]*Z$" \
		"$C8Y_STANDIN_DIR/issued.log"
'

test_expect_success 'it connects to the stand-in broker with no upload; an unknown self-signed one does not' '
	test_path_is_missing "$C8Y_STANDIN_DIR/trusted/fingerprints" &&
	pub tab-dev.pem tab-dev.key tab-dev &&
	test_wait_for 10 "grep -qx tab-dev,thin-edge.io \"$C8Y_STANDIN_DIR/devices\"" &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=selfie \
		-keyout selfie.key -out selfie.pem 2>/dev/null &&
	test_must_fail pub selfie.pem selfie.key selfie 2>err
'

test_expect_success 'the OTP works once: then 401 and Cumulocity'\''s words' '
	est simpleenroll tab-dev.body -u tab-dev:Otp-1 &&
	status_is 401 &&
	json_is body error security/Unauthorized message "$NO_REQUEST" &&
	test_grep ! "\"tab-dev\"" "$C8Y_STANDIN_DIR/requests.json"
'

test_expect_success 'an unregistered ID, a wrong OTP, a tenant prefix, no credentials: 401' '
	csr nobody &&
	est simpleenroll nobody.body -u nobody:Otp-1 &&
	status_is 401 &&
	json_is body message "$NO_REQUEST" &&
	csr semi-dev1 &&
	est simpleenroll semi-dev1.body -u semi-dev1:Otp-1 &&
	status_is 401 &&
	json_is body message "$NO_REQUEST" &&
	est simpleenroll semi-dev1.body -u t12345/semi-dev1:Otp-2 &&
	status_is 401 &&
	est simpleenroll semi-dev1.body &&
	status_is 401 &&
	json_is body message "Full authentication is required to access this resource"
'

test_expect_success 'a CSR for another CN: 400; the registration stays, the right CSR then works' '
	csr stranger &&
	est simpleenroll stranger.body -u semi-dev1:Otp-2 &&
	status_is 400 &&
	json_is body message "The CSR'\''s common name stranger is not the device ID semi-dev1" &&
	csr semi-dev1 &&
	est simpleenroll semi-dev1.body -u semi-dev1:Otp-2 &&
	status_is 200 &&
	p7_cert semi-dev1.pem
'

test_expect_success 'a CSR asking for CA:TRUE: 400, said so' '
	printf "ID;AUTH_TYPE;ENROLLMENT_OTP\nca-dev;CERTIFICATES;Otp-4\n" >ca.csv &&
	register ca.csv &&
	json_is reply numberOfCreated 1 &&
	csr ca-dev -addext basicConstraints=critical,CA:TRUE &&
	est simpleenroll ca-dev.body -u ca-dev:Otp-4 &&
	status_is 400 &&
	json_is body message "The CSR requests a CA certificate (basicConstraints CA:TRUE): the tenant CA issues device certificates only"
'

# The base64 of the CSR with one character of its last group changed: one
# of the last bytes of the signature, the structure intact.
spoil () {
	openssl req -in "$1" -outform DER | openssl base64 -A |
	sed -e "s/A\(...\)\$/B\1/;t" -e "s/.\(...\)\$/A\1/"
}

test_expect_success 'a CSR whose signature fails, PEM with its armour, no CSR: 400; not pkcs10: 415' '
	csr ca-dev &&
	spoil ca-dev.csr >spoilt.body &&
	est simpleenroll spoilt.body -u ca-dev:Otp-4 &&
	status_is 400 &&
	json_is body message "Invalid CSR: its signature does not verify" &&
	est simpleenroll ca-dev.csr -u ca-dev:Otp-4 &&
	status_is 400 &&
	json_is body message "Invalid CSR: the body is no base64 DER PKCS#10 request" &&
	printf "aGVsbG8K" >hello.body &&
	est simpleenroll hello.body -u ca-dev:Otp-4 &&
	status_is 400 &&
	curl -sS --max-time 20 --cacert "$C8Y_STANDIN_CA" -u ca-dev:Otp-4 -H "Content-Type: text/plain" \
		--data-binary @ca-dev.body -o body -w "%{http_code}\n" "$api/.well-known/est/simpleenroll" >status &&
	status_is 415
'

test_expect_success 'the body as one line of base64 DER works too' '
	csr semi-dev2 &&
	openssl req -in semi-dev2.csr -outform DER | openssl base64 -A >semi-dev2.line &&
	est simpleenroll semi-dev2.line -u semi-dev2:01234567890123456789012345678901 &&
	status_is 200 &&
	p7_cert semi-dev2.pem &&
	openssl x509 -in semi-dev2.pem -noout -subject -nameopt RFC2253 >name &&
	echo "subject=CN=semi-dev2,OU=Device,O=Thin Edge" >expect &&
	test_cmp expect name
'

test_expect_success 'pem-201 (DIR/est-reply): 201 and a PEM; DIR/cert-days: the validity' '
	test_when_finished "rm -f \"$C8Y_STANDIN_DIR/est-reply\" \"$C8Y_STANDIN_DIR/cert-days\"" &&
	echo pem-201 >"$C8Y_STANDIN_DIR/est-reply" &&
	echo 5 >"$C8Y_STANDIN_DIR/cert-days" &&
	csr ok-dev &&
	est simpleenroll ok-dev.body -u ok-dev:Otp-3 &&
	status_is 201 &&
	test_grep -i "^Content-Type: application/x-pem-file" headers &&
	openssl x509 -in body -noout -subject -issuer -nameopt RFC2253 >names &&
	printf "subject=CN=ok-dev,OU=Device,O=Thin Edge\nissuer=CN=t12345,O=Cumulocity\n" >expect &&
	test_cmp expect names &&
	openssl x509 -in body -noout -checkend $((5 * 86400 - 300)) >/dev/null &&
	test_must_fail openssl x509 -in body -noout -checkend $((5 * 86400 + 300)) >/dev/null
'

test_expect_success 'DELETE a request: 204; its OTP then refused; again: 404; registered anew' '
	printf "ID;AUTH_TYPE;ENROLLMENT_OTP\ndel-dev;CERTIFICATES;Otp-5\n" >del.csv &&
	register del.csv &&
	json_is reply numberOfCreated 1 &&
	curl -sS --max-time 20 --cacert "$C8Y_STANDIN_CA" -u "noadmin:$C8Y_STANDIN_SECRET" -X DELETE \
		-o body -w "%{http_code}\n" "$api/devicecontrol/newDeviceRequests/del-dev" >status &&
	status_is 403 &&
	curl -sS --max-time 20 --cacert "$C8Y_STANDIN_CA" -u "user:$C8Y_STANDIN_SECRET" -X DELETE \
		-o body -w "%{http_code}\n" "$api/devicecontrol/newDeviceRequests/del-dev" >status &&
	status_is 204 &&
	test_must_be_empty body &&
	csr del-dev &&
	est simpleenroll del-dev.body -u del-dev:Otp-5 &&
	status_is 401 &&
	json_is body message "$NO_REQUEST" &&
	curl -sS --max-time 20 --cacert "$C8Y_STANDIN_CA" -u "user:$C8Y_STANDIN_SECRET" -X DELETE \
		-o body -w "%{http_code}\n" "$api/devicecontrol/newDeviceRequests/del-dev" >status &&
	status_is 404 &&
	register del.csv &&
	json_is reply numberOfCreated 1
'

test_expect_success 'a second POST does not update a request: the first OTP stays' '
	printf "ID;AUTH_TYPE;ENROLLMENT_OTP\ndel-dev;CERTIFICATES;Otp-6\n" >upd.csv &&
	register upd.csv &&
	json_is reply numberOfCreated 0 numberOfFailed 1 &&
	est simpleenroll del-dev.body -u del-dev:Otp-6 &&
	status_is 401 &&
	est simpleenroll del-dev.body -u del-dev:Otp-5 &&
	status_is 200
'

test_expect_success 'simplereenroll with a JWT got over MQTT as the device: 200, a new certificate' '
	jwt "$C8Y_STANDIN_MQTT_PORT" tab-dev.pem tab-dev.key &&
	test "$(claim sub)" = t12345/device &&
	openssl req -new -key tab-dev.key -subj "/O=Thin Edge/OU=Device/CN=tab-dev" -out re.csr &&
	sed "/-----/d" re.csr >re.body &&
	est simplereenroll re.body -H "Authorization: Bearer $(cat token)" &&
	status_is 200 &&
	test_grep -i "^Content-Type: application/pkcs7-mime; smime-type=certs-only" headers &&
	p7_cert tab-dev.new.pem &&
	openssl verify -CAfile "$C8Y_STANDIN_TENANT_CA" tab-dev.new.pem &&
	openssl x509 -in tab-dev.pem -noout -serial >old &&
	openssl x509 -in tab-dev.new.pem -noout -serial >new &&
	! cmp -s old new &&
	pub tab-dev.new.pem tab-dev.key tab-dev
'

test_expect_success 'simplereenroll, a token naming no device: only a CN the stand-in knows' '
	est simplereenroll stranger.body -H "Authorization: Bearer $(cat token)" &&
	status_is 400 &&
	json_is body message "The CSR'\''s common name stranger is no device the stand-in knows (the token names none)" &&
	csr semi-dev1 -addext basicConstraints=critical,CA:TRUE &&
	est simplereenroll semi-dev1.body -H "Authorization: Bearer $(cat token)" &&
	status_is 400 &&
	json_is body message "The CSR requests a CA certificate (basicConstraints CA:TRUE): the tenant CA issues device certificates only"
'

test_expect_success 'simplereenroll: 401 without a token, with Basic, a bad signature, expired' '
	csr semi-dev1 &&
	est simplereenroll semi-dev1.body &&
	status_is 401 &&
	json_is body message "Full authentication is required to access this resource" &&
	est simplereenroll semi-dev1.body -u semi-dev1:Otp-2 &&
	status_is 401 &&
	est simplereenroll semi-dev1.body -H "Authorization: Bearer not-a-token" &&
	status_is 401 &&
	key=$(cat "$C8Y_STANDIN_DIR/jwt.key") &&
	now=$(date +%s) &&
	forge $((now + 600)) t12345/device 00112233445566778899aabbccddeeff &&
	est simplereenroll semi-dev1.body -H "Authorization: Bearer $(cat forged)" &&
	status_is 401 &&
	json_is body message "Invalid credentials! (the token signature does not verify)" &&
	forge $((now - 10)) t12345/device "$key" &&
	est simplereenroll semi-dev1.body -H "Authorization: Bearer $(cat forged)" &&
	status_is 401 &&
	json_is body message "Invalid credentials! (the token has expired)" &&
	forge $((now + 600)) t12345/device "$key" &&
	est simplereenroll semi-dev1.body -H "Authorization: Bearer $(cat forged)" &&
	status_is 200
'

test_expect_success 'a fleet device'\''s JWT names it: its CN only' '
	printf "ID;AUTH_TYPE;ENROLLMENT_OTP\nfleet-dev;CERTIFICATES;Otp-7\n" >fleet.csv &&
	register fleet.csv &&
	json_is reply numberOfCreated 1 &&
	csr fleet-dev &&
	est simpleenroll fleet-dev.body -u fleet-dev:Otp-7 &&
	status_is 200 &&
	p7_cert fleet-dev.pem &&
	port=$(awk "\$1 == \"fleet-dev\" { print \$2 }" "$C8Y_STANDIN_FLEET_FILE") &&
	test -n "$port" &&
	jwt "$port" fleet-dev.pem fleet-dev.key &&
	test "$(claim sub)" = t12345/device_fleet-dev &&
	est simplereenroll re.body -H "Authorization: Bearer $(cat token)" &&
	status_is 400 &&
	json_is body message "The CSR'\''s common name tab-dev is not the device ID fleet-dev" &&
	est simplereenroll fleet-dev.body -H "Authorization: Bearer $(cat token)" &&
	status_is 200 &&
	p7_cert fleet-dev.new.pem
'

test_expect_success 'ca-off: 503 for both calls, the rest answers; close; 404; ca-on' '
	test_when_finished "\"$standin\" ca-on \"$C8Y_STANDIN_DIR\"" &&
	printf "ID;AUTH_TYPE;ENROLLMENT_OTP\noff-dev;CERTIFICATES;Otp-8\n" >off.csv &&
	"$standin" ca-off "$C8Y_STANDIN_DIR" &&
	register off.csv &&
	json_is reply numberOfCreated 1 &&
	csr off-dev &&
	est simpleenroll off-dev.body -u off-dev:Otp-8 &&
	status_is 503 &&
	est simplereenroll fleet-dev.body -H "Authorization: Bearer $(cat token)" &&
	status_is 503 &&
	"$standin" ca-off "$C8Y_STANDIN_DIR" close &&
	test_must_fail est simpleenroll off-dev.body -u off-dev:Otp-8 2>err &&
	status_is 000 &&
	test_must_fail est simplereenroll fleet-dev.body -H "Authorization: Bearer $(cat token)" 2>err &&
	"$standin" ca-off "$C8Y_STANDIN_DIR" 404 &&
	est simpleenroll off-dev.body -u off-dev:Otp-8 &&
	status_is 404 &&
	json_is body message "Failed to retrieve tenant keypair" &&
	"$standin" ca-on "$C8Y_STANDIN_DIR" &&
	est simpleenroll off-dev.body -u off-dev:Otp-8 &&
	status_is 200
'

test_expect_success 'ca-off: a usage error for another mode' '
	test_expect_code 2 "$standin" ca-off "$C8Y_STANDIN_DIR" 500 2>err &&
	test_grep "none of 503, close, 404" err &&
	test_path_is_missing "$C8Y_STANDIN_DIR/ca.off"
'

test_expect_success 'issued.log: a line per certificate, each serial its own; est.log: each call' '
	test_line_count = 10 "$C8Y_STANDIN_DIR/issued.log" &&
	cut -d" " -f1 "$C8Y_STANDIN_DIR/issued.log" | sort | uniq -d >dups &&
	test_must_be_empty dups &&
	test_grep "^simpleenroll 200 auth=Basic content-type=application/pkcs10 issued .* to tab-dev$" \
		"$C8Y_STANDIN_DIR/est.log" &&
	test_grep "^simplereenroll 401 auth=Bearer content-type=application/pkcs10 the token has expired$" \
		"$C8Y_STANDIN_DIR/est.log" &&
	test_grep "^simpleenroll close " "$C8Y_STANDIN_DIR/est.log"
'

test_expect_success 'start refuses a reply form or a validity it cannot use, starting nothing' '
	test_must_fail env C8Y_STANDIN_EST_REPLY=der "$standin" start bad 2>err &&
	test_grep "C8Y_STANDIN_EST_REPLY: .der. is neither pkcs7 nor pem-201" err &&
	test_must_fail env C8Y_STANDIN_CERT_DAYS=1d "$standin" start bad 2>err &&
	test_grep "C8Y_STANDIN_CERT_DAYS: .1d. is no number of days" err &&
	test_path_is_missing bad
'

test_done
