/* Argument printers for file status: struct stat (guest layout of each architecture), statx
 * and statfs, with their modes, devices and times. */
#include "print.h"

#include "xlat.h"

/* ------------------------------------------------------------------ structs */

bool tp_verbose(const struct sc_tprint *tp)
{
	return tp->tr->flags & SC_TRACE_F_VERBOSE;
}

void tp_dev(struct sc_tbuf *b, uint64_t dev)
{
	unsigned major = (unsigned)(((dev >> 8) & 0xfff) | ((dev >> 32) & ~0xfffull));
	unsigned minor = (unsigned)((dev & 0xff) | ((dev >> 12) & ~0xffull));
	tb_printf(b, "makedev(%#x, %#x)", major, minor);
}

/* st_mode: S_IFREG|S_ISUID|0755, or the octal number when the type has no name. */
void tp_smode(struct sc_tprint *tp, unsigned mode)
{
	const char *t = (mode & 0170000) ? tp_xlat_name(tp, &sc_xlat_mode_types, mode & 0170000) : "";
	if (!t) {
		tp_oct03(tp->b, mode);
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
	tp_oct03(tp->b, mode & ~0177000u);
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
		tp_time_comment(b, s, (uint64_t)ns, 9);
	tb_printf(b, ", %s_nsec=", name);
	tb_dec(b, ns);
}

void tp_stat(struct sc_tprint *tp, uint64_t addr)
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
	if (tp_verbose(tp)) {
		tb_puts(b, "{st_dev=");
		tp_dev(b, k.dev);
		tb_printf(b, ", st_ino=%llu, st_mode=", (unsigned long long)k.ino);
		tp_smode(tp, k.mode);
		tb_printf(b, ", st_nlink=%llu, st_uid=%u, st_gid=%u, st_blksize=%lld, st_blocks=%lld",
			  (unsigned long long)k.nlink, k.uid, k.gid, (long long)k.blksize,
			  (long long)k.blocks);
		if (dev) {
			tb_puts(b, ", st_rdev=");
			tp_dev(b, k.rdev);
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
	tp_smode(tp, k.mode);
	if (dev) {
		tb_puts(b, ", st_rdev=");
		tp_dev(b, k.rdev);
	} else {
		tb_printf(b, ", st_size=%lld", (long long)k.size);
	}
	tb_puts(b, ", ...}");
}

void tp_statx(struct sc_tprint *tp, uint64_t addr)
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
	if (tp_verbose(tp))
		tb_printf(b, ", stx_blksize=%u", x.blksize);
	tb_puts(b, ", stx_attributes=");
	tp_xlat_flags(tp, &sc_xlat_statx_attrs, x.attributes);
	if (tp_verbose(tp))
		tb_printf(b, ", stx_nlink=%u, stx_uid=%u, stx_gid=%u", x.nlink, x.uid, x.gid);
	tb_puts(b, ", stx_mode=");
	tp_smode(tp, x.mode);
	if (tp_verbose(tp))
		tb_printf(b, ", stx_ino=%llu", (unsigned long long)x.ino);
	tb_printf(b, ", stx_size=%llu", (unsigned long long)x.size);
	if (!tp_verbose(tp)) {
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
		tp_time_comment(b, *ts[i], *tns[i], 9);
	}
	tb_printf(b, ", stx_rdev_major=%u, stx_rdev_minor=%u, stx_dev_major=%u, stx_dev_minor=%u",
		  x.rdev_major, x.rdev_minor, x.dev_major, x.dev_minor);
	tb_printf(b, ", stx_mnt_id=%#llx}", (unsigned long long)x.mnt_id);
}

void tp_statfs(struct sc_tprint *tp, uint64_t addr)
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
