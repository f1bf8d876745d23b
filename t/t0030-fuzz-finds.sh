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

test_done
