#!/bin/sh
test_description='tedge-config: concurrent writers and writers killed mid-write'
. ./lib.sh

test_expect_success 'setup' '
	mkdir -p "$TEDGE_CONFIG_DIR" &&
	grep -v "^#" "$TEST_DIRECTORY/t1001/values" | head -n 50 >rows &&
	test_line_count = 50 rows &&
	cut -d"|" -f1 rows | sort -u >keys &&
	test_line_count = 50 keys
'

test_expect_success '50 parallel writers of 50 different keys: all 50 are set' '
	: >pids &&
	while IFS="|" read -r key input want; do
		{ tedge-config set "$key" "$input" & echo $! >>pids; } || return 1
	done <rows &&
	failed=0 &&
	for pid in $(cat pids); do
		wait "$pid" || failed=$((failed + 1))
	done &&
	test $failed -eq 0 &&
	while IFS="|" read -r key input want; do
		printf "%s\n" "$want" >expect &&
		tedge-config get "$key" >actual &&
		test_cmp expect actual || return 1
	done <rows
'

test_expect_success 'no temporary file is left behind' '
	ls -a "$TEDGE_CONFIG_DIR" >files &&
	test_grep ! "^\.tedge\.toml\." files
'

# A large file widens the window in which a writer can be killed between
# its first and last byte. Its values are unknown keys, which are kept.
test_expect_success 'setup: a large tedge.toml' '
	i=0 &&
	while test $i -lt 2000; do
		test $((i % 50)) -ne 0 || echo "[filler$((i / 50))]" &&
		echo "key_$i = \"value number $i, long enough to make the file big\"" || return 1
		i=$((i + 1))
	done >"$TEDGE_CONFIG_DIR/tedge.toml" &&
	tedge-config set device.type start &&
	test $(wc -c <"$TEDGE_CONFIG_DIR/tedge.toml") -gt 100000
'

test_expect_success 'writers SIGKILLed at random points (250 kills) never tear tedge.toml' '
	tedge-test crash 250 "$TEDGE_CONFIG_DIR/tedge.toml" -- \
		tedge-config set device.type killed >result &&
	cat result &&
	test_grep " torn=0 " result &&
	killed=$(sed -n "s/.*killed=\([0-9]*\).*/\1/p" result) &&
	finished=$(sed -n "s/.*finished=\([0-9]*\).*/\1/p" result) &&
	test "$killed" -ge 250 && test "$finished" -ge 1
'

test_expect_success 'after the kills: content intact, stale temporaries cleaned by the next write' '
	test_grep "^key_1999 = " "$TEDGE_CONFIG_DIR/tedge.toml" &&
	tedge-config set device.type after &&
	ls -a "$TEDGE_CONFIG_DIR" >files &&
	test_grep ! "^\.tedge\.toml\." files &&
	echo after >expect &&
	tedge-config get device.type >actual &&
	test_cmp expect actual
'

test_done
