/* spawnloop: host-side helper for the start-up benchmark (built natively, not a guest).
 * usage: spawnloop COUNT PROGRAM [ARGS...]
 * Runs PROGRAM COUNT times one after another (fork + execvp + wait), captures each run's
 * stdout and checks that all are identical and every run exited 0. On success prints the
 * first run's stdout once, so the output does not depend on COUNT. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static size_t run_once(char **argv, char *buf, size_t cap, int *status)
{
	int p[2];
	if (pipe(p) < 0) {
		perror("pipe");
		exit(2);
	}
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(2);
	}
	if (pid == 0) {
		close(p[0]);
		dup2(p[1], 1);
		close(p[1]);
		execvp(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	close(p[1]);
	size_t len = 0;
	ssize_t r;
	char sink[4096];
	while ((r = read(p[0], len < cap ? buf + len : sink, len < cap ? cap - len : sizeof sink)) > 0)
		if (len < cap)
			len += r;
	close(p[0]);
	while (waitpid(pid, status, 0) < 0)
		;
	return len;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: spawnloop COUNT PROGRAM [ARGS...]\n");
		return 2;
	}
	long count = atol(argv[1]);
	static char first[65536], cur[65536];
	size_t flen = 0;
	for (long i = 0; i < count; i++) {
		int st;
		size_t len = run_once(argv + 2, i ? cur : first, sizeof first, &st);
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			fprintf(stderr, "spawnloop: run %ld: %s %d\n", i, WIFEXITED(st) ? "exit" : "signal",
				WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
			return 1;
		}
		if (i == 0)
			flen = len;
		else if (len != flen || memcmp(cur, first, len)) {
			fprintf(stderr, "spawnloop: run %ld: output differs from run 0\n", i);
			return 1;
		}
	}
	fwrite(first, 1, flen, stdout);
	return 0;
}
