/* syscorn --afl (afl.c): AFL++'s fork server protocol and coverage map for an emulated program,
 * persistent through snapshot/restore. Part of the CLI, on the public API only. */
#ifndef SYSCORN_AFL_H
#define SYSCORN_AFL_H

#include "syscorn.h"

/* Runs prog (a static arm64 or x86-64 program) with argv gargv for afl-fuzz; returns the CLI's
 * exit code (or dies of the guest's signal when it runs without afl-fuzz). */
int syscorn_afl_main(const char *prog, char *const gargv[], char *const env[],
		     const syscorn_config *cfg);

extern const char *const syscorn_afl_signatures[];

#endif
