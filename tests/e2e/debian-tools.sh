#!/bin/bash
# debian-tools.sh: differential tests with Debian's static busybox and bash.
#
# Every case of debian-tools.cases runs twice per architecture, each time in a
# fresh copy of a generated fixture directory at the same path:
#   reference: amd64 natively, arm64 under qemu-aarch64
#   syscorn:   $SYSCORN BINARY ARGS...
# and the two runs must agree on stdout, exit status and the resulting directory
# tree (path, type, mode, content hash, symlink target, link count, and mtime when
# it is a fixed fixture time rather than "now").  stderr is saved, not compared.
#
# Output: one line per case and architecture, "PASS id", "FAIL id: reason" or
# "SKIP id: reason", with id = <case>-<arch>; a summary goes to stderr.
# Exit status: 0 when the cases ran (failed or not), 2 on a usage or setup error.
# Cases run as one process each (syscorn need not fork); --self-check verifies that
# and that the harness catches differences.
set -uo pipefail

HERE=$(dirname "$(readlink -f "$0")")
ROOT=$(readlink -f "$HERE/../..")
E2E_NAME=debian-tools
. "$HERE/lib/common.sh"
CASES=$HERE/debian-tools.cases
CACHE=${SYSCORN_CACHE:-$HOME/.cache/syscorn}

usage() {
	cat <<'EOF'
usage: tests/e2e/debian-tools.sh [--syscorn PATH] [--arch amd64|arm64|both]
                                 [--only REGEX] [--timeout SECS] [--keep] [--self-check]
  --syscorn  emulator to test (default: $SYSCORN, else build/syscorn in the repo)
  --arch     guest architecture(s) (default: both)
  --only     run only the ids (<case>-<arch>) matching this extended regex
  --timeout  seconds before a run is killed (default: 60)
  --keep     keep the diff directory even when every case passes
  --self-check  test the harness and the cases instead of syscorn: every case must
             pass with a stand-in that runs the reference, and fail with stand-ins
             that spoil stdout, the exit status or the tree; under strace (amd64)
             no case may start a child process.
Binaries come from ${SYSCORN_CACHE:-~/.cache/syscorn}/bin; run tests/fetch-binaries first.
EOF
}

SYSCORN_OPT=${SYSCORN:-$ROOT/build/syscorn}
ARCH_OPT=both
ONLY=""
TIMEOUT=60
KEEP=0
SELF_CHECK=0
PASSTHROUGH=("$@")
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
	--self-check) SELF_CHECK=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
check_options
for t in timeout env python3 cmp diff awk cksum find sha256sum; do
	command -v "$t" >/dev/null || die "'$t' is required"
done
[ -f "$CASES" ] || die "missing $CASES"

# The amd64 busybox also builds the fixture, so it is needed for either arch.
[ -x "$CACHE/bin/amd64/busybox" ] || die "missing $CACHE/bin/amd64/busybox: run tests/fetch-binaries first"
for arch in "${ARCHES[@]}"; do
	for p in busybox bash; do
		[ -x "$CACHE/bin/$arch/$p" ] ||
			die "missing $CACHE/bin/$arch/$p: run tests/fetch-binaries first"
	done
done
QEMU=$(command -v qemu-aarch64 || true)

# ---------------------------------------------------------------- self-check
# Stand-ins for syscorn (Python, because a shell wrapper would add PWD and the like
# to the environment).  MODE: ref runs the reference; stdout, status and tree spoil
# one result; strace fails (status 99) when the program forks, clones or execs.
write_standin() { # FILE MODE
	cat >"$1" <<EOF
#!$PYTHON
import os, subprocess, sys
MODE, QEMU, STRACE = "$2", "$QEMU", "$(command -v strace || true)"
with open(sys.argv[1], "rb") as f:
    arm64 = f.read(20)[18:20] == b"\xb7\x00"
args = ([QEMU] if arm64 else []) + sys.argv[1:]
if MODE == "ref":
    os.execv(args[0], args)
if MODE == "strace":
    log = "%s.%d.strace" % (sys.argv[0], os.getpid())
    r = subprocess.run([STRACE, "-f", "-qq", "-e", "trace=process", "-o", log] + args).returncode
    calls = [l for l in open(log) if "execve(" in l or "fork(" in l or "clone" in l]
    os.unlink(log)
    if len(calls) > 1:
        sys.stderr.write("child processes: " + "".join(calls))
        r = 99
    sys.exit(r)
r = subprocess.run(args).returncode
if r < 0:
    r = 128 - r
if MODE == "stdout":
    os.write(1, b"!")
elif MODE == "status":
    r += 1
elif MODE == "tree":
    open("stray-file", "w").close()
sys.exit(r)
EOF
	chmod 755 "$1"
}

# Runs this script with stand-in MODE and checks that every run got WANT (PASS or
# FAIL); prints one line for the check.
self_check_one() { # MODE WANT [ARGS...]
	local mode=$1 want=$2 out bad n
	shift 2
	write_standin "$SC/$mode" "$mode"
	out=$(TMPDIR=$SC "$BASH" "$0" "$@" --syscorn "$SC/$mode" 2>"$SC/$mode.stderr") || {
		cat "$SC/$mode.stderr" >&2
		echo "FAIL self-check-$mode: the run failed"
		SC_FAILED=1
		return
	}
	n=$(grep -cE '^(PASS|FAIL) ' <<<"$out")
	bad=$(grep -E '^(PASS|FAIL) ' <<<"$out" | grep -v "^$want " | head -n 5 | cut -c1-200)
	if [ "$n" = 0 ]; then
		echo "FAIL self-check-$mode: no case ran"
		SC_FAILED=1
	elif [ -n "$bad" ]; then
		echo "FAIL self-check-$mode: expected every run to $want, but:"
		printf '    %s\n' "$bad"
		SC_FAILED=1
	else
		echo "PASS self-check-$mode: $n runs, all $want"
	fi
}

if [ "$SELF_CHECK" = 1 ]; then
	PYTHON=$(python3 -c 'import sys; print(sys.executable)') || die "python3 does not run"
	SC=$(mktemp -d "${TMPDIR:-/tmp}/syscorn-e2e-selfcheck.XXXXXX") || die "mktemp failed"
	trap 'rm -rf "$SC"' EXIT
	SC_FAILED=0
	args=()
	for a in "${PASSTHROUGH[@]}"; do [ "$a" = --self-check ] || args+=("$a"); done
	self_check_one ref PASS "${args[@]}"
	self_check_one stdout FAIL "${args[@]}"
	self_check_one status FAIL "${args[@]}"
	self_check_one tree FAIL "${args[@]}"
	# Debian builds busybox and bash with the same options for both architectures,
	# so tracing the amd64 runs is enough.
	if command -v strace >/dev/null; then
		self_check_one strace PASS "${args[@]}" --arch amd64
	else
		echo "SKIP self-check-strace: strace not found"
	fi
	if [ "$SC_FAILED" = 1 ]; then
		trap - EXIT
		printf 'debian-tools: self-check files and diffs kept in %s\n' "$SC" >&2
	fi
	exit 0
fi

# Runs happen inside the work directory, so the emulator path must be absolute.
find_syscorn

TMP=$(mktemp -d "${TMPDIR:-/tmp}/syscorn-e2e.XXXXXX") || die "mktemp failed"
RESULTS=$(mktemp -d "${TMPDIR:-/tmp}/syscorn-e2e-diffs.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$TMP"' EXIT
FIXTURE=$TMP/fixture
WORK=$TMP/work
OUT=$TMP/out

# ---------------------------------------------------------------- fixture
# Fixed mtimes (1995..1998, all below the 1e9 cut-off used by the manifest), derived
# from each path so that stamping twice gives the same values.
stamp_times() { # DIR
	local p c
	(
		cd "$1" || exit 1
		find . -depth -print | while IFS= read -r p; do
			c=$(printf '%s' "$p" | cksum)
			touch -h -d "@$((800000000 + ${c%% *} % 100000000))" -- "$p"
		done
	)
}

make_fixture() { # DIR
	local F=$1 BB=$CACHE/bin/amd64/busybox
	mkdir -p "$F/tree/sub1/deep" "$F/tree/sub2" "$F/tree/empty" "$F/extract"
	cd "$F" || return 1
	awk 'BEGIN { for (i = 1; i <= 300; i++)
		printf "line %03d: the %s brown fox %s over %d lazy dogs\n", i,
			(i % 3 ? "quick" : "slow"), (i % 5 ? "jumps" : "leaps"), (i * 7919) % 1000 }' >text.txt
	awk '{ if (NR % 7 == 0) sub(/fox/, "cat"); if (NR != 100) print } NR == 200 { print "an inserted line" }' \
		text.txt >modified.txt
	printf '%s\n' pear apple fig apple apple kiwi banana fig cherry date kiwi Fig Apple zebra >words.txt
	awk 'BEGIN { for (i = 1; i <= 500; i++) print (i * i) % 997 - 400 }' >numbers.txt
	awk 'BEGIN { for (i = 1; i <= 25; i++)
		printf "user%02d:x:%d:%d:User %d,,,:/home/user%02d:/bin/%s\n", i, 1000 + (i * 37) % 100, 100 + i % 4, i, i, (i % 2 ? "bash" : "sh") }' >table.txt
	printf 'first line\n  indented line with  spaces  \nthird\tline\twith\ttabs\n\nlast line without newline' >stdin.txt
	printf 'scale=20\n4*a(1)\n2^100\nsqrt(2)\n1/7\n' >calc.bc
	printf '1,5d\n$s/dogs/cats/\nw\n,p\nq\n' >edit.ed
	# shellcheck disable=SC2016 # the expansions belong to the generated script
	printf '%s\n' '#!/bin/bash' 'greet() { printf "hello %s (%d)\n" "$1" "${#1}"; }' \
		'for a in "$@"; do greet "$a"; done' 'n=0; while [ $n -lt 5 ]; do n=$((n + 1)); done' \
		'echo "n=$n args=$# last=${!#}"' 'exit 3' >script.sh
	chmod 755 script.sh
	python3 - <<'EOF'
import hashlib
# data.bin: 1 MiB of a sha256 chain; small.bin: every byte value once.
out, h = bytearray(), b"syscorn"
while len(out) < 1 << 20:
    h = hashlib.sha256(h).digest()
    out += h
open("data.bin", "wb").write(out[: 1 << 20])
open("small.bin", "wb").write(bytes(range(256)))
EOF
	echo one >tree/a.txt
	echo two >tree/sub1/b.txt
	echo three >tree/sub1/deep/c.txt
	awk 'BEGIN { for (i = 1; i <= 500; i++) print i }' >tree/sub2/d.txt
	echo hidden >tree/.hidden
	printf 'secret\n' >tree/secret
	chmod 600 tree/secret
	printf '#!/bin/sh\necho hi\n' >tree/run.sh
	chmod 755 tree/run.sh
	ln -s sub1/b.txt tree/link
	ln -s nowhere tree/dangling
	md5sum text.txt words.txt tree/a.txt >sums.md5
	sha256sum text.txt data.bin >sums.sha256
	stamp_times "$F"
	# Archives of fixture data, made with the host's busybox so they don't depend
	# on host tool versions; made after stamping so they hold the fixed times.
	"$BB" gzip -9 -c text.txt >text.txt.gz
	"$BB" gzip -c data.bin >data.bin.gz
	"$BB" bzip2 -c text.txt >text.txt.bz2
	"$BB" bzip2 -c data.bin >data.bin.bz2
	"$BB" base64 text.txt >text.b64
	"$BB" tar cf archive.tar tree
	"$BB" diff -u text.txt modified.txt >fix.patch
	find tree | LC_ALL=C sort | "$BB" cpio -o -H newc >archive.cpio 2>/dev/null
	stamp_times "$F"
}

# ---------------------------------------------------------------- manifest
# One line per entry: path, type, mode, link count (files), content hash or link
# target, and mtime if it is a fixed time (< 1e9) else "new".
manifest() { # DIR OUTFILE
	(
		cd "$1" || exit 1
		find . -type f -exec sha256sum {} +
		echo "--"
		find . -mindepth 1 -printf '%P\t%y\t%m\t%n\t%s\t%T@\t%l\n'
	) | awk -F'\t' '
		$0 == "--" { meta = 1; next }
		!meta { h[substr($0, 67)] = substr($0, 1, 64); next }
		{
			mt = $6 + 0 < 1e9 ? int($6) : "new"
			if ($2 == "f") what = "f nlink=" $4 " size=" $5 " sha256=" h["./" $1]
			else if ($2 == "l") what = "l -> " $7
			else what = $2
			printf "%s %s mode=%s mtime=%s\n", $1, what, $3, mt
		}' | LC_ALL=C sort >"$2"
}

# ---------------------------------------------------------------- running
# Runs one case in a fresh $WORK and leaves stdout, stderr, status, manifest in DEST.
run_in_fixture() { # DEST STDIN CMD...
	local dest=$1 in=$2
	shift 2
	mkdir -p "$dest"
	rm -rf "$WORK"
	cp -a "$FIXTURE" "$WORK"
	# timeout kills its whole process group; the subshell is outside it and its
	# stderr is discarded, so a kill gives status 137 without a "Killed" message.
	# The PATH leads nowhere so that a case which execs something fails visibly.
	(
		cd "$WORK" || exit 125
		timeout -s KILL "$TIMEOUT" env -i PATH=/syscorn-e2e-no-path HOME="$WORK" \
			LC_ALL=C TZ=UTC0 "$@" <"$in" >"$dest/stdout" 2>"$dest/stderr"
	) 2>/dev/null
	echo $? >"$dest/status"
	manifest "$WORK" "$dest/manifest"
}

# Compares the reference run with the syscorn run; prints the reason for a difference.
compare_runs() { # REFDIR EMUDIR SAVEDIR
	local r=$1 e=$2 save=$3 why=() rs es
	rs=$(<"$r/status") es=$(<"$e/status")
	# A reference that hangs is a broken case, not something syscorn must match.
	[ "$rs" = 137 ] && why+=("the reference run was killed (timeout ${TIMEOUT}s?)")
	if [ "$rs" != "$es" ]; then
		local note=""
		[ "$es" = 137 ] && note=", killed (timeout ${TIMEOUT}s?)"
		why+=("exit status $es, want $rs$note")
	fi
	cmp -s "$r/stdout" "$e/stdout" || why+=("stdout differs")
	cmp -s "$r/manifest" "$e/manifest" || why+=("directory tree differs")
	[ ${#why[@]} -eq 0 ] && return 0
	mkdir -p "$save"
	cp -r "$r" "$save/reference"
	cp -r "$e" "$save/syscorn"
	diff -u "$r/manifest" "$e/manifest" >"$save/manifest.diff"
	diff -u "$r/stdout" "$e/stdout" | head -n 500 >"$save/stdout.diff"
	if grep -q '^Binary files' "$save/stdout.diff"; then
		cmp -l "$r/stdout" "$e/stdout" 2>&1 | head -n 50 >"$save/stdout.diff"
	fi
	local IFS=';'
	printf '%s' "${why[*]}" | sed 's/;/; /g'
	return 1
}

# ---------------------------------------------------------------- cases
(make_fixture "$FIXTURE") >/dev/null || die "cannot build the fixture"

# Sets argv to the shell words of STRING.  (Not "argv=($1)": a leading "[" would be
# taken for an array subscript.)
split_words() { # STRING
	eval "set -- $1" || return 1
	argv=("$@")
}

declare -A seen=()
n_pass=0 n_fail=0 n_skip=0 lineno=0
# The table is read on fd 3 so that nothing in the loop can eat it from stdin.
while read -r -u 3 name prog input args; do
	lineno=$((lineno + 1))
	case $name in '' | '#'*) continue ;; esac
	[ -n "${seen[$name]:-}" ] && die "$CASES:$lineno: duplicate case '$name'"
	seen[$name]=1
	case $prog in busybox | bash) ;; *) die "$CASES:$lineno: unknown program '$prog'" ;; esac
	split_words "$args" || die "$CASES:$lineno: cannot parse the arguments"
	if [ "$input" = - ]; then stdin=/dev/null; else stdin=$FIXTURE/$input; fi
	[ -f "$stdin" ] || [ "$stdin" = /dev/null ] || die "$CASES:$lineno: no fixture file '$input'"

	for arch in "${ARCHES[@]}"; do
		id=$name-$arch
		[ -z "$ONLY" ] || [[ $id =~ $ONLY ]] || continue
		bin=$CACHE/bin/$arch/$prog
		if [ "$arch" = amd64 ]; then
			ref=("$bin")
		elif [ -n "$QEMU" ]; then
			ref=("$QEMU" "$bin")
		else
			echo "SKIP $id: qemu-aarch64 not found (needed for the arm64 reference)"
			n_skip=$((n_skip + 1))
			continue
		fi
		rm -rf "$OUT"
		run_in_fixture "$OUT/reference" "$stdin" "${ref[@]}" "${argv[@]}"
		run_in_fixture "$OUT/syscorn" "$stdin" "$SYSCORN_BIN" "$bin" "${argv[@]}"
		if why=$(compare_runs "$OUT/reference" "$OUT/syscorn" "$RESULTS/$id"); then
			echo "PASS $id"
			n_pass=$((n_pass + 1))
		else
			echo "FAIL $id: $why (see $RESULTS/$id)"
			n_fail=$((n_fail + 1))
		fi
	done
done 3<"$CASES"

print_summary diffs
exit 0
