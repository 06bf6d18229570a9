#!/usr/bin/env python3
"""Heap-tracking benchmark: what BBX_TRACK=heap costs, beside heaptrack and
valgrind --tool=massif on the same workloads in the same run.

Workloads (each run plain, under libbbx-preload.so with BBX_TRACK=heap at
the default interval, under heaptrack, and under massif):

  churn    bench/heap_churn.c: 8 threads replacing small objects (16 to 271
           bytes) in a ring; its own clock, from the first thread started
           to the last joined
  xz       xz -T2 -2 compressing generated text (--xz-mib MiB), wall time
  python   python3 running a script that builds and drops dicts, lists and
           strings, wall time

and the added cost of an unsampled malloc + free pair: heap_churn pair
plain, preloaded with tracking off, and preloaded with BBX_TRACK=heap at
BBX_HEAP_SAMPLE=64G (nothing is sampled).  Plain and bbx runs alternate,
--reps times each (heaptrack --tool-reps, massif once); medians.  The
snapshot size is the at-exit snapshot (BBX_AT_EXIT=1) of a separate run of
each workload at the default interval.

Prints markdown; --write-readme puts it into bench/README.md between the
heap results markers.  Python 3 standard library only.
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
import run_env  # noqa: E402  (bench/run_env.py, next to this file)
from run_env import git_rev, loadavg, machine  # noqa: E402

HERE = run_env.HERE
REPO = run_env.REPO
BEGIN = "<!-- heap-results:begin -->"
END = "<!-- heap-results:end -->"
TARGET_CHURN = 0.05      # added time on the churn, fraction of plain
TARGET_PAIR_NS = 20.0    # added per unsampled malloc + free
TARGET_SNAP = 64 << 10   # snapshot bytes

PY_SCRIPT = """
import random
random.seed(1)
total = 0
for rnd in range(12):
    d = {}
    for i in range(60000):
        d["k%d-%d" % (rnd, i)] = [i, str(i) * (i % 7), {"x": i}]
    total += sum(len(v[1]) for v in d.values())
    keep = [d[k] for k in random.sample(sorted(d), 2000)]
    del d
print(total, len(keep))
"""


def die(msg, code=2):
    print("run_heap: " + msg, file=sys.stderr)
    sys.exit(code)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def build(build_dir):
    cfg = ["cmake", "-S", REPO, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release",
           "-DBBX_BUILD_TESTS=OFF", "-DBBX_BUILD_SAMPLES=OFF"]
    bld = ["cmake", "--build", build_dir, "--target", "bbx_preload", "bbx_heap_churn",
           "-j", str(os.cpu_count() or 2)]
    for cmd in (cfg, bld):
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            sys.stderr.write(r.stdout)
            die("build failed: " + " ".join(cmd[:2]))


def gen_text(path, mib):
    """Pseudo-text that xz compresses about 4:1 (deterministic)."""
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
             "india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa"]
    s, out, size = 12345, [], 0
    with open(path, "w") as fh:
        while size < mib << 20:
            s = (s * 6364136223846793005 + 1442695040888963407) & (2 ** 64 - 1)
            w = words[(s >> 33) % 16] + ("%d" % ((s >> 40) % 1000) if (s >> 20) % 5 == 0 else "")
            out.append(w)
            size += len(w) + 1
            if len(out) == 12:
                fh.write(" ".join(out) + "\n")
                out = []


class Runner:
    def __init__(self, a, work):
        self.a = a
        self.work = work
        self.preload = os.path.join(a.build_dir, "collector", "libbbx-preload.so")
        self.churn = os.path.join(a.build_dir, "bench", "heap_churn")
        self.base = {k: v for k, v in os.environ.items() if not k.startswith("BBX_")}
        self.base.pop("LD_PRELOAD", None)
        self.base["LC_ALL"] = "C"
        self.n = 0

    def env(self, mode, extra=None):
        e = dict(self.base)
        if mode == "bbx":
            self.n += 1
            e.update(LD_PRELOAD=self.preload, BBX_TRACK="heap",
                     BBX_DIR=os.path.join(self.work, "snaps-%d" % self.n))
        e.update(extra or {})
        return e

    def wrap(self, mode, cmd):
        if mode == "heaptrack":
            return ["heaptrack", "-o", os.path.join(self.work, "ht-%d" % time.monotonic_ns())] + cmd
        if mode == "massif":
            return ["valgrind", "--tool=massif", "--quiet",
                    "--massif-out-file=" + os.path.join(self.work, "massif.out")] + cmd
        return cmd

    def run(self, mode, cmd, extra=None, own_clock=False):
        """Seconds: the program's own "time" line, or wall time."""
        full = self.wrap(mode, cmd)
        t0 = time.perf_counter()
        r = subprocess.run(full, env=self.env(mode, extra),
                           stdout=subprocess.PIPE if own_clock else subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True, errors="replace")
        wall = time.perf_counter() - t0
        if r.returncode != 0:
            die("%s failed (exit %d): %s" % (" ".join(full), r.returncode, r.stderr[-400:]), 1)
        if own_clock:
            for line in r.stdout.splitlines():
                if line.startswith("time "):
                    return float(line.split()[1])
        return wall

    def snapshot(self, cmd):
        """Size in bytes and stacks of the at-exit snapshot of cmd, tracked."""
        d = os.path.join(self.work, "size-%d" % time.monotonic_ns())
        subprocess.run(cmd, env=self.env("bbx", {"BBX_DIR": d, "BBX_AT_EXIT": "1"}),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        files = [f for f in glob.glob(os.path.join(d, "*.bbx"))
                 if os.path.basename(cmd[0])[:8] in os.path.basename(f)]
        if not files:
            return float("nan"), "?"
        f = max(files, key=os.path.getsize)
        stacks = "?"
        check = os.path.join(self.a.build_dir, "tests", "heap", "heap_check")
        if os.access(check, os.X_OK):
            r = subprocess.run([check, "--print", f], stdout=subprocess.PIPE, text=True)
            w = r.stdout.split()
            stacks = dict(zip(w[0::2], w[1::2])).get("stacks", "?")
        return os.path.getsize(f), stacks


def fmt_t(v):
    return "n/a" if v != v else ("%.2f s" % v if v >= 1 else "%.0f ms" % (v * 1000))


def fmt_r(v, p):
    return "n/a" if v != v or p != p else "%.2f×" % (v / p)


def tables(res, pair, snaps, info):
    L = ["Measured %s on %d CPUs (%s), Linux %s; load average %s before, %s after; collector "
         "at commit %s; %s; %s." % (info["date"], info["nproc"], info["cpu"], info["kernel"],
                                   info["load0"], info["load1"], info["rev"], info["heaptrack"],
                                   info["valgrind"]), "",
         "%d alternating runs of plain and bbx, %d of heaptrack, 1 of massif; medians.  "
         "bbx: libbbx-preload.so, BBX_TRACK=heap, default interval (512 KiB).  churn: %d "
         "threads × %d replacements, its own clock; xz: `xz -T2 -2` of %d MiB; python: "
         "python3 on the script in run_heap.py; wall time." % (
             info["reps"], info["tool_reps"], 8, info["churn_iters"], info["xz_mib"]), "",
         "| workload | plain | bbx heap | heaptrack | massif | bbx / plain | heaptrack / plain "
         "| massif / plain | bbx snapshot (zstd) | heap stacks in it |",
         "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for w in ("churn", "xz", "python"):
        m = {k: statistics.median(v) if v else float("nan") for k, v in res[w].items()}
        size, stacks = snaps[w]
        L.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            w, fmt_t(m["plain"]), fmt_t(m["bbx"]), fmt_t(m["heaptrack"]), fmt_t(m["massif"]),
            fmt_r(m["bbx"], m["plain"]), fmt_r(m["heaptrack"], m["plain"]),
            fmt_r(m["massif"], m["plain"]),
            "%.1f KiB" % (size / 1024) if size == size else "n/a", stacks))
    L.append("")
    pm = {k: statistics.median(v) for k, v in pair.items()}
    L.append("| malloc(32) + free, tight loop | plain | preloaded, tracking off | "
             "BBX_TRACK=heap, nothing sampled | added vs plain | added vs tracking off |")
    L.append("| --- | ---: | ---: | ---: | ---: | ---: |")
    L.append("| ns per pair (median) | %.1f | %.1f | %.1f | %.1f | %.1f |" % (
        pm["plain"], pm["off"], pm["huge"], pm["huge"] - pm["plain"], pm["huge"] - pm["off"]))
    L.append("")
    churn = {k: statistics.median(v) for k, v in res["churn"].items() if v}
    added = churn["bbx"] / churn["plain"] - 1
    big = max(s for s, _ in snaps.values() if s == s)
    L.append("| target | wanted | measured | met |")
    L.append("| --- | --- | --- | --- |")
    L.append("| added time on the churn, default interval | < %.0f%% | %+.1f%% | %s |" % (
        TARGET_CHURN * 100, added * 100, "yes" if added < TARGET_CHURN else "**no**"))
    d = pm["huge"] - pm["plain"]
    L.append("| added per unsampled malloc + free | < %.0f ns | %.1f ns | %s |" % (
        TARGET_PAIR_NS, d, "yes" if d < TARGET_PAIR_NS else "**no**"))
    L.append("| largest snapshot with heap tracking | < 64 KiB | %.1f KiB | %s |" % (
        big / 1024, "yes" if big < TARGET_SNAP else "**no**"))
    L.append("")
    return "\n".join(L)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", default=os.path.join(REPO, "build-bench"))
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--reps", type=int, default=7, help="plain and bbx runs per workload")
    ap.add_argument("--tool-reps", type=int, default=3, help="heaptrack runs per workload")
    ap.add_argument("--churn-iters", type=int, default=4000000)
    ap.add_argument("--xz-mib", type=int, default=16)
    ap.add_argument("--pair-iters", type=int, default=20000000)
    ap.add_argument("--write-readme", action="store_true")
    a = ap.parse_args()
    for tool, pkg in (("heaptrack", "heaptrack"), ("valgrind", "valgrind"), ("xz", "xz-utils")):
        if not shutil.which(tool):
            die("%s not found; scripts/install-deps.sh --bench installs it (%s)" % (tool, pkg))
    if not a.no_build:
        build(a.build_dir)
    work = tempfile.mkdtemp(prefix="bbx-heap-bench-")
    R = Runner(a, work)
    for exe in (R.preload, R.churn):
        if not os.path.exists(exe):
            die("no %s in the build directory; drop --no-build" % exe)
    info = machine()
    info.update(load0=loadavg(), rev=git_rev(), reps=a.reps, tool_reps=a.tool_reps,
                churn_iters=a.churn_iters, xz_mib=a.xz_mib)
    for tool, key in (("heaptrack", "heaptrack"), ("valgrind", "valgrind")):
        r = subprocess.run([tool, "--version"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        info[key] = r.stdout.strip().splitlines()[0] if r.stdout else tool
    text_path = os.path.join(work, "text.txt")
    gen_text(text_path, a.xz_mib)
    py_path = os.path.join(work, "bench.py")
    with open(py_path, "w") as fh:
        fh.write(PY_SCRIPT)
    loads = {"churn": ([R.churn, "churn", "8", str(a.churn_iters)], True),
             "xz": (["xz", "-T2", "-2", "-c", "-k", text_path], False),
             "python": (["python3", py_path], False)}
    res = {w: {m: [] for m in ("plain", "bbx", "heaptrack", "massif")} for w in loads}
    try:
        for w, (cmd, own) in loads.items():
            for i in range(a.reps):
                for mode in ("plain", "bbx"):
                    res[w][mode].append(R.run(mode, cmd, own_clock=own))
            for i in range(a.tool_reps):
                res[w]["heaptrack"].append(R.run("heaptrack", cmd, own_clock=own))
            res[w]["massif"].append(R.run("massif", cmd, own_clock=own))
            log("%s done" % w)
        pair = {"plain": [], "off": [], "huge": []}
        for i in range(3):
            for mode, extra in (("plain", None), ("off", {"LD_PRELOAD": R.preload}),
                                ("huge", {"LD_PRELOAD": R.preload, "BBX_TRACK": "heap",
                                          "BBX_HEAP_SAMPLE": "64G", "BBX_DIR": work})):
                r = subprocess.run([R.churn, "pair", str(a.pair_iters), "3"], stdout=subprocess.PIPE,
                                   text=True, env=dict(R.base, **(extra or {})))
                pair[mode] += [float(l.split()[2]) for l in r.stdout.splitlines()
                               if l.startswith("rep pair")]
        log("pair done")
        snaps = {w: R.snapshot(cmd) for w, (cmd, _) in loads.items()}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    info["load1"] = loadavg()
    text = tables(res, pair, snaps, info)
    print(text)
    if a.write_readme:
        if not run_env.write_readme_section(BEGIN, END, text):
            die("bench/README.md has no heap results markers")
        log("wrote the results into bench/README.md")


if __name__ == "__main__":
    main()
