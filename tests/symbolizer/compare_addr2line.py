#!/usr/bin/env python3
"""Compare `bbx symbolize` with `eu-addr2line -f -i` over many addresses.

Usage: compare_addr2line.py BBX BINARY [--count N] [--min-percent P]
                            [--min-inlined-percent Q]

Picks N addresses (10,000 by default) spread evenly over the instruction
starts of BINARY's .text (from `objdump -d`), runs both tools once over all
of them (addresses on standard input), and compares, for every inline level
of every address, the function name, the file and the line.  Columns are
compared too, but only reported.  Every disagreement is printed (the first
50 in full, then a count per class); the test fails when fewer than P percent
(99.5 by default) of the addresses agree on every level.

Disagreements are explained where possible.  eu-addr2line names the
innermost function at the address, but it takes the chain of inlined calls
(the second and later levels) at the start of the line-table row that holds
the address (dwfl_lineinfo() rewrites the address it is given, and the
inline lookup runs after it).  When eu-addr2line's answer is exactly what
`bbx symbolize` gives at the address for the first level and at the row
start for the others, the disagreement is put in that class; anything else
is listed as unexplained.

eu-addr2line is run with -a so each address's block starts with the address;
`bbx symbolize` has no such line, so its text output is cut into blocks with
the frame counts of its --json output (which is also checked against the
text).
"""

import argparse
import bisect
import json
import re
import subprocess
import sys

INSN = re.compile(r"^\s*([0-9a-f]+):\s")
ADDR_LINE = re.compile(r"^0x[0-9a-f]+$")


def text_range(binary):
    """[start, end) of .text from `objdump -h`."""
    out = subprocess.run(["objdump", "-h", binary], check=True, capture_output=True,
                         text=True).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 4 and f[1] == ".text":
            start = int(f[3], 16)
            return start, start + int(f[2], 16)
    sys.exit("FAIL: %s has no .text section" % binary)


def pick_addresses(binary, count):
    """`count` addresses spread over .text (0: every instruction start)."""
    out = subprocess.run(["objdump", "-d", "-j", ".text", "--no-show-raw-insn", binary],
                         check=True, capture_output=True, text=True).stdout
    starts = sorted({int(m.group(1), 16) for m in map(INSN.match, out.splitlines()) if m})
    if not starts:
        sys.exit("FAIL: no instructions found in .text of %s" % binary)
    if count == 0:
        return starts, len(starts)
    if len(starts) >= count:
        return [starts[i * len(starts) // count] for i in range(count)], len(starts)
    # Fewer instructions than addresses wanted (another compiler): every
    # instruction start, then bytes inside instructions, evenly spread.
    lo, hi = text_range(binary)
    have = set(starts)
    extra = [a for a in range(lo, hi) if a not in have]
    need = count - len(starts)
    picked = starts + [extra[i * len(extra) // need] for i in range(min(need, len(extra)))]
    return sorted(picked), len(starts)


def parse_location(text):
    """'FILE:LINE:COL', 'FILE:LINE' or '??:0' -> (file or None, line, column)."""
    parts = text.rsplit(":", 2)
    nums = []
    while len(parts) > 1 and parts[-1].isdigit() and len(nums) < 2:
        nums.insert(0, int(parts.pop()))
    file = ":".join(parts)
    line = nums[0] if nums else 0
    col = nums[1] if len(nums) > 1 else 0
    return (None if file == "??" else file), line, col


def parse_function(text):
    """(NAME, OUTER) of a name line: an inlined innermost level reads
    'NAME inlined at FILE:LINE:COL in OUTER', others just 'NAME'."""
    i = text.find(" inlined at ")
    name = text[:i] if i >= 0 else text
    j = text.rfind(" in ")
    outer = text[j + 4:] if i >= 0 and j > i else None
    return (None if name == "??" else name), outer


def parse_pairs(lines, where):
    """A block's levels [(function, file, line, column)], innermost first,
    and the OUTER of its first line (None when not inlined)."""
    if not lines or len(lines) % 2:
        sys.exit("FAIL: %s: a block of %d lines: %r" % (where, len(lines), lines))
    levels, outer = [], None
    for k in range(0, len(lines), 2):
        file, line, col = parse_location(lines[k + 1])
        name, o = parse_function(lines[k])
        if k == 0:
            outer = o
        levels.append((name, file, line, col))
    if len(levels) == 1 and levels[0] == (None, None, 0, 0):
        return [], None  # nothing known
    return levels, outer


def run(cmd, addresses):
    p = subprocess.run(cmd, input="".join("0x%x\n" % a for a in addresses),
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("FAIL: %s exited %d: %s" % (" ".join(cmd), p.returncode, p.stderr.strip()))
    return p.stdout


def eu_blocks(binary, addresses):
    out = run(["eu-addr2line", "-a", "-f", "-i", "-e", binary], addresses).splitlines()
    blocks, outers, cur, addr = {}, {}, None, None
    for line in out + ["0x0"]:
        if ADDR_LINE.match(line):
            if addr is not None:
                blocks[addr], outers[addr] = parse_pairs(cur, "eu-addr2line 0x%x" % addr)
            addr, cur = int(line, 16), []
        elif addr is None:
            sys.exit("FAIL: eu-addr2line output does not start with an address: %r" % line)
        else:
            cur.append(line)
    missing = [a for a in addresses if a not in blocks]
    if missing:
        sys.exit("FAIL: eu-addr2line gave no block for %d addresses (first 0x%x)"
                 % (len(missing), missing[0]))
    return blocks, outers


def bbx_blocks(bbx, binary, addresses):
    entries = json.loads(run([bbx, "symbolize", "--json", "-e", binary], addresses))
    if len(entries) != len(addresses):
        sys.exit("FAIL: bbx symbolize --json gave %d entries for %d addresses"
                 % (len(entries), len(addresses)))
    text = run([bbx, "symbolize", "-e", binary], addresses).splitlines()
    blocks, outers, pos, mismatched = {}, {}, 0, []
    for addr, e in zip(addresses, entries):
        got = e["address"]
        if (int(got, 16) if isinstance(got, str) else got) != addr:
            sys.exit("FAIL: bbx symbolize --json entry for 0x%x out of order" % addr)
        n = 2 * max(1, len(e["frames"]))
        chunk = text[pos:pos + n]
        pos += n
        levels, outers[addr] = parse_pairs(chunk, "bbx symbolize 0x%x" % addr)
        from_json = [(f["function"], f["file"], f["line"], f["column"]) for f in e["frames"]]
        if levels != from_json:
            mismatched.append((addr, levels, from_json))
        blocks[addr] = levels
    if pos != len(text):
        sys.exit("FAIL: bbx symbolize printed %d lines, its JSON accounts for %d"
                 % (len(text), pos))
    for addr, t, j in mismatched[:10]:
        print("text/JSON differ at 0x%x: text %r, JSON %r" % (addr, t, j))
    if mismatched:
        sys.exit("FAIL: bbx symbolize text and --json differ at %d addresses"
                 % len(mismatched))
    return blocks, outers


ROW = re.compile(r"^\s*\d+:\d+\s.*?\s\+0x([0-9a-f]+)\b")


def row_starts(binary):
    """Every address where a line-table row starts, sorted."""
    p = subprocess.run(["eu-readelf", "--debug-dump=decodedline", binary],
                       capture_output=True, text=True)
    if p.returncode != 0:
        print("note: no line table read from %s; disagreements are not explained" % binary)
        return []
    out = p.stdout
    return sorted({int(m.group(1), 16) for m in map(ROW.match, out.splitlines()) if m})


def row_start_of(rows, addr):
    i = bisect.bisect_right(rows, addr)
    return rows[i - 1] if i else None


def as_eu_would(at_addr, at_row):
    """What eu-addr2line prints when its inline levels come from the row
    start: the first level's function at the address, its location (the
    same row) and the outer levels at the row start."""
    if not at_addr and not at_row:
        return []
    first = at_addr[0][0] if at_addr else None
    loc = at_row[0][1:] if at_row else (None, 0, 0)
    return [(first,) + tuple(loc)] + list(at_row[1:])


def fmt(levels):
    if not levels:
        return "(nothing)"
    return " <- ".join("%s@%s:%d:%d" % (f or "??", file or "??", line, col)
                       for f, file, line, col in levels)


def classify(ours, theirs):
    """The class of a disagreement on function/file/line, or None."""
    if len(ours) != len(theirs):
        if not ours or not theirs:
            return "one tool knows nothing"
        return "different inline depth"
    for (f1, p1, l1, _), (f2, p2, l2, _) in zip(ours, theirs):
        if f1 != f2:
            return "different function"
        if p1 != p2:
            return "different file"
        if l1 != l2:
            return "different line"
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bbx")
    ap.add_argument("binary")
    ap.add_argument("--count", type=int, default=10000,
                    help="addresses to compare; 0: every instruction start")
    ap.add_argument("--min-percent", type=float, default=99.5)
    ap.add_argument("--min-inlined-percent", type=float, default=10.0,
                    help="fail when fewer addresses are inside inlined calls")
    args = ap.parse_args()

    addresses, n_insns = pick_addresses(args.binary, args.count)
    print("%d addresses from %d instruction starts in .text of %s"
          % (len(addresses), n_insns, args.binary))
    theirs, their_outer = eu_blocks(args.binary, addresses)
    ours, our_outer = bbx_blocks(args.bbx, args.binary, addresses)

    agree, col_diff, differ, outer_diff = 0, 0, [], {}
    levels = sum(len(ours[a]) for a in addresses)
    inlined = sum(1 for a in addresses if len(theirs[a]) > 1)
    for a in addresses:
        c = classify(ours[a], theirs[a])
        if c is None:
            agree += 1
            if [lv[3] for lv in ours[a]] != [lv[3] for lv in theirs[a]]:
                col_diff += 1
                if col_diff <= 10:
                    print("column differs at 0x%x (report only)\n  bbx:          %s\n"
                          "  eu-addr2line: %s" % (a, fmt(ours[a]), fmt(theirs[a])))
        else:
            differ.append((a, c))
        if their_outer[a] != our_outer[a]:
            key = (their_outer[a], our_outer[a])
            outer_diff[key] = outer_diff.get(key, 0) + 1

    # Explain: bbx at the row start, as eu-addr2line looks there.
    rows = row_starts(args.binary) if differ else []
    starts = {a: row_start_of(rows, a) for a, _ in differ}
    want = sorted({r for r in starts.values() if r is not None})
    at_rows = bbx_blocks(args.bbx, args.binary, want)[0] if want else {}
    classes, shown = {}, 0
    for a, c in differ:
        r = starts[a]
        if r is not None and r != a and \
                classify(as_eu_would(ours[a], at_rows[r]), theirs[a]) is None:
            c = "%s: eu-addr2line's inline levels are those of the row start" % c
            why = " (row starts at 0x%x)" % r
        else:
            c = "%s: unexplained" % c
            why = ""
        classes[c] = classes.get(c, 0) + 1
        if shown < 50:
            print("DIFF 0x%x (%s)%s\n  bbx:          %s\n  eu-addr2line: %s"
                  % (a, c, why, fmt(ours[a]), fmt(theirs[a])))
            shown += 1
    if len(differ) > shown:
        print("... and %d more disagreements" % (len(differ) - shown))
    print("inline levels seen by bbx: %d; addresses inside inlined calls: %d" % (levels, inlined))
    for c, n in sorted(classes.items(), key=lambda kv: -kv[1]):
        print("disagreement class: %s: %d addresses" % (c, n))
    print("column differs (report only) at %d agreeing addresses" % col_diff)
    # eu-addr2line's OUTER is the ELF symbol at the address (foo.cold,
    # foo.constprop.0), bbx's the DWARF name of the outermost function.
    for (t, o), n in sorted(outer_diff.items(), key=lambda kv: -kv[1]):
        print("first line 'in OUTER' differs (report only): eu-addr2line %r, bbx %r: "
              "%d addresses" % (t, o, n))
    total = len(addresses)
    pct = 100.0 * agree / total
    explained = sum(n for c, n in classes.items() if not c.endswith("unexplained"))
    print("agreement once the row-start disagreements are set aside: %d of %d (%.2f%%)"
          % (agree + explained, total, 100.0 * (agree + explained) / total))
    print("agreement: %d of %d addresses (%.2f%%), required %.1f%%"
          % (agree, total, pct, args.min_percent))
    if inlined < total * args.min_inlined_percent / 100.0:
        print("FAIL: only %d addresses are inside inlined calls: the program is not "
              "inline-heavy enough to test anything" % inlined)
        return 1
    if pct < args.min_percent:
        print("FAIL: agreement below %.1f%%" % args.min_percent)
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
