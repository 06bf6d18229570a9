"""skip.py - the one way a test says it cannot run because something it
needs is missing (a program, a package, root).

Locally the test exits 77, which ctest's SKIP_RETURN_CODE turns into
"Skipped", after one line "SKIP: WHAT is missing (PROVIDER)";
scripts/test.sh lists every skip at the end and fails unless given
--allow-skips.  Under CI (the environment variable CI is "true" or "1") a
missing dependency is a failure: the line reads "FAIL: ..." and the exit
code is 1.  tests/testlib/skip.js and skip.sh do the same for node and sh.

    sys.path.insert(0, os.path.join(HERE, "..", "testlib"))
    import skip
    skip.require_tool("xmllint", "Debian package libxml2-utils")
    if os.geteuid() != 0:
        skip.skip("root", "run the suite as root, as CI does")
"""

import os
import shutil
import sys

SKIP = 77  # ctest's SKIP_RETURN_CODE of every test that may skip


def in_ci():
    """True when CI=true (or 1): nothing may be skipped."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def skip(what, provider):
    """Ends the test: WHAT (a program, file or permission) is missing, and
    PROVIDER says where it comes from (a Debian package, npm ci, ...)."""
    line = "%s is missing (%s)" % (what, provider)
    sys.stdout.flush()
    if in_ci():
        print("FAIL: %s; CI=true: a test that cannot run fails" % line, flush=True)
        sys.exit(1)
    print("SKIP: " + line, flush=True)
    sys.exit(SKIP)


def require_tool(name, provider):
    """The path of program NAME on PATH, or skip() naming its provider."""
    path = shutil.which(name)
    if not path:
        skip("%s (not on PATH)" % name, provider)
    return path
