/* A minimal embedder: runs a static arm64 or x86-64 program under syscorn and counts its
 * syscalls by name through a syscall hook, then prints the counts (most frequent first).
 *   count_syscalls PROGRAM [ARGS...]
 * Build: cc count_syscalls.c $(pkg-config --cflags --libs syscorn) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <syscorn.h>

struct count {
	const char *name;
	unsigned long n;
};

struct counts {
	struct count v[512];
	int n;
};

static syscorn_action count(syscorn *sc, syscorn_syscall *call, void *user_data)
{
	(void)sc;
	struct counts *c = user_data;
	const char *name = call->name ? call->name : "?";
	for (int i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].name, name)) {
			c->v[i].n++;
			return SYSCORN_CONTINUE;
		}
	if (c->n < 512)
		c->v[c->n++] = (struct count){ name, 1 };
	return SYSCORN_CONTINUE;
}

static int by_count(const void *a, const void *b)
{
	const struct count *x = a, *y = b;
	return x->n != y->n ? (x->n < y->n) - (x->n > y->n) : strcmp(x->name, y->name);
}

static void log_line(void *data, int level, const char *msg)
{
	(void)data, (void)level;
	fprintf(stderr, "syscorn: %s\n", msg);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s PROGRAM [ARGS...]\n", argv[0]);
		return 2;
	}
	syscorn_config cfg;
	syscorn_config_init(&cfg);
	cfg.log = log_line;
	syscorn *sc;
	syscorn_err e = syscorn_open(argv[1], &cfg, &sc);
	if (e) {
		fprintf(stderr, "%s: %s\n", argv[1], syscorn_strerror(e));
		return 1;
	}
	static struct counts counts;
	extern char **environ;
	syscorn_result r;
	if ((e = syscorn_set_argv(sc, &argv[1])) || (e = syscorn_set_envp(sc, environ)) ||
	    (e = syscorn_hook_syscall(sc, SYSCORN_HOOK_BEFORE, "*", count, &counts, NULL)) ||
	    (e = syscorn_run(sc, &r))) {
		fprintf(stderr, "%s: %s\n", argv[1], syscorn_strerror(e));
		syscorn_close(sc);
		return 1;
	}
	syscorn_close(sc);
	qsort(counts.v, (size_t)counts.n, sizeof *counts.v, by_count);
	fprintf(stderr, "%8s  %s\n", "calls", "syscall");
	for (int i = 0; i < counts.n; i++)
		fprintf(stderr, "%8lu  %s\n", counts.v[i].n, counts.v[i].name);
	if (r.reason == SYSCORN_END_SIGNAL)
		fprintf(stderr, "killed by signal %d at pc 0x%llx: %s\n", r.term_signal,
			(unsigned long long)r.pc, r.insn);
	return r.reason == SYSCORN_END_EXIT ? r.exit_code : 128 + r.term_signal;
}
