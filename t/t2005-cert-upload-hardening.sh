#!/bin/sh
test_description='tedge-cert upload c8y: the password, empty or at its limit (issue 11)'
. ./lib.sh
. "$TEST_DIRECTORY/lib-c8y.sh"

if ! test_have_prereq OPENSSL || ! test_have_prereq MOSQUITTO; then
	skip_all='needs openssl and mosquitto'
	test_done
fi
standin_start || BUG "the Cumulocity stand-in did not start"

log="$C8Y_STANDIN_DIR/http.log"

# chars N: N times the letter a, no newline
chars () {
	printf "%$1s" "" | tr " " a
}

test_expect_success 'setup: a device certificate, the configuration' '
	tedge-cert create --device-id pw-dev &&
	standin_configure &&
	p1023=$(chars 1023) && p1024=$(chars 1024) &&
	test ${#p1023} = 1023 && test ${#p1024} = 1024
'

test_expect_success 'an empty C8Y_PASSWORD is refused, before any request' '
	: >"$log" &&
	test_expect_code 1 env C8Y_PASSWORD= tedge-cert upload c8y --user user 2>err &&
	cat >expect <<-\EOF &&
	Error: failed to upload root certificate

	Caused by:
	    C8Y_PASSWORD is set but empty: there is no password to send (unset it to be asked for one)
	EOF
	test_cmp expect err &&
	test_must_be_empty "$log"
'

test_expect_success 'an empty C8YPASS is refused too' '
	: >"$log" &&
	test_expect_code 1 env C8YPASS= tedge-cert upload c8y --user user 2>err &&
	test_grep "C8YPASS is set but empty" err &&
	test_must_be_empty "$log"
'

test_expect_success 'an empty line, or nothing, on --password-stdin is refused' '
	: >"$log" &&
	echo | test_expect_code 1 tedge-cert upload c8y --user user --password-stdin 2>err &&
	test_grep "password-stdin: the first line of stdin is empty: there is no password to send" err &&
	printf "\r\n" | test_expect_code 1 tedge-cert upload c8y --user user --password-stdin 2>err &&
	test_grep "first line of stdin is empty" err &&
	test_expect_code 1 tedge-cert upload c8y --user user --password-stdin </dev/null 2>err &&
	test_grep "first line of stdin is empty" err &&
	test_must_be_empty "$log"
'

# A password of the limit goes to the server, which answers 401 (it is
# not the stand-in's); one more character is refused before any request.
test_expect_success 'C8Y_PASSWORD: 1023 characters are sent, 1024 refused' '
	: >"$log" &&
	test_expect_code 1 env C8Y_PASSWORD="$p1024" tedge-cert upload c8y --user user 2>err &&
	test_grep "the password in C8Y_PASSWORD is longer than 1023 characters" err &&
	test_must_be_empty "$log" &&
	test_expect_code 1 env C8Y_PASSWORD="$p1023" tedge-cert upload c8y --user user 2>err &&
	test_grep "401 Unauthorized" err &&
	test_grep "currentTenant" "$log"
'

test_expect_success '--password-stdin: 1023 characters are sent, 1024 refused' '
	: >"$log" &&
	printf "%s\n" "$p1024" | test_expect_code 1 tedge-cert upload c8y --user user --password-stdin 2>err &&
	test_grep "the password is longer than 1023 characters" err &&
	printf "%s\r\n" "$p1024" | test_expect_code 1 tedge-cert upload c8y --user user --password-stdin 2>err &&
	test_grep "longer than 1023 characters" err &&
	printf "%sb" "$p1023" | test_expect_code 1 tedge-cert upload c8y --user user --password-stdin 2>err &&
	test_grep "longer than 1023 characters" err &&
	test_must_be_empty "$log" &&
	for end in "\n" "\r\n" ""; do
		: >"$log" &&
		printf "%s$end" "$p1023" | test_expect_code 1 tedge-cert upload c8y --user user --password-stdin 2>err &&
		test_grep "401 Unauthorized" err &&
		test_grep "currentTenant" "$log" || return 1
	done
'

test_expect_success 'the right password still works on both ways' '
	C8Y_PASSWORD=$C8Y_STANDIN_SECRET tedge-cert upload c8y --user user 2>err &&
	test_grep "Certificate uploaded successfully." err &&
	printf "%s\r\n" "$C8Y_STANDIN_SECRET" | tedge-cert upload c8y --user user --password-stdin 2>err &&
	test_grep "Certificate already exists in the cloud." err
'

# Item 6: the upload reads every file of a directory (SPEC), the bridge
# only its hash links: the upload works, and says what connect would meet.
test_expect_success 'a root directory without hash links: uploaded, with a warning that says what to do' '
	mkdir cadir &&
	cp "$C8Y_STANDIN_CA" cadir/ca.pem &&
	C8Y_PASSWORD=$C8Y_STANDIN_SECRET TEDGE_C8Y_ROOT_CERT_PATH="$PWD/cadir" \
		tedge-cert upload c8y --user user 2>err &&
	test_grep "Certificate already exists in the cloud." err &&
	test_grep "^Warning: '\''c8y.root_cert_path'\'' is the directory $PWD/cadir: it holds certificates but no hash links" err &&
	test_grep "Run \`openssl rehash $PWD/cadir\`" err &&
	openssl rehash cadir &&
	C8Y_PASSWORD=$C8Y_STANDIN_SECRET TEDGE_C8Y_ROOT_CERT_PATH="$PWD/cadir" \
		tedge-cert upload c8y --user user 2>err &&
	test_grep "Certificate already exists in the cloud." err &&
	test_grep ! Warning err
'

test_done
