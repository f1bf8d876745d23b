#!/bin/sh
test_description='tedge-cert create-csr, renew and remove'
. ./lib.sh

certs="$TEDGE_CONFIG_DIR/device-certs"
cert="$certs/tedge-certificate.pem"
key="$certs/tedge-private-key.pem"
csr="$certs/tedge.csr"

test_expect_success OPENSSL 'create-csr without a key makes one (0400) and a CSR that verifies' '
	tedge-cert create-csr --device-id csr-dev 2>err &&
	echo "Certificate Signing Request was successfully created." >expect &&
	test_cmp expect err &&
	test_mode 400 "$key" &&
	test_mode 444 "$csr" &&
	test_grep "^-----BEGIN CERTIFICATE REQUEST-----$" "$csr" &&
	openssl req -in "$csr" -noout -verify 2>&1 | grep -i "verif.* ok" &&
	openssl req -in "$csr" -noout -subject -nameopt sep_comma_plus_space,sname >subject &&
	echo "subject=CN=csr-dev, O=Thin Edge, OU=Device" >expect &&
	test_cmp expect subject &&
	openssl req -in "$csr" -noout -pubkey >pub.csr &&
	openssl pkey -in "$key" -pubout >pub.key &&
	test_cmp pub.key pub.csr &&
	test_path_is_missing "$cert"
'

test_expect_success OPENSSL 'no attributes, no extension request; ECDSA-SHA256' '
	openssl asn1parse -in "$csr" >asn1 &&
	test_grep ! "Extension Request" asn1 &&
	test_grep "cont \[ 0 \]" asn1 &&
	openssl req -in "$csr" -noout -text >text &&
	test_grep "Signature Algorithm: ecdsa-with-SHA256" text
'

test_expect_success OPENSSL 'a second create-csr reuses the key and replaces the CSR' '
	cksum "$key" >before &&
	tedge-cert create-csr --device-id csr-dev2 &&
	cksum "$key" >after &&
	test_cmp before after &&
	openssl req -in "$csr" -noout -subject >subject &&
	test_grep "CN = csr-dev2" subject
'

test_expect_success OPENSSL 'an RSA key is reused: RSA SHA-256 CSR for it' '
	mkdir -p rsa/device-certs &&
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa/device-certs/tedge-private-key.pem 2>/dev/null &&
	tedge-cert --config-dir rsa create-csr --device-id rsa-dev &&
	openssl req -in rsa/device-certs/tedge.csr -noout -verify &&
	openssl req -in rsa/device-certs/tedge.csr -noout -text >text &&
	test_grep "sha256WithRSAEncryption" text &&
	openssl req -in rsa/device-certs/tedge.csr -noout -pubkey >pub.csr &&
	openssl pkey -in rsa/device-certs/tedge-private-key.pem -pubout >pub.key &&
	test_cmp pub.key pub.csr
'

test_expect_success OPENSSL 'an EC key made by openssl (SEC1 PEM) is reused too' '
	mkdir -p ec/device-certs &&
	openssl ecparam -name prime256v1 -genkey -noout -out ec/device-certs/tedge-private-key.pem &&
	tedge-cert --config-dir ec create-csr --device-id ec-dev &&
	openssl req -in ec/device-certs/tedge.csr -noout -pubkey >pub.csr &&
	openssl pkey -in ec/device-certs/tedge-private-key.pem -pubout >pub.key &&
	test_cmp pub.key pub.csr
'

test_expect_success OPENSSL 'create-csr --output-path, relative to the working directory' '
	mkdir -p out &&
	(cd out && tedge-cert create-csr --device-id o --output-path my.csr) &&
	openssl req -in out/my.csr -noout -verify
'

test_expect_success OPENSSL 'create-csr takes the id of the existing certificate' '
	tedge-cert --config-dir withcert create --device-id from-cert &&
	tedge-cert --config-dir withcert create-csr &&
	openssl req -in withcert/device-certs/tedge.csr -noout -subject >subject &&
	test_grep "CN = from-cert" subject &&
	openssl x509 -in withcert/device-certs/tedge-certificate.pem -noout -subject -nameopt sep_comma_plus_space,sname >a &&
	openssl req -in withcert/device-certs/tedge.csr -noout -subject -nameopt sep_comma_plus_space,sname >b &&
	test_cmp a b
'

test_expect_success 'create-csr without any id says how to give one' '
	test_expect_code 1 tedge-cert --config-dir noid create-csr 2>err &&
	test_grep "No device ID is provided. Use \`--device-id <name>\` option to specify the device ID." err
'

test_expect_success OPENSSL 'renew keeps the key, the subject and the CN; new serial and dates' '
	tedge-cert --config-dir r create --device-id renew-me &&
	c=r/device-certs/tedge-certificate.pem &&
	openssl x509 -in $c -noout -serial >serial.before &&
	cp $c before.pem &&
	cksum r/device-certs/tedge-private-key.pem >key.before &&
	sleep 1 &&
	tedge-cert --config-dir r renew 2>err &&
	test_grep "^Certificate was successfully renewed" err &&
	cksum r/device-certs/tedge-private-key.pem >key.after &&
	test_cmp key.before key.after &&
	openssl x509 -in $c -noout -subject >a &&
	openssl x509 -in before.pem -noout -subject >b &&
	test_cmp a b &&
	openssl x509 -in $c -noout -serial >serial.after &&
	! test_cmp serial.before serial.after &&
	openssl x509 -in $c -noout -pubkey >pub.new &&
	openssl x509 -in before.pem -noout -pubkey >pub.old &&
	test_cmp pub.old pub.new &&
	test_mode 444 $c &&
	openssl x509 -in $c -noout -text | grep "CA:TRUE" &&
	echo renew-me >expect &&
	tedge-config --config-dir r get device.id >actual &&
	test_cmp expect actual
'

test_expect_success OPENSSL 'renew refuses a certificate that is not self-signed' '
	mkdir -p ca/device-certs &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
		-out ca.pem -days 2 -subj /CN=some-ca 2>/dev/null &&
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout ca/device-certs/tedge-private-key.pem -out d.csr -subj /CN=signed 2>/dev/null &&
	openssl x509 -req -in d.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
		-out ca/device-certs/tedge-certificate.pem 2>/dev/null &&
	cp ca/device-certs/tedge-certificate.pem before.pem &&
	test_expect_code 1 tedge-cert --config-dir ca renew 2>err &&
	test_grep "is not a self-signed certificate" err &&
	test_cmp before.pem ca/device-certs/tedge-certificate.pem
'

test_expect_success 'renew without a certificate: Missing file' '
	test_expect_code 1 tedge-cert --config-dir nothing renew 2>err &&
	test_grep "Missing file: \"$TRASH_DIRECTORY/nothing/device-certs/tedge-certificate.pem\"" err
'

test_expect_success OPENSSL 'remove deletes both; then there is nothing to remove' '
	tedge-cert --config-dir r remove 2>err &&
	echo "Certificate was successfully removed" >expect &&
	test_cmp expect err &&
	test_path_is_missing r/device-certs/tedge-certificate.pem &&
	test_path_is_missing r/device-certs/tedge-private-key.pem &&
	tedge-cert --config-dir r remove 2>err &&
	echo "There is no certificate to remove" >expect &&
	test_cmp expect err &&
	test_expect_code 1 tedge-config --config-dir r get device.id
'

test_expect_success OPENSSL 'after remove, create works again' '
	tedge-cert --config-dir r create --device-id again &&
	tedge-cert --config-dir r show >shown &&
	test_grep "CN=again," shown
'

test_done
