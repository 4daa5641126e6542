#!/bin/bash
# tty.sh: Ctrl-C from a terminal. A guest runs in a tmux pane (a real pseudo-terminal, so the
# tty's line discipline turns the C-c keystroke into a SIGINT to the foreground process group)
# and must stop, or run its SIGINT handler, exactly as the same program does run natively
# (amd64) or under qemu-aarch64 (arm64), and leave no process behind.
#
# Cases (see the table below), each in two modes:
#   job     the pane runs an interactive bash (job control: the command is typed, becomes the
#           foreground process group, alone in it; the status is $? at the next prompt)
#   script  the pane runs `bash -c 'trap : INT; COMMAND; echo status=$?'` (no job control: the
#           host shell shares the process group and survives the SIGINT through its trap)
# Every run happens in a fresh tmux server on a private socket (tmux -S, no config), in a
# fresh empty work directory at the same path, with
#   env -i PATH=<bin>:/usr/bin:/bin HOME=<work dir> TERM=screen LC_ALL=C TZ=UTC0 B=<bin> R=<runner>
# where <bin> holds bash, sh and busybox of one architecture and the command is written as
# `$R $B/PROGRAM ...`:
#   amd64: reference R= (native), amd64 links;    syscorn: R=$SYSCORN
#   arm64: syscorn with arm64 links, against a reference that is either
#            q  qemu-aarch64 with arm64 links (cases that start no other program), or
#            n  the amd64 reference (Debian builds both architectures alike)
# Once the guest's processes exist (found by their cwd, the work directory), C-c is sent; the
# command must then end within $STOP seconds, with the reference's exit status and the
# reference's screen (the pane's text, prompt and ^C echo included). Afterwards no process of
# the case may remain: none whose cwd is the work directory or whose command line names the
# case's directory, none in the pane's session, none under the pane's shell (zombies included).
#
# Output: one line per case, mode and architecture, "PASS id", "FAIL id: reason" or
# "SKIP id: reason", with id = <case>-<mode>-<arch>; a summary goes to stderr. Cases in the
# PENDING table need work that is not done yet: they run, and a failure is a SKIP naming it.
# Without tmux every case is a SKIP.
# Exit status: 0 when the cases ran (failed or not), 2 on a usage or setup error.
set -uo pipefail

HERE=$(dirname "$(readlink -f "$0")")
ROOT=$(readlink -f "$HERE/../..")
E2E_NAME=tty
. "$HERE/lib/common.sh"
CACHE=${SYSCORN_CACHE:-$HOME/.cache/syscorn}

usage() {
	cat <<'EOF'
usage: tests/e2e/tty.sh [--syscorn PATH] [--arch amd64|arm64|both] [--only REGEX]
                        [--timeout SECS] [--keep] [--list]
  --syscorn  emulator to test (default: $SYSCORN, else build/syscorn in the repo)
  --arch     guest architecture(s) (default: both)
  --only     run only the ids (<case>-<mode>-<arch>) matching this extended regex
  --timeout  seconds to wait for the pane, the guest to start and the guest to stop after
             C-c (default: 20; the guest must stop within min(10, this) seconds after C-c)
  --keep     keep the results directory, with every run's results, even when all pass
  --list     print the cases and exit
Binaries come from ${SYSCORN_CACHE:-~/.cache/syscorn}/bin; run tests/fetch-binaries first.
EOF
}

SYSCORN_OPT=${SYSCORN:-$ROOT/build/syscorn}
ARCH_OPT=both
ONLY=""
TIMEOUT=20
KEEP=0
LIST=0
parse_options "$@"
check_options
STOP=$((TIMEOUT < 10 ? TIMEOUT : 10))
MODES=(job script)

# ---------------------------------------------------------------- cases
# case_ NAME REF READY COMMAND
#   REF      q or n (see above)
#   READY    conditions, separated by ';', that must all hold before C-c is sent: an
#            extended regex, matched by the command line of a process of the case that is
#            asleep; or screen:TEXT, a line of the pane that is TEXT
#   COMMAND  the command line, typed at the prompt (job) or run by the host shell (script)
NAMES=() REFS=() READYS=() CMDS=()
case_() {
	NAMES+=("$1") REFS+=("$2") READYS+=("$3") CMDS+=("$4")
}
# A guest with SIGINT at its default action: killed by it, status 130.
case_ sleep     q '(^|/)busybox sleep 100$' \
	'$R $B/busybox sleep 100'
# A guest with a SIGINT handler (bash's trap) interrupted in wait4; the handler prints, ends
# the background job (which a non-interactive shell starts with SIGINT ignored) and exits 7.
case_ bash-trap n 'screen:waiting;(^|/)busybox sleep 100$' \
	'$R $B/bash -c '\''trap "echo caught INT; kill \$p; exit 7" INT; echo waiting; busybox sleep 100 & p=$!; wait; echo not reached'\'''
# busybox sh's trap, the foreground child killed by the same SIGINT.
case_ sh-trap   n '(^|/)busybox sleep 100$' \
	'$R $B/sh -c '\''trap "echo caught INT; exit 7" INT; busybox sleep 100; echo not reached'\'''
# A SIGINT handler run while the guest waits in a read from the terminal.
case_ sh-trap-read q 'screen:reading;(^|/)sh -c trap .*read -t 100 x' \
	'$R $B/sh -c '\''trap "echo caught INT; exit 7" INT; echo reading; read -t 100 x; echo not reached'\'''
# A foreground pipeline: the whole process group gets the SIGINT, everything stops.
case_ pipeline  n '(^|/)busybox sleep 100$;(^|/)busybox cat$' \
	'$R $B/bash -c '\''busybox sleep 100 | busybox cat; echo not reached'\'''

# ---------------------------------------------------------------- pending work
# Cases that need work not done yet: NAME<tab>reason. A failure is reported as SKIP naming
# the reason, a pass as PASS. Remove a line when the work lands.
PENDING='
'

if [ "$LIST" = 1 ]; then
	for i in "${!NAMES[@]}"; do
		printf '%-12s %s  %s\n' "${NAMES[$i]}" "${REFS[$i]}" "${CMDS[$i]}"
	done
	exit 0
fi

ids() { # prints every selected id
	local arch i mode id
	for arch in "${ARCHES[@]}"; do
		for i in "${!NAMES[@]}"; do
			for mode in "${MODES[@]}"; do
				id=${NAMES[$i]}-$mode-$arch
				[ -z "$ONLY" ] || [[ $id =~ $ONLY ]] || continue
				echo "$id"
			done
		done
	done
}

TMUX_BIN=$(command -v tmux || true)
if [ -z "$TMUX_BIN" ]; then
	n=0
	for id in $(ids); do
		echo "SKIP $id: tmux not found (tools/setup installs it)"
		n=$((n + 1))
	done
	printf 'tty: 0 passed, 0 failed, %d skipped\n' "$n" >&2
	exit 0
fi
for t in ps find pgrep awk cmp diff; do
	command -v "$t" >/dev/null || die "'$t' is required"
done
HOST_BASH=$(command -v bash) || die "'bash' is required"
for arch in amd64 "${ARCHES[@]}"; do
	for p in busybox bash; do
		[ -x "$CACHE/bin/$arch/$p" ] || die "missing $CACHE/bin/$arch/$p: run tests/fetch-binaries first"
	done
done
QEMU=$(command -v qemu-aarch64 || true)
find_syscorn

TMP=$(mktemp -d "${TMPDIR:-/tmp}/syscorn-tty.XXXXXX") || die "mktemp failed"
[ ${#TMP} -lt 90 ] || { rm -rf "$TMP"; die "TMPDIR too long for a socket path: $TMP"; }
RESULTS=$(mktemp -d "${TMPDIR:-/tmp}/syscorn-tty-results.XXXXXX") || die "mktemp failed"
WORK=$TMP/work
OUT=$TMP/out
BIN=$TMP/bin # a symlink to farm-<arch>
SOCK="" # the private tmux socket of the run in progress (in $TMP: kill-server leaves it)
tmx() { "$TMUX_BIN" -S "$SOCK" -f /dev/null "$@"; }
cleanup() {
	[ -z "$SOCK" ] || tmx kill-server 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 2' INT TERM HUP
cd / || die "cannot cd /"

for arch in amd64 arm64; do
	farm=$TMP/farm-$arch
	mkdir -p "$farm"
	ln -s "$CACHE/bin/$arch/bash" "$farm/bash"
	ln -s "$CACHE/bin/$arch/busybox" "$farm/busybox"
	ln -s "$CACHE/bin/$arch/busybox" "$farm/sh"
done
use_farm() { ln -sfn "farm-$1" "$BIN"; }

PANE_PID="" SERVER_PID="" N_RUN=0
# The processes of the case, one "PID STAT ARGS" line each: cwd in $WORK, or a command line
# naming $TMP/, or in the pane's session (tmux makes its shell a session leader), or a
# descendant of the pane's shell; not the pane's shell, nor tmux's server.
case_procs() {
	local cwd
	cwd=$(find /proc/[0-9]*/cwd -maxdepth 0 -lname "$WORK" 2>/dev/null | cut -d/ -f3 | tr '\n' ' ')
	ps -e -o pid=,ppid=,sid=,stat=,args= 2>/dev/null | awk -v cwd="$cwd" -v tmp="$TMP/" \
		-v pane="$PANE_PID" -v server="$SERVER_PID" -v self="$$" '
		BEGIN { n = split(cwd, c, " "); for (i = 1; i <= n; i++) incwd[c[i]] = 1 }
		{
			pid[NR] = $1; ppid[$1] = $2; sid[$1] = $3
			line = $0; sub(/^ *[0-9]+ +[0-9]+ +[0-9]+ +/, "", line); text[$1] = line
			args = line; sub(/^[^ ]+ +/, "", args); argv[$1] = args
		}
		END {
			for (i = 1; i <= NR; i++) {
				p = pid[i]
				if (p == pane || p == server || p == self) continue
				hit = (p in incwd) || index(argv[p], tmp) > 0 || (pane != "" && sid[p] == pane)
				for (q = ppid[p]; !hit && q != "" && q > 1; q = ppid[q])
					if (q == pane) hit = 1
				if (hit && argv[p] !~ /^(ps|awk|find|cut|tr) /) print p, text[p]
			}
		}'
}

# Waits until every condition of READY (';'-separated) holds.
wait_ready() { # READY
	local deadline=$((SECONDS + TIMEOUT)) procs re ok
	local IFS=';'
	local res=($1)
	IFS=' '
	while [ $SECONDS -lt $deadline ]; do
		if [ "$(lines "$DEST/status-file")" -ge 2 ]; then
			echo "the command ended before C-c, status $(sed -n 2p "$DEST/status-file")" >"$DEST/error"
			return 1
		fi
		procs=$(case_procs)
		ok=1
		for re in "${res[@]}"; do
			if [[ $re == screen:* ]]; then
				screen | grep -qxF -- "${re#screen:}" || ok=0
				continue
			fi
			awk -v re="$re" '$2 ~ /^S/ {
				a = $0; sub(/^ *[0-9]+ +[^ ]+ +/, "", a)
				if (a ~ re) f = 1
			} END { exit !f }' <<<"$procs" || ok=0
		done
		if [ $ok = 1 ]; then
			sleep 0.3 # let it settle in its wait
			return 0
		fi
		sleep 0.1
	done
	printf '%s\n' "$procs" >"$DEST/procs-at-timeout"
	return 1
}

lines() { [ -f "$1" ] && wc -l <"$1" || echo 0; }

# Waits until FILE has N lines, for at most SECS seconds; 0 when it has.
wait_lines() { # FILE N SECS
	local t=0 limit=$(($3 * 10))
	while [ "$(lines "$1")" -lt "$2" ]; do
		[ $t -ge "$limit" ] && return 1
		sleep 0.1
		t=$((t + 1))
	done
}

screen() { # the pane's text, trailing blanks and blank lines dropped
	tmx capture-pane -p -J -S - -t c 2>/dev/null | sed 's/[[:space:]]*$//' |
		awk 'NF { for (; blank > 0; blank--) print ""; print; next } { blank++ }'
}
# The screen once tmux has drawn all of it: the same twice in a row, and in job mode ending
# with the prompt (at most 3 seconds).
capture_screen() { # MODE
	local prev="" cur k
	for k in $(seq 15); do
		cur=$(screen)
		if [ "$cur" = "$prev" ] && { [ "$1" != job ] || [ "${cur##*$'\n'}" = '$' ]; }; then
			break
		fi
		prev=$cur
		sleep 0.2
	done
	printf '%s\n' "$cur"
}

# One run: in a fresh tmux server and work directory, starts COMMAND (MODE), sends C-c when
# the guest is READY, and leaves in DEST: status (the command's exit status, or "none"),
# screen, elapsed (tenths of a second from C-c to the status), left (processes left behind),
# error (why the run did not complete).
run_case() { # DEST MODE RUNNER READY COMMAND
	DEST=$1
	local mode=$2 runner=$3 ready=$4 cmd=$5 sfile t0 t1 left env=()
	mkdir -p "$DEST"
	rm -rf "$WORK"
	mkdir "$WORK" || return 1
	sfile=$DEST/status-file
	echo none >"$DEST/status"
	env=(env -i PATH="$BIN:/usr/bin:/bin" HOME="$WORK" TERM=screen LC_ALL=C TZ=UTC0
		B="$BIN" R="$runner" S="$sfile")
	for v in ASAN_OPTIONS UBSAN_OPTIONS; do
		[ -n "${!v:-}" ] && env+=("$v=${!v}")
	done
	SOCK=$TMP/tmux-$((++N_RUN))
	if [ "$mode" = job ]; then
		# PROMPT_COMMAND records $? before each prompt: the first line is the first prompt.
		tmx new-session -d -s c -x 160 -y 40 -c "$WORK" -- "${env[@]}" PS1='$ ' HISTFILE=/dev/null \
			PROMPT_COMMAND='echo $? >>"$S"' "$HOST_BASH" --norc --noprofile -i
	else
		# The host shell writes a first line when it starts, the status when the command ends.
		tmx new-session -d -s c -x 160 -y 40 -c "$WORK" -- "${env[@]}" "$HOST_BASH" --norc \
			--noprofile -c 'echo start >>"$S"; trap : INT; '"$cmd"'
				s=$?; echo "status=$s"; echo "$s" >>"$S"; read -r _'
	fi
	PANE_PID=$(tmx display-message -p -t c '#{pane_pid}' 2>/dev/null)
	SERVER_PID=$(tmx display-message -p -t c '#{pid}' 2>/dev/null)
	if [ -z "$PANE_PID" ] || ! wait_lines "$sfile" 1 "$TIMEOUT"; then
		echo "the pane's shell did not start" >"$DEST/error"
	else
		if [ "$mode" = job ]; then
			tmx send-keys -t c -l -- "$cmd"
			tmx send-keys -t c Enter
		fi
		if ! wait_ready "$ready"; then
			[ -s "$DEST/error" ] ||
				echo "the guest did not start within ${TIMEOUT}s (not all of '$ready')" >"$DEST/error"
		else
			t0=$(date +%s%N)
			tmx send-keys -t c C-c
			if wait_lines "$sfile" 2 "$STOP"; then
				t1=$(date +%s%N)
				echo $(((t1 - t0) / 100000000)) >"$DEST/elapsed"
				sed -n 2p "$sfile" >"$DEST/status"
			else
				echo "still running ${STOP}s after C-c" >"$DEST/error"
			fi
		fi
	fi
	# Processes exiting on their own (a job killed by a trap) get 3 seconds.
	for t in $(seq 30); do
		left=$(case_procs)
		[ -z "$left" ] && break
		sleep 0.1
	done
	if [ -n "$left" ]; then
		printf '%s\n' "$left" >"$DEST/left"
		kill -9 $(awk '{ print $1 }' <<<"$left") 2>/dev/null
	fi
	capture_screen "$mode" >"$DEST/screen"
	tmx kill-server 2>/dev/null
	SOCK="" PANE_PID="" SERVER_PID=""
	rm -rf "$WORK"
}

# Compares the reference run with the syscorn run; prints the reason for a difference.
compare_runs() { # REFDIR EMUDIR SAVEDIR
	local r=$1 e=$2 save=$3 why=() rs es
	rs=$(<"$r/status") es=$(<"$e/status")
	[ -s "$r/error" ] && why+=("the reference run failed: $(<"$r/error")")
	[ -s "$r/left" ] && why+=("the reference left processes behind")
	[ -s "$e/error" ] && why+=("$(<"$e/error")")
	if [ "$rs" != "$es" ] && [ "$es" != none ]; then
		why+=("exit status $(status_text "$es"), want $(status_text "$rs")")
	fi
	if [ ! -s "$e/error" ] && ! cmp -s "$r/screen" "$e/screen"; then
		local n line
		n=$(cmp "$r/screen" "$e/screen" 2>/dev/null | sed -n 's/.* line \([0-9]*\)$/\1/p')
		if [ -n "$n" ]; then
			line=$(sed -n "${n}p" "$e/screen" | cut -c1-60)
			why+=("screen differs at line $n: '$line'")
		else
			why+=("screen differs (one is a prefix of the other)")
		fi
	fi
	[ -s "$e/left" ] && why+=("processes left behind: $(awk '{ $1 = ""; printf "%s;", $0 }' "$e/left" | cut -c1-200)")
	[ ${#why[@]} -eq 0 ] && return 0
	mkdir -p "$save"
	cp -r "$r" "$save/reference"
	cp -r "$e" "$save/syscorn"
	diff -u "$r/screen" "$e/screen" | head -n 200 >"$save/screen.diff"
	local IFS=';'
	printf '%s' "${why[*]}" | sed 's/;/; /g'
	return 1
}

n_pass=0 n_fail=0 n_skip=0
for arch in "${ARCHES[@]}"; do
	for i in "${!NAMES[@]}"; do
		for mode in "${MODES[@]}"; do
			name=${NAMES[$i]} ref=${REFS[$i]} ready=${READYS[$i]} cmd=${CMDS[$i]}
			id=$name-$mode-$arch
			[ -z "$ONLY" ] || [[ $id =~ $ONLY ]] || continue
			rm -rf "$OUT"
			if [ "$arch" = amd64 ] || [ "$ref" = n ]; then
				use_farm amd64
				run_case "$OUT/reference" "$mode" "" "$ready" "$cmd"
			elif [ -z "$QEMU" ]; then
				echo "SKIP $id: qemu-aarch64 not found (needed for the arm64 reference)"
				n_skip=$((n_skip + 1))
				continue
			else
				use_farm arm64
				run_case "$OUT/reference" "$mode" "$QEMU" "$ready" "$cmd"
			fi
			use_farm "$arch"
			run_case "$OUT/syscorn" "$mode" "$SYSCORN_BIN" "$ready" "$cmd"
			if why=$(compare_runs "$OUT/reference" "$OUT/syscorn" "$RESULTS/$id"); then
				[ "$KEEP" = 0 ] || cp -r "$OUT" "$RESULTS/$id"
				echo "PASS $id"
				n_pass=$((n_pass + 1))
			elif pending=$(pending_reason "$name") && [ -n "$pending" ]; then
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
