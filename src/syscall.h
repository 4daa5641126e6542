/* Syscall handler definitions. A handler is written once with SYSCALL_DEFINEn, which also
 * records its name, argument names and argument type tags for the tracer; each
 * architecture's number -> handler table is generated from tools/syscall_*.tbl at build time.
 *
 *   SYSCALL_DEFINE3(read, fd, fd, obuf, buf, size, count) { ... }
 *
 * Each argument is a (type tag, name) pair. The tag picks the C type (sct_<tag>) and the
 * tracer's printer (SCT_<tag>). Guest pointers are gaddr_t: handlers reach guest memory only
 * through uaccess.h. Handlers return a result or a negative host errno value. */
#ifndef SYSCORN_SYSCALL_H
#define SYSCORN_SYSCALL_H

#include "core.h"
#include "uaccess.h"

/* X(tag, C type): the argument kinds the tracer knows how to print. */
#define SC_ARG_TYPES(X)                                                           \
	X(int, int)            /* plain signed number */                        \
	X(uint, unsigned int)  /* plain unsigned number */                      \
	X(long, long)                                                           \
	X(ulong, unsigned long)                                                 \
	X(size, uint64_t)      /* byte count */                                 \
	X(off, int64_t)        /* file offset */                                \
	X(fd, int)             /* file descriptor */                            \
	X(dirfd, int)          /* directory fd or AT_FDCWD */                   \
	X(pid, int)                                                             \
	X(uid, unsigned int)                                                    \
	X(mode, unsigned int)  /* file mode bits */                             \
	X(oflags, int)         /* open flags (guest values) */                  \
	X(atflags, int)        /* AT_* flags */                                 \
	X(prot, int)           /* PROT_* */                                     \
	X(mflags, int)         /* MAP_* */                                      \
	X(signo, int)                                                           \
	X(ptr, gaddr_t)        /* address printed as hex */                     \
	X(path, gaddr_t)       /* NUL-terminated path */                        \
	X(str, gaddr_t)        /* NUL-terminated string */                      \
	X(ibuf, gaddr_t)       /* input buffer, length in the next argument */  \
	X(obuf, gaddr_t)       /* output buffer, printed on success */          \
	X(iov, gaddr_t)        /* struct iovec array */                         \
	X(stat, gaddr_t)       /* struct stat out */                            \
	X(statx, gaddr_t)      /* struct statx out */                           \
	X(statfs, gaddr_t)     /* struct statfs out */                          \
	X(timespec, gaddr_t)   /* struct timespec */                            \
	X(timeval, gaddr_t)                                                     \
	X(sigset, gaddr_t)                                                      \
	X(sigaction, gaddr_t)                                                   \
	X(rlimit, gaddr_t)                                                      \
	X(pollfd, gaddr_t)                                                      \
	X(fdset, gaddr_t)                                                       \
	X(argv, gaddr_t)       /* NULL-terminated string array */               \
	X(cmd, unsigned int)   /* ioctl / fcntl / prctl command */              \
	X(clockid, int)                                                         \
	X(whence, int)

#define SC_TYPEDEF(tag, ctype) typedef ctype sct_##tag;
SC_ARG_TYPES(SC_TYPEDEF)
#undef SC_TYPEDEF

enum sc_argtype {
#define SC_ENUM(tag, ctype) SCT_##tag,
	SC_ARG_TYPES(SC_ENUM)
#undef SC_ENUM
	SCT_COUNT
};

typedef long (*sc_syscall_fn)(struct sc_thread *t, const uint64_t *args);

struct sc_syscall_meta {
	const char *name;
	sc_syscall_fn fn;      /* NULL: known to the table, not implemented */
	int nargs;
	const char *argnames[6];
	enum sc_argtype argtypes[6];
};

/* Generated per architecture (tools/gensyscalls.py). */
struct sc_syscall_table {
	unsigned count;
	const struct sc_syscall_meta *const *meta; /* [nr]: NULL for a hole */
};

#define SC_META(name, n, names, types)                                                 \
	const struct sc_syscall_meta sc_meta_##name = { #name, sys_##name##_entry, n, names, \
							 types }

#define SYSCALL_DEFINE0(name)                                                       \
	static long do_sys_##name(struct sc_thread *t);                             \
	static long sys_##name##_entry(struct sc_thread *t, const uint64_t *a)      \
	{                                                                           \
		(void)a;                                                            \
		return do_sys_##name(t);                                            \
	}                                                                           \
	SC_META(name, 0, {0}, {0});                                                 \
	static long do_sys_##name(struct sc_thread *t)

#define SC_P(tag, n) sct_##tag n
#define SC_A(tag, i) (sct_##tag) a[i]

#define SYSCALL_DEFINE1(name, t1, n1)                                               \
	static long do_sys_##name(struct sc_thread *t, SC_P(t1, n1));               \
	static long sys_##name##_entry(struct sc_thread *t, const uint64_t *a)      \
	{                                                                           \
		return do_sys_##name(t, SC_A(t1, 0));                               \
	}                                                                           \
	SC_META(name, 1, { #n1 }, { SCT_##t1 });                                    \
	static long do_sys_##name(struct sc_thread *t, SC_P(t1, n1))

#define SYSCALL_DEFINE2(name, t1, n1, t2, n2)                                       \
	static long do_sys_##name(struct sc_thread *t, SC_P(t1, n1), SC_P(t2, n2)); \
	static long sys_##name##_entry(struct sc_thread *t, const uint64_t *a)      \
	{                                                                           \
		return do_sys_##name(t, SC_A(t1, 0), SC_A(t2, 1));                  \
	}                                                                           \
	SC_META(name, 2, PROTECT(#n1, #n2), PROTECT(SCT_##t1, SCT_##t2));           \
	static long do_sys_##name(struct sc_thread *t, SC_P(t1, n1), SC_P(t2, n2))

#define SYSCALL_DEFINE3(name, t1, n1, t2, n2, t3, n3)                               \
	static long do_sys_##name(struct sc_thread *t, SC_P(t1, n1), SC_P(t2, n2),  \
				  SC_P(t3, n3));                                    \
	static long sys_##name##_entry(struct sc_thread *t, const uint64_t *a)      \
	{                                                                           \
		return do_sys_##name(t, SC_A(t1, 0), SC_A(t2, 1), SC_A(t3, 2));     \
	}                                                                           \
	SC_META(name, 3, PROTECT(#n1, #n2, #n3), PROTECT(SCT_##t1, SCT_##t2, SCT_##t3)); \
	static long do_sys_##name(struct sc_thread *t, SC_P(t1, n1), SC_P(t2, n2),  \
				  SC_P(t3, n3))

#define SYSCALL_DEFINE4(name, t1, n1, t2, n2, t3, n3, t4, n4)                       \
	static long do_sys_##name(struct sc_thread *t, SC_P(t1, n1), SC_P(t2, n2),  \
				  SC_P(t3, n3), SC_P(t4, n4));                      \
	static long sys_##name##_entry(struct sc_thread *t, const uint64_t *a)      \
	{                                                                           \
		return do_sys_##name(t, SC_A(t1, 0), SC_A(t2, 1), SC_A(t3, 2),      \
				     SC_A(t4, 3));                                  \
	}                                                                           \
	SC_META(name, 4, PROTECT(#n1, #n2, #n3, #n4),                               \
		PROTECT(SCT_##t1, SCT_##t2, SCT_##t3, SCT_##t4));                   \
	static long do_sys_##name(struct sc_thread *t, SC_P(t1, n1), SC_P(t2, n2),  \
				  SC_P(t3, n3), SC_P(t4, n4))

#define SYSCALL_DEFINE5(name, t1, n1, t2, n2, t3, n3, t4, n4, t5, n5)               \
	static long do_sys_##name(struct sc_thread *t, SC_P(t1, n1), SC_P(t2, n2),  \
				  SC_P(t3, n3), SC_P(t4, n4), SC_P(t5, n5));        \
	static long sys_##name##_entry(struct sc_thread *t, const uint64_t *a)      \
	{                                                                           \
		return do_sys_##name(t, SC_A(t1, 0), SC_A(t2, 1), SC_A(t3, 2),      \
				     SC_A(t4, 3), SC_A(t5, 4));                     \
	}                                                                           \
	SC_META(name, 5, PROTECT(#n1, #n2, #n3, #n4, #n5),                          \
		PROTECT(SCT_##t1, SCT_##t2, SCT_##t3, SCT_##t4, SCT_##t5));         \
	static long do_sys_##name(struct sc_thread *t, SC_P(t1, n1), SC_P(t2, n2),  \
				  SC_P(t3, n3), SC_P(t4, n4), SC_P(t5, n5))

#define SYSCALL_DEFINE6(name, t1, n1, t2, n2, t3, n3, t4, n4, t5, n5, t6, n6)       \
	static long do_sys_##name(struct sc_thread *t, SC_P(t1, n1), SC_P(t2, n2),  \
				  SC_P(t3, n3), SC_P(t4, n4), SC_P(t5, n5),         \
				  SC_P(t6, n6));                                    \
	static long sys_##name##_entry(struct sc_thread *t, const uint64_t *a)      \
	{                                                                           \
		return do_sys_##name(t, SC_A(t1, 0), SC_A(t2, 1), SC_A(t3, 2),      \
				     SC_A(t4, 3), SC_A(t5, 4), SC_A(t6, 5));        \
	}                                                                           \
	SC_META(name, 6, PROTECT(#n1, #n2, #n3, #n4, #n5, #n6),                     \
		PROTECT(SCT_##t1, SCT_##t2, SCT_##t3, SCT_##t4, SCT_##t5, SCT_##t6)); \
	static long do_sys_##name(struct sc_thread *t, SC_P(t1, n1), SC_P(t2, n2),  \
				  SC_P(t3, n3), SC_P(t4, n4), SC_P(t5, n5),         \
				  SC_P(t6, n6))

#define PROTECT(...) { __VA_ARGS__ }

/* Runs one guest syscall: table lookup, handler, host -> guest errno; through the hooks
 * (hooks.h: the API's, the library's bookkeeping, the tracer's) when the process has any,
 * sc_dispatch_raw being the call itself. */
uint64_t sc_dispatch(struct sc_thread *t, uint64_t nr, const uint64_t args[6]);
uint64_t sc_dispatch_raw(struct sc_thread *t, uint64_t nr, const uint64_t args[6]);
uint64_t sc_hooks_dispatch(struct sc_thread *t, uint64_t nr, const uint64_t args[6]);

/* Host errno -> guest errno (generated from tools/errno.tbl), and guest errno names. */
int sc_errno_to_guest(int host_errno);
const char *sc_errno_name(int guest_errno);

#endif
