#!/bin/sh
# Run by t4050 under `unshare --pid --fork --mount ...`: becomes systemd,
# PID 1 of the new PID namespace, chrooted into ROOT with fresh /proc,
# /sys, /run and a minimal /dev. Usage: sh boot.sh ROOT
set -e
R=$1
mount --bind "$R" "$R"
mount -t proc proc "$R/proc"
mount -t sysfs sysfs "$R/sys"
mount -t tmpfs tmpfs "$R/run"
mount -t tmpfs -o mode=755 tmpfs "$R/dev"
for n in null zero full random urandom tty; do
	touch "$R/dev/$n"
	mount --bind "/dev/$n" "$R/dev/$n"
done
mkdir "$R/dev/pts"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$R/dev/pts"
ln -s pts/ptmx "$R/dev/ptmx"
# absolute paths: env -i leaves no PATH
exec env -i container=unshare /usr/sbin/chroot "$R" /lib/systemd/systemd
