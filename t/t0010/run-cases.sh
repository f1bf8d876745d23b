#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# run-cases.sh TOML-DUMP: runs the TOML parser cases next to this script.
#
#   valid/NAME.toml	must parse; `toml-dump json` must print valid/NAME.json
#			and `toml-dump toml` must print a document that parses
#			to the same JSON
#   dump/NAME.toml	`toml-dump ARGS` must print dump/NAME.out, where ARGS is
#			the content of dump/NAME.args, "toml" without one
#   invalid/NAME.toml	must fail with exit 1 and the stderr of invalid/NAME.err
#
# Prints one line per failing case and exits 1 if any failed.

if [ "$#" -ne 1 ] || [ ! -x "$1" ]; then
	echo "usage: run-cases.sh TOML-DUMP" >&2
	exit 2
fi
bin=$1
dir=$(dirname "$0")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/t0010.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 2' HUP INT TERM
fail=0

for f in "$dir"/valid/*.toml; do
	[ -e "$f" ] || continue
	name=valid/$(basename "$f" .toml)
	"$bin" json <"$f" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "FAIL $name: exit $rc: $(cat "$tmp/err")"
		fail=1
	elif ! cmp -s "$tmp/out" "$dir/$name.json"; then
		echo "FAIL $name: json output differs"
		fail=1
	elif ! "$bin" toml <"$f" >"$tmp/dump" 2>"$tmp/err"; then
		echo "FAIL $name: dump failed: $(cat "$tmp/err")"
		fail=1
	elif ! "$bin" json <"$tmp/dump" >"$tmp/out2" 2>"$tmp/err" ||
	    ! cmp -s "$tmp/out2" "$dir/$name.json"; then
		echo "FAIL $name: dump does not read back the same"
		fail=1
	fi
done

for f in "$dir"/dump/*.toml; do
	[ -e "$f" ] || continue
	name=dump/$(basename "$f" .toml)
	args=toml
	[ -f "$dir/$name.args" ] && args=$(cat "$dir/$name.args")
	# shellcheck disable=SC2086 # args holds several words on purpose
	"$bin" $args <"$f" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "FAIL $name: exit $rc: $(cat "$tmp/err")"
		fail=1
	elif ! cmp -s "$tmp/out" "$dir/$name.out"; then
		echo "FAIL $name: output differs"
		fail=1
	fi
done

for f in "$dir"/invalid/*.toml; do
	[ -e "$f" ] || continue
	name=invalid/$(basename "$f" .toml)
	"$bin" json <"$f" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -ne 1 ]; then
		echo "FAIL $name: exit $rc, want 1"
		fail=1
	elif ! cmp -s "$tmp/err" "$dir/$name.err"; then
		echo "FAIL $name: got '$(cat "$tmp/err")'," \
		    "want '$(cat "$dir/$name.err")'"
		fail=1
	fi
done

exit "$fail"
