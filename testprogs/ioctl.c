/* ioctl: terminal and generic fd ioctls: TCGETS/TIOCGWINSZ on non-ttys (ENOTTY), FIONREAD,
 * FIONBIO, FIOCLEX/FIONCLEX, bad fds and pointers, and a pseudo-terminal pair (when /dev/ptmx
 * can be opened; otherwise a consistent "skip" line). */
#include "check.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>

static void test_non_tty(void)
{
	char path[] = "/tmp/syscorn-ioctl-XXXXXX";
	unsigned char kbuf[256];	/* big enough for the kernel's struct termios */
	struct winsize ws;
	struct termios t;
	int fd, nul, p[2], n, on;

	fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp");
	unlink(path);
	CHECK_EQ(write(fd, "0123456789", 10), 10, "write 10 bytes");
	nul = CHECK_SYS(open("/dev/null", O_RDWR), "open /dev/null");
	CHECK_SYS(pipe(p), "pipe");

	CHECK_ERR(ioctl(fd, TCGETS, kbuf), ENOTTY, "TCGETS on a regular file");
	CHECK_ERR(ioctl(nul, TCGETS, kbuf), ENOTTY, "TCGETS on /dev/null");
	CHECK_ERR(ioctl(p[0], TCGETS, kbuf), ENOTTY, "TCGETS on a pipe");
	CHECK_ERR(tcgetattr(fd, &t), ENOTTY, "tcgetattr on a regular file");
	CHECK_ERR(ioctl(fd, TIOCGWINSZ, &ws), ENOTTY, "TIOCGWINSZ on a regular file");
	CHECK_ERR(ioctl(p[1], TIOCGWINSZ, &ws), ENOTTY, "TIOCGWINSZ on a pipe");
	CHECK_ERR(ioctl(nul, TIOCGWINSZ, &ws), ENOTTY, "TIOCGWINSZ on /dev/null");
	errno = 0;
	CHECK(!isatty(fd) && errno == ENOTTY, "isatty(regular file) is 0 with ENOTTY");
	CHECK(!isatty(nul), "isatty(/dev/null) is 0");
	CHECK_ERR(ioctl(-1, TCGETS, kbuf), EBADF, "ioctl TCGETS fd -1");
	CHECK_ERR(ioctl(999, FIONREAD, &n), EBADF, "ioctl FIONREAD unused fd");
#ifdef __x86_64__ /* qemu-aarch64 7.2 answers ENOSYS to ioctls it does not know */
	CHECK_ERR(ioctl(fd, 0x12345678, &n), ENOTTY, "unknown ioctl on a regular file");
	CHECK_ERR(ioctl(p[0], 0x5401ff, &n), ENOTTY, "unknown ioctl on a pipe");
#endif

	/* FIONREAD */
	n = -1;
	CHECK_SYS(ioctl(p[0], FIONREAD, &n), "FIONREAD on an empty pipe");
	CHECK_EQ(n, 0, "FIONREAD empty pipe is 0");
	CHECK_EQ(write(p[1], "hello", 5), 5, "write 5 to the pipe");
	CHECK_SYS(ioctl(p[0], FIONREAD, &n), "FIONREAD on the pipe");
	CHECK_EQ(n, 5, "FIONREAD pipe is 5");
	CHECK_ERR(ioctl(p[0], FIONREAD, (void *)1), EFAULT, "FIONREAD bad pointer");
	CHECK_EQ(lseek(fd, 3, SEEK_SET), 3, "lseek file to 3");
	CHECK_SYS(ioctl(fd, FIONREAD, &n), "FIONREAD on a regular file");
	CHECK_EQ(n, 7, "FIONREAD file is size - offset");

	/* FIONBIO, FIOCLEX, FIONCLEX */
	on = 1;
	CHECK_SYS(ioctl(p[0], FIONBIO, &on), "FIONBIO on");
	CHECK(fcntl(p[0], F_GETFL) & O_NONBLOCK, "F_GETFL shows O_NONBLOCK");
	on = 0;
	CHECK_SYS(ioctl(p[0], FIONBIO, &on), "FIONBIO off");
	CHECK(!(fcntl(p[0], F_GETFL) & O_NONBLOCK), "F_GETFL O_NONBLOCK cleared");
	CHECK_SYS(ioctl(fd, FIOCLEX), "FIOCLEX");
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC, "FD_CLOEXEC set by FIOCLEX");
	CHECK_SYS(ioctl(fd, FIONCLEX), "FIONCLEX");
	CHECK_EQ(fcntl(fd, F_GETFD), 0, "FD_CLOEXEC cleared by FIONCLEX");
	CHECK_ERR(ioctl(fd, FIONBIO, (void *)1), EFAULT, "FIONBIO bad pointer");

	close(p[0]);
	close(p[1]);
	close(nul);
	close(fd);
}

static void test_pty(void)
{
	struct termios t, t2;
	struct winsize ws = {0}, ws2 = {0};
	char buf[64];
	int m, s, ptn = -1, unlock = 0;

	m = open("/dev/ptmx", O_RDWR | O_NOCTTY);
	if (m < 0) {
		SKIP("pty: cannot open /dev/ptmx (%s)", errno_name(errno));
		return;
	}
	CHECK(1, "open /dev/ptmx");
	CHECK_SYS(ioctl(m, TIOCGPTN, &ptn), "TIOCGPTN");
	CHECK(ptn >= 0, "pty number >= 0");
	CHECK_SYS(ioctl(m, TIOCSPTLCK, &unlock), "TIOCSPTLCK unlock");
	snprintf(buf, sizeof buf, "/dev/pts/%d", ptn);
	s = open(buf, O_RDWR | O_NOCTTY);
	if (s < 0) {
		SKIP("pty: cannot open the slave (%s)", errno_name(errno));
		close(m);
		return;
	}
	CHECK(1, "open the pty slave");
	CHECK(isatty(s) && isatty(m), "isatty on both ends");
	CHECK_SYS(tcgetattr(s, &t), "tcgetattr on the slave (TCGETS)");
	CHECK(t.c_lflag & ICANON, "slave starts in canonical mode");
	CHECK(t.c_lflag & ECHO, "slave starts with ECHO");
	ws.ws_row = 24;
	ws.ws_col = 80;
	ws.ws_xpixel = 1;
	ws.ws_ypixel = 2;
	CHECK_SYS(ioctl(m, TIOCSWINSZ, &ws), "TIOCSWINSZ on the master");
	CHECK_SYS(ioctl(s, TIOCGWINSZ, &ws2), "TIOCGWINSZ on the slave");
	CHECK(ws2.ws_row == 24 && ws2.ws_col == 80 && ws2.ws_xpixel == 1 && ws2.ws_ypixel == 2, "window size round trip");
	CHECK_ERR(ioctl(s, TIOCGWINSZ, (void *)1), EFAULT, "TIOCGWINSZ bad pointer");

	t2 = t;
	cfmakeraw(&t2);
	t2.c_cc[VMIN] = 1;
	t2.c_cc[VTIME] = 0;
	CHECK_SYS(tcsetattr(s, TCSANOW, &t2), "tcsetattr raw (TCSETS)");
	memset(&t2, 0, sizeof t2);
	CHECK_SYS(tcgetattr(s, &t2), "tcgetattr after raw");
	CHECK(!(t2.c_lflag & (ICANON | ECHO)) && t2.c_cc[VMIN] == 1, "raw mode read back");
	CHECK_SYS(cfsetospeed(&t2, B9600), "cfsetospeed");
	CHECK_SYS(tcsetattr(s, TCSADRAIN, &t2), "tcsetattr TCSADRAIN (TCSETSW)");
	tcgetattr(s, &t2);
	CHECK_EQ(cfgetospeed(&t2), B9600, "output speed read back");
	CHECK_EQ(write(m, "hi\n", 3), 3, "write to the master");
	memset(buf, 0, sizeof buf);
	CHECK_EQ(read(s, buf, sizeof buf), 3, "read from the slave");
	CHECK_STR(buf, "hi\n", "pty data, raw");
	CHECK_EQ(write(s, "out", 3), 3, "write to the slave");
	memset(buf, 0, sizeof buf);
	CHECK_EQ(read(m, buf, 3), 3, "read from the master");
	CHECK_STR(buf, "out", "pty data, slave to master");
	CHECK_SYS(tcsetattr(s, TCSANOW, &t), "restore canonical mode");
	CHECK_EQ(write(m, "ab", 2), 2, "write a partial line");
	{
		int n = -1;
		CHECK_SYS(ioctl(s, FIONREAD, &n), "FIONREAD on the slave (canonical, no newline yet)");
		CHECK_EQ(n, 0, "no complete line yet");
	}
	CHECK_SYS(tcflush(s, TCIFLUSH), "tcflush TCIFLUSH");
	CHECK_SYS(ioctl(s, TCXONC, TCOON), "TCXONC TCOON");
	CHECK_ERR(ioctl(s, TCSETS, (void *)1), EFAULT, "TCSETS bad pointer");
	close(s);
	close(m);
}

int main(void)
{
	test_non_tty();
	test_pty();
	return check_done();
}
