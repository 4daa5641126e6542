#!/usr/bin/env python3
"""bench/fuzz_qiling.py TARGET SECONDS MAIN_ADDR: the planted-bug target under Qiling, the peer a
user would pick instead, run with bench/.venv's interpreter (bench/run --with-qiling makes it,
qiling from PyPI). Two ways: a fresh Qiling per input, and Qiling's own snapshots
(ql.save at main, ql.restore per input). Prints "fresh N" and "snapshot N" (execs/s).
The arm64 CPU-model fix is bench/qiling_run.py's."""
import functools
import sys
import time

from qiling import Qiling
from qiling.const import QL_VERBOSE, QL_INTERCEPT
from qiling.extensions import pipe
import qiling.arch.arm64 as ql_arm64
from unicorn import Uc, UC_ARCH_ARM64, UC_MODE_ARM
from unicorn.arm64_const import UC_CPU_ARM64_MAX
def _uc(self):
    uc = Uc(UC_ARCH_ARM64, UC_MODE_ARM); uc.ctl_set_cpu_model(UC_CPU_ARM64_MAX); return uc
prop = functools.cached_property(_uc); prop.__set_name__(ql_arm64.QlArchARM64, "uc"); ql_arm64.QlArchARM64.uc = prop
target = sys.argv[1]; secs = float(sys.argv[2])
inputs = [b"hello world!", b"SCRN", b"SCRN\x10xxxx", b"S", b"SC\xff", b"SCR0123456789", b"SCRN\xff1234", b""]
# fresh instance per input
n = 0; t0 = time.time()
while time.time() - t0 < secs:
    ql = Qiling([target], "/", verbose=QL_VERBOSE.DISABLED)
    ql.os.stdin = pipe.SimpleInStream(0); ql.os.stdin.write(inputs[n % 8])
    try: ql.run()
    except Exception: pass
    n += 1
print("fresh %.1f" % (n / (time.time() - t0)))
# snapshot at main, restore per input (Qiling's ql.save/ql.restore)
main_addr = int(sys.argv[3], 16)
ql = Qiling([target], "/", verbose=QL_VERBOSE.DISABLED)
ql.os.stdin = pipe.SimpleInStream(0)
state = {}
def at_main(ql):
    state["snap"] = ql.save(reg=True, mem=True, fd=True, cpu_context=True)
    ql.emu_stop()
h = ql.hook_address(at_main, main_addr)
ql.run()
ql.hook_del(h)
n = 0; t0 = time.time(); crashes = 0
while time.time() - t0 < secs:
    ql.restore(state["snap"])
    ql.os.stdin = pipe.SimpleInStream(0); ql.os.stdin.write(inputs[n % 8])
    try: ql.run(begin=main_addr)
    except Exception: crashes += 1
    n += 1
print("snapshot %.1f" % (n / (time.time() - t0)))
