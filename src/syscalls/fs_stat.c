/* File status and directory listings: stat family, statx, statfs, getdents. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../arch/arch.h"
#include "../syscall.h"
#include "fs_common.h"

/* stat: the layout differs per guest, so the arch converts. */

static long do_fstatat(struct sc_thread *t, int dirfd, gaddr_t path, gaddr_t statbuf, int flags)
{
	char buf[GUEST_PATH_MAX];
	const char *p;
	long e = fs_get_path(t->proc, buf, path, &p);
	if (e < 0)
		return e;
	if (!(flags & AT_SYMLINK_NOFOLLOW))
		p = fs_follow_exe(t->proc, p);
	struct stat st;
	if (syscall(SYS_newfstatat, dirfd, p, &st, flags))
		return -errno;
	return t->proc->arch->stat_to_guest(t->proc, statbuf, &st);
}

SYSCALL_DEFINE4(newfstatat, dirfd, dirfd, path, path, stat, statbuf, atflags, flags)
{
	return do_fstatat(t, dirfd, path, statbuf, flags);
}

SYSCALL_DEFINE2(stat, path, path, stat, statbuf)
{
	return do_fstatat(t, AT_FDCWD, path, statbuf, 0);
}

SYSCALL_DEFINE2(lstat, path, path, stat, statbuf)
{
	return do_fstatat(t, AT_FDCWD, path, statbuf, AT_SYMLINK_NOFOLLOW);
}

SYSCALL_DEFINE2(fstat, fd, fd, stat, statbuf)
{
	struct stat st;
	if (syscall(SYS_fstat, fd, &st))
		return -errno;
	return t->proc->arch->stat_to_guest(t->proc, statbuf, &st);
}

/* struct statx is arch-independent (256 bytes); only the buffer is copied. */
_Static_assert(sizeof(struct statx) == 256, "struct statx is 256 bytes");

SYSCALL_DEFINE5(statx, dirfd, dirfd, path, path, atflags, flags, uint, mask, statx, statxbuf)
{
	char buf[GUEST_PATH_MAX];
	const char *p;
	long e = fs_get_path(t->proc, buf, path, &p);
	if (e < 0)
		return e;
	if (!(flags & AT_SYMLINK_NOFOLLOW))
		p = fs_follow_exe(t->proc, p);
	struct statx stx;
	if (syscall(SYS_statx, dirfd, p, flags, mask, &stx))
		return -errno;
	return put_guest(t->proc, statxbuf, stx);
}

/* struct statfs: asm-generic with a 64-bit __statfs_word on both 64-bit guests (arm64's
 * asm/statfs.h only packs the compat statfs64). */
struct guest_statfs {
	int64_t f_type, f_bsize;
	uint64_t f_blocks, f_bfree, f_bavail, f_files, f_ffree;
	int32_t f_fsid[2];
	int64_t f_namelen, f_frsize, f_flags, f_spare[4];
};
_Static_assert(sizeof(struct guest_statfs) == 120, "64-bit struct statfs is 120 bytes");
_Static_assert(offsetof(struct guest_statfs, f_fsid) == 56, "statfs f_fsid offset");

static int guest_statfs_from_host(struct sc_process *p, gaddr_t addr, const struct statfs *h)
{
	struct guest_statfs g = {
		.f_type = (int64_t)h->f_type, .f_bsize = (int64_t)h->f_bsize,
		.f_blocks = h->f_blocks, .f_bfree = h->f_bfree, .f_bavail = h->f_bavail,
		.f_files = h->f_files, .f_ffree = h->f_ffree,
		.f_fsid = { h->f_fsid.__val[0], h->f_fsid.__val[1] },
		.f_namelen = (int64_t)h->f_namelen, .f_frsize = (int64_t)h->f_frsize,
		.f_flags = (int64_t)h->f_flags,
	};
	return put_guest(p, addr, g);
}

SYSCALL_DEFINE2(statfs, path, path, statfs, buf)
{
	char pbuf[GUEST_PATH_MAX];
	const char *p;
	long e = fs_get_path(t->proc, pbuf, path, &p);
	if (e < 0)
		return e;
	struct statfs h;
	if (syscall(SYS_statfs, fs_follow_exe(t->proc, p), &h))
		return -errno;
	return guest_statfs_from_host(t->proc, buf, &h);
}

SYSCALL_DEFINE2(fstatfs, fd, fd, statfs, buf)
{
	struct statfs h;
	if (syscall(SYS_fstatfs, fd, &h))
		return -errno;
	return guest_statfs_from_host(t->proc, buf, &h);
}

/* Directory listings */

/* struct linux_dirent64 is the same everywhere: the host fills the guest's buffer directly. */
SYSCALL_DEFINE3(getdents64, fd, fd, obuf, dirp, uint, count)
{
	void *h = io_buf(t->proc, dirp, count);
	if (!h)
		return -EFAULT;
	return host_ret(syscall(SYS_getdents64, fd, h, count));
}

/* The host's linux_dirent64 record. */
struct host_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	uint16_t d_reclen;
	uint8_t d_type;
	char d_name[];
};

/* x86-64's old struct linux_dirent: the type byte after the name's NUL, at d_reclen - 1. */
struct guest_dirent {
	uint64_t d_ino, d_off;
	uint16_t d_reclen;
	char d_name[];
};
_Static_assert(offsetof(struct guest_dirent, d_name) == 18, "linux_dirent d_name offset");
_Static_assert(offsetof(struct host_dirent64, d_name) == 19, "linux_dirent64 d_name offset");

/* Both records are ALIGN(20 + name length, 8) bytes long, so a buffer of linux_dirent64
 * records converts into one of the same size, record for record, and the directory offset the
 * host advanced is right for what the guest gets. */
SYSCALL_DEFINE3(getdents, fd, fd, obuf, dirp, uint, count)
{
	/* The kernel's access_ok: only the bounds; the fd's errors come before a bad mapping's. */
	if (!io_buf(t->proc, dirp, count))
		return -EFAULT;
	size_t cap = count < 65536 ? count : 65536;
	char *in = malloc(cap), *out = malloc(cap);
	if (!in || !out) {
		free(in);
		free(out);
		return -ENOMEM;
	}
	long n = syscall(SYS_getdents64, fd, in, cap);
	if (n < 0) {
		n = -errno;
		goto done;
	}
	for (long pos = 0; pos < n;) {
		const struct host_dirent64 *d = (const void *)(in + pos);
		struct guest_dirent *g = (void *)(out + pos);
		size_t len = strlen(d->d_name);
		uint8_t type = d->d_type;
		g->d_ino = d->d_ino;
		g->d_off = (uint64_t)d->d_off;
		g->d_reclen = d->d_reclen;
		memcpy(g->d_name, d->d_name, len + 1);
		memset(g->d_name + len + 1, 0, d->d_reclen - offsetof(struct guest_dirent, d_name) - len - 1);
		out[pos + d->d_reclen - 1] = (char)type;
		pos += d->d_reclen;
	}
	if (copy_to_guest(t->proc, dirp, out, (size_t)n))
		n = -EFAULT;
done:
	free(in);
	free(out);
	return n;
}
