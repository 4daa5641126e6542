/* Guest threads: one host thread and one Unicorn engine each, and the execution lock that
 * serialises them (thread.c). */
#ifndef SYSCORN_THREAD_H
#define SYSCORN_THREAD_H

#include "core.h"

/* The execution lock. A thread holds it while it runs guest code or a syscall handler, except
 * the handlers of calls that may block (sc_trap releases it around those, and code that blocks
 * elsewhere uses sc_blocking_*). Waiters are served in order; one that has waited a time slice
 * asks the holder to yield, which it does at its next block boundary. No-ops until a second
 * thread has existed. */
void sc_bel_acquire(struct sc_thread *t);
void sc_bel_release(struct sc_thread *t);
/* Around a host call that may block, in code that runs under the lock. */
bool sc_blocking_begin(struct sc_thread *t);
void sc_blocking_end(struct sc_thread *t, bool released);

/* Process set-up and teardown of the thread machinery (locks, the main thread's entry). */
void sc_threads_init(struct sc_process *p);
void sc_threads_fini(struct sc_process *p);

/* clone and clone3 with CLONE_VM and without CLONE_VFORK (fork.c calls it). */
long sc_clone_thread(struct sc_thread *t, uint64_t flags, gaddr_t stack, gaddr_t parent_tid,
		     gaddr_t child_tid, gaddr_t tls);

/* exit(2): ends the calling thread, or the process when it is the last one. */
void sc_thread_exit(struct sc_thread *t, int status);

/* After the run loop of t returned: CLONE_CHILD_CLEARTID, robust futexes, the thread's engine
 * and place in the list. True when t was the last thread of a fork child made by a thread other
 * than the one that called syscorn_run (which must then return in its place). */
bool sc_thread_end(struct sc_thread *t);

/* The main thread, its guest thread ended: waits until the other threads have ended too. */
void sc_threads_wait(struct sc_process *p);

/* In a fork child (the calling thread is the only one left). */
void sc_threads_after_fork(struct sc_thread *t);

/* The thread with this tid, or NULL (p->lock held). */
struct sc_thread *sc_thread_find(struct sc_process *p, int tid);

/* Makes a thread blocked in a host call return from it (EINTR), so it sees its attn bits. */
void sc_thread_kick(struct sc_thread *t);

#endif
