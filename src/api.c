/* The public API (include/syscorn.h), sessions: errors, configuration, the per-architecture
 * register roles, logging, and opening, starting and closing a session. Input files are
 * api_files.c's, runs api_run.c's, registers and memory api_mem.c's. */
#include "api.h"

#include <errno.h>
#include <fcntl.h>
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
	case SYSCORN_ERR_OPTION: return "invalid tracing option";
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

syscorn_err syscorn_set_exec_prefix(syscorn *p, char *const argv_prefix[])
{
	if (!p)
		return SYSCORN_ERR_ARG;
	char **v = NULL;
	if (argv_prefix && argv_prefix[0] && !(v = strv_dup(argv_prefix)))
		return SYSCORN_ERR_NOMEM;
	free(p->exec_prefix);
	p->exec_prefix = v;
	return SYSCORN_OK;
}

syscorn_err syscorn_load(const char *path, char *const argv[], char *const envp[],
			 unsigned flags, syscorn_log_fn log, void *log_data, syscorn **out)
{
	if (!out)
		return SYSCORN_ERR_ARG;
	*out = NULL;
	syscorn_config cfg;
	syscorn_config_init(&cfg);
	cfg.flags = flags;
	cfg.log = log;
	cfg.log_data = log_data;
	cfg.log_level = SYSCORN_LOG_INFO;
	syscorn *sc;
	syscorn_err e = syscorn_open(path, &cfg, &sc);
	if (e)
		return e;
	if ((argv && argv[0] && (e = syscorn_set_argv(sc, argv))) ||
	    (envp && (e = syscorn_set_envp(sc, envp))) || (e = syscorn_start(sc))) {
		syscorn_close(sc);
		return e;
	}
	*out = sc;
	return SYSCORN_OK;
}
