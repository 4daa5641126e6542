/* Syscall dispatch through the generated per-architecture table. */
#include "syscall.h"

#include <errno.h>

#include "arch/arch.h"

static void warn_unsupported(struct sc_process *p, uint64_t nr, const char *name)
{
	/* One warning per distinct syscall, so a libc probing for a call it can live without
	 * (clone3, rseq...) costs one line, not one per call. */
	if (nr < sizeof p->warned * 8) {
		if (p->warned[nr / 8] & (1u << (nr % 8)))
			return;
		p->warned[nr / 8] |= (uint8_t)(1u << (nr % 8));
	}
	if (name)
		sc_warn(p, "unsupported syscall %s (%llu)", name, (unsigned long long)nr);
	else
		sc_warn(p, "unsupported syscall %llu", (unsigned long long)nr);
}

uint64_t sc_dispatch(struct sc_thread *t, uint64_t nr, const uint64_t args[6])
{
	/* One predictable branch: hooks (the API's, the library's bookkeeping, the tracer's) wrap
	 * the call (hooks.c) when the process has any. */
	if (__builtin_expect(t->proc->hooks != NULL, 0))
		return sc_hooks_dispatch(t, nr, args);
	return sc_dispatch_raw(t, nr, args);
}

uint64_t sc_dispatch_raw(struct sc_thread *t, uint64_t nr, const uint64_t args[6])
{
	const struct sc_syscall_table *tab = t->proc->arch->syscalls;
	const struct sc_syscall_meta *m = nr < tab->count ? tab->meta[nr] : NULL;
	if (!m || !m->fn) {
		warn_unsupported(t->proc, nr, m ? m->name : NULL);
		return (uint64_t)-ENOSYS;
	}
	long r = m->fn(t, args);
	if (r < 0 && r > -4096)
		r = -sc_errno_to_guest((int)-r);
	return (uint64_t)r;
}
