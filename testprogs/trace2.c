/* trace2: the syscalls whose arguments the tracer decodes by their contents (futex by its op,
 * clone3's struct clone_args, openat2's struct open_how, the sendmmsg/recvmmsg vectors), with
 * ordinary, edge and failing arguments, for tests/e2e/strace.sh (diffed against real strace as
 * trace.c is). Raw syscall() throughout; stdout is fully buffered: the checks reach the trace
 * as one write at the end. A child's pid reaches the trace through kill(pid, 0), which the
 * test's normaliser turns into PID. */
#include "check.h"

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
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

/* include/uapi/linux/futex.h (musl-gcc has no <linux/...> headers) */
enum {
	K_FUTEX_WAIT, K_FUTEX_WAKE, K_FUTEX_FD, K_FUTEX_REQUEUE, K_FUTEX_CMP_REQUEUE,
	K_FUTEX_WAKE_OP, K_FUTEX_LOCK_PI, K_FUTEX_UNLOCK_PI, K_FUTEX_TRYLOCK_PI,
	K_FUTEX_WAIT_BITSET, K_FUTEX_WAKE_BITSET,
};
#define K_FUTEX_PRIVATE 128
#define K_FUTEX_CLOCK_REALTIME 256
#define K_FUTEX_OP(op, oparg, cmp, cmparg) \
	((((op) & 0xf) << 28) | (((cmp) & 0xf) << 24) | (((oparg) & 0xfff) << 12) | ((cmparg) & 0xfff))

static uint32_t fw1, fw2;

static long futex(void *uaddr, int op, unsigned val, const void *ts_or_val2, void *uaddr2,
		  unsigned val3)
{
	return syscall(SYS_futex, uaddr, op, val, ts_or_val2, uaddr2, val3);
}

static void futexes(void)
{
	struct timespec rel = { 0, 1000 }, past = { 1, 0 };

	CHECK_EQ(futex(&fw1, K_FUTEX_WAKE | K_FUTEX_PRIVATE, 1, NULL, NULL, 0), 0, "FUTEX_WAKE_PRIVATE");
	CHECK_EQ(futex(&fw1, K_FUTEX_WAKE, 0x7fffffff, NULL, NULL, 0), 0, "FUTEX_WAKE INT_MAX");
	CHECK_ERR(futex(&fw1, K_FUTEX_WAIT | K_FUTEX_PRIVATE, 1, NULL, NULL, 0), EAGAIN, "FUTEX_WAIT_PRIVATE value differs");
	CHECK_ERR(futex(&fw1, K_FUTEX_WAIT, 0, &rel, NULL, 0), ETIMEDOUT, "FUTEX_WAIT timeout");
	CHECK_ERR(futex(&fw1, K_FUTEX_WAIT_BITSET | K_FUTEX_CLOCK_REALTIME, 0, &past, NULL, 0xffffffff), ETIMEDOUT, "FUTEX_WAIT_BITSET|FUTEX_CLOCK_REALTIME");
	CHECK_ERR(futex(&fw1, K_FUTEX_WAIT_BITSET | K_FUTEX_PRIVATE, 0, &past, NULL, 0), EINVAL, "FUTEX_WAIT_BITSET_PRIVATE bitset 0");
	CHECK_EQ(futex(&fw1, K_FUTEX_WAKE_BITSET | K_FUTEX_PRIVATE, 2, NULL, NULL, 5), 0, "FUTEX_WAKE_BITSET_PRIVATE");
	CHECK_EQ(futex(&fw1, K_FUTEX_REQUEUE | K_FUTEX_PRIVATE, 1, (void *)2, &fw2, 0), 0, "FUTEX_REQUEUE_PRIVATE");
	CHECK_EQ(futex(&fw1, K_FUTEX_CMP_REQUEUE | K_FUTEX_PRIVATE, 1, (void *)2, &fw2, 0), 0, "FUTEX_CMP_REQUEUE_PRIVATE");
	CHECK_ERR(futex(&fw1, K_FUTEX_CMP_REQUEUE, 1, (void *)2, &fw2, 7), EAGAIN, "FUTEX_CMP_REQUEUE value differs");
	CHECK_EQ(futex(&fw1, K_FUTEX_WAKE_OP | K_FUTEX_PRIVATE, 1, (void *)1, &fw2, K_FUTEX_OP(0, 1, 4, 0)), 0, "FUTEX_WAKE_OP_PRIVATE");
	CHECK_EQ(fw2, 1, "FUTEX_WAKE_OP set the word");
	CHECK_EQ(futex(&fw1, K_FUTEX_WAKE_OP, 1, 0, &fw2, K_FUTEX_OP(8 | 1, 3, 2, 0x7ff)), 0, "FUTEX_WAKE_OP OPARG_SHIFT|ADD");
	CHECK_ERR(futex(&fw1, K_FUTEX_WAKE_OP, 1, 0, &fw2, K_FUTEX_OP(7, 0xfff, 9, 1)), ENOSYS, "FUTEX_WAKE_OP unknown op and cmp");
	fw1 = 0;
	CHECK_EQ(futex(&fw1, K_FUTEX_LOCK_PI | K_FUTEX_PRIVATE, 0, NULL, NULL, 0), 0, "FUTEX_LOCK_PI_PRIVATE");
	CHECK_ERR(futex(&fw1, K_FUTEX_TRYLOCK_PI | K_FUTEX_PRIVATE, 0, NULL, NULL, 0), EDEADLK, "FUTEX_TRYLOCK_PI_PRIVATE held");
	CHECK_EQ(futex(&fw1, K_FUTEX_UNLOCK_PI | K_FUTEX_PRIVATE, 0, NULL, NULL, 0), 0, "FUTEX_UNLOCK_PI_PRIVATE");
	CHECK_ERR(futex(&fw1, K_FUTEX_UNLOCK_PI, 0, NULL, NULL, 0), EPERM, "FUTEX_UNLOCK_PI not held");
	CHECK_ERR(futex(BAD, K_FUTEX_WAIT, 0, NULL, NULL, 0), EINVAL, "FUTEX_WAIT unaligned address");
	CHECK_ERR(futex((void *)8, K_FUTEX_WAIT, 0, NULL, NULL, 0), EFAULT, "FUTEX_WAIT bad address");
	CHECK_ERR(futex(&fw1, K_FUTEX_WAIT, 0, BAD, NULL, 0), EFAULT, "FUTEX_WAIT bad timeout");
	CHECK_ERR(futex(&fw1, K_FUTEX_FD, 0, NULL, NULL, 0), ENOSYS, "FUTEX_FD");
	CHECK_ERR(futex(&fw1, 0x200, 0, NULL, NULL, 0), ENOSYS, "futex unknown flag");
	CHECK_ERR(futex(&fw1, 50 | K_FUTEX_PRIVATE, 3, (void *)4, &fw2, 6), ENOSYS, "futex unknown op");
}

struct k_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
	uint64_t extra;
};

static CHECK_UNUSED void reap(long pid, const char *what)
{
	int st = 0;
	CHECK(pid > 0, "%s", what);
	if (pid <= 0)
		return;
	CHECK_SYS(syscall(SYS_kill, pid, 0), "kill the child 0");
	CHECK_EQ(syscall(SYS_wait4, pid, &st, 0, NULL), pid, "wait4");
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child exited with 0");
}

static CHECK_UNUSED void clones(void)
{
	static char stack[4096];
	struct k_clone_args a;
	long pid;
	int ptid = 0, pidfd = -1;

	memset(&a, 0, sizeof a);
	a.exit_signal = SIGCHLD;
	pid = syscall(SYS_clone3, &a, 88);
	if (pid == 0)
		syscall(SYS_exit_group, 0);
	reap(pid, "clone3 fork");

	memset(&a, 0, sizeof a);
	a.flags = 0x00100000 | 0x00001000; /* CLONE_PARENT_SETTID|CLONE_PIDFD */
	a.parent_tid = (uintptr_t)&ptid;
	a.pidfd = (uintptr_t)&pidfd;
	a.exit_signal = SIGCHLD;
	pid = syscall(SYS_clone3, &a, 64);
	if (pid == 0)
		syscall(SYS_exit_group, 0);
	reap(pid, "clone3 CLONE_PARENT_SETTID|CLONE_PIDFD");
	CHECK_EQ(ptid, pid, "parent_tid");
	CHECK_SYS(syscall(SYS_close, pidfd), "close the pidfd");

	memset(&a, 0, sizeof a);
	CHECK_ERR(syscall(SYS_clone3, &a, 32), EINVAL, "clone3 too small");
	CHECK_ERR(syscall(SYS_clone3, BAD, 88), EFAULT, "clone3 bad pointer");
	CHECK_ERR(syscall(SYS_clone3, NULL, 88), EFAULT, "clone3 NULL");
	a.flags = 0x10000000000ull | 0x00000100; /* CLONE_VM and an unknown bit */
	CHECK_ERR(syscall(SYS_clone3, &a, 88), EINVAL, "clone3 unknown flag");
	a.flags = 0x100000000ull | 0x00000800 | 0x00000100; /* CLONE_CLEAR_SIGHAND|CLONE_SIGHAND|CLONE_VM */
	CHECK_ERR(syscall(SYS_clone3, &a, 88), EINVAL, "clone3 CLEAR_SIGHAND with SIGHAND");
	a.flags = 0x00010000 | 0x00000800 | 0x00000100 | 0x00080000 | 0x00200000;
	a.exit_signal = SIGUSR1; /* a thread with an exit signal */
	a.tls = 0x12345000;
	a.child_tid = (uintptr_t)&ptid;
	a.stack = (uintptr_t)stack;
	a.stack_size = 4096;
	CHECK_ERR(syscall(SYS_clone3, &a, 88), EINVAL, "clone3 thread with exit_signal");
	memset(&a, 0, sizeof a);
	a.exit_signal = 100;
	CHECK_ERR(syscall(SYS_clone3, &a, 88), EINVAL, "clone3 bad exit_signal");
	a.exit_signal = 0xffffffffull;
	CHECK_ERR(syscall(SYS_clone3, &a, 88), EINVAL, "clone3 huge exit_signal");
	a.exit_signal = SIGCHLD;
	a.stack_size = 4096;
	CHECK_ERR(syscall(SYS_clone3, &a, 88), EINVAL, "clone3 stack_size without stack");
	a.stack_size = 0;
	a.extra = 1;
	CHECK_ERR(syscall(SYS_clone3, &a, sizeof a), E2BIG, "clone3 nonzero tail");
}

struct k_open_how {
	uint64_t flags, mode, resolve;
	uint64_t extra;
};

static CHECK_UNUSED void openat2s(void)
{
	struct k_open_how h;
	long fd;

	memset(&h, 0, sizeof h);
	h.flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
	h.mode = 0640;
	fd = CHECK_SYS(syscall(SYS_openat2, AT_FDCWD, "trace2-f", &h, 24), "openat2 create");
	CHECK_SYS(syscall(SYS_close, fd), "close");
	memset(&h, 0, sizeof h);
	h.flags = O_RDONLY | O_CLOEXEC;
	h.resolve = 0x04; /* RESOLVE_NO_SYMLINKS */
	fd = CHECK_SYS(syscall(SYS_openat2, AT_FDCWD, "trace2-f", &h, 24), "openat2 RESOLVE_NO_SYMLINKS");
	CHECK_SYS(syscall(SYS_close, fd), "close");
	h.resolve = 0x08 | 0x02 | 0x01; /* RESOLVE_BENEATH|RESOLVE_NO_MAGICLINKS|RESOLVE_NO_XDEV */
	fd = CHECK_SYS(syscall(SYS_openat2, AT_FDCWD, "trace2-f", &h, sizeof h), "openat2 32 bytes");
	CHECK_SYS(syscall(SYS_close, fd), "close");
	h.resolve = 0;
	CHECK_ERR(syscall(SYS_openat2, AT_FDCWD, "trace2-missing", &h, 24), ENOENT, "openat2 missing");
	CHECK_ERR(syscall(SYS_openat2, AT_FDCWD, "trace2-f", &h, 16), EINVAL, "openat2 too small");
	CHECK_ERR(syscall(SYS_openat2, AT_FDCWD, "trace2-f", BAD, 24), EFAULT, "openat2 bad pointer");
	CHECK_ERR(syscall(SYS_openat2, AT_FDCWD, "trace2-f", NULL, 24), EFAULT, "openat2 NULL");
	CHECK_ERR(syscall(SYS_openat2, AT_FDCWD, BAD, &h, 24), EFAULT, "openat2 bad path");
	h.resolve = 0x1000;
	CHECK_ERR(syscall(SYS_openat2, AT_FDCWD, "trace2-f", &h, 24), EINVAL, "openat2 unknown resolve bit");
	h.resolve = 0x10 | 0x08; /* RESOLVE_IN_ROOT|RESOLVE_BENEATH */
	CHECK_ERR(syscall(SYS_openat2, AT_FDCWD, "trace2-f", &h, 24), EINVAL, "openat2 IN_ROOT|BENEATH");
	h.resolve = 0;
	h.mode = 0644;
	CHECK_ERR(syscall(SYS_openat2, AT_FDCWD, "trace2-f", &h, 24), EINVAL, "openat2 mode without O_CREAT");
	h.mode = 0;
	h.flags = O_RDONLY | (1ull << 40);
	CHECK_ERR(syscall(SYS_openat2, AT_FDCWD, "trace2-f", &h, 24), EINVAL, "openat2 flag above 32 bits");
	h.flags = O_RDONLY | 0x40000000;
	CHECK_ERR(syscall(SYS_openat2, AT_FDCWD, "trace2-f", &h, 24), EINVAL, "openat2 unknown flag");
	h.flags = O_RDONLY;
	h.extra = 0x0102;
	CHECK_ERR(syscall(SYS_openat2, AT_FDCWD, "trace2-f", &h, sizeof h), E2BIG, "openat2 nonzero tail");
	CHECK_ERR(syscall(SYS_openat2, -5, "trace2-f", &h, 24), EBADF, "openat2 bad dirfd");
	CHECK_SYS(syscall(SYS_unlinkat, AT_FDCWD, "trace2-f", 0), "unlinkat");
}

struct k_mmsghdr {
	struct msghdr msg_hdr;
	unsigned int msg_len;
};

static void mmsgs(void)
{
	int sv[2];
	char a[8], b[16], c[4];
	struct iovec out[3] = { { "one", 3 }, { "two-two", 7 }, { "3", 1 } };
	struct iovec in[3] = { { a, sizeof a }, { b, sizeof b }, { c, sizeof c } };
	struct k_mmsghdr m[2], r[3];
	struct timespec ts = { 0, 0 };

	CHECK_SYS(syscall(SYS_socketpair, AF_UNIX, SOCK_DGRAM, 0, sv), "socketpair");
	memset(m, 0, sizeof m);
	m[0].msg_hdr.msg_iov = &out[0];
	m[0].msg_hdr.msg_iovlen = 2;
	m[1].msg_hdr.msg_iov = &out[2];
	m[1].msg_hdr.msg_iovlen = 1;
	CHECK_EQ(syscall(SYS_sendmmsg, sv[0], m, 2, MSG_DONTWAIT), 2, "sendmmsg");
	CHECK_EQ(syscall(SYS_sendmmsg, sv[0], m, 0, 0), 0, "sendmmsg none");
	CHECK_ERR(syscall(SYS_sendmmsg, sv[0], BAD, 2, 0), EFAULT, "sendmmsg bad pointer");
	CHECK_ERR(syscall(SYS_sendmmsg, 999, m, 1, 0), EBADF, "sendmmsg bad fd");
	memset(r, 0, sizeof r);
	r[0].msg_hdr.msg_iov = &in[0];
	r[0].msg_hdr.msg_iovlen = 2;
	r[1].msg_hdr.msg_iov = &in[2];
	r[1].msg_hdr.msg_iovlen = 1;
	r[2].msg_hdr.msg_iov = &in[2];
	r[2].msg_hdr.msg_iovlen = 1;
	CHECK_EQ(syscall(SYS_recvmmsg, sv[1], r, 3, MSG_DONTWAIT, NULL), 2, "recvmmsg");
	CHECK_ERR(syscall(SYS_recvmmsg, sv[1], r, 3, MSG_DONTWAIT, &ts), EAGAIN, "recvmmsg empty");
	CHECK_ERR(syscall(SYS_recvmmsg, sv[1], BAD, 1, MSG_DONTWAIT, NULL), EFAULT, "recvmmsg bad pointer");
	CHECK_ERR(syscall(SYS_recvmmsg, 999, r, 1, 0, NULL), EBADF, "recvmmsg bad fd");
	CHECK_SYS(syscall(SYS_close, sv[0]), "close");
	CHECK_SYS(syscall(SYS_close, sv[1]), "close");
}

int main(void)
{
	static char obuf[1 << 16];
	setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
	futexes();
	mmsgs();
	/* qemu-aarch64 7.2 (the arm64 reference of tests/e2e/testprogs.sh) has neither */
	mark("x86-only");
#ifdef __x86_64__
	openat2s();
	clones();
#endif
	mark("end");
	return check_done();
}
