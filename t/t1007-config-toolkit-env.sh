#!/bin/sh
test_description='the toolkit environment (lib/env.c): every TEDGE_* variable read is a key or listed'
. ./lib.sh

# What the sources read: getenv("TEDGE_...") in C, $TEDGE_... in the flows.
test_expect_success 'the sources read TEDGE_* variables' '
	(
		cd "$TEDGE_ROOT" &&
		grep -ho "getenv(\"TEDGE_[A-Z0-9_]*\"" bin/*.c bin/*/*.c lib/*.c &&
		grep -ho "\\\$[{]\{0,1\}TEDGE_[A-Z0-9_]*" bin/tedge-flow.sh bin/tedge-connect \
			bin/tedge-disconnect bin/tedge-reconnect bin/tedge-init
	) >found &&
	sed "s/^getenv(\"//; s/\"\$//; s/^[\$][{]\{0,1\}//" found | sort -u >read &&
	test_grep "^TEDGE_CONFIG_DIR\$" read &&
	test_grep "^TEDGE_SVC_ROOT\$" read &&
	test_grep "^TEDGE_QUIET_UNKNOWN_KEYS\$" read
'

test_expect_success 'a TEDGE_* that is neither is warned about (the check sees it)' '
	TEDGE_NOT_A_KEY= tedge-config --config-dir . list >/dev/null 2>err &&
	test_grep "Unknown configuration field \"not_a_key\" from environment variable TEDGE_NOT_A_KEY" err
'

# Empty: a key's override then means its default, so every one reads.
test_expect_success 'none of them is taken for an unknown key' '
	while read -r v; do
		env "$v=" tedge-config --config-dir . list >/dev/null 2>err &&
		test_must_be_empty err || { echo "$v"; return 1; }
	done <read
'

test_done
