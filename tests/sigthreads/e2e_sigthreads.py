#!/usr/bin/env python3
"""e2e_sigthreads.py - faults in threads that block every signal (issue 12,
"signal-blocking threads"), each run without bbx and with it.

Cases (each: the signal it dies of without bbx is the one it dies of with
bbx; with bbx exactly one snapshot, complete, one crashed thread, that one
unwound to the faulting function):
  sigblock_prog MODE under libbbx-preload.so and linked with libbbx, for
    creator-null     the creator blocked everything around pthread_create
    creator-raw-null the same through the raw system call (only the new
                     thread's start can undo it)
    self-null        the thread calls pthread_sigmask(SIG_SETMASK, full)
    self-procmask    the thread calls sigprocmask(SIG_BLOCK, full)
    creator-trap     an int3 (SIGTRAP) in a thread started all-blocked
  gerror_prog under the preload: g_error() (SIGTRAP) in GLib's "gmain"
    thread, which GLib starts with every signal blocked (checked: the
    program prints gmain's SigBlk as GLib left it, without bbx)
  glxgears (LIBGL_ALWAYS_SOFTWARE=1) under Xvfb with the preload and
    inject_threads.so: an int3 (SIGTRAP) in a Mesa llvmpipe thread (Mesa
    leaves SIGSEGV deliverable in its threads but blocks SIGTRAP; checked:
    the thread prints its SigBlk, without bbx)
And a thread started before bbx_init() that blocks every signal and spins
(sigblock_prog_linked spin-before): the snapshot has it, status "blocked",
stack_method "none", and bbx show says so and that the kernel reports it
running.
"""

import argparse
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "testlib"))
from check import check, die, fail, finish  # noqa: E402
from xvfb import Xvfb  # noqa: E402

ASAN_OPTIONS = ("handle_segv=0:handle_sigbus=0:handle_sigill=0:handle_sigfpe=0:"
                "handle_abort=0:detect_leaks=0")


def parse():
    p = argparse.ArgumentParser()
    for name in ("bbx", "preload", "prog", "linked", "gerror", "inject"):
        p.add_argument("--" + name, required=True)
    p.add_argument("--sanitizer-runtimes", default="",
                   help="colon list: preloaded before the instrumented preload")
    return p.parse_args()


def base_env():
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("BBX_") and k != "LD_PRELOAD"}
    env["ASAN_OPTIONS"] = ASAN_OPTIONS
    return env


def preload_list(args, *extra):
    runtimes = [r for r in args.sanitizer_runtimes.split(":") if r]
    return ":".join(runtimes + [args.preload] + list(extra))


def run(cmd, env, timeout=120):
    try:
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None


def snapshot_json(args, path):
    p = subprocess.run([args.bbx, "show", "--json", path], capture_output=True, text=True)
    if p.returncode != 0:
        fail("bbx show --json %s exited %d: %s" % (path, p.returncode, p.stderr.strip()))
        return None
    return json.loads(p.stdout)


def functions(thread):
    return [f.get("function") or "" for f in thread["frames"]]


def judge(args, what, without, with_bbx, snap_dir, sig, fault_fn, name_prefix=None,
          below=None):
    """One crash case: `without` and `with_bbx` are the finished runs."""
    if not check(without is not None and with_bbx is not None, "%s: a run timed out" % what):
        return
    check(without.returncode == -sig,
          "%s without bbx: died with %d, expected -%d (%s)" %
          (what, without.returncode, sig, signal.Signals(sig).name))
    check(with_bbx.returncode == without.returncode,
          "%s with bbx: died with %d, without bbx %d" %
          (what, with_bbx.returncode, without.returncode))
    snaps = sorted(glob.glob(os.path.join(snap_dir, "*.bbx")))
    if not check(len(snaps) == 1, "%s: %d snapshots, expected 1 (%s)" %
                 (what, len(snaps), with_bbx.stderr.strip()[-300:])):
        return
    s = snapshot_json(args, snaps[0])
    if not s:
        return
    check(s["complete"], "%s: the snapshot is incomplete: %s" % (what, s["incomplete_reason"]))
    crashed = [t for t in s["threads"] if t["crashed"]]
    if not check(len(crashed) == 1, "%s: %d crashed threads" % (what, len(crashed))):
        return
    t = crashed[0]
    fns = functions(t)
    check(t["signal"] == sig, "%s: crashed thread's signal %s, expected %d" % (what, t["signal"], sig))
    check(t["status"] == "unwound" and len(fns) >= 3,
          "%s: crashed thread %s with %d frames" % (what, t["status"], len(fns)))
    check(fault_fn in fns[:6], "%s: %s not among the first frames %s" % (what, fault_fn, fns[:6]))
    if below:
        check(below in fns, "%s: %s (the caller) not in %s" % (what, below, fns))
    if name_prefix:
        check(t["name"].startswith(name_prefix),
              "%s: the crashed thread is %r, expected %s*" % (what, t["name"], name_prefix))


def prog_cases(args, scratch):
    modes = [("creator-null", signal.SIGSEGV, "fault_null"),
             ("creator-raw-null", signal.SIGSEGV, "fault_null"),
             ("self-null", signal.SIGSEGV, "fault_null"),
             ("self-procmask", signal.SIGSEGV, "fault_null"),
             ("creator-trap", signal.SIGTRAP, "fault_trap")]
    n = 0
    for mode, sig, fn in modes:
        for how in ("preload", "linked"):
            d = tempfile.mkdtemp(dir=scratch)
            env = base_env()
            env["BBX_DIR"] = d
            if how == "preload":
                without = run([args.prog, mode], base_env())
                env["LD_PRELOAD"] = preload_list(args)
                with_bbx = run([args.prog, mode], env)
            else:
                without = run([args.linked, mode], base_env())
                env["SIGBLOCK_BBX"] = "1"
                with_bbx = run([args.linked, mode], env)
            judge(args, "%s (%s)" % (mode, how), without, with_bbx, d, sig, fn,
                  below="worker")
            n += 1
    return n


def gerror_case(args, scratch):
    d = tempfile.mkdtemp(dir=scratch)
    without = run([args.gerror], base_env())
    # GLib blocks every signal in gmain: the kernel's mask, as GLib left it.
    if without is not None:
        line = [ln for ln in without.stderr.splitlines() if ln.startswith("SigBlk of gmain:")]
        blk = int(line[0].split(":")[1], 16) if line else 0
        check(blk & (1 << (signal.SIGTRAP - 1)) and blk & (1 << (signal.SIGSEGV - 1)),
              "gmain does not block SIGTRAP and SIGSEGV without bbx (%s): the case tests "
              "nothing" % (line[0] if line else "no SigBlk line"))
    env = base_env()
    env["BBX_DIR"] = d
    env["LD_PRELOAD"] = preload_list(args)
    with_bbx = run([args.gerror], env)
    judge(args, "g_error in gmain", without, with_bbx, d, signal.SIGTRAP, "g_log",
          name_prefix="gmain", below="report_failure")
    return 1


def llvmpipe_case(args, scratch):
    glxgears = shutil.which("glxgears")
    if not glxgears:
        die("glxgears is missing (Debian package mesa-utils; scripts/install-deps.sh)")
    d = tempfile.mkdtemp(dir=scratch)
    with Xvfb() as x:
        env = dict(base_env(), DISPLAY=x["DISPLAY"])
        env["LIBGL_ALWAYS_SOFTWARE"] = "1"
        env["GALLIUM_DRIVER"] = "llvmpipe"
        runtimes = [r for r in args.sanitizer_runtimes.split(":") if r]
        env["LD_PRELOAD"] = ":".join(runtimes + [args.inject])
        without = run([glxgears], env, timeout=300)
        env["LD_PRELOAD"] = preload_list(args, args.inject)
        env["BBX_DIR"] = d
        with_bbx = run([glxgears], env, timeout=300)
    # Mesa's mask, as the thread had it without bbx, blocks the trap.
    if without is not None:
        line = [ln for ln in without.stderr.splitlines()
                if ln.startswith("SigBlk of llvmpipe:")]
        blk = int(line[0].split(":")[1], 16) if line else 0
        check(blk & (1 << (signal.SIGTRAP - 1)),
              "the llvmpipe thread does not block SIGTRAP without bbx (%s): the case tests "
              "nothing" % (line[0] if line else "no SigBlk line"))
    judge(args, "llvmpipe thread of glxgears", without, with_bbx, d, signal.SIGTRAP,
          "llvmpipe_fault", name_prefix="llvmpipe-", below="pthread_setname_np")
    return 1


def blocked_before_case(args, scratch):
    d = tempfile.mkdtemp(dir=scratch)
    env = base_env()
    env["BBX_DIR"] = d
    env["SIGBLOCK_BBX"] = "1"
    p = run([args.linked, "spin-before"], env)
    if not check(p is not None and p.returncode == 0,
                 "spin-before: exited %s" % (p.returncode if p else "(timeout)")):
        return 1
    snaps = glob.glob(os.path.join(d, "*.bbx"))
    if not check(len(snaps) == 1, "spin-before: %d snapshots" % len(snaps)):
        return 1
    s = snapshot_json(args, snaps[0])
    spin = [t for t in (s or {}).get("threads", []) if t["name"] == "spinner"]
    if not check(len(spin) == 1, "spin-before: no thread 'spinner' in the snapshot"):
        return 1
    t = spin[0]
    check(t["status"] == "blocked" and t["stack_method"] == "none",
          "spin-before: spinner is %s/%s, expected blocked/none" % (t["status"], t["stack_method"]))
    check(t["state"] == "R" and t["syscall"] == -1,
          "spin-before: spinner's kernel view: state %s syscall %s, expected R and -1 (running)"
          % (t["state"], t["syscall"]))
    text = subprocess.run([args.bbx, "show", snaps[0]], capture_output=True, text=True).stdout
    block = text.split('"spinner"', 1)[1].split("\n---", 1)[0] if '"spinner"' in text else ""
    check("  stack: none: it blocks bbx's thread signal" in block and "running (no syscall)" in block,
          "spin-before: bbx show does not say the spinner's stack is none and why:\n" + block)
    return 1


def main():
    args = parse()
    scratch = tempfile.mkdtemp(prefix="bbx-sigthreads-")
    try:
        n = prog_cases(args, scratch)
        n += gerror_case(args, scratch)
        n += llvmpipe_case(args, scratch)
        n += blocked_before_case(args, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    finish(cases=n)


if __name__ == "__main__":
    main()
