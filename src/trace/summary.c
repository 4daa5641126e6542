/* -c and -C: the table of calls, errors and time per syscall, as strace prints it. */
#include "internal.h"

#include <stdlib.h>

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

void sc_trace_summary(struct sc_tracer *tr, struct sc_process *p)
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
		const char *nm = sc_trace_sys_name(&fake, tmp, sizeof tmp);
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
	if (b.lost)
		sc_trace_lost(tr);
	else
		sc_trace_emit(tr, b.p, b.len);
	free(b.p);
	free(rows);
}
