/* Pending signals: the ones the host handler recorded in a thread's ring, the synchronous
 * ones syscorn keeps, taking them in the kernel's order, the blocked mask (mirrored to the
 * host thread), and sending a signal to the guest process or one of its threads. */
#include "sig_internal.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "thread.h"
#include "trace/trace.h"

#define TAKEN (sizeof((struct sc_thread *)0)->taken / sizeof(struct sc_siginfo))

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

/* Moves what the host handler recorded into `taken`; what the guest now blocks goes back to
 * the host, what it now ignores is dropped. */
static void drain_ring(struct sc_thread *t)
{
	struct sc_process *p = t->proc;
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
void sc_sig_host_mask_sync(struct sc_thread *t)
{
	if (sc_sig_ring_empty(t) && !t->ntaken)
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
