/* Syscall hooks: the one mechanism behind the API's syscorn_hook_syscall, the library's own
 * bookkeeping (snapshot, limits, stop points) and any other observer of syscalls (the tracer).
 * A hook sees a syscorn_syscall (number, the handler's metadata, arguments, result) before
 * and/or after the call and answers with a syscorn_action. */
#ifndef SYSCORN_HOOKS_H
#define SYSCORN_HOOKS_H

#include "syscall.h"

/* An internal hook: same contract as syscorn_syscall_cb, with the calling thread. */
typedef syscorn_action (*sc_hook_fn)(struct sc_thread *t, syscorn_syscall *call, void *data);

/* Hooks run by ascending order, then in the order they were added, BEFORE and AFTER alike.
 * The library's bookkeeping sees results first (SC_ORDER_FIRST), API hooks come next
 * (SC_ORDER_USER), observers that report what the guest got last.
 *
 * SC_ORDER_TRACE is the tracer's (src/trace/trace.c), after everybody: its BEFORE hook sees
 * the arguments the call is made with (after any hook changed them), its AFTER hook the result
 * the guest gets (after any hook changed it). A call a BEFORE hook skips is not made, but the
 * AFTER hooks, the tracer's among them, still see it, with the chosen result. Hooks of this
 * order only observe (they never SKIP or STOP, change the call, add or delete hooks) and,
 * unlike the others, they see the BEFORE of a call a STOP left pending when it is made at
 * last: they could not have seen it before. A BEFORE and an AFTER observer of every syscall,
 * alone (--strace without other hooks), are called directly, without the general loop. */
enum { SC_ORDER_FIRST = -100, SC_ORDER_USER = 0, SC_ORDER_LAST = 100, SC_ORDER_TRACE = 1000 };

/* Adds a hook for the syscalls `which` selects (syscorn_hook_syscall's syntax). Internal hooks
 * have fn set, API hooks cb. Returns SYSCORN_OK with *id set, or an error. */
syscorn_err sc_hook_add(struct sc_process *p, unsigned when, const char *which, int order,
			sc_hook_fn fn, syscorn_syscall_cb cb, void *data, syscorn_hook *id);
syscorn_err sc_hook_del(struct sc_process *p, syscorn_hook id);
/* Whether an internal hook calling fn is installed. */
bool sc_hook_installed(const struct sc_process *p, sc_hook_fn fn);
void sc_hooks_free(struct sc_process *p);

/* The next syscall of this thread runs without BEFORE hooks (a call left pending by a STOP),
 * but for the observers' (SC_ORDER_TRACE). */
void sc_hooks_skip_before(struct sc_process *p);

/* Metadata of syscall nr on p's architecture, NULL for a number the table does not know. */
const struct sc_syscall_meta *sc_syscall_meta(const struct sc_process *p, uint64_t nr);
/* SYSCORN_SC_* of a syscall. */
unsigned sc_syscall_classes(const struct sc_syscall_meta *m);

#endif
