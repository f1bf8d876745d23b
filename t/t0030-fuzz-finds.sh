#!/bin/sh
# Test bodies are strings eval'd by lib.sh, which also reads test_description:
# shellcheck disable=SC1091,SC2016,SC2034
test_description='what make fuzz found, each through the programs'
. ./lib.sh

certs="$TEDGE_CONFIG_DIR/device-certs"

# fuzz-pem (t/fuzz/corpus-pem/crash-shared-dashes.pem): pem.c looked for
# the end line from the start of the begin line; when the two share
# dashes the end came first, the length went negative and device.id
# ended in "out of memory".
test_expect_success 'device.id: begin and end lines that share their dashes' '
	mkdir -p "$certs" &&
	printf -- "--------BEGIN CERTIFICATE--------END CERTIFICATE-----\n" \
		>"$certs/tedge-certificate.pem" &&
	test_expect_code 1 tedge-config get device.id >out 2>err &&
	test_must_be_empty out &&
	test_grep "no PEM certificate found" err &&
	test_grep ! "out of memory" err &&
	printf -- "-----BEGIN CERTIFICATE----------END CERTIFICATE-----\n" \
		>"$certs/tedge-certificate.pem" &&
	test_expect_code 1 tedge-config get device.id >out 2>err &&
	test_grep "the certificate cannot be parsed" err &&
	test_grep ! "out of memory" err &&
	rm "$certs/tedge-certificate.pem"
'

# fuzz-pem (t/fuzz/corpus-pem/key-pkcs8-enc.pem, cert-enc-header.pem): an
# encrypted PEM block made OpenSSL ask for a pass phrase on /dev/tty, or
# read one from stdin without a terminal; the programs waited there.
test_expect_success OPENSSL 'setup: a certificate and its key, encrypted' '
	tedge-cert --config-dir enc create --device-id enc-dev 2>err &&
	openssl pkey -in enc/device-certs/tedge-private-key.pem -aes128 \
		-passout pass:secret -out enc.key &&
	test_grep "ENCRYPTED" enc.key &&
	echo secret >pass &&
	cp enc/device-certs/tedge-certificate.pem cert.before
'

test_expect_success OPENSSL 'cert renew: an encrypted key is refused, no pass phrase read' '
	test_expect_code 1 env TEDGE_DEVICE_KEY_PATH="$TRASH_DIRECTORY/enc.key" \
		tedge-cert --config-dir enc renew <pass 2>err &&
	test_grep "the private key is encrypted" err &&
	test_grep ! "pass phrase:" err &&
	test_cmp cert.before enc/device-certs/tedge-certificate.pem
'

test_expect_success OPENSSL 'cert create-csr: an encrypted key is refused' '
	test_expect_code 1 env TEDGE_DEVICE_KEY_PATH="$TRASH_DIRECTORY/enc.key" \
		tedge-cert --config-dir enc create-csr <pass 2>err &&
	test_grep "the private key is encrypted" err &&
	test_path_is_missing enc/device-certs/tedge.csr
'

test_expect_success OPENSSL 'tedge-check cert: an encrypted key cannot be read' '
	test_expect_code 1 env TEDGE_DEVICE_KEY_PATH="$TRASH_DIRECTORY/enc.key" \
		tedge-check --config-dir enc cert <pass >out 2>err &&
	test_grep "the private key is encrypted" err &&
	test_grep ! "pass phrase:" err
'

test_expect_success OPENSSL 'cert show: a certificate block with encryption headers' '
	{
		echo "-----BEGIN CERTIFICATE-----" &&
		echo "Proc-Type: 4,ENCRYPTED" &&
		echo "DEK-Info: AES-128-CBC,59420F693AEF3B4FBDAE0E5143C022B7" &&
		echo &&
		sed 1d cert.before
	} >enc.pem &&
	test_expect_code 1 tedge-cert show --cert-path enc.pem <pass >out 2>err &&
	test_grep "the certificate is encrypted" err &&
	test_grep ! "pass phrase:" err
'

test_done
