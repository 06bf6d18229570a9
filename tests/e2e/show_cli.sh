#!/bin/sh
# End-to-end: `bbx show` on a real crash, as a user runs it.
# Usage: show_cli.sh CRASHER BBX
set -u
crasher=$1
bbx=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
export ASAN_OPTIONS=handle_segv=0:handle_abort=0:detect_leaks=0

BBX_DIR=$dir "$crasher" threads-fds >/dev/null 2>&1
snap=$(ls "$dir"/*.bbx) || fail "no snapshot"

"$bbx" show "$snap" >"$dir/report.txt" || fail "bbx show exited $?"
grep -q "SIGSEGV" "$dir/report.txt" || fail "report does not name SIGSEGV"
grep -q "crasher+0x" "$dir/report.txt" || fail "no crasher+0x frames"
grep -q "eventfd" "$dir/report.txt" || fail "fd table lacks the eventfd"
grep -q "crasher starting in mode threads-fds" "$dir/report.txt" || fail "no breadcrumb"
grep -qi "incomplete" "$dir/report.txt" && fail "complete file reported incomplete"

"$bbx" show --json "$snap" >"$dir/report.json" || fail "bbx show --json exited $?"
python3 - "$dir/report.json" <<'PY' || fail "JSON content"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["complete"] is True
assert d["trigger"]["kind"] == "crash" and d["trigger"]["signal"] == 11
assert d["trigger"]["signal_name"] == "SIGSEGV"
assert len(d["threads"]) == 21
crashed = [t for t in d["threads"] if t["crashed"]]
assert len(crashed) == 1 and crashed[0]["frames"][0]["module"].endswith("crasher")
kinds = {f["kind"] for f in d["fds"]}
for k in ("file", "dir", "pipe", "fifo", "socket", "eventfd", "timerfd", "signalfd",
          "epoll", "inotify", "memfd", "device"):
    assert k in kinds, k
assert any(m["build_id"] for m in d["modules"])
assert d["annotations"]["mode"] == "threads-fds"
assert isinstance(d["capture_ms"], (int, float))
PY

# A cut file: still read, marked incomplete, exit 0.
size=$(wc -c <"$snap")
head -c $((size * 2 / 3)) "$snap" >"$dir/cut.bbx"
"$bbx" show "$dir/cut.bbx" >"$dir/cut.txt" 2>&1 || fail "cut file: exit $?"
grep -qi "incomplete" "$dir/cut.txt" || fail "cut file not marked incomplete"

# Bad input: exit 2, one line naming the file.
"$bbx" show "$dir/nonexistent.bbx" >/dev/null 2>"$dir/err.txt"
[ $? -eq 2 ] || fail "missing file: exit code"
[ "$(wc -l <"$dir/err.txt")" -eq 1 ] || fail "missing file: not one line"
grep -q "nonexistent.bbx" "$dir/err.txt" || fail "error does not name the file"
printf 'not a snapshot at all' >"$dir/junk.bbx"
"$bbx" show "$dir/junk.bbx" >/dev/null 2>"$dir/err.txt"
[ $? -eq 2 ] || fail "junk file: exit code"
"$bbx" frobnicate >/dev/null 2>&1
[ $? -eq 2 ] || fail "unknown subcommand: exit code"
echo "ok"
