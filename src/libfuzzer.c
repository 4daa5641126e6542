/* syscorn-libfuzzer: libFuzzer driving an emulated program, on the public API alone.
 *
 *   syscorn-libfuzzer PROGRAM [libFuzzer options] [CORPUS...]
 *
 * Each input goes to the guest's stdin, or with SYSCORN_INPUT_FILE=PATH to an in-memory file
 * at PATH that is also the guest's argv[1]. The guest runs once up to where it takes its input
 * (the first read of stdin or open of PATH) and is snapshotted there; every input then runs
 * from a restore. Guest edge coverage lands in libFuzzer's extra counters; a guest that dies
 * of a signal is reported and aborts, which libFuzzer records as a crash. -fork and -jobs
 * work: the program's path travels to the children in SYSCORN_LIBFUZZER_TARGET. Built with
 * clang -fsanitize=fuzzer (meson.build). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syscorn.h"

#define COUNTERS (1u << 16)

/* libFuzzer reads (and clears before each input) every byte of this section. */
__attribute__((used, section("__libfuzzer_extra_counters"))) static uint8_t counters[COUNTERS];

static syscorn *sc;
static const char *input_file;
static int runs;

static void log_stderr(void *data, int level, const char *msg)
{
	(void)data, (void)level;
	fprintf(stderr, "syscorn: %s\n", msg);
}

static void fail(const char *what, syscorn_err e)
{
	fprintf(stderr, "syscorn-libfuzzer: %s: %s\n", what, syscorn_strerror(e));
	exit(1);
}

static syscorn *session(const char *prog)
{
	syscorn_config cfg;
	syscorn_config_init(&cfg);
	cfg.flags = SYSCORN_F_NO_RANDOM;
	cfg.log = log_stderr;
	cfg.log_level = SYSCORN_LOG_ERROR;
	syscorn *s;
	syscorn_err e = syscorn_open(prog, &cfg, &s);
	if (e)
		fail(prog, e);
	char *argv[] = { (char *)prog, (char *)input_file, NULL };
	char *envp[] = { NULL };
	if ((e = syscorn_set_argv(s, argv)) || (e = syscorn_set_envp(s, envp)) ||
	    (e = input_file ? syscorn_set_file(s, input_file, "", 0) : syscorn_set_stdin(s, "", 0)))
		fail(prog, e);
	return s;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *prog = getenv("SYSCORN_LIBFUZZER_TARGET");
	if (!prog) {
		/* The first argument that is not an option is the program, not a corpus: it goes
		 * from the argument vector libFuzzer parses, and into the environment its
		 * -fork/-jobs children inherit. */
		for (int i = 1; i < *argc; i++) {
			if ((*argv)[i][0] == '-')
				continue;
			prog = (*argv)[i];
			memmove(&(*argv)[i], &(*argv)[i + 1], (size_t)(*argc - i) * sizeof **argv);
			(*argc)--;
			break;
		}
		if (!prog) {
			fprintf(stderr, "usage: syscorn-libfuzzer PROGRAM [libFuzzer options] [CORPUS...]\n");
			exit(2);
		}
		char *abs = realpath(prog, NULL);
		setenv("SYSCORN_LIBFUZZER_TARGET", abs ? abs : prog, 1);
		free(abs);
		prog = getenv("SYSCORN_LIBFUZZER_TARGET");
	}
	input_file = getenv("SYSCORN_INPUT_FILE");
	sc = session(prog);
	syscorn_err e = input_file ? syscorn_stop_at(sc, SYSCORN_STOP_OPEN, 0, input_file)
				   : syscorn_stop_at(sc, SYSCORN_STOP_STDIN, 0, NULL);
	syscorn_result r;
	if (e || (e = syscorn_run(sc, &r)))
		fail(prog, e);
	if (r.reason != SYSCORN_END_STOP) {
		/* It never took its input: every input runs from the entry point. */
		syscorn_close(sc);
		sc = session(prog);
		if ((e = syscorn_start(sc)))
			fail(prog, e);
	}
	if ((e = syscorn_snapshot(sc)) || (e = syscorn_coverage(sc, counters, COUNTERS)))
		fail(prog, e);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	syscorn_err e;
	if (runs++ && (e = syscorn_restore(sc)))
		fail("restore", e);
	e = input_file ? syscorn_set_file(sc, input_file, data, size)
		       : syscorn_set_stdin(sc, data, size);
	syscorn_result r;
	if (e || (e = syscorn_run(sc, &r)))
		fail("run", e);
	if (r.reason == SYSCORN_END_SIGNAL) {
		fprintf(stderr,
			"==syscorn== guest killed by signal %d: %s at address 0x%llx, pc 0x%llx: %s\n",
			r.term_signal, r.what, (unsigned long long)r.fault_addr,
			(unsigned long long)r.pc, r.insn);
		abort();
	}
	return 0;
}
