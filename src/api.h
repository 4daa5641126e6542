/* The library session behind a syscorn handle (p->api): what the public API adds to the
 * emulated process. Shared by api*.c, snapshot.c and coverage.c; not part of the public API. */
#ifndef SYSCORN_API_H
#define SYSCORN_API_H

#include <stdbool.h>

#include "core.h"

struct sc_snapshot;

/* An in-memory file: an anonymous host file (memfd) that the guest opens by path. */
struct sc_vfile {
	char *path;
	int fd;        /* the memfd, kept at a high descriptor number */
};

/* Per architecture: the registers of the role names (SYSCORN_REG_*). */
struct sc_api_arch {
	int pc, sp, nr, ret, args[6];
	int ret_arg;   /* -1, or the argument register that is also the return register */
	int trap_len;  /* bytes of the trap instruction (the PC a syscall hook sees on x86-64) */
};

struct sc_api {
	syscorn_config cfg;
	char *path;               /* the program (for images: /proc/self/fd/N of image_fd) */
	int image_fd;             /* memfd holding an in-memory image, or -1 */
	char **argv, **envp;      /* owned, NULL-terminated */
	bool built;               /* the image exists (sc_process_load succeeded) */
	bool running;
	const struct sc_api_arch *regs;
	/* stdin: a memfd put on fd 0 while the guest runs */
	int stdin_fd;             /* -1: the host's stdin */
	int saved_fd0;            /* the host's fd 0 during a run, or -1 */
	struct sc_vfile *files;
	size_t nfiles;
	int high_fd;              /* where our own descriptors start (away from the guest's) */
	/* limits, per run */
	syscorn_limits limits;
	uint64_t deadline_ns;     /* CLOCK_MONOTONIC */
	bool memory_limited;
	int end;                  /* syscorn_end set by whatever stopped the run, -1 none */
	/* the block hook: limits and coverage */
	uc_hook block_hook;
	bool block_hooked;
	uint64_t blocks;
	uint8_t *cov;
	uint64_t cov_mask, cov_prev;
	/* the stop point */
	int stop_kind;
	uint64_t stop_addr;
	char *stop_path;
	uc_hook stop_hook;
	bool stop_hooked;
	syscorn_hook stop_sys_hook;
	/* a syscall a BEFORE hook stopped: made when the run resumes */
	bool pending;
	/* library hooks (limits, stop points, snapshot bookkeeping) */
	syscorn_hook mem_hook;
	struct sc_snapshot *snap;
	uint64_t restores;
};

static inline struct sc_api *sc_api(struct sc_process *p)
{
	return p->api;
}

/* Builds the image when it does not exist yet. */
syscorn_err sc_api_build(struct sc_process *p);

/* The in-memory file the guest path names, or NULL (api_files.c). */
const struct sc_vfile *sc_vfile_find(struct sc_process *p, const char *path);
/* Rewrites path (a GUEST_PATH_MAX buffer) to the in-memory file it names, if any (fs.c). */
void sc_vfile_redirect(struct sc_process *p, char *path);

/* A descriptor of our own: dup'ed to p's high range, close-on-exec; -1 with errno. */
int sc_api_own_fd(struct sc_process *p, int fd);

/* Ends the run at the next safe point with reason `end` (syscorn_end). */
void sc_api_stop(struct sc_process *p, int end);

/* The block hook (coverage.c): installed when coverage or a block/time limit needs it. */
int sc_block_hook_update(struct sc_process *p);
uint64_t sc_now_ns(void);

/* Snapshot bookkeeping (snapshot.c). */
void sc_snapshot_free(struct sc_process *p);

#endif
