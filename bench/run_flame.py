#!/usr/bin/env python3
"""Flame graph benchmark: `bbx flame` over a million stacks, beside text tools.

bench/gen_stacks.c writes a periodic snapshot series whose THREAD records
hold a million stacks of depth 30 (default 1,000 snapshots x 1,000 threads)
inside gen_stacks itself, a real binary with DWARF, and the same stacks as
text, one line per thread as `bbx flame --format folded` counts them.  In
one run this script times (median of --runs after one untimed run, peak RSS
of each)

  bbx flame DIR --format folded -o OUT     (and with --no-symbols)
  bbx flame DIR --format svg -o OUT
  sort TEXT | uniq -c                      (LC_ALL=C)
  awk '{c[$0]++} END {...}' TEXT           (mawk and gawk, where installed)

checks that the folded counts are the uniq -c counts, stack for stack, and
add up to the number of stacks, and measures how long headless Chromium
takes to open the SVG (bench/svg_open_time.mjs, playwright-core from
tests/browser/node_modules).  Prints markdown; --write-readme puts it into
bench/README.md between the flame results markers.  Python 3 standard
library only.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys

sys.dont_write_bytecode = True
import run_env  # noqa: E402  (bench/run_env.py, next to this file)

HERE = run_env.HERE
REPO = run_env.REPO
BEGIN = "<!-- flame-results:begin -->"
END = "<!-- flame-results:end -->"
TARGET_AWK_RATIO = 5.0
TARGET_OPEN_MS = 1000.0
AWK_PROGRAM = "{c[$0]++} END {for (s in c) print s, c[s]}"


def die(msg, code=2):
    print("run_flame: " + msg, file=sys.stderr)
    sys.exit(code)


def log(msg):
    print("run_flame: " + msg, file=sys.stderr, flush=True)


def build(build_dir):
    if not shutil.which("cmake"):
        die("cmake is missing (scripts/install-deps.sh)")
    subprocess.run(["cmake", "-S", REPO, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release"],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", build_dir, "-j", str(os.cpu_count() or 2),
                    "--target", "bbx_cli", "bbx_gen_stacks"], check=True,
                   stdout=subprocess.DEVNULL)


def run_case(name, cmd, runs, out_path=None, env=None):
    """One untimed run (page cache), then `runs` timed ones.  cmd writes
    out_path itself, or its stdout goes there."""
    times, rss, cpu = [], [], []
    for i in range(runs + 1):
        sink = open(out_path, "wb") if out_path else None
        try:
            t, m, rc, err, c = run_env.timed(cmd, stdout=sink, env=env)
        finally:
            if sink:
                sink.close()
        if rc != 0:
            die("%s: %s exited %d: %s" % (name, " ".join(cmd), rc, err.strip()[:300]), 1)
        if i:
            times.append(t)
            rss.append(m)
            cpu.append(c)
    r = {"median": statistics.median(times), "min": min(times), "rss": max(rss),
         "cpu": statistics.median(cpu)}
    log("%-22s median %.3f s, fastest %.3f s, CPU %.3f s, peak RSS %.1f MiB"
        % (name, r["median"], r["min"], r["cpu"], r["rss"]))
    return r


def read_counts(path, count_first):
    """{stack: count} of a folded file ("stack N") or uniq -c output ("N stack")."""
    counts = {}
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line:
                continue
            if count_first:
                n, stack = line.lstrip().split(" ", 1)
            else:
                stack, n = line.rsplit(" ", 1)
            counts[stack] = counts.get(stack, 0) + int(n)
    return counts


def compare(name, got, want):
    if got == want:
        return None
    missing = [s for s in want if s not in got]
    extra = [s for s in got if s not in want]
    wrong = [s for s in want if s in got and got[s] != want[s]]
    sample = (missing or extra or wrong)[0]
    return ("%s differs from sort | uniq -c: %d stacks missing, %d extra, %d with other "
            "counts; e.g. %.200s" % (name, len(missing), len(extra), len(wrong), sample))


def browser_open(node_modules, chromium, svg, runs):
    """Median times of headless Chromium opening svg, or (None, reason)."""
    node = shutil.which("node")
    if not node:
        return None, "node is not installed"
    if not os.path.isdir(os.path.join(node_modules, "playwright-core")):
        return None, "no playwright-core in %s (npm ci in tests/browser)" % node_modules
    if not chromium:
        return None, "chromium is not installed (scripts/install-deps.sh --bench)"
    r = subprocess.run([node, os.path.join(HERE, "svg_open_time.mjs"), node_modules,
                        chromium, svg, str(runs)], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        return None, "svg_open_time.mjs failed: %s" % r.stderr.strip()[-300:]
    doc = json.loads(r.stdout)

    def med(key):
        vals = [x[key] for x in doc["runs"] if x.get(key) is not None]
        return statistics.median(vals) if vals else None

    return {"load": med("load"), "first_paint": med("firstPaint"), "goto": med("gotoMs"),
            "elements": doc["runs"][0]["elements"], "version": doc.get("version", "?"),
            "runs": len(doc["runs"])}, None


def dir_size(path):
    return sum(os.path.getsize(os.path.join(path, f)) for f in os.listdir(path))


def fmt_s(v):
    return "%.3f" % v if v < 10 else "%.1f" % v


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", default=os.path.join(REPO, "build-bench"),
                    help="CMake build directory (default: build-bench in the repository)")
    ap.add_argument("--no-build", action="store_true", help="use the existing build")
    ap.add_argument("--work", help="where the series and outputs go (default: BUILD/flamebench)")
    ap.add_argument("--snapshots", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=1000, help="threads per snapshot")
    ap.add_argument("--depth", type=int, default=30)
    ap.add_argument("--distinct", type=int, default=2000, help="different stacks")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per command")
    ap.add_argument("--browser-runs", type=int, default=5)
    ap.add_argument("--node-modules", default=os.path.join(REPO, "tests", "browser",
                                                           "node_modules"))
    ap.add_argument("--chromium", default=shutil.which("chromium") or
                    shutil.which("chromium-browser"))
    ap.add_argument("--write-readme", action="store_true",
                    help="put the results into bench/README.md")
    a = ap.parse_args()

    if not a.no_build:
        build(a.build_dir)
    bbx = os.path.join(a.build_dir, "analyzer", "bbx")
    gen = os.path.join(a.build_dir, "bench", "gen_stacks")
    for p in (bbx, gen):
        if not os.access(p, os.X_OK):
            die("%s is missing: build first (or drop --no-build)" % p)
    work = a.work or os.path.join(a.build_dir, "flamebench")
    snaps = os.path.join(work, "snapshots")
    text = os.path.join(work, "stacks.txt")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(snaps)
    env = run_env.machine()
    env["load0"] = run_env.loadavg()
    gen_s, _, rc, err, _ = run_env.timed([gen, "-n", str(a.snapshots), "-t", str(a.threads),
                                       "-d", str(a.depth), "-s", str(a.distinct), snaps, text])
    if rc != 0:
        die("gen_stacks failed: " + err.strip(), 1)
    total = a.snapshots * a.threads
    out = {k: os.path.join(work, "out." + k) for k in
           ("folded", "nosym", "svg", "uniq", "mawk", "gawk")}

    res = {}
    res["folded"] = run_case("bbx flame folded", [bbx, "flame", snaps, "--format", "folded",
                                                   "-o", out["folded"]], a.runs)
    res["nosym"] = run_case("bbx flame --no-symbols", [bbx, "flame", snaps, "--no-symbols",
                                                        "--format", "folded", "-o",
                                                        out["nosym"]], a.runs)
    res["svg"] = run_case("bbx flame svg", [bbx, "flame", snaps, "--format", "svg",
                                             "-o", out["svg"]], a.runs)
    c_env = dict(os.environ, LC_ALL="C")
    res["uniq"] = run_case("sort | uniq -c", ["sh", "-c", 'sort "$1" | uniq -c', "sh", text],
                           a.runs, out["uniq"], c_env)
    awks = [k for k in ("mawk", "gawk") if shutil.which(k)]
    for k in awks:
        res[k] = run_case(k, [k, AWK_PROGRAM, text], a.runs, out[k], c_env)

    want = read_counts(out["uniq"], True)
    problems = []
    if sum(want.values()) != total:
        problems.append("sort | uniq -c counted %d stacks, not %d" % (sum(want.values()), total))
    folded = read_counts(out["folded"], False)
    for name, got in [("bbx flame --format folded", folded)] + \
            [(k, read_counts(out[k], False)) for k in awks]:
        p = compare(name, got, want)
        if p:
            problems.append(p)
    if sum(folded.values()) != total:
        problems.append("the folded counts add up to %d, not %d" % (sum(folded.values()), total))
    with open(out["svg"], "rb") as fh:
        if b"<svg" not in fh.read(4096):
            problems.append("out.svg does not start an SVG document")

    browser, why_not = browser_open(a.node_modules, a.chromium, out["svg"], a.browser_runs)
    if why_not:
        log("browser: skipped: " + why_not)
    env["load1"] = run_env.loadavg()
    env["rev"] = run_env.git_rev()

    L = []
    L.append("Measured %s on %d CPUs (%s), Linux %s; load average %s before, %s after; "
             "commit %s; `python3 bench/run_flame.py%s`."
             % (env["date"], env["nproc"], env["cpu"], env["kernel"], env["load0"],
                env["load1"], env["rev"], " --write-readme" if a.write_readme else ""))
    L.append("")
    L.append("Input: %d snapshots x %d threads = %d stacks of depth %d, %d different "
             "(Zipf, exponent 1.1), written by gen_stacks in %.1f s: %.1f MB of snapshots, "
             "%.1f MB of text. Medians of %d runs after one untimed run; peak RSS is the "
             "largest of those runs (for the pipeline, its largest process)."
             % (a.snapshots, a.threads, total, a.depth, len(want), gen_s,
                dir_size(snaps) / 1e6, os.path.getsize(text) / 1e6, a.runs))
    L.append("")
    L.append("| command | reads | median s | fastest s | CPU s (median) | peak RSS MiB "
             "| output bytes |")
    L.append("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    rows = [("folded", "`bbx flame DIR --format folded -o OUT`", "snapshots"),
            ("nosym", "`bbx flame DIR --no-symbols --format folded -o OUT`", "snapshots"),
            ("svg", "`bbx flame DIR --format svg -o OUT`", "snapshots"),
            ("uniq", "`sort TEXT \\| uniq -c` (LC_ALL=C)", "text")]
    rows += [(k, "`%s '%s' TEXT` (LC_ALL=C)" % (k, AWK_PROGRAM.replace("|", "\\|")), "text")
             for k in awks]
    for k, label, reads in rows:
        r = res[k]
        L.append("| %s | %s | %s | %s | %s | %.1f | %d |"
                 % (label, reads, fmt_s(r["median"]), fmt_s(r["min"]), fmt_s(r["cpu"]),
                    r["rss"], os.path.getsize(out[k])))
    L.append("")
    bbx_s = res["folded"]["median"]
    L.append("| ratio to `bbx flame --format folded` | median / median | CPU / CPU |")
    L.append("| --- | ---: | ---: |")
    for k, label in [("uniq", "sort \\| uniq -c")] + [(k, k) for k in awks]:
        L.append("| %s | %.2f× | %.2f× |" % (label, res[k]["median"] / bbx_s,
                                           res[k]["cpu"] / max(res["folded"]["cpu"], 1e-3)))
    L.append("")
    if browser:
        L.append("Headless Chromium %s opening out.svg (%d bytes, %d elements) from file://, "
                 "median of %d fresh pages: load event %.0f ms after navigation start, "
                 "first paint %s, page.goto() %.0f ms as the driver sees it."
                 % (browser["version"], os.path.getsize(out["svg"]), browser["elements"],
                    browser["runs"], browser["load"],
                    "%.0f ms" % browser["first_paint"] if browser["first_paint"] else "n/a",
                    browser["goto"]))
    else:
        L.append("Browser open time not measured: %s." % why_not)
    L.append("")
    awk_best = min((res[k]["median"] for k in awks), default=None)
    L.append("| target | wanted | measured | met |")
    L.append("| --- | --- | --- | --- |")
    if awk_best is not None:
        ratio = awk_best / bbx_s
        L.append("| folding from snapshots vs the fastest awk count from text | ≥ %.0f× "
                 "faster | %.2f× | %s |" % (TARGET_AWK_RATIO, ratio,
                                           "yes" if ratio >= TARGET_AWK_RATIO else "**no**"))
    if browser:
        L.append("| browser opens the SVG of %d stacks (load event) | < %.0f ms | %.0f ms | %s |"
                 % (total, TARGET_OPEN_MS, browser["load"],
                    "yes" if browser["load"] < TARGET_OPEN_MS else "**no**"))
    L.append("| folded counts = sort \\| uniq -c counts, total %d | every stack | %s | %s |"
             % (total, "equal" if not problems else "differ", "yes" if not problems
                else "**no**"))
    for p in problems:
        L.append("")
        L.append("Check failed: " + p)
    report = "\n".join(L)
    print(report)
    if a.write_readme and not run_env.write_readme_section(BEGIN, END, report):
        die("bench/README.md has no flame results markers")
    if problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
