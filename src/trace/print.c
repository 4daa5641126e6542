/* Argument printers, the basic ones: guest memory reads, numbers, fds and addresses, strings
 * and buffers (quoted and truncated by -s), flags and enums from the generated constant
 * tables, signal names and sets. The structs are print_*.c's, the dispatcher print_arg.c's. */
#include "print.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

void tp_oct03(struct sc_tbuf *b, unsigned v)
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

void tp_dirfd(struct sc_tprint *tp, int fd)
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
	bool nul = r > 0 && path[r - 1] == 0;
	/* Unreadable before its NUL: strace's umovestr fails, and it prints the address. */
	if (r < 0 || (!nul && r < PATH_MAX)) {
		tp_addr(tp, addr);
		return;
	}
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
	return tp_xlat_enum_as(tp, x, v, x->unknown);
}

bool tp_xlat_enum_as(struct sc_tprint *tp, const struct sc_xlat *x, uint64_t v, const char *unknown)
{
	const char *n = tp_xlat_name(tp, x, v);
	if (n) {
		tb_puts(tp->b, n);
		return true;
	}
	tb_hex(tp->b, v);
	if (unknown) {
		tb_puts(tp->b, " /* ");
		tb_puts(tp->b, unknown);
		tb_puts(tp->b, " */");
	}
	return false;
}

/* Names of the flags set in v, in table order, joined by |; returns what is left. */
uint64_t tp_flag_names(struct sc_tprint *tp, const struct sc_xlat *x, uint64_t v, bool *any)
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
	uint64_t rest = tp_flag_names(tp, x, v, &any);
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
	uint64_t rest = tp_flag_names(tp, &sc_xlat_open_flags, v, &any);
	if (rest) {
		tb_putc(tp->b, '|');
		tb_hex(tp->b, rest);
	}
}

void tp_mmap_flags(struct sc_tprint *tp, uint64_t v)
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
	uint64_t rest = v ? tp_flag_names(tp, &sc_xlat_map_flags, v, &any) : 0;
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
void tp_sigmask(struct sc_tbuf *b, const struct sc_tprint *tp, uint64_t m, unsigned bytes)
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
	tp_sigmask(tp->b, tp, m, 8);
}
