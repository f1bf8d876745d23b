#!/bin/sh
# Fixture for t0000-harness.sh, which runs it from its own trash directory.
# shellcheck disable=SC2016,SC2034 # single-quoted bodies; lib.sh reads the variables
test_description='background processes'
# shellcheck disable=SC1091 # TEST_DIRECTORY comes from t0000-harness.sh
. "$TEST_DIRECTORY/lib.sh"

test_bg sleep 1000
echo $! >script-pid

test_expect_success 'test_bg' '
	test_bg sleep 1000 &&
	echo $! >pid1 &&
	kill -0 "$(cat pid1)"
'
test_expect_success 'killed when its test ended' '! kill -0 "$(cat pid1)"'
test_expect_success 'the script-level one lives on' 'kill -0 "$(cat script-pid)"'
test_expect_success 'test_bg_pid, TERM ignored' '
	{ sh -c "trap \"\" TERM; exec sleep 1000" & } &&
	test_bg_pid $! &&
	echo $! >pid2
'
test_expect_success 'killed with KILL' '! kill -0 "$(cat pid2)"'
test_done
