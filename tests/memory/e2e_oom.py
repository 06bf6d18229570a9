#!/usr/bin/env python3
"""The out-of-memory path end to end (issue 15): samples/memgrow runs with
heap tracking, periodic snapshots and BBX_MEM_WATERMARK=0.8 in a memory
cgroup of 128 MiB made for it (memory_watermark.py's Cgroup: the v1 memory
controller, else cgroup2) until the kernel's OOM killer ends it; then from
the snapshots it left

- a "memory" snapshot was taken before the kill, with the cgroup's usage at
  or above 80 % of the limit;
- bbx leaks --json says the process vanished, killed by the OOM killer
  (the cgroup's oom_kill count rose), names the growing heap stack
  cache_insert (not under ASan, whose malloc comes first) and gives the
  time to the cgroup limit;
- bbx show of the last snapshot says the same in its text.

Exits 0, 1 (failures), 77 (skipped: no memory cgroup can be made, which
under CI=true is a failure).
"""

import os
import subprocess
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "leaks"))
import leaktest as lt  # noqa: E402
from leaktest import check  # noqa: E402
import memory_watermark as mw  # noqa: E402

MIB = 1 << 20
mw.LIMIT = 128 * MIB


def main():
    ap = lt.arg_parser(__doc__.splitlines()[0])
    ap.add_argument("--prog", required=True, help="samples/memgrow (linked)")
    args = ap.parse_args()
    args.asan = bool(args.sanitizer_runtimes)
    with lt.Scratch("oom") as tmp:
        snap_dir = tmp.sub("snaps")
        env = lt.collector_env(snap_dir, None, track="heap", interval_ms=200,
                               mem_watermark="0.8")
        if args.asan:
            # ASan's quarantine of freed blocks (256 MiB) would fill the
            # cgroup before the cache does
            env["ASAN_OPTIONS"] += ":quarantine_size_mb=1:thread_local_quarantine_size_kb=64"
        cg = mw.Cgroup()
        if not cg.version:
            lt.skip("a memory cgroup (root, the v1 memory controller or cgroup2's)",
                    "run the tests as root on a machine with the memory controller")
        try:
            kills_before = cg.oom_kills()
            p = subprocess.Popen([args.prog, "--until-killed", "--grow-kb", "1024"], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 preexec_fn=cg.enter)
            p.stdout_text, _ = p.communicate(timeout=300)
            kills_after = cg.oom_kills()
            # bbx leaks while the cgroup still exists: it reads the cgroup's
            # oom_kill count now, and the kernel's log
            rc, doc = lt.bbx_leaks(args.bbx, [snap_dir])
        finally:
            cg.remove()
        lt.note("memgrow ended %d; oom_kill %s -> %s; last line %r"
                % (p.returncode, kills_before, kills_after, p.stdout_text.splitlines()[-1:]))
        check(p.returncode == -9, "memgrow was killed by SIGKILL (got %d)" % p.returncode)
        check(kills_after == (kills_before or 0) + 1, "the kernel counted one OOM kill")
        snaps = lt.snapshots(snap_dir)
        memory = [s for s in snaps if s.endswith("-memory.bbx")]
        check(len(snaps) >= 3 and len(memory) == 1,
              "periodic snapshots and one memory snapshot (%d, %d)" % (len(snaps), len(memory)))
        if memory:
            shown = lt.bbx_show(args.bbx, memory[0]) or {}
            cgm = (shown.get("memory") or {}).get("cgroup") or {}
            check((shown.get("trigger") or {}).get("kind") == "memory",
                  "the memory snapshot's trigger is memory")
            check(cgm.get("max") == mw.LIMIT and (cgm.get("current") or 0) >= 0.8 * mw.LIMIT,
                  "the memory snapshot saw the cgroup at 80%% or more of its limit: %s" % cgm)
        if not doc:
            lt.finish()
        v = doc.get("vanished") or {}
        check(v.get("verdict") == "gone" and v.get("cause") == "oom-kill",
              "bbx leaks: vanished, killed by the OOM killer: %s" % v)
        ev = v.get("evidence") or []
        lt.note("evidence: %s" % ev)
        check(any("oom_kill count is 1 now, 0 in the last snapshot" in e for e in ev),
              "the evidence names the cgroup's oom_kill count now")
        if os.access("/dev/kmsg", os.R_OK):
            check(any("Killed process %d (" % p.pid in e for e in ev),
                  "the evidence quotes the kernel's log of the kill")
        limits = [g.get("limit") for g in doc["leaks"] if g["resource"] == "memory"]
        check(any(l and l.get("name") == "cgroup limit" and l.get("bytes") == mw.LIMIT
                  for l in limits), "a growing kind of memory runs into the cgroup limit: %s"
              % limits)
        if not args.asan:
            heap = [g for g in doc["leaks"] if g["resource"] == "heap"]
            check(any(lt.origin_has(g, "cache_insert", "memgrow.c") for g in heap),
                  "the growing heap stack is cache_insert: %s"
                  % [lt.describe_leak(g) for g in heap])
        last = snaps[-1]
        r = subprocess.run([args.bbx, "show", last], capture_output=True, text=True,
                           timeout=300)
        text = r.stdout.lower()
        check(r.returncode == 0 and "vanished" in text and "oom" in text,
              "bbx show of the last snapshot says it vanished, by the OOM killer: %s"
              % [l for l in r.stdout.splitlines() if "vanish" in l.lower()])
    lt.finish()


if __name__ == "__main__":
    main()
