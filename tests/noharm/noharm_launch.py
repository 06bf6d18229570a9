#!/usr/bin/env python3
"""Behaviour unchanged under launch tracking: launch_calls (the exec family
in forked and vforked children, posix_spawn and posix_spawnp, system,
popen and pclose, and wait, waitpid, wait3, wait4 and waitid, successes
and failures, with and without a SIGCHLD handler) is run without bbx and
under libbbx-preload.so with BBX_TRACK=fd,thread,exec and
BBX_INTERVAL_MS=10.

Passes when the bbx run prints the same lines as the run without (return
values, errno, decoded statuses, siginfo, rusage filled or not) and exits
the same way, and when bbx was active: the bbx run wrote periodic
snapshots of the program, every snapshot in its directory readable by
`bbx show --json` and complete; and, once `bbx show --help` speaks of
launches, at least one snapshot has a non-empty "launches" list.  Exits
0, or 1 with the reasons on stdout.
"""

import concurrent.futures
import os
import subprocess
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "leaks"))
import leaktest as lt  # noqa: E402  (the e2e helpers: environment, scratch, failures)
sys.path.insert(0, HERE)
from noharm_common import compare, plain_env, show  # noqa: E402

MIN_SNAPSHOTS = 10   # a 2.5 s run at 10 ms writes a hundred or more
SHOW_LIMIT = 1500    # snapshots checked with bbx show, spread over the run

# What the run without bbx must say, whatever the machine: else the
# program, not bbx, is broken.
BASELINE = [
    "execvp missing-program: exec rv=-1 errno=ENOENT;",
    "execve /bin/sh-exit-3: exec succeeded; waitpid: rv=child errno=0 WIFEXITED=1 "
    "WEXITSTATUS=3 ",
    "posix_spawn missing-path: rv=ENOENT ",
    "system exit-5: errno=0 WIFEXITED=1 WEXITSTATUS=5 ",
    "popen read-then-exit-4: popen stream errno=0 read=\"hi\"; pclose errno=0 WIFEXITED=1 "
    "WEXITSTATUS=4 ",
    "popen bad-mode: popen NULL errno=EINVAL",
    "child killed by SIGKILL: waitpid: rv=child errno=0 WIFEXITED=0 WIFSIGNALED=1 "
    "WTERMSIG=SIGKILL",
    "waitpid WNOHANG child-running: rv=0 errno=0 status=untouched",
    "waitid P_ALL WEXITED|WNOHANG child-running: rv=0 errno=0 si_signo=0 si_code=0 si_pid=0",
    "wait4 blocking: rv=child errno=0 WIFEXITED=1 WEXITSTATUS=27 WIFSIGNALED=0 rusage=filled",
    "last: wait no-children: rv=-1 errno=ECHILD status=untouched",
]


def sane_baseline(plain):
    if plain.returncode != 0:
        lt.fail("launch_calls without bbx exited %d" % plain.returncode)
    out = plain.stdout
    for want in BASELINE:
        if want not in out:
            lt.fail("without bbx, no line has %r" % want)
    for line in out.splitlines():
        if "EINTR" in line or "rv=other" in line:
            lt.fail("without bbx: %s" % line)
    if not out.rstrip().endswith("exit 0"):
        lt.fail("without bbx: the output does not end with \"exit 0\"")


def check_snapshots(bbx, snap_dir, pid, track):
    snaps = lt.snapshots(snap_dir)
    mine = [s for s in snaps if "-%d-" % pid in os.path.basename(s)]
    lt.note("%d snapshots written, %d of the program's pid %d (the rest: its children)"
            % (len(snaps), len(mine), pid))
    if len(mine) < MIN_SNAPSHOTS:
        lt.fail("only %d periodic snapshots of the program (want at least %d)"
                % (len(mine), MIN_SNAPSHOTS))
    want_launches = "exec" in track.split(",")
    own_read = with_launches = own_with_launches = 0
    mine_set = set(mine)
    others = [s for s in snaps if s not in mine_set]
    checked = lt.sample(mine, SHOW_LIMIT // 2) + lt.sample(others, SHOW_LIMIT // 2)
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for path, err, doc in pool.map(lambda s: show(bbx, s), checked):
            name = os.path.basename(path)
            if err:
                lt.fail("%s: %s" % (name, err))
                continue
            if not doc.get("complete") or doc.get("incomplete_reason"):
                lt.fail("%s: incomplete: %s" % (name, doc.get("incomplete_reason")))
            ours = (doc.get("process") or {}).get("pid") == pid
            own_read += ours
            launches = doc.get("launches")
            if isinstance(launches, list) and launches:
                with_launches += 1
                own_with_launches += ours
    lt.note("%d snapshots read with bbx show, %d of them the program's; %d with launches "
            "(%d the program's)" % (len(checked), own_read, with_launches, own_with_launches))
    if own_read == 0:
        lt.fail("no snapshot read back is of the program (process.pid %d)" % pid)
    # bbx really tracked the launches it was asked to: a bbx that only
    # passed the calls through would pass the comparison.
    if want_launches and own_with_launches == 0:
        lt.fail("no snapshot of the program has a non-empty \"launches\" list "
                "(BBX_TRACK=%s)" % track)


def main():
    ap = lt.arg_parser(__doc__.splitlines()[0])
    ap.add_argument("--prog", required=True, help="launch_calls")
    ap.add_argument("--track", default="fd,thread,exec",
                    help="BBX_TRACK of the bbx run (default: fd,thread,exec)")
    args = ap.parse_args()
    if not args.preload:
        ap.error("--preload is required")
    cmd = [args.prog]

    plain = subprocess.run(cmd, env=plain_env(), capture_output=True, text=True, timeout=300)
    lt.note("without bbx: exit %d, %d lines" % (plain.returncode, len(plain.stdout.splitlines())))
    sane_baseline(plain)
    with lt.Scratch("noharm-launch") as tmp:
        snap_dir = tmp.sub("snaps")
        env = lt.collector_env(snap_dir, lt.preload_value(args), interval_ms=10,
                               track=args.track)
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        out, err = proc.communicate(timeout=300)
        bbx = subprocess.CompletedProcess(cmd, proc.returncode, out, err)
        lt.note("with bbx (BBX_TRACK=%s): exit %d, %d lines" % (args.track, bbx.returncode,
                                                                len(out.splitlines())))
        if "collector not started" in err:
            lt.fail("the collector did not start: %s" % err.strip()[-800:])
        elif err.strip():
            lt.note("with bbx stderr: %s" % err.strip()[-1500:])
        compare(plain, bbx)
        check_snapshots(args.bbx, snap_dir, proc.pid, args.track)
    lt.finish()


if __name__ == "__main__":
    main()
