/* syscorn CLI: a thin client of the library. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "afl.h"
#include "syscorn.h"

extern char **environ;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: syscorn [options] [--] PROGRAM [ARGS...]\n"
		"Runs a static arm64 or x86-64 Linux program under emulation.\n"
		"\n"
		"  -E VAR=VALUE      set VAR in the guest's environment\n"
		"  -U VAR            remove VAR from the guest's environment\n"
		"  -0 ARGV0          argv[0] the guest sees (default: PROGRAM)\n"
		"  -R, --no-random   fixed stack and static-PIE addresses\n"
		"  -q, --quiet       no warnings (errors and fault reports still print)\n"
		"  -h, --help        this help\n"
		"  -V, --version     versions of syscorn and Unicorn\n"
		"  --strace [STRACE OPTIONS]\n"
		"                    trace the guest's syscalls as strace does; strace's own options\n"
		"                    follow, up to PROGRAM: -o FILE -f -ff -e trace=SET -e signal=SET\n"
		"                    -s N -x -xx -t -tt -ttt -r -T -y -c -C -z -Z -v (README.md)\n"
		"  --strace-format=json  the trace as one JSON object a line (implies --strace)\n"
		"  --afl             be AFL++'s target: afl-fuzz -i IN -o OUT -- syscorn --afl PROGRAM @@\n"
		"                    (fork server, shared coverage map, persistent through snapshots)\n"
		"A static arm64 or x86-64 program the guest executes runs under syscorn too, with\n"
		"the same -q, -R and tracing options; other programs run natively.\n");
}

/* --strace: where the trace goes (stderr, -o FILE, or FILE.TID with -ff: one file per task,
 * each open from the task's start to its end). */
struct trace_task {
	int id, fd;
};
static struct trace_out {
	int fd;
	const char *path;
	int per_process, append;
	struct trace_task *tasks; /* -ff: this process's open files */
	int ntasks, ctasks;
	pid_t owner;              /* the process the files are open for */
} tout = { 2, NULL, 0, 0, NULL, 0, 0, 0 };

/* Our own descriptors stay out of the guest's way: the highest one the limit allows. */
static int high_fd(int fd)
{
	struct rlimit rl;
	int top = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 1024 ? (int)rl.rlim_cur : 1024;
	for (int want = top - 1; fd >= 0 && want > 2 && want > top - 64; want--) {
		if (fcntl(want, F_GETFD) < 0 && errno == EBADF) {
			int r = dup3(fd, want, O_CLOEXEC);
			if (r >= 0) {
				close(fd);
				return r;
			}
		}
	}
	return fd;
}

static int trace_open(const char *path, int pid, int append)
{
	char name[4096];
	if (pid)
		snprintf(name, sizeof name, "%s.%d", path, pid);
	else
		snprintf(name, sizeof name, "%s", path);
	int fl = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (append ? 0 : O_TRUNC);
	return high_fd(open(name, fl, 0666));
}

/* -ff: the file of task id, opened at its first mention (its start); -1 at its end (buf
 * NULL), when it is closed. The library calls this under its output lock. */
static int trace_task_fd(struct trace_out *o, int id, const char *buf)
{
	if (o->owner != getpid()) {
		/* a fork child: the files open are its parent's tasks' */
		for (int i = 0; i < o->ntasks; i++)
			close(o->tasks[i].fd);
		o->ntasks = 0;
		if (o->owner)
			o->append = 0; /* only an exec'd process continues its file */
		o->owner = getpid();
	}
	int i = 0;
	while (i < o->ntasks && o->tasks[i].id != id)
		i++;
	if (!buf) {
		if (i < o->ntasks) {
			close(o->tasks[i].fd);
			o->tasks[i] = o->tasks[--o->ntasks];
		}
		return -1;
	}
	if (i < o->ntasks)
		return o->tasks[i].fd;
	if (o->ntasks == o->ctasks) {
		int n = o->ctasks ? 2 * o->ctasks : 8;
		struct trace_task *v = realloc(o->tasks, (size_t)n * sizeof *v);
		if (!v)
			return -1;
		o->tasks = v;
		o->ctasks = n;
	}
	int fd = trace_open(o->path, id, o->append && id == getpid());
	if (fd >= 0)
		o->tasks[o->ntasks++] = (struct trace_task){ id, fd };
	return fd;
}

static void trace_write(void *data, int pid, const char *buf, unsigned long len)
{
	struct trace_out *o = data;
	int fd = o->per_process ? trace_task_fd(o, pid, buf) : o->fd;
	while (len && fd >= 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		buf += n;
		len -= (unsigned long)n;
	}
}

/* ps, pgrep and other processes reading /proc/<pid>/cmdline or environ see the guest's argv
 * and environment, as for a native process, rather than syscorn's options (the guest's own
 * /proc/self reads are the library's, from guest memory). PR_SET_MM_MAP needs no privilege; it
 * wants every field of the map, the current ones but for those two areas, which must be
 * anonymous memory. Where it is refused, nothing changes. */
/* Not static: a store to a static that is never read may be dropped by the compiler, and then
 * leak checkers would not see these areas as reachable. */
char *volatile syscorn_cmdline_areas[2];

static void show_guest_cmdline(char *const argv[], char *const envp[])
{
	char buf[1024];
	FILE *f = fopen("/proc/self/stat", "re");
	if (!f)
		return;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	char *s = strrchr(buf, ')');
	unsigned long v[53] = { 0 };
	int k = 3;
	for (char *save, *t = s ? strtok_r(s + 2, " ", &save) : NULL; t && k < 53;
	     t = strtok_r(NULL, " ", &save))
		v[k++] = strtoul(t, NULL, 10);
	if (k < 51)
		return;
	char *const *vs[2] = { argv, envp };
	char *area[2];
	size_t len[2];
	for (int a = 0; a < 2; a++) {
		len[a] = 0;
		for (char *const *p = vs[a]; p && *p; p++)
			len[a] += strlen(*p) + 1;
		if (!(area[a] = malloc(len[a] + 1)))
			return;
		char *o = area[a];
		for (char *const *p = vs[a]; p && *p; p++)
			o = stpcpy(o, *p) + 1;
	}
	struct prctl_mm_map m = {
		.start_code = v[26], .end_code = v[27], .start_stack = v[28],
		.start_data = v[45], .end_data = v[46], .start_brk = v[47],
		.brk = (uintptr_t)sbrk(0),
		.arg_start = (uintptr_t)area[0], .arg_end = (uintptr_t)area[0] + len[0],
		.env_start = (uintptr_t)area[1], .env_end = (uintptr_t)area[1] + len[1],
		.exe_fd = (uint32_t)-1,
	};
	if (prctl(PR_SET_MM, PR_SET_MM_MAP, &m, sizeof m, 0)) {
		free(area[0]);
		free(area[1]);
		return;
	}
	/* In use by the kernel from now on; reachable, for leak checkers. */
	syscorn_cmdline_areas[0] = area[0];
	syscorn_cmdline_areas[1] = area[1];
}

/* A guest in another syscorn process that reads our /proc/<pid>/exe sees our guest program,
 * as it would natively: it finds the program's file mapped here, PROT_NONE and never touched,
 * at this file offset, which no loader uses (EXE_MARK_OFFSET in src/syscalls/fs_proc.c). The
 * kernel shows the mapping in /proc/<pid>/maps under the file's resolved path, as it shows an
 * exe link; forked children inherit it, an exec replaces it. */
#define EXE_MARK_OFFSET 0x5343e4e0000000ull

static void mark_guest_exe(const char *prog)
{
	int fd = open(prog, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE, fd, (off_t)EXE_MARK_OFFSET);
	close(fd);
}

static int quiet;
/* See the end of main. Volatile: a store to a static that is never read may be dropped, and
 * leak checkers would then not see the session as reachable. */
static syscorn *volatile live_session;
static syscorn_trace_opts *topts;

static void log_stderr(void *data, int level, const char *msg)
{
	(void)data;
	if (quiet && level > SYSCORN_LOG_ERROR)
		return;
	fprintf(stderr, "syscorn: %s\n", msg);
}

/* Every way out of main frees what it allocated (leak checkers report the rest). */
static int finish(int code, char **env, char **pass)
{
	free(env);
	free(pass);
	syscorn_trace_opts_free(topts);
	topts = NULL;
	return code;
}

/* The guest's environment: ours, edited by -E and -U in order. */
static char **env_edit(char **env, size_t *n, const char *var, const char *set)
{
	size_t klen = set ? (size_t)(strchr(set, '=') - set) : strlen(var);
	const char *key = set ? set : var;
	size_t j = 0;
	for (size_t i = 0; i < *n; i++)
		if (!(strncmp(env[i], key, klen) == 0 && env[i][klen] == '='))
			env[j++] = env[i];
	*n = j;
	if (set) {
		char **ne = realloc(env, (*n + 2) * sizeof *ne);
		if (!ne) {
			perror("syscorn");
			exit(1);
		}
		env = ne;
		env[(*n)++] = (char *)set;
	}
	env[*n] = NULL;
	return env;
}

int main(int argc, char **argv)
{
	size_t envc = 0;
	while (environ[envc])
		envc++;
	char **env = malloc((envc + 1) * sizeof *env);
	if (!env)
		return 1;
	memcpy(env, environ, (envc + 1) * sizeof *env);
	const char *argv0 = NULL, *comm = NULL;
	unsigned flags = 0;
	int afl = 0;
	static const struct option longopts[] = {
		{ "help", no_argument, 0, 'h' },      { "version", no_argument, 0, 'V' },
		{ "no-random", no_argument, 0, 'R' }, { "quiet", no_argument, 0, 'q' },
		{ "strace", no_argument, 0, 1000 },   { "strace-format", required_argument, 0, 1001 },
		/* Internal: this process was started for a guest's execve (see below). */
		{ "exec", no_argument, 0, 1002 },
		/* Internal: the process name when it is not PROGRAM's base name, as the kernel
		 * names a process after the path given to execve (/proc/self/exe: "exe", a #!
		 * script: the script's). */
		{ "comm", required_argument, 0, 1003 },
		{ "afl", no_argument, 0, 1010 },
		{ 0, 0, 0, 0 },
	};
	/* The options that hold for every process the guest starts, for the exec prefix: the
	 * tracing options as given, -q and -R. Not -E, -U and -0: execve gives its own
	 * environment and argv. */
	char **pass = calloc((size_t)argc * 3 + 4, sizeof *pass);
	int npass = 0;
	if (!pass)
		return finish(1, env, pass);
	int c, before = optind;
	/* '+': options stop at PROGRAM, the guest's own options are its own. */
	while ((c = getopt_long(argc, argv, "+E:U:0:RqhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'E':
			if (!strchr(optarg, '=')) {
				fprintf(stderr, "syscorn: -E wants VAR=VALUE, got '%s'\n", optarg);
				return finish(2, env, pass);
			}
			env = env_edit(env, &envc, NULL, optarg);
			break;
		case 'U': env = env_edit(env, &envc, optarg, NULL); break;
		case '0': argv0 = optarg; break;
		case 'R': flags |= SYSCORN_F_NO_RANDOM; break;
		case 'q': quiet = 1; break;
		case 1000:
		case 1001: {
			char terr[256] = "";
			if (!topts && syscorn_trace_opts_new(&topts))
				return finish(1, env, pass);
			char *fmt[2] = { "--strace-format", optarg };
			int n = 0;
			syscorn_err te =
				c == 1001 ? syscorn_trace_opts_parse(topts, 2, fmt, &n, terr, sizeof terr)
					  : syscorn_trace_opts_parse(topts, argc - optind, &argv[optind],
								     &n, terr, sizeof terr);
			if (te) {
				fprintf(stderr, "syscorn: --strace: %s\n", *terr ? terr : syscorn_strerror(te));
				return finish(2, env, pass);
			}
			if (c == 1000)
				optind += n;
			/* An exec'd program's trace goes on where this one's leaves off: strace prints
			 * no second execve line. */
			int end = optind;
			if (c == 1000 && end > before + 1 && !strcmp(argv[end - 1], "--"))
				end--;
			for (int i = before; i < end; i++)
				pass[npass++] = argv[i];
			if (c == 1000) {
				pass[npass++] = "--exec-continued";
				pass[npass++] = "--";
			}
			break;
		}
		case 1002:
			/* The trace of an exec'd program continues the file, as strace's does. */
			tout.append = 1;
			break;
		case 1003: comm = optarg; break;
		case 1010: afl = 1; break;
		case 'h': usage(stdout); return finish(0, env, pass);
		case 'V':
			printf("syscorn %s (Unicorn %s)\n", syscorn_version(), syscorn_unicorn_version());
			return finish(0, env, pass);
		default: usage(stderr); return finish(2, env, pass);
		}
		before = optind;
	}
	if (optind >= argc) {
		usage(stderr);
		return finish(2, env, pass);
	}
	const char *prog = argv[optind];
	char **gargv = &argv[optind];
	if (argv0)
		gargv[0] = (char *)argv0;
	if (afl) {
		syscorn_config cfg;
		syscorn_config_init(&cfg);
		cfg.flags = flags | SYSCORN_F_NO_RANDOM;
		cfg.log = log_stderr;
		return finish(syscorn_afl_main(prog, gargv, env, &cfg), env, pass);
	}
	/* Name the process after the guest, as exec would (ps, /proc/self/comm, PR_GET_NAME). */
	const char *base = strrchr(prog, '/');
	prctl(PR_SET_NAME, comm ? comm : base ? base + 1 : prog, 0, 0, 0);
	mark_guest_exe(prog);
	syscorn *sc;
	if (syscorn_load(prog, gargv, env, flags | SYSCORN_F_FORK_RETURNS, log_stderr, NULL, &sc))
		return finish(126, env, pass);
	show_guest_cmdline(gargv, env);
	/* An emulated program's execve starts this binary again, resolved now while
	 * /proc/self/exe still names the file we were started from. */
	char *self = realpath("/proc/self/exe", NULL);
	char **prefix = calloc((size_t)npass + 5, sizeof *prefix);
	if (!prefix) {
		free(self);
		syscorn_close(sc);
		return finish(1, env, pass);
	}
	int np = 0;
	prefix[np++] = self ? self : "/proc/self/exe";
	prefix[np++] = "--exec";
	if (quiet)
		prefix[np++] = "-q";
	if (flags & SYSCORN_F_NO_RANDOM)
		prefix[np++] = "-R";
	for (int i = 0; i < npass; i++)
		prefix[np++] = pass[i];
	syscorn_err pe = syscorn_set_exec_prefix(sc, prefix);
	free(prefix);
	free(self);
	if (pe) {
		fprintf(stderr, "syscorn: %s\n", syscorn_strerror(pe));
		syscorn_close(sc);
		return finish(125, env, pass);
	}
	if (topts) {
		const char *out = syscorn_trace_opts_output(topts);
		if (out) {
			tout.path = out;
			tout.per_process = syscorn_trace_opts_per_process(topts);
			if (!tout.per_process && (tout.fd = trace_open(out, 0, tout.append)) < 0) {
				fprintf(stderr, "syscorn: --strace: %s: %s\n", out, strerror(errno));
				syscorn_close(sc);
				return finish(125, env, pass);
			}
		}
		syscorn_err te = syscorn_trace(sc, topts, trace_write, &tout);
		if (te) {
			fprintf(stderr, "syscorn: --strace: %s\n", syscorn_strerror(te));
			syscorn_close(sc);
			return finish(125, env, pass);
		}
	}
	syscorn_result res;
	/* In a fork child of the guest's (syscorn_run returns in both processes), tearing the
	 * emulator down would first copy most of the parent's pages (copy-on-write) only to free
	 * them: about half the cost of a guest's fork+exit. The process ends right after anyway;
	 * the static pointer keeps the session reachable for leak checkers. Tracing flushes at
	 * close, so a traced child closes. */
	live_session = sc;
	pid_t pid = getpid();
	if (syscorn_run(sc, &res)) {
		syscorn_close(sc);
		return finish(125, env, pass);
	}
	if (getpid() == pid || topts)
		syscorn_close(sc);
	finish(0, env, pass); /* (after the close: the trace's file name is the options') */
	if (res.exited)
		return res.exit_code & 0xff;
	/* Die of the same signal, so our parent sees what it would see natively; no core file of
	 * the emulator. */
	fflush(NULL);
	struct rlimit no_core = { 0, 0 };
	setrlimit(RLIMIT_CORE, &no_core);
	signal(res.term_signal, SIG_DFL);
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, res.term_signal);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	raise(res.term_signal);
	return 128 + res.term_signal;
}
