/* What the system and the process look like from inside: uname, sysinfo, resource limits and
 * usage, randomness, the current CPU. The structs involved have the same layout on both
 * guests (generic 64-bit Linux); they are still spelled out with fixed-width fields so that a
 * host with other sizes would translate rather than copy. */
#include <errno.h>
#include <limits.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "../arch/arch.h"
#include "../syscall.h"

#define GUEST_UTS_LEN 65

struct guest_utsname {
	char sysname[GUEST_UTS_LEN], nodename[GUEST_UTS_LEN], release[GUEST_UTS_LEN],
		version[GUEST_UTS_LEN], machine[GUEST_UTS_LEN], domainname[GUEST_UTS_LEN];
};
_Static_assert(sizeof(struct guest_utsname) == 390, "struct new_utsname is 390 bytes");

static void uts_copy(char *dst, const char *src)
{
	/* Never truncated in practice: the host's fields have the same 65 bytes. */
	size_t n = strnlen(src, GUEST_UTS_LEN - 1);
	memcpy(dst, src, n);
	dst[n] = 0;
}

SYSCALL_DEFINE1(uname, ptr, buf)
{
	struct utsname h;
	if (uname(&h))
		return -errno;
	struct guest_utsname g;
	memset(&g, 0, sizeof g);
	uts_copy(g.sysname, h.sysname);
	uts_copy(g.nodename, h.nodename);
	uts_copy(g.release, h.release);
	uts_copy(g.version, h.version);
	/* The guest runs on the CPU it was built for, as far as it can tell. */
	uts_copy(g.machine, t->proc->arch->machine);
	uts_copy(g.domainname, h.domainname);
	return put_guest(t->proc, buf, g);
}

struct guest_sysinfo {
	int64_t uptime;
	uint64_t loads[3];
	uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	uint16_t procs, pad;
	uint32_t pad2;
	uint64_t totalhigh, freehigh;
	uint32_t mem_unit;
	uint32_t pad3;
};
_Static_assert(sizeof(struct guest_sysinfo) == 112, "struct sysinfo is 112 bytes on 64-bit");

SYSCALL_DEFINE1(sysinfo, ptr, info)
{
	struct sysinfo h;
	if (sysinfo(&h))
		return -errno;
	struct guest_sysinfo g = {
		.uptime = h.uptime,
		.loads = { h.loads[0], h.loads[1], h.loads[2] },
		.totalram = h.totalram, .freeram = h.freeram, .sharedram = h.sharedram,
		.bufferram = h.bufferram, .totalswap = h.totalswap, .freeswap = h.freeswap,
		.procs = h.procs,
		.totalhigh = h.totalhigh, .freehigh = h.freehigh,
		.mem_unit = h.mem_unit,
	};
	return put_guest(t->proc, info, g);
}

/* Resource limits. RLIMIT_* numbers, RLIM_INFINITY (all ones) and struct rlimit (two u64) are
 * the same on both guests and the host. Most limits are the host process's: the guest's file
 * descriptors, CPU time and file sizes are syscorn's. The address-space, data and stack limits
 * are only recorded: syscorn's own 1 TiB reservation, its heap and its stack count against
 * them, so applying a guest's `ulimit -v` would break the emulator rather than the guest. */
#define GUEST_RLIM_NLIMITS 16
#define VIRTUAL_RLIMITS ((1u << RLIMIT_AS) | (1u << RLIMIT_DATA) | (1u << RLIMIT_STACK))

struct guest_rlimit {
	uint64_t cur, max;
};
_Static_assert(RLIMIT_AS == 9 && RLIMIT_DATA == 2 && RLIMIT_STACK == 3 && RLIMIT_NOFILE == 7,
	       "host RLIMIT_* numbers are the generic Linux ones");

/* What the kernel asks of a process raising a hard limit. */
static bool has_cap_sys_resource(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[CAP_SYS_RESOURCE / 32].effective & (1u << (CAP_SYS_RESOURCE % 32));
}

static long own_prlimit(struct sc_process *p, int res, const struct guest_rlimit *n,
			struct guest_rlimit *o)
{
	if (res < 0 || res >= GUEST_RLIM_NLIMITS)
		return -EINVAL;
	if (n && n->cur > n->max)
		return -EINVAL;
	struct rlimit h;
	if (!((VIRTUAL_RLIMITS >> res) & 1)) {
		struct rlimit hn = { n ? n->cur : 0, n ? n->max : 0 };
		if (prlimit(0, res, n ? &hn : NULL, &h))
			return -errno;
		if (o)
			*o = (struct guest_rlimit){ h.rlim_cur, h.rlim_max };
		return 0;
	}
	struct guest_rlimit cur;
	if (p->vrlimit_set & (1u << res)) {
		cur = (struct guest_rlimit){ p->vrlimit[res].cur, p->vrlimit[res].max };
	} else {
		if (prlimit(0, res, NULL, &h))
			return -errno;
		cur = (struct guest_rlimit){ h.rlim_cur, h.rlim_max };
	}
	if (n) {
		if (n->max > cur.max && !has_cap_sys_resource())
			return -EPERM;
		p->vrlimit[res].cur = n->cur;
		p->vrlimit[res].max = n->max;
		p->vrlimit_set |= (uint16_t)(1u << res);
	}
	if (o)
		*o = cur;
	return 0;
}

SYSCALL_DEFINE2(getrlimit, uint, resource, rlimit, rlim)
{
	struct guest_rlimit o;
	long r = own_prlimit(t->proc, (int)resource, NULL, &o);
	if (r)
		return r;
	return put_guest(t->proc, rlim, o);
}

SYSCALL_DEFINE2(setrlimit, uint, resource, rlimit, rlim)
{
	struct guest_rlimit n;
	if (get_guest(t->proc, n, rlim))
		return -EFAULT;
	return own_prlimit(t->proc, (int)resource, &n, NULL);
}

SYSCALL_DEFINE4(prlimit64, pid, pid, uint, resource, rlimit, newlim, rlimit, oldlim)
{
	struct guest_rlimit n, o;
	if (newlim && get_guest(t->proc, n, newlim))
		return -EFAULT;
	long r;
	if (pid == 0 || pid == getpid()) {
		r = own_prlimit(t->proc, (int)resource, newlim ? &n : NULL, oldlim ? &o : NULL);
	} else {
		/* Another process: its limits are its own business, host values both ways. */
		struct rlimit hn = { newlim ? n.cur : 0, newlim ? n.max : 0 }, ho;
		r = prlimit(pid, resource, newlim ? &hn : NULL, oldlim ? &ho : NULL) ? -errno : 0;
		if (!r && oldlim)
			o = (struct guest_rlimit){ ho.rlim_cur, ho.rlim_max };
	}
	if (!r && oldlim && put_guest(t->proc, oldlim, o))
		return -EFAULT;
	return r;
}

struct guest_rusage {
	int64_t utime_sec, utime_usec, stime_sec, stime_usec;
	int64_t maxrss, ixrss, idrss, isrss, minflt, majflt, nswap, inblock, oublock, msgsnd,
		msgrcv, nsignals, nvcsw, nivcsw;
};
_Static_assert(sizeof(struct guest_rusage) == 144, "struct rusage is 144 bytes on 64-bit");

SYSCALL_DEFINE2(getrusage, int, who, ptr, ru)
{
	struct rusage h;
	/* syscorn's usage: the guest's work plus the emulation's, which is what it cost. */
	if (getrusage(who, &h))
		return -errno;
	struct guest_rusage g = {
		h.ru_utime.tv_sec, h.ru_utime.tv_usec, h.ru_stime.tv_sec, h.ru_stime.tv_usec,
		h.ru_maxrss, h.ru_ixrss, h.ru_idrss, h.ru_isrss, h.ru_minflt, h.ru_majflt,
		h.ru_nswap, h.ru_inblock, h.ru_oublock, h.ru_msgsnd, h.ru_msgrcv, h.ru_nsignals,
		h.ru_nvcsw, h.ru_nivcsw,
	};
	return put_guest(t->proc, ru, g);
}

/* GRND_NONBLOCK, GRND_RANDOM, GRND_INSECURE: the same everywhere. */
#define GUEST_GRND_ALL 7u

SYSCALL_DEFINE3(getrandom, obuf, buf, size, count, uint, flags)
{
	/* Flags are judged before the buffer, as the kernel does. */
	if (flags & ~GUEST_GRND_ALL)
		return -EINVAL;
	if (count > (INT_MAX & ~(SC_PAGE - 1)))
		count = INT_MAX & ~(SC_PAGE - 1);
	if (!count)
		return 0;
	void *h = guest_io_buf(t->proc, buf, count);
	if (!h)
		return -EFAULT;
	ssize_t r = getrandom(h, count, flags);
	return r < 0 ? -errno : r;
}

SYSCALL_DEFINE3(getcpu, ptr, cpup, ptr, nodep, ptr, cache)
{
	(void)cache; /* unused since Linux 2.6.24 */
	unsigned cpu, node;
	if (syscall(SYS_getcpu, &cpu, &node, NULL))
		return -errno;
	if (cpup && put_guest(t->proc, cpup, cpu))
		return -EFAULT;
	if (nodep && put_guest(t->proc, nodep, node))
		return -EFAULT;
	return 0;
}
