#!/usr/bin/env python3
"""End-to-end: inputs that are not snapshots are recorded as rejected and do
not stop the batch (issue 14, `bbx ingest`).

Usage: store_rejected.py --bbx BBX --crasher CRASHER --gen GEN_CRASHES
                         [--preload LIB] --source TREE

  One directory mixes good snapshots (crasher modes, python3 under the
  preload, generated ones) with the fuzz corpora of analyzer/fuzz (the
  reader's snapshots, hostile and cut; raw record streams; environment,
  suppression and JSON inputs), an empty file, a text file, random bytes,
  a snapshot cut to its header and one cut in half; every input of distinct
  content, all named *.bbx.  `bbx ingest DIR`:
    - exits 1, its summary counts every file, as new or rejected;
    - every good snapshot is stored (its copy byte for byte), the store's
      invariants hold (integrity_check, counts equal rows, ...);
    - each input is either stored or has a row in `rejected` (source: its
      path, its size, a reason), never both and never neither; the empty,
      text, random, magic-only and non-snapshot inputs are rejected; a cut
      snapshot (in half, or to its header) that is stored is marked
      incomplete;
    - each rejected file is named on a line of stderr; every stderr line
      names an input;
    - `bbx crashes --json` counts the rejected;
    - the same directory again: exit 1, the stored ones already stored, the
      rejected ones rejected again (each named on stderr), no row added
      anywhere.
  A directory that does not exist: exit 2, one line on stderr naming it.
"""

import hashlib
import os
import random

import storetest as t

args = t.arg_parser("bbx ingest: rejected inputs").parse_args()


def put(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return path


with t.Scratch("rej") as s:
    env = t.bbx_env(s)
    mixed = s.sub("mixed")
    t.real_set(args, mixed)
    good = t.gen_set(args, mixed, 60)  # every *.bbx of mixed: the real ones too
    good_contents = t.contents(good)

    seen = set(good_contents)
    maybe, bad = [], []   # corpus snapshots the reader may half-read; sure rejects

    def add(name, data, sure):
        h = hashlib.sha256(data).hexdigest()
        if h in seen:
            return
        seen.add(h)
        (bad if sure else maybe).append(put(os.path.join(mixed, name), data))

    fuzz = os.path.join(args.source, "analyzer", "fuzz")
    for sub in sorted(os.listdir(fuzz)):
        d = os.path.join(fuzz, sub)
        if not sub.startswith("corpus") or not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            data = t.file_bytes(os.path.join(d, name))
            # Only the reader's own corpus holds snapshot files; the other
            # corpora (record streams without a header, text) are never one.
            add("fuzz-%s-%s.bbx" % (sub, name.replace(".", "_")), data, sub != "corpus")
    t.check(len(maybe) >= 10 and len(bad) >= 20, "the fuzz corpora gave %d snapshot and %d "
            "other inputs" % (len(maybe), len(bad)))
    sample = t.file_bytes(good[0])
    add("empty.bbx", b"", True)
    add("text.bbx", b"this is a text file, not a snapshot\n" * 20, True)
    rng = random.Random(14)
    add("random.bbx", bytes(rng.randrange(256) for _ in range(3000)), True)
    add("header-only.bbx", sample[:16], False)
    add("magic-cut.bbx", sample[:5], True)
    add("cut-half.bbx", sample[:len(sample) // 2], False)
    cut = [os.path.join(mixed, n) for n in ("cut-half.bbx", "header-only.bbx")]
    inputs = t.bbx_files(mixed)
    t.note("%d good snapshots, %d corpus snapshots, %d sure rejects"
           % (len(good), len(maybe), len(bad)))

    db = s.file("store.db")
    r = t.ingest(args, env, db, [mixed])
    t.check(r.rc == 1, "ingest of a mixed directory: want exit 1; " + r.describe())
    t.consistent(db, "after the mixed ingest")

    c = t.connect(db)
    stored = set()
    for (data,) in c.execute("SELECT data FROM snapshot_copy"):
        stored.add(hashlib.sha256(bytes(data)).hexdigest())
    rejected = {src: (reason, size) for src, reason, size in
                c.execute("SELECT source, reason, size FROM rejected")}
    n_rejected_rows = t.one(c, "SELECT COUNT(*) FROM rejected")
    complete = dict(c.execute("SELECT source, complete FROM snapshot"))
    c.close()

    missing = [os.path.basename(f) for f in good if t.contents([f]).popitem()[0] not in stored]
    t.check(not missing, "good snapshots not stored: %r" % missing[:5])
    err_lines = r.err.splitlines()
    n_stored = n_rej = 0
    for f in inputs:
        h = hashlib.sha256(t.file_bytes(f)).hexdigest()
        name = os.path.basename(f)
        is_stored, rej = h in stored, rejected.get(f)
        n_stored += is_stored
        n_rej += rej is not None
        if is_stored and rej:
            t.fail("%s is both stored and rejected (%r)" % (name, rej[0]))
        elif not is_stored and not rej:
            t.fail("%s is neither stored nor rejected (rejected sources: %r)"
                   % (name, sorted(rejected)[:3]))
        if f in bad:
            t.check(rej is not None, "%s is not a snapshot but was not rejected" % name)
        if rej:
            t.check(bool(rej[0] and rej[0].strip()), "%s: rejected without a reason" % name)
            t.check(rej[1] == os.path.getsize(f), "%s: rejected with size %r, the file has %d"
                    % (name, rej[1], os.path.getsize(f)))
            t.check(any(f in line or name in line for line in err_lines),
                    "%s was rejected but no stderr line names it" % name)
        if f in cut and is_stored:
            t.check(complete.get(f) == 0, "%s, a cut snapshot, was stored as complete (%r)"
                    % (name, complete.get(f)))
    t.check(n_rejected_rows == len(rejected) == n_rej,
            "%d rejected rows, %d distinct sources, %d inputs rejected"
            % (n_rejected_rows, len(rejected), n_rej))
    names = [os.path.basename(f) for f in inputs]
    stray = [line for line in err_lines if not any(n in line for n in names)]
    t.check(not stray, "stderr lines that name no input: %r" % stray[:3])
    if t.check(r.summary is not None, "no summary line: %r" % r.out[-300:]):
        t.check((r.summary["files"], r.summary["new"], r.summary["known"],
                 r.summary["rejected"]) == (len(inputs), n_stored, 0, n_rej),
                "summary %r; want %d files: %d new, 0 already stored, %d rejected"
                % (r.out.strip().splitlines()[-1], len(inputs), n_stored, n_rej))
    t.note("%d inputs: %d stored, %d rejected (%d of the %d corpus snapshots)"
           % (len(inputs), n_stored, n_rej, sum(1 for f in maybe if f in rejected), len(maybe)))
    t.check_crashes_json(t.crashes_json(args, env, db), db, "after the mixed ingest")
    before = t.state(db)

    r = t.ingest(args, env, db, [mixed])
    t.check(r.rc == 1, "the mixed directory again: want exit 1; " + r.describe())
    if t.check(r.summary is not None, "again: no summary line: %r" % r.out[-300:]):
        t.check((r.summary["new"], r.summary["known"], r.summary["rejected"]) ==
                (0, n_stored, n_rej),
                "again: summary %r; want 0 new, %d already stored, %d rejected"
                % (r.out.strip().splitlines()[-1], n_stored, n_rej))
    again_lines = r.err.splitlines()
    unnamed = [os.path.basename(f) for f in rejected
               if not any(f in line for line in again_lines)]
    t.check(not unnamed, "again: rejected files not named on stderr: %r" % unnamed[:3])
    c = t.connect(db)
    again = t.one(c, "SELECT COUNT(*) FROM rejected")
    c.close()
    t.check(again == n_rejected_rows, "again: %d rejected rows, %d before" % (again, n_rejected_rows))
    t.compare_states(t.state(db), before, "the mixed directory again")
    t.consistent(db, "after the mixed directory again")

    nowhere = os.path.join(s.path, "no-such-dir")
    r = t.ingest(args, env, s.file("other.db"), [nowhere])
    lines = r.err.strip().splitlines()
    t.check(r.rc == 2 and len(lines) == 1 and "no-such-dir" in r.err,
            "a directory that does not exist: want exit 2 and one line naming it; "
            + r.describe())

t.finish("%d inputs: %d stored, %d rejected with their reasons" % (len(inputs), n_stored, n_rej))
