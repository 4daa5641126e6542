/* API unit tests: every function of include/syscorn.h and its error paths, for each guest
 * architecture, through the public header only. Run under ASan/UBSan by tests/run; ends with a
 * loop of open/run/snapshot/restore/close cycles (hooks, tracing, limits, coverage on) that
 * must keep memory (RSS, or the live heap under ASan), mappings and descriptors flat.
 *   test_api GUEST-ARM64 GUEST-X86_64     (tests/unit/guest/apiguest.c) */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "syscorn.h"

static int failures, checks;
static char last_log[1024];

#define CHECK(cond, ...)                                                  \
	do {                                                              \
		checks++;                                                 \
		if (!(cond)) {                                            \
			failures++;                                       \
			printf("FAIL %s:%d: ", __FILE__, __LINE__);       \
			printf(__VA_ARGS__);                              \
			printf("\n");                                     \
		}                                                         \
	} while (0)
#define OK(call) CHECK((call) == SYSCORN_OK, "%s", #call)
#define ERR(call, err) CHECK((call) == (err), "%s: want %s", #call, #err)

static void capture(void *data, int level, const char *msg)
{
	(void)data, (void)level;
	snprintf(last_log, sizeof last_log, "%s", msg);
}

static const char *guest;   /* the current architecture's guest */
static const char *arch;

static syscorn *open_with(char *const argv[])
{
	syscorn_config cfg;
	syscorn_config_init(&cfg);
	cfg.log = capture;
	cfg.log_level = SYSCORN_LOG_INFO;
	syscorn *sc = NULL;
	syscorn_err e = syscorn_open(guest, &cfg, &sc);
	CHECK(e == SYSCORN_OK && sc, "open %s: %s (%s)", guest, syscorn_strerror(e), last_log);
	if (sc && argv)
		OK(syscorn_set_argv(sc, argv));
	return sc;
}

#define ARGV(...) ((char *const[]){ "apiguest", __VA_ARGS__, NULL })

static syscorn_result run(syscorn *sc)
{
	syscorn_result r;
	memset(&r, 0xa5, sizeof r);
	syscorn_err e = syscorn_run(sc, &r);
	CHECK(e == SYSCORN_OK, "run: %s", syscorn_strerror(e));
	return r;
}

static int count_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

static inline long rss_kib(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

/* A trace, as syscorn_trace hands it over. */
struct trace_buf {
	char text[16384];
	size_t len;
	int pid, calls;
};

static void trace_sink(void *data, int pid, const char *buf, unsigned long len)
{
	struct trace_buf *t = data;
	if (!t)
		return;
	t->calls++;
	t->pid = pid;
	size_t room = sizeof t->text - 1 - t->len;
	size_t n = len < room ? len : room;
	memcpy(t->text + t->len, buf, n);
	t->len += n;
	t->text[t->len] = 0;
}

/* ------------------------------------------------------------------------ basics */

static void test_errors_and_versions(void)
{
	for (int e = SYSCORN_OK; e <= SYSCORN_ERR_OPTION; e++) {
		const char *t = syscorn_strerror((syscorn_err)e);
		CHECK(t && *t && strcmp(t, "unknown error"), "strerror %d", e);
		for (int f = SYSCORN_OK; f < e; f++)
			CHECK(strcmp(t, syscorn_strerror((syscorn_err)f)), "strerror %d == %d", e, f);
	}
	CHECK(!strcmp(syscorn_strerror((syscorn_err)999), "unknown error"), "strerror unknown");
	CHECK(*syscorn_version() && !strncmp(syscorn_unicorn_version(), "2.", 2), "versions");
	syscorn_config_init(NULL);
	syscorn_config cfg;
	syscorn_config_init(&cfg);
	CHECK(cfg.log_level == SYSCORN_LOG_WARN && !cfg.log && !cfg.flags, "config defaults");
	/* Every call refuses a NULL handle. */
	uint64_t v;
	uint8_t buf[4];
	syscorn_result r;
	syscorn_hook h;
	ERR(syscorn_open(NULL, NULL, (syscorn **)&v), SYSCORN_ERR_ARG);
	ERR(syscorn_open(guest, NULL, NULL), SYSCORN_ERR_ARG);
	ERR(syscorn_open_image(NULL, 0, NULL, (syscorn **)&v), SYSCORN_ERR_ARG);
	ERR(syscorn_set_argv(NULL, ARGV("x")), SYSCORN_ERR_ARG);
	ERR(syscorn_set_envp(NULL, ARGV("x")), SYSCORN_ERR_ARG);
	ERR(syscorn_set_stdin(NULL, "", 0), SYSCORN_ERR_ARG);
	ERR(syscorn_set_file(NULL, "/x", "", 0), SYSCORN_ERR_ARG);
	ERR(syscorn_remove_file(NULL, "/x"), SYSCORN_ERR_ARG);
	ERR(syscorn_start(NULL), SYSCORN_ERR_ARG);
	ERR(syscorn_set_limits(NULL, NULL), SYSCORN_ERR_ARG);
	ERR(syscorn_run(NULL, &r), SYSCORN_ERR_ARG);
	ERR(syscorn_stop(NULL), SYSCORN_ERR_ARG);
	ERR(syscorn_stop_at(NULL, SYSCORN_STOP_NONE, 0, NULL), SYSCORN_ERR_ARG);
	ERR(syscorn_reg_read(NULL, SYSCORN_REG_PC, &v), SYSCORN_ERR_ARG);
	ERR(syscorn_reg_write(NULL, SYSCORN_REG_PC, 0), SYSCORN_ERR_ARG);
	ERR(syscorn_mem_read(NULL, 0, buf, 1), SYSCORN_ERR_ARG);
	ERR(syscorn_mem_write(NULL, 0, buf, 1), SYSCORN_ERR_ARG);
	ERR(syscorn_query(NULL, SYSCORN_QUERY_ARCH, &v), SYSCORN_ERR_ARG);
	ERR(syscorn_hook_syscall(NULL, SYSCORN_HOOK_BEFORE, NULL, NULL, NULL, &h), SYSCORN_ERR_ARG);
	ERR(syscorn_hook_del(NULL, 1), SYSCORN_ERR_ARG);
	ERR(syscorn_snapshot(NULL), SYSCORN_ERR_ARG);
	ERR(syscorn_restore(NULL), SYSCORN_ERR_ARG);
	ERR(syscorn_snapshot_drop(NULL), SYSCORN_ERR_ARG);
	ERR(syscorn_coverage(NULL, NULL, 0), SYSCORN_ERR_ARG);
	ERR(syscorn_read_file(NULL, "/x", buf, 1, NULL), SYSCORN_ERR_ARG);
	ERR(syscorn_mem_regions(NULL, NULL, NULL), SYSCORN_ERR_ARG);
	ERR(syscorn_set_exec_prefix(NULL, ARGV("x")), SYSCORN_ERR_ARG);
	syscorn_trace_opts *o = NULL;
	OK(syscorn_trace_opts_new(&o));
	ERR(syscorn_trace(NULL, o, trace_sink, NULL), SYSCORN_ERR_ARG);
	syscorn_trace_opts_free(o);
	OK(syscorn_close(NULL));
	syscorn *out = (syscorn *)&v;
	ERR(syscorn_load("/nonexistent", NULL, NULL, 0, NULL, NULL, &out), SYSCORN_ERR_IO);
	CHECK(out == NULL, "load: *out cleared on failure");
	ERR(syscorn_load(guest, NULL, NULL, 0, NULL, NULL, NULL), SYSCORN_ERR_ARG);
}

static void test_open(void)
{
	syscorn *sc = (syscorn *)1;
	ERR(syscorn_open("/nonexistent/prog", NULL, &sc), SYSCORN_ERR_IO);
	CHECK(sc == NULL, "*out cleared on failure");
	ERR(syscorn_open("/", NULL, &sc), SYSCORN_ERR_IO);
	ERR(syscorn_open("/proc/self/status", NULL, &sc), SYSCORN_ERR_ELF);
	ERR(syscorn_open_image("not an elf", 10, NULL, &sc), SYSCORN_ERR_ELF);
	ERR(syscorn_open_image("\177ELF\2\1\1", 7, NULL, &sc), SYSCORN_ERR_ELF);
	/* The guest from memory runs like the file. */
	FILE *f = fopen(guest, "rb");
	static char image[4 << 20];
	size_t n = f ? fread(image, 1, sizeof image, f) : 0;
	if (f)
		fclose(f);
	CHECK(n > 0 && n < sizeof image, "read %s", guest);
	OK(syscorn_open_image(image, n, NULL, &sc));
	OK(syscorn_set_argv(sc, ARGV("exit", "33")));
	syscorn_result r = run(sc);
	CHECK(r.reason == SYSCORN_END_EXIT && r.exited && r.exit_code == 33, "image exit %d",
	      r.exit_code);
	ERR(syscorn_run(sc, &r), SYSCORN_ERR_STATE); /* ended */
	OK(syscorn_close(sc));
	/* The compatibility form. */
	OK(syscorn_load(guest, ARGV("exit", "5"), (char *const[]){ NULL }, SYSCORN_F_NO_RANDOM,
			capture, NULL, &sc));
	CHECK(sc, "syscorn_load");
	if (sc) {
		ERR(syscorn_set_argv(sc, ARGV("x")), SYSCORN_ERR_STATE);
		r = run(sc);
		CHECK(r.exit_code == 5, "load exit %d", r.exit_code);
		syscorn_close(sc);
	}
}

static void test_argv_env_input(void)
{
	syscorn *sc = open_with(ARGV("argv", "a", "b"));
	ERR(syscorn_set_argv(sc, (char *const[]){ NULL }), SYSCORN_ERR_ARG);
	ERR(syscorn_set_argv(sc, NULL), SYSCORN_ERR_ARG);
	ERR(syscorn_set_envp(sc, NULL), SYSCORN_ERR_ARG);
	OK(syscorn_start(sc));
	ERR(syscorn_start(sc), SYSCORN_ERR_STATE);
	ERR(syscorn_set_argv(sc, ARGV("x")), SYSCORN_ERR_STATE);
	ERR(syscorn_set_envp(sc, ARGV("x")), SYSCORN_ERR_STATE);
	CHECK(run(sc).exit_code == 4, "argc");
	syscorn_close(sc);

	sc = open_with(ARGV("env"));
	OK(syscorn_set_envp(sc, (char *const[]){ "A=1", "SC_TEST=yes", NULL }));
	CHECK(run(sc).exit_code == 7, "envp");
	syscorn_close(sc);

	sc = open_with(ARGV("env")); /* default: an empty environment */
	CHECK(run(sc).exit_code == 8, "empty envp");
	syscorn_close(sc);

	sc = open_with(ARGV("echo"));
	ERR(syscorn_set_stdin(sc, NULL, 3), SYSCORN_ERR_ARG);
	OK(syscorn_set_stdin(sc, "first", 5));
	OK(syscorn_set_stdin(sc, "0123456789", 10)); /* replaces */
	int fds = count_fds();
	CHECK(run(sc).exit_code == 10, "stdin bytes");
	CHECK(count_fds() == fds, "the host's fd 0 is back after the run");
	syscorn_close(sc);

	sc = open_with(ARGV("file", "/in/x"));
	ERR(syscorn_set_file(sc, NULL, "", 0), SYSCORN_ERR_ARG);
	ERR(syscorn_set_file(sc, "", "", 0), SYSCORN_ERR_ARG);
	ERR(syscorn_set_file(sc, "/in/x", NULL, 4), SYSCORN_ERR_ARG);
	OK(syscorn_set_file(sc, "/in/x", "nope", 4));
	OK(syscorn_set_file(sc, "/in/x", "Fuzz input", 10));
	OK(syscorn_set_file(sc, "/in/y", "other", 5));
	ERR(syscorn_remove_file(sc, "/in/none"), SYSCORN_ERR_ARG);
	OK(syscorn_remove_file(sc, "/in/y"));
	ERR(syscorn_remove_file(sc, NULL), SYSCORN_ERR_ARG);
	CHECK(run(sc).exit_code == 110, "in-memory file");
	char back[16] = "";
	size_t len = 0;
	OK(syscorn_read_file(sc, "/in/x", back, 4, &len));
	CHECK(len == 10 && !memcmp(back, "Fuzz", 4), "read_file: %zu '%.4s'", len, back);
	OK(syscorn_read_file(sc, "/in/x", NULL, 0, NULL));
	ERR(syscorn_read_file(sc, "/in/y", back, 4, &len), SYSCORN_ERR_ARG);
	ERR(syscorn_read_file(sc, NULL, back, 4, &len), SYSCORN_ERR_ARG);
	ERR(syscorn_read_file(sc, "/in/x", NULL, 4, &len), SYSCORN_ERR_ARG);
	ERR(syscorn_read_file(NULL, "/in/x", back, 4, &len), SYSCORN_ERR_ARG);
	syscorn_close(sc);

	sc = open_with(ARGV("file", "/in/x"));
	OK(syscorn_set_file(sc, "/in/x", "Fuzz", 4));
	OK(syscorn_remove_file(sc, "/in/x"));
	CHECK(run(sc).exit_code == 255, "removed file");
	syscorn_close(sc);
}

/* ------------------------------------------------------------------------ results, limits */

static void test_results_limits(void)
{
	syscorn *sc = open_with(ARGV("crash"));
	syscorn_result r = run(sc);
	CHECK(r.reason == SYSCORN_END_SIGNAL && !r.exited && r.term_signal == 11, "crash: %d %d",
	      r.reason, r.term_signal);
	CHECK(r.fault_addr == 16 && r.pc && r.insn[0] && strstr(r.what, "unmapped"),
	      "crash details: addr %llx pc %llx '%s' '%s'", (unsigned long long)r.fault_addr,
	      (unsigned long long)r.pc, r.insn, r.what);
	CHECK(strstr(last_log, "SIGSEGV"), "fault reported to the log: %s", last_log);
	syscorn_close(sc);

	sc = open_with(ARGV("loop"));
	syscorn_limits lim = { .blocks = 1000 };
	OK(syscorn_set_limits(sc, &lim));
	r = run(sc);
	CHECK(r.reason == SYSCORN_END_BLOCKS && r.blocks == 1000 && !r.exited && !r.term_signal,
	      "block limit: reason %d blocks %llu", r.reason, (unsigned long long)r.blocks);
	r = run(sc); /* resumable */
	CHECK(r.reason == SYSCORN_END_BLOCKS && r.blocks == 1000, "block limit again");
	lim = (syscorn_limits){ .time_ms = 50 };
	OK(syscorn_set_limits(sc, &lim));
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = run(sc);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	CHECK(r.reason == SYSCORN_END_TIME && ms >= 50 && ms < 2000, "time limit: %d after %.0f ms",
	      r.reason, ms);
	OK(syscorn_set_limits(sc, NULL));
	OK(syscorn_stop(sc)); /* between runs: nothing */
	syscorn_close(sc);

	sc = open_with(ARGV("alloc", "64"));
	lim = (syscorn_limits){ .memory = 32 << 20 };
	OK(syscorn_set_limits(sc, &lim));
	r = run(sc);
	CHECK(r.exit_code == 1 && r.memory_limited, "memory limit: exit %d limited %d",
	      r.exit_code, r.memory_limited);
	syscorn_close(sc);
	sc = open_with(ARGV("alloc", "16"));
	OK(syscorn_set_limits(sc, &lim));
	r = run(sc);
	CHECK(r.exit_code == 0 && !r.memory_limited, "under the memory limit: %d", r.exit_code);
	syscorn_close(sc);
}

/* ------------------------------------------------------------------------ stop points, regs */

static void test_stop_regs_mem(void)
{
	syscorn *sc = open_with(ARGV("echo"));
	uint64_t entry, sp, v, arch_id;
	OK(syscorn_reg_read(sc, SYSCORN_REG_PC, &entry)); /* builds the image */
	OK(syscorn_reg_read(sc, SYSCORN_REG_SP, &sp));
	CHECK(entry && sp && !(sp & 15), "entry %llx sp %llx", (unsigned long long)entry,
	      (unsigned long long)sp);
	ERR(syscorn_reg_read(sc, 9999, &v), SYSCORN_ERR_REG);
	ERR(syscorn_reg_read(sc, SYSCORN_REG_PC, NULL), SYSCORN_ERR_ARG);
	ERR(syscorn_reg_write(sc, 0, 1), SYSCORN_ERR_REG);
	ERR(syscorn_reg_read(sc, SYSCORN_REG_UC + 100000, &v), SYSCORN_ERR_REG);
	OK(syscorn_reg_write(sc, SYSCORN_REG_ARG5, 0x1234));
	OK(syscorn_reg_read(sc, SYSCORN_REG_ARG5, &v));
	CHECK(v == 0x1234, "arg5 round trip");
	OK(syscorn_query(sc, SYSCORN_QUERY_ARCH, &arch_id));
	CHECK(arch_id == (uint64_t)(!strcmp(arch, "arm64") ? SYSCORN_ARCH_ARM64 : SYSCORN_ARCH_X86_64),
	      "arch");
	/* Raw Unicorn ids: x9 is 199+... avoid the header; the role ids name the same regs. */
	OK(syscorn_query(sc, SYSCORN_QUERY_PID, &v));
	CHECK(v == (uint64_t)getpid(), "pid");
	OK(syscorn_query(sc, SYSCORN_QUERY_BRK, &v));
	CHECK(v > entry, "brk");
	ERR(syscorn_query(sc, (syscorn_query_type)77, &v), SYSCORN_ERR_ARG);
	syscorn_mem_region *regs;
	uint32_t nregs;
	ERR(syscorn_mem_regions(sc, NULL, &nregs), SYSCORN_ERR_ARG);
	ERR(syscorn_mem_regions(NULL, &regs, &nregs), SYSCORN_ERR_ARG);
	OK(syscorn_mem_regions(sc, &regs, &nregs));
	bool has_code = false, has_stack = false;
	for (uint32_t i = 0; i < nregs; i++) {
		has_code |= regs[i].begin <= entry && entry < regs[i].end && (regs[i].perms & 4);
		has_stack |= regs[i].begin < sp && sp <= regs[i].end && (regs[i].perms & 2);
		CHECK(i == 0 || regs[i - 1].end <= regs[i].begin, "regions sorted");
	}
	CHECK(nregs >= 3 && has_code && has_stack, "mem_regions: %u, code %d stack %d", nregs,
	      has_code, has_stack);
	syscorn_free(regs);
	syscorn_free(NULL);
	ERR(syscorn_query(sc, SYSCORN_QUERY_ARCH, NULL), SYSCORN_ERR_ARG);

	/* Memory: code is readable and (as for a debugger) writable; NULL is not mapped. */
	uint8_t code[8], again[8], patched[8];
	OK(syscorn_mem_read(sc, entry, code, sizeof code));
	ERR(syscorn_mem_read(sc, 0, code, 4), SYSCORN_ERR_FAULT);
	ERR(syscorn_mem_write(sc, 8, code, 4), SYSCORN_ERR_FAULT);
	ERR(syscorn_mem_read(sc, ~0ull - 2, code, 8), SYSCORN_ERR_FAULT);
	ERR(syscorn_mem_read(sc, entry, NULL, 8), SYSCORN_ERR_ARG);
	OK(syscorn_mem_read(sc, entry, code, 0));
	memset(patched, 0x90, sizeof patched);
	OK(syscorn_mem_write(sc, entry, patched, sizeof patched));
	OK(syscorn_mem_read(sc, entry, again, sizeof again));
	CHECK(!memcmp(again, patched, 8), "code write");
	OK(syscorn_mem_write(sc, entry, code, sizeof code));
	OK(syscorn_mem_write(sc, sp - 64, "stack", 5));
	OK(syscorn_mem_read(sc, sp - 64, again, 5));
	CHECK(!memcmp(again, "stack", 5), "stack round trip");

	/* A stop at the entry point: nothing has run. */
	ERR(syscorn_stop_at(sc, (syscorn_stop_kind)9, 0, NULL), SYSCORN_ERR_ARG);
	ERR(syscorn_stop_at(sc, SYSCORN_STOP_OPEN, 0, NULL), SYSCORN_ERR_ARG);
	OK(syscorn_stop_at(sc, SYSCORN_STOP_ADDR, entry, NULL));
	syscorn_result r = run(sc);
	CHECK(r.reason == SYSCORN_END_STOP && r.pc == entry, "stop at entry: %d pc %llx", r.reason,
	      (unsigned long long)r.pc);
	/* Then at the read of stdin, before it is made: the registers show the call. */
	OK(syscorn_stop_at(sc, SYSCORN_STOP_STDIN, 0, NULL));
	OK(syscorn_set_stdin(sc, "abc", 3));
	r = run(sc);
	CHECK(r.reason == SYSCORN_END_STOP, "stop at stdin: %d", r.reason);
	OK(syscorn_reg_read(sc, SYSCORN_REG_ARG0, &v));
	CHECK(v == 0, "read's fd in ARG0: %llu", (unsigned long long)v);
	OK(syscorn_reg_read(sc, SYSCORN_REG_SYSCALL_NR, &v));
	CHECK(v == (!strcmp(arch, "arm64") ? 63u : 0u), "read's number: %llu",
	      (unsigned long long)v);
	r = run(sc); /* the pending read is made, the guest goes on */
	CHECK(r.reason == SYSCORN_END_EXIT && r.exit_code == 3, "after the stop: %d %d", r.reason,
	      r.exit_code);
	syscorn_close(sc);

	sc = open_with(ARGV("file", "/in/f"));
	OK(syscorn_set_file(sc, "/in/f", "F123", 4));
	OK(syscorn_stop_at(sc, SYSCORN_STOP_OPEN, 0, "/in/f"));
	r = run(sc);
	CHECK(r.reason == SYSCORN_END_STOP, "stop at open: %d", r.reason);
	OK(syscorn_set_file(sc, "/in/f", "F12345", 6)); /* the input may change before the open */
	r = run(sc);
	CHECK(r.exit_code == 106, "after the open stop: %d", r.exit_code);
	OK(syscorn_stop_at(sc, SYSCORN_STOP_NONE, 0, NULL));
	syscorn_close(sc);
}

/* ------------------------------------------------------------------------ hooks */

struct hook_log {
	int before, after, writes;
	syscorn_action action;
	int64_t ret;
	char name[32], arg0[16], type1[16];
	unsigned classes;
};

static syscorn_action on_call(syscorn *sc, syscorn_syscall *c, void *data)
{
	(void)sc;
	struct hook_log *l = data;
	l->before++;
	if (c->name) {
		snprintf(l->name, sizeof l->name, "%s", c->name);
		if (c->nargs > 1) {
			snprintf(l->arg0, sizeof l->arg0, "%s", c->arg_names[0]);
			snprintf(l->type1, sizeof l->type1, "%s", c->arg_types[1]);
		}
		l->classes = c->classes;
	}
	c->ret = l->ret;
	return l->action;
}

static syscorn_action on_after(syscorn *sc, syscorn_syscall *c, void *data)
{
	(void)sc;
	struct hook_log *l = data;
	l->after++;
	if (l->ret)
		c->ret = l->ret;
	return l->action;
}

static syscorn_action shorten_write(syscorn *sc, syscorn_syscall *c, void *data)
{
	(void)sc;
	((struct hook_log *)data)->writes++;
	c->args[2] = 3; /* the guest checks for a full write */
	return SYSCORN_CONTINUE;
}

static syscorn_action stop_and_del(syscorn *sc, syscorn_syscall *c, void *data)
{
	(void)c;
	syscorn_hook *self = data;
	syscorn_hook_del(sc, *self); /* allowed inside a hook */
	syscorn_stop(sc);
	return SYSCORN_CONTINUE;
}

static void test_hooks(void)
{
	syscorn *sc = open_with(ARGV("syscalls"));
	struct hook_log l = { 0 };
	syscorn_hook h1, h2, h3;
	ERR(syscorn_hook_syscall(sc, 0, NULL, on_call, &l, &h1), SYSCORN_ERR_ARG);
	ERR(syscorn_hook_syscall(sc, 8, NULL, on_call, &l, &h1), SYSCORN_ERR_ARG);
	ERR(syscorn_hook_syscall(sc, SYSCORN_HOOK_BEFORE, NULL, NULL, &l, &h1), SYSCORN_ERR_ARG);
	ERR(syscorn_hook_syscall(sc, SYSCORN_HOOK_BEFORE, "nosuchcall", on_call, &l, &h1),
	    SYSCORN_ERR_SYSCALL);
	ERR(syscorn_hook_syscall(sc, SYSCORN_HOOK_BEFORE, "%nosuchclass", on_call, &l, &h1),
	    SYSCORN_ERR_SYSCALL);
	ERR(syscorn_hook_syscall(sc, SYSCORN_HOOK_BEFORE, "read,,write", on_call, &l, &h1),
	    SYSCORN_ERR_SYSCALL);
	/* x86-64's open is accepted on arm64 too (it selects nothing there). */
	OK(syscorn_hook_syscall(sc, SYSCORN_HOOK_BEFORE, "open,%file", on_call, &l, &h1));
	OK(syscorn_hook_del(sc, h1));
	ERR(syscorn_hook_del(sc, h1), SYSCORN_ERR_HOOK);
	ERR(syscorn_hook_del(sc, 12345), SYSCORN_ERR_HOOK);
	/* SKIP with a chosen result: getpid gives 42, the exit code. */
	l = (struct hook_log){ .action = SYSCORN_SKIP, .ret = 42 };
	OK(syscorn_hook_syscall(sc, SYSCORN_HOOK_BEFORE, "getpid", on_call, &l, &h1));
	syscorn_result r = run(sc);
	CHECK(r.exit_code == 42 && l.before == 1 && !strcmp(l.name, "getpid"), "skip: %d %d %s",
	      r.exit_code, l.before, l.name);
	syscorn_close(sc);

	/* AFTER changes the result; argument metadata and classes are visible. */
	sc = open_with(ARGV("syscalls"));
	struct hook_log w = { 0 }, a = { .ret = 55 };
	OK(syscorn_hook_syscall(sc, SYSCORN_HOOK_BEFORE, "write", on_call, &w, &h1));
	OK(syscorn_hook_syscall(sc, SYSCORN_HOOK_AFTER, "getpid", on_after, &a, &h2));
	r = run(sc);
	CHECK(r.exit_code == 55 && a.after == 1, "after: %d", r.exit_code);
	CHECK(w.before >= 1 && !strcmp(w.name, "write") && !strcmp(w.arg0, "fd") &&
		      !strcmp(w.type1, "ibuf") && (w.classes & SYSCORN_SC_WRITE) &&
		      (w.classes & SYSCORN_SC_DESC),
	      "metadata: %s %s %s %x", w.name, w.arg0, w.type1, w.classes);
	syscorn_close(sc);

	/* Changed arguments reach the call: a write of 3 bytes of 7 makes the guest fail. */
	sc = open_with(ARGV("syscalls"));
	struct hook_log s = { 0 };
	OK(syscorn_hook_syscall(sc, SYSCORN_HOOK_BEFORE, "%write", shorten_write, &s, &h1));
	r = run(sc);
	CHECK(r.exit_code == 255 && s.writes == 1, "changed args: %d", r.exit_code);
	syscorn_close(sc);

	/* STOP before: the call waits; the next run makes it without BEFORE hooks. */
	sc = open_with(ARGV("syscalls"));
	struct hook_log st = { .action = SYSCORN_STOP }, af = { 0 };
	OK(syscorn_hook_syscall(sc, SYSCORN_HOOK_BEFORE, "getpid", on_call, &st, &h1));
	OK(syscorn_hook_syscall(sc, SYSCORN_HOOK_AFTER, "getpid", on_after, &af, &h2));
	r = run(sc);
	CHECK(r.reason == SYSCORN_END_STOP && st.before == 1 && af.after == 0, "stop before: %d",
	      r.reason);
	r = run(sc);
	CHECK(r.reason == SYSCORN_END_EXIT && r.exit_code == (getpid() & 0x7f) && st.before == 1 &&
		      af.after == 1,
	      "resumed: %d %d %d", r.exit_code, st.before, af.after);
	syscorn_close(sc);

	/* STOP after: the result stands. */
	sc = open_with(ARGV("syscalls"));
	struct hook_log sa = { .action = SYSCORN_STOP, .ret = 9 };
	OK(syscorn_hook_syscall(sc, SYSCORN_HOOK_AFTER, "getpid", on_after, &sa, &h1));
	r = run(sc);
	CHECK(r.reason == SYSCORN_END_STOP, "stop after: %d", r.reason);
	OK(syscorn_hook_del(sc, h1));
	r = run(sc);
	CHECK(r.exit_code == 9, "stop after, resumed: %d", r.exit_code);
	syscorn_close(sc);

	/* syscorn_stop from a hook, which deletes itself; all calls hooked. */
	sc = open_with(ARGV("syscalls"));
	struct hook_log all = { 0 };
	OK(syscorn_hook_syscall(sc, SYSCORN_HOOK_BEFORE | SYSCORN_HOOK_AFTER, "*", on_after, &all,
				&h2));
	OK(syscorn_hook_syscall(sc, SYSCORN_HOOK_BEFORE, "write", stop_and_del, &h3, &h3));
	r = run(sc);
	CHECK(r.reason == SYSCORN_END_STOP, "syscorn_stop in a hook: %d", r.reason);
	ERR(syscorn_hook_del(sc, h3), SYSCORN_ERR_HOOK);
	r = run(sc);
	CHECK(r.reason == SYSCORN_END_EXIT && all.after > 10, "all calls: %d", all.after);
	syscorn_close(sc);
}

/* ------------------------------------------------------------------------ snapshot, coverage */

static void test_snapshot_coverage(void)
{
	syscorn *sc = open_with(ARGV("echo"));
	ERR(syscorn_snapshot(sc), SYSCORN_ERR_STATE); /* no image yet */
	ERR(syscorn_restore(sc), SYSCORN_ERR_NO_SNAPSHOT);
	ERR(syscorn_snapshot_drop(sc), SYSCORN_ERR_NO_SNAPSHOT);
	uint8_t map[1 << 16];
	ERR(syscorn_coverage(sc, map, 1000), SYSCORN_ERR_ARG);
	ERR(syscorn_coverage(sc, map, 1), SYSCORN_ERR_ARG);
	OK(syscorn_stop_at(sc, SYSCORN_STOP_STDIN, 0, NULL));
	OK(syscorn_set_stdin(sc, "x", 1));
	syscorn_result r = run(sc);
	CHECK(r.reason == SYSCORN_END_STOP, "stop");
	OK(syscorn_snapshot(sc));
	uint64_t v;
	OK(syscorn_query(sc, SYSCORN_QUERY_SNAPSHOT, &v));
	CHECK(v == 1, "has a snapshot");
	/* Coverage added after code was translated still sees every block. */
	memset(map, 0, sizeof map);
	OK(syscorn_coverage(sc, map, sizeof map));
	OK(syscorn_set_stdin(sc, "hello", 5));
	r = run(sc);
	int edges = 0;
	for (size_t i = 0; i < sizeof map; i++)
		edges += map[i] != 0;
	CHECK(r.exit_code == 5 && edges > 20 && r.blocks > 20, "coverage: exit %d edges %d blocks %llu",
	      r.exit_code, edges, (unsigned long long)r.blocks);
	ERR(syscorn_snapshot(sc), SYSCORN_ERR_STATE); /* ended */
	uint8_t map2[1 << 16];
	int same = 1;
	for (int i = 0; i < 3; i++) {
		OK(syscorn_restore(sc));
		memset(map2, 0, sizeof map2);
		OK(syscorn_coverage(sc, map2, sizeof map2));
		OK(syscorn_set_stdin(sc, "hello", 5));
		r = run(sc);
		same &= r.exit_code == 5 && !memcmp(map, map2, sizeof map);
	}
	CHECK(same, "restored runs cover the same edges");
	OK(syscorn_query(sc, SYSCORN_QUERY_RESTORES, &v));
	CHECK(v == 3, "restores %llu", (unsigned long long)v);
	OK(syscorn_coverage(sc, NULL, 0));
	OK(syscorn_restore(sc));
	r = run(sc);
	CHECK(r.blocks == 0, "coverage off: no block counting");
	OK(syscorn_snapshot_drop(sc));
	ERR(syscorn_restore(sc), SYSCORN_ERR_NO_SNAPSHOT);
	syscorn_close(sc);
}

/* A guest's fork: syscorn_run returns once, in this process (the child ends inside it). */
static void test_fork(void)
{
	int fds[2];
	if (pipe(fds)) {
		CHECK(0, "pipe");
		return;
	}
	syscorn *sc = open_with(ARGV("fork"));
	pid_t me = getpid();
	syscorn_result r = run(sc);
	if (write(fds[1], "x", 1) != 1) { /* every process that comes back here */
	}
	if (getpid() != me)
		_exit(0);
	CHECK(r.exit_code == 13, "fork: exit %d", r.exit_code);
	syscorn_close(sc);
	close(fds[1]);
	char buf[8];
	ssize_t n = read(fds[0], buf, sizeof buf);
	close(fds[0]);
	CHECK(n == 1, "fork: %zd processes came back from syscorn_run", n);
}

/* ------------------------------------------------------------------------ bad ELF images */

static size_t read_guest(char *image, size_t size)
{
	FILE *f = fopen(guest, "rb");
	size_t n = f ? fread(image, 1, size, f) : 0;
	if (f)
		fclose(f);
	CHECK(n > 64 && n < size, "read %s", guest);
	return n;
}

/* An image refused: ELF at open (with a message), or, for one whose headers pass the check,
 * LOAD when the image is built. Never a crash, and nothing leaks. */
static void expect_bad_image(const char *what, const void *image, size_t n)
{
	syscorn_config cfg;
	syscorn_config_init(&cfg);
	cfg.log = capture;
	syscorn *sc = (syscorn *)1;
	last_log[0] = 0;
	syscorn_err e = syscorn_open_image(image, n, &cfg, &sc);
	if (e == SYSCORN_OK) {
		e = syscorn_start(sc);
		CHECK(e == SYSCORN_ERR_LOAD, "%s: start gave %s", what, syscorn_strerror(e));
		ERR(syscorn_run(sc, NULL), SYSCORN_ERR_LOAD);
		syscorn_close(sc);
	} else {
		CHECK(e == SYSCORN_ERR_ELF && sc == NULL, "%s: open gave %s", what, syscorn_strerror(e));
	}
	CHECK(last_log[0], "%s: no message in the log", what);
}

static void test_bad_elf(void)
{
	static char image[4 << 20], bad[4 << 20];
	size_t n = read_guest(image, sizeof image);
	if (n <= 64)
		return;
	/* Truncated anywhere: in the ELF header, the program headers, the segments. */
	static const size_t cuts[] = { 0, 1, 4, 16, 52, 63, 64, 65, 100, 200, 4096 };
	char what[64];
	for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
		snprintf(what, sizeof what, "truncated to %zu bytes", cuts[i]);
		expect_bad_image(what, image, cuts[i]);
	}
	expect_bad_image("truncated to half", image, n / 2);
	/* Wrong machine, class, byte order, type, version. */
	static const struct { const char *what; size_t off; uint8_t v[2]; int len; } patches[] = {
		{ "EM_386", 18, { 3, 0 }, 2 },          { "EM_RISCV", 18, { 243, 0 }, 2 },
		{ "EM_ARM (32-bit)", 18, { 40, 0 }, 2 }, { "ELFCLASS32", 4, { 1 }, 1 },
		{ "big-endian", 5, { 2 }, 1 },           { "ET_REL", 16, { 1, 0 }, 2 },
		{ "ET_CORE", 16, { 4, 0 }, 2 },          { "bad magic", 1, { 'e' }, 1 },
		{ "EV_NONE", 6, { 0 }, 1 },
	};
	for (size_t i = 0; i < sizeof patches / sizeof *patches; i++) {
		memcpy(bad, image, n);
		memcpy(bad + patches[i].off, patches[i].v, (size_t)patches[i].len);
		expect_bad_image(patches[i].what, bad, n);
	}
	/* The other architecture's machine number is a good program of that architecture, so
	 * only the header's own machine counts: a file on disk with a foreign machine. */
	memcpy(bad, image, n);
	bad[18] = 8; /* EM_MIPS */
	bad[19] = 0;
	char path[] = "/tmp/syscorn-test-api-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0 && write(fd, bad, n) == (ssize_t)n, "write %s", path);
	if (fd >= 0)
		close(fd);
	syscorn *sc = (syscorn *)1;
	last_log[0] = 0;
	syscorn_config cfg;
	syscorn_config_init(&cfg);
	cfg.log = capture;
	ERR(syscorn_open(path, &cfg, &sc), SYSCORN_ERR_ELF);
	CHECK(sc == NULL && last_log[0], "wrong machine on disk: '%s'", last_log);
	ERR(syscorn_load(path, NULL, NULL, 0, NULL, NULL, &sc), SYSCORN_ERR_ELF);
	unlink(path);
	/* A dynamically linked program of the host's. */
	const char *dyn = access("/bin/sh", R_OK) ? NULL : "/bin/sh";
	if (dyn) {
		syscorn_err e = syscorn_open(dyn, &cfg, &sc);
		if (e == SYSCORN_OK) { /* refused when it is built */
			ERR(syscorn_start(sc), SYSCORN_ERR_LOAD);
			syscorn_close(sc);
		} else {
			CHECK(e == SYSCORN_ERR_ELF, "%s: %s", dyn, syscorn_strerror(e));
		}
	}
}

/* ------------------------------------------------------------------------ exec prefix */

static void test_exec_prefix(void)
{
	/* Without a prefix, the guest's execve of an emulated program fails with ENOEXEC (the
	 * child of the guest's fork reports 200 + errno). */
	char *const args[] = { "apiguest", "forkexec", (char *)guest, "exit", "7", NULL };
	syscorn *sc = open_with(args);
	OK(syscorn_set_exec_prefix(sc, ARGV("x")));
	OK(syscorn_set_exec_prefix(sc, NULL)); /* removed again */
	syscorn_result r = run(sc);
	CHECK(r.reason == SYSCORN_END_EXIT && r.exit_code == 200 + 8, "no prefix: exit %d",
	      r.exit_code);
	syscorn_close(sc);
	/* With one, the host executes it: here a shell that exits 42 whatever follows. */
	sc = open_with(args);
	OK(syscorn_set_exec_prefix(sc, (char *const[]){ "/bin/false", NULL }));
	OK(syscorn_set_exec_prefix(sc, (char *const[]){ "/bin/sh", "-c", "exit 42", NULL }));
	r = run(sc);
	CHECK(r.exit_code == 42, "prefix: exit %d", r.exit_code);
	syscorn_close(sc);
	/* An empty vector removes it too. */
	sc = open_with(args);
	OK(syscorn_set_exec_prefix(sc, (char *const[]){ "/bin/sh", "-c", "exit 42", NULL }));
	OK(syscorn_set_exec_prefix(sc, (char *const[]){ NULL }));
	r = run(sc);
	CHECK(r.exit_code == 208, "empty prefix: exit %d", r.exit_code);
	syscorn_close(sc);
	/* A native program is the host's to run, prefix or not. */
	if (!access("/bin/true", X_OK)) {
		sc = open_with((char *const[]){ "apiguest", "forkexec", "/bin/true", NULL });
		r = run(sc);
		CHECK(r.exit_code == 0, "native program: exit %d", r.exit_code);
		syscorn_close(sc);
	}
}

/* ------------------------------------------------------------------------ tracing */

static syscorn_trace_opts *opts_of(char *const argv[], int argc, int *used)
{
	syscorn_trace_opts *o = NULL;
	OK(syscorn_trace_opts_new(&o));
	char err[128] = "x";
	syscorn_err e = syscorn_trace_opts_parse(o, argc, argv, used, err, sizeof err);
	CHECK(e == SYSCORN_OK && !err[0], "parse %s...: %s (%s)", argc ? argv[0] : "",
	      syscorn_strerror(e), err);
	return o;
}

static void expect_bad_opts(syscorn_err want, const char *why, int argc, char *const argv[])
{
	syscorn_trace_opts *o = NULL;
	OK(syscorn_trace_opts_new(&o));
	char err[128] = "";
	int used = -5;
	syscorn_err e = syscorn_trace_opts_parse(o, argc, argv, &used, err, sizeof err);
	CHECK(e == want && used == -5 && strstr(err, why), "%s: %s '%s'", argc ? argv[0] : "",
	      syscorn_strerror(e), err);
	/* No message buffer: the same error. */
	syscorn_trace_opts_free(o);
	OK(syscorn_trace_opts_new(&o));
	ERR(syscorn_trace_opts_parse(o, argc, argv, NULL, NULL, 0), want);
	syscorn_trace_opts_free(o);
}

static void test_trace_opts(void)
{
	ERR(syscorn_trace_opts_new(NULL), SYSCORN_ERR_ARG);
	syscorn_trace_opts_free(NULL);
	CHECK(!syscorn_trace_opts_output(NULL) && !syscorn_trace_opts_per_process(NULL),
	      "queries of NULL options");
	int used = -1;
	char err[64];
	syscorn_trace_opts *o = NULL;
	OK(syscorn_trace_opts_new(&o));
	CHECK(!syscorn_trace_opts_output(o) && !syscorn_trace_opts_per_process(o), "defaults");
	ERR(syscorn_trace_opts_parse(NULL, 0, NULL, &used, err, sizeof err), SYSCORN_ERR_ARG);
	ERR(syscorn_trace_opts_parse(o, -1, ARGV("x"), &used, err, sizeof err), SYSCORN_ERR_ARG);
	ERR(syscorn_trace_opts_parse(o, 1, NULL, &used, err, sizeof err), SYSCORN_ERR_ARG);
	OK(syscorn_trace_opts_parse(o, 0, NULL, &used, err, sizeof err));
	CHECK(used == 0, "no arguments: used %d", used);
	/* Stops at the program, or after "--". */
	OK(syscorn_trace_opts_parse(o, 4, (char *const[]){ "-f", "-s", "64", "prog", NULL }, &used,
				    NULL, 0));
	CHECK(used == 3, "stops at the program: %d", used);
	OK(syscorn_trace_opts_parse(o, 3, (char *const[]){ "-x", "--", "-prog", NULL }, &used, NULL,
				    0));
	CHECK(used == 2, "takes --: %d", used);
	OK(syscorn_trace_opts_parse(o, 2, (char *const[]){ "-o", "/tmp/t", NULL }, NULL, NULL, 0));
	CHECK(syscorn_trace_opts_output(o) && !strcmp(syscorn_trace_opts_output(o), "/tmp/t") &&
		      !syscorn_trace_opts_per_process(o),
	      "-o");
	OK(syscorn_trace_opts_parse(o, 3, (char *const[]){ "-ff", "--output=/tmp/u", "-f", NULL },
				    NULL, NULL, 0));
	CHECK(!strcmp(syscorn_trace_opts_output(o), "/tmp/u") && syscorn_trace_opts_per_process(o),
	      "-ff -o: per process");
	syscorn_trace_opts_free(o);
	o = opts_of((char *const[]){ "-ff", NULL }, 1, &used);
	CHECK(!syscorn_trace_opts_per_process(o), "-ff without -o: one output");
	syscorn_trace_opts_free(o);
	o = opts_of((char *const[]){ "-e", "trace=%file,write", "-e", "signal=!SIGCHLD", "-qq",
				     "--strace-format=json", "-yTtt", "-a20", NULL },
		    8, &used);
	CHECK(used == 8, "all of them: %d", used);
	syscorn_trace_opts_free(o);
	/* Invalid ones: OPTION, with the reason. */
	expect_bad_opts(SYSCORN_ERR_OPTION, "unknown", 1, (char *const[]){ "--bogus", NULL });
	expect_bad_opts(SYSCORN_ERR_OPTION, "unknown", 1, (char *const[]){ "-j", NULL });
	expect_bad_opts(SYSCORN_ERR_OPTION, "needs a value", 1, (char *const[]){ "-s", NULL });
	expect_bad_opts(SYSCORN_ERR_OPTION, "needs a value", 1, (char *const[]){ "--output", NULL });
	expect_bad_opts(SYSCORN_ERR_OPTION, "invalid -s", 2, (char *const[]){ "-s", "x", NULL });
	expect_bad_opts(SYSCORN_ERR_OPTION, "nosuchcall", 2,
			(char *const[]){ "-e", "trace=nosuchcall", NULL });
	expect_bad_opts(SYSCORN_ERR_OPTION, "regular expression", 2,
			(char *const[]){ "-e", "trace=/(", NULL });
	expect_bad_opts(SYSCORN_ERR_OPTION, "signal", 2,
			(char *const[]){ "-e", "signal=SIGNOPE", NULL });
	expect_bad_opts(SYSCORN_ERR_OPTION, "format", 1,
			(char *const[]){ "--strace-format=xml", NULL });
	expect_bad_opts(SYSCORN_ERR_OPTION, "not supported", 2, (char *const[]){ "-p", "1", NULL });
	/* A short message buffer is cut, not overrun. */
	OK(syscorn_trace_opts_new(&o));
	char small[8];
	memset(small, 'z', sizeof small);
	ERR(syscorn_trace_opts_parse(o, 1, (char *const[]){ "--bogus-and-long", NULL }, NULL, small,
				     4),
	    SYSCORN_ERR_OPTION);
	CHECK(strlen(small) == 3 && small[4] == 'z', "short err buffer");
	syscorn_trace_opts_free(o);
}

static void test_trace(void)
{
	int used;
	syscorn_trace_opts *o = opts_of((char *const[]){ "-e", "trace=write,getpid", NULL }, 2, &used);
	syscorn *sc = open_with(ARGV("syscalls"));
	struct trace_buf *t = calloc(1, sizeof *t);
	ERR(syscorn_trace(sc, NULL, trace_sink, t), SYSCORN_ERR_ARG);
	ERR(syscorn_trace(sc, o, NULL, t), SYSCORN_ERR_ARG);
	OK(syscorn_trace(sc, o, trace_sink, t));
	ERR(syscorn_trace(sc, o, trace_sink, t), SYSCORN_ERR_STATE); /* traced already */
	syscorn_trace_opts_free(o); /* copied */
	syscorn_result r = run(sc);
	syscorn_close(sc); /* flushes */
	char line[64];
	snprintf(line, sizeof line, "+++ exited with %d +++", r.exit_code);
	CHECK(strstr(t->text, "write(1, \"hooked\\n\", 7)") && strstr(t->text, "getpid()") &&
		      strstr(t->text, line) && !strstr(t->text, "execve(") && t->pid == getpid(),
	      "trace: '%s' (pid %d)", t->text, t->pid);
	/* All calls, after the image was built: the execve line comes at once. */
	memset(t, 0, sizeof *t);
	o = opts_of(NULL, 0, &used);
	sc = open_with(ARGV("exit", "4"));
	OK(syscorn_start(sc));
	OK(syscorn_trace(sc, o, trace_sink, t));
	CHECK(strstr(t->text, "execve("), "execve line at once: '%s'", t->text);
	r = run(sc);
	CHECK(r.exit_code == 4 && strstr(t->text, "exit_group(4)"), "all calls: '%s'", t->text);
	syscorn_close(sc);
	/* The same options for another session; JSON. */
	OK(syscorn_trace_opts_parse(o, 1, (char *const[]){ "--strace-format=json", NULL }, NULL,
				    NULL, 0));
	memset(t, 0, sizeof *t);
	sc = open_with(ARGV("exit", "5"));
	OK(syscorn_trace(sc, o, trace_sink, t));
	syscorn_trace_opts_free(o);
	r = run(sc);
	syscorn_close(sc);
	CHECK(r.exit_code == 5 && t->text[0] == '{' && strstr(t->text, "exit_group"),
	      "json: '%.200s'", t->text);
	free(t);
}

/* ------------------------------------------------------------------------ hooks, more */

struct reenter {
	syscorn_err run, close, snapshot, restore, trace, start, set_argv;
	int calls;
};

/* Calls that need the session between runs refuse from inside a hook. */
static syscorn_action reenter_hook(syscorn *sc, syscorn_syscall *c, void *data)
{
	(void)c;
	struct reenter *r = data;
	if (r->calls++)
		return SYSCORN_CONTINUE;
	syscorn_result res;
	r->run = syscorn_run(sc, &res);
	r->close = syscorn_close(sc);
	r->snapshot = syscorn_snapshot(sc);
	r->restore = syscorn_restore(sc);
	r->start = syscorn_start(sc);
	r->set_argv = syscorn_set_argv(sc, ARGV("x"));
	return SYSCORN_CONTINUE;
}

struct stopper {
	syscorn *sc;
	int delay_ms;
};

static void *stop_later(void *data)
{
	struct stopper *s = data;
	struct timespec ts = { 0, s->delay_ms * 1000000L };
	nanosleep(&ts, NULL);
	syscorn_stop(s->sc);
	return NULL;
}

static void test_hooks_more(void)
{
	/* CONTINUE without changes only observes: the guest's own result. */
	syscorn *sc = open_with(ARGV("syscalls"));
	struct hook_log l = { .action = SYSCORN_CONTINUE }, a = { 0 };
	syscorn_hook h1, h2;
	OK(syscorn_hook_syscall(sc, SYSCORN_HOOK_BEFORE, "getpid,write", on_call, &l, &h1));
	OK(syscorn_hook_syscall(sc, SYSCORN_HOOK_AFTER, "getpid", on_after, &a, &h2));
	syscorn_result r = run(sc);
	CHECK(r.exit_code == (getpid() & 0x7f) && l.before == 2 && a.after == 1,
	      "observe: exit %d, %d before, %d after", r.exit_code, l.before, a.after);
	syscorn_close(sc);

	/* SKIP with an error result; the AFTER hooks still see it. */
	sc = open_with(ARGV("syscalls"));
	l = (struct hook_log){ .action = SYSCORN_SKIP, .ret = -5 };
	a = (struct hook_log){ 0 };
	OK(syscorn_hook_syscall(sc, SYSCORN_HOOK_BEFORE, "write", on_call, &l, &h1));
	r = run(sc);
	CHECK(r.exit_code == 255 && l.before == 1, "skip with -EIO: exit %d", r.exit_code);
	syscorn_close(sc);

	/* A hook may not run, close, snapshot, restore or rebuild the session it runs in. */
	sc = open_with(ARGV("syscalls"));
	struct reenter re = { 0 };
	OK(syscorn_hook_syscall(sc, SYSCORN_HOOK_BEFORE, "getpid", reenter_hook, &re, &h1));
	r = run(sc);
	CHECK(re.calls == 1 && re.run == SYSCORN_ERR_STATE && re.close == SYSCORN_ERR_STATE &&
		      re.snapshot == SYSCORN_ERR_STATE && re.restore == SYSCORN_ERR_NO_SNAPSHOT &&
		      re.start == SYSCORN_ERR_STATE && re.set_argv == SYSCORN_ERR_STATE,
	      "from a hook: run %d close %d snapshot %d restore %d start %d argv %d", re.run,
	      re.close, re.snapshot, re.restore, re.start, re.set_argv);
	CHECK(r.exit_code == (getpid() & 0x7f), "after the refused calls: %d", r.exit_code);
	syscorn_close(sc);

	/* syscorn_stop from another thread; the run resumes. A NULL result is fine. */
	sc = open_with(ARGV("loop"));
	struct stopper st = { sc, 50 };
	pthread_t th;
	CHECK(!pthread_create(&th, NULL, stop_later, &st), "pthread_create");
	r = run(sc);
	pthread_join(th, NULL);
	CHECK(r.reason == SYSCORN_END_STOP && !r.exited, "stopped by a thread: %d", r.reason);
	syscorn_limits lim = { .blocks = 500 };
	OK(syscorn_set_limits(sc, &lim));
	OK(syscorn_run(sc, NULL));
	r = run(sc);
	CHECK(r.reason == SYSCORN_END_BLOCKS && r.blocks == 500, "resumed to a block limit: %d",
	      r.reason);
	syscorn_close(sc);

	/* A memory limit is a refusal the guest sees, then restore undoes the run. */
	sc = open_with(ARGV("alloc", "64"));
	lim = (syscorn_limits){ .memory = 32 << 20, .time_ms = 10000 };
	OK(syscorn_set_limits(sc, &lim));
	OK(syscorn_start(sc));
	OK(syscorn_snapshot(sc));
	for (int i = 0; i < 3; i++) {
		r = run(sc);
		CHECK(r.exit_code == 1 && r.memory_limited, "memory limit %d: %d", i, r.exit_code);
		OK(syscorn_restore(sc));
	}
	OK(syscorn_set_limits(sc, NULL));
	r = run(sc);
	CHECK(r.exit_code == 0 && !r.memory_limited, "limit lifted: %d", r.exit_code);
	syscorn_close(sc);
}

/* ------------------------------------------------------------------------ leaks */

static int count_maps(void)
{
	int n = 0, c;
	FILE *f = fopen("/proc/self/maps", "r");
	while (f && (c = fgetc(f)) != EOF)
		n += c == '\n';
	if (f)
		fclose(f);
	return n;
}

/* Live heap bytes: the sanitizer's count under ASan (whose quarantine grows the RSS by
 * design), else the RSS. */
#if defined(__SANITIZE_ADDRESS__)
size_t __sanitizer_get_current_allocated_bytes(void); /* <sanitizer/allocator_interface.h> */
static long heap_kib(void)
{
	return (long)(__sanitizer_get_current_allocated_bytes() / 1024);
}
#define MEMORY_KIND "live heap"
#else
#define heap_kib rss_kib
#define MEMORY_KIND "RSS"
#endif

static syscorn_action count_calls(syscorn *sc, syscorn_syscall *c, void *data)
{
	(void)sc, (void)c;
	++*(int *)data;
	return SYSCORN_CONTINUE;
}

/* One session's whole life: open, input, hooks, tracing (every other cycle), a stop point,
 * a snapshot, restores with new inputs, close. */
static bool one_cycle(int i)
{
	syscorn *sc = NULL;
	int calls = 0;
	syscorn_hook h;
	uint8_t map[4096];
	syscorn_limits lim = { .memory = 256 << 20, .blocks = 10000000 };
	if (syscorn_open(guest, NULL, &sc) || syscorn_set_argv(sc, ARGV("echo")) ||
	    syscorn_set_stdin(sc, "in", 2) || syscorn_set_file(sc, "/f", "x", 1) ||
	    syscorn_set_exec_prefix(sc, ARGV("-q")) || syscorn_set_limits(sc, &lim) ||
	    syscorn_hook_syscall(sc, SYSCORN_HOOK_BEFORE | SYSCORN_HOOK_AFTER, "*", count_calls,
				 &calls, &h) ||
	    syscorn_stop_at(sc, SYSCORN_STOP_STDIN, 0, NULL) || syscorn_coverage(sc, map, sizeof map)) {
		CHECK(0, "cycle %d: setup", i);
		syscorn_close(sc);
		return false;
	}
	if (i & 1) {
		syscorn_trace_opts *o = NULL;
		if (syscorn_trace_opts_new(&o) ||
		    syscorn_trace_opts_parse(o, 2, (char *const[]){ "-e", "trace=%desc", NULL }, NULL,
					     NULL, 0) ||
		    syscorn_trace(sc, o, trace_sink, NULL))
			CHECK(0, "cycle %d: trace", i);
		syscorn_trace_opts_free(o);
	}
	syscorn_result r;
	bool ok = !syscorn_run(sc, &r) && r.reason == SYSCORN_END_STOP && !syscorn_snapshot(sc);
	for (int k = 0; ok && k < 3; k++) {
		static const char *const inputs[] = { "a", "bbbb", "cccccccc" };
		size_t len = strlen(inputs[k]);
		ok = !syscorn_restore(sc) && !syscorn_set_stdin(sc, inputs[k], len) &&
		     !syscorn_run(sc, &r) && r.reason == SYSCORN_END_EXIT &&
		     r.exit_code == (int)len;
	}
	ok = ok && !syscorn_hook_del(sc, h) && calls > 4 && !syscorn_snapshot_drop(sc);
	CHECK(ok, "cycle %d: runs (exit %d, %d calls)", i, r.exit_code, calls);
	OK(syscorn_close(sc));
	return ok;
}

static void test_open_run_close_loop(int n)
{
	int fds0 = count_fds(), maps0 = count_maps();
	long mem_early = 0;
	int quiet_stdout = dup(1), devnull = open("/dev/null", O_WRONLY); /* the guest echoes */
	for (int i = 0; i < n; i++) {
		if (devnull >= 0)
			dup2(devnull, 1);
		bool ok = one_cycle(i);
		if (quiet_stdout >= 0)
			dup2(quiet_stdout, 1);
		if (!ok)
			break;
		if (i == n / 10) {
			mem_early = heap_kib();
			fds0 = count_fds();
			maps0 = count_maps();
		}
	}
	long mem_late = heap_kib();
	int fds1 = count_fds(), maps1 = count_maps();
	if (devnull >= 0)
		close(devnull);
	if (quiet_stdout >= 0)
		close(quiet_stdout);
	CHECK(fds1 == fds0, "descriptors: %d before, %d after", fds0, fds1);
	CHECK(maps1 - maps0 < 16, "mappings: %d before, %d after", maps0, maps1);
	CHECK(mem_late - mem_early < 16 * 1024, "%s grew by %ld KiB over %d cycles", MEMORY_KIND,
	      mem_late - mem_early, n - n / 10);
	printf("%s: %d open/run/snapshot/restore/close cycles, %s %ld -> %ld KiB, "
	       "%d -> %d mappings, %d -> %d fds\n",
	       arch, n, MEMORY_KIND, mem_early, mem_late, maps0, maps1, fds0, fds1);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: test_api GUEST-ARM64 GUEST-X86_64 [CYCLES]\n");
		return 2;
	}
	int cycles = argc > 3 ? atoi(argv[3]) : 1000;
	const char *arches[] = { "arm64", "x86_64" };
	for (int i = 0; i < 2; i++) {
		arch = arches[i];
		guest = argv[1 + i];
		if (access(guest, R_OK)) {
			printf("SKIP %s: no guest %s\n", arch, guest);
			continue;
		}
		int before = failures;
		struct {
			const char *name;
			void (*fn)(void);
		} tests[] = {
			{ "errors", test_errors_and_versions }, { "open", test_open },
			{ "input", test_argv_env_input },       { "limits", test_results_limits },
			{ "stop-regs-mem", test_stop_regs_mem }, { "hooks", test_hooks },
			{ "snapshot-coverage", test_snapshot_coverage }, { "fork", test_fork },
			{ "bad-elf", test_bad_elf },             { "exec-prefix", test_exec_prefix },
			{ "trace-opts", test_trace_opts },       { "trace", test_trace },
			{ "hooks-more", test_hooks_more },
		};
		for (size_t k = 0; k < sizeof tests / sizeof *tests; k++) {
			int f = failures;
			tests[k].fn();
			printf("%s %s %s\n", failures == f ? "PASS" : "FAIL", arch, tests[k].name);
		}
		test_open_run_close_loop(cycles);
		printf("%s: %s\n", arch, failures == before ? "ok" : "FAILED");
	}
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
