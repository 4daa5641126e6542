/* Internal state of one emulated process and its threads. Not part of the public API. */
#ifndef SYSCORN_CORE_H
#define SYSCORN_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <pthread.h>
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
	/* Every thread's engine maps the same memory; changes go to all of them (mem.c). */
	uc_engine **engines;
	size_t nengines, engines_cap;
	/* Once threads exist, handlers that run without the execution lock read the VMAs under
	 * this lock, which the changes (made under the execution lock) take for writing. */
	pthread_rwlock_t lock;
	bool locking;
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

/* A guest siginfo_t: 128 bytes, laid out alike on both 64-bit guests and the x86-64 host. */
struct sc_siginfo {
	int32_t signo, err, code, pad;
	union {
		uint8_t bytes[112];
		struct { int32_t pid; uint32_t uid; uint64_t value; } kill; /* SI_USER, SI_QUEUE */
		struct { uint64_t addr; } fault;                           /* SIGSEGV, SIGBUS... */
		struct { int32_t tid, overrun; uint64_t value; } timer;    /* SI_TIMER */
	};
};
_Static_assert(sizeof(struct sc_siginfo) == 128, "siginfo_t is 128 bytes");

/* Standard signals (1..31) pending inside syscorn rather than in the host kernel: the ones the
 * host does not keep for the guest (synchronous signals sent with kill, see sig.c). */
struct sc_sigset_pending {
	uint64_t set;
	struct sc_siginfo info[32];
};

/* One guest thread: a host thread with its own Unicorn engine over the shared guest memory.
 * Handed to every syscall handler. */
struct sc_thread {
	struct sc_process *proc;
	uc_engine *uc;
	struct sc_thread *next;  /* p->threads, under p->lock */
	int tid;                 /* the host thread's: guest tids are host tids */
	bool done;               /* the guest thread has ended; the run loop returns */
	bool holds_bel;          /* this thread holds the execution lock (thread.c) */
	/* What the thread must see to at its next safe point (SC_ATTN_*): set by other threads and
	 * by host signal handlers (sc_attn, which also stops the engine), read by the run loop and
	 * the syscall hook. */
	uint32_t attn;
	uint64_t clear_tid;      /* CLONE_CHILD_CLEARTID / set_tid_address */
	uint64_t robust_list, robust_len;
	/* Signals (sig.c). */
	uint64_t sigmask;        /* blocked set; the host thread blocks the mirrored part */
	uint64_t saved_mask;     /* the mask to put back after a handler (sigsuspend & co.) */
	bool restore_mask;
	struct { uint64_t sp, size; uint32_t flags; } altstack;
	struct sc_sigset_pending pending; /* thread-directed, not kept by the host */
	/* Signals taken by the host handler, waiting for a safe point (written only by the
	 * handler, on this thread, so a plain ring indexed by two counters). */
	struct sc_siginfo ring[8];
	uint32_t ring_head, ring_tail;
	/* Taken from the ring, deliverable, not delivered yet. */
	struct sc_siginfo taken[8];
	int ntaken;
	uint64_t sig_traced_applied; /* the p->sig_traced this host thread blocks (sig_traced.c) */
	bool sig_traced_due;     /* ... and a look at what the host keeps is due (sig_traced.c) */
	unsigned sig_traced_calls;
	bool in_syscall;         /* in a handler: a recorded signal may be behind a blocking call */
	bool kick_armed;
	int kick_timer;          /* host timer id + 1 of the timer that interrupts it, 0: none */
	/* The syscall the trap hook is handling, for SA_RESTART and EINTR (sig.c). */
	struct {
		uint64_t nr, arg0;
		long result;
		int restart;     /* SC_RESTART_* */
		bool ended;      /* stopped right after it: the run loop decides about a restart */
	} sys;
	/* A synchronous fault seen by a CPU hook, delivered by the run loop. */
	struct {
		bool pending;
		struct sc_siginfo info;
		uint64_t pc;     /* the PC the signal frame records */
		uint64_t esr;    /* arm64 ESR_EL1 for the frame's esr_context, 0 for none */
		int trapno;      /* x86-64 trap number for the frame */
		const char *what; /* for the report when it kills the guest */
	} fault;
	/* Engine hooks. */
	int engine_live;         /* uc may be kicked (sc_engine_kick) */
	int kickers;             /* kicks in flight: the engine is not closed under them */
	uc_hook tlb_hook;        /* TLB warm-up (cpu.c) */
	uint64_t tlb_blocks, tlb_next;
	int tlb_flushes, tlb_max;
	/* Last invalid access seen by the memory hook, for the fault report. */
	uint64_t fault_addr, fault_pc;
	int fault_type;
};

/* Bits of sc_thread.attn. */
enum {
	SC_ATTN_SIGNAL = 1u << 0,    /* a signal may be deliverable */
	SC_ATTN_EXIT = 1u << 1,      /* the process is ending */
	SC_ATTN_YIELD = 1u << 2,     /* another thread waits for the execution lock */
	SC_ATTN_SIGRETURN = 1u << 4, /* rt_sigreturn: restore the frame */
	SC_ATTN_FAULT = 1u << 5,     /* a synchronous fault to deliver */
};

/* How a syscall that the host interrupted (EINTR) comes back when a handler runs
 * (the kernel's ERESTARTSYS / ERESTARTNOHAND / plain EINTR). */
enum { SC_RESTART_SYS, SC_RESTART_NOHAND, SC_RESTART_NEVER };

/* A fair lock (tickets served in order) that a thread holds while it runs guest code. */
struct sc_bel {
	pthread_mutex_t m;
	pthread_cond_t c;
	uint64_t next, serving;
	struct sc_thread *holder;
};

struct sc_process {
	const struct sc_arch *arch;
	struct sc_thread thread; /* the main thread (the one syscorn_run runs on) */
	struct sc_mem mem;
	uc_engine *uc;       /* the main thread's engine */
	struct sc_exit exit;
	syscorn_log_fn log;
	void *log_data;
	uint32_t flags;      /* SYSCORN_F_* */
	uint8_t warned[1024 / 8]; /* ENOSYS warnings already given, by number */
	uint64_t hwcap, hwcap2;  /* AT_HWCAP(2): what this engine's CPU model executes */
	/* Set by a fork child's setup (fork.c) for its one thread; threads keep their own. */
	uint64_t tid_address;
	uint64_t robust_list, robust_len;
	char *exe_path;      /* absolute host path of the guest program (/proc/self/exe) */
	uint64_t auxv_addr, auxv_len;
	/* Signal dispositions, shared by the threads (sig.c). */
	struct sc_sigaction { uint64_t handler, flags, restorer, mask; } sigactions[64];
	uint64_t sigpending;     /* process-directed signals kept by syscorn (not the host) */
	struct sc_siginfo sigpending_info[32];
	bool sig_inherited;      /* initial dispositions and mask taken from the host (sig.c) */
	uint64_t sig_traced;     /* --strace: ignored signals the host keeps to show (sig_traced.c) */
	bool sig_children;       /* ... and the process may have children (a SIGCHLD may come) */
	gaddr_t sigpage;         /* arm64: the sigreturn trampoline, mapped at first use */
	/* Threads (thread.c). p->lock guards the list, the exit and sigpending; bel is the
	 * execution lock, in use once a second thread has existed (multi). */
	pthread_mutex_t lock;
	pthread_cond_t threads_cond; /* signalled when a thread ends */
	struct sc_thread *threads;
	int nthreads;
	bool multi;
	bool exiting;            /* exit_group or a fatal signal: every thread ends */
	struct sc_bel bel;
	pid_t pid;               /* the host process's; differs in a fork child */
	uint8_t *blocking;       /* [nr]: the handler may block, runs without the lock */
	uint8_t *restart_kind;   /* [nr]: SC_RESTART_* */
	uint8_t *forking;        /* [nr]: fork-like, may return in a child */
	/* A fork child of a thread other than the main one: syscorn_run's host thread is not
	 * there; the thread goes back to its frame through this when the guest ends. */
	bool orphan;
	void *run_jmp;
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

/* Ends the guest process (every thread): exit code or fatal signal. Called from a hook or a
 * handler; the engines stop at their next safe point. */
void sc_guest_exit(struct sc_thread *t, int status, int signal);

/* fork.c: a vfork child about to exit without having exec'd hands its parent back the stack
 * they would have shared. A no-op in any other process. */
void sc_vfork_exit(struct sc_thread *t);

/* Stops t's engine at its next block boundary (cpu.c); any thread, or t's signal handlers. */
void sc_engine_kick(struct sc_thread *t);

/* Asks t to see to `bits` (SC_ATTN_*) at its next safe point. */
static inline void sc_attn(struct sc_thread *t, uint32_t bits)
{
	__atomic_fetch_or(&t->attn, bits, __ATOMIC_SEQ_CST);
	sc_engine_kick(t);
}

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
