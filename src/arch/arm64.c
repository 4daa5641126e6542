/* arm64 guest: svc #0 traps through UC_HOOK_INTR, asm-generic syscall numbers and structs. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <capstone/capstone.h>

#include "arch.h"
#include "xlat.h"

extern const struct sc_syscall_table sc_syscalls_arm64;

/* Unicorn's aarch64 exception numbers (QEMU's EXCP_*). */
enum { EXCP_UDEF = 1, EXCP_SWI = 2, EXCP_PREFETCH_ABORT = 3, EXCP_DATA_ABORT = 4, EXCP_BKPT = 7 };

static void hook_intr(uc_engine *uc, uint32_t intno, void *data)
{
	struct sc_thread *t = data;
	if (intno == EXCP_SWI) {
		static int regs[7] = { UC_ARM64_REG_X8, UC_ARM64_REG_X0, UC_ARM64_REG_X1,
				       UC_ARM64_REG_X2, UC_ARM64_REG_X3, UC_ARM64_REG_X4,
				       UC_ARM64_REG_X5 };
		uint64_t v[7];
		void *ptrs[7] = { &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6] };
		uc_reg_read_batch(uc, regs, ptrs, 7);
		uint64_t r = sc_trap(t, v[0], &v[1]);
		uc_reg_write(uc, UC_ARM64_REG_X0, &r);
		return;
	}
	/* Any other exception is a fault the kernel would turn into a signal; the PC is on the
	 * faulting instruction, where the frame puts it too. */
	uint64_t pc = 0;
	uc_reg_read(uc, UC_ARM64_REG_PC, &pc);
	switch (intno) {
	case EXCP_UDEF: sc_cpu_fault(t, SIGILL, ILL_ILLOPC, pc, pc, "undefined instruction"); break;
	case EXCP_BKPT: sc_cpu_fault(t, SIGTRAP, TRAP_BRKPT, pc, pc, "breakpoint"); break;
	case EXCP_PREFETCH_ABORT: sc_cpu_fault(t, SIGSEGV, SEGV_MAPERR, pc, pc, "instruction abort"); break;
	case EXCP_DATA_ABORT: sc_cpu_fault(t, SIGBUS, BUS_ADRALN, 0, pc, "data abort"); break;
	default: sc_cpu_fault(t, SIGILL, ILL_ILLOPC, pc, pc, "CPU exception"); break;
	}
}

static int init_engine(struct sc_thread *t)
{
	uc_engine *uc = t->uc;
	/* The default Cortex-A72 lacks LSE atomics, which gcc's outline atomics pick when
	 * AT_HWCAP says ATOMICS; MAX runs them. Must precede the first map. */
	if (uc_ctl_set_cpu_model(uc, UC_CPU_ARM64_MAX) != UC_ERR_OK)
		return -EINVAL;
	uint64_t cpacr;
	uc_reg_read(uc, UC_ARM64_REG_CPACR_EL1, &cpacr);
	cpacr |= 3ull << 20; /* FPEN: FP/SIMD without traps */
	uc_reg_write(uc, UC_ARM64_REG_CPACR_EL1, &cpacr);
	uc_hook h;
	if (uc_hook_add(uc, &h, UC_HOOK_INTR, UC_CB(hook_intr), t, 1, 0) != UC_ERR_OK)
		return -EINVAL;
	return 0;
}

static void start(struct sc_thread *t, gaddr_t entry, gaddr_t sp)
{
	uc_reg_write(t->uc, UC_ARM64_REG_PC, &entry);
	uc_reg_write(t->uc, UC_ARM64_REG_SP, &sp);
}

static int uc_reg_of(unsigned cs_reg)
{
	if (cs_reg >= ARM64_REG_X0 && cs_reg <= ARM64_REG_X28)
		return UC_ARM64_REG_X0 + (int)(cs_reg - ARM64_REG_X0);
	if (cs_reg >= ARM64_REG_W0 && cs_reg <= ARM64_REG_W30)
		return UC_ARM64_REG_W0 + (int)(cs_reg - ARM64_REG_W0);
	switch (cs_reg) {
	case ARM64_REG_X29: return UC_ARM64_REG_X29;
	case ARM64_REG_X30: return UC_ARM64_REG_X30;
	case ARM64_REG_SP: return UC_ARM64_REG_SP;
	default: return -1;
	}
}

/* After a memory fault Unicorn's arm64 PC is where it was last synced, often the start of the
 * faulting block. The registers, though, are as they were before the faulting instruction, so
 * the first memory instruction of the block whose address (base + index + displacement, from
 * the current registers) is the fault address is the one that faulted. */
static uint64_t locate_fault(struct sc_thread *t, uint64_t pc, uint64_t addr)
{
	struct sc_process *p = t->proc;
	uint8_t code[64 * 4];
	size_t len = 0;
	while (len < sizeof code && guest_access_ok(p, pc + len, 4, PROT_EXEC))
		len += 4;
	if (!len || copy_code_from_guest(p, code, pc, len))
		return pc;
	csh cs;
	if (cs_open(CS_ARCH_ARM64, CS_MODE_ARM, &cs) != CS_ERR_OK)
		return pc;
	cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
	cs_insn *ins;
	size_t n = cs_disasm(cs, code, len, pc, 0, &ins);
	uint64_t found = pc;
	for (size_t i = 0; i < n && found == pc; i++) {
		const cs_arm64 *d = &ins[i].detail->arm64;
		for (int k = 0; k < d->op_count; k++) {
			if (d->operands[k].type != ARM64_OP_MEM)
				continue;
			uint64_t ea = (uint64_t)(int64_t)d->operands[k].mem.disp, v = 0;
			int r = uc_reg_of(d->operands[k].mem.base);
			if (r >= 0 && uc_reg_read(t->uc, r, &v) == UC_ERR_OK)
				ea += v;
			r = uc_reg_of(d->operands[k].mem.index);
			if (r >= 0 && uc_reg_read(t->uc, r, &v) == UC_ERR_OK)
				ea += v;
			/* Post-indexed forms access the base itself; allow a small window. */
			if (addr - ea + 64 < 128) {
				found = ins[i].address;
				break;
			}
		}
		if (cs_insn_group(cs, &ins[i], CS_GRP_JUMP) || cs_insn_group(cs, &ins[i], CS_GRP_RET) ||
		    cs_insn_group(cs, &ins[i], CS_GRP_CALL))
			break; /* the block ends here */
	}
	if (n)
		cs_free(ins, n);
	cs_close(&cs);
	return found;
}

/* asm-generic struct stat (include/uapi/asm-generic/stat.h): 128 bytes, st_mode before a
 * 32-bit st_nlink, 32-bit st_blksize. */
struct arm64_stat {
	uint64_t st_dev, st_ino;
	uint32_t st_mode, st_nlink, st_uid, st_gid;
	uint64_t st_rdev, pad1;
	int64_t st_size;
	int32_t st_blksize, pad2;
	int64_t st_blocks;
	int64_t st_atime_sec;
	uint64_t st_atime_nsec;
	int64_t st_mtime_sec;
	uint64_t st_mtime_nsec;
	int64_t st_ctime_sec;
	uint64_t st_ctime_nsec;
	uint32_t unused4, unused5;
};
_Static_assert(sizeof(struct arm64_stat) == 128, "arm64 struct stat is 128 bytes");
_Static_assert(offsetof(struct arm64_stat, st_size) == 48, "arm64 st_size offset");

static int arm64_stat_from_host(struct sc_process *p, gaddr_t addr, const struct stat *st)
{
	struct arm64_stat g = {
		.st_dev = st->st_dev, .st_ino = st->st_ino, .st_mode = st->st_mode,
		.st_nlink = (uint32_t)st->st_nlink, .st_uid = st->st_uid, .st_gid = st->st_gid,
		.st_rdev = st->st_rdev, .st_size = st->st_size, .st_blksize = (int32_t)st->st_blksize,
		.st_blocks = st->st_blocks,
		.st_atime_sec = st->st_atim.tv_sec, .st_atime_nsec = (uint64_t)st->st_atim.tv_nsec,
		.st_mtime_sec = st->st_mtim.tv_sec, .st_mtime_nsec = (uint64_t)st->st_mtim.tv_nsec,
		.st_ctime_sec = st->st_ctim.tv_sec, .st_ctime_nsec = (uint64_t)st->st_ctim.tv_nsec,
	};
	return put_guest(p, addr, g);
}

/* asm-generic struct epoll_event: natural alignment puts data at offset 8. */
struct arm64_epoll_event {
	uint32_t events, pad;
	uint64_t data;
};
_Static_assert(sizeof(struct arm64_epoll_event) == 16, "arm64 struct epoll_event is 16 bytes");

static int host_epoll_event_from_arm64(struct sc_process *p, struct epoll_event *h, gaddr_t addr)
{
	struct arm64_epoll_event g;
	if (get_guest(p, g, addr))
		return -EFAULT;
	h->events = g.events;
	h->data.u64 = g.data;
	return 0;
}

static int arm64_epoll_events_from_host(struct sc_process *p, gaddr_t addr,
					const struct epoll_event *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct arm64_epoll_event g = { .events = h[i].events, .data = h[i].data.u64 };
		if (put_guest(p, addr + i * sizeof g, g))
			return -EFAULT;
	}
	return 0;
}

#define HWCAP_FP (1u << 0)
#define HWCAP_ASIMD (1u << 1)
#define HWCAP_AES (1u << 3)
#define HWCAP_PMULL (1u << 4)
#define HWCAP_SHA1 (1u << 5)
#define HWCAP_SHA2 (1u << 6)
#define HWCAP_CRC32 (1u << 7)
#define HWCAP_ATOMICS (1u << 8)
#define HWCAP_FPHP (1u << 9)
#define HWCAP_ASIMDHP (1u << 10)
#define HWCAP_ASIMDRDM (1u << 12)
#define HWCAP_JSCVT (1u << 13)
#define HWCAP_FCMA (1u << 14)
#define HWCAP_LRCPC (1u << 15)
#define HWCAP_DCPOP (1u << 16)
#define HWCAP_SHA3 (1u << 17)
#define HWCAP_SM3 (1u << 18)
#define HWCAP_SM4 (1u << 19)
#define HWCAP_ASIMDDP (1u << 20)
#define HWCAP_SHA512 (1u << 21)
#define HWCAP_ASIMDFHM (1u << 23)
#define HWCAP_FLAGM (1u << 27)

const struct sc_arch sc_arch_arm64 = {
	.machine = "aarch64",
	.e_machine = EM_AARCH64,
	.uc_arch = UC_ARCH_ARM64,
	.uc_mode = UC_MODE_ARM,
	.cs_arch = CS_ARCH_ARM64,
	.cs_mode = CS_MODE_ARM,
	.syscalls = &sc_syscalls_arm64,
	/* What Unicorn's "max" CPU (QEMU 5.0) implements; no SVE and no pointer auth, which
	 * glibc would otherwise select. */
	.hwcap = HWCAP_FP | HWCAP_ASIMD | HWCAP_AES | HWCAP_PMULL | HWCAP_SHA1 | HWCAP_SHA2 |
		 HWCAP_CRC32 | HWCAP_ATOMICS | HWCAP_FPHP | HWCAP_ASIMDHP | HWCAP_ASIMDRDM |
		 HWCAP_JSCVT | HWCAP_FCMA | HWCAP_LRCPC | HWCAP_DCPOP | HWCAP_SHA3 | HWCAP_SM3 |
		 HWCAP_SM4 | HWCAP_ASIMDDP | HWCAP_SHA512 | HWCAP_ASIMDFHM | HWCAP_FLAGM,
	.hwcap2 = 0,
	.minsigstksz = 5120,
	.pc_reg = UC_ARM64_REG_PC,
	.sp_reg = UC_ARM64_REG_SP,
	/* asm-generic fcntl.h values where x86-64 differs (tools/xlat/fs.tbl). */
	.oflags = sc_xlat_map_open_flags_arm64,
	.n_oflags = SC_XLAT_MAP_OPEN_FLAGS_ARM64_N,
	.init_engine = init_engine,
	.start = start,
	.stat_to_guest = arm64_stat_from_host,
	.epoll_event_from_guest = host_epoll_event_from_arm64,
	.epoll_events_to_guest = arm64_epoll_events_from_host,
	.locate_fault = locate_fault,
	.sig = &sc_arm64_signal,
};
