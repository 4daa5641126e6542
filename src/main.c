/* syscorn CLI: a thin client of the library. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "syscorn.h"

extern char **environ;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: syscorn [options] PROGRAM [ARGS...]\n"
		"Runs a static arm64 or x86-64 Linux program under emulation.\n"
		"\n"
		"  -E VAR=VALUE      set VAR in the guest's environment\n"
		"  -U VAR            remove VAR from the guest's environment\n"
		"  -0 ARGV0          argv[0] the guest sees (default: PROGRAM)\n"
		"  -R, --no-random   fixed stack and static-PIE addresses\n"
		"  -q, --quiet       no warnings (errors and fault reports still print)\n"
		"  -h, --help        this help\n"
		"  -V, --version     versions of syscorn and Unicorn\n");
}

static int quiet;

static void log_stderr(void *data, int level, const char *msg)
{
	(void)data;
	if (quiet && level > SYSCORN_LOG_ERROR)
		return;
	fprintf(stderr, "syscorn: %s\n", msg);
}

/* The guest's environment: ours, edited by -E and -U in order. */
static char **env_edit(char **env, size_t *n, const char *var, const char *set)
{
	size_t klen = set ? (size_t)(strchr(set, '=') - set) : strlen(var);
	const char *key = set ? set : var;
	size_t j = 0;
	for (size_t i = 0; i < *n; i++)
		if (!(strncmp(env[i], key, klen) == 0 && env[i][klen] == '='))
			env[j++] = env[i];
	*n = j;
	if (set) {
		char **ne = realloc(env, (*n + 2) * sizeof *ne);
		if (!ne) {
			perror("syscorn");
			exit(1);
		}
		env = ne;
		env[(*n)++] = (char *)set;
	}
	env[*n] = NULL;
	return env;
}

int main(int argc, char **argv)
{
	size_t envc = 0;
	while (environ[envc])
		envc++;
	char **env = malloc((envc + 1) * sizeof *env);
	if (!env)
		return 1;
	memcpy(env, environ, (envc + 1) * sizeof *env);
	const char *argv0 = NULL;
	unsigned flags = 0;
	static const struct option longopts[] = {
		{ "help", no_argument, 0, 'h' },      { "version", no_argument, 0, 'V' },
		{ "no-random", no_argument, 0, 'R' }, { "quiet", no_argument, 0, 'q' },
		{ 0, 0, 0, 0 },
	};
	int c;
	/* '+': options stop at PROGRAM, the guest's own options are its own. */
	while ((c = getopt_long(argc, argv, "+E:U:0:RqhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'E':
			if (!strchr(optarg, '=')) {
				fprintf(stderr, "syscorn: -E wants VAR=VALUE, got '%s'\n", optarg);
				return 2;
			}
			env = env_edit(env, &envc, NULL, optarg);
			break;
		case 'U': env = env_edit(env, &envc, optarg, NULL); break;
		case '0': argv0 = optarg; break;
		case 'R': flags |= SYSCORN_F_NO_RANDOM; break;
		case 'q': quiet = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V':
			printf("syscorn %s (Unicorn %s)\n", syscorn_version(), syscorn_unicorn_version());
			return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	char **gargv = &argv[optind];
	if (argv0)
		gargv[0] = (char *)argv0;
	/* Name the process after the guest, as exec would (ps, /proc/self/comm, PR_GET_NAME). */
	const char *base = strrchr(argv[optind], '/');
	prctl(PR_SET_NAME, base ? base + 1 : argv[optind], 0, 0, 0);
	syscorn *sc = syscorn_load(argv[optind], gargv, env, flags, log_stderr, NULL);
	if (!sc)
		return 126;
	syscorn_result res;
	if (syscorn_run(sc, &res)) {
		syscorn_close(sc);
		return 125;
	}
	syscorn_close(sc);
	free(env);
	if (res.exited)
		return res.exit_code & 0xff;
	/* Die of the same signal, so our parent sees what it would see natively; no core file of
	 * the emulator. */
	fflush(NULL);
	struct rlimit no_core = { 0, 0 };
	setrlimit(RLIMIT_CORE, &no_core);
	signal(res.term_signal, SIG_DFL);
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, res.term_signal);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	raise(res.term_signal);
	return 128 + res.term_signal;
}
