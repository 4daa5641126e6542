/* The emulated process: creation, the run loop and how a guest ends (exit or fatal signal). */
#include <capstone/capstone.h>
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arch/arch.h"
#include "loader.h"
#include "mem.h"
#include "trace/trace.h"

#define GUEST_SPACE (1ull << 40) /* 1 TiB of guest addresses, reserved (not committed) */
#define TCG_BUFFER (64u << 20)   /* translation cache; Unicorn's default reserves 1 GiB */

#ifndef SYSCORN_VERSION
#define SYSCORN_VERSION "0.1.0"
#endif

const char *syscorn_version(void)
{
	return SYSCORN_VERSION;
}

const char *syscorn_unicorn_version(void)
{
	static char buf[32];
	unsigned major, minor;
	unsigned v = uc_version(&major, &minor);
	snprintf(buf, sizeof buf, "%u.%u.%u", major, minor, (v >> 8) & 0xff);
	return buf;
}

void sc_log(struct sc_process *p, int level, const char *fmt, ...)
{
	if (!p->log)
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	p->log(p->log_data, level, msg);
}

void sc_guest_exit(struct sc_thread *t, int status, int signal)
{
	struct sc_process *p = t->proc;
	if (!p->exit.done) {
		p->exit.done = true;
		p->exit.status = status;
		p->exit.signal = signal;
	}
	uc_emu_stop(t->uc);
}

static const char *signame(int sig)
{
	switch (sig) {
	case SIGSEGV: return "SIGSEGV";
	case SIGBUS: return "SIGBUS";
	case SIGILL: return "SIGILL";
	case SIGFPE: return "SIGFPE";
	case SIGTRAP: return "SIGTRAP";
	default: return "signal";
	}
}

/* One report line: what, where, and the faulting instruction as Capstone reads it. */
static void report_fault(struct sc_thread *t, int sig, uint64_t addr, uint64_t pc,
			 const char *what)
{
	struct sc_process *p = t->proc;
	sc_trace_fault(p, sig, addr, pc, p->fault_type);
	char insn[200] = "<unreadable>";
	uint8_t code[16];
	size_t len = sizeof code;
	while (len && copy_code_from_guest(p, code, pc, len))
		len--;
	csh cs;
	if (len && cs_open(p->arch->cs_arch, p->arch->cs_mode, &cs) == CS_ERR_OK) {
		cs_insn *ins;
		if (cs_disasm(cs, code, len, pc, 1, &ins) == 1) {
			snprintf(insn, sizeof insn, "%s%s%s", ins->mnemonic, ins->op_str[0] ? " " : "",
				 ins->op_str);
			cs_free(ins, 1);
		} else {
			snprintf(insn, sizeof insn, "<undecodable: %02x %02x %02x %02x>", code[0],
				 len > 1 ? code[1] : 0, len > 2 ? code[2] : 0, len > 3 ? code[3] : 0);
		}
		cs_close(&cs);
	}
	p->exit.fault_pc = pc;
	p->exit.fault_addr = addr;
	snprintf(p->exit.fault_insn, sizeof p->exit.fault_insn, "%s", insn);
	snprintf(p->exit.fault_what, sizeof p->exit.fault_what, "%s", what);
	if (addr)
		sc_error(p, "guest killed by %s: %s at address 0x%" PRIx64 ", pc 0x%" PRIx64 ": %s",
			 signame(sig), what, addr, pc, insn);
	else
		sc_error(p, "guest killed by %s: %s, pc 0x%" PRIx64 ": %s", signame(sig), what, pc,
			 insn);
}

void sc_cpu_exception(struct sc_thread *t, int sig, uint64_t addr, const char *what)
{
	uint64_t pc = 0;
	uc_reg_read(t->uc, t->proc->arch->pc_reg, &pc);
	report_fault(t, sig, addr, pc, what);
	sc_guest_exit(t, 0, sig);
}

/* The last invalid access, recorded for the fault report (the engine's error code does not
 * carry the address). */
static bool hook_mem_invalid(uc_engine *uc, uc_mem_type type, uint64_t addr, int size,
			     int64_t value, void *data)
{
	(void)size, (void)value;
	struct sc_process *p = ((struct sc_thread *)data)->proc;
	p->fault_addr = addr;
	p->fault_type = type;
	/* Inside the hook the PC is the faulting instruction's; after uc_emu_start returns it
	 * may be the start of its block (arm64). */
	uc_reg_read(uc, p->arch->pc_reg, &p->fault_pc);
	return false;
}

/* QEMU's softmmu TLB starts small and grows (doubling) only when it is flushed while more than
 * 70% used; Unicorn never flushes during a run, so a guest with a large working set keeps
 * missing in it. Flush at doubling intervals (counted in blocks, so runs are reproducible) while
 * the run is young, then remove the hook, which costs a few ns per block while installed. */
static void hook_tlb_warmup(uc_engine *uc, uint64_t addr, uint32_t size, void *data)
{
	(void)addr, (void)size;
	struct sc_process *p = ((struct sc_thread *)data)->proc;
	if (++p->tlb_blocks < p->tlb_next)
		return;
	uc_ctl_flush_tlb(uc);
	p->tlb_next *= 2;
	if (++p->tlb_flushes >= p->tlb_max)
		uc_hook_del(uc, p->tlb_hook);
}

static void init_fail(struct sc_process *p, const char *what, long err)
{
	sc_error(p, "%s: %s", what, strerror((int)-err));
}

int sc_process_load(struct sc_process *p, const char *path, char *const argv[],
		    char *const envp[])
{
	p->thread.proc = p;
	char err[512];
	struct sc_elf *e = elf_open_checked(path, err, sizeof err);
	if (!e) {
		sc_error(p, "%s", err);
		return -ENOEXEC;
	}
	p->arch = sc_arch_for_machine(elf_machine(e));
	p->exe_path = realpath(path, NULL);
	long r = mem_init(p, GUEST_SPACE);
	if (r) {
		init_fail(p, "cannot reserve the guest address space", r);
		goto fail;
	}
	uc_err ue = uc_open(p->arch->uc_arch, p->arch->uc_mode, &p->uc);
	if (ue != UC_ERR_OK) {
		sc_error(p, "cannot create the CPU: %s", uc_strerror(ue));
		goto fail;
	}
	p->thread.uc = p->uc;
	uc_ctl_set_tcg_buffer_size(p->uc, TCG_BUFFER);
	p->hwcap = p->arch->hwcap;
	p->hwcap2 = p->arch->hwcap2;
	r = p->arch->init_engine(&p->thread);
	if (r) {
		init_fail(p, "cannot set up the CPU", r);
		goto fail;
	}
	uc_hook h;
	uc_hook_add(p->uc, &h, UC_HOOK_MEM_INVALID, UC_CB(hook_mem_invalid), &p->thread, 1, 0);
	/* 12 flushes from 16 Ki blocks to 32 Mi blocks: measured on a 50 M sieve, this took
	 * arm64 from 4.3 s to 0.8 s (qemu-user 0.54 s); fewer or earlier flushes left the TLB
	 * small, longer ones cost the hook's per-block price on compute-bound guests. */
	p->tlb_next = 1ull << 14;
	p->tlb_max = 12;
	uc_hook_add(p->uc, &p->tlb_hook, UC_HOOK_BLOCK, UC_CB(hook_tlb_warmup), &p->thread, 1, 0);
	gaddr_t entry, sp;
	r = elf_load(p, e, argv, envp, path, &entry, &sp, err, sizeof err);
	if (r) {
		sc_error(p, "%s: %s", path, err);
		goto fail;
	}
	elf_close(e);
	p->arch->start(&p->thread, entry, sp);
	return 0;
fail:
	elf_close(e);
	sc_process_unload(p);
	return r ? (int)r : -EINVAL;
}

static int fault_signal(uc_err ue, const char **what)
{
	switch (ue) {
	case UC_ERR_READ_UNMAPPED: *what = "read of unmapped memory"; return SIGSEGV;
	case UC_ERR_WRITE_UNMAPPED: *what = "write to unmapped memory"; return SIGSEGV;
	case UC_ERR_FETCH_UNMAPPED: *what = "execution of unmapped memory"; return SIGSEGV;
	case UC_ERR_READ_PROT: *what = "read of protected memory"; return SIGSEGV;
	case UC_ERR_WRITE_PROT: *what = "write to protected memory"; return SIGSEGV;
	case UC_ERR_FETCH_PROT: *what = "execution of non-executable memory"; return SIGSEGV;
	case UC_ERR_READ_UNALIGNED:
	case UC_ERR_WRITE_UNALIGNED:
	case UC_ERR_FETCH_UNALIGNED: *what = "unaligned access"; return SIGBUS;
	case UC_ERR_INSN_INVALID: *what = "invalid instruction"; return SIGILL;
	default: *what = uc_strerror(ue); return SIGSEGV;
	}
}

/* A guest access that Unicorn lets through to host memory can still fault on the host: a file
 * mapping read past the end of its file gives SIGBUS, as it would natively. Such a fault is the
 * guest's, not ours: while the guest runs, a host SIGBUS/SIGSEGV inside the guest's address
 * space jumps back to the run loop, which ends the guest with that signal. Anything else is a
 * fault of syscorn itself and is left to crash as usual. */
static __thread struct sc_process *running;
static __thread sigjmp_buf host_fault_jmp;

static void host_fault(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	struct sc_process *p = running;
	uint8_t *a = si->si_addr;
	if (p && a >= p->mem.base && a < p->mem.base + p->mem.size) {
		p->fault_addr = (uint64_t)(a - p->mem.base);
		siglongjmp(host_fault_jmp, sig);
	}
	signal(sig, SIG_DFL); /* returning re-executes the access, which now kills us */
}

int sc_process_run(struct sc_process *p)
{
	struct sc_thread *t = &p->thread;
	struct sigaction sa = { .sa_sigaction = host_fault, .sa_flags = SA_SIGINFO | SA_NODEFER };
	struct sigaction old_bus, old_segv;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old_bus);
	sigaction(SIGSEGV, &sa, &old_segv);
	running = p;
	int hsig = sigsetjmp(host_fault_jmp, 1);
	if (hsig) {
		uint64_t pc = 0;
		uc_reg_read(p->uc, p->arch->pc_reg, &pc);
		report_fault(t, hsig, p->fault_addr, pc,
			     hsig == SIGBUS ? "access beyond the end of a mapped file" : "host fault");
		sc_guest_exit(t, 0, hsig);
	}
	while (!p->exit.done && !p->stop) {
		uint64_t pc;
		uc_reg_read(p->uc, p->arch->pc_reg, &pc);
		uc_err ue = uc_emu_start(p->uc, pc, 0, 0, 0);
		if (ue != UC_ERR_OK && !p->exit.done) {
			const char *what;
			int sig = fault_signal(ue, &what);
			uint64_t addr = 0, fpc;
			uc_reg_read(p->uc, p->arch->pc_reg, &fpc);
			if (p->fault_type) {
				addr = p->fault_addr;
				fpc = p->fault_pc;
				if (p->arch->locate_fault)
					fpc = p->arch->locate_fault(t, fpc, addr);
			}
			report_fault(t, sig, addr, fpc, what);
			sc_guest_exit(t, 0, sig);
		}
	}
	running = NULL;
	sigaction(SIGBUS, &old_bus, NULL);
	sigaction(SIGSEGV, &old_segv, NULL);
	if (p->exit.done)
		sc_trace_end(p);
	return 0;
}

bool sc_process_single_threaded(struct sc_process *p)
{
	(void)p;
	return true;
}

void sc_process_revive(struct sc_process *p)
{
	memset(&p->exit, 0, sizeof p->exit);
}

void sc_process_unload(struct sc_process *p)
{
	if (p->uc)
		uc_close(p->uc);
	p->uc = p->thread.uc = NULL;
	mem_fini(p);
	free(p->exe_path);
	p->exe_path = NULL;
}
