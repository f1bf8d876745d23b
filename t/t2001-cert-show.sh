#!/bin/sh
test_description='tedge-cert show: the layout of thin-edge, checked field by field against openssl'
. ./lib.sh

cert="$TEDGE_CONFIG_DIR/device-certs/tedge-certificate.pem"

# The fields as openssl sees them, in tedge-cert show's layout.
expected_show () {	# expected_show FILE STATUS
	openssl x509 -in "$1" -noout -subject -nameopt sep_comma_plus_space,sname,utf8 |
		sed "s/^subject=//; s/emailAddress=/Email=/" >subj &&
	openssl x509 -in "$1" -noout -issuer -nameopt sep_comma_plus_space,sname,utf8 |
		sed "s/^issuer=//; s/emailAddress=/Email=/" >iss &&
	nb=$(openssl x509 -in "$1" -noout -startdate | sed "s/notBefore=//") &&
	na=$(openssl x509 -in "$1" -noout -enddate | sed "s/notAfter=//") &&
	hex=$(openssl x509 -in "$1" -noout -serial | sed "s/serial=//; s/^0*//" | tr A-F a-f) &&
	dec=$(echo "ibase=16; $(echo "$hex" | tr a-f A-F)" | BC_LINE_LENGTH=0 bc) &&
	fp=$(openssl x509 -in "$1" -noout -fingerprint -sha1 | sed "s/.*=//" | tr -d :) &&
	printf "%s\n" "Certificate:   $1" "Subject:       $(cat subj)" "Issuer:        $(cat iss)" \
		"Status:        $2" \
		"Valid from:    $(date -u -d "$nb" "+%a, %d %b %Y %H:%M:%S +0000")" \
		"Valid until:   $(date -u -d "$na" "+%a, %d %b %Y %H:%M:%S +0000")" \
		"Serial number: $dec (0x$hex)" "Thumbprint:    $fp"
}

test_lazy_prereq BC 'command -v bc'

test_expect_success OPENSSL,BC 'show of a new certificate: every field as openssl has it' '
	tedge-cert create --device-id show-me &&
	tedge-cert show >actual &&
	sed -n "s/^Status:        //p" actual >status &&
	test_grep "^VALID (expires in: 36[34]d [0-9h ms]*)$\|^VALID (expires in: 364d)$" status &&
	expected_show "$cert" "$(cat status)" >expect &&
	test_cmp expect actual
'

test_expect_success OPENSSL 'the thumbprint is openssl'\''s SHA-1 fingerprint without colons' '
	openssl x509 -in "$cert" -noout -fingerprint -sha1 | sed "s/.*=//" | tr -d : >expect &&
	sed -n "s/^Thumbprint:    //p" actual >fp &&
	test_cmp expect fp
'

test_expect_success OPENSSL,BC 'an RSA certificate with a multi-valued RDN and an email' '
	openssl req -x509 -newkey rsa:2048 -nodes -keyout rsa.key -out rsa.pem -days 400 \
		-subj "/C=DE/O=Org, Inc./CN=a+OU=b/emailAddress=x@y" -multivalue-rdn 2>/dev/null &&
	tedge-cert show --cert-path rsa.pem >actual &&
	test_grep "^Subject:       C=DE, O=Org, Inc., CN=a + OU=b, Email=x@y$" actual &&
	expected_show "$TRASH_DIRECTORY/rsa.pem" "$(sed -n "s/^Status:        //p" actual)" >expect &&
	test_cmp expect actual
'

# openssl ca, unlike req, takes any validity window.
make_cert_dated () {	# make_cert_dated NAME START END
	mkdir -p ca &&
	: >ca/index.txt &&
	echo 0a >ca/serial &&
	printf "%s\n" "[ca]" "default_ca = c" "[c]" "database = ca/index.txt" \
		"serial = ca/serial" "new_certs_dir = ca" "default_md = sha256" \
		"policy = p" "[p]" "commonName = supplied" >ca.cnf &&
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$1.key" -out "$1.csr" -subj "/CN=$1" 2>/dev/null &&
	openssl ca -batch -config ca.cnf -selfsign -keyfile "$1.key" -in "$1.csr" \
		-startdate "$2" -enddate "$3" -notext -out "$1.pem" 2>/dev/null
}

test_expect_success OPENSSL,BC 'an expired certificate' '
	make_cert_dated old 20200101000000Z 20210101000000Z &&
	tedge-cert show --cert-path old.pem >actual &&
	test_grep "^Status:        EXPIRED (since: [0-9]*y [0-9]*d" actual &&
	test_grep "^Valid from:    Wed, 01 Jan 2020 00:00:00 +0000$" actual &&
	test_grep "^Valid until:   Fri, 01 Jan 2021 00:00:00 +0000$" actual &&
	test_grep "^Serial number: 10 (0xa)$" actual &&
	expected_show "$TRASH_DIRECTORY/old.pem" "$(sed -n "s/^Status:        //p" actual)" >expect &&
	test_cmp expect actual
'

test_expect_success OPENSSL 'a certificate not valid yet, and one that expires soon' '
	make_cert_dated future 20990101000000Z 21000101000000Z &&
	tedge-cert show --cert-path future.pem >actual &&
	test_grep "^Status:        NOT VALID YET (will be in: [0-9]*y" actual &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout soon.key \
		-out soon.pem -days 3 -subj /CN=soon 2>/dev/null &&
	tedge-cert show --cert-path soon.pem >actual &&
	test_grep "^Status:        EXPIRES SOON (expires in: [23]d" actual &&
	tedge-config set certificate.validity.minimum_duration 1d &&
	tedge-cert show --cert-path soon.pem >actual &&
	test_grep "^Status:        VALID (expires in: [23]d" actual
'

test_expect_success OPENSSL 'show --json: the same facts, for programs' '
	tedge-cert show --cert-path old.pem --json >out &&
	test_json out "d[\"certificate\"] == \"$TRASH_DIRECTORY/old.pem\" and d[\"subject\"] == \"CN=old\"" &&
	test_json out "d[\"status\"] == \"EXPIRED\" and d[\"needs_renewal\"] is True and d[\"seconds_left\"] < -86400 * 365" &&
	test_json out "d[\"valid_from\"] == \"2020-01-01T00:00:00Z\" and d[\"valid_until\"] == \"2021-01-01T00:00:00Z\"" &&
	test_json out "d[\"serial_number\"] == \"10\" and d[\"serial_hex\"] == \"a\"" &&
	openssl x509 -in old.pem -noout -fingerprint -sha1 | sed "s/.*=//" | tr -d : >fp &&
	test_json out "d[\"thumbprint\"] == \"$(cat fp)\"" &&
	tedge-cert show --cert-path soon.pem --json >out &&
	test_json out "d[\"status\"] == \"VALID\" and not d[\"needs_renewal\"] and 86400 < d[\"seconds_left\"] <= 3 * 86400" &&
	tedge-config unset certificate.validity.minimum_duration &&
	tedge-cert show --cert-path soon.pem --json >out &&
	test_json out "d[\"status\"] == \"EXPIRES SOON\" and d[\"needs_renewal\"]" &&
	tedge-cert show --cert-path future.pem --json >out &&
	test_json out "d[\"status\"] == \"NOT VALID YET\" and d[\"seconds_left\"] > 86400 * 365 * 70"
'

test_expect_success 'show --json of no certificate: the error chain in the object' '
	test_expect_code 1 tedge-cert --config-dir empty show --json >out 2>err &&
	test_json out "d[\"error\"] == \"failed to show the device certificate\"" &&
	test_json out "d[\"causes\"] == [\"reading certificate from $TRASH_DIRECTORY/empty/device-certs/tedge-certificate.pem\", \"No such file or directory (os error 2)\"]" &&
	test_grep "^Error: failed to show the device certificate" err &&
	test_expect_code 1 tedge-cert show --json --cert-path "/nowhere/b$(printf "\377")d/x\"y\\z" >out 2>err &&
	test_json out "d[\"causes\"][0] == \"reading certificate from /nowhere/b\\ufffdd/x\\\"y\\\\z\""
'

test_expect_success 'a missing certificate: the HEAD error chain' '
	test_expect_code 1 tedge-cert --config-dir empty show 2>err &&
	cat >expect <<-EOT &&
	Error: failed to show the device certificate

	Caused by:
	    0: reading certificate from $TRASH_DIRECTORY/empty/device-certs/tedge-certificate.pem
	    1: No such file or directory (os error 2)
	EOT
	test_cmp expect err
'

test_expect_success 'a file that is no certificate' '
	echo garbage >junk.pem &&
	test_expect_code 1 tedge-cert show --cert-path junk.pem 2>err &&
	test_grep "decoding certificate from $TRASH_DIRECTORY/junk.pem" err
'

test_done
