#!/bin/bash
# python.sh: the Python bindings (python/), pip-installed into a fresh virtual environment,
# pass their pytest suite against the library of a build.
#   tests/e2e/python.sh [--syscorn BUILD/syscorn]
# One line per pytest test: PASS/FAIL/SKIP. (Not for sanitizer builds: their libsyscorn.so
# needs the sanitizer runtime preloaded into Python.)
set -uo pipefail
HERE=$(dirname "$(readlink -f "$0")")
ROOT=$(readlink -f "$HERE/../..")
SYSCORN=${SYSCORN:-$ROOT/build/syscorn}
[ "${1:-}" = --syscorn ] && SYSCORN=$(readlink -f "$2")
BUILD=$(dirname "$SYSCORN")
LIB=$BUILD/libsyscorn.so
if [ ! -f "$LIB" ]; then
	echo "SKIP python: no $LIB"
	exit 0
fi
# (Not `nm | grep -q` under pipefail: grep's early exit fails nm with SIGPIPE.)
needed=$(readelf -d "$LIB" 2>/dev/null)
case $needed in
*libasan* | *libubsan* | *libtsan*)
	echo "SKIP python: $LIB is a sanitizer build"
	exit 0
	;;
esac
# Debian's Python, for which tools/setup installs pytest, venv, setuptools and wheel (another
# python3 earlier in PATH may lack them).
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
if ! "$PY" -c 'import pytest, venv, setuptools, wheel' 2>/dev/null; then
	echo "SKIP python: no pytest, venv, setuptools or wheel for $PY (tools/setup installs them)"
	exit 0
fi
WORK=$(mktemp -d /tmp/syscorn-python.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
# pip from (a copy of, as pip builds in place) the repository's python/, offline: the system's
# setuptools builds the package.
mkdir -p "$WORK/src" && cp -r "$ROOT/python/pyproject.toml" "$ROOT/python/README.md" \
	"$ROOT/python/syscorn" "$WORK/src/" &&
	"$PY" -m venv --system-site-packages "$WORK/venv" >"$WORK/venv.log" 2>&1 &&
	"$WORK/venv/bin/pip" install -q --no-index --no-build-isolation "$WORK/src" >"$WORK/pip.log" 2>&1
if [ $? != 0 ]; then
	echo "FAIL python-install: pip install ./python into a virtual environment"
	cat "$WORK"/venv.log "$WORK"/pip.log >&2
	exit 0
fi
echo "PASS python-install"
# The tests run from outside the source tree, so that the installed package is the one used.
cp -r "$ROOT/python/tests" "$WORK/tests"
(cd "$WORK" && SYSCORN_LIBRARY=$LIB SYSCORN_BUILD=$BUILD "$WORK/venv/bin/python" -m pytest -rA -q \
	-p no:cacheprovider tests >"$WORK/pytest.log" 2>&1)
rc=$?
sed -n 's/^\(PASSED\|FAILED\|SKIPPED\|ERROR\) \([^ ]*\).*/\1 \2/p' "$WORK/pytest.log" |
	sed 's/^PASSED/PASS/; s/^FAILED/FAIL/; s/^SKIPPED/SKIP/; s/^ERROR/FAIL/; s/ tests\/test_syscorn.py::/ python:/'
if [ $rc != 0 ] && [ $rc != 1 ]; then
	echo "FAIL python: pytest exited with $rc"
	tail -n 30 "$WORK/pytest.log" >&2
fi
exit 0
