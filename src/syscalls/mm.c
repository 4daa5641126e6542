/* Memory syscalls: brk, mmap, munmap, mprotect, mremap, madvise, msync, mlock family. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../mem.h"
#include "../syscall.h"

/* Guest MAP_* values are the same on both guests and the host (MAP_32BIT is x86-64 only). */
#define GUEST_MAP_TYPE 0x0f
#define GUEST_MAP_FIXED 0x10
#define GUEST_MAP_ANONYMOUS 0x20
#define GUEST_MAP_FIXED_NOREPLACE 0x100000

SYSCALL_DEFINE1(brk, ptr, addr)
{
	struct sc_process *p = t->proc;
	struct sc_mem *m = &p->mem;
	if (addr < m->brk_start)
		return (long)m->brk_cur;
	gaddr_t want = SC_PAGE_UP(addr);
	if (want > m->brk_mapped) {
		if (!mem_range_free(p, m->brk_mapped, want - m->brk_mapped))
			return (long)m->brk_cur;
		if (mem_map(p, m->brk_mapped, want - m->brk_mapped, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, VMA_ANON | VMA_HEAP, "[heap]"))
			return (long)m->brk_cur;
	} else if (want < m->brk_mapped) {
		mem_unmap(p, want, m->brk_mapped - want);
	}
	m->brk_mapped = want;
	m->brk_cur = addr;
	return (long)addr;
}

SYSCALL_DEFINE6(mmap, ptr, addr, size, len, prot, prot, mflags, flags, fd, fd, off, offset)
{
	struct sc_process *p = t->proc;
	if (!len)
		return -EINVAL;
	if ((uint64_t)offset % SC_PAGE)
		return -EINVAL;
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL;
	int type = flags & GUEST_MAP_TYPE;
	if (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE)
		return -EINVAL;
	uint64_t size = SC_PAGE_UP(len);
	if (size < len || size > p->mem.size)
		return -ENOMEM;
	bool fixed = flags & (GUEST_MAP_FIXED | GUEST_MAP_FIXED_NOREPLACE);
	if (fixed && addr % SC_PAGE)
		return -EINVAL;
	gaddr_t at = 0;
	if (fixed) {
		at = addr;
		if ((flags & GUEST_MAP_FIXED_NOREPLACE) && !(flags & GUEST_MAP_FIXED) &&
		    !mem_range_free(p, at, size))
			return -EEXIST;
	} else if (addr && SC_PAGE_UP(addr) >= addr && mem_range_free(p, SC_PAGE_UP(addr), size)) {
		at = SC_PAGE_UP(addr); /* a free hint is honoured, as the kernel does */
	} else {
		at = mem_find_free(p, size);
		if (!at)
			return -ENOMEM;
	}
	bool anon = flags & GUEST_MAP_ANONYMOUS;
	int hflags = (type == MAP_PRIVATE ? MAP_PRIVATE : MAP_SHARED) | (anon ? MAP_ANONYMOUS : 0);
	char name[64] = "";
	if (!anon) {
		char link[64];
		snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
		ssize_t n = readlink(link, name, sizeof name - 1);
		name[n > 0 ? n : 0] = 0;
	}
	long r = mem_map(p, at, size, prot, hflags, anon ? -1 : fd, anon ? 0 : offset,
			 (anon ? VMA_ANON : 0) | (type != MAP_PRIVATE ? VMA_SHARED : 0),
			 name[0] ? name : NULL);
	return r ? r : (long)at;
}

SYSCALL_DEFINE2(munmap, ptr, addr, size, len)
{
	if (addr % SC_PAGE || !len)
		return -EINVAL;
	uint64_t size = SC_PAGE_UP(len);
	if (addr >= t->proc->mem.size || size > t->proc->mem.size - addr)
		return -EINVAL;
	return mem_unmap(t->proc, addr, size);
}

SYSCALL_DEFINE3(mprotect, ptr, addr, size, len, prot, prot)
{
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN | PROT_GROWSUP))
		return -EINVAL;
	return mem_protect(t->proc, addr, SC_PAGE_UP(len), prot & (PROT_READ | PROT_WRITE | PROT_EXEC));
}

SYSCALL_DEFINE5(mremap, ptr, old_addr, size, old_len, size, new_len, int, flags, ptr, new_addr)
{
	if (old_addr % SC_PAGE || !new_len || (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED)))
		return -EINVAL;
	if ((flags & MREMAP_FIXED) && (!(flags & MREMAP_MAYMOVE) || new_addr % SC_PAGE))
		return -EINVAL;
	uint64_t olen = SC_PAGE_UP(old_len), nlen = SC_PAGE_UP(new_len);
	if (!olen)
		return -EINVAL; /* duplicating shared mappings (old_len 0): not supported */
	return mem_remap(t->proc, old_addr, olen, nlen, flags & MREMAP_MAYMOVE,
			 (flags & MREMAP_FIXED) ? new_addr : 0);
}

static bool advice_known(int advice)
{
	switch (advice) {
	case MADV_NORMAL: case MADV_RANDOM: case MADV_SEQUENTIAL: case MADV_WILLNEED:
	case MADV_DONTNEED: case MADV_FREE: case MADV_DONTFORK: case MADV_DOFORK:
	case MADV_HUGEPAGE: case MADV_NOHUGEPAGE: case MADV_DONTDUMP: case MADV_DODUMP:
	case MADV_MERGEABLE: case MADV_UNMERGEABLE: case MADV_COLD: case MADV_PAGEOUT:
		return true;
	default:
		return false;
	}
}

SYSCALL_DEFINE3(madvise, ptr, addr, size, len, int, advice)
{
	struct sc_process *p = t->proc;
	if (addr % SC_PAGE || !advice_known(advice))
		return -EINVAL;
	uint64_t size = SC_PAGE_UP(len);
	if (!size)
		return 0;
	if (!mem_range_mapped(p, addr, size))
		return -ENOMEM;
	void *h = guest_io_buf(p, addr, size);
	if (!h)
		return -ENOMEM;
	/* The host mapping is the guest's, so the host's madvise has the guest's semantics
	 * (MADV_DONTNEED zeroes private anonymous pages and re-reads file pages). */
	return madvise(h, size, advice) ? -errno : 0;
}

SYSCALL_DEFINE3(msync, ptr, addr, size, len, int, flags)
{
	if (addr % SC_PAGE)
		return -EINVAL;
	uint64_t size = SC_PAGE_UP(len);
	if (size && !mem_range_mapped(t->proc, addr, size))
		return -ENOMEM;
	void *h = guest_io_buf(t->proc, addr, size);
	return h ? (msync(h, size, flags) ? -errno : 0) : -ENOMEM;
}

SYSCALL_DEFINE2(mlock, ptr, addr, size, len)
{
	return mem_range_mapped(t->proc, SC_PAGE_DOWN(addr), SC_PAGE_UP(len + addr % SC_PAGE)) ? 0 : -ENOMEM;
}

SYSCALL_DEFINE2(munlock, ptr, addr, size, len)
{
	return mem_range_mapped(t->proc, SC_PAGE_DOWN(addr), SC_PAGE_UP(len + addr % SC_PAGE)) ? 0 : -ENOMEM;
}

SYSCALL_DEFINE1(mlockall, int, flags)
{
	(void)t;
	return flags ? 0 : -EINVAL;
}

SYSCALL_DEFINE0(munlockall)
{
	(void)t;
	return 0;
}
