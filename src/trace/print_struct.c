/* Argument printers for the other structs: sigaction, rlimit, stack_t, utsname, sysinfo,
 * rusage, tms, itimerval, epoll_event, sched_param, and an int or id behind a pointer. */
#include "print.h"

#include <string.h>

#include "xlat.h"

void tp_handler(struct sc_tprint *tp, uint64_t h)
{
	const char *n = tp_xlat_name(tp, &sc_xlat_sa_handlers, h);
	if (n)
		tb_puts(tp->b, n);
	else
		tp_addr(tp, h);
}

void tp_sigaction(struct sc_tprint *tp, uint64_t addr)
{
	struct { uint64_t handler, flags, restorer, mask; } sa;
	if (!addr) {
		tb_puts(tp->b, "NULL");
		return;
	}
	if (!tp_read(tp, addr, &sa, sizeof sa)) {
		tp_addr(tp, addr);
		return;
	}
	struct sc_tbuf *b = tp->b;
	tb_puts(b, "{sa_handler=");
	tp_handler(tp, sa.handler);
	tb_puts(b, ", sa_mask=");
	tp_sigmask(b, tp, sa.mask, 8);
	tb_puts(b, ", sa_flags=");
	tp_xlat_flags(tp, &sc_xlat_sa_flags, sa.flags);
	if (sa.flags & 0x04000000) {
		tb_puts(b, ", sa_restorer=");
		tp_addr(tp, sa.restorer);
	}
	tb_putc(b, '}');
}

static void print_rlim(struct sc_tbuf *b, uint64_t v)
{
	if (v == ~0ull)
		tb_puts(b, "RLIM64_INFINITY");
	else if (v > 1024 && v % 1024 == 0)
		tb_printf(b, "%llu*1024", (unsigned long long)(v / 1024));
	else
		tb_udec(b, v);
}

void tp_rlimit(struct sc_tprint *tp, uint64_t addr)
{
	uint64_t r[2];
	if (!addr) {
		tb_puts(tp->b, "NULL");
		return;
	}
	if (!tp_read(tp, addr, r, sizeof r)) {
		tp_addr(tp, addr);
		return;
	}
	tb_puts(tp->b, "{rlim_cur=");
	print_rlim(tp->b, r[0]);
	tb_puts(tp->b, ", rlim_max=");
	print_rlim(tp->b, r[1]);
	tb_putc(tp->b, '}');
}

void tp_stack(struct sc_tprint *tp, uint64_t addr)
{
	struct { uint64_t sp; int32_t flags, pad; uint64_t size; } s;
	if (!addr) {
		tb_puts(tp->b, "NULL");
		return;
	}
	if (!tp_read(tp, addr, &s, sizeof s)) {
		tp_addr(tp, addr);
		return;
	}
	tb_puts(tp->b, "{ss_sp=");
	tp_addr(tp, s.sp);
	tb_puts(tp->b, ", ss_flags=");
	tp_xlat_flags(tp, &sc_xlat_ss_flags, (uint32_t)s.flags);
	tb_printf(tp->b, ", ss_size=%llu}", (unsigned long long)s.size);
}

static void print_utsname_field(struct sc_tprint *tp, const char *name, const char *v, bool first)
{
	if (!first)
		tb_puts(tp->b, ", ");
	tb_puts(tp->b, name);
	tb_putc(tp->b, '=');
	size_t n = strnlen(v, 65);
	tp_quoted(tp->b, (const uint8_t *)v, n, 0, tp->tr->xflag, NULL);
}

void tp_utsname(struct sc_tprint *tp, uint64_t addr)
{
	char u[6][65];
	if (!tp_read(tp, addr, u, sizeof u)) {
		tp_addr(tp, addr);
		return;
	}
	for (int i = 0; i < 6; i++)
		u[i][64] = 0;
	tb_putc(tp->b, '{');
	print_utsname_field(tp, "sysname", u[0], true);
	print_utsname_field(tp, "nodename", u[1], false);
	if (!tp_verbose(tp)) {
		tb_puts(tp->b, ", ...}");
		return;
	}
	print_utsname_field(tp, "release", u[2], false);
	print_utsname_field(tp, "version", u[3], false);
	print_utsname_field(tp, "machine", u[4], false);
	print_utsname_field(tp, "domainname", u[5], false);
	tb_putc(tp->b, '}');
}

void tp_sysinfo(struct sc_tprint *tp, uint64_t addr)
{
	struct {
		int64_t uptime;
		uint64_t loads[3], totalram, freeram, sharedram, bufferram, totalswap, freeswap;
		uint16_t procs, pad;
		uint32_t pad2;
		uint64_t totalhigh, freehigh;
		uint32_t mem_unit;
	} s;
	if (!tp_read(tp, addr, &s, sizeof s)) {
		tp_addr(tp, addr);
		return;
	}
	tb_printf(tp->b, "{uptime=%lld, loads=[%llu, %llu, %llu], totalram=%llu, freeram=%llu, "
			 "sharedram=%llu, bufferram=%llu, totalswap=%llu, freeswap=%llu, procs=%u, "
			 "totalhigh=%llu, freehigh=%llu, mem_unit=%u}",
		  (long long)s.uptime, (unsigned long long)s.loads[0], (unsigned long long)s.loads[1],
		  (unsigned long long)s.loads[2], (unsigned long long)s.totalram,
		  (unsigned long long)s.freeram, (unsigned long long)s.sharedram,
		  (unsigned long long)s.bufferram, (unsigned long long)s.totalswap,
		  (unsigned long long)s.freeswap, s.procs, (unsigned long long)s.totalhigh,
		  (unsigned long long)s.freehigh, s.mem_unit);
}

void tp_rusage(struct sc_tprint *tp, uint64_t addr)
{
	struct { int64_t ut[2], st[2]; int64_t f[14]; } r;
	if (!tp_read(tp, addr, &r, sizeof r)) {
		tp_addr(tp, addr);
		return;
	}
	struct sc_tbuf *b = tp->b;
	tb_puts(b, "{ru_utime=");
	tp_tv_val(b, r.ut[0], r.ut[1]);
	tb_puts(b, ", ru_stime=");
	tp_tv_val(b, r.st[0], r.st[1]);
	if (!tp_verbose(tp)) {
		tb_puts(b, ", ...}");
		return;
	}
	static const char *const names[14] = { "ru_maxrss", "ru_ixrss", "ru_idrss", "ru_isrss",
		"ru_minflt", "ru_majflt", "ru_nswap", "ru_inblock", "ru_oublock", "ru_msgsnd",
		"ru_msgrcv", "ru_nsignals", "ru_nvcsw", "ru_nivcsw" };
	for (int i = 0; i < 14; i++)
		tb_printf(b, ", %s=%lld", names[i], (long long)r.f[i]);
	tb_putc(b, '}');
}

void tp_tms(struct sc_tprint *tp, uint64_t addr)
{
	int64_t t[4];
	if (!tp_read(tp, addr, t, sizeof t)) {
		tp_addr(tp, addr);
		return;
	}
	tb_printf(tp->b, "{tms_utime=%lld, tms_stime=%lld, tms_cutime=%lld, tms_cstime=%lld}",
		  (long long)t[0], (long long)t[1], (long long)t[2], (long long)t[3]);
}

void tp_itimerval(struct sc_tprint *tp, uint64_t addr)
{
	int64_t v[4];
	if (!addr) {
		tb_puts(tp->b, "NULL");
		return;
	}
	if (!tp_read(tp, addr, v, sizeof v)) {
		tp_addr(tp, addr);
		return;
	}
	tb_puts(tp->b, "{it_interval=");
	tp_tv_val(tp->b, v[0], v[1]);
	tb_puts(tp->b, ", it_value=");
	tp_tv_val(tp->b, v[2], v[3]);
	tb_putc(tp->b, '}');
}

void tp_int_ptr(struct sc_tprint *tp, uint64_t addr, bool uid)
{
	uint8_t raw[4];
	if (!addr) {
		tb_puts(tp->b, "NULL");
		return;
	}
	if (!tp_read(tp, addr, raw, sizeof raw)) {
		tp_addr(tp, addr);
		return;
	}
	int32_t v;
	memcpy(&v, raw, sizeof v);
	tb_putc(tp->b, '[');
	if (uid && v != -1)
		tb_udec(tp->b, (uint32_t)v);
	else
		tb_dec(tp->b, (int64_t)v);
	tb_putc(tp->b, ']');
}

void tp_epoll_event(struct sc_tprint *tp, uint64_t addr)
{
	uint32_t events;
	uint64_t data;
	if (!addr) {
		tb_puts(tp->b, "NULL");
		return;
	}
	bool ok = tp->arch == SC_XA_ARM64
		? tp_read(tp, addr, &events, 4) && tp_read(tp, addr + 8, &data, 8)
		: tp_read(tp, addr, &events, 4) && tp_read(tp, addr + 4, &data, 8);
	if (!ok) {
		tp_addr(tp, addr);
		return;
	}
	tb_puts(tp->b, "{events=");
	tp_xlat_flags(tp, &sc_xlat_epoll_events, events);
	tb_printf(tp->b, ", data={u32=%u, u64=%llu}}", (uint32_t)data, (unsigned long long)data);
}

void tp_sched_param(struct sc_tprint *tp, uint64_t addr)
{
	int32_t v;
	if (!tp_read(tp, addr, &v, sizeof v)) {
		tp_addr(tp, addr);
		return;
	}
	tb_printf(tp->b, "[%d]", v);
}
