#!/usr/bin/env python3
"""Generates the constant tables of the tracer, and the guest <-> host flag translation maps,
from the small text files in tools/xlat/ (one source: no constant is typed twice).

    genxlat.py OUT.c OUT.h ERRNO.tbl SYSCALLS.tbl XLAT.tbl...

XLAT files hold one or more tables:

    @table NAME         starts table sc_xlat_NAME (the first table may omit it: NAME = file stem)
    @unknown X_???      what strace prints in a comment for a value it cannot name
    @translate          also emit guest -> host translation maps (see below)
    NAME VALUE          a constant, the same on every guest
    NAME                a constant another table gives (as in strace's .in files, where a name
                        alone takes its header's value): for tables that list a subset of
                        another's constants (the cmsg types among the socket options)
    NAME x86_64=V arm64=V   a constant whose value differs between guests (leave a guest out
                        when the constant does not exist there)
    "A or B" VALUE      a name with spaces (strace's ioctl aliases) is quoted

Order matters: the tracer names flags in table order, as strace does (a combined flag such
as O_TMPFILE comes before its parts). Values are C integer literals.

@translate tables also give sc_xlat_map_NAME_<arch>[] (struct sc_flag_map, guest -> host) for
the single-bit constants whose value differs between the guests. The host value is the guest
value of the host's own architecture (the host runs one of the guest ABIs).

ERRNO.tbl is tools/errno.tbl (<name> <number> <text>): the texts become sc_errno_text().
SYSCALLS.tbl describes how the tracer prints each syscall (see its header)."""
import re
import shlex
import sys

ARCHES = ["x86_64", "arm64"]
HOST_MACRO = {"x86_64": "__x86_64__", "arm64": "__aarch64__"}
RET_KINDS = ["dec", "hex", "oct", "udec", "fd", "signo", "none"]
CLASSES = ["file", "desc", "process", "network", "memory", "signal", "ipc", "stat", "lstat",
           "fstat", "statfs", "fstatfs", "creds", "clock", "pure", "stat_like", "statfs_like"]


def cstr(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse_int(s, where):
    try:
        return int(s, 0) if not re.fullmatch(r"0[0-7]+", s) else int(s, 8)
    except ValueError:
        sys.exit(f"{where}: bad value '{s}'")


def read_xlat(path):
    stem = re.sub(r".*/", "", path)[:-4]
    tables = []
    cur = None
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            where = f"{path}:{lineno}"
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            if line.startswith("@"):
                words = line.split()
                if words[0] == "@table":
                    cur = {"name": words[1], "unknown": None, "translate": False, "rows": []}
                    tables.append(cur)
                    continue
                if cur is None:
                    cur = {"name": stem, "unknown": None, "translate": False, "rows": []}
                    tables.append(cur)
                if words[0] == "@unknown":
                    cur["unknown"] = words[1]
                elif words[0] == "@translate":
                    cur["translate"] = True
                else:
                    sys.exit(f"{where}: unknown directive {words[0]}")
                continue
            if cur is None:
                cur = {"name": stem, "unknown": None, "translate": False, "rows": []}
                tables.append(cur)
            words = shlex.split(line)
            name, vals = words[0], words[1:]
            per = {}
            if len(vals) == 1 and "=" not in vals[0]:
                for a in ARCHES:
                    per[a] = parse_int(vals[0], where)
            else:
                for v in vals:
                    if "=" not in v:
                        sys.exit(f"{where}: expected ARCH=VALUE, got '{v}'")
                    a, x = v.split("=", 1)
                    if a not in ARCHES:
                        sys.exit(f"{where}: unknown arch '{a}'")
                    per[a] = parse_int(x, where)
            if not vals:
                cur["rows"].append((name, None, where))
                continue
            if not per:
                sys.exit(f"{where}: no value for {name}")
            cur["rows"].append((name, per))
    return tables


def resolve_names(tables):
    """A row without a value takes the one its name has in the tables that give it."""
    given = {}
    for t in tables:
        for row in t["rows"]:
            if row[1] is not None:
                given.setdefault(row[0], []).append(row[1])
    for t in tables:
        for i, row in enumerate(t["rows"]):
            if row[1] is not None:
                continue
            name, _, where = row
            vals = [dict(v) for v in {tuple(sorted(p.items())) for p in given.get(name, [])}]
            if len(vals) != 1:
                sys.exit(f"{where}: {name} needs a value (" +
                         ("no table gives one" if not vals else "tables differ") + ")")
            t["rows"][i] = (name, vals[0])


def read_errno(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split(None, 2)
            if len(parts) == 3:
                rows.append((parts[0], int(parts[1]), parts[2].strip()))
    return rows


def read_syscalls(path):
    """<name> <classes> <ret> [N=[out:]PRINTER | special=NAME]... """
    out = {}
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            where = f"{path}:{lineno}"
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            words = line.split()
            if len(words) < 3:
                sys.exit(f"{where}: expected <name> <classes> <ret> [overrides]")
            name, classes, ret = words[:3]
            cl = []
            if classes != "-":
                for c in classes.split(","):
                    if c not in CLASSES:
                        sys.exit(f"{where}: unknown class '{c}'")
                    cl.append(c)
            if ret not in RET_KINDS and ret != "-":
                sys.exit(f"{where}: unknown return kind '{ret}'")
            args = [None] * 6
            outs = 0
            special = None
            nargs = -1
            eintr = 0
            for w in words[3:]:
                k, _, v = w.partition("=")
                if k == "special":
                    special = v
                elif k == "nargs":
                    nargs = int(v)
                elif k == "eintr":
                    kinds = ["restartsys", "nohand", "block", "eintr"]
                    if v not in kinds:
                        sys.exit(f"{where}: eintr= wants one of {kinds}")
                    eintr = kinds.index(v)
                elif k.isdigit() and int(k) < 6:
                    i = int(k)
                    if v.startswith("out:"):
                        outs |= 1 << i
                        v = v[4:]
                    elif v == "out":
                        outs |= 1 << i
                        v = ""
                    args[i] = v or None
                else:
                    sys.exit(f"{where}: bad override '{w}'")
            if name in out:
                sys.exit(f"{where}: {name} given twice")
            out[name] = (cl, "dec" if ret == "-" else ret, args, outs, special, nargs, eintr)
    return out


def main():
    out_c, out_h, errno_tbl, sys_tbl, *xlats = sys.argv[1:]
    tables = []
    for p in xlats:
        tables += read_xlat(p)
    names = set()
    for t in tables:
        if t["name"] in names:
            sys.exit(f"table {t['name']} defined twice")
        names.add(t["name"])
    resolve_names(tables)

    h = ["/* Generated by tools/genxlat.py from the tables in tools/xlat/; do not edit. */",
         "#ifndef SYSCORN_XLAT_H", "#define SYSCORN_XLAT_H", "", "#include <stddef.h>",
         "#include <stdint.h>", "", '#include "arch/arch.h"', "",
         "struct sc_xlat_ent {", "\tuint64_t val;", "\tconst char *name;", "};",
         "/* One table, per guest architecture (index: SC_XA_*). */",
         "struct sc_xlat {", "\tconst char *unknown; /* \"X_???\" or NULL */",
         "\tconst struct sc_xlat_ent *ent[2];", "\tuint16_t n[2];", "};",
         "enum { " + ", ".join(f"SC_XA_{a.upper()} = {i}" for i, a in enumerate(ARCHES)) + " };",
         ""]
    c = ["/* Generated by tools/genxlat.py from the tables in tools/xlat/; do not edit. */",
         '#include "xlat.h"', '#include "trace/trace.h"', "",
         "/* The host's value of a constant: its value in the host's own guest ABI. */"]
    for i, a in enumerate(ARCHES):
        c.append(f"#{'if' if i == 0 else 'elif'} defined({HOST_MACRO[a]})")
        c.append(f"#define SC_XLAT_HOST({', '.join(ARCHES)}) {a}")
    c += ["#else", '#error "unsupported host architecture"', "#endif", ""]
    for t in tables:
        n = t["name"]
        h.append(f"extern const struct sc_xlat sc_xlat_{n};")
        same = all(len(set(per.get(a) for a in ARCHES)) == 1 and all(a in per for a in ARCHES)
                   for _, per in t["rows"])
        arrays = {}
        for a in ARCHES if not same else ARCHES[:1]:
            rows = [(name, per[a]) for name, per in t["rows"] if a in per]
            arr = f"xlat_{n}_{a}" if not same else f"xlat_{n}"
            c.append(f"static const struct sc_xlat_ent {arr}[] = {{")
            for name, v in rows:
                c.append(f"\t{{ {v:#x}ull, {cstr(name)} }},")
            if not rows:
                c.append("\t{ 0, 0 },")
            c.append("};")
            arrays[a] = (arr, len(rows))
        if same:
            arrays = {a: arrays[ARCHES[0]] for a in ARCHES}
        unk = cstr(t["unknown"]) if t["unknown"] else "0"
        ents = ", ".join(arrays[a][0] for a in ARCHES)
        cnts = ", ".join(str(arrays[a][1]) for a in ARCHES)
        c.append(f"const struct sc_xlat sc_xlat_{n} = {{ {unk}, {{ {ents} }}, {{ {cnts} }} }};")
        c.append("")
        if t["translate"]:
            differing = [(name, per) for name, per in t["rows"]
                         if all(a in per for a in ARCHES)
                         and len(set(per[a] for a in ARCHES)) > 1
                         and all(bin(per[a]).count("1") == 1 for a in ARCHES)]
            for a in ARCHES:
                h.append(f"extern const struct sc_flag_map sc_xlat_map_{n}_{a}[];")
                h.append(f"extern const size_t sc_xlat_map_{n}_{a}_n;")
                h.append(f"#define SC_XLAT_MAP_{n.upper()}_{a.upper()}_N {len(differing)}")
                c.append(f"/* {n}: guest ({a}) -> host, for the bits that differ between guests. */")
                c.append(f"const struct sc_flag_map sc_xlat_map_{n}_{a}[] = {{")
                for name, per in differing:
                    host = ", ".join(f"{per[b]:#x}u" for b in ARCHES)
                    c.append(f"\t{{ {per[a]:#x}u, SC_XLAT_HOST({host}) }}, /* {name} */")
                c.append("};")
                c.append(f"const size_t sc_xlat_map_{n}_{a}_n = {len(differing)};")
                c.append("")
    # errno texts
    errs = read_errno(errno_tbl)
    maxe = max(n for _, n, _ in errs)
    c.append(f"static const char *const errno_text[{maxe + 1}] = {{")
    seen = set()
    for name, num, text in errs:
        if num not in seen:
            seen.add(num)
            c.append(f"\t[{num}] = {cstr(text)}, /* {name} */")
    c.append("};")
    c.append("""
const char *sc_errno_text(int e)
{
	if (e > 0 && e < (int)(sizeof errno_text / sizeof errno_text[0]))
		return errno_text[e];
	return 0;
}
""")
    h.append("/* strerror() text of a guest errno, or NULL. */")
    h.append("const char *sc_errno_text(int guest_errno);")
    # syscall printing rules
    sysinfo = read_syscalls(sys_tbl)
    c.append("const struct sc_trace_rule sc_trace_rules[] = {")
    for name in sorted(sysinfo):
        cl, ret, args, outs, special, nargs, eintr = sysinfo[name]
        clm = " | ".join(f"TC_{x}" for x in cl) or "0"
        def arg(a):
            if not a:
                return "{ 0, -1, 0 }"
            pr, _, param = a.partition(":")
            if not param:
                return f"{{ TP_{pr}, -1, 0 }}"
            if param.isdigit():
                return f"{{ TP_{pr}, {param}, 0 }}"
            if param not in names:
                sys.exit(f"{sys_tbl}: {name}: no constant table '{param}'")
            return f"{{ TP_{pr}, -1, &sc_xlat_{param} }}"
        argv = ", ".join(arg(a) for a in args)
        sp = f"TS_{special}" if special else "0"
        c.append(f"\t{{ {cstr(name)}, {clm}, TR_{ret}, {sp}, {outs:#x}, {nargs}, {eintr}, {{ {argv} }} }},")
    c.append("};")
    c.append(f"const unsigned sc_trace_nrules = {len(sysinfo)};")
    h += ["", "#endif"]
    with open(out_c, "w", encoding="utf-8") as f:
        f.write("\n".join(c) + "\n")
    with open(out_h, "w", encoding="utf-8") as f:
        f.write("\n".join(h) + "\n")


if __name__ == "__main__":
    main()
