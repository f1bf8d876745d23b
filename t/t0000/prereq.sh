#!/bin/sh
# Fixture for t0000-harness.sh, which runs it from its own trash directory.
# shellcheck disable=SC2016,SC2034 # single-quoted bodies; lib.sh reads the variables
test_description='prerequisites'
# shellcheck disable=SC1091 # TEST_DIRECTORY comes from t0000-harness.sh
. "$TEST_DIRECTORY/lib.sh"

test_set_prereq HAVE
test_lazy_prereq LAZY '
	echo evaluated >>"$TRASH_DIRECTORY/lazy-count" &&
	leaked=yes
'
test_lazy_prereq LAZY_FALSE 'false'

test_expect_success HAVE 'have' 'true'
test_expect_success MISSING 'missing' 'false'
test_expect_success !HAVE 'negated have' 'false'
test_expect_success HAVE,!MISSING 'have and not missing' 'true'
test_expect_success LAZY 'lazy, first use' 'test -z "$leaked"'
test_expect_success LAZY 'lazy, second use' '
	echo evaluated >expect &&
	test_cmp expect lazy-count
'
test_expect_success LAZY_FALSE 'failing lazy prereq' 'false'
test_expect_success 'test_have_prereq' '
	test_have_prereq HAVE,LAZY &&
	! test_have_prereq LAZY_FALSE
'
test_done
