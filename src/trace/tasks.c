/* -f: the process's other threads: registered by the clone that made them, their "+++" lines
 * when they or the process end, and the line of a call the process's end cut short (strace's
 * "<... read resumed> <unfinished ...>) = ?"). */
#include "internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
void sc_trace_task_add(struct sc_tracer *tr, int tid)
{
	pthread_mutex_lock(&tr->tasks_lock);
	if (!task_find_locked(tr, tid, true))
		sc_trace_lost(tr);
	pthread_mutex_unlock(&tr->tasks_lock);
}

/* The calling thread's call will not return: what its line needs when the process ends. */
void sc_trace_task_killed(struct sc_tracer *tr, struct sc_trace_tls *tl)
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
void sc_trace_thread_exited(struct sc_tracer *tr, struct sc_trace_tls *tl, int status)
{
	if (!(tr->flags & (SC_TRACE_F_SUMMARY | SC_TRACE_F_QUIET_EXIT))) {
		char text[48], fields[32];
		snprintf(text, sizeof text, "+++ exited with %d +++", status);
		snprintf(fields, sizeof fields, ",\"status\":%d", status);
		sc_trace_whole_line(tr, 0, text, "exited", fields);
	}
	if (tr->flags & SC_TRACE_F_FF)
		sc_trace_ff_end(tr, tl->tid);
	sc_trace_detach_task(tr, &tl->attached);
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
	sc_trace_out_lock(tr);
	if (sh->open_tid == k->tid) {
		if (k->sep)
			tb_puts(&r, ", ");
		col = k->col;
		sh->open_tid = 0;
	} else {
		struct timespec w = { 0, 0 };
		sc_trace_end_open_locked(tr);
		if (tr->tflag)
			sc_trace_now(&w);
		sc_trace_leader_of(tr, &r, &w, k->tid);
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
		sc_trace_out_put_locked(tr, r.p, r.len);
	sc_trace_out_unlock(tr);
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
		sc_trace_detach_task(tr, &k->attached);
	}
	free(v);
}
