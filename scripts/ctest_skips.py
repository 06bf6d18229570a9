#!/usr/bin/env python3
"""Lists the tests a ctest run skipped, from its --output-junit file: one line
"LABEL NAME: REASON" per test ctest reported as Skipped or Not Run.  REASON is
the last "SKIP:" line the test printed (tests/testlib), else ctest's own
(e.g. "Unable to find executable").  Used by scripts/test.sh.

Usage: ctest_skips.py JUNIT_XML LABEL     exit 0, or 2 when the file is unreadable
"""
import sys
import xml.etree.ElementTree as ET


def reason(case, skipped):
    out = case.findtext("system-out") or ""
    lines = [ln.strip() for ln in out.splitlines() if ln.strip().startswith("SKIP:")]
    if lines:
        return lines[-1][len("SKIP:"):].strip()
    msg = skipped.get("message") or "no reason given"
    last = out.strip().splitlines()[-1:] or [""]
    return msg + (" (" + last[0].strip() + ")" if last[0].strip() else "")


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: ctest_skips.py JUNIT_XML LABEL\n")
        return 2
    path, label = sys.argv[1:]
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        sys.stderr.write("ctest_skips.py: %s: %s\n" % (path, e))
        return 2
    for case in root.iter("testcase"):
        skipped = case.find("skipped")
        if skipped is not None:
            print("%s %s: %s" % (label, case.get("name"), reason(case, skipped)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
