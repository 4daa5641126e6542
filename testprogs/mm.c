/* mm: memory-management syscalls: brk, mmap (anonymous, file private/shared, fixed), munmap,
 * mprotect, mremap, madvise, msync, a large sparse mapping; bad pointers given to syscalls,
 * among them pointers into the pages of a file mapping beyond the end of the file. */
#include "check.h"

#include <fcntl.h>
#include <stdint.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static long pg;
static int tfd = -1;	/* scratch file for EFAULT probes and file mappings */
static int tfd_ro = -1;	/* the same file, O_RDONLY */
static char tpath[] = "/tmp/syscorn-mm-XXXXXX";

static int all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++)
		if (c[i])
			return 0;
	return 1;
}

/* Does the kernel see [p, p+1) as readable?  write() from it to the scratch file. */
static long probe_read(const void *p)
{
	return syscall(SYS_pwrite64, tfd, p, 1, 0);
}

/* ... as writable?  read() into it from the scratch file (which is at least 1 byte). */
static long probe_write(void *p)
{
	return syscall(SYS_pread64, tfd, p, 1, 0);
}

static void test_brk(void)
{
	/* Do all brk calls first and report afterwards: printing may malloc, and malloc uses the
	 * break too (its cached value must still be right when it runs). */
	uintptr_t cur, cur2, grown, shrunk, regrown, back, huge, low;
	int zero_new, zero_regrown = 0, wrote = 0;
	size_t mib = 1 << 20;

	cur = syscall(SYS_brk, 0);
	cur2 = syscall(SYS_brk, 0);
	uintptr_t start = (cur + pg - 1) & ~(uintptr_t)(pg - 1);
	grown = syscall(SYS_brk, cur + mib);
	zero_new = grown == cur + mib && all_zero((void *)start, cur + mib - start);
	if (grown == cur + mib) {
		memset((void *)start, 0xab, cur + mib - start);
		wrote = ((unsigned char *)cur)[mib - 1] == 0xab;
	}
	shrunk = syscall(SYS_brk, start + 64 * 1024);
	regrown = syscall(SYS_brk, cur + mib);
	if (regrown == cur + mib)
		zero_regrown = all_zero((void *)(start + 64 * 1024), cur + mib - start - 64 * 1024);
	back = syscall(SYS_brk, cur);
	huge = syscall(SYS_brk, cur + (1UL << 46));
	low = syscall(SYS_brk, 4096);

	CHECK(cur != 0, "brk(0) returns the current break");
	CHECK(cur2 == cur, "brk(0) again returns the same");
	CHECK(grown == cur + mib, "brk grows by 1 MiB");
	CHECK(zero_new, "new brk memory reads as zeros");
	CHECK(wrote, "new brk memory is writable");
	CHECK(shrunk == start + 64 * 1024, "brk shrinks");
	CHECK(regrown == cur + mib, "brk grows again");
	CHECK(zero_regrown, "memory released by shrinking comes back zeroed");
	CHECK(back == cur, "brk back to the start");
	CHECK(huge == cur, "brk to an absurd size fails (returns the old break)");
	CHECK(low == cur, "brk below the heap start fails (returns the old break)");
	CHECK_EQ(syscall(SYS_brk, 0), cur, "brk(0) after all that");
	/* libc's own allocator still works */
	char *m = malloc(3 << 20);
	CHECK(m != NULL, "malloc 3 MiB");
	if (m) {
		memset(m, 1, 3 << 20);
		free(m);
	}
	m = malloc(100);
	CHECK(m != NULL, "malloc 100");
	free(m);
}

static void test_anon(void)
{
	unsigned char *p, *q;
	size_t n = 16 * pg;

	p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap anonymous 16 pages");
	CHECK(((uintptr_t)p & (pg - 1)) == 0, "mmap result is page aligned");
	CHECK(all_zero(p, n), "anonymous memory reads as zeros");
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 7);
	CHECK(p[n - 1] == (unsigned char)((n - 1) * 7) && p[pg] == (unsigned char)(pg * 7), "anonymous memory keeps what was written");
	CHECK_EQ(probe_write(p + 5), 1, "syscall can write into the mapping");
	CHECK_SYS(munmap(p, n), "munmap");
	CHECK_ERR(probe_read(p), EFAULT, "write() from unmapped memory");
	CHECK_ERR(probe_write(p + pg), EFAULT, "read() into unmapped memory");
	CHECK_SYS(munmap(p, n), "munmap of an unmapped range succeeds");

	/* hint: a free address is honored */
	q = mmap(p, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(q == p, "mmap honors a free hint address");
	munmap(q, pg);

	/* MAP_FIXED inside a PROT_NONE reservation; MAP_FIXED_NOREPLACE */
	p = mmap(NULL, 4 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap PROT_NONE reservation");
	CHECK_ERR(probe_read(p), EFAULT, "write() from PROT_NONE memory");
	q = mmap(p + pg, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(q == p + pg, "mmap MAP_FIXED at the requested address");
	q[0] = 1;
	CHECK_EQ(probe_read(p + pg), 1, "MAP_FIXED page is accessible");
	CHECK_ERR(probe_read(p + 2 * pg), EFAULT, "the next page is still PROT_NONE");
#ifdef __x86_64__ /* qemu-aarch64 7.2 (the arm64 reference) does not implement MAP_FIXED_NOREPLACE */
	q = mmap(p, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(q == MAP_FAILED && errno == EEXIST, "MAP_FIXED_NOREPLACE over a mapping -> EEXIST");
	munmap(p, 4 * pg);
	q = mmap(p, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(q == p, "MAP_FIXED_NOREPLACE on a free range");
	munmap(q, pg);
#else
	munmap(p, 4 * pg);
#endif

	/* misc flags */
	p = mmap(NULL, 8 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE | MAP_NORESERVE, -1, 0);
	CHECK(p != MAP_FAILED && all_zero(p, 8 * pg), "mmap MAP_POPULATE|MAP_NORESERVE");
	munmap(p, 8 * pg);
	p = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED && all_zero(p, 3 * pg), "mmap MAP_SHARED|MAP_ANONYMOUS");
	p[2 * pg] = 9;
	CHECK_EQ(p[2 * pg], 9, "shared anonymous memory writable");
	munmap(p, 3 * pg);
	p = mmap(NULL, 100, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED, "mmap of a non-page-multiple length");
	p[pg - 1] = 1; /* the rest of the page is mapped too */
	CHECK_SYS(munmap(p, 100), "munmap of a non-page-multiple length");

	/* errors */
	CHECK_ERR(syscall(SYS_mmap, 0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL, "mmap length 0");
	CHECK_ERR(syscall(SYS_mmap, 0, pg, PROT_READ, MAP_ANONYMOUS, -1, 0), EINVAL, "mmap without MAP_PRIVATE/MAP_SHARED");
	CHECK_ERR(syscall(SYS_mmap, 0, pg, PROT_READ, MAP_PRIVATE, -1, 0), EBADF, "mmap file with fd -1");
	CHECK_ERR(syscall(SYS_mmap, 0, pg, PROT_READ, MAP_PRIVATE, tfd, 100), EINVAL, "mmap unaligned offset");
	CHECK_ERR(syscall(SYS_mmap, pg + 1, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), EINVAL, "mmap MAP_FIXED unaligned address");
	CHECK_ERR(syscall(SYS_mmap, 0, -pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), ENOMEM, "mmap absurd length");
	CHECK_ERR(syscall(SYS_munmap, pg + 1, pg), EINVAL, "munmap unaligned");
	CHECK_ERR(syscall(SYS_munmap, pg, 0), EINVAL, "munmap length 0");
}

static void test_file_maps(void)
{
	unsigned char *p, buf[16];
	size_t fsize = pg + 100;
	unsigned char *data = malloc(fsize);
	int rofd;

	for (size_t i = 0; i < fsize; i++)
		data[i] = (unsigned char)(i % 251);
	CHECK_EQ(pwrite(tfd, data, fsize, 0), (long)fsize, "write the scratch file");

	/* MAP_PRIVATE: file contents; writes stay private; the tail of the last page is zero */
	p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, tfd, 0);
	CHECK(p != MAP_FAILED, "mmap file MAP_PRIVATE");
	CHECK_MEM(p, data, fsize, "MAP_PRIVATE shows the file contents");
	CHECK(all_zero(p + fsize, 2 * pg - fsize), "bytes past EOF in the last page are zero");
	p[0] = 0xee;
	p[pg] = 0xee;
	CHECK_EQ(pread(tfd, buf, 1, 0), 1, "pread after private write");
	CHECK_EQ(buf[0], data[0], "MAP_PRIVATE write not visible in the file");
	CHECK_EQ(pwrite(tfd, "Z", 1, 1), 1, "pwrite the file under an unwritten private page");
	CHECK_EQ(p[0], 0xee, "private copy kept");
	CHECK_SYS(munmap(p, 2 * pg), "munmap file mapping");
	CHECK_EQ(pwrite(tfd, data + 1, 1, 1), 1, "restore the file");

	/* offset mapping */
	p = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, tfd, pg);
	CHECK(p != MAP_FAILED, "mmap file at offset 1 page");
	CHECK_MEM(p, data + pg, 100, "offset mapping contents");
	munmap(p, pg);

	/* MAP_SHARED: writes reach the file; file writes reach the mapping */
	p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, tfd, 0);
	CHECK(p != MAP_FAILED, "mmap file MAP_SHARED");
	memcpy(p + 10, "shared!", 7);
	CHECK_SYS(msync(p, 2 * pg, MS_SYNC), "msync MS_SYNC");
	memset(buf, 0, sizeof buf);
	CHECK_EQ(pread(tfd, buf, 7, 10), 7, "pread after shared write");
	CHECK_MEM(buf, "shared!", 7, "MAP_SHARED write visible via read()");
	CHECK_EQ(pwrite(tfd, "file->map", 9, 30), 9, "pwrite into the shared file");
	CHECK_MEM(p + 30, "file->map", 9, "file write visible in the MAP_SHARED mapping");
	CHECK_SYS(msync(p, pg, MS_ASYNC), "msync MS_ASYNC");
	CHECK_SYS(msync(p, pg, MS_INVALIDATE), "msync MS_INVALIDATE");
	CHECK_ERR(msync(p, pg, MS_SYNC | MS_ASYNC), EINVAL, "msync MS_SYNC|MS_ASYNC");
	CHECK_ERR(msync(p + 1, pg, MS_SYNC), EINVAL, "msync unaligned");
	CHECK_SYS(munmap(p, 2 * pg), "munmap shared mapping");
	CHECK_ERR(msync(p, pg, MS_SYNC), ENOMEM, "msync unmapped");
	memset(buf, 0, sizeof buf);
	CHECK_EQ(pread(tfd, buf, 7, 10), 7, "pread after munmap");
	CHECK_MEM(buf, "shared!", 7, "shared write persists after munmap");

	rofd = tfd_ro;
	CHECK_ERR(syscall(SYS_mmap, 0, pg, PROT_READ | PROT_WRITE, MAP_SHARED, rofd, 0), EACCES, "mmap MAP_SHARED PROT_WRITE on O_RDONLY fd");
	p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, rofd, 0);
	CHECK(p != MAP_FAILED, "mmap MAP_PRIVATE PROT_WRITE on O_RDONLY fd is fine");
	munmap(p, pg);
	rofd = open("/tmp", O_RDONLY | O_DIRECTORY);
	CHECK_ERR(syscall(SYS_mmap, 0, pg, PROT_READ, MAP_PRIVATE, rofd, 0), ENODEV, "mmap a directory");
	close(rofd);
	free(data);
}

static void test_mprotect(void)
{
	unsigned char *p = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	memset(p, 'q', 3 * pg);
	CHECK_SYS(mprotect(p + pg, pg, PROT_READ), "mprotect PROT_READ");
	CHECK_ERR(probe_write(p + pg), EFAULT, "read() into a PROT_READ page");
	CHECK_EQ(p[pg], 'q', "PROT_READ page unchanged");
	CHECK_EQ(probe_read(p + pg), 1, "write() from a PROT_READ page works");
	CHECK_EQ(probe_write(p), 1, "neighbouring page still writable");
	CHECK_EQ(probe_write(p + 2 * pg), 1, "page after still writable");
	CHECK_SYS(mprotect(p + pg, pg, PROT_NONE), "mprotect PROT_NONE");
	CHECK_ERR(probe_read(p + pg), EFAULT, "write() from a PROT_NONE page");
	CHECK_SYS(mprotect(p + pg, pg, PROT_READ | PROT_WRITE), "mprotect back to RW");
	CHECK_EQ(p[pg], 'q', "contents survive PROT_NONE");
	CHECK_EQ(probe_write(p + pg), 1, "read() into the page again");
	CHECK_ERR(syscall(SYS_mprotect, p + 1, pg, PROT_READ), EINVAL, "mprotect unaligned"); /* musl rounds down */
	CHECK_ERR(mprotect(p, pg, 0x100000), EINVAL, "mprotect bad prot");
	CHECK_SYS(munmap(p, 3 * pg), "munmap");
	CHECK_ERR(mprotect(p, pg, PROT_READ), ENOMEM, "mprotect unmapped");
}

static void test_mremap(void)
{
	unsigned char *p, *q, *r, *t;

	p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(p, 'A', pg);
	q = mremap(p, pg, 64 * pg, MREMAP_MAYMOVE);
	CHECK(q != MAP_FAILED, "mremap grow MREMAP_MAYMOVE");
	CHECK(q[0] == 'A' && q[pg - 1] == 'A', "mremap keeps the contents");
	CHECK(all_zero(q + pg, 63 * pg), "mremap new part reads as zeros");
	q[64 * pg - 1] = 'B';
	CHECK_EQ(probe_read(q + 64 * pg - 1), 1, "mremap new part accessible to syscalls");
	r = mremap(q, 64 * pg, 2 * pg, 0);
	CHECK(r == q, "mremap shrink in place");
	CHECK_ERR(probe_read(q + 2 * pg), EFAULT, "shrunk-off part is unmapped");

	/* growing in place is impossible when the next page is taken */
	t = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(t + pg, 2 * pg);
	r = mmap(t + pg, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(r == t + pg, "guard mapping after a page");
	CHECK(mremap(t, pg, 2 * pg, 0) == MAP_FAILED && errno == ENOMEM, "mremap grow without MAYMOVE blocked -> ENOMEM");
	munmap(t, 2 * pg);

	/* MREMAP_FIXED: move to a chosen address; the old range goes away */
	t = mmap(NULL, 4 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	r = mremap(q, 2 * pg, 2 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, t + pg);
	CHECK(r == t + pg, "mremap MREMAP_FIXED to the chosen address");
	CHECK(r[0] == 'A' && r[1] == 'A', "MREMAP_FIXED keeps the contents");
	CHECK_ERR(probe_read(q), EFAULT, "old range unmapped after the move");
	munmap(t, 4 * pg);

	CHECK(mremap(p + 1, pg, 2 * pg, MREMAP_MAYMOVE) == MAP_FAILED && errno == EINVAL, "mremap unaligned -> EINVAL");
	CHECK(mremap(p, pg, 2 * pg, MREMAP_FIXED) == MAP_FAILED && errno == EINVAL, "mremap MREMAP_FIXED without MAYMOVE -> EINVAL");

	/* file mapping moves with its contents */
	p = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, tfd, 0);
	q = mremap(p, pg, 2 * pg, MREMAP_MAYMOVE);
	CHECK(q != MAP_FAILED, "mremap a file mapping");
	CHECK_MEM(q + 10, "shared!", 7, "moved file mapping contents");
	munmap(q, 2 * pg);
}

static void test_madvise(void)
{
	unsigned char *p = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	memset(p, 'x', 4 * pg);
	CHECK_SYS(madvise(p, 4 * pg, MADV_WILLNEED), "madvise MADV_WILLNEED");
	CHECK_SYS(madvise(p, 4 * pg, MADV_SEQUENTIAL), "madvise MADV_SEQUENTIAL");
	CHECK_SYS(madvise(p, 4 * pg, MADV_NORMAL), "madvise MADV_NORMAL");
	CHECK_SYS(madvise(p + pg, 2 * pg, MADV_DONTNEED), "madvise MADV_DONTNEED");
	CHECK(all_zero(p + pg, 2 * pg), "MADV_DONTNEED zeroes anonymous private memory");
	CHECK(p[0] == 'x' && p[4 * pg - 1] == 'x', "MADV_DONTNEED leaves the rest");
	CHECK_ERR(madvise(p + 1, pg, MADV_NORMAL), EINVAL, "madvise unaligned");
	munmap(p, 4 * pg);
#ifdef __x86_64__ /* qemu-aarch64 7.2 returns 0 for any advice, and for unmapped memory */
	CHECK_ERR(madvise(p, pg, 12345), EINVAL, "madvise bad advice");
	CHECK_ERR(madvise(p, pg, MADV_WILLNEED), ENOMEM, "madvise unmapped");
#endif
}

static void test_large(void)
{
	size_t n = 256UL << 20, step = 1 << 20;
	unsigned char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int ok = 1;

	CHECK(p != MAP_FAILED, "mmap 256 MiB");
	if (p == MAP_FAILED)
		return;
	for (size_t i = 0; i < n; i += step)
		ok &= p[i] == 0;
	CHECK(ok, "256 MiB mapping reads zeros (sparsely)");
	for (size_t i = 0; i < n; i += step)
		p[i + (i / step) % 4096] = (unsigned char)(i / step + 1);
	p[n - 1] = 0x5a;
	ok = 1;
	for (size_t i = 0; i < n; i += step)
		ok &= p[i + (i / step) % 4096] == (unsigned char)(i / step + 1);
	CHECK(ok && p[n - 1] == 0x5a, "256 MiB mapping keeps sparse writes");
	CHECK_EQ(probe_read(p + n - 1), 1, "syscall reads the end of the large mapping");
	CHECK_SYS(munmap(p, n), "munmap 256 MiB");
}

/* Syscalls given a pointer into the page of a file mapping that lies beyond the end of the file:
 * the kernel's copy faults there (SIGBUS for an access from user mode) and the call fails with
 * EFAULT; no signal. The same after the file shrinks under a mapping. Raw syscall()s: libc
 * must not touch the buffer itself (nor the vDSO for clock_gettime). qemu-aarch64 7.2 (the
 * arm64 reference) dies of an assertion on the copies it makes itself, so those checks are
 * x86-64 only; the copies the host kernel makes (pread, pwrite, getcwd) it gets right. */
static void test_beyond_eof(void)
{
	char path[] = "/tmp/syscorn-mm-eof-XXXXXX";
	int fd = mkstemp(path);
	unlink(path);
	CHECK(fd >= 0, "beyond EOF: scratch file");
	if (fd < 0)
		return;
	char *page = malloc(pg);
	memset(page, 'e', pg);
	CHECK_EQ(write(fd, page, pg), pg, "beyond EOF: a 1-page file");
	free(page);

	for (int shared = 0; shared < 2; shared++) {
		const char *kind = shared ? "MAP_SHARED" : "MAP_PRIVATE";
		char *map = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, shared ? MAP_SHARED : MAP_PRIVATE, fd, 0);
		CHECK(map != MAP_FAILED, "%s: 2-page mapping of a 1-page file", kind);
		if (map == MAP_FAILED)
			continue;
		char *beyond = map + pg;
		CHECK_EQ(map[pg - 1], 'e', "%s: the file's page is there", kind);
		/* the host kernel's own copies */
		CHECK_ERR(syscall(SYS_pwrite64, tfd, beyond, 1, 0), EFAULT, "%s: pwrite from the page beyond EOF", kind);
		CHECK_ERR(syscall(SYS_pread64, tfd, beyond, 1, 0), EFAULT, "%s: pread into it", kind);
		CHECK_ERR(syscall(SYS_getcwd, beyond, 256), EFAULT, "%s: getcwd into it", kind);
#ifdef __x86_64__
		/* results written into the page beyond EOF */
		CHECK_ERR(syscall(SYS_fstat, fd, beyond), EFAULT, "%s: fstat into it", kind);
		CHECK_ERR(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, beyond), EFAULT, "%s: clock_gettime into it", kind);
		CHECK_ERR(syscall(SYS_uname, beyond), EFAULT, "%s: uname into it", kind);
		CHECK_ERR(syscall(SYS_pipe2, beyond, 0), EFAULT, "%s: pipe2 into it", kind);
		CHECK_ERR(syscall(SYS_rt_sigaction, SIGUSR1, NULL, beyond, 8), EFAULT, "%s: rt_sigaction oldact into it", kind);
		/* ... and read from it */
		CHECK_ERR(syscall(SYS_rt_sigaction, SIGUSR1, beyond, NULL, 8), EFAULT, "%s: rt_sigaction act from it", kind);
		CHECK_ERR(syscall(SYS_rt_sigprocmask, SIG_BLOCK, beyond, NULL, 8), EFAULT, "%s: rt_sigprocmask set from it", kind);
		CHECK_ERR(syscall(SYS_openat, AT_FDCWD, beyond, O_RDONLY), EFAULT, "%s: openat a path in it", kind);
		CHECK_ERR(syscall(SYS_setitimer, ITIMER_REAL, beyond, NULL), EFAULT, "%s: setitimer from it", kind);
		/* a struct across the end of the file's page; a string that runs into the next */
		CHECK_ERR(syscall(SYS_fstat, fd, beyond - 16), EFAULT, "%s: fstat across EOF", kind);
		memset(beyond - 8, 'a', 8);
		CHECK_ERR(syscall(SYS_openat, AT_FDCWD, beyond - 8, O_RDONLY), EFAULT, "%s: openat a path running into it", kind);
#endif
		CHECK_SYS(munmap(map, 2 * pg), "%s: munmap", kind);
	}

#ifdef __x86_64__
	/* A 2-page file mapped whole, then truncated to 1 page. */
	CHECK_SYS(ftruncate(fd, 2 * pg), "truncated: the file grows to 2 pages");
	char *map = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(map != MAP_FAILED, "truncated: map 2 pages");
	if (map != MAP_FAILED) {
		struct stat st;
		CHECK_SYS(syscall(SYS_fstat, fd, map + pg), "truncated: fstat into the second page");
		memcpy(&st, map + pg, sizeof st);
		CHECK_EQ(st.st_size, 2 * pg, "truncated: fstat's result is there");
		CHECK_SYS(ftruncate(fd, pg), "truncated: shrink the file to 1 page");
		CHECK_ERR(syscall(SYS_fstat, fd, map + pg), EFAULT, "truncated: fstat into the page now beyond EOF");
		CHECK_ERR(syscall(SYS_uname, map + pg), EFAULT, "truncated: uname into it");
		CHECK_ERR(syscall(SYS_rt_sigaction, SIGUSR1, map + pg, NULL, 8), EFAULT, "truncated: rt_sigaction act from it");
		CHECK_SYS(ftruncate(fd, 2 * pg), "truncated: grow the file again");
		CHECK_SYS(syscall(SYS_uname, map + pg), "truncated: uname into the page, back inside the file");
		CHECK_STR(map + pg, "Linux", "truncated: uname's result is there");
		CHECK_SYS(munmap(map, 2 * pg), "truncated: munmap");
	}
#endif
	close(fd);
}

int main(void)
{
	pg = sysconf(_SC_PAGESIZE);
	CHECK_EQ(pg, 4096, "page size is 4096");
	tfd = mkstemp(tpath);
	tfd_ro = open(tpath, O_RDONLY);
	unlink(tpath); /* nothing left behind, even after a crash */
	if (tfd < 0 || tfd_ro < 0 || write(tfd, "x", 1) != 1) {
		printf("FAIL setup: cannot make the scratch file (%s)\n", errno_name(errno));
		return 1;
	}
	test_brk();
	test_anon();
	test_file_maps();
	test_mprotect();
	test_mremap();
	test_madvise();
	test_large();
	test_beyond_eof();
	close(tfd);
	close(tfd_ro);
	return check_done();
}
