"""What a bench/run_*.py script records about its run, and how it runs and
writes: the machine, the commit, the load average, a timed child process
with its peak RSS, and a results section of bench/README.md between two
markers.  Python 3 standard library only; imported, never run.
"""

import datetime
import os
import platform
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
README = os.path.join(HERE, "README.md")


def machine():
    """CPU model, CPU count, kernel and UTC date of this run."""
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": model, "kernel": platform.release(),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def git_rev():
    """The short hash of the repository's HEAD, or '?'."""
    r = subprocess.run(["git", "-C", REPO, "log", "-1", "--format=%h"],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return r.stdout.strip() or "?"


def loadavg():
    """The 1, 5 and 15 minute load averages as one string, or '?'."""
    try:
        with open("/proc/loadavg") as fh:
            return " ".join(fh.read().split()[:3])
    except OSError:
        return "?"


GNU_TIME = "/usr/bin/time"


def timed(cmd, stdout=None, env=None):
    """Run cmd (a list; stdout to a file object or discarded).  Returns
    (seconds, peak RSS in MiB of the command and its waited-for
    descendants, exit code, stderr text, user + system CPU seconds).

    The peak RSS comes from GNU time when it is installed: a child forked
    from this Python process starts with a copy of the interpreter's pages,
    and the kernel keeps that high-water mark across exec, so wait4() on it
    would report the interpreter's size as the floor (14 MiB or more).  GNU
    time forks the command from its own small image.  Without it, wait4()
    figures are returned as they are."""
    rss_file = None
    full = cmd
    if os.access(GNU_TIME, os.X_OK):
        fd, rss_file = tempfile.mkstemp(prefix="bbx-rss-")
        os.close(fd)
        full = [GNU_TIME, "-f", "%M %U %S", "-o", rss_file, "--"] + list(cmd)
    start = time.perf_counter()
    proc = subprocess.Popen(full, stdout=stdout or subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=env)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    rss = usage.ru_maxrss / 1024.0
    cpu = usage.ru_utime + usage.ru_stime
    if rss_file:
        try:
            with open(rss_file) as fh:
                fields = fh.read().split()[-3:]
            rss = int(fields[0]) / 1024.0
            cpu = float(fields[1]) + float(fields[2])
        except (OSError, ValueError, IndexError):
            pass
        os.unlink(rss_file)
    return elapsed, rss, proc.returncode, err.decode(errors="replace"), cpu


def release_build(build_dir, targets, who):
    """Configures build_dir as a Release build without tests and samples and
    builds `targets`; on failure prints cmake's output and exits 2 with
    "WHO: build failed"."""
    cfg = ["cmake", "-S", REPO, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release",
           "-DBBX_BUILD_TESTS=OFF", "-DBBX_BUILD_SAMPLES=OFF"]
    bld = ["cmake", "--build", build_dir, "-j", str(os.cpu_count() or 2), "--target"] + targets
    for cmd in (cfg, bld):
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            sys.stderr.write(r.stdout)
            print("%s: build failed: %s" % (who, " ".join(cmd[:2])), file=sys.stderr)
            sys.exit(2)


def write_readme_section(begin, end, text):
    """Replace what bench/README.md holds between the markers begin and end.
    Returns False when a marker is missing."""
    with open(README) as fh:
        doc = fh.read()
    if begin not in doc or end not in doc:
        return False
    a = doc.index(begin) + len(begin)
    b = doc.index(end)
    with open(README, "w") as fh:
        fh.write(doc[:a] + "\n" + text + "\n" + doc[b:])
    return True
