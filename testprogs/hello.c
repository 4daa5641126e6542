/* hello: prints its argv and a few environment variables, then exits with the status given
 * as argv[1] (when argv[1] is a decimal number), for argument-passing and exit-status tests.
 * Deliberately plain stdio (fully buffered when stdout is not a tty): exit() must flush it. */
#define _GNU_SOURCE 1
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static int is_number(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

int main(int argc, char **argv, char **envp)
{
	static const char *vars[] = {"PATH", "LC_ALL", "TZ", "SYSCORN_TEST_VAR", "SYSCORN_TEST_EMPTY", "UNSET_VAR"};
	char cwd[4096], buf[16];
	int envc = 0;

	printf("hello, world\n");
	printf("argc=%d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("argv[%d]=[%s]\n", i, argv[i]);
	printf("argv[argc] is %s\n", argv[argc] ? "not NULL" : "NULL");
	for (char **e = envp; *e; e++)
		envc++;
	printf("envc=%d\n", envc);
	printf("envp == environ: %s\n", envp == environ ? "yes" : "no");
	printf("envp follows argv: %s\n", envp == argv + argc + 1 ? "yes" : "no");
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		const char *v = getenv(vars[i]);
		if (v)
			printf("%s=[%s]\n", vars[i], v);
		else
			printf("%s unset\n", vars[i]);
	}
	/* HOME is the run's temporary directory, also its cwd: print only that fact. */
	const char *home = getenv("HOME");
	printf("HOME %s\n", !home ? "unset" :
	       getcwd(cwd, sizeof cwd) && !strcmp(home, cwd) ? "is the cwd" : "is not the cwd");
	printf("stdin read: %zd\n", read(0, buf, sizeof buf));
	fflush(stdout);
	fprintf(stderr, "hello on stderr\n");

	if (argc > 1 && is_number(argv[1]))
		exit(atoi(argv[1]));
	return 0;
}
