#!/usr/bin/env python3
"""BBX_MEM_WATERMARK before an OOM kill (issue 15): mem_prog_plain, under
libbbx-preload.so with BBX_MEM_WATERMARK=0.9 and no interval, runs in a
memory cgroup made for it (the v1 memory controller's mount, else cgroup2's,
both found in /proc/self/mountinfo) with a 192 MiB limit.  It grows to half
the limit (no snapshot), to 95 % (one "memory" snapshot, and only one while
it stays there), falls to 60 % (the watermark re-arms), climbs to 95 % again
(a second one), then grows until the kernel kills it.

Passes when the program died of SIGKILL, the cgroup's OOM-kill count rose by
one, exactly two snapshots of trigger "memory" exist, each naming the
cgroup limit, with the cgroup's usage at or above 90 % of its limit, the
limit itself and the OOM-kill count the kernel had before the kill.  The
cgroup is removed afterwards.  Without a usable memory cgroup (not root, no
controller) the test uses RLIMIT_AS instead and says so: the program then
ends when mmap fails, not by a kill.  Exits 0, 1 (failures), 77 (skipped).
"""

import os
import resource
import subprocess
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "leaks"))
import leaktest as lt  # noqa: E402
from leaktest import check, fail  # noqa: E402
from memory_figures import dump, parse_args, wait_for  # noqa: E402

MIB = 1 << 20
LIMIT = 192 * MIB


def cgroup_mounts():
    """{'v1': mountpoint of the memory controller, 'v2': cgroup2's}."""
    found = {}
    for line in open("/proc/self/mountinfo"):
        pre, _, post = line.partition(" - ")
        fields, rest = pre.split(), post.split()
        if len(fields) < 5 or len(rest) < 3:
            continue
        if rest[0] == "cgroup" and "memory" in rest[2].split(",") and "v1" not in found:
            found["v1"] = fields[4]
        elif rest[0] == "cgroup2" and "v2" not in found:
            found["v2"] = fields[4]
    return found


class Cgroup:
    """A memory cgroup of LIMIT bytes, removed at the end."""

    def __init__(self):
        self.dir = self.version = None
        if os.geteuid() != 0:
            return
        mounts = cgroup_mounts()
        name = "bbx-watermark-%d" % os.getpid()
        try:
            if "v1" in mounts:
                self.dir = os.path.join(mounts["v1"], name)
                os.mkdir(self.dir)
                self.version = 1
                self.write("memory.limit_in_bytes", LIMIT)
                if os.path.exists(self.path("memory.memsw.limit_in_bytes")):
                    self.write("memory.memsw.limit_in_bytes", LIMIT)
            elif "v2" in mounts and "memory" in open(
                    os.path.join(mounts["v2"], "cgroup.controllers")).read().split():
                self.dir = os.path.join(mounts["v2"], name)
                os.mkdir(self.dir)
                self.version = 2
                self.write("memory.max", LIMIT)
                self.write("memory.swap.max", 0)
        except OSError as e:
            lt.note("cannot make a memory cgroup: %s" % e)
            self.remove()

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, value):
        with open(self.path(name), "w") as f:
            f.write(str(value))

    def read(self, name):
        with open(self.path(name)) as f:
            return f.read()

    def usage(self):
        return int(self.read("memory.usage_in_bytes" if self.version == 1 else "memory.current"))

    def oom_kills(self):
        text = self.read("memory.oom_control" if self.version == 1 else "memory.events")
        for line in text.splitlines():
            k, _, v = line.partition(" ")
            if k == "oom_kill":
                return int(v)
        return None

    def enter(self):
        """preexec_fn: the child moves itself in before exec."""
        with open(self.path("cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))

    def remove(self):
        if not self.dir or not os.path.isdir(self.dir):
            return
        for _ in range(100):  # the killed process's children leave first
            try:
                os.rmdir(self.dir)
                return
            except OSError:
                time.sleep(0.1)
        fail("could not remove the test cgroup %s" % self.dir)


class Prog:
    def __init__(self, cmd, env, preexec):
        self.p = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, preexec_fn=preexec)
        first = self.p.stdout.readline().split()
        self.ok = len(first) == 2 and first[0] == "ready"
        if not self.ok:
            self.p.kill()
        self.mib = 0

    def to(self, mib):
        self.p.stdin.write("to %d\n" % mib)
        self.p.stdin.flush()
        line = self.p.stdout.readline().split()
        self.mib = mib
        return line == ["at", str(mib)]


def memory_snaps(args, snap_dir):
    out = []
    for s in lt.snapshots(snap_dir):
        if os.path.basename(s).split("-")[-1].startswith("memory"):
            out.append(dump(args.dump, s))
    return [d for d in out if d.get("trigger") == "memory"]


def approach(cg, prog, fraction):
    """Moves the program's memory until the cgroup is at about fraction of
    its limit, in steps of half the gap: a MiB mapped may cost more than a
    MiB (the sanitizers' shadow), and a step too far is an OOM kill."""
    want = fraction * LIMIT
    for _ in range(400):
        gap = want - cg.usage()
        if abs(gap) < 2 * MIB:
            return True
        step = int(gap / MIB / 2) or (1 if gap > 0 else -1)
        if not prog.to(max(0, prog.mib + step)):
            return False
    return False


def cgroup_case(args, cg, env, snap_dir):
    lt.note("cgroup v%d at %s, limit %d MiB" % (cg.version, cg.dir, LIMIT // MIB))
    prog = Prog([args.plain, "watermark"], env, cg.enter)
    if not prog.ok:
        fail("mem_prog did not start: %s" % prog.p.stderr.read()[-800:])
        return
    check(approach(cg, prog, 0.5), "mem_prog: not at half the limit")
    time.sleep(1.0)  # four looks of the watermark below it
    check(not memory_snaps(args, snap_dir), "a memory snapshot at half the limit")
    for crossing in (1, 2):
        check(approach(cg, prog, 0.95), "mem_prog: not at 95 %")
        lt.note("crossing %d: usage %d MiB" % (crossing, cg.usage() // MIB))
        got = wait_for(lambda: len(memory_snaps(args, snap_dir)) >= crossing, 120)
        check(got, "crossing %d: no memory snapshot" % crossing)
        time.sleep(1.0)  # still above: no second snapshot for this crossing
        check(len(memory_snaps(args, snap_dir)) == crossing,
              "crossing %d: %d memory snapshots" % (crossing, len(memory_snaps(args, snap_dir))))
        if crossing == 1:
            check(approach(cg, prog, 0.6), "mem_prog: not at 60 %")
            time.sleep(1.5)  # a look below 85 % re-arms it
    kills_before = cg.oom_kills()
    prog.p.stdin.write("grow\n")
    prog.p.stdin.flush()
    prog.p.wait(timeout=300)
    kills_after = cg.oom_kills()
    lt.note("exit %d, oom_kill %s -> %s" % (prog.p.returncode, kills_before, kills_after))
    check(prog.p.returncode == -9, "mem_prog ended with %d, not SIGKILL" % prog.p.returncode)
    check(kills_before is not None and kills_after == kills_before + 1,
          "the cgroup's oom_kill went %s -> %s, want one kill" % (kills_before, kills_after))
    snaps = memory_snaps(args, snap_dir)
    check(len(snaps) == 2, "%d memory snapshots, want 2 (one per crossing)" % len(snaps))
    for d in snaps:
        lt.note("memory snapshot: %s" % d.get("reason"))
        check("of the cgroup limit (" in d.get("reason", ""), "reason %r" % d.get("reason"))
        check(d.get("cg_max") == str(LIMIT), "cg_max %r, want %d" % (d.get("cg_max"), LIMIT))
        cur = int(d.get("cg_current", 0))
        check(cur >= 0.9 * LIMIT, "cgroup usage %d in a memory snapshot, below 90 %%" % cur)
        check(d.get("cg_oom_kills") == str(kills_before),
              "cg_oom_kills %r in a memory snapshot, the kernel had %r before the kill"
              % (d.get("cg_oom_kills"), kills_before))
        check(d.get("watermark") == "900", "watermark %r" % d.get("watermark"))
        check(d.get("cgroup", "").endswith(os.path.basename(cg.dir)), "cgroup %r" % d.get("cgroup"))


def rlimit_case(args, env, snap_dir):
    lt.note("no memory cgroup can be made here (root and a memory controller are needed): "
            "RLIMIT_AS instead; the program ends when mmap fails, not by a kill")
    if args.asan:
        lt.skip("a memory cgroup (ASan cannot run under RLIMIT_AS)", "run as root")
    limit = 1024 * MIB

    def preexec():
        resource.setrlimit(resource.RLIMIT_AS, (limit, resource.RLIM_INFINITY))
    prog = Prog([args.plain, "watermark"], env, preexec)
    if not check(prog.ok, "mem_prog did not start"):
        return
    vm = int([l for l in open("/proc/%d/status" % prog.p.pid) if l.startswith("VmSize:")][0].split()[1])
    check(prog.to(int((0.95 * limit - vm * 1024) / MIB)), "mem_prog: no answer at 95 %")
    check(wait_for(lambda: memory_snaps(args, snap_dir), 120), "no memory snapshot")
    prog.p.stdin.write("grow\n")
    prog.p.stdin.flush()
    prog.p.wait(timeout=300)
    snaps = memory_snaps(args, snap_dir)
    check(len(snaps) == 1 and "RLIMIT_AS" in snaps[0].get("reason", ""),
          "memory snapshots %r" % [d.get("reason") for d in snaps])


def main():
    args = parse_args(__doc__)
    with lt.Scratch("watermark") as tmp:
        snap_dir = tmp.sub("snaps")
        env = lt.collector_env(snap_dir, lt.preload_value(args), mem_watermark="0.9")
        cg = Cgroup()
        try:
            if cg.version:
                cgroup_case(args, cg, env, snap_dir)
            else:
                rlimit_case(args, env, snap_dir)
        finally:
            cg.remove()
    lt.finish()


if __name__ == "__main__":
    main()
