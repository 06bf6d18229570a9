#!/usr/bin/env python3
"""Memory growth, growing heap stacks and the vanished-process verdict on
series written by gen_memseries (the real snapshot writer): bbx leaks (text
and JSON), bbx show, bbx flame --what heap (folded, --diff, pprof decoded
by the npm pprof-format package).  The expected figures (growth per minute,
minutes to the cgroup limit) are computed here from the generated numbers.

usage: e2e_memgrowth.py --bbx BBX --gen GEN_MEMSERIES --source gen_memseries.c
                     [--node NODE --node-modules DIR]
"""

import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "testlib"))
sys.path.insert(0, os.path.join(HERE, "..", "leaks"))
import leaktest as lt  # noqa: E402  (Scratch)
from check import check, finish  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--bbx", required=True)
p.add_argument("--gen", required=True)
p.add_argument("--source", required=True)
p.add_argument("--node")
p.add_argument("--node-modules")
args = p.parse_args()

MIB = 1024 * 1024


def line_of(marker):
    with open(args.source) as f:
        for i, text in enumerate(f, 1):
            if marker in text:
                return i
    raise SystemExit("no " + marker + " in " + args.source)


GROW_LINE, STEADY_LINE = line_of("GROW_SITE"), line_of("STEADY_SITE")


def dead_pid():
    """A pid that ran a moment ago and is gone now."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def gen(d, **kw):
    subprocess.run([args.gen, d] + ["%s=%s" % kv for kv in kw.items()], check=True)


def bbx(*a):
    return subprocess.run([args.bbx] + list(a), capture_output=True, text=True)


with lt.Scratch("memory") as scratch:
    # ---- a process in a 200 MiB cgroup, anon memory +10 MiB/min, killed ----
    n, anon0, rate, cg_max, extra = 10, 40960, 10240, 200 * MIB, MIB
    pid = dead_pid()
    d = scratch.sub("oom")
    gen(d, n=n, pid=pid, anon_kib=anon0, anon_per_min=rate, cg_max=cg_max, cg_extra=extra,
        oom_at=n, memory_at=n - 1, steady_creep=3072, code_creep=8)
    r = bbx("leaks", "--json", d)
    check(r.returncode == 1, "bbx leaks exits 1 when memory grows (got %d: %s)"
          % (r.returncode, r.stderr))
    doc = json.loads(r.stdout)
    mem = {g["kind"]: g for g in doc["leaks"] if g["resource"] == "memory"}
    check("anon" in mem and mem["anon"]["confidence"] == "high",
          "anon memory is a high-confidence suspect: %s" % sorted(mem))
    check("code" not in mem and "heap" not in mem and "stack" not in mem,
          "steady kinds are not suspects: %s" % sorted(mem))
    # the cgroup's usage grows with anon here, but it is every process's
    check("cgroup" not in mem, "the cgroup's usage is never a suspect: %s" % sorted(mem))
    anon = mem.get("anon", {})
    check(abs(anon.get("growth_per_min", 0) - rate) < 1, "anon grows by %d KiB/min: %s"
          % (rate, anon.get("growth_per_min")))
    check(anon.get("unit") == "KiB", "memory groups are counted in KiB")
    # the cgroup's usage in the last snapshot: every kind's RSS + extra bytes
    last_rss = anon0 + rate * (n - 1) + 2048 + 5120 + 8 * (n - 1) + 136
    used = last_rss * 1024 + extra
    minutes = (cg_max - used) / 1024 / rate
    lim = anon.get("limit") or {}
    check(lim.get("name") == "cgroup limit" and lim.get("bytes") == cg_max,
          "anon runs into the cgroup limit: %s" % lim)
    check(lim.get("minutes") is not None and abs(lim["minutes"] - minutes) < 0.11,
          "minutes to the limit %.2f (computed here) vs %s" % (minutes, lim.get("minutes")))
    check("reaches the cgroup limit of 200 MiB in about %.0f min" % minutes in anon.get("why", ""),
          "the why sentence gives the time to the limit: %s" % anon.get("why"))
    heap = [g for g in doc["leaks"] if g["resource"] == "heap"]
    check(len(heap) == 1, "one growing heap stack (the steady one is not named): %s"
          % [g.get("created_at") for g in heap])
    if heap:
        site = heap[0].get("created_at") or ""
        check(site.startswith("grow_cache (gen_memseries.c:%d)" % GROW_LINE),
              "the growing stack is named by its own frame and line: %s" % site)
        check(heap[0]["confidence"] == "high", "growing heap stack: high confidence")
    v = doc.get("vanished") or {}
    check(v.get("verdict") == "gone" and v.get("cause") == "oom-kill",
          "the process vanished, killed by the OOM killer: %s" % v)
    ev = " | ".join(v.get("evidence", []))
    check("oom_kill count rose from 0 to 1" in ev, "evidence: the oom_kill count: " + ev)
    check("memory watermark snapshot" in ev, "evidence: the watermark snapshot: " + ev)
    check("memory grew by 10.0 MiB/min (high confidence)" in ev, "evidence: the trend: " + ev)
    t = bbx("leaks", d)
    check("vanished: process %d vanished after its last snapshot" % pid in t.stdout and
          "likely killed by the OOM killer" in t.stdout, "text says it vanished:\n" + t.stdout)
    check("grow_cache (gen_memseries.c:%d)" % GROW_LINE in t.stdout and
          "steady_buffers" not in t.stdout, "text names the growing stack only")

    # --suppress takes a heap stack out like an fd group
    supp = scratch.file("heap.supp")
    with open(supp, "w") as f:
        f.write("resource:heap function:grow_cache\n")
    r = bbx("leaks", "--json", "--suppress", supp, d)
    sd = json.loads(r.stdout)
    check(not [g for g in sd["leaks"] if g["resource"] == "heap"] and
          sd["not_counted"]["suppressed"] == 1,
          "--suppress resource:heap function:grow_cache takes the stack out: %s"
          % sd["not_counted"])

    # ---- bbx show of the last snapshot ----
    last = sorted(os.listdir(d))[-1]
    s = bbx("show", os.path.join(d, last))
    check(s.returncode == 0, "bbx show runs: " + s.stderr)
    check("cgroup /bbx-test.slice/app.scope:" in s.stdout and "1 OOM kill" in s.stdout,
          "show: the cgroup line")
    check("grow_cache (gen_memseries.c:%d)" % GROW_LINE in s.stdout and
          "steady_buffers (gen_memseries.c:%d)" % STEADY_LINE in s.stdout,
          "show: heap stacks by their own frame")
    js = json.loads(bbx("show", "--json", os.path.join(d, last)).stdout)
    check(js["memory"]["cgroup"]["max"] == cg_max and js["memory"]["cgroup"]["oom_kills"] == 1,
          "show --json: cgroup figures")
    kinds = {k["kind"]: k["rss_kb"] for k in js["memory"]["kinds"]}
    check(kinds.get("anon") == anon0 + rate * (n - 1), "show --json: anon RSS %s" % kinds)
    check(len(js["heap"]["stacks"]) == 2 and js["heap"]["interval"] == 524288,
          "show --json: heap stacks")
    check("vanished: process %d vanished after its last snapshot" % pid in s.stdout,
          "show of the last snapshot: vanished (the series found beside it)")
    check((js.get("vanished") or {}).get("cause") == "oom-kill", "show --json: vanished")
    mid = sorted(os.listdir(d))[n - 2]
    sm = bbx("show", os.path.join(d, mid))
    check("memory watermark crossed: cgroup memory over 90%" in sm.stdout,
          "show: a memory trigger with its reason")
    check("vanished" not in sm.stdout, "show of a snapshot before the last: no verdict")

    # ---- the same series ending with an exit snapshot, or from another host ----
    e = scratch.sub("exit")
    gen(e, n=n, pid=dead_pid(), cg_max=cg_max, last="exit")
    check(json.loads(bbx("leaks", "--json", e).stdout)["vanished"] is None,
          "an exit snapshot last: not vanished")
    o = scratch.sub("other")
    gen(o, n=n, pid=dead_pid(), cg_max=cg_max, host="elsewhere.example")
    v = json.loads(bbx("leaks", "--json", o).stdout)["vanished"] or {}
    check(v.get("verdict") == "unknown" and "cannot be told" in v.get("text", ""),
          "another host: cannot be told: %s" % v)
    a = scratch.sub("alive")
    gen(a, n=n, pid=os.getpid(), start_ms=1000)  # our pid, another start time
    v = json.loads(bbx("leaks", "--json", a).stdout)["vanished"] or {}
    check(v.get("verdict") == "gone" and "its pid now runs another process" in v.get("text", ""),
          "a reused pid: gone: %s" % v)
    # steady memory: nothing grows
    q = scratch.sub("steady")
    gen(q, n=n, pid=dead_pid(), anon_per_min=0, heap_grow_per_min=0, last="exit")
    r = bbx("leaks", "--json", q)
    check(r.returncode == 0 and not json.loads(r.stdout)["leaks"],
          "steady memory and heap: no suspects, exit 0 (%d)" % r.returncode)
    # code pages paged in (+2 MiB a snapshot, 18 MiB in all: a GTK program's
    # first seconds): page cache the kernel can drop, no suspect
    c = scratch.sub("paging-in")
    gen(c, n=n, pid=dead_pid(), anon_per_min=0, heap_grow_per_min=0, code_creep=2048,
        last="exit")
    r = bbx("leaks", "--json", c)
    check(r.returncode == 0 and not json.loads(r.stdout)["leaks"],
          "resident code pages growing by 18 MiB: no suspects, exit 0 (%d): %s"
          % (r.returncode, r.stdout[-400:]))

    # ---- flame --what heap ----
    f = bbx("flame", "--what", "heap", os.path.join(d, last))
    lines = dict(x.rsplit(" ", 1) for x in f.stdout.splitlines())
    grow_live = (256 + 2048 * (n - 1)) * 1024
    check(lines.get("heap;main;grow_cache;[malloc]") == str(grow_live),
          "flame --what heap: live bytes of the growing stack: %s" % lines)
    first = sorted(os.listdir(d))[0]
    f = bbx("flame", "--what", "heap", "--diff", os.path.join(d, first), "--",
            os.path.join(d, last))
    check("heap;main;grow_cache;[malloc] 262144 %d" % grow_live in f.stdout,
          "flame --diff: what grew between two snapshots:\n" + f.stdout)
    svg = bbx("flame", "--what", "heap", "--format", "svg", os.path.join(d, last))
    check(svg.returncode == 0 and "grow_cache" in svg.stdout and "<svg" in svg.stdout,
          "flame --what heap --format svg draws the growing stack")
    ss = bbx("flame", "--what", "heap", "--format", "speedscope", os.path.join(d, last))
    sdoc = json.loads(ss.stdout) if ss.returncode == 0 else {"profiles": []}
    weights = sum(sum(p_["weights"]) for p_ in sdoc["profiles"])
    steady_live = 524288 + 3072 * (n - 1)
    check(weights == grow_live + steady_live,
          "speedscope weights are live bytes: %d, expected %d" % (weights, grow_live + steady_live))
    pb = scratch.file("heap.pb.gz")
    check(bbx("flame", "--what", "heap", "--format", "pprof", "-o", pb,
              os.path.join(d, last)).returncode == 0, "pprof written")
    if args.node and args.node_modules:
        r = subprocess.run([args.node, os.path.join(HERE, "dump_pprof.js"), args.node_modules, pb],
                           capture_output=True, text=True)
        if r.returncode == 77:
            lt.skip("pprof-format", "npm ci --prefix tests/browser")
        prof = json.loads(r.stdout)
        check(prof["sample_types"] == [["inuse_space", "bytes"], ["inuse_objects", "count"],
                                       ["alloc_space", "bytes"], ["alloc_objects", "count"]],
              "pprof sample types: %s" % prof["sample_types"])
        grow = [x for x in prof["samples"] if "grow_cache" in x["stack"]]
        check(grow and grow[0]["values"][0] == grow_live, "pprof: the growing stack's bytes")
    else:
        lt.skip("node and tests/browser/node_modules", "Debian package nodejs; npm ci")

finish()
