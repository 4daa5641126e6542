/* strace's options, parsed into the tracer's configuration, and the public API that turns
 * tracing on for a process. */
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../arch/arch.h"

struct syscorn_trace_opts {
	uint32_t flags;
	int strsize, xflag, tflag, follow, quiet, column;
	char *output;
	char **names;
	size_t nnames;
	uint32_t classes;
	bool negate, all, none;
	uint64_t sig_sel;
	bool exec_continued;
};

syscorn_err syscorn_trace_opts_new(syscorn_trace_opts **out)
{
	if (!out)
		return SYSCORN_ERR_ARG;
	syscorn_trace_opts *o = *out = calloc(1, sizeof *o);
	if (!o)
		return SYSCORN_ERR_NOMEM;
	o->strsize = 32;
	o->column = 40;
	o->all = true;
	o->sig_sel = ~0ull;
	return SYSCORN_OK;
}

static void free_names(syscorn_trace_opts *o)
{
	for (size_t i = 0; i < o->nnames; i++)
		free(o->names[i]);
	free(o->names);
	o->names = NULL;
	o->nnames = 0;
}

void syscorn_trace_opts_free(syscorn_trace_opts *o)
{
	if (!o)
		return;
	free_names(o);
	free(o->output);
	free(o);
}

const char *syscorn_trace_opts_output(const syscorn_trace_opts *o)
{
	return o ? o->output : NULL;
}

int syscorn_trace_opts_per_process(const syscorn_trace_opts *o)
{
	return o && o->follow >= 2 && o->output;
}

static int fail(char *err, unsigned long n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (err && n)
		vsnprintf(err, n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Is name a syscall of either guest? */
static bool known_syscall(const char *name)
{
	extern const struct sc_syscall_table sc_syscalls_x86_64, sc_syscalls_arm64;
	const struct sc_syscall_table *t[2] = { &sc_syscalls_x86_64, &sc_syscalls_arm64 };
	for (int a = 0; a < 2; a++)
		for (unsigned i = 0; i < t[a]->count; i++)
			if (t[a]->meta[i] && !strcmp(t[a]->meta[i]->name, name))
				return true;
	return false;
}

static const struct { const char *name; uint32_t mask; } classes[] = {
	{ "file", TC_file }, { "desc", TC_desc }, { "process", TC_process },
	{ "network", TC_network }, { "net", TC_network }, { "memory", TC_memory },
	{ "signal", TC_signal }, { "ipc", TC_ipc }, { "stat", TC_stat }, { "lstat", TC_lstat },
	{ "fstat", TC_fstat }, { "%stat", TC_stat_like }, { "statfs", TC_statfs },
	{ "fstatfs", TC_fstatfs }, { "%statfs", TC_statfs_like }, { "creds", TC_creds },
	{ "clock", TC_clock }, { "pure", TC_pure },
};

/* One word of a trace set: 1 a name (or a /regex) to keep, 0 done (a class, an unknown ?name),
 * -1 invalid. */
static int classify(syscorn_trace_opts *o, const char *w, bool optional)
{
	if (*w == '/') {
		regex_t re;
		if (regcomp(&re, w + 1, REG_EXTENDED | REG_NOSUB))
			return -1;
		regfree(&re);
		return 1;
	}
	const char *cn = *w == '%' ? w + 1 : w;
	bool found = false;
	for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++)
		if (!strcmp(cn, classes[i].name) && (*w == '%' || strcmp(cn, "%stat"))) {
			o->classes |= classes[i].mask;
			found = true;
		}
	if (found && (*w == '%' || !known_syscall(w)))
		return 0;
	if (!known_syscall(w))
		return optional ? 0 : -1;
	return 1;
}

/* -e trace=SET: names, %classes, /regexes, all, none, with ! for the complement. */
static int parse_trace(syscorn_trace_opts *o, const char *set, char *err, unsigned long n)
{
	free_names(o);
	o->classes = 0;
	o->all = o->none = o->negate = false;
	if (*set == '!') {
		o->negate = true;
		set++;
	}
	char *copy = strdup(set);
	if (!copy)
		return fail(err, n, "out of memory");
	char *save = NULL;
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		bool optional = *w == '?';
		if (optional)
			w++;
		if (!strcmp(w, "all")) {
			o->all = true;
			continue;
		}
		if (!strcmp(w, "none")) {
			o->none = true;
			continue;
		}
		int k = classify(o, w, optional);
		if (k < 0) {
			fail(err, n, *w == '/' ? "invalid regular expression '%s'" : "invalid system call '%s'",
			     *w == '/' ? w + 1 : w);
			free(copy);
			return -1;
		}
		if (k == 0)
			continue;
		char **nv = realloc(o->names, (o->nnames + 1) * sizeof *nv);
		if (nv)
			o->names = nv; /* (the old array is gone either way once realloc succeeds) */
		if (!nv || !(nv[o->nnames] = strdup(w))) {
			free(copy);
			return fail(err, n, "out of memory");
		}
		o->nnames++;
	}
	free(copy);
	if (o->none && !o->nnames && !o->classes && !o->all) {
		/* trace=none (or !none: everything) */
		if (o->negate) {
			o->none = false;
			o->all = true;
			o->negate = false;
		}
	} else {
		o->none = false;
	}
	return 0;
}

static int signum(const char *s)
{
	static const char *const names[] = { "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS",
		"FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD",
		"CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF",
		"WINCH", "IO", "PWR", "SYS" };
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (int i = 0; i < 31; i++)
		if (!strcasecmp(s, names[i]))
			return i + 1;
	char *end;
	long v = strtol(s, &end, 10);
	return *s && !*end && v > 0 && v <= 64 ? (int)v : -1;
}

static int parse_signals(syscorn_trace_opts *o, const char *set, char *err, unsigned long n)
{
	bool neg = *set == '!';
	if (neg)
		set++;
	uint64_t m = 0;
	char *copy = strdup(set), *save = NULL;
	if (!copy)
		return fail(err, n, "out of memory");
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (!strcmp(w, "all")) {
			m = ~0ull;
			continue;
		}
		if (!strcmp(w, "none"))
			continue;
		int s = signum(w);
		if (s < 0) {
			fail(err, n, "invalid signal '%s'", w); /* (w is in copy) */
			free(copy);
			return -1;
		}
		m |= 1ull << (s - 1);
	}
	free(copy);
	o->sig_sel = neg ? ~m : m;
	return 0;
}

static int parse_e(syscorn_trace_opts *o, const char *e, char *err, unsigned long n)
{
	const char *eq = strchr(e, '=');
	if (!eq)
		return parse_trace(o, e, err, n);
	size_t k = (size_t)(eq - e);
	const char *v = eq + 1;
	if ((k == 5 && !strncmp(e, "trace", k)) || (k == 1 && *e == 't'))
		return parse_trace(o, v, err, n);
	if ((k == 6 && !strncmp(e, "signal", k)) || (k == 7 && !strncmp(e, "signals", k)) ||
	    (k == 1 && *e == 's'))
		return parse_signals(o, v, err, n);
	if (k == 7 && !strncmp(e, "verbose", k)) {
		if (!strcmp(v, "all"))
			o->flags |= SC_TRACE_F_VERBOSE;
		else if (!strcmp(v, "none"))
			o->flags &= ~(uint32_t)SC_TRACE_F_VERBOSE;
		return 0;
	}
	if (k == 6 && !strncmp(e, "abbrev", k)) {
		if (!strcmp(v, "none"))
			o->flags |= SC_TRACE_F_NO_ABBREV;
		else
			o->flags &= ~(uint32_t)SC_TRACE_F_NO_ABBREV;
		return 0;
	}
	if (k == 6 && !strncmp(e, "status", k)) {
		if (!strcmp(v, "successful"))
			o->flags |= SC_TRACE_F_SUCCESS;
		else if (!strcmp(v, "failed"))
			o->flags |= SC_TRACE_F_FAILED;
		else if (strcmp(v, "all"))
			return fail(err, n, "unsupported status '%s'", v);
		return 0;
	}
	if ((k == 11 && !strncmp(e, "decode-fds", k - 1)) || (k == 10 && !strncmp(e, "decode-fds", k))) {
		o->flags |= SC_TRACE_F_FDPATH;
		return 0;
	}
	if (k == 5 && !strncmp(e, "quiet", k)) {
		if (strstr(v, "exit") || !strcmp(v, "all"))
			o->quiet = 2;
		return 0;
	}
	return fail(err, n, "unsupported -e qualifier '%.*s'", (int)k, e);
}

static int parse_int(const char *s, int *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < 0 || v > INT_MAX / 4)
		return -1;
	*out = (int)v;
	return 0;
}

/* strace's options; stops at the first non-option (the program) or after "--". Returns how
 * many arguments it took, or -1 (errno ENOMEM when an allocation failed). */
static int parse_opts(syscorn_trace_opts *o, int argc, char *const argv[], char *err,
		      unsigned long errlen)
{
	int i = 0;
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--"))
			return i + 1;
		if (a[0] != '-' || !a[1])
			return i;
		if (a[1] == '-') {
			/* long options: --name=value or --name value */
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t k = eq ? (size_t)(eq - name) : strlen(name);
			const char *val = eq ? eq + 1 : NULL;
#define LONG(s) (k == strlen(s) && !strncmp(name, s, k))
#define NEED_VAL()                                                                          \
	do {                                                                                \
		if (!val) {                                                                 \
			if (i + 1 >= argc)                                                  \
				return fail(err, errlen, "option --%.*s needs a value", (int)k, name); \
			val = argv[++i];                                                    \
		}                                                                           \
	} while (0)
			if (LONG("strace-format") || LONG("format")) {
				NEED_VAL();
				if (!strcmp(val, "json"))
					o->flags |= SC_TRACE_F_JSON;
				else if (strcmp(val, "text"))
					return fail(err, errlen, "unknown trace format '%s'", val);
			} else if (LONG("output")) {
				NEED_VAL();
				free(o->output);
				if (!(o->output = strdup(val)))
					return fail(err, errlen, "out of memory");
			} else if (LONG("string-limit")) {
				NEED_VAL();
				if (parse_int(val, &o->strsize))
					return fail(err, errlen, "invalid string limit '%s'", val);
			} else if (LONG("trace") || LONG("signal") || LONG("status") ||
				   LONG("abbrev") || LONG("verbose")) {
				NEED_VAL();
				char *full = NULL;
				if (asprintf(&full, "%.*s=%s", (int)k, name, val) < 0)
					return fail(err, errlen, "out of memory");
				int r = parse_e(o, full, err, errlen);
				free(full);
				if (r)
					return -1;
			} else if (LONG("follow-forks")) {
				if (!o->follow)
					o->follow = 1;
			} else if (LONG("output-separately")) {
				o->follow = 2;
			} else if (LONG("summary-only")) {
				o->flags |= SC_TRACE_F_SUMMARY;
			} else if (LONG("summary")) {
				o->flags |= SC_TRACE_F_SUMMARY_TOO;
			} else if (LONG("relative-timestamps")) {
				o->flags |= SC_TRACE_F_RELATIVE;
			} else if (LONG("syscall-times")) {
				o->flags |= SC_TRACE_F_DURATION;
			} else if (LONG("absolute-timestamps") || LONG("timestamps")) {
				o->tflag = 1;
			} else if (LONG("successful-only")) {
				o->flags |= SC_TRACE_F_SUCCESS;
			} else if (LONG("failed-only")) {
				o->flags |= SC_TRACE_F_FAILED;
			} else if (LONG("no-abbrev")) {
				o->flags |= SC_TRACE_F_VERBOSE | SC_TRACE_F_NO_ABBREV;
			} else if (LONG("decode-fds")) {
				o->flags |= SC_TRACE_F_FDPATH;
			} else if (LONG("summary-wall-clock")) {
				/* -c always counts wall-clock time here */
			} else if (LONG("exec-continued")) {
				o->exec_continued = true;
			} else {
				return fail(err, errlen, "unknown strace option '%s'", a);
			}
#undef LONG
#undef NEED_VAL
			continue;
		}
		for (const char *c = a + 1; *c; c++) {
			const char *val = NULL;
			if (strchr("oesaSEIPpbXUO", *c)) {
				val = c[1] ? c + 1 : i + 1 < argc ? argv[++i] : NULL;
				if (!val)
					return fail(err, errlen, "option -%c needs a value", *c);
			}
			switch (*c) {
			case 'f': o->follow++; break;
			case 'c': o->flags |= SC_TRACE_F_SUMMARY; break;
			case 'C': o->flags |= SC_TRACE_F_SUMMARY_TOO; break;
			case 'T': o->flags |= SC_TRACE_F_DURATION; break;
			case 'r': o->flags |= SC_TRACE_F_RELATIVE; break;
			case 't': o->tflag++; break;
			case 'x': o->xflag++; break;
			case 'y': o->flags |= SC_TRACE_F_FDPATH; break;
			case 'z': o->flags |= SC_TRACE_F_SUCCESS; break;
			case 'Z': o->flags |= SC_TRACE_F_FAILED; break;
			case 'v': o->flags |= SC_TRACE_F_VERBOSE | SC_TRACE_F_NO_ABBREV; break;
			case 'q': o->quiet++; break;
			case 'a':
				if (parse_int(val, &o->column))
					return fail(err, errlen, "invalid -a argument '%s'", val);
				break;
			case 'w': break;
			case 'o':
				free(o->output);
				if (!(o->output = strdup(val)))
					return fail(err, errlen, "out of memory");
				break;
			case 'e':
				if (parse_e(o, val, err, errlen))
					return -1;
				break;
			case 's':
				if (parse_int(val, &o->strsize))
					return fail(err, errlen, "invalid -s argument '%s'", val);
				break;
			default:
				if (val)
					return fail(err, errlen, "strace option -%c is not supported", *c);
				return fail(err, errlen, "unknown strace option -%c", *c);
			}
			if (val)
				break;
		}
	}
	return i;
}

syscorn_err syscorn_trace_opts_parse(syscorn_trace_opts *o, int argc, char *const argv[],
				     int *used, char *err, unsigned long errlen)
{
	if (err && errlen)
		*err = 0;
	if (!o || argc < 0 || (argc && !argv)) {
		fail(err, errlen, "invalid argument");
		return SYSCORN_ERR_ARG;
	}
	errno = 0;
	int n = parse_opts(o, argc, argv, err, errlen);
	if (n < 0)
		return errno == ENOMEM ? SYSCORN_ERR_NOMEM : SYSCORN_ERR_OPTION;
	if (used)
		*used = n;
	return SYSCORN_OK;
}

syscorn_err syscorn_trace(syscorn *p, const syscorn_trace_opts *o, syscorn_trace_write_fn write,
			  void *data)
{
	if (!p || !o || !write)
		return SYSCORN_ERR_ARG;
	if (p->tracer)
		return SYSCORN_ERR_STATE;
	struct sc_tracer *tr = calloc(1, sizeof *tr);
	if (!tr)
		return SYSCORN_ERR_NOMEM;
	tr->line_at = SIZE_MAX;
	tr->flags = o->flags;
	if (o->follow)
		tr->flags |= SC_TRACE_F_FOLLOW;
	if (o->follow >= 2 && o->output)
		tr->flags |= SC_TRACE_F_FF;
	if (o->follow == 1 && o->output)
		tr->flags |= SC_TRACE_F_PID_COLUMN;
	if (!o->output)
		tr->flags |= SC_TRACE_F_UNBUFFERED;
	tr->show_pid = (tr->flags & SC_TRACE_F_PID_COLUMN) != 0;
	pthread_mutex_init(&tr->lock, NULL);
	pthread_mutex_init(&tr->tasks_lock, NULL);
	tr->arch = -1;
	tr->timed = (tr->flags & (SC_TRACE_F_DURATION | SC_TRACE_F_SUMMARY | SC_TRACE_F_SUMMARY_TOO |
				  SC_TRACE_F_JSON)) != 0;
	tr->strsize = o->strsize;
	tr->xflag = o->xflag;
	tr->tflag = o->tflag;
	tr->column = o->column;
	tr->optmem_max = tp_optmem_max_read();
	if (o->quiet >= 2)
		tr->flags |= SC_TRACE_F_QUIET_EXIT; /* -qq: no "+++ exited with" lines */
	tr->write = write;
	tr->write_data = data;
	tr->sel_all = o->all;
	tr->sel_none = o->none;
	tr->sel_negate = o->negate;
	tr->sel_classes = o->classes;
	tr->sig_sel = o->sig_sel;
	tr->exec_continued = o->exec_continued;
	if (o->nnames) {
		tr->names = calloc(o->nnames, sizeof *tr->names);
		for (size_t i = 0; tr->names && i < o->nnames; i++) {
			if (!(tr->names[i] = strdup(o->names[i]))) {
				while (i)
					free(tr->names[--i]);
				free(tr->names);
				tr->names = NULL;
			}
		}
		if (!tr->names) {
			pthread_mutex_destroy(&tr->lock);
			pthread_mutex_destroy(&tr->tasks_lock);
			free(tr);
			return SYSCORN_ERR_NOMEM;
		}
		tr->nnames = o->nnames;
	}
	sc_trace_shared_init(tr);
	sc_trace_replan(tr);
	p->tracer = tr;
	if (p->arch && p->uc)
		sc_trace_start(p); /* loaded already: the execve line now (else at the first run) */
	return SYSCORN_OK;
}

void sc_trace_free(struct sc_process *p)
{
	struct sc_tracer *tr = p->tracer;
	if (!tr)
		return;
	sc_trace_flush(p);
	for (size_t i = 0; i < tr->nnames; i++)
		free(tr->names[i]);
	free(tr->names);
	for (int a = 0; a < 2; a++) {
		free(tr->sys[a]);
		free(tr->counts[a]);
	}
	free(tr->out.p);
	sc_trace_shared_free(tr);
	free(tr->tasks);
	pthread_mutex_destroy(&tr->tasks_lock);
	pthread_mutex_destroy(&tr->lock);
	free(tr);
	p->tracer = NULL;
}
