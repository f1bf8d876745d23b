#!/bin/sh
# Fixture for t0000-harness.sh, which runs it from its own trash directory.
# shellcheck disable=SC2016,SC2034 # single-quoted bodies; lib.sh reads the variables
test_description='exit in a test body'
# shellcheck disable=SC1091 # TEST_DIRECTORY comes from t0000-harness.sh
. "$TEST_DIRECTORY/lib.sh"

test_expect_success 'passes' 'true'
test_expect_success 'exits' '
	test_bg sleep 1000 &&
	echo $! >bg-pid &&
	exit 3
'
test_done
