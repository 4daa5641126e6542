/* Sockets as strace prints them: families, types and protocols, socket addresses, socket
 * options, and the message headers of sendmsg/recvmsg with their control messages. */
#include "trace.h"

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
	struct sc_tbuf *b = tp->b;
	uint8_t sa[128];
	if (!addr) {
		tb_puts(b, "NULL");
		return;
	}
	if (len <= 0 || len > (int64_t)sizeof sa) {
		tp_addr(tp, addr);
		return;
	}
	if (!tp_read(tp, addr, sa, (size_t)len)) {
		tp_addr(tp, addr);
		return;
	}
	uint16_t fam = len >= 2 ? (uint16_t)(sa[0] | sa[1] << 8) : 0;
	tb_puts(b, "{sa_family=");
	tp_xlat_enum(tp, &sc_xlat_address_families, fam);
	if (fam == AF_UNIX_) {
		size_t n = (size_t)len - 2;
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
		tb_printf(b, ", sin_port=htons(%u), sin_addr=inet_addr(\"%u.%u.%u.%u\")",
			  (unsigned)(sa[2] << 8 | sa[3]), sa[4], sa[5], sa[6], sa[7]);
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
		tb_printf(b, ", sin6_port=htons(%u), sin6_flowinfo=htonl(%u), inet_pton(AF_INET6, \"%s\", "
			     "&sin6_addr), sin6_scope_id=%u", (unsigned)(sa[2] << 8 | sa[3]), flow, txt, scope);
	} else if (len > 2) {
		tb_puts(b, ", sa_data=");
		tp_quoted(b, sa + 2, (size_t)len - 2, 0, tp->tr->xflag, NULL);
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

struct kmsghdr {
	uint64_t name;
	uint32_t namelen, pad;
	uint64_t iov, iovlen, control, controllen;
	uint32_t flags, pad2;
};

static void print_cmsgs(struct sc_tprint *tp, uint64_t addr, uint64_t len)
{
	struct sc_tbuf *b = tp->b;
	if (!addr || !len) {
		tp_addr(tp, addr);
		return;
	}
	uint8_t buf[1024];
	if (len > sizeof buf)
		len = sizeof buf;
	if (!tp_read(tp, addr, buf, (size_t)len)) {
		tp_addr(tp, addr);
		return;
	}
	tb_putc(b, '[');
	uint64_t off = 0;
	for (int n = 0; off + 16 <= len; n++) {
		uint64_t clen;
		int32_t level, type;
		memcpy(&clen, buf + off, 8);
		memcpy(&level, buf + off + 8, 4);
		memcpy(&type, buf + off + 12, 4);
		if (n)
			tb_puts(b, ", ");
		tb_printf(b, "{cmsg_len=%llu, cmsg_level=", (unsigned long long)clen);
		tp_xlat_enum(tp, &sc_xlat_socket_levels, (uint32_t)level);
		tb_puts(b, ", cmsg_type=");
		if (level == 1)
			tp_xlat_enum(tp, &sc_xlat_scm_types, (uint32_t)type);
		else
			tb_hex(b, (uint32_t)type);
		if (clen > 16 && off + clen <= len) {
			const uint8_t *d = buf + off + 16;
			size_t dl = (size_t)clen - 16;
			tb_puts(b, ", cmsg_data=");
			if (level == 1 && type == 1) {
				tb_putc(b, '[');
				for (size_t i = 0; i + 4 <= dl; i += 4) {
					int32_t fd;
					memcpy(&fd, d + i, 4);
					if (i)
						tb_puts(b, ", ");
					tp_fd(tp, fd);
				}
				tb_putc(b, ']');
			} else if (level == 1 && type == 2 && dl >= 12) {
				int32_t v[3];
				memcpy(v, d, 12);
				tb_printf(b, "{pid=%d, uid=%u, gid=%u}", v[0], (uint32_t)v[1], (uint32_t)v[2]);
			} else {
				tp_quoted(b, d, dl, TQ_HEX, tp->tr->xflag, NULL);
			}
		}
		tb_putc(b, '}');
		if (clen < 16)
			break;
		off += (clen + 7) & ~7ull;
	}
	tb_putc(b, ']');
}

void tp_print_iov(struct sc_tprint *tp, uint64_t addr, uint64_t cnt, bool data, uint64_t limit);

static void print_msghdr(struct sc_tprint *tp, uint64_t addr, uint64_t data_limit, bool out)
{
	struct sc_tbuf *b = tp->b;
	struct kmsghdr m;
	if (!addr) {
		tb_puts(b, "NULL");
		return;
	}
	if (!tp_read(tp, addr, &m, sizeof m)) {
		tp_addr(tp, addr);
		return;
	}
	tb_puts(b, "{msg_name=");
	tp_sockaddr(tp, m.name, m.namelen);
	tb_printf(b, ", msg_namelen=%u, msg_iov=", m.namelen);
	tp_print_iov(tp, m.iov, m.iovlen, true, data_limit);
	tb_printf(b, ", msg_iovlen=%llu, msg_control=", (unsigned long long)m.iovlen);
	print_cmsgs(tp, m.control, m.controllen);
	tb_printf(b, ", msg_controllen=%llu, msg_flags=", (unsigned long long)m.controllen);
	tp_xlat_flags(tp, &sc_xlat_msg_flags, m.flags);
	tb_putc(b, '}');
	(void)out;
}

static bool dec_msg(struct sc_tprint *tp)
{
	bool recv = tp->c->sys->meta->name[0] == 'r';
	if (!tp->exiting) {
		arg(tp, 0, TP_fd, NULL);
		if (recv)
			return false;
		tp_sep(tp, 1);
		print_msghdr(tp, ARG(1), ~0ull, false);
		arg(tp, 2, TP_flags, &sc_xlat_msg_flags);
		return true;
	}
	if (!recv)
		return true;
	tp_sep(tp, 1);
	if (tp->c->err)
		tp_addr(tp, ARG(1));
	else
		print_msghdr(tp, ARG(1), (uint64_t)tp->c->ret, true);
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
