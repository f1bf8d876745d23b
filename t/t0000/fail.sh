#!/bin/sh
# Fixture for t0000-harness.sh, which runs it from its own trash directory.
# shellcheck disable=SC2016,SC2034 # single-quoted bodies; lib.sh reads the variables
test_description='a failure between two passes'
# shellcheck disable=SC1091 # TEST_DIRECTORY comes from t0000-harness.sh
. "$TEST_DIRECTORY/lib.sh"

test_expect_success 'first passes' 'true'
test_expect_success 'second fails' '
	test_when_finished "echo cleaned >cleanup-ran" &&
	false
'
test_expect_success 'third passes' 'true'
test_expect_success 'a failing cleanup fails the test' '
	test_when_finished false &&
	true
'
test_done
