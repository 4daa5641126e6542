/* interleave: two tasks whose syscalls overlap, in one order only, for tests/e2e/strace.sh
 * (strace -f splits such lines: "read(3,  <unfinished ...>" ... "<... read resumed>...").
 *
 *   interleave thread   a thread blocks in read on a pipe; once it is blocked, the main
 *                       thread calls getpid, then writes to the pipe
 *   interleave wait4    once the child runs, the parent blocks in wait4; once it is blocked,
 *                       the child writes a line and exits
 *   interleave exit     two threads block in read on pipes; once both are blocked, the main
 *                       thread ends the process with exit_group (strace: each reader's
 *                       "<... read resumed> <unfinished ...>) = ?" and "+++ exited" lines)
 *   interleave signal   a thread sends itself SIGUSR1 (handled) and exits: a signal line and
 *                       an exit line of the thread's, before the process's (for the JSON
 *                       form's thread ids)
 *
 * The thread case also waits, after joining its thread, until the thread's task is gone from
 * /proc (a traced thread is reaped by its tracer, which prints its "+++ exited" line then), so
 * that the thread's exit line comes before the main thread's next one.
 *
 * "Blocked" is seen in /proc: the task sleeps (state S) for 20 ms in a row. The waits use
 * calls the test leaves out of the trace (openat, pread64, close, clock_nanosleep, futex,
 * access; pipe2 and read in the wait4 case), so that only the calls it shows can be reordered,
 * and those cannot. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char state_of(const char *path)
{
	char buf[512];
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

static void nap(long ns)
{
	struct timespec ts = { 0, ns };
	clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
}

/* Until the task of this stat file sleeps 20 ms in a row (at most about 10 s). */
static int wait_blocked(const char *path)
{
	int asleep = 0;
	for (int i = 0; i < 5000; i++) {
		asleep = state_of(path) == 'S' ? asleep + 1 : 0;
		if (asleep >= 10)
			return 0;
		nap(2000000);
	}
	return -1;
}

static int fds[2];
static volatile int reader_tid;
/* Set once pthread_create has returned: the clone's line is whole before the thread's first. */
static volatile int created;

static void await_created(void)
{
	while (!created)
		nap(1000000);
}

static void *reader(void *arg)
{
	(void)arg;
	char buf[64];
	await_created();
	reader_tid = (int)syscall(SYS_gettid);
	ssize_t n = read(fds[0], buf, sizeof buf);
	return (void *)(long)n;
}

static int thread_case(void)
{
	pthread_t t;
	if (pipe(fds) || pthread_create(&t, NULL, reader, NULL))
		return 1;
	created = 1;
	while (!reader_tid)
		nap(1000000);
	char path[64];
	snprintf(path, sizeof path, "/proc/self/task/%d/stat", reader_tid);
	if (wait_blocked(path))
		return 2;
	getpid();
	if (write(fds[1], "hello", 5) != 5)
		return 3;
	void *r;
	pthread_join(t, &r);
	/* until the tracer has reaped the thread (at most about 10 s), then 20 ms more */
	snprintf(path, sizeof path, "/proc/self/task/%d", reader_tid);
	for (int i = 0; i < 5000 && access(path, F_OK) == 0; i++)
		nap(2000000);
	nap(20000000);
	return (long)r == 5 ? 0 : 4;
}

static int exit_fds[2][2];
static volatile int exit_tids[2];

static void *exit_reader(void *arg)
{
	long i = (long)arg;
	char buf[64];
	while (created <= i)
		nap(1000000);
	exit_tids[i] = (int)syscall(SYS_gettid);
	return (void *)read(exit_fds[i][0], buf, sizeof buf);
}

/* Ends the process with exit_group while two threads are blocked in read (never returns). */
static int exit_case(void)
{
	pthread_t t;
	created = 0;
	for (long i = 0; i < 2; i++) {
		if (pipe(exit_fds[i]) || pthread_create(&t, NULL, exit_reader, (void *)i))
			return 1;
		created = (int)i + 1;
		while (!exit_tids[i])
			nap(1000000);
		char path[64];
		snprintf(path, sizeof path, "/proc/self/task/%d/stat", exit_tids[i]);
		if (wait_blocked(path))
			return 2;
	}
	_exit(0);
}

static volatile sig_atomic_t usr1_seen;

static void on_usr1(int sig)
{
	(void)sig;
	usr1_seen = 1;
}

static void *raiser(void *arg)
{
	(void)arg;
	await_created();
	reader_tid = (int)syscall(SYS_gettid);
	raise(SIGUSR1);
	return NULL;
}

static int signal_case(void)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
	sigemptyset(&sa.sa_mask);
	pthread_t t;
	if (sigaction(SIGUSR1, &sa, NULL) || pthread_create(&t, NULL, raiser, NULL))
		return 1;
	created = 1;
	pthread_join(t, NULL);
	/* until the tracer has reaped the thread, as in the thread case */
	char path[64];
	snprintf(path, sizeof path, "/proc/self/task/%d", reader_tid);
	for (int i = 0; i < 5000 && access(path, F_OK) == 0; i++)
		nap(2000000);
	nap(20000000);
	return usr1_seen ? 0 : 2;
}

static int wait4_case(void)
{
	/* the child runs before the parent waits (strace has seen it by then: "[pid N] wait4") */
	int ran[2];
	char b;
	if (pipe(ran))
		return 1;
	pid_t c = fork();
	if (c < 0)
		return 1;
	if (c == 0) {
		close(ran[0]);
		close(ran[1]);
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/stat", (int)getppid());
		if (wait_blocked(path))
			_exit(2);
		if (write(1, "child\n", 6) != 6)
			_exit(3);
		_exit(0);
	}
	close(ran[1]);
	if (read(ran[0], &b, 1) != 0)
		return 6;
	close(ran[0]);
	int st;
	if (wait4(-1, &st, 0, NULL) != c)
		return 4;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 5;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "thread"))
		return thread_case();
	if (argc > 1 && !strcmp(argv[1], "wait4"))
		return wait4_case();
	if (argc > 1 && !strcmp(argv[1], "exit"))
		return exit_case();
	if (argc > 1 && !strcmp(argv[1], "signal"))
		return signal_case();
	if (argc == 1) {
		/* tests/e2e/testprogs.sh runs every testprog without arguments: both cases. */
		int r = thread_case();
		printf("%s thread case\n", r ? "FAIL" : "ok");
		fflush(stdout);
		int w = wait4_case();
		printf("%s wait4 case\n", w ? "FAIL" : "ok");
		fflush(stdout);
		int e = 0, st;
		pid_t c = fork();
		if (c == 0)
			_exit(exit_case());
		if (c < 0 || waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st))
			e = 1;
		printf("%s exit case\n", e ? "FAIL" : "ok");
		printf("summary: 3 checks, %d failed\n", (r != 0) + (w != 0) + e);
		return r || w || e;
	}
	fprintf(stderr, "usage: interleave thread|wait4|exit|signal\n");
	return 2;
}
