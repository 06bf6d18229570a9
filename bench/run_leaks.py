#!/usr/bin/env python3
"""Leak analysis benchmark: `bbx leaks` over a 1,000-snapshot series.

bench/gen_series.c writes N periodic snapshots of one process, F fds each
with ORIGIN records of 32-frame creation stacks inside gen_series itself (a
real binary with debug information, so symbolization is exercised), a steady
part, random short-lived noise and a few growing groups.  This script times
`bbx leaks DIR` and `bbx leaks --json DIR` over them (median of --runs, peak
RSS of each run), checks that exactly the planted leaks are found, and
prints a markdown table; --write-readme puts it into bench/README.md between
the leaks results markers.  Python 3 standard library only.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
README = os.path.join(HERE, "README.md")
BEGIN = "<!-- leaks-results:begin -->"
END = "<!-- leaks-results:end -->"
TARGET_S = 2.0
# What gen_series plants: socket, pipe and file fd leaks, a thread leak,
# zombies (resource, kind).
PLANTED = {("fd", "socket"), ("fd", "pipe"), ("fd", "file"), ("thread", "thread"),
           ("child", "zombie")}


def die(msg, code=2):
    print("run_leaks: " + msg, file=sys.stderr)
    sys.exit(code)


def build(build_dir):
    if not shutil.which("cmake"):
        die("cmake is missing (scripts/install-deps.sh)")
    subprocess.run(["cmake", "-S", REPO, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release"],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", build_dir, "-j", str(os.cpu_count() or 2),
                    "--target", "bbx_cli", "bbx_gen_series"], check=True,
                   stdout=subprocess.DEVNULL)


def timed(cmd):
    """Run cmd; returns (seconds, peak RSS in MiB, exit code, stdout)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    rc = os.waitstatus_to_exitcode(status)
    if rc not in (0, 1):
        die("%s exited %d: %s" % (" ".join(cmd), rc, err.decode(errors="replace").strip()))
    return elapsed, usage.ru_maxrss / 1024.0, rc, out


def dir_size(path):
    return sum(os.path.getsize(os.path.join(path, f)) for f in os.listdir(path))


def run_case(bbx, work, mode, runs):
    args = [bbx, "leaks"] + (["--json"] if mode == "json" else []) + \
        (["--no-symbols"] if mode == "nosym" else []) + [work]
    times, rss, out, rc = [], [], b"", 0
    for _ in range(runs):
        t, m, rc, out = timed(args)
        times.append(t)
        rss.append(m)
    return {"median": statistics.median(times), "min": min(times), "rss": max(rss),
            "rc": rc, "out": out}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", default=os.path.join(REPO, "build-bench"),
                    help="CMake build directory (default: build-bench in the repository)")
    ap.add_argument("--no-build", action="store_true", help="use the existing build")
    ap.add_argument("--work", help="where the series goes (default: BUILD/leakbench)")
    ap.add_argument("--snapshots", type=int, default=1000)
    ap.add_argument("--fds", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--write-readme", action="store_true",
                    help="put the results into bench/README.md")
    a = ap.parse_args()

    if not a.no_build:
        build(a.build_dir)
    bbx = os.path.join(a.build_dir, "analyzer", "bbx")
    gen = os.path.join(a.build_dir, "bench", "gen_series")
    for p in (bbx, gen):
        if not os.access(p, os.X_OK):
            die("%s is missing: build first (or drop --no-build)" % p)
    work = a.work or os.path.join(a.build_dir, "leakbench")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    t0 = time.perf_counter()
    subprocess.run([gen, work, str(a.snapshots), str(a.fds)], check=True)
    gen_s = time.perf_counter() - t0
    size = dir_size(work)

    results = {m: run_case(bbx, work, m, a.runs) for m in ("text", "json", "nosym")}
    doc = json.loads(results["json"]["out"])
    found = {(g["resource"], g["kind"]) for g in doc["leaks"]}
    if found != PLANTED or results["json"]["rc"] != 1:
        die("expected the planted leaks %s, found %s (exit %d)"
            % (sorted(PLANTED), sorted(found), results["json"]["rc"]), 1)
    symbolized = all(g["origin"] and g["origin"][0]["function"]
                     for g in doc["leaks"] if g["resource"] != "child")

    lines = []
    lines.append("Run %s on %s, %s (%d CPUs); `python3 bench/run_leaks.py%s`." % (
        datetime.date.today().isoformat(), platform.node() and "Linux " + platform.release(),
        platform.machine(), os.cpu_count() or 0,
        " --write-readme" if a.write_readme else ""))
    lines.append("")
    lines.append("Series: %d snapshots of one process, %d fds each (ORIGIN records with "
                 "32-frame stacks), %.1f MB on disk (%.1f KB a snapshot), written in %.1f s."
                 % (doc["snapshots"], a.fds, size / 1e6, size / 1e3 / max(1, a.snapshots),
                    gen_s))
    lines.append("")
    lines.append("| command | median s | fastest s | peak RSS MiB | per snapshot ms |")
    lines.append("| --- | --- | --- | --- | --- |")
    names = {"text": "`bbx leaks DIR`", "json": "`bbx leaks --json DIR`",
             "nosym": "`bbx leaks --no-symbols DIR`"}
    for m in ("text", "json", "nosym"):
        r = results[m]
        lines.append("| %s | %.3f | %.3f | %.1f | %.3f |" % (
            names[m], r["median"], r["min"], r["rss"], r["median"] * 1000 / a.snapshots))
    lines.append("")
    ok = results["text"]["median"] < TARGET_S and results["json"]["median"] < TARGET_S
    lines.append("Target: the %d-snapshot analysis under %.0f s: **%s**. Suspects found: "
                 "exactly the %d planted groups (%s), none of the steady or noise groups; "
                 "creation stacks symbolized: %s."
                 % (a.snapshots, TARGET_S, "met" if ok else "NOT met", len(PLANTED),
                    ", ".join("%s %s" % p for p in sorted(PLANTED)),
                    "yes" if symbolized else "NO"))
    text = "\n".join(lines)
    print(text)
    if a.write_readme:
        with open(README) as fh:
            readme = fh.read()
        if BEGIN not in readme or END not in readme:
            die("bench/README.md has no leaks results markers")
        i, j = readme.index(BEGIN) + len(BEGIN), readme.index(END)
        with open(README, "w") as fh:
            fh.write(readme[:i] + "\n" + text + "\n" + readme[j:])


if __name__ == "__main__":
    main()
