/* -f writing one text output: the record of which line is open, shared by the processes of
 * the trace (trace.c's <unfinished ...> / <... resumed> split). */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* -f writing one text output: strace's <unfinished ...> / <... resumed> split, across the
 * threads and the processes of the trace. The state lives in a memfd mapped shared, made
 * before the first fork (fork children share the mapping) and left open, without close-on-exec,
 * at a high descriptor, where the syscorn an emulated execve starts finds it again. */
#define SHARED_NAME "syscorn-strace"
#define SHARED_MAGIC 0x73747263u /* "strc" */

struct shared_page {
	uint32_t magic;
	struct sc_trace_shared s;
};

static struct shared_page *shared_map(int fd)
{
	void *m = mmap(NULL, sizeof(struct shared_page), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	return m == MAP_FAILED ? NULL : m;
}

/* The state of the trace this process continues (a traced execve): a memfd of ours among the
 * high descriptors. */
static struct shared_page *shared_find(void)
{
	struct rlimit rl;
	int top = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 1024 ? (int)rl.rlim_cur : 1024;
	for (int fd = top - 1; fd > 2 && fd > top - 64; fd--) {
		char link[64], target[64];
		snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
		ssize_t n = readlink(link, target, sizeof target - 1);
		if (n <= 0)
			continue;
		target[n] = 0;
		if (strncmp(target, "/memfd:" SHARED_NAME " ", sizeof "/memfd:" SHARED_NAME))
			continue;
		struct stat st;
		if (fstat(fd, &st) || st.st_size != (off_t)sizeof(struct shared_page))
			continue;
		struct shared_page *sp = shared_map(fd);
		if (sp && sp->magic == SHARED_MAGIC)
			return sp;
		if (sp)
			munmap(sp, sizeof *sp);
	}
	return NULL;
}

static struct shared_page *shared_new(void)
{
	int fd = memfd_create(SHARED_NAME, 0);
	if (fd < 0)
		return NULL;
	struct rlimit rl;
	int top = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 1024 ? (int)rl.rlim_cur : 1024;
	for (int want = top - 1; want > 2 && want > top - 64; want--) {
		if (fcntl(want, F_GETFD) < 0 && errno == EBADF && dup2(fd, want) == want) {
			close(fd);
			fd = want;
			break;
		}
	}
	struct shared_page *sp = NULL;
	if (!ftruncate(fd, sizeof *sp))
		sp = shared_map(fd);
	if (!sp) {
		close(fd);
		return NULL;
	}
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&sp->s.lock, &a);
	pthread_mutexattr_destroy(&a);
	sp->s.nprocs = 1;
	sp->magic = SHARED_MAGIC;
	return sp;
}

void sc_trace_shared_init(struct sc_tracer *tr)
{
	if ((tr->flags & (SC_TRACE_F_FOLLOW | SC_TRACE_F_FF | SC_TRACE_F_JSON | SC_TRACE_F_SUCCESS |
			  SC_TRACE_F_FAILED | SC_TRACE_F_SUMMARY)) != SC_TRACE_F_FOLLOW)
		return;
	struct shared_page *sp = tr->exec_continued ? shared_find() : NULL;
	if (sp) {
		tr->multi = true; /* other processes of the trace may be writing */
	} else {
		sp = shared_new();
		if (!sp)
			return; /* whole lines, as without -f */
	}
	tr->shared = &sp->s;
	if (!(tr->flags & SC_TRACE_F_PID_COLUMN)) /* stderr: prefixes while there are several tasks */
		tr->dyn_pid = tr->show_pid = true;
}

void sc_trace_shared_free(struct sc_tracer *tr)
{
	if (tr->shared)
		munmap((char *)tr->shared - offsetof(struct shared_page, s), sizeof(struct shared_page));
	tr->shared = NULL;
	tr->multi = false;
	sc_trace_replan(tr);
}
