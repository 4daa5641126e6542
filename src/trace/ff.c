/* -ff -o FILE: one output per task, as strace's FILE.<tid> (a thread's lines in its own file,
 * without a prefix). The tracer still has one pending buffer per process (tr->out): it holds
 * the text of one task at a time, and goes out as soon as another task's text comes, so that
 * the write function gets each task's text, in order, under that task's id. The write function
 * also hears of each task's start (len 0), so that its file exists from then on as strace's
 * does (empty with -qq and nothing traced), and of its end (buf NULL), once its last line (its
 * "+++" line) was written. */
#include "internal.h"

#include <stdlib.h>
#include <unistd.h>

/* A line the calling thread writes for another task (at the process's end, the threads'
 * "+++" lines): its id, else 0. Per host thread: the lock is not held between setting it and
 * the line. */
static __thread int ff_for;

void sc_trace_ff_for(int tid)
{
	ff_for = tid;
}

/* trace.c's rule: the output lock exists once a thread was created (before it runs). */
static void ff_lock(struct sc_tracer *tr)
{
	if (__atomic_load_n(&tr->threaded, __ATOMIC_ACQUIRE))
		pthread_mutex_lock(&tr->lock);
}

static void ff_unlock(struct sc_tracer *tr)
{
	if (__atomic_load_n(&tr->threaded, __ATOMIC_ACQUIRE))
		pthread_mutex_unlock(&tr->lock);
}

void sc_trace_ff_route(struct sc_tracer *tr, int self)
{
	/* a thread that made no traced call yet has no tracer state: its id from the kernel */
	int to = ff_for ? ff_for : self ? self : (int)gettid();
	if (to == sc_trace_out_id(tr))
		return;
	sc_trace_out_flush_locked(tr);
	tr->out_tid = to;
}

void sc_trace_ff_begin(struct sc_tracer *tr, int tid)
{
	ff_lock(tr);
	if (tr->write)
		tr->write(tr->write_data, tid, "", 0);
	ff_unlock(tr);
}

void sc_trace_ff_end(struct sc_tracer *tr, int tid)
{
	ff_lock(tr);
	if (sc_trace_out_id(tr) == tid)
		sc_trace_out_flush_locked(tr);
	if (tr->write)
		tr->write(tr->write_data, tid, NULL, 0);
	ff_unlock(tr);
}

bool sc_trace_ff_killed(struct sc_tracer *tr, struct sc_trace_tls *tl)
{
	/* strace printed the entry at once into the task's own file, where nothing came after it:
	 * the process's end continues it (its print_event_exit), the ", " before an argument
	 * printed at exit, " <unfinished ...>" for what that exit would have printed */
	const struct sc_trace_call *c = &tl->call;
	struct sc_tbuf b = { 0 };
	if (tl->line.lost || !tl->line.len)
		return false;
	tb_putn(&b, tl->line.p, tl->line.len);
	if (!c->decoded && c->next_arg > 0 && c->sys->special != TS_sendfile &&
	    c->sys->special != TS_clone)
		tb_puts(&b, ", ");
	if (!c->decoded)
		tb_puts(&b, " <unfinished ...>");
	tb_puts(&b, ") ");
	while (b.len < (size_t)tr->column && !b.lost)
		tb_putc(&b, ' ');
	tb_puts(&b, "= ?\n");
	if (b.lost)
		sc_trace_lost(tr);
	else
		sc_trace_emit(tr, b.p, b.len);
	free(b.p);
	return true;
}
