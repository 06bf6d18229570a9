#!/usr/bin/env python3
"""End-to-end: a crash inside the vDSO is named from the image the snapshot
carries, on another path, and never from the vDSO of the machine reading it.

Usage: e2e_vdso.py VDSO_PROG BBX

VDSO_PROG (vdso_prog/vdso_main.c) prints where its vDSO is and its function
symbols, read by its own small ELF reader, dumps the image to a file, and
crashes in clock_gettime with a bad pointer.  The oracle for frame 0 is
that list (the symbols covering pc - base) and eu-addr2line on the dumped
image; not bbx's symbolizer.  The snapshot is copied elsewhere and read:

  a. bbx show (text, --json), bbx flame (folded) and bbx report name frame 0
     with the vDSO's symbol;
  b. bbx scrub (--redact all) keeps the image, as it keeps the build-id:
     still named;
  c. a copy whose image has that symbol's name changed (same length) names
     frame 0 with the changed name: the name comes from the snapshot;
  d. a copy without the image field (as an older collector wrote it):
     frame 0 is unnamed and one note says why, although the vDSO of this
     machine is the very same image.

The copies for c and d are made here: the zstd stream decompressed with
the zstd command, the MODULE record of [vdso] re-encoded, compressed again.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testlib"))
from check import check, fail, finish  # noqa: E402

PROG, BBX = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
REC_MODULE, MOD_PATH, MOD_IMAGE = 5, 1, 6
CLEAN_ENV = {k: v for k, v in os.environ.items()
             if k not in ("BBX_DEBUG_PATH", "DEBUGINFOD_URLS")}


def tool(*names):
    for t in names:
        if shutil.which(t) is None:
            sys.exit("FAIL: %s is not installed (scripts/install-deps.sh installs it)" % t)


def crash(top):
    """Run the program; its snapshot, its vDSO base and symbols, the dump."""
    out = os.path.join(top, "out")
    os.makedirs(out)
    dump = os.path.join(top, "vdso.so")
    env = dict(CLEAN_ENV, BBX_DIR=out,
               ASAN_OPTIONS="handle_segv=0:handle_abort=0:detect_leaks=0")
    p = subprocess.run([PROG, dump], env=env, capture_output=True, text=True, timeout=120)
    snaps = [f for f in os.listdir(out) if f.endswith(".bbx")]
    if p.returncode >= 0 or len(snaps) != 1:
        sys.exit("FAIL: %s: status %d, %d snapshots: %s" % (PROG, p.returncode, len(snaps),
                                                            p.stderr))
    base, syms = None, []
    for ln in p.stdout.splitlines():
        w = ln.split()
        if w[0] == "vdso":
            base = int(w[1], 16)
        elif w[0] == "sym":
            syms.append((w[1], int(w[2], 16), int(w[3], 16), w[4]))
    if base is None or not syms:
        sys.exit("FAIL: %s printed no vDSO or no symbols: %r" % (PROG, p.stdout))
    return os.path.join(out, snaps[0]), base, syms, dump


def bbx(*args, cwd=None):
    p = subprocess.run([BBX, *args], env=CLEAN_ENV, capture_output=True, text=True, cwd=cwd,
                       timeout=300)
    if p.returncode != 0:
        fail("bbx %s exited %d: %s" % (" ".join(args), p.returncode, p.stderr.strip()))
    return p.stdout


def show(snap, cwd):
    text = bbx("show", snap, cwd=cwd)
    js = bbx("show", "--json", snap, cwd=cwd)
    return text, json.loads(js) if js else None


def frame0(report):
    t = [t for t in report["threads"] if t["crashed"]]
    if len(t) != 1 or not t[0]["frames"]:
        sys.exit("FAIL: expected one crashed thread with frames")
    return t[0]["frames"][0]


def vdso_module(report):
    m = [m for m in report["modules"] if m["path"] == "[vdso]"]
    if len(m) != 1:
        sys.exit("FAIL: %d [vdso] modules in the snapshot" % len(m))
    return m[0]


def symbols_section(text):
    lines = text.splitlines()
    if "symbols:" not in lines:
        return []
    return [ln.strip() for ln in lines[lines.index("symbols:") + 1:] if ln.startswith("  ")]


# ---- the snapshot's records, for the edited copies ----

def varint(data, i):
    v, shift = 0, 0
    while True:
        b = data[i]
        i += 1
        v |= (b & 0x7f) << shift
        shift += 7
        if not b & 0x80:
            return v, i


def put_varint(v):
    out = bytearray()
    while True:
        b = v & 0x7f
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def fields(payload):
    """(number, wire, value) of a record's payload, value bytes or int."""
    i, out = 0, []
    while i < len(payload):
        key, i = varint(payload, i)
        if key & 7 == 0:
            v, i = varint(payload, i)
        else:
            n, i = varint(payload, i)
            v, i = payload[i:i + n], i + n
        out.append((key >> 3, key & 7, v))
    return out


def encode(flds):
    out = bytearray()
    for num, wire, v in flds:
        out += put_varint(num << 3 | wire)
        out += put_varint(v) if wire == 0 else put_varint(len(v)) + v
    return bytes(out)


def rewrite_vdso(src, dst, change):
    """Copy snapshot src to dst with the [vdso] MODULE record's fields
    passed through change(fields) -> fields."""
    with open(src, "rb") as f:
        raw = f.read()
    header = raw[:16]
    data = subprocess.run(["zstd", "-d", "-c", "-q"], input=raw[16:], capture_output=True,
                          check=True).stdout
    out, i, done = bytearray(), 0, 0
    while i < len(data):
        rtype, j = varint(data, i)
        n, j = varint(data, j)
        payload = data[j:j + n]
        if rtype == REC_MODULE:
            flds = fields(payload)
            if any(num == MOD_PATH and v == b"[vdso]" for num, _, v in flds):
                payload = encode(change(flds))
                done += 1
        out += put_varint(rtype) + put_varint(len(payload)) + payload
        i = j + n
    if done != 1:
        sys.exit("FAIL: %d [vdso] MODULE records in %s" % (done, src))
    packed = subprocess.run(["zstd", "-c", "-q", "--check"], input=bytes(out),
                            capture_output=True, check=True).stdout
    with open(dst, "wb") as f:
        f.write(header + packed)


def main():
    tool("zstd", "eu-addr2line")
    top = os.path.realpath(tempfile.mkdtemp(prefix="bbx-vdso-"))
    try:
        run(top)
    finally:
        shutil.rmtree(top, ignore_errors=True)
    finish("all cases passed")


def run(top):
    snap, base, syms, dump = crash(top)
    elsewhere = os.path.join(top, "elsewhere")
    os.makedirs(elsewhere)
    moved = os.path.join(elsewhere, "moved.bbx")
    shutil.copy2(snap, moved)
    os.unlink(snap)

    # a. named, on another path, in every output
    text, rep = show(moved, elsewhere)
    f0 = frame0(rep)
    if f0["module"] != "[vdso]":
        sys.exit("FAIL: frame 0 is in %s, not in [vdso]" % f0["module"])
    mod = vdso_module(rep)
    check(int(mod["base"], 16) == base, "the [vdso] module's base is the program's vDSO "
          "(%s, program %#x)" % (mod["base"], base))
    check(mod["image_bytes"] > 0, "the snapshot carries the vDSO's image (%d bytes)"
          % mod["image_bytes"])
    off = int(f0["pc"], 16) - base
    covering = [s for s in syms if s[1] <= off < s[1] + s[2]]
    names = [s[0] for s in covering]
    if not any(n.endswith("clock_gettime") for n in names):
        sys.exit("FAIL: frame 0 (vDSO offset %#x) is not in clock_gettime by the program's "
                 "own symbol list: %s" % (off, names))
    a2l = subprocess.run(["eu-addr2line", "-f", "-e", dump, hex(off)], capture_output=True,
                         text=True).stdout.split("\n")[0]
    check(a2l in names, "eu-addr2line on the dumped image names a covering symbol (%s)" % a2l)
    name = f0["function"]
    check(name in names, "frame 0 is named with a vDSO symbol covering it: %s (covering: %s)"
          % (name, names))
    check(name == a2l, "frame 0's name is eu-addr2line's (%s, eu-addr2line %s)" % (name, a2l))
    pat = re.compile(r"#00 pc 0x[0-9a-f]+  \[vdso\]\+0x[0-9a-f]+  %s\+0x[0-9a-f]+"
                     % re.escape(name or "?"))
    check(pat.search(text) is not None, "bbx show: '#00 ... [vdso]+0x.. %s+0x..'" % name)
    folded = bbx("flame", moved, cwd=elsewhere)
    check(any(ln.split(" ")[0].split(";")[-1] == name for ln in folded.splitlines()),
          "bbx flame: a folded stack ends in %s" % name)
    html = os.path.join(top, "report.html")
    bbx("report", "-o", html, moved, cwd=elsewhere)
    with open(html, encoding="utf-8") as f:
        check(name in f.read(), "bbx report: the page names %s" % name)
    if not name:
        sys.exit("FAIL: frame 0 is not named: the other cases need its name")

    # b. scrubbed: the image stays, like the build-id
    scrubbed = os.path.join(top, "scrubbed.bbx")
    bbx("scrub", "--redact", "all", moved, "-o", scrubbed)
    _, rep_b = show(scrubbed, elsewhere)
    if rep_b:
        check(frame0(rep_b)["function"] == name,
              "scrubbed: frame 0 still %s (got %s)" % (name, frame0(rep_b)["function"]))
        check(vdso_module(rep_b)["image_bytes"] == mod["image_bytes"],
              "scrubbed: the image kept whole")

    # c. the name comes from the snapshot's image
    marker = ("bbximage" * 8)[:len(name)].encode()

    def rename(flds):
        out = []
        for num, wire, v in flds:
            if num == MOD_IMAGE:
                if v.count(b"\0" + name.encode() + b"\0") != 1:
                    sys.exit("FAIL: %s is not once in the image's strings" % name)
                v = v.replace(b"\0" + name.encode() + b"\0", b"\0" + marker + b"\0")
            out.append((num, wire, v))
        return out

    renamed = os.path.join(top, "renamed.bbx")
    rewrite_vdso(moved, renamed, rename)
    _, rep_c = show(renamed, elsewhere)
    if rep_c:
        got = frame0(rep_c)["function"]
        check(got == marker.decode(), "image edited: frame 0 named from the snapshot's image "
              "(%s), not from this machine's vDSO (got %s)" % (marker.decode(), got))

    # d. no image: unnamed, and a note says why
    stripped = os.path.join(top, "no-image.bbx")
    rewrite_vdso(moved, stripped, lambda flds: [x for x in flds if x[0] != MOD_IMAGE])
    text_d, rep_d = show(stripped, elsewhere)
    if rep_d:
        f = frame0(rep_d)
        check(f["function"] is None and f["module"] == "[vdso]",
              "no image: frame 0 unnamed (got %s in %s)" % (f["function"], f["module"]))
        check(vdso_module(rep_d)["image_bytes"] == 0, "no image: image_bytes 0")
        notes = [n for n in rep_d.get("symbol_notes") or [] if n.startswith("[vdso]")]
        text_notes = [n for n in symbols_section(text_d) if n.startswith("[vdso]")]
        check(len(notes) == 1 and "no image of the vDSO" in notes[0],
              "no image: one JSON note says the snapshot has no image of the vDSO: %s"
              % notes)
        check(len(text_notes) == 1 and "no image of the vDSO" in text_notes[0],
              "no image: one note in the text report's symbols section: %s" % text_notes)
        check(re.search(r"#00 pc 0x[0-9a-f]+  \[vdso\]\+0x[0-9a-f]+\n", text_d) is not None,
              "no image: text frame 0 is [vdso]+0x.. alone")


if __name__ == "__main__":
    sys.exit(main())
