/* Syscall hooks (hooks.h): the one place sc_dispatch goes to when the process has any hook,
 * the API's, the library's own bookkeeping's or the tracer's (--strace is a client like the
 * others, at SC_ORDER_TRACE). Each hook keeps a per-number selection for the process's
 * architecture, and a per-number mask of who wants what lets unhooked syscalls go straight to
 * the handler: with hooks on read only, a write costs one byte lookup more than without. */
#include "hooks.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "arch/arch.h"

struct sc_hook {
	syscorn_hook id;
	unsigned when;   /* SYSCORN_HOOK_*; 0: deleted while hooks were running */
	int order;
	sc_hook_fn fn;
	syscorn_syscall_cb cb;
	void *data;
	uint8_t *sel;    /* [count + 1]: selected numbers; [count]: numbers beyond the table */
};

struct sc_hooks {
	struct sc_hook *v;
	size_t n, cap;
	syscorn_hook next_id;
	unsigned count;          /* the architecture's table size */
	uint8_t *mask;           /* [count + 1]: union of the `when` of the hooks selecting it */
	unsigned *classes;       /* [count]: SYSCORN_SC_* */
	const char *(*types)[6]; /* [count]: the argument tags as strings */
	/* Observers only, one BEFORE and one AFTER hook (--strace without other hooks): those
	 * two, called directly (the mask still says which numbers they select). */
	bool lone;
	struct sc_hook lone_before, lone_after;
	int depth;               /* hooks running: deletions wait */
	bool dead;               /* some hook was deleted while running */
	bool skip_before;
};

static const char *const type_names[] = {
#define SC_TNAME(tag, ctype) #tag,
	SC_ARG_TYPES(SC_TNAME)
#undef SC_TNAME
};

/* ------------------------------------------------------------------------ classes */

static bool in_list(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(name, *list))
			return true;
	return false;
}

static const char *const memory_calls[] = {
	"brk", "mmap", "munmap", "mprotect", "mremap", "madvise", "msync", "mlock", "mlock2",
	"munlock", "mlockall", "munlockall", "mincore", "pkey_mprotect", "remap_file_pages",
	"mbind", "set_mempolicy", "get_mempolicy", "process_madvise", NULL
};
static const char *const process_calls[] = {
	"clone", "clone3", "fork", "vfork", "execve", "execveat", "exit", "exit_group", "wait4",
	"waitid", "kill", "tkill", "tgkill", "pidfd_open", "pidfd_send_signal", NULL
};
static const char *const signal_calls[] = {
	"sigaltstack", "kill", "tkill", "tgkill", "signalfd", "signalfd4", "pause", "alarm",
	"pidfd_send_signal", NULL
};
static const char *const network_calls[] = {
	"socket", "socketpair", "bind", "connect", "listen", "accept", "accept4", "getsockname",
	"getpeername", "sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg",
	"setsockopt", "getsockopt", "shutdown", NULL
};
static const char *const fd_making_calls[] = {
	"pipe", "pipe2", "socket", "socketpair", "eventfd", "eventfd2", "epoll_create",
	"epoll_create1", "memfd_create", "timerfd_create", "signalfd", "inotify_init",
	"inotify_init1", "userfaultfd", "pidfd_open", "fanotify_init", "perf_event_open",
	"io_uring_setup", NULL
};
static const char *const read_calls[] = {
	"read", "readv", "pread64", "preadv", "preadv2", "recvfrom", "recvmsg", "recvmmsg", NULL
};
static const char *const write_calls[] = {
	"write", "writev", "pwrite64", "pwritev", "pwritev2", "sendto", "sendmsg", "sendmmsg",
	"sendfile", NULL
};

unsigned sc_syscall_classes(const struct sc_syscall_meta *m)
{
	if (!m)
		return 0;
	unsigned c = 0;
	for (int i = 0; i < m->nargs; i++) {
		if (m->argtypes[i] == SCT_path)
			c |= SYSCORN_SC_FILE;
		if (m->argtypes[i] == SCT_fd || m->argtypes[i] == SCT_dirfd)
			c |= SYSCORN_SC_DESC;
	}
	const char *n = m->name;
	if (in_list(n, fd_making_calls))
		c |= SYSCORN_SC_DESC;
	if (in_list(n, memory_calls))
		c |= SYSCORN_SC_MEMORY;
	if (in_list(n, process_calls))
		c |= SYSCORN_SC_PROCESS;
	if (!strncmp(n, "rt_sig", 6) || in_list(n, signal_calls))
		c |= SYSCORN_SC_SIGNAL;
	if (in_list(n, network_calls))
		c |= SYSCORN_SC_NETWORK;
	if (in_list(n, read_calls))
		c |= SYSCORN_SC_READ;
	if (in_list(n, write_calls))
		c |= SYSCORN_SC_WRITE;
	return c;
}

static const struct {
	const char *name;
	unsigned bit;
} class_names[] = {
	{ "file", SYSCORN_SC_FILE },       { "desc", SYSCORN_SC_DESC },
	{ "memory", SYSCORN_SC_MEMORY },   { "process", SYSCORN_SC_PROCESS },
	{ "signal", SYSCORN_SC_SIGNAL },   { "network", SYSCORN_SC_NETWORK },
	{ "net", SYSCORN_SC_NETWORK },     { "read", SYSCORN_SC_READ },
	{ "write", SYSCORN_SC_WRITE },
};

/* ------------------------------------------------------------------------ selection */

const struct sc_syscall_meta *sc_syscall_meta(const struct sc_process *p, uint64_t nr)
{
	const struct sc_syscall_table *tab = p->arch->syscalls;
	return nr < tab->count ? tab->meta[nr] : NULL;
}

static bool table_has(const struct sc_syscall_table *tab, const char *name, size_t len)
{
	for (unsigned i = 0; i < tab->count; i++)
		if (tab->meta[i] && strlen(tab->meta[i]->name) == len &&
		    !strncmp(tab->meta[i]->name, name, len))
			return true;
	return false;
}

/* Fills sel [count + 1] from a selection string. */
static syscorn_err compile(struct sc_process *p, struct sc_hooks *h, const char *which,
			   uint8_t *sel)
{
	const struct sc_syscall_table *tab = p->arch->syscalls;
	if (!which || !*which || !strcmp(which, "*")) {
		memset(sel, 1, h->count + 1);
		return SYSCORN_OK;
	}
	for (const char *s = which; *s;) {
		const char *e = strchr(s, ',');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		if (!len)
			return SYSCORN_ERR_SYSCALL;
		if (*s == '%') {
			unsigned bit = 0;
			for (size_t i = 0; i < sizeof class_names / sizeof *class_names; i++)
				if (strlen(class_names[i].name) == len - 1 &&
				    !strncmp(class_names[i].name, s + 1, len - 1))
					bit = class_names[i].bit;
			if (!bit)
				return SYSCORN_ERR_SYSCALL;
			for (unsigned nr = 0; nr < h->count; nr++)
				if (h->classes[nr] & bit)
					sel[nr] = 1;
		} else {
			bool found = false;
			for (unsigned nr = 0; nr < h->count; nr++)
				if (tab->meta[nr] && strlen(tab->meta[nr]->name) == len &&
				    !strncmp(tab->meta[nr]->name, s, len))
					sel[nr] = 1, found = true;
			/* A name of the other architecture only (open on arm64) selects nothing. */
			if (!found && !table_has(sc_arch_arm64.syscalls, s, len) &&
			    !table_has(sc_arch_x86_64.syscalls, s, len))
				return SYSCORN_ERR_SYSCALL;
		}
		s += len;
		if (*s == ',')
			s++;
	}
	return SYSCORN_OK;
}

static void remask(struct sc_hooks *h)
{
	memset(h->mask, 0, h->count + 1);
	for (size_t i = 0; i < h->n; i++)
		for (unsigned nr = 0; nr <= h->count; nr++)
			if (h->v[i].sel[nr])
				h->mask[nr] |= (uint8_t)h->v[i].when;
	/* The lone observers: two live hooks, both internal observers of everything. */
	struct sc_hook *b = NULL, *a = NULL;
	size_t live = 0;
	for (size_t i = 0; i < h->n; i++) {
		struct sc_hook *k = &h->v[i];
		if (!k->when)
			continue;
		live++;
		if (k->order < SC_ORDER_TRACE || !k->fn || memchr(k->sel, 0, h->count + 1))
			continue;
		if (k->when == SYSCORN_HOOK_BEFORE)
			b = k;
		else if (k->when == SYSCORN_HOOK_AFTER)
			a = k;
	}
	h->lone = live == 2 && a && b;
	if (h->lone) {
		h->lone_before = *b;
		h->lone_after = *a;
	}
}

static struct sc_hooks *hooks_new(struct sc_process *p)
{
	struct sc_hooks *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	h->count = p->arch->syscalls->count;
	h->mask = calloc(h->count + 1, 1);
	h->classes = calloc(h->count, sizeof *h->classes);
	h->types = calloc(h->count, sizeof *h->types);
	if (!h->mask || !h->classes || !h->types) {
		free(h->mask);
		free(h->classes);
		free(h->types);
		free(h);
		return NULL;
	}
	for (unsigned nr = 0; nr < h->count; nr++) {
		const struct sc_syscall_meta *m = p->arch->syscalls->meta[nr];
		h->classes[nr] = sc_syscall_classes(m);
		for (int i = 0; m && i < m->nargs && i < 6; i++)
			h->types[nr][i] = (unsigned)m->argtypes[i] < SCT_COUNT ?
						  type_names[m->argtypes[i]] : "?";
	}
	h->next_id = 1;
	return h;
}

syscorn_err sc_hook_add(struct sc_process *p, unsigned when, const char *which, int order,
			sc_hook_fn fn, syscorn_syscall_cb cb, void *data, syscorn_hook *id)
{
	if (!when || (when & ~(SYSCORN_HOOK_BEFORE | SYSCORN_HOOK_AFTER)) || (!fn && !cb))
		return SYSCORN_ERR_ARG;
	struct sc_hooks *h = p->hooks;
	if (!h && !(h = hooks_new(p)))
		return SYSCORN_ERR_NOMEM;
	struct sc_hook k = { .when = when, .order = order, .fn = fn, .cb = cb, .data = data };
	syscorn_err e = SYSCORN_ERR_NOMEM;
	if (!(k.sel = calloc(h->count + 1, 1)))
		goto fail;
	if ((e = compile(p, h, which, k.sel)))
		goto fail;
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 8;
		struct sc_hook *v = realloc(h->v, cap * sizeof *v);
		e = SYSCORN_ERR_NOMEM;
		if (!v)
			goto fail;
		h->v = v;
		h->cap = cap;
	}
	/* Insertion after every hook of the same or a lower order: stable by order. */
	size_t at = h->n;
	while (at > 0 && h->v[at - 1].order > order)
		at--;
	memmove(&h->v[at + 1], &h->v[at], (h->n - at) * sizeof *h->v);
	k.id = h->next_id++;
	h->v[at] = k;
	h->n++;
	remask(h);
	p->hooks = h;
	if (id)
		*id = k.id;
	return SYSCORN_OK;
fail:
	free(k.sel);
	if (!p->hooks) {
		free(h->mask);
		free(h->classes);
		free(h->types);
		free(h);
	}
	return e;
}

static void compact(struct sc_hooks *h)
{
	size_t j = 0;
	for (size_t i = 0; i < h->n; i++) {
		if (h->v[i].when)
			h->v[j++] = h->v[i];
		else
			free(h->v[i].sel);
	}
	h->n = j;
	h->dead = false;
	remask(h);
}

syscorn_err sc_hook_del(struct sc_process *p, syscorn_hook id)
{
	struct sc_hooks *h = p->hooks;
	for (size_t i = 0; h && i < h->n; i++) {
		if (h->v[i].id != id || !h->v[i].when)
			continue;
		h->v[i].when = 0;
		if (h->depth)
			h->dead = true;
		else
			compact(h);
		return SYSCORN_OK;
	}
	return SYSCORN_ERR_HOOK;
}

void sc_hooks_free(struct sc_process *p)
{
	struct sc_hooks *h = p->hooks;
	if (!h)
		return;
	for (size_t i = 0; i < h->n; i++)
		free(h->v[i].sel);
	free(h->v);
	free(h->mask);
	free(h->classes);
	free(h->types);
	free(h);
	p->hooks = NULL;
}

bool sc_hook_installed(const struct sc_process *p, sc_hook_fn fn)
{
	const struct sc_hooks *h = p->hooks;
	for (size_t i = 0; h && i < h->n; i++)
		if (h->v[i].when && h->v[i].fn == fn)
			return true;
	return false;
}

void sc_hooks_skip_before(struct sc_process *p)
{
	if (p->hooks)
		p->hooks->skip_before = true;
}

/* ------------------------------------------------------------------------ dispatch */

static void describe(struct sc_hooks *h, const struct sc_process *p, syscorn_syscall *c)
{
	static const char *const none[6];
	const struct sc_syscall_meta *m = sc_syscall_meta(p, c->nr);
	c->name = m ? m->name : NULL;
	c->nargs = m ? m->nargs : 6;
	c->arg_names = m ? m->argnames : none;
	c->arg_types = m ? h->types[c->nr] : none;
	c->classes = m ? h->classes[c->nr] : 0;
}

/* Copies the arguments 8 bytes at a time: the caller has just stored them so (register reads),
 * and a wider load could not take them from the pending stores (a stall of some 10 ns). */
static inline void copy_args(uint64_t dst[6], const uint64_t src[6])
{
	for (int i = 0; i < 6; i++) {
		uint64_t v = src[i];
		__asm__("" : "+r"(v)); /* no vectorizing */
		dst[i] = v;
	}
}

static syscorn_action call_hook(struct sc_thread *t, struct sc_hook *k, syscorn_syscall *c)
{
	return k->fn ? k->fn(t, c, k->data) : k->cb(t->proc, c, k->data);
}

uint64_t sc_hooks_dispatch(struct sc_thread *t, uint64_t nr, const uint64_t args[6])
{
	struct sc_process *p = t->proc;
	struct sc_hooks *h = p->hooks;
	bool skip_before = h->skip_before;
	if (__builtin_expect(skip_before, 0))
		h->skip_before = false;
	unsigned m = h->mask[nr < h->count ? nr : h->count];
	if (!m)
		return sc_dispatch_raw(t, nr, args);
	/* Field by field: an initializer would clear the whole of it first (a rep stos). */
	syscorn_syscall c;
	c.nr = nr;
	c.ret = 0;
	copy_args(c.args, args);
	if (h->lone) {
		/* Observers only: nothing skips, stops or changes the call, and nothing they do
		 * adds or deletes a hook; BEFORE hooks are theirs alone, even on a pending call.
		 * Internal ones (the tracer): they read the number, arguments and result, not the
		 * description (names, types, classes) an API callback gets. */
		c.name = NULL;
		h->lone_before.fn(t, &c, h->lone_before.data);
		c.ret = (int64_t)sc_dispatch_raw(t, nr, args);
		h->lone_after.fn(t, &c, h->lone_after.data);
		return (uint64_t)c.ret;
	}
	describe(h, p, &c);
	bool skip = false;
	h->depth++;
	if (m & SYSCORN_HOOK_BEFORE) {
		for (size_t i = 0; i < h->n; i++) {
			struct sc_hook *k = &h->v[i];
			if (!(k->when & SYSCORN_HOOK_BEFORE) || !k->sel[nr < h->count ? nr : h->count])
				continue;
			/* a call a STOP left pending: only the observers have not seen it */
			if (skip_before && k->order < SC_ORDER_TRACE)
				continue;
			syscorn_action a = call_hook(t, k, &c);
			if (a == SYSCORN_SKIP) {
				skip = true;
				break;
			}
			if (a == SYSCORN_STOP) {
				/* Left pending: the trap hook writes our result into the return
				 * register, so give back what it holds (x0 = arg0, rax = nr). */
				h->depth--;
				if (!h->depth && h->dead)
					compact(h);
				if (p->api)
					p->api->pending = true;
				sc_api_stop(p, SYSCORN_END_STOP);
				const struct sc_api_arch *r = p->api ? p->api->regs : NULL;
				return r && r->ret_arg >= 0 ? args[r->ret_arg] : nr;
			}
		}
	}
	if (!skip) {
		if (c.nr != nr)
			describe(h, p, &c);
		c.ret = (int64_t)sc_dispatch_raw(t, c.nr, c.args);
	}
	uint64_t cn = c.nr < h->count ? c.nr : h->count;
	/* after a SKIP too: the guest gets a result, which the observers report */
	if (h->mask[cn] & SYSCORN_HOOK_AFTER) {
		for (size_t i = 0; i < h->n; i++) {
			struct sc_hook *k = &h->v[i];
			if (!(k->when & SYSCORN_HOOK_AFTER) || !k->sel[cn])
				continue;
			if (call_hook(t, k, &c) == SYSCORN_STOP)
				sc_api_stop(p, SYSCORN_END_STOP);
		}
	}
	h->depth--;
	if (!h->depth && h->dead)
		compact(h);
	return (uint64_t)c.ret;
}

/* ------------------------------------------------------------------------ the public API */

syscorn_err syscorn_hook_syscall(syscorn *p, unsigned when, const char *which,
				 syscorn_syscall_cb cb, void *user_data, syscorn_hook *hook)
{
	if (!p || !cb)
		return SYSCORN_ERR_ARG;
	return sc_hook_add(p, when, which, SC_ORDER_USER, NULL, cb, user_data, hook);
}

syscorn_err syscorn_hook_del(syscorn *p, syscorn_hook hook)
{
	if (!p)
		return SYSCORN_ERR_ARG;
	return sc_hook_del(p, hook);
}
