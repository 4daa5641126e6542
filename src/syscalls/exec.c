/* execve and execveat.
 *
 * A program syscorn emulates (a static arm64 or x86-64 ELF, or a #! script whose interpreter,
 * after the kernel's rewriting, is one) is run by a new syscorn: the host executes the exec
 * prefix the embedding program set (the CLI: itself and its options) followed by
 * `-0 ARGV0 [--comm=NAME] -- PATH ARGS...` (--comm when the kernel would name the process
 * otherwise than PATH's base name). Everything else goes to the host's own execve, so a native
 * program runs natively (as under qemu-user) and whatever the host cannot run fails there with
 * the host's error. Only a dynamically linked program of a foreign architecture is refused here,
 * with ENOEXEC and one line saying why.
 *
 * Either way the host's execve carries over what the kernel carries over, because the guest's
 * process state is the host process's: open descriptors (close-on-exec ones closed), cwd,
 * umask, credentials, pending signals. The signal dispositions and mask are made the guest's
 * first (see prepare_signals), the pending signals syscorn holds go back into the host's queue
 * (sc_sig_exec_begin), and the resource limits syscorn only records are applied.
 *
 * Every error the guest can be given (path lookup, permissions, a bad argv, ENOEXEC, a missing
 * interpreter) is found before the host's execve, which leaves nothing to undo when it fails. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../arch/arch.h"
#include "../loader.h"
#include "../sig.h"
#include "../syscall.h"
#include "fs_common.h"
#include "../trace/trace.h"

#define BINPRM_BUF_SIZE 256          /* what the kernel reads to pick a binary format */
#define MAX_ARG_STRLEN (32 * 4096)   /* one argument or variable, NUL included */
#define MAX_ARG_TOTAL (6ull << 20)   /* _STK_LIM / 4 * 3: the most any stack limit allows */
#define MAX_REWRITES 4               /* #! levels the kernel follows before ELOOP */

#define GUEST_AT_SYMLINK_NOFOLLOW 0x100
#define GUEST_AT_EMPTY_PATH 0x1000
_Static_assert(AT_SYMLINK_NOFOLLOW == GUEST_AT_SYMLINK_NOFOLLOW && AT_EMPTY_PATH == GUEST_AT_EMPTY_PATH,
	       "host AT_ flags are the generic Linux ones");

/* A growing NULL-terminated vector of malloc'ed strings. */
struct strv {
	char **v;
	size_t n, cap;
};

static void strv_free(struct strv *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	*a = (struct strv){ 0 };
}

static int strv_add(struct strv *a, const char *s)
{
	if (a->n + 2 > a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		char **v = realloc(a->v, cap * sizeof *v);
		if (!v)
			return -ENOMEM;
		a->v = v;
		a->cap = cap;
	}
	if (!(a->v[a->n] = strdup(s)))
		return -ENOMEM;
	a->v[++a->n] = NULL;
	return 0;
}

/* Copies the guest's argv or envp (a NULL pointer is an empty array, as for the kernel). */
static long copy_strings(struct sc_process *p, gaddr_t addr, struct strv *out, uint64_t *total,
			 char *scratch)
{
	for (size_t i = 0; addr; i++) {
		uint64_t ptr;
		if (get_guest(p, ptr, addr + i * sizeof ptr))
			return -EFAULT;
		if (!ptr)
			break;
		long n = strncpy_from_guest(p, scratch, ptr, MAX_ARG_STRLEN);
		if (n == -ENAMETOOLONG)
			return -E2BIG;
		if (n < 0)
			return n;
		*total += (uint64_t)n + 1 + sizeof ptr;
		if (*total > MAX_ARG_TOTAL)
			return -E2BIG;
		if (strv_add(out, scratch))
			return -ENOMEM;
	}
	return 0;
}

/* A file execve would run, opened as the kernel's do_open_execat opens it: an O_PATH fd, or
 * -errno (EACCES for anything but a regular, executable file on an exec mount). */
static int open_exec(int dirfd, const char *path, int flags)
{
	int fd;
	if (!*path) {
		char self[40];
		if (dirfd == AT_FDCWD)
			return -EACCES; /* the cwd: a directory */
		snprintf(self, sizeof self, "/proc/self/fd/%d", dirfd);
		struct stat st;
		if (fstat(dirfd, &st))
			return -errno;
		fd = open(self, O_PATH | O_CLOEXEC);
	} else {
		fd = openat(dirfd, path, O_PATH | O_CLOEXEC |
					 ((flags & AT_SYMLINK_NOFOLLOW) ? O_NOFOLLOW : 0));
	}
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    syscall(SYS_faccessat2, fd, "", X_OK, AT_EMPTY_PATH | AT_EACCESS)) {
		close(fd);
		return -EACCES;
	}
	return fd;
}

/* What a file is to execve. */
enum kind {
	K_HOST,     /* the host's execve decides: native programs, other formats, errors */
	K_EMULATE,  /* a static ELF syscorn runs */
	K_SCRIPT,   /* #!: interpreter and optional argument in the buffer */
};

struct binprm {
	char buf[BINPRM_BUF_SIZE + 1];
	const char *i_name, *i_arg; /* K_SCRIPT: pointers into buf */
};

static bool elf_dynamic(int fd, const Elf64_Ehdr *eh)
{
	if (!eh->e_phnum || eh->e_phnum > 256 || eh->e_phentsize != sizeof(Elf64_Phdr))
		return false;
	Elf64_Phdr ph[256];
	size_t n = eh->e_phnum * sizeof ph[0];
	if (pread(fd, ph, n, (off_t)eh->e_phoff) != (ssize_t)n)
		return false;
	for (size_t i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_INTERP)
			return true;
	return false;
}

/* The kernel's binfmt_script parsing of the first line: interpreter, then at most one argument
 * (the rest of the line, outer blanks trimmed). -ENOEXEC when there is no interpreter or it
 * does not fit in the buffer. */
static long parse_shebang(struct binprm *b, size_t len)
{
	char *buf = b->buf, *end = buf + BINPRM_BUF_SIZE;
	memset(buf + len, 0, sizeof b->buf - len);
	char *i_end = memchr(buf, '\n', BINPRM_BUF_SIZE);
	if (!i_end) {
		char *c = buf + 2;
		while (c < end && (*c == ' ' || *c == '\t'))
			c++;
		if (c == end)
			return -ENOEXEC;
		while (c < end && *c != ' ' && *c != '\t' && *c)
			c++;
		if (c == end)
			return -ENOEXEC; /* the interpreter's name may be cut off */
		i_end = end;
	}
	while (i_end > buf + 2 && (i_end[-1] == ' ' || i_end[-1] == '\t'))
		i_end--;
	char *i_name = buf + 2;
	while (i_name < i_end && (*i_name == ' ' || *i_name == '\t'))
		i_name++;
	if (i_name == i_end)
		return -ENOEXEC;
	char *i_sep = i_name;
	while (i_sep < i_end && *i_sep != ' ' && *i_sep != '\t' && *i_sep)
		i_sep++;
	b->i_arg = NULL;
	if (i_sep < i_end && *i_sep) {
		char *a = i_sep;
		while (a < i_end && (*a == ' ' || *a == '\t'))
			a++;
		if (a < i_end)
			b->i_arg = a;
	}
	*i_end = 0;
	*i_sep = 0;
	b->i_name = i_name;
	return 0;
}

/* Reads the start of the file and says what it is. A file syscorn cannot read (execute-only)
 * goes to the host, which can run it if it is native. */
static long examine(struct sc_process *p, int pfd, const char *name, struct binprm *b,
		    enum kind *kind)
{
	char self[40];
	snprintf(self, sizeof self, "/proc/self/fd/%d", pfd);
	int fd = open(self, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*kind = K_HOST;
		return 0;
	}
	ssize_t len = pread(fd, b->buf, BINPRM_BUF_SIZE, 0);
	if (len < 0)
		len = 0;
	*kind = K_HOST;
	long r = 0;
	if (len >= 2 && b->buf[0] == '#' && b->buf[1] == '!') {
		r = parse_shebang(b, (size_t)len);
		if (!r)
			*kind = K_SCRIPT;
	} else if ((size_t)len >= sizeof(Elf64_Ehdr) && !memcmp(b->buf, ELFMAG, SELFMAG) &&
		   b->buf[EI_CLASS] == ELFCLASS64 && b->buf[EI_DATA] == ELFDATA2LSB) {
		Elf64_Ehdr eh;
		memcpy(&eh, b->buf, sizeof eh);
		const struct sc_arch *a = sc_arch_for_machine(eh.e_machine);
#if defined(__x86_64__)
		bool native = eh.e_machine == EM_X86_64;
#elif defined(__aarch64__)
		bool native = eh.e_machine == EM_AARCH64;
#endif
		if (a && (eh.e_type == ET_EXEC || eh.e_type == ET_DYN)) {
			char err[512];
			struct sc_elf *e;
			if (elf_dynamic(fd, &eh)) {
				if (!native) {
					sc_error(p, "cannot execute %s: a dynamically linked %s program "
						    "(syscorn runs static programs only)",
						 name, a->machine);
					r = -ENOEXEC;
				}
			} else if ((e = elf_open_checked(self, err, sizeof err))) {
				elf_close(e);
				*kind = K_EMULATE;
			} else if (!native) {
				/* A native one the host may still run; this one nobody can. */
				size_t k = strlen(self);
				sc_error(p, "cannot execute %s: %s", name,
					 strncmp(err, self, k) ? err : err + k + 2);
				r = -ENOEXEC;
			}
		}
	}
	close(fd);
	return r;
}

/* A path that names dirfd/path for the new syscorn, after close-on-exec descriptors are gone. */
static char *path_after_exec(int dirfd, const char *path)
{
	char self[40], link[GUEST_PATH_MAX];
	char *out = NULL;
	if (dirfd == AT_FDCWD || path[0] == '/')
		return strdup(path);
	snprintf(self, sizeof self, "/proc/self/fd/%d", dirfd);
	ssize_t n = readlink(self, link, sizeof link - 1);
	struct stat a, b;
	if (n > 0 && link[0] == '/') {
		link[n] = 0;
		if (!stat(link, &a) && !fstat(dirfd, &b) && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			self[0] = 0; /* the descriptor's file is still at this path */
	}
	int fl = fcntl(dirfd, F_GETFD);
	if (self[0] && fl >= 0 && (fl & FD_CLOEXEC)) {
		/* Nothing else names it (a memfd, a deleted file): the new process inherits a
		 * descriptor for it. */
		int d = fcntl(dirfd, F_DUPFD, 512);
		if (d < 0)
			return NULL;
		snprintf(self, sizeof self, "/proc/self/fd/%d", d);
	}
	const char *base = self[0] ? self : link;
	if (asprintf(&out, "%s%s%s", base, *path ? "/" : "", path) < 0)
		return NULL;
	return out;
}

/* The guest's signal dispositions in the host process, for the host's execve to carry over:
 * ignored signals ignored (the mirrored ones already are; not the synchronous ones, which
 * syscorn handles itself). A signal the guest handles or leaves at its default gets the host's
 * default, which is what execve makes of a handler. The blocked set is the guest's whole one
 * just before the call (sc_sig_exec_mask: the host thread blocks only part of it). Undone if
 * the execve fails. */
struct k_sigaction {
	uint64_t handler, flags, restorer, mask;
};

struct saved_host {
	uint64_t changed; /* bit sig-1: old[sig-1] is to be restored */
	struct k_sigaction old[64];
	uint16_t rlimits;  /* bit r: rlim[r] is to be restored */
	struct rlimit rlim[16];
	int extra_fd;      /* a descriptor made for the new process, closed on failure */
};

static void prepare_signals(struct sc_process *p, struct saved_host *s)
{
	/* Until the guest's first signal call, the host's state is the one it inherited. */
	if (!p->sig_inherited)
		return;
	for (int sig = 1; sig <= 64; sig++) {
		struct k_sigaction cur;
		if (sig == SIGKILL || sig == SIGSTOP ||
		    syscall(SYS_rt_sigaction, sig, NULL, &cur, sizeof(uint64_t)))
			continue;
		bool guest_ign = p->sigactions[sig - 1].handler == (uint64_t)(uintptr_t)SIG_IGN;
		bool host_ign = cur.handler == (uint64_t)(uintptr_t)SIG_IGN;
		if (guest_ign == host_ign)
			continue;
		struct k_sigaction n = { guest_ign ? (uint64_t)(uintptr_t)SIG_IGN
						   : (uint64_t)(uintptr_t)SIG_DFL, 0, 0, 0 };
		if (!syscall(SYS_rt_sigaction, sig, &n, NULL, sizeof(uint64_t))) {
			s->old[sig - 1] = cur;
			s->changed |= 1ull << (sig - 1);
		}
	}
}

/* Limits syscorn records instead of applying them (info.c). The stack limit is the guest's
 * for any program; the address-space and data limits only for a native one, since a new
 * syscorn would not survive them. Soft limits only: a lowered hard limit could not be raised
 * back if the execve failed. */
static void prepare_rlimits(struct sc_process *p, struct saved_host *s, bool native)
{
	static const int res[] = { RLIMIT_STACK, RLIMIT_AS, RLIMIT_DATA };
	for (size_t i = 0; i < sizeof res / sizeof res[0]; i++) {
		int r = res[i];
		if (!(p->vrlimit_set & (1u << r)) || (!native && r != RLIMIT_STACK))
			continue;
		struct rlimit cur, n;
		if (getrlimit(r, &cur))
			continue;
		n.rlim_max = cur.rlim_max;
		n.rlim_cur = p->vrlimit[r].cur < cur.rlim_max ? p->vrlimit[r].cur : cur.rlim_max;
		if (!setrlimit(r, &n)) {
			s->rlim[r] = cur;
			s->rlimits |= (uint16_t)(1u << r);
		}
	}
}

static void restore_host(struct saved_host *s)
{
	for (int r = 0; r < 16; r++)
		if (s->rlimits & (1u << r))
			setrlimit(r, &s->rlim[r]);
	for (int sig = 1; sig <= 64; sig++)
		if (s->changed & (1ull << (sig - 1)))
			syscall(SYS_rt_sigaction, sig, &s->old[sig - 1], NULL, sizeof(uint64_t));
	if (s->extra_fd >= 0)
		close(s->extra_fd);
}

static long host_execveat(struct sc_thread *t, int dirfd, const char *file, char **argv,
			  char **envp, int flags, bool native, int extra_fd)
{
	struct sc_process *p = t->proc;
	/* Pending signals into the host's queue first, then no host handler runs until the
	 * execve: a signal the guest does not block is delivered before it (-EINTR here, and
	 * the call is made again after the handler). */
	uint64_t requeued;
	if (!sc_sig_exec_begin(t, &requeued)) {
		if (extra_fd >= 0)
			close(extra_fd);
		return -EINTR;
	}
	struct saved_host s = { .extra_fd = extra_fd };
	prepare_rlimits(p, &s, native);
	prepare_signals(p, &s);
	sc_trace_flush(p); /* --strace: the execve line, and what is pending, before we are gone */
	sc_sig_exec_mask(t);
	syscall(SYS_execveat, dirfd, file, argv, envp, flags);
	long e = -errno;
	sc_sig_exec_failed(t, requeued);
	restore_host(&s);
	return e;
}

/* The process name the kernel gives at exec, kbasename(bprm->filename) cut to 15 bytes, when it
 * is not the base name of load (which the new syscorn takes by default): "exe" for
 * /proc/self/exe (busybox names its applets only then), a #! script's own name. An fd exec
 * (AT_EMPTY_PATH) keeps the default, "N" of /proc/self/fd/N, as before Linux 6.14. */
static char *exec_comm(const char *path, const char *load)
{
	const char *a = strrchr(path, '/'), *b = strrchr(load, '/');
	a = a ? a + 1 : path;
	b = b ? b + 1 : load;
	if (!*path || !strncmp(a, b, 15))
		return NULL;
	char *s = NULL;
	if (asprintf(&s, "--comm=%.15s", a) < 0)
		return NULL;
	return s;
}

/* The kernel's name for the program it was asked to run (bprm->filename): what a script's
 * interpreter gets as its script argument. */
static char *exec_filename(int dirfd, const char *path)
{
	char *s = NULL;
	if (dirfd == AT_FDCWD || path[0] == '/')
		return strdup(path);
	if (asprintf(&s, "/dev/fd/%d%s%s", dirfd, *path ? "/" : "", path) < 0)
		return NULL;
	return s;
}

static long do_execveat(struct sc_thread *t, int dirfd, gaddr_t upath, gaddr_t uargv,
			gaddr_t uenvp, int flags)
{
	struct sc_process *p = t->proc;
	char path_buf[GUEST_PATH_MAX];
	long r = strncpy_from_guest(p, path_buf, upath, sizeof path_buf);
	if (r < 0)
		return r;
	if (!path_buf[0] && !(flags & AT_EMPTY_PATH))
		return -ENOENT;
	if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		return -EINVAL;
	/* /proc/self/exe is the guest's program (busybox runs its applets through it). */
	const char *path = fs_follow_exe(p, path_buf);
	int pfd = open_exec(dirfd, path, flags);
	if (pfd < 0)
		return pfd;

	struct strv argv = { 0 }, envp = { 0 }, newv = { 0 };
	struct binprm b;
	char *scratch = malloc(MAX_ARG_STRLEN);
	char *filename = NULL, *load = NULL, *comm = NULL;
	uint64_t total = 0;
	int extra_fd = -1;
	r = scratch ? 0 : -ENOMEM;
	if (!r)
		r = copy_strings(p, uargv, &argv, &total, scratch);
	if (!r)
		r = copy_strings(p, uenvp, &envp, &total, scratch);
	/* Since Linux 5.18 a program never starts with argc 0. */
	if (!r && !argv.n)
		r = strv_add(&argv, "");
	free(scratch);
	if (r)
		goto out;

	/* Follow #! lines as the kernel does: argv becomes interpreter, [argument,] filename,
	 * argv[1...], and the interpreter is looked at in turn. */
	enum kind kind;
	r = examine(p, pfd, path, &b, &kind);
	filename = exec_filename(dirfd, path);
	if (!filename)
		r = -ENOMEM;
	struct strv cur = argv;
	bool rewritten = false;
	for (int depth = 0; !r && kind == K_SCRIPT; depth++) {
		if (depth >= MAX_REWRITES) {
			r = -ELOOP;
			break;
		}
		/* A script reached through a descriptor that the exec closes cannot be read by
		 * its interpreter. */
		if (depth == 0 && dirfd != AT_FDCWD && path[0] != '/') {
			int fl = fcntl(dirfd, F_GETFD);
			if (fl >= 0 && (fl & FD_CLOEXEC)) {
				r = -ENOENT;
				break;
			}
		}
		struct strv next = { 0 };
		if ((r = strv_add(&next, b.i_name)) || (b.i_arg && (r = strv_add(&next, b.i_arg))) ||
		    (r = strv_add(&next, filename))) {
			strv_free(&next);
			break;
		}
		for (size_t i = 1; i < cur.n && !r; i++)
			r = strv_add(&next, cur.v[i]);
		if (rewritten)
			strv_free(&cur);
		cur = next;
		rewritten = true;
		if (r)
			break;
		free(filename);
		filename = strdup(b.i_name);
		if (!filename) {
			r = -ENOMEM;
			break;
		}
		close(pfd);
		pfd = open_exec(AT_FDCWD, fs_follow_exe(p, filename), 0);
		if (pfd < 0) {
			r = pfd;
			break;
		}
		r = examine(p, pfd, filename, &b, &kind);
	}
	if (r)
		goto out_cur;

	if (kind == K_HOST) {
		/* The host redoes any #! rewriting itself, with the same result. */
		r = host_execveat(t, dirfd, path, argv.v, envp.v, flags, true, -1);
		goto out_cur;
	}
	/* K_EMULATE: a new syscorn for cur.v, loading the ELF named by filename (or, with no
	 * rewriting, by dirfd/path). */
	if (!p->exec_prefix) {
		sc_error(p, "cannot execute %s: no exec prefix set (syscorn_set_exec_prefix)", path);
		r = -ENOEXEC;
		goto out_cur;
	}
	if (rewritten) {
		load = strdup(fs_follow_exe(p, filename));
	} else {
		load = path_after_exec(dirfd, path);
		int d;
		if (load && sscanf(load, "/proc/self/fd/%d", &d) == 1 && d != dirfd)
			extra_fd = d;
	}
	if (!load) {
		r = -ENOMEM;
		goto out_cur;
	}
	comm = exec_comm(path_buf, load);
	for (char **a = p->exec_prefix; *a && !r; a++)
		r = strv_add(&newv, *a);
	if (!r && !(r = strv_add(&newv, "-0")) && !(r = strv_add(&newv, cur.v[0])) &&
	    !(comm && (r = strv_add(&newv, comm))) &&
	    !(r = strv_add(&newv, "--")) && !(r = strv_add(&newv, load)))
		for (size_t i = 1; i < cur.n && !r; i++)
			r = strv_add(&newv, cur.v[i]);
	if (!r)
		r = host_execveat(t, AT_FDCWD, newv.v[0], newv.v, envp.v, 0, false, extra_fd);
	else if (extra_fd >= 0)
		close(extra_fd);
out_cur:
	if (rewritten)
		strv_free(&cur);
out:
	if (pfd >= 0)
		close(pfd);
	strv_free(&argv);
	strv_free(&envp);
	strv_free(&newv);
	free(filename);
	free(load);
	free(comm);
	return r;
}

SYSCALL_DEFINE3(execve, path, path, argv, argv, argv, envp)
{
	return do_execveat(t, AT_FDCWD, path, argv, envp, 0);
}

SYSCALL_DEFINE5(execveat, dirfd, dirfd, path, path, argv, argv, argv, envp, atflags, flags)
{
	return do_execveat(t, dirfd, path, argv, envp, flags);
}
