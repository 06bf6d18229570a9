"""Shared helpers of the crash store's end-to-end tests (tests/store): the
snapshot sets (real crasher snapshots, generated ones, byte-identical copies),
running `bbx ingest` and `bbx crashes --json`, reading the store with
Python's sqlite3 module, and the invariants every store must keep whatever
happened to the process that wrote it.  Imported by the store_*.py scripts
next to it; not a test itself.

The store's tables and columns are those of docs/FORMAT.md, "The crash
store"; the queries name them in one place (the constants below)."""

import argparse
import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import json

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testlib"))
import skip as skiplib  # noqa: E402
from check import check, die, fail, failures, finish  # noqa: E402,F401
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "leaks"))
import leaktest  # noqa: E402

SUMMARY = re.compile(r"^ingested (\d+) files?: (\d+) new, (\d+) already stored, "
                     r"(\d+) rejected; (\d+) groups? in (.+)$")

# The crasher's modes that end in a snapshot, and how many runs of each.
CRASHER_MODES = (("null", 8), ("abort", 8), ("divzero", 6), ("snapshot", 6),
                 ("overflow-main", 3), ("overflow-thread", 3), ("two-threads", 4))
# Programs nobody here wrote, under the preload: an abort and a SIGSEGV.
PRELOAD_SCRIPTS = (("import os; os.abort()", 3),
                   ("import os, signal; os.kill(os.getpid(), signal.SIGSEGV)", 3))


def note(msg):
    print(msg, flush=True)


def arg_parser(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--bbx", required=True, help="the bbx command")
    p.add_argument("--crasher", required=True, help="samples/crasher (linked with libbbx)")
    p.add_argument("--gen", required=True, help="tests/store/gen_crashes")
    p.add_argument("--preload", help="libbbx-preload.so")
    p.add_argument("--python", default=sys.executable,
                   help="the interpreter run under the preload")
    p.add_argument("--source", required=True, help="the source tree")
    p.add_argument("--asan", action="store_true", help="a sanitizer build")
    p.add_argument("--sanitizer-runtimes", default="",
                   help="LIB[:LIB]: the sanitizer runtimes to preload first")
    return p


def Scratch(name):
    """tests/leaks' scratch directory (removed at exit unless BBX_KEEP_TEMP),
    named bbx-store-NAME-*."""
    return leaktest.Scratch("store-" + name)


# ---- the environment ---------------------------------------------------------

def bbx_env(scratch):
    """bbx's environment: no BBX_* of the caller (BBX_DB above all), no
    debuginfod, and HOME and XDG_DATA_HOME inside the scratch directory, so
    that a default store can only land there."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("BBX_") and k not in ("DEBUGINFOD_URLS", "XDG_DATA_HOME")}
    env["HOME"] = scratch.sub("home")
    env["XDG_DATA_HOME"] = scratch.sub("xdg")
    return env


def preload_value(args):
    """LD_PRELOAD for the preload runs (the sanitizer runtimes first in a
    sanitizer build), or None when they cannot run."""
    if not args.preload:
        return None
    if not args.asan:
        return args.preload
    libs = [r for r in args.sanitizer_runtimes.split(":")
            if r and os.path.isabs(r) and os.path.exists(r)]
    if not libs:
        skiplib.skip("a sanitizer runtime to load before the instrumented preload",
                     "the compiler's libasan.so and libubsan.so: Debian package build-essential")
    return ":".join(libs + [args.preload])


# ---- snapshot sets -----------------------------------------------------------

def bbx_files(d):
    return sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".bbx"))


def real_set(args, out, scale=1):
    """Real snapshots in out: the crasher in several modes (linked with
    libbbx), scale times the runs of CRASHER_MODES, and python3 under the
    preload (an abort, a SIGSEGV).  Returns the files."""
    os.makedirs(out, exist_ok=True)
    base = {k: v for k, v in os.environ.items() if not k.startswith("BBX_")}
    base["BBX_DIR"] = out
    base["BBX_MAX_FILES"] = "100000"
    base["ASAN_OPTIONS"] = "handle_segv=0:handle_abort=0:detect_leaks=0:" + \
        os.environ.get("ASAN_OPTIONS", "")
    base["UBSAN_OPTIONS"] = "handle_segv=0:handle_abort=0:" + os.environ.get("UBSAN_OPTIONS", "")
    scratch = os.path.join(out, ".scratch")
    os.makedirs(scratch, exist_ok=True)
    base["CRASHER_SCRATCH"] = scratch
    runs = 0
    for mode, n in CRASHER_MODES:
        for _ in range(n * scale):
            subprocess.run([args.crasher, mode], env=base, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=120)
            runs += 1
    pre = preload_value(args)
    if pre:
        env = dict(base, LD_PRELOAD=pre)
        for code, n in PRELOAD_SCRIPTS:
            for _ in range(n * scale):
                subprocess.run([args.python, "-c", code], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, timeout=120)
                runs += 1
    shutil.rmtree(scratch, ignore_errors=True)
    files = bbx_files(out)
    if len(files) < runs * 3 // 4:
        die("%d runs of the crasher and the preload left %d snapshots" % (runs, len(files)))
    return files


def gen_set(args, out, n, first=0, sites=7):
    """n distinct generated crash snapshots in out (gen_crashes)."""
    os.makedirs(out, exist_ok=True)
    r = subprocess.run([args.gen, out, str(n), str(first), str(sites)], capture_output=True,
                       text=True, timeout=600)
    if r.returncode != 0:
        die("gen_crashes exited %d: %s" % (r.returncode, r.stderr.strip()))
    return bbx_files(out)


def copy_as(src, dst):
    """A byte-identical copy of src under another name."""
    shutil.copyfile(src, dst)
    return dst


def contents(files):
    """{sha256 of the bytes: bytes} of the files: what the store must hold
    once each, however many names they came under."""
    out = {}
    for f in files:
        with open(f, "rb") as fp:
            data = fp.read()
        out[hashlib.sha256(data).hexdigest()] = data
    return out


# ---- running bbx -------------------------------------------------------------

class Run:
    """A finished bbx command: rc, stdout, stderr, and the parsed summary
    line of `bbx ingest` (summary: dict or None)."""

    def __init__(self, cmd, rc, out, err):
        self.cmd, self.rc, self.out, self.err = cmd, rc, out, err
        self.summary = None
        lines = out.strip().splitlines()
        m = SUMMARY.match(lines[-1]) if lines else None
        if m:
            self.summary = {"files": int(m.group(1)), "new": int(m.group(2)),
                            "known": int(m.group(3)), "rejected": int(m.group(4)),
                            "groups": int(m.group(5)), "path": m.group(6)}

    def describe(self):
        return "%s: exit %s, stdout %r, stderr %r" % (
            " ".join(os.path.basename(c) if i == 0 else c for i, c in enumerate(self.cmd[:4])),
            self.rc, self.out.strip()[-300:], self.err.strip()[-600:])


def ingest_cmd(args, db, inputs, extra=()):
    return [args.bbx, "ingest", "--db", db, *extra, *inputs]


def run(cmd, env, timeout=600, preexec_fn=None):
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout,
                       preexec_fn=preexec_fn)
    return Run(cmd, p.returncode, p.stdout, p.stderr)


def ingest(args, env, db, inputs, extra=(), preexec_fn=None):
    return run(ingest_cmd(args, db, inputs, extra), env, preexec_fn=preexec_fn)


def expect_ingest(r, files, new, known, rejected=0, what="ingest"):
    """The run exited 0 (1 with rejections) and its summary line counts the
    files as given."""
    want_rc = 1 if rejected else 0
    if not check(r.rc == want_rc, "%s: want exit %d; %s" % (what, want_rc, r.describe())):
        return False
    s = r.summary
    if not check(s is not None, "%s: no summary line on stdout: %r" % (what, r.out[-300:])):
        return False
    return check((s["files"], s["new"], s["known"], s["rejected"]) == (files, new, known, rejected),
                 "%s: summary %r, want %d files: %d new, %d already stored, %d rejected"
                 % (what, r.out.strip().splitlines()[-1], files, new, known, rejected))


def crashes_json(args, env, db, extra=()):
    """The parsed `bbx crashes --json`, or None after a failure."""
    r = run([args.bbx, "crashes", "--db", db, "--json", *extra], env)
    if not check(r.rc == 0, "bbx crashes --json: " + r.describe()):
        return None
    try:
        return json.loads(r.out)
    except ValueError as e:
        fail("bbx crashes --json printed no JSON (%s): %r" % (e, r.out[:300]))
        return None


# ---- reading the store -------------------------------------------------------

def connect(db):
    """A read-write connection (so that a WAL left by a killed writer is
    recovered, as the next bbx would); the caller closes it."""
    c = sqlite3.connect(db, timeout=30)
    c.execute("PRAGMA busy_timeout = 30000")
    return c


def rows(c, sql, *params):
    return c.execute(sql, params).fetchall()


def one(c, sql, *params):
    return c.execute(sql, params).fetchone()[0]


def integrity(db, what):
    c = connect(db)
    try:
        res = [r[0] for r in rows(c, "PRAGMA integrity_check")]
        check(res == ["ok"], "%s: PRAGMA integrity_check says %r" % (what, res[:5]))
        fk = rows(c, "PRAGMA foreign_key_check")
        check(not fk, "%s: PRAGMA foreign_key_check finds %r" % (what, fk[:5]))
    finally:
        c.close()


def consistent(db, what, expect=None, pruned=False):
    """The invariants of a store: integrity_check ok; every snapshot row
    once (no duplicate hash), with its copy; each group's count equals its
    snapshot rows, the sum of its stacks' counts, of its days' and of its
    hosts' counts; every snapshot's stack is in its group.  With expect
    ({sha256: bytes}), the copies are exactly those contents, once each.
    Returns the number of snapshot rows."""
    integrity(db, what)
    c = connect(db)
    try:
        n = one(c, "SELECT COUNT(*) FROM snapshot")
        distinct = one(c, "SELECT COUNT(DISTINCT hash) FROM snapshot")
        check(n == distinct, "%s: %d snapshot rows but %d distinct hashes" % (what, n, distinct))
        total = one(c, "SELECT COALESCE(SUM(count), 0) FROM crash_group")
        check(total == n, "%s: the groups count %d snapshots, the store has %d rows"
              % (what, total, n))
        bad = rows(c, """SELECT g.id, g.count, (SELECT COUNT(*) FROM snapshot s WHERE s.group_id = g.id)
                         FROM crash_group g
                         WHERE g.count != (SELECT COUNT(*) FROM snapshot s WHERE s.group_id = g.id)""")
        check(not bad, "%s: groups whose count is not their rows (id, count, rows): %r"
              % (what, bad[:5]))
        for table, key in (("stack", "stack"), ("group_day", "day"), ("group_host", "host")):
            bad = rows(c, """SELECT g.id, g.count, (SELECT SUM(t.count) FROM %s t WHERE t.group_id = g.id)
                             FROM crash_group g
                             WHERE g.count != (SELECT COALESCE(SUM(t.count), 0) FROM %s t
                                               WHERE t.group_id = g.id)""" % (table, table))
            check(not bad, "%s: groups whose %s counts do not add up (id, count, sum): %r"
                  % (what, key, bad[:5]))
        bad = rows(c, """SELECT s.hash FROM snapshot s LEFT JOIN stack k ON k.id = s.stack_id
                         WHERE k.id IS NULL OR k.group_id != s.group_id""")
        check(not bad, "%s: %d snapshots whose stack is missing or in another group: %r"
              % (what, len(bad), bad[:3]))
        bad = rows(c, """SELECT s.hash FROM snapshot s LEFT JOIN crash_group g ON g.id = s.group_id
                         WHERE g.id IS NULL""")
        check(not bad, "%s: %d snapshots of no group" % (what, len(bad)))
        empty = rows(c, "SELECT id FROM crash_group WHERE count = 0")
        check(pruned or not empty, "%s: groups with no snapshot: %r" % (what, empty[:5]))
        copies = one(c, "SELECT COUNT(*) FROM snapshot_copy")
        dup = one(c, "SELECT COUNT(*) - COUNT(DISTINCT hash) FROM snapshot_copy")
        check(dup == 0, "%s: %d copies stored twice" % (what, dup))
        orphan = one(c, """SELECT COUNT(*) FROM snapshot_copy x
                           WHERE NOT EXISTS (SELECT 1 FROM snapshot s WHERE s.hash = x.hash)""")
        check(orphan == 0, "%s: %d copies of no snapshot" % (what, orphan))
        check(pruned or copies == n, "%s: %d copies for %d snapshots" % (what, copies, n))
        if expect is not None:
            got = {}
            for (data,) in c.execute("SELECT data FROM snapshot_copy"):
                data = bytes(data)
                got[hashlib.sha256(data).hexdigest()] = got.get(
                    hashlib.sha256(data).hexdigest(), 0) + 1
            missing = set(expect) - set(got)
            extra = set(got) - set(expect)
            check(n == len(expect), "%s: %d snapshot rows, %d distinct snapshots given"
                  % (what, n, len(expect)))
            check(not missing, "%s: %d of the %d distinct snapshots are not stored"
                  % (what, len(missing), len(expect)))
            check(not extra, "%s: %d stored copies are none of the inputs" % (what, len(extra)))
        return n
    finally:
        c.close()


def state(db, sources=True):
    """What a store says about its snapshots, independent of insertion order
    (row ids, ingest times and representatives left out): groups, stacks
    (by their frames), snapshots, days, hosts.  sources=False leaves out the
    path a snapshot was ingested from (byte-identical copies under several
    names may each be the one stored first)."""
    c = connect(db)
    try:
        st = {}
        st["groups"] = sorted(rows(c, """SELECT id, signature, kind, count, first_seen_ms,
                                         last_seen_ms FROM crash_group"""))
        st["stacks"] = sorted(rows(c, "SELECT group_id, kind, frames, count FROM stack"))
        cols = ("s.hash, s.group_id, k.frames, s.time_ms, s.host, s.kernel, s.arch, s.program, "
                "s.exe, s.pid, s.version, s.build_id, s.trigger_kind, s.signal, s.si_code, "
                "s.fault_addr, s.reason, s.threads, s.fds, s.complete, s.size")
        if sources:
            cols += ", s.source"
        st["snapshots"] = sorted(rows(c, "SELECT %s FROM snapshot s JOIN stack k ON k.id = s.stack_id"
                                      % cols))
        st["days"] = sorted(rows(c, "SELECT group_id, day, version, build_id, count FROM group_day"))
        st["hosts"] = sorted(rows(c, """SELECT group_id, host, count, first_seen_ms, last_seen_ms
                                        FROM group_host"""))
        st["annotations"] = sorted(rows(c, "SELECT hash, key, value FROM annotation"))
        return st
    finally:
        c.close()


def compare_states(got, want, what):
    """fail() for each part of two states that differs, with a sample."""
    same = True
    for part in want:
        g, w = got.get(part), want[part]
        if g == w:
            continue
        same = False
        gs, ws = set(g or []), set(w)
        fail("%s: %s differ: %d rows vs %d in a clean ingest; only here %r; only there %r"
             % (what, part, len(g or []), len(w), sorted(gs - ws)[:2], sorted(ws - gs)[:2]))
    return same


def check_crashes_json(doc, db, what, rejected=None):
    """`bbx crashes --json` agrees with the store's tables: the snapshot
    total, every group once with its count, ordered by count."""
    if doc is None:
        return
    c = connect(db)
    try:
        n = one(c, "SELECT COUNT(*) FROM snapshot")
        groups = dict(rows(c, "SELECT id, count FROM crash_group"))
        nrej = one(c, "SELECT COUNT(*) FROM rejected")
    finally:
        c.close()
    check(doc.get("snapshots") == n, "%s: bbx crashes says %r snapshots, the store has %d rows"
          % (what, doc.get("snapshots"), n))
    check(doc.get("rejected") == (nrej if rejected is None else rejected),
          "%s: bbx crashes says %r rejected, the store has %d rows"
          % (what, doc.get("rejected"), nrej))
    got = [(g.get("id"), g.get("count")) for g in doc.get("groups") or []]
    check(sum(x[1] or 0 for x in got) == n,
          "%s: bbx crashes' group counts add up to %d, not %d" % (what, sum(x[1] or 0 for x in got), n))
    ids = [x[0] for x in got]
    check(len(ids) == len(set(ids)), "%s: bbx crashes lists a group twice" % what)
    check(len(got) == len(groups), "%s: bbx crashes lists %d groups, the store has %d"
          % (what, len(got), len(groups)))
    wrong = [(i, k, groups.get(i)) for i, k in got if groups.get(i) != k]
    check(not wrong, "%s: bbx crashes' counts differ from crash_group (id, json, table): %r"
          % (what, wrong[:5]))
    counts = [x[1] for x in got]
    check(counts == sorted(counts, reverse=True), "%s: bbx crashes is not ordered by count" % what)


def file_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def store_files(db):
    """The store's file and its -wal, -shm companions that exist."""
    return [p for p in (db, db + "-wal", db + "-shm", db + "-journal") if os.path.exists(p)]
