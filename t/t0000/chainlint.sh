#!/bin/sh
# Fixture for t0000-harness.sh, which runs it from its own trash directory.
# shellcheck disable=SC2016,SC2034 # single-quoted bodies; lib.sh reads the variables
test_description='a broken &&-chain'
# shellcheck disable=SC1091 # TEST_DIRECTORY comes from t0000-harness.sh
. "$TEST_DIRECTORY/lib.sh"

test_expect_success 'correct chain runs once' '
	echo ran >>ran-count &&
	test_line_count = 1 ran-count
'
test_expect_success 'broken chain' '
	true
	touch tail-ran
'
test_expect_success 'never reached' 'true'
test_done
