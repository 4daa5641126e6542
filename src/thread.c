/* Guest threads.
 *
 * Each guest thread is a host thread with its own Unicorn engine; the engines map the same
 * host memory (mem.c applies every change to all of them), and guest tids are host tids.
 *
 * Unicorn is not built to run engines in parallel over shared memory (TCG's exclusive and
 * atomic instructions are only atomic within one engine), so guest code runs under one
 * execution lock: a thread holds it while it runs guest code or a syscall handler, except the
 * handlers of calls that may block, and hands it over when another thread has waited a time
 * slice. Switches happen at block boundaries or syscalls only, so every guest instruction, and
 * every LL/SC sequence within a block, is atomic with respect to the other threads. */
#include "thread.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "arch/arch.h"
#include "mem.h"
#include "sig.h"

/* How long a waiter lets the holder run before it asks for the lock. */
#define SLICE_NS 5000000L

/* cpu.c */
int sc_engine_open(struct sc_thread *t);
void sc_engine_close(struct sc_thread *t);
void sc_thread_run(struct sc_thread *t);

static void cond_init(pthread_cond_t *c)
{
	pthread_condattr_t a;
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(c, &a);
	pthread_condattr_destroy(&a);
}

static struct timespec deadline(long ns)
{
	struct timespec d;
	clock_gettime(CLOCK_MONOTONIC, &d);
	d.tv_nsec += ns;
	d.tv_sec += d.tv_nsec / 1000000000L;
	d.tv_nsec %= 1000000000L;
	return d;
}

static void bel_init(struct sc_bel *b)
{
	pthread_mutex_init(&b->m, NULL);
	cond_init(&b->c);
	b->next = b->serving = 0;
	b->holder = NULL;
}

void sc_bel_acquire(struct sc_thread *t)
{
	struct sc_process *p = t->proc;
#ifdef SYSCORN_UNSAFE_NO_EXEC_LOCK
	/* Only to measure what the lock costs (README): engines then run guest code in
	 * parallel, and guest atomics are no longer atomic. */
	return;
#endif
	if (!p->multi || t->holds_bel)
		return;
	struct sc_bel *b = &p->bel;
	pthread_mutex_lock(&b->m);
	uint64_t me = b->next++;
	while (b->serving != me) {
		struct timespec d = deadline(SLICE_NS);
		if (pthread_cond_timedwait(&b->c, &b->m, &d) == ETIMEDOUT && b->serving != me &&
		    b->holder)
			sc_attn(b->holder, SC_ATTN_YIELD);
	}
	b->holder = t;
	t->holds_bel = true;
	pthread_mutex_unlock(&b->m);
}

void sc_bel_release(struct sc_thread *t)
{
	struct sc_process *p = t->proc;
	if (!t->holds_bel)
		return;
	struct sc_bel *b = &p->bel;
	pthread_mutex_lock(&b->m);
	b->holder = NULL;
	t->holds_bel = false;
	b->serving++;
	pthread_cond_broadcast(&b->c);
	pthread_mutex_unlock(&b->m);
}

bool sc_blocking_begin(struct sc_thread *t)
{
	if (!t->holds_bel)
		return false;
	sc_bel_release(t);
	return true;
}

void sc_blocking_end(struct sc_thread *t, bool released)
{
	if (released)
		sc_bel_acquire(t);
}

void sc_threads_init(struct sc_process *p)
{
	pthread_mutex_init(&p->lock, NULL);
	cond_init(&p->threads_cond);
	bel_init(&p->bel);
	p->pid = getpid();
	p->thread.proc = p;
	p->thread.tid = gettid();
	p->threads = &p->thread;
	p->nthreads = 1;
}

void sc_threads_fini(struct sc_process *p)
{
	pthread_cond_destroy(&p->threads_cond);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->bel.c);
	pthread_mutex_destroy(&p->bel.m);
}

struct sc_thread *sc_thread_find(struct sc_process *p, int tid)
{
	for (struct sc_thread *u = p->threads; u; u = u->next)
		if (u->tid == tid && !u->done)
			return u;
	return NULL;
}

void sc_thread_kick(struct sc_thread *t)
{
	if (t->tid && t->tid != gettid())
		syscall(SYS_tgkill, t->proc->pid, t->tid, SC_SIGSYS);
}

/* ---------------------------------------------------------------- creation */

static void *thread_main(void *arg)
{
	struct sc_thread *t = arg;
	struct sc_process *p = t->proc;
	sc_sig_thread_start(t);
	pthread_mutex_lock(&p->lock);
	t->tid = gettid();
	pthread_cond_broadcast(&p->threads_cond);
	pthread_mutex_unlock(&p->lock);
	sc_bel_acquire(t);
	sc_thread_run(t);
	/* In a fork child made by this thread, syscorn_run's thread is not there to return the
	 * result: go back to its frame (its stack was copied with the rest). */
	if (sc_thread_end(t))
		siglongjmp(*(sigjmp_buf *)p->run_jmp, 1);
	return NULL;
}

long sc_clone_thread(struct sc_thread *t, uint64_t flags, gaddr_t stack, gaddr_t parent_tid,
		     gaddr_t child_tid, gaddr_t tls)
{
	struct sc_process *p = t->proc;
	/* A process that shares the address space without being a thread of ours would need its
	 * own pid and wait status: not supported. */
	if (!(flags & CLONE_THREAD) || !(flags & CLONE_SIGHAND))
		return -ENOSYS;
	struct sc_thread *nt = calloc(1, sizeof *nt);
	if (!nt)
		return -ENOMEM;
	nt->proc = p;
	if (!p->multi) {
		/* From now on the execution lock is in use and the VMAs need their lock. */
		p->mem.locking = true;
		p->multi = true;
		sc_bel_acquire(t);
	}
	int r = sc_engine_open(nt);
	if (r) {
		free(nt);
		return r;
	}
	p->arch->sig->clone_regs(nt, t, stack, (flags & CLONE_SETTLS) != 0, tls);
	nt->sigmask = t->sigmask;
	nt->clear_tid = (flags & CLONE_CHILD_CLEARTID) ? child_tid : 0;
	pthread_mutex_lock(&p->lock);
	struct sc_thread **tail = &p->threads;
	while (*tail)
		tail = &(*tail)->next;
	*tail = nt;
	p->nthreads++;
	pthread_mutex_unlock(&p->lock);

	/* The host thread starts with every signal blocked and takes the guest's mask once it
	 * knows its thread (sig.c). */
	uint64_t old = sc_host_sigmask(SIG_SETMASK, ~0ull);
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	pthread_t th;
	int e = pthread_create(&th, &a, thread_main, nt);
	pthread_attr_destroy(&a);
	sc_host_sigmask(SIG_SETMASK, old);
	pthread_mutex_lock(&p->lock);
	if (e) {
		struct sc_thread **q = &p->threads;
		while (*q != nt)
			q = &(*q)->next;
		*q = nt->next;
		p->nthreads--;
		pthread_mutex_unlock(&p->lock);
		sc_engine_close(nt);
		free(nt);
		return -EAGAIN;
	}
	while (!nt->tid)
		pthread_cond_wait(&p->threads_cond, &p->lock);
	int32_t tid = nt->tid;
	pthread_mutex_unlock(&p->lock);
	/* The kernel ignores faults on these. The child runs no guest code before we release the
	 * execution lock, so it sees them written. */
	if (flags & CLONE_PARENT_SETTID)
		(void)put_guest(p, parent_tid, tid);
	if (flags & CLONE_CHILD_SETTID)
		(void)put_guest(p, child_tid, tid);
	return tid;
}

/* ---------------------------------------------------------------- exit */

void sc_thread_exit(struct sc_thread *t, int status)
{
	struct sc_process *p = t->proc;
	pthread_mutex_lock(&p->lock);
	bool last = p->nthreads <= 1;
	if (!last) {
		p->nthreads--;
		t->done = true;
	}
	pthread_mutex_unlock(&p->lock);
	/* The last thread's exit is the process's, with its status. */
	if (last) {
		sc_guest_exit(t, status, 0);
		return;
	}
	sc_attn(t, SC_ATTN_EXIT);
}

#define FUTEX_TID_MASK_ 0x3fffffffu
#define FUTEX_WAITERS_ 0x80000000u
#define FUTEX_OWNER_DIED_ 0x40000000u

/* handle_futex_death(): a robust mutex held by a dying thread is marked, and a waiter woken. */
static void futex_died(struct sc_thread *t, gaddr_t addr)
{
	struct sc_process *p = t->proc;
	uint32_t v = 0;
	/* A compare with 0 that fails reads the word (a 0 word has no owner to mark). */
	if (cmpxchg_guest_u32(p, addr, &v, 0))
		return;
	while ((v & FUTEX_TID_MASK_) == (uint32_t)t->tid) {
		uint32_t seen = v, n = (v & FUTEX_WAITERS_) | FUTEX_OWNER_DIED_;
		if (cmpxchg_guest_u32(p, addr, &v, n))
			return;
		if (v == seen) {
			if (v & FUTEX_WAITERS_)
				syscall(SYS_futex, guest_io_buf(p, addr, 4), FUTEX_WAKE, 1, NULL, NULL, 0);
			break;
		}
	}
}

/* exit_robust_list(): the list the guest's libc keeps of the robust mutexes it holds. */
static void robust_list_walk(struct sc_thread *t)
{
	struct sc_process *p = t->proc;
	struct {
		uint64_t next;
		int64_t offset;
		uint64_t pending;
	} head;
	if (!t->robust_list || get_guest(p, head, t->robust_list))
		return;
	uint64_t entry = head.next & ~1ull, pending = head.pending & ~1ull;
	for (int limit = 2048; entry != t->robust_list && limit; limit--) {
		uint64_t next;
		if (get_guest(p, next, entry))
			return;
		if (entry != pending)
			futex_died(t, entry + (uint64_t)head.offset);
		entry = next & ~1ull;
	}
	if (pending)
		futex_died(t, pending + (uint64_t)head.offset);
}

bool sc_thread_end(struct sc_thread *t)
{
	struct sc_process *p = t->proc;
	bool main_thread = t == &p->thread;
	sc_sig_thread_stop(t);
	if (t->clear_tid) {
		int32_t zero = 0;
		if (!put_guest(p, t->clear_tid, zero)) {
			void *w = guest_io_buf(p, t->clear_tid, 4);
			syscall(SYS_futex, w, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
		}
	}
	robust_list_walk(t);
	if (!main_thread)
		sc_engine_close(t);
	sc_bel_release(t);
	/* Last: once off the list, the thread waiting in sc_threads_wait may free the process. */
	pthread_mutex_lock(&p->lock);
	struct sc_thread **q = &p->threads;
	while (*q && *q != t)
		q = &(*q)->next;
	if (*q)
		*q = t->next;
	t->next = NULL;
	bool orphan_last = p->orphan && !p->threads;
	pthread_cond_broadcast(&p->threads_cond);
	pthread_mutex_unlock(&p->lock);
	if (!main_thread)
		free(t);
	return orphan_last;
}

void sc_threads_wait(struct sc_process *p)
{
	pthread_mutex_lock(&p->lock);
	int rounds = 0;
	while (p->threads) {
		struct timespec d = deadline(20000000L);
		pthread_cond_timedwait(&p->threads_cond, &p->lock, &d);
		if (!__atomic_load_n(&p->exiting, __ATOMIC_SEQ_CST))
			continue;
		/* A thread may have checked before the exit and then blocked: ask again. After
		 * 2 s, one that still does not end is stuck in a host call that ignores signals;
		 * it is left behind. */
		for (struct sc_thread *u = p->threads; u; u = u->next) {
			sc_attn(u, SC_ATTN_EXIT);
			sc_thread_kick(u);
		}
		if (++rounds > 100)
			break;
	}
	pthread_mutex_unlock(&p->lock);
}

void sc_threads_after_fork(struct sc_thread *t)
{
	struct sc_process *p = t->proc;
	/* Only the calling thread exists in the child; the others' locks and engines with it. */
	p->pid = getpid();
	t->tid = gettid();
	pthread_mutex_init(&p->lock, NULL);
	cond_init(&p->threads_cond);
	bel_init(&p->bel);
	pthread_rwlock_init(&p->mem.lock, NULL);
	for (struct sc_thread *u = p->threads; u;) {
		struct sc_thread *next = u->next;
		/* A kick another thread was making when we forked never ends here. */
		u->kickers = 0;
		if (u != t) {
			if (u != &p->thread) {
				sc_engine_close(u);
				free(u);
			} else {
				mem_detach_engine(p, u->uc);
				u->done = true;
			}
		}
		u = next;
	}
	t->next = NULL;
	p->threads = t;
	p->nthreads = 1;
	p->exiting = false;
	if (t != &p->thread)
		p->orphan = true;
	if (p->multi) {
		t->holds_bel = false;
		sc_bel_acquire(t);
	}
	/* fork.c's child set-up gives the one thread these. */
	t->clear_tid = p->tid_address;
	t->robust_list = p->robust_list;
	t->robust_len = p->robust_len;
	sc_sig_after_fork(t);
}
