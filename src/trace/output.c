/* The tracer's output: the pending buffer, written through the user's write function; the
 * locks that keep lines whole once threads or processes share it; -f's open line ended by
 * whatever another task prints. */
#include "internal.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

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
void sc_trace_lock(struct sc_tracer *tr)
{
	if (__atomic_load_n(&tr->threaded, __ATOMIC_ACQUIRE))
		pthread_mutex_lock(&tr->lock);
}

void sc_trace_unlock(struct sc_tracer *tr)
{
	if (__atomic_load_n(&tr->threaded, __ATOMIC_ACQUIRE))
		pthread_mutex_unlock(&tr->lock);
}

void sc_trace_out_flush(struct sc_tracer *tr)
{
	sc_trace_lock(tr);
	sc_trace_out_flush_locked(tr);
	sc_trace_unlock(tr);
}

/* The output's lock: the threads' (once there are threads), and the processes' (once there are
 * several: then what went to the buffer is written before the lock is let go, so that the
 * processes' pieces reach the shared output in the order of the shared state). */
void sc_trace_out_lock(struct sc_tracer *tr)
{
	sc_trace_lock(tr);
	if (tr->multi) {
		int r = pthread_mutex_lock(&tr->shared->lock);
		if (r == EOWNERDEAD) /* a process died holding it (killed): the state stands */
			pthread_mutex_consistent(&tr->shared->lock);
	}
}

void sc_trace_out_unlock(struct sc_tracer *tr)
{
	if (tr->multi) {
		sc_trace_out_flush_locked(tr);
		pthread_mutex_unlock(&tr->shared->lock);
	}
	sc_trace_unlock(tr);
}

/* Appends to the output under its lock; written at once when unbuffered, or when the output
 * buffer cannot grow (out of memory: what is pending, then the text itself). */
void sc_trace_out_put_locked(struct sc_tracer *tr, const char *s, size_t n)
{
	if (__builtin_expect(tr->flags & SC_TRACE_F_FF, 0))
		sc_trace_ff_route(tr, sc_trace_my_tid(tr));
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
	sc_trace_out_lock(tr);
	sc_trace_out_put_locked(tr, s, n);
	sc_trace_out_unlock(tr);
}

/* -f: another task's line is open in the output: strace ends it before printing anything else
 * (printleader), and that task's exit then prints "<... NAME resumed>". */
void sc_trace_end_open_locked(struct sc_tracer *tr)
{
	struct sc_trace_shared *sh = tr->shared;
	if (sh->open_tid) {
		const char *t = sh->open_sep ? ",  <unfinished ...>\n" : " <unfinished ...>\n";
		sc_trace_out_put_locked(tr, t, strlen(t));
		sh->open_tid = 0;
	}
}

/* A whole line ("--- SIG... ---", "+++ exited ... +++"), after any open line is ended. */
void sc_trace_emit_line(struct sc_tracer *tr, const char *s, size_t n)
{
	if (!tr->shared) {
		sc_trace_emit(tr, s, n);
		return;
	}
	sc_trace_out_lock(tr);
	sc_trace_end_open_locked(tr);
	sc_trace_out_put_locked(tr, s, n);
	sc_trace_out_unlock(tr);
}
