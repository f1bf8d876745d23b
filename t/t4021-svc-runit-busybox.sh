#!/bin/sh
# t4020's tests, on BusyBox's runit applets instead of runit's own: `sv`
# and `runsv` are links to BusyBox in a directory before /usr/bin, and the
# supervisor is started as `busybox runsvdir -P DIR`, as a board's inittab
# would, so that its /proc comm is "busybox" and the applet its argv[1].
# Then tedge-svc again with no `sv` link at all: it runs `busybox sv`.
#
# Debian's and Alpine's BusyBox builds leave these applets out: the test
# takes the BusyBox named by TEST_BUSYBOX_RUNIT (one built with CONFIG_SV,
# CONFIG_RUNSV and CONFIG_RUNSVDIR), else `busybox` when it has them, and
# is skipped without one.
BB=${TEST_BUSYBOX_RUNIT:-$(command -v busybox)}

# has_applet NAME: BusyBox says "applet not found" with 127
has_applet () {
	"$BB" "$1" >/dev/null 2>&1 </dev/null
	test $? != 127
}

t4020_setup_ () {
	if ! test -x "$BB" || ! has_applet sv || ! has_applet runsv ||
	   ! has_applet runsvdir; then
		skip_all="needs a BusyBox with sv, runsv and runsvdir (TEST_BUSYBOX_RUNIT=PATH): ${BB:-none} has not"
		test_done
	fi
	case $BB in */busybox) ;; *) BUG "TEST_BUSYBOX_RUNIT must be named busybox" ;; esac
	mkdir "$TRASH_DIRECTORY/bb" &&
	for a in sv runsv runsvdir; do
		ln -s "$BB" "$TRASH_DIRECTORY/bb/$a" || return 1
	done &&
	PATH="$TRASH_DIRECTORY/bb:$PATH" &&
	export PATH &&
	test "$(command -v sv)" = "$TRASH_DIRECTORY/bb/sv"
}

t4020_more_ () {
	test_expect_success 'the supervisor is BusyBox'\''s, and sv is BusyBox'\''s' '
		pgrep -f "^$BB runsvdir -P $SV\$" >pid &&
		echo busybox >expect &&
		cat /proc/$(cat pid)/comm >actual &&
		test_cmp expect actual &&
		test "$(readlink "$(command -v sv)")" = "$BB"
	'

	test_expect_success 'no sv link: tedge-svc runs busybox sv' '
		mkdir nosv &&
		ln -s "$BB" nosv/busybox &&
		ln -s "$(command -v tedge-svc)" nosv/tedge-svc &&
		tedge-svc start demo &&
		PATH=$TRASH_DIRECTORY/nosv tedge-svc is-active demo &&
		PATH=$TRASH_DIRECTORY/nosv tedge-svc stop demo &&
		PATH=$TRASH_DIRECTORY/nosv test_expect_code 1 tedge-svc is-active demo &&
		PATH=$TRASH_DIRECTORY/nosv tedge-svc start demo &&
		tedge-svc is-active demo &&
		test_expect_code 1 env PATH=$TRASH_DIRECTORY/nosv tedge-svc --timeout 2 start crash 2>err &&
		test_grep "busybox sv -w 2 -v start $SV/crash" err &&
		tedge-svc stop crash &&
		tedge-svc stop demo
	'
}

T4020_RUNSVDIR="$BB runsvdir"
. ./t4020-svc-runit.sh
