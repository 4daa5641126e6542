/* Helpers shared by the file and descriptor syscalls (fs*.c, io*.c, ioctl.c). */
#ifndef SYSCORN_SYSCALLS_FS_COMMON_H
#define SYSCORN_SYSCALLS_FS_COMMON_H

#include <errno.h>
#include <sys/uio.h>

#include "../syscall.h"

/* The kernel's PATH_MAX, NUL included; the same on every guest. */
#define GUEST_PATH_MAX 4096
/* UIO_MAXIOV. */
#define GUEST_IOV_MAX 1024

/* A host call's result as a handler returns it. */
static inline long host_ret(long r)
{
	return r < 0 ? -errno : r;
}

/* Copies the guest path at addr into buf (GUEST_PATH_MAX bytes) and sets *host to what the host
 * call should get: buf, or NULL for a NULL guest pointer, so that the host kernel applies its
 * own rules for NULL paths (EFAULT, or "the fd itself" with AT_EMPTY_PATH on newer kernels)
 * exactly as a native run would. 0 or -EFAULT / -ENAMETOOLONG. */
long fs_get_path(struct sc_process *p, char *buf, gaddr_t addr, const char **host);

/* The path a host call that follows symlinks should use: the guest program instead of
 * syscorn for /proc/self/exe and its aliases, path itself otherwise. */
const char *fs_follow_exe(struct sc_process *p, const char *path);

/* True when path names this process's /proc exe link. */
bool fs_is_proc_exe(const char *path);

/* Opens the guest's own version of a /proc/self file (maps, auxv) with host open flags: an fd,
 * -errno, or FS_PROC_HOST when the host's file is the right one. */
#define FS_PROC_HOST 1
int fs_open_proc(struct sc_process *p, const char *path, int host_flags);

/* When path is /proc/<pid>/exe of another syscorn CLI process, puts what the link shows
 * natively (its guest program) in out (at most size bytes, no NUL), its length in *len, and
 * returns true; false when the host's link is the right one. */
bool fs_proc_other_exe(const char *path, char *out, size_t size, long *len);

/* A host pointer for a guest I/O buffer, NULL when the range is outside the guest. A zero-length
 * buffer is valid anywhere, as for the kernel's access_ok. */
static inline void *io_buf(struct sc_process *p, gaddr_t addr, size_t n)
{
	void *h = guest_io_buf(p, addr, n);
	if (!h && n == 0)
		h = guest_io_buf(p, 0, 0);
	return h;
}

/* Reads a guest iovec array (struct { u64 base, len }, the same on every 64-bit guest) into iov
 * as host iovecs over guest memory. 0, -EINVAL (more than GUEST_IOV_MAX) or -EFAULT. */
long iov_from_guest(struct sc_process *p, struct iovec *iov, gaddr_t addr, uint64_t cnt);

#endif
