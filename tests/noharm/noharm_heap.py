#!/usr/bin/env python3
"""Behaviour unchanged under heap tracking: heap_calls prints the answers
and errno of the allocator's failures and edge cases (malloc of a huge
size, calloc and reallocarray overflow, bad alignments, realloc(p, 0),
free(NULL), errno left alone on success, mmap and munmap errors) without
bbx and under libbbx-preload.so with BBX_TRACK=heap at BBX_HEAP_SAMPLE=1
(every allocation sampled: the sampling path itself is what must not
show).  Passes when both print the same lines and the bbx run's at-exit
snapshot has samples.  Exits 0, or 1 with the reasons on stdout.
"""

import argparse
import glob
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "testlib"))
from check import check, finish  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--prog", required=True)
ap.add_argument("--preload", required=True)
ap.add_argument("--check", required=True)
ap.add_argument("--sanitizer-runtimes", default="")
A = ap.parse_args()


def env(extra):
    e = {k: v for k, v in os.environ.items() if not k.startswith("BBX_")}
    e.pop("LD_PRELOAD", None)
    e["ASAN_OPTIONS"] = "detect_leaks=0:allocator_may_return_null=1:verify_asan_link_order=0"
    e.update(extra)
    return e


with tempfile.TemporaryDirectory(prefix="bbx-noharm-heap-") as d:
    # under the sanitizers both runs preload their runtimes: ASan's malloc
    # then answers in both (its aligned_alloc says EINVAL where glibc's
    # says ENOMEM), and only bbx differs
    pre = A.sanitizer_runtimes.split(":") if A.sanitizer_runtimes else []
    plain = subprocess.run([A.prog], capture_output=True, text=True,
                           env=env({"LD_PRELOAD": ":".join(pre)} if pre else {}))
    bbx = subprocess.run([A.prog], capture_output=True, text=True, env=env({
        "LD_PRELOAD": ":".join(pre + [A.preload]), "BBX_DIR": d, "BBX_TRACK": "heap",
        "BBX_HEAP_SAMPLE": "1", "BBX_AT_EXIT": "1"}))
    check(plain.returncode == 0 and plain.stdout.count("\n") >= 60,
          "without bbx: exit %d, %r" % (plain.returncode, plain.stdout[-500:]))
    check(bbx.returncode == plain.returncode, "exit %d under bbx, %d without"
          % (bbx.returncode, plain.returncode))
    a, b = plain.stdout.splitlines(), bbx.stdout.splitlines()
    for x, y in zip(a, b):
        check(x == y, "without bbx %r, with %r" % (x, y))
    check(len(a) == len(b), "%d lines without bbx, %d with" % (len(a), len(b)))
    snaps = glob.glob(os.path.join(d, "*.bbx"))
    check(len(snaps) == 1, "%d at-exit snapshots" % len(snaps))
    if snaps:
        r = subprocess.run([A.check, "--print", snaps[0]], capture_output=True, text=True)
        words = r.stdout.split()
        fig = dict(zip(words[0::2], words[1::2]))
        check(fig.get("interval") == "1" and (int(fig.get("samples", "0")) > 0 or pre),
              "the snapshot's HEAP record: %r" % r.stdout)
finish("%d lines the same with heap tracking at a 1-byte interval" % len(plain.stdout.splitlines()))
