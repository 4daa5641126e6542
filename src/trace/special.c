/* Decoders for the calls whose arguments depend on each other: the mode of open only with
 * O_CREAT, fcntl's and ioctl's argument by command, poll/select results, mmap offsets... Each
 * prints from c->next_arg on, at entry and again at exit, and returns true once the argument
 * list is complete. This file has the helpers they share, the file and memory calls, and the
 * dispatcher; the others are special_fdctl.c (fcntl, ioctl), special_process.c and
 * special_poll.c (and net.c for sockets). */
#include "special.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xlat.h"

/* ------------------------------------------------------------------ helpers (special.h) */

void ts_arg(struct sc_tprint *tp, int i, int pr, const struct sc_xlat *x)
{
	struct sc_trace_arg a = { (uint8_t)pr, -1, x };
	tp_sep(tp, i);
	tp_arg(tp, i, &a);
	tp->c->next_arg = i + 1;
}

void ts_arg_out(struct sc_tprint *tp, int i, int pr, const struct sc_xlat *x)
{
	if (tp->c->err) {
		tp_sep(tp, i);
		tp_addr(tp, ARG(i));
		tp->c->next_arg = i + 1;
	} else {
		ts_arg(tp, i, pr, x);
	}
}

void ts_set_aux(struct sc_tprint *tp, const char *s)
{
	snprintf(tp->c->auxbuf, sizeof tp->c->auxbuf, "%s", s);
	tp->c->aux = tp->c->auxbuf;
}

void ts_set_aux_tbuf(struct sc_tprint *tp, struct sc_tbuf *b)
{
	if (b->lost)
		tp->b->lost = true;
	else
		ts_set_aux(tp, b->p);
	free(b->p);
}

/* ------------------------------------------------------------------ files */

static bool dec_open(struct sc_tprint *tp, int base)
{
	if (tp->exiting)
		return true;
	if (base)
		ts_arg(tp, 0, TP_dirfd, NULL);
	ts_arg(tp, base, TP_path, NULL);
	ts_arg(tp, base + 1, TP_oflags, NULL);
	if (ARG(base + 1) & (0100 | 020000000))
		ts_arg(tp, base + 2, TP_mode, NULL);
	return true;
}

/* openat2's struct open_how: {flags=O_RDONLY|O_CLOEXEC, resolve=RESOLVE_NO_SYMLINKS}. */
static void print_open_how(struct sc_tprint *tp, uint64_t addr, uint64_t size)
{
	struct sc_tbuf *b = tp->b;
	uint64_t how[3];
	if (size < sizeof how || !tp_read(tp, addr, how, sizeof how)) {
		tp_addr(tp, addr);
		return;
	}
	tb_puts(b, "{flags=");
	tb_puts(b, tp_xlat_name(tp, &sc_xlat_open_access, how[0] & 3));
	bool any = true;
	uint64_t rest = tp_flag_names(tp, &sc_xlat_open_flags, how[0] & ~3ull, &any);
	if (rest) {
		tb_putc(b, '|');
		tb_hex(b, rest);
	}
	if ((how[0] & (0100 | 020000000)) || how[1]) /* O_CREAT, __O_TMPFILE */
		tb_printf(b, ", mode=%#03llo", (unsigned long long)how[1]);
	tb_puts(b, ", resolve=");
	tp_xlat_flags(tp, &sc_xlat_open_resolve_flags, how[2]);
	if (size > sizeof how)
		ts_nonzero_tail(tp, addr, sizeof how, size);
	tb_putc(b, '}');
}

static bool dec_openat2(struct sc_tprint *tp)
{
	if (tp->exiting)
		return true;
	ts_arg(tp, 0, TP_dirfd, NULL);
	ts_arg(tp, 1, TP_path, NULL);
	tp_sep(tp, 2);
	print_open_how(tp, ARG(2), ARG(3));
	ts_arg(tp, 3, TP_lu, NULL);
	return true;
}

static bool dec_mknod(struct sc_tprint *tp)
{
	if (tp->exiting)
		return true;
	int base = strcmp(tp->c->sys->meta->name, "mknodat") == 0;
	if (base)
		ts_arg(tp, 0, TP_dirfd, NULL);
	ts_arg(tp, base, TP_path, NULL);
	ts_arg(tp, base + 1, TP_smode, NULL);
	uint32_t type = (uint32_t)ARG(base + 1) & 0170000;
	if (type == 0020000 || type == 0060000)
		ts_arg(tp, base + 2, TP_dev, NULL);
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
	ts_arg(tp, 1, TP_lu, NULL);
	return true;
}

static bool dec_readv(struct sc_tprint *tp, bool preadv)
{
	const char *name = tp->c->sys->meta->name;
	bool write = name[1] == 'w';
	bool v2 = name[strlen(name) - 1] == '2';
	if (!tp->exiting) {
		ts_arg(tp, 0, TP_fd, NULL);
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
	ts_arg(tp, 2, TP_u, NULL);
	if (preadv)
		ts_arg(tp, 3, TP_ld, NULL);
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
	ts_arg_out(tp, 0, TP_fd_pair, NULL);
	if (tp->c->sys->nargs > 1)
		ts_arg(tp, 1, TP_flags, &sc_xlat_open_flags);
	return true;
}

/* sendfile's offset is read and written: [before] => [after]. */
static bool dec_sendfile(struct sc_tprint *tp)
{
	int64_t off;
	if (!tp->exiting) {
		ts_arg(tp, 0, TP_fd, NULL);
		ts_arg(tp, 1, TP_fd, NULL);
		ts_arg(tp, 2, TP_off_ptr, NULL);
		if (ARG(2) && tp_read(tp, ARG(2), &off, 8) && ARG(3))
			return false;
		ts_arg(tp, 3, TP_lu, NULL);
		return true;
	}
	if (tp->c->next_arg > 3)
		return true;
	if (!tp->c->err && tp->c->ret && tp_read(tp, ARG(2), &off, 8))
		tb_printf(tp->b, " => [%lld]", (long long)off);
	ts_arg(tp, 3, TP_lu, NULL);
	return true;
}

/* ------------------------------------------------------------------ memory */

static bool dec_mmap(struct sc_tprint *tp)
{
	if (tp->exiting)
		return true;
	ts_arg(tp, 0, TP_ptr, NULL);
	ts_arg(tp, 1, TP_lu, NULL);
	ts_arg(tp, 2, TP_flags, &sc_xlat_prot);
	ts_arg(tp, 3, TP_mflags, NULL);
	ts_arg(tp, 4, TP_fd, NULL);
	ts_arg(tp, 5, TP_x, NULL);
	return true;
}

static bool dec_mremap(struct sc_tprint *tp)
{
	if (tp->exiting)
		return true;
	ts_arg(tp, 0, TP_ptr, NULL);
	ts_arg(tp, 1, TP_lu, NULL);
	ts_arg(tp, 2, TP_lu, NULL);
	ts_arg(tp, 3, TP_flags, &sc_xlat_mremap_flags);
	if ((ARG(3) & 3) == 3)
		ts_arg(tp, 4, TP_ptr, NULL);
	return true;
}

/* ------------------------------------------------------------------ sockets */

/* sendmmsg/recvmmsg: the vector at exit (with the lengths sent or received); recvmmsg's
 * timeout as it was at entry (kept in saved[]: the call rewrites it), "left {...}" after. */
bool ts_dec_mmsg(struct sc_tprint *tp)
{
	struct sc_trace_call *c = tp->c;
	bool recv = c->sys->meta->name[0] == 'r';
	const uint64_t UNREADABLE = 1ull << 63;
	if (!tp->exiting) {
		ts_arg(tp, 0, TP_fd, NULL);
		int64_t ts[2];
		if (recv && ARG(4) && tp_read(tp, ARG(4), ts, sizeof ts)) {
			c->saved[0] = (uint64_t)ts[0];
			c->saved[1] = (uint64_t)ts[1];
		} else {
			c->saved[1] = UNREADABLE;
		}
		return false;
	}
	tp_sep(tp, 1);
	if (!recv)
		tp_mmsgvec(tp, ARG(1), (uint32_t)ARG(2), c->err ? 0 : (uint64_t)c->ret, false);
	else if (c->err)
		tp_addr(tp, ARG(1));
	else
		tp_mmsgvec(tp, ARG(1), (uint64_t)c->ret, (uint64_t)c->ret, true);
	ts_arg(tp, 2, TP_u, NULL);
	ts_arg(tp, 3, TP_flags, &sc_xlat_msg_flags);
	if (!recv)
		return true;
	tp_sep(tp, 4);
	if (!ARG(4) || c->saved[1] == UNREADABLE)
		tp_addr(tp, ARG(4));
	else
		tp_ts_val(tp->b, (int64_t)c->saved[0], (int64_t)c->saved[1]);
	c->next_arg = 5;
	if (c->err)
		return true;
	if (!c->ret) {
		ts_set_aux(tp, "Timeout");
	} else if (ARG(4)) {
		int64_t ts[2];
		struct sc_tbuf t = { 0 };
		if (tp_read(tp, ARG(4), ts, sizeof ts)) {
			tb_puts(&t, "left ");
			tp_ts_val(&t, ts[0], ts[1]);
			ts_set_aux_tbuf(tp, &t);
		}
	}
	return true;
}

/* ------------------------------------------------------------------ */

bool ts_decode(struct sc_tprint *tp)
{
	switch ((enum sc_trace_special)tp->c->sys->special) {
	case TS_open: return dec_open(tp, 0);
	case TS_openat: return tp->c->sys->meta->name[6] ? dec_openat2(tp) : dec_open(tp, 1);
	case TS_mknod: return dec_mknod(tp);
	case TS_getcwd: return dec_getcwd(tp);
	case TS_readv: return dec_readv(tp, false);
	case TS_preadv: return dec_readv(tp, true);
	case TS_pipe: return dec_pipe(tp);
	case TS_fcntl: return ts_dec_fcntl(tp);
	case TS_ioctl: return ts_dec_ioctl(tp);
	case TS_prctl: return ts_dec_prctl(tp);
	case TS_arch_prctl: return ts_dec_arch_prctl(tp);
	case TS_getresid: return ts_dec_getresid(tp);
	case TS_sendfile: return dec_sendfile(tp);
	case TS_rt_sigreturn: return ts_dec_rt_sigreturn(tp);
	case TS_sched_getscheduler: return ts_dec_sched_getscheduler(tp);
	case TS_getgroups: return ts_dec_getgroups(tp);
	case TS_sched_affinity: return ts_dec_sched_affinity(tp);
	case TS_nanosleep: return ts_dec_nanosleep(tp);
	case TS_wait4: return ts_dec_wait4(tp);
	case TS_clone: return ts_dec_clone(tp);
	case TS_execve: return ts_dec_execve(tp);
	case TS_mmap: return dec_mmap(tp);
	case TS_mremap: return dec_mremap(tp);
	case TS_poll: return ts_dec_poll(tp, false);
	case TS_ppoll: return ts_dec_poll(tp, true);
	case TS_select: return ts_dec_select(tp, false);
	case TS_pselect6: return ts_dec_select(tp, true);
	case TS_epoll_wait: return ts_dec_epoll_wait(tp);
	case TS_futex: return ts_dec_futex(tp);
	case TS_msg: return strstr(tp->c->sys->meta->name, "mmsg") ? ts_dec_mmsg(tp) : ts_decode_net(tp);
	default: return ts_decode_net(tp);
	}
}
