/* trace2: the syscalls whose arguments the tracer decodes by their contents (futex by its op,
 * clone3's struct clone_args, openat2's struct open_how, the sendmmsg/recvmmsg vectors and
 * the control messages of those and of sendmsg/recvmsg), with
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

/* A clone's child: it exits once its parent waits (50 ms), so that the parent's SIGCHLD line
 * comes after wait4's (strace shows the signal the parent leaves at its default). */
static CHECK_UNUSED void child_exit(void)
{
	struct timespec ts = { 0, 50000000 };
	syscall(SYS_nanosleep, &ts, NULL);
	syscall(SYS_exit_group, 0);
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
		child_exit();
	reap(pid, "clone3 fork");

	memset(&a, 0, sizeof a);
	a.flags = 0x00100000 | 0x00001000; /* CLONE_PARENT_SETTID|CLONE_PIDFD */
	a.parent_tid = (uintptr_t)&ptid;
	a.pidfd = (uintptr_t)&pidfd;
	a.exit_signal = SIGCHLD;
	pid = syscall(SYS_clone3, &a, 64);
	if (pid == 0)
		child_exit();
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

/* Control data: room for a few cmsghdrs, aligned as the kernel wants it. */
union ctl {
	char buf[160];
	struct cmsghdr h;
};

/* One control message at c (CMSG_SPACE(dlen) bytes are cleared first); returns that size. */
static size_t cmsg_put(void *c, int level, int type, const void *data, size_t dlen)
{
	struct cmsghdr *h = c;
	memset(h, 0, CMSG_SPACE(dlen));
	h->cmsg_len = CMSG_LEN(dlen);
	h->cmsg_level = level;
	h->cmsg_type = type;
	memcpy(CMSG_DATA(h), data, dlen);
	return CMSG_SPACE(dlen);
}

static void close_fds(struct msghdr *m)
{
	for (struct cmsghdr *h = CMSG_FIRSTHDR(m); h; h = CMSG_NXTHDR(m, h)) {
		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < (h->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(h) + i * sizeof fd, sizeof fd);
			CHECK_SYS(syscall(SYS_close, fd), "close a received descriptor");
		}
	}
}

/* SCM_RIGHTS and SCM_CREDENTIALS through sendmsg/recvmsg and sendmmsg/recvmmsg over an AF_UNIX
 * pair (the receiver has SO_PASSCRED: every message it gets carries credentials), then control
 * data the tracer must walk as strace does: short, overlong, unknown levels and types. */
static void cmsgs(void)
{
	int sv[2], pfd[2], on = 1;
	struct ucred cr = { (pid_t)syscall(SYS_getpid), (uid_t)syscall(SYS_getuid), (gid_t)syscall(SYS_getgid) };
	struct iovec out = { "fd", 2 };
	char in[4][8];
	struct iovec ins[4] = { { in[0], 8 }, { in[1], 8 }, { in[2], 8 }, { in[3], 8 } };
	union ctl c[3], rc[4];
	struct msghdr m;
	struct k_mmsghdr mm[3], rm[4];
	size_t n;

	CHECK_SYS(syscall(SYS_socketpair, AF_UNIX, SOCK_DGRAM, 0, sv), "socketpair");
	CHECK_SYS(syscall(SYS_pipe2, pfd, O_CLOEXEC), "pipe2");
	CHECK_SYS(syscall(SYS_setsockopt, sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on), "SO_PASSCRED");

	/* sendmsg: two descriptors and our credentials in one buffer */
	memset(&m, 0, sizeof m);
	m.msg_iov = &out;
	m.msg_iovlen = 1;
	m.msg_control = c[0].buf;
	n = cmsg_put(c[0].buf, SOL_SOCKET, SCM_RIGHTS, pfd, sizeof pfd);
	n += cmsg_put(c[0].buf + n, SOL_SOCKET, SCM_CREDENTIALS, &cr, sizeof cr);
	m.msg_controllen = n;
	CHECK_EQ(syscall(SYS_sendmsg, sv[0], &m, 0), 2, "sendmsg SCM_RIGHTS and SCM_CREDENTIALS");
	memset(&m, 0, sizeof m);
	m.msg_iov = &ins[0];
	m.msg_iovlen = 1;
	m.msg_control = rc[0].buf;
	m.msg_controllen = sizeof rc[0].buf;
	CHECK_EQ(syscall(SYS_recvmsg, sv[1], &m, MSG_CMSG_CLOEXEC), 2, "recvmsg SCM_RIGHTS");
	CHECK(!(m.msg_flags & MSG_CTRUNC), "recvmsg: all the control data");
	close_fds(&m);

	/* recvmsg: room for the credentials only, the descriptors are dropped (MSG_CTRUNC) */
	m.msg_control = c[0].buf;
	m.msg_controllen = CMSG_SPACE(sizeof pfd);
	m.msg_iov = &out;
	CHECK_EQ(syscall(SYS_sendmsg, sv[0], &m, 0), 2, "sendmsg SCM_RIGHTS");
	m.msg_iov = &ins[0];
	m.msg_control = rc[0].buf;
	m.msg_controllen = CMSG_SPACE(sizeof cr);
	/* (MSG_CTRUNC shows in the trace: qemu-aarch64, the arm64 reference, does not set it) */
	CHECK_EQ(syscall(SYS_recvmsg, sv[1], &m, 0), 2, "recvmsg truncated control data");
	m.msg_controllen = sizeof rc[0].buf;
	CHECK_ERR(syscall(SYS_recvmsg, sv[1], &m, MSG_DONTWAIT), EAGAIN, "recvmsg nothing queued");

	/* sendmmsg: descriptors, credentials, nothing; recvmmsg: each message's own control data */
	memset(mm, 0, sizeof mm);
	for (int i = 0; i < 3; i++) {
		mm[i].msg_hdr.msg_iov = &out;
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	mm[0].msg_hdr.msg_control = c[1].buf;
	mm[0].msg_hdr.msg_controllen = cmsg_put(c[1].buf, SOL_SOCKET, SCM_RIGHTS, pfd, sizeof pfd[0]);
	mm[1].msg_hdr.msg_control = c[2].buf;
	mm[1].msg_hdr.msg_controllen = cmsg_put(c[2].buf, SOL_SOCKET, SCM_CREDENTIALS, &cr, sizeof cr);
	CHECK_EQ(syscall(SYS_sendmmsg, sv[0], mm, 3, 0), 3, "sendmmsg with control data");
	memset(rm, 0, sizeof rm);
	for (int i = 0; i < 4; i++) {
		rm[i].msg_hdr.msg_iov = &ins[i];
		rm[i].msg_hdr.msg_iovlen = 1;
		rm[i].msg_hdr.msg_control = rc[i].buf;
		rm[i].msg_hdr.msg_controllen = sizeof rc[i].buf;
	}
	CHECK_EQ(syscall(SYS_recvmmsg, sv[1], rm, 4, MSG_DONTWAIT | MSG_CMSG_CLOEXEC, NULL), 3,
		 "recvmmsg with control data");
	for (int i = 0; i < 3; i++)
		close_fds(&rm[i].msg_hdr);

	/* control data the kernel refuses, printed as it was given */
	m.msg_iov = &out;
	m.msg_control = c[0].buf;
	int64_t ts[6] = { 1, 2, 3, 4, 5, 6 };
	m.msg_controllen = cmsg_put(c[0].buf, SOL_SOCKET, 35 /* SO_TIMESTAMPNS */, ts, 16);
	CHECK_ERR(syscall(SYS_sendmsg, sv[0], &m, 0), EINVAL, "sendmsg SO_TIMESTAMPNS");
	m.msg_controllen = cmsg_put(c[0].buf, SOL_SOCKET, 37 /* SO_TIMESTAMPING */, ts, sizeof ts);
	CHECK_ERR(syscall(SYS_sendmsg, sv[0], &m, 0), EINVAL, "sendmsg SO_TIMESTAMPING");
	m.msg_controllen = cmsg_put(c[0].buf, SOL_SOCKET, 77, ts, 8);
	CHECK_ERR(syscall(SYS_sendmsg, sv[0], &m, 0), EINVAL, "sendmsg unknown SOL_SOCKET type");
	cr.uid = (uid_t)-1;
	m.msg_controllen = cmsg_put(c[0].buf, SOL_SOCKET, SCM_CREDENTIALS, &cr, sizeof cr);
	CHECK_ERR(syscall(SYS_sendmsg, sv[0], &m, 0), EINVAL, "sendmsg SCM_CREDENTIALS uid -1");
	m.msg_control = BAD;
	m.msg_controllen = 16;
	CHECK_ERR(syscall(SYS_sendmsg, sv[0], &m, 0), EFAULT, "sendmsg control data unreadable");

	/* control data the kernel ignores (too short for a cmsghdr, levels AF_UNIX has no use
	 * for): sent, then received */
	m.msg_control = c[0].buf;
	m.msg_controllen = 8;
	CHECK_EQ(syscall(SYS_sendmsg, sv[0], &m, 0), 2, "sendmsg control data shorter than a cmsghdr");
	m.msg_iov = &ins[0];
	m.msg_control = NULL;
	m.msg_controllen = 0;
	CHECK_EQ(syscall(SYS_recvmsg, sv[1], &m, 0), 2, "recvmsg without control buffer");
	CHECK(m.msg_flags & MSG_CTRUNC, "recvmsg: credentials cut");
	m.msg_iov = &out;
	unsigned char tos[3] = { 0, 0xff, 0x10 };
	uint32_t pktinfo[3] = { 0, 0x0100007f, 0x0200007f };
	m.msg_control = c[0].buf;
	m.msg_controllen = cmsg_put(c[0].buf, 0 /* SOL_IP */, 1 /* IP_TOS */, tos, sizeof tos);
	n = cmsg_put(c[0].buf + m.msg_controllen, 0, 8 /* IP_PKTINFO */, pktinfo, sizeof pktinfo);
	m.msg_controllen += n;
	m.msg_controllen += cmsg_put(c[0].buf + m.msg_controllen, 1234, 5, tos, 1);
	CHECK_EQ(syscall(SYS_sendmsg, sv[0], &m, 0), 2, "sendmsg SOL_IP and unknown levels");
	m.msg_iov = &ins[0];
	m.msg_control = rc[0].buf;
	m.msg_controllen = sizeof rc[0].buf;
	CHECK_EQ(syscall(SYS_recvmsg, sv[1], &m, 0), 2, "recvmsg the credentials alone");

	CHECK_SYS(syscall(SYS_close, pfd[0]), "close");
	CHECK_SYS(syscall(SYS_close, pfd[1]), "close");
	CHECK_SYS(syscall(SYS_close, sv[0]), "close");
	CHECK_SYS(syscall(SYS_close, sv[1]), "close");
}

/* A cmsg_len past msg_controllen (strace shows the data there is) and one shorter than a
 * cmsghdr (the walk ends, the rest is "..."): the kernel refuses both; qemu-aarch64, the arm64
 * reference, sends them. */
static CHECK_UNUSED void cmsg_lens(void)
{
	int sv[2], fds[2] = { 0, 1 };
	union ctl c;
	struct iovec out = { "fd", 2 };
	struct msghdr m;

	CHECK_SYS(syscall(SYS_socketpair, AF_UNIX, SOCK_DGRAM, 0, sv), "socketpair");
	memset(&c, 0xee, sizeof c);
	memset(&m, 0, sizeof m);
	m.msg_iov = &out;
	m.msg_iovlen = 1;
	m.msg_control = c.buf;
	m.msg_controllen = cmsg_put(c.buf, SOL_SOCKET, SCM_RIGHTS, fds, sizeof fds) + 8;
	c.h.cmsg_len = 100;
	CHECK_ERR(syscall(SYS_sendmsg, sv[0], &m, 0), EINVAL, "sendmsg cmsg_len too long");
	c.h.cmsg_len = 8;
	CHECK_ERR(syscall(SYS_sendmsg, sv[0], &m, 0), EINVAL, "sendmsg cmsg_len too short");
	CHECK_SYS(syscall(SYS_close, sv[0]), "close");
	CHECK_SYS(syscall(SYS_close, sv[1]), "close");
}

int main(void)
{
	static char obuf[1 << 16];
	setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
	futexes();
	mmsgs();
	cmsgs();
	/* qemu-aarch64 7.2 (the arm64 reference of tests/e2e/testprogs.sh) has neither call, nor
	 * the kernel's cmsg_len checks */
	mark("x86-only");
#ifdef __x86_64__
	openat2s();
	clones();
	cmsg_lens();
#endif
	mark("end");
	return check_done();
}
