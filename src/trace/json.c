/* --strace-format=json: one JSON object a line, built from the text line (each argument's
 * text is what strace would print for it). */
#include "internal.h"

#include <string.h>

#include "xlat.h"

void sc_trace_json_str(struct sc_tbuf *b, const char *s, size_t n)
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

void sc_trace_json_time(struct sc_tbuf *b, const char *key, int64_t sec, int64_t nsec)
{
	tb_printf(b, ",\"%s\":%lld.%09lld", key, (long long)sec, (long long)nsec);
}

/* One JSON object per syscall: the decoded arguments are the text strace would print for
 * each, so a JSON line and a text line carry the same facts. */
void sc_trace_json_line(struct sc_tracer *tr, struct sc_trace_tls *tl, size_t args_end,
		      size_t ret_pos, size_t ret_end)
{
	struct sc_trace_call *c = &tl->call;
	struct sc_tbuf *j = &tl->json;
	const char *line = tl->line.p;
	char tmp[40];
	j->len = 0;
	j->lost = false;
	tb_printf(j, "{\"pid\":%d,\"tid\":%d", tr->pid, tl->tid);
	sc_trace_json_time(j, "time", c->wall.tv_sec, c->wall.tv_nsec);
	tb_puts(j, ",\"syscall\":");
	const char *name = sc_trace_sys_name(c, tmp, sizeof tmp);
	sc_trace_json_str(j, name, strlen(name));
	tb_printf(j, ",\"nr\":%llu,\"args\":[", (unsigned long long)c->nr);
	int n = c->nargs_printed;
	bool first = true;
	for (int i = 0; i < n; i++) {
		if (!(c->args_set & (1u << i))) /* left out by its decoder (futex's uaddr2...) */
			continue;
		int next = i + 1;
		while (next < n && !(c->args_set & (1u << next)))
			next++;
		size_t from = c->argpos[i];
		size_t to = next < n ? c->argpos[next] - 2 : args_end;
		if (!first)
			tb_putc(j, ',');
		first = false;
		tb_puts(j, "{\"name\":");
		const char *an = c->argname[i] ? c->argname[i] : "";
		sc_trace_json_str(j, an, strlen(an));
		tb_puts(j, ",\"value\":");
		sc_trace_json_str(j, line + from, to > from ? to - from : 0);
		tb_printf(j, ",\"raw\":%lld}", (long long)c->argraw[i]);
	}
	tb_puts(j, "],\"return\":");
	sc_trace_json_str(j, line + ret_pos, ret_end - ret_pos);
	if (ret_pos < ret_end && line[ret_pos] == '?')
		tb_puts(j, ",\"retval\":null");
	else
		tb_printf(j, ",\"retval\":%lld", (long long)(c->err ? -1 : c->ret));
	if (c->err) {
		const char *en = sc_errno_name(c->err);
		tb_puts(j, ",\"errno\":");
		sc_trace_json_str(j, en ? en : "", en ? strlen(en) : 0);
	} else {
		tb_puts(j, ",\"errno\":null");
	}
	sc_trace_json_time(j, "duration", c->dur_ns / 1000000000, c->dur_ns % 1000000000);
	tb_puts(j, "}\n");
	if (j->lost)
		sc_trace_lost(tr);
	else
		sc_trace_emit(tr, j->p, j->len);
}
