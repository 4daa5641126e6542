"""pytest: every call of the Python bindings, on both guest architectures.

Guests come from a syscorn build directory: $SYSCORN_BUILD, else build/ of the source tree
(tests/apiguest-*, examples/fuzz_target-*)."""

import os

import pytest

import syscorn
from syscorn import Syscorn, SyscornError

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("SYSCORN_BUILD", os.path.join(ROOT, "build"))
ARCHES = ["arm64", "x86_64"]


def guest(arch):
    p = os.path.join(BUILD, "tests", "apiguest-" + arch)
    if not os.path.exists(p):
        pytest.skip(f"no {p}")
    return p


def target(arch):
    p = os.path.join(BUILD, "examples", "fuzz_target-" + arch)
    if not os.path.exists(p):
        pytest.skip(f"no {p}")
    return p


@pytest.fixture(params=ARCHES)
def arch(request):
    return request.param


def test_versions_and_errors():
    assert syscorn.version()
    assert syscorn.unicorn_version().startswith("2.")
    assert syscorn.strerror(syscorn.OK) == "ok"
    assert syscorn.strerror(syscorn.ERR_NO_SNAPSHOT) == "no snapshot"
    with pytest.raises(SyscornError) as e:
        Syscorn("/nonexistent/program")
    assert e.value.errno == syscorn.ERR_IO
    with pytest.raises(SyscornError) as e:
        Syscorn.from_image(b"not an ELF image")
    assert e.value.errno == syscorn.ERR_ELF


def test_open_image_argv_envp(arch):
    with open(guest(arch), "rb") as f:
        image = f.read()
    with Syscorn.from_image(image, argv=["g", "exit", "21"]) as sc:
        r = sc.run()
        assert (r.reason, r.exited, r.exit_code) == (syscorn.END_EXIT, True, 21)
        assert "exit 21" in repr(r)
    with Syscorn(guest(arch)) as sc:
        sc.set_argv(["g", "env"])
        sc.set_envp(["SC_TEST=yes"])
        assert sc.run().exit_code == 7
        with pytest.raises(SyscornError) as e:
            sc.set_argv(["x"])
        assert e.value.errno == syscorn.ERR_STATE
        with pytest.raises(SyscornError):
            sc.run()  # the guest has ended


def test_stdin_and_files(arch):
    with Syscorn(guest(arch), argv=["g", "echo"], stdin=b"12345") as sc:
        assert sc.run().exit_code == 5
    with Syscorn(guest(arch), argv=["g", "file", "/in/f"]) as sc:
        sc.set_file("/in/f", b"Fuzzing")
        sc.set_file("/in/other", "text")
        assert sc.read_file("/in/other") == b"text"
        sc.remove_file("/in/other")
        with pytest.raises(SyscornError):
            sc.read_file("/in/other")
        with pytest.raises(SyscornError):
            sc.remove_file("/in/other")
        assert sc.run().exit_code == 107


def test_start_regs_mem_query(arch):
    with Syscorn(guest(arch), argv=["g", "echo"], log=lambda lvl, msg: None) as sc:
        sc.start()
        with pytest.raises(SyscornError):
            sc.start()
        pc = sc.reg_read(syscorn.REG_PC)
        sp = sc.reg_read(syscorn.REG_SP)
        assert pc and sp and sp % 16 == 0
        sc.reg_write(syscorn.REG_ARG5, 0x77)
        assert sc.reg_read(syscorn.REG_ARG5) == 0x77
        with pytest.raises(SyscornError) as e:
            sc.reg_read(12345)
        assert e.value.errno == syscorn.ERR_REG
        code = sc.mem_read(pc, 8)
        sc.mem_write(pc, b"\x90" * 8)
        assert sc.mem_read(pc, 8) == b"\x90" * 8
        sc.mem_write(pc, code)
        with pytest.raises(SyscornError) as e:
            sc.mem_read(0, 4)
        assert e.value.errno == syscorn.ERR_FAULT
        assert sc.arch == arch
        assert sc.query(syscorn.QUERY_PID) == os.getpid()
        assert sc.query(syscorn.QUERY_BRK) > pc
        assert sc.query(syscorn.QUERY_SNAPSHOT) == 0
        regions = sc.mem_regions()
        assert any(b <= pc < e and perms & 4 for b, e, perms, shared in regions)
        assert any(b < sp <= e and perms & 2 for b, e, perms, shared in regions)


def test_limits_and_stops(arch):
    with Syscorn(guest(arch), argv=["g", "loop"]) as sc:
        sc.set_limits(blocks=500)
        r = sc.run()
        assert r.reason == syscorn.END_BLOCKS and r.blocks == 500 and r.reason_name == "blocks"
        sc.set_limits(time_ms=30)
        assert sc.run().reason == syscorn.END_TIME
        sc.set_limits()
        sc.stop()  # between runs: nothing
    with Syscorn(guest(arch), argv=["g", "alloc", "64"]) as sc:
        sc.set_limits(memory=32 << 20)
        r = sc.run()
        assert r.exit_code == 1 and r.memory_limited
    with Syscorn(guest(arch), argv=["g", "echo"], stdin=b"xyz") as sc:
        entry = sc.reg_read(syscorn.REG_PC)
        sc.stop_at_addr(entry)
        r = sc.run()
        assert r.reason == syscorn.END_STOP and r.pc == entry
        sc.stop_at_stdin()
        assert sc.run().reason == syscorn.END_STOP
        assert sc.reg_read(syscorn.REG_ARG0) == 0
        assert sc.run().exit_code == 3
    with Syscorn(guest(arch), argv=["g", "file", "/in/f"]) as sc:
        sc.set_file("/in/f", b"abc")
        sc.stop_at_open("/in/f")
        assert sc.run().reason == syscorn.END_STOP
        sc.stop_at(syscorn.STOP_NONE)
        assert sc.run().exit_code == 3


def test_crash_result(arch):
    with Syscorn(target(arch), stdin=b"SCRN\xff1234") as sc:
        r = sc.run()
        assert r.crashed and r.term_signal == 11 and r.reason_name == "signal"
        assert r.pc and r.insn and "unmapped" in r.what


def test_hooks(arch):
    with Syscorn(guest(arch), argv=["g", "syscalls"]) as sc:
        seen = []

        def skip_getpid(sc_, call, data):
            seen.append((call.name, data))
            call.ret = 42
            return syscorn.SKIP

        def look_at_write(sc_, call, data):
            assert call.arg_names[:3] == ["fd", "buf", "count"]
            assert call.arg_types[1] == "ibuf"
            assert call.classes & syscorn.SC_WRITE
            assert call.arg("count") == 7
            assert sc_.mem_read(call.arg("buf"), 6) == b"hooked"

        h1 = sc.hook_syscall(skip_getpid, syscorn.HOOK_BEFORE, "getpid", user_data="d")
        sc.hook_syscall(look_at_write, which="%write")
        assert sc.run().exit_code == 42
        assert seen == [("getpid", "d")]
        sc.hook_del(h1)
        with pytest.raises(SyscornError) as e:
            sc.hook_del(h1)
        assert e.value.errno == syscorn.ERR_HOOK
    with Syscorn(guest(arch), argv=["g", "syscalls"]) as sc:
        def shorten(sc_, call, _):
            call.args[2] = 3
        sc.hook_syscall(shorten, which="write")

        def after(sc_, call, _):
            call.ret = 55
        sc.hook_syscall(after, syscorn.HOOK_AFTER, "getpid")
        assert sc.run().exit_code == 255  # the short write fails the guest's check
    with Syscorn(guest(arch), argv=["g", "syscalls"]) as sc:
        sc.hook_syscall(lambda s, c, d: syscorn.STOP, which="getpid")
        assert sc.run().reason == syscorn.END_STOP
        assert sc.run().exit_code == os.getpid() & 0x7f
    with Syscorn(guest(arch), argv=["g", "syscalls"]) as sc:
        def boom(sc_, call, _):
            raise ValueError("from a hook")
        sc.hook_syscall(boom, which="write")
        with pytest.raises(ValueError):
            sc.run()
        with pytest.raises(SyscornError) as e:
            sc.hook_syscall(boom, which="nosuchcall")
        assert e.value.errno == syscorn.ERR_SYSCALL


def test_snapshot_restore_coverage(arch):
    with Syscorn(target(arch)) as sc:
        with pytest.raises(SyscornError) as e:
            sc.restore()
        assert e.value.errno == syscorn.ERR_NO_SNAPSHOT
        sc.stop_at_stdin()
        assert sc.run().reason == syscorn.END_STOP
        sc.snapshot()
        assert sc.query(syscorn.QUERY_SNAPSHOT) == 1
        cov = sc.coverage(1 << 12)
        assert sc.coverage_map is cov
        crashes = 0
        edges = set()
        harmless = {}
        for i in range(200):
            data = b"SCRN\xff1234" if i % 50 == 49 else b"hello %d" % (i % 10)
            r = sc.run_input(data)
            crashes += r.crashed
            n = sum(1 for b in cov if b)
            edges.add(n)
            if not r.crashed:
                harmless.setdefault(data, set()).add(n)
            sc.clear_coverage()
        assert crashes == 4 and len(edges) >= 2
        # The same input covers the same edges every time, the run after a crash included.
        assert all(len(v) == 1 and 0 not in v for v in harmless.values()), harmless
        assert sc.query(syscorn.QUERY_RESTORES) == 200
        assert sc.coverage(None) is None
        sc.restore()
        assert sc.run().blocks == 0
        sc.snapshot_drop()
        with pytest.raises(SyscornError):
            sc.snapshot_drop()


def test_log_and_close():
    msgs = []
    sc = Syscorn(target("arm64"), stdin=b"SCRN\xff1234", log=lambda lvl, m: msgs.append((lvl, m)))
    sc.run()
    assert any(lvl == syscorn.LOG_ERROR and "SIGSEGV" in m for lvl, m in msgs)
    sc.close()
    sc.close()  # twice is fine
    with pytest.raises(SyscornError):
        sc.run()


def test_trace(arch):
    out = []
    with Syscorn(guest(arch), argv=["apiguest", "syscalls"]) as sc:
        sc.trace(["-e", "trace=write,getpid"], write=lambda pid, data: out.append((pid, data)))
        with pytest.raises(SyscornError) as e:
            sc.trace([])  # traced already
        assert e.value.errno == syscorn.ERR_STATE
        r = sc.run()
    text = b"".join(d for _, d in out).decode()
    assert 'write(1, "hooked\\n", 7)' in text and "getpid()" in text, text
    assert "+++ exited with %d +++" % r.exit_code in text
    assert "execve" not in text  # not selected
    with Syscorn(guest(arch)) as sc:
        for bad in (["-e", "trace=nosuchcall"], ["--bogus"], ["-s"], ["prog"]):
            with pytest.raises(SyscornError) as e:
                sc.trace(bad)
            assert e.value.errno == syscorn.ERR_OPTION and "trace: " in str(e.value), bad


def test_trace_per_task(arch):
    # -ff -o: the task's id with its text, b"" for its start and None for its end
    out = []
    with Syscorn(guest(arch), argv=["apiguest", "syscalls"]) as sc:
        sc.trace(["-ff", "-o", "unused", "-e", "trace=write"],
                 write=lambda pid, data: out.append((pid, data)))
        r = sc.run()
    pids = {pid for pid, _ in out}
    assert len(pids) == 1, out
    assert out[0][1] == b"" and out[-1][1] is None, out
    text = b"".join(d for _, d in out[1:-1]).decode()
    assert 'write(1, "hooked\\n", 7)' in text, text
    assert text.endswith("+++ exited with %d +++\n" % r.exit_code), text


def test_exec_prefix(arch):
    with Syscorn(guest(arch), argv=["apiguest", "exit", "3"]) as sc:
        sc.set_exec_prefix(["/nonexistent/syscorn", "-q"])
        sc.set_exec_prefix(None)
        assert sc.run().exit_code == 3
    sc = Syscorn(guest(arch))
    sc.close()
    with pytest.raises(SyscornError):
        sc.set_exec_prefix(["x"])
