/* The signal syscalls: dispositions, masks, the alternate stack, sending, waiting, returning
 * from a handler. Delivery itself and how the host keeps the guest's signals are in sig.c. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../arch/arch.h"
#include "../sig.h"
#include "../syscall.h"
#include "../thread.h"

/* The kernel's sigset_t is one 64-bit word on both guests. */
#define GUEST_SIGSETSIZE 8
#define BIT SC_SIGBIT

/* What the kernel keeps of sa_flags (UAPI_SA_FLAGS): unknown bits read back as clear, which is
 * how programs detect flags the kernel lacks. */
#define GUEST_SA_KNOWN 0xdc000807ull

struct guest_sigaction {
	uint64_t handler, flags, restorer, mask;
};
_Static_assert(sizeof(struct guest_sigaction) == 32, "struct sigaction is 32 bytes on 64-bit guests");

struct guest_stack {
	uint64_t sp;
	int32_t flags;
	uint32_t pad;
	uint64_t size;
};
_Static_assert(sizeof(struct guest_stack) == 24, "stack_t is 24 bytes on 64-bit guests");

static uint64_t host_sigpending(void)
{
	uint64_t set = 0;
	syscall(SYS_rt_sigpending, &set, GUEST_SIGSETSIZE);
	return set;
}

static bool valid_signal(int sig)
{
	return sig >= 0 && sig <= SC_NSIG;
}

SYSCALL_DEFINE4(rt_sigaction, signo, sig, sigaction, act, sigaction, oact, size, sigsetsize)
{
	struct sc_process *p = t->proc;
	if (sigsetsize != GUEST_SIGSETSIZE)
		return -EINVAL;
	struct guest_sigaction n, o;
	if (act && get_guest(p, n, act))
		return -EFAULT;
	/* Reading SIGKILL's or SIGSTOP's action is allowed; changing it is not. */
	if (sig < 1 || sig > SC_NSIG || (act && (sig == SC_SIGKILL || sig == SC_SIGSTOP)))
		return -EINVAL;
	struct sc_sigaction *k = &p->sigactions[sig - 1];
	o = (struct guest_sigaction){ k->handler, k->flags, k->restorer, k->mask };
	if (act) {
		/* --strace: what the host kept of it while ignored is shown as ignored (sig_traced.c) */
		if (__atomic_load_n(&p->sig_traced, __ATOMIC_RELAXED) & SC_SIGBIT(sig))
			sc_sig_traced_drain(t);
		k->handler = n.handler;
		k->flags = n.flags & GUEST_SA_KNOWN;
		k->restorer = n.restorer;
		k->mask = n.mask & ~SC_UNBLOCKABLE;
		sc_sig_disposition_changed(t, sig);
	}
	if (oact && put_guest(p, oact, o))
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE4(rt_sigprocmask, int, how, sigset, set, sigset, oset, size, sigsetsize)
{
	struct sc_process *p = t->proc;
	if (sigsetsize != GUEST_SIGSETSIZE)
		return -EINVAL;
	uint64_t old = t->sigmask;
	if (set) {
		uint64_t s, n;
		if (get_guest(p, s, set))
			return -EFAULT;
		switch (how) {
		case SIG_BLOCK: n = old | s; break;
		case SIG_UNBLOCK: n = old & ~s; break;
		case SIG_SETMASK: n = s; break;
		default: return -EINVAL;
		}
		sc_sig_setmask(t, n);
	}
	if (oset && put_guest(p, oset, old))
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE2(rt_sigpending, sigset, set, size, sigsetsize)
{
	/* The kernel accepts a shorter set and copies that many bytes. */
	if (sigsetsize > GUEST_SIGSETSIZE)
		return -EINVAL;
	uint64_t pend = (sc_sig_held(t) | (host_sigpending() & SC_MIRRORED)) & t->sigmask;
	return copy_to_guest(t->proc, set, &pend, sigsetsize);
}

SYSCALL_DEFINE2(sigaltstack, ptr, uss, ptr, uoss)
{
	struct sc_process *p = t->proc;
	uint64_t sp = 0;
	uc_reg_read(t->uc, p->arch->sp_reg, &sp);
	struct guest_stack old = {
		.sp = t->altstack.sp,
		.size = t->altstack.size,
		.flags = sc_sig_altstack_flags(t, sp),
	};
	if (uss) {
		struct guest_stack n;
		if (get_guest(p, n, uss))
			return -EFAULT;
		long r = sc_sig_altstack_set(t, n.sp, n.flags, n.size, sp);
		if (r)
			return r;
	}
	if (uoss && put_guest(p, uoss, old))
		return -EFAULT;
	return 0;
}

/* The siginfo kill() and tgkill() give a signal: SI_USER / SI_TKILL from us. */
static struct sc_siginfo sent_by_us(int sig, int code)
{
	struct sc_siginfo i;
	memset(&i, 0, sizeof i);
	i.signo = sig;
	i.code = code;
	i.kill.pid = getpid();
	i.kill.uid = getuid();
	return i;
}

/* kill() to a process group or to -1 may reach syscorn too. Unless the guest blocks the signal
 * (then the host keeps it pending like any other), the host is made to hold our copy back and
 * hand it over, so that it is decided as a guest signal; whether we were a target is then the
 * kernel's answer rather than a guess about group membership. */
static long kill_group(struct sc_thread *t, pid_t pid, int sig)
{
	uint64_t one = BIT(sig);
	if (sig == 0 || sig == SC_SIGKILL || sig == SC_SIGSTOP || (t->sigmask & one & SC_MIRRORED))
		return kill(pid, sig) ? -errno : 0;
	uint64_t old = sc_host_sigmask(SIG_BLOCK, one);
	long r = kill(pid, sig) ? -errno : 0;
	const struct timespec zero = { 0, 0 };
	struct sc_siginfo info;
	bool to_us = r == 0 && syscall(SYS_rt_sigtimedwait, &one, &info, &zero, 8) == sig;
	sc_host_sigmask(SIG_SETMASK, old);
	if (to_us)
		sc_sig_send_self(t, 0, &info);
	return r;
}

SYSCALL_DEFINE2(kill, pid, pid, signo, sig)
{
	if (!valid_signal(sig))
		return -EINVAL;
	if (pid == getpid()) {
		struct sc_siginfo i = sent_by_us(sig, SC_SI_USER);
		sc_sig_send_self(t, 0, &i);
		return 0;
	}
	if (pid <= 0)
		return kill_group(t, pid, sig);
	return kill(pid, sig) ? -errno : 0;
}

/* A thread of ours: SIGSEGV & co. are kept by syscorn, the others go through the host. */
static long thread_kill(struct sc_thread *t, int tgid, int tid, int sig)
{
	struct sc_process *p = t->proc;
	if (tgid == p->pid && (tid == t->tid || (sig && !(SC_MIRRORED & BIT(sig))))) {
		pthread_mutex_lock(&p->lock);
		bool ours = sc_thread_find(p, tid) != NULL;
		pthread_mutex_unlock(&p->lock);
		if (!ours)
			return -ESRCH;
		struct sc_siginfo i = sent_by_us(sig, SC_SI_TKILL);
		sc_sig_send_self(t, tid, &i);
		return 0;
	}
	return syscall(SYS_tgkill, tgid, tid, sig) ? -errno : 0;
}

SYSCALL_DEFINE3(tgkill, pid, tgid, pid, tid, signo, sig)
{
	if (tgid <= 0 || tid <= 0 || !valid_signal(sig))
		return -EINVAL;
	return thread_kill(t, tgid, tid, sig);
}

SYSCALL_DEFINE2(tkill, pid, tid, signo, sig)
{
	if (tid <= 0 || !valid_signal(sig))
		return -EINVAL;
	struct sc_process *p = t->proc;
	pthread_mutex_lock(&p->lock);
	bool ours = sc_thread_find(p, tid) != NULL;
	pthread_mutex_unlock(&p->lock);
	if (ours)
		return thread_kill(t, p->pid, tid, sig);
	return syscall(SYS_tkill, tid, sig) ? -errno : 0;
}

/* rt_sigqueueinfo and rt_tgsigqueueinfo: the caller's siginfo, within the kernel's rule that
 * only a signal to oneself may pretend to come from kill() or the kernel. */
static long queue_info(struct sc_thread *t, int tgid, int tid, int sig, gaddr_t uinfo)
{
	struct sc_process *p = t->proc;
	struct sc_siginfo i;
	if (copy_from_guest(p, &i, uinfo, sizeof i))
		return -EFAULT;
	if (tgid != p->pid) {
		long r = tid ? syscall(SYS_rt_tgsigqueueinfo, tgid, tid, sig, &i)
			     : syscall(SYS_rt_sigqueueinfo, tgid, sig, &i);
		return r ? -errno : 0;
	}
	if ((i.code >= 0 || i.code == SC_SI_TKILL) && (tid ? tid : tgid) != t->tid)
		return -EPERM;
	if (tid) {
		pthread_mutex_lock(&p->lock);
		bool ours = sc_thread_find(p, tid) != NULL;
		pthread_mutex_unlock(&p->lock);
		if (!ours)
			return -ESRCH;
	}
	i.signo = sig;
	sc_sig_send_self(t, tid, &i);
	return 0;
}

SYSCALL_DEFINE3(rt_sigqueueinfo, pid, pid, signo, sig, ptr, uinfo)
{
	if (!valid_signal(sig))
		return -EINVAL;
	return queue_info(t, pid, 0, sig, uinfo);
}

SYSCALL_DEFINE4(rt_tgsigqueueinfo, pid, tgid, pid, tid, signo, sig, ptr, uinfo)
{
	if (tgid <= 0 || tid <= 0 || !valid_signal(sig))
		return -EINVAL;
	return queue_info(t, tgid, tid, sig, uinfo);
}

/* The registers come back from the frame in the run loop, after this returns: the trap hook
 * would otherwise write the syscall's result over the restored one. */
SYSCALL_DEFINE0(rt_sigreturn)
{
	sc_attn(t, SC_ATTN_SIGRETURN);
	return 0;
}

/* sigsuspend: the mask is swapped until a handler has run (the frame saves the old one). */
static long suspend(struct sc_thread *t, uint64_t mask)
{
	struct sc_process *p = t->proc;
	t->saved_mask = t->sigmask;
	t->restore_mask = true;
	t->sigmask = mask & ~SC_UNBLOCKABLE;
	while (!sc_sig_deliverable(t) && !__atomic_load_n(&p->exiting, __ATOMIC_SEQ_CST)) {
		uint64_t host = sc_sig_host_blocked(t);
		bool rel = sc_blocking_begin(t);
		/* Returns once a signal was handed to syscorn's handler (or a kick came). */
		syscall(SYS_rt_sigsuspend, &host, GUEST_SIGSETSIZE);
		sc_blocking_end(t, rel);
	}
	sc_attn(t, SC_ATTN_SIGNAL);
	return -EINTR;
}

SYSCALL_DEFINE2(rt_sigsuspend, sigset, set, size, sigsetsize)
{
	uint64_t m;
	if (sigsetsize != GUEST_SIGSETSIZE)
		return -EINVAL;
	if (get_guest(t->proc, m, set))
		return -EFAULT;
	return suspend(t, m);
}

SYSCALL_DEFINE0(pause)
{
	return suspend(t, t->sigmask);
}

struct guest_timespec {
	int64_t sec, nsec;
};

static long long mono_ns(void)
{
	struct timespec n;
	clock_gettime(CLOCK_MONOTONIC, &n);
	return n.tv_sec * 1000000000LL + n.tv_nsec;
}

SYSCALL_DEFINE4(rt_sigtimedwait, sigset, uthese, ptr, uinfo, timespec, uts, size, sigsetsize)
{
	struct sc_process *p = t->proc;
	uint64_t set;
	if (sigsetsize != GUEST_SIGSETSIZE)
		return -EINVAL;
	if (get_guest(p, set, uthese))
		return -EFAULT;
	set &= ~SC_UNBLOCKABLE;
	long long end = 0;
	if (uts) {
		struct guest_timespec g;
		if (get_guest(p, g, uts))
			return -EFAULT;
		if (g.sec < 0 || g.nsec < 0 || g.nsec >= 1000000000LL)
			return -EINVAL;
		end = mono_ns() + (g.sec > 1000000000LL ? 1000000000LL : g.sec) * 1000000000LL + g.nsec;
	}
	struct sc_siginfo info;
	int sig;
	for (;;) {
		if ((sig = sc_sig_take(t, set, &info)))
			break;
		struct timespec left, *lp = NULL;
		if (uts) {
			long long ns = end - mono_ns();
			if (ns < 0)
				ns = 0;
			left.tv_sec = ns / 1000000000LL;
			left.tv_nsec = ns % 1000000000LL;
			lp = &left;
		}
		uint64_t host = set & SC_MIRRORED;
		bool rel = sc_blocking_begin(t);
		long r = syscall(SYS_rt_sigtimedwait, &host, &info, lp, GUEST_SIGSETSIZE);
		int e = errno;
		sc_blocking_end(t, rel);
		if (r > 0) {
			sig = (int)r;
			break;
		}
		if (e != EINTR)
			return -e;
		/* A handled signal outside the set interrupts the wait, as in the kernel. */
		if (sc_sig_deliverable(t) || __atomic_load_n(&p->exiting, __ATOMIC_SEQ_CST)) {
			if ((sig = sc_sig_take(t, set, &info)))
				break;
			sc_attn(t, SC_ATTN_SIGNAL);
			return -EINTR;
		}
	}
	if (uinfo && copy_to_guest(p, uinfo, &info, sizeof info))
		return -EFAULT;
	return sig;
}

/* signalfd: the host's reads the host's pending signals, which are the guest's (sig.c; the
 * synchronous ones sent with kill too while the guest blocks them: sig_pending.c). The
 * flags are O_NONBLOCK and O_CLOEXEC, the same bits on both guests and the host. */
SYSCALL_DEFINE4(signalfd4, fd, ufd, sigset, user_mask, size, sizemask, int, flags)
{
	uint64_t m;
	if (sizemask != GUEST_SIGSETSIZE)
		return -EINVAL;
	if (get_guest(t->proc, m, user_mask))
		return -EFAULT;
	long r = syscall(SYS_signalfd4, ufd, &m, GUEST_SIGSETSIZE, flags);
	return r < 0 ? -errno : r;
}

SYSCALL_DEFINE3(signalfd, fd, ufd, sigset, user_mask, size, sizemask)
{
	uint64_t m;
	if (sizemask != GUEST_SIGSETSIZE)
		return -EINVAL;
	if (get_guest(t->proc, m, user_mask))
		return -EFAULT;
	long r = syscall(SYS_signalfd4, ufd, &m, GUEST_SIGSETSIZE, 0);
	return r < 0 ? -errno : r;
}
