/* Signal delivery.
 *
 * The host kernel keeps the guest's signals: for every asynchronous signal (SC_MIRRORED) the
 * host disposition follows the guest's (ignored, default, or a guest handler -> syscorn's
 * handler below), and each host thread blocks what its guest thread blocks. So the host queues,
 * coalesces and orders pending signals, picks the thread of a process-directed one, interrupts
 * blocking calls (the handler is installed without SA_RESTART), and signalfd or sigtimedwait
 * passed through see the guest's signals with their siginfo.
 *
 * The host handler only records: it puts the siginfo in the thread's ring, blocks every
 * mirrored signal in the context it returns to (so the next signal waits in the host until
 * this one is delivered: the kernel's order, one frame at a time), and flags the thread. The
 * thread notices at a safe point: after its syscall (trap hook), or at its next block
 * boundary, where flagging it stopped its engine (sc_attn kicks: cpu.c). The run loop then
 * builds the frame (arch/<arch>_signal.c), then unblocks the host mask again, which
 * lets the next pending signal in: frames nest exactly as the kernel's do.
 *
 * A signal recorded while the thread is between its check and a blocking host call would not
 * interrupt that call; a per-thread host timer then sends SIGSYS (never mirrored: the
 * guest's SIGSYS is emulated) every 2 ms until the call returns.
 *
 * Synchronous signals (the guest's own faults, and SIGSEGV & co. sent with kill) are not the
 * host's: faults are delivered at once, the others are kept in `pending` sets, or, while the
 * guest blocks them, in the host's queue for the sending thread, which then blocks them too
 * (sig_pending.c: signalfd sees them, execve carries them).
 *
 * This file has the host side (raw calls, the handler, the kick timer), dispositions, and
 * process and thread set-up; pending signals and sending are sig_pending.c's, frames,
 * restarts, default actions and faults sig_deliver.c's. */
#include "sig_internal.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>


#define KICK_SIG SC_SIGSYS
#define KICK_VALUE 0x5c0125c1c0ffeeull
#define KICK_PERIOD_NS 2000000

_Static_assert(SA_SIGINFO == GUEST_SA_SIGINFO && SA_ONSTACK == GUEST_SA_ONSTACK &&
		       SA_RESTART == GUEST_SA_RESTART && SA_NODEFER == GUEST_SA_NODEFER &&
		       (uint32_t)SA_RESETHAND == (uint32_t)GUEST_SA_RESETHAND && SA_NOCLDSTOP == 1 &&
		       SA_NOCLDWAIT == 2,
	       "host sa_flags are the generic Linux ones");
_Static_assert(sizeof(siginfo_t) == sizeof(struct sc_siginfo), "host siginfo_t is 128 bytes");
_Static_assert(SIGSYS == SC_SIGSYS && SIGCHLD == SC_SIGCHLD && SIGSTOP == SC_SIGSTOP,
	       "host signal numbers are the generic Linux ones");

/* The thread the calling host thread runs, for the host handler. */
static __thread struct sc_thread *cur;

uint64_t sc_host_sigmask(int how, uint64_t set)
{
	uint64_t old = 0;
	syscall(SYS_rt_sigprocmask, how, &set, &old, sizeof set);
	return old;
}

/* The raw kernel struct sigaction, 64-bit mask: glibc's refuses signals 32 and 33. */
struct host_sigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

/* The restorer glibc gives its handlers (SA_RESTORER is mandatory on x86-64), learnt once. */
static uintptr_t host_restorer;

static int host_sigaction(int sig, uintptr_t handler, unsigned long flags, uint64_t mask,
			  struct host_sigaction *old)
{
	struct host_sigaction a = { (void *)handler, flags | 0x04000000ul /* SA_RESTORER */,
				    (void *)host_restorer, mask };
	return (int)syscall(SYS_rt_sigaction, sig, &a, old, sizeof(uint64_t));
}

int sc_sig_host_take(uint64_t set, struct sc_siginfo *info)
{
	const struct timespec zero = { 0, 0 };
	long sig = syscall(SYS_rt_sigtimedwait, &set, info, &zero, sizeof set);
	return sig > 0 ? (int)sig : 0;
}

/* Back into the host's queue, for this thread, with its siginfo (allowed to oneself whatever
 * the si_code). Blocked there, it waits for the guest like any pending signal. */
long sc_sig_host_requeue(const struct sc_siginfo *info)
{
	return syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), info->signo, info);
}

/* ---------------------------------------------------------------- the host handler */

static void kick_arm(struct sc_thread *t)
{
	if (t->kick_armed)
		return;
	if (!t->kick_timer) {
		struct sigevent sev;
		memset(&sev, 0, sizeof sev);
		sev.sigev_notify = SIGEV_THREAD_ID;
		sev.sigev_signo = KICK_SIG;
		sev.sigev_value.sival_ptr = (void *)(uintptr_t)KICK_VALUE;
		sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
		int id;
		if (syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &id))
			return;
		t->kick_timer = id + 1;
	}
	struct itimerspec its = { { 0, KICK_PERIOD_NS }, { 0, KICK_PERIOD_NS } };
	if (!syscall(SYS_timer_settime, t->kick_timer - 1, 0, &its, NULL))
		t->kick_armed = true;
}

static void kick_disarm(struct sc_thread *t)
{
	struct itimerspec zero;
	memset(&zero, 0, sizeof zero);
	syscall(SYS_timer_settime, t->kick_timer - 1, 0, &zero, NULL);
	t->kick_armed = false;
}

static bool is_kick(int sig, const siginfo_t *si)
{
	if (sig != KICK_SIG)
		return false;
	if (si->si_code == SI_TIMER)
		return (uintptr_t)si->si_value.sival_ptr == KICK_VALUE;
	return si->si_code == SI_TKILL && si->si_pid == getpid();
}

static void host_handler(int sig, siginfo_t *si, void *ctx)
{
	int saved = errno;
	struct sc_thread *t = cur;
	if (t && !is_kick(sig, si)) {
		uint32_t h = t->ring_head;
		if (h - __atomic_load_n(&t->ring_tail, __ATOMIC_ACQUIRE) < RING) {
			memcpy(&t->ring[h % RING], si, sizeof *si);
			t->ring[h % RING].signo = sig;
			__atomic_store_n(&t->ring_head, h + 1, __ATOMIC_RELEASE);
		} else {
			sc_sig_host_requeue((const struct sc_siginfo *)si);
		}
		/* Nothing more until this one is delivered: the kernel's one-at-a-time order. */
		uint64_t *mask = (uint64_t *)&((ucontext_t *)ctx)->uc_sigmask;
		*mask |= SC_MIRRORED;
		sc_attn(t, SC_ATTN_SIGNAL);
		if (__atomic_load_n(&t->in_syscall, __ATOMIC_RELAXED))
			kick_arm(t);
	}
	errno = saved;
}

/* ---------------------------------------------------------------- dispositions */

enum sc_sig_default sc_sig_default_action(int sig)
{
	switch (sig) {
	case SC_SIGCHLD:
	case SC_SIGURG:
	case SC_SIGWINCH:
	case SC_SIGCONT:
		return ACT_IGNORE;
	case SC_SIGSTOP:
	case SC_SIGTSTP:
	case SC_SIGTTIN:
	case SC_SIGTTOU:
		return ACT_STOP;
	default:
		/* Core-dumping signals end the process too; the core would be the emulator's. */
		return ACT_TERM;
	}
}

bool sc_sig_ignored(struct sc_process *p, int sig)
{
	uint64_t h = p->sigactions[sig - 1].handler;
	return h == SC_SIG_IGN || (h == SC_SIG_DFL && sc_sig_default_action(sig) == ACT_IGNORE);
}

static bool has_handler(struct sc_process *p, int sig)
{
	return p->sigactions[sig - 1].handler > SC_SIG_IGN;
}

static void mirror_disposition(struct sc_process *p, int sig)
{
	if (!(SC_MIRRORED & BIT(sig)))
		return;
	const struct sc_sigaction *k = &p->sigactions[sig - 1];
	/* The child-status flags change what the host kernel does with our children, whatever
	 * the handler: SIG_DFL with SA_NOCLDWAIT reaps them too. */
	unsigned long cld = k->flags & (GUEST_SA_NOCLDSTOP | GUEST_SA_NOCLDWAIT);
	if (k->handler == SC_SIG_IGN)
		host_sigaction(sig, (uintptr_t)SIG_IGN, 0, 0, NULL);
	else if (k->handler == SC_SIG_DFL)
		host_sigaction(sig, (uintptr_t)SIG_DFL, cld, 0, NULL);
	else
		host_sigaction(sig, (uintptr_t)host_handler, SA_SIGINFO | cld, SC_MIRRORED, NULL);
}

void sc_sig_disposition_changed(struct sc_thread *t, int sig)
{
	struct sc_process *p = t->proc;
	/* --strace: what came while it was ignored was natively discarded, and shown. */
	if (__atomic_load_n(&p->sig_traced, __ATOMIC_RELAXED) & BIT(sig))
		sc_sig_traced_drain(t);
	mirror_disposition(p, sig);
	/* Ignoring discards what is pending (POSIX); the host does so for its own queue. */
	if (sc_sig_ignored(p, sig) && sig < 32) {
		sc_sig_reclaim(t, BIT(sig));
		pthread_mutex_lock(&p->lock);
		p->sigpending &= ~BIT(sig);
		for (struct sc_thread *u = p->threads; u; u = u->next)
			u->pending.set &= ~BIT(sig);
		pthread_mutex_unlock(&p->lock);
	}
	sc_sig_traced_update(t);
}

/* ---------------------------------------------------------------- process and threads */

static struct host_sigaction old_kick;

void sc_sig_run_begin(struct sc_process *p)
{
	struct sc_thread *t = &p->thread;
	if (!p->sig_inherited) {
		/* Ignored dispositions and the blocked set survive execve; the host kept them for
		 * us. (A host handler is syscorn's own, and handlers do not survive execve.) */
		p->sig_inherited = true;
		for (int sig = 1; sig <= SC_NSIG; sig++) {
			struct host_sigaction old;
			if (sig == SC_SIGKILL || sig == SC_SIGSTOP ||
			    syscall(SYS_rt_sigaction, sig, NULL, &old, sizeof(uint64_t)))
				continue;
			if ((uintptr_t)old.handler == (uintptr_t)SIG_IGN)
				p->sigactions[sig - 1].handler = SC_SIG_IGN;
		}
		t->sigmask = sc_host_sigmask(SIG_BLOCK, 0) & ~SC_UNBLOCKABLE;
		/* So do pending signals: the synchronous ones stay in the host's queue, blocked
		 * (signalfd sees them); a SIGSYS is taken before the host thread unblocks it (to
		 * syscorn it is a kick, which a pending one from before execve is not). */
		sc_sig_hosted_inherit(t);
		struct sc_siginfo i;
		while ((t->sigmask & BIT(SC_SIGSYS)) && sc_sig_host_take(BIT(SC_SIGSYS), &i))
			if (!(i.code == SC_SI_TIMER && i.timer.value == KICK_VALUE))
				sc_sig_keep(t, &i);
	}
	/* SIGSYS interrupts blocking calls for syscorn; from anyone else it is the guest's. */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = host_handler;
	sa.sa_flags = SA_SIGINFO;
	struct sigaction libc_old;
	sigaction(KICK_SIG, &sa, &libc_old);
	struct host_sigaction raw;
	syscall(SYS_rt_sigaction, KICK_SIG, NULL, &raw, sizeof(uint64_t));
	host_restorer = (uintptr_t)raw.restorer;
	host_sigaction(KICK_SIG, (uintptr_t)host_handler, SA_SIGINFO, SC_MIRRORED, NULL);
	old_kick.handler = (void *)(uintptr_t)libc_old.sa_handler;
	old_kick.flags = (unsigned long)libc_old.sa_flags;
	old_kick.restorer = raw.restorer;
	old_kick.mask = 0;
	for (int sig = 1; sig <= SC_NSIG; sig++)
		if ((SC_MIRRORED & BIT(sig)) && has_handler(p, sig))
			mirror_disposition(p, sig);
	p->sig_traced = sc_sig_traced_set(p);
	if (p->sig_traced) /* children from before an execve (or before syscorn) */
		p->sig_children = sc_sig_has_children();
	sc_sig_thread_start(t);
}

void sc_sig_run_end(struct sc_process *p)
{
	(void)p;
	syscall(SYS_rt_sigaction, KICK_SIG, &old_kick, NULL, sizeof(uint64_t));
}

void sc_sig_thread_start(struct sc_thread *t)
{
	cur = t;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	sc_host_sigmask(SIG_SETMASK, sc_sig_host_blocked(t));
}

/* To the process, with its siginfo; only the main thread may queue a kill()-like siginfo to
 * the process, so from another one it is sent again as kill() would. */
static void requeue_process(const struct sc_siginfo *i)
{
	if (syscall(SYS_rt_sigqueueinfo, getpid(), i->signo, i))
		kill(getpid(), i->signo);
}

void sc_sig_thread_stop(struct sc_thread *t)
{
	struct sc_process *p = t->proc;
	/* Hosted signals out of the host's queue first: the mask below lets SIGSEGV/SIGBUS in. */
	sc_sig_hosted_release(t, !p->exiting);
	/* Not SIGSEGV/SIGBUS: the thread's end still writes guest memory (clear_tid, robust
	 * futexes), and a fault there blocked would kill the process instead of being fixed up. */
	sc_host_sigmask(SIG_SETMASK, ~0ull & ~(BIT(SIGSEGV) | BIT(SIGBUS)));
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	cur = NULL;
	if (t->kick_timer) {
		syscall(SYS_timer_delete, t->kick_timer - 1);
		t->kick_timer = 0;
		t->kick_armed = false;
	}
	if (p->exiting)
		return;
	/* What this thread took from the host and did not deliver goes to the others, as a
	 * process-directed signal would; what was meant for this thread dies with it. */
	for (; t->ring_tail != t->ring_head; t->ring_tail++)
		requeue_process(&t->ring[t->ring_tail % RING]);
	for (int k = 0; k < t->ntaken; k++)
		requeue_process(&t->taken[k]);
	t->ntaken = 0;
}

void sc_sig_after_fork(struct sc_thread *t)
{
	/* Pending signals are not inherited, and timers do not survive fork. */
	t->ring_tail = t->ring_head;
	t->ntaken = 0;
	t->pending.set = 0;
	t->kick_timer = 0;
	t->kick_armed = false;
	sc_sig_hosted_forget();
	__atomic_fetch_and(&t->attn, ~(uint32_t)SC_ATTN_SIGNAL, __ATOMIC_SEQ_CST);
	/* (A child the trace does not follow shows no signal: blocks none more.) */
	t->proc->sig_traced = sc_sig_traced_set(t->proc);
	cur = t;
	sc_host_sigmask(SIG_SETMASK, sc_sig_host_blocked(t));
}

void sc_sig_syscall_done(struct sc_thread *t)
{
	__atomic_store_n(&t->in_syscall, false, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (t->kick_armed)
		kick_disarm(t);
}
