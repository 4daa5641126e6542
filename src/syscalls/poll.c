/* Waiting on descriptors: poll, ppoll, select, pselect6, epoll. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../arch/arch.h"
#include "../sig.h"
#include "../syscall.h"
#include "fs_common.h"

/* struct pollfd, timespec, timeval and fd_set words are the same on both 64-bit guests and
 * on the host. */
struct guest_pollfd {
	int32_t fd;
	int16_t events, revents;
};
_Static_assert(sizeof(struct guest_pollfd) == sizeof(struct pollfd) &&
		       offsetof(struct pollfd, revents) == offsetof(struct guest_pollfd, revents),
	       "struct pollfd");

struct guest_timespec {
	int64_t tv_sec, tv_nsec;
};
struct guest_timeval {
	int64_t tv_sec, tv_usec;
};

/* The guest's sigset_t as the kernel takes it: 64 signals. */
#define GUEST_SIGSET_SIZE 8

/* The signal mask ppoll, pselect6 and epoll_pwait install for the wait: 1 with *mask set, 0
 * for none, or an error. */
static long sigmask_from_guest(struct sc_process *p, gaddr_t set, uint64_t size, uint64_t *mask)
{
	if (!set)
		return 0;
	if (size != GUEST_SIGSET_SIZE)
		return -EINVAL;
	return get_guest(p, *mask, set) ? -EFAULT : 1;
}

/* The wait under the call's mask (sig.c): a signal it lets through ends it with EINTR, and
 * the handler runs with that mask. */
#define WITH_SIGMASK(t, has, mask, r, wait)                                                 \
	do {                                                                                \
		if ((has) && sc_sig_mask_wait_begin((t), (mask)))                           \
			(r) = -EINTR;                                                       \
		else                                                                        \
			(r) = (wait);                                                       \
		if (has)                                                                    \
			sc_sig_mask_wait_end((t), (r));                                     \
	} while (0)

static rlim_t nofile_limit(void)
{
	struct rlimit rl;
	return getrlimit(RLIMIT_NOFILE, &rl) ? 1024 : rl.rlim_cur;
}

/* tsp: host timeout (updated with the time left), or NULL to wait forever. */
static long do_poll(struct sc_thread *t, gaddr_t ufds, unsigned nfds, struct timespec *tsp)
{
	if (nfds > nofile_limit())
		return -EINVAL;
	struct pollfd *fds = malloc(nfds ? nfds * sizeof *fds : 1);
	if (!fds)
		return -ENOMEM;
	long r;
	if (copy_from_guest(t->proc, fds, ufds, nfds * sizeof *fds)) {
		r = -EFAULT;
		goto out;
	}
	r = host_ret(syscall(SYS_ppoll, fds, nfds, tsp, NULL, GUEST_SIGSET_SIZE));
	/* The kernel hands back revents even when the wait was interrupted. */
	if ((r >= 0 || r == -EINTR) && copy_to_guest(t->proc, ufds, fds, nfds * sizeof *fds))
		r = -EFAULT;
out:
	free(fds);
	return r;
}

SYSCALL_DEFINE3(poll, pollfd, ufds, uint, nfds, int, timeout_ms)
{
	struct timespec ts = { timeout_ms / 1000, (timeout_ms % 1000) * 1000000L };
	return do_poll(t, ufds, nfds, timeout_ms < 0 ? NULL : &ts);
}

SYSCALL_DEFINE5(ppoll, pollfd, ufds, uint, nfds, timespec, tsp, sigset, sigmask, size, sigsetsize)
{
	struct timespec ts;
	struct guest_timespec g = { 0, 0 };
	if (tsp) {
		if (get_guest(t->proc, g, tsp))
			return -EFAULT;
		ts = (struct timespec){ g.tv_sec, g.tv_nsec };
		if (g.tv_sec < 0 || g.tv_nsec < 0 || g.tv_nsec >= 1000000000)
			return -EINVAL;
	}
	uint64_t mask = 0;
	long e = sigmask_from_guest(t->proc, sigmask, sigsetsize, &mask);
	if (e < 0)
		return e;
	long r;
	WITH_SIGMASK(t, e > 0, mask, r, do_poll(t, ufds, nfds, tsp ? &ts : NULL));
	/* The time left goes back, except for a zero timeout; a write failure is ignored as the
	 * kernel ignores it (the wait itself succeeded). */
	if (tsp && (g.tv_sec || g.tv_nsec)) {
		g = (struct guest_timespec){ ts.tv_sec, ts.tv_nsec };
		(void)put_guest(t->proc, tsp, g);
	}
	return r;
}

/* select: fd_set is an array of 64-bit words on every guest and host here, so the bitmaps
 * copy as bytes. ts is the normalised timeout or NULL, and gets the time left. */
static long do_select(struct sc_thread *t, int n, gaddr_t sets[3], struct timespec *ts)
{
	if (n < 0)
		return -EINVAL;
	/* The kernel clamps n to its descriptor table's size, which neither the open-file limit
	 * nor fs.nr_open's default (1 << 20) exceeds in practice. */
	rlim_t lim = nofile_limit();
	if (lim > (1u << 20))
		lim = 1u << 20;
	if ((rlim_t)n > lim)
		n = (int)lim;
	size_t bytes = ((size_t)n + 63) / 64 * 8;
	uint8_t *buf = calloc(3, bytes ? bytes : 1);
	if (!buf)
		return -ENOMEM;
	void *host[3];
	long r = 0;
	for (int i = 0; i < 3; i++) {
		host[i] = sets[i] ? buf + i * bytes : NULL;
		if (sets[i] && copy_from_guest(t->proc, host[i], sets[i], bytes)) {
			r = -EFAULT;
			goto out;
		}
	}
	r = host_ret(syscall(SYS_pselect6, n, host[0], host[1], host[2], ts, NULL));
	if (r >= 0)
		for (int i = 0; i < 3; i++)
			if (sets[i] && copy_to_guest(t->proc, sets[i], host[i], bytes)) {
				r = -EFAULT;
				break;
			}
out:
	free(buf);
	return r;
}

SYSCALL_DEFINE5(select, int, n, fdset, inp, fdset, outp, fdset, exp, timeval, tvp)
{
	struct timespec ts;
	struct guest_timeval g = { 0, 0 };
	if (tvp) {
		if (get_guest(t->proc, g, tvp))
			return -EFAULT;
		/* As the kernel does: microseconds beyond a second carry into the seconds. */
		ts.tv_sec = g.tv_sec + g.tv_usec / 1000000;
		ts.tv_nsec = (g.tv_usec % 1000000) * 1000;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0)
			return -EINVAL;
	}
	gaddr_t sets[3] = { inp, outp, exp };
	long r = do_select(t, n, sets, tvp ? &ts : NULL);
	if (tvp && (g.tv_sec || g.tv_usec)) {
		g = (struct guest_timeval){ ts.tv_sec, ts.tv_nsec / 1000 };
		(void)put_guest(t->proc, tvp, g);
	}
	return r;
}

/* pselect6's sixth argument: { const sigset_t *ss; size_t ss_len; }. */
struct guest_sigset_argpack {
	uint64_t ss, ss_len;
};

SYSCALL_DEFINE6(pselect6, int, n, fdset, inp, fdset, outp, fdset, exp, timespec, tsp, ptr, sig)
{
	struct timespec ts;
	struct guest_timespec g = { 0, 0 };
	if (tsp) {
		if (get_guest(t->proc, g, tsp))
			return -EFAULT;
		if (g.tv_sec < 0 || g.tv_nsec < 0 || g.tv_nsec >= 1000000000)
			return -EINVAL;
		ts = (struct timespec){ g.tv_sec, g.tv_nsec };
	}
	uint64_t mask = 0;
	long e = 0;
	if (sig) {
		struct guest_sigset_argpack a;
		if (get_guest(t->proc, a, sig))
			return -EFAULT;
		e = sigmask_from_guest(t->proc, a.ss, a.ss_len, &mask);
		if (e < 0)
			return e;
	}
	gaddr_t sets[3] = { inp, outp, exp };
	long r;
	WITH_SIGMASK(t, e > 0, mask, r, do_select(t, n, sets, tsp ? &ts : NULL));
	if (tsp && (g.tv_sec || g.tv_nsec)) {
		g = (struct guest_timespec){ ts.tv_sec, ts.tv_nsec };
		(void)put_guest(t->proc, tsp, g);
	}
	return r;
}

/* epoll. struct epoll_event differs between the guests; the arch converts it. */

SYSCALL_DEFINE1(epoll_create, int, size)
{
	(void)t;
	if (size <= 0)
		return -EINVAL;
	return host_ret(epoll_create1(0));
}

SYSCALL_DEFINE1(epoll_create1, int, flags)
{
	(void)t;
	/* EPOLL_CLOEXEC is O_CLOEXEC, the same on every guest. */
	return host_ret(epoll_create1(flags));
}

SYSCALL_DEFINE4(epoll_ctl, fd, epfd, int, op, fd, fd, ptr, event)
{
	struct epoll_event ev, *evp = NULL;
	if (op != EPOLL_CTL_DEL) {
		if (t->proc->arch->epoll_event_from_guest(t->proc, &ev, event))
			return -EFAULT;
		evp = &ev;
	}
	return host_ret(epoll_ctl(epfd, op, fd, evp));
}

/* The kernel's EP_MAX_EVENTS. */
#define GUEST_EP_MAX_EVENTS (INT32_MAX / 16)
/* Events taken from the host per call: fewer than asked is what epoll_wait may return anyway. */
#define EPOLL_BATCH 256

/* tsp: host timeout, NULL to wait forever. */
static long do_epoll_wait(struct sc_thread *t, int epfd, gaddr_t events, int maxevents,
			  const struct timespec *tsp)
{
	if (maxevents <= 0 || maxevents > GUEST_EP_MAX_EVENTS)
		return -EINVAL;
	/* The kernel's access_ok: only that the array lies in the address space. */
	if (!guest_io_buf(t->proc, events, (size_t)maxevents * 16))
		return -EFAULT;
	struct epoll_event ev[EPOLL_BATCH];
	int n = maxevents < EPOLL_BATCH ? maxevents : EPOLL_BATCH;
	long r = host_ret(syscall(SYS_epoll_pwait2, epfd, ev, n, tsp, NULL, GUEST_SIGSET_SIZE));
	if (r > 0 && t->proc->arch->epoll_events_to_guest(t->proc, events, ev, (size_t)r))
		return -EFAULT;
	return r;
}

static struct timespec *ms_timeout(struct timespec *ts, int ms)
{
	if (ms < 0)
		return NULL;
	*ts = (struct timespec){ ms / 1000, (ms % 1000) * 1000000L };
	return ts;
}

SYSCALL_DEFINE4(epoll_wait, fd, epfd, ptr, events, int, maxevents, int, timeout)
{
	struct timespec ts;
	return do_epoll_wait(t, epfd, events, maxevents, ms_timeout(&ts, timeout));
}

SYSCALL_DEFINE6(epoll_pwait, fd, epfd, ptr, events, int, maxevents, int, timeout, sigset, sigmask,
		size, sigsetsize)
{
	uint64_t mask = 0;
	long e = sigmask_from_guest(t->proc, sigmask, sigsetsize, &mask);
	if (e < 0)
		return e;
	struct timespec ts;
	long r;
	WITH_SIGMASK(t, e > 0, mask, r,
		     do_epoll_wait(t, epfd, events, maxevents, ms_timeout(&ts, timeout)));
	return r;
}

SYSCALL_DEFINE6(epoll_pwait2, fd, epfd, ptr, events, int, maxevents, timespec, timeout, sigset,
		sigmask, size, sigsetsize)
{
	struct timespec ts, *tsp = NULL;
	if (timeout) {
		struct guest_timespec g;
		if (get_guest(t->proc, g, timeout))
			return -EFAULT;
		if (g.tv_sec < 0 || g.tv_nsec < 0 || g.tv_nsec >= 1000000000)
			return -EINVAL;
		ts = (struct timespec){ g.tv_sec, g.tv_nsec };
		tsp = &ts;
	}
	uint64_t mask = 0;
	long e = sigmask_from_guest(t->proc, sigmask, sigsetsize, &mask);
	if (e < 0)
		return e;
	long r;
	WITH_SIGMASK(t, e > 0, mask, r, do_epoll_wait(t, epfd, events, maxevents, tsp));
	return r;
}
