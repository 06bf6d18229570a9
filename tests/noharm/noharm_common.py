"""What the behaviour-unchanged tests share: the environment of the run
without bbx, the comparison of two runs' output, and reading a snapshot
back with `bbx show --json`."""

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "leaks"))
import leaktest as lt  # noqa: E402  (the e2e helpers: environment, scratch, failures)


def plain_env():
    """The environment without any of bbx's settings and without preload."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BBX_")}
    env.pop("LD_PRELOAD", None)
    env["ASAN_OPTIONS"] = "detect_leaks=0:" + env.get("ASAN_OPTIONS", "")
    return env


def compare(plain, bbx, what_differs=None):
    """Fail unless both runs exited alike and printed the same lines.
    what_differs(differing pairs, line count) words the failure; by default
    "N of M lines differ under bbx"."""
    if plain.returncode != bbx.returncode:
        lt.fail("exit status differs: %d without bbx, %d with" % (plain.returncode,
                                                                  bbx.returncode))
    a, b = plain.stdout.splitlines(), bbx.stdout.splitlines()
    if len(a) != len(b):
        lt.fail("%d lines without bbx, %d with" % (len(a), len(b)))
    differ = [(x, y) for x, y in zip(a, b) if x != y]
    if not differ and len(a) == len(b):
        lt.note("stdout identical (%d lines)" % len(a))
        return
    if differ:
        lt.fail(what_differs(differ, len(a)) if what_differs else
                "%d of %d lines differ under bbx" % (len(differ), len(a)))
    for x, y in differ[:40]:
        lt.note("  without: %s\n  with:    %s" % (x, y))
    for y in b[len(a):len(a) + 10]:
        lt.note("  only with bbx: %s" % y)


def show(bbx, path):
    """(path, error or None, the JSON document or None) of `bbx show --json`."""
    p = subprocess.run([bbx, "show", "--json", "--no-symbols", path], capture_output=True,
                       text=True, timeout=300)
    if p.returncode != 0:
        return path, "bbx show exited %d: %s" % (p.returncode, p.stderr.strip()), None
    try:
        return path, None, json.loads(p.stdout)
    except ValueError as e:
        return path, "not JSON (%s)" % e, None
