#!/usr/bin/env python3
"""End-to-end: every fd of a real process in `bbx show --json`, against the
kernel's own view of the same fds read from outside the process.

Usage: e2e_fd_kinds.py BBX FDKINDS_PROG

fdkinds_prog opens one fd of each kind (files with O_APPEND and an offset, a
dup, a directory, a device, pipes with and without O_NONBLOCK|O_CLOEXEC, a
FIFO, unix, TCP and UDP sockets, eventfd, timerfd, signalfd, epoll,
inotify, memfd), takes a snapshot and waits with them all open.  The oracle
is /proc/PID/fd (the link target, and stat() of it for the file type) and
/proc/PID/fdinfo (flags in octal with O_CLOEXEC, pos), read here with
Python: for every fd, bbx's kind, target, flags_raw, cloexec, inode and
offset must agree.
"""

import json
import os
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testlib"))
from check import fail, finish  # noqa: E402

O_CLOEXEC = 0o2000000


def kernel_kind(link, st):
    """The kind of an fd from its link and file type, as docs/FORMAT.md
    names them."""
    m = st.st_mode
    if stat.S_ISREG(m):
        return "memfd" if link.startswith("/memfd:") else "file"
    if stat.S_ISDIR(m):
        return "dir"
    if stat.S_ISFIFO(m):
        return "pipe" if link.startswith("pipe:[") else "fifo"
    if stat.S_ISSOCK(m):
        return "socket"
    if stat.S_ISCHR(m) or stat.S_ISBLK(m):
        return "device"
    for prefix, kind in (("anon_inode:[eventfd]", "eventfd"), ("anon_inode:[timerfd]", "timerfd"),
                         ("anon_inode:[signalfd]", "signalfd"),
                         ("anon_inode:[eventpoll]", "epoll"), ("anon_inode:inotify", "inotify")):
        if link.startswith(prefix):
            return kind
    return "other"


def kernel_view(pid, fd):
    link = os.readlink("/proc/%d/fd/%d" % (pid, fd))
    st = os.stat("/proc/%d/fd/%d" % (pid, fd))
    info = {}
    with open("/proc/%d/fdinfo/%d" % (pid, fd)) as f:
        for line in f:
            k, _, v = line.partition(":")
            info.setdefault(k.strip(), v.strip())
    flags = int(info["flags"], 8)
    return {"kind": kernel_kind(link, st), "target": link, "flags_raw": flags & ~O_CLOEXEC,
            "cloexec": bool(flags & O_CLOEXEC), "inode": st.st_ino, "pos": int(info["pos"])}


def main():
    bbx, prog = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="bbx-fdkinds-") as d:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BBX_")}
        env["BBX_DIR"] = d
        p = subprocess.Popen([prog, d], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True)
        snap = pid = None
        try:
            for line in p.stdout:
                w = line.split()
                if w[0] == "snapshot":
                    snap = w[1]
                elif w[0] == "pid":
                    pid = int(w[1])
                    break
            if not snap or not pid:
                sys.exit("FAIL: fdkinds_prog printed no snapshot/pid (exit %s)" % p.poll())
            fds = sorted(int(n) for n in os.listdir("/proc/%d/fd" % pid))
            kernel = {fd: kernel_view(pid, fd) for fd in fds}
        finally:
            p.stdin.close()
            p.wait(timeout=60)
        if p.returncode != 0:
            sys.exit("FAIL: fdkinds_prog exited %d" % p.returncode)

        show = subprocess.run([bbx, "show", "--json", snap], capture_output=True, text=True,
                              timeout=120)
        if show.returncode != 0:
            sys.exit("FAIL: bbx show --json exited %d: %s" % (show.returncode, show.stderr))
        # bbx's own fds (spares, libunwind's pipes) are listed apart; which
        # are bbx's is tested in e2e_own_fds: here every fd must be there
        report = json.loads(show.stdout)
        got = {f["fd"]: f for f in report["fds"] + report["bbx_fds"]}
        kinds = set()
        for fd, k in kernel.items():
            b = got.get(fd)
            if b is None:
                fail("fd %d (%s %s) is not in the snapshot" % (fd, k["kind"], k["target"]))
                continue
            kinds.add(k["kind"])
            checks = [("kind", b["kind"], k["kind"]), ("target", b["target"], k["target"]),
                      ("flags_raw", b["flags_raw"], k["flags_raw"]),
                      ("cloexec", b["cloexec"], k["cloexec"]), ("inode", b["inode"], k["inode"])]
            if k["kind"] in ("file", "memfd", "device"):
                checks.append(("offset", b["offset"], k["pos"]))
            bad = [(n, x, y) for n, x, y in checks if x != y]
            for n, x, y in bad:
                fail("fd %d %s: bbx %r, kernel %r" % (fd, n, x, y))
            if not bad:
                print("ok: fd %d %s %s flags %#o%s" % (fd, k["kind"], k["target"], k["flags_raw"],
                                                      " cloexec" if k["cloexec"] else ""))
        extra = sorted(set(got) - set(kernel))
        if extra:
            fail("the snapshot lists fds the process does not have: %s" % extra)
        want = {"file", "dir", "device", "pipe", "fifo", "socket", "eventfd", "timerfd",
                "signalfd", "epoll", "inotify", "memfd"}
        if not want <= kinds:
            fail("fdkinds_prog did not open every kind: missing %s" % sorted(want - kinds))
    finish("all %d fds agree with the kernel" % len(kernel))


if __name__ == "__main__":
    sys.exit(main())
