#!/bin/sh
test_description='tedge-cert needs-renewal, renew CLOUD, show/remove --new, use-new: what needs no network'
. ./lib.sh

certs="$TEDGE_CONFIG_DIR/device-certs"
cert="$certs/tedge-certificate.pem"
key="$certs/tedge-private-key.pem"

# A certificate for the device key, issued by a CA of the test's own (what
# Cumulocity's CA would send), valid for DAYS.
ca_signed () {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-days 30 -subj "/O=Cumulocity/CN=t12345" -keyout ca.key -out ca.pem 2>/dev/null &&
	openssl req -new -key "$key" -subj "/CN=renew-dev/O=Thin Edge/OU=Device" -out dev.csr &&
	openssl x509 -req -in dev.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
		-days "$1" -out dev.pem 2>/dev/null &&
	chmod u+w "$cert" && cat dev.pem >"$cert"
}

test_expect_success OPENSSL 'needs-renewal: a fresh certificate is not due (1), its status on stderr' '
	tedge-cert create --device-id renew-dev 2>/dev/null &&
	test_expect_code 1 tedge-cert needs-renewal >out 2>err &&
	test_must_be_empty out &&
	test_grep "^Status:        VALID (expires in: 36[34]d" err
'

test_expect_success OPENSSL 'needs-renewal: due (0) within certificate.validity.minimum_duration' '
	test_when_finished "tedge-config unset certificate.validity.minimum_duration" &&
	tedge-config set certificate.validity.minimum_duration 400d &&
	tedge-cert needs-renewal 2>err &&
	test_grep "^Status:        EXPIRES SOON (expires in: 36[34]d" err &&
	tedge-cert needs-renewal c8y 2>/dev/null
'

# An expired certificate for the device key: `openssl ca` can backdate.
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
	openssl req -new -key "$key" -subj "/CN=renew-dev" -out old.csr &&
	openssl ca -batch -config ca.d/conf -selfsign -keyfile "$key" -in old.csr \
		-startdate 20200101000000Z -enddate 20200102000000Z -out old.pem 2>/dev/null
}

test_expect_success OPENSSL 'needs-renewal: an expired certificate is due; a missing one is an error (2)' '
	expired &&
	tedge-cert needs-renewal --cert-path old.pem 2>err &&
	test_grep "^Status:        EXPIRED (since: " err &&
	test_expect_code 2 tedge-cert needs-renewal --cert-path nowhere.pem 2>err &&
	test_grep "^Error: Cannot check the certificate" err
'

test_expect_success OPENSSL 'renew CLOUD of a self-signed certificate: self-signed, into .new, same key and subject' '
	cksum "$cert" >before &&
	tedge-cert renew c8y >out 2>err &&
	cksum "$cert" >after &&
	test_cmp before after &&
	test_mode 444 "$cert.new" &&
	test_grep "^Certificate renewed successfully" err &&
	test_grep "=> the new certificate has to be uploaded to the cloud" err &&
	test_grep "^Certificate:   $cert.new\$" out &&
	openssl x509 -in "$cert.new" -noout -pubkey >pub.new &&
	openssl pkey -in "$key" -pubout >pub.key &&
	test_cmp pub.key pub.new &&
	openssl x509 -in "$cert.new" -noout -subject -issuer -nameopt sep_comma_plus_space,sname >names &&
	printf "subject=CN=renew-dev, O=Thin Edge, OU=Device\nissuer=CN=renew-dev, O=Thin Edge, OU=Device\n" >expect &&
	test_cmp expect names &&
	! cmp -s "$cert" "$cert.new"
'

test_expect_success OPENSSL 'show --new and needs-renewal --new read <cert>.new' '
	tedge-cert show --new >out &&
	test_grep "^Certificate:   $cert.new\$" out &&
	test_expect_code 1 tedge-cert needs-renewal --new 2>/dev/null
'

test_expect_success OPENSSL 'remove --new removes the new certificate only, and says when there is none' '
	tedge-cert remove --new 2>err &&
	echo "The new certificate was removed" >expect &&
	test_cmp expect err &&
	test_path_is_missing "$cert.new" &&
	test_path_is_file "$cert" &&
	test_path_is_file "$key" &&
	tedge-cert remove --new 2>err &&
	echo "There is no new certificate to remove" >expect &&
	test_cmp expect err
'

test_expect_success OPENSSL 'use-new: no .new, nothing to do; --offline keeps the current one and says so' '
	tedge-cert use-new c8y >out &&
	test_must_be_empty out &&
	tedge-cert renew az 2>/dev/null >/dev/null &&
	tedge-cert use-new az --offline >out &&
	cat >expect <<-EOF &&
	Offline mode. Skipping new device certificate validation
	  => use current certificate $cert
	  => ignoring new certificate $cert.new
	EOF
	test_cmp expect out &&
	test_path_is_file "$cert.new"
'

test_expect_success OPENSSL 'use-new az: taken without a check, as thin-edge does for Azure and AWS' '
	cp "$cert.new" expect.pem &&
	tedge-cert use-new az >out &&
	echo "The new certificate is now the active certificate $cert" >expect &&
	test_cmp expect out &&
	test_path_is_missing "$cert.new" &&
	test_cmp expect.pem "$cert"
'

test_expect_success OPENSSL 'renew of a CA-signed certificate: --ca self-signed refused, az and aws not supported' '
	ca_signed 365 &&
	test_expect_code 1 tedge-cert renew c8y --ca self-signed 2>err &&
	test_grep "Cannot renew certificate with self-signed ca: $cert is not self-signed" err &&
	test_expect_code 1 tedge-cert renew az 2>err &&
	test_grep "Certificate renewal is not supported for az" err &&
	test_path_is_missing "$cert.new"
'

test_expect_success 'usage: options that do not fit, clouds that are not there' '
	test_expect_code 2 tedge-cert renew gcp 2>err &&
	test_grep "invalid value '\''gcp'\'' for '\''<CLOUD>'\''" err &&
	test_expect_code 2 tedge-cert download az 2>err &&
	test_grep "download is for c8y (Cumulocity) only" err &&
	test_expect_code 2 tedge-cert download 2>err &&
	test_grep "<CLOUD>" err &&
	test_expect_code 2 tedge-cert show --ca c8y 2>err &&
	test_grep "'\''--ca'\'' does not go with '\''show'\'': only with renew" err &&
	test_expect_code 2 tedge-cert renew c8y --ca other 2>err &&
	test_grep "invalid value '\''other'\'' for '\''--ca <CA>'\''" err &&
	test_expect_code 2 tedge-cert use-new 2>err &&
	test_expect_code 2 tedge-cert create --offline 2>err &&
	test_grep "'\''--offline'\'' does not go with '\''create'\''" err
'

test_done
