/* Signal delivery: the host side (handlers, the mirrored mask), the guest side (pending
 * signals, frames, SA_* flags, syscall restarts) and synchronous faults (sig*.c). The signal
 * syscalls are in syscalls/signal.c. */
#ifndef SYSCORN_SIG_H
#define SYSCORN_SIG_H

#include "core.h"

#define SC_NSIG 64
#define SC_SIGBIT(sig) (1ull << ((sig) - 1))

/* Guest (and host) signal numbers, the generic Linux ones. */
enum {
	SC_SIGHUP = 1, SC_SIGINT = 2, SC_SIGQUIT = 3, SC_SIGILL = 4, SC_SIGTRAP = 5,
	SC_SIGABRT = 6, SC_SIGBUS = 7, SC_SIGFPE = 8, SC_SIGKILL = 9, SC_SIGUSR1 = 10,
	SC_SIGSEGV = 11, SC_SIGUSR2 = 12, SC_SIGPIPE = 13, SC_SIGALRM = 14, SC_SIGTERM = 15,
	SC_SIGCHLD = 17, SC_SIGCONT = 18, SC_SIGSTOP = 19, SC_SIGTSTP = 20, SC_SIGTTIN = 21,
	SC_SIGTTOU = 22, SC_SIGURG = 23, SC_SIGWINCH = 28, SC_SIGSYS = 31,
};

#define SC_UNBLOCKABLE (SC_SIGBIT(SC_SIGKILL) | SC_SIGBIT(SC_SIGSTOP))
/* The guest's own faults are emulated, so the host's synchronous signals are syscorn's (and
 * SIGSYS interrupts blocking host calls for it); all the others the host keeps for the guest:
 * dispositions, blocked set and pending signals mirror the guest's. */
#define SC_SYNCHRONOUS                                                                        \
	(SC_SIGBIT(SC_SIGSEGV) | SC_SIGBIT(SC_SIGBUS) | SC_SIGBIT(SC_SIGILL) |                 \
	 SC_SIGBIT(SC_SIGFPE) | SC_SIGBIT(SC_SIGTRAP) | SC_SIGBIT(SC_SIGSYS))
#define SC_MIRRORED (~0ull & ~(SC_UNBLOCKABLE | SC_SYNCHRONOUS))

#define SC_SIG_DFL 0
#define SC_SIG_IGN 1

/* A restart kind beyond core.h's SC_RESTART_*: the call is made again after any handler
 * (the kernel's ERESTARTNOINTR); execve's, when a signal is to be delivered first. */
#define SC_RESTART_NOINTR 3

/* si_code values (the same on every Linux). */
enum { SC_SI_USER = 0, SC_SI_KERNEL = 0x80, SC_SI_QUEUE = -1, SC_SI_TIMER = -2,
       SC_SI_TKILL = -6 };

/* Process set-up: dispositions and mask inherited through execve, host handlers. */
void sc_sig_run_begin(struct sc_process *p);
void sc_sig_run_end(struct sc_process *p);
/* On a thread's host thread, before it runs guest code / after it ran its last. */
void sc_sig_thread_start(struct sc_thread *t);
void sc_sig_thread_stop(struct sc_thread *t);
void sc_sig_after_fork(struct sc_thread *t);

/* The run loop's part at a safe point: rt_sigreturn, a synchronous fault, the restart of an
 * interrupted syscall, delivery of pending signals (frames nest as the kernel's do). */
void sc_sig_attend(struct sc_thread *t, uint32_t bits);
/* A trap hook is done with a syscall. */
void sc_sig_syscall_done(struct sc_thread *t);

/* The guest's blocked set for t, mirrored to its host thread. */
void sc_sig_setmask(struct sc_thread *t, uint64_t mask);
/* ppoll, pselect6, epoll_pwait: the call's mask for the wait. begin returns true when a signal
 * it lets through is pending already (the call returns EINTR without waiting); end takes the
 * call's result. */
bool sc_sig_mask_wait_begin(struct sc_thread *t, uint64_t mask);
void sc_sig_mask_wait_end(struct sc_thread *t, long r);
/* A pending signal of set (or any deliverable one when set is 0) already taken from the host
 * or kept by syscorn; with take, it is removed. */
int sc_sig_take(struct sc_thread *t, uint64_t set, struct sc_siginfo *info);
bool sc_sig_deliverable(struct sc_thread *t);
/* Signals pending for t that syscorn holds (or had the host hold for it, blocked). */
uint64_t sc_sig_held(struct sc_thread *t);
/* The host thread's blocked set for t: the mirrored part of the guest's, the synchronous
 * signals the host keeps for it, and the ignored ones --strace shows (sig_traced.c). */
uint64_t sc_sig_host_blocked(struct sc_thread *t);

/* --strace (sig_traced.c): the ignored signals the trace shows, which the host threads block
 * so that the host does not discard them; taken out and shown (before a syscall's line);
 * whether one came (during a call); the set again after a disposition changed. */
uint64_t sc_sig_traced_set(struct sc_process *p);
void sc_sig_traced_drain(struct sc_thread *t);
/* Before a call: a drain when one may have come. A look at the host's queue is a host call
 * (rt_sigpending, ~0.1 us here): too much for every call of a syscall-bound guest (it doubled
 * the trace's cost). So it is made only where a signal the trace shows can be waiting: while
 * the process may have children (SIGCHLD, as soon as one ends), after a call that failed with
 * EPIPE (the SIGPIPE it raised, shown after its line), after the guest unblocked one, when
 * something changed (a disposition, the trace's end), and otherwise every 64th call of a
 * thread, for what comes from outside (a SIGWINCH, a kill of an ignored signal): shown a few
 * calls later than strace would show it, never lost. */
static inline void sc_sig_traced_poll(struct sc_thread *t)
{
	struct sc_process *p = t->proc;
	if (t->sig_traced_applied != __atomic_load_n(&p->sig_traced, __ATOMIC_RELAXED) ||
	    !p->tracer || __atomic_load_n(&p->sig_children, __ATOMIC_RELAXED) ||
	    t->sig_traced_due || !(++t->sig_traced_calls & 63)) {
		t->sig_traced_due = false;
		sc_sig_traced_drain(t);
	}
}
/* After a call: what its result says may come (EPIPE: a SIGPIPE; ECHILD: the children gone). */
enum { SC_GUEST_ECHILD = 10, SC_GUEST_EPIPE = 32 }; /* (the same numbers for both guests) */
void sc_sig_traced_result(struct sc_thread *t, uint64_t r);
/* The guest thread's mask changed from old: a drain is due if that unblocked one of them. */
static inline void sc_sig_traced_unblocked(struct sc_thread *t, uint64_t old)
{
	if (old & ~t->sigmask & __atomic_load_n(&t->proc->sig_traced, __ATOMIC_RELAXED))
		t->sig_traced_due = true;
}
/* Whether the process has a child (when the trace starts to show signals). */
bool sc_sig_has_children(void);
bool sc_sig_traced_came(struct sc_thread *t);
void sc_sig_traced_update(struct sc_thread *t);

/* execve: begin puts what syscorn holds back into the host's queue (false: a signal is to be
 * delivered first; the syscall returns -EINTR and is made again); mask sets the guest's
 * blocked set on the host, just before the host's execve; failed undoes both. */
bool sc_sig_exec_begin(struct sc_thread *t, uint64_t *requeued);
void sc_sig_exec_mask(struct sc_thread *t);
void sc_sig_exec_failed(struct sc_thread *t, uint64_t requeued);

/* Sends sig with info to the guest process (tid 0) or one of its threads, as the kernel would
 * (the host keeps what it can). */
void sc_sig_send_self(struct sc_thread *t, int tid, const struct sc_siginfo *info);
/* The guest's disposition changed: host disposition and hooks follow. */
void sc_sig_disposition_changed(struct sc_thread *t, int sig);
/* sigaltstack's rules: 0 or -EPERM/-EINVAL/-ENOMEM. */
long sc_sig_altstack_set(struct sc_thread *t, uint64_t sp, int32_t flags, uint64_t size,
			 uint64_t cur_sp);
int32_t sc_sig_altstack_flags(struct sc_thread *t, uint64_t sp);

/* The host's blocked set of the calling thread, through the raw call (64-bit sets). */
uint64_t sc_host_sigmask(int how, uint64_t set);

/* The one-line report of a fatal guest fault (cpu.c). */
void sc_report_fault(struct sc_thread *t, int sig, uint64_t addr, uint64_t pc, const char *what);

#endif
