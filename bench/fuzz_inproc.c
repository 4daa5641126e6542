/* bench/fuzz: executions per second of the in-process loop (restore, input, run), on the
 * public API. Inputs rotate through a fixed set, one of them the planted crash.
 *   fuzz_inproc TARGET SECONDS  ->  "execs N seconds S crashes C" */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "syscorn.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	double secs = atof(argv[2]);
	syscorn *sc;
	syscorn_result r;
	static uint8_t map[1 << 16];
	if (syscorn_open(argv[1], NULL, &sc) || syscorn_set_stdin(sc, "", 0) ||
	    syscorn_stop_at(sc, SYSCORN_STOP_STDIN, 0, NULL) || syscorn_run(sc, &r) ||
	    syscorn_snapshot(sc) || syscorn_coverage(sc, map, sizeof map))
		return 1;
	static const char *inputs[] = { "hello world!", "SCRN", "SCRN\x10xxxx", "S",
					"SC\xff", "SCR0123456789", "SCRN\xff""1234", "" };
	long execs = 0, crashes = 0;
	double t0 = now(), t = t0;
	while (t - t0 < secs) {
		for (int i = 0; i < 64; i++, execs++) {
			const char *in = inputs[execs % 8];
			size_t n = execs % 8 == 6 ? 9 : strlen(in);
			if (syscorn_restore(sc) || syscorn_set_stdin(sc, in, n) || syscorn_run(sc, &r))
				return 1;
			crashes += r.reason == SYSCORN_END_SIGNAL;
		}
		t = now();
	}
	printf("execs %ld seconds %.3f crashes %ld\n", execs, t - t0, crashes);
	syscorn_close(sc);
	return 0;
}
