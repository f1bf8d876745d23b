#!/bin/sh
# Test bodies are strings eval'd by lib.sh, which also reads test_description:
# shellcheck disable=SC2016,SC2034
test_description='tedge completions bash|zsh: asked of the programs at each TAB

The generator (tedge completions --complete N WORD...) runs under the shell
of the test. bash: the function sourced in a bash child, COMP_WORDS and
COMP_CWORD set by hand, COMPREPLY read back (no bash-completion needed).
zsh: the file checked by zsh -n, registered by compinit from fpath and by
compdef, its function run with words and CURRENT set and compadd stood in
for, and real completion: an interactive zsh in a zpty, a TAB typed, the
listing it draws read back. bash and zsh come from the machine (with
TEST_BUSYBOX_PATH too: the user'"'"'s shell, the device'"'"'s tools); what needs one
is skipped without it.'
. ./lib.sh

sh_=$TEST_SHELL_PATH
command -v "${sh_%% *}" >/dev/null || sh_='sh'
# shellcheck disable=SC2086 # TEST_SHELL_PATH may be "busybox sh"
gen () { $sh_ "$TEDGE_EXEC_PATH/tedge-completions" --complete "$@"; }
BASH_=$(PATH=${TEST_SYSTEM_PATH:-$PATH} command -v bash) && test_set_prereq BASH
ZSH_=$(PATH=${TEST_SYSTEM_PATH:-$PATH} command -v zsh) && test_set_prereq ZSH

# comp WORD... [:: ...]: what bash completes for the last WORD (COMPREPLY,
# one a line, in comp.out); COMP_WORDS are the words, COMP_CWORD the last.
comp () {
	"$BASH_" --norc --noprofile -c '
		. ./tedge.bash || exit 1
		w=()
		while [ $# -gt 0 ] && [ "$1" != "::" ]; do w+=("$1"); shift; done
		COMP_WORDS=("${w[@]}") COMP_CWORD=$((${#w[@]} - 1))
		_tedge "${w[0]}" "${w[-1]}" "${w[-2]}"
		[ ${#COMPREPLY[@]} = 0 ] || printf "%s\n" "${COMPREPLY[@]}"' bash "$@" >comp.out
}

# comp_is WORD... :: EXPECTED...: bash completes exactly these, in order
comp_is () {
	comp "$@" &&
	while test "$1" != "::"; do shift; done &&
	shift &&
	if test $# = 0; then : >comp.want; else printf "%s\n" "$@" >comp.want; fi &&
	test_cmp comp.want comp.out
}

commands="config cert connect disconnect reconnect init renew bridge-gen svc check mqtt completions"

test_expect_success 'setup: profiles in two clouds, the scripts printed' '
	tedge-config set c8y.url main.example.com &&
	tedge-config set c8y.url second.example.com --profile second &&
	tedge-config set az.url third.azure-devices.net --profile third &&
	mkdir other &&
	tedge-config --config-dir other set c8y.url x.example.com --profile elsewhere &&
	tedge completions bash >tedge.bash &&
	tedge completions zsh >_tedge &&
	names=$(for c in $commands; do printf " tedge-%s" "$c"; done) &&
	echo "complete -o default -F _tedge tedge$names" >expect &&
	tail -n 1 tedge.bash >last &&
	test_cmp expect last &&
	echo "#compdef tedge$names" >expect &&
	head -n 1 _tedge >first &&
	test_cmp expect first
'

test_expect_success 'generator: the commands, from tedge --help' '
	gen 1 tedge "" >out &&
	printf "%s\n" $commands >expect &&
	test_cmp expect out &&
	sed -n "/^Commands:/,/^\$/s/^  \([a-z-]*\) .*/\1/p" <<-EOF >from-help &&
	$(tedge --help)
	EOF
	test_cmp from-help out
'

test_expect_success 'generator: subcommands, keys, clouds, profiles, option values' '
	gen 2 tedge config "" >out &&
	printf "%s\n" get set unset add remove list >expect &&
	test_cmp expect out &&
	gen 3 tedge config get "" >out &&
	tedge-config list --all | sed -n "s/=.*//p" >expect &&
	test_cmp expect out &&
	test_grep -x c8y.url out &&
	test_grep -x c8y.profiles.second.url out &&
	gen 2 tedge connect "" >out &&
	printf "%s\n" c8y az aws >expect &&
	test_cmp expect out &&
	gen 1 tedge-bridge-gen "" >out &&
	printf "%s\n" c8y az aws local >expect &&
	test_cmp expect out &&
	gen 3 tedge connect --profile "" >out &&
	printf "%s\n" second third >expect &&
	test_cmp expect out &&
	gen 5 tedge --config-dir other connect --profile "" >out &&
	echo elsewhere >expect &&
	test_cmp expect out &&
	gen 4 tedge --config-dir=other connect --profile "" >out &&
	test_cmp expect out &&
	gen 3 tedge-connect --profile=x --offline "" >out &&
	printf "%s\n" c8y az aws >expect &&
	test_cmp expect out &&
	gen 4 tedge mqtt sub -q "" >out &&
	printf "%s\n" 0 1 2 >expect &&
	test_cmp expect out &&
	gen 4 tedge cert renew --ca "" >out &&
	printf "%s\n" c8y self-signed >expect &&
	test_cmp expect out &&
	gen 3 tedge mqtt pub "" >out &&
	test_must_be_empty out &&
	gen 3 tedge nosuch "" >out &&
	test_must_be_empty out
'

test_expect_success BASH 'bash: tedge <TAB> lists the commands; co<TAB> those with co' '
	comp_is tedge "" :: $commands &&
	comp_is tedge co :: config connect completions
'

test_expect_success BASH 'bash: tedge config get c8y.u<TAB> is c8y.url; c8y.<TAB> all c8y keys' '
	comp_is tedge config get c8y.u :: c8y.url &&
	comp tedge config get c8y. &&
	test_grep -x c8y.url comp.out &&
	test_grep -x c8y.root_cert_path comp.out &&
	test_grep -x c8y.profiles.second.url comp.out &&
	test_grep ! -v "^c8y\." comp.out &&
	test_line_count -gt 10 comp.out &&
	comp_is tedge-config set mqtt.client.auth.c :: mqtt.client.auth.ca_file mqtt.client.auth.ca_dir \
		mqtt.client.auth.cert_file
'

test_expect_success BASH 'bash: tedge connect <TAB> is c8y az aws, for every flow and its link' '
	comp_is tedge connect "" :: c8y az aws &&
	comp_is tedge-connect "" :: c8y az aws &&
	comp_is tedge disconnect "" :: c8y az aws &&
	comp_is tedge reconnect --offline a :: az aws &&
	comp_is tedge check cloud "" :: c8y az aws &&
	comp_is tedge -c "$TEDGE_CONFIG_DIR" check doctor a :: az aws
'

test_expect_success BASH 'bash: --profile <TAB> is the configured profiles' '
	comp_is tedge connect c8y --profile "" :: second third &&
	comp_is tedge config get --profile s :: second &&
	comp_is tedge --config-dir other disconnect --profile "" :: elsewhere
'

test_expect_success BASH 'bash: a subcommand'"'"'s options and their values' '
	comp_is tedge mqtt sub --n :: --no-topic &&
	comp tedge mqtt sub -- &&
	for o in --config-dir --qos --no-topic --duration --count --help; do
		test_grep -x -e "$o" comp.out || return 1
	done &&
	comp_is tedge config list --a :: --all &&
	comp_is tedge mqtt pub -q "" :: 0 1 2 &&
	comp_is tedge cert renew c8y --ca s :: self-signed &&
	comp_is tedge svc "" :: start stop restart enable disable is-active is-enabled exists install \
		diagnose detect is-available
'

test_expect_success BASH 'bash: nothing to offer, the shell'"'"'s file names (-o default)' '
	comp tedge mqtt pub "" &&
	test_must_be_empty comp.out &&
	comp tedge cert show --cert-path "" &&
	test_must_be_empty comp.out &&
	"$BASH_" --norc --noprofile -c ". ./tedge.bash && complete -p tedge-config" >out &&
	test_grep "^complete -o default -F _tedge tedge-config\$" out
'

test_expect_success BASH 'bash: words of the line are data, never code' '
	comp tedge config get "\$(touch pwned)" &&
	comp tedge "\$(touch pwned)" "" &&
	comp tedge connect --profile "\`touch pwned\`" &&
	test_path_is_missing pwned
'

test_expect_success ZSH 'zsh: the file parses; compinit registers it from fpath for every name' '
	"$ZSH_" -n _tedge &&
	mkdir -p fp &&
	cp _tedge fp/ &&
	"$ZSH_" -fc "fpath=(fp \$fpath); autoload -U compinit && compinit -u -D &&
		print -r -- \$_comps[tedge] \$_comps[tedge-config] \$_comps[tedge-mqtt]" >out &&
	echo "_tedge _tedge _tedge" >expect &&
	test_cmp expect out &&
	"$ZSH_" -fc "autoload -U compinit && compinit -u -D && eval \"\$(tedge completions zsh)\" &&
		print -r -- \$_comps[tedge] \$_comps[tedge-connect]" >out &&
	echo "_tedge _tedge" >expect &&
	test_cmp expect out
'

# zcomp WORD...: the zsh function run with words and CURRENT as the
# completion system sets them, compadd and _files stood in for.
zcomp () {
	"$ZSH_" -fc '
		compadd () { print -rl -- "${(@P)2}"; }
		_files () { print _files; }
		. ./_tedge
		words=("$@") CURRENT=$#
		_tedge' zsh "$@" >comp.out
}

test_expect_success ZSH 'zsh: _tedge offers what the generator says; else files' '
	zcomp tedge config get c8y.u &&
	gen 3 tedge config get c8y.u >expect &&
	test_cmp expect comp.out &&
	zcomp tedge connect "" &&
	printf "%s\n" c8y az aws >expect &&
	test_cmp expect comp.out &&
	zcomp tedge connect --profile "" &&
	printf "%s\n" second third >expect &&
	test_cmp expect comp.out &&
	zcomp tedge mqtt pub "" &&
	echo _files >expect &&
	test_cmp expect comp.out
'

# ztab LINE WANT: an interactive zsh (zpty) with _tedge in fpath and
# compinit; LINE and a TAB typed; what the terminal shows (escapes taken
# out) must come to hold WANT within 10 s. In ztab.out.
ztab () {
	cat >ztab.zsh <<-\EOF &&
	zmodload zsh/zpty || exit 1
	setopt extendedglob
	zsh_=$1
	shift
	zpty z "$zsh_" -f -i
	zpty -w z 'PS1="P> "; fpath=(fp $fpath); autoload -U compinit; compinit -u -D; print RE""ADY'
	zpty -r z line '*READY*' || exit 1
	zpty -w -n z "$1"$'\t'
	out= end=$((SECONDS + 10))
	while ((SECONDS < end)); do
		zpty -r -t z chunk && out+=$chunk || sleep 0.1
		clean=${${out//$'\e'\[[0-9;?]#[a-zA-Z]/}//[$'\r\a\b']/}
		[[ $clean == *"$2"* ]] && break
	done
	print -r -- "$clean"
	zpty -d z
	[[ $clean == *"$2"* ]]
	EOF
	"$ZSH_" -f ztab.zsh "$ZSH_" "$@" >ztab.out
}

test_expect_success ZSH 'zsh, for real: TAB in an interactive zsh completes and lists' '
	ztab "tedge conn" "tedge connect " &&
	ztab "tedge connect " "aws  az   c8y" &&
	ztab "tedge config get c8y.ur" "tedge config get c8y.url " &&
	ztab "tedge-connect --profile th" "tedge-connect --profile third "
'

test_expect_success 'usage: a shell is needed, bash or zsh; --help' '
	test_expect_code 2 tedge completions >out 2>err &&
	test_must_be_empty out &&
	test_grep "^error: the following required arguments were not provided: <SHELL>\$" err &&
	test_expect_code 2 tedge completions fish 2>err &&
	test_grep "^error: invalid value .fish. for .<SHELL>.: bash or zsh\$" err &&
	test_expect_code 2 tedge completions bash zsh 2>err &&
	tedge completions --help >out &&
	test_grep "^usage: tedge-completions bash|zsh\$" out
'

# make install runs where the toolkit is built: the machine's PATH.
test_expect_success 'make install: the files where bash-completion and zsh look, a link per name' '
	PATH=${TEST_SYSTEM_PATH:-$PATH} make -s -C "$TEDGE_ROOT" install DESTDIR="$TRASH_DIRECTORY/dest" PREFIX=/usr >make.out 2>&1 &&
	bc=dest/usr/share/bash-completion/completions &&
	test_cmp tedge.bash "$bc/tedge" &&
	test_cmp _tedge dest/usr/share/zsh/vendor-completions/_tedge &&
	for c in $commands; do
		test "$(readlink "$bc/tedge-$c")" = tedge || return 1
	done &&
	PATH=${TEST_SYSTEM_PATH:-$PATH} make -s -C "$TEDGE_ROOT" uninstall DESTDIR="$TRASH_DIRECTORY/dest" PREFIX=/usr >make.out 2>&1 &&
	test_path_is_missing "$bc/tedge" &&
	test_path_is_missing "$bc/tedge-config" &&
	test_path_is_missing dest/usr/share/zsh/vendor-completions/_tedge
'

test_done
