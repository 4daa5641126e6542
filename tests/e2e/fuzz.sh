#!/bin/bash
# fuzz.sh: the fuzzers find the planted bug of examples/fuzz_target.c through syscorn.
#
#   afl-arm64-file    afl-fuzz -D -- syscorn --afl fuzz_target-arm64 @@ finds a crash within the
#                     time bound, and the crash file replays as SIGSEGV under plain syscorn
#   afl-x86_64-stdin  the same through stdin, x86-64
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
		secs=$(afl_until_crash "$WORK/afl-arm64" afl-arm64 -- -D -i "$WORK/seeds" -- "$SYSCORN" --afl "$t" @@)
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
		secs=$(afl_until_crash "$WORK/afl-x86_64" afl-x86_64 -- -D -i "$WORK/seeds" -- "$SYSCORN" --afl "$t")
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
