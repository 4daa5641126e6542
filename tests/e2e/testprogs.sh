#!/bin/bash
# testprogs.sh: differential tests with the project's own guest programs (testprogs/*.c).
#
# For every built test program <prog>-<variant> (variants x86_64, x86_64-musl, arm64) and
# every argument set of the table below, the program runs twice, each time with a fresh,
# empty work directory at the same path as its cwd, stdin from /dev/null, and the environment
#   env -i PATH=/usr/bin:/bin HOME=<work dir> LC_ALL=C TZ=UTC0 SYSCORN_TEST_VAR=... SYSCORN_TEST_EMPTY=
#   reference: x86_64 variants natively, arm64 under qemu-aarch64
#   syscorn:   $SYSCORN PROGRAM ARGS...
# and the two runs must agree on stdout and exit status (128+N for death by signal N; for
# programs expected to die by a signal, only the status is compared and both stdouts must be
# empty).  stderr is saved, not compared.
#
# The reference run must also pass the program's own checks ("ok"/"FAIL" lines, a final
# "summary: N checks, 0 failed", exit 0), or give the status the table expects: a reference
# that does not is reported as a FAIL too, since that is a bug in the test program.
#
# Output: one line per case, "PASS id", "FAIL id: reason (see DIR)" or "SKIP id: reason",
# with id = <prog>-<variant>[-<argset>]; a summary goes to stderr.
# Exit status: 0 when the cases ran (failed or not), 2 on a usage or setup error.
set -uo pipefail

HERE=$(dirname "$(readlink -f "$0")")
ROOT=$(readlink -f "$HERE/../..")
E2E_NAME=testprogs
. "$HERE/lib/common.sh"

usage() {
	cat <<'EOF'
usage: tests/e2e/testprogs.sh [--syscorn PATH] [--testprogs DIR] [--variant V[,V...]]
                              [--only REGEX] [--timeout SECS] [--keep]
  --syscorn    emulator to test (default: $SYSCORN, else build/syscorn in the repo)
  --testprogs  directory of the built test programs (default: $TESTPROGS, else build/testprogs)
  --variant    x86_64, x86_64-musl and/or arm64, comma-separated (default: all three)
  --only       run only the ids (<prog>-<variant>[-<argset>]) matching this extended regex
  --timeout    seconds before a run is killed (default: 60)
  --keep       keep the results directory even when every case passes
EOF
}

SYSCORN_OPT=${SYSCORN:-$ROOT/build/syscorn}
TESTPROGS_OPT=${TESTPROGS:-$ROOT/build/testprogs}
VARIANT_OPT=x86_64,x86_64-musl,arm64
ONLY=""
TIMEOUT=60
KEEP=0
while [ $# -gt 0 ]; do
	case $1 in
	--syscorn) [ $# -ge 2 ] || die "--syscorn needs a value"; SYSCORN_OPT=$2; shift 2 ;;
	--syscorn=*) SYSCORN_OPT=${1#*=}; shift ;;
	--testprogs) [ $# -ge 2 ] || die "--testprogs needs a value"; TESTPROGS_OPT=$2; shift 2 ;;
	--testprogs=*) TESTPROGS_OPT=${1#*=}; shift ;;
	--variant) [ $# -ge 2 ] || die "--variant needs a value"; VARIANT_OPT=$2; shift 2 ;;
	--variant=*) VARIANT_OPT=${1#*=}; shift ;;
	--only) [ $# -ge 2 ] || die "--only needs a value"; ONLY=$2; shift 2 ;;
	--only=*) ONLY=${1#*=}; shift ;;
	--timeout) [ $# -ge 2 ] || die "--timeout needs a value"; TIMEOUT=$2; shift 2 ;;
	--timeout=*) TIMEOUT=${1#*=}; shift ;;
	--keep) KEEP=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
VARIANTS=()
IFS=, read -ra vs <<<"$VARIANT_OPT"
for v in "${vs[@]}"; do
	case $v in x86_64 | x86_64-musl | arm64) VARIANTS+=("$v") ;; *) die "unknown variant '$v'" ;; esac
done
[ ${#VARIANTS[@]} -gt 0 ] || die "no variant selected"
[[ $TIMEOUT =~ ^[1-9][0-9]*$ ]] || die "--timeout must be a positive integer"
for t in timeout env cmp diff mktemp; do
	command -v "$t" >/dev/null || die "'$t' is required"
done
if [ -n "$ONLY" ]; then
	[[ x =~ $ONLY ]]
	[ $? -le 1 ] || die "--only: invalid regex '$ONLY'"
fi

# Runs happen inside the work directory, so the paths must be absolute.
find_syscorn
TESTPROGS_DIR=$(readlink -f "$TESTPROGS_OPT") || true
[ -n "$TESTPROGS_DIR" ] && [ -d "$TESTPROGS_DIR" ] ||
	die "no test program directory '$TESTPROGS_OPT' (build the project, or pass --testprogs DIR)"
QEMU=$(command -v qemu-aarch64 || true)

# Programs expected to die by a signal must not dump core into the work directory.
ulimit -c 0

# ---------------------------------------------------------------- cases
# prog  argset  variants  expect  args (shell words)
#   variants: "all" or a comma-separated list
#   expect:   ok       the program's own checks pass: exit 0, no FAIL line, "summary: ..., 0 failed"
#             N        exit status N
#             SIGxxx   death by that signal (stdout must be empty)
#             self     the program's own checks, as for ok, on the syscorn run alone: for what
#                      neither the native system nor qemu-user can run (an exec chain across
#                      architectures), so there is no reference to compare with
# A program without a line here runs once, without arguments, expecting "ok".
CASES=$(
	cat <<'EOF'
hello   noargs   all                 0
hello   args     all                 7        7 a 'b c' ''
hello   words    all                 0        -x '--y=z' $'tab\there' 'quote"s' "it's" 'ü' '*' '$HOME'
hello   exit0    all                 0        0
hello   exit3    all                 3        3
hello   exit255  all                 255      255
hello   exit256  all                 0        256
crash   null     all                 SIGSEGV  null
crash   exec     all                 SIGSEGV  exec
crash   stack    all                 SIGSEGV  stack
crash   trap     x86_64,x86_64-musl  SIGILL   trap
crash   trap     arm64               SIGTRAP  trap
crash   ill      all                 SIGILL   ill
crash   bus      all                 SIGBUS   bus
crash   fpe      x86_64,x86_64-musl  SIGFPE   fpe
crash   fpe      arm64               0        fpe
crash   abort    all                 SIGABRT  abort
crash   kill     all                 SIGTERM  kill
procs   main     all                 ok
procs   chain    all                 self     chain
EOF
)

# Sets argv to the shell words of STRING.  (Not "argv=($1)": a leading "[" would be
# taken for an array subscript.)
split_words() { # STRING
	eval "set -- $1" || return 1
	argv=("$@")
}

# Status a SIGxxx expectation stands for.
signal_status() { # SIGNAME
	local n
	n=$(kill -l "${1#SIG}" 2>/dev/null) || return 1
	echo $((128 + n))
}

# ---------------------------------------------------------------- running
TMP=$(mktemp -d "${TMPDIR:-/tmp}/syscorn-testprogs.XXXXXX") || die "mktemp failed"
RESULTS=$(mktemp -d "${TMPDIR:-/tmp}/syscorn-testprogs-results.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$TMP"' EXIT
WORK=$TMP/work
OUT=$TMP/out

# Runs CMD in a fresh $WORK; leaves stdout, stderr and status in DEST.
run_one() { # DEST CMD...
	local dest=$1
	shift
	mkdir -p "$dest"
	rm -rf "$WORK"
	mkdir "$WORK" || return 1
	# The braces take the shell's own "Segmentation fault" report away from our stderr.
	{
		(
			cd "$WORK" || exit 125
			# Only stdin, stdout and stderr are open in the programs (they check fd numbers).
			for fd in /proc/$BASHPID/fd/*; do
				fd=${fd##*/}
				[ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-"
			done 2>/dev/null
			exec timeout -s KILL "$TIMEOUT" env -i PATH=/usr/bin:/bin HOME="$WORK" LC_ALL=C TZ=UTC0 \
				SYSCORN_TEST_VAR='x y=z' SYSCORN_TEST_EMPTY= \
				"$@" </dev/null >"$dest/stdout" 2>"$dest/stderr"
		)
	} 2>/dev/null
	echo $? >"$dest/status"
	rm -rf "$WORK"
}

# Does the reference run meet the expectation? Prints why not.
check_reference() { # DIR EXPECT
	local d=$1 expect=$2 s want
	s=$(<"$d/status")
	case $expect in
	ok)
		if [ "$s" != 0 ]; then
			printf 'exit status %s' "$(status_text "$s")"
			grep -m1 '^FAIL ' "$d/stdout" | cut -c1-120 | sed 's/^/, /'
			return 1
		fi
		if grep -q '^FAIL ' "$d/stdout"; then
			printf '%s' "$(grep -m1 '^FAIL ' "$d/stdout" | cut -c1-120)"
			return 1
		fi
		if ! tail -n 1 "$d/stdout" | grep -Eq '^summary: [0-9]+ checks, 0 failed$'; then
			printf 'no "summary: N checks, 0 failed" line at the end'
			return 1
		fi
		;;
	SIG*)
		want=$(signal_status "$expect") || { printf 'bad expectation %s' "$expect"; return 1; }
		if [ "$s" != "$want" ]; then
			printf 'exit status %s, want %s' "$(status_text "$s")" "$(status_text "$want")"
			return 1
		fi
		if [ -s "$d/stdout" ]; then
			printf 'stdout not empty'
			return 1
		fi
		;;
	*)
		if [ "$s" != "$expect" ]; then
			printf 'exit status %s, want %s' "$(status_text "$s")" "$(status_text "$expect")"
			return 1
		fi
		;;
	esac
	return 0
}

# Compares the reference run with the syscorn run; prints the reason for a difference and
# saves both runs in SAVEDIR.
compare_runs() { # REFDIR EMUDIR EXPECT SAVEDIR
	local r=$1 e=$2 expect=$3 save=$4 why=() rs es
	rs=$(<"$r/status") es=$(<"$e/status")
	if [ "$rs" != "$es" ]; then
		local note=""
		[ "$es" = 137 ] && note=", killed (timeout ${TIMEOUT}s?)"
		why+=("exit status $(status_text "$es"), want $(status_text "$rs")$note")
	fi
	if [[ $expect == SIG* ]]; then
		[ -s "$e/stdout" ] && why+=("stdout not empty")
	elif ! cmp -s "$r/stdout" "$e/stdout"; then
		# First differing line, for a useful one-line reason.
		local n line
		n=$(cmp "$r/stdout" "$e/stdout" 2>/dev/null | sed -n 's/.* line \([0-9]*\)$/\1/p')
		if [ -n "$n" ]; then
			line=$(sed -n "${n}p" "$e/stdout" | cut -c1-80)
			why+=("stdout differs at line $n: '$line'")
		else
			why+=("stdout differs (one is a prefix of the other: $(wc -l <"$r/stdout") vs $(wc -l <"$e/stdout") lines)")
		fi
	fi
	[ ${#why[@]} -eq 0 ] && return 0
	mkdir -p "$save"
	cp -r "$r" "$save/reference"
	cp -r "$e" "$save/syscorn"
	diff -u "$r/stdout" "$e/stdout" | head -n 500 >"$save/stdout.diff"
	local IFS=';'
	printf '%s' "${why[*]}" | sed 's/;/; /g'
	return 1
}

# ---------------------------------------------------------------- pending work
# Programs that exercise features of later issues. They still run; a failure is reported as
# SKIP naming the issue (so it is visible, and never counted as passing), a pass as PASS.
# Remove a line when its issue lands.
PENDING='
'

# ---------------------------------------------------------------- main loop
shopt -s nullglob
declare -A progs=()
for v in "${VARIANTS[@]}"; do
	for f in "$TESTPROGS_DIR"/*-"$v"; do
		p=$(basename "$f")
		p=${p%-"$v"}
		[ -x "$f" ] && [ -f "$f" ] && progs[$p]=1
	done
done
[ ${#progs[@]} -gt 0 ] || die "no test programs (<prog>-<variant>) in $TESTPROGS_DIR"
mapfile -t prog_list < <(printf '%s\n' "${!progs[@]}" | LC_ALL=C sort)

US=$'\x1f' # field separator for the argument sets (not whitespace: fields may be empty)
n_pass=0 n_fail=0 n_skip=0
for prog in "${prog_list[@]}"; do
	for variant in "${VARIANTS[@]}"; do
		bin=$TESTPROGS_DIR/$prog-$variant
		[ -x "$bin" ] || continue
		# this program's argument sets for this variant: "argset<US>expect<US>args"
		sets=()
		while read -r cprog cset cvariants cexpect cargs; do
			[ "$cprog" = "$prog" ] || continue
			[ "$cvariants" = all ] || [[ ,$cvariants, == *,$variant,* ]] || continue
			sets+=("$cset$US$cexpect$US$cargs")
		done <<<"$CASES"
		[ ${#sets[@]} -gt 0 ] || sets=("${US}ok$US")

		for set in "${sets[@]}"; do
			IFS=$US read -r argset expect args <<<"$set"
			id=$prog-$variant${argset:+-$argset}
			[ -z "$ONLY" ] || [[ $id =~ $ONLY ]] || continue
			split_words "$args" || die "cannot parse the arguments of $id: $args"
			if [ "$variant" = arm64 ]; then
				if [ -z "$QEMU" ]; then
					echo "SKIP $id: qemu-aarch64 not found (needed for the arm64 reference)"
					n_skip=$((n_skip + 1))
					continue
				fi
				ref=("$QEMU" "$bin")
				refname=qemu-aarch64
			else
				ref=("$bin")
				refname=native
			fi
			rm -rf "$OUT"
			if [ "$expect" = self ]; then
				run_one "$OUT/syscorn" "$SYSCORN_BIN" "$bin" "${argv[@]}"
				if why=$(check_reference "$OUT/syscorn" ok); then
					echo "PASS $id"
					n_pass=$((n_pass + 1))
				else
					mkdir -p "$RESULTS/$id"
					cp -r "$OUT/syscorn" "$RESULTS/$id/syscorn"
					echo "FAIL $id: $why (see $RESULTS/$id)"
					n_fail=$((n_fail + 1))
				fi
				continue
			fi
			run_one "$OUT/reference" "${ref[@]}" "${argv[@]}"
			if ! why=$(check_reference "$OUT/reference" "$expect"); then
				mkdir -p "$RESULTS/$id"
				cp -r "$OUT/reference" "$RESULTS/$id/reference"
				echo "FAIL $id: the reference ($refname) fails the program's own checks: $why (a test program bug; see $RESULTS/$id)"
				n_fail=$((n_fail + 1))
				continue
			fi
			run_one "$OUT/syscorn" "$SYSCORN_BIN" "$bin" "${argv[@]}"
			if why=$(compare_runs "$OUT/reference" "$OUT/syscorn" "$expect" "$RESULTS/$id"); then
				echo "PASS $id"
				n_pass=$((n_pass + 1))
			elif pending=$(pending_reason "$prog") && [ -n "$pending" ]; then
				echo "SKIP $id: pending $pending: $why"
				n_skip=$((n_skip + 1))
			else
				echo "FAIL $id: $why (see $RESULTS/$id)"
				n_fail=$((n_fail + 1))
			fi
		done
	done
done

print_summary
exit 0
