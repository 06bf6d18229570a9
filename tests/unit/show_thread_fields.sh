#!/bin/sh
# show_thread_fields.sh - `bbx show`, `bbx show --json` and `bbx report` on
# the reference snapshot written by the real writer (gen_corpus): the
# threads the capture left out (CAPTURE THREADS_OMITTED) and how each
# thread's stack was obtained (THREAD METHOD, REUSED) are said.
# usage: show_thread_fields.sh GEN_CORPUS BBX
set -u
gen=$1
bbx=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
failed=0
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }

"$gen" "$dir" >/dev/null || { echo "FAIL: gen_corpus"; exit 1; }
snap=$dir/crash.snap

"$bbx" show "$snap" >"$dir/out.txt" || fail "bbx show exited $?"
grep -qx "threads:  7 threads not captured (over BBX_MAX_THREADS; 3 written)" "$dir/out.txt" ||
    fail "bbx show does not say 7 threads were left out"
grep -A1 '^--- thread 4243 "worker"' "$dir/out.txt" | grep -qx \
    "  stack: from the kernel's sp/pc (not interrupted; may be partial) (unchanged since the previous snapshot)" ||
    fail "bbx show: no kernel/reused stack line under thread 4243"
grep -A1 '^--- thread 4244 "deep"' "$dir/out.txt" | grep -qx \
    "  stack: saved at blocking call entry (not interrupted)" ||
    fail "bbx show: no saved-at-call stack line under thread 4244"

# A snapshot without the fields says nothing of omitted threads, and every
# thread's stack was obtained the usual way (method absent: the signal).
"$bbx" show "$dir/request.snap" >"$dir/req.txt" || fail "bbx show request exited $?"
grep -q "not captured" "$dir/req.txt" && fail "bbx show: omitted threads without the field"
[ "$(grep -c '^--- ' "$dir/req.txt")" = "$(grep -c '^  stack: ' "$dir/req.txt")" ] ||
    fail "bbx show: a thread without a stack: line"

"$bbx" show --json "$snap" >"$dir/out.json" || fail "bbx show --json exited $?"
python3 - "$dir/out.json" <<'PY' || fail "bbx show --json content"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["capture"]["threads_omitted"] == 7, d["capture"]
t = {x["tid"]: x for x in d["threads"]}
assert (t[4242]["stack_method"], t[4242]["reused"]) == ("crash", False), t[4242]
assert (t[4243]["stack_method"], t[4243]["reused"]) == ("kernel", True), t[4243]
assert (t[4244]["stack_method"], t[4244]["reused"]) == ("call", False), t[4244]
PY

"$bbx" report --no-symbols -o "$dir/page.html" "$snap" || fail "bbx report exited $?"
grep -q "7 threads not captured (over BBX_MAX_THREADS; 3 written)" "$dir/page.html" ||
    fail "bbx report does not say 7 threads were left out"
grep -q "stack: from the kernel&#39;s sp/pc\|stack: from the kernel's sp/pc" "$dir/page.html" ||
    fail "bbx report does not say how thread 4243's stack was obtained"

[ $failed -eq 0 ] || exit 1
echo ok
