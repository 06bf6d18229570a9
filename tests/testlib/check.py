"""check.py - the one way a test script records what went wrong and ends:
each failure is one line "FAIL: what" on stdout as it happens, the test goes
on to find the others, and finish() ends it with exit 1 when there was any
(0 otherwise).  die() is for what the rest of the test cannot go on without.
tests/testlib/skip.py is for what is missing (exit 77, or a failure in CI).

    sys.path.insert(0, os.path.join(HERE, "..", "testlib"))
    from check import check, fail, finish
    check(rc == 0, "bbx show exited %d" % rc)
    finish("all %d fds agree" % n)
"""

import sys

failures = []  # every message given to fail(), in order
_verbose = False


def verbose(on=True):
    """From now on check() also prints "ok   what" for what passed."""
    global _verbose
    _verbose = on


def fail(msg):
    """Records a failure and prints "FAIL: msg"; the test goes on."""
    failures.append(msg)
    print("FAIL: " + msg, flush=True)


def check(cond, msg):
    """fail(msg) unless cond; returns cond."""
    if not cond:
        fail(msg)
    elif _verbose:
        print("ok   " + msg, flush=True)
    return cond


def die(msg):
    """A failure the test cannot go on after: "FAIL: msg", exit 1."""
    fail(msg)
    sys.exit(1)


def finish(ok="ok", cases=None):
    """Ends the test: exit 1 after "N failure(s)" when anything failed,
    else exit 0 after `ok`.  With cases (a number) the last line is
    "N cases, M failure(s)" either way."""
    if cases is not None:
        print("%d cases, %d failure(s)" % (cases, len(failures)))
    elif failures:
        print("%d failure(s)" % len(failures))
    else:
        print(ok)
    sys.stdout.flush()
    sys.exit(1 if failures else 0)
