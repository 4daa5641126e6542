/* POSIX timers: the host's, whose signals reach the guest like any other (sig.c); SIGEV_THREAD_ID
 * names a guest thread, which is a host thread of ours with the same tid. */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../syscall.h"

/* struct sigevent: 64 bytes, {sigval, signo, notify, tid...} on both guests and the host. */
struct guest_sigevent {
	uint64_t value;
	int32_t signo, notify;
	int32_t tid;
	uint8_t pad[44];
};
_Static_assert(sizeof(struct guest_sigevent) == sizeof(struct sigevent), "struct sigevent");
_Static_assert(offsetof(struct sigevent, sigev_notify) == offsetof(struct guest_sigevent, notify),
	       "sigevent layout");

struct guest_itimerspec {
	int64_t interval_sec, interval_nsec, value_sec, value_nsec;
};
_Static_assert(sizeof(struct guest_itimerspec) == sizeof(struct itimerspec), "itimerspec");

SYSCALL_DEFINE3(timer_create, clockid, clk, ptr, sevp, ptr, timerid)
{
	struct sigevent hs, *hp = NULL;
	if (sevp) {
		struct guest_sigevent g;
		if (get_guest(t->proc, g, sevp))
			return -EFAULT;
		memcpy(&hs, &g, sizeof hs);
		hp = &hs;
	}
	int id;
	if (syscall(SYS_timer_create, clk, hp, &id))
		return -errno;
	int32_t gid = id;
	if (put_guest(t->proc, timerid, gid)) {
		syscall(SYS_timer_delete, id);
		return -EFAULT;
	}
	return 0;
}

SYSCALL_DEFINE4(timer_settime, int, id, int, flags, ptr, nv, ptr, ov)
{
	struct itimerspec n, o;
	if (get_guest(t->proc, n, nv))
		return -EFAULT;
	if (syscall(SYS_timer_settime, id, flags, &n, ov ? &o : NULL))
		return -errno;
	return ov ? put_guest(t->proc, ov, o) : 0;
}

SYSCALL_DEFINE2(timer_gettime, int, id, ptr, cur)
{
	struct itimerspec c;
	if (syscall(SYS_timer_gettime, id, &c))
		return -errno;
	return put_guest(t->proc, cur, c);
}

SYSCALL_DEFINE1(timer_getoverrun, int, id)
{
	(void)t;
	long r = syscall(SYS_timer_getoverrun, id);
	return r < 0 ? -errno : r;
}

SYSCALL_DEFINE1(timer_delete, int, id)
{
	(void)t;
	return syscall(SYS_timer_delete, id) ? -errno : 0;
}
