"""Shared helpers of the option, error-path and environment tests: running
bbx and the test program, the fixture snapshots, oracles that are not bbx
(nm, c++filt, objcopy, a listening socket for debuginfod), and failures.
Imported by the test_*.py scripts next to it; not a test itself."""

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testlib"))
from silent_server import SilentServer as Listener  # noqa: E402,F401  (a debuginfod that hangs)
import check as checklib  # noqa: E402  (fail, check: tests/testlib/check.py)
from check import check, fail, failures  # noqa: E402,F401

checked = []


def finish():
    """Ends the test: "N cases, M failure(s)", exit 1 when any failed."""
    checklib.finish(cases=len(checked))


def args():
    p = argparse.ArgumentParser()
    p.add_argument("--bbx", required=True)
    p.add_argument("--prog", required=True)
    p.add_argument("--plain", required=True)
    p.add_argument("--preload", required=True)
    p.add_argument("--readme", required=True)
    p.add_argument("--gen-memseries", help="tests/memgrowth's series generator (heap cases)")
    p.add_argument("--sanitizer-runtimes", default="")
    p.add_argument("--heapcheck", default="", help="tests/heap's heap_check")
    p.add_argument("--only", help="run only the cases whose key contains this")
    return p.parse_args()


class Result:
    def __init__(self, cp):
        self.rc = cp.returncode
        self.out = cp.stdout
        self.err = cp.stderr

    def __repr__(self):
        return "rc=%s stderr=%r stdout=%r" % (self.rc, self.err[:300], self.out[:300])


def base_env(extra=None):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("BBX_") and not k.startswith("DEBUGINFOD_")}
    env["LC_ALL"] = "C"
    env.update(extra or {})
    return env


def run(cmd, env=None, stdin=None, binary=False, timeout=300, cwd=None):
    cp = subprocess.run(cmd, input=stdin, capture_output=True, env=base_env(env),
                        timeout=timeout, cwd=cwd, text=not binary)
    return Result(cp)


class Scratch:
    """A temporary directory, removed at exit unless BBX_KEEP_TEMP is set."""

    def __init__(self, name):
        self.path = tempfile.mkdtemp(prefix="bbx-" + name + "-")
        os.chmod(self.path, 0o700)

    def dir(self, name):
        d = os.path.join(self.path, name)
        os.makedirs(d, mode=0o700, exist_ok=True)
        return d

    def file(self, name):
        return os.path.join(self.path, name)

    def close(self):
        if os.environ.get("BBX_KEEP_TEMP"):
            print("kept " + self.path)
        else:
            shutil.rmtree(self.path, ignore_errors=True)


def snaps(d):
    return sorted(glob.glob(os.path.join(d, "*.bbx")))


def run_prog(prog, mode, bbx_dir, env=None, n=None):
    """Runs the test program with BBX_DIR=bbx_dir; returns its Result."""
    e = {"BBX_DIR": bbx_dir}
    e.update(env or {})
    cmd = [prog, mode] + ([str(n)] if n is not None else [])
    return run(cmd, env=e)


def nm_symbols(binary):
    """{mangled name: (address, size)} of the defined functions, from nm."""
    out = subprocess.run(["nm", "--defined-only", "-S", binary], capture_output=True,
                         text=True, check=True).stdout
    syms = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) == 4 and f[2] in "tTwW":
            syms[f[3]] = (int(f[0], 16), int(f[1], 16))
    return syms


def demangle(name):
    return subprocess.run(["c++filt", name], capture_output=True, text=True,
                          check=True).stdout.strip()


def split_debug(binary, out_dir):
    """A stripped copy of binary in out_dir/bin and its debug file under
    out_dir/debug/.build-id/xx/rest.debug; returns (copy, debug_dir)."""
    bindir = os.path.join(out_dir, "bin")
    dbg = os.path.join(out_dir, "debug")
    os.makedirs(bindir, exist_ok=True)
    copy = os.path.join(bindir, os.path.basename(binary))
    shutil.copy2(binary, copy)
    note = subprocess.run(["readelf", "-n", binary], capture_output=True, text=True,
                          check=True).stdout
    bid = re.search(r"Build ID: ([0-9a-f]+)", note).group(1)
    d = os.path.join(dbg, ".build-id", bid[:2])
    os.makedirs(d, exist_ok=True)
    subprocess.run(["objcopy", "--only-keep-debug", binary,
                    os.path.join(d, bid[2:] + ".debug")], check=True)
    subprocess.run(["strip", "--strip-all", copy], check=True)
    return copy, dbg


def help_options(text):
    """The options a --help text documents: '--json', '-o/--output',
    '--what stacks' (an option listed once per value keeps its value)."""
    keys = []
    for line in text.splitlines():
        m = re.match(r"^ {2}(-\w|--[\w-]+)(?:, (--[\w-]+))?(?: ([a-z][\w-]*))?(?=\s|$)", line)
        if not m:
            continue
        key = m.group(1) + ("/" + m.group(2) if m.group(2) else "")
        if m.group(3):
            key += " " + m.group(3)
        keys.append(key)
    return keys
