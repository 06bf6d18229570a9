#!/usr/bin/env python3
"""e2e_grouping.py - the crash store's grouping scored against a labelled
corpus (issue 14): BCubed precision and recall, each at least 0.95.

The corpus is made here: every build of grp_prog.c and grp_prog_cxx.cpp
(tests/grouping/CMakeLists.txt: -O0, -O0 shifted, -O2, -O2 shifted, -O0
stripped, -O2 stripped) is run for every bug, RUNS times with different values, under
libbbx-preload.so; each run leaves one snapshot.  `bbx ingest` stores them
all in a fresh store; `bbx crashes --json` lists the groups and `bbx crash
ID --json` each group's snapshots (their "source", the path ingested),
which says in which group each snapshot landed.

The labels (the ground truth) are bugs, as a crash-stats-style signature
(docs/FORMAT.md, "Crash signatures": function names of the first five
frames of interest, no lines, no addresses) should see them:

  * One label per bug: a-null, a-div, b, c, d, overflow, strlen, thread-1,
    thread-2 (two bugs on a worker thread while main waits the same way) of
    grp_prog.c; tmpl, throw, throw-range of grp_prog_cxx.cpp.  a-null and
    a-div are two bugs in the same function bug_a under the same callers
    (a NULL write, a division by zero); they are told apart only by how
    the process died.
  * The same bug through different callers is one label when the callers
    differ only below the signature's depth: a-null-1 and a-null-2 reach
    bug_a through path_one and path_two, which sit under four deep_*
    frames, so the first five frames of interest are the same.  (Callers
    that differ within those five frames would be different groups by
    design, and would be labelled apart; the corpus has none.)
  * A rebuild (lines and addresses moved by GRP_SHIFT) and another
    optimization level (-O0, -O2; poke() is a frame of its own at -O0 and
    an inlined frame at -O2, which counts as a frame) keep the label.
  * C's failed check has a different message in every run (it holds the
    run's value), D's names its line, which moves with the build: the
    message is not part of a signature, so each is one label; C and D are
    different labels.
  * The crash inside libc (strlen(NULL)) is labelled by its caller's bug.
  * The C++ names (a class template's method, a lambda, an anonymous
    namespace) are the same bug at -O0 and -O2.  throw and throw-range
    throw from the same function under different callers (Parser::check,
    Parser::check_range, the second frame of interest): two labels; the
    frames that only say how the process died (abort, the terminate
    handler, std::terminate, __cxa_throw) are not part of either.
  * A stripped build has no function names: its frames are module+offset,
    so no signature can join it with a symbolized build, nor with another
    stripped build.  Its snapshots are labelled per (bug, build):
    "a-null@grp_o2_nosym".

BCubed (item-wise): for a snapshot s in group G(s) with label L(s),
precision(s) = |{t in G(s): L(t) = L(s)}| / |G(s)| and recall(s) =
|{t with L(t) = L(s): G(t) = G(s)}| / |{t: L(t) = L(s)}|; the figures are
their means over all snapshots.  The test prints
"BCubed precision P recall R over N snapshots in G groups (L labels)",
and, when either is under 0.95, which labels were split and which merged.

Usage: e2e_grouping.py --bbx BBX --preload LIBBBX_PRELOAD
                       --build NAME=PROG [--build NAME=PROG ...]
                       [--sanitizer-runtimes LIB[:LIB]] [--runs N] [--verbose]
BBX_KEEP_TEMP=1 keeps the corpus and the store.
"""

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "testlib"))
from check import check, die, fail, finish  # noqa: E402  (tests/testlib/check.py)

THRESHOLD = 0.95

# Each bug: the grp_prog argument, its label, the signal its run dies of.
BUGS = [
    ("a-null-1", "a-null", 11),
    ("a-null-2", "a-null", 11),
    ("a-div", "a-div", 8),
    ("b", "b", 11),
    ("c", "c", 6),
    ("d", "d", 6),
    ("overflow", "overflow", 11),
    ("strlen", "strlen", 11),
    ("thread-1", "thread-1", 11),
    ("thread-2", "thread-2", 11),
]

# The bugs of grp_prog_cxx.cpp, the same way.
BUGS_CXX = [
    ("tmpl", "tmpl", 11),
    ("throw", "throw", 6),
    ("throw-range", "throw-range", 6),
]

# The values of the runs: run i of every bug uses VALUES[i].  All are >= 0
# (C and D fail on them) and none is strlen's non-crashing 12345.
VALUES = [7, 1203, 40961, 58, 333]


def label_of(bug_label, build, prog):
    """The ground truth of a snapshot of bug_label from build (program
    prog): the bug, and for a stripped build the bug and the program
    (module+offset frames)."""
    if build.endswith("_nosym"):
        return "%s@%s" % (bug_label, os.path.basename(prog))
    return bug_label


def run_env(snap_dir, preload, runtimes):
    env = {k: v for k, v in os.environ.items() if not k.startswith("BBX_")}
    env["BBX_DIR"] = snap_dir
    env["LD_PRELOAD"] = ":".join([r for r in runtimes.split(":") if r] + [preload])
    # Under the sanitizer build the ASan runtime is preloaded: the crashes
    # are the point, so it must leave the fatal signals to the collector.
    env["ASAN_OPTIONS"] = ("handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0:"
                           "handle_abort=0:detect_leaks=0")
    return env


def make_corpus(args, builds, top):
    """Runs every build for every bug; returns {snapshot path: label} and
    {snapshot path: "build bug value"}."""
    corpus = os.path.join(top, "corpus")
    os.makedirs(corpus)
    labels, what = {}, {}
    n = 0
    for build, prog, bugs in builds:
        for bug, bug_label, sig in bugs:
            for i in range(args.runs):
                value = VALUES[i % len(VALUES)] + i // len(VALUES)
                run_dir = os.path.join(top, "run-%03d" % n)
                os.makedirs(run_dir)
                p = subprocess.run([prog, bug, str(value)],
                                   env=run_env(run_dir, args.preload, args.sanitizer_runtimes),
                                   capture_output=True, text=True, timeout=120)
                desc = "%s %s %d" % (os.path.basename(prog), bug, value)
                files = sorted(f for f in os.listdir(run_dir) if f.endswith(".bbx"))
                if not check(p.returncode == -sig,
                             "%s: exit %d, wanted death by signal %d; stderr: %s"
                             % (desc, p.returncode, sig, p.stderr.strip()[-400:])):
                    continue
                if not check(len(files) == 1, "%s: %d snapshots, wanted 1: %s; stderr: %s"
                             % (desc, len(files), files, p.stderr.strip()[-400:])):
                    continue
                dest = os.path.join(corpus, "%03d-%s-%s.bbx" % (n, os.path.basename(prog), bug))
                shutil.move(os.path.join(run_dir, files[0]), dest)
                shutil.rmtree(run_dir)
                labels[dest] = label_of(bug_label, build, prog)
                what[dest] = desc
                n += 1
    return corpus, labels, what


def bbx_json(args, cmd):
    p = subprocess.run([args.bbx] + cmd, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        die("bbx %s: exit %d: %s" % (" ".join(cmd), p.returncode, p.stderr.strip()[-600:]))
    try:
        return json.loads(p.stdout)
    except ValueError as e:
        die("bbx %s: not JSON (%s): %s" % (" ".join(cmd), e, p.stdout[:300]))


def read_groups(args, db):
    """{snapshot base name: group id} and {group id: signature}, through the
    CLI's JSON (the public interface)."""
    crashes = bbx_json(args, ["crashes", "--db", db, "--json"])
    group_of, signature = {}, {}
    for g in crashes.get("groups", []):
        gid = g["id"]
        signature[gid] = g.get("signature", "?")
        detail = bbx_json(args, ["crash", "--db", db, "--json", "--no-report",
                                 "--snapshots", str(max(int(g.get("count", 0)), 1)), gid])
        snaps = detail.get("snapshots", [])
        check(len(snaps) == g.get("count"), "group %s (%s): %d snapshots listed, count %s"
              % (gid, signature[gid], len(snaps), g.get("count")))
        for s in snaps:
            name = os.path.basename(s.get("source") or "")
            if name in group_of and group_of[name] != gid:
                fail("%s is in two groups, %s and %s" % (name, group_of[name], gid))
            group_of[name] = gid
    return group_of, signature


def bcubed(items):
    """items: [(group, label)].  (precision, recall), item-wise means."""
    in_group = collections.Counter(g for g, _ in items)
    in_label = collections.Counter(lab for _, lab in items)
    both = collections.Counter(items)
    n = len(items)
    precision = sum(both[(g, lab)] / in_group[g] for g, lab in items) / n
    recall = sum(both[(g, lab)] / in_label[lab] for g, lab in items) / n
    return precision, recall


def confusion(items, signature):
    """Lines saying which labels were split over groups and which groups
    merged labels."""
    by_label = collections.defaultdict(collections.Counter)
    by_group = collections.defaultdict(collections.Counter)
    for g, lab in items:
        by_label[lab][g] += 1
        by_group[g][lab] += 1
    out = []
    for lab in sorted(by_label):
        if len(by_label[lab]) > 1:
            out.append("label %s split over %d groups:" % (lab, len(by_label[lab])))
            for g, c in by_label[lab].most_common():
                out.append("    %3d in %s  %s" % (c, g, signature.get(g, "?")))
    for g in sorted(by_group, key=lambda k: -sum(by_group[k].values())):
        if len(by_group[g]) > 1:
            out.append("group %s merges %d labels: %s" % (
                g, len(by_group[g]),
                ", ".join("%s x%d" % (lab, c) for lab, c in by_group[g].most_common())))
            out.append("    signature: %s" % signature.get(g, "?"))
    return out


def score(args, db, labels, what, title):
    """Reads the groups back, prints the BCubed line (after title) and
    checks both figures; returns {snapshot base name: group id}."""
    group_of, signature = read_groups(args, db)
    items, missing = [], []
    for path in sorted(labels):
        g = group_of.get(os.path.basename(path))
        if g is None:
            missing.append(what[path])
            continue
        items.append((g, labels[path]))
    check(not missing, "%s%d snapshots in no group: %s"
          % (title, len(missing), ", ".join(missing[:10])))
    if not items:
        die("%sno snapshot found in any group" % title)
    precision, recall = bcubed(items)
    n_groups = len({g for g, _ in items})
    n_labels = len({lab for _, lab in items})
    print("%sBCubed precision %.4f recall %.4f over %d snapshots in %d groups (%d labels)"
          % (title, precision, recall, len(items), n_groups, n_labels), flush=True)
    ok_p = check(precision >= THRESHOLD, "%sBCubed precision %.4f < %.2f: different bugs "
                 "share a group" % (title, precision, THRESHOLD))
    ok_r = check(recall >= THRESHOLD, "%sBCubed recall %.4f < %.2f: one bug is split over "
                 "groups" % (title, recall, THRESHOLD))
    if not (ok_p and ok_r) or args.verbose:
        for line in confusion(items, signature) or ["(no label split, no group merged)"]:
            print(line)
    if args.verbose and not title:
        per_group = collections.defaultdict(collections.Counter)
        for g, lab in items:
            per_group[g][lab] += 1
        for g, c in sorted(per_group.items(), key=lambda kv: -sum(kv[1].values())):
            print("%s %3d %-40s %s" % (g, sum(c.values()), ",".join(sorted(c)),
                                      signature.get(g, "?")))
    return group_of


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bbx", required=True)
    ap.add_argument("--preload", required=True)
    ap.add_argument("--build", action="append", required=True, metavar="NAME=PROG",
                    help="a build of grp_prog.c")
    ap.add_argument("--build-cxx", action="append", default=[], metavar="NAME=PROG",
                    help="a build of grp_prog_cxx.cpp")
    ap.add_argument("--sanitizer-runtimes", default="")
    ap.add_argument("--runs", type=int, default=2, help="runs of each bug in each build")
    ap.add_argument("--verbose", action="store_true", help="print every group and its labels")
    args = ap.parse_args()
    builds = []
    for opt, bugs in ((args.build, BUGS), (args.build_cxx, BUGS_CXX)):
        for b in opt:
            name, sep, prog = b.partition("=")
            if not sep or not name or not prog:
                ap.error("--build wants NAME=PROG, not %r" % b)
            builds.append((name, prog, bugs))

    top = tempfile.mkdtemp(prefix="bbx-grouping-")
    try:
        corpus, labels, what = make_corpus(args, builds, top)
        wanted = sum(len(bugs) for _, _, bugs in builds) * args.runs
        check(len(labels) == wanted, "%d snapshots made, wanted %d" % (len(labels), wanted))
        if not labels:
            die("no snapshot was made")
        db = os.path.join(top, "store.db")
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("BBX_") and k != "DEBUGINFOD_URLS"}
        p = subprocess.run([args.bbx, "ingest", "--db", db, corpus], env=env,
                           capture_output=True, text=True, timeout=600)
        print("bbx ingest: " + p.stdout.strip(), flush=True)
        check(p.returncode == 0, "bbx ingest exited %d: %s"
              % (p.returncode, p.stderr.strip()[-600:]))
        check(p.stdout.startswith("ingested %d files: %d new, 0 already stored, 0 rejected;"
                                  % (len(labels), len(labels))),
              "bbx ingest's summary: %r" % p.stdout.strip())

        before = score(args, db, labels, what, "")
        # The same rules again: bbx regroup signs the stored stacks anew
        # and must find every snapshot where bbx ingest put it.
        p = subprocess.run([args.bbx, "regroup", "--db", db], env=env,
                           capture_output=True, text=True, timeout=600)
        check(p.returncode == 0, "bbx regroup exited %d: %s"
              % (p.returncode, p.stderr.strip()[-600:]))
        after = score(args, db, labels, what, "after bbx regroup: ")
        moved = sorted(what[path] for path in labels
                       if before.get(os.path.basename(path)) != after.get(os.path.basename(path)))
        check(not moved, "bbx regroup under the same rules moved %d snapshots: %s"
              % (len(moved), ", ".join(moved[:10])))
    finally:
        if os.environ.get("BBX_KEEP_TEMP"):
            print("kept " + top)
        else:
            shutil.rmtree(top, ignore_errors=True)
    finish("grouping ok")


if __name__ == "__main__":
    main()
