#!/bin/sh
# test_cli.sh - the `bbx` command's contract: exit codes, one-line errors
# naming the file, help and version, and --json output that parses.
# usage: test_cli.sh BBX CORPUS_DIR
set -u
BBX="$1"
CORPUS="$2"
. "$(dirname "$0")/../testlib/skip.sh"
bbx_require_tool python3 "Debian package python3"
[ -w /dev/full ] || bbx_skip "a writable /dev/full" "the kernel's full device, mknod /dev/full c 1 7"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }

# run WANT_RC ARGS...: runs bbx, checks the exit code; output in $TMP/out, err
run() {
    want="$1"
    shift
    "$BBX" "$@" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    if [ "$rc" -eq "$want" ]; then ok; else bad "bbx $* exited $rc, want $want"; fi
}

# The stderr of the last run is exactly this one line.
err_is() {
    if [ "$(cat "$TMP/err")" = "$1" ] && [ "$(wc -l <"$TMP/err")" -eq 1 ]; then ok
    else bad "stderr was '$(cat "$TMP/err")', want '$1'"; fi
}

err_has() {
    if grep -qF -- "$1" "$TMP/err"; then ok; else bad "stderr lacks '$1'"; fi
}

out_has() {
    if grep -qF -- "$1" "$TMP/out"; then ok; else bad "stdout lacks '$1'"; fi
}

run 0 --version;           out_has "bbx "
run 0 --help;              out_has "usage: bbx"; out_has "show"
run 0 help;                out_has "usage: bbx"
run 0 help show;           out_has "usage: bbx show"
run 0 show --help;         out_has "--json"
run 2;                     err_has "usage: bbx"
run 2 frob;                err_is "bbx: 'frob' is not a bbx command (see 'bbx help')"
run 2 --frob;              err_is "bbx: unknown option '--frob' (see 'bbx help')"
run 2 help frob;           err_is "bbx: 'frob' is not a bbx command (see 'bbx help')"
run 2 show;                err_is "bbx show: no FILE given (usage: bbx show [--json] FILE)"
run 2 show --frob x;       err_is "bbx show: unknown option '--frob' (see 'bbx show --help')"
run 2 show a b;            err_is "bbx show: one FILE only (two with --context) (see 'bbx show --help')"
run 2 show "$CORPUS/bad-magic.snap"
err_is "bbx show: $CORPUS/bad-magic.snap: not a bbx snapshot (bad magic)"
run 2 show "$CORPUS/future-major.snap"
err_is "bbx show: $CORPUS/future-major.snap: unsupported format version 2.1 (this bbx reads 1.x)"
run 2 show "$TMP/missing.snap"
err_is "bbx show: $TMP/missing.snap: cannot open: No such file or directory"
: >"$TMP/empty.snap"
run 2 show --json "$TMP/empty.snap"
err_is "bbx show: $TMP/empty.snap: empty file"

run 0 show "$CORPUS/crash.snap"
out_has "signal 11 (SIGSEGV), code 1 (SEGV_MAPERR), fault addr 0x0"
if [ -s "$TMP/err" ]; then bad "stderr not empty for a good file"; else ok; fi
run 0 show -- "$CORPUS/crash.snap"

# json_field FIELD: the value of a top-level field of the --json output in
# $TMP/out (Python's repr: True, None, 'text').
json_field() {
    python3 -c 'import json, sys; print(repr(json.load(open(sys.argv[1])).get(sys.argv[2])))' \
        "$TMP/out" "$1" 2>/dev/null
}

# incomplete FILE REASON: bbx show reads it (exit 0), the text report's
# second line is exactly "INCOMPLETE snapshot: REASON" and the JSON says
# complete false with that incomplete_reason.  REASON "" : a complete file.
incomplete() {
    run 0 show "$CORPUS/$1"
    line=$(sed -n 2p "$TMP/out")
    if [ -z "$2" ]; then
        if grep -q "INCOMPLETE" "$TMP/out"; then bad "$1: complete, but the text says: $line"
        else ok; fi
    elif [ "$line" = "INCOMPLETE snapshot: $2" ]; then ok
    else bad "$1: text says '$line', want 'INCOMPLETE snapshot: $2'"; fi
    run 0 show --json "$CORPUS/$1"
    if [ -z "$2" ]; then want_c=True want_r=None
    else want_c=False want_r="'$2'"; fi
    c=$(json_field complete) r=$(json_field incomplete_reason)
    if [ "$c" = "$want_c" ] && [ "$r" = "$want_r" ]; then ok
    else bad "$1: JSON complete $c, incomplete_reason $r; want $want_c, $want_r"; fi
}
# Each damaged corpus file (tests/unit/gen_corpus.c makes them) and the
# reason docs/FORMAT.md gives for its kind of damage.
incomplete crash.snap ""
incomplete crash-flushed.snap ""
incomplete crash-cut-half.snap "truncated after 0 records"
incomplete header-only.snap "truncated after 0 records"
incomplete crash-flushed-cut.snap "truncated after 7 records"
incomplete crash-flushed-origin-cut.snap "truncated after 17 records"
incomplete crash-no-end.snap "truncated after 21 records"
incomplete crash-bitflip.snap "checksum mismatch after 22 records"
incomplete trailing.snap "trailing garbage after the end of the snapshot"
incomplete after-end.snap "data after the END record"
incomplete end-mismatch.snap "END record counts 5 records but 1 were read"
incomplete varint-overflow.snap "corrupt record header after 2 records"
incomplete huge-lengths.snap \
    "corrupt record header after 1 records (length 1099511627776 over the 16 MiB limit)"

# Every corpus file: exit 0 or 2, and --json output that parses.
for f in "$CORPUS"/*; do
    "$BBX" show --json "$f" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    case $rc in
    0)
        if python3 -m json.tool "$TMP/out" >/dev/null 2>&1; then ok
        else bad "invalid JSON for $f"; fi ;;
    2) if [ "$(wc -l <"$TMP/err")" -eq 1 ]; then ok; else bad "not one line for $f"; fi ;;
    *) bad "bbx show --json $f exited $rc" ;;
    esac
done

# A report that cannot be written is an error, not silence.
"$BBX" show "$CORPUS/crash.snap" >/dev/full 2>"$TMP/err"
rc=$?
if [ "$rc" -eq 2 ] && grep -q "^bbx show: cannot write the report" "$TMP/err"; then ok
else bad "writing to /dev/full: exit $rc, $(cat "$TMP/err")"; fi

# --debuginfod-timeout: in every command that symbolizes, checked before any
# input is read; BBX_DEBUGINFOD_TIMEOUT the same way.
for args in "show x" "symbolize -e x" "leaks x" "diff a b" "flame x" "report -o o.html x"; do
    cmd="${args%% *}"
    # shellcheck disable=SC2086
    run 0 $cmd --help;     out_has "--debuginfod-timeout SECONDS"
    # shellcheck disable=SC2086
    run 2 $cmd --debuginfod-timeout soon ${args#* }
    err_is "bbx $cmd: --debuginfod-timeout: 'soon' is not whole seconds from 0 to 86400 (see 'bbx $cmd --help')"
    # shellcheck disable=SC2086
    run 2 $cmd --debuginfod-timeout 86401 ${args#* }
    err_has "'86401' is not whole seconds"
done
BBX_DEBUGINFOD_TIMEOUT=-1 "$BBX" show "$CORPUS/crash.snap" >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ "$rc" -eq 2 ]; then ok; else bad "BBX_DEBUGINFOD_TIMEOUT=-1: exit $rc, want 2"; fi
err_is "bbx show: BBX_DEBUGINFOD_TIMEOUT: '-1' is not whole seconds from 0 to 86400"
run 2 show --debuginfod-timeout; err_is "bbx show: --debuginfod-timeout needs seconds (see 'bbx show --help')"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
