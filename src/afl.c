/* syscorn --afl: AFL++'s fork server for an emulated program, on the public API alone.
 *
 * afl-fuzz starts `syscorn --afl PROGRAM ARGS` (with @@ replaced by its input file, or the
 * input on stdin) and talks to it over descriptors 198/199. We run the guest up to where it
 * takes its input (the first open of the input file, or the first read of stdin), snapshot it
 * there, and then serve each input from a forked child that keeps running: restore, run, stop
 * itself (SIGSTOP) until the next input. AFL++ knows this as persistent mode; a crash kills the
 * child with the guest's signal, a timeout kills it from afl-fuzz, and the next input gets a
 * fresh child from the parent, which never ran past the snapshot. Coverage goes straight into
 * AFL's shared map (__AFL_SHM_ID), whose size is announced in the handshake.
 *
 * Test cases may come in shared memory instead of the file or stdin: afl-fuzz (AFL++ 4)
 * creates a segment for them and names it in __AFL_SHM_FUZZ_ID; a target that announces
 * FS_OPT_SHDMEM_FUZZ in its hello gets the same bits back and from then on finds each input
 * there (a 32-bit length, then the bytes) while afl-fuzz stops writing the file. We hand it to
 * the guest where it looks for it: as the contents of an in-memory file at the @@ path, or as
 * its stdin, set after each restore; no file is read per execution. */
#include "afl.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define FORKSRV_FD 198
#define FS_OPT_ENABLED 0x80000001u
#define FS_OPT_MAPSIZE 0x40000000u
#define FS_OPT_SHDMEM_FUZZ 0x01000000u
#define FS_OPT_SET_MAPSIZE(x) (((x) - 1) << 1)
#define AFL_MAP_SIZE (1u << 16)
#define AFL_MAX_FILE (1u << 20) /* AFL's MAX_FILE: the test-case segment holds 4 + this */

/* afl-fuzz looks for these in the target binary: the first to accept it as instrumented, the
 * second to report persistent mode. */
const char *const syscorn_afl_signatures[] = { "__AFL_SHM_ID", "##SIG_AFL_PERSISTENT##" };

static void die_of(int sig)
{
	fflush(NULL);
	struct rlimit no_core = { 0, 0 };
	setrlimit(RLIMIT_CORE, &no_core);
	signal(sig, SIG_DFL);
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	raise(sig);
	_exit(128 + sig);
}

static uint8_t *afl_map(void)
{
	const char *id = getenv(syscorn_afl_signatures[0]);
	if (id) {
		void *m = shmat(atoi(id), NULL, 0);
		if (m != (void *)-1)
			return m;
		fprintf(stderr, "syscorn: --afl: shmat(%s): %s\n", id, strerror(errno));
	}
	return calloc(AFL_MAP_SIZE, 1); /* outside afl-fuzz: a map nobody reads */
}

/* afl-fuzz names its input file .cur_input (afl-tmin, afl-showmap: .afl-*-temp-PID). With
 * test cases in shared memory the file need not exist (afl-fuzz may have removed it). */
static const char *input_path(char *const gargv[], bool shm)
{
	for (int i = 1; gargv[i]; i++) {
		const char *b = strrchr(gargv[i], '/');
		b = b ? b + 1 : gargv[i];
		struct stat st;
		if ((!strncmp(b, ".cur_input", 10) || !strncmp(b, ".afl-", 5)) &&
		    (!stat(gargv[i], &st) ? S_ISREG(st.st_mode) : shm && errno == ENOENT))
			return gargv[i];
	}
	return NULL;
}

/* Where each test case goes, and where it comes from. */
struct input {
	const char *path;     /* the guest opens this file (@@); NULL: it reads stdin */
	const uint8_t *shm;   /* afl-fuzz's test-case segment (length, bytes); NULL: none */
	bool from_shm;        /* afl-fuzz agreed: every input is in shm, the file is stale */
};

/* The test-case segment, when afl-fuzz offers one (__AFL_SHM_FUZZ_ID) and the guest's input
 * is one we can stand in for: the @@ file, or stdin when it is afl-fuzz's regular file (with
 * -f NAME and no @@ the guest opens a name we do not know: afl-fuzz keeps writing that file).
 * SYSCORN_AFL_SHM=0 declines it, for a guest that needs the real file (a child process of the
 * guest that opens it, say). */
static const uint8_t *fuzz_shm(char *const gargv[])
{
	const char *id = getenv("__AFL_SHM_FUZZ_ID"), *no = getenv("SYSCORN_AFL_SHM");
	struct stat st;
	if (!id || (no && *no == '0') || fcntl(FORKSRV_FD + 1, F_GETFD) < 0)
		return NULL;
	if (!input_path(gargv, true) && (fstat(0, &st) || !S_ISREG(st.st_mode)))
		return NULL;
	void *m = shmat(atoi(id), NULL, SHM_RDONLY);
	if (m == (void *)-1) {
		fprintf(stderr, "syscorn: --afl: shmat(%s): %s\n", id, strerror(errno));
		return NULL;
	}
	return m;
}

/* Puts the current test case where the guest takes it (before each run). Offered shm that
 * afl-fuzz declined (or no afl-fuzz at all) leaves the guest with the stand-in: it gets the
 * file's (or stdin's) contents then, read afresh each time. */
static syscorn_err feed(syscorn *sc, const struct input *in)
{
	if (!in->shm)
		return SYSCORN_OK;
	const uint8_t *data = in->shm + 4;
	uint32_t n;
	memcpy(&n, in->shm, 4);
	if (!in->from_shm) {
		static uint8_t *buf;
		if (!buf && !(buf = malloc(AFL_MAX_FILE)))
			return SYSCORN_ERR_NOMEM;
		int fd = in->path ? open(in->path, O_RDONLY | O_CLOEXEC) : 0;
		ssize_t k = fd < 0 ? 0 : pread(fd, buf, AFL_MAX_FILE, 0);
		if (fd > 0)
			close(fd);
		data = buf;
		n = k > 0 ? (uint32_t)k : 0;
	}
	if (n > AFL_MAX_FILE)
		n = AFL_MAX_FILE;
	return in->path ? syscorn_set_file(sc, in->path, data, n)
			: syscorn_set_stdin(sc, data, n);
}

static syscorn *session(const char *prog, char *const gargv[], char *const env[],
			const syscorn_config *cfg, const struct input *in)
{
	syscorn *sc;
	syscorn_err e = syscorn_open(prog, cfg, &sc);
	/* With shm delivery the input is empty up to the snapshot, and each run's after it. */
	if (e == SYSCORN_OK && !(e = syscorn_set_argv(sc, gargv)) && !(e = syscorn_set_envp(sc, env)) &&
	    !(e = !in->shm ? SYSCORN_OK
		  : in->path ? syscorn_set_file(sc, in->path, "", 0)
			     : syscorn_set_stdin(sc, "", 0)))
		return sc;
	if (e != SYSCORN_ERR_IO && e != SYSCORN_ERR_ELF)
		fprintf(stderr, "syscorn: %s: %s\n", prog, syscorn_strerror(e));
	syscorn_close(sc);
	return NULL;
}

/* Runs the guest to where it takes its input and snapshots it there; a guest that ends first
 * (or SYSCORN_AFL_SNAPSHOT=entry) is snapshotted at its entry instead. */
static syscorn *prepare(const char *prog, char *const gargv[], char *const env[],
		       const syscorn_config *cfg, uint8_t *map, const struct input *input)
{
	syscorn *sc = session(prog, gargv, env, cfg, input);
	if (!sc)
		return NULL;
	const char *where = getenv("SYSCORN_AFL_SNAPSHOT");
	const char *in = input->path;
	syscorn_err e;
	if (where && !strcmp(where, "entry"))
		e = syscorn_start(sc);
	else if (where && where[0] == '0' && where[1] == 'x')
		e = syscorn_stop_at(sc, SYSCORN_STOP_ADDR, strtoull(where, NULL, 16), NULL);
	else if (in)
		e = syscorn_stop_at(sc, SYSCORN_STOP_OPEN, 0, in);
	else
		e = syscorn_stop_at(sc, SYSCORN_STOP_STDIN, 0, NULL);
	if (!e && !(where && !strcmp(where, "entry"))) {
		syscorn_result r;
		e = syscorn_run(sc, &r);
		if (!e && r.reason != SYSCORN_END_STOP) {
			syscorn_close(sc);
			if (!(sc = session(prog, gargv, env, cfg, input)))
				return NULL;
			e = syscorn_start(sc);
		}
	}
	if (!e)
		e = syscorn_snapshot(sc);
	if (!e)
		e = syscorn_coverage(sc, map, AFL_MAP_SIZE);
	if (e) {
		fprintf(stderr, "syscorn: --afl: %s\n", syscorn_strerror(e));
		syscorn_close(sc);
		return NULL;
	}
	return sc;
}

/* The child of the fork mode: one input per round, stopping itself in between. */
static void serve(syscorn *sc, const struct input *in)
{
	for (bool first = true;; first = false) {
		if (!first && syscorn_restore(sc))
			_exit(125);
		syscorn_result r;
		if (feed(sc, in) || syscorn_run(sc, &r))
			_exit(125);
		if (r.reason == SYSCORN_END_SIGNAL)
			die_of(r.term_signal);
		raise(SIGSTOP);
	}
}

/* Fork mode (SYSCORN_AFL_FORK=1): each child serves inputs until a crash or a timeout kills
 * it; the parent keeps the snapshot. Isolation at the price of a process switch per input. */
static int fork_server(syscorn *sc, const struct input *in)
{
	pid_t child = -1;
	for (;;) {
		uint32_t was_killed;
		if (read(FORKSRV_FD, &was_killed, 4) != 4)
			break;
		int status;
		if (child > 0 && was_killed) {
			/* afl-fuzz killed it for a timeout: collect it, a fresh one follows. */
			if (waitpid(child, &status, 0) >= 0)
				child = -1;
		}
		if (child < 0) {
			child = fork();
			if (child < 0)
				break;
			if (child == 0) {
				close(FORKSRV_FD);
				close(FORKSRV_FD + 1);
				serve(sc, in);
			}
		} else {
			kill(child, SIGCONT);
		}
		if (write(FORKSRV_FD + 1, &child, 4) != 4)
			break;
		if (waitpid(child, &status, WUNTRACED) < 0)
			break;
		if (!WIFSTOPPED(status))
			child = -1;
		if (write(FORKSRV_FD + 1, &status, 4) != 4)
			break;
	}
	if (child > 0)
		kill(child, SIGKILL);
	return 0;
}

/* In-process mode (the default): inputs run here, one after the other, from the snapshot;
 * a crash is reported as the status of a process killed by the guest's signal without
 * anyone dying. afl-fuzz still needs a pid to kill on a timeout: a stand-in child that only
 * waits. A watcher thread reaps it; its death (afl-fuzz's timeout) stops the running guest. */
struct watch {
	pthread_mutex_t m;
	pthread_cond_t c;
	pid_t standin;      /* alive, waited for by the watcher; 0: none */
	bool killed;        /* the stand-in died: afl-fuzz timed the run out */
	syscorn *sc;
};

static void *watcher(void *arg)
{
	struct watch *w = arg;
	for (;;) {
		pthread_mutex_lock(&w->m);
		while (!w->standin)
			pthread_cond_wait(&w->c, &w->m);
		pid_t pid = w->standin;
		pthread_mutex_unlock(&w->m);
		int st;
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		pthread_mutex_lock(&w->m);
		w->standin = 0;
		w->killed = true;
		syscorn_stop(w->sc);
		pthread_cond_broadcast(&w->c);
		pthread_mutex_unlock(&w->m);
	}
	return NULL;
}

static pid_t new_standin(struct watch *w)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		/* Gone with us, whoever kills us. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(0);
		for (;;)
			pause();
	}
	if (pid > 0) {
		pthread_mutex_lock(&w->m);
		w->standin = pid;
		w->killed = false;
		pthread_cond_broadcast(&w->c);
		pthread_mutex_unlock(&w->m);
	}
	return pid;
}

static int in_process_server(syscorn *sc, const struct input *in)
{
	static struct watch w = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, false,
				  NULL };
	w.sc = sc;
	pthread_t th;
	if (pthread_create(&th, NULL, watcher, &w))
		return fork_server(sc, in);
	pid_t standin = 0;
	for (bool first = true;; first = false) {
		uint32_t was_killed;
		if (read(FORKSRV_FD, &was_killed, 4) != 4)
			break;
		pthread_mutex_lock(&w.m);
		if (was_killed && w.standin) {
			/* afl-fuzz sent the kill; wait until the watcher has seen it go. */
			while (w.standin)
				pthread_cond_wait(&w.c, &w.m);
		}
		bool need = !w.standin;
		pthread_mutex_unlock(&w.m);
		if (need && (standin = new_standin(&w)) < 0)
			break;
		if (!first && syscorn_restore(sc))
			break;
		if (feed(sc, in))
			break;
		if (write(FORKSRV_FD + 1, &standin, 4) != 4)
			break;
		syscorn_result r;
		if (syscorn_run(sc, &r))
			break;
		pthread_mutex_lock(&w.m);
		bool timed_out = w.killed;
		pthread_mutex_unlock(&w.m);
		/* A wait(2) status: killed by a signal (timeouts: SIGKILL), or exited. */
		int status = r.reason == SYSCORN_END_SIGNAL ? (r.term_signal & 0x7f)
			     : timed_out || r.reason != SYSCORN_END_EXIT ? SIGKILL
									 : (r.exit_code & 0xff) << 8;
		if (write(FORKSRV_FD + 1, &status, 4) != 4)
			break;
	}
	pthread_mutex_lock(&w.m);
	if (w.standin)
		kill(w.standin, SIGKILL);
	pthread_mutex_unlock(&w.m);
	return 0;
}

int syscorn_afl_main(const char *prog, char *const gargv[], char *const env[],
		     const syscorn_config *cfg0)
{
	if (getenv("AFL_DUMP_MAP_SIZE")) {
		printf("%u\n", AFL_MAP_SIZE);
		return 0;
	}
	/* afl-fuzz throws the target's stderr away; a fault report per crash would only cost. */
	syscorn_config cfg = *cfg0;
	if (!getenv("AFL_DEBUG_CHILD") && !getenv("SYSCORN_AFL_DEBUG"))
		cfg.log = NULL;
	uint8_t *map = afl_map();
	struct input in = { input_path(gargv, false), fuzz_shm(gargv), false };
	if (in.shm && !in.path)
		in.path = input_path(gargv, true);
	syscorn *sc = map ? prepare(prog, gargv, env, &cfg, map, &in) : NULL;
	if (!sc)
		return 126;
	uint32_t hello = FS_OPT_ENABLED | FS_OPT_MAPSIZE | FS_OPT_SET_MAPSIZE(AFL_MAP_SIZE) |
			 (in.shm ? FS_OPT_SHDMEM_FUZZ : 0);
	if (write(FORKSRV_FD + 1, &hello, 4) != 4) {
		/* No afl-fuzz: one run of the input, ending as the guest does. */
		syscorn_result r;
		if (feed(sc, &in) || syscorn_run(sc, &r))
			return 125;
		syscorn_close(sc);
		if (r.reason == SYSCORN_END_SIGNAL)
			die_of(r.term_signal);
		return r.exit_code & 0xff;
	}
	if (in.shm) {
		/* afl-fuzz answers an offer of shm delivery with the same bits (AFL++ 4.0x's
		 * afl-forkserver.c; it gives up rather than refuse). */
		uint32_t reply;
		if (read(FORKSRV_FD, &reply, 4) != 4)
			_exit(1);
		in.from_shm = (reply & (FS_OPT_ENABLED | FS_OPT_SHDMEM_FUZZ)) ==
			      (FS_OPT_ENABLED | FS_OPT_SHDMEM_FUZZ);
		if (!in.from_shm)
			fprintf(stderr, "syscorn: --afl: afl-fuzz declined shared-memory test cases\n");
	}
	const char *fork_mode = getenv("SYSCORN_AFL_FORK");
	int rc = fork_mode && *fork_mode == '1' ? fork_server(sc, &in) : in_process_server(sc, &in);
	_exit(rc); /* the watcher thread may be inside waitpid: no orderly teardown */
}
