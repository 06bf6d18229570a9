#!/usr/bin/env python3
"""Capture benchmark: bbx_snapshot() beside eu-stack, ls -l /proc/PID/fd and gdb.

For each case (T threads of stack depth D, F fds of mixed kinds) it starts
fresh capture_target processes (bench/capture_target.c).  Each one times its
first bbx_snapshot() (cold) and N more (warm) in-process.  The first process
of each case then stays alive, and only after its captures are done the
external tools run against it, one at a time: eu-stack -q -p, eu-stack -p,
ls -l /proc/PID/fd and gdb -p PID -batch -ex 'thread apply all bt'.

Prints markdown tables; --write-readme puts them into bench/README.md
between the results markers.  Python 3 standard library only.
"""

import argparse
import os
import re
import resource
import shutil
import signal
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
BEGIN = "<!-- results:begin -->"
END = "<!-- results:end -->"

CASES = [(8, 20, 100), (64, 40, 1000), (256, 64, 10000)]

# Targets for the largest case (see README).
TARGET_COLD_MS = 25.0
TARGET_GDB_RATIO = 50.0
TARGET_BYTES_PER_ITEM = 8.0


def die(msg, code=2):
    print("run_capture: " + msg, file=sys.stderr)
    sys.exit(code)


def check_tools(need_build):
    missing = []
    for tool, pkg in (("eu-stack", "elfutils"), ("gdb", "gdb"), ("ls", "coreutils")):
        if not shutil.which(tool):
            missing.append((tool, pkg))
    if need_build and not shutil.which("cmake"):
        missing.append(("cmake", "cmake"))
    if missing:
        names = ", ".join(t for t, _ in missing)
        pkgs = " ".join(sorted({p for _, p in missing}))
        die("missing %s; install them with scripts/install-deps.sh --bench "
            "(Debian/Ubuntu: apt-get install %s)" % (names, pkgs))


def build(build_dir):
    cfg = ["cmake", "-S", REPO, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release",
           "-DBBX_BUILD_TESTS=OFF", "-DBBX_BUILD_SAMPLES=OFF"]
    bld = ["cmake", "--build", build_dir, "--target", "bbx_capture_target",
           "-j", str(os.cpu_count() or 2)]
    for cmd in (cfg, bld):
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            sys.stderr.write(r.stdout)
            die("build failed: " + " ".join(cmd[:2]))
    exe = os.path.join(build_dir, "bench", "capture_target")
    if not os.access(exe, os.X_OK):
        die("build produced no bench/capture_target in the build directory")
    return exe


def kv(line):
    return dict(tok.split("=", 1) for tok in line.split()[1:] if "=" in tok)


def tool_env():
    env = dict(os.environ)
    env.pop("DEBUGINFOD_URLS", None)  # no network time in the measurements
    env["LC_ALL"] = "C"
    return env


class Target:
    """One capture_target process."""

    def __init__(self, exe, case, warm, wait, workdir):
        t, d, f = case
        args = [exe, str(t), str(d), str(f), "--warm", str(warm)]
        if wait:
            args.append("--wait")
        env = dict(os.environ, BBX_DIR=workdir)
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env)
        self.ready = None
        self.captures = []
        self.wait = wait
        self.warm = warm

    def read_captures(self):
        """Read output up to the last capture (and "waiting" with --wait)."""
        while True:
            line = self.proc.stdout.readline()
            if not line:
                break
            if line.startswith("ready "):
                self.ready = kv(line)
            elif line.startswith("capture "):
                self.captures.append(kv(line))
            elif line.startswith("waiting "):
                break
            if not self.wait and len(self.captures) == self.warm + 1:
                break
        if len(self.captures) != self.warm + 1:
            self.proc.kill()
            err = self.proc.stderr.read()
            die("capture_target failed: " + (err.strip() or "no output"), 1)
        return self.captures

    @property
    def pid(self):
        return self.proc.pid

    def finish(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()


def time_cmd(cmd, env):
    t0 = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return (time.perf_counter() - t0) * 1e3, r.returncode


def tool_commands(pid):
    return [
        ("eu-stack -q", ["eu-stack", "-q", "-p", str(pid)]),
        ("eu-stack", ["eu-stack", "-p", str(pid)]),
        ("ls -l fd", ["ls", "-l", "/proc/%d/fd" % pid]),
        ("gdb bt", ["gdb", "-p", str(pid), "-batch", "-ex", "thread apply all bt"]),
    ]


def what_it_saw(name, out):
    """Threads or fds a tool reported, from its output, as a sanity check."""
    if name.startswith("eu-stack"):
        return "%d threads" % len(re.findall(r"^TID \d+:", out, re.M))
    if name.startswith("ls"):
        return "%d fds" % len(re.findall(r"^l", out, re.M))
    return "%d threads" % len(re.findall(r"^Thread \d+ ", out, re.M))


def run_tools(pid, reps, gdb_reps, log):
    env = tool_env()
    res = {}
    for name, cmd in tool_commands(pid):
        n = gdb_reps if name.startswith("gdb") else reps
        # one untimed run first: page cache, and a look at what it saw
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           env=env, text=True, errors="replace")
        saw = what_it_saw(name, r.stdout)
        times, rcs = [], set()
        for _ in range(n):
            ms, rc = time_cmd(cmd, env)
            times.append(ms)
            rcs.add(rc)
        res[name] = {"ms": statistics.median(times), "all": times, "saw": saw,
                     "rc": sorted(rcs)}
        log("    %-12s median %9.1f ms over %d runs (saw %s, exit %s)"
            % (name, res[name]["ms"], n, saw, ",".join(map(str, sorted(rcs)))))
    return res


def check_capture(case, c):
    t, _, f = case
    problems = []
    if int(c["unwound"]) != t + 1 or int(c["threads"]) != t + 1:
        problems.append("threads %s unwound %s, expected %d" % (c["threads"], c["unwound"],
                                                                t + 1))
    if int(c["fds"]) < f:
        problems.append("fds %s < %d" % (c["fds"], f))
    if c.get("complete") != "1":
        problems.append("no END record")
    if problems and "status" in c:
        problems.append("thread status unwound,blocked,timeout,skipped = " + c["status"])
    return problems


def run_case(exe, case, args, with_tools, log):
    t, d, f = case
    cold, warm, tools = [], [], None
    workdir = tempfile.mkdtemp(prefix="bbx-bench-")
    try:
        for k in range(args.cold):
            tg = Target(exe, case, args.warm, with_tools and k == 0, workdir)
            try:
                caps = tg.read_captures()
                if with_tools and k == 0:
                    log("  case %s: target pid %d (%s fds set up in %s ms)"
                        % (case, tg.pid, tg.ready.get("fds"), tg.ready.get("setup_ms")))
                    tools = run_tools(tg.pid, args.reps, args.gdb_reps, log)
            finally:
                tg.finish()  # also when interrupted: no target left waiting
            for c in caps:
                c["rest_ms"] = (float(c["ms"]) - float(c.get("threads_us", 0)) / 1e3
                                - float(c.get("fds_us", 0)) / 1e3)
                bad = check_capture(case, c)
                if bad:
                    log("  WARNING %s capture n=%s: %s" % (case, c["n"], "; ".join(bad)))
            cold.append(caps[0])
            warm.extend(caps[1:])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    def med(rows, key):
        return statistics.median(float(r[key]) for r in rows) if rows else float("nan")

    out = {
        "case": case, "items": t * d + f,
        "cold_ms": med(cold, "ms"), "warm_ms": med(warm, "ms"),
        "cold_cpu_ms": med(cold, "cpu_ms"), "warm_cpu_ms": med(warm, "cpu_ms"),
        "bytes": med(cold, "bytes"), "raw": med(cold, "raw"),
        "thread_raw": med(cold, "thread_raw"), "fd_raw": med(cold, "fd_raw"),
        "frames": med(cold, "frames"), "fds": med(cold, "fds"),
        "zstd_us": med(warm or cold, "zstd_replay_us"),
        "cold_thr_ms": med(cold, "threads_us") / 1e3, "warm_thr_ms": med(warm, "threads_us") / 1e3,
        "cold_fd_ms": med(cold, "fds_us") / 1e3, "warm_fd_ms": med(warm, "fds_us") / 1e3,
        "cold_rest_ms": med(cold, "rest_ms"), "warm_rest_ms": med(warm, "rest_ms"),
        "cold_faults": med(cold, "faults"), "warm_faults": med(warm, "faults"),
        "cold_all": [float(c["ms"]) for c in cold], "tools": tools,
    }
    log("  case %s: cold %.2f ms, warm %.2f ms, %d bytes"
        % (case, out["cold_ms"], out["warm_ms"], out["bytes"]))
    return out

def version_of(cmd):
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        return r.stdout.splitlines()[0].strip() if r.stdout else "?"
    except OSError:
        return "?"

def fmt_ms(v):
    if v != v:  # nan
        return "n/a"
    return "%.1f" % v if v >= 10 else "%.2f" % v


def case_name(case):
    return "%d / %d / %d" % case


def tables(results, breakdown, env):
    L = []
    L.append("Measured %s on %d CPUs (%s), Linux %s; load average %s before, %s after; "
             "snapshot directory on file system type %s; collector at commit %s; %s, %s."
             % (env["date"], env["nproc"], env["cpu"], env["kernel"], env["load0"],
                env["load1"], env["fstype"], env["rev"], env["eu"], env["gdb"]))
    L.append("")
    L.append("%d fresh processes per case for cold (median of %d), %d warm captures each "
             "(median of all); external tools %d timed runs each after one untimed run "
             "(gdb: %d), all against the first process of the case, after its captures."
             % (env["cold"], env["cold"], env["warm"], env["reps"], env["gdb_reps"]))
    L.append("")
    L.append("### Time (milliseconds, medians)")
    L.append("")
    L.append("| T / D / F | bbx cold | bbx warm | eu-stack -q | eu-stack | ls -l fd "
             "| eu-stack -q + ls | gdb bt |")
    L.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        tl = r["tools"] or {}
        g = lambda k: tl[k]["ms"] if k in tl else float("nan")
        L.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            case_name(r["case"]), fmt_ms(r["cold_ms"]), fmt_ms(r["warm_ms"]),
            fmt_ms(g("eu-stack -q")), fmt_ms(g("eu-stack")), fmt_ms(g("ls -l fd")),
            fmt_ms(g("eu-stack -q") + g("ls -l fd")), fmt_ms(g("gdb bt"))))
    L.append("")
    L.append("### Ratios and size")
    L.append("")
    L.append("| T / D / F | (eu-stack -q + ls) / bbx cold | eu-stack / bbx cold "
             "| gdb / bbx cold | gdb / bbx warm | snapshot bytes | T·D + F "
             "| bytes per frame-or-fd | frames + fds in the snapshot |")
    L.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        tl = r["tools"] or {}
        g = lambda k: tl[k]["ms"] if k in tl else float("nan")
        L.append("| %s | %.2f× | %.2f× | %.0f× | %.0f× | %d | %d | %.2f | %d + %d |" % (
            case_name(r["case"]), (g("eu-stack -q") + g("ls -l fd")) / r["cold_ms"],
            g("eu-stack") / r["cold_ms"], g("gdb bt") / r["cold_ms"],
            g("gdb bt") / r["warm_ms"], r["bytes"], r["items"], r["bytes"] / r["items"],
            r["frames"], r["fds"]))
    L.append("")
    big = results[-1]
    tl = big["tools"] or {}
    g = lambda k: tl[k]["ms"] if k in tl else float("nan")
    both = g("eu-stack -q") + g("ls -l fd")
    checks = [
        ("cold capture, classified fd table", "≤ %.0f ms" % TARGET_COLD_MS,
         "%s ms" % fmt_ms(big["cold_ms"]), big["cold_ms"] <= TARGET_COLD_MS),
        ("faster than eu-stack -q and ls -l together", "< %s ms" % fmt_ms(both),
         "%s ms" % fmt_ms(big["cold_ms"]), big["cold_ms"] < both),
        ("faster than gdb", "≥ %.0f×" % TARGET_GDB_RATIO,
         "%.0f×" % (g("gdb bt") / big["cold_ms"]),
         g("gdb bt") / big["cold_ms"] >= TARGET_GDB_RATIO),
        ("bytes per frame-or-fd", "≤ %.0f" % TARGET_BYTES_PER_ITEM,
         "%.2f" % (big["bytes"] / big["items"]),
         big["bytes"] / big["items"] <= TARGET_BYTES_PER_ITEM),
    ]
    L.append("### Targets, largest case (%s)" % case_name(big["case"]))
    L.append("")
    L.append("| target | wanted | measured (cold) | met |")
    L.append("| --- | --- | --- | --- |")
    for name, want, got, ok in checks:
        L.append("| %s | %s | %s | %s |" % (name, want, got, "yes" if ok else "**no**"))
    L.append("")
    L.append("### Phases of a capture (from the snapshot's CAPTURE record, ms)")
    L.append("")
    L.append("| T / D / F | threads, cold | fd table, cold | rest, cold "
             "| threads, warm | fd table, warm | rest, warm | page faults, cold / warm |")
    L.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        L.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            case_name(r["case"]), fmt_ms(r["cold_thr_ms"]), fmt_ms(r["cold_fd_ms"]),
            fmt_ms(r["cold_rest_ms"]), fmt_ms(r["warm_thr_ms"]), fmt_ms(r["warm_fd_ms"]),
            fmt_ms(r["warm_rest_ms"]), "%d / %d" % (r["cold_faults"], r["warm_faults"])))
    L.append("")
    if breakdown:
        L.append("### Where the time goes: the same cases without fds, and without threads")
        L.append("")
        L.append("| T / D / F | cold | warm | CPU ms of a warm capture (all threads) "
                 "| zstd, replayed (ms) | raw stream bytes: threads / fds |")
        L.append("| --- | ---: | ---: | ---: | ---: | ---: |")
        for r in breakdown:
            L.append("| %s | %s | %s | %s | %s | %d / %d |" % (
                case_name(r["case"]), fmt_ms(r["cold_ms"]), fmt_ms(r["warm_ms"]),
                fmt_ms(r["warm_cpu_ms"]), fmt_ms(r["zstd_us"] / 1e3), r["thread_raw"],
                r["fd_raw"]))
        L.append("")
    return "\n".join(L)
def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", default=os.path.join(REPO, "build-bench"),
                    help="CMake build directory (default: build-bench in the repository)")
    ap.add_argument("--no-build", action="store_true", help="use the existing build")
    ap.add_argument("--cold", type=int, default=7, help="fresh processes per case")
    ap.add_argument("--warm", type=int, default=10, help="warm captures per process")
    ap.add_argument("--reps", type=int, default=7, help="timed runs per external tool")
    ap.add_argument("--gdb-reps", type=int, default=3, help="timed runs of gdb")
    ap.add_argument("--cases", default="all",
                    help="comma-separated T/D/F triples, e.g. 8/20/100 (default: all three)")
    ap.add_argument("--no-breakdown", action="store_true",
                    help="skip the threads-only and fds-only runs")
    ap.add_argument("--write-readme", action="store_true",
                    help="put the tables into bench/README.md")
    args = ap.parse_args()

    cases = CASES
    if args.cases != "all":
        try:
            cases = [tuple(int(x) for x in c.split("/")) for c in args.cases.split(",")]
            assert all(len(c) == 3 for c in cases)
        except (ValueError, AssertionError):
            die("--cases wants T/D/F triples such as 8/20/100")
    check_tools(not args.no_build)

    need = max(c[2] for c in cases) + 512
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < need and os.geteuid() != 0:
        die("RLIMIT_NOFILE hard limit %d is below %d: raise it (ulimit -Hn) or run as root"
            % (hard, need))
    scope = "/proc/sys/kernel/yama/ptrace_scope"
    if os.path.exists(scope) and os.geteuid() != 0:
        with open(scope) as fh:
            if fh.read().strip() != "0":
                print("run_capture: Yama ptrace_scope is not 0: eu-stack and gdb cannot attach "
                      "unless run as root", file=sys.stderr)

    exe = os.path.join(args.build_dir, "bench", "capture_target")
    if not args.no_build:
        exe = build(args.build_dir)
    elif not os.access(exe, os.X_OK):
        die("no capture_target in the build directory; drop --no-build")

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    busy = float(loadavg().split()[0]) if loadavg() != "?" else 0.0
    if busy > 0.5 * (os.cpu_count() or 1):
        log("warning: load average %.2f on %d CPUs: other work will show in the numbers"
            % (busy, os.cpu_count() or 1))

    probe = tempfile.mkdtemp(prefix="bbx-bench-")
    fstype = subprocess.run(["stat", "-f", "-c", "%T", probe], stdout=subprocess.PIPE,
                            text=True).stdout.strip() or "?"
    os.rmdir(probe)
    env = machine()
    env.update(load0=loadavg(), fstype=fstype, rev=git_rev(),
               eu=version_of(["eu-stack", "--version"]), gdb=version_of(["gdb", "--version"]),
               cold=args.cold, warm=args.warm, reps=args.reps, gdb_reps=args.gdb_reps)

    results = []
    for case in cases:
        log("case T=%d D=%d F=%d" % case)
        results.append(run_case(exe, case, args, True, log))
    breakdown = []
    if not args.no_breakdown:
        for t, d, f in cases:
            for sub in ((t, d, 0), (0, 1, f)):
                log("breakdown T=%d D=%d F=%d" % sub)
                breakdown.append(run_case(exe, sub, args, False, log))
    env["load1"] = loadavg()

    text = tables(results, breakdown, env)
    print(text)
    if args.write_readme:
        if not run_env.write_readme_section(BEGIN, END, text):
            die("bench/README.md has no results markers")
        log("wrote the results into bench/README.md")


if __name__ == "__main__":
    main()
