#!/bin/sh
# Fixture for t0000-harness.sh, which runs it from its own trash directory.
# shellcheck disable=SC2016,SC2034 # single-quoted bodies; lib.sh reads the variables
test_description='the environment tests run in'
# shellcheck disable=SC1091 # TEST_DIRECTORY comes from t0000-harness.sh
. "$TEST_DIRECTORY/lib.sh"

test_expect_success 'locale, time zone, pager' '
	test "$LC_ALL" = C &&
	test "$TZ" = UTC &&
	test "$PAGER" = cat
'
test_expect_success 'caller tedge settings are gone' '
	test -z "${TEDGE_DEVICE_TYPE+set}" &&
	test -z "${TEDGE_C8Y_URL+set}" &&
	test -z "${C8Y_PASSWORD+set}" &&
	test -z "${C8YPASS+set}" &&
	! env | grep -e "^TEDGE_DEVICE" -e "^C8Y"
'
test_expect_success 'directories' '
	test "$TRASH_DIRECTORY" = "$TEST_OUTPUT_DIRECTORY/trash.env" &&
	test "$(pwd -P)" = "$TRASH_DIRECTORY" &&
	test "$HOME" = "$TRASH_DIRECTORY" &&
	test "$TEDGE_CONFIG_DIR" = "$TRASH_DIRECTORY/tedge" &&
	test_path_is_missing "$TEDGE_CONFIG_DIR" &&
	test "$TEDGE_ROOT" = "$(cd "$TEST_DIRECTORY/.." && pwd -P)" &&
	{ test "$TEDGE_EXEC_PATH" = "$TEDGE_ROOT/bin" ||
		test "$TEDGE_EXEC_PATH" = "$TEST_DIRECTORY/valgrind/bin"; } &&
	env | grep -e "^TEDGE_EXEC_PATH=" -e "^TEDGE_CONFIG_DIR=" >exported &&
	test_line_count = 2 exported
'
test_expect_success 'PATH starts with bin and helper (after the valgrind wrappers)' '
	case "$PATH" in
	"$TEDGE_ROOT/bin:$TEST_DIRECTORY/helper:"*) ;;
	"$TEST_DIRECTORY/valgrind/bin:$TEDGE_ROOT/bin:$TEST_DIRECTORY/helper:"*)
		test -n "$TEST_VALGRIND" ;;
	*) false ;;
	esac
'
test_done
