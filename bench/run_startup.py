#!/usr/bin/env python3
"""Start-up benchmark (issue 13): what libbbx-preload.so adds to starting a
process, with and without BBX_CHILDREN=none.

- /bin/true: CPU time (user + system, from wait4() in bench/spawn_cost,
  which forks it from a small process so that the peak RSS is the
  program's own) and peak RSS, median of --reps runs, the configurations
  interleaved run by run so that other load on the machine hits them
  alike.  Target: under 0.5 ms of CPU added.
- a shell loop: sh runs /bin/true 1,000 times (an external command, not
  the builtin), median of --loop-reps; without bbx, with the preload (its
  children get it too: 1,001 collectors start), and with BBX_CHILDREN=none
  (only sh has it).  CPU time (sh and the children it waited for, from
  wait4()) and wall time; the CPU figure is the one other load on a
  shared machine leaves alone.  Target: under 5% added with none.
- xterm, time to first window: from the fork to the MapNotify of its
  window on the root of a private Xvfb display, seen by a tiny X client
  here that asks the server for SubstructureNotify events on the root (no
  polling, no window manager), median of --reps.  Target: under 3% added.

Snapshots are off (no trigger set): what is measured is what every
process under the preload pays before it does anything.  Prints markdown
tables; --write-readme puts them into bench/README.md between the
startup-results markers.  Python 3 standard library only.
"""

import argparse
import os
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
import run_env  # noqa: E402

BEGIN = "<!-- startup-results:begin -->"
END = "<!-- startup-results:end -->"
TARGETS = ["bbx_spawn_cost", "bbx_preload"]
TARGET_TRUE_MS = 0.5
TARGET_LOOP_PCT = 5.0
TARGET_XTERM_PCT = 3.0
LOOP = 'i=0; while [ "$i" -lt %d ]; do /bin/true; i=$((i+1)); done'


def die(msg, code=2):
    print("run_startup: " + msg, file=sys.stderr)
    sys.exit(code)


def configs(preload, snap_dir):
    """(label, environment) for: without bbx, the preload, and none."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("BBX_")}
    base.pop("LD_PRELOAD", None)
    with_bbx = dict(base, LD_PRELOAD=preload, BBX_DIR=snap_dir)
    return [("without bbx", base), ("preload", with_bbx),
            ("preload, BBX_CHILDREN=none", dict(with_bbx, BBX_CHILDREN="none"))]


def true_costs(spawn_cost, cfgs, reps):
    """{label: ([cpu ms], [max RSS MiB])}, one run of each in turn."""
    out = {label: ([], []) for label, _ in cfgs}
    for _ in range(reps):
        for label, env in cfgs:
            sets = ["LD_PRELOAD=" + env.get("LD_PRELOAD", "")]
            sets += ["%s=%s" % (k, v) for k, v in env.items() if k.startswith("BBX_")]
            r = subprocess.run([spawn_cost, "1"] + sets + ["/bin/true"], env=os.environ,
                               stdout=subprocess.PIPE, text=True, check=True)
            cpu_us, rss_kb = r.stdout.split()[:2]
            out[label][0].append(int(cpu_us) / 1000.0)
            out[label][1].append(int(rss_kb) / 1024.0)
    return out


def loop_cost(spawn_cost, env, n):
    """(CPU s of sh and every /bin/true it waited for, wall s) of the loop."""
    sets = ["LD_PRELOAD=" + env.get("LD_PRELOAD", "")]
    sets += ["%s=%s" % (k, v) for k, v in env.items() if k.startswith("BBX_")]
    r = subprocess.run([spawn_cost, "1"] + sets + [shutil.which("sh"), "-c", LOOP % n],
                       env=os.environ, stdout=subprocess.PIPE, text=True, check=True)
    f = r.stdout.split()
    return int(f[0]) / 1e6, int(f[2]) / 1e6


# --- a minimal X11 client: the MapNotify of a new top-level window ---------

def x_connect(display_no):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect("/tmp/.X11-unix/X%d" % display_no)
    s.sendall(struct.pack("<BxHHHHxx", ord("l"), 11, 0, 0, 0))
    head = recv_all(s, 8)
    if head[0] != 1:
        die("the X server refused the connection")
    extra = recv_all(s, struct.unpack("<H", head[6:8])[0] * 4)
    vendor_len, = struct.unpack("<H", extra[16:18])
    n_formats = extra[21]
    screens = 32 + ((vendor_len + 3) & ~3) + 8 * n_formats
    root, = struct.unpack("<I", extra[screens:screens + 4])
    # ChangeWindowAttributes(root, event-mask = SubstructureNotify)
    s.sendall(struct.pack("<BxHIII", 2, 4, root, 0x800, 0x80000))
    return s


def recv_all(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            die("the X server closed the connection")
        buf += chunk
    return buf


def wait_map(s, deadline):
    """Seconds on the perf_counter clock when a MapNotify arrives."""
    while True:
        s.settimeout(max(0.01, deadline - time.perf_counter()))
        try:
            ev = recv_all(s, 32)
        except socket.timeout:
            die("no window was mapped in time")
        if ev[0] & 0x7F == 19:
            return time.perf_counter()
        if ev[0] == 0:
            die("X error %d" % ev[1])


def start_xvfb():
    r, w = os.pipe()
    p = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", "1024x768x24",
                          "-nolisten", "tcp", "-ac", "-noreset"], pass_fds=[w],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(w)
    with os.fdopen(r) as fh:
        line = fh.readline().strip()
    if not line:
        die("Xvfb did not start")
    return p, int(line)


def xterm_ms(display_no, env):
    s = x_connect(display_no)
    e = dict(env, DISPLAY=":%d" % display_no)
    t0 = time.perf_counter()
    p = subprocess.Popen(["xterm", "-e", "sleep", "30"], env=e, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    t1 = wait_map(s, t0 + 30)
    p.terminate()
    p.wait()
    s.close()
    return (t1 - t0) * 1000.0


def med(xs):
    return statistics.median(xs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build-dir", default=os.path.join(run_env.REPO, "build-bench"))
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--reps", type=int, default=20, help="runs per figure (median)")
    ap.add_argument("--loop", type=int, default=1000, help="/bin/true runs in the shell loop")
    ap.add_argument("--loop-reps", type=int, default=5)
    ap.add_argument("--write-readme", action="store_true")
    args = ap.parse_args()
    for tool in ("xterm", "Xvfb", "sh"):
        if not shutil.which(tool):
            die("%s is missing (scripts/install-deps.sh --bench installs it)" % tool)
    if not args.no_build:
        run_env.release_build(args.build_dir, TARGETS, "run_startup")
    spawn_cost = os.path.join(args.build_dir, "bench", "spawn_cost")
    preload = os.path.join(args.build_dir, "collector", "libbbx-preload.so")
    snap_dir = tempfile.mkdtemp(prefix="bbx-bench-startup-")
    cfgs = configs(preload, snap_dir)
    m = run_env.machine()
    load0 = run_env.loadavg()
    xvfb = None
    try:
        tc = true_costs(spawn_cost, cfgs, args.reps)
        loops = {label: [] for label, _ in cfgs}
        for _ in range(args.loop_reps):
            for label, env in cfgs:
                loops[label].append(loop_cost(spawn_cost, env, args.loop))
        xvfb, disp = start_xvfb()
        xt = {label: [] for label, _ in cfgs}
        for label, env in cfgs:  # one unmeasured run each: caches warm
            xterm_ms(disp, env)
        for _ in range(args.reps):
            for label, env in cfgs:
                xt[label].append(xterm_ms(disp, env))
        snaps = [f for f in os.listdir(snap_dir) if f.endswith(".bbx")]
    finally:
        if xvfb:
            xvfb.terminate()
            xvfb.wait()
        shutil.rmtree(snap_dir, ignore_errors=True)
    if snaps:
        die("snapshots were written (%d): the runs were not plain start-ups" % len(snaps))
    load1 = run_env.loadavg()

    base = cfgs[0][0]
    lines = ["Run %s on %s (%d CPUs, kernel %s), commit %s, load %s -> %s."
             % (m["date"], m["cpu"], m["nproc"], m["kernel"], run_env.git_rev(), load0, load1),
             "",
             "| /bin/true (median of %d) | CPU ms | added | ratio | max RSS MiB | ratio | "
             "target |" % args.reps,
             "| --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    cpu0, rss0 = med(tc[base][0]), med(tc[base][1])
    for label, _ in cfgs:
        cpu, rss = med(tc[label][0]), med(tc[label][1])
        lines.append("| %s | %.3f | %s | %.2fx | %.2f | %.2fx | %s |" % (
            label, cpu, "-" if label == base else "%.3f" % (cpu - cpu0), cpu / cpu0, rss,
            rss / rss0, "-" if label == base else "added < %.1f ms" % TARGET_TRUE_MS))
    lines += ["",
              "| sh loop of %d /bin/true (median of %d) | CPU s | ratio | added | wall s | "
              "ratio | target (CPU) |" % (args.loop, args.loop_reps),
              "| --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    c0 = med([c for c, _ in loops[base]])
    w0 = med([w for _, w in loops[base]])
    for label, _ in cfgs:
        c = med([c for c, _ in loops[label]])
        w = med([w for _, w in loops[label]])
        tgt = "added < %.0f%%" % TARGET_LOOP_PCT if label.endswith("none") else "-"
        lines.append("| %s | %.3f | %.2fx | %+.1f%% | %.3f | %.2fx | %s |"
                     % (label, c, c / c0, 100.0 * (c - c0) / c0, w, w / w0, tgt))
    lines += ["",
              "| xterm, fork to first window mapped (ms, median of %d) | ms | ratio | added | "
              "target |" % args.reps,
              "| --- | ---: | ---: | ---: | --- |"]
    x0 = med(xt[base])
    for label, _ in cfgs:
        v = med(xt[label])
        lines.append("| %s | %.2f | %.3fx | %+.1f%% | %s |" % (
            label, v, v / x0, 100.0 * (v - x0) / x0,
            "-" if label == base else "added < %.0f%%" % TARGET_XTERM_PCT))
    text = "\n".join(lines)
    print(text)
    if args.write_readme and not run_env.write_readme_section(BEGIN, END, text):
        die("bench/README.md has no startup-results markers")


if __name__ == "__main__":
    main()
