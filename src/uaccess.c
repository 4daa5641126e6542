#include "uaccess.h"

#include <errno.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "mem.h"

/* The checks below cannot see every fault. The VMA lock keeps the guest's own munmap and
 * mprotect out, but a page of a file mapping past the end of the file (mapped so, or the file
 * shrank since, by any process) raises SIGBUS on the host. As the kernel's exception table,
 * every access to guest memory here runs with a recovery point armed in this thread; the host's
 * SIGSEGV/SIGBUS handler (cpu.c) calls uaccess_fixup(), which jumps back to it when the fault
 * lies in the guest's address space, and the access fails with -EFAULT (a SIGSEGV there, from a
 * host mapping out of step with the books, ends the same way). sigsetjmp without the signal
 * mask is a few stores, no syscall (measured: +6 ns a copy); the handler has SA_NODEFER, so the
 * mask after the jump is the copy's. The copy must not run with SIGBUS/SIGSEGV blocked: the
 * kernel then kills the process instead of calling the handler. */
struct guard {
	sigjmp_buf env;
	const uint8_t *lo, *hi; /* the guest's address space in the host */
	struct guard *prev;     /* restored after: a guarded copy inside another stays correct */
};

/* Not initial-exec: that would put all of libsyscorn's thread-locals (the arm64 signal frames
 * among them, kilobytes) into the static TLS surplus, and dlopen (Python's ctypes) fails with
 * "cannot allocate memory in static TLS block". A thread's block is allocated when the thread
 * first touches any of them, which a guest thread does in sc_thread_run before any copy, so the
 * signal handler's read does not allocate either. */
static __thread struct guard *guard;

void uaccess_fixup(const void *addr)
{
	struct guard *g = guard;
	if (g && (const uint8_t *)addr >= g->lo && (const uint8_t *)addr < g->hi)
		siglongjmp(g->env, 1);
}

static void guard_init(struct guard *g, struct sc_process *p)
{
	g->lo = p->mem.base;
	g->hi = p->mem.base + p->mem.size;
	g->prev = guard;
}

static inline void guard_arm(struct guard *g)
{
	guard = g;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

static inline void guard_disarm(struct guard *g)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	guard = g->prev;
}

/* memcpy (or, when clear, memset to 0) with the recovery point: false when it faulted. */
static __attribute__((noinline)) bool guarded_copy(struct sc_process *p, void *dst,
						   const void *src, size_t n, bool clear)
{
	struct guard g;
	guard_init(&g, p);
	if (sigsetjmp(g.env, 0)) {
		guard = g.prev;
		return false;
	}
	guard_arm(&g);
	if (clear)
		memset(dst, 0, n);
	else
		memcpy(dst, src, n);
	guard_disarm(&g);
	return true;
}

static __attribute__((noinline)) bool guarded_cmpxchg32(struct sc_process *p, uint32_t *w,
							uint32_t *old, uint32_t new)
{
	struct guard g;
	guard_init(&g, p);
	if (sigsetjmp(g.env, 0)) {
		guard = g.prev;
		return false;
	}
	guard_arm(&g);
	__atomic_compare_exchange_n(w, old, new, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	guard_disarm(&g);
	return true;
}

/* The checks and copies hold mem_read_lock(): a handler may run beside another thread that
 * changes the mappings (mem.h). */
static bool access_ok_locked(struct sc_process *p, gaddr_t addr, size_t n, int prot)
{
	if (addr >= p->mem.size || n > p->mem.size - addr)
		return false;
	gaddr_t end = addr + n;
	while (addr < end) {
		const struct sc_vma *v = mem_find(p, addr);
		if (!v || (v->prot & prot) != prot)
			return false;
		/* Exec-only guest pages are host-readable but not guest-readable. */
		addr = v->end;
	}
	return true;
}

bool guest_access_ok(struct sc_process *p, gaddr_t addr, size_t n, int prot)
{
	mem_read_lock(p);
	bool ok = access_ok_locked(p, addr, n, prot);
	mem_read_unlock(p);
	return ok;
}

int copy_from_guest(struct sc_process *p, void *dst, gaddr_t src, size_t n)
{
	mem_read_lock(p);
	bool ok = access_ok_locked(p, src, n, PROT_READ) &&
		  guarded_copy(p, dst, p->mem.base + src, n, false);
	mem_read_unlock(p);
	return ok ? 0 : -EFAULT;
}

int copy_code_from_guest(struct sc_process *p, void *dst, gaddr_t src, size_t n)
{
	mem_read_lock(p);
	bool ok = (access_ok_locked(p, src, n, PROT_EXEC) || access_ok_locked(p, src, n, PROT_READ)) &&
		  guarded_copy(p, dst, p->mem.base + src, n, false);
	mem_read_unlock(p);
	return ok ? 0 : -EFAULT;
}

int copy_to_guest(struct sc_process *p, gaddr_t dst, const void *src, size_t n)
{
	mem_read_lock(p);
	bool ok = access_ok_locked(p, dst, n, PROT_WRITE) &&
		  guarded_copy(p, p->mem.base + dst, src, n, false);
	mem_read_unlock(p);
	return ok ? 0 : -EFAULT;
}

int clear_guest(struct sc_process *p, gaddr_t dst, size_t n)
{
	mem_read_lock(p);
	bool ok = access_ok_locked(p, dst, n, PROT_WRITE) &&
		  guarded_copy(p, p->mem.base + dst, NULL, n, true);
	mem_read_unlock(p);
	return ok ? 0 : -EFAULT;
}

int cmpxchg_guest_u32(struct sc_process *p, gaddr_t addr, uint32_t *old, uint32_t new)
{
	if (addr % 4)
		return -EINVAL;
	mem_read_lock(p);
	bool ok = access_ok_locked(p, addr, 4, PROT_READ | PROT_WRITE) &&
		  guarded_cmpxchg32(p, (uint32_t *)(p->mem.base + addr), old, new);
	mem_read_unlock(p);
	return ok ? 0 : -EFAULT;
}

static long strncpy_locked(struct sc_process *p, char *dst, gaddr_t src, size_t max);

static __attribute__((noinline)) long strncpy_guarded(struct sc_process *p, char *dst, gaddr_t src,
						      size_t max)
{
	struct guard g;
	guard_init(&g, p);
	if (sigsetjmp(g.env, 0)) {
		guard = g.prev;
		return -EFAULT;
	}
	guard_arm(&g);
	long r = strncpy_locked(p, dst, src, max);
	guard_disarm(&g);
	return r;
}

long strncpy_from_guest(struct sc_process *p, char *dst, gaddr_t src, size_t max)
{
	mem_read_lock(p);
	long r = strncpy_guarded(p, dst, src, max);
	mem_read_unlock(p);
	return r;
}

static long strncpy_locked(struct sc_process *p, char *dst, gaddr_t src, size_t max)
{
	size_t done = 0;
	while (done < max) {
		const struct sc_vma *v = mem_find(p, src + done);
		if (!v || !(v->prot & PROT_READ))
			return -EFAULT;
		size_t chunk = v->end - (src + done);
		if (chunk > max - done)
			chunk = max - done;
		const char *s = (const char *)p->mem.base + src + done;
		const char *z = memchr(s, 0, chunk);
		if (z) {
			size_t k = (size_t)(z - s);
			memcpy(dst + done, s, k + 1);
			return (long)(done + k);
		}
		memcpy(dst + done, s, chunk);
		done += chunk;
	}
	return -ENAMETOOLONG;
}

char *strdup_from_guest(struct sc_process *p, gaddr_t src, size_t max, long *err)
{
	char *buf = malloc(max);
	if (!buf) {
		*err = -ENOMEM;
		return NULL;
	}
	long n = strncpy_from_guest(p, buf, src, max);
	if (n < 0) {
		free(buf);
		*err = n;
		return NULL;
	}
	return buf;
}

void *guest_io_buf(struct sc_process *p, gaddr_t addr, size_t n)
{
	if (addr >= p->mem.size || n > p->mem.size - addr)
		return NULL;
	return p->mem.base + addr;
}
