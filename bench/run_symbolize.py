#!/usr/bin/env python3
"""Symbolizer benchmark: bbx symbolize beside eu-addr2line, addr2line and llvm-symbolizer.

Two binaries: a large generated program (bench/gen_big_program.py, gcc -O2 -g)
and this machine's libc, whose debug information comes from Debian's libc6-dbg
under /usr/lib/debug/.build-id.  For each, 100,000 unique addresses (instruction
starts from `objdump -d`, drawn at random from all of .text) and the same list
repeated ten times.  Every tool reads the addresses on standard input and writes
to a file whose lines the script counts afterwards; each run is timed from the script
(start-up and reading the debug information included) and its peak resident
memory taken from wait4().  Before the timed runs, one untimed run of each tool
reads back what it printed for every address: the record count is checked, and
the answers are compared with eu-addr2line's, level by level.

Prints markdown tables; --write-readme puts them into bench/README.md between
the symbolizer results markers.  Python 3 standard library only.
"""

import argparse
import bisect
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
import run_env  # noqa: E402  (bench/run_env.py, next to this file)
from run_env import git_rev, loadavg, machine  # noqa: E402

HERE = run_env.HERE
REPO = run_env.REPO
BEGIN = "<!-- symbolize-results:begin -->"
END = "<!-- symbolize-results:end -->"

sys.path.insert(0, HERE)
import gen_big_program  # noqa: E402  (beside this script)

LIBC = "/lib/x86_64-linux-gnu/libc.so.6"
DEBUG_ROOT = "/usr/lib/debug"
# An address inside no module: both eu-addr2line and bbx answer "??" / "??:0".
# Put after every address of a read-back run, it marks where each answer ends.
SENTINEL = 0xfffffffff0

# Targets (see README): at least addr2line's rate on unique addresses, and over
# five million addresses a second on repeated ones.
TARGET_REPEAT_RATE = 5e6

# Functions of libc whose frames a crash report must name (read from the symbol
# table of the debug file, so internal ones are found too).
LIBC_FRAMES = ["abort", "raise", "__pthread_kill_implementation", "start_thread",
               "___pthread_mutex_lock", "__GI___pthread_cond_wait", "__futex_abstimed_wait_common",
               "__libc_start_call_main",
               "__GI___poll", "malloc"]


def die(msg, code=2):
    print("run_symbolize: " + msg, file=sys.stderr)
    sys.exit(code)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def tool_env():
    env = dict(os.environ)
    env.pop("DEBUGINFOD_URLS", None)  # no network, no debuginfod cache
    env["LC_ALL"] = "C"
    return env


def check_tools(need_build):
    missing = []
    for tool, pkg in (("gcc", "build-essential"), ("objdump", "binutils"),
                      ("readelf", "binutils"), ("addr2line", "binutils"),
                      ("eu-addr2line", "elfutils")):
        if not shutil.which(tool):
            missing.append((tool, pkg))
    if need_build and not shutil.which("cmake"):
        missing.append(("cmake", "cmake"))
    if missing:
        names = ", ".join(t for t, _ in missing)
        pkgs = " ".join(sorted({p for _, p in missing}))
        die("missing %s; install them with scripts/install-deps.sh --bench "
            "(Debian/Ubuntu: apt-get install %s)" % (names, pkgs))
    if not os.access(TIME, os.X_OK):
        log("note: no %s (Debian package time): peak memory is not measured" % TIME)
    if not shutil.which("llvm-symbolizer"):
        log("note: no llvm-symbolizer (Debian package llvm): its column stays empty")


def build(build_dir):
    cfg = ["cmake", "-S", REPO, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release",
           "-DBBX_BUILD_TESTS=OFF", "-DBBX_BUILD_SAMPLES=OFF"]
    bld = ["cmake", "--build", build_dir, "--target", "bbx_cli", "-j", str(os.cpu_count() or 2)]
    for cmd in (cfg, bld):
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            sys.stderr.write(r.stdout)
            die("build failed: " + " ".join(cmd[:2]))
    return os.path.join(build_dir, "analyzer", "bbx")


def bbx_has_symbolize(bbx, binary):
    """True when this bbx knows `symbolize` and answers for one address."""
    if not os.access(bbx, os.X_OK):
        return False
    try:
        r = subprocess.run([bbx, "symbolize", "-e", binary, "0x%x" % SENTINEL],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env=tool_env(), timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return r.returncode == 0 and r.stdout.splitlines()[:2] == ["??", "??:0"]


# ---------------------------------------------------------------- the binaries

def build_id(path):
    r = subprocess.run(["readelf", "-n", path], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    m = re.search(r"Build ID:\s*([0-9a-f]+)", r.stdout)
    return m.group(1) if m else None


def debug_file_of(path):
    """The separate debug file found by build-id, or None."""
    bid = build_id(path)
    if not bid:
        return None
    f = os.path.join(DEBUG_ROOT, ".build-id", bid[:2], bid[2:] + ".debug")
    return f if os.path.exists(f) else None


def has_debug_info(path):
    r = subprocess.run(["readelf", "-SW", path], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    return " .debug_info " in r.stdout


def section_sizes(path):
    """Sizes of .text and of all .debug_* sections (as stored, possibly compressed)."""
    r = subprocess.run(["readelf", "-SW", path], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    text = debug = 0
    for line in r.stdout.splitlines():
        m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)", line)
        if not m:
            continue
        if m.group(1) == ".text":
            text = int(m.group(2), 16)
        elif m.group(1).startswith(".debug_"):
            debug += int(m.group(2), 16)
    return text, debug


def instruction_starts(path):
    """Addresses of every instruction in .text, from objdump -d."""
    p = subprocess.Popen(["objdump", "-d", "--no-show-raw-insn", "-j", ".text", path],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                         env=tool_env())
    pat = re.compile(r"^\s*([0-9a-f]+):\t")
    out = [int(m.group(1), 16) for m in map(pat.match, p.stdout) if m]
    if p.wait() != 0 or not out:
        die("objdump -d found no instructions in %s" % path)
    return out


def symbol_table(path):
    """name -> (value, size) of the FUNC symbols of an ELF file."""
    r = subprocess.run(["readelf", "-sW", path], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    out = {}
    for line in r.stdout.splitlines():
        f = line.split()
        if len(f) >= 8 and f[3] == "FUNC" and f[6] != "UND":
            out.setdefault(f[7].split("@")[0], (int(f[1], 16), int(f[2], 0)))
    return out


def function_spans(path):
    """The parts of the address space covered by FUNC symbols: sorted, merged [lo, hi)."""
    r = subprocess.run(["readelf", "-sW", path], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    spans = []
    for line in r.stdout.splitlines():
        f = line.split()
        if len(f) >= 8 and f[3] == "FUNC" and f[6] != "UND" and int(f[2], 0) > 0:
            v = int(f[1], 16)
            spans.append((v, v + int(f[2], 0)))
    merged = []
    for lo, hi in sorted(spans):
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return merged


def in_functions(addrs, spans):
    """The addresses inside some function: no alignment padding between functions
    (objdump lists those nops too, but no program counter is ever there)."""
    los = [lo for lo, _ in spans]
    out = []
    for a in addrs:
        i = bisect.bisect_right(los, a) - 1
        if i >= 0 and a < spans[i][1]:
            out.append(a)
    return out


def write_list(path, addrs):
    """Write the list unless it is there already; never truncate a file a tool may be
    reading (another run of this script on the same work directory)."""
    text = "".join("0x%x\n" % a for a in addrs)
    try:
        with open(path) as fh:
            if fh.read() == text:
                return
    except OSError:
        pass
    tmp = "%s.%d.tmp" % (path, os.getpid())
    with open(tmp, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


class Target:
    """A binary, its address lists and what is known about its debug information."""

    def __init__(self, key, title, binary, work, count, repeat, eu_count, seed):
        self.key, self.title, self.binary = key, title, binary
        self.debug_file = None if has_debug_info(binary) else debug_file_of(binary)
        starts = in_functions(instruction_starts(binary),
                              function_spans(self.debug_file or binary))
        rng = random.Random(seed)
        if count > len(starts):
            log("  %s has only %d instructions: using them all" % (title, len(starts)))
            count = len(starts)
        self.addrs = rng.sample(starts, count)  # unique, in random order
        self.n_insns = len(starts)
        self.repeat = repeat
        self.eu_count = min(eu_count, count)
        d = os.path.join(work, key)
        os.makedirs(d, exist_ok=True)
        self.files = {}
        for name, addrs in (("unique", self.addrs), ("repeated", self.addrs * repeat),
                            ("eu-unique", self.addrs[:self.eu_count]),
                            ("eu-repeated", self.addrs[:self.eu_count] * repeat),
                            ("one", self.addrs[:1])):
            self.files[name] = os.path.join(d, name + ".txt")
            write_list(self.files[name], addrs)
        sent = []
        for a in self.addrs:
            sent += [a, SENTINEL]
        self.files["readback"] = os.path.join(d, "readback.txt")
        write_list(self.files["readback"], sent)
        self.text_size, self.debug_size = section_sizes(self.debug_file or binary)
        self.text_size = section_sizes(binary)[0]


# ---------------------------------------------------------------- the tools

class Tool:
    """How to run one symbolizer and read back what it printed."""

    def __init__(self, key, title, argv, style, version):
        self.key, self.title, self.argv, self.style, self.version = key, title, argv, style, version

    def cmd(self, binary, readback=False):
        c = [a.replace("{bin}", binary) for a in self.argv]
        if readback and self.style == "binutils":
            c.insert(1, "-a")  # an address line before each answer
        return c

    def readback_input(self, target):
        return target.files["readback" if self.style == "eu" else "unique"]

    def parse(self, text, n):
        """List of n answers, each a list of levels (function, file, line); None if unreadable."""
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        recs = []
        if self.style == "eu":
            # Pairs of lines; every answer is followed by the sentinel's "??" / "??:0",
            # and an answer has at least one pair (an unknown address: "??" / "??:0").
            pairs = [(lines[i], lines[i + 1]) for i in range(0, len(lines) - 1, 2)]
            if len(lines) % 2:
                return None
            cur = []
            for fn, loc in pairs:
                if cur and fn == "??" and loc == "??:0":
                    recs.append(cur)
                    cur = []
                    continue
                cur.append(level(fn.split(" inlined at ")[0], loc))
            if cur:
                return None
        elif self.style == "binutils":
            cur = None
            for i, ln in enumerate(lines):
                if re.match(r"^0x[0-9a-f]+$", ln) and (cur is None or len(cur[1]) % 2 == 0):
                    if cur is not None:
                        recs.append(cur[1])
                    cur = (ln, [])
                elif cur is not None:
                    cur[1].append(ln)
                else:
                    return None
            if cur is not None:
                recs.append(cur[1])
            out = []
            for r in recs:
                if len(r) % 2:
                    return None
                out.append([level(r[i], re.sub(r" \(discriminator \d+\)$", "", r[i + 1]))
                            for i in range(0, len(r), 2)])
            recs = out
        else:  # llvm: pairs, a blank line after each answer
            cur = []
            for ln in lines:
                if ln == "":
                    if len(cur) % 2 or not cur:
                        return None
                    recs.append([level(cur[i], cur[i + 1]) for i in range(0, len(cur), 2)])
                    cur = []
                else:
                    cur.append(ln)
            if cur:
                return None
        return recs if len(recs) == n else None

    def lines_for(self, answers):
        """Lines the tool prints in a timed run for these answers."""
        n = sum(2 * len(a) for a in answers)
        return n + len(answers) if self.style == "llvm" else n


def level(fn, loc):
    # FILE:LINE:COL (eu-addr2line, llvm-symbolizer) or FILE:LINE (addr2line, and
    # eu-addr2line when the column is unknown).
    m = re.match(r"^(.*):(\d+):\d+$", loc) or re.match(r"^(.*):(\d+)$", loc)
    if m:
        f, line = m.group(1), m.group(2)
    else:
        f, line = loc, "?"
    if f == "??" or line == "0":
        f, line = "??", "0"
    return (fn, f, line)


def version_of(cmd):
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for ln in r.stdout.splitlines():
            if ln.strip():
                return ln.strip()
    except OSError:
        pass
    return "?"


def llvm_version():
    r = subprocess.run(["llvm-symbolizer", "--version"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    m = re.search(r"LLVM version (\S+)", r.stdout)
    return "llvm-symbolizer (LLVM) " + (m.group(1) if m else "?")


def make_tools(bbx, have_bbx, only):
    tools = []
    if have_bbx:
        tools.append(Tool("bbx", "bbx symbolize", [bbx, "symbolize", "-e", "{bin}"], "eu",
                          "bbx at commit " + git_rev()))
    tools.append(Tool("eu", "eu-addr2line -f -i", ["eu-addr2line", "-f", "-i", "-e", "{bin}"],
                      "eu", version_of(["eu-addr2line", "--version"])))
    tools.append(Tool("binutils", "addr2line -f -i", ["addr2line", "-f", "-i", "-e", "{bin}"],
                      "binutils", version_of(["addr2line", "--version"])))
    if shutil.which("llvm-symbolizer"):
        # Inlined frames and function names are on by default; spelled out anyway.
        tools.append(Tool("llvm", "llvm-symbolizer", ["llvm-symbolizer", "--inlines",
                                                      "--functions=linkage", "--obj={bin}"],
                          "llvm", llvm_version()))
    if only:
        tools = [t for t in tools if t.key in only]
    return tools


# ---------------------------------------------------------------- running

TIME = "/usr/bin/time"  # GNU time (Debian package time), for the peak RSS


def run(cmd, infile, outfile, keep=False):
    """Run cmd with infile on stdin and outfile as stdout.

    Returns (seconds, peak RSS KiB, newlines printed, text if keep, exit code, stderr).
    The output goes to a regular file: into a pipe, the three tools that write once
    per address would be timed waking the reader up once per address.  The peak RSS
    comes from GNU time around the command: wait4() from this script would not do,
    because exec() carries the forking process's own peak (this interpreter's, a few
    hundred MiB with the address lists) into the child's."""
    rss_file = None
    if os.access(TIME, os.X_OK):
        fd, rss_file = tempfile.mkstemp(prefix="bbx-symbench-", suffix=".rss")
        os.close(fd)
        cmd = [TIME, "-f", "%M", "-o", rss_file] + cmd
    with open(infile, "rb") as fin, open(outfile, "wb") as fout:
        t0 = time.perf_counter()
        p = subprocess.run(cmd, stdin=fin, stdout=fout, stderr=subprocess.PIPE,
                           env=tool_env())
        t1 = time.perf_counter()
    lines, chunks = 0, []
    with open(outfile, "rb") as fh:
        while True:
            b = fh.read(1 << 22)
            if not b:
                break
            lines += b.count(b"\n")
            if keep:
                chunks.append(b)
    os.remove(outfile)
    text = b"".join(chunks).decode("utf-8", "replace") if keep else None
    rss = float("nan")
    if rss_file:
        with open(rss_file) as fh:
            last = fh.read().split()
        os.remove(rss_file)
        if last and last[-1].isdigit():
            rss = int(last[-1])
    return (t1 - t0, rss, lines, text, p.returncode,
            p.stderr.decode("utf-8", "replace").strip())


def outfile_of(target):
    return os.path.join(os.path.dirname(target.files["unique"]), "out.%d.txt" % os.getpid())


def readback(tool, target):
    """One untimed run over the unique addresses (a sample for eu-addr2line): the answers."""
    n = target.eu_count if tool.key == "eu" else len(target.addrs)
    infile = tool.readback_input(target)
    if tool.key == "eu":
        # Its own list, with sentinels, of the sample only.
        infile = os.path.join(os.path.dirname(infile), "eu-readback.txt")
        sent = []
        for a in target.addrs[:n]:
            sent += [a, SENTINEL]
        write_list(infile, sent)
    secs, rss, nl, text, rc, err = run(tool.cmd(target.binary, readback=True), infile,
                                       outfile_of(target), keep=True)
    if rc not in (0, 1):  # eu-addr2line exits 1 when an address is unknown
        log("  WARNING %s on %s exited with %d: %s" % (tool.title, target.title, rc, err[:300]))
        return None
    answers = tool.parse(text, n)
    if answers is None:
        log("  WARNING could not read back the answers of %s on %s (%d lines for %d addresses)"
            % (tool.title, target.title, nl, n))
    return answers


def agreement(ref, got):
    """Per level: same function, file and line; same file and line; whole answers identical."""
    same = same_base = same_loc = total = whole = 0
    base = os.path.basename
    for a, b in zip(ref, got):
        total += max(len(a), len(b))
        same += sum(1 for x, y in zip(a, b) if x == y)
        same_base += sum(1 for x, y in zip(a, b)
                         if (x[0], base(x[1]), x[2]) == (y[0], base(y[1]), y[2]))
        same_loc += sum(1 for x, y in zip(a, b) if x[1:] == y[1:])
        whole += a == b
    if not total:
        return None
    return (100.0 * same / total, 100.0 * same_base / total, 100.0 * same_loc / total,
            100.0 * whole / len(ref))


def measure(tool, target, reps, answers):
    """Timed runs on the unique and the repeated list; medians."""
    small = tool.key == "eu" and target.eu_count < len(target.addrs)
    uniq = target.files["eu-unique" if small else "unique"]
    rept = target.files["eu-repeated" if small else "repeated"]
    n = target.eu_count if small else len(target.addrs)
    want = None
    if answers is not None:
        want = tool.lines_for(answers[:n])
    res = {"n_unique": n, "n_repeated": n * target.repeat, "sample": small, "reps": reps}
    for name, path, mult in (("one", target.files["one"], None), ("unique", uniq, 1),
                             ("repeated", rept, target.repeat)):
        secs, rss = [], []
        for _ in range(reps if name != "one" else max(3, reps)):
            s, m, nl, _, rc, err = run(tool.cmd(target.binary), path, outfile_of(target))
            if rc not in (0, 1):
                log("  WARNING %s on %s (%s) exited with %d: %s"
                    % (tool.title, target.title, name, rc, err[:300]))
            if mult is not None and want is not None and nl != want * mult:
                log("  WARNING %s on %s (%s): %d lines, expected %d (exit %d after %.2f s%s)"
                    % (tool.title, target.title, name, nl, want * mult, rc, s,
                       ": " + err[:300] if err else ""))
                bad = res.setdefault("short_runs", [])
                bad.append(name)
            secs.append(s)
            rss.append(m)
        res[name + "_s"] = statistics.median(secs)
        res[name + "_all"] = secs
        res[name + "_rss"] = max(rss)
    res["unique_rate"] = n / res["unique_s"]
    res["repeated_rate"] = n * target.repeat / res["repeated_s"]
    extra = res["repeated_s"] - res["unique_s"]
    # The repeats alone: what the (repeat - 1) further passes cost over the first.
    res["repeats_rate"] = n * (target.repeat - 1) / extra if extra > 0 else float("inf")
    log("  %-20s %-9s unique %8.0f/s (%.2f s)  repeated %9.0f/s (%.2f s)  peak %d MiB"
        % (tool.title, target.key, res["unique_rate"], res["unique_s"], res["repeated_rate"],
           res["repeated_s"], res["repeated_rss"] // 1024))
    return res


def libc_frames(tools, target):
    """What each tool says for one address inside each of LIBC_FRAMES."""
    syms = symbol_table(target.debug_file or target.binary)
    starts = set(instruction_starts(target.binary))
    picks = []
    for name in LIBC_FRAMES:
        if name not in syms:
            continue
        v, size = syms[name]
        # An instruction a little past the middle of the function: a plausible PC.
        a = v + size // 2
        while a < v + size and a not in starts:
            a += 1
        if a in starts:
            picks.append((name, a))
    out = {}
    d = os.path.join(os.path.dirname(target.files["unique"]), "frames")
    os.makedirs(d, exist_ok=True)
    for tool in tools:
        path = os.path.join(d, tool.key + ".txt")
        addrs = []
        for _, a in picks:
            addrs += [a, SENTINEL] if tool.style == "eu" else [a]
        write_list(path, addrs)
        _, _, _, text, rc, _ = run(tool.cmd(target.binary, readback=True), path,
                                   outfile_of(target), keep=True)
        ans = tool.parse(text, len(picks)) if rc in (0, 1) else None
        out[tool.key] = ans
    return picks, out


# ---------------------------------------------------------------- reporting

def rate(v):
    if v != v:
        return "n/a"
    if v == float("inf"):
        return "∞"
    if v >= 1e6:
        return "%.2f M" % (v / 1e6)
    if v >= 1e3:
        return "%.1f k" % (v / 1e3)
    return "%.0f" % v


def ratio(v):
    return "%.2f×" % v if v >= 0.1 else "%.3f×" % v


def mib(kib):
    if kib != kib:
        return "n/a"
    return "%.0f" % (kib / 1024.0) if kib >= 10 * 1024 else "%.1f" % (kib / 1024.0)


def tables(targets, tools, results, agree, frames, env):
    L = []
    L.append("Measured %s on %d CPUs (%s), Linux %s; load average %s before, %s after; "
             "%s." % (env["date"], env["nproc"], env["cpu"], env["kernel"], env["load0"],
                      env["load1"], "; ".join(t.version for t in tools)))
    L.append("")
    for t in targets:
        what = ("debug information from %s/.build-id/%s (libc6-dbg)"
                % (DEBUG_ROOT, os.path.relpath(t.debug_file, os.path.join(
                    DEBUG_ROOT, ".build-id"))[:2] + "/….debug") if t.debug_file else
            "debug information inside the file" if has_debug_info(t.binary) else
            "**no debug information found** (install libc6-dbg)")
        L.append("- *%s*: .text %.1f MiB (%d instructions inside functions), .debug_* "
                 "sections %.1f MiB as stored; %s; %d unique addresses, repeated list %d× "
                 "as long."
                 % (t.title, t.text_size / 2**20, t.n_insns, t.debug_size / 2**20, what,
                    len(t.addrs), t.repeat))
    eus = [results[(t.key, "eu")] for t in targets if (t.key, "eu") in results]
    if any(r["sample"] for r in eus):
        L.append("- eu-addr2line runs on the first %d addresses of each unique list "
                 "(and that sample repeated %d×), because it is slow; its rates are over "
                 "that sample." % (eus[0]["n_unique"], targets[0].repeat))
    L.append("- Median of %d timed runs per cell (eu-addr2line: %d; one address: at least 3); "
             "peak RSS is the largest of the runs." % (env["reps"], env["eu_reps"]))
    L.append("")
    L.append("### Addresses per second (whole run, start-up included)")
    L.append("")
    head = "| tool |"
    for t in targets:
        head += " %s, unique | %s, repeated | %s, repeats only |" % ((t.key,) * 3)
    L.append(head)
    L.append("| --- |" + " ---: |" * (3 * len(targets)))
    for tool in tools:
        row = "| %s |" % tool.title
        for t in targets:
            r = results.get((t.key, tool.key))
            if r:
                short = set(r.get("short_runs", ()))
                mark = lambda k: " †" if k in short else ""
                row += " %s%s | %s%s | %s%s |" % (
                    rate(r["unique_rate"]), mark("unique"), rate(r["repeated_rate"]),
                    mark("repeated"), rate(r["repeats_rate"]), mark("repeated"))
            else:
                row += " | | |"
        L.append(row)
    L.append("")
    L.append("*Repeats only*: the %d further passes over the list, (repeated − unique "
             "time) / (%d × addresses): the rate once everything has been seen once."
             % (targets[0].repeat - 1, targets[0].repeat - 1))
    if any(r.get("short_runs") for r in results.values()):
        L.append("† In some of these runs the tool printed fewer lines than its read-back "
                 "run predicts (see the script's warnings).")
    L.append("")
    L.append("### Time and memory")
    L.append("")
    head = "| tool |"
    for t in targets:
        head += " %s: 1 address, s | unique, s | repeated, s | peak RSS, MiB |" % t.key
    L.append(head)
    L.append("| --- |" + " ---: |" * (4 * len(targets)))
    for tool in tools:
        row = "| %s |" % tool.title
        for t in targets:
            r = results.get((t.key, tool.key))
            row += (" %.3f | %.3f | %.3f | %s / %s |" % (
                r["one_s"], r["unique_s"], r["repeated_s"], mib(r["unique_rss"]),
                mib(r["repeated_rss"])) if r else " | | | |")
        L.append(row)
    L.append("")
    L.append("Peak RSS: unique run / repeated run.")
    L.append("")
    L.append("### Ratios to addr2line -f -i")
    L.append("")
    head = "| tool |" + "".join(" %s, unique | %s, repeated |" % (t.key, t.key) for t in targets)
    L.append(head)
    L.append("| --- |" + " ---: |" * (2 * len(targets)))
    for tool in tools:
        row = "| %s |" % tool.title
        for t in targets:
            r, b = results.get((t.key, tool.key)), results.get((t.key, "binutils"))
            if r and b:
                row += " %s | %s |" % (ratio(r["unique_rate"] / b["unique_rate"]),
                                       ratio(r["repeated_rate"] / b["repeated_rate"]))
            else:
                row += " | |"
        L.append(row)
    L.append("")
    L.append("### Agreement with eu-addr2line (read-back run, eu-addr2line's sample)")
    L.append("")
    L.append("| binary | tool | function + file + line | function + base name + line "
             "| file + line | whole answers |")
    L.append("| --- | --- | ---: | ---: | ---: | ---: |")
    for t in targets:
        for tool in tools:
            a = agree.get((t.key, tool.key))
            if tool.key == "eu":
                continue
            L.append("| %s | %s | %s |" % (t.key, tool.title, " | ".join(
                "%.2f%%" % v for v in a) if a else "n/a | n/a | n/a | n/a"))
    L.append("")
    L.append("Per inline level, over the larger of the two answers' level counts; columns "
             "ignored.  *Base name*: the file compared by its last path component.  "
             "*Whole answers*: addresses whose every level is the same (function, file, line).")
    L.append("")
    checks = []
    for t in targets:
        r, b = results.get((t.key, "bbx")), results.get((t.key, "binutils"))
        if r and b:
            checks.append(("%s, unique: at least addr2line -f -i" % t.key,
                           "≥ %s/s" % rate(b["unique_rate"]), "%s/s" % rate(r["unique_rate"]),
                           r["unique_rate"] >= b["unique_rate"]))
    for t in targets:
        r = results.get((t.key, "bbx"))
        if r:
            checks.append(("%s, repeated: over 5 M/s" % t.key, "> 5 M/s",
                           "%s/s whole run, %s/s repeats only" % (rate(r["repeated_rate"]),
                                                                 rate(r["repeats_rate"])),
                           r["repeats_rate"] > TARGET_REPEAT_RATE))
    if frames:
        picks, ans = frames
        a = ans.get("bbx")
        ok = a is not None and all(x[0][0] != "??" and x[0][1] != "??" for x in a)
        if any(tl.key == "bbx" for tl in tools):
            checks.append(("libc frames named with file and line", "all %d" % len(picks),
                           "%d of %d" % (sum(1 for x in a if x[0][0] != "??" and x[0][1] != "??")
                                         if a else 0, len(picks)), ok))
    if checks:
        L.append("### Targets")
        L.append("")
        L.append("| target | wanted | measured | met |")
        L.append("| --- | --- | --- | --- |")
        for name, want, got, ok in checks:
            L.append("| %s | %s | %s | %s |" % (name, want, got, "yes" if ok else "**no**"))
        L.append("")
    if frames:
        picks, ans = frames
        L.append("### libc frames (innermost level; inlined levels omitted)")
        L.append("")
        L.append("| symbol | address |" + "".join(" %s |" % t.title for t in tools))
        L.append("| --- | --- |" + " --- |" * len(tools))
        for i, (name, a) in enumerate(picks):
            row = "| %s | 0x%x |" % (name, a)
            for tool in tools:
                x = ans.get(tool.key)
                if x is None:
                    row += " n/a |"
                else:
                    fn, f, line = x[i][0]
                    row += " %s %s:%s%s |" % (fn, f, line,
                                              " (+%d)" % (len(x[i]) - 1) if len(x[i]) > 1 else "")
            L.append(row)
        L.append("")
        L.append("(+N): N more levels (the inlined calls' callers).")
        L.append("")
    return "\n".join(L)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", default=os.path.join(REPO, "build-bench"),
                    help="CMake build directory (default: build-bench in the repository)")
    ap.add_argument("--no-build", action="store_true", help="use the existing build")
    ap.add_argument("--bbx", help="the bbx binary to run (default: BUILD/analyzer/bbx)")
    ap.add_argument("--work", help="generated program and address lists "
                    "(default: BUILD/symbench)")
    ap.add_argument("--units", type=int, default=300, help="units of the generated program")
    ap.add_argument("--funcs", type=int, default=24, help="exported functions per unit")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=100000, help="unique addresses per binary")
    ap.add_argument("--repeat", type=int, default=10, help="passes in the repeated list")
    ap.add_argument("--eu-count", type=int, default=10000,
                    help="addresses for eu-addr2line, which is slow (default 10000)")
    ap.add_argument("--reps", type=int, default=5, help="timed runs per cell")
    ap.add_argument("--eu-reps", type=int, default=3,
                    help="timed runs per cell for eu-addr2line (default 3)")
    ap.add_argument("--tools", help="comma-separated subset of bbx,eu,binutils,llvm")
    ap.add_argument("--targets", default="gen,libc", help="gen, libc or both (default)")
    ap.add_argument("--write-readme", action="store_true",
                    help="put the tables into bench/README.md")
    args = ap.parse_args()
    if args.count < 1 or args.repeat < 2 or min(args.reps, args.eu_reps, args.eu_count) < 1:
        die("--count, --eu-count and --reps must be positive, --repeat at least 2")

    check_tools(not args.no_build)
    bbx = args.bbx or os.path.join(args.build_dir, "analyzer", "bbx")
    if not args.no_build and not args.bbx:
        bbx = build(args.build_dir)
    work = args.work or os.path.join(args.build_dir, "symbench")
    busy = float(loadavg().split()[0]) if loadavg() != "?" else 0.0
    if busy > 0.5 * (os.cpu_count() or 1):
        log("warning: load average %.2f on %d CPUs: other work will show in the numbers"
            % (busy, os.cpu_count() or 1))

    targets = []
    want = set(args.targets.split(","))
    if "gen" in want:
        exe = gen_big_program.ensure(os.path.join(work, "bigprog"), args.units, args.funcs,
                                     args.seed, log=log)
        targets.append(Target("gen", "generated program (%d units × %d functions, gcc -O2 -g)"
                              % (args.units, args.funcs), exe, work, args.count, args.repeat,
                              args.eu_count, args.seed))
    if "libc" in want:
        if not os.path.exists(LIBC):
            die("no %s on this machine" % LIBC)
        t = Target("libc", "libc (%s)" % LIBC, LIBC, work, args.count, args.repeat,
                   args.eu_count, args.seed)
        if not t.debug_file:
            log("WARNING: no debug file for libc under %s/.build-id: install libc6-dbg "
                "(scripts/install-deps.sh --bench); libc is measured without it" % DEBUG_ROOT)
        targets.append(t)
    if not targets:
        die("--targets wants gen, libc or gen,libc")

    have_bbx = bbx_has_symbolize(bbx, targets[0].binary)
    if not have_bbx:
        log("note: %s has no working `symbolize` command yet: measuring the other tools only"
            % bbx)
    only = set(args.tools.split(",")) if args.tools else None
    tools = make_tools(bbx, have_bbx, only)

    env = machine()
    env.update(load0=loadavg(), reps=args.reps, eu_reps=args.eu_reps)
    results, agree, frames = {}, {}, None
    for t in targets:
        log("%s" % t.title)
        answers = {}
        for tool in tools:
            answers[tool.key] = readback(tool, t)
        ref = answers.get("eu")
        for tool in tools:
            if tool.key != "eu" and ref is not None and answers[tool.key] is not None:
                agree[(t.key, tool.key)] = agreement(ref, answers[tool.key][:len(ref)])
        for tool in tools:
            reps = args.eu_reps if tool.key == "eu" else args.reps
            results[(t.key, tool.key)] = measure(tool, t, reps, answers[tool.key])
        if t.key == "libc":
            frames = libc_frames(tools, t)
    env["load1"] = loadavg()

    text = tables(targets, tools, results, agree, frames, env)
    print(text)
    if args.write_readme:
        if not run_env.write_readme_section(BEGIN, END, text):
            die("bench/README.md has no symbolizer results markers")
        log("wrote the results into bench/README.md")


if __name__ == "__main__":
    main()
