/* The syscall tracer (--strace): strace's output, produced inside the emulator.
 *
 * What a syscall prints comes from two places: the handler's SYSCALL_DEFINEn metadata
 * (argument names and type tags, src/syscall.h), and tools/xlat/syscalls.tbl, which refines
 * a tag where strace prints more than the tag says (which flag table, which direction, a
 * return kind, a special decoder for the few truly special calls). Both are compiled into
 * per-architecture rule arrays when tracing starts. */
#ifndef SYSCORN_TRACE_H
#define SYSCORN_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include "../syscall.h"

struct sc_xlat;

/* Syscall classes, for -e trace=%class (strace's names). */
enum {
	TC_file = 1u << 0, TC_desc = 1u << 1, TC_process = 1u << 2, TC_network = 1u << 3,
	TC_memory = 1u << 4, TC_signal = 1u << 5, TC_ipc = 1u << 6, TC_stat = 1u << 7,
	TC_lstat = 1u << 8, TC_fstat = 1u << 9, TC_statfs = 1u << 10, TC_fstatfs = 1u << 11,
	TC_creds = 1u << 12, TC_clock = 1u << 13, TC_pure = 1u << 14, TC_stat_like = 1u << 15,
	TC_statfs_like = 1u << 16,
};

/* How a successful return value prints. */
enum { TR_dec, TR_hex, TR_oct, TR_udec, TR_fd, TR_signo, TR_none };

/* Argument printers. Each handler type tag has a default printer (trace.c); the rules file
 * can name another one, optionally with a parameter: a constant table for flags/enum, or an
 * argument index (the length argument of a buffer, the size of a signal set). */
#define TP_LIST(X)                                                                        \
	X(none) X(d) X(u) X(ld) X(lu) X(x) X(o) X(fd) X(dirfd) X(uid) X(mode) X(smode)     \
	X(umask) X(ptr) X(path) X(str) X(ibuf) X(obuf) X(obuf_hex) X(obuf_str) X(iov)      \
	X(flags) X(enum) X(oflags) X(mflags) X(signo) X(sigset) X(stat) X(statx) X(statfs) \
	X(timespec) X(timeval) X(sigaction) X(rlimit) X(pollfd) X(fdset) X(argv) X(envp)  \
	X(utimens) X(timevals) X(int_ptr) X(uid_ptr) X(fd_pair) X(stack) X(utsname)        \
	X(sysinfo) X(rusage) X(tms) X(sched_param) X(cpuset) X(dirents) X(epoll_event)     \
	X(itimerval) X(statx_flags) X(access_mode) X(dev) X(rlim_res) X(clockid) X(off_ptr) \
	X(gid_list) X(xattr_list) X(time_ptr) X(getcpu_ptr) X(sa_handler) X(epoll_events)  \
	X(timezone) X(dirfd_or_fd) X(sockaddr) X(itimerspec) X(siginfo)

enum sc_trace_printer {
#define TP_ENUM(n) TP_##n,
	TP_LIST(TP_ENUM)
#undef TP_ENUM
	TP_COUNT
};

/* Special decoders for the calls whose arguments depend on each other. */
#define TS_LIST(X)                                                                         \
	X(none) X(open) X(openat) X(fcntl) X(ioctl) X(prctl) X(arch_prctl) X(poll) X(ppoll) \
	X(select) X(pselect6) X(mmap) X(execve) X(clone) X(futex) X(mremap) X(readv)        \
	X(preadv) X(getresid) X(pipe) X(nanosleep) X(sched_affinity) X(getgroups) X(wait4) \
	X(rt_sigaction) X(rt_sigprocmask) X(getpriority) X(epoll_wait) X(mknod) X(lseek)    \
	X(getcwd) X(sendfile) X(sched_getscheduler) X(socket) X(socketpair) X(sockname)    \
	X(recvfrom) X(msg) X(sockopt) X(rt_sigreturn)

enum sc_trace_special {
#define TS_ENUM(n) TS_##n,
	TS_LIST(TS_ENUM)
#undef TS_ENUM
	TS_COUNT
};

/* One printer with its parameter. */
struct sc_trace_arg {
	uint8_t printer;  /* TP_* */
	int8_t param;     /* argument index, or -1 */
	const struct sc_xlat *xlat;
};

/* A line of tools/xlat/syscalls.tbl (generated into xlat.c, sorted by name). */
struct sc_trace_rule {
	const char *name;
	uint32_t classes;  /* TC_* */
	uint8_t ret;       /* TR_* */
	uint8_t special;   /* TS_* */
	uint8_t outs;      /* bit i: argument i is written by the call (printed on exit) */
	int8_t nargs;      /* arguments strace prints, -1: the handler's count */
	uint8_t eintr;     /* what the kernel says of a call a signal interrupted: SC_EINTR_* */
	struct sc_trace_arg args[6];
};
extern const struct sc_trace_rule sc_trace_rules[];
/* The kernel's internal codes for an interrupted call, which strace shows ("= ? ERESTARTSYS"). */
enum { SC_EINTR_RESTARTSYS, SC_EINTR_NOHAND, SC_EINTR_BLOCK, SC_EINTR_PLAIN };
extern const unsigned sc_trace_nrules;

/* Per architecture and syscall number: the rule put together with the handler's metadata. */
struct sc_trace_sys {
	/* A line of its own (the table is 64-byte aligned) with what every call reads: its name
	 * here rather than behind meta (one cache line less a call). */
	char name[32];                      /* meta->name when shorter (namelen < 32) */
	uint8_t namelen;                    /* strlen(meta->name) */
	uint8_t ret, special, nargs, outs, eintr;
	bool traced;                        /* selected by -e trace= */
	uint8_t kind;                       /* SC_TSYS_* */
	bool plain;                         /* no kind, no special decoder: the plain path */
	uint32_t classes;
	const struct sc_syscall_meta *meta; /* NULL: a number the table does not know */
	struct sc_trace_arg args[6];
} __attribute__((aligned(64)));

/* What the core must know about a call beyond printing it. */
enum { SC_TSYS_FORK = 1, SC_TSYS_KILL = 2, SC_TSYS_TGKILL = 4,
       SC_TSYS_EXIT = 8 /* exit under -f: a thread's end has its "+++" line */ };

/* A growable text buffer (tbuf.c). */
struct sc_tbuf {
	char *p;      /* NUL-terminated once anything was appended; NULL before */
	size_t len, cap;
	bool lost;    /* an append was dropped for want of memory: the text is incomplete */
};

/* Per-syscall tracer state (one thread for now). */
struct sc_trace_call {
	const struct sc_trace_sys *sys;
	uint64_t nr;
	uint64_t args[6];
	int64_t ret;       /* raw guest return value */
	int err;           /* guest errno when the call failed, else 0 */
	int next_arg;      /* first argument still to print */
	int arch;          /* SC_XA_* */
	struct timespec wall; /* entry, for -t and JSON */
	int64_t dur_ns;    /* for -T and -c */
	const char *aux;   /* text after the return value: "flags ...", "Timeout" */
	int eintr_as;      /* -1, or the SC_EINTR_* an interrupted line shows instead of the rule's */
	int ret_override;  /* -1, or a TR_* the special decoder chose */
	size_t flushed;    /* how much of the line went out at entry (unbuffered output) */
	bool open;         /* -f: the entry went out as an open line (strace's printing_tcp) */
	bool open_sep;     /* ... that strace ends with ", " (the next argument is the call's) */
	bool decoded;      /* every argument was printed at entry (strace's RVAL_DECODED) */
	uint32_t name_pos;
	uint64_t saved[2]; /* what a special decoder read at entry (in/out lengths) */
	bool exec_shown;   /* an execve line printed as successful before the host's execve */
	/* JSON: where each argument's text starts in the line, its name and raw value. */
	int nargs_printed;
	uint8_t args_set;  /* bit i: argument i was printed (a decoder may leave one out) */
	uint32_t argpos[8];
	const char *argname[8];
	uint64_t argraw[8];
	char auxbuf[512];  /* (last: the fields every call uses share fewer cache lines) */
};

/* What "--- SIGxxx {...} ---" shows. */
struct sc_trace_siginfo {
	int signo, code;
	int pid, uid;         /* SI_USER, SI_TKILL, SIGCHLD */
	int status;           /* SIGCHLD */
	long utime, stime;    /* SIGCHLD */
	uint64_t addr;        /* faults */
	uint64_t value;       /* SI_QUEUE, SI_TIMER: si_value */
	int timerid, overrun; /* SI_TIMER */
};
/* "{si_signo=..., si_code=..., ...}" of a 128-byte siginfo (print.c). */
void tp_siginfo_text(struct sc_tbuf *b, const struct sc_trace_siginfo *si);
void tp_siginfo_decode(const void *raw, struct sc_trace_siginfo *si);

enum {
	SC_TRACE_F_FOLLOW = 1u << 0,   /* -f */
	SC_TRACE_F_FF = 1u << 1,       /* -ff -o: one output per task */
	SC_TRACE_F_SUMMARY = 1u << 2,  /* -c */
	SC_TRACE_F_SUMMARY_TOO = 1u << 3, /* -C */
	SC_TRACE_F_DURATION = 1u << 4, /* -T */
	SC_TRACE_F_RELATIVE = 1u << 5, /* -r */
	SC_TRACE_F_SUCCESS = 1u << 6,  /* -z */
	SC_TRACE_F_FAILED = 1u << 7,   /* -Z */
	SC_TRACE_F_VERBOSE = 1u << 8,  /* -v */
	SC_TRACE_F_FDPATH = 1u << 9,   /* -y */
	SC_TRACE_F_JSON = 1u << 10,    /* --strace-format=json */
	SC_TRACE_F_UNBUFFERED = 1u << 11, /* write at syscall entry and exit */
	SC_TRACE_F_QUIET_EXIT = 1u << 12, /* -qq: no "+++ exited" lines */
	SC_TRACE_F_QUIET_ATTACH = 1u << 13,
	SC_TRACE_F_NO_ABBREV = 1u << 14,  /* -v also turns abbreviation off */
	SC_TRACE_F_PID_COLUMN = 1u << 15, /* -f -o FILE: "PID  " instead of "[pid PID] " */
};

struct sc_trace_count {
	uint64_t calls, errors;
	uint64_t ns;
};

/* The tracer of one process. */
struct sc_tracer {
	/* What every traced call reads, first: in two cache lines (after each host syscall, what
	 * a call touches comes back from L2 one line at a time; fewer lines, a cheaper trace). */
	uint32_t flags;       /* SC_TRACE_F_* */
	int arch;             /* SC_XA_* of the process, -1 before the first call */
	int column;           /* -a: where " = " goes (40) */
	int tflag;            /* -t: 1, -tt: 2, -ttt: 3 */
	int pid;              /* the guest's pid for [pid N] and JSON */
	bool show_pid;        /* -f with more than one process: [pid N] prefixes */
	bool threaded;        /* a thread was created: take the lock */
	bool timed;           /* -T, -c, -C or JSON: each call's duration is measured */
	bool sel_none;
	bool multi;
	bool dyn_pid;         /* -f on stderr: "[pid N] " while the trace has several tasks */
	/* None of the above: no leader, nothing timed, one output of one thread and process,
	 * buffered text, every line whole (sc_trace_replan): the plain path (trace.c). */
	bool plain;
	struct sc_trace_sys *sys[2]; /* per architecture, by number */
	unsigned nsys[2];
	/* A line written straight into `out` (one thread, one process, buffered text: no other
	 * line can come between its two halves): where it starts, SIZE_MAX when none. Its start
	 * stays in `out` when what is before it is written. */
	size_t line_at;
	struct sc_tbuf out;   /* pending output */
	/* -f (one output, text, not -z/-Z): strace's <unfinished ...> / <... resumed> split. The
	 * state is shared by the processes of the trace (a MAP_SHARED page made before the first
	 * fork); once there are several (`multi`), each piece is written at once, under its lock. */
	struct sc_trace_shared *shared;
	syscorn_trace_write_fn write;
	void *write_data;
	int out_tid;          /* -ff: the task whose text it is (0: the process's) */
	/* The rest. */
	int strsize;          /* -s */
	int xflag;            /* -x: 1, -xx: 2 */
	size_t optmem_max;    /* the most control data a message header shows (net_msg.c) */
	pthread_mutex_t lock; /* output, counts, lazily built tables, once threads share them */
	struct timespec last; /* -r */
	/* -e trace= selection by name (resolved per architecture on first use). */
	char **names;
	size_t nnames;
	uint32_t sel_classes;
	bool sel_negate, sel_all;
	/* -e signal= */
	uint64_t sig_sel;
	/* -c */
	struct sc_trace_count *counts[2];
	bool started;         /* the execve line was printed */
	bool exec_continued;  /* this process comes from a traced execve: no execve line */
	int last_kill;        /* the last call: 1 kill, 2 tgkill/tkill (for the death line) */
	int last_kill_sig;
	int signal_shown;     /* the last "--- SIG ---" line's signal */
	struct sc_trace_siginfo fault; /* the fault the emulator reported last */
	unsigned long lost;   /* lines dropped for want of memory (warned about at the end) */
	/* -f: the process's other threads (internal.h) */
	pthread_mutex_t tasks_lock;
	struct sc_trace_task *tasks;
	unsigned ntasks, ctasks;
};

/* The tracer's entry points (src/api*.c, src/cpu.c). Syscalls reach it through its syscall
 * hooks (src/hooks.c, SC_ORDER_TRACE), which sc_trace_start installs: call it before the
 * guest's first syscall. It prints the execve line, from the guest's stack, once. */
void sc_trace_start(struct sc_process *p);
void sc_trace_end(struct sc_process *p);
void sc_trace_free(struct sc_process *p);
/* Writes what is pending; inside an execve, the execve line too, as a successful one (call it
 * just before the host's execve: the new program does not print it again). */
void sc_trace_flush(struct sc_process *p);
/* A signal the guest receives: "--- SIGxxx {...} ---". */
void sc_trace_signal(struct sc_process *p, const struct sc_trace_siginfo *si);
/* The same from a 128-byte siginfo_t as the kernel lays it out for 64-bit guests. */
void sc_trace_signal_raw(struct sc_process *p, const void *siginfo);
/* The signals whose "--- SIG ---" lines the trace shows (SC_SIGBIT set; 0 without a trace). */
uint64_t sc_trace_signals_shown(struct sc_process *p);
/* A fault that ends the guest (cpu.c's report): the siginfo of its death line. */
void sc_trace_fault(struct sc_process *p, int sig, uint64_t addr, uint64_t pc, int fault_type);

/* Whether the tracer takes its plain path (trace.c): again after each change of what it
 * depends on (options, -f's shared output, a thread, a fork). */
void sc_trace_replan(struct sc_tracer *tr);

/* Output helpers (tbuf.c; the common appends inline, the buffer grown out of line). Out of
 * memory, tb_grow returns false and sets b->lost, and the append is dropped. */
bool tb_grow(struct sc_tbuf *b, size_t n);

static inline void tb_putn(struct sc_tbuf *b, const char *s, size_t n)
{
	if (__builtin_expect(b->len + n + 1 > b->cap, 0) && !tb_grow(b, n))
		return;
	__builtin_memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

static inline void tb_putc(struct sc_tbuf *b, char c)
{
	if (__builtin_expect(b->len + 2 > b->cap, 0) && !tb_grow(b, 1))
		return;
	b->p[b->len++] = c;
	b->p[b->len] = 0;
}

static inline void tb_puts(struct sc_tbuf *b, const char *s)
{
	tb_putn(b, s, __builtin_strlen(s));
}

/* Room for n more characters (and the NUL): where they go, or NULL (out of memory). The
 * caller writes through its own pointer and ends with tb_commit: the buffer's length and
 * pointer are then not reloaded after every character stored (char stores alias them). */
static inline char *tb_reserve(struct sc_tbuf *b, size_t n)
{
	if (__builtin_expect(b->len + n + 1 > b->cap, 0) && !tb_grow(b, n))
		return NULL;
	return b->p + b->len;
}

static inline void tb_commit(struct sc_tbuf *b, char *end)
{
	*end = 0;
	b->len = (size_t)(end - b->p);
}

/* The decimal digits of v at q (at most 20), two at a time: the end. Written in place, not
 * built in a small array and copied, whose wide load would wait for the byte stores to retire
 * (a store-forwarding stall). */
extern const char sc_digit_pairs[201];
extern const uint64_t sc_pow10[20];
static inline char *fmt_udec(char *q, uint64_t v)
{
	/* the digit count from the bit count (log10 2 ~ 1233/4096), then one comparison */
	unsigned t = (unsigned)(64 - __builtin_clzll(v | 1)) * 1233 >> 12;
	char *e = q + t + (v >= sc_pow10[t]);
	if (e == q)
		e++; /* v = 0 */
	q = e;
	for (; v >= 100000000; v /= 100) {
		q -= 2;
		__builtin_memcpy(q, &sc_digit_pairs[2 * (v % 100)], 2);
	}
	/* the last 8 digits or fewer in 32 bits: a cheaper multiply for each division */
	uint32_t w = (uint32_t)v;
	for (; w >= 100; w /= 100) {
		q -= 2;
		__builtin_memcpy(q, &sc_digit_pairs[2 * (w % 100)], 2);
	}
	if (w >= 10) {
		q -= 2;
		__builtin_memcpy(q, &sc_digit_pairs[2 * w], 2);
	} else {
		*--q = (char)('0' + w);
	}
	return e;
}

static inline char *fmt_dec(char *q, int64_t v)
{
	if (v < 0) {
		*q++ = '-';
		return fmt_udec(q, (uint64_t)0 - (uint64_t)v);
	}
	return fmt_udec(q, (uint64_t)v);
}
void tb_printf(struct sc_tbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tb_dec(struct sc_tbuf *b, int64_t v);
void tb_udec(struct sc_tbuf *b, uint64_t v);
void tb_hex(struct sc_tbuf *b, uint64_t v);  /* 0x..., or 0 */

/* Printing (print.c). */
struct sc_tprint {
	struct sc_tracer *tr;
	struct sc_process *p;
	struct sc_thread *t;
	struct sc_trace_call *c;
	struct sc_tbuf *b;
	int arch;             /* SC_XA_* */
	bool exiting;
};
void tp_arg(struct sc_tprint *tp, int i, const struct sc_trace_arg *a);
/* ", " before argument i (none before the first), and where its text starts (JSON). */
void tp_sep(struct sc_tprint *tp, int i);
void tp_addr(struct sc_tprint *tp, uint64_t a);
void tp_xlat_flags(struct sc_tprint *tp, const struct sc_xlat *x, uint64_t v);
bool tp_xlat_enum(struct sc_tprint *tp, const struct sc_xlat *x, uint64_t v);
const char *tp_xlat_name(const struct sc_tprint *tp, const struct sc_xlat *x, uint64_t v);
void tp_signame(struct sc_tprint *tp, int sig);
void tp_str(struct sc_tprint *tp, uint64_t addr, uint64_t len, int style);
void tp_path(struct sc_tprint *tp, uint64_t addr);
void tp_fd(struct sc_tprint *tp, int fd);
void tp_open_flags(struct sc_tprint *tp, uint64_t v);
void tp_sigset(struct sc_tprint *tp, uint64_t addr, uint64_t len);
void tp_timespec(struct sc_tprint *tp, uint64_t addr);
void tp_quoted(struct sc_tbuf *b, const uint8_t *s, size_t n, int style, int xflag,
	       const char *extra_escape);
/* String styles for tp_str / tp_quoted. */
enum { TQ_NUL = 1, TQ_HEX = 2, TQ_NO_QUOTES = 4, TQ_ELLIPSIS_IF_UNTERMINATED = 8 };
bool tp_read(struct sc_tprint *tp, uint64_t addr, void *dst, size_t n);
/* Arrays show at most -s elements (unless -v): true when element i is one too many, after
 * printing "..." in its place. */
bool tp_array_cut(struct sc_tprint *tp, struct sc_tbuf *b, uint64_t i);

/* Special decoders (special.c): print arguments from c->next_arg on, entering or exiting;
 * return true when the argument list is complete. */
bool ts_decode(struct sc_tprint *tp);
bool ts_decode_net(struct sc_tprint *tp);     /* net.c */
void tp_sockaddr(struct sc_tprint *tp, uint64_t addr, int64_t len);
size_t tp_optmem_max_read(void);              /* net_msg.c */

/* Arch index for a process. */
int sc_trace_arch(const struct sc_process *p);

#endif
