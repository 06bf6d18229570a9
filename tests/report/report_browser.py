#!/usr/bin/env python3
"""Headless Chromium on `bbx report` pages: a crash (crasher threads-fds) and
a series (the leaker with tracking).  browser_check.mjs loads each with the
network off and fails on a console error, a page error or any request for
something else; a thread's <details> must open on a click; a full-page
screenshot of each is kept as a test artefact in --shots (their paths are
printed).  Without node, Chromium or tests/browser/node_modules: skipped (77),
or failed under CI=true (tests/testlib/skip.py).

Usage: report_browser.py --bbx BBX --crasher CRASHER --leaker LEAKER
       --node NODE --chromium CHROMIUM --browser-dir tests/browser --shots DIR
"""

import os

import reporttest as rt
from reporttest import lt

p = lt.arg_parser("bbx report in headless Chromium")
p.add_argument("--crasher", required=True)
p.add_argument("--leaker", required=True)
rt.browser_args(p)
args = p.parse_args()
node = rt.require_browser(args)

with lt.Scratch("report-browser") as scratch:
    crash_dir, series_dir = scratch.sub("crash"), scratch.sub("series")
    env = lt.collector_env(crash_dir)
    env["ASAN_OPTIONS"] = "handle_segv=0:handle_abort=0:detect_leaks=0"
    lt.run([args.crasher, "threads-fds"], env=env, check=False)
    env = lt.collector_env(series_dir, track="fd,thread", interval_ms=200)
    lt.run([args.leaker, "--duration-ms", "2000", "--tick-ms", "20", "--retry-every", "5"],
           env=env)
    pairs = []
    for name, snaps in (("crash", lt.snapshots(crash_dir)), ("series", [series_dir])):
        page = os.path.join(scratch.path, "report-%s.html" % name)
        r = rt.bbx_report(args.bbx, snaps, page)
        if r.returncode != 0 or not snaps:
            lt.fail("bbx report (%s) exited %d: %s" % (name, r.returncode, r.stderr.strip()))
            continue
        pairs.append("%s=%s" % (page, os.path.join(args.shots, "report-%s.png" % name)))
    if pairs:
        r = lt.run([node, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                       "browser_check.mjs"),
                    args.browser_dir, args.chromium, *pairs], check=False, timeout=300)
        print(r.stdout, end="")
        if r.returncode != 0:
            lt.fail("browser_check.mjs exited %d: %s" % (r.returncode, r.stderr.strip()[-1500:]))
lt.finish()
