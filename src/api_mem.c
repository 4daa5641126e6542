/* The public API, state: registers by role or number, guest memory (read and written even
 * where the guest's protection forbids), the list of mappings, and queries. */
#include "api.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arch/arch.h"
#include "mem.h"

/* ------------------------------------------------------------------------ registers, memory */

static syscorn_err reg_id(struct sc_process *p, int reg, int *id)
{
	const struct sc_api_arch *r = p->api->regs;
	if (reg >= SYSCORN_REG_UC) {
		*id = reg - SYSCORN_REG_UC;
		return SYSCORN_OK;
	}
	switch (reg) {
	case SYSCORN_REG_PC: *id = r->pc; return SYSCORN_OK;
	case SYSCORN_REG_SP: *id = r->sp; return SYSCORN_OK;
	case SYSCORN_REG_SYSCALL_NR: *id = r->nr; return SYSCORN_OK;
	case SYSCORN_REG_RET: *id = r->ret; return SYSCORN_OK;
	default:
		if (reg >= SYSCORN_REG_ARG0 && reg <= SYSCORN_REG_ARG5) {
			*id = r->args[reg - SYSCORN_REG_ARG0];
			return SYSCORN_OK;
		}
		return SYSCORN_ERR_REG;
	}
}

syscorn_err syscorn_reg_read(syscorn *p, int reg, uint64_t *value)
{
	if (!p || !value)
		return SYSCORN_ERR_ARG;
	int id;
	syscorn_err e = reg_id(p, reg, &id);
	if (e || (e = sc_api_build(p)))
		return e;
	uint64_t v[8] = { 0 };
	if (uc_reg_read(p->uc, id, v) != UC_ERR_OK)
		return SYSCORN_ERR_REG;
	*value = v[0];
	return SYSCORN_OK;
}

syscorn_err syscorn_reg_write(syscorn *p, int reg, uint64_t value)
{
	if (!p)
		return SYSCORN_ERR_ARG;
	int id;
	syscorn_err e = reg_id(p, reg, &id);
	if (e || (e = sc_api_build(p)))
		return e;
	/* Read first: a register wider than 64 bits keeps its upper part. */
	uint64_t v[8] = { 0 };
	if (uc_reg_read(p->uc, id, v) != UC_ERR_OK)
		return SYSCORN_ERR_REG;
	v[0] = value;
	return uc_reg_write(p->uc, id, v) == UC_ERR_OK ? SYSCORN_OK : SYSCORN_ERR_REG;
}

/* Checks [addr, addr+size) is mapped; *all_prot gets the protections every part has. */
static bool range_mapped(struct sc_process *p, uint64_t addr, size_t size, int *all_prot)
{
	*all_prot = PROT_READ | PROT_WRITE | PROT_EXEC;
	if (addr + size < addr || addr + size > p->mem.size)
		return false;
	for (uint64_t at = addr; at < addr + size;) {
		const struct sc_vma *v = mem_find(p, at);
		if (!v)
			return false;
		*all_prot &= v->prot;
		at = v->end;
	}
	return true;
}

/* Through /proc/self/mem, which ignores protections as ptrace does. */
static syscorn_err mem_force(struct sc_process *p, uint64_t addr, void *buf, size_t size,
			     bool write)
{
	int fd = open("/proc/self/mem", (write ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return SYSCORN_ERR_HOST;
	off_t off = (off_t)(uintptr_t)(p->mem.base + addr);
	size_t done = 0;
	while (done < size) {
		ssize_t k = write ? pwrite(fd, (char *)buf + done, size - done, off + (off_t)done)
				  : pread(fd, (char *)buf + done, size - done, off + (off_t)done);
		if (k <= 0)
			break;
		done += (size_t)k;
	}
	close(fd);
	return done == size ? SYSCORN_OK : SYSCORN_ERR_HOST;
}

syscorn_err syscorn_mem_read(syscorn *p, uint64_t addr, void *buf, size_t size)
{
	if (!p || (!buf && size))
		return SYSCORN_ERR_ARG;
	syscorn_err e = sc_api_build(p);
	if (e || !size)
		return e;
	int prot;
	if (!range_mapped(p, addr, size, &prot))
		return SYSCORN_ERR_FAULT;
	if (prot & (PROT_READ | PROT_EXEC)) {
		memcpy(buf, p->mem.base + addr, size);
		return SYSCORN_OK;
	}
	return mem_force(p, addr, buf, size, false);
}

syscorn_err syscorn_mem_write(syscorn *p, uint64_t addr, const void *buf, size_t size)
{
	if (!p || (!buf && size))
		return SYSCORN_ERR_ARG;
	syscorn_err e = sc_api_build(p);
	if (e || !size)
		return e;
	int prot;
	if (!range_mapped(p, addr, size, &prot))
		return SYSCORN_ERR_FAULT;
	bool code = false;
	for (uint64_t at = addr; at < addr + size;) {
		const struct sc_vma *v = mem_find(p, at);
		code |= (v->prot & PROT_EXEC) != 0;
		at = v->end;
	}
	if (prot & PROT_WRITE)
		memcpy(p->mem.base + addr, buf, size);
	else if ((e = mem_force(p, addr, (void *)(uintptr_t)buf, size, true)))
		return e;
	if (code)
		uc_ctl_remove_cache(p->uc, addr, addr + size);
	return SYSCORN_OK;
}

syscorn_err syscorn_mem_regions(syscorn *p, syscorn_mem_region **regions, uint32_t *count)
{
	if (!p || !regions || !count)
		return SYSCORN_ERR_ARG;
	syscorn_err e = sc_api_build(p);
	if (e)
		return e;
	size_t n = p->mem.nvmas;
	syscorn_mem_region *r = calloc(n ? n : 1, sizeof *r);
	if (!r)
		return SYSCORN_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct sc_vma *v = &p->mem.vmas[i];
		r[i] = (syscorn_mem_region){ v->start, v->end, (uint32_t)v->prot & 7u,
					     (v->flags & VMA_SHARED) != 0 };
	}
	*regions = r;
	*count = (uint32_t)n;
	return SYSCORN_OK;
}

void syscorn_free(void *mem)
{
	free(mem);
}

syscorn_err syscorn_query(syscorn *p, syscorn_query_type type, uint64_t *value)
{
	if (!p || !value)
		return SYSCORN_ERR_ARG;
	syscorn_err e;
	switch (type) {
	case SYSCORN_QUERY_ARCH:
		*value = p->arch == &sc_arch_arm64 ? SYSCORN_ARCH_ARM64 : SYSCORN_ARCH_X86_64;
		return SYSCORN_OK;
	case SYSCORN_QUERY_PID: *value = (uint64_t)getpid(); return SYSCORN_OK;
	case SYSCORN_QUERY_BRK:
		if ((e = sc_api_build(p)))
			return e;
		*value = p->mem.brk_cur;
		return SYSCORN_OK;
	case SYSCORN_QUERY_SNAPSHOT: *value = p->api->snap != NULL; return SYSCORN_OK;
	case SYSCORN_QUERY_RESTORES: *value = p->api->restores; return SYSCORN_OK;
	}
	return SYSCORN_ERR_ARG;
}
