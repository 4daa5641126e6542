/* Argument printers for arrays and lists: directory entries, iovecs, fd pairs, argv and envp,
 * xattr name lists, group lists and an offset behind a pointer. Arrays show at most -s
 * elements unless -v. */
#include "print.h"

#include <string.h>

#include "xlat.h"

/* getdents: "0x... / * N entries * /", or the entries with -v. */
void tp_dirents(struct sc_tprint *tp, uint64_t addr)
{
	struct sc_tbuf *b = tp->b;
	int64_t len = tp->c->ret;
	bool d64 = tp->c->sys->meta && !strcmp(tp->c->sys->meta->name, "getdents64");
	if (len == 0 && tp_verbose(tp)) {
		tb_puts(b, "[]");
		return;
	}
	if (len <= 0 || !tp_verbose(tp)) {
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
void tp_print_iov(struct sc_tprint *tp, uint64_t addr, uint64_t cnt, bool data, uint64_t limit)
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

void tp_fd_pair(struct sc_tprint *tp, uint64_t addr)
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

void tp_argv(struct sc_tprint *tp, uint64_t addr, bool env)
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
	if (env && !tp_verbose(tp)) {
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

void tp_xattr_list(struct sc_tprint *tp, uint64_t addr)
{
	int64_t n = tp->c->ret;
	if (n <= 0 || !addr) {
		tp_addr(tp, addr);
		return;
	}
	tp_str(tp, addr, (uint64_t)n, 0);
}

void tp_off_ptr(struct sc_tprint *tp, uint64_t addr)
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

void tp_gid_list(struct sc_tprint *tp, uint64_t addr, int64_t n)
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
