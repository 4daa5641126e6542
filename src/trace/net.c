/* Sockets as strace prints them: families, types and protocols, socket addresses, socket
 * options; sendmsg/recvmsg around the message headers of net_msg.c. */
#include "print.h"

#include <stdlib.h>
#include <string.h>

#include "xlat.h"

#define ARG(i) (tp->c->args[i])

enum { AF_UNIX_ = 1, AF_INET_ = 2, AF_INET6_ = 10, AF_NETLINK_ = 16 };

static void arg(struct sc_tprint *tp, int i, int pr, const struct sc_xlat *x)
{
	struct sc_trace_arg a = { (uint8_t)pr, -1, x };
	tp_sep(tp, i);
	tp_arg(tp, i, &a);
	tp->c->next_arg = i + 1;
}

/* SOCK_STREAM|SOCK_CLOEXEC */
static void print_socktype(struct sc_tprint *tp, uint32_t t)
{
	const char *n = tp_xlat_name(tp, &sc_xlat_socket_types, t & 0xf);
	if (!n) {
		tp_xlat_flags(tp, &sc_xlat_socket_flags, t);
		return;
	}
	tb_puts(tp->b, n);
	if (t & ~0xfu) {
		tb_putc(tp->b, '|');
		tp_xlat_flags(tp, &sc_xlat_socket_flags, t & ~0xfu);
	}
}

static void print_protocol(struct sc_tprint *tp, int family, uint32_t proto)
{
	if (family == AF_INET_ || family == AF_INET6_)
		tp_xlat_enum(tp, &sc_xlat_ipprotos, proto);
	else
		tb_udec(tp->b, proto);
}

/* A socket address of len bytes: {sa_family=AF_UNIX, sun_path="..."}, ... */
void tp_sockaddr(struct sc_tprint *tp, uint64_t addr, int64_t len)
{
	uint8_t sa[128];
	if (!addr) {
		tb_puts(tp->b, "NULL");
		return;
	}
	if (len <= 0 || len > (int64_t)sizeof sa || !tp_read(tp, addr, sa, (size_t)len)) {
		tp_addr(tp, addr);
		return;
	}
	tp_sockaddr_data(tp, sa, (size_t)len);
}

/* inet_addr("127.0.0.1"): the text is a string to strace, in hex under -xx. */
void tp_inet_addr(struct sc_tprint *tp, const uint8_t *a)
{
	char txt[16];
	int n = snprintf(txt, sizeof txt, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	tb_puts(tp->b, "inet_addr(");
	tp_quoted(tp->b, (const uint8_t *)txt, (size_t)n, 0, tp->tr->xflag, NULL);
	tb_putc(tp->b, ')');
}

/* The address itself, len bytes (1 to 128) already read: control messages carry some. */
void tp_sockaddr_data(struct sc_tprint *tp, const uint8_t *sa, size_t len)
{
	struct sc_tbuf *b = tp->b;
	uint16_t fam = len >= 2 ? (uint16_t)(sa[0] | sa[1] << 8) : 0;
	tb_puts(b, "{sa_family=");
	tp_xlat_enum(tp, &sc_xlat_address_families, fam);
	if (fam == AF_UNIX_) {
		size_t n = len - 2;
		const uint8_t *path = sa + 2;
		tb_puts(b, ", sun_path=");
		if (n && path[0] == 0) { /* abstract */
			tb_putc(b, '@');
			tp_quoted(b, path + 1, n - 1, 0, tp->tr->xflag, NULL);
		} else {
			size_t l = strnlen((const char *)path, n);
			tp_quoted(b, path, l, 0, tp->tr->xflag, NULL);
		}
	} else if (fam == AF_INET_ && len >= 16) {
		tb_printf(b, ", sin_port=htons(%u), sin_addr=", (unsigned)(sa[2] << 8 | sa[3]));
		tp_inet_addr(tp, sa + 4);
	} else if (fam == AF_INET6_ && len >= 24) {
		char txt[64];
		size_t o = 0;
		/* RFC 5952 text: the longest run of zero groups (two or more) becomes "::" */
		uint16_t g[8];
		for (int i = 0; i < 8; i++)
			g[i] = (uint16_t)(sa[8 + 2 * i] << 8 | sa[9 + 2 * i]);
		int best = -1, bestlen = 0;
		for (int i = 0; i < 8;) {
			int j = i;
			while (j < 8 && !g[j])
				j++;
			if (j - i > bestlen && j - i >= 2) {
				best = i;
				bestlen = j - i;
			}
			i = j > i ? j : i + 1;
		}
		for (int i = 0; i < 8; i++) {
			if (i == best) {
				o += (size_t)snprintf(txt + o, sizeof txt - o, "::");
				i += bestlen - 1;
				continue;
			}
			o += (size_t)snprintf(txt + o, sizeof txt - o, "%s%x",
					      i && i != best + bestlen ? ":" : "", g[i]);
		}
		uint32_t flow = (uint32_t)sa[4] << 24 | (uint32_t)sa[5] << 16 | (uint32_t)sa[6] << 8 | sa[7];
		uint32_t scope = len >= 28 ? (uint32_t)(sa[24] | sa[25] << 8 | sa[26] << 16 | (uint32_t)sa[27] << 24) : 0;
		tb_printf(b, ", sin6_port=htons(%u), sin6_flowinfo=htonl(%u), inet_pton(AF_INET6, ",
			  (unsigned)(sa[2] << 8 | sa[3]), flow);
		tp_quoted(b, (const uint8_t *)txt, o, 0, tp->tr->xflag, NULL);
		tb_printf(b, ", &sin6_addr), sin6_scope_id=%u", scope);
	} else if (len > 2) {
		tb_puts(b, ", sa_data=");
		tp_quoted(b, sa + 2, len - 2, 0, tp->tr->xflag, NULL);
	}
	tb_putc(b, '}');
}

/* [len] or [before => after] for the in/out socklen_t pointers. */
static void print_socklen(struct sc_tprint *tp, uint64_t addr, int32_t before, bool have_before)
{
	int32_t after;
	if (!addr) {
		tb_puts(tp->b, "NULL");
		return;
	}
	if (!have_before) {
		tp_addr(tp, addr);
		return;
	}
	if (tp->c->err || !tp_read(tp, addr, &after, 4) || after == before) {
		tb_printf(tp->b, "[%d]", before);
		return;
	}
	tb_printf(tp->b, "[%d => %d]", before, after);
}

static bool dec_socket(struct sc_tprint *tp, bool pair)
{
	if (!tp->exiting) {
		int fam = (int32_t)ARG(0);
		arg(tp, 0, TP_enum, &sc_xlat_address_families);
		tp_sep(tp, 1);
		print_socktype(tp, (uint32_t)ARG(1));
		tp_sep(tp, 2);
		print_protocol(tp, fam, (uint32_t)ARG(2));
		tp->c->next_arg = 3;
		if (!pair)
			tp->c->ret_override = TR_fd;
		return !pair;
	}
	if (!pair)
		return true;
	tp_sep(tp, 3);
	if (tp->c->err)
		tp_addr(tp, ARG(3));
	else
		tp_arg(tp, 3, &(struct sc_trace_arg){ TP_fd_pair, -1, NULL });
	return true;
}

/* accept, accept4, getsockname, getpeername: the address and its length come back. */
static bool dec_sockname(struct sc_tprint *tp)
{
	struct sc_trace_call *c = tp->c;
	bool accept4 = !strcmp(c->sys->meta->name, "accept4");
	if (!tp->exiting) {
		arg(tp, 0, TP_fd, NULL);
		int32_t l;
		c->saved[0] = ARG(2) && tp_read(tp, ARG(2), &l, 4) ? 1 : 0;
		c->saved[1] = c->saved[0] ? (uint64_t)(int64_t)l : 0;
		if (c->sys->meta->name[0] == 'a')
			c->ret_override = TR_fd;
		return false;
	}
	tp_sep(tp, 1);
	int32_t len;
	if (c->err || !ARG(2) || !tp_read(tp, ARG(2), &len, 4))
		tp_addr(tp, ARG(1));
	else
		tp_sockaddr(tp, ARG(1), len < (int32_t)c->saved[1] ? len : (int64_t)c->saved[1]);
	tp_sep(tp, 2);
	print_socklen(tp, ARG(2), (int32_t)c->saved[1], c->saved[0]);
	if (accept4) {
		tp_sep(tp, 3);
		tp_xlat_flags(tp, &sc_xlat_socket_flags, (uint32_t)ARG(3));
	}
	c->ret_override = c->sys->meta->name[0] == 'a' ? TR_fd : -1;
	return true;
}

static bool dec_recvfrom(struct sc_tprint *tp)
{
	struct sc_trace_call *c = tp->c;
	if (!tp->exiting) {
		arg(tp, 0, TP_fd, NULL);
		int32_t l;
		c->saved[0] = ARG(5) && tp_read(tp, ARG(5), &l, 4) ? 1 : 0;
		c->saved[1] = c->saved[0] ? (uint64_t)(int64_t)l : 0;
		return false;
	}
	tp_sep(tp, 1);
	if (c->err)
		tp_addr(tp, ARG(1));
	else
		tp_str(tp, ARG(1), (uint64_t)c->ret < ARG(2) ? (uint64_t)c->ret : ARG(2), 0);
	arg(tp, 2, TP_lu, NULL);
	arg(tp, 3, TP_flags, &sc_xlat_msg_flags);
	tp_sep(tp, 4);
	int32_t len;
	if (!ARG(4))
		tb_puts(tp->b, "NULL");
	else if (c->err || !ARG(5) || !tp_read(tp, ARG(5), &len, 4))
		tp_addr(tp, ARG(4));
	else
		tp_sockaddr(tp, ARG(4), len < (int32_t)c->saved[1] ? len : (int64_t)c->saved[1]);
	tp_sep(tp, 5);
	print_socklen(tp, ARG(5), (int32_t)c->saved[1], c->saved[0]);
	return true;
}

/* ------------------------------------------------------------------ messages */

/* recvmsg keeps msg_namelen as the caller gave it (saved[1], saved[0] set when the header
 * was readable at entry): strace shows "N => M" and, after a failure, only {msg_namelen=N}. */
static bool dec_msg(struct sc_tprint *tp)
{
	struct sc_trace_call *c = tp->c;
	bool recv = c->sys->meta->name[0] == 'r';
	if (!tp->exiting) {
		arg(tp, 0, TP_fd, NULL);
		if (recv) {
			uint8_t h[56];
			int32_t l = 0;
			c->saved[0] = tp_read(tp, ARG(1), h, sizeof h);
			if (c->saved[0])
				memcpy(&l, h + 8, 4);
			c->saved[1] = (uint64_t)(int64_t)l;
			return false;
		}
		tp_sep(tp, 1);
		tp_msghdr_at(tp, ARG(1), NULL, ~0ull);
		arg(tp, 2, TP_flags, &sc_xlat_msg_flags);
		return true;
	}
	if (!recv)
		return true;
	int32_t user = (int32_t)c->saved[1];
	tp_sep(tp, 1);
	if (!c->saved[0])
		tp_addr(tp, ARG(1));
	else if (c->err)
		tb_printf(tp->b, "{msg_namelen=%d}", user);
	else
		tp_msghdr_at(tp, ARG(1), &user, (uint64_t)c->ret);
	arg(tp, 2, TP_flags, &sc_xlat_msg_flags);
	return true;
}

/* ------------------------------------------------------------------ socket options */

static const struct sc_xlat *optnames(int level)
{
	switch (level) {
	case 1: return &sc_xlat_sol_socket_opts;
	case 6: return &sc_xlat_sol_tcp_opts;
	case 0: return &sc_xlat_sol_ip_opts;
	case 41: return &sc_xlat_sol_ipv6_opts;
	default: return NULL;
	}
}

static void print_optval(struct sc_tprint *tp, uint64_t addr, int level, int name, int64_t len)
{
	struct sc_tbuf *b = tp->b;
	if (!addr) {
		tb_puts(b, "NULL");
		return;
	}
	if (level == 1 && name == 17 && len >= 12) { /* SO_PEERCRED */
		int32_t v[3];
		if (tp_read(tp, addr, v, sizeof v)) {
			tb_printf(b, "{pid=%d, uid=%u, gid=%u}", v[0], (uint32_t)v[1], (uint32_t)v[2]);
			return;
		}
	}
	if (level == 1 && name == 13 && len >= 8) { /* SO_LINGER */
		int32_t v[2];
		if (tp_read(tp, addr, v, sizeof v)) {
			tb_printf(b, "{l_onoff=%d, l_linger=%d}", v[0], v[1]);
			return;
		}
	}
	if (len == 4) {
		int32_t v;
		if (tp_read(tp, addr, &v, 4)) {
			tb_printf(b, "[%d]", v);
			return;
		}
	}
	if (len > 0) {
		tp_str(tp, addr, (uint64_t)len, TQ_HEX);
		return;
	}
	tp_addr(tp, addr);
}

static bool dec_sockopt(struct sc_tprint *tp)
{
	struct sc_trace_call *c = tp->c;
	bool get = c->sys->meta->name[0] == 'g';
	int level = (int32_t)ARG(1), name = (int32_t)ARG(2);
	if (!tp->exiting) {
		arg(tp, 0, TP_fd, NULL);
		tp_sep(tp, 1);
		tp_xlat_enum(tp, &sc_xlat_socket_levels, (uint32_t)level);
		tp_sep(tp, 2);
		const struct sc_xlat *x = optnames(level);
		if (x)
			tp_xlat_enum(tp, x, (uint32_t)name);
		else
			tb_udec(tp->b, (uint32_t)name);
		c->next_arg = 3;
		if (!get) {
			tp_sep(tp, 3);
			print_optval(tp, ARG(3), level, name, (int32_t)ARG(4));
			arg(tp, 4, TP_d, NULL);
			return true;
		}
		int32_t l;
		c->saved[0] = ARG(4) && tp_read(tp, ARG(4), &l, 4) ? 1 : 0;
		c->saved[1] = c->saved[0] ? (uint64_t)(int64_t)l : 0;
		return false;
	}
	if (!get)
		return true;
	tp_sep(tp, 3);
	int32_t len;
	if (c->err || !tp_read(tp, ARG(4), &len, 4))
		tp_addr(tp, ARG(3));
	else
		print_optval(tp, ARG(3), level, name, len);
	tp_sep(tp, 4);
	print_socklen(tp, ARG(4), (int32_t)c->saved[1], c->saved[0]);
	return true;
}

bool ts_decode_net(struct sc_tprint *tp)
{
	switch ((enum sc_trace_special)tp->c->sys->special) {
	case TS_socket: return dec_socket(tp, false);
	case TS_socketpair: return dec_socket(tp, true);
	case TS_sockname: return dec_sockname(tp);
	case TS_recvfrom: return dec_recvfrom(tp);
	case TS_msg: return dec_msg(tp);
	case TS_sockopt: return dec_sockopt(tp);
	default: return true;
	}
}
