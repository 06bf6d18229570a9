#!/usr/bin/env python3
"""End-to-end: `bbx show --json` names the crasher's crashing frame with its
function, source file and line, and names libc's frames of an abort.

Usage: e2e_crash_frames.py CRASHER BBX

  null:  threads[crashed].frames[0] is crash_null_deref in crasher.c, at the
         line of its `*p = 42;` (found in the source now, not written here),
         and main is further down, named with its file;
  abort: a frame named crash_abort, at the line of its abort() call; when
         libc's debug file is installed (libc6-dbg: /usr/lib/debug/.build-id/
         xx/rest.debug for the build-id of the libc in the snapshot), libc's
         frames above it (abort, raise, pthread_kill...) are named with a
         file and a line.  Without it, that part is skipped with a message.
"""

import json
import os
import re
import subprocess
import sys
import shutil
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testlib"))
import skip  # noqa: E402
from check import fail, failures, finish  # noqa: E402

CRASHER, BBX = sys.argv[1], sys.argv[2]
SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "samples",
                      "crasher", "crasher.c")
missing = []  # (what, provider): checks that could not run


def source_line(pattern, after=None):
    """The line number of the first line matching pattern (after the line
    matching `after`, when given)."""
    with open(SOURCE) as f:
        lines = f.read().splitlines()
    start = 0
    if after:
        start = next(i for i, t in enumerate(lines) if re.search(after, t)) + 1
    for i in range(start, len(lines)):
        if re.search(pattern, lines[i]):
            return i + 1
    sys.exit("FAIL: no line matching %r in %s" % (pattern, SOURCE))


def crash(mode, top):
    out = os.path.join(top, mode)
    os.makedirs(out)
    env = dict(os.environ, BBX_DIR=out,
               ASAN_OPTIONS="handle_segv=0:handle_abort=0:detect_leaks=0")
    p = subprocess.run([CRASHER, mode], env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=120)
    snaps = [f for f in os.listdir(out) if f.endswith(".bbx")]
    if p.returncode >= 0 or len(snaps) != 1:
        sys.exit("FAIL: crasher %s: status %d, %d snapshots" % (mode, p.returncode, len(snaps)))
    env = {k: v for k, v in os.environ.items() if k not in ("BBX_DEBUG_PATH", "DEBUGINFOD_URLS")}
    j = subprocess.run([BBX, "show", "--json", os.path.join(out, snaps[0])], env=env,
                       capture_output=True, text=True)
    if j.returncode != 0:
        sys.exit("FAIL: bbx show --json exited %d: %s" % (j.returncode, j.stderr))
    return json.loads(j.stdout)


def crashed(report):
    t = [t for t in report["threads"] if t["crashed"]]
    if len(t) != 1:
        sys.exit("FAIL: %d crashed threads" % len(t))
    return t[0]["frames"]


def describe(f):
    return "%s+%s %s %s:%s:%s%s" % (os.path.basename(f["module"] or "?"), f["offset"],
                                   f["function"], f["file"], f["line"], f["column"],
                                   " [inlined]" if f["inlined"] else "")


def null_deref(top):
    frames = crashed(crash("null", top))
    f0 = frames[0]
    want = source_line(r"\*p = 42;")
    if f0["function"] != "crash_null_deref" or not (f0["file"] or "").endswith("crasher.c") \
            or f0["line"] != want or f0["inlined"]:
        fail("null: frame 0 is %s, expected crash_null_deref at crasher.c:%d"
             % (describe(f0), want))
    if f0["function_offset"] is None:
        fail("null: frame 0 has no function offset")
    if not any(f["function"] == "main" and (f["file"] or "").endswith("crasher.c")
               and f["line"] for f in frames[1:]):
        fail("null: main is not among the frames, named with crasher.c and a line")
    print("ok: null: frame 0 is %s" % describe(f0))


def libc_debug_file(report):
    libc = [m for m in report["modules"] if re.search(r"/libc\.so", m["path"] or "")]
    if not libc or not libc[0]["build_id"]:
        return None, "no libc module with a build-id in the snapshot"
    bid = libc[0]["build_id"]
    path = "/usr/lib/debug/.build-id/%s/%s.debug" % (bid[:2], bid[2:])
    if not os.path.exists(path):
        return None, "%s is not installed (libc6-dbg)" % path
    return libc[0]["path"], None


def abort(top):
    report = crash("abort", top)
    frames = crashed(report)
    mine = [i for i, f in enumerate(frames) if f["function"] == "crash_abort"]
    if not mine:
        fail("abort: no frame named crash_abort: %s" % [describe(f) for f in frames])
        return
    f = frames[mine[0]]
    want = source_line(r"abort\(\);", after=r"crash_abort\(void\)")
    if not (f["file"] or "").endswith("crasher.c") or f["line"] != want:
        fail("abort: crash_abort frame is %s, expected crasher.c:%d" % (describe(f), want))
    else:
        print("ok: abort: %s" % describe(f))

    libc, why = libc_debug_file(report)
    if libc is None:
        missing.append(("libc's debug information for the libc frames (%s)" % why,
                        "Debian package libc6-dbg"))
        return
    above = [f for f in frames[:mine[0]] if f["module"] == libc]
    if not above:
        fail("abort: no libc frames above crash_abort")
        return
    for f in above:
        if not f["function"] or not f["file"] or not f["line"]:
            fail("abort: libc frame without function, file or line: %s" % describe(f))
    names = {re.sub(r"^(__GI_|__libc_)", "", f["function"] or "") for f in above}
    if "abort" not in names:
        fail("abort: no libc frame named abort: %s" % sorted(names))
    if not names & {"raise", "gsignal", "pthread_kill", "__pthread_kill",
                    "__pthread_kill_implementation", "__pthread_kill_internal"}:
        fail("abort: no libc frame named raise or pthread_kill: %s" % sorted(names))
    print("ok: abort: libc frames %s" % ", ".join(describe(f) for f in above))


def main():
    top = tempfile.mkdtemp(prefix="bbx-sym-crash-")
    try:
        null_deref(top)
        abort(top)
    finally:
        shutil.rmtree(top, ignore_errors=True)
    if missing and not failures:
        skip.skip(*missing[0])  # fails under CI=true
    finish("all cases passed")


if __name__ == "__main__":
    sys.exit(main())
