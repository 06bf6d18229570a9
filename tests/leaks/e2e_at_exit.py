#!/usr/bin/env python3
"""End-to-end: the at-exit snapshot of a program that runs once shows its
leak.

Usage: e2e_at_exit.py --bbx BBX --prog ONCE_PROG [--preload LIBBBX_PRELOAD]
       [--asan --sanitizer-runtimes LIB[:LIB]]

once_prog (linked with libbbx, or plain under the preload) runs with
BBX_AT_EXIT=1 BBX_TRACK=fd and returns from main: exactly one snapshot, its
trigger word "exit" in the name; `bbx leaks --json` on it exits 1 and names
load_config at the manifest's file and line, and nothing else.
"""

import os

import leaktest as lt

p = lt.arg_parser("at-exit leak of a run-once program")
p.add_argument("--prog", required=True)
args = p.parse_args()
preload = lt.preload_value(args)

with lt.Scratch("at-exit") as scratch:
    snap_dir = scratch.sub("snaps")
    env = lt.collector_env(snap_dir, preload, track="fd", at_exit=1)
    run = lt.run([args.prog], env=env)
    manifest = lt.manifest_leaks(run.stdout)
    snaps = lt.snapshots(snap_dir)
    lt.note("snapshots: %s" % [os.path.basename(s) for s in snaps])
    if len(snaps) != 1 or not os.path.basename(snaps[0]).endswith("-exit.bbx"):
        lt.fail("expected one snapshot named ...-exit.bbx, found %s" % snaps)
    if "fd" not in manifest:
        lt.fail("no leak line in the program's output: %r" % run.stdout)
    if snaps and "fd" in manifest:
        fn, file, line = manifest["fd"]
        rc, doc = lt.bbx_leaks(args.bbx, snaps[:1])
        if doc is not None:
            for leak in doc["leaks"]:
                lt.note("  suspect: " + lt.describe_leak(leak))
            if rc != 1:
                lt.fail("bbx leaks exited %d on the exit snapshot, expected 1" % rc)
            named = [l for l in doc["leaks"] if l.get("resource") == "fd"
                     and lt.origin_has(l, fn, file, line)]
            if len(named) != 1:
                lt.fail("%d fd suspects name %s at %s:%d, expected 1" % (len(named), fn, file, line))
            for leak in doc["leaks"]:
                if leak not in named:
                    lt.fail("balanced work reported: " + lt.describe_leak(leak))
lt.finish()
