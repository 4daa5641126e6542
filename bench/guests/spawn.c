/* spawn: the cost of starting a program: COUNT times fork, execve PROGRAM ARGS, wait.
 * usage: spawn COUNT PROGRAM [ARGS...]
 * bench/run gives the static hello of the same architecture as PROGRAM (under qemu-user,
 * which cannot exec a foreign program itself, qemu with the hello, as binfmt_misc would). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: spawn COUNT PROGRAM [ARGS...]\n");
		return 2;
	}
	int n = atoi(argv[1]), ok = 0;
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			/* The child's output would be n copies of the same line. */
			freopen("/dev/null", "w", stdout);
			execve(argv[2], &argv[2], environ);
			_exit(127);
		}
		int st;
		if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0)
			ok++;
	}
	printf("spawn programs=%d ok=%d\n", n, ok);
	return ok == n ? 0 : 1;
}
