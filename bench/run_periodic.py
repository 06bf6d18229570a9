#!/usr/bin/env python3
"""Periodic-snapshot benchmark: what BBX_INTERVAL_MS costs a GUI-sized
program at rest, as a percentage of one core.

bench/parked_target (T threads parked in poll, epoll_wait, select, read,
condition-variable and semaphore waits and nanosleep; F fds of mixed kinds;
the main thread waiting) measures its own CPU time (every thread,
getrusage) over a window of S seconds.  It runs once without bbx and once
per interval under libbbx-preload.so with BBX_INTERVAL_MS set.  The cost is
the CPU time with bbx minus without, over the window's wall time; per
snapshot it is that difference over the snapshots written in the window.
The snapshots' own CAPTURE records give each capture's duration and its
thread and fd phases (wall time of the capturing thread), and how many
threads were unwound.

Prints markdown tables; --write-readme puts them into bench/README.md
between the periodic-results markers.  Python 3 standard library only.
"""

import argparse
import collections
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
import run_env  # noqa: E402  (bench/run_env.py, next to this file)

BEGIN = "<!-- periodic-results:begin -->"
END = "<!-- periodic-results:end -->"
TARGETS = ["bbx_parked_target", "bbx_preload", "bbx_cli"]
TARGET_PCT_1S = 0.1        # % of one core at a snapshot a second (issue 9)
BEFORE_MS_PER_SNAP = 3.6   # reported in issue 9 at commit 9137d67
SAMPLE = 40                # snapshots read back per run for their CAPTURE records


def die(msg, code=2):
    print("run_periodic: " + msg, file=sys.stderr)
    sys.exit(code)


def build(build_dir):
    run_env.release_build(build_dir, TARGETS, "run_periodic")


def paths(build_dir):
    p = {"target": os.path.join(build_dir, "bench", "parked_target"),
         "preload": os.path.join(build_dir, "collector", "libbbx-preload.so"),
         "bbx": os.path.join(build_dir, "analyzer", "bbx")}
    for v in p.values():
        if not os.path.exists(v):
            die("%s: no such file (build first, or drop --no-build)" % v)
    return p


def count_snaps(d):
    return sum(1 for f in os.listdir(d) if f.endswith(".bbx"))


def run_target(p, args, interval_ms, track):
    """One run; returns cpu_us, wall_us, snapshots in the window, and the
    capture statistics of a sample of them."""
    tmp = tempfile.mkdtemp(prefix="bbx-periodic-")
    try:
        snap_dir, scratch = os.path.join(tmp, "snaps"), os.path.join(tmp, "scratch")
        os.mkdir(snap_dir)
        os.mkdir(scratch)
        env = {k: v for k, v in os.environ.items() if not k.startswith("BBX_")}
        env.pop("LD_PRELOAD", None)
        if interval_ms:
            env.update(BBX_DIR=snap_dir, BBX_INTERVAL_MS=str(interval_ms),
                       LD_PRELOAD=p["preload"])
            if track:
                env["BBX_TRACK"] = track
        proc = subprocess.Popen([p["target"], str(args.threads), str(args.fds),
                                 str(args.seconds), scratch], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=env)
        if proc.stdout.readline().strip() != "ready":
            proc.kill()
            die("parked_target did not start: " + proc.stderr.read().strip(), 1)
        n0 = count_snaps(snap_dir)
        done = proc.stdout.readline()
        n1 = count_snaps(snap_dir)
        proc.wait()
        if not done.startswith("done ") or proc.returncode != 0:
            die("parked_target exited %d: %s" % (proc.returncode, proc.stderr.read().strip()), 1)
        kv = dict(t.split("=") for t in done.split()[1:])
        res = {"cpu_us": float(kv["cpu_us"]), "wall_us": float(kv["wall_us"]),
               "snaps": n1 - n0, "caps": capture_stats(p["bbx"], snap_dir)}
        return res
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def capture_stats(bbx, snap_dir):
    """CAPTURE figures of up to SAMPLE snapshots spread over the run."""
    snaps = sorted(f for f in os.listdir(snap_dir) if f.endswith(".bbx"))
    if len(snaps) > SAMPLE:
        snaps = [snaps[round(i * (len(snaps) - 1) / (SAMPLE - 1))] for i in range(SAMPLE)]
    rows, statuses, methods = [], collections.Counter(), collections.Counter()
    for f in snaps:
        r = subprocess.run([bbx, "show", "--json", "--no-symbols", os.path.join(snap_dir, f)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            continue
        doc = json.loads(r.stdout)
        rows.append(doc.get("capture") or {})
        for t in doc.get("threads") or []:
            statuses[t.get("status")] += 1
            if "stack_method" in t:  # how the stack was obtained
                methods[t["stack_method"] + (" (reused)" if t.get("reused") else "")] += 1
    med = lambda k: statistics.median(r.get(k, 0) for r in rows) if rows else float("nan")
    return {"n": len(rows), "duration_us": med("duration_us"), "threads_us": med("threads_us"),
            "fds_us": med("fds_us"), "threads": med("threads"), "unwound": med("unwound"),
            "fds": med("fds"), "statuses": statuses, "methods": methods}


def pct(cpu_us, wall_us):
    return 100.0 * cpu_us / wall_us


def tables(base, runs, args, env):
    L = ["Measured %s on %d CPUs (%s), Linux %s; load average %s before, %s after; "
         "collector at commit %s." % (env["date"], env["nproc"], env["cpu"], env["kernel"],
                                      env["load0"], env["load1"], env["rev"]),
         "",
         "parked_target: %d parked threads + main, %d fds, a %g s window per run%s."
         % (args.threads, args.fds, args.seconds,
            "; BBX_TRACK=%s" % args.track if args.track else ""),
         "",
         "| interval | snapshots in the window | process CPU, ms (without bbx: %.1f) "
         "| bbx's CPU, %% of one core | bbx's CPU per snapshot, ms | with / without bbx "
         "| measured / target (%.1f%% at 1 s) |" % (base["cpu_us"] / 1e3, TARGET_PCT_1S),
         "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for ms, r in runs:
        extra = r["cpu_us"] - base["cpu_us"]
        p = pct(extra, r["wall_us"])
        per = extra / 1e3 / r["snaps"] if r["snaps"] else float("nan")
        ratio = ("%.0f×" % (r["cpu_us"] / base["cpu_us"]) if base["cpu_us"] >= 100
                 else "n/a (%.0f µs without)" % base["cpu_us"])
        # the target at 1 s scales with the rate: 0.1% at 1 s is 1 ms per snapshot
        target = TARGET_PCT_1S * 1000.0 / ms
        L.append("| %d ms | %d | %.1f | %.3f%% | %.2f | %s | %.1f× |"
                 % (ms, r["snaps"], r["cpu_us"] / 1e3, p, per, ratio, p / target))
    L += ["", "From the snapshots' CAPTURE records (medians of up to %d snapshots per run; "
          "wall time of the capturing thread):" % SAMPLE, "",
          "| interval | capture, ms | threads phase, ms | fd phase, ms | threads / unwound "
          "| fds | thread statuses | stack methods |",
          "| ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"]
    for ms, r in runs:
        c = r["caps"]
        L.append("| %d ms | %.2f | %.2f | %.2f | %g / %g | %g | %s | %s |" % (
            ms, c["duration_us"] / 1e3, c["threads_us"] / 1e3, c["fds_us"] / 1e3,
            c["threads"], c["unwound"], c["fds"],
            ", ".join("%s %d" % kv for kv in sorted(c["statuses"].items())) or "-",
            ", ".join("%s %d" % kv for kv in sorted(c["methods"].items())) or "not reported"))
    return "\n".join(L)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", default=os.path.join(run_env.REPO, "build-bench"))
    ap.add_argument("--no-build", action="store_true", help="use the existing build")
    ap.add_argument("--threads", type=int, default=30, help="parked threads (default 30)")
    ap.add_argument("--fds", type=int, default=200, help="fds (default 200)")
    ap.add_argument("--seconds", type=float, default=20.0, help="window per run (default 20)")
    ap.add_argument("--intervals", default="1000,100", help="BBX_INTERVAL_MS values")
    ap.add_argument("--track", default="", help="BBX_TRACK for the bbx runs (default none)")
    ap.add_argument("--write-readme", action="store_true",
                    help="put the tables into bench/README.md")
    args = ap.parse_args()
    try:
        intervals = [int(x) for x in args.intervals.split(",")]
        assert all(i >= 10 for i in intervals)
    except (ValueError, AssertionError):
        die("--intervals wants milliseconds (at least 10), comma-separated")
    if not args.no_build:
        build(args.build_dir)
    p = paths(args.build_dir)

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    env = run_env.machine()
    env.update(load0=run_env.loadavg(), rev=run_env.git_rev())
    log("without bbx: %g s" % args.seconds)
    base = run_target(p, args, 0, "")
    log("  cpu %.1f ms" % (base["cpu_us"] / 1e3))
    runs = []
    for ms in intervals:
        log("BBX_INTERVAL_MS=%d: %g s" % (ms, args.seconds))
        r = run_target(p, args, ms, args.track)
        log("  cpu %.1f ms, %d snapshots" % (r["cpu_us"] / 1e3, r["snaps"]))
        runs.append((ms, r))
    env["load1"] = run_env.loadavg()
    text = tables(base, runs, args, env)
    print(text)
    if args.write_readme:
        if not run_env.write_readme_section(BEGIN, END, text):
            die("bench/README.md has no periodic-results markers")
        log("wrote the results into bench/README.md")


if __name__ == "__main__":
    main()
