"""Shared helpers of the leak end-to-end tests: running a program with the
collector's environment, finding its snapshots, running `bbx leaks`/`bbx
diff`/`bbx show`, and collecting failures.  Imported by the e2e_*.py
scripts next to it; not a test itself."""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testlib"))
import skip as skiplib  # noqa: E402  (the one skip mechanism: 77 locally, a failure under CI)
from check import check, fail, failures, finish  # noqa: E402,F401  (tests/testlib/check.py)


def note(msg):
    print(msg, flush=True)


def skip(what, provider):
    """WHAT is missing, PROVIDER gives it: tests/testlib/skip.py (exit 77,
    or a failure under CI=true)."""
    skiplib.skip(what, provider)


def arg_parser(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--bbx", required=True, help="the bbx command")
    p.add_argument("--preload", help="libbbx-preload.so (preload mode)")
    p.add_argument("--asan", action="store_true",
                   help="the build has the sanitizers: the preload needs their "
                        "runtimes loaded before it")
    p.add_argument("--sanitizer-runtimes", default="",
                   help="LIB[:LIB]: the sanitizer runtimes to preload first")
    return p


class Scratch:
    """A temporary directory, removed at exit unless BBX_KEEP_TEMP is set."""

    def __init__(self, name):
        self.path = tempfile.mkdtemp(prefix="bbx-" + name + "-")

    def sub(self, name):
        d = os.path.join(self.path, name)
        os.makedirs(d, exist_ok=True)
        return d

    def file(self, name):
        return os.path.join(self.path, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if os.environ.get("BBX_KEEP_TEMP"):
            print("kept " + self.path)
        else:
            shutil.rmtree(self.path, ignore_errors=True)


def collector_env(snap_dir, preload=None, **bbx):
    """The environment for a program under the collector: BBX_DIR, the BBX_*
    settings given as keywords (track="fd,thread" -> BBX_TRACK), LD_PRELOAD
    when preload is given.  No BBX_* setting of the caller leaks in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BBX_")}
    env["BBX_DIR"] = snap_dir
    env["BBX_MAX_FILES"] = "100000"
    for key, value in bbx.items():
        env["BBX_" + key.upper()] = str(value)
    if preload:
        env["LD_PRELOAD"] = preload
    # The leaks are deliberate; LeakSanitizer would fail the program for them.
    env["ASAN_OPTIONS"] = "detect_leaks=0:" + env.get("ASAN_OPTIONS", "")
    return env


def run(cmd, env=None, timeout=600, stdin=None, check=True):
    """Runs cmd to its end; returns the CompletedProcess (text)."""
    p = subprocess.run(cmd, env=env, input=stdin, capture_output=True, text=True,
                       timeout=timeout)
    if check and p.returncode != 0:
        fail("%s exited %d: %s" % (" ".join(cmd), p.returncode, p.stderr.strip()[-2000:]))
    return p


def snapshots(snap_dir):
    return sorted(os.path.join(snap_dir, f) for f in os.listdir(snap_dir) if f.endswith(".bbx"))


def manifest_leaks(stdout):
    """{"fd": (function, file, line), "thread": (...)} from "leak KIND FUNCTION
    FILE LINE" lines."""
    found = {}
    for line in stdout.splitlines():
        w = line.split()
        if len(w) == 5 and w[0] == "leak":
            found[w[1]] = (w[2], w[3], int(w[4]))
    return found


def bbx_leaks(bbx, paths, extra=()):
    """(exit code, parsed JSON or None) of `bbx leaks --json PATHS`."""
    p = subprocess.run([bbx, "leaks", "--json", *extra, *paths], capture_output=True,
                       text=True, timeout=600)
    if p.returncode not in (0, 1):
        fail("bbx leaks %s exited %d: %s" % (" ".join(paths), p.returncode, p.stderr.strip()))
        return p.returncode, None
    try:
        doc = json.loads(p.stdout)
    except ValueError as e:
        fail("bbx leaks --json printed no JSON (%s): %r" % (e, p.stdout[:300]))
        return p.returncode, None
    if doc.get("format") != "bbx-leaks" or not isinstance(doc.get("leaks"), list):
        fail("bbx leaks --json: not a bbx-leaks document: %r" % p.stdout[:300])
        return p.returncode, None
    return p.returncode, doc


def bbx_show(bbx, path):
    """The parsed `bbx show --json PATH`, or None (a failure)."""
    p = subprocess.run([bbx, "show", "--json", path], capture_output=True, text=True,
                       timeout=600)
    if p.returncode != 0:
        fail("bbx show --json %s exited %d: %s" % (path, p.returncode, p.stderr.strip()))
        return None
    try:
        return json.loads(p.stdout)
    except ValueError as e:
        fail("bbx show --json %s: not JSON (%s)" % (path, e))
        return None


def describe_leak(leak):
    frames = ", ".join("%s %s:%s" % (f.get("function"), os.path.basename(f.get("file") or "?"),
                                     f.get("line")) for f in (leak.get("origin") or [])[:6])
    return "%s/%s count %s growth %s/min: %s" % (leak.get("resource"), leak.get("kind"),
                                                leak.get("count"), leak.get("growth_per_min"),
                                                frames)


def origin_has(leak, function, file=None, line=None):
    """Whether a frame of the leak's origin is function (at file:line when
    given; file compared by its base name)."""
    for f in leak.get("origin") or []:
        if f.get("function") != function:
            continue
        if file is not None and os.path.basename(f.get("file") or "") != file:
            continue
        if line is not None and f.get("line") != line:
            continue
        return True
    return False


def write_file(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def with_origin(items):
    """The fds or threads of a `bbx show --json` report whose creation stack
    was recorded (origin present, not unknown, with frames)."""
    out = []
    for it in items or []:
        o = it.get("origin")
        if isinstance(o, dict) and not o.get("unknown") and o.get("frames"):
            out.append(it)
    return out


def sample(items, n):
    """At most n items spread over the list: first, last and between."""
    if len(items) <= n:
        return list(items)
    return [items[round(i * (len(items) - 1) / (n - 1))] for i in range(n)]


def preload_value(args):
    """The LD_PRELOAD value: the preload alone, or in a sanitizer build the
    sanitizer runtimes first (the ASan runtime must be the first library of
    the process, and preloaded libraries come before the program's own, even
    in a program linked with ASan).  Skips the test when a sanitizer build
    gave no runtimes.  None without --preload."""
    if not args.preload or not args.asan:
        return args.preload
    libs = [r for r in args.sanitizer_runtimes.split(":")
            if r and os.path.isabs(r) and os.path.exists(r)]
    if not libs:
        skip("a sanitizer runtime to load before the instrumented preload",
             "the compiler's libasan.so and libubsan.so, which the build passes with "
             "--sanitizer-runtimes: Debian package build-essential")
    return ":".join(libs + [args.preload])
