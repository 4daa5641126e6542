/* Process identity, limits and exit. */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/times.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "../arch/arch.h"
#include "../syscall.h"

SYSCALL_DEFINE1(exit, int, status)
{
	/* One thread for now: the thread's exit ends the process. */
	sc_guest_exit(t, status & 0xff, 0);
	return 0;
}

SYSCALL_DEFINE1(exit_group, int, status)
{
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
	t->proc->tid_address = tidptr;
	return gettid();
}

SYSCALL_DEFINE2(set_robust_list, ptr, head, size, len)
{
	if (len != 24)
		return -EINVAL;
	t->proc->robust_list = head;
	t->proc->robust_len = len;
	return 0;
}

SYSCALL_DEFINE0(getuid) { (void)t; return getuid(); }
SYSCALL_DEFINE0(geteuid) { (void)t; return geteuid(); }
SYSCALL_DEFINE0(getgid) { (void)t; return getgid(); }
SYSCALL_DEFINE0(getegid) { (void)t; return getegid(); }
