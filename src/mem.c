/* Guest memory. The whole guest address space is one PROT_NONE host reservation; a guest
 * mapping is a host mapping at base + guest address, handed to Unicorn with uc_mem_map_ptr.
 * Host protections mirror the guest's, so a host syscall given a guest buffer fails with
 * EFAULT exactly where the guest's kernel would, and a 1 MiB read() is one host read(). */
#include "mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static int host_prot(int prot)
{
	/* Unicorn reads code through host memory, so guest exec needs host read; the host never
	 * executes guest memory. */
	int h = prot & (PROT_READ | PROT_WRITE);
	if (prot & PROT_EXEC)
		h |= PROT_READ;
	return h;
}

int mem_init(struct sc_process *p, uint64_t size)
{
	void *b = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (b == MAP_FAILED)
		return -errno;
	p->mem.base = b;
	p->mem.size = size;
	return 0;
}

void mem_fini(struct sc_process *p)
{
	for (size_t i = 0; i < p->mem.nvmas; i++)
		free(p->mem.vmas[i].name);
	free(p->mem.vmas);
	if (p->mem.base)
		munmap(p->mem.base, p->mem.size);
	memset(&p->mem, 0, sizeof p->mem);
}

/* Index of the first VMA whose end is > addr. */
static size_t vma_lower(const struct sc_mem *m, gaddr_t addr)
{
	size_t lo = 0, hi = m->nvmas;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (m->vmas[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct sc_vma *mem_find(struct sc_process *p, gaddr_t addr)
{
	struct sc_mem *m = &p->mem;
	if (m->last < m->nvmas && m->vmas[m->last].start <= addr && addr < m->vmas[m->last].end)
		return &m->vmas[m->last];
	size_t i = vma_lower(m, addr);
	if (i < m->nvmas && m->vmas[i].start <= addr) {
		m->last = i;
		return &m->vmas[i];
	}
	return NULL;
}

static int vma_insert_at(struct sc_mem *m, size_t i, const struct sc_vma *v)
{
	if (m->nvmas == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 32;
		struct sc_vma *n = realloc(m->vmas, cap * sizeof *n);
		if (!n)
			return -ENOMEM;
		m->vmas = n;
		m->cap = cap;
	}
	memmove(&m->vmas[i + 1], &m->vmas[i], (m->nvmas - i) * sizeof *v);
	m->vmas[i] = *v;
	m->nvmas++;
	return 0;
}

/* Splits the VMA containing addr (if any) so that a VMA boundary falls on addr. */
static int vma_split(struct sc_mem *m, gaddr_t addr)
{
	size_t i = vma_lower(m, addr);
	if (i >= m->nvmas || m->vmas[i].start >= addr)
		return 0;
	struct sc_vma hi = m->vmas[i];
	hi.offset += addr - hi.start;
	hi.start = addr;
	hi.name = hi.name ? strdup(hi.name) : NULL;
	m->vmas[i].end = addr;
	return vma_insert_at(m, i + 1, &hi);
}

/* Splits at both ends; returns the index range [*first, *last) of VMAs inside [start, end). */
static int vma_carve(struct sc_mem *m, gaddr_t start, gaddr_t end, size_t *first, size_t *last)
{
	int r = vma_split(m, start);
	if (r == 0)
		r = vma_split(m, end);
	if (r)
		return r;
	*first = vma_lower(m, start);
	size_t j = *first;
	while (j < m->nvmas && m->vmas[j].end <= end)
		j++;
	*last = j;
	return 0;
}

static void vma_remove(struct sc_mem *m, size_t first, size_t last)
{
	for (size_t i = first; i < last; i++)
		free(m->vmas[i].name);
	if (last > first) {
		memmove(&m->vmas[first], &m->vmas[last], (m->nvmas - last) * sizeof *m->vmas);
		m->nvmas -= last - first;
	}
	m->last = 0;
}

static bool range_ok(struct sc_process *p, gaddr_t addr, uint64_t len)
{
	return len && addr % SC_PAGE == 0 && len % SC_PAGE == 0 && addr < p->mem.size &&
	       len <= p->mem.size - addr;
}

/* Drops [start, end) from Unicorn and the VMA list; the host side is left to the caller. */
static int unmap_vmas(struct sc_process *p, gaddr_t start, gaddr_t end)
{
	struct sc_mem *m = &p->mem;
	size_t first, last;
	int r = vma_carve(m, start, end, &first, &last);
	if (r)
		return r;
	bool code = false;
	for (size_t i = first; i < last; i++) {
		if (p->uc)
			uc_mem_unmap(p->uc, m->vmas[i].start, m->vmas[i].end - m->vmas[i].start);
		code |= (m->vmas[i].prot & PROT_EXEC) != 0;
	}
	if (code && p->uc)
		uc_ctl_remove_cache(p->uc, start, end);
	vma_remove(m, first, last);
	return 0;
}

long mem_map(struct sc_process *p, gaddr_t addr, uint64_t len, int prot, int host_flags, int fd,
	     off_t off, int vflags, const char *name)
{
	if (!range_ok(p, addr, len))
		return -ENOMEM;
	void *h = mmap(p->mem.base + addr, len, host_prot(prot), host_flags | MAP_FIXED, fd, off);
	if (h == MAP_FAILED)
		return -errno;
	int r = unmap_vmas(p, addr, addr + len);
	if (r)
		return r;
	struct sc_vma v = { addr, addr + len, prot, vflags, (uint64_t)off,
			    name ? strdup(name) : NULL };
	r = vma_insert_at(&p->mem, vma_lower(&p->mem, addr), &v);
	if (r)
		return r;
	if (p->uc && uc_mem_map_ptr(p->uc, addr, len, prot & UC_PROT_ALL, h) != UC_ERR_OK)
		return -ENOMEM;
	return 0;
}

long mem_unmap(struct sc_process *p, gaddr_t addr, uint64_t len)
{
	if (!range_ok(p, addr, len))
		return -EINVAL;
	int r = unmap_vmas(p, addr, addr + len);
	if (r)
		return r;
	/* Keep the reservation, so nothing else of the host's lands inside the guest's space. */
	mmap(p->mem.base + addr, len, PROT_NONE,
	     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
	return 0;
}

bool mem_range_mapped(struct sc_process *p, gaddr_t addr, uint64_t len)
{
	struct sc_mem *m = &p->mem;
	gaddr_t end = addr + len;
	for (size_t i = vma_lower(m, addr); addr < end; i++) {
		if (i >= m->nvmas || m->vmas[i].start > addr)
			return false;
		addr = m->vmas[i].end;
	}
	return true;
}

bool mem_range_free(struct sc_process *p, gaddr_t addr, uint64_t len)
{
	struct sc_mem *m = &p->mem;
	if (addr >= m->size || len > m->size - addr)
		return false;
	size_t i = vma_lower(m, addr);
	return i >= m->nvmas || m->vmas[i].start >= addr + len;
}

long mem_protect(struct sc_process *p, gaddr_t addr, uint64_t len, int prot)
{
	struct sc_mem *m = &p->mem;
	if (addr % SC_PAGE)
		return -EINVAL;
	if (!len)
		return 0;
	if (!range_ok(p, addr, len) || !mem_range_mapped(p, addr, len))
		return -ENOMEM;
	if (mprotect(m->base + addr, len, host_prot(prot)))
		return -errno;
	size_t first, last;
	int r = vma_carve(m, addr, addr + len, &first, &last);
	if (r)
		return r;
	bool code = false;
	for (size_t i = first; i < last; i++) {
		struct sc_vma *v = &m->vmas[i];
		code |= ((v->prot | prot) & PROT_EXEC) != 0;
		v->prot = prot;
		if (p->uc)
			uc_mem_protect(p->uc, v->start, v->end - v->start, prot & UC_PROT_ALL);
	}
	/* Code whose protection changes may be rewritten next (JITs, RELRO): drop stale blocks. */
	if (code && p->uc)
		uc_ctl_remove_cache(p->uc, addr, addr + len);
	return 0;
}

gaddr_t mem_find_free(struct sc_process *p, uint64_t len)
{
	/* Gap k lies between vmas[k-1].end and vmas[k].start; walk the gaps downwards from
	 * mmap_top and take the first (highest) that fits, as the kernel's top-down allocator. */
	struct sc_mem *m = &p->mem;
	gaddr_t hi = m->mmap_top;
	size_t k = vma_lower(m, hi);
	if (k < m->nvmas && m->vmas[k].start < hi)
		hi = m->vmas[k].start;
	for (;;) {
		gaddr_t lo = k > 0 ? m->vmas[k - 1].end : 0;
		if (lo < SC_PAGE * 16)
			lo = SC_PAGE * 16;
		if (hi >= lo && hi - lo >= len)
			return hi - len;
		if (k == 0)
			return 0;
		k--;
		hi = m->vmas[k].start;
	}
}

int mem_attach_engine(struct sc_process *p, uc_engine *uc)
{
	for (size_t i = 0; i < p->mem.nvmas; i++) {
		struct sc_vma *v = &p->mem.vmas[i];
		if (uc_mem_map_ptr(uc, v->start, v->end - v->start, v->prot & UC_PROT_ALL,
				   p->mem.base + v->start) != UC_ERR_OK)
			return -ENOMEM;
	}
	return 0;
}
