#!/usr/bin/env python3
"""End-to-end: `bbx leaks` on the leaker's periodic snapshots names its two
leaks and nothing else, linked with libbbx or under LD_PRELOAD.

Usage: e2e_leaker.py --bbx BBX --leaker LEAKER [--preload LIBBBX_PRELOAD]
       [--asan --sanitizer-runtimes LIB[:LIB]]

  leaks:    leaker with BBX_TRACK=fd,thread and periodic snapshots: `bbx leaks
            --json` exits 1 with exactly two suspects, an fd of kind socket whose
            origin has client_connect at the manifest's file and line, and a
            thread whose origin has schedule_retry at its file and line; the
            text report exits 1 too and names both functions;
  balanced: leaker --no-leaks: exit 0, no suspects.
"""

import leaktest as lt

p = lt.arg_parser("bbx leaks on the leaker sample")
p.add_argument("--leaker", required=True)
args = p.parse_args()
preload = lt.preload_value(args)
LEAK_ARGS = ["--duration-ms", "3000", "--tick-ms", "20", "--retry-every", "5"]


def run_leaker(scratch, name, extra):
    snap_dir = scratch.sub(name)
    env = lt.collector_env(snap_dir, preload, track="fd,thread", interval_ms=150)
    p = lt.run([args.leaker, *LEAK_ARGS, *extra], env=env)
    snaps = lt.snapshots(snap_dir)
    lt.note("%s: %d snapshots; leaker says: %s" % (name, len(snaps),
            " | ".join(p.stdout.strip().splitlines()[-3:])))
    if len(snaps) < 3:
        lt.fail("%s: %d snapshots in %s, expected periodic ones (at least 3)"
                % (name, len(snaps), snap_dir))
    return snap_dir, lt.manifest_leaks(p.stdout)


def check_leaks(scratch):
    snap_dir, manifest = run_leaker(scratch, "leaks", [])
    if set(manifest) != {"fd", "thread"}:
        lt.fail("leaker manifest lacks its leak lines: %r" % manifest)
        return
    rc, doc = lt.bbx_leaks(args.bbx, [snap_dir])
    if doc is None:
        return
    for leak in doc["leaks"]:
        lt.note("  suspect: " + lt.describe_leak(leak))
    if rc != 1:
        lt.fail("bbx leaks exited %d with the leaks in, expected 1" % rc)
    fn, file, line = manifest["fd"]
    fds = [l for l in doc["leaks"] if l.get("resource") == "fd" and lt.origin_has(l, fn)]
    if len(fds) != 1:
        lt.fail("%d fd suspects created in %s, expected 1" % (len(fds), fn))
    else:
        if fds[0].get("kind") != "socket":
            lt.fail("the %s leak has kind %r, expected socket" % (fn, fds[0].get("kind")))
        if not lt.origin_has(fds[0], fn, file, line):
            lt.fail("the fd leak's origin does not name %s at %s:%d" % (fn, file, line))
    fn, file, line = manifest["thread"]
    threads = [l for l in doc["leaks"] if l.get("resource") == "thread" and lt.origin_has(l, fn)]
    if len(threads) != 1:
        lt.fail("%d thread suspects created in %s, expected 1" % (len(threads), fn))
    elif not lt.origin_has(threads[0], fn, file, line):
        lt.fail("the thread leak's origin does not name %s at %s:%d" % (fn, file, line))
    others = [l for l in doc["leaks"] if l not in fds and l not in threads]
    for leak in others:
        lt.fail("balanced noise reported: " + lt.describe_leak(leak))
    text = lt.run([args.bbx, "leaks", snap_dir], check=False)
    if text.returncode != 1 or "client_connect" not in text.stdout \
            or "schedule_retry" not in text.stdout:
        lt.fail("bbx leaks (text) exited %d and names %s: %s" % (
            text.returncode, [f for f in ("client_connect", "schedule_retry")
                              if f in text.stdout], text.stdout[:500]))


def check_balanced(scratch):
    snap_dir, _ = run_leaker(scratch, "balanced", ["--no-leaks"])
    rc, doc = lt.bbx_leaks(args.bbx, [snap_dir])
    if doc is None:
        return
    for leak in doc["leaks"]:
        lt.fail("--no-leaks: suspect reported: " + lt.describe_leak(leak))
    if rc != 0:
        lt.fail("bbx leaks exited %d on the balanced run, expected 0" % rc)


with lt.Scratch("leaker") as scratch:
    check_leaks(scratch)
    check_balanced(scratch)
lt.finish()
