/* The library's block hook: AFL-style edge coverage into the caller's map, and the block and
 * time limits. One hook serves all three, and it exists only while one of them is on: an
 * installed block hook costs every block a call. */
#include <stdlib.h>

#include "api.h"

/* A multiplicative hash spreads code addresses (aligned, clustered) over the whole map. */
static inline uint64_t block_id(uint64_t addr)
{
	return (addr * 0x9e3779b97f4a7c15ull) >> 32;
}

static void block_hook(uc_engine *uc, uint64_t addr, uint32_t size, void *data)
{
	(void)uc, (void)size;
	struct sc_process *p = data;
	struct sc_api *a = p->api;
	/* The limit stops before the block: a resumed run starts with it. */
	if (a->limits.blocks && a->blocks >= a->limits.blocks) {
		sc_api_stop(p, SYSCORN_END_BLOCKS);
		return;
	}
	if (a->deadline_ns && !(a->blocks & 1023) && sc_now_ns() > a->deadline_ns) {
		sc_api_stop(p, SYSCORN_END_TIME);
		return;
	}
	a->blocks++;
	if (a->cov) {
		uint64_t cur = block_id(addr);
		uint8_t *c = &a->cov[(cur ^ a->cov_prev) & a->cov_mask];
		/* AFL++'s NeverZero: a counter that wraps would hide a hit edge. */
		*c = (uint8_t)(*c + 1 + (*c == 255));
		a->cov_prev = cur >> 1;
	}
}

int sc_block_hook_update(struct sc_process *p)
{
	struct sc_api *a = p->api;
	if (!a->built)
		return 0;
	bool need = a->cov || a->limits.blocks || a->limits.time_ms;
	if (need == a->block_hooked)
		return 0;
	if (need) {
		if (uc_hook_add(p->uc, &a->block_hook, UC_HOOK_BLOCK, UC_CB(block_hook), p, 1, 0) !=
		    UC_ERR_OK)
			return -1;
	} else {
		uc_hook_del(p->uc, a->block_hook);
	}
	a->block_hooked = need;
	/* Translated blocks call the hooks that existed when they were translated. */
	uc_ctl_flush_tb(p->uc);
	return 0;
}

syscorn_err syscorn_coverage(syscorn *p, uint8_t *map, size_t size)
{
	if (!p || (map && (size < 2 || (size & (size - 1)))))
		return SYSCORN_ERR_ARG;
	struct sc_api *a = p->api;
	a->cov = map;
	a->cov_mask = map ? size - 1 : 0;
	a->cov_prev = 0;
	return sc_block_hook_update(p) ? SYSCORN_ERR_ENGINE : SYSCORN_OK;
}
