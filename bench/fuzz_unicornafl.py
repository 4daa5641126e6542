#!/usr/bin/env python3
"""bench/fuzz_unicornafl.py TARGET MAIN_ADDR INPUT_FILE [PERSISTENT_ITERS]: the planted-bug target
(examples/fuzz_target.c, static arm64 or x86-64) under plain unicornafl, written the way a
unicornafl user writes a harness by hand: the ELF's PT_LOAD segments and a stack with argv/auxv
are mapped into a Unicorn CPU here, the few syscalls the target makes are handled minimally in
Python, the program runs once up to main (outside the fuzz loop), and unicornafl's fork server
(uc_afl_fuzz) then runs main once per input, stopping where main returns (the exit), with the
input handed to the guest's read(). Run as afl-fuzz's target, in afl-fuzz's usual way:

  afl-fuzz -U -m none -i seeds -o out -- bench/.venv-unicornafl/bin/python \\
      bench/fuzz_unicornafl.py TARGET 0xMAIN @@ [ITERS]

ITERS (default 1000) inputs run in one forked child in persistent mode, each from a restored
CPU context and a copy of the writable segments and the heap in use; ITERS=1 forks a child per input. Without afl-fuzz it
runs INPUT_FILE once (a crash ends in abort(), as unicornafl does). bench/fuzz makes the venv
(bench/.venv-unicornafl: unicornafl and unicorn from PyPI, pinned in UNICORNAFL_PIP there; see
bench/README.md for why those versions) and runs this with afl-fuzz -U."""
import os
import struct
import sys

# unicornafl 2.0.2 bundles its own libunicorn (2.0.0-rc6); bench/fuzz links it as
# uclib/libunicorn.so in the venv so that the binding loads that very copy: one Unicorn.
_UCLIB = os.path.join(sys.prefix, "uclib")
if "LIBUNICORN_PATH" not in os.environ and os.path.isdir(_UCLIB):
    os.environ["LIBUNICORN_PATH"] = _UCLIB

import unicorn as U  # noqa: E402
import unicornafl  # noqa: E402

PAGE = 0x1000
STACK_TOP, STACK_SIZE = 0x7FFF00000000, 0x100000
ENOSYS, ENOENT, EBADF = 38, 2, 9


def up(x):
    return (x + PAGE - 1) & ~(PAGE - 1)


class Target:
    """The static ELF mapped into a Unicorn CPU, with a minimal Linux syscall layer."""

    def __init__(self, path):
        raw = open(path, "rb").read()
        if raw[:4] != b"\x7fELF" or raw[4] != 2:
            sys.exit(f"{path}: not a 64-bit ELF")
        machine = struct.unpack_from("<H", raw, 18)[0]
        self.entry, phoff = struct.unpack_from("<QQ", raw, 24)
        phentsize, phnum = struct.unpack_from("<HH", raw, 54)
        self.arm64 = machine == 183
        if self.arm64:
            from unicorn import arm64_const as C
            self.uc = U.Uc(U.UC_ARCH_ARM64, U.UC_MODE_ARM)
            self.PC, self.SP, self.NR, self.RET = (C.UC_ARM64_REG_PC, C.UC_ARM64_REG_SP,
                                                   C.UC_ARM64_REG_X8, C.UC_ARM64_REG_X0)
            self.ARGS = [getattr(C, f"UC_ARM64_REG_X{i}") for i in range(6)]
            self.LR = C.UC_ARM64_REG_X30
            self.nr = {214: "brk", 96: "ok", 99: "ok", 293: "nosys", 261: "prlimit64",
                       78: "readlinkat", 278: "getrandom", 226: "ok", 56: "openat", 63: "read",
                       64: "write", 93: "exit", 94: "exit", 57: "ok", 29: "nosys"}
        elif machine == 62:
            from unicorn import x86_const as C
            self.uc = U.Uc(U.UC_ARCH_X86, U.UC_MODE_64)
            self.PC, self.SP, self.NR, self.RET = (C.UC_X86_REG_RIP, C.UC_X86_REG_RSP,
                                                   C.UC_X86_REG_RAX, C.UC_X86_REG_RAX)
            self.ARGS = [C.UC_X86_REG_RDI, C.UC_X86_REG_RSI, C.UC_X86_REG_RDX, C.UC_X86_REG_R10,
                         C.UC_X86_REG_R8, C.UC_X86_REG_R9]
            self.FS = C.UC_X86_REG_FS_BASE
            self.nr = {12: "brk", 158: "arch_prctl", 218: "ok", 273: "ok", 334: "nosys",
                       302: "prlimit64", 89: "readlink", 318: "getrandom", 10: "ok",
                       257: "openat", 2: "open", 0: "read", 1: "write", 60: "exit",
                       231: "exit", 3: "ok", 16: "nosys"}
        else:
            sys.exit(f"{path}: e_machine {machine} is neither arm64 nor x86-64")
        uc = self.uc
        self.writable = []  # (addr, bytes at the snapshot): restored per persistent round
        end = 0
        for i in range(phnum):
            p_type, p_flags, p_off, p_vaddr, _, p_filesz, p_memsz = struct.unpack_from(
                "<IIQQQQQ", raw, phoff + i * phentsize)
            if p_type != 1:  # PT_LOAD
                continue
            lo, hi = p_vaddr & ~(PAGE - 1), up(p_vaddr + p_memsz)
            prot = ((U.UC_PROT_READ if p_flags & 4 else 0) | (U.UC_PROT_WRITE if p_flags & 2
                    else 0) | (U.UC_PROT_EXEC if p_flags & 1 else 0))
            uc.mem_map(lo, hi - lo, U.UC_PROT_ALL)
            uc.mem_write(p_vaddr, raw[p_off:p_off + p_filesz])
            uc.mem_protect(lo, hi - lo, prot)
            if p_flags & 2:
                self.writable.append((lo, hi - lo))
            if p_off == 0:
                self.phdr = p_vaddr + phoff
            end = max(end, hi)
        self.brk0 = self.brk = end
        self.heap_end = end + 0x100000  # a 1 MiB brk heap, mapped up front
        uc.mem_map(end, self.heap_end - end)
        self.phent, self.phnum = phentsize, phnum
        uc.mem_map(STACK_TOP - STACK_SIZE, STACK_SIZE)
        self.input, self.pos, self.exited = b"", 0, None
        if self.arm64:
            uc.hook_add(U.UC_HOOK_INTR, self._intr)
        else:
            uc.hook_add(U.UC_HOOK_INSN, self._syscall, None, 1, 0, C.UC_X86_INS_SYSCALL)

    def setup_stack(self, argv):
        """argc, argv, an empty envp and the auxv static glibc reads at start-up."""
        uc, sp = self.uc, STACK_TOP - 0x1000
        ptrs = []
        for a in argv:
            b = a.encode() + b"\0"
            sp -= len(b)
            uc.mem_write(sp, b)
            ptrs.append(sp)
        sp -= 16
        rnd = sp
        uc.mem_write(rnd, os.urandom(16))
        auxv = [3, self.phdr, 4, self.phent, 5, self.phnum, 6, PAGE, 9, self.entry, 11, 0, 12, 0,
                13, 0, 14, 0, 23, 0, 25, rnd, 16, 0, 0, 0]  # PHDR..ENTRY, ids, SECURE, RANDOM, HWCAP
        words = [len(argv)] + ptrs + [0, 0] + auxv
        sp = (sp - 8 * len(words)) & ~0xF
        uc.mem_write(sp, struct.pack(f"<{len(words)}Q", *words))
        uc.reg_write(self.SP, sp)

    # --------------------------------------------------------------------- syscalls
    def _intr(self, uc, intno, _):
        if intno != 2:  # EXCP_SWI: svc #0
            uc.emu_stop()
            return
        self._dispatch(uc)

    def _syscall(self, uc, _):
        self._dispatch(uc)

    def _dispatch(self, uc):
        nr = uc.reg_read(self.NR)
        a = [uc.reg_read(r) for r in self.ARGS]
        what = self.nr.get(nr, "nosys")
        ret = 0
        if what == "read":
            if a[0] in (0, 3):
                chunk = self.input[self.pos:self.pos + a[2]]
                uc.mem_write(a[1], chunk)
                self.pos += len(chunk)
                ret = len(chunk)
            else:
                ret = -EBADF
        elif what in ("openat", "open"):
            ret = 3  # the input file, whatever its name
        elif what == "write":
            ret = a[2]
        elif what == "brk":
            if self.brk0 <= a[0] <= self.heap_end:
                self.brk = a[0]
            ret = self.brk
        elif what == "arch_prctl":
            if a[0] == 0x1002:  # ARCH_SET_FS
                uc.reg_write(self.FS, a[1])
            else:
                ret = -22
        elif what == "prlimit64":
            if a[3]:
                uc.mem_write(a[3], struct.pack("<QQ", 8 << 20, (1 << 64) - 1))
        elif what == "getrandom":
            uc.mem_write(a[0], b"\x5a" * a[1])
            ret = a[1]
        elif what in ("readlink", "readlinkat"):
            ret = -ENOENT
        elif what == "exit":
            self.exited = a[0]
            uc.emu_stop()
        elif what == "nosys":
            ret = -ENOSYS
        uc.reg_write(self.RET, ret & 0xFFFFFFFFFFFFFFFF)

    # --------------------------------------------------------------------- fuzzing
    def run_to(self, addr):
        self.uc.emu_start(self.entry, addr)
        if self.uc.reg_read(self.PC) != addr:
            sys.exit(f"the target did not reach 0x{addr:x} (exit {self.exited})")

    def snapshot(self):
        self.ctx = self.uc.context_save()
        heap = (self.brk0, up(self.brk) - self.brk0)  # the part libc's start-up used
        self.mem = [(addr, bytes(self.uc.mem_read(addr, size)))
                    for addr, size in self.writable + [heap] if size]
        self.brk_snap = self.brk
        if self.arm64:
            return self.uc.reg_read(self.LR)
        return struct.unpack("<Q", self.uc.mem_read(self.uc.reg_read(self.SP), 8))[0]

    def place_input(self, uc, data, round_, _):
        if round_:  # main once more from the snapshot: registers and the writable memory
            uc.context_restore(self.ctx)
            for addr, blob in self.mem:
                uc.mem_write(addr, blob)
            self.brk = self.brk_snap
        self.input, self.pos = bytes(data), 0
        return True


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    target, main_addr, input_file = sys.argv[1], int(sys.argv[2], 16), sys.argv[3]
    iters = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
    t = Target(target)
    t.setup_stack([target, input_file])
    t.run_to(main_addr)  # libc start-up, once: every input starts at main
    ret_addr = t.snapshot()
    if t.arm64:
        # unicornafl (every PyPI release, 2.0.0 to 2.1.0) starts each run at the PC its
        # uc_get_pc() reads, which knows no arm64 and returns 0: a trampoline at 0 branches to
        # main (ldr x16, #8; br x16; .quad main), mapped r-x so that the target's NULL write
        # still faults (UC_ERR_WRITE_PROT instead of UC_ERR_WRITE_UNMAPPED).
        t.uc.mem_map(0, PAGE, U.UC_PROT_READ | U.UC_PROT_EXEC)
        t.uc.mem_write(0, struct.pack("<IIQ", 0x58000050, 0xD61F0200, main_addr))
    try:
        unicornafl.uc_afl_fuzz(t.uc, input_file, t.place_input, [ret_addr],
                               persistent_iters=iters)
    except unicornafl.UcAflError as e:
        if e.errno != unicornafl.UC_AFL_RET_NO_AFL:  # NO_AFL: the one run without afl-fuzz
            raise
    if os.environ.get("UCAFL_VERBOSE"):
        print(f"pc 0x{t.uc.reg_read(t.PC):x} exit {t.exited} read {t.pos}", file=sys.stderr)


if __name__ == "__main__":
    main()
