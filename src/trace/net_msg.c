/* Message headers as strace prints them: struct msghdr (sendmsg, recvmsg), the struct mmsghdr
 * vectors of sendmmsg/recvmmsg, and the control messages (cmsghdr) both carry, decoded by
 * level and type: SCM_RIGHTS descriptors, SCM_CREDENTIALS, timestamps, the SOL_IP ones. Both
 * guests are LP64 with the generic socket ABI: one layout (a 16-byte cmsghdr, data 8-aligned). */
#include "print.h"

#include <fcntl.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xlat.h"

enum { SOL_IP_ = 0, SOL_SOCKET_ = 1, CMSG_HDR = 16 };

/* struct msghdr; in struct mmsghdr, msg_len follows. */
struct kmsghdr {
	uint64_t name;
	uint32_t namelen, pad;
	uint64_t iov, iovlen, control, controllen;
	uint32_t flags, pad2;
};
struct kmmsghdr {
	struct kmsghdr hdr;
	uint32_t len, pad;
};
_Static_assert(sizeof(struct kmsghdr) == 56 && sizeof(struct kmmsghdr) == 64, "msghdr layout");

/* ------------------------------------------------------------------ cmsg_data */

static uint32_t u32_at(const uint8_t *d)
{
	uint32_t v;
	memcpy(&v, d, 4);
	return v;
}

static void print_fds(struct sc_tprint *tp, const uint8_t *d, size_t len)
{
	tb_putc(tp->b, '[');
	for (size_t i = 0; i < len / 4; i++) {
		if (i)
			tb_puts(tp->b, ", ");
		if (tp_array_cut(tp, tp->b, i))
			break;
		tp_fd(tp, (int32_t)u32_at(d + 4 * i));
	}
	tb_putc(tp->b, ']');
}

/* strace's printuid: -1 stays -1 (the "no change" id), the rest unsigned. */
static void print_id(struct sc_tbuf *b, uint32_t id)
{
	if (id == UINT32_MAX)
		tb_puts(b, "-1");
	else
		tb_udec(b, id);
}

static void print_creds(struct sc_tprint *tp, const uint8_t *d, size_t len)
{
	(void)len;
	tb_printf(tp->b, "{pid=%d, uid=", (int32_t)u32_at(d));
	print_id(tp->b, u32_at(d + 4));
	tb_puts(tp->b, ", gid=");
	print_id(tp->b, u32_at(d + 8));
	tb_putc(tp->b, '}');
}

static void print_security(struct sc_tprint *tp, const uint8_t *d, size_t len)
{
	tp_quoted(tp->b, d, len, 0, tp->tr->xflag, NULL);
}

/* Timestamps: seconds signed, the fraction unsigned (strace's PRINT_FIELD_U), "???" when the
 * data is too short for what the type promises. */
static void print_times(struct sc_tprint *tp, const uint8_t *d, size_t len, const char *frac,
			unsigned n)
{
	struct sc_tbuf *b = tp->b;
	if (len < 16 * n) {
		tb_puts(b, "???");
		return;
	}
	if (n > 1)
		tb_putc(b, '[');
	for (unsigned i = 0; i < n; i++) {
		int64_t sec;
		uint64_t part;
		memcpy(&sec, d + 16 * i, 8);
		memcpy(&part, d + 16 * i + 8, 8);
		tb_printf(b, "%s{tv_sec=%lld, %s=%llu}", i ? ", " : "", (long long)sec, frac,
			  (unsigned long long)part);
	}
	if (n > 1)
		tb_putc(b, ']');
}

static void print_timeval(struct sc_tprint *tp, const uint8_t *d, size_t len)
{
	print_times(tp, d, len, "tv_usec", 1);
}

static void print_timespec(struct sc_tprint *tp, const uint8_t *d, size_t len)
{
	print_times(tp, d, len, "tv_nsec", 1);
}

static void print_timestamping(struct sc_tprint *tp, const uint8_t *d, size_t len)
{
	print_times(tp, d, len, "tv_nsec", 3);
}

static void print_pktinfo(struct sc_tprint *tp, const uint8_t *d, size_t len)
{
	struct sc_tbuf *b = tp->b;
	char name[IF_NAMESIZE];
	uint32_t ifindex = u32_at(d);
	(void)len;
	tb_puts(b, "{ipi_ifindex=");
	if (ifindex && if_indextoname(ifindex, name)) {
		tb_puts(b, "if_nametoindex(");
		tp_quoted(b, (const uint8_t *)name, strlen(name), 0, tp->tr->xflag, NULL);
		tb_putc(b, ')');
	} else {
		tb_udec(b, ifindex);
	}
	tb_puts(b, ", ipi_spec_dst=");
	tp_inet_addr(tp, d + 4);
	tb_puts(b, ", ipi_addr=");
	tp_inet_addr(tp, d + 8);
	tb_putc(b, '}');
}

static void print_uints(struct sc_tprint *tp, const uint8_t *d, size_t len)
{
	tb_putc(tp->b, '[');
	for (size_t i = 0; i < len / 4; i++) {
		if (i)
			tb_puts(tp->b, ", ");
		if (tp_array_cut(tp, tp->b, i))
			break;
		tb_udec(tp->b, u32_at(d + 4 * i));
	}
	tb_putc(tp->b, ']');
}

static void print_xbytes(struct sc_tprint *tp, const uint8_t *d, size_t len)
{
	tb_putc(tp->b, '[');
	for (size_t i = 0; i < len; i++) {
		if (i)
			tb_puts(tp->b, ", ");
		if (tp_array_cut(tp, tp->b, i))
			break;
		tb_hex(tp->b, d[i]);
	}
	tb_putc(tp->b, ']');
}

/* struct sock_extended_err, then the offender's struct sockaddr_in. */
static void print_recverr(struct sc_tprint *tp, const uint8_t *d, size_t len)
{
	(void)len;
	tb_printf(tp->b, "{ee_errno=%u, ee_origin=%u, ee_type=%u, ee_code=%u, ee_info=%u, ee_data=%u, "
			 "offender=", u32_at(d), d[4], d[5], d[6], u32_at(d + 8), u32_at(d + 12));
	tp_sockaddr_data(tp, d + 16, 16);
	tb_putc(tp->b, '}');
}

static void print_origdstaddr(struct sc_tprint *tp, const uint8_t *d, size_t len)
{
	tp_sockaddr_data(tp, d, len < 128 ? len : 128);
}

/* The data of a type strace decodes, when there is at least min_len of it (else it shows
 * none). Indexed by cmsg_type; the values are the kernel's (asm-generic/socket.h, in.h). */
struct cmsg_printer {
	void (*print)(struct sc_tprint *tp, const uint8_t *d, size_t len);
	size_t min_len;
};
static const struct cmsg_printer socket_printers[] = {
	[1] = { print_fds, 4 },           /* SCM_RIGHTS */
	[2] = { print_creds, 12 },        /* SCM_CREDENTIALS */
	[3] = { print_security, 1 },      /* SCM_SECURITY */
	[29] = { print_timeval, 1 },      /* SO_TIMESTAMP_OLD */
	[35] = { print_timespec, 1 },     /* SO_TIMESTAMPNS_OLD */
	[37] = { print_timestamping, 1 }, /* SO_TIMESTAMPING_OLD */
	[63] = { print_timeval, 1 },      /* SO_TIMESTAMP_NEW */
	[64] = { print_timespec, 1 },     /* SO_TIMESTAMPNS_NEW */
	[65] = { print_timestamping, 1 }, /* SO_TIMESTAMPING_NEW */
};
static const struct cmsg_printer ip_printers[] = {
	[1] = { print_xbytes, 1 },        /* IP_TOS */
	[2] = { print_uints, 4 },         /* IP_TTL */
	[3] = { print_security, 1 },      /* SCM_SECURITY */
	[6] = { print_xbytes, 1 },        /* IP_RECVOPTS */
	[7] = { print_xbytes, 1 },        /* IP_RETOPTS */
	[8] = { print_pktinfo, 12 },      /* IP_PKTINFO */
	[11] = { print_recverr, 32 },     /* IP_RECVERR */
	[20] = { print_origdstaddr, 16 }, /* IP_ORIGDSTADDR */
	[23] = { print_uints, 4 },        /* IP_CHECKSUM */
};

static void print_type_data(struct sc_tprint *tp, int32_t level, int32_t type, const uint8_t *d,
			    size_t len)
{
	const struct cmsg_printer *p = NULL;
	uint32_t t = (uint32_t)type;
	if (level == SOL_SOCKET_) {
		tp_xlat_enum(tp, &sc_xlat_scm_types, t);
		if (t < sizeof socket_printers / sizeof *socket_printers)
			p = &socket_printers[t];
	} else if (level == SOL_IP_) {
		tp_xlat_enum(tp, &sc_xlat_ip_cmsg_types, t);
		if (t < sizeof ip_printers / sizeof *ip_printers)
			p = &ip_printers[t];
	} else {
		tb_hex(tp->b, t);
	}
	if (p && p->print && len >= p->min_len) {
		tb_puts(tp->b, ", cmsg_data=");
		p->print(tp, d, len);
	}
}

/* ------------------------------------------------------------------ msg_control */

/* strace reads at most net.core.optmem_max bytes of control data (the most the kernel takes),
 * rounded up to 8, with its fallback when the file cannot be read. Read once, when tracing
 * starts: later, the descriptor it takes could be one the guest is about to get. */
size_t tp_optmem_max_read(void)
{
	char txt[32];
	long v = 0;
	int fd = open("/proc/sys/net/core/optmem_max", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, txt, sizeof txt - 1);
		close(fd);
		if (n > 0) {
			txt[n] = 0;
			v = strtol(txt, NULL, 10);
		}
	}
	if (v <= 0 || v > INT32_MAX)
		return 8 * (2 * 1024 + 512);
	return ((size_t)v + 7) & ~(size_t)7;
}

/* ", msg_control=[{cmsg_len=.., cmsg_level=.., cmsg_type=.., cmsg_data=..}, ...]" (nothing
 * when controllen is 0). strace's walk: a cmsg_len past the data shows the data there is; one
 * below the header size ends the walk; what is left too short for a header is ", ... / * addr
 * * /"; control data past optmem_max is a bare ", ...". */
static void print_control(struct sc_tprint *tp, uint64_t addr, uint64_t in_len)
{
	struct sc_tbuf *b = tp->b;
	if (!in_len)
		return;
	tb_puts(b, ", msg_control=");
	size_t max = tp->tr->optmem_max;
	size_t ctl_len = in_len > max ? max : (size_t)in_len;
	uint8_t *buf = ctl_len < CMSG_HDR ? NULL : malloc(ctl_len);
	if (!buf || !tp_read(tp, addr, buf, ctl_len)) {
		tp_addr(tp, addr);
		free(buf);
		return;
	}
	tb_putc(b, '[');
	size_t left = ctl_len;
	const uint8_t *p = buf;
	while (left >= CMSG_HDR) {
		uint64_t clen;
		int32_t level, type;
		memcpy(&clen, p, 8);
		memcpy(&level, p + 8, 4);
		memcpy(&type, p + 12, 4);
		if (p != buf)
			tb_puts(b, ", ");
		tb_printf(b, "{cmsg_len=%llu, cmsg_level=", (unsigned long long)clen);
		tp_xlat_enum_as(tp, &sc_xlat_socket_levels, (uint32_t)level, "SOL_???");
		tb_puts(b, ", cmsg_type=");
		uint64_t len = clen > left ? left : clen;
		print_type_data(tp, level, type, p + CMSG_HDR, len > CMSG_HDR ? (size_t)len - CMSG_HDR : 0);
		tb_putc(b, '}');
		if (len < CMSG_HDR) {
			left -= CMSG_HDR;
			break;
		}
		/* aligned past the data left (or wrapped around): the walk is over */
		uint64_t step = (clen + 7) & ~7ull;
		if (step >= left || step < clen) {
			left = 0;
			break;
		}
		p += step;
		left -= (size_t)step;
	}
	if (left) {
		tb_puts(b, ", ... /* ");
		tb_hex(b, addr + (ctl_len - left));
		tb_puts(b, " */");
	} else if (ctl_len < in_len) {
		tb_puts(b, ", ...");
	}
	tb_putc(b, ']');
	free(buf);
}

/* ------------------------------------------------------------------ msghdr, mmsghdr */

static void print_msghdr(struct sc_tprint *tp, const struct kmsghdr *m, const int32_t *user_namelen,
			 uint64_t data)
{
	struct sc_tbuf *b = tp->b;
	int32_t namelen = (int32_t)m->namelen;
	tb_puts(b, "{msg_name=");
	tp_sockaddr(tp, m->name, user_namelen && namelen > *user_namelen ? *user_namelen : namelen);
	tb_puts(b, ", msg_namelen=");
	if (user_namelen && *user_namelen != namelen)
		tb_printf(b, "%d => ", *user_namelen);
	tb_printf(b, "%d, msg_iov=", namelen);
	tp_print_iov(tp, m->iov, m->iovlen, true, data);
	tb_printf(b, ", msg_iovlen=%llu", (unsigned long long)m->iovlen);
	print_control(tp, m->control, m->controllen);
	tb_printf(b, ", msg_controllen=%llu, msg_flags=", (unsigned long long)m->controllen);
	tp_xlat_flags(tp, &sc_xlat_msg_flags, m->flags);
	tb_putc(b, '}');
}

void tp_msghdr_at(struct sc_tprint *tp, uint64_t addr, const int32_t *user_namelen, uint64_t data)
{
	struct kmsghdr m;
	if (!tp_read(tp, addr, &m, sizeof m)) {
		tp_addr(tp, addr);
		return;
	}
	print_msghdr(tp, &m, user_namelen, data);
}

/* The struct mmsghdr vector of sendmmsg/recvmmsg, cnt entries: [{msg_hdr={...}, msg_len=N}, ...],
 * msg_len for the first nlen; recv: each entry's data up to its msg_len. */
void tp_mmsgvec(struct sc_tprint *tp, uint64_t addr, uint64_t cnt, uint64_t nlen, bool recv)
{
	struct sc_tbuf *b = tp->b;
	struct kmmsghdr m;
	if (!addr) {
		tb_puts(b, "NULL");
		return;
	}
	if (!cnt) {
		tb_puts(b, "[]");
		return;
	}
	if (!tp_read(tp, addr, &m, sizeof m)) {
		tp_addr(tp, addr);
		return;
	}
	tb_putc(b, '[');
	for (uint64_t i = 0; i < cnt; i++) {
		if (!i && tp_array_cut(tp, b, i))
			break;
		if (i) {
			tb_puts(b, ", ");
			if (tp_array_cut(tp, b, i))
				break;
			if (!tp_read(tp, addr + i * sizeof m, &m, sizeof m)) {
				tb_puts(b, "...] /* ");
				tp_addr(tp, addr + i * sizeof m);
				tb_puts(b, " */");
				return;
			}
		}
		tb_puts(b, "{msg_hdr=");
		print_msghdr(tp, &m.hdr, NULL, recv ? m.len : ~0ull);
		if (i < nlen)
			tb_printf(b, ", msg_len=%u", m.len);
		tb_putc(b, '}');
	}
	tb_putc(b, ']');
}
