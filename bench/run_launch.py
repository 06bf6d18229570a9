#!/usr/bin/env python3
"""Launch-tracking benchmark: what BBX_TRACK=exec costs a program that
launches programs, beside strace -f, the tool people use today to see exec
failures and exit statuses.

bench/spawn_cost launches /bin/true N times, one after the other, and
waits for each, in four ways (--via):

  fork    fork(), execvp() in the child, wait4() in the parent: the plain
          `spawn_cost N /bin/true`; the exec hook runs in the forked child
  spawn   posix_spawnp() + waitpid(): both hooks run in the parent
  system  system("/bin/true"): one hook around libc's fork, exec and wait
  popen   popen("/bin/true", "r"), read to the end, pclose()

each under these configurations, in the same run:

  plain          no bbx
  preload        LD_PRELOAD=libbbx-preload.so, no tracking
  exec           the preload with BBX_TRACK=exec
  fd,thread,exec the preload with BBX_TRACK=fd,thread,exec
  strace         strace -f -e trace=execve,wait4,clone,clone3 -o /dev/null
  strace --seccomp-bpf   the same with --seccomp-bpf (only the traced calls
                 stop the tracee); --no-seccomp leaves it out

The children run without the preload (spawn_cost's LD_PRELOAD= setting), so
only the launching process's hooks are measured; under strace they are
traced too (-f), as they are when strace is used to see them.  spawn_cost
times its own loop (CLOCK_MONOTONIC; its start-up and exit are left out)
and reports its CPU time and page faults, its children's, and its peak RSS
(VmHWM) and shared-memory RSS (RssShmem: the launch table) after the loop.

The runs are taken in turns (every configuration of a way, then the next
repetition) so that a slow moment of the machine hits them alike; medians
of --reps runs.  Prints markdown tables; --write-readme puts them into
bench/README.md between the launch-results markers.  Python 3 standard
library only.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
import run_env  # noqa: E402  (bench/run_env.py, next to this file)

BEGIN = "<!-- launch-results:begin -->"
END = "<!-- launch-results:end -->"
TARGETS = ["bbx_spawn_cost", "bbx_preload"]
VIAS = ["fork", "spawn", "system", "popen"]
VIA_NAMES = {"fork": "fork + execvp + wait4", "spawn": "posix_spawnp + waitpid",
             "system": "system()", "popen": "popen + pclose"}
STRACE = ["strace", "-f", "-e", "trace=execve,wait4,clone,clone3", "-o", "/dev/null"]
PROGRAM = "/bin/true"


def die(msg, code=2):
    print("run_launch: " + msg, file=sys.stderr)
    sys.exit(code)


def configs(preload, snap_dir, strace_qq, seccomp):
    """(label, environment, command prefix) of each configuration."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("BBX_")}
    base.pop("LD_PRELOAD", None)
    bbx = dict(base, LD_PRELOAD=preload, BBX_DIR=snap_dir)
    strace = STRACE[:1] + (["-qq"] if strace_qq else []) + STRACE[1:]
    out = [("plain", base, []),
           ("preload", bbx, []),
           ("exec", dict(bbx, BBX_TRACK="exec"), []),
           ("fd,thread,exec", dict(bbx, BBX_TRACK="fd,thread,exec"), []),
           ("strace", base, strace)]
    if seccomp:
        out.append(("strace --seccomp-bpf", base, strace[:1] + ["--seccomp-bpf"] + strace[1:]))
    return out


def run_once(spawn_cost, via, n, env, prefix):
    """spawn_cost's summary as a dict of numbers, and total_cpu_us: the CPU
    time of the whole command (strace's too) and of everything it waited for,
    from wait4()."""
    cmd = prefix + [spawn_cost, "--via", via, "--summary", str(n), "LD_PRELOAD=", PROGRAM]
    with tempfile.TemporaryFile(mode="w+") as err:
        p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=err, text=True)
        stdout = p.stdout.read()
        p.stdout.close()
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode != 0:
            err.seek(0)
            die("%s failed (exit %d): %s" % (" ".join(cmd), p.returncode,
                                             err.read().strip()[-400:]), 1)
    out = {}
    for word in stdout.split():
        k, _, v = word.partition("=")
        out[k] = int(v)
    out["total_cpu_us"] = round((ru.ru_utime + ru.ru_stime) * 1e6)
    return out


def med(xs):
    return statistics.median(xs)


def fmt_us(v):
    return "%.0f" % v if v >= 100 else "%.1f" % v


def tables(res, cfgs, env):
    labels = [c[0] for c in cfgs]
    n = env["n"]
    vias = env["vias"]
    seccomp = "strace --seccomp-bpf" in labels

    def per_launch(via, label, key):
        return med([r[key] for r in res[via][label]]) / n

    def own_cpu(via, label):
        return med([r["self_user_us"] + r["self_sys_us"] for r in res[via][label]]) / n

    def config_table(key):
        rows = ["| way | " + " | ".join(labels) + " |", "| --- |" + " ---: |" * len(labels)]
        for via in vias:
            rows.append("| %s | %s |" % (VIA_NAMES[via], " | ".join(
                fmt_us(per_launch(via, lb, key)) for lb in labels)))
        return rows

    L = []
    L.append("Measured %s on %d CPUs (%s), Linux %s; load average %s before, %s after; "
             "collector at commit %s; %s."
             % (env["date"], env["nproc"], env["cpu"], env["kernel"], env["load0"],
                env["load1"], env["rev"], env["strace"]))
    L.append("")
    L.append("`spawn_cost --via WAY --summary %d LD_PRELOAD= %s` (the children run without "
             "the preload), %d runs per cell taken in turns; medians.  strace: `%s ...`.  "
             "Per launch: a run's total over %d."
             % (n, PROGRAM, env["reps"], " ".join(env["strace_cmd"]), n))
    L.append("")
    L.append("### Wall time per launch (µs)")
    L.append("")
    L += config_table("wall_us")
    L.append("")
    L.append("### CPU time per launch (µs): the launcher, its children and strace")
    L.append("")
    L += config_table("total_cpu_us")
    L.append("")
    L.append("### Ratios")
    L.append("")
    cols = [("exec", "plain"), ("fd,thread,exec", "plain"), ("strace", "plain")]
    if seccomp:
        cols.append(("strace --seccomp-bpf", "plain"))
    cols += [("exec", "strace"), ("fd,thread,exec", "strace")]
    if seccomp:
        cols.append(("exec", "strace --seccomp-bpf"))
    L.append("| way | time | " + " | ".join("%s / %s" % c for c in cols) + " |")
    L.append("| --- | ---" + " | ---:" * len(cols) + " |")
    for via in vias:
        for key, what in (("wall_us", "wall"), ("total_cpu_us", "CPU")):
            v = {lb: per_launch(via, lb, key) for lb in labels}
            L.append("| %s | %s | %s |" % (VIA_NAMES[via], what, " | ".join(
                "%.2f×" % (v[a] / v[b]) for a, b in cols)))
    L.append("")
    L.append("### Added per launch (µs, difference of the medians)")
    L.append("")
    cols = [("preload", "plain"), ("exec", "preload"), ("exec", "plain"),
            ("fd,thread,exec", "exec"), ("strace", "plain")]
    if seccomp:
        cols.append(("strace --seccomp-bpf", "plain"))
    L.append("| way | time | " + " | ".join("%s − %s" % c for c in cols) + " |")
    L.append("| --- | ---" + " | ---:" * len(cols) + " |")
    for via in vias:
        for key, what in (("wall_us", "wall"), ("total_cpu_us", "CPU")):
            v = {lb: per_launch(via, lb, key) for lb in labels}
            L.append("| %s | %s | %s |" % (VIA_NAMES[via], what, " | ".join(
                "%+.0f" % (v[a] - v[b]) for a, b in cols)))
    L.append("")
    L.append("### Per launch: the launcher's own CPU (µs) and page faults "
             "(launcher / its children)")
    L.append("")
    L.append("| way | | " + " | ".join(labels) + " |")
    L.append("| --- | --- |" + " ---: |" * len(labels))
    for via in vias:
        L.append("| %s | CPU µs | %s |" % (VIA_NAMES[via], " | ".join(
            fmt_us(own_cpu(via, lb)) for lb in labels)))
        L.append("| %s | faults | %s |" % (VIA_NAMES[via], " | ".join(
            "%.1f / %.1f" % (per_launch(via, lb, "self_minflt"),
                             per_launch(via, lb, "children_minflt")) for lb in labels)))
    L.append("")
    L.append("### Memory of the launcher after %d launches (KiB)" % n)
    L.append("")
    L.append("| configuration | " + " | ".join("peak RSS, %s" % VIA_NAMES[v] for v in vias) +
             " | shared (RssShmem), %s |" % VIA_NAMES[vias[0]])
    L.append("| --- |" + " ---: |" * (len(vias) + 1))
    for lb in labels:
        L.append("| %s | %s | %d |" % (
            lb, " | ".join("%d" % med([r["hwm_kb"] for r in res[v][lb]]) for v in vias),
            med([r["shmem_kb"] for r in res[vias[0]][lb]])))
    L.append("")
    return "\n".join(L)


def strace_version():
    try:
        r = subprocess.run(["strace", "-V"], stdout=subprocess.PIPE, text=True)
        return r.stdout.splitlines()[0].replace(" -- version", "")
    except (OSError, IndexError):
        return "strace ?"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", default=os.path.join(run_env.REPO, "build-bench"),
                    help="CMake build directory (default: build-bench in the repository)")
    ap.add_argument("--no-build", action="store_true", help="use the existing build")
    ap.add_argument("--n", type=int, default=500, help="launches per run (default 500)")
    ap.add_argument("--reps", type=int, default=7, help="runs per cell (median; default 7)")
    ap.add_argument("--vias", default=",".join(VIAS),
                    help="ways to launch, of %s (default all)" % ",".join(VIAS))
    ap.add_argument("--strace-qq", action="store_true", help="add -qq to strace's options")
    ap.add_argument("--no-seccomp", action="store_true",
                    help="leave out the strace --seccomp-bpf column")
    ap.add_argument("--json", metavar="FILE", help="write every run's figures to FILE")
    ap.add_argument("--write-readme", action="store_true",
                    help="put the tables into bench/README.md")
    args = ap.parse_args()
    vias = [v for v in args.vias.split(",") if v]
    if not vias or any(v not in VIAS for v in vias):
        die("--vias takes some of " + ",".join(VIAS))
    if not shutil.which("strace"):
        die("strace not found; install it with scripts/install-deps.sh --bench "
            "(Debian/Ubuntu: apt-get install strace)")
    if not args.no_build:
        run_env.release_build(args.build_dir, TARGETS, "run_launch")
    spawn_cost = os.path.join(args.build_dir, "bench", "spawn_cost")
    preload = os.path.join(args.build_dir, "collector", "libbbx-preload.so")
    for f in (spawn_cost, preload):
        if not os.path.exists(f):
            die("no %s in the build directory; drop --no-build" % os.path.relpath(f,
                                                                                   args.build_dir))
    snap_dir = tempfile.mkdtemp(prefix="bbx-bench-launch-")
    cfgs = configs(preload, snap_dir, args.strace_qq, not args.no_seccomp)
    m = run_env.machine()
    load0 = run_env.loadavg()
    res = {via: {label: [] for label, _, _ in cfgs} for via in vias}
    try:
        for via in vias:  # one unmeasured run of each: caches warm
            for label, env, prefix in cfgs:
                run_once(spawn_cost, via, max(1, args.n // 10), env, prefix)
        for rep in range(args.reps):
            print("run_launch: repetition %d of %d" % (rep + 1, args.reps), file=sys.stderr,
                  flush=True)
            for via in vias:
                for label, env, prefix in cfgs:
                    res[via][label].append(run_once(spawn_cost, via, args.n, env, prefix))
        snaps = [f for f in os.listdir(snap_dir) if f.endswith(".bbx")]
    finally:
        shutil.rmtree(snap_dir, ignore_errors=True)
    if snaps:
        die("snapshots were written (%d): the runs were not plain launches" % len(snaps))
    for via in vias:
        for label in ("exec", "fd,thread,exec"):
            if med([r["shmem_kb"] for r in res[via][label]]) <= 0:
                print("run_launch: warning: %s, %s: no launch table in memory (is exec "
                      "tracking on?)" % (via, label), file=sys.stderr)
    info = dict(m, load0=load0, load1=run_env.loadavg(), rev=run_env.git_rev(),
                strace=strace_version(), strace_cmd=cfgs[4][2], n=args.n, reps=args.reps,
                vias=vias)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"info": info, "runs": res}, fh, indent=1)
    text = tables(res, cfgs, info)
    print(text)
    if args.write_readme and not run_env.write_readme_section(BEGIN, END, text):
        die("bench/README.md has no launch-results markers")


if __name__ == "__main__":
    main()
