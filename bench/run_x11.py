#!/usr/bin/env python3
"""X resource query cost per snapshot (issue 13).

tests/x11/x11_prog runs under libbbx-preload.so and a private Xvfb with
periodic snapshots (BBX_INTERVAL_MS=100): in mode "fixed" (8 pixmaps and 2
GCs, about a dozen resource types) and "leak" (one more pixmap per 50 ms
tick).  Every snapshot's X11_RESOURCES record says how long the collector
thread's query took (QUERY_US: the round trips to the X server through bbx's
own connection, before the snapshot, on the collector thread, never in the
capture); the CAPTURE record says how long the capture itself took, which
is compared with the same program without an X connection ("none" mode,
no DISPLAY), where no record is written.

Needs a build with tests (default build/; x11_prog is a test program),
Xvfb (scripts/install-deps.sh).  Prints markdown; --write-readme puts it
into bench/README.md between the x11-results markers.  Python 3 standard
library only.
"""

import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "testlib"))
import run_env  # noqa: E402
from xvfb import Xvfb  # noqa: E402

BEGIN = "<!-- x11-results:begin -->"
END = "<!-- x11-results:end -->"


def run(build, mode, ticks, display):
    snap_dir = tempfile.mkdtemp(prefix="bbx-bench-x11-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BBX_")}
    env.pop("DISPLAY", None)
    if display:
        env["DISPLAY"] = display
    env.update(BBX_DIR=snap_dir, BBX_INTERVAL_MS="100", BBX_MAX_FILES="100000",
               LD_PRELOAD=os.path.join(build, "collector", "libbbx-preload.so"))
    try:
        subprocess.run([os.path.join(build, "tests", "x11", "x11_prog"), mode, str(ticks)],
                       env=env, stdout=subprocess.DEVNULL, check=True, timeout=300)
        query, capture, types = [], [], []
        for f in sorted(glob.glob(os.path.join(snap_dir, "*.bbx"))):
            d = json.loads(subprocess.run([os.path.join(build, "analyzer", "bbx"), "show",
                                           "--json", f], capture_output=True, text=True,
                                          check=True).stdout)
            capture.append(d["capture"]["duration_us"])
            x = d.get("x11")
            if x and x["clients"]:
                query.append(x["query_us"])
                types.append(len(x["types"]))
        return query, capture, types
    finally:
        shutil.rmtree(snap_dir, ignore_errors=True)


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))] if v else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build-dir", default=os.path.join(run_env.REPO, "build"))
    ap.add_argument("--ticks", type=int, default=200, help="50 ms ticks per run")
    ap.add_argument("--write-readme", action="store_true")
    args = ap.parse_args()
    m = run_env.machine()
    load0 = run_env.loadavg()
    with Xvfb() as xenv:
        fixed = run(args.build_dir, "fixed", args.ticks, xenv["DISPLAY"])
        leak = run(args.build_dir, "leak", args.ticks, xenv["DISPLAY"])
    none = run(args.build_dir, "none", args.ticks, None)
    out = ["Run %s on %s (%d CPUs, kernel %s), commit %s, load %s -> %s, Xvfb."
           % (m["date"], m["cpu"], m["nproc"], m["kernel"], run_env.git_rev(), load0,
              run_env.loadavg()), "",
           "| program | snapshots with X | types | X query (us, median / p90 / max; "
           "collector thread, not in the capture) | capture (us, median) |",
           "| --- | ---: | ---: | ---: | ---: |"]
    for label, (q, c, t) in (("fixed: 8 pixmaps, 2 GCs", fixed),
                             ("leak: +1 pixmap per 50 ms", leak),
                             ("none: no DISPLAY, no record", none)):
        out.append("| %s | %d | %s | %s | %d |"
                   % (label, len(q), max(t) if t else "-",
                      "%d / %d / %d" % (statistics.median(q), pct(q, 90), max(q)) if q else "-",
                      statistics.median(c) if c else 0))
    text = "\n".join(out)
    print(text)
    if args.write_readme and not run_env.write_readme_section(BEGIN, END, text):
        print("run_x11: bench/README.md has no x11-results markers", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
