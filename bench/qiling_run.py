#!/usr/bin/env python3
"""Run one static Linux ELF under Qiling: qiling_run.py ROOTFS PROGRAM [ARGS...]

Used by bench/run (--with-qiling) with the interpreter of bench/.venv. Exits with the guest's
exit status; prints a one-line error and exits 125 when Qiling itself fails.

Gotchas handled here (Qiling 1.4.6):
  * arm64: Qiling passes a fixed AT_HWCAP that claims LSE atomics, but creates its Unicorn
    with the default CPU model (no LSE), so glibc's outline atomics hit `casa` and die with
    "_hook_intr_cb : not handled". We create the arm64 Unicorn with the `max` CPU model.
  * Qiling maps every guest path into ROOTFS and static glibc readlink()s /proc/self/exe at
    start-up, which fails unless PROGRAM lies inside ROOTFS; bench/run therefore passes "/".
"""
import functools
import sys


def main() -> int:
    if len(sys.argv) < 3:
        print("usage: qiling_run.py ROOTFS PROGRAM [ARGS...]", file=sys.stderr)
        return 2
    rootfs, argv = sys.argv[1], sys.argv[2:]
    try:
        from qiling import Qiling
        from qiling.const import QL_VERBOSE
        import qiling.arch.arm64 as ql_arm64
        from unicorn import Uc, UC_ARCH_ARM64, UC_MODE_ARM
        from unicorn.arm64_const import UC_CPU_ARM64_MAX

        def _uc(self):
            uc = Uc(UC_ARCH_ARM64, UC_MODE_ARM)
            uc.ctl_set_cpu_model(UC_CPU_ARM64_MAX)
            return uc

        prop = functools.cached_property(_uc)
        prop.__set_name__(ql_arm64.QlArchARM64, "uc")
        ql_arm64.QlArchARM64.uc = prop

        ql = Qiling(argv, rootfs, verbose=QL_VERBOSE.DISABLED)
        ql.run()
    except Exception as e:  # noqa: BLE001 - report any Qiling failure as one line
        sys.stdout.flush()
        print(f"qiling_run: {type(e).__name__}: {e}", file=sys.stderr)
        return 125
    sys.stdout.flush()
    code = getattr(ql.os, "exit_code", 0)
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
