#!/usr/bin/env python3
"""The sample end to end (issue 15): samples/memgrow, whose cache grows in
cache_insert() beside steady allocations in render_frame() and
parse_message(), runs with heap tracking and periodic snapshots, linked
(memgrow) and under the preload (memgrow-plain); then

- bbx leaks names the growing heap stack by the program's frame at the
  line of its malloc call (from the sample's manifest), and neither steady
  function;
- the exit snapshot's estimate of cache_insert's live bytes (bbx flame
  --what heap --format folded, the weights of the stacks through it) is
  within 20% of the bytes the sample printed as it ended (its truth);
- the heap's pprof (bbx flame --what heap --format pprof) decodes with the
  npm pprof-format package, has the four sample types and a stack through
  cache_insert.

The sampling interval is 64 KiB here, so that the 20% bound is many
standard deviations wide (about 1,100 samples); bench/README.md has the
estimate's spread at the default.  Under the ASan build the sanitizer's
malloc comes first, bbx's hooks never see an allocation (README.md, heap
tracking), so only the memory growth of the heap kind is checked there.

usage: e2e_memgrow_sample.py --bbx BBX --prog MEMGROW --plain MEMGROW_PLAIN
         --preload LIB [--sanitizer-runtimes LIBS] --node NODE --node-modules DIR
"""

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "testlib"))
sys.path.insert(0, os.path.join(HERE, "..", "leaks"))
import leaktest as lt  # noqa: E402
from check import check, finish  # noqa: E402

p = lt.arg_parser(__doc__)
p.add_argument("--prog", required=True)
p.add_argument("--plain", required=True)
p.add_argument("--node", required=True)
p.add_argument("--node-modules", required=True)
A = p.parse_args()
A.asan = bool(A.sanitizer_runtimes)
SAMPLE = 65536


def manifest(stdout):
    """{function: (kind, line)} and the last "cache BYTES ENTRIES" bytes."""
    sites, truth = {}, None
    for line in stdout.splitlines():
        w = line.split()
        if len(w) == 4 and w[0] in ("grow", "steady"):
            sites[w[1]] = (w[0], int(w[3]))
        elif len(w) == 3 and w[0] == "cache":
            truth = int(w[1])
    return sites, truth


def app_function(leak):
    """The leak's first frame in memgrow.c: (function, line)."""
    for f in leak.get("origin") or []:
        if os.path.basename(f.get("file") or "") == "memgrow.c":
            return f.get("function"), f.get("line")
    return None, None


def folded_weight(bbx, snap, function):
    r = subprocess.run([bbx, "flame", "--what", "heap", "--format", "folded", snap],
                       capture_output=True, text=True, timeout=300)
    check(r.returncode == 0, "bbx flame --what heap exits 0 (%d: %s)" % (r.returncode, r.stderr))
    total = 0
    for line in r.stdout.splitlines():
        stack, _, weight = line.rpartition(" ")
        if function in stack.split(";"):
            total += int(weight)
    return total, r.stdout


def run_mode(scratch, label, cmd, preload):
    d = scratch.sub(label)
    env = lt.collector_env(d, preload=preload, track="heap", heap_sample=SAMPLE,
                           interval_ms=300, at_exit=1)
    out = lt.run(cmd + ["--duration-ms", "3000"], env=env).stdout
    sites, truth = manifest(out)
    check(sites.get("cache_insert", ("", 0))[0] == "grow" and truth,
          "%s: the sample printed its manifest and its cache size (%s)" % (label, out[:200]))
    snaps = lt.snapshots(d)
    exit_snaps = [s for s in snaps if s.endswith("-exit.bbx")]
    check(len(snaps) >= 5 and len(exit_snaps) == 1,
          "%s: periodic snapshots and one at exit (%d, %s)" % (label, len(snaps), snaps[-1:]))
    rc, doc = lt.bbx_leaks(A.bbx, [d])
    if not doc:
        return
    check(rc == 1, "%s: bbx leaks exits 1 (memory grows): %d" % (label, rc))
    memory = {g["kind"] for g in doc["leaks"] if g["resource"] == "memory"}
    check("heap" in memory or "anon" in memory,
          "%s: the heap or anon memory kind grows: %s" % (label, sorted(memory)))
    if A.asan:
        print("%s: ASan's malloc comes first: heap stacks not checked" % label)
        return
    heap = [g for g in doc["leaks"] if g["resource"] == "heap"]
    named = [app_function(g) for g in heap]
    grow_line = sites["cache_insert"][1]
    check(("cache_insert", grow_line) in named,
          "%s: the growing heap stack is named cache_insert (memgrow.c:%d): %s"
          % (label, grow_line, named))
    for steady in ("render_frame", "parse_message"):
        check(all(f != steady for f, _ in named),
              "%s: the steady %s is not a suspect: %s" % (label, steady, named))
    estimate, folded = folded_weight(A.bbx, exit_snaps[0], "cache_insert")
    check(abs(estimate - truth) <= 0.2 * truth,
          "%s: cache_insert's live bytes estimated %d, truth %d (%.1f%% off; within 20%%)"
          % (label, estimate, truth, 100.0 * (estimate - truth) / truth))
    print("%s: estimate %d, truth %d (%+.1f%%)" % (label, estimate, truth,
                                                   100.0 * (estimate - truth) / truth))
    pb = scratch.file(label + ".pb.gz")
    r = subprocess.run([A.bbx, "flame", "--what", "heap", "--format", "pprof", "-o", pb,
                        exit_snaps[0]], capture_output=True, text=True, timeout=300)
    check(r.returncode == 0, "%s: pprof written (%s)" % (label, r.stderr))
    r = subprocess.run([A.node, os.path.join(HERE, "dump_pprof.js"), A.node_modules, pb],
                       capture_output=True, text=True, timeout=120)
    if r.returncode == 77:
        lt.skip("the npm pprof-format package", "npm ci in tests/browser (scripts/install-deps.sh)")
    check(r.returncode == 0, "%s: pprof decodes (%s)" % (label, r.stderr.strip()[-300:]))
    if r.returncode != 0:
        return
    prof = json.loads(r.stdout)
    types = [t[0] for t in prof["sample_types"]]
    check(types == ["inuse_space", "inuse_objects", "alloc_space", "alloc_objects"],
          "%s: pprof sample types %s" % (label, types))
    through = [s for s in prof["samples"] if "cache_insert" in s["stack"]]
    check(through and sum(s["values"][0] for s in through) == estimate,
          "%s: pprof's inuse_space through cache_insert equals the folded weight %d"
          % (label, estimate))


with lt.Scratch("memgrow") as scratch:
    run_mode(scratch, "linked", [A.prog], None)
    run_mode(scratch, "preload", [A.plain], lt.preload_value(A))
finish()
