/* Sockets: the BSD socket calls. Guest fds are host fds, and every structure these calls carry
 * (sockaddr, msghdr, mmsghdr, cmsghdr and its SCM_RIGHTS / SCM_CREDENTIALS payloads, the
 * option values: ints, struct linger, struct timeval, struct ucred) has the same layout on both
 * 64-bit guests and on the host, as have the SOCK_* / MSG_* flags and the SOL_* / SO_*
 * numbers (both guests use asm-generic/socket.h). So the work here is copying through uaccess
 * with the kernel's length rules, not translating; the assertions below pin that down.
 *
 * Error order. The kernel checks the fd (EBADF, ENOTSOCK), flags and lengths (EINVAL, EMSGSIZE,
 * ENOBUFS) before or between its copies from user memory, in an order that differs from call to
 * call. Instead of re-deriving it, a guest input that cannot be read is handed to the host call
 * as an address the host kernel always refuses (HOST_FAULT): the host then fails with EFAULT at
 * exactly the point where the kernel would have, after the errors it checks first. Outputs are
 * written after the host call the way the kernel writes them (move_addr_to_user for addresses:
 * truncated to the caller's length, which becomes the full length). */
#include <errno.h>
#include <linux/filter.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "../syscall.h"
#include "fs_common.h"

/* An address above every user address space: the host kernel's access_ok refuses it, so a host
 * call reports EFAULT where it would first touch it. */
#define HOST_FAULT ((void *)(uintptr_t)-4096)

/* The kernel's MAX_RW_COUNT: one call moves at most this much. */
#define GUEST_MAX_RW 0x7ffff000ull

/* Guest structures (LP64, generic socket ABI on both guests). */
struct guest_msghdr {
	uint64_t name;
	int32_t namelen;
	uint32_t pad0;
	uint64_t iov, iovlen;
	uint64_t control, controllen;
	uint32_t flags, pad1;
};
struct guest_mmsghdr {
	struct guest_msghdr hdr;
	uint32_t len, pad;
};
struct guest_iovec {
	uint64_t base, len;
};
struct guest_cmsghdr {
	uint64_t len;
	int32_t level, type;
};
struct guest_sock_fprog {
	uint16_t len, pad[3];
	uint64_t filter;
};
struct guest_timespec {
	int64_t tv_sec, tv_nsec;
};

_Static_assert(sizeof(struct guest_msghdr) == 56 && offsetof(struct guest_msghdr, flags) == 48,
	       "guest struct msghdr");
_Static_assert(sizeof(struct guest_mmsghdr) == 64 && offsetof(struct guest_mmsghdr, len) == 56,
	       "guest struct mmsghdr");
_Static_assert(sizeof(struct guest_iovec) == sizeof(struct iovec), "struct iovec");
_Static_assert(sizeof(struct guest_sock_fprog) == 16 && offsetof(struct guest_sock_fprog, filter) == 8,
	       "guest struct sock_fprog");
/* Control data and option values pass through byte for byte: the host's layouts must be the
 * guests'. cmsghdr is 16 bytes with its data 8-aligned; SCM_CREDENTIALS carries a 12-byte
 * ucred; SO_LINGER an int pair; SO_RCVTIMEO/SO_SNDTIMEO and SO_TIMESTAMP a 16-byte timeval
 * (the _OLD and _NEW forms coincide on 64-bit). */
_Static_assert(sizeof(struct cmsghdr) == sizeof(struct guest_cmsghdr) &&
		       offsetof(struct cmsghdr, cmsg_level) == offsetof(struct guest_cmsghdr, level) &&
		       offsetof(struct cmsghdr, cmsg_type) == offsetof(struct guest_cmsghdr, type) &&
		       CMSG_ALIGN(1) == 8 && CMSG_LEN(0) == 16,
	       "struct cmsghdr");
_Static_assert(sizeof(struct ucred) == 12 && sizeof(struct linger) == 8 &&
		       sizeof(struct timeval) == 16 && sizeof(struct sockaddr_storage) == 128,
	       "socket option and address layouts");
/* Flags and numbers that reach the host unchanged: the guests' values (generic ABI). */
_Static_assert(SOCK_NONBLOCK == 04000 && SOCK_CLOEXEC == 02000000, "SOCK_* flags");
_Static_assert(MSG_CTRUNC == 0x8 && MSG_DONTWAIT == 0x40 && MSG_WAITFORONE == 0x10000 &&
		       MSG_CMSG_CLOEXEC == 0x40000000 && MSG_OOB == 1,
	       "MSG_* flags");
_Static_assert(SOL_SOCKET == 1 && SCM_RIGHTS == 1 && SCM_CREDENTIALS == 2 &&
		       SO_ATTACH_FILTER == 26 && SO_ATTACH_REUSEPORT_CBPF == 51,
	       "SOL_SOCKET numbers");

/* Control data a host call gets for one message at most; the kernel caps it lower anyway
 * (sendmsg: net.core.optmem_max, ENOBUFS; recvmsg: what it has to deliver, at most 253 fds). */
#define CTL_SEND_MAX (1u << 20)
#define CTL_RECV_MAX (64u << 10)
/* Option values larger than this are handed to the host in place (see setsockopt). */
#define OPT_COPY_MAX (64u << 10)
/* Messages per host sendmmsg/recvmmsg call: the kernel's UIO_MAXIOV cap for sendmmsg. */
#define MMSG_BATCH GUEST_IOV_MAX

/* The guest's bytes at addr as a host call may use them in place when copying failed (the host
 * then faults where the kernel would), HOST_FAULT outside the guest. */
static void *guest_or_fault(struct sc_process *p, gaddr_t addr, size_t n)
{
	void *h = io_buf(p, addr, n);
	return h ? h : HOST_FAULT;
}

/* The kernel's move_addr_to_kernel, for a host call: the guest's sockaddr copied into ss, or
 * NULL for NULL (the calls give NULL a meaning of its own), or HOST_FAULT when unreadable. A
 * length the kernel refuses (< 0 or > sizeof ss) goes to the host unchanged with ss, untouched:
 * the host reports EINVAL in its place. */
static void *sockaddr_from_guest(struct sc_process *p, struct sockaddr_storage *ss, gaddr_t addr,
				 int len)
{
	if (!addr)
		return NULL;
	if (len < 0 || (size_t)len > sizeof *ss)
		return ss;
	return copy_from_guest(p, ss, addr, (size_t)len) ? HOST_FAULT : ss;
}

/* The kernel's move_addr_to_user: the klen-byte address goes to uaddr truncated to the guest's
 * *ulen, then *ulen becomes klen ("the value before truncation"). 0, -EFAULT or -EINVAL. */
static long sockaddr_to_guest(struct sc_process *p, const void *kaddr, int klen, gaddr_t uaddr,
			      gaddr_t ulen)
{
	int32_t len;
	if (get_guest(p, len, ulen))
		return -EFAULT;
	if (len > klen)
		len = klen;
	if (len < 0)
		return -EINVAL;
	if (len && copy_to_guest(p, uaddr, kaddr, (size_t)len))
		return -EFAULT;
	int32_t k = klen;
	return put_guest(p, ulen, k) ? -EFAULT : 0;
}

/* EBADF or ENOTSOCK as the kernel's descriptor lookup reports them, else 0. */
static long sock_check(int fd)
{
	int type;
	socklen_t len = sizeof type;
	long r = host_ret(syscall(SYS_getsockopt, fd, SOL_SOCKET, SO_TYPE, &type, &len));
	return r < 0 ? r : 0;
}

/* Socket creation and connection */

SYSCALL_DEFINE3(socket, int, family, int, type, int, protocol)
{
	(void)t;
	return host_ret(syscall(SYS_socket, family, type, protocol));
}

SYSCALL_DEFINE4(socketpair, int, family, int, type, int, protocol, ptr, usv)
{
	/* The kernel writes the two numbers before it creates the sockets, so a bad array is
	 * EFAULT after the flag check, before the family's errors. */
	if (!guest_access_ok(t->proc, usv, 2 * sizeof(int32_t), PROT_WRITE))
		return host_ret(syscall(SYS_socketpair, family, type, protocol, HOST_FAULT));
	int sv[2];
	long r = host_ret(syscall(SYS_socketpair, family, type, protocol, sv));
	if (r < 0)
		return r;
	int32_t g[2] = { sv[0], sv[1] };
	if (put_guest(t->proc, usv, g)) {
		close(sv[0]);
		close(sv[1]);
		return -EFAULT;
	}
	return 0;
}

SYSCALL_DEFINE3(bind, fd, fd, ptr, addr, int, addrlen)
{
	struct sockaddr_storage ss;
	return host_ret(syscall(SYS_bind, fd, sockaddr_from_guest(t->proc, &ss, addr, addrlen),
				addrlen));
}

SYSCALL_DEFINE3(connect, fd, fd, ptr, addr, int, addrlen)
{
	struct sockaddr_storage ss;
	return host_ret(syscall(SYS_connect, fd, sockaddr_from_guest(t->proc, &ss, addr, addrlen),
				addrlen));
}

SYSCALL_DEFINE2(listen, fd, fd, int, backlog)
{
	(void)t;
	return host_ret(syscall(SYS_listen, fd, backlog));
}

SYSCALL_DEFINE2(shutdown, fd, fd, int, how)
{
	(void)t;
	return host_ret(syscall(SYS_shutdown, fd, how));
}

/* accept and accept4 (SOCK_NONBLOCK, SOCK_CLOEXEC: the guests' values are the host's). When the
 * peer's address cannot be written, the kernel drops the new connection: so do we. */
static long do_accept4(struct sc_thread *t, int fd, gaddr_t addr, gaddr_t addrlen, int flags)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	long r = host_ret(syscall(SYS_accept4, fd, addr ? &ss : NULL, addr ? &len : NULL, flags));
	if (r < 0 || !addr)
		return r;
	long e = sockaddr_to_guest(t->proc, &ss, (int)len, addr, addrlen);
	if (e < 0) {
		close((int)r);
		return e;
	}
	return r;
}

SYSCALL_DEFINE3(accept, fd, fd, ptr, addr, ptr, addrlen)
{
	return do_accept4(t, fd, addr, addrlen, 0);
}

SYSCALL_DEFINE4(accept4, fd, fd, ptr, addr, ptr, addrlen, int, flags)
{
	return do_accept4(t, fd, addr, addrlen, flags);
}

static long do_getname(struct sc_thread *t, long nr, int fd, gaddr_t addr, gaddr_t addrlen)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	long r = host_ret(syscall(nr, fd, &ss, &len));
	if (r < 0)
		return r;
	return sockaddr_to_guest(t->proc, &ss, (int)len, addr, addrlen);
}

SYSCALL_DEFINE3(getsockname, fd, fd, ptr, addr, ptr, addrlen)
{
	return do_getname(t, SYS_getsockname, fd, addr, addrlen);
}

SYSCALL_DEFINE3(getpeername, fd, fd, ptr, addr, ptr, addrlen)
{
	return do_getname(t, SYS_getpeername, fd, addr, addrlen);
}

/* Data: sendto / recvfrom. The buffer's bounds are checked first, before the fd, as the
 * kernel's import_ubuf does; the host does it on HOST_FAULT. */

SYSCALL_DEFINE6(sendto, fd, fd, ibuf, buf, size, len, uint, flags, ptr, addr, int, addrlen)
{
	if (len > GUEST_MAX_RW)
		len = GUEST_MAX_RW;
	struct sockaddr_storage ss;
	void *h = guest_or_fault(t->proc, buf, len);
	return host_ret(syscall(SYS_sendto, fd, h, len, flags,
				sockaddr_from_guest(t->proc, &ss, addr, addrlen), addrlen));
}

SYSCALL_DEFINE6(recvfrom, fd, fd, obuf, buf, size, len, uint, flags, ptr, addr, ptr, addrlen)
{
	if (len > GUEST_MAX_RW)
		len = GUEST_MAX_RW;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	void *h = guest_or_fault(t->proc, buf, len);
	long r = host_ret(syscall(SYS_recvfrom, fd, h, len, flags, addr ? &ss : NULL,
				  addr ? &sl : NULL));
	/* The data is consumed even when the address cannot be written, as in the kernel. */
	if (r >= 0 && addr) {
		long e = sockaddr_to_guest(t->proc, &ss, (int)sl, addr, addrlen);
		if (e < 0)
			return e;
	}
	return r;
}

/* Messages. One guest msghdr becomes a host one whose iovecs point into guest memory (data
 * buffers go to the host in place, like read's) and whose address and control data are host
 * copies. Every length goes to the host as the guest gave it, so that the host applies the
 * kernel's rules (namelen < 0: EINVAL; > 128: clamped; iovlen > UIO_MAXIOV: EMSGSIZE; a
 * negative iov_len: EINVAL; controllen > optmem_max: ENOBUFS) in the kernel's order; what could
 * not be read becomes HOST_FAULT. */
struct net_msg {
	struct msghdr h;
	struct guest_msghdr g;
	struct sockaddr_storage name;
	struct iovec *iov;
	void *control;
};

static void msg_free(struct net_msg *m)
{
	free(m->iov);
	free(m->control);
	m->iov = NULL;
	m->control = NULL;
}

/* Fills m for the guest msghdr at addr. 1 when the header itself cannot be read (m->h is then
 * one that makes the host fail with EFAULT where it reads the iovecs), 0, or -ENOMEM. */
static long msg_from_guest(struct sc_process *p, struct net_msg *m, gaddr_t addr, bool send)
{
	memset(&m->h, 0, sizeof m->h);
	m->iov = NULL;
	m->control = NULL;
	if (copy_from_guest(p, &m->g, addr, sizeof m->g)) {
		m->h.msg_iov = HOST_FAULT;
		m->h.msg_iovlen = 1;
		return 1;
	}
	const struct guest_msghdr *g = &m->g;

	/* Address: sendmsg copies it in (at most sizeof name bytes); recvmsg only writes it. */
	if (g->name) {
		m->h.msg_name = &m->name;
		if (send && g->namelen > 0) {
			size_t n = (size_t)g->namelen < sizeof m->name ? (size_t)g->namelen
								       : sizeof m->name;
			if (copy_from_guest(p, &m->name, g->name, n))
				m->h.msg_name = HOST_FAULT;
		}
	}
	m->h.msg_namelen = (socklen_t)g->namelen;

	m->h.msg_iovlen = g->iovlen;
	if (g->iovlen > GUEST_IOV_MAX) {
		m->h.msg_iov = HOST_FAULT; /* EMSGSIZE comes first */
	} else if (g->iovlen) {
		m->iov = malloc(g->iovlen * sizeof *m->iov);
		if (!m->iov)
			return -ENOMEM;
		m->h.msg_iov = m->iov;
		if (copy_from_guest(p, m->iov, g->iov, g->iovlen * sizeof *m->iov)) {
			m->h.msg_iov = HOST_FAULT;
		} else {
			for (uint64_t i = 0; i < g->iovlen; i++) {
				struct guest_iovec gi;
				memcpy(&gi, &m->iov[i], sizeof gi);
				m->iov[i].iov_len = gi.len;
				m->iov[i].iov_base = (int64_t)gi.len < 0
							     ? HOST_FAULT
							     : guest_or_fault(p, gi.base, gi.len);
			}
		}
	}

	/* Control data. NULL goes to the host as NULL, where it faults as in the kernel. */
	m->h.msg_controllen = g->controllen;
	if (g->control) {
		if (send && g->controllen > CTL_SEND_MAX) {
			m->h.msg_control = HOST_FAULT; /* the host's ENOBUFS comes first */
		} else {
			size_t n = send || g->controllen < CTL_RECV_MAX ? g->controllen : CTL_RECV_MAX;
			m->control = malloc(n ? n : 1);
			if (!m->control)
				return -ENOMEM;
			m->h.msg_control = m->control;
			m->h.msg_controllen = n;
			if (send && copy_from_guest(p, m->control, g->control, n))
				m->h.msg_control = HOST_FAULT;
		}
	}
	m->h.msg_flags = (int)g->flags;
	return 0;
}

/* Closes the descriptors an SCM_RIGHTS message of the host's control data installed. */
static void msg_drop_fds(struct msghdr *h)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof fd, sizeof fd);
			close(fd);
		}
	}
}

/* After a successful host recvmsg: what the kernel writes back into the guest's msghdr at addr,
 * in its order (control data while receiving, then the address, msg_flags, msg_controllen).
 * Control data that cannot be written is lost as in the kernel, where each put_cmsg fails
 * quietly: passed descriptors are not installed and MSG_CTRUNC is set. 0 or -EFAULT. */
static long msg_to_guest(struct sc_process *p, struct net_msg *m, gaddr_t addr)
{
	uint64_t used = m->h.msg_controllen;
	uint32_t flags = (uint32_t)m->h.msg_flags;
	if (m->g.control && used && copy_to_guest(p, m->g.control, m->control, used)) {
		msg_drop_fds(&m->h);
		flags |= MSG_CTRUNC;
		used = 0;
	}
	if (m->g.name) {
		long e = sockaddr_to_guest(p, &m->name, (int)m->h.msg_namelen, m->g.name,
					   addr + offsetof(struct guest_msghdr, namelen));
		if (e < 0)
			return e;
	}
	if (put_guest(p, addr + offsetof(struct guest_msghdr, flags), flags) ||
	    put_guest(p, addr + offsetof(struct guest_msghdr, controllen), used))
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE3(sendmsg, fd, fd, ptr, msg, uint, flags)
{
	struct net_msg m;
	long r = msg_from_guest(t->proc, &m, msg, true);
	if (r == 0)
		r = host_ret(syscall(SYS_sendmsg, fd, &m.h, flags));
	else if (r == 1)
		r = host_ret(syscall(SYS_sendmsg, fd, HOST_FAULT, flags));
	msg_free(&m);
	return r;
}

SYSCALL_DEFINE3(recvmsg, fd, fd, ptr, msg, uint, flags)
{
	struct net_msg m;
	long r = msg_from_guest(t->proc, &m, msg, false);
	if (r == 0) {
		r = host_ret(syscall(SYS_recvmsg, fd, &m.h, flags));
		if (r >= 0) {
			long e = msg_to_guest(t->proc, &m, msg);
			if (e < 0)
				r = e;
		}
	} else if (r == 1) {
		r = host_ret(syscall(SYS_recvmsg, fd, HOST_FAULT, flags));
	}
	msg_free(&m);
	return r;
}

/* sendmmsg / recvmmsg: the host's calls over host copies of up to MMSG_BATCH entries, so that
 * batching, partial sends, MSG_WAITFORONE, the timeout and the error rules (an error after some
 * messages returns their count) stay the kernel's. The batch ends at the first entry whose
 * header cannot be read (the host fails on it as the kernel fails reading it) or whose results
 * cannot be written (the kernel transfers that message, then fails writing its results). */
struct mmsg_batch {
	struct net_msg *m;
	struct mmsghdr *h;
	unsigned n;
};

static void mmsg_free(struct mmsg_batch *b)
{
	for (unsigned i = 0; i < b->n; i++)
		msg_free(&b->m[i]);
	free(b->m);
	free(b->h);
}

static long mmsg_from_guest(struct sc_process *p, struct mmsg_batch *b, gaddr_t mmsg, unsigned vlen,
			    bool send)
{
	b->n = 0;
	b->m = calloc(vlen ? vlen : 1, sizeof *b->m);
	b->h = calloc(vlen ? vlen : 1, sizeof *b->h);
	if (!b->m || !b->h)
		return -ENOMEM;
	while (b->n < vlen) {
		gaddr_t entry = mmsg + (uint64_t)b->n * sizeof(struct guest_mmsghdr);
		struct net_msg *m = &b->m[b->n];
		long r = msg_from_guest(p, m, entry, send);
		b->h[b->n++].msg_hdr = m->h;
		if (r < 0)
			return r;
		if (r == 1)
			break;
		/* sendmmsg writes msg_len; recvmmsg also msg_namelen, msg_flags, msg_controllen.
		 * (A failing write to the address or control buffer loses just that message, as
		 * in the kernel.) */
		if (send ? !guest_access_ok(p, entry + offsetof(struct guest_mmsghdr, len),
					    sizeof(uint32_t), PROT_WRITE)
			 : !guest_access_ok(p, entry, sizeof(struct guest_mmsghdr), PROT_WRITE))
			break;
	}
	return 0;
}

SYSCALL_DEFINE4(sendmmsg, fd, fd, ptr, mmsg, uint, vlen, uint, flags)
{
	if (vlen > MMSG_BATCH)
		vlen = MMSG_BATCH;
	struct mmsg_batch b;
	long r = mmsg_from_guest(t->proc, &b, mmsg, vlen, true);
	if (r == 0)
		r = host_ret(syscall(SYS_sendmmsg, fd, b.h, b.n, flags));
	for (long i = 0; i < r; i++) {
		gaddr_t len = mmsg + (uint64_t)i * sizeof(struct guest_mmsghdr) +
			      offsetof(struct guest_mmsghdr, len);
		uint32_t v = b.h[i].msg_len;
		if (put_guest(t->proc, len, v)) {
			r = i ? i : -EFAULT;
			break;
		}
	}
	mmsg_free(&b);
	return r;
}

SYSCALL_DEFINE5(recvmmsg, fd, fd, ptr, mmsg, uint, vlen, uint, flags, timespec, timeout)
{
	struct timespec ts;
	if (timeout) {
		struct guest_timespec g;
		if (get_guest(t->proc, g, timeout))
			return host_ret(syscall(SYS_recvmmsg, fd, NULL, 0, flags, HOST_FAULT));
		ts = (struct timespec){ g.tv_sec, g.tv_nsec };
	}
	long done = 0, r = 0;
	do {
		unsigned n = vlen - done < MMSG_BATCH ? vlen - (unsigned)done : MMSG_BATCH;
		gaddr_t base = mmsg + (uint64_t)done * sizeof(struct guest_mmsghdr);
		struct mmsg_batch b;
		r = mmsg_from_guest(t->proc, &b, base, n, false);
		if (r == 0)
			r = host_ret(syscall(SYS_recvmmsg, fd, b.h, b.n, flags,
					     timeout ? &ts : NULL));
		bool more = r == (long)n && n == MMSG_BATCH;
		for (long i = 0; i < r; i++) {
			gaddr_t entry = base + (uint64_t)i * sizeof(struct guest_mmsghdr);
			b.m[i].h = b.h[i].msg_hdr;
			uint32_t len = b.h[i].msg_len;
			long e = msg_to_guest(t->proc, &b.m[i], entry);
			if (e == 0 && put_guest(t->proc, entry + offsetof(struct guest_mmsghdr, len), len))
				e = -EFAULT;
			if (e < 0) {
				r = i ? i : e;
				more = false;
				break;
			}
			if (b.m[i].h.msg_flags & MSG_OOB)
				more = false;
		}
		mmsg_free(&b);
		if (r < 0)
			break;
		done += r;
		/* Beyond one batch, continue as the kernel's loop would: MSG_WAITFORONE stops waiting
		 * after the first message, and an expired timeout ends the call. */
		if (flags & MSG_WAITFORONE)
			flags |= MSG_DONTWAIT;
		if (timeout && ts.tv_sec == 0 && ts.tv_nsec == 0)
			more = false;
		if (!more)
			break;
	} while ((unsigned)done < vlen);
	if (done == 0)
		return r;
	if (timeout) {
		struct guest_timespec g = { ts.tv_sec, ts.tv_nsec };
		if (put_guest(t->proc, timeout, g))
			return -EFAULT;
	}
	return done;
}

/* Options. Values are copied through uaccess. Options whose values hold guest addresses are
 * translated (the classic BPF programs) or refused (those that would let the host kernel write
 * through a guest address into syscorn's own memory). */

enum {
	G_SOL_IP = 0, G_IPPROTO_TCP = 6, G_SOL_IPV6 = 41, G_SOL_PACKET = 263, G_SOL_XDP = 283,
	G_PACKET_FANOUT_DATA = 22, G_TCP_ZEROCOPY_RECEIVE = 35, G_XDP_UMEM_REG = 4,
	G_IPT_SO_SET_REPLACE = 64, G_ARPT_SO_SET_REPLACE = 96, G_EBT_SO_SET_ENTRIES = 128,
	G_EBT_SO_SET_COUNTERS = 129, G_EBT_SO_GET_ENTRIES = 129, G_EBT_SO_GET_INIT_ENTRIES = 131,
};

static bool opt_refused(int level, int name, bool set)
{
	if (set)
		return (level == G_SOL_IP && (name == G_IPT_SO_SET_REPLACE ||
					      name == G_ARPT_SO_SET_REPLACE ||
					      name == G_EBT_SO_SET_ENTRIES ||
					      name == G_EBT_SO_SET_COUNTERS)) ||
		       (level == G_SOL_IPV6 && name == G_IPT_SO_SET_REPLACE) ||
		       (level == G_SOL_XDP && name == G_XDP_UMEM_REG);
	return (level == G_IPPROTO_TCP && name == G_TCP_ZEROCOPY_RECEIVE) ||
	       (level == G_SOL_IP && (name == G_EBT_SO_GET_ENTRIES ||
				      name == G_EBT_SO_GET_INIT_ENTRIES));
}

static long opt_refuse(struct sc_thread *t, int fd, int level, int name)
{
	long e = sock_check(fd);
	if (e < 0)
		return e;
	sc_warn(t->proc, "socket option %d at level %d carries guest addresses: not supported",
		name, level);
	return -ENOPROTOOPT;
}

/* A struct sock_fprog option (SO_ATTACH_FILTER, SO_ATTACH_REUSEPORT_CBPF, PACKET_FANOUT_DATA
 * in its classic-BPF mode, the only one taking 16 bytes): the program is copied too. The
 * kernel's own checks (length 1..BPF_MAXINSNS, locked filter) come before its copy. */
static long setsockopt_fprog(struct sc_thread *t, int fd, int level, int name, gaddr_t optval)
{
	struct guest_sock_fprog g;
	if (get_guest(t->proc, g, optval))
		return host_ret(syscall(SYS_setsockopt, fd, level, name, HOST_FAULT, sizeof g));
	struct sock_fprog h = { .len = g.len, .filter = NULL };
	void *prog = NULL;
	if (g.filter) {
		size_t n = (size_t)g.len * sizeof(struct sock_filter);
		prog = malloc(n ? n : 1);
		if (!prog)
			return -ENOMEM;
		h.filter = copy_from_guest(t->proc, prog, g.filter, n) ? HOST_FAULT : prog;
	}
	long r = host_ret(syscall(SYS_setsockopt, fd, level, name, &h, sizeof h));
	free(prog);
	return r;
}

SYSCALL_DEFINE5(setsockopt, fd, fd, int, level, int, optname, ptr, optval, int, optlen)
{
	if (opt_refused(level, optname, true))
		return opt_refuse(t, fd, level, optname);
	if (optval && optlen == (int)sizeof(struct guest_sock_fprog) &&
	    ((level == SOL_SOCKET &&
	      (optname == SO_ATTACH_FILTER || optname == SO_ATTACH_REUSEPORT_CBPF)) ||
	     (level == G_SOL_PACKET && optname == G_PACKET_FANOUT_DATA)))
		return setsockopt_fprog(t, fd, level, optname, optval);

	uint8_t small[256];
	void *buf = NULL, *h = NULL;
	if (optval) {
		if (optlen <= 0) {
			h = small; /* not read: the host refuses a negative length first */
		} else if ((size_t)optlen > OPT_COPY_MAX) {
			h = guest_or_fault(t->proc, optval, (size_t)optlen);
		} else {
			if ((size_t)optlen > sizeof small && !(buf = malloc((size_t)optlen)))
				return -ENOMEM;
			h = buf ? buf : small;
			/* The kernel reads only as much as the option needs: when the whole length
			 * is not readable, the host reads the guest's bytes in place and faults
			 * where the kernel would. */
			if (copy_from_guest(t->proc, h, optval, (size_t)optlen))
				h = guest_or_fault(t->proc, optval, (size_t)optlen);
		}
	}
	long r = host_ret(syscall(SYS_setsockopt, fd, level, optname, h, optlen));
	free(buf);
	return r;
}

SYSCALL_DEFINE5(getsockopt, fd, fd, int, level, int, optname, ptr, optval, ptr, optlen)
{
	if (opt_refused(level, optname, false))
		return opt_refuse(t, fd, level, optname);
	/* SO_GET_FILTER counts its length in BPF instructions; every other option in bytes. */
	size_t unit = level == SOL_SOCKET && optname == SO_GET_FILTER ? sizeof(struct sock_filter) : 1;
	uint8_t small[256];
	int32_t len;
	if (get_guest(t->proc, len, optlen))
		return host_ret(syscall(SYS_getsockopt, fd, level, optname, small, HOST_FAULT));
	socklen_t hl = (socklen_t)len;
	size_t bytes = len > 0 ? (size_t)len * unit : 0;
	void *buf = NULL, *h = NULL;
	bool copy_out = false;
	if (optval) {
		if (bytes == 0) {
			h = small; /* the host refuses a negative length; 0 gets nothing written */
		} else if (bytes > OPT_COPY_MAX) {
			h = guest_or_fault(t->proc, optval, bytes); /* written in place */
		} else {
			if (bytes > sizeof small && !(buf = malloc(bytes)))
				return -ENOMEM;
			h = buf ? buf : small;
			copy_out = true;
			/* Some options read their value first (IP_MSFILTER, the netfilter GET
			 * calls): start from the guest's bytes. */
			if (copy_from_guest(t->proc, h, optval, bytes))
				memset(h, 0, bytes);
		}
	}
	long r = host_ret(syscall(SYS_getsockopt, fd, level, optname, h, &hl));
	/* The value, then the length. A failing option may still report the length it needs
	 * (SO_PEERSEC, SO_PEERGROUPS: ERANGE). */
	if (r == 0 && copy_out) {
		size_t n = hl < (socklen_t)len ? hl * unit : bytes;
		if (copy_to_guest(t->proc, optval, h, n))
			r = -EFAULT;
	}
	if (r == 0 || (r != -EFAULT && hl != (socklen_t)len)) {
		int32_t v = (int32_t)hl;
		if (put_guest(t->proc, optlen, v))
			r = -EFAULT;
	}
	free(buf);
	return r;
}
