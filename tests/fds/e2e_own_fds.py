#!/usr/bin/env python3
"""End-to-end: bbx's own fds are not the program's.

Usage: e2e_own_fds.py BBX PRELOAD [SANITIZER_RUNTIME|-]

Real programs run twice, without bbx and under the preload, to the same
point: `sleep` (started by the test), and `xeyes` under Xvfb once its window
is mapped.  The oracle is the kernel: /proc/PID/fd of the run without bbx
is what the program opened itself.  Under the preload:
  - the program holds exactly those numbers (bbx takes none of its low
    numbers: libunwind's pipes and the spares live high);
  - a snapshot (BBX_SIGNAL) lists exactly those fds as the program's, of the
    same kinds, and every other fd the kernel shows is in "bbx_fds";
  - `bbx show` counts bbx's fds in one line and lists them only with
    --bbx-internals.
"""

import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "testlib"))
from check import check, die, finish  # noqa: E402
from xvfb import Xvfb, find_window  # noqa: E402


def kind(pid, fd):
    st = os.stat("/proc/%d/fd/%d" % (pid, fd))
    link = os.readlink("/proc/%d/fd/%d" % (pid, fd))
    if stat.S_ISSOCK(st.st_mode):
        return "socket"
    if stat.S_ISFIFO(st.st_mode):
        return "pipe" if link.startswith("pipe:") else "fifo"
    if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
        return "device"
    if stat.S_ISDIR(st.st_mode):
        return "dir"
    if link.startswith("/memfd:"):
        return "memfd"
    return "file" if stat.S_ISREG(st.st_mode) else "other"


def kernel_fds(pid):
    return {int(n): kind(pid, int(n)) for n in os.listdir("/proc/%d/fd" % pid)}


def anon_bytes(pid):
    """Bytes of anonymous mappings (no file; [anon:...] names included)."""
    total = 0
    with open("/proc/%d/maps" % pid) as f:
        for line in f:
            w = line.split()
            if len(w) < 6 or w[5].startswith("[anon:"):
                lo, hi = (int(x, 16) for x in w[0].split("-"))
                total += hi - lo
    return total


def wait_file(d, suffix, timeout=30):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = [f for f in os.listdir(d) if f.endswith(suffix)] if os.path.isdir(d) else []
        if got:
            return os.path.join(d, got[0])
        time.sleep(0.05)
    return None


def run_pair(what, argv, env, ready, bbx, preload, rt):
    """(fds without bbx, fds with bbx, the snapshot's JSON, snapshot path)."""
    views = []
    with tempfile.TemporaryDirectory(prefix="bbx-ownfds-") as d:
        for with_bbx in (False, True):
            e = {k: v for k, v in env.items() if not k.startswith("BBX_")}
            e.pop("LD_PRELOAD", None)
            if with_bbx:
                e["LD_PRELOAD"] = preload if rt == "-" else rt + ":" + preload
                e["BBX_DIR"] = os.path.join(d, "snaps")
                e["BBX_SIGNAL"] = "USR2"
                e["ASAN_OPTIONS"] = "detect_leaks=0:verify_asan_link_order=0"
            p = subprocess.Popen(argv, env=e, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                ready(e, p)
                views.append(kernel_fds(p.pid))
                anon = anon_bytes(p.pid)
                if with_bbx:
                    os.kill(p.pid, signal.SIGUSR2)
                    path = wait_file(os.path.join(d, "snaps"), "-signal.bbx")
                    if not path:
                        die("%s: no snapshot after SIGUSR2" % what)
                    time.sleep(0.2)  # renamed into place: complete
                    # bbx's X connection (X11_RESOURCES) is opened for the
                    # snapshot itself: the kernel's view after it
                    views[1] = kernel_fds(p.pid)
                    show = subprocess.run([bbx, "show", "--json", "--no-symbols", path],
                                          capture_output=True, text=True, timeout=120)
                    if show.returncode != 0:
                        die("%s: bbx show exited %d: %s" % (what, show.returncode, show.stderr))
                    text0 = subprocess.run([bbx, "show", "--no-symbols", path],
                                           capture_output=True, text=True, timeout=120).stdout
                    text1 = subprocess.run([bbx, "show", "--no-symbols", "--bbx-internals",
                                            path], capture_output=True, text=True,
                                           timeout=120).stdout
                    return views[0], views[1], json.loads(show.stdout), text0, text1, anon
            finally:
                p.kill()
                p.wait(timeout=30)
    return None


def judge(what, without, with_bbx, rep, text0, text1, anon):
    prog = {f["fd"]: f["kind"] for f in rep["fds"]}
    own = {f["fd"]: f["kind"] for f in rep["bbx_fds"]}
    check(sorted(prog) == sorted(without),
          "%s: the snapshot's program fds %s, the program without bbx has %s"
          % (what, sorted(prog), sorted(without)))
    for fd, k in without.items():
        check(prog.get(fd) == k, "%s: fd %d is a %s without bbx, the snapshot says %s"
              % (what, fd, k, prog.get(fd)))
    extra = {fd: k for fd, k in with_bbx.items() if fd not in without}
    check(sorted(own) == sorted(extra),
          "%s: bbx_fds %s, the fds the kernel shows only under bbx %s"
          % (what, sorted(own), sorted(extra)))
    check(all(with_bbx.get(fd) == k for fd, k in without.items()),
          "%s: the program's numbers differ under bbx: %s vs %s" % (what, with_bbx, without))
    check(own and min(own) > max(without),
          "%s: bbx's fds %s are not above the program's %s" % (what, sorted(own), sorted(without)))
    check(any(k == "pipe" for k in own.values()) and any(k == "memfd" for k in own.values()),
          "%s: bbx_fds lack libunwind's pipes or the spares: %s" % (what, own))
    # bbx's memory: counted, and no more than the anonymous memory the
    # kernel shows (the tables are mapped at init; a count that is lost or
    # runs away fails)
    mapped = rep["capture"]["bbx_mapped"]
    check(0 < mapped <= anon, "%s: bbx_mapped %d, anonymous mappings %d" % (what, mapped, anon))
    check("%d kB of memory mapped" % ((mapped + 1023) // 1024) in text0,
          "%s: bbx show does not give bbx's memory" % what)
    line = "bbx's own: %d fds" % len(own)
    check(line in text0, "%s: bbx show does not say %r" % (what, line))
    check("bbx-spare" not in text0 and "bbx-spare" in text1,
          "%s: the spares are listed without --bbx-internals, or not with it" % what)
    print("ok: %s: program fds %s, bbx's %s" % (what, sorted(prog), sorted(own)))


def main():
    bbx, preload = sys.argv[1], sys.argv[2]
    rt = sys.argv[3] if len(sys.argv) > 3 else "-"

    def settle(e, p):
        time.sleep(0.5)

    r = run_pair("sleep", ["sleep", "60"], dict(os.environ), settle, bbx, preload, rt)
    judge("sleep", *r)

    with Xvfb() as env:
        def mapped(e, p):
            find_window(e, "^xeyes$")
            time.sleep(0.3)
        r = run_pair("xeyes", ["xeyes"], env, mapped, bbx, preload, rt)
        judge("xeyes", *r)
    finish("bbx's own fds kept apart in sleep and xeyes")


if __name__ == "__main__":
    main()
