/* abi: the places where the arm64 and x86-64 syscall ABIs differ (or are easy to get wrong):
 * struct stat vs statx, open-flag numbering as seen by F_GETFL, errno values and the raw
 * -errno return convention, argument/preserved registers, struct epoll_event packing. */
#include "check.h"

#include <fcntl.h>
#include <stdint.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

static char dir[] = "/tmp/syscorn-abi-XXXXXX";
static int dfd = -1;

/* ---------------------------------------------------------------- raw syscalls */
#if defined(__x86_64__)
static long raw6(long n, long a, long b, long c, long d, long e, long f)
{
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

/* Load known values into the argument registers and r12, do getppid, read them back. The
 * kernel preserves everything except rax (result), rcx and r11. */
static int regs_preserved(void)
{
	unsigned long out[8];
	long nr = SYS_getppid;
	__asm__ volatile("mov $0x1111, %%rdi\n\t"
			 "mov $0x2222, %%rsi\n\t"
			 "mov $0x3333, %%rdx\n\t"
			 "mov $0x4444, %%r10\n\t"
			 "mov $0x5555, %%r8\n\t"
			 "mov $0x6666, %%r9\n\t"
			 "mov $0x7777, %%r12\n\t"
			 "syscall\n\t"
			 "mov %%rdi, 0(%[o])\n\t"
			 "mov %%rsi, 8(%[o])\n\t"
			 "mov %%rdx, 16(%[o])\n\t"
			 "mov %%r10, 24(%[o])\n\t"
			 "mov %%r8, 32(%[o])\n\t"
			 "mov %%r9, 40(%[o])\n\t"
			 "mov %%r12, 48(%[o])\n\t"
			 "mov %%rsp, 56(%[o])\n\t"
			 : "+a"(nr)
			 : [o] "r"(out)
			 : "rcx", "r11", "rdi", "rsi", "rdx", "r10", "r8", "r9", "r12", "memory");
	for (int i = 0; i < 7; i++)
		if (out[i] != 0x1111UL * (i + 1))
			return 0;
	return nr > 0;
}
#elif defined(__aarch64__)
static long raw6(long n, long a, long b, long c, long d, long e, long f)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	register long x5 __asm__("x5") = f;
	__asm__ volatile("svc #0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory");
	return x0;
}

/* The kernel preserves every register except x0 (result). */
static int regs_preserved(void)
{
	unsigned long out[16];
	long ret;
	__asm__ volatile("mov x1, #0x1111\n\t"
			 "mov x2, #0x2222\n\t"
			 "mov x3, #0x3333\n\t"
			 "mov x4, #0x4444\n\t"
			 "mov x5, #0x5555\n\t"
			 "mov x6, #0x6666\n\t"
			 "mov x7, #0x7777\n\t"
			 "mov x9, #0x9999\n\t"
			 "mov x10, #0xaaaa\n\t"
			 "mov x11, #0xbbbb\n\t"
			 "mov x12, #0xcccc\n\t"
			 "mov x13, #0xdddd\n\t"
			 "mov x14, #0xeeee\n\t"
			 "mov x15, #0xffff\n\t"
			 "mov x8, %[nr]\n\t"
			 "svc #0\n\t"
			 "stp x1, x2, [%[o]]\n\t"
			 "stp x3, x4, [%[o], #16]\n\t"
			 "stp x5, x6, [%[o], #32]\n\t"
			 "stp x7, x8, [%[o], #48]\n\t"
			 "stp x9, x10, [%[o], #64]\n\t"
			 "stp x11, x12, [%[o], #80]\n\t"
			 "stp x13, x14, [%[o], #96]\n\t"
			 "str x15, [%[o], #112]\n\t"
			 "mov %[ret], x0\n\t"
			 : [ret] "=r"(ret)
			 : [o] "r"(out), [nr] "i"(SYS_getppid)
			 : "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12",
			   "x13", "x14", "x15", "memory");
	static const unsigned long want[15] = {0x1111, 0x2222, 0x3333, 0x4444, 0x5555, 0x6666, 0x7777,
					       SYS_getppid, 0x9999, 0xaaaa, 0xbbbb, 0xcccc, 0xdddd, 0xeeee, 0xffff};
	for (int i = 0; i < 15; i++)
		if (out[i] != want[i])
			return 0;
	return ret > 0;
}
#endif

static void test_raw(void)
{
	long pg = 4096;
	char buf[8];
	int fd;

	CHECK(regs_preserved(), "syscall preserves the registers the ABI says it does");
	CHECK_EQ(raw6(SYS_close, 999, 0, 0, 0, 0, 0), -EBADF, "raw close(999) returns -EBADF");
	CHECK_EQ(raw6(SYS_openat, AT_FDCWD, (long)"/missing-xyz", O_RDONLY, 0, 0, 0), -ENOENT, "raw openat missing returns -ENOENT");
	CHECK_EQ(raw6(9999, 0, 0, 0, 0, 0, 0), -ENOSYS, "raw syscall 9999 returns -ENOSYS");
	CHECK_EQ(raw6(SYS_getpid, 0, 0, 0, 0, 0, 0), getpid(), "raw getpid");

	/* all six argument registers: mmap with a file offset */
	fd = openat(dfd, "six", O_RDWR | O_CREAT, 0644);
	for (int i = 0; i < 3; i++) {
		memset(buf, 'a' + i, sizeof buf);
		pwrite(fd, buf, sizeof buf, i * pg);
	}
	{
		long r = raw6(SYS_mmap, 0, pg, PROT_READ, MAP_PRIVATE, fd, 2 * pg);
		CHECK(r > 0 && (r & (pg - 1)) == 0, "raw mmap with 6 arguments");
		CHECK(r > 0 && ((char *)r)[0] == 'c', "6th argument (offset) reached the kernel");
		if (r > 0)
			munmap((void *)r, pg);
	}
	/* 4th argument: x86-64 passes it in r10, not rcx */
	memset(buf, 0, sizeof buf);
	CHECK_EQ(raw6(SYS_pread64, fd, (long)buf, 4, pg, 0, 0), 4, "raw pread64 (4th argument)");
	CHECK_MEM(buf, "bbbb", 4, "4th argument (offset) reached the kernel");
	CHECK_EQ(raw6(SYS_read, fd, 1, 4, 0, 0, 0), -EFAULT, "raw read into a bad pointer returns -EFAULT");
	close(fd);
}

/* ---------------------------------------------------------------- stat vs statx */
static void compare_stat(const char *what, const struct stat *st, const struct k_statx *sx)
{
	CHECK(sx->stx_size == (uint64_t)st->st_size, "%s: size agrees", what);
	CHECK(sx->stx_mode == st->st_mode, "%s: mode agrees", what);
	CHECK(sx->stx_nlink == st->st_nlink, "%s: nlink agrees", what);
	CHECK(sx->stx_uid == st->st_uid && sx->stx_gid == st->st_gid, "%s: uid/gid agree", what);
	CHECK(sx->stx_blksize == (uint32_t)st->st_blksize, "%s: blksize agrees", what);
	CHECK(sx->stx_blocks == (uint64_t)st->st_blocks, "%s: blocks agree", what);
	CHECK(sx->stx_ino == (uint64_t)st->st_ino, "%s: ino agrees", what);
	CHECK(makedev(sx->stx_dev_major, sx->stx_dev_minor) == st->st_dev, "%s: dev agrees", what);
	CHECK(makedev(sx->stx_rdev_major, sx->stx_rdev_minor) == st->st_rdev, "%s: rdev agrees", what);
	CHECK(sx->stx_atime.tv_sec == st->st_atim.tv_sec && sx->stx_atime.tv_nsec == (uint32_t)st->st_atim.tv_nsec,
	      "%s: atime agrees", what);
	CHECK(sx->stx_mtime.tv_sec == st->st_mtim.tv_sec && sx->stx_mtime.tv_nsec == (uint32_t)st->st_mtim.tv_nsec,
	      "%s: mtime agrees", what);
	CHECK(sx->stx_ctime.tv_sec == st->st_ctim.tv_sec && sx->stx_ctime.tv_nsec == (uint32_t)st->st_ctim.tv_nsec,
	      "%s: ctime agrees", what);
}

static void test_stat(void)
{
	struct timespec ts[2] = {{1111111111, 222222222}, {1333333333, 444444444}};
	unsigned char raw[512];
	struct stat st, *rst = (struct stat *)raw;
	struct k_statx sx;
	int fd;

	fd = openat(dfd, "f", O_RDWR | O_CREAT, 0640);
	CHECK_SYS(fchmod(fd, 0640), "fchmod 0640");
	CHECK_SYS(ftruncate(fd, 12345), "ftruncate 12345");
	CHECK_SYS(linkat(dfd, "f", dfd, "f2", 0), "linkat");
	CHECK_SYS(utimensat(dfd, "f", ts, 0), "utimensat fixed times");
	CHECK_SYS(symlinkat("f", dfd, "sl"), "symlinkat");
	CHECK_SYS(mkdirat(dfd, "d", 0750), "mkdirat");

	CHECK_SYS(fstatat(dfd, "f", &st, 0), "stat f");
	CHECK_SYS(k_statx(dfd, "f", 0, K_STATX_BASIC_STATS, &sx), "statx f");
	compare_stat("file", &st, &sx);
	CHECK_EQ(st.st_size, 12345, "file: st_size");
	CHECK_EQ(st.st_mode, S_IFREG | 0640, "file: st_mode");
	CHECK_EQ(st.st_nlink, 2, "file: st_nlink");
	CHECK_EQ(st.st_uid, getuid(), "file: st_uid");
	CHECK(st.st_atim.tv_sec == 1111111111 && st.st_atim.tv_nsec == 222222222, "file: st_atim");
	CHECK(st.st_mtim.tv_sec == 1333333333 && st.st_mtim.tv_nsec == 444444444, "file: st_mtim");
	CHECK(st.st_blksize > 0, "file: st_blksize > 0");
	CHECK(st.st_blocks * 512 < st.st_size, "file: sparse, st_blocks*512 < st_size");

	CHECK_SYS(fstat(fd, &st), "fstat f");
	CHECK_SYS(k_statx(fd, "", AT_EMPTY_PATH, K_STATX_BASIC_STATS, &sx), "statx AT_EMPTY_PATH f");
	compare_stat("fstat", &st, &sx);
	close(fd);

	CHECK_SYS(fstatat(dfd, "sl", &st, AT_SYMLINK_NOFOLLOW), "lstat sl");
	CHECK_SYS(k_statx(dfd, "sl", AT_SYMLINK_NOFOLLOW, K_STATX_BASIC_STATS, &sx), "statx sl nofollow");
	compare_stat("symlink", &st, &sx);
	CHECK(S_ISLNK(st.st_mode) && st.st_size == 1, "symlink: S_IFLNK, size 1");

	CHECK_SYS(fstatat(dfd, "d", &st, 0), "stat d");
	CHECK_SYS(k_statx(dfd, "d", 0, K_STATX_BASIC_STATS, &sx), "statx d");
	compare_stat("dir", &st, &sx);
	CHECK_EQ(st.st_mode, S_IFDIR | 0750, "dir: st_mode");

	CHECK_SYS(stat("/dev/null", &st), "stat /dev/null");
	CHECK_SYS(k_statx(AT_FDCWD, "/dev/null", 0, K_STATX_BASIC_STATS, &sx), "statx /dev/null");
	compare_stat("/dev/null", &st, &sx);
	CHECK(S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3, "/dev/null: char device 1:3");

	/* the raw syscall writes exactly the kernel's struct stat, which is libc's struct stat */
	memset(raw, 0xa5, sizeof raw);
	CHECK_SYS(syscall(SYS_newfstatat, dfd, "f", raw, 0), "raw newfstatat");
	CHECK(rst->st_size == 12345 && rst->st_nlink == 2 && rst->st_mode == (S_IFREG | 0640), "raw newfstatat fields");
	CHECK(raw[sizeof(struct stat)] == 0xa5, "raw newfstatat writes no more than sizeof(struct stat)");
#ifdef __x86_64__
	CHECK_EQ(sizeof(struct stat), 144, "struct stat is 144 bytes");
#else
	CHECK_EQ(sizeof(struct stat), 128, "struct stat is 128 bytes");
#endif
	memset(raw, 0xa5, sizeof raw);
	CHECK_SYS(k_statx(dfd, "f", 0, K_STATX_BASIC_STATS, raw), "raw statx");
	CHECK(raw[256] == 0xa5, "statx writes no more than 256 bytes");
	CHECK(((struct k_statx *)raw)->stx_size == 12345, "raw statx size");
#ifdef __x86_64__
	memset(raw, 0xa5, sizeof raw);
	CHECK_SYS(syscall(SYS_stat, "/dev/null", raw), "x86 stat /dev/null");
	CHECK(S_ISCHR(rst->st_mode) && raw[144] == 0xa5, "x86 stat fields and size");
#endif
}

/* ---------------------------------------------------------------- open flags */
static void test_flags(void)
{
	struct flagname {
		int flag;
		const char *name;
	};
	int fd, fl, base_lf;

	/* O_LARGEFILE: a 64-bit kernel forces it on (F_GETFL shows it); qemu-user loses it. Either
	 * way it must be consistent, so it is masked out below after this check. */
	fd = openat(dfd, "f", O_RDONLY);
	base_lf = fcntl(fd, F_GETFL) & K_O_LARGEFILE;
	close(fd);
	fd = openat(dfd, "f", O_RDONLY | K_O_LARGEFILE);
	CHECK_SYS(fd, "open with O_LARGEFILE (kernel value)");
	CHECK_EQ(fcntl(fd, F_GETFL) & K_O_LARGEFILE, base_lf, "F_GETFL O_LARGEFILE same with or without it at open");
	close(fd);

#define GETFL(fd) (fcntl((fd), F_GETFL) & ~K_O_LARGEFILE)
	fd = CHECK_SYS(openat(dfd, "d", O_RDONLY | O_DIRECTORY), "open O_DIRECTORY on a dir");
	CHECK_EQ(GETFL(fd), K_O_DIRECTORY, "F_GETFL == O_DIRECTORY (arch value)");
	close(fd);
	CHECK_ERR(openat(dfd, "f", O_RDONLY | K_O_DIRECTORY), ENOTDIR, "open O_DIRECTORY (arch value) on a file");
	CHECK_ERR(openat(dfd, "sl", O_RDONLY | K_O_NOFOLLOW), ELOOP, "open O_NOFOLLOW (arch value) on a symlink");
	fd = CHECK_SYS(openat(dfd, "f", O_RDONLY | O_NOFOLLOW), "open O_NOFOLLOW on a file");
	CHECK_EQ(GETFL(fd), K_O_NOFOLLOW, "F_GETFL == O_NOFOLLOW (arch value)");
	close(fd);
	fd = openat(dfd, "f", O_RDWR | K_O_DIRECT);
	if (fd < 0) {
		CHECK_EQ(errno, EINVAL, "open O_DIRECT fails only with EINVAL");
		NOTE("O_DIRECT open: EINVAL (filesystem without direct I/O)");
	} else {
		NOTE("O_DIRECT open: ok");
		CHECK_EQ(GETFL(fd), O_RDWR | K_O_DIRECT, "F_GETFL == O_RDWR|O_DIRECT (arch value)");
		close(fd);
	}
	fd = CHECK_SYS(openat(dfd, "f", O_WRONLY | O_APPEND | O_NONBLOCK | O_DSYNC | O_NOCTTY | O_TRUNC | O_CLOEXEC), "open with many flags");
	CHECK_EQ(GETFL(fd), O_WRONLY | O_APPEND | O_NONBLOCK | O_DSYNC, "F_GETFL keeps O_APPEND|O_NONBLOCK|O_DSYNC, drops O_NOCTTY|O_TRUNC|O_CLOEXEC");
	close(fd);
	fd = CHECK_SYS(openat(dfd, "f", O_RDWR | O_SYNC), "open O_SYNC");
	CHECK_EQ(GETFL(fd), O_RDWR | O_SYNC, "F_GETFL == O_RDWR|O_SYNC");
	/* F_SETFL round trip of every settable flag */
	CHECK_SYS(fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK | O_NOATIME | K_O_DIRECT), "F_SETFL settable flags");
	fl = GETFL(fd);
	if (fl & K_O_DIRECT)
		CHECK_EQ(fl, O_RDWR | O_SYNC | O_APPEND | O_NONBLOCK | O_NOATIME | K_O_DIRECT, "F_GETFL after F_SETFL");
	else
		CHECK_EQ(fl, O_RDWR | O_SYNC | O_APPEND | O_NONBLOCK | O_NOATIME, "F_GETFL after F_SETFL (no O_DIRECT here)");
	CHECK_SYS(fcntl(fd, F_SETFL, 0), "F_SETFL 0");
	CHECK_EQ(GETFL(fd), O_RDWR | O_SYNC, "F_GETFL after F_SETFL 0 (O_SYNC is not settable)");
	close(fd);
	{
		int p[2];
		pipe(p);
		CHECK_SYS(fcntl(p[0], F_SETFL, O_ASYNC | O_NONBLOCK), "F_SETFL O_ASYNC|O_NONBLOCK on a pipe");
		CHECK_EQ(GETFL(p[0]), O_RDONLY | O_ASYNC | O_NONBLOCK, "F_GETFL == O_ASYNC|O_NONBLOCK");
		CHECK_SYS(fcntl(p[0], F_SETFL, 0), "F_SETFL 0 on the pipe");
		CHECK_EQ(GETFL(p[0]), O_RDONLY, "F_GETFL == O_RDONLY");
		close(p[0]);
		close(p[1]);
	}
	fd = CHECK_SYS(openat(dfd, "sl", O_PATH | O_NOFOLLOW), "open O_PATH|O_NOFOLLOW");
	CHECK_EQ(GETFL(fd), O_PATH | K_O_NOFOLLOW, "F_GETFL == O_PATH|O_NOFOLLOW");
	close(fd);
	fd = CHECK_SYS(openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), "open . O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC");
	CHECK_EQ(GETFL(fd), K_O_DIRECTORY | K_O_NOFOLLOW, "F_GETFL == O_DIRECTORY|O_NOFOLLOW");
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC, "O_CLOEXEC as FD_CLOEXEC");
	close(fd);
	fd = openat(dfd, "f", O_RDONLY | O_TRUNC | O_CREAT | O_EXCL, 0600);
	CHECK(fd < 0 && errno == EEXIST, "O_CREAT|O_EXCL existing -> EEXIST");
#undef GETFL
	CHECK_EQ(O_DIRECTORY, K_O_DIRECTORY, "libc O_DIRECTORY is the kernel value");
	CHECK_EQ(O_NOFOLLOW, K_O_NOFOLLOW, "libc O_NOFOLLOW is the kernel value");
	CHECK_EQ(O_DIRECT, K_O_DIRECT, "libc O_DIRECT is the kernel value");
}

/* ---------------------------------------------------------------- errno values */
static void test_errno(void)
{
	char buf[256];
	struct stat st;
	int fd;

	CHECK_ERR(openat(dfd, "missing", O_RDONLY), ENOENT, "errno ENOENT");
	CHECK_ERR(mkdirat(dfd, "d", 0755), EEXIST, "errno EEXIST");
	CHECK_ERR(openat(dfd, "f/x", O_RDONLY), ENOTDIR, "errno ENOTDIR");
	CHECK_ERR(openat(dfd, "d", O_WRONLY), EISDIR, "errno EISDIR");
	CHECK_ERR(read(-1, buf, 1), EBADF, "errno EBADF");
	CHECK_ERR(lseek(0, 0, 99), EINVAL, "errno EINVAL");
	CHECK_ERR(syscall(SYS_fstat, dfd, (void *)1), EFAULT, "errno EFAULT");
	CHECK_ERR(syscall(9999), ENOSYS, "errno ENOSYS");
	CHECK_ERR(unlinkat(dfd, ".", AT_REMOVEDIR), EINVAL, "errno EINVAL (rmdir .)");
	close(openat(dfd, "d/x", O_WRONLY | O_CREAT, 0644));
	CHECK_ERR(unlinkat(dfd, "d", AT_REMOVEDIR), ENOTEMPTY, "errno ENOTEMPTY");
	unlinkat(dfd, "d/x", 0);
	CHECK_ERR(openat(dfd, "sl", O_RDONLY | O_NOFOLLOW), ELOOP, "errno ELOOP");
	fd = openat(dfd, "f", O_RDONLY);
	CHECK_ERR(fstatat(fd, "x", &st, 0), ENOTDIR, "errno ENOTDIR (file as dirfd)");
	close(fd);
	{
		int p[2];
		pipe(p);
		CHECK_ERR(lseek(p[0], 0, SEEK_SET), ESPIPE, "errno ESPIPE");
		close(p[0]);
		close(p[1]);
	}
	CHECK_ERR(syscall(SYS_getcwd, buf, 1), ERANGE, "errno ERANGE");
	CHECK_ERR(ioctl(dfd, TCGETS, buf), ENOTTY, "errno ENOTTY");
	NOTE("errno numbers: ENOENT=%d EEXIST=%d ENOTDIR=%d EISDIR=%d EBADF=%d EINVAL=%d EFAULT=%d ENOSYS=%d",
	     ENOENT, EEXIST, ENOTDIR, EISDIR, EBADF, EINVAL, EFAULT, ENOSYS);
}

/* ---------------------------------------------------------------- epoll_event packing */
static void test_epoll(void)
{
	struct epoll_event ev, out[4];
	int ep, p1[2], p2[2], n, seen = 0;

	memset(out, 0xa5, sizeof out);
	pipe(p1);
	pipe(p2);
	ep = CHECK_SYS(epoll_create1(EPOLL_CLOEXEC), "epoll_create1");
	CHECK_EQ(fcntl(ep, F_GETFD), FD_CLOEXEC, "EPOLL_CLOEXEC");
	ev.events = EPOLLIN;
	ev.data.u64 = 0x1122334455667788ULL;
	CHECK_SYS(epoll_ctl(ep, EPOLL_CTL_ADD, p1[0], &ev), "epoll_ctl ADD pipe 1");
	ev.events = EPOLLIN | EPOLLET;
	ev.data.u64 = 0x99aabbccddeeff00ULL;
	CHECK_SYS(epoll_ctl(ep, EPOLL_CTL_ADD, p2[0], &ev), "epoll_ctl ADD pipe 2");
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, p2[0], &ev), EEXIST, "epoll_ctl ADD twice");
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev), EINVAL, "epoll_ctl ADD itself");
	CHECK_EQ(epoll_wait(ep, out, 4, 0), 0, "epoll_wait nothing ready");
	write(p1[1], "x", 1);
	write(p2[1], "y", 1);
	n = epoll_wait(ep, out, 4, 1000);
	CHECK_EQ(n, 2, "epoll_wait: both ready");
	for (int i = 0; i < n && i < 4; i++) {
		if (out[i].events == EPOLLIN && out[i].data.u64 == 0x1122334455667788ULL)
			seen |= 1;
		if (out[i].events == EPOLLIN && out[i].data.u64 == 0x99aabbccddeeff00ULL)
			seen |= 2;
	}
	CHECK_EQ(seen, 3, "epoll_event events/data read back at the arch's layout");
	{
		unsigned char *after = (unsigned char *)&out[2];
		CHECK(after[0] == 0xa5, "epoll_wait wrote only the returned events");
	}
	CHECK_EQ(epoll_wait(ep, out, 4, 0), 1, "edge-triggered pipe not reported again, level-triggered is");
	ev.events = EPOLLOUT;
	ev.data.u64 = 42;
	CHECK_SYS(epoll_ctl(ep, EPOLL_CTL_MOD, p1[0], &ev), "epoll_ctl MOD");
	CHECK_EQ(epoll_wait(ep, out, 4, 0), 0, "read end not writable");
	CHECK_SYS(epoll_ctl(ep, EPOLL_CTL_DEL, p1[0], NULL), "epoll_ctl DEL");
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_DEL, p1[0], NULL), ENOENT, "epoll_ctl DEL again");
	{
		sigset_t mask;
		sigemptyset(&mask);
		CHECK_EQ(epoll_pwait(ep, out, 4, 0, &mask), 0, "epoll_pwait nothing new");
	}
	CHECK_ERR(epoll_wait(ep, out, 0, 0), EINVAL, "epoll_wait maxevents 0");
	close(ep);
	close(p1[0]);
	close(p1[1]);
	close(p2[0]);
	close(p2[1]);
}

int main(void)
{
	umask(022);
	if (!mkdtemp(dir) || (dfd = open(dir, O_RDONLY | O_DIRECTORY)) < 0) {
		printf("FAIL setup: cannot make the work directory (%s)\n", errno_name(errno));
		return 1;
	}
	test_raw();
	test_stat();
	test_flags();
	test_errno();
	test_epoll();
	unlinkat(dfd, "six", 0);
	unlinkat(dfd, "f", 0);
	unlinkat(dfd, "f2", 0);
	unlinkat(dfd, "sl", 0);
	unlinkat(dfd, "d", AT_REMOVEDIR);
	close(dfd);
	CHECK_SYS(rmdir(dir), "remove the work directory");
	return check_done();
}
