#!/usr/bin/env python3
"""End-to-end: samples/gtk-app, a real GTK3 window under Xvfb, driven
through the X server by xdotool.

Usage: e2e_gtk_app.py CASE --app GTK_APP --bbx BBX --preload LIBBBX_PRELOAD
                       [--sanitizer-runtimes=A:B]

CASE:
  crash       a click on "Do it" (xdotool, through the X server) with
              --mode=crash: one snapshot, trigger SIGSEGV, the crashing thread
              is the UI thread (the tid the app printed) with crash_in_handler
              (at the line of its fault in gtk_app.c) and on_button_crash in
              its frames; the process dies by SIGSEGV, as it does with
              GTK_APP_NO_BBX=1 (no bbx_init, no snapshot); the same binary
              under LD_PRELOAD=libbbx-preload.so (bbx_init: BBX_EALREADY)
              gives the same snapshot.
  crash-worker  a click (xdotool) with --mode=crash-worker: the handler
              starts "blocked-worker" with every signal blocked, which
              dereferences NULL; linked and under LD_PRELOAD=
              libbbx-preload.so: one complete snapshot, trigger SIGSEGV in
              the worker (the tid it printed), the one crashed thread, with
              crash_in_worker (at its fault's line) and blocked_worker_main
              in its frames; the process dies by SIGSEGV, as it does with
              GTK_APP_NO_BBX=1 (where the blocked SIGSEGV kills it at once).
  idle        --mode=idle --click-after=0 --quit-after=3: the handler runs
              (and does nothing), the program exits 0 with no snapshot.
  screenshot  the window and the screen, taken with ImageMagick's import,
              are not blank (more than 2 colours); the screen before the
              window appeared was (1 colour).
  modes       each hang mode does what the sample promises, seen from
              /proc: hang-sleep (started by the Return key) in nanosleep,
              hang-spin running and using CPU, hang-mutex with the UI thread
              in a futex wait and "loader" in read(), deadlock with the UI
              thread and "worker" both in futex waits, freeze-recover
              (clicked by --click-after=0) printing "recovered" and then
              exiting 0 at --quit-after=1 (due during the freeze), and
              crash-worker dying by SIGSEGV in its thread "blocked-worker".
"""

import argparse
import json
import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "testlib"))
from check import check, die, fail, finish  # noqa: E402
from xvfb import Xvfb, XvfbError, click, colours, find_window, press_key, screenshot  # noqa: E402

SOURCE = os.path.join(HERE, "..", "..", "samples", "gtk-app", "gtk_app.c")
WAIT = 60  # seconds: the bound of every wait for the app


def source_line(pattern):
    """The number of the line of gtk_app.c that matches pattern."""
    with open(SOURCE) as f:
        for i, text in enumerate(f, 1):
            if re.search(pattern, text):
                return i
    die("no line matching %r in %s" % (pattern, SOURCE))


class App:
    """gtk-app running on env's display; reads its oracle lines."""

    def __init__(self, args, env, mode, *extra):
        self.proc = subprocess.Popen([args.app, "--mode=" + mode] + list(extra), env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        self.lines = []
        self.queue = queue.Queue()
        self.err_parts = []
        self.readers = [threading.Thread(target=self._read, daemon=True),
                        threading.Thread(target=self._read_err, daemon=True)]
        for t in self.readers:
            t.start()
        self.ready = self.expect(r"^ready pid=(\d+) tid=(\d+) button=(\d+),(\d+),(\d+),(\d+)$")
        self.tid = int(self.ready.group(2))

    def _read(self):
        for line in self.proc.stdout:
            self.queue.put(line.rstrip("\n"))
        self.queue.put(None)

    def _read_err(self):
        self.err_parts.append(self.proc.stderr.read())

    def expect(self, pattern):
        """The match of the next stdout line matching pattern (others are
        kept in self.lines); dies at end of output or after WAIT s."""
        deadline = time.monotonic() + WAIT
        while True:
            try:
                line = self.queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self.kill()
                die("gtk-app printed no line matching %r within %ds; it printed %r"
                    % (pattern, WAIT, self.lines))
            if line is None:
                self.wait()
                die("gtk-app ended (status %s) before a line matching %r; it printed %r, "
                    "stderr: %s" % (self.proc.returncode, pattern, self.lines,
                                    self.err.strip()[-2000:]))
            self.lines.append(line)
            m = re.match(pattern, line)
            if m:
                return m

    def click_button(self, env):
        """A real click in the middle of "Do it", through the X server."""
        x, y, w, h = (int(self.ready.group(i)) for i in range(3, 7))
        win = find_window(env, "^gtk-app$")
        click(env, win, x + w // 2, y + h // 2)
        return win

    def wait(self):
        """The exit status (negative: killed by that signal)."""
        try:
            self.proc.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            fail("gtk-app did not end within %ds" % WAIT)
        self.readers[1].join(timeout=WAIT)
        self.err = "".join(self.err_parts)
        return self.proc.returncode

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.wait()


def app_env(env, outdir, args, **more):
    e = dict(env, BBX_DIR=outdir, ASAN_OPTIONS="handle_segv=0:detect_leaks=0")
    for k in ("BBX_HANG_MS", "BBX_INTERVAL_MS", "BBX_SIGNAL", "BBX_AT_EXIT", "BBX_TRACK",
              "LD_PRELOAD", "GTK_APP_NO_BBX"):
        e.pop(k, None)
    e.update(more)
    return e


def snapshots(outdir):
    return sorted(f for f in os.listdir(outdir) if f.endswith(".bbx"))


def show_json(args, path):
    p = subprocess.run([args.bbx, "show", "--json", path], capture_output=True, text=True)
    if p.returncode != 0:
        die("bbx show --json %s exited %d: %s" % (path, p.returncode, p.stderr.strip()))
    return json.loads(p.stdout)


# ---- crash -------------------------------------------------------------

def crash_run(args, env, top, label, **more):
    """gtk-app --mode=crash clicked through X; (status, ui tid, snapshots dir)."""
    out = os.path.join(top, label)
    os.makedirs(out)
    app = App(args, app_env(env, out, args, **more), "crash")
    app.click_button(env)
    m = app.expect(r"^action crash tid=(\d+)$")
    check(int(m.group(1)) == app.tid, "%s: the click ran on the UI thread %d (action line: %s)"
          % (label, app.tid, m.group(0)))
    return app.wait(), app.tid, out


def one_crash(args, label, out, tid, who):
    """The one SIGSEGV snapshot in out, naming thread `tid` (`who`) as the
    trigger and as its only crashed thread: (snapshot JSON, that thread),
    or None after saying what is wrong."""
    snaps = snapshots(out)
    if not check(len(snaps) == 1, "%s: one snapshot, found %d: %s" % (label, len(snaps), snaps)):
        return None
    j = show_json(args, os.path.join(out, snaps[0]))
    t = j["trigger"]
    check(j["complete"], "%s: the snapshot is complete (%s)" % (label, j["incomplete_reason"]))
    check(t["kind"] == "crash" and t["signal"] == signal.SIGSEGV,
          "%s: trigger is a SIGSEGV crash, not %s %s" % (label, t["kind"], t["signal_name"]))
    check(t["tid"] == tid, "%s: the trigger names thread %s, the %s is %d"
          % (label, t["tid"], who, tid))
    crashed = [th for th in j["threads"] if th["crashed"]]
    if not check(len(crashed) == 1, "%s: one crashed thread, found %d" % (label, len(crashed))):
        return None
    return j, crashed[0]


def check_top_frame(label, th, function):
    """Frame 0 of th is `function` at the line marked "FUNCTION: the fault"."""
    top_frame = th["frames"][0] if th["frames"] else {}
    line = source_line(r"%s: the fault" % function)
    check(top_frame.get("function") == function
          and os.path.basename(top_frame.get("file") or "") == "gtk_app.c"
          and top_frame.get("line") == line,
          "%s: frame 0 is %s at gtk_app.c:%d, not %s %s:%s"
          % (label, function, line, top_frame.get("function"), top_frame.get("file"),
             top_frame.get("line")))


def check_crash_snapshot(args, label, tid, out):
    found = one_crash(args, label, out, tid, "UI thread")
    if not found:
        return
    j, th = found
    check(th["tid"] == tid, "%s: the crashed thread is %d, the UI thread is %d"
          % (label, th["tid"], tid))
    names = [f["function"] for f in th["frames"]]
    check(j["threads"][0]["tid"] == tid, "%s: the crashed thread comes first" % label)
    check_top_frame(label, th, "crash_in_handler")
    check("on_button_crash" in names, "%s: on_button_crash in the frames %s" % (label, names[:8]))
    check("main" in names, "%s: main in the frames (the unwind reached it)" % label)
    ann = json.dumps(j["annotations"])
    check("1.0" in ann, "%s: the app version is among the annotations: %s" % (label, ann))


def case_crash(args, env, top):
    rc, tid, out = crash_run(args, env, top, "linked")
    check(rc == -signal.SIGSEGV, "linked: gtk-app died by SIGSEGV, status %d" % rc)
    check_crash_snapshot(args, "linked", tid, out)

    rc_plain, _, out = crash_run(args, env, top, "no-bbx", GTK_APP_NO_BBX="1")
    check(rc_plain == -signal.SIGSEGV, "no-bbx: gtk-app died by SIGSEGV, status %d" % rc_plain)
    check(rc == rc_plain, "the same end with and without bbx: %d and %d" % (rc, rc_plain))
    check(snapshots(out) == [], "no-bbx: no snapshot without bbx_init: %s" % snapshots(out))

    preload = ":".join([r for r in args.sanitizer_runtimes.split(":") if r] + [args.preload])
    rc, tid, out = crash_run(args, env, top, "preload", LD_PRELOAD=preload)
    check(rc == -signal.SIGSEGV, "preload: gtk-app died by SIGSEGV, status %d" % rc)
    check_crash_snapshot(args, "preload", tid, out)


# ---- crash-worker ------------------------------------------------------

def crash_worker_run(args, env, top, label, **more):
    """gtk-app --mode=crash-worker clicked through X; (status, worker tid,
    snapshots dir)."""
    out = os.path.join(top, label)
    os.makedirs(out)
    app = App(args, app_env(env, out, args, **more), "crash-worker")
    app.click_button(env)
    app.expect(r"^action crash-worker tid=%d$" % app.tid)
    worker = int(app.expect(r"^thread blocked-worker tid=(\d+)$").group(1))
    check(worker != app.tid, "%s: the worker %d is not the UI thread" % (label, worker))
    return app.wait(), worker, out


def check_worker_snapshot(args, label, worker, out):
    found = one_crash(args, label, out, worker, "worker")
    if not found:
        return
    _, th = found
    check(th["tid"] == worker and th["name"] == "blocked-worker",
          "%s: the crashed thread is %d %r, expected %d 'blocked-worker'"
          % (label, th["tid"], th["name"], worker))
    check(th["status"] == "unwound", "%s: the worker is %s, not unwound" % (label, th["status"]))
    names = [f["function"] for f in th["frames"]]
    check_top_frame(label, th, "crash_in_worker")
    check("blocked_worker_main" in names,
          "%s: blocked_worker_main in the frames %s" % (label, names[:8]))


def case_crash_worker(args, env, top):
    rc_plain, _, out = crash_worker_run(args, env, top, "no-bbx", GTK_APP_NO_BBX="1")
    check(rc_plain == -signal.SIGSEGV, "no-bbx: gtk-app died by SIGSEGV, status %d" % rc_plain)
    check(snapshots(out) == [], "no-bbx: no snapshot without bbx_init: %s" % snapshots(out))

    preload = ":".join([r for r in args.sanitizer_runtimes.split(":") if r] + [args.preload])
    for label, more in (("linked", {}), ("preload", {"LD_PRELOAD": preload})):
        rc, worker, out = crash_worker_run(args, env, top, label, **more)
        check(rc == rc_plain, "%s: gtk-app died with status %d, without bbx %d"
              % (label, rc, rc_plain))
        check_worker_snapshot(args, label, worker, out)


# ---- idle --------------------------------------------------------------

def case_idle(args, env, top):
    # The program clicks itself: the order of click and quit is then fixed
    # (both timers start at the first draw), whatever the machine's load.
    app = App(args, app_env(env, top, args), "idle", "--click-after=0", "--quit-after=3")
    app.expect(r"^action idle tid=%d$" % app.tid)
    app.expect(r"^quit$")
    rc = app.wait()
    check(rc == 0, "idle: exit status 0, not %d (stderr: %s)" % (rc, app.err.strip()[-500:]))
    check(snapshots(top) == [], "idle: no snapshot, found %s" % snapshots(top))


# ---- screenshot --------------------------------------------------------

def case_screenshot(args, env, top):
    before = os.path.join(top, "before.png")
    screenshot(env, before)
    check(colours(before) == 1, "the empty screen is one colour, it has %d" % colours(before))
    app = App(args, app_env(env, top, args), "idle")
    win = find_window(env, "^gtk-app$")
    for name, target in (("window", win), ("screen", "root")):
        path = os.path.join(top, name + ".png")
        screenshot(env, path, target)
        n = colours(path)
        check(n > 2, "the %s with the app is not blank: %d colours" % (name, n))
    app.kill()


# ---- modes -------------------------------------------------------------

SYSCALLS = {"x86_64": {"read": 0, "futex": 202, "nanosleep": 35, "clock_nanosleep": 230},
            "aarch64": {"read": 63, "futex": 98, "nanosleep": 101, "clock_nanosleep": 115}}


def task_syscall(pid, tid):
    """The number of the system call thread tid is blocked in, or None."""
    try:
        with open("/proc/%d/task/%d/syscall" % (pid, tid)) as f:
            word = f.read().split()[0]
    except (OSError, IndexError):
        return None
    return int(word) if word.lstrip("-").isdigit() else None


def cpu_ticks(pid, tid):
    with open("/proc/%d/task/%d/stat" % (pid, tid)) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def wait_for(what, cond):
    """Polls cond() until true (at most WAIT s); checks that it became true."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if cond():
            return check(True, what)
        time.sleep(0.05)
    return check(False, what)


def in_call(pid, tid, *calls):
    numbers = SYSCALLS[os.uname().machine]
    return lambda: task_syscall(pid, tid) in [numbers[c] for c in calls]


def case_modes(args, env, top):
    if os.uname().machine not in SYSCALLS:
        die("no system call numbers for %s in this test" % os.uname().machine)
    e = app_env(env, top, args)

    app = App(args, e, "hang-sleep", "--seconds=600")
    press_key(env, find_window(env, "^gtk-app$"), "Return")
    app.expect(r"^action hang-sleep tid=%d$" % app.tid)
    pid = app.proc.pid
    wait_for("hang-sleep: the UI thread sleeps in nanosleep",
             in_call(pid, app.tid, "nanosleep", "clock_nanosleep"))
    app.kill()

    app = App(args, e, "hang-spin", "--seconds=600")
    app.click_button(env)
    app.expect(r"^action hang-spin tid=%d$" % app.tid)
    pid = app.proc.pid
    first = cpu_ticks(pid, app.tid)
    wait_for("hang-spin: the UI thread keeps using CPU",
             lambda: cpu_ticks(pid, app.tid) >= first + 20)
    app.kill()

    app = App(args, e, "hang-mutex")
    m = [re.match(r"^thread loader tid=(\d+)$", line) for line in app.lines]
    m = [x for x in m if x]
    if not m:
        die("hang-mutex: no 'thread loader' line before ready: %r" % app.lines)
    loader = int(m[0].group(1))
    app.click_button(env)
    app.expect(r"^action hang-mutex tid=%d$" % app.tid)
    pid = app.proc.pid
    wait_for("hang-mutex: the loader is blocked in read()", in_call(pid, loader, "read"))
    wait_for("hang-mutex: the UI thread waits for the mutex", in_call(pid, app.tid, "futex"))
    app.kill()

    app = App(args, e, "deadlock")
    app.click_button(env)
    app.expect(r"^action deadlock tid=%d$" % app.tid)
    worker = int(app.expect(r"^thread worker tid=(\d+)$").group(1))
    pid = app.proc.pid
    wait_for("deadlock: the worker waits for a mutex", in_call(pid, worker, "futex"))
    wait_for("deadlock: the UI thread waits for a mutex", in_call(pid, app.tid, "futex"))
    app.kill()

    app = App(args, e, "freeze-recover", "--seconds=2", "--click-after=0", "--quit-after=1")
    app.expect(r"^action freeze-recover tid=%d$" % app.tid)
    app.expect(r"^recovered seconds=2$")
    app.expect(r"^quit$")
    rc = app.wait()
    check(rc == 0, "freeze-recover: exit status 0 after recovering, not %d" % rc)

    app = App(args, app_env(env, top, args, GTK_APP_NO_BBX="1"), "crash-worker")
    app.click_button(env)
    app.expect(r"^action crash-worker tid=%d$" % app.tid)
    worker = int(app.expect(r"^thread blocked-worker tid=(\d+)$").group(1))
    check(worker != app.tid, "crash-worker: the worker is its own thread")
    rc = app.wait()
    check(rc == -signal.SIGSEGV, "crash-worker: died by SIGSEGV, status %d" % rc)


CASES = {"crash": case_crash, "crash-worker": case_crash_worker, "idle": case_idle, "screenshot": case_screenshot,
         "modes": case_modes}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case", choices=sorted(CASES))
    ap.add_argument("--app", required=True)
    ap.add_argument("--bbx", required=True)
    ap.add_argument("--preload", required=True)
    ap.add_argument("--sanitizer-runtimes", default="")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bbx-gtk-") as top:
        try:
            with Xvfb() as env:
                CASES[args.case](args, env, top)
        except XvfbError as e:
            die(str(e))
    finish("gtk-app %s: ok" % args.case)


if __name__ == "__main__":
    main()
