#!/usr/bin/env python3
"""The hang watchdog end to end (issue 12), with hang_prog (linked with
libbbx) and hang_prog_plain (under libbbx-preload.so), BBX_HANG_MS=1000:

- spin: one "hang" snapshot (the main thread, hung, first, busy, in
  spin_here) and one "hang-end" snapshot whose duration is within 10% of
  the freeze hang_prog measured itself; nothing else;
- sleep: the same, blocked, in sleep_here, the kernel's call a sleep;
- heartbeat: a thread watched with bbx_watch_thread() that stops calling
  bbx_heartbeat() is hung (busy, in spin_here);
- named (preload, BBX_HANG_THREADS=render): the thread named render;
- spin under the preload: the main thread, as linked;
- idle for five limits: no snapshot; a program that works 300 ms at a time
  between quick polls, stopped with SIGSTOP for three limits: no snapshot;
- the program prints the same and exits the same with and without bbx.

The oracles are the program's own output (its thread ids, its own clock
for the freeze) and the symbol names of its functions.  Exits 0, or 1
with the reasons on stdout.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "leaks"))
import leaktest as lt  # noqa: E402

LIMIT_MS = 1000
TICK_MS = 100           # a tenth of the limit (collector/runtime/hang_watch.c)
LATE_MS = 1000          # a loaded machine delays the watchdog: a sanity bound only


def run_prog(cmd, env, stop_after=None, stop_for=None):
    """Runs cmd; with stop_after, SIGSTOPs it that many seconds in for
    stop_for seconds.  Returns (exit code, stdout)."""
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    if stop_after is not None:
        time.sleep(stop_after)
        p.send_signal(signal.SIGSTOP)
        time.sleep(stop_for)
        p.send_signal(signal.SIGCONT)
    out, err = p.communicate(timeout=120)
    if err.strip():
        lt.note("%s stderr: %s" % (os.path.basename(cmd[0]), err.strip()[-800:]))
    return p.returncode, out


def tids(out):
    return [int(x) for x in re.findall(r"^tid (\d+)$", out, re.M)]


def frozen_ms(out):
    m = re.search(r"^frozen (\d+)$", out, re.M)
    return int(m.group(1)) if m else None


def files_by_word(snap_dir):
    words = {}
    for f in lt.snapshots(snap_dir):
        word = re.sub(r"-\d+$", "", os.path.basename(f)[:-4].rsplit("-", 1)[-1])
        words.setdefault(word, []).append(f)
    return words


def functions(thread):
    return [f.get("function") or "" for f in thread.get("frames", [])]


def check_hang(label, bbx, snap_dir, out, tid, state, function):
    """One hang and one hang-end snapshot of `tid`, nothing else."""
    words = files_by_word(snap_dir)
    lt.check(sorted(words) == ["hang", "recovered"] and len(words["hang"]) == 1
             and len(words["recovered"]) == 1,
             "%s: one hang and one recovered snapshot (got %s)"
             % (label, {k: len(v) for k, v in words.items()}))
    if "hang" not in words or "recovered" not in words:
        return
    d = lt.bbx_show(bbx, words["hang"][0])
    t = d["trigger"]
    h = t.get("hang") or {}
    lt.check(t["kind"] == "hang", "%s: trigger kind %s" % (label, t["kind"]))
    lt.check(h.get("tid") == tid, "%s: hung tid %s, expected %d" % (label, h.get("tid"), tid))
    lt.check(h.get("state") == state, "%s: %s, expected %s" % (label, h.get("state"), state))
    stuck = h.get("stuck_ms", 0)
    lt.check(LIMIT_MS <= stuck <= LIMIT_MS + TICK_MS + LATE_MS,
             "%s: seen after %d ms (limit %d, tick %d)" % (label, stuck, LIMIT_MS, TICK_MS))
    lt.note("%s: hang seen after %d ms, %s, %d ms of CPU" % (label, stuck, h.get("state"),
                                                             h.get("cpu_ms", 0)))
    first = d["threads"][0]
    lt.check(first["tid"] == tid and first.get("hung"),
             "%s: the first thread is %s (hung %s), expected %d"
             % (label, first["tid"], first.get("hung"), tid))
    lt.check(function in functions(first),
             "%s: %s not in the hung thread's frames %s" % (label, function, functions(first)[:8]))
    others = [th for th in d["threads"][1:] if th.get("hung")]
    lt.check(not others, "%s: other threads marked hung: %s" % (label, [o["tid"] for o in others]))
    text = lt.run([bbx, "show", words["hang"][0]]).stdout
    first_thread = re.search(r"^--- thread (\d+) .*$", text, re.M)
    lt.check(first_thread and int(first_thread.group(1)) == tid and "(hung)" in first_thread.group(0),
             "%s: bbx show lists first %s" % (label, first_thread and first_thread.group(0)))
    lt.check(re.search(r"^hang: thread %d .*has not returned to its event loop for" % tid, text,
                       re.M), "%s: bbx show does not say the thread hangs" % label)

    # bbx scrub keeps what the hang is (nothing of it is private)
    scrubbed = words["hang"][0][:-4] + "-scrubbed.bbx.out"
    lt.run([bbx, "scrub", words["hang"][0], "-o", scrubbed])
    ds = lt.bbx_show(bbx, scrubbed) if os.path.exists(scrubbed) else {}
    lt.check(ds and ds["trigger"].get("hang") == h,
             "%s: bbx scrub changed the hang: %s" % (label, ds and ds["trigger"].get("hang")))

    e = lt.bbx_show(bbx, words["recovered"][0])
    te = e["trigger"]
    he = te.get("hang") or {}
    measured = frozen_ms(out)
    lt.check(te["kind"] == "hang-end" and he.get("tid") == tid and he.get("over"),
             "%s: recovered snapshot: %s" % (label, te))
    if measured:
        lt.check(abs(he.get("stuck_ms", 0) - measured) <= measured / 10,
                 "%s: freeze of %s ms recorded, the program measured %d"
                 % (label, he.get("stuck_ms"), measured))
        lt.note("%s: freeze %d ms recorded, %d ms measured" % (label, he.get("stuck_ms", 0),
                                                                measured))
    crumbs = [b.get("text") or "" for b in e.get("breadcrumbs", [])]
    lt.check(any("hang over" in c and str(tid) in c for c in crumbs),
             "%s: no 'hang over' breadcrumb in %s" % (label, crumbs[-3:]))
    return d


def run_case(label, args, scratch, cmd, env, state, function):
    """Runs cmd with BBX_HANG_MS (and env's collector settings) and checks
    its one freeze of the thread it names first; the hang snapshot's JSON."""
    d = scratch.sub(label.replace(" ", "-"))
    rc, out = run_prog(cmd, lt.collector_env(d, hang_ms=LIMIT_MS, **env))
    if not lt.check(rc == 0 and tids(out), "%s: exit %d, output %r" % (label, rc, out)):
        return None
    return check_hang(label, args.bbx, d, out, tids(out)[0], state, function)


def main():
    ap = lt.arg_parser(__doc__)
    ap.add_argument("--prog", required=True, help="hang_prog (linked)")
    ap.add_argument("--plain", required=True, help="hang_prog_plain (not linked)")
    args = ap.parse_args()
    preload = lt.preload_value(args)
    hang = {"hang_ms": LIMIT_MS}
    with lt.Scratch("hang") as scratch:
        run_case("spin", args, scratch, [args.prog, "spin", "500", "3000", "1000"], {},
                 "busy", "spin_here")

        # sleep, linked: blocked, and the kernel's view of the call
        snap = run_case("sleep", args, scratch, [args.prog, "sleep", "500", "3000", "1000"], {},
                        "blocked", "sleep_here")
        if snap:
            t0 = snap["threads"][0]
            # nanosleep() is clock_nanosleep (230) or nanosleep (35) in the kernel
            lt.check(t0.get("syscall") in (35, 230),
                     "sleep: the hung thread's system call is %s" % t0.get("syscall"))

        # a heartbeat thread that stops beating (bbx_watch_thread)
        run_case("heartbeat", args, scratch, [args.prog, "heartbeat", "1500", "2500", "500"], {},
                 "busy", "spin_here")

        # under the preload: the main thread, and a thread named in BBX_HANG_THREADS
        run_case("preload spin", args, scratch, [args.plain, "spin", "500", "3000", "1000"],
                 {"preload": preload}, "busy", "spin_here")
        run_case("preload named", args, scratch, [args.plain, "named", "2000", "3000", "500"],
                 {"preload": preload, "hang_threads": "render"}, "busy", "spin_here")

        # idle for five limits: no hang
        d = scratch.sub("idle")
        rc, out = run_prog([args.prog, "idle", str(5 * LIMIT_MS)], lt.collector_env(d, **hang))
        lt.check(rc == 0 and not lt.snapshots(d),
                 "idle: exit %d, snapshots %s" % (rc, lt.snapshots(d)))

        # responsive but never idle, stopped for three limits: no hang
        d = scratch.sub("stopped")
        rc, out = run_prog([args.prog, "work", "5000"], lt.collector_env(d, **hang),
                           stop_after=1.2, stop_for=3 * LIMIT_MS / 1000)
        lt.check(rc == 0 and not lt.snapshots(d),
                 "stopped: exit %d, snapshots %s" % (rc, lt.snapshots(d)))

        # the program sees nothing of it: same output, same exit, with and without
        plain_env = {k: v for k, v in os.environ.items() if not k.startswith("BBX_")}
        plain_env.pop("LD_PRELOAD", None)
        d = scratch.sub("compare")
        for mode in ("spin", "sleep", "named"):
            cmd = [args.plain, mode, "300", "1500", "300"]
            a = run_prog(cmd, plain_env)
            b = run_prog(cmd, lt.collector_env(d, preload=preload, hang_threads="render", **hang))
            strip = lambda o: re.sub(r"(tid|frozen) \d+", r"\1 N", o)  # noqa: E731
            lt.check(a[0] == b[0] and strip(a[1]) == strip(b[1]),
                     "%s: without bbx exit %d %r, with %d %r" % (mode, a[0], a[1], b[0], b[1]))
    lt.finish()


if __name__ == "__main__":
    main()
