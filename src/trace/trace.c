/* The tracer's core: its syscall hooks, the call's state and its line (leader, arguments,
 * padding, return value, timings), the plain path, the first execve line. Arguments are
 * printed by print*.c (per type) and special*.c (the few calls whose arguments depend on each
 * other); the per-syscall table is rules.c's, the output output.c's, -f's other threads
 * tasks.c's and shared record shared.c's, the JSON form json.c's, the signal and exit lines
 * events.c's, -ff's files ff.c's and -c summary.c's. */
#include "internal.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../arch/arch.h"
#include "../hooks.h"
#include "../sig.h"
#include "xlat.h"

/* ------------------------------------------------------------------ per-thread state */

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
			return NULL;
		pthread_setspecific(tls_key, t);
		tls = t;
	}
	t->tr = tr;
	t->line.len = t->json.len = t->deferred.len = 0;
	t->in_call = false;
	t->cur = NULL;
	t->tid = (int)gettid();
	t->attached = true; /* counted by the call that made it (trace_begin) */
	return t;
}

static void finish_open(struct sc_tracer *tr, struct sc_trace_tls *tl, size_t args_end,
			size_t ret_pos);

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
		size_t start = c->flushed, args_end = b->len;
		tb_puts(b, ") ");
		while (b->len < (size_t)tr->column)
			tb_putc(b, ' ');
		tb_puts(b, "= ");
		size_t ret_pos = b->len;
		tb_puts(b, "0\n");
		if (b->lost)
			sc_trace_lost(tr);
		else if (c->open)
			finish_open(tr, tl, args_end, ret_pos);
		else if (!(tr->flags & (SC_TRACE_F_JSON | SC_TRACE_F_FAILED | SC_TRACE_F_SUMMARY)))
			sc_trace_emit(tr, b->p + start, b->len - start);
		c->exec_shown = true;
	}
	sc_trace_out_flush(tr);
}

void sc_trace_now(struct timespec *ts)
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

/* -f on stderr: a task ended (its "+++" line printed) is no longer one of the trace's. Tasks
 * count from the call that makes them (strace counts a new task once it has seen it stop, as it
 * does before it runs, soon after the call). */
void sc_trace_detach_task(struct sc_tracer *tr, bool *attached)
{
	if (tr->dyn_pid && *attached)
		__atomic_sub_fetch(&tr->shared->nprocs, 1, __ATOMIC_SEQ_CST);
	*attached = false;
}

/* "[pid N] ", timestamps: what strace prints before a line of task id. On stderr, strace
 * prints the prefix while it traces several tasks (its nprocs > 1); into a file, always (-f). */
void sc_trace_leader_of(struct sc_tracer *tr, struct sc_tbuf *b, const struct timespec *wall, int id)
{
	if (!tr->show_pid && !tr->tflag && !(tr->flags & SC_TRACE_F_RELATIVE))
		return;
	if (tr->show_pid) {
		if (tr->flags & SC_TRACE_F_PID_COLUMN)
			tb_printf(b, "%-5d ", id);
		else if (!tr->dyn_pid || __atomic_load_n(&tr->shared->nprocs, __ATOMIC_SEQ_CST) > 1)
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

int sc_trace_my_tid(const struct sc_tracer *tr)
{
	return tls && tls->tr == tr ? tls->tid : 0;
}

/* The leader of the calling thread's line. */
static void leader(struct sc_tracer *tr, struct sc_tbuf *b, const struct timespec *wall)
{
	sc_trace_leader_of(tr, b, wall, tls && tls->tr == tr ? tls->tid : tr->pid);
}

void sc_trace_leader_now(struct sc_tracer *tr, struct sc_tbuf *b)
{
	struct timespec w;
	sc_trace_now(&w);
	leader(tr, b, &w);
}


void sc_trace_whole_line(struct sc_tracer *tr, int tid, const char *text, const char *event,
			 const char *fields)
{
	struct sc_tbuf b = { 0 };
	struct timespec w;
	sc_trace_now(&w);
	int id = tid ? tid : tls && tls->tr == tr ? tls->tid : (int)gettid();
	if (tr->flags & SC_TRACE_F_JSON) {
		tb_printf(&b, "{\"pid\":%d,\"tid\":%d", tr->pid, id);
		sc_trace_json_time(&b, "time", w.tv_sec, w.tv_nsec);
		tb_printf(&b, ",\"event\":\"%s\"%s,\"text\":", event, fields);
		sc_trace_json_str(&b, text, strlen(text));
		tb_puts(&b, "}\n");
	} else {
		sc_trace_leader_of(tr, &b, &w, id);
		tb_puts(&b, text);
		tb_putc(&b, '\n');
	}
	if (b.lost) {
		sc_trace_lost(tr);
		free(b.p);
		return;
	}
	struct sc_tbuf *d = !tid && tls && tls->tr == tr && tls->in_call ? &tls->deferred : NULL;
	if (d) {
		d->lost = false;
		tb_putn(d, b.p, b.len);
	}
	if (!d || d->lost) { /* not inside a call, or no memory to keep it for after the call */
		sc_trace_ff_for(tid);
		sc_trace_emit_line(tr, b.p, b.len);
		sc_trace_ff_for(0);
	}
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
		c->args_set |= (uint8_t)(1u << i);
	}
}

/* Prints arguments from c->next_arg: all of them when exiting, up to the first one the call
 * writes when entering. True when the argument list is complete. */
static bool print_args(struct sc_tprint *tp)
{
	struct sc_trace_call *c = tp->c;
	const struct sc_trace_sys *s = c->sys;
	if (s->special)
		return ts_decode(tp);
	for (int i = c->next_arg; i < s->nargs; i++) {
		if (!tp->exiting && (s->outs & (1u << i)))
			return false;
		tp_sep(tp, i);
		if (tp->exiting && (s->outs & (1u << i)) && c->err)
			tp_addr(tp, c->args[i]);
		else
			tp_arg(tp, i, &s->args[i]);
		c->next_arg = i + 1;
	}
	return true;
}

const char *sc_trace_sys_name(const struct sc_trace_call *c, char *tmp, size_t n)
{
	if (c->sys->meta)
		return c->sys->meta->name;
	snprintf(tmp, n, "syscall_%#llx", (unsigned long long)c->nr);
	return tmp;
}

/* Whether a call's line can be written straight into the output: nothing can come between its
 * entry and its exit there (one thread, no other process sharing the output, no line that goes
 * out at entry), the whole line is kept (no -z/-Z, not JSON), and the call neither forks (the
 * child would inherit half a line) nor ends the program (execve's line is written early). */
static bool direct_ok(const struct sc_tracer *tr, const struct sc_trace_sys *s)
{
	return !__atomic_load_n(&tr->threaded, __ATOMIC_RELAXED) && !tr->shared && !s->kind &&
	       s->special != TS_execve &&
	       !(tr->flags & (SC_TRACE_F_UNBUFFERED | SC_TRACE_F_JSON | SC_TRACE_F_SUCCESS |
			      SC_TRACE_F_FAILED));
}

/* A direct line is complete: in the output already (dropped whole if an append failed); the
 * output goes out when it has grown enough. */
static inline void direct_end(struct sc_tracer *tr)
{
	struct sc_tbuf *b = &tr->out;
	if (__builtin_expect(b->lost, 0)) {
		sc_trace_lost(tr);
		b->len = tr->line_at;
		b->lost = false;
	}
	tr->line_at = SIZE_MAX;
	if (b->len >= 32768)
		sc_trace_out_flush_locked(tr);
}

/* "name(" of a known call. */
static inline void put_name(struct sc_tbuf *b, const struct sc_trace_sys *s)
{
	char *q;
	if (s->namelen < sizeof s->name && (q = tb_reserve(b, sizeof s->name))) {
		/* a fixed-size copy (the name is NUL-padded): two vector moves, no length switch */
		__builtin_memcpy(q, s->name, sizeof s->name);
		q[s->namelen] = '(';
		tb_commit(b, q + s->namelen + 1);
	} else {
		tb_putn(b, s->meta->name, s->namelen);
		tb_putc(b, '(');
	}
}

void sc_trace_replan(struct sc_tracer *tr)
{
	tr->plain = !tr->show_pid && !tr->tflag && !tr->timed && !tr->shared &&
		    !__atomic_load_n(&tr->threaded, __ATOMIC_RELAXED) &&
		    !(tr->flags & (SC_TRACE_F_RELATIVE | SC_TRACE_F_UNBUFFERED | SC_TRACE_F_JSON |
				   SC_TRACE_F_SUCCESS | SC_TRACE_F_FAILED | SC_TRACE_F_SUMMARY |
				   SC_TRACE_F_SUMMARY_TOO | SC_TRACE_F_DURATION | SC_TRACE_F_FF |
				   SC_TRACE_F_FDPATH));
}

static inline __attribute__((always_inline)) void trace_enter_inline(struct sc_tracer *tr, struct sc_process *p, struct sc_thread *t,
			struct sc_trace_tls *tl)
{
	struct sc_trace_call *c = &tl->call;
	struct sc_tbuf *b = &tl->line;
	if (direct_ok(tr, c->sys)) {
		/* straight into the output: no copy of the line, no locking */
		b = &tr->out;
		tr->line_at = b->len;
	} else {
		b->len = 0;
	}
	tl->lb = b;
	b->lost = false;
	if (tr->show_pid || tr->tflag || (tr->flags & SC_TRACE_F_RELATIVE))
		leader(tr, b, &c->wall);
	c->name_pos = (uint32_t)b->len;
	const struct sc_trace_sys *s = c->sys;
	if (s->meta) {
		put_name(b, s);
	} else {
		char tmp[40];
		tb_puts(b, sc_trace_sys_name(c, tmp, sizeof tmp));
		tb_putc(b, '(');
	}
	c->next_arg = 0;
	c->nargs_printed = 0;
	c->args_set = 0;
	bool complete = true;
	if (s->special || s->nargs) {
		struct sc_tprint tp = { tr, p, t, c, b, c->arch, false };
		complete = print_args(&tp);
	}
	c->decoded = complete;
	c->flushed = 0;
	c->open = false;
	if (b->lost)
		return;
	if (tr->shared) {
		/* -f: the entry goes out now, as strace's does; whatever another task prints before
		 * this call's exit ends it with " <unfinished ...>". strace has printed the ", "
		 * before an argument it prints at exit already (not before the " => " of an
		 * argument printed twice). */
		struct sc_trace_shared *sh = tr->shared;
		sc_trace_out_lock(tr);
		sc_trace_end_open_locked(tr);
		sc_trace_out_put_locked(tr, b->p, b->len);
		sh->open_tid = tl->tid;
		sh->open_sep = !complete && c->next_arg > 0 && c->sys->special != TS_sendfile &&
			       c->sys->special != TS_clone;
		sc_trace_out_unlock(tr);
		c->flushed = b->len;
		c->open = true;
		c->open_sep = sh->open_sep;
		return;
	}
	/* Unbuffered (stderr), the start of the line goes out before the call, as strace's does,
	 * so that what the call itself writes comes after it; not when several processes or
	 * threads share the output, whose lines must stay whole. */
	if ((tr->flags & SC_TRACE_F_UNBUFFERED) && !tr->show_pid &&
	    !(tr->flags & (SC_TRACE_F_SUCCESS | SC_TRACE_F_FAILED | SC_TRACE_F_JSON))) {
		sc_trace_emit(tr, b->p, b->len);
		c->flushed = b->len;
	}
}

/* (inline into the tracer's hooks, where every call pays for it; out of line elsewhere) */
static __attribute__((noinline)) void trace_enter(struct sc_tracer *tr, struct sc_process *p,
						  struct sc_thread *t, struct sc_trace_tls *tl)
{
	trace_enter_inline(tr, p, t, tl);
}

/* The end of a line whose entry went out open (-f): its rest when it is still the output's
 * last line, else (another task printed since) "<... NAME resumed>" and the rest, on a line of
 * its own with its own padding. b holds the whole line: the arguments end at args_end, the
 * return value starts at ret_pos ("= " before it). */
static void finish_open(struct sc_tracer *tr, struct sc_trace_tls *tl, size_t args_end,
			size_t ret_pos)
{
	struct sc_trace_call *c = &tl->call;
	struct sc_tbuf *b = &tl->line;
	struct sc_trace_shared *sh = tr->shared;
	sc_trace_out_lock(tr);
	if (sh->open_tid == tl->tid) {
		sc_trace_out_put_locked(tr, b->p + c->flushed, b->len - c->flushed);
	} else {
		sc_trace_end_open_locked(tr);
		struct sc_tbuf *r = &tl->json; /* free: no JSON with the split */
		struct timespec w = { 0, 0 };
		r->len = 0;
		r->lost = false;
		if (tr->tflag)
			sc_trace_now(&w);
		leader(tr, r, &w);
		char tmp[40];
		tb_puts(r, "<... ");
		tb_puts(r, sc_trace_sys_name(c, tmp, sizeof tmp));
		tb_puts(r, " resumed>");
		size_t from = c->flushed;
		if (c->open_sep && args_end >= from + 2 && b->p[from] == ',' && b->p[from + 1] == ' ')
			from += 2;
		if (args_end > from)
			tb_putn(r, b->p + from, args_end - from);
		tb_puts(r, ") ");
		while (r->len < (size_t)tr->column)
			tb_putc(r, ' ');
		tb_putn(r, b->p + ret_pos - 2, b->len - (ret_pos - 2));
		if (r->lost)
			sc_trace_lost(tr);
		else
			sc_trace_out_put_locked(tr, r->p, r->len);
	}
	sh->open_tid = 0;
	sc_trace_out_unlock(tr);
}

/* An open line that will not be finished (out of memory, -z/-Z): ended here if still last. */
static void drop_open(struct sc_tracer *tr, struct sc_trace_tls *tl, const char *end)
{
	sc_trace_out_lock(tr);
	if (tr->shared->open_tid == tl->tid) {
		sc_trace_out_put_locked(tr, end, strlen(end));
		tr->shared->open_tid = 0;
	}
	sc_trace_out_unlock(tr);
}

/* The return value, when not a plain number: "?", the restart codes, "-1 ENOENT (...)",
 * the return kinds, the text a decoder added. */
static void put_ret(struct sc_tprint *tp, bool noreturn, int kind)
{
	struct sc_trace_call *c = tp->c;
	struct sc_tbuf *b = tp->b;
	if (noreturn) {
		tb_putc(b, '?');
	} else if (c->err == 4 /* EINTR */ &&
		   (c->eintr_as >= 0 ? c->eintr_as : c->sys->eintr) != SC_EINTR_PLAIN) {
		/* interrupted by a signal: strace sees the kernel's restart code, not EINTR */
		static const char *const what[3] = {
			"ERESTARTSYS (To be restarted if SA_RESTART is set)",
			"ERESTARTNOHAND (To be restarted if no handler)",
			"ERESTART_RESTARTBLOCK (Interrupted by signal)" };
		tb_puts(b, "? ");
		tb_puts(b, what[c->eintr_as >= 0 ? c->eintr_as : c->sys->eintr]);
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
		switch (kind) {
		case TR_hex: tb_hex(b, (uint64_t)c->ret); break;
		case TR_oct: tb_printf(b, "%#llo", (unsigned long long)c->ret); break;
		case TR_udec: tb_udec(b, (uint64_t)c->ret); break;
		case TR_fd: tp_fd(tp, (int)c->ret); break;
		case TR_signo:
			tb_dec(b, c->ret);
			if (c->ret > 0 && c->ret <= 64) {
				tb_puts(b, " (");
				tp_signame(tp, (int)c->ret);
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
}

static inline __attribute__((always_inline)) void trace_exit_inline(struct sc_tracer *tr, struct sc_process *p, struct sc_thread *t,
		       struct sc_trace_tls *tl, bool noreturn)
{
	struct sc_trace_call *c = &tl->call;
	struct sc_tbuf *b = tl->lb;
	/* (the printers' context is made only when something is printed with it) */
	struct sc_tprint tp;
	if (c->next_arg < c->sys->nargs || c->sys->special) {
		tp = (struct sc_tprint){ tr, p, t, c, b, c->arch, true };
		print_args(&tp);
	}
	size_t args_end = b->len;
	/* ") ", the padding to the column, "= ", and a plain number with its newline at once */
	size_t start = b == &tr->out ? tr->line_at : 0;
	size_t col = b->len - start + 2, want = (size_t)tr->column, pad = col < want ? want - col : 0;
	char *q = tb_reserve(b, (pad < 48 ? 48 : pad) + 4 + 22);
	if (q) {
		static const char spaces[48] = "                                                ";
		q[0] = ')';
		if (pad < 48) /* a fixed-size copy: a few vector stores, no call */
			__builtin_memcpy(q + 1, spaces, 48);
		else
			memset(q + 1, ' ', pad + 1);
		q += pad + 2;
		q[0] = '=';
		q[1] = ' ';
		q += 2;
	}
	size_t ret_pos = q ? (size_t)(q - b->p) : b->len;
	int kind = c->ret_override >= 0 ? c->ret_override : c->sys->ret;
	size_t ret_end;
	bool fd = kind == TR_fd && !(tr->flags & SC_TRACE_F_FDPATH);
	if (q && !noreturn && !c->err && !c->aux && (kind == TR_dec || kind == TR_udec || fd) &&
	    !(tr->flags & SC_TRACE_F_DURATION)) {
		q = kind == TR_udec ? fmt_udec(q, (uint64_t)c->ret)
				    : fmt_dec(q, fd ? (int)c->ret : c->ret);
		ret_end = (size_t)(q - b->p);
		*q++ = '\n';
		tb_commit(b, q);
	} else {
		if (q)
			tb_commit(b, q);
		tp = (struct sc_tprint){ tr, p, t, c, b, c->arch, true };
		put_ret(&tp, noreturn, kind);
		ret_end = b->len;
		if ((tr->flags & SC_TRACE_F_DURATION) && !noreturn) {
			int64_t d = c->dur_ns;
			tb_printf(b, " <%lld.%06lld>", (long long)(d / 1000000000),
				  (long long)(d % 1000000000 / 1000));
		}
		tb_putc(b, '\n');
	}
	if (b == &tr->out) {
		direct_end(tr);
		return;
	}
	if ((tr->flags & SC_TRACE_F_SUCCESS) && (c->err || noreturn))
		return;
	if ((tr->flags & SC_TRACE_F_FAILED) && !c->err)
		return;
	if (b->lost) {
		/* out of memory: the line is dropped (ended, when its start went out already) */
		static const char end[] = " <out of memory>\n";
		sc_trace_lost(tr);
		if (c->open)
			drop_open(tr, tl, end);
		else if (c->flushed)
			sc_trace_emit(tr, end, sizeof end - 1);
		return;
	}
	if (c->open)
		finish_open(tr, tl, args_end, ret_pos);
	else if (tr->flags & SC_TRACE_F_JSON)
		sc_trace_json_line(tr, tl, args_end, ret_pos, ret_end);
	else
		sc_trace_emit(tr, b->p + c->flushed, b->len - c->flushed);
}

static __attribute__((noinline)) void trace_exit(struct sc_tracer *tr, struct sc_process *p,
						 struct sc_thread *t, struct sc_trace_tls *tl,
						 bool noreturn)
{
	trace_exit_inline(tr, p, t, tl, noreturn);
}

/* A sleep an ignored signal came during, shown as strace shows it natively cut short: its
 * line with the kernel's restart code, the signal, then the call made again (NOHAND) or
 * strace's resumed line (BLOCK). The guest saw none of it (sig_traced.c). */
static void cut_short(struct sc_tracer *tr, struct sc_process *p, struct sc_thread *t,
		      struct sc_trace_tls *tl, int kind)
{
	struct sc_trace_call *c = &tl->call;
	int64_t ret = c->ret;
	int err = c->err;
	c->ret = -4; /* EINTR */
	c->err = 4;
	c->eintr_as = kind;
	trace_exit(tr, p, t, tl, false);
	c->ret = ret;
	c->err = err;
	c->eintr_as = -1;
	sc_sig_traced_drain(t);
	if (kind == SC_EINTR_BLOCK) {
		sc_trace_resumed_line(tr, c);
		return;
	}
	tl->line.len = 0;
	trace_enter(tr, p, t, tl);
	trace_exit(tr, p, t, tl, false);
}

/* The signal lines that came during the call, after its line. */
static void emit_deferred(struct sc_tracer *tr, struct sc_trace_tls *tl)
{
	if (tl->deferred.len) {
		sc_trace_emit_line(tr, tl->deferred.p, tl->deferred.len);
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
	sc_trace_lock(tr);
	if (!tr->counts[c->arch])
		tr->counts[c->arch] = calloc(n, sizeof *tr->counts[c->arch]);
	if (tr->counts[c->arch]) {
		struct sc_trace_count *k = &tr->counts[c->arch][c->nr];
		k->calls++;
		if (c->err)
			k->errors++;
		k->ns += (uint64_t)c->dur_ns;
	}
	sc_trace_unlock(tr);
}

/* ------------------------------------------------------------------ the tracer's hooks
 *
 * The tracer is a client of the syscall hooks (src/hooks.c), like the API's: a BEFORE and an
 * AFTER hook over every syscall (the -e trace= selection, -c's counting and the forks it must
 * follow are decided here, by number), both at SC_ORDER_TRACE, after every other hook. So the
 * line shows the arguments the call is made with (a hook's changes included: what is read at
 * exit, an output buffer, is where the call wrote) and the result the guest gets (a hook's
 * changes included), and -T the time from the last BEFORE hook to the last AFTER hook. A call
 * a hook skips is not seen entering: its AFTER hook prints the whole line then, with the
 * chosen result (and no time spent). */

static const struct sc_trace_sys unknown_sys = { .nargs = 6, .traced = true, .args = {
	{ TP_x, -1, NULL }, { TP_x, -1, NULL }, { TP_x, -1, NULL },
	{ TP_x, -1, NULL }, { TP_x, -1, NULL }, { TP_x, -1, NULL } } };

/* What the tracer does with syscall nr: show it, count it; NULL when nothing (neither, and no
 * fork whose child it must know about). */
static inline const struct sc_trace_sys *trace_pick(struct sc_tracer *tr, struct sc_process *p,
						    uint64_t nr, bool *show, bool *count)
{
	if (__builtin_expect(tr->arch < 0, 0))
		tr->arch = sc_trace_arch(p);
	int ai = tr->arch;
	struct sc_trace_sys *tab = __atomic_load_n(&tr->sys[ai], __ATOMIC_ACQUIRE);
	if (__builtin_expect(!tab, 0)) {
		sc_trace_lock(tr);
		tab = sc_trace_sys_table(tr, p, ai);
		sc_trace_unlock(tr);
		if (!tab) { /* out of memory */
			sc_trace_lost(tr);
			return NULL;
		}
	}
	const struct sc_trace_sys *s = nr < tr->nsys[ai] ? &tab[nr] : &unknown_sys;
	*show = s->traced && !(tr->flags & SC_TRACE_F_SUMMARY);
	*count = (tr->flags & (SC_TRACE_F_SUMMARY | SC_TRACE_F_SUMMARY_TOO)) && s->traced;
	if (nr >= tr->nsys[ai] && tr->sel_none)
		*show = false;
	/* a fork unseen still has a child, a thread's exit unseen its "+++" line */
	if (!*show && !*count && !(s->kind & (SC_TSYS_FORK | SC_TSYS_EXIT)))
		return NULL;
	return s;
}

/* A call's state at its entry, before anything of it is printed. */
static inline void call_start(struct sc_trace_call *c, const struct sc_tracer *tr,
			      const struct sc_trace_sys *s, const syscorn_syscall *sc)
{
	c->sys = s;
	c->nr = sc->nr;
	for (int i = 0; i < 6; i++) { /* 8 bytes at a time, as they were stored (hooks.c) */
		uint64_t v = sc->args[i];
		__asm__("" : "+r"(v));
		c->args[i] = v;
	}
	c->arch = tr->arch;
	c->aux = NULL;
	c->ret_override = -1;
	c->eintr_as = -1;
	c->err = 0;
	c->flushed = 0;
	c->open = false;
	c->exec_shown = false;
}

/* The call's entry: its state, the start of its line. */
/* (inline: it is most of the tracer's BEFORE hook, whose cost every traced call pays) */
static inline __attribute__((always_inline)) void
trace_begin(struct sc_tracer *tr, struct sc_process *p, struct sc_thread *t,
	    struct sc_trace_tls *tl, const struct sc_trace_sys *s, const syscorn_syscall *sc,
	    bool show, bool count)
{
	struct sc_trace_call *c = &tl->call;
	call_start(c, tr, s, sc);
	c->dur_ns = 0;
	if (tr->tflag || (tr->flags & SC_TRACE_F_JSON))
		sc_trace_now(&c->wall);
	tl->cur = sc;
	tl->show = show;
	tl->count = count;
	if (show)
		trace_enter_inline(tr, p, t, tl);
	if (forks(c)) {
		/* what tells the child from the parent when the call returns */
		tl->pid = tr->pid;
		tl->ctid = tl->tid;
		sc_trace_out_flush(tr);
		/* A thread to come (CLONE_THREAD, in clone's flags or clone3's struct): from now on
		 * the output, the counts and the tables are shared; the lock is on before the thread
		 * exists. */
		uint64_t flags = c->args[0];
		if (s->meta && !strcmp(s->meta->name, "clone3") &&
		    copy_from_guest(p, &flags, c->args[0], sizeof flags))
			flags = 0;
		if ((flags & 0x10000) && !tr->threaded) {
			__atomic_store_n(&tr->threaded, true, __ATOMIC_RELEASE);
			sc_trace_replan(tr);
		}
		/* fork and vfork's first argument is not theirs */
		tl->new_process = !(flags & 0x10000) || !s->meta || strncmp(s->meta->name, "clone", 5);
		/* -f on stderr: a task more from now on (one less if the call fails) */
		if (tr->dyn_pid)
			__atomic_add_fetch(&tr->shared->nprocs, 1, __ATOMIC_SEQ_CST);
	}
	tl->in_call = show;
}

void sc_trace_detach(struct sc_tracer *tr)
{
	struct sc_trace_tls *tl = tls && tls->tr == tr ? tls : NULL;
	if (tl)
		sc_trace_detach_task(tr, &tl->attached);
}

/* The call's exit, with the result the guest gets: the rest of the line, the counts. (Inline:
 * most of the tracer's AFTER hook.) */
static inline __attribute__((always_inline)) void
trace_finish(struct sc_tracer *tr, struct sc_process *p, struct sc_thread *t,
	     struct sc_trace_tls *tl, uint64_t r)
{
	struct sc_trace_call *c = &tl->call;
	const struct sc_trace_sys *s = c->sys;
	bool show = tl->show, count = tl->count;
	tl->cur = NULL;
	tl->in_call = false;
	c->ret = (int64_t)r;
	if (s->special == TS_rt_sigreturn)
		c->ret = (int64_t)c->saved[0]; /* what the frame restores, read at entry */
	c->err = c->ret < 0 && c->ret > -4096 ? (int)-c->ret : 0;
	if (forks(c) && !c->err && r == 0 && (getpid() != tl->pid || (int)gettid() != tl->ctid)) {
		/* The child of a fork (or a new thread): its first line is its next syscall. */
		tl->line.len = 0;
		tl->deferred.len = 0;
		tl->tid = (int)gettid();
		if (getpid() != tl->pid) {
			tr->pid = getpid();
			tr->out.len = 0;
			tr->out_tid = 0;
			/* a new process, alone: no other thread */
			tr->ntasks = 0;
			pthread_mutex_init(&tr->tasks_lock, NULL);
			if (tr->shared)
				tr->multi = true; /* the output is shared with the parent from now on */
			if (tr->flags & SC_TRACE_F_FF)
				sc_trace_ff_begin(tr, tr->pid);
			if (tr->flags & SC_TRACE_F_FOLLOW) {
				tr->show_pid = !(tr->flags & SC_TRACE_F_FF);
				sc_trace_replan(tr);
			} else {
				/* not followed: strace does not trace it, nor show its signals */
				tr->sel_none = true;
				tr->sig_sel = 0;
				tr->flags &= ~(uint32_t)(SC_TRACE_F_SUMMARY | SC_TRACE_F_SUMMARY_TOO);
				tr->flags |= SC_TRACE_F_QUIET_EXIT;
				sc_trace_replan(tr);
				for (int a = 0; a < 2; a++)
					for (unsigned i = 0; tr->sys[a] && i < tr->nsys[a]; i++)
						tr->sys[a][i].traced = false;
			}
		}
		return;
	}
	if (forks(c)) {
		if (c->err) {
			if (tr->dyn_pid) /* no new task after all */
				__atomic_sub_fetch(&tr->shared->nprocs, 1, __ATOMIC_SEQ_CST);
		} else if ((tr->flags & SC_TRACE_F_FOLLOW) && !(tr->flags & SC_TRACE_F_FF)) {
			tr->show_pid = true;
			sc_trace_replan(tr);
			if (tl->new_process && tr->shared && !tr->multi) {
				sc_trace_lock(tr);
				tr->multi = true;
				sc_trace_unlock(tr);
			}
			if (!tl->new_process && c->ret > 0)
				sc_trace_task_add(tr, (int)c->ret);
		} else if ((tr->flags & SC_TRACE_F_FF) && !tl->new_process && c->ret > 0) {
			/* a thread: its own output from now on, its "+++" line there at the end */
			sc_trace_ff_begin(tr, (int)c->ret);
			sc_trace_task_add(tr, (int)c->ret);
		}
	}
	if (__builtin_expect(c->open, 0) && c->err && s->ret != TR_none &&
	    __atomic_load_n(&p->exiting, __ATOMIC_SEQ_CST)) {
		/* -f: the process ends (another thread's exit_group, a fatal signal) while this call
		 * waits: strace sees no exit of the call, only the thread's end. Its line comes when
		 * the process ends, after the line of what ended it (sc_trace_tasks_end). */
		sc_trace_task_killed(tr, tl);
		emit_deferred(tr, tl);
		return;
	}
	if (__builtin_expect(tr->flags & SC_TRACE_F_FF, 0) && show && c->err && s->ret != TR_none &&
	    !(tr->flags & (SC_TRACE_F_JSON | SC_TRACE_F_SUCCESS | SC_TRACE_F_FAILED)) &&
	    __atomic_load_n(&p->exiting, __ATOMIC_SEQ_CST) && sc_trace_ff_killed(tr, tl)) {
		/* -ff: the entry is the last line of the task's own output, whatever the other
		 * tasks print: its end goes there now, not when the process ends as above */
		emit_deferred(tr, tl);
		return;
	}
	bool noreturn = s->ret == TR_none && p->exit.done;
	if (show && c->exec_shown) {
		/* the execve was printed as successful, but the host's execve failed */
		tl->line.len = 0;
		trace_enter(tr, p, t, tl);
	}
	int cut = show && !noreturn && (s->special == TS_nanosleep || s->special == TS_poll)
			  ? sc_trace_cut_short(tr, t, c) : -1;
	if (__builtin_expect(cut >= 0, 0))
		cut_short(tr, p, t, tl, cut);
	else if (show)
		trace_exit_inline(tr, p, t, tl, noreturn);
	emit_deferred(tr, tl);
	if (count && !noreturn)
		count_call(tr, c);
	if (__builtin_expect(s->kind & (SC_TSYS_KILL | SC_TSYS_TGKILL | SC_TSYS_EXIT), 0)) {
		if (s->kind & SC_TSYS_EXIT) {
			/* -f: a thread's own end, not the process's (whose first thread's "+++"
			 * line comes when the process ends, as strace prints it) */
			if (t->done && !p->exit.done && tl->tid != tr->pid)
				sc_trace_thread_exited(tr, tl, (int)(c->args[0] & 0xff));
		} else if (!c->err) {
			/* a signal the guest sent, maybe to itself: the siginfo if it ends the guest */
			tr->last_kill = s->kind & SC_TSYS_KILL ? 1 : 2;
			tr->last_kill_sig = (int)c->args[s->meta->name[1] == 'g' ? 2 : 1];
		}
	}
}

/* The plain path: a call with no kind and no special decoder, traced with no option that
 * changes a line's frame (tr->plain: one thread and process, buffered text, no leader, nothing
 * timed, every line whole). The same line as trace_enter/trace_exit write, without asking
 * at every step about all that cannot be: most of a syscall-bound guest's calls come here. */
static inline void plain_enter(struct sc_tracer *tr, struct sc_process *p, struct sc_thread *t,
			       struct sc_trace_tls *tl, const struct sc_trace_sys *s,
			       const syscorn_syscall *sc)
{
	struct sc_trace_call *c = &tl->call;
	call_start(c, tr, s, sc);
	tl->cur = sc;
	tl->show = true;
	tl->count = false;
	tl->in_call = true;
	/* straight into the output (direct_ok holds) */
	struct sc_tbuf *b = &tr->out;
	tr->line_at = b->len;
	tl->lb = b;
	b->lost = false;
	c->name_pos = (uint32_t)b->len;
	put_name(b, s);
	c->next_arg = 0;
	c->nargs_printed = 0;
	c->args_set = 0;
	c->decoded = true;
	if (s->nargs) {
		struct sc_tprint tp = { tr, p, t, c, b, c->arch, false };
		c->decoded = print_args(&tp);
	}
}

static inline void plain_exit(struct sc_tracer *tr, struct sc_process *p, struct sc_thread *t,
			      struct sc_trace_tls *tl, uint64_t r)
{
	struct sc_trace_call *c = &tl->call;
	const struct sc_trace_sys *s = c->sys;
	tl->cur = NULL;
	tl->in_call = false;
	c->ret = (int64_t)r;
	c->err = c->ret < 0 && c->ret > -4096 ? (int)-c->ret : 0;
	c->dur_ns = 0;
	bool noreturn = s->ret == TR_none && p->exit.done;
	struct sc_tbuf *b = &tr->out;
	if (c->next_arg < s->nargs) {
		struct sc_tprint tp = { tr, p, t, c, b, c->arch, true };
		print_args(&tp);
	}
	size_t col = b->len - tr->line_at + 2, want = (size_t)tr->column;
	size_t pad = col < want ? want - col : 0;
	char *q;
	if (!noreturn && !c->err && !c->aux && pad < 48 && (s->ret == TR_dec || s->ret == TR_fd ||
	    s->ret == TR_udec) && c->ret_override < 0 && (q = tb_reserve(b, 48 + 4 + 22))) {
		/* ") ", the padding, "= ", the number and the newline at once */
		static const char spaces[48] = "                                                ";
		q[0] = ')';
		__builtin_memcpy(q + 1, spaces, 48);
		q += pad + 2;
		q[0] = '=';
		q[1] = ' ';
		q += 2;
		q = s->ret == TR_udec ? fmt_udec(q, r) : fmt_dec(q, s->ret == TR_fd ? (int)r : (int64_t)r);
		*q++ = '\n';
		tb_commit(b, q);
	} else {
		/* anything else in the line's end: the general writer (which knows the line is
		 * direct, and prints no argument twice) */
		trace_exit(tr, p, t, tl, noreturn);
		emit_deferred(tr, tl);
		return;
	}
	direct_end(tr);
	emit_deferred(tr, tl);
}

static syscorn_action trace_before(struct sc_thread *t, syscorn_syscall *sc, void *data)
{
	(void)data;
	struct sc_process *p = t->proc;
	struct sc_tracer *tr = p->tracer;
	if (__builtin_expect(!tr, 0)) /* the trace has ended */
		return SYSCORN_CONTINUE;
	bool show, count;
	const struct sc_trace_sys *s = trace_pick(tr, p, sc->nr, &show, &count);
	if (!s)
		return SYSCORN_CONTINUE;
	struct sc_trace_tls *tl = my_tls(tr);
	if (__builtin_expect(!tl, 0)) { /* out of memory */
		sc_trace_lost(tr);
		return SYSCORN_CONTINUE;
	}
	if (__builtin_expect(tl->cur != NULL, 0)) /* a call from a signal handler run inside one */
		return SYSCORN_CONTINUE;
	if (tr->plain && s->plain && show) {
		plain_enter(tr, p, t, tl, s, sc);
		return SYSCORN_CONTINUE;
	}
	trace_begin(tr, p, t, tl, s, sc, show, count);
	if (tr->timed)
		mono(&tl->t0);
	return SYSCORN_CONTINUE;
}

/* A call the BEFORE hook did not see: its whole line at once (out of line: rare). */
static __attribute__((noinline)) void trace_unseen(struct sc_tracer *tr, struct sc_process *p,
						   struct sc_thread *t, struct sc_trace_tls *tl,
						   const struct sc_trace_sys *s,
						   const syscorn_syscall *sc, bool show, bool count)
{
	trace_begin(tr, p, t, tl, s, sc, show, count);
	trace_finish(tr, p, t, tl, (uint64_t)sc->ret);
}

static syscorn_action trace_after(struct sc_thread *t, syscorn_syscall *sc, void *data)
{
	(void)data;
	struct sc_process *p = t->proc;
	struct sc_tracer *tr = p->tracer;
	if (__builtin_expect(!tr, 0))
		return SYSCORN_CONTINUE;
	struct sc_trace_tls *tl = tls;
	if (__builtin_expect(tl != NULL && tl->tr == tr && tl->cur == sc, 1)) {
		if (tr->plain && tl->call.sys->plain && tl->lb == &tr->out) {
			plain_exit(tr, p, t, tl, (uint64_t)sc->ret);
			return SYSCORN_CONTINUE;
		}
		if (tr->timed) {
			struct timespec t1;
			mono(&t1);
			tl->call.dur_ns = ts_ns(&t1) - ts_ns(&tl->t0);
		}
		trace_finish(tr, p, t, tl, (uint64_t)sc->ret);
		return SYSCORN_CONTINUE;
	}
	if (tl && tl->tr == tr && tl->cur) /* a call from a signal handler run inside one */
		return SYSCORN_CONTINUE;
	/* Not seen entering: a hook skipped it (or it is a number no BEFORE hook of ours saw):
	 * the whole line now, with the result the guest gets. */
	bool show, count;
	const struct sc_trace_sys *s = trace_pick(tr, p, sc->nr, &show, &count);
	if (!s)
		return SYSCORN_CONTINUE;
	if (!(tl = my_tls(tr))) {
		sc_trace_lost(tr);
		return SYSCORN_CONTINUE;
	}
	trace_unseen(tr, p, t, tl, s, sc, show, count);
	return SYSCORN_CONTINUE;
}

/* The tracer's hooks, once per process (they stay when the trace ends, doing nothing then). */
static void trace_attach(struct sc_process *p)
{
	if (sc_hook_installed(p, trace_before))
		return;
	syscorn_hook before;
	if (sc_hook_add(p, SYSCORN_HOOK_BEFORE, NULL, SC_ORDER_TRACE, trace_before, NULL, NULL,
			&before))
		goto fail;
	if (sc_hook_add(p, SYSCORN_HOOK_AFTER, NULL, SC_ORDER_TRACE, trace_after, NULL, NULL,
			NULL)) {
		sc_hook_del(p, before);
		goto fail;
	}
	return;
fail:
	sc_warn(p, "trace: out of memory: no trace");
}

/* ------------------------------------------------------------------ start and end */

/* The first line: the execve that started the guest, from what the loader put on its stack
 * (argc, argv, envp, and AT_EXECFN for the path). */
void sc_trace_start(struct sc_process *p)
{
	struct sc_tracer *tr = p->tracer;
	if (!tr)
		return;
	trace_attach(p);
	if (tr->started)
		return;
	tr->started = true;
	tr->pid = getpid();
	if (tr->flags & SC_TRACE_F_FF)
		sc_trace_ff_begin(tr, tr->pid);
	int ai = sc_trace_arch(p);
	struct sc_trace_sys *tab = sc_trace_sys_table(tr, p, ai);
	if (!tab) { /* out of memory */
		sc_trace_lost(tr);
		return;
	}
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
	if (!tl) { /* out of memory */
		sc_trace_lost(tr);
		return;
	}
	struct sc_trace_call *c = &tl->call;
	memset(c, 0, sizeof *c);
	c->sys = s;
	c->nr = (uint64_t)(s - tab);
	c->args[0] = path;
	c->args[1] = argv;
	c->args[2] = envp;
	c->arch = ai;
	c->ret_override = -1;
	sc_trace_now(&c->wall);
	trace_enter(tr, p, &p->thread, tl);
	trace_exit(tr, p, &p->thread, tl, false);
}
