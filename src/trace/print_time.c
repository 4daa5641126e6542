/* Argument printers for times: timespec, timeval, the utimensat and utimes pairs, and the
 * date comment strace adds after a time. */
#include "print.h"

#include <time.h>

#include "xlat.h"

/* ------------------------------------------------------------------ times */

/* " / * 2001-09-09T01:46:40.000000005+0000 * /" after a time, when it is one. */
void tp_time_comment(struct sc_tbuf *b, int64_t sec, uint64_t part, int width)
{
	if (sec == 0 && part == 0)
		return;
	time_t t = (time_t)sec;
	struct tm tm;
	if (!localtime_r(&t, &tm))
		return;
	char buf[96];
	size_t pos = strftime(buf, sizeof buf, "%FT%T", &tm);
	if (!pos)
		return;
	if (part)
		pos += (size_t)snprintf(buf + pos, sizeof buf - pos, ".%0*llu", width,
					(unsigned long long)part);
	if (!strftime(buf + pos, sizeof buf - pos, "%z", &tm))
		return;
	tb_puts(b, " /* ");
	tb_puts(b, buf);
	tb_puts(b, " */");
}

void tp_ts_val(struct sc_tbuf *b, int64_t sec, int64_t nsec)
{
	tb_puts(b, "{tv_sec=");
	tb_dec(b, sec);
	tb_puts(b, ", tv_nsec=");
	tb_dec(b, nsec);
	tb_putc(b, '}');
}

void tp_timespec(struct sc_tprint *tp, uint64_t addr)
{
	int64_t ts[2];
	if (!addr) {
		tb_puts(tp->b, "NULL");
		return;
	}
	if (!tp_read(tp, addr, ts, sizeof ts)) {
		tp_addr(tp, addr);
		return;
	}
	tp_ts_val(tp->b, ts[0], ts[1]);
}

void tp_tv_val(struct sc_tbuf *b, int64_t sec, int64_t usec)
{
	tb_puts(b, "{tv_sec=");
	tb_dec(b, sec);
	tb_puts(b, ", tv_usec=");
	tb_dec(b, usec);
	tb_putc(b, '}');
}

void tp_timeval(struct sc_tprint *tp, uint64_t addr)
{
	int64_t tv[2];
	if (!addr) {
		tb_puts(tp->b, "NULL");
		return;
	}
	if (!tp_read(tp, addr, tv, sizeof tv)) {
		tp_addr(tp, addr);
		return;
	}
	tp_tv_val(tp->b, tv[0], tv[1]);
}

/* utimensat's times: [UTIME_NOW, {tv_sec=..., tv_nsec=...} / * date * /] */
void tp_utimens(struct sc_tprint *tp, uint64_t addr)
{
	int64_t ts[4];
	if (!addr) {
		tb_puts(tp->b, "NULL");
		return;
	}
	if (!tp_read(tp, addr, ts, sizeof ts)) {
		tp_addr(tp, addr);
		return;
	}
	tb_putc(tp->b, '[');
	for (int i = 0; i < 2; i++) {
		if (i)
			tb_puts(tp->b, ", ");
		if (tp_array_cut(tp, tp->b, (uint64_t)i))
			break;
		const char *n = ts[2 * i + 1] == 0x3fffffff ? "UTIME_NOW"
			      : ts[2 * i + 1] == 0x3ffffffe ? "UTIME_OMIT" : NULL;
		if (n) {
			tb_puts(tp->b, n);
			continue;
		}
		tp_ts_val(tp->b, ts[2 * i], ts[2 * i + 1]);
		if (ts[2 * i + 1] >= 0 && ts[2 * i + 1] < 1000000000)
			tp_time_comment(tp->b, ts[2 * i], (uint64_t)ts[2 * i + 1], 9);
	}
	tb_putc(tp->b, ']');
}

void tp_timevals(struct sc_tprint *tp, uint64_t addr)
{
	int64_t tv[4];
	if (!addr) {
		tb_puts(tp->b, "NULL");
		return;
	}
	if (!tp_read(tp, addr, tv, sizeof tv)) {
		tp_addr(tp, addr);
		return;
	}
	tb_putc(tp->b, '[');
	for (int i = 0; i < 2; i++) {
		if (i)
			tb_puts(tp->b, ", ");
		if (tp_array_cut(tp, tp->b, (uint64_t)i))
			break;
		tp_tv_val(tp->b, tv[2 * i], tv[2 * i + 1]);
		if (tv[2 * i + 1] >= 0 && tv[2 * i + 1] < 1000000)
			tp_time_comment(tp->b, tv[2 * i], (uint64_t)tv[2 * i + 1], 6);
	}
	tb_putc(tp->b, ']');
}
