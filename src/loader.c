/* Loader for static ELF64 little-endian executables (ET_EXEC and static-PIE), arm64 and
 * x86-64. Every malformed input is refused with one line saying what is wrong. */
#include "loader.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch/arch.h"
#include "mem.h"

#define MAX_PHNUM 128
#define STACK_SIZE (8ull << 20)

struct sc_elf {
	int fd;
	uint64_t file_size;
	GElf_Ehdr eh;
	GElf_Phdr ph[MAX_PHNUM];
	size_t phnum;
	bool exec_stack;
};

static void *fail(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void *fail(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
	return NULL;
}

void elf_close(struct sc_elf *e)
{
	if (e) {
		close(e->fd);
		free(e);
	}
}

uint16_t elf_machine(const struct sc_elf *e)
{
	return e->eh.e_machine;
}

static const char *check_phdrs(struct sc_elf *e)
{
	uint64_t prev_end = 0;
	int nload = 0;
	for (size_t i = 0; i < e->phnum; i++) {
		const GElf_Phdr *ph = &e->ph[i];
		if (ph->p_type == PT_INTERP)
			return "dynamically linked (has PT_INTERP); only static executables are supported";
		if (ph->p_type == PT_GNU_STACK)
			e->exec_stack = (ph->p_flags & PF_X) != 0;
		if (ph->p_type != PT_LOAD)
			continue;
		nload++;
		if (ph->p_filesz > ph->p_memsz)
			return "a PT_LOAD segment has p_filesz > p_memsz";
		if (ph->p_offset > e->file_size || ph->p_filesz > e->file_size - ph->p_offset)
			return "a PT_LOAD segment lies outside the file";
		if (ph->p_memsz > (1ull << 36) || ph->p_vaddr > (1ull << 39) ||
		    ph->p_vaddr + ph->p_memsz > (1ull << 39))
			return "a PT_LOAD segment has an absurd address or size";
		if (ph->p_align > 1 && (ph->p_align & (ph->p_align - 1)))
			return "a PT_LOAD segment has a p_align that is not a power of two";
		if (ph->p_align > 1 && (ph->p_vaddr - ph->p_offset) % ph->p_align &&
		    (ph->p_vaddr - ph->p_offset) % SC_PAGE)
			return "a PT_LOAD segment's address and offset disagree modulo the page size";
		if (ph->p_vaddr < prev_end)
			return "PT_LOAD segments overlap or are not in ascending order";
		prev_end = ph->p_vaddr + ph->p_memsz;
	}
	if (!nload)
		return "no PT_LOAD segment";
	return NULL;
}

struct sc_elf *elf_open_checked(const char *path, char *err, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(err, n, "%s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return fail(err, n, "%s: %s", path,
			    S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
	}
	struct sc_elf *e = calloc(1, sizeof *e);
	if (!e) {
		close(fd);
		return fail(err, n, "out of memory");
	}
	e->fd = fd;
	e->file_size = (uint64_t)st.st_size;
	const char *why = NULL;
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	unsigned char ident[EI_NIDENT] = { 0 };
	if (pread(fd, ident, sizeof ident, 0) < 4 || memcmp(ident, ELFMAG, SELFMAG))
		why = "not an ELF file";
	else if (ident[EI_CLASS] != ELFCLASS64)
		why = "not a 64-bit ELF (only ELFCLASS64 is supported)";
	else if (ident[EI_DATA] != ELFDATA2LSB)
		why = "not a little-endian ELF";
	else if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &e->eh))
		why = "truncated or corrupt ELF header";
	else if (!sc_arch_for_machine(e->eh.e_machine))
		why = "unsupported machine (only EM_AARCH64 and EM_X86_64)";
	else if (e->eh.e_type != ET_EXEC && e->eh.e_type != ET_DYN)
		why = "not an executable (e_type is neither ET_EXEC nor ET_DYN)";
	else if (e->eh.e_phentsize != sizeof(Elf64_Phdr))
		why = "bad program header entry size";
	else if (elf_getphdrnum(elf, &e->phnum) || e->phnum == 0 || e->phnum > MAX_PHNUM)
		why = "missing or absurd program header table";
	else if (e->eh.e_phoff > e->file_size ||
		 e->phnum * sizeof(Elf64_Phdr) > e->file_size - e->eh.e_phoff)
		why = "program headers lie outside the file";
	else {
		for (size_t i = 0; i < e->phnum && !why; i++)
			if (!gelf_getphdr(elf, (int)i, &e->ph[i]))
				why = "truncated program header table";
		if (!why)
			why = check_phdrs(e);
	}
	if (elf)
		elf_end(elf);
	if (why) {
		elf_close(e);
		return fail(err, n, "%s: %s", path, why);
	}
	return e;
}

static uint64_t random_pages(unsigned max_pages)
{
	unsigned r = 0;
	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != sizeof r)
		r = (unsigned)getpid();
	return (r % max_pages) * SC_PAGE;
}

static int pf_to_prot(uint32_t f)
{
	return ((f & PF_R) ? PROT_READ : 0) | ((f & PF_W) ? PROT_WRITE : 0) |
	       ((f & PF_X) ? PROT_EXEC : 0);
}

static int map_segments(struct sc_process *p, struct sc_elf *e, uint64_t bias, char *err,
			size_t n)
{
	gaddr_t mapped_end = 0, top = 0;
	/* Writable first: copy the file's bytes in, then apply the segments' protections. Two
	 * segments may share a page; that page gets the union of their protections. */
	for (size_t i = 0; i < e->phnum; i++) {
		const GElf_Phdr *ph = &e->ph[i];
		if (ph->p_type != PT_LOAD || !ph->p_memsz)
			continue;
		gaddr_t start = SC_PAGE_DOWN(bias + ph->p_vaddr);
		gaddr_t end = SC_PAGE_UP(bias + ph->p_vaddr + ph->p_memsz);
		if (start < mapped_end)
			start = mapped_end;
		if (start < end) {
			long r = mem_map(p, start, end - start, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, 0, p->exe_path);
			if (r) {
				snprintf(err, n, "cannot map segment at 0x%llx: %s",
					 (unsigned long long)start, strerror((int)-r));
				return (int)r;
			}
			mapped_end = end;
		}
		uint8_t *dst = p->mem.base + bias + ph->p_vaddr;
		for (uint64_t done = 0; done < ph->p_filesz;) {
			ssize_t k = pread(e->fd, dst + done, ph->p_filesz - done,
					  (off_t)(ph->p_offset + done));
			if (k <= 0) {
				snprintf(err, n, "cannot read segment: %s",
					 k < 0 ? strerror(errno) : "short file");
				return -EIO;
			}
			done += (uint64_t)k;
		}
		if (end > top)
			top = end;
	}
	gaddr_t prev_end = 0;
	int prev_prot = 0;
	for (size_t i = 0; i < e->phnum; i++) {
		const GElf_Phdr *ph = &e->ph[i];
		if (ph->p_type != PT_LOAD || !ph->p_memsz)
			continue;
		int prot = pf_to_prot(ph->p_flags);
		gaddr_t start = SC_PAGE_DOWN(bias + ph->p_vaddr);
		gaddr_t end = SC_PAGE_UP(bias + ph->p_vaddr + ph->p_memsz);
		if (start < prev_end) {
			mem_protect(p, start, SC_PAGE, prot | prev_prot);
			start += SC_PAGE;
		}
		if (start < end)
			mem_protect(p, start, end - start, prot);
		prev_end = end;
		prev_prot = prot;
	}
	p->mem.brk_start = p->mem.brk_cur = p->mem.brk_mapped = top;
	return 0;
}

/* Stack builder: strings are pushed downwards from the top, then the pointer tables. */
struct stack {
	struct sc_process *p;
	gaddr_t sp, low;
};

static gaddr_t push_bytes(struct stack *s, const void *data, size_t len)
{
	if (s->sp - s->low < len + 4096)
		return 0;
	s->sp -= len;
	memcpy(s->p->mem.base + s->sp, data, len);
	return s->sp;
}

static gaddr_t push_str(struct stack *s, const char *str)
{
	return push_bytes(s, str, strlen(str) + 1);
}

static size_t count(char *const v[])
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

int elf_load(struct sc_process *p, struct sc_elf *e, char *const argv[], char *const envp[],
	     const char *execfn, gaddr_t *entry, gaddr_t *sp, char *err, size_t n)
{
	const struct sc_arch *arch = p->arch;
	uint64_t bias = 0;
	if (e->eh.e_type == ET_DYN) {
		/* Static-PIE: a base like the kernel's ELF_ET_DYN_BASE (2/3 of the space). */
		uint64_t lo = UINT64_MAX;
		for (size_t i = 0; i < e->phnum; i++)
			if (e->ph[i].p_type == PT_LOAD && e->ph[i].p_vaddr < lo)
				lo = e->ph[i].p_vaddr;
		bias = SC_PAGE_DOWN(p->mem.size / 3 * 2) - SC_PAGE_DOWN(lo) +
		       ((p->flags & SYSCORN_F_NO_RANDOM) ? 0 : random_pages(1u << 16));
	}
	int r = map_segments(p, e, bias, err, n);
	if (r)
		return r;
	*entry = bias + e->eh.e_entry;
	/* The kernel's mm fields as load_elf_binary sets them (/proc/self/stat). */
	gaddr_t start_code = UINT64_MAX, end_code = 0, start_data = 0, end_data = 0;
	for (size_t i = 0; i < e->phnum; i++) {
		const GElf_Phdr *ph = &e->ph[i];
		if (ph->p_type != PT_LOAD)
			continue;
		if ((ph->p_flags & PF_X) && ph->p_vaddr < start_code)
			start_code = ph->p_vaddr;
		if (ph->p_vaddr > start_data)
			start_data = ph->p_vaddr;
		if ((ph->p_flags & PF_X) && ph->p_vaddr + ph->p_filesz > end_code)
			end_code = ph->p_vaddr + ph->p_filesz;
		if (ph->p_vaddr + ph->p_filesz > end_data)
			end_data = ph->p_vaddr + ph->p_filesz;
	}
	p->layout.start_code = start_code + bias;
	p->layout.end_code = end_code + bias;
	p->layout.start_data = start_data + bias;
	p->layout.end_data = end_data + bias;

	gaddr_t phdr = 0;
	for (size_t i = 0; i < e->phnum; i++)
		if (e->ph[i].p_type == PT_PHDR)
			phdr = bias + e->ph[i].p_vaddr;
	for (size_t i = 0; i < e->phnum && !phdr; i++) {
		const GElf_Phdr *ph = &e->ph[i];
		if (ph->p_type == PT_LOAD && e->eh.e_phoff >= ph->p_offset &&
		    e->eh.e_phoff < ph->p_offset + ph->p_filesz)
			phdr = bias + ph->p_vaddr + (e->eh.e_phoff - ph->p_offset);
	}

	/* Stack at the top of the guest space, then the mmap area below it. */
	gaddr_t stack_top = p->mem.size - SC_PAGE * 16 -
			    ((p->flags & SYSCORN_F_NO_RANDOM) ? 0 : random_pages(1u << 12));
	int sprot = PROT_READ | PROT_WRITE | (e->exec_stack ? PROT_EXEC : 0);
	r = (int)mem_map(p, stack_top - STACK_SIZE, STACK_SIZE, sprot, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0, VMA_STACK, "[stack]");
	if (r) {
		snprintf(err, n, "cannot map the stack: %s", strerror(-r));
		return r;
	}
	p->mem.stack_top = stack_top;
	p->mem.mmap_top = stack_top - STACK_SIZE - (256ull << 20);

	struct stack s = { p, stack_top - 8, stack_top - STACK_SIZE };
	size_t argc = count(argv), envc = count(envp);
	gaddr_t *ptrs = calloc(argc + envc + 2, sizeof *ptrs);
	if (!ptrs)
		return -ENOMEM;
	bool ok = true;
	gaddr_t execfn_addr = push_str(&s, execfn);
	for (size_t i = envc; i-- > 0;)
		ok &= (ptrs[argc + 1 + i] = push_str(&s, envp[i])) != 0;
	for (size_t i = argc; i-- > 0;)
		ok &= (ptrs[i] = push_str(&s, argv[i])) != 0;
	gaddr_t platform = push_str(&s, arch->machine);
	uint8_t rnd[16];
	if (getrandom(rnd, sizeof rnd, 0) != sizeof rnd)
		memset(rnd, 0x5a, sizeof rnd);
	gaddr_t random = push_bytes(&s, rnd, sizeof rnd);
	if (!ok || !execfn_addr || !platform || !random) {
		free(ptrs);
		snprintf(err, n, "arguments and environment do not fit on the stack");
		return -E2BIG;
	}
	s.sp &= ~15ull;
	/* Strings lie in ascending order argv, envp, execfn, as the kernel lays them out. */
	p->layout.env_end = execfn_addr;
	p->layout.env_start = p->layout.arg_end = envc ? ptrs[argc + 1] : execfn_addr;
	p->layout.arg_start = argc ? ptrs[0] : p->layout.arg_end;

	uint64_t auxv[][2] = {
		{ AT_PHDR, phdr },
		{ AT_PHENT, sizeof(Elf64_Phdr) },
		{ AT_PHNUM, e->phnum },
		{ AT_PAGESZ, SC_PAGE },
		{ AT_BASE, 0 },
		{ AT_FLAGS, 0 },
		{ AT_ENTRY, *entry },
		{ AT_UID, getuid() },
		{ AT_EUID, geteuid() },
		{ AT_GID, getgid() },
		{ AT_EGID, getegid() },
		{ AT_SECURE, 0 },
		{ AT_RANDOM, random },
		{ AT_HWCAP, p->hwcap },
		{ AT_HWCAP2, p->hwcap2 },
		{ AT_CLKTCK, (uint64_t)sysconf(_SC_CLK_TCK) },
		{ AT_PLATFORM, platform },
		{ AT_EXECFN, execfn_addr },
		{ arch->minsigstksz ? AT_MINSIGSTKSZ : AT_IGNORE, arch->minsigstksz },
		{ AT_NULL, 0 },
	};
	size_t nauxv = sizeof auxv / sizeof auxv[0];
	if (!arch->minsigstksz) { /* drop the AT_IGNORE slot */
		auxv[nauxv - 2][0] = AT_NULL;
		nauxv--;
	}
	size_t words = 1 + argc + 1 + envc + 1 + nauxv * 2;
	if (s.sp - s.low < words * 8 + 4096) {
		free(ptrs);
		snprintf(err, n, "arguments and environment do not fit on the stack");
		return -E2BIG;
	}
	s.sp = (s.sp - words * 8) & ~15ull;
	uint64_t *w = (uint64_t *)(p->mem.base + s.sp);
	*w++ = argc;
	for (size_t i = 0; i < argc; i++)
		*w++ = ptrs[i];
	*w++ = 0;
	for (size_t i = 0; i < envc; i++)
		*w++ = ptrs[argc + 1 + i];
	*w++ = 0;
	p->auxv_addr = (gaddr_t)((uint8_t *)w - p->mem.base);
	p->auxv_len = nauxv * 16;
	memcpy(w, auxv, nauxv * 16);
	free(ptrs);
	*sp = p->layout.start_stack = s.sp;
	return 0;
}
