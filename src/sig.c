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
 * thread notices at a safe point: after its syscall (trap hook), or at its next block when the
 * block hook is installed (it is while a guest handler exists). The engine stops there and the
 * run loop builds the frame (arch/<arch>_signal.c), then unblocks the host mask again, which
 * lets the next pending signal in: frames nest exactly as the kernel's do.
 *
 * A signal recorded while the thread is between its check and a blocking host call would not
 * interrupt that call; a per-thread host timer then sends SIGSYS (never mirrored: the
 * guest's SIGSYS is emulated) every 2 ms until the call returns.
 *
 * Synchronous signals (the guest's own faults, and SIGSEGV & co. sent with kill) never go
 * through the host: faults are delivered at once, the others are kept in `pending` sets. */
#include "sig.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "arch/arch.h"
#include "mem.h"
#include "thread.h"
#include "trace/trace.h"

#define BIT SC_SIGBIT
#define RING (sizeof((struct sc_thread *)0)->ring / sizeof(struct sc_siginfo))
#define TAKEN (sizeof((struct sc_thread *)0)->taken / sizeof(struct sc_siginfo))
#define KICK_SIG SC_SIGSYS
#define KICK_VALUE 0x5c0125c1c0ffeeull
#define KICK_PERIOD_NS 2000000

/* sa_flags and ss_flags: the same on both guests and the host. */
#define GUEST_SA_NOCLDSTOP 0x1ull
#define GUEST_SA_NOCLDWAIT 0x2ull
#define GUEST_SA_SIGINFO 0x4ull
#define GUEST_SA_RESTORER 0x04000000ull
#define GUEST_SA_ONSTACK 0x08000000ull
#define GUEST_SA_RESTART 0x10000000ull
#define GUEST_SA_NODEFER 0x40000000ull
#define GUEST_SA_RESETHAND 0x80000000ull
#define GUEST_SS_ONSTACK 1
#define GUEST_SS_DISABLE 2
#define GUEST_SS_AUTODISARM (1u << 31)
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

static int host_take(uint64_t set, struct sc_siginfo *info)
{
	const struct timespec zero = { 0, 0 };
	long sig = syscall(SYS_rt_sigtimedwait, &set, info, &zero, sizeof set);
	return sig > 0 ? (int)sig : 0;
}

/* Back into the host's queue, for this thread, with its siginfo (allowed to oneself whatever
 * the si_code). Blocked there, it waits for the guest like any pending signal. */
static void host_requeue(const struct sc_siginfo *info)
{
	syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), info->signo, info);
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
			host_requeue((const struct sc_siginfo *)si);
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

enum default_action { ACT_TERM, ACT_IGNORE, ACT_STOP };

static enum default_action default_action(int sig)
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

static bool ignored(struct sc_process *p, int sig)
{
	uint64_t h = p->sigactions[sig - 1].handler;
	return h == SC_SIG_IGN || (h == SC_SIG_DFL && default_action(sig) == ACT_IGNORE);
}

static bool has_handler(struct sc_process *p, int sig)
{
	return p->sigactions[sig - 1].handler > SC_SIG_IGN;
}

bool sc_sig_async_handled(struct sc_process *p)
{
	for (int sig = 1; sig <= SC_NSIG; sig++)
		if ((SC_MIRRORED & BIT(sig)) && has_handler(p, sig))
			return true;
	return false;
}

static void mirror_disposition(struct sc_process *p, int sig)
{
	if (!(SC_MIRRORED & BIT(sig)))
		return;
	const struct sc_sigaction *k = &p->sigactions[sig - 1];
	if (k->handler == SC_SIG_IGN)
		host_sigaction(sig, (uintptr_t)SIG_IGN, 0, 0, NULL);
	else if (k->handler == SC_SIG_DFL)
		host_sigaction(sig, (uintptr_t)SIG_DFL, 0, 0, NULL);
	else
		/* The child-status flags change what the host kernel does with our children. */
		host_sigaction(sig, (uintptr_t)host_handler,
			       SA_SIGINFO | (k->flags & (GUEST_SA_NOCLDSTOP | GUEST_SA_NOCLDWAIT)),
			       SC_MIRRORED, NULL);
}

void sc_sig_disposition_changed(struct sc_thread *t, int sig)
{
	struct sc_process *p = t->proc;
	bool before = p->sig_async;
	mirror_disposition(p, sig);
	p->sig_async = sc_sig_async_handled(p);
	if (p->sig_async != before) {
		pthread_mutex_lock(&p->lock);
		for (struct sc_thread *u = p->threads; u; u = u->next)
			sc_attn(u, SC_ATTN_HOOKS);
		pthread_mutex_unlock(&p->lock);
	}
	/* Ignoring discards what is pending (POSIX); the host does so for its own queue. */
	if (ignored(p, sig) && sig < 32) {
		pthread_mutex_lock(&p->lock);
		p->sigpending &= ~BIT(sig);
		for (struct sc_thread *u = p->threads; u; u = u->next)
			u->pending.set &= ~BIT(sig);
		pthread_mutex_unlock(&p->lock);
	}
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
	p->sig_async = sc_sig_async_handled(p);
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
	sc_host_sigmask(SIG_SETMASK, t->sigmask & SC_MIRRORED);
}

void sc_sig_thread_stop(struct sc_thread *t)
{
	struct sc_process *p = t->proc;
	sc_host_sigmask(SIG_SETMASK, ~0ull);
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
	for (; t->ring_tail != t->ring_head; t->ring_tail++) {
		const struct sc_siginfo *i = &t->ring[t->ring_tail % RING];
		syscall(SYS_rt_sigqueueinfo, getpid(), i->signo, i);
	}
	for (int k = 0; k < t->ntaken; k++)
		syscall(SYS_rt_sigqueueinfo, getpid(), t->taken[k].signo, &t->taken[k]);
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
	__atomic_fetch_and(&t->attn, ~(uint32_t)SC_ATTN_SIGNAL, __ATOMIC_SEQ_CST);
	cur = t;
	sc_host_sigmask(SIG_SETMASK, t->sigmask & SC_MIRRORED);
}

void sc_sig_syscall_done(struct sc_thread *t)
{
	__atomic_store_n(&t->in_syscall, false, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (t->kick_armed)
		kick_disarm(t);
}

/* ---------------------------------------------------------------- pending signals */

static bool ring_empty(struct sc_thread *t)
{
	return __atomic_load_n(&t->ring_head, __ATOMIC_ACQUIRE) == t->ring_tail;
}

static void pending_add(struct sc_sigset_pending *s, const struct sc_siginfo *info)
{
	int sig = info->signo;
	if (s->set & BIT(sig))
		return; /* standard signals do not queue */
	s->set |= BIT(sig);
	s->info[sig] = *info;
}

/* Moves what the host handler recorded into `taken`; what the guest now blocks goes back to
 * the host, what it now ignores is dropped. */
static void drain_ring(struct sc_thread *t)
{
	struct sc_process *p = t->proc;
	while (!ring_empty(t)) {
		struct sc_siginfo i = t->ring[t->ring_tail % RING];
		__atomic_store_n(&t->ring_tail, t->ring_tail + 1, __ATOMIC_RELEASE);
		int sig = i.signo;
		if (sig < 1 || sig > SC_NSIG)
			continue;
		if (ignored(p, sig)) {
			sc_trace_signal_raw(p, &i); /* --strace: the tracee still gets it */
			continue;
		}
		if (!(SC_MIRRORED & BIT(sig))) {
			pending_add(&t->pending, &i); /* a SIGSYS from outside */
			continue;
		}
		if ((t->sigmask & BIT(sig)) || t->ntaken == (int)TAKEN)
			host_requeue(&i);
		else
			t->taken[t->ntaken++] = i;
	}
}

/* The kernel's next_signal(): synchronous signals first, then the lowest number. */
static int rank(int sig)
{
	return (SC_SYNCHRONOUS & BIT(sig)) ? sig - SC_NSIG : sig;
}

static int lowest(uint64_t set)
{
	int best = 0;
	for (; set; set &= set - 1) {
		int sig = __builtin_ctzll(set) + 1;
		if (!best || rank(sig) < rank(best))
			best = sig;
	}
	return best;
}

int sc_sig_take(struct sc_thread *t, uint64_t want, struct sc_siginfo *info)
{
	struct sc_process *p = t->proc;
	drain_ring(t);
	uint64_t allowed = want ? want : ~t->sigmask;
	int best = 0, where = 0, idx = -1;
	for (int k = 0; k < t->ntaken; k++) {
		int sig = t->taken[k].signo;
		if ((allowed & BIT(sig)) && (!best || rank(sig) < rank(best))) {
			best = sig;
			where = 1;
			idx = k;
		}
	}
	int own = lowest(t->pending.set & allowed);
	if (own && (!best || rank(own) < rank(best))) {
		best = own;
		where = 2;
	}
	pthread_mutex_lock(&p->lock);
	int shared = lowest(p->sigpending & allowed);
	if (shared && (!best || rank(shared) < rank(best))) {
		best = shared;
		where = 3;
	}
	if (where == 3) {
		*info = p->sigpending_info[best];
		p->sigpending &= ~BIT(best);
	}
	pthread_mutex_unlock(&p->lock);
	if (where == 1) {
		*info = t->taken[idx];
		memmove(&t->taken[idx], &t->taken[idx + 1], (size_t)(t->ntaken - idx - 1) * sizeof *info);
		t->ntaken--;
	} else if (where == 2) {
		*info = t->pending.info[best];
		t->pending.set &= ~BIT(best);
	}
	return best;
}

bool sc_sig_deliverable(struct sc_thread *t)
{
	struct sc_process *p = t->proc;
	drain_ring(t);
	if (t->ntaken || (t->pending.set & ~t->sigmask))
		return true;
	pthread_mutex_lock(&p->lock);
	bool r = (p->sigpending & ~t->sigmask) != 0;
	pthread_mutex_unlock(&p->lock);
	return r;
}

uint64_t sc_sig_held(struct sc_thread *t)
{
	struct sc_process *p = t->proc;
	drain_ring(t);
	uint64_t s = t->pending.set;
	for (int k = 0; k < t->ntaken; k++)
		s |= BIT(t->taken[k].signo);
	pthread_mutex_lock(&p->lock);
	s |= p->sigpending;
	pthread_mutex_unlock(&p->lock);
	return s;
}

/* Unless something taken is still to be delivered (then everything stays blocked). */
static void host_mask_sync(struct sc_thread *t)
{
	if (ring_empty(t) && !t->ntaken)
		sc_host_sigmask(SIG_SETMASK, t->sigmask & SC_MIRRORED);
}

void sc_sig_setmask(struct sc_thread *t, uint64_t mask)
{
	struct sc_process *p = t->proc;
	uint64_t old = t->sigmask;
	mask &= ~SC_UNBLOCKABLE;
	t->sigmask = mask;
	/* Pending signals with the default action of ending the process end it through the
	 * library, not by the host killing the emulator: take them out of the host's queue
	 * while it still blocks them. */
	uint64_t fatal = 0, unblocked = old & ~mask & SC_MIRRORED;
	for (uint64_t s = unblocked; s; s &= s - 1) {
		int sig = __builtin_ctzll(s) + 1;
		if (p->sigactions[sig - 1].handler == SC_SIG_DFL && default_action(sig) == ACT_TERM)
			fatal |= BIT(sig);
	}
	struct sc_siginfo info;
	int sig;
	if (fatal && (sig = host_take(fatal, &info))) {
		sc_guest_exit(t, 0, sig);
		return;
	}
	host_mask_sync(t);
	if (sc_sig_deliverable(t))
		sc_attn(t, SC_ATTN_SIGNAL);
}

bool sc_sig_mask_wait_begin(struct sc_thread *t, uint64_t mask)
{
	t->saved_mask = t->sigmask;
	t->restore_mask = true;
	sc_sig_setmask(t, mask);
	return sc_sig_deliverable(t);
}

void sc_sig_mask_wait_end(struct sc_thread *t, long r)
{
	/* Interrupted: the handler runs with the call's mask, and the frame brings the old one
	 * back (the kernel's restore_sigmask). */
	if (r == -EINTR && sc_sig_deliverable(t)) {
		sc_attn(t, SC_ATTN_SIGNAL);
		return;
	}
	t->restore_mask = false;
	sc_sig_setmask(t, t->saved_mask);
}

/* ---------------------------------------------------------------- sending */

static struct sc_thread *thread_not_blocking(struct sc_process *p, int sig)
{
	for (struct sc_thread *u = p->threads; u; u = u->next)
		if (!u->done && !(u->sigmask & BIT(sig)))
			return u;
	return NULL;
}

void sc_sig_send_self(struct sc_thread *t, int tid, const struct sc_siginfo *info)
{
	struct sc_process *p = t->proc;
	int sig = info->signo;
	if (sig == 0)
		return;
	if (sig == SC_SIGKILL) {
		sc_guest_exit(t, 0, sig);
		return;
	}
	if (sig == SC_SIGSTOP) {
		kill(getpid(), SIGSTOP);
		return;
	}
	bool to_me = tid == 0 || tid == t->tid;
	/* The kernel discards a signal that is ignored and not blocked when it is sent. */
	if (ignored(p, sig) && !(t->sigmask & BIT(sig)) && to_me) {
		sc_trace_signal_raw(p, info); /* strace's tracee still gets it */
		return;
	}
	if (to_me && !(t->sigmask & BIT(sig))) {
		/* The sender takes it itself, as the kernel prefers: delivered on the way out of
		 * this syscall. */
		if ((SC_MIRRORED & BIT(sig)) && t->ntaken < (int)TAKEN)
			t->taken[t->ntaken++] = *info;
		else if (!(SC_MIRRORED & BIT(sig)))
			pending_add(&t->pending, info);
		else
			host_requeue(info);
		sc_attn(t, SC_ATTN_SIGNAL);
		return;
	}
	if (SC_MIRRORED & BIT(sig)) {
		/* The host keeps it with its siginfo (signalfd and sigtimedwait see it) and gives
		 * it to a thread that does not block it. Only to oneself may any siginfo be
		 * queued; kill() and tgkill() make the same siginfo as the guest's call. */
		if (tid == t->tid)
			host_requeue(info);
		else if (info->code == SC_SI_USER && !tid)
			kill(getpid(), sig);
		else if (info->code >= 0 || info->code == SC_SI_TKILL)
			syscall(SYS_tgkill, getpid(), tid ? tid : getpid(), sig);
		else if (tid)
			syscall(SYS_rt_tgsigqueueinfo, getpid(), tid, sig, info);
		else
			syscall(SYS_rt_sigqueueinfo, getpid(), sig, info);
		return;
	}
	pthread_mutex_lock(&p->lock);
	struct sc_thread *u = tid ? sc_thread_find(p, tid) : thread_not_blocking(p, sig);
	if (u) {
		pending_add(&u->pending, info);
		sc_attn(u, SC_ATTN_SIGNAL);
		if (u != t)
			sc_thread_kick(u);
	} else if (!tid) {
		if (!(p->sigpending & BIT(sig))) {
			p->sigpending |= BIT(sig);
			p->sigpending_info[sig] = *info;
		}
	}
	pthread_mutex_unlock(&p->lock);
}

/* ---------------------------------------------------------------- alternate stack */

static bool on_altstack(struct sc_thread *t, uint64_t sp)
{
	if (t->altstack.flags & GUEST_SS_AUTODISARM)
		return false;
	return t->altstack.size && sp > t->altstack.sp && sp - t->altstack.sp <= t->altstack.size;
}

int32_t sc_sig_altstack_flags(struct sc_thread *t, uint64_t sp)
{
	if (!t->altstack.size)
		return GUEST_SS_DISABLE;
	return (int32_t)((on_altstack(t, sp) ? GUEST_SS_ONSTACK : 0) | t->altstack.flags);
}

long sc_sig_altstack_set(struct sc_thread *t, uint64_t sp, int32_t flags, uint64_t size,
			 uint64_t cur_sp)
{
	if (on_altstack(t, cur_sp))
		return -EPERM;
	uint32_t mode = (uint32_t)flags & ~GUEST_SS_AUTODISARM;
	if (mode != GUEST_SS_DISABLE && mode != GUEST_SS_ONSTACK && mode != 0)
		return -EINVAL;
	if (mode == GUEST_SS_DISABLE) {
		size = 0;
		sp = 0;
	} else if (size < (t->proc->arch->minsigstksz ? 5120 : 2048)) {
		/* MINSIGSTKSZ of the guest's uapi headers (arm64 5120, x86-64 2048). */
		return -ENOMEM;
	}
	t->altstack.sp = sp;
	t->altstack.size = size;
	t->altstack.flags = (uint32_t)flags & GUEST_SS_AUTODISARM;
	return 0;
}

/* ---------------------------------------------------------------- delivery */

/* arm64 handlers without SA_RESTORER return through the vdso's trampoline; syscorn has no
 * vdso, so it maps a page with the same two instructions the first time one is needed. */
static gaddr_t sigpage(struct sc_process *p)
{
	const struct sc_arch_signal *a = p->arch->sig;
	if (p->sigpage || !a->sigtramp)
		return p->sigpage;
	gaddr_t at = mem_find_free(p, SC_PAGE);
	if (!at || mem_map(p, at, SC_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			   0, VMA_ANON, "[sigpage]"))
		return 0;
	memcpy(p->mem.base + at, a->sigtramp, a->sigtramp_len);
	mem_protect(p, at, SC_PAGE, PROT_READ | PROT_EXEC);
	p->sigpage = at;
	return at;
}

/* The restart of the syscall the thread stopped after, decided by the first handler. */
struct restart {
	bool pending;
	int kind;
};

static void fatal(struct sc_thread *t, int sig, bool report, uint64_t addr, uint64_t pc,
		  const char *what)
{
	if (report)
		sc_report_fault(t, sig, addr, pc, what);
	sc_guest_exit(t, 0, sig);
}

/* Sets up the handler's frame; false if the frame could not be written (then the guest dies
 * of SIGSEGV, as the kernel's force_sigsegv). */
static bool setup_handler(struct sc_thread *t, const struct sc_siginfo *info,
			  const struct sc_sigframe *fault)
{
	struct sc_process *p = t->proc;
	const struct sc_arch_signal *a = p->arch->sig;
	int sig = info->signo;
	struct sc_sigaction *k = &p->sigactions[sig - 1];
	uint64_t sp = 0;
	uc_reg_read(t->uc, p->arch->sp_reg, &sp);
	uint64_t top = sp - a->redzone;
	bool alt = (k->flags & GUEST_SA_ONSTACK) && t->altstack.size && !on_altstack(t, top);
	struct sc_sigframe f;
	memset(&f, 0, sizeof f);
	if (fault)
		f = *fault;
	f.info = info;
	f.handler = k->handler;
	f.sa_flags = k->flags;
	f.restorer = (k->flags & GUEST_SA_RESTORER) ? k->restorer : sigpage(p);
	f.mask = t->restore_mask ? t->saved_mask : t->sigmask;
	f.sp = alt ? t->altstack.sp + t->altstack.size : top;
	f.ss_sp = t->altstack.sp;
	f.ss_size = t->altstack.size;
	f.ss_flags = t->altstack.size ? (int32_t)t->altstack.flags : GUEST_SS_DISABLE;
	if (a->setup_frame(t, &f)) {
		if (sig == SC_SIGSEGV)
			k->handler = SC_SIG_DFL;
		uint64_t pc = 0;
		uc_reg_read(t->uc, p->arch->pc_reg, &pc);
		fatal(t, SC_SIGSEGV, true, f.sp, pc, "signal frame could not be written");
		return false;
	}
	if (alt && (t->altstack.flags & GUEST_SS_AUTODISARM)) {
		t->altstack.sp = 0;
		t->altstack.size = 0;
		t->altstack.flags = 0;
	}
	t->restore_mask = false;
	uint64_t blocked = t->sigmask | k->mask;
	if (!(k->flags & GUEST_SA_NODEFER))
		blocked |= BIT(sig);
	t->sigmask = blocked & ~SC_UNBLOCKABLE;
	if (k->flags & GUEST_SA_RESETHAND) {
		k->handler = SC_SIG_DFL;
		sc_sig_disposition_changed(t, sig);
	}
	return true;
}

static void decide_restart(struct sc_thread *t, struct restart *rs, uint64_t sa_flags)
{
	if (!rs->pending)
		return;
	rs->pending = false;
	if (rs->kind != SC_RESTART_SYS || !(sa_flags & GUEST_SA_RESTART))
		t->proc->arch->sig->syscall_unwind(t, (uint64_t)-(int64_t)EINTR);
}

static void deliver(struct sc_thread *t, const struct sc_siginfo *info, struct restart *rs)
{
	struct sc_process *p = t->proc;
	int sig = info->signo;
	struct sc_sigaction *k = &p->sigactions[sig - 1];
	sc_trace_signal_raw(p, info); /* --strace: "--- SIGxxx {...} ---" */
	if (k->handler == SC_SIG_IGN)
		return;
	if (k->handler == SC_SIG_DFL) {
		switch (default_action(sig)) {
		case ACT_IGNORE:
			return;
		case ACT_STOP:
			/* Stopping is the host's job: the parent's wait must see the process stop. */
			kill(getpid(), sig);
			return;
		case ACT_TERM: {
			bool fault = (SC_SYNCHRONOUS & BIT(sig)) && info->code > 0;
			uint64_t pc = 0;
			uc_reg_read(t->uc, p->arch->pc_reg, &pc);
			fatal(t, sig, fault, info->fault.addr, pc, "signal");
			return;
		}
		}
	}
	decide_restart(t, rs, k->flags);
	setup_handler(t, info, NULL);
}

static void deliver_fault(struct sc_thread *t)
{
	struct sc_process *p = t->proc;
	t->fault.pending = false;
	const struct sc_siginfo *info = &t->fault.info;
	int sig = info->signo;
	struct sc_sigaction *k = &p->sigactions[sig - 1];
	sc_trace_signal_raw(p, info); /* --strace */
	uc_reg_write(t->uc, p->arch->pc_reg, &t->fault.pc);
	/* force_sig_info(): a blocked or ignored fault is fatal. */
	if ((t->sigmask & BIT(sig)) || k->handler == SC_SIG_IGN)
		k->handler = SC_SIG_DFL;
	if (k->handler == SC_SIG_DFL) {
		fatal(t, sig, true, info->fault.addr, t->fault.pc, t->fault.what);
		return;
	}
	struct sc_sigframe f;
	memset(&f, 0, sizeof f);
	f.fault_addr = info->fault.addr;
	f.esr = t->fault.esr;
	f.trapno = (uint64_t)t->fault.trapno;
	setup_handler(t, info, &f);
}

static void do_sigreturn(struct sc_thread *t)
{
	struct sc_process *p = t->proc;
	uint64_t mask, ss[3], sp = 0;
	if (p->arch->sig->restore_frame(t, &mask, ss)) {
		uint64_t pc = 0;
		uc_reg_read(t->uc, p->arch->pc_reg, &pc);
		uc_reg_read(t->uc, p->arch->sp_reg, &sp);
		fatal(t, SC_SIGSEGV, true, sp, pc, "bad frame in rt_sigreturn");
		return;
	}
	t->sigmask = mask & ~SC_UNBLOCKABLE;
	uc_reg_read(t->uc, p->arch->sp_reg, &sp);
	/* restore_altstack(): errors (we are on that stack) leave it as it is. */
	sc_sig_altstack_set(t, ss[0], (int32_t)ss[1], ss[2], sp);
}

void sc_sig_attend(struct sc_thread *t, uint32_t bits)
{
	struct sc_process *p = t->proc;
	const struct sc_arch_signal *a = p->arch->sig;
	struct restart rs = { false, SC_RESTART_SYS };
	if (t->sys.ended) {
		t->sys.ended = false;
		/* Interrupted: back onto the trap, unless the first handler says otherwise. With
		 * no handler to run, the call resumes as if nothing happened. */
		if (t->sys.result == -EINTR && !(bits & SC_ATTN_SIGRETURN)) {
			a->syscall_rewind(t, t->sys.nr, t->sys.arg0);
			rs.pending = true;
			rs.kind = t->sys.restart;
		}
	}
	if (bits & SC_ATTN_SIGRETURN)
		do_sigreturn(t);
	if (t->fault.pending && !t->done)
		deliver_fault(t);
	for (int n = 0; n < 256 && !t->done; n++) {
		struct sc_siginfo info;
		if (sc_sig_take(t, 0, &info)) {
			deliver(t, &info, &rs);
			continue;
		}
		/* Let the host hand over the next one the new mask allows. */
		host_mask_sync(t);
		if (ring_empty(t))
			break;
	}
	if (t->restore_mask) {
		/* sigsuspend & co. without a handler run: their mask goes away now. */
		t->restore_mask = false;
		t->sigmask = t->saved_mask;
		host_mask_sync(t);
	}
}
