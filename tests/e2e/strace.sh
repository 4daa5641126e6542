#!/bin/bash
# strace.sh: `syscorn --strace` against real strace.
#
# The reference is Debian's strace run natively on the x86-64 test programs
# (build/testprogs/<prog>-x86_64 and -x86_64-musl); syscorn runs the same binary with
# `--strace` and the same strace options. Both traces are normalised, then compared line for
# line:
#   - the start-up block (execve, brk, arch_prctl, set_tid_address, set_robust_list, rseq,
#     prlimit64, readlink(at), getrandom, mprotect up to the first other call) is dropped: the
#     loader and the kernel start a program differently (syscorn's rseq is ENOSYS, its brk and
#     stack lie elsewhere); the execve line is checked separately
#   - addresses (hex numbers of 6+ digits) become 0xADDR (and the padding before " = " is
#     collapsed on those lines); pids, ppids and pgids become PID/PPID/PGID
#   - values that change from run to run: random bytes, times, resource usage, free blocks,
#     mkdtemp names
#   - successful clock_gettime/clock_getres/gettimeofday/time/getcpu are dropped on both sides
#     (natively the vDSO answers them without a syscall)
# arm64: trace-arm64 runs under syscorn; its expectation is the x86-64 reference without the
# x86-64-only regions that testprogs/trace.c marks (faccessat "/trace-mark/x86-only" ... "end").
#
# Then one case per option (-s -x -xx -e trace= classes and ! -e signal= -z -Z -v -y -T -t -tt
# -ttt -r -c -f -ff -o), trace2 with the options its structures depend on (-y -s 1 -xx), the
# <unfinished ...> / <... resumed> split of -f (testprogs/interleave:
# a thread, a fork child), and --strace-format=json, checked field by field against the text
# form.
#
# Output: "PASS id", "FAIL id: reason (see DIR)" or "SKIP id: reason"; a summary on stderr.
# Exit status: 0 when the cases ran (failed or not), 2 on a usage or setup error.
set -uo pipefail

HERE=$(dirname "$(readlink -f "$0")")
ROOT=$(readlink -f "$HERE/../..")

usage() {
	cat <<'EOF'
usage: tests/e2e/strace.sh [--syscorn PATH] [--testprogs DIR] [--only REGEX] [--keep]
  --syscorn    emulator to test (default: $SYSCORN, else build/syscorn in the repo)
  --testprogs  directory of the built test programs (default: $TESTPROGS, else build/testprogs)
  --only       run only the case ids matching this extended regex
  --keep       keep the results directory even when every case passes
EOF
}
die() { printf 'strace.sh: %s\n' "$*" >&2; exit 2; }

SYSCORN_OPT=${SYSCORN:-$ROOT/build/syscorn}
TESTPROGS_OPT=${TESTPROGS:-$ROOT/build/testprogs}
ONLY=""
KEEP=0
while [ $# -gt 0 ]; do
	case $1 in
	--syscorn) [ $# -ge 2 ] || die "--syscorn needs a value"; SYSCORN_OPT=$2; shift 2 ;;
	--syscorn=*) SYSCORN_OPT=${1#*=}; shift ;;
	--testprogs) [ $# -ge 2 ] || die "--testprogs needs a value"; TESTPROGS_OPT=$2; shift 2 ;;
	--testprogs=*) TESTPROGS_OPT=${1#*=}; shift ;;
	--only) [ $# -ge 2 ] || die "--only needs a value"; ONLY=$2; shift 2 ;;
	--only=*) ONLY=${1#*=}; shift ;;
	--keep) KEEP=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
SYSCORN_BIN=$(readlink -f "$SYSCORN_OPT") || true
[ -n "$SYSCORN_BIN" ] && [ -x "$SYSCORN_BIN" ] || die "no emulator at '$SYSCORN_OPT'"
TP=$(readlink -f "$TESTPROGS_OPT") || true
[ -n "$TP" ] && [ -d "$TP" ] || die "no test program directory '$TESTPROGS_OPT'"
command -v python3 >/dev/null || die "python3 is required"

n_pass=0 n_fail=0 n_skip=0
pass() { echo "PASS $1"; n_pass=$((n_pass + 1)); }
fail() { echo "FAIL $1: $2"; n_fail=$((n_fail + 1)); }
skip() { echo "SKIP $1: $2"; n_skip=$((n_skip + 1)); }
want() { [ -z "$ONLY" ] || [[ $1 =~ $ONLY ]]; }

STRACE=$(command -v strace || true)
if [ -z "$STRACE" ]; then
	skip strace "strace is not installed (the reference)"
	printf 'strace: %d passed, %d failed, %d skipped\n' $n_pass $n_fail $n_skip >&2
	exit 0
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/syscorn-strace.XXXXXX") || die "mktemp failed"
RESULTS=$(mktemp -d "${TMPDIR:-/tmp}/syscorn-strace-results.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$TMP"' EXIT
WORK=$TMP/work
ulimit -c 0

# ---------------------------------------------------------------- the normaliser
cat >"$TMP/norm.py" <<'PY'
"""norm.py MODE REF EMU OUTDIR [opts]: normalise two traces, compare, print a verdict.
MODE: text (strace text), arm64 (REF is the x86-64 trace of trace.c), count (-c tables), exit
(text; the lines between exit_group and the last one compared in any order)."""
import difflib, json, re, sys

STARTUP = {"execve", "brk", "arch_prctl", "set_tid_address", "set_robust_list", "rseq",
           "prlimit64", "readlink", "readlinkat", "getrandom", "mprotect"}
VDSO = {"clock_gettime", "clock_getres", "gettimeofday", "time", "getcpu"}
LEAD = r'^((?:\d+ +|\[pid +\d+\] )?(?:\d\d:\d\d:\d\d(?:\.\d+)? |\d+\.\d+ | *\d+\.\d{6} )?)'


def name_of(line):
    m = re.match(LEAD + r'(?:<\.\.\. )?([a-z_0-9]+)\(', line)
    return m.group(2) if m else None


def norm(path, opts):
    lines = open(path, errors="replace").read().splitlines()
    ids = {}
    for calls, key in ((("set_tid_address", "getpid", "gettid"), "PID"),):
        for l in lines:
            body = re.sub(r' <\d+\.\d+>$', '', re.sub(LEAD, "", l))
            m = re.match(r'([a-z_]+)\(.*\) += (\d+)$', body)
            if m and m.group(1) in calls and m.group(2) not in ids:
                ids[m.group(2)] = key
            m = re.match(r'(kill|tgkill|tkill)\((\d+), ', body)
            if m and key == "PID" and m.group(2) not in ids:
                ids[m.group(2)] = key
    for l in lines:
        m = re.match(r'^(\d+) |^\[pid +(\d+)\] ', l)
        if m and (m.group(1) or m.group(2)) not in ids and "-f" in opts:
            ids[m.group(1) or m.group(2)] = "PID"
    i = 0
    while i < len(lines) and name_of(lines[i]) in STARTUP:
        i += 1
    out = []
    after_sleep = False
    for l in lines[i:]:
        # fdtypes: how often a 10 ms interval timer expired during a 55 ms sleep varies
        if after_sleep and re.match(r'read\(3, "\\\d\\0\\0\\0\\0\\0\\0\\0", 8\)', l):
            l = re.sub(r'"\\\d\\0', r'"\\N\\0', l)
        after_sleep = re.match(r'(clock_)?nanosleep\((CLOCK_\w+, 0, )?\{tv_sec=0, tv_nsec=55000000\}', l) is not None
        n = name_of(l)
        if n in VDSO and not re.search(r'= -1 ', l):
            continue
        l0 = l
        l = re.sub(r'((?:^|[ \]])getppid\(\) += )\d+', r'\1PPID', l)
        l = re.sub(r'((?:^|[ \]])(?:getpgid\(0\)|getpgrp\(\)) += )\d+', r'\1PGID', l)
        for v, key in ids.items():
            l = re.sub(r'\b%s\b' % v, key, l)
        l = re.sub(r'^\[pid +PID\] ', '[pid PID] ', l)  # "[pid %5d] ": pids of any width
        l = re.sub(r'^PID +', 'PID ', l)  # -f -o FILE's "%-5d ": the same
        l = re.sub(r'0x[0-9a-f]{6,}', '0xADDR', l)
        l = re.sub(r'\b\d{12,}\b', 'BIG', l)
        l = re.sub(r'/tmp/syscorn-([a-z][a-z-]*)-[A-Za-z0-9]{6}', r'/tmp/syscorn-\1-TMP', l)
        l = re.sub(r'getrandom\("(\\x[0-9a-f]{2})+"', 'getrandom("RANDOM"', l)
        if re.match(r'getrandom\("RANDOM", 8, GRND_NONBLOCK\) += 8$', l):
            continue  # glibc's mkdtemp asks for random bits only when the clock was not enough
        l = re.sub(r'^(.*syscall_0x[0-9a-fA-DR]+)\(.*\)( += )', r'\1(...)\2', l)
        l = re.sub(r'(sysinfo|getrusage|times)\(([^{]*)\{.*\}', r'\1(\2{...}', l)
        l = re.sub(r'^(.*readv\(\d+, )\[.*\](, 4294967295\) += -1)', r'\1[...]\2', l)
        l = re.sub(r'/(native|emu)/stdout>', r'/RUN/stdout>', l)
        l = re.sub(r'^(times\(.*\) += )\d+', r'\1N', l)
        l = re.sub(r'(TIMER_ABSTIME|TFD_TIMER_ABSTIME), \{.*\}', r'\1, {...}', l)
        l = re.sub(r'(timerfd_gettime\(\d+, )\{.*\}', r'\1{...}', l)
        l = re.sub(r'(f_bfree|f_bavail|f_ffree|f_files)=\d+', r'\1=N', l)
        # a child's CPU time in its SIGCHLD (a tick or not, as the run goes: ASan's slower)
        l = re.sub(r'si_utime=\d+, si_stime=\d+', 'si_utime=T, si_stime=T', l)
        l = re.sub(r'left \{tv_sec=\d+, (tv_nsec|tv_usec)=\d+\}', r'left {...}', l)
        # what is left of an interrupted sleep, of a running timer
        l = re.sub(r'^(.*nanosleep\(.*\}, )\{tv_sec=\d+, tv_nsec=\d+\}(\) += \? ERESTART)', r'\1{...}\2', l)
        l = re.sub(r'^((?:set|get)itimer\(.*)tv_usec=\d{4,}', r'\1tv_usec=N', l)
        l = re.sub(r'(stx_[abcm]time)=\{[^}]*\}( /\* [^*]* \*/)?', r'\1=T', l)
        l = re.sub(r'(st_[amc]time)=\d+( /\* [^*]* \*/)?', r'\1=T', l)
        l = re.sub(r'(st_[amc]time_nsec)=\d+', r'\1=N', l)
        l = re.sub(r'(st_ino|stx_ino|d_ino)=\d+', r'\1=N', l)
        l = re.sub(r'(pipe|socket|anon_inode):\[\d+\]', r'\1:[N]', l)
        l = re.sub(r'sin(6?)_port=htons\((\d{4,5})\)', lambda m: 'sin%s_port=htons(%s)' % (m.group(1), 'PORT' if int(m.group(2)) >= 1024 else m.group(2)), l)
        l = re.sub(r'/#\d+>', r'/#N>', l)
        if "-t" in opts or "-tt" in opts:
            l = re.sub(r'^(\d+ +)?\d\d:\d\d:\d\d(\.\d{6})? ', r'\1TIME ', l)
        if "-ttt" in opts:
            l = re.sub(r'^(\d+ +)?\d+\.\d{6} ', r'\1TIME ', l)
        if "-r" in opts:
            l = re.sub(r'^(\d+ +)? +\d+\.\d{6} ', r'\1  REL ', l)
        if "-T" in opts:
            l = re.sub(r' <\d+\.\d{6}>$', ' <T>', l)
        if "-y" in opts:
            l = re.sub(r'<anon_inode:\[([a-z]+)\]>', r'<anon_inode:[\1]>', l)
        if l != l0:
            l = re.sub(r'\) +=( |$)', r') =\1', l)
        out.append(l)
    return out


def arm64_expect(lines):
    out, skip = [], False
    for l in lines:
        if '"/trace-mark/x86-only"' in l:
            skip = True
            out.append(l)
            continue
        if '"/trace-mark/end"' in l:
            skip = False
        if not skip:
            out.append(l)
    return out


def main():
    mode, ref, emu, outdir, known = sys.argv[1:6]
    opts = sys.argv[6:]
    a, b = norm(ref, opts), norm(emu, opts)
    # Known differences: lines left out on both sides (see KNOWN).
    dropped = 0
    if known:
        k = re.compile(known)
        n = len(a)
        a = [l for l in a if not k.search(l)]
        b = [l for l in b if not k.search(l)]
        dropped = n - len(a)
    if mode == "exit":
        # after an exit_group, the order of the other threads' lines varies natively
        def tail_sorted(x):
            i = next((n for n, l in enumerate(x) if re.search(r'\bexit_group\(', l)), len(x))
            return x[:i + 1] + sorted(x[i + 1:-1]) + x[-1:] if i + 2 < len(x) else x
        a, b = tail_sorted(a), tail_sorted(b)
    if mode == "arm64":
        a = arm64_expect(a)
        fix = lambda l: re.sub(r'^(write\(1, ".*"\.\.\., )\d+(\) += )\d+$', r'\1N\2N', l)
        a, b = [fix(l) for l in a], [fix(l) for l in b]
    with open(outdir + "/reference.norm", "w") as f:
        f.write("\n".join(a) + "\n")
    with open(outdir + "/syscorn.norm", "w") as f:
        f.write("\n".join(b) + "\n")
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    same = sum(m.size for m in sm.get_matching_blocks())
    with open(outdir + "/diff", "w") as f:
        f.writelines(l + "\n" for l in difflib.unified_diff(a, b, "reference", "syscorn",
                                                              lineterm="", n=1))
    first = ""
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag != "equal":
            first = (a[i1] if i1 < i2 else "") or (b[j1] if j1 < j2 else "")
            break
    print(f"{same} {len(a)} {len(b)} {dropped} {first[:100]}")


main()
PY

# ---------------------------------------------------------------- running
ENVV=(env -i PATH=/usr/bin:/bin HOME=$WORK LC_ALL=C TZ=UTC0 SYSCORN_TEST_VAR='x y=z' SYSCORN_TEST_EMPTY=)

# run_in DEST CMD...: CMD in a fresh work directory at $WORK (the same path for every run),
# stdin from /dev/null; stdout, stderr and the status go to DEST.
run_in() {
	local dest=$1
	shift
	mkdir -p "$dest"
	rm -rf "$WORK"
	mkdir "$WORK"
	{
		(
			cd "$WORK" || exit 125
			for fd in /proc/$BASHPID/fd/*; do
				fd=${fd##*/}
				[ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-"
			done 2>/dev/null
			exec timeout -s KILL 120 "${ENVV[@]}" "$@" </dev/null >"$dest/stdout" 2>"$dest/stderr"
		)
	} 2>/dev/null
	echo $? >"$dest/status"
}

# compare ID MODE REF EMU DIR [opts...]: PASS when the normalised traces are equal.
compare() {
	local id=$1 mode=$2 ref=$3 emu=$4 dir=$5
	shift 5
	local verdict same nref nemu dropped first known pending
	pending=$(awk -F'\t' -v p="${id%%-*}" '$1 == p { print $2 }' <<<"$PENDING")
	# the runs themselves: no sanitizer report, the same exit status
	if [ -f "$dir/emu/stderr" ] && grep -qE 'AddressSanitizer|runtime error:|LeakSanitizer' "$dir/emu/stderr"; then
		fail "$id" "sanitizer report (see $dir/emu/stderr)"
		return 1
	fi
	if [ -z "$pending" ] && [ -f "$dir/native/status" ] && [ -f "$dir/emu/status" ] &&
		[ "$(<"$dir/native/status")" != "$(<"$dir/emu/status")" ]; then
		fail "$id" "syscorn exited with $(<"$dir/emu/status"), natively $(<"$dir/native/status") (see $dir/emu/stderr)"
		return 1
	fi
	known=$(awk -F'\t' -v id="$id" 'NF >= 3 && index(id "-", $1 "-") == 1 { print $2 }' <<<"$KNOWN" | paste -sd'|')
	verdict=$(python3 "$TMP/norm.py" "$mode" "$ref" "$emu" "$dir" "$known" "$@") || {
		fail "$id" "the normaliser failed (see $dir)"
		return 1
	}
	read -r same nref nemu dropped first <<<"$verdict"
	if [ "$same" = "$nref" ] && [ "$nref" = "$nemu" ]; then
		if [ "$dropped" != 0 ]; then
			pass "$id ($dropped known reference lines left out: $(awk -F'\t' -v id="$id" 'NF >= 3 && index(id "-", $1 "-") == 1 { print $3 }' <<<"$KNOWN" | paste -sd';'))"
		else
			pass "$id"
		fi
		return 0
	fi
	local pct=$((nref ? 100 * same / nref : 0))
	local why="$same of $nref reference lines match ($pct%), syscorn has $nemu; first difference: '$first' (see $dir/diff)"
	if [ -n "$pending" ]; then
		skip "$id" "pending $pending: $why"
	else
		fail "$id" "$why"
	fi
	return 1
}

# trace_pair ID BIN ARGS -- STRACE_OPTS: the native strace and syscorn --strace runs of BIN.
trace_pair() {
	local id=$1 bin=$2
	shift 2
	local args=() opts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do args+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	opts=("$@")
	local d=$RESULTS/$id
	mkdir -p "$d"
	run_in "$d/native" "$STRACE" -o "$d/reference.txt" "${opts[@]}" "$bin" "${args[@]}"
	run_in "$d/emu" "$SYSCORN_BIN" --strace -o "$d/syscorn.txt" "${opts[@]}" "$bin" "${args[@]}"
}

# Lines left out of the comparison on both sides: <prog> <TAB> <regex> <TAB> <why>.
KNOWN='
fdtypes	^read\(3, "\\n\\0\\0\\0	a signalfd_siginfo holds the pid in binary
'

# Programs whose traces still differ for reasons owned by other work (SKIP, not FAIL):
# <prog> <TAB> <why>.
PENDING='
'

# ---------------------------------------------------------------- differential traces
for prog in trace trace2 hello files info mm abi ioctl fdtypes signals; do
	for v in x86_64 x86_64-musl; do
		id=$prog-$v
		want "$id" || continue
		bin=$TP/$prog-$v
		[ -x "$bin" ] || { skip "$id" "not built"; continue; }
		trace_pair "$id" "$bin" --
		d=$RESULTS/$id
		if [ ! -s "$d/syscorn.txt" ]; then
			fail "$id" "no trace from syscorn (status $(<"$d/emu/status"), see $d/emu/stderr)"
			continue
		fi
		compare "$id" text "$d/reference.txt" "$d/syscorn.txt" "$d"
	done
done

# Deaths by signal: the "--- SIGxxx {...} ---" and "+++ killed by SIGxxx +++" lines.
for a in null exec stack ill bus fpe abort kill; do
	for v in x86_64 x86_64-musl; do
		id=crash-$a-$v
		want "$id" || continue
		trace_pair "$id" "$TP/crash-$v" "$a" --
		compare "$id" text "$RESULTS/$id/reference.txt" "$RESULTS/$id/syscorn.txt" "$RESULTS/$id"
	done
done

# A child's exit with SIGCHLD left at its default, ignored, or with SA_NOCLDWAIT (trace.c
# "sigchld"): strace shows the signal the program ignores after a blocking wait4's line,
# before the next call's when the program ran, and inside a sleep it natively cuts short
# ("= ? ERESTART_RESTARTBLOCK", the signal, "restart_syscall(<... resuming ...>)"), though
# under syscorn the program's calls are not interrupted; none with SIG_IGN. arm64 against the
# x86-64 reference, as below.
for v in x86_64 x86_64-musl arm64; do
	id=sigchld-$v
	want "$id" || continue
	bin=$TP/trace-$v
	[ -x "$bin" ] || { skip "$id" "not built"; continue; }
	d=$RESULTS/$id
	if [ $v = arm64 ]; then
		mkdir -p "$d"
		run_in "$d/native" "$STRACE" -o "$d/reference.txt" "$TP/trace-x86_64" sigchld
		run_in "$d/emu" "$SYSCORN_BIN" --strace -o "$d/syscorn.txt" "$bin" sigchld
		compare "$id" arm64 "$d/reference.txt" "$d/syscorn.txt" "$d"
	else
		trace_pair "$id" "$bin" sigchld --
		compare "$id" text "$d/reference.txt" "$d/syscorn.txt" "$d"
	fi
done

# arm64: the x86-64 reference without the x86-64-only regions of trace.c.
for prog in trace trace2; do
	id=$prog-arm64
	want "$id" || continue
	bin=$TP/$prog-arm64
	ref=$RESULTS/$prog-x86_64/reference.txt
	if [ ! -x "$bin" ]; then
		skip "$id" "not built"
	else
		d=$RESULTS/$id
		mkdir -p "$d"
		[ -s "$ref" ] || run_in "$d/native" "$STRACE" -o "$d/reference.txt" "$TP/$prog-x86_64"
		[ -s "$ref" ] || ref=$d/reference.txt
		run_in "$d/emu" "$SYSCORN_BIN" --strace -o "$d/syscorn.txt" "$bin"
		compare "$id" arm64 "$ref" "$d/syscorn.txt" "$d"
	fi
done

# The execve line: the same path, argv and variable count (the envp address differs).
id=execve-line
if want "$id"; then
	d=$RESULTS/$id
	trace_pair "$id" "$TP/hello-x86_64" a 'b c' -- -s 64
	r=$(head -1 "$d/reference.txt" | sed 's/0x[0-9a-f]*/ADDR/')
	e=$(head -1 "$d/syscorn.txt" | sed 's/0x[0-9a-f]*/ADDR/')
	if [ "$r" = "$e" ]; then pass "$id"; else fail "$id" "'$e', want '$r'"; fi
fi

# ---------------------------------------------------------------- options
# option_case ID OPTS...: trace.c with these strace options, both ways.
option_case() {
	local id=opt$1
	shift
	want "$id" || return 0
	trace_pair "$id" "$TP/trace-x86_64" -- "$@"
	compare "$id" text "$RESULTS/$id/reference.txt" "$RESULTS/$id/syscorn.txt" "$RESULTS/$id" "$@"
}
option_case -s8 -s 8
option_case -s0 -s 0
option_case -s200 -s 200
option_case -x -x
option_case -xx -xx
option_case -e-file -e trace=%file
option_case -e-desc -e trace=%desc
option_case -e-memory -e trace=%memory
option_case -e-signal -e trace=%signal
option_case -e-process -e trace=%process
option_case -e-stat -e 'trace=%%stat'
option_case -e-names -e trace=openat,close,read
option_case -e-not -e 'trace=!write,openat'
option_case -e-none -e trace=none
option_case -z -z
option_case -Z -Z
option_case -v -v
option_case -y -y
option_case -T -T
option_case -t -t
option_case -tt -tt
option_case -ttt -ttt
option_case -r -r
option_case -f -f
option_case -e-signal-none -e signal=none
option_case -e-regex -e 'trace=/^(get|set)|stat'
option_case -a30 -a 30
option_case -qq -qq

# trace2_option ID OPTS...: trace2 with these options: the descriptors in control messages
# (-y), arrays cut short inside them and in the mmsghdr vectors (-s 1), address text (-xx).
trace2_option() {
	local id=trace2-opt$1
	shift
	want "$id" || return 0
	trace_pair "$id" "$TP/trace2-x86_64" -- "$@"
	compare "$id" text "$RESULTS/$id/reference.txt" "$RESULTS/$id/syscorn.txt" "$RESULTS/$id" "$@"
}
trace2_option -y -y
trace2_option -s1 -s 1
trace2_option -xx -xx

# -c: the same syscalls with the same call and error counts (times are the emulator's).
id=opt-c
if want "$id"; then
	trace_pair "$id" "$TP/trace-x86_64" -- -c
	d=$RESULTS/$id
	counts() { awk '$NF != "total" && $NF != "syscall" && NF >= 5 && $1 !~ /^-/ {
		e = (NF == 6) ? $5 : 0; print $NF, $4, e }' "$1" | grep -Ev '^(execve|brk|arch_prctl|set_tid_address|set_robust_list|rseq|prlimit64|readlink|getrandom|mprotect|clock_gettime|clock_getres) ' | sort; }
	if diff <(counts "$d/reference.txt") <(counts "$d/syscorn.txt") >"$d/diff"; then
		if head -2 "$d/syscorn.txt" | diff -q - <(head -2 "$d/reference.txt") >/dev/null; then
			pass "$id"
		else
			fail "$id" "the table header differs (see $d)"
		fi
	else
		fail "$id" "calls or errors differ (see $d/diff)"
	fi
fi

# -ff -o FILE: one file per process, FILE.PID.
id=opt-ff
if want "$id"; then
	d=$RESULTS/$id
	mkdir -p "$d"
	run_in "$d/emu" "$SYSCORN_BIN" --strace -ff -o "$d/out" "$TP/hello-x86_64"
	files=("$d"/out.*)
	if [ ${#files[@]} = 1 ] && [ -f "${files[0]}" ] && grep -q '^+++ exited with 0 +++$' "${files[0]}"; then
		pass "$id"
	else
		fail "$id" "want one file out.PID ending with the exit line (see $d)"
	fi
fi

# -ff -o FILE with threads: one file per task, FILE.<tid>, as strace writes them (a thread's
# lines in its own file, without a prefix, its "+++" line there; a call the process's end cut
# short ends as "read(3,  <unfinished ...>) = ?" in its own file). Each run's files are named by
# role (the process's; the n-th task a task's clone made: .n), the ids rewritten the same way,
# then compared role by role. The waits of testprogs/interleave (timing-dependent) and its
# SIGCHLD (see KNOWN) are left out.
for c in thread exit wait4; do
	for v in x86_64 x86_64-musl; do
		id=ff-$c-$v
		want "$id" || continue
		bin=$TP/interleave-$v
		[ -x "$bin" ] || { skip "$id" "not built"; continue; }
		d=$RESULTS/$id
		mkdir -p "$d/ref" "$d/emu"
		opts=(-ff -e 'trace=!open,openat,pread64,close,clock_nanosleep,futex,access' -e signal=none)
		run_in "$d/native" "$STRACE" -o "$d/ref/out" "${opts[@]}" "$bin" "$c"
		run_in "$d/emu" "$SYSCORN_BIN" --strace -o "$d/emu/out" "${opts[@]}" "$bin" "$c"
		if [ "$(<"$d/native/status")" != "$(<"$d/emu/status")" ]; then
			fail "$id" "syscorn exited with $(<"$d/emu/status"), natively $(<"$d/native/status") (see $d/emu/stderr)"
			continue
		fi
		if ! python3 - "$d/ref" "$d/emu" >"$d/roles" 2>&1 <<'PY'; then
import os, re, sys
def roles(top):
    files = {}
    for f in os.listdir(top):
        m = re.match(r'out\.(\d+)$', f)
        if m:
            files[m.group(1)] = open(os.path.join(top, f), errors="replace").read()
    first = [i for i, t in files.items() if t.startswith("execve(")]
    if len(first) != 1:
        sys.exit(f"{top}: {len(first)} files start with execve, of {len(files)}")
    name, queue = {first[0]: "P"}, [first[0]]
    while queue:
        i = queue.pop(0)
        n = 0
        for l in files[i].splitlines():
            m = re.match(r'(clone3?|fork|vfork)\(.*\) += (\d+)$', l)
            if m and m.group(2) in files and m.group(2) not in name:
                n += 1
                name[m.group(2)] = f"{name[i]}.{n}"
                queue.append(m.group(2))
    if len(name) != len(files):
        sys.exit(f"{top}: files of no task the trace made: {sorted(set(files) - set(name))}")
    for i, t in files.items():
        for j, r in sorted(name.items(), key=lambda x: -len(x[0])):
            t = re.sub(r'\b%s\b' % j, "ID_" + r.replace(".", "_"), t)
        with open(os.path.join(top, "role." + name[i]), "w") as f:
            f.write(t)
    return sorted(name.values())
a, b = roles(sys.argv[1]), roles(sys.argv[2])
print(" ".join(a))
if a != b:
    sys.exit(f"tasks: {' '.join(a)} natively, {' '.join(b)} under syscorn")
PY
			fail "$id" "$(tail -1 "$d/roles") (see $d)"
			continue
		fi
		bad=""
		for r in $(<"$d/roles"); do
			mkdir -p "$d/$r"
			verdict=$(python3 "$TMP/norm.py" text "$d/ref/role.$r" "$d/emu/role.$r" "$d/$r" "" "${opts[@]}") || {
				bad="the normaliser failed on $r"
				break
			}
			read -r same nref nemu _ first <<<"$verdict"
			if [ "$same" != "$nref" ] || [ "$nref" != "$nemu" ]; then
				bad="task $r: $same of $nref reference lines match, syscorn has $nemu; first difference: '$first' (see $d/$r/diff)"
				break
			fi
		done
		if [ -z "$bad" ]; then pass "$id ($(wc -w <"$d/roles") files)"; else fail "$id" "$bad"; fi
	done
done

# Default output: stderr, written as the calls happen.
id=opt-stderr
if want "$id"; then
	d=$RESULTS/$id
	run_in "$d" "$SYSCORN_BIN" --strace "$TP/hello-x86_64"
	if grep -q '^write(1, "hello, world\\nargc=1' "$d/stderr" && tail -1 "$d/stderr" | grep -q '^+++ exited with 0 +++$'; then
		pass "$id"
	else
		fail "$id" "no trace on stderr (see $d)"
	fi
fi

# -f with a fork: the child's lines carry its pid; lines split with <unfinished ...> are joined
# again (which call is split depends on timing).
id=opt-f-fork
if want "$id"; then
	d=$RESULTS/$id
	trace_pair "$id" "$TP/trace-x86_64" fork -- -f
	if ! grep -q '^[0-9]* *exit_group(3)' "$d/syscorn.txt"; then
		skip "$id" "no traced fork child (fork support: see $d)"
	else
		python3 - "$d/reference.txt" "$d/syscorn.txt" "$d" <<'PY' >"$d/verdict"
import re, sys
def load(p):
    lines = open(p).read().splitlines()
    pids = []
    for l in lines:
        m = re.match(r'^(\d+) ', l)
        if m and m.group(1) not in pids:
            pids.append(m.group(1))
    out = {}
    pend = {}
    for l in lines:
        m = re.match(r'^(\d+) +(.*)$', l)
        if not m:
            continue
        who = "parent" if m.group(1) == pids[0] else "child"
        body = m.group(2)
        if body.endswith(" <unfinished ...>"):
            pend[who] = body[:-len(" <unfinished ...>")]
            continue
        r = re.match(r'<\.\.\. [a-z_0-9]+ resumed>(.*)$', body)
        if r:
            body = pend.pop(who, "") + r.group(1)
        for i, p in enumerate(pids):
            body = re.sub(r'\b%s\b' % p, "PID%d" % i, body)
        body = re.sub(r'0x[0-9a-f]{6,}', '0xADDR', body)
        body = re.sub(r'\) +=', ') =', body)
        out.setdefault(who, []).append(body)
    return out
a, b = load(sys.argv[1]), load(sys.argv[2])
def tail(x):
    # from the clone on (the start-up differs)
    for i, l in enumerate(x):
        if l.startswith("clone(") or l.startswith("fork("):
            return x[i:]
    return x
ok = a.get("child") == b.get("child") and tail(a.get("parent", [])) == tail(b.get("parent", []))
print("ok" if ok else "differ")
PY
		if [ "$(cat "$d/verdict")" = ok ]; then pass "$id"; else fail "$id" "the per-process lines differ (see $d)"; fi
	fi
fi

# -f with calls that overlap: strace ends the line of a call still running when another task
# prints ("read(3,  <unfinished ...>") and finishes it later ("<... read resumed>..."). The
# program makes one order the only one; only the calls it orders are traced (and the clones,
# for what they write: parent_tid=[TID]).
#   thread  a thread's own exit: "exit(0) = ?", then its "+++ exited with 0 +++"
#   wait4   a fork child's lines inside the parent's wait4
#   exit    exit_group while two threads wait in read: "<... read resumed> <unfinished ...>)
#           = ?" for each, their "+++ exited" lines, the process's last (which thread comes
#           first varies natively; the normalised tids are all PID)
# Into a file (-o), each line has the "PID " prefix; on stderr (-stderr), "[pid N] " only while
# strace traces several tasks: not before the first clone is seen, nor after the last other
# task has ended.
for c in thread:read,getpid,exit,exit_group,clone,clone3 wait4:wait4,write,exit_group,clone \
	exit:read,exit_group,clone,clone3; do
	for v in x86_64 x86_64-musl; do
		for out in file stderr; do
			id=interleave-${c%%:*}-$v
			[ $out = stderr ] && id=interleave-${c%%:*}-stderr-$v
			want "$id" || continue
			bin=$TP/interleave-$v
			[ -x "$bin" ] || { skip "$id" "not built"; continue; }
			opts=(-f -e "trace=${c#*:}" -e signal=none)
			d=$RESULTS/$id
			if [ $out = file ]; then
				trace_pair "$id" "$bin" "${c%%:*}" -- "${opts[@]}"
				ref=$d/reference.txt emu=$d/syscorn.txt
			else
				opts+=(-q) # no "Process N attached" lines
				run_in "$d/native" "$STRACE" "${opts[@]}" "$bin" "${c%%:*}"
				run_in "$d/emu" "$SYSCORN_BIN" --strace "${opts[@]}" "$bin" "${c%%:*}"
				ref=$d/native/stderr emu=$d/emu/stderr
			fi
			if ! grep -q 'resumed>' "$ref"; then
				skip "$id" "the reference has no split line (see $d)"
				continue
			fi
			mode=text
			[ "${c%%:*}" = exit ] && mode=exit
			compare "$id" $mode "$ref" "$emu" "$d" "${opts[@]}"
		done
	done
done

# ---------------------------------------------------------------- JSON
# Every line parses; every field is there; the text form, rebuilt from the arguments' values
# and the return text, is the text trace's line.
id=json
if want "$id"; then
	d=$RESULTS/$id
	mkdir -p "$d"
	run_in "$d/text" "$SYSCORN_BIN" --strace -o "$d/trace.txt" -e trace='!clock_gettime,clock_getres' "$TP/trace-x86_64"
	run_in "$d/json" "$SYSCORN_BIN" --strace --strace-format=json -o "$d/trace.json" -e trace='!clock_gettime,clock_getres' "$TP/trace-x86_64"
	if python3 - "$d/trace.json" "$d/trace.txt" >"$d/verdict" 2>&1 <<'PY'; then
import json, re, sys
jl = open(sys.argv[1]).read().splitlines()
tl = open(sys.argv[2]).read().splitlines()
jpid = str(json.loads(jl[0])["pid"]) if jl else ""
tpid = ""
for l in tl:
    m = re.match(r'set_tid_address\(.*\) += (\d+)', l)
    if m:
        tpid = m.group(1)
        break
def canon(l, pid):
    l = re.sub(r'^(getppid\(\)|getpgid\(0\)) += \d+', r'\1 = ID', l)
    if pid:
        l = re.sub(r'\b%s\b' % pid, 'PID', l)
    l = re.sub(r'0x[0-9a-f]{6,}', 'ADDR', l)
    l = re.sub(r'getrandom\("[^"]*"', 'getrandom("R"', l)
    return re.sub(r'\) +=', ') =', l)
bad = 0
if len(jl) != len(tl):
    print(f"{len(jl)} JSON lines, {len(tl)} text lines")
    sys.exit(1)
for n, (j, t) in enumerate(zip(jl, tl), 1):
    o = json.loads(j)
    if "event" in o:
        if o["event"] not in ("exited", "killed", "signal") or canon(o.get("text"), jpid) != canon(t, tpid):
            print(f"line {n}: event {j[:120]} for {t}")
            sys.exit(1)
        continue
    for k, ty in (("pid", int), ("tid", int), ("time", float), ("syscall", str), ("args", list),
                  ("return", str), ("duration", float)):
        if not isinstance(o.get(k), ty):
            print(f"line {n}: field {k} missing or not {ty.__name__}: {j[:120]}")
            sys.exit(1)
    if "text" in o:
        rebuilt = o["text"]
    else:
        for a in o["args"]:
            if not isinstance(a.get("value"), str) or "name" not in a or "raw" not in a:
                print(f"line {n}: bad argument {a}")
                sys.exit(1)
        rebuilt = o["syscall"] + "(" + ", ".join(a["value"] for a in o["args"]) + ") = " + o["return"]
        if o["errno"] is not None and not o["return"].startswith("-1 " + o["errno"] + " "):
            print(f"line {n}: errno {o['errno']} but return {o['return']}")
            sys.exit(1)
    if canon(rebuilt, jpid) != canon(t, tpid):
        print(f"line {n}: JSON gives\n  {rebuilt}\ntext has\n  {t}")
        bad += 1
        if bad > 5:
            break
sys.exit(1 if bad else 0)
PY
		pass "$id"
	else
		fail "$id" "$(head -3 "$d/verdict" | tr '\n' ' ' | cut -c1-200) (see $d)"
	fi
fi

# JSON with -f: a thread's events (its signal line, its "+++" line, those of threads an
# exit_group cut short) carry the process's id as "pid" and the thread's as "tid": the task the
# text form's "TID " prefix names (each run's ids named by role: the process, then its threads
# in order), which in the same JSON trace is the thread's gettid() and its clone's result.
for c in signal exit; do
	id=json-threads-$c
	want "$id" || continue
	bin=$TP/interleave-x86_64
	[ -x "$bin" ] || { skip "$id" "not built"; continue; }
	d=$RESULTS/$id
	mkdir -p "$d"
	opts=(-f -e trace=read,gettid,tgkill,exit,exit_group,clone,clone3)
	run_in "$d/text" "$SYSCORN_BIN" --strace -o "$d/trace.txt" "${opts[@]}" "$bin" $c
	run_in "$d/json" "$SYSCORN_BIN" --strace --strace-format=json -o "$d/trace.json" "${opts[@]}" "$bin" $c
	if python3 - "$d/trace.json" "$d/trace.txt" >"$d/verdict" 2>&1 <<'PY'; then
import json, re, sys
jl = [json.loads(l) for l in open(sys.argv[1]).read().splitlines()]
tl = open(sys.argv[2]).read().splitlines()
def role(names, i):
    if i not in names:
        names[i] = "P" if not names else "T%d" % len(names)
    return names[i]
tn, jn = {}, {}
text = []
for l in tl:
    m = re.match(r'^(\d+) +(.*)$', l)
    if not m:
        sys.exit(f"text line without its task: {l}")
    r = role(tn, m.group(1))
    if m.group(2).startswith(("---", "+++")):
        text.append((r, m.group(2)))
pid = jl[0]["pid"] if jl else None
clones, gettids, events = set(), {}, []
for o in jl:
    if o["pid"] != pid:
        sys.exit(f"pid {o['pid']}, not the process's {pid}: {o}")
    r = role(jn, o["tid"])
    if o.get("syscall") in ("clone", "clone3") and isinstance(o.get("retval"), int):
        clones.add(o["retval"])
    if o.get("syscall") == "gettid":
        gettids[o["tid"]] = o["retval"]
    if "event" in o:
        events.append((r, o["text"]))
        if o["tid"] != pid and (o["tid"] not in clones or gettids.get(o["tid"]) != o["tid"]):
            sys.exit(f"event of tid {o['tid']}: no clone made it, or its gettid() differs: {o}")
def ids(evs, names):
    out = []
    for r, t in evs:
        for i, n in names.items():
            t = re.sub(r'\b%s\b' % i, n, t)
        out.append((r, t))
    return sorted(out)
events, text = ids(events, jn), ids(text, tn)
if not any(r != "P" for r, _ in events):
    sys.exit("no thread event")
if events != text:
    sys.exit(f"JSON events {events}\ntext lines {text}")
PY
		pass "$id"
	else
		fail "$id" "$(head -3 "$d/verdict" | tr '\n' ' ' | cut -c1-200) (see $d)"
	fi
done

printf 'strace: %d passed, %d failed, %d skipped\n' $n_pass $n_fail $n_skip >&2
if [ $n_fail -eq 0 ] && [ $KEEP = 0 ]; then
	rm -rf "$RESULTS"
else
	printf 'strace: results in %s\n' "$RESULTS" >&2
fi
exit 0
