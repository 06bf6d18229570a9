#!/usr/bin/env python3
"""The error paths of every bbx command: unknown option, missing option
argument, missing operand, bad number, malformed address, missing -e,
missing / unreadable / non-snapshot input, a directory with no snapshots,
an output that cannot be written or would overwrite an input.  Each case
checks the exact line on stderr, the exit code (2), that nothing is on
stdout, and that no output file is left behind.  Every command of
`bbx help` must have at least one case of each kind that applies."""

import os
import pwd
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from optlib import Scratch, check, checked, finish, run, run_prog, snaps, args  # noqa: E402

A = args()
S = Scratch("errors")
os.chmod(S.path, 0o755)  # the unprivileged user of the unreadable cases looks in
d = S.dir("crash")
r = run_prog(A.prog, "snap", d)
SNAP = snaps(d)[0]
os.chmod(d, 0o755)
os.chmod(SNAP, 0o644)
EMPTY = S.dir("empty")
os.chmod(EMPTY, 0o755)
NOTSNAP = S.file("notsnap.bbx")
with open(NOTSNAP, "w") as f:
    f.write("not a snapshot\n")
os.chmod(NOTSNAP, 0o644)
UNREAD = S.file("unread.bbx")
shutil.copy2(SNAP, UNREAD)
os.chmod(UNREAD, 0)
BADSUPP = S.file("bad.supp")
with open(BADSUPP, "w") as f:
    f.write("# one bad rule\nbogus:rule\n")
os.chmod(BADSUPP, 0o644)
MISSING = S.file("missing.bbx")
OUT = S.file("out")          # an output that must not appear
PUB = S.dir("pub")
os.chmod(PUB, 0o1777)
PUBOUT = os.path.join(PUB, "out")  # the same, where the unprivileged user may write
NODIR = S.file("nodir/out")  # an output whose directory does not exist
STORE = S.file("store.db")   # a crash store holding SNAP
if run([A.bbx, "ingest", "--db", STORE, SNAP]).rc != 0:
    sys.exit("fixture: bbx ingest --db %s %s failed" % (STORE, SNAP))
MISSING_STORE = S.file("missing.db")
PROG = A.prog

# Reading as a user who may not: as root, through setpriv to nobody.
AS_USER = []
if os.geteuid() == 0:
    AS_USER = ["setpriv", "--reuid=%d" % pwd.getpwnam("nobody").pw_uid,
               "--regid=65534", "--clear-groups"]


def see(cmd):
    return "(see 'bbx %s --help')" % cmd


UNKNOWN, NEEDS, OPERAND, NUMBER, INPUT, EMPTYDIR, OUTPUT = (
    "unknown option", "missing option argument", "missing operand", "bad number",
    "bad input", "directory without snapshots", "output")

# (kind, argv, exact stderr, unprivileged)
CASES = []


def case(kind, argv, err, user=False):
    CASES.append((kind, argv, err, user))


for c in ("show", "leaks", "diff", "flame", "report", "symbolize", "scrub"):
    case(UNKNOWN, [c, "--bogus"], "bbx %s: unknown option '--bogus' %s" % (c, see(c)))
case(UNKNOWN, ["leaks", "--tolerance", "5", SNAP], "bbx leaks: unknown option '--tolerance' "
     + see("leaks"))
case(UNKNOWN, ["bogus"], "bbx: 'bogus' is not a bbx command (see 'bbx help')")
case(UNKNOWN, ["help", "bogus"], "bbx: 'bogus' is not a bbx command (see 'bbx help')")

# missing option arguments
case(NEEDS, ["show", "--debug-dir"], "bbx show: --debug-dir needs a directory " + see("show"))
case(NEEDS, ["leaks", "--pid"], "bbx leaks: --pid needs a process id " + see("leaks"))
case(NEEDS, ["report", "--pid"], "bbx report: --pid needs a process id " + see("report"))
case(NEEDS, ["diff", "--suppress"], "bbx diff: --suppress needs a file name " + see("diff"))
case(NEEDS, ["flame", "-o"], "bbx flame: -o needs a file name " + see("flame"))
case(NEEDS, ["flame", "--what"],
     "bbx flame: --what needs stacks, fd-origins, thread-origins, heap or heap-alloc " +
     see("flame"))
case(NEEDS, ["report", "--output="], "bbx report: --output needs a file name " + see("report"))
case(NEEDS, ["report", "--db"], "bbx report: --db needs a file name " + see("report"))
case(OPERAND, ["report", "--db", STORE], "bbx report: no output given: -o OUT.html (or -o - for "
     "standard output)")
case(NEEDS, ["leaks", "--json=yes", SNAP], "bbx leaks: --json takes no value " + see("leaks"))
case(NEEDS, ["flame", "--no-demangle=1", SNAP],
     "bbx flame: --no-demangle takes no value " + see("flame"))
case(NEEDS, ["flame", "--diff", "--format", "svg", SNAP],
     "bbx flame: --diff needs BASE snapshots (files or directories)")
case(NEEDS, ["symbolize", "-e"], "bbx symbolize: -e needs a file name " + see("symbolize"))
case(NEEDS, ["symbolize", "--debug-dir"],
     "bbx symbolize: --debug-dir needs a directory " + see("symbolize"))
case(NEEDS, ["scrub", "--redact"], "bbx scrub: --redact needs a list " + see("scrub"))
case(NEEDS, ["scrub", "-o"], "bbx scrub: -o needs a file name " + see("scrub"))
for c in ("show", "leaks", "diff", "flame", "report", "symbolize"):
    case(NEEDS, [c, "--debuginfod-timeout"], "bbx %s: --debuginfod-timeout needs seconds %s"
         % (c, see(c)))

# missing operands
case(OPERAND, ["show"], "bbx show: no FILE given (usage: bbx show [--json] FILE)")
case(OPERAND, ["show", SNAP, SNAP], "bbx show: one FILE only (two with --context) " + see("show"))
case(OPERAND, ["show", "--context", SNAP, SNAP, SNAP],
     "bbx show: one or two FILEs with --context " + see("show"))
case(OPERAND, ["leaks"], "bbx leaks: no FILE or DIR given (usage: bbx leaks [--json] FILE...|DIR)")
case(OPERAND, ["diff", SNAP], "bbx diff: BASE and CURRENT needed (usage: bbx diff [options] "
     "BASE CURRENT)")
case(OPERAND, ["flame"], "bbx flame: no FILE or DIR given (usage: bbx flame [options] "
     "FILE...|DIR)")
case(OPERAND, ["report", "-o", OUT], "bbx report: no FILE or DIR given (usage: bbx report "
     "-o OUT.html FILE...|DIR, or bbx report --db PATH -o OUT.html)")
case(OPERAND, ["report", "--db", STORE, "-o", OUT, SNAP], "bbx report: --db writes the page "
     "of a crash store: it takes no FILE or DIR, --pid, --all-threads or leak rules")
case(OPERAND, ["report", "--db", STORE, "--pid", "3", "-o", OUT], "bbx report: --db writes the "
     "page of a crash store: it takes no FILE or DIR, --pid, --all-threads or leak rules")
case(OPERAND, ["report", "--top", "3", "-o", OUT, SNAP], "bbx report: --top counts the groups "
     "of a crash store: give --db PATH")
case(OPERAND, ["report", SNAP], "bbx report: no output given: -o OUT.html (or -o - for "
     "standard output)")
case(OPERAND, ["symbolize", "0x10"], "bbx symbolize: no binary given (usage: bbx symbolize "
     "-e BINARY [ADDR...])")
case(OPERAND, ["scrub", SNAP], "bbx scrub: usage: bbx scrub [--redact LIST] IN -o OUT")
case(OPERAND, ["scrub", "-o", OUT], "bbx scrub: usage: bbx scrub [--redact LIST] IN -o OUT")

# bad values
for w in ("abc", "99", "100001"):
    case(NUMBER, ["flame", "--width", w, SNAP],
         "bbx flame: --width: '%s' is not a number of pixels from 100 to 100000 %s"
         % (w, see("flame")))
case(NUMBER, ["leaks", "--pid", "x", SNAP], "bbx leaks: --pid: 'x' is not a process id "
     + see("leaks"))
case(NUMBER, ["leaks", "--pid=0", SNAP], "bbx leaks: --pid: '0' is not a process id "
     + see("leaks"))
case(NUMBER, ["report", "--db", STORE, "--top", "0", "-o", OUT],
     "bbx report: --top: '0' is not a number " + see("report"))
case(NUMBER, ["report", "--pid", "-3", "-o", OUT, SNAP],
     "bbx report: --pid: '-3' is not a process id " + see("report"))
for t in ("-1", "abc", "1000001"):
    case(NUMBER, ["diff", "--tolerance", t, SNAP, SNAP],
         "bbx diff: --tolerance: '%s' is not a percentage from 0 to 1000000 %s" % (t, see("diff")))
for c in ("show", "leaks", "diff", "flame", "report", "symbolize"):
    for v in ("x", "-1", "86401"):
        case(NUMBER, [c, "--debuginfod-timeout", v, SNAP],
             "bbx %s: --debuginfod-timeout: '%s' is not whole seconds from 0 to 86400 %s"
             % (c, v, see(c)))
case(NUMBER, ["flame", "--what", "bogus", SNAP],
     "bbx flame: --what: 'bogus' is not stacks, fd-origins, thread-origins, heap or "
     "heap-alloc " + see("flame"))
case(NUMBER, ["flame", "--format=bogus", SNAP],
     "bbx flame: --format: 'bogus' is not folded, svg, speedscope or pprof " + see("flame"))
case(NUMBER, ["flame", "--group", "bogus", SNAP],
     "bbx flame: --group: 'bogus' is not thread or snapshot " + see("flame"))
case(NUMBER, ["flame", "--format", "pprof", "-o", OUT, SNAP, "--diff", SNAP],
     "bbx flame: --diff works with --format folded or svg")
case(NUMBER, ["scrub", "--redact", "bogus", SNAP, "-o", OUT],
     "bbx scrub: --redact: 'bogus' is not a list of parts such as paths,peers " + see("scrub"))
case(NUMBER, ["diff", "--suppress", BADSUPP, SNAP, SNAP],
     "bbx diff: %s:2: unknown field 'bogus' (expected resource, kind, name, function, top, "
     "file, module or leak)" % BADSUPP)
for addr in ("0x12zz", "12zz", "0x", "-0x12", "0x1 0x2", "0x10000000000000000", "zz"):
    case(NUMBER, ["symbolize", "-e", PROG, "--", addr],
         "bbx symbolize: '%s' is not a hexadecimal address" % addr)
case(NUMBER, ["symbolize", "-e", PROG], "bbx symbolize: '0x12zz' is not a hexadecimal address")

# inputs: missing, not a snapshot, not a regular file, unreadable
for c, pre in (("show", []), ("leaks", []), ("flame", []), ("report", ["-o", PUBOUT]),
               ("scrub", ["-o", PUBOUT])):
    case(INPUT, [c] + pre + [MISSING], "bbx %s: %s: cannot open: No such file or directory"
         % (c, MISSING))
    case(INPUT, [c] + pre + [NOTSNAP], "bbx %s: %s: not a bbx snapshot (bad magic)" % (c, NOTSNAP))
    case(INPUT, [c] + pre + [UNREAD], "bbx %s: %s: cannot open: Permission denied"
         % (c, UNREAD), True)
case(INPUT, ["show", EMPTY], "bbx show: %s: not a regular file (directory)" % EMPTY)
case(INPUT, ["scrub", EMPTY, "-o", OUT], "bbx scrub: %s: not a regular file (directory)" % EMPTY)
case(INPUT, ["diff", MISSING, SNAP], "bbx diff: %s: cannot open: No such file or directory"
     % MISSING)
case(INPUT, ["diff", SNAP, MISSING], "bbx diff: %s: cannot open: No such file or directory"
     % MISSING)
case(INPUT, ["diff", SNAP, UNREAD], "bbx diff: %s: cannot open: Permission denied" % UNREAD, True)
case(INPUT, ["diff", "--suppress", MISSING, SNAP, SNAP],
     "bbx diff: %s: cannot open: No such file or directory" % MISSING)
case(INPUT, ["symbolize", "-e", MISSING, "0x10"],
     "bbx symbolize: %s: cannot open: No such file or directory" % MISSING)
case(INPUT, ["symbolize", "-e", UNREAD, "0x10"],
     "bbx symbolize: %s: cannot open: Permission denied" % UNREAD, True)
case(INPUT, ["symbolize", "-e", NOTSNAP, "0x10"], "bbx symbolize: %s: not an ELF file" % NOTSNAP)
case(INPUT, ["symbolize", "-e", EMPTY, "0x10"],
     "bbx symbolize: %s: not a regular file (directory)" % EMPTY)

# a directory with no snapshots
for c, pre in (("leaks", []), ("flame", []), ("report", ["-o", OUT])):
    case(EMPTYDIR, [c] + pre + [EMPTY], "bbx %s: %s: no snapshots (*.bbx) in this directory"
         % (c, EMPTY))
case(EMPTYDIR, ["diff", EMPTY, SNAP], "bbx diff: %s: no snapshots (*.bbx) in this directory"
     % EMPTY)

# outputs that cannot be written, or would replace an input
for c, argv in (("report", ["report", "-o", NODIR, SNAP]),
                ("flame", ["flame", "-o", NODIR, SNAP]),
                ("scrub", ["scrub", SNAP, "-o", NODIR])):
    case(OUTPUT, argv, "bbx %s: %s: cannot create a temporary file next to it: No such file or "
         "directory" % (c, NODIR))
case(INPUT, ["report", "--db", MISSING_STORE, "-o", OUT],
     "bbx report: %s: no crash store there (bbx ingest makes one)" % MISSING_STORE)
case(INPUT, ["report", "--db", SNAP, "-o", OUT],
     "bbx report: %s: not a crash store: file is not a database" % SNAP)
case(OUTPUT, ["report", "--db", STORE, "-o", STORE],
     "bbx report: %s: is the crash store; choose another -o" % STORE)
case(OUTPUT, ["report", "-o", SNAP, SNAP],
     "bbx report: %s: is one of the input snapshots; choose another -o" % SNAP)
case(OUTPUT, ["flame", "-o", SNAP, SNAP],
     "bbx flame: %s: is one of the input snapshots; not overwriting it" % SNAP)
case(OUTPUT, ["scrub", SNAP, "-o", SNAP],
     "bbx scrub: %s: OUT is the input file; write the copy elsewhere" % SNAP)

# the crash store's commands: a store must not appear where none was
MISSINGDB = S.file("missing.db")
STORE = S.file("store.db")
r = run([A.bbx, "ingest", "--db", STORE, SNAP])
assert r.rc == 0, "fixture: bbx ingest: %r" % (r,)
NEWER = S.file("newer.db")
shutil.copy2(STORE, NEWER)
subprocess.run(["python3", "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
                "c.execute('PRAGMA wal_checkpoint(TRUNCATE)'); "
                "c.execute('PRAGMA user_version = 99'); c.commit()", NEWER], check=True)
BADRULES = S.file("bad.rules")
with open(BADRULES, "w") as f:
    f.write("frames 5\nfrob x\n")
STORE_CMDS = ("ingest", "crashes", "crash", "prune", "regroup")
for c in STORE_CMDS:
    case(UNKNOWN, [c, "--bogus"], "bbx %s: unknown option '--bogus' %s" % (c, see(c)))
    case(NEEDS, [c, "--db"], "bbx %s: --db needs a file name %s" % (c, see(c)))
case(NEEDS, ["ingest", "--rules"], "bbx ingest: --rules needs a file name " + see("ingest"))
case(NEEDS, ["regroup", "--rules"], "bbx regroup: --rules needs a file name " + see("regroup"))
case(NEEDS, ["crashes", "--since"], "bbx crashes: --since needs an age " + see("crashes"))
case(NEEDS, ["crashes", "--new-in"],
     "bbx crashes: --new-in needs a version or build-id " + see("crashes"))
case(NEEDS, ["crash", "--snapshots"], "bbx crash: --snapshots needs a number " + see("crash"))
case(NEEDS, ["prune", "--older-than"], "bbx prune: --older-than needs an age " + see("prune"))
case(OPERAND, ["ingest", "--db", MISSINGDB],
     "bbx ingest: no FILE or DIR given (usage: bbx ingest [--db PATH] FILE...|DIR...)")
case(OPERAND, ["crashes", "--db", STORE, "x"],
     "bbx crashes: unexpected operand 'x' (it takes options only) " + see("crashes"))
case(OPERAND, ["regroup", "--db", STORE, "x"],
     "bbx regroup: unexpected operand 'x' (it takes options only) " + see("regroup"))
case(OPERAND, ["crash", "--db", STORE],
     "bbx crash: no ID given (usage: bbx crash [--db PATH] ID; bbx crashes lists them)")
case(OPERAND, ["crash", "--db", STORE, "a", "b"], "bbx crash: one ID only " + see("crash"))
case(OPERAND, ["prune", "--db", STORE],
     "bbx prune: give --keep K, --older-than AGE or both " + see("prune"))
case(NUMBER, ["crashes", "--db", STORE, "--since", "7x"],
     "bbx crashes: --since: '7x' is not an age such as 7d, 36h, 2w " + see("crashes"))
case(NUMBER, ["crashes", "--db", STORE, "--since", "0d"],
     "bbx crashes: --since: '0d' is not an age such as 7d, 36h, 2w " + see("crashes"))
case(NUMBER, ["crashes", "--db", STORE, "--build-id", "xyz"],
     "bbx crashes: --build-id: 'xyz' is not a build-id (hex digits) " + see("crashes"))
case(NUMBER, ["crashes", "--db", STORE, "--version", "1", "--build-id", "ab"],
     "bbx crashes: --version and --build-id do not go together " + see("crashes"))
case(NUMBER, ["crashes", "--db", STORE, "--by", "host", "--since", "7d"],
     "bbx crashes: --by host counts over all time: not with --since, --version or "
     "--build-id " + see("crashes"))
case(NUMBER, ["crash", "--db", STORE, "--snapshots", "0", "a"],
     "bbx crash: --snapshots: '0' is not a number " + see("crash"))
case(NUMBER, ["prune", "--db", STORE, "--keep", "0"],
     "bbx prune: --keep: '0' is not a number " + see("prune"))
case(INPUT, ["ingest", "--db", MISSINGDB, MISSING],
     "bbx ingest: %s: cannot open: No such file or directory" % MISSING)
case(INPUT, ["ingest", "--db", MISSINGDB, EMPTY],
     "bbx ingest: %s: no snapshots (*.bbx) in this directory or below it" % EMPTY)
case(INPUT, ["ingest", "--db", MISSINGDB, "--rules", BADRULES, SNAP],
     "bbx ingest: %s:2: unknown rule 'frob' (skip, skip-module, prefix, root, frames)"
     % BADRULES)
case(INPUT, ["ingest", "--db", NOTSNAP, SNAP],
     "bbx ingest: %s: not a crash store: file is not a database" % NOTSNAP)
case(INPUT, ["ingest", "--db", NEWER, SNAP],
     "bbx ingest: %s: the store's schema is version 99, this bbx knows up to 1 (a newer bbx "
     "made it)" % NEWER)
for c, more in (("crashes", []), ("crash", ["abc"]), ("prune", ["--keep", "1"]),
                ("regroup", [])):
    case(INPUT, [c, "--db", MISSINGDB] + more,
         "bbx %s: %s: no crash store there (bbx ingest makes one)" % (c, MISSINGDB))
    case(INPUT, [c, "--db", NOTSNAP] + more,
         "bbx %s: %s: not a crash store: file is not a database" % (c, NOTSNAP))
case(INPUT, ["crash", "--db", STORE, "ffff"],
     "bbx crash: no group 'ffff' in %s (bbx crashes lists them)" % STORE)
case(INPUT, ["regroup", "--db", STORE, "--rules", BADRULES],
     "bbx regroup: %s:2: unknown rule 'frob' (skip, skip-module, prefix, root, frames)"
     % BADRULES)
case(OUTPUT, ["crash", "--db", STORE, "--extract", SNAP, "--no-report",
              run([A.bbx, "crashes", "--db", STORE, "--json"]).out.split('"id": "')[1][:12]],
     "bbx crash: %s: cannot write: File exists" % SNAP)

STDIN = {("symbolize", "-e", PROG): "0x12zz\r\n"}

before = open(SNAP, "rb").read()
stores = {p: open(p, "rb").read() for p in (NEWER, NOTSNAP)}
for kind, argv, err, user in CASES:
    cmd = ([] if not user else AS_USER) + [A.bbx] + argv
    res = run(cmd, stdin=STDIN.get(tuple(argv), ""))
    name = "%s: bbx %s" % (kind, " ".join(argv))
    good = check(res.rc == 2 and res.err == err + "\n" and res.out == "",
                 "%s\n  expected exit 2 and stderr %r\n  got %r" % (name, err, res))
    check(not os.path.exists(OUT) and not os.path.exists(PUBOUT) and not os.path.exists(os.path.dirname(NODIR))
          and not os.path.exists(MISSINGDB),
          name + ": left an output file")
    checked.append(name)
    print(("ok   " if good else "FAIL ") + name, flush=True)
check(open(SNAP, "rb").read() == before, "an input snapshot was changed")
for p, b in stores.items():
    check(open(p, "rb").read() == b, "%s was changed by a refused command" % p)

# every command has an unknown-option case, and each kind a case
commands = ["show", "leaks", "diff", "flame", "report", "symbolize", "scrub"] + list(STORE_CMDS)
for c in commands:
    kinds = {k for k, argv, _, _ in CASES if argv[0] == c}
    for k in (UNKNOWN, NEEDS, OPERAND, INPUT):
        check(k in kinds, "bbx %s has no '%s' case" % (c, k))
check(AS_USER or os.geteuid() != 0, "root without setpriv: the unreadable cases read")
S.close()
finish()
