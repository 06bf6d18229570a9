#!/usr/bin/env python3
"""End-to-end: identical stacks folded, in `bbx show` and `bbx report`.

Usage: report_fold.py --bbx BBX --crasher CRASHER

`crasher parked-300` parks 300 threads in the same place (its manifest names
each, "parked-tid TID") and crashes on its main thread ("crash-tid TID").
The oracle is that manifest, not bbx's output:

  bbx show:                 the first thread entry is the crashing thread,
                            alone; one folded entry, "300 threads with this
                            stack", lists exactly the 300 parked tids; no
                            parked tid stands anywhere else;
  bbx show --all-threads:   one entry per thread, the crashing one first,
                            none folded, every parked tid there;
  bbx report (and with --all-threads): the same on the page: the trigger
                            section and the first thread <details> are the
                            crashing thread's; one folded <details> whose
                            anchors (id="thread-TID") are the 300 parked tids.
"""

import os
import re
from html.parser import HTMLParser

import reporttest as rt
from reporttest import lt

p = lt.arg_parser("folded identical stacks")
p.add_argument("--crasher", required=True)
args = p.parse_args()
N = 300


def read_manifest(stdout):
    parked = [int(m) for m in re.findall(r"^parked-tid ([0-9]+)$", stdout, re.M)]
    crash = re.findall(r"^crash-tid ([0-9]+)$", stdout, re.M)
    if len(parked) != N or len(set(parked)) != N or len(crash) != 1:
        lt.fail("crasher manifest: %d parked tids, %d crash tids" % (len(parked), len(crash)))
        lt.finish()
    return set(parked), int(crash[0])


def text_entries(out):
    """The thread list of `bbx show`: [(count, [tids], first line)]."""
    entries = []
    lines = out.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^--- thread ([0-9]+) ", line)
        if m:
            entries.append((1, [int(m.group(1))], line))
            continue
        m = re.match(r"^--- ([0-9]+) threads with this stack", line)
        if m:
            tids_line = lines[i + 1] if i + 1 < len(lines) else ""
            listed = re.sub(r" \(all named .*\)$", "", tids_line)
            if not listed.startswith("  tids "):
                lt.fail("folded entry without its tids line: %r" % tids_line[:100])
            tids = [int(t) for t in re.findall(r"(?:tids |, )([0-9]+)", listed)]
            entries.append((int(m.group(1)), tids, line))
    return entries


def check_text(entries, parked, crash, all_threads):
    what = "bbx show%s" % (" --all-threads" if all_threads else "")
    if not entries:
        lt.fail("%s: no thread entries" % what)
        return
    count, tids, line = entries[0]
    if count != 1 or tids != [crash] or "(crashed)" not in line:
        lt.fail("%s: the first entry is not the crashing thread %d alone: %r"
                % (what, crash, line[:120]))
    folded = [e for e in entries if e[0] > 1]
    for c, t, _ in entries:
        if c != len(t):
            lt.fail("%s: an entry counts %d threads and lists %d" % (what, c, len(t)))
    if all_threads:
        if folded:
            lt.fail("%s: %d folded entries" % (what, len(folded)))
        shown = [t[0] for c, t, _ in entries if c == 1]
        if not parked <= set(shown) or len(shown) != len(set(shown)):
            lt.fail("%s: %d of the %d parked threads shown on their own"
                    % (what, len(parked & set(shown)), N))
        return
    if len(folded) != 1 or folded[0][0] != N or set(folded[0][1]) != parked:
        lt.fail("%s: folded entries %s, want one of the %d parked tids"
                % (what, [(c, len(t)) for c, t, _ in folded], N))
    alone = {t[0] for c, t, _ in entries if c == 1}
    if alone & parked:
        lt.fail("%s: parked threads on their own: %s" % (what, sorted(alone & parked)[:5]))


class ThreadList(HTMLParser):
    """The page's thread entries: the trigger section's title, and each
    <details class="thread"> as (its id, the ids of its span.tid anchors,
    its summary text)."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.entries = []
        self.trigger = ""
        self.where = None
        self.depth = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section" and a.get("id") == "trigger-thread":
            self.where = "trigger"
        elif tag == "details" and a.get("class") == "thread":
            self.entries.append([a.get("id"), [], ""])
            self.where = "details"
        elif tag == "summary" and self.where == "details":
            self.where = "summary"
        elif tag == "span" and a.get("class") == "tid" and self.where == "details":
            self.entries[-1][1].append(a.get("id"))

    def handle_endtag(self, tag):
        if tag == "section" and self.where == "trigger":
            self.where = None
        elif tag == "summary" and self.where == "summary":
            self.where = "details"
        elif tag == "details" and self.where == "details":
            self.where = None

    def handle_data(self, data):
        if self.where == "trigger":
            self.trigger += data
        elif self.where == "summary":
            self.entries[-1][2] += data


def tid_of(anchor):
    return int(anchor[len("thread-"):]) if anchor and anchor.startswith("thread-") else None


def check_page(page_path, parked, crash, all_threads):
    what = "bbx report%s" % (" --all-threads" if all_threads else "")
    with open(page_path, encoding="utf-8") as f:
        tl = ThreadList(f.read())
    if "thread %d " % crash not in tl.trigger or "(crashed)" not in tl.trigger:
        lt.fail("%s: the trigger section is not the crashing thread %d" % (what, crash))
    if not tl.entries:
        lt.fail("%s: no thread <details>" % what)
        return
    first = tl.entries[0]
    if tid_of(first[0]) != crash or first[1]:
        lt.fail("%s: the first thread entry is not the crashing thread alone: %r"
                % (what, first[2][:120]))
    singles = [tid_of(e[0]) for e in tl.entries if e[0]]
    folded = [e for e in tl.entries if not e[0]]
    if all_threads:
        if folded or not parked <= set(singles):
            lt.fail("%s: %d folded entries, %d of %d parked threads on their own"
                    % (what, len(folded), len(parked & set(singles)), N))
        return
    if len(folded) != 1:
        lt.fail("%s: %d folded entries, want 1" % (what, len(folded)))
        return
    anchors = {tid_of(a) for a in folded[0][1]}
    if len(folded[0][1]) != N or anchors != parked:
        lt.fail("%s: the folded entry anchors %d tids (%d of the parked)"
                % (what, len(folded[0][1]), len(anchors & parked)))
    if not folded[0][2].startswith("%d threads with this stack" % N):
        lt.fail("%s: folded entry titled %r" % (what, folded[0][2][:80]))
    if set(singles) & parked:
        lt.fail("%s: parked threads on their own too" % what)


with lt.Scratch("report-fold") as scratch:
    snap_dir = scratch.sub("snaps")
    env = lt.collector_env(snap_dir)
    env["ASAN_OPTIONS"] = "handle_segv=0:handle_abort=0:detect_leaks=0"
    r = lt.run([args.crasher, "parked-300"], env=env, check=False)
    snaps = lt.snapshots(snap_dir)
    if r.returncode >= 0 or len(snaps) != 1:
        lt.fail("crasher parked-300: status %d, %d snapshots: %s"
                % (r.returncode, len(snaps), r.stderr.strip()[-300:]))
        lt.finish()
    parked, crash = read_manifest(r.stdout)
    for all_threads in (False, True):
        extra = ["--all-threads"] if all_threads else []
        show = lt.run([args.bbx, "show", "--no-symbols", *extra, snaps[0]])
        entries = text_entries(show.stdout)
        lt.note("bbx show%s: %d entries" % (" --all-threads" if all_threads else "",
                                            len(entries)))
        check_text(entries, parked, crash, all_threads)
        page = os.path.join(scratch.path, "fold%s.html" % ("-all" if all_threads else ""))
        r = rt.bbx_report(args.bbx, [snaps[0]], page, ["--no-symbols", *extra])
        if r.returncode != 0:
            lt.fail("bbx report exited %d: %s" % (r.returncode, r.stderr.strip()))
            continue
        check_page(page, parked, crash, all_threads)
lt.finish()
