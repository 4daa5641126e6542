/* Signal state. Dispositions, the mask and the alternate stack are recorded; handlers are not
 * run yet (delivery comes with the signals issue).
 *
 * For the asynchronous signals the host process is kept in step with the guest: a guest SIG_IGN
 * or SIG_DFL becomes the host disposition, the guest's blocked set is the host's, and a signal
 * pending for the guest while blocked is pending in the host. Then what the host kernel does
 * with a signal from outside (a SIGPIPE from a write, a SIGINT from the terminal, a SIGALRM
 * from alarm) is what it would do to the guest, a signalfd or sigtimedwait passed through to
 * the host sees the guest's pending signals with their siginfo, and an execve keeps ignored,
 * blocked and pending signals as it does natively. A signal the guest lets through to itself
 * is decided here instead, so that a fatal one ends the guest through the library rather than
 * killing a program that embeds syscorn. */
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../arch/arch.h"
#include "../syscall.h"

/* The kernel's sigset_t is one 64-bit word on both guests. */
#define GUEST_NSIG 64
#define GUEST_SIGSETSIZE 8
#define BIT(sig) (1ull << ((sig) - 1))
#define UNBLOCKABLE (BIT(SIGKILL) | BIT(SIGSTOP))

#define GUEST_SIG_DFL 0
#define GUEST_SIG_IGN 1

/* Signal numbers and SA_ and SS_ values are the same on every Linux guest and on the host. */
_Static_assert(SIGABRT == 6 && SIGKILL == 9 && SIGSTOP == 19 && SIGCHLD == 17 && SIGSYS == 31,
	       "host signal numbers are the generic Linux ones");

/* What the kernel keeps of sa_flags (UAPI_SA_FLAGS): unknown bits read back as clear, which is
 * how programs detect flags the kernel lacks. */
#define GUEST_SA_KNOWN 0xdc000807ull

/* SS_ONSTACK 1, SS_DISABLE 2, SS_AUTODISARM bit 31. */
#define GUEST_SS_ONSTACK 1u
#define GUEST_SS_DISABLE 2u
#define GUEST_SS_AUTODISARM (1u << 31)

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

/* Signals the host mirrors: all but the synchronous ones (a host SIGSEGV is a bug in syscorn,
 * never the guest's business; the guest's own faults are emulated) and the two that cannot be
 * blocked. This includes 32 and 33, which the host libc keeps for thread cancellation and
 * set*id broadcasts: syscorn uses neither (credentials go through the raw calls). */
#define SYNCHRONOUS (BIT(SIGSEGV) | BIT(SIGBUS) | BIT(SIGILL) | BIT(SIGFPE) | BIT(SIGTRAP) | BIT(SIGSYS))
#define MIRRORED (~0ull & ~(UNBLOCKABLE | SYNCHRONOUS))

/* The host's signal state through the raw calls, with the kernel's 64-bit sets: the libc
 * wrappers refuse signals 32 and 33. The x86-64 and arm64 hosts share the kernel's sigset and
 * struct sigaction layouts with the guests. */
static uint64_t host_sigmask(int how, uint64_t set)
{
	uint64_t old = 0;
	syscall(SYS_rt_sigprocmask, how, &set, &old, GUEST_SIGSETSIZE);
	return old;
}

static uint64_t host_sigpending(void)
{
	uint64_t set = 0;
	syscall(SYS_rt_sigpending, &set, GUEST_SIGSETSIZE);
	return set;
}

/* One pending signal of set (which the host blocks), taken out of the host's queue; 0 if none. */
static int host_take(uint64_t set)
{
	const struct timespec zero = { 0, 0 };
	long sig = syscall(SYS_rt_sigtimedwait, &set, NULL, &zero, GUEST_SIGSETSIZE);
	return sig > 0 ? (int)sig : 0;
}

enum default_action { ACT_TERM, ACT_IGNORE, ACT_STOP };

static enum default_action default_action(int sig)
{
	switch (sig) {
	case SIGCHLD:
	case SIGURG:
	case SIGWINCH:
	case SIGCONT:
		return ACT_IGNORE;
	case SIGSTOP:
	case SIGTSTP:
	case SIGTTIN:
	case SIGTTOU:
		return ACT_STOP;
	default:
		/* Core-dumping signals end the process too; the core would be the emulator's. */
		return ACT_TERM;
	}
}

/* A process starts with the dispositions and mask its parent left it across execve; syscorn's
 * own are those, since the host kept them for it. Read once, before the first use. */
static struct sc_process *sigstate(struct sc_thread *t)
{
	struct sc_process *p = t->proc;
	if (p->sig_inherited)
		return p;
	p->sig_inherited = true;
	for (int sig = 1; sig <= GUEST_NSIG; sig++) {
		struct guest_sigaction old;
		if (sig == SIGKILL || sig == SIGSTOP ||
		    syscall(SYS_rt_sigaction, sig, NULL, &old, GUEST_SIGSETSIZE))
			continue;
		/* A host handler is syscorn's own, and handlers do not survive execve anyway. */
		if (old.handler == (uint64_t)(uintptr_t)SIG_IGN)
			p->sigactions[sig - 1].handler = GUEST_SIG_IGN;
	}
	p->sigmask = host_sigmask(SIG_BLOCK, 0) & ~UNBLOCKABLE;
	return p;
}

static void mirror_disposition(int sig, uint64_t handler)
{
	if (!(MIRRORED & BIT(sig)))
		return;
	/* A guest handler leaves the host at SIG_DFL until delivery exists: a signal from
	 * outside still ends the guest, as it would if the guest had no handler. */
	struct guest_sigaction h = { handler == GUEST_SIG_IGN ? (uint64_t)(uintptr_t)SIG_IGN
							    : (uint64_t)(uintptr_t)SIG_DFL,
				     0, 0, 0 };
	syscall(SYS_rt_sigaction, sig, &h, NULL, GUEST_SIGSETSIZE);
}

/* A signal the guest may receive now (not blocked): what its disposition does to the guest. */
static void act_on_self(struct sc_thread *t, int sig)
{
	struct sc_process *p = t->proc;
	uint64_t h = p->sigactions[sig - 1].handler;
	if (sig != SIGKILL && sig != SIGSTOP && h == GUEST_SIG_IGN)
		return;
	if (sig != SIGKILL && sig != SIGSTOP && h != GUEST_SIG_DFL) {
		if (!(p->warned_once & SC_WARNED_SIGHANDLER)) {
			p->warned_once |= SC_WARNED_SIGHANDLER;
			sc_warn(p, "signal %d sent to a handler: signal delivery is not supported yet, "
				   "the signal is dropped", sig);
		}
		return;
	}
	switch (default_action(sig)) {
	case ACT_IGNORE:
		return;
	case ACT_STOP:
		/* Stopping is the host's job: the parent's wait must see the process stop. The host
		 * disposition is SIG_DFL too; if the host still blocks the signal (it is being
		 * unblocked), it stops the process as soon as it is. */
		kill(getpid(), sig);
		return;
	case ACT_TERM:
		sc_guest_exit(t, 0, sig);
		return;
	}
}

/* How the guest sent a signal to itself: a blocked one is re-sent the same way through the
 * host, so that it waits there with the siginfo (si_code, si_pid) the guest's call gives it. */
enum send_how { BY_KILL, BY_TGKILL, BY_TKILL };

static void raise_self(struct sc_thread *t, int sig, enum send_how how)
{
	struct sc_process *p = sigstate(t);
	if (sig == 0)
		return;
	/* A blocked signal waits even when ignored: the disposition may change before it is
	 * unblocked (the kernel's rule too). */
	if (p->sigmask & BIT(sig)) {
		if (!(MIRRORED & BIT(sig))) {
			p->sigpending |= BIT(sig);
			return;
		}
		switch (how) {
		case BY_KILL: kill(getpid(), sig); break;
		case BY_TGKILL: syscall(SYS_tgkill, getpid(), gettid(), sig); break;
		case BY_TKILL: syscall(SYS_tkill, gettid(), sig); break;
		}
		return;
	}
	act_on_self(t, sig);
}

SYSCALL_DEFINE4(rt_sigaction, signo, sig, sigaction, act, sigaction, oact, size, sigsetsize)
{
	struct sc_process *p = sigstate(t);
	if (sigsetsize != GUEST_SIGSETSIZE)
		return -EINVAL;
	struct guest_sigaction n, o;
	if (act && get_guest(p, n, act))
		return -EFAULT;
	/* Reading SIGKILL's or SIGSTOP's action is allowed; changing it is not. */
	if (sig < 1 || sig > GUEST_NSIG || (act && (sig == SIGKILL || sig == SIGSTOP)))
		return -EINVAL;
	struct sc_sigaction *k = &p->sigactions[sig - 1];
	o = (struct guest_sigaction){ k->handler, k->flags, k->restorer, k->mask };
	if (act) {
		k->handler = n.handler;
		k->flags = n.flags & GUEST_SA_KNOWN;
		k->restorer = n.restorer;
		k->mask = n.mask & ~UNBLOCKABLE;
		/* Setting a disposition that ignores the signal discards it if pending (POSIX); the
		 * host does so for its own pending copy when told to ignore it. */
		mirror_disposition(sig, n.handler);
		if (n.handler == GUEST_SIG_IGN ||
		    (n.handler == GUEST_SIG_DFL && default_action(sig) == ACT_IGNORE))
			p->sigpending &= ~BIT(sig);
	}
	if (oact && put_guest(p, oact, o))
		return -EFAULT;
	return 0;
}

/* Pending signals that a new mask lets through take effect before sigprocmask returns, as the
 * kernel delivers them on its way out: lowest number first, every queued instance. The host's
 * are taken out of its queue while it still blocks them, so that they too are decided as guest
 * signals rather than by the host's default action. */
static void deliver_unblocked(struct sc_thread *t, uint64_t unblocked)
{
	struct sc_process *p = t->proc;
	uint64_t own = p->sigpending & unblocked;
	p->sigpending &= ~unblocked;
	for (; own && !p->exit.done; own &= own - 1)
		act_on_self(t, __builtin_ctzll(own) + 1);
	int sig;
	while (!p->exit.done && (unblocked & MIRRORED) && (sig = host_take(unblocked & MIRRORED)))
		act_on_self(t, sig);
}

SYSCALL_DEFINE4(rt_sigprocmask, int, how, sigset, set, sigset, oset, size, sigsetsize)
{
	struct sc_process *p = sigstate(t);
	if (sigsetsize != GUEST_SIGSETSIZE)
		return -EINVAL;
	uint64_t old = p->sigmask;
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
		n &= ~UNBLOCKABLE;
		p->sigmask = n;
		if (n & ~old & MIRRORED)
			host_sigmask(SIG_BLOCK, n & ~old & MIRRORED);
		if (old & ~n) {
			deliver_unblocked(t, old & ~n);
			if (old & ~n & MIRRORED)
				host_sigmask(SIG_UNBLOCK, old & ~n & MIRRORED);
		}
	}
	if (oset && put_guest(p, oset, old))
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE2(rt_sigpending, sigset, set, size, sigsetsize)
{
	struct sc_process *p = sigstate(t);
	/* The kernel accepts a shorter set and copies that many bytes. */
	if (sigsetsize > GUEST_SIGSETSIZE)
		return -EINVAL;
	uint64_t pend = (p->sigpending | (host_sigpending() & MIRRORED)) & p->sigmask;
	return copy_to_guest(p, set, &pend, sigsetsize);
}

/* MINSIGSTKSZ of the guest's uapi headers, below which the kernel refuses an alternate stack
 * (not AT_MINSIGSTKSZ, which is the frame size the CPU model needs). */
static uint64_t guest_minsigstksz(const struct sc_arch *a)
{
	return a->e_machine == EM_AARCH64 ? 5120 : 2048;
}

SYSCALL_DEFINE2(sigaltstack, ptr, uss, ptr, uoss)
{
	struct sc_process *p = sigstate(t);
	uint64_t sp = 0;
	uc_reg_read(t->uc, p->arch->sp_reg, &sp);
	/* The stack grows down: sp == base + size is the empty alternate stack. With
	 * SS_AUTODISARM a handler may leave it, so the kernel never calls that being on it. */
	bool on_stack = p->sigaltstack.size && !(p->sigaltstack.flags & GUEST_SS_AUTODISARM) &&
			sp > p->sigaltstack.sp && sp - p->sigaltstack.sp <= p->sigaltstack.size;
	struct guest_stack old = {
		.sp = p->sigaltstack.sp,
		.size = p->sigaltstack.size,
		.flags = (int32_t)(!p->sigaltstack.size ? GUEST_SS_DISABLE
				   : on_stack ? GUEST_SS_ONSTACK
				   : 0) | (int32_t)p->sigaltstack.flags,
	};
	if (uss) {
		struct guest_stack n;
		if (get_guest(p, n, uss))
			return -EFAULT;
		if (on_stack)
			return -EPERM;
		uint32_t mode = (uint32_t)n.flags & ~GUEST_SS_AUTODISARM;
		if (mode != GUEST_SS_DISABLE && mode != GUEST_SS_ONSTACK && mode != 0)
			return -EINVAL;
		if (mode == GUEST_SS_DISABLE) {
			n.size = 0;
			n.sp = 0;
		} else if (n.size < guest_minsigstksz(p->arch)) {
			return -ENOMEM;
		}
		p->sigaltstack.sp = n.sp;
		p->sigaltstack.size = n.size;
		p->sigaltstack.flags = (uint32_t)n.flags & GUEST_SS_AUTODISARM;
	}
	if (uoss && put_guest(p, uoss, old))
		return -EFAULT;
	return 0;
}

/* kill() to a process group or to -1 may reach syscorn too. Unless the guest blocks the signal
 * (then the host keeps it pending like any other), the host is made to hold our copy back and
 * hand it over, so that it is decided as a guest signal; whether we were a target is then the
 * kernel's answer rather than a guess about group membership. */
static long kill_group(struct sc_thread *t, pid_t pid, int sig)
{
	struct sc_process *p = sigstate(t);
	uint64_t one = BIT(sig);
	if (sig == 0 || sig == SIGKILL || sig == SIGSTOP || (p->sigmask & one & MIRRORED))
		return kill(pid, sig) ? -errno : 0;
	uint64_t old = host_sigmask(SIG_BLOCK, one);
	long r = kill(pid, sig) ? -errno : 0;
	bool to_us = r == 0 && host_take(one) == sig;
	host_sigmask(SIG_SETMASK, old);
	if (to_us)
		raise_self(t, sig, BY_KILL);
	return r;
}

static bool valid_signal(int sig)
{
	return sig >= 0 && sig <= GUEST_NSIG;
}

SYSCALL_DEFINE2(kill, pid, pid, signo, sig)
{
	if (!valid_signal(sig))
		return -EINVAL;
	if (pid == getpid()) {
		raise_self(t, sig, BY_KILL);
		return 0;
	}
	if (pid <= 0)
		return kill_group(t, pid, sig);
	return kill(pid, sig) ? -errno : 0;
}

SYSCALL_DEFINE3(tgkill, pid, tgid, pid, tid, signo, sig)
{
	if (tgid <= 0 || tid <= 0 || !valid_signal(sig))
		return -EINVAL;
	/* One thread per process for now: the thread is the process. */
	if (tgid == getpid() && tid == gettid()) {
		raise_self(t, sig, BY_TGKILL);
		return 0;
	}
	return syscall(SYS_tgkill, tgid, tid, sig) ? -errno : 0;
}

SYSCALL_DEFINE2(tkill, pid, tid, signo, sig)
{
	if (tid <= 0 || !valid_signal(sig))
		return -EINVAL;
	if (tid == gettid()) {
		raise_self(t, sig, BY_TKILL);
		return 0;
	}
	return syscall(SYS_tkill, tid, sig) ? -errno : 0;
}
