/* The tracer's core: the dispatch hook, the line (leader, arguments, padding, return value,
 * timings), output through the user's write function, -e trace= selection, -c counts, the
 * JSON form and the process start and end lines. Arguments are printed by print.c (per type)
 * and special.c (the few calls whose arguments depend on each other). */
#include "trace.h"

#include <elf.h>
#include <regex.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../arch/arch.h"
#include "xlat.h"

/* ------------------------------------------------------------------ text buffers */

void tb_grow(struct sc_tbuf *b, size_t n)
{
	if (b->len + n + 1 <= b->cap)
		return;
	size_t c = b->cap ? b->cap : 256;
	while (c < b->len + n + 1)
		c *= 2;
	char *q = realloc(b->p, c);
	if (!q)
		abort();
	b->p = q;
	b->cap = c;
}

void tb_printf(struct sc_tbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char tmp[256];
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof tmp) {
		tb_putn(b, tmp, (size_t)n);
		return;
	}
	tb_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void tb_udec(struct sc_tbuf *b, uint64_t v)
{
	char tmp[24];
	int i = sizeof tmp;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	tb_putn(b, tmp + i, sizeof tmp - (size_t)i);
}

void tb_dec(struct sc_tbuf *b, int64_t v)
{
	if (v < 0) {
		tb_putc(b, '-');
		tb_udec(b, (uint64_t)0 - (uint64_t)v);
	} else {
		tb_udec(b, (uint64_t)v);
	}
}

void tb_hex(struct sc_tbuf *b, uint64_t v)
{
	if (!v) {
		tb_putc(b, '0');
		return;
	}
	char tmp[20];
	int i = sizeof tmp;
	while (v) {
		tmp[--i] = "0123456789abcdef"[v & 15];
		v >>= 4;
	}
	tmp[--i] = 'x';
	tmp[--i] = '0';
	tb_putn(b, tmp + i, sizeof tmp - (size_t)i);
}

/* ------------------------------------------------------------------ rules */

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

static struct sc_trace_sys *sys_table(struct sc_tracer *tr, struct sc_process *p, int ai)
{
	if (tr->sys[ai])
		return tr->sys[ai];
	const struct sc_syscall_table *tab = p->arch->syscalls;
	struct sc_trace_sys *s = calloc(tab->count, sizeof *s);
	if (!s)
		abort();
	for (unsigned nr = 0; nr < tab->count; nr++) {
		const struct sc_syscall_meta *m = tab->meta[nr];
		struct sc_trace_sys *e = &s[nr];
		e->meta = m;
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
		if (!strcmp(m->name, "kill"))
			e->kind |= SC_TSYS_KILL;
		if (!strcmp(m->name, "tgkill") || !strcmp(m->name, "tkill"))
			e->kind |= SC_TSYS_TGKILL;
	}
	tr->sys[ai] = s;
	tr->nsys[ai] = tab->count;
	return s;
}

/* ------------------------------------------------------------------ per-thread state */

/* What one guest thread (one host thread) is printing: threads trace concurrently, and only
 * the output, the counts and the lazily built tables are shared (under tr->lock). */
struct sc_trace_tls {
	struct sc_tracer *tr;
	struct sc_trace_call call;
	struct sc_tbuf line, json;
	struct sc_tbuf deferred; /* signal lines that arrive inside a call: after its line */
	bool in_call;
	int tid;
};
static __thread struct sc_trace_tls *tls;
static pthread_key_t tls_key;
static pthread_once_t tls_once = PTHREAD_ONCE_INIT;

static void tls_free(void *v)
{
	struct sc_trace_tls *t = v;
	free(t->line.p);
	free(t->json.p);
	free(t->deferred.p);
	free(t);
}

static void tls_init(void)
{
	pthread_key_create(&tls_key, tls_free);
}

static struct sc_trace_tls *my_tls(struct sc_tracer *tr)
{
	struct sc_trace_tls *t = tls;
	if (__builtin_expect(t != NULL && t->tr == tr, 1))
		return t;
	if (!t) {
		pthread_once(&tls_once, tls_init);
		t = calloc(1, sizeof *t);
		if (!t)
			abort();
		pthread_setspecific(tls_key, t);
		tls = t;
	}
	t->tr = tr;
	t->line.len = t->json.len = t->deferred.len = 0;
	t->in_call = false;
	t->tid = (int)gettid();
	return t;
}

/* ------------------------------------------------------------------ output */

static void out_flush_locked(struct sc_tracer *tr)
{
	if (tr->out.len && tr->write)
		tr->write(tr->write_data, tr->pid, tr->out.p, tr->out.len);
	tr->out.len = 0;
}

/* The lock is taken once a thread was created (before it exists): not for one thread. */
static void lock(struct sc_tracer *tr)
{
	if (__atomic_load_n(&tr->threaded, __ATOMIC_ACQUIRE))
		pthread_mutex_lock(&tr->lock);
}

static void unlock(struct sc_tracer *tr)
{
	if (__atomic_load_n(&tr->threaded, __ATOMIC_ACQUIRE))
		pthread_mutex_unlock(&tr->lock);
}

static void out_flush(struct sc_tracer *tr)
{
	lock(tr);
	out_flush_locked(tr);
	unlock(tr);
}

static void emit(struct sc_tracer *tr, const char *s, size_t n);

void sc_trace_flush(struct sc_process *p)
{
	struct sc_tracer *tr = p->tracer;
	if (!tr)
		return;
	struct sc_trace_tls *tl = tls && tls->tr == tr ? tls : NULL;
	if (tl && tl->in_call && tl->call.sys->special == TS_execve && !tl->call.exec_shown) {
		/* about to become another program: this line ends here, as a success */
		struct sc_trace_call *c = &tl->call;
		struct sc_tbuf *b = &tl->line;
		size_t start = c->flushed;
		tb_puts(b, ") ");
		while (b->len < (size_t)tr->column)
			tb_putc(b, ' ');
		tb_puts(b, "= 0\n");
		if (!(tr->flags & (SC_TRACE_F_JSON | SC_TRACE_F_FAILED | SC_TRACE_F_SUMMARY)))
			emit(tr, b->p + start, b->len - start);
		c->exec_shown = true;
	}
	out_flush(tr);
}

/* Moves finished text to the output; writes it at once when unbuffered. */
static void emit(struct sc_tracer *tr, const char *s, size_t n)
{
	lock(tr);
	tb_putn(&tr->out, s, n);
	if ((tr->flags & SC_TRACE_F_UNBUFFERED) || tr->out.len >= 32768)
		out_flush_locked(tr);
	unlock(tr);
}

static void now(struct timespec *ts)
{
	clock_gettime(CLOCK_REALTIME, ts);
}

static void mono(struct timespec *ts)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
}

static int64_t ts_ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

/* "[pid N] ", timestamps: what strace prints before each line. */
static void leader(struct sc_tracer *tr, struct sc_tbuf *b, const struct timespec *wall)
{
	if (!tr->show_pid && !tr->tflag && !(tr->flags & SC_TRACE_F_RELATIVE))
		return;
	if (tr->show_pid) {
		int id = tls && tls->tr == tr ? tls->tid : tr->pid;
		if (tr->flags & SC_TRACE_F_PID_COLUMN)
			tb_printf(b, "%-5d ", id);
		else
			tb_printf(b, "[pid %5d] ", id);
	}
	if (tr->tflag) {
		if (tr->tflag >= 3) {
			tb_printf(b, "%lld.%06ld ", (long long)wall->tv_sec, wall->tv_nsec / 1000);
		} else {
			struct tm tm;
			time_t s = wall->tv_sec;
			localtime_r(&s, &tm);
			char tmp[32];
			strftime(tmp, sizeof tmp, "%T", &tm);
			tb_puts(b, tmp);
			if (tr->tflag == 2)
				tb_printf(b, ".%06ld", wall->tv_nsec / 1000);
			tb_putc(b, ' ');
		}
	}
	if (tr->flags & SC_TRACE_F_RELATIVE) {
		struct timespec m;
		mono(&m);
		int64_t d = tr->last.tv_sec || tr->last.tv_nsec ? ts_ns(&m) - ts_ns(&tr->last) : 0;
		tr->last = m;
		tb_printf(b, "%6lld.%06lld ", (long long)(d / 1000000000),
			  (long long)(d % 1000000000 / 1000));
	}
}

static void json_str(struct sc_tbuf *b, const char *s, size_t n);
static void json_time(struct sc_tbuf *b, const char *key, int64_t sec, int64_t nsec);

/* A line outside a syscall ("--- SIG... ---", "+++ exited ... +++"); in JSON an event object
 * with `fields` (",\"key\":value...") and the text. */
static void whole_line(struct sc_tracer *tr, const char *text, const char *event,
		       const char *fields)
{
	struct sc_tbuf b = { 0 };
	struct timespec w;
	now(&w);
	if (tr->flags & SC_TRACE_F_JSON) {
		tb_printf(&b, "{\"pid\":%d,\"tid\":%d", tr->pid, tr->pid);
		json_time(&b, "time", w.tv_sec, w.tv_nsec);
		tb_printf(&b, ",\"event\":\"%s\"%s,\"text\":", event, fields);
		json_str(&b, text, strlen(text));
		tb_puts(&b, "}\n");
	} else {
		leader(tr, &b, &w);
		tb_puts(&b, text);
		tb_putc(&b, '\n');
	}
	if (tls && tls->tr == tr && tls->in_call)
		tb_putn(&tls->deferred, b.p, b.len);
	else
		emit(tr, b.p, b.len);
	free(b.p);
}

/* ------------------------------------------------------------------ the syscall hook */

void tp_sep(struct sc_tprint *tp, int i)
{
	struct sc_trace_call *c = tp->c;
	if (i > 0)
		tb_puts(tp->b, ", ");
	if (i < 8) {
		const struct sc_syscall_meta *m = c->sys->meta;
		c->argpos[i] = (uint32_t)tp->b->len;
		c->argname[i] = m && i < m->nargs ? m->argnames[i] : NULL;
		c->argraw[i] = i < 6 ? c->args[i] : 0;
		if (c->nargs_printed < i + 1)
			c->nargs_printed = i + 1;
	}
}

/* Prints arguments from c->next_arg: all of them when exiting, up to the first one the call
 * writes when entering. */
static void print_args(struct sc_tprint *tp)
{
	struct sc_trace_call *c = tp->c;
	const struct sc_trace_sys *s = c->sys;
	if (s->special) {
		ts_decode(tp);
		return;
	}
	for (int i = c->next_arg; i < s->nargs; i++) {
		if (!tp->exiting && (s->outs & (1u << i)))
			return;
		tp_sep(tp, i);
		if (tp->exiting && (s->outs & (1u << i)) && c->err)
			tp_addr(tp, c->args[i]);
		else
			tp_arg(tp, i, &s->args[i]);
		c->next_arg = i + 1;
	}
}

static const char *sys_name(const struct sc_trace_call *c, char *tmp, size_t n)
{
	if (c->sys->meta)
		return c->sys->meta->name;
	snprintf(tmp, n, "syscall_%#llx", (unsigned long long)c->nr);
	return tmp;
}

static void trace_enter(struct sc_tracer *tr, struct sc_process *p, struct sc_thread *t,
			struct sc_trace_tls *tl)
{
	struct sc_trace_call *c = &tl->call;
	struct sc_tbuf *b = &tl->line;
	b->len = 0;
	leader(tr, b, &c->wall);
	char tmp[40];
	c->name_pos = (uint32_t)b->len;
	tb_puts(b, sys_name(c, tmp, sizeof tmp));
	tb_putc(b, '(');
	struct sc_tprint tp = { tr, p, t, c, b, c->arch, false };
	c->next_arg = 0;
	c->nargs_printed = 0;
	print_args(&tp);
	c->flushed = 0;
	/* Unbuffered (stderr), the start of the line goes out before the call, as strace's does,
	 * so that what the call itself writes comes after it; not when several processes or
	 * threads share the output, whose lines must stay whole. */
	if ((tr->flags & SC_TRACE_F_UNBUFFERED) && !tr->show_pid &&
	    !(tr->flags & (SC_TRACE_F_SUCCESS | SC_TRACE_F_FAILED | SC_TRACE_F_JSON))) {
		emit(tr, b->p, b->len);
		c->flushed = b->len;
	}
}

static void json_line(struct sc_tracer *tr, struct sc_trace_tls *tl, size_t args_end,
		      size_t ret_pos, size_t ret_end);

static void trace_exit(struct sc_tracer *tr, struct sc_process *p, struct sc_thread *t,
		       struct sc_trace_tls *tl, bool noreturn)
{
	struct sc_trace_call *c = &tl->call;
	struct sc_tbuf *b = &tl->line;
	struct sc_tprint tp = { tr, p, t, c, b, c->arch, true };
	print_args(&tp);
	size_t args_end = b->len;
	tb_puts(b, ") ");
	size_t col = b->len, want = (size_t)tr->column;
	if (col < want) {
		static const char spaces[65] = "                                                                ";
		while (col < want) {
			size_t n = want - col < 64 ? want - col : 64;
			tb_putn(b, spaces, n);
			col += n;
		}
	}
	tb_puts(b, "= ");
	size_t ret_pos = b->len;
	if (noreturn) {
		tb_putc(b, '?');
	} else if (c->err == 4 /* EINTR */ && c->sys->eintr != SC_EINTR_PLAIN) {
		/* interrupted by a signal: strace sees the kernel's restart code, not EINTR */
		static const char *const what[3] = {
			"ERESTARTSYS (To be restarted if SA_RESTART is set)",
			"ERESTARTNOHAND (To be restarted if no handler)",
			"ERESTART_RESTARTBLOCK (Interrupted by signal)" };
		tb_puts(b, "? ");
		tb_puts(b, what[c->sys->eintr]);
	} else if (c->err) {
		const char *n = sc_errno_name(c->err), *t = sc_errno_text(c->err);
		tb_puts(b, "-1 ");
		if (n)
			tb_puts(b, n);
		else
			tb_printf(b, "ERRNO_%d", c->err);
		tb_puts(b, " (");
		if (t)
			tb_puts(b, t);
		else
			tb_printf(b, "Unknown error %d", c->err);
		tb_putc(b, ')');
	} else {
		int kind = c->ret_override >= 0 ? c->ret_override : c->sys->ret;
		switch (kind) {
		case TR_hex: tb_hex(b, (uint64_t)c->ret); break;
		case TR_oct: tb_printf(b, "%#llo", (unsigned long long)c->ret); break;
		case TR_udec: tb_udec(b, (uint64_t)c->ret); break;
		case TR_fd: tp_fd(&tp, (int)c->ret); break;
		case TR_signo:
			tb_dec(b, c->ret);
			if (c->ret > 0 && c->ret <= 64) {
				tb_puts(b, " (");
				tp_signame(&tp, (int)c->ret);
				tb_putc(b, ')');
			}
			break;
		case TR_none: tb_putc(b, '?'); break;
		default: tb_dec(b, c->ret); break;
		}
		if (c->aux) {
			tb_puts(b, " (");
			tb_puts(b, c->aux);
			tb_putc(b, ')');
		}
	}
	size_t ret_end = b->len;
	if ((tr->flags & SC_TRACE_F_DURATION) && !noreturn) {
		int64_t d = c->dur_ns;
		tb_printf(b, " <%lld.%06lld>", (long long)(d / 1000000000),
			  (long long)(d % 1000000000 / 1000));
	}
	tb_putc(b, '\n');
	if ((tr->flags & SC_TRACE_F_SUCCESS) && (c->err || noreturn))
		return;
	if ((tr->flags & SC_TRACE_F_FAILED) && !c->err)
		return;
	if (tr->flags & SC_TRACE_F_JSON)
		json_line(tr, tl, args_end, ret_pos, ret_end);
	else
		emit(tr, b->p + c->flushed, b->len - c->flushed);
}

/* The signal lines that came during the call, after its line. */
static void emit_deferred(struct sc_tracer *tr, struct sc_trace_tls *tl)
{
	if (tl->deferred.len) {
		emit(tr, tl->deferred.p, tl->deferred.len);
		tl->deferred.len = 0;
	}
}

static bool forks(const struct sc_trace_call *c)
{
	return c->sys->kind & SC_TSYS_FORK;
}

static void count_call(struct sc_tracer *tr, struct sc_trace_call *c)
{
	unsigned n = tr->nsys[c->arch];
	if (c->nr >= n)
		return;
	lock(tr);
	if (!tr->counts[c->arch])
		tr->counts[c->arch] = calloc(n, sizeof *tr->counts[c->arch]);
	if (tr->counts[c->arch]) {
		struct sc_trace_count *k = &tr->counts[c->arch][c->nr];
		k->calls++;
		if (c->err)
			k->errors++;
		k->ns += (uint64_t)c->dur_ns;
	}
	unlock(tr);
}

uint64_t sc_trace_syscall(struct sc_thread *t, uint64_t nr, const uint64_t args[6])
{
	static const struct sc_trace_sys unknown = { .nargs = 6, .traced = true, .args = {
		{ TP_x, -1, NULL }, { TP_x, -1, NULL }, { TP_x, -1, NULL },
		{ TP_x, -1, NULL }, { TP_x, -1, NULL }, { TP_x, -1, NULL } } };
	struct sc_process *p = t->proc;
	struct sc_tracer *tr = p->tracer;
	if (__builtin_expect(tr->arch < 0, 0))
		tr->arch = sc_trace_arch(p);
	int ai = tr->arch;
	struct sc_trace_sys *tab = __atomic_load_n(&tr->sys[ai], __ATOMIC_ACQUIRE);
	if (__builtin_expect(!tab, 0)) {
		lock(tr);
		tab = sys_table(tr, p, ai);
		unlock(tr);
	}
	const struct sc_trace_sys *s = nr < tr->nsys[ai] ? &tab[nr] : &unknown;
	bool show = s->traced && !(tr->flags & SC_TRACE_F_SUMMARY);
	bool count = (tr->flags & (SC_TRACE_F_SUMMARY | SC_TRACE_F_SUMMARY_TOO)) && s->traced;
	if (nr >= tr->nsys[ai] && tr->sel_none)
		show = false;
	if (!show && !count)
		return sc_dispatch_untraced(t, nr, args);
	struct sc_trace_tls *tl = my_tls(tr);
	if (__builtin_expect(tl->in_call, 0)) /* a call from a signal handler run inside one */
		return sc_dispatch_untraced(t, nr, args);
	struct sc_trace_call *c = &tl->call;
	c->sys = s;
	c->nr = nr;
	memcpy(c->args, args, sizeof c->args);
	c->arch = ai;
	c->aux = NULL;
	c->ret_override = -1;
	c->err = 0;
	c->flushed = 0;
	c->exec_shown = false;
	if (tr->tflag || (tr->flags & SC_TRACE_F_JSON))
		now(&c->wall);
	struct timespec t0, t1;
	if (show)
		trace_enter(tr, p, t, tl);
	if (forks(c)) {
		out_flush(tr);
		/* A thread to come (CLONE_THREAD, in clone's flags or clone3's struct): from now on
		 * the output, the counts and the tables are shared; the lock is on before the thread
		 * exists. */
		uint64_t flags = args[0];
		if (s->meta && !strcmp(s->meta->name, "clone3") &&
		    copy_from_guest(p, &flags, args[0], sizeof flags))
			flags = 0;
		if ((flags & 0x10000) && !tr->threaded)
			__atomic_store_n(&tr->threaded, true, __ATOMIC_RELEASE);
	}
	int pid = tr->pid, tid = tl->tid;
	tl->in_call = show;
	uint64_t r;
	if (tr->timed) {
		mono(&t0);
		r = sc_dispatch_untraced(t, nr, args);
		mono(&t1);
		c->dur_ns = ts_ns(&t1) - ts_ns(&t0);
	} else {
		r = sc_dispatch_untraced(t, nr, args);
		c->dur_ns = 0;
	}
	tl->in_call = false;
	c->ret = (int64_t)r;
	if (s->special == TS_rt_sigreturn)
		c->ret = (int64_t)c->saved[0]; /* what the frame restores, read at entry */
	c->err = c->ret < 0 && c->ret > -4096 ? (int)-c->ret : 0;
	if (forks(c) && !c->err && r == 0 && (getpid() != pid || (int)gettid() != tid)) {
		/* The child of a fork (or a new thread): its first line is its next syscall. */
		tl->line.len = 0;
		tl->deferred.len = 0;
		tl->tid = (int)gettid();
		if (getpid() != pid) {
			tr->pid = getpid();
			tr->out.len = 0;
			if (tr->flags & SC_TRACE_F_FOLLOW) {
				tr->show_pid = !(tr->flags & SC_TRACE_F_FF);
			} else {
				tr->sel_none = true;
				tr->flags &= ~(uint32_t)(SC_TRACE_F_SUMMARY | SC_TRACE_F_SUMMARY_TOO);
				tr->flags |= SC_TRACE_F_QUIET_EXIT;
				for (int a = 0; a < 2; a++)
					for (unsigned i = 0; tr->sys[a] && i < tr->nsys[a]; i++)
						tr->sys[a][i].traced = false;
			}
		}
		return r;
	}
	if (forks(c) && !c->err && (tr->flags & SC_TRACE_F_FOLLOW) && !(tr->flags & SC_TRACE_F_FF))
		tr->show_pid = true;
	bool noreturn = s->ret == TR_none && p->exit.done;
	if (show && c->exec_shown) {
		/* the execve was printed as successful, but the host's execve failed */
		tl->line.len = 0;
		trace_enter(tr, p, t, tl);
	}
	if (show)
		trace_exit(tr, p, t, tl, noreturn);
	emit_deferred(tr, tl);
	if (count && !noreturn)
		count_call(tr, c);
	if ((s->kind & (SC_TSYS_KILL | SC_TSYS_TGKILL)) && !c->err) {
		/* a signal the guest sent, maybe to itself: the siginfo if it ends the guest */
		tr->last_kill = s->kind & SC_TSYS_KILL ? 1 : 2;
		tr->last_kill_sig = (int)args[s->meta->name[1] == 'g' ? 2 : 1];
	}
	return r;
}

/* ------------------------------------------------------------------ JSON */

static void json_str(struct sc_tbuf *b, const char *s, size_t n)
{
	tb_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		switch (ch) {
		case '"': tb_puts(b, "\\\""); break;
		case '\\': tb_puts(b, "\\\\"); break;
		case '\n': tb_puts(b, "\\n"); break;
		case '\t': tb_puts(b, "\\t"); break;
		default:
			if (ch < 0x20 || ch >= 0x7f)
				tb_printf(b, "\\u%04x", ch);
			else
				tb_putc(b, (char)ch);
		}
	}
	tb_putc(b, '"');
}

static void json_time(struct sc_tbuf *b, const char *key, int64_t sec, int64_t nsec)
{
	tb_printf(b, ",\"%s\":%lld.%09lld", key, (long long)sec, (long long)nsec);
}

/* One JSON object per syscall: the decoded arguments are the text strace would print for
 * each, so a JSON line and a text line carry the same facts. */
static void json_line(struct sc_tracer *tr, struct sc_trace_tls *tl, size_t args_end,
		      size_t ret_pos, size_t ret_end)
{
	struct sc_trace_call *c = &tl->call;
	struct sc_tbuf *j = &tl->json;
	const char *line = tl->line.p;
	char tmp[40];
	j->len = 0;
	tb_printf(j, "{\"pid\":%d,\"tid\":%d", tr->pid, tl->tid);
	json_time(j, "time", c->wall.tv_sec, c->wall.tv_nsec);
	tb_puts(j, ",\"syscall\":");
	const char *name = sys_name(c, tmp, sizeof tmp);
	json_str(j, name, strlen(name));
	tb_printf(j, ",\"nr\":%llu,\"args\":[", (unsigned long long)c->nr);
	int n = c->nargs_printed;
	for (int i = 0; i < n; i++) {
		size_t from = c->argpos[i];
		size_t to = i + 1 < n ? c->argpos[i + 1] - 2 : args_end;
		if (i)
			tb_putc(j, ',');
		tb_puts(j, "{\"name\":");
		const char *an = c->argname[i] ? c->argname[i] : "";
		json_str(j, an, strlen(an));
		tb_puts(j, ",\"value\":");
		json_str(j, line + from, to > from ? to - from : 0);
		tb_printf(j, ",\"raw\":%lld}", (long long)c->argraw[i]);
	}
	tb_puts(j, "],\"return\":");
	json_str(j, line + ret_pos, ret_end - ret_pos);
	if (ret_pos < ret_end && line[ret_pos] == '?')
		tb_puts(j, ",\"retval\":null");
	else
		tb_printf(j, ",\"retval\":%lld", (long long)(c->err ? -1 : c->ret));
	if (c->err) {
		const char *en = sc_errno_name(c->err);
		tb_puts(j, ",\"errno\":");
		json_str(j, en ? en : "", en ? strlen(en) : 0);
	} else {
		tb_puts(j, ",\"errno\":null");
	}
	json_time(j, "duration", c->dur_ns / 1000000000, c->dur_ns % 1000000000);
	tb_puts(j, "}\n");
	emit(tr, j->p, j->len);
}

/* ------------------------------------------------------------------ start and end */

/* The first line: the execve that started the guest, from what the loader put on its stack
 * (argc, argv, envp, and AT_EXECFN for the path). */
void sc_trace_start(struct sc_process *p)
{
	struct sc_tracer *tr = p->tracer;
	if (!tr || tr->started)
		return;
	tr->started = true;
	tr->pid = getpid();
	int ai = sc_trace_arch(p);
	struct sc_trace_sys *tab = sys_table(tr, p, ai);
	struct sc_trace_sys *s = NULL;
	for (unsigned i = 0; i < tr->nsys[ai]; i++)
		if (tab[i].meta && !strcmp(tab[i].meta->name, "execve"))
			s = &tab[i];
	if (s && s->traced && (tr->flags & (SC_TRACE_F_SUMMARY | SC_TRACE_F_SUMMARY_TOO)) &&
	    !tr->exec_continued) {
		struct sc_trace_call k = { .sys = s, .nr = (uint64_t)(s - tab), .arch = ai };
		count_call(tr, &k);
	}
	if (!s || !s->traced || (tr->flags & (SC_TRACE_F_SUMMARY | SC_TRACE_F_FAILED)) ||
	    tr->exec_continued)
		return;
	uint64_t sp = 0, argc = 0;
	uc_reg_read(p->uc, p->arch->sp_reg, &sp);
	if (copy_from_guest(p, &argc, sp, 8))
		return;
	uint64_t argv = sp + 8, envp = argv + 8 * (argc + 1), a = envp, v, path = 0;
	while (!copy_from_guest(p, &v, a, 8) && v)
		a += 8;
	for (a += 8; !copy_from_guest(p, &v, a, 8) && v != 0; a += 16) /* AT_NULL ends auxv */
		if (v == 31 && !copy_from_guest(p, &v, a + 8, 8)) /* AT_EXECFN */
			path = v;
	struct sc_trace_tls *tl = my_tls(tr);
	struct sc_trace_call *c = &tl->call;
	memset(c, 0, sizeof *c);
	c->sys = s;
	c->nr = (uint64_t)(s - tab);
	c->args[0] = path;
	c->args[1] = argv;
	c->args[2] = envp;
	c->arch = ai;
	c->ret_override = -1;
	now(&c->wall);
	trace_enter(tr, p, &p->thread, tl);
	trace_exit(tr, p, &p->thread, tl, false);
}

static const char *signame(int sig, char *tmp, size_t n)
{
	const struct sc_xlat *x = &sc_xlat_signals;
	for (unsigned i = 0; i < x->n[0]; i++)
		if (x->ent[0][i].val == (uint64_t)sig)
			return x->ent[0][i].name;
	if (sig > 32 && sig <= 64)
		snprintf(tmp, n, "SIGRT_%d", sig - 32);
	else
		snprintf(tmp, n, "%d", sig);
	return tmp;
}

static const char *xname(const struct sc_xlat *x, int64_t v)
{
	for (unsigned i = 0; i < x->n[0]; i++)
		if (x->ent[0][i].val == (uint64_t)v)
			return x->ent[0][i].name;
	return NULL;
}

/* "{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=..., ...}" as strace prints a siginfo. */
void tp_siginfo_text(struct sc_tbuf *b, const struct sc_trace_siginfo *si)
{
	char t1[16], t2[16];
	const char *sn = signame(si->signo, t1, sizeof t1);
	tb_printf(b, "{si_signo=%s, si_code=", sn);
	const struct sc_xlat *codes = NULL;
	switch (si->signo) {
	case SIGSEGV: codes = &sc_xlat_segv_codes; break;
	case SIGBUS: codes = &sc_xlat_bus_codes; break;
	case SIGILL: codes = &sc_xlat_ill_codes; break;
	case SIGFPE: codes = &sc_xlat_fpe_codes; break;
	case SIGTRAP: codes = &sc_xlat_trap_codes; break;
	case SIGCHLD: codes = &sc_xlat_cld_codes; break;
	}
	const char *cn = si->code <= 0 || si->code == 0x80 ? xname(&sc_xlat_si_codes, si->code)
		       : codes ? xname(codes, si->code) : NULL;
	if (cn)
		tb_puts(b, cn);
	else
		tb_printf(b, "%d", si->code);
	if (si->code == -2) { /* SI_TIMER */
		tb_printf(b, ", si_timerid=%#x, si_overrun=%d, si_int=%d, si_ptr=", si->timerid,
			  si->overrun, (int32_t)si->value);
		if (si->value)
			tb_hex(b, si->value);
		else
			tb_puts(b, "NULL");
	} else if (si->code <= 0) {
		tb_printf(b, ", si_pid=%d, si_uid=%d", si->pid, si->uid);
		if (si->code == -1) { /* SI_QUEUE */
			tb_printf(b, ", si_int=%d, si_ptr=", (int32_t)si->value);
			if (si->value)
				tb_hex(b, si->value);
			else
				tb_puts(b, "NULL");
		}
	} else if (si->signo == SIGCHLD) {
		tb_printf(b, ", si_pid=%d, si_uid=%d, si_status=", si->pid, si->uid);
		if (si->code == 1)
			tb_printf(b, "%d", si->status);
		else
			tb_puts(b, signame(si->status, t2, sizeof t2));
		tb_printf(b, ", si_utime=%ld, si_stime=%ld", si->utime, si->stime);
	} else if (si->code != 0x80 && codes) {
		tb_puts(b, ", si_addr=");
		if (si->addr)
			tb_hex(b, si->addr);
		else
			tb_puts(b, "NULL");
	}
	tb_putc(b, '}');
}

void tp_siginfo_decode(const void *raw, struct sc_trace_siginfo *si)
{
	const uint8_t *b = raw;
	int32_t w[4];
	memcpy(w, b, sizeof w); /* signo, errno, code, pad */
	memset(si, 0, sizeof *si);
	si->signo = w[0];
	si->code = w[2];
	int32_t pid, uid, status;
	int64_t ut, st;
	uint64_t addr, value;
	memcpy(&pid, b + 16, 4);
	memcpy(&uid, b + 20, 4);
	memcpy(&status, b + 24, 4);
	memcpy(&ut, b + 32, 8);
	memcpy(&st, b + 40, 8);
	memcpy(&addr, b + 16, 8);
	memcpy(&value, b + 24, 8);
	if (si->code == -2) { /* SI_TIMER: tid, overrun, value */
		si->timerid = pid;
		si->overrun = uid;
		si->value = value;
	} else if (si->code <= 0 || si->signo == SIGCHLD) {
		si->pid = pid;
		si->uid = uid;
		si->value = value;
		si->status = status;
		si->utime = (long)ut;
		si->stime = (long)st;
	} else {
		si->addr = addr;
	}
}

void sc_trace_signal(struct sc_process *p, const struct sc_trace_siginfo *si)
{
	struct sc_tracer *tr = p->tracer;
	if (!tr || (tr->flags & SC_TRACE_F_SUMMARY) || si->signo < 1 || si->signo > 64 ||
	    !(tr->sig_sel & (1ull << (si->signo - 1))))
		return;
	struct sc_tbuf b = { 0 };
	char t1[16];
	const char *sn = signame(si->signo, t1, sizeof t1);
	tb_printf(&b, "--- %s ", sn);
	tp_siginfo_text(&b, si);
	tb_puts(&b, " ---");
	char fields[128];
	snprintf(fields, sizeof fields, ",\"signal\":\"%s\",\"si_code\":%d", sn, si->code);
	whole_line(tr, b.p, "signal", fields);
	free(b.p);
	tr->signal_shown = si->signo;
}

void sc_trace_signal_raw(struct sc_process *p, const void *siginfo)
{
	if (!p->tracer)
		return;
	struct sc_trace_siginfo si;
	tp_siginfo_decode(siginfo, &si);
	sc_trace_signal(p, &si);
}

static void summary(struct sc_tracer *tr, struct sc_process *p);

void sc_trace_fault(struct sc_process *p, int sig, uint64_t addr, uint64_t pc, int fault_type)
{
	struct sc_tracer *tr = p->tracer;
	if (!tr)
		return;
	struct sc_trace_siginfo si = { .signo = sig, .addr = addr };
	switch (sig) {
	case SIGSEGV:
		si.code = fault_type == UC_MEM_READ_PROT || fault_type == UC_MEM_WRITE_PROT ||
				  fault_type == UC_MEM_FETCH_PROT ? 2 /* SEGV_ACCERR */ : 1 /* SEGV_MAPERR */;
		break;
	case SIGBUS: si.code = 2; break; /* BUS_ADRERR */
	case SIGILL: si.code = 2; si.addr = pc; break; /* ILL_ILLOPN */
	case SIGFPE: si.code = 1; si.addr = pc; break; /* FPE_INTDIV */
	default: si.code = 0x80; break; /* SI_KERNEL */
	}
	tr->fault = si;
}

void sc_trace_end(struct sc_process *p)
{
	struct sc_tracer *tr = p->tracer;
	if (!tr)
		return;
	if (p->exit.signal && tr->signal_shown != p->exit.signal) {
		struct sc_trace_siginfo si = { .signo = p->exit.signal };
		if (tr->fault.signo == p->exit.signal) {
			si = tr->fault; /* the emulator's fault report */
		} else if (tr->last_kill && tr->last_kill_sig == p->exit.signal) {
			si.code = tr->last_kill == 1 ? 0 : -6; /* SI_USER, SI_TKILL */
			si.pid = tr->pid;
			si.uid = (int)getuid();
		} else {
			si.code = 0x80; /* SI_KERNEL */
		}
		sc_trace_signal(p, &si);
	}
	if (!(tr->flags & (SC_TRACE_F_SUMMARY | SC_TRACE_F_QUIET_EXIT))) {
		char text[64], t1[16], fields[64];
		if (p->exit.signal) {
			const char *sn = signame(p->exit.signal, t1, sizeof t1);
			snprintf(text, sizeof text, "+++ killed by %s +++", sn);
			snprintf(fields, sizeof fields, ",\"signal\":\"%s\"", sn);
			whole_line(tr, text, "killed", fields);
		} else {
			snprintf(text, sizeof text, "+++ exited with %d +++", p->exit.status);
			snprintf(fields, sizeof fields, ",\"status\":%d", p->exit.status);
			whole_line(tr, text, "exited", fields);
		}
	}
	if (tr->flags & (SC_TRACE_F_SUMMARY | SC_TRACE_F_SUMMARY_TOO))
		summary(tr, p);
	out_flush(tr);
}

/* ------------------------------------------------------------------ -c */

struct srow {
	const char *name;
	uint64_t nr, calls, errors, ns;
};

static int srow_cmp(const void *a, const void *b)
{
	const struct srow *x = a, *y = b;
	if (x->ns != y->ns)
		return x->ns < y->ns ? 1 : -1;
	return x->nr < y->nr ? -1 : x->nr > y->nr;
}

static void summary(struct sc_tracer *tr, struct sc_process *p)
{
	int ai = sc_trace_arch(p);
	struct sc_tbuf b = { 0 };
	struct srow *rows = calloc(tr->nsys[ai] + 1, sizeof *rows);
	size_t n = 0;
	uint64_t tot_ns = 0, tot_calls = 0, tot_err = 0;
	for (unsigned i = 0; rows && tr->counts[ai] && i < tr->nsys[ai]; i++) {
		struct sc_trace_count *k = &tr->counts[ai][i];
		if (!k->calls)
			continue;
		char tmp[40];
		struct sc_trace_call fake = { .sys = &tr->sys[ai][i], .nr = i };
		const char *nm = sys_name(&fake, tmp, sizeof tmp);
		rows[n] = (struct srow){ tr->sys[ai][i].meta ? nm : "?", i, k->calls, k->errors, k->ns };
		n++;
		tot_ns += k->ns;
		tot_calls += k->calls;
		tot_err += k->errors;
	}
	if (rows)
		qsort(rows, n, sizeof *rows, srow_cmp);
	static const char dashes[] =
		"------ ----------- ----------- --------- --------- ----------------\n";
	tb_printf(&b, "%6.6s %11.11s %11.11s %9.9s %9.9s %s\n", "% time", "seconds", "usecs/call",
		  "calls", "errors", "syscall");
	tb_puts(&b, dashes);
	for (size_t i = 0; i < n; i++) {
		struct srow *r = &rows[i];
		double pct = tot_ns ? 100.0 * (double)r->ns / (double)tot_ns : 0.0;
		tb_printf(&b, "%6.2f %11.6f %11llu %9llu ", pct, (double)r->ns / 1e9,
			  (unsigned long long)(r->ns / 1000 / r->calls), (unsigned long long)r->calls);
		if (r->errors)
			tb_printf(&b, "%9llu %s\n", (unsigned long long)r->errors, r->name);
		else
			tb_printf(&b, "%9s %s\n", "", r->name);
	}
	tb_puts(&b, dashes);
	tb_printf(&b, "%6.2f %11.6f %11llu %9llu ", 100.0, (double)tot_ns / 1e9,
		  (unsigned long long)(tot_calls ? tot_ns / 1000 / tot_calls : 0),
		  (unsigned long long)tot_calls);
	if (tot_err)
		tb_printf(&b, "%9llu total\n", (unsigned long long)tot_err);
	else
		tb_printf(&b, "%9s total\n", "");
	emit(tr, b.p, b.len);
	free(b.p);
	free(rows);
}
