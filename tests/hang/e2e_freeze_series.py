#!/usr/bin/env python3
"""A freeze in a snapshot series, end to end (issue 12): hang_prog (linked
with libbbx) idles, freezes its main loop, comes back and idles again, with
periodic snapshots (BBX_INTERVAL_MS=300) and the hang watchdog on
(BBX_HANG_MS=1000), so the directory holds periodic snapshots, one "hang"
and one "recovered" snapshot.  Then:

- `bbx leaks --json DIR`: exactly one freeze, of the thread hang_prog
  printed, over (it came back), busy, its length within 10% of the freeze
  hang_prog measured with its own clock,
  started after the process did and before the hang snapshot; exit 0 (a
  freeze is not a leak);
- `bbx leaks DIR`: the freeze's line, and the count in the closing line;
- `bbx report`: a Freezes section with that thread, placed before the
  series charts;
- the same series without its recovered snapshot (as a directory cap that
  removed it, or a process killed while frozen, leaves it): the freeze is
  still going, at least the limit long, in all three outputs.

The oracles are the program's own output (its thread id, its own clock for
the freeze).  Exits 0, or 1 with the reasons on stdout.
"""

import os
import re
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "leaks"))
import leaktest as lt  # noqa: E402

LIMIT_MS = 1000


def run_prog(cmd, env):
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    if p.stderr.strip():
        lt.note("%s stderr: %s" % (os.path.basename(cmd[0]), p.stderr.strip()[-800:]))
    return p.returncode, p.stdout


def number(out, word):
    m = re.search(r"^%s (\d+)$" % word, out, re.M)
    return int(m.group(1)) if m else None


def capture_ms(bbx, path):
    d = lt.bbx_show(bbx, path)
    return d["process"]["time_ms"] if d else None, d["process"]["start_time_ms"] if d else None


def check_series(label, bbx, snap_dir, tid, measured, state, over, hang_file, scratch):
    """The freeze of tid as bbx leaks (JSON and text) and bbx report give it."""
    rc, doc = lt.bbx_leaks(bbx, [snap_dir])
    lt.check(rc == 0, "%s: bbx leaks exited %d, expected 0 (a freeze alone is no leak)"
             % (label, rc))
    if not doc:
        return
    fr = doc.get("freezes")
    if not lt.check(isinstance(fr, list) and len(fr) == 1,
                    "%s: freezes %r, expected exactly one" % (label, fr)):
        return
    f = fr[0]
    lt.check(f.get("tid") == tid, "%s: freeze of tid %s, expected %d" % (label, f.get("tid"), tid))
    lt.check(f.get("over") is over, "%s: over %r, expected %r" % (label, f.get("over"), over))
    lt.check(f.get("state") == state, "%s: %s, expected %s" % (label, f.get("state"), state))
    lt.check(f.get("limit_ms") == LIMIT_MS, "%s: limit %s" % (label, f.get("limit_ms")))
    dur = f.get("duration_ms", 0)
    if over:
        lt.check(abs(dur - measured) <= measured / 10,
                 "%s: freeze of %d ms reported, the program measured %d" % (label, dur, measured))
    else:
        # what the hang snapshot saw: past the limit, short of the whole freeze
        lt.check(LIMIT_MS <= dur < measured,
                 "%s: still-going freeze of %d ms (limit %d, whole %d)"
                 % (label, dur, LIMIT_MS, measured))
    hang_ms, start_ms = capture_ms(bbx, hang_file)
    if hang_ms:
        lt.check(start_ms <= f.get("start_ms", 0) <= hang_ms,
                 "%s: freeze started at %s, outside process start %d .. hang snapshot %d"
                 % (label, f.get("start_ms"), start_ms, hang_ms))
    lt.note("%s: freeze of %d ms (%s, over %s), measured %d" % (label, dur, state, over,
                                                              measured))

    text = lt.run([bbx, "leaks", snap_dir]).stdout
    line = re.search(r"^freeze: thread %d \"[^\"]*\" stopped answering at .*$" % tid, text, re.M)
    lt.check(line, "%s: bbx leaks text has no freeze line for %d:\n%s" % (label, tid, text))
    if line:
        tail = "then came back" if over else "still frozen at its last snapshot"
        lt.check(line.group(0).endswith(tail) and ("(%s" % state) in line.group(0)
                 and (" for at least " in line.group(0)) != over,
                 "%s: freeze line %r" % (label, line.group(0)))
    lt.check(re.search(r"^no leak suspects in .*, 1 freeze of a watched thread$", text, re.M),
             "%s: closing line does not count the freeze:\n%s" % (label, text))

    page = os.path.join(scratch, label.replace(" ", "-") + ".html")
    lt.run([bbx, "report", "-o", page, snap_dir])
    html = open(page, encoding="utf-8").read() if os.path.exists(page) else ""
    sec = re.search(r'<section id="freezes">(.*?)</section>', html, re.S)
    if lt.check(sec, "%s: bbx report has no Freezes section" % label):
        body = sec.group(1)
        lt.check("<h2>Freezes (1)</h2>" in body, "%s: Freezes heading" % label)
        rows = re.findall(r"<tr><td class=\"tid\">(\d+) ", body)
        lt.check(rows == [str(tid)], "%s: Freezes rows of tids %s, expected [%d]"
                 % (label, rows, tid))
        lt.check(("still frozen" in body) != over and ("<td>%s</td>" % state) in body,
                 "%s: Freezes row: %s" % (label, body[-400:]))
        lt.check(html.index('id="freezes"') < html.index('id="series"'),
                 "%s: the Freezes section comes after the series charts" % label)


def main():
    ap = lt.arg_parser(__doc__)
    ap.add_argument("--prog", required=True, help="hang_prog (linked)")
    args = ap.parse_args()
    with lt.Scratch("freeze-series") as scratch:
        for mode, state in (("spin", "busy"),):
            d = scratch.sub(mode)
            rc, out = run_prog([args.prog, mode, "500", "3000", "1500"],
                               lt.collector_env(d, hang_ms=LIMIT_MS, interval_ms=300))
            tid, measured = number(out, "tid"), number(out, "frozen")
            if not lt.check(rc == 0 and tid and measured,
                            "%s: exit %d, output %r" % (mode, rc, out)):
                continue
            names = os.listdir(d)
            hang = [n for n in names if n.endswith("-hang.bbx")]
            rec = [n for n in names if n.endswith("-recovered.bbx")]
            periodic = [n for n in names if n.endswith("-periodic.bbx")]
            if not lt.check(len(hang) == 1 and len(rec) == 1 and len(periodic) >= 2,
                            "%s: snapshots %s" % (mode, sorted(names))):
                continue
            check_series(mode, args.bbx, d, tid, measured, state, True,
                         os.path.join(d, hang[0]), scratch.path)

            # the series cut before the recovery
            cut = scratch.sub(mode + "-cut")
            for n in names:
                if n != rec[0]:
                    shutil.copy(os.path.join(d, n), cut)
            check_series(mode + " cut", args.bbx, cut, tid, measured, state, False,
                         os.path.join(cut, hang[0]), scratch.path)
    lt.finish("a freeze in a series: bbx leaks (JSON, text) and bbx report give its thread, "
              "length and end")


if __name__ == "__main__":
    main()
