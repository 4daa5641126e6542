/* What differs between guest architectures: registers, the syscall trap, the CPU model and
 * what auxv says about it, and the structs and flags whose layout or values differ. */
#ifndef SYSCORN_ARCH_H
#define SYSCORN_ARCH_H

#include <sys/stat.h>

struct epoll_event;

#include "../core.h"
#include "../syscall.h"

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

#endif
