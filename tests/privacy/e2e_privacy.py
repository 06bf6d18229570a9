#!/usr/bin/env python3
"""End-to-end: what BBX_REDACT and `bbx scrub` hold back.

privacy_prog plants a marker in every part (command line secrets, a file
path, a unix socket name, a UDP peer, the host name, the register r12, a
breadcrumb, an annotation, a child with the same command line) and crashes.
Each run's snapshot is checked through `bbx show --json` and in its raw
decompressed bytes (zstd -dc after the 16-byte header), so a part that is
only hidden by the reader or the report still fails.  The unredacted run
proves that every marker is findable in the first place.

Usage: e2e_privacy.py PRIVACY_PROG BBX
"""
import glob
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testlib"))
from check import check, finish  # noqa: E402

PROG, BBX = sys.argv[1], sys.argv[2]
SECRETS = ["--password=hunter2", "token=abc", "--api-key", "KEYVALUE9q7",
           "https://bob:URLPASS5x@example.org/x"]
SECRET_BYTES = [b"hunter2", b"KEYVALUE9q7", b"URLPASS5x"]
PATH_MARK = b"MARKPATH-7z1"
SOCK_MARK = b"MARKSOCK-7z1"
PEER_MARK = b"127.0.0.3:4242"
CRUMB_MARK = b"MARKCRUMB-4711"
ANNOT_MARK = b"MARKANNOT-4711"
# The session's environment: an allowed variable (BBX_ENV_KEYS) with a
# marker, and a secret-looking one whose value must never be written, not
# even with BBX_REDACT=none.  The program runs in a directory named after
# PATH_MARK, so the SESSION working directory carries it too.
ENV_MARK = b"MARKENV-4711"
ENV_SECRET = b"ENVSECRET-31337"
ENV_EXTRA = {"BBX_ENV_KEYS": "PRIVTEST_*", "PRIVTEST_VALUE": ENV_MARK.decode(),
             "PRIVTEST_TOKEN": ENV_SECRET.decode()}
ASAN = "handle_segv=0:handle_abort=0:detect_leaks=0"


def varint(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7f) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


REG_MARK = varint(0x5ec7e75ec7e75ec7)  # r12 at the fault, as SNAP_THR_REGS stores it
HOST = socket.gethostname().encode()
HOST_FIELD = bytes([14 << 3 | 2]) + varint(len(HOST)) + HOST  # PROCESS HOSTNAME


def run_prog(top, name, env_extra):
    d = os.path.join(top, name)
    os.makedirs(d)
    env = dict(os.environ, BBX_DIR=os.path.join(d, "snaps"), ASAN_OPTIONS=ASAN)
    env.pop("BBX_REDACT", None)
    env.update(ENV_EXTRA)
    env.update(env_extra)
    cwd = os.path.join(d, PATH_MARK.decode() + "-cwd")
    os.makedirs(cwd)
    p = subprocess.run([PROG, os.path.join(d, PATH_MARK.decode() + ".txt"),
                        os.path.join(d, SOCK_MARK.decode())] + SECRETS,
                       env=env, capture_output=True, text=True, timeout=120, cwd=cwd)
    for line in p.stdout.splitlines():
        if line.startswith("child "):
            try:
                os.kill(int(line.split()[1]), signal.SIGKILL)
            except ProcessLookupError:
                pass
    snaps = glob.glob(os.path.join(d, "snaps", "*.bbx"))
    return p, snaps


def crash_snapshot(top, name, env_extra):
    p, snaps = run_prog(top, name, env_extra)
    check(p.returncode == -signal.SIGSEGV,
          "%s: exit %d, stderr %r" % (name, p.returncode, p.stderr[-300:]))
    check(len(snaps) == 1, "%s: %d snapshots" % (name, len(snaps)))
    return snaps[0] if snaps else None


def show(path, text=False):
    args = [BBX, "show", "--no-symbols"] + ([] if text else ["--json"]) + [path]
    p = subprocess.run(args, capture_output=True, text=True, timeout=120)
    check(p.returncode == 0, "bbx show %s: exit %d %s" % (path, p.returncode, p.stderr))
    return p.stdout if text else json.loads(p.stdout)


def raw(path):
    with open(path, "rb") as f:
        data = f.read()[16:]
    p = subprocess.run(["zstd", "-dcq"], input=data, capture_output=True, timeout=60)
    return p.stdout  # a cut file decodes up to the cut, zstd then fails


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def scrub(*args):
    return subprocess.run([BBX, "scrub"] + list(args), capture_output=True, text=True,
                          timeout=120)


def cmdline_ok(name, args):
    joined = "\0".join(args)
    for s in ("hunter2", "KEYVALUE9q7", "URLPASS5x"):
        check(s not in joined, "%s: %s in the cmdline %r" % (name, s, args))
    check("abc" not in [a.split("=", 1)[-1] for a in args], "%s: token=abc kept" % name)
    for want in ("--password=[redacted]", "token=[redacted]",
                 "https://bob:[redacted]@example.org/x"):
        check(want in args, "%s: %s not in %r" % (name, want, args))
    i = args.index("--api-key") if "--api-key" in args else -1
    check(i >= 0 and args[i + 1] == "[redacted]", "%s: --api-key VALUE kept: %r" % (name, args))


def check_default(name, path):
    d = show(path)
    cmdline_ok(name, d["process"]["cmdline"])
    check(len(d["children"]) >= 1, "%s: the child is missing" % name)
    for c in d["children"]:
        cmdline_ok(name + " child", c["cmdline"])
    check(d["redacted"] == ["secrets"], "%s: redacted %r" % (name, d["redacted"]))
    r = raw(path)
    for s in SECRET_BYTES + [ENV_SECRET]:
        check(s not in r, "%s: %r in the raw snapshot" % (name, s))
    # everything else is there: the markers can be found when present
    for m, what in ((PATH_MARK, "path"), (SOCK_MARK, "socket name"), (PEER_MARK, "peer"),
                    (REG_MARK, "r12"), (HOST_FIELD, "host name"), (CRUMB_MARK, "breadcrumb"),
                    (ANNOT_MARK, "annotation"), (ENV_MARK, "environment")):
        check(m in r, "%s: the %s marker is missing from an unredacted snapshot" % (name, what))
    ses = d.get("session") or {}
    env = ses.get("env") or {}
    check(env.get("PRIVTEST_VALUE") == ENV_MARK.decode() and
          env.get("PRIVTEST_TOKEN") == "[redacted]",
          "%s: the session's environment: %r" % (name, env))
    check(PATH_MARK.decode() in (ses.get("cwd") or ""), "%s: cwd %r" % (name, ses.get("cwd")))


RED5 = ["cmdline", "paths", "peers", "host", "registers"]


def check_redacted(name, path, parts):
    """The snapshot has none of `parts` (and the default secrets)."""
    d = show(path)
    p = d["process"]
    check(set(d["redacted"]) == set(parts) | {"secrets"}, "%s: redacted %r" % (name, d["redacted"]))
    r = raw(path)
    check(ENV_SECRET not in r, "%s: a secret-looking variable's value in the raw snapshot" % name)
    ses = d.get("session") or {}
    if "env" in parts:
        check(ENV_MARK not in r and ses.get("env") == {}, "%s: environment kept: %r"
              % (name, ses.get("env")))
    else:
        check(ENV_MARK in r, "%s: the environment was lost" % name)
    if "cmdline" in parts:
        check(p["cmdline"] == [], "%s: cmdline %r" % (name, p["cmdline"]))
        check(all(c["cmdline"] == [] for c in d["children"]), "%s: child cmdline kept" % name)
        check(b"--api-key" not in r, "%s: arguments in the raw snapshot" % name)
    for s in SECRET_BYTES:
        check(s not in r, "%s: %r in the raw snapshot" % (name, s))
    if "paths" in parts:
        check(PATH_MARK not in r and SOCK_MARK not in r, "%s: a path in the raw snapshot" % name)
        targets = [f["target"] for f in d["fds"] if f["target"]]
        check("[redacted]" in targets, "%s: no fd target says [redacted]: %r" % (name, targets))
        check(not any(t.startswith("/") for t in targets), "%s: path targets %r" % (name, targets))
        check("/" not in (p["exe"] or ""), "%s: exe %r" % (name, p["exe"]))
        check(ses.get("cwd") == "[redacted]", "%s: cwd %r" % (name, ses.get("cwd")))
        mods = [m["path"] for m in d["modules"]]
        check(mods and not any("/" in (m or "") for m in mods), "%s: module paths %r" % (name, mods))
        local = [f["socket"]["local"] for f in d["fds"] if f["kind"] == "socket"
                 and f["socket"]["family_name"] == "AF_UNIX" and f["socket"]["local"]]
        check(local and all(x == "[redacted]" for x in local), "%s: unix names %r" % (name, local))
    if "peers" in parts:
        check(PEER_MARK not in r, "%s: the peer in the raw snapshot" % name)
        peers = [f["socket"]["peer"] for f in d["fds"] if f["kind"] == "socket"]
        check(all(x is None for x in peers), "%s: peers %r" % (name, peers))
    if "host" in parts:
        check(HOST_FIELD not in r, "%s: the host name in the raw snapshot" % name)
        check(p["hostname"] is None, "%s: hostname %r" % (name, p["hostname"]))
    if "registers" in parts:
        check(REG_MARK not in r, "%s: r12 in the raw snapshot" % name)
        check(not any("registers" in t for t in d["threads"]), "%s: registers kept" % name)
    if "breadcrumbs" in parts:
        check(CRUMB_MARK not in r and d["breadcrumbs"] == [], "%s: breadcrumbs kept" % name)
    else:
        check(CRUMB_MARK in r, "%s: the breadcrumb was lost" % name)
    if "annotations" in parts:
        check(ANNOT_MARK not in r and d["annotations"] == {}, "%s: annotations kept" % name)
    else:
        check(ANNOT_MARK in r, "%s: the annotation was lost" % name)
    return d


def base(p):
    return p.rsplit("/", 1)[-1] if p else p


def without_parts(d):
    """`bbx show --json` minus what RED5 removes, as RED5 leaves it."""
    d = json.loads(json.dumps(d))
    d.pop("redacted", None)
    p = d["process"]
    p["cmdline"] = []
    p["hostname"] = None
    p["exe"] = base(p["exe"])
    if d.get("session") and d["session"].get("cwd"):
        d["session"]["cwd"] = "[redacted]"
    for c in d["children"]:
        c["cmdline"] = []
        for k in ("stdin", "stdout", "stderr"):
            if c.get(k) and c[k].startswith("/"):
                c[k] = "[redacted]"
    for m in d["modules"]:
        m["path"] = base(m["path"])

    def frames(fs):
        for f in fs or []:
            f["module"] = base(f["module"])
    for t in d["threads"]:
        t.pop("registers", None)
        frames(t["frames"])
        if t.get("origin"):
            frames(t["origin"]["frames"])
    for f in d["fds"] + d["bbx_fds"]:
        if f["target"] and f["target"].startswith("/"):
            f["target"] = "[redacted]"
        if f["kind"] == "socket":
            s = f["socket"]
            s["peer"] = None
            if s["local"] and s["local"][0] in "/@":
                s["local"] = "[redacted]"
        if f.get("origin"):
            frames(f["origin"]["frames"])
    return d


def test_collector(top):
    default = crash_snapshot(top, "default", {})
    if default:
        check_default("default", default)
    red = crash_snapshot(top, "redact5", {"BBX_REDACT": ",".join(RED5)})
    if red:
        check_redacted("BBX_REDACT=" + ",".join(RED5), red, RED5)
        txt = show(red, text=True)
        check("redacted: secrets cmdline registers paths peers host" in txt,
              "bbx show does not say what was redacted")
    full = crash_snapshot(top, "all", {"BBX_REDACT": "all"})
    if full:
        check_redacted("BBX_REDACT=all", full, RED5 + ["breadcrumbs", "annotations", "env"])
    env_only = crash_snapshot(top, "env", {"BBX_REDACT": "env"})
    if env_only:
        check_redacted("BBX_REDACT=env", env_only, ["env"])
    none = crash_snapshot(top, "none", {"BBX_REDACT": "none"})
    if none:
        d = show(none)
        check("--password=hunter2" in d["process"]["cmdline"], "BBX_REDACT=none: filtered")
        check(d["redacted"] == [], "BBX_REDACT=none: redacted %r" % d["redacted"])
        check(ENV_SECRET not in raw(none), "BBX_REDACT=none: a secret-looking variable's "
              "value was written")
    # bbx_config.redact wins over BBX_REDACT; BBX_REDACT_KEEP_SECRETS turns
    # the default off.
    cfg = crash_snapshot(top, "config", {"PRIVACY_CONFIG_REDACT": "0x80000008",
                                         "BBX_REDACT": "host"})
    if cfg:
        d = show(cfg)
        check("--password=hunter2" in d["process"]["cmdline"], "config: secrets filtered")
        check(d["redacted"] == ["paths"], "config: redacted %r" % d["redacted"])
        check(d["process"]["hostname"] is not None, "config: BBX_REDACT=host won")
        targets = [f["target"] or "" for f in d["fds"]]
        check("[redacted]" in targets and not any(t.startswith("/") for t in targets),
              "config: fd paths kept %r" % targets)
    p, snaps = run_prog(top, "bogus", {"BBX_REDACT": "paths,bogus"})
    check(p.returncode == 3 and not snaps, "BBX_REDACT=paths,bogus: exit %d, %d snapshots"
          % (p.returncode, len(snaps)))
    return none


def test_scrub(top, src):
    d = os.path.join(top, "scrub")
    os.makedirs(d)
    inp = os.path.join(d, "in.bbx")
    shutil.copy(src, inp)
    before = sha(inp)
    out = os.path.join(d, "out.bbx")
    p = scrub("--redact", ",".join(RED5), inp, "-o", out)
    check(p.returncode == 0, "scrub: exit %d %s" % (p.returncode, p.stderr))
    check(p.stderr == "", "scrub of a whole file says %r" % p.stderr)
    if p.returncode == 0:
        got = check_redacted("scrub --redact " + ",".join(RED5), out, RED5)
        got.pop("redacted")
        want = without_parts(show(inp))
        for key in sorted(set(want) | set(got)):
            check(want.get(key) == got.get(key), "scrub changed %s:\n%r\n%r"
                  % (key, want.get(key), got.get(key)))
    check(sha(inp) == before, "scrub changed IN")

    out_all = os.path.join(d, "all.bbx")
    p = scrub(inp, "-o", out_all)
    check(p.returncode == 0, "scrub (default): exit %d %s" % (p.returncode, p.stderr))
    if p.returncode == 0:
        check_redacted("scrub (default: all)", out_all,
                       RED5 + ["breadcrumbs", "annotations", "env"])

    # OUT is IN, under any name: refused, IN untouched, no temporary left.
    os.symlink(inp, os.path.join(d, "sym.bbx"))
    os.link(inp, os.path.join(d, "hard.bbx"))
    for o in (inp, os.path.join(d, "sym.bbx"), os.path.join(d, "hard.bbx"),
              os.path.join(d, ".", "in.bbx")):
        p = scrub(inp, "-o", o)
        check(p.returncode == 2 and p.stderr.count("\n") == 1 and "is the input" in p.stderr,
              "scrub -o %s: exit %d %r" % (o, p.returncode, p.stderr))
        check(sha(inp) == before, "scrub -o %s changed IN" % o)
    check(not glob.glob(os.path.join(d, "*.tmp*")), "a temporary file was left")

    # A cut IN: an incomplete OUT, still scrubbed, and a warning.
    data = open(inp, "rb").read()
    cut = os.path.join(d, "cut.bbx")
    with open(cut, "wb") as f:
        f.write(data[:len(data) * 2 // 3])
    cut_out = os.path.join(d, "cut-out.bbx")
    p = scrub("--redact", ",".join(RED5), cut, "-o", cut_out)
    check(p.returncode == 0 and "incomplete" in p.stderr,
          "scrub of a cut file: exit %d %r" % (p.returncode, p.stderr))
    if p.returncode == 0:
        j = show(cut_out)
        check(j["complete"] is False, "the scrub of a cut file says it is complete")
        check(j["redacted"] and "paths" in j["redacted"], "cut: redacted %r" % j["redacted"])
        r = raw(cut_out)
        for m in SECRET_BYTES + [PATH_MARK, SOCK_MARK, REG_MARK, HOST_FIELD]:
            check(m not in r, "cut: %r in the output" % m)

    # Bad input and usage: exit 2, one line, no OUT.
    junk = os.path.join(d, "junk.bbx")
    with open(junk, "w") as f:
        f.write("not a snapshot at all")
    for args, what in (([os.path.join(d, "missing.bbx"), "-o", os.path.join(d, "x1")], "missing"),
                       ([junk, "-o", os.path.join(d, "x2")], "not a snapshot"),
                       (["--redact", "paths,bogus", inp, "-o", os.path.join(d, "x3")], "list"),
                       ([inp], "no -o")):
        p = scrub(*args)
        check(p.returncode == 2 and p.stderr.count("\n") == 1,
              "scrub %s: exit %d %r" % (what, p.returncode, p.stderr))
    check(not any(os.path.exists(os.path.join(d, x)) for x in ("x1", "x2", "x3")),
          "a failed scrub left an output")
    check(not glob.glob(os.path.join(d, "*.tmp*")), "a temporary file was left")
    p = subprocess.run([BBX, "scrub", "--help"], capture_output=True, text=True)
    check(p.returncode == 0 and "--redact" in p.stdout, "bbx scrub --help")
    p = subprocess.run([BBX, "help"], capture_output=True, text=True)
    check(p.returncode == 0 and "scrub" in p.stdout, "bbx help does not list scrub")


def main():
    top = tempfile.mkdtemp(prefix="bbx-privacy-")
    try:
        none = test_collector(top)
        if none:
            test_scrub(top, none)
    finally:
        if not os.environ.get("BBX_KEEP_TEMP"):
            shutil.rmtree(top, ignore_errors=True)
    finish()


main()
