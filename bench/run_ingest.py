#!/usr/bin/env python3
"""Crash store benchmark: `bbx ingest`, `bbx crashes` and `bbx crash` over
100,000 crash snapshots of three real builds of samples/crasher, beside
reading one core dump of the same crash with eu-stack (and gdb).

The script builds (Release) bbx, bench/gen_crashes and three builds of the
crasher (bench/CMakeLists.txt: versions 1.0, 1.1, 2.0 at -O0, -O1, -O2),
crashes each build once in every crash mode to get real snapshots, and
writes from them a layout (modules with their load biases and build-ids,
the crashing stacks and registers, the parked threads' stacks, pcs inside
the crasher's functions from nm) that gen_crashes turns into N snapshots:
50 crash sites over the 3 builds, 30 days, 24 hosts.  Then it ingests them
into a fresh store (the first 1,000, then the rest), measures the store,
times the queries, grows the store to 1,000,000 snapshots by duplicating
rows in SQL and times `bbx crashes` again, and makes one real core dump of
the crasher to time `eu-stack --core` on.  Everything generated lives in a
temporary directory that is deleted at the end (--keep keeps it).
--write-readme puts the tables into bench/README.md between the ingest
results markers.  Python 3 standard library only.
"""

import argparse
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

import run_env

HERE = run_env.HERE
REPO = run_env.REPO
BEGIN = "<!-- ingest-results:begin -->"
END = "<!-- ingest-results:end -->"
BUILDS = ("1.0", "1.1", "2.0")
MODES = ("threads-fds", "abort", "divzero", "two-threads", "overflow-thread")
FIRST = 1000
TARGET_RATE = 5000.0      # snapshots/s after debug info is loaded
TARGET_CRASHES_MS = 100.0  # `bbx crashes` on 1,000,000
TARGET_BYTES = 2048.0     # store bytes per snapshot beyond the snapshot copy
# The crasher's functions the generated stacks may pass through: its own,
# not the C runtime's, main or its malloc/dl_iterate_phdr stand-ins.
NOT_SITE_FNS = {"main", "malloc", "calloc", "realloc", "free", "dl_iterate_phdr",
                "deregister_tm_clones", "register_tm_clones", "frame_dummy"}


def die(msg, code=2):
    print("run_ingest: " + msg, file=sys.stderr)
    sys.exit(code)


def hexint(s):
    return int(s, 16) if isinstance(s, str) else int(s)


def show_json(bbx, path):
    r = subprocess.run([bbx, "show", "--json", "--no-symbols", path], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if r.returncode not in (0, 1):
        die("bbx show %s: %s" % (path, r.stderr.strip()))
    return json.loads(r.stdout)


def real_snapshot(exe, mode, work):
    """Crash exe in mode with bbx writing into a new directory; the snapshot's
    path, or None when the mode did not crash there."""
    d = tempfile.mkdtemp(prefix="real-", dir=work)
    env = dict(os.environ, BBX_DIR=d, CRASHER_SCRATCH=d)
    subprocess.run([exe, mode], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=60)
    snaps = [f for f in os.listdir(d) if f.endswith(".bbx")]
    return os.path.join(d, snaps[0]) if snaps else None


def nm_functions(exe):
    """name -> (address, size) of the executable's defined functions."""
    out = subprocess.run(["nm", "--defined-only", "-S", exe], stdout=subprocess.PIPE,
                         text=True, check=True).stdout
    fns = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) == 4 and f[2] in ("t", "T") and not f[3].startswith("_") \
                and f[3] not in NOT_SITE_FNS and "." not in f[3]:
            fns[f[3]] = (int(f[0], 16), int(f[1], 16))
    return fns


def make_layout(bbx, bench, work):
    """The layout file for gen_crashes (see gen_crashes.c), and what it holds."""
    per_build, fn_sets = [], []
    for v in BUILDS:
        exe = os.path.join(bench, "crasher-" + v)
        crashes, threads, modules = [], [], None
        for mode in MODES:
            path = real_snapshot(exe, mode, work)
            if not path:
                continue
            d = show_json(bbx, path)
            if modules is None:
                modules = d["modules"]
            # Each run has its own load addresses: move every address inside a
            # module to where the first run (whose modules are written) had it.
            ref = {m["path"]: hexint(m["start"]) for m in modules}
            moves = [(hexint(m["start"]), hexint(m["end"]), ref[m["path"]] - hexint(m["start"]))
                     for m in d["modules"] if m["path"] in ref]

            def rebase(x):
                for lo, hi, delta in moves:
                    if lo <= x < hi:
                        return x + delta
                return x

            pid = d["process"]["pid"]
            for t in d["threads"]:
                pcs = [rebase(hexint(f["pc"])) for f in t["frames"]][:64]
                if not pcs or t.get("bbx_internal"):
                    continue
                if t["crashed"]:
                    regs = [rebase(hexint(x)) for x in (t.get("registers") or {}).values()]
                    tr = d["trigger"]
                    crashes.append((mode, tr["signal"] or 0, tr.get("code") or 0,
                                    rebase(hexint(tr.get("fault_address") or 0)),
                                    1 if t["tid"] == pid else 0, regs, pcs))
                elif mode == "threads-fds" and pcs not in threads:
                    threads.append(pcs)  # its 20 parked threads
        if not modules or not crashes or not threads:
            die("crasher-%s gave no usable snapshot" % v)
        per_build.append((v, exe, modules, crashes, threads))
        fn_sets.append(nm_functions(exe))
    names = sorted(set.intersection(*[set(f) for f in fn_sets]))
    if len(names) < 4:
        die("the crasher builds share too few functions: %s" % names)
    lines = []
    for (v, exe, modules, crashes, threads), fns in zip(per_build, fn_sets):
        lines.append("build %s" % v)
        exe_real = os.path.realpath(exe)
        for m in sorted(modules, key=lambda m: os.path.realpath(m["path"]) != exe_real):
            lines.append("module %x %x %x %s %s" % (hexint(m["base"]), hexint(m["start"]),
                                                   hexint(m["end"]), m["build_id"] or "-",
                                                   m["path"]))
        mine = [m for m in modules if os.path.realpath(m["path"]) == exe_real]
        if not mine:
            die("crasher-%s is not among its snapshot's modules" % v)
        bias = hexint(mine[0]["base"])
        for mode, sig, code, addr, main, regs, pcs in crashes:
            lines.append("crash %s %x %x %x %d %x %s %x %s" % (
                mode, sig, code & 0xffffffffffffffff, addr, main, len(regs),
                " ".join("%x" % r for r in regs), len(pcs), " ".join("%x" % p for p in pcs)))
        for pcs in threads:
            lines.append("thread %x %s" % (len(pcs), " ".join("%x" % p for p in pcs)))
        for n in names:
            addr, size = fns[n]
            lines.append("fn %s %x" % (n, bias + addr + max(1, size // 2)))
    path = os.path.join(work, "layout.txt")
    with open(path, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    info = {"modes": {v: [c[0] for c in cr] for v, _, _, cr, _ in per_build},
            "thread_stacks": sum(len(t) for *_, t in per_build), "functions": len(names),
            "modules": len(per_build[0][2])}
    return path, info


def dir_stats(path):
    n = size = 0
    for f in os.listdir(path):
        n += 1
        size += os.path.getsize(os.path.join(path, f))
    return n, size


def ingest(bbx, db, src, extra):
    """Ingest src into db, stdout to a file (not a terminal).  (seconds,
    peak RSS MiB, CPU s, summary line)."""
    with tempfile.TemporaryFile(mode="w+") as out:
        t, rss, rc, err, cpu = run_env.timed([bbx, "ingest", "--db", db] + extra + [src],
                                             stdout=out)
        out.seek(0)
        summary = out.read().strip()
    if rc != 0:
        die("bbx ingest exited %d: %s %s" % (rc, summary, err.strip()[-500:]))
    return t, rss, cpu, summary


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def median_run(cmd, runs, env=None):
    """Runs cmd once untimed (the page cache) and then `runs` times: the
    median wall time in ms, the last run's stdout, and the median CPU time
    (user + system of the waited-for child) in ms."""
    times, cpus, out = [], [], b""
    for k in range(runs + 1):
        c0 = children_cpu()
        t0 = time.perf_counter()
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        dt = time.perf_counter() - t0
        cpu = children_cpu() - c0
        if r.returncode not in (0, 1):
            die("%s exited %d: %s" % (" ".join(cmd), r.returncode,
                                      r.stderr.decode(errors="replace").strip()))
        out = r.stdout
        if k:  # the first run warms the page cache
            times.append(dt)
            cpus.append(cpu)
    return statistics.median(times) * 1000, out, statistics.median(cpus) * 1000


def table_sizes(db):
    """bytes per table (and its indexes) from dbstat, or None without it."""
    con = sqlite3.connect(db)
    try:
        rows = con.execute("SELECT s.name, m.tbl_name, sum(s.pgsize) FROM dbstat s "
                           "LEFT JOIN sqlite_schema m ON m.name = s.name "
                           "GROUP BY s.name").fetchall()
    except sqlite3.Error:
        return None
    finally:
        con.close()
    sizes = {}
    for name, tbl, size in rows:
        key = tbl or name
        sizes[key] = sizes.get(key, 0) + size
    return sizes


def size_without_copy(db, work):
    """The store's size without snapshot_copy: (bytes, per-table sizes or
    None, how it was measured)."""
    sizes = table_sizes(db)
    if sizes is not None:
        return sum(v for k, v in sizes.items() if k != "snapshot_copy"), sizes, "dbstat"
    copy = os.path.join(work, "nocopy.db")
    shutil.copyfile(db, copy)
    con = sqlite3.connect(copy)
    con.execute("DROP TABLE snapshot_copy")
    con.commit()
    con.execute("VACUUM")
    con.close()
    size = os.path.getsize(copy)
    os.unlink(copy)
    return size, None, "DROP TABLE snapshot_copy; VACUUM"


# The first byte of a hex hash column, as a number, in SQL.
FIRST_BYTE = ("((instr('0123456789abcdef', substr(hash, 1, 1)) - 1) * 16 + "
              "instr('0123456789abcdef', substr(hash, 2, 1)) - 1)")


def grow(db, factor):
    """Turn every stored snapshot into `factor` ones: the rows of each table
    keyed by a snapshot hash (snapshot, annotation) copied factor - 1 times
    under new hashes (copy k: the hash's first byte plus k, modulo 256; factor
    at most 256), and every kept count (the `count` columns: groups, stacks,
    days, hosts) multiplied by factor.  The store then says factor x as many
    crashes over the same groups, days, versions and hosts.  The snapshot
    copies are not duplicated.  Returns (snapshot rows, {table: what})."""
    con = sqlite3.connect(db)
    done = {}
    tables = [r[0] for r in con.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")]
    for tbl in tables:
        cols = [r[1] for r in con.execute("PRAGMA table_info(%s)" % tbl)]
        if tbl in ("snapshot_copy", "rejected", "pruned"):
            continue
        if "hash" in cols:
            other = [c for c in cols if c != "hash"]
            con.execute("CREATE TEMP TABLE base_%s AS SELECT * FROM %s" % (tbl, tbl))
            for k in range(1, factor):
                con.execute("INSERT INTO %s (%s) SELECT printf('%%02x', (%s + %d) %% 256) || "
                            "substr(hash, 3), %s FROM base_%s"
                            % (tbl, ", ".join(["hash"] + other), FIRST_BYTE, k,
                               ", ".join(other), tbl))
            con.execute("DROP TABLE base_%s" % tbl)
            done[tbl] = "rows x%d" % factor
        elif "count" in cols:
            con.execute("UPDATE %s SET count = count * %d" % (tbl, factor))
            done[tbl] = "count x%d" % factor
    con.commit()
    n = con.execute("SELECT count(*) FROM snapshot").fetchone()[0]
    con.close()
    return n, done


def make_core(exe, work):
    """One real core dump of the crasher's threads-fds crash; its path or
    None with the reason."""
    pattern = open("/proc/sys/kernel/core_pattern").read().strip()
    if pattern.startswith("|"):
        return None, "core_pattern is a pipe (%s)" % pattern.split()[0]
    d = tempfile.mkdtemp(prefix="core-", dir=work)

    def unlimited():
        resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))

    env = dict(os.environ, BBX_DIR=d, CRASHER_SCRATCH=d)
    subprocess.run([exe, "threads-fds"], cwd=d, env=env, preexec_fn=unlimited,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    cores = [f for f in os.listdir(d) if f.startswith("core")]
    if cores:
        return os.path.join(d, cores[0]), "kernel (core_pattern %s)" % pattern
    if shutil.which("gdb"):
        core = os.path.join(d, "core.gdb")
        subprocess.run(["gdb", "-batch", "-ex", "run", "-ex", "gcore " + core, "--args", exe,
                        "threads-fds"], cwd=d, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=120)
        if os.path.exists(core):
            return core, "gdb gcore"
    return None, "no core was written (core_pattern %s)" % pattern


def coredumpctl_note():
    if not shutil.which("coredumpctl"):
        return "not run: systemd-coredump is not installed, and PID 1 is not systemd here"
    pattern = open("/proc/sys/kernel/core_pattern").read().strip()
    if "systemd-coredump" not in pattern:
        return "not run: core_pattern does not hand cores to systemd-coredump (%s)" % pattern
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", default=os.path.join(REPO, "build-bench"))
    ap.add_argument("--no-build", action="store_true", help="use the existing build")
    ap.add_argument("--snapshots", type=int, default=100000)
    ap.add_argument("--grow-to", type=int, default=1000000,
                    help="snapshot rows for the large-store query (0: skip)")
    ap.add_argument("--runs", type=int, default=7, help="timed runs per query")
    ap.add_argument("--work", help="directory for the generated files (default: a new "
                    "temporary directory, deleted at the end)")
    ap.add_argument("--keep", action="store_true", help="keep the generated files")
    ap.add_argument("--ingest-args", default="", help="extra bbx ingest options")
    ap.add_argument("--write-readme", action="store_true",
                    help="put the results into bench/README.md")
    a = ap.parse_args()
    if a.snapshots <= FIRST:
        die("--snapshots must be more than %d" % FIRST)

    targets = ["bbx_cli", "bbx_gen_crashes"] + \
        ["bbx_bench_crasher_" + v.replace(".", "_") for v in BUILDS]
    if not a.no_build:
        run_env.release_build(a.build_dir, targets, "run_ingest")
    bbx = os.path.join(a.build_dir, "analyzer", "bbx")
    bench = os.path.join(a.build_dir, "bench")
    gen = os.path.join(bench, "gen_crashes")
    for p in [bbx, gen] + [os.path.join(bench, "crasher-" + v) for v in BUILDS]:
        if not os.access(p, os.X_OK):
            die("%s is missing: build first (or drop --no-build)" % p)
    for tool in ("nm",):
        if not shutil.which(tool):
            die("%s is missing (binutils)" % tool)

    work = a.work or tempfile.mkdtemp(prefix="bbx-ingest-")
    os.makedirs(work, exist_ok=True)
    try:
        run(a, bbx, bench, gen, work)
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("kept %s" % work)


def run(a, bbx, bench, gen, work):
    env = run_env.machine()
    load_before = run_env.loadavg()
    layout, info = make_layout(bbx, bench, work)
    end_ms = int(time.time() * 1000)
    first_dir, rest_dir = os.path.join(work, "first"), os.path.join(work, "rest")
    os.makedirs(first_dir)
    os.makedirs(rest_dir)
    t0 = time.perf_counter()
    subprocess.run([gen, layout, first_dir, "0", str(FIRST), str(end_ms)], check=True)
    subprocess.run([gen, layout, rest_dir, str(FIRST), str(a.snapshots - FIRST), str(end_ms)],
                   check=True)
    gen_s = time.perf_counter() - t0
    n1, b1 = dir_stats(first_dir)
    n2, b2 = dir_stats(rest_dir)
    n_snaps, snap_bytes = n1 + n2, b1 + b2

    # What a generated snapshot holds, read back symbolized.
    sample = show_json_sym(bbx, os.path.join(first_dir, sorted(os.listdir(first_dir))[0]))
    crashed = [t for t in sample["threads"] if t["crashed"]][0]
    named = sum(1 for f in crashed["frames"] if f.get("function"))
    frames = sum(len(t["frames"]) for t in sample["threads"])
    print("generated %d snapshots (%.1f MB, %.0f bytes each) in %.1f s; snapshot 0: %d threads, "
          "%d frames, %d fds, crashing stack %d/%d frames named: %s"
          % (n_snaps, snap_bytes / 1e6, snap_bytes / n_snaps, gen_s, len(sample["threads"]),
             frames, len(sample["fds"]), named, len(crashed["frames"]),
             " | ".join(str(f.get("function")) for f in crashed["frames"][:6])), flush=True)
    if not named:
        die("the generated stacks are not symbolized: check the layout", 1)

    db = os.path.join(work, "store", "crashes.db")
    extra = a.ingest_args.split()
    t1, rss1, cpu1, sum1 = ingest(bbx, db, first_dir, extra)
    print("first %d: %.2f s (%s)" % (n1, t1, sum1), flush=True)
    t2, rss2, cpu2, sum2 = ingest(bbx, db, rest_dir, extra)
    print("rest %d: %.2f s (%s)" % (n2, t2, sum2), flush=True)
    rate_all = n_snaps / (t1 + t2)
    rate_rest = n2 / t2
    db_files = [db + s for s in ("", "-wal", "-shm") if os.path.exists(db + s)]
    db_bytes = sum(os.path.getsize(f) for f in db_files)
    nocopy, sizes, how = size_without_copy(db, work)

    q = {}  # (query, store) -> (wall ms, CPU ms)

    def query(key, cmd, runs=a.runs):
        wall, out, cpu = median_run(cmd, runs)
        q[key] = (wall, cpu)
        return out

    query(("--version", "small"), [bbx, "--version"])
    query(("crashes", "small"), [bbx, "crashes", "--db", db])
    doc = json.loads(query(("crashes --json", "small"), [bbx, "crashes", "--db", db, "--json"]))
    groups = doc["groups"]
    top = groups[0]["id"]
    query(("crash", "small"), [bbx, "crash", "--db", db, top])
    detail = json.loads(query(("crash --json", "small"), [bbx, "crash", "--db", db, "--json",
                                                          top]))
    print("store: %d groups, %d snapshots; bbx crashes %.1f ms, bbx crash %.1f ms"
          % (len(groups), doc["snapshots"], q[("crashes", "small")][0],
             q[("crash", "small")][0]), flush=True)

    big = None
    if a.grow_to:
        factor = min(256, max(2, a.grow_to // n_snaps))
        t0 = time.perf_counter()
        rows, counted = grow(db, factor)
        grow_s = time.perf_counter() - t0
        query(("crashes", "big"), [bbx, "crashes", "--db", db])
        bdoc = json.loads(query(("crashes --json", "big"), [bbx, "crashes", "--db", db,
                                                            "--json"]))
        query(("crash", "big"), [bbx, "crash", "--db", db, bdoc["groups"][0]["id"]])
        query(("crash --json", "big"), [bbx, "crash", "--db", db, "--json",
                                        bdoc["groups"][0]["id"]])
        big = {"rows": rows, "factor": factor, "snapshots": bdoc["snapshots"], "grow_s": grow_s,
               "counted": counted, "bytes": os.path.getsize(db)}
        print("grown to %d rows (x%d) in %.0f s: bbx crashes %.1f ms"
              % (rows, factor, grow_s, q[("crashes", "big")][0]), flush=True)

    exe = os.path.join(bench, "crasher-" + BUILDS[0])
    core, core_how = make_core(exe, work)
    eu = gdb = None
    eu_threads = 0
    eu_env = dict(os.environ)
    eu_env.pop("DEBUGINFOD_URLS", None)  # no network time
    if core and shutil.which("eu-stack"):
        ms, out, cpu = median_run(["eu-stack", "--core", core, "--executable", exe], a.runs,
                                  env=eu_env)
        eu = (ms, cpu)
        text = out.decode(errors="replace")
        eu_threads = text.count("\nTID ") + text.startswith("TID ")
    if core and shutil.which("gdb"):
        ms, _, cpu = median_run(["gdb", "-batch", "-ex", "thread apply all bt", exe, core], 3,
                                env=eu_env)
        gdb = (ms, cpu)
    load_after = run_env.loadavg()

    per_snap_ms = 1000.0 / rate_rest
    per_snap_cpu_ms = 1000.0 * cpu2 / n2
    lines = []
    lines.append("Run %s on %s (%d CPUs, kernel %s), commit %s, load %s -> %s; `%s`."
                 % (env["date"], env["cpu"], env["nproc"], env["kernel"], run_env.git_rev(),
                    load_before, load_after,
                    "python3 bench/run_ingest.py" + (" --write-readme" if a.write_readme
                                                     else "")))
    lines.append("")
    lines.append("Input: %d snapshots of 3 builds of `samples/crasher` (crash modes %s), 50 "
                 "crash sites (%d groups in the store), 30 days, 24 hosts; %.1f MB, %.0f bytes "
                 "a snapshot; snapshot 0: %d threads, %d frames, %d fds, %d modules; written in "
                 "%.1f s."
                 % (n_snaps, "; ".join("%s: %s" % (v, ", ".join(m) or "-")
                                       for v, m in info["modes"].items()),
                    len(groups), snap_bytes / 1e6, snap_bytes / n_snaps,
                    len(sample["threads"]), frames, len(sample["fds"]), len(sample["modules"]),
                    gen_s))
    lines.append("")
    lines.append("| `bbx ingest` | snapshots | seconds | snapshots/s | ms per snapshot | CPU s | "
                 "snapshots per CPU s | peak RSS MiB |")
    lines.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, n, t, cpu, rss in (
            ("first %d, fresh store (loads the debug information)" % FIRST, n1, t1, cpu1, rss1),
            ("the rest, same store (the rate after debug info is loaded)", n2, t2, cpu2, rss2),
            ("both", n_snaps, t1 + t2, cpu1 + cpu2, max(rss1, rss2))):
        lines.append("| %s | %d | %.2f | %.0f | %.3f | %.2f | %.0f | %.1f |"
                     % (label, n, t, n / t, 1000 * t / n, cpu, n / cpu if cpu else 0, rss))
    lines.append("")
    lines.append("| store after %d snapshots | bytes | per snapshot |" % n_snaps)
    lines.append("| --- | ---: | ---: |")
    lines.append("| database file%s | %d | %.0f |" % ("s (with -wal)" if len(db_files) > 1
                                                     else "", db_bytes, db_bytes / n_snaps))
    lines.append("| without `snapshot_copy` (%s) | %d | %.0f |" % (how, nocopy, nocopy / n_snaps))
    if sizes:
        for name, size in sorted(sizes.items(), key=lambda kv: -kv[1]):
            if size >= 0.001 * db_bytes:
                lines.append("| table %s with its indexes | %d | %.1f |"
                             % (name, size, size / n_snaps))
    lines.append("")
    head = "| query (ms, median of %d; wall / CPU) | %d snapshots |" % (a.runs, n_snaps)
    if big:
        head += " %d snapshots (grown x%d) |" % (big["rows"], big["factor"])
    lines.append(head)
    lines.append("| --- | ---: |" + (" ---: |" if big else ""))
    lines.append("| `bbx --version` (start-up: loading bbx and its libraries) | %.1f / %.1f |%s"
                 % (q[("--version", "small")] + (" - |" if big else "",)))
    for key, label in (("crashes", "`bbx crashes`"), ("crashes --json", "`bbx crashes --json`"),
                       ("crash", "`bbx crash ID` (the largest group: %d of the snapshots, %d "
                                 "stack variants)" % (detail["count"],
                                                      len(detail.get("variants", [])))),
                       ("crash --json", "`bbx crash --json ID`")):
        row = "| %s | %.1f / %.1f |" % ((label,) + q[(key, "small")])
        if big:
            row += " %.1f / %.1f |" % q[(key, "big")]
        lines.append(row)
    lines.append("")
    if core:
        core_size = os.path.getsize(core)
        lines.append("| reading one crash | ms (wall / CPU) | per snapshot of `bbx ingest` (wall "
                     "/ CPU) | bytes |")
        lines.append("| --- | ---: | ---: | ---: |")
        lines.append("| one bbx snapshot, ingested (the rest's rate) | %.3f / %.3f | 1 / 1 | %.0f |"
                     % (per_snap_ms, per_snap_cpu_ms, snap_bytes / n_snaps))
        if eu is not None:
            lines.append("| `eu-stack --core CORE --executable EXE` (%d threads, median of %d) | "
                         "%.1f / %.1f | %.0fx / %.0fx | %d |"
                         % (eu_threads, a.runs, eu[0], eu[1], eu[0] / per_snap_ms,
                            eu[1] / per_snap_cpu_ms, core_size))
        if gdb is not None:
            lines.append("| `gdb -batch -ex 'thread apply all bt' EXE CORE` (median of 3) | "
                         "%.1f / %.1f | %.0fx / %.0fx | %d |"
                         % (gdb[0], gdb[1], gdb[0] / per_snap_ms, gdb[1] / per_snap_cpu_ms,
                            core_size))
        lines.append("")
        lines.append("Core dump: written by the %s, of `crasher-%s threads-fds` (21 threads, "
                     "the crash of the generated threads-fds sites). `coredumpctl info`: %s."
                     % (core_how, BUILDS[0], coredumpctl_note() or "available"))
    else:
        lines.append("No core dump: %s." % core_how)
    lines.append("")
    if big:
        lines.append("The %d-snapshot store is the %d-snapshot one with every snapshot copied "
                     "%d times under new hashes and the kept counts multiplied by %d, in SQL "
                     "(%s; no snapshot copies added): %d snapshots counted, %.0f MB, made in "
                     "%.0f s."
                     % (big["rows"], n_snaps, big["factor"] - 1, big["factor"],
                        ", ".join("%s %s" % (t, w) for t, w in sorted(big["counted"].items())),
                        big["snapshots"], big["bytes"] / 1e6, big["grow_s"]))
        lines.append("")
    lines.append("| target | wanted | measured | met |")
    lines.append("| --- | --- | ---: | --- |")
    lines.append("| ingest rate after debug info is loaded | >= %.0f snapshots/s | %.0f (%.0f per "
                 "CPU s) | %s |" % (TARGET_RATE, rate_rest, n2 / cpu2 if cpu2 else 0,
                                    "yes" if rate_rest >= TARGET_RATE else "**no**"))
    if big:
        ms = q[("crashes", "big")][0]
        lines.append("| `bbx crashes` on %d | < %.0f ms | %.1f ms | %s |"
                     % (big["rows"], TARGET_CRASHES_MS, ms,
                        "yes" if ms < TARGET_CRASHES_MS else "**no**"))
    lines.append("| store beyond the snapshot copy | < %.0f bytes per snapshot | %.0f | %s |"
                 % (TARGET_BYTES, nocopy / n_snaps,
                    "yes" if nocopy / n_snaps < TARGET_BYTES else "**no**"))
    text = "\n".join(lines)
    print()
    print(text)
    if a.write_readme and not run_env.write_readme_section(BEGIN, END, text):
        die("bench/README.md has no ingest results markers")


def show_json_sym(bbx, path):
    r = subprocess.run([bbx, "show", "--json", path], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if r.returncode not in (0, 1):
        die("bbx show %s: %s" % (path, r.stderr.strip()))
    return json.loads(r.stdout)


if __name__ == "__main__":
    main()
