#!/bin/sh
test_description='tedge-cert create: the self-signed device certificate'
. ./lib.sh

certs="$TEDGE_CONFIG_DIR/device-certs"
cert="$certs/tedge-certificate.pem"
key="$certs/tedge-private-key.pem"

test_expect_success OPENSSL 'create: no stdout, the reference line on stderr' '
	tedge-cert create --device-id dev-001 >out 2>err &&
	test_must_be_empty out &&
	echo "Certificate was successfully created" >expect &&
	test_cmp expect err
'

test_expect_success OPENSSL 'P-256 key, ECDSA-SHA256, v3, subject = issuer' '
	openssl x509 -in "$cert" -noout -text >text &&
	test_grep "Version: 3 (0x2)" text &&
	test_grep "Signature Algorithm: ecdsa-with-SHA256" text &&
	test_grep "ASN1 OID: prime256v1" text &&
	test_grep "Public-Key: (256 bit)" text &&
	test_grep "Subject: CN = dev-001, O = Thin Edge, OU = Device$" text &&
	test_grep "Issuer: CN = dev-001, O = Thin Edge, OU = Device$" text &&
	openssl verify -CAfile "$cert" "$cert"
'

test_expect_success OPENSSL 'extensions: SKI and a critical CA:TRUE, nothing else' '
	test_grep "X509v3 Subject Key Identifier:" text &&
	test_grep "X509v3 Basic Constraints: critical" text &&
	sed -n "/X509v3 Basic Constraints/{n;p;}" text | tr -d " " >bc &&
	echo "CA:TRUE" >expect &&
	test_cmp expect bc &&
	grep -c "X509v3 " text >n &&
	echo 3 >expect &&
	test_cmp expect n &&
	test_grep ! "Subject Alternative Name" text &&
	test_grep ! "Key Usage" text &&
	test_grep ! "Authority Key Identifier" text
'

test_expect_success OPENSSL 'valid from yesterday, for a year' '
	openssl x509 -in "$cert" -noout -startdate | sed "s/notBefore=//" >start &&
	openssl x509 -in "$cert" -noout -enddate | sed "s/notAfter=//" >end &&
	nb=$(date -u -d "$(cat start)" +%s) &&
	na=$(date -u -d "$(cat end)" +%s) &&
	now=$(date -u +%s) &&
	test $((now - 86400 - nb)) -ge -5 &&
	test $((now - 86400 - nb)) -le 120 &&
	test $((na - nb)) -eq $((365 * 86400))
'

test_expect_success OPENSSL 'the key is the certificate key, PKCS#8 PEM' '
	test_grep "^-----BEGIN PRIVATE KEY-----$" "$key" &&
	openssl pkey -in "$key" -pubout >pub.key &&
	openssl x509 -in "$cert" -noout -pubkey >pub.cert &&
	test_cmp pub.key pub.cert &&
	test_grep ! "$(printf "\r")" "$cert"
'

test_expect_success OPENSSL 'modes: key 0400, certificate 0444' '
	test_mode 400 "$key" &&
	test_mode 444 "$cert"
'

test_lazy_prereq MOSQUITTO_USER 'test "$(id -u)" = 0 && getent passwd mosquitto'

test_expect_success MOSQUITTO_USER 'both belong to the broker user, which can read the key' '
	echo mosquitto:mosquitto >expect &&
	stat -c %U:%G "$key" >actual &&
	test_cmp expect actual &&
	stat -c %U:%G "$cert" >actual &&
	test_cmp expect actual &&
	setpriv --reuid=mosquitto --regid=mosquitto --clear-groups cat "$key" >/dev/null
'

test_expect_success OPENSSL 'device.id is now the CN' '
	echo dev-001 >expect &&
	tedge-config get device.id >actual &&
	test_cmp expect actual
'

test_expect_success OPENSSL 'a second create is refused with the reference message, nothing touched' '
	cksum "$cert" "$key" >before &&
	ls -l --time-style=full-iso "$certs" >before.ls &&
	test_expect_code 1 tedge-cert create --device-id other 2>err &&
	cat >expect <<-EOT &&
	Error: failed to create a test certificate for the device other.

	Caused by:
	    A certificate already exists and would be overwritten.
	            Existing file: "$cert"
	            Run \`tedge cert remove\` first to generate a new certificate.
	EOT
	test_cmp expect err &&
	cksum "$cert" "$key" >after &&
	test_cmp before after &&
	ls -l --time-style=full-iso "$certs" >after.ls &&
	test_cmp before.ls after.ls
'

test_expect_success OPENSSL 'a lone key is not overwritten either, and no certificate appears' '
	mkdir -p lone/device-certs &&
	echo "not a key" >lone/device-certs/tedge-private-key.pem &&
	test_expect_code 1 tedge-cert --config-dir lone create --device-id x 2>err &&
	test_grep "A private key already exists and would be overwritten." err &&
	test_path_is_missing lone/device-certs/tedge-certificate.pem &&
	echo "not a key" >expect &&
	test_cmp expect lone/device-certs/tedge-private-key.pem
'

test_expect_success OPENSSL 'a symbolic link at the key path is never followed' '
	mkdir -p link/device-certs &&
	ln -s "$TRASH_DIRECTORY/target" link/device-certs/tedge-private-key.pem &&
	test_expect_code 1 tedge-cert --config-dir link create --device-id x 2>err &&
	test_grep "already exists" err &&
	test_path_is_missing target
'

check_bad_id () {	# check_bad_id ID EXPECTED-LAST-LINE
	test_expect_code 1 tedge-cert --config-dir bad create --device-id "$1" 2>err &&
	printf "%s\n" "Error: failed to create a test certificate for the device $1." "" "Caused by:" \
		"    0: DeviceID Error" "    1: $2" >expect &&
	test_cmp expect err &&
	test_path_is_missing bad/device-certs/tedge-certificate.pem &&
	test_path_is_missing bad/device-certs/tedge-private-key.pem
}

rule="[use only A-Z, a-z, 0-9, ' = ( ) , - . ? % * _ ! @]"
for c in '>' '<' '|' '[' ']' '}' '{' '^' '&' '#' '$' '+' '/' ':' ' ' ';' '~' '`' '"'; do
	test_expect_success "device id with '$c' is refused" '
		id="thin${c}edge" &&
		q=$(printf "%s" "$id" | sed "s/\"/\\\\\"/g") &&
		check_bad_id "$id" "The string '\''\"$q\"'\'' contains characters which cannot be used in a name $rule"
	'
done

test_expect_success 'an empty device id is refused' '
	check_bad_id "" "The empty string cannot be used as a name"
'

test_expect_success 'a device id of 65 characters is refused, 64 is fine' '
	id65=$(printf "%065d" 0) &&
	check_bad_id "$id65" "The string '\''\"$id65\"'\'' is more than 64 characters long and cannot be used as a name" &&
	tedge-cert --config-dir ok64 create --device-id "$(printf "%064d" 0)"
'

test_expect_success OPENSSL 'every allowed character is accepted' '
	tedge-cert --config-dir allowed create --device-id "'\''?=()*@!%,-.123ThinEdgeDevice_id" &&
	echo "'\''?=()*@!%,-.123ThinEdgeDevice_id" >expect &&
	tedge-config --config-dir allowed get device.id >actual &&
	test_cmp expect actual
'

test_expect_success 'create without --device-id is a usage error' '
	test_expect_code 2 tedge-cert --config-dir none create 2>err &&
	test_grep "device-id" err
'

test_expect_success 'an option of another subcommand is named, nothing made' '
	test_expect_code 2 tedge-cert --config-dir none show --device-id x 2>err &&
	test_grep "^error: '\''--device-id'\'' does not go with '\''show'\''" err &&
	test_expect_code 2 tedge-cert --config-dir none create --device-id x --user u 2>err &&
	test_grep "'\''--user'\'' does not go with '\''create'\''" err &&
	test_expect_code 2 tedge-cert --config-dir none remove --password-stdin 2>err &&
	test_grep "'\''--password-stdin'\'' does not go with '\''remove'\''" err &&
	test_path_is_missing none/device-certs
'

test_expect_success 'create without --device-id and without device.id: the reference sentence' '
	test_expect_code 2 tedge-cert --config-dir none create 2>err &&
	test_grep "No device ID is provided. Use \`--device-id <name>\` option to specify the device ID." err &&
	test_path_is_missing none/device-certs/tedge-certificate.pem
'

test_expect_success OPENSSL 'create without --device-id uses device.id when it is set (1.5+)' '
	tedge-config --config-dir byid set device.id stored-id &&
	tedge-cert --config-dir byid create 2>err &&
	echo "Certificate was successfully created" >expect &&
	test_cmp expect err &&
	openssl x509 -in byid/device-certs/tedge-certificate.pem -noout -subject -nameopt RFC2253 >subject &&
	echo "subject=OU=Device,O=Thin Edge,CN=stored-id" >expect &&
	test_cmp expect subject &&
	TEDGE_DEVICE_ID=env-id tedge-cert --config-dir byenv create &&
	openssl x509 -in byenv/device-certs/tedge-certificate.pem -noout -subject -nameopt RFC2253 >subject &&
	echo "subject=OU=Device,O=Thin Edge,CN=env-id" >expect &&
	test_cmp expect subject
'

test_expect_success OPENSSL '--device-id wins over device.id' '
	tedge-config --config-dir both set device.id stored-id &&
	tedge-cert --config-dir both create --device-id given-id &&
	echo given-id >expect &&
	tedge-config --config-dir both get device.id >actual &&
	test_cmp expect actual
'

test_expect_success OPENSSL 'the default organization unit is Device, as thin-edge since 1.5' '
	echo Device >expect &&
	tedge-config --config-dir ou get certificate.organization_unit >actual &&
	test_cmp expect actual &&
	tedge-cert --config-dir ou create --device-id ou-dev &&
	openssl x509 -in ou/device-certs/tedge-certificate.pem -noout -subject -nameopt RFC2253 >subject &&
	echo "subject=OU=Device,O=Thin Edge,CN=ou-dev" >expect &&
	test_cmp expect subject
'

test_expect_success OPENSSL 'organization, unit and validity come from tedge.toml' '
	tedge-config --config-dir org set certificate.organization "ACME, Inc." &&
	tedge-config --config-dir org set certificate.organization_unit "Fleet" &&
	tedge-config --config-dir org set certificate.validity.requested_duration 10d &&
	tedge-cert --config-dir org create --device-id org-dev &&
	openssl x509 -in org/device-certs/tedge-certificate.pem -noout -subject -nameopt RFC2253 >subject &&
	echo "subject=OU=Fleet,O=ACME\\, Inc.,CN=org-dev" >expect &&
	test_cmp expect subject &&
	openssl x509 -in org/device-certs/tedge-certificate.pem -noout -startdate -enddate >dates &&
	nb=$(date -u -d "$(sed -n "s/notBefore=//p" dates)" +%s) &&
	na=$(date -u -d "$(sed -n "s/notAfter=//p" dates)" +%s) &&
	test $((na - nb)) -eq $((10 * 86400))
'

test_expect_success OPENSSL 'the tedge dispatcher reaches tedge-cert' '
	tedge --config-dir via cert create --device-id via-tedge &&
	test_path_is_file via/device-certs/tedge-certificate.pem
'

test_done
