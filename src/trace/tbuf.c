/* The tracer's growable text buffers. Out of memory, an append is dropped whole and the
 * buffer marked `lost`: the line being built is then incomplete, and whoever emits it drops
 * it (the library never aborts the process for want of memory). */
#include "trace.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

bool tb_grow(struct sc_tbuf *b, size_t n)
{
	if (b->len + n + 1 <= b->cap)
		return true;
	size_t c = b->cap ? b->cap : 256;
	while (c < b->len + n + 1)
		c *= 2;
	char *q = realloc(b->p, c);
	if (!q) {
		b->lost = true;
		return false;
	}
	b->p = q;
	b->cap = c;
	return true;
}

void tb_printf(struct sc_tbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char tmp[256];
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof tmp) {
		tb_putn(b, tmp, (size_t)n);
		return;
	}
	if (!tb_grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

const char sc_digit_pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

const uint64_t sc_pow10[20] = {
	1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull, 100000000ull,
	1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull, 10000000000000ull,
	100000000000000ull, 1000000000000000ull, 10000000000000000ull, 100000000000000000ull,
	1000000000000000000ull, 10000000000000000000ull };

void tb_udec(struct sc_tbuf *b, uint64_t v)
{
	char *q = tb_reserve(b, 20);
	if (q)
		tb_commit(b, fmt_udec(q, v));
}

void tb_dec(struct sc_tbuf *b, int64_t v)
{
	char *q = tb_reserve(b, 21);
	if (q)
		tb_commit(b, fmt_dec(q, v));
}

void tb_hex(struct sc_tbuf *b, uint64_t v)
{
	if (!v) {
		tb_putc(b, '0');
		return;
	}
	unsigned n = 2 + (unsigned)(64 - __builtin_clzll(v) + 3) / 4;
	if (__builtin_expect(b->len + n + 1 > b->cap, 0) && !tb_grow(b, n))
		return;
	char *s = b->p + b->len, *e = s + n;
	*e = 0;
	for (; v; v >>= 4)
		*--e = "0123456789abcdef"[v & 15];
	s[0] = '0';
	s[1] = 'x';
	b->len += n;
}
