/* trace: common syscalls with ordinary, edge and failing arguments, for the --strace tests
 * (tests/e2e/strace.sh diffs `syscorn --strace` against real strace on this program).
 * Bad fds, bad pointers, unknown flag bits, long strings (truncated by -s), binary data.
 * Works in the current directory with fixed relative names (the runners give it a fresh one),
 * so that every path in the trace is the same on every run. Raw syscall() is used where a
 * libc wrapper would change or check the arguments. stdout is fully buffered: the checks
 * reach the trace as one write at the end. */
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>

#ifndef O_TMPFILE
#define O_TMPFILE (020000000 | K_O_DIRECTORY)
#endif
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#endif
#ifndef MADV_FREE
#define MADV_FREE 8
#endif
#ifndef GRND_NONBLOCK
#define GRND_NONBLOCK 1
#endif

#define BAD ((void *)1) /* an address that is never mapped */

/* A line in the trace that marks a region: tests/e2e/strace.sh derives the arm64 expectation
 * from the x86-64 trace by dropping what lies between "x86-only" and "end" marks. */
static void mark(const char *what)
{
	char path[64];
	snprintf(path, sizeof path, "/trace-mark/%s", what);
	syscall(SYS_faccessat, AT_FDCWD, path, F_OK);
}

static char buf[8192];

static void files(void)
{
	long fd;
	static const char bin[] = "a\0b\1c\37d\177e\377f\"g\\h\ti\nj\rk\vl\fm\0017";
	char longpath[301];

	fd = CHECK_SYS(syscall(SYS_openat, AT_FDCWD, "trace-f1", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), "openat create");
	CHECK_EQ(syscall(SYS_write, fd, "hello\n", 6), 6, "write");
	CHECK_EQ(syscall(SYS_write, fd, bin, sizeof bin - 1), (long)sizeof bin - 1, "write binary");
	memset(buf, 'x', 100);
	CHECK_EQ(syscall(SYS_write, fd, buf, 100), 100, "write 100 bytes");
	CHECK_EQ(syscall(SYS_write, fd, "", 0), 0, "write nothing");
	CHECK_ERR(syscall(SYS_write, fd, BAD, 5), EFAULT, "write bad buffer");
	CHECK_ERR(syscall(SYS_write, -1, "x", 1), EBADF, "write fd -1");
	CHECK_ERR(syscall(SYS_write, 999, "x", 1), EBADF, "write fd 999");
	CHECK_SYS(syscall(SYS_close, fd), "close");
	CHECK_ERR(syscall(SYS_close, fd), EBADF, "close again");
	CHECK_ERR(syscall(SYS_close, -1), EBADF, "close -1");

	fd = CHECK_SYS(syscall(SYS_openat, AT_FDCWD, "trace-f1", O_RDONLY), "openat read");
	CHECK_EQ(syscall(SYS_read, fd, buf, 4), 4, "read 4");
	CHECK_ERR(syscall(SYS_read, fd, BAD, 10), EFAULT, "read bad buffer");
	CHECK_EQ(syscall(SYS_read, fd, buf, sizeof buf), 129, "read the rest");
	CHECK_EQ(syscall(SYS_read, fd, buf, sizeof buf), 0, "read at EOF");
	CHECK_ERR(syscall(SYS_read, 999, buf, 10), EBADF, "read bad fd");
	CHECK_EQ(syscall(SYS_lseek, fd, 0, SEEK_SET), 0, "lseek SEEK_SET");
	CHECK_EQ(syscall(SYS_lseek, fd, 2, SEEK_CUR), 2, "lseek SEEK_CUR");
	CHECK_EQ(syscall(SYS_lseek, fd, -1L, SEEK_END), 132, "lseek SEEK_END");
	CHECK_ERR(syscall(SYS_lseek, fd, 0, 42), EINVAL, "lseek bad whence");
	CHECK_ERR(syscall(SYS_lseek, fd, -10L, SEEK_SET), EINVAL, "lseek negative");
	CHECK_EQ(syscall(SYS_pread64, fd, buf, 5, 0), 5, "pread64");
	CHECK_ERR(syscall(SYS_pread64, fd, buf, 5, -1L), EINVAL, "pread64 negative offset");
	{
		char a[3], b[5];
		struct iovec iov[2] = { { a, sizeof a }, { b, sizeof b } };
		CHECK_EQ(syscall(SYS_preadv, fd, iov, 2, 0, 0), 8, "preadv");
		CHECK_EQ(syscall(SYS_lseek, fd, 0, SEEK_SET), 0, "lseek back");
		CHECK_EQ(syscall(SYS_readv, fd, iov, 2), 8, "readv");
		CHECK_EQ(syscall(SYS_readv, fd, iov, 0), 0, "readv no iovecs");
		CHECK_ERR(syscall(SYS_readv, fd, BAD, 2), EFAULT, "readv bad iovec pointer");
	}
	CHECK_SYS(syscall(SYS_close, fd), "close");

	fd = CHECK_SYS(syscall(SYS_openat, AT_FDCWD, "trace-f1", O_RDWR | O_APPEND | O_NOFOLLOW), "openat rdwr");
	{
		struct iovec iov[3] = { { "one ", 4 }, { "", 0 }, { "two\n", 4 } };
		CHECK_EQ(syscall(SYS_writev, fd, iov, 3), 8, "writev");
		CHECK_EQ(syscall(SYS_pwrite64, fd, "HELLO", 5, 0), 5, "pwrite64");
	}
	CHECK_SYS(syscall(SYS_fsync, fd), "fsync");
	CHECK_SYS(syscall(SYS_fdatasync, fd), "fdatasync");
	CHECK_SYS(syscall(SYS_ftruncate, fd, 100), "ftruncate");
	CHECK_ERR(syscall(SYS_ftruncate, fd, -1L), EINVAL, "ftruncate negative");
	CHECK_SYS(syscall(SYS_close, fd), "close");

	/* open flags: unknown bits, O_ACCMODE, O_TMPFILE, O_PATH|O_DIRECTORY */
	fd = CHECK_SYS(syscall(SYS_openat, AT_FDCWD, "trace-f1", O_RDONLY | 0x40000000L), "openat unknown flag bit");
	CHECK_SYS(syscall(SYS_close, fd), "close");
	fd = CHECK_SYS(syscall(SYS_openat, AT_FDCWD, ".", O_RDONLY | O_DIRECTORY | O_PATH | O_NONBLOCK), "openat O_PATH dir");
	CHECK_SYS(syscall(SYS_close, fd), "close");
	fd = CHECK_SYS(syscall(SYS_openat, AT_FDCWD, ".", O_RDWR | O_TMPFILE | O_EXCL, 0600), "openat O_TMPFILE");
	CHECK_SYS(syscall(SYS_close, fd), "close");
	fd = CHECK_SYS(syscall(SYS_openat, AT_FDCWD, "trace-f1", O_ACCMODE), "openat O_ACCMODE");
	CHECK_SYS(syscall(SYS_close, fd), "close");
	CHECK_ERR(syscall(SYS_openat, AT_FDCWD, "trace-missing", O_RDONLY), ENOENT, "openat missing");
	CHECK_ERR(syscall(SYS_openat, AT_FDCWD, BAD, O_RDONLY), EFAULT, "openat bad path");
	CHECK_ERR(syscall(SYS_openat, AT_FDCWD, NULL, O_RDONLY), EFAULT, "openat NULL path");
	CHECK_ERR(syscall(SYS_openat, -5, "trace-f1", O_RDONLY), EBADF, "openat bad dirfd");
	CHECK_ERR(syscall(SYS_openat, AT_FDCWD, "trace-f1/x", O_WRONLY | O_CREAT | O_EXCL, 04755), ENOTDIR, "openat under a file");
	memset(longpath, 'p', 300);
	longpath[300] = 0;
	CHECK_ERR(syscall(SYS_openat, AT_FDCWD, longpath, O_RDONLY), ENAMETOOLONG, "openat long name");
	CHECK_ERR(syscall(SYS_openat, AT_FDCWD, "quote\"back\\slash\ttab\n\001", O_RDONLY), ENOENT, "openat odd name");
	mark("x86-only");
#ifdef SYS_open
	fd = CHECK_SYS(syscall(SYS_open, "trace-f1", O_RDONLY), "open");
	CHECK_SYS(syscall(SYS_close, fd), "close");
	CHECK_ERR(syscall(SYS_open, "trace-missing", O_RDONLY | O_CREAT | O_EXCL | O_DIRECTORY, 0600), EINVAL, "open O_CREAT|O_DIRECTORY");
	fd = CHECK_SYS(syscall(SYS_creat, "trace-f2", 0600), "creat");
	CHECK_SYS(syscall(SYS_close, fd), "close");
	CHECK_SYS(syscall(SYS_unlink, "trace-f2"), "unlink");
#endif
	mark("end");
}

static void stats(void)
{
	struct stat st;
	struct k_statx stx;
	long fd;

	CHECK_SYS(syscall(SYS_newfstatat, AT_FDCWD, "trace-f1", &st, 0), "newfstatat");
	CHECK_SYS(syscall(SYS_newfstatat, AT_FDCWD, "/dev/null", &st, 0), "newfstatat /dev/null");
	CHECK_SYS(syscall(SYS_newfstatat, AT_FDCWD, ".", &st, AT_SYMLINK_NOFOLLOW), "newfstatat dir");
	CHECK_ERR(syscall(SYS_newfstatat, AT_FDCWD, "trace-missing", &st, 0), ENOENT, "newfstatat missing");
	CHECK_ERR(syscall(SYS_newfstatat, AT_FDCWD, "trace-f1", BAD, 0), EFAULT, "newfstatat bad buffer");
	CHECK_ERR(syscall(SYS_newfstatat, AT_FDCWD, "trace-f1", &st, 0x4000000), EINVAL, "newfstatat unknown flag");
	fd = CHECK_SYS(syscall(SYS_openat, AT_FDCWD, "trace-f1", O_RDONLY), "openat");
	CHECK_SYS(syscall(SYS_fstat, fd, &st), "fstat");
	CHECK_SYS(syscall(SYS_newfstatat, fd, "", &st, AT_EMPTY_PATH), "newfstatat AT_EMPTY_PATH");
	CHECK_ERR(syscall(SYS_fstat, 999, &st), EBADF, "fstat bad fd");
	CHECK_SYS(k_statx(AT_FDCWD, "trace-f1", 0, K_STATX_BASIC_STATS, &stx), "statx");
	CHECK_SYS(k_statx(fd, "", AT_EMPTY_PATH, 0x1 | 0x2, &stx), "statx AT_EMPTY_PATH type|mode");
	CHECK_ERR(k_statx(AT_FDCWD, "trace-missing", AT_SYMLINK_NOFOLLOW, K_STATX_BASIC_STATS, &stx), ENOENT, "statx missing");
	CHECK_SYS(syscall(SYS_close, fd), "close");
	mark("x86-only");
#ifdef SYS_stat
	CHECK_SYS(syscall(SYS_stat, "trace-f1", &st), "stat");
	CHECK_SYS(syscall(SYS_lstat, "/dev/null", &st), "lstat");
	CHECK_ERR(syscall(SYS_stat, "", &st), ENOENT, "stat empty path");
#endif
	mark("end");
}

static void dirs(void)
{
	long fd, r;

	CHECK_SYS(syscall(SYS_mkdirat, AT_FDCWD, "trace-d", 0750), "mkdirat");
	CHECK_ERR(syscall(SYS_mkdirat, AT_FDCWD, "trace-d", 0777), EEXIST, "mkdirat existing");
	CHECK_SYS(syscall(SYS_symlinkat, "trace-f1", AT_FDCWD, "trace-d/l"), "symlinkat");
	r = syscall(SYS_readlinkat, AT_FDCWD, "trace-d/l", buf, 64);
	CHECK_EQ(r, 8, "readlinkat");
	CHECK_EQ(syscall(SYS_readlinkat, AT_FDCWD, "trace-d/l", buf, 3), 3, "readlinkat short");
	CHECK_ERR(syscall(SYS_readlinkat, AT_FDCWD, "trace-f1", buf, 64), EINVAL, "readlinkat not a link");
	CHECK_SYS(syscall(SYS_linkat, AT_FDCWD, "trace-f1", AT_FDCWD, "trace-d/h", 0), "linkat");
	CHECK_ERR(syscall(SYS_linkat, AT_FDCWD, "trace-f1", AT_FDCWD, "trace-d/h", 0x8000), EINVAL, "linkat bad flags");
	CHECK_SYS(syscall(SYS_renameat2, AT_FDCWD, "trace-d/h", AT_FDCWD, "trace-d/h2", RENAME_NOREPLACE), "renameat2");
	CHECK_SYS(syscall(SYS_fchmodat, AT_FDCWD, "trace-d/h2", 0640), "fchmodat");
	CHECK_SYS(syscall(SYS_fchownat, AT_FDCWD, "trace-d/h2", -1, -1, AT_SYMLINK_NOFOLLOW), "fchownat -1 -1");
	CHECK_SYS(syscall(SYS_utimensat, AT_FDCWD, "trace-d/h2", NULL, 0), "utimensat NULL");
	{
		struct timespec ts[2] = { { 0, UTIME_NOW }, { 0, UTIME_OMIT } };
		CHECK_SYS(syscall(SYS_utimensat, AT_FDCWD, "trace-d/h2", ts, 0), "utimensat NOW/OMIT");
		ts[0].tv_sec = 1000000000;
		ts[0].tv_nsec = 5;
		ts[1].tv_sec = 0;
		ts[1].tv_nsec = 0;
		CHECK_SYS(syscall(SYS_utimensat, AT_FDCWD, "trace-d/h2", ts, AT_SYMLINK_NOFOLLOW), "utimensat times");
	}
	CHECK_SYS(syscall(SYS_faccessat, AT_FDCWD, "trace-d/h2", R_OK | W_OK), "faccessat");
	CHECK_SYS(syscall(SYS_faccessat, AT_FDCWD, "trace-d", F_OK), "faccessat F_OK");
	CHECK_ERR(syscall(SYS_faccessat, AT_FDCWD, "trace-missing", X_OK), ENOENT, "faccessat missing");
	CHECK_ERR(syscall(SYS_faccessat, AT_FDCWD, "trace-d", 8), EINVAL, "faccessat bad mode");
	fd = CHECK_SYS(syscall(SYS_openat, AT_FDCWD, "trace-d", O_RDONLY | O_DIRECTORY | O_CLOEXEC), "openat dir");
	CHECK_ERR(syscall(SYS_getdents64, fd, BAD, sizeof buf), EFAULT, "getdents64 bad buffer");
	CHECK_SYS(syscall(SYS_getdents64, fd, buf, sizeof buf), "getdents64");
	CHECK_EQ(syscall(SYS_getdents64, fd, buf, sizeof buf), 0, "getdents64 at end");
	CHECK_SYS(syscall(SYS_fchdir, fd), "fchdir");
	CHECK_SYS(syscall(SYS_chdir, ".."), "chdir ..");
	CHECK_SYS(syscall(SYS_close, fd), "close");
	CHECK_ERR(syscall(SYS_getcwd, buf, 1), ERANGE, "getcwd too small");
	CHECK_ERR(syscall(SYS_chdir, "trace-missing"), ENOENT, "chdir missing");
	CHECK_SYS(syscall(SYS_unlinkat, AT_FDCWD, "trace-d/l", 0), "unlinkat");
	CHECK_SYS(syscall(SYS_unlinkat, AT_FDCWD, "trace-d/h2", 0), "unlinkat");
	CHECK_ERR(syscall(SYS_unlinkat, AT_FDCWD, "trace-d", 0x1), EINVAL, "unlinkat bad flags");
	CHECK_SYS(syscall(SYS_unlinkat, AT_FDCWD, "trace-d", AT_REMOVEDIR), "unlinkat AT_REMOVEDIR");
	CHECK_SYS(syscall(SYS_truncate, "trace-f1", 10), "truncate");
	CHECK_SYS(syscall(SYS_umask, 027), "umask");
	CHECK_EQ(syscall(SYS_umask, 022), 027, "umask back");
	mark("x86-only");
#ifdef SYS_mkdir
	CHECK_SYS(syscall(SYS_mkdir, "trace-d2", 0700), "mkdir");
	CHECK_SYS(syscall(SYS_rename, "trace-d2", "trace-d3"), "rename");
	CHECK_SYS(syscall(SYS_rmdir, "trace-d3"), "rmdir");
	CHECK_SYS(syscall(SYS_access, "trace-f1", R_OK), "access");
	CHECK_SYS(syscall(SYS_chmod, "trace-f1", 0600), "chmod");
	CHECK_SYS(syscall(SYS_symlink, "trace-f1", "trace-l2"), "symlink");
	CHECK_EQ(syscall(SYS_readlink, "trace-l2", buf, 100), 8, "readlink");
	CHECK_SYS(syscall(SYS_unlink, "trace-l2"), "unlink");
#endif
	mark("end");
}

static void fds(void)
{
	int p[2];
	long fd, r;
	int n;

	CHECK_SYS(syscall(SYS_pipe2, p, O_CLOEXEC | O_NONBLOCK), "pipe2");
	CHECK_ERR(syscall(SYS_pipe2, BAD, 0), EFAULT, "pipe2 bad pointer");
	CHECK_ERR(syscall(SYS_pipe2, p, 0x1), EINVAL, "pipe2 bad flags");
	CHECK_EQ(syscall(SYS_write, p[1], "abc", 3), 3, "write to the pipe");
	CHECK_SYS(syscall(SYS_ioctl, p[0], FIONREAD, &n), "ioctl FIONREAD");
	CHECK_ERR(syscall(SYS_ioctl, p[0], TCGETS, buf), ENOTTY, "ioctl TCGETS on a pipe");
	CHECK_ERR(syscall(SYS_ioctl, 999, TIOCGWINSZ, buf), EBADF, "ioctl bad fd");
	CHECK_SYS(syscall(SYS_ioctl, p[0], FIOCLEX), "ioctl FIOCLEX");
	n = 1;
	CHECK_SYS(syscall(SYS_ioctl, p[0], FIONBIO, &n), "ioctl FIONBIO");
	CHECK_EQ(syscall(SYS_read, p[0], buf, 10), 3, "read the pipe");
	CHECK_ERR(syscall(SYS_read, p[0], buf, 10), EAGAIN, "read an empty pipe");
	{
		struct pollfd pf[2] = { { p[0], POLLIN, 0 }, { p[1], POLLOUT, 0 } };
		CHECK_EQ(syscall(SYS_ppoll, pf, 2, NULL, NULL, 8), 1, "ppoll");
		struct timespec zero = { 0, 0 };
		CHECK_EQ(syscall(SYS_ppoll, pf, 1, &zero, NULL, 8), 0, "ppoll timeout");
		CHECK_ERR(syscall(SYS_ppoll, BAD, 1, &zero, NULL, 8), EFAULT, "ppoll bad pointer");
	}
	{
		fd_set rd, wr;
		FD_ZERO(&rd);
		FD_ZERO(&wr);
		FD_SET(p[0], &rd);
		FD_SET(p[1], &wr);
		struct timespec zero = { 0, 0 };
		CHECK_EQ(syscall(SYS_pselect6, p[1] + 1, &rd, &wr, NULL, &zero, NULL), 1, "pselect6");
	}
	fd = CHECK_SYS(syscall(SYS_dup, p[0]), "dup");
	CHECK_EQ(syscall(SYS_dup3, p[0], 20, O_CLOEXEC), 20, "dup3");
	CHECK_ERR(syscall(SYS_dup3, p[0], 20, 0x4), EINVAL, "dup3 bad flags");
	CHECK_ERR(syscall(SYS_dup, 999), EBADF, "dup bad fd");
	CHECK_EQ(syscall(SYS_fcntl, fd, F_GETFD), 0, "F_GETFD");
	CHECK_SYS(syscall(SYS_fcntl, fd, F_SETFD, FD_CLOEXEC), "F_SETFD");
	CHECK_EQ(syscall(SYS_fcntl, fd, F_GETFD), FD_CLOEXEC, "F_GETFD again");
	r = CHECK_SYS(syscall(SYS_fcntl, fd, F_GETFL), "F_GETFL");
	CHECK_SYS(syscall(SYS_fcntl, fd, F_SETFL, O_RDONLY), "F_SETFL");
	CHECK_EQ(syscall(SYS_fcntl, fd, F_DUPFD, 30), 30, "F_DUPFD");
	CHECK_EQ(syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 30), 31, "F_DUPFD_CLOEXEC");
	CHECK_ERR(syscall(SYS_fcntl, fd, 9999), EINVAL, "fcntl bad command");
	CHECK_ERR(syscall(SYS_fcntl, 999, F_GETFD), EBADF, "fcntl bad fd");
	CHECK(syscall(SYS_fcntl, p[1], F_GETPIPE_SZ) > 0, "F_GETPIPE_SZ");
	(void)r;
	long f = CHECK_SYS(syscall(SYS_openat, AT_FDCWD, "trace-f1", O_RDWR), "openat");
	{
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10 };
		CHECK_SYS(syscall(SYS_fcntl, f, F_SETLK, &fl), "F_SETLK");
		fl.l_type = F_RDLCK;
		CHECK_SYS(syscall(SYS_fcntl, f, F_GETLK, &fl), "F_GETLK");
	}
	CHECK_SYS(syscall(SYS_flock, f, LOCK_EX | LOCK_NB), "flock");
	CHECK_SYS(syscall(SYS_flock, f, LOCK_UN), "flock unlock");
	CHECK_ERR(syscall(SYS_ioctl, f, TCGETS, buf), ENOTTY, "ioctl TCGETS on a file");
	CHECK_SYS(syscall(SYS_close, f), "close");
	for (int i = 30; i <= 31; i++)
		syscall(SYS_close, i);
	CHECK_SYS(syscall(SYS_close, 20), "close");
	CHECK_SYS(syscall(SYS_close, fd), "close");
	CHECK_SYS(syscall(SYS_close, p[0]), "close");
	CHECK_SYS(syscall(SYS_close, p[1]), "close");
	mark("x86-only");
#ifdef SYS_dup2
	CHECK_EQ(syscall(SYS_dup2, 1, 25), 25, "dup2");
	CHECK_SYS(syscall(SYS_close, 25), "close");
	CHECK_SYS(syscall(SYS_pipe, p), "pipe");
	CHECK_SYS(syscall(SYS_close, p[0]), "close");
	CHECK_SYS(syscall(SYS_close, p[1]), "close");
#endif
	mark("end");
}

static void memory(void)
{
	long a, b;

	a = syscall(SYS_mmap, NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(a != -1, "mmap anonymous");
	CHECK_SYS(syscall(SYS_mprotect, a, 4096, PROT_READ), "mprotect");
	CHECK_SYS(syscall(SYS_mprotect, a, 4096, PROT_NONE), "mprotect PROT_NONE");
	CHECK_ERR(syscall(SYS_mprotect, a + 1, 4096, PROT_READ), EINVAL, "mprotect unaligned");
	CHECK_SYS(syscall(SYS_madvise, a, 8192, MADV_DONTNEED), "madvise");
	mark("x86-only");
#ifdef __x86_64__ /* qemu-aarch64 7.2 accepts any advice */
	CHECK_ERR(syscall(SYS_madvise, a, 8192, 12345), EINVAL, "madvise bad advice");
#endif
	mark("end");
	CHECK_SYS(syscall(SYS_msync, a, 8192, MS_SYNC), "msync");
	CHECK_SYS(syscall(SYS_mprotect, a, 4096, PROT_READ | PROT_WRITE), "mprotect back");
	b = syscall(SYS_mremap, a, 8192, 16384, MREMAP_MAYMOVE);
	CHECK(b != -1, "mremap");
	CHECK_SYS(syscall(SYS_munmap, b, 16384), "munmap");
	CHECK_ERR(syscall(SYS_munmap, b + 1, 4096), EINVAL, "munmap unaligned");
	CHECK_ERR(syscall(SYS_mmap, NULL, 4096, PROT_READ, MAP_ANONYMOUS, -1, 0), EINVAL, "mmap no type");
	CHECK_ERR(syscall(SYS_mmap, NULL, 4096, PROT_READ, MAP_SHARED, 999, 0), EBADF, "mmap bad fd");
	long fd = CHECK_SYS(syscall(SYS_openat, AT_FDCWD, "trace-f1", O_RDONLY), "openat");
	a = syscall(SYS_mmap, NULL, 4096, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
	CHECK(a != -1, "mmap file");
	CHECK_SYS(syscall(SYS_munmap, a, 4096), "munmap");
	CHECK_SYS(syscall(SYS_close, fd), "close");
	a = syscall(SYS_mmap, NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | 0x800000, -1, 0);
	CHECK(a != -1, "mmap unknown flag");
	CHECK_SYS(syscall(SYS_munmap, a, 4096), "munmap");
}

static void process(void)
{
	struct utsname u;
	struct rlimit rl;

	CHECK(syscall(SYS_getpid) > 0, "getpid");
	CHECK(syscall(SYS_getppid) > 0, "getppid");
	CHECK(syscall(SYS_gettid) > 0, "gettid");
	CHECK(syscall(SYS_getuid) >= 0, "getuid");
	CHECK(syscall(SYS_geteuid) >= 0, "geteuid");
	CHECK(syscall(SYS_getgid) >= 0, "getgid");
	CHECK(syscall(SYS_getegid) >= 0, "getegid");
	CHECK(syscall(SYS_getpgid, 0) >= 0, "getpgid"); /* 0: leader outside our pid namespace */
	CHECK_ERR(syscall(SYS_getpgid, -1), ESRCH, "getpgid bad pid");
	CHECK_SYS(syscall(SYS_uname, &u), "uname");
	CHECK_ERR(syscall(SYS_uname, BAD), EFAULT, "uname bad pointer");
	CHECK_SYS(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &rl), "prlimit64 get");
	CHECK_SYS(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &rl, NULL), "prlimit64 set");
	CHECK_ERR(syscall(SYS_prlimit64, 0, 99, NULL, &rl), EINVAL, "prlimit64 bad resource");
	CHECK_SYS(syscall(SYS_getrlimit, RLIMIT_CORE, &rl), "getrlimit");
	CHECK_EQ(syscall(SYS_getrandom, buf, 0, GRND_NONBLOCK), 0, "getrandom nothing");
	CHECK_ERR(syscall(SYS_getrandom, buf, 8, 0x100), EINVAL, "getrandom bad flags");
	CHECK_SYS(syscall(SYS_sched_yield), "sched_yield");
	CHECK_SYS(syscall(SYS_prctl, PR_SET_NAME, "trace-name"), "prctl PR_SET_NAME");
	CHECK_SYS(syscall(SYS_prctl, PR_GET_NAME, buf), "prctl PR_GET_NAME");
}

static void signals(void)
{
	struct k_sigaction {
		void *handler;
		unsigned long flags;
		void *restorer;
		uint64_t mask;
	} sa = { SIG_IGN, 0, NULL, 0 }, old;
	uint64_t set = (1ull << (SIGUSR1 - 1)) | (1ull << (SIGUSR2 - 1)), oset;

	CHECK_SYS(syscall(SYS_rt_sigaction, SIGUSR1, &sa, &old, 8), "rt_sigaction SIG_IGN");
	sa.handler = SIG_DFL;
	sa.flags = SA_RESTART | SA_NODEFER;
	sa.mask = 1ull << (SIGINT - 1);
	CHECK_SYS(syscall(SYS_rt_sigaction, SIGUSR2, &sa, NULL, 8), "rt_sigaction SIG_DFL with flags");
	CHECK_SYS(syscall(SYS_rt_sigaction, SIGUSR2, NULL, &old, 8), "rt_sigaction query");
	CHECK_ERR(syscall(SYS_rt_sigaction, SIGKILL, &sa, NULL, 8), EINVAL, "rt_sigaction SIGKILL");
	CHECK_ERR(syscall(SYS_rt_sigaction, 99, NULL, &old, 8), EINVAL, "rt_sigaction 99");
	CHECK_ERR(syscall(SYS_rt_sigaction, SIGUSR1, NULL, &old, 4), EINVAL, "rt_sigaction bad size");
	CHECK_SYS(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, &oset, 8), "rt_sigprocmask SIG_BLOCK");
	CHECK_SYS(syscall(SYS_rt_sigpending, &oset, 8), "rt_sigpending");
	CHECK_SYS(syscall(SYS_kill, syscall(SYS_getpid), 0), "kill 0");
	CHECK_SYS(syscall(SYS_rt_sigprocmask, SIG_SETMASK, &oset, NULL, 8), "rt_sigprocmask SIG_SETMASK");
	CHECK_ERR(syscall(SYS_rt_sigprocmask, 7, &set, NULL, 8), EINVAL, "rt_sigprocmask bad how");
	set = ~0ull;
	CHECK_SYS(syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &set, NULL, 8), "rt_sigprocmask all");
	CHECK_ERR(syscall(SYS_kill, syscall(SYS_getpid), 99), EINVAL, "kill bad signal");
	{
		stack_t ss;
		CHECK_SYS(syscall(SYS_sigaltstack, NULL, &ss), "sigaltstack query");
	}
}

static void timing(void)
{
	struct timespec ts = { 0, 1000 }, res;

	CHECK_SYS(syscall(SYS_nanosleep, &ts, NULL), "nanosleep");
	CHECK_SYS(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &ts, NULL), "clock_nanosleep");
	ts.tv_nsec = 2000000000;
	CHECK_ERR(syscall(SYS_nanosleep, &ts, NULL), EINVAL, "nanosleep bad nsec");
	CHECK_SYS(syscall(SYS_clock_getres, CLOCK_MONOTONIC, &res), "clock_getres");
	CHECK_SYS(syscall(SYS_clock_getres, CLOCK_REALTIME, NULL), "clock_getres NULL");
	CHECK_ERR(syscall(SYS_clock_gettime, 99, &res), EINVAL, "clock_gettime bad clock");
	CHECK_ERR(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, BAD), EFAULT, "clock_gettime bad pointer");
}

/* "fork": a child that writes and exits 3, and the parent's wait (for strace -f). The child
 * sleeps first, so that the parent waits when it exits: its SIGCHLD line comes after wait4's. */
static int forked(void)
{
	long pid = fork();
	if (pid == 0) {
		struct timespec ts = { 0, 50000000 };
		syscall(SYS_nanosleep, &ts, NULL);
		syscall(SYS_write, 1, "child\n", 6);
		syscall(SYS_exit_group, 3);
	}
	int st = 0;
	CHECK(pid > 0, "fork");
	CHECK_EQ(syscall(SYS_wait4, pid, &st, 0, NULL), pid, "wait4");
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3, "the child exited with 3");
	return check_done();
}

/* "sigchld": a child's exit while SIGCHLD is left at its default, ignored, or with
 * SA_NOCLDWAIT, and the parent blocked in wait4, asleep in nanosleep or poll, or running.
 * strace shows the signal though the program ignores it (not without SA_NOCLDWAIT's twin
 * SIG_IGN, for which the kernel sends none). Each child first sleeps 50 ms, so the parent is
 * where the case puts it when the child exits; kill(pid, 0) gives the normaliser its pid. */
static long child_exiting_in(long ns)
{
	long pid = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0); /* raw: the same line on every arch */
	if (pid == 0) {
		struct timespec ts = { 0, ns };
		syscall(SYS_nanosleep, &ts, NULL);
		syscall(SYS_exit_group, 0);
	}
	CHECK(pid > 0, "clone");
	CHECK_SYS(syscall(SYS_kill, pid, 0), "kill the child 0");
	return pid;
}

/* The kernel's struct sigaction, without SA_RESTORER: the same line on every arch. */
static void sigchld_action(uintptr_t handler, unsigned long flags)
{
	struct { uintptr_t handler; unsigned long flags, restorer, mask; } a = { handler, flags, 0, 0 };
	CHECK_SYS(syscall(SYS_rt_sigaction, SIGCHLD, &a, NULL, 8), "rt_sigaction SIGCHLD");
}

static int sigchld_cases(void)
{
	struct timespec nap = { 0, 300000000 }, t0, t1;
	int st = 0, fds[2];
	long pid = child_exiting_in(50000000);
	CHECK_EQ(syscall(SYS_wait4, pid, &st, 0, NULL), pid, "wait4 until the child exits");
	pid = child_exiting_in(50000000);
	CHECK_SYS(syscall(SYS_nanosleep, &nap, NULL), "nanosleep not cut short");
	CHECK_EQ(syscall(SYS_wait4, pid, &st, 0, NULL), pid, "wait4 after nanosleep");
	CHECK_SYS(syscall(SYS_pipe2, fds, 0), "pipe2");
	mark("x86-only"); /* arm64 has ppoll only */
#ifdef SYS_poll
	struct pollfd pfd = { fds[0], POLLIN, 0 };
	pid = child_exiting_in(50000000);
	CHECK_EQ(syscall(SYS_poll, &pfd, 1, 300), 0, "poll times out, not cut short");
	CHECK_EQ(syscall(SYS_wait4, pid, &st, 0, NULL), pid, "wait4 after poll");
#endif
	mark("end");
	pid = child_exiting_in(20000000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do /* running (natively no syscall: the vDSO's clock) */
		clock_gettime(CLOCK_MONOTONIC, &t1);
	while ((t1.tv_sec - t0.tv_sec) * 1000000000L + t1.tv_nsec - t0.tv_nsec < 200000000L);
	CHECK_EQ(syscall(SYS_wait4, pid, &st, 0, NULL), pid, "wait4 after running");
	sigchld_action((uintptr_t)SIG_IGN, 0);
	pid = child_exiting_in(50000000);
	CHECK_ERR(syscall(SYS_wait4, pid, &st, 0, NULL), ECHILD, "wait4 with SIGCHLD ignored");
	sigchld_action((uintptr_t)SIG_DFL, SA_NOCLDWAIT);
	pid = child_exiting_in(50000000);
	CHECK_ERR(syscall(SYS_wait4, pid, &st, 0, NULL), ECHILD, "wait4 with SA_NOCLDWAIT");
	sigchld_action((uintptr_t)SIG_DFL, 0);
	CHECK_SYS(syscall(SYS_close, fds[0]), "close");
	CHECK_SYS(syscall(SYS_close, fds[1]), "close");
	return check_done();
}

int main(int argc, char **argv)
{
	static char obuf[1 << 16];
	setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
	if (argc > 1 && !strcmp(argv[1], "fork"))
		return forked();
	if (argc > 1 && !strcmp(argv[1], "sigchld"))
		return sigchld_cases();
	files();
	stats();
	dirs();
	fds();
	memory();
	process();
	signals();
	timing();
	CHECK_SYS(syscall(SYS_unlinkat, AT_FDCWD, "trace-f1", 0), "unlinkat");
	return check_done();
}
