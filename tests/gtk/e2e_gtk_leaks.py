"""End-to-end: `bbx leaks` on real GTK programs under Xvfb, with the preload
tracking fds and threads (BBX_TRACK=fd,thread), periodic snapshots
(BBX_INTERVAL_MS) and one at exit (BBX_AT_EXIT=1).

Usage: e2e_gtk_leaks.py CASE --app GTK_APP --bbx BBX --preload LIBBBX_PRELOAD
                        [--sanitizer-runtimes=A:B]

CASE:
  zenity      `zenity --info` closed normally with Return: `bbx leaks` exits
              0 with no suspects, and says that toolkit singletons were not
              counted (the X connection, GLib's eventfds, made under
              gtk_init); `--all` lists them with the rule of toolkits.supp
              that matched; with --no-toolkit-rules the same snapshots give
              suspects (exit 1), so the rules are what keeps them out.
  idle        gtk-app --mode=idle run to its normal end: exit 0, no suspects.
  leak-tick   gtk-app --mode=leak-tick: exactly four leaks, a file, a
              UDP socket, a thread "leaked-worker" and an X pixmap: the
              first three created at the sample's own line (leak_a_file,
              leak_a_udp_socket through g_socket_new, leak_a_thread through
              g_thread_new) in the JSON (origin[app_frame], created_at), in
              the text ("created at:") and in the legend of `bbx report`'s
              charts; the pixmap from the X server's own counts (x11
              PIXMAP, and the same leak as pixmap memory, "pixmap KiB"),
              rising in the snapshots by about one per tick.
  two-sites   gtk-app --mode=leak-two-sites: two UDP socket suspects, one
              per call site of the program (leak_udp_site_a, _b), although
              both go through the same GIO call.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "testlib"))
from check import check, die, fail, finish  # noqa: E402
from xvfb import Xvfb, XvfbError, find_window, press_key  # noqa: E402

SOURCE = os.path.join(HERE, "..", "..", "samples", "gtk-app", "gtk_app.c")
WAIT = 120  # seconds: the bound of every wait for a program


def source_line(pattern):
    """The number of the line of gtk_app.c that matches pattern."""
    with open(SOURCE) as f:
        for i, text in enumerate(f, 1):
            if re.search(pattern, text):
                return i
    die("no line matching %r in %s" % (pattern, SOURCE))


def track_env(env, outdir, args):
    """env with the preload tracking, periodic and at-exit snapshots."""
    e = dict(env, BBX_DIR=outdir, BBX_TRACK="fd,thread", BBX_INTERVAL_MS="250",
             BBX_AT_EXIT="1", ASAN_OPTIONS="handle_segv=0:detect_leaks=0")
    for k in ("BBX_HANG_MS", "BBX_SIGNAL", "GTK_APP_NO_BBX"):
        e.pop(k, None)
    e["LD_PRELOAD"] = ":".join([r for r in args.sanitizer_runtimes.split(":") if r] +
                               [args.preload])
    return e


def bbx(args, *argv):
    """(exit status, stdout) of bbx ARGV; stderr goes to ours."""
    p = subprocess.run([args.bbx] + list(argv), stdout=subprocess.PIPE, text=True,
                       timeout=WAIT)
    return p.returncode, p.stdout


def judged(args, leaks):
    """The suspects this test judges: under ASan the process's anon memory
    is ASan's allocator (redzones, quarantine, shadow: +24 MiB in zenity's
    1.5 s), so memory verdicts are left to the release run."""
    if args.sanitizer_runtimes:
        return [g for g in leaks if g["resource"] != "memory"]
    return leaks


def no_suspects(args, outdir, what):
    """`bbx leaks` on outdir finds nothing this test judges: exit 0 and "no
    leak suspects" (under ASan: no suspect but memory, by the JSON)."""
    rc, out = bbx(args, "leaks", outdir)
    if not args.sanitizer_runtimes:
        check(rc == 0, "%s: bbx leaks exits 0, not %s:\n%s" % (what, rc, out))
        check("no leak suspects" in out, "%s: no suspects:\n%s" % (what, out))
    rc, js = bbx(args, "leaks", "--json", outdir)
    doc = json.loads(js)
    check(rc in (0, 1) and judged(args, doc["leaks"]) == [],
          "%s: JSON: no leaks: %s" % (what, doc["leaks"]))
    return out, doc


def one_exit_snapshot(outdir):
    files = sorted(os.listdir(outdir))
    check(any(f.endswith("-exit.bbx") for f in files), "an at-exit snapshot in %s" % files)
    check(len(files) >= 3, "periodic snapshots too: %s" % files)


def run_gtk_app(args, env, top, mode):
    """gtk-app --mode=MODE clicked at once, quitting after 3 s; its snapshots' dir."""
    outdir = os.path.join(top, mode)
    os.mkdir(outdir)
    p = subprocess.run([args.app, "--mode=" + mode, "--click-after=0", "--quit-after=3"],
                       env=track_env(env, outdir, args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=WAIT)
    check(p.returncode == 0, "gtk-app %s exits 0, not %s: %s" % (mode, p.returncode, p.stderr))
    check("action %s" % mode in p.stdout, "gtk-app %s was clicked: %s" % (mode, p.stdout))
    one_exit_snapshot(outdir)
    return outdir


def case_zenity(args, env, top):
    outdir = os.path.join(top, "zenity")
    os.mkdir(outdir)
    p = subprocess.Popen(["zenity", "--info", "--text=bbx leaks test"],
                         env=track_env(env, outdir, args), stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    try:
        win = find_window(env, "Information")
        time.sleep(1.0)  # a few periodic snapshots of the idle dialog
        press_key(env, win, "Return")
        rc = p.wait(timeout=WAIT)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    check(rc == 0, "zenity closed normally with Return (exit %s)" % rc)
    one_exit_snapshot(outdir)
    out, doc = no_suspects(args, outdir, "zenity")
    m = re.search(r"not counted: (\d+) toolkit singleton group", out)
    check(m and int(m.group(1)) >= 1, "says toolkit singletons were not counted:\n%s" % out)
    check(doc["not_counted"]["toolkit"] >= 1, "JSON not_counted: %s" % doc["not_counted"])
    rc, out = bbx(args, "leaks", "--all", outdir)
    check("toolkits.supp:" in out and "gtk_init" in out,
          "--all lists the singletons with their rule and gtk_init:\n%s" % out)
    rc, out = bbx(args, "leaks", "--no-toolkit-rules", outdir)
    check(rc == 1, "without the toolkit rules the same snapshots have suspects (exit %s)" % rc)


def case_idle(args, env, top):
    outdir = run_gtk_app(args, env, top, "idle")
    no_suspects(args, outdir, "gtk-app idle")


def app_frame(leak):
    """The origin frame the report names as the program's own, or None."""
    i = leak.get("app_frame")
    return leak["origin"][i] if i is not None else None


def check_site(leak, function, pattern, via, text, legend):
    """leak's own frame is FUNCTION at the line of PATTERN, through VIA, in the
    JSON, the text and the chart legend."""
    line = source_line(pattern)
    f = app_frame(leak)
    check(f is not None and f["function"] == function and
          (f["file"] or "").endswith("gtk_app.c") and f["line"] == line,
          "%s: own frame %s at gtk_app.c:%d, not %s" % (leak["kind"], function, line, f))
    site = "%s (gtk_app.c:%d)" % (function, line)
    want = site + (" via %s [" % via if via else "")
    check((leak.get("created_at") or "").startswith(want),
          "JSON created_at starts %r: %r" % (want, leak.get("created_at")))
    check("created at: " + want in text, "text says 'created at: %s'" % want)
    label = site + (" via %s" % via if via else "")
    check(label in legend, "the chart legend names %r" % label)


def legend_of(args, outdir, top):
    page = os.path.join(top, os.path.basename(outdir) + ".html")
    rc, _ = bbx(args, "report", "-o", page, outdir)
    check(rc == 0, "bbx report writes the page (exit %s)" % rc)
    with open(page) as f:
        html = f.read()
    return " ".join(re.findall(r'class="swatch"[^>]*></span>([^<]*)', html))


def case_leak_tick(args, env, top):
    outdir = run_gtk_app(args, env, top, "leak-tick")
    rc, out = bbx(args, "leaks", "--json", outdir)
    check(rc == 1, "bbx leaks finds suspects (exit %s)" % rc)
    all_leaks = judged(args, json.loads(out)["leaks"])
    leaks = [g for g in all_leaks if g["resource"] != "x11"]
    kinds = sorted(g["kind"] for g in leaks)
    check(kinds == ["file", "socket", "thread"], "exactly a file, a socket and a thread: %s"
          % [(g["kind"], g.get("created_at")) for g in leaks])
    # the pixmap: from the X server, one more per tick (the count and its
    # memory are the same leak); no other X resource grows
    x11 = sorted(g["kind"] for g in all_leaks if g["resource"] == "x11")
    check(x11 == ["PIXMAP", "pixmap KiB"], "the X pixmap, and only it: %s" % x11)
    counts = []
    for name in sorted(os.listdir(outdir)):
        if name.endswith("-periodic.bbx"):
            rc, js = bbx(args, "show", "--json", "--no-symbols", os.path.join(outdir, name))
            x = json.loads(js).get("x11") if rc == 0 else None
            if x:
                counts.append({t["name"]: t["count"] for t in x["types"]}.get("PIXMAP", 0))
    check(len(counts) >= 4 and counts == sorted(counts) and counts[-1] - counts[0] >= 10,
          "PIXMAP counts rise by about one a tick in the periodic snapshots: %s" % counts)
    _, text = bbx(args, "leaks", outdir)
    legend = legend_of(args, outdir, top)
    by_kind = {g["kind"]: g for g in leaks}
    if "socket" in by_kind:
        check(any("SOCK_DGRAM" in e for e in by_kind["socket"]["examples"]),
              "the socket is UDP: %s" % by_kind["socket"]["examples"])
        check_site(by_kind["socket"], "leak_a_udp_socket", r"leak_a_udp_socket: g_socket_new",
                   "g_socket_new", text, legend)
    if "file" in by_kind:
        check_site(by_kind["file"], "leak_a_file", r"leak_a_file: the fopen", None, text,
                   legend)
    if "thread" in by_kind:
        check("leaked-worker" in (by_kind["thread"]["name"] or ""),
              "the thread is leaked-worker: %s" % by_kind["thread"]["name"])
        check_site(by_kind["thread"], "leak_a_thread", r"leak_a_thread: g_thread_new",
                   "g_thread_new", text, legend)
    for g in leaks:
        check(g["confidence"] == "high", "%s is high: %s" % (g["kind"], g["confidence"]))


def case_two_sites(args, env, top):
    outdir = run_gtk_app(args, env, top, "leak-two-sites")
    rc, out = bbx(args, "leaks", "--json", outdir)
    leaks = judged(args, json.loads(out)["leaks"])
    check(rc == 1 and len(leaks) == 2 and all(g["kind"] == "socket" for g in leaks),
          "two socket suspects: %s" % [(g["kind"], g.get("created_at")) for g in leaks])
    _, text = bbx(args, "leaks", outdir)
    legend = legend_of(args, outdir, top)
    sites = sorted((app_frame(g) or {}).get("function") or "?" for g in leaks)
    check(sites == ["leak_udp_site_a", "leak_udp_site_b"], "one per call site: %s" % sites)
    for g in leaks:
        fn = (app_frame(g) or {}).get("function")
        if fn in ("leak_udp_site_a", "leak_udp_site_b"):
            check_site(g, fn, fn + r": g_socket_new", "g_socket_new", text, legend)


CASES = {"zenity": case_zenity, "idle": case_idle, "leak-tick": case_leak_tick,
         "two-sites": case_two_sites}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case", choices=sorted(CASES))
    ap.add_argument("--app", required=True)
    ap.add_argument("--bbx", required=True)
    ap.add_argument("--preload", required=True)
    ap.add_argument("--sanitizer-runtimes", default="")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bbx-gtk-leaks-") as top:
        try:
            with Xvfb() as env:
                CASES[args.case](args, env, top)
        except XvfbError as e:
            die(str(e))
    finish("gtk leaks %s: ok" % args.case)


if __name__ == "__main__":
    main()
