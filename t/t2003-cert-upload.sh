#!/bin/sh
test_description='tedge-cert upload c8y, against the Cumulocity stand-in'
. ./lib.sh
. "$TEST_DIRECTORY/lib-c8y.sh"

if ! test_have_prereq OPENSSL || ! test_have_prereq MOSQUITTO; then
	skip_all='needs openssl and mosquitto'
	test_done
fi
standin_start || BUG "the Cumulocity stand-in did not start"

certs="$TEDGE_CONFIG_DIR/device-certs"
cert="$certs/tedge-certificate.pem"
key="$certs/tedge-private-key.pem"

# mosquitto_pub with the device certificate to the stand-in broker.
device_pub () {
	mosquitto_pub -h 127.0.0.1 -p "$C8Y_STANDIN_MQTT_PORT" --cafile "$C8Y_STANDIN_CA" \
		--cert "$cert" --key "$key" -i up-dev -t s/us -m "100,up-dev,thin-edge.io" -q 1
}

test_expect_success 'setup: a device certificate, the configuration' '
	tedge-cert create --device-id up-dev &&
	standin_configure
'

test_expect_success 'before the upload, the stand-in broker refuses the device' '
	test_must_fail device_pub
'

# (A root path that exists but holds no CA: a missing one is now refused
# before any connection, by name; see below.)
test_expect_success 'a stand-in the device does not trust is refused, no insecure fallback' '
	mkdir -p no-roots &&
	test_expect_code 1 env C8Y_PASSWORD=$C8Y_STANDIN_SECRET TEDGE_C8Y_ROOT_CERT_PATH="$PWD/no-roots" \
		tedge-cert upload c8y --user user 2>err &&
	test_grep "^Error: failed to upload root certificate$" err &&
	test_grep "HTTP Connection Problem: SSL certificate problem" err &&
	test_grep "Hint: the server certificate is not trusted" err &&
	test_must_fail grep POST "$C8Y_STANDIN_DIR/http.log"
'

test_expect_success 'a wrong password: exit 1, the status and a hint' '
	test_expect_code 1 env C8Y_PASSWORD=wrong tedge-cert upload c8y --user user 2>err &&
	test_grep "401 Unauthorized" err &&
	test_grep "Hint: check the user and password" err
'

test_expect_success 'a user without the role: 403 and what to do' '
	test_expect_code 1 env C8Y_PASSWORD=$C8Y_STANDIN_SECRET tedge-cert upload c8y --user noadmin 2>err &&
	test_grep "Request returned with code: 403 Forbidden" err &&
	test_grep "tenant management admin" err
'

test_expect_success 'upload with C8Y_PASSWORD: 201, and the body Cumulocity expects' '
	C8Y_PASSWORD=$C8Y_STANDIN_SECRET tedge-cert upload c8y --user t12345/user >out 2>err &&
	test_must_be_empty out &&
	echo "Certificate uploaded successfully." >expect &&
	test_cmp expect err &&
	tail -n 1 "$C8Y_STANDIN_DIR/uploads.log" >body &&
	python3 -c "
import json, sys
b = json.load(open(\"body\"))
assert list(b) == [\"name\", \"certInPemFormat\", \"autoRegistrationEnabled\", \"status\"], list(b)
assert b[\"name\"] == \"up-dev\"
assert b[\"certInPemFormat\"] == open(sys.argv[1]).read()
assert b[\"autoRegistrationEnabled\"] is True and b[\"status\"] == \"ENABLED\"
" "$cert"
'

test_expect_success 'after the upload, the stand-in broker accepts the device' '
	device_pub
'

test_expect_success 'a second upload: 409, still exit 0' '
	C8Y_PASSWORD=$C8Y_STANDIN_SECRET tedge-cert upload c8y --user user 2>err &&
	echo "Certificate already exists in the cloud." >expect &&
	test_cmp expect err
'

test_expect_success 'C8YPASS works, with a deprecation warning' '
	C8YPASS=$C8Y_STANDIN_SECRET tedge-cert upload c8y --user user 2>err &&
	test_grep "Detected use of a deprecated env variable, C8YPASS" err &&
	test_grep "Certificate already exists in the cloud." err
'

test_expect_success '--password-stdin reads one line' '
	printf "%s\n" "$C8Y_STANDIN_SECRET" | tedge-cert upload c8y --user user --password-stdin 2>err &&
	test_grep "Certificate already exists in the cloud." err
'

test_expect_success 'a certificate that is not a CA: 422 explained' '
	mkdir -p leaf/device-certs &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=leaf \
		-addext basicConstraints=critical,CA:FALSE \
		-keyout leaf/device-certs/tedge-private-key.pem -out leaf/device-certs/tedge-certificate.pem 2>/dev/null &&
	cp "$TEDGE_CONFIG_DIR/tedge.toml" leaf/ &&
	test_expect_code 1 env C8Y_PASSWORD=$C8Y_STANDIN_SECRET tedge-cert --config-dir leaf upload c8y --user user 2>err &&
	test_grep "422 Unprocessable Entity" err &&
	test_grep "must be a CA certificate" err
'

test_expect_success 'no certificate: Missing file' '
	cp "$TEDGE_CONFIG_DIR/tedge.toml" . &&
	mkdir -p nocert && cp tedge.toml nocert/ &&
	test_expect_code 1 env C8Y_PASSWORD=x tedge-cert --config-dir nocert upload c8y --user user 2>err &&
	test_grep "Missing file: \"$TRASH_DIRECTORY/nocert/device-certs/tedge-certificate.pem\"" err
'

test_expect_success 'no c8y.url: the seed'\''s words' '
	mkdir -p nourl &&
	cp -r "$certs" nourl/ &&
	test_expect_code 1 env C8Y_PASSWORD=x tedge-cert --config-dir nourl upload c8y --user user 2>err &&
	test_grep "Required configuration item is not provided '\''c8y.url'\'', run '\''tedge config set c8y.url <value>'\'' to add it to config." err
'

# Without a terminal: with one, no --user and no C8Y_USER is a prompt.
test_expect_success 'usage errors: no --user, another cloud' '
	test_expect_code 2 setsid tedge-cert upload c8y </dev/null 2>err &&
	test_grep "user" err &&
	test_expect_code 2 tedge-cert upload az --user u &&
	test_expect_code 2 tedge-cert upload --user u
'

test_expect_success 'no terminal and no other source: a clear error, not a hang' '
	test_expect_code 1 setsid tedge-cert upload c8y --user user </dev/null 2>err &&
	test_grep "cannot ask for the password on /dev/tty" err
'

test_expect_success 'a missing c8y.root_cert_path is named, before any request or prompt' '
	: >"$C8Y_STANDIN_DIR/http.log" &&
	test_expect_code 1 env TEDGE_C8Y_ROOT_CERT_PATH=/nonexistent/roots.pem \
		setsid tedge-cert upload c8y --user user </dev/null 2>err &&
	cat >expect <<-\EOF &&
	Error: failed to upload root certificate

	Caused by:
	    c8y.root_cert_path: /nonexistent/roots.pem: No such file or directory (os error 2)
	EOF
	test_cmp expect err &&
	test_must_be_empty "$C8Y_STANDIN_DIR/http.log"
'

test_lazy_prereq AS_NOBODY '
	test_have_prereq ROOT && command -v setpriv &&
	setpriv --reuid=nobody --regid=nogroup --clear-groups true
'

test_expect_success AS_NOBODY 'an unreadable c8y.root_cert_path is named too' '
	chmod 755 "$TRASH_DIRECTORY" "$TEDGE_CONFIG_DIR" &&
	cp "$C8Y_STANDIN_CA" locked.pem &&
	chmod 600 locked.pem &&
	test_expect_code 1 env C8Y_PASSWORD=x TEDGE_C8Y_ROOT_CERT_PATH="$PWD/locked.pem" \
		setpriv --reuid=nobody --regid=nogroup --clear-groups \
		tedge-cert upload c8y --user user 2>err &&
	test_grep "^    c8y.root_cert_path: $PWD/locked.pem: Permission denied (os error 13)$" err
'

test_expect_success 'C8Y_USER stands for --user' '
	C8Y_USER=user C8Y_PASSWORD=$C8Y_STANDIN_SECRET setsid tedge-cert upload c8y </dev/null 2>err &&
	test_grep "Certificate already exists in the cloud." err
'

test_lazy_prereq TMUX 'command -v tmux'

test_expect_success TMUX 'no --user, no C8Y_USER: "Enter username: " on the terminal, echoed' '
	sock="tedge-test3-$$" &&
	test_when_finished "tmux -L $sock kill-server 2>/dev/null; true" &&
	tmux -L $sock new-session -d -s u -x 160 -y 20 \
		"env -u C8Y_USER tedge-cert upload c8y; echo rc=\$? >rc.user; sleep 60" \
		</dev/null >/dev/null 2>&1 3>&- 4>&- 5>&- 7>&- &&
	test_wait_for 10 "tmux -L $sock capture-pane -p -t u | grep -q \"Enter username:\"" &&
	tmux -L $sock send-keys -t u "user" Enter &&
	test_wait_for 10 "tmux -L $sock capture-pane -p -t u | grep -q \"Enter password:\"" &&
	tmux -L $sock send-keys -t u "$C8Y_STANDIN_SECRET" Enter &&
	test_wait_for 20 "test -s rc.user" &&
	echo rc=0 >expect &&
	test_cmp expect rc.user &&
	tmux -L $sock capture-pane -p -t u >screen &&
	test_grep "^Enter username: user$" screen &&
	test_grep "Certificate already exists in the cloud." screen &&
	test_grep ! "$C8Y_STANDIN_SECRET" screen
'

test_expect_success TMUX 'the prompt on a terminal does not echo the password' '
	sock="tedge-test-$$" &&
	test_when_finished "tmux -L $sock kill-server 2>/dev/null; true" &&
	tmux -L $sock new-session -d -s up -x 160 -y 20 \
		"tedge-cert upload c8y --user user; echo rc=\$? >rc; sleep 60" \
		</dev/null >/dev/null 2>&1 3>&- 4>&- 5>&- 7>&- &&
	test_wait_for 10 "tmux -L $sock capture-pane -p -t up | grep -q \"Enter password:\"" &&
	pid=$(tmux -L $sock list-panes -t up -F "#{pane_pid}") &&
	tmux -L $sock send-keys -t up "$C8Y_STANDIN_SECRET" Enter &&
	test_wait_for 20 "test -s rc" &&
	echo rc=0 >expect &&
	test_cmp expect rc &&
	tmux -L $sock capture-pane -p -t up >screen &&
	test_grep "Enter password:" screen &&
	test_grep "Certificate already exists in the cloud." screen &&
	test_grep ! "$C8Y_STANDIN_SECRET" screen &&
	test -n "$pid"
'

# LeakSanitizer cannot run under ptrace: with `make sanitize` this skips;
# with `make valgrind` the wrappers' own execs would be counted: skips too.
test_lazy_prereq STRACE '
	test -z "$TEST_VALGRIND" && command -v strace &&
	strace -f -e trace=execve -o /dev/null tedge-cert --version
'

test_expect_success STRACE 'the password reaches no other program: the upload starts none' '
	C8Y_PASSWORD=$C8Y_STANDIN_SECRET strace -f -e trace=execve,execveat -o trace \
		tedge-cert upload c8y --user user 2>err &&
	test_grep "already exists" err &&
	grep "execve" trace >execs &&
	test_line_count = 2 execs &&
	test_grep "tedge-cert\"" execs &&
	test_grep "tedge-cert-http\"" execs &&
	test_grep ! "$C8Y_STANDIN_SECRET" trace
'

test_expect_success 'the password is in no file the device has' '
	test_must_fail grep -r -l "$C8Y_STANDIN_SECRET" "$TEDGE_CONFIG_DIR"
'

test_expect_success TMUX 'while it waits at the prompt, its argv and environment hold no password' '
	sock="tedge-test2-$$" &&
	test_when_finished "tmux -L $sock kill-server 2>/dev/null; true" &&
	tmux -L $sock new-session -d -s w -x 160 -y 20 \
		"echo \$\$ >shpid; exec tedge-cert upload c8y --user user" \
		</dev/null >/dev/null 2>&1 3>&- 4>&- 5>&- 7>&- &&
	test_wait_for 10 "tmux -L $sock capture-pane -p -t w | grep -q \"Enter password:\"" &&
	p=$(cat shpid) &&
	tmux -L $sock send-keys -t w "typed-secret-x" &&
	tr "\0" "\n" </proc/$p/cmdline >cmdline &&
	tr "\0" "\n" </proc/$p/environ >environ &&
	test_grep "tedge-cert" cmdline &&
	test_grep ! "typed-secret-x" cmdline &&
	test_grep ! "typed-secret-x" environ &&
	test_grep ! "C8Y_PASSWORD" environ
'

test_done
