#!/usr/bin/env python3
"""End-to-end: `bbx report` on a real crash, and on bad input.

Usage: report_crash.py --bbx BBX --crasher CRASHER --source SAMPLES/crasher/crasher.c

  crash:     crasher threads-fds -> `bbx report SNAP -o r.html` exits 0; the page
             names SIGSEGV and the crashing function crash_null_deref with
             crasher.c:LINE (the line of its `*p = 42;`, found in the source)
             and shows that source line's text; every thread id of `bbx show
             --json` has its collapsible <details> or an anchor in a folded
             one, a row for every fd
             number, every breadcrumb and annotation; it loads nothing from
             elsewhere; the same page to stdout with -o -;
  bad input: not a snapshot, no -o, -o naming an input, a missing file: exit 2,
             one line on stderr naming the file, no page left behind; a cut
             file gives a page that says the snapshot is incomplete.
"""

import os
import re

import reporttest as rt
from reporttest import lt

p = lt.arg_parser("bbx report on a crash")
p.add_argument("--crasher", required=True)
p.add_argument("--source", required=True, help="the crasher's source file")
args = p.parse_args()


def crash_line():
    with open(args.source) as f:
        lines = f.read().splitlines()
    start = next(i for i, t in enumerate(lines) if re.search(r"\bcrash_null_deref\s*\(void\)", t))
    for i in range(start, len(lines)):
        if "*p = 42;" in lines[i]:
            return i + 1, lines[i].strip()
    lt.fail("no `*p = 42;` line in %s" % args.source)
    lt.finish()


def check_page(snap, page_path):
    r = rt.bbx_report(args.bbx, [snap], page_path)
    if r.returncode != 0:
        lt.fail("bbx report exited %d: %s" % (r.returncode, r.stderr.strip()))
        return
    html, page = rt.read_page(page_path)
    lt.note("page: %d bytes, %d tags" % (len(html), len(page.tags)))
    line, text = crash_line()
    if "SIGSEGV" not in page.text:
        lt.fail("the page does not name SIGSEGV")
    if "crash_null_deref" not in page.text:
        lt.fail("the page does not name crash_null_deref")
    if not re.search(r"crasher\.c:%d\b" % line, page.text):
        lt.fail("the page has no crasher.c:%d" % line)
    if text not in page.text:
        lt.fail("the page does not show the source line %r" % text)
    # The crashing thread's section comes before every other thread.
    trig = html.find('id="trigger-thread"')
    first_details = html.find('<details class="thread"')
    if trig < 0 or (first_details >= 0 and first_details < trig):
        lt.fail("the crashing thread's stack does not come first")
    doc = lt.bbx_show(args.bbx, snap)
    if doc is None:
        return
    tids = {t["tid"] for t in doc["threads"]}
    shown = {int(i[len("thread-"):]) for i in page.ids if i.startswith("thread-")}
    # A thread has its own <details id="thread-TID">, or stands in a folded
    # entry (identical stacks) as <span class="tid" id="thread-TID">.
    own = sum(1 for t, a in page.tags
              if t == "details" and a.get("class") == "thread" and a.get("id"))
    if tids != shown or own + page.count("span", **{"class": "tid"}) != len(tids):
        lt.fail("threads: %d in the snapshot, %d <details> (missing %s)"
                % (len(tids), len(shown), sorted(tids - shown)[:10]))
    fds = {f["fd"] for f in doc["fds"]}
    shown = {int(i[len("fd-"):]) for i in page.ids if i.startswith("fd-")}
    if fds != shown:
        lt.fail("fds: missing %s, extra %s" % (sorted(fds - shown), sorted(shown - fds)))
    for kind in {f["kind"] for f in doc["fds"]}:
        if kind not in page.text:
            lt.fail("fd kind %s not on the page" % kind)
    for c in doc["breadcrumbs"]:
        if c["text"] not in page.text:
            lt.fail("breadcrumb %r not on the page" % c["text"])
    for k, v in doc["annotations"].items():
        if k not in page.text or v not in page.text:
            lt.fail("annotation %s=%s not on the page" % (k, v))
    for ref in rt.external_references(html, page):
        lt.fail("the page refers to something elsewhere: " + ref)
    if page.count("svg", **{"class": "bbx-flame"}) < 1:
        lt.fail("no embedded flame graph")
    out = lt.run([args.bbx, "report", "-o", "-", snap])
    # The flame graph's element ids differ per run (unique by design).
    same = re.sub(r"bbxfg[0-9a-f]+", "ID", out.stdout) == re.sub(r"bbxfg[0-9a-f]+", "ID", html)
    if out.returncode == 0 and not same:
        lt.fail("-o - wrote another page than -o FILE")


def check_bad_input(scratch, snap):
    junk = lt.write_file(os.path.join(scratch.path, "junk.bbx"), "not a snapshot at all")
    out = os.path.join(scratch.path, "bad.html")
    cases = [
        ("not a snapshot", [args.bbx, "report", "-o", out, junk], "junk.bbx"),
        ("missing file", [args.bbx, "report", "-o", out,
                          os.path.join(scratch.path, "nonexistent.bbx")], "nonexistent.bbx"),
        ("no -o", [args.bbx, "report", snap], "-o"),
        ("-o naming an input", [args.bbx, "report", "-o", snap, snap],
         os.path.basename(snap)),
        ("an unknown option", [args.bbx, "report", "--frobnicate", "-o", out, snap],
         "--frobnicate"),
    ]
    before = os.path.getsize(snap)
    for what, cmd, named in cases:
        r = lt.run(cmd, check=False)
        lines = r.stderr.splitlines()
        if r.returncode != 2 or len(lines) != 1 or named not in r.stderr:
            lt.fail("%s: exit %d, stderr %r (want exit 2, one line naming %s)"
                    % (what, r.returncode, r.stderr, named))
    if os.path.exists(out):
        lt.fail("a page was left behind after bad input")
    if os.path.getsize(snap) != before:
        lt.fail("the input snapshot was changed")
    # A cut file: still a page, with the incomplete-snapshot warning.
    with open(snap, "rb") as f:
        data = f.read()
    cut = os.path.join(scratch.path, "cut.bbx")
    with open(cut, "wb") as f:
        f.write(data[:len(data) * 2 // 3])
    r = rt.bbx_report(args.bbx, [cut], out)
    if r.returncode != 0 or not os.path.exists(out):
        lt.fail("cut file: exit %d, %r" % (r.returncode, r.stderr))
    elif "Incomplete snapshot" not in rt.read_page(out)[1].text:
        lt.fail("cut file: the page has no incomplete-snapshot warning")
    r = lt.run([args.bbx, "help", "report"])
    if "-o" not in r.stdout or "OUT.html" not in r.stdout:
        lt.fail("bbx help report: %r" % r.stdout[:200])
    leftovers = [f for f in os.listdir(os.path.dirname(snap)) if ".tmp." in f]
    if leftovers:
        lt.fail("temporary files left: %s" % leftovers)


with lt.Scratch("report-crash") as scratch:
    snap_dir = scratch.sub("snaps")
    env = lt.collector_env(snap_dir)
    env["ASAN_OPTIONS"] = "handle_segv=0:handle_abort=0:detect_leaks=0"
    r = lt.run([args.crasher, "threads-fds"], env=env, check=False)
    snaps = lt.snapshots(snap_dir)
    if r.returncode >= 0 or len(snaps) != 1:
        lt.fail("crasher threads-fds: status %d, %d snapshots" % (r.returncode, len(snaps)))
        lt.finish()
    check_page(snaps[0], os.path.join(scratch.path, "crash.html"))
    check_bad_input(scratch, snaps[0])
lt.finish()
