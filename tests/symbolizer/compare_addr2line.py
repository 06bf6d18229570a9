#!/usr/bin/env python3
"""Compare `bbx symbolize` with `eu-addr2line -f -i` over many addresses.

Usage: compare_addr2line.py BBX BINARY [--count N] [--exceptions FILE]
                            [--print-exceptions] [--min-inlined-percent Q]

Picks N addresses (10,000 by default) spread evenly over the instruction
starts of BINARY's .text (from `objdump -d`: the same binary gives the same
addresses), runs both tools once over all of them (addresses on standard
input), and compares, for every inline level of every address, the
function name, the file, the line and the column, and the first line's
"inlined at FILE:LINE:COL in OUTER".

There is no percentage: every difference must be listed, one line each, in
the exceptions FILE (address, class, both answers), and every listed line
must still be seen.  A new difference, a vanished one, or one whose class
does not hold fails the test.  The classes are checked, not only named
(WHY below says what each means):

  between-functions  the address is padding after a function;
  row-start          eu-addr2line takes the inline levels after the first
                     at the start of the line-table row that holds the
                     address (dwfl_lineinfo() rewrites the address it is
                     given, and the inline lookup runs after it): its
                     answer is bbx's first level at the address plus bbx's
                     outer levels at the row start, and its own "inlined at"
                     (taken at the address) agrees with bbx.

--print-exceptions prints today's differences in the file's format (to
review after a compiler or source change, never to paste blindly).

eu-addr2line is run with -a so each address's block starts with the address;
`bbx symbolize` has no such line, so its text output is cut into blocks with
the frame counts of its --json output (which is also checked against the
text).
"""

import argparse
import bisect
import json
import os
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
    """(NAME, INLINED_AT, OUTER) of a name line: an inlined innermost level
    reads 'NAME inlined at FILE:LINE:COL in OUTER' (INLINED_AT as (file,
    line, column)), others just 'NAME' (INLINED_AT and OUTER None)."""
    i = text.find(" inlined at ")
    name = text[:i] if i >= 0 else text
    j = text.rfind(" in ")
    outer = text[j + 4:] if i >= 0 and j > i else None
    at = parse_location(text[i + len(" inlined at "):j]) if i >= 0 and j > i else None
    return (None if name == "??" else name), at, outer


def parse_pairs(lines, where):
    """A block's levels [(function, file, line, column)], innermost first,
    and (INLINED_AT, OUTER) of its first line (None, None when not inlined)."""
    if not lines or len(lines) % 2:
        sys.exit("FAIL: %s: a block of %d lines: %r" % (where, len(lines), lines))
    levels, first = [], (None, None)
    for k in range(0, len(lines), 2):
        file, line, col = parse_location(lines[k + 1])
        name, at, o = parse_function(lines[k])
        if k == 0:
            first = (at, o)
        levels.append((name, file, line, col))
    if len(levels) == 1 and levels[0] == (None, None, 0, 0):
        return [], (None, None)  # nothing known
    return levels, first


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


def fmt(levels, first=(None, None)):
    """One line for a block, files by their base name (stable across trees)."""
    if not levels:
        return "(nothing)"
    out = " <- ".join("%s %s:%d:%d" % (f or "??", os.path.basename(file or "??"), line, col)
                      for f, file, line, col in levels)
    at, outer = first
    if at is not None or outer is not None:
        out += " [inlined at %s:%d:%d in %s]" % (os.path.basename(at[0] or "??"), at[1], at[2],
                                                 outer) if at else " [in %s]" % outer
    return out


def function_ranges(binary):
    """Sorted [(start, end)] of the function symbols (nm -S), for the
    addresses that lie between functions (alignment padding)."""
    out = subprocess.run(["nm", "-S", "--defined-only", binary], check=True,
                         capture_output=True, text=True).stdout
    ranges = []
    for line in out.splitlines():
        f = line.split()
        if len(f) == 4 and f[2] in "tTwW" and int(f[1], 16) > 0:
            ranges.append((int(f[0], 16), int(f[0], 16) + int(f[1], 16)))
    return sorted(ranges)


def in_function(ranges, addr):
    i = bisect.bisect_right(ranges, (addr, float("inf")))
    return any(lo <= addr < hi for lo, hi in ranges[max(0, i - 3):i])


# The explained classes.  Each is checked here, not only named: a
# difference whose explanation does not hold is "unexplained".
WHY = {
    "between-functions":
        "the address is alignment padding after a function (inside no function symbol): "
        "bbx names no function and gives the line row's location; eu-addr2line gives the "
        "same location but adds the inline levels found at the start of that row",
    "row-start":
        "eu-addr2line takes the inline levels after the first at the start of the line-table "
        "row (dwfl_lineinfo rewrites the address before its inline lookup): its answer is "
        "bbx's first level at the address plus bbx's outer levels at the row start, while "
        "eu-addr2line's own 'inlined at' (computed at the address) agrees with bbx",
}


def explain(a, ours, theirs, ranges, rows, at_rows):
    """The class of the difference at a (a key of WHY) or "unexplained"."""
    (o, ofirst), (t, tfirst) = ours, theirs
    if not in_function(ranges, a) and len(o) == 1 and o[0][0] is None and t and \
            t[0] == o[0] and ofirst == (None, None):
        return "between-functions"
    r = row_start_of(rows, a)
    if r is not None and r != a and r in at_rows and \
            as_eu_would(o, at_rows[r]) == t and tfirst == ofirst:
        return "row-start"
    return "unexplained"


def read_exceptions(path):
    """The listed exceptions: {line} without comments and blank lines."""
    if not path:
        return set()
    with open(path) as f:
        return {ln.rstrip("\n") for ln in f if ln.strip() and not ln.startswith("#")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bbx")
    ap.add_argument("binary")
    ap.add_argument("--count", type=int, default=10000,
                    help="addresses to compare; 0: every instruction start")
    ap.add_argument("--exceptions",
                    help="the explained differences, one per line; none without it")
    ap.add_argument("--print-exceptions", action="store_true",
                    help="print today's differences in the format of --exceptions")
    ap.add_argument("--min-inlined-percent", type=float, default=10.0,
                    help="fail when fewer addresses are inside inlined calls")
    args = ap.parse_args()

    addresses, n_insns = pick_addresses(args.binary, args.count)
    print("%d addresses from %d instruction starts in .text of %s"
          % (len(addresses), n_insns, args.binary))
    theirs, their_first = eu_blocks(args.binary, addresses)
    ours, our_first = bbx_blocks(args.bbx, args.binary, addresses)

    # Every level's function, file, line and column, and the first line's
    # "inlined at FILE:LINE:COL in OUTER", must be the same.
    differ = [a for a in addresses
              if ours[a] != theirs[a] or our_first[a] != their_first[a]]
    levels = sum(len(ours[a]) for a in addresses)
    inlined = sum(1 for a in addresses if len(theirs[a]) > 1)
    rows = row_starts(args.binary) if differ else []
    want = sorted({row_start_of(rows, a) for a in differ} - {None})
    at_rows = bbx_blocks(args.bbx, args.binary, want)[0] if want else {}
    ranges = function_ranges(args.binary) if differ else []
    found = {}
    for a in differ:
        c = explain(a, (ours[a], our_first[a]), (theirs[a], their_first[a]), ranges, rows,
                    at_rows)
        found["0x%x %s | bbx: %s | eu-addr2line: %s"
              % (a, c, fmt(ours[a], our_first[a]), fmt(theirs[a], their_first[a]))] = c
    if args.print_exceptions:
        for line in sorted(found, key=lambda l: int(l.split()[0], 16)):
            print(line)
        return 0

    listed = read_exceptions(args.exceptions)
    failed = 0
    for line in sorted(set(found) - listed, key=lambda l: int(l.split()[0], 16)):
        print("FAIL: new difference (%s): %s" % (found[line], line))
        failed += 1
    for line in sorted(listed - set(found), key=lambda l: int(l.split()[0], 16)):
        print("FAIL: listed exception no longer seen: %s" % line)
        failed += 1
    for line, c in found.items():
        if c == "unexplained":
            print("FAIL: unexplained difference: %s" % line)
            failed += 1
        elif c not in WHY:
            sys.exit("FAIL: class %r has no explanation" % c)
    classes = {}
    for c in found.values():
        classes[c] = classes.get(c, 0) + 1
    print("inline levels seen by bbx: %d; addresses inside inlined calls: %d" % (levels, inlined))
    for c, n in sorted(classes.items()):
        print("explained difference, %s: %d addresses (%s)" % (c, n, WHY.get(c, "?")))
    print("agreement on function, file, line, column and 'inlined at ... in OUTER': "
          "%d of %d addresses; %d differences, %d listed as exceptions"
          % (len(addresses) - len(differ), len(addresses), len(differ), len(listed)))
    if inlined < len(addresses) * args.min_inlined_percent / 100.0:
        print("FAIL: only %d addresses are inside inlined calls: the program is not "
              "inline-heavy enough to test anything" % inlined)
        return 1
    if failed:
        print("FAIL: %d difference(s) from the list of explained exceptions (%s)"
              % (failed, args.exceptions or "none listed"))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
