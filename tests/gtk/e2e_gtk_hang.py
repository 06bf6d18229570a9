#!/usr/bin/env python3
"""End-to-end: the hang watchdog on samples/gtk-app, a real GTK3 window
under Xvfb, clicked through the X server with xdotool; BBX_HANG_MS=2000.

Usage: e2e_gtk_hang.py --app GTK_APP --bbx BBX --preload LIBBBX_PRELOAD
                       [--sanitizer-runtimes=A:B]

- hang-spin (5 s; linked, and under LD_PRELOAD=libbbx-preload.so): one
  "hang" snapshot of the UI thread, first and marked hung, busy, in
  spin_for at its loop's lines of gtk_app.c; then one "hang-end" snapshot
  of the whole freeze;
- hang-sleep (5 s): the same, blocked, in sleep_for at its line, the kernel's
  call a sleep;
- hang-mutex: the UI thread is blocked in lock_shared_resource on the mutex
  held by "loader", which bbx show says is blocked in read();
- every hung thread's stack reaches main (a thread blocked on a mutex is
  asked with bbx's thread signal: glibc waits again, and the thread
  unwinds itself whole);
- deadlock: the UI thread and "worker" form a cycle that bbx show names;
- freeze-recover (8 s): the hang-end snapshot's freeze is within 10% of 8 s,
  and bbx leaks of the directory lists the freeze;
- idle for five limits, and idle but stopped with SIGSTOP for three limits:
  no snapshot at all.

The oracles: the tids and lines the sample prints, the source lines of its
functions (found by their comments), and the sample's own freeze length.
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "testlib"))
sys.path.insert(0, HERE)
from check import check, fail, finish  # noqa: E402
from xvfb import Xvfb  # noqa: E402
from e2e_gtk_app import App, app_env, show_json, snapshots, source_line  # noqa: E402

LIMIT_MS = 2000
TICK_MS = 200            # a tenth of the limit (collector/runtime/hang_watch.c)
LATE_MS = 1500           # a loaded machine delays the watchdog: a sanity bound only
WAIT = 60


def wait_files(out, word, n=1):
    """Waits (at most WAIT s) until `out` holds n snapshots named *-WORD.bbx."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        got = [f for f in snapshots(out) if f.endswith("-%s.bbx" % word)]
        if len(got) >= n:
            return got
        time.sleep(0.1)
    return [f for f in snapshots(out) if f.endswith("-%s.bbx" % word)]


def by_word(out):
    words = {}
    for f in snapshots(out):
        words.setdefault(f[:-4].rsplit("-", 1)[-1], []).append(f)
    return words


def frame_of(thread, function):
    for f in thread.get("frames", []):
        if f.get("function") == function:
            return f
    return None


def start(args, env, top, label, mode, *extra, preload=False):
    out = os.path.join(top, label)
    os.makedirs(out)
    more = {"BBX_HANG_MS": str(LIMIT_MS)}
    if preload:
        runtimes = [r for r in args.sanitizer_runtimes.split(":") if r]
        more["LD_PRELOAD"] = ":".join(runtimes + [args.preload])
    app = App(args, app_env(env, out, args, **more), mode, *extra)
    return app, out


def check_hang(args, label, out, tid, state, function, lines):
    """The one hang snapshot of `out`: the UI thread `tid`, first, hung,
    `state`, in `function` at one of `lines`.  Returns its JSON."""
    hangs = wait_files(out, "hang")
    if not check(len(hangs) == 1, "%s: one hang snapshot, found %s" % (label, snapshots(out))):
        return None
    j = show_json(args, os.path.join(out, hangs[0]))
    h = j["trigger"].get("hang") or {}
    check(j["trigger"]["kind"] == "hang" and h.get("tid") == tid,
          "%s: a hang of the UI thread %d, not %s" % (label, tid, j["trigger"]))
    check(h.get("state") == state, "%s: %s, expected %s" % (label, h.get("state"), state))
    stuck = h.get("stuck_ms", 0)
    check(LIMIT_MS <= stuck <= LIMIT_MS + TICK_MS + LATE_MS,
          "%s: seen after %d ms (limit %d)" % (label, stuck, LIMIT_MS))
    first = j["threads"][0]
    check(first["tid"] == tid and first.get("hung"),
          "%s: the first thread is %s (hung %s), not the UI thread %d"
          % (label, first["tid"], first.get("hung"), tid))
    f = frame_of(first, function)
    check(f is not None and os.path.basename(f.get("file") or "") == "gtk_app.c"
          and f.get("line") in lines,
          "%s: %s at gtk_app.c:%s in the hung thread, found %s" % (label, function, lines,
          [(x.get("function"), x.get("line")) for x in first.get("frames", [])[:8]]))
    names = [x.get("function") for x in first.get("frames", [])]
    check("main" in names, "%s: the hung thread's stack reaches main: %s" % (label, names[-6:]))
    text = subprocess.run([args.bbx, "show", os.path.join(out, hangs[0])],
                          capture_output=True, text=True).stdout
    check(re.search(r"^hang: thread %d \"gtk-app\" has not returned to its event loop" % tid,
                    text, re.M), "%s: bbx show does not say the UI thread hangs" % label)
    print("%s: hang seen after %d ms, %s, %d ms of CPU" % (label, stuck, h.get("state"),
                                                          h.get("cpu_ms", 0)))
    return j


def case_recovering(args, env, top, label, mode, function, lines, state, preload=False):
    app, out = start(args, env, top, label, mode, "--seconds=5", "--quit-after=1",
                     preload=preload)
    app.click_button(env)
    app.expect(r"^action %s tid=%d$" % (mode, app.tid))
    check_hang(args, label, out, app.tid, state, function, lines)
    status = app.wait()
    check(status == 0, "%s: exit status %s" % (label, status))
    words = by_word(out)
    check(sorted(words) == ["hang", "recovered"] and len(words["recovered"]) == 1,
          "%s: one hang and one recovered snapshot, found %s" % (label, snapshots(out)))
    return out


def case_mutex(args, env, top):
    app, out = start(args, env, top, "hang-mutex", "hang-mutex")
    # the loader starts before the window, so its line came before "ready"
    seen = [re.match(r"^thread loader tid=(\d+)$", line) for line in app.lines]
    found = [m for m in seen if m]
    loader = int(found[0].group(1)) if found else int(
        app.expect(r"^thread loader tid=(\d+)$").group(1))
    app.click_button(env)
    app.expect(r"^action hang-mutex tid=%d$" % app.tid)
    j = check_hang(args, "hang-mutex", out, app.tid, "blocked", "lock_shared_resource",
                   [source_line(r"lock_shared_resource: blocks")])
    app.kill()
    if not j:
        return
    lock = j["threads"][0].get("lock") or {}
    check(lock.get("owner") == loader and lock.get("owner_call") == "read",
          "hang-mutex: the UI thread waits for a mutex held by loader %d in read(): %s"
          % (loader, lock))


def case_deadlock(args, env, top):
    app, out = start(args, env, top, "deadlock", "deadlock")
    app.click_button(env)
    app.expect(r"^action deadlock tid=%d$" % app.tid)
    worker = int(app.expect(r"^thread worker tid=(\d+)$").group(1))
    j = check_hang(args, "deadlock", out, app.tid, "blocked", "ui_take_locks",
                   [source_line(r"ui_take_locks: blocks on A")])
    app.kill()
    if not j:
        return
    cycles = [sorted(t["tid"] for t in d.get("threads", [])) for d in j.get("deadlocks", [])]
    check(sorted([app.tid, worker]) in cycles,
          "deadlock: the cycle of the UI thread %d and worker %d is named: %s"
          % (app.tid, worker, j.get("deadlocks")))
    hangs = [f for f in snapshots(out) if f.endswith("-hang.bbx")]
    if hangs:
        text = subprocess.run([args.bbx, "show", os.path.join(out, hangs[0])],
                              capture_output=True, text=True).stdout
        check("deadlock" in text, "deadlock: bbx show does not say deadlock")


def case_freeze_recover(args, env, top):
    app, out = start(args, env, top, "freeze-recover", "freeze-recover", "--quit-after=1")
    app.click_button(env)
    app.expect(r"^action freeze-recover tid=%d$" % app.tid)
    seconds = int(app.expect(r"^recovered seconds=(\d+)$").group(1))
    check(app.wait() == 0, "freeze-recover: exit status")
    ends = wait_files(out, "recovered")
    if not check(len(ends) == 1 and len(snapshots(out)) == 2,
                 "freeze-recover: a hang and a recovered snapshot, found %s" % snapshots(out)):
        return
    h = show_json(args, os.path.join(out, ends[0]))["trigger"].get("hang") or {}
    ms = h.get("stuck_ms", 0)
    check(h.get("tid") == app.tid and abs(ms - seconds * 1000) <= seconds * 100,
          "freeze-recover: a freeze of %s ms by thread %s, the handler slept %d s in the UI "
          "thread %d" % (ms, h.get("tid"), seconds, app.tid))
    print("freeze-recover: freeze of %d ms recorded for %d s" % (ms, seconds))
    p = subprocess.run([args.bbx, "leaks", "--json", out], capture_output=True, text=True)
    freezes = json.loads(p.stdout).get("freezes", []) if p.returncode in (0, 1) else []
    check(len(freezes) == 1 and freezes[0].get("tid") == app.tid and freezes[0].get("over"),
          "freeze-recover: bbx leaks lists the freeze: %s" % freezes)


def case_idle(args, env, top):
    secs = 5 * LIMIT_MS // 1000
    app, out = start(args, env, top, "idle", "idle", "--quit-after=%d" % secs)
    check(app.wait() == 0 and not snapshots(out),
          "idle: %d s idle, exit %s, snapshots %s" % (secs, app.proc.returncode, snapshots(out)))


def case_stopped(args, env, top):
    app, out = start(args, env, top, "stopped", "idle", "--quit-after=%d" % (4 * LIMIT_MS // 1000))
    app.proc.send_signal(signal.SIGSTOP)
    time.sleep(3 * LIMIT_MS / 1000)
    app.proc.send_signal(signal.SIGCONT)
    check(app.wait() == 0 and not snapshots(out),
          "stopped: exit %s, snapshots %s" % (app.proc.returncode, snapshots(out)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--app", required=True)
    ap.add_argument("--bbx", required=True)
    ap.add_argument("--preload", required=True)
    ap.add_argument("--sanitizer-runtimes", default="")
    args = ap.parse_args()
    top = tempfile.mkdtemp(prefix="bbx-gtk-hang-")
    spin_lines = [source_line(r"spin_for: the busy loop"), source_line(r"spin_for: the busy loop") + 1]
    with Xvfb() as env:
        case_recovering(args, env, top, "hang-spin", "hang-spin", "spin_for", spin_lines, "busy")
        case_recovering(args, env, top, "hang-spin-preload", "hang-spin", "spin_for", spin_lines,
                        "busy", preload=True)
        case_recovering(args, env, top, "hang-sleep", "hang-sleep", "sleep_for",
                        [source_line(r"sleep_for: the sleep")], "blocked")
        case_mutex(args, env, top)
        case_deadlock(args, env, top)
        case_freeze_recover(args, env, top)
        case_idle(args, env, top)
        case_stopped(args, env, top)
    if not os.environ.get("BBX_KEEP_TEMP"):
        subprocess.run(["rm", "-rf", top])
    finish("gtk-app hangs: ok")


if __name__ == "__main__":
    main()
