#!/bin/sh
# shellcheck disable=SC3043 # `local`, as in lib.sh
test_description='the Alpine package: alpine/APKBUILD run as abuild runs it, its layout, its scripts

abuild is not packaged here (Debian 12), so this script stands in for it:
abuild-lite.sh, written below, sets what abuild sets before it sources an
APKBUILD (startdir, srcdir, pkgbasedir, pkgdir, builddir, CARCH, CHOST,
the CFLAGS, LDFLAGS and MAKEFLAGS of its default.conf) and defines what
it predefines (amove, default_doc, default_openrc, doc, openrc, msg), as
alpinelinux/abuild'"'"'s abuild.in does; each step runs in a shell of its
own, BusyBox ash with -e as abuild'"'"'s "#!/bin/ash -e", in an empty
environment: build, check and package in builddir, then each split
function from pkgdir with subpkgdir set, then the strip of the main
package. The APKBUILD is the tree'"'"'s, run in a copy of the tree (the
files git knows, in the trash directory). Alpine'"'"'s lld package puts
ld.lld on PATH: here a link to Debian'"'"'s lld 16 does.

Then the layout: programs and libtedge in tedge-c only, man pages
(gzipped, as default_doc does) and the documents in -doc only, the OpenRC
service in -openrc only, nothing in two packages, nothing world-writable,
no /etc/tedge/tedge.toml, what abuild'"'"'s postcheck refuses; the staged
tedge runs. Last, in a private mount namespace where /etc, /usr and /var
are overlays whose writes land on a tmpfs and OpenRC looks booted, the
packages are put in place as apk would, with Alpine'"'"'s own
/etc/init.d/mosquitto (mosquitto-openrc'"'"'s text, below) and its
mosquitto.conf: post-install, the broker started by Alpine'"'"'s script with
the toolkit'"'"'s listener, post-upgrade, and apk del'"'"'s post-deinstall.

Not run for real: apk (no .apk is made, signed, indexed or installed;
the scripts run as apk runs them, in the root with PATH alone), abuild'"'"'s
own tooling (fetch and checksums: source is empty; the dependency
tracing of scanelf; fakeroot, as the test is root anyway), musl (the
programs are glibc'"'"'s here) and Alpine'"'"'s packages themselves.'
. ./lib-svc.sh
svc_private_mounts "$@"
. ./lib.sh

if test -n "$TEST_VALGRIND" || test -n "$TEST_SANITIZE" ||
	ldd "$TEDGE_ROOT/bin/tedge" 2>/dev/null | grep -q libasan; then
	skip_all="under make sanitize or make valgrind: the package is a build of its own, neither sanitized nor run under valgrind (make check runs this)"
	test_done
fi
test_lazy_prereq GIT_TREE 'git -C "$TEDGE_ROOT" ls-files --error-unmatch alpine/APKBUILD'
# lld 15 or later as ld.lld (config.mk); Debian 12'"'"'s /usr/bin/ld.lld is 14
test_lazy_prereq LLD 'test -x /usr/lib/llvm-16/bin/ld.lld'
test_lazy_prereq OVERLAY 'svc_in_private_ns && test -d /mnt && grep -qw overlay /proc/filesystems'
test_lazy_prereq OPENRC 'test -x /sbin/openrc-run'
if ! test_have_prereq GIT_TREE,LLD,BUSYBOX; then
	skip_all="needs the tree as a git checkout, lld 16 and busybox (make check installs them): missing $test_missing_prereq_"
	test_done
fi

VERSION=$(sed -n 's/^VERSION = //p' "$TEDGE_ROOT/config.mk")
B=$TRASH_DIRECTORY/build
START=$B/src/alpine
PKG=$START/pkg
MAIN=$PKG/tedge-c
DOC=$PKG/tedge-c-doc
RC=$PKG/tedge-c-openrc
case $(uname -m) in
x86_64 | aarch64 | s390x | riscv64 | loongarch64) CARCH=$(uname -m) ;;
i?86) CARCH=x86 ;;
armv7*) CARCH=armv7 ;;
ppc64le) CARCH=ppc64le ;;
*) CARCH=$(uname -m) ;;
esac

# abuild-lite.sh STARTDIR STEP [SUBPACKAGE]: one step, as abuild runs it
cat >abuild-lite.sh <<-\EOF
	# What abuild sets and defines before it sources an APKBUILD.
	startdir=$1
	srcdir="$startdir/src"
	pkgbasedir="$startdir/pkg"
	tmpdir="$startdir/tmp"
	CBUILD="$CARCH-alpine-linux-musl" CHOST="$CARCH-alpine-linux-musl" CTARGET="$CARCH-alpine-linux-musl"
	# default.conf
	export CFLAGS="-Os -fstack-clash-protection -Wformat -Werror=format-security"
	export CXXFLAGS="$CFLAGS"
	export LDFLAGS="-Wl,--as-needed,-O1,--sort-common"
	export JOBS=2
	export MAKEFLAGS="-j$JOBS"
	msg () { printf '>>> %s: %s\n' "${subpkgname:-$pkgname}" "$1" >&2; }
	warning () { printf '>>> WARNING: %s: %s\n' "${subpkgname:-$pkgname}" "$1" >&2; }
	error () { printf '>>> ERROR: %s: %s\n' "${subpkgname:-$pkgname}" "$1" >&2; }
	# amove PATH...: each from pkgdir (or as given) to the same place in
	# subpkgdir, its parents made, the parents it leaves empty removed;
	# 1 when one is not there
	amove () {
		local ret=0 p d here
		[ -n "$subpkgdir" ] || return 1
		here=$(pwd)
		cd "$pkgdir"
		for p; do
			while :; do case $p in /*) p=${p#/} ;; *) break ;; esac; done
			while :; do case $p in */) p=${p%/} ;; *) break ;; esac; done
			if ! [ -e "$p" ] && ! [ -L "$p" ]; then ret=1; continue; fi
			case $p in */*) d=${p%/*} ;; *) d=. ;; esac
			mkdir -p "$subpkgdir/$d"
			mv "$p" "$subpkgdir/$d/"
			rmdir -p "$d" 2>/dev/null || :
		done
		cd "$here"
		return $ret
	}
	# the documentation, man pages gzipped (-n -9), links to them
	# pointing at the .gz
	default_doc () {
		local d f
		depends="$depends_doc"
		pkgdesc="$pkgdesc (documentation)"
		install_if="docs $pkgname=$pkgver-r$pkgrel"
		for d in doc man info html sgml licenses gtk-doc ri help; do
			amove usr/share/"$d" || :
		done
		if [ -d "$subpkgdir/usr/share/man" ]; then
			find "$subpkgdir/usr/share/man" \( -type f -o -type l \) \
				\( -name '*.[0-9n]' -o -name '*.[0-9n][a-z]*' \) \
				! \( -name '*.gz' -o -name '*.bz2' -o -name '*.xz' \) >"$pkgbasedir/.man"
			while IFS= read -r f; do
				if [ -L "$f" ]; then
					ln -s "$(readlink "$f").gz" "$f.gz"
				else
					gzip -n -9 -k "$f"
				fi
				rm "$f"
			done <"$pkgbasedir/.man"
			rm -f "$pkgbasedir/.man"
		fi
		rm -f "$subpkgdir/usr/share/info/dir"
	}
	doc () { default_doc; }
	default_openrc () {
		depends="$depends_openrc"
		pkgdesc="$pkgdesc (OpenRC init scripts)"
		install_if="openrc ${subpkgname%-openrc}=$pkgver-r$pkgrel"
		amove etc/conf.d etc/init.d etc/user/conf.d etc/user/init.d || :
	}
	openrc () { default_openrc; }
	default_prepare () { [ -z "$builddir" ] || ! [ -d "$builddir" ] || cd "$builddir"; }
	prepare () { default_prepare; }
	cd "$startdir"
	. ./APKBUILD
	builddir=${builddir:-"$srcdir/$pkgname-$pkgver"}
	pkgdir="$pkgbasedir/$pkgname"
	case $2 in
	prepare | build | check | package)
		if [ -d "$builddir" ]; then cd "$builddir"; fi
		"$2"
		;;
	split)
		# the name, then the function: NAME:FUNC, else what follows the
		# last dash
		subpkgname=${3%%:*}
		split=${3#*:}
		[ "$split" != "$3" ] || split=${subpkgname##*-}
		subpkgdir="$pkgbasedir/$subpkgname"
		provides="" install_if=""
		cd "$pkgdir"
		"$split"
		printf '%s\n' "pkgdesc=$pkgdesc" "depends=$depends" "install_if=$install_if" \
			>"$pkgbasedir/.meta.$subpkgname"
		;;
	strip)
		# abuild strips the ELF files of the packages that are not noarch
		cd "$pkgdir"
		find . -type f | while IFS= read -r f; do
			[ "$(head -c 4 "$f" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ] || continue
			strip -o "$pkgbasedir/.strip" "$f"
			cat "$pkgbasedir/.strip" >"$f"
			rm "$pkgbasedir/.strip"
		done
		;;
	meta)
		# each on one line, its words one blank apart
		for v in pkgname pkgver pkgrel pkgdesc url arch license depends makedepends \
			checkdepends subpackages install somask source; do
			eval "val=\$$v"
			set -f
			printf '%s=%s\n' "$v" "$(echo $val)"
			set +f
		done
		;;
	*) error "no step $2"; exit 1 ;;
	esac
EOF

# Alpine's lld: ld.lld on PATH
if ! mkdir alpine-path || ! ln -s /usr/lib/llvm-16/bin/ld.lld alpine-path/ld.lld; then
	BUG "cannot make alpine-path"
fi

# abuild_step STEP [SUBPACKAGE]: the step under BusyBox ash -e, in an
# empty environment but PATH and HOME; its output in STEP.log
abuild_step () {
	env -i PATH="$TRASH_DIRECTORY/alpine-path:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin" \
		HOME="$TRASH_DIRECTORY" CARCH="$CARCH" LC_ALL=C \
		busybox sh -e "$TRASH_DIRECTORY/abuild-lite.sh" "$START" "$@" \
		>"$TRASH_DIRECTORY/$1${2:+-$2}.log" 2>&1 ||
	{ tail -n 30 "$TRASH_DIRECTORY/$1${2:+-$2}.log"; return 1; }
}

# meta VAR: the APKBUILD's VAR, as the step meta printed it
meta () {
	sed -n "s/^$1=//p" "$TRASH_DIRECTORY/meta.log"
}

# files DIR: what a package holds, one path a line, links with their target
files () {
	(cd "$1" && find . ! -name . | sed 's|^\./||' | LC_ALL=C sort | while IFS= read -r f; do
		if test -L "$f"; then echo "$f -> $(readlink "$f")"; else echo "$f"; fi
	done)
}

test_expect_success 'the APKBUILD: aports fields, pkgver is config.mk'"'"'s VERSION, the install scripts beside it' '
	(cd "$TEDGE_ROOT" && git --no-optional-locks status --porcelain --ignored -- . ":!t/trash.*") >tree.before &&
	mkdir -p "$B/src" &&
	(cd "$TEDGE_ROOT" && git ls-files -co --exclude-standard -z -- . ":!t/trash.*") >files &&
	(cd "$TEDGE_ROOT" && xargs -0 cp -P --parents -t "$B/src") <files &&
	busybox sh -n "$START/APKBUILD" &&
	head -n 2 "$START/APKBUILD" >head &&
	test_grep "^# Contributor: .* <.*@.*>$" head &&
	test_grep "^# Maintainer: .* <.*@.*>$" head &&
	abuild_step meta &&
	test "$(meta pkgname)" = tedge-c &&
	test "$(meta pkgver)" = "$VERSION" &&
	test "$(meta pkgrel)" = 0 &&
	test "$(meta arch)" = all &&
	test "$(meta license)" = Apache-2.0 &&
	test -n "$(meta pkgdesc)" && test -n "$(meta url)" &&
	test "$(meta depends)" = "mosquitto mosquitto-clients ca-certificates" &&
	for d in openssl-dev curl-dev mosquitto-dev json-c-dev lld; do
		echo " $(meta makedepends) " | grep -q " $d " ||
		{ echo "makedepends lacks $d: $(meta makedepends)"; return 1; }
	done &&
	# Alpine names, not Debian'"'"'s
	! echo " $(meta makedepends) $(meta checkdepends) " | grep -q " lib[a-z0-9-]*-dev \| lld-[0-9]" &&
	test "$(meta subpackages)" = "tedge-c-doc tedge-c-openrc" &&
	test "$(meta somask)" = libtedge.so.0 &&
	test -z "$(meta source)" &&
	for s in $(meta install); do
		case $s in
		tedge-c.pre-install | tedge-c.post-install | tedge-c.pre-upgrade | \
		tedge-c.post-upgrade | tedge-c.pre-deinstall | tedge-c.post-deinstall) ;;
		*) echo "not an install script apk knows: $s"; return 1 ;;
		esac &&
		test_path_is_file "$START/$s" &&
		head -n 1 "$START/$s" >shebang &&
		echo "#!/bin/sh" >expect &&
		test_cmp expect shebang &&
		busybox sh -n "$START/$s" || return 1
	done &&
	# abuild copies the scripts with cp, which follows the link
	test_cmp "$START/tedge-c.post-install" "$START/tedge-c.post-upgrade"
'

test_expect_success 'build(): the tree built for /usr (PREFIX, SYSCONFDIR, the runpath /usr/lib/tedge), with lld' '
	abuild_step build &&
	for p in tedge tedge-cert tedge-cert-http; do
		readelf -d "$B/src/bin/$p" >dyn &&
		test_grep "(RUNPATH) *Library runpath: \[/usr/lib/tedge\]" dyn || return 1
	done &&
	readelf -p .comment "$B/src/bin/tedge" >comment &&
	test_grep "LLD" comment
'

test_expect_success 'check(): the configuration, bridge-gen, TOML and dispatcher tests, passing' '
	abuild_step check &&
	grep -c "^ok " check.log >oks &&
	test "$(cat oks)" -gt 300 &&
	test_grep ! "^not ok " check.log &&
	# every one of the twelve scripts of check() ran to its plan
	test "$(grep -c "^1\.\.[1-9][0-9]*$" check.log)" = 12
'

test_expect_success 'package(), then the split functions -doc and -openrc, then the strip' '
	abuild_step package &&
	abuild_step split tedge-c-doc &&
	abuild_step split tedge-c-openrc &&
	abuild_step strip &&
	files "$MAIN" >main.files &&
	files "$DOC" >doc.files &&
	files "$RC" >openrc.files
'

test_expect_success 'tedge-c: the programs, links, flows, libtedge, the default tedge.toml, the templates; no /etc, no man page' '
	for f in usr/bin/tedge usr/bin/tedge-cert usr/bin/tedge-cert-http \
		"usr/bin/tedge-config -> tedge" "usr/bin/tedge-bridge-gen -> tedge" \
		"usr/bin/tedge-svc -> tedge" "usr/bin/tedge-check -> tedge-cert" \
		usr/bin/tedge-connect usr/bin/tedge-disconnect usr/bin/tedge-reconnect \
		usr/bin/tedge-init usr/bin/tedge-renew usr/bin/tedge-flow.sh \
		usr/lib/tedge/libtedge.so.0 usr/share/tedge/tedge.toml \
		usr/share/tedge/init/openrc/mosquitto usr/share/tedge/init/openrc/tedge-cert-renewer \
		usr/share/tedge/init/runit/mosquitto/run; do
		grep -qxF "$f" main.files || { echo "not in tedge-c: $f"; return 1; }
	done &&
	test_grep ! "^etc" main.files &&
	test_grep ! "^usr/share/man\|^usr/share/doc" main.files &&
	test_cmp "$TEDGE_ROOT/etc/tedge.toml" "$MAIN/usr/share/tedge/tedge.toml" &&
	! grep -l "@[A-Z_]*@" "$MAIN"/usr/bin/tedge-connect "$MAIN"/usr/share/tedge/init/openrc/* &&
	test_grep "/usr/bin/tedge-flow.sh" "$MAIN/usr/bin/tedge-connect"
'

test_expect_success 'tedge-c-doc: the man pages, gzipped as default_doc does them, and the documents; nothing else' '
	for m in "$TEDGE_ROOT"/man/*.1; do
		n=${m##*/} &&
		grep -qxF "usr/share/man/man1/$n.gz" doc.files &&
		gzip -dc "$DOC/usr/share/man/man1/$n.gz" >page &&
		test_cmp "$m" page || return 1
	done &&
	test "$(grep -c "\.1\.gz$" doc.files)" = "$(ls "$TEDGE_ROOT"/man/*.1 | wc -l)" &&
	test_grep -x usr/share/doc/tedge-c/README.md doc.files &&
	test_grep -x usr/share/doc/tedge-c/ARCHITECTURE.md doc.files &&
	test_grep ! "^usr/share/man/.*\.[0-9]$" doc.files &&
	! grep -v "^usr/share/man\|^usr/share/doc\|^usr/share\$\|^usr\$" doc.files &&
	echo "install_if=docs tedge-c=$VERSION-r0" >expect &&
	grep "^install_if=" "$PKG/.meta.tedge-c-doc" >actual &&
	test_cmp expect actual
'

test_expect_success 'tedge-c-openrc: the renewal service in /etc/init.d, executable, filled in; no mosquitto script (Alpine'"'"'s is enough)' '
	printf "%s\n" etc etc/init.d etc/init.d/tedge-cert-renewer >expect &&
	test_cmp expect openrc.files &&
	test_mode 755 "$RC/etc/init.d/tedge-cert-renewer" &&
	head -n 1 "$RC/etc/init.d/tedge-cert-renewer" >shebang &&
	echo "#!/sbin/openrc-run" >expect &&
	test_cmp expect shebang &&
	test_grep "^command=\"/usr/bin/tedge-renew\"$" "$RC/etc/init.d/tedge-cert-renewer" &&
	test_cmp "$MAIN/usr/share/tedge/init/openrc/tedge-cert-renewer" "$RC/etc/init.d/tedge-cert-renewer" &&
	sh -n "$RC/etc/init.d/tedge-cert-renewer" &&
	busybox sh -n "$RC/etc/init.d/tedge-cert-renewer" &&
	echo "install_if=openrc tedge-c=$VERSION-r0" >expect &&
	grep "^install_if=" "$PKG/.meta.tedge-c-openrc" >actual &&
	test_cmp expect actual
'

test_expect_success 'across the packages: nothing twice, nothing world-writable, the modes, what abuild'"'"'s postcheck refuses' '
	cat main.files doc.files openrc.files | sed "s/ -> .*//" >all &&
	for p in $(LC_ALL=C sort all | uniq -d); do
		test -d "$MAIN/$p" || { echo "in two packages: $p"; return 1; }
	done &&
	find "$MAIN" "$DOC" "$RC" ! -type l -perm -o+w >writable &&
	test_must_be_empty writable &&
	for d in usr usr/bin usr/lib usr/lib/tedge usr/share/tedge; do
		test_mode 755 "$MAIN/$d" || return 1
	done &&
	test_mode 755 "$RC/etc/init.d" &&
	test_mode 755 "$MAIN/usr/bin/tedge" &&
	test_mode 755 "$MAIN/usr/bin/tedge-connect" &&
	test_mode 644 "$MAIN/usr/bin/tedge-flow.sh" &&
	test_mode 644 "$MAIN/usr/lib/tedge/libtedge.so.0" &&
	test_mode 644 "$MAIN/usr/share/tedge/tedge.toml" &&
	find "$MAIN" "$DOC" "$RC" -type f -perm /6000 >suid &&
	test_must_be_empty suid &&
	for d in srv usr/local opt tmp var home lib64 usr/lib64 bin sbin lib etc/tedge; do
		for p in "$MAIN" "$DOC" "$RC"; do
			test_path_is_missing "$p/$d" || return 1
		done
	done
'

test_expect_success 'the staged programs run, stripped, libtedge.so.0 from the package (LD_LIBRARY_PATH: the runpath names /usr/lib/tedge)' '
	readelf -S "$MAIN/usr/bin/tedge" >sections &&
	test_grep ! "\.symtab\|\.debug_info" sections &&
	LD_LIBRARY_PATH="$MAIN/usr/lib/tedge" "$MAIN/usr/bin/tedge" --version >version &&
	test_grep -F "$VERSION" version &&
	LD_LIBRARY_PATH="$MAIN/usr/lib/tedge" "$MAIN/usr/bin/tedge-cert" --version >version &&
	test_grep -F "$VERSION" version &&
	LD_LIBRARY_PATH="$MAIN/usr/lib/tedge" "$MAIN/usr/bin/tedge" \
		--config-dir "$TRASH_DIRECTORY/cfg" config get mqtt.bind.port >port &&
	echo 1883 >expect &&
	test_cmp expect port
'

test_expect_success 'the tree is left alone' '
	(cd "$TEDGE_ROOT" && git --no-optional-locks status --porcelain --ignored -- . ":!t/trash.*") >tree.after &&
	test_cmp tree.before tree.after
'

# ---- installed, in a private namespace ----
if ! test_have_prereq ROOT,OVERLAY,OPENRC,MOSQUITTO,MOSQ_CLIENTS; then
	skip_all="the install scripts need root, a private mount namespace with overlayfs (so that /etc, /usr and /var stay untouched), openrc-run and mosquitto: missing $test_missing_prereq_"
	test_done
fi

# Alpine's mosquitto-openrc, /etc/init.d/mosquitto (aports main/mosquitto,
# mosquitto.initd), and its mosquitto.conf: upstream's example, all
# comments, with log_dest syslog (the APKBUILD's sed); here the comments
# are left out and the log goes nowhere (no syslog in the namespace)
cat >alpine-mosquitto.initd <<-\EOF
	#!/sbin/openrc-run

	name="Mosquitto message broker"
	description="MQTT v3.1.1 Message Broker"

	: ${cfgfile:="/etc/mosquitto/${RC_SVCNAME#mosquitto.}.conf"}

	command="/usr/sbin/mosquitto"
	# mosquitto_args is here for backward compatibility only
	command_args="-c $cfgfile ${command_args:-$mosquitto_args}"
	command_background="yes"
	pidfile="/run/$RC_SVCNAME.pid"

	required_files="$cfgfile"
EOF
printf '%s\n' "# Place your local configuration in /etc/mosquitto/conf.d/" "" \
	"log_dest none" >alpine-mosquitto.conf

MOSQ_CONF=/etc/mosquitto/mosquitto.conf

# on_device CMD...: CMD as on the device: the system's PATH (the
# package's programs), no TEDGE_* of the test (/etc/tedge)
on_device () {
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C "$@"
}

# put_in_place: the files of the three packages into the root, as apk
# extracts them (the directories made, never the root's own attributes)
put_in_place () {
	local p
	for p in "$MAIN" "$DOC" "$RC"; do
		(cd "$p" && find . ! -type d | while IFS= read -r f; do
			mkdir -p "/${f%/*}" && cp -P -p "$f" "/$f" || exit 1
		done) || return 1
	done
}

# apk_del: the package's files taken away, then its post-deinstall
apk_del () {
	local p
	for p in "$MAIN" "$DOC" "$RC"; do
		(cd "$p" && find . ! -type d | while IFS= read -r f; do
			rm -f "/$f" || exit 1
		done) || return 1
	done &&
	rm -rf /usr/lib/tedge /usr/share/tedge /usr/share/doc/tedge-c &&
	as_apk tedge-c.post-deinstall
}

svc_kill_alpine_mosquitto () {
	local p
	for p in $(pgrep -x -f "/usr/sbin/mosquitto -c $MOSQ_CONF"); do kill -KILL "$p"; done
	return 0
}

# as_apk SCRIPT: an install script as apk runs it: in the root, PATH alone
as_apk () {
	(cd / && env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$START/$1" "$VERSION-r0")
}

etc_paths () {
	find /etc -xdev | LC_ALL=C sort
}

test_expect_success 'setup: /etc, /usr and /var overlays on a tmpfs, OpenRC booted there, Alpine'"'"'s mosquitto script and conf, no /etc/tedge' '
	svc_overlay_etc &&
	svc_fake_openrc &&
	mkdir /mnt/usr /mnt/usr-work /mnt/var /mnt/var-work &&
	mount -t overlay overlay -o lowerdir=/usr,upperdir=/mnt/usr,workdir=/mnt/usr-work /usr &&
	mount -t overlay overlay -o lowerdir=/var,upperdir=/mnt/var,workdir=/mnt/var-work /var &&
	rm -rf /etc/tedge /var/lib/tedge-c /etc/runlevels /etc/init.d/tedge-* /usr/lib/tedge &&
	mkdir -p /etc/mosquitto /etc/init.d /etc/runlevels/default &&
	cp alpine-mosquitto.initd /etc/init.d/mosquitto &&
	chmod 755 /etc/init.d/mosquitto &&
	cp alpine-mosquitto.conf "$MOSQ_CONF" &&
	etc_paths >etc.pristine &&
	cp "$MOSQ_CONF" mosquitto.conf.pristine
'

test_expect_success 'the package put in place as apk would: its three parts, each file once' '
	for p in "$MAIN" "$DOC" "$RC"; do
		(cd "$p" && find . ! -type d | while IFS= read -r f; do
			test_path_is_missing "/$f" || exit 1
		done) || return 1
	done &&
	put_in_place &&
	on_device tedge --version >version &&
	test_grep -F "$VERSION" version
'

test_expect_success 'post-install: tedge init ran (directories, the include line), tedge.toml the default; no mosquitto script of the toolkit: Alpine'"'"'s is enough' '
	{ as_apk tedge-c.post-install >out 2>err || { cat out err; false; }; } &&
	test_must_be_empty err &&
	test_path_is_dir /etc/tedge/mosquitto-conf &&
	test_mode 755 /etc/tedge/device-certs &&
	test_cmp /usr/share/tedge/tedge.toml /etc/tedge/tedge.toml &&
	test_mode 644 /etc/tedge/tedge.toml &&
	test_grep -x "include_dir /etc/tedge/mosquitto-conf" "$MOSQ_CONF" &&
	test_path_is_missing /etc/init.d/tedge-mosquitto &&
	test_cmp alpine-mosquitto.initd /etc/init.d/mosquitto &&
	test_expect_code 1 on_device tedge-svc diagnose mosquitto >diag &&
	test_must_be_empty diag &&
	printf "%s\n" /etc/tedge /etc/tedge/device-certs /etc/tedge/mosquitto-conf \
		/etc/tedge/tedge.toml >expect &&
	test_cmp expect /var/lib/tedge-c/made &&
	echo "$MOSQ_CONF" >expect &&
	test_cmp expect /var/lib/tedge-c/include
'

test_expect_success 'openrc-run reads the toolkit'"'"'s service: its description and dependencies' '
	/etc/init.d/tedge-cert-renewer describe >describe 2>&1 &&
	test_grep "Renew the device certificate" describe &&
	# what OpenRC builds its dependency tree from: each script'"'"'s depend()
	/lib/rc/sh/gendepends.sh >deps 2>&1 &&
	test_grep -x "tedge-cert-renewer iuse net" deps &&
	test_grep -x "tedge-cert-renewer iafter mosquitto tedge-mosquitto" deps
'

# (stop, then start, not restart: OpenRC runs Debian's start-stop-daemon
# here, dpkg's, which sends TERM and returns at once where OpenRC's own,
# Alpine's, waits for the process to go by default; the start that
# follows at once would find the broker still there)
test_expect_success 'Alpine'"'"'s script starts mosquitto with the toolkit'"'"'s listener (tedge-mosquitto.conf, through the include); tedge-svc drives it' '
	test_when_finished "/etc/init.d/mosquitto stop >/dev/null 2>&1; /etc/init.d/mosquitto zap >/dev/null 2>&1; svc_kill_alpine_mosquitto" &&
	port=$(tedge-test free-port) &&
	on_device tedge config set mqtt.bind.port "$port" &&
	on_device tedge-bridge-gen --write local &&
	test_path_is_file /etc/tedge/mosquitto-conf/tedge-mosquitto.conf &&
	on_device tedge-svc start mosquitto &&
	on_device tedge-svc is-active mosquitto &&
	test_wait_for 10 "svc_mqtt_up $port" &&
	on_device tedge-svc stop mosquitto &&
	test_expect_code 1 on_device tedge-svc is-active mosquitto &&
	test_wait_for 10 "! svc_mqtt_up $port && ! pgrep -x mosquitto >/dev/null" &&
	on_device tedge-svc start mosquitto &&
	test_wait_for 10 "svc_mqtt_up $port" &&
	on_device tedge-svc stop mosquitto &&
	test_wait_for 10 "! svc_mqtt_up $port"
'

test_expect_success 'post-upgrade: nothing changes (tedge.toml, mosquitto.conf, the record)' '
	cp /etc/tedge/tedge.toml toml.before &&
	cp "$MOSQ_CONF" conf.before &&
	cp /var/lib/tedge-c/made made.before &&
	etc_paths >etc.before &&
	{ as_apk tedge-c.post-upgrade >out 2>err || { cat out err; false; }; } &&
	test_must_be_empty err &&
	test_cmp toml.before /etc/tedge/tedge.toml &&
	test_cmp conf.before "$MOSQ_CONF" &&
	test_cmp made.before /var/lib/tedge-c/made &&
	etc_paths >etc.after &&
	test_cmp etc.before etc.after
'

apk_add () {
	put_in_place &&
	as_apk tedge-c.post-install
}

test_expect_success 'apk del of a configured device: tedge.toml (edited), the listener file and the include stay, said so; the rest goes' '
	{ apk_del >out 2>err || { cat out err; false; }; } &&
	test_path_is_missing /usr/bin/tedge &&
	test_grep "^tedge-c: /etc/tedge/tedge.toml is kept: it was changed since the installation" err &&
	test_grep "^tedge-c: /etc/tedge/mosquitto-conf is kept: it holds what the package did not make" err &&
	test_grep "^tedge-c: /etc/tedge is kept" err &&
	test_path_is_file /etc/tedge/tedge.toml &&
	test_path_is_missing /etc/tedge/device-certs &&
	test_grep -x "include_dir /etc/tedge/mosquitto-conf" "$MOSQ_CONF" &&
	test_path_is_missing /var/lib/tedge-c &&
	test_path_is_missing /etc/init.d/tedge-cert-renewer
'

test_expect_success 'installed on that again, then removed unconfigured: /etc as it was, mosquitto.conf byte for byte' '
	rm -rf /etc/tedge &&
	cp mosquitto.conf.pristine "$MOSQ_CONF" &&
	{ apk_add >out 2>err || { cat out err; false; }; } &&
	test_grep -x "include_dir /etc/tedge/mosquitto-conf" "$MOSQ_CONF" &&
	{ apk_del >out 2>err || { cat out err; false; }; } &&
	test_must_be_empty err &&
	etc_paths >etc.now &&
	test_cmp etc.pristine etc.now &&
	test_cmp mosquitto.conf.pristine "$MOSQ_CONF" &&
	test_path_is_missing /var/lib/tedge-c
'

test_expect_success 'removed with a device certificate: the certificate and key stay, said so; the include goes with mosquitto-conf' '
	{ apk_add >out 2>err || { cat out err; false; }; } &&
	on_device tedge cert create --device-id apk-device 2>err &&
	test_path_is_file /etc/tedge/device-certs/tedge-private-key.pem &&
	{ apk_del >out 2>err || { cat out err; false; }; } &&
	test_grep "^tedge-c: /etc/tedge/device-certs is kept: it holds what the package did not make" err &&
	(cd /etc/tedge && find . | LC_ALL=C sort) >left &&
	printf "%s\n" . ./device-certs ./device-certs/tedge-certificate.pem \
		./device-certs/tedge-private-key.pem >expect &&
	test_cmp expect left &&
	test_cmp mosquitto.conf.pristine "$MOSQ_CONF"
'

test_done
