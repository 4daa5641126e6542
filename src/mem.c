/* Guest memory. The whole guest address space is one PROT_NONE host reservation; a guest
 * mapping is a host mapping at base + guest address, handed to Unicorn with uc_mem_map_ptr.
 * Host protections mirror the guest's, so a host syscall given a guest buffer fails with
 * EFAULT exactly where the guest's kernel would, and a 1 MiB read() is one host read(). */
#include "mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

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
	pthread_rwlock_init(&p->mem.lock, NULL);
	return 0;
}

void mem_fini(struct sc_process *p)
{
	for (size_t i = 0; i < p->mem.nvmas; i++)
		free(p->mem.vmas[i].name);
	free(p->mem.vmas);
	free(p->mem.engines);
	if (p->mem.base) {
		munmap(p->mem.base, p->mem.size);
		pthread_rwlock_destroy(&p->mem.lock);
	}
	memset(&p->mem, 0, sizeof p->mem);
}

void mem_read_lock(struct sc_process *p)
{
	if (p->mem.locking)
		pthread_rwlock_rdlock(&p->mem.lock);
}

void mem_read_unlock(struct sc_process *p)
{
	if (p->mem.locking)
		pthread_rwlock_unlock(&p->mem.lock);
}

static void write_lock(struct sc_process *p)
{
	if (p->mem.locking)
		pthread_rwlock_wrlock(&p->mem.lock);
}

static void write_unlock(struct sc_process *p)
{
	if (p->mem.locking)
		pthread_rwlock_unlock(&p->mem.lock);
}

#define FOR_ENGINES(p, uc)                                                                     \
	for (size_t e_ = 0; e_ < (p)->mem.nengines && ((uc) = (p)->mem.engines[e_], 1); e_++)

int mem_add_engine(struct sc_process *p, uc_engine *uc)
{
	struct sc_mem *m = &p->mem;
	if (m->nengines == m->engines_cap) {
		size_t cap = m->engines_cap ? m->engines_cap * 2 : 8;
		uc_engine **n = realloc(m->engines, cap * sizeof *n);
		if (!n)
			return -ENOMEM;
		m->engines = n;
		m->engines_cap = cap;
	}
	m->engines[m->nengines++] = uc;
	return 0;
}

void mem_detach_engine(struct sc_process *p, uc_engine *uc)
{
	struct sc_mem *m = &p->mem;
	for (size_t i = 0; i < m->nengines; i++) {
		if (m->engines[i] == uc) {
			m->engines[i] = m->engines[--m->nengines];
			return;
		}
	}
}

/* The engine's view of a VMA: the pages past the end of its file stay inaccessible. */
static int engine_map(uc_engine *uc, struct sc_process *p, const struct sc_vma *v, gaddr_t start,
		      gaddr_t end)
{
	if (uc_mem_map_ptr(uc, start, end - start, (uint32_t)v->prot & UC_PROT_ALL,
			   p->mem.base + start) != UC_ERR_OK)
		return -ENOMEM;
	if (v->eof && v->eof < end)
		uc_mem_protect(uc, v->eof > start ? v->eof : start, end - (v->eof > start ? v->eof : start),
			       UC_PROT_NONE);
	return 0;
}

static void engine_protect(uc_engine *uc, const struct sc_vma *v)
{
	gaddr_t lim = v->eof && v->eof < v->end ? (v->eof > v->start ? v->eof : v->start) : v->end;
	if (lim > v->start)
		uc_mem_protect(uc, v->start, lim - v->start, (uint32_t)v->prot & UC_PROT_ALL);
	if (lim < v->end)
		uc_mem_protect(uc, lim, v->end - lim, UC_PROT_NONE);
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
	/* Readers may run side by side (mem_read_lock): the cache is one word. */
	size_t last = __atomic_load_n(&m->last, __ATOMIC_RELAXED);
	if (last < m->nvmas && m->vmas[last].start <= addr && addr < m->vmas[last].end)
		return &m->vmas[last];
	size_t i = vma_lower(m, addr);
	if (i < m->nvmas && m->vmas[i].start <= addr) {
		__atomic_store_n(&m->last, i, __ATOMIC_RELAXED);
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

static bool vma_same_kind(const struct sc_vma *a, const struct sc_vma *b)
{
	if (a->end != b->start || a->prot != b->prot || a->flags != b->flags || a->eof != b->eof)
		return false;
	if ((a->name == NULL) != (b->name == NULL) || (a->name && strcmp(a->name, b->name)))
		return false;
	return (a->flags & VMA_ANON) || a->offset + (a->end - a->start) == b->offset;
}

/* Merges the VMA at i with its neighbours of the same kind, as the kernel does: a mapping grown
 * in place or mprotected back stays one VMA (mremap needs that; /proc/self/maps shows it). */
static void vma_merge_around(struct sc_mem *m, size_t i)
{
	if (i + 1 < m->nvmas && vma_same_kind(&m->vmas[i], &m->vmas[i + 1])) {
		m->vmas[i].end = m->vmas[i + 1].end;
		free(m->vmas[i + 1].name);
		memmove(&m->vmas[i + 1], &m->vmas[i + 2], (m->nvmas - i - 2) * sizeof *m->vmas);
		m->nvmas--;
	}
	if (i > 0 && i < m->nvmas && vma_same_kind(&m->vmas[i - 1], &m->vmas[i])) {
		m->vmas[i - 1].end = m->vmas[i].end;
		free(m->vmas[i].name);
		memmove(&m->vmas[i], &m->vmas[i + 1], (m->nvmas - i - 1) * sizeof *m->vmas);
		m->nvmas--;
	}
	m->last = 0;
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
	uc_engine *uc;
	for (size_t i = first; i < last; i++) {
		FOR_ENGINES(p, uc)
			uc_mem_unmap(uc, m->vmas[i].start, m->vmas[i].end - m->vmas[i].start);
		code |= (m->vmas[i].prot & PROT_EXEC) != 0;
	}
	if (code)
		FOR_ENGINES(p, uc)
			uc_ctl_remove_cache(uc, start, end);
	vma_remove(m, first, last);
	return 0;
}

static void reserve(struct sc_process *p, gaddr_t addr, uint64_t len)
{
	mmap(p->mem.base + addr, len, PROT_NONE,
	     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
}

/* Where the pages past the end of a regular file start in a new mapping of it, or 0. */
static gaddr_t file_eof(int fd, off_t off, gaddr_t addr, uint64_t len)
{
	struct stat st;
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode))
		return 0;
	uint64_t in_file = st.st_size > off ? SC_PAGE_UP((uint64_t)(st.st_size - off)) : 0;
	return in_file < len ? addr + in_file : 0;
}

long mem_map(struct sc_process *p, gaddr_t addr, uint64_t len, int prot, int host_flags, int fd,
	     off_t off, int vflags, const char *name)
{
	if (!range_ok(p, addr, len))
		return -ENOMEM;
	write_lock(p);
	long r = 0;
	void *h = mmap(p->mem.base + addr, len, host_prot(prot), host_flags | MAP_FIXED, fd, off);
	if (h == MAP_FAILED) {
		r = -errno;
		goto out;
	}
	r = unmap_vmas(p, addr, addr + len);
	if (r)
		goto out;
	struct sc_vma v = { addr, addr + len, prot, vflags, (uint64_t)off,
			    name ? strdup(name) : NULL, file_eof(fd, off, addr, len) };
	size_t i = vma_lower(&p->mem, addr);
	r = vma_insert_at(&p->mem, i, &v);
	if (r)
		goto out;
	uc_engine *uc;
	FOR_ENGINES(p, uc)
		if (engine_map(uc, p, &v, addr, addr + len))
			r = -ENOMEM;
	vma_merge_around(&p->mem, i);
out:
	write_unlock(p);
	return r;
}

static long unmap_locked(struct sc_process *p, gaddr_t addr, uint64_t len)
{
	if (!range_ok(p, addr, len))
		return -EINVAL;
	int r = unmap_vmas(p, addr, addr + len);
	if (r)
		return r;
	/* Keep the reservation, so nothing else of the host's lands inside the guest's space. */
	reserve(p, addr, len);
	return 0;
}

long mem_unmap(struct sc_process *p, gaddr_t addr, uint64_t len)
{
	write_lock(p);
	long r = unmap_locked(p, addr, len);
	write_unlock(p);
	return r;
}

/* Adds [addr, addr+len) with v's attributes to the VMA list and to Unicorn. */
static long add_vma(struct sc_process *p, const struct sc_vma *like, gaddr_t addr, uint64_t len,
		    uint64_t offset)
{
	struct sc_vma v = *like;
	v.start = addr;
	v.end = addr + len;
	v.offset = offset;
	v.name = like->name ? strdup(like->name) : NULL;
	size_t i = vma_lower(&p->mem, addr);
	int r = vma_insert_at(&p->mem, i, &v);
	if (r)
		return r;
	uc_engine *uc;
	FOR_ENGINES(p, uc)
		if (engine_map(uc, p, &v, addr, addr + len))
			r = -ENOMEM;
	if (r)
		return r;
	vma_merge_around(&p->mem, i);
	return 0;
}

static long remap_locked(struct sc_process *p, gaddr_t old, uint64_t olen, uint64_t nlen,
			 bool may_move, gaddr_t fixed_to);

long mem_remap(struct sc_process *p, gaddr_t old, uint64_t olen, uint64_t nlen, bool may_move,
	       gaddr_t fixed_to)
{
	write_lock(p);
	long r = remap_locked(p, old, olen, nlen, may_move, fixed_to);
	write_unlock(p);
	return r;
}

/* mremap through the host's mremap, so that file and shared mappings keep their backing and
 * contents move without a copy. [old, old+olen) must be one VMA. */
static long remap_locked(struct sc_process *p, gaddr_t old, uint64_t olen, uint64_t nlen,
			 bool may_move, gaddr_t fixed_to)
{
	const struct sc_vma *cur = mem_find(p, old);
	if (!cur || cur->end < old + olen)
		return -EFAULT;
	struct sc_vma like = *cur;
	like.name = cur->name ? strdup(cur->name) : NULL;
	uint64_t offset = like.offset + (old - like.start);
	long r = 0;
	if (nlen <= olen && !fixed_to) {
		if (nlen < olen)
			r = unmap_locked(p, old + nlen, olen - nlen);
		r = r ? r : (long)old;
		goto out;
	}
	if (!fixed_to && mem_range_free(p, old + olen, nlen - olen)) {
		/* Grow in place: the reservation after the mapping must go first. */
		munmap(p->mem.base + old + olen, nlen - olen);
		if (mremap(p->mem.base + old, olen, nlen, 0) != MAP_FAILED) {
			r = add_vma(p, &like, old + olen, nlen - olen, offset + olen);
			r = r ? r : (long)old;
			goto out;
		}
		reserve(p, old + olen, nlen - olen);
	}
	if (!may_move) {
		r = -ENOMEM;
		goto out;
	}
	gaddr_t to = fixed_to;
	if (to) {
		if (!range_ok(p, to, nlen) || (to < old + olen && old < to + nlen)) {
			r = -EINVAL;
			goto out;
		}
		unmap_locked(p, to, nlen);
	} else if (!(to = mem_find_free(p, nlen))) {
		r = -ENOMEM;
		goto out;
	}
	if (mremap(p->mem.base + old, olen, nlen, MREMAP_MAYMOVE | MREMAP_FIXED,
		   p->mem.base + to) == MAP_FAILED) {
		r = -errno;
		goto out;
	}
	/* The host moved the pages; drop the old range from the books and reserve it again. */
	unmap_vmas(p, old, old + olen);
	reserve(p, old, olen);
	if (like.eof)
		like.eof = like.eof > old ? like.eof - old + to : to;
	r = add_vma(p, &like, to, nlen, offset);
	r = r ? r : (long)to;
out:
	free(like.name);
	return r;
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

static long protect_locked(struct sc_process *p, gaddr_t addr, uint64_t len, int prot)
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
	uc_engine *uc;
	for (size_t i = first; i < last; i++) {
		struct sc_vma *v = &m->vmas[i];
		code |= ((v->prot | prot) & PROT_EXEC) != 0;
		v->prot = prot;
		FOR_ENGINES(p, uc)
			engine_protect(uc, v);
	}
	/* Code whose protection changes may be rewritten next (JITs, RELRO): drop stale blocks. */
	if (code)
		FOR_ENGINES(p, uc)
			uc_ctl_remove_cache(uc, addr, addr + len);
	if (last < m->nvmas)
		vma_merge_around(m, last);
	vma_merge_around(m, first);
	return 0;
}

long mem_protect(struct sc_process *p, gaddr_t addr, uint64_t len, int prot)
{
	write_lock(p);
	long r = protect_locked(p, addr, len, prot);
	write_unlock(p);
	return r;
}

int mem_eof_fault(struct sc_process *p, gaddr_t addr)
{
	struct sc_vma *v = (struct sc_vma *)mem_find(p, addr);
	if (!v || !v->eof || addr < v->eof)
		return 0;
	/* Ask the host whether the page is there now: process_vm_readv faults it in, or fails
	 * with EFAULT where an access would raise SIGBUS. */
	uint8_t byte;
	struct iovec local = { &byte, 1 }, remote = { p->mem.base + addr, 1 };
	if (process_vm_readv(getpid(), &local, 1, &remote, 1, 0) != 1)
		return 1;
	/* The file grew past addr, so past every page before it: let them through. */
	write_lock(p);
	gaddr_t lim = SC_PAGE_DOWN(addr) + SC_PAGE;
	v->eof = lim < v->end ? lim : 0;
	uc_engine *uc;
	FOR_ENGINES(p, uc)
		engine_protect(uc, v);
	write_unlock(p);
	return 2;
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
	write_lock(p);
	int r = 0;
	for (size_t i = 0; i < p->mem.nvmas && !r; i++) {
		struct sc_vma *v = &p->mem.vmas[i];
		r = engine_map(uc, p, v, v->start, v->end);
	}
	if (!r)
		r = mem_add_engine(p, uc);
	write_unlock(p);
	return r;
}
