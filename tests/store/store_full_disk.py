#!/usr/bin/env python3
"""End-to-end: a store that cannot be written (the disk is full) gives a
clear error and stays intact (issue 14, "The schema is an interface").

Usage: store_full_disk.py --bbx BBX --crasher CRASHER --gen GEN_CRASHES
                          [--preload LIB] --source TREE

  A store first receives a small set (real crasher snapshots and a few
  generated ones).  Then `bbx ingest` of 10,000 more generated snapshots (more
  than two batches, so that a commit fails inside the run, not only the last
  one) runs with RLIMIT_FSIZE above the store's size (SIGXFSZ ignored, so a
  write past it fails with EFBIG, as on a full disk): first with room for
  two batches, then with none; the store's file or its WAL cannot grow.
    - exit 2, exactly one line on stderr, which names the store and the
      cause ("File too large"; on the tmpfs, that the disk is full), no
      summary on stdout;
    - the store then passes integrity_check and the invariants (counts equal
      rows, every row once with its copy); everything the first ingest
      stored is still there unchanged; `bbx crashes --json` agrees;
    - the same ingest without the limit completes: exit 0, and the store
      equals a clean ingest of both sets.
  The same with a limit so low that not even the first batch fits.  As root
  (where tmpfs can be mounted), the same once more on a real full file
  system: the store on a small tmpfs, its free space taken by a filler file
  but for a little; the error then says the disk is full.  Without root
  that case is left out, with a note.
"""

import os
import resource
import signal
import subprocess

import storetest as t

args = t.arg_parser("bbx ingest on a full disk").parse_args()


def limited(nbytes):
    def set_limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, nbytes))
    return set_limit


def store_size(db):
    return max(os.path.getsize(p) for p in t.store_files(db))


def one_case(s, env, name, first_dirs, more_dirs, headroom, want_first, want_all, clean,
             db=None, fill=None, full_words=()):
    """headroom: bytes RLIMIT_FSIZE allows beyond the store's size; or, with
    fill (a function of the store's path that takes the free space and
    returns a function that gives it back), none."""
    db = db or s.file(name + ".db")
    r = t.ingest(args, env, db, first_dirs)
    t.expect_ingest(r, len(want_first), len(want_first), 0, what=name + ": the first ingest")
    t.consistent(db, name + ": after the first ingest", expect=want_first)
    before = t.state(db)
    if fill:
        limit = None
        unfill = fill(db)
        r = t.ingest(args, env, db, more_dirs)
        unfill()
    else:
        limit = store_size(db) + headroom
        r = t.ingest(args, env, db, more_dirs, preexec_fn=limited(limit))
    lines = r.err.strip().splitlines()
    t.check(r.rc == 2, "%s: a write that fails (RLIMIT_FSIZE %s): want exit 2; %s"
            % (name, limit, r.describe()))
    t.check(len(lines) == 1, "%s: want one line on stderr, got %d: %r"
            % (name, len(lines), lines[:4]))
    t.check(r.summary is None, "%s: the failed ingest printed a summary: %r" % (name, r.out))
    if lines:
        low = lines[0].lower()
        t.check(os.path.basename(db) in lines[0] or "full" in low or "too large" in low
                or "write" in low or "space" in low,
                "%s: the error does not say the store could not be written: %r"
                % (name, lines[0]))
        for w in full_words:
            t.check(w in low, "%s: the error does not say %r: %r" % (name, w, lines[0]))
    rows = t.consistent(db, name + ": after the failed ingest")
    after = t.state(db)
    for part in before:
        lost = set(before[part]) - set(after[part])
        if part == "snapshots":
            t.check(not lost, "%s: %d snapshots of the first ingest are gone or changed: %r"
                    % (name, len(lost), sorted(lost)[:2]))
    t.check_crashes_json(t.crashes_json(args, env, db), db, name + ": after the failed ingest")
    t.note("%s: limit %s: %d rows (%d before), stderr: %s"
           % (name, limit, rows, len(want_first), lines[0] if lines else "-"))

    r = t.ingest(args, env, db, more_dirs)
    new = len(want_all) - rows
    t.expect_ingest(r, len(want_all) - len(want_first), new,
                    len(want_all) - len(want_first) - new, what=name + ": the ingest without limit")
    t.consistent(db, name + ": after the ingest without limit", expect=want_all)
    t.compare_states(t.state(db), clean, name + ": vs. a clean ingest")


with t.Scratch("full") as s:
    env = t.bbx_env(s)
    real_dir, first_gen, more_gen = s.sub("real"), s.sub("gen1"), s.sub("gen2")
    first = t.real_set(args, real_dir) + t.gen_set(args, first_gen, 20)
    more = t.gen_set(args, more_gen, 10000, first=1000)
    want_first = t.contents(first)
    want_all = t.contents(first + more)
    t.check(len(want_first) == len(first) and len(want_all) == len(first) + len(more),
            "the sets hold byte-identical files")

    clean_db = s.file("clean.db")
    r = t.ingest(args, env, clean_db, [real_dir, first_gen])
    r = t.ingest(args, env, clean_db, [more_gen])
    t.expect_ingest(r, len(more), len(more), 0, what="the clean ingest")
    clean = t.state(clean_db)

    # Room for two batches beyond the store, then none at all.
    # The error names the cause (EFBIG: "File too large"), not only SQLite's
    # "disk I/O error".
    one_case(s, env, "headroom", [real_dir, first_gen], [more_gen], 6 << 20,
             want_first, want_all, clean, full_words=("too large",))
    one_case(s, env, "no-room", [real_dir, first_gen], [more_gen], 0,
             want_first, want_all, clean, full_words=("too large",))

    # A real full file system (root only: mount a small tmpfs).
    mnt = s.sub("tmpfs")
    mounted = os.geteuid() == 0 and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64m,mode=0700", "tmpfs", mnt],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
    if not mounted:
        t.note("the case of a full tmpfs is left out: mounting one needs root")
    else:
        try:
            def fill(db, room=96 * 1024):
                filler = os.path.join(mnt, "filler")
                st = os.statvfs(mnt)
                with open(filler, "wb") as f:
                    left = st.f_bavail * st.f_frsize - room
                    chunk = b"\0" * (1 << 20)
                    while left > 0:
                        left -= f.write(chunk[:min(left, len(chunk))])
                return lambda: os.unlink(filler)
            one_case(s, env, "tmpfs", [real_dir, first_gen], [more_gen], 0, want_first,
                     want_all, clean, db=os.path.join(mnt, "store.db"), fill=fill,
                     full_words=("full",))
        finally:
            subprocess.run(["umount", mnt])

t.finish("a full disk: exit 2 with one line, the store intact, the re-run completes it")
