# t/lib-systemd.sh - systemd for real (t4050, t4051): systemd 252 boots as
# PID 1 of a PID and mount namespace, chrooted into the debootstrapped
# Debian root of t/.cache/systemd-root (built by `make systemd-root`, that
# is t/svc-systemd-root.sh) seen through an overlay, so the root stays as
# built. The network is the host one. The toolkit runs inside through
# nsenter: what it needs is copied into the root at the same paths (never
# bind-mounted: rm -rf of the trash directory would follow such a mount).
#
# Source it after lib-svc.sh (whose svc_private_mounts has run) and lib.sh.
# At the top level: sd_skip_unless_ready, sd_prepare_root PROG..., sd_boot;
# then the first test's body runs sd_wait_booted, the last one's
# sd_power_off.

# shellcheck disable=SC3043 # `local`, as in lib.sh

ROOTFS="$TEST_DIRECTORY/.cache/systemd-root"
SDR="$TRASH_DIRECTORY/sd/root"

test_lazy_prereq PRIVATE_NS 'svc_in_private_ns && grep -qw overlay /proc/filesystems'
test_lazy_prereq NSENTER 'command -v nsenter && command -v unshare'
test_lazy_prereq SYSTEMD_ROOTFS 'test -f "$ROOTFS/.complete" && test -x "$ROOTFS/lib/systemd/systemd"'

# sd_skip_unless_ready: the whole script skipped, saying why, without root,
# namespaces or the Debian root.
sd_skip_unless_ready () {
	if ! test_have_prereq ROOT,PRIVATE_NS,NSENTER; then
		# shellcheck disable=SC2154 # test_have_prereq (lib.sh) sets it
		skip_all="needs root, a private mount namespace (unshare) with overlayfs, and nsenter: missing $test_missing_prereq_"
		test_done
	fi
	if ! test_have_prereq SYSTEMD_ROOTFS; then
		skip_all="no Debian root with systemd in t/.cache/systemd-root: 'make check-systemd' builds it (debootstrap, network, about a minute and 250 MB)"
		test_done
	fi
}

# to_sd PATH...: copies of host files or directories into the root, at
# the same absolute paths
to_sd () {
	local p
	for p in "$@"; do
		case $p in /*) ;; *) p=$PWD/$p ;; esac
		mkdir -p "$SDR${p%/*}" && cp -R -p "$p" "$SDR${p%/*}/" || return 1
	done
}

# sd_prepare_root PROG...: the cache through an overlay (unmounted by
# sd_power_off) and the libraries that this build of the programs needs and
# the root lacks (sanitizers; the build's own libtedge.so.0 where the rpath
# finds it). The programs themselves go in once systemd is up: the root's
# /tmp, where a build may be, is emptied at boot.
sd_prepare_root () {
	local prog lib
	if ! { mkdir -p "$TRASH_DIRECTORY/sd/upper" "$TRASH_DIRECTORY/sd/work" "$SDR" &&
		mount -t overlay overlay -o "lowerdir=$ROOTFS,upperdir=$TRASH_DIRECTORY/sd/upper,workdir=$TRASH_DIRECTORY/sd/work" "$SDR"; }; then
		error "cannot prepare the root in $SDR"
	fi
	for prog in "$@"; do
		for lib in $(ldd "$prog" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p'); do
			case $lib in "$TEDGE_ROOT"/*) lib=$(readlink -f "$lib") ;; esac
			{ test -e "$SDR$lib" || { mkdir -p "$SDR${lib%/*}" && cp "$lib" "$SDR$lib"; }; } ||
				error "cannot copy $lib"
		done
	done
}

# sd_boot: systemd as PID 1, in the background (SD_NS: unshare); unshare
# ignores TERM, and KILL of it kills systemd (--kill-child), which takes
# everything in the namespace along.
sd_boot () {
	{
		unshare --pid --fork --mount --uts --ipc --propagation private \
			--kill-child=SIGKILL sh "$TEST_DIRECTORY/t4050/boot.sh" "$SDR" \
			</dev/null >"$TRASH_DIRECTORY/sd/boot.log" 2>&1 &
	} && test_bg_pid $!
	SD_NS=$!
}

# in_sd CMD...: CMD inside, in systemd's namespaces and root
in_sd () {
	nsenter -t "$SD" -m -p -r -w "$@"
}

# sd_wait_booted (a test body): SD, systemd's pid as the host numbers it,
# once it runs as PID 1 inside and has booted (running, or degraded: some
# unit failed).
sd_wait_booted () {
	test_wait_for 10 "SD=\$(pgrep -P $SD_NS) && test -n \"\$SD\"" &&
	SD=$(pgrep -P "$SD_NS") &&
	echo "$SD" >sd.pid &&
	test_wait_for 10 "test \"\$(cat /proc/$SD/comm)\" = systemd" &&
	test_wait_for 30 "in_sd systemctl is-system-running >state 2>&1 ||
		grep -qx degraded state" &&
	in_sd cat /proc/1/comm >pid1.comm &&
	echo systemd >expect &&
	test_cmp expect pid1.comm
}

# sd_power_off (a test body): systemd powers off, the namespace is gone,
# the overlay unmounted.
sd_power_off () {
	# the shell kill may not know RTMIN+4; procps kill does
	{ kill -s RTMIN+4 "$SD" 2>/dev/null || env kill -s RTMIN+4 "$SD"; } &&
	test_wait_for 20 "! kill -0 $SD_NS 2>/dev/null" &&
	test_wait_for 10 "svc_gone $SD" &&
	umount "$SDR"
}

# sd_root_lacks PKG...: the packages of the list that the Debian root has
# not installed, one a line (none: empty). A root built before
# svc-systemd-root.sh listed them lacks them until `make systemd-root`.
sd_root_lacks () {
	local p
	for p in "$@"; do
		dpkg-query --admindir="$ROOTFS/var/lib/dpkg" -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -qx 'install ok installed' || echo "$p"
	done
}
