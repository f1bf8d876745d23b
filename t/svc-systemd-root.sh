#!/bin/sh
# Builds, once, the Debian root that t4050, t4051 and t8000 boot systemd in
# (as PID 1 of a namespace): debootstrap minbase with systemd, dbus,
# mosquitto, and what the toolkit's Debian package depends on (t8000
# installs it there with dpkg, which fetches nothing), of the host's own
# release so that the toolkit's binaries run in it. About a minute and
# 260 MB; kept until removed. .complete holds the release and the package
# list: a root built from another list is built again.
# Usage: sh t/svc-systemd-root.sh DIR   (DEBIAN_MIRROR overrides the mirror)
set -eu
dir=${1:?usage: svc-systemd-root.sh DIR}
release=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release 2>/dev/null || :)
# the package's Depends (debian/control, and ${shlibs:Depends} of the
# programs) that minbase lacks: t8000 checks the root has them
packages=systemd,systemd-sysv,dbus,mosquitto,mosquitto-clients,libmosquitto1,libssl3,libcurl4,libjson-c5,ca-certificates
stamp="$release $packages"
if [ -f "$dir/.complete" ] && [ "$(cat "$dir/.complete")" = "$stamp" ]; then
	exit 0
fi
fail() {
	echo "svc-systemd-root: $*" >&2
	exit 1
}
[ "$(id -u)" = 0 ] || fail "needs root"
command -v debootstrap >/dev/null 2>&1 || fail "needs debootstrap"
grep -q '^ID=debian' /etc/os-release 2>/dev/null || fail "needs a Debian host"
[ -n "$release" ] || fail "cannot tell the Debian release from /etc/os-release"
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
echo "svc-systemd-root: debootstrap $release into $dir (about a minute)" >&2
rm -rf "$dir.tmp" "$dir"
mkdir -p "$dir.tmp"
if ! debootstrap --variant=minbase --include="$packages" \
	"$release" "$dir.tmp" "$mirror" >"$dir.log" 2>&1; then
	tail -n 20 "$dir.log" >&2
	rm -rf "$dir.tmp"
	fail "debootstrap failed (log: $dir.log)"
fi
# multi-user, no consoles or logins to wait for; the loopback is the
# host's, so the distribution's mosquitto must not take port 1883 at boot
chroot "$dir.tmp" systemctl -q set-default multi-user.target
chroot "$dir.tmp" systemctl -q mask getty@tty1.service console-getty.service \
	systemd-logind.service
chroot "$dir.tmp" systemctl -q disable mosquitto.service
rm -f "$dir.tmp"/var/cache/apt/archives/*.deb "$dir.log"
echo "$stamp" >"$dir.tmp/.complete"
mv "$dir.tmp" "$dir"
