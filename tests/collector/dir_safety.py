#!/usr/bin/env python3
"""The snapshot directory is the user's, and a privileged process ignores
its environment (issue 9, item 9).  Real processes, run as root (as the
tests are here and in CI), some of them as `nobody` through setpriv:

1. a setuid-root copy of dir_prog (the collector built in), run by nobody
   with BBX_DIR, BBX_APP, HOME, XDG_STATE_HOME and TMPDIR pointing into a
   directory nobody controls: bbx reads none of them and creates nothing
   there; the program's explicit bbx_config.dir still applies, a relative
   one is refused.
2. BBX_DIR owned by another user, writable by group or others (sticky or
   not), under a directory another user owns or anyone may write to, or
   reached through a symlink another user planted: bbx_init() returns
   BBX_EDIR and nothing is written; under libbbx-preload.so one line goes
   to stderr and the program (sh) prints and exits as it would without bbx.  Safe variants (our own
   directory, a root symlink, a new directory in a sticky one, "..") work.
3. HOME unset: the fallback ${TMPDIR:-/tmp}/bbx-<uid> (TMPDIR is a private
   sticky directory here) is refused when another user made it first or
   planted a symlink there, and nothing is written through the symlink.

Usage: dir_safety.py --prog DIR_PROG --preload LIB [--sanitizer-runtime LIB]
              [--sh SH]
Exits 0 (passed), 1 (failures, each said on stdout) or 77 (not root; a
failure under CI=true: tests/testlib/skip.py).
"""
import argparse
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testlib"))
import skip  # noqa: E402
from check import check, finish, verbose  # noqa: E402

BBX_EDIR = -5
NOBODY = pwd.getpwnam("nobody")
SETPRIV = ["setpriv", "--reuid=nobody", "--regid=%d" % NOBODY.pw_gid, "--clear-groups"]

verbose()  # every check says "ok   what" or "FAIL: what"


def clean_env(**extra):
    """The test's environment without anything bbx reads, plus `extra`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("BBX_") and k not in ("HOME", "XDG_STATE_HOME", "TMPDIR",
                                                      "LD_PRELOAD")}
    env.update(extra)
    return env


def run(argv, env, as_nobody=False, cwd="/"):
    cmd = (SETPRIV if as_nobody else []) + argv
    p = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def make_dir(path, mode=0o700, owner=None):
    os.mkdir(path)
    os.chmod(path, mode)  # past the umask, and the sticky bit
    if owner is not None:
        os.chown(path, owner.pw_uid, owner.pw_gid)
    return path


def symlink(target, path, owner=None):
    os.symlink(target, path)
    if owner is not None:
        os.lchown(path, owner.pw_uid, owner.pw_gid)
    return path


def tree(path):
    """Everything under `path`, as relative names."""
    out = []
    for root, dirs, files in os.walk(path):
        for n in dirs + files:
            out.append(os.path.relpath(os.path.join(root, n), path))
    return sorted(out)


def init_error(out):
    return out.strip() == "init %d" % BBX_EDIR


def snapshot_path(out):
    return out[3:].strip() if out.startswith("ok ") else None


def test_setuid(top, prog):
    """1. A setuid-root program run by nobody."""
    bindir = make_dir(os.path.join(top, "suid"), 0o755)
    suid = os.path.join(bindir, "dir_prog")
    shutil.copy(prog, suid)
    os.chown(suid, 0, 0)
    os.chmod(suid, 0o4755)
    mine = make_dir(os.path.join(top, "nobody"), 0o755, NOBODY)  # the caller's
    root_snaps = make_dir(os.path.join(top, "root-snaps"))
    hostile = clean_env(BBX_DIR=os.path.join(mine, "bbx", "sub"), HOME=os.path.join(mine, "home"),
                        XDG_STATE_HOME=os.path.join(mine, "xdg"),
                        TMPDIR=os.path.join(mine, "tmp"), BBX_APP="evil")

    rc, out, err = run([suid, root_snaps], hostile, as_nobody=True)
    path = snapshot_path(out)
    check(rc == 0 and path is not None, "setuid: explicit bbx_config.dir works (%r %r)"
          % (out, err))
    check(path is not None and os.path.dirname(path) == root_snaps
          and os.path.basename(path).startswith("dir_prog-"),
          "setuid: snapshot in the program's directory, BBX_APP ignored (%s)" % path)

    env = dict(hostile, BBX_MAX_FRAMES="junk", BBX_INTERVAL_MS="soon")
    rc, out, err = run([suid, root_snaps], env, as_nobody=True)
    check(rc == 0, "setuid: unparsable BBX_* values are not even read (%r)" % out)

    # a working directory of root's that the caller may enter (like /etc)
    rc, out, err = run([suid, "relative"], hostile, as_nobody=True, cwd=bindir)
    check(init_error(out) and not os.path.exists(os.path.join(bindir, "relative")),
          "setuid: a relative bbx_config.dir is refused, nothing created (%r)" % out)

    # No directory from the program: the effective user's (root's) home from
    # the password database, whatever HOME, XDG_STATE_HOME or BBX_DIR say.
    home = pwd.getpwuid(0).pw_dir
    chain = [os.path.join(home, ".local"), os.path.join(home, ".local", "state"),
             os.path.join(home, ".local", "state", "bbx")]
    existed = [os.path.isdir(d) for d in chain]
    rc, out, err = run([suid, "-"], hostile, as_nobody=True)
    path = snapshot_path(out)
    try:
        check(path is not None and os.path.dirname(path) == chain[-1],
              "setuid: default directory is %s, not the caller's BBX_DIR/HOME (%r)"
              % (chain[-1], out))
    finally:
        if path and os.path.dirname(path) == chain[-1]:
            os.unlink(path)
        for d, was in reversed(list(zip(chain, existed))):
            if not was and os.path.isdir(d) and not os.listdir(d):
                os.rmdir(d)
    check(tree(mine) == [], "setuid: nothing created where the caller said (%s)" % tree(mine))


def test_refused(top, prog, preload, sanitizer_runtime, sh):
    """2. Directories another user controls, and safe ones beside them."""
    root = make_dir(os.path.join(top, "dirs"), 0o755)
    sticky = make_dir(os.path.join(root, "sticky"), 0o1777)
    target = make_dir(os.path.join(root, "target"))
    theirs = make_dir(os.path.join(root, "nobody-parent"), 0o755, NOBODY)
    open_dir = make_dir(os.path.join(root, "open"), 0o777)
    refused = {
        "owned by nobody": make_dir(os.path.join(root, "other"), 0o700, NOBODY),
        "world-writable": make_dir(os.path.join(root, "world"), 0o777),
        "world-writable sticky": make_dir(os.path.join(root, "world-sticky"), 0o1777),
        "group-writable": make_dir(os.path.join(root, "group"), 0o770),
        "ours, under nobody's directory": make_dir(os.path.join(theirs, "snaps")),
        "ours, under a world-writable directory": make_dir(os.path.join(open_dir, "snaps")),
        "nobody's symlink in a sticky directory":
            symlink(target, os.path.join(sticky, "link"), NOBODY),
        "below nobody's symlink": os.path.join(sticky, "link", "sub"),
    }
    for what, d in refused.items():
        rc, out, err = run([prog, "-"], clean_env(BBX_DIR=d))
        check(rc == 3 and init_error(out), "refused, %s: bbx_init returns BBX_EDIR (%r)"
              % (what, out))
    for d in (target, theirs + "/snaps", open_dir + "/snaps", refused["owned by nobody"],
              refused["world-writable"]):
        check(tree(d) == [], "nothing written into %s (%s)" % (d, tree(d)))

    target2 = make_dir(os.path.join(root, "target2"))
    accepted = {
        "our own directory": (make_dir(os.path.join(root, "mine")), None),
        "root's symlink in a sticky directory":
            (symlink(target2, os.path.join(sticky, "rootlink")), target2),
        "new directories in a sticky one": (os.path.join(sticky, "new", "a"), None),
        "a path with ..": (os.path.join(root, "mine", "..", "mine2"),
                           os.path.join(root, "mine2")),
    }
    for what, (d, physical) in accepted.items():
        rc, out, err = run([prog, "-"], clean_env(BBX_DIR=d))
        path = snapshot_path(out)
        want = physical or d
        check(rc == 0 and path is not None and os.path.dirname(path) == want,
              "accepted, %s: snapshot in %s (%r %r)" % (what, want, out, err))
        st = os.stat(want)
        check(st.st_uid == 0 and stat.S_IMODE(st.st_mode) & 0o077 == 0,
              "accepted, %s: directory private (%o)" % (what, st.st_mode))

    # The preload: one line, and the program runs as without bbx.
    libs = ([sanitizer_runtime] if sanitizer_runtime else []) + [preload]
    script = "echo out; echo err >&2; exit 3"
    env = clean_env(BBX_DIR=refused["owned by nobody"], LD_PRELOAD=":".join(libs))
    rc, out, err = run([sh, "-c", script], env)
    lines = err.splitlines()
    bbx_lines = [line for line in lines if line.startswith("bbx-preload:")]
    check(rc == 3 and out == "out\n", "preload: program's exit status and output unchanged "
          "(%d %r)" % (rc, out))
    check(len(bbx_lines) == 1 and len(lines) == 2 and lines[-1] == "err",
          "preload: exactly one line of bbx on stderr (%r)" % err)
    check(bool(bbx_lines) and refused["owned by nobody"] in bbx_lines[0]
          and "owned by uid %d, not by this process's user" % NOBODY.pw_uid in bbx_lines[0],
          "preload: the line names the directory and the problem (%r)" % bbx_lines)
    check(tree(refused["owned by nobody"]) == [], "preload: nothing written")


def test_home_unset(top, prog):
    """3. HOME unset: ${TMPDIR:-/tmp}/bbx-<uid>, someone else's first."""
    tmp = make_dir(os.path.join(top, "tmp"), 0o1777)  # a private /tmp
    fallback = os.path.join(tmp, "bbx-%d" % os.geteuid())
    env = clean_env(TMPDIR=tmp)

    make_dir(fallback, 0o700, NOBODY)
    rc, out, err = run([prog, "-"], env)
    check(rc == 3 and init_error(out), "HOME unset: nobody's %s refused (%r)" % (fallback, out))
    check(tree(fallback) == [], "HOME unset: nothing written into nobody's directory")
    os.rmdir(fallback)

    elsewhere = make_dir(os.path.join(top, "elsewhere"))
    symlink(elsewhere, fallback, NOBODY)
    rc, out, err = run([prog, "-"], env)
    check(rc == 3 and init_error(out), "HOME unset: nobody's symlink %s refused (%r)"
          % (fallback, out))
    check(tree(elsewhere) == [], "HOME unset: nothing written through the symlink (%s)"
          % tree(elsewhere))
    os.unlink(fallback)

    rc, out, err = run([prog, "-"], env)
    path = snapshot_path(out)
    check(rc == 0 and path is not None and os.path.dirname(path) == fallback,
          "HOME unset: %s created and used when free (%r)" % (fallback, out))
    st = os.lstat(fallback)
    check(stat.S_ISDIR(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o700,
          "HOME unset: created 0700")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prog", required=True)
    ap.add_argument("--preload", required=True)
    ap.add_argument("--sanitizer-runtime", default="")
    ap.add_argument("--sh", default="/bin/sh")
    a = ap.parse_args()
    if os.geteuid() != 0:
        skip.skip("root (for chown, setuid and setpriv)",
                  "run the suite as root, as CI does")
    runtime = "" if a.sanitizer_runtime in ("", "-") else a.sanitizer_runtime
    top = tempfile.mkdtemp(prefix="bbx-dirsafe-")
    os.chmod(top, 0o755)  # nobody walks into it
    try:
        test_setuid(top, a.prog)
        test_refused(top, a.prog, a.preload, runtime, a.sh)
        test_home_unset(top, a.prog)
    finally:
        shutil.rmtree(top)
    finish("all passed")


if __name__ == "__main__":
    sys.exit(main())
