#!/bin/sh
test_description='tedge-cert create killed half-way: no key left lying around, the rerun works (issue 11)'
. ./lib.sh

# strace delivers a signal on the Nth call of a system call: the kill
# lands exactly where we want it. Under valgrind the count is not ours.
test_lazy_prereq STRACE '
	test -z "$TEST_VALGRIND" &&
	strace -f -qq -o /dev/null -e trace=link -e inject=link:signal=SIGKILL:when=1 true
'

# kill_at SIG SYSCALL N DIR: tedge-cert create in config dir DIR, sent SIG
# on the Nth SYSCALL; exits with strace's status (128 + the signal).
kill_at () {
	strace -f -qq -o /dev/null -e trace="$2" -e inject="$2:signal=SIG$1:when=$3" \
		tedge-cert --config-dir "$4" create --device-id dev1 2>/dev/null
}

# pair_ok DIR: exactly the key and the certificate, and they match
pair_ok () {
	printf "%s\n" tedge-certificate.pem tedge-private-key.pem >expect.ls &&
	ls -A "$1/device-certs" >actual.ls &&
	test_cmp expect.ls actual.ls &&
	openssl x509 -in "$1/device-certs/tedge-certificate.pem" -noout -pubkey >pub.cert &&
	openssl pkey -in "$1/device-certs/tedge-private-key.pem" -pubout >pub.key &&
	test_cmp pub.cert pub.key
}

test_expect_success OPENSSL 'a run that ends leaves the two files and nothing else' '
	tedge-cert --config-dir ok create --device-id dev1 &&
	pair_ok ok
'

test_expect_success OPENSSL,STRACE 'SIGKILL with the key written: the rerun removes the temporary file' '
	test_expect_code 137 kill_at KILL fdatasync 1 k1 &&
	ls -A k1/device-certs >ls &&
	test_grep "^\.tedge-private-key\.pem\.......$" ls &&
	tedge-cert --config-dir k1 create --device-id dev1 &&
	pair_ok k1
'

test_expect_success OPENSSL,STRACE 'SIGKILL with both written, none linked: the rerun works' '
	test_expect_code 137 kill_at KILL link 1 k2 &&
	ls -A k2/device-certs >ls &&
	test_line_count = 2 ls &&
	test_grep ! "^tedge-" ls &&
	tedge-cert --config-dir k2 create --device-id dev1 2>err &&
	test_grep ! Warning err &&
	pair_ok k2
'

test_expect_success OPENSSL,STRACE 'SIGKILL between the key and the certificate: the rerun works' '
	test_expect_code 137 kill_at KILL link 2 k3 &&
	test_path_is_file k3/device-certs/tedge-private-key.pem &&
	test_path_is_missing k3/device-certs/tedge-certificate.pem &&
	tedge-cert --config-dir k3 create --device-id dev1 2>err &&
	test_grep "Warning: removing $TRASH_DIRECTORY/k3/device-certs/tedge-private-key.pem, left without its certificate by an interrupted .tedge cert create." err &&
	pair_ok k3
'

for sig in TERM:143 INT:130 HUP:129; do
	code=${sig#*:} sig=${sig%:*}
	for n in 1 2; do
		test_expect_success "OPENSSL,STRACE,SIG$sig" "SIG$sig at link $n: no temporary file, the pair is whole" '
			test_expect_code $code kill_at $sig link $n s$sig$n &&
			pair_ok s$sig$n
		'
	done
done

test_expect_success OPENSSL 'a lone key the user put there is refused, beside our leftovers too' '
	mkdir -p lone/device-certs &&
	echo "not a key" >lone/device-certs/tedge-private-key.pem &&
	echo "stale" >lone/device-certs/.tedge-private-key.pem.AbC123 &&
	test_expect_code 1 tedge-cert --config-dir lone create --device-id x 2>err &&
	test_grep "A private key already exists and would be overwritten." err &&
	test_path_is_missing lone/device-certs/tedge-certificate.pem &&
	echo "not a key" >expect &&
	test_cmp expect lone/device-certs/tedge-private-key.pem &&
	test_path_is_missing lone/device-certs/.tedge-private-key.pem.AbC123
'

test_expect_success OPENSSL 'a key linked to a leftover but with its certificate is kept' '
	tedge-cert --config-dir both create --device-id dev1 &&
	ln both/device-certs/tedge-private-key.pem both/device-certs/.tedge-private-key.pem.Zz9Zz9 &&
	test_expect_code 1 tedge-cert --config-dir both create --device-id dev1 2>err &&
	test_grep "A certificate already exists" err &&
	test_grep ! Warning err &&
	pair_ok both
'

test_expect_success OPENSSL 'what is not ours is left alone' '
	mkdir -p other/device-certs &&
	echo a >other/device-certs/.tedge-private-key.pem.bak &&
	echo b >other/device-certs/.tedge-private-key.pem.ABCDEFG &&
	ln -s /nonexistent other/device-certs/.tedge-private-key.pem.LnK000 &&
	tedge-cert --config-dir other create --device-id dev1 &&
	test_path_is_file other/device-certs/.tedge-private-key.pem.bak &&
	test_path_is_file other/device-certs/.tedge-private-key.pem.ABCDEFG &&
	test -L other/device-certs/.tedge-private-key.pem.LnK000
'

test_expect_success ROOT,OPENSSL 'a leftover of another owner is left alone' '
	mkdir -p owner/device-certs &&
	echo x >owner/device-certs/.tedge-certificate.pem.N0b0dy &&
	chown nobody owner/device-certs/.tedge-certificate.pem.N0b0dy &&
	tedge-cert --config-dir owner create --device-id dev1 &&
	test_path_is_file owner/device-certs/.tedge-certificate.pem.N0b0dy
'

test_expect_success OPENSSL 'remove takes our leftovers away with the pair' '
	tedge-cert --config-dir rm create --device-id dev1 &&
	echo x >rm/device-certs/.tedge-private-key.pem.Qq1Qq1 &&
	echo x >rm/device-certs/.tedge-certificate.pem.Qq2Qq2 &&
	tedge-cert --config-dir rm remove &&
	ls -A rm/device-certs >ls &&
	test_must_be_empty ls
'

# Item 10: what create cannot put in a certificate is refused by set,
# and named by create when it comes from the file.
test_expect_success OPENSSL 'certificate.validity.requested_duration: the end must fit X.509 (9999-12-31)' '
	test_expect_code 1 tedge-config --config-dir val set certificate.validity.requested_duration 10000y 2>err &&
	test_grep "^Error: failed to set the configuration key: '\''certificate.validity.requested_duration'\'' with value: 10000y.$" err &&
	test_grep "would end after 9999-12-31T23:59:59Z, the last time X.509 can encode" err &&
	test_path_is_missing val/tedge.toml &&
	max=$(( (253402300799 - $(date +%s)) / 86400 + 1 )) &&
	test_expect_code 1 tedge-config --config-dir val set certificate.validity.requested_duration "$((max + 1))d" 2>err &&
	test_grep "at most [0-9]* days" err &&
	tedge-config --config-dir val set certificate.validity.requested_duration "$((max - 1))d" &&
	tedge-cert --config-dir val create --device-id dev1 &&
	openssl x509 -in val/device-certs/tedge-certificate.pem -noout -enddate >end &&
	test_grep " 9999 GMT$" end
'

test_expect_success OPENSSL 'certificate.organization and _unit: 64 characters, not 65' '
	o64=$(printf "%64s" "" | tr " " o) &&
	test_expect_code 1 tedge-config --config-dir org set certificate.organization "${o64}o" 2>err &&
	test_grep "^Error: failed to set the configuration key: '\''certificate.organization'\''" err &&
	test_grep "a certificate subject takes at most 64 characters here (X.509), not 65" err &&
	test_expect_code 1 tedge-config --config-dir org set certificate.organization_unit "${o64}o" 2>err &&
	test_grep "^Error: failed to set the configuration key: '\''certificate.organization_unit'\''" err &&
	test_path_is_missing org/tedge.toml &&
	e64=$(printf "%64s" "" | sed "s/ /é/g") &&
	tedge-config --config-dir org set certificate.organization "$o64" &&
	tedge-config --config-dir org set certificate.organization_unit "$e64" &&
	tedge-cert --config-dir org create --device-id dev1 &&
	openssl x509 -in org/device-certs/tedge-certificate.pem -noout -subject -nameopt utf8,sep_multiline >subject &&
	test_grep "O=$o64$" subject &&
	test_grep "OU=$e64$" subject
'

test_expect_success OPENSSL 'from the file or TEDGE_*, create names the key and makes nothing' '
	mkdir -p hand &&
	o65=$(printf "%65s" "" | tr " " o) &&
	printf "[certificate]\norganization = \"%s\"\n" "$o65" >hand/tedge.toml &&
	test_expect_code 1 tedge-cert --config-dir hand create --device-id dev1 2>err &&
	test_grep "invalid value for '\''certificate.organization'\'' in $TRASH_DIRECTORY/hand/tedge.toml" err &&
	test_grep "at most 64 characters" err &&
	test_path_is_missing hand/device-certs/tedge-private-key.pem &&
	rm hand/tedge.toml &&
	test_expect_code 1 env TEDGE_CERTIFICATE_VALIDITY_REQUESTED_DURATION=10000y \
		tedge-cert --config-dir hand create --device-id dev1 2>err &&
	test_grep "from environment variable TEDGE_CERTIFICATE_VALIDITY_REQUESTED_DURATION" err &&
	test_path_is_missing hand/device-certs/tedge-private-key.pem
'

test_done
