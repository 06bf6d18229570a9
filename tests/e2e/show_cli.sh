#!/bin/sh
# End-to-end: `bbx show` on a real crash, as a user runs it.
# Usage: show_cli.sh CRASHER BBX
set -u
crasher=$1
bbx=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
. "$(dirname "$0")/../testlib/skip.sh"
bbx_require_tool python3 "Debian package python3"
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

# Damaged copies: still read (exit 0), and both reports give the exact
# reason docs/FORMAT.md names for that damage, the text on its second line.
# reason FILE: prints the reason ("complete" for none), after checking that
# text and JSON agree; get FILE: sets $why to it, or stops the test.
reason() {
    "$bbx" show "$1" >"$dir/damaged.txt" 2>&1 || fail "$1: bbx show exited $?"
    "$bbx" show --json "$1" >"$dir/damaged.json" || fail "$1: bbx show --json exited $?"
    text=$(sed -n 2p "$dir/damaged.txt")
    json=$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print("complete" if d["complete"] else d["incomplete_reason"])' "$dir/damaged.json") ||
        fail "$1: JSON does not parse"
    if [ "$json" = complete ]; then
        grep -qi incomplete "$dir/damaged.txt" && fail "$1: JSON says complete, the text not"
    elif [ "$text" != "INCOMPLETE snapshot: $json" ]; then
        fail "$1: text says '$text', JSON says '$json'"
    fi
    echo "$json"
}
get() { why=$(reason "$1") || { echo "$why"; exit 1; }; }
size=$(wc -c <"$snap")
# cut at two thirds: inside the zstd frame, after some flushed records
head -c $((size * 2 / 3)) "$snap" >"$dir/cut.bbx"
get "$dir/cut.bbx"
case $why in
"truncated after "*" records") n=${why#truncated after }; n=${n% records} ;;
*) fail "cut file: reason '$why', want 'truncated after N records'" ;;
esac
case $n in '' | *[!0-9]*) fail "cut file: reason '$why': N is not a number" ;; esac
[ "$n" -ge 1 ] || fail "cut file: no record before the cut ($why)"
# the 16-byte header alone
head -c 16 "$snap" >"$dir/header.bbx"
get "$dir/header.bbx"
[ "$why" = "truncated after 0 records" ] || fail "header only: reason '$why'"
# bytes after the closed frame
{ cat "$snap"; printf 'junk'; } >"$dir/trailing.bbx"
get "$dir/trailing.bbx"
[ "$why" = "trailing garbage after the end of the snapshot" ] ||
    fail "trailing bytes: reason '$why'"
# the frame's content checksum (its last 4 bytes) altered
head -c $((size - 1)) "$snap" >"$dir/sum.bbx"
last=$(tail -c 1 "$snap" | od -An -tu1 | tr -d ' ')
# shellcheck disable=SC2059 # the format is the one octal escape of the new byte
printf "\\$(printf %o $(((last + 1) % 256)))" >>"$dir/sum.bbx"
get "$dir/sum.bbx"
case $why in
"checksum mismatch after "*" records") ;;
*) fail "altered checksum: reason '$why', want 'checksum mismatch after N records'" ;;
esac
# and the complete file itself says complete
get "$snap"
[ "$why" = complete ] || fail "the crash snapshot: '$why', want complete"

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
