/* New processes and waiting for them: fork, vfork, clone and clone3 without a shared address
 * space, wait4, waitid.
 *
 * A guest process is a host process. fork is a host fork() inside the syscall hook: the child
 * is a copy of the whole emulator, its guest memory included (MAP_PRIVATE mappings become
 * copies, MAP_SHARED ones stay shared), and it carries on from the same syscall with a return
 * value of 0. Guest pids are host pids, so wait4, waitid, kill and getppid need no
 * translation, and a child that dies of a signal (syscorn dies of it, see src/main.c) gives its
 * parent the wait status a native child would.
 *
 * vfork and CLONE_VM|CLONE_VFORK are forks too, as in qemu-user: a separate host process cannot
 * share the parent's private memory. The parent still waits until the child has exec'd or
 * exited, as the kernel makes it, so output order and timing stay those of a native vfork. A
 * child that exits without exec'ing hands its parent back what it changed in the part of the
 * stack the parent had in use (from its stack pointer up), which is where vfork children write
 * what their parent reads next: glibc's posix_spawn reports a failed exec through a structure
 * in the parent's frame, and `if (!vfork()) { execve(...); err = errno; _exit(127); }` sets a
 * local. Only the bytes the child changed are written back, so what the parent's other threads
 * wrote there meanwhile stays. Writes elsewhere (heap, globals) stay the child's. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../arch/arch.h"
#include "../mem.h"
#include "../syscall.h"
#include "../thread.h"

/* Clone flags: the same values on every Linux guest and on the host. */
_Static_assert(CLONE_VM == 0x100 && CLONE_FS == 0x200 && CLONE_FILES == 0x400 &&
		       CLONE_SIGHAND == 0x800 && CLONE_PIDFD == 0x1000 && CLONE_VFORK == 0x4000 &&
		       CLONE_PARENT == 0x8000 && CLONE_THREAD == 0x10000 &&
		       CLONE_SETTLS == 0x80000 && CLONE_PARENT_SETTID == 0x100000 &&
		       CLONE_CHILD_CLEARTID == 0x200000 && CLONE_CHILD_SETTID == 0x1000000,
	       "host clone flags are the generic Linux ones");
#define CSIGNAL_MASK 0xffull

/* Flags that are about the guest's view of the new task and handled here, not by the host. */
#define GUEST_ONLY_FLAGS                                                                       \
	(CLONE_VM | CLONE_SIGHAND | CLONE_THREAD | CLONE_VFORK | CLONE_SETTLS |                \
	 CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | CLONE_DETACHED |   \
	 CLONE_PTRACE | CLONE_UNTRACED | CSIGNAL_MASK)

/* In a vfork child that has neither exec'd nor exited: the write end of the pipe its parent
 * is blocked on (close-on-exec, so an exec ends the wait as it ends a native vfork's). One per
 * host process, as the wait is. */
static int vfork_done_fd = -1;
/* With it: the parent's stack in use at the vfork, [start, start + len), and its contents
 * then, to find what the child changed. */
static gaddr_t vfork_stack_start;
static uint8_t *vfork_stack_orig;
static size_t vfork_stack_len;

#define VFORK_STACK_MAX (64ull << 20)

/* One changed run on the pipe: this header, then len bytes. */
struct vfork_run {
	uint64_t addr, len;
};

static bool write_all(int fd, const void *buf, size_t n)
{
	for (size_t done = 0; done < n;) {
		ssize_t k = write(fd, (const uint8_t *)buf + done, n - done);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		done += (size_t)k;
	}
	return true;
}

void sc_vfork_exit(struct sc_thread *t)
{
	if (vfork_done_fd < 0)
		return;
	const uint8_t *now = guest_io_buf(t->proc, vfork_stack_start, vfork_stack_len);
	if (vfork_stack_orig && now &&
	    guest_access_ok(t->proc, vfork_stack_start, vfork_stack_len, PROT_READ)) {
		/* Runs of changed bytes, joined across short unchanged gaps. */
		size_t i = 0, n = vfork_stack_len;
		while (i < n) {
			while (i < n && now[i] == vfork_stack_orig[i])
				i++;
			if (i == n)
				break;
			size_t j = i, same = 0;
			for (; j < n && same < 32; j++)
				same = now[j] == vfork_stack_orig[j] ? same + 1 : 0;
			j -= same;
			struct vfork_run r = { vfork_stack_start + i, j - i };
			if (!write_all(vfork_done_fd, &r, sizeof r) || !write_all(vfork_done_fd, now + i, j - i))
				break;
			i = j;
		}
	}
	free(vfork_stack_orig);
	vfork_stack_orig = NULL;
	close(vfork_done_fd);
	vfork_done_fd = -1;
}

/* Reads exactly n bytes unless EOF or an error comes first; returns what it read. */
static size_t read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t k = read(fd, (uint8_t *)buf + got, n - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	return got;
}

/* The parent's side: waits for the child's exec or exit, and in the latter case takes what
 * the child changed in its stack, every run that came whole. */
static void vfork_wait(struct sc_thread *t, int fd)
{
	/* Only the child's exec or exit ends a vfork wait, not a signal; the parent's other
	 * threads run meanwhile. */
	bool released = sc_blocking_begin(t);
	uint8_t *runs = NULL;
	size_t len = 0;
	for (;;) {
		struct vfork_run r;
		if (read_full(fd, &r, sizeof r) < sizeof r || !r.len || r.len > VFORK_STACK_MAX ||
		    len + sizeof r + r.len > VFORK_STACK_MAX)
			break;
		uint8_t *nb = realloc(runs, len + sizeof r + r.len);
		if (!nb)
			break;
		runs = nb;
		if (read_full(fd, runs + len + sizeof r, r.len) < r.len)
			break;
		memcpy(runs + len, &r, sizeof r);
		len += sizeof r + r.len;
	}
	/* Until the child's exec or exit closes the pipe. */
	char c[256];
	while (read_full(fd, c, sizeof c) == sizeof c)
		;
	sc_blocking_end(t, released);
	/* Guest memory is written under the execution lock, as the memory map may change. */
	for (size_t off = 0; off < len;) {
		struct vfork_run r;
		memcpy(&r, runs + off, sizeof r);
		(void)copy_to_guest(t->proc, r.addr, runs + off + sizeof r, r.len);
		off += sizeof r + r.len;
	}
	free(runs);
}

/* Out of the way of the lowest-free-descriptor rule the guest relies on. */
static int high_fd(int fd)
{
	struct rlimit r;
	int min = 512;
	if (!getrlimit(RLIMIT_NOFILE, &r) && r.rlim_cur != RLIM_INFINITY && r.rlim_cur < 1024)
		min = (int)r.rlim_cur / 2;
	int h = fcntl(fd, F_DUPFD_CLOEXEC, min);
	close(fd);
	return h;
}

static void set_tls(struct sc_thread *t, gaddr_t tls)
{
	if (t->proc->arch->e_machine == EM_X86_64)
		uc_reg_write(t->uc, UC_X86_REG_FS_BASE, &tls);
	else
		uc_reg_write(t->uc, UC_ARM64_REG_TPIDR_EL0, &tls);
}

/* The new process's side: the state the kernel gives a fork child. The thread and signal
 * machinery follows when the syscall returns (sc_threads_after_fork, from sc_trap). */
static void child_setup(struct sc_thread *t, uint64_t flags, gaddr_t stack, gaddr_t child_tid,
			gaddr_t tls, int vfork_wr)
{
	struct sc_process *p = t->proc;
	/* Our parent's vfork wait is not ours to end. */
	if (vfork_done_fd >= 0)
		close(vfork_done_fd);
	vfork_done_fd = vfork_wr >= 0 ? high_fd(vfork_wr) : -1;
	free(vfork_stack_orig);
	vfork_stack_orig = NULL;
	if (vfork_done_fd >= 0) {
		/* Before the child's own stack pointer replaces the parent's. */
		gaddr_t sp = 0;
		uc_reg_read(t->uc, p->arch->sp_reg, &sp);
		const struct sc_vma *v = mem_find(p, sp);
		vfork_stack_start = sp;
		vfork_stack_len = v && v->end - sp <= VFORK_STACK_MAX ? v->end - sp : 0;
		if (vfork_stack_len && (vfork_stack_orig = malloc(vfork_stack_len)) &&
		    copy_from_guest(p, vfork_stack_orig, sp, vfork_stack_len)) {
			free(vfork_stack_orig);
			vfork_stack_orig = NULL;
		}
	}
	if (stack)
		uc_reg_write(t->uc, p->arch->sp_reg, &stack);
	if (flags & CLONE_SETTLS)
		set_tls(t, tls);
	/* The kernel ignores a fault on these; so does the child. */
	if (flags & CLONE_CHILD_SETTID) {
		int32_t tid = (int32_t)gettid();
		(void)put_guest(p, child_tid, tid);
	}
	p->tid_address = (flags & CLONE_CHILD_CLEARTID) ? child_tid : 0;
	p->robust_list = 0;
	p->robust_len = 0;
	/* Pending signals are not inherited; the host's own were cleared by its fork. */
	p->sigpending = 0;
}

/* flags without the exit signal, which comes apart (clone3 uses those bits for flags). */
static long do_fork(struct sc_thread *t, uint64_t flags, int exit_signal, gaddr_t stack,
		    gaddr_t parent_tid, gaddr_t child_tid, gaddr_t tls, gaddr_t pidfd_addr)
{
	struct sc_process *p = t->proc;
	/* The kernel's consistency rules (copy_process). */
	if ((flags & (CLONE_NEWNS | CLONE_FS)) == (CLONE_NEWNS | CLONE_FS) ||
	    (flags & (CLONE_NEWUSER | CLONE_FS)) == (CLONE_NEWUSER | CLONE_FS))
		return -EINVAL;
	if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND))
		return -EINVAL;
	if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
		return -EINVAL;
	if ((flags & CLONE_PIDFD) && (flags & (CLONE_DETACHED | CLONE_THREAD)))
		return -EINVAL;
	if ((flags & CLONE_VM) && !(flags & CLONE_VFORK))
		return sc_clone_thread(t, flags | (uint64_t)exit_signal, stack, parent_tid, child_tid,
				       tls);
	/* CLONE_VM|CLONE_VFORK without a thread or shared handlers: a vfork (glibc's posix_spawn,
	 * Go's os/exec), done as one. */
	if (flags & CLONE_SIGHAND)
		return -EINVAL;
	if ((flags & CLONE_PIDFD) && !guest_access_ok(p, pidfd_addr, sizeof(int32_t), PROT_WRITE))
		return -EFAULT;

	int vfork_pipe[2] = { -1, -1 };
	if ((flags & CLONE_VFORK) && pipe2(vfork_pipe, O_CLOEXEC))
		vfork_pipe[0] = vfork_pipe[1] = -1; /* then the parent does not wait */

	uint64_t host_flags = flags & ~(uint64_t)GUEST_ONLY_FLAGS;
	int pidfd = -1;
	pid_t pid;
	if (!host_flags && exit_signal == SIGCHLD) {
		/* libc's fork keeps the host libc's own state (locks, caches) right in the child. */
		pid = fork();
	} else {
		/* Anything else (another exit signal, CLONE_FILES, CLONE_PARENT, a pidfd,
		 * namespaces) is the host kernel's to do and to judge. */
		pid = (pid_t)syscall(SYS_clone, (unsigned long)(host_flags | (uint64_t)exit_signal),
				     NULL, (host_flags & CLONE_PIDFD) ? &pidfd : NULL, NULL, 0ul);
	}
	if (pid < 0) {
		long e = -errno;
		if (vfork_pipe[0] >= 0) {
			close(vfork_pipe[0]);
			close(vfork_pipe[1]);
		}
		return e;
	}
	if (pid == 0) {
		p->sig_children = false; /* (--strace: no SIGCHLD to look for, sig_traced.c) */
		if (vfork_pipe[0] >= 0)
			close(vfork_pipe[0]);
		child_setup(t, flags, stack, child_tid, tls, vfork_pipe[1]);
		return 0;
	}
	__atomic_store_n(&p->sig_children, true, __ATOMIC_RELAXED); /* a SIGCHLD may come */
	if (flags & CLONE_PIDFD) {
		int32_t g = pidfd;
		(void)put_guest(p, pidfd_addr, g);
	}
	if (flags & CLONE_PARENT_SETTID) {
		int32_t g = pid;
		(void)put_guest(p, parent_tid, g);
	}
	if (vfork_pipe[0] >= 0) {
		close(vfork_pipe[1]);
		vfork_wait(t, vfork_pipe[0]);
		close(vfork_pipe[0]);
	}
	return pid;
}

SYSCALL_DEFINE0(fork)
{
	return do_fork(t, 0, SIGCHLD, 0, 0, 0, 0, 0);
}

SYSCALL_DEFINE0(vfork)
{
	return do_fork(t, CLONE_VM | CLONE_VFORK, SIGCHLD, 0, 0, 0, 0, 0);
}

/* The fourth and fifth arguments are the child tid address and the TLS on x86-64, the other way
 * round on arm64 (the kernel's CLONE_BACKWARDS). */
SYSCALL_DEFINE5(clone, ulong, flags, ptr, stack, ptr, parent_tid, ptr, arg4, ptr, arg5)
{
	gaddr_t child_tid = arg4, tls = arg5;
	if (t->proc->arch->e_machine == EM_AARCH64) {
		child_tid = arg5;
		tls = arg4;
	}
	/* clone() has one slot for the pidfd and the parent tid. */
	if ((flags & CLONE_PIDFD) && (flags & CLONE_PARENT_SETTID))
		return -EINVAL;
	/* The legacy call takes the low 32 bits of flags (the exit signal among them). */
	uint32_t f = (uint32_t)flags;
	return do_fork(t, f & ~CSIGNAL_MASK, (int)(f & CSIGNAL_MASK), stack, parent_tid, child_tid,
		       tls, parent_tid);
}

/* include/uapi/linux/sched.h: the same on every 64-bit guest. Sizes below CLONE_ARGS_SIZE_VER0
 * are refused; larger structs must be zero beyond what we know. */
struct guest_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};
_Static_assert(sizeof(struct guest_clone_args) == 88, "struct clone_args (VER2) is 88 bytes");
#define CLONE_ARGS_SIZE_VER0 64
#define GUEST_CLONE_CLEAR_SIGHAND 0x100000000ull
#define GUEST_CLONE_INTO_CGROUP 0x200000000ull

SYSCALL_DEFINE2(clone3, ptr, uargs, size, size)
{
	struct sc_process *p = t->proc;
	struct guest_clone_args a = { 0 };
	if (size < CLONE_ARGS_SIZE_VER0 || size > SC_PAGE)
		return size < CLONE_ARGS_SIZE_VER0 ? -EINVAL : -E2BIG;
	if (copy_from_guest(p, &a, uargs, size < sizeof a ? size : sizeof a))
		return -EFAULT;
	for (uint64_t off = sizeof a; off < size; off++) {
		uint8_t b;
		if (get_guest(p, b, uargs + off))
			return -EFAULT;
		if (b)
			return -E2BIG;
	}
	/* clone3_args_valid(). */
	if (a.flags & ~(0xffffffffull | GUEST_CLONE_CLEAR_SIGHAND | GUEST_CLONE_INTO_CGROUP))
		return -EINVAL;
	if (a.flags & (CLONE_DETACHED | (CSIGNAL_MASK & ~(uint64_t)CLONE_NEWTIME)))
		return -EINVAL;
	if ((a.flags & CLONE_SIGHAND) && (a.flags & GUEST_CLONE_CLEAR_SIGHAND))
		return -EINVAL;
	if ((a.flags & (CLONE_THREAD | CLONE_PARENT)) && a.exit_signal)
		return -EINVAL;
	if (a.exit_signal > 64) /* checked while copying the arguments in */
		return -EINVAL;
	if ((a.stack == 0) != (a.stack_size == 0))
		return -EINVAL;
	if (a.set_tid || a.set_tid_size)
		return a.set_tid_size > 32 ? -EINVAL : -EPERM; /* needs CAP_SYS_ADMIN over the pid ns */
	/* A cgroup target, a fresh set of handlers and a time namespace are not supported. */
	if (a.flags & (GUEST_CLONE_INTO_CGROUP | GUEST_CLONE_CLEAR_SIGHAND | CLONE_NEWTIME))
		return -ENOSYS;
	/* clone3's stack is the lowest address of the area; the kernel starts the child at its
	 * top, as clone() does with the stack pointer it is given. */
	gaddr_t sp = a.stack ? a.stack + a.stack_size : 0;
	return do_fork(t, a.flags, (int)a.exit_signal, sp, a.parent_tid, a.child_tid, a.tls,
		       a.pidfd);
}

/* wait4 and waitid: the guest's struct rusage and siginfo_t are the host's, byte for byte, so the
 * host kernel writes them straight into guest memory and reports EFAULT where the guest's would
 * (after reaping the child, as it does). */
_Static_assert(sizeof(struct rusage) == 144, "struct rusage is 144 bytes on 64-bit");
_Static_assert(sizeof(siginfo_t) == 128 && offsetof(siginfo_t, si_pid) == 16 &&
		       offsetof(siginfo_t, si_uid) == 20 && offsetof(siginfo_t, si_status) == 24 &&
		       offsetof(siginfo_t, si_utime) == 32 && offsetof(siginfo_t, si_stime) == 40,
	       "host siginfo_t (SIGCHLD fields) is the 64-bit guests' layout");

/* A host pointer for an optional guest out-argument: NULL for NULL, and for an address outside
 * the guest one that the host kernel will refuse with EFAULT. */
static void *out_ptr(struct sc_process *p, gaddr_t addr, size_t n)
{
	if (!addr)
		return NULL;
	void *h = guest_io_buf(p, addr, n);
	return h ? h : (void *)~(uintptr_t)0;
}

SYSCALL_DEFINE4(wait4, pid, pid, ptr, status, int, options, ptr, ru)
{
	struct sc_process *p = t->proc;
	long r = syscall(SYS_wait4, pid, out_ptr(p, status, sizeof(int)), options,
			 out_ptr(p, ru, sizeof(struct rusage)));
	return r < 0 ? -errno : r;
}

SYSCALL_DEFINE5(waitid, int, idtype, int, id, ptr, info, int, options, ptr, ru)
{
	struct sc_process *p = t->proc;
	long r = syscall(SYS_waitid, idtype, id, out_ptr(p, info, sizeof(siginfo_t)), options,
			 out_ptr(p, ru, sizeof(struct rusage)));
	return r < 0 ? -errno : r;
}
