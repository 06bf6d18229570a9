#!/usr/bin/env python3
"""BBX_CHILDREN (issue 13): with `none` the programs a watched program runs
do not get libbbx-preload.so; with `inherit` (the default) they do.  Real
processes, every one of which writes a snapshot when it has the preload:

1. children_prog runs itself through system(), popen() and posix_spawn()
   (glibc's own exec paths, which no interposed execve() would see), each
   process ending through exit() with BBX_AT_EXIT=1: `none` gives one
   snapshot, the parent's; `inherit` and unset give four, one per process.
2. What each process saw of its environment (children_prog prints it) is,
   with `none`, exactly what it sees without bbx: LD_PRELOAD keeps its
   other entries (libdl.so.2, and the sanitizer runtimes in that build) and
   their separators, and is gone when bbx was its only entry.
3. sh -c 'sh -c "sleep 0.3; exit 0"; exit 0' with periodic snapshots (dash
   leaves through _exit(), so at-exit snapshots would not show it): `none`
   writes snapshots of the outer sh's pid only, `inherit` of three pids.

Usage: children_env.py --prog CHILDREN_PROG --preload LIB
                       [--sanitizer-runtimes LIB:LIB] [--sh SH]
Exits 0 (passed) or 1 (failures, each said on stdout).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testlib"))
from check import check, finish, verbose  # noqa: E402

SNAP = re.compile(r"^(.+)-(\d+)-\d{8}-\d{6}\.\d{3}(?:-\d+)?-[a-z_]+\.bbx$")


def base_env(a, d):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("BBX_") and k not in ("LD_PRELOAD", "ASAN_OPTIONS")}
    env["BBX_DIR"] = d
    if a.san:
        env["ASAN_OPTIONS"] = "verify_asan_link_order=0:detect_leaks=0"
    return env


def pids(d):
    """{pid: [snapshot names]} of the .bbx files in d."""
    out = {}
    for f in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        m = SNAP.match(f)
        if m:
            out.setdefault(int(m.group(2)), []).append(f)
    return out


def run(cmd, env):
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)


def prog_case(a, top, children, others):
    """children_prog parent under the preload, LD_PRELOAD = others + bbx.
    Returns (its stdout, {pid: snapshots})."""
    d = os.path.join(top, "prog-%s-%d" % (children or "unset", len(others)))
    env = base_env(a, d)
    env["BBX_AT_EXIT"] = "1"
    if children:
        env["BBX_CHILDREN"] = children
    # a space before bbx's entry, colons elsewhere: separators stay as they were
    env["LD_PRELOAD"] = (":".join(others) + " " if others else "") + a.preload
    r = run([a.prog, "parent"], env)
    check(r.returncode == 0 and r.stderr == "",
          "BBX_CHILDREN=%s: children_prog exited %d: %r" % (children, r.returncode, r.stderr))
    return r.stdout, pids(d)


def plain_case(a, top, others):
    """The same without bbx: the view to compare with."""
    d = os.path.join(top, "plain-%d" % len(others))
    env = base_env(a, d)
    env["BBX_AT_EXIT"] = "1"
    env["BBX_CHILDREN"] = "none"
    if others:
        env["LD_PRELOAD"] = ":".join(others)
    r = run([a.prog, "parent"], env)
    check(r.returncode == 0, "without bbx: children_prog exited %d" % r.returncode)
    check(not pids(d), "without bbx: snapshots %r" % pids(d))
    return r.stdout.replace(os.path.basename(d), "DIR")


def test_prog(a, top):
    for others in (a.san + ["libdl.so.2"], a.san):
        label = "LD_PRELOAD=%s" % (":".join(others + ["bbx"]))
        out_none, p_none = prog_case(a, top, "none", others)
        check(len(p_none) == 1 and all(n.startswith("children_prog-")
                                       for ns in p_none.values() for n in ns),
              "%s BBX_CHILDREN=none: snapshots of %d processes, expected the parent's "
              "only: %r" % (label, len(p_none), p_none))
        for children in ("inherit", None):
            _, p = prog_case(a, top, children, others)
            check(len(p) == 4, "%s BBX_CHILDREN=%s: snapshots of %d processes, expected 4 "
                  "(parent, system, popen, posix_spawn): %r"
                  % (label, children or "unset", len(p), p))
        plain = plain_case(a, top, others)
        seen = out_none.replace(os.path.basename("prog-none-%d" % len(others)), "DIR")
        if not check(seen == plain, "%s BBX_CHILDREN=none: the environment each process saw "
                     "is the one it sees without bbx" % label):
            print("--- without bbx\n%s--- with bbx\n%s" % (plain, seen))
        lines = [ln for ln in out_none.splitlines() if "LD_PRELOAD=" in ln]
        want = ":".join(others)
        check(all(ln.split("LD_PRELOAD=", 1)[1] == want for ln in lines) and
              len(lines) == (4 if want else 0),
              "%s BBX_CHILDREN=none: LD_PRELOAD as seen: %r, expected %r in all 4"
              % (label, lines, want or "(unset)"))


def test_sh(a, top):
    script = 'sh -c "sleep 0.3; exit 0"; exit 0'
    for children, want in (("none", 1), ("inherit", 3)):
        d = os.path.join(top, "sh-" + children)
        env = base_env(a, d)
        env.update({"BBX_INTERVAL_MS": "50", "BBX_CHILDREN": children,
                    "LD_PRELOAD": ":".join(a.san + [a.preload])})
        p = subprocess.Popen([a.sh, "-c", script], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        out, err = p.communicate(timeout=120)
        got = pids(d)
        check(p.returncode == 0 and err == "", "sh BBX_CHILDREN=%s: exit %d, %r"
              % (children, p.returncode, err))
        check(len(got) == want, "sh -c '%s' BBX_CHILDREN=%s: snapshots of %d processes, "
              "expected %d: %r" % (script, children, len(got), want, sorted(got)))
        if children == "none":
            check(list(got) == [p.pid], "BBX_CHILDREN=none: the snapshots are of pid %r, the "
                  "outer sh is %d" % (list(got), p.pid))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prog", required=True)
    ap.add_argument("--preload", required=True)
    ap.add_argument("--sanitizer-runtimes", default="")
    ap.add_argument("--sh", default="/bin/sh")
    a = ap.parse_args()
    a.san = [x for x in a.sanitizer_runtimes.split(":") if x]
    verbose()
    top = tempfile.mkdtemp(prefix="bbx-children-")
    try:
        test_prog(a, top)
        test_sh(a, top)
    finally:
        if not os.environ.get("BBX_KEEP_TEMP"):
            shutil.rmtree(top, ignore_errors=True)
    finish("BBX_CHILDREN: none keeps the preload to the watched program, inherit passes it on")


main()
