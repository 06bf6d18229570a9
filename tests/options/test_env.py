#!/usr/bin/env python3
"""Every BBX_* environment variable of README's table, each with a case that
runs opt_prog (or bbx, for the analyzer's) with and without it and checks the
effect; and an invalid value of each collector variable refused by bbx_init
(BBX_EINVAL, and libbbx-preload.so's one line naming the variable).  A
variable of the table without a case fails."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from optlib import (Listener, Scratch, check, checked, fail, finish, run, run_prog,  # noqa: E402
                    snaps, split_debug, args, base_env)

A = args()
S = Scratch("env")
BBX = A.bbx
NAME = os.path.basename(A.prog)
counter = [0]


def fresh(name):
    counter[0] += 1
    return S.dir("%s-%d" % (name, counter[0]))


def prog(mode, n=None, env=None, bbx_dir=None):
    d = bbx_dir or fresh(mode)
    r = run_prog(A.prog, mode, d, env=env, n=n)
    return r, d


def show(path, *opts, env=None):
    r = run([BBX, "show", "--json"] + list(opts) + [path], env=env)
    check(r.rc == 0, "bbx show %s: %r" % (path, r))
    return json.loads(r.out) if r.rc == 0 else {}


def one_snap(mode, n=None, env=None):
    r, d = prog(mode, n, env)
    s = snaps(d)
    check(r.rc == 0 and len(s) == 1, "%s %s %r: %r, %d snapshots" % (mode, n, env, r, len(s)))
    return show(s[0]) if s else {}


def thread(snap, name):
    return [t for t in snap.get("threads", []) if t["name"] == name]


CASES = {}


def t_dir():
    d = S.file("made/by/bbx")
    r, _ = prog("snaps", 1, {"BBX_DIR": d})
    check(len(snaps(d)) == 1 and (os.stat(d).st_mode & 0o777) == 0o700,
          "BBX_DIR: no snapshot in %s (mode 0700): %r" % (d, r))
    state = S.dir("state")
    e = base_env({"XDG_STATE_HOME": state})
    cp = subprocess.run([A.prog, "snaps", "1"], env=e, capture_output=True, text=True)
    check(cp.returncode == 0 and len(snaps(os.path.join(state, "bbx"))) == 1,
          "without BBX_DIR: no snapshot under $XDG_STATE_HOME/bbx")


def t_app():
    _, d = prog("snaps", 1, {"BBX_APP": "editorx"})
    _, d0 = prog("snaps", 1)
    check([os.path.basename(f).split("-")[0] for f in snaps(d)] == ["editorx"],
          "BBX_APP=editorx: %r" % snaps(d))
    check([os.path.basename(f).split("-")[0] for f in snaps(d0)] == [NAME],
          "without BBX_APP: %r" % snaps(d0))
    check(show(snaps(d)[0])["process"]["app"] == "editorx", "BBX_APP: not the snapshot's app")


def signal_run(env, sig):
    d = fresh("signal")
    e = base_env(dict(env, BBX_DIR=d))
    p = subprocess.Popen([A.prog, "wait"], env=e, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True)
    p.stdout.readline()  # ready
    os.kill(p.pid, sig)
    for _ in range(400):  # bounded: 20 s
        if snaps(d) or p.poll() is not None:
            break
        time.sleep(0.05)
    if p.poll() is None:
        p.stdin.close()
    rc = p.wait(timeout=60)
    return rc, snaps(d)


def t_signal():
    rc, s = signal_run({"BBX_SIGNAL": "USR2"}, signal.SIGUSR2)
    check(rc == 0 and len(s) == 1, "BBX_SIGNAL=USR2: exit %s, %d snapshots" % (rc, len(s)))
    if s:
        check(show(s[0])["trigger"].get("kind") in ("signal", None) and "signal" in s[0],
              "BBX_SIGNAL: the snapshot %s is not a signal one" % s[0])
    rc, s = signal_run({}, signal.SIGUSR2)
    check(rc == -signal.SIGUSR2 and not s, "without BBX_SIGNAL: exit %s, %d snapshots" % (rc, len(s)))


def t_interval():
    # the program waits (bounded) until the collector has written two periodic snapshots
    d = fresh("interval")
    e = base_env({"BBX_DIR": d, "BBX_INTERVAL_MS": "20"})
    p = subprocess.Popen([A.prog, "wait"], env=e, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    p.stdout.readline()
    for _ in range(600):
        if len(snaps(d)) >= 2:
            break
        time.sleep(0.05)
    p.stdin.close()
    p.wait(timeout=60)
    s = snaps(d)
    check(len(s) >= 2 and all("periodic" in f for f in s),
          "BBX_INTERVAL_MS=20: %r" % [os.path.basename(f) for f in s])
    r, d0 = prog("exit")
    check(not snaps(d0), "without BBX_INTERVAL_MS: periodic snapshots")


def t_at_exit():
    _, d = prog("exit", env={"BBX_AT_EXIT": "1"})
    _, d0 = prog("exit")
    check(len(snaps(d)) == 1 and "exit" in snaps(d)[0], "BBX_AT_EXIT=1: %r" % snaps(d))
    check(not snaps(d0), "without BBX_AT_EXIT: %r" % snaps(d0))


def t_max_files():
    _, d = prog("snaps", 5, {"BBX_MAX_FILES": "2"})
    _, d0 = prog("snaps", 5)
    check(len(snaps(d)) == 2, "BBX_MAX_FILES=2: %d snapshots kept" % len(snaps(d)))
    check(len(snaps(d0)) == 5, "without BBX_MAX_FILES: %d of 5" % len(snaps(d0)))


def t_max_bytes():
    _, d0 = prog("snaps", 5)
    sizes = [os.path.getsize(f) for f in snaps(d0)]
    cap = max(sizes) * 2 + max(sizes) // 2  # room for two, not three
    _, d = prog("snaps", 5, {"BBX_MAX_BYTES": str(cap)})
    kept = [os.path.getsize(f) for f in snaps(d)]
    check(len(sizes) == 5 and 1 <= len(kept) <= 2 and sum(kept) <= cap,
          "BBX_MAX_BYTES=%d: kept %r (without: %r)" % (cap, kept, sizes))
    _, d = prog("snaps", 3, {"BBX_MAX_BYTES": "1K"})
    check(len(snaps(d)) == 1, "BBX_MAX_BYTES=1K: %d kept, expected the last one" % len(snaps(d)))


def origins(snap):
    return [f for f in snap.get("fds", []) if f.get("origin")]


def t_track():
    t_track_heap()
    s1 = one_snap("trackdepth", env={"BBX_TRACK": "fd"})
    s0 = one_snap("trackdepth")
    check(s1.get("capture", {}).get("tracking") and origins(s1),
          "BBX_TRACK=fd: no fd with a creation stack")
    check(not s0.get("capture", {}).get("tracking") and not origins(s0),
          "without BBX_TRACK: fds with creation stacks")


def heap_record(snap_dir):
    """heap_check --print of the one snapshot in snap_dir: its HEAP figures."""
    s = snaps(snap_dir)
    if len(s) != 1 or not A.heapcheck:
        return {}
    r = run([A.heapcheck, "--print", s[0]])
    words = r.out.split()
    return dict(zip(words[0::2], (int(w) for w in words[1::2]))) if r.rc == 0 else {}


def t_track_heap():
    _, d1 = prog("trackdepth", env={"BBX_TRACK": "fd,heap"})
    _, d0 = prog("trackdepth", env={"BBX_TRACK": "fd"})
    h1, h0 = heap_record(d1), heap_record(d0)
    check(h1.get("interval") == 524288 and h1.get("samples", 0) >= 0 and "stacks" in h1,
          "BBX_TRACK=fd,heap: no HEAP record at the default interval: %r" % h1)
    check(not h0, "BBX_TRACK=fd: a HEAP record: %r" % h0)


def t_heap_sample():
    _, d1 = prog("trackdepth", env={"BBX_TRACK": "heap", "BBX_HEAP_SAMPLE": "1K"})
    h1 = heap_record(d1)
    # under ASan the sanitizer's malloc comes first: bbx's hooks see nothing
    check(h1.get("interval") == 1024 and (h1.get("samples", 0) > 0 or A.sanitizer_runtimes),
          "BBX_HEAP_SAMPLE=1K: HEAP %r, expected interval 1024 and samples" % h1)


def origin_frames(snap):
    n = 0
    for f in origins(snap):
        fr = f["origin"].get("frames", [])
        if any(x.get("function") == "open_level" for x in fr):
            n = max(n, len(fr))
    return n


def t_track_frames():
    s1 = one_snap("trackdepth", env={"BBX_TRACK": "fd", "BBX_TRACK_FRAMES": "2"})
    s0 = one_snap("trackdepth", env={"BBX_TRACK": "fd"})
    longest1 = max([len(f["origin"].get("frames", [])) for f in origins(s1)] or [0])
    check(origins(s1) and longest1 <= 2, "BBX_TRACK_FRAMES=2: stacks of %d frames" % longest1)
    check(origin_frames(s0) >= 7, "without BBX_TRACK_FRAMES: the open_level() stack has %d "
          "frames, expected its 6 levels and main" % origin_frames(s0))


def t_max_frames():
    s1 = one_snap("deep", env={"BBX_MAX_FRAMES": "8"})
    s0 = one_snap("deep")
    deep1, deep0 = thread(s1, "opt-deep"), thread(s0, "opt-deep")
    # frames as unwound: an inlined call shares its caller's pc and frame
    most = max(sum(1 for f in t["frames"] if not f.get("inlined"))
               for t in s1.get("threads", [{"frames": []}]))
    check(deep1 and most <= 8, "BBX_MAX_FRAMES=8: a thread has %d frames" % most)
    check(deep1 and deep1[0].get("truncated"), "BBX_MAX_FRAMES=8: the deep thread not truncated")
    n0 = sum(1 for f in (deep0[0]["frames"] if deep0 else []) if f.get("function") == "recurse")
    check(n0 >= 100, "without BBX_MAX_FRAMES: %d recurse() frames, expected 101" % n0)


def t_max_threads():
    s1 = one_snap("threads", 6, {"BBX_MAX_THREADS": "3"})
    s0 = one_snap("threads", 6)
    c1, c0 = s1.get("capture", {}), s0.get("capture", {})
    check(len(s1.get("threads", [])) == 3 and c1.get("threads_omitted") == 4,
          "BBX_MAX_THREADS=3 of 7: %d written, %s omitted" % (len(s1.get("threads", [])),
                                                              c1.get("threads_omitted")))
    check(len(s0.get("threads", [])) == 7 and not c0.get("threads_omitted"),
          "without BBX_MAX_THREADS: %d threads" % len(s0.get("threads", [])))


def crumbs(snap):
    return [b.get("text", b.get("message")) if isinstance(b, dict) else b
            for b in snap.get("breadcrumbs", [])]


def t_breadcrumbs():
    s1 = one_snap("crumbs", 100, {"BBX_BREADCRUMBS": "3"})
    s0 = one_snap("crumbs", 100)
    check(crumbs(s1) == ["crumb 97", "crumb 98", "crumb 99"], "BBX_BREADCRUMBS=3: %r" % crumbs(s1))
    check(crumbs(s0) == ["crumb %d" % i for i in range(36, 100)],
          "without BBX_BREADCRUMBS: %d crumbs, expected the last 64" % len(crumbs(s0)))


def t_thread_signal():
    sig = signal.SIGRTMAX - 6
    s1 = one_snap("blocksig", sig, {"BBX_THREAD_SIGNAL": "RTMAX-6"})
    s0 = one_snap("blocksig", sig)
    b1, b0 = thread(s1, "opt-blocker"), thread(s0, "opt-blocker")
    check(b1 and b1[0]["status"] == "blocked",
          "BBX_THREAD_SIGNAL=RTMAX-6, blocked in the thread: status %r"
          % (b1[0]["status"] if b1 else None))
    check(b0 and b0[0]["status"] == "unwound",
          "without BBX_THREAD_SIGNAL (RTMAX-6 blocked, not bbx's): status %r"
          % (b0[0]["status"] if b0 else None))


def t_redact():
    s1 = one_snap("snap", env={"BBX_REDACT": "host,cmdline"})
    s0 = one_snap("snap")
    host = socket.gethostname()
    check(not s1["process"]["hostname"] and not s1["process"]["cmdline"] and
          "host" in s1["redacted"], "BBX_REDACT=host,cmdline: %r" % s1["process"])
    check(s0["process"]["hostname"] == host and s0["process"]["cmdline"],
          "without BBX_REDACT: host %r" % s0["process"]["hostname"])


def t_env_keys():
    """BBX_ENV_KEYS adds variables (a name, a prefix*) to the session's
    environment; a secret-looking one added is there, its value never."""
    extra = {"OPTTEST_PLAIN": "plain-value", "OPTTEST_X_ONE": "one",
             "OPTTEST_TOKEN": "tok-9z8y7x"}
    s1 = one_snap("snap", env=dict(extra, BBX_ENV_KEYS="OPTTEST_PLAIN,OPTTEST_X_*,OPTTEST_TOKEN"))
    s0 = one_snap("snap", env=extra)
    e1 = (s1.get("session") or {}).get("env") or {}
    e0 = (s0.get("session") or {}).get("env") or {}
    check(e1.get("OPTTEST_PLAIN") == "plain-value" and e1.get("OPTTEST_X_ONE") == "one" and
          e1.get("OPTTEST_TOKEN") == "[redacted]", "BBX_ENV_KEYS: session env %r" % e1)
    check(not any(k.startswith("OPTTEST_") for k in e0) and "PATH" in e0,
          "without BBX_ENV_KEYS: session env %r" % e0)


def t_no_crash_handlers():
    # under ASan its own SEGV handler would end the process with exit 1
    asan = {"ASAN_OPTIONS": "handle_segv=0"}
    r1, d1 = prog("segv", env=dict(asan, BBX_NO_CRASH_HANDLERS="1"))
    r0, d0 = prog("segv", env=asan)
    check(r1.rc == -signal.SIGSEGV and not snaps(d1),
          "BBX_NO_CRASH_HANDLERS=1: exit %s, %d snapshots" % (r1.rc, len(snaps(d1))))
    check(r0.rc == -signal.SIGSEGV and len(snaps(d0)) == 1,
          "without BBX_NO_CRASH_HANDLERS: exit %s, %d snapshots" % (r0.rc, len(snaps(d0))))


SPLIT = {}


def stripped_crash():
    if not SPLIT:
        copy, dbg = split_debug(A.prog, S.dir("split"))
        d = fresh("strip")
        run_prog(copy, "crash", d)
        SPLIT.update(copy=copy, dbg=dbg, snap=snaps(d)[0])
    return SPLIT


def functions(snap):
    return {f.get("function") for t in snap.get("threads", []) for f in t["frames"]}


def t_debug_path():
    sp = stripped_crash()
    f1 = functions(show(sp["snap"], env={"BBX_DEBUG_PATH": "/nonexistent:" + sp["dbg"]}))
    f0 = functions(show(sp["snap"]))
    check("bbxopt::Widget::explode(int)" in f1, "BBX_DEBUG_PATH: not symbolized")
    check("bbxopt::Widget::explode(int)" not in f0, "without BBX_DEBUG_PATH: symbolized")


def t_debuginfod_timeout():
    sp = stripped_crash()
    srv = Listener()
    asked = []
    for v in ("0", "1"):
        srv.reset()
        env = {"DEBUGINFOD_URLS": srv.url, "DEBUGINFOD_CACHE_PATH": fresh("dcache"),
               "BBX_DEBUGINFOD_TIMEOUT": v}
        r = run([BBX, "show", sp["snap"]], env=env)
        check(r.rc == 0, "BBX_DEBUGINFOD_TIMEOUT=%s: %r" % (v, r))
        asked.append(srv.connections())
    check(asked[0] == 0 and asked[1] > 0,
          "BBX_DEBUGINFOD_TIMEOUT=0 / =1: the server was asked %r times" % asked)
    r = run([BBX, "show", sp["snap"]], env={"BBX_DEBUGINFOD_TIMEOUT": "x"})
    check(r.rc == 2 and "BBX_DEBUGINFOD_TIMEOUT" in r.err,
          "BBX_DEBUGINFOD_TIMEOUT=x: %r" % r)


def hangs(d):
    return [f for f in snaps(d) if f.endswith("-hang.bbx")]


def t_hang_ms():
    # the main thread leaves its poll() loop for 1.5 s: a hang at 500 ms, none without
    r, d = prog("freeze", 1500, env={"BBX_HANG_MS": "500"})
    h = hangs(d)
    check(r.rc == 0 and len(h) == 1, "BBX_HANG_MS=500: exit %s, hang snapshots %r" % (r.rc, h))
    if h:
        hang = show(h[0])["trigger"].get("hang") or {}
        check(hang.get("tid") == show(h[0])["process"]["pid"] and hang.get("limit_ms") == 500,
              "BBX_HANG_MS=500: the hang is not the main thread's at 500 ms: %r" % hang)
    r, d = prog("freeze", 1500)
    check(r.rc == 0 and not snaps(d), "without BBX_HANG_MS: snapshots %r" % snaps(d))


def t_hang_threads():
    # a thread "opt-render" leaves its poll() loop for 2.5 s
    r, d = prog("freeze-thread", 2500, env={"BBX_HANG_MS": "500",
                                             "BBX_HANG_THREADS": "gmain,opt-render"})
    h = hangs(d)
    check(r.rc == 0 and len(h) == 1, "BBX_HANG_THREADS=gmain,opt-render: exit %s, hang "
          "snapshots %r" % (r.rc, h))
    if h:
        hang = show(h[0])["trigger"].get("hang") or {}
        check(hang.get("thread_name") == "opt-render",
              "BBX_HANG_THREADS: the hung thread is %r" % hang.get("thread_name"))
    r, d = prog("freeze-thread", 2500, env={"BBX_HANG_MS": "500"})
    check(r.rc == 0 and not hangs(d), "without BBX_HANG_THREADS: hang snapshots %r" % hangs(d))


def t_mem_watermark():
    # opt_prog waits: without a limit near, no "memory" snapshot; once its
    # RLIMIT_AS is set just above its address space (prlimit, from here), it
    # is at 95 % of a limit: one "memory" snapshot.
    def memory_snaps(d):
        return [f for f in snaps(d) if f.endswith("-memory.bbx")]
    d = fresh("mem")
    e = base_env({"BBX_DIR": d, "BBX_MEM_WATERMARK": "0.9"})
    p = subprocess.Popen([A.prog, "wait"], env=e, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    ok = p.stdout.readline().strip() == "ready"
    time.sleep(0.6)  # a few looks of the watermark; the collector thread settles
    check(not memory_snaps(d), "BBX_MEM_WATERMARK=0.9, no limit near: %r" % snaps(d))
    vm = [int(l.split()[1]) for l in open("/proc/%d/status" % p.pid) if l.startswith("VmSize:")]
    import resource
    resource.prlimit(p.pid, resource.RLIMIT_AS, (vm[0] * 1024 * 100 // 95, resource.RLIM_INFINITY))
    end = time.monotonic() + 60
    while ok and not memory_snaps(d) and time.monotonic() < end:
        time.sleep(0.05)
    p.communicate("", timeout=60)
    m = memory_snaps(d)
    check(ok and p.returncode == 0 and len(m) == 1,
          "BBX_MEM_WATERMARK=0.9 under RLIMIT_AS: exit %s, snapshots %r" % (p.returncode, snaps(d)))
    if m:
        t = show(m[0]).get("trigger", {})
        check("RLIMIT_AS" in (t.get("reason") or ""), "BBX_MEM_WATERMARK: reason %r" % t)


def t_children():
    # sh runs sh, which runs sleep; each writes periodic snapshots when it has the
    # preload (dash leaves through _exit(): no at-exit snapshot)
    pre = A.sanitizer_runtimes.split(":") if A.sanitizer_runtimes else []
    for value, want in (("none", 1), ("inherit", 3), (None, 3)):
        d = fresh("children")
        e = {"BBX_DIR": d, "BBX_INTERVAL_MS": "50", "LD_PRELOAD": ":".join(pre + [A.preload])}
        if pre:
            e["ASAN_OPTIONS"] = "verify_asan_link_order=0:detect_leaks=0"
        if value:
            e["BBX_CHILDREN"] = value
        r = run(["sh", "-c", 'sh -c "sleep 0.3; exit 0"; exit 0'], env=e)
        pids = {os.path.basename(f).split("-")[1] for f in snaps(d)}
        check(r.rc == 0 and len(pids) == want, "BBX_CHILDREN=%s: snapshots of %d processes, "
              "expected %d: %r" % (value or "(unset)", len(pids), want, r))


def t_app_version():
    def version(env):
        anns = one_snap("snap", env=env).get("annotations", {})
        if isinstance(anns, list):
            anns = {a.get("key"): a.get("value") for a in anns}
        return anns.get("app.version")
    check(version({"BBX_APP_VERSION": "2.4.1-rc1"}) == "2.4.1-rc1",
          "BBX_APP_VERSION: not the snapshot's app.version annotation")
    check(version({}) is None, "without BBX_APP_VERSION: an app.version annotation")


def t_db():
    """bbx ingest and crashes use BBX_DB when no --db is given; --db wins."""
    r, d = prog("snap")
    env_db, opt_db = os.path.join(fresh("db"), "env.db"), os.path.join(fresh("db"), "opt.db")
    e = {"BBX_DB": env_db}
    ri = run([BBX, "ingest", d], env=e)
    check(ri.rc == 0 and os.path.exists(env_db), "BBX_DB: bbx ingest did not make it: %r" % ri)
    rc = run([BBX, "crashes", "--json"], env=e)
    check(rc.rc == 0 and json.loads(rc.out)["store"] == env_db and
          json.loads(rc.out)["snapshots"] == 1, "BBX_DB: bbx crashes did not read it: %r" % rc)
    ro = run([BBX, "ingest", "--db", opt_db, d], env=e)
    check(ro.rc == 0 and os.path.exists(opt_db) and
          json.loads(run([BBX, "crashes", "--json"], env=e).out)["snapshots"] == 1,
          "--db with BBX_DB: %r" % ro)


CASES = {
    "BBX_APP_VERSION": t_app_version, "BBX_DB": t_db,
    "BBX_DIR": t_dir, "BBX_APP": t_app, "BBX_SIGNAL": t_signal,
    "BBX_INTERVAL_MS": t_interval, "BBX_AT_EXIT": t_at_exit, "BBX_MAX_FILES": t_max_files,
    "BBX_MAX_BYTES": t_max_bytes, "BBX_TRACK": t_track, "BBX_TRACK_FRAMES": t_track_frames,
    "BBX_MAX_FRAMES": t_max_frames, "BBX_MAX_THREADS": t_max_threads,
    "BBX_BREADCRUMBS": t_breadcrumbs, "BBX_THREAD_SIGNAL": t_thread_signal,
    "BBX_REDACT": t_redact, "BBX_NO_CRASH_HANDLERS": t_no_crash_handlers,
    "BBX_DEBUG_PATH": t_debug_path, "BBX_DEBUGINFOD_TIMEOUT": t_debuginfod_timeout,
    "BBX_HANG_MS": t_hang_ms, "BBX_HANG_THREADS": t_hang_threads,
    "BBX_CHILDREN": t_children, "BBX_HEAP_SAMPLE": t_heap_sample,
    "BBX_MEM_WATERMARK": t_mem_watermark, "BBX_ENV_KEYS": t_env_keys,
}

# Invalid values: bbx_init fails (BBX_EINVAL, nothing installed) and the
# preload names the variable and why.
INVALID = {
    "BBX_SIGNAL": [("USR9", "not a signal name or number"),
                   ("SEGV", "signal reserved (KILL, STOP, the crash signals, bbx's thread "
                            "signal)")],
    "BBX_INTERVAL_MS": [("5", "expected 10 to 86400000"), ("1s", "expected a whole number")],
    "BBX_AT_EXIT": [("maybe", "expected 0 or 1")],
    "BBX_MAX_FILES": [("-1", "expected a whole number")],
    "BBX_MAX_BYTES": [("12X", "expected a size such as 500M")],
    "BBX_TRACK": [("sockets", "expected fd, thread, exec, heap (comma-separated), all or none"),
                  ("fd,heaps", "expected fd, thread, exec, heap (comma-separated), all or none")],
    "BBX_HEAP_SAMPLE": [("0", "expected a size from 1 to 64G"),
                        ("65G", "expected a size from 1 to 64G"),
                        ("1X", "expected a size such as 500M")],
    "BBX_TRACK_FRAMES": [("0", "expected 1 to 64"), ("65", "expected 1 to 64")],
    "BBX_MAX_FRAMES": [("7", "expected 8 to 1024"), ("1025", "expected 8 to 1024")],
    "BBX_MAX_THREADS": [("0", "expected 1 to 8192"), ("8193", "expected 1 to 8192")],
    "BBX_BREADCRUMBS": [("0", "expected 1 to 4096"), ("4097", "expected 1 to 4096")],
    "BBX_THREAD_SIGNAL": [("USR1", "expected a real-time signal such as RTMAX-3")],
    "BBX_REDACT": [("everything", "expected parts such as paths,peers (README: BBX_REDACT)")],
    "BBX_NO_CRASH_HANDLERS": [("2", "expected 0 or 1")],
    "BBX_HANG_MS": [("50", "expected 100 to 86400000"), ("5s", "expected a whole number")],
    "BBX_HANG_THREADS": [("a-name-longer-than-15", "expected thread names of 1 to 15 bytes, "
                                                   "comma-separated"),
                         ("gmain,,render", "expected thread names of 1 to 15 bytes, "
                                           "comma-separated")],
    "BBX_CHILDREN": [("no", "expected inherit or none")],
    "BBX_ENV_KEYS": [(v, "expected variable names ([A-Za-z0-9_], 1 to 64 bytes, a trailing * "
                         "for a prefix), comma-separated, at most 512 bytes")
                     for v in ("A,,B", "MY-VAR", "*", "A*B", "V" * 65)],
    "BBX_MEM_WATERMARK": [(v, "expected a fraction above 0, at most 1, such as 0.9")
                          for v in ("0", "1.5", "90%", ".", "0,9")],
    "BBX_APP_VERSION": [("v" * 129, "longer than 128 bytes"),
                        ("1.0\x1b[31m", "expected printable text")],
}
# Variables with no invalid value of their own: BBX_DIR is refused by what
# the directory is (the snapshot directory's rules, tests/collector), BBX_APP
# takes any name; the analyzer's are checked above (BBX_DEBUGINFOD_TIMEOUT)
# or are a path list (BBX_DEBUG_PATH); BBX_DB is any file name (a bad store is
# refused when opened: tests/options/test_errors.py).
NO_INVALID = {"BBX_DIR", "BBX_APP", "BBX_DEBUG_PATH", "BBX_DEBUGINFOD_TIMEOUT", "BBX_DB"}


def t_invalid(var):
    for value, why in INVALID[var]:
        r, d = prog("snap", env={var: value})
        check(r.rc == 3 and r.err == "bbx_init: -1 invalid argument\n" and not snaps(d),
              "%s=%s: bbx_init did not refuse it: %r" % (var, value, r))
        pre = A.sanitizer_runtimes.split(":") if A.sanitizer_runtimes else []
        e = {var: value, "BBX_DIR": d, "LD_PRELOAD": ":".join(pre + [A.preload])}
        if pre:
            e["ASAN_OPTIONS"] = "verify_asan_link_order=0:detect_leaks=0"
        rp = run([A.plain], env=e)
        # the line shows at most 64 bytes of the value, control bytes as '?'
        shown = "".join("?" if ord(ch) < 0x20 or ord(ch) == 0x7f else ch for ch in value[:64])
        want = 'bbx-preload: %s="%s" is invalid: %s; collector not started\n' % (var, shown, why)
        check(rp.rc == 0 and rp.err == want, "%s=%s under the preload: %r, expected %r"
              % (var, value, rp.err, want))


def readme_vars():
    text = open(A.readme).read()
    sect = text.split("## Environment variables", 1)[1]
    return re.findall(r"^\| `(BBX_[A-Z_]+)` \|", sect, re.M)


def main():
    names = readme_vars()
    check(len(names) >= 17, "README's BBX_* table: only %r" % names)
    for v in names:
        if v not in CASES:
            fail("%s (README) has no case in tests/options/test_env.py" % v)
        if v not in INVALID and v not in NO_INVALID:
            fail("%s (README) has no invalid-value case" % v)
    for v in CASES:
        if v not in names:
            fail("%s has a case but is not in README's table" % v)
    for v in names:
        if A.only and A.only not in v:
            continue
        for label, fn in ((v, CASES.get(v)), (v + " invalid", INVALID.get(v) and
                                              (lambda v=v: t_invalid(v)))):
            if not fn:
                continue
            n = len(sys.modules["optlib"].failures)
            try:
                fn()
            except Exception as e:
                fail("%s: %s: %s" % (label, type(e).__name__, e))
            checked.append(label)
            print("%s %s" % ("ok  " if len(sys.modules["optlib"].failures) == n else "FAIL", label),
                  flush=True)
    S.close()
    finish()


main()
