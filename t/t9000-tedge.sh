#!/bin/sh
test_description='tedge: the dispatcher'
. ./lib.sh

# make check-static runs this file against static/bin (t/lib.sh). Under
# valgrind the programs run are its wrappers, by design.
test_lazy_prereq NOT_VALGRIND 'test -z "$TEST_VALGRIND"'
test_lazy_prereq BASH_PRETTY 'bash --pretty-print /dev/null'
test_expect_success NOT_VALGRIND 'the tedge under test is the one run, by name and by TEDGE_EXEC_PATH' '
	for p in tedge tedge-config tedge-bridge-gen tedge-svc; do
		test "$(readlink -f "$(command -v $p)")" = "$TEST_TEDGE_BIN/tedge" &&
		test "$(readlink -f "$TEDGE_EXEC_PATH/$p")" = "$TEST_TEDGE_BIN/tedge" || return 1
	done
'

test_expect_success 'tedge CMD runs tedge-CMD with the arguments' '
	tedge config set device.type via-tedge &&
	echo via-tedge >expect &&
	tedge config get device.type >actual &&
	test_cmp expect actual
'

test_expect_success 'the exit code of the command is passed on' '
	test_expect_code 1 tedge config get c8y.url &&
	test_expect_code 2 tedge config get no.such.key
'

test_expect_success '--config-dir before the command reaches it' '
	mkdir d &&
	tedge --config-dir d config set device.type in-d &&
	test_grep in-d d/tedge.toml &&
	tedge --config-dir=d config get device.type >actual &&
	echo in-d >expect &&
	test_cmp expect actual
'

test_expect_success '--help lists the commands on stdout' '
	tedge --help >out &&
	test_grep "^usage: tedge" out &&
	test_grep "^  config " out &&
	test_grep "^  connect " out
'

test_expect_success 'an unknown command: clear error, exit 2' '
	test_expect_code 2 tedge frobnicate 2>err &&
	test_grep "unrecognized subcommand '\''frobnicate'\''" err &&
	test_expect_code 2 tedge 2>err &&
	test_grep "^usage: tedge" err &&
	test_expect_code 2 tedge ../../bin/sh &&
	test_expect_code 2 tedge --bogus config
'

# Only the programs not linked into tedge are looked for: tedge-cert here.
test_expect_success 'programs are found next to tedge, never on PATH' '
	mkdir -p fake inst/bin inst/lib/tedge &&
	printf "#!/bin/sh\necho fake\n" >fake/tedge-cert &&
	chmod +x fake/tedge-cert &&
	cp "$TEST_TEDGE_BIN/tedge" inst/bin/ &&
	cp "$TEDGE_ROOT/lib/tedge/libtedge.so.0" inst/lib/tedge/ &&
	test_expect_code 5 env -u TEDGE_EXEC_PATH PATH="$TRASH_DIRECTORY/fake:$PATH" \
		inst/bin/tedge cert show 2>err &&
	test_grep "tedge-cert is not installed" err &&
	printf "#!/bin/sh\necho next-to-tedge \"\$@\"\n" >inst/bin/tedge-cert &&
	chmod +x inst/bin/tedge-cert &&
	env -u TEDGE_EXEC_PATH PATH="$TRASH_DIRECTORY/fake:$PATH" inst/bin/tedge cert show >actual &&
	echo next-to-tedge show >expect &&
	test_cmp expect actual
'

test_expect_success 'TEDGE_EXEC_PATH comes first' '
	TEDGE_EXEC_PATH="$TRASH_DIRECTORY/fake" tedge cert show >actual &&
	echo fake >expect &&
	test_cmp expect actual
'

test_expect_success 'config, bridge-gen and svc are tedge itself: linked in, never looked for' '
	printf "#!/bin/sh\necho fake\n" >fake/tedge-config &&
	chmod +x fake/tedge-config &&
	TEDGE_EXEC_PATH="$TRASH_DIRECTORY/fake" tedge config get device.type >actual &&
	echo via-tedge >expect &&
	test_cmp expect actual &&
	for p in config bridge-gen svc; do
		test "$(readlink "$TEST_TEDGE_BIN/tedge-$p")" = tedge &&
		tedge $p --help >by-tedge &&
		"tedge-$p" --help >by-name &&
		test_cmp by-tedge by-name &&
		test_grep "^usage: tedge-$p" by-name || return 1
	done &&
	ln -s tedge inst/bin/tedge-config &&
	TEDGE_CONFIG_DIR=$TRASH_DIRECTORY/cfg inst/bin/tedge-config set device.type copied &&
	TEDGE_CONFIG_DIR=$TRASH_DIRECTORY/cfg inst/bin/tedge-config get device.type >actual &&
	echo copied >expect &&
	test_cmp expect actual
'

test_expect_success 'installed flows find their library: by path, as sh NAME, through a link' '
	make -s -C "$TEDGE_ROOT" install PREFIX="$TRASH_DIRECTORY/inst" \
		SYSCONFDIR="$TRASH_DIRECTORY/inst/etc" >/dev/null &&
	test_path_is_missing "$TRASH_DIRECTORY/inst/bin/tedge-flow.sh.in" &&
	for p in config bridge-gen svc; do
		test "$(readlink "inst/bin/tedge-$p")" = tedge || return 1
	done &&
	inst/bin/tedge-svc --help >out &&
	test_grep "^usage: tedge-svc" out &&
	sh "$TRASH_DIRECTORY/inst/bin/tedge-connect" --help >out &&
	test_grep "^usage: tedge-connect" out &&
	(cd inst/bin && sh tedge-disconnect --help) >out &&
	test_grep "^usage: tedge-disconnect" out &&
	mkdir -p links &&
	ln -s "$TRASH_DIRECTORY/inst/bin/tedge-reconnect" links/tedge-reconnect &&
	links/tedge-reconnect --help >out &&
	test_grep "^usage: tedge-reconnect" out &&
	(cd links && sh tedge-reconnect --help) >out &&
	test_grep "^usage: tedge-reconnect" out
'

test_expect_success 'install-strip: the programs as bench/size counts them, and they run' '
	make -s -C "$TEDGE_ROOT" install-strip PREFIX="$TRASH_DIRECTORY/strip" \
		SYSCONFDIR="$TRASH_DIRECTORY/strip/etc" >/dev/null &&
	for p in tedge tedge-cert tedge-cert-http ../lib/tedge/libtedge.so.0; do
		! readelf -S "strip/bin/$p" | grep -q "\.symtab" || return 1
	done &&
	for p in tedge-connect tedge-disconnect tedge-reconnect tedge-init tedge-renew tedge-flow.sh; do
		sed 1d "strip/bin/$p" >body &&
		! grep -v SPDX-License-Identifier body | grep -q "^[[:space:]]*#" &&
		test "$(head -n 1 "strip/bin/$p")" = "$(head -n 1 "$TEDGE_ROOT/bin/$p")" || return 1
	done &&
	test "$(ls -l strip/bin/tedge-flow.sh | cut -c1-10)" = "-rw-r--r--" &&
	strip/bin/tedge-connect --help >actual &&
	inst/bin/tedge-connect --help >expect &&
	test_cmp expect actual &&
	TEDGE_CONFIG_DIR=$TRASH_DIRECTORY/cfg strip/bin/tedge config get device.type
'

test_expect_success BASH_PRETTY 'strip-sh refuses to strip a line of a string that starts with #' '
	printf "%s\n" "#!/bin/sh" "echo \"a" "# b\"" >str.sh &&
	cp str.sh str.orig &&
	test_must_fail sh "$TEDGE_ROOT/scripts/strip-sh" str.sh 2>err &&
	test_grep "a comment line is part of the code" err &&
	test_cmp str.orig str.sh
'

test_done
