/* interleave: two tasks whose syscalls overlap, in one order only, for tests/e2e/strace.sh
 * (strace -f splits such lines: "read(3,  <unfinished ...>" ... "<... read resumed>...").
 *
 *   interleave thread   a thread blocks in read on a pipe; once it is blocked, the main
 *                       thread calls getpid, then writes to the pipe
 *   interleave wait4    the parent blocks in wait4; once it is blocked, the child writes a
 *                       line and exits
 *
 * "Blocked" is seen in /proc: the task sleeps (state S) for 20 ms in a row. The waits use
 * calls the test leaves out of the trace (openat, pread64, close, clock_nanosleep, futex), so
 * that only the calls it shows can be reordered, and those cannot. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
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

static void *reader(void *arg)
{
	(void)arg;
	char buf[64];
	reader_tid = (int)syscall(SYS_gettid);
	ssize_t n = read(fds[0], buf, sizeof buf);
	return (void *)(long)n;
}

static int thread_case(void)
{
	pthread_t t;
	if (pipe(fds) || pthread_create(&t, NULL, reader, NULL))
		return 1;
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
	return (long)r == 5 ? 0 : 4;
}

static int wait4_case(void)
{
	pid_t c = fork();
	if (c < 0)
		return 1;
	if (c == 0) {
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/stat", (int)getppid());
		if (wait_blocked(path))
			_exit(2);
		if (write(1, "child\n", 6) != 6)
			_exit(3);
		_exit(0);
	}
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
	if (argc == 1) {
		/* tests/e2e/testprogs.sh runs every testprog without arguments: both cases. */
		int r = thread_case();
		printf("%s thread case\n", r ? "FAIL" : "ok");
		fflush(stdout);
		int w = wait4_case();
		printf("%s wait4 case\n", w ? "FAIL" : "ok");
		printf("summary: 2 checks, %d failed\n", (r != 0) + (w != 0));
		return r || w;
	}
	fprintf(stderr, "usage: interleave thread|wait4\n");
	return 2;
}
