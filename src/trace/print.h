/* The argument printers that print*.c and special*.c share beyond trace.h's: the building
 * blocks one printer file lends another, and each type's printer for the dispatcher
 * (print_arg.c). Internal to src/trace. */
#ifndef SYSCORN_TRACE_PRINT_H
#define SYSCORN_TRACE_PRINT_H

#include "trace.h"

/* print.c: numbers, constants, signal sets. */
void tp_oct03(struct sc_tbuf *b, unsigned v);  /* a mode: 0644, 000 */
void tp_dirfd(struct sc_tprint *tp, int fd);   /* AT_FDCWD or an fd */
/* The names of the flags of v in x, '|'-separated (*any: one was printed before); returns
 * the bits no name covers. */
uint64_t tp_flag_names(struct sc_tprint *tp, const struct sc_xlat *x, uint64_t v, bool *any);
/* tp_xlat_enum with another comment for unknown values: strace names one table's unknowns
 * differently in different places (SOL_?? for socket options, SOL_??? for cmsg levels). */
bool tp_xlat_enum_as(struct sc_tprint *tp, const struct sc_xlat *x, uint64_t v, const char *unknown);
void tp_mmap_flags(struct sc_tprint *tp, uint64_t v);
void tp_sigmask(struct sc_tbuf *b, const struct sc_tprint *tp, uint64_t m, unsigned bytes);

/* print_time.c */
void tp_time_comment(struct sc_tbuf *b, int64_t sec, uint64_t part, int width);
void tp_ts_val(struct sc_tbuf *b, int64_t sec, int64_t nsec);
void tp_tv_val(struct sc_tbuf *b, int64_t sec, int64_t usec);
void tp_timeval(struct sc_tprint *tp, uint64_t addr);
void tp_utimens(struct sc_tprint *tp, uint64_t addr);
void tp_timevals(struct sc_tprint *tp, uint64_t addr);

/* print_stat.c */
bool tp_verbose(const struct sc_tprint *tp);  /* -v */
void tp_dev(struct sc_tbuf *b, uint64_t dev);
void tp_smode(struct sc_tprint *tp, unsigned mode);
void tp_stat(struct sc_tprint *tp, uint64_t addr);
void tp_statx(struct sc_tprint *tp, uint64_t addr);
void tp_statfs(struct sc_tprint *tp, uint64_t addr);

/* print_struct.c */
void tp_handler(struct sc_tprint *tp, uint64_t h);
void tp_sigaction(struct sc_tprint *tp, uint64_t addr);
void tp_rlimit(struct sc_tprint *tp, uint64_t addr);
void tp_stack(struct sc_tprint *tp, uint64_t addr);
void tp_utsname(struct sc_tprint *tp, uint64_t addr);
void tp_sysinfo(struct sc_tprint *tp, uint64_t addr);
void tp_rusage(struct sc_tprint *tp, uint64_t addr);
void tp_tms(struct sc_tprint *tp, uint64_t addr);
void tp_itimerval(struct sc_tprint *tp, uint64_t addr);
void tp_int_ptr(struct sc_tprint *tp, uint64_t addr, bool uid);
void tp_epoll_event(struct sc_tprint *tp, uint64_t addr);
void tp_sched_param(struct sc_tprint *tp, uint64_t addr);

/* print_array.c */
void tp_dirents(struct sc_tprint *tp, uint64_t addr);
void tp_print_iov(struct sc_tprint *tp, uint64_t addr, uint64_t cnt, bool data, uint64_t limit);
void tp_fd_pair(struct sc_tprint *tp, uint64_t addr);
void tp_argv(struct sc_tprint *tp, uint64_t addr, bool env);
void tp_xattr_list(struct sc_tprint *tp, uint64_t addr);
void tp_off_ptr(struct sc_tprint *tp, uint64_t addr);
void tp_gid_list(struct sc_tprint *tp, uint64_t addr, int64_t n);

/* net.c */
void tp_sockaddr_data(struct sc_tprint *tp, const uint8_t *sa, size_t len);
void tp_inet_addr(struct sc_tprint *tp, const uint8_t *a);

/* net_msg.c: struct msghdr at addr; user_namelen: msg_namelen as the caller gave it (recvmsg,
 * NULL elsewhere); data: how much of the iovecs' data to show. */
void tp_msghdr_at(struct sc_tprint *tp, uint64_t addr, const int32_t *user_namelen, uint64_t data);
void tp_mmsgvec(struct sc_tprint *tp, uint64_t addr, uint64_t cnt, uint64_t nlen, bool recv);

#endif
