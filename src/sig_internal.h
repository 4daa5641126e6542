/* What sig.c (the host side, dispositions, threads), sig_pending.c (pending signals, sending)
 * and sig_deliver.c (frames, restarts, default actions, faults) share. Internal to them; the
 * interface of signal delivery to the rest of syscorn is sig.h. */
#ifndef SYSCORN_SIG_INTERNAL_H
#define SYSCORN_SIG_INTERNAL_H

#include "sig.h"

#define BIT SC_SIGBIT
#define RING (sizeof((struct sc_thread *)0)->ring / sizeof(struct sc_siginfo))

/* sa_flags and ss_flags: the same on both guests and the host. */
#define GUEST_SA_NOCLDSTOP 0x1ull
#define GUEST_SA_NOCLDWAIT 0x2ull
#define GUEST_SA_SIGINFO 0x4ull
#define GUEST_SA_RESTORER 0x04000000ull
#define GUEST_SA_ONSTACK 0x08000000ull
#define GUEST_SA_RESTART 0x10000000ull
#define GUEST_SA_NODEFER 0x40000000ull
#define GUEST_SA_RESETHAND 0x80000000ull
#define GUEST_SS_ONSTACK 1
#define GUEST_SS_DISABLE 2
#define GUEST_SS_AUTODISARM (1u << 31)

/* sig.c: the host's queue. A pending signal of set taken from it without waiting (0: none);
 * one put back, for this thread, with its siginfo (0, or -1 if the host refused). */
int sc_sig_host_take(uint64_t set, struct sc_siginfo *info);
long sc_sig_host_requeue(const struct sc_siginfo *info);

/* sig.c: dispositions. What SIG_DFL does with sig; whether p ignores sig. */
enum sc_sig_default { ACT_TERM, ACT_IGNORE, ACT_STOP };
enum sc_sig_default sc_sig_default_action(int sig);
bool sc_sig_ignored(struct sc_process *p, int sig);

/* sig_pending.c: nothing left in t's ring of signals the host handler recorded; the host
 * mask back to the guest's, unless something taken is still to be delivered. */
bool sc_sig_ring_empty(struct sc_thread *t);
void sc_sig_host_mask_sync(struct sc_thread *t);
/* sig_pending.c: info pending for t in syscorn. Hosted signals (sig_pending.c): those of set
 * taken back from the host's queue into t's pending set; the ones found pending in the host
 * at start-up (after execve) made hosted; at a thread's end, taken out of the host (the
 * process-directed ones left to the other threads with keep_shared); forgotten after fork. */
void sc_sig_keep(struct sc_thread *t, const struct sc_siginfo *info);
void sc_sig_reclaim(struct sc_thread *t, uint64_t set);
void sc_sig_hosted_inherit(struct sc_thread *t);
void sc_sig_hosted_release(struct sc_thread *t, bool keep_shared);
void sc_sig_hosted_forget(void);

#endif
