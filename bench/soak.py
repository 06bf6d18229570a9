#!/usr/bin/env python3
"""Soak test: periodic snapshots must never kill a busy, healthy program.

Runs bench/soak_prog (a plugin loaded and unloaded in a loop, threads
created and joined, forks, thousands of fds opened and closed, allocation)
under libbbx-preload.so with BBX_INTERVAL_MS=10 and BBX_TRACK=fd,thread,
then checks that it exited 0 and that every snapshot it wrote is readable
by `bbx show --json` and complete ("complete": true, no incomplete_reason,
every thread and fd the CAPTURE record counts present).

The benchmark run is long (--minutes, default 3) and can record its result
in bench/README.md (--write-readme); the noharm_soak test runs it for 25 s
(--seconds 25 --no-build with the build's paths).  --runs K repeats the run
and reports how many survived (to measure a failure rate).  Exits 0 when
every run passed, 1 when one failed (reasons on stdout), 2 on bad usage.
Python 3 standard library only.
"""

import argparse
import collections
import concurrent.futures
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
import run_env  # noqa: E402  (bench/run_env.py, next to this file)

BEGIN = "<!-- soak-results:begin -->"
END = "<!-- soak-results:end -->"
TARGETS = ["bbx_soak_prog", "bbx_soak_plugin", "bbx_preload", "bbx_cli"]


def die(msg, code=2):
    print("soak: " + msg, file=sys.stderr)
    sys.exit(code)


def build(build_dir):
    """Release build of what the soak needs; returns (prog, plugin, preload, bbx)."""
    run_env.release_build(build_dir, TARGETS, "soak")
    return (os.path.join(build_dir, "bench", "soak_prog"),
            os.path.join(build_dir, "bench", "soak_plugin.so"),
            os.path.join(build_dir, "collector", "libbbx-preload.so"),
            os.path.join(build_dir, "analyzer", "bbx"))


def preload_value(args):
    """The preload, after the sanitizer runtimes in a sanitizer build (the
    ASan runtime must be the first library of the process)."""
    if not args.asan:
        return args.preload
    libs = [r for r in args.sanitizer_runtimes.split(":") if r and os.path.exists(r)]
    if not libs:
        die("--asan needs --sanitizer-runtimes (the ASan and UBSan runtimes)")
    return ":".join(libs + [args.preload])


def run_env_for(snap_dir, args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("BBX_")}
    env.update(BBX_DIR=snap_dir, BBX_INTERVAL_MS=str(args.interval_ms), BBX_TRACK="fd,thread",
               LD_PRELOAD=preload_value(args))
    env["ASAN_OPTIONS"] = "detect_leaks=0:" + env.get("ASAN_OPTIONS", "")
    return env


def describe_exit(rc):
    if rc < 0:
        try:
            return "killed by %s" % signal.Signals(-rc).name
        except ValueError:
            return "killed by signal %d" % -rc
    return "exit %d" % rc


def check_one(bbx, path):
    """Problems of one snapshot (empty when it is complete and readable),
    and the thread statuses it holds."""
    p = subprocess.run([bbx, "show", "--json", "--no-symbols", path], capture_output=True,
                       text=True, timeout=300)
    if p.returncode != 0:
        return ["bbx show exited %d: %s" % (p.returncode, p.stderr.strip())], {}
    try:
        doc = json.loads(p.stdout)
    except ValueError as e:
        return ["bbx show --json printed no JSON (%s)" % e], {}
    bad = []
    if doc.get("complete") is not True or doc.get("incomplete_reason"):
        bad.append("incomplete: %s" % doc.get("incomplete_reason"))
    cap = doc.get("capture") or {}
    threads, fds = doc.get("threads") or [], doc.get("fds") or []
    if cap.get("threads") != len(threads) or cap.get("fds") != len(fds):
        bad.append("CAPTURE counts %s threads and %s fds, the file holds %d and %d"
                   % (cap.get("threads"), cap.get("fds"), len(threads), len(fds)))
    if not threads or not doc.get("modules"):
        bad.append("no threads or no modules")
    if (doc.get("reader") or {}).get("malformed_records"):
        bad.append("%d malformed records" % doc["reader"]["malformed_records"])
    return bad, collections.Counter(t.get("status") for t in threads)


def soak_once(args, seconds, log):
    """One run; returns a result dict."""
    tmp = tempfile.mkdtemp(prefix="bbx-soak-")
    try:
        snap_dir = os.path.join(tmp, "snaps")
        os.mkdir(snap_dir)
        t0 = time.monotonic()
        p = subprocess.run([args.prog, args.plugin, str(seconds)], capture_output=True,
                           text=True, env=run_env_for(snap_dir, args), timeout=seconds + 600)
        wall = time.monotonic() - t0
        files = sorted(os.listdir(snap_dir))
        snaps = [os.path.join(snap_dir, f) for f in files if f.endswith(".bbx")]
        others = [f for f in files if not f.endswith(".bbx")]
        res = {"rc": p.returncode, "wall": wall, "snaps": len(snaps), "others": others,
               "summary": p.stdout.strip(), "stderr": p.stderr.strip()[-1500:],
               "bad": [], "statuses": collections.Counter(), "crash": 0}
        log("  %s after %.1f s; %d snapshots%s" % (describe_exit(p.returncode), wall, len(snaps),
                                                  ", other files: %s" % others[:5] if others else ""))
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            for path, (bad, st) in zip(snaps, pool.map(lambda s: check_one(args.bbx, s), snaps)):
                res["statuses"].update(st)
                if "crash" in os.path.basename(path):
                    res["crash"] += 1
                for b in bad:
                    res["bad"].append("%s: %s" % (os.path.basename(path), b))
        if args.keep:
            log("  kept " + tmp)
        return res
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


def problems(res):
    out = []
    if res["rc"] != 0:
        out.append("soak_prog %s (stderr: %s)" % (describe_exit(res["rc"]), res["stderr"] or "-"))
    if res["snaps"] == 0:
        out.append("no snapshot was written")
    out.extend(res["bad"][:20])
    if len(res["bad"]) > 20:
        out.append("... %d more bad snapshots" % (len(res["bad"]) - 20))
    return out


def section(results, seconds, interval_ms, env):
    ok = sum(1 for r in results if not problems(r))
    L = ["Measured %s on %d CPUs (%s), Linux %s; load average %s; collector at commit %s; "
         "BBX_INTERVAL_MS=%d, BBX_TRACK=fd,thread, preloaded."
         % (env["date"], env["nproc"], env["cpu"], env["kernel"], env["load"], env["rev"],
            interval_ms), "",
         "| run | seconds | outcome | snapshots | bad snapshots | thread statuses | what soak_prog did |",
         "| ---: | ---: | --- | ---: | ---: | --- | --- |"]
    for i, r in enumerate(results, 1):
        L.append("| %d | %d | %s after %.1f s | %d | %d | %s | %s |" % (
            i, seconds, describe_exit(r["rc"]), r["wall"], r["snaps"], len(r["bad"]),
            ", ".join("%s %d" % kv for kv in sorted(r["statuses"].items())) or "-",
            r["summary"].replace("soak_prog: ", "") or "-"))
    L += ["", "%d of %d runs passed (exit 0, every snapshot complete and readable)."
          % (ok, len(results))]
    return "\n".join(L)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=3.0, help="length of a run (default 3)")
    ap.add_argument("--seconds", type=int, help="length of a run in seconds (overrides --minutes)")
    ap.add_argument("--runs", type=int, default=1, help="runs (default 1)")
    ap.add_argument("--interval-ms", type=int, default=10,
                    help="BBX_INTERVAL_MS (default 10, the soak's setting)")
    ap.add_argument("--build-dir", default=os.path.join(run_env.REPO, "build-bench"))
    ap.add_argument("--no-build", action="store_true",
                    help="use --prog, --plugin, --preload and --bbx (or the build directory's)")
    ap.add_argument("--prog"), ap.add_argument("--plugin")
    ap.add_argument("--preload"), ap.add_argument("--bbx")
    ap.add_argument("--asan", action="store_true", help="the preload has the sanitizers")
    ap.add_argument("--sanitizer-runtimes", default="", help="LIB[:LIB] to preload first")
    ap.add_argument("--jobs", type=int, default=2, help="bbx show processes at once")
    ap.add_argument("--keep", action="store_true", help="keep the snapshot directories")
    ap.add_argument("--write-readme", action="store_true",
                    help="put the result into bench/README.md")
    args = ap.parse_args()
    seconds = args.seconds if args.seconds else int(args.minutes * 60)
    if seconds < 1 or args.runs < 1 or args.jobs < 1 or args.interval_ms < 10:
        die("--seconds/--minutes, --runs and --jobs must be positive, --interval-ms at least 10")

    built = None
    if not args.no_build:
        built = build(args.build_dir)
    else:
        d = args.build_dir
        built = (os.path.join(d, "bench", "soak_prog"), os.path.join(d, "bench", "soak_plugin.so"),
                 os.path.join(d, "collector", "libbbx-preload.so"),
                 os.path.join(d, "analyzer", "bbx"))
    args.prog = args.prog or built[0]
    args.plugin = args.plugin or built[1]
    args.preload = args.preload or built[2]
    args.bbx = args.bbx or built[3]
    for what in ("prog", "plugin", "preload", "bbx"):
        if not os.path.exists(getattr(args, what)):
            die("%s: no such file (build first, or drop --no-build)" % getattr(args, what))

    def log(msg):
        print(msg, flush=True)

    env = run_env.machine()
    env.update(load=run_env.loadavg(), rev=run_env.git_rev())
    results = []
    for i in range(args.runs):
        log("soak run %d of %d: %d s under BBX_INTERVAL_MS=%d BBX_TRACK=fd,thread"
            % (i + 1, args.runs, seconds, args.interval_ms))
        res = soak_once(args, seconds, log)
        log("  " + (res["summary"] or "(no summary line)"))
        log("  thread statuses: %s" % dict(res["statuses"]))
        for p in problems(res):
            log("FAIL: " + p)
        results.append(res)
    failed = sum(1 for r in results if problems(r))
    log("%d of %d runs failed" % (failed, len(results)))
    if args.write_readme:
        text = section(results, seconds, args.interval_ms, env)
        if not run_env.write_readme_section(BEGIN, END, text):
            die("bench/README.md has no soak results markers")
        log("wrote the result into bench/README.md")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
