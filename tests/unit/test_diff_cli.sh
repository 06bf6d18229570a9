#!/bin/sh
# test_diff_cli.sh - `bbx diff` over JSON fixtures: exit 1 for a new or grown
# leak, 0 when only line numbers (and clone suffixes) moved, 0 with a
# matching suppression, 2 with one line on stderr for bad input.
# Snapshot sets are tried on the reader's corpus (no tracking records).
# usage: test_diff_cli.sh BBX FIXTURE_DIR (tests/unit/diff) CORPUS_DIR
set -u
BBX="$1"
D="$2"
CORPUS="$3"
. "$(dirname "$0")/../testlib/skip.sh"
bbx_require_tool python3 "Debian package python3"
[ -w /dev/full ] || bbx_skip "a writable /dev/full" "the kernel's full device, mknod /dev/full c 1 7"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }

# run WANT_RC ARGS...: runs bbx diff, checks the exit code
run() {
    want="$1"
    shift
    "$BBX" diff "$@" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    if [ "$rc" -eq "$want" ]; then ok; else bad "bbx diff $* exited $rc, want $want"; fi
}

err_is() {
    if [ "$(cat "$TMP/err")" = "$1" ] && [ "$(wc -l <"$TMP/err")" -eq 1 ]; then ok
    else bad "stderr was '$(cat "$TMP/err")', want '$1'"; fi
}

err_empty() {
    if [ -s "$TMP/err" ]; then bad "stderr not empty: $(cat "$TMP/err")"; else ok; fi
}

out_has() {
    if grep -qF -- "$1" "$TMP/out"; then ok; else bad "stdout lacks '$1'"; fi
}

out_lacks() {
    if grep -qF -- "$1" "$TMP/out"; then bad "stdout has '$1'"; else ok; fi
}

json_ok() {
    if python3 -m json.tool "$TMP/out" >/dev/null 2>&1; then ok
    else bad "--json output does not parse"; fi
}

# Help.
run 0 --help; out_has "usage: bbx diff"; out_has "--suppress FILE"; out_has "top "
"$BBX" help diff >"$TMP/out" 2>&1 && ok || bad "bbx help diff failed"
out_has "Suppression file"

# The same report, and one where only lines, a clone suffix, a thread
# number and the examples changed: nothing new.
run 0 "$D/base.json" "$D/base.json"; out_has "0 new, 0 grown, 2 unchanged, 0 fixed"; err_empty
run 0 "$D/base.json" "$D/moved.json"; out_has "0 new, 0 grown, 2 unchanged, 0 fixed"

# A leak added: exit 1, printed first with its creation stack.
run 1 "$D/base.json" "$D/new.json"
out_has "1 new, 0 grown, 2 unchanged, 0 fixed, 0 suppressed"
out_has "new       fd pipe: 4"
out_has "    at spawn_helper (/src/samples/leaker/helper.c:40)"
if [ "$(head -n 1 "$TMP/out")" = "new       fd pipe: 4" ]; then ok; else bad "new leak not first"; fi

# The same leak from another caller is another leak.
run 1 "$D/base.json" "$D/other-caller.json"; out_has "1 new, 0 grown, 1 unchanged, 1 fixed"

# Grown, fixed, and --tolerance.
run 1 "$D/base.json" "$D/grown.json"; out_has "grown     fd socket: 30 (was 12, +18)"
run 0 --tolerance 200 "$D/base.json" "$D/grown.json"; out_has "0 new, 0 grown"
run 1 --tolerance 149 "$D/base.json" "$D/grown.json"
run 0 "$D/base.json" "$D/fixed.json"; out_has "0 new, 0 grown, 1 unchanged, 1 fixed"
run 1 "$D/fixed.json" "$D/base.json"; out_has "1 new"

# A matching suppression: exit 0, counted, the rule's hits shown.
run 0 --suppress "$D/suppress-helper.txt" "$D/base.json" "$D/new.json"
out_has "0 new, 0 grown, 2 unchanged, 0 fixed, 1 suppressed"
out_has "suppression $D/suppress-helper.txt:2 matched 1 group"
out_lacks "spawn_helper"

# --json: parses, has the sections and counts.
run 1 --json "$D/base.json" "$D/new.json"; json_ok
out_has '"format": "bbx-diff"'; out_has '"current_count": 4'; out_has '"suppressed": 0'
run 0 --json --suppress "$D/suppress-helper.txt" "$D/base.json" "$D/new.json"; json_ok
out_has '"suppressed": 1'; out_has '"new": []'

# Bad usage and bad input: exit 2, one line naming the file and the problem.
run 2; err_is "bbx diff: BASE and CURRENT needed (usage: bbx diff [options] BASE CURRENT)"
run 2 "$D/base.json"
err_is "bbx diff: BASE and CURRENT needed (usage: bbx diff [options] BASE CURRENT)"
run 2 a b c; err_is "bbx diff: two inputs only, BASE and CURRENT (see 'bbx diff --help')"
run 2 --frob a b; err_is "bbx diff: unknown option '--frob' (see 'bbx diff --help')"
run 2 --suppress; err_is "bbx diff: --suppress needs a file name (see 'bbx diff --help')"
run 2 --tolerance -5 a b
err_is "bbx diff: --tolerance: '-5' is not a percentage from 0 to 1000000 (see 'bbx diff --help')"
run 2 "$D/base.json" "$TMP/missing.json"
err_is "bbx diff: $TMP/missing.json: cannot open: No such file or directory"
run 2 "$D/base.json" "$D/bad-origin.json"
err_is "bbx diff: $D/bad-origin.json: leaks[1].origin: expected an array, not a string"
run 2 "$D/bad-count.json" "$D/base.json"
err_is "bbx diff: $D/bad-count.json: leaks[0].count: expected an integer >= 0, not a string"
run 2 "$D/base.json" "$D/wrong-format.json"
err_is "bbx diff: $D/wrong-format.json: format: \"bbx-diff\" is not \"bbx-leaks\" (not a bbx leaks report)"
run 2 "$D/base.json" "$D/truncated.json"
case "$(cat "$TMP/err")" in
"bbx diff: $D/truncated.json: not valid JSON: "*) ok ;;
*) bad "truncated JSON: $(cat "$TMP/err")" ;;
esac
printf '{"format": "bbx-leaks", "version": 1, "leaks": [{"resource": "fd", "kind": "pipe", "count": 1, "origin": [], "name": 4}]}' >"$TMP/name.json"
run 2 "$D/base.json" "$TMP/name.json"
err_is "bbx diff: $TMP/name.json: leaks[0].name: expected a string, not an integer"
: >"$TMP/empty-supp"
run 1 --suppress "$TMP/empty-supp" "$D/base.json" "$D/new.json"
run 2 --suppress "$D/suppress-bad.txt" "$D/base.json" "$D/new.json"
err_is "bbx diff: $D/suppress-bad.txt:3: unknown field 'frame' (expected resource, kind, name, function, top, file, module or leak)"
run 2 --suppress "$TMP/missing.txt" "$D/base.json" "$D/new.json"
err_is "bbx diff: $TMP/missing.txt: cannot open: No such file or directory"

# Snapshot sets, told from JSON by content: a snapshot without tracking
# records has no leak groups; a file that is neither JSON nor a snapshot is
# named with the reader's message.
run 0 "$CORPUS/crash.snap" "$CORPUS/crash.snap"; out_has "0 new, 0 grown, 0 unchanged, 0 fixed"
run 0 "$D/base.json" "$CORPUS/crash.snap"; out_has "0 new, 0 grown, 0 unchanged, 2 fixed"
run 2 "$D/base.json" "$CORPUS/bad-magic.snap"
case "$(cat "$TMP/err")" in
"bbx diff: $CORPUS/bad-magic.snap: "*) ok ;;
*) bad "bad snapshot: $(cat "$TMP/err")" ;;
esac
mkdir "$TMP/empty-dir"
run 2 "$TMP/empty-dir" "$D/base.json"
case "$(cat "$TMP/err")" in
"bbx diff: $TMP/empty-dir"*) ok ;;
*) bad "empty dir: $(cat "$TMP/err")" ;;
esac

# A report that cannot be written is an error, not silence.
"$BBX" diff "$D/base.json" "$D/new.json" >/dev/full 2>"$TMP/err"
rc=$?
if [ "$rc" -eq 2 ] && grep -q "^bbx diff: cannot write the report" "$TMP/err"; then ok
else bad "writing to /dev/full: exit $rc, $(cat "$TMP/err")"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
