#!/usr/bin/env python3
"""End-to-end: symbols from debuginfod, and a debuginfod server that never
answers.

Usage: e2e_debuginfod.py DBGD_PROG DBGD_LIB BBX

The sample (debuginfod_prog/) is copied, stripped (strip --strip-all) and
crashed: main -> dbgd_walk -> dbgd_step (libdbgd_lib.so) -> dbgd_crash_here.
Its unstripped copies are kept where only debuginfod can find them.

  a. a listener that accepts connections and never answers, in
     DEBUGINFOD_URLS: `bbx show --debuginfod-timeout 2` returns (the test
     waits up to 60 s; libdebuginfod alone waits 90 s per request), the
     frames stay module+offset, exactly one note says "timed out after", the
     other module's note says it was not asked, and the listener saw one
     connection per run (the server is remembered).  The same with
     BBX_DEBUGINFOD_TIMEOUT=2, with the user's DEBUGINFOD_MAXTIME=1 under a
     larger budget, and none with --debuginfod-timeout 0.  On a terminal a
     progress line is shown; with stderr a pipe, nothing.
  b. a real `debuginfod` serving the unstripped copies: frames named, with
     file and line, and no note for either module.
"""

import json
import os
import pty
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testlib"))
from silent_server import SilentServer as Silent  # noqa: E402  (a debuginfod that hangs)
from check import fail, failures, finish  # noqa: E402

PROG, LIB, BBX = sys.argv[1], sys.argv[2], sys.argv[3]
LIB_NAME = os.path.basename(LIB)
OUTER_TIMEOUT = 60  # a hang guard, far above the 2 s asked for


def build_id(path):
    out = subprocess.run(["readelf", "-n", path], check=True, capture_output=True,
                         text=True).stdout
    m = re.search(r"Build ID:\s*([0-9a-f]+)", out)
    if not m:
        sys.exit("FAIL: %s has no build-id" % path)
    return m.group(1)


def base_env(top, urls, **extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("DEBUGINFOD_") and not k.startswith("BBX_")}
    cache = tempfile.mkdtemp(prefix="cache-", dir=top)
    env.update(DEBUGINFOD_URLS=urls, DEBUGINFOD_CACHE_PATH=cache)
    env.update(extra)
    return env


def show(snap, env, *opts, json_out=True):
    """`bbx show`; (returncode, stdout, stderr), or None after a hang."""
    args = [BBX, "show"] + (["--json"] if json_out else []) + list(opts) + [snap]
    try:
        p = subprocess.run(args, env=env, capture_output=True, text=True,
                           timeout=OUTER_TIMEOUT)
    except subprocess.TimeoutExpired:
        fail("bbx show %s did not return within %d s" % (" ".join(opts), OUTER_TIMEOUT))
        return None
    if p.returncode != 0:
        fail("bbx show %s exited %d: %s" % (" ".join(opts), p.returncode, p.stderr))
        return None
    return p.returncode, p.stdout, p.stderr


def crashed_frames(report, path):
    t = [t for t in report["threads"] if t["crashed"]]
    if len(t) != 1:
        fail("expected one crashed thread, got %d" % len(t))
        return []
    return [f for f in t[0]["frames"] if f["module"] == path]


def crash(prog, libdir, outdir):
    os.makedirs(outdir)
    env = dict(os.environ, BBX_DIR=outdir, LD_LIBRARY_PATH=libdir,
               ASAN_OPTIONS="handle_segv=0:handle_abort=0:detect_leaks=0")
    p = subprocess.run([prog], env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, timeout=120)
    snaps = [f for f in os.listdir(outdir) if f.endswith(".bbx")]
    if p.returncode >= 0 or len(snaps) != 1:
        sys.exit("FAIL: %s: status %d, %d snapshots: %s"
                 % (prog, p.returncode, len(snaps), p.stderr.decode(errors="replace")))
    return os.path.join(outdir, snaps[0])


def expect_unsymbolized(case, report, prog, lib):
    pf, lf = crashed_frames(report, prog), crashed_frames(report, lib)
    if len(pf) < 2 or len(lf) < 2:
        fail("%s: expected frames in both modules, got %d and %d" % (case, len(pf), len(lf)))
    for f in pf:
        if f["function"] or f["file"] or f["line"]:
            fail("%s: %s frame symbolized: %s" % (case, prog, f))
            break
    for f in lf:  # dbgd_walk is a dynamic symbol: a name, but no file
        if f["file"] or f["line"]:
            fail("%s: %s frame has a file: %s" % (case, lib, f))
            break


def check_silent(top, snap, prog, lib, silent):
    url = "http://127.0.0.1:%d" % silent.port
    runs = [
        ("--debuginfod-timeout 2", base_env(top, url), ["--debuginfod-timeout", "2"]),
        ("BBX_DEBUGINFOD_TIMEOUT=2", base_env(top, url, BBX_DEBUGINFOD_TIMEOUT="2"), []),
        ("DEBUGINFOD_MAXTIME=1 under --debuginfod-timeout 30",
         base_env(top, url, DEBUGINFOD_MAXTIME="1"), ["--debuginfod-timeout", "30"]),
    ]
    silent.take_count()
    for case, env, opts in runs:
        before = len(failures)
        r = show(snap, env, *opts)
        if not r:
            continue
        report = json.loads(r[1])
        expect_unsymbolized(case, report, prog, lib)
        notes = report.get("symbol_notes") or []
        timed = [n for n in notes if "timed out after" in n]
        if len(timed) != 1:
            fail("%s: expected one 'timed out after' note, got %d: %s" % (case, len(timed), notes))
        elif url not in timed[0]:
            fail("%s: the timeout note does not name the server: %s" % (case, timed[0]))
        skipped = [n for n in notes if "not asked" in n and "earlier in this run" in n]
        if len(skipped) != 1:
            fail("%s: expected one note of a module not asked again, got %s" % (case, notes))
        n = silent.take_count()
        if n != 1:
            fail("%s: the silent server got %d connections, expected 1 (remembered)" % (case, n))
        if "debuginfod" in r[2]:
            fail("%s: progress printed on a pipe: %r" % (case, r[2]))
        if len(failures) == before:
            print("ok: a. %s" % case)

    # the text report shows the same note
    r = show(snap, base_env(top, url), "--debuginfod-timeout", "2", json_out=False)
    silent.take_count()
    if r:
        lines = r[1].splitlines()
        sym = lines[lines.index("symbols:") + 1:] if "symbols:" in lines else []
        if sum("timed out after" in ln for ln in sym) != 1:
            fail("a. text: expected one 'timed out after' line under symbols:, got %s" % sym)
        else:
            print("ok: a. text report")

    # --debuginfod-timeout 0: not asked, and the notes say so
    r = show(snap, base_env(top, url), "--debuginfod-timeout", "0")
    if r:
        notes = json.loads(r[1]).get("symbol_notes") or []
        n = silent.take_count()
        if n != 0 or not any("debuginfod: not asked" in x for x in notes):
            fail("a. --debuginfod-timeout 0: %d connections, notes %s" % (n, notes))
        else:
            print("ok: a. --debuginfod-timeout 0")

    # a bad value: exit 2, one line
    p = subprocess.run([BBX, "show", "--debuginfod-timeout", "soon", snap],
                       env=base_env(top, url), capture_output=True, text=True, timeout=60)
    if p.returncode != 2 or len(p.stderr.splitlines()) != 1:
        fail("a. --debuginfod-timeout soon: exit %d, stderr %r" % (p.returncode, p.stderr))
    p = subprocess.run([BBX, "show", snap], env=base_env(top, url, BBX_DEBUGINFOD_TIMEOUT="-1"),
                       capture_output=True, text=True, timeout=60)
    if p.returncode != 2 or "BBX_DEBUGINFOD_TIMEOUT" not in p.stderr:
        fail("a. BBX_DEBUGINFOD_TIMEOUT=-1: exit %d, stderr %r" % (p.returncode, p.stderr))
    silent.take_count()

    check_terminal(top, snap, url)
    silent.take_count()


def check_terminal(top, snap, url):
    """stderr on a terminal: a progress line naming the server."""
    master, slave = pty.openpty()
    p = subprocess.Popen([BBX, "show", "--debuginfod-timeout", "3", snap],
                         env=base_env(top, url), stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + OUTER_TIMEOUT
    while time.monotonic() < deadline:
        r, _, _ = select.select([master], [], [], 1.0)
        if r:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        elif p.poll() is not None:
            break
    os.close(master)
    try:
        p.wait(timeout=OUTER_TIMEOUT)
    except subprocess.TimeoutExpired:
        p.kill()
        fail("a. terminal: bbx show did not return")
        return
    text = seen.decode(errors="replace")
    if ("bbx: debuginfod: waiting for %s" % url) not in text:
        fail("a. terminal: no progress line on the terminal: %r" % text)
    else:
        print("ok: a. progress line on a terminal")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def served(port, bid):
    url = "http://127.0.0.1:%d/buildid/%s/debuginfo" % (port, bid)
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


def start_debuginfod(top, srv, bids):
    """A debuginfod on a free port that serves srv, once it has scanned
    every build-id in bids: (process, port)."""
    for attempt in range(5):
        port = free_port()
        db = os.path.join(top, "debuginfod-%d.sqlite" % attempt)
        log = open(os.path.join(top, "debuginfod-%d.log" % attempt), "w")
        p = subprocess.Popen(["debuginfod", "-F", "-p", str(port), "-d", db, srv],
                             stdout=log, stderr=subprocess.STDOUT)
        # its scan takes as long as it takes: poll (a hang guard, not a timing check)
        deadline = time.monotonic() + 120
        while p.poll() is None and time.monotonic() < deadline:
            if all(served(port, b) for b in bids):
                return p, port
            time.sleep(0.2)
        stop(p)
    sys.exit("FAIL: debuginfod did not serve %s (see its logs in %s)" % (bids, top))


def stop(p):
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def check_real(top, snap, prog, lib, srv):
    server, port = start_debuginfod(top, srv, [build_id(prog), build_id(lib)])
    try:
        url = "http://127.0.0.1:%d" % port
        for case, opts in (("default time", []), ("--debuginfod-timeout 60",
                                                  ["--debuginfod-timeout", "60"])):
            r = show(snap, base_env(top, url), *opts)
            if not r:
                continue
            report = json.loads(r[1])
            pf, lf = crashed_frames(report, prog), crashed_frames(report, lib)
            before = len(failures)
            pnames = [f["function"] for f in pf]
            lnames = [f["function"] for f in lf]
            if pnames[:1] != ["dbgd_crash_here"] or "main" not in pnames:
                fail("b. %s: program frames %s" % (case, pnames))
            if lnames != ["dbgd_step", "dbgd_step", "dbgd_walk"]:  # depth 2
                fail("b. %s: library frames %s" % (case, lnames))
            for f in pf + lf:
                if f["function"] in ("dbgd_crash_here", "main", "dbgd_step", "dbgd_walk") and \
                        not (f["file"] or "").endswith(("dbgd_main.c", "dbgd_lib.c")):
                    fail("b. %s: %s has no source file: %s" % (case, f["function"], f))
            pat = re.compile(r"\b(dbgd_prog|%s)\b" % re.escape(LIB_NAME))
            notes = [n for n in report.get("symbol_notes") or []
                     if pat.search(n.split(":", 1)[0])]
            if notes:
                fail("b. %s: notes for modules debuginfod served: %s" % (case, notes))
            if len(failures) == before:
                print("ok: b. real debuginfod, %s: %s / %s" % (case, pnames, lnames))
    finally:
        stop(server)


def main():
    for t in ("readelf", "strip", "debuginfod"):
        if shutil.which(t) is None:
            sys.exit("FAIL: %s is not installed (scripts/install-deps.sh installs it)" % t)
    top = os.path.realpath(tempfile.mkdtemp(prefix="bbx-debuginfod-"))
    try:
        srv = os.path.join(top, "served")  # the unstripped copies: debuginfod's only
        run = os.path.join(top, "run")     # the stripped ones that ran
        os.makedirs(srv)
        os.makedirs(run)
        prog, lib = os.path.join(run, "dbgd_prog"), os.path.join(run, LIB_NAME)
        for src, dst in ((PROG, prog), (LIB, lib)):
            shutil.copy2(src, os.path.join(srv, os.path.basename(src)))
            shutil.copy2(src, dst)
            subprocess.run(["strip", "--strip-all", dst], check=True)
            if build_id(dst) != build_id(src):
                sys.exit("FAIL: strip changed the build-id of %s" % dst)
        snap = crash(prog, run, os.path.join(top, "out"))
        mods = [m["path"] for m in json.loads(subprocess.run(
            [BBX, "show", "--json", "--no-symbols", snap], capture_output=True, text=True,
            check=True).stdout)["modules"]]
        if lib not in mods or prog not in mods:
            sys.exit("FAIL: the stripped copies were not the ones loaded: %s" % mods)

        silent = Silent()
        check_silent(top, snap, prog, lib, silent)
        check_real(top, snap, prog, lib, srv)
    finally:
        shutil.rmtree(top, ignore_errors=True)
    finish("all cases passed")


if __name__ == "__main__":
    sys.exit(main())
