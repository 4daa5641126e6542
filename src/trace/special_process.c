/* Special decoders for process calls: prctl, arch_prctl, rt_sigreturn, scheduler and
 * affinity, credentials and groups, nanosleep, wait4 and its status, clone and execve. */
#include "special.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../arch/arch.h"
#include "xlat.h"

/* ------------------------------------------------------------------ process */

bool ts_dec_prctl(struct sc_tprint *tp)
{
	uint32_t opt = (uint32_t)ARG(0);
	if (!tp->exiting)
		ts_arg(tp, 0, TP_enum, &sc_xlat_prctl_options);
	switch (opt) {
	case 15: /* PR_SET_NAME */
		if (!tp->exiting)
			ts_arg(tp, 1, TP_str, NULL);
		return true;
	case 16: /* PR_GET_NAME */
		if (!tp->exiting)
			return false;
		tp_sep(tp, 1);
		if (tp->c->err)
			tp_addr(tp, ARG(1));
		else
			tp_str(tp, ARG(1), 16, TQ_NUL);
		return true;
	case 1: /* PR_SET_PDEATHSIG */
		if (!tp->exiting)
			ts_arg(tp, 1, TP_signo, NULL);
		return true;
	case 2: /* PR_GET_PDEATHSIG */
		if (!tp->exiting)
			return false;
		ts_arg_out(tp, 1, TP_int_ptr, NULL);
		return true;
	case 3: case 7: case 19: case 21: case 30: case 37: case 39: case 42: case 46: case 58:
		/* getters without arguments */
		return true;
	case 4: case 8: case 29: case 36: case 38: case 41:
		if (!tp->exiting) {
			ts_arg(tp, 1, TP_lu, NULL);
			if (opt == 38 || opt == 41)
				for (int i = 2; i < 5; i++)
					ts_arg(tp, i, TP_lu, NULL);
		}
		return true;
	default:
		if (!tp->exiting)
			for (int i = 1; i < 5; i++)
				ts_arg(tp, i, TP_x, NULL);
		return true;
	}
}

bool ts_dec_arch_prctl(struct sc_tprint *tp)
{
	uint32_t code = (uint32_t)ARG(0);
	if (!tp->exiting)
		ts_arg(tp, 0, TP_enum, &sc_xlat_arch_prctl_codes);
	if (code == 0x1003 || code == 0x1004) { /* ARCH_GET_FS/GS */
		if (!tp->exiting)
			return false;
		tp_sep(tp, 1);
		uint64_t v;
		if (tp->c->err || !tp_read(tp, ARG(1), &v, 8)) {
			tp_addr(tp, ARG(1));
		} else {
			tb_putc(tp->b, '[');
			tb_hex(tp->b, v);
			tb_putc(tp->b, ']');
		}
		return true;
	}
	if (!tp->exiting)
		ts_arg(tp, 1, TP_x, NULL);
	return true;
}

/* rt_sigreturn({mask=[...]}): the mask of the frame the call restores, at the guest's SP. */
bool ts_dec_rt_sigreturn(struct sc_tprint *tp)
{
	if (tp->exiting)
		return true;
	uint64_t sp = 0, m;
	uc_reg_read(tp->t->uc, tp->p->arch->sp_reg, &sp);
	uint64_t at = sp + (tp->arch == SC_XA_ARM64 ? 168 : 296);
	/* the call "returns" the frame's rax / x0 */
	uint64_t ret_at = sp + (tp->arch == SC_XA_ARM64 ? 312 : 144);
	if (!tp_read(tp, ret_at, &tp->c->saved[0], 8))
		tp->c->saved[0] = 0;
	tp_sep(tp, 0);
	tb_puts(tp->b, "{mask=");
	if (tp_read(tp, at, &m, 8))
		tp_sigset(tp, at, 8);
	else
		tp_addr(tp, at);
	tb_putc(tp->b, '}');
	tp->c->next_arg = 1;
	return true;
}

bool ts_dec_sched_getscheduler(struct sc_tprint *tp)
{
	if (!tp->exiting) {
		ts_arg(tp, 0, TP_d, NULL);
		return true;
	}
	const char *n = tp->c->err ? NULL : tp_xlat_name(tp, &sc_xlat_sched_policies,
							 (uint64_t)tp->c->ret & ~0x40000000ull);
	if (n) {
		if (tp->c->ret & 0x40000000) {
			snprintf(tp->c->auxbuf, sizeof tp->c->auxbuf, "%s|SCHED_RESET_ON_FORK", n);
			tp->c->aux = tp->c->auxbuf;
		} else {
			ts_set_aux(tp, n);
		}
	}
	return true;
}

bool ts_dec_getresid(struct sc_tprint *tp)
{
	if (!tp->exiting)
		return false;
	for (int i = 0; i < 3; i++)
		ts_arg_out(tp, i, TP_uid_ptr, NULL);
	return true;
}

bool ts_dec_getgroups(struct sc_tprint *tp)
{
	if (!tp->exiting) {
		ts_arg(tp, 0, TP_d, NULL);
		return false;
	}
	tp_sep(tp, 1);
	if (tp->c->err || !ARG(0)) {
		tp_addr(tp, ARG(1));
	} else {
		struct sc_trace_arg a = { TP_gid_list, -1, NULL };
		uint64_t save = tp->c->args[0];
		tp->c->args[0] = (uint64_t)tp->c->ret;
		a.param = 0;
		tp_arg(tp, 1, &a);
		tp->c->args[0] = save;
	}
	return true;
}

static void print_cpuset(struct sc_tprint *tp, uint64_t addr, uint64_t bytes)
{
	if (!addr) {
		tb_puts(tp->b, "NULL");
		return;
	}
	tb_putc(tp->b, '[');
	bool first = true;
	for (uint64_t i = 0; i < bytes; i++) {
		uint8_t v;
		if (!tp_read(tp, addr + i, &v, 1))
			break;
		for (int bit = 0; bit < 8; bit++)
			if (v & (1u << bit)) {
				if (!first)
					tb_putc(tp->b, ' ');
				first = false;
				tb_udec(tp->b, i * 8 + (uint64_t)bit);
			}
	}
	tb_putc(tp->b, ']');
}

bool ts_dec_sched_affinity(struct sc_tprint *tp)
{
	bool get = strcmp(tp->c->sys->meta->name, "sched_getaffinity") == 0;
	if (!tp->exiting) {
		ts_arg(tp, 0, TP_d, NULL);
		ts_arg(tp, 1, TP_u, NULL);
		if (get)
			return false;
		tp_sep(tp, 2);
		print_cpuset(tp, ARG(2), (uint32_t)ARG(1));
		return true;
	}
	if (!get)
		return true;
	tp_sep(tp, 2);
	if (tp->c->err)
		tp_addr(tp, ARG(2));
	else
		print_cpuset(tp, ARG(2), (uint64_t)tp->c->ret);
	return true;
}

bool ts_dec_nanosleep(struct sc_tprint *tp)
{
	int base = strcmp(tp->c->sys->meta->name, "clock_nanosleep") == 0 ? 2 : 0;
	if (!tp->exiting) {
		if (base) {
			ts_arg(tp, 0, TP_clockid, NULL);
			ts_arg(tp, 1, TP_flags, &sc_xlat_timer_flags);
		}
		ts_arg(tp, base, TP_timespec, NULL);
		return false;
	}
	tp_sep(tp, base + 1);
	if (tp->c->err == 4 /* EINTR */)
		tp_timespec(tp, ARG(base + 1));
	else
		tp_addr(tp, ARG(base + 1));
	return true;
}

static void print_wstatus(struct sc_tbuf *b, int s, struct sc_tprint *tp)
{
	if ((s & 0x7f) == 0) {
		tb_printf(b, "[{WIFEXITED(s) && WEXITSTATUS(s) == %d", (s >> 8) & 0xff);
	} else if (((s & 0x7f) + 1) >> 1 > 0 && (s & 0xff) != 0x7f) {
		tb_puts(b, "[{WIFSIGNALED(s) && WTERMSIG(s) == ");
		tp_signame(tp, s & 0x7f);
		if (s & 0x80)
			tb_puts(b, " && WCOREDUMP(s)");
	} else {
		tb_puts(b, "[{WIFSTOPPED(s) && WSTOPSIG(s) == ");
		tp_signame(tp, (s >> 8) & 0xff);
	}
	tb_puts(b, "}]");
}

bool ts_dec_wait4(struct sc_tprint *tp)
{
	if (!tp->exiting) {
		ts_arg(tp, 0, TP_d, NULL);
		return false;
	}
	tp_sep(tp, 1);
	int32_t s;
	if (!ARG(1))
		tb_puts(tp->b, "NULL");
	else if (tp->c->err || tp->c->ret == 0 || !tp_read(tp, ARG(1), &s, 4))
		tp_addr(tp, ARG(1));
	else
		print_wstatus(tp->b, s, tp);
	ts_arg(tp, 2, TP_flags, &sc_xlat_wait_options);
	ts_arg_out(tp, 3, TP_rusage, NULL);
	return true;
}

/* strace prints the stack and the flags at entry, the pointers at exit (split there by -f). */
bool ts_dec_clone(struct sc_tprint *tp)
{
	struct sc_tbuf *b = tp->b;
	uint64_t flags = ARG(0);
	bool arm = tp->arch == SC_XA_ARM64;
	uint64_t ctid = arm ? ARG(4) : ARG(3), tls = arm ? ARG(3) : ARG(4);
	if (tp->exiting) {
		if (tp->c->next_arg >= 5)
			return true;
		goto pointers;
	}
	tp_sep(tp, 0);
	tb_puts(b, "child_stack=");
	tp_addr(tp, ARG(1));
	tb_puts(b, ", flags=");
	bool any = false;
	uint64_t f = flags & ~0xffull;
	if (f) {
		struct sc_tbuf t = { 0 };
		struct sc_tprint t2 = *tp;
		t2.b = &t;
		tp_xlat_flags(&t2, &sc_xlat_clone_flags, f);
		if (t.lost)
			b->lost = true;
		else
			tb_puts(b, t.p);
		free(t.p);
		any = true;
	}
	if (flags & 0xff) {
		if (any)
			tb_putc(b, '|');
		tp_signame(tp, (int)(flags & 0xff));
		any = true;
	}
	if (!any)
		tb_putc(b, '0');
	if (flags & (0x00100000 | 0x01000000 | 0x00200000 | 0x00080000)) {
		tp->c->next_arg = 2;
		return false;
	}
	tp->c->next_arg = 5;
	return true;
pointers:
	if (flags & 0x00100000) { /* CLONE_PARENT_SETTID */
		tb_puts(b, ", parent_tid=");
		tp_addr(tp, ARG(2));
	}
	if (flags & (0x01000000 | 0x00200000)) { /* CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID */
		tb_puts(b, ", child_tidptr=");
		tp_addr(tp, ctid);
	}
	if (flags & 0x00080000) { /* CLONE_SETTLS */
		tb_puts(b, ", tls=");
		tp_addr(tp, tls);
	}
	tp->c->next_arg = 5;
	return true;
}

bool ts_dec_execve(struct sc_tprint *tp)
{
	if (tp->exiting)
		return true;
	int base = strcmp(tp->c->sys->meta->name, "execveat") == 0;
	if (base)
		ts_arg(tp, 0, TP_dirfd, NULL);
	ts_arg(tp, base, TP_path, NULL);
	ts_arg(tp, base + 1, TP_argv, NULL);
	ts_arg(tp, base + 2, TP_envp, NULL);
	if (base)
		ts_arg(tp, 4, TP_flags, &sc_xlat_at_flags);
	return true;
}
