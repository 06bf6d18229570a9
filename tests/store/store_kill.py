#!/usr/bin/env python3
"""End-to-end: a `bbx ingest` killed with SIGKILL leaves a consistent store
and a re-run finishes the job (issue 14, "The schema is an interface").

Usage: store_kill.py --bbx BBX --crasher CRASHER --gen GEN_CRASHES
                     [--preload LIB] --source TREE

  The set: real snapshots (crasher modes, python3 under the preload) and
  12,000 generated crash snapshots, enough that ingest commits several
  batches (of 4,096).
  `bbx ingest` starts into a fresh store; the test reads the store (sqlite3,
  read-only) until the first committed snapshot rows show, then kills the
  process with SIGKILL.  When the process ends before any commit was seen
  (a fast machine), or after its last commit, the set is doubled and the
  round starts again.  After
  the kill:
    - integrity_check is ok, every snapshot row is there once, each group's
      count is its rows and the sums of its stacks', days' and hosts' counts,
      every row has its copy; `bbx crashes --json` opens the store and agrees;
    - a second run is killed the same way once it committed more rows;
    - a third run finishes: exit 0, "already stored" for exactly the rows
      that survived, new for the rest; the store then equals a clean single
      ingest of the same set (groups, stacks, snapshots with their sources,
      days, hosts, annotations).
"""

import os
import signal
import sqlite3
import subprocess
import time

import storetest as t

args = t.arg_parser("bbx ingest killed with SIGKILL").parse_args()


def committed(db):
    """Snapshot rows another process can see now (None: not yet readable)."""
    if not os.path.exists(db):
        return None
    try:
        c = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=0.05)
        try:
            return c.execute("SELECT COUNT(*) FROM snapshot").fetchone()[0]
        finally:
            c.close()
    except sqlite3.Error:
        return None


def kill_after(cmd, env, db, more_than):
    """Starts cmd, kills it with SIGKILL as soon as the store shows more than
    more_than snapshot rows.  Returns (killed, rows seen, Run)."""
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    seen = None
    while p.poll() is None:
        seen = committed(db)
        if seen is not None and seen > more_than:
            p.send_signal(signal.SIGKILL)
            break
        time.sleep(0.005)
    out, err = p.communicate(timeout=600)
    return p.returncode == -signal.SIGKILL, seen, t.Run(cmd, p.returncode, out, err)


with t.Scratch("kill") as s:
    env = t.bbx_env(s)
    real_dir, gen_dir = s.sub("real"), s.sub("gen")
    real = t.real_set(args, real_dir)
    n_gen = 12000
    gen = t.gen_set(args, gen_dir, n_gen)
    inputs = [real_dir, gen_dir]
    for attempt in range(5):
        files = real + gen
        want = t.contents(files)
        db = s.file("killed-%d.db" % attempt)
        killed, seen, r = kill_after(t.ingest_cmd(args, db, inputs), env, db, 0)
        if killed:
            t.check(r.summary is None, "the killed ingest printed its summary: %r" % r.out)
            rows1 = t.consistent(db, "after the first SIGKILL")
            if rows1 < len(want):
                break
            t.note("killed after the last commit; doubling the set")
        else:
            t.check(r.rc == 0, "an ingest that was not killed in time: " + r.describe())
            t.note("the ingest of %d files ended before a commit was seen; doubling the set"
                   % len(files))
        gen = t.gen_set(args, gen_dir, n_gen, first=n_gen)
        n_gen *= 2
    else:
        t.die("no ingest could be killed between its first and last commit (set of %d files)"
              % len(files))

    t.note("killed the first ingest of %d snapshots after %d rows were seen; %d rows stored"
           % (len(want), seen, rows1))
    t.check(rows1 >= seen, "after the first SIGKILL the store has %d rows; %d were seen "
            "committed before" % (rows1, seen))
    t.check_crashes_json(t.crashes_json(args, env, db), db, "after the first SIGKILL")

    killed, seen, r = kill_after(t.ingest_cmd(args, db, inputs), env, db, rows1)
    rows2 = t.consistent(db, "after the second SIGKILL")
    if killed:
        t.check(rows1 < rows2 <= len(want), "after the second SIGKILL the store has %d rows "
                "(%d before it)" % (rows2, rows1))
    else:
        t.note("the second ingest finished before it could be killed")
        t.expect_ingest(r, len(files), len(want) - rows1, len(files) - (len(want) - rows1),
                        what="the second (unkilled) ingest")

    r = t.ingest(args, env, db, inputs)
    t.expect_ingest(r, len(files), len(want) - rows2, len(files) - (len(want) - rows2),
                    what="the re-run after the kills")
    t.consistent(db, "after the re-run", expect=want)
    t.check_crashes_json(t.crashes_json(args, env, db), db, "after the re-run")

    clean_db = s.file("clean.db")
    r = t.ingest(args, env, clean_db, inputs)
    t.expect_ingest(r, len(files), len(want), 0, what="the clean ingest")
    t.compare_states(t.state(db), t.state(clean_db), "killed twice and re-run vs. a clean ingest")

t.finish("SIGKILL after %d and %d of %d snapshots; the re-run completed the store"
         % (rows1, rows2, len(want)))
