/* procs: processes. fork/vfork/clone/clone3 and the wait status matrix (exit codes, deaths by
 * signal, stop/continue), waitid and wait4 (siginfo, rusage), SIGCHLD ignored, pipes and dup2
 * redirections across fork and exec, execve errors (nothing is torn down), #! scripts,
 * close-on-exec, /proc/self/exe, cmdline and stat.
 *
 *   procs            the checks above; exec runs host programs only (/bin/sh, /bin/cat...), so
 *                    that qemu-aarch64, which cannot exec an arm64 program, is a reference
 *   procs chain      exec chains across architectures: this program execs its build for the
 *                    other architecture (<name>-arm64 <-> <name>-x86_64, found next to
 *                    /proc/self/exe), which checks what execve carried over and execs back,
 *                    through /proc/self/exe and a #! script; no native system or qemu-user can
 *                    run this, so it is checked only against its own expectations
 *   procs step ...   one link of the chain (internal)
 *   procs sigexec    checks the signals pending after execve (internal)
 */
#include "check.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_execveat
#define SYS_execveat 322
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x1000
#endif
#ifndef __WALL
#define __WALL 0x40000000
#endif

extern char **environ;

static char self[PATH_MAX];  /* this program, from /proc/self/exe */
static char tmpdir[64];

static CHECK_UNUSED long ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Reads until EOF into buf (NUL-terminated); returns the length. */
static size_t read_all(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	ssize_t k;
	while (n + 1 < cap && (k = read(fd, buf + n, cap - 1 - n)) > 0)
		n += (size_t)k;
	buf[n] = 0;
	return n;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			perror("write");
		close(fd);
	}
	chmod(path, mode);
}

/* Status of a child, as text: "exit N", "signal NAME", "stopped NAME", "continued". */
static const char *status_text(int st)
{
	static char buf[64];
	if (WIFEXITED(st))
		snprintf(buf, sizeof buf, "exit %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, sizeof buf, "signal %d", WTERMSIG(st));
	else if (WIFSTOPPED(st))
		snprintf(buf, sizeof buf, "stopped %d", WSTOPSIG(st));
	else if (WIFCONTINUED(st))
		snprintf(buf, sizeof buf, "continued");
	else
		snprintf(buf, sizeof buf, "status %#x", st);
	return buf;
}

/* Waits for pid and returns its status text ("error" when waitpid fails). */
static const char *reap(pid_t pid)
{
	int st;
	pid_t r;
	while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	return r == pid ? status_text(st) : "error";
}

/* ---------------------------------------------------------------- wait status matrix */

static void test_exit_codes(void)
{
	static const int codes[] = { 0, 1, 42, 127, 255, 256, 257 };
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(codes[i]);
		char want[32];
		snprintf(want, sizeof want, "exit %d", codes[i] & 0xff);
		CHECK_STR(reap(pid), want, "fork, _exit(%d): wait status", codes[i]);
	}
	/* exit() flushes stdio in the child: the parent's buffered line is not repeated. */
	int p[2];
	CHECK_SYS(pipe(p), "pipe");
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		FILE *f = fdopen(p[1], "w");
		fprintf(f, "from child");
		exit(3);
	}
	close(p[1]);
	char buf[64];
	read_all(p[0], buf, sizeof buf);
	close(p[0]);
	CHECK_STR(buf, "from child", "exit() in a child flushes its stdio");
	CHECK_STR(reap(pid), "exit 3", "exit(3): wait status");
}

/* A child that blocks reading fd until the parent acts. */
static pid_t blocked_child(int *wr)
{
	int p[2];
	if (pipe(p))
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(p[1]);
		ssize_t n = read(p[0], &c, 1);
		_exit(n == 1 ? c : 100);
	}
	close(p[0]);
	*wr = p[1];
	return pid;
}

static void child_raise(int sig)
{
	if (sig == SIGSEGV) {
		volatile int *p = NULL;
		__asm__ volatile("" : "+r"(p)); /* an address the compiler cannot see */
		*p = 1;
	}
	if (sig == SIGABRT)
		abort();
	raise(sig);
	_exit(99);
}

static void test_signal_deaths(void)
{
	static const int sigs[] = { SIGTERM, SIGKILL, SIGINT, SIGHUP, SIGUSR1, SIGQUIT,
				    SIGSEGV, SIGABRT, SIGPIPE, SIGALRM };
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		pid_t pid = fork();
		if (pid == 0)
			child_raise(sigs[i]);
		char want[32];
		snprintf(want, sizeof want, "signal %d", sigs[i]);
		CHECK_STR(reap(pid), want, "child raises signal %d: wait status", sigs[i]);
	}
	/* Killed by the parent while blocked in a read. */
	static const int ext[] = { SIGTERM, SIGKILL, SIGUSR2 };
	for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
		int wr;
		pid_t pid = blocked_child(&wr);
		CHECK_SYS(kill(pid, ext[i]), "kill(child, %d)", ext[i]);
		char want[32];
		snprintf(want, sizeof want, "signal %d", ext[i]);
		CHECK_STR(reap(pid), want, "child killed by signal %d while blocked: wait status",
			  ext[i]);
		close(wr);
	}
	/* A write to a pipe nobody reads: SIGPIPE. */
	int p[2];
	CHECK_SYS(pipe(p), "pipe");
	close(p[0]);
	pid_t pid = fork();
	if (pid == 0) {
		ssize_t r = write(p[1], "x", 1);
		_exit(r < 0 ? 98 : 97);
	}
	close(p[1]);
	CHECK_STR(reap(pid), "signal 13", "write to a reader-less pipe: SIGPIPE");
}

static void test_stop_continue(void)
{
	int wr, st;
	pid_t pid = blocked_child(&wr);
	CHECK_SYS(kill(pid, SIGSTOP), "kill(child, SIGSTOP)");
	CHECK_EQ(waitpid(pid, &st, WUNTRACED), pid, "waitpid(WUNTRACED) after SIGSTOP");
	CHECK_STR(status_text(st), "stopped 19", "stopped child: status");
	CHECK_SYS(kill(pid, SIGCONT), "kill(child, SIGCONT)");
	CHECK_EQ(waitpid(pid, &st, WCONTINUED), pid, "waitpid(WCONTINUED) after SIGCONT");
	CHECK_STR(status_text(st), "continued", "continued child: status");
	CHECK_EQ(waitpid(pid, &st, WNOHANG | WUNTRACED | WCONTINUED), 0,
		 "waitpid(WNOHANG) on a running child");
	CHECK_EQ(write(wr, "\x05", 1), 1, "wake the child");
	close(wr);
	CHECK_STR(reap(pid), "exit 5", "then it exits 5");

	/* A child that stops itself. */
	int p[2];
	CHECK_SYS(pipe(p), "pipe");
	pid = fork();
	if (pid == 0) {
		char c;
		close(p[1]);
		raise(SIGTSTP);
		_exit(read(p[0], &c, 1) == 1 ? 6 : 100);
	}
	close(p[0]);
	CHECK_EQ(waitpid(pid, &st, WUNTRACED), pid, "waitpid(WUNTRACED): child raised SIGTSTP");
	CHECK_STR(status_text(st), "stopped 20", "self-stopped child: status");
	kill(pid, SIGCONT);
	CHECK_EQ(write(p[1], "x", 1), 1, "wake the child");
	close(p[1]);
	CHECK_STR(reap(pid), "exit 6", "then it exits 6");
}

static void test_waitid(void)
{
	siginfo_t si;
	pid_t pid = fork();
	if (pid == 0)
		_exit(3);
	memset(&si, 0xff, sizeof si);
	CHECK_SYS(waitid(P_PID, pid, &si, WEXITED | WNOWAIT), "waitid(P_PID, WEXITED|WNOWAIT)");
	CHECK_EQ(si.si_signo, SIGCHLD, "waitid: si_signo");
	CHECK_EQ(si.si_code, CLD_EXITED, "waitid: si_code CLD_EXITED");
	CHECK_EQ(si.si_status, 3, "waitid: si_status");
	CHECK_EQ(si.si_pid, pid, "waitid: si_pid");
	CHECK_EQ(si.si_uid, getuid(), "waitid: si_uid");
	memset(&si, 0, sizeof si);
	CHECK_SYS(waitid(P_ALL, 0, &si, WEXITED), "waitid(P_ALL): the same child, reaped now");
	CHECK_EQ(si.si_pid, pid, "waitid(P_ALL): si_pid");
	CHECK_ERR(waitpid(pid, NULL, 0), ECHILD, "waitpid after it was reaped");

	int wr;
	pid = blocked_child(&wr);
	memset(&si, 0xff, sizeof si);
	CHECK_SYS(waitid(P_PID, pid, &si, WEXITED | WNOHANG), "waitid(WNOHANG), child running");
	CHECK_EQ(si.si_pid, 0, "waitid(WNOHANG): si_pid 0");
	CHECK_EQ(si.si_signo, 0, "waitid(WNOHANG): si_signo 0");
	kill(pid, SIGKILL);
	CHECK_SYS(waitid(P_PID, pid, &si, WEXITED), "waitid for a killed child");
	CHECK_EQ(si.si_code, CLD_KILLED, "waitid: si_code CLD_KILLED");
	CHECK_EQ(si.si_status, SIGKILL, "waitid: si_status SIGKILL");
	close(wr);

	pid = fork();
	if (pid == 0)
		child_raise(SIGSEGV);
	CHECK_SYS(waitid(P_PID, pid, &si, WEXITED), "waitid for a crashed child");
	CHECK(si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED,
	      "waitid: si_code CLD_KILLED or CLD_DUMPED");
	CHECK_EQ(si.si_status, SIGSEGV, "waitid: si_status SIGSEGV");

	CHECK_ERR(waitid(P_PID, getpid(), &si, 0), EINVAL, "waitid without WEXITED/WSTOPPED");
	CHECK_ERR(waitid(P_ALL, 0, &si, WEXITED), ECHILD, "waitid(P_ALL) without children");
	CHECK_ERR(waitid(P_PID, getppid(), &si, WEXITED | WNOHANG), ECHILD,
		  "waitid for our parent");
	pid = fork();
	if (pid == 0)
		_exit(0);
	CHECK_ERR(syscall(SYS_waitid, P_PID, pid, (void *)16, WEXITED, NULL), EFAULT,
		  "waitid with a bad siginfo pointer");
	CHECK_ERR(waitpid(pid, NULL, 0), ECHILD, "the child was reaped all the same");
}

static void test_wait4(void)
{
	struct rusage ru;
	int st;
	pid_t pid = fork();
	if (pid == 0) {
		/* 60 ms of CPU time */
		struct timespec t;
		volatile unsigned long x = 0;
		do {
			for (int i = 0; i < 100000; i++)
				x += (unsigned long)i * i;
			clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
		} while (t.tv_sec == 0 && t.tv_nsec < 60000000);
		_exit(0);
	}
	memset(&ru, 0, sizeof ru);
	CHECK_EQ(wait4(pid, &st, 0, &ru), pid, "wait4 with a struct rusage");
	long ms = ru.ru_utime.tv_sec * 1000 + ru.ru_utime.tv_usec / 1000 +
		  ru.ru_stime.tv_sec * 1000 + ru.ru_stime.tv_usec / 1000;
	CHECK(ms >= 50, "wait4: the child's user+system time is at least 50 ms");
	CHECK(ru.ru_utime.tv_usec < 1000000 && ru.ru_stime.tv_usec < 1000000,
	      "wait4: tv_usec below a second");
	CHECK(getrusage(RUSAGE_CHILDREN, &ru) == 0 && ru.ru_utime.tv_sec * 1000 +
	      ru.ru_utime.tv_usec / 1000 + ru.ru_stime.tv_sec * 1000 + ru.ru_stime.tv_usec / 1000 >= 50,
	      "getrusage(RUSAGE_CHILDREN) counts it");

	CHECK_ERR(waitpid(-1, &st, WNOHANG), ECHILD, "waitpid(-1, WNOHANG) without children");
	CHECK_ERR(wait(&st), ECHILD, "wait() without children");
	int wr;
	pid = blocked_child(&wr);
	CHECK_EQ(waitpid(-1, &st, WNOHANG), 0, "waitpid(-1, WNOHANG) with a running child");
	CHECK_EQ(wait4(pid, &st, WNOHANG, &ru), 0, "wait4(WNOHANG) with a running child");
	CHECK_ERR(waitpid(pid, &st, 0x4000), EINVAL, "waitpid with an unknown option");
	CHECK_EQ(write(wr, "\x09", 1), 1, "wake the child");
	close(wr);
	CHECK_ERR(syscall(SYS_wait4, pid, (void *)16, 0, NULL), EFAULT,
		  "wait4 with a bad status pointer");
	CHECK_ERR(waitpid(pid, NULL, 0), ECHILD, "the child was reaped all the same");

	/* waitpid(0): our process group; waitpid(-pgid). */
	pid = fork();
	if (pid == 0)
		_exit(11);
	CHECK_EQ(waitpid(0, &st, 0), pid, "waitpid(0): a child in our process group");
	CHECK_STR(status_text(st), "exit 11", "waitpid(0): status");
	pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		_exit(12);
	}
	setpgid(pid, pid); /* either side may win the race; both ask the same */
	CHECK_EQ(waitpid(-pid, &st, 0), pid, "waitpid(-pgid) of the child's own group");
	CHECK_STR(status_text(st), "exit 12", "waitpid(-pgid): status");
}

static void test_sigchld_ignored(void)
{
	/* SIGCHLD ignored: children are reaped by the kernel, wait finds none. */
	struct sigaction sa = { .sa_handler = SIG_IGN }, old;
	sigaction(SIGCHLD, &sa, &old);
	pid_t pid = fork();
	if (pid == 0)
		_exit(1);
	int st;
	CHECK_ERR(waitpid(pid, &st, 0), ECHILD, "SIGCHLD ignored: the child is reaped for us");
	sigaction(SIGCHLD, &old, NULL);
	pid = fork();
	if (pid == 0)
		_exit(2);
	CHECK_STR(reap(pid), "exit 2", "SIGCHLD back to default: wait works again");
}

/* ---------------------------------------------------------------- fork, vfork, clone */

static int global_value = 1;

static void test_fork_basics(void)
{
	pid_t me = getpid();
	int p[2];
	CHECK_SYS(pipe(p), "pipe");
	global_value = 2;
	pid_t pid = fork();
	if (pid == 0) {
		/* One byte per fact, read by the parent. */
		char r[6];
		r[0] = getppid() == me ? 'y' : 'n';
		r[1] = getpid() != me ? 'y' : 'n';
		r[2] = global_value == 2 ? 'y' : 'n';
		global_value = 3;
		/* The child's heap and stack are its own copies. */
		char *heap = malloc(100);
		r[3] = heap ? 'y' : 'n';
		r[4] = syscall(SYS_gettid) == getpid() ? 'y' : 'n';
		r[5] = 0;
		if (write(p[1], r, 5) != 5)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	char buf[16];
	read_all(p[0], buf, sizeof buf);
	close(p[0]);
	CHECK(pid > 0 && pid != me, "fork returns the child's pid");
	CHECK_STR(buf, "yyyyy", "child: getppid, getpid, memory copy, malloc, gettid");
	CHECK_STR(reap(pid), "exit 0", "child status");
	CHECK_EQ(global_value, 2, "the child's writes are its own");

	/* MAP_SHARED memory stays shared, MAP_PRIVATE is copied. */
	int *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int *priv = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	*shared = 1;
	*priv = 1;
	pid = fork();
	if (pid == 0) {
		*shared = 42;
		*priv = 42;
		_exit(0);
	}
	reap(pid);
	CHECK_EQ(*shared, 42, "MAP_SHARED|MAP_ANONYMOUS is shared with a fork child");
	CHECK_EQ(*priv, 1, "MAP_PRIVATE is copied");
	munmap(shared, 4096);
	munmap(priv, 4096);

	/* Many children at once, reaped in any order. */
	pid_t kids[20];
	for (int i = 0; i < 20; i++) {
		kids[i] = fork();
		if (kids[i] == 0)
			_exit(i);
	}
	int seen = 0, sum = 0;
	for (;;) {
		int st;
		pid_t r = wait(&st);
		if (r < 0)
			break;
		for (int i = 0; i < 20; i++)
			if (kids[i] == r && WIFEXITED(st) && WEXITSTATUS(st) == i) {
				seen++;
				sum += i;
			}
	}
	CHECK_EQ(seen, 20, "20 children: each reaped with its own status");
	CHECK_EQ(sum, 190, "20 children: statuses");
	CHECK_EQ(errno, ECHILD, "then wait() reports ECHILD");

	/* A grandchild: the child forks too. */
	CHECK_SYS(pipe(p), "pipe");
	pid = fork();
	if (pid == 0) {
		pid_t g = fork();
		if (g == 0) {
			char c = getppid() != getpid() ? 'g' : 'x';
			_exit(write(p[1], &c, 1) == 1 ? 4 : 1);
		}
		int st;
		waitpid(g, &st, 0);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) + 10 : 1);
	}
	close(p[1]);
	read_all(p[0], buf, sizeof buf);
	close(p[0]);
	CHECK_STR(buf, "g", "grandchild ran");
	CHECK_STR(reap(pid), "exit 14", "child reaped its own child");
}

static long raw_clone(unsigned long flags, void *ptid, void *ctid)
{
#if defined(__x86_64__)
	return syscall(SYS_clone, flags, 0, ptid, ctid, 0);
#else
	return syscall(SYS_clone, flags, 0, ptid, 0, ctid);
#endif
}

static void test_clone(void)
{
	/* Raw clone with the tid flags: the kernel writes the child's tid in the parent and in the
	 * child's copy of memory. */
	static int32_t ctid = -1;
	long pid = raw_clone(CLONE_CHILD_SETTID | SIGCHLD, NULL, &ctid);
	if (pid == 0)
		syscall(SYS_exit_group, ctid == (int32_t)syscall(SYS_getpid) ? 0 : 1);
	CHECK(pid > 0, "clone(CLONE_CHILD_SETTID|SIGCHLD)");
	CHECK_EQ(ctid, -1, "CLONE_CHILD_SETTID wrote only the child's copy");
	CHECK_STR(reap((pid_t)pid), "exit 0", "the child's copy held its tid");
#if defined(__x86_64__)
	/* qemu-user writes the parent's tid into the child's copy: x86-64 only. */
	static int32_t ptid = -1;
	pid = raw_clone(CLONE_PARENT_SETTID | SIGCHLD, &ptid, NULL);
	if (pid == 0)
		syscall(SYS_exit_group, ptid == -1 ? 0 : 1);
	CHECK(pid > 0, "clone(CLONE_PARENT_SETTID|SIGCHLD)");
	CHECK_EQ(ptid, pid, "CLONE_PARENT_SETTID: the parent's copy holds the pid");
	CHECK_STR(reap((pid_t)pid), "exit 0", "the child's copy does not");
#endif

	pid = raw_clone(CLONE_CHILD_CLEARTID | SIGCHLD, NULL, &ctid);
	if (pid == 0)
		syscall(SYS_exit_group, 21);
	CHECK_STR(reap((pid_t)pid), "exit 21", "clone(CLONE_CHILD_CLEARTID|SIGCHLD)");

	CHECK_ERR(raw_clone(CLONE_SIGHAND | SIGCHLD, NULL, NULL), EINVAL,
		  "clone(CLONE_SIGHAND) without CLONE_VM");
	CHECK_ERR(raw_clone(CLONE_THREAD | CLONE_VM | SIGCHLD, NULL, NULL), EINVAL,
		  "clone(CLONE_THREAD) without CLONE_SIGHAND");

#if defined(__x86_64__)
	/* qemu-user forks for these whatever the exit signal and ignores the pidfd: x86-64 only. */
	int st;
	pid = raw_clone(0, NULL, NULL); /* exit signal 0: a "clone" child */
	if (pid == 0)
		syscall(SYS_exit_group, 22);
	CHECK_ERR(waitpid((pid_t)pid, &st, 0), ECHILD,
		  "a child with exit signal 0 is invisible to a plain waitpid");
	CHECK_EQ(waitpid((pid_t)pid, &st, __WALL), pid, "waitpid(__WALL) finds it");
	CHECK_STR(status_text(st), "exit 22", "its status");

	int pidfd = -1;
	pid = raw_clone(CLONE_PIDFD | SIGCHLD, &pidfd, NULL);
	if (pid == 0)
		syscall(SYS_exit_group, 23);
	CHECK(pid > 0 && pidfd > 2, "clone(CLONE_PIDFD) gives a pidfd");
	CHECK_EQ(fcntl(pidfd, F_GETFD), FD_CLOEXEC, "the pidfd is close-on-exec");
	struct pollfd pf = { pidfd, POLLIN, 0 };
	CHECK_EQ(poll(&pf, 1, 5000), 1, "the pidfd polls readable once the child exits");
	siginfo_t si;
	memset(&si, 0, sizeof si);
	CHECK_SYS(waitid(P_PIDFD, pidfd, &si, WEXITED), "waitid(P_PIDFD)");
	CHECK_EQ(si.si_status, 23, "waitid(P_PIDFD): status");
	close(pidfd);
	CHECK_ERR(raw_clone(CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, &pidfd, NULL), EINVAL,
		  "clone(CLONE_PIDFD|CLONE_PARENT_SETTID)");

	/* clone3 as a fork, and with a stack of its own for the child. */
	struct {
		uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	} ca;
	memset(&ca, 0, sizeof ca);
	ca.exit_signal = SIGCHLD;
	pid = syscall(SYS_clone3, &ca, sizeof ca);
	if (pid == 0)
		syscall(SYS_exit_group, 24);
	CHECK_STR(reap((pid_t)pid), "exit 24", "clone3 as fork");
	ca.flags = CLONE_PARENT_SETTID;
	ca.parent_tid = (uintptr_t)&ptid;
	pid = syscall(SYS_clone3, &ca, sizeof ca);
	if (pid == 0)
		syscall(SYS_exit_group, 25);
	CHECK_EQ(ptid, pid, "clone3 CLONE_PARENT_SETTID");
	CHECK_STR(reap((pid_t)pid), "exit 25", "clone3: status");
	ca.flags = 0;
	ca.exit_signal = 65;
	CHECK_ERR(syscall(SYS_clone3, &ca, sizeof ca), EINVAL, "clone3 with exit signal 65");
	ca.exit_signal = SIGCHLD;
	ca.stack_size = 4096;
	CHECK_ERR(syscall(SYS_clone3, &ca, sizeof ca), EINVAL, "clone3: stack size without stack");
	CHECK_ERR(syscall(SYS_clone3, &ca, 32), EINVAL, "clone3 with a short struct");
#endif
}

/* What a vfork child writes in its parent's frame, the parent sees: a local, and glibc's
 * posix_spawn error report (qemu-user's vfork is a plain fork, so these run on x86-64 and in
 * the chain, which only syscorn runs). */
static void vfork_shares(void)
{
	volatile int local = 1;
	pid_t pid = vfork();
	if (pid == 0) {
		local = 42;
		_exit(0);
	}
	CHECK_EQ(local, 42, "vfork: the child's write to a local of the parent's frame");
	reap(pid);
	char *argv[] = { "nothing", NULL };
	CHECK_RET(posix_spawn(&pid, "/nonexistent/nothing", NULL, NULL, argv, environ), ENOENT,
		  "posix_spawn of a missing program");
	int status = 0;
	while (waitpid(-1, &status, WNOHANG) > 0)
		;
}

static void test_vfork(void)
{
	pid_t pid = vfork();
	if (pid == 0)
		_exit(7);
	CHECK_STR(reap(pid), "exit 7", "vfork, _exit(7)");

	pid = vfork();
	if (pid == 0) {
		char *argv[] = { "true", NULL };
		execve("/bin/true", argv, environ);
		_exit(127);
	}
	CHECK_STR(reap(pid), "exit 0", "vfork, execve(/bin/true)");

	pid = vfork();
	if (pid == 0) {
		char *argv[] = { "nothing", NULL };
		execve("/nonexistent/nothing", argv, environ);
		_exit(errno == ENOENT ? 126 : 1);
	}
	CHECK_STR(reap(pid), "exit 126", "vfork, failed execve, _exit");

#if defined(__x86_64__)
	vfork_shares();
	/* The parent runs again only once the child has exec'd or exited (qemu-user's vfork is a
	 * plain fork, so x86-64 only). */
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = vfork();
	if (pid == 0) {
		struct timespec d = { 0, 150000000 };
		nanosleep(&d, NULL);
		_exit(8);
	}
	CHECK(ms_since(&t0) >= 140, "vfork: the parent waits for the child's _exit");
	CHECK_STR(reap(pid), "exit 8", "vfork child status");
#endif

	/* posix_spawn: glibc's is clone(CLONE_VM|CLONE_VFORK), musl's a clone too. */
	char *argv[] = { "sh", "-c", "exit 4", NULL };
	CHECK_RET(posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ), 0,
		  "posix_spawn /bin/sh -c 'exit 4'");
	CHECK_STR(reap(pid), "exit 4", "posix_spawn: status");
	posix_spawn_file_actions_t fa;
	int p[2];
	CHECK_SYS(pipe(p), "pipe");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addclose(&fa, p[0]);
	char *argv2[] = { "sh", "-c", "echo spawned", NULL };
	CHECK_RET(posix_spawn(&pid, "/bin/sh", &fa, NULL, argv2, environ), 0,
		  "posix_spawn with a dup2 file action");
	close(p[1]);
	char buf[64];
	read_all(p[0], buf, sizeof buf);
	close(p[0]);
	CHECK_STR(buf, "spawned\n", "posix_spawn: output through the pipe");
	CHECK_STR(reap(pid), "exit 0", "posix_spawn: status");
	posix_spawn_file_actions_destroy(&fa);
}

/* fork and exec in a process with threads: the child has only the thread that forked. */
static int thread_pipe[2];

static void *blocked_thread(void *arg)
{
	char c = 0;
	(void)arg;
	ssize_t n = read(thread_pipe[0], &c, 1);
	return (void *)(intptr_t)(n == 1 ? c : -1);
}

static void *spawning_thread(void *arg)
{
	pid_t pid;
	char *argv[] = { "sh", "-c", "exit 13", NULL };
	(void)arg;
	if (posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ))
		return (void *)(intptr_t)-1;
	int st;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return (void *)(intptr_t)-2;
	return (void *)(intptr_t)WEXITSTATUS(st);
}

static void test_fork_threads(void)
{
	pthread_t th;
	void *r;
	CHECK_SYS(pipe(thread_pipe), "pipe");
	CHECK_RET(pthread_create(&th, NULL, blocked_thread, NULL), 0, "a thread blocked in read");
	pid_t pid = fork();
	if (pid == 0) {
#if defined(__x86_64__)
		/* Only this thread is left; a new one works (qemu-user aborts here: x86-64 only). */
		pthread_t t2;
		if (pthread_create(&t2, NULL, spawning_thread, NULL) || pthread_join(t2, &r))
			_exit(1);
		_exit((int)(intptr_t)r == 13 ? 3 : 2);
#else
		_exit(3);
#endif
	}
	CHECK_STR(reap(pid), "exit 3", "fork with a second thread: the child runs");
	CHECK_EQ(write(thread_pipe[1], "t", 1), 1, "wake the thread");
	CHECK_RET(pthread_join(th, &r), 0, "join it");
	CHECK_EQ((intptr_t)r, 't', "it read what the parent wrote, not the child");
	CHECK_RET(pthread_create(&th, NULL, spawning_thread, NULL), 0, "a thread that posix_spawns");
	CHECK_RET(pthread_join(th, &r), 0, "join it");
	CHECK_EQ((intptr_t)r, 13, "posix_spawn and waitpid from a thread");
	close(thread_pipe[0]);
	close(thread_pipe[1]);
}

/* ---------------------------------------------------------------- pipes, dup2, exec */

static pid_t spawn_sh(const char *script, int in, int out, int err)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (in >= 0 && dup2(in, 0) < 0)
			_exit(120);
		if (out >= 0 && dup2(out, 1) < 0)
			_exit(121);
		if (err >= 0 && dup2(err, 2) < 0)
			_exit(122);
		char *argv[] = { "sh", "-c", (char *)script, NULL };
		execve("/bin/sh", argv, environ);
		_exit(127);
	}
	return pid;
}

static void test_pipes(void)
{
	int a[2], b[2];
	char buf[4096];
	/* A two-stage pipeline of host programs, built by hand. */
	CHECK_SYS(pipe2(a, O_CLOEXEC), "pipe2(O_CLOEXEC)");
	CHECK_SYS(pipe2(b, O_CLOEXEC), "pipe2(O_CLOEXEC)");
	pid_t p1 = spawn_sh("printf 'pear\\napple\\nfig\\n'", -1, a[1], -1);
	pid_t p2 = spawn_sh("sort", a[0], b[1], -1);
	close(a[0]);
	close(a[1]);
	close(b[1]);
	read_all(b[0], buf, sizeof buf);
	close(b[0]);
	CHECK_STR(buf, "apple\nfig\npear\n", "printf | sort through dup2'd pipes");
	CHECK_STR(reap(p1), "exit 0", "pipeline: first stage");
	CHECK_STR(reap(p2), "exit 0", "pipeline: second stage");

	/* stderr redirected separately, exit status through. */
	CHECK_SYS(pipe(a), "pipe");
	CHECK_SYS(pipe(b), "pipe");
	p1 = spawn_sh("echo out; echo err >&2; exit 3", -1, a[1], b[1]);
	close(a[1]);
	close(b[1]);
	read_all(a[0], buf, sizeof buf);
	CHECK_STR(buf, "out\n", "stdout of the child");
	read_all(b[0], buf, sizeof buf);
	CHECK_STR(buf, "err\n", "stderr of the child");
	close(a[0]);
	close(b[0]);
	CHECK_STR(reap(p1), "exit 3", "its exit status");

	/* Close-on-exec honoured, plain descriptors inherited, at the same numbers. */
	int keep = open("/dev/null", O_RDONLY);
	int drop = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int dropped_later = open("/dev/null", O_RDONLY);
	fcntl(dropped_later, F_SETFD, FD_CLOEXEC);
	char script[256];
	snprintf(script, sizeof script,
		 "for f in %d %d %d; do if [ -e /proc/self/fd/$f ]; then echo open; else echo closed; fi; done",
		 keep, drop, dropped_later);
	CHECK_SYS(pipe(a), "pipe");
	p1 = spawn_sh(script, -1, a[1], -1);
	close(a[1]);
	read_all(a[0], buf, sizeof buf);
	close(a[0]);
	CHECK_STR(buf, "open\nclosed\nclosed\n", "exec keeps plain fds, closes O_CLOEXEC/FD_CLOEXEC ones");
	reap(p1);
	close(keep);
	close(drop);
	close(dropped_later);

	/* A large transfer between two guest processes (pipe capacity many times over). */
	CHECK_SYS(pipe(a), "pipe");
	p1 = fork();
	if (p1 == 0) {
		close(a[0]);
		char block[4096];
		for (int i = 0; i < 256; i++) {
			memset(block, 'a' + i % 26, sizeof block);
			if (write(a[1], block, sizeof block) != (ssize_t)sizeof block)
				_exit(1);
		}
		_exit(0);
	}
	close(a[1]);
	size_t total = 0;
	unsigned sum = 0;
	ssize_t k;
	while ((k = read(a[0], buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < k; i++)
			sum += (unsigned char)buf[i];
		total += (size_t)k;
	}
	close(a[0]);
	CHECK_EQ(total, 1 << 20, "1 MiB through a pipe from a child");
	CHECK_EQ(sum, 114638848u, "its content");
	CHECK_STR(reap(p1), "exit 0", "writer status");

	/* A child's stdin from a file, its stdout to a file, as a shell's < and >. */
	char in[128], out[128];
	snprintf(in, sizeof in, "%s/in.txt", tmpdir);
	snprintf(out, sizeof out, "%s/out.txt", tmpdir);
	write_file(in, "3\n1\n2\n", 0644);
	int fi = open(in, O_RDONLY | O_CLOEXEC);
	int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	p1 = spawn_sh("sort -r", fi, fo, -1);
	close(fi);
	close(fo);
	CHECK_STR(reap(p1), "exit 0", "sort -r < in > out");
	fi = open(out, O_RDONLY);
	read_all(fi, buf, sizeof buf);
	close(fi);
	CHECK_STR(buf, "3\n2\n1\n", "the output file");
}


/* Pending signals and the blocked set go through execve (the kernel keeps them): SIGUSR1 and
 * SIGSEGV sent with kill() while blocked, SIGUSR2 queued with sigqueue. A host grep reads them
 * from /proc/self/status (thread or process pending: where the kernel keeps them is not part of
 * the check); this program, exec'd again (`procs sigexec`, x86-64 only: qemu-aarch64 cannot exec
 * an arm64 program), takes them with their siginfo. */
static void exec_with_pending(const char *const *argv, int out)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigaddset(&s, SIGUSR2);
	sigaddset(&s, SIGSEGV);
	sigaddset(&s, SIGFPE);
	sigprocmask(SIG_BLOCK, &s, NULL);
	kill(getpid(), SIGUSR1);
#if defined(__x86_64__)
	/* (qemu-aarch64 sometimes lets it through to the next program, which dies of it.) */
	kill(getpid(), SIGSEGV);
#endif
	union sigval v = { .sival_int = 77 };
	sigqueue(getpid(), SIGUSR2, v);
	if (out >= 0 && dup2(out, 1) < 0)
		_exit(121);
	execve(argv[0], (char *const *)argv, environ);
	_exit(127);
}

static int sigexec_child(void)
{
	/* Exit status: one bit per failed check. */
	int bad = 0;
	sigset_t p, m;
	sigemptyset(&p);
	sigpending(&p);
	sigprocmask(SIG_BLOCK, NULL, &m);
	if (!sigismember(&p, SIGUSR1) || !sigismember(&p, SIGUSR2) || !sigismember(&p, SIGSEGV) ||
	    sigismember(&p, SIGFPE))
		bad |= 1;
	if (!sigismember(&m, SIGUSR1) || !sigismember(&m, SIGSEGV) || !sigismember(&m, SIGFPE) ||
	    sigismember(&m, SIGTERM))
		bad |= 2;
	sigset_t w;
	sigemptyset(&w);
	sigaddset(&w, SIGUSR2);
	siginfo_t si;
	struct timespec zero = { 0, 0 };
	if (sigtimedwait(&w, &si, &zero) != SIGUSR2 || si.si_code != SI_QUEUE ||
	    si.si_value.sival_int != 77 || si.si_pid != getpid())
		bad |= 4;
	sigemptyset(&w);
	sigaddset(&w, SIGSEGV);
	if (sigtimedwait(&w, &si, &zero) != SIGSEGV || si.si_code != SI_USER || si.si_pid != getpid())
		bad |= 8;
	sigemptyset(&w);
	sigaddset(&w, SIGUSR1);
	if (sigtimedwait(&w, &si, &zero) != SIGUSR1 || si.si_code != SI_USER)
		bad |= 16;
	sigpending(&p);
	if (sigismember(&p, SIGUSR1) || sigismember(&p, SIGSEGV) || sigismember(&p, SIGUSR2))
		bad |= 32;
	return bad;
}

static void test_exec_signals(void)
{
	int a[2];
	char buf[512];
	CHECK_SYS(pipe(a), "pipe");
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(a[0]);
		/* (Not through a shell: dash unblocks everything, and dies of the SIGSEGV.) */
		const char *argv[] = { "/bin/grep", "-E", "^(SigPnd|ShdPnd|SigBlk)", "/proc/self/status", NULL };
		exec_with_pending(argv, a[1]);
	}
	close(a[1]);
	read_all(a[0], buf, sizeof buf);
	close(a[0]);
	CHECK_STR(reap(pid), "exit 0", "exec of grep with signals pending");
	unsigned long long pnd = 0, blk = 0, v;
	for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n")) {
		char name[16];
		if (sscanf(l, "%15[^:]: %llx", name, &v) != 2)
			continue;
		if (!strcmp(name, "SigBlk"))
			blk = v;
		else
			pnd |= v;
	}
	unsigned long long want = (1ull << (SIGUSR1 - 1)) | (1ull << (SIGUSR2 - 1));
	CHECK_EQ(blk & (want | (1ull << (SIGTERM - 1))), want, "the blocked set after execve");
	CHECK_EQ(pnd & want, want, "SIGUSR1, SIGUSR2 sent while blocked: pending after execve");
#if defined(__x86_64__)
	/* qemu-aarch64 keeps the guest's synchronous signals itself: neither their blocking nor
	 * the pending ones go through execve. */
	unsigned long long sync = (1ull << (SIGSEGV - 1)) | (1ull << (SIGFPE - 1));
	CHECK_EQ(blk & sync, sync, "the blocked set after execve: SIGSEGV and SIGFPE too");
	CHECK_EQ(pnd & sync, 1ull << (SIGSEGV - 1), "SIGSEGV sent with kill while blocked: pending after execve");
	pid = fork();
	if (pid == 0) {
		const char *argv[] = { self, "sigexec", NULL };
		exec_with_pending(argv, -1);
	}
	CHECK_STR(reap(pid), "exit 0", "this program exec'd with signals pending: sigpending, the mask, sigtimedwait's siginfo");
#endif
}

static void test_exec_errors(void)
{
	char path[128], *argv[] = { "x", NULL };
	global_value = 77;
	CHECK_ERR(execve("/nonexistent/prog", argv, environ), ENOENT, "execve of a missing file");
	CHECK_ERR(execve("", argv, environ), ENOENT, "execve(\"\")");
	CHECK_ERR(execve(tmpdir, argv, environ), EACCES, "execve of a directory");
	CHECK_ERR(execve("/dev/null", argv, environ), EACCES, "execve of a device");
	snprintf(path, sizeof path, "%s/noexec", tmpdir);
	write_file(path, "#!/bin/sh\necho no\n", 0644);
	CHECK_ERR(execve(path, argv, environ), EACCES, "execve of a file without x permission");
	snprintf(path, sizeof path, "%s/garbage", tmpdir);
	write_file(path, "this is neither ELF nor script\n", 0755);
	CHECK_ERR(execve(path, argv, environ), ENOEXEC, "execve of an unknown format");
	snprintf(path, sizeof path, "%s/empty", tmpdir);
	write_file(path, "", 0755);
	CHECK_ERR(execve(path, argv, environ), ENOEXEC, "execve of an empty file");
	snprintf(path, sizeof path, "%s/badinterp", tmpdir);
	write_file(path, "#!/nonexistent/interpreter -x\n", 0755);
	CHECK_ERR(execve(path, argv, environ), ENOENT, "#! with a missing interpreter");
	snprintf(path, sizeof path, "%s/nointerp", tmpdir);
	write_file(path, "#!   \n", 0755);
	CHECK_ERR(execve(path, argv, environ), ENOEXEC, "#! without an interpreter");
	snprintf(path, sizeof path, "%s/dirinterp", tmpdir);
	write_file(path, "#!/tmp\n", 0755);
	CHECK_ERR(execve(path, argv, environ), EACCES, "#! naming a directory");
	snprintf(path, sizeof path, "%s/x/y", tmpdir);
	CHECK_ERR(execve(path, argv, environ), ENOENT, "execve below a missing directory");
	snprintf(path, sizeof path, "%s/garbage/y", tmpdir);
	CHECK_ERR(execve(path, argv, environ), ENOTDIR, "execve below a file");
	CHECK_ERR(syscall(SYS_execve, "/bin/true", (void *)16, environ), EFAULT,
		  "execve with a bad argv pointer");
	char *bad[] = { "x", (char *)16, NULL };
	CHECK_ERR(syscall(SYS_execve, "/bin/true", bad, environ), EFAULT,
		  "execve with a bad argv string");
	CHECK_ERR(syscall(SYS_execve, (void *)16, argv, environ), EFAULT,
		  "execve with a bad path pointer");
	char *big = malloc(200 * 1024);
	memset(big, 'x', 200 * 1024 - 1);
	big[200 * 1024 - 1] = 0;
	char *bigv[] = { "x", big, NULL };
	CHECK_ERR(execve("/bin/true", bigv, environ), E2BIG, "execve with a 200 KiB argument");
	free(big);
	/* Failed execs leave the process as it was. */
	CHECK_EQ(global_value, 77, "the process carries on after failed execs");
	CHECK_EQ(getpid() > 0, 1, "getpid still works");
}

static void test_exec_scripts(void)
{
	char path[128], buf[512];
	int a[2];
	/* #! with an interpreter argument: interpreter, argument, script, then argv[1...]. */
	snprintf(path, sizeof path, "%s/script.sh", tmpdir);
	write_file(path, "#!/bin/sh -eu\necho \"script: $# args, 1=$1 2=$2\"\nexit 5\n", 0755);
	CHECK_SYS(pipe(a), "pipe");
	pid_t pid = fork();
	if (pid == 0) {
		dup2(a[1], 1);
		char *argv[] = { "ignored-argv0", "one", "two", NULL };
		execve(path, argv, environ);
		_exit(127);
	}
	close(a[1]);
	read_all(a[0], buf, sizeof buf);
	close(a[0]);
	CHECK_STR(buf, "script: 2 args, 1=one 2=two\n", "#!/bin/sh -eu script: its arguments");
	CHECK_STR(reap(pid), "exit 5", "#! script: exit status");

	/* The interpreter sees the script path and the optional argument as the kernel split them. */
	snprintf(path, sizeof path, "%s/echoargs", tmpdir);
	write_file(path, "#! /bin/echo  a  b \t\n", 0755);
	CHECK_SYS(pipe(a), "pipe");
	pid = fork();
	if (pid == 0) {
		dup2(a[1], 1);
		char *argv[] = { "zero", "x", NULL };
		execve(path, argv, environ);
		_exit(127);
	}
	close(a[1]);
	read_all(a[0], buf, sizeof buf);
	close(a[0]);
	char want[256];
	snprintf(want, sizeof want, "a  b %s x\n", path);
	CHECK_STR(buf, want, "#! /bin/echo  a  b: one argument 'a  b', then the script, then argv[1]");
	reap(pid);

	/* Environment: exactly the one execve gives. */
	CHECK_SYS(pipe(a), "pipe");
	pid = fork();
	if (pid == 0) {
		dup2(a[1], 1);
		char *argv[] = { "sh", "-c", "echo \"$FOO|$BAR|${HOME-unset}\"", NULL };
		char *envp[] = { "FOO=1", "BAR=two words", NULL };
		execve("/bin/sh", argv, envp);
		_exit(127);
	}
	close(a[1]);
	read_all(a[0], buf, sizeof buf);
	close(a[0]);
	CHECK_STR(buf, "1|two words|unset\n", "execve passes exactly the given environment");
	reap(pid);

	/* cwd and umask are kept. */
	CHECK_SYS(pipe(a), "pipe");
	pid = fork();
	if (pid == 0) {
		dup2(a[1], 1);
		if (chdir(tmpdir))
			_exit(1);
		umask(027);
		char *argv[] = { "sh", "-c", "umask; pwd", NULL };
		execve("/bin/sh", argv, environ);
		_exit(127);
	}
	close(a[1]);
	read_all(a[0], buf, sizeof buf);
	close(a[0]);
	snprintf(want, sizeof want, "0027\n%s\n", tmpdir);
	CHECK_STR(buf, want, "execve keeps the umask and the cwd");
	reap(pid);

	/* Ignored signals stay ignored, the blocked set stays blocked. */
	CHECK_SYS(pipe(a), "pipe");
	pid = fork();
	if (pid == 0) {
		dup2(a[1], 1);
		signal(SIGUSR1, SIG_IGN);
		sigset_t s;
		sigemptyset(&s);
		sigaddset(&s, SIGUSR2);
		sigprocmask(SIG_BLOCK, &s, NULL);
		char *argv[] = { "grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status", NULL };
		execve("/bin/grep", argv, environ);
		_exit(127);
	}
	close(a[1]);
	read_all(a[0], buf, sizeof buf);
	close(a[0]);
	/* SIGUSR1 is bit 9 (0x200), SIGUSR2 bit 11 (0x800); grep itself changes neither. */
	CHECK(strstr(buf, "SigBlk:\t0000000000000800") != NULL,
	      "execve keeps the blocked set (SIGUSR2 blocked in the new program)");
	CHECK(strstr(buf, "SigIgn:\t0000000000000200") != NULL,
	      "execve keeps ignored signals ignored (SIGUSR1)");
	reap(pid);
}

/* ---------------------------------------------------------------- /proc/self */

/* Field n (1-based) of /proc/self/stat, after the comm in parentheses. */
static int stat_fields(char *buf, size_t cap, char **fields, int max)
{
	int fd = open("/proc/self/stat", O_RDONLY);
	if (fd < 0)
		return 0;
	read_all(fd, buf, cap);
	close(fd);
	char *rp = strrchr(buf, ')');
	if (!rp)
		return 0;
	int n = 0;
	fields[n++] = buf;            /* pid */
	fields[n++] = strchr(buf, '(');  /* comm */
	*rp = 0;
	for (char *s = strtok(rp + 2, " \n"); s && n < max; s = strtok(NULL, " \n"))
		fields[n++] = s;
	return n;
}

extern char etext;

static void test_proc_self(int argc, char **argv)
{
	char buf[4096], link[PATH_MAX], path[64];
	ssize_t n = readlink("/proc/self/exe", link, sizeof link - 1);
	link[n > 0 ? n : 0] = 0;
	char *real = realpath(argv[0], NULL);
	CHECK_STR(link, real ? real : "?", "/proc/self/exe is this program");
	snprintf(path, sizeof path, "/proc/%d/exe", (int)getpid());
	n = readlink(path, link, sizeof link - 1);
	link[n > 0 ? n : 0] = 0;
	CHECK_STR(link, real ? real : "?", "/proc/<pid>/exe is this program");

	/* cmdline: the arguments, each NUL-terminated. */
	int fd = open("/proc/self/cmdline", O_RDONLY);
	size_t len = read_all(fd, buf, sizeof buf);
	close(fd);
	char want[4096];
	size_t wl = 0;
	for (int i = 0; i < argc; i++) {
		size_t k = strlen(argv[i]) + 1;
		memcpy(want + wl, argv[i], k);
		wl += k;
	}
	CHECK(len == wl && !memcmp(buf, want, wl), "/proc/self/cmdline is argv");

	char *f[64];
	int nf = stat_fields(buf, sizeof buf, f, 64);
	CHECK(nf >= 44, "/proc/self/stat has at least 44 fields");
	if (nf < 44)
		return;
	CHECK_EQ(atol(f[0]), getpid(), "stat: pid");
	const char *base = strrchr(real ? real : argv[0], '/');
	snprintf(want, sizeof want, "(%.15s", base ? base + 1 : argv[0]);
	CHECK_STR(f[1], want, "stat: comm is the program's name");
	CHECK_EQ(atol(f[3]), getppid(), "stat: ppid");
	unsigned long startstack = strtoul(f[27], NULL, 10), here = (unsigned long)(uintptr_t)&nf;
	CHECK(startstack > here && startstack - here < (8u << 20),
	      "stat: startstack lies above the current stack pointer, in the stack");
#if defined(__x86_64__)
	/* qemu-user gives only pid, comm, ppid, starttime and startstack. */
	unsigned long vsize = strtoul(f[22], NULL, 10);
	CHECK(vsize > 0 && vsize < (1ul << 40), "stat: vsize is the program's, below 1 TiB");
	unsigned long start_code = strtoul(f[25], NULL, 10), end_code = strtoul(f[26], NULL, 10);
	unsigned long fn = (unsigned long)(uintptr_t)&test_proc_self;
	CHECK(start_code <= fn && fn < end_code, "stat: startcode <= this function < endcode");
	CHECK(nf >= 51, "stat: 51 fields or more");
	if (nf >= 51) {
		CHECK_EQ(strtoul(f[47], NULL, 10), (unsigned long)(uintptr_t)argv[0],
			 "stat: arg_start is argv[0]");
		CHECK_EQ(strtoul(f[48], NULL, 10),
			 (unsigned long)(uintptr_t)argv[argc - 1] + strlen(argv[argc - 1]) + 1,
			 "stat: arg_end follows the last argument");
		if (environ[0])
			CHECK_EQ(strtoul(f[49], NULL, 10), (unsigned long)(uintptr_t)environ[0],
				 "stat: env_start is the first variable");
		unsigned long brk0 = strtoul(f[46], NULL, 10);
		CHECK(brk0 > 0 && brk0 <= (unsigned long)(uintptr_t)sbrk(0),
		      "stat: start_brk is at or below the break");
	}
#endif
	/* A fork child sees itself. */
	int a[2];
	CHECK_SYS(pipe(a), "pipe");
	pid_t pid = fork();
	if (pid == 0) {
		nf = stat_fields(buf, sizeof buf, f, 64);
		char r[3] = { nf > 3 && atol(f[0]) == getpid() ? 'y' : 'n',
			      nf > 3 && atol(f[3]) == getppid() ? 'y' : 'n', 0 };
		n = readlink("/proc/self/exe", link, sizeof link - 1);
		link[n > 0 ? n : 0] = 0;
		if (real && !strcmp(link, real))
			r[2] = 'y';
		_exit(write(a[1], r, 3) == 3 ? 0 : 1);
	}
	close(a[1]);
	read_all(a[0], buf, sizeof buf);
	close(a[0]);
	CHECK(!memcmp(buf, "yyy", 3), "fork child: its own stat pid and ppid, the same exe");
	reap(pid);
	free(real);
}

/* ---------------------------------------------------------------- exec chains */

/* This program for the other architecture: <name>-arm64 <-> <name>-x86_64[-musl]. */
static int other_arch(const char *me, char *out, size_t cap)
{
	size_t n = strlen(me);
	const char *from = NULL, *to = NULL;
	if (n > 6 && !strcmp(me + n - 6, "-arm64")) {
		from = "-arm64";
		to = "-x86_64";
	} else if (n > 12 && !strcmp(me + n - 12, "-x86_64-musl")) {
		from = "-x86_64-musl";
		to = "-arm64";
	} else if (n > 7 && !strcmp(me + n - 7, "-x86_64")) {
		from = "-x86_64";
		to = "-arm64";
	}
	if (!from || n - strlen(from) + strlen(to) + 1 > cap)
		return -1;
	snprintf(out, cap, "%.*s%s", (int)(n - strlen(from)), me, to);
	return access(out, X_OK);
}

static const char *machine(void)
{
	static struct utsname u;
	uname(&u);
	return u.machine;
}

static int step_failed;

#define STEP_CHECK(cond, ...) (step_failed |= !CHECK(cond, __VA_ARGS__))

/* One link: check what exec carried over, then go on. argv: step N ARGS... */
static int step(int argc, char **argv)
{
	int n = atoi(argv[2]);
	char link[PATH_MAX], buf[4096];
	ssize_t k = readlink("/proc/self/exe", link, sizeof link - 1);
	link[k > 0 ? k : 0] = 0;
	if (n == 1) {
		/* argv: chain-argv0 step 1 ORIGIN CWD; started by ORIGIN's chain() with its state. */
		STEP_CHECK(!strcmp(argv[0], "chain-argv0"), "step 1 (%s): argv[0] as execve gave it",
			   machine());
		STEP_CHECK(!strcmp(link, self), "step 1: /proc/self/exe is this program, not the parent");
		STEP_CHECK(strcmp(argv[3], self) != 0, "step 1: runs the other architecture's build");
		char cwd[PATH_MAX];
		STEP_CHECK(getcwd(cwd, sizeof cwd) && !strcmp(cwd, argv[4]), "step 1: cwd kept");
		mode_t m = umask(0);
		umask(m);
		STEP_CHECK(m == 027, "step 1: umask kept");
		const char *v = getenv("CHAIN_VAR");
		STEP_CHECK(v && !strcmp(v, "a b=c") && !getenv("CHAIN_UNSET"),
			   "step 1: environment as execve gave it");
		struct sigaction sa;
		sigaction(SIGUSR1, NULL, &sa);
		STEP_CHECK(sa.sa_handler == SIG_IGN, "step 1: ignored SIGUSR1 stays ignored");
		sigaction(SIGUSR2, NULL, &sa);
		STEP_CHECK(sa.sa_handler == SIG_DFL, "step 1: handled SIGUSR2 is reset to default");
		sigset_t s;
		sigprocmask(SIG_BLOCK, NULL, &s);
		STEP_CHECK(sigismember(&s, SIGINT) && !sigismember(&s, SIGTERM),
			   "step 1: the blocked set is kept");
		STEP_CHECK(fcntl(7, F_GETFD) == 0, "step 1: fd 7 (no close-on-exec) is open");
		STEP_CHECK(fcntl(8, F_GETFD) < 0 && errno == EBADF, "step 1: fd 8 (O_CLOEXEC) is closed");
		STEP_CHECK(write(7, "via fd 7\n", 9) == 9, "step 1: writes to the inherited pipe");
		close(7);
		int fd = open("/proc/self/cmdline", O_RDONLY);
		size_t len = read_all(fd, buf, sizeof buf);
		close(fd);
		size_t want = 0;
		for (int i = 0; i < argc; i++)
			want += strlen(argv[i]) + 1;
		STEP_CHECK(len == want && !strcmp(buf, argv[0]), "step 1: /proc/self/cmdline is its argv");
		/* Back to the first architecture, through a plain execve. */
		char *next[] = { "step2", "step", "2", argv[3], link, NULL };
		fflush(stdout);
		execve(argv[3], next, environ);
		printf("FAIL step 1: execve %s: %s\n", argv[3], errno_name(errno));
		return 1;
	}
	if (n == 2) {
		/* argv: step2 step 2 ORIGIN OTHER: back in ORIGIN's architecture. */
		STEP_CHECK(!strcmp(link, argv[3]) && !strcmp(link, self),
			   "step 2 (%s): /proc/self/exe is this program again", machine());
		/* Through /proc/self/exe, as busybox runs its applets: the same program. */
		char *next[] = { "step2b", "step", "3", argv[3], argv[4], NULL };
		fflush(stdout);
		execve("/proc/self/exe", next, environ);
		printf("FAIL step 2: execve /proc/self/exe: %s\n", errno_name(errno));
		return 1;
	}
	if (n == 3) {
		STEP_CHECK(!strcmp(link, argv[3]) && !strcmp(argv[0], "step2b"),
			   "step 3 (%s): execve(/proc/self/exe) ran this program", machine());
		/* A script whose interpreter is the other architecture's build. */
		char script[128], text[PATH_MAX + 64];
		snprintf(script, sizeof script, "%s/chain.sh", tmpdir);
		snprintf(text, sizeof text, "#!%s step\n", argv[4]);
		write_file(script, text, 0755);
		char *next[] = { "ignored", "4", argv[4], NULL };
		fflush(stdout);
		execve(script, next, environ);
		printf("FAIL step 3: execve %s: %s\n", script, errno_name(errno));
		return 1;
	}
	return 1;
}

/* The #! step: argv = INTERPRETER step SCRIPT 4 INTERPRETER. */
static int script_step(int argc, char **argv)
{
	char link[PATH_MAX];
	ssize_t k = readlink("/proc/self/exe", link, sizeof link - 1);
	link[k > 0 ? k : 0] = 0;
	int ok = argc == 5 && !strcmp(argv[0], argv[4]) && !strcmp(argv[1], "step") &&
		 strstr(argv[2], "/chain.sh") && !strcmp(argv[3], "4");
	STEP_CHECK(ok, "step 4 (%s): #! argv is interpreter, its argument, the script, argv[1...]",
		   machine());
	STEP_CHECK(!strcmp(link, argv[4]), "step 4: /proc/self/exe is the interpreter");
	fflush(stdout);
	return step_failed ? 1 : 42;
}

/* A minimal dynamically linked arm64 ELF header: syscorn refuses it with ENOEXEC. */
static void write_foreign_dynamic(const char *path)
{
	unsigned char elf[64 + 2 * 56 + 32];
	memset(elf, 0, sizeof elf);
	memcpy(elf, "\177ELF\2\1\1", 7);
	elf[16] = 3;                 /* ET_DYN */
	elf[18] = 183;               /* EM_AARCH64 */
	elf[20] = 1;                 /* EV_CURRENT */
	elf[32] = 64;                /* e_phoff */
	elf[52] = 64;                /* e_ehsize */
	elf[54] = 56;                /* e_phentsize */
	elf[56] = 2;                 /* e_phnum */
	unsigned char *ph = elf + 64;
	ph[0] = 3;                   /* PT_INTERP */
	ph[8] = 64 + 2 * 56;         /* p_offset */
	ph[32] = 27;                 /* p_filesz */
	ph += 56;
	ph[0] = 1;                   /* PT_LOAD */
	ph[4] = 5;                   /* R+X */
	ph[32] = sizeof elf;         /* p_filesz */
	ph[40] = sizeof elf;         /* p_memsz */
	memcpy(elf + 64 + 2 * 56, "/lib/ld-linux-aarch64.so.1", 27);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (fd >= 0) {
		if (write(fd, elf, sizeof elf) < 0)
			perror("write");
		close(fd);
	}
}

static int exit_status_of(pid_t pid)
{
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void no_op(int sig)
{
	(void)sig;
}

static void chain(void)
{
	char other[PATH_MAX];
	if (other_arch(self, other, sizeof other)) {
		NOTE("no build for the other architecture next to this one: chain not run");
		return;
	}
	/* The chain: this arch -> other (checks what exec carried over) -> this (plain execve)
	 * -> this (execve /proc/self/exe) -> other (#! interpreter), which exits 42. */
	int a[2];
	CHECK_SYS(pipe(a), "pipe");
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (chdir(tmpdir))
			_exit(1);
		umask(027);
		signal(SIGUSR1, SIG_IGN);
		struct sigaction sa = { .sa_handler = no_op };
		sigaction(SIGUSR2, &sa, NULL);
		sigset_t s;
		sigemptyset(&s);
		sigaddset(&s, SIGINT);
		sigprocmask(SIG_BLOCK, &s, NULL);
		dup2(a[1], 7);
		int fd8 = open("/dev/null", O_RDONLY | O_CLOEXEC);
		dup3(fd8, 8, O_CLOEXEC);
		close(a[0]);
		close(a[1]);
		char *argv[] = { "chain-argv0", "step", "1", self, tmpdir, NULL };
		char *envp[] = { "CHAIN_VAR=a b=c", "PATH=/usr/bin:/bin", NULL };
		execve(other, argv, envp);
		_exit(126);
	}
	close(a[1]);
	char buf[256];
	read_all(a[0], buf, sizeof buf);
	close(a[0]);
	CHECK_STR(buf, "via fd 7\n", "chain: step 1 wrote to the pipe it inherited as fd 7");
	CHECK_EQ(exit_status_of(pid), 42, "chain: the last step exited 42");

	/* vfork + execve of the other architecture. */
	pid = vfork();
	if (pid == 0) {
		char *argv[] = { "exitwith", "exit", "9", NULL };
		execve(other, argv, environ);
		_exit(126);
	}
	CHECK_EQ(exit_status_of(pid), 9, "vfork + execve of the other architecture");
	/* posix_spawn of it, and of this one. */
	char *sargv[] = { "exitwith", "exit", "10", NULL };
	CHECK_RET(posix_spawn(&pid, other, NULL, NULL, sargv, environ), 0,
		  "posix_spawn of the other architecture");
	CHECK_EQ(exit_status_of(pid), 10, "posix_spawn: its status");
	/* fexecve: execveat(fd, "", AT_EMPTY_PATH) with a close-on-exec fd. */
	pid = fork();
	if (pid == 0) {
		int fd = open(other, O_RDONLY | O_CLOEXEC);
		char *argv[] = { "exitwith", "exit", "11", NULL };
		syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
		_exit(126);
	}
	CHECK_EQ(exit_status_of(pid), 11, "execveat(fd, \"\", AT_EMPTY_PATH) of the other architecture");
	/* execveat relative to a directory fd. */
	pid = fork();
	if (pid == 0) {
		char dir[PATH_MAX];
		snprintf(dir, sizeof dir, "%s", other);
		*strrchr(dir, '/') = 0;
		int dfd = open(dir, O_RDONLY | O_DIRECTORY);
		char *argv[] = { "exitwith", "exit", "12", NULL };
		syscall(SYS_execveat, dfd, strrchr(other, '/') + 1, argv, environ, 0);
		_exit(126);
	}
	CHECK_EQ(exit_status_of(pid), 12, "execveat(dirfd, name) of the other architecture");
	/* A killed emulated grandchild: its parent sees the signal. */
	pid = fork();
	if (pid == 0) {
		char *argv[] = { "exitwith", "kill", "15", NULL };
		execve(other, argv, environ);
		_exit(126);
	}
	CHECK_EQ(exit_status_of(pid), 128 + SIGTERM, "an exec'd program killed by SIGTERM");

	vfork_shares();

	/* A dynamically linked program of a foreign architecture: ENOEXEC. */
	char path[128], *argv[] = { "dyn", NULL };
	snprintf(path, sizeof path, "%s/dynamic-arm64", tmpdir);
	write_foreign_dynamic(path);
#if defined(__aarch64__)
	NOTE("the dynamic arm64 program is native here: not tried");
#else
	CHECK_ERR(execve(path, argv, environ), ENOEXEC, "execve of a dynamic arm64 program");
#endif
	snprintf(path, sizeof path, "%s/dyn.sh", tmpdir);
	char text[256];
	snprintf(text, sizeof text, "#!%s/dynamic-arm64\n", tmpdir);
	write_file(path, text, 0755);
	CHECK_ERR(execve(path, argv, environ), ENOEXEC, "a script whose interpreter is one");
}

static void cleanup(void)
{
	static const char *names[] = { "noexec", "garbage", "empty", "badinterp", "nointerp",
				       "dirinterp", "script.sh", "echoargs", "in.txt", "out.txt",
				       "chain.sh", "dynamic-arm64", "dyn.sh" };
	char path[128];
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", tmpdir, names[i]);
		unlink(path);
	}
	rmdir(tmpdir);
}

int main(int argc, char **argv)
{
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	self[n > 0 ? n : 0] = 0;
	if (argc >= 3 && !strcmp(argv[1], "exit"))
		return atoi(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "kill")) {
		raise(atoi(argv[2]));
		return 1;
	}
	if (argc >= 2 && !strcmp(argv[1], "sigexec"))
		return sigexec_child();
	if (argc >= 4 && !strcmp(argv[1], "step")) {
		/* The chain runs in its tmpdir. The #! step has the script where the number was. */
		if (!getcwd(tmpdir, sizeof tmpdir))
			return 1;
		if (strstr(argv[2], "/chain.sh"))
			return script_step(argc, argv);
		return step(argc, argv);
	}
	snprintf(tmpdir, sizeof tmpdir, "/tmp/procs-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	if (argc >= 2 && !strcmp(argv[1], "chain")) {
		chain();
	} else {
		test_exit_codes();
		test_signal_deaths();
		test_stop_continue();
		test_waitid();
		test_wait4();
		test_sigchld_ignored();
		test_fork_basics();
		test_clone();
		test_vfork();
		test_fork_threads();
		test_pipes();
		test_exec_errors();
		test_exec_signals();
		test_exec_scripts();
		test_proc_self(argc, argv);
	}
	cleanup();
	return check_done();
}
