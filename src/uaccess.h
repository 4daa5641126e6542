/* The one layer through which handlers reach guest memory. Every function checks the range
 * against the guest's mappings and protections and fails with -EFAULT instead of touching an
 * unmapped or forbidden byte; a host fault the checks cannot foresee (a page of a file mapping
 * past the end of the file) gives -EFAULT too, never a crash. Handlers never turn a guest
 * address into a host pointer themselves. */
#ifndef SYSCORN_UACCESS_H
#define SYSCORN_UACCESS_H

#include "core.h"

/* 0 or -EFAULT. */
int copy_from_guest(struct sc_process *p, void *dst, gaddr_t src, size_t n);
int copy_to_guest(struct sc_process *p, gaddr_t dst, const void *src, size_t n);
/* Reads guest code (pages mapped with PROT_EXEC, readable or not), for fault reports. */
int copy_code_from_guest(struct sc_process *p, void *dst, gaddr_t src, size_t n);
int clear_guest(struct sc_process *p, gaddr_t dst, size_t n);
/* The kernel's futex_atomic_cmpxchg_inatomic: compares the aligned guest word at addr with *old
 * and stores new if equal, atomically; *old gets the value seen. 0, -EFAULT or -EINVAL. */
int cmpxchg_guest_u32(struct sc_process *p, gaddr_t addr, uint32_t *old, uint32_t new);

/* Copies a NUL-terminated guest string of at most max-1 bytes into dst.
 * Returns its length, -EFAULT, or -ENAMETOOLONG when it does not fit. */
long strncpy_from_guest(struct sc_process *p, char *dst, gaddr_t src, size_t max);

/* A malloc'ed copy of a guest string (at most max bytes) or NULL with *err set. */
char *strdup_from_guest(struct sc_process *p, gaddr_t src, size_t max, long *err);

/* A host pointer to guest [addr, addr+n) for passing straight to a host syscall, which then
 * checks the protections itself (host protections mirror the guest's). Only the bounds of the
 * guest address space are checked here; NULL when the range lies outside it. A zero-length
 * range gives a valid pointer. Use only for buffers handed to the host kernel. */
void *guest_io_buf(struct sc_process *p, gaddr_t addr, size_t n);

/* True when every byte of [addr, addr+n) is mapped with all of prot (PROT_READ/WRITE). */
bool guest_access_ok(struct sc_process *p, gaddr_t addr, size_t n, int prot);

/* For the host's SIGSEGV/SIGBUS handler: when this thread faulted at the host address addr,
 * inside the guest's address space, while one of the functions above was copying, does not
 * return: that copy fails with -EFAULT (the kernel's exception-table fixup). Returns otherwise.
 * Async-signal-safe. */
void uaccess_fixup(const void *addr);

/* Typed helpers for the common fixed-size cases. */
#define get_guest(p, var, addr) copy_from_guest((p), &(var), (addr), sizeof(var))
#define put_guest(p, addr, var) copy_to_guest((p), (addr), &(var), sizeof(var))

#endif
