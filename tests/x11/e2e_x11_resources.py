#!/usr/bin/env python3
"""X11 resources as the Linux GDI handles (issue 13), end to end, under a
private Xvfb and libbbx-preload.so with periodic snapshots:

- leak: x11_prog creates one pixmap per tick, while a neighbour process on
  the same display holds a window and 8 pixmaps of its own.  Every periodic
  snapshot that counted X resources says 1 client (bbx's own connection is
  not counted) and exactly 1 WINDOW (the neighbour's are not ours); the
  PIXMAP counts never go down and end at 20 or more; the exit snapshot,
  taken after the program closed its display, counts no client; `bbx leaks`
  exits 1
  with an x11 PIXMAP suspect and a "pixmap KiB" one; `bbx diff` of the
  fixed run's report against this one says both are new.
- fixed: 8 pixmaps and 2 GCs once, then idle: the snapshots say PIXMAP 8 and
  GC 2 exactly (what the X server holds), `bbx leaks` exits 0 with no x11
  suspect.
- a stopped X server (SIGSTOP) while fixed idles: periodic snapshots keep
  coming (the collector thread is not stuck on the server), the later ones
  marked stale ("timeout"), and the program ends normally.
- none, without DISPLAY and with DISPLAY but no X connection: no snapshot
  has an x11 record, and the program's output and exit code are what they
  are without bbx.

Exits 0, or 1 with the reasons on stdout.
"""

import os
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "leaks"))
sys.path.insert(0, os.path.join(HERE, "..", "testlib"))
import leaktest as lt  # noqa: E402
from xvfb import Xvfb  # noqa: E402

INTERVAL_MS = 150


def x11_of(bbx, path):
    d = lt.bbx_show(bbx, path)
    return d.get("x11") if d else None


def types_of(x):
    return {t["name"]: t["count"] for t in x.get("types", [])}


def run_prog(args, mode, ticks, env):
    p = lt.run([args.prog, mode, str(ticks)], env=env, timeout=120, check=False)
    lt.check(p.returncode == 0 and "done" in p.stdout,
             "%s: x11_prog exited %d, stdout %r, stderr %r"
             % (mode, p.returncode, p.stdout[-300:], p.stderr[-500:]))
    return p


def case_leak(args, xenv, scratch, preload):
    snap_dir = scratch.sub("leak")
    neighbour = subprocess.Popen([args.prog, "fixed", "400"], env=xenv,
                                 stdout=subprocess.PIPE, text=True)
    try:
        lt.check(neighbour.stdout.readline().startswith("pid"), "neighbour did not start")
        lt.check(neighbour.stdout.readline().strip() == "ready", "neighbour not ready")
        # at exit the program has closed its display: the exit snapshot
        # counts no client and must not read as the pixmaps freed
        env = lt.collector_env(snap_dir, preload, interval_ms=INTERVAL_MS, at_exit=1)
        env["DISPLAY"] = xenv["DISPLAY"]
        run_prog(args, "leak", 40, env)
    finally:
        neighbour.kill()
        neighbour.wait()
    pixmaps = []
    for path in lt.snapshots(snap_dir):
        x = x11_of(args.bbx, path)
        if not x or not x["clients"]:
            continue
        t = types_of(x)
        lt.check(x["clients"] == 1, "%s: %d X clients, expected 1 (bbx's own connection "
                 "is not the program's)" % (os.path.basename(path), x["clients"]))
        lt.check(t.get("WINDOW") == 1, "%s: WINDOW %r, expected 1 (the neighbour's "
                 "window is not ours)" % (os.path.basename(path), t.get("WINDOW")))
        lt.check(x["pixmap_bytes"] == t.get("PIXMAP", 0) * 64 * 64 * 4,
                 "%s: %d pixmap bytes for %d 64x64 pixmaps"
                 % (os.path.basename(path), x["pixmap_bytes"], t.get("PIXMAP", 0)))
        pixmaps.append(t.get("PIXMAP", 0))
    lt.check(len(pixmaps) >= 5, "leak: only %d snapshots counted X resources" % len(pixmaps))
    lt.check(pixmaps == sorted(pixmaps), "leak: PIXMAP counts went down: %r" % pixmaps)
    lt.check(pixmaps and pixmaps[-1] >= 20, "leak: PIXMAP ended at %r, expected >= 20 "
             "(refreshed before each snapshot)" % (pixmaps[-1:] or None))
    rc, doc = lt.bbx_leaks(args.bbx, [snap_dir])
    lt.check(rc == 1, "leak: bbx leaks exited %d, expected 1" % rc)
    kinds = {(g["resource"], g["kind"]): g for g in (doc or {}).get("leaks", [])
             if g.get("confidence") != "none"}
    px = kinds.get(("x11", "PIXMAP"))
    lt.check(px is not None, "leak: no x11 PIXMAP suspect in %r" % sorted(kinds))
    if px:
        lt.check(px["count"] == pixmaps[-1], "leak: suspect says %d pixmaps, the last "
                 "snapshot %d" % (px["count"], pixmaps[-1]))
    lt.check(("x11", "pixmap KiB") in kinds, "leak: no pixmap KiB suspect")
    lt.check(("x11", "WINDOW") not in kinds, "leak: the one window is a suspect")
    return snap_dir


def case_fixed(args, xenv, scratch, preload):
    snap_dir = scratch.sub("fixed")
    env = lt.collector_env(snap_dir, preload, interval_ms=INTERVAL_MS)
    env["DISPLAY"] = xenv["DISPLAY"]
    run_prog(args, "fixed", 30, env)
    counted = 0
    for path in lt.snapshots(snap_dir):
        x = x11_of(args.bbx, path)
        if not x or not x["clients"]:
            continue
        counted += 1
        t = types_of(x)
        lt.check(t.get("PIXMAP") == 8 and t.get("GC") == 2,
                 "fixed: %s says %r, expected PIXMAP 8, GC 2" % (os.path.basename(path), t))
    lt.check(counted >= 3, "fixed: only %d snapshots counted X resources" % counted)
    rc, doc = lt.bbx_leaks(args.bbx, [snap_dir])
    lt.check(rc == 0, "fixed: bbx leaks exited %d, expected 0" % rc)
    x11 = [g for g in (doc or {}).get("leaks", []) if g["resource"] == "x11"]
    lt.check(not x11, "fixed: x11 suspects %r" % x11)
    return snap_dir


def wait_files(snap_dir, n, timeout=30):
    end = time.monotonic() + timeout
    while len(lt.snapshots(snap_dir)) < n and time.monotonic() < end:
        time.sleep(0.05)
    return len(lt.snapshots(snap_dir))


def case_stopped_server(args, xserver, xenv, scratch, preload):
    snap_dir = scratch.sub("stopped")
    env = lt.collector_env(snap_dir, preload, interval_ms=INTERVAL_MS)
    env["DISPLAY"] = xenv["DISPLAY"]
    p = subprocess.Popen([args.prog, "fixed", "100"], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    stopped = False
    try:
        p.stdout.readline()
        lt.check(p.stdout.readline().strip() == "ready", "stopped: x11_prog not ready")
        before = wait_files(snap_dir, 3)
        os.kill(xserver.proc.pid, signal.SIGSTOP)
        stopped = True
        after = wait_files(snap_dir, before + 8)
        lt.check(after >= before + 8, "stopped: %d snapshots before the X server stopped, "
                 "only %d after (the collector thread is stuck?)" % (before, after))
        out, err = p.communicate(timeout=60)
        lt.check(p.returncode == 0 and "done" in out, "stopped: x11_prog exited %d: %s"
                 % (p.returncode, err[-300:]))
    finally:
        if stopped:
            os.kill(xserver.proc.pid, signal.SIGCONT)
        if p.poll() is None:
            p.kill()
            p.wait()
    stale = [x11_of(args.bbx, f) for f in lt.snapshots(snap_dir)]
    lt.check(any(x and x.get("stale") == "timeout" for x in stale),
             "stopped: no snapshot says the X server did not answer: %r"
             % [x and x.get("stale") for x in stale])


def case_no_x(args, xenv, scratch, preload):
    for label, display in (("no DISPLAY", None), ("DISPLAY, no connection", xenv["DISPLAY"])):
        snap_dir = scratch.sub("none-%d" % (display is not None))
        env = lt.collector_env(snap_dir, preload, interval_ms=INTERVAL_MS, at_exit=1)
        plain = {k: v for k, v in os.environ.items() if not k.startswith("BBX_")}
        env.pop("DISPLAY", None)
        plain.pop("DISPLAY", None)
        if display:
            env["DISPLAY"] = plain["DISPLAY"] = display
        with_bbx = run_prog(args, "none", 12, env)
        without = run_prog(args, "none", 12, plain)
        strip = lambda out: [w for w in out.splitlines() if not w.startswith("pid ")]  # noqa
        lt.check(strip(with_bbx.stdout) == strip(without.stdout) and
                 with_bbx.returncode == without.returncode,
                 "%s: output %r / exit %d with bbx, %r / %d without"
                 % (label, with_bbx.stdout, with_bbx.returncode, without.stdout,
                    without.returncode))
        files = lt.snapshots(snap_dir)
        lt.check(files, "%s: no snapshots" % label)
        for f in files:
            x = x11_of(args.bbx, f)
            lt.check(x is None, "%s: %s has an x11 record %r" % (label, os.path.basename(f), x))


def main():
    p = lt.arg_parser(__doc__)
    p.add_argument("--prog", required=True)
    args = p.parse_args()
    preload = lt.preload_value(args)
    with lt.Scratch("x11") as scratch:
        xs = Xvfb()
        xenv = xs.__enter__()
        try:
            fixed_dir = case_fixed(args, xenv, scratch, preload)
            leak_dir = case_leak(args, xenv, scratch, preload)
            base = os.path.join(scratch.path, "fixed.json")
            cur = os.path.join(scratch.path, "leak.json")
            for d, out in ((fixed_dir, base), (leak_dir, cur)):
                with open(out, "w") as f:
                    subprocess.run([args.bbx, "leaks", "--json", d], stdout=f, timeout=120)
            d = subprocess.run([args.bbx, "diff", "--json", base, cur], capture_output=True,
                               text=True, timeout=120)
            lt.check(d.returncode == 1 and '"PIXMAP"' in d.stdout,
                     "bbx diff exited %d without the new PIXMAP group: %s"
                     % (d.returncode, d.stdout[-500:] + d.stderr[-300:]))
            case_no_x(args, xenv, scratch, preload)
            case_stopped_server(args, xs, xenv, scratch, preload)
        finally:
            xs.__exit__(None, None, None)
    lt.finish()


if __name__ == "__main__":
    main()
