#!/usr/bin/env python3
"""End-to-end: libbbx-preload.so in python3 running threads and sockets.

Usage: e2e_python.py --bbx BBX --preload LIBBBX_PRELOAD --python PYTHON3
                     [--asan --sanitizer-runtimes LIB[:LIB]]

py_threads_sockets.py runs under the preload with BBX_TRACK=fd,thread and
periodic snapshots.  It must behave as without the preload (exit 0, prints
"leaked N"); its snapshots must be readable by `bbx show --json` and hold fds
and threads with creation stacks; `bbx leaks --json` must exit 1 and report
a socket group that grows (its origin is inside the interpreter, which is
fine: only resource, kind and growth are checked).
"""

import os

import leaktest as lt

p = lt.arg_parser("python3 under the preload")
p.add_argument("--python", required=True)
args = p.parse_args()
preload = lt.preload_value(args)
SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "py_threads_sockets.py")

with lt.Scratch("python") as scratch:
    snap_dir = scratch.sub("snaps")
    env = lt.collector_env(snap_dir, preload, track="fd,thread", interval_ms=200)
    run = lt.run([args.python, SCRIPT, "--seconds", "4"], env=env)
    lt.note("python says: %s" % run.stdout.strip())
    if "leaked " not in run.stdout:
        lt.fail("the python program did not finish its work: %r %r" % (run.stdout, run.stderr))
    snaps = lt.snapshots(snap_dir)
    lt.note("%d snapshots" % len(snaps))
    if len(snaps) < 3:
        lt.fail("%d snapshots, expected periodic ones (at least 3)" % len(snaps))
    fd_origins = thread_origins = 0
    for path in lt.sample(snaps, 3):
        report = lt.bbx_show(args.bbx, path)
        if report is None:
            continue
        fd_origins += len(lt.with_origin(report.get("fds")))
        thread_origins += len(lt.with_origin(report.get("threads")))
    lt.note("fds with origins: %d, threads with origins: %d (in 3 snapshots)"
            % (fd_origins, thread_origins))
    if not fd_origins:
        lt.fail("no fd has a creation stack in the snapshots")
    if not thread_origins:
        lt.fail("no thread has a creation stack in the snapshots")
    rc, doc = lt.bbx_leaks(args.bbx, [snap_dir])
    if doc is not None:
        for leak in doc["leaks"]:
            lt.note("  suspect: " + lt.describe_leak(leak))
        growing = [l for l in doc["leaks"] if l.get("resource") == "fd"
                   and l.get("kind") == "socket" and (l.get("growth_per_min") or 0) > 0]
        if rc != 1 or not growing:
            lt.fail("bbx leaks exited %d and reports %d growing socket groups, expected 1 "
                    "and at least one" % (rc, len(growing)))
lt.finish()
