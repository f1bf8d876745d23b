#!/bin/sh
test_description='man pages: one for every program, groff finds nothing to warn of, every option of --help in its page'
. ./lib.sh

# man-db's man runs groff with its warnings on (mandoc -T lint is Alpine's
# way; Debian 12 has man-db). An unknown macro, an unclosed font or a
# diversion left open is a warning, and each one fails.
test_lazy_prereq MAN_WARNINGS 'printf ".TH X 1\\n" >prereq.1 && LC_ALL=C.UTF-8 man --warnings -l prereq.1 >/dev/null'
test_lazy_prereq NOT_STATIC '! test_flag_on_ "$TEST_STATIC"'
man_dir=$TEDGE_ROOT/man

# programs: every program of bin/ that is installed (ELF, link or sh).
programs () {
	for p in "$TEDGE_ROOT"/bin/tedge "$TEDGE_ROOT"/bin/tedge-*; do
		case $p in *.c | *.o | *.sh) continue ;; esac
		test -x "$p" && echo "${p##*/}"
	done
}

test_expect_success 'every program has its page, its NAME line names it' '
	programs >names &&
	test "$(wc -l <names)" -ge 14 &&
	while read -r p; do
		test_path_is_file "$man_dir/$p.1" &&
		sed -n "2,3p" "$man_dir/$p.1" >name &&
		test_grep "^$(printf %s "$p" | sed "s/-/\\\\\\\\-/g") \\\\- " name || return 1
	done <names
'

test_expect_success MAN_WARNINGS 'groff warns of nothing in any page' '
	for f in "$man_dir"/*.1; do
		LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$f" >out 2>err &&
		test -s out &&
		test_must_be_empty err || { echo "in $f"; return 1; }
	done
'

test_expect_success MAN_WARNINGS 'a page with an unknown macro is caught (the check can fail)' '
	printf ".TH X 1\\n.SH NAME\\nx \\\\- y\\n.BOGUS z\\n" >bad.1 &&
	LC_ALL=C.UTF-8 man --warnings -l bad.1 >/dev/null 2>err &&
	test_grep "BOGUS" err
'

# Each long option the program's --help lists is in its page, as groff
# source spells it (\-\-name); --help and --version are everywhere's.
test_expect_success NOT_STATIC 'every option of a program'\''s --help is in its page' '
	programs >names &&
	: >missing &&
	while read -r p; do
		"$p" --help >help 2>&1 || return 1
		grep -o -- "--[a-z][a-z0-9-]*" help | sort -u | while read -r o; do
			case $o in --help | --version) continue ;; esac
			g=$(printf %s "$o" | sed "s/-/\\\\\\\\-/g") &&
			grep -q -e "$g" -e "$o" "$man_dir/$p.1" || echo "$p: $o"
		done >>missing || return 1
	done <names &&
	test_must_be_empty missing
'

test_done
