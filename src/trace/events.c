/* The lines outside syscalls: "--- SIGxxx {siginfo} ---" for a signal the guest receives
 * (and strace's split of a sleep such a signal natively cut short), and at the end "+++ exited with N +++" or "+++ killed by SIGxxx +++" (with the siginfo of
 * what killed it: a fault, a kill, or the kernel). */
#include "internal.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../sig.h"
#include "xlat.h"

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
	if (b.lost)
		sc_trace_lost(tr);
	else
		sc_trace_whole_line(tr, 0, b.p, "signal", fields);
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

uint64_t sc_trace_signals_shown(struct sc_process *p)
{
	struct sc_tracer *tr = p->tracer;
	return tr && !(tr->flags & SC_TRACE_F_SUMMARY) ? tr->sig_sel : 0;
}

int sc_trace_cut_short(struct sc_tracer *tr, struct sc_thread *t, const struct sc_trace_call *c)
{
	const struct sc_trace_sys *s = c->sys;
	if (__builtin_expect(s->special != TS_nanosleep && s->special != TS_poll, 1))
		return -1;
	/* Only where the lines have their plain text form; only a sleep that ran to its end: one
	 * that ended early (data came, a handled signal) may have done so before the signal. */
	if (c->ret != 0 || (tr->flags & (SC_TRACE_F_JSON | SC_TRACE_F_SUCCESS | SC_TRACE_F_FAILED)))
		return -1;
	int kind = SC_EINTR_BLOCK;
	if (s->special == TS_poll && (int32_t)c->args[2] <= 0)
		return -1; /* no sleep, or no timeout to run to its end */
	/* clock_nanosleep to an absolute time is made again, not resumed */
	if (s->special == TS_nanosleep && s->meta->name[0] == 'c' && (c->args[1] & 1 /* TIMER_ABSTIME */))
		kind = SC_EINTR_NOHAND;
	return sc_sig_traced_came(t) ? kind : -1;
}

void sc_trace_resumed_line(struct sc_tracer *tr, const struct sc_trace_call *c)
{
	if (!sc_trace_name_selected(tr, "restart_syscall"))
		return;
	struct sc_tbuf b = { 0 };
	sc_trace_leader_now(tr, &b);
	tb_printf(&b, "restart_syscall(<... resuming interrupted %s ...>) ", c->sys->meta->name);
	while (b.len < (size_t)tr->column)
		tb_putc(&b, ' ');
	tb_printf(&b, "= %lld", (long long)c->ret);
	if (tr->flags & SC_TRACE_F_DURATION)
		tb_puts(&b, " <0.000000>"); /* the time was the interrupted line's */
	tb_putc(&b, '\n');
	if (b.lost)
		sc_trace_lost(tr);
	else
		sc_trace_emit_line(tr, b.p, b.len);
	free(b.p);
}

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
	/* the "+++" line of each thread, the process's first last (as strace prints them) */
	char text[64], t1[16], fields[64];
	const char *event;
	if (p->exit.signal) {
		const char *sn = signame(p->exit.signal, t1, sizeof t1);
		snprintf(text, sizeof text, "+++ killed by %s +++", sn);
		snprintf(fields, sizeof fields, ",\"signal\":\"%s\"", sn);
		event = "killed";
	} else {
		snprintf(text, sizeof text, "+++ exited with %d +++", p->exit.status);
		snprintf(fields, sizeof fields, ",\"status\":%d", p->exit.status);
		event = "exited";
	}
	bool quiet = tr->flags & (SC_TRACE_F_SUMMARY | SC_TRACE_F_QUIET_EXIT);
	sc_trace_tasks_end(tr, quiet ? NULL : text, event, fields);
	if (!quiet)
		sc_trace_whole_line(tr, tr->pid, text, event, fields);
	sc_trace_detach(tr);
	if (tr->flags & (SC_TRACE_F_SUMMARY | SC_TRACE_F_SUMMARY_TOO))
		sc_trace_summary(tr, p);
	sc_trace_out_flush(tr);
	if (tr->flags & SC_TRACE_F_FF) /* -ff: the process's own output ends too */
		sc_trace_ff_end(tr, tr->pid);
	unsigned long lost = __atomic_load_n(&tr->lost, __ATOMIC_RELAXED);
	if (lost)
		sc_warn(p, "trace: %lu line%s lost: out of memory", lost, lost == 1 ? "" : "s");
}
