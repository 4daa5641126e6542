/* Descriptor control: fcntl and ioctl. */
#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>
/* The kernel's own termios and winsize, not glibc's (whose struct termios is bigger): the
 * host kernel reads and writes these. No glibc termios or ioctl header may join them. */
#include <asm/ioctls.h>
#include <asm/termbits.h>
#include <asm/termios.h>

#include "../arch/arch.h"
#include "../syscall.h"
#include "fs_common.h"

/* fcntl: commands and struct flock are asm-generic on both guests (and on the host). */

enum {
	GF_DUPFD = 0, GF_GETFD = 1, GF_SETFD = 2, GF_GETFL = 3, GF_SETFL = 4,
	GF_GETLK = 5, GF_SETLK = 6, GF_SETLKW = 7,
	GF_SETOWN = 8, GF_GETOWN = 9, GF_SETSIG = 10, GF_GETSIG = 11,
	GF_SETOWN_EX = 15, GF_GETOWN_EX = 16,
	GF_OFD_GETLK = 36, GF_OFD_SETLK = 37, GF_OFD_SETLKW = 38,
	GF_SETLEASE = 1024, GF_GETLEASE = 1025, GF_NOTIFY = 1026, GF_DUPFD_QUERY = 1027,
	GF_CREATED_QUERY = 1028, GF_CANCELLK = 1029, GF_DUPFD_CLOEXEC = 1030,
	GF_SETPIPE_SZ = 1031, GF_GETPIPE_SZ = 1032, GF_ADD_SEALS = 1033, GF_GET_SEALS = 1034,
	GF_GET_RW_HINT = 1035, GF_SET_RW_HINT = 1036, GF_GET_FILE_RW_HINT = 1037,
	GF_SET_FILE_RW_HINT = 1038,
};
_Static_assert(GF_GETLK == F_GETLK && GF_SETLKW == F_SETLKW && GF_OFD_SETLKW == F_OFD_SETLKW &&
		       GF_GETOWN_EX == F_GETOWN_EX && GF_DUPFD_CLOEXEC == F_DUPFD_CLOEXEC &&
		       GF_GET_SEALS == F_GET_SEALS,
	       "host fcntl commands are the asm-generic ones");

/* asm-generic struct flock with a 64-bit __kernel_off_t. */
struct guest_flock {
	int16_t l_type, l_whence;
	int32_t pad0;
	int64_t l_start, l_len;
	int32_t l_pid, pad1;
};
_Static_assert(sizeof(struct guest_flock) == 32, "struct flock is 32 bytes");
_Static_assert(offsetof(struct flock, l_start) == offsetof(struct guest_flock, l_start) &&
		       offsetof(struct flock, l_pid) == offsetof(struct guest_flock, l_pid),
	       "host struct flock");

static void host_flock_from_guest(struct flock *h, const struct guest_flock *g)
{
	*h = (struct flock){ .l_type = g->l_type, .l_whence = g->l_whence, .l_start = g->l_start,
			     .l_len = g->l_len, .l_pid = g->l_pid };
}

static void guest_flock_from_host(struct guest_flock *g, const struct flock *h)
{
	*g = (struct guest_flock){ .l_type = h->l_type, .l_whence = h->l_whence,
				   .l_start = h->l_start, .l_len = h->l_len, .l_pid = h->l_pid };
}

/* struct f_owner_ex: { int type; pid_t pid; }. */
struct guest_f_owner_ex {
	int32_t type, pid;
};

static long fcntl_lock(struct sc_thread *t, int fd, unsigned cmd, gaddr_t arg, bool get)
{
	struct guest_flock g;
	/* The kernel checks the fd before the pointer: a NULL host call gives its errors. */
	if (get_guest(t->proc, g, arg))
		return syscall(SYS_fcntl, fd, cmd, NULL) < 0 ? -errno : -EFAULT;
	struct flock h;
	host_flock_from_guest(&h, &g);
	if (syscall(SYS_fcntl, fd, cmd, &h) < 0)
		return -errno;
	if (get) {
		guest_flock_from_host(&g, &h);
		if (put_guest(t->proc, arg, g))
			return -EFAULT;
	}
	return 0;
}

/* A command whose argument points at n bytes the kernel reads (in) or writes (!in). */
static long fcntl_ptr(struct sc_thread *t, int fd, unsigned cmd, gaddr_t arg, void *buf,
		      size_t n, bool in)
{
	if (in && copy_from_guest(t->proc, buf, arg, n))
		return syscall(SYS_fcntl, fd, cmd, NULL) < 0 ? -errno : -EFAULT;
	long r = syscall(SYS_fcntl, fd, cmd, buf);
	if (r < 0)
		return -errno;
	if (!in && copy_to_guest(t->proc, arg, buf, n))
		return -EFAULT;
	return r;
}

SYSCALL_DEFINE3(fcntl, fd, fd, cmd, cmd, ulong, arg)
{
	const struct sc_arch *a = t->proc->arch;
	switch (cmd) {
	case GF_GETFL: {
		long r = syscall(SYS_fcntl, fd, cmd);
		return r < 0 ? -errno : host_oflags_to_guest(a, (int)r);
	}
	case GF_SETFL:
		return host_ret(syscall(SYS_fcntl, fd, cmd, guest_oflags_to_host(a, (int)arg)));
	case GF_GETLK:
	case GF_OFD_GETLK:
		return fcntl_lock(t, fd, cmd, arg, true);
	case GF_SETLK:
	case GF_SETLKW:
	case GF_OFD_SETLK:
	case GF_OFD_SETLKW:
		return fcntl_lock(t, fd, cmd, arg, false);
	case GF_GETOWN_EX:
	case GF_SETOWN_EX: {
		struct guest_f_owner_ex o;
		return fcntl_ptr(t, fd, cmd, arg, &o, sizeof o, cmd == GF_SETOWN_EX);
	}
	case GF_GET_RW_HINT:
	case GF_GET_FILE_RW_HINT:
	case GF_SET_RW_HINT:
	case GF_SET_FILE_RW_HINT: {
		uint64_t hint;
		return fcntl_ptr(t, fd, cmd, arg, &hint, sizeof hint,
				 cmd == GF_SET_RW_HINT || cmd == GF_SET_FILE_RW_HINT);
	}
	case GF_DUPFD:
	case GF_DUPFD_CLOEXEC:
	case GF_GETFD:
	case GF_SETFD:
	case GF_SETOWN:
	case GF_GETOWN:
	case GF_SETSIG:
	case GF_GETSIG:
	case GF_SETLEASE:
	case GF_GETLEASE:
	case GF_NOTIFY:
	case GF_DUPFD_QUERY:
	case GF_CREATED_QUERY:
	case GF_CANCELLK:
	case GF_SETPIPE_SZ:
	case GF_GETPIPE_SZ:
	case GF_ADD_SEALS:
	case GF_GET_SEALS:
		/* Plain integer arguments and results; the kernel truncates to int itself. */
		return host_ret(syscall(SYS_fcntl, fd, cmd, arg));
	default:
		return -EINVAL;
	}
}

/* ioctl. The tty ioctls and their structs are asm-generic on both guests, and the host kernel
 * (x86-64 or arm64) uses the same numbers and layouts; so a guest struct is the host kernel's
 * byte for byte and the conversion is a checked copy. */

/* asm-generic struct termios (NCCS 19), termios2, termio and winsize. */
struct guest_termios {
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line, c_cc[19];
};
struct guest_termios2 {
	struct guest_termios t;
	uint32_t c_ispeed, c_ospeed;
};
struct guest_termio {
	uint16_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line, c_cc[8];
};
struct guest_winsize {
	uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};
_Static_assert(sizeof(struct guest_termios) == 36 && sizeof(struct termios) == 36 &&
		       offsetof(struct termios, c_cc) == offsetof(struct guest_termios, c_cc),
	       "kernel struct termios");
_Static_assert(sizeof(struct guest_termios2) == 44 && sizeof(struct termios2) == 44 &&
		       offsetof(struct termios2, c_ispeed) == offsetof(struct guest_termios2, c_ispeed),
	       "kernel struct termios2");
_Static_assert(sizeof(struct guest_termio) == 18 && sizeof(struct termio) == 18,
	       "kernel struct termio");
_Static_assert(sizeof(struct guest_winsize) == 8 && sizeof(struct winsize) == 8,
	       "kernel struct winsize");

/* How an ioctl's argument is passed. */
enum ioc_arg {
	ARG_VAL,    /* an integer, or nothing */
	ARG_IN,     /* points at size bytes the kernel reads */
	ARG_OUT,    /* points at size bytes the kernel writes */
	ARG_OFLAGS, /* open flags (TIOCGPTPEER) */
};

struct ioc_desc {
	uint32_t cmd; /* guest value; the host's is the same (asserted below) */
	uint8_t kind, size;
};

/* The guest numbers, from asm-generic/ioctls.h. */
#define G_IOC(dir, nr, size) (((uint32_t)(dir) << 30) | ((uint32_t)(size) << 16) | ('T' << 8) | (nr))
#define G_IOR(nr, size) G_IOC(2u, nr, size)
#define G_IOW(nr, size) G_IOC(1u, nr, size)

static const struct ioc_desc ioctls[] = {
	{ 0x5401, ARG_OUT, sizeof(struct guest_termios) },   /* TCGETS */
	{ 0x5402, ARG_IN, sizeof(struct guest_termios) },    /* TCSETS */
	{ 0x5403, ARG_IN, sizeof(struct guest_termios) },    /* TCSETSW */
	{ 0x5404, ARG_IN, sizeof(struct guest_termios) },    /* TCSETSF */
	{ 0x5405, ARG_OUT, sizeof(struct guest_termio) },    /* TCGETA */
	{ 0x5406, ARG_IN, sizeof(struct guest_termio) },     /* TCSETA */
	{ 0x5407, ARG_IN, sizeof(struct guest_termio) },     /* TCSETAW */
	{ 0x5408, ARG_IN, sizeof(struct guest_termio) },     /* TCSETAF */
	{ 0x5409, ARG_VAL, 0 },                              /* TCSBRK */
	{ 0x540A, ARG_VAL, 0 },                              /* TCXONC */
	{ 0x540B, ARG_VAL, 0 },                              /* TCFLSH */
	{ 0x540C, ARG_VAL, 0 },                              /* TIOCEXCL */
	{ 0x540D, ARG_VAL, 0 },                              /* TIOCNXCL */
	{ 0x540E, ARG_VAL, 0 },                              /* TIOCSCTTY */
	{ 0x540F, ARG_OUT, sizeof(int32_t) },                /* TIOCGPGRP */
	{ 0x5410, ARG_IN, sizeof(int32_t) },                 /* TIOCSPGRP */
	{ 0x5411, ARG_OUT, sizeof(int32_t) },                /* TIOCOUTQ */
	{ 0x5412, ARG_IN, 1 },                               /* TIOCSTI */
	{ 0x5413, ARG_OUT, sizeof(struct guest_winsize) },   /* TIOCGWINSZ */
	{ 0x5414, ARG_IN, sizeof(struct guest_winsize) },    /* TIOCSWINSZ */
	{ 0x5415, ARG_OUT, sizeof(int32_t) },                /* TIOCMGET */
	{ 0x5416, ARG_IN, sizeof(int32_t) },                 /* TIOCMBIS */
	{ 0x5417, ARG_IN, sizeof(int32_t) },                 /* TIOCMBIC */
	{ 0x5418, ARG_IN, sizeof(int32_t) },                 /* TIOCMSET */
	{ 0x5419, ARG_OUT, sizeof(int32_t) },                /* TIOCGSOFTCAR */
	{ 0x541A, ARG_IN, sizeof(int32_t) },                 /* TIOCSSOFTCAR */
	{ 0x541B, ARG_OUT, sizeof(int32_t) },                /* FIONREAD */
	{ 0x541D, ARG_VAL, 0 },                              /* TIOCCONS */
	{ 0x5420, ARG_IN, sizeof(int32_t) },                 /* TIOCPKT */
	{ 0x5421, ARG_IN, sizeof(int32_t) },                 /* FIONBIO */
	{ 0x5422, ARG_VAL, 0 },                              /* TIOCNOTTY */
	{ 0x5423, ARG_IN, sizeof(int32_t) },                 /* TIOCSETD */
	{ 0x5424, ARG_OUT, sizeof(int32_t) },                /* TIOCGETD */
	{ 0x5425, ARG_VAL, 0 },                              /* TCSBRKP */
	{ 0x5427, ARG_VAL, 0 },                              /* TIOCSBRK */
	{ 0x5428, ARG_VAL, 0 },                              /* TIOCCBRK */
	{ 0x5429, ARG_OUT, sizeof(int32_t) },                /* TIOCGSID */
	{ G_IOR(0x2A, sizeof(struct guest_termios2)), ARG_OUT, sizeof(struct guest_termios2) },
	{ G_IOW(0x2B, sizeof(struct guest_termios2)), ARG_IN, sizeof(struct guest_termios2) },
	{ G_IOW(0x2C, sizeof(struct guest_termios2)), ARG_IN, sizeof(struct guest_termios2) },
	{ G_IOW(0x2D, sizeof(struct guest_termios2)), ARG_IN, sizeof(struct guest_termios2) },
	{ G_IOR(0x30, 4), ARG_OUT, sizeof(uint32_t) },       /* TIOCGPTN */
	{ G_IOW(0x31, 4), ARG_IN, sizeof(int32_t) },         /* TIOCSPTLCK */
	{ G_IOR(0x32, 4), ARG_OUT, sizeof(uint32_t) },       /* TIOCGDEV */
	{ G_IOW(0x36, 4), ARG_VAL, 0 },                      /* TIOCSIG: the signal by value */
	{ 0x5437, ARG_VAL, 0 },                              /* TIOCVHANGUP */
	{ G_IOR(0x38, 4), ARG_OUT, sizeof(int32_t) },        /* TIOCGPKT */
	{ G_IOR(0x39, 4), ARG_OUT, sizeof(int32_t) },        /* TIOCGPTLCK */
	{ G_IOR(0x40, 4), ARG_OUT, sizeof(int32_t) },        /* TIOCGEXCL */
	{ 0x5441, ARG_OFLAGS, 0 },                           /* TIOCGPTPEER */
	{ 0x5450, ARG_VAL, 0 },                              /* FIONCLEX */
	{ 0x5451, ARG_VAL, 0 },                              /* FIOCLEX */
	{ 0x5452, ARG_IN, sizeof(int32_t) },                 /* FIOASYNC */
	{ 0x5460, ARG_OUT, sizeof(int64_t) },                /* FIOQSIZE */
};
_Static_assert(TCGETS == 0x5401 && TCSETSF == 0x5404 && TCGETA == 0x5405 && TIOCGWINSZ == 0x5413 &&
		       FIONREAD == 0x541B && FIONBIO == 0x5421 && TIOCGSID == 0x5429 &&
		       FIOCLEX == 0x5451 && FIOQSIZE == 0x5460 && TIOCGPTPEER == 0x5441,
	       "host ioctl numbers are the asm-generic ones");
_Static_assert(TCGETS2 == G_IOR(0x2A, 44) && TCSETSF2 == G_IOW(0x2D, 44) &&
		       TIOCGPTN == G_IOR(0x30, 4) && TIOCSPTLCK == G_IOW(0x31, 4) &&
		       TIOCSIG == G_IOW(0x36, 4) && TIOCGEXCL == G_IOR(0x40, 4),
	       "host _IOR/_IOW encoding is the asm-generic one");

static const struct ioc_desc *ioc_find(uint32_t cmd)
{
	for (size_t i = 0; i < sizeof ioctls / sizeof ioctls[0]; i++)
		if (ioctls[i].cmd == cmd)
			return &ioctls[i];
	return NULL;
}

static void warn_unknown_ioctl(struct sc_process *p, int fd, uint32_t cmd)
{
	/* One warning per command: programs probe ioctls in loops. */
	static uint32_t seen[32];
	static unsigned nseen;
	for (unsigned i = 0; i < nseen; i++)
		if (seen[i] == cmd)
			return;
	if (nseen < sizeof seen / sizeof seen[0])
		seen[nseen++] = cmd;
	sc_warn(p, "unsupported ioctl 0x%x on fd %d", cmd, fd);
}

SYSCALL_DEFINE3(ioctl, fd, fd, cmd, cmd, ulong, arg)
{
	const struct ioc_desc *d = ioc_find(cmd);
	if (!d) {
		warn_unknown_ioctl(t->proc, fd, cmd);
		return -ENOTTY;
	}
	uint8_t buf[64] = { 0 };
	switch (d->kind) {
	case ARG_VAL:
		return host_ret(syscall(SYS_ioctl, fd, cmd, arg));
	case ARG_OFLAGS:
		return host_ret(syscall(SYS_ioctl, fd, cmd,
					guest_oflags_to_host(t->proc->arch, (int)arg)));
	case ARG_IN:
		/* The kernel checks the fd and the command before the pointer: a NULL host call
		 * reports those errors first, EFAULT otherwise. */
		if (copy_from_guest(t->proc, buf, arg, d->size))
			return syscall(SYS_ioctl, fd, cmd, NULL) < 0 ? -errno : -EFAULT;
		return host_ret(syscall(SYS_ioctl, fd, cmd, buf));
	case ARG_OUT: {
		long r = syscall(SYS_ioctl, fd, cmd, buf);
		if (r < 0)
			return -errno;
		return copy_to_guest(t->proc, arg, buf, d->size) ? -EFAULT : r;
	}
	}
	return -ENOTTY;
}
