#!/bin/sh
# Fixture for t0000-harness.sh, which runs it from its own trash directory.
# shellcheck disable=SC2016,SC2034 # single-quoted bodies; lib.sh reads the variables
test_description='a signal in the middle of a test'
# shellcheck disable=SC1091 # TEST_DIRECTORY comes from t0000-harness.sh
. "$TEST_DIRECTORY/lib.sh"

test_expect_success 'waits for TERM' '
	test_bg sleep 1000 &&
	echo $! >"$TEST_OUTPUT_DIRECTORY/signal.bg-pid" &&
	echo $$ >"$TEST_OUTPUT_DIRECTORY/signal.pid" &&
	test_wait_for 20 false
'
test_done
