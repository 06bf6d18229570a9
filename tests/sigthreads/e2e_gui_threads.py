#!/usr/bin/env python3
"""e2e_gui_threads.py - real GUI programs under libbbx-preload.so and Xvfb:
every thread unwound, toolkit threads that block every signal included, and
the stacks agree with eu-stack's (issue 12).

  gtk3-demo   with inject_threads.so (INJECT=gmain-spin): GLib's gmain
              thread, started with every signal blocked, spins in user space
              in gmain_spin(), so only bbx's thread signal can reach it
  glxgears    (LIBGL_ALWAYS_SOFTWARE=1: Mesa llvmpipe) with INJECT=
              llvmpipe-spin: an llvmpipe render thread (renamed
              "llvmpipe-spin") spins in llvmpipe_spin(), the others wait

For each: `eu-stack -p PID`, then at once a snapshot on BBX_SIGNAL=USR2,
then `eu-stack -p PID` again (a thread whose two eu-stack stacks are the
same did not move).
Checked: every thread of the program (not bbx's own) is unwound down to
its start (clone3 / _start) with at least 3 frames; the spinning thread
was asked with the signal and is in the spinning function; every thread
that was blocked in a system call and had not moved (same eu-stack stack
before and after, and bbx's innermost frame
outside libbbx-preload.so is among eu-stack's first four: libc's stub and the wrappers of bbx and inject_threads.so may be above it) has the same
pcs as eu-stack from there down (both print return addresses for outer
frames: elfutils' stack.c subtracts 1 only to look up the symbol), and
there are such threads.
"""

import argparse
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "testlib"))
from check import check, die, fail, finish  # noqa: E402
from xvfb import Xvfb  # noqa: E402

BOTTOM = {"__clone3", "clone3", "__clone", "clone", "_start"}


def parse():
    p = argparse.ArgumentParser()
    for name in ("bbx", "preload", "inject"):
        p.add_argument("--" + name, required=True)
    p.add_argument("--sanitizer-runtimes", default="")
    return p.parse_args()


def threads_of(pid):
    """tid -> (name, state letter) from /proc."""
    out = {}
    for task in glob.glob("/proc/%d/task/*" % pid):
        try:
            with open(task + "/stat") as f:
                stat = f.read()
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            out[int(os.path.basename(task))] = (name, stat[stat.rindex(")") + 2])
        except (OSError, ValueError):
            pass
    return out


def eu_stack(pid):
    """tid -> [pc, ...] from eu-stack -p."""
    p = subprocess.run(["eu-stack", "-p", str(pid)], capture_output=True, text=True,
                       timeout=120)
    stacks, cur = {}, None
    for line in p.stdout.splitlines():
        m = re.match(r"TID (\d+):", line)
        if m:
            cur = stacks.setdefault(int(m.group(1)), [])
            continue
        m = re.match(r"#\d+\s+0x([0-9a-f]+)", line)
        if m and cur is not None:
            cur.append(int(m.group(1), 16))
    if not stacks:
        fail("eu-stack -p %d printed no stacks: %s" % (pid, p.stderr.strip()[:300]))
    return stacks


def wait_for(cond, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.2)
    return False


def snapshot_of(args, what, pid, snap_dir, spin_name):
    """eu-stack, then a snapshot at once; returns (eu stacks, snapshot json)."""
    eu = eu_stack(pid)
    os.kill(pid, signal.SIGUSR2)
    if not wait_for(lambda: glob.glob(os.path.join(snap_dir, "*.bbx")), 120):
        die("%s: no snapshot 120 s after SIGUSR2" % what)
    time.sleep(0.5)  # the writer renames the file into place when complete
    snaps = glob.glob(os.path.join(snap_dir, "*.bbx"))
    p = subprocess.run([args.bbx, "show", "--json", snaps[0]], capture_output=True, text=True)
    if p.returncode != 0:
        die("%s: bbx show --json exited %d: %s" % (what, p.returncode, p.stderr.strip()))
    # A thread whose stack is the same after the snapshot as before did not
    # move meanwhile: only those are compared.
    after = eu_stack(pid)
    return {tid: pcs for tid, pcs in eu.items() if after.get(tid) == pcs}, json.loads(p.stdout)


def judge(args, what, eu, snap, spin_name, spin_fn, names, min_agree):
    """The failures, as (kind, message): kind "moved" for a thread whose
    stack differs from eu-stack's although eu-stack saw the same stack
    before and after (it may have run and come back meanwhile: a GUI main
    loop redraws on a timer), for a short unwind, and for too few threads
    to compare; "fail" for the rest.  The caller asks again on "moved"."""
    fails = []

    def check(cond, msg, kind="fail"):
        if not cond:
            fails.append((kind, msg))
        return cond
    s = snap
    check(s["complete"], "%s: snapshot incomplete: %s" % (what, s["incomplete_reason"]))
    threads = [t for t in s["threads"] if not t["bbx_internal"]]
    for prefix in names:
        check(any(t["name"].startswith(prefix) for t in threads),
              "%s: no thread named %s* in the snapshot" % (what, prefix))
    agreed = 0
    skipped = {}  # why a thread was not compared with eu-stack -> count
    preload = os.path.basename(args.preload)
    exe = s["process"].get("exe")
    for t in threads:
        frames = [f for f in t["frames"] if not f.get("inlined")]  # one per pc
        fns = [f.get("function") or "" for f in frames]
        who = "%s: thread %d %r" % (what, t["tid"], t["name"])
        # the bottom: clone3 for a thread, _start (of the exe, perhaps
        # stripped) for the main one
        bottom = bool(frames) and (fns[-1] in BOTTOM or (
            t["tid"] == s["process"]["pid"] and frames[-1].get("module") == exe))
        # (a short unwind is asked again too, and fails when it repeats: one
        # was seen once under ASan on a loaded machine and never again)
        if not check(t["status"] == "unwound" and len(fns) >= 3 and bottom,
                     "%s is %s (%s) with %d frames, bottom %r\n  %s" %
                     (who, t["status"], t["stack_method"], len(fns), fns[-1] if fns else None,
                      "\n  ".join("%s %s %s" % (f["pc"], os.path.basename(f.get("module") or "?"),
                                                 f.get("function") or "") for f in frames)),
                     "moved"):
            continue
        if t["name"] == spin_name:
            check(t["stack_method"] == "signal" and spin_fn in fns,
                  "%s: %s by %s, frames %s" % (who, spin_fn, t["stack_method"], fns[:6]))
            spin_name = None  # one thread spins
            continue
        if t["stack_method"] not in ("call", "kernel"):
            skipped[t["stack_method"]] = skipped.get(t["stack_method"], 0) + 1
            continue
        if t["tid"] not in eu:
            skipped["moved"] = skipped.get("moved", 0) + 1
            continue
        pcs = [int(f["pc"], 16) for f in frames
               if os.path.basename(f.get("module") or "") != preload]
        theirs = eu[t["tid"]]
        at = theirs.index(pcs[0]) if pcs and pcs[0] in theirs[:4] else None
        if at is None:  # it moved between eu-stack and the snapshot
            skipped["moved"] = skipped.get("moved", 0) + 1
            continue
        agreed += 1
        check(theirs[at:] == pcs,
              "%s: pcs differ from eu-stack's\n  bbx      %s\n  eu-stack %s" %
              (who, [hex(p) for p in pcs], [hex(p) for p in theirs[at:]]), "moved")
    print("%s: %d threads agree with eu-stack; not compared: %s" % (
        what, agreed, ", ".join("%d %s" % (n, why) for why, n in sorted(skipped.items()))
        or "none"))
    check(spin_name is None, "%s: the spinning thread is not in the snapshot" % what)
    check(agreed >= min_agree, "%s: %d blocked threads to compare with eu-stack, expected %d"
          % (what, agreed, min_agree), "moved")
    return fails


def run_program(args, x, what, cmd, env_extra, order, spin_name, spin_fn, names, min_agree,
                idle_main):
    snap_dir = tempfile.mkdtemp(prefix="bbx-gui-threads-")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("BBX_") and k != "LD_PRELOAD"}
    env["DISPLAY"] = x["DISPLAY"]
    runtimes = [r for r in args.sanitizer_runtimes.split(":") if r]
    env.update(env_extra)
    env.update({"BBX_DIR": snap_dir, "BBX_SIGNAL": "USR2",
                "LD_PRELOAD": ":".join(runtimes + order),
                "ASAN_OPTIONS": "detect_leaks=0", "NO_AT_BRIDGE": "1"})
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        def main_polls():  # an idle GUI main loop waits in poll (7)
            try:
                with open("/proc/%d/syscall" % proc.pid) as f:
                    return f.read().split()[0] == "7"
            except (OSError, IndexError):
                return False

        def spinning():
            return any(n == spin_name and st == "R" for n, st in threads_of(proc.pid).values()) \
                and (not idle_main or main_polls())
        if not wait_for(spinning, 120):
            err = proc.stderr.read().decode(errors="replace")[-300:] if proc.poll() is not None else ""
            die("%s: thread %r never spins (%s)" % (what, spin_name, err))
        # A stack that differs from eu-stack's only because the thread ran
        # between the two eu-stack calls and came back is asked again (up to
        # three rounds): a wrong unwind differs every time.
        for attempt in range(3):
            for f in glob.glob(os.path.join(snap_dir, "*")):
                os.remove(f)
            eu, snap = snapshot_of(args, what, proc.pid, snap_dir, spin_name)
            check(proc.poll() is None, "%s: died (%s)" % (what, proc.returncode))
            fails = judge(args, what, eu, snap, spin_name, spin_fn, names, min_agree)
            if attempt == 2 or not any(kind == "moved" for kind, _ in fails):
                break
            print("%s: round %d: a thread's stack differs from eu-stack's; asking again"
                  % (what, attempt + 1))
        for _, msg in fails:
            check(False, msg)
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(snap_dir, ignore_errors=True)


def main():
    args = parse()
    for tool in ("gtk3-demo", "glxgears", "eu-stack", "Xvfb"):
        if not shutil.which(tool):
            die("%s is missing (scripts/install-deps.sh installs it)" % tool)
    with Xvfb() as x:
        run_program(args, x, "gtk3-demo", ["gtk3-demo"], {"INJECT": "gmain-spin"},
                    [args.inject, args.preload], "gmain", "gmain_spin", ["gmain", "gdbus"], 1, True)
        run_program(args, x, "glxgears", ["glxgears"],
                    {"INJECT": "llvmpipe-spin", "LIBGL_ALWAYS_SOFTWARE": "1",
                     "GALLIUM_DRIVER": "llvmpipe"},
                    [args.preload, args.inject], "llvmpipe-spin", "llvmpipe_spin",
                    ["llvmpipe-"], 1, False)
    finish(cases=2)


if __name__ == "__main__":
    main()
