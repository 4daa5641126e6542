/* Clocks, sleeping, process times and interval timers. struct timespec, timeval, itimerval and
 * tms are 64-bit fields on both guests, and the clock ids are the generic Linux ones, so the
 * host's clocks answer directly. */
#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

#include "../syscall.h"

struct guest_timespec {
	int64_t sec, nsec;
};
struct guest_timeval {
	int64_t sec, usec;
};
struct guest_itimerval {
	struct guest_timeval interval, value;
};
struct guest_tms {
	int64_t utime, stime, cutime, cstime;
};
_Static_assert(sizeof(struct guest_itimerval) == 32, "struct itimerval is 32 bytes");
_Static_assert(sizeof(struct guest_tms) == 32, "struct tms is 32 bytes");

static struct guest_timespec ts_to_guest(struct timespec h)
{
	return (struct guest_timespec){ h.tv_sec, h.tv_nsec };
}

/* Out-of-range fields are left for the host to refuse, with the host's errno. */
static struct timespec ts_from_guest(struct guest_timespec g)
{
	return (struct timespec){ (time_t)g.sec, (long)g.nsec };
}

static struct guest_timeval tv_to_guest(struct timeval h)
{
	return (struct guest_timeval){ h.tv_sec, h.tv_usec };
}

static struct timeval tv_from_guest(struct guest_timeval g)
{
	return (struct timeval){ (time_t)g.sec, (suseconds_t)g.usec };
}

SYSCALL_DEFINE2(clock_gettime, clockid, clk, timespec, tp)
{
	struct timespec h;
	/* CPU-time clocks measure syscorn, which is the guest's CPU time plus the emulation's. */
	if (clock_gettime(clk, &h))
		return -errno;
	struct guest_timespec g = ts_to_guest(h);
	return put_guest(t->proc, tp, g);
}

SYSCALL_DEFINE2(clock_getres, clockid, clk, timespec, tp)
{
	struct timespec h;
	if (clock_getres(clk, &h))
		return -errno;
	if (!tp)
		return 0;
	struct guest_timespec g = ts_to_guest(h);
	return put_guest(t->proc, tp, g);
}

SYSCALL_DEFINE2(clock_settime, clockid, clk, timespec, tp)
{
	struct guest_timespec g;
	if (get_guest(t->proc, g, tp))
		return -EFAULT;
	/* Normally EPERM; with the privilege it sets the host's clock, as the guest asked. */
	struct timespec h = ts_from_guest(g);
	return clock_settime(clk, &h) ? -errno : 0;
}

SYSCALL_DEFINE2(gettimeofday, timeval, tv, ptr, tz)
{
	struct timeval h;
	struct timezone z;
	if (gettimeofday(&h, &z))
		return -errno;
	if (tv) {
		struct guest_timeval g = tv_to_guest(h);
		if (put_guest(t->proc, tv, g))
			return -EFAULT;
	}
	if (tz) {
		int32_t gz[2] = { z.tz_minuteswest, z.tz_dsttime };
		if (put_guest(t->proc, tz, gz))
			return -EFAULT;
	}
	return 0;
}

SYSCALL_DEFINE1(time, ptr, tloc)
{
	int64_t now = (int64_t)time(NULL);
	if (tloc && put_guest(t->proc, tloc, now))
		return -EFAULT;
	return now;
}

/* The remaining time goes back only when a signal cut the sleep short, as the kernel does. */
static long sleep_common(struct sc_thread *t, clockid_t clk, int flags, gaddr_t req, gaddr_t rem)
{
	struct guest_timespec g;
	if (get_guest(t->proc, g, req))
		return -EFAULT;
	struct timespec h = ts_from_guest(g), left = { 0, 0 };
	long r = syscall(SYS_clock_nanosleep, clk, flags, &h, &left) ? -errno : 0;
	if (r == -EINTR && rem && !(flags & TIMER_ABSTIME)) {
		struct guest_timespec gl = ts_to_guest(left);
		if (put_guest(t->proc, rem, gl))
			return -EFAULT;
	}
	return r;
}

SYSCALL_DEFINE2(nanosleep, timespec, req, timespec, rem)
{
	return sleep_common(t, CLOCK_MONOTONIC, 0, req, rem);
}

SYSCALL_DEFINE4(clock_nanosleep, clockid, clk, int, flags, timespec, req, timespec, rem)
{
	return sleep_common(t, clk, flags, req, rem);
}

SYSCALL_DEFINE1(times, ptr, buf)
{
	struct tms h;
	/* The raw call: the return value is the kernel's tick count, which libc may rewrite. */
	long r = syscall(SYS_times, &h);
	if (r == -1)
		return -errno;
	if (buf) {
		struct guest_tms g = { h.tms_utime, h.tms_stime, h.tms_cutime, h.tms_cstime };
		if (put_guest(t->proc, buf, g))
			return -EFAULT;
	}
	return r;
}

/* The interval timers are the host's: their signal reaches syscorn, whose disposition for it
 * mirrors the guest's (sig.c): ignored, default, or delivered to the guest's handler. */
SYSCALL_DEFINE1(alarm, uint, seconds)
{
	(void)t;
	return alarm(seconds);
}

SYSCALL_DEFINE2(getitimer, int, which, ptr, curr)
{
	struct itimerval h;
	if (getitimer(which, &h))
		return -errno;
	struct guest_itimerval g = { tv_to_guest(h.it_interval), tv_to_guest(h.it_value) };
	return put_guest(t->proc, curr, g);
}

SYSCALL_DEFINE3(setitimer, int, which, ptr, newval, ptr, oldval)
{
	struct guest_itimerval g;
	struct itimerval h = { { 0, 0 }, { 0, 0 } }, o;
	/* A NULL new value disarms the timer (Linux accepts it, with a warning in its log). */
	if (newval) {
		if (get_guest(t->proc, g, newval))
			return -EFAULT;
		h.it_interval = tv_from_guest(g.interval);
		h.it_value = tv_from_guest(g.value);
	}
	if (syscall(SYS_setitimer, which, &h, oldval ? &o : NULL))
		return -errno;
	if (oldval) {
		struct guest_itimerval go = { tv_to_guest(o.it_interval), tv_to_guest(o.it_value) };
		if (put_guest(t->proc, oldval, go))
			return -EFAULT;
	}
	return 0;
}
