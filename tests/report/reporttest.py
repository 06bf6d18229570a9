"""Shared helpers of the `bbx report` tests: the page parsed with
html.parser (tags with their attributes, the text, ids), the check that it
loads nothing from elsewhere, and running `bbx report`.  The process and
collector helpers come from tests/leaks/leaktest.py.  Not a test itself."""

import os
import subprocess
import sys
from html.parser import HTMLParser

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "leaks"))
import leaktest as lt  # noqa: E402  (fail, note, finish, skip, Scratch, collector_env, run)

URL_ATTRS = ("src", "href", "xlink:href", "action", "formaction", "poster", "data")


class Page(HTMLParser):
    """The parsed page: tags [(tag, attrs dict)], text (all character data
    joined), ids, and the text inside each element with an id."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.tags = []
        self.parts = []
        self.ids = set()
        self.feed(html)
        self.close()
        self.text = "".join(self.parts)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if a.get("id"):
            self.ids.add(a["id"])

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        self.parts.append(data)

    def count(self, tag, **attrs):
        return sum(1 for t, a in self.tags
                   if t == tag and all(a.get(k) == v for k, v in attrs.items()))


def external_references(html, page):
    """What in the page would load something from elsewhere (empty: none)."""
    found = []
    for tag, a in page.tags:
        if tag == "link":
            found.append("<link %s>" % a)
        if tag == "script" and "src" in a:
            found.append("<script src=%s>" % a["src"])
        if tag in ("iframe", "object", "embed", "img", "audio", "video", "source") and \
                any(k in a for k in URL_ATTRS):
            found.append("<%s %s>" % (tag, a))
        for k in URL_ATTRS:
            v = (a.get(k) or "").strip().lower()
            if v.startswith(("http:", "https:", "//", "ftp:", "ws:", "wss:", "file:")):
                found.append("%s=%s on <%s>" % (k, a[k], tag))
    low = html.lower()
    for needle in ("@import", "url(http", "url(//", "url('http", 'url("http'):
        if needle in low:
            found.append(needle)
    return found


def bbx_report(bbx, inputs, out, extra=()):
    """Runs `bbx report -o OUT INPUTS`; returns the CompletedProcess."""
    return subprocess.run([bbx, "report", *extra, "-o", out, *inputs], capture_output=True,
                          text=True, timeout=600)


def read_page(path):
    with open(path, encoding="utf-8") as f:
        html = f.read()
    return html, Page(html)


def browser_args(p):
    """The options of a test that loads pages in headless Chromium."""
    p.add_argument("--node", default="node")
    p.add_argument("--chromium", default="/usr/bin/chromium")
    p.add_argument("--browser-dir", required=True)
    p.add_argument("--shots", required=True)


def require_browser(args):
    """node, Chromium and playwright-core, or skip (77; a failure under
    CI=true); makes the screenshot directory.  Returns node's path."""
    import shutil
    node = shutil.which(args.node) if not os.path.isabs(args.node) else args.node
    if not node or not os.access(node, os.X_OK):
        lt.skip("node (%s)" % args.node, "Debian package nodejs")
    if not os.access(args.chromium, os.X_OK):
        lt.skip("Chromium at %s" % args.chromium, "Debian package chromium")
    if not os.path.isdir(os.path.join(args.browser_dir, "node_modules", "playwright-core")):
        lt.skip("playwright-core in %s/node_modules" % args.browser_dir,
                "npm ci --prefix tests/browser, which scripts/install-deps.sh runs")
    os.makedirs(args.shots, exist_ok=True)
    return node
