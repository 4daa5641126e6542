/* arm64 signal frames, syscall restarts and new threads' registers.
 *
 * The frame is the kernel's (arch/arm64/kernel/signal.c): a struct rt_sigframe (siginfo, then a
 * ucontext whose sigcontext ends in a 4096-byte area of records: fpsimd_context, an
 * esr_context for a fault, a null terminator), 16-byte aligned, under a {fp, lr} frame record
 * that x29 points to, so unwinders and debuggers walk through the handler to the interrupted
 * code. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "arch.h"

struct a64_sigcontext {
	uint64_t fault_address;
	uint64_t regs[31];
	uint64_t sp, pc, pstate;
	uint64_t pad;           /* __reserved is 16-byte aligned */
	uint8_t reserved[4096];
};

struct a64_ucontext {
	uint64_t flags, link;
	uint64_t ss_sp;
	int32_t ss_flags, ss_pad;
	uint64_t ss_size;
	uint64_t sigmask;
	uint8_t unused[120];    /* room for a 1024-bit sigset_t */
	uint64_t pad;           /* uc_mcontext is 16-byte aligned */
	struct a64_sigcontext mc;
};

struct a64_rt_sigframe {
	struct sc_siginfo info;
	struct a64_ucontext uc;
};

struct a64_ctx {
	uint32_t magic, size;
};

struct a64_fpsimd_context {
	struct a64_ctx head;
	uint32_t fpsr, fpcr;
	uint8_t vregs[32][16];
};

struct a64_esr_context {
	struct a64_ctx head;
	uint64_t esr;
};

#define FPSIMD_MAGIC 0x46508001u
#define ESR_MAGIC 0x45535201u
#define EXTRA_MAGIC 0x45585401u

/* The sizes and offsets of the arm64 uapi headers (asm/sigcontext.h, asm/ucontext.h). */
_Static_assert(sizeof(struct a64_sigcontext) == 4384, "struct sigcontext");
_Static_assert(offsetof(struct a64_sigcontext, reserved) == 288, "sigcontext.__reserved");
_Static_assert(offsetof(struct a64_ucontext, sigmask) == 40, "uc_sigmask");
_Static_assert(offsetof(struct a64_ucontext, mc) == 176, "uc_mcontext");
_Static_assert(sizeof(struct a64_rt_sigframe) == 4688, "struct rt_sigframe");
_Static_assert(sizeof(struct a64_rt_sigframe) % 16 == 0, "frames stay 16-byte aligned");
_Static_assert(sizeof(struct a64_fpsimd_context) == 528, "struct fpsimd_context");
_Static_assert(sizeof(struct a64_esr_context) == 16, "struct esr_context");

#define NZCV_MASK 0xf0000000ull

static void xregs(int *ids)
{
	for (int i = 0; i < 29; i++)
		ids[i] = UC_ARM64_REG_X0 + i;
	ids[29] = UC_ARM64_REG_X29;
	ids[30] = UC_ARM64_REG_X30;
}

static void read_xregs(uc_engine *uc, uint64_t v[31])
{
	int ids[31];
	void *ptrs[31];
	xregs(ids);
	for (int i = 0; i < 31; i++)
		ptrs[i] = &v[i];
	uc_reg_read_batch(uc, ids, ptrs, 31);
}

static void write_xregs(uc_engine *uc, const uint64_t v[31])
{
	int ids[31];
	void *ptrs[31];
	xregs(ids);
	for (int i = 0; i < 31; i++)
		ptrs[i] = (void *)&v[i];
	uc_reg_write_batch(uc, ids, ptrs, 31);
}

static void read_fpsimd(uc_engine *uc, struct a64_fpsimd_context *fp)
{
	fp->head.magic = FPSIMD_MAGIC;
	fp->head.size = sizeof *fp;
	uint64_t fpsr = 0, fpcr = 0;
	uc_reg_read(uc, UC_ARM64_REG_FPSR, &fpsr);
	uc_reg_read(uc, UC_ARM64_REG_FPCR, &fpcr);
	fp->fpsr = (uint32_t)fpsr;
	fp->fpcr = (uint32_t)fpcr;
	for (int i = 0; i < 32; i++)
		uc_reg_read(uc, UC_ARM64_REG_Q0 + i, fp->vregs[i]);
}

static void write_fpsimd(uc_engine *uc, const struct a64_fpsimd_context *fp)
{
	uint64_t fpsr = fp->fpsr, fpcr = fp->fpcr;
	uc_reg_write(uc, UC_ARM64_REG_FPSR, &fpsr);
	uc_reg_write(uc, UC_ARM64_REG_FPCR, &fpcr);
	for (int i = 0; i < 32; i++)
		uc_reg_write(uc, UC_ARM64_REG_Q0 + i, fp->vregs[i]);
}

static int setup_frame(struct sc_thread *t, const struct sc_sigframe *f)
{
	struct sc_process *p = t->proc;
	uc_engine *uc = t->uc;
	/* get_sigframe(): the frame record first, then the frame below it. */
	uint64_t record = (f->sp - 16) & ~15ull;
	uint64_t addr = record - sizeof(struct a64_rt_sigframe);
	static __thread struct a64_rt_sigframe fr; /* 4.6 KiB: not on a hook's stack */
	memset(&fr, 0, sizeof fr);
	fr.info = *f->info;
	fr.uc.ss_sp = f->ss_sp;
	fr.uc.ss_flags = f->ss_flags;
	fr.uc.ss_size = f->ss_size;
	fr.uc.sigmask = f->mask;
	struct a64_sigcontext *mc = &fr.uc.mc;
	mc->fault_address = f->fault_addr;
	read_xregs(uc, mc->regs);
	uint64_t nzcv = 0;
	uc_reg_read(uc, UC_ARM64_REG_SP, &mc->sp);
	uc_reg_read(uc, UC_ARM64_REG_PC, &mc->pc);
	uc_reg_read(uc, UC_ARM64_REG_NZCV, &nzcv);
	mc->pstate = nzcv & NZCV_MASK; /* EL0t, as user code runs */
	struct a64_fpsimd_context fp;
	read_fpsimd(uc, &fp);
	memcpy(mc->reserved, &fp, sizeof fp);
	size_t off = sizeof fp;
	if (f->esr) {
		struct a64_esr_context esr = { { ESR_MAGIC, sizeof esr }, f->esr };
		memcpy(mc->reserved + off, &esr, sizeof esr);
		off += sizeof esr;
	}
	/* The terminator record is the zeroed space that follows. */
	uint64_t frame_record[2] = { mc->regs[29], mc->regs[30] };
	if (copy_to_guest(p, addr, &fr, sizeof fr) || put_guest(p, record, frame_record))
		return -EFAULT;
	uint64_t regs[7] = { (uint64_t)f->info->signo, addr, addr + offsetof(struct a64_rt_sigframe, uc),
			     addr, record, f->restorer, f->handler };
	int ids[7] = { UC_ARM64_REG_X0, UC_ARM64_REG_X1, UC_ARM64_REG_X2, UC_ARM64_REG_SP,
		       UC_ARM64_REG_X29, UC_ARM64_REG_X30, UC_ARM64_REG_PC };
	void *ptrs[7];
	for (int i = 0; i < 7; i++)
		ptrs[i] = &regs[i];
	uc_reg_write_batch(uc, ids, ptrs, 7);
	return 0;
}

static int restore_frame(struct sc_thread *t, uint64_t *mask, uint64_t ss[3])
{
	uc_engine *uc = t->uc;
	uint64_t sp = 0;
	uc_reg_read(uc, UC_ARM64_REG_SP, &sp);
	/* The kernel refuses a misaligned frame: the handler did not return through it. */
	if (sp & 15)
		return -EFAULT;
	static __thread struct a64_rt_sigframe fr;
	if (copy_from_guest(t->proc, &fr, sp, sizeof fr))
		return -EFAULT;
	struct a64_sigcontext *mc = &fr.uc.mc;
	/* parse_user_sigframe(): an fpsimd record is required; no extension we do not know. */
	const struct a64_fpsimd_context *fp = NULL;
	size_t off = 0;
	while (off + sizeof(struct a64_ctx) <= sizeof mc->reserved) {
		struct a64_ctx h;
		memcpy(&h, mc->reserved + off, sizeof h);
		if (h.magic == 0) {
			if (h.size)
				return -EINVAL;
			break;
		}
		if (h.size < sizeof h || h.size % 16 || h.size > sizeof mc->reserved - off)
			return -EINVAL;
		if (h.magic == FPSIMD_MAGIC) {
			if (fp || h.size != sizeof *fp)
				return -EINVAL;
			fp = (const struct a64_fpsimd_context *)(mc->reserved + off);
		} else if (h.magic != ESR_MAGIC) {
			return -EINVAL;
		}
		off += h.size;
	}
	if (!fp)
		return -EINVAL;
	struct a64_fpsimd_context fpv;
	memcpy(&fpv, fp, sizeof fpv);
	write_xregs(uc, mc->regs);
	uint64_t nzcv = mc->pstate & NZCV_MASK;
	uc_reg_write(uc, UC_ARM64_REG_SP, &mc->sp);
	uc_reg_write(uc, UC_ARM64_REG_PC, &mc->pc);
	uc_reg_write(uc, UC_ARM64_REG_NZCV, &nzcv);
	write_fpsimd(uc, &fpv);
	*mask = fr.uc.sigmask;
	ss[0] = fr.uc.ss_sp;
	ss[1] = (uint64_t)(int64_t)fr.uc.ss_flags;
	ss[2] = fr.uc.ss_size;
	return 0;
}

/* After a stop in the svc hook the PC is past the svc. */
static void syscall_rewind(struct sc_thread *t, uint64_t nr, uint64_t arg0)
{
	(void)nr;
	uint64_t pc = 0;
	uc_reg_read(t->uc, UC_ARM64_REG_PC, &pc);
	pc -= 4;
	uc_reg_write(t->uc, UC_ARM64_REG_PC, &pc);
	uc_reg_write(t->uc, UC_ARM64_REG_X0, &arg0);
}

static void syscall_unwind(struct sc_thread *t, uint64_t result)
{
	uint64_t pc = 0;
	uc_reg_read(t->uc, UC_ARM64_REG_PC, &pc);
	pc += 4;
	uc_reg_write(t->uc, UC_ARM64_REG_PC, &pc);
	uc_reg_write(t->uc, UC_ARM64_REG_X0, &result);
}

static uint64_t syscall_next_pc(struct sc_thread *t)
{
	uint64_t pc = 0;
	uc_reg_read(t->uc, UC_ARM64_REG_PC, &pc);
	return pc;
}

static void clone_regs(struct sc_thread *child, struct sc_thread *parent, gaddr_t sp, bool set_tls,
		       gaddr_t tls)
{
	uint64_t x[31];
	read_xregs(parent->uc, x);
	x[0] = 0;
	write_xregs(child->uc, x);
	static const int one[] = { UC_ARM64_REG_SP, UC_ARM64_REG_PC, UC_ARM64_REG_NZCV,
				   UC_ARM64_REG_TPIDR_EL0, UC_ARM64_REG_TPIDRRO_EL0 };
	for (size_t i = 0; i < sizeof one / sizeof one[0]; i++) {
		uint64_t v = 0;
		uc_reg_read(parent->uc, one[i], &v);
		uc_reg_write(child->uc, one[i], &v);
	}
	struct a64_fpsimd_context fp;
	read_fpsimd(parent->uc, &fp);
	write_fpsimd(child->uc, &fp);
	if (sp)
		uc_reg_write(child->uc, UC_ARM64_REG_SP, &sp);
	if (set_tls)
		uc_reg_write(child->uc, UC_ARM64_REG_TPIDR_EL0, &tls);
}

/* What the vdso's __kernel_rt_sigreturn is, and what unwinders recognise: mov x8, #139;
 * svc #0. */
static const uint32_t sc_arm64_sigtramp[2] = { 0xd2801168u, 0xd4000001u };

const struct sc_arch_signal sc_arm64_signal = {
	.redzone = 0,
	.sigtramp = sc_arm64_sigtramp,
	.sigtramp_len = sizeof sc_arm64_sigtramp,
	.setup_frame = setup_frame,
	.restore_frame = restore_frame,
	.syscall_rewind = syscall_rewind,
	.syscall_unwind = syscall_unwind,
	.syscall_next_pc = syscall_next_pc,
	.clone_regs = clone_regs,
};
