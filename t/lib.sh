# t/lib.sh - "sharness-lite": a cut-down git t/test-lib.sh for tedge tests.
#
# Source it from a test script run inside t/:  . ./lib.sh
# Function names and semantics follow git's t/test-lib.sh and
# t/test-lib-functions.sh, so git's t/README is the manual.  POSIX sh plus
# `local`; runs identically under dash, BusyBox ash and bash.
#
# File descriptors: 3 = body stdout, 4 = body stderr (the terminal with -v,
# /dev/null otherwise), 5 = the script's real stdout (TAP), 7 = real stderr.
# Test bodies must not use fds 3-7 for their own purposes.

# shellcheck disable=SC3043 # `local` is the one extension we allow
exec 5>&1 7>&2

# --- options ----------------------------------------------------------------
verbose='' immediate='' debug='' trace=''
test_flag_on_ () { case $1 in '' | 0 | false | no) return 1 ;; esac; }
test_flag_on_ "$TEST_VERBOSE" && verbose=t
test_flag_on_ "$TEST_IMMEDIATE" && immediate=t
test_flag_on_ "$TEST_DEBUG" && debug=t
test_flag_on_ "$TEST_TRACE" && trace=t
for test_arg_ in "$@"; do
	case $test_arg_ in
	-v | --verbose) verbose=t ;;
	-i | --immediate) immediate=t ;;
	-d | --debug) debug=t ;;
	-x | --trace) trace=t ;;
	-h | --help) printf '%s\n' "${test_description:-no description}"; exit 0 ;;
	*) echo "error: unknown test option '$test_arg_'" >&2; exit 1 ;;
	esac
done
# a trace nobody can see is useless (git does the same)
test -z "$trace" || verbose=t
# Under prove (HARNESS_ACTIVE; prove -v sets TEST_VERBOSE) body output goes
# to stderr: a line like "ok 1" or "Bail out!" on stdout would be parsed.
if test -z "$verbose"; then exec 3>/dev/null 4>/dev/null
elif test -n "$HARNESS_ACTIVE"; then exec 3>&2 4>&2
else exec 3>&1 4>&2
fi

# --- environment ------------------------------------------------------------
LC_ALL=C TZ=UTC PAGER=cat
export LC_ALL TZ PAGER
unset CDPATH C8Y_PASSWORD C8YPASS
# Forget the caller's tedge settings.  `env` lists exported variables only;
# names are matched strictly so a multi-line value cannot inject a bogus one.
for test_var_ in $(env | sed -n 's/^\(TEDGE_[A-Za-z0-9_]*\)=.*/\1/p'); do
	unset "$test_var_"
done
# modes of created files must not depend on the caller
umask 022
# sanitizer reports become a SIGABRT, which test_must_fail refuses
ASAN_OPTIONS="abort_on_error=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:abort_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export ASAN_OPTIONS UBSAN_OPTIONS

# TEST_DIRECTORY may be preset (t0000 runs sub-scripts from a trash dir)
TEST_DIRECTORY=$(cd "${TEST_DIRECTORY:-.}" && pwd -P) || exit 1
TEST_OUTPUT_DIRECTORY=$(cd "${TEST_OUTPUT_DIRECTORY:-$TEST_DIRECTORY}" && pwd -P) || exit 1
TEDGE_ROOT=$(cd "$TEST_DIRECTORY/.." && pwd -P) || exit 1
TEDGE_EXEC_PATH="$TEDGE_ROOT/bin"
PATH="$TEDGE_ROOT/bin:$TEST_DIRECTORY/helper:$PATH"
# Where the tedge ELF under test is (tedge-config and the others link to it).
TEST_TEDGE_BIN="$TEDGE_ROOT/bin"
# make check-static: the static musl tedge of static/bin is tested, beside
# the dynamic build's other programs: static/exec links to both.
if test_flag_on_ "$TEST_STATIC"; then
	TEST_TEDGE_BIN="$TEDGE_ROOT/static/bin"
	TEDGE_EXEC_PATH="$TEDGE_ROOT/static/exec"
	PATH="$TEDGE_EXEC_PATH:$PATH"
	test -x "$TEDGE_EXEC_PATH/tedge" || { echo "Bail out! no $TEDGE_EXEC_PATH: make check-static"; exit 1; }
fi
# make valgrind: the programs are reached through wrappers that run them
# under valgrind (t/valgrind/bin, made by the Makefile); an error exits 150,
# which test_must_fail refuses like a signal.
if test_flag_on_ "$TEST_VALGRIND"; then
	TEDGE_EXEC_PATH="$TEST_DIRECTORY/valgrind/bin"
	PATH="$TEDGE_EXEC_PATH:$PATH"
	# What cannot run under valgrind, skipped whole and saying why.
	case ${0##*/} in
	t5006-check-doctor-distro.sh)
		skip_all="under valgrind: doctor's --timeout 3 must also cover the tedge-svc diagnose it runs (under valgrind too), which a loaded machine overruns; the answer is then, by design, the layer's statement alone" ;;
	esac
fi
export PATH TEDGE_EXEC_PATH

# The shell that runs sub-scripts: by default the one running us (so that
# `prove -e 'busybox sh'` tests BusyBox all the way down), else /bin/sh.
if test -z "$TEST_SHELL_PATH"; then
	test_shell_exe_=$(readlink "/proc/$$/exe" 2>/dev/null)
	case $test_shell_exe_ in
	*/busybox) TEST_SHELL_PATH="$test_shell_exe_ sh" ;;
	/*) TEST_SHELL_PATH=$test_shell_exe_ ;;
	*) TEST_SHELL_PATH=/bin/sh ;;
	esac
fi

# --- output helpers -----------------------------------------------------------
say () { printf '%s\n' "$*"; }

# error/BUG: abort the whole run (TAP "Bail out!" stops prove too)
error () {
	printf 'Bail out! %s\n' "$*" >&5
	test_exit_ok_=t
	exit 1
}
BUG () { error "bug in the test script: $*"; }

# --- counters and state -----------------------------------------------------
test_count=0 test_failure=0 test_fixed=0 test_broken=0
test_cleanup_=: test_bg_pids_='' test_bg_outer_='' test_exit_ok_='' skip_all=${skip_all-}
satisfied_prereq=' ' lazily_testable_prereq=' ' lazily_tested_prereq=' '

# True when called from the script's main shell process, not from a subshell
# where state changes (cleanups, pids) would be lost: a child exec'd straight
# from a command substitution has the calling process as its parent.
test_in_main_shell_ () {
	test "$(exec /bin/sh -c 'echo "$PPID"')" = "$$"
}

# --- background processes -----------------------------------------------------
# test_bg CMD [ARGS...]: run an external command in the background (output
# to fds 3/4); it is killed when the current test ends (or at exit, when
# started outside a test).  For a command started by hand, write
#	{ cmd >log 2>&1 & } && test_bg_pid $!
# (the braces keep the &&-chain, hence chain lint, intact).  Only the
# registered pid is signalled: register the real process, not a shell
# function or subshell wrapped around it.
test_bg () {
	test $# -gt 0 || BUG "test_bg needs a command"
	test_in_main_shell_ || BUG "test_bg does nothing in a subshell"
	"$@" </dev/null >&3 2>&4 5>&- 7>&- &
	test_bg_pids_="$test_bg_pids_ $!"
}

test_bg_pid () {
	local p
	test_in_main_shell_ || BUG "test_bg_pid does nothing in a subshell"
	for p in "$@"; do
		case $p in '' | *[!0-9]*) BUG "test_bg_pid: '$p' is not a pid" ;; esac
		test_bg_pids_="$test_bg_pids_ $p"
	done
}

test_bg_alive_ () {
	local p
	for p in $test_bg_pids_; do kill -0 "$p" 2>/dev/null && return 0; done
	return 1
}

# TERM everything, poll for 2 s, KILL the survivors, poll 1 s more.  The
# shell reaps its children while `sleep` runs, so no unbounded `wait`.
test_kill_bg_ () {
	local p n=0
	test -n "$test_bg_pids_" || return 0
	for p in $test_bg_pids_; do kill -TERM "$p" 2>/dev/null; done
	# (bash reports each killed job on stderr: hush it)
	while test $n -lt 30 && test_bg_alive_; do
		test $n != 20 || for p in $test_bg_pids_; do kill -KILL "$p"; done
		sleep 0.1
		n=$((n + 1))
	done 2>/dev/null
	! test_bg_alive_ || echo "warning: cannot kill some of:$test_bg_pids_" >&7
	test_bg_pids_=''
}

# Every exit goes through here: stray `exit` in a body (git's trick), -i,
# BUG, signals.  Background processes never outlive the script.
test_die_ () {
	test_die_code_=$?
	# bash runs this trap in a background child killed before it could
	# exec (even $BASHPID is stale then): such a child must keep out
	test_in_main_shell_ || exit "$test_die_code_"
	test_bg_pids_="$test_bg_pids_ $test_bg_outer_"
	test_kill_bg_
	test -n "$test_exit_ok_" && exit "$test_die_code_"
	echo "FATAL: Unexpected exit with code $test_die_code_" >&7
	exit 1
}
trap 'test_die_' EXIT
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM

# --- prerequisites ------------------------------------------------------------
test_prereq_name_ () {
	case $1 in '' | *[!A-Za-z0-9_]*) BUG "bad prerequisite name '$1'" ;; esac
}

test_set_prereq () {
	test_prereq_name_ "$1"
	satisfied_prereq="$satisfied_prereq$1 "
}

# test_lazy_prereq NAME 'script': run script once, on first use, in a
# subshell inside a scratch directory; NAME is satisfied if it succeeds.
test_lazy_prereq () {
	test_prereq_name_ "$1"
	lazily_testable_prereq="$lazily_testable_prereq$1 "
	eval "test_lazy_script_$1=\$2"
}

test_run_lazy_prereq_ () {
	local dir="$TRASH_DIRECTORY/prereq-test-dir-$1" script ret
	eval "script=\$test_lazy_script_$1"
	say >&3 "checking prerequisite: $1"
	mkdir -p "$dir" &&
	(cd "$dir" && eval "$script") </dev/null >&3 2>&4
	ret=$?
	rm -rf "$dir"
	return $ret
}

# test_have_prereq 'A,!B': all of A and not B.  Sets test_missing_prereq_.
test_have_prereq () {
	local p name have ok=t
	test_missing_prereq_=
	for p in $(printf '%s\n' "$*" | tr ',' ' '); do
		name=${p#!}
		test_prereq_name_ "$name"
		case "$lazily_testable_prereq" in *" $name "*)
			case "$lazily_tested_prereq" in *" $name "*) ;; *)
				lazily_tested_prereq="$lazily_tested_prereq$name "
				! test_run_lazy_prereq_ "$name" || test_set_prereq "$name"
			esac
		esac
		case "$satisfied_prereq" in *" $name "*) have=t ;; *) have= ;; esac
		case "$p,$have" in !*, | [!!]*,t) continue ;; esac
		ok=
		test_missing_prereq_="${test_missing_prereq_:+$test_missing_prereq_,}$p"
	done
	test -n "$ok"
}

test_lazy_prereq ROOT 'id -u | grep -qx 0'
test_lazy_prereq NOT_ROOT '! id -u | grep -qx 0'
test_lazy_prereq OPENSSL 'command -v openssl'
test_lazy_prereq MOSQUITTO 'test -x /usr/sbin/mosquitto || command -v mosquitto'
test_lazy_prereq MOSQ_CLIENTS 'command -v mosquitto_sub && command -v mosquitto_pub'
test_lazy_prereq BUSYBOX 'command -v busybox'
# A signal ignored when the test started stays ignored in every shell and
# program it runs (a shell without job control ignores INT in what it puts
# in the background; nohup ignores HUP): tests that send one need it not.
test_signal_ignored_ () {
	test_m_=$(sed -n 's/^SigIgn:[[:space:]]*//p' /proc/$$/status) &&
	[ $((0x$test_m_ >> ($1 - 1) & 1)) = 1 ]
}
test_lazy_prereq SIGHUP '! test_signal_ignored_ 1'
test_lazy_prereq SIGINT '! test_signal_ignored_ 2'
test_lazy_prereq SIGTERM '! test_signal_ignored_ 15'
test_lazy_prereq SHELLCHECK 'command -v shellcheck'
# --json needs json-c, which the static musl tedge leaves out (lib/json.c)
test_lazy_prereq JSON_C '! test_flag_on_ "$TEST_STATIC"'

# --- running tests ------------------------------------------------------------
# Chain lint (git's fail_117): "(exit 117) && BODY" must short-circuit at the
# first command, so a correct body runs nothing.  A break in the chain lets
# the rest run here, in a subshell whose bogus PATH keeps external commands
# from doing any harm; then $? is not 117.  A run-away here-doc swallows the
# final echo.
test_chain_lint_ () {
	# shellcheck disable=SC2123,SC2030 # emptying PATH (here only) is the point
	test "$( (PATH=/nonexistent/chain-lint
		eval "(exit 117) && $1
echo OK-\$?") </dev/null 2>/dev/null 3>&- 4>&-)" = OK-117 && return 0
	printf '%s\n' "$1" | sed -e 's/^/#	/' -e 's/[	 ]*$//' >&7
	BUG "broken &&-chain or run-away HERE-DOC in '$2'"
}

test_eval_ () {
	if test -z "$trace"; then
		eval "$1" </dev/null >&3 2>&4
		return
	fi
	# trace the body only; the `set +x` goes to /dev/null
	{
		eval "set -x
$1" </dev/null >&3 2>&4
		test_eval_ret_=$?
		set +x
	} 2>/dev/null
	return $test_eval_ret_
}

# test_when_finished 'cmd': run after this test's body, pass or fail (not
# after a failure under -i, to keep the evidence); a failing cmd fails the
# test.  Newest first; test_ret_ carries the status through the chain.
test_when_finished () {
	test_in_main_shell_ || BUG "test_when_finished does nothing in a subshell"
	test_cleanup_="{ $*
} && (exit \"\$test_ret_\"); test_ret_=\$?; $test_cleanup_"
}

# test_run_ BODY TITLE success|failure
test_run_ () {
	test_cleanup_=:
	# the test's own processes die with it; the script's live on
	test_bg_outer_=$test_bg_pids_ test_bg_pids_=''
	test_chain_lint_ "$1" "$2"
	test_eval_ "$1"
	test_ret_=$?
	if test "$test_cleanup_" != : && { test -z "$immediate" ||
		test $test_ret_ = 0 || test "$3" = failure; }; then
		test_eval_ "$test_cleanup_"
	fi
	test_cleanup_=:
	test_kill_bg_
	test_bg_pids_=$test_bg_outer_ test_bg_outer_=''
	return $test_ret_
}

# test_expect_ success|failure [PREREQ] TITLE BODY
test_expect_ () {
	test_kind_=$1
	shift
	test_prereq=
	if test $# = 3; then test_prereq=$1; shift; fi
	test $# = 2 || BUG "not 2 or 3 parameters to test_expect_$test_kind_"
	test_count=$((test_count + 1))
	if test -n "$test_prereq" && ! test_have_prereq "$test_prereq"; then
		say "ok $test_count # skip $1 (missing $test_missing_prereq_)"
		return 0
	fi
	say >&3 "expecting $test_kind_ of $test_count '$1': $2"
	if test_run_ "$2" "$1" "$test_kind_"; then
		if test "$test_kind_" = success; then
			say "ok $test_count - $1"
		else
			test_fixed=$((test_fixed + 1))
			say "ok $test_count - $1 # TODO known breakage vanished"
		fi
	elif test "$test_kind_" = failure; then
		test_broken=$((test_broken + 1))
		say "not ok $test_count - $1 # TODO known breakage"
	else
		test_failure=$((test_failure + 1))
		say "not ok $test_count - $1"
		printf '%s\n' "$2" | sed -e 's/^/#	/' -e 's/[	 ]*$//'
		test -z "$immediate" || {
			printf '%s\n' "# stopping at the first failure (--immediate)" "1..$test_count"
			test_exit_ok_=t
			exit 1
		}
	fi
	test -z "$verbose" || say >&3 ""
}

test_expect_success () { test_expect_ success "$@"; }
test_expect_failure () { test_expect_ failure "$@"; }

test_done () {
	local msg
	test_kill_bg_
	test_exit_ok_=t
	msg="$test_count test(s)"
	if test "$test_fixed" != 0 || test "$test_broken" != 0; then
		msg="remaining $((test_count - test_broken - test_fixed)) test(s)"
	fi
	if test -n "$skip_all" && test "$test_count" = 0; then
		say "1..0 # SKIP $skip_all"
	else
		test -z "$skip_all" || say "# SKIP $skip_all"
		test "$test_fixed" = 0 ||
		say "# $test_fixed known breakage(s) vanished; please update test(s)"
		test "$test_broken" = 0 || say "# still have $test_broken known breakage(s)"
		if test "$test_failure" != 0; then
			say "# failed $test_failure among $msg"
			say "1..$test_count"
			exit 1
		fi
		case $msg in "remaining 0 "*) ;; *) say "# passed all $msg" ;; esac
		say "1..$test_count"
	fi
	test -n "$debug" || { cd "$TEST_OUTPUT_DIRECTORY" && rm -rf "$TRASH_DIRECTORY"; } ||
	error "tests passed but removing $TRASH_DIRECTORY failed"
	exit 0
}

# --- assertions (messages go to stderr: fd 4 inside a body) --------------------
test_cmp () {
	test $# = 2 || BUG "test_cmp needs 2 parameters"
	diff -u "$@"
}

# test_grep [!] [GREP-OPTIONS] PATTERN FILE: on failure show FILE
test_grep () {
	local last negate=
	if test "$1" = "!"; then negate=t; shift; fi
	test $# -ge 2 || BUG "too few parameters to test_grep"
	for last in "$@"; do :; done
	if test -n "$negate"; then
		! grep "$@" && return 0
		echo "error: '! grep $*' did find a match in:" >&2
	else
		grep "$@" && return 0
		echo "error: 'grep $*' didn't find a match in:" >&2
	fi
	if test -s "$last"; then cat "$last" >&2; else echo "<File '$last' is empty>" >&2; fi
	return 1
}

test_path_is_file () {
	test $# = 1 || BUG "test_path_is_file needs 1 parameter"
	test -f "$1" || { echo "File $1 doesn't exist" >&2; return 1; }
}

test_path_is_dir () {
	test $# = 1 || BUG "test_path_is_dir needs 1 parameter"
	test -d "$1" || { echo "Directory $1 doesn't exist" >&2; return 1; }
}

test_path_is_missing () {
	test $# = 1 || BUG "test_path_is_missing needs 1 parameter"
	test -e "$1" || test -L "$1" || return 0
	{ echo "Path exists:"; ls -ld "$1"; } >&2
	return 1
}

test_must_be_empty () {
	test $# = 1 || BUG "test_must_be_empty needs 1 parameter"
	test_path_is_file "$1" && ! test -s "$1" && return 0
	test -f "$1" && { echo "'$1' is not empty, it contains:"; cat "$1"; } >&2
	return 1
}

# test_line_count OP N FILE, e.g. test_line_count = 3 out
test_line_count () {
	local n
	test $# = 3 || BUG "test_line_count needs 3 parameters"
	n=$(($(wc -l <"$3"))) || return 1
	test "$n" "$1" "$2" && return 0
	echo "test_line_count: line count for $3 !$1 $2 (it is $n):" >&2
	cat "$3" >&2
	return 1
}

# test_json FILE EXPR: FILE is one JSON document on one line (--json),
# strictly parsed, and EXPR, Python with the document as d, is true.
test_json () {
	test $# = 2 || BUG "test_json needs 2 parameters"
	test_line_count "=" 1 "$1" || return 1
	python3 -c '
import json, sys
d = json.loads(open(sys.argv[1], encoding="utf-8").read(),
    parse_constant=lambda c: sys.exit("not JSON: " + c))
if not eval(sys.argv[2]):
    sys.exit("false for %s: %s" % (sys.argv[1], json.dumps(d, indent=1)))
' "$1" "$2"
}

# test_mode MODE FILE: octal permission bits, leading zeros optional
test_mode () {
	local want actual
	test $# = 2 || BUG "test_mode needs MODE FILE"
	actual=$(stat -c %a "$2") || return 1
	want=${1#"${1%%[!0]*}"}
	test "${want:-0}" = "$actual" ||
	{ echo "test_mode: $2 has mode $actual, expected $1" >&2; return 1; }
}

# test_must_fail CMD: CMD must fail in a controlled way, not by a signal
# (segfault, abort from a sanitizer) nor by not being found.
test_must_fail () {
	local code
	"$@"
	code=$?
	if test $code = 0; then set -- "command succeeded: $*"
	elif test $code -gt 128 && test $code -le 192; then
		set -- "died by signal $((code - 128)): $*"
	elif test $code = 127; then set -- "command not found: $*"
	else return 0
	fi
	echo "test_must_fail: $1" >&2
	return 1
}

# test_expect_code CODE CMD: CMD must exit with exactly CODE
test_expect_code () {
	local want="$1" code
	shift
	"$@"
	code=$?
	test "$code" = "$want" ||
	{ echo "test_expect_code: command exited with $code, we wanted $want: $*" >&2; return 1; }
}

# test_wait_for SECONDS 'condition': poll every 0.1 s; bounded both by the
# number of polls and by the clock (a slow condition cannot stretch it much).
test_wait_for () {
	local test_wait_n_=0 test_wait_end_
	test $# = 2 || BUG "test_wait_for needs SECONDS and a condition"
	case $1 in '' | *[!0-9]*) BUG "test_wait_for: '$1' is not whole seconds" ;; esac
	test_wait_end_=$(($(date +%s) + $1))
	while :; do
		eval "$2" && return 0
		test $test_wait_n_ -lt $(($1 * 10)) || break
		test "$(date +%s)" -le $test_wait_end_ || break
		sleep 0.1
		test_wait_n_=$((test_wait_n_ + 1))
	done
	echo "test_wait_for: timed out after $1 s waiting for: $2" >&2
	return 1
}

# test_pki DIR CLIENT CN: a test CA (DIR/ca.pem, ca.key; DIR/cadir hashed
# for capath), a server certificate for 127.0.0.1 (server.pem, server.key)
# and a client one, CN=CN (CLIENT.pem, CLIENT.key), all P-256, 2 days;
# what openssl says goes to fd 4 (the test's stderr).
test_pki () {
	mkdir -p "$1/cadir" &&
	(
		cd "$1" &&
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout ca.key -out ca.pem -days 2 -subj "/CN=$test_name_ CA" \
			-addext basicConstraints=critical,CA:TRUE &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout server.key -out server.csr -subj "/CN=127.0.0.1" &&
		echo subjectAltName=IP:127.0.0.1 >server.ext &&
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key \
			-CAcreateserial -days 2 -extfile server.ext -out server.pem &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout "$2.key" -out "$2.csr" -subj "/CN=$3" &&
		openssl x509 -req -in "$2.csr" -CA ca.pem -CAkey ca.key \
			-CAcreateserial -days 2 -out "$2.pem" &&
		cp ca.pem cadir/ &&
		openssl rehash cadir
	) 2>&4
}

# --- the trash directory ------------------------------------------------------
test_name_=${0##*/}
test_name_=${test_name_%.sh}
TRASH_DIRECTORY="$TEST_OUTPUT_DIRECTORY/trash.$test_name_"
if ! rm -rf "$TRASH_DIRECTORY" || ! mkdir "$TRASH_DIRECTORY" ||
   ! cd -P "$TRASH_DIRECTORY"; then
	error "cannot set up $TRASH_DIRECTORY"
fi
HOME=$TRASH_DIRECTORY
TEDGE_CONFIG_DIR="$TRASH_DIRECTORY/tedge"
export HOME TEDGE_CONFIG_DIR

# TEST_BUSYBOX_PATH=1: the device has BusyBox and nothing else but the
# toolkit, mosquitto (with its clients) and openssl: PATH is the toolkit,
# then a directory of links to every BusyBox applet and those programs,
# then the few the harness needs and BusyBox has not (.harness-path:
# python3 for the stand-in, which is the cloud, and curl to act on it as
# its users do; pgrep and pkill; make for
# install-init; dpkg-query for t7003's checksum), none of which the
# shipped sh calls; the stand-in runs on the machine's PATH,
# TEST_SYSTEM_PATH). util-linux's unshare and setpriv come before
# BusyBox's: the tests' private supervisors need --kill-child, and t7005's
# broker-user attacker --reuid. runit's sv, runsv and runsvdir
# are the supervisor's, BusyBox's own when TEST_BUSYBOX_RUNIT names one
# that has them (t4021).
# shellcheck disable=SC2031 # the chain lint's PATH is its subshell's alone
if test_flag_on_ "$TEST_BUSYBOX_PATH"; then
	test_bb_=$(command -v busybox) || error "TEST_BUSYBOX_PATH: no busybox"
	mkdir "$TRASH_DIRECTORY/.busybox-path" "$TRASH_DIRECTORY/.harness-path" \
		"$TRASH_DIRECTORY/.harness-first" || error "cannot make the BusyBox PATH"
	for test_a_ in $("$test_bb_" --list); do
		ln -s "$test_bb_" "$TRASH_DIRECTORY/.busybox-path/$test_a_" || exit 1
	done
	for test_a_ in sv runsv runsvdir; do
		if test -n "$TEST_BUSYBOX_RUNIT"; then
			ln -s "$TEST_BUSYBOX_RUNIT" "$TRASH_DIRECTORY/.busybox-path/$test_a_"
		elif test_p_=$(command -v $test_a_); then
			ln -s "$test_p_" "$TRASH_DIRECTORY/.busybox-path/$test_a_"
		fi
	done
	for test_a_ in mosquitto mosquitto_pub mosquitto_sub mosquitto_passwd openssl; do
		test_p_=$(PATH=$PATH:/usr/sbin:/sbin command -v $test_a_) &&
		ln -s "$test_p_" "$TRASH_DIRECTORY/.busybox-path/$test_a_"
	done
	for test_a_ in python3 curl pgrep pkill make dpkg-query; do
		test_p_=$(command -v $test_a_) &&
		# the interpreter, not a shim of pyenv's (a bash script)
		case $test_a_ in python3) test_p_=$(python3 -c "import sys; print(sys.executable)") ;; esac &&
		ln -s "$test_p_" "$TRASH_DIRECTORY/.harness-path/$test_a_"
	done
	for test_a_ in unshare setpriv; do
		test_p_=$(command -v $test_a_) &&
		ln -s "$test_p_" "$TRASH_DIRECTORY/.harness-first/$test_a_"
	done
	TEST_SYSTEM_PATH=$PATH
	PATH="$TEST_TEDGE_BIN:$TEST_DIRECTORY/helper:$TRASH_DIRECTORY/.harness-first:$TRASH_DIRECTORY/.busybox-path:$TRASH_DIRECTORY/.harness-path"
	test_flag_on_ "$TEST_STATIC" && PATH="$TEDGE_EXEC_PATH:$PATH"
	export PATH
fi

test -z "$skip_all" || test_done
