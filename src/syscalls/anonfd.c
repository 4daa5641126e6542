/* Descriptor kinds made from nothing: timerfd and memfd. (eventfd and inotify live in io.c,
 * signalfd with the signals.) Their flags are the same on both guests and the host: TFD_CLOEXEC
 * and TFD_NONBLOCK are O_CLOEXEC and O_NONBLOCK (equal on every guest), TFD_TIMER_* and MFD_*
 * are generic; clock ids and struct itimerspec (two 16-byte timespecs on 64-bit) are the same
 * too. A timerfd's expiry count is a plain u64 read, so the descriptors need nothing more. */
#include <errno.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "../syscall.h"
#include "fs_common.h"

struct guest_itimerspec {
	int64_t interval_sec, interval_nsec;
	int64_t value_sec, value_nsec;
};
_Static_assert(sizeof(struct guest_itimerspec) == sizeof(struct itimerspec) &&
		       offsetof(struct itimerspec, it_value) == 16,
	       "struct itimerspec");
_Static_assert(TFD_CLOEXEC == 02000000 && TFD_NONBLOCK == 04000 && TFD_TIMER_ABSTIME == 1 &&
		       TFD_TIMER_CANCEL_ON_SET == 2,
	       "TFD_* flags");
_Static_assert(MFD_CLOEXEC == 1 && MFD_ALLOW_SEALING == 2 && MFD_HUGETLB == 4, "MFD_* flags");

static struct itimerspec its_from_guest(const struct guest_itimerspec *g)
{
	return (struct itimerspec){ { g->interval_sec, g->interval_nsec },
				    { g->value_sec, g->value_nsec } };
}

static struct guest_itimerspec its_to_guest(const struct itimerspec *h)
{
	return (struct guest_itimerspec){ h->it_interval.tv_sec, h->it_interval.tv_nsec,
					  h->it_value.tv_sec, h->it_value.tv_nsec };
}

SYSCALL_DEFINE2(timerfd_create, clockid, clockid, int, flags)
{
	(void)t;
	return host_ret(syscall(SYS_timerfd_create, clockid, flags));
}

/* The new value is read before anything else is checked (EFAULT first); the old one is written
 * only after the timer was set. */
SYSCALL_DEFINE4(timerfd_settime, fd, fd, int, flags, ptr, new_value, ptr, old_value)
{
	struct guest_itimerspec g;
	if (get_guest(t->proc, g, new_value))
		return -EFAULT;
	struct itimerspec nv = its_from_guest(&g), ov;
	long r = host_ret(syscall(SYS_timerfd_settime, fd, flags, &nv, old_value ? &ov : NULL));
	if (r < 0 || !old_value)
		return r;
	g = its_to_guest(&ov);
	return put_guest(t->proc, old_value, g) ? -EFAULT : r;
}

SYSCALL_DEFINE2(timerfd_gettime, fd, fd, ptr, curr_value)
{
	struct itimerspec cur;
	long r = host_ret(syscall(SYS_timerfd_gettime, fd, &cur));
	if (r < 0)
		return r;
	struct guest_itimerspec g = its_to_guest(&cur);
	return put_guest(t->proc, curr_value, g) ? -EFAULT : r;
}

/* The kernel's MFD_NAME_MAX_LEN: NAME_MAX less the "memfd:" prefix. */
#define GUEST_MFD_NAME_MAX (255 - 6)

/* The kernel checks the flags, then reads the name (at most MFD_NAME_MAX_LEN + 1 bytes:
 * EFAULT, or EINVAL when there is no NUL among them). A bad name goes to the host as such so
 * that its flag errors come first: an unreadable one as an address it refuses, a long one as a
 * name one byte too long. */
SYSCALL_DEFINE2(memfd_create, str, uname, uint, flags)
{
	char name[GUEST_MFD_NAME_MAX + 2];
	const char *h = name;
	long n = strncpy_from_guest(t->proc, name, uname, GUEST_MFD_NAME_MAX + 1);
	if (n == -ENAMETOOLONG)
		name[GUEST_MFD_NAME_MAX + 1] = 0;
	else if (n < 0)
		h = (const char *)(uintptr_t)-4096; /* above every user address space */
	return host_ret(syscall(SYS_memfd_create, h, flags));
}
