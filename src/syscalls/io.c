/* Data through file descriptors: the read/write families, seeking, dup, pipes, in-kernel copies,
 * syncing and space management. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../arch/arch.h"
#include "../syscall.h"
#include "fs_common.h"

/* The guest's struct iovec: the same on every 64-bit guest. */
struct guest_iovec {
	uint64_t base, len;
};
_Static_assert(sizeof(struct guest_iovec) == sizeof(struct iovec), "iovec sizes");

long iov_from_guest(struct sc_process *p, struct iovec *iov, gaddr_t addr, uint64_t cnt)
{
	if (cnt > GUEST_IOV_MAX)
		return -EINVAL;
	if (cnt == 0)
		return 0;
	/* Read the whole array in place, then turn each guest record into a host one. */
	if (copy_from_guest(p, iov, addr, cnt * sizeof *iov))
		return -EFAULT;
	for (uint64_t i = 0; i < cnt; i++) {
		struct guest_iovec g;
		memcpy(&g, &iov[i], sizeof g);
		if ((int64_t)g.len < 0)
			return -EINVAL;
		void *h = io_buf(p, g.base, g.len);
		if (!h)
			return -EFAULT;
		iov[i].iov_base = h;
		iov[i].iov_len = g.len;
	}
	return 0;
}

/* Read and write. A buffer outside the guest is EFAULT, but the kernel first checks the fd,
 * its open mode and, for an explicit offset, the offset and that the file can seek: those
 * errors win. They are probed without side effects (a zero-length write would still send an
 * empty datagram on a socket). pos < 0 means the call has no offset. */
static long fd_precheck(int fd, bool write, int64_t pos)
{
	int fl = (int)syscall(SYS_fcntl, fd, F_GETFL);
	if (fl < 0)
		return -errno;
	if (fl & O_PATH)
		return -EBADF;
	if (pos >= 0 && lseek(fd, 0, SEEK_CUR) < 0 && errno == ESPIPE)
		return -ESPIPE;
	int acc = fl & O_ACCMODE;
	if (write ? acc == O_RDONLY : acc == O_WRONLY)
		return -EBADF;
	return 0;
}

static long bad_buffer(int fd, bool write, int64_t pos, long err)
{
	long e = fd_precheck(fd, write, pos);
	return e ? e : err;
}

SYSCALL_DEFINE3(read, fd, fd, obuf, buf, size, count)
{
	void *h = io_buf(t->proc, buf, count);
	if (!h)
		return bad_buffer(fd, false, -1, -EFAULT);
	return host_ret(read(fd, h, count));
}

SYSCALL_DEFINE3(write, fd, fd, ibuf, buf, size, count)
{
	void *h = io_buf(t->proc, buf, count);
	if (!h)
		return bad_buffer(fd, true, -1, -EFAULT);
	return host_ret(write(fd, h, count));
}

SYSCALL_DEFINE4(pread64, fd, fd, obuf, buf, size, count, off, pos)
{
	void *h = io_buf(t->proc, buf, count);
	if (!h)
		return pos < 0 ? -EINVAL : bad_buffer(fd, false, pos, -EFAULT);
	return host_ret(pread(fd, h, count, pos));
}

SYSCALL_DEFINE4(pwrite64, fd, fd, ibuf, buf, size, count, off, pos)
{
	void *h = io_buf(t->proc, buf, count);
	if (!h)
		return pos < 0 ? -EINVAL : bad_buffer(fd, true, pos, -EFAULT);
	return host_ret(pwrite(fd, h, count, pos));
}

/* The vector calls. On 64-bit guests pos_l holds the whole offset and pos_h is ignored;
 * -1 in the *v2 calls means the current position. */
static long do_rwv(struct sc_thread *t, long nr, bool write, int fd, gaddr_t vec, uint64_t vlen,
		   int64_t pos, int flags)
{
	struct iovec iov[GUEST_IOV_MAX];
	long e = iov_from_guest(t->proc, iov, vec, vlen);
	if (e < 0)
		return pos < -1 ? -EINVAL : bad_buffer(fd, write, pos, e);
	return host_ret(syscall(nr, fd, iov, vlen, pos, 0, flags));
}

SYSCALL_DEFINE3(readv, fd, fd, iov, vec, ulong, vlen)
{
	return do_rwv(t, SYS_preadv2, false, fd, vec, vlen, -1, 0);
}

SYSCALL_DEFINE3(writev, fd, fd, iov, vec, ulong, vlen)
{
	return do_rwv(t, SYS_pwritev2, true, fd, vec, vlen, -1, 0);
}

SYSCALL_DEFINE5(preadv, fd, fd, iov, vec, ulong, vlen, off, pos_l, ulong, pos_h)
{
	(void)pos_h;
	/* Unlike in the *v2 calls, -1 is no "current position" here. */
	if (pos_l < 0)
		return -EINVAL;
	return do_rwv(t, SYS_preadv, false, fd, vec, vlen, pos_l, 0);
}

SYSCALL_DEFINE5(pwritev, fd, fd, iov, vec, ulong, vlen, off, pos_l, ulong, pos_h)
{
	(void)pos_h;
	/* Unlike in the *v2 calls, -1 is no "current position" here. */
	if (pos_l < 0)
		return -EINVAL;
	return do_rwv(t, SYS_pwritev, true, fd, vec, vlen, pos_l, 0);
}

SYSCALL_DEFINE6(preadv2, fd, fd, iov, vec, ulong, vlen, off, pos_l, ulong, pos_h, int, flags)
{
	(void)pos_h;
	return do_rwv(t, SYS_preadv2, false, fd, vec, vlen, pos_l, flags);
}

SYSCALL_DEFINE6(pwritev2, fd, fd, iov, vec, ulong, vlen, off, pos_l, ulong, pos_h, int, flags)
{
	(void)pos_h;
	return do_rwv(t, SYS_pwritev2, true, fd, vec, vlen, pos_l, flags);
}

SYSCALL_DEFINE3(lseek, fd, fd, off, offset, whence, whence)
{
	(void)t;
	return host_ret(lseek(fd, offset, whence));
}

/* Descriptors */

SYSCALL_DEFINE1(close, fd, fd)
{
	(void)t;
	return close(fd) ? -errno : 0;
}

SYSCALL_DEFINE3(close_range, uint, first, uint, last, uint, flags)
{
	(void)t;
	return host_ret(syscall(SYS_close_range, first, last, flags));
}

SYSCALL_DEFINE1(dup, fd, oldfd)
{
	(void)t;
	return host_ret(dup(oldfd));
}

SYSCALL_DEFINE2(dup2, fd, oldfd, fd, newfd)
{
	(void)t;
	return host_ret(dup2(oldfd, newfd));
}

SYSCALL_DEFINE3(dup3, fd, oldfd, fd, newfd, oflags, flags)
{
	return host_ret(dup3(oldfd, newfd, guest_oflags_to_host(t->proc->arch, flags)));
}

static long do_pipe2(struct sc_thread *t, gaddr_t fds, int host_flags)
{
	int fd[2];
	if (pipe2(fd, host_flags))
		return -errno;
	int32_t g[2] = { fd[0], fd[1] };
	if (put_guest(t->proc, fds, g)) {
		close(fd[0]);
		close(fd[1]);
		return -EFAULT;
	}
	return 0;
}

SYSCALL_DEFINE2(pipe2, ptr, fds, oflags, flags)
{
	return do_pipe2(t, fds, guest_oflags_to_host(t->proc->arch, flags));
}

SYSCALL_DEFINE1(pipe, ptr, fds)
{
	return do_pipe2(t, fds, 0);
}

/* In-kernel copies. The offsets are loff_t in guest memory, read before and written after. */

SYSCALL_DEFINE4(sendfile, fd, out_fd, fd, in_fd, ptr, offset, size, count)
{
	if (!offset)
		return host_ret(sendfile(out_fd, in_fd, NULL, count));
	int64_t off;
	if (get_guest(t->proc, off, offset))
		return -EFAULT;
	off_t o = off;
	long r = host_ret(sendfile(out_fd, in_fd, &o, count));
	/* Written back whatever the outcome, as the kernel does. */
	off = o;
	if (put_guest(t->proc, offset, off))
		return -EFAULT;
	return r;
}

SYSCALL_DEFINE6(copy_file_range, fd, fd_in, ptr, off_in, fd, fd_out, ptr, off_out, size, len,
		uint, flags)
{
	int64_t oi = 0, oo = 0;
	if (off_in && get_guest(t->proc, oi, off_in))
		return -EFAULT;
	if (off_out && get_guest(t->proc, oo, off_out))
		return -EFAULT;
	long r = host_ret(syscall(SYS_copy_file_range, fd_in, off_in ? &oi : NULL, fd_out,
				  off_out ? &oo : NULL, len, flags));
	if (r > 0 && ((off_in && put_guest(t->proc, off_in, oi)) ||
		      (off_out && put_guest(t->proc, off_out, oo))))
		return -EFAULT;
	return r;
}

SYSCALL_DEFINE6(splice, fd, fd_in, ptr, off_in, fd, fd_out, ptr, off_out, size, len, uint, flags)
{
	int64_t oi = 0, oo = 0;
	if (off_in && get_guest(t->proc, oi, off_in))
		return -EFAULT;
	if (off_out && get_guest(t->proc, oo, off_out))
		return -EFAULT;
	long r = host_ret(syscall(SYS_splice, fd_in, off_in ? &oi : NULL, fd_out,
				  off_out ? &oo : NULL, len, flags));
	if ((off_in && put_guest(t->proc, off_in, oi)) ||
	    (off_out && put_guest(t->proc, off_out, oo)))
		return -EFAULT;
	return r;
}

SYSCALL_DEFINE4(tee, fd, fd_in, fd, fd_out, size, len, uint, flags)
{
	(void)t;
	return host_ret(syscall(SYS_tee, fd_in, fd_out, len, flags));
}

SYSCALL_DEFINE4(vmsplice, fd, fd, iov, vec, ulong, vlen, uint, flags)
{
	struct iovec iov[GUEST_IOV_MAX];
	long e = iov_from_guest(t->proc, iov, vec, vlen);
	if (e < 0)
		return e;
	return host_ret(syscall(SYS_vmsplice, fd, iov, vlen, flags));
}

/* Syncing, sizes, advice, locks */

SYSCALL_DEFINE1(fsync, fd, fd) { (void)t; return host_ret(fsync(fd)); }
SYSCALL_DEFINE1(fdatasync, fd, fd) { (void)t; return host_ret(fdatasync(fd)); }
SYSCALL_DEFINE1(syncfs, fd, fd) { (void)t; return host_ret(syncfs(fd)); }

SYSCALL_DEFINE0(sync)
{
	(void)t;
	sync();
	return 0;
}

SYSCALL_DEFINE4(sync_file_range, fd, fd, off, offset, off, nbytes, uint, flags)
{
	(void)t;
	return host_ret(syscall(SYS_sync_file_range, fd, offset, nbytes, flags));
}

SYSCALL_DEFINE2(ftruncate, fd, fd, off, length)
{
	(void)t;
	return host_ret(syscall(SYS_ftruncate, fd, length));
}

SYSCALL_DEFINE4(fallocate, fd, fd, int, mode, off, offset, off, len)
{
	(void)t;
	return host_ret(syscall(SYS_fallocate, fd, mode, offset, len));
}

/* posix_fadvise returns the error instead of setting errno: use the raw call. */
SYSCALL_DEFINE4(fadvise64, fd, fd, off, offset, off, len, int, advice)
{
	(void)t;
	return host_ret(syscall(SYS_fadvise64, fd, offset, len, advice));
}

SYSCALL_DEFINE3(readahead, fd, fd, off, offset, size, count)
{
	(void)t;
	return host_ret(syscall(SYS_readahead, fd, offset, count));
}

SYSCALL_DEFINE2(flock, fd, fd, int, operation)
{
	(void)t;
	return host_ret(flock(fd, operation));
}

/* Other descriptor kinds whose flags are O_CLOEXEC / O_NONBLOCK (EFD_*, IN_*: the same on
 * every guest) and whose records (eventfd's u64, struct inotify_event) are arch-independent. */

SYSCALL_DEFINE2(eventfd2, uint, count, int, flags)
{
	(void)t;
	return host_ret(syscall(SYS_eventfd2, count, flags));
}

SYSCALL_DEFINE1(eventfd, uint, count)
{
	(void)t;
	return host_ret(syscall(SYS_eventfd2, count, 0));
}

SYSCALL_DEFINE1(inotify_init1, int, flags)
{
	(void)t;
	return host_ret(syscall(SYS_inotify_init1, flags));
}

SYSCALL_DEFINE0(inotify_init)
{
	(void)t;
	return host_ret(syscall(SYS_inotify_init1, 0));
}

SYSCALL_DEFINE3(inotify_add_watch, fd, fd, path, path, uint, mask)
{
	char buf[GUEST_PATH_MAX];
	const char *p;
	long e = fs_get_path(t->proc, buf, path, &p);
	if (e < 0)
		return e;
	return host_ret(syscall(SYS_inotify_add_watch, fd, p, mask));
}

SYSCALL_DEFINE2(inotify_rm_watch, fd, fd, int, wd)
{
	(void)t;
	return host_ret(syscall(SYS_inotify_rm_watch, fd, wd));
}
