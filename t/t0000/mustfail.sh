#!/bin/sh
# Fixture for t0000-harness.sh, which runs it from its own trash directory.
# shellcheck disable=SC2016,SC2034 # single-quoted bodies; lib.sh reads the variables
test_description='test_must_fail'
# shellcheck disable=SC1091 # TEST_DIRECTORY comes from t0000-harness.sh
. "$TEST_DIRECTORY/lib.sh"

test_expect_success 'segfault is no failure' 'test_must_fail sh -c "kill -SEGV \$\$"'
test_expect_success 'not found is no failure' 'test_must_fail no-such-command-t0000'
test_expect_success 'plain failure' 'test_must_fail false'
test_expect_success 'success is no failure' 'test_must_fail true'
test_done
