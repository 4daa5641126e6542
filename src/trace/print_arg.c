/* The argument dispatcher: the printer a rule or type tag names, applied to argument i. */
#include "print.h"

#include "xlat.h"

/* ------------------------------------------------------------------ the dispatcher */

void tp_arg(struct sc_tprint *tp, int i, const struct sc_trace_arg *a)
{
	struct sc_tbuf *b = tp->b;
	const struct sc_trace_call *c = tp->c;
	uint64_t v = c->args[i];
	uint64_t pv = a->param >= 0 && a->param < 6 ? c->args[a->param] : 0;
	switch ((enum sc_trace_printer)a->printer) {
	case TP_none: break;
	case TP_d: tb_dec(b, (int32_t)v); break;
	case TP_u: tb_udec(b, (uint32_t)v); break;
	case TP_ld: tb_dec(b, (int64_t)v); break;
	case TP_lu: tb_udec(b, v); break;
	case TP_x: tb_hex(b, v); break;
	case TP_o: tb_printf(b, "%#llo", (unsigned long long)v); break;
	case TP_fd: tp_fd(tp, (int32_t)v); break;
	case TP_dirfd: tp_dirfd(tp, (int32_t)v); break;
	case TP_dirfd_or_fd: tp_dirfd(tp, (int32_t)v); break;
	case TP_uid:
		if ((uint32_t)v == 0xffffffffu)
			tb_puts(b, "-1");
		else
			tb_udec(b, (uint32_t)v);
		break;
	case TP_mode:
	case TP_umask: tp_oct03(b, (uint32_t)v); break;
	case TP_smode: tp_smode(tp, (uint32_t)v); break;
	case TP_ptr: tp_addr(tp, v); break;
	case TP_path: tp_path(tp, v); break;
	case TP_str: tp_str(tp, v, ~0ull, TQ_NUL); break;
	case TP_ibuf: tp_str(tp, v, a->param >= 0 ? pv : c->args[i + 1], 0); break;
	case TP_obuf: tp_str(tp, v, (uint64_t)c->ret, 0); break;
	case TP_obuf_hex: tp_str(tp, v, (uint64_t)c->ret, TQ_HEX); break;
	case TP_obuf_str: tp_str(tp, v, (uint64_t)c->ret, TQ_NUL); break;
	case TP_iov: tp_print_iov(tp, v, a->param >= 0 ? pv : c->args[i + 1], true, ~0ull); break;
	case TP_flags: tp_xlat_flags(tp, a->xlat, (uint32_t)v); break;
	case TP_enum:
		if (tp_xlat_name(tp, a->xlat, (uint64_t)(int64_t)(int32_t)v))
			tb_puts(b, tp_xlat_name(tp, a->xlat, (uint64_t)(int64_t)(int32_t)v));
		else
			tp_xlat_enum(tp, a->xlat, (uint32_t)v);
		break;
	case TP_oflags: tp_open_flags(tp, v); break;
	case TP_mflags: tp_mmap_flags(tp, v); break;
	case TP_signo: tp_signame(tp, (int32_t)v); break;
	case TP_sigset: tp_sigset(tp, v, a->param >= 0 ? pv : 8); break;
	case TP_stat: tp_stat(tp, v); break;
	case TP_statx: tp_statx(tp, v); break;
	case TP_statfs: tp_statfs(tp, v); break;
	case TP_timespec: tp_timespec(tp, v); break;
	case TP_timeval: tp_timeval(tp, v); break;
	case TP_sigaction: tp_sigaction(tp, v); break;
	case TP_rlimit: tp_rlimit(tp, v); break;
	case TP_pollfd: tp_addr(tp, v); break;
	case TP_fdset: tp_addr(tp, v); break;
	case TP_argv: tp_argv(tp, v, false); break;
	case TP_envp: tp_argv(tp, v, true); break;
	case TP_utimens: tp_utimens(tp, v); break;
	case TP_timevals: tp_timevals(tp, v); break;
	case TP_int_ptr: tp_int_ptr(tp, v, false); break;
	case TP_uid_ptr: tp_int_ptr(tp, v, true); break;
	case TP_fd_pair: tp_fd_pair(tp, v); break;
	case TP_stack: tp_stack(tp, v); break;
	case TP_utsname: tp_utsname(tp, v); break;
	case TP_sysinfo: tp_sysinfo(tp, v); break;
	case TP_rusage: tp_rusage(tp, v); break;
	case TP_tms: tp_tms(tp, v); break;
	case TP_sched_param: tp_sched_param(tp, v); break;
	case TP_cpuset: tp_addr(tp, v); break;
	case TP_dirents: tp_dirents(tp, v); break;
	case TP_epoll_event: tp_epoll_event(tp, v); break;
	case TP_epoll_events: tp_addr(tp, v); break;
	case TP_itimerval: tp_itimerval(tp, v); break;
	case TP_itimerspec: {
		int64_t t[4];
		if (!v) {
			tb_puts(b, "NULL");
		} else if (!tp_read(tp, v, t, sizeof t)) {
			tp_addr(tp, v);
		} else {
			tb_puts(b, "{it_interval=");
			tp_ts_val(b, t[0], t[1]);
			tb_puts(b, ", it_value=");
			tp_ts_val(b, t[2], t[3]);
			tb_putc(b, '}');
		}
		break;
	}
	case TP_siginfo: {
		uint8_t raw[128];
		if (!v) {
			tb_puts(b, "NULL");
		} else if (!tp_read(tp, v, raw, sizeof raw)) {
			tp_addr(tp, v);
		} else {
			struct sc_trace_siginfo si;
			tp_siginfo_decode(raw, &si);
			tp_siginfo_text(b, &si);
		}
		break;
	}
	case TP_sockaddr: tp_sockaddr(tp, v, a->param >= 0 ? (int32_t)pv : 0); break;
	case TP_statx_flags: {
		uint32_t f = (uint32_t)v;
		const char *sync = tp_xlat_name(tp, &sc_xlat_at_statx_sync, f & 0x6000);
		if (sync)
			tb_puts(b, sync);
		else
			tb_hex(b, f & 0x6000);
		f &= ~0x6000u;
		if (f) {
			bool any = true;
			uint64_t rest = tp_flag_names(tp, &sc_xlat_at_flags, f, &any);
			if (rest) {
				tb_putc(b, '|');
				tb_hex(b, rest);
			}
		}
		break;
	}
	case TP_access_mode:
		if (!(uint32_t)v)
			tb_puts(b, "F_OK");
		else
			tp_xlat_flags(tp, &sc_xlat_access_modes, (uint32_t)v);
		break;
	case TP_dev: tp_dev(b, v); break;
	case TP_rlim_res: tp_xlat_enum(tp, &sc_xlat_rlimit_resources, (uint32_t)v); break;
	case TP_clockid: tp_xlat_enum(tp, &sc_xlat_clocks, (uint32_t)v); break;
	case TP_off_ptr: tp_off_ptr(tp, v); break;
	case TP_gid_list: tp_gid_list(tp, v, (int32_t)pv); break;
	case TP_xattr_list: tp_xattr_list(tp, v); break;
	case TP_time_ptr: {
		int64_t t;
		if (!v) {
			tb_puts(b, "NULL");
		} else if (tp_read(tp, v, &t, 8)) {
			tb_printf(b, "[%lld", (long long)t);
			tp_time_comment(b, t, 0, 0);
			tb_putc(b, ']');
		} else {
			tp_addr(tp, v);
		}
		break;
	}
	case TP_getcpu_ptr: tp_int_ptr(tp, v, true); break;
	case TP_sa_handler: tp_handler(tp, v); break;
	case TP_timezone: {
		int32_t tz[2];
		if (!v)
			tb_puts(b, "NULL");
		else if (tp_read(tp, v, tz, sizeof tz))
			tb_printf(b, "{tz_minuteswest=%d, tz_dsttime=%d}", tz[0], tz[1]);
		else
			tp_addr(tp, v);
		break;
	}
	case TP_COUNT: break;
	}
}
