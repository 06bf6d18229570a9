#!/usr/bin/env python3
"""Launch tracking end to end (BBX_TRACK=exec): samples/launcher starts
helpers that fail the ways GUI programs' helpers do, and prints before each
mode the truth its snapshot must tell ("launch MODE FUNCTION launcher.c
LINE PROGRAM": the function and line of the launching call).  Each mode
runs alone, in its own BBX_DIR and its own process group, and its snapshot
is read twice, with `bbx show` and `bbx show --json`:

- missing: the forked child's execvp() of a program no PATH directory has:
  one not_found story naming the PATH this test gave the sample
  ("/usr/bin:/bin"), the manifest's function and launcher.c:LINE; the
  launch: in_child, ENOENT, exit code 127, the token argument redacted.
- nodisplay: DISPLAY=:99 for the sample, which removes it for the
  thumbnailer: one exit_status story, count 3, "exited with status 1, 3
  times"; the thumbnailer really said 3 times that it has no display.
- signal: one signaled story, SIGSEGV, the converter's pid.
- pipe: one blocked_pipe story: its "pipe:[N]" and fd agree with the JSON
  story, with the fd table (that fd reads that pipe) and with the child
  (its stdout is that pipe, the kernel has it waiting to write), and it
  names popen() in export_png (launcher.c:LINE); under BBX_TRACK=fd,exec
  the fd's own origin says "created by popen() in export_png".
- orphan: BBX_AT_EXIT=1; the exit snapshot has one left_running story
  naming the indexer (its pid, still alive when the test looks) and
  start_indexer (launcher.c:LINE).
- all --crash: the SIGSEGV snapshot tells the four stories of a crash
  (not_found, exit_status, signaled, blocked_pipe), each at its manifest
  site, and no left_running (that one is for exits).
- negative control: `launcher missing` without BBX_TRACK: no launches, no
  stories, no "launches:" section (the stories are not invented).

In every snapshot read, the text's "launches: N stories" section holds
exactly the JSON launch_stories' texts, in order, and "launched programs:
N" counts the JSON launches.  Helpers left running (the indexer sleeps
20 s, the exporter is blocked on its pipe) are killed by pid from the
snapshots' children and launches; the test fails if a process of the
runs' groups outlives that (one no snapshot named), then kills the
groups, at the end and on any exception.

The sample is linked with libbbx, so no preload: --asan (a sanitizer
build) gives the slower programs more time and sets handle_segv=0 (the
crash must end the sample by SIGSEGV, as it does without ASan);
--sanitizer-runtimes is accepted for the shared command line and not
needed.

Exits 0, or 1 with the reasons on stdout.
"""

import os
import re
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "leaks"))
import leaktest as lt  # noqa: E402
from leaktest import check, fail  # noqa: E402

SAMPLE_PATH = "/usr/bin:/bin"  # the PATH the sample runs with, which its stories must name
SOURCE = "launcher.c"
NON_EXIT_KINDS = ("not_found", "exit_status", "signaled", "blocked_pipe")

GROUPS = []  # process groups of the sample runs, killed at the end
SLOW = 1  # time limits' factor (3 under the sanitizers)
ASAN = False  # a sanitizer build: ASan must leave the SIGSEGV to bbx and the kernel


class Man:
    """One manifest line: launch MODE FUNCTION FILE LINE PROGRAM."""

    def __init__(self, words):
        self.mode, self.function, self.file, self.line, self.program = (
            words[1], words[2], words[3], int(words[4]), words[5])

    def site(self):
        return "%s (%s:%d)" % (self.function, self.file, self.line)


class Run:
    pass


def manifest(stdout):
    found = {}
    for line in stdout.splitlines():
        w = line.split()
        if len(w) == 6 and w[0] == "launch" and w[4].isdigit():
            found[w[1]] = Man(w)
    return found


def run_sample(args, scratch, name, argv, track="exec", env_extra=None, at_exit=False):
    """The sample with argv in its own BBX_DIR and process group; its output
    goes to files (a helper left running would hold a pipe open)."""
    r = Run()
    r.name = name
    r.dir = scratch.sub(name)
    bbx = {}
    if track:
        bbx["track"] = track
    if at_exit:
        bbx["at_exit"] = 1
    env = lt.collector_env(r.dir, **bbx)
    for k in ("DISPLAY", "WAYLAND_DISPLAY"):
        env.pop(k, None)
    env["PATH"] = SAMPLE_PATH
    if ASAN:
        env["ASAN_OPTIONS"] = "handle_segv=0:" + env.get("ASAN_OPTIONS", "")
    env.update(env_extra or {})
    out, err = scratch.file(name + ".out"), scratch.file(name + ".err")
    with open(out, "w") as fo, open(err, "w") as fe:
        p = subprocess.Popen([args.launcher] + argv, env=env, cwd=r.dir,
                             stdin=subprocess.DEVNULL, stdout=fo, stderr=fe,
                             start_new_session=True)
    GROUPS.append(p.pid)
    r.pgid = p.pid
    try:
        r.rc = p.wait(timeout=60 * SLOW)
    except subprocess.TimeoutExpired:
        fail("%s: launcher %s still running after %d s" % (name, " ".join(argv), 60 * SLOW))
        os.killpg(p.pid, signal.SIGKILL)
        r.rc = p.wait()
    with open(out) as f:
        r.stdout = f.read()
    with open(err) as f:
        r.stderr = f.read()
    r.manifest = manifest(r.stdout)
    r.snaps = []
    for path in lt.snapshots(r.dir):
        doc = lt.bbx_show(args.bbx, path)
        t = subprocess.run([args.bbx, "show", path], capture_output=True, text=True,
                           timeout=120 * SLOW)
        check(t.returncode == 0, "%s: bbx show %s exited %d: %s"
              % (name, path, t.returncode, t.stderr.strip()))
        if doc is not None:
            r.snaps.append((path, doc, t.stdout))
    return r


def snapshot(r, what, pred):
    """The (path, doc, text) of r's only snapshot matching pred, or None."""
    found = [s for s in r.snaps if pred(s[1].get("trigger") or {})]
    check(len(found) == 1, "%s: %d %s snapshots (of %d: %r)"
          % (r.name, len(found), what, len(r.snaps),
             [(s[1].get("trigger") or {}).get("reason") for s in r.snaps]))
    return found[0] if len(found) == 1 else None


def requested(r, mode):
    return snapshot(r, "'launches: %s'" % mode,
                    lambda t: t.get("kind") == "request" and t.get("reason") == "launches: " + mode)


def text_section(text, header_re):
    """The lines of the section whose header matches, header included."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if re.match(header_re, line):
            out = [line]
            for more in lines[i + 1:]:
                if not more.strip():
                    break
                out.append(more)
            return out
    return None


def text_stories(text):
    """(N of "launches: N stories", [story text, ...]) from `bbx show`: a
    story is a "  ! " line, its further lines joined with "; " as the JSON
    text joins them; None when there is no such section."""
    sec = text_section(text, r"^launches: \d+ stor(y|ies)$")
    if sec is None:
        return None
    n = int(sec[0].split()[1])
    stories = []
    for line in sec[1:]:
        if line.startswith("  ! "):
            stories.append(line[4:])
        elif line.startswith("      ") and stories:
            stories[-1] += "; " + line.strip()
        else:
            fail("launches section: unexpected line %r" % line)
    return n, stories


def agree(label, doc, text):
    """The text's stories are the JSON's, in order; the counts agree."""
    js = doc.get("launch_stories")
    launches = doc.get("launches")
    if not check(isinstance(js, list) and isinstance(launches, list),
                 "%s: JSON launches/launch_stories missing: %r %r" % (label, launches, js)):
        return
    ts = text_stories(text)
    if not js:
        check(ts is None, "%s: text has a launches section, JSON no stories: %r" % (label, ts))
    elif check(ts is not None, "%s: no 'launches: N stories' section in the text" % label):
        n, stories = ts
        check(n == len(js) == len(stories), "%s: text says %d stories, lists %d, JSON has %d"
              % (label, n, len(stories), len(js)))
        for t, j in zip(stories, js):
            check(t == j.get("text"), "%s: text story %r, JSON %r" % (label, t, j.get("text")))
    sec = text_section(text, r"^launched programs: \d+")
    if launches:
        if check(sec is not None, "%s: no 'launched programs:' section" % label):
            check(int(sec[0].split()[2]) == len(launches) == len(sec) - 1,
                  "%s: %r, JSON has %d launches" % (label, sec[0], len(launches)))
    else:
        check(sec is None, "%s: 'launched programs:' with no JSON launches" % label)


def stories_of(doc, kind):
    return [s for s in doc.get("launch_stories") or [] if s.get("kind") == kind]


def only_story(label, doc, kind):
    """The snapshot's one story, which must be of kind; None otherwise."""
    js = doc.get("launch_stories") or []
    if not check([s.get("kind") for s in js] == [kind], "%s: stories %r, want one %s"
                 % (label, [(s.get("kind"), s.get("text")) for s in js], kind)):
        return stories_of(doc, kind)[0] if stories_of(doc, kind) else None
    return js[0]


def launch_by_seq(doc, seq):
    for l in doc.get("launches") or []:
        if seq is not None and l.get("seq") == seq:
            return l
    return None


def check_site(label, site, man):
    site = site or {}
    check(site.get("function") == man.function and site.get("line") == man.line and
          os.path.basename(site.get("file") or "") == man.file,
          "%s: site %s %s:%s, the manifest says %s" % (label, site.get("function"),
                                                       site.get("file"), site.get("line"),
                                                       man.site()))


def check_text_has(label, text, *parts):
    for p in parts:
        check(p in (text or ""), "%s: %r not in %r" % (label, p, text))


def mode_man(r, mode, program):
    m = r.manifest.get(mode)
    check(m is not None and m.program == program and m.file == SOURCE,
          "%s: no manifest line for %s (stdout %r)" % (r.name, mode, r.stdout))
    return m


def the_run_went(r, want_rc=0):
    check(r.rc == want_rc, "%s: launcher exited %s, want %s (stderr %r)"
          % (r.name, r.rc, want_rc, r.stderr[-500:]))


# ---- the modes -------------------------------------------------------------

def story_missing(label, doc, st, man):
    check_site(label + " not_found", st.get("site"), man)
    check(st.get("count") == 1 and st.get("call") == "execvp",
          "%s: not_found count %r call %r" % (label, st.get("count"), st.get("call")))
    text = st.get("text") or ""
    m = re.search(r"not found in PATH=([^;]*)(;|$)", text)
    check(m is not None and m.group(1) == SAMPLE_PATH,
          "%s: the story names PATH=%r, the sample had %r: %r"
          % (label, m and m.group(1), SAMPLE_PATH, text))
    check_text_has(label, text, "launched %s from %s with execvp() in a forked child"
                   % (man.program, man.site()))
    l = launch_by_seq(doc, st.get("launch_seq"))
    if check(l is not None, "%s: no launch #%r" % (label, st.get("launch_seq"))):
        check(l.get("call") == "execvp" and l.get("file") == man.program and
              l.get("in_child") is True and l.get("failed") is True and
              l.get("errno_name") == "ENOENT" and l.get("path_searched") == SAMPLE_PATH and
              l.get("ended") is True and l.get("exit_code") == 127,
              "%s: the launch: %r" % (label, {k: v for k, v in l.items() if k != "frames"}))
        check_site(label + " launch", l.get("site"), man)


def case_missing(args, scratch):
    r = run_sample(args, scratch, "missing", ["missing"])
    the_run_went(r)
    man = mode_man(r, "missing", "bbx-demo-browser")
    s = requested(r, "missing")
    if not s or not man:
        return
    _, doc, text = s
    agree("missing", doc, text)
    st = only_story("missing", doc, "not_found")
    if st:
        story_missing("missing", doc, st, man)
    prog = text_section(text, r"^launched programs: ") or []
    check(any("execvp() bbx-demo-browser" in x and "from " + man.site() in x and
              "exec failed in the child: ENOENT" in x and
              "not found in PATH=%s;" % SAMPLE_PATH in x for x in prog),
          "missing: 'launched programs:' has no failed execvp line: %r" % prog)
    check("demo-123" not in text and "demo-123" not in repr(doc.get("launches")),
          "missing: the --session-token argument is not redacted")


def story_nodisplay(label, doc, st, man):
    check_site(label + " exit_status", st.get("site"), man)
    check(st.get("count") == 3 and st.get("call") == "posix_spawn",
          "%s: exit_status count %r call %r, want 3 posix_spawn"
          % (label, st.get("count"), st.get("call")))
    check_text_has(label, st.get("text"), "helper %s exited with status 1, 3 times" % man.program,
                   "(launched by posix_spawn() in %s)" % man.site())


def case_nodisplay(args, scratch):
    r = run_sample(args, scratch, "nodisplay", ["nodisplay"], env_extra={"DISPLAY": ":99"})
    the_run_went(r)
    check(r.stderr.count("thumbnailer: cannot open display") == 3,
          "nodisplay: the thumbnailer did not fail 3 times for want of DISPLAY: %r" % r.stderr)
    man = mode_man(r, "nodisplay", "thumbnailer")
    s = requested(r, "nodisplay")
    if not s or not man:
        return
    _, doc, text = s
    agree("nodisplay", doc, text)
    st = only_story("nodisplay", doc, "exit_status")
    if st:
        story_nodisplay("nodisplay", doc, st, man)
    ls = doc.get("launches") or []
    check(len(ls) == 3 and all(l.get("call") == "posix_spawn" and l.get("ended") is True and
                               l.get("exit_code") == 1 and not l.get("failed") and
                               (l.get("site") or {}).get("line") == man.line for l in ls),
          "nodisplay: launches %r" % [{k: v for k, v in l.items() if k != "frames"} for l in ls])


def story_signal(label, doc, st, man):
    check_site(label + " signaled", st.get("site"), man)
    l = launch_by_seq(doc, st.get("launch_seq"))
    if not check(l is not None, "%s: no launch #%r" % (label, st.get("launch_seq"))):
        return
    check(st.get("count") == 1 and l.get("call") == "posix_spawnp" and l.get("ended") is True and
          l.get("signal_name") == "SIGSEGV" and l.get("exit_code") is None,
          "%s: the launch %r" % (label, {k: v for k, v in l.items() if k != "frames"}))
    check_text_has(label, st.get("text"),
                   "helper %s (pid %s) was killed by SIGSEGV" % (man.program, l.get("pid")),
                   "(launched by posix_spawnp() in %s)" % man.site())


def case_signal(args, scratch):
    r = run_sample(args, scratch, "signal", ["signal"])
    the_run_went(r)
    man = mode_man(r, "signal", "converter")
    s = requested(r, "signal")
    if not s or not man:
        return
    _, doc, text = s
    agree("signal", doc, text)
    st = only_story("signal", doc, "signaled")
    if st:
        story_signal("signal", doc, st, man)


def story_pipe(label, doc, st, man, fd_tracked):
    check_site(label + " blocked_pipe", st.get("site"), man)
    text = st.get("text") or ""
    m = re.search(r"is blocked writing to (pipe:\[\d+\]) \(its stdout\), which this program "
                  r"holds open at fd (\d+) and does not read", text)
    if not check(m is not None, "%s: no blocked writer in %r" % (label, text)):
        return
    pipe, fd = m.group(1), int(m.group(2))
    check(pipe == st.get("pipe") and fd == st.get("fd"),
          "%s: text says %s at fd %d, JSON %r at fd %r" % (label, pipe, fd, st.get("pipe"),
                                                         st.get("fd")))
    ours = [f for f in doc.get("fds") or [] if f.get("fd") == fd]
    check(len(ours) == 1 and ours[0].get("target") == pipe and ours[0].get("kind") == "pipe",
          "%s: fd %d of the fd table is %r, not %s" % (label, fd, ours, pipe))
    kids = [c for c in doc.get("children") or [] if c.get("pid") == st.get("child_pid")]
    if check(len(kids) == 1, "%s: child_pid %r is no child of the snapshot"
             % (label, st.get("child_pid"))):
        c = kids[0]
        check(c.get("stdout") == pipe and c.get("stdin") == "/dev/null" and
              "pipe_w" in (c.get("wchan") or "") and not c.get("zombie") and
              (c.get("cmdline") or [])[1:] == ["--helper", man.program],
              "%s: the blocked child %r" % (label, c))
        check_text_has(label, text, "helper %s (pid %d)" % (
            os.path.basename((c.get("cmdline") or ["?"])[0]), c.get("pid")))
    l = launch_by_seq(doc, st.get("launch_seq"))
    check(l is not None and l.get("call") == "popen" and l.get("fd") == fd and
          l.get("ended") is False and "--helper " + man.program in " ".join(l.get("args") or []),
          "%s: the popen launch %r" % (label, l and {k: v for k, v in l.items() if k != "frames"}))
    if fd_tracked:
        check_text_has(label, text, "(created by popen() in %s" % man.site())
        o = (ours[0].get("origin") or {}) if len(ours) == 1 else {}
        check(o.get("call") == "popen" and (o.get("frames") or [{}])[0].get("function")
              == man.function, "%s: fd %d's origin %r" % (label, fd, o.get("call")))
    else:
        check_text_has(label, text, "(opened by popen() in %s)" % man.site())


def case_pipe(args, scratch, track):
    name = "pipe-" + track.replace(",", "-")
    r = run_sample(args, scratch, name, ["pipe"], track=track)
    the_run_went(r)
    man = mode_man(r, "pipe", "exporter")
    s = requested(r, "pipe")
    if s and man:
        _, doc, text = s
        agree(name, doc, text)
        st = only_story(name, doc, "blocked_pipe")
        if st:
            story_pipe(name, doc, st, man, "fd" in track.split(","))
        kill_helpers(r, doc)


def case_orphan(args, scratch):
    r = run_sample(args, scratch, "orphan", ["orphan"], at_exit=True)
    the_run_went(r)
    man = mode_man(r, "orphan", "indexer")
    req = requested(r, "orphan")
    if req:
        agree("orphan request", req[1], req[2])
        check(req[1].get("launch_stories") == [], "orphan: a story before the exit: %r"
              % req[1].get("launch_stories"))
    s = snapshot(r, "exit", lambda t: t.get("kind") == "exit")
    if not s or not man:
        return
    _, doc, text = s
    agree("orphan exit", doc, text)
    st = only_story("orphan exit", doc, "left_running")
    kids = [c for c in doc.get("children") or [] if not c.get("zombie")]
    check(len(kids) == 1 and (kids[0].get("cmdline") or [""])[0] == "indexer",
          "orphan: children at exit %r, want the indexer" % kids)
    if st and kids:
        pid = kids[0].get("pid")
        check(st.get("count") == 1 and st.get("child_pid") == pid,
              "orphan: left_running count %r child %r, indexer %r"
              % (st.get("count"), st.get("child_pid"), pid))
        check_text_has("orphan", st.get("text"), "1 child left running at exit",
                       "indexer (pid %d), launched by posix_spawn() in %s" % (pid, man.site()))
        ls = [l for l in doc.get("launches") or [] if l.get("pid") == pid]
        if check(len(ls) == 1, "orphan: no launch of pid %r" % pid):
            check(ls[0].get("call") == "posix_spawn" and ls[0].get("ended") is False,
                  "orphan: the indexer's launch %r" % ls[0].get("call"))
            check_site("orphan launch", ls[0].get("site"), man)
        check(cmdline(pid)[:1] == ["indexer"], "orphan: the indexer (pid %d) is not running "
              "after the program's exit: %r" % (pid, cmdline(pid)))
    kill_helpers(r, doc)


def case_crash(args, scratch):
    r = run_sample(args, scratch, "crash", ["all", "--crash"])
    the_run_went(r, -signal.SIGSEGV)
    s = snapshot(r, "crash", lambda t: t.get("kind") == "crash")
    if not s:
        return
    _, doc, text = s
    trig = doc.get("trigger") or {}
    check(trig.get("signal_name") == "SIGSEGV", "crash: trigger %r" % trig)
    agree("crash", doc, text)
    kinds = sorted(x.get("kind") for x in doc.get("launch_stories") or [])
    check(kinds == sorted(NON_EXIT_KINDS), "crash: stories %r, want one each of %r"
          % (kinds, NON_EXIT_KINDS))
    m = r.manifest
    check(sorted(m) == ["missing", "nodisplay", "orphan", "pipe", "signal"],
          "crash: manifest %r" % r.stdout)
    tell = {"not_found": ("missing", story_missing),
            "exit_status": ("nodisplay", story_nodisplay),
            "signaled": ("signal", story_signal),
            "blocked_pipe": ("pipe", lambda lb, d, st, mn: story_pipe(lb, d, st, mn, False))}
    for kind, (mode, fn) in tell.items():
        got = stories_of(doc, kind)
        if got and mode in m:
            fn("crash " + kind, doc, got[0], m[mode])
    # the program's children then were the exporter and the indexer, and
    # nothing of bbx's (its crash writer is a clone of the program)
    kids = sorted(" ".join(c.get("cmdline") or []).split(" --helper ")[-1]
                  for c in doc.get("children") or [])
    check(kids == ["exporter", "indexer"], "crash: children %r, want the exporter and the "
          "indexer" % kids)
    for snap in r.snaps:
        kill_helpers(r, snap[1])


def case_untracked(args, scratch):
    """The negative control: no BBX_TRACK, no launches, no stories."""
    r = run_sample(args, scratch, "untracked", ["missing"], track=None)
    the_run_went(r)
    s = requested(r, "missing")
    if not s:
        return
    _, doc, text = s
    check(doc.get("launches") == [] and doc.get("launch_stories") == [],
          "untracked: launches %r, stories %r" % (doc.get("launches"), doc.get("launch_stories")))
    check(text_section(text, r"^launches:") is None and
          text_section(text, r"^launched programs:") is None,
          "untracked: the text tells launches: %r"
          % [x for x in text.splitlines() if x.startswith("launch")])


# ---- what is left running --------------------------------------------------

def cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return [a.decode(errors="replace") for a in f.read().split(b"\0")[:-1]]
    except OSError:
        return []


def stat_of(pid):
    """(state, process group) of pid, or None."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            rest = f.read().rsplit(")", 1)[1].split()
        return rest[0], int(rest[2])
    except (OSError, IndexError, ValueError):
        return None


def kill_helpers(r, doc):
    """Kills the helpers the snapshot names (children, launches) that are
    still running in r's process group."""
    pids = {c.get("pid") for c in doc.get("children") or []}
    pids |= {l.get("pid") for l in doc.get("launches") or []}
    for pid in pids:
        if not isinstance(pid, int) or pid <= 1:
            continue
        st = stat_of(pid)
        if st and st[0] != "Z" and st[1] == r.pgid and "--helper" in cmdline(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def left_in_groups():
    """The processes of the runs' groups that have not ended."""
    left = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = stat_of(int(name))
            if st and st[0] != "Z" and st[1] in GROUPS:
                left.append((int(name), cmdline(int(name))))
    return left


def wait_groups_empty(seconds):
    deadline = time.time() + seconds
    while left_in_groups() and time.time() < deadline:
        time.sleep(0.1)
    return left_in_groups()


def kill_groups():
    for g in GROUPS:
        try:
            os.killpg(g, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    return wait_groups_empty(10)


def main():
    global SLOW, ASAN
    p = lt.arg_parser(__doc__)
    p.add_argument("--launcher", required=True, help="samples/launcher")
    args = p.parse_args()
    args.launcher, args.bbx = os.path.abspath(args.launcher), os.path.abspath(args.bbx)
    if args.asan:
        SLOW, ASAN = 3, True
    try:
        with lt.Scratch("launches") as scratch:
            case_missing(args, scratch)
            case_nodisplay(args, scratch)
            case_signal(args, scratch)
            case_pipe(args, scratch, "exec")
            case_pipe(args, scratch, "fd,exec")
            case_orphan(args, scratch)
            case_crash(args, scratch)
            case_untracked(args, scratch)
            # every helper left running was a child some snapshot named (and
            # so killed above by its pid); what is left is a process bbx did
            # not see, killed with its group all the same
            left = wait_groups_empty(5 * SLOW)
            check(not left, "processes of the runs still running that no snapshot named "
                  "as a child: %r" % left)
            left = kill_groups()
            check(not left, "processes of the runs still running after SIGKILL: %r" % left)
    finally:
        kill_groups()
    lt.finish("e2e_launches: missing, nodisplay, signal, pipe (exec; fd,exec), orphan, "
              "all --crash and the untracked control agree with the manifest")


if __name__ == "__main__":
    main()
