/* syscorn: run static arm64 and x86-64 Linux programs under Unicorn. Public API. */
#ifndef SYSCORN_H
#define SYSCORN_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sc_process syscorn;

enum syscorn_log_level { SYSCORN_LOG_ERROR = 0, SYSCORN_LOG_WARN = 1, SYSCORN_LOG_INFO = 2 };

/* Receives every message the library has for its user; the library prints nothing itself. */
typedef void (*syscorn_log_fn)(void *data, int level, const char *msg);

/* Version strings: syscorn's own, and the Unicorn it was built with. */
const char *syscorn_version(void);
const char *syscorn_unicorn_version(void);

/* Flags for syscorn_load. */
#define SYSCORN_F_NO_RANDOM 1u /* fixed stack and static-PIE addresses (reproducible runs) */

/* Creates an emulator for the static ELF at `path`, with the given argv (argv[0] is what the
 * guest sees) and envp, ready to run. Returns NULL on failure; the reason goes to `log`
 * (which may be NULL: then nothing is reported). */
syscorn *syscorn_load(const char *path, char *const argv[], char *const envp[], unsigned flags,
		      syscorn_log_fn log, void *log_data);

/* Result of syscorn_run: a status as wait(2) would report it for the guest. */
typedef struct {
	int exited;      /* 1: exit_code is valid; 0: killed by term_signal */
	int exit_code;
	int term_signal;
} syscorn_result;

/* Runs the guest until it exits or dies. Returns 0, or -1 on an emulator failure. */
int syscorn_run(syscorn *sc, syscorn_result *result);

void syscorn_close(syscorn *sc);

/* Syscall tracing with strace's output format and options (README.md, "Tracing").
 * Options are strace's own, parsed from an argument vector: syscorn_trace_opts_parse stops at
 * the first argument that is not an option (or after "--") and returns how many it used, or -1
 * with a message in err. The library never writes the trace itself: syscorn_trace hands every
 * piece of text to `write` (pid: the process it is about, for one output per process with -ff).
 * Call syscorn_trace between syscorn_load and syscorn_run. */
typedef struct syscorn_trace_opts syscorn_trace_opts;
typedef void (*syscorn_trace_write_fn)(void *data, int pid, const char *buf, unsigned long len);

syscorn_trace_opts *syscorn_trace_opts_new(void);
int syscorn_trace_opts_parse(syscorn_trace_opts *o, int argc, char *const argv[], char *err,
			     unsigned long errlen);
const char *syscorn_trace_opts_output(const syscorn_trace_opts *o); /* -o FILE, or NULL */
int syscorn_trace_opts_per_process(const syscorn_trace_opts *o);   /* -ff */
void syscorn_trace_opts_free(syscorn_trace_opts *o);
int syscorn_trace(syscorn *sc, const syscorn_trace_opts *o, syscorn_trace_write_fn write,
		  void *data);

#ifdef __cplusplus
}
#endif
#endif
