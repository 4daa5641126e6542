/* Syscall hooks and the tracer together (src/hooks.c, src/trace/trace.c): the tracer is a
 * client of the hooks, after every other hook, so its line shows the arguments the call is made
 * with and the result the guest gets, whatever the order the hooks and the trace were set up
 * in:
 *   - a BEFORE hook that skips a call with a value: the line shows that value
 *   - a BEFORE hook that changes an argument: the line shows the changed argument
 *   - an AFTER hook that changes the result: the line shows the changed result
 *   - a BEFORE hook that stops the run: one line, when the call is made at the next run
 * Through include/syscorn.h only, for each guest architecture.
 *   test_hooks_trace GUEST-ARM64 GUEST-X86_64     (tests/unit/guest/apiguest.c) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "syscorn.h"

static int failures, checks;

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

static const char *guest;

struct trace_buf {
	char text[16384];
	size_t len;
};

static void trace_sink(void *data, int pid, const char *buf, unsigned long len)
{
	(void)pid;
	struct trace_buf *t = data;
	size_t room = sizeof t->text - 1 - t->len;
	size_t n = len < room ? len : room;
	memcpy(t->text + t->len, buf, n);
	t->len += n;
	t->text[t->len] = 0;
}

static int count(const char *text, const char *s)
{
	int n = 0;
	for (const char *p = text; (p = strstr(p, s)); p += strlen(s))
		n++;
	return n;
}

/* What a hook does, and how often it ran. */
struct hook {
	syscorn_action action;
	int64_t ret;     /* BEFORE + SKIP, or AFTER: the result */
	int arg, value;  /* BEFORE: args[arg] = value, when value >= 0 */
	int calls;
};

static syscorn_action before(syscorn *sc, syscorn_syscall *c, void *data)
{
	(void)sc;
	struct hook *h = data;
	h->calls++;
	if (h->value >= 0)
		c->args[h->arg] = (uint64_t)h->value;
	c->ret = h->ret;
	return h->action;
}

static syscorn_action after(syscorn *sc, syscorn_syscall *c, void *data)
{
	(void)sc;
	struct hook *h = data;
	h->calls++;
	c->ret = h->ret;
	return h->action;
}

/* A session running the guest's "syscalls" (write(1, "hooked\n", 7), then exit(getpid())),
 * traced (-a 0 -e trace=write,getpid: no padding before " = ") into t; the hook h on `which` (when) added before or after
 * the trace was set up. */
static syscorn *session(struct trace_buf *t, unsigned when, const char *which, struct hook *h,
			int hook_first)
{
	syscorn_config cfg;
	syscorn_config_init(&cfg);
	syscorn *sc = NULL;
	syscorn_err e = syscorn_open(guest, &cfg, &sc);
	CHECK(e == SYSCORN_OK && sc, "open %s: %s", guest, syscorn_strerror(e));
	if (!sc)
		return NULL;
	OK(syscorn_set_argv(sc, (char *const[]){ "apiguest", "syscalls", NULL }));
	syscorn_trace_opts *o = NULL;
	OK(syscorn_trace_opts_new(&o));
	OK(syscorn_trace_opts_parse(o, 4,
				    (char *const[]){ "-a", "0", "-e", "trace=write,getpid", NULL },
				    NULL, NULL, 0));
	syscorn_hook id;
	syscorn_syscall_cb cb = when == SYSCORN_HOOK_BEFORE ? before : after;
	if (hook_first)
		OK(syscorn_hook_syscall(sc, when, which, cb, h, &id));
	OK(syscorn_trace(sc, o, trace_sink, t));
	if (!hook_first)
		OK(syscorn_hook_syscall(sc, when, which, cb, h, &id));
	syscorn_trace_opts_free(o);
	return sc;
}

static syscorn_result run(syscorn *sc)
{
	syscorn_result r;
	memset(&r, 0, sizeof r);
	syscorn_err e = syscorn_run(sc, &r);
	CHECK(e == SYSCORN_OK, "run: %s", syscorn_strerror(e));
	return r;
}

static void test_skip(int hook_first)
{
	struct trace_buf *t = calloc(1, sizeof *t);
	struct hook h = { .action = SYSCORN_SKIP, .ret = 42, .value = -1 };
	syscorn *sc = session(t, SYSCORN_HOOK_BEFORE, "getpid", &h, hook_first);
	syscorn_result r = run(sc);
	syscorn_close(sc);
	CHECK(r.exit_code == 42 && h.calls == 1, "skip: exit %d, %d calls", r.exit_code, h.calls);
	CHECK(strstr(t->text, "\ngetpid() = 42\n") && count(t->text, "getpid(") == 1,
	      "skip: the line shows the chosen value: '%s'", t->text);
	/* an error as the chosen value */
	memset(t, 0, sizeof *t);
	h = (struct hook){ .action = SYSCORN_SKIP, .ret = -2, .value = -1 };
	sc = session(t, SYSCORN_HOOK_BEFORE, "write", &h, hook_first);
	r = run(sc);
	syscorn_close(sc);
	CHECK(r.exit_code == 255, "skip write: exit %d", r.exit_code);
	CHECK(strstr(t->text, "write(1, \"hooked\\n\", 7) = -1 ENOENT (No such file or directory)\n"),
	      "skip with an error: '%s'", t->text);
	free(t);
}

static void test_changed_arg(int hook_first)
{
	struct trace_buf *t = calloc(1, sizeof *t);
	struct hook h = { .action = SYSCORN_CONTINUE, .arg = 2, .value = 3 };
	syscorn *sc = session(t, SYSCORN_HOOK_BEFORE, "write", &h, hook_first);
	syscorn_result r = run(sc);
	syscorn_close(sc);
	/* 3 bytes written of the 7 the guest asked for: it gives up (255) */
	CHECK(r.exit_code == 255 && h.calls == 1, "changed arg: exit %d", r.exit_code);
	CHECK(strstr(t->text, "write(1, \"hoo\", 3) = 3\n") && !strstr(t->text, ", 7)"),
	      "changed arg: the line shows the changed argument: '%s'", t->text);
	free(t);
}

static void test_changed_result(int hook_first)
{
	struct trace_buf *t = calloc(1, sizeof *t);
	struct hook h = { .action = SYSCORN_CONTINUE, .ret = 55 };
	syscorn *sc = session(t, SYSCORN_HOOK_AFTER, "getpid", &h, hook_first);
	syscorn_result r = run(sc);
	syscorn_close(sc);
	CHECK(r.exit_code == 55 && h.calls == 1, "changed result: exit %d", r.exit_code);
	CHECK(strstr(t->text, "\ngetpid() = 55\n"), "changed result: what the guest got: '%s'",
	      t->text);
	free(t);
}

static void test_stop(void)
{
	struct trace_buf *t = calloc(1, sizeof *t);
	struct hook h = { .action = SYSCORN_STOP, .value = -1 };
	syscorn *sc = session(t, SYSCORN_HOOK_BEFORE, "getpid", &h, 1);
	syscorn_result r = run(sc);
	CHECK(r.reason == SYSCORN_END_STOP && h.calls == 1, "stop: %d", r.reason);
	CHECK(!strstr(t->text, "getpid("), "stop: no line before the call is made: '%s'", t->text);
	r = run(sc);
	syscorn_close(sc);
	char line[64];
	snprintf(line, sizeof line, "\ngetpid() = %d\n", getpid());
	CHECK(r.reason == SYSCORN_END_EXIT && h.calls == 1, "resumed: %d %d", r.reason, h.calls);
	CHECK(strstr(t->text, line) && count(t->text, "getpid(") == 1,
	      "stop: one line, when the call is made: '%s'", t->text);
	free(t);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: test_hooks_trace GUEST-ARM64 GUEST-X86_64\n");
		return 2;
	}
	const char *arches[] = { "arm64", "x86_64" };
	for (int i = 0; i < 2; i++) {
		guest = argv[1 + i];
		if (access(guest, R_OK)) {
			printf("SKIP %s: no guest %s\n", arches[i], guest);
			continue;
		}
		for (int first = 0; first < 2; first++) {
			int f = failures;
			test_skip(first);
			test_changed_arg(first);
			test_changed_result(first);
			printf("%s %s hooks %s the trace\n", failures == f ? "PASS" : "FAIL", arches[i],
			       first ? "before" : "after");
		}
		int f = failures;
		test_stop();
		printf("%s %s stop\n", failures == f ? "PASS" : "FAIL", arches[i]);
	}
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
