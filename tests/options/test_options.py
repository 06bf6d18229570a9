#!/usr/bin/env python3
"""Every option of every bbx subcommand, each with a case that fails when the
option is ignored.

The options are read from each command's --help (and the top-level usage);
an option without an entry in CASES fails, so a new option cannot come
without a test.  Each case runs bbx on real snapshots of tests/options/
opt_prog with and without the option and checks the effect the help
promises, against an oracle that is not bbx where there is one: nm and
c++filt for names and addresses, objcopy/strip for debug files, a socket
that counts debuginfod requests, Python's json/xml/gzip for the formats."""

import gzip
import json
import os
import re
import shutil
import sqlite3
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from optlib import (Listener, Scratch, check, checked, demangle, fail, finish,  # noqa: E402
                    help_options, nm_symbols, run, run_prog, snaps, split_debug, args)

A = args()
BBX = A.bbx
S = Scratch("options")
PROG_NAME = os.path.basename(A.prog)
SYMS = nm_symbols(A.prog)
EXPLODE_M = "_ZN6bbxopt6Widget7explodeEi"
LEAK_M = "_ZN6bbxopt11leak_socketEv"
EXPLODE = demangle(EXPLODE_M)      # bbxopt::Widget::explode(int)
LEAK = demangle(LEAK_M)            # bbxopt::leak_socket()
INLINED = "bbxopt_inlined_step"    # always_inline in opt_prog.cpp
assert EXPLODE_M in SYMS and LEAK_M in SYMS, "nm: opt_prog lacks its functions"


def bbx(*argv, **kw):
    return run([BBX] + [str(a) for a in argv], **kw)


def make(name, mode, n=None, env=None, prog=None):
    d = S.dir(name)
    r = run_prog(prog or A.prog, mode, d, env=env, n=n)
    if not snaps(d):
        sys.exit("fixture %s: %s %s left no snapshot: %r" % (name, PROG_NAME, mode, r))
    return d


# --- fixtures: real snapshots of opt_prog ---------------------------------
CRASH = make("crash", "crash")
CRASH2 = make("crash2", "crash")
CRASH3 = make("crash3", "crash")
SERIES3 = make("series3", "series", 3, {"BBX_TRACK": "all"})
SERIES6 = make("series6", "series", 6, {"BBX_TRACK": "all"})
MIXED = S.dir("mixed")  # two processes' series
for f in snaps(SERIES3) + snaps(SERIES6):
    shutil.copy2(f, MIXED)
PID6 = int(re.search(r"-(\d+)-\d{8}-", os.path.basename(snaps(SERIES6)[0])).group(1))
STRIPPED, DEBUG_DIR = split_debug(A.prog, S.dir("split"))
SCRASH = make("strip-crash", "crash", prog=STRIPPED)
SSERIES = make("strip-series", "series", 4, {"BBX_TRACK": "all"}, prog=STRIPPED)
CRASH_FILE = snaps(CRASH)[0]
THREADS_FILE = snaps(make("threads", "threads", 4))[0]  # 4 threads in the same read()
MANY = sorted(t["tid"] for t in json.loads(run([BBX, "show", "--json", THREADS_FILE]).out)
              ["threads"] if t.get("name") == "opt-many")
assert len(MANY) == 4, "fixture: %d opt-many threads in show --json" % len(MANY)
LISTENER = Listener()


def ok(r, want=0, what=""):
    return check(r.rc == want, "%s: exit %s, expected %s: %r" % (what, r.rc, want, r))


def has(text, s, what):
    return check(s in text, "%s: %r missing from the output" % (what, s))


def lacks(text, s, what):
    return check(s not in text, "%s: %r in the output, should not be" % (what, s))


def contrast(what, with_out, without_out, needle, present_with):
    """needle is in exactly one of the two outputs."""
    a, b = (with_out, without_out) if present_with else (without_out, with_out)
    has(a, needle, what + (" (with the option)" if present_with else " (without)"))
    lacks(b, needle, what + (" (without the option)" if present_with else " (with)"))


def is_json(text):
    try:
        json.loads(text)
        return True
    except ValueError:
        return False


# --- options shared by several commands -----------------------------------
def json_case(cmd, inputs, want=0):
    r1 = bbx(cmd, "--json", *inputs)
    r0 = bbx(cmd, *inputs)
    ok(r1, want, cmd + " --json")
    check(is_json(r1.out), cmd + " --json: not one JSON document")
    check(not is_json(r0.out), cmd + ": plain output parses as JSON")


def symbols_case(cmd, inputs, needle, want=0, pre=()):
    """--no-symbols: no function names; module+offset frames instead."""
    r1 = bbx(cmd, *pre, "--no-symbols", *inputs)
    r0 = bbx(cmd, *pre, *inputs)
    ok(r1, want, cmd + " --no-symbols")
    ok(r0, want, cmd)
    contrast(cmd + " --no-symbols", r1.out, r0.out, needle, False)
    return r1


def demangle_case(cmd, inputs, mangled, want=0, pre=()):
    r1 = bbx(cmd, *pre, "--no-demangle", *inputs)
    r0 = bbx(cmd, *pre, *inputs)
    ok(r1, want, cmd + " --no-demangle")
    contrast(cmd + " --no-demangle", r1.out, r0.out, mangled, True)
    has(r0.out, demangle(mangled), cmd + " (c++filt's name)")


def debug_dir_case(cmd, inputs, needle, want=0, pre=()):
    """A stripped copy of opt_prog symbolizes only with its debug file's DIR."""
    r1 = bbx(cmd, *pre, "--debug-dir", DEBUG_DIR, *inputs)
    r0 = bbx(cmd, *pre, *inputs)
    ok(r1, want, cmd + " --debug-dir")
    contrast(cmd + " --debug-dir", r1.out, r0.out, needle, True)


def debuginfod_case(cmd, inputs, want=0, pre=()):
    """--debuginfod-timeout 0: the server is never asked; 1: it is."""
    results = []
    for secs in ("0", "1"):
        LISTENER.reset()
        cache = S.dir("dcache-%s-%s" % (cmd, secs))
        env = {"DEBUGINFOD_URLS": LISTENER.url, "DEBUGINFOD_CACHE_PATH": cache}
        r = bbx(cmd, *pre, "--debuginfod-timeout", secs, *inputs, env=env)
        ok(r, want, "%s --debuginfod-timeout %s" % (cmd, secs))
        results.append(LISTENER.connections())
    check(results[0] == 0, "%s --debuginfod-timeout 0: the server was asked %d times"
          % (cmd, results[0]))
    check(results[1] > 0, "%s --debuginfod-timeout 1: the server was never asked" % cmd)


def help_case(cmd):
    r = bbx(cmd, "--help")
    r2 = bbx(cmd, "-h")
    ok(r, 0, cmd + " --help")
    check(r.out.startswith("usage: bbx " + cmd), cmd + " --help: no usage line")
    check(r.out == r2.out, cmd + ": -h and --help differ")
    rh = bbx("help", cmd)
    check(rh.out == r.out and rh.rc == 0, "bbx help %s differs from %s --help" % (cmd, cmd))


# --- show ------------------------------------------------------------------
def show_no_symbols():
    r = symbols_case("show", [CRASH_FILE], EXPLODE)
    lacks(r.out, "main+", "show --no-symbols")
    # frames are module+offset, offset = pc - the module's load bias, and the
    # crashing pc lies in explode() by nm
    bias = None
    m = re.search(r"bias (0x[0-9a-f]+)\s+build-id \S+\s+\S*/" + re.escape(PROG_NAME) + "\n",
                  r.out)
    if check(m, "show --no-symbols: no module line for " + PROG_NAME):
        bias = int(m.group(1), 16)
    frames = re.findall(r"#(\d\d) pc (0x[0-9a-f]+)  (\S+)\+(0x[0-9a-f]+)\s*$", r.out, re.M)
    check(frames, "show --no-symbols: no module+offset frame")
    for _, pc, mod, off in frames:
        if mod == PROG_NAME and bias is not None:
            check(int(pc, 16) - bias == int(off, 16),
                  "show --no-symbols: %s+%s is not pc %s - bias" % (mod, off, pc))
    first = frames[0] if frames else None
    # explode() and its cold part (explode.cold: the null path)
    parts = [v for k, v in SYMS.items() if k == EXPLODE_M or k.startswith(EXPLODE_M + ".")]
    check(first and first[2] == PROG_NAME and
          any(a <= int(first[3], 16) < a + size for a, size in parts),
          "show --no-symbols: the crashing frame %r is not in %s %r by nm"
          % (first, EXPLODE_M, parts))


CASES = {}
CASES["show --json"] = lambda: json_case("show", [CRASH_FILE])
CASES["show --no-symbols"] = show_no_symbols
CASES["show --no-demangle"] = lambda: demangle_case("show", [CRASH_FILE], EXPLODE_M)
CASES["show --debug-dir"] = lambda: debug_dir_case("show", snaps(SCRASH), EXPLODE)
CASES["show --debuginfod-timeout"] = lambda: debuginfod_case("show", snaps(SCRASH))
CASES["show -h/--help"] = lambda: help_case("show")


def show_context():
    """--context: the session alone (no threads); with two files, what
    differs between them, exit 1 when something does, 0 when nothing."""
    a = snaps(make("ctx-a", "crash", env={"XDG_CURRENT_DESKTOP": "opt-desk-a"}))[0]
    b = snaps(make("ctx-b", "crash", env={"XDG_CURRENT_DESKTOP": "opt-desk-b"}))[0]
    r = bbx("show", "--context", a)
    ok(r, 0, "show --context A")
    contrast("show --context", r.out, bbx("show", a).out, "--- thread", False)
    has(r.out, "env XDG_CURRENT_DESKTOP: opt-desk-a", "show --context A")
    r = bbx("show", "--context", a, b)
    ok(r, 1, "show --context A B")
    m = re.search(r"^  differs +env XDG_CURRENT_DESKTOP: opt-desk-a -> opt-desk-b$", r.out, re.M)
    check(m, "show --context A B: XDG_CURRENT_DESKTOP differs:\n" + r.out)
    r = bbx("show", "--context", a, a)
    ok(r, 0, "show --context A A")
    has(r.out, "0 differences", "show --context A A")
    doc = json.loads(bbx("show", "--context", "--json", a).out)
    check("opt-desk-a" in json.dumps(doc), "show --context --json: the desktop: %s" % doc)


CASES["show --context"] = show_context


def all_threads_case(cmd, run, entries):
    """--all-threads: the four opt-many threads, parked in one read(), are
    folded into one entry without it, and each has its own entry with it
    (entries(out): the tids that have an entry of their own)."""
    out1, out0 = run("--all-threads"), run()
    contrast(cmd + " --all-threads", out1, out0, "4 threads with this stack", False)
    own = sorted(entries(out1))
    check(all(t in own for t in MANY), "%s --all-threads: entries for %r, opt-many "
          "threads %r" % (cmd, own, MANY))


CASES["show --all-threads"] = lambda: all_threads_case(
    "show", lambda *o: bbx("show", *o, THREADS_FILE).out,
    lambda out: [int(t) for t in re.findall(r'^--- thread (\d+) "opt-many"', out, re.M)])


def show_bbx_internals():
    """--bbx-internals: bbx's own fds (its spares are in every snapshot) and
    its collector thread are listed with it, counted in one line without."""
    f = snaps(SERIES6)[-1]
    out1, out0 = bbx("show", "--bbx-internals", f).out, bbx("show", f).out
    contrast("show --bbx-internals", out1, out0, "/memfd:bbx-spare", True)
    contrast("show --bbx-internals", out1, out0, "bbx's own fds:", True)
    contrast("show --bbx-internals", out1, out0, "--bbx-internals lists them", False)
    collector = [t for t in json.loads(bbx("show", "--json", f).out)["threads"]
                 if t["bbx_internal"]]
    for t in collector:
        contrast("show --bbx-internals", out1, out0, '--- thread %d "' % t["tid"], True)


CASES["show --bbx-internals"] = show_bbx_internals


# --- leaks -----------------------------------------------------------------
def leaks_all():
    r1 = bbx("leaks", "--all", "--json", SERIES6)
    r0 = bbx("leaks", "--json", SERIES6)
    ok(r1, 1, "leaks --all")
    ok(r0, 1, "leaks")
    g1 = json.loads(r1.out)["leaks"]
    g0 = json.loads(r0.out)["leaks"]
    # the pipe opt_prog keeps open all along is no suspect: listed with --all only
    check(all(g["confidence"] != "none" for g in g0), "leaks: a 'none' group without --all")
    check(any(g["confidence"] == "none" and g["kind"] == "pipe" for g in g1),
          "leaks --all: the constant pipe group is not listed")
    check(len(g1) > len(g0), "leaks --all lists no more groups than leaks")
    t1 = bbx("leaks", "--all", SERIES6).out
    check(re.search(r"^#\d+ \[none\] fd pipe", t1, re.M), "leaks --all (text): no [none] pipe")


def leaks_pid():
    # without --pid: one report per process; --pid narrows to one
    r0 = bbx("leaks", "--json", MIXED)
    r = bbx("leaks", "--json", "--pid", PID6, MIXED)
    ok(r0, 1, "leaks without --pid on two processes")
    ok(r, 1, "leaks --pid")
    d0 = json.loads(r0.out) if r0.rc == 1 else {}
    check(len(d0.get("processes", [])) == 2 and d0.get("snapshots") == 9,
          "leaks on two processes: %r processes, %s snapshots" % (
              [p.get("pid") for p in d0.get("processes", [])], d0.get("snapshots")))
    d = json.loads(r.out)
    check(d["pid"] == PID6 and d["snapshots"] == 6 and "processes" not in d,
          "leaks --pid %d: pid %s, %s snapshots" % (PID6, d.get("pid"), d.get("snapshots")))
    rp = bbx("leaks", "--pid", PID6 + 1 if PID6 + 1 not in () else PID6 + 2, MIXED)
    check(rp.rc == 2, "leaks --pid of no snapshot: exit %s" % rp.rc)


CASES["leaks --json"] = lambda: json_case("leaks", [SERIES6], 1)
CASES["leaks --all"] = leaks_all
CASES["leaks --pid"] = leaks_pid
CASES["leaks --no-symbols"] = lambda: symbols_case("leaks", [SERIES6], LEAK, 1)
CASES["leaks --no-demangle"] = lambda: demangle_case("leaks", [SERIES6], LEAK_M, 1)
CASES["leaks --debug-dir"] = lambda: debug_dir_case("leaks", [SSERIES], LEAK, 1)
CASES["leaks --debuginfod-timeout"] = lambda: debuginfod_case("leaks", [SSERIES], 1)
CASES["leaks -h/--help"] = lambda: help_case("leaks")


def rules_file(name, text):
    path = S.file(name)
    with open(path, "w") as f:
        f.write(text)
    return path


def socket_leak(doc):
    return [g for g in doc["leaks"] if g["kind"] == "socket"]


def leaks_app_modules():
    # default: the program's own frame is leak_socket; naming another module
    # as the program's own moves it (no frame of it: "no frame in ...")
    r0 = bbx("leaks", "--json", SERIES6)
    r1 = bbx("leaks", "--json", "--app-modules", "nothing-matches*", SERIES6)
    ok(r1, 1, "leaks --app-modules")
    s0 = [g.get("created_at") or "" for g in socket_leak(json.loads(r0.out))]
    s1 = [g.get("created_at") or "" for g in socket_leak(json.loads(r1.out))]
    check(s0 and s0[0].startswith(LEAK), "leaks: created_at starts with %s: %s" % (LEAK, s0))
    check(s1 and "no frame in the program's own code" in s1[0],
          "leaks --app-modules nothing-matches*: %s" % s1)


def leaks_toolkit_rules():
    # growth is never hidden by toolkit rules; a bad rules file is an error
    good = rules_file("tk.supp", "function:bbxopt::leak_socket*\n")
    bad = rules_file("tk-bad.supp", "bogus:x\n")
    r = bbx("leaks", "--json", "--toolkit-rules", good, SERIES6)
    ok(r, 1, "leaks --toolkit-rules (a growing group stays a suspect)")
    check(socket_leak(json.loads(r.out)), "leaks --toolkit-rules: the growing socket is gone")
    rb = bbx("leaks", "--toolkit-rules", bad, SERIES6)
    check(rb.rc == 2 and "tk-bad.supp:1" in rb.err, "leaks --toolkit-rules BAD: exit %s, %r"
          % (rb.rc, rb.err))


def leaks_no_toolkit_rules():
    bad = rules_file("tk-bad2.supp", "bogus:x\n")
    r = bbx("leaks", "--toolkit-rules", bad, "--no-toolkit-rules", SERIES6)
    ok(r, 1, "leaks --no-toolkit-rules (the rules file is not read)")


def leaks_suppress():
    rules = rules_file("mine.supp", "function:bbxopt::leak_socket*\n")
    r0 = bbx("leaks", "--json", SERIES6)
    r1 = bbx("leaks", "--json", "--suppress", rules, SERIES6)
    d0, d1 = json.loads(r0.out), json.loads(r1.out) if r1.out else {}
    check(socket_leak(d0) and not socket_leak(d1), "leaks --suppress: the socket is left out")
    check(d1.get("not_counted", {}).get("suppressed", 0) >= 1,
          "leaks --suppress: not_counted %s" % d1.get("not_counted"))


CASES["leaks --app-modules"] = leaks_app_modules
CASES["leaks --toolkit-rules"] = leaks_toolkit_rules
CASES["leaks --no-toolkit-rules"] = leaks_no_toolkit_rules
CASES["leaks --suppress"] = leaks_suppress


# --- diff: SERIES3 (3 sockets at the end) against SERIES6 (6) ---------------
def diff_suppress():
    rules = S.file("rules.supp")
    with open(rules, "w") as f:
        f.write("# opt_prog's one leak\nfunction:bbxopt::leak_socket*\n")
    r0 = bbx("diff", SERIES3, SERIES6)
    r1 = bbx("diff", "--suppress", rules, SERIES3, SERIES6)
    ok(r0, 1, "diff (the socket group grew 3 -> 6)")
    ok(r1, 0, "diff --suppress (the socket group suppressed)")
    other = S.file("other.supp")
    with open(other, "w") as f:
        f.write("function:nothing_like_this\n")
    ok(bbx("diff", "--suppress", other, "--suppress", rules, SERIES3, SERIES6), 0,
       "diff --suppress twice (the second file's rule)")


def diff_tolerance():
    # grown when CURRENT > BASE * (100 + PCT) / 100: 6 > 3 * 1.99, not 6 > 3 * 2
    ok(bbx("diff", SERIES3, SERIES6), 1, "diff")
    ok(bbx("diff", "--tolerance", "99", SERIES3, SERIES6), 1, "diff --tolerance 99")
    ok(bbx("diff", "--tolerance", "100", SERIES3, SERIES6), 0, "diff --tolerance 100")


CASES["diff --json"] = lambda: json_case("diff", [SERIES3, SERIES6], 1)
CASES["diff --suppress"] = diff_suppress
CASES["diff --tolerance"] = diff_tolerance
CASES["diff --no-symbols"] = lambda: symbols_case("diff", [SERIES3, SERIES6], LEAK, 1)
CASES["diff --no-demangle"] = lambda: demangle_case("diff", [SERIES3, SERIES6], LEAK_M, 1)
CASES["diff --debug-dir"] = lambda: debug_dir_case("diff", [SSERIES, SSERIES], LEAK, 0)
CASES["diff --debuginfod-timeout"] = lambda: debuginfod_case("diff", [SSERIES, SSERIES], 0)
CASES["diff -h/--help"] = lambda: help_case("diff")


# --- flame -----------------------------------------------------------------
def folded(text):
    """{stack: count} of folded lines (or {stack: (base, cur)} for --diff)."""
    out = {}
    for line in text.splitlines():
        f = line.rsplit(" ", 2)
        if len(f) == 3 and f[1].isdigit() and f[2].isdigit() and ";" in f[0]:
            out[f[0]] = (int(f[1]), int(f[2]))
        else:
            f = line.rsplit(" ", 1)
            check(len(f) == 2 and f[1].isdigit(), "flame: not a folded line: %r" % line)
            out[f[0]] = int(f[1]) if len(f) == 2 and f[1].isdigit() else 0
    return out


def leaves(text):
    return {s.split(";")[-1] for s in folded(text)}


def flame_what(what):
    r = bbx("flame", "--what", what, SERIES6)
    ok(r, 0, "flame --what " + what)
    lv = leaves(r.out)
    want = {"stacks": None, "fd-origins": "[socket]", "thread-origins": "[thread opt-idle]"}
    if what == "stacks":
        check("[socket]" not in lv and "[thread opt-idle]" not in lv,
              "flame --what stacks: origin leaves %r" % lv)
        check(any(";main;snapshot;" in s for s in folded(r.out)),
              "flame --what stacks: no main;snapshot frames (opt_prog's bbx_snapshot() call)")
    else:
        check(want[what] in lv, "flame --what %s: no %s leaf in %r" % (what, want[what], lv))
        others = [v for k, v in want.items() if v and k != what]
        check(not any(o in lv for o in others), "flame --what %s: %r" % (what, lv))
    if what == "fd-origins":
        # 6 snapshots with 1..6 sockets: 21 socket origins in all, all from leak_socket
        n = sum(c for s, c in folded(r.out).items() if s.endswith("[socket]"))
        check(n == 21, "flame --what fd-origins: %d sockets, expected 1+2+...+6 = 21" % n)


def pb_fields(buf):
    """Top-level protobuf fields of buf: [(number, wire type, value)]."""
    i, out = 0, []

    def varint():
        nonlocal i
        v = s = 0
        while True:
            b = buf[i]
            i += 1
            v |= (b & 0x7f) << s
            s += 7
            if b < 0x80:
                return v
    while i < len(buf):
        key = varint()
        num, wt = key >> 3, key & 7
        if wt == 0:
            out.append((num, wt, varint()))
        elif wt == 2:
            n = varint()
            out.append((num, wt, buf[i:i + n]))
            i += n
        elif wt == 1:
            out.append((num, wt, buf[i:i + 8]))
            i += 8
        elif wt == 5:
            out.append((num, wt, buf[i:i + 4]))
            i += 4
        else:
            raise ValueError("wire type %d" % wt)
    return out


def flame_format(fmt):
    r = bbx("flame", "--format", fmt, "-o", S.file("f." + fmt), CRASH)
    ok(r, 0, "flame --format " + fmt)
    data = open(S.file("f." + fmt), "rb").read()
    what = "flame --format " + fmt
    if fmt == "folded":
        text = data.decode()
        check(any(EXPLODE in s for s in folded(text)), what + ": no explode() stack")
    elif fmt == "svg":
        root = ET.fromstring(data)
        check(root.tag.endswith("svg"), what + ": root element %s" % root.tag)
        has(data.decode(), EXPLODE.replace("<", "&lt;"), what)
    elif fmt == "speedscope":
        d = json.loads(data)
        check("speedscope" in d.get("$schema", ""), what + ": no speedscope $schema")
        names = [f["name"] for f in d["shared"]["frames"]]
        check(EXPLODE in names, what + ": no explode() frame")
    elif fmt == "pprof":
        raw = gzip.decompress(data)
        strings = [v.decode() for n, wt, v in pb_fields(raw) if n == 6 and wt == 2]
        samples = [v for n, wt, v in pb_fields(raw) if n == 2]
        check(EXPLODE in strings, what + ": explode() not in the string table")
        check(len(samples) >= 2, what + ": %d samples, expected one per thread" % len(samples))
    # and without --format: folded, which is none of the others
    if fmt != "folded":
        d0 = bbx("flame", CRASH).out
        check(not d0.startswith("<") and not d0.startswith("{"), "flame default is not folded")


def flame_output():
    r0 = bbx("flame", CRASH)
    for opt in ("-o", "--output"):
        out = S.file("flame%s.folded" % opt)
        r1 = bbx("flame", opt, out, CRASH)
        ok(r1, 0, "flame " + opt)
        check(r1.out == "", "flame %s: something on stdout" % opt)
        check(os.path.exists(out) and open(out).read() == r0.out,
              "flame %s: the file is not what stdout would have held" % opt)


def flame_leaks_only():
    r1 = bbx("flame", "--what", "fd-origins", "--leaks-only", SERIES6)
    r0 = bbx("flame", "--what", "fd-origins", SERIES6)
    ok(r1, 0, "flame --leaks-only")
    contrast("flame --leaks-only", r1.out, r0.out, "[pipe]", False)
    has(r1.out, "[socket]", "flame --leaks-only")


def flame_modules():
    r1 = bbx("flame", "--modules", CRASH)
    r0 = bbx("flame", CRASH)
    contrast("flame --modules", r1.out, r0.out, "%s [%s]" % (EXPLODE, PROG_NAME), True)


def flame_no_inline():
    r1 = bbx("flame", "--no-inline", CRASH)
    r0 = bbx("flame", CRASH)
    ok(r1, 0, "flame --no-inline")
    contrast("flame --no-inline", r1.out, r0.out, INLINED, False)
    has(r1.out, EXPLODE, "flame --no-inline keeps the outer function")


def flame_group(how):
    files = snaps(CRASH) + snaps(CRASH2)
    r = bbx("flame", "--group", how, *files)
    ok(r, 0, "flame --group " + how)
    roots = {s.split(";")[0] for s in folded(r.out)}
    names = {os.path.basename(f) for f in files}
    threads = {PROG_NAME, "opt-sleeper"}
    if how == "snapshot":
        check(roots == names, "flame --group snapshot: roots %r, files %r" % (roots, names))
    else:
        check(roots == threads, "flame --group thread: roots %r, threads %r" % (roots, threads))
        check(roots == {s.split(";")[0] for s in folded(bbx("flame", *files).out)},
              "flame: --group thread is not the default")


def flame_diff():
    # two bases, each one crash: the crash stack's BASE count is 2, CURRENT 1
    r2 = bbx("flame", CRASH3, "--diff", CRASH, CRASH2)
    r1 = bbx("flame", CRASH3, "--diff", CRASH)
    ok(r2, 0, "flame --diff BASE BASE")
    for r, n in ((r2, 2), (r1, 1)):
        f = folded(r.out)
        crash = [v for s, v in f.items() if EXPLODE in s and INLINED in s]
        check(crash == [(n, 1)], "flame --diff with %d bases: the crash stack is %r, "
              "expected [(%d, 1)]" % (n, crash, n))
    svg = bbx("flame", "--format", "svg", CRASH3, "--diff", CRASH, CRASH2)
    ok(svg, 0, "flame --diff --format svg")
    ET.fromstring(svg.out)
    for fmt in ("speedscope", "pprof"):
        r = bbx("flame", "--format", fmt, "-o", S.file("d." + fmt), CRASH3, "--diff", CRASH,
                CRASH2)
        check(r.rc == 2 and r.err == "bbx flame: --diff works with --format folded or svg\n",
              "flame --diff --format %s: %r" % (fmt, r))


def flame_width():
    r1 = bbx("flame", "--format", "svg", "--width", "777", CRASH)
    r0 = bbx("flame", "--format", "svg", CRASH)
    w1 = ET.fromstring(r1.out).get("width")
    w0 = ET.fromstring(r0.out).get("width")
    check(w1 == "777", "flame --width 777: svg width=%r" % w1)
    check(w0 == "1200", "flame (svg): default width=%r, help says 1200" % w0)


for w in ("stacks", "fd-origins", "thread-origins"):
    CASES["flame --what " + w] = (lambda w: lambda: flame_what(w))(w)


def flame_heap(what):
    """A generated series with heap tracking (tests/memgrowth/gen_memseries):
    the last snapshot's two stacks, weighted by live or allocated bytes."""
    check(bool(A.gen_memseries), "flame --what %s: needs --gen-memseries" % what)
    if not A.gen_memseries:
        return
    d = S.dir("heap-" + what)
    run([A.gen_memseries, d, "n=3", "heap_grow_per_min=1024", "heap_steady=65536"])
    last = snaps(d)[-1]
    r = bbx("flame", "--what", what, last)
    ok(r, 0, "flame --what " + what)
    got = {s.split(";")[-2]: c for s, c in folded(r.out).items()}
    check(set(leaves(r.out)) == {"[malloc]"}, "flame --what %s: leaves %r" % (what, leaves(r.out)))
    # live: the growing stack 256 + 1024 * 2 KiB, the steady one 64 KiB;
    # allocated: the steady one 64 KiB * 3 snapshots * 4
    want = ({"grow_cache": (256 + 2048) * 1024, "steady_buffers": 65536} if what == "heap"
            else {"grow_cache": (256 + 2048) * 1024, "steady_buffers": 65536 * 3 * 4})
    check(got == want, "flame --what %s: %r, expected %r" % (what, got, want))


for w in ("heap", "heap-alloc"):
    CASES["flame --what " + w] = (lambda w: lambda: flame_heap(w))(w)
for fm in ("folded", "svg", "speedscope", "pprof"):
    CASES["flame --format " + fm] = (lambda fm: lambda: flame_format(fm))(fm)
CASES["flame -o/--output"] = flame_output
CASES["flame --leaks-only"] = flame_leaks_only
CASES["flame --modules"] = flame_modules
CASES["flame --no-inline"] = flame_no_inline
CASES["flame --group thread"] = lambda: flame_group("thread")
CASES["flame --group snapshot"] = lambda: flame_group("snapshot")
CASES["flame --diff"] = flame_diff
CASES["flame --no-symbols"] = lambda: symbols_case("flame", [CRASH], EXPLODE)
CASES["flame --no-demangle"] = lambda: demangle_case("flame", [CRASH], EXPLODE_M)
CASES["flame --debug-dir"] = lambda: debug_dir_case("flame", [SCRASH], EXPLODE)
CASES["flame --debuginfod-timeout"] = lambda: debuginfod_case("flame", [SCRASH])
CASES["flame --width"] = flame_width
CASES["flame -h/--help"] = lambda: help_case("flame")


# --- report ----------------------------------------------------------------
def report_out(*extra, inputs=(CRASH,)):
    out = S.file("r.html")
    if os.path.exists(out):
        os.unlink(out)
    r = bbx("report", *extra, "-o", out, *inputs)
    return r, open(out).read() if os.path.exists(out) else ""


def report_output():
    for opt in ("-o", "--output"):
        out = S.file("page%s.html" % opt)
        r = bbx("report", opt, out, CRASH)
        ok(r, 0, "report " + opt)
        page = open(out).read() if os.path.exists(out) else ""
        check(page.lstrip().lower().startswith("<!doctype html"), "report %s: not HTML" % opt)
        has(page, "bbxopt::Widget::explode(int)".replace("<", "&lt;"), "report " + opt)
        r2 = bbx("report", opt, "-", CRASH)
        same = re.sub(r"bbxfg[0-9a-f]+", "ID", r2.out) == re.sub(r"bbxfg[0-9a-f]+", "ID", page)
        check(r2.rc == 0 and same, "report %s -: stdout differs from the file" % opt)


def report_case(opt, needle, present, inputs=(CRASH,)):
    r1, p1 = report_out(opt, inputs=inputs) if not isinstance(opt, tuple) else \
        report_out(*opt, inputs=inputs)
    r0, p0 = report_out(inputs=inputs)
    ok(r1, 0, "report %s" % (opt,))
    contrast("report %s" % (opt,), p1, p0, needle, present)


def report_pid():
    out = S.file("pid.html")
    r0 = bbx("report", "-o", out, MIXED)
    ok(r0, 0, "report without --pid on two processes")
    page0 = open(out).read() if os.path.exists(out) else ""
    has(page0, 'id="processes"', "report on two processes")
    r1 = bbx("report", "--pid", PID6, "-o", out, MIXED)
    ok(r1, 0, "report --pid")
    page = open(out).read() if os.path.exists(out) else ""
    has(page, "pid %d" % PID6, "report --pid")
    lacks(page, 'id="processes"', "report --pid")


def report_debuginfod():
    out = S.file("d.html")
    debuginfod_case("report", ["-o", out, SCRASH])


def report_store():
    """A store of crashes and series snapshots (ingested here), its groups
    read with sqlite3."""
    db = S.file("report.db")
    if not os.path.exists(db):
        r = bbx("ingest", "--db", db, CRASH, CRASH2, SERIES3)
        ok(r, 0, "ingest for report --db")
    con = sqlite3.connect(db)
    ids = [i for (i,) in con.execute("SELECT id FROM crash_group ORDER BY count DESC, "
                                     "last_seen_ms DESC, id")]
    con.close()
    return db, ids


def group_rows(page):
    return re.findall(r'<tr class="group-row" data-id="([0-9a-f]+)"', page)


def report_db():
    db, ids = report_store()
    r1, p1 = report_out("--db", db, inputs=())
    ok(r1, 0, "report --db")
    check(group_rows(p1) == ids, "report --db: group rows %s, the store's %s"
          % (group_rows(p1), ids))
    has(p1, EXPLODE, "report --db (the representative crash)")
    r0, _ = report_out(inputs=())
    check(r0.rc == 2, "report without --db or FILE: exit %s" % r0.rc)


def report_top():
    db, ids = report_store()
    check(len(ids) >= 2, "report --top: the store has %d groups, 2 needed" % len(ids))
    r1, p1 = report_out("--db", db, "--top", "1", inputs=())
    ok(r1, 0, "report --top 1")
    check(group_rows(p1) == ids[:1], "report --top 1: rows %s, not %s"
          % (group_rows(p1), ids[:1]))


CASES["report -o/--output"] = report_output
CASES["report --db"] = report_db
CASES["report --top"] = report_top
CASES["report --pid"] = report_pid
CASES["report --no-symbols"] = lambda: report_case("--no-symbols", "explode", False)
CASES["report --no-demangle"] = lambda: report_case("--no-demangle", EXPLODE_M, True)
CASES["report --debug-dir"] = lambda: report_case(("--debug-dir", DEBUG_DIR), "explode", True,
                                                  (SCRASH,))
CASES["report --debuginfod-timeout"] = report_debuginfod
CASES["report -h/--help"] = lambda: help_case("report")


def suspects_heading(page):
    m = re.search(r"Leak suspects \((\d+)\)", page)
    return int(m.group(1)) if m else -1


def report_suppress():
    rules = rules_file("rmine.supp", "function:bbxopt::leak_socket*\n")
    r0, p0 = report_out(inputs=(SERIES6,))
    r1, p1 = report_out("--suppress", rules, inputs=(SERIES6,))
    ok(r1, 0, "report --suppress")
    check(suspects_heading(p1) == suspects_heading(p0) - 1,
          "report --suppress: suspects %d, without %d" % (suspects_heading(p1),
                                                         suspects_heading(p0)))


def report_toolkit_rules():
    bad = rules_file("rtk-bad.supp", "bogus:x\n")
    r, _ = report_out("--toolkit-rules", bad, inputs=(SERIES6,))
    check(r.rc == 2 and "rtk-bad.supp:1" in r.err, "report --toolkit-rules BAD: exit %s, %r"
          % (r.rc, r.err))


def report_no_toolkit_rules():
    bad = rules_file("rtk-bad2.supp", "bogus:x\n")
    r, _ = report_out("--toolkit-rules", bad, "--no-toolkit-rules", inputs=(SERIES6,))
    ok(r, 0, "report --no-toolkit-rules (the rules file is not read)")


CASES["report --app-modules"] = lambda: report_case(
    ("--app-modules", "nothing-matches*"), "no frame in the program&#39;s own code", True,
    (SERIES6,))
CASES["report --suppress"] = report_suppress
CASES["report --toolkit-rules"] = report_toolkit_rules
CASES["report --no-toolkit-rules"] = report_no_toolkit_rules
CASES["report --all-threads"] = lambda: all_threads_case(
    "report", lambda *o: report_out(*o, inputs=(THREADS_FILE,))[1],
    lambda page: [int(t) for t in re.findall(r'<details class="thread" id="thread-(\d+)"', page)])


# --- symbolize: the addresses nm gives ---------------------------------------
def addr(name, delta=0):
    return "%#x" % (SYMS[name][0] + delta)


def symbolize_e():
    r = bbx("symbolize", "-e", A.prog, addr(EXPLODE_M), addr("main"))
    ok(r, 0, "symbolize -e")
    lines = r.out.splitlines()
    check(len(lines) >= 4 and lines[0] == EXPLODE and lines[2] == "main",
          "symbolize -e: %r, expected %s then main (nm)" % (lines, EXPLODE))
    rs = bbx("symbolize", "-e", A.prog, stdin="%s\n%s\n" % (addr(EXPLODE_M), addr("main")))
    check(rs.rc == 0 and rs.out == r.out, "symbolize: stdin gives %r, arguments %r"
          % (rs.out, r.out))
    rj = bbx("symbolize", "-e" + A.prog, addr(EXPLODE_M))
    check(rj.out == r.out.split("\n", 2)[0] + "\n" + r.out.split("\n", 2)[1] + "\n",
          "symbolize -eBINARY (joined): %r" % rj.out)


def symbolize_json():
    r = bbx("symbolize", "-e", A.prog, "--json", addr(EXPLODE_M), addr(LEAK_M))
    ok(r, 0, "symbolize --json")
    d = json.loads(r.out)
    check([x["frames"][0]["function"] for x in d] == [EXPLODE, LEAK] and
          [int(x["address"], 16) if isinstance(x["address"], str) else x["address"]
           for x in d] == [SYMS[EXPLODE_M][0], SYMS[LEAK_M][0]],
          "symbolize --json: %r" % d)


def symbolize_demangle():
    r1 = bbx("symbolize", "-e", A.prog, "--no-demangle", addr(EXPLODE_M))
    r0 = bbx("symbolize", "-e", A.prog, addr(EXPLODE_M))
    check(r1.out.splitlines()[:1] == [EXPLODE_M], "symbolize --no-demangle: %r" % r1.out)
    check(r0.out.splitlines()[:1] == [EXPLODE], "symbolize: %r" % r0.out)


def symbolize_debug_dir():
    r1 = bbx("symbolize", "-e", STRIPPED, "--debug-dir", DEBUG_DIR, addr(EXPLODE_M))
    r0 = bbx("symbolize", "-e", STRIPPED, addr(EXPLODE_M))
    check(r1.rc == 0 and r1.out.splitlines()[:1] == [EXPLODE],
          "symbolize --debug-dir on the stripped copy: %r" % r1)
    check(r0.out.splitlines()[:1] == ["??"], "symbolize, stripped, no debug dir: %r" % r0)


CASES["symbolize -e"] = symbolize_e
CASES["symbolize --json"] = symbolize_json
CASES["symbolize --no-demangle"] = symbolize_demangle
CASES["symbolize --debug-dir"] = symbolize_debug_dir
CASES["symbolize --debuginfod-timeout"] = lambda: debuginfod_case(
    "symbolize", [addr(EXPLODE_M)], pre=("-e", STRIPPED))
CASES["symbolize -h/--help"] = lambda: help_case("symbolize")


# --- scrub -------------------------------------------------------------------
def scrub_show(*opts):
    out = S.file("scrubbed.bbx")
    if os.path.exists(out):
        os.unlink(out)
    r = bbx("scrub", *opts, CRASH_FILE, "-o", out)
    ok(r, 0, "scrub %s" % (opts,))
    return json.loads(bbx("show", "--json", out).out)


def scrub_redact():
    host = os.uname().nodename
    orig = json.loads(bbx("show", "--json", CRASH_FILE).out)["process"]
    check(orig["hostname"] == host and orig["cmdline"], "fixture: host/cmdline not recorded")
    only_host = scrub_show("--redact", "host")["process"]
    default = scrub_show()["process"]
    check(not only_host["hostname"] and only_host["cmdline"] == orig["cmdline"],
          "scrub --redact host: host %r, cmdline %r" % (only_host["hostname"],
                                                         only_host["cmdline"]))
    check(not default["cmdline"], "scrub (default all): cmdline kept")


def scrub_output():
    for opt in ("-o", "--output"):
        out = S.file("copy%s.bbx" % opt)
        r = bbx("scrub", CRASH_FILE, opt, out)
        ok(r, 0, "scrub " + opt)
        check(os.path.exists(out) and bbx("show", out).rc == 0, "scrub %s: no snapshot" % opt)


CASES["scrub --redact"] = scrub_redact
CASES["scrub -o/--output"] = scrub_output
CASES["scrub -h/--help"] = lambda: help_case("scrub")


# --- the crash store: ingest, crashes, crash, prune, regroup --------------------
# The oracle is the store's own tables (docs/FORMAT.md, "The crash store"),
# read with Python's sqlite3, never bbx's output about them.
import sqlite3  # noqa: E402

V1 = make("store-v1", "crash", env={"BBX_APP_VERSION": "1.0"})
V2 = make("store-v2", "crash", env={"BBX_APP_VERSION": "2.0"})
R2 = make("store-r2", "snap", env={"BBX_APP_VERSION": "2.0"})  # a request: its own group
JUNK = S.file("junk.bbx")
with open(JUNK, "w") as f:
    f.write("not a snapshot\n")
_stores = [0]


def new_db():
    _stores[0] += 1
    return os.path.join(S.dir("stores"), "s%d.db" % _stores[0])


def sql(db, q, *p):
    c = sqlite3.connect(db)
    try:
        return c.execute(q, p).fetchall()
    finally:
        c.close()


def ingest(*argv, want=0, db=None, env=None):
    db = db or new_db()
    r = bbx("ingest", "--db", db, *argv, env=env)
    ok(r, want, "ingest %s" % (argv,))
    return db


def signatures(db):
    return [r[0] for r in sql(db, "SELECT signature FROM crash_group")]


def crash_id(db):
    return sql(db, "SELECT id FROM crash_group WHERE kind = 'crash'")[0][0]


_main = []


def main_store():
    """1.0 and 2.0 crashes of the same bug (5 snapshots), a 2.0 request."""
    if not _main:
        _main.append(ingest(CRASH, CRASH2, CRASH3, V1, V2, R2))
    return _main[0]


def ingest_db():
    other = os.path.join(S.dir("envdb"), "env.db")
    db = ingest(CRASH, env={"BBX_DB": other})
    check(sql(db, "SELECT count(*) FROM snapshot") == [(1,)], "ingest --db: not stored there")
    check(not os.path.exists(other), "ingest --db: BBX_DB was written too")


def ingest_rules():
    rules = rules_file("one.rules", "frames 1\n")
    with_r, without = ingest("--rules", rules, CRASH), ingest(CRASH)
    check(all(" | " not in x for x in signatures(with_r)), "ingest --rules frames 1: %r"
          % signatures(with_r))
    check(any(" | " in x for x in signatures(without)), "ingest: one-frame signatures %r"
          % signatures(without))


def ingest_quiet():
    r1 = bbx("ingest", "--db", new_db(), "--quiet", CRASH, JUNK)
    r0 = bbx("ingest", "--db", new_db(), CRASH, JUNK)
    ok(r1, 1, "ingest --quiet (a junk file)")
    ok(r0, 1, "ingest (a junk file)")
    contrast("ingest --quiet", r1.err, r0.err, "rejected", False)
    has(r1.out, "1 rejected", "ingest --quiet's summary")


def ingest_symbols():
    with_o, without = ingest("--no-symbols", CRASH), ingest(CRASH)
    contrast("ingest --no-symbols", " ".join(signatures(with_o)), " ".join(signatures(without)),
             "bbxopt::Widget::explode", False)
    has(" ".join(signatures(with_o)), PROG_NAME + "+0x", "ingest --no-symbols: module+offset")


def frames_text(db):
    return " ".join(r[0] for r in sql(db, "SELECT frames FROM stack"))


def ingest_demangle():
    with_o, without = ingest("--no-demangle", CRASH), ingest(CRASH)
    contrast("ingest --no-demangle (stored frames)", frames_text(with_o), frames_text(without),
             EXPLODE_M, True)
    check(signatures(with_o) == signatures(without), "ingest --no-demangle: other signatures")


def ingest_debug_dir():
    with_o, without = ingest("--debug-dir", DEBUG_DIR, SCRASH), ingest(SCRASH)
    contrast("ingest --debug-dir", " ".join(signatures(with_o)), " ".join(signatures(without)),
             "bbxopt::Widget::explode", True)


def ingest_debuginfod():
    asked = []
    for secs in ("0", "1"):
        LISTENER.reset()
        env = {"DEBUGINFOD_URLS": LISTENER.url,
               "DEBUGINFOD_CACHE_PATH": S.dir("dcache-ingest-" + secs)}
        r = bbx("ingest", "--db", new_db(), "--debuginfod-timeout", secs, SCRASH, env=env)
        ok(r, 0, "ingest --debuginfod-timeout " + secs)
        asked.append(LISTENER.connections())
    check(asked[0] == 0 and asked[1] > 0, "ingest --debuginfod-timeout 0/1: asked %r" % asked)


def crashes_db():
    db = main_store()
    r = bbx("crashes", "--db", db, "--json")
    ok(r, 0, "crashes --db")
    doc = json.loads(r.out)
    check(doc["store"] == db and doc["snapshots"] == sql(db, "SELECT count(*) FROM snapshot")[0][0],
          "crashes --db: %r" % r.out[:200])
    home = S.dir("nohome")
    r0 = bbx("crashes", env={"HOME": home, "BBX_DB": "", "XDG_DATA_HOME": ""})
    ok(r0, 2, "crashes without a store")
    has(r0.err, "no crash store there", "crashes without a store")


def group_counts(doc):
    return {g["id"]: g["count"] for g in doc["groups"]}


def crashes_doc(db, *opts, want=0):
    r = bbx("crashes", "--db", db, "--json", *opts)
    ok(r, want, "crashes %s" % (opts,))
    return json.loads(r.out)


def crashes_since():
    db = ingest(CRASH, CRASH2, R2)
    old = sql(db, "SELECT id FROM crash_group WHERE kind = 'request'")[0][0]
    c = sqlite3.connect(db)
    c.execute("UPDATE group_day SET day = '2001-01-01' WHERE group_id = ?", (old,))
    c.commit()
    c.close()
    recent, every = crashes_doc(db, "--since", "7d"), crashes_doc(db)
    check(old not in group_counts(recent) and old in group_counts(every),
          "crashes --since 7d: %r / %r" % (group_counts(recent), group_counts(every)))


def crashes_version():
    db = main_store()
    for v in ("1.0", "2.0"):
        want = dict(sql(db, "SELECT group_id, count(*) FROM snapshot WHERE version = ?"
                            " GROUP BY group_id", v))
        got = group_counts(crashes_doc(db, "--version", v))
        check(got == want, "crashes --version %s: %r, the store says %r" % (v, got, want))


def crashes_build_id():
    db = main_store()
    b = sql(db, "SELECT build_id FROM snapshot LIMIT 1")[0][0]
    check(len(b) >= 16, "fixture: opt_prog has no build-id in the store: %r" % b)
    every = crashes_doc(db, "--build-id", b[:8])
    none = crashes_doc(db, "--build-id", "%08x" % (int(b[:8], 16) ^ 0xffffffff))
    check(sum(group_counts(every).values()) == sql(db, "SELECT count(*) FROM snapshot")[0][0]
          and not none["groups"], "crashes --build-id: %r / %r" % (every["groups"], none["groups"]))


def crashes_by(what):
    db = main_store()
    doc = crashes_doc(db, "--by", what)
    if what == "none":
        check("by" not in doc, "crashes --by none: a 'by' key")
        return
    col = {"version": "version", "build": "build_id", "host": "host",
           "day": "date(time_ms / 1000, 'unixepoch')"}[what]
    want = dict(sql(db, "SELECT %s, count(*) FROM snapshot GROUP BY 1" % col))
    got = {b["key"]: b["count"] for b in doc.get("by", [])}
    check(got == want, "crashes --by %s: %r, the store says %r" % (what, got, want))
    text = bbx("crashes", "--db", db, "--by", what).out
    for k in want:
        has(text, "%s %s:" % (what, k or "(none)"), "crashes --by %s (text)" % what)


def crashes_new_in():
    db = ingest(V1, V2, R2)  # 1.0 crashes first, then 2.0 ones and a 2.0 request
    request = sql(db, "SELECT id FROM crash_group WHERE kind = 'request'")[0][0]
    check(list(group_counts(crashes_doc(db, "--new-in", "2.0", want=1))) == [request],
          "crashes --new-in 2.0: not just the request group")
    check(list(group_counts(crashes_doc(db, "--new-in", "1.0", want=1))) == [crash_id(db)],
          "crashes --new-in 1.0: not just the crash group")
    check(not crashes_doc(db, "--new-in", "9.9")["groups"], "crashes --new-in 9.9: groups")


def crashes_top():
    db = main_store()
    check(len(crashes_doc(db, "--top", "1")["groups"]) == 1 and
          len(crashes_doc(db)["groups"]) == 2, "crashes --top 1")


def crash_doc(db, *opts):
    r = bbx("crash", "--db", db, "--json", *opts, crash_id(db))
    ok(r, 0, "crash %s" % (opts,))
    return json.loads(r.out)


def crash_db():
    db = main_store()
    doc = crash_doc(db)
    check(doc["id"] == crash_id(db) and doc["count"] == 5, "crash --db: %r" % doc["count"])


def crash_snapshots():
    db = main_store()
    check(len(crash_doc(db, "--snapshots", "2")["snapshots"]) == 2 and
          len(crash_doc(db)["snapshots"]) == 5, "crash --snapshots 2")


def crash_no_report():
    db = main_store()
    r1 = bbx("crash", "--db", db, "--no-report", crash_id(db))
    r0 = bbx("crash", "--db", db, crash_id(db))
    ok(r1, 0, "crash --no-report")
    contrast("crash --no-report", r1.out, r0.out, "*** bbx snapshot ***", False)


def crash_extract():
    db = main_store()
    out = os.path.join(S.dir("extract"), "rep.bbx")
    r = bbx("crash", "--db", db, "--extract", out, "--no-report", crash_id(db))
    ok(r, 0, "crash --extract")
    rep = crash_doc(db)["representative"]
    src = sql(db, "SELECT source FROM snapshot WHERE hash = ?", rep)[0][0]
    check(open(out, "rb").read() == open(src, "rb").read(), "crash --extract: not the bytes of "
          "the representative's file")
    ok(bbx("crash", "--db", db, "--extract", out, crash_id(db)), 2, "crash --extract onto a file")


def crash_symbols():
    db = main_store()
    r1 = bbx("crash", "--db", db, "--no-symbols", crash_id(db))
    r0 = bbx("crash", "--db", db, crash_id(db))
    contrast("crash --no-symbols", r1.out, r0.out, EXPLODE, False)


def crash_demangle():
    db = main_store()
    r1 = bbx("crash", "--db", db, "--no-demangle", crash_id(db))
    r0 = bbx("crash", "--db", db, crash_id(db))
    contrast("crash --no-demangle", r1.out, r0.out, EXPLODE_M, True)


_stripped = []


def stripped_store():
    if not _stripped:
        _stripped.append(ingest("--debug-dir", DEBUG_DIR, SCRASH))
    return _stripped[0]


def crash_debug_dir():
    db = stripped_store()
    r1 = bbx("crash", "--db", db, "--debug-dir", DEBUG_DIR, crash_id(db))
    r0 = bbx("crash", "--db", db, crash_id(db))
    contrast("crash --debug-dir", r1.out, r0.out, EXPLODE, True)


def prune_db():
    db = ingest(CRASH, CRASH2, CRASH3)
    other = os.path.join(S.dir("envdb-prune"), "env.db")
    r = bbx("prune", "--db", db, "--keep", "1", env={"BBX_DB": other})
    ok(r, 0, "prune --db")
    check(sql(db, "SELECT count(*) FROM snapshot") == [(1,)] and not os.path.exists(other),
          "prune --db")


def prune_keep():
    db = ingest(CRASH, CRASH2, CRASH3, V1, V2)
    ok(bbx("prune", "--db", db, "--keep", "2"), 0, "prune --keep 2")
    g = crash_id(db)
    check(sql(db, "SELECT count(*) FROM snapshot WHERE group_id = ?", g) == [(2,)] and
          sql(db, "SELECT count FROM crash_group WHERE id = ?", g) == [(5,)] and
          sql(db, "SELECT count(*) FROM snapshot s JOIN crash_group g ON g.representative = s.hash")
          == [(1,)], "prune --keep 2: rows, count or representative wrong")
    before = sql(db, "SELECT count(*) FROM snapshot")
    ok(bbx("ingest", "--db", db, CRASH, CRASH2, CRASH3, V1, V2), 0, "ingest after prune")
    check(sql(db, "SELECT count(*) FROM snapshot") == before and
          sql(db, "SELECT count FROM crash_group WHERE id = ?", g) == [(5,)],
          "ingest after prune: a pruned snapshot was stored or counted again")


def prune_older_than():
    db = ingest(CRASH, CRASH2, CRASH3)
    rep = sql(db, "SELECT representative FROM crash_group")[0][0]
    c = sqlite3.connect(db)
    c.execute("UPDATE snapshot SET time_ms = 1000 WHERE hash <> ?", (rep,))
    c.commit()
    c.close()
    ok(bbx("prune", "--db", db, "--older-than", "30d"), 0, "prune --older-than")
    check(sql(db, "SELECT hash FROM snapshot") == [(rep,)] and
          sql(db, "SELECT count FROM crash_group") == [(3,)], "prune --older-than 30d")


def regroup_db():
    db = ingest(CRASH)
    rules = rules_file("one-r.rules", "frames 1\n")
    other = os.path.join(S.dir("envdb-regroup"), "env.db")
    ok(bbx("regroup", "--db", db, "--rules", rules, env={"BBX_DB": other}), 0, "regroup --db")
    check(all(" | " not in x for x in signatures(db)) and not os.path.exists(other),
          "regroup --db: %r" % signatures(db))


def regroup_rules():
    db = ingest(CRASH, V1, R2)
    before = sorted(sql(db, "SELECT id, signature, count FROM crash_group"))
    rules = rules_file("one-g.rules", "frames 1\n")
    ok(bbx("regroup", "--db", db, "--rules", rules), 0, "regroup --rules")
    one = signatures(db)
    ok(bbx("regroup", "--db", db), 0, "regroup (shipped rules)")
    after = sorted(sql(db, "SELECT id, signature, count FROM crash_group"))
    check(all(" | " not in x for x in one) and after == before,
          "regroup --rules: %r; back with the shipped rules: %r != %r" % (one, after, before))


CASES["ingest --db"] = ingest_db
CASES["ingest --rules"] = ingest_rules
CASES["ingest --quiet"] = ingest_quiet
CASES["ingest --no-symbols"] = ingest_symbols
CASES["ingest --no-demangle"] = ingest_demangle
CASES["ingest --debug-dir"] = ingest_debug_dir
CASES["ingest --debuginfod-timeout"] = ingest_debuginfod
CASES["ingest -h/--help"] = lambda: help_case("ingest")
CASES["crashes --db"] = crashes_db
CASES["crashes --since"] = crashes_since
CASES["crashes --version"] = crashes_version
CASES["crashes --build-id"] = crashes_build_id
for _w in ("none", "version", "build", "host", "day"):
    CASES["crashes --by " + _w] = (lambda w: lambda: crashes_by(w))(_w)
CASES["crashes --new-in"] = crashes_new_in
CASES["crashes --top"] = crashes_top
CASES["crashes --json"] = lambda: json_case("crashes", ["--db", main_store()])
CASES["crashes -h/--help"] = lambda: help_case("crashes")
CASES["crash --db"] = crash_db
CASES["crash --snapshots"] = crash_snapshots
CASES["crash --no-report"] = crash_no_report
CASES["crash --extract"] = crash_extract
CASES["crash --json"] = lambda: json_case("crash", ["--db", main_store(), crash_id(main_store())])
CASES["crash --no-symbols"] = crash_symbols
CASES["crash --no-demangle"] = crash_demangle
CASES["crash --debug-dir"] = crash_debug_dir
CASES["crash --debuginfod-timeout"] = lambda: debuginfod_case(
    "crash", [crash_id(stripped_store())], pre=("--db", stripped_store()))
CASES["crash -h/--help"] = lambda: help_case("crash")
CASES["prune --db"] = prune_db
CASES["prune --keep"] = prune_keep
CASES["prune --older-than"] = prune_older_than
CASES["prune -h/--help"] = lambda: help_case("prune")
CASES["regroup --db"] = regroup_db
CASES["regroup --rules"] = regroup_rules
CASES["regroup -h/--help"] = lambda: help_case("regroup")


# --- the top level: bbx help / --help / --version ------------------------------
def top_version():
    cm = open(os.path.join(os.path.dirname(A.readme), "CMakeLists.txt")).read()
    v = re.search(r"project\(\w+ VERSION ([\d.]+)", cm).group(1)
    r = bbx("--version")
    check(r.rc == 0 and v in r.out, "bbx --version: %r, CMakeLists says %s" % (r, v))


def top_help():
    r = bbx("--help")
    rh = bbx("help")
    check(r.rc == 0 and r.out == rh.out and r.out.startswith("usage: bbx <command>"),
          "bbx --help / bbx help: %r %r" % (r, rh))
    for cmd in COMMANDS:
        has(r.out, "\n  %s " % cmd, "bbx help lists " + cmd)


def top_markdown():
    """docs/CLI.md is what `bbx help --markdown` prints: every command's help."""
    r = bbx("help", "--markdown")
    ok(r, 0, "bbx help --markdown")
    doc = open(os.path.join(os.path.dirname(A.readme), "docs", "CLI.md")).read()
    check(r.out == doc, "docs/CLI.md is not the output of 'bbx help --markdown' (regenerate "
          "it: bbx help --markdown > docs/CLI.md)")
    for cmd in COMMANDS:
        has(r.out, "\n## bbx %s\n" % cmd, "bbx help --markdown")
        for o in help_options(bbx(cmd, "--help").out):
            has(r.out, "| `%s" % o.split("/")[0].split(" ")[0], "bbx help --markdown, " + cmd)


CASES["help --help"] = top_help
CASES["help --markdown"] = top_markdown
CASES["help --version"] = top_version

COMMANDS = ["show", "leaks", "diff", "flame", "report", "symbolize", "scrub", "ingest", "crashes",
            "crash", "prune", "regroup"]


def documented():
    keys = []
    for cmd in COMMANDS:
        text = bbx(cmd, "--help").out
        opts = help_options(text)
        check(opts, cmd + " --help lists no options")
        keys += ["%s %s" % (cmd, o) for o in opts]
        # every option of the usage lines is described below them
        usage = text.split("\n\n", 1)[0]
        named = {o.split(" ")[0] for o in opts} | {p for o in opts for p in o.split(" ")[0].split("/")}
        for tok in re.findall(r"(?<![\w-])(--?[a-z][\w-]*)", usage):
            check(tok in named, "%s: %s is in the usage line but not described" % (cmd, tok))
    top = bbx("--help").out.split("\n\n", 1)[0]
    keys += ["help " + t for t in re.findall(r"(?<![\w-])(--[a-z][\w-]*)", top)]
    return keys


def main():
    keys = documented()
    for k in keys:
        if k not in CASES:
            fail("option '%s' has no case in tests/options/test_options.py" % k)
    for k in CASES:
        if k not in keys:
            fail("case '%s' names an option no --help documents" % k)
    for k in keys:
        if k in CASES and (not A.only or A.only in k):
            n = len(__import__("optlib").failures)
            try:
                CASES[k]()
            except Exception as e:  # a crash of the case is its failure
                fail("%s: %s: %s" % (k, type(e).__name__, e))
            checked.append(k)
            print("%s %s" % ("ok  " if len(__import__("optlib").failures) == n else "FAIL", k),
                  flush=True)
    S.close()
    finish()


main()
