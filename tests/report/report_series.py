#!/usr/bin/env python3
"""End-to-end: `bbx report` on a series of periodic snapshots of the leaker.

Usage: report_series.py --bbx BBX --leaker LEAKER

  The leaker runs with BBX_TRACK=fd,thread and BBX_INTERVAL_MS=200; `bbx
  report DIR -o r.html` exits 0 and the page has: the series section with
  an inline <svg> chart whose polylines draw several groups (fds and
  threads), a legend; the leak suspects table naming client_connect and
  schedule_retry (the manifest's functions) with their creation stacks;
  the embedded flame graphs (thread stacks, and fd creation stacks in
  tracking mode); nothing loaded from elsewhere.  --pid of another process
  is refused (exit 2, one line).
"""

import os

import reporttest as rt
from reporttest import lt

p = lt.arg_parser("bbx report on a leaker series")
p.add_argument("--leaker", required=True)
args = p.parse_args()
LEAK_ARGS = ["--duration-ms", "3000", "--tick-ms", "20", "--retry-every", "5"]

with lt.Scratch("report-series") as scratch:
    snap_dir = scratch.sub("snaps")
    env = lt.collector_env(snap_dir, track="fd,thread", interval_ms=200)
    run = lt.run([args.leaker, *LEAK_ARGS], env=env)
    manifest = lt.manifest_leaks(run.stdout)
    snaps = lt.snapshots(snap_dir)
    lt.note("%d snapshots; manifest %s" % (len(snaps), manifest))
    if len(snaps) < 3 or set(manifest) != {"fd", "thread"}:
        lt.fail("leaker: %d snapshots, manifest %r" % (len(snaps), manifest))
        lt.finish()
    page_path = os.path.join(scratch.path, "series.html")
    r = rt.bbx_report(args.bbx, [snap_dir], page_path)
    if r.returncode != 0:
        lt.fail("bbx report exited %d: %s" % (r.returncode, r.stderr.strip()))
        lt.finish()
    html, page = rt.read_page(page_path)
    lt.note("page: %d bytes, %d tags" % (len(html), len(page.tags)))
    if "series" not in page.ids:
        lt.fail("no series section")
    charts = page.count("svg", **{"class": "linechart"})
    lines = page.count("polyline", **{"class": "series"})
    # Per chart: the total and at least one group; two charts: >= 4 lines.
    if charts != 2 or lines < 4:
        lt.fail("%d line charts with %d polylines, expected 2 charts with several groups"
                % (charts, lines))
    if page.count("ul", **{"class": "legend"}) != charts:
        lt.fail("a chart without its legend")
    if "leaks" not in page.ids:
        lt.fail("no leak suspects section")
    start = html.find('id="leaks"')
    end = html.find("</section>", start)
    suspects = rt.Page(html[start - len('<section '):end]).text if start >= 0 else ""
    for kind, (fn, file, line) in manifest.items():
        if fn not in suspects:
            lt.fail("the leak suspects table does not name %s" % fn)
        elif "%s:%d" % (file, line) not in suspects:
            lt.fail("the %s suspect's creation stack lacks %s:%d" % (kind, file, line))
    flames = page.count("svg", **{"class": "bbx-flame"})
    if flames < 2:
        lt.fail("%d embedded flame graphs, expected the stacks and the fd creation stacks"
                % flames)
    for ref in rt.external_references(html, page):
        lt.fail("the page refers to something elsewhere: " + ref)
    other = rt.bbx_report(args.bbx, [snap_dir], page_path + ".2", ["--pid", "1"])
    if other.returncode != 2 or len(other.stderr.splitlines()) != 1:
        lt.fail("--pid of another process: exit %d, %r" % (other.returncode, other.stderr))
lt.finish()
