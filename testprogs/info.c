/* info: system information, time, ids, limits, randomness, scheduling, polling, statfs and
 * signal dispositions/masks (no delivery).  Only robust facts are printed: equalities and
 * ranges, never values that change between runs. */
#include "check.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/utsname.h>
#include <time.h>

static long long ns_of(struct timespec t)
{
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static long long mono_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return ns_of(t);
}

static void test_uname_sysinfo(char **argv)
{
	struct utsname u;
	struct sysinfo si;

	CHECK_SYS(uname(&u), "uname");
	CHECK_STR(u.sysname, "Linux", "uname sysname");
	CHECK_STR(u.machine, ARCH_MACHINE, "uname machine matches the build arch (machine ok)");
	CHECK(u.release[0] >= '0' && u.release[0] <= '9', "uname release starts with a digit");
	CHECK(u.nodename[0] != 0, "uname nodename not empty");
	CHECK_ERR(syscall(SYS_uname, (void *)1), EFAULT, "uname bad pointer");

	CHECK_SYS(sysinfo(&si), "sysinfo");
	CHECK(si.uptime > 0, "sysinfo uptime > 0");
	CHECK(si.totalram > 0 && si.freeram <= si.totalram, "sysinfo totalram > 0 >= freeram");
	CHECK(si.mem_unit >= 1, "sysinfo mem_unit >= 1");
	CHECK(si.procs >= 1, "sysinfo procs >= 1");
	CHECK_ERR(syscall(SYS_sysinfo, (void *)1), EFAULT, "sysinfo bad pointer");

	/* the auxiliary vector */
	CHECK_EQ(getauxval(AT_PAGESZ), 4096, "AT_PAGESZ");
	CHECK(getauxval(AT_RANDOM) != 0, "AT_RANDOM present");
	CHECK(getauxval(AT_PHDR) != 0 && getauxval(AT_ENTRY) != 0, "AT_PHDR and AT_ENTRY present");
	CHECK_EQ(getauxval(AT_PHENT), 56, "AT_PHENT is sizeof(Elf64_Phdr)");
	CHECK_EQ(getauxval(AT_SECURE), 0, "AT_SECURE is 0");
	CHECK(getauxval(AT_UID) == getuid() && getauxval(AT_EUID) == geteuid(), "AT_UID/AT_EUID match getuid/geteuid");
	CHECK(getauxval(AT_GID) == getgid() && getauxval(AT_EGID) == getegid(), "AT_GID/AT_EGID match getgid/getegid");
	CHECK_STR((const char *)getauxval(AT_EXECFN), argv[0], "AT_EXECFN is the path given to execve (argv[0])");
	{
		char exe[PATH_MAX], real[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
		exe[n < 0 ? 0 : n] = 0;
		CHECK(n > 0 && realpath(argv[0], real) && !strcmp(exe, real), "/proc/self/exe is the program");
	}
	{
		char name[32] = {0};
		CHECK_SYS(prctl(PR_SET_NAME, "tp-info"), "prctl PR_SET_NAME");
		CHECK_SYS(prctl(PR_GET_NAME, name), "prctl PR_GET_NAME");
		CHECK_STR(name, "tp-info", "prctl name round trip");
	}
#ifdef __x86_64__
	{
		unsigned long fs = 0, self;
		CHECK_SYS(syscall(SYS_arch_prctl, 0x1003 /* ARCH_GET_FS */, &fs), "arch_prctl ARCH_GET_FS");
		__asm__ volatile("mov %%fs:0, %0" : "=r"(self));
		CHECK(fs != 0 && fs == self, "FS base points at the TCB (which points at itself)");
		CHECK_ERR(syscall(SYS_arch_prctl, 0x9999, &fs), EINVAL, "arch_prctl bad code");
	}
#endif
}

static void test_limits(void)
{
	struct rlimit rl, orig, old;
	struct rusage ru;
	struct tms t;
	int fds = 0, last = -1;

	CHECK_SYS(getrlimit(RLIMIT_NOFILE, &orig), "getrlimit RLIMIT_NOFILE");
	CHECK(orig.rlim_cur <= orig.rlim_max && orig.rlim_cur >= 64, "RLIMIT_NOFILE soft <= hard, soft >= 64");
	rl.rlim_cur = 64;
	rl.rlim_max = orig.rlim_max;
	CHECK_SYS(setrlimit(RLIMIT_NOFILE, &rl), "setrlimit RLIMIT_NOFILE soft 64");
	CHECK_SYS(getrlimit(RLIMIT_NOFILE, &rl), "getrlimit again");
	CHECK(rl.rlim_cur == 64 && rl.rlim_max == orig.rlim_max, "lowered soft limit read back");
	rl.rlim_cur = 16;
	CHECK_SYS(prlimit(0, RLIMIT_NOFILE, &rl, &old), "prlimit64 set soft 16 and get old");
	CHECK_EQ(old.rlim_cur, 64, "prlimit64 returned the old soft limit");
	CHECK_SYS(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &old), "prlimit64 (raw) get only");
	CHECK_EQ(old.rlim_cur, 16, "prlimit64 read back");
	/* the limit is enforced: fds 0..15 only */
	for (;;) {
		int fd = dup(0);
		if (fd < 0)
			break;
		last = fd;
		fds++;
	}
	CHECK_EQ(errno, EMFILE, "dup beyond RLIMIT_NOFILE -> EMFILE");
	CHECK_EQ(last, 15, "highest fd under a soft limit of 16");
	for (int fd = 3; fd <= last; fd++)
		close(fd);
	CHECK_ERR(fcntl(0, F_DUPFD, 16), EINVAL, "F_DUPFD at the limit -> EINVAL");
	CHECK_SYS(setrlimit(RLIMIT_NOFILE, &orig), "restore RLIMIT_NOFILE");
	rl.rlim_cur = orig.rlim_max;
	rl.rlim_max = orig.rlim_max;
	if (orig.rlim_max != RLIM_INFINITY) {
		rl.rlim_cur = orig.rlim_max + 1;
		CHECK_ERR(setrlimit(RLIMIT_NOFILE, &rl), EINVAL, "setrlimit soft above hard");
	}

	CHECK_SYS(getrlimit(RLIMIT_CORE, &orig), "getrlimit RLIMIT_CORE");
	rl.rlim_cur = 0;
	rl.rlim_max = orig.rlim_max;
	CHECK_SYS(setrlimit(RLIMIT_CORE, &rl), "setrlimit RLIMIT_CORE 0");
	CHECK_SYS(getrlimit(RLIMIT_CORE, &rl), "getrlimit RLIMIT_CORE");
	CHECK_EQ(rl.rlim_cur, 0, "RLIMIT_CORE soft read back");
	CHECK_SYS(getrlimit(RLIMIT_STACK, &rl), "getrlimit RLIMIT_STACK");
	CHECK(rl.rlim_cur > 0 && rl.rlim_cur <= rl.rlim_max, "RLIMIT_STACK sane");
	CHECK_ERR(getrlimit(1000, &rl), EINVAL, "getrlimit bad resource");
	CHECK_ERR(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, (void *)1), EFAULT, "prlimit64 bad pointer");
	CHECK_ERR(syscall(SYS_prlimit64, 0x7ffffff0, RLIMIT_NOFILE, NULL, &rl), ESRCH, "prlimit64 no such pid");

	CHECK_SYS(getrusage(RUSAGE_SELF, &ru), "getrusage RUSAGE_SELF");
	CHECK(ru.ru_maxrss > 0, "ru_maxrss > 0");
	CHECK(ru.ru_utime.tv_usec < 1000000 && ru.ru_stime.tv_usec < 1000000, "ru_utime/ru_stime usec < 1e6");
	CHECK_SYS(getrusage(RUSAGE_CHILDREN, &ru), "getrusage RUSAGE_CHILDREN");
	CHECK_SYS(getrusage(RUSAGE_THREAD, &ru), "getrusage RUSAGE_THREAD");
	CHECK_ERR(getrusage(99, &ru), EINVAL, "getrusage bad who");
	CHECK_ERR(syscall(SYS_getrusage, RUSAGE_SELF, (void *)1), EFAULT, "getrusage bad pointer");
	CHECK(times(&t) != (clock_t)-1, "times");
	CHECK(sysconf(_SC_CLK_TCK) == 100, "sysconf(_SC_CLK_TCK) is 100");
}

static void test_time(void)
{
	struct timespec a, b, res;
	struct timeval tv;
	long long t0, t1;
	int mono_ok = 1;

	CHECK_SYS(clock_gettime(CLOCK_REALTIME, &a), "clock_gettime CLOCK_REALTIME");
	CHECK(a.tv_sec > 1600000000 && a.tv_nsec >= 0 && a.tv_nsec < 1000000000, "CLOCK_REALTIME is after 2020");
	CHECK_SYS(syscall(SYS_clock_gettime, CLOCK_REALTIME, &b), "clock_gettime (raw syscall)");
	CHECK(b.tv_sec - a.tv_sec >= 0 && b.tv_sec - a.tv_sec < 5, "raw syscall agrees with libc (vDSO)");
	CHECK_SYS(clock_gettime(CLOCK_MONOTONIC, &a), "clock_gettime CLOCK_MONOTONIC");
	for (int i = 0; i < 1000; i++) {
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (ns_of(b) < ns_of(a))
			mono_ok = 0;
		a = b;
	}
	CHECK(mono_ok, "CLOCK_MONOTONIC nondecreasing over 1000 calls");
	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &b);
	CHECK(ns_of(b) >= ns_of(a), "raw CLOCK_MONOTONIC >= libc CLOCK_MONOTONIC read before");
	{
		static const clockid_t ids[] = {CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE,
						CLOCK_BOOTTIME, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID};
		static const char *names[] = {"CLOCK_MONOTONIC_RAW", "CLOCK_REALTIME_COARSE", "CLOCK_MONOTONIC_COARSE",
					      "CLOCK_BOOTTIME", "CLOCK_PROCESS_CPUTIME_ID", "CLOCK_THREAD_CPUTIME_ID"};
		for (int i = 0; i < 6; i++) {
			memset(&a, 0xff, sizeof a);
			CHECK(clock_gettime(ids[i], &a) == 0 && a.tv_sec >= 0 && a.tv_nsec >= 0 && a.tv_nsec < 1000000000,
			      "clock_gettime %s", names[i]);
		}
	}
	CHECK_ERR(syscall(SYS_clock_gettime, 1000, &a), EINVAL, "clock_gettime bad clock");
	CHECK_ERR(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (void *)1), EFAULT, "clock_gettime bad pointer");

	CHECK_SYS(clock_getres(CLOCK_MONOTONIC, &res), "clock_getres CLOCK_MONOTONIC");
	CHECK(res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 10000000, "CLOCK_MONOTONIC resolution in (0, 10ms]");
	CHECK_SYS(syscall(SYS_clock_getres, CLOCK_REALTIME, &res), "clock_getres CLOCK_REALTIME (raw)");
	CHECK(res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 10000000, "CLOCK_REALTIME resolution in (0, 10ms]");
	CHECK_SYS(clock_getres(CLOCK_MONOTONIC_COARSE, &res), "clock_getres CLOCK_MONOTONIC_COARSE");
	CHECK(res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 10000000, "CLOCK_MONOTONIC_COARSE resolution in (0, 10ms]");
	CHECK_SYS(syscall(SYS_clock_getres, CLOCK_MONOTONIC, NULL), "clock_getres NULL result");
	CHECK_ERR(syscall(SYS_clock_getres, 1000, &res), EINVAL, "clock_getres bad clock");

	clock_gettime(CLOCK_REALTIME, &a);
	CHECK_SYS(gettimeofday(&tv, NULL), "gettimeofday");
	CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000 && tv.tv_sec - a.tv_sec >= 0 && tv.tv_sec - a.tv_sec < 5,
	      "gettimeofday agrees with CLOCK_REALTIME");
	CHECK_SYS(syscall(SYS_gettimeofday, &tv, NULL), "gettimeofday (raw syscall)");
	CHECK(tv.tv_sec - a.tv_sec >= 0 && tv.tv_sec - a.tv_sec < 5, "raw gettimeofday agrees");
	CHECK_ERR(syscall(SYS_gettimeofday, (void *)1, NULL), EFAULT, "gettimeofday bad pointer");
	{
		/* time() may read a coarse clock (arm64 glibc: CLOCK_REALTIME_COARSE), which can lag
		 * the precise one by a tick across a second boundary. */
		time_t t = time(NULL);
		CHECK(t - a.tv_sec >= -1 && t - a.tv_sec < 5, "time() agrees with CLOCK_REALTIME");
	}

	/* sleeping: at least the requested time */
	{
		struct timespec req = {0, 10000000}, rem = {9, 9};
		t0 = mono_ns();
		CHECK_SYS(nanosleep(&req, &rem), "nanosleep 10 ms");
		t1 = mono_ns();
		CHECK(t1 - t0 >= 10000000, "nanosleep slept >= 10 ms");
		req.tv_nsec = 1000000000;
		CHECK_ERR(nanosleep(&req, NULL), EINVAL, "nanosleep tv_nsec = 1e9");
		req.tv_sec = -1;
		req.tv_nsec = 0;
		CHECK_ERR(nanosleep(&req, NULL), EINVAL, "nanosleep negative");
#ifdef __x86_64__ /* qemu-aarch64 7.2 gives EINVAL */
		CHECK_ERR(syscall(SYS_nanosleep, (void *)1, NULL), EFAULT, "nanosleep bad pointer");
#endif
		req.tv_sec = 0;
		req.tv_nsec = 10000000;
		t0 = mono_ns();
		CHECK_RET(clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL), 0, "clock_nanosleep relative 10 ms");
		t1 = mono_ns();
		CHECK(t1 - t0 >= 10000000, "clock_nanosleep slept >= 10 ms");
		clock_gettime(CLOCK_MONOTONIC, &a);
		a.tv_nsec += 10000000;
		if (a.tv_nsec >= 1000000000) {
			a.tv_nsec -= 1000000000;
			a.tv_sec++;
		}
		CHECK_RET(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &a, NULL), 0, "clock_nanosleep TIMER_ABSTIME");
		CHECK(mono_ns() >= ns_of(a), "clock_nanosleep TIMER_ABSTIME reached the deadline");
		a.tv_sec -= 100;
		CHECK_RET(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &a, NULL), 0, "clock_nanosleep deadline in the past");
		CHECK_RET(clock_nanosleep(CLOCK_REALTIME, 0, &req, NULL), 0, "clock_nanosleep CLOCK_REALTIME");
		CHECK_RET(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &req, NULL), EINVAL, "clock_nanosleep CLOCK_THREAD_CPUTIME_ID");
		CHECK_ERR(syscall(SYS_clock_nanosleep, 1000, 0, &req, NULL), EINVAL, "clock_nanosleep bad clock");
	}
}

static void test_ids(void)
{
	uid_t r, e, s;
	gid_t gr, ge, gs;
	gid_t groups[256];
	int tid_word = 0;

	CHECK(getpid() > 0, "getpid > 0");
	CHECK_EQ(syscall(SYS_getpid), getpid(), "raw getpid matches libc");
	CHECK_EQ(syscall(SYS_gettid), getpid(), "gettid == getpid (single thread)");
	CHECK(getppid() > 0 && getppid() != getpid(), "getppid > 0 and != getpid");
	CHECK_EQ(syscall(SYS_set_tid_address, &tid_word), getpid(), "set_tid_address returns the tid");
	CHECK_EQ(getuid(), geteuid(), "getuid == geteuid");
	CHECK_EQ(getgid(), getegid(), "getgid == getegid");
	CHECK_SYS(getresuid(&r, &e, &s), "getresuid");
	CHECK(r == getuid() && e == geteuid() && s == getuid(), "getresuid r/e/s == getuid");
	CHECK_SYS(getresgid(&gr, &ge, &gs), "getresgid");
	CHECK(gr == getgid() && ge == getegid() && gs == getgid(), "getresgid r/e/s == getgid");
	CHECK_ERR(syscall(SYS_getresuid, (void *)1, &e, &s), EFAULT, "getresuid bad pointer");
	{
		int n = getgroups(0, NULL);
		CHECK(n >= 0, "getgroups(0, NULL) count");
		CHECK_EQ(getgroups(256, groups), n, "getgroups returns the same count");
		if (n >= 2)
			CHECK_ERR(getgroups(n - 1, groups), EINVAL, "getgroups with too small a list");
		else
			CHECK(1, "getgroups with too small a list -> EINVAL (fewer than 2 groups: vacuous)");
	}
	CHECK_SYS(setresuid(-1, -1, -1), "setresuid no change");
	CHECK_SYS(setuid(getuid()), "setuid to own uid");
	CHECK_EQ(getpgid(0), getpgrp(), "getpgid(0) == getpgrp()");
	/* 0 when the session leader lives outside our pid namespace (containers, CI) */
	CHECK(getsid(0) >= 0, "getsid(0) >= 0");
	CHECK_EQ(getsid(0), getsid(getpid()), "getsid(0) == getsid(getpid())");
	CHECK_ERR(getpgid(0x7ffffff0), ESRCH, "getpgid no such pid");
	CHECK_ERR(kill(0x7ffffff0, 0), ESRCH, "kill no such pid");
	CHECK_SYS(kill(getpid(), 0), "kill self with signal 0");
}

static void test_random_sched(void)
{
	unsigned char a[16], b[16], z[16] = {0};
	cpu_set_t set;
	long r;

	CHECK_EQ(getrandom(a, sizeof a, 0), 16, "getrandom 16 bytes");
	CHECK(memcmp(a, z, 16), "getrandom not all zero");
	CHECK_EQ(getrandom(b, sizeof b, GRND_NONBLOCK), 16, "getrandom GRND_NONBLOCK");
	CHECK(memcmp(a, b, 16), "two getrandom results differ");
	CHECK_EQ(getrandom(b, 0, 0), 0, "getrandom 0 bytes");
	CHECK_ERR(getrandom(b, 16, 0x1000), EINVAL, "getrandom bad flags");
	CHECK_ERR(syscall(SYS_getrandom, (void *)1, 16, 0), EFAULT, "getrandom bad pointer");

	CPU_ZERO(&set);
	CHECK_SYS(sched_getaffinity(0, sizeof set, &set), "sched_getaffinity");
	CHECK(CPU_COUNT(&set) >= 1, "affinity has at least one cpu");
	r = syscall(SYS_sched_getaffinity, 0, sizeof set, &set);
	CHECK(r > 0 && r % sizeof(long) == 0 && r <= (long)sizeof set, "raw sched_getaffinity returns the mask size");
	CHECK_ERR(syscall(SYS_sched_getaffinity, 0, 1, &set), EINVAL, "sched_getaffinity size not a multiple of long");
	CHECK_ERR(syscall(SYS_sched_getaffinity, 0, sizeof set, (void *)1), EFAULT, "sched_getaffinity bad pointer");
	CHECK_SYS(sched_setaffinity(0, sizeof set, &set), "sched_setaffinity to the same set");
	{
		unsigned cpu = ~0u;
		CHECK_SYS(syscall(SYS_getcpu, &cpu, NULL, NULL), "getcpu");
		CHECK(cpu < CPU_SETSIZE && CPU_ISSET(cpu, &set), "getcpu is in the affinity set");
	}
	CHECK_SYS(sched_yield(), "sched_yield");
	CHECK_EQ(syscall(SYS_sched_getscheduler, 0), SCHED_OTHER, "sched_getscheduler is SCHED_OTHER"); /* musl: ENOSYS */
	{
		struct sched_param sp = {.sched_priority = 7};
		CHECK_SYS(syscall(SYS_sched_getparam, 0, &sp), "sched_getparam");
		CHECK_EQ(sp.sched_priority, 0, "sched_priority is 0");
	}
	CHECK_EQ(sched_get_priority_max(SCHED_FIFO), 99, "sched_get_priority_max(SCHED_FIFO)");
	CHECK_EQ(sched_get_priority_min(SCHED_OTHER), 0, "sched_get_priority_min(SCHED_OTHER)");
	CHECK_ERR(syscall(SYS_sched_get_priority_max, 1234), EINVAL, "sched_get_priority_max bad policy");
	errno = 0;
	{
		int prio = getpriority(PRIO_PROCESS, 0);
		CHECK(errno == 0 && prio >= -20 && prio <= 19 && prio == getpriority(PRIO_PROCESS, getpid()),
		      "getpriority in [-20, 19], same for 0 and getpid()");
	}
}

static void test_poll(void)
{
	int p[2];
	struct pollfd pfd[3];
	struct timespec ts = {0, 0};
	struct timeval tv = {0, 0};
	fd_set rfds;
	char buf[8];
	long long t0;

	CHECK_SYS(pipe(p), "pipe");
	pfd[0] = (struct pollfd){p[0], POLLIN, 0};
	CHECK_EQ(poll(pfd, 1, 0), 0, "poll empty pipe, timeout 0");
	t0 = mono_ns();
	CHECK_EQ(poll(pfd, 1, 20), 0, "poll empty pipe, timeout 20 ms");
	CHECK(mono_ns() - t0 >= 20000000, "poll waited >= 20 ms");
	CHECK_EQ(ppoll(pfd, 1, &ts, NULL), 0, "ppoll empty pipe, zero timeout");
	FD_ZERO(&rfds);
	FD_SET(p[0], &rfds);
	CHECK_EQ(pselect(p[0] + 1, &rfds, NULL, NULL, &ts, NULL), 0, "pselect6 empty pipe, zero timeout");
	CHECK(!FD_ISSET(p[0], &rfds), "pselect6 cleared the fd");

	CHECK_EQ(write(p[1], "abc", 3), 3, "write pipe");
	pfd[0] = (struct pollfd){p[0], POLLIN, 0};
	pfd[1] = (struct pollfd){p[1], POLLOUT, 0};
	pfd[2] = (struct pollfd){-1, POLLIN, 0x7777};
	CHECK_EQ(poll(pfd, 3, 0), 2, "poll after write: 2 ready");
	CHECK_EQ(pfd[0].revents, POLLIN, "read end POLLIN");
	CHECK_EQ(pfd[1].revents, POLLOUT, "write end POLLOUT");
	CHECK_EQ(pfd[2].revents, 0, "negative fd ignored, revents cleared");
	pfd[0].revents = 0;
	CHECK_EQ(ppoll(pfd, 1, &ts, NULL), 1, "ppoll after write");
	CHECK_EQ(pfd[0].revents, POLLIN, "ppoll POLLIN");
	{
		sigset_t mask;
		sigemptyset(&mask);
		CHECK_EQ(ppoll(pfd, 1, NULL, &mask), 1, "ppoll with no timeout and a sigmask (ready)");
	}
	FD_ZERO(&rfds);
	FD_SET(p[0], &rfds);
	CHECK_EQ(pselect(p[0] + 1, &rfds, NULL, NULL, &ts, NULL), 1, "pselect6 after write");
	CHECK(FD_ISSET(p[0], &rfds), "pselect6 reports the fd readable");
	FD_ZERO(&rfds);
	FD_SET(p[0], &rfds);
	CHECK_EQ(select(p[0] + 1, &rfds, NULL, NULL, &tv), 1, "select after write");
#ifdef __x86_64__
	pfd[0].revents = 0;
	CHECK_EQ(syscall(SYS_poll, pfd, 1, 0), 1, "x86 poll syscall");
	FD_ZERO(&rfds);
	FD_SET(p[0], &rfds);
	tv.tv_sec = tv.tv_usec = 0;
	CHECK_EQ(syscall(SYS_select, p[0] + 1, &rfds, NULL, NULL, &tv), 1, "x86 select syscall");
#endif
	CHECK_EQ(read(p[0], buf, sizeof buf), 3, "drain pipe");
	close(p[1]);
	pfd[0] = (struct pollfd){p[0], POLLIN, 0};
	CHECK_EQ(poll(pfd, 1, 0), 1, "poll after writer closed");
	CHECK_EQ(pfd[0].revents, POLLHUP, "POLLHUP");
	close(p[0]);
	pfd[0] = (struct pollfd){p[0], POLLIN, 0};
	CHECK_EQ(poll(pfd, 1, 0), 1, "poll a closed fd");
	CHECK_EQ(pfd[0].revents, POLLNVAL, "POLLNVAL");
	CHECK_ERR(syscall(SYS_ppoll, (void *)1, 1, &ts, NULL, 8), EFAULT, "ppoll bad pointer");
	{
		sigset_t mask;
		sigemptyset(&mask);
		CHECK_ERR(syscall(SYS_ppoll, pfd, 1, &ts, &mask, 4), EINVAL, "ppoll bad sigset size");
	}
	FD_ZERO(&rfds);
	FD_SET(p[0], &rfds);
	CHECK_ERR(pselect(p[0] + 1, &rfds, NULL, NULL, &ts, NULL), EBADF, "pselect6 closed fd");
	CHECK_ERR(syscall(SYS_pselect6, -1, NULL, NULL, NULL, &ts, NULL), EINVAL, "pselect6 negative nfds");
	{
		struct timespec bad = {0, 2000000000};
		CHECK_ERR(syscall(SYS_ppoll, pfd, 0, &bad, NULL, 8), EINVAL, "ppoll bad timeout");
	}
}

static void test_statfs(void)
{
	struct statfs a, b;
	int fd = open("/tmp", O_RDONLY | O_DIRECTORY);

	CHECK_SYS(statfs("/tmp", &a), "statfs /tmp");
	CHECK_SYS(fstatfs(fd, &b), "fstatfs /tmp");
	CHECK(a.f_bsize > 0 && (a.f_bsize & (a.f_bsize - 1)) == 0, "f_bsize > 0 and a power of two");
	CHECK(a.f_namelen > 0, "f_namelen > 0");
	CHECK(a.f_blocks >= a.f_bfree && a.f_bfree >= a.f_bavail, "f_blocks >= f_bfree >= f_bavail");
	CHECK(a.f_type == b.f_type && a.f_bsize == b.f_bsize && a.f_blocks == b.f_blocks &&
	      a.f_namelen == b.f_namelen && a.f_frsize == b.f_frsize && a.f_files == b.f_files,
	      "statfs and fstatfs agree");
	CHECK(!memcmp(&a.f_fsid, &b.f_fsid, sizeof a.f_fsid), "statfs and fstatfs agree on f_fsid");
	CHECK_SYS(statfs("/proc", &a), "statfs /proc");
	CHECK_EQ(a.f_type, 0x9fa0, "/proc is procfs (PROC_SUPER_MAGIC)");
	CHECK_ERR(statfs("/missing-dir-xyz", &a), ENOENT, "statfs missing");
	CHECK_ERR(syscall(SYS_statfs, "/tmp", (void *)1), EFAULT, "statfs bad pointer");
	CHECK_ERR(syscall(SYS_statfs, (void *)1, &a), EFAULT, "statfs bad path pointer");
	CHECK_ERR(fstatfs(-1, &a), EBADF, "fstatfs bad fd");
	close(fd);
}

static void handler(int sig)
{
	(void)sig;
}

static void handler2(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)si, (void)uc;
}

static void test_signals(void)
{
	struct sigaction sa, old;
	sigset_t set, cur;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	CHECK_SYS(sigaction(SIGUSR1, &sa, NULL), "rt_sigaction install SIGUSR1 handler");
	memset(&old, 0, sizeof old);
	CHECK_SYS(sigaction(SIGUSR1, NULL, &old), "rt_sigaction read back");
	CHECK(old.sa_handler == handler, "read back the handler");
	CHECK(old.sa_flags & SA_RESTART, "read back SA_RESTART");
	CHECK(!(old.sa_flags & (SA_SIGINFO | SA_ONSTACK | SA_NODEFER | SA_RESETHAND)), "no other flags");
	CHECK(sigismember(&old.sa_mask, SIGUSR2) && !sigismember(&old.sa_mask, SIGINT), "read back sa_mask");
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = handler2;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_RESETHAND | SA_ONSTACK;
	CHECK_SYS(sigaction(SIGUSR1, &sa, &old), "rt_sigaction replace, returning the old action");
	CHECK(old.sa_handler == handler, "old action was the first handler");
	CHECK_SYS(sigaction(SIGUSR1, NULL, &old), "read back again");
	CHECK(old.sa_sigaction == handler2, "SA_SIGINFO handler read back");
	CHECK_EQ(old.sa_flags & (SA_SIGINFO | SA_NODEFER | SA_RESETHAND | SA_ONSTACK | SA_RESTART),
		 SA_SIGINFO | SA_NODEFER | SA_RESETHAND | SA_ONSTACK, "SA_SIGINFO|SA_NODEFER|SA_RESETHAND|SA_ONSTACK read back");
	CHECK(signal(SIGUSR1, SIG_IGN) != SIG_ERR, "signal SIG_IGN");
	sigaction(SIGUSR1, NULL, &old);
	CHECK(old.sa_handler == SIG_IGN, "SIG_IGN read back");
	CHECK(signal(SIGUSR1, SIG_DFL) != SIG_ERR, "signal SIG_DFL");
	sigaction(SIGUSR1, NULL, &old);
	CHECK(old.sa_handler == SIG_DFL, "SIG_DFL read back");
	sigaction(SIGSEGV, NULL, &old);
	CHECK(old.sa_handler == SIG_DFL, "SIGSEGV is SIG_DFL at start");
	sigaction(SIGPIPE, NULL, &old);
	CHECK(old.sa_handler == SIG_DFL, "SIGPIPE is SIG_DFL at start");
	sa.sa_handler = handler;
	sa.sa_flags = 0;
	CHECK_ERR(sigaction(SIGKILL, &sa, NULL), EINVAL, "rt_sigaction SIGKILL");
	CHECK_ERR(sigaction(SIGSTOP, &sa, NULL), EINVAL, "rt_sigaction SIGSTOP");
	CHECK_SYS(sigaction(SIGKILL, NULL, &old), "rt_sigaction read SIGKILL");
	CHECK_ERR(syscall(SYS_rt_sigaction, 0, NULL, &old, 8), EINVAL, "rt_sigaction signal 0");
	CHECK_ERR(syscall(SYS_rt_sigaction, 65, NULL, &old, 8), EINVAL, "rt_sigaction signal 65");
	CHECK_ERR(syscall(SYS_rt_sigaction, SIGUSR1, NULL, &old, 4), EINVAL, "rt_sigaction bad sigsetsize");
	CHECK_ERR(syscall(SYS_rt_sigaction, SIGUSR1, (void *)1, NULL, 8), EFAULT, "rt_sigaction bad pointer");
	CHECK_SYS(sigaction(SIGRTMIN + 2, &sa, NULL), "rt_sigaction a real-time signal");
	signal(SIGRTMIN + 2, SIG_DFL);

	CHECK_SYS(sigprocmask(SIG_SETMASK, NULL, &cur), "rt_sigprocmask read");
	CHECK(!sigismember(&cur, SIGUSR1) && !sigismember(&cur, SIGINT), "initial mask: SIGUSR1, SIGINT unblocked");
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGKILL);
	sigaddset(&set, SIGSTOP);
	CHECK_SYS(sigprocmask(SIG_BLOCK, &set, NULL), "rt_sigprocmask SIG_BLOCK SIGUSR1 (+SIGKILL, SIGSTOP)");
	CHECK_SYS(sigprocmask(SIG_BLOCK, NULL, &cur), "rt_sigprocmask read back");
	CHECK(sigismember(&cur, SIGUSR1), "SIGUSR1 blocked");
	CHECK(!sigismember(&cur, SIGUSR2), "SIGUSR2 not blocked");
	CHECK(!sigismember(&cur, SIGKILL) && !sigismember(&cur, SIGSTOP), "SIGKILL/SIGSTOP cannot be blocked");
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	CHECK_SYS(sigprocmask(SIG_BLOCK, &set, &cur), "block SIGUSR2 too");
	CHECK(sigismember(&cur, SIGUSR1) && !sigismember(&cur, SIGUSR2), "old mask returned");
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	CHECK_SYS(sigprocmask(SIG_UNBLOCK, &set, &cur), "rt_sigprocmask SIG_UNBLOCK SIGUSR1");
	sigprocmask(SIG_BLOCK, NULL, &cur);
	CHECK(!sigismember(&cur, SIGUSR1) && sigismember(&cur, SIGUSR2), "mask after SIG_UNBLOCK");
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + 3);
	CHECK_SYS(sigprocmask(SIG_SETMASK, &set, NULL), "rt_sigprocmask SIG_SETMASK");
	sigprocmask(SIG_BLOCK, NULL, &cur);
	CHECK(sigismember(&cur, SIGRTMIN + 3) && !sigismember(&cur, SIGUSR2), "mask after SIG_SETMASK (a real-time signal)");
	CHECK_SYS(sigpending(&cur), "rt_sigpending");
	CHECK(!sigismember(&cur, SIGUSR1) && !sigismember(&cur, SIGRTMIN + 3), "nothing pending");
	CHECK_ERR(syscall(SYS_rt_sigprocmask, 99, &set, NULL, 8), EINVAL, "rt_sigprocmask bad how");
	CHECK_ERR(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 4), EINVAL, "rt_sigprocmask bad sigsetsize");
	CHECK_ERR(syscall(SYS_rt_sigprocmask, SIG_BLOCK, (void *)1, NULL, 8), EFAULT, "rt_sigprocmask bad pointer");
	sigemptyset(&set);
	CHECK_SYS(sigprocmask(SIG_SETMASK, &set, NULL), "unblock everything");
	{
		stack_t ss, oss;
		static char altstack[65536];
		CHECK_SYS(sigaltstack(NULL, &oss), "sigaltstack read");
		CHECK(oss.ss_flags == SS_DISABLE, "no alternate stack at start");
		ss.ss_sp = altstack;
		ss.ss_size = sizeof altstack;
		ss.ss_flags = 0;
		CHECK_SYS(sigaltstack(&ss, NULL), "sigaltstack set");
		CHECK_SYS(sigaltstack(NULL, &oss), "sigaltstack read back");
		CHECK(oss.ss_sp == altstack && oss.ss_size == sizeof altstack && oss.ss_flags == 0, "sigaltstack round trip");
		ss.ss_size = 100;
		CHECK_ERR(sigaltstack(&ss, NULL), ENOMEM, "sigaltstack too small");
		ss.ss_flags = SS_DISABLE;
		CHECK_SYS(sigaltstack(&ss, NULL), "sigaltstack disable");
	}
}

int main(int argc, char **argv)
{
	(void)argc;
	test_uname_sysinfo(argv);
	test_limits();
	test_time();
	test_ids();
	test_random_sched();
	test_poll();
	test_statfs();
	test_signals();
	return check_done();
}
