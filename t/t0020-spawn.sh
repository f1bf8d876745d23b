#!/bin/sh
test_description='lib/spawn.c: running programs with argv, output captured, time bounded'
. ./lib.sh

test_expect_success 'output of stdout and stderr is captured, with the exit code' '
	tedge-test spawn 0 sh -c "echo out; echo err >&2; exit 3" >actual &&
	printf "%s\n" out err "status: exited with 3" >expect &&
	test_cmp expect actual
'

test_expect_success 'arguments are passed verbatim, no shell in between' '
	tedge-test spawn 0 printf "%s|" "a b" "\$HOME" ";x" >actual &&
	printf "%s\n" "a b|\$HOME|;x|status: exited with 0" >expect &&
	test_cmp expect actual
'

test_expect_success 'stdin is /dev/null' '
	tedge-test spawn 0 cat >actual &&
	echo "status: exited with 0" >expect &&
	test_cmp expect actual
'

test_expect_success 'spawn_run: input given on stdin, only stdout captured' '
	printf "line one\nline two\n" |
	tedge-test spawn-io 0 sh -c "cat; echo to-stderr >&2; exit 4" >actual 2>err &&
	printf "%s\n" "line one" "line two" "status: exited with 4" >expect &&
	test_cmp expect actual &&
	echo to-stderr >expect &&
	test_cmp expect err
'

test_expect_success 'spawn_run: the input is held in memory, in no file of a directory' '
	echo secret-input |
	tedge-test spawn-io 0 sh -c "readlink /proc/\$\$/fd/0; readlink /proc/\$\$/fd/1" >actual &&
	test_grep "^/memfd:tedge-run (deleted)\$" actual &&
	! grep -v -e "^/memfd:" -e "^status:" actual
'

test_expect_success 'a missing program is an error, not an exit code' '
	test_expect_code 1 tedge-test spawn 0 no-such-program-here 2>err &&
	test_grep "cannot run no-such-program-here: No such file or directory (os error 2)" err
'

test_expect_success 'a signal is named' '
	tedge-test spawn 0 sh -c "kill -9 \$\$" >actual &&
	echo "status: killed by signal 9" >expect &&
	test_cmp expect actual
'

test_expect_success 'a program that outlives its deadline is killed' '
	test_expect_code 1 tedge-test spawn 300 sleep 30 2>err &&
	test_grep "sleep did not finish within 300 ms and was killed" err
'

test_expect_success 'large output is drained, the first 64 KiB kept' '
	tedge-test spawn 0 sh -c "yes 0123456789 | head -c 1000000" >actual &&
	test $(wc -c <actual) -gt 65536 &&
	test $(wc -c <actual) -lt 65600 &&
	tail -n 1 actual | grep "status: exited with 0$"
'

test_done
