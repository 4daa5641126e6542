/* Argument printers, one per type, as strace prints them: numbers, fds, strings and buffers
 * (quoted and truncated by -s), flags and enums from the generated constant tables, and the
 * structs (guest layouts, read through uaccess like any guest memory). */
#include "trace.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../arch/arch.h"
#include "xlat.h"

/* ------------------------------------------------------------------ guest memory */

bool tp_read(struct sc_tprint *tp, uint64_t addr, void *dst, size_t n)
{
	return addr && copy_from_guest(tp->p, dst, addr, n) == 0;
}

/* Reads up to n bytes, stopping after a NUL when nul is set. Returns the bytes read (a NUL
 * included), or -1 when not even the first byte is readable. */
static long read_upto(struct sc_tprint *tp, uint64_t addr, uint8_t *dst, size_t n, bool nul)
{
	size_t done = 0;
	while (done < n) {
		uint64_t a = addr + done;
		size_t chunk = SC_PAGE - (a & (SC_PAGE - 1));
		if (chunk > n - done)
			chunk = n - done;
		if (copy_from_guest(tp->p, dst + done, a, chunk))
			break;
		if (nul) {
			uint8_t *z = memchr(dst + done, 0, chunk);
			if (z)
				return (long)(z - dst) + 1;
		}
		done += chunk;
	}
	return done || !n ? (long)done : -1;
}

bool tp_array_cut(struct sc_tprint *tp, struct sc_tbuf *b, uint64_t i)
{
	if (i < (uint64_t)tp->tr->strsize || (tp->tr->flags & SC_TRACE_F_NO_ABBREV))
		return false;
	tb_puts(b, "...");
	return true;
}

/* ------------------------------------------------------------------ numbers and addresses */

void tp_addr(struct sc_tprint *tp, uint64_t a)
{
	if (a)
		tb_hex(tp->b, a);
	else
		tb_puts(tp->b, "NULL");
}

static void print_oct03(struct sc_tbuf *b, unsigned v)
{
	tb_printf(b, "%#03o", v);
}

/* A file descriptor, with its path for -y. */
void tp_fd(struct sc_tprint *tp, int fd)
{
	tb_dec(tp->b, fd);
	if (!(tp->tr->flags & SC_TRACE_F_FDPATH) || fd < 0)
		return;
	char link[64], path[PATH_MAX + 1];
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, path, sizeof path - 1);
	if (n < 0)
		return;
	path[n] = 0;
	bool deleted = false;
	if (n > 10 && !strcmp(path + n - 10, " (deleted)")) {
		deleted = true;
		n -= 10;
		path[n] = 0;
	}
	tb_putc(tp->b, '<');
	tp_quoted(tp->b, (const uint8_t *)path, (size_t)n, TQ_NO_QUOTES, tp->tr->xflag, "<>");
	tb_putc(tp->b, '>');
	if (deleted)
		tb_puts(tp->b, "(deleted)");
}

static void print_dirfd(struct sc_tprint *tp, int fd)
{
	if (fd == -100) {
		tb_puts(tp->b, "AT_FDCWD");
		if (tp->tr->flags & SC_TRACE_F_FDPATH) {
			char path[PATH_MAX];
			ssize_t n = readlink("/proc/self/cwd", path, sizeof path);
			if (n > 0 && (size_t)n < sizeof path) {
				tb_putc(tp->b, '<');
				tp_quoted(tp->b, (const uint8_t *)path, (size_t)n, TQ_NO_QUOTES,
					  tp->tr->xflag, "<>");
				tb_putc(tp->b, '>');
			}
		}
	} else {
		tp_fd(tp, fd);
	}
}

/* ------------------------------------------------------------------ strings */

static bool is_print(unsigned c)
{
	return c >= ' ' && c < 0x7f;
}

/* strace's string_quote: C escapes, \ooo octal for the rest (3 digits only when an octal
 * digit follows), or all in \xNN with -xx (or -x when a byte is not printable). */
void tp_quoted(struct sc_tbuf *b, const uint8_t *s, size_t n, int style, int xflag,
	       const char *extra)
{
	bool hex = xflag >= 2 || (style & TQ_HEX);
	if (!hex && xflag == 1) {
		for (size_t i = 0; i < n; i++) {
			unsigned c = s[i];
			if ((style & TQ_NUL) && !c)
				break;
			if (c > 0x7e || (c < ' ' && (c - 9) >= 5)) {
				hex = true;
				break;
			}
		}
	}
	if (!(style & TQ_NO_QUOTES))
		tb_putc(b, '"');
	char tmp[8];
	for (size_t i = 0; i < n; i++) {
		unsigned c = s[i];
		if ((style & TQ_NUL) && !c)
			break;
		if (hex) {
			snprintf(tmp, sizeof tmp, "\\x%02x", c);
			tb_puts(b, tmp);
			continue;
		}
		switch (c) {
		case '"': tb_puts(b, "\\\""); continue;
		case '\\': tb_puts(b, "\\\\"); continue;
		case '\f': tb_puts(b, "\\f"); continue;
		case '\n': tb_puts(b, "\\n"); continue;
		case '\r': tb_puts(b, "\\r"); continue;
		case '\t': tb_puts(b, "\\t"); continue;
		case '\v': tb_puts(b, "\\v"); continue;
		}
		if (is_print(c) && !(extra && strchr(extra, (int)c))) {
			tb_putc(b, (char)c);
			continue;
		}
		bool pad = i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '7';
		if (pad || c >= 64)
			snprintf(tmp, sizeof tmp, "\\%o%o%o", c >> 6, (c >> 3) & 7, c & 7);
		else if (c >= 8)
			snprintf(tmp, sizeof tmp, "\\%o%o", c >> 3, c & 7);
		else
			snprintf(tmp, sizeof tmp, "\\%o", c);
		tb_puts(b, tmp);
	}
	if (!(style & TQ_NO_QUOTES))
		tb_putc(b, '"');
}

/* strace's printstr_ex: at most -s bytes of a buffer of len bytes (TQ_NUL: a C string of at
 * most len bytes), "..." when there is more. An unreadable buffer prints as its address. */
void tp_str(struct sc_tprint *tp, uint64_t addr, uint64_t len, int style)
{
	if (!addr) {
		tb_puts(tp->b, "NULL");
		return;
	}
	size_t max = (size_t)tp->tr->strsize;
	size_t size = max + 1;
	if (size > len)
		size = (size_t)len;
	uint8_t stackbuf[256];
	uint8_t *buf = size + 1 <= sizeof stackbuf ? stackbuf : malloc(size + 1);
	if (!buf)
		return;
	long r = read_upto(tp, addr, buf, size, style & TQ_NUL);
	if (r < 0 || (!(style & TQ_NUL) && (size_t)r < size)) {
		tp_addr(tp, addr);
		goto out;
	}
	bool nul_seen = (style & TQ_NUL) && r > 0 && buf[r - 1] == 0;
	size_t n = (size_t)r;
	if (nul_seen)
		n--;
	bool more;
	if (style & TQ_NUL) {
		/* Read size bytes without a NUL: longer than what we show, or than len. */
		more = !nul_seen && len;
		if (n > max)
			n = max;
		else if (!nul_seen && n == size && size > max)
			n = max;
	} else {
		more = len > max;
		if (n > max)
			n = max;
	}
	if ((style & TQ_NUL) && !nul_seen && n < size && size <= max) {
		/* Fewer bytes than asked and no NUL: the rest is unreadable. */
		more = true;
	}
	tp_quoted(tp->b, buf, n, style & ~TQ_NUL, tp->tr->xflag, NULL);
	if (more)
		tb_puts(tp->b, "...");
out:
	if (buf != stackbuf)
		free(buf);
}

/* A path: up to PATH_MAX - 1 bytes, whatever -s says. */
void tp_path(struct sc_tprint *tp, uint64_t addr)
{
	if (!addr) {
		tb_puts(tp->b, "NULL");
		return;
	}
	static uint8_t path[PATH_MAX + 1];
	long r = read_upto(tp, addr, path, PATH_MAX, true);
	if (r < 0) {
		tp_addr(tp, addr);
		return;
	}
	bool nul = r > 0 && path[r - 1] == 0;
	tp_quoted(tp->b, path, nul ? (size_t)r - 1 : (size_t)r, 0, tp->tr->xflag, NULL);
	if (!nul)
		tb_puts(tp->b, "...");
}

/* ------------------------------------------------------------------ constants */

const char *tp_xlat_name(const struct sc_tprint *tp, const struct sc_xlat *x, uint64_t v)
{
	const struct sc_xlat_ent *e = x->ent[tp->arch];
	for (unsigned i = 0; i < x->n[tp->arch]; i++)
		if (e[i].val == v)
			return e[i].name;
	return NULL;
}

/* printxval: the name, or the number in hex with the "X_???" comment. */
bool tp_xlat_enum(struct sc_tprint *tp, const struct sc_xlat *x, uint64_t v)
{
	const char *n = tp_xlat_name(tp, x, v);
	if (n) {
		tb_puts(tp->b, n);
		return true;
	}
	tb_hex(tp->b, v);
	if (x->unknown) {
		tb_puts(tp->b, " /* ");
		tb_puts(tp->b, x->unknown);
		tb_puts(tp->b, " */");
	}
	return false;
}

/* Names of the flags set in v, in table order, joined by |; returns what is left. */
static uint64_t flag_names(struct sc_tprint *tp, const struct sc_xlat *x, uint64_t v, bool *any)
{
	const struct sc_xlat_ent *e = x->ent[tp->arch];
	for (unsigned i = 0; i < x->n[tp->arch] && v; i++) {
		if (e[i].val && (v & e[i].val) == e[i].val) {
			if (*any)
				tb_putc(tp->b, '|');
			tb_puts(tp->b, e[i].name);
			*any = true;
			v &= ~e[i].val;
		}
	}
	return v;
}

/* printflags: names|0xrest; 0 (or the table's name for 0); unknown alone: 0x.. comment. */
void tp_xlat_flags(struct sc_tprint *tp, const struct sc_xlat *x, uint64_t v)
{
	if (!v) {
		/* strace prints nothing for 0 in a table without a "X_???" default */
		const char *n = tp_xlat_name(tp, x, 0);
		tb_puts(tp->b, n ? n : x->unknown ? "0" : "");
		return;
	}
	bool any = false;
	uint64_t rest = flag_names(tp, x, v, &any);
	if (!rest)
		return;
	if (any) {
		tb_putc(tp->b, '|');
		tb_hex(tp->b, rest);
	} else {
		tb_hex(tp->b, rest);
		if (x->unknown) {
			tb_puts(tp->b, " /* ");
			tb_puts(tp->b, x->unknown);
			tb_puts(tp->b, " */");
		}
	}
}

void tp_open_flags(struct sc_tprint *tp, uint64_t v)
{
	v = (uint32_t)v;
	tb_puts(tp->b, tp_xlat_name(tp, &sc_xlat_open_access, v & 3));
	v &= ~3ull;
	if (!v)
		return;
	bool any = true;
	uint64_t rest = flag_names(tp, &sc_xlat_open_flags, v, &any);
	if (rest) {
		tb_putc(tp->b, '|');
		tb_hex(tp->b, rest);
	}
}

static void print_mmap_flags(struct sc_tprint *tp, uint64_t v)
{
	v = (uint32_t)v;
	uint64_t huge = (v >> 26) & 0x3f;
	v &= ~(0x3full << 26);
	const char *type = tp_xlat_name(tp, &sc_xlat_map_flags, v & 0xf);
	bool any = false;
	if (type) {
		tb_puts(tp->b, type);
		any = true;
		v &= ~0xfull;
	}
	uint64_t rest = v ? flag_names(tp, &sc_xlat_map_flags, v, &any) : 0;
	if (rest) {
		if (any)
			tb_putc(tp->b, '|');
		tb_hex(tp->b, rest);
		any = true;
	}
	if (huge) {
		if (any)
			tb_putc(tp->b, '|');
		tb_printf(tp->b, "%llu<<MAP_HUGE_SHIFT", (unsigned long long)huge);
		any = true;
	}
	if (!any)
		tb_putc(tp->b, '0');
}

void tp_signame(struct sc_tprint *tp, int sig)
{
	const char *n = sig > 0 ? tp_xlat_name(tp, &sc_xlat_signals, (uint64_t)sig) : NULL;
	if (n)
		tb_puts(tp->b, n);
	else if (sig > 32 && sig <= 64)
		tb_printf(tp->b, "SIGRT_%d", sig - 32);
	else
		tb_dec(tp->b, sig);
}

/* strace's sprintsigmask_n: [NAMES] without "SIG", or ~[NAMES not set] when 2/3 are set. */
static void print_sigmask(struct sc_tbuf *b, const struct sc_tprint *tp, uint64_t m, unsigned bytes)
{
	unsigned bits = bytes * 8;
	if (bits < 64)
		m &= (1ull << bits) - 1;
	if ((unsigned)__builtin_popcountll(m) >= bits * 2 / 3) {
		tb_putc(b, '~');
		m = ~m;
		if (bits < 64)
			m &= (1ull << bits) - 1;
	}
	tb_putc(b, '[');
	bool first = true;
	for (unsigned i = 0; i < bits; i++) {
		if (!(m & (1ull << i)))
			continue;
		if (!first)
			tb_putc(b, ' ');
		first = false;
		unsigned sig = i + 1;
		const char *n = tp_xlat_name(tp, &sc_xlat_signals, sig);
		if (n)
			tb_puts(b, n + 3);
		else if (sig > 32)
			tb_printf(b, "RT_%u", sig - 32);
		else
			tb_printf(b, "%u", sig);
	}
	tb_putc(b, ']');
}

void tp_sigset(struct sc_tprint *tp, uint64_t addr, uint64_t len)
{
	if (!addr) {
		tb_puts(tp->b, "NULL");
		return;
	}
	uint64_t m = 0;
	if (len != 8 || !tp_read(tp, addr, &m, 8)) {
		tp_addr(tp, addr);
		return;
	}
	print_sigmask(tp->b, tp, m, 8);
}

/* ------------------------------------------------------------------ times */

/* " / * 2001-09-09T01:46:40.000000005+0000 * /" after a time, when it is one. */
static void time_comment(struct sc_tbuf *b, int64_t sec, uint64_t part, int width)
{
	if (sec == 0 && part == 0)
		return;
	time_t t = (time_t)sec;
	struct tm tm;
	if (!localtime_r(&t, &tm))
		return;
	char buf[96];
	size_t pos = strftime(buf, sizeof buf, "%FT%T", &tm);
	if (!pos)
		return;
	if (part)
		pos += (size_t)snprintf(buf + pos, sizeof buf - pos, ".%0*llu", width,
					(unsigned long long)part);
	if (!strftime(buf + pos, sizeof buf - pos, "%z", &tm))
		return;
	tb_puts(b, " /* ");
	tb_puts(b, buf);
	tb_puts(b, " */");
}

static void print_ts_val(struct sc_tbuf *b, int64_t sec, int64_t nsec)
{
	tb_puts(b, "{tv_sec=");
	tb_dec(b, sec);
	tb_puts(b, ", tv_nsec=");
	tb_dec(b, nsec);
	tb_putc(b, '}');
}

void tp_timespec(struct sc_tprint *tp, uint64_t addr)
{
	int64_t ts[2];
	if (!addr) {
		tb_puts(tp->b, "NULL");
		return;
	}
	if (!tp_read(tp, addr, ts, sizeof ts)) {
		tp_addr(tp, addr);
		return;
	}
	print_ts_val(tp->b, ts[0], ts[1]);
}

static void print_tv_val(struct sc_tbuf *b, int64_t sec, int64_t usec)
{
	tb_puts(b, "{tv_sec=");
	tb_dec(b, sec);
	tb_puts(b, ", tv_usec=");
	tb_dec(b, usec);
	tb_putc(b, '}');
}

static void print_timeval(struct sc_tprint *tp, uint64_t addr)
{
	int64_t tv[2];
	if (!addr) {
		tb_puts(tp->b, "NULL");
		return;
	}
	if (!tp_read(tp, addr, tv, sizeof tv)) {
		tp_addr(tp, addr);
		return;
	}
	print_tv_val(tp->b, tv[0], tv[1]);
}

/* utimensat's times: [UTIME_NOW, {tv_sec=..., tv_nsec=...} / * date * /] */
static void print_utimens(struct sc_tprint *tp, uint64_t addr)
{
	int64_t ts[4];
	if (!addr) {
		tb_puts(tp->b, "NULL");
		return;
	}
	if (!tp_read(tp, addr, ts, sizeof ts)) {
		tp_addr(tp, addr);
		return;
	}
	tb_putc(tp->b, '[');
	for (int i = 0; i < 2; i++) {
		if (i)
			tb_puts(tp->b, ", ");
		if (tp_array_cut(tp, tp->b, (uint64_t)i))
			break;
		const char *n = ts[2 * i + 1] == 0x3fffffff ? "UTIME_NOW"
			      : ts[2 * i + 1] == 0x3ffffffe ? "UTIME_OMIT" : NULL;
		if (n) {
			tb_puts(tp->b, n);
			continue;
		}
		print_ts_val(tp->b, ts[2 * i], ts[2 * i + 1]);
		if (ts[2 * i + 1] >= 0 && ts[2 * i + 1] < 1000000000)
			time_comment(tp->b, ts[2 * i], (uint64_t)ts[2 * i + 1], 9);
	}
	tb_putc(tp->b, ']');
}

static void print_timevals(struct sc_tprint *tp, uint64_t addr)
{
	int64_t tv[4];
	if (!addr) {
		tb_puts(tp->b, "NULL");
		return;
	}
	if (!tp_read(tp, addr, tv, sizeof tv)) {
		tp_addr(tp, addr);
		return;
	}
	tb_putc(tp->b, '[');
	for (int i = 0; i < 2; i++) {
		if (i)
			tb_puts(tp->b, ", ");
		if (tp_array_cut(tp, tp->b, (uint64_t)i))
			break;
		print_tv_val(tp->b, tv[2 * i], tv[2 * i + 1]);
		if (tv[2 * i + 1] >= 0 && tv[2 * i + 1] < 1000000)
			time_comment(tp->b, tv[2 * i], (uint64_t)tv[2 * i + 1], 6);
	}
	tb_putc(tp->b, ']');
}

/* ------------------------------------------------------------------ structs */

static bool verbose(const struct sc_tprint *tp)
{
	return tp->tr->flags & SC_TRACE_F_VERBOSE;
}

static void print_dev(struct sc_tbuf *b, uint64_t dev)
{
	unsigned major = (unsigned)(((dev >> 8) & 0xfff) | ((dev >> 32) & ~0xfffull));
	unsigned minor = (unsigned)((dev & 0xff) | ((dev >> 12) & ~0xffull));
	tb_printf(b, "makedev(%#x, %#x)", major, minor);
}

/* st_mode: S_IFREG|S_ISUID|0755, or the octal number when the type has no name. */
static void print_smode(struct sc_tprint *tp, unsigned mode)
{
	const char *t = (mode & 0170000) ? tp_xlat_name(tp, &sc_xlat_mode_types, mode & 0170000) : "";
	if (!t) {
		print_oct03(tp->b, mode);
		return;
	}
	tb_puts(tp->b, t);
	if (*t)
		tb_putc(tp->b, '|');
	if (mode & 04000)
		tb_puts(tp->b, "S_ISUID|");
	if (mode & 02000)
		tb_puts(tp->b, "S_ISGID|");
	if (mode & 01000)
		tb_puts(tp->b, "S_ISVTX|");
	print_oct03(tp->b, mode & ~0177000u);
}

struct kstat {
	uint64_t dev, ino, nlink;
	unsigned mode, uid, gid;
	uint64_t rdev;
	int64_t size, blksize, blocks;
	int64_t atime, atime_ns, mtime, mtime_ns, ctime, ctime_ns;
};

static bool read_stat(struct sc_tprint *tp, uint64_t addr, struct kstat *k)
{
	if (tp->arch == SC_XA_ARM64) {
		struct { uint64_t dev, ino; uint32_t mode, nlink, uid, gid; uint64_t rdev, pad1;
			 int64_t size; int32_t blksize, pad2; int64_t blocks;
			 int64_t at, atn, mt, mtn, ct, ctn; uint32_t unused[2]; } g;
		_Static_assert(sizeof g == 128, "arm64 struct stat");
		if (!tp_read(tp, addr, &g, sizeof g))
			return false;
		*k = (struct kstat){ g.dev, g.ino, g.nlink, g.mode, g.uid, g.gid, g.rdev, g.size,
				     g.blksize, g.blocks, g.at, g.atn, g.mt, g.mtn, g.ct, g.ctn };
	} else {
		struct { uint64_t dev, ino, nlink; uint32_t mode, uid, gid, pad0; uint64_t rdev;
			 int64_t size, blksize, blocks; int64_t at, atn, mt, mtn, ct, ctn;
			 int64_t unused[3]; } g;
		_Static_assert(sizeof g == 144, "x86-64 struct stat");
		if (!tp_read(tp, addr, &g, sizeof g))
			return false;
		*k = (struct kstat){ g.dev, g.ino, g.nlink, g.mode, g.uid, g.gid, g.rdev, g.size,
				     g.blksize, g.blocks, g.at, g.atn, g.mt, g.mtn, g.ct, g.ctn };
	}
	return true;
}

static void print_stat_time(struct sc_tbuf *b, const char *name, int64_t s, int64_t ns)
{
	tb_printf(b, ", %s=", name);
	tb_dec(b, s);
	if (ns >= 0 && ns < 1000000000)
		time_comment(b, s, (uint64_t)ns, 9);
	tb_printf(b, ", %s_nsec=", name);
	tb_dec(b, ns);
}

static void print_stat(struct sc_tprint *tp, uint64_t addr)
{
	struct kstat k;
	if (!addr) {
		tb_puts(tp->b, "NULL");
		return;
	}
	if (!read_stat(tp, addr, &k)) {
		tp_addr(tp, addr);
		return;
	}
	struct sc_tbuf *b = tp->b;
	bool dev = (k.mode & 0170000) == 0020000 || (k.mode & 0170000) == 0060000;
	if (verbose(tp)) {
		tb_puts(b, "{st_dev=");
		print_dev(b, k.dev);
		tb_printf(b, ", st_ino=%llu, st_mode=", (unsigned long long)k.ino);
		print_smode(tp, k.mode);
		tb_printf(b, ", st_nlink=%llu, st_uid=%u, st_gid=%u, st_blksize=%lld, st_blocks=%lld",
			  (unsigned long long)k.nlink, k.uid, k.gid, (long long)k.blksize,
			  (long long)k.blocks);
		if (dev) {
			tb_puts(b, ", st_rdev=");
			print_dev(b, k.rdev);
		} else {
			tb_printf(b, ", st_size=%lld", (long long)k.size);
		}
		print_stat_time(b, "st_atime", k.atime, k.atime_ns);
		print_stat_time(b, "st_mtime", k.mtime, k.mtime_ns);
		print_stat_time(b, "st_ctime", k.ctime, k.ctime_ns);
		tb_putc(b, '}');
		return;
	}
	tb_puts(b, "{st_mode=");
	print_smode(tp, k.mode);
	if (dev) {
		tb_puts(b, ", st_rdev=");
		print_dev(b, k.rdev);
	} else {
		tb_printf(b, ", st_size=%lld", (long long)k.size);
	}
	tb_puts(b, ", ...}");
}

static void print_statx(struct sc_tprint *tp, uint64_t addr)
{
	struct {
		uint32_t mask, blksize;
		uint64_t attributes;
		uint32_t nlink, uid, gid;
		uint16_t mode, spare0;
		uint64_t ino, size, blocks, attributes_mask;
		struct { int64_t sec; uint32_t nsec; int32_t r; } atime, btime, ctime, mtime;
		uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
		uint64_t mnt_id;
		uint32_t dio_mem_align, dio_offset_align;
	} x;
	if (!addr) {
		tb_puts(tp->b, "NULL");
		return;
	}
	if (!tp_read(tp, addr, &x, sizeof x)) {
		tp_addr(tp, addr);
		return;
	}
	struct sc_tbuf *b = tp->b;
	tb_puts(b, "{stx_mask=");
	tp_xlat_flags(tp, &sc_xlat_statx_mask, x.mask);
	if (verbose(tp))
		tb_printf(b, ", stx_blksize=%u", x.blksize);
	tb_puts(b, ", stx_attributes=");
	tp_xlat_flags(tp, &sc_xlat_statx_attrs, x.attributes);
	if (verbose(tp))
		tb_printf(b, ", stx_nlink=%u, stx_uid=%u, stx_gid=%u", x.nlink, x.uid, x.gid);
	tb_puts(b, ", stx_mode=");
	print_smode(tp, x.mode);
	if (verbose(tp))
		tb_printf(b, ", stx_ino=%llu", (unsigned long long)x.ino);
	tb_printf(b, ", stx_size=%llu", (unsigned long long)x.size);
	if (!verbose(tp)) {
		tb_puts(b, ", ...}");
		return;
	}
	tb_printf(b, ", stx_blocks=%llu, stx_attributes_mask=", (unsigned long long)x.blocks);
	tp_xlat_flags(tp, &sc_xlat_statx_attrs, x.attributes_mask);
	const char *tn[4] = { "stx_atime", "stx_btime", "stx_ctime", "stx_mtime" };
	const int64_t *ts[4] = { &x.atime.sec, &x.btime.sec, &x.ctime.sec, &x.mtime.sec };
	const uint32_t *tns[4] = { &x.atime.nsec, &x.btime.nsec, &x.ctime.nsec, &x.mtime.nsec };
	const uint32_t bit[4] = { 0x20, 0x800, 0x80, 0x40 }; /* STATX_ATIME, BTIME, CTIME, MTIME */
	for (int i = 0; i < 4; i++) {
		if (!(x.mask & bit[i]))
			continue;
		tb_printf(b, ", %s={tv_sec=%lld, tv_nsec=%u}", tn[i], (long long)*ts[i], *tns[i]);
		time_comment(b, *ts[i], *tns[i], 9);
	}
	tb_printf(b, ", stx_rdev_major=%u, stx_rdev_minor=%u, stx_dev_major=%u, stx_dev_minor=%u",
		  x.rdev_major, x.rdev_minor, x.dev_major, x.dev_minor);
	tb_printf(b, ", stx_mnt_id=%#llx}", (unsigned long long)x.mnt_id);
}

static void print_statfs(struct sc_tprint *tp, uint64_t addr)
{
	struct {
		int64_t type, bsize;
		uint64_t blocks, bfree, bavail, files, ffree;
		int32_t fsid[2];
		int64_t namelen, frsize, flags, spare[4];
	} s;
	if (!addr) {
		tb_puts(tp->b, "NULL");
		return;
	}
	if (!tp_read(tp, addr, &s, sizeof s)) {
		tp_addr(tp, addr);
		return;
	}
	struct sc_tbuf *b = tp->b;
	tb_puts(b, "{f_type=");
	const char *n = tp_xlat_name(tp, &sc_xlat_fs_magic, (uint64_t)s.type);
	if (n)
		tb_puts(b, n);
	else
		tb_hex(b, (uint64_t)s.type);
	tb_printf(b, ", f_bsize=%lld, f_blocks=%llu, f_bfree=%llu, f_bavail=%llu, f_files=%llu, "
		     "f_ffree=%llu, f_fsid={val=[%#x, %#x]}, f_namelen=%lld, f_frsize=%lld, f_flags=",
		  (long long)s.bsize, (unsigned long long)s.blocks, (unsigned long long)s.bfree,
		  (unsigned long long)s.bavail, (unsigned long long)s.files,
		  (unsigned long long)s.ffree, (unsigned)s.fsid[0], (unsigned)s.fsid[1],
		  (long long)s.namelen, (long long)s.frsize);
	tp_xlat_flags(tp, &sc_xlat_statfs_flags, (uint64_t)s.flags);
	tb_putc(b, '}');
}

static void print_handler(struct sc_tprint *tp, uint64_t h)
{
	const char *n = tp_xlat_name(tp, &sc_xlat_sa_handlers, h);
	if (n)
		tb_puts(tp->b, n);
	else
		tp_addr(tp, h);
}

static void print_sigaction(struct sc_tprint *tp, uint64_t addr)
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
	print_handler(tp, sa.handler);
	tb_puts(b, ", sa_mask=");
	print_sigmask(b, tp, sa.mask, 8);
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

static void print_rlimit(struct sc_tprint *tp, uint64_t addr)
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

static void print_stack(struct sc_tprint *tp, uint64_t addr)
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

static void print_utsname(struct sc_tprint *tp, uint64_t addr)
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
	if (!verbose(tp)) {
		tb_puts(tp->b, ", ...}");
		return;
	}
	print_utsname_field(tp, "release", u[2], false);
	print_utsname_field(tp, "version", u[3], false);
	print_utsname_field(tp, "machine", u[4], false);
	print_utsname_field(tp, "domainname", u[5], false);
	tb_putc(tp->b, '}');
}

static void print_sysinfo(struct sc_tprint *tp, uint64_t addr)
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

static void print_rusage(struct sc_tprint *tp, uint64_t addr)
{
	struct { int64_t ut[2], st[2]; int64_t f[14]; } r;
	if (!tp_read(tp, addr, &r, sizeof r)) {
		tp_addr(tp, addr);
		return;
	}
	struct sc_tbuf *b = tp->b;
	tb_puts(b, "{ru_utime=");
	print_tv_val(b, r.ut[0], r.ut[1]);
	tb_puts(b, ", ru_stime=");
	print_tv_val(b, r.st[0], r.st[1]);
	if (!verbose(tp)) {
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

static void print_tms(struct sc_tprint *tp, uint64_t addr)
{
	int64_t t[4];
	if (!tp_read(tp, addr, t, sizeof t)) {
		tp_addr(tp, addr);
		return;
	}
	tb_printf(tp->b, "{tms_utime=%lld, tms_stime=%lld, tms_cutime=%lld, tms_cstime=%lld}",
		  (long long)t[0], (long long)t[1], (long long)t[2], (long long)t[3]);
}

static void print_itimerval(struct sc_tprint *tp, uint64_t addr)
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
	print_tv_val(tp->b, v[0], v[1]);
	tb_puts(tp->b, ", it_value=");
	print_tv_val(tp->b, v[2], v[3]);
	tb_putc(tp->b, '}');
}

static void print_int_ptr(struct sc_tprint *tp, uint64_t addr, bool uid)
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

static void print_epoll_event(struct sc_tprint *tp, uint64_t addr)
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

static void print_sched_param(struct sc_tprint *tp, uint64_t addr)
{
	int32_t v;
	if (!tp_read(tp, addr, &v, sizeof v)) {
		tp_addr(tp, addr);
		return;
	}
	tb_printf(tp->b, "[%d]", v);
}

/* getdents: "0x... / * N entries * /", or the entries with -v. */
static void print_dirents(struct sc_tprint *tp, uint64_t addr)
{
	struct sc_tbuf *b = tp->b;
	int64_t len = tp->c->ret;
	bool d64 = tp->c->sys->meta && !strcmp(tp->c->sys->meta->name, "getdents64");
	if (len == 0 && verbose(tp)) {
		tb_puts(b, "[]");
		return;
	}
	if (len <= 0 || !verbose(tp)) {
		unsigned count = 0;
		for (int64_t off = 0; len > 0 && off < len;) {
			uint16_t reclen;
			if (!tp_read(tp, addr + (uint64_t)off + 16, &reclen, 2) || !reclen)
				break;
			count++;
			off += reclen;
		}
		tp_addr(tp, addr);
		tb_printf(b, " /* %u entries */", count);
		return;
	}
	tb_putc(b, '[');
	unsigned count = 0;
	for (int64_t off = 0; off < len; count++) {
		uint8_t rec[280];
		uint16_t reclen;
		if (!tp_read(tp, addr + (uint64_t)off + 16, &reclen, 2) || reclen < 19)
			break;
		size_t n = reclen < sizeof rec ? reclen : sizeof rec;
		if (!tp_read(tp, addr + (uint64_t)off, rec, n))
			break;
		if (count)
			tb_puts(b, ", ");
		if ((int)count >= tp->tr->strsize && !(tp->tr->flags & SC_TRACE_F_NO_ABBREV)) {
			tb_puts(b, "...");
			break;
		}
		uint64_t ino, doff;
		memcpy(&ino, rec, 8);
		memcpy(&doff, rec + 8, 8);
		uint8_t type = d64 ? rec[18] : rec[n - 1];
		const char *name = (const char *)rec + (d64 ? 19 : 18);
		size_t nl = strnlen(name, n - (size_t)(d64 ? 19 : 18));
		tb_printf(b, "{d_ino=%llu, d_off=%lld, d_reclen=%u, d_type=", (unsigned long long)ino,
			  (long long)doff, reclen);
		tp_xlat_enum(tp, &sc_xlat_dirent_types, type);
		tb_puts(b, ", d_name=");
		tp_quoted(b, (const uint8_t *)name, nl, 0, tp->tr->xflag, NULL);
		tb_putc(b, '}');
		off += reclen;
	}
	tb_putc(b, ']');
}

/* struct iovec arrays: [{iov_base="...", iov_len=N}, ...]; data bytes printed up to limit. */
static void print_iov(struct sc_tprint *tp, uint64_t addr, uint64_t cnt, bool data, uint64_t limit)
{
	struct sc_tbuf *b = tp->b;
	uint64_t v[2];
	if (!cnt) {
		tb_puts(b, "[]");
		return;
	}
	if (!addr) {
		tb_puts(b, "NULL");
		return;
	}
	if (!tp_read(tp, addr, v, sizeof v)) {
		tp_addr(tp, addr);
		return;
	}
	tb_putc(b, '[');
	for (uint64_t i = 0; i < cnt; i++) {
		if (i && !tp_read(tp, addr + i * 16, v, sizeof v)) {
			tb_puts(b, ", ...");
			tb_putc(b, ']');
			tb_puts(b, " /* ");
			tp_addr(tp, addr + i * 16);
			tb_puts(b, " */");
			return;
		}
		if (i)
			tb_puts(b, ", ");
		if (i >= (uint64_t)tp->tr->strsize && !(tp->tr->flags & SC_TRACE_F_NO_ABBREV)) {
			tb_puts(b, "...");
			break;
		}
		tb_puts(b, "{iov_base=");
		if (data) {
			uint64_t n = v[1] < limit ? v[1] : limit;
			tp_str(tp, v[0], n, 0);
			limit -= n;
		} else {
			tp_addr(tp, v[0]);
		}
		tb_printf(b, ", iov_len=%llu}", (unsigned long long)v[1]);
	}
	tb_putc(b, ']');
}

void tp_print_iov(struct sc_tprint *tp, uint64_t addr, uint64_t cnt, bool data, uint64_t limit)
{
	print_iov(tp, addr, cnt, data, limit);
}

static void print_fd_pair(struct sc_tprint *tp, uint64_t addr)
{
	int32_t fds[2];
	if (!tp_read(tp, addr, fds, sizeof fds)) {
		tp_addr(tp, addr);
		return;
	}
	tb_putc(tp->b, '[');
	if (!tp_array_cut(tp, tp->b, 0)) {
		tp_fd(tp, fds[0]);
		tb_puts(tp->b, ", ");
		if (!tp_array_cut(tp, tp->b, 1))
			tp_fd(tp, fds[1]);
	}
	tb_putc(tp->b, ']');
}

static void print_argv(struct sc_tprint *tp, uint64_t addr, bool env)
{
	struct sc_tbuf *b = tp->b;
	if (!addr) {
		tb_puts(b, "NULL");
		return;
	}
	uint64_t ptr;
	if (!tp_read(tp, addr, &ptr, 8)) {
		tp_addr(tp, addr);
		return;
	}
	if (env && !verbose(tp)) {
		unsigned n = 0;
		while (tp_read(tp, addr + 8ull * n, &ptr, 8) && ptr)
			n++;
		tp_addr(tp, addr);
		tb_printf(b, " /* %u var%s */", n, n == 1 ? "" : "s");
		return;
	}
	tb_putc(b, '[');
	for (unsigned i = 0;; i++) {
		if (!tp_read(tp, addr + 8ull * i, &ptr, 8)) {
			tb_puts(b, "...");
			break;
		}
		if (!ptr)
			break;
		if (i)
			tb_puts(b, ", ");
		if ((int)i >= tp->tr->strsize && !(tp->tr->flags & SC_TRACE_F_NO_ABBREV)) {
			tb_puts(b, "...");
			break;
		}
		tp_str(tp, ptr, ~0ull, TQ_NUL);
	}
	tb_putc(b, ']');
}

static void print_xattr_list(struct sc_tprint *tp, uint64_t addr)
{
	int64_t n = tp->c->ret;
	if (n <= 0 || !addr) {
		tp_addr(tp, addr);
		return;
	}
	tp_str(tp, addr, (uint64_t)n, 0);
}

static void print_off_ptr(struct sc_tprint *tp, uint64_t addr)
{
	int64_t v;
	if (!addr) {
		tb_puts(tp->b, "NULL");
		return;
	}
	if (!tp_read(tp, addr, &v, 8)) {
		tp_addr(tp, addr);
		return;
	}
	tb_printf(tp->b, "[%lld]", (long long)v);
}

static void print_gid_list(struct sc_tprint *tp, uint64_t addr, int64_t n)
{
	if (!addr) {
		tb_puts(tp->b, "NULL");
		return;
	}
	if (n < 0) {
		tp_addr(tp, addr);
		return;
	}
	tb_putc(tp->b, '[');
	for (int64_t i = 0; i < n; i++) {
		uint32_t g;
		if (i)
			tb_puts(tp->b, ", ");
		if (i >= tp->tr->strsize) {
			tb_puts(tp->b, "...");
			break;
		}
		if (!tp_read(tp, addr + 4 * (uint64_t)i, &g, 4)) {
			tb_puts(tp->b, "...");
			break;
		}
		tb_udec(tp->b, g);
	}
	tb_putc(tp->b, ']');
}

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
	case TP_dirfd: print_dirfd(tp, (int32_t)v); break;
	case TP_dirfd_or_fd: print_dirfd(tp, (int32_t)v); break;
	case TP_uid:
		if ((uint32_t)v == 0xffffffffu)
			tb_puts(b, "-1");
		else
			tb_udec(b, (uint32_t)v);
		break;
	case TP_mode:
	case TP_umask: print_oct03(b, (uint32_t)v); break;
	case TP_smode: print_smode(tp, (uint32_t)v); break;
	case TP_ptr: tp_addr(tp, v); break;
	case TP_path: tp_path(tp, v); break;
	case TP_str: tp_str(tp, v, ~0ull, TQ_NUL); break;
	case TP_ibuf: tp_str(tp, v, a->param >= 0 ? pv : c->args[i + 1], 0); break;
	case TP_obuf: tp_str(tp, v, (uint64_t)c->ret, 0); break;
	case TP_obuf_hex: tp_str(tp, v, (uint64_t)c->ret, TQ_HEX); break;
	case TP_obuf_str: tp_str(tp, v, (uint64_t)c->ret, TQ_NUL); break;
	case TP_iov: print_iov(tp, v, a->param >= 0 ? pv : c->args[i + 1], true, ~0ull); break;
	case TP_flags: tp_xlat_flags(tp, a->xlat, (uint32_t)v); break;
	case TP_enum:
		if (tp_xlat_name(tp, a->xlat, (uint64_t)(int64_t)(int32_t)v))
			tb_puts(b, tp_xlat_name(tp, a->xlat, (uint64_t)(int64_t)(int32_t)v));
		else
			tp_xlat_enum(tp, a->xlat, (uint32_t)v);
		break;
	case TP_oflags: tp_open_flags(tp, v); break;
	case TP_mflags: print_mmap_flags(tp, v); break;
	case TP_signo: tp_signame(tp, (int32_t)v); break;
	case TP_sigset: tp_sigset(tp, v, a->param >= 0 ? pv : 8); break;
	case TP_stat: print_stat(tp, v); break;
	case TP_statx: print_statx(tp, v); break;
	case TP_statfs: print_statfs(tp, v); break;
	case TP_timespec: tp_timespec(tp, v); break;
	case TP_timeval: print_timeval(tp, v); break;
	case TP_sigaction: print_sigaction(tp, v); break;
	case TP_rlimit: print_rlimit(tp, v); break;
	case TP_pollfd: tp_addr(tp, v); break;
	case TP_fdset: tp_addr(tp, v); break;
	case TP_argv: print_argv(tp, v, false); break;
	case TP_envp: print_argv(tp, v, true); break;
	case TP_utimens: print_utimens(tp, v); break;
	case TP_timevals: print_timevals(tp, v); break;
	case TP_int_ptr: print_int_ptr(tp, v, false); break;
	case TP_uid_ptr: print_int_ptr(tp, v, true); break;
	case TP_fd_pair: print_fd_pair(tp, v); break;
	case TP_stack: print_stack(tp, v); break;
	case TP_utsname: print_utsname(tp, v); break;
	case TP_sysinfo: print_sysinfo(tp, v); break;
	case TP_rusage: print_rusage(tp, v); break;
	case TP_tms: print_tms(tp, v); break;
	case TP_sched_param: print_sched_param(tp, v); break;
	case TP_cpuset: tp_addr(tp, v); break;
	case TP_dirents: print_dirents(tp, v); break;
	case TP_epoll_event: print_epoll_event(tp, v); break;
	case TP_epoll_events: tp_addr(tp, v); break;
	case TP_itimerval: print_itimerval(tp, v); break;
	case TP_itimerspec: {
		int64_t t[4];
		if (!v) {
			tb_puts(b, "NULL");
		} else if (!tp_read(tp, v, t, sizeof t)) {
			tp_addr(tp, v);
		} else {
			tb_puts(b, "{it_interval=");
			print_ts_val(b, t[0], t[1]);
			tb_puts(b, ", it_value=");
			print_ts_val(b, t[2], t[3]);
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
			uint64_t rest = flag_names(tp, &sc_xlat_at_flags, f, &any);
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
	case TP_dev: print_dev(b, v); break;
	case TP_rlim_res: tp_xlat_enum(tp, &sc_xlat_rlimit_resources, (uint32_t)v); break;
	case TP_clockid: tp_xlat_enum(tp, &sc_xlat_clocks, (uint32_t)v); break;
	case TP_off_ptr: print_off_ptr(tp, v); break;
	case TP_gid_list: print_gid_list(tp, v, (int32_t)pv); break;
	case TP_xattr_list: print_xattr_list(tp, v); break;
	case TP_time_ptr: {
		int64_t t;
		if (!v) {
			tb_puts(b, "NULL");
		} else if (tp_read(tp, v, &t, 8)) {
			tb_printf(b, "[%lld", (long long)t);
			time_comment(b, t, 0, 0);
			tb_putc(b, ']');
		} else {
			tp_addr(tp, v);
		}
		break;
	}
	case TP_getcpu_ptr: print_int_ptr(tp, v, true); break;
	case TP_sa_handler: print_handler(tp, v); break;
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
