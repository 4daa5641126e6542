/* The tracer's core: the dispatch hook, the line (leader, arguments, padding, return value,
 * timings), output through the user's write function and the first execve line. Arguments
 * are printed by print*.c (per type) and special*.c (the few calls whose arguments depend on
 * each other); the per-syscall table is rules.c's, the JSON form json.c's, the signal and
 * exit lines events.c's and -c summary.c's. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
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

/* ------------------------------------------------------------------ output */

void sc_trace_lost(struct sc_tracer *tr)
{
	__atomic_add_fetch(&tr->lost, 1, __ATOMIC_RELAXED);
}

void sc_trace_out_flush_locked(struct sc_tracer *tr)
{
	size_t n = tr->line_at < tr->out.len ? tr->line_at : tr->out.len;
	if (n && tr->write)
		tr->write(tr->write_data, sc_trace_out_id(tr), tr->out.p, n);
	if (n < tr->out.len) /* the start of a direct line: kept */
		memmove(tr->out.p, tr->out.p + n, tr->out.len - n);
	tr->out.len -= n;
	if (tr->line_at != SIZE_MAX)
		tr->line_at = 0;
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

void sc_trace_out_flush(struct sc_tracer *tr)
{
	lock(tr);
	sc_trace_out_flush_locked(tr);
	unlock(tr);
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

/* The output's lock: the threads' (once there are threads), and the processes' (once there are
 * several: then what went to the buffer is written before the lock is let go, so that the
 * processes' pieces reach the shared output in the order of the shared state). */
static void out_lock(struct sc_tracer *tr)
{
	lock(tr);
	if (tr->multi) {
		int r = pthread_mutex_lock(&tr->shared->lock);
		if (r == EOWNERDEAD) /* a process died holding it (killed): the state stands */
			pthread_mutex_consistent(&tr->shared->lock);
	}
}

static void out_unlock(struct sc_tracer *tr)
{
	if (tr->multi) {
		sc_trace_out_flush_locked(tr);
		pthread_mutex_unlock(&tr->shared->lock);
	}
	unlock(tr);
}

/* Appends to the output under its lock; written at once when unbuffered, or when the output
 * buffer cannot grow (out of memory: what is pending, then the text itself). */
static void out_put_locked(struct sc_tracer *tr, const char *s, size_t n)
{
	if (__builtin_expect(tr->flags & SC_TRACE_F_FF, 0))
		sc_trace_ff_route(tr, tls && tls->tr == tr ? tls->tid : 0);
	if (__builtin_expect(tr->line_at != SIZE_MAX, 0)) {
		/* a direct line is half written: this goes before it (as it would without) */
		sc_trace_out_flush_locked(tr);
		if (tr->write)
			tr->write(tr->write_data, sc_trace_out_id(tr), s, n);
		return;
	}
	tr->out.lost = false;
	tb_putn(&tr->out, s, n);
	if (tr->out.lost) {
		sc_trace_out_flush_locked(tr);
		if (tr->write)
			tr->write(tr->write_data, sc_trace_out_id(tr), s, n);
	} else if ((tr->flags & SC_TRACE_F_UNBUFFERED) || tr->out.len >= 32768) {
		sc_trace_out_flush_locked(tr);
	}
}

void sc_trace_emit(struct sc_tracer *tr, const char *s, size_t n)
{
	out_lock(tr);
	out_put_locked(tr, s, n);
	out_unlock(tr);
}

/* -f: another task's line is open in the output: strace ends it before printing anything else
 * (printleader), and that task's exit then prints "<... NAME resumed>". */
static void end_open_locked(struct sc_tracer *tr)
{
	struct sc_trace_shared *sh = tr->shared;
	if (sh->open_tid) {
		const char *t = sh->open_sep ? ",  <unfinished ...>\n" : " <unfinished ...>\n";
		out_put_locked(tr, t, strlen(t));
		sh->open_tid = 0;
	}
}

/* A whole line ("--- SIG... ---", "+++ exited ... +++"), after any open line is ended. */
static void emit_line(struct sc_tracer *tr, const char *s, size_t n)
{
	sc_trace_emit_line(tr, s, n);
}

void sc_trace_emit_line(struct sc_tracer *tr, const char *s, size_t n)
{
	if (!tr->shared) {
		sc_trace_emit(tr, s, n);
		return;
	}
	out_lock(tr);
	end_open_locked(tr);
	out_put_locked(tr, s, n);
	out_unlock(tr);
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

/* -f on stderr: a task ended (its "+++" line printed) is no longer one of the trace's. Tasks
 * count from the call that makes them (strace counts a new task once it has seen it stop, as it
 * does before it runs, soon after the call). */
static void detach(struct sc_tracer *tr, bool *attached)
{
	if (tr->dyn_pid && *attached)
		__atomic_sub_fetch(&tr->shared->nprocs, 1, __ATOMIC_SEQ_CST);
	*attached = false;
}

/* "[pid N] ", timestamps: what strace prints before a line of task id. On stderr, strace
 * prints the prefix while it traces several tasks (its nprocs > 1); into a file, always (-f). */
static void leader_of(struct sc_tracer *tr, struct sc_tbuf *b, const struct timespec *wall, int id)
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

/* The leader of the calling thread's line. */
static void leader(struct sc_tracer *tr, struct sc_tbuf *b, const struct timespec *wall)
{
	leader_of(tr, b, wall, tls && tls->tr == tr ? tls->tid : tr->pid);
}

void sc_trace_leader_now(struct sc_tracer *tr, struct sc_tbuf *b)
{
	struct timespec w;
	now(&w);
	leader(tr, b, &w);
}


void sc_trace_whole_line(struct sc_tracer *tr, int tid, const char *text, const char *event,
			 const char *fields)
{
	struct sc_tbuf b = { 0 };
	struct timespec w;
	now(&w);
	int id = tid ? tid : tls && tls->tr == tr ? tls->tid : (int)gettid();
	if (tr->flags & SC_TRACE_F_JSON) {
		tb_printf(&b, "{\"pid\":%d,\"tid\":%d", tr->pid, id);
		sc_trace_json_time(&b, "time", w.tv_sec, w.tv_nsec);
		tb_printf(&b, ",\"event\":\"%s\"%s,\"text\":", event, fields);
		sc_trace_json_str(&b, text, strlen(text));
		tb_puts(&b, "}\n");
	} else {
		leader_of(tr, &b, &w, id);
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
		emit_line(tr, b.p, b.len);
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
		if (b->p) {
			__builtin_prefetch(b->p + b->len + 64, 1);
			__builtin_prefetch(b->p + b->len + 128, 1);
		}
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
		out_lock(tr);
		end_open_locked(tr);
		out_put_locked(tr, b->p, b->len);
		sh->open_tid = tl->tid;
		sh->open_sep = !complete && c->next_arg > 0 && c->sys->special != TS_sendfile &&
			       c->sys->special != TS_clone;
		out_unlock(tr);
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
	out_lock(tr);
	if (sh->open_tid == tl->tid) {
		out_put_locked(tr, b->p + c->flushed, b->len - c->flushed);
	} else {
		end_open_locked(tr);
		struct sc_tbuf *r = &tl->json; /* free: no JSON with the split */
		struct timespec w = { 0, 0 };
		r->len = 0;
		r->lost = false;
		if (tr->tflag)
			now(&w);
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
			out_put_locked(tr, r->p, r->len);
	}
	sh->open_tid = 0;
	out_unlock(tr);
}

/* An open line that will not be finished (out of memory, -z/-Z): ended here if still last. */
static void drop_open(struct sc_tracer *tr, struct sc_trace_tls *tl, const char *end)
{
	out_lock(tr);
	if (tr->shared->open_tid == tl->tid) {
		out_put_locked(tr, end, strlen(end));
		tr->shared->open_tid = 0;
	}
	out_unlock(tr);
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
		/* direct: the line is in the output already (dropped whole if incomplete) */
		if (b->lost) {
			sc_trace_lost(tr);
			b->len = tr->line_at;
			b->lost = false;
		}
		tr->line_at = SIZE_MAX;
		if (b->len >= 32768)
			sc_trace_out_flush_locked(tr);
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
		emit_line(tr, tl->deferred.p, tl->deferred.len);
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
		lock(tr);
		tab = sc_trace_sys_table(tr, p, ai);
		unlock(tr);
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
		now(&c->wall);
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

/* ------------------------------------------------------------------ -f: the other threads */

static struct sc_trace_task *task_find_locked(struct sc_tracer *tr, int tid, bool add)
{
	for (unsigned i = 0; i < tr->ntasks; i++)
		if (tr->tasks[i].tid == tid)
			return &tr->tasks[i];
	if (!add)
		return NULL;
	if (tr->ntasks == tr->ctasks) {
		unsigned n = tr->ctasks ? 2 * tr->ctasks : 8;
		struct sc_trace_task *v = realloc(tr->tasks, n * sizeof *v);
		if (!v)
			return NULL;
		tr->tasks = v;
		tr->ctasks = n;
	}
	struct sc_trace_task *k = &tr->tasks[tr->ntasks++];
	memset(k, 0, sizeof *k);
	k->tid = tid;
	k->attached = true;
	return k;
}

/* A thread the process made (its clone's result). */
static void task_add(struct sc_tracer *tr, int tid)
{
	pthread_mutex_lock(&tr->tasks_lock);
	if (!task_find_locked(tr, tid, true))
		sc_trace_lost(tr);
	pthread_mutex_unlock(&tr->tasks_lock);
}

/* The calling thread's call will not return: what its line needs when the process ends. */
static void task_killed(struct sc_tracer *tr, struct sc_trace_tls *tl)
{
	struct sc_trace_call *c = &tl->call;
	pthread_mutex_lock(&tr->tasks_lock);
	struct sc_trace_task *k = task_find_locked(tr, tl->tid, true);
	if (k) {
		char tmp[40];
		k->attached = tl->attached;
		k->killed = true;
		k->decoded = c->decoded;
		k->sep = c->open_sep;
		k->col = (uint32_t)c->flushed;
		snprintf(k->name, sizeof k->name, "%s", sc_trace_sys_name(c, tmp, sizeof tmp));
	} else {
		sc_trace_lost(tr);
	}
	pthread_mutex_unlock(&tr->tasks_lock);
}

/* A thread's own exit (not the process's): its "+++" line, as strace prints it once the thread
 * is gone; then it is no longer one of the trace's tasks. */
static void thread_exited(struct sc_tracer *tr, struct sc_trace_tls *tl, int status)
{
	if (!(tr->flags & (SC_TRACE_F_SUMMARY | SC_TRACE_F_QUIET_EXIT))) {
		char text[48], fields[32];
		snprintf(text, sizeof text, "+++ exited with %d +++", status);
		snprintf(fields, sizeof fields, ",\"status\":%d", status);
		sc_trace_whole_line(tr, 0, text, "exited", fields);
	}
	if (tr->flags & SC_TRACE_F_FF)
		sc_trace_ff_end(tr, tl->tid);
	detach(tr, &tl->attached);
	pthread_mutex_lock(&tr->tasks_lock);
	struct sc_trace_task *k = task_find_locked(tr, tl->tid, false);
	if (k)
		*k = tr->tasks[--tr->ntasks];
	pthread_mutex_unlock(&tr->tasks_lock);
}

/* The line of a call the process's end cut short: its entry continued when it is still the
 * output's last line, else "<... NAME resumed>"; " <unfinished ...>" when strace would have
 * printed more at its exit; then " = ?". */
static void killed_line(struct sc_tracer *tr, struct sc_trace_task *k)
{
	struct sc_trace_shared *sh = tr->shared;
	struct sc_tbuf r = { 0 };
	size_t col = 0;
	out_lock(tr);
	if (sh->open_tid == k->tid) {
		if (k->sep)
			tb_puts(&r, ", ");
		col = k->col;
		sh->open_tid = 0;
	} else {
		struct timespec w = { 0, 0 };
		end_open_locked(tr);
		if (tr->tflag)
			now(&w);
		leader_of(tr, &r, &w, k->tid);
		tb_printf(&r, "<... %s resumed>", k->name);
	}
	if (!k->decoded)
		tb_puts(&r, " <unfinished ...>");
	tb_puts(&r, ") ");
	while (col + r.len < (size_t)tr->column)
		tb_putc(&r, ' ');
	tb_puts(&r, "= ?\n");
	if (r.lost)
		sc_trace_lost(tr);
	else
		out_put_locked(tr, r.p, r.len);
	out_unlock(tr);
	free(r.p);
}

void sc_trace_tasks_end(struct sc_tracer *tr, const char *text, const char *event,
			const char *fields)
{
	if (!tr->ntasks)
		return;
	/* (the threads are gone: the list is the caller's from here on) */
	pthread_mutex_lock(&tr->tasks_lock);
	struct sc_trace_task *v = tr->tasks;
	unsigned n = tr->ntasks;
	tr->tasks = NULL;
	tr->ntasks = tr->ctasks = 0;
	pthread_mutex_unlock(&tr->tasks_lock);
	/* the calls first (the one whose entry is the output's last line first), then the ends */
	if (tr->shared) {
		int open = tr->shared->open_tid;
		for (unsigned i = 0; i < n; i++)
			if (v[i].killed && v[i].tid == open)
				killed_line(tr, &v[i]);
		for (unsigned i = 0; i < n; i++)
			if (v[i].killed && v[i].tid != open)
				killed_line(tr, &v[i]);
	}
	for (unsigned i = 0; i < n; i++) {
		struct sc_trace_task *k = &v[i];
		if (k->tid == tr->pid) /* the process's first thread: its line comes last */
			continue;
		if (text)
			sc_trace_whole_line(tr, k->tid, text, event, fields);
		if (tr->flags & SC_TRACE_F_FF)
			sc_trace_ff_end(tr, k->tid);
		detach(tr, &k->attached);
	}
	free(v);
}

void sc_trace_detach(struct sc_tracer *tr)
{
	struct sc_trace_tls *tl = tls && tls->tr == tr ? tls : NULL;
	if (tl)
		detach(tr, &tl->attached);
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
				lock(tr);
				tr->multi = true;
				unlock(tr);
			}
			if (!tl->new_process && c->ret > 0)
				task_add(tr, (int)c->ret);
		} else if ((tr->flags & SC_TRACE_F_FF) && !tl->new_process && c->ret > 0) {
			/* a thread: its own output from now on, its "+++" line there at the end */
			sc_trace_ff_begin(tr, (int)c->ret);
			task_add(tr, (int)c->ret);
		}
	}
	if (__builtin_expect(c->open, 0) && c->err && s->ret != TR_none &&
	    __atomic_load_n(&p->exiting, __ATOMIC_SEQ_CST)) {
		/* -f: the process ends (another thread's exit_group, a fatal signal) while this call
		 * waits: strace sees no exit of the call, only the thread's end. Its line comes when
		 * the process ends, after the line of what ended it (sc_trace_tasks_end). */
		task_killed(tr, tl);
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
				thread_exited(tr, tl, (int)(c->args[0] & 0xff));
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
	if (__builtin_expect(b->lost, 0)) {
		sc_trace_lost(tr);
		b->len = tr->line_at;
		b->lost = false;
	}
	tr->line_at = SIZE_MAX;
	if (b->len >= 32768)
		sc_trace_out_flush_locked(tr);
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
	now(&c->wall);
	trace_enter(tr, p, &p->thread, tl);
	trace_exit(tr, p, &p->thread, tl, false);
}

/* ------------------------------------------------------------------ the shared output state */

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
