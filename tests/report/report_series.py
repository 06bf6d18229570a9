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

  chart geometry: the two charts' SVG parsed as XML; each point's count is
  read back from its y through the y axis's own ticks (grid line and its
  label), and the line of the leaking group (client_connect's sockets,
  schedule_retry's threads) must read as the scenario says, not as bbx's
  JSON does: whole counts, left to right in time, never falling (the
  leaker never closes a leaked fd or joins a leaked thread), growing, and
  never above the leaker's own final count ("leaked fds N threads M").  A
  chart drawn upside down reads as a falling line.
"""

import os
import re
import xml.etree.ElementTree as ET

import reporttest as rt
from reporttest import lt

p = lt.arg_parser("bbx report on a leaker series")
p.add_argument("--leaker", required=True)
args = p.parse_args()
LEAK_ARGS = ["--duration-ms", "3000", "--tick-ms", "20", "--retry-every", "5"]

SVG = "{http://www.w3.org/2000/svg}"


def axis_of(svg):
    """count(y): the y axis read from the chart's own grid lines and their
    tick labels (value at a grid line's y), a straight line through them."""
    grid = [float(e.get("y1")) for e in svg.iter(SVG + "line") if e.get("class") == "grid"]
    labels = [float(e.text) for e in svg.iter(SVG + "text")
              if e.get("class") == "tick" and e.get("text-anchor") == "end"]
    if len(grid) < 2 or len(grid) != len(labels):
        lt.fail("chart: %d grid lines, %d y tick labels" % (len(grid), len(labels)))
        return None
    (y0, v0), (y1, v1) = (grid[0], labels[0]), (grid[-1], labels[-1])
    if y0 == y1:
        lt.fail("chart: the grid lines are all at one height")
        return None
    return lambda y: v0 + (y - y0) * (v1 - v0) / (y1 - y0)


def check_chart_geometry(html, final):
    """final: {function of the leaking group: the leaker's own final count}."""
    charts = re.findall(r'<svg class="linechart".*?</svg>', html, re.S)
    seen = set()
    for text in charts:
        try:
            svg = ET.fromstring(text)
        except ET.ParseError as e:
            lt.fail("a chart's SVG does not parse as XML: %s" % e)
            continue
        count = axis_of(svg)
        if count is None:
            continue
        for pl in svg.iter(SVG + "polyline"):
            title = pl.find(SVG + "title")
            label = title.text if title is not None else ""
            fn = next((f for f in final if f in label), None)
            if fn is None:
                continue
            seen.add(fn)
            pts = [tuple(map(float, p.split(","))) for p in pl.get("points").split()]
            xs = [x for x, _ in pts]
            vals = [count(y) for _, y in pts]
            lt.note("chart line %r: counts read from y: %s"
                    % (label, " ".join("%.1f" % v for v in vals)))
            if xs != sorted(xs) or len(set(xs)) != len(xs):
                lt.fail("%s: points not left to right in time: %r" % (fn, xs))
            if any(abs(v - round(v)) > 0.05 or v < -0.05 for v in vals):
                lt.fail("%s: a point's y is no whole count on the axis: %r" % (fn, vals))
            counts = [round(v) for v in vals]
            falls = [(a, b) for a, b in zip(counts, counts[1:]) if b < a]
            if falls:
                lt.fail("%s: the line falls (%d to %d) though the leaker never releases "
                        "what it leaked: the chart's y is upside down or wrong"
                        % ((fn,) + falls[0]))
            if not counts or counts[-1] < counts[0] + 2:
                lt.fail("%s: the line does not grow: %r" % (fn, counts))
            if counts and max(counts) > final[fn]:
                lt.fail("%s: the chart reads %d, the leaker made only %d"
                        % (fn, max(counts), final[fn]))
    for fn in final:
        if fn not in seen:
            lt.fail("no chart line for the leaking group of %s" % fn)


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
    # fds and threads (the total and at least one group each), and memory by
    # kind (the snapshots carry MEMORY records): three charts, >= 5 lines.
    if charts != 3 or lines < 5:
        lt.fail("%d line charts with %d polylines, expected 3 charts (fds, threads, memory) "
                "with several groups" % (charts, lines))
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
    leaked = re.search(r"^leaked fds ([0-9]+) threads ([0-9]+)$", run.stdout, re.M)
    if not leaked:
        lt.fail("the leaker did not print its leaked counts: %r" % run.stdout[-300:])
    else:
        check_chart_geometry(html, {"client_connect": int(leaked.group(1)),
                                    "schedule_retry": int(leaked.group(2))})
    other = rt.bbx_report(args.bbx, [snap_dir], page_path + ".2", ["--pid", "1"])
    if other.returncode != 2 or len(other.stderr.splitlines()) != 1:
        lt.fail("--pid of another process: exit %d, %r" % (other.returncode, other.stderr))
lt.finish()
