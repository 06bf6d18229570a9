#!/usr/bin/env python3
"""test_locks.py - deadlock explanation end to end: lock_prog (and the C++
lock_prog_cxx) set up threads blocked on mutexes, condition variables and
semaphores, take a snapshot and print the truth (thread ids, mutex
addresses, who waits for whom); `bbx show --json` and `bbx show` must say
the same:
  deadlock  both threads record the mutex they wait for and its owner, the
            cycle is reported naming both threads and both mutexes
  chain     the waiter's mutex is held by the loader, "which is blocked in
            read() at loader (lock_prog.c:N)"; no deadlock
  pi        the same through a priority-inheritance mutex (FUTEX_LOCK_PI)
  nolock    condition variable (with a live tid as bait after it), semaphore,
            a mutex whose holder exited, a mutex its holder locked twice:
            no owner recorded, no deadlock
  cxx       std::mutex AB-BA, as deadlock
"""

import argparse
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "testlib"))
from check import check, die, finish  # noqa: E402


def run_prog(argv, top, mode):
    """Run one mode; returns (facts dict, snapshot path) or None."""
    d = os.path.join(top, mode)
    os.mkdir(d, 0o700)
    env = dict(os.environ, BBX_DIR=d)
    p = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=120)
    facts = {"thread": {}, "mutex": {}, "waits": [], "nolock": [], "readline": None}
    for line in p.stdout.splitlines():
        w = line.split()
        if w[0] == "thread":
            facts["thread"][w[1]] = int(w[2])
        elif w[0] == "mutex":
            facts["mutex"][w[1]] = int(w[2], 16)
        elif w[0] == "waits":
            facts["waits"].append((int(w[1]), int(w[2], 16), int(w[3])))
        elif w[0] == "nolock":
            facts["nolock"].append(int(w[1]))
        elif w[0] == "readline":
            facts["readline"] = int(w[1])
    if not check(p.returncode == 0 and "snapshot" in p.stdout.splitlines(),
                 "%s: lock_prog exited %d: %s %s" % (mode, p.returncode, p.stdout, p.stderr)):
        return None
    snaps = glob.glob(os.path.join(d, "*.bbx"))
    if not check(len(snaps) == 1, "%s: %d snapshots in %s" % (mode, len(snaps), d)):
        return None
    return facts, snaps[0]


def show(bbx, path, *opts):
    p = subprocess.run([bbx, "show", *opts, path], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=120)
    check(p.returncode == 0, "bbx show %s exited %d: %s" % (" ".join(opts), p.returncode,
                                                               p.stderr))
    return p.stdout


def by_tid(doc):
    return {t["tid"]: t for t in doc["threads"]}


def name_of(facts, tid):
    for n, t in facts["thread"].items():
        if t == tid:
            return n
    return None


def check_waits(mode, facts, doc, owner_state, kind="mutex"):
    """Each waiter records its mutex and owner; nobody else records one."""
    threads = by_tid(doc)
    waiters = {w[0] for w in facts["waits"]}
    for waiter, addr, owner in facts["waits"]:
        t = threads.get(waiter)
        if not check(t is not None, "%s: thread %d not in the snapshot" % (mode, waiter)):
            continue
        lk = t.get("lock")
        if not check(lk is not None, "%s: thread %d records no lock" % (mode, waiter)):
            continue
        check(int(lk["address"], 16) == addr,
              "%s: thread %d waits for %s, the program says 0x%x" % (mode, waiter,
                                                                  lk["address"], addr))
        check(lk["owner"] == owner, "%s: thread %d's mutex owner %s, the program says %d"
              % (mode, waiter, lk["owner"], owner))
        check(lk["kind"] == kind, "%s: lock kind %s, not %s" % (mode, lk["kind"], kind))
        check(lk["owner_name"] == name_of(facts, owner),
              "%s: owner name %s" % (mode, lk["owner_name"]))
        check(lk["owner_state"] == owner_state,
              "%s: owner state %s, not %s" % (mode, lk["owner_state"], owner_state))
    for tid, t in threads.items():
        if tid not in waiters:
            check(t.get("lock") is None, "%s: thread %d records a lock: %s"
                  % (mode, tid, t.get("lock")))


def deadlock_sentences(facts):
    """The two ways the cycle may be worded (it starts at either thread)."""
    w = facts["waits"]
    out = []
    for first in (0, 1):
        a, b = w[first], w[1 - first]
        out.append('deadlock: thread %d "%s" holds mutex 0x%x and waits for mutex 0x%x held by '
                   'thread %d "%s", which waits for mutex 0x%x held by thread %d'
                   % (a[0], name_of(facts, a[0]), b[1], a[1], b[0], name_of(facts, b[0]),
                      b[1], a[0]))
    return out


def test_deadlock(mode, argv, bbx, top):
    got = run_prog(argv, top, mode)
    if not got:
        return
    facts, path = got
    check(len(facts["waits"]) == 2, "%s: the program names %d waits" % (mode,
                                                                         len(facts["waits"])))
    doc = json.loads(show(bbx, path, "--json"))
    check_waits(mode, facts, doc, "mutex")
    dl = doc.get("deadlocks", [])
    if check(len(dl) == 1, "%s: %d deadlocks in the JSON" % (mode, len(dl))):
        got_edges = {(x["tid"], int(x["waits_for"], 16), x["held_by"]) for x in dl[0]["threads"]}
        check(got_edges == set(facts["waits"]),
              "%s: deadlock %s, the program says %s" % (mode, got_edges, facts["waits"]))
    text = show(bbx, path)
    sentences = deadlock_sentences(facts)
    check(any(s in text for s in sentences),
          "%s: no deadlock sentence like\n  %s\nin\n%s" % (mode, sentences[0], text))
    for waiter, addr, owner in facts["waits"]:
        other = [w for w in facts["waits"] if w[0] == owner][0]
        want = ('  lock: blocked on mutex 0x%x held by thread %d "%s", which is blocked on '
                'mutex 0x%x' % (addr, owner, name_of(facts, owner), other[1]))
        check(want in text, "%s: no line\n%s\nin the text" % (mode, want))


def test_chain(mode, argv, bbx, top, kind):
    got = run_prog(argv, top, mode)
    if not got:
        return
    facts, path = got
    doc = json.loads(show(bbx, path, "--json"))
    check_waits(mode, facts, doc, "blocked", kind)
    check(doc.get("deadlocks") == [], "%s: deadlocks %s" % (mode, doc.get("deadlocks")))
    waiter, addr, owner = facts["waits"][0]
    lk = by_tid(doc)[waiter].get("lock") or {}
    check(lk.get("owner_call") == "read", "%s: owner call %s" % (mode, lk.get("owner_call")))
    site = lk.get("owner_site") or [{}]
    check(site[-1].get("function") == "loader" and site[0].get("line") == facts["readline"]
          and (site[0].get("file") or "").endswith("lock_prog.c"),
          "%s: owner site %s, not loader at lock_prog.c:%s" % (mode, site, facts["readline"]))
    text = show(bbx, path)
    want = ('  lock: blocked on %smutex 0x%x held by thread %d "loader", which is blocked in '
            'read() at loader (lock_prog.c:%d)'
            % ("priority-inheritance " if kind == "pi_mutex" else "", addr, owner,
               facts["readline"]))
    check(want in text, "%s: no line\n%s\nin\n%s" % (mode, want, text))
    check(not re.search(r"^deadlock:", text, re.M), "%s: a deadlock in the text" % mode)


def test_nolock(mode, argv, bbx, top):
    got = run_prog(argv, top, mode)
    if not got:
        return
    facts, path = got
    check(len(facts["nolock"]) == 4, "%s: the program names %d waiters"
          % (mode, len(facts["nolock"])))
    doc = json.loads(show(bbx, path, "--json"))
    threads = by_tid(doc)
    for tid in facts["nolock"]:
        t = threads.get(tid)
        if check(t is not None, "%s: thread %d not in the snapshot" % (mode, tid)):
            check(t.get("syscall") == 202, "%s: thread %d not seen in futex (syscall %s)"
                  % (mode, tid, t.get("syscall")))
            check(t.get("lock") is None, "%s: thread %d (%s) records a lock: %s"
                  % (mode, tid, name_of(facts, tid), t.get("lock")))
    check(doc.get("deadlocks") == [], "%s: deadlocks %s" % (mode, doc.get("deadlocks")))
    text = show(bbx, path)
    check("  lock: " not in text and not re.search(r"^deadlock:", text, re.M),
          "%s: the text names a lock owner:\n%s" % (mode, text))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prog", required=True)
    ap.add_argument("--prog-cxx", required=True)
    ap.add_argument("--bbx", required=True)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bbx-locks-") as top:
        os.chmod(top, 0o700)
        test_deadlock("deadlock", [a.prog, "deadlock"], a.bbx, top)
        test_chain("chain", [a.prog, "chain"], a.bbx, top, "mutex")
        test_chain("pi", [a.prog, "pi"], a.bbx, top, "pi_mutex")
        test_nolock("nolock", [a.prog, "nolock"], a.bbx, top)
        test_deadlock("cxx", [a.prog_cxx], a.bbx, top)
    finish("deadlock, chain, pi, nolock and std::mutex: as the programs say")


if __name__ == "__main__":
    main()
