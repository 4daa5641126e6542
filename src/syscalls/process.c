/* Process identity and exit, credentials, process groups, prctl, scheduling. */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../arch/arch.h"
#include "../syscall.h"
#include "../thread.h"

SYSCALL_DEFINE1(exit, int, status)
{
	/* One thread ends; the process with its last one. */
	if (t->proc->nthreads == 1)
		sc_vfork_exit(t);
	sc_thread_exit(t, status & 0xff);
	return 0;
}

SYSCALL_DEFINE1(exit_group, int, status)
{
	sc_vfork_exit(t);
	sc_guest_exit(t, status & 0xff, 0);
	return 0;
}

SYSCALL_DEFINE0(getpid)
{
	(void)t;
	return getpid();
}

SYSCALL_DEFINE0(getppid)
{
	(void)t;
	return getppid();
}

SYSCALL_DEFINE0(gettid)
{
	(void)t;
	return gettid();
}

SYSCALL_DEFINE1(set_tid_address, ptr, tidptr)
{
	t->clear_tid = tidptr;
	return gettid();
}

SYSCALL_DEFINE2(set_robust_list, ptr, head, size, len)
{
	if (len != 24)
		return -EINVAL;
	t->robust_list = head;
	t->robust_len = len;
	return 0;
}

SYSCALL_DEFINE3(get_robust_list, pid, pid, ptr, head_ptr, ptr, len_ptr)
{
	/* The kernel reports the size of the list head, set or not. */
	uint64_t head = 0, len = 24;
	struct sc_process *p = t->proc;
	pthread_mutex_lock(&p->lock);
	struct sc_thread *u = pid == 0 ? t : sc_thread_find(p, pid);
	if (u)
		head = u->robust_list;
	pthread_mutex_unlock(&p->lock);
	if (!u) {
		/* Another process: the host knows it (and judges the permission); if it runs under
		 * syscorn too, the answer describes that emulator, not its guest. */
		void *h;
		size_t l;
		if (syscall(SYS_get_robust_list, pid, &h, &l))
			return -errno;
		head = (uint64_t)(uintptr_t)h;
		len = l;
	}
	if (put_guest(t->proc, len_ptr, len) || put_guest(t->proc, head_ptr, head))
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE0(getuid) { (void)t; return getuid(); }
SYSCALL_DEFINE0(geteuid) { (void)t; return geteuid(); }
SYSCALL_DEFINE0(getgid) { (void)t; return getgid(); }
SYSCALL_DEFINE0(getegid) { (void)t; return getegid(); }

/* Credentials go straight to the host kernel with syscall(2): the libc wrappers would also
 * signal every host thread to change in step, which is not the semantics of the guest's one
 * thread asking. uid/gid -1 means "unchanged" to the kernel on both sides. */
SYSCALL_DEFINE1(setuid, uid, uid) { (void)t; return syscall(SYS_setuid, uid) ? -errno : 0; }
SYSCALL_DEFINE1(setgid, uid, gid) { (void)t; return syscall(SYS_setgid, gid) ? -errno : 0; }

SYSCALL_DEFINE2(setreuid, uid, ruid, uid, euid)
{
	(void)t;
	return syscall(SYS_setreuid, ruid, euid) ? -errno : 0;
}

SYSCALL_DEFINE2(setregid, uid, rgid, uid, egid)
{
	(void)t;
	return syscall(SYS_setregid, rgid, egid) ? -errno : 0;
}

SYSCALL_DEFINE3(setresuid, uid, ruid, uid, euid, uid, suid)
{
	(void)t;
	return syscall(SYS_setresuid, ruid, euid, suid) ? -errno : 0;
}

SYSCALL_DEFINE3(setresgid, uid, rgid, uid, egid, uid, sgid)
{
	(void)t;
	return syscall(SYS_setresgid, rgid, egid, sgid) ? -errno : 0;
}

/* No error case: the previous fsuid comes back whether or not the change was allowed. */
SYSCALL_DEFINE1(setfsuid, uid, uid) { (void)t; return syscall(SYS_setfsuid, uid); }
SYSCALL_DEFINE1(setfsgid, uid, gid) { (void)t; return syscall(SYS_setfsgid, gid); }

/* The kernel stores each id with its own put_user: a bad second pointer leaves the first
 * written. */
static long put_ids(struct sc_thread *t, gaddr_t a, gaddr_t b, gaddr_t c, uint32_t ids[3])
{
	if (put_guest(t->proc, a, ids[0]) || put_guest(t->proc, b, ids[1]) ||
	    put_guest(t->proc, c, ids[2]))
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE3(getresuid, ptr, ruid, ptr, euid, ptr, suid)
{
	uid_t r, e, s;
	if (getresuid(&r, &e, &s))
		return -errno;
	uint32_t ids[3] = { r, e, s };
	return put_ids(t, ruid, euid, suid, ids);
}

SYSCALL_DEFINE3(getresgid, ptr, rgid, ptr, egid, ptr, sgid)
{
	gid_t r, e, s;
	if (getresgid(&r, &e, &s))
		return -errno;
	uint32_t ids[3] = { r, e, s };
	return put_ids(t, rgid, egid, sgid, ids);
}

/* gid_t is 32 bits on both guests. */
SYSCALL_DEFINE2(getgroups, int, size, ptr, list)
{
	if (size < 0)
		return -EINVAL;
	int n = getgroups(0, NULL);
	if (n < 0)
		return -errno;
	if (!size)
		return n;
	if (n > size)
		return -EINVAL;
	gid_t *g = calloc((size_t)n + 1, sizeof *g);
	if (!g)
		return -ENOMEM;
	n = getgroups(n, g);
	long r = n < 0 ? -errno : 0;
	_Static_assert(sizeof(gid_t) == 4, "host gid_t is the guests' 32 bits");
	if (!r && copy_to_guest(t->proc, list, g, (size_t)n * sizeof *g))
		r = -EFAULT;
	free(g);
	return r ? r : n;
}

SYSCALL_DEFINE2(setgroups, int, size, ptr, list)
{
	if (size < 0 || size > NGROUPS_MAX)
		return -EINVAL;
	gid_t *g = calloc((size_t)size + 1, sizeof *g);
	if (!g)
		return -ENOMEM;
	long r = copy_from_guest(t->proc, g, list, (size_t)size * sizeof *g);
	if (!r)
		r = syscall(SYS_setgroups, size, g) ? -errno : 0;
	free(g);
	return r;
}

/* Process groups and sessions are the host's: the guest's pid is syscorn's. */
SYSCALL_DEFINE1(getpgid, pid, pid)
{
	(void)t;
	pid_t r = getpgid(pid);
	return r < 0 ? -errno : r;
}

SYSCALL_DEFINE2(setpgid, pid, pid, pid, pgid)
{
	(void)t;
	return setpgid(pid, pgid) ? -errno : 0;
}

SYSCALL_DEFINE0(getpgrp)
{
	(void)t;
	return getpgrp();
}

SYSCALL_DEFINE1(getsid, pid, pid)
{
	(void)t;
	pid_t r = getsid(pid);
	return r < 0 ? -errno : r;
}

SYSCALL_DEFINE0(setsid)
{
	(void)t;
	pid_t r = setsid();
	return r < 0 ? -errno : r;
}

/* prctl: the options libc and common programs use. The name is the host thread's, so that ps
 * and /proc/<pid>/comm show what the guest chose. */
#define TASK_COMM_LEN 16

static void warn_prctl(struct sc_process *p, int option)
{
	if (p->warned_once & SC_WARNED_PRCTL)
		return;
	p->warned_once |= SC_WARNED_PRCTL;
	sc_warn(p, "unsupported prctl option %d (EINVAL; further ones are not reported)", option);
}

SYSCALL_DEFINE5(prctl, cmd, option, ulong, arg2, ulong, arg3, ulong, arg4, ulong, arg5)
{
	struct sc_process *p = t->proc;
	char name[TASK_COMM_LEN];
	int v;
	switch (option) {
	case PR_SET_NAME: {
		/* The kernel takes at most 15 bytes and never reads further. */
		memset(name, 0, sizeof name);
		long n = strncpy_from_guest(p, name, arg2, TASK_COMM_LEN - 1);
		if (n == -EFAULT)
			return -EFAULT;
		name[TASK_COMM_LEN - 1] = 0;
		return prctl(PR_SET_NAME, name) ? -errno : 0;
	}
	case PR_GET_NAME:
		if (prctl(PR_GET_NAME, name))
			return -errno;
		return copy_to_guest(p, arg2, name, TASK_COMM_LEN);
	case PR_SET_PDEATHSIG:
		/* Sent by the host kernel to syscorn, whose disposition for it mirrors the guest's. */
		if (arg2 > 64)
			return -EINVAL;
		return prctl(PR_SET_PDEATHSIG, arg2) ? -errno : 0;
	case PR_GET_PDEATHSIG:
		if (prctl(PR_GET_PDEATHSIG, &v))
			return -errno;
		return put_guest(p, arg2, v);
	case PR_GET_DUMPABLE:
		v = prctl(PR_GET_DUMPABLE);
		return v < 0 ? -errno : v;
	case PR_SET_DUMPABLE:
		if (arg2 != 0 && arg2 != 1)
			return -EINVAL;
		return prctl(PR_SET_DUMPABLE, arg2) ? -errno : 0;
	case PR_SET_NO_NEW_PRIVS:
		/* Sticky and inherited: the same promise holds for syscorn and whatever it execs. */
		if (arg2 != 1 || arg3 || arg4 || arg5)
			return -EINVAL;
		return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ? -errno : 0;
	case PR_GET_NO_NEW_PRIVS:
		if (arg2 || arg3 || arg4 || arg5)
			return -EINVAL;
		v = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
		return v < 0 ? -errno : v;
	default:
		warn_prctl(p, (int)option);
		return -EINVAL;
	}
}

/* Scheduling: the guest's one thread is syscorn's, so its affinity, policy and priority are
 * the host thread's. */
#define MAX_CPUMASK 8192 /* bytes: 65536 CPUs, more than any kernel configures */

SYSCALL_DEFINE3(sched_getaffinity, pid, pid, uint, len, ptr, mask)
{
	uint8_t buf[MAX_CPUMASK];
	/* The host checks len against its CPU count and returns how much of the mask it wrote:
	 * min(len, its mask size), as the guest expects. */
	long r = syscall(SYS_sched_getaffinity, pid, len < MAX_CPUMASK ? len : MAX_CPUMASK, buf);
	if (r < 0)
		return -errno;
	return copy_to_guest(t->proc, mask, buf, (size_t)r) ? -EFAULT : r;
}

SYSCALL_DEFINE3(sched_setaffinity, pid, pid, uint, len, ptr, mask)
{
	uint8_t buf[MAX_CPUMASK];
	unsigned n = len < MAX_CPUMASK ? len : MAX_CPUMASK;
	if (copy_from_guest(t->proc, buf, mask, n))
		return -EFAULT;
	return syscall(SYS_sched_setaffinity, pid, n, buf) ? -errno : 0;
}

SYSCALL_DEFINE0(sched_yield)
{
	(void)t;
	sched_yield();
	return 0;
}

/* struct sched_param is one int everywhere. */
SYSCALL_DEFINE2(sched_getparam, pid, pid, ptr, param)
{
	int32_t prio;
	if (!param)
		return -EINVAL;
	if (syscall(SYS_sched_getparam, pid, &prio))
		return -errno;
	return put_guest(t->proc, param, prio);
}

SYSCALL_DEFINE2(sched_setparam, pid, pid, ptr, param)
{
	int32_t prio;
	if (!param)
		return -EINVAL;
	if (get_guest(t->proc, prio, param))
		return -EFAULT;
	return syscall(SYS_sched_setparam, pid, &prio) ? -errno : 0;
}

SYSCALL_DEFINE1(sched_getscheduler, pid, pid)
{
	(void)t;
	long r = syscall(SYS_sched_getscheduler, pid);
	return r < 0 ? -errno : r;
}

SYSCALL_DEFINE3(sched_setscheduler, pid, pid, int, policy, ptr, param)
{
	int32_t prio;
	if (!param)
		return -EINVAL;
	if (get_guest(t->proc, prio, param))
		return -EFAULT;
	return syscall(SYS_sched_setscheduler, pid, policy, &prio) ? -errno : 0;
}

SYSCALL_DEFINE1(sched_get_priority_max, int, policy)
{
	(void)t;
	long r = sched_get_priority_max(policy);
	return r < 0 ? -errno : r;
}

SYSCALL_DEFINE1(sched_get_priority_min, int, policy)
{
	(void)t;
	long r = sched_get_priority_min(policy);
	return r < 0 ? -errno : r;
}

SYSCALL_DEFINE2(sched_rr_get_interval, pid, pid, timespec, interval)
{
	struct timespec h;
	if (syscall(SYS_sched_rr_get_interval, pid, &h))
		return -errno;
	int64_t g[2] = { h.tv_sec, h.tv_nsec };
	return put_guest(t->proc, interval, g);
}

/* The raw calls: the kernel's getpriority returns 20 - nice (never negative, so never taken
 * for an error) and libc converts; the guest's libc will do that conversion itself. */
SYSCALL_DEFINE2(getpriority, int, which, int, who)
{
	(void)t;
	long r = syscall(SYS_getpriority, which, who);
	return r < 0 ? -errno : r;
}

SYSCALL_DEFINE3(setpriority, int, which, int, who, int, niceval)
{
	(void)t;
	return syscall(SYS_setpriority, which, who, niceval) ? -errno : 0;
}

/* Restartable sequences need the kernel to abort a guest critical section on preemption and
 * migration, which an emulator that runs one guest thread at a time on one engine does not
 * observe. glibc registers rseq at start-up and carries on without it on ENOSYS, so this is a
 * decision, not a gap: no "unsupported syscall" warning. */
SYSCALL_DEFINE4(rseq, ptr, rseq, uint, len, int, flags, uint, sig)
{
	(void)t, (void)rseq, (void)len, (void)flags, (void)sig;
	return -ENOSYS;
}
