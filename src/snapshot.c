/* Snapshot and restore of a guest process between runs.
 *
 * Memory: guest memory is host memory (base + guest address), so a snapshot keeps the
 * contents of the pages that are resident (mincore) in each private mapping, and a restore
 * copies them back and drops the pages that have become resident since (an untouched
 * anonymous page reads as zeros again). Which pages need copying back is tracked (see
 * "dirty pages" below for the methods and their costs). Mappings: an AFTER hook notes any syscall that changes the address
 * space; only then is the mapping list reconciled with the snapshot's (the fast path compares
 * nothing). Descriptors: the same hook notes descriptors the guest makes (closed on restore)
 * and snapshot descriptors it touches (dup'ed back from a saved copy, offset and flags put
 * back). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "hooks.h"
#include "mem.h"

struct snap_vma {
	struct sc_vma v;         /* name owned */
	uint8_t *resident;       /* [pages]: mincore at the snapshot */
	uint8_t *data;           /* the resident pages' contents, in order */
	uint32_t *index;         /* [pages]: where page i's contents are in data */
	size_t npages;
	bool private;
	bool recreated;          /* mapped again by this restore: every page comes back */
};

struct snap_fd {
	int fd, saved, fdflags, flflags;
	off_t off;               /* -1: not seekable */
};

struct snap_file {
	int fd;                  /* the memfd (api files, stdin) */
	uint8_t *data;
	size_t size;
	off_t off;
};

struct sc_snapshot {
	uc_context *ctx;
	struct snap_vma *vmas;
	size_t nvmas;
	struct sc_mem mem;       /* the scalar fields: brk, mmap_top, stack_top */
	struct sc_process proc;  /* signal state, tid address, robust list, limits */
	bool pending;
	struct snap_fd *fds;
	size_t nfds;
	struct snap_file *files;
	size_t nfiles;
	/* since the snapshot or the last restore */
	bool vm_changed, prot_changed, fd_scan;
	struct { gaddr_t start, end; } prot[16]; /* ranges mprotect changed (else prot_changed) */
	size_t nprot;
	uint8_t *touched, *created; /* bitmaps by descriptor */
	size_t fdbits;
	bool dropped;            /* madvise may have dropped pages: copy everything back */
	syscorn_hook hook;
	int dirty_mode;          /* DIRTY_* */
	int uffd, pagemap;       /* DIRTY_UFFD: the userfaultfd, /proc/self/pagemap */
	pid_t pid;               /* a fork child copies: the registration stayed behind */
	struct sc_page_region *regions;
};

/* ------------------------------------------------------------------------ bookkeeping */

static void fd_mark(struct sc_snapshot *s, uint8_t *map, int64_t fd)
{
	if (fd < 0 || (uint64_t)fd >= s->fdbits)
		return;
	map[fd / 8] |= (uint8_t)(1u << (fd % 8));
}

static bool fd_is(const uint8_t *map, size_t bits, int fd)
{
	return fd >= 0 && (size_t)fd < bits && (map[fd / 8] >> (fd % 8) & 1);
}

static const char *const makes_fd[] = {
	"open", "openat", "openat2", "creat", "dup", "dup2", "dup3", "accept", "accept4",
	"socket", "eventfd", "eventfd2", "epoll_create", "epoll_create1", "memfd_create",
	"timerfd_create", "signalfd", "signalfd4", "inotify_init", "inotify_init1", "userfaultfd",
	"pidfd_open", "pidfd_getfd", "fanotify_init", "perf_event_open", "io_uring_setup",
	"open_tree", "fsopen", "fsmount", "open_by_handle_at", "memfd_secret", NULL
};

static bool listed(const char *name, const char *const *l)
{
	for (; *l; l++)
		if (!strcmp(name, *l))
			return true;
	return false;
}

static syscorn_action bookkeeping(struct sc_thread *t, syscorn_syscall *c, void *data)
{
	struct sc_snapshot *s = data;
	struct sc_process *p = t->proc;
	if (!c->name)
		return SYSCORN_CONTINUE;
	if (c->classes & SYSCORN_SC_MEMORY) {
		if (!strcmp(c->name, "mprotect") || !strcmp(c->name, "pkey_mprotect")) {
			s->vm_changed = true;
			if (s->nprot < sizeof s->prot / sizeof *s->prot) {
				s->prot[s->nprot].start = c->args[0];
				s->prot[s->nprot++].end = c->args[0] + SC_PAGE_UP(c->args[1]);
			} else {
				s->prot_changed = true;
			}
		}
		else if (!strcmp(c->name, "madvise"))
			s->dropped = true;
		else if (strcmp(c->name, "mincore") && strcmp(c->name, "msync"))
			s->vm_changed = true;
	}
	if (!(c->classes & (SYSCORN_SC_DESC | SYSCORN_SC_NETWORK)) &&
	    strcmp(c->name, "close_range"))
		return SYSCORN_CONTINUE;
	for (int i = 0; i < c->nargs; i++)
		if (!strcmp(c->arg_types[i], "fd") || !strcmp(c->arg_types[i], "dirfd"))
			fd_mark(s, s->touched, (int32_t)c->args[i]);
	if (!strcmp(c->name, "close_range") || !strcmp(c->name, "recvmsg") ||
	    !strcmp(c->name, "recvmmsg")) {
		s->fd_scan = true;
		return SYSCORN_CONTINUE;
	}
	if (c->ret < 0)
		return SYSCORN_CONTINUE;
	/* F_DUPFD (0) and F_DUPFD_CLOEXEC (1030) make a descriptor; other commands do not. */
	if (listed(c->name, makes_fd) ||
	    (!strcmp(c->name, "fcntl") && (c->args[1] == 0 || c->args[1] == 1030))) {
		fd_mark(s, s->created, c->ret);
		fd_mark(s, s->touched, c->ret);
	} else if (!strcmp(c->name, "pipe") || !strcmp(c->name, "pipe2") ||
		   !strcmp(c->name, "socketpair")) {
		int32_t fds[2];
		if (!copy_from_guest(p, fds, c->args[!strcmp(c->name, "socketpair") ? 3 : 0],
				     sizeof fds)) {
			fd_mark(s, s->created, fds[0]);
			fd_mark(s, s->created, fds[1]);
		}
	}
	return SYSCORN_CONTINUE;
}

/* ------------------------------------------------------------------------ freeing */

static void snap_free(struct sc_process *p, struct sc_snapshot *s)
{
	if (!s)
		return;
	if (s->hook)
		sc_hook_del(p, s->hook);
	if (s->ctx)
		uc_context_free(s->ctx);
	for (size_t i = 0; i < s->nvmas; i++) {
		free(s->vmas[i].v.name);
		free(s->vmas[i].resident);
		free(s->vmas[i].data);
		free(s->vmas[i].index);
	}
	free(s->vmas);
	for (size_t i = 0; i < s->nfds; i++)
		close(s->fds[i].saved);
	free(s->fds);
	for (size_t i = 0; i < s->nfiles; i++)
		free(s->files[i].data);
	free(s->files);
	free(s->touched);
	free(s->created);
	if (s->uffd >= 0)
		close(s->uffd);
	if (s->pagemap >= 0)
		close(s->pagemap);
	free(s->regions);
	free(s);
}

void sc_snapshot_free(struct sc_process *p)
{
	if (p->api) {
		snap_free(p, p->api->snap);
		p->api->snap = NULL;
	}
}

/* ------------------------------------------------------------------------ dirty pages
 *
 * Which pages to copy back at a restore:
 *   DIRTY_UFFD  the pages written since the last restore, as the kernel reports them: every
 *               writable private mapping is registered with a userfaultfd in asynchronous
 *               write-protect mode, and one PAGEMAP_SCAN per mapping returns the written
 *               ranges and protects them again (Linux 6.7).
 *   DIRTY_COPY  every page that was resident at the snapshot, and mincore to find the ones
 *               that became resident since: the fallback (older kernels, a fork child, where
 *               the registration is not inherited, or SYSCORN_DIRTY=copy).
 * Measured on the planted-bug fuzz target (bench/fuzz; arm64, x86-64): copying, a restore
 * took 21/18 us and a run 12/10 us; with the kernel's list 46/53 us and 25/29 us, as every
 * first write of a run takes a protection fault and every protection change a TLB flush. So
 * copying is the default while the snapshot holds little memory, and the kernel's list takes
 * over above DIRTY_UFFD_PAGES resident pages, where copying grows with the memory (0.25 us a
 * page) and tracking with the writes. (SYSCORN_DIRTY=copy|uffd forces one.) Soft-dirty bits
 * (/proc/self/clear_refs + pagemap) were the third candidate: their clear is process-wide
 * (the emulator's own memory too), and on the measuring machine's kernel (no
 * CONFIG_MEM_SOFT_DIRTY) they are never set at all. */
#define DIRTY_UFFD_PAGES 1024
enum { DIRTY_COPY, DIRTY_UFFD };

static int host_prot(int prot)
{
	int h = prot & (PROT_READ | PROT_WRITE);
	return prot & PROT_EXEC ? h | PROT_READ : h;
}

/* From Linux 6.7's linux/fs.h and linux/userfaultfd.h (Debian 12's headers predate them). */
struct sc_page_region {
	uint64_t start, end, categories;
};
struct sc_pm_scan_arg {
	uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages, category_inverted,
		category_mask, category_anyof_mask, return_mask;
};
#define SC_PAGEMAP_SCAN _IOWR('f', 16, struct sc_pm_scan_arg)
#define SC_PAGE_IS_WRITTEN (1u << 1)
#define SC_PM_SCAN_WP_MATCHING (1u << 0)
#define SC_PM_SCAN_CHECK_WPASYNC (1u << 1)
#define SC_UFFD_FEATURE_WP_UNPOPULATED (1u << 13)
#define SC_UFFD_FEATURE_WP_ASYNC (1u << 15)
#define SC_NREGIONS 64

static bool private_writable(const struct sc_vma *v)
{
	return (v->prot & PROT_WRITE) && !(v->flags & VMA_SHARED);
}

/* Write-protects [h, h+len) again: the next write marks it written. */
static int uffd_protect(struct sc_snapshot *s, uint8_t *h, size_t len)
{
	struct uffdio_writeprotect wp = { .range = { (uintptr_t)h, len },
					  .mode = UFFDIO_WRITEPROTECT_MODE_WP };
	return ioctl(s->uffd, UFFDIO_WRITEPROTECT, &wp);
}

/* Registers and protects every writable private mapping of the guest. */
static int uffd_arm(struct sc_process *p, struct sc_snapshot *s)
{
	for (size_t i = 0; i < p->mem.nvmas; i++) {
		const struct sc_vma *v = &p->mem.vmas[i];
		if (!private_writable(v))
			continue;
		uint8_t *h = p->mem.base + v->start;
		size_t len = v->end - v->start;
		struct uffdio_register reg = { .range = { (uintptr_t)h, len },
					       .mode = UFFDIO_REGISTER_MODE_WP };
		if (ioctl(s->uffd, UFFDIO_REGISTER, &reg) || uffd_protect(s, h, len))
			return -1;
	}
	return 0;
}

static void dirty_off(struct sc_snapshot *s)
{
	if (s->uffd >= 0)
		close(s->uffd);
	if (s->pagemap >= 0)
		close(s->pagemap);
	s->uffd = s->pagemap = -1;
	s->dirty_mode = DIRTY_COPY;
}

static void dirty_init(struct sc_process *p, struct sc_snapshot *s)
{
	const char *m = getenv("SYSCORN_DIRTY");
	s->dirty_mode = DIRTY_COPY;
	s->pid = getpid();
	size_t resident = 0;
	for (size_t i = 0; i < s->nvmas; i++)
		if (private_writable(&s->vmas[i].v))
			resident += s->vmas[i].npages;
	if ((m && !strcmp(m, "copy")) || (!(m && !strcmp(m, "uffd")) && resident < DIRTY_UFFD_PAGES))
		return;
	s->uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
	s->pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	uint64_t want = SC_UFFD_FEATURE_WP_UNPOPULATED | SC_UFFD_FEATURE_WP_ASYNC;
	struct uffdio_api api = { .api = UFFD_API, .features = want };
	if (s->uffd < 0 || s->pagemap < 0 || ioctl(s->uffd, UFFDIO_API, &api) ||
	    (api.features & want) != want ||
	    (s->uffd = sc_api_own_fd(p, s->uffd)) < 0 ||
	    (s->pagemap = sc_api_own_fd(p, s->pagemap)) < 0 ||
	    !(s->regions = malloc(SC_NREGIONS * sizeof *s->regions)) || uffd_arm(p, s)) {
		dirty_off(s);
		return;
	}
	/* A scan now tells whether PAGEMAP_SCAN exists at all. */
	struct sc_pm_scan_arg arg = { .size = sizeof arg, .start = (uintptr_t)p->mem.base,
				      .end = (uintptr_t)p->mem.base + SC_PAGE,
				      .vec = (uintptr_t)s->regions, .vec_len = SC_NREGIONS,
				      .category_mask = SC_PAGE_IS_WRITTEN,
				      .return_mask = SC_PAGE_IS_WRITTEN };
	if (ioctl(s->pagemap, SC_PAGEMAP_SCAN, &arg) < 0) {
		dirty_off(s);
		return;
	}
	s->dirty_mode = DIRTY_UFFD;
}

/* Page states of [h, h + n pages) for the copying restore: bit 0 resident now, bit 1 to be
 * copied back (when it was resident at the snapshot). */
static void page_states(struct sc_snapshot *s, uint8_t *h, size_t n, uint8_t *out)
{
	(void)s;
	if (mincore(h, n * SC_PAGE, out))
		memset(out, 1, n);
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)((out[i] & 1) | 2);
}

/* Puts back the written pages [from, to) of a mapping, then protects them again. */
static void uffd_restore_range(struct snap_vma *sv, struct sc_snapshot *s, uint8_t *h,
			       uint64_t from, uint64_t to)
{
	size_t first = (size_t)(from - (uintptr_t)h) / SC_PAGE;
	size_t last = (size_t)(to - (uintptr_t)h) / SC_PAGE;
	size_t drop_from = 0, drop_n = 0;
	for (size_t pg = first; pg <= last; pg++) {
		if (pg < last && !sv->resident[pg]) {
			if (!drop_n)
				drop_from = pg;
			drop_n++;
			continue;
		}
		if (drop_n) {
			madvise(h + drop_from * SC_PAGE, drop_n * SC_PAGE, MADV_DONTNEED);
			drop_n = 0;
		}
		if (pg < last)
			memcpy(h + pg * SC_PAGE, sv->data + (size_t)sv->index[pg] * SC_PAGE, SC_PAGE);
	}
	uffd_protect(s, (uint8_t *)(uintptr_t)from, to - from);
}

/* The fast restore of one writable mapping: only what the kernel saw written. */
static bool uffd_restore_vma(struct sc_process *p, struct sc_snapshot *s, struct snap_vma *sv)
{
	uint8_t *h = p->mem.base + sv->v.start;
	uint64_t start = (uintptr_t)h, end = start + (sv->v.end - sv->v.start);
	while (start < end) {
		struct sc_pm_scan_arg arg = {
			.size = sizeof arg, .flags = SC_PM_SCAN_WP_MATCHING | SC_PM_SCAN_CHECK_WPASYNC,
			.start = start, .end = end, .vec = (uintptr_t)s->regions,
			.vec_len = SC_NREGIONS, .category_mask = SC_PAGE_IS_WRITTEN,
			.return_mask = SC_PAGE_IS_WRITTEN
		};
		long n = ioctl(s->pagemap, SC_PAGEMAP_SCAN, &arg);
		if (n < 0)
			return false;
		for (long i = 0; i < n; i++)
			uffd_restore_range(sv, s, h, s->regions[i].start, s->regions[i].end);
		if (n < SC_NREGIONS || arg.walk_end >= end || arg.walk_end <= start)
			break;
		start = arg.walk_end;
	}
	return true;
}

/* Puts one private mapping's contents back. `all`: every saved page, whatever the tracker
 * says; `compare`: copy only pages that differ (keeps code translations). Returns true when
 * anything changed. */
static bool restore_vma(struct sc_process *p, struct sc_snapshot *s, struct snap_vma *sv,
			bool all, bool compare)
{
	const struct sc_vma *v = &sv->v;
	size_t pages = (v->end - v->start) / SC_PAGE;
	uint8_t *h = p->mem.base + v->start;
	bool unprotect = !(v->prot & PROT_WRITE) || !(v->prot & PROT_READ);
	bool changed = false;
	if (unprotect)
		mprotect(h, pages * SC_PAGE, PROT_READ | PROT_WRITE);
	uint8_t st[512];
	for (size_t base = 0; base < pages; base += sizeof st) {
		size_t n = pages - base < sizeof st ? pages - base : sizeof st;
		page_states(s, h + base * SC_PAGE, n, st);
		size_t drop_from = 0, drop_n = 0;
		for (size_t i = 0; i <= n; i++) {
			size_t pg = base + i;
			if (i < n && !sv->resident[pg] && (st[i] & 1)) {
				if (!drop_n)
					drop_from = pg;
				drop_n++;
				continue;
			}
			if (drop_n) {
				/* Not there at the snapshot: an anonymous page reads as zeros. */
				madvise(h + drop_from * SC_PAGE, drop_n * SC_PAGE, MADV_DONTNEED);
				drop_n = 0;
				changed = true;
			}
			if (i == n || !sv->resident[pg] || (!all && !(st[i] & 2)))
				continue;
			uint8_t *src = sv->data + (size_t)sv->index[pg] * SC_PAGE;
			uint8_t *dst = h + pg * SC_PAGE;
			if (compare && !memcmp(dst, src, SC_PAGE))
				continue;
			memcpy(dst, src, SC_PAGE);
			changed = true;
		}
	}
	if (unprotect)
		mprotect(h, pages * SC_PAGE, host_prot(v->prot));
	return changed;
}

/* ------------------------------------------------------------------------ taking */

static int save_vma(struct sc_process *p, struct snap_vma *sv, const struct sc_vma *v)
{
	sv->v = *v;
	sv->v.name = v->name ? strdup(v->name) : NULL;
	if (v->name && !sv->v.name)
		return -1;
	sv->private = !(v->flags & VMA_SHARED);
	if (!sv->private)
		return 0;
	size_t pages = (v->end - v->start) / SC_PAGE;
	if (!(sv->resident = calloc(pages, 1)))
		return -1;
	uint8_t *h = p->mem.base + v->start;
	if (mincore(h, pages * SC_PAGE, sv->resident))
		memset(sv->resident, 1, pages); /* cannot tell: keep everything */
	for (size_t i = 0; i < pages; i++)
		sv->resident[i] &= 1;
	if (!(sv->index = malloc(pages * sizeof *sv->index)))
		return -1;
	for (size_t i = 0; i < pages; i++) {
		sv->index[i] = (uint32_t)sv->npages;
		sv->npages += sv->resident[i];
	}
	if (!sv->npages)
		return 0;
	if (!(sv->data = malloc(sv->npages * SC_PAGE)))
		return -1;
	/* A page the guest cannot read is still readable for us once unprotected. */
	bool ro = !(v->prot & PROT_READ);
	if (ro)
		mprotect(h, pages * SC_PAGE, PROT_READ);
	for (size_t i = 0, k = 0; i < pages; i++)
		if (sv->resident[i])
			memcpy(sv->data + k++ * SC_PAGE, h + i * SC_PAGE, SC_PAGE);
	if (ro)
		mprotect(h, pages * SC_PAGE, PROT_NONE);
	return 0;
}

static int save_fds(struct sc_process *p, struct sc_snapshot *s)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	int dfd = dirfd(d), maxfd = 0;
	struct dirent *e;
	size_t cap = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		int fd = atoi(e->d_name);
		if (fd == dfd)
			continue;
		if (s->nfds == cap) {
			cap = cap ? cap * 2 : 32;
			struct snap_fd *n = realloc(s->fds, cap * sizeof *n);
			if (!n) {
				closedir(d);
				return -1;
			}
			s->fds = n;
		}
		struct snap_fd *f = &s->fds[s->nfds];
		f->fd = fd;
		f->fdflags = fcntl(fd, F_GETFD);
		f->flflags = fcntl(fd, F_GETFL);
		f->off = lseek(fd, 0, SEEK_CUR);
		f->saved = fcntl(fd, F_DUPFD_CLOEXEC, p->api->high_fd);
		if (f->saved < 0)
			continue;
		s->nfds++;
		if (fd > maxfd)
			maxfd = fd;
	}
	closedir(d);
	s->fdbits = (size_t)(maxfd < p->api->high_fd ? p->api->high_fd : maxfd) + 64;
	s->touched = calloc(s->fdbits / 8 + 1, 1);
	s->created = calloc(s->fdbits / 8 + 1, 1);
	return s->touched && s->created ? 0 : -1;
}

static int save_file(struct snap_file *f, int fd, bool keep_offset)
{
	struct stat st;
	f->fd = fd;
	f->off = keep_offset ? lseek(fd, 0, SEEK_CUR) : 0;
	if (fstat(fd, &st))
		return -1;
	f->size = (size_t)st.st_size;
	if (!(f->data = malloc(f->size ? f->size : 1)))
		return -1;
	return pread(fd, f->data, f->size, 0) == (ssize_t)f->size ? 0 : -1;
}

syscorn_err syscorn_snapshot(syscorn *p)
{
	if (!p)
		return SYSCORN_ERR_ARG;
	struct sc_api *a = p->api;
	if (!a->built || a->running || p->exit.done)
		return SYSCORN_ERR_STATE;
	if (!sc_process_single_threaded(p))
		return SYSCORN_ERR_UNSUPPORTED;
	sc_snapshot_free(p);
	struct sc_snapshot *s = calloc(1, sizeof *s);
	if (!s)
		return SYSCORN_ERR_NOMEM;
	s->pagemap = s->uffd = -1;
	syscorn_err e = SYSCORN_ERR_NOMEM;
	if (uc_context_alloc(p->uc, &s->ctx) != UC_ERR_OK || uc_context_save(p->uc, s->ctx)) {
		e = SYSCORN_ERR_ENGINE;
		goto fail;
	}
	s->nvmas = p->mem.nvmas;
	if (!(s->vmas = calloc(s->nvmas ? s->nvmas : 1, sizeof *s->vmas)))
		goto fail;
	for (size_t i = 0; i < s->nvmas; i++)
		if (save_vma(p, &s->vmas[i], &p->mem.vmas[i]))
			goto fail;
	s->mem = p->mem;
	s->proc = *p;
	s->pending = a->pending;
	if (save_fds(p, s)) {
		e = SYSCORN_ERR_HOST;
		goto fail;
	}
	s->nfiles = a->nfiles + (a->stdin_fd >= 0);
	if (!(s->files = calloc(s->nfiles ? s->nfiles : 1, sizeof *s->files)))
		goto fail;
	for (size_t i = 0; i < a->nfiles; i++)
		if (save_file(&s->files[i], a->files[i].fd, false))
			goto fail;
	if (a->stdin_fd >= 0 && save_file(&s->files[a->nfiles], a->stdin_fd, true))
		goto fail;
	if ((e = sc_hook_add(p, SYSCORN_HOOK_AFTER, "%desc,%memory,%network,close_range",
			     SC_ORDER_FIRST, bookkeeping, NULL, s, &s->hook)))
		goto fail;
	dirty_init(p, s);
	a->snap = s;
	a->restores = 0;
	return SYSCORN_OK;
fail:
	snap_free(p, s);
	return e;
}

syscorn_err syscorn_snapshot_drop(syscorn *p)
{
	if (!p)
		return SYSCORN_ERR_ARG;
	if (!p->api->snap)
		return SYSCORN_ERR_NO_SNAPSHOT;
	if (p->api->running)
		return SYSCORN_ERR_STATE;
	sc_snapshot_free(p);
	return SYSCORN_OK;
}

/* ------------------------------------------------------------------------ restoring */

static bool same_vma(const struct sc_vma *a, const struct sc_vma *b)
{
	return a->start == b->start && a->end == b->end && a->prot == b->prot &&
	       a->flags == b->flags && a->offset == b->offset &&
	       (a->name == NULL) == (b->name == NULL) && (!a->name || !strcmp(a->name, b->name));
}

static void restore_memory(struct sc_process *p, struct sc_snapshot *s)
{
	if (s->vm_changed) {
		/* Mappings that differ from the snapshot's go; the snapshot's missing ones come
		 * back (anonymous: their contents are restored below). */
		for (size_t i = p->mem.nvmas; i-- > 0;) {
			const struct sc_vma *v = &p->mem.vmas[i];
			bool keep = false;
			for (size_t j = 0; j < s->nvmas && !keep; j++)
				keep = same_vma(v, &s->vmas[j].v);
			if (!keep)
				mem_unmap(p, v->start, v->end - v->start);
		}
		for (size_t j = 0; j < s->nvmas; j++) {
			const struct sc_vma *sv = &s->vmas[j].v;
			const struct sc_vma *now = mem_find(p, sv->start);
			if (now && same_vma(now, sv))
				continue;
			int hflags = (sv->flags & VMA_SHARED ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS;
			mem_map(p, sv->start, sv->end - sv->start, sv->prot, hflags, -1, 0, sv->flags,
				sv->name);
			/* mem_map keeps the offset of file mappings only with a file. */
			const struct sc_vma *nv = mem_find(p, sv->start);
			if (nv)
				((struct sc_vma *)nv)->offset = sv->offset;
			s->vmas[j].recreated = true;
		}
	}
	bool slow = s->vm_changed || s->dropped;
	if (s->dirty_mode == DIRTY_UFFD && s->pid != getpid())
		dirty_off(s), slow = true;
	for (size_t j = 0; j < s->nvmas; j++) {
		struct snap_vma *sv = &s->vmas[j];
		if (!sv->private)
			continue;
		if (!slow && s->dirty_mode == DIRTY_UFFD && private_writable(&sv->v) &&
		    uffd_restore_vma(p, s, sv))
			continue;
		bool writable = sv->v.prot & PROT_WRITE, reprotected = s->prot_changed;
		for (size_t k = 0; k < s->nprot && !reprotected; k++)
			reprotected = s->prot[k].start < sv->v.end && sv->v.start < s->prot[k].end;
		if (!writable && !reprotected && !sv->recreated)
			continue;
		/* Read-only mappings are compared first: unchanged code keeps its translations. */
		bool changed = restore_vma(p, s, sv, !writable || slow, !writable && !sv->recreated);
		if (changed && (sv->v.prot & PROT_EXEC))
			uc_ctl_remove_cache(p->uc, sv->v.start, sv->v.end);
		sv->recreated = false;
	}
	/* After the slow path the mappings may be new ones: register and protect them all. */
	if (slow && s->dirty_mode == DIRTY_UFFD && uffd_arm(p, s))
		dirty_off(s);
	struct sc_mem *m = &p->mem;
	m->brk_start = s->mem.brk_start;
	m->brk_cur = s->mem.brk_cur;
	m->brk_mapped = s->mem.brk_mapped;
	m->mmap_top = s->mem.mmap_top;
	m->stack_top = s->mem.stack_top;
}

static const struct snap_fd *snap_fd_find(const struct sc_snapshot *s, int fd)
{
	for (size_t i = 0; i < s->nfds; i++)
		if (s->fds[i].fd == fd)
			return &s->fds[i];
	return NULL;
}

static bool own_fd(const struct sc_process *p, const struct sc_snapshot *s, int fd)
{
	const struct sc_api *a = p->api;
	if (fd == a->stdin_fd || fd == a->image_fd || fd == s->uffd || fd == s->pagemap)
		return true;
	for (size_t i = 0; i < a->nfiles; i++)
		if (a->files[i].fd == fd)
			return true;
	for (size_t i = 0; i < s->nfds; i++)
		if (s->fds[i].saved == fd)
			return true;
	return false;
}

static void restore_fds(struct sc_process *p, struct sc_snapshot *s)
{
	if (s->fd_scan) {
		/* The guest may have made or closed any descriptor: compare the whole table. */
		DIR *d = opendir("/proc/self/fd");
		if (d) {
			int dfd = dirfd(d);
			struct dirent *e;
			while ((e = readdir(d))) {
				int fd = atoi(e->d_name);
				if (e->d_name[0] != '.' && fd != dfd && !snap_fd_find(s, fd) &&
				    !own_fd(p, s, fd))
					fd_mark(s, s->created, fd);
			}
			closedir(d);
		}
		memset(s->touched, 0xff, s->fdbits / 8 + 1);
	}
	for (size_t fd = 0; fd < s->fdbits; fd++) {
		if (!(fd & 7) && !s->created[fd / 8]) {
			fd += 7; /* a byte of nothing */
			continue;
		}
		if (fd_is(s->created, s->fdbits, (int)fd) && !snap_fd_find(s, (int)fd) &&
		    !own_fd(p, s, (int)fd))
			close((int)fd);
	}
	for (size_t i = 0; i < s->nfds; i++) {
		const struct snap_fd *f = &s->fds[i];
		if (!fd_is(s->touched, s->fdbits, f->fd) && !fd_is(s->created, s->fdbits, f->fd))
			continue;
		dup2(f->saved, f->fd);
		fcntl(f->fd, F_SETFD, f->fdflags);
		fcntl(f->fd, F_SETFL, f->flflags);
		if (f->off >= 0)
			lseek(f->fd, f->off, SEEK_SET);
	}
	memset(s->touched, 0, s->fdbits / 8 + 1);
	memset(s->created, 0, s->fdbits / 8 + 1);
	s->fd_scan = false;
}

static void restore_files(struct sc_snapshot *s)
{
	for (size_t i = 0; i < s->nfiles; i++) {
		struct snap_file *f = &s->files[i];
		/* Rewritten each time: the guest's writes leave no cheap trace to test for. */
		for (size_t done = 0; done < f->size;) {
			ssize_t k = pwrite(f->fd, f->data + done, f->size - done, (off_t)done);
			if (k <= 0)
				break;
			done += (size_t)k;
		}
		if (ftruncate(f->fd, (off_t)f->size)) {
		}
		lseek(f->fd, f->off, SEEK_SET);
	}
}

/* What the process keeps besides memory, registers and descriptors. (Per-thread signal state,
 * the mask and the alternate stack, belongs to the signal code and is not covered yet.) */
static void restore_proc(struct sc_process *p, const struct sc_process *o)
{
	memset(&p->exit, 0, sizeof p->exit);
	memcpy(p->sigactions, o->sigactions, sizeof p->sigactions);
	p->sigpending = o->sigpending;
	p->tid_address = o->tid_address;
	p->robust_list = o->robust_list;
	p->robust_len = o->robust_len;
	memcpy(p->vrlimit, o->vrlimit, sizeof p->vrlimit);
	p->vrlimit_set = o->vrlimit_set;
}

syscorn_err syscorn_restore(syscorn *p)
{
	if (!p)
		return SYSCORN_ERR_ARG;
	struct sc_api *a = p->api;
	struct sc_snapshot *s = a->snap;
	if (!s)
		return SYSCORN_ERR_NO_SNAPSHOT;
	if (a->running)
		return SYSCORN_ERR_STATE;
	restore_memory(p, s);
	if (uc_context_restore(p->uc, s->ctx) != UC_ERR_OK)
		return SYSCORN_ERR_ENGINE;
	restore_fds(p, s);
	restore_files(s);
	restore_proc(p, &s->proc);
	sc_process_revive(p);
	a->pending = s->pending;
	a->end = -1;
	p->stop = false;
	s->vm_changed = s->prot_changed = s->dropped = false;
	s->nprot = 0;
	a->restores++;
	return SYSCORN_OK;
}
