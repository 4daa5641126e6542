/* Static ELF loading and the initial stack. */
#ifndef SYSCORN_LOADER_H
#define SYSCORN_LOADER_H

#include "core.h"

struct sc_elf; /* a checked, opened ELF file */

/* Opens and validates a static ELF64 LE executable for a supported machine. On failure returns
 * NULL and writes one line explaining why into err. */
struct sc_elf *elf_open_checked(const char *path, char *err, size_t errlen);
uint16_t elf_machine(const struct sc_elf *e);
void elf_close(struct sc_elf *e);

/* Maps the ELF's segments and builds the initial stack. Returns 0 or a negative errno
 * with a message in err. */
int elf_load(struct sc_process *p, struct sc_elf *e, char *const argv[], char *const envp[],
	     const char *execfn, gaddr_t *entry, gaddr_t *sp, char *err, size_t errlen);

#endif
