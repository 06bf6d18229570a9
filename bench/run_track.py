#!/usr/bin/env python3
"""Tracking-cost benchmark: what bbx tracking mode adds per call, beside valgrind.

Runs bench/track_cost.c's three loops (open+close of /dev/null, socket+close,
pthread_create+join; each from 32 frames deep, so a recorded creation stack
is 32 frames) in one run, in four ways:

  plain      track_cost_plain: no libbbx at all
  linked     track_cost --no-track: libbbx linked and initialised, tracking off
  tracked    track_cost: libbbx with tracking of fds and threads
  valgrind   valgrind --track-fds=yes track_cost_plain (fewer iterations)

The processes are started in turns (plain, linked, tracked, plain, ...) so
that a slow moment of the machine hits every mode alike; each prints the time
per iteration of every repetition, and the tables give medians over all of
them.  "Added" is a median minus the plain median.

Prints markdown; --write-readme puts it into bench/README.md between the
tracking results markers.  Python 3 standard library only.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
import run_env  # noqa: E402  (bench/run_env.py, next to this file)
from run_env import git_rev, loadavg, machine  # noqa: E402

HERE = run_env.HERE
REPO = run_env.REPO
BEGIN = "<!-- track-results:begin -->"
END = "<!-- track-results:end -->"
LOOPS = ["open_close", "socket_close", "thread_create_join"]
LOOP_NAMES = {"open_close": "open + close", "socket_close": "socket + close",
              "thread_create_join": "pthread_create + join"}
TARGET_NS = 1000.0  # added per tracked open+close, median


def die(msg, code=2):
    print("run_track: " + msg, file=sys.stderr)
    sys.exit(code)


def build(build_dir):
    cfg = ["cmake", "-S", REPO, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release",
           "-DBBX_BUILD_TESTS=OFF", "-DBBX_BUILD_SAMPLES=OFF"]
    bld = ["cmake", "--build", build_dir, "--target", "bbx_track_cost", "bbx_track_cost_plain",
           "-j", str(os.cpu_count() or 2)]
    for cmd in (cfg, bld):
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            sys.stderr.write(r.stdout)
            die("build failed: " + " ".join(cmd[:2]))


def run_once(cmd, env):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    if r.returncode != 0:
        die("%s failed (exit %d): %s" % (" ".join(cmd), r.returncode, r.stderr.strip()[-400:]), 1)
    reps = {}
    for line in r.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "rep":
            reps.setdefault(parts[1], []).append(float(parts[2]))
    return reps


def fmt(v):
    if v != v:
        return "n/a"
    if abs(v) >= 10000:
        return "%.1f µs" % (v / 1000)
    return "%.0f ns" % v


def tables(med, env):
    L = []
    L.append("Measured %s on %d CPUs (%s), Linux %s; load average %s before, %s after; "
             "collector at commit %s; %s."
             % (env["date"], env["nproc"], env["cpu"], env["kernel"], env["load0"],
                env["load1"], env["rev"], env["valgrind"]))
    L.append("")
    L.append("%d rounds of one process per mode (valgrind: %d), %d repetitions each of %d "
             "iterations (threads: %d; valgrind: %d and %d), called %d frames deep; medians "
             "of the time per iteration over all repetitions."
             % (env["rounds"], env["vg_rounds"], env["reps"], env["iters"], env["thread_iters"],
                env["vg_iters"], env["vg_thread_iters"], env["depth"]))
    L.append("")
    L.append("| loop | plain | linked, tracking off | tracked | valgrind --track-fds=yes "
             "| added by tracking (vs plain) | added by tracking (vs linked) "
             "| added by valgrind | valgrind added / bbx added |")
    L.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for loop in LOOPS:
        p, l, t, v = (med[m].get(loop, float("nan"))
                      for m in ("plain", "linked", "tracked", "valgrind"))
        added = t - p
        ratio = (v - p) / added if added > 0 else float("nan")
        L.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            LOOP_NAMES[loop], fmt(p), fmt(l), fmt(t), fmt(v), fmt(added), fmt(t - l),
            fmt(v - p), "%.0f×" % ratio if ratio == ratio else "n/a"))
    L.append("")
    added = med["tracked"]["open_close"] - med["plain"]["open_close"]
    L.append("| target | wanted | measured | met |")
    L.append("| --- | --- | --- | --- |")
    L.append("| added per tracked open+close, %d-frame creation stack (median) | < %s | %s | %s |"
             % (env["depth"], fmt(TARGET_NS), fmt(added), "yes" if added < TARGET_NS else "**no**"))
    L.append("")
    return "\n".join(L)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", default=os.path.join(REPO, "build-bench"),
                    help="CMake build directory (default: build-bench in the repository)")
    ap.add_argument("--no-build", action="store_true", help="use the existing build")
    ap.add_argument("--rounds", type=int, default=5, help="processes per mode")
    ap.add_argument("--reps", type=int, default=7, help="repetitions per process")
    ap.add_argument("--iters", type=int, default=50000, help="fd iterations per repetition")
    ap.add_argument("--thread-iters", type=int, default=2000,
                    help="thread iterations per repetition")
    ap.add_argument("--depth", type=int, default=32, help="frames above the loop")
    ap.add_argument("--vg-rounds", type=int, default=1, help="valgrind processes")
    ap.add_argument("--vg-iters", type=int, default=5000, help="fd iterations under valgrind")
    ap.add_argument("--vg-thread-iters", type=int, default=200,
                    help="thread iterations under valgrind")
    ap.add_argument("--no-valgrind", action="store_true", help="skip the valgrind runs")
    ap.add_argument("--write-readme", action="store_true",
                    help="put the tables into bench/README.md")
    args = ap.parse_args()

    if not args.no_valgrind and not shutil.which("valgrind"):
        die("valgrind not found; install it with scripts/install-deps.sh --bench "
            "(Debian/Ubuntu: apt-get install valgrind) or pass --no-valgrind")
    if not args.no_build:
        if not shutil.which("cmake"):
            die("cmake not found")
        build(args.build_dir)
    tracked_exe = os.path.join(args.build_dir, "bench", "track_cost")
    plain_exe = os.path.join(args.build_dir, "bench", "track_cost_plain")
    for exe in (tracked_exe, plain_exe):
        if not os.access(exe, os.X_OK):
            die("no %s in the build directory; drop --no-build" % os.path.basename(exe))

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    workdir = tempfile.mkdtemp(prefix="bbx-track-bench-")
    env = dict(os.environ, BBX_DIR=workdir, LC_ALL="C")
    for k in ("BBX_TRACK", "BBX_TRACK_FRAMES", "LD_PRELOAD"):
        env.pop(k, None)
    common = ["--reps", str(args.reps), "--depth", str(args.depth)]
    fd_args = ["--iters", str(args.iters), "--thread-iters", str(args.thread_iters)]
    modes = {
        "plain": [plain_exe] + common + fd_args,
        "linked": [tracked_exe, "--no-track"] + common + fd_args,
        "tracked": [tracked_exe] + common + fd_args,
    }
    info = machine()
    info.update(load0=loadavg(), rev=git_rev(), rounds=args.rounds, reps=args.reps,
                iters=args.iters, thread_iters=args.thread_iters, depth=args.depth,
                vg_rounds=0 if args.no_valgrind else args.vg_rounds, vg_iters=args.vg_iters,
                vg_thread_iters=args.vg_thread_iters, valgrind="valgrind not run")
    samples = {m: {} for m in ("plain", "linked", "tracked", "valgrind")}
    try:
        for rnd in range(args.rounds):
            for mode, cmd in modes.items():
                for loop, v in run_once(cmd, env).items():
                    samples[mode].setdefault(loop, []).extend(v)
            log("round %d/%d done" % (rnd + 1, args.rounds))
        if not args.no_valgrind:
            r = subprocess.run(["valgrind", "--version"], stdout=subprocess.PIPE, text=True)
            info["valgrind"] = r.stdout.strip()
            vg = ["valgrind", "--quiet", "--track-fds=yes", "--log-file=/dev/null", plain_exe,
                  "--iters", str(args.vg_iters), "--thread-iters", str(args.vg_thread_iters)
                  ] + common
            for rnd in range(args.vg_rounds):
                for loop, v in run_once(vg, env).items():
                    samples["valgrind"].setdefault(loop, []).extend(v)
                log("valgrind round %d/%d done" % (rnd + 1, args.vg_rounds))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    info["load1"] = loadavg()

    med = {m: {loop: statistics.median(v) for loop, v in d.items()} for m, d in samples.items()}
    text = tables(med, info)
    print(text)
    if args.write_readme:
        if not run_env.write_readme_section(BEGIN, END, text):
            die("bench/README.md has no tracking results markers")
        log("wrote the results into bench/README.md")


if __name__ == "__main__":
    main()
