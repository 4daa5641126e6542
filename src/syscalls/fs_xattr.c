/* Extended attributes: the get/set/list/remove families by path, by link and by fd. Values and
 * name lists are opaque bytes, the same on every guest, so the host reads and fills the guest's
 * buffers directly. */
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../syscall.h"
#include "fs_common.h"

/* XATTR_NAME_MAX + 1. */
#define GUEST_XATTR_NAME_SIZE 256

/* A name that does not fit is ERANGE, as in the kernel's import of it. */
static long get_xattr_name(struct sc_process *p, char *buf, gaddr_t addr)
{
	long n = strncpy_from_guest(p, buf, addr, GUEST_XATTR_NAME_SIZE);
	if (n == -ENAMETOOLONG || n == 0)
		return -ERANGE;
	return n < 0 ? n : 0;
}

/* A value or list buffer; size 0 asks for the size only and may come with any pointer. */
#define IO_BUF_OR_FAULT(h, addr, size)                       \
	void *h = io_buf(t->proc, (addr), (size));           \
	if (!h)                                              \
		return -EFAULT

static long do_setxattr(struct sc_thread *t, long nr, long target, gaddr_t name, gaddr_t value,
			uint64_t size, int flags)
{
	char n[GUEST_XATTR_NAME_SIZE];
	long e = get_xattr_name(t->proc, n, name);
	if (e < 0)
		return e;
	IO_BUF_OR_FAULT(v, value, size);
	return host_ret(syscall(nr, target, n, v, size, flags));
}

static long do_getxattr(struct sc_thread *t, long nr, long target, gaddr_t name, gaddr_t value,
			uint64_t size)
{
	char n[GUEST_XATTR_NAME_SIZE];
	long e = get_xattr_name(t->proc, n, name);
	if (e < 0)
		return e;
	IO_BUF_OR_FAULT(v, value, size);
	return host_ret(syscall(nr, target, n, v, size));
}

static long do_listxattr(struct sc_thread *t, long nr, long target, gaddr_t list, uint64_t size)
{
	IO_BUF_OR_FAULT(l, list, size);
	return host_ret(syscall(nr, target, l, size));
}

static long do_removexattr(struct sc_thread *t, long nr, long target, gaddr_t name)
{
	char n[GUEST_XATTR_NAME_SIZE];
	long e = get_xattr_name(t->proc, n, name);
	if (e < 0)
		return e;
	return host_ret(syscall(nr, target, n));
}

/* The path forms: the path is the target. */
#define WITH_PATH(call)                                                          \
	char pbuf[GUEST_PATH_MAX];                                               \
	const char *p;                                                           \
	long pe = fs_get_path(t->proc, pbuf, path, &p);                          \
	if (pe < 0)                                                              \
		return pe;                                                       \
	return call

SYSCALL_DEFINE5(setxattr, path, path, str, name, ibuf, value, size, size, int, flags)
{
	WITH_PATH(do_setxattr(t, SYS_setxattr, (long)p, name, value, size, flags));
}

SYSCALL_DEFINE5(lsetxattr, path, path, str, name, ibuf, value, size, size, int, flags)
{
	WITH_PATH(do_setxattr(t, SYS_lsetxattr, (long)p, name, value, size, flags));
}

SYSCALL_DEFINE5(fsetxattr, fd, fd, str, name, ibuf, value, size, size, int, flags)
{
	return do_setxattr(t, SYS_fsetxattr, fd, name, value, size, flags);
}

SYSCALL_DEFINE4(getxattr, path, path, str, name, obuf, value, size, size)
{
	WITH_PATH(do_getxattr(t, SYS_getxattr, (long)p, name, value, size));
}

SYSCALL_DEFINE4(lgetxattr, path, path, str, name, obuf, value, size, size)
{
	WITH_PATH(do_getxattr(t, SYS_lgetxattr, (long)p, name, value, size));
}

SYSCALL_DEFINE4(fgetxattr, fd, fd, str, name, obuf, value, size, size)
{
	return do_getxattr(t, SYS_fgetxattr, fd, name, value, size);
}

SYSCALL_DEFINE3(listxattr, path, path, obuf, list, size, size)
{
	WITH_PATH(do_listxattr(t, SYS_listxattr, (long)p, list, size));
}

SYSCALL_DEFINE3(llistxattr, path, path, obuf, list, size, size)
{
	WITH_PATH(do_listxattr(t, SYS_llistxattr, (long)p, list, size));
}

SYSCALL_DEFINE3(flistxattr, fd, fd, obuf, list, size, size)
{
	return do_listxattr(t, SYS_flistxattr, fd, list, size);
}

SYSCALL_DEFINE2(removexattr, path, path, str, name)
{
	WITH_PATH(do_removexattr(t, SYS_removexattr, (long)p, name));
}

SYSCALL_DEFINE2(lremovexattr, path, path, str, name)
{
	WITH_PATH(do_removexattr(t, SYS_lremovexattr, (long)p, name));
}

SYSCALL_DEFINE2(fremovexattr, fd, fd, str, name)
{
	return do_removexattr(t, SYS_fremovexattr, fd, name);
}
