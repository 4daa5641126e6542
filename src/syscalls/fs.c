/* Files and directories: open, stat, directories, links, permissions, cwd. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../arch/arch.h"
#include "../syscall.h"

#define PATH_MAX_GUEST 4096

SYSCALL_DEFINE4(newfstatat, dirfd, dirfd, path, path, stat, statbuf, atflags, flags)
{
	char buf[PATH_MAX_GUEST];
	long n = strncpy_from_guest(t->proc, buf, path, sizeof buf);
	if (n < 0)
		return n;
	struct stat st;
	if (fstatat(dirfd, buf, &st, flags))
		return -errno;
	return t->proc->arch->stat_to_guest(t->proc, statbuf, &st);
}

SYSCALL_DEFINE2(fstat, fd, fd, stat, statbuf)
{
	struct stat st;
	if (fstat(fd, &st))
		return -errno;
	return t->proc->arch->stat_to_guest(t->proc, statbuf, &st);
}
