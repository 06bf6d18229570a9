#!/usr/bin/env python3
"""End-to-end: `bbx ingest` is idempotent (issue 14, the content key).

Usage: store_idempotent.py --bbx BBX --crasher CRASHER --gen GEN_CRASHES
                           [--preload LIB] --source TREE

  A set of real snapshots (the crasher in several modes, python3 under the
  preload) and generated ones (gen_crashes) is ingested into a fresh store:
  exit 0, "N files: N new, 0 already stored, 0 rejected"; the store holds
  every distinct snapshot once (its copy byte for byte), each group's count
  is its rows, its stacks', days' and hosts' counts add up to it, and `bbx
  crashes --json` says the same.  Then:
    - the same directories again: 0 new, N already stored, and not one row
      of any table changed;
    - byte-identical copies under other names: all already stored, nothing
      changed;
    - into a second, fresh store, everything at once (the directories and
      the copies, so duplicates within one run): as many new as
      there are distinct snapshots, and the same groups, stacks, snapshots,
      days and hosts as the first store.
"""

import os

import storetest as t

args = t.arg_parser("bbx ingest is idempotent").parse_args()

TABLES = ("crash_group", "stack", "snapshot", "annotation", "group_day", "group_host",
          "rejected")


def dump(db):
    """Every row of the store's tables (and the copies' hashes), sorted."""
    c = t.connect(db)
    try:
        out = {}
        for table in TABLES:
            out[table] = sorted(tuple("%r" % (v,) for v in r)
                                for r in c.execute("SELECT * FROM %s" % table))
        out["snapshot_copy"] = sorted(r[0] for r in c.execute("SELECT hash FROM snapshot_copy"))
        return out
    finally:
        c.close()


def same_dump(before, after, what):
    for table in before:
        if before[table] != after[table]:
            b, a = set(before[table]), set(after[table])
            t.fail("%s: table %s changed: %d rows -> %d; gone %r; new %r"
                   % (what, table, len(before[table]), len(after[table]), sorted(b - a)[:2],
                      sorted(a - b)[:2]))


with t.Scratch("idem") as s:
    env = t.bbx_env(s)
    real_dir, gen_dir = s.sub("real"), s.sub("gen")
    real = t.real_set(args, real_dir)
    gen = t.gen_set(args, gen_dir, 150)
    files = real + gen
    want = t.contents(files)
    t.note("%d real snapshots, %d generated, %d distinct" % (len(real), len(gen), len(want)))
    t.check(len(want) == len(files), "the set holds byte-identical files already")

    db = s.file("first.db")
    r = t.ingest(args, env, db, [real_dir, gen_dir])
    t.expect_ingest(r, len(files), len(want), 0, what="first ingest")
    t.consistent(db, "after the first ingest", expect=want)
    t.check_crashes_json(t.crashes_json(args, env, db), db, "after the first ingest")
    before = dump(db)
    groups = len(before["crash_group"])
    t.check(groups >= 8, "only %d groups from %d snapshots of 7 generated sites and "
            "several crasher modes" % (groups, len(want)))
    if r.summary:
        t.check(r.summary["groups"] == groups, "the summary says %d groups, the store has %d"
                % (r.summary["groups"], groups))
        t.check(r.summary["path"] == db, "the summary names the store %r, not %r"
                % (r.summary["path"], db))

    r = t.ingest(args, env, db, [real_dir, gen_dir])
    t.expect_ingest(r, len(files), 0, len(files), what="the same directories again")
    t.consistent(db, "after the second ingest", expect=want)
    same_dump(before, dump(db), "the same directories again")

    copies_dir = s.sub("copies")
    copies = [t.copy_as(f, os.path.join(copies_dir, "copy-%02d-%s" % (i, os.path.basename(f))))
              for i, f in enumerate(t.bbx_files(real_dir)[::5] + gen[::20])]
    r = t.ingest(args, env, db, copies)
    t.expect_ingest(r, len(copies), 0, len(copies), what="byte-identical copies")
    same_dump(before, dump(db), "byte-identical copies")
    t.check_crashes_json(t.crashes_json(args, env, db), db, "after the copies")

    # Everything at once into a fresh store: duplicates inside one run (one
    # transaction) are stored once too.
    db2 = s.file("second.db")
    r = t.ingest(args, env, db2, [real_dir, gen_dir, copies_dir])
    extra = len(copies)
    t.expect_ingest(r, len(files) + extra, len(want), extra, what="one run with duplicates")
    t.consistent(db2, "after one run with duplicates", expect=want)
    t.compare_states(t.state(db2, sources=False), t.state(db, sources=False),
                     "one run with duplicates vs. the first store")
    t.check_crashes_json(t.crashes_json(args, env, db2), db2, "one run with duplicates")

t.finish("idempotent: %d distinct snapshots in %d groups, stored once each way"
         % (len(want), groups))
