#!/bin/bash
# fuzz.sh: the fuzzers find the planted bug of examples/fuzz_target.c through syscorn.
#
#   afl-arm64-file    afl-fuzz -D -- syscorn --afl fuzz_target-arm64 @@ finds a crash within the
#                     time bound, and the crash file replays as SIGSEGV under plain syscorn; test
#                     cases through the file (SYSCORN_AFL_SHM=0 declines afl-fuzz's shared memory)
#   afl-x86_64-stdin  the same through stdin, x86-64
#   afl-arm64-shm     the same with the test cases in shared memory (the default: afl-fuzz says
#                     it uses it), the guest's @@ file an in-memory one
#   afl-x86_64-shm    the same, x86-64, the guest's stdin from shared memory
#   afl-shm-input     syscorn --afl driven as afl-fuzz drives it (a script: handshake, test-case
#                     segment, control pipes), arm64 @@ and x86-64 stdin, in-process and fork
#                     modes: the hello offers FS_OPT_SHDMEM_FUZZ, and the guest crashes exactly
#                     for the crashing inputs put in the segment while the stale file holds the
#                     opposite; with SYSCORN_AFL_SHM=0 no offer, and the file's inputs decide
#   afl-sync          a main and a secondary instance (-M/-S) share a sync directory: one
#                     imports the other's finds
#   libfuzzer-arm64   syscorn-libfuzzer fuzz_target-arm64 finds the crash within the bound
#
# Seeds are plain text without the magic; -D (AFL's deterministic stages) makes the search for
# the magic's bytes a matter of arithmetic steps from the seed's, so a bound of 60 s holds on a
# slow machine. Output: one PASS/FAIL/SKIP line per case. Exit: 0 when the cases ran.
#   tests/e2e/fuzz.sh [--syscorn PATH] [--timeout SECS] [--keep]
set -uo pipefail

HERE=$(dirname "$(readlink -f "$0")")
ROOT=$(readlink -f "$HERE/../..")
SYSCORN=${SYSCORN:-$ROOT/build/syscorn}
TIMEOUT=60
KEEP=0
while [ $# -gt 0 ]; do
	case $1 in
	--syscorn) SYSCORN=$(readlink -f "$2"); shift 2 ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	--keep) KEEP=1; shift ;;
	*) echo "usage: tests/e2e/fuzz.sh [--syscorn PATH] [--timeout SECS] [--keep]" >&2; exit 2 ;;
	esac
done
BUILD=$(dirname "$SYSCORN")
# A sanitizer build of syscorn runs every input several times slower: the bound that holds the
# release build to 60 s is tripled for it (what such a run checks is memory safety, not speed).
case $(readelf -d "$SYSCORN" 2>/dev/null) in
*libasan* | *libubsan*) [ "$TIMEOUT" = 60 ] && TIMEOUT=180 ;;
esac
TARGETS=$BUILD/examples
WORK=$(mktemp -d /tmp/syscorn-fuzz.XXXXXX)
cleanup() { [ $KEEP = 1 ] || rm -rf "$WORK"; }
trap cleanup EXIT

# afl-fuzz in a container: no core_pattern or CPU governor to tune, no CPU to bind to.
export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1
export AFL_QUIET=1
# afl-fuzz insists on its own ASan settings (a sanitizer build of syscorn is the target then).
export ASAN_OPTIONS=abort_on_error=1:symbolize=0:detect_leaks=0

# Runs afl-fuzz until a crash file appears or the bound passes; prints the seconds it took.
afl_until_crash() { # OUTDIR NAME -- AFL-FUZZ ARGS...
	local out=$1 name=$2
	shift 3
	local start=$SECONDS
	afl-fuzz -o "$out" "$@" >"$WORK/$name.log" 2>&1 &
	local pid=$!
	while kill -0 $pid 2>/dev/null && [ $((SECONDS - start)) -lt "$TIMEOUT" ]; do
		if ls "$out"/*/crashes/id:* >/dev/null 2>&1; then
			break
		fi
		sleep 1
	done
	kill -INT $pid 2>/dev/null
	wait $pid 2>/dev/null
	echo $((SECONDS - start))
}

replays_crash() { # TARGET CRASHFILE [stdin]: dies of SIGSEGV, as natively
	local rc
	# (Through sh, whose reaping of a crashed child prints nothing.)
	if [ "${3:-}" = stdin ]; then
		rc=$(sh -c '"$@" <"$0" >/dev/null 2>&1; echo $?' "$2" "$SYSCORN" -q "$1")
	else
		rc=$(sh -c '"$@" >/dev/null 2>&1; echo $?' sh "$SYSCORN" -q "$1" "$2")
	fi
	[ "$rc" = 139 ]
}

if ! command -v afl-fuzz >/dev/null; then
	for c in afl-arm64-file afl-x86_64-stdin afl-sync; do
		echo "SKIP $c: afl-fuzz not installed (tools/setup installs Debian's afl++)"
	done
else
	mkdir -p "$WORK/seeds"
	printf 'hello world!' >"$WORK/seeds/hello"

	t=$TARGETS/fuzz_target-arm64
	if [ ! -x "$t" ]; then
		echo "SKIP afl-arm64-file: no $t"
	else
		secs=$(SYSCORN_AFL_SHM=0 afl_until_crash "$WORK/afl-arm64" afl-arm64 -- -D -i "$WORK/seeds" -- "$SYSCORN" --afl "$t" @@)
		crash=$(ls "$WORK"/afl-arm64/*/crashes/id:* 2>/dev/null | head -n 1)
		if [ -z "$crash" ]; then
			echo "FAIL afl-arm64-file: no crash within ${TIMEOUT}s (log: $WORK/afl-arm64.log)"
			KEEP=1
		elif ! replays_crash "$t" "$crash"; then
			echo "FAIL afl-arm64-file: $crash does not crash the target under syscorn"
			KEEP=1
		else
			echo "PASS afl-arm64-file: crash found in ${secs}s"
		fi
	fi

	t=$TARGETS/fuzz_target-x86_64
	if [ ! -x "$t" ]; then
		echo "SKIP afl-x86_64-stdin: no $t"
	else
		secs=$(SYSCORN_AFL_SHM=0 afl_until_crash "$WORK/afl-x86_64" afl-x86_64 -- -D -i "$WORK/seeds" -- "$SYSCORN" --afl "$t")
		crash=$(ls "$WORK"/afl-x86_64/*/crashes/id:* 2>/dev/null | head -n 1)
		if [ -z "$crash" ]; then
			echo "FAIL afl-x86_64-stdin: no crash within ${TIMEOUT}s (log: $WORK/afl-x86_64.log)"
			KEEP=1
		elif ! replays_crash "$t" "$crash" stdin; then
			echo "FAIL afl-x86_64-stdin: $crash does not crash the target under syscorn"
			KEEP=1
		else
			echo "PASS afl-x86_64-stdin: crash found in ${secs}s"
		fi
	fi

	# Shared-memory test cases (what afl-fuzz uses whenever the target accepts them). Without
	# AFL_QUIET afl-fuzz says so in its log.
	for arch in arm64 x86_64; do
		t=$TARGETS/fuzz_target-$arch
		c=afl-$arch-shm
		if [ ! -x "$t" ]; then
			echo "SKIP $c: no $t"
			continue
		fi
		at=(@@) how=
		[ $arch = x86_64 ] && at=() how=stdin
		secs=$(unset AFL_QUIET; afl_until_crash "$WORK/$c" "$c" -- -D -i "$WORK/seeds" -- "$SYSCORN" --afl "$t" "${at[@]}")
		crash=$(ls "$WORK/$c"/*/crashes/id:* 2>/dev/null | head -n 1)
		if ! grep -q "SHARED MEMORY FUZZING" "$WORK/$c.log"; then
			echo "FAIL $c: afl-fuzz did not use shared-memory test cases (log: $WORK/$c.log)"
			KEEP=1
		elif [ -z "$crash" ]; then
			echo "FAIL $c: no crash within ${TIMEOUT}s (log: $WORK/$c.log)"
			KEEP=1
		elif ! replays_crash "$t" "$crash" $how; then
			echo "FAIL $c: $crash does not crash the target under syscorn"
			KEEP=1
		else
			echo "PASS $c: crash found in ${secs}s"
		fi
	done

	# Two instances, one sync directory: test cases cross over (sync:NAME in a queue name).
	t=$TARGETS/fuzz_target-arm64
	if [ -x "$t" ]; then
		sync=$WORK/sync
		afl-fuzz -M main -i "$WORK/seeds" -o "$sync" -- "$SYSCORN" --afl "$t" @@ >"$WORK/main.log" 2>&1 &
		m=$!
		AFL_IMPORT_FIRST=1 afl-fuzz -S second -i "$WORK/seeds" -o "$sync" -- "$SYSCORN" --afl "$t" @@ >"$WORK/second.log" 2>&1 &
		s=$!
		start=$SECONDS
		while [ $((SECONDS - start)) -lt "$TIMEOUT" ]; do
			ls "$sync"/*/queue/*sync:* >/dev/null 2>&1 && break
			sleep 1
		done
		kill -INT $m $s 2>/dev/null
		wait $m $s 2>/dev/null
		if ls "$sync"/*/queue/*sync:* >/dev/null 2>&1 &&
			[ -f "$sync/main/fuzzer_stats" ] && [ -f "$sync/second/fuzzer_stats" ]; then
			echo "PASS afl-sync: test cases crossed between the instances in $((SECONDS - start))s"
		else
			echo "FAIL afl-sync: no synced test case within ${TIMEOUT}s (logs: $WORK/main.log, $WORK/second.log)"
			KEEP=1
		fi
	fi
fi

# afl-fuzz's side of the shared-memory delivery, played by a script: a coverage segment and a
# test-case segment (__AFL_SHM_ID, __AFL_SHM_FUZZ_ID), control and status pipes on 198/199,
# the handshake, then one input after the other in the segment, with the stale input file
# holding the opposite input (crashing where the segment's does not): which one the guest read
# shows in how it ends. With SYSCORN_AFL_SHM=0 (no offer expected) the file holds the input,
# as afl-fuzz writes it when the target does not take shared memory.
cat >"$WORK/afl_shm.py" <<'PY'
import ctypes, os, select, shutil, struct, subprocess, sys, tempfile

syscorn, target, how = sys.argv[1:4]  # how: file (@@) | stdin
extra_env = dict(a.split("=", 1) for a in sys.argv[4:])
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
libc.shmctl.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_void_p]
IPC_PRIVATE, IPC_CREAT, IPC_RMID, MAP_SIZE, MAX_FILE = 0, 0o1000, 0, 1 << 16, 1 << 20


def segment(size):
    sid = libc.shmget(IPC_PRIVATE, size, IPC_CREAT | 0o600)
    addr = libc.shmat(sid, None, 0) if sid >= 0 else None
    if addr in (None, ctypes.c_void_p(-1).value):
        sys.exit("shmget/shmat failed")
    libc.shmctl(sid, IPC_RMID, None)  # goes when the last process detaches
    return sid, addr


map_id, map_addr = segment(MAP_SIZE)
fuzz_id, fuzz_addr = segment(MAX_FILE + 4)
work = tempfile.mkdtemp(prefix="syscorn-afl-shm.")
cur = os.path.join(work, ".cur_input")
CRASH, BENIGN = b"SCRN\xff\x01\x02\x03", b"hello world!"
with open(cur, "wb") as f:
    f.write(BENIGN)
want_shm = extra_env.get("SYSCORN_AFL_SHM") != "0"
ctl_r, ctl_w = os.pipe()
st_r, st_w = os.pipe()
os.dup2(ctl_r, 198)
os.dup2(st_w, 199)
os.close(ctl_r)
os.close(st_w)
env = dict(os.environ, __AFL_SHM_ID=str(map_id), __AFL_SHM_FUZZ_ID=str(fuzz_id), **extra_env)
stdin = open(cur, "rb") if how == "stdin" else subprocess.DEVNULL
p = subprocess.Popen([syscorn, "--afl", target] + ([cur] if how == "file" else []), env=env,
                     stdin=stdin, stdout=subprocess.DEVNULL, pass_fds=(198, 199))
os.close(198)
os.close(199)


def fail(msg):
    p.kill()
    p.wait()
    shutil.rmtree(work)
    sys.exit(msg)


def read4():
    if not select.select([st_r], [], [], 120)[0]:
        fail("no answer from the fork server")
    b = os.read(st_r, 4)
    if len(b) != 4:
        fail(f"the fork server closed its status pipe (exit {p.poll()})")
    return struct.unpack("<I", b)[0]


hello = read4()
if bool(hello & 0x01000000) != want_shm:
    fail(f"hello {hello:#010x}: FS_OPT_SHDMEM_FUZZ {'missing' if want_shm else 'offered'}")
if want_shm:
    os.write(ctl_w, struct.pack("<I", 0x81000001))  # FS_OPT_ENABLED | FS_OPT_SHDMEM_FUZZ
for i, data in enumerate([BENIGN, CRASH, BENIGN, b"SCRN\x05abc", CRASH, CRASH, BENIGN]):
    if want_shm:
        ctypes.memmove(fuzz_addr, struct.pack("<I", len(data)) + data, len(data) + 4)
    with open(cur, "r+b") as f:  # the same file (stdin's too), rewritten
        f.write(data if not want_shm else BENIGN if data == CRASH else CRASH)
        f.truncate()
    ctypes.memset(map_addr, 0, MAP_SIZE)
    os.write(ctl_w, struct.pack("<I", 0))
    read4()  # the pid
    status = read4()
    got = "crash" if status & 0x7f == 11 else "no crash"
    want = "crash" if data == CRASH else "no crash"
    if got != want:
        fail(f"input {i} {data!r}: {got} (status {status:#x}), expected {want}")
    if i == 0 and not any(ctypes.string_at(map_addr, MAP_SIZE)):
        fail("no coverage in the map")
os.close(ctl_w)
try:
    p.wait(timeout=60)
except subprocess.TimeoutExpired:
    fail("the fork server did not end with its control pipe")
shutil.rmtree(work)
PY
if ! command -v python3 >/dev/null; then
	echo "SKIP afl-shm-input: no python3"
else
	fails=() n=0
	for arch in arm64 x86_64; do
		t=$TARGETS/fuzz_target-$arch
		[ -x "$t" ] || continue
		how=file
		[ $arch = x86_64 ] && how=stdin
		for mode in "" SYSCORN_AFL_FORK=1 SYSCORN_AFL_SHM=0; do
			n=$((n + 1))
			if ! out=$(python3 "$WORK/afl_shm.py" "$SYSCORN" "$t" $how $mode 2>&1); then
				fails+=("$arch $how ${mode:-in-process}: $out")
			fi
		done
	done
	if [ $n = 0 ]; then
		echo "SKIP afl-shm-input: no fuzz_target in $TARGETS"
	elif [ ${#fails[@]} -gt 0 ]; then
		echo "FAIL afl-shm-input: ${fails[*]}"
		KEEP=1
	else
		echo "PASS afl-shm-input: the guest got each input from the segment ($n configurations)"
	fi
fi

LF=$BUILD/syscorn-libfuzzer
t=$TARGETS/fuzz_target-arm64
if [ ! -x "$LF" ]; then
	echo "SKIP libfuzzer-arm64: no $LF (needs clang with -fsanitize=fuzzer; tools/setup installs it)"
elif [ ! -x "$t" ]; then
	echo "SKIP libfuzzer-arm64: no $t"
else
	mkdir -p "$WORK/corpus" "$WORK/lf"
	printf 'hello world!' >"$WORK/corpus/hello"
	start=$SECONDS
	(cd "$WORK/lf" && "$LF" "$t" "$WORK/corpus" -max_total_time="$TIMEOUT" -seed=1 -max_len=32 \
		-artifact_prefix="$WORK/lf/" >"$WORK/libfuzzer.log" 2>&1)
	crash=$(ls "$WORK"/lf/crash-* 2>/dev/null | head -n 1)
	if [ -z "$crash" ]; then
		echo "FAIL libfuzzer-arm64: no crash within ${TIMEOUT}s (log: $WORK/libfuzzer.log)"
		KEEP=1
	elif ! replays_crash "$t" "$crash" stdin; then
		echo "FAIL libfuzzer-arm64: $crash does not crash the target under syscorn"
		KEEP=1
	else
		echo "PASS libfuzzer-arm64: crash found in $((SECONDS - start))s"
	fi
fi
exit 0
