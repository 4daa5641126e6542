/* Delivery at a safe point: the alternate stack, the handler's frame (arch/<arch>_signal.c
 * builds it) with the SA_* flags and the restart of an interrupted syscall, the default
 * actions (a fatal signal ends the guest), synchronous faults and rt_sigreturn. */
#include "sig_internal.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arch/arch.h"
#include "mem.h"
#include "trace/trace.h"

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
	if (rs->kind == SC_RESTART_NOINTR)
		return;
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
		switch (sc_sig_default_action(sig)) {
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
	uint64_t old = t->sigmask;
	t->sigmask = mask & ~SC_UNBLOCKABLE;
	sc_sig_traced_unblocked(t, old);
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
		sc_sig_host_mask_sync(t);
		if (sc_sig_ring_empty(t))
			break;
	}
	if (t->restore_mask) {
		/* sigsuspend & co. without a handler run: their mask goes away now. */
		t->restore_mask = false;
		uint64_t old = t->sigmask;
		t->sigmask = t->saved_mask;
		sc_sig_traced_unblocked(t, old);
		sc_sig_host_mask_sync(t);
	}
}
