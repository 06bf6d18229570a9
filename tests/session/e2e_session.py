#!/usr/bin/env python3
"""The session a process ran in (issue 16, SESSION record), end to end on a
real GL program: glxgears under libbbx-preload.so and a private Xvfb.

- gl: glxgears draws (software GL: LIBGL_ALWAYS_SOFTWARE=1) while periodic
  snapshots are taken.  The last one's session says: type x11 (from
  XDG_SESSION_TYPE), the display, the desktop; every GL module the kernel
  shows in the running process's /proc/PID/maps (libGLX_mesa, the Mesa
  DRI or Gallium driver) is named with its role; a note says GL renders in
  software; uid, gid, groups, umask, cwd, the parent's name, the bounding
  capability set and stdin (not a terminal) are what this test knows of
  the process it started; the allowed environment holds SESSTEST_MODE
  (BBX_ENV_KEYS) and SESSTEST_API_TOKEN as "[redacted]", and the token's
  value is in no snapshot's decompressed bytes.  `bbx show` prints the
  session line, the gl line and the note; `bbx report` puts a Session
  section on the page.
- context: a second run with another desktop and GDK_SCALE set; `bbx show
  --context A B` exits 1 and names exactly those differences (text and
  JSON); A against itself exits 0 with no difference.
- no display: glxgears without DISPLAY fails as it does without bbx (same
  exit code and message); its exit snapshot says type "none" with the note
  that no display is set while libX11 is loaded.

Exits 0, or 1 with the reasons on stdout.
"""

import json
import os
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "leaks"))
sys.path.insert(0, os.path.join(HERE, "..", "testlib"))
import leaktest as lt  # noqa: E402
import skip  # noqa: E402
from xvfb import Xvfb  # noqa: E402

SECRET = "tok-SESS-8f7e6d5c"
GL_PREFIXES = ("libGLX_mesa", "libEGL_mesa", "libgallium", "libGL.so", "libGLX.so",
               "libGLdispatch")


def raw(path):
    """The decompressed bytes of a snapshot (zstd after the 16-byte header)."""
    with open(path, "rb") as f:
        data = f.read()[16:]
    p = subprocess.run(["zstd", "-dcq"], input=data, capture_output=True, timeout=60)
    return p.stdout


def gl_modules_in_maps(pid):
    """File names of the GL modules the kernel shows mapped in pid."""
    names = set()
    with open("/proc/%d/maps" % pid) as f:
        for line in f:
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            base = os.path.basename(path)
            if base.startswith(GL_PREFIXES) or base.endswith("_dri.so"):
                names.add(base)
    return names


def status_field(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return line.split(":", 1)[1].strip()
    return None


def run_gears(args, env, snap_dir, cwd, seconds=3.0):
    """glxgears for a few seconds; returns (its GL modules from maps, rc)."""
    p = subprocess.Popen(["glxgears"], env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    mods = set()
    deadline = time.time() + seconds
    while time.time() < deadline and p.poll() is None:
        time.sleep(0.2)
        try:
            mods |= gl_modules_in_maps(p.pid)
        except OSError:
            pass
    p.send_signal(signal.SIGTERM)
    try:
        p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
    return mods, p.returncode


def last_snapshot(snap_dir):
    files = lt.snapshots(snap_dir)
    lt.check(files, "no snapshots in %s" % snap_dir)
    return files[-1] if files else None


def session_env(xenv, **extra):
    e = dict(xenv)
    e.update({"XDG_SESSION_TYPE": "x11", "XDG_CURRENT_DESKTOP": "TestDesk",
              "LIBGL_ALWAYS_SOFTWARE": "1", "SESSTEST_MODE": "visible",
              "SESSTEST_API_TOKEN": SECRET, "BBX_ENV_KEYS": "SESSTEST_*"})
    e.update(extra)
    return e


def case_gl(args, xenv, scratch, preload):
    snap_dir, cwd = scratch.sub("gl"), scratch.sub("gl-cwd")
    env = lt.collector_env(snap_dir, preload, interval_ms=250)
    env.update(session_env(xenv))
    env.pop("WAYLAND_DISPLAY", None)
    os.umask(0o027)
    try:
        mods, _ = run_gears(args, env, snap_dir, cwd)
    finally:
        os.umask(0o022)
    lt.check(any(m.startswith("libGLX_mesa") for m in mods),
             "glxgears did not load libGLX_mesa (maps: %s)" % sorted(mods))
    path = last_snapshot(snap_dir)
    if not path:
        return None
    d = lt.bbx_show(args.bbx, path) or {}
    ses = d.get("session") or {}
    lt.check(ses.get("type") == "x11" and ses.get("type_from") == "XDG_SESSION_TYPE",
             "session type: %r from %r" % (ses.get("type"), ses.get("type_from")))
    lt.check(ses.get("display") == xenv["DISPLAY"] and ses.get("desktop") == "TestDesk",
             "display %r, desktop %r" % (ses.get("display"), ses.get("desktop")))
    named = {g["module"]: g["role"] for g in ses.get("gl_modules", [])}
    for m in mods:
        lt.check(m in named, "GL module %s (in /proc/PID/maps) not named: %r" % (m, named))
    lt.check(named.get(next((m for m in mods if m.startswith("libGLX_mesa")), ""), "")
             == "GLX vendor: Mesa", "libGLX_mesa's role: %r" % named)
    lt.check(any(r in ("Mesa DRI driver", "Mesa Gallium drivers") for r in named.values()),
             "no Mesa driver named: %r" % named)
    notes = ses.get("notes", [])
    lt.check("GL renders in software: LIBGL_ALWAYS_SOFTWARE=1" in notes, "notes: %r" % notes)
    env_seen = ses.get("env", {})
    lt.check(env_seen.get("SESSTEST_MODE") == "visible" and
             env_seen.get("SESSTEST_API_TOKEN") == "[redacted]" and
             env_seen.get("DISPLAY") == xenv["DISPLAY"], "session env: %r" % env_seen)
    lt.check(ses.get("uid") == os.getuid() and ses.get("euid") == os.geteuid() and
             ses.get("gid") == os.getgid(), "ids: %r" % {k: ses.get(k) for k in ("uid", "gid")})
    want_groups = sorted(set(int(g) for g in (status_field("Groups") or "").split()))
    lt.check(sorted(ses.get("groups", [])) == want_groups,
             "groups %r, want %r" % (ses.get("groups"), want_groups))
    lt.check(ses.get("umask") == "0027", "umask %r, want 0027" % ses.get("umask"))
    lt.check(ses.get("cwd") == os.path.realpath(cwd), "cwd %r, want %r" % (ses.get("cwd"), cwd))
    with open("/proc/self/comm") as f:
        me = f.read().strip()
    lt.check(ses.get("parent") == me, "parent %r, want %r" % (ses.get("parent"), me))
    caps = ses.get("capabilities") or {}
    lt.check(caps.get("bounding") == hex(int(status_field("CapBnd"), 16)),
             "bounding set %r, want %s" % (caps.get("bounding"), status_field("CapBnd")))
    lt.check((ses.get("terminal") or {}).get("stdin") is False, "stdin is /dev/null, not a "
             "terminal: %r" % ses.get("terminal"))
    if os.path.exists("/.dockerenv"):
        lt.check("docker" in ses.get("sandbox", []), "sandbox %r" % ses.get("sandbox"))
    for f in lt.snapshots(snap_dir):
        lt.check(SECRET.encode() not in raw(f), "the token's value is in %s" % f)
    text = subprocess.run([args.bbx, "show", path], capture_output=True, text=True,
                          timeout=120).stdout
    lt.check("session: x11 session (XDG_SESSION_TYPE), DISPLAY %s, desktop TestDesk"
             % xenv["DISPLAY"] in text, "bbx show: no session line:\n" + text[:1500])
    lt.check("\n  gl: " in text and "GLX vendor: Mesa" in text, "bbx show: no gl line")
    lt.check("  note: GL renders in software: LIBGL_ALWAYS_SOFTWARE=1" in text,
             "bbx show: no software GL note")
    page = os.path.join(scratch.path, "gl.html")
    r = subprocess.run([args.bbx, "report", "-o", page, "--no-symbols", path],
                       capture_output=True, text=True, timeout=300)
    lt.check(r.returncode == 0, "bbx report: %d %s" % (r.returncode, r.stderr))
    if r.returncode == 0:
        html = open(page).read()
        lt.check('<section id="session">' in html and "GL renders in software" in html and
                 "SESSTEST_MODE" in html, "the report has no Session section")
    return path


def case_context(args, xenv, scratch, preload, first):
    snap_dir, cwd = scratch.sub("gl2"), scratch.sub("gl-cwd2")
    env = lt.collector_env(snap_dir, preload, interval_ms=250)
    env.update(session_env(xenv, XDG_CURRENT_DESKTOP="OtherDesk", GDK_SCALE="2"))
    env.pop("WAYLAND_DISPLAY", None)
    run_gears(args, env, snap_dir, cwd, seconds=2.0)
    second = last_snapshot(snap_dir)
    if not first or not second:
        return
    r = subprocess.run([args.bbx, "show", "--context", "--json", first, second],
                       capture_output=True, text=True, timeout=120)
    lt.check(r.returncode == 1, "--context A B: exit %d %s" % (r.returncode, r.stderr))
    diffs = {x["key"]: (x["a"], x["b"]) for x in json.loads(r.stdout or "{}").get(
        "differences", [])}
    want = {"env XDG_CURRENT_DESKTOP": ("TestDesk", "OtherDesk"), "env GDK_SCALE": (None, "2"),
            "cwd": (os.path.realpath(scratch.sub("gl-cwd")), os.path.realpath(cwd))}
    for k, v in want.items():
        lt.check(diffs.get(k) == v, "--context: %s: %r, want %r" % (k, diffs.get(k), v))
    extra = set(diffs) - set(want) - {"umask"}  # the first run had umask 027
    lt.check(not extra, "--context: differences nobody made: %r" % {k: diffs[k] for k in extra})
    t = subprocess.run([args.bbx, "show", "--context", first, second], capture_output=True,
                       text=True, timeout=120)
    lt.check(t.returncode == 1 and "env GDK_SCALE: (not set) -> 2" in t.stdout,
             "--context text: %d %s" % (t.returncode, t.stdout))
    s = subprocess.run([args.bbx, "show", "--context", first, first], capture_output=True,
                       text=True, timeout=120)
    lt.check(s.returncode == 0 and "\n0 differences," in "\n" + s.stdout.splitlines()[-1],
             "--context A A: %d %s" % (s.returncode, s.stdout[-300:]))


def case_no_display(args, scratch, preload):
    snap_dir = scratch.sub("nodisplay")
    base = {k: v for k, v in os.environ.items()
            if k not in ("DISPLAY", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE")}
    plain = subprocess.run(["glxgears"], env=base, capture_output=True, text=True, timeout=60)
    env = lt.collector_env(snap_dir, preload, at_exit=1)
    for k in ("DISPLAY", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE"):
        env.pop(k, None)
    withbbx = subprocess.run(["glxgears"], env=env, capture_output=True, text=True, timeout=60)
    lt.check(plain.returncode == withbbx.returncode and plain.stdout == withbbx.stdout and
             plain.stderr.strip() == withbbx.stderr.strip(),
             "glxgears without a display: %r without bbx, %r with"
             % ((plain.returncode, plain.stderr), (withbbx.returncode, withbbx.stderr)))
    path = last_snapshot(snap_dir)
    if not path:
        return
    ses = (lt.bbx_show(args.bbx, path) or {}).get("session") or {}
    lt.check(ses.get("type") == "none", "no display: type %r" % ses.get("type"))
    notes = ses.get("notes", [])
    lt.check(any(n.startswith("no display: neither DISPLAY nor WAYLAND_DISPLAY is set, and "
                              "the program loaded libX11") for n in notes),
             "no display: notes %r" % notes)


def main():
    p = lt.arg_parser(__doc__)
    args = p.parse_args()
    preload = lt.preload_value(args)
    for tool, pkg in (("glxgears", "mesa-utils"), ("zstd", "zstd")):
        if subprocess.run(["sh", "-c", "command -v " + tool], capture_output=True).returncode:
            skip.skip(tool, "Debian package " + pkg)
    with lt.Scratch("session") as scratch:
        with Xvfb() as xenv:
            first = case_gl(args, xenv, scratch, preload)
            case_context(args, xenv, scratch, preload, first)
        case_no_display(args, scratch, preload)
    lt.finish()


if __name__ == "__main__":
    main()
