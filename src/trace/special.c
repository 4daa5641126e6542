/* Decoders for the calls whose arguments depend on each other: the mode of open only with
 * O_CREAT, fcntl's and ioctl's argument by command, poll/select results, mmap offsets... Each
 * prints from c->next_arg on, at entry and again at exit, and returns true once the argument
 * list is complete. */
#include "trace.h"

#include <stdlib.h>
#include <string.h>

#include "../arch/arch.h"
#include "xlat.h"

#define ARG(i) (tp->c->args[i])

void tp_print_iov(struct sc_tprint *tp, uint64_t addr, uint64_t cnt, bool data, uint64_t limit);

/* Prints argument i with printer pr (and constant table x) unless already printed. */
static void arg(struct sc_tprint *tp, int i, int pr, const struct sc_xlat *x)
{
	struct sc_trace_arg a = { (uint8_t)pr, -1, x };
	tp_sep(tp, i);
	tp_arg(tp, i, &a);
	tp->c->next_arg = i + 1;
}

static void arg_out(struct sc_tprint *tp, int i, int pr, const struct sc_xlat *x)
{
	if (tp->c->err) {
		tp_sep(tp, i);
		tp_addr(tp, ARG(i));
		tp->c->next_arg = i + 1;
	} else {
		arg(tp, i, pr, x);
	}
}

static void set_aux(struct sc_tprint *tp, const char *s)
{
	snprintf(tp->c->auxbuf, sizeof tp->c->auxbuf, "%s", s);
	tp->c->aux = tp->c->auxbuf;
}

/* The same from a buffer of its own, which it frees; out of memory, the line is incomplete. */
static void set_aux_tbuf(struct sc_tprint *tp, struct sc_tbuf *b)
{
	if (b->lost)
		tp->b->lost = true;
	else
		set_aux(tp, b->p);
	free(b->p);
}

/* ------------------------------------------------------------------ files */

static bool dec_open(struct sc_tprint *tp, int base)
{
	if (tp->exiting)
		return true;
	if (base)
		arg(tp, 0, TP_dirfd, NULL);
	arg(tp, base, TP_path, NULL);
	arg(tp, base + 1, TP_oflags, NULL);
	if (ARG(base + 1) & (0100 | 020000000))
		arg(tp, base + 2, TP_mode, NULL);
	return true;
}

static bool dec_mknod(struct sc_tprint *tp)
{
	if (tp->exiting)
		return true;
	int base = strcmp(tp->c->sys->meta->name, "mknodat") == 0;
	if (base)
		arg(tp, 0, TP_dirfd, NULL);
	arg(tp, base, TP_path, NULL);
	arg(tp, base + 1, TP_smode, NULL);
	uint32_t type = (uint32_t)ARG(base + 1) & 0170000;
	if (type == 0020000 || type == 0060000)
		arg(tp, base + 2, TP_dev, NULL);
	return true;
}

static bool dec_getcwd(struct sc_tprint *tp)
{
	if (!tp->exiting)
		return false;
	tp_sep(tp, 0);
	if (tp->c->err)
		tp_addr(tp, ARG(0));
	else
		tp_str(tp, ARG(0), (uint64_t)tp->c->ret, TQ_NUL);
	arg(tp, 1, TP_lu, NULL);
	return true;
}

static bool dec_readv(struct sc_tprint *tp, bool preadv)
{
	const char *name = tp->c->sys->meta->name;
	bool write = name[1] == 'w';
	bool v2 = name[strlen(name) - 1] == '2';
	if (!tp->exiting) {
		arg(tp, 0, TP_fd, NULL);
		if (!write)
			return false;
	}
	if (tp->exiting && write)
		return true;
	tp_sep(tp, 1);
	if (write)
		tp_print_iov(tp, ARG(1), ARG(2), true, ~0ull);
	else if (tp->c->err)
		tp_print_iov(tp, ARG(1), ARG(2), false, 0);
	else
		tp_print_iov(tp, ARG(1), ARG(2), true, (uint64_t)tp->c->ret);
	arg(tp, 2, TP_u, NULL);
	if (preadv)
		arg(tp, 3, TP_ld, NULL);
	if (v2) {
		tp_sep(tp, 4);
		tb_hex(tp->b, (uint32_t)ARG(5));
	}
	return true;
}

static bool dec_pipe(struct sc_tprint *tp)
{
	if (!tp->exiting)
		return false;
	arg_out(tp, 0, TP_fd_pair, NULL);
	if (tp->c->sys->nargs > 1)
		arg(tp, 1, TP_flags, &sc_xlat_open_flags);
	return true;
}

/* sendfile's offset is read and written: [before] => [after]. */
static bool dec_sendfile(struct sc_tprint *tp)
{
	int64_t off;
	if (!tp->exiting) {
		arg(tp, 0, TP_fd, NULL);
		arg(tp, 1, TP_fd, NULL);
		arg(tp, 2, TP_off_ptr, NULL);
		if (ARG(2) && tp_read(tp, ARG(2), &off, 8) && ARG(3))
			return false;
		arg(tp, 3, TP_lu, NULL);
		return true;
	}
	if (tp->c->next_arg > 3)
		return true;
	if (!tp->c->err && tp->c->ret && tp_read(tp, ARG(2), &off, 8))
		tb_printf(tp->b, " => [%lld]", (long long)off);
	arg(tp, 3, TP_lu, NULL);
	return true;
}

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

static bool dec_fcntl(struct sc_tprint *tp)
{
	struct sc_trace_call *c = tp->c;
	uint32_t cmd = (uint32_t)ARG(1);
	if (!tp->exiting) {
		arg(tp, 0, TP_fd, NULL);
		arg(tp, 1, TP_enum, &sc_xlat_fcntl_cmds);
	}
	switch (cmd) {
	case 0: case 1030: /* F_DUPFD, F_DUPFD_CLOEXEC */
		if (!tp->exiting)
			arg(tp, 2, TP_u, NULL);
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
			set_aux_tbuf(tp, &b);
		}
		return true;
	case 2: /* F_SETFD */
		if (!tp->exiting)
			arg(tp, 2, TP_flags, &sc_xlat_fd_flags);
		return true;
	case 3: /* F_GETFL */
		if (tp->exiting && !c->err) {
			c->ret_override = TR_hex;
			struct sc_tbuf b = { 0 };
			struct sc_tprint t2 = *tp;
			t2.b = &b;
			tb_puts(&b, "flags ");
			tp_open_flags(&t2, (uint64_t)c->ret);
			set_aux_tbuf(tp, &b);
		}
		return true;
	case 4: /* F_SETFL */
		if (!tp->exiting)
			arg(tp, 2, TP_oflags, NULL);
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
			arg(tp, 2, TP_d, NULL);
		return true;
	case 10: /* F_SETSIG */
		if (!tp->exiting)
			arg(tp, 2, TP_signo, NULL);
		return true;
	case 1024: /* F_SETLEASE */
		if (!tp->exiting)
			arg(tp, 2, TP_enum, &sc_xlat_lease_types);
		return true;
	case 1026: /* F_NOTIFY */
		if (!tp->exiting)
			arg(tp, 2, TP_flags, &sc_xlat_notify_flags);
		return true;
	case 1033: /* F_ADD_SEALS */
		if (!tp->exiting)
			arg(tp, 2, TP_flags, &sc_xlat_seals);
		return true;
	case 1034: /* F_GET_SEALS */
		if (tp->exiting && !c->err) {
			c->ret_override = TR_hex;
			struct sc_tbuf b = { 0 };
			struct sc_tprint t2 = *tp;
			t2.b = &b;
			tb_puts(&b, "seals ");
			tp_xlat_flags(&t2, &sc_xlat_seals, (uint64_t)c->ret);
			set_aux_tbuf(tp, &b);
		}
		return true;
	case 1025: /* F_GETLEASE */
		if (tp->exiting && !c->err) {
			const char *n = tp_xlat_name(tp, &sc_xlat_lease_types, (uint64_t)c->ret);
			if (n) {
				c->ret_override = TR_hex;
				set_aux(tp, n);
			}
		}
		return true;
	case 9: case 11: case 1032: /* F_GETOWN, F_GETSIG, F_GETPIPE_SZ */
		return true;
	default:
		if (!tp->exiting)
			arg(tp, 2, TP_x, NULL);
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

static bool dec_ioctl(struct sc_tprint *tp)
{
	uint32_t req = (uint32_t)ARG(1);
	struct sc_trace_call *c = tp->c;
	if (!tp->exiting) {
		arg(tp, 0, TP_fd, NULL);
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
			arg(tp, 2, TP_x, NULL);
		return true;
	case XLAT:
		if (!tp->exiting)
			arg(tp, 2, TP_enum, x);
		return true;
	case DEC:
		if (!tp->exiting)
			arg(tp, 2, TP_d, NULL);
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
			arg(tp, 2, TP_int_ptr, NULL);
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

/* ------------------------------------------------------------------ process */

static bool dec_prctl(struct sc_tprint *tp)
{
	uint32_t opt = (uint32_t)ARG(0);
	if (!tp->exiting)
		arg(tp, 0, TP_enum, &sc_xlat_prctl_options);
	switch (opt) {
	case 15: /* PR_SET_NAME */
		if (!tp->exiting)
			arg(tp, 1, TP_str, NULL);
		return true;
	case 16: /* PR_GET_NAME */
		if (!tp->exiting)
			return false;
		tp_sep(tp, 1);
		if (tp->c->err)
			tp_addr(tp, ARG(1));
		else
			tp_str(tp, ARG(1), 16, TQ_NUL);
		return true;
	case 1: /* PR_SET_PDEATHSIG */
		if (!tp->exiting)
			arg(tp, 1, TP_signo, NULL);
		return true;
	case 2: /* PR_GET_PDEATHSIG */
		if (!tp->exiting)
			return false;
		arg_out(tp, 1, TP_int_ptr, NULL);
		return true;
	case 3: case 7: case 19: case 21: case 30: case 37: case 39: case 42: case 46: case 58:
		/* getters without arguments */
		return true;
	case 4: case 8: case 29: case 36: case 38: case 41:
		if (!tp->exiting) {
			arg(tp, 1, TP_lu, NULL);
			if (opt == 38 || opt == 41)
				for (int i = 2; i < 5; i++)
					arg(tp, i, TP_lu, NULL);
		}
		return true;
	default:
		if (!tp->exiting)
			for (int i = 1; i < 5; i++)
				arg(tp, i, TP_x, NULL);
		return true;
	}
}

static bool dec_arch_prctl(struct sc_tprint *tp)
{
	uint32_t code = (uint32_t)ARG(0);
	if (!tp->exiting)
		arg(tp, 0, TP_enum, &sc_xlat_arch_prctl_codes);
	if (code == 0x1003 || code == 0x1004) { /* ARCH_GET_FS/GS */
		if (!tp->exiting)
			return false;
		tp_sep(tp, 1);
		uint64_t v;
		if (tp->c->err || !tp_read(tp, ARG(1), &v, 8)) {
			tp_addr(tp, ARG(1));
		} else {
			tb_putc(tp->b, '[');
			tb_hex(tp->b, v);
			tb_putc(tp->b, ']');
		}
		return true;
	}
	if (!tp->exiting)
		arg(tp, 1, TP_x, NULL);
	return true;
}

/* rt_sigreturn({mask=[...]}): the mask of the frame the call restores, at the guest's SP. */
static bool dec_rt_sigreturn(struct sc_tprint *tp)
{
	if (tp->exiting)
		return true;
	uint64_t sp = 0, m;
	uc_reg_read(tp->t->uc, tp->p->arch->sp_reg, &sp);
	uint64_t at = sp + (tp->arch == SC_XA_ARM64 ? 168 : 296);
	/* the call "returns" the frame's rax / x0 */
	uint64_t ret_at = sp + (tp->arch == SC_XA_ARM64 ? 312 : 144);
	if (!tp_read(tp, ret_at, &tp->c->saved[0], 8))
		tp->c->saved[0] = 0;
	tp_sep(tp, 0);
	tb_puts(tp->b, "{mask=");
	if (tp_read(tp, at, &m, 8))
		tp_sigset(tp, at, 8);
	else
		tp_addr(tp, at);
	tb_putc(tp->b, '}');
	tp->c->next_arg = 1;
	return true;
}

static bool dec_sched_getscheduler(struct sc_tprint *tp)
{
	if (!tp->exiting) {
		arg(tp, 0, TP_d, NULL);
		return true;
	}
	const char *n = tp->c->err ? NULL : tp_xlat_name(tp, &sc_xlat_sched_policies,
							 (uint64_t)tp->c->ret & ~0x40000000ull);
	if (n) {
		if (tp->c->ret & 0x40000000) {
			snprintf(tp->c->auxbuf, sizeof tp->c->auxbuf, "%s|SCHED_RESET_ON_FORK", n);
			tp->c->aux = tp->c->auxbuf;
		} else {
			set_aux(tp, n);
		}
	}
	return true;
}

static bool dec_getresid(struct sc_tprint *tp)
{
	if (!tp->exiting)
		return false;
	for (int i = 0; i < 3; i++)
		arg_out(tp, i, TP_uid_ptr, NULL);
	return true;
}

static bool dec_getgroups(struct sc_tprint *tp)
{
	if (!tp->exiting) {
		arg(tp, 0, TP_d, NULL);
		return false;
	}
	tp_sep(tp, 1);
	if (tp->c->err || !ARG(0)) {
		tp_addr(tp, ARG(1));
	} else {
		struct sc_trace_arg a = { TP_gid_list, -1, NULL };
		uint64_t save = tp->c->args[0];
		tp->c->args[0] = (uint64_t)tp->c->ret;
		a.param = 0;
		tp_arg(tp, 1, &a);
		tp->c->args[0] = save;
	}
	return true;
}

static void print_cpuset(struct sc_tprint *tp, uint64_t addr, uint64_t bytes)
{
	if (!addr) {
		tb_puts(tp->b, "NULL");
		return;
	}
	tb_putc(tp->b, '[');
	bool first = true;
	for (uint64_t i = 0; i < bytes; i++) {
		uint8_t v;
		if (!tp_read(tp, addr + i, &v, 1))
			break;
		for (int bit = 0; bit < 8; bit++)
			if (v & (1u << bit)) {
				if (!first)
					tb_putc(tp->b, ' ');
				first = false;
				tb_udec(tp->b, i * 8 + (uint64_t)bit);
			}
	}
	tb_putc(tp->b, ']');
}

static bool dec_sched_affinity(struct sc_tprint *tp)
{
	bool get = strcmp(tp->c->sys->meta->name, "sched_getaffinity") == 0;
	if (!tp->exiting) {
		arg(tp, 0, TP_d, NULL);
		arg(tp, 1, TP_u, NULL);
		if (get)
			return false;
		tp_sep(tp, 2);
		print_cpuset(tp, ARG(2), (uint32_t)ARG(1));
		return true;
	}
	if (!get)
		return true;
	tp_sep(tp, 2);
	if (tp->c->err)
		tp_addr(tp, ARG(2));
	else
		print_cpuset(tp, ARG(2), (uint64_t)tp->c->ret);
	return true;
}

static bool dec_nanosleep(struct sc_tprint *tp)
{
	int base = strcmp(tp->c->sys->meta->name, "clock_nanosleep") == 0 ? 2 : 0;
	if (!tp->exiting) {
		if (base) {
			arg(tp, 0, TP_clockid, NULL);
			arg(tp, 1, TP_flags, &sc_xlat_timer_flags);
		}
		arg(tp, base, TP_timespec, NULL);
		return false;
	}
	tp_sep(tp, base + 1);
	if (tp->c->err == 4 /* EINTR */)
		tp_timespec(tp, ARG(base + 1));
	else
		tp_addr(tp, ARG(base + 1));
	return true;
}

static void print_wstatus(struct sc_tbuf *b, int s, struct sc_tprint *tp)
{
	if ((s & 0x7f) == 0) {
		tb_printf(b, "[{WIFEXITED(s) && WEXITSTATUS(s) == %d", (s >> 8) & 0xff);
	} else if (((s & 0x7f) + 1) >> 1 > 0 && (s & 0xff) != 0x7f) {
		tb_puts(b, "[{WIFSIGNALED(s) && WTERMSIG(s) == ");
		tp_signame(tp, s & 0x7f);
		if (s & 0x80)
			tb_puts(b, " && WCOREDUMP(s)");
	} else {
		tb_puts(b, "[{WIFSTOPPED(s) && WSTOPSIG(s) == ");
		tp_signame(tp, (s >> 8) & 0xff);
	}
	tb_puts(b, "}]");
}

static bool dec_wait4(struct sc_tprint *tp)
{
	if (!tp->exiting) {
		arg(tp, 0, TP_d, NULL);
		return false;
	}
	tp_sep(tp, 1);
	int32_t s;
	if (!ARG(1))
		tb_puts(tp->b, "NULL");
	else if (tp->c->err || tp->c->ret == 0 || !tp_read(tp, ARG(1), &s, 4))
		tp_addr(tp, ARG(1));
	else
		print_wstatus(tp->b, s, tp);
	arg(tp, 2, TP_flags, &sc_xlat_wait_options);
	arg_out(tp, 3, TP_rusage, NULL);
	return true;
}

static bool dec_clone(struct sc_tprint *tp)
{
	if (tp->exiting)
		return true;
	struct sc_tbuf *b = tp->b;
	uint64_t flags = ARG(0);
	bool arm = tp->arch == SC_XA_ARM64;
	uint64_t ctid = arm ? ARG(4) : ARG(3), tls = arm ? ARG(3) : ARG(4);
	tp_sep(tp, 0);
	tb_puts(b, "child_stack=");
	tp_addr(tp, ARG(1));
	tb_puts(b, ", flags=");
	bool any = false;
	uint64_t f = flags & ~0xffull;
	if (f) {
		struct sc_tbuf t = { 0 };
		struct sc_tprint t2 = *tp;
		t2.b = &t;
		tp_xlat_flags(&t2, &sc_xlat_clone_flags, f);
		if (t.lost)
			b->lost = true;
		else
			tb_puts(b, t.p);
		free(t.p);
		any = true;
	}
	if (flags & 0xff) {
		if (any)
			tb_putc(b, '|');
		tp_signame(tp, (int)(flags & 0xff));
		any = true;
	}
	if (!any)
		tb_putc(b, '0');
	if (flags & 0x00100000) { /* CLONE_PARENT_SETTID */
		tb_puts(b, ", parent_tid=");
		tp_addr(tp, ARG(2));
	}
	if (flags & (0x01000000 | 0x00200000)) { /* CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID */
		tb_puts(b, ", child_tidptr=");
		tp_addr(tp, ctid);
	}
	if (flags & 0x00080000) { /* CLONE_SETTLS */
		tb_puts(b, ", tls=");
		tp_addr(tp, tls);
	}
	tp->c->next_arg = 5;
	return true;
}

static bool dec_execve(struct sc_tprint *tp)
{
	if (tp->exiting)
		return true;
	int base = strcmp(tp->c->sys->meta->name, "execveat") == 0;
	if (base)
		arg(tp, 0, TP_dirfd, NULL);
	arg(tp, base, TP_path, NULL);
	arg(tp, base + 1, TP_argv, NULL);
	arg(tp, base + 2, TP_envp, NULL);
	if (base)
		arg(tp, 4, TP_flags, &sc_xlat_at_flags);
	return true;
}

/* ------------------------------------------------------------------ memory */

static bool dec_mmap(struct sc_tprint *tp)
{
	if (tp->exiting)
		return true;
	arg(tp, 0, TP_ptr, NULL);
	arg(tp, 1, TP_lu, NULL);
	arg(tp, 2, TP_flags, &sc_xlat_prot);
	arg(tp, 3, TP_mflags, NULL);
	arg(tp, 4, TP_fd, NULL);
	arg(tp, 5, TP_x, NULL);
	return true;
}

static bool dec_mremap(struct sc_tprint *tp)
{
	if (tp->exiting)
		return true;
	arg(tp, 0, TP_ptr, NULL);
	arg(tp, 1, TP_lu, NULL);
	arg(tp, 2, TP_lu, NULL);
	arg(tp, 3, TP_flags, &sc_xlat_mremap_flags);
	if ((ARG(3) & 3) == 3)
		arg(tp, 4, TP_ptr, NULL);
	return true;
}

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

static bool dec_poll(struct sc_tprint *tp, bool ppoll)
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
		arg(tp, 1, TP_u, NULL);
		if (ppoll) {
			arg(tp, 2, TP_timespec, NULL);
			tp_sep(tp, 3);
			tp_sigset(tp, ARG(3), ARG(4));
			arg(tp, 4, TP_lu, NULL);
		} else {
			arg(tp, 2, TP_d, NULL);
		}
		return true;
	}
	if (c->err)
		return true;
	if (c->ret == 0) {
		set_aux(tp, "Timeout");
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
	set_aux_tbuf(tp, &b);
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

static bool dec_select(struct sc_tprint *tp, bool pselect)
{
	struct sc_trace_call *c = tp->c;
	int n = (int32_t)ARG(0);
	if (!tp->exiting) {
		arg(tp, 0, TP_d, NULL);
		for (int i = 1; i <= 3; i++) {
			tp_sep(tp, i);
			print_fdset(tp, tp->b, ARG(i), n, true);
		}
		arg(tp, 4, pselect ? TP_timespec : TP_timeval, NULL);
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
		set_aux(tp, "Timeout");
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
		set_aux_tbuf(tp, &b);
	return true;
}

static bool dec_epoll_wait(struct sc_tprint *tp)
{
	const char *name = tp->c->sys->meta->name;
	bool pwait = strcmp(name, "epoll_wait") != 0, pwait2 = !strcmp(name, "epoll_pwait2");
	if (!tp->exiting) {
		arg(tp, 0, TP_fd, NULL);
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
	arg(tp, 2, TP_d, NULL);
	arg(tp, 3, pwait2 ? TP_timespec : TP_d, NULL);
	if (pwait) {
		tp_sep(tp, 4);
		tp_sigset(tp, ARG(4), ARG(5));
		arg(tp, 5, TP_lu, NULL);
	}
	return true;
}

/* ------------------------------------------------------------------ */

bool ts_decode(struct sc_tprint *tp)
{
	switch ((enum sc_trace_special)tp->c->sys->special) {
	case TS_open: return dec_open(tp, 0);
	case TS_openat: return dec_open(tp, 1);
	case TS_mknod: return dec_mknod(tp);
	case TS_getcwd: return dec_getcwd(tp);
	case TS_readv: return dec_readv(tp, false);
	case TS_preadv: return dec_readv(tp, true);
	case TS_pipe: return dec_pipe(tp);
	case TS_fcntl: return dec_fcntl(tp);
	case TS_ioctl: return dec_ioctl(tp);
	case TS_prctl: return dec_prctl(tp);
	case TS_arch_prctl: return dec_arch_prctl(tp);
	case TS_getresid: return dec_getresid(tp);
	case TS_sendfile: return dec_sendfile(tp);
	case TS_rt_sigreturn: return dec_rt_sigreturn(tp);
	case TS_sched_getscheduler: return dec_sched_getscheduler(tp);
	case TS_getgroups: return dec_getgroups(tp);
	case TS_sched_affinity: return dec_sched_affinity(tp);
	case TS_nanosleep: return dec_nanosleep(tp);
	case TS_wait4: return dec_wait4(tp);
	case TS_clone: return dec_clone(tp);
	case TS_execve: return dec_execve(tp);
	case TS_mmap: return dec_mmap(tp);
	case TS_mremap: return dec_mremap(tp);
	case TS_poll: return dec_poll(tp, false);
	case TS_ppoll: return dec_poll(tp, true);
	case TS_select: return dec_select(tp, false);
	case TS_pselect6: return dec_select(tp, true);
	case TS_epoll_wait: return dec_epoll_wait(tp);
	default: return ts_decode_net(tp);
	}
}
