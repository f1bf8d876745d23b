#!/bin/sh
# shellcheck disable=SC2016,SC2034,SC3043 # quoted bodies; lib.sh reads vars; local
test_description='the test harness itself (t/lib.sh)

Runs the fixture scripts in t0000/ with the shell under test
($TEST_SHELL_PATH, by default the shell running this script) and compares
their TAP output with the expected text.'
# shellcheck source-path=SCRIPTDIR disable=SC1091
. ./lib.sh

# run_sub NAME [OPTION...]: copy t0000/NAME.sh here and run it with the
# shell under test, its trash directory inside ours; NAME.out and NAME.err
# get its output, and its exit code is returned.
# shellcheck disable=SC2317 # called from test bodies
run_sub () {
	local name="$1"
	shift
	cp "$TEST_DIRECTORY/t0000/$name.sh" . || return 1
	(
		TEST_OUTPUT_DIRECTORY=$TRASH_DIRECTORY
		export TEST_DIRECTORY TEST_OUTPUT_DIRECTORY
		# shellcheck disable=SC2086 # TEST_SHELL_PATH may be "busybox sh"
		exec $TEST_SHELL_PATH "./$name.sh" "$@" >"$name.out" 2>"$name.err"
	)
}

# gone PIDFILE: the process whose pid is in PIDFILE is (soon) gone
# shellcheck disable=SC2317 # called from test bodies
gone () {
	local pid
	pid=$(cat "$1") &&
	test_wait_for 3 "! kill -0 $pid 2>/dev/null"
}

# lib.sh has read these; sub-scripts get only what a test gives them
unset TEST_VERBOSE TEST_IMMEDIATE TEST_DEBUG TEST_TRACE HARNESS_ACTIVE
say >&3 "shell under test: $TEST_SHELL_PATH"

test_expect_success 'a passing test; trash directory removed' '
	run_sub pass &&
	cat >expect <<-\EOF &&
	ok 1 - passing test
	# passed all 1 test(s)
	1..1
	EOF
	test_cmp expect pass.out &&
	test_must_be_empty pass.err &&
	test_path_is_missing trash.pass
'

test_expect_success '-d keeps the trash directory' '
	run_sub pass -d &&
	test_path_is_dir trash.pass
'

test_expect_success 'failing tests show their body; cleanup runs; trash kept' '
	test_expect_code 1 run_sub fail &&
	cat >expect <<-\EOF &&
	ok 1 - first passes
	not ok 2 - second fails
	#
	#		test_when_finished "echo cleaned >cleanup-ran" &&
	#		false
	#
	ok 3 - third passes
	not ok 4 - a failing cleanup fails the test
	#
	#		test_when_finished false &&
	#		true
	#
	# failed 2 among 4 test(s)
	1..4
	EOF
	test_cmp expect fail.out &&
	test_path_is_file trash.fail/cleanup-ran
'

test_expect_success '-i stops at the first failure, skipping its cleanup' '
	test_expect_code 1 run_sub fail -i &&
	cat >expect <<-\EOF &&
	ok 1 - first passes
	not ok 2 - second fails
	#
	#		test_when_finished "echo cleaned >cleanup-ran" &&
	#		false
	#
	# stopping at the first failure (--immediate)
	1..2
	EOF
	test_cmp expect fail.out &&
	test_path_is_dir trash.fail &&
	test_path_is_missing trash.fail/cleanup-ran
'

test_expect_success 'test_expect_failure, broken and fixed' '
	run_sub breakage &&
	cat >expect <<-\EOF &&
	not ok 1 - still broken # TODO known breakage
	ok 2 - fixed meanwhile # TODO known breakage vanished
	# 1 known breakage(s) vanished; please update test(s)
	# still have 1 known breakage(s)
	1..2
	EOF
	test_cmp expect breakage.out
'

test_expect_success 'prerequisites: set, missing, negated, lazy' '
	run_sub prereq &&
	cat >expect <<-\EOF &&
	ok 1 - have
	ok 2 # skip missing (missing MISSING)
	ok 3 # skip negated have (missing !HAVE)
	ok 4 - have and not missing
	ok 5 - lazy, first use
	ok 6 - lazy, second use
	ok 7 # skip failing lazy prereq (missing LAZY_FALSE)
	ok 8 - test_have_prereq
	# passed all 8 test(s)
	1..8
	EOF
	test_cmp expect prereq.out
'

test_expect_success 'chain lint: broken &&-chain, nothing of the body run' '
	test_expect_code 1 run_sub chainlint &&
	echo "ok 1 - correct chain runs once" >expect &&
	head -n 1 chainlint.out >actual &&
	test_cmp expect actual &&
	test_grep "^Bail out! bug in the test script: broken &&-chain or run-away HERE-DOC in .broken chain.$" chainlint.out &&
	test_line_count = 2 chainlint.out &&
	test_grep "touch tail-ran" chainlint.err &&
	test_path_is_missing trash.chainlint/tail-ran
'

test_expect_success 'chain lint: run-away here-doc' '
	test_expect_code 1 run_sub heredoc &&
	test_grep "^Bail out! .*run-away HERE-DOC in .run-away here-doc.$" heredoc.out &&
	test_path_is_missing trash.heredoc/out
'

test_expect_success 'test_must_fail rejects signals, 127 and success' '
	test_expect_code 1 run_sub mustfail -v &&
	grep -e "^ok" -e "^not ok" mustfail.out >actual &&
	cat >expect <<-\EOF &&
	not ok 1 - segfault is no failure
	not ok 2 - not found is no failure
	ok 3 - plain failure
	not ok 4 - success is no failure
	EOF
	test_cmp expect actual &&
	test_grep "^test_must_fail: died by signal 11: sh -c kill -SEGV" mustfail.err &&
	test_grep "^test_must_fail: command not found: no-such-command" mustfail.err &&
	test_grep "^test_must_fail: command succeeded: true" mustfail.err
'

test_expect_success 'exit in a body is fatal; its background process dies' '
	test_expect_code 1 run_sub exit &&
	echo "ok 1 - passes" >expect &&
	test_cmp expect exit.out &&
	test_grep "^FATAL: Unexpected exit with code 3$" exit.err &&
	gone trash.exit/bg-pid
'

test_expect_success 'background processes are killed, TERM-proof ones too' '
	run_sub bg -d &&
	cat >expect <<-\EOF &&
	ok 1 - test_bg
	ok 2 - killed when its test ended
	ok 3 - the script-level one lives on
	ok 4 - test_bg_pid, TERM ignored
	ok 5 - killed with KILL
	# passed all 5 test(s)
	1..5
	EOF
	test_cmp expect bg.out &&
	gone trash.bg/pid1 &&
	gone trash.bg/pid2 &&
	gone trash.bg/script-pid
'

test_expect_success 'TERM to a script: reported, background processes die' '
	{ run_sub signal & } &&
	test_bg_pid $! &&
	runner=$! &&
	test_wait_for 10 "test -s signal.pid && test -s signal.bg-pid" &&
	kill -TERM "$(cat signal.pid)" &&
	gone signal.pid &&
	test_expect_code 1 wait "$runner" &&
	test_grep "^FATAL: Unexpected exit with code 143$" signal.err &&
	gone signal.bg-pid
'

test_expect_success 'skip_all, after and before sourcing' '
	run_sub skip &&
	echo "1..0 # SKIP no frobnicator here" >expect &&
	test_cmp expect skip.out &&
	test_path_is_missing trash.skip &&
	run_sub skip-early &&
	echo "1..0 # SKIP decided early" >expect &&
	test_cmp expect skip-early.out
'

test_expect_success 'environment of a test script' '
	(
		TEDGE_DEVICE_TYPE=x TEDGE_C8Y_URL=y C8Y_PASSWORD=z C8YPASS=w &&
		LC_ALL=C.UTF-8 TZ=Europe/Paris PAGER=less &&
		T0000_TRAP="a
TEDGE_NOT_A_VARIABLE=1" &&
		export TEDGE_DEVICE_TYPE TEDGE_C8Y_URL C8Y_PASSWORD C8YPASS \
			LC_ALL TZ PAGER T0000_TRAP &&
		run_sub env
	) &&
	cat >expect <<-\EOF &&
	ok 1 - locale, time zone, pager
	ok 2 - caller tedge settings are gone
	ok 3 - directories
	ok 4 - PATH starts with bin and helper (after the valgrind wrappers)
	# passed all 4 test(s)
	1..4
	EOF
	test_cmp expect env.out
'

test_expect_success 'output hidden unless -v, kept off TAP under prove; -x' '
	run_sub verbose &&
	test_grep ! to-std verbose.out &&
	test_must_be_empty verbose.err &&
	run_sub verbose -v &&
	test_grep "^to-stdout$" verbose.out &&
	test_grep "^to-stderr$" verbose.err &&
	(TEST_VERBOSE=1 && export TEST_VERBOSE && run_sub verbose) &&
	test_grep "^to-stdout$" verbose.out &&
	(HARNESS_ACTIVE=1 && export HARNESS_ACTIVE && run_sub verbose -v) &&
	test_grep ! to-std verbose.out &&
	test_grep "^to-stdout$" verbose.err &&
	run_sub verbose -x &&
	test_grep "^++* echo to-stdout$" verbose.err &&
	test_expect_code 1 run_sub verbose --bogus &&
	test_grep "unknown test option" verbose.err
'

test_expect_success 'test_when_finished and test_bg refuse a subshell' '
	test_must_fail eval "(test_when_finished true) 5>bug.out" &&
	test_grep "^Bail out! .*test_when_finished does nothing in a subshell" bug.out &&
	test_must_fail eval "(test_bg true) 5>bug.out" &&
	test_grep "^Bail out! .*test_bg does nothing in a subshell" bug.out
'

test_expect_success 'test_cmp, test_grep' '
	echo "hello world" >file &&
	echo "hello there" >other &&
	test_cmp file file &&
	test_must_fail test_cmp file other &&
	test_grep hello file &&
	test_grep -F "o w" file &&
	test_grep ! bye file &&
	test_must_fail test_grep bye file 2>err &&
	test_grep "hello world" err &&
	test_must_fail test_grep ! hello file
'

test_expect_success 'test_path_is_*, test_must_be_empty, test_line_count' '
	mkdir dir &&
	: >empty &&
	printf "a\nb\n" >two &&
	test_path_is_dir dir &&
	test_path_is_file two &&
	test_path_is_missing nothing &&
	test_must_fail test_path_is_file dir &&
	test_must_fail test_path_is_dir two &&
	test_must_fail test_path_is_missing dir &&
	test_must_be_empty empty &&
	test_must_fail test_must_be_empty two &&
	test_must_fail test_must_be_empty nothing &&
	test_line_count = 2 two &&
	test_line_count -gt 1 two &&
	test_line_count = 0 empty &&
	test_must_fail test_line_count = 3 two
'

test_expect_success 'test_mode' '
	: >f &&
	chmod 640 f &&
	test_mode 640 f &&
	test_mode 0640 f &&
	test_must_fail test_mode 644 f &&
	chmod 0 f &&
	test_mode 000 f
'

test_expect_success 'test_expect_code' '
	test_expect_code 3 sh -c "exit 3" &&
	test_expect_code 0 true &&
	test_must_fail test_expect_code 0 false
'

test_expect_success 'test_wait_for: met, never met (bounded), met later' '
	test_wait_for 1 true &&
	start=$(date +%s) &&
	test_must_fail test_wait_for 1 false &&
	test $(($(date +%s) - start)) -le 3 &&
	{ sh -c "sleep 0.3 && : >flag" & } &&
	test_bg_pid $! &&
	test_wait_for 5 "test -e flag"
'

test_done
