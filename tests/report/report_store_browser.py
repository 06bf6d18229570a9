#!/usr/bin/env python3
"""The page of the crash store (`bbx report --db`) in headless Chromium.

A store is filled with real crashes: store_prog (app versions 1.0 and 2.0;
a null write, an abort and a division by zero, each in a function of its
own) and the crasher (null, no version), 11 runs in 4 groups of distinct
sizes.  The page is loaded by store_browser_check.mjs (network off; a
console error, a page error or any request fails) and what its DOM shows is
compared with the store read here with Python's sqlite3, not through bbx:
  - the totals, and the groups in count order with their counts, in the
    table and as sections;
  - each group's charts: one bar per day of the charted days (the days of
    the data, at most 30) and one per app version, each with the store's
    count and a height proportional to it;
  - each group's representative crash closed at first, opening on a click,
    its trigger thread showing the function the snapshot was made to crash
    in (known from which run wrote the representative's file);
  - no id twice in the page (the representative's sections are prefixed).
--top 2 gives the two largest groups only; the page refers to nothing
outside itself.  The screenshot is kept in --shots.  Without node, Chromium
or playwright-core: skipped (77), or failed under CI=true.

Usage: report_store_browser.py --bbx BBX --prog STORE_PROG --crasher CRASHER
       --node NODE --chromium CHROMIUM --browser-dir tests/browser --shots DIR
"""

import datetime
import json
import os
import sqlite3

import reporttest as rt
from reporttest import lt
from check import die  # tests/testlib, on the path through leaktest

p = lt.arg_parser("bbx report --db in headless Chromium")
p.add_argument("--prog", required=True)
p.add_argument("--crasher", required=True)
rt.browser_args(p)
args = p.parse_args()
node = rt.require_browser(args)

# (program, version, mode, runs) -> the function its crash happens in.
RUNS = [
    ("prog", "1.0", "null", 3, "store_null_write"),
    ("prog", "2.0", "null", 2, "store_null_write"),
    ("prog", "1.0", "abort", 1, "store_check_failed"),
    ("prog", "2.0", "abort", 2, "store_check_failed"),
    ("prog", "2.0", "fpe", 1, "store_divide"),
    ("crasher", None, "null", 2, "crash_null_deref"),
]
MAX_DAYS = 30


def day_number(day):
    return datetime.date.fromisoformat(day).toordinal()


def oracle(db):
    """What the page must show, from the store's tables."""
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    q = lambda sql, *a: con.execute(sql, a).fetchall()  # noqa: E731
    o = {"totals": {"snapshots": q("SELECT COALESCE(SUM(count), 0) FROM crash_group")[0][0],
                    "groups": q("SELECT count(*) FROM crash_group")[0][0],
                    "rejected": q("SELECT count(*) FROM rejected")[0][0]},
         "groups": []}
    for gid, count, last_ms, rep in q("SELECT id, count, last_seen_ms, representative "
                                      "FROM crash_group ORDER BY count DESC, "
                                      "last_seen_ms DESC, id"):
        g = {"id": gid, "count": count, "last_ms": last_ms,
             "days": dict(q("SELECT day, SUM(count) FROM group_day WHERE group_id = ? "
                            "GROUP BY day", gid)),
             "versions": [list(r) for r in q(
                 "SELECT version, SUM(count) FROM group_day WHERE group_id = ? "
                 "GROUP BY version ORDER BY MIN(day), version", gid)],
             "rep_source": q("SELECT source FROM snapshot WHERE hash = ?", rep)[0][0]
             if rep else None}
        o["groups"].append(g)
    con.close()
    return o


def window(groups):
    """The charted days: those of the groups' data, the last MAX_DAYS at most."""
    days = [day_number(d) for g in groups for d in g["days"]]
    days += [datetime.datetime.fromtimestamp(g["last_ms"] / 1000, datetime.timezone.utc)
             .date().toordinal() for g in groups]
    last = max(days)
    first = max(min(days), last - MAX_DAYS + 1)
    return [datetime.date.fromordinal(n).isoformat() for n in range(first, last + 1)]


def check_chart(where, drawn, want):
    """drawn: [[label, count, height]...] from the page; want: [[label, count]...]."""
    if not lt.check(drawn is not None, "%s: no chart" % where):
        return
    got = [[k, c] for k, c, _ in drawn]
    lt.check(got == want, "%s: bars %s, the store says %s" % (where, got, want))
    top = max((c for _, c in want), default=0)
    tallest = max((h for _, _, h in drawn), default=0)
    for k, c, h in drawn:
        exact = tallest * c / top if top else 0
        lt.check(abs(h - exact) <= 0.6, "%s: the bar of %s (%d) is %.1f high, not %.1f"
                 % (where, k or "(no version)", c, h, exact))


def check_page(db, name, fn_of_dir):
    """bbx report --db DB in Chromium against the store DB read by sqlite3;
    returns the groups (count order)."""
    page_file = os.path.join(os.path.dirname(db), name + ".html")
    r = lt.run([args.bbx, "report", "--db", db, "-o", page_file])
    if r.returncode != 0:
        die("bbx report --db exited %d" % r.returncode)
    want = oracle(db)
    groups = want["groups"]
    days = window(groups)
    shot = os.path.join(args.shots, "report-%s.png" % name)
    r = lt.run([node, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                   "store_browser_check.mjs"),
                args.browser_dir, args.chromium, page_file, shot], check=False, timeout=300)
    print("\n".join(x for x in r.stdout.splitlines() if not x.startswith("FACTS ")))
    if r.returncode != 0:
        lt.fail("%s: store_browser_check.mjs exited %d: %s"
                % (name, r.returncode, r.stderr.strip()[-1500:]))
    facts = next((json.loads(x[6:]) for x in r.stdout.splitlines() if x.startswith("FACTS ")),
                 None)
    if facts is None:
        die("store_browser_check.mjs printed no FACTS")
    lt.check(facts["totals"] == want["totals"], "%s: totals on the page %s, in the store %s"
             % (name, facts["totals"], want["totals"]))
    order = [(g["id"], g["count"]) for g in groups]
    lt.check([(x["id"], x["count"]) for x in facts["rows"]] == order,
             "%s: table rows (id, count) %s, the store by count %s"
             % (name, [(x["id"], x["count"]) for x in facts["rows"]], order))
    lt.check([(x["id"], x["count"]) for x in facts["sections"]] == order,
             "%s: group sections %s, the store by count %s"
             % (name, [(x["id"], x["count"]) for x in facts["sections"]], order))
    by_id = {g["id"]: g for g in groups}
    for kind, rows in (("table", facts["rows"]), ("section", facts["sections"])):
        for x in rows:
            g = by_id.get(x["id"])
            if not g:
                continue
            check_chart("%s: %s %s per day" % (name, kind, x["id"]), x["days"],
                        [[d, g["days"].get(d, 0)] for d in days])
            check_chart("%s: %s %s per version" % (name, kind, x["id"]), x["versions"],
                        g["versions"])
    for x in facts["sections"]:
        g = by_id.get(x["id"])
        if not g:
            continue
        fn = fn_of_dir.get(os.path.realpath(os.path.dirname(g["rep_source"] or "")))
        lt.check(x["repClosed"] is True, "%s: group %s: the representative crash is not "
                 "closed at first" % (name, x["id"]))
        lt.check(x["repOpened"] is True, "%s: group %s: the representative crash did not "
                 "open on a click" % (name, x["id"]))
        lt.check(fn and any(fn in f for f in x["functions"]),
                 "%s: group %s: the representative's trigger thread does not show %s: %s"
                 % (name, x["id"], fn, x["functions"][:8]))
    dup = sorted({i for i in facts["ids"] if facts["ids"].count(i) > 1})
    lt.check(not dup, "%s: ids used more than once: %s" % (name, dup[:10]))
    html, page = rt.read_page(page_file)
    ext = rt.external_references(html, page)
    lt.check(not ext, "%s: the page refers to outside resources: %s" % (name, ext))
    return groups, days


def make_history(db, history):
    """A copy of db as if filled over weeks: group_day rows (the counts the
    charts draw) moved to earlier days.  The largest group's version 1.0
    crashes 3 days before its others; the second's version 1.0 crash 45
    days before, out of the charted 30."""
    src, con = sqlite3.connect("file:%s?mode=ro" % db, uri=True), sqlite3.connect(history)
    src.backup(con)  # the WAL's pages too
    src.close()
    (last,) = con.execute("SELECT MAX(day) FROM group_day").fetchone()
    ids = [i for (i,) in con.execute("SELECT id FROM crash_group ORDER BY count DESC, "
                                     "last_seen_ms DESC, id")]
    base = day_number(last)
    for gid, back in zip(ids[:2], (3, 45)):
        con.execute("UPDATE group_day SET day = ? WHERE group_id = ? AND version = '1.0'",
                    (datetime.date.fromordinal(base - back).isoformat(), gid))
    con.commit()
    con.close()


with lt.Scratch("report-store") as scratch:
    fn_of_dir = {}
    dirs = []
    for i, (prog, version, mode, runs, fn) in enumerate(RUNS):
        for r in range(runs):
            d = scratch.sub("run-%d-%d" % (i, r))
            env = lt.collector_env(d)
            env["ASAN_OPTIONS"] = "handle_segv=0:handle_abort=0:handle_sigfpe=0:detect_leaks=0"
            cmd = [args.prog, version, mode] if prog == "prog" else [args.crasher, mode]
            lt.run(cmd, env=env, check=False)
            lt.check(len(lt.snapshots(d)) == 1, "%s wrote %d snapshots, not 1"
                     % (" ".join(cmd), len(lt.snapshots(d))))
            fn_of_dir[os.path.realpath(d)] = fn
            dirs.append(d)
    db = os.path.join(scratch.path, "crashes.db")
    r = lt.run([args.bbx, "ingest", "--db", db, *dirs])
    lt.note(r.stdout.strip())
    groups, _ = check_page(db, "store", fn_of_dir)
    lt.check([g["count"] for g in groups] == [5, 3, 2, 1],
             "the store's groups have counts %s, not 5, 3, 2, 1 (grouping changed?)"
             % [g["count"] for g in groups])
    versions = sorted({v for g in groups for v, _ in g["versions"]})
    lt.check(versions == ["", "1.0", "2.0"], "versions in the store: %s" % versions)
    history = os.path.join(scratch.path, "history.db")
    make_history(db, history)
    _, days = check_page(history, "store-history", fn_of_dir)
    lt.check(len(days) == MAX_DAYS, "store-history: %d days charted, not %d"
             % (len(days), MAX_DAYS))

    # --top 2: the two largest groups only.
    top_file = os.path.join(scratch.path, "top.html")
    r = lt.run([args.bbx, "report", "--db", db, "--top", "2", "-o", top_file])
    if r.returncode == 0:
        _, top = rt.read_page(top_file)
        rows = [a.get("data-id") for t, a in top.tags
                if t == "tr" and a.get("class") == "group-row"]
        lt.check(rows == [g["id"] for g in groups[:2]],
                 "--top 2: rows %s, not the two largest %s" % (rows, [g["id"] for g in groups[:2]]))
lt.finish("the store's pages show their groups in count order with their charts and "
          "representative crashes")
