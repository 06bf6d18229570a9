#!/usr/bin/env python3
"""The crash store's core tables and the statements bbx ingest runs are
portable to PostgreSQL (docs/FORMAT.md, "The crash store"): on a private
PostgreSQL server started for the test,

  - the schema of a store bbx ingest made (read back from its
    sqlite_master, every table but snapshot_copy, whose BLOB is BYTEA
    there) is created as it is;
  - every statement of analyzer/crashdb/store_ingest.c runs as it is, with
    SQLite's ?N parameters written $N: twice with the same values, so the
    ON CONFLICT paths run too, and the counts come out as in SQLite;
  - bbx's rows (a real ingest of crasher snapshots) are copied over and the
    three example queries of FORMAT.md, in their PostgreSQL form, give the
    same answers as in SQLite.
"""

import argparse
import glob
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "testlib"))
import skip  # noqa: E402
from check import check, fail, finish  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--bbx", required=True)
ap.add_argument("--crasher", required=True)
ap.add_argument("--source", required=True)
A = ap.parse_args()

PGBIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
if not PGBIN or not os.path.exists(os.path.join(PGBIN[-1], "initdb")):
    skip.skip("a PostgreSQL server (initdb, pg_ctl)", "Debian package postgresql")
skip.require_tool("psql", "Debian package postgresql-client")
PGBIN = PGBIN[-1]

work = tempfile.mkdtemp(prefix="bbx-pg-")
os.chmod(work, 0o755)
as_user = []
if os.geteuid() == 0:  # PostgreSQL refuses to run as root
    shutil.chown(work, "postgres")
    as_user = ["setpriv", "--reuid=postgres", "--regid=postgres", "--clear-groups"]
data, sock, port = os.path.join(work, "data"), work, "5599"


def pg(*argv, **kw):
    return subprocess.run(as_user + list(argv), capture_output=True, text=True, **kw)


def psql(sql, db="bbx"):
    return pg("psql", "-h", sock, "-p", port, "-U", "postgres", "-d", db, "-v",
              "ON_ERROR_STOP=1", "-qAt", "-F", "|", input=sql)


started = False
try:
    r = pg(os.path.join(PGBIN, "initdb"), "-D", data, "-A", "trust", "-U", "postgres")
    if r.returncode != 0:
        fail("initdb: %s" % r.stderr.strip()[-300:])
        finish()
    r = pg(os.path.join(PGBIN, "pg_ctl"), "-D", data, "-w", "-l", os.path.join(work, "log"),
           "-o", "-k %s -p %s -c listen_addresses=" % (sock, port), "start")
    started = r.returncode == 0
    if not started:
        fail("pg_ctl start: %s %s" % (r.stdout.strip()[-300:], r.stderr.strip()[-300:]))
        finish()
    check(psql("CREATE DATABASE bbx", db="postgres").returncode == 0, "CREATE DATABASE")

    # a real store: crasher snapshots of three kinds, ingested by bbx
    mine = tempfile.mkdtemp(prefix="bbx-pg-store-")  # the user's own, private
    snaps = os.path.join(mine, "snaps")
    os.makedirs(snaps, mode=0o700)
    for mode in ("null", "null", "divzero", "abort"):
        subprocess.run([A.crasher, mode], env=dict(os.environ, BBX_DIR=snaps,
                       BBX_APP_VERSION="2.4.0"), capture_output=True)
    store = os.path.join(mine, "store.db")
    r = subprocess.run([A.bbx, "ingest", "--db", store, snaps], capture_output=True, text=True)
    check(r.returncode == 0, "bbx ingest: %r" % r.stderr)
    lite = sqlite3.connect(store)

    # 1. the schema as bbx made it
    tables = lite.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' "
                          "ORDER BY rowid").fetchall()
    indexes = [s for (s,) in lite.execute("SELECT sql FROM sqlite_master WHERE type = 'index' "
                                         "AND sql IS NOT NULL")]
    ddl = []
    for name, sql in tables:
        if name == "snapshot_copy":
            check(" BLOB " in sql, "snapshot_copy: no BLOB column: %s" % sql)
            sql = sql.replace(" BLOB ", " BYTEA ")
        ddl.append(sql)
    ddl += indexes
    r = psql(";\n".join(ddl) + ";\n")
    check(r.returncode == 0, "the store's schema on PostgreSQL: %s" % r.stderr.strip())
    core = [n for n, _ in tables if n != "snapshot_copy"]
    check(len(core) >= 9, "core tables: %r" % core)

    # 2. every ingest statement, as it is
    src = open(os.path.join(A.source, "analyzer", "crashdb", "store_ingest.c")).read()
    block = re.search(r"static const char \*const sql\[Q_COUNT\] = \{(.*?)\n\};", src, re.S)
    check(block is not None, "store_ingest.c: the statement table was not found")

    def c_text(b):
        return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', b)).replace("\\n", "\n")
    stmts = {m.group(1): re.sub(r"\?(\d+)", r"$\1", c_text(m.group(2)))
             for m in re.finditer(r"\[(Q_[A-Z]+)\] =((?:\s*\"(?:[^\"\\]|\\.)*\")+)",
                                  block.group(1))}
    values = {
        "Q_KNOWN": "('k1')",
        "Q_SNAPSHOT": "('k1','g1','s1',1000,'host','6.1','x86_64','app','/bin/app',42,'1.0',"
                      "'ab','crash',11,1,'0x0','',3,5,'0.1.0',1,'/x.bbx',100,2000)",
        "Q_STACK": "('s1','g1','crash','f' || chr(9) || 'm' || chr(9) || '10')",
        "Q_GROUP": "('g1','f | main','crash',1000,'1.0','ab','k1')",
        "Q_DAY": "('g1','2026-12-04','1.0','ab')",
        "Q_HOST": "('g1','host',1000)",
        "Q_ANNOTATION": "('k1','app.version','1.0')",
        "Q_COPY": "('k1','\\x0102'::bytea)",
        "Q_REJECT": "('k2','/y.bbx','bad magic',4,3000)",
        "Q_GROUPS": "",
    }
    missing = sorted(set(stmts) - set(values))
    check(not missing, "statements without values in this test: %r" % missing)
    script = ""
    for name, q in sorted(stmts.items()):
        script += "PREPARE %s AS %s;\n" % (name.lower(), q)
        script += ("EXECUTE %s%s;\n" % (name.lower(), values.get(name, ""))) * 2
    r = psql(script)
    check(r.returncode == 0, "ingest statements on PostgreSQL: %s" % r.stderr.strip())
    for q, want in (("SELECT count, representative FROM crash_group WHERE id = 'g1'", "2|k1"),
                    ("SELECT count FROM group_day WHERE group_id = 'g1'", "2"),
                    ("SELECT count FROM stack WHERE id = 's1'", "2"),
                    ("SELECT count(*) FROM snapshot WHERE hash = 'k1'", "1"),
                    ("SELECT count(*) FROM rejected", "1")):
        got = psql(q + ";").stdout.strip()
        check(got == want, "%s: %r, expected %r" % (q, got, want))
    psql("DELETE FROM crash_group; DELETE FROM group_day; DELETE FROM group_host; "
         "DELETE FROM stack; DELETE FROM snapshot; DELETE FROM annotation; "
         "DELETE FROM rejected; DELETE FROM snapshot_copy;")

    # 3. bbx's rows, and FORMAT.md's questions in PostgreSQL's words
    copy = ""
    for name in ("crash_group", "group_day", "group_host", "snapshot"):
        cols = [c[1] for c in lite.execute("PRAGMA table_info(%s)" % name)]
        for row in lite.execute("SELECT %s FROM %s" % (", ".join(cols), name)):
            vals = ", ".join("NULL" if v is None else str(v) if isinstance(v, int)
                             else "'" + str(v).replace("'", "''") + "'" for v in row)
            copy += "INSERT INTO %s (%s) VALUES (%s);\n" % (name, ", ".join(cols), vals)
    r = psql(copy)
    check(r.returncode == 0, "bbx's rows into PostgreSQL: %s" % r.stderr.strip())
    day = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 7 * 86400))
    questions = [
        ("SELECT g.id, sum(d.count) AS n FROM group_day d JOIN crash_group g ON g.id = d.group_id"
         " WHERE d.day >= '%s' GROUP BY g.id ORDER BY n DESC, g.id LIMIT 10" % day),
        ("SELECT g.id, g.count, (SELECT count(*) FROM group_host h WHERE h.group_id = g.id)"
         " FROM crash_group g WHERE g.first_version = '2.4.0' ORDER BY g.count DESC, g.id"),
        ("SELECT host, version, source FROM snapshot WHERE group_id = (SELECT id FROM crash_group"
         " ORDER BY count DESC, id LIMIT 1) ORDER BY time_ms DESC, hash"),
    ]
    for q in questions:
        want = "\n".join("|".join(str(v) for v in row) for row in lite.execute(q))
        got = psql(q + ";").stdout.strip()
        check(got == want and want, "%s\n  PostgreSQL %r\n  SQLite     %r" % (q, got, want))
    print("PostgreSQL: %d core tables and %d ingest statements as bbx has them; "
          "%d example queries answer as in SQLite" % (len(core), len(stmts), len(questions)))
finally:
    if started:
        pg(os.path.join(PGBIN, "pg_ctl"), "-D", data, "-m", "immediate", "stop")
    shutil.rmtree(work, ignore_errors=True)
    if "mine" in globals():
        shutil.rmtree(mine, ignore_errors=True)
finish()
