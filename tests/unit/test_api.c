/* API unit tests: every function of include/syscorn.h and its error paths, for each guest
 * architecture, through the public header only. Run under ASan/UBSan by tests/run; ends with a
 * loop of open/run/close cycles that must keep memory and descriptors flat.
 *   test_api GUEST-ARM64 GUEST-X86_64     (tests/unit/guest/apiguest.c) */
#include <dirent.h>
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

static long rss_kib(void)
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

/* ------------------------------------------------------------------------ basics */

static void test_errors_and_versions(void)
{
	for (int e = SYSCORN_OK; e <= SYSCORN_ERR_UNSUPPORTED; e++)
		CHECK(syscorn_strerror((syscorn_err)e) && *syscorn_strerror((syscorn_err)e),
		      "strerror %d", e);
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

/* ------------------------------------------------------------------------ leaks */

static void test_open_run_close_loop(int n)
{
	int fds0 = count_fds();
	long rss_early = 0;
	for (int i = 0; i < n; i++) {
		syscorn *sc = NULL;
		if (syscorn_open(guest, NULL, &sc) || syscorn_set_argv(sc, ARGV("exit", "3")) ||
		    syscorn_set_stdin(sc, "in", 2) || syscorn_set_file(sc, "/f", "x", 1)) {
			CHECK(0, "cycle %d: open", i);
			syscorn_close(sc);
			break;
		}
		syscorn_result r;
		if (syscorn_run(sc, &r) || r.exit_code != 3)
			CHECK(0, "cycle %d: run", i);
		syscorn_close(sc);
		if (i == n / 10)
			rss_early = rss_kib();
	}
	long rss_late = rss_kib();
	CHECK(count_fds() == fds0, "descriptors: %d before, %d after", fds0, count_fds());
#if !defined(__SANITIZE_ADDRESS__)
	/* (Under ASan, its quarantine grows the RSS; LeakSanitizer checks instead.) */
	CHECK(rss_late - rss_early < 16 * 1024, "RSS grew by %ld KiB over %d cycles",
	      rss_late - rss_early, n - n / 10);
#else
	(void)rss_early, (void)rss_late;
#endif
	printf("%s: %d open/run/close cycles, RSS %ld -> %ld KiB\n", arch, n, rss_early, rss_late);
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
