#!/usr/bin/env python3
"""bbx report over a generated memory series (gen_memseries: anon memory
+10 MiB/min in a 200 MiB cgroup, killed by the OOM killer; one growing and
one steady heap stack): the page charts memory by kind and the live heap by
stack next to fds and threads, lists the growing stack (its own frame and
line) and not the steady one, says the process vanished, and loads in
headless Chromium without errors (tests/report/browser_check.mjs; a
screenshot is kept in --shots).

usage: e2e_memgrowth_report.py --bbx BBX --gen GEN --source gen_memseries.c
                            --node NODE --chromium CHROMIUM
                            --browser-dir tests/browser --shots DIR
"""

import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "report"))
import reporttest as rt  # noqa: E402
from reporttest import lt  # noqa: E402

p = lt.arg_parser("bbx report of a memory series, in headless Chromium")
p.add_argument("--gen", required=True)
p.add_argument("--source", required=True)
rt.browser_args(p)
args = p.parse_args()
node = rt.require_browser(args)

with open(args.source) as f:
    GROW_LINE = next(i for i, t in enumerate(f, 1) if "GROW_SITE" in t)

with lt.Scratch("memory-report") as scratch:
    d = scratch.sub("series")
    child = subprocess.Popen(["true"])
    child.wait()
    subprocess.run([args.gen, d, "pid=%d" % child.pid, "cg_max=%d" % (200 << 20), "oom_at=10",
                    "steady_creep=3072"], check=True)
    page = scratch.file("memory.html")
    r = rt.bbx_report(args.bbx, [d], page)
    lt.check(r.returncode == 0, "bbx report exits 0: %s" % r.stderr.strip())
    html, _ = rt.read_page(page)
    caps = re.findall(r"<figcaption>([^<]*)</figcaption>", html)
    lt.check(any(c.startswith("Threads over time") for c in caps) and
             any(c.startswith("Memory over time, by kind") for c in caps) and
             any(c.startswith("Live heap over time") for c in caps),
             "charts: threads, memory by kind, live heap: %s" % caps)
    mem = html[html.find("Memory over time"):]
    mem = mem[:mem.find("</figure>")]
    for label in ("anon RSS", "code RSS", "cgroup", "malloc"):
        lt.check(label in mem, "the memory chart has a line for %s" % label)
    leaks = html[html.find('id="leaks"'):]
    leaks = leaks[:leaks.find("</section>")]
    lt.check("grow_cache (gen_memseries.c:%d)" % GROW_LINE in leaks,
             "the leak table names the growing heap stack by its own frame")
    lt.check("steady_buffers" not in leaks, "the steady heap stack is not a suspect")
    lt.check("vanished after its last snapshot" in leaks and "OOM killer" in leaks,
             "the page says the process vanished, killed by the OOM killer")
    for key in ("memory", "cgroup", "malloc", "heap"):
        lt.check("<th>%s</th>" % key in html, "the summary has a %s row" % key)
    lt.check("1 OOM kill" in html, "the summary's cgroup row counts the OOM kill")
    shot = os.path.join(args.shots, "report-memory.png")
    r = lt.run([node, os.path.join(HERE, "..", "report", "browser_check.mjs"), args.browser_dir,
                args.chromium, "%s=%s" % (page, shot)], check=False, timeout=300)
    print(r.stdout, end="")
    if r.returncode != 0:
        lt.fail("browser_check.mjs exited %d: %s" % (r.returncode, r.stderr.strip()[-1500:]))
lt.finish()
