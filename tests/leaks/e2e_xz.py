#!/usr/bin/env python3
"""End-to-end: libbbx-preload.so in a Debian-packaged program: xz compressing
with two threads.

Usage: e2e_xz.py --bbx BBX --preload LIBBBX_PRELOAD --xz XZ
                 [--asan --sanitizer-runtimes LIB[:LIB]]

`xz -T2 -1 -c FIFO` reads a named pipe that this script feeds, under the
preload with BBX_TRACK=fd,thread and periodic snapshots.  The script feeds
part of the data, then waits (bounded, generously) for a snapshot that shows
xz's worker threads and the FIFO's fd with their creation stacks, then feeds
the rest.  The snapshots must be readable by `bbx show --json`, and xz's
output must be byte for byte the output of the same run without the preload
(and decompress to the input).
"""

import lzma
import os
import random
import subprocess
import threading
import time

import leaktest as lt

p = lt.arg_parser("xz under the preload")
p.add_argument("--xz", required=True)
args = p.parse_args()
preload = lt.preload_value(args)
CHUNK = 1 << 20
WAIT_S = 180  # for the snapshot showing the worker threads: a bound, not a timing claim


def make_input():
    """12 MiB of half-compressible text: four blocks of xz -1 (3 MiB each)."""
    rng = random.Random(4)
    words = [bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9)))
             for _ in range(5000)]
    out = bytearray()
    while len(out) < 12 * CHUNK:
        out += b" ".join(rng.choice(words) for _ in range(12)) + b"\n"
    return bytes(out[:12 * CHUNK])


def compress(data, fifo, out_path, env, wait_for=None):
    """Runs xz on fifo fed with data; with wait_for, the feeding pauses after
    7 MiB until wait_for() is true (or WAIT_S passed).  Returns xz's exit code."""
    with open(out_path, "wb") as out:
        proc = subprocess.Popen([args.xz, "-T2", "-1", "-c", fifo], stdout=out,
                                stderr=subprocess.PIPE, env=env)

        def feed():
            with open(fifo, "wb") as f:
                f.write(data[:7 * CHUNK])
                f.flush()
                if wait_for:
                    end = time.monotonic() + WAIT_S
                    while not wait_for() and time.monotonic() < end and proc.poll() is None:
                        time.sleep(0.2)
                f.write(data[7 * CHUNK:])

        feeder = threading.Thread(target=feed)
        feeder.start()
        feeder.join()
        _, err = proc.communicate(timeout=600)
    if proc.returncode != 0:
        lt.fail("xz exited %d: %s" % (proc.returncode, err.decode(errors="replace")))
    return proc.returncode


class SnapshotWatch:
    """Looks at each new snapshot once; true when one showed at least two
    threads and an fd with creation stacks."""

    def __init__(self, snap_dir):
        self.snap_dir, self.seen, self.found = snap_dir, set(), None

    def __call__(self):
        if self.found:
            return True
        for path in lt.snapshots(self.snap_dir):
            if path in self.seen:
                continue
            self.seen.add(path)
            report = lt.bbx_show(args.bbx, path)
            if report is None:
                continue
            threads = lt.with_origin(report.get("threads"))
            fds = lt.with_origin(report.get("fds"))
            if len(threads) >= 2 and fds:
                self.found = (path, len(threads), len(fds))
                return True
        return False


with lt.Scratch("xz") as scratch:
    data = make_input()
    fifo = os.path.join(scratch.path, "input.fifo")
    os.mkfifo(fifo)
    plain_out = os.path.join(scratch.path, "plain.xz")
    compress(data, fifo, plain_out, {k: v for k, v in os.environ.items()
                                     if k != "LD_PRELOAD" and not k.startswith("BBX_")})
    snap_dir = scratch.sub("snaps")
    watch = SnapshotWatch(snap_dir)
    traced_out = os.path.join(scratch.path, "traced.xz")
    env = lt.collector_env(snap_dir, preload, track="fd,thread", interval_ms=200)
    compress(data, fifo, traced_out, env, wait_for=watch)
    snaps = lt.snapshots(snap_dir)
    lt.note("%d snapshots; one with threads and fds with origins: %s" % (len(snaps), watch.found))
    if not snaps:
        lt.fail("no snapshot written under the preload")
    if not watch.found:
        lt.fail("no snapshot showed two threads and an fd with creation stacks")
    for path in lt.sample(snaps, 3):
        lt.bbx_show(args.bbx, path)
    with open(plain_out, "rb") as a, open(traced_out, "rb") as b:
        plain, traced = a.read(), b.read()
    if plain != traced:
        lt.fail("xz's output under the preload differs from without it (%d vs %d bytes)"
                % (len(traced), len(plain)))
    elif lzma.decompress(traced) != data:
        lt.fail("xz's output does not decompress to the input")
    else:
        lt.note("output identical with and without the preload (%d bytes)" % len(traced))
lt.finish()
