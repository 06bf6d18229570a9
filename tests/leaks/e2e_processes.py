#!/usr/bin/env python3
"""End-to-end: snapshots of two processes in one directory, a launcher and
the leaking program it starts, both under LD_PRELOAD with periodic snapshots.
`bbx leaks`, `bbx flame` and `bbx report` treat each process on its own.

Usage: e2e_processes.py --bbx BBX --launcher LAUNCHER --leaker LEAKER_PLAIN
       --preload LIBBBX_PRELOAD [--asan --sanitizer-runtimes LIB[:LIB]]

The oracle for which process is which is what the launcher prints itself
("launcher PID", "child PID"), never bbx's output.

  leaks --json:  exit 1; processes[] holds both pids; every leak carries the
                 child's pid (the launcher leaks nothing), and the child's
                 two leaks (client_connect's socket, schedule_retry's thread)
                 are there;
  leaks (text):  exit 1, a report headed by each pid, the suspects in the
                 child's;
  leaks --pid:   the launcher's pid alone: exit 0, no suspects, no
                 processes[]; the child's: exit 1, its two leaks;
  flame:         a root frame "pid N program" for each process, and the
                 child's leak stack (client_connect) only under the child's;
  diff:          the JSON of both processes, and of the child alone, read
                 back against the directory: the two leaks unchanged;
  report:        the page is about the child (it has the suspects) and lists
                 the launcher in its processes section.
"""

import json
import re
import subprocess

import leaktest as lt

p = lt.arg_parser("bbx leaks/flame/report on a launcher and its leaking child")
p.add_argument("--launcher", required=True)
p.add_argument("--leaker", required=True)
args = p.parse_args()
preload = lt.preload_value(args)
LEAK_ARGS = ["--duration-ms", "3000", "--tick-ms", "20", "--retry-every", "5"]


def pids_of(stdout):
    """{"launcher": PID, "child": PID} from the launcher's own lines."""
    found = {}
    for line in stdout.splitlines():
        m = re.fullmatch(r"(launcher|child) (\d+)", line.strip())
        if m:
            found[m.group(1)] = int(m.group(2))
    return found


def bbx(*argv):
    return subprocess.run([args.bbx, *map(str, argv)], capture_output=True, text=True,
                          timeout=600)


def check_leaks(snap_dir, launcher, child, manifest):
    rc, doc = lt.bbx_leaks(args.bbx, [snap_dir])
    if doc is None:
        return
    if rc != 1:
        lt.fail("bbx leaks exited %d on a leaking child, expected 1" % rc)
    procs = sorted(p.get("pid") for p in doc.get("processes", []))
    if procs != sorted([launcher, child]):
        lt.fail("processes[] has pids %r, the launcher says %r" % (procs, [launcher, child]))
    for leak in doc["leaks"]:
        lt.note("  suspect of pid %s: %s" % (leak.get("pid"), lt.describe_leak(leak)))
        if leak.get("pid") != child:
            lt.fail("a leak attributed to pid %s, not to the child %d: %s"
                    % (leak.get("pid"), child, lt.describe_leak(leak)))
    for kind, (fn, _file, _line) in manifest.items():
        if not [l for l in doc["leaks"] if l.get("resource") == kind and lt.origin_has(l, fn)]:
            lt.fail("the child's %s leak (%s) is not reported" % (kind, fn))
    text = bbx("leaks", snap_dir)
    heads = re.findall(r"^bbx leaks: .* \(pid (\d+)\), \d+ snapshots? over", text.stdout, re.M)
    if text.returncode != 1 or sorted(map(int, heads)) != sorted([launcher, child]):
        lt.fail("bbx leaks (text) exited %d with reports headed by pids %r: %s"
                % (text.returncode, heads, text.stdout[:400]))
    else:
        child_part = text.stdout[text.stdout.index("(pid %d)," % child):]
        child_part = child_part.split("\nbbx leaks: ")[0]
        if "client_connect" not in child_part or "schedule_retry" not in child_part:
            lt.fail("the text report of the child does not name its leaks")


def check_diff(scratch, snap_dir, child):
    """bbx diff reads the JSON of several processes, and of one."""
    d = scratch.sub("json")
    for name, extra in (("all.json", []), ("child.json", ["--pid", str(child)])):
        r = bbx("leaks", "--json", *extra, snap_dir)
        lt.write_file(d + "/" + name, r.stdout)
        # the fd and the thread leak; under ASan the anon memory of its
        # allocator (redzones, quarantine) may grow too: memory verdicts are
        # the release run's
        memory = sum(g["resource"] == "memory" for g in json.loads(r.stdout)["leaks"])
        want = "0 new, 0 grown, %d unchanged" % (2 + (memory if args.asan else 0))
        r = bbx("diff", d + "/" + name, snap_dir)
        if r.returncode != 0 or want not in r.stdout:
            lt.fail("bbx diff %s DIR: exit %d: %s" % (name, r.returncode,
                                                      (r.stdout + r.stderr)[-400:]))


def check_pid(snap_dir, launcher, child):
    r = bbx("leaks", "--json", "--pid", launcher, snap_dir)
    rc_l = r.returncode
    if rc_l != 0 or '"processes"' in r.stdout or '"pid": %d' % launcher not in r.stdout:
        lt.fail("bbx leaks --pid %d (the launcher) exited %d: %s"
                % (launcher, rc_l, (r.stdout + r.stderr)[:400]))
    rc, doc = lt.bbx_leaks(args.bbx, [snap_dir], ["--pid", str(child)])
    if doc is not None and (rc != 1 or doc.get("pid") != child or len(doc["leaks"]) < 2):
        lt.fail("bbx leaks --pid %d (the child): exit %d, pid %s, %d leaks"
                % (child, rc, doc.get("pid"), len(doc["leaks"])))


def flame_roots(snap_dir, what):
    """{pid: [folded lines]} of `bbx flame --what WHAT`, by root frame."""
    r = bbx("flame", "--what", what, "--format", "folded", snap_dir)
    roots = {}
    if r.returncode != 0:
        lt.fail("bbx flame --what %s exited %d: %s" % (what, r.returncode, r.stderr))
        return roots
    for line in r.stdout.splitlines():
        frames = line.rsplit(" ", 1)[0].split(";")
        m = re.fullmatch(r"pid (\d+) .*", frames[1]) if len(frames) > 1 else None
        if not m:
            lt.fail("bbx flame --what %s: a stack without a process root: %r"
                    % (what, line[:200]))
            continue
        roots.setdefault(int(m.group(1)), []).append(line)
    return roots


def check_flame(snap_dir, launcher, child):
    roots = flame_roots(snap_dir, "stacks")
    if sorted(roots) != sorted([launcher, child]):
        lt.fail("bbx flame: process roots %r, the launcher says %r"
                % (sorted(roots), [launcher, child]))
    roots = flame_roots(snap_dir, "fd-origins")
    if not any("client_connect" in l for l in roots.get(child, [])) or \
            any("client_connect" in l for l in roots.get(launcher, [])):
        lt.fail("bbx flame --what fd-origins: client_connect's sockets are not under the "
                "child's root alone: %r" % {k: len(v) for k, v in roots.items()})


def check_report(scratch, snap_dir, launcher, child):
    out = scratch.sub("page") + "/r.html"
    r = bbx("report", "-o", out, snap_dir)
    if r.returncode != 0:
        lt.fail("bbx report exited %d: %s" % (r.returncode, r.stderr))
        return
    page = open(out, encoding="utf-8").read()
    title = re.search(r"<title>bbx report: [^<]* \(pid (\d+)\)</title>", page)
    if not title or int(title.group(1)) != child:
        lt.fail("bbx report: the page is about %r, expected the child %d"
                % (title and title.group(0), child))
    for pid in (launcher, child):
        if 'id="process-%d"' % pid not in page:
            lt.fail("bbx report: pid %d is not in the processes section" % pid)
    if "client_connect" not in page:
        lt.fail("bbx report: the child's leak (client_connect) is not on the page")


def main():
    with lt.Scratch("processes") as scratch:
        snap_dir = scratch.sub("snaps")
        env = lt.collector_env(snap_dir, preload, track="fd,thread", interval_ms=150)
        r = lt.run([args.launcher, args.leaker, *LEAK_ARGS], env=env)
        pids = pids_of(r.stdout)
        manifest = lt.manifest_leaks(r.stdout)
        snaps = lt.snapshots(snap_dir)
        lt.note("launcher %s, child %s, %d snapshots" % (pids.get("launcher"),
                pids.get("child"), len(snaps)))
        if set(pids) != {"launcher", "child"} or set(manifest) != {"fd", "thread"}:
            lt.fail("the launcher or the leaker did not say who they are: %r" % r.stdout[:400])
            return
        launcher, child = pids["launcher"], pids["child"]
        for pid in (launcher, child):
            if len([s for s in snaps if "-%d-" % pid in s]) < 3:
                lt.fail("fewer than 3 snapshots of pid %d in %s" % (pid, snap_dir))
                return
        check_leaks(snap_dir, launcher, child, manifest)
        check_pid(snap_dir, launcher, child)
        check_diff(scratch, snap_dir, child)
        check_flame(snap_dir, launcher, child)
        check_report(scratch, snap_dir, launcher, child)


main()
lt.finish()
