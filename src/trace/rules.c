/* The tracer's per-syscall table, built on first use for each architecture: the handler's
 * metadata (argument type tags) put together with the rules of tools/xlat/syscalls.tbl, and
 * whether -e trace= selects the call. */
#include "internal.h"

#include <elf.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "../arch/arch.h"
#include "xlat.h"

int sc_trace_arch(const struct sc_process *p)
{
	return p->arch->e_machine == EM_AARCH64 ? SC_XA_ARM64 : SC_XA_X86_64;
}

static const struct sc_trace_rule *find_rule(const char *name)
{
	unsigned lo = 0, hi = sc_trace_nrules;
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		int c = strcmp(name, sc_trace_rules[mid].name);
		if (!c)
			return &sc_trace_rules[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* The printer a handler's type tag stands for. */
static struct sc_trace_arg default_arg(enum sc_argtype t, int i, bool *out)
{
	struct sc_trace_arg a = { TP_x, -1, NULL };
	switch (t) {
	case SCT_int: a.printer = TP_d; break;
	case SCT_uint: a.printer = TP_u; break;
	case SCT_long: a.printer = TP_ld; break;
	case SCT_ulong: a.printer = TP_lu; break;
	case SCT_size: a.printer = TP_lu; break;
	case SCT_off: a.printer = TP_ld; break;
	case SCT_fd: a.printer = TP_fd; break;
	case SCT_dirfd: a.printer = TP_dirfd; break;
	case SCT_pid: a.printer = TP_d; break;
	case SCT_uid: a.printer = TP_uid; break;
	case SCT_mode: a.printer = TP_mode; break;
	case SCT_oflags: a.printer = TP_oflags; break;
	case SCT_atflags: a.printer = TP_flags; a.xlat = &sc_xlat_at_flags; break;
	case SCT_prot: a.printer = TP_flags; a.xlat = &sc_xlat_prot; break;
	case SCT_mflags: a.printer = TP_mflags; break;
	case SCT_signo: a.printer = TP_signo; break;
	case SCT_ptr: a.printer = TP_ptr; break;
	case SCT_path: a.printer = TP_path; break;
	case SCT_str: a.printer = TP_str; break;
	case SCT_ibuf: a.printer = TP_ibuf; a.param = (int8_t)(i + 1); break;
	case SCT_obuf: a.printer = TP_obuf; *out = true; break;
	case SCT_iov: a.printer = TP_iov; a.param = (int8_t)(i + 1); break;
	case SCT_stat: a.printer = TP_stat; *out = true; break;
	case SCT_statx: a.printer = TP_statx; *out = true; break;
	case SCT_statfs: a.printer = TP_statfs; *out = true; break;
	case SCT_timespec: a.printer = TP_timespec; break;
	case SCT_timeval: a.printer = TP_timeval; break;
	case SCT_sigset: a.printer = TP_sigset; a.param = (int8_t)(i + 1); break;
	case SCT_sigaction: a.printer = TP_sigaction; break;
	case SCT_rlimit: a.printer = TP_rlimit; break;
	case SCT_pollfd: a.printer = TP_pollfd; break;
	case SCT_fdset: a.printer = TP_fdset; break;
	case SCT_argv: a.printer = TP_argv; break;
	case SCT_cmd: a.printer = TP_u; break;
	case SCT_clockid: a.printer = TP_clockid; break;
	case SCT_whence: a.printer = TP_enum; a.xlat = &sc_xlat_whence; break;
	case SCT_COUNT: break;
	}
	return a;
}

static bool name_selected(const struct sc_tracer *tr, const char *name, uint32_t classes)
{
	bool in = tr->sel_all;
	if (!in && (classes & tr->sel_classes))
		in = true;
	for (size_t i = 0; !in && i < tr->nnames; i++) {
		const char *n = tr->names[i];
		if (*n == '/') { /* -e trace=/REGEX */
			regex_t re;
			if (!regcomp(&re, n + 1, REG_EXTENDED | REG_NOSUB)) {
				in = regexec(&re, name, 0, NULL, 0) == 0;
				regfree(&re);
			}
		} else if (!strcmp(n, name)) {
			in = true;
		}
	}
	return tr->sel_negate ? !in : in;
}

bool sc_trace_name_selected(const struct sc_tracer *tr, const char *name)
{
	return !tr->sel_none && name_selected(tr, name, 0);
}

struct sc_trace_sys *sc_trace_sys_table(struct sc_tracer *tr, struct sc_process *p, int ai)
{
	if (tr->sys[ai])
		return tr->sys[ai];
	const struct sc_syscall_table *tab = p->arch->syscalls;
	struct sc_trace_sys *s = aligned_alloc(_Alignof(struct sc_trace_sys), tab->count * sizeof *s);
	if (!s)
		return NULL;
	memset(s, 0, tab->count * sizeof *s);
	for (unsigned nr = 0; nr < tab->count; nr++) {
		const struct sc_syscall_meta *m = tab->meta[nr];
		struct sc_trace_sys *e = &s[nr];
		e->meta = m;
		size_t nl = m ? strlen(m->name) : 0;
		e->namelen = (uint8_t)(nl < 255 ? nl : 255);
		if (m && nl < sizeof e->name)
			memcpy(e->name, m->name, nl);
		if (!m) {
			e->nargs = 6;
			e->traced = name_selected(tr, "", 0) && !tr->sel_none;
			for (int i = 0; i < 6; i++)
				e->args[i] = (struct sc_trace_arg){ TP_x, -1, NULL };
			continue;
		}
		const struct sc_trace_rule *r = find_rule(m->name);
		e->nargs = (uint8_t)(r && r->nargs >= 0 ? r->nargs : m->fn ? m->nargs : 6);
		for (int i = 0; i < 6; i++) {
			bool out = false;
			e->args[i] = i < m->nargs ? default_arg(m->argtypes[i], i, &out)
						  : (struct sc_trace_arg){ TP_x, -1, NULL };
			if (out)
				e->outs |= (uint8_t)(1u << i);
			if (r && r->args[i].printer) {
				e->args[i] = r->args[i];
				e->outs &= (uint8_t)~(1u << i);
			}
		}
		if (r) {
			e->outs |= r->outs;
			e->classes = r->classes;
			e->ret = r->ret;
			e->special = r->special;
			e->eintr = r->eintr;
		}
		e->traced = !tr->sel_none && name_selected(tr, m->name, e->classes);
		if (e->special == TS_clone || !strcmp(m->name, "fork") || !strcmp(m->name, "vfork") ||
		    !strcmp(m->name, "clone3"))
			e->kind |= SC_TSYS_FORK;
		if ((tr->flags & SC_TRACE_F_FOLLOW) && !strcmp(m->name, "exit"))
			e->kind |= SC_TSYS_EXIT;
		if (!strcmp(m->name, "kill"))
			e->kind |= SC_TSYS_KILL;
		if (!strcmp(m->name, "tgkill") || !strcmp(m->name, "tkill"))
			e->kind |= SC_TSYS_TGKILL;
	}
	for (unsigned nr = 0; nr < tab->count; nr++)
		s[nr].plain = s[nr].meta && !s[nr].special && !s[nr].kind;
	tr->sys[ai] = s;
	tr->nsys[ai] = tab->count;
	return s;
}
