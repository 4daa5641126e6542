/* The public API, runs: limits (time, blocks, memory), stop points and syscorn_stop, and
 * syscorn_run itself (stdin put in place, a syscall a hook stopped made first). */
#include "api.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "hooks.h"
#include "mem.h"
#include "trace/trace.h"

/* ------------------------------------------------------------------------ limits */

/* Guest memory in use, as RLIMIT_AS counts it. */
static uint64_t mapped_bytes(struct sc_process *p)
{
	uint64_t n = 0;
	for (size_t i = 0; i < p->mem.nvmas; i++)
		n += p->mem.vmas[i].end - p->mem.vmas[i].start;
	return n;
}

static syscorn_action memory_limit(struct sc_thread *t, syscorn_syscall *c, void *data)
{
	(void)data;
	struct sc_process *p = t->proc;
	struct sc_api *a = p->api;
	uint64_t limit = a->limits.memory, grow = 0;
	if (!limit || !c->name)
		return SYSCORN_CONTINUE;
	if (!strcmp(c->name, "brk")) {
		if (c->args[0] > p->mem.brk_mapped)
			grow = SC_PAGE_UP(c->args[0]) - p->mem.brk_mapped;
	} else if (!strcmp(c->name, "mmap")) {
		grow = SC_PAGE_UP(c->args[1]);
	} else if (!strcmp(c->name, "mremap")) {
		if (c->args[2] > c->args[1])
			grow = SC_PAGE_UP(c->args[2]) - SC_PAGE_UP(c->args[1]);
	}
	if (!grow || mapped_bytes(p) + grow <= limit)
		return SYSCORN_CONTINUE;
	a->memory_limited = true;
	/* A refused brk returns the unchanged break; the others ENOMEM (12 on both guests). */
	c->ret = !strcmp(c->name, "brk") ? (int64_t)p->mem.brk_cur : -12;
	return SYSCORN_SKIP;
}

syscorn_err syscorn_set_limits(syscorn *p, const syscorn_limits *lim)
{
	if (!p)
		return SYSCORN_ERR_ARG;
	struct sc_api *a = p->api;
	syscorn_limits none = { 0, 0, 0 };
	a->limits = lim ? *lim : none;
	if (a->limits.memory && !a->mem_hook) {
		syscorn_err e = sc_hook_add(p, SYSCORN_HOOK_BEFORE, "brk,mmap,mremap", SC_ORDER_FIRST,
					    memory_limit, NULL, NULL, &a->mem_hook);
		if (e)
			return e;
	} else if (!a->limits.memory && a->mem_hook) {
		sc_hook_del(p, a->mem_hook);
		a->mem_hook = 0;
	}
	if (a->built && sc_block_hook_update(p))
		return SYSCORN_ERR_ENGINE;
	return SYSCORN_OK;
}

/* ------------------------------------------------------------------------ stopping */

void sc_api_stop(struct sc_process *p, int end)
{
	struct sc_api *a = p->api;
	if (a && a->end < 0)
		a->end = end;
	p->stop = true;
	if (p->uc)
		uc_emu_stop(p->uc);
}

syscorn_err syscorn_stop(syscorn *p)
{
	if (!p)
		return SYSCORN_ERR_ARG;
	if (p->api->running)
		sc_api_stop(p, SYSCORN_END_STOP);
	return SYSCORN_OK;
}

static void stop_addr_hook(uc_engine *uc, uint64_t addr, uint32_t size, void *data)
{
	(void)uc, (void)addr, (void)size;
	struct sc_process *p = data;
	struct sc_api *a = p->api;
	if (!a->stop_hooked)
		return;
	uc_hook_del(p->uc, a->stop_hook);
	a->stop_hooked = false;
	a->stop_kind = SYSCORN_STOP_NONE;
	sc_api_stop(p, SYSCORN_END_STOP);
}

static syscorn_action stop_sys_hook(struct sc_thread *t, syscorn_syscall *c, void *data)
{
	(void)data;
	struct sc_process *p = t->proc;
	struct sc_api *a = p->api;
	if (a->stop_kind == SYSCORN_STOP_STDIN) {
		if (!(c->classes & SYSCORN_SC_READ) || c->args[0] != 0)
			return SYSCORN_CONTINUE;
	} else if (a->stop_kind == SYSCORN_STOP_OPEN) {
		int i = strncmp(c->name, "openat", 6) ? 0 : 1;
		char path[4096];
		if (strncpy_from_guest(p, path, c->args[i], sizeof path) < 0 ||
		    strcmp(path, a->stop_path))
			return SYSCORN_CONTINUE;
	} else {
		return SYSCORN_CONTINUE;
	}
	sc_hook_del(p, a->stop_sys_hook);
	a->stop_sys_hook = 0;
	a->stop_kind = SYSCORN_STOP_NONE;
	return SYSCORN_STOP;
}

syscorn_err syscorn_stop_at(syscorn *p, syscorn_stop_kind kind, uint64_t addr, const char *path)
{
	if (!p || kind < SYSCORN_STOP_NONE || kind > SYSCORN_STOP_OPEN ||
	    (kind == SYSCORN_STOP_OPEN && !path))
		return SYSCORN_ERR_ARG;
	struct sc_api *a = p->api;
	if (a->stop_hooked) {
		uc_hook_del(p->uc, a->stop_hook);
		a->stop_hooked = false;
	}
	if (a->stop_sys_hook) {
		sc_hook_del(p, a->stop_sys_hook);
		a->stop_sys_hook = 0;
	}
	free(a->stop_path);
	a->stop_path = NULL;
	a->stop_kind = kind;
	a->stop_addr = addr;
	switch (kind) {
	case SYSCORN_STOP_NONE: break;
	case SYSCORN_STOP_ADDR:
		if (!a->built)
			break; /* installed when the engine exists */
		if (uc_hook_add(p->uc, &a->stop_hook, UC_HOOK_CODE, UC_CB(stop_addr_hook), p, addr,
				addr) != UC_ERR_OK)
			return SYSCORN_ERR_ENGINE;
		/* Blocks translated before the hook existed would not call it. */
		uc_ctl_remove_cache(p->uc, addr, addr + 1);
		a->stop_hooked = true;
		break;
	case SYSCORN_STOP_STDIN:
		return sc_hook_add(p, SYSCORN_HOOK_BEFORE, "%read", SC_ORDER_FIRST, stop_sys_hook, NULL,
				   NULL, &a->stop_sys_hook);
	case SYSCORN_STOP_OPEN:
		if (!(a->stop_path = strdup(path)))
			return SYSCORN_ERR_NOMEM;
		return sc_hook_add(p, SYSCORN_HOOK_BEFORE, "open,openat,openat2,creat", SC_ORDER_FIRST,
				   stop_sys_hook, NULL, NULL, &a->stop_sys_hook);
	}
	return SYSCORN_OK;
}

/* ------------------------------------------------------------------------ running */

static uint64_t reg_get(struct sc_process *p, int id)
{
	uint64_t v[8] = { 0 }; /* wide enough for a vector register */
	uc_reg_read(p->uc, id, v);
	return v[0];
}

static void reg_set(struct sc_process *p, int id, uint64_t v)
{
	uc_reg_write(p->uc, id, &v);
}

/* The guest's stdin file takes fd 0 only while the guest runs. */
static void stdin_swap_in(struct sc_process *p)
{
	struct sc_api *a = p->api;
	if (a->stdin_fd < 0)
		return;
	a->saved_fd0 = fcntl(0, F_DUPFD_CLOEXEC, a->high_fd);
	dup2(a->stdin_fd, 0);
}

static void stdin_swap_out(struct sc_process *p)
{
	struct sc_api *a = p->api;
	if (a->stdin_fd < 0)
		return;
	if (a->saved_fd0 >= 0) {
		dup2(a->saved_fd0, 0);
		close(a->saved_fd0);
	} else {
		close(0);
	}
	a->saved_fd0 = -1;
}

/* A syscall a BEFORE hook stopped is made now, from the registers. */
static void run_pending(struct sc_process *p)
{
	struct sc_api *a = p->api;
	a->pending = false;
	uint64_t nr = reg_get(p, a->regs->nr), args[6];
	for (int i = 0; i < 6; i++)
		args[i] = reg_get(p, a->regs->args[i]);
	sc_hooks_skip_before(p);
	uint64_t r = sc_dispatch(&p->thread, nr, args);
	if (!a->pending)
		reg_set(p, a->regs->ret, r);
}

/* In a fork child of the guest's: the guest child runs to its end (stops and limits do not
 * return to a caller that is not expecting this process), then the host process ends as it
 * did, without tearing the emulator down (which would only copy the parent's pages). */
static void end_fork_child(struct sc_process *p)
{
	while (!p->exit.done) {
		p->stop = false;
		if (p->api->pending)
			run_pending(p);
		if (!p->exit.done && sc_process_run(p))
			_exit(125);
	}
	sc_trace_free(p); /* the trace's last lines */
	if (!p->exit.signal)
		_exit(p->exit.status & 0xff);
	struct rlimit no_core = { 0, 0 };
	setrlimit(RLIMIT_CORE, &no_core);
	signal(p->exit.signal, SIG_DFL);
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, p->exit.signal);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	raise(p->exit.signal);
	_exit(128 + p->exit.signal);
}

syscorn_err syscorn_run(syscorn *p, syscorn_result *res)
{
	if (!p)
		return SYSCORN_ERR_ARG;
	struct sc_api *a = p->api;
	if (a->running)
		return SYSCORN_ERR_STATE;
	syscorn_err e = sc_api_build(p);
	if (e)
		return e;
	sc_trace_start(p); /* the execve line, once the guest is loaded */
	if (p->exit.done)
		return SYSCORN_ERR_STATE;
	a->end = -1;
	a->blocks = 0;
	a->cov_prev = 0;
	a->memory_limited = false;
	a->deadline_ns = a->limits.time_ms ? sc_now_ns() + a->limits.time_ms * 1000000ull : 0;
	p->stop = false;
	a->running = true;
	stdin_swap_in(p);
	int r = 0;
	pid_t pid = getpid();
	if (a->pending)
		run_pending(p);
	if (!p->exit.done && !p->stop)
		r = sc_process_run(p);
	if (getpid() != pid && !(p->flags & SYSCORN_F_FORK_RETURNS))
		end_fork_child(p);
	stdin_swap_out(p);
	a->running = false;
	p->stop = false;
	if (res) {
		memset(res, 0, sizeof *res);
		res->blocks = a->blocks;
		res->memory_limited = a->memory_limited;
		if (p->exit.done) {
			res->exited = p->exit.signal == 0;
			res->exit_code = p->exit.status;
			res->term_signal = p->exit.signal;
			res->reason = p->exit.signal ? SYSCORN_END_SIGNAL : SYSCORN_END_EXIT;
			res->pc = p->exit.fault_pc ? p->exit.fault_pc : reg_get(p, a->regs->pc);
			res->fault_addr = p->exit.fault_addr;
			memcpy(res->insn, p->exit.fault_insn, sizeof res->insn);
			memcpy(res->what, p->exit.fault_what, sizeof res->what);
		} else {
			res->reason = a->end >= 0 ? a->end : SYSCORN_END_STOP;
			res->pc = reg_get(p, a->regs->pc);
		}
	}
	return r ? SYSCORN_ERR_ENGINE : SYSCORN_OK;
}
