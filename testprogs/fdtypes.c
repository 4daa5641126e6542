/* fdtypes: the other kinds of file descriptors a single process uses: eventfd, timerfd,
 * signalfd, memfd (with seals), inotify, and sockets (AF_UNIX pairs and paths with SCM_RIGHTS
 * and SCM_CREDENTIALS; TCP and UDP over loopback when the host has it, else a "skip" line). */
#include "check.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>

static char dir[] = "/tmp/syscorn-fdtypes-XXXXXX";

static long long mono_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int readable(int fd)
{
	struct pollfd p = {fd, POLLIN, 0};
	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static void test_eventfd(void)
{
	uint64_t v;
	int fd = CHECK_SYS(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), "eventfd EFD_CLOEXEC|EFD_NONBLOCK");

	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC, "eventfd EFD_CLOEXEC");
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK, "eventfd EFD_NONBLOCK");
	CHECK_ERR(read(fd, &v, 8), EAGAIN, "eventfd read at 0");
	CHECK(!readable(fd), "eventfd at 0 not readable");
	v = 3;
	CHECK_EQ(write(fd, &v, 8), 8, "eventfd write 3");
	v = 4;
	CHECK_EQ(write(fd, &v, 8), 8, "eventfd write 4");
	CHECK(readable(fd), "eventfd readable");
	v = 0;
	CHECK_EQ(read(fd, &v, 8), 8, "eventfd read");
	CHECK_EQ(v, 7, "eventfd counter is the sum");
	CHECK_ERR(read(fd, &v, 8), EAGAIN, "eventfd read resets the counter");
	CHECK_ERR(write(fd, &v, 4), EINVAL, "eventfd write of 4 bytes");
	CHECK_ERR(read(fd, &v, 4), EINVAL, "eventfd read of 4 bytes");
	v = UINT64_MAX;
	CHECK_ERR(write(fd, &v, 8), EINVAL, "eventfd write 2^64-1");
	close(fd);

	fd = CHECK_SYS(eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK), "eventfd EFD_SEMAPHORE initval 3");
	for (int i = 0; i < 3; i++) {
		v = 0;
		CHECK(read(fd, &v, 8) == 8 && v == 1, "semaphore read %d gives 1", i + 1);
	}
	CHECK_ERR(read(fd, &v, 8), EAGAIN, "semaphore exhausted");
	close(fd);
	CHECK_ERR(eventfd(0, 0x1234), EINVAL, "eventfd bad flags");
}

static void test_timerfd(void)
{
	struct itimerspec its, cur;
	uint64_t exp = 0;
	long long t0;
	int fd = CHECK_SYS(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC), "timerfd_create CLOCK_MONOTONIC");

	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC, "timerfd TFD_CLOEXEC");
	memset(&its, 0, sizeof its);
	its.it_value.tv_nsec = 20000000;
	t0 = mono_ns();
	CHECK_SYS(timerfd_settime(fd, 0, &its, NULL), "timerfd_settime 20 ms one-shot");
	CHECK_SYS(timerfd_gettime(fd, &cur), "timerfd_gettime");
	CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 20000000, "armed: 0 < remaining <= 20 ms");
	CHECK_EQ(read(fd, &exp, 8), 8, "blocking read of the timerfd");
	CHECK_EQ(exp, 1, "one expiration");
	CHECK(mono_ns() - t0 >= 20000000, "read returned after >= 20 ms");
	timerfd_gettime(fd, &cur);
	CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0, "disarmed after a one-shot expiry");
	CHECK_ERR(read(fd, &exp, 4), EINVAL, "timerfd read of 4 bytes");

	/* interval timer: several expirations accumulate */
	its.it_value.tv_nsec = 10000000;
	its.it_interval.tv_nsec = 10000000;
	timerfd_settime(fd, 0, &its, NULL);
	{
		struct timespec s = {0, 55000000};
		nanosleep(&s, NULL);
	}
	CHECK_EQ(read(fd, &exp, 8), 8, "read the interval timer");
	CHECK(exp >= 3, "interval timer: several expirations counted");
	memset(&its, 0, sizeof its);
	timerfd_settime(fd, 0, &its, NULL);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	CHECK_ERR(read(fd, &exp, 8), EAGAIN, "disarmed timerfd, non-blocking read");

	/* absolute time in the past: expires at once */
	clock_gettime(CLOCK_MONOTONIC, &its.it_value);
	its.it_value.tv_sec -= 1;
	CHECK_SYS(timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, &cur), "timerfd_settime TFD_TIMER_ABSTIME (past)");
	CHECK(readable(fd), "expired at once");
	CHECK(read(fd, &exp, 8) == 8 && exp == 1, "one expiration");
	close(fd);
	CHECK_ERR(timerfd_create(1000, 0), EINVAL, "timerfd_create bad clock");
	CHECK_ERR(timerfd_create(CLOCK_MONOTONIC, 0x1234), EINVAL, "timerfd_create bad flags");
}

static void test_signalfd(void)
{
	struct signalfd_siginfo ssi;
	sigset_t set, old;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, &old);
	fd = CHECK_SYS(signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC), "signalfd");
	CHECK_EQ(sizeof ssi, 128, "sizeof(struct signalfd_siginfo)");
	CHECK_ERR(read(fd, &ssi, sizeof ssi), EAGAIN, "signalfd nothing pending");
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1);
	CHECK(readable(fd), "signalfd readable with a pending signal");
	memset(&ssi, 0, sizeof ssi);
	CHECK_EQ(read(fd, &ssi, sizeof ssi), 128, "signalfd read");
	CHECK_EQ(ssi.ssi_signo, SIGUSR1, "ssi_signo");
	CHECK_EQ(ssi.ssi_code, SI_TKILL, "ssi_code SI_TKILL");
	CHECK_EQ(ssi.ssi_pid, getpid(), "ssi_pid");
	CHECK_EQ(ssi.ssi_uid, getuid(), "ssi_uid");
	CHECK_ERR(read(fd, &ssi, sizeof ssi), EAGAIN, "consumed");
	CHECK_ERR(read(fd, &ssi, 10), EINVAL, "signalfd read too small");
	sigaddset(&set, SIGUSR2);
	CHECK_EQ(signalfd(fd, &set, 0), fd, "signalfd update the mask of an existing fd");
	close(fd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	CHECK_ERR(signalfd(-1, &set, 0x1234), EINVAL, "signalfd bad flags");
}

static void test_memfd(void)
{
	char link[64], target[PATH_MAX];
	struct stat st;
	char *p;
	ssize_t n;
	int fd = CHECK_SYS(memfd_create("tp-memfd", MFD_CLOEXEC | MFD_ALLOW_SEALING), "memfd_create");

	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC, "memfd MFD_CLOEXEC");
	CHECK_EQ(write(fd, "memory file", 11), 11, "memfd write");
	CHECK_SYS(fstat(fd, &st), "memfd fstat");
	CHECK(S_ISREG(st.st_mode) && st.st_size == 11, "memfd is a regular file of size 11");
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof target - 1);
	target[n < 0 ? 0 : n] = 0;
	CHECK_STR(target, "/memfd:tp-memfd (deleted)", "memfd name in /proc/self/fd");
	CHECK_SYS(ftruncate(fd, 4096), "memfd ftruncate");
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED && !memcmp(p, "memory file", 11), "memfd MAP_SHARED");
	memcpy(p, "MEMORY", 6);
	CHECK_ERR(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), EBUSY, "F_SEAL_WRITE with a writable mapping");
	munmap(p, 4096);
	CHECK_SYS(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK), "F_ADD_SEALS WRITE|SHRINK");
	CHECK_EQ(fcntl(fd, F_GET_SEALS), F_SEAL_WRITE | F_SEAL_SHRINK, "F_GET_SEALS");
	CHECK_ERR(pwrite(fd, "x", 1, 0), EPERM, "write to a sealed memfd");
	CHECK_ERR(ftruncate(fd, 100), EPERM, "shrink a sealed memfd");
	{
		char buf[8] = {0};
		CHECK(pread(fd, buf, 6, 0) == 6 && !memcmp(buf, "MEMORY", 6), "mapping writes reached the memfd");
	}
	close(fd);
	fd = CHECK_SYS(memfd_create("noseal", 0), "memfd_create without sealing");
	CHECK_ERR(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), EPERM, "F_ADD_SEALS without MFD_ALLOW_SEALING");
	close(fd);
	CHECK_ERR(memfd_create("x", 0x1000), EINVAL, "memfd_create bad flags");
}

static void test_inotify(void)
{
	char buf[4096] __attribute__((aligned(8)));
	int fd, wd, n, found = 0;

	fd = CHECK_SYS(inotify_init1(IN_NONBLOCK | IN_CLOEXEC), "inotify_init1");
	wd = CHECK_SYS(inotify_add_watch(fd, dir, IN_CREATE | IN_DELETE), "inotify_add_watch");
	CHECK_ERR(read(fd, buf, sizeof buf), EAGAIN, "no events yet");
	{
		char path[PATH_MAX];
		snprintf(path, sizeof path, "%s/watched", dir);
		close(open(path, O_CREAT | O_WRONLY, 0644));
		unlink(path);
	}
	n = read(fd, buf, sizeof buf);
	CHECK(n > 0, "inotify events to read");
	for (int off = 0; off < n;) {
		struct inotify_event *e = (struct inotify_event *)(buf + off);
		if (e->wd == wd && !strcmp(e->name, "watched"))
			found |= (e->mask & IN_CREATE) ? 1 : (e->mask & IN_DELETE) ? 2 : 0;
		off += sizeof *e + e->len;
	}
	CHECK_EQ(found, 3, "IN_CREATE and IN_DELETE events with the name");
	CHECK_SYS(inotify_rm_watch(fd, wd), "inotify_rm_watch");
	CHECK_ERR(inotify_add_watch(fd, "/missing-xyz", IN_CREATE), ENOENT, "inotify_add_watch missing path");
	close(fd);
}

static void test_unix(void)
{
	int sv[2], p[2], r;
	char buf[64];

	/* stream pair */
	CHECK_SYS(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), "socketpair AF_UNIX SOCK_STREAM");
	CHECK_EQ(fcntl(sv[0], F_GETFD), FD_CLOEXEC, "SOCK_CLOEXEC");
	CHECK_EQ(write(sv[0], "ping", 4), 4, "write to one end");
	memset(buf, 0, sizeof buf);
	CHECK_EQ(read(sv[1], buf, sizeof buf), 4, "read at the other end");
	CHECK_EQ(send(sv[1], "pong!", 5, 0), 5, "send back");
	CHECK_EQ(recv(sv[0], buf, 2, MSG_PEEK), 2, "recv MSG_PEEK");
	CHECK_EQ(recv(sv[0], buf, sizeof buf, 0), 5, "recv");
	CHECK_MEM(buf, "pong!", 5, "stream data");
	CHECK_ERR(recv(sv[0], buf, sizeof buf, MSG_DONTWAIT), EAGAIN, "recv MSG_DONTWAIT nothing there");
	{
		int type = 0, dom = 0, err = 1;
		socklen_t l = sizeof type;
		CHECK(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &type, &l) == 0 && type == SOCK_STREAM && l == sizeof type, "SO_TYPE");
		l = sizeof dom;
		CHECK(getsockopt(sv[0], SOL_SOCKET, SO_DOMAIN, &dom, &l) == 0 && dom == AF_UNIX, "SO_DOMAIN");
		l = sizeof err;
		CHECK(getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &err, &l) == 0 && err == 0, "SO_ERROR");
		CHECK_ERR(getsockopt(sv[0], 9999, 1, &err, &l), EOPNOTSUPP, "getsockopt unknown level on AF_UNIX");
		CHECK_ERR(getsockopt(sv[0], SOL_SOCKET, 9999, &err, &l), ENOPROTOOPT, "getsockopt unknown option");
	}
	CHECK_SYS(shutdown(sv[0], SHUT_WR), "shutdown SHUT_WR");
	CHECK_EQ(read(sv[1], buf, sizeof buf), 0, "peer reads EOF");
	CHECK_ERR(send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE, "send after SHUT_WR (MSG_NOSIGNAL)");
	close(sv[0]);
	close(sv[1]);

	/* datagram pair: message boundaries */
	CHECK_SYS(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), "socketpair AF_UNIX SOCK_DGRAM");
	send(sv[0], "first", 5, 0);
	send(sv[0], "second", 6, 0);
	CHECK_EQ(recv(sv[1], buf, sizeof buf, 0), 5, "first datagram whole");
	CHECK_EQ(recv(sv[1], buf, 3, MSG_TRUNC), 6, "MSG_TRUNC returns the real length");
	close(sv[0]);
	close(sv[1]);

	/* SCM_RIGHTS: pass a pipe's read end */
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	pipe(p);
	write(p[1], "via fd", 6);
	{
		struct msghdr m;
		struct iovec iov = {"F", 1};
		union {
			struct cmsghdr h;
			char b[CMSG_SPACE(sizeof(int))];
		} c;
		struct cmsghdr *cm;
		int got = -1;
		memset(&m, 0, sizeof m);
		memset(&c, 0, sizeof c);
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = c.b;
		m.msg_controllen = sizeof c.b;
		cm = CMSG_FIRSTHDR(&m);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &p[0], sizeof(int));
		CHECK_EQ(sendmsg(sv[0], &m, 0), 1, "sendmsg with SCM_RIGHTS");
		close(p[0]);
		memset(&c, 0, sizeof c);
		memset(&m, 0, sizeof m);
		iov.iov_base = buf;
		iov.iov_len = sizeof buf;
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = c.b;
		m.msg_controllen = sizeof c.b;
		CHECK_EQ(recvmsg(sv[1], &m, MSG_CMSG_CLOEXEC), 1, "recvmsg");
		cm = CMSG_FIRSTHDR(&m);
		CHECK(cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS && cm->cmsg_len == CMSG_LEN(sizeof(int)),
		      "received an SCM_RIGHTS control message");
		if (cm)
			memcpy(&got, CMSG_DATA(cm), sizeof got);
		CHECK_EQ(got, p[0], "the new fd is the lowest free one");
		CHECK_EQ(fcntl(got, F_GETFD), FD_CLOEXEC, "MSG_CMSG_CLOEXEC");
		memset(buf, 0, sizeof buf);
		CHECK(read(got, buf, sizeof buf) == 6 && !memcmp(buf, "via fd", 6), "the passed fd reads the pipe");
		close(got);
	}
	close(p[1]);

	/* SCM_CREDENTIALS */
	{
		int on = 1;
		struct msghdr m;
		struct iovec iov = {buf, sizeof buf};
		union {
			struct cmsghdr h;
			char b[CMSG_SPACE(sizeof(struct ucred))];
		} c;
		struct cmsghdr *cm;
		struct ucred cr = {0, 0, 0};
		CHECK_SYS(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on), "SO_PASSCRED");
		send(sv[0], "C", 1, 0);
		memset(&m, 0, sizeof m);
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = c.b;
		m.msg_controllen = sizeof c.b;
		CHECK_EQ(recvmsg(sv[1], &m, 0), 1, "recvmsg with credentials");
		cm = CMSG_FIRSTHDR(&m);
		if (cm && cm->cmsg_type == SCM_CREDENTIALS)
			memcpy(&cr, CMSG_DATA(cm), sizeof cr);
		CHECK(cr.pid == getpid() && cr.uid == getuid() && cr.gid == getgid(), "SCM_CREDENTIALS are ours");
		socklen_t l = sizeof cr;
		memset(&cr, 0, sizeof cr);
		CHECK(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cr, &l) == 0 && cr.pid == getpid() && cr.uid == getuid(),
		      "SO_PEERCRED");
	}
	close(sv[0]);
	close(sv[1]);

	/* a listening socket on a path */
	{
		struct sockaddr_un a, b;
		socklen_t l;
		int s, c, a2;
		memset(&a, 0, sizeof a);
		a.sun_family = AF_UNIX;
		snprintf(a.sun_path, sizeof a.sun_path, "%s/sock", dir);
		s = CHECK_SYS(socket(AF_UNIX, SOCK_STREAM, 0), "socket AF_UNIX");
		CHECK_SYS(bind(s, (struct sockaddr *)&a, sizeof a), "bind to a path");
		CHECK_ERR(bind(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a, sizeof a), EADDRINUSE, "bind the same path again");
		CHECK_SYS(listen(s, 4), "listen");
		c = socket(AF_UNIX, SOCK_STREAM, 0);
		CHECK_SYS(connect(c, (struct sockaddr *)&a, sizeof a), "connect");
		a2 = CHECK_SYS(accept4(s, NULL, NULL, SOCK_CLOEXEC), "accept4 SOCK_CLOEXEC");
		CHECK_EQ(fcntl(a2, F_GETFD), FD_CLOEXEC, "accepted fd FD_CLOEXEC");
		l = sizeof b;
		memset(&b, 0, sizeof b);
		CHECK(getpeername(c, (struct sockaddr *)&b, &l) == 0 && !strcmp(b.sun_path, a.sun_path), "getpeername is the path");
		l = sizeof b;
		CHECK(getsockname(s, (struct sockaddr *)&b, &l) == 0 && !strcmp(b.sun_path, a.sun_path), "getsockname is the path");
		CHECK_EQ(write(c, "hi", 2), 2, "client write");
		CHECK_EQ(read(a2, buf, sizeof buf), 2, "server read");
		CHECK_ERR(accept(c, NULL, NULL), EINVAL, "accept on a connected socket");
		close(a2);
		close(c);
		close(s);
		unlink(a.sun_path);
		c = socket(AF_UNIX, SOCK_STREAM, 0);
		CHECK_ERR(connect(c, (struct sockaddr *)&a, sizeof a), ENOENT, "connect to a missing path");
		close(c);
	}
	r = open("/dev/null", O_RDONLY);
	CHECK_ERR(recv(r, buf, 1, 0), ENOTSOCK, "recv on a non-socket");
	close(r);
	CHECK_ERR(recv(-1, buf, 1, 0), EBADF, "recv on a bad fd");
	CHECK_ERR(socket(9999, SOCK_STREAM, 0), EAFNOSUPPORT, "socket bad family");
	CHECK_ERR(socket(AF_UNIX, 9999, 0), EINVAL, "socket bad type");
}

static void test_inet(void)
{
	struct sockaddr_in a, b, c;
	socklen_t l;
	char buf[2000];
	int s, cl, sv, u1, u2, one = 1, v;

	s = socket(AF_INET, SOCK_STREAM, 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0) {
		SKIP("inet: no loopback here (%s)", errno_name(errno));
		if (s >= 0)
			close(s);
		return;
	}
	CHECK(1, "socket AF_INET and bind 127.0.0.1:0");
	CHECK_SYS(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one), "SO_REUSEADDR");
	l = sizeof v;
	CHECK(getsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, &l) == 0 && v == 1, "SO_REUSEADDR read back");
	l = sizeof a;
	CHECK_SYS(getsockname(s, (struct sockaddr *)&a, &l), "getsockname");
	CHECK(a.sin_port != 0 && a.sin_addr.s_addr == htonl(INADDR_LOOPBACK) && l == sizeof a, "bound to a port on 127.0.0.1");
	CHECK_SYS(listen(s, 4), "listen");
	cl = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK_SYS(connect(cl, (struct sockaddr *)&a, sizeof a), "connect to the listener");
	l = sizeof b;
	sv = CHECK_SYS(accept(s, (struct sockaddr *)&b, &l), "accept");
	l = sizeof c;
	getsockname(cl, (struct sockaddr *)&c, &l);
	CHECK(b.sin_port == c.sin_port && b.sin_addr.s_addr == c.sin_addr.s_addr, "accept's peer address is the client's name");
	CHECK_SYS(setsockopt(cl, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one), "TCP_NODELAY");
	l = sizeof v;
	CHECK(getsockopt(cl, IPPROTO_TCP, TCP_NODELAY, &v, &l) == 0 && v == 1, "TCP_NODELAY read back");
	memset(buf, 'T', sizeof buf);
	CHECK_EQ(send(cl, buf, sizeof buf, 0), (long)sizeof buf, "send 2000 bytes");
	{
		size_t total = 0;
		ssize_t n;
		while (total < sizeof buf && (n = recv(sv, buf, sizeof buf, 0)) > 0)
			total += n;
		CHECK_EQ(total, sizeof buf, "receive 2000 bytes");
	}
	CHECK_SYS(shutdown(cl, SHUT_WR), "shutdown");
	CHECK_EQ(recv(sv, buf, sizeof buf, 0), 0, "EOF after shutdown");
	close(sv);
	close(cl);
	close(s);
	/* the port is closed now: connection refused */
	cl = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_ERR(connect(cl, (struct sockaddr *)&a, sizeof a), ECONNREFUSED, "connect to a closed port");
	close(cl);

	/* UDP */
	u1 = socket(AF_INET, SOCK_DGRAM, 0);
	u2 = socket(AF_INET, SOCK_DGRAM, 0);
	a.sin_port = 0;
	bind(u1, (struct sockaddr *)&a, sizeof a);
	bind(u2, (struct sockaddr *)&a, sizeof a);
	l = sizeof b;
	getsockname(u1, (struct sockaddr *)&b, &l);
	l = sizeof c;
	getsockname(u2, (struct sockaddr *)&c, &l);
	CHECK_EQ(sendto(u1, "datagram", 8, 0, (struct sockaddr *)&c, sizeof c), 8, "UDP sendto");
	{
		struct sockaddr_in from;
		l = sizeof from;
		memset(buf, 0, 16);
		CHECK_EQ(recvfrom(u2, buf, sizeof buf, 0, (struct sockaddr *)&from, &l), 8, "UDP recvfrom");
		CHECK(!memcmp(buf, "datagram", 8) && from.sin_port == b.sin_port, "UDP data and source port");
	}
	CHECK_ERR(send(u1, "x", 1, 0), EDESTADDRREQ, "UDP send without a destination");
	close(u1);
	close(u2);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		printf("FAIL setup: mkdtemp (%s)\n", errno_name(errno));
		return 1;
	}
	test_eventfd();
	test_timerfd();
	test_memfd();
	test_inotify();
	test_unix();
	test_inet();
	test_signalfd(); /* last: without signal masking, its signal is fatal */
	CHECK_SYS(rmdir(dir), "remove the work directory");
	return check_done();
}
