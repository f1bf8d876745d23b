#!/bin/sh
# shellcheck disable=SC3043 # `local`, as in lib.sh
test_description='the Debian package: built, installed under systemd, upgraded, removed, purged

dpkg-buildpackage builds tedge-c from a copy of the tree (the files git
knows, in the trash directory; the tree itself is never written), and
lintian has nothing to say of it. Then, in the Debian root of t4050 with
systemd as PID 1 (t/lib-systemd.sh), dpkg installs it: postinst runs
tedge init, and purging removes exactly what that made. Installed again,
the seed story runs there with the package'"'"'s programs alone (PATH
/usr/bin, configuration in /etc/tedge), against the Cumulocity stand-in
on the host (same network): cert create, config set c8y.url, cert upload,
connect (mosquitto run by systemd, Debian'"'"'s own unit), a measurement
through the bridge, disconnect, connect again. A second build, of a
higher version, upgrades it: tedge.toml, the certificate, the key and the
bridge file stay byte for byte, mosquitto is not restarted. remove keeps
the configuration and stops nothing; purge takes what the installation
made and the generated mosquitto files, keeps the device'"'"'s certificate
and key, and says so. Last, the same in a chroot of that root, as an
image is built: no init system running (tedge init then installs the
toolkit'"'"'s SysV script for mosquitto, which the purge takes) and no /proc
(the programs find their library all the same).

Skipped under make sanitize and make valgrind: the package is a build of
its own, neither sanitized nor under valgrind, so those runs would test
nothing more than make check does.'
. ./lib-svc.sh
svc_private_mounts "$@"
. ./lib.sh
. "$TEST_DIRECTORY/lib-systemd.sh"
. "$TEST_DIRECTORY/lib-c8y.sh"

if test -n "$TEST_VALGRIND" || test -n "$TEST_SANITIZE" ||
	ldd "$TEDGE_ROOT/bin/tedge" 2>/dev/null | grep -q libasan; then
	skip_all="under make sanitize or make valgrind: the package is a build of its own, neither sanitized nor run under valgrind (make check runs this)"
	test_done
fi
test_lazy_prereq GIT_TREE 'git -C "$TEDGE_ROOT" ls-files --error-unmatch debian/control'
test_lazy_prereq DEB_TOOLS 'command -v dpkg-buildpackage && command -v dh && command -v lintian &&
	command -v dpkg-checkbuilddeps'
if ! test_have_prereq GIT_TREE,DEB_TOOLS,MOSQUITTO,MOSQ_CLIENTS,OPENSSL; then
	skip_all="needs the tree as a git checkout, dpkg-dev, debhelper and lintian (make check installs them), mosquitto and openssl: missing $test_missing_prereq_"
	test_done
fi
sd_skip_unless_ready
# what the package depends on (debian/control, shlibs): dpkg in the root
# fetches nothing
lacks=$(sd_root_lacks mosquitto mosquitto-clients libmosquitto1 libssl3 libcurl4 libjson-c5 ca-certificates)
if test -n "$lacks"; then
	skip_all="the Debian root in t/.cache/systemd-root lacks what the package depends on ($(echo "$lacks" | tr "\n" " " | sed "s/ $//")): it predates them; 'make systemd-root' builds it again"
	test_done
fi

VERSION=$(sed -n 's/^VERSION = //p' "$TEDGE_ROOT/config.mk")
V2="$VERSION+1"
ARCH=$(dpkg --print-architecture)
B=$TRASH_DIRECTORY/build
DEB1=$B/tedge-c_${VERSION}_$ARCH.deb
DEB2=$B/tedge-c_${V2}_$ARCH.deb
MOSQ_CONF=/etc/mosquitto/mosquitto.conf
CERT=/etc/tedge/device-certs/tedge-certificate.pem
KEY=/etc/tedge/device-certs/tedge-private-key.pem
BRIDGE=/etc/tedge/mosquitto-conf/c8y-bridge.conf
ID=deb-device

standin_start || BUG "the Cumulocity stand-in did not start"
# shellcheck disable=SC2119 # no program of the tree goes in: the package brings its own
sd_prepare_root
sd_boot

# build: dpkg-buildpackage in $B/src (a copy), the packages in $B; nothing
# of the make that may run this test reaches the package's make
build () {
	{ (cd "$B/src" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		nice dpkg-buildpackage -us -uc -b) >"$B/build.log" 2>&1 ||
		{ tail -n 30 "$B/build.log"; false; }; }
}

# in_pkg CMD...: CMD in the root as on the device: the system's PATH, no
# toolkit of the tree, no TEDGE_* of the test (/etc/tedge)
in_pkg () {
	in_sd env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LC_ALL=C "$@"
}

# etc_paths: every path under the root's /etc
etc_paths () {
	(cd "$SDR" && find etc | LC_ALL=C sort)
}

# keep FILE...: what stat says of each file of the root (mode, owner,
# size, time of the last change), and a copy, into kept/
keep () {
	local f
	rm -rf kept && mkdir kept &&
	for f in "$@"; do
		cp "$SDR$f" "kept/${f##*/}" &&
		stat -c '%a %u %g %s %Y %Z %n' "$SDR$f" >>kept/stat || return 1
	done
}

# same_as_kept FILE...: byte for byte and stat for stat as keep saw them
same_as_kept () {
	local f
	: >stat.now &&
	for f in "$@"; do
		test_cmp "kept/${f##*/}" "$SDR$f" &&
		stat -c '%a %u %g %s %Y %Z %n' "$SDR$f" >>stat.now || return 1
	done &&
	test_cmp kept/stat stat.now
}

mosquitto_pid () {
	in_sd systemctl show -p MainPID --value mosquitto
}

test_expect_success 'build: dpkg-buildpackage from a copy of the tree; the tree is left alone' '
	(cd "$TEDGE_ROOT" && git --no-optional-locks status --porcelain --ignored -- . ":!t/trash.*") >tree.before &&
	mkdir -p "$B/src" &&
	(cd "$TEDGE_ROOT" && git ls-files -co --exclude-standard -z -- . ":!t/trash.*") >files &&
	(cd "$TEDGE_ROOT" && xargs -0 cp -P --parents -t "$B/src") <files &&
	(cd "$B/src" && dpkg-checkbuilddeps) &&
	build &&
	test_path_is_file "$DEB1" &&
	(cd "$TEDGE_ROOT" && git --no-optional-locks status --porcelain --ignored -- . ":!t/trash.*") >tree.after &&
	test_cmp tree.before tree.after
'

test_expect_success 'the package: its fields, its files, no conffile' '
	dpkg-deb -f "$DEB1" Package Version Architecture >fields &&
	printf "%s\n" "Package: tedge-c" "Version: $VERSION" "Architecture: $ARCH" >expect &&
	test_cmp expect fields &&
	dpkg-deb -f "$DEB1" Depends >depends &&
	for d in mosquitto mosquitto-clients ca-certificates libc6 libssl3 libcurl4 libmosquitto1 libjson-c5; do
		tr "," "\n" <depends | sed "s/^ *//" | grep -q "^$d\( \|\$\)" ||
		{ echo "Depends lacks $d: $(cat depends)"; return 1; }
	done &&
	dpkg-deb -c "$DEB1" | sed "s/.* \.\//\//" >contents &&
	for f in /usr/bin/tedge /usr/bin/tedge-cert /usr/bin/tedge-cert-http \
		"/usr/bin/tedge-config -> tedge" "/usr/bin/tedge-check -> tedge-cert" \
		/usr/bin/tedge-connect /usr/bin/tedge-init /usr/bin/tedge-flow.sh \
		/usr/lib/tedge/libtedge.so.0 /usr/share/tedge/tedge.toml \
		/usr/share/tedge/init/systemd/mosquitto.service \
		/usr/share/man/man1/tedge-connect.1.gz /usr/share/doc/tedge-c/copyright \
		/usr/share/lintian/overrides/tedge-c; do
		grep -qxF "$f" contents || { echo "not in the package: $f"; return 1; }
	done &&
	test_grep ! "^/etc" contents &&
	mkdir ctl &&
	dpkg-deb -e "$DEB1" ctl &&
	test_path_is_missing ctl/conffiles &&
	test_path_is_file ctl/postinst &&
	test_path_is_file ctl/postrm
'

test_expect_success 'lintian: nothing to say, at any level (debian/tedge-c.lintian-overrides says why of the rest)' '
	{ lintian -i -E -L ">=pedantic" "$B/tedge-c_${VERSION}_$ARCH.changes" >lintian.out 2>lintian.err ||
		{ cat lintian.out lintian.err; false; }; } &&
	test_must_be_empty lintian.out
'

test_expect_success 'a changelog that is not config.mk'"'"'s VERSION is refused' '
	cp "$B/src/debian/changelog" changelog.kept &&
	test_when_finished "cp changelog.kept \"\$B/src/debian/changelog\"" &&
	sed "1s/(.*)/(99.0.0)/" changelog.kept >"$B/src/debian/changelog" &&
	test_must_fail build >out &&
	test_grep "debian/changelog says 99.0.0, config.mk.s VERSION is $VERSION" "$B/build.log"
'

test_expect_success 'the upgrade: the same tree built as version VERSION+1' '
	{
		printf "%s\n\n" "tedge-c ($V2) unstable; urgency=medium" \
			"  * t8000: the upgrade." \
			" -- t8000 <t8000@example.org>  $(date -R)" &&
		cat changelog.kept
	} >"$B/src/debian/changelog" &&
	build &&
	test_path_is_file "$DEB2" &&
	dpkg-deb -f "$DEB2" Version >actual &&
	echo "$V2" >expect &&
	test_cmp expect actual
'

test_expect_success 'systemd boots as PID 1; the packages in the root' '
	sd_wait_booted &&
	mkdir -p "$SDR$B" &&
	cp "$DEB1" "$DEB2" "$SDR$B/" &&
	# the stand-in'"'"'s CA, where c8y.root_cert_path will name it
	to_sd "$C8Y_STANDIN_CA" &&
	test_path_is_missing "$SDR/etc/tedge" &&
	test_must_fail in_pkg dpkg -s tedge-c >/dev/null 2>&1 &&
	etc_paths >etc.pristine &&
	cp "$SDR$MOSQ_CONF" mosquitto.conf.pristine
'

test_expect_success 'install: tedge init ran (directories, the include line); it made no service definition (systemd has mosquitto'"'"'s); nothing started' '
	{ in_pkg dpkg -i "$DEB1" >out 2>err || { cat out err; false; }; } &&
	in_pkg dpkg -s tedge-c >status &&
	test_grep "^Status: install ok installed" status &&
	test_path_is_dir "$SDR/etc/tedge/mosquitto-conf" &&
	test_path_is_dir "$SDR/etc/tedge/device-certs" &&
	test_mode 755 "$SDR/etc/tedge/device-certs" &&
	test_cmp "$SDR/usr/share/tedge/tedge.toml" "$SDR/etc/tedge/tedge.toml" &&
	test_mode 644 "$SDR/etc/tedge/tedge.toml" &&
	test_grep -x "include_dir /etc/tedge/mosquitto-conf" "$SDR$MOSQ_CONF" &&
	test_expect_code 3 in_sd systemctl is-active --quiet mosquitto &&
	in_pkg tedge --version >version &&
	test_grep "$VERSION" version &&
	test_path_is_file "$SDR/usr/share/bash-completion/completions/tedge" &&
	test_path_is_file "$SDR/usr/share/zsh/vendor-completions/_tedge" &&
	# what the installation made, written down for the purge
	printf "%s\n" etc/tedge etc/tedge/device-certs etc/tedge/mosquitto-conf \
		etc/tedge/tedge.toml | sed "s|^|/|" >expect &&
	test_cmp expect "$SDR/var/lib/tedge-c/made" &&
	echo "$MOSQ_CONF" >expect &&
	test_cmp expect "$SDR/var/lib/tedge-c/include" &&
	etc_paths | LC_ALL=C comm -13 etc.pristine - >new &&
	sed "s|^etc|/etc|" new >made &&
	test_cmp "$SDR/var/lib/tedge-c/made" made
'

test_expect_success 'purge right away: /etc as it was, mosquitto.conf byte for byte' '
	{ in_pkg dpkg --purge tedge-c >out 2>err || { cat out err; false; }; } &&
	test_must_be_empty err &&
	test_must_fail in_pkg dpkg -s tedge-c >/dev/null 2>&1 &&
	etc_paths >etc.now &&
	test_cmp etc.pristine etc.now &&
	test_cmp mosquitto.conf.pristine "$SDR$MOSQ_CONF" &&
	test_path_is_missing "$SDR/var/lib/tedge-c" &&
	test_path_is_missing "$SDR/usr/bin/tedge" &&
	test_path_is_missing "$SDR/usr/lib/tedge"
'

test_expect_success 'the seed story with the package: unconfigured, cert create, config set c8y.url, upload' '
	{ in_pkg dpkg -i "$DEB1" >out 2>err || { cat out err; false; }; } &&
	test_expect_code 1 in_pkg tedge connect c8y >out 2>err &&
	cat >expect <<-\EOF &&
	Error: failed to execute `tedge connect`.

	Caused by:
	    Required configuration item is not provided '"'"'c8y.url'"'"', run '"'"'tedge config set c8y.url <value>'"'"' to add it to config.
	EOF
	test_cmp expect err &&
	in_pkg tedge cert create --device-id "$ID" 2>err &&
	test_grep "Certificate was successfully created" err &&
	test_mode 400 "$SDR$KEY" &&
	in_sd stat -c %U "$KEY" >owner &&
	echo mosquitto >expect &&
	test_cmp expect owner &&
	in_pkg tedge config set c8y.url localhost &&
	in_pkg tedge config set c8y.http "127.0.0.1:$C8Y_STANDIN_HTTP_PORT" &&
	in_pkg tedge config set c8y.mqtt "127.0.0.1:$C8Y_STANDIN_MQTT_PORT" &&
	in_pkg tedge config set c8y.root_cert_path "$C8Y_STANDIN_CA" &&
	tedge-test free-port >port &&
	in_pkg tedge config set mqtt.bind.port "$(cat port)" &&
	in_pkg tedge config get c8y.url >url &&
	echo localhost >expect &&
	test_cmp expect url &&
	{ in_pkg C8Y_PASSWORD="$C8Y_STANDIN_SECRET" tedge cert upload c8y --user user 2>err ||
		{ cat err; false; }; } &&
	test_grep "Certificate uploaded successfully." err
'

# connect_story: tedge connect c8y prints the seed (no mapper, no agent),
# mosquitto run by systemd
connect_story () {
	local seed_="$TEST_DIRECTORY/t7000"
	in_pkg tedge connect c8y >out 2>err ||
	{ cat out err "$SDR/var/log/mosquitto/mosquitto.log"; return 1; }
	sed -n "1,/^Connection check is successful/p" "$seed_/connect.out" >expect &&
	echo >>expect &&
	printf "%s\n\n" "Checking if tedge-mapper is installed." \
		"Warning: tedge-mapper is not installed." \
		"Enabling software management." \
		"Checking if tedge-agent is installed." \
		"Info: Software management is not installed. So, skipping enabling related components." \
		>>expect &&
	test_cmp expect out &&
	test_must_be_empty err &&
	in_sd systemctl is-active --quiet mosquitto &&
	in_sd systemctl is-enabled --quiet mosquitto
}

# measurement N [removed]: one published on the device reaches the cloud's
# side; by the package's tedge mqtt pub (mqtt.client.port: mqtt.bind.port's),
# or once the package is removed by mosquitto_pub on that port.
measurement () {
	local pub_
	pub_="in_pkg tedge mqtt pub -q 1 c8y/s/us"
	[ $# = 1 ] || pub_="mosquitto_pub -h 127.0.0.1 -p $(cat port) -q 1 -t c8y/s/us -m"
	: >cloud.out &&
	{ mosquitto_sub -h 127.0.0.1 -p "$C8Y_STANDIN_INTERNAL_PORT" -t s/us -C 1 -W 10 >cloud.out & } &&
	test_bg_pid $! &&
	test_wait_for 10 "$pub_ 200,c8y_Temperature,T,$1 && test -s cloud.out" &&
	echo "200,c8y_Temperature,T,$1" >expect.cloud &&
	test_cmp expect.cloud cloud.out
}

test_expect_success 'tedge connect c8y: the seed, mosquitto started by systemd; a measurement reaches the cloud; disconnect' '
	connect_story &&
	test_path_is_file "$SDR$BRIDGE" &&
	measurement 20 &&
	in_pkg tedge disconnect c8y >out 2>err &&
	sed -n "1,/successfully disconnected/p" "$TEST_DIRECTORY/t7000/disconnect.out" >expect &&
	echo >>expect &&
	test_cmp expect out &&
	test_must_be_empty err &&
	test_path_is_missing "$SDR$BRIDGE"
'

test_expect_success 'connect again, for the upgrade to find a bridge' '
	connect_story &&
	measurement 21 &&
	mosquitto_pid >mosq.pid &&
	test -n "$(cat mosq.pid)" && ! grep -qx 0 mosq.pid
'

test_expect_success "upgrade to VERSION+1: tedge.toml, certificate, key, bridge, mosquitto.conf untouched; mosquitto not restarted" '
	keep /etc/tedge/tedge.toml "$CERT" "$KEY" "$BRIDGE" "$MOSQ_CONF" &&
	{ in_pkg dpkg -i "$DEB2" >out 2>err || { cat out err; false; }; } &&
	in_pkg dpkg-query -W -f="\${Version}\n" tedge-c >version &&
	echo "$V2" >expect &&
	test_cmp expect version &&
	in_pkg tedge --version >version &&
	test_grep -F "$V2" version &&
	same_as_kept /etc/tedge/tedge.toml "$CERT" "$KEY" "$BRIDGE" "$MOSQ_CONF" &&
	mosquitto_pid >pid.now &&
	test_cmp mosq.pid pid.now &&
	{ in_pkg tedge connect c8y --test >out 2>err || { cat out err; false; }; }
'

test_expect_success 'remove: the programs gone, the configuration kept, nothing stopped, the bridge still up' '
	keep /etc/tedge/tedge.toml "$CERT" "$KEY" "$BRIDGE" "$MOSQ_CONF" &&
	{ in_pkg dpkg --remove tedge-c >out 2>err || { cat out err; false; }; } &&
	in_pkg dpkg -s tedge-c >status &&
	test_grep "^Status: deinstall ok config-files" status &&
	test_path_is_missing "$SDR/usr/bin/tedge" &&
	test_path_is_missing "$SDR/usr/lib/tedge/libtedge.so.0" &&
	same_as_kept /etc/tedge/tedge.toml "$CERT" "$KEY" "$BRIDGE" "$MOSQ_CONF" &&
	test_path_is_file "$SDR/var/lib/tedge-c/made" &&
	mosquitto_pid >pid.now &&
	test_cmp mosq.pid pid.now &&
	measurement 22 removed
'

test_expect_success 'purge: what the installation made and the generated mosquitto files go; the certificate and key stay, said so' '
	{ in_pkg dpkg --purge tedge-c >out 2>err || { cat out err; false; }; } &&
	test_grep "^tedge-c: /etc/tedge/device-certs is kept: it holds what the package did not make" err &&
	test_grep "^tedge-c: /etc/tedge is kept: it holds what the package did not make" err &&
	test_must_fail in_pkg dpkg -s tedge-c >/dev/null 2>&1 &&
	test_cmp mosquitto.conf.pristine "$SDR$MOSQ_CONF" &&
	test_path_is_missing "$SDR/var/lib/tedge-c" &&
	test_path_is_missing "$SDR/etc/tedge/tedge.toml" &&
	test_path_is_missing "$SDR/etc/tedge/mosquitto-conf" &&
	(cd "$SDR/etc/tedge" && find . | LC_ALL=C sort) >left &&
	printf "%s\n" . ./device-certs ./device-certs/tedge-certificate.pem \
		./device-certs/tedge-private-key.pem >expect &&
	test_cmp expect left &&
	test_cmp kept/tedge-certificate.pem "$SDR$CERT" &&
	# once the user takes those and disables mosquitto (tedge connect
	# enabled it: the wants link, the rc links of its init script), /etc
	# is as it was before the first install
	rm -rf "$SDR/etc/tedge" &&
	in_sd systemctl disable --quiet mosquitto 2>/dev/null &&
	etc_paths >etc.now &&
	test_cmp etc.pristine etc.now
'

test_expect_success 'no init system running (a chroot, as an image is built): postinst installs the toolkit'"'"'s SysV script for mosquitto, purge takes it' '
	# the root as the host sees it: no systemd in its /run, no /proc
	{ chroot "$SDR" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C \
		dpkg -i "$DEB2" >out 2>err || { cat out err; false; }; } &&
	test_path_is_file "$SDR/etc/init.d/tedge-mosquitto" &&
	test_grep "configured by tedge" "$SDR/etc/init.d/tedge-mosquitto" &&
	test_grep -x /etc/init.d/tedge-mosquitto "$SDR/var/lib/tedge-c/made" &&
	{ chroot "$SDR" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C \
		dpkg --purge tedge-c >out 2>err || { cat out err; false; }; } &&
	test_must_be_empty err &&
	test_path_is_missing "$SDR/etc/init.d/tedge-mosquitto" &&
	etc_paths >etc.now &&
	test_cmp etc.pristine etc.now &&
	test_cmp mosquitto.conf.pristine "$SDR$MOSQ_CONF"
'

test_expect_success 'power off: the namespace is gone, the root as built' '
	sd_power_off &&
	test_path_is_missing "$ROOTFS/etc/tedge" &&
	test_path_is_missing "$ROOTFS/usr/bin/tedge"
'

test_done
