#!/usr/bin/env python3
"""svg_real.py - SVG flame graphs by `bbx flame` from real snapshots: the
leaker sample runs with tracking and periodic snapshots; `bbx flame
--format svg` draws its thread stacks and a differential graph of its fd
creation stacks (last snapshot against the first); both must be well-formed
XML (check_svg.check) and load and zoom in headless Chromium
(tests/browser/svg_test.js).

Usage: svg_real.py --bbx BBX --leaker LEAKER --outdir DIR
Exit 0 fine, 1 failed (said why), 77 skipped (no node, chromium, xmllint or
tests/browser/node_modules; under CI=true a failure: tests/testlib/skip.py).
"""
import argparse
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "leaks"))
sys.path.insert(0, HERE)
import check_svg  # noqa: E402
import leaktest as lt  # noqa: E402
from leaktest import skiplib  # noqa: E402

p = argparse.ArgumentParser(description="bbx flame --format svg on real snapshots")
p.add_argument("--bbx", required=True)
p.add_argument("--leaker", required=True)
p.add_argument("--outdir", required=True)
args = p.parse_args()

os.makedirs(args.outdir, exist_ok=True)
snap_dir = os.path.join(args.outdir, "snaps")
shutil.rmtree(snap_dir, ignore_errors=True)
os.makedirs(snap_dir)
env = lt.collector_env(snap_dir, None, track="fd,thread", interval_ms=150)
lt.run([args.leaker, "--duration-ms", "2000", "--tick-ms", "20", "--retry-every", "5"], env=env)
if lt.failures:
    lt.finish()
snaps = lt.snapshots(snap_dir)
if len(snaps) < 3:
    lt.fail("leaker wrote %d snapshots" % len(snaps))

stacks = os.path.join(args.outdir, "leaker-stacks.svg")
fds = os.path.join(args.outdir, "leaker-fd-diff.svg")
lt.run([args.bbx, "flame", "--format", "svg", "-o", stacks, snap_dir])
lt.run([args.bbx, "flame", "--what", "fd-origins", "--format", "svg", "-o", fds,
        "--diff", snaps[0], "--", snaps[-1]])
if lt.failures:
    lt.finish()
for path, kind in ((stacks, "stacks"), (fds, "fd-origins diff")):
    frames = check_svg.check(path, kind)
    lt.note("%s: %d frames, well-formed" % (kind, len(frames)))

node = shutil.which("node")
if not node:
    lt.skip("node (not on PATH)", "Debian package nodejs")
# svg_test.js skips (77, its reason on stdout) or, under CI=true, fails
# through tests/testlib/skip.js when Chromium or playwright-core is missing.
r = subprocess.run([node, os.path.join(HERE, "..", "browser", "svg_test.js"), "-",
                    args.outdir, stacks, fds], capture_output=True, text=True, timeout=300)
print(r.stdout.strip(), flush=True)
if r.returncode == skiplib.SKIP:
    sys.exit(skiplib.SKIP)
if r.returncode:
    lt.fail("svg_test.js exited %d: %s" % (r.returncode, r.stderr.strip()[-1000:]))
lt.finish()
