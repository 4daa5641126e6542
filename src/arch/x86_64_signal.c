/* x86-64 signal frames, syscall restarts and new threads' registers.
 *
 * The frame is the kernel's (arch/x86/kernel/signal_64.c): below a 128-byte red zone, the FP
 * state in fxsave format (64-byte aligned; the guest CPU has no XSAVE), then struct rt_sigframe
 * {pretcode, ucontext, siginfo} placed so that the handler starts with (rsp + 8) % 16 == 0, as
 * after a call. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "arch.h"

struct x64_sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;       /* guest address of the fxsave image, 0 for none */
	uint64_t reserved1[8];
};

struct x64_ucontext {
	uint64_t flags, link;
	uint64_t ss_sp;
	int32_t ss_flags, ss_pad;
	uint64_t ss_size;
	struct x64_sigcontext mc;
	uint64_t sigmask;
};

struct x64_rt_sigframe {
	uint64_t pretcode;
	struct x64_ucontext uc;
	struct sc_siginfo info;
};

struct x64_fxsave {
	uint16_t cwd, swd;
	uint8_t ftw, rsvd;
	uint16_t fop;
	uint64_t rip, rdp;
	uint32_t mxcsr, mxcsr_mask;
	uint8_t st[8][16];
	uint8_t xmm[16][16];
	uint8_t pad[48];
	uint8_t sw_reserved[48]; /* no FP_XSTATE_MAGIC1 here: plain fxsave state */
};

/* The sizes and offsets of the x86-64 uapi headers (asm/sigcontext.h, asm-generic/ucontext.h). */
_Static_assert(sizeof(struct x64_sigcontext) == 256, "struct sigcontext");
_Static_assert(offsetof(struct x64_sigcontext, rip) == 128, "sigcontext.rip");
_Static_assert(offsetof(struct x64_sigcontext, fpstate) == 184, "sigcontext.fpstate");
_Static_assert(offsetof(struct x64_ucontext, mc) == 40, "uc_mcontext");
_Static_assert(offsetof(struct x64_ucontext, sigmask) == 296, "uc_sigmask");
_Static_assert(sizeof(struct x64_rt_sigframe) == 440, "struct rt_sigframe");
_Static_assert(sizeof(struct x64_fxsave) == 512, "fxsave area");

#define UC_SIGCONTEXT_SS 0x2
#define UC_STRICT_RESTORE_SS 0x4
#define USER_CS 0x33
#define USER_DS 0x2b
#define SA_RESTORER 0x04000000ull

#define X86_EFLAGS_CF 0x1u
#define X86_EFLAGS_PF 0x4u
#define X86_EFLAGS_AF 0x10u
#define X86_EFLAGS_ZF 0x40u
#define X86_EFLAGS_SF 0x80u
#define X86_EFLAGS_TF 0x100u
#define X86_EFLAGS_DF 0x400u
#define X86_EFLAGS_OF 0x800u
#define X86_EFLAGS_RF 0x10000u
#define X86_EFLAGS_AC 0x40000u
/* What rt_sigreturn takes from the frame (the kernel's FIX_EFLAGS). */
#define FIX_EFLAGS                                                                             \
	(X86_EFLAGS_AC | X86_EFLAGS_OF | X86_EFLAGS_DF | X86_EFLAGS_TF | X86_EFLAGS_SF |       \
	 X86_EFLAGS_ZF | X86_EFLAGS_AF | X86_EFLAGS_PF | X86_EFLAGS_CF | X86_EFLAGS_RF)

/* The general registers in sigcontext order, r8 .. rip. */
static const int gpr_ids[17] = {
	UC_X86_REG_R8,  UC_X86_REG_R9,  UC_X86_REG_R10, UC_X86_REG_R11, UC_X86_REG_R12,
	UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15, UC_X86_REG_RDI, UC_X86_REG_RSI,
	UC_X86_REG_RBP, UC_X86_REG_RBX, UC_X86_REG_RDX, UC_X86_REG_RAX, UC_X86_REG_RCX,
	UC_X86_REG_RSP, UC_X86_REG_RIP,
};

static void gprs(uc_engine *uc, uint64_t *v, bool write)
{
	void *ptrs[17];
	for (int i = 0; i < 17; i++)
		ptrs[i] = &v[i];
	if (write)
		uc_reg_write_batch(uc, (int *)gpr_ids, ptrs, 17);
	else
		uc_reg_read_batch(uc, (int *)gpr_ids, ptrs, 17);
}

static uint64_t read_eflags(uc_engine *uc)
{
	uint64_t v = 0;
	uc_reg_read(uc, UC_X86_REG_EFLAGS, &v);
	return (uint32_t)v;
}

static void write_eflags(uc_engine *uc, uint64_t v)
{
	uc_reg_write(uc, UC_X86_REG_EFLAGS, &v);
}

static void read_fx(uc_engine *uc, struct x64_fxsave *fx)
{
	memset(fx, 0, sizeof *fx);
	uint16_t tag = 0;
	uc_reg_read(uc, UC_X86_REG_FPCW, &fx->cwd);
	uc_reg_read(uc, UC_X86_REG_FPSW, &fx->swd);
	uc_reg_read(uc, UC_X86_REG_FPTAG, &tag);
	/* fxsave keeps one bit per register: not empty. */
	for (int i = 0; i < 8; i++)
		if (((tag >> (2 * i)) & 3) != 3)
			fx->ftw |= (uint8_t)(1u << i);
	uc_reg_read(uc, UC_X86_REG_MXCSR, &fx->mxcsr);
	fx->mxcsr_mask = 0xffff;
	for (int i = 0; i < 8; i++)
		uc_reg_read(uc, UC_X86_REG_ST0 + i, fx->st[i]);
	for (int i = 0; i < 16; i++)
		uc_reg_read(uc, i < 8 ? UC_X86_REG_XMM0 + i : UC_X86_REG_XMM8 + (i - 8), fx->xmm[i]);
}

static void write_fx(uc_engine *uc, const struct x64_fxsave *fx)
{
	uint16_t tag = 0;
	for (int i = 0; i < 8; i++)
		if (!(fx->ftw & (1u << i)))
			tag |= (uint16_t)(3u << (2 * i));
	uint16_t cwd = fx->cwd, swd = fx->swd;
	uint32_t mxcsr = fx->mxcsr & 0xffff; /* reserved bits would #GP in fxrstor */
	uc_reg_write(uc, UC_X86_REG_FPCW, &cwd);
	uc_reg_write(uc, UC_X86_REG_FPSW, &swd);
	uc_reg_write(uc, UC_X86_REG_FPTAG, &tag);
	uc_reg_write(uc, UC_X86_REG_MXCSR, &mxcsr);
	for (int i = 0; i < 8; i++)
		uc_reg_write(uc, UC_X86_REG_ST0 + i, fx->st[i]);
	for (int i = 0; i < 16; i++)
		uc_reg_write(uc, i < 8 ? UC_X86_REG_XMM0 + i : UC_X86_REG_XMM8 + (i - 8), fx->xmm[i]);
}

/* The state fpu__clear_user_states() gives a handler: x87 and SSE at their reset values. */
static void init_fpu(uc_engine *uc)
{
	struct x64_fxsave fx;
	memset(&fx, 0, sizeof fx);
	fx.cwd = 0x37f;
	fx.mxcsr = 0x1f80;
	write_fx(uc, &fx);
}

static int setup_frame(struct sc_thread *t, const struct sc_sigframe *f)
{
	struct sc_process *p = t->proc;
	uc_engine *uc = t->uc;
	/* There is no vsyscall stub to return through: no SA_RESTORER, no frame. */
	if (!(f->sa_flags & SA_RESTORER))
		return -EFAULT;
	uint64_t fpaddr = (f->sp - sizeof(struct x64_fxsave)) & ~63ull;
	uint64_t addr = ((fpaddr - sizeof(struct x64_rt_sigframe)) & ~15ull) - 8;
	struct x64_rt_sigframe fr;
	memset(&fr, 0, sizeof fr);
	fr.pretcode = f->restorer;
	fr.info = *f->info;
	fr.uc.flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	fr.uc.ss_sp = f->ss_sp;
	fr.uc.ss_flags = f->ss_flags;
	fr.uc.ss_size = f->ss_size;
	fr.uc.sigmask = f->mask;
	struct x64_sigcontext *mc = &fr.uc.mc;
	gprs(uc, &mc->r8, false);
	mc->eflags = read_eflags(uc);
	mc->cs = USER_CS;
	mc->ss = USER_DS;
	mc->err = f->err;
	mc->trapno = f->trapno;
	mc->oldmask = f->mask;
	mc->cr2 = f->fault_addr;
	mc->fpstate = fpaddr;
	struct x64_fxsave fx;
	read_fx(uc, &fx);
	if (copy_to_guest(p, fpaddr, &fx, sizeof fx) || copy_to_guest(p, addr, &fr, sizeof fr))
		return -EFAULT;
	uint64_t regs[6] = { (uint64_t)f->info->signo, addr + offsetof(struct x64_rt_sigframe, info),
			     addr + offsetof(struct x64_rt_sigframe, uc), 0, addr, f->handler };
	int ids[6] = { UC_X86_REG_RDI, UC_X86_REG_RSI, UC_X86_REG_RDX, UC_X86_REG_RAX,
		       UC_X86_REG_RSP, UC_X86_REG_RIP };
	void *ptrs[6];
	for (int i = 0; i < 6; i++)
		ptrs[i] = &regs[i];
	uc_reg_write_batch(uc, ids, ptrs, 6);
	write_eflags(uc, mc->eflags & ~(uint64_t)(X86_EFLAGS_DF | X86_EFLAGS_RF | X86_EFLAGS_TF));
	init_fpu(uc);
	return 0;
}

static int restore_frame(struct sc_thread *t, uint64_t *mask, uint64_t ss[3])
{
	uc_engine *uc = t->uc;
	uint64_t sp = 0;
	uc_reg_read(uc, UC_X86_REG_RSP, &sp);
	/* The handler's ret popped pretcode. */
	struct x64_rt_sigframe fr;
	if (copy_from_guest(t->proc, &fr, sp - 8, sizeof fr))
		return -EFAULT;
	struct x64_sigcontext *mc = &fr.uc.mc;
	struct x64_fxsave fx;
	if (mc->fpstate && copy_from_guest(t->proc, &fx, mc->fpstate, sizeof fx))
		return -EFAULT;
	uint64_t eflags = (read_eflags(uc) & ~(uint64_t)FIX_EFLAGS) | (mc->eflags & FIX_EFLAGS);
	gprs(uc, &mc->r8, true);
	write_eflags(uc, eflags);
	if (mc->fpstate)
		write_fx(uc, &fx);
	else
		init_fpu(uc);
	*mask = fr.uc.sigmask;
	ss[0] = fr.uc.ss_sp;
	ss[1] = (uint64_t)(int64_t)fr.uc.ss_flags;
	ss[2] = fr.uc.ss_size;
	return 0;
}

/* After a stop in the syscall hook RIP is past the 2-byte syscall instruction. */
static void syscall_rewind(struct sc_thread *t, uint64_t nr, uint64_t arg0)
{
	(void)arg0;
	uint64_t rip = 0;
	uc_reg_read(t->uc, UC_X86_REG_RIP, &rip);
	rip -= 2;
	uc_reg_write(t->uc, UC_X86_REG_RIP, &rip);
	uc_reg_write(t->uc, UC_X86_REG_RAX, &nr);
}

static void syscall_unwind(struct sc_thread *t, uint64_t result)
{
	uint64_t rip = 0;
	uc_reg_read(t->uc, UC_X86_REG_RIP, &rip);
	rip += 2;
	uc_reg_write(t->uc, UC_X86_REG_RIP, &rip);
	uc_reg_write(t->uc, UC_X86_REG_RAX, &result);
}

/* Inside the hook RIP is still on the syscall instruction. */
static uint64_t syscall_next_pc(struct sc_thread *t)
{
	uint64_t rip = 0;
	uc_reg_read(t->uc, UC_X86_REG_RIP, &rip);
	return rip + 2;
}

static void clone_regs(struct sc_thread *child, struct sc_thread *parent, gaddr_t sp, bool set_tls,
		       gaddr_t tls)
{
	uint64_t v[17];
	gprs(parent->uc, v, false);
	v[13] = 0;                               /* rax: clone returns 0 in the child */
	v[16] = syscall_next_pc(parent);         /* rip */
	if (sp)
		v[15] = sp;                      /* rsp */
	gprs(child->uc, v, true);
	write_eflags(child->uc, read_eflags(parent->uc));
	static const int bases[] = { UC_X86_REG_FS_BASE, UC_X86_REG_GS_BASE };
	for (size_t i = 0; i < 2; i++) {
		uint64_t b = 0;
		uc_reg_read(parent->uc, bases[i], &b);
		uc_reg_write(child->uc, bases[i], &b);
	}
	struct x64_fxsave fx;
	read_fx(parent->uc, &fx);
	write_fx(child->uc, &fx);
	if (set_tls)
		uc_reg_write(child->uc, UC_X86_REG_FS_BASE, &tls);
}

const struct sc_arch_signal sc_x86_64_signal = {
	.redzone = 128,
	.sigtramp = NULL,
	.sigtramp_len = 0,
	.setup_frame = setup_frame,
	.restore_frame = restore_frame,
	.syscall_rewind = syscall_rewind,
	.syscall_unwind = syscall_unwind,
	.syscall_next_pc = syscall_next_pc,
	.clone_regs = clone_regs,
};
