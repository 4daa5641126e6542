/* /proc/self files whose host contents describe syscorn rather than the guest: the guest's
 * memory map (glibc's pthread_getattr_np finds the main thread's stack in it) and its auxiliary
 * vector. They are built from the guest's state into an anonymous file at each open, as the
 * kernel builds them at each read. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../mem.h"
#include "../syscall.h"
#include "fs_common.h"

/* The part after /proc/self/, /proc/thread-self/ or /proc/<our pid>/, or NULL. */
static const char *proc_self_name(const char *path)
{
	if (!path || strncmp(path, "/proc/", 6))
		return NULL;
	const char *s = path + 6;
	if (!strncmp(s, "self/", 5))
		return s + 5;
	if (!strncmp(s, "thread-self/", 12))
		return s + 12;
	char pid[24];
	int k = snprintf(pid, sizeof pid, "%d/", (int)getpid());
	return strncmp(s, pid, (size_t)k) ? NULL : s + k;
}

/* One line of the kernel's show_map_vma: the name starts at column 73, an unnamed mapping's
 * line ends in a space. */
static void maps_line(FILE *f, const struct sc_vma *v)
{
	const char *name = v->flags & VMA_STACK ? "[stack]" : v->flags & VMA_HEAP ? "[heap]" : v->name;
	unsigned maj = 0, min = 0;
	unsigned long ino = 0;
	struct stat st;
	if (v->name && !(v->flags & (VMA_STACK | VMA_HEAP)) && !stat(v->name, &st)) {
		maj = major(st.st_dev);
		min = minor(st.st_dev);
		ino = st.st_ino;
	}
	int n = fprintf(f, "%08llx-%08llx %c%c%c%c %08llx %02x:%02x %lu ",
			(unsigned long long)v->start, (unsigned long long)v->end,
			v->prot & PROT_READ ? 'r' : '-', v->prot & PROT_WRITE ? 'w' : '-',
			v->prot & PROT_EXEC ? 'x' : '-', v->flags & VMA_SHARED ? 's' : 'p',
			(unsigned long long)v->offset, maj, min, ino);
	if (name)
		fprintf(f, "%*s%s", n < 73 ? 73 - n : 0, "", name);
	fputc('\n', f);
}

static int write_maps(struct sc_process *p, FILE *f)
{
	for (size_t i = 0; i < p->mem.nvmas; i++)
		maps_line(f, &p->mem.vmas[i]);
	return 0;
}

static int write_auxv(struct sc_process *p, FILE *f)
{
	uint8_t *buf = malloc(p->auxv_len ? p->auxv_len : 1);
	if (!buf)
		return -ENOMEM;
	int e = copy_from_guest(p, buf, p->auxv_addr, p->auxv_len);
	if (!e)
		fwrite(buf, 1, p->auxv_len, f);
	free(buf);
	return e;
}

int fs_open_proc(struct sc_process *p, const char *path, int host_flags)
{
	const char *name = proc_self_name(path);
	int (*gen)(struct sc_process *, FILE *);
	if (!name)
		return FS_PROC_HOST;
	if (!strcmp(name, "maps"))
		gen = write_maps;
	else if (!strcmp(name, "auxv") && p->auxv_len)
		gen = write_auxv;
	else
		return FS_PROC_HOST;
	/* Anything but a plain read-only open fails or behaves on the host as it would natively. */
	if ((host_flags & O_ACCMODE) != O_RDONLY || (host_flags & (O_DIRECTORY | O_PATH | O_CREAT)))
		return FS_PROC_HOST;

	int mfd = memfd_create("syscorn-proc", MFD_CLOEXEC);
	if (mfd < 0)
		return -errno;
	int dfd = dup(mfd);
	FILE *f = dfd < 0 ? NULL : fdopen(dfd, "w");
	if (!f) {
		int e = errno;
		if (dfd >= 0)
			close(dfd);
		close(mfd);
		return -e;
	}
	int e = gen(p, f);
	if (fclose(f) && !e)
		e = -errno;
	if (e) {
		close(mfd);
		return e;
	}
	/* Reopening gives a read-only description with the guest's flags; moving it onto the
	 * memfd's number gives the guest the lowest free fd, as a native open would. */
	char self[64];
	snprintf(self, sizeof self, "/proc/self/fd/%d", mfd);
	int fd = open(self, O_RDONLY | (host_flags & O_NONBLOCK));
	if (fd < 0) {
		e = -errno;
		close(mfd);
		return e;
	}
	if (dup3(fd, mfd, host_flags & O_CLOEXEC) < 0) {
		e = -errno;
		close(fd);
		close(mfd);
		return e;
	}
	close(fd);
	return mfd;
}
