# tests/e2e/lib/common.sh: pieces the e2e scripts share; sourced by them, not run (tests/run
# runs only tests/e2e/*.sh). The sourcing script sets E2E_NAME, the prefix of its messages, and
# defines usage().

die() { printf '%s: %s\n' "$E2E_NAME" "$*" >&2; exit 2; }

# The options of go.sh, shell.sh and tty.sh: sets SYSCORN_OPT, ARCH_OPT, ONLY, TIMEOUT, KEEP
# and LIST, whose defaults the script sets first.
parse_options() { # ARGS...
	while [ $# -gt 0 ]; do
		case $1 in
		--syscorn) [ $# -ge 2 ] || die "--syscorn needs a value"; SYSCORN_OPT=$2; shift 2 ;;
		--syscorn=*) SYSCORN_OPT=${1#*=}; shift ;;
		--arch) [ $# -ge 2 ] || die "--arch needs a value"; ARCH_OPT=$2; shift 2 ;;
		--arch=*) ARCH_OPT=${1#*=}; shift ;;
		--only) [ $# -ge 2 ] || die "--only needs a value"; ONLY=$2; shift 2 ;;
		--only=*) ONLY=${1#*=}; shift ;;
		--timeout) [ $# -ge 2 ] || die "--timeout needs a value"; TIMEOUT=$2; shift 2 ;;
		--timeout=*) TIMEOUT=${1#*=}; shift ;;
		--keep) KEEP=1; shift ;;
		--list) LIST=1; shift ;;
		-h | --help) usage; exit 0 ;;
		*) usage >&2; exit 2 ;;
		esac
	done
}

# Checks ARCH_OPT, TIMEOUT and ONLY; sets ARCHES.
check_options() {
	case $ARCH_OPT in
	amd64 | arm64) ARCHES=("$ARCH_OPT") ;;
	both) ARCHES=(amd64 arm64) ;;
	*) die "--arch must be amd64, arm64 or both" ;;
	esac
	[[ $TIMEOUT =~ ^[1-9][0-9]*$ ]] || die "--timeout must be a positive integer"
	[[ x =~ $ONLY ]]
	[ $? != 2 ] || die "--only: invalid regular expression '$ONLY'"
}

# Sets SYSCORN_BIN, the absolute path of the emulator SYSCORN_OPT names (runs happen inside
# the work directory, so it must be absolute).
find_syscorn() {
	if [[ $SYSCORN_OPT != */* ]]; then
		SYSCORN_OPT=$(command -v -- "$SYSCORN_OPT") || die "syscorn command not found"
	fi
	SYSCORN_BIN=$(readlink -f "$SYSCORN_OPT") || true
	[ -n "$SYSCORN_BIN" ] && [ -x "$SYSCORN_BIN" ] && [ -f "$SYSCORN_BIN" ] ||
		die "emulator '$SYSCORN_OPT' is not an executable file (build it, or pass --syscorn PATH)"
}

pending_reason() { # CASE -> reason, or nothing (from the script's PENDING table)
	awk -F'\t' -v p="$1" '$1 == p { print $2 }' <<<"$PENDING"
}

# Status as text: "7" or "139 (SIGSEGV)".
status_text() { # STATUS
	local s=$1
	if [[ $s =~ ^[0-9]+$ ]] && [ "$s" -gt 128 ] && [ "$s" -lt 193 ]; then
		printf '%s (SIG%s)' "$s" "$(kill -l $((s - 128)) 2>/dev/null || echo '?')"
	else
		printf '%s' "$s"
	fi
}

# Anything still running from a case (its command lines name $TMP) was left behind: lists it
# in DEST/left and kills it.
check_left() { # DEST
	local left
	sleep 0.05
	left=$(pgrep -f -- "$TMP/" | grep -vx "$$" || true)
	if [ -n "$left" ]; then
		ps -o pid,ppid,stat,args -p "$(tr '\n' ',' <<<"$left" | sed 's/,$//')" >"$1/left" 2>/dev/null
		kill -9 $left 2>/dev/null
	fi
}

# The summary on stderr; RESULTS is removed when nothing failed and --keep was not given.
print_summary() { # [WHAT]: what RESULTS holds, "results" by default
	printf '%s: %d passed, %d failed, %d skipped\n' "$E2E_NAME" "$n_pass" "$n_fail" "$n_skip" >&2
	if [ "$n_fail" -eq 0 ] && [ "$KEEP" = 0 ]; then
		rm -rf "$RESULTS"
	else
		printf '%s: %s in %s\n' "$E2E_NAME" "${1:-results}" "$RESULTS" >&2
	fi
}
