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

void tb_udec(struct sc_tbuf *b, uint64_t v)
{
	char tmp[24];
	int i = sizeof tmp;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	tb_putn(b, tmp + i, sizeof tmp - (size_t)i);
}

void tb_dec(struct sc_tbuf *b, int64_t v)
{
	if (v < 0) {
		tb_putc(b, '-');
		tb_udec(b, (uint64_t)0 - (uint64_t)v);
	} else {
		tb_udec(b, (uint64_t)v);
	}
}

void tb_hex(struct sc_tbuf *b, uint64_t v)
{
	if (!v) {
		tb_putc(b, '0');
		return;
	}
	char tmp[20];
	int i = sizeof tmp;
	while (v) {
		tmp[--i] = "0123456789abcdef"[v & 15];
		v >>= 4;
	}
	tmp[--i] = 'x';
	tmp[--i] = '0';
	tb_putn(b, tmp + i, sizeof tmp - (size_t)i);
}
