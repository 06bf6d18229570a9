#!/usr/bin/env python3
"""End-to-end: `bbx report` shows hostile strings as text.

Usage: report_hostile.py --bbx BBX --prog HOSTILE_PROG --corpus DIR

  strings: hostile_prog puts markup, quotes and bytes that are not UTF-8 into
           an annotation, breadcrumbs, its thread name, a file name and the
           snapshot reason; the page has no element those strings would make
           (no <img>, <b>, <i>; a <script> only inside the flame graph's
           <svg>), no attribute they would add (onclick, onerror), and shows
           each as text; the same for the page of a crash store holding the
           snapshot (bbx report --db, the strings in its representative);
  corpus:  every file of the reader's fuzz corpus gives exit 0 with a page or
           exit 2 with one line, never a crash.
"""

import os

import reporttest as rt
from reporttest import lt

p = lt.arg_parser("bbx report on hostile strings")
p.add_argument("--prog", required=True)
p.add_argument("--corpus", required=True)
args = p.parse_args()


def check_strings(scratch):
    snap_dir, files = scratch.sub("snaps"), scratch.sub("files")
    r = lt.run([args.prog, files], env=lt.collector_env(snap_dir))
    snaps = lt.snapshots(snap_dir)
    if r.returncode != 0 or len(snaps) != 1:
        lt.fail("hostile_prog: exit %d, %d snapshots" % (r.returncode, len(snaps)))
        return
    page_path = os.path.join(scratch.path, "hostile.html")
    r = rt.bbx_report(args.bbx, snaps, page_path)
    if r.returncode != 0:
        lt.fail("bbx report exited %d: %s" % (r.returncode, r.stderr.strip()))
        return
    check_page(page_path, "the page")
    db = os.path.join(scratch.path, "hostile.db")
    r = lt.run([args.bbx, "ingest", "--db", db, *snaps])
    store_page = os.path.join(scratch.path, "hostile-store.html")
    r = rt.bbx_report(args.bbx, [], store_page, ("--db", db))
    if r.returncode != 0:
        lt.fail("bbx report --db exited %d: %s" % (r.returncode, r.stderr.strip()))
        return
    check_page(store_page, "the store's page")


def check_page(page_path, what):
    html, page = rt.read_page(page_path)
    for tag in ("img", "b", "i"):
        if page.count(tag):
            lt.fail("%s has a <%s> element" % (what, tag))
    flames = page.count("svg", **{"class": "bbx-flame"})
    if page.count("script") > flames:
        lt.fail("%s: %d <script> elements for %d flame graphs"
                % (what, page.count("script"), flames))
    for tag, a in page.tags:
        for k in a:
            if k in ("onclick", "onerror", "onload"):
                lt.fail("%s: an %s attribute on <%s>" % (what, k, tag))
    for text in ("<script>alert(1)</script><img src=x onerror=alert(2)>",
                 "<key onclick=x>", "<b>bold&amp;\"q'\\xff.txt", "<i>x</i>",
                 "\\x01\\x1b[31m\\xfe\\xff end", "\\xc3("):
        if text not in page.text:
            lt.fail("%s does not show %r as text" % (what, text))


def check_corpus(scratch):
    out = os.path.join(scratch.path, "corpus.html")
    n = 0
    for name in sorted(os.listdir(args.corpus)):
        path = os.path.join(args.corpus, name)
        r = rt.bbx_report(args.bbx, [path], out)
        n += 1
        if r.returncode == 0:
            continue
        if r.returncode != 2 or len(r.stderr.splitlines()) != 1:
            lt.fail("corpus %s: exit %d, stderr %r" % (name, r.returncode, r.stderr[-500:]))
    lt.note("%d corpus files" % n)


with lt.Scratch("report-hostile") as scratch:
    check_strings(scratch)
    check_corpus(scratch)
lt.finish()
