/* --strace: the signals the guest ignores, seen all the same.
 *
 * strace shows a signal its tracee ignores ("--- SIGCHLD {...} ---" when a child exits and
 * SIGCHLD is left at SIG_DFL) because the kernel discards no signal of a ptraced task. The
 * host discards them for syscorn, whose dispositions mirror the guest's (sig.c). So while the
 * trace shows signals, every host thread of the guest also blocks the ignored ones it would
 * show (p->sig_traced): a blocked signal is not discarded but waits in the host's queue, and
 * interrupts nothing, so the guest's calls go on as they do untraced (no EINTR, no short read
 * or write, the same timeouts), which a host handler could not promise. Its line is printed
 * when the thread takes it out of the queue: before its next syscall's line (it came while the
 * guest ran, or between calls: strace prints it there too), or after the line of the call it
 * came during (a wait4 that the child's exit ends, as strace shows it). A sleep that ran to its
 * end meanwhile was natively cut short by it and restarted: the tracer shows that as strace
 * does (trace.c, sc_trace_cut_short).
 *
 * The host dispositions stay the guest's: SIG_IGN still reaps children (the kernel sends no
 * SIGCHLD then, and strace shows none), SA_NOCLDSTOP/SA_NOCLDWAIT act as asked, ignored
 * signals stay ignored across execve. What the guest blocks itself is left alone: pending for
 * it as natively (sigpending, signalfd, sigwaitinfo see it).
 *
 * Known differences: a process-directed signal is shown by the thread that next makes a
 * syscall (natively the kernel prefers the main thread); a call other than a sleep that it
 * would have interrupted natively (a read that gets data later, a wait4 for another child, an
 * epoll_wait, which returns EINTR under strace) shows the signal after its line. */
#include "sig_internal.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "trace/trace.h"

uint64_t sc_sig_traced_set(struct sc_process *p)
{
	uint64_t shown = sc_trace_signals_shown(p) & SC_MIRRORED, set = 0;
	for (uint64_t s = shown; s; s &= s - 1) {
		int sig = __builtin_ctzll(s) + 1;
		if (sc_sig_ignored(p, sig))
			set |= BIT(sig);
	}
	return set;
}

static uint64_t host_pending(void)
{
	uint64_t set = 0;
	syscall(SYS_rt_sigpending, &set, sizeof set);
	return set;
}

/* What may be taken: not what the guest thread blocks (pending for it, as natively). */
static uint64_t takeable(struct sc_thread *t)
{
	return __atomic_load_n(&t->proc->sig_traced, __ATOMIC_RELAXED) & ~t->sigmask;
}

void sc_sig_traced_drain(struct sc_thread *t)
{
	struct sc_process *p = t->proc;
	if (!p->tracer)
		__atomic_store_n(&p->sig_traced, 0, __ATOMIC_RELAXED); /* the trace has ended */
	/* Another thread changed a disposition: this host thread follows. */
	if (t->sig_traced_applied != __atomic_load_n(&p->sig_traced, __ATOMIC_RELAXED))
		sc_sig_host_mask_sync(t);
	uint64_t set = takeable(t);
	if (!set || !(host_pending() & set))
		return;
	struct sc_siginfo i, back[SC_NSIG];
	int nback = 0;
	while (sc_sig_host_take(set, &i)) {
		if (sc_sig_ignored(p, i.signo)) {
			sc_trace_signal_raw(p, &i);
			continue;
		}
		/* A handler since (another thread's, which has not drained yet): the guest's. */
		set &= ~BIT(i.signo);
		if (nback < SC_NSIG)
			back[nback++] = i;
	}
	for (int k = 0; k < nback; k++)
		sc_sig_host_requeue(&back[k]);
}

bool sc_sig_has_children(void)
{
	siginfo_t si;
	return !(waitid(P_ALL, 0, &si, WEXITED | WSTOPPED | WCONTINUED | WNOHANG | WNOWAIT | __WALL) &&
		 errno == ECHILD);
}

void sc_sig_traced_result(struct sc_thread *t, uint64_t r)
{
	struct sc_process *p = t->proc;
	if (r == (uint64_t)-SC_GUEST_EPIPE)
		t->sig_traced_due = true;
	else if (__atomic_load_n(&p->sig_children, __ATOMIC_RELAXED)) {
		__atomic_store_n(&p->sig_children, sc_sig_has_children(), __ATOMIC_RELAXED);
		t->sig_traced_due = true; /* the last one's SIGCHLD (reaped by the kernel) */
	}
}

bool sc_sig_traced_came(struct sc_thread *t)
{
	uint64_t set = takeable(t);
	return set && (host_pending() & set);
}

void sc_sig_traced_update(struct sc_thread *t)
{
	struct sc_process *p = t->proc;
	uint64_t set = sc_sig_traced_set(p);
	if (set == __atomic_load_n(&p->sig_traced, __ATOMIC_RELAXED) && t->sig_traced_applied == set)
		return;
	__atomic_store_n(&p->sig_traced, set, __ATOMIC_RELAXED);
	sc_sig_host_mask_sync(t);
}
