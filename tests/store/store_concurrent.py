#!/usr/bin/env python3
"""End-to-end: several `bbx ingest` processes at once lose nothing and store
nothing twice (issue 14, "The schema is an interface").

Usage: store_concurrent.py --bbx BBX --crasher CRASHER --gen GEN_CRASHES
                           [--preload LIB] --source TREE

  The set: real snapshots (crasher modes, python3 under the preload) and
  2,000 generated crash snapshots.  Process k of 4 gets, in a directory of
  its own (hard links), every file whose index is not k modulo 4 (so every
  snapshot goes to three processes), plus byte-identical copies under other
  names of a few of the files it was not given.  The four start at once
  into one fresh store:
    - each exits 0 and counts every one of its files new or already stored;
      the four "new" counts add up to the distinct snapshots;
    - the store holds every distinct snapshot exactly once (its copy byte
      for byte), each group's count equals its rows and the sums of its
      stacks', days' and hosts' counts, integrity_check is ok;
    - its groups, stacks, snapshots, days and hosts are those of a single
      ingest of the same set into another store, and `bbx crashes --json`
      agrees with the tables.
  A second round starts four processes over the very same directories into
  another fresh store (every snapshot contended by all four): the same.
  A third round creates a new store 40 times, each by 6 processes at once
  over 20 snapshots (the window in which one of them makes the schema while
  another looks at the empty file): every process of every round exits 0
  and the stores are consistent.
"""

import os
import subprocess

import storetest as t

args = t.arg_parser("concurrent bbx ingest").parse_args()
PROCS = 4


def start_all(cmds, env):
    procs = [subprocess.Popen(c, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for c in cmds]
    runs = []
    for c, p in zip(cmds, procs):
        out, err = p.communicate(timeout=600)
        runs.append(t.Run(c, p.returncode, out, err))
    return runs


def check_round(runs, sizes, want, db, clean, what):
    new = 0
    for k, (r, n) in enumerate(zip(runs, sizes)):
        if not t.check(r.rc == 0, "%s: process %d: %s" % (what, k, r.describe())):
            continue
        s = r.summary
        if not t.check(s is not None, "%s: process %d printed no summary: %r"
                       % (what, k, r.out[-300:])):
            continue
        t.check(s["files"] == n and s["new"] + s["known"] == n and s["rejected"] == 0,
                "%s: process %d was given %d files; its summary: %r"
                % (what, k, n, r.out.strip().splitlines()[-1]))
        new += s["new"]
    t.check(new == len(want), "%s: the processes stored %d new between them, %d distinct "
            "snapshots were given" % (what, new, len(want)))
    t.consistent(db, what, expect=want)
    t.compare_states(t.state(db, sources=False), clean, what + " vs. a single ingest")
    t.check_crashes_json(t.crashes_json(args, env, db), db, what)


with t.Scratch("conc") as s:
    env = t.bbx_env(s)
    real_dir, gen_dir = s.sub("real"), s.sub("gen")
    files = t.real_set(args, real_dir) + t.gen_set(args, gen_dir, 2000)
    want = t.contents(files)
    t.note("%d snapshots, %d distinct" % (len(files), len(want)))

    clean_db = s.file("clean.db")
    r = t.ingest(args, env, clean_db, [real_dir, gen_dir])
    t.expect_ingest(r, len(files), len(want), 0, what="the single ingest")
    t.consistent(clean_db, "the single ingest", expect=want)
    clean = t.state(clean_db, sources=False)

    # Round 1: overlapping subsets, plus copies under other names.
    dirs, sizes = [], []
    for k in range(PROCS):
        d = s.sub("proc%d" % k)
        mine = [f for i, f in enumerate(files) if i % PROCS != k]
        for f in mine:
            os.link(f, os.path.join(d, os.path.basename(f)))
        others = [f for i, f in enumerate(files) if i % PROCS == k]
        for j, f in enumerate(others[::max(1, len(others) // 6)]):
            t.copy_as(f, os.path.join(d, "copy%d-%d-%s" % (k, j, os.path.basename(f))))
        dirs.append(d)
        sizes.append(len(t.bbx_files(d)))
    db = s.file("shared.db")
    runs = start_all([t.ingest_cmd(args, db, [d]) for d in dirs], env)
    check_round(runs, sizes, want, db, clean, "4 ingesters over overlapping inputs")

    # Round 2: all four over the very same inputs.
    db = s.file("contended.db")
    runs = start_all([t.ingest_cmd(args, db, [real_dir, gen_dir]) for _ in range(PROCS)], env)
    check_round(runs, [len(files)] * PROCS, want, db, clean, "4 ingesters over the same inputs")

    # Round 3: many fresh stores, each created by several processes at once.
    few_dir = s.sub("few")
    few = t.gen_set(args, few_dir, 20, first=100000)
    few_want = t.contents(few)
    for rnd in range(40):
        db = s.file("fresh%d.db" % rnd)
        runs = start_all([t.ingest_cmd(args, db, [few_dir]) for _ in range(6)], env)
        bad = [r for r in runs if r.rc != 0]
        if not t.check(not bad, "6 processes creating store %d at once: %s"
                       % (rnd, bad[0].describe() if bad else "")):
            break
        t.consistent(db, "store %d made by 6 processes at once" % rnd, expect=few_want)

t.finish("4 concurrent ingesters: %d distinct snapshots stored once, in %d groups"
         % (len(want), len(clean["groups"])))
