/* Pending signals: the ones the host handler recorded in a thread's ring, the synchronous
 * ones syscorn keeps (or has the host keep while they are blocked), taking them in the
 * kernel's order, the blocked mask (mirrored to the host thread), sending a signal to the
 * guest process or one of its threads, and what pending signals become across execve. */
#include "sig_internal.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "thread.h"
#include "trace/trace.h"

#define TAKEN (sizeof((struct sc_thread *)0)->taken / sizeof(struct sc_siginfo))

/* Synchronous-class signals sent with kill & co. (not faults) that the guest thread blocks
 * wait in the host's queue, directed at its host thread, which blocks them meanwhile: so
 * signalfd reads them with their siginfo, and they go through execve as the kernel's pending
 * signals do. When the guest unblocks one (or waits for it) it is taken back into `pending`
 * before the host thread unblocks it: syscorn's own SIGSEGV/SIGBUS handler must never see
 * one. Not SIGSYS, which interrupts blocking calls for syscorn. `hosted`: the signals so
 * queued on this host thread; `hosted_shared`: those of them sent to the whole process. (Per
 * host thread, as the guest thread runs on its own.) Caveat: while the host thread blocks
 * SIGBUS or SIGSEGV, a host fault in a copy to or from guest memory (a file mapping past the
 * end of its file) ends the process instead of failing with EFAULT. */
#define HOSTABLE (SC_SYNCHRONOUS & ~BIT(SC_SIGSYS))
static __thread uint64_t hosted, hosted_shared;

/* ---------------------------------------------------------------- pending signals */

bool sc_sig_ring_empty(struct sc_thread *t)
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

void sc_sig_keep(struct sc_thread *t, const struct sc_siginfo *info)
{
	pending_add(&t->pending, info);
}

static uint64_t host_pending(void)
{
	uint64_t set = 0;
	syscall(SYS_rt_sigpending, &set, sizeof set);
	return set;
}

uint64_t sc_sig_host_blocked(struct sc_thread *t)
{
	uint64_t traced = __atomic_load_n(&t->proc->sig_traced, __ATOMIC_RELAXED);
	t->sig_traced_applied = traced;
	return (t->sigmask & (SC_MIRRORED | hosted)) | traced;
}

void sc_sig_reclaim(struct sc_thread *t, uint64_t set)
{
	set &= hosted;
	if (!set)
		return;
	struct sc_siginfo i;
	bool any = false;
	while (sc_sig_host_take(set, &i)) {
		pending_add(&t->pending, &i);
		any = true;
	}
	hosted &= ~set;
	hosted_shared &= ~set;
	if (any && (t->pending.set & ~t->sigmask))
		sc_attn(t, SC_ATTN_SIGNAL);
}

/* Into the host's queue for this thread, blocked there first; false if the host refused. */
static bool host_hold(struct sc_thread *t, const struct sc_siginfo *info, bool shared)
{
	uint64_t b = BIT(info->signo);
	if ((hosted & b) && (host_pending() & b))
		return true; /* standard signals do not queue */
	sc_host_sigmask(SIG_BLOCK, b);
	if (sc_sig_host_requeue(info)) {
		hosted &= ~b;
		sc_host_sigmask(SIG_SETMASK, sc_sig_host_blocked(t));
		return false;
	}
	hosted |= b;
	if (shared)
		hosted_shared |= b;
	else
		hosted_shared &= ~b;
	return true;
}

void sc_sig_hosted_inherit(struct sc_thread *t)
{
	/* Pending and blocked across execve (ours or another program's): kept where they are,
	 * but directed at this thread, so that no other host thread, which does not block
	 * them, gets them. */
	uint64_t set = host_pending() & t->sigmask & HOSTABLE;
	struct sc_siginfo i[SC_NSIG];
	int n = 0;
	while (n < SC_NSIG && sc_sig_host_take(set, &i[n]))
		n++;
	hosted = 0;
	hosted_shared = 0;
	for (int k = 0; k < n; k++)
		if (!host_hold(t, &i[k], false))
			pending_add(&t->pending, &i[k]);
}

void sc_sig_hosted_release(struct sc_thread *t, bool keep_shared)
{
	struct sc_process *p = t->proc;
	struct sc_siginfo i;
	int sig;
	while (hosted && (sig = sc_sig_host_take(hosted, &i))) {
		hosted &= ~BIT(sig);
		if (!keep_shared || !(hosted_shared & BIT(sig)))
			continue;
		/* Sent to the process: the others may take it. */
		pthread_mutex_lock(&p->lock);
		if (!(p->sigpending & BIT(sig))) {
			p->sigpending |= BIT(sig);
			p->sigpending_info[sig] = i;
		}
		pthread_mutex_unlock(&p->lock);
	}
	hosted = 0;
	hosted_shared = 0;
}

void sc_sig_hosted_forget(void)
{
	hosted = 0;
	hosted_shared = 0;
}

/* Moves what the host handler recorded into `taken`; what the guest now blocks goes back to
 * the host, what it now ignores is dropped. */
static void drain_ring(struct sc_thread *t)
{
	struct sc_process *p = t->proc;
	sc_sig_reclaim(t, ~t->sigmask);
	while (!sc_sig_ring_empty(t)) {
		struct sc_siginfo i = t->ring[t->ring_tail % RING];
		__atomic_store_n(&t->ring_tail, t->ring_tail + 1, __ATOMIC_RELEASE);
		int sig = i.signo;
		if (sig < 1 || sig > SC_NSIG)
			continue;
		if (sc_sig_ignored(p, sig)) {
			sc_trace_signal_raw(p, &i); /* --strace: the tracee still gets it */
			continue;
		}
		if (!(SC_MIRRORED & BIT(sig))) {
			pending_add(&t->pending, &i); /* a SIGSYS from outside */
			continue;
		}
		if ((t->sigmask & BIT(sig)) || t->ntaken == (int)TAKEN)
			sc_sig_host_requeue(&i);
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
	/* (sigtimedwait & co.: a hosted one it waits for, the first in the kernel's order) */
	if (want && (hosted & want))
		sc_sig_reclaim(t, BIT(lowest(hosted & want)));
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
	/* (A hosted signal that signalfd read is no longer pending.) */
	if (hosted)
		hosted &= host_pending() | ~HOSTABLE;
	uint64_t s = t->pending.set | hosted;
	for (int k = 0; k < t->ntaken; k++)
		s |= BIT(t->taken[k].signo);
	pthread_mutex_lock(&p->lock);
	s |= p->sigpending;
	pthread_mutex_unlock(&p->lock);
	return s;
}

/* Unless something taken is still to be delivered (then everything stays blocked). */
void sc_sig_host_mask_sync(struct sc_thread *t)
{
	sc_sig_reclaim(t, ~t->sigmask);
	if (sc_sig_ring_empty(t) && !t->ntaken)
		sc_host_sigmask(SIG_SETMASK, sc_sig_host_blocked(t));
}

void sc_sig_setmask(struct sc_thread *t, uint64_t mask)
{
	struct sc_process *p = t->proc;
	uint64_t old = t->sigmask;
	mask &= ~SC_UNBLOCKABLE;
	t->sigmask = mask;
	sc_sig_traced_unblocked(t, old);
	/* Pending signals with the default action of ending the process end it through the
	 * library, not by the host killing the emulator: take them out of the host's queue
	 * while it still blocks them. */
	uint64_t fatal = 0, unblocked = old & ~mask & SC_MIRRORED;
	for (uint64_t s = unblocked; s; s &= s - 1) {
		int sig = __builtin_ctzll(s) + 1;
		if (p->sigactions[sig - 1].handler == SC_SIG_DFL && sc_sig_default_action(sig) == ACT_TERM)
			fatal |= BIT(sig);
	}
	struct sc_siginfo info;
	int sig;
	if (fatal && (sig = sc_sig_host_take(fatal, &info))) {
		sc_guest_exit(t, 0, sig);
		return;
	}
	sc_sig_host_mask_sync(t);
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

static bool only_thread(struct sc_process *p, struct sc_thread *t)
{
	for (struct sc_thread *u = p->threads; u; u = u->next)
		if (u != t && !u->done)
			return false;
	return true;
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
	if (sc_sig_ignored(p, sig) && !(t->sigmask & BIT(sig)) && to_me) {
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
			sc_sig_host_requeue(info);
		sc_attn(t, SC_ATTN_SIGNAL);
		return;
	}
	if (SC_MIRRORED & BIT(sig)) {
		/* The host keeps it with its siginfo (signalfd and sigtimedwait see it) and gives
		 * it to a thread that does not block it. Only to oneself may any siginfo be
		 * queued; kill() and tgkill() make the same siginfo as the guest's call. */
		if (tid == t->tid)
			sc_sig_host_requeue(info);
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
	/* Blocked by this thread, or by the process's only thread: the host keeps it. */
	bool shared = !u && !tid;
	if ((HOSTABLE & BIT(sig)) && (t->sigmask & BIT(sig)) &&
	    (u == t || (shared && only_thread(p, t))) && host_hold(t, info, shared)) {
		pthread_mutex_unlock(&p->lock);
		return;
	}
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

/* ---------------------------------------------------------------- execve */

/* Pending signals survive execve in the kernel; here the host's execve carries those the host
 * keeps (blocked mirrored ones, hosted ones), so what syscorn holds goes back into the host's
 * queue, blocked, with its siginfo, directed at this thread (the one left after execve). What
 * the guest does not block would have been delivered before the call: it is, and the call is
 * made again. The next syscorn finds them pending (sc_sig_run_begin). */
bool sc_sig_exec_begin(struct sc_thread *t, uint64_t *requeued)
{
	struct sc_process *p = t->proc;
	*requeued = 0;
	/* Nothing more taken by the host handler from here; the synchronous signals the guest
	 * blocks blocked on the host too, before any is queued there. */
	sc_host_sigmask(SIG_BLOCK, SC_MIRRORED | (t->sigmask & SC_SYNCHRONOUS));
	if (sc_sig_deliverable(t)) {
		t->sys.restart = SC_RESTART_NOINTR;
		sc_attn(t, SC_ATTN_SIGNAL);
		return false;
	}
	/* Everything held is blocked now (else it would be deliverable): `taken` is empty and the
	 * ring was drained into the host. */
	uint64_t q = 0;
	for (uint64_t s = t->pending.set & ~hosted; s; s &= s - 1) {
		int sig = __builtin_ctzll(s) + 1;
		if (!sc_sig_host_requeue(&t->pending.info[sig]))
			q |= BIT(sig);
	}
	pthread_mutex_lock(&p->lock);
	for (uint64_t s = p->sigpending & ~hosted & ~q; s; s &= s - 1) {
		int sig = __builtin_ctzll(s) + 1;
		if (!sc_sig_host_requeue(&p->sigpending_info[sig]))
			q |= BIT(sig);
	}
	pthread_mutex_unlock(&p->lock);
	*requeued = q;
	return true;
}

void sc_sig_exec_mask(struct sc_thread *t)
{
	/* The guest's blocked set is what the next program starts with. */
	sc_host_sigmask(SIG_SETMASK, t->sigmask);
}

void sc_sig_exec_failed(struct sc_thread *t, uint64_t requeued)
{
	/* What was put back is still in syscorn's sets: out of the host's queue again. */
	struct sc_siginfo i;
	sc_host_sigmask(SIG_BLOCK, requeued);
	while (requeued && sc_sig_host_take(requeued, &i))
		;
	sc_sig_host_mask_sync(t);
}
