/* Files and directories by name: open, links, permissions, times, cwd. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../api.h"
#include "../arch/arch.h"
#include "../syscall.h"
#include "fs_common.h"

long fs_get_path(struct sc_process *p, char *buf, gaddr_t addr, const char **host)
{
	if (!addr) {
		*host = NULL;
		return 0;
	}
	long n = strncpy_from_guest(p, buf, addr, GUEST_PATH_MAX);
	if (n < 0)
		return n;
	if (p->api)
		sc_vfile_redirect(p, buf); /* the embedder's in-memory files */
	*host = buf;
	return 0;
}

bool fs_is_proc_exe(const char *path)
{
	if (!path || strncmp(path, "/proc/", 6))
		return false;
	const char *s = path + 6;
	const char *slash = strchr(s, '/');
	if (!slash || strcmp(slash, "/exe"))
		return false;
	size_t n = (size_t)(slash - s);
	if ((n == 4 && !strncmp(s, "self", 4)) || (n == 11 && !strncmp(s, "thread-self", 11)))
		return true;
	char pid[24];
	int k = snprintf(pid, sizeof pid, "%d", (int)getpid());
	return (size_t)k == n && !strncmp(s, pid, n);
}

const char *fs_follow_exe(struct sc_process *p, const char *path)
{
	return p->exe_path && fs_is_proc_exe(path) ? p->exe_path : path;
}

/* Declares `char name##_buf[]` and `const char *name`, the guest path at addr; returns from the
 * handler when it cannot be copied. */
#define GET_PATH(name, addr)                                                    \
	char name##_buf[GUEST_PATH_MAX];                                        \
	const char *name;                                                       \
	do {                                                                    \
		long e_ = fs_get_path(t->proc, name##_buf, (addr), &name);      \
		if (e_ < 0)                                                     \
			return e_;                                              \
	} while (0)

/* open */

static long do_open(struct sc_thread *t, int dirfd, gaddr_t path, int guest_flags, unsigned mode)
{
	GET_PATH(p, path);
	int flags = guest_oflags_to_host(t->proc->arch, guest_flags);
	int fd = fs_open_proc(t->proc, p, flags);
	if (fd != FS_PROC_HOST)
		return fd;
	if (!(flags & O_NOFOLLOW))
		p = fs_follow_exe(t->proc, p);
	return host_ret(syscall(SYS_openat, dirfd, p, flags, mode));
}

SYSCALL_DEFINE4(openat, dirfd, dirfd, path, path, oflags, flags, mode, mode)
{
	return do_open(t, dirfd, path, flags, mode);
}

SYSCALL_DEFINE3(open, path, path, oflags, flags, mode, mode)
{
	return do_open(t, AT_FDCWD, path, flags, mode);
}

SYSCALL_DEFINE2(creat, path, path, mode, mode)
{
	return do_open(t, AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

/* include/uapi/linux/openat2.h; extensible: later versions only append fields. */
struct guest_open_how {
	uint64_t flags, mode, resolve;
};
_Static_assert(sizeof(struct guest_open_how) == 24, "struct open_how v0 is 24 bytes");

SYSCALL_DEFINE4(openat2, dirfd, dirfd, path, path, ptr, how, size, size)
{
	struct guest_open_how g;
	if (size < sizeof g)
		return -EINVAL;
	if (size > SC_PAGE)
		return -E2BIG;
	if (get_guest(t->proc, g, how))
		return -EFAULT;
	/* copy_struct_from_user: a newer caller's extra fields must be zero. */
	for (uint64_t off = sizeof g; off < size; off++) {
		uint8_t b;
		if (get_guest(t->proc, b, how + off))
			return -EFAULT;
		if (b)
			return -E2BIG;
	}
	GET_PATH(p, path);
	/* Bits above 32 are invalid; keep them so the host rejects them too. */
	struct guest_open_how h = g;
	h.flags = (g.flags & ~0xffffffffull) |
		  (uint32_t)guest_oflags_to_host(t->proc->arch, (int)(uint32_t)g.flags);
	/* With resolve restrictions (RESOLVE_NO_MAGICLINKS...) the host decides alone. */
	if (!h.resolve && !(h.flags >> 32)) {
		int fd = fs_open_proc(t->proc, p, (int)h.flags);
		if (fd != FS_PROC_HOST)
			return fd;
	}
	if (!(h.flags & O_NOFOLLOW))
		p = fs_follow_exe(t->proc, p);
	return host_ret(syscall(SYS_openat2, dirfd, p, &h, sizeof h));
}

/* Directories and names */

SYSCALL_DEFINE3(mkdirat, dirfd, dirfd, path, path, mode, mode)
{
	GET_PATH(p, path);
	return host_ret(syscall(SYS_mkdirat, dirfd, p, mode));
}

SYSCALL_DEFINE2(mkdir, path, path, mode, mode)
{
	GET_PATH(p, path);
	return host_ret(syscall(SYS_mkdirat, AT_FDCWD, p, mode));
}

SYSCALL_DEFINE4(mknodat, dirfd, dirfd, path, path, mode, mode, uint, dev)
{
	GET_PATH(p, path);
	return host_ret(syscall(SYS_mknodat, dirfd, p, mode, dev));
}

SYSCALL_DEFINE3(mknod, path, path, mode, mode, uint, dev)
{
	GET_PATH(p, path);
	return host_ret(syscall(SYS_mknodat, AT_FDCWD, p, mode, dev));
}

SYSCALL_DEFINE3(unlinkat, dirfd, dirfd, path, path, atflags, flags)
{
	GET_PATH(p, path);
	return host_ret(syscall(SYS_unlinkat, dirfd, p, flags));
}

SYSCALL_DEFINE1(unlink, path, path)
{
	GET_PATH(p, path);
	return host_ret(syscall(SYS_unlinkat, AT_FDCWD, p, 0));
}

SYSCALL_DEFINE1(rmdir, path, path)
{
	GET_PATH(p, path);
	return host_ret(syscall(SYS_unlinkat, AT_FDCWD, p, AT_REMOVEDIR));
}

SYSCALL_DEFINE5(renameat2, dirfd, olddirfd, path, oldpath, dirfd, newdirfd, path, newpath,
		uint, flags)
{
	GET_PATH(o, oldpath);
	GET_PATH(n, newpath);
	return host_ret(syscall(SYS_renameat2, olddirfd, o, newdirfd, n, flags));
}

SYSCALL_DEFINE4(renameat, dirfd, olddirfd, path, oldpath, dirfd, newdirfd, path, newpath)
{
	GET_PATH(o, oldpath);
	GET_PATH(n, newpath);
	return host_ret(syscall(SYS_renameat2, olddirfd, o, newdirfd, n, 0));
}

SYSCALL_DEFINE2(rename, path, oldpath, path, newpath)
{
	GET_PATH(o, oldpath);
	GET_PATH(n, newpath);
	return host_ret(syscall(SYS_renameat2, AT_FDCWD, o, AT_FDCWD, n, 0));
}

SYSCALL_DEFINE3(symlinkat, str, target, dirfd, newdirfd, path, linkpath)
{
	GET_PATH(s, target);
	GET_PATH(l, linkpath);
	return host_ret(syscall(SYS_symlinkat, s, newdirfd, l));
}

SYSCALL_DEFINE2(symlink, str, target, path, linkpath)
{
	GET_PATH(s, target);
	GET_PATH(l, linkpath);
	return host_ret(syscall(SYS_symlinkat, s, AT_FDCWD, l));
}

SYSCALL_DEFINE5(linkat, dirfd, olddirfd, path, oldpath, dirfd, newdirfd, path, newpath,
		atflags, flags)
{
	GET_PATH(o, oldpath);
	GET_PATH(n, newpath);
	return host_ret(syscall(SYS_linkat, olddirfd, o, newdirfd, n, flags));
}

SYSCALL_DEFINE2(link, path, oldpath, path, newpath)
{
	GET_PATH(o, oldpath);
	GET_PATH(n, newpath);
	return host_ret(syscall(SYS_linkat, AT_FDCWD, o, AT_FDCWD, n, 0));
}

static long do_readlinkat(struct sc_thread *t, int dirfd, gaddr_t path, gaddr_t buf, int bufsiz)
{
	if (bufsiz <= 0)
		return -EINVAL;
	GET_PATH(p, path);
	char out[GUEST_PATH_MAX];
	long n;
	/* glibc's static start-up finds its program this way; it must see the guest's, not us. */
	if (t->proc->exe_path && fs_is_proc_exe(p)) {
		n = (long)strlen(t->proc->exe_path);
		if (n > (long)sizeof out)
			n = sizeof out;
		memcpy(out, t->proc->exe_path, (size_t)n);
	} else if (!fs_proc_other_exe(p, out, sizeof out, &n)) {
		n = syscall(SYS_readlinkat, dirfd, p, out, sizeof out);
		if (n < 0)
			return -errno;
	}
	if (n > bufsiz)
		n = bufsiz;
	return copy_to_guest(t->proc, buf, out, (size_t)n) ? -EFAULT : n;
}

SYSCALL_DEFINE4(readlinkat, dirfd, dirfd, path, path, obuf, buf, int, bufsiz)
{
	return do_readlinkat(t, dirfd, path, buf, bufsiz);
}

SYSCALL_DEFINE3(readlink, path, path, obuf, buf, int, bufsiz)
{
	return do_readlinkat(t, AT_FDCWD, path, buf, bufsiz);
}

/* Permissions and ownership */

SYSCALL_DEFINE3(faccessat, dirfd, dirfd, path, path, int, mode)
{
	GET_PATH(p, path);
	return host_ret(syscall(SYS_faccessat, dirfd, fs_follow_exe(t->proc, p), mode));
}

SYSCALL_DEFINE4(faccessat2, dirfd, dirfd, path, path, int, mode, atflags, flags)
{
	GET_PATH(p, path);
	if (!(flags & AT_SYMLINK_NOFOLLOW))
		p = fs_follow_exe(t->proc, p);
	return host_ret(syscall(SYS_faccessat2, dirfd, p, mode, flags));
}

SYSCALL_DEFINE2(access, path, path, int, mode)
{
	GET_PATH(p, path);
	return host_ret(syscall(SYS_faccessat, AT_FDCWD, fs_follow_exe(t->proc, p), mode));
}

SYSCALL_DEFINE2(fchmod, fd, fd, mode, mode)
{
	(void)t;
	return host_ret(syscall(SYS_fchmod, fd, mode));
}

SYSCALL_DEFINE3(fchmodat, dirfd, dirfd, path, path, mode, mode)
{
	GET_PATH(p, path);
	return host_ret(syscall(SYS_fchmodat, dirfd, p, mode));
}

SYSCALL_DEFINE2(chmod, path, path, mode, mode)
{
	GET_PATH(p, path);
	return host_ret(syscall(SYS_fchmodat, AT_FDCWD, p, mode));
}

SYSCALL_DEFINE3(fchown, fd, fd, uid, owner, uid, group)
{
	(void)t;
	return host_ret(syscall(SYS_fchown, fd, owner, group));
}

SYSCALL_DEFINE5(fchownat, dirfd, dirfd, path, path, uid, owner, uid, group, atflags, flags)
{
	GET_PATH(p, path);
	return host_ret(syscall(SYS_fchownat, dirfd, p, owner, group, flags));
}

SYSCALL_DEFINE3(chown, path, path, uid, owner, uid, group)
{
	GET_PATH(p, path);
	return host_ret(syscall(SYS_fchownat, AT_FDCWD, p, owner, group, 0));
}

SYSCALL_DEFINE3(lchown, path, path, uid, owner, uid, group)
{
	GET_PATH(p, path);
	return host_ret(syscall(SYS_fchownat, AT_FDCWD, p, owner, group, AT_SYMLINK_NOFOLLOW));
}

SYSCALL_DEFINE1(umask, mode, mask)
{
	(void)t;
	return umask(mask & 0777);
}

/* Sizes and times */

SYSCALL_DEFINE2(truncate, path, path, off, length)
{
	GET_PATH(p, path);
	return host_ret(syscall(SYS_truncate, p, length));
}

/* struct timespec / timeval: two 64-bit words on every 64-bit guest. */
struct guest_timespec {
	int64_t tv_sec, tv_nsec;
};
struct guest_timeval {
	int64_t tv_sec, tv_usec;
};

static void host_timespec_from_guest(struct timespec *h, const struct guest_timespec *g)
{
	h->tv_sec = g->tv_sec;
	h->tv_nsec = g->tv_nsec;
}

SYSCALL_DEFINE4(utimensat, dirfd, dirfd, path, path, timespec, times, atflags, flags)
{
	struct timespec ts[2], *tsp = NULL;
	if (times) {
		struct guest_timespec g[2];
		if (get_guest(t->proc, g, times))
			return -EFAULT;
		host_timespec_from_guest(&ts[0], &g[0]);
		host_timespec_from_guest(&ts[1], &g[1]);
		tsp = ts;
	}
	/* A NULL path means the fd itself (futimens); glibc's wrapper would refuse it. */
	GET_PATH(p, path);
	return host_ret(syscall(SYS_utimensat, dirfd, p, tsp, flags));
}

/* utimes/futimesat: microseconds, checked as the kernel does before converting. */
static long do_futimesat(struct sc_thread *t, int dirfd, gaddr_t path, gaddr_t times)
{
	struct timespec ts[2], *tsp = NULL;
	if (times) {
		struct guest_timeval g[2];
		if (get_guest(t->proc, g, times))
			return -EFAULT;
		for (int i = 0; i < 2; i++) {
			if (g[i].tv_usec < 0 || g[i].tv_usec >= 1000000)
				return -EINVAL;
			ts[i].tv_sec = g[i].tv_sec;
			ts[i].tv_nsec = g[i].tv_usec * 1000;
		}
		tsp = ts;
	}
	GET_PATH(p, path);
	return host_ret(syscall(SYS_utimensat, dirfd, p, tsp, 0));
}

SYSCALL_DEFINE2(utimes, path, path, timeval, times)
{
	return do_futimesat(t, AT_FDCWD, path, times);
}

SYSCALL_DEFINE3(futimesat, dirfd, dirfd, path, path, timeval, times)
{
	return do_futimesat(t, dirfd, path, times);
}

/* struct utimbuf: two longs, whole seconds. */
struct guest_utimbuf {
	int64_t actime, modtime;
};

SYSCALL_DEFINE2(utime, path, path, ptr, times)
{
	struct timespec ts[2], *tsp = NULL;
	if (times) {
		struct guest_utimbuf g;
		if (get_guest(t->proc, g, times))
			return -EFAULT;
		ts[0] = (struct timespec){ .tv_sec = g.actime };
		ts[1] = (struct timespec){ .tv_sec = g.modtime };
		tsp = ts;
	}
	GET_PATH(p, path);
	return host_ret(syscall(SYS_utimensat, AT_FDCWD, p, tsp, 0));
}

/* Working directory */

SYSCALL_DEFINE1(chdir, path, path)
{
	GET_PATH(p, path);
	return host_ret(syscall(SYS_chdir, p));
}

SYSCALL_DEFINE1(fchdir, fd, fd)
{
	(void)t;
	return host_ret(syscall(SYS_fchdir, fd));
}

SYSCALL_DEFINE2(getcwd, obuf, buf, size, size)
{
	/* The kernel's result never exceeds a page; the raw call keeps its semantics (length with
	 * the NUL, ERANGE, "(unreachable)"), which glibc's wrapper does not. */
	char out[GUEST_PATH_MAX];
	long n = syscall(SYS_getcwd, out, size < sizeof out ? size : sizeof out);
	if (n < 0)
		return -errno;
	return copy_to_guest(t->proc, buf, out, (size_t)n) ? -EFAULT : n;
}
