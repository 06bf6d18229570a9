#!/usr/bin/env python3
"""End-to-end: `bbx flame` on real snapshots.

Usage: e2e_flame.py --bbx BBX --crasher CRASHER --leaker LEAKER
                    --node NODE --node-modules DIR [--preload ...]
(without node or the npm modules: skipped, or failed under CI=true)

  folded:   the crasher's many-threads crash; `bbx flame --no-symbols` is
            checked against what the crasher knows it made (its manifest:
            "threads N" and "stack COUNT NAME F1;F2;..." with its own
            functions on each kind of thread), its module+offset frames named
            by eu-addr2line, not by bbx; and the format rules (one line per
            stack, "stack COUNT", no empty frame, sorted, unique).
  formats:  speedscope and pprof of the same snapshot, read by
            check_formats.js (pprof through the pprof-format package).
  origins:  the leaker with tracking and periodic snapshots: client_connect
            and schedule_retry in the fd / thread creation stacks; with
            --leaks-only only what `bbx leaks` calls suspects.
  errors:   not a snapshot, an empty directory, bad --what/--format: exit 2
            with one line; -o never leaves a half file or overwrites an input.
"""

import json
import os
import re
import stat
import subprocess
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "leaks"))
import leaktest as lt  # noqa: E402

p = lt.arg_parser("bbx flame on real snapshots")
p.add_argument("--crasher", required=True)
p.add_argument("--leaker", required=True)
p.add_argument("--node")
p.add_argument("--node-modules")
args = p.parse_args()
BBX = args.bbx
HERE = os.path.dirname(os.path.abspath(__file__))


def flame(*a, check=True):
    return lt.run([BBX, "flame", *a], check=check)


def parse_folded(text, what):
    """{stack: count}; checks the format rules on the way."""
    out = {}
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    else:
        lt.fail("%s: output does not end in a newline" % what)
    for ln in lines:
        m = re.fullmatch(r"(.+) ([0-9]+)", ln)
        if not m:
            lt.fail("%s: not 'stack COUNT': %r" % (what, ln))
            continue
        stack, count = m.group(1), int(m.group(2))
        if "" in stack.split(";") or count == 0:
            lt.fail("%s: empty frame or zero count: %r" % (what, ln))
        if stack in out:
            lt.fail("%s: stack twice: %r" % (what, stack))
        out[stack] = count
    if lines != sorted(lines, key=lambda s: s.rsplit(" ", 1)[0].encode()) and \
            [s.rsplit(" ", 1)[0] for s in lines] != sorted(s.rsplit(" ", 1)[0] for s in lines):
        lt.fail("%s: lines not sorted" % what)
    return out


def crasher_manifest(stdout):
    """(threads, {(thread name, "F1;F2;..."): count}) from the crasher's
    "threads N" and "stack COUNT NAME FUNCTIONS" lines."""
    threads, stacks = None, {}
    for line in stdout.splitlines():
        w = line.split()
        if len(w) == 2 and w[0] == "threads":
            threads = int(w[1])
        elif len(w) == 4 and w[0] == "stack":
            stacks[(w[2], w[3])] = int(w[1])
    return threads, stacks


def module_paths(exe):
    """{base name: path} of exe and the libraries it loads, from ldd."""
    out = subprocess.run(["ldd", exe], capture_output=True, text=True, check=True).stdout
    paths = {os.path.basename(exe): exe}
    for line in out.splitlines():
        m = re.match(r"\s*(\S+) => (/\S+)", line)
        if m:
            paths[os.path.basename(os.path.realpath(m.group(2)))] = m.group(2)
            paths[m.group(1)] = m.group(2)
    return paths


def addr2line_names(path, offsets):
    """{offset: (function, file)} by eu-addr2line -f (first level)."""
    offsets = sorted(set(offsets))
    r = subprocess.run(["eu-addr2line", "-f", "-e", path], input="".join(
        "0x%x\n" % o for o in offsets), capture_output=True, text=True, timeout=300)
    lines = r.stdout.splitlines()
    if r.returncode != 0 or len(lines) != 2 * len(offsets):
        lt.fail("eu-addr2line -e %s: exit %d, %d lines for %d addresses: %s"
                % (path, r.returncode, len(lines), len(offsets), r.stderr.strip()))
        return {}
    return {o: (lines[2 * i].split(" inlined at ")[0], lines[2 * i + 1].rsplit(":", 2)[0])
            for i, o in enumerate(offsets)}


def name_frames(folded, exe):
    """{stack: [(module, function, file)] root first} for folded stacks of
    module+0xOFFSET frames, named by eu-addr2line.  A return address (every
    frame but the innermost) is looked up one byte before, inside its call."""
    paths = module_paths(exe)
    want, parsed = {}, {}
    for stack in folded:
        frames = stack.split(";")[1:]
        out = []
        for i, f in enumerate(frames):
            m = re.fullmatch(r"(.+)\+0x([0-9a-f]+)", f)
            if not m or m.group(1) not in paths:
                out.append((None, f, None))
                continue
            off = int(m.group(2), 16) - (0 if i == len(frames) - 1 else 1)
            want.setdefault(m.group(1), set()).add(off)
            out.append((m.group(1), off, None))
        parsed[stack] = out
    names = {mod: addr2line_names(paths[mod], offs) for mod, offs in want.items()}
    return {stack: [(mod, *names.get(mod, {}).get(off, ("??", "??"))) if mod else
                    (None, off, None) for mod, off, _ in fr] for stack, fr in parsed.items()}


def check_crash(scratch):
    snap_dir = scratch.sub("crash")
    env = lt.collector_env(snap_dir)
    run = lt.run([args.crasher, "many-threads"], env=env, check=False)
    snaps = lt.snapshots(snap_dir)
    if len(snaps) != 1:
        lt.fail("crasher many-threads wrote %d snapshots" % len(snaps))
        return
    snap = snaps[0]
    # The oracle: what the crasher made, and eu-addr2line's names.
    n_threads, made = crasher_manifest(run.stdout)
    if not n_threads or not made:
        lt.fail("the crasher printed no manifest of its stacks: %r" % run.stdout)
        return
    got = parse_folded(flame("--format", "folded", "--no-symbols", snap).stdout, "folded")
    lt.note("folded: %d threads made, %d distinct stacks" % (n_threads, len(got)))
    if sum(got.values()) != n_threads:
        lt.fail("folded counts sum to %d, the crasher made %d threads"
                % (sum(got.values()), n_threads))
    named = name_frames(got, args.crasher)
    crasher_mod = os.path.basename(args.crasher)
    found = {}
    for stack, count in got.items():
        thread = stack.split(";")[0]
        frames = named[stack]
        # the crasher's own functions (with a source file: not _start)
        own = ";".join(fn for mod, fn, file in frames if mod == crasher_mod and file != "??")
        key = (thread, own)
        if key not in made:
            lt.fail("folded stack of %d thread(s) %r is none the crasher made: %s <- %r"
                    % (count, stack, thread, own))
            continue
        found[key] = found.get(key, 0) + count
        leaf_mod, leaf_fn, _ = frames[-1]
        if thread == "parked" and (leaf_mod == crasher_mod or not re.search(
                r"pause|barrier_wait|futex", str(leaf_fn))):
            lt.fail("parked thread's innermost frame %s is no wait in a library"
                    % stack.split(";")[-1])
        if thread != "parked" and leaf_fn != "crash_null_deref":
            lt.fail("crashed thread's innermost frame is %s, not crash_null_deref" % leaf_fn)
    for key, count in made.items():
        if found.get(key, 0) != count:
            lt.fail("the crasher made %d thread(s) %s with %s; bbx flame shows %d"
                    % (count, key[0], key[1], found.get(key, 0)))
    if n_threads < 50 or max(got.values(), default=0) < 50:
        lt.fail("many-threads: expected many threads sharing a stack: %r" % list(got.values()))
    exp = got  # checked against the manifest: the other formats must say the same
    # Symbolized: the crash frame and the parked threads' functions by name.
    sym = parse_folded(flame(snap).stdout, "folded with symbols")
    if not any(s.endswith(";crash_null_deref") or ";crash_null_deref;" in s for s in sym):
        lt.fail("symbolized folded output lacks crash_null_deref: %r" % list(sym)[:3])
    if sum(sym.values()) != n_threads:
        lt.fail("symbolized counts sum to %d, not %d" % (sum(sym.values()), n_threads))
    mods = flame("--modules", snap).stdout
    if "main [crasher]" not in mods:
        lt.fail("--modules: no 'main [crasher]' frame")
    # --diff: the snapshot against itself: every line "stack N N".
    diff = flame("--diff", snap, "--", snap, check=True).stdout.splitlines()
    bad = [d for d in diff if not re.fullmatch(r".+ ([0-9]+) \1", d)]
    if not diff or bad:
        lt.fail("--diff of a snapshot with itself: %r" % bad[:2])
    # speedscope and pprof, read by other programs
    ss = os.path.join(scratch.path, "flame.speedscope.json")
    pp = os.path.join(scratch.path, "flame.pb.gz")
    flame("--no-symbols", "--format", "speedscope", "-o", ss, snap)
    flame("--no-symbols", "--format", "pprof", "-o", pp, snap)
    expect = lt.write_file(os.path.join(scratch.path, "expect.json"),
                           json.dumps({"total": n_threads, "stacks": exp}))
    if not (args.node and args.node_modules):
        lt.skip("node and tests/browser/node_modules (--node, --node-modules)",
                "Debian package nodejs; npm ci --prefix tests/browser")
    r = subprocess.run([args.node, os.path.join(HERE, "check_formats.js"), args.node_modules,
                        ss, pp, expect], capture_output=True, text=True, timeout=300)
    lt.note("check_formats.js: " + r.stdout.strip().splitlines()[-1] if r.stdout else "")
    if r.returncode == lt.skiplib.SKIP:  # its last line is "SKIP: why"
        print(r.stdout.strip().splitlines()[-1], flush=True)
        sys.exit(lt.skiplib.SKIP)
    if r.returncode != 0:
        lt.fail("check_formats.js: %s %s" % (r.stdout.strip()[-1500:], r.stderr.strip()[-500:]))


def check_origins(scratch):
    snap_dir = scratch.sub("leaker")
    env = lt.collector_env(snap_dir, track="fd,thread", interval_ms=150)
    lt.run([args.leaker, "--duration-ms", "3000", "--tick-ms", "20", "--retry-every", "5"],
           env=env)
    snaps = lt.snapshots(snap_dir)
    lt.note("leaker: %d snapshots" % len(snaps))
    if len(snaps) < 5:
        lt.fail("leaker wrote %d snapshots" % len(snaps))
        return
    fds = parse_folded(flame("--what", "fd-origins", snap_dir).stdout, "fd-origins")
    if not any("client_connect" in s and s.endswith(";[socket]") for s in fds):
        lt.fail("fd-origins: no client_connect;...;[socket] stack: %r" % list(fds)[:5])
    thr = parse_folded(flame("--what", "thread-origins", snap_dir).stdout, "thread-origins")
    if not any("schedule_retry" in s for s in thr):
        lt.fail("thread-origins: schedule_retry absent: %r" % list(thr)[:5])
    code, doc = lt.bbx_leaks(BBX, [snap_dir])
    suspects = doc["leaks"] if doc else []
    if code != 1:  # 1: findings, and the leaker leaks
        lt.fail("bbx leaks on the leaker's snapshots exited %d, want 1 (suspects found)" % code)
    for what, fn, resource, full in (("fd-origins", "client_connect", "fd", fds),
                                     ("thread-origins", "schedule_retry", "thread", thr)):
        only = parse_folded(flame("--what", what, "--leaks-only", snap_dir).stdout,
                            what + " --leaks-only")
        if not only or not all(fn in s for s in only):
            lt.fail("%s --leaks-only: expected only %s stacks: %r" % (what, fn, list(only)[:5]))
        if sum(only.values()) >= sum(full.values()):
            lt.fail("%s --leaks-only kept everything (%d of %d)"
                    % (what, sum(only.values()), sum(full.values())))
        if not any(l["resource"] == resource and lt.origin_has(l, fn) for l in suspects):
            lt.fail("bbx leaks does not list %s as a suspect" % fn)


def check_errors(scratch):
    def one_line_2(argv, what):
        r = flame(*argv, check=False)
        if r.returncode != 2 or len(r.stderr.strip().splitlines()) != 1 or r.stdout:
            lt.fail("%s: exit %d, stderr %r" % (what, r.returncode, r.stderr))
    junk = lt.write_file(os.path.join(scratch.path, "junk.bbx"), "not a snapshot\n")
    empty = scratch.sub("empty")
    snap = lt.snapshots(scratch.sub("crash"))
    one_line_2([junk], "not a snapshot")
    one_line_2([empty], "empty directory")
    one_line_2(["--what", "heap", empty], "bad --what")
    one_line_2(["--format", "png", empty], "bad --format")
    one_line_2(["--group", "pid", empty], "bad --group")
    one_line_2([], "no input")
    if snap:
        one_line_2(["-o", snap[0], snap[0]], "-o over the input")
        out = os.path.join(scratch.path, "out.folded")
        one_line_2(["-o", out, snap[0], junk], "unreadable second input")
        if os.path.exists(out) or any(f.startswith("out.folded.") for f in
                                      os.listdir(scratch.path)):
            lt.fail("-o left a file behind after an error")
    if snap:
        # -o onto something that is not a regular file writes into it: a
        # rename over /dev/null would replace the device with a file
        flame("--format", "folded", "-o", os.devnull, snap[0])
        if not stat.S_ISCHR(os.stat(os.devnull).st_mode):
            lt.fail("-o %s replaced the device with a file" % os.devnull)
        fifo = os.path.join(scratch.path, "out.fifo")
        os.mkfifo(fifo)
        got = []
        reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()))
        reader.start()
        flame("--format", "folded", "--no-symbols", "-o", fifo, snap[0])
        reader.join(60)
        if not stat.S_ISFIFO(os.stat(fifo).st_mode) or not got or not got[0]:
            lt.fail("-o FIFO: the FIFO was replaced or got nothing")
    r = flame("--help")
    if "--leaks-only" not in r.stdout or "pprof" not in r.stdout:
        lt.fail("--help does not describe the options")


with lt.Scratch("flame") as scratch:
    check_crash(scratch)
    check_origins(scratch)
    check_errors(scratch)
lt.finish()
