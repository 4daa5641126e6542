/* The tracer's number formatting (src/trace/tbuf.c, trace.h) against printf, at every digit
 * count's edges and over random values: it writes digits in place, two at a time, after counting
 * them from the bit count, where an off-by-one would cost a digit or leave a stray one. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace/trace.h"

static int failures;

static void check(const char *what, const char *got, const char *want)
{
	if (strcmp(got, want)) {
		printf("FAIL %s: got \"%s\", want \"%s\"\n", what, got, want);
		failures++;
	}
}

static void check_u(uint64_t v)
{
	char got[32], want[32];
	*fmt_udec(got, v) = 0;
	snprintf(want, sizeof want, "%" PRIu64, v);
	check("fmt_udec", got, want);
	struct sc_tbuf b = { 0 };
	tb_puts(&b, "x=");
	tb_udec(&b, v);
	snprintf(want, sizeof want, "x=%" PRIu64, v);
	check("tb_udec", b.p, want);
	if (b.len != strlen(want))
		check("tb_udec length", "wrong", "right");
	b.len = 0;
	tb_hex(&b, v);
	snprintf(want, sizeof want, v ? "%#" PRIx64 : "0", v);
	check("tb_hex", b.p, want);
	free(b.p);
}

static void check_d(int64_t v)
{
	char got[32], want[32];
	*fmt_dec(got, v) = 0;
	snprintf(want, sizeof want, "%" PRId64, v);
	check("fmt_dec", got, want);
	struct sc_tbuf b = { 0 };
	tb_dec(&b, v);
	check("tb_dec", b.p, want);
	free(b.p);
}

int main(void)
{
	uint64_t p = 1;
	for (int i = 0; i < 20; i++, p *= 10) {
		check_u(p);
		check_u(p - 1);
		check_u(p + 1);
		check_d((int64_t)p);
		check_d(-(int64_t)p);
		check_d(-(int64_t)p + 1);
	}
	check_u(UINT64_MAX);
	check_u(UINT64_MAX - 1);
	check_d(INT64_MIN);
	check_d(INT64_MAX);
	for (int i = 0; i < 64; i++)
		check_u((uint64_t)1 << i), check_u(((uint64_t)1 << i) - 1);
	srand(1);
	for (int i = 0; i < 200000; i++) {
		uint64_t v = (uint64_t)rand() << 42 ^ (uint64_t)rand() << 21 ^ (uint64_t)rand();
		v >>= rand() % 64;
		check_u(v);
		check_d((int64_t)v);
		check_d(-(int64_t)(v >> 1));
	}
	if (!failures)
		printf("ok\n");
	return failures != 0;
}
