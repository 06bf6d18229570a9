#!/usr/bin/env python3
"""End-to-end: `bbx diff` between two builds of one program.

Usage: e2e_diff.py --bbx BBX --build-a A --build-b B --build-c C

Each build of diff_prog (A: a leak in open_cache_files; B: the same plus a new
leak in open_extra_logs; C: A with its lines moved) runs with BBX_TRACK=fd
BBX_AT_EXIT=1, and `bbx leaks --json` is saved for each.  Then:
  bbx diff A.json B.json                    exits 1 and names open_extra_logs;
  bbx diff A.json C.json                    exits 0 (only line numbers moved);
  bbx diff --suppress S A.json B.json       exits 0, S suppressing open_extra_logs;
  bbx diff A.json A.json                    exits 0;
  bbx diff DIR_A DIR_B (snapshot dirs)      exits 1; DIR_A DIR_C exits 0;
  bbx diff on a missing file                exits 2.
"""

import os

import leaktest as lt

p = lt.arg_parser("bbx diff across builds")
for b in "abc":
    p.add_argument("--build-" + b, required=True)
args = p.parse_args()
BBX = args.bbx


def leaks_of(scratch, name, prog):
    snap_dir = scratch.sub("snaps-" + name)
    lt.run([prog], env=lt.collector_env(snap_dir, track="fd", at_exit=1))
    snaps = lt.snapshots(snap_dir)
    if len(snaps) != 1:
        lt.fail("build %s: %d snapshots, expected 1 (at exit)" % (name, len(snaps)))
    rc, doc = lt.bbx_leaks(BBX, [snap_dir])
    out = lt.run([BBX, "leaks", "--json", snap_dir], check=False).stdout
    path = lt.write_file(os.path.join(scratch.path, name + ".json"), out)
    if doc is not None:
        lt.note("build %s: bbx leaks exit %d: %s" % (name, rc, "; ".join(
            lt.describe_leak(l) for l in doc["leaks"])))
        if rc != 1 or not any(lt.origin_has(l, "open_cache_files") for l in doc["leaks"]):
            lt.fail("build %s: the baseline leak in open_cache_files is not reported" % name)
    return snap_dir, path


def diff(expect, *argv, mention=None):
    p = lt.run([BBX, "diff", *argv], check=False)
    shown = " ".join(os.path.basename(a) for a in argv)
    lt.note("bbx diff %s -> %d" % (shown, p.returncode))
    if p.returncode != expect:
        lt.fail("bbx diff %s exited %d, expected %d: %s %s" % (
            shown, p.returncode, expect, p.stdout[-800:], p.stderr[-400:]))
    elif mention and mention not in p.stdout:
        lt.fail("bbx diff %s does not name %s: %s" % (shown, mention, p.stdout[-800:]))


with lt.Scratch("diff") as scratch:
    dir_a, a = leaks_of(scratch, "a", args.build_a)
    dir_b, b = leaks_of(scratch, "b", args.build_b)
    dir_c, c = leaks_of(scratch, "c", args.build_c)
    diff(1, a, b, mention="open_extra_logs")
    diff(0, a, c)
    diff(0, a, a)
    supp = lt.write_file(os.path.join(scratch.path, "suppress.txt"),
                         "# the new log fds are known and accepted\nfunction:open_extra_logs\n")
    diff(0, "--suppress", supp, a, b)
    other = lt.write_file(os.path.join(scratch.path, "suppress-other.txt"),
                          "function:some_other_function\n")
    diff(1, "--suppress", other, a, b)
    diff(1, dir_a, dir_b, mention="open_extra_logs")
    diff(0, dir_a, dir_c)
    diff(2, a, os.path.join(scratch.path, "missing.json"))
lt.finish()
