#!/bin/bash
# go.sh: differential tests with Debian's static gojq, a Go program. Go's runtime is a strong
# test of an emulator: it starts threads (clone) at once, parks them on futexes, preempts
# goroutines with SIGURG sent by tgkill, runs signal handlers on sigaltstack stacks, reserves
# big address ranges with mmap(PROT_NONE) and commits them piecemeal, and reads /proc/self/exe
# and /sys/kernel/mm/transparent_hugepage at start-up. The cases do real work: filters over a
# generated 1 MB JSON file, group_by/unique over 100k values (garbage collection with worker
# goroutines), stdin with `inputs`, --stream, @base64/@csv/@tsv, regexes, math, paths,
# modules, env, errors and their exit statuses, halt_error, output through a pipe, death by
# SIGPIPE.
#
# Every case runs twice per architecture, each time as `gojq ARGS...` in a fresh copy of a
# generated fixture directory at the same path, with the given stdin and the environment
#   env -i PATH=/syscorn-e2e-no-path HOME=<work dir> LC_ALL=C TZ=UTC0 GOJQ_E2E_X=... GOJQ_E2E_Y=...
#   reference: amd64 natively, arm64 under qemu-aarch64
#   syscorn:   $SYSCORN gojq ARGS...
# The two runs must agree on stdout, stderr (gojq's messages are deterministic, so stderr is
# compared as it is) and exit status. A case with a pipe sends stdout through a host command
# (cksum, head...); its status is then gojq's. No process may be left behind by either run.
#
# Output: one line per case and architecture, "PASS id", "FAIL id: reason" or "SKIP id: reason",
# with id = <case>-<arch>; a summary goes to stderr. Cases in the PENDING table below need work
# that is not done yet: they run, and a failure is a SKIP naming it.
# Exit status: 0 when the cases ran (failed or not), 2 on a usage or setup error.
set -uo pipefail

HERE=$(dirname "$(readlink -f "$0")")
ROOT=$(readlink -f "$HERE/../..")
E2E_NAME=go
. "$HERE/lib/common.sh"
CACHE=${SYSCORN_CACHE:-$HOME/.cache/syscorn}

usage() {
	cat <<'EOF'
usage: tests/e2e/go.sh [--syscorn PATH] [--arch amd64|arm64|both] [--only REGEX]
                       [--timeout SECS] [--keep] [--list]
  --syscorn  emulator to test (default: $SYSCORN, else build/syscorn in the repo)
  --arch     guest architecture(s) (default: both)
  --only     run only the ids (<case>-<arch>) matching this extended regex
  --timeout  seconds before a run is killed (default: 120)
  --keep     keep the results directory even when every case passes
  --list     print the cases and exit
Binaries come from ${SYSCORN_CACHE:-~/.cache/syscorn}/bin; run tests/fetch-binaries first.
EOF
}

SYSCORN_OPT=${SYSCORN:-$ROOT/build/syscorn}
ARCH_OPT=both
ONLY=""
TIMEOUT=120
KEEP=0
LIST=0
parse_options "$@"
check_options

# ---------------------------------------------------------------- cases
# case_ NAME STDIN PIPE ARGS...: STDIN is a fixture file or - for /dev/null; PIPE is a host
# command that stdout goes through (a shell word list, e.g. 'head -n 3') or - for none.
# The fixture (make_fixture below): big.json (4000 records, 1 MB), records.json (its first 300
# records, one a line), small.json (nested), events.jsonl (2000 objects, one a line), text.txt
# (300 lines), bad.json, truncated.json, a.json b.json c.json, mods/{util,extra}.jq, query.jq.
NAMES=() STDINS=() PIPES=() ARGVS=()
case_() {
	NAMES+=("$1") STDINS+=("$2") PIPES+=("$3")
	ARGVS+=("$(printf '%q ' "${@:4}")")
}

# Filters over the 1 MB file: parsing, select, sort_by, group_by, unique, paths.
case_ records             -  - -c '([.[] | select(.active and .score > 500 and (.tags | index("kilo")))] | length, (.[0:2][] | {id, name, group, lat: .geo.lat})), (sort_by(.group, -.score) | map(.id) | .[0:8]), (group_by(.group) | map({group: .[0].group, n: length, avg: (map(.score) | add / length * 100 | floor), best: (max_by(.score) | .id)})), ([.[].name] | unique | length, .[0:2]), ([paths(type == "boolean")] | length), (map(select(.note == null)) | length)' big.json
# 100k generated values: allocation-heavy, so the collector runs with its worker goroutines.
case_ group-unique-100k   -  - -c -n '[range(100000) | . * 7919 % 1009] | (group_by(.) | length, (map(length) | [min, max, add]), (.[5] | [.[0], length])), (unique | length, .[-2:])'
# Input forms: stdin with inputs (printed with tabs and colours), slurp, --stream (-R: regex).
case_ inputs-stdin        events.jsonl - --tab -C -n 'reduce inputs as $e ({}; .[$e.kind] += $e.n) | .file = input_filename'
case_ slurp-raw           events.jsonl - -r -s 'map(select(.n > 490)) | .[] | "\(.seq)\t\(.kind)\t\(.n)"'
case_ stream              -  - -c -n --stream '[inputs] | (.[] | select(length == 2 and (.[0] | length) > 3)), fromstream(.[]), ([1, [2, {"a": [3]}]] | [tostream] | ., fromstream(.[]))' small.json
# --arg and friends; YAML output.
case_ args                -  - -r -n --arg who 'wörld' --argjson cfg '{"n": 4, "sep": "-"}' --slurpfile ev events.jsonl --rawfile txt a.json '"hello \($who)", ([range($cfg.n)] | map(tostring) | join($cfg.sep)), ($ev | length), ($txt | length), $ARGS.named.who, ($ARGS.positional | @json)' --args x 'y z'
case_ yaml-output         -  - --yaml-output '.config, .items[1], {s: "Grüße ✓\nline two", n: [1.5, null, true]}' small.json
# Formats.
case_ formats             -  - -r '(.note // "none" | @base64 | ., @base64d), ([.name, .note] | @sh), (.note | @uri), ({n: .note} | @html "<b>\(.n)</b>"), ([.id, .name, .score, .active, .note, (.tags | join(","))] | @csv, @tsv)' records.json
# Strings, regexes (over raw input lines), math and dates.
case_ strings             -  - -c -n '"Grüße, Welt! 中文 and ASCII" | ascii_downcase, ascii_upcase, length, utf8bytelength, explode[0:6], (explode | implode), split(", "), ltrimstr("Grü"), rtrimstr("ASCII"), startswith("Grü"), .[3:9], index("Welt"), [splits("[ ,!]+")], (tojson | fromjson), ([.] | join("|")), (. * 2 | length), ("a,b, c" / ","), ([65, 9786] | implode), ([limit(3; repeat("ab"))] | add), ("  pad  " | ltrimstr(" ")), tostring, ("42" | tonumber + 1), ("1e3" | tonumber)'
case_ regex               text.txt     - -c -R 'select(test("the SLOW .* leaps"; "i")) | capture("line (?<n>[0-9]+): the (?<speed>[a-z]+) .* over (?<dogs>[0-9]+)"), gsub("(?<w>[aeiou])(?<x>[a-z])"; "\(.x)\(.w)"), sub("fox"; "FOX"), [scan("[0-9]+")], [match("o[a-z]"; "g").offset], test("^line 0")'
case_ math-dates          -  - -c -n '([range(1; 25)] | map(pow(.; 3)), map(log | . * 1000 | floor), map(sqrt), map(exp10? // 0 | log10), (reduce .[] as $x (1; . * $x))), ([1.5, -1.5, 2.5, -0.5] | map(floor, ceil, round, fabs, trunc)), (100000000000000000000 * 99999999999999999999), (1e308 * 10 | isinfinite), ([nan] | sort), (3 / 7), pow(2; 0.5), (17 % 5), (-17 % 5), (1 | atan * 4), ([10, 2, 33] | min, max, add / length), (0.1 + 0.2), (1e-7, 123456789012, 1.5e300), (infinite | tostring), (8.5 | significand), (10 | frexp), (2 | ldexp(.; 10)), (10 | gamma), (1 | exp), atan2(3; 1), (255 | tostring), ([range(0; 1; 0.25)]), (1700000000 | todate, gmtime, (gmtime | mktime), strftime("%A %d %B %Y %H:%M:%S %j %Z")), ("2015-03-05T23:51:47Z" | fromdate), ("10 Jan 2024 13:45" | strptime("%d %b %Y %H:%M") | mktime), (1425599507.25 | todate), (now | type)'
# Paths, env, file names, modules.
case_ paths               -  - -c '[paths], [paths(type == "number")], getpath(["config", "limits", "max"]), setpath(["config", "name"]; "new").config.name, delpaths([["items"], ["config", "limits"]]), to_entries[0], (with_entries(.key |= ascii_upcase) | keys), [leaf_paths | join(".")?], ([..] | length), del(.items[1:]), walk(if type == "number" then . + 1 else . end), (path(..) | select(length == 3))' small.json
case_ env-filename        -  - -c '[input_filename, .a, env.GOJQ_E2E_X, $ENV.GOJQ_E2E_Y, (env | has("GOJQ_E2E_Z")), env.TZ], (try (input | input_filename) catch "no more input")' a.json b.json c.json
case_ modules             -  - -r -L mods -f query.jq a.json
# Errors: messages on stderr and exit statuses.
case_ error-invalid-json  -  - '.a' a.json bad.json b.json truncated.json
case_ error-missing-file  -  - -c '.a' a.json no-such-file.json b.json
case_ error-runtime       -  - -n '"before", (try error("caught") catch "got \(.)"), (try error({"code": 3}) catch .code), ({} | .a.b |= 1), error({"code": 4}), "after"'
case_ error-query         -  - -n '{a: }'
case_ halt-error          -  - -n '"stdout", ("bye\n" | halt_error(3)), "never"'
# Output through a pipe: 100k lines, and death by SIGPIPE when the reader goes away.
case_ large-output        -  cksum -n 'range(100000)'
case_ sigpipe             -  'head -n 3' -n 'range(10000000)'

# ---------------------------------------------------------------- pending work
# Cases that need work not done yet: a failure is reported as SKIP naming it, a pass as PASS.
# NAME<TAB>reason; remove a line when the work lands.
PENDING='
'

if [ "$LIST" = 1 ]; then
	for i in "${!NAMES[@]}"; do
		printf '%-20s %-14s %-10s %s\n' "${NAMES[$i]}" "${STDINS[$i]}" "${PIPES[$i]}" "${ARGVS[$i]}"
	done
	exit 0
fi

for t in timeout env cmp diff pgrep python3 cksum head; do
	command -v "$t" >/dev/null || die "'$t' is required"
done
for arch in "${ARCHES[@]}"; do
	[ -x "$CACHE/bin/$arch/gojq" ] || die "missing $CACHE/bin/$arch/gojq: run tests/fetch-binaries first"
done
QEMU=$(command -v qemu-aarch64 || true)
# Runs happen inside the work directory, so the emulator path must be absolute.
find_syscorn

TMP=$(mktemp -d "${TMPDIR:-/tmp}/syscorn-go.XXXXXX") || die "mktemp failed"
RESULTS=$(mktemp -d "${TMPDIR:-/tmp}/syscorn-go-results.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$TMP"' EXIT
FIXTURE=$TMP/fixture
WORK=$TMP/work
OUT=$TMP/out
# The programs are run through links under $TMP, so that their command lines name $TMP and
# anything left behind can be found.
for arch in amd64 arm64; do
	mkdir -p "$TMP/bin/$arch"
	ln -s "$CACHE/bin/$arch/gojq" "$TMP/bin/$arch/gojq"
done

# ---------------------------------------------------------------- fixture
make_fixture() { # DIR
	mkdir -p "$1/mods" && cd "$1" && python3 - <<'EOF'
import json

x = 12345
def rnd(n):  # a fixed LCG, so the fixture is the same everywhere
    global x
    x = (x * 1103515245 + 12345) % 2147483648
    return (x >> 8) % n

words = ("alpha bravo charlie delta echo foxtrot golf hotel india juliett kilo lima mike "
         "november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu").split()
recs = []
for i in range(4000):
    recs.append({
        "id": i,
        "name": "%s-%s-%d" % (words[rnd(26)], words[rnd(26)], rnd(1000)),
        "group": words[rnd(8)],
        "score": rnd(100000) / 100,
        "active": rnd(3) != 0,
        "tags": [words[rnd(26)] for _ in range(rnd(5))],
        "geo": {"lat": (rnd(180000) - 90000) / 1000, "lon": (rnd(360000) - 180000) / 1000},
        "note": None if rnd(4) == 0 else 'Note \u00e9\u4e2d #%d: "q" \\ <tag> & tab\t end \'s' % rnd(100),
    })
json.dump(recs, open("big.json", "w"), indent=2, ensure_ascii=False)
with open("records.json", "w") as f:
    for r in recs[:300]:
        f.write(json.dumps(r, ensure_ascii=False) + "\n")
with open("events.jsonl", "w") as f:
    for i in range(2000):
        f.write(json.dumps({"seq": i, "kind": words[rnd(5)], "n": rnd(1000) - 500}) + "\n")
small = {
    "config": {"name": "demo", "version": 3, "enabled": True, "ratio": 0.25,
               "limits": {"max": 100, "min": -5, "list": [1, 2, {"deep": [None, False]}]}},
    "items": [{"k": "a", "v": 1}, {"k": "b", "v": [2, 3]}, {"k": "c", "v": {"w": "x"}}],
    "empty": {}, "none": [],
}
json.dump(small, open("small.json", "w"), indent=1)
with open("text.txt", "w") as f:
    for i in range(1, 301):
        f.write("line %03d: the %s brown fox %s over %d lazy dogs\n"
                % (i, "quick" if i % 3 else "slow", "jumps" if i % 5 else "leaps", (i * 7919) % 1000))
open("bad.json", "w").write('{"a": 1}\n{"a": 2,\n "b": [1, 2,, 3]}\n')
open("truncated.json", "w").write('{"a": [1, 2, {"b": "c"')
for n, v in (("a", 1), ("b", "two"), ("c", [3])):
    open(n + ".json", "w").write(json.dumps({"a": v}) + "\n")
open("mods/util.jq", "w").write('def double: . * 2;\ndef twice(f): f | f;\n')
open("mods/extra.jq", "w").write('def greet(n): "hello, \\(n)";\n')
open("query.jq", "w").write('# a query from a file, with modules from -L\n'
                            'import "util" as u;\ninclude "extra";\n'
                            '.a | u::double, u::twice(u::double), greet(.), ([range(5)] | map(u::double) | @text)\n')
EOF
}

# ---------------------------------------------------------------- running
# Runs one case in a fresh $WORK; leaves stdout, stderr, status and the processes left behind
# in DEST.
run_case() { # DEST STDIN PIPE CMD...
	local dest=$1 in=$2 pipe=$3
	shift 3
	mkdir -p "$dest"
	rm -rf "$WORK"
	cp -a "$FIXTURE" "$WORK" || return 1
	# timeout kills its whole process group; the braces take bash's "Killed" report of the
	# subshell away from our stderr. The PATH leads nowhere: gojq starts no programs.
	{ (
		cd "$WORK" || exit 125
		for fd in /proc/$BASHPID/fd/*; do
			fd=${fd##*/}
			[ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-"
		done 2>/dev/null
		run() {
			timeout -s KILL "$TIMEOUT" env -i PATH=/syscorn-e2e-no-path HOME="$WORK" LC_ALL=C \
				TZ=UTC0 GOJQ_E2E_X='value of X' GOJQ_E2E_Y='{"not": "parsed"}' \
				"$@" <"$in" 2>"$dest/stderr"
		}
		if [ "$pipe" = - ]; then
			run "$@" >"$dest/stdout"
			echo $? >"$dest/status"
		else
			run "$@" | eval "$pipe" >"$dest/stdout"
			echo "${PIPESTATUS[0]}" >"$dest/status"
		fi
	); } 2>/dev/null
	[ -s "$dest/status" ] || echo 125 >"$dest/status"
	check_left "$dest"
	rm -rf "$WORK"
}

# The first difference between two files, for the reason line.
first_diff() { # WHAT REF EMU
	local n line
	n=$(cmp "$2" "$3" 2>/dev/null | sed -n 's/.* line \([0-9]*\)$/\1/p')
	if [ -n "$n" ]; then
		line=$(sed -n "${n}p" "$3" | cut -c1-60)
		printf "%s differs at line %s: '%s'" "$1" "$n" "$line"
	else
		printf '%s differs (one is a prefix of the other)' "$1"
	fi
}

# Compares the reference run with the syscorn run; prints the reason for a difference.
compare_runs() { # REFDIR EMUDIR SAVEDIR
	local r=$1 e=$2 save=$3 why=() rs es
	rs=$(<"$r/status") es=$(<"$e/status")
	# A reference that hangs is a broken case, not something syscorn must match.
	[ "$rs" = 137 ] && why+=("the reference run was killed (timeout ${TIMEOUT}s?)")
	[ -s "$r/left" ] && why+=("the reference left processes behind")
	if [ "$rs" != "$es" ]; then
		local note=""
		[ "$es" = 137 ] && note=", killed (timeout ${TIMEOUT}s?)"
		why+=("exit status $(status_text "$es"), want $(status_text "$rs")$note")
	fi
	cmp -s "$r/stdout" "$e/stdout" || why+=("$(first_diff stdout "$r/stdout" "$e/stdout")")
	cmp -s "$r/stderr" "$e/stderr" || why+=("$(first_diff stderr "$r/stderr" "$e/stderr")")
	[ -s "$e/left" ] && why+=("processes left behind: $(grep -vc PID "$e/left")")
	[ ${#why[@]} -eq 0 ] && return 0
	mkdir -p "$save"
	cp -r "$r" "$save/reference"
	cp -r "$e" "$save/syscorn"
	diff -u "$r/stdout" "$e/stdout" | head -n 200 >"$save/stdout.diff"
	diff -u "$r/stderr" "$e/stderr" | head -n 200 >"$save/stderr.diff"
	local IFS=';'
	printf '%s' "${why[*]}" | sed 's/;/; /g'
	return 1
}

(make_fixture "$FIXTURE") || die "cannot build the fixture"

n_pass=0 n_fail=0 n_skip=0
for arch in "${ARCHES[@]}"; do
	gojq=$TMP/bin/$arch/gojq
	for i in "${!NAMES[@]}"; do
		name=${NAMES[$i]} pipe=${PIPES[$i]}
		eval "argv=(${ARGVS[$i]})"
		id=$name-$arch
		[ -z "$ONLY" ] || [[ $id =~ $ONLY ]] || continue
		if [ "${STDINS[$i]}" = - ]; then stdin=/dev/null; else stdin=$FIXTURE/${STDINS[$i]}; fi
		if [ "$arch" = amd64 ]; then
			ref=("$gojq")
		elif [ -n "$QEMU" ]; then
			ref=("$QEMU" "$gojq")
		else
			echo "SKIP $id: qemu-aarch64 not found (needed for the arm64 reference)"
			n_skip=$((n_skip + 1))
			continue
		fi
		rm -rf "$OUT"
		run_case "$OUT/reference" "$stdin" "$pipe" "${ref[@]}" "${argv[@]}"
		run_case "$OUT/syscorn" "$stdin" "$pipe" "$SYSCORN_BIN" "$gojq" "${argv[@]}"
		if why=$(compare_runs "$OUT/reference" "$OUT/syscorn" "$RESULTS/$id"); then
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

print_summary
exit 0
