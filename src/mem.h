/* Guest address space: a host reservation where host = base + guest, VMAs kept in step with
 * Unicorn's regions and the host's protections. */
#ifndef SYSCORN_MEM_H
#define SYSCORN_MEM_H

#include <sys/types.h>

#include "core.h"

/* Guest prot bits are PROT_READ/WRITE/EXEC (same values on both guests and in Unicorn). */
enum { VMA_ANON = 1, VMA_SHARED = 2, VMA_STACK = 4, VMA_HEAP = 8 };

struct sc_vma {
	gaddr_t start, end;
	int prot;
	int flags;    /* VMA_* */
	uint64_t offset;
	char *name;   /* file path or NULL */
	/* File mappings: pages from here on lay beyond the end of the file when mapped. They are
	 * kept from the engines, so an access faults where it happens and the guest gets a precise
	 * SIGBUS (or, if the file grew, the page is let through). 0: none. */
	gaddr_t eof;
};

int mem_init(struct sc_process *p, uint64_t size);
void mem_fini(struct sc_process *p);

/* Maps [addr, addr+len) (page-aligned) replacing whatever was there. host_flags are the host
 * mmap flags MAP_SHARED or MAP_PRIVATE (| MAP_ANONYMOUS); fd is a host fd or -1. */
long mem_map(struct sc_process *p, gaddr_t addr, uint64_t len, int prot, int host_flags, int fd,
	     off_t off, int vflags, const char *name);
long mem_unmap(struct sc_process *p, gaddr_t addr, uint64_t len);
/* mremap: grows in place when it can, else moves when may_move (or to fixed_to when
 * non-zero). Returns the new address or a negative errno. */
long mem_remap(struct sc_process *p, gaddr_t old, uint64_t olen, uint64_t nlen, bool may_move,
	       gaddr_t fixed_to);
long mem_protect(struct sc_process *p, gaddr_t addr, uint64_t len, int prot);
/* A free, page-aligned range of len bytes, searched top-down below mmap_top; 0 if none. */
gaddr_t mem_find_free(struct sc_process *p, uint64_t len);
/* True when [addr, addr+len) is entirely free. */
bool mem_range_free(struct sc_process *p, gaddr_t addr, uint64_t len);
/* True when [addr, addr+len) is entirely mapped. */
bool mem_range_mapped(struct sc_process *p, gaddr_t addr, uint64_t len);
const struct sc_vma *mem_find(struct sc_process *p, gaddr_t addr);

/* The engines that mirror the guest memory: one per thread. mem_add_engine() before the first
 * mapping; mem_attach_engine() maps every VMA into a new one and adds it. */
int mem_add_engine(struct sc_process *p, uc_engine *uc);
int mem_attach_engine(struct sc_process *p, uc_engine *uc);
void mem_detach_engine(struct sc_process *p, uc_engine *uc);

/* VMA readers that may run beside a thread changing the mappings (handlers of blocking
 * syscalls) hold this; the changes take it for writing. No-ops until threads exist. */
void mem_read_lock(struct sc_process *p);
void mem_read_unlock(struct sc_process *p);

/* A protection fault at addr in the engine: 1 when it is an access past the end of a mapped
 * file (SIGBUS), 2 when the file has grown since and the access can be retried, 0 otherwise. */
int mem_eof_fault(struct sc_process *p, gaddr_t addr);

#endif
