#!/usr/bin/env python3
"""check_svg.py - parses every kind of SVG flame graph flame_svg_gen writes
as XML (xml.etree and xmllint) and checks the document: one
root frame holding the total, titles whose counts match data-n, children
that never count more than their parent, unique ids with the document's
prefix, one script.

Usage: check_svg.py FLAME_SVG_GEN OUTDIR
Exit 0 (fine), 1 (said why) or 77 (no xmllint, Debian package libxml2-utils;
a failure under CI=true: tests/testlib/skip.py).
"""
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'testlib'))
import skip  # noqa: E402
from check import die as fail  # noqa: E402  (each failure ends the test)

NS = '{http://www.w3.org/2000/svg}'


def check(path, kind):
    xmllint = skip.require_tool('xmllint', 'Debian package libxml2-utils')
    r = subprocess.run([xmllint, '--noout', '--huge', path], capture_output=True, text=True)
    if r.returncode:
        fail('%s: xmllint: %s' % (kind, r.stderr[:500]))
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        fail('%s: not well-formed XML: %s' % (kind, e))
    if root.tag != NS + 'svg':
        fail('%s: root element is %s' % (kind, root.tag))
    prefix = root.get('id')
    ids = [e.get('id') for e in root.iter() if e.get('id')]
    if len(ids) != len(set(ids)) or any(not i.startswith(prefix) for i in ids):
        fail('%s: ids not unique or not prefixed with %s: %s' % (kind, prefix, ids))
    if len(root.findall('.//' + NS + 'script')) != 1:
        fail('%s: expected one script' % kind)
    frames = []
    for g in root.iter(NS + 'g'):
        if g.get('class') != 'f':
            continue
        title = g.find(NS + 'title').text
        rect = g.find(NS + 'rect')
        lines = title.split('\n')
        count = int(lines[2].split(' ')[0])
        if count != int(g.get('data-n')):
            fail('%s: title count %d, data-n %s' % (kind, count, g.get('data-n')))
        frames.append((lines[0], count, float(rect.get('x')), float(rect.get('y')),
                       float(rect.get('width'))))
    roots = [f for f in frames if f[0] == 'all']
    if len(roots) != 1 or roots[0][1] != int(root.get('data-total')):
        fail('%s: root frame %s, total %s' % (kind, roots, root.get('data-total')))
    row = float(root.get('data-row'))
    for name, count, x, y, w in frames:
        kids = sum(c for _, c, cx, cy, cw in frames
                   if abs(cy - (y - row)) < 0.5 and x <= cx + cw / 2 <= x + w)
        if kids > count:
            fail('%s: children of %s count %d > %d' % (kind, name, kids, count))
    return frames


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    gen, outdir = sys.argv[1], sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    for kind in ('known', 'diff', 'awkward', 'deep', 'random'):
        path = os.path.join(outdir, kind + '.svg')
        subprocess.run([gen, kind, path], check=True)
        frames = check(path, kind)
        print('%s: %d frames, %d bytes, well-formed' % (kind, len(frames), os.path.getsize(path)))
        if kind == 'awkward':
            text = open(path, encoding='utf-8').read()
            if not re.search(r'operator&lt;&lt;\(std::ostream&amp;', text):
                fail('awkward: operator<< not escaped')
            names = [f[0] for f in frames]
            if 'operator<<(std::ostream&, char const*) [libx.so]' not in names:
                fail('awkward: names read back: %s' % names)
    print('all documents well-formed')
    return 0


if __name__ == '__main__':
    sys.exit(main())
