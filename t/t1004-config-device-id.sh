#!/bin/sh
test_description='tedge-config: device.id comes from the certificate'
. ./lib.sh

certs="$TEDGE_CONFIG_DIR/device-certs"

make_cert () {	# make_cert SUBJECT FILE [openssl req options]
	subj=$1 out=$2 &&
	shift 2 &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$out.key" -out "$out" -days 2 -subj "$subj" "$@" 2>/dev/null
}

test_expect_success 'without certificate or value: the reference message, exit 1' '
	test_expect_code 1 tedge-config get device.id >out 2>err &&
	test_must_be_empty out &&
	cat >expect <<-\EOT &&
	The provided config key: '\''device.id'\'' is not configured: The device id is read from the device certificate.
	To set '\''device.id'\'' to some <id>, you can use `tedge cert create --device-id <id>`.
	EOT
	test_cmp expect err
'

test_expect_success OPENSSL 'the CN of a certificate made with openssl' '
	mkdir -p "$certs" &&
	make_cert "/O=Thin Edge/OU=Test Device/CN=alpha-001" "$certs/tedge-certificate.pem" &&
	echo alpha-001 >expect &&
	tedge-config get device.id >actual &&
	test_cmp expect actual &&
	tedge-config list >out &&
	test_grep "^device.id=alpha-001$" out
'

test_expect_success OPENSSL 'the first CN when the subject has several, wherever it stands' '
	make_cert "/O=x/CN=first/OU=y/CN=second" other.pem &&
	echo first >expect &&
	TEDGE_DEVICE_CERT_PATH="$TRASH_DIRECTORY/other.pem" tedge-config get device.id >actual &&
	test_cmp expect actual
'

test_expect_success OPENSSL 'UTF8String and BMPString CNs come out as UTF-8' '
	make_cert "$(printf "/CN=g\303\244t")" utf8.pem -utf8 &&
	printf "g\303\244t\n" >expect &&
	TEDGE_DEVICE_CERT_PATH="$TRASH_DIRECTORY/utf8.pem" tedge-config get device.id >actual &&
	test_cmp expect actual &&
	printf "[req]\ndistinguished_name = dn\nstring_mask = pkix\n[dn]\n" >bmp.cnf &&
	make_cert "$(printf "/CN=b\303\274p")" bmp.pem -utf8 -config bmp.cnf &&
	openssl asn1parse -in bmp.pem >asn1 &&
	test_grep BMPSTRING asn1 &&
	printf "b\303\274p\n" >expect &&
	TEDGE_DEVICE_CERT_PATH="$TRASH_DIRECTORY/bmp.pem" tedge-config get device.id >actual &&
	test_cmp expect actual
'

test_expect_success OPENSSL 'an RSA certificate with a long chain file: the first block' '
	openssl req -x509 -newkey rsa:2048 -nodes -keyout rsa.key -out rsa.pem \
		-days 1 -subj "/CN=rsa-device" 2>/dev/null &&
	cat other.pem >>rsa.pem &&
	echo rsa-device >expect &&
	TEDGE_DEVICE_CERT_PATH="$TRASH_DIRECTORY/rsa.pem" tedge-config get device.id >actual &&
	test_cmp expect actual
'

test_expect_success OPENSSL 'a certificate without CN gives an empty id' '
	make_cert "/O=no-cn" nocn.pem &&
	echo >expect &&
	TEDGE_DEVICE_CERT_PATH="$TRASH_DIRECTORY/nocn.pem" tedge-config get device.id >actual &&
	test_cmp expect actual
'

test_expect_success 'a broken certificate: Derivation failed, exit 1' '
	printf -- "-----BEGIN CERTIFICATE-----\nnotbase64!\n-----END CERTIFICATE-----\n" >bad.pem &&
	test_expect_code 1 env TEDGE_DEVICE_CERT_PATH="$TRASH_DIRECTORY/bad.pem" tedge-config get device.id 2>err &&
	test_grep "Derivation for \`device.id\` failed" err &&
	printf -- "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n" >trunc.pem &&
	test_expect_code 1 env TEDGE_DEVICE_CERT_PATH="$TRASH_DIRECTORY/trunc.pem" tedge-config get device.id 2>err &&
	test_grep "cannot be parsed" err &&
	echo "not a pem" >junk.pem &&
	test_expect_code 1 env TEDGE_DEVICE_CERT_PATH="$TRASH_DIRECTORY/junk.pem" tedge-config get device.id 2>err &&
	test_grep "no PEM certificate found" err
'

test_expect_success OPENSSL 'a truncated DER at every length never crashes and never succeeds' '
	openssl x509 -in other.pem -outform DER -out full.der &&
	size=$(wc -c <full.der) &&
	n=1 &&
	while test $n -lt $size; do
		head -c $n full.der >part.der &&
		{ printf -- "-----BEGIN CERTIFICATE-----\n"; openssl base64 -in part.der; printf -- "-----END CERTIFICATE-----\n"; } >part.pem &&
		test_expect_code 1 env TEDGE_DEVICE_CERT_PATH="$TRASH_DIRECTORY/part.pem" tedge-config get device.id 2>/dev/null || return 1
		n=$((n + 7))
	done
'

test_expect_success 'without certificate, a set device.id is used' '
	rm -rf "$certs" &&
	tedge-config set device.id stored-id &&
	echo stored-id >expect &&
	tedge-config get device.id >actual &&
	test_cmp expect actual
'

test_expect_success OPENSSL 'with a certificate, its CN wins, and set warns' '
	mkdir -p "$certs" &&
	make_cert "/CN=cert-id" "$certs/tedge-certificate.pem" &&
	tedge-config set device.id other-id 2>err &&
	test_grep "device.id is read from the certificate" err &&
	echo cert-id >expect &&
	tedge-config get device.id >actual &&
	test_cmp expect actual
'

test_done
