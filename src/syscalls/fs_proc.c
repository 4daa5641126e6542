/* /proc/self files whose host contents describe syscorn rather than the guest: the guest's
 * memory map (glibc's pthread_getattr_np finds the main thread's stack in it), its auxiliary
 * vector, its command line and environment (read from guest memory, where the guest may have
 * rewritten them, as the kernel reads them) and the stat fields that describe memory and
 * signals. They are built from the guest's state into an anonymous file at each open, as the
 * kernel builds them at each read.
 *
 * Other processes' files: the exe link of another syscorn CLI process (a child, a sibling in a
 * pipeline, the parent) names its guest program, found in that process's maps (see
 * fs_proc_other_exe). Its cmdline, environ, comm and the comm field of its stat need nothing
 * here: the CLI makes the host's the guest's (PR_SET_MM_MAP, PR_SET_NAME). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
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

/* Guest memory [start, end) into f; an unreadable range gives nothing, as for the kernel. */
static void write_guest_range(struct sc_process *p, FILE *f, gaddr_t start, gaddr_t end)
{
	char buf[4096];
	while (start < end) {
		size_t n = end - start < sizeof buf ? end - start : sizeof buf;
		if (copy_from_guest(p, buf, start, n))
			return;
		fwrite(buf, 1, n, f);
		start += n;
	}
}

/* The kernel's get_mm_cmdline: the argument strings; if the last one's NUL was overwritten
 * (setproctitle), the first string as far as it runs into the environment area, at most a
 * page. */
static int write_cmdline(struct sc_process *p, FILE *f)
{
	gaddr_t arg_start = p->layout.arg_start, arg_end = p->layout.arg_end;
	gaddr_t env_start = p->layout.env_start, env_end = p->layout.env_end;
	char c = 0;
	if (arg_start >= arg_end)
		return 0;
	if (env_start != arg_end || env_end < env_start)
		env_end = arg_end;
	if (copy_from_guest(p, &c, arg_end - 1, 1) || !c) {
		write_guest_range(p, f, arg_start, arg_end);
		return 0;
	}
	char page[4096];
	size_t n = env_end - arg_start < sizeof page ? env_end - arg_start : sizeof page;
	long len = strncpy_from_guest(p, page, arg_start, n);
	if (len >= 0)
		fwrite(page, 1, (size_t)len + 1, f);
	else if (len == -ENAMETOOLONG)
		fwrite(page, 1, n, f);
	return 0;
}

static int write_environ(struct sc_process *p, FILE *f)
{
	write_guest_range(p, f, p->layout.env_start, p->layout.env_end);
	return 0;
}

/* /proc/self/stat: the host's line with the fields that describe syscorn's memory (its 1 TiB
 * reservation, its own code and stack) or its own signal handlers replaced by the guest's. */
static int write_stat(struct sc_process *p, FILE *f)
{
	char buf[2048];
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	int e = errno;
	close(fd);
	if (n <= 0)
		return n < 0 ? -e : -EIO;
	buf[n] = 0;
	char *rp = strrchr(buf, ')');
	if (!rp || rp[1] != ' ')
		return -EIO;
	/* Field numbers as in proc(5): 1 pid, 2 comm, 3 state... */
	char *field[64];
	int nf = 2;
	char *save;
	for (char *s = strtok_r(rp + 2, " \n", &save); s && nf < 63; s = strtok_r(NULL, " \n", &save))
		field[++nf] = s;
	uint64_t vsize = 0;
	for (size_t i = 0; i < p->mem.nvmas; i++)
		vsize += p->mem.vmas[i].end - p->mem.vmas[i].start;
	uint64_t ignored = 0, caught = 0;
	for (int sig = 1; sig <= 64 && p->sig_inherited; sig++) {
		uint64_t h = p->sigactions[sig - 1].handler;
		if (h == 1)
			ignored |= 1ull << (sig - 1);
		else if (h > 1)
			caught |= 1ull << (sig - 1);
	}
	struct {
		int n;
		uint64_t v;
		bool valid;
	} set[] = {
		{ 23, vsize, true },
		{ 26, p->layout.start_code, true },
		{ 27, p->layout.end_code, true },
		{ 28, p->layout.start_stack, true },
		{ 33, ignored, p->sig_inherited },
		{ 34, caught, p->sig_inherited },
		{ 45, p->layout.start_data, true },
		{ 46, p->layout.end_data, true },
		{ 47, p->mem.brk_start, true },
		{ 48, p->layout.arg_start, true },
		{ 49, p->layout.arg_end, true },
		{ 50, p->layout.env_start, true },
		{ 51, p->layout.env_end, true },
	};
	*rp = 0;
	fprintf(f, "%s) ", buf);
	for (int i = 3; i <= nf; i++) {
		bool done = false;
		for (size_t k = 0; k < sizeof set / sizeof set[0] && !done; k++)
			if (set[k].n == i && set[k].valid) {
				fprintf(f, "%llu", (unsigned long long)set[k].v);
				done = true;
			}
		if (!done)
			fputs(field[i], f);
		fputc(i == nf ? '\n' : ' ', f);
	}
	return 0;
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
	else if (!strcmp(name, "cmdline") && p->layout.arg_start)
		gen = write_cmdline;
	else if (!strcmp(name, "environ") && p->layout.env_end)
		gen = write_environ;
	else if (!strcmp(name, "stat") && p->layout.start_stack)
		gen = write_stat;
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

/* The CLI (main.c, SYSCORN_EXE_MARK there) maps its guest program's file, PROT_NONE and never
 * touched, at this file offset, which no loader uses: the kernel shows the mapping in
 * /proc/<pid>/maps under the file's resolved path, " (deleted)" included, as it shows the exe
 * link. Copied to every process the guest forks, replaced at each exec, out of the guest's
 * reach (outside its address space). */
#define EXE_MARK_OFFSET 0x5343e4e0000000ull

/* The pid of a "/proc/<pid>/exe" path, other than ours; 0 otherwise. */
static pid_t proc_exe_pid(const char *path)
{
	if (!path || strncmp(path, "/proc/", 6))
		return 0;
	char *end;
	const char *s = path + 6;
	if (*s < '1' || *s > '9')
		return 0;
	long pid = strtol(s, &end, 10);
	if (strcmp(end, "/exe") || pid <= 0 || pid > 0x3fffffff || pid == (long)getpid())
		return 0;
	return (pid_t)pid;
}

bool fs_proc_other_exe(const char *path, char *out, size_t size, long *len)
{
	pid_t pid = proc_exe_pid(path);
	if (!pid)
		return false;
	/* Only a process of our own executable can be a syscorn CLI: every other one (among
	 * them programs that embed the library) is left to the host, without reading its
	 * maps. stat follows the link even to a deleted file. */
	struct stat self, other;
	if (stat("/proc/self/exe", &self) || stat(path, &other) || self.st_dev != other.st_dev ||
	    self.st_ino != other.st_ino)
		return false;
	char maps[40];
	snprintf(maps, sizeof maps, "/proc/%d/maps", (int)pid);
	FILE *f = fopen(maps, "re");
	if (!f)
		return false;
	char *line = NULL;
	size_t cap = 0;
	bool found = false;
	while (!found && getline(&line, &cap, f) > 0) {
		unsigned long long off;
		int pos = 0;
		if (sscanf(line, "%*x-%*x %*s %llx %*s %*s %n", &off, &pos) != 1 || !pos ||
		    off != EXE_MARK_OFFSET || line[pos] != '/')
			continue;
		size_t n = strcspn(line + pos, "\n");
		if (n > size)
			n = size;
		memcpy(out, line + pos, n);
		*len = (long)n;
		found = true;
	}
	free(line);
	fclose(f);
	return found;
}
