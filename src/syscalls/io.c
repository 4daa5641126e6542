/* Data through file descriptors: read/write families, pipes, dup, fcntl, ioctl, poll. */
#include <errno.h>
#include <unistd.h>

#include "../syscall.h"

SYSCALL_DEFINE3(read, fd, fd, obuf, buf, size, count)
{
	void *h = guest_io_buf(t->proc, buf, count);
	if (!h)
		return -EFAULT;
	ssize_t r = read(fd, h, count);
	return r < 0 ? -errno : r;
}

SYSCALL_DEFINE3(write, fd, fd, ibuf, buf, size, count)
{
	void *h = guest_io_buf(t->proc, buf, count);
	if (!h)
		return -EFAULT;
	ssize_t r = write(fd, h, count);
	return r < 0 ? -errno : r;
}

SYSCALL_DEFINE1(close, fd, fd)
{
	(void)t;
	return close(fd) ? -errno : 0;
}
