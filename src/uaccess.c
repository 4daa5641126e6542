#include "uaccess.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "mem.h"

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
	bool ok = access_ok_locked(p, src, n, PROT_READ);
	if (ok)
		memcpy(dst, p->mem.base + src, n);
	mem_read_unlock(p);
	return ok ? 0 : -EFAULT;
}

int copy_code_from_guest(struct sc_process *p, void *dst, gaddr_t src, size_t n)
{
	mem_read_lock(p);
	bool ok = access_ok_locked(p, src, n, PROT_EXEC) || access_ok_locked(p, src, n, PROT_READ);
	if (ok)
		memcpy(dst, p->mem.base + src, n);
	mem_read_unlock(p);
	return ok ? 0 : -EFAULT;
}

int copy_to_guest(struct sc_process *p, gaddr_t dst, const void *src, size_t n)
{
	mem_read_lock(p);
	bool ok = access_ok_locked(p, dst, n, PROT_WRITE);
	if (ok)
		memcpy(p->mem.base + dst, src, n);
	mem_read_unlock(p);
	return ok ? 0 : -EFAULT;
}

int clear_guest(struct sc_process *p, gaddr_t dst, size_t n)
{
	mem_read_lock(p);
	bool ok = access_ok_locked(p, dst, n, PROT_WRITE);
	if (ok)
		memset(p->mem.base + dst, 0, n);
	mem_read_unlock(p);
	return ok ? 0 : -EFAULT;
}

static long strncpy_locked(struct sc_process *p, char *dst, gaddr_t src, size_t max);

long strncpy_from_guest(struct sc_process *p, char *dst, gaddr_t src, size_t max)
{
	mem_read_lock(p);
	long r = strncpy_locked(p, dst, src, max);
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
