/* Special decoders for fcntl (by command: locks, flags, seals, leases) and ioctl (terminal
 * and other requests by number, with termios, winsize and modem bits). */
#include "special.h"

#include "xlat.h"

/* ------------------------------------------------------------------ fcntl */

static void print_flock(struct sc_tprint *tp, uint64_t addr, bool pid)
{
	struct { int16_t type, whence; int32_t pad; int64_t start, len; int32_t pid, pad2; } fl;
	if (!tp_read(tp, addr, &fl, sizeof fl)) {
		tp_addr(tp, addr);
		return;
	}
	tb_puts(tp->b, "{l_type=");
	tp_xlat_enum(tp, &sc_xlat_lock_types, (uint16_t)fl.type);
	tb_puts(tp->b, ", l_whence=");
	tp_xlat_enum(tp, &sc_xlat_whence, (uint16_t)fl.whence);
	tb_printf(tp->b, ", l_start=%lld, l_len=%lld", (long long)fl.start, (long long)fl.len);
	if (pid)
		tb_printf(tp->b, ", l_pid=%d", fl.pid);
	tb_putc(tp->b, '}');
}

bool ts_dec_fcntl(struct sc_tprint *tp)
{
	struct sc_trace_call *c = tp->c;
	uint32_t cmd = (uint32_t)ARG(1);
	if (!tp->exiting) {
		ts_arg(tp, 0, TP_fd, NULL);
		ts_arg(tp, 1, TP_enum, &sc_xlat_fcntl_cmds);
	}
	switch (cmd) {
	case 0: case 1030: /* F_DUPFD, F_DUPFD_CLOEXEC */
		if (!tp->exiting)
			ts_arg(tp, 2, TP_u, NULL);
		c->ret_override = TR_fd;
		return true;
	case 1: /* F_GETFD */
		if (tp->exiting && !c->err && c->ret) {
			c->ret_override = TR_hex;
			struct sc_tbuf b = { 0 };
			struct sc_tprint t2 = *tp;
			t2.b = &b;
			tb_puts(&b, "flags ");
			tp_xlat_flags(&t2, &sc_xlat_fd_flags, (uint64_t)c->ret);
			ts_set_aux_tbuf(tp, &b);
		}
		return true;
	case 2: /* F_SETFD */
		if (!tp->exiting)
			ts_arg(tp, 2, TP_flags, &sc_xlat_fd_flags);
		return true;
	case 3: /* F_GETFL */
		if (tp->exiting && !c->err) {
			c->ret_override = TR_hex;
			struct sc_tbuf b = { 0 };
			struct sc_tprint t2 = *tp;
			t2.b = &b;
			tb_puts(&b, "flags ");
			tp_open_flags(&t2, (uint64_t)c->ret);
			ts_set_aux_tbuf(tp, &b);
		}
		return true;
	case 4: /* F_SETFL */
		if (!tp->exiting)
			ts_arg(tp, 2, TP_oflags, NULL);
		return true;
	case 5: case 36: /* F_GETLK, F_OFD_GETLK */
		if (!tp->exiting)
			return false;
		tp_sep(tp, 2);
		if (c->err)
			tp_addr(tp, ARG(2));
		else
			print_flock(tp, ARG(2), true);
		return true;
	case 6: case 7: case 37: case 38: /* F_SETLK, F_SETLKW, F_OFD_SETLK(W) */
		if (!tp->exiting) {
			tp_sep(tp, 2);
			print_flock(tp, ARG(2), false);
		}
		return true;
	case 8: case 1031: /* F_SETOWN, F_SETPIPE_SZ */
		if (!tp->exiting)
			ts_arg(tp, 2, TP_d, NULL);
		return true;
	case 10: /* F_SETSIG */
		if (!tp->exiting)
			ts_arg(tp, 2, TP_signo, NULL);
		return true;
	case 1024: /* F_SETLEASE */
		if (!tp->exiting)
			ts_arg(tp, 2, TP_enum, &sc_xlat_lease_types);
		return true;
	case 1026: /* F_NOTIFY */
		if (!tp->exiting)
			ts_arg(tp, 2, TP_flags, &sc_xlat_notify_flags);
		return true;
	case 1033: /* F_ADD_SEALS */
		if (!tp->exiting)
			ts_arg(tp, 2, TP_flags, &sc_xlat_seals);
		return true;
	case 1034: /* F_GET_SEALS */
		if (tp->exiting && !c->err) {
			c->ret_override = TR_hex;
			struct sc_tbuf b = { 0 };
			struct sc_tprint t2 = *tp;
			t2.b = &b;
			tb_puts(&b, "seals ");
			tp_xlat_flags(&t2, &sc_xlat_seals, (uint64_t)c->ret);
			ts_set_aux_tbuf(tp, &b);
		}
		return true;
	case 1025: /* F_GETLEASE */
		if (tp->exiting && !c->err) {
			const char *n = tp_xlat_name(tp, &sc_xlat_lease_types, (uint64_t)c->ret);
			if (n) {
				c->ret_override = TR_hex;
				ts_set_aux(tp, n);
			}
		}
		return true;
	case 9: case 11: case 1032: /* F_GETOWN, F_GETSIG, F_GETPIPE_SZ */
		return true;
	default:
		if (!tp->exiting)
			ts_arg(tp, 2, TP_x, NULL);
		return true;
	}
}

/* ------------------------------------------------------------------ ioctl */

static void print_ioc(struct sc_tprint *tp, uint32_t req)
{
	const char *n = tp_xlat_name(tp, &sc_xlat_ioctl_names, req);
	if (n) {
		tb_puts(tp->b, n);
		return;
	}
	unsigned dir = req >> 30, type = (req >> 8) & 0xff, nr = req & 0xff, size = (req >> 16) & 0x3fff;
	tb_puts(tp->b, "_IOC(");
	if (!dir)
		tb_puts(tp->b, "_IOC_NONE");
	else if (dir == 3)
		tb_puts(tp->b, "_IOC_READ|_IOC_WRITE");
	else
		tb_puts(tp->b, dir == 1 ? "_IOC_WRITE" : "_IOC_READ");
	tb_printf(tp->b, ", %#x, %#x, %#x)", type, nr, size);
}

static void print_termios(struct sc_tprint *tp, uint64_t addr)
{
	struct { uint32_t iflag, oflag, cflag, lflag; uint8_t line, cc[19]; } t;
	if (!tp_read(tp, addr, &t, sizeof t)) {
		tp_addr(tp, addr);
		return;
	}
	struct sc_tbuf *b = tp->b;
	tb_puts(b, "{c_iflag=");
	tp_xlat_flags(tp, &sc_xlat_term_iflags, t.iflag);
	tb_puts(b, ", c_oflag=");
	static const struct { const struct sc_xlat *x; uint32_t mask; const char *dfl; } dly[] = {
		{ &sc_xlat_term_nldly, 0400, "NL?" }, { &sc_xlat_term_crdly, 03000, "CR?" },
		{ &sc_xlat_term_tabdly, 014000, "TAB?" }, { &sc_xlat_term_bsdly, 020000, "BS?" },
		{ &sc_xlat_term_vtdly, 040000, "VT?" }, { &sc_xlat_term_ffdly, 0100000, "FF?" },
	};
	uint32_t o = t.oflag;
	for (size_t i = 0; i < sizeof dly / sizeof dly[0]; i++) {
		const char *n = tp_xlat_name(tp, dly[i].x, o & dly[i].mask);
		if (n) {
			tb_puts(b, n);
		} else {
			tb_hex(b, o & dly[i].mask);
			tb_printf(b, " /* %s */", dly[i].dfl);
		}
		tb_putc(b, '|');
		o &= ~dly[i].mask;
	}
	tp_xlat_flags(tp, &sc_xlat_term_oflags, o);
	tb_puts(b, ", c_cflag=");
	uint32_t cf = t.cflag;
	if (!tp_xlat_enum(tp, &sc_xlat_baud_options, cf & 010017))
		tb_puts(b, " /* B??? */");
	tb_putc(b, '|');
	if (cf & 002003600000) {
		if (!tp_xlat_enum(tp, &sc_xlat_baud_options, (cf & 002003600000) >> 16))
			tb_puts(b, " /* B??? */");
		tb_puts(b, "<<IBSHIFT|");
	}
	tb_puts(b, tp_xlat_name(tp, &sc_xlat_term_csize, cf & 060));
	tb_putc(b, '|');
	tp_xlat_flags(tp, &sc_xlat_term_cflags, cf & ~(uint32_t)(010017 | 002003600000 | 060));
	tb_puts(b, ", c_lflag=");
	tp_xlat_flags(tp, &sc_xlat_term_lflags, t.lflag);
	if (!(tp->tr->flags & SC_TRACE_F_VERBOSE)) {
		tb_puts(b, ", ...}");
		return;
	}
	tb_puts(b, ", c_line=");
	tp_xlat_enum(tp, &sc_xlat_term_line_discs, t.line);
	tb_puts(b, ", c_cc=[");
	for (unsigned i = 0; i < 19; i++) {
		if (i)
			tb_puts(b, ", ");
		const char *n = tp_xlat_name(tp, &sc_xlat_termios_cc, i);
		tb_putc(b, '[');
		if (n)
			tb_puts(b, n);
		else
			tb_udec(b, i);
		tb_puts(b, "] = ");
		tb_hex(b, t.cc[i]);
	}
	tb_puts(b, "]}");
}

static void print_modem(struct sc_tprint *tp, uint64_t addr)
{
	uint32_t v;
	if (!tp_read(tp, addr, &v, 4)) {
		tp_addr(tp, addr);
		return;
	}
	tb_putc(tp->b, '[');
	tp_xlat_flags(tp, &sc_xlat_modem_flags, v);
	tb_putc(tp->b, ']');
}

static void print_winsize(struct sc_tprint *tp, uint64_t addr)
{
	uint16_t w[4];
	if (!tp_read(tp, addr, w, sizeof w)) {
		tp_addr(tp, addr);
		return;
	}
	tb_printf(tp->b, "{ws_row=%u, ws_col=%u, ws_xpixel=%u, ws_ypixel=%u}", w[0], w[1], w[2], w[3]);
}

bool ts_dec_ioctl(struct sc_tprint *tp)
{
	uint32_t req = (uint32_t)ARG(1);
	struct sc_trace_call *c = tp->c;
	if (!tp->exiting) {
		ts_arg(tp, 0, TP_fd, NULL);
		tp_sep(tp, 1);
		print_ioc(tp, req);
		c->next_arg = 2;
	}
	enum { NONE, IN_INT, OUT_INT, OUT_TERMIOS, IN_TERMIOS, OUT_WINSZ, IN_WINSZ, XLAT, NUM, DEC,
	       OUT_MODEM, IN_MODEM, CHAR };
	int kind = NUM;
	const struct sc_xlat *x = NULL;
	switch (req) {
	case 0x5401: case 0x5456: kind = OUT_TERMIOS; break; /* TCGETS, TIOCGLCKTRMIOS */
	case 0x5402: case 0x5403: case 0x5404: case 0x5457: kind = IN_TERMIOS; break;
	case 0x5413: kind = OUT_WINSZ; break;
	case 0x5414: kind = IN_WINSZ; break;
	case 0x540f: case 0x5429: case 0x5424: case 0x5419: case 0x80045430: case 0x541b:
	case 0x5411: case 0x80045432:
		kind = OUT_INT;
		break;
	case 0x5410: case 0x5423: case 0x5421: case 0x5452: case 0x5420: case 0x541a:
	case 0x40045431:
		kind = IN_INT;
		break;
	case 0x5427: case 0x5428: case 0x541d: case 0x5422: case 0x540c: case 0x540d:
	case 0x5451: case 0x5450: case 0x5437: case 0x541f:
		kind = NONE;
		break;
	case 0x540a: kind = XLAT; x = &sc_xlat_tcxonc_args; break;
	case 0x540b: kind = XLAT; x = &sc_xlat_tcflsh_args; break;
	case 0x5409: case 0x5425: case 0x540e: kind = DEC; break;
	case 0x5415: kind = OUT_MODEM; break;
	case 0x5416: case 0x5417: case 0x5418: kind = IN_MODEM; break;
	case 0x5412: kind = CHAR; break;
	}
	switch (kind) {
	case NONE:
		return true;
	case NUM:
		if (!tp->exiting)
			ts_arg(tp, 2, TP_x, NULL);
		return true;
	case XLAT:
		if (!tp->exiting)
			ts_arg(tp, 2, TP_enum, x);
		return true;
	case DEC:
		if (!tp->exiting)
			ts_arg(tp, 2, TP_d, NULL);
		return true;
	case IN_MODEM:
		if (!tp->exiting) {
			tp_sep(tp, 2);
			print_modem(tp, ARG(2));
		}
		return true;
	case CHAR:
		if (!tp->exiting) {
			tp_sep(tp, 2);
			tp_str(tp, ARG(2), 1, 0);
		}
		return true;
	case IN_INT:
		if (!tp->exiting)
			ts_arg(tp, 2, TP_int_ptr, NULL);
		return true;
	case IN_TERMIOS:
		if (!tp->exiting) {
			tp_sep(tp, 2);
			print_termios(tp, ARG(2));
		}
		return true;
	case IN_WINSZ:
		if (!tp->exiting) {
			tp_sep(tp, 2);
			print_winsize(tp, ARG(2));
		}
		return true;
	default:
		break;
	}
	if (!tp->exiting)
		return false;
	tp_sep(tp, 2);
	if (c->err || !ARG(2))
		tp_addr(tp, ARG(2));
	else if (kind == OUT_INT)
		tp_arg(tp, 2, &(struct sc_trace_arg){ TP_int_ptr, -1, NULL });
	else if (kind == OUT_TERMIOS)
		print_termios(tp, ARG(2));
	else if (kind == OUT_MODEM)
		print_modem(tp, ARG(2));
	else
		print_winsize(tp, ARG(2));
	return true;
}
