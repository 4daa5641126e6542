/* Internal state of one emulated process and its threads. Not part of the public API. */
#ifndef SYSCORN_CORE_H
#define SYSCORN_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <unicorn/unicorn.h>

#include "syscorn.h"

typedef uint64_t gaddr_t; /* a guest virtual address: never dereferenced directly */

struct sc_arch;
struct sc_vma;

/* Guest memory: one host reservation, host = base + guest (see mem.c). */
struct sc_mem {
	uint8_t *base;       /* host address of guest address 0 */
	uint64_t size;       /* guest addresses are < size */
	struct sc_vma *vmas; /* sorted, non-overlapping */
	size_t nvmas, cap;
	size_t last;         /* index of the last VMA hit (lookup cache) */
	gaddr_t brk_start, brk_cur, brk_mapped;
	gaddr_t mmap_top;    /* top-down mmap allocations start below this */
	gaddr_t stack_top;
};

/* How the guest ended. */
struct sc_exit {
	bool done;
	int status;  /* exit code when signal == 0 */
	int signal;  /* killed by this signal */
	/* A fatal fault as reported (syscorn_result). */
	uint64_t fault_pc, fault_addr;
	char fault_insn[96], fault_what[64];
};

/* Per-syscall context handed to handlers. */
struct sc_thread {
	struct sc_process *proc;
	uc_engine *uc;
};

struct sc_process {
	const struct sc_arch *arch;
	struct sc_thread thread; /* the only thread, until threads exist */
	struct sc_mem mem;
	uc_engine *uc;       /* one engine per thread later; one thread for now */
	struct sc_exit exit;
	syscorn_log_fn log;
	void *log_data;
	uint32_t flags;      /* SYSCORN_F_* */
	uint8_t warned[1024 / 8]; /* ENOSYS warnings already given, by number */
	uint64_t hwcap, hwcap2;  /* AT_HWCAP(2): what this engine's CPU model executes */
	uint64_t tid_address;
	uint64_t robust_list, robust_len;
	char *exe_path;      /* absolute host path of the guest program (/proc/self/exe) */
	uint64_t auxv_addr, auxv_len;
	/* Recorded signal state (delivery comes with the signals issue). */
	struct sc_sigaction { uint64_t handler, flags, restorer, mask; } sigactions[64];
	uint64_t sigmask;
	uint64_t sigpending;     /* sent by the guest to itself while blocked */
	struct { uint64_t sp, size; uint32_t flags; } sigaltstack;
	bool sig_inherited;      /* initial dispositions and mask taken from the host (signal.c) */
	/* Limits recorded rather than applied, because they would constrain syscorn's own memory
	 * (info.c); bit r of vrlimit_set: vrlimit[r] holds the guest's value. */
	struct { uint64_t cur, max; } vrlimit[16];
	uint16_t vrlimit_set;
	uint32_t warned_once;    /* SC_WARNED_*: one-time warnings other than ENOSYS */
	struct sc_tracer *tracer; /* --strace (src/trace/), NULL when off */
	/* The library session (api.c): hooks, limits, snapshot, coverage; `stop` makes the run
	 * loop return to syscorn_run's caller without the guest having ended. */
	struct sc_api *api;
	volatile bool stop;
	/* Syscall hooks (hooks.c), NULL when there are none: sc_dispatch then calls straight
	 * through. */
	struct sc_hooks *hooks;
	/* TLB warm-up: QEMU's TLB grows only when flushed (cpu.c). */
	uc_hook tlb_hook;
	uint64_t tlb_blocks, tlb_next;
	int tlb_flushes, tlb_max;
	/* Last invalid access seen by the memory hook, for the fault report. */
	uint64_t fault_addr, fault_pc;
	int fault_type;
	/* What the host executes for an execve of a program syscorn emulates, followed by
	 * -0 ARGV0 -- PATH ARGS (exec.c); one allocation, NULL until set. */
	char **exec_prefix;
	/* The loader's layout, as the kernel's mm fields: /proc/self/stat and cmdline
	 * (fs_proc.c). */
	struct {
		gaddr_t start_code, end_code, start_data, end_data, start_stack;
		gaddr_t arg_start, arg_end, env_start, env_end;
	} layout;
};

/* Bits of sc_process.warned_once. */
enum {
	SC_WARNED_SIGHANDLER = 1u << 0, /* a signal to a handler the guest installed was dropped */
	SC_WARNED_TIMERSIG = 1u << 1,   /* a host timer will signal a guest that has a handler */
	SC_WARNED_PRCTL = 1u << 2,      /* an unsupported prctl option */
};

void sc_log(struct sc_process *p, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define sc_warn(p, ...) sc_log(p, SYSCORN_LOG_WARN, __VA_ARGS__)
#define sc_error(p, ...) sc_log(p, SYSCORN_LOG_ERROR, __VA_ARGS__)

/* Ends the guest: exit code or fatal signal, then stops the engine from inside its hook. */
void sc_guest_exit(struct sc_thread *t, int status, int signal);

/* The process behind a library session (cpu.c; the public API is api.c): load builds the image
 * into an allocated, zeroed process (0 or -errno, the reason logged); run returns when the guest
 * has ended or p->stop is set; unload frees what load built. */
int sc_process_load(struct sc_process *p, const char *path, char *const argv[],
		    char *const envp[]);
int sc_process_run(struct sc_process *p);
void sc_process_unload(struct sc_process *p);

/* For snapshots (snapshot.c): whether the process has a single thread, and bringing the main
 * thread back to life after the guest ended, as before its run (the restore puts back its
 * registers, memory and process state). */
bool sc_process_single_threaded(struct sc_process *p);
void sc_process_revive(struct sc_process *p);

/* Unicorn takes hook callbacks as void *; this conversion is what its API requires. */
#define UC_CB(fn) ((void *)(uintptr_t)(fn))

#define SC_PAGE 4096ull
#define SC_PAGE_DOWN(x) ((x) & ~(SC_PAGE - 1))
#define SC_PAGE_UP(x) (((x) + SC_PAGE - 1) & ~(SC_PAGE - 1))

#endif
