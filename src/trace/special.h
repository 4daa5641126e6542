/* What the special decoders (special*.c) share: the helpers that print one argument or the
 * text after the return value, and the decoders the dispatcher (ts_decode, special.c) calls
 * in the other files. Internal to src/trace. */
#ifndef SYSCORN_TRACE_SPECIAL_H
#define SYSCORN_TRACE_SPECIAL_H

#include "print.h"

#define ARG(i) (tp->c->args[i])

/* Prints argument i with printer pr (and constant table x) unless already printed. */
void ts_arg(struct sc_tprint *tp, int i, int pr, const struct sc_xlat *x);
/* The same for an argument the call writes: its address when the call failed. */
void ts_arg_out(struct sc_tprint *tp, int i, int pr, const struct sc_xlat *x);
/* The text after the return value ("flags ...", "Timeout"): copied. */
void ts_set_aux(struct sc_tprint *tp, const char *s);
/* The same from a buffer of its own, which it frees; out of memory, the line is incomplete. */
void ts_set_aux_tbuf(struct sc_tprint *tp, struct sc_tbuf *b);

/* special_fdctl.c */
bool ts_dec_fcntl(struct sc_tprint *tp);
bool ts_dec_ioctl(struct sc_tprint *tp);

/* special_process.c */
bool ts_dec_prctl(struct sc_tprint *tp);
bool ts_dec_arch_prctl(struct sc_tprint *tp);
bool ts_dec_rt_sigreturn(struct sc_tprint *tp);
bool ts_dec_sched_getscheduler(struct sc_tprint *tp);
bool ts_dec_getresid(struct sc_tprint *tp);
bool ts_dec_getgroups(struct sc_tprint *tp);
bool ts_dec_sched_affinity(struct sc_tprint *tp);
bool ts_dec_nanosleep(struct sc_tprint *tp);
bool ts_dec_wait4(struct sc_tprint *tp);
bool ts_dec_clone(struct sc_tprint *tp); /* and clone3 */
bool ts_dec_futex(struct sc_tprint *tp);
/* The bytes [from, to) at addr of a struct the kernel takes larger than it knows, when one
 * is not zero: a comment naming the range, then the bytes in hex (print_nonzero_bytes). */
void ts_nonzero_tail(struct sc_tprint *tp, uint64_t addr, uint64_t from, uint64_t to);
bool ts_dec_execve(struct sc_tprint *tp);

/* special_poll.c */
bool ts_dec_poll(struct sc_tprint *tp, bool ppoll);
bool ts_dec_select(struct sc_tprint *tp, bool pselect);
bool ts_dec_epoll_wait(struct sc_tprint *tp);
bool ts_dec_mmsg(struct sc_tprint *tp); /* sendmmsg, recvmmsg */

#endif
