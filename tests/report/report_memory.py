#!/usr/bin/env python3
"""`bbx report` streams a series: its memory is bounded by the groups and
the distinct stacks, not by the number of snapshots.

Usage: report_memory.py --bbx BBX --gen-series GEN_SERIES [--asan]

  gen_series (bench/) writes 2,000 periodic snapshots of one process (100
  fds each, leaks growing).  A report that kept every snapshot in memory
  needed 254 MB of RSS for them (7.7 GB for 20,000); streamed, it needs
  about 8 MB.  The test runs `bbx report` on them and checks:
    - without sanitizers, under RLIMIT_AS (ulimit -v) of 128 MiB, with one
      malloc arena so the threads' arenas do not reserve address space:
      exit 0 and the page written (the old code failed: out of memory);
    - in both builds, a peak RSS under 120 MiB.  Under ASan the options
      quarantine_size_mb=16 and detect_stack_use_after_return=0 keep the
      sanitizer's own freed-memory quarantine and fake stacks (which grow
      with the work done, not with what is live) out of the figure.
  Each snapshot is also charted: the series section says how many of the
  2,000 the charts draw (1,000, evenly spaced).
"""

import os
import resource
import subprocess

import reporttest as rt
from reporttest import lt

SNAPSHOTS = 2000
FDS = 100
AS_LIMIT = 128 << 20
RSS_LIMIT_KB = 120 << 10

p = lt.arg_parser("bbx report memory over a long series")
p.add_argument("--gen-series", required=True)
args = p.parse_args()

with lt.Scratch("report-memory") as scratch:
    snap_dir = scratch.sub("snaps")
    lt.run([args.gen_series, snap_dir, str(SNAPSHOTS), str(FDS)])
    page_path = os.path.join(scratch.path, "series.html")
    env = dict(os.environ, MALLOC_ARENA_MAX="1")
    if args.asan:
        env["ASAN_OPTIONS"] = ":".join(
            o for o in (os.environ.get("ASAN_OPTIONS", ""), "quarantine_size_mb=16",
                        "detect_stack_use_after_return=0") if o)

    def limit():
        if not args.asan:  # ASan reserves terabytes of address space
            resource.setrlimit(resource.RLIMIT_AS, (AS_LIMIT, AS_LIMIT))

    err_path = os.path.join(scratch.path, "stderr")
    with open(err_path, "w") as err:
        child = subprocess.Popen([args.bbx, "report", "-o", page_path, snap_dir], env=env,
                                 preexec_fn=limit, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)  # this child's own peak RSS
    rc = os.waitstatus_to_exitcode(status)
    peak_kb = usage.ru_maxrss
    lt.note("bbx report of %d snapshots: exit %d, peak RSS %d KiB%s" %
            (SNAPSHOTS, rc, peak_kb,
             "" if args.asan else ", address space limited to %d MiB" % (AS_LIMIT >> 20)))
    if rc != 0:
        with open(err_path) as f:
            lt.fail("bbx report exited %d: %s" % (rc, f.read().strip()[:300]))
        lt.finish()
    if peak_kb > RSS_LIMIT_KB:
        lt.fail("peak RSS %d KiB over %d KiB: memory grows with the snapshots" %
                (peak_kb, RSS_LIMIT_KB))
    with open(page_path, encoding="utf-8") as f:
        page = rt.Page(f.read())
    if "Series: %d snapshots" % SNAPSHOTS not in page.text:
        lt.fail("the page does not say 'Series: %d snapshots'" % SNAPSHOTS)
    if "The charts draw 1000 of the %d snapshots" % SNAPSHOTS not in page.text:
        lt.fail("the page does not say the charts draw 1000 of the snapshots")
    if not page.count("svg", **{"class": "linechart"}):
        lt.fail("no chart in the series section")
    # the last snapshot (in capture order) is the one shown in detail
    last = "snap-%05d.bbx" % (SNAPSHOTS - 1)
    if last not in page.text:
        lt.fail("the summary does not name the last snapshot %s" % last)
lt.finish()
