#!/usr/bin/env python3
"""check_layers.py - every #include "..." in analyzer/, snapshot/,
symbolizer/ and collector/ points down or within its own folder, by the
table in tests/safety/layers.txt (FOLDER: FOLDERS IT BUILDS ON).

An include is resolved as the compiler would find it: relative to the
including file first ("../flame/flame_model.h"), else by name among the
headers of those trees (their names are unique).  Includes of headers
outside them (<...>, generated files) are not checked.

Usage: check_layers.py [--root DIR] [--self-test]
  --root DIR   the source tree (default: two folders above this script)
  --self-test  copy the tree, plant an upward, a relative and a sideways
               include, and check that each one is caught
Exit 0: no violation; 1: violations, one line each on stdout; 2: the table
is wrong (a folder missing from it, an unknown folder named).
"""

import argparse
import os
import re
import shutil
import sys
import tempfile

TREES = ("analyzer", "snapshot", "symbolizer", "collector")
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)
HERE = os.path.dirname(os.path.abspath(__file__))


def read_table(path):
    """{folder: [folders it builds on]}; exits 2 on a malformed line."""
    table = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            if ":" not in line:
                sys.exit("%s:%d: expected 'FOLDER: FOLDERS IT BUILDS ON'" % (path, n))
            folder, below = line.split(":", 1)
            table[folder.strip()] = below.split()
    return table


def sees(table):
    """{folder: set of folders it may include from}: itself and the
    transitive closure of what it builds on."""
    out = {}
    for start in table:
        seen, todo = {start}, [start]
        while todo:
            for b in table.get(todo.pop(), []):
                if b not in seen:
                    seen.add(b)
                    todo.append(b)
        out[start] = seen
    return out


def sources(root):
    """Paths (relative to root) of every .c and .h in the trees."""
    for tree in TREES:
        for d, dirs, files in os.walk(os.path.join(root, tree)):
            dirs[:] = sorted(x for x in dirs if not x.startswith("."))
            for name in sorted(files):
                if name.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(d, name), root)


def shown(folder, of):
    """flame/ beside a file of the same tree, else the full folder/."""
    if folder.split("/")[0] == of.split("/")[0] and "/" in folder:
        return folder.split("/", 1)[1] + "/"
    return folder + "/"


def check(root, table_path):
    table = read_table(table_path)
    visible = sees(table)
    files = list(sources(root))
    problems, violations = [], []
    for folder in sorted({os.path.dirname(p) for p in files} - set(table)):
        problems.append("%s is not in %s: say which folders it builds on"
                        % (folder, os.path.relpath(table_path, root)))
    for folder, below in sorted(table.items()):
        for b in below:
            if b not in table:
                problems.append("%s builds on %s, which is not in the table" % (folder, b))
    if problems:
        for p in problems:
            print(p)
        return 2
    headers = {}
    for p in files:
        if p.endswith(".h"):
            headers.setdefault(os.path.basename(p), p)
    for p in files:
        here = os.path.dirname(p)
        with open(os.path.join(root, p), errors="replace") as f:
            text = f.read()
        for name in INCLUDE.findall(text):
            rel = os.path.normpath(os.path.join(here, name))
            target = rel if os.path.isfile(os.path.join(root, rel)) else headers.get(name)
            if target is None or target.split("/")[0] not in TREES:
                continue
            there = os.path.dirname(target)
            if there in visible[here]:
                continue
            where = "above" if here in visible.get(there, ()) else "beside"
            violations.append("%s includes %s from %s, a layer %s it"
                              % (p, os.path.basename(target), shown(there, here), where))
    for v in violations:
        print(v)
    if violations:
        print("%d include(s) against the layers of %s (docs/HACKING.md)"
              % (len(violations), os.path.relpath(table_path, root)))
        return 1
    print("layers: %d files, every include points down" % len(files))
    return 0


def self_test(root):
    """Plant violations in a copy of the tree; each must be reported."""
    plants = [
        ("analyzer/leaks/leak_model.c", '#include "flame_model.h"',
         "analyzer/leaks/leak_model.c includes flame_model.h from flame/, a layer above it"),
        ("analyzer/show/report_text.c", '#include "../html/report_html.h"',
         "analyzer/show/report_text.c includes report_html.h from html/, a layer above it"),
        ("analyzer/html/report_html.c", '#include "snap_scrub.h"',
         "analyzer/html/report_html.c includes snap_scrub.h from scrub/, a layer beside it"),
        ("collector/crash/capture.c", '#include "snap_dir.h"',
         "collector/crash/capture.c includes snap_dir.h from runtime/, a layer above it"),
        ("snapshot/reader/snap_wire.c", '#include "json_writer.h"',
         "snapshot/reader/snap_wire.c includes json_writer.h from analyzer/base/, a layer beside it"),
        ("snapshot/writer/snap_writer.c", '#include "../../collector/collector.h"',
         "snapshot/writer/snap_writer.c includes collector.h from collector/, a layer above it"),
    ]
    failures = 0
    tmp = tempfile.mkdtemp(prefix="bbx-layers-")
    try:
        for tree in TREES:
            shutil.copytree(os.path.join(root, tree), os.path.join(tmp, tree))
        table = os.path.join(HERE, "layers.txt")
        for path, line, _ in plants:
            with open(os.path.join(tmp, path), "a") as f:
                f.write("\n" + line + "\n")
        import contextlib
        import io
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            rc = check(tmp, table)
        got = out.getvalue().splitlines()
        if rc != 1:
            print("FAIL: planted includes: exit %d, expected 1" % rc)
            failures += 1
        for _, _, want in plants:
            if want not in got:
                print("FAIL: not reported: %s" % want)
                failures += 1
        if len(got) != len(plants) + 1:
            print("FAIL: expected %d lines, got:\n  %s" % (len(plants) + 1, "\n  ".join(got)))
            failures += 1
        # A folder the table does not name.
        os.makedirs(os.path.join(tmp, "analyzer", "store"))
        with open(os.path.join(tmp, "analyzer", "store", "store.c"), "w") as f:
            f.write("/* new */\n")
        with contextlib.redirect_stdout(io.StringIO()) as out2:
            rc = check(tmp, table)
        if rc != 2 or "analyzer/store is not in" not in out2.getvalue():
            print("FAIL: an unlisted folder: exit %d, %r" % (rc, out2.getvalue()))
            failures += 1
    finally:
        shutil.rmtree(tmp)
    print("self-test: %d planted includes, %d failure(s)" % (len(plants), failures))
    return 1 if failures else 0


def main():
    p = argparse.ArgumentParser(description="every include points down the layers")
    p.add_argument("--root", default=os.path.normpath(os.path.join(HERE, "..", "..")))
    p.add_argument("--self-test", action="store_true")
    a = p.parse_args()
    if a.self_test:
        return self_test(a.root)
    return check(a.root, os.path.join(HERE, "layers.txt"))


if __name__ == "__main__":
    sys.exit(main())
