#!/usr/bin/env python3
"""Mutation check: plant each bug of scripts/mutations.txt, one at a time, in a
copy of the tree, rebuild, run the whole ctest suite, and say which bugs no
test noticed (survivors).  Run through scripts/mutate.sh; see its --help."""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KEYS = ("id", "area", "what", "file", "old", "new")


def parse_mutations(path):
    """The blocks of mutations.txt, each checked for its keys."""
    muts, cur, lineno = [], {}, 0
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for lineno, line in enumerate(lines + [""], 1):
        if line.startswith("#"):
            continue
        if not line.strip():
            if cur:
                missing = [k for k in KEYS if k not in cur]
                if missing:
                    sys.exit(f"mutate: {path}:{lineno}: block '{cur.get('id', '?')}' "
                             f"lacks {', '.join(missing)}")
                muts.append(cur)
                cur = {}
            continue
        m = re.match(r"([a-z]+):(?: (.*))?$", line)
        if not m or m.group(1) not in KEYS:
            sys.exit(f"mutate: {path}:{lineno}: expected 'KEY: value' with KEY one of "
                     f"{', '.join(KEYS)}")
        cur[m.group(1)] = m.group(2) or ""
    ids = [m["id"] for m in muts]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        sys.exit(f"mutate: {path}: id used twice: {', '.join(sorted(dup))}")
    return muts


def check_applies(src, mut):
    """The file's text, or exit naming the mutation that no longer applies."""
    path = os.path.join(src, mut["file"])
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        sys.exit(f"mutate: {mut['id']}: {mut['file']}: {e.strerror}")
    n = text.count(mut["old"])
    if n != 1:
        sys.exit(f"mutate: {mut['id']}: the old text occurs {n} times in {mut['file']} "
                 "(must be once): edit scripts/mutations.txt")
    return text


def copy_tree(dst):
    """The tracked and untracked-but-not-ignored files of the tree, as they are
    on disk now (uncommitted edits included)."""
    files = subprocess.run(["git", "-C", TOP, "ls-files", "-z", "--cached", "--others",
                            "--exclude-standard"], check=True,
                           stdout=subprocess.PIPE).stdout.split(b"\0")
    if os.path.isdir(dst):
        shutil.rmtree(dst)
    for rel in files:
        if not rel:
            continue
        rel = rel.decode()
        s, d = os.path.join(TOP, rel), os.path.join(dst, rel)
        if not os.path.lexists(s):
            continue  # deleted in the work tree
        os.makedirs(os.path.dirname(d), exist_ok=True)
        # fresh times: a build left by an interrupted run is rebuilt, never
        # trusted (copy2 would keep the old times, older than its objects)
        shutil.copy(s, d, follow_symlinks=False)
    # the browser tests' npm modules are ignored by git but needed
    nm = os.path.join(TOP, "tests", "browser", "node_modules")
    if os.path.isdir(nm):
        shutil.copytree(nm, os.path.join(dst, "tests", "browser", "node_modules"),
                        symlinks=True)


def run(cmd, log, **kw):
    with open(log, "ab") as out:
        out.write(("\n$ " + " ".join(cmd) + "\n").encode())
        out.flush()
        return subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, **kw).returncode


def build(bdir, jobs, log):
    return run(["cmake", "--build", bdir, "-j", str(jobs)], log) == 0


def failed_tests(bdir):
    """Names of the tests the last ctest run marked failed."""
    p = os.path.join(bdir, "Testing", "Temporary", "LastTestsFailed.log")
    try:
        with open(p, encoding="utf-8", errors="replace") as f:
            return [line.strip().split(":", 1)[-1] for line in f if line.strip()]
    except OSError:
        return []


def suite(bdir, jobs, log, stop_early):
    p = os.path.join(bdir, "Testing", "Temporary", "LastTestsFailed.log")
    if os.path.exists(p):
        os.unlink(p)
    # mutations_apply reads the planted bugs' old text in the sources: under
    # a mutation it fails by construction, which would kill every mutant.
    cmd = ["ctest", "--test-dir", bdir, "-j", str(jobs), "--output-on-failure",
           "-E", "^mutations_apply$"]
    if stop_early:
        cmd.append("--stop-on-failure")
    env = dict(os.environ, CI="true")  # a test that would skip fails instead
    rc = run(cmd, log, env=env)
    return rc, failed_tests(bdir)


def main():
    ap = argparse.ArgumentParser(prog="scripts/mutate.sh", description=__doc__)
    ap.add_argument("--list", action="store_true", help="list the mutations and stop")
    ap.add_argument("--only", default="", help="comma-separated ids to run")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--workdir", default=os.path.join(os.environ.get("TMPDIR", "/tmp"),
                                                      "bbx-mutate"))
    ap.add_argument("--no-baseline", action="store_true",
                    help="do not first run the suite on the unmutated tree")
    ap.add_argument("--all-tests", action="store_true",
                    help="run every test for each mutation (default: stop at the first failure)")
    a = ap.parse_args()

    muts = parse_mutations(os.path.join(TOP, "scripts", "mutations.txt"))
    for m in muts:
        check_applies(TOP, m)
    if a.only:
        want = a.only.split(",")
        unknown = [w for w in want if w not in {m["id"] for m in muts}]
        if unknown:
            sys.exit(f"mutate: --only: no mutation named {', '.join(unknown)} (see --list)")
        muts = [m for m in muts if m["id"] in want]
    if a.list:
        for m in muts:
            print(f"{m['id']:<26} {m['area']:<11} {m['what']}")
        print(f"{len(muts)} mutations")
        return 0

    os.makedirs(a.workdir, exist_ok=True)
    src, bdir = os.path.join(a.workdir, "src"), os.path.join(a.workdir, "build")
    log = os.path.join(a.workdir, "mutate.log")
    open(log, "w").close()
    print(f"copying the tree to {src} (log: {log})", flush=True)
    copy_tree(src)
    if run(["cmake", "-S", src, "-B", bdir, "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
            "-DBBX_WERROR=OFF"], log) != 0 or not build(bdir, a.jobs, log):
        sys.exit(f"mutate: the unmutated tree does not build (see {log})")
    if not a.no_baseline:
        t0 = time.time()
        rc, failed = suite(bdir, a.jobs, log, False)
        if rc != 0:
            sys.exit("mutate: the suite fails without any mutation: "
                     f"{', '.join(failed) or 'see ' + log}")
        print(f"baseline: the suite passes ({time.time() - t0:.0f} s)", flush=True)

    results = []
    for k, m in enumerate(muts, 1):
        path = os.path.join(src, m["file"])
        original = check_applies(src, m)
        t0 = time.time()
        with open(path, "w", encoding="utf-8") as f:
            f.write(original.replace(m["old"], m["new"], 1))
        try:
            if not build(bdir, a.jobs, log):
                verdict, by = "NO BUILD", "-"
            else:
                rc, failed = suite(bdir, a.jobs, log, not a.all_tests)
                verdict = "killed" if rc != 0 else "SURVIVED"
                by = ", ".join(failed) if rc != 0 else "-"
        finally:
            with open(path, "w", encoding="utf-8") as f:
                f.write(original)
        results.append((m, verdict, by))
        print(f"[{k}/{len(muts)}] {m['id']:<26} {verdict:<9} {time.time() - t0:4.0f} s  {by}",
              flush=True)
    build(bdir, a.jobs, log)  # leave the copy built as it was

    survivors = [r for r in results if r[1] == "SURVIVED"]
    broken = [r for r in results if r[1] == "NO BUILD"]
    table = ["| mutation | area | planted bug | result | failed tests |",
             "|---|---|---|---|---|"]
    for m, verdict, by in results:
        table.append(f"| {m['id']} | {m['area']} | {m['what']} | {verdict} | {by} |")
    with open(os.path.join(a.workdir, "results.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(table) + "\n")
    print("\n".join(table))
    print(f"\n{len(results)} mutations: {len(results) - len(survivors) - len(broken)} killed, "
          f"{len(survivors)} survived, {len(broken)} did not build")
    for m, _, _ in survivors:
        print(f"survivor: {m['id']}: {m['what']} ({m['file']})")
    return 1 if survivors or broken else 0


if __name__ == "__main__":
    sys.exit(main())
