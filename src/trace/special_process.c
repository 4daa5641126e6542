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

/* The bytes [from, to) of a struct the kernel takes larger than it knows, when one is not
 * zero: a comment naming the range, then the bytes in hex (strace's print_nonzero_bytes). */
void ts_nonzero_tail(struct sc_tprint *tp, uint64_t addr, uint64_t from, uint64_t to)
{
	if (to > 4096)
		to = 4096;
	bool nonzero = false;
	for (uint64_t off = from; off < to && !nonzero; off++) {
		uint8_t v;
		if (!tp_read(tp, addr + off, &v, 1))
			return;
		nonzero = v != 0;
	}
	if (!nonzero)
		return;
	tb_printf(tp->b, ", /* bytes %llu..%llu */ ", (unsigned long long)from,
		  (unsigned long long)(to - 1));
	tp_str(tp, addr + from, to - from, TQ_HEX);
}

/* strace 6.1's table of clone flags has no CLONE_DETACHED (the kernel ignores it): 0x400000. */
#define CLONE_DETACHED_ 0x00400000ull

/* clone3's struct clone_args: what the kernel reads at entry; what it writes (pidfd,
 * parent_tid) after " => " at exit. */
static bool dec_clone3(struct sc_tprint *tp)
{
	struct sc_tbuf *b = tp->b;
	struct {
		uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
		uint64_t set_tid, set_tid_size, cgroup;
	} a = { 0 };
	uint64_t addr = ARG(0), size = ARG(1);
	uint64_t fetch = size < sizeof a ? size : sizeof a;
	enum { PIDFD = 0x1000, PARENT_SETTID = 0x100000 };
	if (tp->exiting) {
		if (tp->c->next_arg >= 2)
			return true;
		if (!tp->c->err) {
			if (!tp_read(tp, addr, &a, (size_t)fetch)) {
				tb_puts(b, " => ");
				tp_addr(tp, addr);
			} else {
				const char *sep = " => {";
				if (a.flags & PIDFD) {
					int32_t fd;
					tb_printf(b, "%spidfd=", sep);
					if (tp_read(tp, a.pidfd, &fd, 4)) {
						tb_putc(b, '[');
						tp_fd(tp, fd);
						tb_putc(b, ']');
					} else {
						tp_addr(tp, a.pidfd);
					}
					sep = ", ";
				}
				if (a.flags & PARENT_SETTID) {
					tb_printf(b, "%sparent_tid=", sep);
					tp_int_ptr(tp, a.parent_tid, false);
					sep = ", ";
				}
				if (*sep == ',')
					tb_putc(b, '}');
			}
		}
		ts_arg(tp, 1, TP_lu, NULL);
		return true;
	}
	tp_sep(tp, 0);
	tp->c->next_arg = 1;
	if (fetch < 64 || !tp_read(tp, addr, &a, (size_t)fetch)) {
		tp_addr(tp, addr);
		ts_arg(tp, 1, TP_lu, NULL);
		return true;
	}
	tb_puts(b, "{flags=");
	if (!a.flags) {
		tb_putc(b, '0');
	} else {
		bool any = false;
		uint64_t rest = tp_flag_names(tp, &sc_xlat_clone_flags, a.flags & ~CLONE_DETACHED_,
					      &any) | (a.flags & CLONE_DETACHED_);
		rest = tp_flag_names(tp, &sc_xlat_clone3_flags, rest, &any);
		if (rest) {
			if (any)
				tb_putc(b, '|');
			tb_hex(b, rest);
			if (!any)
				tb_puts(b, " /* CLONE_??? */");
		}
	}
	if (a.flags & PIDFD) {
		tb_puts(b, ", pidfd=");
		tp_addr(tp, a.pidfd);
	}
	if (a.flags & 0x01200000) { /* CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID */
		tb_puts(b, ", child_tid=");
		tp_addr(tp, a.child_tid);
	}
	if (a.flags & PARENT_SETTID) {
		tb_puts(b, ", parent_tid=");
		tp_addr(tp, a.parent_tid);
	}
	tb_puts(b, ", exit_signal=");
	if (a.exit_signal < 0x7fffffff)
		tp_signame(tp, (int)a.exit_signal);
	else
		tb_udec(b, a.exit_signal);
	tb_puts(b, ", stack=");
	tp_addr(tp, a.stack);
	tb_puts(b, ", stack_size=");
	tb_hex(b, a.stack_size);
	if (a.flags & 0x00080000) { /* CLONE_SETTLS */
		tb_puts(b, ", tls=");
		tp_addr(tp, a.tls);
	}
	if (a.set_tid || a.set_tid_size) {
		tb_puts(b, ", set_tid=");
		if (!a.set_tid || !a.set_tid_size || a.set_tid_size > 32) {
			tp_addr(tp, a.set_tid);
		} else {
			tb_putc(b, '[');
			for (uint64_t i = 0; i < a.set_tid_size; i++) {
				int32_t v;
				if (i)
					tb_puts(b, ", ");
				if (tp_array_cut(tp, b, i))
					break;
				if (!tp_read(tp, a.set_tid + i * 4, &v, 4)) {
					tb_puts(b, "...");
					break;
				}
				tb_dec(b, v);
			}
			tb_putc(b, ']');
		}
		tb_printf(b, ", set_tid_size=%llu", (unsigned long long)a.set_tid_size);
	}
	if (fetch > 80 && (a.cgroup || (a.flags & 0x200000000ull))) /* CLONE_INTO_CGROUP */
		tb_printf(b, ", cgroup=%llu", (unsigned long long)a.cgroup);
	if (size > fetch)
		ts_nonzero_tail(tp, addr, fetch, size);
	tb_putc(b, '}');
	if (a.flags & (PIDFD | PARENT_SETTID))
		return false;
	ts_arg(tp, 1, TP_lu, NULL);
	return true;
}

/* strace prints the stack and the flags at entry, the pointers at exit (split there by -f). */
bool ts_dec_clone(struct sc_tprint *tp)
{
	if (tp->c->sys->meta->name[5]) /* clone3 */
		return dec_clone3(tp);
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
		uint64_t rest = tp_flag_names(tp, &sc_xlat_clone_flags, f & ~CLONE_DETACHED_, &any) |
				(f & CLONE_DETACHED_);
		if (rest) {
			if (any)
				tb_putc(b, '|');
			tb_hex(b, rest);
			if (!any)
				tb_puts(b, " /* CLONE_??? */");
		}
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
	if (flags & (0x00100000 | 0x00001000 | 0x01000000 | 0x00200000 | 0x00080000)) {
		tp->c->next_arg = 2;
		return false;
	}
	tp->c->next_arg = 5;
	return true;
pointers:
	/* what the call wrote at parent_tid: the child's tid, or (CLONE_PIDFD) its pidfd */
	if (flags & (0x00100000 | 0x00001000)) { /* CLONE_PARENT_SETTID|CLONE_PIDFD */
		tb_puts(b, ", parent_tid=");
		int32_t v;
		if (tp->c->err) { /* strace reads it only after a success */
			tp_addr(tp, ARG(2));
		} else if (flags & 0x00100000) {
			tp_int_ptr(tp, ARG(2), false);
		} else if (ARG(2) && tp_read(tp, ARG(2), &v, 4)) {
			tb_putc(b, '[');
			tp_fd(tp, v);
			tb_putc(b, ']');
		} else {
			tp_addr(tp, ARG(2));
		}
	}
	if (flags & 0x00080000) { /* CLONE_SETTLS */
		tb_puts(b, ", tls=");
		tp_addr(tp, tls);
	}
	if (flags & (0x01000000 | 0x00200000)) { /* CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID */
		tb_puts(b, ", child_tidptr=");
		tp_addr(tp, ctid);
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

/* FUTEX_WAKE_OP's val3: FUTEX_OP_SET<<28|0x1<<12|FUTEX_OP_CMP_GT<<24|0 (strace 6.1's form). */
static void print_futex_wake_op(struct sc_tprint *tp, uint32_t v)
{
	struct sc_tbuf *b = tp->b;
	if (v >> 31)
		tb_puts(b, "FUTEX_OP_OPARG_SHIFT<<28|");
	const char *n = tp_xlat_name(tp, &sc_xlat_futex_wake_ops, (v >> 28) & 7);
	if (n)
		tb_printf(b, "%s<<28|", n);
	else
		tb_printf(b, "%#x<<28 /* FUTEX_OP_??? */|", (v >> 28) & 7);
	tb_hex(b, (v >> 12) & 0xfff);
	tb_puts(b, "<<12|");
	n = tp_xlat_name(tp, &sc_xlat_futex_wake_cmps, (v >> 24) & 0xf);
	if (n)
		tb_printf(b, "%s<<24|", n);
	else
		tb_printf(b, "%#x<<24 /* FUTEX_OP_CMP_??? */|", (v >> 24) & 0xf);
	tb_hex(b, v & 0xfff);
}

/* The arguments after the op depend on its command (strace's futex.c). */
bool ts_dec_futex(struct sc_tprint *tp)
{
	if (tp->exiting)
		return true;
	enum { VAL = 1, TIMEOUT = 2, VAL2 = 4, UADDR2 = 8, VAL3_U = 16, VAL3_BITSET = 32,
	       VAL3_OP = 64, RAW = 128 };
	static const uint8_t shown[14] = {
		[0] = VAL | TIMEOUT,                        /* FUTEX_WAIT */
		[1] = VAL, [2] = VAL,                       /* FUTEX_WAKE, FUTEX_FD */
		[3] = VAL | VAL2 | UADDR2,                  /* FUTEX_REQUEUE */
		[4] = VAL | VAL2 | UADDR2 | VAL3_U,         /* FUTEX_CMP_REQUEUE */
		[5] = VAL | VAL2 | UADDR2 | VAL3_OP,        /* FUTEX_WAKE_OP */
		[6] = TIMEOUT,                              /* FUTEX_LOCK_PI */
		[7] = 0, [8] = 0,                           /* FUTEX_UNLOCK_PI, FUTEX_TRYLOCK_PI */
		[9] = VAL | TIMEOUT | VAL3_BITSET,          /* FUTEX_WAIT_BITSET */
		[10] = VAL | VAL3_BITSET,                   /* FUTEX_WAKE_BITSET */
		[11] = VAL | TIMEOUT | UADDR2,              /* FUTEX_WAIT_REQUEUE_PI */
		[12] = VAL | VAL2 | UADDR2 | VAL3_U,        /* FUTEX_CMP_REQUEUE_PI */
		[13] = TIMEOUT,                             /* FUTEX_LOCK_PI2 */
	};
	unsigned cmd = (uint32_t)ARG(1) & 127;
	unsigned what = cmd < sizeof shown ? shown[cmd] : (VAL | RAW | UADDR2);
	ts_arg(tp, 0, TP_ptr, NULL);
	ts_arg(tp, 1, TP_enum, &sc_xlat_futex_ops);
	if (what & VAL)
		ts_arg(tp, 2, TP_u, NULL);
	if (what & TIMEOUT)
		ts_arg(tp, 3, TP_timespec, NULL);
	else if (what & VAL2)
		ts_arg(tp, 3, TP_u, NULL);
	else if (what & RAW)
		ts_arg(tp, 3, TP_ptr, NULL);
	if (what & UADDR2)
		ts_arg(tp, 4, TP_ptr, NULL);
	if (what & VAL3_U) {
		ts_arg(tp, 5, TP_u, NULL);
	} else if (what & VAL3_BITSET) {
		ts_arg(tp, 5, TP_enum, &sc_xlat_futex_bitset);
	} else if (what & VAL3_OP) {
		tp_sep(tp, 5);
		print_futex_wake_op(tp, (uint32_t)ARG(5));
	} else if (what & RAW) {
		tp_sep(tp, 5);
		tb_hex(tp->b, (uint32_t)ARG(5));
	}
	tp->c->next_arg = 6;
	return true;
}
