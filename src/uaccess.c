#include "uaccess.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "mem.h"

bool guest_access_ok(struct sc_process *p, gaddr_t addr, size_t n, int prot)
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

int copy_from_guest(struct sc_process *p, void *dst, gaddr_t src, size_t n)
{
	if (!guest_access_ok(p, src, n, PROT_READ))
		return -EFAULT;
	memcpy(dst, p->mem.base + src, n);
	return 0;
}

int copy_code_from_guest(struct sc_process *p, void *dst, gaddr_t src, size_t n)
{
	if (!guest_access_ok(p, src, n, PROT_EXEC) && !guest_access_ok(p, src, n, PROT_READ))
		return -EFAULT;
	memcpy(dst, p->mem.base + src, n);
	return 0;
}

int copy_to_guest(struct sc_process *p, gaddr_t dst, const void *src, size_t n)
{
	if (!guest_access_ok(p, dst, n, PROT_WRITE))
		return -EFAULT;
	memcpy(p->mem.base + dst, src, n);
	return 0;
}

int clear_guest(struct sc_process *p, gaddr_t dst, size_t n)
{
	if (!guest_access_ok(p, dst, n, PROT_WRITE))
		return -EFAULT;
	memset(p->mem.base + dst, 0, n);
	return 0;
}

long strncpy_from_guest(struct sc_process *p, char *dst, gaddr_t src, size_t max)
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
