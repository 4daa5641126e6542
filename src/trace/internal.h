/* What the tracer's core (trace.c) shares with the files split from it: rules.c (the
 * per-syscall table), json.c, events.c (signal and exit lines) and summary.c (-c). Internal to
 * src/trace; the printers' interface is trace.h's. */
#ifndef SYSCORN_TRACE_INTERNAL_H
#define SYSCORN_TRACE_INTERNAL_H

#include "trace.h"

/* What one guest thread (one host thread) is printing: threads trace concurrently, and only
 * the output, the counts and the lazily built tables are shared (under tr->lock). */
struct sc_trace_tls {
	struct sc_tracer *tr;
	/* The call between the tracer's BEFORE and AFTER hooks (trace.c): the hooks' view of it
	 * (NULL between calls), what to do with it, and what tells a fork's child. */
	const syscorn_syscall *cur;
	bool show, count, new_process;
	bool in_call;            /* inside a call whose line is being printed */
	int tid;
	int pid, ctid;
	struct sc_tbuf *lb;      /* the current call's line: `line`, or the output itself (direct) */
	struct sc_tbuf line, json;
	struct sc_tbuf deferred; /* signal lines that arrive inside a call: after its line */
	struct timespec t0;      /* entry, when calls are timed */
	bool attached;           /* -f on stderr: counted in the shared record's nprocs (from the
				  * call that made the task to its "+++" line) */
	struct sc_trace_call call; /* (last: its hot fields first, its big buffers last) */
};

/* -f: a thread of the process other than its first (registered by the clone that made it),
 * for its "+++ exited" line when the process ends, and the line of a call the end cut short
 * (strace's "<... read resumed> <unfinished ...>) = ?"), printed then. Under tr->tasks_lock. */
struct sc_trace_task {
	int tid;
	bool attached;  /* counted in the shared record's nprocs */
	bool killed;    /* in a call (shown) when the process ended */
	bool decoded;   /* ... whose arguments were all printed at entry */
	bool sep;       /* ... whose entry, if still the open line, ends with ", " not written */
	uint32_t col;   /* ... the length of that entry */
	char name[40];  /* ... the call's name */
};

/* What the tasks sharing one output know of it (one MAP_SHARED page for all the processes of
 * a -f trace): the task whose line is open, its entry printed and nothing after it yet, which
 * the next line of another task ends with " <unfinished ...>" (strace's printing_tcp). */
struct sc_trace_shared {
	pthread_mutex_t lock; /* process-shared and robust: taken once there are several processes */
	int open_tid;         /* 0: the output ends with a whole line */
	bool open_sep;        /* that line ends with ", " not written yet */
	int nprocs;           /* the tasks (threads, processes) seen so far and not yet ended: on
			       * stderr, strace's lines have a "[pid N] " prefix while > 1 */
};
/* Sets tr->shared up when the options ask for the split (opts.c). */
void sc_trace_shared_init(struct sc_tracer *tr);
void sc_trace_shared_free(struct sc_tracer *tr);

/* The per-syscall table of architecture ai, built on first use (under tr->lock once threads
 * share it); NULL when out of memory (rules.c). */
struct sc_trace_sys *sc_trace_sys_table(struct sc_tracer *tr, struct sc_process *p, int ai);

/* Output (trace.c): finished text to the output, written at once when unbuffered; what is
 * pending written now. */
void sc_trace_emit(struct sc_tracer *tr, const char *s, size_t n);
void sc_trace_out_flush(struct sc_tracer *tr);
/* A line outside a syscall ("--- SIG... ---", "+++ exited ... +++") about task tid (0: the
 * calling thread); in JSON an event object with `fields` (",\"key\":value...") and the text. */
void sc_trace_whole_line(struct sc_tracer *tr, int tid, const char *text, const char *event,
			 const char *fields);
/* A line that could not be built for want of memory: counted, reported at the end. */
void sc_trace_lost(struct sc_tracer *tr);
/* A sleep that ran to its end while an ignored signal came (sig_traced.c): natively the
 * signal cut it short and the call was restarted. The SC_EINTR_* strace shows for the cut, or
 * -1 to print the call as it is (events.c). */
int sc_trace_cut_short(struct sc_tracer *tr, struct sc_thread *t, const struct sc_trace_call *c);
/* strace's line for the kernel's restart of a sleep cut short: "restart_syscall(<... resuming
 * interrupted nanosleep ...>) = 0" (events.c). */
void sc_trace_resumed_line(struct sc_tracer *tr, const struct sc_trace_call *c);
/* A whole line, after any open line (-f) is ended (trace.c). */
void sc_trace_emit_line(struct sc_tracer *tr, const char *s, size_t n);
/* The leader of the calling thread's line, timestamp now (trace.c). */
void sc_trace_leader_now(struct sc_tracer *tr, struct sc_tbuf *b);
/* Whether -e trace= selects a call by name (rules.c). */
bool sc_trace_name_selected(const struct sc_tracer *tr, const char *name);
/* The call's name, or syscall_0x... for a number the table does not know (in tmp). */
const char *sc_trace_sys_name(const struct sc_trace_call *c, char *tmp, size_t n);

/* JSON (json.c). */
void sc_trace_json_str(struct sc_tbuf *b, const char *s, size_t n);
void sc_trace_json_time(struct sc_tbuf *b, const char *key, int64_t sec, int64_t nsec);
/* The JSON object of the call tl has just printed (the text line up to args_end, and its
 * return value from ret_pos to ret_end). */
void sc_trace_json_line(struct sc_tracer *tr, struct sc_trace_tls *tl, size_t args_end,
			size_t ret_pos, size_t ret_end);

/* -f: the lines of the process's other threads when it ends (after its signal line, before its
 * own "+++" line; text: that line, NULL with -qq), and after its own "+++" line, its end: the
 * task counted no more (trace.c). */
void sc_trace_tasks_end(struct sc_tracer *tr, const char *text, const char *event,
			const char *fields);
void sc_trace_detach(struct sc_tracer *tr);

/* -ff -o FILE: one output per task (ff.c). The id the pending output is written under. */
static inline int sc_trace_out_id(const struct sc_tracer *tr)
{
	return tr->out_tid ? tr->out_tid : tr->pid;
}
/* Writes what is pending in the output buffer (all of it but a direct line's start), under
 * the output's lock (output.c). */
void sc_trace_out_flush_locked(struct sc_tracer *tr);
/* The threads' lock (taken once a thread was created); the output's (the threads', and the
 * processes' once there are several); text added under it; -f's open line ended (output.c). */
void sc_trace_lock(struct sc_tracer *tr);
void sc_trace_unlock(struct sc_tracer *tr);
void sc_trace_out_lock(struct sc_tracer *tr);
void sc_trace_out_unlock(struct sc_tracer *tr);
void sc_trace_out_put_locked(struct sc_tracer *tr, const char *s, size_t n);
void sc_trace_end_open_locked(struct sc_tracer *tr);
/* The calling thread's id in the trace, 0 when it has no state in it yet (trace.c). */
int sc_trace_my_tid(const struct sc_tracer *tr);
/* The wall clock; a line's leader ("[pid N] ", timestamps) for task id (trace.c). */
void sc_trace_now(struct timespec *ts);
void sc_trace_leader_of(struct sc_tracer *tr, struct sc_tbuf *b, const struct timespec *wall,
			int id);
/* -f on stderr: a task no longer counted (its "+++" line printed) (trace.c). */
void sc_trace_detach_task(struct sc_tracer *tr, bool *attached);
/* -f: a thread the process made; the calling thread's call the process's end will cut short;
 * a thread's own exit (tasks.c). */
void sc_trace_task_add(struct sc_tracer *tr, int tid);
void sc_trace_task_killed(struct sc_tracer *tr, struct sc_trace_tls *tl);
void sc_trace_thread_exited(struct sc_tracer *tr, struct sc_trace_tls *tl, int status);
/* Under the output lock, before text is added: the pending text of another task goes out
 * first. self: the calling thread's id, 0 when it has no tracer state. */
void sc_trace_ff_route(struct sc_tracer *tr, int self);
/* The lines the calling thread writes from now on are task tid's (0: its own again). */
void sc_trace_ff_for(int tid);
/* A task's output starts (its file is made), ends (its last line written: closed). */
void sc_trace_ff_begin(struct sc_tracer *tr, int tid);
void sc_trace_ff_end(struct sc_tracer *tr, int tid);
/* The calling thread's call the process's end cut short: its line ends with " = ?" in its
 * own output at once. False when there is no such line (nothing printed at entry). */
bool sc_trace_ff_killed(struct sc_tracer *tr, struct sc_trace_tls *tl);

/* -c's table (summary.c). */
void sc_trace_summary(struct sc_tracer *tr, struct sc_process *p);

#endif
