"""Python bindings for libsyscorn: run static arm64 and x86-64 Linux programs under Unicorn.

A thin ctypes layer over the shared library (no compiled extension), shaped like Unicorn's and
Capstone's bindings::

    from syscorn import Syscorn, HOOK_BEFORE, SKIP

    with Syscorn("./prog", argv=["prog", "-v"]) as sc:
        sc.set_stdin(b"input")
        r = sc.run()
        print(r.reason_name, r.exit_code)

The library is found through $SYSCORN_LIBRARY (a path to libsyscorn.so), then the system's
library path (`meson install`), then a build directory of the source tree this package sits in.
"""

import ctypes
import ctypes.util
import os

__all__ = [
    "Syscorn", "SyscornError", "Result", "Syscall", "version", "unicorn_version", "strerror",
]

# ---------------------------------------------------------------------------- constants

OK = 0
ERR_ARG, ERR_NOMEM, ERR_IO, ERR_ELF, ERR_LOAD, ERR_STATE, ERR_NO_SNAPSHOT, ERR_REG = range(1, 9)
ERR_FAULT, ERR_HOOK, ERR_SYSCALL, ERR_ENGINE, ERR_HOST, ERR_UNSUPPORTED = range(9, 15)
ERR_OPTION = 15  # an invalid tracing option

LOG_ERROR, LOG_WARN, LOG_INFO = 0, 1, 2
F_NO_RANDOM = 1
F_FORK_RETURNS = 2  # a guest fork child returns from run() too (default: it ends inside)

END_EXIT, END_SIGNAL, END_STOP, END_TIME, END_BLOCKS = range(5)
_END_NAMES = {END_EXIT: "exit", END_SIGNAL: "signal", END_STOP: "stop", END_TIME: "time",
              END_BLOCKS: "blocks"}

STOP_NONE, STOP_ADDR, STOP_STDIN, STOP_OPEN = range(4)

ARCH_ARM64, ARCH_X86_64 = 1, 2

REG_PC, REG_SP, REG_SYSCALL_NR = 1, 2, 3
REG_ARG0, REG_ARG1, REG_ARG2, REG_ARG3, REG_ARG4, REG_ARG5 = range(4, 10)
REG_RET = 10
REG_UC = 0x10000  # + a Unicorn register id of the guest's architecture

QUERY_ARCH, QUERY_PID, QUERY_BRK, QUERY_SNAPSHOT, QUERY_RESTORES = range(1, 6)

SC_FILE, SC_DESC, SC_MEMORY, SC_PROCESS = 1, 2, 4, 8
SC_SIGNAL, SC_NETWORK, SC_READ, SC_WRITE = 16, 32, 64, 128

HOOK_BEFORE, HOOK_AFTER = 1, 2
CONTINUE, SKIP, STOP = 0, 1, 2

# ---------------------------------------------------------------------------- the library


def _find_library():
    env = os.environ.get("SYSCORN_LIBRARY")
    if env:
        return env
    name = ctypes.util.find_library("syscorn")
    if name:
        return name
    here = os.path.dirname(os.path.abspath(__file__))
    for build in ("build", "build-release"):
        p = os.path.join(here, "..", "..", build, "libsyscorn.so")
        if os.path.exists(p):
            return os.path.abspath(p)
    raise ImportError("libsyscorn.so not found: set SYSCORN_LIBRARY, or `meson install` syscorn")


_lib = ctypes.CDLL(_find_library())

_u64, _i64, _int, _uint, _vp, _cp = (ctypes.c_uint64, ctypes.c_int64, ctypes.c_int,
                                     ctypes.c_uint, ctypes.c_void_p, ctypes.c_char_p)
_handle = ctypes.c_void_p
_LOG_FN = ctypes.CFUNCTYPE(None, _vp, _int, _cp)


class _Config(ctypes.Structure):
    _fields_ = [("flags", _uint), ("log", _LOG_FN), ("log_data", _vp), ("log_level", _int)]


class _Limits(ctypes.Structure):
    _fields_ = [("time_ms", _u64), ("blocks", _u64), ("memory", _u64)]


class _Result(ctypes.Structure):
    _fields_ = [("exited", _int), ("exit_code", _int), ("term_signal", _int), ("reason", _int),
                ("pc", _u64), ("fault_addr", _u64), ("insn", ctypes.c_char * 96),
                ("what", ctypes.c_char * 64), ("blocks", _u64), ("memory_limited", _int)]


class _Region(ctypes.Structure):
    _fields_ = [("begin", _u64), ("end", _u64), ("perms", ctypes.c_uint32),
                ("shared", ctypes.c_uint32)]


class _Syscall(ctypes.Structure):
    _fields_ = [("nr", _u64), ("name", _cp), ("nargs", _int),
                ("arg_names", ctypes.POINTER(_cp)), ("arg_types", ctypes.POINTER(_cp)),
                ("classes", _uint), ("args", _u64 * 6), ("ret", _i64)]


_SYSCALL_CB = ctypes.CFUNCTYPE(_int, _handle, ctypes.POINTER(_Syscall), _vp)
_TRACE_WRITE_FN = ctypes.CFUNCTYPE(None, _vp, _int, ctypes.POINTER(ctypes.c_char), ctypes.c_ulong)


def _proto(name, restype, *argtypes):
    f = getattr(_lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


_P = ctypes.POINTER
_strerror = _proto("syscorn_strerror", _cp, _int)
_version = _proto("syscorn_version", _cp)
_unicorn_version = _proto("syscorn_unicorn_version", _cp)
_config_init = _proto("syscorn_config_init", None, _P(_Config))
_open = _proto("syscorn_open", _int, _cp, _P(_Config), _P(_handle))
_open_image = _proto("syscorn_open_image", _int, _vp, ctypes.c_size_t, _P(_Config), _P(_handle))
_set_argv = _proto("syscorn_set_argv", _int, _handle, _P(_cp))
_set_envp = _proto("syscorn_set_envp", _int, _handle, _P(_cp))
_set_stdin = _proto("syscorn_set_stdin", _int, _handle, _vp, ctypes.c_size_t)
_set_file = _proto("syscorn_set_file", _int, _handle, _cp, _vp, ctypes.c_size_t)
_read_file = _proto("syscorn_read_file", _int, _handle, _cp, _vp, ctypes.c_size_t,
                    _P(ctypes.c_size_t))
_remove_file = _proto("syscorn_remove_file", _int, _handle, _cp)
_start = _proto("syscorn_start", _int, _handle)
_close = _proto("syscorn_close", _int, _handle)
_set_limits = _proto("syscorn_set_limits", _int, _handle, _P(_Limits))
_run = _proto("syscorn_run", _int, _handle, _P(_Result))
_stop = _proto("syscorn_stop", _int, _handle)
_stop_at = _proto("syscorn_stop_at", _int, _handle, _int, _u64, _cp)
_reg_read = _proto("syscorn_reg_read", _int, _handle, _int, _P(_u64))
_reg_write = _proto("syscorn_reg_write", _int, _handle, _int, _u64)
_mem_read = _proto("syscorn_mem_read", _int, _handle, _u64, _vp, ctypes.c_size_t)
_mem_write = _proto("syscorn_mem_write", _int, _handle, _u64, _vp, ctypes.c_size_t)
_query = _proto("syscorn_query", _int, _handle, _int, _P(_u64))
_mem_regions = _proto("syscorn_mem_regions", _int, _handle, _P(_P(_Region)),
                      _P(ctypes.c_uint32))
_free = _proto("syscorn_free", None, _vp)
_hook_syscall = _proto("syscorn_hook_syscall", _int, _handle, _uint, _cp, _SYSCALL_CB, _vp,
                       _P(_u64))
_hook_del = _proto("syscorn_hook_del", _int, _handle, _u64)
_snapshot = _proto("syscorn_snapshot", _int, _handle)
_restore = _proto("syscorn_restore", _int, _handle)
_snapshot_drop = _proto("syscorn_snapshot_drop", _int, _handle)
_coverage = _proto("syscorn_coverage", _int, _handle, _vp, ctypes.c_size_t)
_set_exec_prefix = _proto("syscorn_set_exec_prefix", _int, _handle, _P(_cp))
_trace_opts_new = _proto("syscorn_trace_opts_new", _int, _P(_vp))
_trace_opts_parse = _proto("syscorn_trace_opts_parse", _int, _vp, _int, _P(_cp), _P(_int), _cp,
                           ctypes.c_ulong)
_trace_opts_free = _proto("syscorn_trace_opts_free", None, _vp)
_trace = _proto("syscorn_trace", _int, _handle, _vp, _TRACE_WRITE_FN, _vp)


def strerror(err):
    """The library's text for an error code."""
    return _strerror(err).decode()


def version():
    """syscorn's version string."""
    return _version().decode()


def unicorn_version():
    """The version of the Unicorn syscorn was built with."""
    return _unicorn_version().decode()


class SyscornError(Exception):
    """A call failed: .errno is the syscorn_err code."""

    def __init__(self, errno, what=""):
        self.errno = errno
        super().__init__(f"{what}: {strerror(errno)}" if what else strerror(errno))


def _check(err, what=""):
    if err != OK:
        raise SyscornError(err, what)


def _strv(items):
    if items is None:
        return None
    enc = [s.encode() if isinstance(s, str) else bytes(s) for s in items]
    arr = (_cp * (len(enc) + 1))(*enc, None)
    return arr


def _b(s):
    return s.encode() if isinstance(s, str) else s


# ---------------------------------------------------------------------------- results, calls


class Result:
    """How a run ended (syscorn_result)."""

    def __init__(self, r):
        self.exited = bool(r.exited)
        self.exit_code = r.exit_code
        self.term_signal = r.term_signal
        self.reason = r.reason
        self.pc = r.pc
        self.fault_addr = r.fault_addr
        self.insn = r.insn.decode(errors="replace")
        self.what = r.what.decode(errors="replace")
        self.blocks = r.blocks
        self.memory_limited = bool(r.memory_limited)

    @property
    def reason_name(self):
        return _END_NAMES.get(self.reason, str(self.reason))

    @property
    def crashed(self):
        return self.reason == END_SIGNAL

    def __repr__(self):
        if self.reason == END_EXIT:
            return f"<Result exit {self.exit_code}>"
        if self.reason == END_SIGNAL:
            return (f"<Result signal {self.term_signal} pc={self.pc:#x} "
                    f"addr={self.fault_addr:#x} {self.insn!r}>")
        return f"<Result {self.reason_name} pc={self.pc:#x}>"


class Syscall:
    """A syscall as a hook sees it; args and ret may be changed."""

    def __init__(self, c):
        self._c = c
        n = c.nargs
        self.nr = c.nr
        self.name = c.name.decode() if c.name else None
        self.arg_names = [c.arg_names[i].decode() for i in range(n)] if c.name else []
        self.arg_types = [c.arg_types[i].decode() for i in range(n)] if c.name else []
        self.classes = c.classes

    @property
    def args(self):
        """The arguments: a live array (assign items to change them)."""
        return self._c.args

    @property
    def ret(self):
        return self._c.ret

    @ret.setter
    def ret(self, value):
        self._c.ret = value

    def arg(self, name):
        """An argument by its name in the handler's metadata."""
        return self._c.args[self.arg_names.index(name)]

    def __repr__(self):
        return f"<Syscall {self.name or self.nr} {list(self.args)[:max(len(self.arg_names), 0)]}>"


# ---------------------------------------------------------------------------- sessions


class Syscorn:
    """One emulated program (a syscorn session).

    Syscorn(path) or Syscorn.from_image(bytes); argv/envp/stdin/files may be given here or set
    before the first run. log: a callable(level, message) receiving the library's messages.
    """

    def __init__(self, path=None, argv=None, envp=None, stdin=None, flags=0, log=None,
                 log_level=LOG_WARN, _image=None):
        self._h = _handle()
        self._keep = {}
        self._hooks = {}
        self._pending_exc = None
        self._cov = None
        cfg = _Config()
        _config_init(ctypes.byref(cfg))
        cfg.flags = flags
        cfg.log_level = log_level
        if log is not None:
            self._log_cb = _LOG_FN(lambda data, level, msg: log(level, msg.decode(errors="replace")))
            cfg.log = self._log_cb
        if _image is not None:
            buf = ctypes.create_string_buffer(bytes(_image), len(_image))
            _check(_open_image(buf, len(_image), ctypes.byref(cfg), ctypes.byref(self._h)),
                   "image")
        else:
            _check(_open(_b(os.fspath(path)), ctypes.byref(cfg), ctypes.byref(self._h)), str(path))
        if argv is not None:
            self.set_argv(argv)
        if envp is not None:
            self.set_envp(envp)
        if stdin is not None:
            self.set_stdin(stdin)

    @classmethod
    def from_image(cls, image, **kw):
        """A session for an ELF image in memory."""
        return cls(_image=image, **kw)

    def close(self):
        if self._h:
            _check(_close(self._h), "close")
            self._h = _handle()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    @property
    def handle(self):
        if not self._h:
            raise SyscornError(ERR_ARG, "closed")
        return self._h

    # inputs
    def set_argv(self, argv):
        _check(_set_argv(self.handle, _strv(argv)), "set_argv")

    def set_envp(self, envp):
        _check(_set_envp(self.handle, _strv(envp)), "set_envp")

    def set_stdin(self, data):
        data = _b(data)
        _check(_set_stdin(self.handle, data, len(data)), "set_stdin")

    def set_file(self, path, data):
        data = _b(data)
        _check(_set_file(self.handle, _b(path), data, len(data)), "set_file")

    def read_file(self, path):
        n = ctypes.c_size_t()
        _check(_read_file(self.handle, _b(path), None, 0, ctypes.byref(n)), "read_file")
        buf = ctypes.create_string_buffer(max(n.value, 1))
        _check(_read_file(self.handle, _b(path), buf, n.value, ctypes.byref(n)), "read_file")
        return buf.raw[:n.value]

    def remove_file(self, path):
        _check(_remove_file(self.handle, _b(path)), "remove_file")

    def start(self):
        _check(_start(self.handle), "start")

    def set_exec_prefix(self, prefix):
        """What the host executes for a guest's execve of a program syscorn emulates: prefix
        (e.g. ["/usr/bin/syscorn", "-q"]), then `-0 ARGV0 -- PATH ARGS...`; None removes it."""
        _check(_set_exec_prefix(self.handle, _strv(prefix)), "set_exec_prefix")

    # tracing
    def trace(self, options=(), write=None):
        """Traces the guest's syscalls as strace does, with strace's options (a list:
        ["-f", "-e", "trace=%file", "-s", "64"]); every piece of the trace goes to
        write(pid, bytes), by default to stderr. With -ff -o, pid is the task's id, and
        write(tid, b"") marks a task's start, write(tid, None) its end. Before the first run.
        Raises SyscornError (ERR_OPTION, with strace's reason) for an invalid option."""
        if write is None:
            def write(pid, data):  # noqa: ARG001
                if data:
                    os.write(2, data)
        opts = _vp()
        _check(_trace_opts_new(ctypes.byref(opts)), "trace")
        try:
            args = [_b(a) for a in options]
            used = _int()
            err = ctypes.create_string_buffer(256)
            e = _trace_opts_parse(opts, len(args), _strv(args), ctypes.byref(used), err,
                                  len(err))
            if e == OK and used.value != len(args):
                e, err.value = ERR_OPTION, b"not an option: " + args[used.value]
            if e != OK:
                raise SyscornError(e, "trace: " + err.value.decode(errors="replace")
                                   if err.value else "trace")

            def tramp(data, pid, buf, n):
                try:
                    write(pid, ctypes.string_at(buf, n) if buf else None)
                except BaseException as ex:  # noqa: BLE001 - re-raised by run()
                    self._pending_exc = ex
                    _stop(self._h)

            cb = _TRACE_WRITE_FN(tramp)
            _check(_trace(self.handle, opts, cb, None), "trace")
            self._keep["trace"] = cb
        finally:
            _trace_opts_free(opts)

    # running
    def set_limits(self, time_ms=0, blocks=0, memory=0):
        lim = _Limits(time_ms, blocks, memory)
        _check(_set_limits(self.handle, ctypes.byref(lim)), "set_limits")

    def run(self):
        """Runs until the guest ends or stops; returns a Result. An exception raised in a hook
        stops the run and is raised here."""
        r = _Result()
        self._pending_exc = None
        _check(_run(self.handle, ctypes.byref(r)), "run")
        if self._pending_exc is not None:
            exc, self._pending_exc = self._pending_exc, None
            raise exc
        return Result(r)

    def stop(self):
        _check(_stop(self.handle), "stop")

    def stop_at(self, kind, addr=0, path=None):
        _check(_stop_at(self.handle, kind, addr, _b(path) if path is not None else None),
               "stop_at")

    def stop_at_addr(self, addr):
        self.stop_at(STOP_ADDR, addr)

    def stop_at_stdin(self):
        self.stop_at(STOP_STDIN)

    def stop_at_open(self, path):
        self.stop_at(STOP_OPEN, path=path)

    # registers, memory
    def reg_read(self, reg):
        v = _u64()
        _check(_reg_read(self.handle, reg, ctypes.byref(v)), "reg_read")
        return v.value

    def reg_write(self, reg, value):
        _check(_reg_write(self.handle, reg, value & 0xffffffffffffffff), "reg_write")

    def mem_read(self, addr, size):
        buf = ctypes.create_string_buffer(max(size, 1))
        _check(_mem_read(self.handle, addr, buf, size), "mem_read")
        return buf.raw[:size]

    def mem_write(self, addr, data):
        data = bytes(data)
        _check(_mem_write(self.handle, addr, data, len(data)), "mem_write")

    def mem_regions(self):
        """The guest's mappings: a list of (begin, end, perms, shared), perms 1|2|4 = r|w|x."""
        p = _P(_Region)()
        n = ctypes.c_uint32()
        _check(_mem_regions(self.handle, ctypes.byref(p), ctypes.byref(n)), "mem_regions")
        try:
            return [(p[i].begin, p[i].end, p[i].perms, bool(p[i].shared)) for i in range(n.value)]
        finally:
            _free(p)

    def query(self, what):
        v = _u64()
        _check(_query(self.handle, what, ctypes.byref(v)), "query")
        return v.value

    @property
    def arch(self):
        return "arm64" if self.query(QUERY_ARCH) == ARCH_ARM64 else "x86_64"

    # hooks
    def hook_syscall(self, callback, when=HOOK_BEFORE, which=None, user_data=None):
        """Calls callback(sc, call, user_data) before and/or after the syscalls `which`
        selects ("read,write", "%file", None for all); it returns CONTINUE (or None), SKIP
        or STOP. Returns a hook handle for hook_del."""

        def trampoline(handle, call, data):
            try:
                action = callback(self, Syscall(call.contents), user_data)
                return CONTINUE if action is None else int(action)
            except BaseException as e:  # noqa: BLE001 - re-raised by run()
                self._pending_exc = e
                return STOP

        cb = _SYSCALL_CB(trampoline)
        h = _u64()
        _check(_hook_syscall(self.handle, when, _b(which) if which else None, cb, None,
                             ctypes.byref(h)), "hook_syscall")
        self._hooks[h.value] = cb
        return h.value

    def hook_del(self, hook):
        _check(_hook_del(self.handle, hook), "hook_del")
        self._hooks.pop(hook, None)

    # snapshots
    def snapshot(self):
        _check(_snapshot(self.handle), "snapshot")

    def restore(self):
        _check(_restore(self.handle), "restore")

    def snapshot_drop(self):
        _check(_snapshot_drop(self.handle), "snapshot_drop")

    # coverage
    def coverage(self, size=1 << 16):
        """Turns edge coverage on into a new map of size bytes (a power of two) and returns
        it (a ctypes array, bytes(map) copies it); size None turns it off."""
        if size is None:
            _check(_coverage(self.handle, None, 0), "coverage")
            self._cov = None
            return None
        cov = (ctypes.c_uint8 * size)()
        _check(_coverage(self.handle, cov, size), "coverage")
        self._cov = cov
        return cov

    @property
    def coverage_map(self):
        return self._cov

    def clear_coverage(self):
        if self._cov is not None:
            ctypes.memset(self._cov, 0, len(self._cov))

    # fuzzing convenience
    def run_input(self, data, path=None):
        """Restores the snapshot, gives data as stdin (or as the in-memory file path), runs."""
        self.restore()
        if path is None:
            self.set_stdin(data)
        else:
            self.set_file(path, data)
        return self.run()
