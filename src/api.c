/* The public API (include/syscorn.h): sessions, input, runs, registers and memory. */
#include "api.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "arch/arch.h"
#include "hooks.h"
#include "loader.h"
#include "mem.h"
#include "trace/trace.h"

const char *syscorn_strerror(syscorn_err err)
{
	switch (err) {
	case SYSCORN_OK: return "ok";
	case SYSCORN_ERR_ARG: return "invalid argument";
	case SYSCORN_ERR_NOMEM: return "out of memory";
	case SYSCORN_ERR_IO: return "cannot read the program file";
	case SYSCORN_ERR_ELF: return "not a static arm64 or x86-64 ELF executable";
	case SYSCORN_ERR_LOAD: return "cannot build the guest's image";
	case SYSCORN_ERR_STATE: return "not possible in the session's present state";
	case SYSCORN_ERR_NO_SNAPSHOT: return "no snapshot";
	case SYSCORN_ERR_REG: return "unknown register";
	case SYSCORN_ERR_FAULT: return "guest memory not mapped";
	case SYSCORN_ERR_HOOK: return "no such hook";
	case SYSCORN_ERR_SYSCALL: return "no such syscall or class";
	case SYSCORN_ERR_ENGINE: return "emulator engine failure";
	case SYSCORN_ERR_HOST: return "host system call failed";
	case SYSCORN_ERR_UNSUPPORTED: return "not supported";
	}
	return "unknown error";
}

void syscorn_config_init(syscorn_config *cfg)
{
	if (!cfg)
		return;
	memset(cfg, 0, sizeof *cfg);
	cfg->log_level = SYSCORN_LOG_WARN;
}

uint64_t sc_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------------------------------------ per architecture */

static const struct sc_api_arch regs_arm64 = {
	.pc = UC_ARM64_REG_PC, .sp = UC_ARM64_REG_SP, .nr = UC_ARM64_REG_X8,
	.ret = UC_ARM64_REG_X0,
	.args = { UC_ARM64_REG_X0, UC_ARM64_REG_X1, UC_ARM64_REG_X2, UC_ARM64_REG_X3,
		  UC_ARM64_REG_X4, UC_ARM64_REG_X5 },
	.ret_arg = 0, .trap_len = 0,
};
static const struct sc_api_arch regs_x86_64 = {
	.pc = UC_X86_REG_RIP, .sp = UC_X86_REG_RSP, .nr = UC_X86_REG_RAX,
	.ret = UC_X86_REG_RAX,
	.args = { UC_X86_REG_RDI, UC_X86_REG_RSI, UC_X86_REG_RDX, UC_X86_REG_R10,
		  UC_X86_REG_R8, UC_X86_REG_R9 },
	.ret_arg = -1, .trap_len = 2,
};

/* ------------------------------------------------------------------------ logging */

/* Between the process's sc_log and the user's callback: the configured level. */
static void api_log(void *data, int level, const char *msg)
{
	struct sc_api *a = data;
	if (a->cfg.log && level <= a->cfg.log_level)
		a->cfg.log(a->cfg.log_data, level, msg);
}

/* ------------------------------------------------------------------------ sessions */

static char **strv_dup(char *const v[])
{
	size_t n = 0, bytes = 0;
	while (v[n])
		bytes += strlen(v[n++]) + 1;
	char **r = malloc((n + 1) * sizeof *r + bytes);
	if (!r)
		return NULL;
	char *s = (char *)(r + n + 1);
	for (size_t i = 0; i < n; i++) {
		size_t k = strlen(v[i]) + 1;
		r[i] = memcpy(s, v[i], k);
		s += k;
	}
	r[n] = NULL;
	return r;
}

int sc_api_own_fd(struct sc_process *p, int fd)
{
	int r = fcntl(fd, F_DUPFD_CLOEXEC, p->api->high_fd);
	int e = errno;
	close(fd);
	errno = e;
	return r;
}

/* Our descriptors live high up, where the guest's lowest-free allocation does not reach. */
static int pick_high_fd(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 2048)
		return 1024;
	return rl.rlim_cur > 64 ? (int)(rl.rlim_cur / 2) : 3;
}

static syscorn_err open_common(const char *path, int image_fd, const syscorn_config *cfg,
			       syscorn **out)
{
	struct sc_process *p = calloc(1, sizeof *p);
	struct sc_api *a = calloc(1, sizeof *a);
	syscorn_err e = SYSCORN_ERR_NOMEM;
	if (!p || !a)
		goto fail;
	p->api = a;
	a->image_fd = image_fd;
	a->stdin_fd = a->saved_fd0 = -1;
	a->end = -1;
	a->high_fd = pick_high_fd();
	if (cfg)
		a->cfg = *cfg;
	else
		syscorn_config_init(&a->cfg);
	p->log = api_log;
	p->log_data = a;
	p->flags = a->cfg.flags;
	p->thread.proc = p;
	if (!(a->path = strdup(path)))
		goto fail;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		sc_error(p, "%s: %s", path,
			 fd < 0 ? strerror(errno)
			 : S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
		if (fd >= 0)
			close(fd);
		e = SYSCORN_ERR_IO;
		goto fail;
	}
	close(fd);
	char err[512];
	struct sc_elf *elf = elf_open_checked(path, err, sizeof err);
	if (!elf) {
		sc_error(p, "%s", err);
		e = SYSCORN_ERR_ELF;
		goto fail;
	}
	p->arch = sc_arch_for_machine(elf_machine(elf));
	elf_close(elf);
	a->regs = p->arch == &sc_arch_arm64 ? &regs_arm64 : &regs_x86_64;
	char *argv[] = { a->path, NULL }, *envp[] = { NULL };
	if (!(a->argv = strv_dup(argv)) || !(a->envp = strv_dup(envp)))
		goto fail;
	*out = p;
	return SYSCORN_OK;
fail:
	if (p && a) {
		a->image_fd = -1; /* the caller closes it */
		syscorn_close(p);
	} else {
		free(a);
		free(p);
	}
	return e;
}

syscorn_err syscorn_open(const char *path, const syscorn_config *cfg, syscorn **out)
{
	if (!path || !out)
		return SYSCORN_ERR_ARG;
	*out = NULL;
	return open_common(path, -1, cfg, out);
}

syscorn_err syscorn_open_image(const void *image, size_t size, const syscorn_config *cfg,
			       syscorn **out)
{
	if (!image || !out)
		return SYSCORN_ERR_ARG;
	*out = NULL;
	int fd = memfd_create("syscorn-image", MFD_CLOEXEC);
	if (fd < 0)
		return SYSCORN_ERR_HOST;
	for (size_t done = 0; done < size;) {
		ssize_t k = pwrite(fd, (const char *)image + done, size - done, (off_t)done);
		if (k <= 0) {
			close(fd);
			return SYSCORN_ERR_HOST;
		}
		done += (size_t)k;
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	syscorn_err e = open_common(path, fd, cfg, out);
	if (e)
		close(fd);
	return e;
}

syscorn_err syscorn_set_argv(syscorn *p, char *const argv[])
{
	if (!p || !argv || !argv[0])
		return SYSCORN_ERR_ARG;
	if (p->api->built)
		return SYSCORN_ERR_STATE;
	char **v = strv_dup(argv);
	if (!v)
		return SYSCORN_ERR_NOMEM;
	free(p->api->argv);
	p->api->argv = v;
	return SYSCORN_OK;
}

syscorn_err syscorn_set_envp(syscorn *p, char *const envp[])
{
	if (!p || !envp)
		return SYSCORN_ERR_ARG;
	if (p->api->built)
		return SYSCORN_ERR_STATE;
	char **v = strv_dup(envp);
	if (!v)
		return SYSCORN_ERR_NOMEM;
	free(p->api->envp);
	p->api->envp = v;
	return SYSCORN_OK;
}

syscorn_err sc_api_build(struct sc_process *p)
{
	struct sc_api *a = p->api;
	if (a->built)
		return SYSCORN_OK;
	if (sc_process_load(p, a->path, a->argv, a->envp))
		return SYSCORN_ERR_LOAD;
	a->built = true;
	if (a->stop_kind == SYSCORN_STOP_ADDR)
		syscorn_stop_at(p, SYSCORN_STOP_ADDR, a->stop_addr, NULL);
	if (sc_block_hook_update(p))
		return SYSCORN_ERR_ENGINE;
	return SYSCORN_OK;
}

syscorn_err syscorn_start(syscorn *p)
{
	if (!p)
		return SYSCORN_ERR_ARG;
	if (p->api->built)
		return SYSCORN_ERR_STATE;
	return sc_api_build(p);
}

syscorn_err syscorn_close(syscorn *p)
{
	if (!p)
		return SYSCORN_OK;
	struct sc_api *a = p->api;
	if (a && a->running)
		return SYSCORN_ERR_STATE;
	if (a)
		sc_snapshot_free(p);
	sc_hooks_free(p);
	sc_trace_free(p);
	if (a && a->built)
		sc_process_unload(p);
	free(p->exe_path);
	free(p->exec_prefix);
	if (a) {
		for (size_t i = 0; i < a->nfiles; i++) {
			free(a->files[i].path);
			close(a->files[i].fd);
		}
		free(a->files);
		if (a->stdin_fd >= 0)
			close(a->stdin_fd);
		if (a->image_fd >= 0)
			close(a->image_fd);
		free(a->argv);
		free(a->envp);
		free(a->path);
		free(a->stop_path);
		free(a);
	}
	free(p);
	return SYSCORN_OK;
}

syscorn *syscorn_load(const char *path, char *const argv[], char *const envp[], unsigned flags,
		      syscorn_log_fn log, void *log_data)
{
	syscorn_config cfg;
	syscorn_config_init(&cfg);
	cfg.flags = flags;
	cfg.log = log;
	cfg.log_data = log_data;
	cfg.log_level = SYSCORN_LOG_INFO;
	syscorn *sc;
	if (syscorn_open(path, &cfg, &sc))
		return NULL;
	if ((argv && argv[0] && syscorn_set_argv(sc, argv)) || (envp && syscorn_set_envp(sc, envp)) ||
	    syscorn_start(sc)) {
		syscorn_close(sc);
		return NULL;
	}
	return sc;
}

/* ------------------------------------------------------------------------ input */

static int fill_fd(int fd, const void *data, size_t size)
{
	for (size_t done = 0; done < size;) {
		ssize_t k = pwrite(fd, (const char *)data + done, size - done, (off_t)done);
		if (k <= 0)
			return -1;
		done += (size_t)k;
	}
	if (ftruncate(fd, (off_t)size))
		return -1;
	return lseek(fd, 0, SEEK_SET) < 0 ? -1 : 0;
}

static int new_memfd(struct sc_process *p, const char *name)
{
	int fd = memfd_create(name, MFD_CLOEXEC);
	return fd < 0 ? fd : sc_api_own_fd(p, fd);
}

syscorn_err syscorn_set_stdin(syscorn *p, const void *data, size_t size)
{
	if (!p || (!data && size))
		return SYSCORN_ERR_ARG;
	struct sc_api *a = p->api;
	if (a->stdin_fd < 0 && (a->stdin_fd = new_memfd(p, "stdin")) < 0) {
		sc_error(p, "cannot create the stdin file: %s", strerror(errno));
		return SYSCORN_ERR_HOST;
	}
	return fill_fd(a->stdin_fd, data, size) ? SYSCORN_ERR_HOST : SYSCORN_OK;
}

const struct sc_vfile *sc_vfile_find(struct sc_process *p, const char *path)
{
	struct sc_api *a = p->api;
	for (size_t i = 0; a && path && i < a->nfiles; i++)
		if (!strcmp(a->files[i].path, path))
			return &a->files[i];
	return NULL;
}

void sc_vfile_redirect(struct sc_process *p, char *path)
{
	const struct sc_vfile *f = sc_vfile_find(p, path);
	if (f)
		snprintf(path, 4096, "/proc/self/fd/%d", f->fd);
}

syscorn_err syscorn_set_file(syscorn *p, const char *path, const void *data, size_t size)
{
	if (!p || !path || !*path || strlen(path) >= 4096 || (!data && size))
		return SYSCORN_ERR_ARG;
	struct sc_api *a = p->api;
	const struct sc_vfile *f = sc_vfile_find(p, path);
	if (!f) {
		struct sc_vfile *v = realloc(a->files, (a->nfiles + 1) * sizeof *v);
		if (!v)
			return SYSCORN_ERR_NOMEM;
		a->files = v;
		const char *base = strrchr(path, '/');
		struct sc_vfile nf = { strdup(path), new_memfd(p, base ? base + 1 : path) };
		if (!nf.path || nf.fd < 0) {
			free(nf.path);
			if (nf.fd >= 0)
				close(nf.fd);
			return nf.path ? SYSCORN_ERR_HOST : SYSCORN_ERR_NOMEM;
		}
		a->files[a->nfiles++] = nf;
		f = &a->files[a->nfiles - 1];
	}
	return fill_fd(f->fd, data, size) ? SYSCORN_ERR_HOST : SYSCORN_OK;
}

syscorn_err syscorn_read_file(syscorn *p, const char *path, void *buf, size_t size,
			      size_t *len)
{
	if (!p || !path || (!buf && size))
		return SYSCORN_ERR_ARG;
	const struct sc_vfile *f = sc_vfile_find(p, path);
	struct stat st;
	if (!f)
		return SYSCORN_ERR_ARG;
	if (fstat(f->fd, &st))
		return SYSCORN_ERR_HOST;
	size_t n = (size_t)st.st_size < size ? (size_t)st.st_size : size;
	if (n && pread(f->fd, buf, n, 0) != (ssize_t)n)
		return SYSCORN_ERR_HOST;
	if (len)
		*len = (size_t)st.st_size;
	return SYSCORN_OK;
}

syscorn_err syscorn_remove_file(syscorn *p, const char *path)
{
	if (!p || !path)
		return SYSCORN_ERR_ARG;
	struct sc_api *a = p->api;
	const struct sc_vfile *f = sc_vfile_find(p, path);
	if (!f)
		return SYSCORN_ERR_ARG;
	size_t i = (size_t)(f - a->files);
	free(a->files[i].path);
	close(a->files[i].fd);
	a->files[i] = a->files[--a->nfiles];
	return SYSCORN_OK;
}

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
