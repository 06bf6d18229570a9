#!/usr/bin/env python3
"""Hang watchdog benchmark (issue 12): what watching a main loop costs, and
how soon a freeze is written down.

bench/poll_loop runs plain and under libbbx-preload.so:

- per poll(): poll(NULL, 0, 0) in a loop, CPU time per call (the thread's
  own CPU clock, so other load on the machine does not count), without bbx
  and with BBX_HANG_MS set; the difference is what bbx adds to each poll of
  a busy main loop (target: under 50 ns), the ratio is with / without;
- per bbx_heartbeat(): the same for the call a render loop makes;
- idle: the program waits in poll() for --idle seconds; the CPU time of
  bbx's collector thread (its schedstat run time) over the window, as a
  percentage of one core (target: under 0.1%), for each limit;
- latency: the program spins for limit + 2 s after printing when it froze;
  latency is the hang snapshot's modification time minus that moment minus
  the limit: how long after the limit the freeze is on disk.

No tool people use today watches a main loop from inside the process
(desktops only grey out the window after about 5 s); the baseline for the
costs is the same program without bbx.  Prints markdown tables;
--write-readme puts them into bench/README.md between the hang-results
markers.  Python 3 standard library only.
"""

import argparse
import glob
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
import run_env  # noqa: E402

BEGIN = "<!-- hang-results:begin -->"
END = "<!-- hang-results:end -->"
TARGETS = ["bbx_poll_loop", "bbx_preload"]
TARGET_NS_PER_POLL = 50
TARGET_IDLE_PCT = 0.1


def die(msg, code=2):
    print("run_hang: " + msg, file=sys.stderr)
    sys.exit(code)


def build(build_dir):
    run_env.release_build(build_dir, TARGETS, "run_hang")


def env_for(snap_dir, hang_ms=None, preload=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("BBX_")}
    env.pop("LD_PRELOAD", None)
    if preload:
        env["LD_PRELOAD"] = preload
        env["BBX_DIR"] = snap_dir
    if hang_ms:
        env["BBX_HANG_MS"] = str(hang_ms)
    return env


def per_call(prog, mode, n, env):
    r = subprocess.run([prog, mode, str(n)], env=env, stdout=subprocess.PIPE, text=True,
                       check=True)
    return float(r.stdout.split()[1])


def collector_run_ns(pid):
    for comm in glob.glob("/proc/%d/task/*/comm" % pid):
        try:
            with open(comm) as fh:
                if fh.read().strip() != "bbx-collector":
                    continue
            with open(os.path.join(os.path.dirname(comm), "schedstat")) as fh:
                return int(fh.read().split()[0])
        except OSError:
            continue
    return None


def idle_pct(prog, preload, snap_dir, hang_ms, seconds):
    p = subprocess.Popen([prog, "idle", str(seconds + 3)],
                         env=env_for(snap_dir, hang_ms, preload))
    time.sleep(1.5)
    a, t0 = collector_run_ns(p.pid), time.monotonic()
    time.sleep(seconds)
    b, t1 = collector_run_ns(p.pid), time.monotonic()
    p.wait()
    if a is None or b is None:
        die("no bbx-collector thread found in the idle program")
    return 100.0 * (b - a) / ((t1 - t0) * 1e9)


def latency_ms(prog, preload, snap_dir, hang_ms):
    for f in os.listdir(snap_dir):
        os.unlink(os.path.join(snap_dir, f))
    r = subprocess.run([prog, "freeze", "300", str(hang_ms + 2000)],
                       env=env_for(snap_dir, hang_ms, preload), stdout=subprocess.PIPE,
                       text=True, check=True)
    freeze_at = int(r.stdout.split()[1])
    hangs = [f for f in os.listdir(snap_dir) if f.endswith("-hang.bbx")]
    if len(hangs) != 1:
        die("expected one hang snapshot, found %s" % os.listdir(snap_dir))
    written = os.stat(os.path.join(snap_dir, hangs[0])).st_mtime_ns / 1e6
    return written - freeze_at - hang_ms


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build-dir", default=os.path.join(run_env.REPO, "build-bench"))
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--reps", type=int, default=7, help="runs per figure (median)")
    ap.add_argument("--calls", type=int, default=2000000, help="poll() calls per run")
    ap.add_argument("--idle", type=int, default=20, help="seconds of the idle window")
    ap.add_argument("--limits", default="5000,1000,200", help="BBX_HANG_MS values")
    ap.add_argument("--latency-reps", type=int, default=5)
    ap.add_argument("--write-readme", action="store_true")
    args = ap.parse_args()
    if not args.no_build:
        build(args.build_dir)
    prog = os.path.join(args.build_dir, "bench", "poll_loop")
    preload = os.path.join(args.build_dir, "collector", "libbbx-preload.so")
    limits = [int(x) for x in args.limits.split(",")]
    snap_dir = tempfile.mkdtemp(prefix="bbx-bench-hang-")
    m = run_env.machine()
    load0 = run_env.loadavg()
    try:
        plain = [per_call(prog, "polls", args.calls, env_for(snap_dir)) for _ in range(args.reps)]
        bbx = [per_call(prog, "polls", args.calls, env_for(snap_dir, limits[0], preload))
               for _ in range(args.reps)]
        beats = [per_call(prog, "beats", args.calls * 5, env_for(snap_dir, limits[0], preload))
                 for _ in range(args.reps)]
        idle = {l: [idle_pct(prog, preload, snap_dir, l, args.idle) for _ in range(3)]
                for l in limits}
        lat = {l: [latency_ms(prog, preload, snap_dir, l) for _ in range(args.latency_reps)]
               for l in limits}
    finally:
        shutil.rmtree(snap_dir, ignore_errors=True)
    mp, mb, mh = statistics.median(plain), statistics.median(bbx), statistics.median(beats)
    out = []
    out.append("Run %s on %s (%d CPUs, kernel %s), commit %s, load %s -> %s."
               % (m["date"], m["cpu"], m["nproc"], m["kernel"], run_env.git_rev(), load0,
                  run_env.loadavg()))
    out.append("")
    out.append("| per call (CPU ns, median of %d x %d calls) | without bbx | with bbx "
               "(BBX_HANG_MS=%d) | added | ratio | target |" % (args.reps, args.calls, limits[0]))
    out.append("| --- | ---: | ---: | ---: | ---: | --- |")
    out.append("| poll(NULL, 0, 0) | %.1f | %.1f | %.1f | %.3fx | added < %d ns |"
               % (mp, mb, mb - mp, mb / mp, TARGET_NS_PER_POLL))
    out.append("| bbx_heartbeat() | - | %.1f | %.1f | - | - |" % (mh, mh))
    out.append("")
    out.append("| BBX_HANG_MS | tick | watchdog CPU while idle (%% of one core, %d s, median "
               "of 3) | target | hang on disk after the limit (ms, median / max of %d) |"
               % (args.idle, args.latency_reps))
    out.append("| ---: | ---: | ---: | --- | ---: |")
    for l in limits:
        tick = min(max(l / 10, 50), 250)
        out.append("| %d | %d ms | %.4f%% | < %.1f%% | %.0f / %.0f |"
                   % (l, tick, statistics.median(idle[l]), TARGET_IDLE_PCT,
                      statistics.median(lat[l]), max(lat[l])))
    text = "\n".join(out)
    print(text)
    if args.write_readme and not run_env.write_readme_section(BEGIN, END, text):
        die("bench/README.md has no hang-results markers")


if __name__ == "__main__":
    main()
