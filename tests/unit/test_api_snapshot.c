/* Snapshot test: the guest (apiguest snap) sets up its state, reads stdin (the snapshot is
 * taken there), checks that its state is as set up, then changes everything it can: memory,
 * brk, mappings and protections, descriptors (closes, dup2s over, opens, pipes), the offset and
 * contents of a file, an output file. Restored 10,000 times in a row, each run must find the
 * state untouched (exit 0), and the host side must see the same mappings, break, descriptors,
 * memory, registers and in-memory files as at the snapshot.
 *   test_api_snapshot GUEST-ARM64 GUEST-X86_64 [ITERATIONS] */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "syscorn.h"
#include "core.h"
#include "mem.h"

static int failures;

#define CHECK(cond, ...)                                                  \
	do {                                                              \
		if (!(cond)) {                                            \
			failures++;                                       \
			printf("FAIL %s:%d: ", __FILE__, __LINE__);       \
			printf(__VA_ARGS__);                              \
			printf("\n");                                     \
		}                                                         \
	} while (0)

/* The host's descriptor table as a string: "0 1 2 5 ...". */
static void fd_list(char *out, size_t n)
{
	int fds[4096], k = 0;
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	while (d && (e = readdir(d)) && k < 4096)
		if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d))
			fds[k++] = atoi(e->d_name);
	if (d)
		closedir(d);
	out[0] = 0;
	for (int i = 0; i < k; i++)
		for (int j = i + 1; j < k; j++)
			if (fds[j] < fds[i]) {
				int t = fds[i];
				fds[i] = fds[j];
				fds[j] = t;
			}
	size_t len = 0;
	for (int i = 0; i < k && len < n - 16; i++)
		len += (size_t)snprintf(out + len, n - len, "%d ", fds[i]);
}

struct state {
	struct sc_vma *vmas;
	size_t nvmas;
	uint8_t **data;
	uint64_t brk, regs[10];
	char fds[4096], out[64];
	size_t outlen;
};

static void capture(syscorn *sc, struct state *s, bool with_memory)
{
	struct sc_process *p = sc;
	s->nvmas = p->mem.nvmas;
	s->vmas = malloc(s->nvmas * sizeof *s->vmas);
	memcpy(s->vmas, p->mem.vmas, s->nvmas * sizeof *s->vmas);
	s->data = calloc(s->nvmas, sizeof *s->data);
	for (size_t i = 0; with_memory && i < s->nvmas; i++) {
		const struct sc_vma *v = &s->vmas[i];
		if (v->flags & VMA_SHARED)
			continue;
		size_t len = v->end - v->start;
		s->data[i] = malloc(len);
		if (syscorn_mem_read(sc, v->start, s->data[i], len))
			memset(s->data[i], 0, len);
	}
	syscorn_query(sc, SYSCORN_QUERY_BRK, &s->brk);
	int regs[] = { SYSCORN_REG_PC, SYSCORN_REG_SP, SYSCORN_REG_SYSCALL_NR, SYSCORN_REG_ARG0,
		       SYSCORN_REG_ARG1, SYSCORN_REG_ARG2, SYSCORN_REG_ARG3, SYSCORN_REG_ARG4,
		       SYSCORN_REG_ARG5 };
	for (int i = 0; i < 9; i++)
		syscorn_reg_read(sc, regs[i], &s->regs[i]);
	fd_list(s->fds, sizeof s->fds);
	s->outlen = 0;
	syscorn_read_file(sc, "/out", s->out, sizeof s->out, &s->outlen);
}

static void release(struct state *s)
{
	for (size_t i = 0; i < s->nvmas; i++)
		free(s->data[i]);
	free(s->data);
	free(s->vmas);
}

static bool same(syscorn *sc, const struct state *a, const struct state *b, bool memory, int it)
{
	int before = failures;
	CHECK(a->nvmas == b->nvmas, "iteration %d: %zu mappings, %zu at the snapshot", it,
	      b->nvmas, a->nvmas);
	for (size_t i = 0; i < a->nvmas && a->nvmas == b->nvmas; i++) {
		const struct sc_vma *x = &a->vmas[i], *y = &b->vmas[i];
		CHECK(x->start == y->start && x->end == y->end && x->prot == y->prot &&
			      x->flags == y->flags,
		      "iteration %d: mapping %zu: %llx-%llx %d, was %llx-%llx %d", it, i,
		      (unsigned long long)y->start, (unsigned long long)y->end, y->prot,
		      (unsigned long long)x->start, (unsigned long long)x->end, x->prot);
		if (memory && a->data[i] && b->data[i] && x->end == y->end &&
		    memcmp(a->data[i], b->data[i], x->end - x->start)) {
			size_t k = 0;
			while (a->data[i][k] == b->data[i][k])
				k++;
			CHECK(0, "iteration %d: memory of mapping %zu differs at %llx", it, i,
			      (unsigned long long)(x->start + k));
		}
	}
	CHECK(a->brk == b->brk, "iteration %d: brk %llx, was %llx", it,
	      (unsigned long long)b->brk, (unsigned long long)a->brk);
	for (int i = 0; i < 9; i++)
		CHECK(a->regs[i] == b->regs[i], "iteration %d: register %d: %llx, was %llx", it, i,
		      (unsigned long long)b->regs[i], (unsigned long long)a->regs[i]);
	CHECK(!strcmp(a->fds, b->fds), "iteration %d: descriptors [%s], were [%s]", it, b->fds,
	      a->fds);
	CHECK(a->outlen == b->outlen && !memcmp(a->out, b->out, a->outlen),
	      "iteration %d: /out differs", it);
	(void)sc;
	return failures == before;
}

static void run_arch(const char *arch, const char *guest, int iterations, bool fast)
{
	syscorn *sc;
	if (syscorn_open(guest, NULL, &sc)) {
		CHECK(0, "%s: open", arch);
		return;
	}
	syscorn_set_argv(sc, (char *const[]){ "apiguest", "snap", fast ? "fast" : "full", NULL });
	syscorn_set_file(sc, "/in/data", "ABCDEFGH", 8);
	syscorn_set_file(sc, "/out", "initial", 7);
	syscorn_set_stdin(sc, "x", 1);
	syscorn_stop_at(sc, SYSCORN_STOP_STDIN, 0, NULL);
	syscorn_result r;
	syscorn_run(sc, &r);
	CHECK(r.reason == SYSCORN_END_STOP, "%s: stop at stdin: %d", arch, r.reason);
	CHECK(syscorn_snapshot(sc) == SYSCORN_OK, "%s: snapshot", arch);
	struct state snap;
	capture(sc, &snap, true);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int bad_runs = 0;
	double restore_s = 0;
	int failures0 = failures;
	for (int it = 1; it <= iterations && failures - failures0 < 20; it++) {
		if (syscorn_run(sc, &r) || r.reason != SYSCORN_END_EXIT || r.exit_code != 0) {
			bad_runs++;
			CHECK(0, "%s: iteration %d: reason %d exit %d (guest check bits)", arch, it,
			      r.reason, r.exit_code);
		}
		char out[8] = "";
		syscorn_read_file(sc, "/out", out, 3, NULL);
		CHECK(fast || !memcmp(out, "run", 3), "%s: iteration %d: the guest's output file", arch,
		      it);
		struct timespec r0, r1;
		clock_gettime(CLOCK_MONOTONIC, &r0);
		CHECK(syscorn_restore(sc) == SYSCORN_OK, "%s: restore", arch);
		clock_gettime(CLOCK_MONOTONIC, &r1);
		restore_s += (double)(r1.tv_sec - r0.tv_sec) + (double)(r1.tv_nsec - r0.tv_nsec) / 1e9;
		bool full = it % 1000 == 0 || it <= 10;
		struct state now;
		capture(sc, &now, full);
		same(sc, &snap, &now, full, it);
		release(&now);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%s %s%s: %d restores, %d bad runs, %.0f runs/s, %.0f us per restore\n",
	       bad_runs || failures ? "FAIL" : "PASS", arch, fast ? " (memory only)" : "", iterations,
	       bad_runs, iterations / s, restore_s * 1e6 / iterations);
	release(&snap);
	syscorn_close(sc);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: test_api_snapshot GUEST-ARM64 GUEST-X86_64 [ITERATIONS]\n");
		return 2;
	}
	int n = argc > 3 ? atoi(argv[3]) : 10000;
	/* Full: the mappings change too (the slow path); memory only: the fast path. */
	for (int fast = 0; fast < 2; fast++) {
		if (!access(argv[1], R_OK))
			run_arch("arm64", argv[1], n, fast);
		if (!access(argv[2], R_OK))
			run_arch("x86_64", argv[2], n, fast);
	}
	printf("%s\n", failures ? "FAILED" : "all ok");
	return failures ? 1 : 0;
}
