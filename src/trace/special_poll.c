/* Special decoders for waiting on descriptors: poll and ppoll, select and pselect6 (with what
 * became ready after the return value), epoll_wait. */
#include "special.h"

#include <stdlib.h>
#include <string.h>

#include "xlat.h"

/* ------------------------------------------------------------------ polling */

static void print_pollfds(struct sc_tprint *tp, struct sc_tbuf *b, uint64_t addr, uint64_t n,
			  bool revents)
{
	bool first = true;
	uint64_t shown = 0;
	tb_putc(b, '[');
	for (uint64_t i = 0; i < n; i++) {
		struct { int32_t fd; int16_t events, revents; } pf;
		if (!tp_read(tp, addr + 8 * i, &pf, sizeof pf))
			break;
		if (revents && !pf.revents)
			continue;
		if (!first)
			tb_puts(b, ", ");
		if (tp_array_cut(tp, b, shown++))
			break;
		first = false;
		struct sc_tprint t2 = *tp;
		t2.b = b;
		tb_puts(b, "{fd=");
		if (revents)
			tb_dec(b, pf.fd);
		else
			tp_fd(&t2, pf.fd);
		if (revents) {
			tb_puts(b, ", revents=");
			tp_xlat_flags(&t2, &sc_xlat_poll_events, (uint16_t)pf.revents);
		} else if (pf.fd >= 0) {
			tb_puts(b, ", events=");
			tp_xlat_flags(&t2, &sc_xlat_poll_events, (uint16_t)pf.events);
		}
		tb_putc(b, '}');
	}
	tb_putc(b, ']');
}

bool ts_dec_poll(struct sc_tprint *tp, bool ppoll)
{
	struct sc_trace_call *c = tp->c;
	if (!tp->exiting) {
		tp_sep(tp, 0);
		struct { int32_t fd; int16_t e, r; } pf;
		if (ARG(1) && !tp_read(tp, ARG(0), &pf, sizeof pf))
			tp_addr(tp, ARG(0));
		else if (!ARG(0))
			tb_puts(tp->b, "NULL");
		else
			print_pollfds(tp, tp->b, ARG(0), (uint32_t)ARG(1), false);
		ts_arg(tp, 1, TP_u, NULL);
		if (ppoll) {
			ts_arg(tp, 2, TP_timespec, NULL);
			tp_sep(tp, 3);
			tp_sigset(tp, ARG(3), ARG(4));
			ts_arg(tp, 4, TP_lu, NULL);
		} else {
			ts_arg(tp, 2, TP_d, NULL);
		}
		return true;
	}
	if (c->err)
		return true;
	if (c->ret == 0) {
		ts_set_aux(tp, "Timeout");
		return true;
	}
	struct sc_tbuf b = { 0 };
	print_pollfds(tp, &b, ARG(0), (uint32_t)ARG(1), true);
	if (ppoll && ARG(2)) {
		int64_t ts[2];
		if (tp_read(tp, ARG(2), ts, sizeof ts))
			tb_printf(&b, ", left {tv_sec=%lld, tv_nsec=%lld}", (long long)ts[0],
				  (long long)ts[1]);
	}
	ts_set_aux_tbuf(tp, &b);
	return true;
}

static void print_fdset(struct sc_tprint *tp, struct sc_tbuf *b, uint64_t addr, int n, bool paths)
{
	if (!addr) {
		tb_puts(b, "NULL");
		return;
	}
	if (n < 0)
		n = 0;
	if (n > 1024 * 64)
		n = 1024 * 64;
	size_t bytes = ((size_t)n + 63) / 64 * 8;
	uint8_t buf[1024];
	if (bytes > sizeof buf)
		bytes = sizeof buf;
	if (bytes && !tp_read(tp, addr, buf, bytes)) {
		struct sc_tprint t2 = *tp;
		t2.b = b;
		tp_addr(&t2, addr);
		return;
	}
	tb_putc(b, '[');
	bool first = true;
	for (int i = 0; i < n && (size_t)i / 8 < bytes; i++)
		if (buf[i / 8] & (1u << (i % 8))) {
			if (!first)
				tb_putc(b, ' ');
			first = false;
			if (paths) {
				struct sc_tprint t2 = *tp;
				t2.b = b;
				tp_fd(&t2, i);
			} else {
				tb_dec(b, i);
			}
		}
	tb_putc(b, ']');
}

bool ts_dec_select(struct sc_tprint *tp, bool pselect)
{
	struct sc_trace_call *c = tp->c;
	int n = (int32_t)ARG(0);
	if (!tp->exiting) {
		ts_arg(tp, 0, TP_d, NULL);
		for (int i = 1; i <= 3; i++) {
			tp_sep(tp, i);
			print_fdset(tp, tp->b, ARG(i), n, true);
		}
		ts_arg(tp, 4, pselect ? TP_timespec : TP_timeval, NULL);
		if (pselect) {
			tp_sep(tp, 5);
			uint64_t ss[2];
			if (!ARG(5)) {
				tb_puts(tp->b, "NULL");
			} else if (!tp_read(tp, ARG(5), ss, sizeof ss)) {
				tp_addr(tp, ARG(5));
			} else {
				tb_puts(tp->b, "{sigmask=");
				tp_sigset(tp, ss[0], ss[1]);
				tb_printf(tp->b, ", sigsetsize=%llu}", (unsigned long long)ss[1]);
			}
		}
		return true;
	}
	if (c->err)
		return true;
	if (c->ret == 0) {
		ts_set_aux(tp, "Timeout");
		return true;
	}
	struct sc_tbuf b = { 0 };
	static const char *const what[3] = { "in", "out", "except" };
	bool first = true;
	for (int i = 1; i <= 3; i++) {
		if (!ARG(i))
			continue;
		struct sc_tbuf s = { 0 };
		print_fdset(tp, &s, ARG(i), n, false);
		if (s.lost)
			b.lost = true;
		if (s.p && strcmp(s.p, "[]")) {
			if (!first)
				tb_puts(&b, ", ");
			first = false;
			tb_printf(&b, "%s %s", what[i - 1], s.p);
		}
		free(s.p);
	}
	if (ARG(4)) {
		int64_t t[2];
		if (tp_read(tp, ARG(4), t, sizeof t))
			tb_printf(&b, "%sleft {tv_sec=%lld, %s=%lld}", first ? "" : ", ", (long long)t[0],
				  pselect ? "tv_nsec" : "tv_usec", (long long)t[1]);
	}
	if (b.p || b.lost)
		ts_set_aux_tbuf(tp, &b);
	return true;
}

bool ts_dec_epoll_wait(struct sc_tprint *tp)
{
	const char *name = tp->c->sys->meta->name;
	bool pwait = strcmp(name, "epoll_wait") != 0, pwait2 = !strcmp(name, "epoll_pwait2");
	if (!tp->exiting) {
		ts_arg(tp, 0, TP_fd, NULL);
		return false;
	}
	struct sc_trace_call *c = tp->c;
	tp_sep(tp, 1);
	if (c->err) {
		tp_addr(tp, ARG(1));
	} else {
		size_t sz = tp->arch == SC_XA_ARM64 ? 16 : 12;
		tb_putc(tp->b, '[');
		for (int64_t i = 0; i < c->ret; i++) {
			if (i)
				tb_puts(tp->b, ", ");
			if (tp_array_cut(tp, tp->b, (uint64_t)i))
				break;
			struct sc_trace_arg a = { TP_epoll_event, -1, NULL };
			uint64_t save = c->args[1];
			c->args[1] = save + (uint64_t)i * sz;
			tp_arg(tp, 1, &a);
			c->args[1] = save;
		}
		tb_putc(tp->b, ']');
	}
	ts_arg(tp, 2, TP_d, NULL);
	ts_arg(tp, 3, pwait2 ? TP_timespec : TP_d, NULL);
	if (pwait) {
		tp_sep(tp, 4);
		tp_sigset(tp, ARG(4), ARG(5));
		ts_arg(tp, 5, TP_lu, NULL);
	}
	return true;
}
