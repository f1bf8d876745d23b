#!/bin/sh
test_description='tedge-svc: usage, detection, choice of manager, install, links

Everything here runs on directories of the test own (TEDGE_SVC_ROOT, SVDIR):
detection markers, definitions, enable links. The real init tools are
driven in t4020 (runit), t4030 (SysV), t4040 (OpenRC), t4050 (systemd).'
. ./lib-svc.sh
. ./lib.sh

R="$TRASH_DIRECTORY/root"
TEDGE_SVC_ROOT=$R
export TEDGE_SVC_ROOT

test_expect_success 'help lists every command and exit code' '
	tedge-svc --help >out &&
	for c in start stop restart enable disable is-active is-enabled exists \
		install diagnose detect is-available; do
		test_grep "^  $c" out || return 1
	done &&
	test_grep "4 no service manager is available; 5 the service is not installed" out &&
	tedge-svc --version >out &&
	test_grep "^tedge-svc [0-9]" out
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 tedge-svc 2>err &&
	test_grep "a subcommand is required" err &&
	test_expect_code 2 tedge-svc frobnicate x 2>err &&
	test_grep "unrecognized subcommand .frobnicate." err &&
	test_expect_code 2 tedge-svc start 2>err &&
	test_grep "<SERVICE>" err &&
	test_expect_code 2 tedge-svc start a b 2>err &&
	test_grep "unexpected argument .b." err &&
	test_expect_code 2 tedge-svc detect x 2>err &&
	test_expect_code 2 tedge-svc --manager upstart detect 2>err &&
	test_grep "unknown service manager .upstart." err &&
	test_expect_code 2 tedge-svc --timeout 0 detect 2>err &&
	test_expect_code 2 tedge-svc --timeout 1x detect 2>err
'

test_expect_success 'service names cannot reach outside their directory' '
	for n in ../x a/b .hidden -x "a b" "" "x;y" "$(printf "a\\nb")"; do
		test_expect_code 2 tedge-svc --manager sysv start -- "$n" 2>err &&
		test_grep "invalid service name" err || return 1
	done &&
	test_path_is_missing "$R"
'

test_expect_success 'no manager running: detect exits 4, says what it looked for' '
	mkdir -p "$R" &&
	test_expect_code 4 tedge-svc detect >out 2>err &&
	test_must_be_empty out &&
	cat >expect <<-EOF &&
	Error: no service manager is running

	Caused by:
	    looked for an [init] table in $TEDGE_CONFIG_DIR/system.toml, then $R/run/systemd/system, $R/run/openrc/softlevel, a runsvdir supervising $R/etc/service, an s6-svscan supervising $R/run/service, a supervisord with $R/etc/supervisor/supervisord.conf, $R/etc/init.d
	EOF
	test_cmp expect err &&
	test_expect_code 1 tedge-svc is-available 2>err &&
	test_must_be_empty err
'

test_expect_success 'no manager running: every verb exits 4' '
	for v in start stop restart enable disable is-active is-enabled exists install; do
		test_expect_code 4 tedge-svc $v mosquitto 2>err &&
		test_grep "^    0: no service manager is running" err || return 1
	done &&
	test_expect_code 4 tedge-svc restart mosquitto 2>err &&
	test_grep "^Error: failed to restart mosquitto" err
'

test_expect_success 'detect: /etc/init.d makes sysv' '
	mkdir -p "$R/etc/init.d" &&
	echo sysv >expect &&
	tedge-svc detect >out &&
	test_cmp expect out &&
	tedge-svc is-available
'

test_expect_success 'the tedge dispatcher runs it: tedge svc' '
	echo sysv >expect &&
	tedge svc detect >out &&
	test_cmp expect out &&
	tedge --config-dir "$TEDGE_CONFIG_DIR" svc is-available
'

test_expect_success 'detect: a runsvdir binary or directory alone is not runit' '
	mkdir -p "$R/etc/service" "$R/etc/sv" &&
	echo sysv >expect &&
	tedge-svc detect >out &&
	test_cmp expect out
'

test_expect_success 'detect: /run/openrc/softlevel makes openrc, before sysv' '
	mkdir -p "$R/run/openrc" &&
	echo default >"$R/run/openrc/softlevel" &&
	echo openrc >expect &&
	tedge-svc detect >out &&
	test_cmp expect out
'

test_expect_success 'detect: /run/systemd alone is not systemd' '
	mkdir -p "$R/run/systemd/netif" &&
	echo openrc >expect &&
	tedge-svc detect >out &&
	test_cmp expect out
'

test_expect_success 'detect: /run/systemd/system makes systemd, before openrc' '
	mkdir -p "$R/run/systemd/system" &&
	echo systemd >expect &&
	tedge-svc detect >out &&
	test_cmp expect out
'

test_expect_success 'detect: system.toml with [init] makes custom, before all' '
	mkdir -p "$TEDGE_CONFIG_DIR" &&
	echo "[system]" >"$TEDGE_CONFIG_DIR/system.toml" &&
	echo systemd >expect &&
	tedge-svc detect >out &&
	test_cmp expect out &&
	cat >"$TEDGE_CONFIG_DIR/system.toml" <<-\EOF &&
	[init]
	name = "my-init"
	is_available = ["true"]
	restart = ["true", "{}"]
	stop = ["true", "{}"]
	enable = ["true", "{}"]
	disable = ["true", "{}"]
	is_active = ["true", "{}"]
	EOF
	echo my-init >expect &&
	tedge-svc detect >out &&
	test_cmp expect out
'

test_expect_success 'the config key service.manager overrides detection' '
	tedge-config set service.manager sysv &&
	echo sysv >expect &&
	tedge-svc detect >out &&
	test_cmp expect out &&
	TEDGE_SERVICE_MANAGER=openrc tedge-svc detect >out &&
	echo openrc >expect &&
	test_cmp expect out &&
	test_expect_code 1 env TEDGE_SERVICE_MANAGER=upstart tedge-svc detect 2>err &&
	test_grep TEDGE_SERVICE_MANAGER err &&
	tedge-svc --manager systemd detect >out &&
	echo systemd >expect &&
	test_cmp expect out &&
	tedge-config set service.manager auto &&
	rm "$TEDGE_CONFIG_DIR/system.toml"
'

test_expect_success '--config-dir is where system.toml is read' '
	mkdir other &&
	printf "[init]\nname = \"x\"\n" >other/system.toml &&
	test_expect_code 1 tedge-svc --config-dir other detect 2>err &&
	test_grep "other/system.toml" err &&
	test_grep "missing field" err
'

test_expect_success 'an explicit manager that is not running: exit 4 with the reason' '
	rm -r "$R/run/systemd/system" &&
	test_expect_code 4 tedge-svc --manager systemd restart mosquitto 2>err &&
	cat >expect <<-EOF &&
	Error: failed to restart mosquitto

	Caused by:
	    0: Service manager '\''systemd'\'' is not available on the system or elevated permissions have not been granted.
	    1: $R/run/systemd/system is not a directory: systemd is not running
	EOF
	test_cmp expect err &&
	test_expect_code 4 tedge-svc --manager systemd detect 2>err &&
	test_expect_code 1 tedge-svc --manager systemd is-available &&
	test_expect_code 4 tedge-svc --manager runit detect 2>err &&
	test_grep "no runsvdir process supervises $R/etc/service" err &&
	test_expect_code 4 env SVDIR=/nonexistent tedge-svc --manager runit detect 2>err &&
	test_grep "supervises /nonexistent" err
'

test_expect_success 'TEDGE_SVC_ROOT unset or empty means the real root' '
	if test -d /etc/init.d; then want=1; else want=4; fi &&
	for root in "" "/"; do
		test_expect_code $want env TEDGE_SVC_ROOT=$root tedge-svc \
			--manager sysv exists tedge-svc-test-surely-absent-$$ 2>err ||
		return 1
	done &&
	test_expect_code $want env -u TEDGE_SVC_ROOT tedge-svc --manager sysv \
		exists tedge-svc-test-surely-absent-$$ 2>err &&
	{
		TEDGE_SVC_ROOT=/ tedge-svc --manager sysv detect >out 2>err ||
		test_grep "^    /etc/init.d is not a directory" err
	}
'

# --- install ------------------------------------------------------------------

test_expect_success 'install: definitions come from TEDGE_SVC_INITDIR, rendered' '
	mkdir -p initdir &&
	for f in systemd/mosquitto.service openrc/mosquitto sysvinit/mosquitto \
		runit/mosquitto/run; do
		mkdir -p "initdir/${f%/*}" &&
		svc_render "$TEDGE_ROOT/init/$f" "initdir/$f" || return 1
	done &&
	TEDGE_SVC_INITDIR=$TRASH_DIRECTORY/initdir &&
	export TEDGE_SVC_INITDIR
'

test_expect_success 'install (sysv): the script, executable, then never again' '
	tedge-svc --manager sysv install mosquitto &&
	sed "s/@NAME@/mosquitto/g" initdir/sysvinit/mosquitto >expect &&
	test_cmp expect "$R/etc/init.d/mosquitto" &&
	test_mode 755 "$R/etc/init.d/mosquitto" &&
	echo "# mine" >"$R/etc/init.d/mosquitto" &&
	tedge-svc --manager sysv install mosquitto &&
	echo "# mine" >expect &&
	test_cmp expect "$R/etc/init.d/mosquitto" &&
	tedge-svc --manager sysv exists mosquitto &&
	ls -a "$R/etc/init.d" >actual &&
	printf "%s\n" . .. mosquitto >expect &&
	test_cmp expect actual
'

test_expect_success 'install (openrc): the openrc-run script' '
	rm "$R/etc/init.d/mosquitto" &&
	tedge-svc --manager openrc install mosquitto &&
	test_cmp initdir/openrc/mosquitto "$R/etc/init.d/mosquitto" &&
	test_mode 755 "$R/etc/init.d/mosquitto" &&
	head -n 1 "$R/etc/init.d/mosquitto" >actual &&
	echo "#!/sbin/openrc-run" >expect &&
	test_cmp expect actual
'

test_expect_success 'install needs the manager running (runit: t4020)' '
	test_expect_code 4 tedge-svc --manager runit install mosquitto 2>err &&
	test_grep "no runsvdir process supervises" err &&
	test_path_is_missing "$R/etc/sv/mosquitto"
'

test_expect_success 'install (systemd): the unit in /etc/systemd/system, 0644' '
	mkdir -p "$R/run/systemd/system" &&
	tedge-svc --manager systemd install mosquitto &&
	test_cmp initdir/systemd/mosquitto.service \
		"$R/etc/systemd/system/mosquitto.service" &&
	test_mode 644 "$R/etc/systemd/system/mosquitto.service" &&
	tedge-svc --manager systemd exists mosquitto &&
	tedge-svc --manager systemd exists mosquitto.service
'

test_expect_success 'install (systemd): a unit the distribution ships is kept' '
	mkdir -p "$R/lib/systemd/system" &&
	echo "[Unit]" >"$R/lib/systemd/system/other.service" &&
	tedge-svc --manager systemd install other &&
	test_path_is_missing "$R/etc/systemd/system/other.service" &&
	tedge-svc --manager systemd exists other &&
	test_expect_code 1 tedge-svc --manager systemd exists nothere
'

test_expect_success 'systemd exists: an instance is defined by its template' '
	echo "[Unit]" >"$R/lib/systemd/system/mapper@.service" &&
	tedge-svc --manager systemd exists mapper@c8y &&
	test_expect_code 1 tedge-svc --manager systemd exists mapperx@c8y
'

test_expect_success 'install: no definition for that service' '
	test_expect_code 1 tedge-svc --manager sysv install tedge-agent 2>err &&
	cat >expect <<-EOF &&
	Error: failed to install tedge-agent for sysv

	Caused by:
	    no definition of tedge-agent for sysv in $TRASH_DIRECTORY/initdir/sysvinit
	EOF
	test_cmp expect err &&
	test_path_is_missing "$R/etc/init.d/tedge-agent"
'

test_expect_success 'install: refuses a template whose placeholders were not filled' '
	mkdir -p raw/sysvinit &&
	cp "$TEDGE_ROOT/init/sysvinit/mosquitto" raw/sysvinit/mosquitto-raw &&
	test_expect_code 1 env TEDGE_SVC_INITDIR="$TRASH_DIRECTORY/raw" \
		tedge-svc --manager sysv install mosquitto-raw 2>err &&
	test_grep "still has the placeholder @SBINDIR@" err &&
	test_path_is_missing "$R/etc/init.d/mosquitto-raw"
'

test_expect_success 'install: the custom manager has no definitions' '
	test_expect_code 1 tedge-svc --manager custom install mosquitto 2>err &&
	test_grep "cannot install mosquitto for the service manager" err
'

# --- enable/disable where tedge-svc makes the links itself ----------------------

test_expect_success 'openrc enable: a link in the default runlevel, idempotent' '
	test_expect_code 1 tedge-svc --manager openrc is-enabled mosquitto &&
	tedge-svc --manager openrc enable mosquitto &&
	tedge-svc --manager openrc enable mosquitto &&
	echo /etc/init.d/mosquitto >expect &&
	readlink "$R/etc/runlevels/default/mosquitto" >actual &&
	test_cmp expect actual &&
	tedge-svc --manager openrc is-enabled mosquitto
'

test_expect_success 'openrc disable: every runlevel, idempotent' '
	mkdir -p "$R/etc/runlevels/boot" &&
	ln -s /etc/init.d/mosquitto "$R/etc/runlevels/boot/mosquitto" &&
	tedge-svc --manager openrc disable mosquitto &&
	test_path_is_missing "$R/etc/runlevels/boot/mosquitto" &&
	test_path_is_missing "$R/etc/runlevels/default/mosquitto" &&
	tedge-svc --manager openrc disable mosquitto &&
	test_expect_code 1 tedge-svc --manager openrc is-enabled mosquitto
'

test_expect_success 'openrc: enable/disable of what is not there: exit 5' '
	test_expect_code 5 tedge-svc --manager openrc enable nothere 2>err &&
	svc_not_installed_msg nothere >expect &&
	test_cmp expect err &&
	test_expect_code 5 tedge-svc --manager openrc disable nothere 2>err &&
	test_cmp expect err &&
	test_path_is_missing "$R/etc/runlevels/default/nothere"
'

rclinks () {
	(cd "$R/etc" && ls -d rc?.d/*"$1" 2>/dev/null) >"$2"
	return 0
}

test_expect_success 'sysv enable without update-rc.d: links from the LSB header' '
	mkdir -p "$R/etc/rc0.d" "$R/etc/rc2.d" &&
	cat >"$R/etc/init.d/demo" <<-\EOF &&
	#!/bin/sh
	### BEGIN INIT INFO
	# Provides:          demo
	# Default-Start:     2 3 5
	# Default-Stop:      0 6
	### END INIT INFO
	EOF
	chmod +x "$R/etc/init.d/demo" &&
	test_expect_code 1 tedge-svc --manager sysv is-enabled demo &&
	tedge-svc --manager sysv enable demo &&
	rclinks demo actual &&
	printf "%s\n" rc0.d/K01demo rc2.d/S01demo rc3.d/S01demo rc5.d/S01demo \
		rc6.d/K01demo >expect &&
	test_cmp expect actual &&
	echo ../init.d/demo >expect &&
	readlink "$R/etc/rc2.d/S01demo" >actual &&
	test_cmp expect actual &&
	tedge-svc --manager sysv is-enabled demo &&
	tedge-svc --manager sysv enable demo &&
	rclinks demo actual &&
	test_line_count = 5 actual
'

test_expect_success 'sysv disable: S links become K links, order kept' '
	mv "$R/etc/rc3.d/S01demo" "$R/etc/rc3.d/S42demo" &&
	tedge-svc --manager sysv disable demo &&
	rclinks demo actual &&
	printf "%s\n" rc0.d/K01demo rc2.d/K01demo rc3.d/K42demo rc5.d/K01demo \
		rc6.d/K01demo >expect &&
	test_cmp expect actual &&
	test_expect_code 1 tedge-svc --manager sysv is-enabled demo &&
	tedge-svc --manager sysv disable demo &&
	tedge-svc --manager sysv enable demo &&
	rclinks demo actual &&
	printf "%s\n" rc0.d/K01demo rc2.d/S01demo rc3.d/S42demo rc5.d/S01demo \
		rc6.d/K01demo >expect &&
	test_cmp expect actual
'

test_expect_success 'sysv: a script without LSB header gets 2345 and 016' '
	printf "#!/bin/sh\n" >"$R/etc/init.d/bare" &&
	chmod +x "$R/etc/init.d/bare" &&
	tedge-svc --manager sysv enable bare &&
	rclinks bare actual &&
	printf "%s\n" rc0.d/K01bare rc1.d/K01bare rc2.d/S01bare rc3.d/S01bare \
		rc4.d/S01bare rc5.d/S01bare rc6.d/K01bare >expect &&
	test_cmp expect actual
'

test_expect_success 'sysv: a script that is not executable is not installed' '
	printf "#!/bin/sh\n" >"$R/etc/init.d/noexec" &&
	test_expect_code 5 tedge-svc --manager sysv enable noexec 2>err &&
	svc_not_installed_msg noexec >expect &&
	test_cmp expect err &&
	test_expect_code 1 tedge-svc --manager sysv exists noexec
'

test_lazy_prereq SYSTEMCTL 'command -v systemctl'

test_expect_success SYSTEMCTL 'systemd enable/disable on a root: systemctl --root, offline' '
	cat >"$R/etc/systemd/system/sddemo.service" <<-\EOF &&
	[Service]
	ExecStart=/bin/true
	[Install]
	WantedBy=multi-user.target
	EOF
	test_expect_code 1 tedge-svc --manager systemd is-enabled sddemo &&
	tedge-svc --manager systemd enable sddemo &&
	test -L "$R/etc/systemd/system/multi-user.target.wants/sddemo.service" &&
	tedge-svc --manager systemd is-enabled sddemo &&
	tedge-svc --manager systemd enable sddemo &&
	tedge-svc --manager systemd disable sddemo &&
	test_path_is_missing "$R/etc/systemd/system/multi-user.target.wants/sddemo.service" &&
	tedge-svc --manager systemd disable sddemo &&
	test_expect_code 1 tedge-svc --manager systemd is-enabled sddemo &&
	test_expect_code 5 tedge-svc --manager systemd enable nothere 2>err &&
	svc_not_installed_msg nothere >expect &&
	test_cmp expect err
'

test_expect_success 'stdout stays empty for every verb but detect' '
	tedge-svc --manager sysv enable demo >out &&
	tedge-svc --manager sysv is-enabled demo >>out &&
	tedge-svc --manager sysv exists demo >>out &&
	tedge-svc --manager sysv is-available >>out &&
	test_must_be_empty out
'

# A distribution's script that keeps its pid file in a directory of /run it
# never makes, as Debian 12's /etc/init.d/mosquitto does (t7003 runs the
# real one).
distro_script () {
	cat >"$R/etc/init.d/mosquitto" <<-\EOF &&
	#!/bin/sh
	PIDFILE=/run/mosquitto/mosquitto.pid
	exec start-stop-daemon --start --make-pidfile --pidfile $PIDFILE --exec /usr/sbin/mosquitto
	EOF
	chmod 755 "$R/etc/init.d/mosquitto"
}

test_expect_success 'diagnose: a script that leaves its /run directory to systemd' '
	distro_script &&
	tedge-svc --manager sysv diagnose mosquitto >out &&
	echo "$R/etc/init.d/mosquitto cannot start mosquitto on sysv: it keeps its pid file in /run/mosquitto, which it leaves to systemd to make after a boot. Run '\''tedge init'\'' to install the toolkit'\''s definition in its place." >expect &&
	test_cmp expect out &&
	sed -i "2i mkdir -p /run/mosquitto" "$R/etc/init.d/mosquitto" &&
	test_expect_code 1 tedge-svc --manager sysv diagnose mosquitto >out &&
	test_must_be_empty out &&
	test_expect_code 5 tedge-svc --manager sysv diagnose nosuch 2>err &&
	test_grep "Service nosuch not found" err
'

test_expect_success 'install beside it: tedge-NAME, the distribution'\''s file unchanged' '
	distro_script &&
	cp "$R/etc/init.d/mosquitto" distro.orig &&
	mkdir -p "$R/etc/rc2.d" &&
	ln -s ../init.d/mosquitto "$R/etc/rc2.d/S01mosquitto" &&
	tedge-svc --manager sysv install mosquitto 2>err &&
	test_grep "^Note: $R/etc/init.d/mosquitto cannot start mosquitto on sysv: " err &&
	test_cmp distro.orig "$R/etc/init.d/mosquitto" &&
	sed "s/@NAME@/tedge-mosquitto/g" initdir/sysvinit/mosquitto >expect &&
	test_cmp expect "$R/etc/init.d/tedge-mosquitto" &&
	test_grep "^# Provides: *tedge-mosquitto$" "$R/etc/init.d/tedge-mosquitto" &&
	test_path_is_missing "$R/etc/rc2.d/S01mosquitto" &&
	ls "$R/etc/rc2.d" >links &&
	test_grep "^S[0-9][0-9]tedge-mosquitto$" links &&
	tedge-svc --manager sysv is-enabled mosquitto &&
	test_expect_code 1 tedge-svc --manager sysv diagnose mosquitto &&
	tedge-svc --manager sysv install mosquitto 2>err &&
	test_must_be_empty err &&
	tedge-svc --manager sysv disable mosquitto &&
	test_expect_code 1 tedge-svc --manager sysv is-enabled mosquitto &&
	ls "$R/etc/rc2.d" >links &&
	test_grep ! "^S[0-9][0-9].*mosquitto" links &&
	rm -rf "$R/etc/rc?.d" "$R/etc/init.d/tedge-mosquitto" "$R/etc/init.d/mosquitto"
'

test_expect_success 'the stand-in is only the toolkit'\''s: a foreign tedge-NAME is not used' '
	distro_script &&
	echo "#!/bin/sh" >"$R/etc/init.d/tedge-mosquitto" &&
	chmod 755 "$R/etc/init.d/tedge-mosquitto" &&
	tedge-svc --manager sysv diagnose mosquitto >out &&
	test_grep "cannot start mosquitto on sysv" out &&
	rm "$R/etc/init.d/tedge-mosquitto" "$R/etc/init.d/mosquitto"
'

test_done
