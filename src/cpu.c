/* The emulated process: creation, the run loop and how a guest ends (exit or fatal signal). */
#include <capstone/capstone.h>
#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
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
#include "sig.h"
#include "thread.h"
#include "trace/trace.h"
#include "uaccess.h"

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
	pthread_mutex_lock(&p->lock);
	if (!p->exit.done) {
		p->exit.done = true;
		p->exit.status = status;
		p->exit.signal = signal;
	}
	__atomic_store_n(&p->exiting, true, __ATOMIC_SEQ_CST);
	/* exit_group: the other threads stop at their next safe point; one blocked in the host
	 * is interrupted. */
	for (struct sc_thread *u = p->threads; u; u = u->next) {
		sc_attn(u, SC_ATTN_EXIT);
		if (u != t)
			sc_thread_kick(u);
	}
	pthread_mutex_unlock(&p->lock);
	t->done = true;
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
void sc_report_fault(struct sc_thread *t, int sig, uint64_t addr, uint64_t pc, const char *what)
{
	struct sc_process *p = t->proc;
	sc_trace_fault(p, sig, addr, pc, t->fault_type);
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

void sc_cpu_fault(struct sc_thread *t, int sig, int code, uint64_t addr, uint64_t frame_pc,
		  const char *what)
{
	memset(&t->fault, 0, sizeof t->fault);
	t->fault.info.signo = sig;
	t->fault.info.code = code;
	t->fault.info.fault.addr = addr;
	t->fault.pc = frame_pc;
	t->fault.what = what;
	switch (sig) {
	case SIGFPE: t->fault.trapno = 0; break;
	case SIGTRAP: t->fault.trapno = 3; break;
	case SIGILL: t->fault.trapno = 6; break;
	default: t->fault.trapno = 13; break;
	}
	t->fault.pending = true;
	sc_attn(t, SC_ATTN_FAULT);
	uc_emu_stop(t->uc);
}

void sc_cpu_exception(struct sc_thread *t, int sig, uint64_t addr, const char *what)
{
	uint64_t pc = 0;
	uc_reg_read(t->uc, t->proc->arch->pc_reg, &pc);
	sc_cpu_fault(t, sig, SC_SI_KERNEL, addr, pc, what);
}

/* The last invalid access, recorded for the fault (the engine's error code does not carry the
 * address). */
static bool hook_mem_invalid(uc_engine *uc, uc_mem_type type, uint64_t addr, int size,
			     int64_t value, void *data)
{
	(void)size, (void)value;
	struct sc_thread *t = data;
	t->fault_addr = addr;
	t->fault_type = type;
	/* Inside the hook the PC is the faulting instruction's; after uc_emu_start returns it
	 * may be the start of its block (arm64). */
	uc_reg_read(uc, t->proc->arch->pc_reg, &t->fault_pc);
	return false;
}

/* QEMU's softmmu TLB starts small and grows (doubling) only when it is flushed while more than
 * 70% used; Unicorn never flushes during a run, so a guest with a large working set keeps
 * missing in it. Flush at doubling intervals (counted in blocks, so runs are reproducible) while
 * the run is young, then remove the hook, which costs a few ns per block while installed. */
static void hook_tlb_warmup(uc_engine *uc, uint64_t addr, uint32_t size, void *data)
{
	(void)addr, (void)size;
	struct sc_thread *t = data;
	if (++t->tlb_blocks < t->tlb_next)
		return;
	uc_ctl_flush_tlb(uc);
	t->tlb_next *= 2;
	if (++t->tlb_flushes >= t->tlb_max) {
		/* A deleted hook is still called by the blocks translated with it until
		 * uc_emu_start returns (measured: a 200 M-block loop kept paying for it), so stop
		 * here and let the run loop start again at this block. */
		uc_hook_del(uc, t->tlb_hook);
		uc_emu_stop(uc);
	}
}

static void init_fail(struct sc_process *p, const char *what, long err)
{
	sc_error(p, "%s: %s", what, strerror((int)-err));
}

/* An engine for t: the CPU model, the hooks, and (for a thread after the first) the guest's
 * memory. */
int sc_engine_open(struct sc_thread *t)
{
	struct sc_process *p = t->proc;
	bool first = t == &p->thread;
	uc_err ue = uc_open(p->arch->uc_arch, p->arch->uc_mode, &t->uc);
	if (ue != UC_ERR_OK)
		return -ENOMEM;
	uc_ctl_set_tcg_buffer_size(t->uc, TCG_BUFFER);
	long r = p->arch->init_engine(t);
	if (r) {
		uc_close(t->uc);
		t->uc = NULL;
		return first ? (int)r : -ENOMEM;
	}
	uc_hook h;
	uc_hook_add(t->uc, &h, UC_HOOK_MEM_INVALID, UC_CB(hook_mem_invalid), t, 1, 0);
	/* 12 flushes from 16 Ki blocks to 32 Mi blocks: measured on a 50 M sieve, this took
	 * arm64 from 4.3 s to 0.8 s (qemu-user 0.54 s); fewer or earlier flushes left the TLB
	 * small, longer ones cost the hook's per-block price on compute-bound guests. */
	t->tlb_next = 1ull << 14;
	t->tlb_max = 12;
	uc_hook_add(t->uc, &t->tlb_hook, UC_HOOK_BLOCK, UC_CB(hook_tlb_warmup), t, 1, 0);
	r = first ? mem_add_engine(p, t->uc) : mem_attach_engine(p, t->uc);
	if (r) {
		uc_close(t->uc);
		t->uc = NULL;
		return (int)r;
	}
	__atomic_store_n(&t->engine_live, 1, __ATOMIC_SEQ_CST);
	return 0;
}

/* Our Unicorn patch took out the exit checks after loads and stores that made a stop from
 * outside a hook leave in the middle of a block with the PC of the block's start (the restart
 * then ran part of the block twice), and keeps a stop that lands between two runs for the next,
 * which then ends before its first block. So a stop now always lands where the guest state is
 * exact, and other threads and t's own signal handlers may call this at any time: no block hook
 * polls a flag, and guest code runs at full speed however many threads or handlers there are. */
void sc_engine_kick(struct sc_thread *t)
{
	__atomic_fetch_add(&t->kickers, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&t->engine_live, __ATOMIC_SEQ_CST))
		uc_emu_stop(t->uc);
	__atomic_fetch_sub(&t->kickers, 1, __ATOMIC_SEQ_CST);
}

/* After this no kick touches t's engine, which may then be closed. */
static void engine_unkickable(struct sc_thread *t)
{
	__atomic_store_n(&t->engine_live, 0, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&t->kickers, __ATOMIC_SEQ_CST))
		sched_yield();
}

void sc_engine_close(struct sc_thread *t)
{
	if (!t->uc)
		return;
	engine_unkickable(t);
	mem_detach_engine(t->proc, t->uc);
	uc_close(t->uc);
	t->uc = NULL;
}

/* Syscalls by what they need from the dispatcher: whether the handler may block (it then runs
 * without the execution lock), how an interrupted one comes back (signal(7): the calls never
 * restarted after a handler), whether it may return in a fork child. By name, from the
 * generated tables. */
static const char *const blocking_calls[] = {
	"read", "readv", "pread64", "preadv", "preadv2", "write", "writev", "pwrite64", "pwritev",
	"pwritev2", "recvfrom", "recvmsg", "recvmmsg", "sendto", "sendmsg", "sendmmsg", "accept",
	"accept4", "connect", "wait4", "waitid", "nanosleep", "clock_nanosleep", "poll", "ppoll",
	"select", "pselect6", "epoll_wait", "epoll_pwait", "epoll_pwait2", "flock", "sendfile",
	"splice", "tee", "vmsplice", "copy_file_range", "msgrcv", "msgsnd", "semop", "semtimedop",
	"mq_timedreceive", "mq_timedsend", "io_getevents", "io_pgetevents", "sched_yield", "fsync",
	"fdatasync", "syncfs", "sync", "sync_file_range", NULL,
};
static const char *const nohand_calls[] = {
	"pause", "rt_sigsuspend", "poll", "ppoll", "select", "pselect6", "epoll_wait",
	"epoll_pwait", "epoll_pwait2", "nanosleep", "clock_nanosleep", "msgrcv", "msgsnd", "semop",
	"semtimedop", "io_getevents", "io_pgetevents", NULL,
};
static const char *const never_calls[] = { "rt_sigtimedwait", NULL };
static const char *const fork_calls[] = { "fork", "vfork", "clone", "clone3", NULL };

static bool listed(const char *const *list, const char *name)
{
	for (; *list; list++)
		if (!strcmp(*list, name))
			return true;
	return false;
}

static int classify_syscalls(struct sc_process *p)
{
	const struct sc_syscall_table *tab = p->arch->syscalls;
	p->blocking = calloc(3, tab->count);
	if (!p->blocking)
		return -ENOMEM;
	p->restart_kind = p->blocking + tab->count;
	p->forking = p->restart_kind + tab->count;
	for (unsigned nr = 0; nr < tab->count; nr++) {
		const struct sc_syscall_meta *m = tab->meta[nr];
		if (!m)
			continue;
		p->blocking[nr] = listed(blocking_calls, m->name);
		p->restart_kind[nr] = listed(never_calls, m->name)    ? SC_RESTART_NEVER
				      : listed(nohand_calls, m->name) ? SC_RESTART_NOHAND
								     : SC_RESTART_SYS;
		p->forking[nr] = listed(fork_calls, m->name);
	}
	return 0;
}

int sc_process_load(struct sc_process *p, const char *path, char *const argv[],
		    char *const envp[])
{
	sc_threads_init(p);
	char err[512];
	struct sc_elf *e = elf_open_checked(path, err, sizeof err);
	if (!e) {
		sc_error(p, "%s", err);
		sc_threads_fini(p);
		return -ENOEXEC;
	}
	p->arch = sc_arch_for_machine(elf_machine(e));
	p->exe_path = realpath(path, NULL);
	long r = mem_init(p, GUEST_SPACE);
	if (r) {
		init_fail(p, "cannot reserve the guest address space", r);
		goto fail;
	}
	r = classify_syscalls(p);
	if (r) {
		init_fail(p, "cannot set up the syscalls", r);
		goto fail;
	}
	p->hwcap = p->arch->hwcap;
	p->hwcap2 = p->arch->hwcap2;
	r = sc_engine_open(&p->thread);
	if (r) {
		init_fail(p, "cannot set up the CPU", r);
		goto fail;
	}
	p->uc = p->thread.uc;
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

/* The kernel's signal for a fault the engine reports, with its si_code. */
static int fault_signal(uc_err ue, int *code, const char **what)
{
	switch (ue) {
	case UC_ERR_READ_UNMAPPED: *code = SEGV_MAPERR; *what = "read of unmapped memory"; return SIGSEGV;
	case UC_ERR_WRITE_UNMAPPED: *code = SEGV_MAPERR; *what = "write to unmapped memory"; return SIGSEGV;
	case UC_ERR_FETCH_UNMAPPED: *code = SEGV_MAPERR; *what = "execution of unmapped memory"; return SIGSEGV;
	case UC_ERR_READ_PROT: *code = SEGV_ACCERR; *what = "read of protected memory"; return SIGSEGV;
	case UC_ERR_WRITE_PROT: *code = SEGV_ACCERR; *what = "write to protected memory"; return SIGSEGV;
	case UC_ERR_FETCH_PROT: *code = SEGV_ACCERR; *what = "execution of non-executable memory"; return SIGSEGV;
	case UC_ERR_READ_UNALIGNED:
	case UC_ERR_WRITE_UNALIGNED:
	case UC_ERR_FETCH_UNALIGNED: *code = BUS_ADRALN; *what = "unaligned access"; return SIGBUS;
	case UC_ERR_INSN_INVALID: *code = ILL_ILLOPC; *what = "invalid instruction"; return SIGILL;
	default: *code = SC_SI_KERNEL; *what = uc_strerror(ue); return SIGSEGV;
	}
}

/* arm64 ESR_EL1 of a data or instruction abort from EL0, for the frame's esr_context. */
static uint64_t arm64_esr(uc_err ue, int code)
{
	bool fetch = ue == UC_ERR_FETCH_UNMAPPED || ue == UC_ERR_FETCH_PROT;
	bool write = ue == UC_ERR_WRITE_UNMAPPED || ue == UC_ERR_WRITE_PROT;
	uint64_t ec = fetch ? 0x20 : 0x24;
	uint64_t fsc = code == SEGV_ACCERR ? 0x0f : 0x07; /* permission / translation, level 3 */
	return ec << 26 | 1ull << 25 | (write ? 1ull << 6 : 0) | fsc;
}

/* uc_emu_start ended with a fault: the kernel's synchronous signal for it. */
static void memory_fault(struct sc_thread *t, uc_err ue)
{
	struct sc_process *p = t->proc;
	int code;
	const char *what;
	int sig = fault_signal(ue, &code, &what);
	uint64_t addr = 0, pc = 0;
	/* Our Unicorn leaves a faulting access with the PC of its instruction and the registers
	 * as they were before it (tools/unicorn-2.1.1.patch); the hook's PC is only where the
	 * engine last synced it. Unpatched, the PC is that too, and arm64 looks for the access. */
	uc_reg_read(t->uc, p->arch->pc_reg, &pc);
	if (t->fault_type) {
		addr = t->fault_addr;
		if (p->arch->locate_fault)
			pc = p->arch->locate_fault(t, pc, addr);
	}
	if (code == SEGV_ACCERR) {
		switch (mem_eof_fault(p, addr)) {
		case 2:
			/* The file grew: the access goes through now. */
			uc_reg_write(t->uc, p->arch->pc_reg, &pc);
			return;
		case 1:
			sig = SIGBUS;
			code = BUS_ADRERR;
			what = "access beyond the end of a mapped file";
			break;
		}
	}
	if (sig == SIGILL) {
		addr = pc;
		if (p->arch->e_machine == EM_X86_64)
			code = ILL_ILLOPN;
	}
	if (ue == UC_ERR_FETCH_UNMAPPED || ue == UC_ERR_FETCH_PROT)
		pc = addr;
	sc_cpu_fault(t, sig, code, addr, pc, what);
	if (t->fault_type) {
		if (p->arch->e_machine == EM_AARCH64) {
			t->fault.esr = arm64_esr(ue, code);
		} else {
			/* x86 page fault error code: present, write, user, fetch. */
			t->fault.trapno = 14;
		}
	}
}

/* A guest access that Unicorn lets through to host memory can still fault on the host: a file
 * mapping that shrank after it was mapped gives SIGBUS, as it would natively. Such a fault is the
 * guest's, not ours: while the guest runs, a host SIGBUS/SIGSEGV inside the guest's address
 * space jumps back to the run loop, which ends the guest with that signal (the engine's state is
 * not exact there, so there is no frame for a handler). A handler's copy through uaccess.c that
 * faults there fails with EFAULT instead (uaccess_fixup), in whichever thread it runs. Anything
 * else is a fault of syscorn itself and is left to crash as usual. */
static __thread struct sc_thread *running;
static __thread bool in_guest;
static __thread sigjmp_buf host_fault_jmp;

static void host_fault(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	if (si->si_code > 0)
		uaccess_fixup(si->si_addr); /* returns unless a guest copy faulted */
	struct sc_thread *t = running;
	uint8_t *a = si->si_addr;
	if (t && in_guest && si->si_code > 0 && a >= t->proc->mem.base &&
	    a < t->proc->mem.base + t->proc->mem.size) {
		t->fault_addr = (uint64_t)(a - t->proc->mem.base);
		siglongjmp(host_fault_jmp, sig);
	}
	signal(sig, SIG_DFL); /* returning re-executes the access, which now kills us */
}

uint64_t sc_trap(struct sc_thread *t, uint64_t nr, const uint64_t args[6])
{
	struct sc_process *p = t->proc;
	in_guest = false;
	t->sys.nr = nr;
	t->sys.arg0 = args[0];
	bool known = nr < p->arch->syscalls->count;
	t->sys.restart = known ? p->restart_kind[nr] : SC_RESTART_SYS;
	__atomic_store_n(&t->in_syscall, true, __ATOMIC_RELAXED);
	/* --strace: an ignored signal that came since is shown before this call's line. */
	if (__builtin_expect((__atomic_load_n(&p->sig_traced, __ATOMIC_RELAXED) |
			      t->sig_traced_applied) != 0, 0))
		sc_sig_traced_poll(t);
	bool released = known && p->blocking[nr] && sc_blocking_begin(t);
	uint64_t r = sc_dispatch(t, nr, args);
	if (__builtin_expect(r == (uint64_t)-SC_GUEST_EPIPE || r == (uint64_t)-SC_GUEST_ECHILD, 0) &&
	    t->sig_traced_applied)
		sc_sig_traced_result(t, r);
	sc_sig_syscall_done(t);
	if (known && p->forking[nr] && r == 0 && getpid() != p->pid)
		sc_threads_after_fork(t);
	sc_blocking_end(t, released);
	/* The first clone made the lock necessary: the caller takes it from here on. */
	sc_bel_acquire(t);
	t->sys.result = (long)r;
	if (__atomic_load_n(&t->attn, __ATOMIC_ACQUIRE)) {
		t->sys.ended = true;
		uc_emu_stop(t->uc);
	}
	in_guest = true;
	return r;
}

static void attend(struct sc_thread *t, uint32_t bits)
{
	struct sc_process *p = t->proc;
	if ((bits & SC_ATTN_EXIT) || __atomic_load_n(&p->exiting, __ATOMIC_SEQ_CST)) {
		t->done = true;
		return;
	}
	if (bits & SC_ATTN_YIELD) {
		sc_bel_release(t);
		sc_bel_acquire(t);
	}
	sc_sig_attend(t, bits);
}

void sc_thread_run(struct sc_thread *t)
{
	struct sc_process *p = t->proc;
	running = t;
	if (sigsetjmp(host_fault_jmp, 0)) {
		/* The engine was left in the middle of a block: it is not used again. */
		in_guest = false;
		uint64_t pc = 0;
		uc_reg_read(t->uc, p->arch->pc_reg, &pc);
		sc_report_fault(t, SIGBUS, t->fault_addr, pc, "access beyond the end of a mapped file");
		sc_guest_exit(t, 0, SIGBUS);
		running = NULL;
		return;
	}
	for (;;) {
		uint32_t bits;
		while (!t->done && ((bits = __atomic_exchange_n(&t->attn, 0, __ATOMIC_ACQ_REL)) ||
				    t->sys.ended || t->fault.pending))
			attend(t, bits);
		if (t->done || p->stop)
			break;
		uint64_t pc;
		uc_reg_read(t->uc, p->arch->pc_reg, &pc);
		t->fault_type = 0;
		in_guest = true;
		uc_err ue = uc_emu_start(t->uc, pc, 0, 0, 0);
		in_guest = false;
		if (ue != UC_ERR_OK && !t->done)
			memory_fault(t, ue);
	}
	running = NULL;
}

int sc_process_run(struct sc_process *p)
{
	struct sc_thread *t = &p->thread;
	p->pid = getpid();
	t->tid = gettid();
	struct sigaction sa = { .sa_sigaction = host_fault, .sa_flags = SA_SIGINFO | SA_NODEFER };
	struct sigaction old_bus, old_segv;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old_bus);
	sigaction(SIGSEGV, &sa, &old_segv);
	uint64_t old_mask = sc_host_sigmask(SIG_BLOCK, 0);
	sc_sig_run_begin(p);
	sigjmp_buf run_jmp;
	p->run_jmp = &run_jmp;
	bool stopped = false;
	if (!sigsetjmp(run_jmp, 0)) {
		sc_thread_run(t);
		/* Stopped for the library's caller (p->stop): the thread lives on. */
		stopped = p->stop && !t->done;
		if (!stopped)
			sc_thread_end(t);
	}
	/* (A fork child of another thread comes back here when its guest ends.) */
	if (!stopped)
		sc_threads_wait(p);
	sc_sig_run_end(p);
	sc_host_sigmask(SIG_SETMASK, old_mask);
	sigaction(SIGBUS, &old_bus, NULL);
	sigaction(SIGSEGV, &old_segv, NULL);
	if (p->exit.done)
		sc_trace_end(p);
	return 0;
}

bool sc_process_single_threaded(struct sc_process *p)
{
	pthread_mutex_lock(&p->lock);
	bool one = p->nthreads <= 1 && (!p->threads || !p->threads->next);
	pthread_mutex_unlock(&p->lock);
	return one;
}

void sc_process_revive(struct sc_process *p)
{
	struct sc_thread *t = &p->thread;
	memset(&p->exit, 0, sizeof p->exit);
	__atomic_store_n(&p->exiting, false, __ATOMIC_SEQ_CST);
	__atomic_store_n(&t->attn, 0, __ATOMIC_SEQ_CST);
	t->sys.ended = false;
	t->fault.pending = false;
	if (!t->done)
		return;
	/* sc_thread_end took it off the list. */
	t->done = false;
	pthread_mutex_lock(&p->lock);
	t->next = NULL;
	p->threads = t;
	p->nthreads = 1;
	pthread_mutex_unlock(&p->lock);
}

void sc_process_unload(struct sc_process *p)
{
	engine_unkickable(&p->thread);
	if (p->uc)
		uc_close(p->uc);
	p->uc = p->thread.uc = NULL;
	mem_fini(p);
	free(p->blocking);
	p->blocking = NULL;
	free(p->exe_path);
	p->exe_path = NULL;
	sc_threads_fini(p);
}
