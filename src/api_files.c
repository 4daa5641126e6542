/* The public API, input: the guest's stdin and in-memory files (memfds the guest opens by
 * path), set, read back and removed. */
#include "api.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch/arch.h"

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
