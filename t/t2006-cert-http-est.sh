#!/bin/sh
# Test bodies are strings eval'd by lib.sh, which also reads test_description:
# shellcheck disable=SC1091,SC2016,SC2034
test_description='tedge-cert-http enroll and reenroll: EST, the HTTPS side

stdin is a secret line (the one-time password, the JWT), then the CSR;
the certificates Cumulocity'\''s CA returns go to stdout as PEM. First
against a canned server (t2006/est-reply.py: every answer a test asks
for, thin-edge'\''s messages for each), then against the Cumulocity
stand-in'\''s certificate authority when it has one.'
. ./lib.sh
. "$TEST_DIRECTORY/lib-c8y.sh"

if ! test_have_prereq OPENSSL || ! command -v python3 >/dev/null; then
	skip_all='needs openssl and python3'
	test_done
fi

# A CA, the canned server's certificate, the device's key and CSR.
{
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj /CN=t2006-ca -keyout ca.key -out ca.pem &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-subj /CN=localhost -keyout srv.key -out srv.csr &&
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >srv.ext &&
	openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
		-extfile srv.ext -out srv.pem &&
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-subj /CN=est-dev -keyout dev.key -out dev.csr &&
	openssl x509 -req -in dev.csr -CA ca.pem -CAkey ca.key -days 2 -out dev.pem
} 2>/dev/null || BUG "cannot make the test certificates"

mkdir canned || BUG "cannot make canned/"
{ python3 "$TEST_DIRECTORY/t2006/est-reply.py" canned srv.pem srv.key 2>canned.log & }
test_bg_pid $!
test_wait_for 10 "test -s canned/port" >/dev/null 2>&1 || BUG "the canned EST server did not start"
canned_port=$(cat canned/port)

# The stand-in's certificate authority, when it has one and can run.
test_lazy_prereq CURL 'command -v curl'
test_lazy_prereq RESPONDER 'test -x "$TEDGE_ROOT/standin/c8y-responder"'
if test_have_prereq MOSQUITTO,MOSQ_CLIENTS,CURL,RESPONDER &&
	grep -q simpleenroll "$TEDGE_ROOT/standin/c8y-standin"; then
	standin_start || BUG "the Cumulocity stand-in did not start"
	test_set_prereq STANDIN
fi
otp='otp-6d1b0c'

# answer CODE [FILE]: what the canned server says next (an empty body
# without FILE), and its log emptied.
answer () {
	echo "$1" >canned/status &&
	if test -n "$2"; then cp "$2" canned/body; else : >canned/body; fi &&
	: >canned/requests
}

# canned_enroll ARGS: enroll against the canned server, trusting ca.pem;
# stdin: the one-time password, then the CSR.
canned_enroll () {
	{ printf '%s\n' "$otp" && cat dev.csr; } >in.enroll &&
	TEDGE_C8Y_ROOT_CERT_PATH="$TRASH_DIRECTORY/ca.pem" \
		tedge-cert-http enroll c8y --device-id est-dev --url "127.0.0.1:$canned_port" "$@" <in.enroll
}

# canned_reenroll TOKEN ARGS: likewise, reenroll with TOKEN.
canned_reenroll () {
	{ printf '%s\n' "$1" && cat dev.csr; } >in.reenroll &&
	shift &&
	TEDGE_C8Y_ROOT_CERT_PATH="$TRASH_DIRECTORY/ca.pem" \
		tedge-cert-http reenroll c8y --url "127.0.0.1:$canned_port" "$@" <in.reenroll
}

# The requests the canned server got.
posts () {
	grep -c '^POST ' canned/requests
}

# The body of the last request it got.
last_body () {
	awk '/^POST /{b=""; inb=0; next} inb && !/^--$/{b=b $0 "\n"} /^$/{inb=1} END{printf "%s", b}' \
		canned/requests
}

# The certificates of a DER PKCS#7 file, PEM, in order.
p7_certs () {
	openssl pkcs7 -inform DER -in "$1" -print_certs | sed -n '/^-----BEGIN/,/^-----END/p'
}

test_expect_success 'setup: the configuration, two answers' '
	tedge-config set c8y.url localhost &&
	openssl crl2pkcs7 -nocrl -certfile dev.pem -certfile ca.pem -outform DER -out chain.p7 &&
	openssl base64 -in chain.p7 >chain.b64 &&
	p7_certs chain.p7 >chain.pem &&
	test "$(grep -c BEGIN chain.pem)" = 2
'

test_expect_success 'usage: each option with its subcommand, the cloud, the values' '
	test_expect_code 2 tedge-cert-http enroll c8y </dev/null 2>err &&
	test_grep "the following required arguments were not provided:" err &&
	test_grep "  --device-id <ID>" err &&
	test_expect_code 2 tedge-cert-http enroll az --device-id d </dev/null 2>err &&
	test_grep "for c8y (Cumulocity) only" err &&
	test_expect_code 2 tedge-cert-http enroll --device-id d </dev/null 2>err &&
	test_grep "<CLOUD>" err &&
	test_expect_code 2 tedge-cert-http reenroll c8y --device-id d </dev/null 2>err &&
	test_grep "'\''--device-id'\'' does not go with '\''reenroll'\'': only with enroll" err &&
	test_expect_code 2 tedge-cert-http reenroll c8y --retry-every 1s </dev/null 2>err &&
	test_expect_code 2 tedge-cert-http upload c8y --url h </dev/null 2>err &&
	test_grep "only with enroll or reenroll" err &&
	test_expect_code 2 tedge-cert-http enroll c8y --device-id d --user u </dev/null 2>err &&
	test_expect_code 2 tedge-cert-http enroll c8y --device-id d --retry-every soon </dev/null 2>err &&
	test_grep "invalid value '\''soon'\'' for '\''--retry-every <DURATION>'\''" err &&
	test_expect_code 2 tedge-cert-http enroll c8y --device-id d --max-timeout -1 </dev/null 2>err &&
	test_expect_code 2 tedge-cert-http reenroll c8y --url "a b" </dev/null 2>err &&
	test_grep "invalid value '\''a b'\'' for '\''--url <HOST\[:PORT\]>'\''" err &&
	test_expect_code 2 tedge-cert-http reenroll c8y extra </dev/null 2>err &&
	test_expect_code 2 tedge-cert-http </dev/null 2>err &&
	test_grep "a subcommand is required: upload, enroll or reenroll" err &&
	tedge-cert-http --help >out &&
	test_grep "enroll c8y -i ID" out
'

test_expect_success 'enroll: the request, as thin-edge sends it' '
	answer 200 chain.b64 &&
	canned_enroll >out 2>err &&
	test_must_be_empty err &&
	test "$(posts)" = 1 &&
	test_grep "^POST /.well-known/est/simpleenroll HTTP/1.1$" canned/requests &&
	auth=$(printf "est-dev:%s" "$otp" | openssl base64 -A) &&
	test_grep -x "Authorization: Basic $auth" canned/requests &&
	test_grep -x "Content-Type: application/pkcs10" canned/requests &&
	test_grep -x "Accept: application/pkcs7-mime;smime-type=certs-only, application/vnd.com.nsn.cumulocity.error+json" canned/requests &&
	sed "1d;\$d" dev.csr >expect &&
	last_body >body &&
	test_cmp expect body
'

test_expect_success 'a base64 PKCS#7 reply (200): every certificate, in order, PEM on stdout' '
	test_cmp chain.pem out &&
	openssl verify -CAfile ca.pem out
'

test_expect_success 'BER with indefinite lengths (a streamed CMS SignedData) is read' '
	echo data >data &&
	openssl cms -sign -in data -signer ca.pem -inkey ca.key -certfile dev.pem \
		-outform DER -stream -nodetach -out ber.p7 &&
	openssl asn1parse -inform DER -in ber.p7 >asn1 &&
	test_grep "l=inf" asn1 &&
	p7_certs ber.p7 >expect &&
	openssl base64 -A -in ber.p7 | fold -w 50 | awk "{ printf \"  %s\\r\\n\\t\", \$0 }" >ber.b64 &&
	test_grep "	" ber.b64 &&
	answer 200 ber.b64 &&
	canned_enroll >out 2>err &&
	test_must_be_empty err &&
	test_cmp expect out
'

test_expect_success 'a PEM reply (201, CRLF lines): the certificates with LF' '
	cat dev.pem ca.pem | awk "{ printf \"%s\\r\\n\", \$0 }" >crlf.pem &&
	answer 201 crlf.pem &&
	canned_enroll >out 2>err &&
	test_must_be_empty err &&
	cat dev.pem ca.pem >expect &&
	test_cmp expect out
'

test_expect_success 'an unreadable 200: retried with thin-edge'\''s words, until --max-timeout 0s' '
	echo "<html>maintenance</html>" >html &&
	answer 200 html &&
	test_expect_code 1 canned_enroll --max-timeout 0s >out 2>err &&
	test_must_be_empty out &&
	cat >expect <<-EOF &&
	error: Fail to extract a certificate from the response returned by 127.0.0.1:$canned_port
	Error: failed to Download a certificate from 127.0.0.1:$canned_port for the device est-dev

	Caused by:
	    Maximum timeout elapsed. No certificate has been downloaded
	EOF
	test_cmp expect err &&
	test "$(posts)" = 1
'

test_expect_success 'base64 that is not PKCS#7: stop at once, however long the timeout' '
	printf "QUJDRA==\n" >notp7 &&
	answer 200 notp7 &&
	test_expect_code 1 canned_enroll >out 2>err &&
	test_must_be_empty out &&
	test_grep "^Error: failed to Download a certificate from 127.0.0.1:$canned_port for the device est-dev$" err &&
	test_grep "^    Invalid pkcs#7 certificate: " err &&
	test_grep ! "^error:" err &&
	test "$(posts)" = 1
'

test_expect_success 'a PKCS#7 without a certificate: No certificate found' '
	openssl crl2pkcs7 -nocrl -outform DER -out empty.p7 &&
	openssl base64 -in empty.p7 >empty.b64 &&
	answer 201 empty.b64 &&
	test_expect_code 1 canned_enroll >out 2>err &&
	cat >expect <<-EOF &&
	Error: failed to Download a certificate from 127.0.0.1:$canned_port for the device est-dev

	Caused by:
	    No certificate found in pkcs#7 content
	EOF
	test_cmp expect err &&
	test_must_be_empty out
'

test_expect_success 'a refusal: not registered yet, with the message of Cumulocity'\''s JSON, escaped' '
	printf "{\"error\":\"devicecontrol/Not Found\",\"message\":\"No newDeviceRequest\\\\nfound \\\\u001b[31mred\",\"info\":\"x\"}" >c8y.json &&
	answer 404 c8y.json &&
	test_expect_code 1 canned_enroll --max-timeout 0s >out 2>err &&
	cat >expect <<-EOF &&
	error: The device est-dev is not registered yet on 127.0.0.1:$canned_port: 404 Not Found: No newDeviceRequest\\x0afound \\x1b[31mred
	Error: failed to Download a certificate from 127.0.0.1:$canned_port for the device est-dev

	Caused by:
	    Maximum timeout elapsed. No certificate has been downloaded
	EOF
	test_cmp expect err
'

test_expect_success 'a refusal without that JSON: the status alone' '
	echo "{\"error\":\"x\"}" >half.json &&
	answer 401 half.json &&
	test_expect_code 1 canned_enroll --max-timeout 0s 2>err &&
	test_grep -x "error: The device est-dev is not registered yet on 127.0.0.1:$canned_port: 401 Unauthorized" err &&
	answer 500 html &&
	test_expect_code 1 canned_enroll --max-timeout 0s 2>err &&
	test_grep -x "error: The device est-dev is not registered yet on 127.0.0.1:$canned_port: 500 Internal Server Error" err &&
	answer 299 &&
	test_expect_code 1 canned_enroll --max-timeout 0s 2>err &&
	test_grep -x "error: The device est-dev is not registered yet on 127.0.0.1:$canned_port: 299" err
'

test_expect_success 'retried every --retry-every until --max-timeout has passed' '
	answer 401 half.json &&
	test_expect_code 1 canned_enroll --retry-every 1s --max-timeout 2s 2>err &&
	n=$(posts) &&
	test "$n" -ge 2 && test "$n" -le 4 &&
	test "$(grep -c "^error: The device est-dev is not registered yet" err)" = "$n" &&
	test "$(grep -c "^warning: Will retry in 1 seconds$" err)" = $((n - 1)) &&
	tail -n 4 err >tail &&
	cat >expect <<-EOF &&
	Error: failed to Download a certificate from 127.0.0.1:$canned_port for the device est-dev

	Caused by:
	    Maximum timeout elapsed. No certificate has been downloaded
	EOF
	test_cmp expect tail
'

# Retry counts against a deadline of a second or two: under valgrind a
# first attempt alone can take longer.
test_lazy_prereq FAST 'test -z "$TEST_VALGRIND"'

test_expect_success FAST 'a --retry-every past --max-timeout: the last wait ends at the deadline' '
	answer 401 half.json &&
	start=$(date +%s) &&
	test_expect_code 1 canned_enroll --retry-every 1h --max-timeout 2s 2>err &&
	test $(($(date +%s) - start)) -lt 30 &&
	test "$(posts)" = 2 &&
	test_grep -x "warning: Will retry in 2 seconds" err
'

test_expect_success 'stdin: an empty password, a missing or broken CSR: refused before any request' '
	answer 200 chain.b64 &&
	printf "\n" >in &&
	cat dev.csr >>in &&
	test_expect_code 1 env TEDGE_C8Y_ROOT_CERT_PATH="$PWD/ca.pem" tedge-cert-http enroll c8y \
		--device-id est-dev --url "127.0.0.1:$canned_port" <in >out 2>err &&
	test_grep "^    the one-time password (the first line of stdin) is empty$" err &&
	printf "%s\n" "$otp" >in &&
	test_expect_code 1 env TEDGE_C8Y_ROOT_CERT_PATH="$PWD/ca.pem" tedge-cert-http enroll c8y \
		--device-id est-dev --url "127.0.0.1:$canned_port" <in >out 2>err &&
	test_grep "not a PEM certificate request" err &&
	{ printf "%s\n" "$otp" && sed "3s/./#/" dev.csr; } >in &&
	test_expect_code 1 env TEDGE_C8Y_ROOT_CERT_PATH="$PWD/ca.pem" tedge-cert-http enroll c8y \
		--device-id est-dev --url "127.0.0.1:$canned_port" <in >out 2>err &&
	test_grep "not a PEM certificate request" err &&
	test_expect_code 1 tedge-cert-http enroll c8y --device-id "a:b" <in 2>err &&
	test_grep "cannot be used in a name" err &&
	test_must_be_empty canned/requests
'

test_expect_success 'a closed port: Fail to connect, retried' '
	python3 -c "import socket; s = socket.socket(); s.bind((\"127.0.0.1\", 0)); print(s.getsockname()[1])" >closed &&
	closed=$(cat closed) &&
	{ printf "%s\n" "$otp" && cat dev.csr; } >in &&
	test_expect_code 1 tedge-cert-http enroll c8y --device-id est-dev --url "127.0.0.1:$closed" \
		--max-timeout 0s <in >out 2>err &&
	test_grep "^error: Fail to connect to 127.0.0.1:$closed: .*onnect" err &&
	test_grep "^Error: failed to Download a certificate from 127.0.0.1:$closed for the device est-dev$" err &&
	test_must_be_empty out
'

test_expect_success 'TLS verification is on: a server the device does not trust is never used' '
	answer 200 chain.b64 &&
	mkdir -p no-roots &&
	test_expect_code 1 env TEDGE_C8Y_ROOT_CERT_PATH="$PWD/no-roots" tedge-cert-http enroll c8y \
		--device-id est-dev --url "127.0.0.1:$canned_port" --max-timeout 0s <in >out 2>err &&
	test_grep "^error: Fail to connect to 127.0.0.1:$canned_port: SSL certificate problem" err &&
	test_must_be_empty out &&
	test_expect_code 1 env TEDGE_C8Y_ROOT_CERT_PATH="$PWD/no-roots" tedge-cert-http reenroll c8y \
		--url "localhost:$canned_port" <in >out 2>err &&
	test_grep "^    Fail to connect to https://localhost:$canned_port/.well-known/est/simplereenroll: SSL certificate problem" err &&
	test_must_be_empty out &&
	test_must_be_empty canned/requests &&
	test_expect_code 1 env TEDGE_C8Y_ROOT_CERT_PATH=/nonexistent tedge-cert-http reenroll c8y \
		--url "localhost:$canned_port" <in 2>err &&
	test_grep "c8y.root_cert_path: /nonexistent: No such file or directory" err
'

test_expect_success 'the endpoint: c8y.http, else c8y.url with 443, which no URL shows' '
	answer 200 chain.b64 &&
	tedge-config set c8y.http "127.0.0.1:$canned_port" &&
	test_when_finished "tedge-config unset c8y.http" &&
	{ printf "jwt.x.y\n" && cat dev.csr; } >in &&
	TEDGE_C8Y_ROOT_CERT_PATH="$PWD/ca.pem" tedge-cert-http reenroll c8y <in >out &&
	test_cmp chain.pem out &&
	test_grep "^Host: 127.0.0.1:$canned_port$" canned/requests &&
	tedge-config unset c8y.http &&
	test_expect_code 1 env TEDGE_C8Y_ROOT_CERT_PATH="$PWD/no-roots" TEDGE_C8Y_URL=localhost \
		tedge-cert-http reenroll c8y <in 2>err &&
	test_grep "^Error: failed to renew the device certificate via https://localhost$" err &&
	test_grep "Fail to connect to https://localhost/.well-known/est/simplereenroll: " err &&
	test_expect_code 1 env TEDGE_C8Y_ROOT_CERT_PATH="$PWD/no-roots" tedge-cert-http reenroll c8y \
		--url localhost:443 <in 2>err &&
	test_grep "^Error: failed to renew the device certificate via https://localhost$" err &&
	{ printf "%s\n" "$otp" && cat dev.csr; } >in &&
	test_expect_code 1 env TEDGE_C8Y_ROOT_CERT_PATH="$PWD/no-roots" TEDGE_C8Y_URL=localhost \
		tedge-cert-http enroll c8y --device-id est-dev --max-timeout 0s <in 2>err &&
	test_grep "^error: Fail to connect to localhost:443: " err &&
	mkdir -p empty &&
	test_expect_code 1 tedge-cert-http --config-dir "$PWD/empty" enroll c8y --device-id est-dev <in 2>err &&
	test_grep "Required configuration item is not provided '\''c8y.url'\''" err
'

test_expect_success 'reenroll: Bearer, the certificates on stdout; no retry' '
	answer 201 crlf.pem &&
	canned_reenroll eyJhbGciOi.eyJzdWIi.sig >out 2>err &&
	test_must_be_empty err &&
	cat dev.pem ca.pem >expect &&
	test_cmp expect out &&
	test_grep "^POST /.well-known/est/simplereenroll HTTP/1.1$" canned/requests &&
	test_grep -x "Authorization: Bearer eyJhbGciOi.eyJzdWIi.sig" canned/requests &&
	test_grep -x "Content-Type: application/pkcs10" canned/requests &&
	sed "1d;\$d" dev.csr >expect &&
	last_body >body &&
	test_cmp expect body
'

test_expect_success 'reenroll refused: the status and the body, trimmed and escaped, once' '
	printf "\n  {\"error\":\"security/Unauthorized\",\r\n\"message\":\"Invalid token\"}\033[2J\n\n" >refusal &&
	answer 401 refusal &&
	test_expect_code 1 canned_reenroll bad.token.x >out 2>err &&
	test_must_be_empty out &&
	printf "%s\n" "Error: failed to renew the device certificate via https://127.0.0.1:$canned_port" "" \
		"Caused by:" "    The request failed with 401 Unauthorized:" \
		"    	{\"error\":\"security/Unauthorized\",\\x0d\\x0a\"message\":\"Invalid token\"}\\x1b[2J" >expect &&
	test_cmp expect err &&
	test "$(posts)" = 1
'

test_expect_success 'reenroll: an unreadable 200, a closed port, a token that cannot be a header' '
	answer 200 html &&
	test_expect_code 1 canned_reenroll t.o.k >out 2>err &&
	test_grep "^    Fail to extract a certificate from the response returned by https://127.0.0.1:$canned_port/.well-known/est/simplereenroll$" err &&
	{ printf "t.o.k\n" && cat dev.csr; } >in &&
	test_expect_code 1 tedge-cert-http reenroll c8y --url "127.0.0.1:$closed" <in 2>err &&
	test_grep "^Error: failed to renew the device certificate via https://127.0.0.1:$closed$" err &&
	test_grep "^    Fail to connect to https://127.0.0.1:$closed/.well-known/est/simplereenroll: " err &&
	: >canned/requests &&
	test_expect_code 1 canned_reenroll "a b" 2>err &&
	test_grep "holds a character a JWT cannot hold" err &&
	test_expect_code 1 canned_reenroll "" 2>err &&
	test_grep "the token (the first line of stdin) is empty" err &&
	test_must_be_empty canned/requests
'

# /proc/PID/{cmdline,environ} of the program while it waits to retry.
test_expect_success 'the one-time password is in neither its arguments nor its environment' '
	answer 401 half.json &&
	{ printf "%s\n" "$otp" && cat dev.csr; } >in &&
	{ TEDGE_C8Y_ROOT_CERT_PATH="$PWD/ca.pem" tedge-cert-http enroll c8y --device-id est-dev \
		--url "127.0.0.1:$canned_port" --retry-every 1h --max-timeout 2h <in >out 2>err.bg & } &&
	pid=$! &&
	test_bg_pid $pid &&
	test_wait_for 10 "grep -q \"Will retry in 3600 seconds\" err.bg" &&
	tr "\0" "\n" </proc/$pid/cmdline >cmdline &&
	tr "\0" "\n" </proc/$pid/environ >environ &&
	test_grep -x "enroll" cmdline &&
	test_grep ! "$otp" cmdline &&
	test_grep ! "$otp" environ &&
	test_grep ! "$otp" err.bg &&
	test_must_fail grep -r -l "$otp" "$TEDGE_CONFIG_DIR" &&
	kill -TERM $pid &&
	{ wait $pid; st=$?; } &&
	test "$st" = 143 &&
	test_must_be_empty out
'

test_lazy_prereq DEFAULT_SIGNAL 'env --default-signal=INT true'

# A background job of sh ignores SIGINT; env gives it back its default.
test_expect_success DEFAULT_SIGNAL 'its wait ends on SIGINT too, as signalled' '
	{ env --default-signal=INT TEDGE_C8Y_ROOT_CERT_PATH="$PWD/ca.pem" tedge-cert-http enroll c8y \
		--device-id est-dev --url "127.0.0.1:$canned_port" --retry-every 1h --max-timeout 2h <in >out 2>err.bg & } &&
	pid=$! &&
	test_bg_pid $pid &&
	test_wait_for 10 "grep -q \"Will retry in 3600 seconds\" err.bg" &&
	kill -INT $pid &&
	{ wait $pid; st=$?; } &&
	test "$st" = 130
'

# LeakSanitizer cannot run under ptrace: with `make sanitize` this skips;
# under valgrind the wrappers' own execs would be counted: skips too.
test_lazy_prereq STRACE '
	test -z "$TEST_VALGRIND" && command -v strace &&
	strace -f -e trace=execve -o /dev/null tedge-cert-http --version
'

test_expect_success STRACE 'the secrets reach no other program: it starts none' '
	answer 200 chain.b64 &&
	{ printf "%s\n" "$otp" && cat dev.csr; } >in &&
	TEDGE_C8Y_ROOT_CERT_PATH="$PWD/ca.pem" strace -f -e trace=execve,execveat -o trace \
		tedge-cert-http enroll c8y --device-id est-dev --url "127.0.0.1:$canned_port" <in >out &&
	grep execve trace >execs &&
	test_line_count = 1 execs &&
	test_grep ! "$otp" trace
'


# --- against the Cumulocity stand-in ------------------------------------------

# register ID OTP: the operator registers ID for certificates, with OTP.
register () {
	printf 'ID\tAUTH_TYPE\tENROLLMENT_OTP\n%s\tCERTIFICATES\t%s\n' "$1" "$2" >reg.csv &&
	curl -sS --max-time 20 --cacert "$C8Y_STANDIN_CA" -u "user:$C8Y_STANDIN_SECRET" \
		-H "Accept: application/json" -F "file=@reg.csv;type=text/csv" -o reg.reply \
		-w "%{http_code}\n" "https://127.0.0.1:$C8Y_STANDIN_HTTP_PORT/devicecontrol/bulkNewDeviceRequests" >reg.status &&
	echo 201 >reg.expect &&
	test_cmp reg.expect reg.status
}

# csr ID: a new key ID.key and a CSR for CN=ID in ID.csr
csr () {
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-subj "/O=Thin Edge/OU=Device/CN=$1" -keyout "$1.key" -out "$1.csr" 2>/dev/null
}

# enroll ID OTP ARGS: tedge-cert-http enroll for ID with ID.csr, the
# configuration's endpoint and trust (the stand-in).
enroll () {
	id_=$1 otp_=$2
	shift 2
	{ printf '%s\n' "$otp_" && cat "$id_.csr"; } >"$id_.in" &&
	tedge-cert-http enroll c8y --device-id "$id_" "$@" <"$id_.in"
}

# issued_for ID PEM: PEM is one certificate of the tenant CA for ID and ID.key
issued_for () {
	test "$(grep -c "BEGIN CERTIFICATE" "$2")" = 1 &&
	openssl verify -CAfile "$C8Y_STANDIN_TENANT_CA" "$2" &&
	openssl x509 -in "$2" -noout -subject -nameopt RFC2253 >subject &&
	test_grep -x "subject=CN=$1,OU=Device,O=Thin Edge" subject &&
	openssl x509 -in "$2" -noout -pubkey >pub.cert &&
	openssl pkey -in "$1.key" -pubout >pub.key &&
	test_cmp pub.key pub.cert &&
	test_grep " $1 " "$C8Y_STANDIN_DIR/issued.log"
}

# jwt CERT KEY: the device's token, asked for on s/uat as the holder of
# CERT (the answer, 71,<JWT>, comes on s/dat), into token.
jwt () {
	rm -f s_dat token &&
	{ mosquitto_sub -h 127.0.0.1 -p "$C8Y_STANDIN_MQTT_PORT" --cafile "$C8Y_STANDIN_CA" \
		--cert "$1" --key "$2" -i "t2006-sub-$$" -t s/dat -C 1 -W 15 >s_dat 2>&1 & } &&
	test_bg_pid $! &&
	# published until answered: the subscription may not be in place yet
	test_wait_for 15 "test -s s_dat || { mosquitto_pub -h 127.0.0.1 -p $C8Y_STANDIN_MQTT_PORT \
		--cafile \"$C8Y_STANDIN_CA\" --cert $1 --key $2 -i t2006-pub-$$ -t s/uat -n; false; }" &&
	sed -n "s/^71,//p" s_dat >token &&
	test -s token
}

NO_REQUEST='No newDeviceRequest found for this ID. It may already be registered, check the audit logs for details.'

test_expect_success STANDIN 'stand-in: setup, a device registered with a one-time password' '
	standin_configure &&
	hp=127.0.0.1:$C8Y_STANDIN_HTTP_PORT &&
	csr ca-dev &&
	register ca-dev Otp-1a
'

test_expect_success STANDIN 'stand-in: enroll (PKCS#7, 200): the certificate, which the broker takes' '
	enroll ca-dev Otp-1a >ca-dev.pem 2>err &&
	test_must_be_empty err &&
	issued_for ca-dev ca-dev.pem &&
	mosquitto_pub -h 127.0.0.1 -p "$C8Y_STANDIN_MQTT_PORT" --cafile "$C8Y_STANDIN_CA" \
		--cert ca-dev.pem --key ca-dev.key -i ca-dev -t s/us -m "100,ca-dev,thin-edge.io" -q 1
'

test_expect_success STANDIN,FAST 'stand-in: the one-time password again: refused, retried until --max-timeout' '
	test_expect_code 1 enroll ca-dev Otp-1a --retry-every 1s --max-timeout 1s >out 2>err &&
	test_must_be_empty out &&
	cat >expect <<-EOF &&
	error: The device ca-dev is not registered yet on $hp: 401 Unauthorized: $NO_REQUEST
	warning: Will retry in 1 seconds
	error: The device ca-dev is not registered yet on $hp: 401 Unauthorized: $NO_REQUEST
	Error: failed to Download a certificate from $hp for the device ca-dev

	Caused by:
	    Maximum timeout elapsed. No certificate has been downloaded
	EOF
	test_cmp expect err
'

test_expect_success STANDIN 'stand-in: --max-timeout 0s is one attempt' '
	csr late-dev &&
	grep -c simpleenroll "$C8Y_STANDIN_DIR/est.log" >before &&
	test_expect_code 1 enroll late-dev Otp-2a --max-timeout 0s 2>err &&
	grep -c simpleenroll "$C8Y_STANDIN_DIR/est.log" >after &&
	test $(($(cat after) - $(cat before))) = 1 &&
	test_grep -x "error: The device late-dev is not registered yet on $hp: 401 Unauthorized: $NO_REQUEST" err &&
	test_grep ! "^warning:" err
'

test_expect_success STANDIN 'stand-in: registered while enroll retries: it gets the certificate' '
	{ printf "Otp-2a\n" && cat late-dev.csr; } >late.in &&
	{ tedge-cert-http enroll c8y --device-id late-dev --retry-every 1s --max-timeout 60s \
		<late.in >late-dev.pem 2>late.err & } &&
	pid=$! &&
	test_bg_pid $pid &&
	test_wait_for 15 "grep -q \"^warning: Will retry in 1 seconds\" late.err" &&
	register late-dev Otp-2a &&
	test_wait_for 30 "! kill -0 $pid 2>/dev/null" &&
	{ wait $pid; st=$?; } &&
	test "$st" = 0 &&
	issued_for late-dev late-dev.pem &&
	test_grep "^error: The device late-dev is not registered yet" late.err &&
	test_grep ! "^Error:" late.err
'

test_expect_success STANDIN 'stand-in: enroll, a PEM reply (201)' '
	echo pem-201 >"$C8Y_STANDIN_DIR/est-reply" &&
	test_when_finished "rm -f \"$C8Y_STANDIN_DIR/est-reply\"" &&
	csr pem-dev &&
	register pem-dev Otp-3a &&
	enroll pem-dev Otp-3a --url "localhost:$C8Y_STANDIN_HTTP_PORT" >pem-dev.pem 2>err &&
	test_must_be_empty err &&
	issued_for pem-dev pem-dev.pem &&
	tail -n 1 "$C8Y_STANDIN_DIR/est.log" >last &&
	test_grep "^simpleenroll 201 " last
'

test_expect_success STANDIN 'stand-in: a server not trusted: no certificate, the registration kept' '
	csr trust-dev &&
	register trust-dev Otp-4a &&
	mkdir -p no-roots &&
	test_when_finished "unset TEDGE_C8Y_ROOT_CERT_PATH" &&
	TEDGE_C8Y_ROOT_CERT_PATH=$PWD/no-roots &&
	export TEDGE_C8Y_ROOT_CERT_PATH &&
	test_expect_code 1 enroll trust-dev Otp-4a --max-timeout 0s >out 2>err &&
	unset TEDGE_C8Y_ROOT_CERT_PATH &&
	test_must_be_empty out &&
	test_grep "^error: Fail to connect to $hp: SSL certificate problem" err &&
	test_grep ! " trust-dev " "$C8Y_STANDIN_DIR/issued.log" &&
	enroll trust-dev Otp-4a >trust-dev.pem &&
	issued_for trust-dev trust-dev.pem
'

test_expect_success STANDIN 'stand-in: its CA off: 503, no answer, no tenant keypair; then on' '
	test_when_finished "\"$TEDGE_ROOT/standin/c8y-standin\" ca-on \"$C8Y_STANDIN_DIR\"" &&
	csr off-dev &&
	register off-dev Otp-5a &&
	"$TEDGE_ROOT/standin/c8y-standin" ca-off "$C8Y_STANDIN_DIR" &&
	test_expect_code 1 enroll off-dev Otp-5a --max-timeout 0s 2>err &&
	test_grep "^error: The device off-dev is not registered yet on $hp: 503 Service Unavailable" err &&
	"$TEDGE_ROOT/standin/c8y-standin" ca-off "$C8Y_STANDIN_DIR" close &&
	test_expect_code 1 enroll off-dev Otp-5a --max-timeout 0s 2>err &&
	test_grep "^error: Fail to connect to $hp: " err &&
	"$TEDGE_ROOT/standin/c8y-standin" ca-off "$C8Y_STANDIN_DIR" 404 &&
	test_expect_code 1 enroll off-dev Otp-5a --max-timeout 0s 2>err &&
	test_grep -x "error: The device off-dev is not registered yet on $hp: 404 Not Found: Failed to retrieve tenant keypair" err &&
	"$TEDGE_ROOT/standin/c8y-standin" ca-on "$C8Y_STANDIN_DIR" &&
	enroll off-dev Otp-5a >off-dev.pem &&
	issued_for off-dev off-dev.pem
'

test_expect_success STANDIN 'stand-in: reenroll with the JWT the device gets over MQTT' '
	jwt ca-dev.pem ca-dev.key &&
	openssl req -new -key ca-dev.key -subj "/O=Thin Edge/OU=Device/CN=ca-dev" -out re.csr &&
	{ cat token && cat re.csr; } >re.in &&
	tedge-cert-http reenroll c8y <re.in >ca-dev.new.pem 2>err &&
	test_must_be_empty err &&
	issued_for ca-dev ca-dev.new.pem &&
	openssl x509 -in ca-dev.pem -noout -serial >old &&
	openssl x509 -in ca-dev.new.pem -noout -serial >new &&
	! cmp -s old new &&
	tail -n 1 "$C8Y_STANDIN_DIR/est.log" >last &&
	test_grep "^simplereenroll 200 auth=Bearer" last
'

test_expect_success STANDIN 'stand-in: reenroll without a token, with a bad one: refused' '
	{ echo && cat re.csr; } >re.in &&
	test_expect_code 1 tedge-cert-http reenroll c8y <re.in >out 2>err &&
	test_grep "^    the token (the first line of stdin) is empty$" err &&
	{ echo not.a.token && cat re.csr; } >re.in &&
	test_expect_code 1 tedge-cert-http reenroll c8y <re.in >out 2>err &&
	test_must_be_empty out &&
	test_grep -x "Error: failed to renew the device certificate via https://$hp" err &&
	test_grep -x "    The request failed with 401 Unauthorized:" err &&
	test_grep "^    	{.*\"error\"" err
'

test_done
