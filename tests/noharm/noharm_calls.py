#!/usr/bin/env python3
"""Behaviour unchanged (issue 9): blocking_matrix (several threads making
sleep, poll, select, epoll, sigtimedwait, sem, condvar, read, accept, msgrcv,
pause and wait calls with deterministic results) is run without bbx and
under libbbx-preload.so with BBX_INTERVAL_MS=10 and BBX_TRACK=fd,thread, then
with BBX_INTERVAL_MS=10 and BBX_MEM_WATERMARK=0.9.

Passes when each bbx run prints the same lines as the run without
(return values, errno, time left, elapsed-time buckets) and exits the same way, and when each bbx run
wrote many periodic snapshots of the program, every one readable by
`bbx show --json` and complete, that saw the worker threads: a bbx that
does nothing cannot pass.  Exits 0, or 1 with the reasons on stdout.
"""

import collections
import concurrent.futures
import os
import subprocess
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "leaks"))
import leaktest as lt  # noqa: E402  (the e2e helpers: environment, scratch, failures)
sys.path.insert(0, HERE)
from noharm_common import compare, plain_env, show  # noqa: E402

MIN_SNAPSHOTS = 50    # a 6 s run at 10 ms writes hundreds (100 or more on main, loaded)
SHOW_LIMIT = 3000     # snapshots checked with bbx show (all of them, in practice)


def run_matrix(cmd, env, label):
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    lt.note("%s: exit %d, %d lines" % (label, p.returncode, len(p.stdout.splitlines())))
    if p.stderr.strip():
        lt.note("%s stderr: %s" % (label, p.stderr.strip()[-1500:]))
    return p


def calls_that_differ(differ, n):
    by_call = collections.Counter(x.split(":")[0].split(" ", 1)[1] for x, _ in differ)
    return ("%d of %d calls returned something else under bbx (%s)"
            % (len(differ), n, ", ".join("%s x%d" % kv for kv in sorted(by_call.items()))))


def sane_baseline(plain):
    """The run without bbx is the reference: it must be what the program
    intends (no EINTR but pause's, nothing early), else the test itself is broken."""
    if plain.returncode != 0:
        lt.fail("blocking_matrix without bbx exited %d" % plain.returncode)
    bad = [l for l in plain.stdout.splitlines()
           if ("EINTR" in l and " pause/" not in l) or "time=early" in l]
    for l in bad[:10]:
        lt.fail("without bbx: %s" % l)
    if not plain.stdout.rstrip().endswith("exit 0"):
        lt.fail("without bbx: the output does not end with \"exit 0\"")


def check_snapshots(bbx, snap_dir, pid, workers):
    snaps = lt.snapshots(snap_dir)
    mine = [s for s in snaps if "-%d-" % pid in os.path.basename(s)]
    lt.note("%d snapshots written, %d of the program's pid %d" % (len(snaps), len(mine), pid))
    if len(mine) < MIN_SNAPSHOTS:
        lt.fail("only %d periodic snapshots of the program (want at least %d)"
                % (len(mine), MIN_SNAPSHOTS))
    seen_workers = 0
    statuses = collections.Counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for path, err, doc in pool.map(lambda s: show(bbx, s), snaps[:SHOW_LIMIT]):
            name = os.path.basename(path)
            if err:
                lt.fail("%s: %s" % (name, err))
                continue
            if not doc.get("complete") or doc.get("incomplete_reason"):
                lt.fail("%s: incomplete: %s" % (name, doc.get("incomplete_reason")))
            if (doc.get("process") or {}).get("pid") != pid:
                continue
            threads = doc.get("threads") or []
            for t in threads:
                statuses[t.get("status")] += 1
            with_frames = sum(1 for t in threads if t.get("frames"))
            seen_workers = max(seen_workers, with_frames)
    lt.note("thread statuses over all snapshots: %s" % dict(statuses))
    # main + the workers, each with a stack: the snapshots looked at the threads.
    if seen_workers < workers + 1:
        lt.fail("no snapshot holds the stacks of main and the %d workers (at most %d threads "
                "with frames)" % (workers, seen_workers))


def main():
    ap = lt.arg_parser(__doc__.splitlines()[0])
    ap.add_argument("--prog", required=True, help="blocking_matrix")
    ap.add_argument("--ms", type=int, default=200, help="delay of every call (ms)")
    ap.add_argument("--workers", type=int, default=4)
    args = ap.parse_args()
    if not args.preload:
        ap.error("--preload is required")
    cmd = [args.prog, "--ms", str(args.ms), "--workers", str(args.workers)]

    plain = run_matrix(cmd, plain_env(), "without bbx")
    sane_baseline(plain)
    # tracking; then the memory watermark, which adds the collector's looks
    # every 250 ms (two files kept open) and a refresh of the memory figures
    # before every snapshot
    for label, settings in (("tracking", {"track": "fd,thread"}),
                            ("watermark", {"mem_watermark": "0.9"})):
        with lt.Scratch("noharm") as tmp:
            snap_dir = tmp.sub("snaps")
            env = lt.collector_env(snap_dir, lt.preload_value(args), interval_ms=10, **settings)
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True)
            out, err = proc.communicate(timeout=600)
            bbx = subprocess.CompletedProcess(cmd, proc.returncode, out, err)
            lt.note("with bbx (%s): exit %d, %d lines" % (label, bbx.returncode,
                                                         len(out.splitlines())))
            if err.strip():
                lt.note("with bbx stderr: %s" % err.strip()[-1500:])
            compare(plain, bbx, calls_that_differ)
            check_snapshots(args.bbx, snap_dir, proc.pid, args.workers)
    lt.finish()


if __name__ == "__main__":
    main()
