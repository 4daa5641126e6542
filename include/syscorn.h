/* syscorn: run static arm64 and x86-64 Linux programs under Unicorn. Public API.
 *
 * Shaped like Unicorn's: an opaque handle, calls that return a syscorn_err (SYSCORN_OK == 0;
 * syscorn_strerror() names the others), callbacks that take user_data last. A session is opened
 * from an ELF file or an in-memory image, configured (argv, envp, stdin, in-memory files,
 * limits, hooks), then run; its state can be snapshotted and restored many times over, which
 * is what fuzzers need. The library never exits the process and never prints: messages go to
 * the log callback of the configuration, when there is one.
 *
 *   syscorn *sc;
 *   syscorn_config cfg;
 *   syscorn_config_init(&cfg);
 *   if (syscorn_open("./prog", &cfg, &sc) != SYSCORN_OK) ...
 *   syscorn_set_stdin(sc, "input", 5);
 *   syscorn_result r;
 *   syscorn_run(sc, &r);                 // r.reason: SYSCORN_END_EXIT, r.exit_code
 *   syscorn_close(sc);
 *
 * A session is used by one thread at a time; syscorn_stop() may come from any thread.
 * Link with `pkg-config --libs syscorn` (shared) or `pkg-config --static --libs syscorn`. */
#ifndef SYSCORN_H
#define SYSCORN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sc_process syscorn;

/* ------------------------------------------------------------------------ errors, logging */

typedef enum syscorn_err {
	SYSCORN_OK = 0,
	SYSCORN_ERR_ARG,         /* an invalid argument: NULL handle or pointer, bad value */
	SYSCORN_ERR_NOMEM,       /* out of host memory */
	SYSCORN_ERR_IO,          /* the program (or another file) cannot be opened or read */
	SYSCORN_ERR_ELF,         /* not a static ELF64 executable for arm64 or x86-64 */
	SYSCORN_ERR_LOAD,        /* the program's image could not be built (memory, stack) */
	SYSCORN_ERR_STATE,       /* not possible in the session's present state */
	SYSCORN_ERR_NO_SNAPSHOT, /* syscorn_restore without a snapshot */
	SYSCORN_ERR_REG,         /* unknown register */
	SYSCORN_ERR_FAULT,       /* guest memory not mapped (syscorn_mem_read/write) */
	SYSCORN_ERR_HOOK,        /* unknown hook handle */
	SYSCORN_ERR_SYSCALL,     /* a syscall name or class that no architecture has */
	SYSCORN_ERR_ENGINE,      /* Unicorn failed */
	SYSCORN_ERR_HOST,        /* a host call failed; the log says which and why */
	SYSCORN_ERR_UNSUPPORTED, /* e.g. a snapshot of a guest with several threads */
	SYSCORN_ERR_OPTION,      /* an invalid tracing option (syscorn_trace_opts_parse) */
} syscorn_err;

/* A static English description of err ("ok", "invalid argument", ...); never NULL. */
const char *syscorn_strerror(syscorn_err err);

enum syscorn_log_level { SYSCORN_LOG_ERROR = 0, SYSCORN_LOG_WARN = 1, SYSCORN_LOG_INFO = 2 };

/* Receives every message the library has for its user (one line, no newline). */
typedef void (*syscorn_log_fn)(void *data, int level, const char *msg);

/* Version strings: syscorn's own, and the Unicorn it was built with. */
const char *syscorn_version(void);
const char *syscorn_unicorn_version(void);

/* ------------------------------------------------------------------------ sessions */

/* Flags (syscorn_config.flags, syscorn_load). */
#define SYSCORN_F_NO_RANDOM 1u /* fixed stack and static-PIE addresses (reproducible runs) */
/* A guest's fork is a fork of the host process. By default the child never returns from
 * syscorn_run into the caller's code: it runs the guest child to its end and then ends the
 * host process the same way (exit code, or death by the same signal). With this flag
 * syscorn_run returns in both processes (the CLI, which ends right after, sets it). */
#define SYSCORN_F_FORK_RETURNS 2u

typedef struct syscorn_config {
	unsigned flags;      /* SYSCORN_F_* */
	syscorn_log_fn log;  /* NULL: messages are dropped */
	void *log_data;
	int log_level;       /* SYSCORN_LOG_*: messages above it are dropped */
} syscorn_config;

/* Fills cfg with the defaults: no flags, no log, log_level SYSCORN_LOG_WARN. */
void syscorn_config_init(syscorn_config *cfg);

/* Opens a session for the static ELF at `path` (the architecture comes from the ELF header).
 * The file is checked now; the guest's memory image is built when it is first needed (run,
 * register or memory access), so argv, envp, stdin and files can be set in between.
 * cfg may be NULL (defaults). Defaults: argv = { path }, an empty environment.
 * Errors: ARG, NOMEM, IO (cannot open or read), ELF (not a supported static executable). */
syscorn_err syscorn_open(const char *path, const syscorn_config *cfg, syscorn **out);

/* Like syscorn_open, from an ELF image in memory (copied). The guest's /proc/self/exe and
 * default argv[0] are "/proc/self/exe"-like names of an anonymous file. */
syscorn_err syscorn_open_image(const void *image, size_t size, const syscorn_config *cfg,
			       syscorn **out);

/* The guest's argv and environment: NULL-terminated vectors, copied. Only before the image is
 * built (STATE afterwards). argv must have at least one element. */
syscorn_err syscorn_set_argv(syscorn *sc, char *const argv[]);
syscorn_err syscorn_set_envp(syscorn *sc, char *const envp[]);

/* The guest's standard input becomes an anonymous regular file with these bytes (copied), read
 * from the start. May be called again between runs (a new input for each run). The host's own
 * fd 0 is left alone: the file takes its place only while the guest runs. */
syscorn_err syscorn_set_stdin(syscorn *sc, const void *data, size_t size);

/* An in-memory file the guest finds at `path` (the exact string it passes to open, stat,
 * access...: give absolute paths for guests that open absolute ones): a regular file with
 * these bytes, readable and writable by the guest. Setting an existing path replaces its
 * contents (between runs). The usual way to hand a fuzz input to a program that reads a file. */
syscorn_err syscorn_set_file(syscorn *sc, const char *path, const void *data, size_t size);
/* Reads an in-memory file as the guest left it: up to size bytes into buf, *len (may be NULL)
 * set to the file's whole length. ARG when there is no such file. */
syscorn_err syscorn_read_file(syscorn *sc, const char *path, void *buf, size_t size,
			      size_t *len);
/* Removes an in-memory file (ARG when there is no such file). */
syscorn_err syscorn_remove_file(syscorn *sc, const char *path);

/* Builds the guest's image now (otherwise the first run or register/memory access does).
 * Errors: LOAD (the log says why); STATE when already built. */
syscorn_err syscorn_start(syscorn *sc);

/* Frees everything the session holds. A NULL sc is OK. */
syscorn_err syscorn_close(syscorn *sc);

/* The one-call form of open + set_argv + set_envp + start, kept for existing callers (the
 * CLI): argv and envp may be NULL (the defaults), cfg is { flags, log, log_data,
 * SYSCORN_LOG_INFO }. *out is NULL on failure. Errors: those of the four calls. */
syscorn_err syscorn_load(const char *path, char *const argv[], char *const envp[], unsigned flags,
			 syscorn_log_fn log, void *log_data, syscorn **out);

/* How the guest's execve of a program syscorn emulates (a static arm64 or x86-64 ELF, or a
 * script whose interpreter is one) is carried out: the host executes argv_prefix[0] with the
 * arguments argv_prefix[0..], then `-0 ARGV0 [--comm=NAME] -- PATH ARGS...` (--comm when the
 * kernel would name the process otherwise than PATH's base name), so it must be a syscorn CLI or
 * accept its syntax. The CLI passes its own executable and the options that apply to every
 * process it starts. The vector is copied; NULL or an empty vector removes the prefix. Without
 * a prefix such an execve fails with ENOEXEC; programs syscorn does not emulate are executed
 * by the host either way. Errors: ARG, NOMEM (the previous prefix stays). */
syscorn_err syscorn_set_exec_prefix(syscorn *sc, char *const argv_prefix[]);

/* ------------------------------------------------------------------------ running */

/* Limits of each syscorn_run (0: none). Checked between guest basic blocks (and at syscalls):
 * a guest blocked inside a host call is not interrupted. */
typedef struct syscorn_limits {
	uint64_t time_ms; /* wall-clock time of one run */
	uint64_t blocks;  /* guest basic blocks executed in one run */
	uint64_t memory;  /* bytes of guest mappings: beyond it mmap/brk/mremap fail (ENOMEM, or
			   * brk unchanged) as under RLIMIT_AS, and the result says so */
} syscorn_limits;

/* Sets the limits for the following runs (NULL: none). */
syscorn_err syscorn_set_limits(syscorn *sc, const syscorn_limits *limits);

/* Why syscorn_run returned. */
typedef enum syscorn_end {
	SYSCORN_END_EXIT = 0, /* the guest exited: exit_code */
	SYSCORN_END_SIGNAL,   /* the guest was killed by term_signal (fault details below) */
	SYSCORN_END_STOP,     /* a hook, the stop point or syscorn_stop() stopped it: resumable */
	SYSCORN_END_TIME,     /* the time limit: resumable */
	SYSCORN_END_BLOCKS,   /* the block limit: resumable */
} syscorn_end;

/* Result of syscorn_run. The first three fields are a status as wait(2) would report it. */
typedef struct {
	int exited;       /* 1: exit_code is valid; 0: killed by term_signal, or not ended */
	int exit_code;
	int term_signal;
	int reason;       /* syscorn_end */
	uint64_t pc;      /* SIGNAL: the faulting instruction; otherwise where the guest stands */
	uint64_t fault_addr;  /* SIGNAL: the address of a faulting memory access, else 0 */
	char insn[96];        /* SIGNAL: the faulting instruction as Capstone disassembles it */
	char what[64];        /* SIGNAL: "read of unmapped memory", "invalid instruction"... */
	uint64_t blocks;      /* basic blocks of this run, counted when a block limit, a time
			       * limit or coverage is on (else 0) */
	int memory_limited;   /* an allocation failed for the memory limit during this run */
} syscorn_result;

/* Runs the guest until it exits, dies, is stopped or reaches a limit; a stopped guest resumes
 * where it stood with the next call. result may be NULL. After the guest has ended, STATE
 * (restore a snapshot to run again). Errors: STATE, LOAD, ENGINE. */
syscorn_err syscorn_run(syscorn *sc, syscorn_result *result);

/* Makes a running syscorn_run return (SYSCORN_END_STOP) at the next basic block or syscall:
 * from a hook, or from another thread. Between runs it has no effect. */
syscorn_err syscorn_stop(syscorn *sc);

/* Where a run stops by itself, once (then the point is disarmed): the usual place for a
 * snapshot. Setting another point replaces the previous one. */
typedef enum syscorn_stop_kind {
	SYSCORN_STOP_NONE = 0,
	SYSCORN_STOP_ADDR,   /* before the instruction at addr executes */
	SYSCORN_STOP_STDIN,  /* before the first read of fd 0 (read, readv, pread64, preadv...) */
	SYSCORN_STOP_OPEN,   /* before the first open of path (the guest's exact string) */
} syscorn_stop_kind;
syscorn_err syscorn_stop_at(syscorn *sc, syscorn_stop_kind kind, uint64_t addr,
			    const char *path);

/* ------------------------------------------------------------------------ registers, memory */

typedef enum syscorn_arch { SYSCORN_ARCH_ARM64 = 1, SYSCORN_ARCH_X86_64 = 2 } syscorn_arch;

/* Registers by role, the same names on every architecture; or any Unicorn register id of the
 * guest's architecture (UC_ARM64_REG_*, UC_X86_REG_*) as SYSCORN_REG_UC + id. */
enum {
	SYSCORN_REG_PC = 1,
	SYSCORN_REG_SP,
	SYSCORN_REG_SYSCALL_NR, /* x8 / rax */
	SYSCORN_REG_ARG0,       /* x0 / rdi; ARG0 + i for i < 6 (x0..x5 / rdi rsi rdx r10 r8 r9) */
	SYSCORN_REG_ARG1, SYSCORN_REG_ARG2, SYSCORN_REG_ARG3, SYSCORN_REG_ARG4, SYSCORN_REG_ARG5,
	SYSCORN_REG_RET,        /* x0 / rax */
	SYSCORN_REG_UC = 0x10000
};

/* 64-bit register access (narrower registers are zero-extended / truncated). Builds the image
 * first when needed. Errors: REG (unknown or unsuitable id), LOAD, STATE (while running). */
syscorn_err syscorn_reg_read(syscorn *sc, int reg, uint64_t *value);
syscorn_err syscorn_reg_write(syscorn *sc, int reg, uint64_t value);

/* Guest memory access as a debugger has it: any mapped guest memory, whatever its protection
 * (a write to code drops its translations). FAULT when part of the range is not mapped
 * (nothing is then copied). */
syscorn_err syscorn_mem_read(syscorn *sc, uint64_t addr, void *buf, size_t size);
syscorn_err syscorn_mem_write(syscorn *sc, uint64_t addr, const void *buf, size_t size);

/* The guest's mappings, as Unicorn's uc_mem_regions: *regions gets an array of *count entries,
 * sorted, which the caller frees with syscorn_free. Builds the image first when needed. */
typedef struct syscorn_mem_region {
	uint64_t begin, end; /* [begin, end) */
	uint32_t perms;      /* PROT_READ | PROT_WRITE | PROT_EXEC bits (1, 2, 4) */
	uint32_t shared;     /* 1 for a shared mapping */
} syscorn_mem_region;
syscorn_err syscorn_mem_regions(syscorn *sc, syscorn_mem_region **regions, uint32_t *count);

/* Frees what the library allocated for the caller (syscorn_mem_regions). */
void syscorn_free(void *mem);

/* Facts about the session. */
typedef enum syscorn_query_type {
	SYSCORN_QUERY_ARCH = 1,  /* syscorn_arch */
	SYSCORN_QUERY_PID,       /* the guest's pid (the host process's) */
	SYSCORN_QUERY_BRK,       /* the guest's program break (builds the image) */
	SYSCORN_QUERY_SNAPSHOT,  /* 1 when a snapshot exists */
	SYSCORN_QUERY_RESTORES,  /* restores done since the snapshot */
} syscorn_query_type;
syscorn_err syscorn_query(syscorn *sc, syscorn_query_type type, uint64_t *value);

/* ------------------------------------------------------------------------ syscall hooks */

typedef uint64_t syscorn_hook;

/* Syscall classes (syscorn_syscall.classes, and "%name" in a hook's selection). */
enum {
	SYSCORN_SC_FILE = 1u << 0,    /* %file: takes a path */
	SYSCORN_SC_DESC = 1u << 1,    /* %desc: takes or makes a file descriptor */
	SYSCORN_SC_MEMORY = 1u << 2,  /* %memory: the address space (mmap, brk, mprotect...) */
	SYSCORN_SC_PROCESS = 1u << 3, /* %process: process life cycle (clone, execve, exit...) */
	SYSCORN_SC_SIGNAL = 1u << 4,  /* %signal */
	SYSCORN_SC_NETWORK = 1u << 5, /* %network: sockets */
	SYSCORN_SC_READ = 1u << 6,    /* %read: reads data from a descriptor */
	SYSCORN_SC_WRITE = 1u << 7,   /* %write: writes data to a descriptor */
};

/* One syscall as hooks see it. */
typedef struct syscorn_syscall {
	uint64_t nr;                   /* the guest's number (may be changed by a BEFORE hook) */
	const char *name;              /* "openat"; NULL for a number syscorn does not know */
	int nargs;                     /* arguments of the call (0..6) */
	const char *const *arg_names;  /* [nargs]: "dirfd", "path", "flags", "mode" */
	const char *const *arg_types;  /* [nargs]: the tracer's tags: "dirfd", "path", "oflags"... */
	unsigned classes;              /* SYSCORN_SC_* */
	uint64_t args[6];              /* BEFORE: may be changed, the call gets the changes */
	int64_t ret;                   /* AFTER: the result (-errno as the guest sees it), may be
					* changed; BEFORE + SKIP: what the guest gets */
} syscorn_syscall;

/* What a hook wants done. */
typedef enum syscorn_action {
	SYSCORN_CONTINUE = 0, /* go on (with any changes to args / ret) */
	SYSCORN_SKIP,         /* BEFORE: the call is not made; the guest gets call->ret */
	SYSCORN_STOP,         /* the run returns (SYSCORN_END_STOP). BEFORE: the call is not made
			       * yet and the registers are as the guest set them; the next run
			       * makes it (without BEFORE hooks) and carries on. AFTER: the
			       * result stands and the guest resumes after the call */
} syscorn_action;

#define SYSCORN_HOOK_BEFORE 1u
#define SYSCORN_HOOK_AFTER 2u

typedef syscorn_action (*syscorn_syscall_cb)(syscorn *sc, syscorn_syscall *call,
					     void *user_data);

/* Calls cb before and/or after (when: SYSCORN_HOOK_*) every syscall that `which` selects: a
 * comma-separated list of names ("read,write") and classes ("%file"), "*" or NULL for all.
 * Hooks run in the order they were added. Names of either architecture are accepted.
 * Errors: ARG, SYSCALL (a name or class nobody has), NOMEM. */
syscorn_err syscorn_hook_syscall(syscorn *sc, unsigned when, const char *which,
				 syscorn_syscall_cb cb, void *user_data, syscorn_hook *hook);
/* Removes a hook (HOOK when there is no such hook). */
syscorn_err syscorn_hook_del(syscorn *sc, syscorn_hook hook);

/* ------------------------------------------------------------------------ snapshots */

/* Takes the session's snapshot (replacing any previous one) of the guest between runs, most
 * usefully where a stop point stopped it: registers, the guest's memory and its mappings
 * (brk, mmap), descriptor table (descriptors opened later are closed on restore, ones closed
 * or redirected come back, file offsets and status flags are put back), signal state, stdin
 * and in-memory files. Not covered: the contents of host files and of shared mappings.
 * Errors: STATE (not built, or ended: a guest must still be alive), UNSUPPORTED (several
 * threads), NOMEM, HOST. */
syscorn_err syscorn_snapshot(syscorn *sc);

/* Puts the guest back to the snapshot, as if nothing had happened since. Only pages written
 * since the last snapshot or restore are copied back. Errors: NO_SNAPSHOT, HOST. */
syscorn_err syscorn_restore(syscorn *sc);

/* Drops the snapshot (NO_SNAPSHOT when there is none). */
syscorn_err syscorn_snapshot_drop(syscorn *sc);

/* ------------------------------------------------------------------------ coverage */

/* Guest edge coverage into map (AFL's scheme: for each basic block, a hash of its address
 * `cur`, map[(cur ^ prev) % size] incremented, never wrapping to 0, then prev = cur >> 1). map
 * belongs to the caller and must outlive the session or the next call; size a power of two.
 * map NULL turns coverage off. prev starts again at each run. */
syscorn_err syscorn_coverage(syscorn *sc, uint8_t *map, size_t size);

/* Syscall tracing with strace's output format and options (README.md, "Tracing").
 * Options are strace's own, parsed from an argument vector into a syscorn_trace_opts, which
 * syscorn_trace then applies to a session (it may be freed afterwards, or used for others).
 * The library never writes the trace itself: syscorn_trace hands every piece of text to
 * `write` (pid: the process it is about). With -ff -o FILE (syscorn_trace_opts_per_process),
 * pid is the task's id, a thread's own for its lines, as strace writes FILE.<tid>; and two calls
 * without text mark a task's output: len 0 with buf "" its start (strace makes its file then),
 * buf NULL its end (nothing more comes for that id: its file can be closed). */
typedef struct syscorn_trace_opts syscorn_trace_opts;
typedef void (*syscorn_trace_write_fn)(void *data, int pid, const char *buf, unsigned long len);

/* A set of options with strace's defaults (-s 32 -a 40 -e trace=all), freed with
 * syscorn_trace_opts_free. Errors: ARG (out NULL), NOMEM. */
syscorn_err syscorn_trace_opts_new(syscorn_trace_opts **out);
/* Parses argv[0..argc) into o, adding to what it holds (a later option wins). Stops at the
 * first argument that is not an option (the program), or after "--"; *used (may be NULL) gets
 * how many arguments it took. Errors: ARG (o NULL, argc < 0, argv NULL with argc > 0), OPTION
 * (an unknown or unsupported option, a bad value: the reason in err, errlen bytes at most, when
 * err is not NULL), NOMEM; o may then hold part of the options. */
syscorn_err syscorn_trace_opts_parse(syscorn_trace_opts *o, int argc, char *const argv[],
				     int *used, char *err, unsigned long errlen);
/* Queries that cannot fail (as uc_arch_supported): -o FILE, or NULL (also for a NULL o). */
const char *syscorn_trace_opts_output(const syscorn_trace_opts *o);
/* 1 when the options ask for one output per task (-ff with -o), else 0 (also for NULL). */
int syscorn_trace_opts_per_process(const syscorn_trace_opts *o);
/* Frees o; NULL is OK. */
void syscorn_trace_opts_free(syscorn_trace_opts *o);
/* Traces the session's syscalls with options o (copied: o may be freed right after) through
 * write(data, ...). Call it before the first syscorn_run (once loaded, the execve line is
 * written at once); not from a hook. Errors: ARG (sc, o or write NULL), STATE (already traced),
 * NOMEM. */
syscorn_err syscorn_trace(syscorn *sc, const syscorn_trace_opts *o, syscorn_trace_write_fn write,
			  void *data);

#ifdef __cplusplus
}
#endif
#endif
