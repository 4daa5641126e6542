/* x86-64 guest: `syscall` traps through UC_HOOK_INSN; TLS through arch_prctl and FS_BASE. */
#include <asm/prctl.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <capstone/capstone.h>

#include "arch.h"
#include "xlat.h"

extern const struct sc_syscall_table sc_syscalls_x86_64;

static void hook_syscall(uc_engine *uc, void *data)
{
	static int regs[7] = { UC_X86_REG_RAX, UC_X86_REG_RDI, UC_X86_REG_RSI, UC_X86_REG_RDX,
			       UC_X86_REG_R10, UC_X86_REG_R8, UC_X86_REG_R9 };
	uint64_t v[7];
	void *ptrs[7] = { &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6] };
	uc_reg_read_batch(uc, regs, ptrs, 7);
	uint64_t r = sc_trap(data, v[0], &v[1]);
	uc_reg_write(uc, UC_X86_REG_RAX, &r);
}

/* The kernel's si_code for SIGTRAP from int3 and for a #GP: SI_KERNEL. */
#define GUEST_SI_KERNEL 0x80

static void hook_intr(uc_engine *uc, uint32_t intno, void *data)
{
	/* RIP is on the faulting instruction, or past an int3 (a trap), as the kernel reports. */
	uint64_t rip = 0;
	uc_reg_read(uc, UC_X86_REG_RIP, &rip);
	switch (intno) {
	case 0: sc_cpu_fault(data, SIGFPE, FPE_INTDIV, rip, rip, "divide error"); break;
	case 1: sc_cpu_fault(data, SIGTRAP, TRAP_TRACE, rip, rip, "debug trap"); break;
	case 3: sc_cpu_fault(data, SIGTRAP, GUEST_SI_KERNEL, 0, rip, "breakpoint"); break;
	case 6: sc_cpu_fault(data, SIGILL, ILL_ILLOPN, rip, rip, "invalid opcode"); break;
	case 13: sc_cpu_fault(data, SIGSEGV, GUEST_SI_KERNEL, 0, rip, "general protection"); break;
	case 14: sc_cpu_fault(data, SIGSEGV, SEGV_MAPERR, 0, rip, "page fault"); break;
	default: sc_cpu_fault(data, SIGSEGV, GUEST_SI_KERNEL, 0, rip, "CPU exception"); break;
	}
}

/* The kernel's AT_HWCAP on x86-64 is CPUID.1:EDX. Ask the engine's CPU model itself, by running
 * one cpuid on a scratch page before the guest's memory exists. */
static void probe_hwcap(struct sc_thread *t)
{
	static const uint8_t cpuid[] = { 0x0f, 0xa2 };
	const uint64_t at = 0x1000;
	uint64_t leaf = 1, edx = 0;
	if (uc_mem_map(t->uc, at, 0x1000, UC_PROT_READ | UC_PROT_EXEC) != UC_ERR_OK)
		return;
	uc_mem_write(t->uc, at, cpuid, sizeof cpuid);
	uc_reg_write(t->uc, UC_X86_REG_RAX, &leaf);
	if (uc_emu_start(t->uc, at, at + sizeof cpuid, 0, 0) == UC_ERR_OK &&
	    uc_reg_read(t->uc, UC_X86_REG_EDX, &edx) == UC_ERR_OK)
		t->proc->hwcap = (uint32_t)edx;
	uc_mem_unmap(t->uc, at, 0x1000);
	uc_ctl_remove_cache(t->uc, at, at + 0x1000);
	/* The guest starts with these zero: %rdx in particular is _start's rtld_fini. */
	uint64_t zero = 0;
	int regs[] = { UC_X86_REG_RAX, UC_X86_REG_RBX, UC_X86_REG_RCX, UC_X86_REG_RDX };
	for (size_t i = 0; i < sizeof regs / sizeof regs[0]; i++)
		uc_reg_write(t->uc, regs[i], &zero);
}

static int init_engine(struct sc_thread *t)
{
	uc_hook h;
	/* Every thread's engine is the same model: asking the first one is enough. */
	if (t == &t->proc->thread)
		probe_hwcap(t);
	if (uc_hook_add(t->uc, &h, UC_HOOK_INSN, UC_CB(hook_syscall), t, 1, 0,
			UC_X86_INS_SYSCALL) != UC_ERR_OK)
		return -EINVAL;
	if (uc_hook_add(t->uc, &h, UC_HOOK_INTR, UC_CB(hook_intr), t, 1, 0) != UC_ERR_OK)
		return -EINVAL;
	return 0;
}

static void start(struct sc_thread *t, gaddr_t entry, gaddr_t sp)
{
	uc_reg_write(t->uc, UC_X86_REG_RIP, &entry);
	uc_reg_write(t->uc, UC_X86_REG_RSP, &sp);
}

/* arch/x86/include/uapi/asm/stat.h: 144 bytes, 64-bit st_nlink before st_mode. */
struct x86_64_stat {
	uint64_t st_dev, st_ino, st_nlink;
	uint32_t st_mode, st_uid, st_gid, pad0;
	uint64_t st_rdev;
	int64_t st_size, st_blksize, st_blocks;
	uint64_t st_atime_sec, st_atime_nsec, st_mtime_sec, st_mtime_nsec, st_ctime_sec,
		st_ctime_nsec;
	int64_t unused[3];
};
_Static_assert(sizeof(struct x86_64_stat) == 144, "x86-64 struct stat is 144 bytes");
_Static_assert(offsetof(struct x86_64_stat, st_size) == 48, "x86-64 st_size offset");

static int x86_64_stat_from_host(struct sc_process *p, gaddr_t addr, const struct stat *st)
{
	struct x86_64_stat g = {
		.st_dev = st->st_dev, .st_ino = st->st_ino, .st_nlink = st->st_nlink,
		.st_mode = st->st_mode, .st_uid = st->st_uid, .st_gid = st->st_gid,
		.st_rdev = st->st_rdev, .st_size = st->st_size, .st_blksize = st->st_blksize,
		.st_blocks = st->st_blocks,
		.st_atime_sec = (uint64_t)st->st_atim.tv_sec, .st_atime_nsec = (uint64_t)st->st_atim.tv_nsec,
		.st_mtime_sec = (uint64_t)st->st_mtim.tv_sec, .st_mtime_nsec = (uint64_t)st->st_mtim.tv_nsec,
		.st_ctime_sec = (uint64_t)st->st_ctim.tv_sec, .st_ctime_nsec = (uint64_t)st->st_ctim.tv_nsec,
	};
	return put_guest(p, addr, g);
}

/* x86-64's struct epoll_event is packed: data at offset 4, 12 bytes in all. */
struct __attribute__((packed)) x86_64_epoll_event {
	uint32_t events;
	uint64_t data;
};
_Static_assert(sizeof(struct x86_64_epoll_event) == 12, "x86-64 struct epoll_event is 12 bytes");

static int host_epoll_event_from_x86_64(struct sc_process *p, struct epoll_event *h,
					gaddr_t addr)
{
	struct x86_64_epoll_event g;
	if (get_guest(p, g, addr))
		return -EFAULT;
	h->events = g.events;
	h->data.u64 = g.data;
	return 0;
}

static int x86_64_epoll_events_from_host(struct sc_process *p, gaddr_t addr,
					 const struct epoll_event *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct x86_64_epoll_event g = { .events = h[i].events, .data = h[i].data.u64 };
		if (put_guest(p, addr + i * sizeof g, g))
			return -EFAULT;
	}
	return 0;
}

SYSCALL_DEFINE2(arch_prctl, int, code, ulong, addr)
{
	uint64_t v;
	switch (code) {
	case ARCH_SET_FS:
		v = addr;
		uc_reg_write(t->uc, UC_X86_REG_FS_BASE, &v);
		return 0;
	case ARCH_GET_FS:
		uc_reg_read(t->uc, UC_X86_REG_FS_BASE, &v);
		return put_guest(t->proc, addr, v);
	case ARCH_SET_GS:
		v = addr;
		uc_reg_write(t->uc, UC_X86_REG_GS_BASE, &v);
		return 0;
	case ARCH_GET_GS:
		uc_reg_read(t->uc, UC_X86_REG_GS_BASE, &v);
		return put_guest(t->proc, addr, v);
	default:
		return -EINVAL;
	}
}

/* Until probe_hwcap() asks the CPU model: CPUID.1:EDX of a typical x86-64. */
#define X86_HWCAP 0x178bfbffu

const struct sc_arch sc_arch_x86_64 = {
	.machine = "x86_64",
	.e_machine = EM_X86_64,
	.uc_arch = UC_ARCH_X86,
	.uc_mode = UC_MODE_64,
	.cs_arch = CS_ARCH_X86,
	.cs_mode = CS_MODE_64,
	.syscalls = &sc_syscalls_x86_64,
	.hwcap = X86_HWCAP,
	.hwcap2 = 0,
	.minsigstksz = 0,
	.pc_reg = UC_X86_REG_RIP,
	.sp_reg = UC_X86_REG_RSP,
	/* The open flags that differ between guest ABIs (tools/xlat/fs.tbl); the identity on an
	 * x86-64 host, kept so that a non-x86 host translates too. */
	.oflags = sc_xlat_map_open_flags_x86_64,
	.n_oflags = SC_XLAT_MAP_OPEN_FLAGS_X86_64_N,
	.init_engine = init_engine,
	.start = start,
	.stat_to_guest = x86_64_stat_from_host,
	.epoll_event_from_guest = host_epoll_event_from_x86_64,
	.epoll_events_to_guest = x86_64_epoll_events_from_host,
	.sig = &sc_x86_64_signal,
};
