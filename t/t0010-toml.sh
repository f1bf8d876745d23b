#!/bin/sh
test_description='lib/toml.c: the TOML reader and writer on the spec cases'
. ./lib.sh

test_expect_success 'valid and invalid documents (t/t0010)' '
	{
		sh "$TEST_DIRECTORY/t0010/run-cases.sh" "$TEST_DIRECTORY/helper/toml-dump" >out 2>&1 ||
		{ cat out; false; }
	}
'

test_expect_success 'set and unset through the path API' '
	printf "[a]\nx = 1\n" >in.toml &&
	toml-dump set a.b.c v <in.toml >out &&
	cat >expect <<-\EOT &&
	[a]
	x = 1

	[a.b]
	c = "v"
	EOT
	test_cmp expect out &&
	toml-dump unset a.x <in.toml >out &&
	test_must_be_empty out
'

test_done
