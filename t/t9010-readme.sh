#!/bin/sh
test_description='README.md: every command in it runs, and prints what it shows

The commands are extracted from README.md (its section "Testing this
README" is the convention): every line of a ```sh block, every "$ " line of
a ```console block with the lines after it as its output. A block or line
marked "not run here: NAME" is skipped, and NAME must be in SKIPS below;
anything else runs, in the tree, on a device in the trash directory: a
private runit supervising a real mosquitto, the Cumulocity stand-in as its
cloud, "/etc/tedge" read as $TEDGE_CONFIG_DIR.'
. ./lib.sh
. "$TEST_DIRECTORY/lib-c8y.sh"
. "$TEST_DIRECTORY/lib-flow.sh"

# What README.md marks "not run here", by name, and why.
SKIPS='
make-check	the suite that runs this test (recursive, 15 minutes)
deb	make deb takes minutes and dpkg installs onto this machine: t8000 does both in a debootstrapped root
apk	no Alpine (abuild, apk) here; t8010 runs the functions of the APKBUILD instead
'

README="$TEDGE_ROOT/README.md"
test -f "$README" || BUG "no $README"

if ! test_have_prereq RUNIT,UNSHARE_PID,OPENSSL,MOSQUITTO; then
	skip_all="needs runit, root (PID namespace), openssl and mosquitto: missing $test_missing_prereq_"
	test_done
fi

# make demo installs what is missing (apt-get, network) before it runs: here
# only when nothing is missing, as an unprivileged user sees it.
test_lazy_prereq DEMO_DEPS '
	command -v setpriv &&
	(cd "$TEDGE_ROOT" && setpriv --reuid=65534 --regid=65534 --clear-groups \
		sh scripts/deps check) </dev/null >/dev/null 2>&1
'

# --- extraction ---------------------------------------------------------------
# cmds/N: command N, its README line in cmds/N.line, its skip NAME in
# cmds/N.skip (empty: run), its expected output in cmds/N.expect (console
# blocks only).
mkdir cmds || BUG "mkdir cmds"
awk -v dir=cmds '
function skipname(s) {
	sub(/.*not run here: */, "", s)
	sub(/[:, ].*/, "", s)
	return s
}
function newcmd(text, line, skip) {
	n++
	if (out != "") close(out)
	print text >(dir "/" n)
	close(dir "/" n)
	print line >(dir "/" n ".line")
	close(dir "/" n ".line")
	print skip >(dir "/" n ".skip")
	close(dir "/" n ".skip")
	out = ""
}
/^```/ {
	if (!fence) {
		fence = 1
		lang = substr($0, 4)
		blockskip = pending
		pending = ""
	} else {
		fence = 0
		if (out != "") close(out)
		out = ""
		incmd = 0
	}
	next
}
!fence {
	if ($0 ~ /^<!-- not run here: /) pending = skipname($0)
	else if ($0 != "") pending = ""
	next
}
lang == "sh" {
	if ($0 ~ /^[ \t]*(#|$)/) next
	s = blockskip
	if (s == "" && $0 ~ /# not run here: /) s = skipname($0)
	newcmd($0, NR, s)
	next
}
lang == "console" {
	if (substr($0, 1, 2) == "$ ") {
		s = blockskip
		if (s == "" && $0 ~ /# not run here: /) s = skipname($0)
		newcmd(substr($0, 3), NR, s)
		out = dir "/" n ".expect"
		printf "" >out
		incmd = 1
	} else if (incmd) {
		print >out
	}
	next
}
END { print n + 0 >(dir "/count") }
' "$README" || BUG "cannot extract the commands of README.md"
ncmds=$(cat cmds/count)
test "$ncmds" -gt 0 || BUG "no command found in README.md"

# --- comparison -------------------------------------------------------------
# The shape of what varies from run to run, on both sides.
readme_shape () {
	sed -E \
		-e 's/[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} \+0000/<date>/g' \
		-e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z/<date>/g' \
		-e 's/[0-9]+d [0-9]+h [0-9]+m [0-9]+s/<duration>/g' \
		-e 's/"seconds_left":[0-9]+/"seconds_left":<n>/g' \
		-e 's/(Thumbprint: +|"thumbprint":")[0-9A-F]{40}/\1<hex>/g' \
		-e 's/(\(0x|"serial_hex":")[0-9a-f]+/\1<hex>/g' \
		-e 's/(Serial number: |"serial_number":")[0-9]+/\1<n>/g' \
		"$1"
}

# The device's and the stand-in's paths and ports as the README shows them.
readme_device_view () {
	sed -e "s|$TEDGE_CONFIG_DIR|/etc/tedge|g" \
		-e "s|$TRASH_DIRECTORY/etc/mosquitto|/etc/mosquitto|g" \
		-e "s|$C8Y_STANDIN_DIR|/tmp/standin|g" \
		-e "s|127\.0\.0\.1:$FLOW_PORT\([^0-9]\)|127.0.0.1:1883\1|g" \
		-e "s|127\.0\.0\.1:$FLOW_PORT\$|127.0.0.1:1883|g" \
		-e "s|127\.0\.0\.1:$C8Y_STANDIN_MQTT_PORT\([^0-9]\)|127.0.0.1:8883\1|g" \
		-e "s|127\.0\.0\.1:$C8Y_STANDIN_MQTT_PORT\$|127.0.0.1:8883|g" \
		-e "s|127\.0\.0\.1:$C8Y_STANDIN_HTTP_PORT\([^0-9]\)|127.0.0.1:443\1|g" \
		"$1"
}

# readme_match EXPECT ACTUAL: "..." alone on a line is any lines, within a
# line any text.
readme_match () {
	awk '
	function lm(e, a,   p, k) {
		if (index(e, "...") == 0) return e == a
		k = index(e, "...")
		p = substr(e, 1, k - 1)
		if (substr(a, 1, length(p)) != p) return 0
		a = substr(a, length(p) + 1)
		e = substr(e, k + 3)
		while ((k = index(e, "...")) > 0) {
			p = substr(e, 1, k - 1)
			if ((k2 = index(a, p)) == 0) return 0
			a = substr(a, k2 + length(p))
			e = substr(e, k + 3)
		}
		return length(a) >= length(e) && substr(a, length(a) - length(e) + 1) == e
	}
	function m(i, j,   k) {
		if (i > ne) return j > na
		if (E[i] == "...") {
			for (k = j; k <= na + 1; k++)
				if (m(i + 1, k)) return 1
			return 0
		}
		if (j > na || !lm(E[i], A[j])) return 0
		return m(i + 1, j + 1)
	}
	FNR == 1 { f++ }
	f == 1 { E[++ne] = $0 }
	f == 2 { A[++na] = $0 }
	END { exit !m(1, 1) }
	' "$1" "$2"
}

# --- the device -------------------------------------------------------------
standin_start || BUG "the Cumulocity stand-in did not start"
flow_start_runit || BUG "runsvdir did not start"

test_expect_success 'the skip list and README.md agree' '
	printf "%s\n" "$SKIPS" | sed -n "s/	.*//p" | sort -u >known &&
	cat cmds/*.skip | sed "/^\$/d" | sort -u >used &&
	test_cmp known used
'

test_expect_success 'setup: a device (runit, mosquitto), the stand-in its cloud' '
	flow_mosquitto &&
	echo "# the device mosquitto.conf" >"$TRASH_DIRECTORY/etc/mosquitto/mosquitto.conf" &&
	echo "john.smith@example.com:$C8Y_STANDIN_SECRET" >>"$C8Y_STANDIN_DIR/users"
'

# What the README says the test does once c8y.url is set.
readme_after () {
	case $1 in
	"tedge config set c8y.url "*)
		tedge-config set c8y.http "127.0.0.1:$C8Y_STANDIN_HTTP_PORT" &&
		tedge-config set c8y.mqtt "127.0.0.1:$C8Y_STANDIN_MQTT_PORT" &&
		tedge-config set c8y.root_cert_path "$C8Y_STANDIN_CA"
		;;
	esac
}

i=0
while test $i -lt "$ncmds"; do
	i=$((i + 1))
	cmd=$(cat "cmds/$i")
	line=$(cat "cmds/$i.line")
	skip=$(cat "cmds/$i.skip")
	if test -n "$skip"; then
		why=$(printf "%s\n" "$SKIPS" | sed -n "s/^$skip	//p")
		test -n "$why" || why="NOT IN THE SKIP LIST (the first test fails)"
		test_count=$((test_count + 1))
		say "ok $test_count # skip README.md:$line: $cmd ($skip: $why)"
		continue
	fi
	prereq=
	case $cmd in "make demo"*) prereq=DEMO_DEPS ;; esac
	# shellcheck disable=SC2016 # expanded by the test, at its run
	test_expect_success $prereq "README.md:$line: $cmd" '
		run=$(sed "s|/etc/tedge|$TEDGE_CONFIG_DIR|g" "cmds/$i") &&
		(
			cd "$TEDGE_ROOT" &&
			unset MAKEFLAGS MFLAGS MAKELEVEL &&
			C8Y_PASSWORD=$C8Y_STANDIN_SECRET &&
			export C8Y_PASSWORD &&
			eval "$run"
		) </dev/null >"out.$i" 2>&1 &&
		readme_after "$cmd" &&
		if test -f "cmds/$i.expect"; then
			readme_device_view "out.$i" >"actual.$i" &&
			readme_shape "actual.$i" >actual &&
			readme_shape "cmds/$i.expect" >expect &&
			{ readme_match expect actual || { diff -u expect actual; false; }; }
		fi
	'
done

test_done
