/* futex: guest memory is host memory, so the host's futex works on the guest's words directly,
 * shared ones included (another process mapping the same file waits on the same host futex).
 * PI futexes hold tids, and guest tids are host tids. A wait releases the execution lock. */
#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../syscall.h"
#include "../thread.h"

/* The operations whose fourth argument is a timeout rather than a count (val2). */
static bool has_timeout(int cmd)
{
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
	case FUTEX_LOCK_PI:
	case FUTEX_LOCK_PI2:
	case FUTEX_WAIT_REQUEUE_PI:
		return true;
	default:
		return false;
	}
}

static bool blocks(int cmd)
{
	return has_timeout(cmd);
}

struct guest_timespec {
	int64_t sec, nsec;
};

SYSCALL_DEFINE6(futex, ptr, uaddr, int, op, uint, val, ptr, utime, ptr, uaddr2, uint, val3)
{
	struct sc_process *p = t->proc;
	int cmd = op & FUTEX_CMD_MASK;
	void *h1 = guest_io_buf(p, uaddr, sizeof(uint32_t));
	if (!h1)
		return -EFAULT;
	void *h2 = uaddr2 ? guest_io_buf(p, uaddr2, sizeof(uint32_t)) : NULL;
	if (uaddr2 && !h2)
		return -EFAULT;
	struct timespec ts;
	void *arg4 = (void *)(uintptr_t)utime; /* val2 for the requeue and wake-op calls */
	if (has_timeout(cmd)) {
		arg4 = NULL;
		if (utime) {
			struct guest_timespec g;
			if (get_guest(p, g, utime))
				return -EFAULT;
			ts.tv_sec = (time_t)g.sec;
			ts.tv_nsec = (long)g.nsec;
			arg4 = &ts;
		}
		/* The kernel restarts an untimed wait after a handler with SA_RESTART; a timed
		 * one (restart_block) only without a handler. */
		if (utime && cmd == FUTEX_WAIT)
			t->sys.restart = SC_RESTART_NOHAND;
	}
	bool rel = blocks(cmd) && sc_blocking_begin(t);
	long r = syscall(SYS_futex, h1, op, val, arg4, h2, val3);
	int e = errno;
	sc_blocking_end(t, rel);
	return r < 0 ? -e : r;
}
