#!/usr/bin/env python3
"""End-to-end: the store's schema version is checked on open (issue 14,
"The schema is an interface": versioned, migrated on open).

Usage: store_schema.py --bbx BBX --crasher CRASHER --gen GEN_CRASHES
                       [--preload LIB] --source TREE

  - a store bbx made, whose PRAGMA user_version is then set above the
    version this bbx knows (2 and 99): `bbx ingest` and `bbx crashes` exit
    2 with one line on stderr, and the file is byte for byte what it was
    (and no WAL or journal with content is left beside it);
  - a file that is not a database (text; random bytes), and another
    program's SQLite database (its own tables, user_version 0): the same;
  - a store made by Python's sqlite3 from the documented version-1 DDL
    (tests/store/schema-v1.sql, copied from docs/FORMAT.md, "The crash
    store"): `bbx ingest` stores a set of real and generated snapshots in
    it (exit 0, all new), the invariants hold, and its groups, stacks,
    snapshots, days and hosts equal those of a store bbx created itself;
    `bbx crashes --json` agrees; user_version is then still 1 or was
    migrated to a newer version, never lowered.
"""

import os
import random
import sqlite3

import storetest as t

args = t.arg_parser("the store's schema version").parse_args()
HERE = os.path.dirname(os.path.abspath(__file__))


def refused(db, cmds, what):
    """Each command exits 2 with one line on stderr and leaves db as it was."""
    before = t.file_bytes(db)
    for name, cmd in cmds:
        r = t.run(cmd, env)
        lines = r.err.strip().splitlines()
        t.check(r.rc == 2 and len(lines) == 1,
                "%s: bbx %s: want exit 2 and one line on stderr; %s" % (what, name, r.describe()))
        t.check(t.file_bytes(db) == before, "%s: bbx %s changed the file" % (what, name))
        # A read-only open of a WAL store may leave its -shm (an index of
        # the WAL, rebuilt by the next open); a WAL or a journal with
        # content would be a change.
        left = [os.path.basename(p) for p in t.store_files(db)[1:]
                if not p.endswith("-shm") and os.path.getsize(p) > 0]
        t.check(not left, "%s: bbx %s left %r beside it" % (what, name, left))


def commands(db):
    return [("ingest", t.ingest_cmd(args, db, [small_dir])),
            ("crashes", [args.bbx, "crashes", "--db", db]),
            ("crashes --json", [args.bbx, "crashes", "--db", db, "--json"])]


with t.Scratch("schema") as s:
    env = t.bbx_env(s)
    small_dir, real_dir, gen_dir = s.sub("small"), s.sub("real"), s.sub("gen")
    t.gen_set(args, small_dir, 10)
    files = t.real_set(args, real_dir) + t.gen_set(args, gen_dir, 100)
    want = t.contents(files)

    # A newer schema than this bbx knows.
    for version in (2, 99):
        db = s.file("newer-%d.db" % version)
        r = t.ingest(args, env, db, [small_dir])
        t.expect_ingest(r, 10, 10, 0, what="the store to make newer")
        c = sqlite3.connect(db)
        known = c.execute("PRAGMA user_version").fetchone()[0]
        t.check(known == 1, "a new store has user_version %d, docs/FORMAT.md says 1" % known)
        c.execute("PRAGMA user_version = %d" % version)
        c.commit()
        c.close()
        refused(db, commands(db), "a store of schema version %d" % version)

    # Not a database.
    text = s.file("text.db")
    with open(text, "w") as f:
        f.write("crash store? no: a text file that only looks like one\n" * 100)
    refused(text, commands(text), "a text file")
    noise = s.file("noise.db")
    with open(noise, "wb") as f:
        f.write(bytes(random.Random(14).randrange(256) for _ in range(8192)))
    refused(noise, commands(noise), "random bytes")
    # Somebody else's database (tables, no user_version), in rollback-journal
    # mode as SQLite makes them: not a crash store, and not to be touched
    # (not even switched to WAL).
    foreign = s.file("foreign.db")
    c = sqlite3.connect(foreign)
    c.executescript("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT);"
                    "INSERT INTO notes (text) VALUES ('keep me'), ('and me');")
    c.commit()
    c.close()
    refused(foreign, commands(foreign), "another program's database")

    # The documented version-1 DDL.
    v1 = s.file("v1.db")
    c = sqlite3.connect(v1)
    with open(os.path.join(HERE, "schema-v1.sql")) as f:
        c.executescript(f.read())
    if c.execute("PRAGMA user_version").fetchone()[0] == 0:
        c.execute("PRAGMA user_version = 1")
    c.commit()
    c.close()
    r = t.ingest(args, env, v1, [real_dir, gen_dir])
    t.expect_ingest(r, len(files), len(want), 0, what="into the store of the v1 DDL")
    t.consistent(v1, "the store of the v1 DDL", expect=want)
    t.check_crashes_json(t.crashes_json(args, env, v1), v1, "the store of the v1 DDL")
    c = sqlite3.connect(v1)
    after = c.execute("PRAGMA user_version").fetchone()[0]
    c.close()
    t.check(after >= 1, "the store of the v1 DDL has user_version %d after ingest" % after)

    own = s.file("own.db")
    r = t.ingest(args, env, own, [real_dir, gen_dir])
    t.expect_ingest(r, len(files), len(want), 0, what="into a store bbx made")
    t.compare_states(t.state(v1), t.state(own), "the store of the v1 DDL vs. bbx's own")

t.finish("newer schemas and non-databases refused and left alone; the v1 DDL's store used")
