/* check.h: tiny self-checking helpers shared by the syscorn test programs.
 *
 * Every check prints exactly one line on stdout:
 *     ok <what>
 *     FAIL <what>: <detail> (<errno name>)
 * and check_done() prints "summary: <n> checks, <m> failed" and returns the exit status
 * (1 if any check failed).  Output must be deterministic: never print pids, times, addresses,
 * inode numbers or anything else that differs between runs, so that the output of a run
 * under syscorn can be diffed against a native (or qemu) run.
 *
 * Include this header first: it defines _GNU_SOURCE.
 * Builds with glibc (x86_64, aarch64) and musl (x86_64); no <linux/...> headers (musl-gcc has none).
 */
#ifndef SYSCORN_CHECK_H
#define SYSCORN_CHECK_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CHECK_UNUSED __attribute__((unused))

static int check_total;
static int check_failed;

static CHECK_UNUSED const char *errno_name(int e)
{
	static char buf[32];
	switch (e) {
#define E_(x) case x: return #x;
	E_(EPERM) E_(ENOENT) E_(ESRCH) E_(EINTR) E_(EIO) E_(ENXIO) E_(E2BIG) E_(ENOEXEC)
	E_(EBADF) E_(ECHILD) E_(EAGAIN) E_(ENOMEM) E_(EACCES) E_(EFAULT) E_(ENOTBLK) E_(EBUSY)
	E_(EEXIST) E_(EXDEV) E_(ENODEV) E_(ENOTDIR) E_(EISDIR) E_(EINVAL) E_(ENFILE) E_(EMFILE)
	E_(ENOTTY) E_(ETXTBSY) E_(EFBIG) E_(ENOSPC) E_(ESPIPE) E_(EROFS) E_(EMLINK) E_(EPIPE)
	E_(EDOM) E_(ERANGE) E_(EDEADLK) E_(ENAMETOOLONG) E_(ENOLCK) E_(ENOSYS) E_(ENOTEMPTY)
	E_(ELOOP) E_(ENOMSG) E_(ENODATA) E_(EOVERFLOW) E_(EILSEQ) E_(ENOTSOCK) E_(EOPNOTSUPP)
	E_(ETIMEDOUT) E_(ENOMEDIUM) E_(EOWNERDEAD) E_(ESTALE) E_(EDQUOT) E_(EMSGSIZE)
	E_(EAFNOSUPPORT) E_(ECONNREFUSED) E_(ENOPROTOOPT) E_(ENOTCONN) E_(EADDRINUSE) E_(EISCONN)
	E_(EPROTONOSUPPORT) E_(EDESTADDRREQ) E_(ECONNRESET) E_(EADDRNOTAVAIL) E_(ENETUNREACH) E_(EINPROGRESS)
	E_(EPROTOTYPE) E_(ESOCKTNOSUPPORT)
#undef E_
	case 0: return "no error";
	}
	snprintf(buf, sizeof buf, "errno %d", e);
	return buf;
}

/* Line-buffer stdout so that partial output survives a crash of the program (or emulator). */
static CHECK_UNUSED __attribute__((constructor)) void check_init(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

static CHECK_UNUSED __attribute__((format(printf, 4, 5)))
int check_report(int ok, int err, const char *detail, const char *fmt, ...)
{
	va_list ap;
	check_total++;
	fputs(ok ? "ok " : "FAIL ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!ok) {
		check_failed++;
		printf(": %s (%s)", detail, errno_name(err));
	}
	putchar('\n');
	return ok;
}

/* CHECK(cond, fmt, ...): cond must be true. errno is reported as it is after cond. */
#define CHECK(cond, ...) ({                                                    \
		int c_ok_ = !!(cond);                                          \
		check_report(c_ok_, errno, "expected " #cond, __VA_ARGS__);    \
	})

/* CHECK_SYS(expr, fmt, ...): expr (a syscall/libc call) must not return -1. Yields the result. */
#define CHECK_SYS(expr, ...) ({                                                \
		errno = 0;                                                     \
		long c_r_ = (long)(expr);                                      \
		int c_e_ = errno;                                              \
		check_report(c_r_ != -1, c_e_, #expr " returned -1", __VA_ARGS__); \
		errno = c_e_;                                                  \
		c_r_;                                                          \
	})

/* CHECK_ERR(expr, E, fmt, ...): expr must return -1 with errno E. "-> E" is appended to what. */
#define CHECK_ERR(expr, E, fmt, ...) ({                                        \
		errno = 0;                                                     \
		long c_r_ = (long)(expr);                                      \
		int c_e_ = errno;                                              \
		char c_d_[96];                                                 \
		snprintf(c_d_, sizeof c_d_, "returned %ld, want -1/%s", c_r_, #E); \
		check_report(c_r_ == -1 && c_e_ == (E), c_e_, c_d_,            \
			     fmt " -> %s", ##__VA_ARGS__, #E);                 \
	})

/* CHECK_RET(expr, E, fmt, ...): for calls returning an error number (pthread style, e.g.
 * clock_nanosleep, posix_fadvise): expr must return E (0 for success). */
#define CHECK_RET(expr, E, fmt, ...) ({                                        \
		int c_r_ = (int)(expr);                                        \
		char c_d_[96];                                                 \
		snprintf(c_d_, sizeof c_d_, "returned %s, want %s",            \
			 c_r_ ? errno_name(c_r_) : "0", #E);                   \
		check_report(c_r_ == (E), c_r_, c_d_, fmt " -> %s", ##__VA_ARGS__, #E); \
	})

/* CHECK_EQ(a, b, fmt, ...): integer equality; on failure prints both values. */
#define CHECK_EQ(a, b, ...) ({                                                 \
		long long c_a_ = (long long)(a), c_b_ = (long long)(b);        \
		int c_e_ = errno;                                              \
		char c_d_[256];                                                \
		snprintf(c_d_, sizeof c_d_, "%s = %lld (%#llx), want %lld (%#llx)", #a, \
			 c_a_, c_a_, c_b_, c_b_);                              \
		check_report(c_a_ == c_b_, c_e_, c_d_, __VA_ARGS__);           \
	})

/* CHECK_STR(a, b, fmt, ...): string equality (a may be NULL). */
#define CHECK_STR(a, b, ...) ({                                                \
		const char *c_a_ = (a), *c_b_ = (b);                           \
		int c_e_ = errno;                                              \
		char c_d_[256];                                                \
		snprintf(c_d_, sizeof c_d_, "got \"%.100s\", want \"%.100s\"", \
			 c_a_ ? c_a_ : "(null)", c_b_);                        \
		check_report(c_a_ && !strcmp(c_a_, c_b_), c_e_, c_d_, __VA_ARGS__); \
	})

/* CHECK_MEM(a, b, n, fmt, ...): n bytes equal. */
#define CHECK_MEM(a, b, n, ...) ({                                             \
		int c_e_ = errno;                                              \
		check_report(!memcmp((a), (b), (n)), c_e_, "memory differs", __VA_ARGS__); \
	})

/* Informational lines: deterministic facts that are not pass/fail (e.g. an optional feature). */
#define SKIP(...) do { fputs("skip ", stdout); printf(__VA_ARGS__); putchar('\n'); } while (0)
#define NOTE(...) do { fputs("note ", stdout); printf(__VA_ARGS__); putchar('\n'); } while (0)

static CHECK_UNUSED int check_done(void)
{
	printf("summary: %d checks, %d failed\n", check_total, check_failed);
	fflush(stdout);
	return check_failed ? 1 : 0;
}

/* Defaults for constants that older headers (musl 1.2.3) lack. Numbers are the same on x86_64
 * and arm64 for all syscalls >= 424. */
#ifndef SYS_faccessat2
#define SYS_faccessat2 439
#endif

/* statx through syscall(): musl 1.2.3 has no statx() wrapper; this is the kernel's layout. */
#include <stdint.h>
struct k_statx_timestamp {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t reserved;
};
struct k_statx {
	uint32_t stx_mask, stx_blksize;
	uint64_t stx_attributes;
	uint32_t stx_nlink, stx_uid, stx_gid;
	uint16_t stx_mode, spare0;
	uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
	struct k_statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
	uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
	uint64_t spare2[14];
};
#define K_STATX_BASIC_STATS 0x7ffU
#define k_statx(dfd, path, flags, mask, buf) syscall(SYS_statx, (dfd), (path), (flags), (mask), (buf))

/* getdents64 record (kernel layout). */
struct k_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* Kernel open-flag values differ between architectures; libc headers hide O_LARGEFILE (0 on
 * 64-bit glibc), so spell out the kernel's numbers. */
#if defined(__aarch64__)
#define K_O_DIRECTORY 040000
#define K_O_NOFOLLOW 0100000
#define K_O_DIRECT 0200000
#define K_O_LARGEFILE 0400000
#define ARCH_MACHINE "aarch64"
#elif defined(__x86_64__)
#define K_O_DIRECT 040000
#define K_O_LARGEFILE 0100000
#define K_O_DIRECTORY 0200000
#define K_O_NOFOLLOW 0400000
#define ARCH_MACHINE "x86_64"
#else
#error "unsupported architecture"
#endif

#endif
