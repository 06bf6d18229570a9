#!/usr/bin/env python3
"""The MEMORY record against the kernel (issue 15): mem_prog maps 64 MiB of
private anonymous memory, 8 MiB of shared anonymous memory and a 4 MiB
memfd, mallocs 10 MiB and touches 4 MiB of a thread's stack, then waits;
meanwhile this test reads /proc/PID (smaps_rollup, status, cgroup) and
/proc/meminfo.  Then the program takes a snapshot: bbx_snapshot() and the
exit snapshot (linked), the exit snapshot (mem_prog_plain under
libbbx-preload.so), or the on-demand signal's snapshot and then a crash
(both ways; the crash writes what the collector thread prepared for the
signal's).  mem_dump reads each snapshot
back with the reader; every figure must agree with what the kernel said,
within what the process changed between the two looks.

Exits 0, or 1 with the reasons on stdout."""

import os
import signal
import subprocess
import time
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "leaks"))
import leaktest as lt  # noqa: E402
from leaktest import check, fail  # noqa: E402

MIB_KB = 1024


def dump(tool, path):
    p = subprocess.run([tool, path], capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        fail("mem_dump %s: %s" % (os.path.basename(path), p.stderr.strip()))
        return {}
    d = {}
    for line in p.stdout.splitlines():
        key, _, value = line.partition(" ")
        d[key] = value
    return d


def nums(d, key):
    return [int(x) for x in d.get(key, "").split()] or None


def proc_truth(pid):
    """What the kernel says of the process now."""
    t = {}
    for line in open("/proc/%d/smaps_rollup" % pid):
        k, _, v = line.partition(":")
        if k in ("Rss", "Pss", "Swap"):
            t[k.lower()] = int(v.split()[0])
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmSize:"):
            t["vm_size"] = int(line.split()[1])
    cg = {}
    for line in open("/proc/%d/cgroup" % pid):
        num, ctrls, path = line.rstrip("\n").split(":", 2)
        if "memory" in ctrls.split(","):
            cg["v1"] = path
        elif num == "0" and ctrls == "":
            cg["v2"] = path
    t["cgroup"] = cg
    for line in open("/proc/meminfo"):
        if line.startswith("MemTotal:"):
            t["phys"] = int(line.split()[1])
    return t


def wait_for(cond, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False


def near(got, want, slack, what):
    check(got is not None and abs(got - want) <= slack,
          "%s: %s kB in the snapshot, %d kB from the kernel (slack %d kB)" % (what, got, want, slack))


def check_snapshot(label, d, truth, asan, with_malloc):
    if not check(d.get("memory") == "1", "%s: no MEMORY record" % label):
        return
    kinds = {k[5:]: nums(d, k) for k in d if k.startswith("kind_")}
    rss = int(d["rss_kb"])
    check(sum(v[1] for v in kinds.values()) == rss,
          "%s: the kinds' Rss (%d kB) is not the total %d kB" % (label, sum(v[1] for v in kinds.values()), rss))
    # totals: the capture itself maps a little (the writer, bbx's stacks)
    near(rss, truth["rss"], max(4 * MIB_KB, truth["rss"] // 20), label + ": Rss")
    near(int(d["pss_kb"]), truth["pss"], max(4 * MIB_KB, truth["pss"] // 20), label + ": Pss")
    near(int(d["vm_size_kb"]), truth["vm_size"], max(16 * MIB_KB, truth["vm_size"] // 20),
         label + ": VmSize")
    extra = 64 * MIB_KB if asan else 24 * MIB_KB
    anon = kinds.get("anon") or [0, 0, 0, 0, 0]
    check(64 * MIB_KB <= anon[1] <= 64 * MIB_KB + extra,
          "%s: anon Rss %d kB, want 64 MiB (+ at most %d kB)" % (label, anon[1], extra))
    shm = kinds.get("shm") or [0, 0, 0, 0, 0]
    near(shm[1], 12 * MIB_KB, 512, label + ": shm Rss (8 MiB shared anonymous + 4 MiB memfd)")
    check(shm[4] >= 2, "%s: %d shm mappings, want 2" % (label, shm[4]))
    stack = kinds.get("stack") or [0, 0, 0, 0, 0]
    check(4 * MIB_KB <= stack[1] <= (10 if asan else 6) * MIB_KB,
          "%s: stack Rss %d kB, want the 4 MiB touched and the main stack" % (label, stack[1]))
    check(stack[0] >= 16 * MIB_KB, "%s: stack size %d kB, want the thread's 16 MiB" % (label, stack[0]))
    if not asan:
        heap = kinds.get("heap") or [0, 0, 0, 0, 0]
        check(heap[1] >= 10 * MIB_KB, "%s: heap Rss %d kB, want the 10 MiB malloc'ed" % (label, heap[1]))
    code = kinds.get("code") or [0, 0, 0, 0, 0]
    check(code[4] >= 2 and code[1] > 0, "%s: code %r" % (label, code))
    check(int(d.get("phys_kb", 0)) == truth["phys"],
          "%s: MemTotal %s kB, /proc/meminfo %d kB" % (label, d.get("phys_kb"), truth["phys"]))
    cg = truth["cgroup"]
    want_cg = cg.get("v1") if "v1" in cg else cg.get("v2")
    check(d.get("cgroup") == want_cg, "%s: cgroup %r, /proc says %r" % (label, d.get("cgroup"), want_cg))
    if want_cg is not None:
        check("cg_current" in d, "%s: no cgroup usage" % label)
    check(int(d.get("read_us", 0)) > 0, "%s: no read time" % label)
    m = nums(d, "malloc")
    if with_malloc and not asan:
        check(m is not None and m[2] >= 10 * 1024 * 1024,
              "%s: malloc in use %r, want the 10 MiB kept" % (label, m))


def run_case(args, label, cmd, env, command, want):
    with lt.Scratch("memfig") as tmp:
        snap_dir = tmp.sub("snaps")
        env = dict(env, **{"BBX_DIR": snap_dir})
        p = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        first = p.stdout.readline().split()
        if len(first) != 2 or first[0] != "ready":
            p.kill()
            fail("%s: the program said %r, %s" % (label, first, p.stderr.read()[-1500:]))
            return
        pid = int(first[1])
        truth = proc_truth(pid)
        if command == "crash":
            # a crash writes the values last prepared: have the collector
            # thread prepare them now (the on-demand signal's snapshot)
            os.kill(pid, signal.SIGUSR2)
            if not wait_for(lambda: [s for s in lt.snapshots(snap_dir) if "-signal" in s], 120):
                fail("%s: no signal snapshot" % label)
        out, err = p.communicate(command + "\n", timeout=120)
        lt.note("%s: exit %d; kernel: %r" % (label, p.returncode, truth))
        snaps = lt.snapshots(snap_dir)
        kinds = {}
        for s in snaps:
            d = dump(args.dump, s)
            kinds[d.get("trigger")] = d
        check(sorted(kinds) == sorted(want), "%s: snapshots %r, want %r (%s)"
              % (label, sorted(kinds), sorted(want), err.strip()[-800:]))
        for kind in want:
            if kind in kinds:
                check_snapshot("%s %s" % (label, kind), kinds[kind], truth, args.asan,
                               with_malloc=kind in ("exit", "signal"))
        crash = kinds.get("crash")
        if crash and crash.get("memory") == "1":
            lt.note("%s: the crash wrote values %s ms old" % (label, crash.get("age_ms")))


def parse_args(doc):
    """The arguments of both memory tests (tests/memory/CMakeLists.txt)."""
    ap = lt.arg_parser(doc.splitlines()[0])
    ap.add_argument("--prog", required=True, help="mem_prog (linked)")
    ap.add_argument("--plain", required=True, help="mem_prog_plain")
    ap.add_argument("--dump", required=True, help="mem_dump")
    return ap.parse_args()


def main():
    args = parse_args(__doc__)
    base = lt.collector_env("-", None, at_exit=1, signal="USR2")
    preload = dict(base, LD_PRELOAD=lt.preload_value(args))
    run_case(args, "linked", [args.prog, "figures"], base, "snap", ["request", "exit"])
    run_case(args, "linked", [args.prog, "figures"], base, "crash", ["signal", "crash"])
    run_case(args, "preload", [args.plain, "figures"], preload, "exit", ["exit"])
    run_case(args, "preload", [args.plain, "figures"], preload, "crash", ["signal", "crash"])
    lt.finish()


if __name__ == "__main__":
    main()
