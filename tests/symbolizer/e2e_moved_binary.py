#!/usr/bin/env python3
"""End-to-end: a crash of samples/crasher is symbolized after its binary has
moved, the way a report from another machine arrives.

Usage: e2e_moved_binary.py CRASHER BBX

Each case copies the crasher to a scratch directory, crashes it there
(`crasher null`), changes what is on disk, and reads the snapshot with
`bbx show` (text and --json):

  a. the copy is gone; an identical copy sits under DIR/.build-id/xx/rest:
     found with --debug-dir DIR and with BBX_DEBUG_PATH;
  b. the copy ran stripped (strip -g, and strip -s) with a .gnu_debuglink;
     its debug file (objcopy --only-keep-debug) is beside it, or under
     DIR/.build-id/xx/rest.debug;
  c. the copy is gone and nothing else has it: frames stay crasher+0x...,
     exit 0, one note for the crasher module (not one per frame);
  d. another file with a different build-id sits at the recorded path: it
     is not used (frames stay crasher+0x..., the note says mismatch), and
     the right copy under a debug directory still is.

Only the crasher's own frames are checked: libbbx.so and libc are in the
stacks too, and how they are symbolized depends on the machine.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testlib"))
from check import fail, finish  # noqa: E402

CRASHER, BBX = sys.argv[1], sys.argv[2]
SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "samples",
                      "crasher", "crasher.c")


def crash_line():
    """The line of the null store in crash_null_deref, found in the source."""
    with open(SOURCE) as f:
        lines = [i + 1 for i, text in enumerate(f) if "*p = 42;" in text]
    if len(lines) != 1:
        sys.exit("FAIL: cannot find the one '*p = 42;' line in %s" % SOURCE)
    return lines[0]


LINE = crash_line()


def tool(*args):
    for t in args:
        if shutil.which(t) is None:
            sys.exit("FAIL: %s is not installed (scripts/install-deps.sh installs it)" % t)


def build_id(path):
    out = subprocess.run(["readelf", "-n", path], check=True, capture_output=True,
                         text=True).stdout
    m = re.search(r"Build ID:\s*([0-9a-f]+)", out)
    if not m:
        sys.exit("FAIL: %s has no build-id" % path)
    return m.group(1)


def build_id_path(root, bid, suffix=""):
    d = os.path.join(root, ".build-id", bid[:2])
    os.makedirs(d, exist_ok=True)
    return os.path.join(d, bid[2:] + suffix)


def crash(binary, outdir):
    """Run `binary null`, return the path of its one snapshot."""
    os.makedirs(outdir)
    env = dict(os.environ, BBX_DIR=outdir,
               ASAN_OPTIONS="handle_segv=0:handle_abort=0:detect_leaks=0")
    p = subprocess.run([binary, "null"], env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=120)
    snaps = [f for f in os.listdir(outdir) if f.endswith(".bbx")]
    if p.returncode >= 0 or len(snaps) != 1:
        sys.exit("FAIL: %s null: status %d, %d snapshots" % (binary, p.returncode, len(snaps)))
    return os.path.join(outdir, snaps[0])


def show(snap, *opts, env_extra=None):
    """`bbx show` text and JSON; the BBX_DEBUG_PATH and DEBUGINFOD_URLS of
    the caller are not let in."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("BBX_DEBUG_PATH", "DEBUGINFOD_URLS")}
    env.update(env_extra or {})
    t = subprocess.run([BBX, "show", *opts, snap], env=env, capture_output=True, text=True)
    j = subprocess.run([BBX, "show", "--json", *opts, snap], env=env, capture_output=True,
                       text=True)
    if t.returncode != 0 or j.returncode != 0:
        fail("bbx show %s exited %d/%d: %s%s" % (" ".join(opts), t.returncode, j.returncode,
                                                 t.stderr, j.stderr))
        return t.stdout, None
    return t.stdout, json.loads(j.stdout)


def crashed_frames(report, module_path):
    """Symbolized frames of the crashed thread that are in module_path."""
    t = [t for t in report["threads"] if t["crashed"]]
    if len(t) != 1:
        fail("expected one crashed thread, got %d" % len(t))
        return []
    return [f for f in t[0]["frames"] if f["module"] == module_path]


def symbols_section(text):
    """The note lines of the text report's trailing `symbols:` section."""
    lines = text.splitlines()
    if "symbols:" not in lines:
        return []
    return [ln.strip() for ln in lines[lines.index("symbols:") + 1:] if ln.startswith("  ")]


def notes_for(notes, module):
    """Notes about `module` (its base name): notes name the module first,
    then where they looked, which may repeat the name in paths."""
    pat = re.compile(r"\b%s\b" % re.escape(module))
    return [n for n in notes if pat.search(n.split(":", 1)[0])]


def expect_symbolized(case, text, report, module_path):
    frames = crashed_frames(report, module_path) if report else []
    if not frames:
        fail("%s: no frames in %s" % (case, module_path))
        return
    f0 = frames[0]
    if f0["function"] != "crash_null_deref" or not (f0["file"] or "").endswith("crasher.c") \
            or f0["line"] != LINE:
        fail("%s: first crasher frame is %s at %s:%s, expected crash_null_deref at "
             "crasher.c:%d" % (case, f0["function"], f0["file"], f0["line"], LINE))
    if not any(f["function"] == "main" and f["file"] for f in frames):
        fail("%s: main not named with its file among the crasher frames" % case)
    pat = re.compile(r"#00 pc 0x[0-9a-f]+  crasher\+0x[0-9a-f]+  crash_null_deref\+0x[0-9a-f]+ "
                     r"\(\S*crasher\.c:%d(:\d+)?\)" % LINE)
    if not pat.search(text):
        fail("%s: text report has no '#00 ... crash_null_deref+0x.. (crasher.c:%d...)' line"
             % (case, LINE))
    if notes_for(report.get("symbol_notes") or [], "crasher"):
        fail("%s: a note for the crasher although it was symbolized: %s"
             % (case, report["symbol_notes"]))
    print("ok: %s" % case)


def expect_unsymbolized(case, text, report, module_path, note_word):
    frames = crashed_frames(report, module_path) if report else []
    if len(frames) < 2:
        fail("%s: expected several crasher frames, got %d" % (case, len(frames)))
        return
    for f in frames:
        if f["function"] or f["file"] or f["line"] or f["inlined"]:
            fail("%s: crasher frame at %s symbolized as %s %s:%s" % (
                case, f["offset"], f["function"], f["file"], f["line"]))
            break
    for ln in text.splitlines():
        if re.match(r"\s+#\d+ pc 0x[0-9a-f]+  crasher\+0x[0-9a-f]+", ln) and \
                not re.match(r"\s+#\d+ pc 0x[0-9a-f]+  crasher\+0x[0-9a-f]+$", ln):
            fail("%s: text frame is more than module+offset: %r" % (case, ln))
            break
    text_notes = notes_for(symbols_section(text), "crasher")
    json_notes = notes_for(report.get("symbol_notes") or [], "crasher")
    if len(text_notes) != 1 or len(json_notes) != 1:
        fail("%s: expected one note for the crasher, text has %d, JSON %d: %s"
             % (case, len(text_notes), len(json_notes), text_notes or json_notes))
    elif note_word not in text_notes[0]:
        fail("%s: the crasher's note does not say '%s': %s" % (case, note_word, text_notes[0]))
    print("ok: %s" % case)


def main():
    tool("readelf", "objcopy", "strip")
    top = os.path.realpath(tempfile.mkdtemp(prefix="bbx-sym-moved-"))
    try:
        run(top)
    finally:
        shutil.rmtree(top, ignore_errors=True)
    finish("all cases passed")


def run(top):
    bid = build_id(CRASHER)

    # a. moved away, a copy under DIR/.build-id/xx/rest
    scratch = os.path.join(top, "a-run")
    os.makedirs(scratch)
    moved = os.path.join(scratch, "crasher")
    shutil.copy2(CRASHER, moved)
    snap_a = crash(moved, os.path.join(top, "a-out"))
    os.unlink(moved)
    dbg = os.path.join(top, "a-debug")
    shutil.copy2(CRASHER, build_id_path(dbg, bid))
    text, rep = show(snap_a, "--debug-dir", dbg)
    expect_symbolized("a: binary moved, copy in --debug-dir DIR/.build-id", text, rep, moved)
    text, rep = show(snap_a, env_extra={"BBX_DEBUG_PATH": os.path.join(top, "none") + ":" + dbg})
    expect_symbolized("a: binary moved, copy in BBX_DEBUG_PATH (second entry)", text, rep,
                      moved)
    text, rep = show(snap_a, "--debug-dir", os.path.join(top, "none"), "--debug-dir", dbg)
    expect_symbolized("a: binary moved, copy in the second --debug-dir", text, rep, moved)

    # c. moved away and nowhere to be found
    text, rep = show(snap_a)
    expect_unsymbolized("c: binary missing", text, rep, moved, "crasher")
    text, rep = show(snap_a, "--debug-dir", os.path.join(top, "none"))
    expect_unsymbolized("c: binary missing, empty --debug-dir", text, rep, moved, "crasher")

    # b. stripped binary ran; separate debug file beside it or by build-id
    for how, flag in (("strip -g", "--strip-debug"), ("strip -s", "--strip-all")):
        tag = flag.strip("-")
        scratch = os.path.join(top, "b-run-" + tag)
        os.makedirs(scratch)
        stripped = os.path.join(scratch, "crasher")
        debug = stripped + ".debug"
        shutil.copy2(CRASHER, stripped)
        subprocess.run(["objcopy", "--only-keep-debug", stripped, debug], check=True)
        subprocess.run(["strip", flag, stripped], check=True)
        subprocess.run(["objcopy", "--add-gnu-debuglink=" + debug, stripped], check=True,
                       cwd=scratch)
        if build_id(stripped) != bid or build_id(debug) != bid:
            sys.exit("FAIL: strip or objcopy changed the build-id")
        snap_b = crash(stripped, os.path.join(top, "b-out-" + tag))
        text, rep = show(snap_b)
        expect_symbolized("b: %s + .gnu_debuglink, .debug beside it" % how, text, rep,
                          stripped)
        dbg = os.path.join(top, "b-debug-" + tag)
        os.rename(debug, build_id_path(dbg, bid, ".debug"))
        text, rep = show(snap_b, "--debug-dir", dbg)
        expect_symbolized("b: %s, .debug in DIR/.build-id/xx/rest.debug" % how, text, rep,
                          stripped)
        text, rep = show(snap_b, env_extra={"BBX_DEBUG_PATH": dbg})
        expect_symbolized("b: %s, .debug by build-id under BBX_DEBUG_PATH" % how, text, rep,
                          stripped)

    # d. a different build of the program at the recorded path
    scratch = os.path.join(top, "d-run")
    os.makedirs(scratch)
    recorded = os.path.join(scratch, "crasher")
    shutil.copy2(CRASHER, recorded)
    snap_d = crash(recorded, os.path.join(top, "d-out"))
    with open(recorded, "rb") as f:
        data = f.read()
    raw = bytes.fromhex(bid)
    if data.count(raw) != 1:
        sys.exit("FAIL: the build-id bytes are not found exactly once in the crasher")
    other = raw[:-1] + bytes([raw[-1] ^ 0xff])
    # the same code under another build-id: if it were used, the frames
    # would come out right, so only the build-id check keeps it out
    with open(recorded, "wb") as f:
        f.write(data.replace(raw, other))
    text, rep = show(snap_d)
    expect_unsymbolized("d: other build-id at the recorded path", text, rep, recorded,
                        "mismatch")
    dbg = os.path.join(top, "d-debug")
    shutil.copy2(CRASHER, build_id_path(dbg, bid))
    text, rep = show(snap_d, "--debug-dir", dbg)
    expect_symbolized("d: other build-id at the recorded path, right copy in --debug-dir",
                      text, rep, recorded)


if __name__ == "__main__":
    sys.exit(main())
