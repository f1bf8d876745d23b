#!/bin/sh
# Fixture for t0000-harness.sh, which runs it from its own trash directory.
# shellcheck disable=SC2016,SC2034 # single-quoted bodies; lib.sh reads the variables
test_description='test_expect_failure both ways'
# shellcheck disable=SC1091 # TEST_DIRECTORY comes from t0000-harness.sh
. "$TEST_DIRECTORY/lib.sh"

test_expect_failure 'still broken' 'false'
test_expect_failure 'fixed meanwhile' 'true'
test_done
