#!/bin/bash
# shell.sh: differential tests of shell scripts under Debian's static bash and busybox sh:
# pipelines, subshells, $(...), background jobs and wait, xargs, find -exec, here-strings,
# exit statuses of killed children, ulimit, read -t, traps, #! scripts. The shells start other
# programs, so these cases exercise fork, exec and wait.
#
# Every case runs twice per architecture, each time as `SHELL -c SCRIPT` in a fresh empty work
# directory at the same path, with stdin from /dev/null and the environment
#   env -i PATH=<bin> HOME=<work dir> LC_ALL=C TZ=UTC0
# where <bin> is one directory holding bash, sh and every busybox applet as links to the
# binaries of one architecture (so that a script's `sort` or `sh` is of the same architecture
# as its shell, and every path a script can see is the same in both runs):
#   amd64: reference natively, with amd64 links;  syscorn: $SYSCORN SHELL -c SCRIPT
#   arm64: syscorn with arm64 links, against a reference that is either
#            q  qemu-aarch64 with arm64 links (for cases that start no other program:
#               qemu-user cannot exec an arm64 program), or
#            n  the amd64 reference (Debian builds both architectures alike)
# The two runs must agree on stdout and exit status; stderr is saved, not compared. No
# process may be left behind by either run.
#
# Output: one line per case and architecture, "PASS id", "FAIL id: reason" or "SKIP id: reason",
# with id = <case>-<arch>; a summary goes to stderr. Cases in the PENDING table below need work
# that is not done yet: they run, and a failure is a SKIP naming it.
# Exit status: 0 when the cases ran (failed or not), 2 on a usage or setup error.
set -uo pipefail

HERE=$(dirname "$(readlink -f "$0")")
ROOT=$(readlink -f "$HERE/../..")
E2E_NAME=shell
. "$HERE/lib/common.sh"
CACHE=${SYSCORN_CACHE:-$HOME/.cache/syscorn}

usage() {
	cat <<'EOF'
usage: tests/e2e/shell.sh [--syscorn PATH] [--arch amd64|arm64|both] [--only REGEX]
                          [--timeout SECS] [--keep] [--list]
  --syscorn  emulator to test (default: $SYSCORN, else build/syscorn in the repo)
  --arch     guest architecture(s) (default: both)
  --only     run only the ids (<case>-<arch>) matching this extended regex
  --timeout  seconds before a run is killed (default: 20)
  --keep     keep the results directory even when every case passes
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

# ---------------------------------------------------------------- cases
# case NAME SHELL REF SCRIPT: SHELL is bash or sh (busybox); REF is q or n (see above).
NAMES=() SHELLS=() REFS=() SCRIPTS=()
case_() {
	NAMES+=("$1") SHELLS+=("$2") REFS+=("$3") SCRIPTS+=("$4")
}

# Pipelines
case_ bash-pipeline-sort     bash n 'seq 1 100000 | sort -r | head -n 5; echo "${PIPESTATUS[*]}"'
case_ sh-pipeline-sort       sh   n 'seq 1 100000 | sort -r | head -n 5'
case_ bash-pipeline-status   bash q 'false | true; echo $?; true | false; echo $?; set -o pipefail; false | true; echo $?; true | false | true; echo "${PIPESTATUS[*]}"'
case_ sh-pipeline-status     sh   q 'false | true; echo $?; true | false; echo $?; ! true | false; echo $?'
case_ bash-pipeline-sigpipe  bash n 'yes | head -n 3; echo "${PIPESTATUS[*]}"; seq 1 1000000 | head -n 1; echo "${PIPESTATUS[*]}"'
case_ sh-pipeline-big        sh   n 'head -c 3000000 /dev/zero | wc -c; seq 1 50000 | md5sum; seq 1 20000 | tr 0-9 a-j | sort | uniq -c | sort -rn | head -n 3'
case_ bash-pipeline-long     bash n 'seq 1 300 | grep 7 | sed s/7/seven/ | tr a-z A-Z | cut -c1-4 | sort | uniq | wc -l'
# Subshells and command substitution
case_ bash-subshell          bash q 'x=1; (x=2; echo in $x; exit 3); echo out $x $?; ( (exit 4) ); echo $?; (cd /; pwd); pwd'
case_ sh-subshell            sh   q 'x=1; (x=2; echo in $x; exit 3); echo out $x $?; ( (exit 4) ); echo $?; (cd /; pwd); pwd'
case_ bash-cmdsubst          bash q 'a=$(echo hello); echo "$a"; b=$(printf "%s-" 1 2 3); echo "$b"; echo "$(echo "$(echo nested)")"; x=$(exit 5); echo $?; echo `echo back` ticks'
case_ sh-cmdsubst            sh   q 'a=$(echo hello); echo "$a"; b=$(printf "%s-" 1 2 3); echo "$b"; echo "$(echo "$(echo nested)")"; x=$(exit 5); echo $?'
case_ sh-cmdsubst-exec       sh   n 'n=$(seq 1 1000 | wc -l); echo $n; echo $(basename /a/b/c) $(dirname /a/b/c); echo "$(sh -c "echo inner; exit 3")" $?'
case_ bash-procsubst         bash n 'diff <(seq 3) <(seq 3) && echo same; cat <(echo one) <(echo two); while read l; do echo "got $l"; done < <(seq 2)'
# Background jobs and wait
case_ bash-bg-wait           bash n 'sleep 0.2 & p=$!; echo started; wait $p; echo status $?; (exit 3) & wait $!; echo $?'
case_ sh-bg-wait             sh   n 'sleep 0.2 & p=$!; echo started; wait $p; echo status $?; (exit 3) & wait $!; echo $?'
case_ bash-bg-many           bash n 'for i in 3 2 1; do (sleep $i; echo job $i) & done; wait; echo all done'
case_ sh-bg-many             sh   n 'for i in 3 2 1; do (sleep $i; echo job $i) & done; wait; echo all done'
case_ bash-bg-kill           bash n 'sleep 10 & p=$!; kill $p; wait $p; echo $?; sleep 10 & kill -9 $!; wait $!; echo $?'
case_ sh-bg-kill             sh   n 'sleep 10 & p=$!; kill $p; wait $p; echo $?'
case_ bash-wait-n            bash n 'sleep 0.4 & sleep 0.1 & wait -n; echo first $?; wait; echo all; jobs | wc -l'
# xargs, find -exec
case_ sh-xargs               sh   n 'seq 1 20 | xargs -n 5 echo; printf "a b\nc\n" | xargs -I{} sh -c "echo item: {}"; echo x y z | xargs -n 1 | wc -l'
case_ bash-xargs             bash n 'seq 1 12 | xargs -n 4 sh -c '\''echo $# "$@"'\'' sh; seq 5 | xargs sh -c '\''exit 3'\'' sh; echo $?'
case_ sh-find-exec           sh   n 'mkdir -p d/e; echo 1 > d/a; echo 2 > d/e/b; find d -type f -exec cat {} \; | sort; find d -type f -exec echo {} + | tr " " "\n" | sort; find d -name b -exec sh -c "echo found \$1" sh {} \;'
case_ bash-find-exec         bash n 'mkdir -p t/u; touch t/1 t/2 t/u/3; find t -type f -exec ls {} + | sort | wc -l; find t -type f -exec test -e {} \; -print | sort'
# Here-strings and here-documents
case_ bash-herestring        bash n 'read a b <<< "one two"; echo "$b $a"; cat <<< "here string"; wc -c <<< abc; tr a-z A-Z <<< "$(echo lower)"'
case_ sh-heredoc             sh   n 'cat <<EOF
line $((6 * 7))
$(echo substituted)
EOF
cat <<'\''EOF'\''
literal $HOME
EOF'
# Exit statuses of killed children
case_ sh-killed-children     sh   n 'sh -c "kill -9 \$\$"; echo $?; sh -c "kill -TERM \$\$"; echo $?; sh -c "kill -SEGV \$\$"; echo $?; sh -c "kill -ABRT \$\$"; echo $?'
case_ bash-killed-children   bash n 'bash -c "kill -9 \$\$"; echo $?; bash -c "kill -USR2 \$\$"; echo $?; (kill -TERM $BASHPID); echo $?; bash -c "kill -INT \$\$"; echo $?'
case_ sh-killed-by-int       sh   n 'sh -c "kill -INT \$\$; echo not here"; echo $?'
case_ bash-exit-codes        bash n 'for c in 0 1 2 127 255; do sh -c "exit $c"; echo -n "$? "; done; echo; nosuchcommand 2>/dev/null; echo $?; touch f; ./f 2>/dev/null; echo $?; mkdir dd; ./dd 2>/dev/null; echo $?'
# ulimit
case_ bash-ulimit            bash n 'ulimit -n 64; ulimit -n; (ulimit -n 32; ulimit -n); ulimit -n; ulimit -c 0; ulimit -c; ulimit -Sn 48; sh -c "ulimit -n"; ulimit -s 4096; sh -c "ulimit -s"'
case_ sh-ulimit              sh   n 'ulimit -n 64; ulimit -n; (ulimit -n 32; ulimit -n); ulimit -n; sh -c "ulimit -n"; ulimit -c 0; ulimit -c'
# read -t
case_ bash-read-timeout      bash n 'sleep 1 | { read -t 0.3 x; echo "status $?"; }; echo hi | { read -t 5 x; echo "status $? $x"; }'
case_ sh-read-timeout        sh   n 'sleep 1 | { read -t 0.3 x; echo "status $?"; }; echo hi | { read -t 5 x; echo "status $? $x"; }'
# Traps
case_ bash-trap-exit         bash q 'trap "echo bye" EXIT; echo hi; exit 3'
case_ sh-trap-exit           sh   q 'trap "echo bye" EXIT; echo hi; (trap "echo sub" EXIT; echo in); exit 4'
case_ bash-trap-int          bash q 'trap "echo caught INT" INT; kill -INT $$; echo after'
case_ sh-trap-usr1           sh   q 'trap "echo got USR1" USR1; kill -USR1 $$; echo after; trap - USR1; echo reset'
case_ bash-trap-child        bash n 'sh -c "trap \"echo child got TERM; exit 9\" TERM; kill -TERM \$\$; echo not here"; echo $?'
# exec, scripts, environment, process state
case_ sh-exec-builtin        sh   n 'echo before; exec sh -c "echo replaced; exit 4"; echo never'
case_ bash-redirections      bash n '{ echo out; echo err >&2; } 2>&1 | sort; echo a > f; echo b >> f; cat f; wc -l < f; exec 3> g; echo via3 >&3; exec 3>&-; cat g; ls nosuch 2> e || echo "ls failed"; wc -l < e'
case_ sh-script-shebang      sh   n 'printf "#!%s\necho script \$0 \$1 \$#\nexit 6\n" "$(command -v sh)" > s; chmod +x s; ./s arg1 arg2; echo $?; printf "#!%s -e\nfalse\necho not\n" "$(command -v bash)" > b; chmod +x b; ./b; echo $?'
case_ bash-script-noshebang  bash n 'printf "echo no shebang \$#\nexit 6\n" > t; chmod +x t; ./t a b; echo $?; sh ./t c; echo $?'
case_ sh-env                 sh   n 'FOO=bar sh -c "echo \$FOO"; export X=1; sh -c "echo \$X"; env -i A=b env; unset X; sh -c "echo \${X-unset}"'
case_ sh-umask-cwd           sh   n 'umask 027; sh -c umask; cd /; sh -c pwd; cd /tmp && sh -c pwd; umask 077; touch /tmp/.shell-e2e-$$; stat -c %a /tmp/.shell-e2e-$$; rm -f /tmp/.shell-e2e-$$'
case_ bash-ppid              bash n 'test "$(sh -c "echo \$PPID")" = "$$" && echo ppid ok; test "$(bash -c "echo \$PPID")" = "$$" && echo bash ppid ok; test $BASHPID = $$ && echo same; (test $BASHPID != $$ && echo subshell differs)'
case_ sh-proc-cmdline        sh   n 'sleep 9 & sleep 2; tr "\0" " " < /proc/$!/cmdline; echo; kill $!; tr "\0" "\n" < /proc/$$/cmdline | head -n 2; tr "\0" "\n" < /proc/$$/environ | sort'
# Another guest's /proc/<pid>/exe, cmdline, comm and stat name its program, not syscorn (busybox
# sh runs applets through /proc/self/exe and renames them only from "exe"; ps, pgrep and
# killall show or match comm).
# Each waits until the child has started its program: its cmdline names it.
PROC_OTHER='waitfor() { i=0; until tr "\0" " " < /proc/$1/cmdline | grep -q "$2"; do i=$((i + 1)); [ $i -lt 100 ] && [ -e /proc/$1 ] || break; sleep 0.1; done; }
show() { readlink /proc/$1/exe | sed "s,.*/,,"; tr "\0" " " < /proc/$1/cmdline; echo; cat /proc/$1/comm; cut -d" " -f2 /proc/$1/stat; }
sleep 5 & p=$!; waitfor $p "^sleep 5"; show $p; ps -o pid,comm,args | awk -v p=$p "\$1 == p { print \$2, \$3, \$4 }"; kill $p; wait $p
printf "#!%s/sh\nsleep 1\n" "$PATH" > w; chmod +x w; ./w a & p=$!; waitfor $p "^[^ ]*/sh ./w a"; show $p; wait $p
readlink /proc/$$/exe | sed "s,.*/,,"; readlink /proc/self/exe | sed "s,.*/,,"'
case_ sh-proc-other-exe      sh   n "$PROC_OTHER"
case_ bash-proc-other-exe    bash n "$PROC_OTHER"
case_ sh-fork-loop           sh   n 'i=0; while [ $i -lt 60 ]; do i=$(expr $i + 1); done; echo $i'
case_ sh-timeout             sh   n 'timeout 1 sleep 5; echo $?; timeout 5 true; echo $?; timeout -s KILL 1 sleep 5; echo $?'
case_ bash-set-e             bash q '(set -e; false; echo not reached); echo $?; set -e; false || echo handled; f() { return 3; }; f || echo "f $?"'
case_ bash-nested-shells     bash n 'bash -c "sh -c \"echo deep; exit 2\"; echo \$?; exit 5"; echo $?; echo data | bash -c "sh -c cat; echo more"'

# ---------------------------------------------------------------- pending work
# Cases that need work not done yet: a failure is reported as SKIP naming it, a pass as PASS.
# Remove a line when the work lands.
PENDING='
'

if [ "$LIST" = 1 ]; then
	for i in "${!NAMES[@]}"; do
		printf '%-22s %-4s %s  %s\n' "${NAMES[$i]}" "${SHELLS[$i]}" "${REFS[$i]}" "${SCRIPTS[$i]}"
	done
	exit 0
fi

for t in timeout env cmp diff pgrep; do
	command -v "$t" >/dev/null || die "'$t' is required"
done
for arch in amd64 "${ARCHES[@]}"; do
	for p in busybox bash; do
		[ -x "$CACHE/bin/$arch/$p" ] || die "missing $CACHE/bin/$arch/$p: run tests/fetch-binaries first"
	done
done
QEMU=$(command -v qemu-aarch64 || true)
# Runs happen inside the work directory, so the emulator path must be absolute.
find_syscorn

TMP=$(mktemp -d "${TMPDIR:-/tmp}/syscorn-shell.XXXXXX") || die "mktemp failed"
RESULTS=$(mktemp -d "${TMPDIR:-/tmp}/syscorn-shell-results.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$TMP"' EXIT
WORK=$TMP/work
OUT=$TMP/out
BIN=$TMP/bin # a symlink to farm-<arch>

# Link farms: bash, sh and every applet, for each architecture.
for arch in amd64 arm64; do
	farm=$TMP/farm-$arch
	mkdir -p "$farm"
	ln -s "$CACHE/bin/$arch/bash" "$farm/bash"
	for a in $("$CACHE/bin/amd64/busybox" --list); do
		[ "$a" = bash ] || ln -s "$CACHE/bin/$arch/busybox" "$farm/$a"
	done
done
use_farm() { ln -sfn "farm-$1" "$BIN"; }

# Runs SHELL -c SCRIPT (with PREFIX... before it) in a fresh $WORK; leaves stdout, stderr,
# status and the processes left behind in DEST.
run_case() { # DEST SHELL SCRIPT PREFIX...
	local dest=$1 sh=$2 script=$3
	shift 3
	mkdir -p "$dest"
	rm -rf "$WORK"
	mkdir "$WORK" || return 1
	# timeout kills its whole process group; the braces take bash's "Killed" report of the
	# subshell away from our stderr.
	{ (
		cd "$WORK" || exit 125
		for fd in /proc/$BASHPID/fd/*; do
			fd=${fd##*/}
			[ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-"
		done 2>/dev/null
		exec timeout -s KILL "$TIMEOUT" env -i PATH="$BIN" HOME="$WORK" LC_ALL=C TZ=UTC0 \
			"$@" "$BIN/$sh" -c "$script" </dev/null >"$dest/stdout" 2>"$dest/stderr"
	); } 2>/dev/null
	echo $? >"$dest/status"
	check_left "$dest"
	rm -rf "$WORK"
}

# Compares the reference run with the syscorn run; prints the reason for a difference.
compare_runs() { # REFDIR EMUDIR SAVEDIR
	local r=$1 e=$2 save=$3 why=() rs es
	rs=$(<"$r/status") es=$(<"$e/status")
	[ "$rs" = 137 ] && why+=("the reference run was killed (timeout ${TIMEOUT}s?)")
	[ -s "$r/left" ] && why+=("the reference left processes behind")
	if [ "$rs" != "$es" ]; then
		local note=""
		[ "$es" = 137 ] && note=", killed (timeout ${TIMEOUT}s?)"
		why+=("exit status $(status_text "$es"), want $(status_text "$rs")$note")
	fi
	if ! cmp -s "$r/stdout" "$e/stdout"; then
		local n line
		n=$(cmp "$r/stdout" "$e/stdout" 2>/dev/null | sed -n 's/.* line \([0-9]*\)$/\1/p')
		if [ -n "$n" ]; then
			line=$(sed -n "${n}p" "$e/stdout" | cut -c1-60)
			why+=("stdout differs at line $n: '$line'")
		else
			why+=("stdout differs (one is a prefix of the other)")
		fi
	fi
	[ -s "$e/left" ] && why+=("processes left behind: $(grep -vc PID "$e/left")")
	[ ${#why[@]} -eq 0 ] && return 0
	mkdir -p "$save"
	cp -r "$r" "$save/reference"
	cp -r "$e" "$save/syscorn"
	diff -u "$r/stdout" "$e/stdout" | head -n 200 >"$save/stdout.diff"
	local IFS=';'
	printf '%s' "${why[*]}" | sed 's/;/; /g'
	return 1
}

n_pass=0 n_fail=0 n_skip=0
for arch in "${ARCHES[@]}"; do
	for i in "${!NAMES[@]}"; do
		name=${NAMES[$i]} sh=${SHELLS[$i]} ref=${REFS[$i]} script=${SCRIPTS[$i]}
		id=$name-$arch
		[ -z "$ONLY" ] || [[ $id =~ $ONLY ]] || continue
		rm -rf "$OUT"
		if [ "$arch" = amd64 ]; then
			use_farm amd64
			run_case "$OUT/reference" "$sh" "$script"
		elif [ "$ref" = q ]; then
			if [ -z "$QEMU" ]; then
				echo "SKIP $id: qemu-aarch64 not found (needed for the arm64 reference)"
				n_skip=$((n_skip + 1))
				continue
			fi
			use_farm arm64
			run_case "$OUT/reference" "$sh" "$script" "$QEMU"
		else
			use_farm amd64
			run_case "$OUT/reference" "$sh" "$script"
		fi
		use_farm "$arch"
		run_case "$OUT/syscorn" "$sh" "$script" "$SYSCORN_BIN"
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
