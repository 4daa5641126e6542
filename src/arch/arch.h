/* What differs between guest architectures: registers, the syscall trap, the CPU model and
 * what auxv says about it, and the structs and flags whose layout or values differ. */
#ifndef SYSCORN_ARCH_H
#define SYSCORN_ARCH_H

#include <sys/stat.h>

struct epoll_event;

#include "../core.h"
#include "../syscall.h"

/* What a signal frame records and where it goes (sig.c fills it, the arch lays it out). */
struct sc_sigframe {
	const struct sc_siginfo *info;
	uint64_t handler, restorer, sa_flags;
	uint64_t mask;          /* uc_sigmask: what rt_sigreturn puts back */
	uint64_t sp;            /* the top of the stack the frame goes on (red zone applied) */
	uint64_t ss_sp, ss_size; /* uc_stack, as sigaltstack would report it */
	int32_t ss_flags;
	uint64_t fault_addr;    /* arm64 sigcontext.fault_address, x86-64 cr2 */
	uint64_t esr;           /* arm64: an esr_context record when non-zero */
	uint64_t trapno, err;   /* x86-64 */
};

struct sc_arch_signal {
	uint64_t redzone;        /* bytes below SP a frame must not touch */
	const uint32_t *sigtramp; /* rt_sigreturn code for handlers without SA_RESTORER, or NULL */
	size_t sigtramp_len;
	/* Builds the frame on the guest stack and points the registers at the handler (0 or
	 * -EFAULT). */
	int (*setup_frame)(struct sc_thread *t, const struct sc_sigframe *f);
	/* rt_sigreturn: registers from the frame at SP; the mask and uc_stack (sp, flags, size)
	 * to put back. */
	int (*restore_frame)(struct sc_thread *t, uint64_t *mask, uint64_t ss[3]);
	/* After the engine stopped just past a trap: back onto the trap instruction with the
	 * syscall's number and first argument (a restart), or forward again with a result. */
	void (*syscall_rewind)(struct sc_thread *t, uint64_t nr, uint64_t arg0);
	void (*syscall_unwind)(struct sc_thread *t, uint64_t result);
	/* Inside the trap hook: the PC at which the guest continues after the syscall. */
	uint64_t (*syscall_next_pc)(struct sc_thread *t);
	/* A new thread's registers: the parent's, except the syscall's result (0), SP and TLS. */
	void (*clone_regs)(struct sc_thread *child, struct sc_thread *parent, gaddr_t sp,
			   bool set_tls, gaddr_t tls);
};

extern const struct sc_arch_signal sc_arm64_signal, sc_x86_64_signal;

/* A flag whose value differs between the guest and the host. */
struct sc_flag_map {
	uint32_t guest, host;
};

struct sc_arch {
	const char *machine;     /* uname -m, AT_PLATFORM */
	uint16_t e_machine;
	uc_arch uc_arch;
	uc_mode uc_mode;
	int cs_arch, cs_mode;    /* Capstone, for fault reports */
	const struct sc_syscall_table *syscalls;
	uint64_t hwcap, hwcap2;
	uint64_t minsigstksz;    /* AT_MINSIGSTKSZ, 0 for none */
	int pc_reg, sp_reg;
	/* Open flags whose bits differ from the host's (the others are equal on every guest). */
	const struct sc_flag_map *oflags;
	size_t n_oflags;
	/* Before the first map: CPU model, FP/SIMD, the syscall and exception hooks. */
	int (*init_engine)(struct sc_thread *t);
	/* Sets the registers for the first instruction. */
	void (*start)(struct sc_thread *t, gaddr_t entry, gaddr_t sp);
	/* Writes a host struct stat into the guest's struct stat at addr (0 or -EFAULT). */
	int (*stat_to_guest)(struct sc_process *p, gaddr_t addr, const struct stat *st);
	/* struct epoll_event: packed into 12 bytes on x86-64, 16 with an aligned data word on
	 * arm64. One guest event into a host one, n host events into the guest's array (0 or
	 * -EFAULT). */
	int (*epoll_event_from_guest)(struct sc_process *p, struct epoll_event *h, gaddr_t addr);
	int (*epoll_events_to_guest)(struct sc_process *p, gaddr_t addr,
				     const struct epoll_event *h, size_t n);
	/* Where a memory fault really happened, given the PC Unicorn left (NULL: it is exact). */
	uint64_t (*locate_fault)(struct sc_thread *t, uint64_t pc, uint64_t addr);
	/* Signal frames, syscall restarts, new threads (arch/<arch>_signal.c). */
	const struct sc_arch_signal *sig;
};

extern const struct sc_arch sc_arch_arm64, sc_arch_x86_64;

const struct sc_arch *sc_arch_for_machine(uint16_t e_machine);

/* The host kernel's O_LARGEFILE bit. glibc's O_LARGEFILE is 0 on 64-bit hosts, yet the kernel
 * sets the bit on every open and reports it through F_GETFL. */
#if defined(__x86_64__)
#define SC_HOST_O_LARGEFILE 0100000
#elif defined(__aarch64__)
#define SC_HOST_O_LARGEFILE 0400000
#else
#error "unknown host O_LARGEFILE"
#endif

/* Open flags: guest <-> host, through the arch's table of differing bits. */
int guest_oflags_to_host(const struct sc_arch *a, int guest);
int host_oflags_to_guest(const struct sc_arch *a, int host);

/* Called by the arch trap hooks. */
void sc_cpu_exception(struct sc_thread *t, int signo, uint64_t addr, const char *what);
/* A synchronous fault at pc with the kernel's si_code; the frame records frame_pc. */
void sc_cpu_fault(struct sc_thread *t, int signo, int code, uint64_t addr, uint64_t frame_pc,
		  const char *what);
/* Runs one guest syscall from a trap hook: execution lock, dispatch, signals afterwards. */
uint64_t sc_trap(struct sc_thread *t, uint64_t nr, const uint64_t args[6]);

#endif
