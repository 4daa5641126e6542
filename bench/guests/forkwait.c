/* forkwait: the cost of a process: COUNT times fork, the child _exits, the parent waits.
 * usage: forkwait [COUNT]   (default 1000) */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000, ok = 0;
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(i & 0x7f);
		int st;
		if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == (i & 0x7f))
			ok++;
	}
	printf("forkwait children=%d ok=%d\n", n, ok);
	return ok == n ? 0 : 1;
}
