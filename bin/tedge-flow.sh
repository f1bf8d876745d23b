# shellcheck shell=sh disable=SC2034,SC2154
# (variables here are set for, or by, the flow that sources this file)
# SPDX-License-Identifier: Apache-2.0
# tedge-flow.sh: what tedge-connect, tedge-disconnect, tedge-reconnect and
# tedge-init share. Sourced, not run. POSIX sh: dash and BusyBox ash.
#
# The programs of the toolkit are taken from $TEDGE_EXEC_PATH, else from the
# directory this library was found in (flow_lib, set by the flow), never
# from $PATH. Paths under the configuration directory, and what a cloud is
# (which there are, their names, their bridge files), are the C programs' to
# say: no `cd`, so CDPATH changes nothing either.

unset CDPATH
flow_name=${0##*/}
flow_nl='
'
flow_bindir=${TEDGE_EXEC_PATH:-${flow_lib%/*}}

# Each program by its path; the environment passes through.
tedge_config () { "$flow_bindir/tedge-config" "$@"; }
tedge_svc () { "$flow_bindir/tedge-svc" "$@"; }
tedge_check () { "$flow_bindir/tedge-check" "$@"; }
tedge_bridge_gen () { "$flow_bindir/tedge-bridge-gen" "$@"; }
tedge_cert () { "$flow_bindir/tedge-cert" "$@"; }
# in_ctx COMMAND ARGS...: the command under the flow's error context, $ctx
# (thin-edge's "Error: <ctx>" over the command's own error as its cause).
in_ctx () { TEDGE_ERROR_CONTEXT=$ctx "$@"; }

# A line for people, and the empty line thin-edge puts after each.
say () { printf '%s\n\n' "$*"; }

# say_each COMMAND ARGS...: runs the command, and says each line of its
# stdout as it comes (the empty line after each); its stderr passes
# through. Sets say_rc to its exit status.
say_each () {
	exec 4>&1
	say_rc=$({ { "$@" 3>&- 4>&-; echo $? >&3; } | say_lines_ >&4; } 3>&1)
	exec 4>&-
}
say_lines_ () {
	while IFS= read -r say_l_; do say "$say_l_"; done
}

# fail CONTEXT CAUSE...: thin-edge's error on stderr, then exit $fail_code
# (default 1). One cause is indented; several are numbered.
fail () {
	fail_ctx_=$1
	shift
	printf 'Error: %s\n' "$fail_ctx_" >&2
	if [ $# -eq 1 ]; then
		printf '\nCaused by:\n    %s\n' "$1" >&2
	elif [ $# -gt 1 ]; then
		printf '\nCaused by:\n' >&2
		fail_i_=0
		for fail_c_ in "$@"; do
			printf '    %d: %s\n' "$fail_i_" "$fail_c_" >&2
			fail_i_=$((fail_i_ + 1))
		done
	fi
	exit "${fail_code:-1}"
}

usage_error () {
	printf 'error: %s\n\n%s\n' "$1" "$flow_usage" >&2
	exit 2
}

# flow_secs OPTION ARGS...: the value of --wait or --timeout, checked as
# tedge-check checks it, before the flow does anything: whole seconds from
# 1 to 86400.
flow_secs () {
	[ $# -ge 2 ] || usage_error "$1 needs a number of seconds"
	case $2 in
	'' | *[!0-9]* | 0*) ;;
	*) [ ${#2} -gt 5 ] || [ "$2" -gt 86400 ] || return 0 ;;
	esac
	usage_error "invalid value '$2' for '$1 <SECS>': whole seconds, from 1 to 86400"
}

# Parses the options every flow takes; sets flow_cloud and the variables of
# the flow's own options (through flow_option, which the flow defines).
# Usage: flow_args "$@"
flow_args () {
	flow_cloud='' flow_prof='' flow_at=''
	while [ $# -gt 0 ]; do
		case $1 in
		-c | --config-dir)
			if [ $# -lt 2 ] || [ -z "$2" ]; then
				usage_error "$1 needs a directory"
			fi
			TEDGE_CONFIG_DIR=$2
			export TEDGE_CONFIG_DIR
			shift
			;;
		--config-dir=*)
			TEDGE_CONFIG_DIR=${1#--config-dir=}
			[ -n "$TEDGE_CONFIG_DIR" ] || usage_error "--config-dir needs a directory"
			export TEDGE_CONFIG_DIR
			;;
		--profile | --profile=*)
			case $1 in *=*) flow_prof=${1#*=} ;; *) flow_prof=${2-} && shift ;; esac
			[ -n "$flow_prof" ] || usage_error "--profile needs a name"
			TEDGE_CLOUD_PROFILE=$flow_prof
			;;
		-h | --help)
			printf '%s\n' "$flow_help"
			exit 0
			;;
		-V | --version)
			printf '%s %s\n' "$flow_name" "$("$flow_bindir/tedge-config" --version | sed 's/.* //')"
			exit 0
			;;
		--)
			shift
			break
			;;
		-*)
			flow_option "$@" || usage_error "unexpected argument '$1' found"
			shift "$flow_shift"
			continue
			;;
		*)
			[ -z "$flow_cloud" ] || usage_error "unexpected argument '$1' found"
			flow_cloud=$1
			;;
		esac
		shift
	done
	if [ $# -gt 0 ]; then
		if [ -n "$flow_cloud" ] || [ $# -gt 1 ]; then
			usage_error "unexpected argument '$1' found"
		fi
		flow_cloud=$1
	fi
	[ -n "$flow_cloud" ] || usage_error "the following required arguments were not provided: <CLOUD>"
	export TEDGE_CLOUD_PROFILE
	flow_describe
	flow_quiet_unknown_keys
}

# What a cloud is comes from its table (lib/cloud.c), through
# `tedge-bridge-gen --describe`: flow_title, its display name (Cumulocity),
# and flow_bridge, its bridge file. A cloud that is none of them is refused
# there, and its usage error is shown as the flow's, with the flow's usage.
# A profile (--profile, else TEDGE_CLOUD_PROFILE) too: flow_at is @NAME.
flow_describe () {
	flow_out_=$(tedge_bridge_gen --describe ${flow_prof:+--profile "$flow_prof"} -- "$flow_cloud" 2>&1)
	case $? in
	0) ;;
	2)
		flow_out_=${flow_out_#error: } flow_out_=${flow_out_#Error: }
		usage_error "${flow_out_%"$flow_nl$flow_nl"For more information*}"
		;;
	*)
		printf '%s\n' "$flow_out_" >&2
		exit 1
		;;
	esac
	# The path is last: it may hold any byte, a newline too.
	flow_title=${flow_out_%%"$flow_nl"*}
	flow_bridge=${flow_out_#*"$flow_nl"}
	case ${flow_bridge##*/} in *@*) flow_at=@${flow_bridge##*@} flow_at=${flow_at%-bridge.conf} ;; esac
}

# Warnings about keys of tedge.toml that no program knows, shown once: the
# programs the flow runs after this say nothing more of them. A file that
# cannot be read is left to the step that needs it, which says why.
flow_quiet_unknown_keys () {
	if flow_warn_=$(tedge_config get mqtt.bind.port 2>&1 >/dev/null); then
		[ -z "$flow_warn_" ] || printf '%s\n' "$flow_warn_" >&2
	fi
	TEDGE_QUIET_UNKNOWN_KEYS=1
	export TEDGE_QUIET_UNKNOWN_KEYS
}

# svc_installed NAME [PROGRAM]: whether the service manager has NAME: 0 yes,
# 1 no. A manager that cannot tell (thin-edge's system.toml has no such
# command) answers by PROGRAM on PATH, as thin-edge does, else yes.
svc_installed () {
	svc_out_=$(tedge_svc exists "$1" 2>&1)
	case $?:$svc_out_ in
	0:*) return 0 ;;
	1:) return 1 ;;
	esac
	[ -z "${2:-}" ] || command -v "$2" >/dev/null 2>&1
}

# The service manager that is running: flow_manager gets its name, and
# flow_has_manager is 1 when there is one. When there is none, flow_manager
# is the one that was named (service.manager, system.toml), else systemd,
# as thin-edge says. Another failure (a bad system.toml, say) ends the flow
# with that program's error.
flow_detect_manager () {
	flow_manager=$(tedge_svc detect 2>/dev/null)
	case $? in
	0) flow_has_manager=1 ;;
	4) flow_has_manager=0 flow_manager=${flow_manager:-systemd} ;;
	*)
		TEDGE_ERROR_CONTEXT=${1:-} tedge_svc detect >/dev/null
		exit 1
		;;
	esac
}
