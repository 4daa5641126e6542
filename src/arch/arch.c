/* Shared helpers of the guest architectures. */
#include "arch.h"

#include <elf.h>

const struct sc_arch *sc_arch_for_machine(uint16_t e_machine)
{
	if (e_machine == EM_AARCH64)
		return &sc_arch_arm64;
	if (e_machine == EM_X86_64)
		return &sc_arch_x86_64;
	return NULL;
}

/* Moves each differing bit from one side's value to the other's; equal bits pass as they are. */
static int flags_translate(const struct sc_flag_map *m, size_t n, int v, bool to_host)
{
	uint32_t in = (uint32_t)v, out = in;
	for (size_t i = 0; i < n; i++)
		out &= ~(to_host ? m[i].guest : m[i].host);
	for (size_t i = 0; i < n; i++) {
		uint32_t from = to_host ? m[i].guest : m[i].host;
		uint32_t to = to_host ? m[i].host : m[i].guest;
		if ((in & from) == from)
			out |= to;
	}
	return (int)out;
}

int guest_oflags_to_host(const struct sc_arch *a, int guest)
{
	return a->n_oflags ? flags_translate(a->oflags, a->n_oflags, guest, true) : guest;
}

int host_oflags_to_guest(const struct sc_arch *a, int host)
{
	return a->n_oflags ? flags_translate(a->oflags, a->n_oflags, host, false) : host;
}
