#!/bin/sh
# Test bodies are strings eval'd by lib.sh, which also reads test_description:
# shellcheck disable=SC1091,SC2016,SC2034
test_description='tedge-check: usage, cert, and what needs no network'
. ./lib.sh
. "$TEST_DIRECTORY/lib-c8y.sh"
. "$TEST_DIRECTORY/lib-check.sh"

if ! test_have_prereq OPENSSL; then
	skip_all='needs openssl'
	test_done
fi

certs="$TEDGE_CONFIG_DIR/device-certs"

test_expect_success 'help and version: stdout, exit 0' '
	tedge-check --help >out 2>err &&
	test_grep "^usage: tedge-check" out &&
	test_grep "doctor c8y|az|aws" out &&
	test_grep "Exit status: 0" out &&
	test_must_be_empty err &&
	tedge-check --version >out &&
	test_grep "^tedge-check [0-9]" out &&
	tedge check --help >out &&
	test_grep "^usage: tedge-check" out
'

test_expect_success 'usage errors exit 2 and say what is wrong' '
	test_expect_code 2 tedge-check 2>err &&
	test_grep "a subcommand is required" err &&
	test_expect_code 2 tedge-check frobnicate 2>err &&
	test_grep "unrecognized subcommand '\''frobnicate'\''" err &&
	test_expect_code 2 tedge-check cloud 2>err &&
	test_grep "needs a cloud" err &&
	test_expect_code 2 tedge-check cloud gcp 2>err &&
	test_grep "invalid cloud '\''gcp'\''" err &&
	test_expect_code 2 tedge-check register az 2>err &&
	test_grep "only c8y has a device registration" err &&
	test_expect_code 2 tedge-check doctor c8y extra 2>err &&
	test_expect_code 2 tedge-check broker extra 2>err &&
	test_expect_code 2 tedge-check cloud c8y --wait 3 2>err &&
	test_grep "'\''--wait'\'' does not go with '\''cloud'\'': only with broker" err &&
	test_expect_code 2 tedge-check cloud c8y --timeout 0 2>err &&
	test_grep "invalid value '\''0'\'' for '\''--timeout'\''" err &&
	test_expect_code 2 tedge-check cloud c8y --timeout 2x 2>err &&
	test_expect_code 2 tedge-check cert --timeout 2 2>err &&
	test_expect_code 2 tedge-check --no-such-option cert 2>err
'

test_expect_success 'cert: no certificate, what to do' '
	test_expect_code 1 tedge-check cert >out 2>err &&
	test_must_be_empty out &&
	test_grep "^Error: the device certificate is not usable$" err &&
	test_grep "No certificate has been attached to that device. Create one with \`tedge cert create --device-id <id>\`" err &&
	test_grep "cannot read $certs/tedge-certificate.pem: No such file or directory (os error 2)" err
'

test_expect_success 'cert CLOUD: the cloud'\''s own certificate, a profile'\''s' '
	tedge-config set c8y.profiles.solo.device.cert_path "$TRASH_DIRECTORY/solo.pem" &&
	tedge-config set c8y.profiles.solo.device.key_path "$TRASH_DIRECTORY/solo.key" &&
	tedge-cert create c8y --profile solo --device-id solo-dev 2>/dev/null &&
	tedge-check cert c8y --profile solo >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err &&
	TEDGE_CLOUD_PROFILE=solo tedge-check cert c8y &&
	test_expect_code 1 tedge-check cert c8y 2>err &&
	test_grep "cannot read $certs/tedge-certificate.pem" err &&
	test_expect_code 1 tedge-check cert 2>err &&
	test_expect_code 2 tedge-check cert gcp 2>err &&
	test_grep "invalid cloud .gcp. for .cert." err &&
	test_expect_code 2 tedge-check cert c8y extra 2>err &&
	rm -f solo.pem solo.key &&
	tedge-config unset c8y.profiles.solo.device.cert_path &&
	tedge-config unset c8y.profiles.solo.device.key_path
'

test_expect_success 'cert: a fresh certificate passes, silently' '
	tedge-cert create --device-id check-dev 2>/dev/null &&
	tedge-check cert >out 2>err &&
	test_must_be_empty out &&
	test_must_be_empty err
'

test_expect_success 'cert: the key of another certificate' '
	device_cert other other &&
	test_expect_code 1 env TEDGE_DEVICE_KEY_PATH="$PWD/other/key.pem" tedge-check cert 2>err &&
	test_grep "The private key is not paired with the certificate. Check your '\''device.key_path'\''." err &&
	test_grep "$PWD/other/key.pem is not the private key of the certificate $certs/tedge-certificate.pem" err
'

test_expect_success 'cert: not a certificate, not a key' '
	echo garbage >garbage.pem &&
	test_expect_code 1 env TEDGE_DEVICE_CERT_PATH="$PWD/garbage.pem" tedge-check cert 2>err &&
	test_grep "The device certificate $PWD/garbage.pem cannot be read. Check '\''device.cert_path'\''." err &&
	test_grep "decoding certificate from $PWD/garbage.pem" err &&
	test_expect_code 1 env TEDGE_DEVICE_KEY_PATH="$PWD/garbage.pem" tedge-check cert 2>err &&
	test_grep "The private key $PWD/garbage.pem cannot be read." err
'

test_expect_success 'cert: expired, with the date and what to do' '
	dated_cert old-dev 20200101000000Z 20200201000000Z expired &&
	test_expect_code 1 env TEDGE_DEVICE_CERT_PATH="$PWD/expired/cert.pem" \
		TEDGE_DEVICE_KEY_PATH="$PWD/expired/key.pem" tedge-check cert 2>err &&
	test_grep "The device certificate has expired. Renew it" err &&
	test_grep "expired/cert.pem expired on Sat, 01 Feb 2020 00:00:00 +0000 (" err
'

test_expect_success 'cert: not valid yet' '
	dated_cert future-dev 20990101000000Z 20990201000000Z future &&
	test_expect_code 1 env TEDGE_DEVICE_CERT_PATH="$PWD/future/cert.pem" \
		TEDGE_DEVICE_KEY_PATH="$PWD/future/key.pem" tedge-check cert 2>err &&
	test_grep "The device certificate is not valid yet. Check the clock of the device." err &&
	test_grep "is valid from Thu, 01 Jan 2099 00:00:00 +0000" err
'

test_expect_success 'cert: expiring within certificate.validity.minimum_duration warns, exit 0' '
	device_cert soon-dev soon &&
	env TEDGE_DEVICE_CERT_PATH="$PWD/soon/cert.pem" TEDGE_DEVICE_KEY_PATH="$PWD/soon/key.pem" \
		TEDGE_CERTIFICATE_VALIDITY_MINIMUM_DURATION=60d tedge-check cert >out 2>err &&
	test_must_be_empty out &&
	test_grep "^Warning: the device certificate $PWD/soon/cert.pem expires in [23][0-9]d" err &&
	env TEDGE_DEVICE_CERT_PATH="$PWD/soon/cert.pem" TEDGE_DEVICE_KEY_PATH="$PWD/soon/key.pem" \
		TEDGE_CERTIFICATE_VALIDITY_MINIMUM_DURATION=7d tedge-check cert 2>err &&
	test_must_be_empty err
'

test_expect_success 'a composing script names the request: TEDGE_ERROR_CONTEXT' '
	test_expect_code 1 env TEDGE_ERROR_CONTEXT="failed to connect Cumulocity cloud." \
		TEDGE_DEVICE_KEY_PATH="$PWD/other/key.pem" tedge-check cert 2>err &&
	test_grep "^Error: failed to connect Cumulocity cloud.$" err &&
	test_grep "^    0: the device certificate is not usable$" err
'

test_expect_success 'a malformed tedge.toml: every command says so' '
	mkdir -p bad &&
	printf "[c8y\nurl = 1\n" >bad/tedge.toml &&
	test_expect_code 1 tedge-check --config-dir bad cert 2>err &&
	test_grep "^Error: failed to read the configuration$" err &&
	test_expect_code 1 tedge-check --config-dir bad cloud c8y 2>err &&
	test_grep "^Error: failed to read the configuration$" err &&
	test_expect_code 1 tedge-check --config-dir bad doctor c8y 2>err &&
	test_grep "^FAIL configuration: tedge.toml cannot be read$" err
'

test_expect_success 'register without c8y.url: the seed'\''s words, nothing tried' '
	test_expect_code 1 tedge-check register c8y 2>err &&
	test_grep "^Error: failed to create the device in Cumulocity$" err &&
	test_grep "Required configuration item is not provided '\''c8y.url'\'', run '\''tedge config set c8y.url <value>'\'' to add it to config." err
'

test_done
