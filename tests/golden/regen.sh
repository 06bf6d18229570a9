#!/bin/sh
# regen.sh - the golden outputs: runs bbx's commands over the snapshots of
# the scenarios (SCENARIOS.md, written by gen_golden with the project's own
# writer) and writes what each prints into expected/.
#
# usage: tests/golden/regen.sh BUILD_DIR           rewrite expected/ (then
#                                                  read `git diff` of it)
#        tests/golden/regen.sh --check BUILD_DIR   write into a temporary
#                                                  directory and fail with a
#                                                  unified diff when any file
#                                                  differs from expected/
# BUILD_DIR holds tests/golden/gen_golden and analyzer/bbx (any build type).
#
# Each case is one line of the table in cases() below: a file name and bbx's
# arguments.  Every case's stdout goes to expected/NAME; its exit status and
# any stderr go to expected/exit-status.txt.  The commands run inside the
# scratch directory with relative paths (crash/, crash-cut/, series/, base/,
# debug/), so
# no absolute path of the machine shows up in any output.
#
# Nothing is normalised: the outputs hold no bbx version, no absolute path of
# the machine and no time of the run.  If one ever must be, do it in
# normalise() below, the one place for it, and say why there.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
check=0
if [ "${1:-}" = "--check" ]; then
    check=1
    shift
fi
if [ $# -ne 1 ]; then
    echo "usage: $0 [--check] BUILD_DIR" >&2
    exit 2
fi
build=$(cd "$1" && pwd)
gen=$build/tests/golden/gen_golden
bbx=$build/analyzer/bbx
for f in "$gen" "$bbx"; do
    [ -x "$f" ] || { echo "regen.sh: $f: not built" >&2; exit 2; }
done
for tool in protoc gzip diff; do
    command -v $tool >/dev/null 2>&1 ||
        { echo "regen.sh: $tool is missing (scripts/install-deps.sh installs it)" >&2; exit 2; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=$work/out
mkdir "$out"

# Nothing of the machine's: no debuginfod, no extra debug directories, C
# locale.  /usr/lib/debug is still looked in, for build-ids nobody has.
unset DEBUGINFOD_URLS BBX_DEBUG_PATH BBX_DEBUGINFOD_TIMEOUT
export LC_ALL=C TZ=UTC

cd "$work"
"$gen" . || { echo "regen.sh: gen_golden failed" >&2; exit 1; }
# The fixture binary where --debug-dir finds it by build-id.
id=$(sed -n "s/^BUILD_ID=//p" "$here/fixture-bin/BUILD_ID")
mkdir -p "debug/.build-id/$(echo "$id" | cut -c1-2)"
cp "$here/fixture-bin/fixture_app" "debug/.build-id/$(echo "$id" | cut -c1-2)/$(echo "$id" | cut -c3-).debug"

crash=$(ls crash/*.bbx)
last=$(ls series/*.bbx | tail -n 1)

normalise() { # FILE: rewrite what differs between runs or machines (nothing yet)
    :
}

status=$out/exit-status.txt
: >"$status"
run() { # NAME ARGS...: stdout into NAME, exit status and stderr into the list
    name=$1
    shift
    rc=0
    "$bbx" "$@" >"$out/$name" 2>"$work/stderr" || rc=$?
    echo "$name: bbx $* => exit $rc" >>"$status"
    sed 's/^/    stderr: /' "$work/stderr" >>"$status"
    normalise "$out/$name"
}
pprof() { # NAME ARGS...: bbx flame --format pprof, gunzipped, protoc --decode_raw
    name=$1
    shift
    rc=0
    "$bbx" flame --format pprof -o "$work/p.pb.gz" "$@" 2>"$work/stderr" || rc=$?
    echo "$name: bbx flame --format pprof -o p.pb.gz $* => exit $rc" >>"$status"
    sed 's/^/    stderr: /' "$work/stderr" >>"$status"
    gzip -dc "$work/p.pb.gz" | protoc --decode_raw >"$out/$name"
    normalise "$out/$name"
}

# bbx show: the crash, unsymbolized (the fixture binary is not found), as
# module+offset only, and symbolized against fixture-bin/fixture_app.
run show.txt show "$crash"
run show.json show --json "$crash"
run show-no-symbols.txt show --no-symbols --debug-dir debug "$crash"
run show-symbols.txt show --debug-dir debug "$crash"
run show-symbols.json show --json --debug-dir debug "$crash"
run show-periodic.txt show --debug-dir debug "$last"
# The same with every thread on its own: the eight identical workers,
# folded into one entry above, each with its own stack again.
run show-periodic-all-threads.txt show --all-threads --debug-dir debug "$last"
run show-cut.txt show --debug-dir debug crash-cut/*.bbx
# bbx leaks over the current series (b) and the base series (c).
run leaks.txt leaks --debug-dir debug series
run leaks.json leaks --json --debug-dir debug series
run leaks-all.txt leaks --all --debug-dir debug series
run leaks-all.json leaks --all --json --debug-dir debug series
run leaks-no-symbols.txt leaks --no-symbols series
run leaks-base.txt leaks --debug-dir debug base
# bbx diff: base (c) against current (b), and from the JSON of bbx leaks.
run diff.txt diff --debug-dir debug base series
run diff.json diff --json --debug-dir debug base series
"$bbx" leaks --json --debug-dir debug base >base.json || true
run diff-from-json.txt diff --debug-dir debug base.json series
# bbx flame, folded.
run flame-stacks.folded flame --debug-dir debug series
run flame-stacks-group-thread.folded flame --group thread --debug-dir debug series
run flame-stacks-group-snapshot.folded flame --group snapshot --debug-dir debug series
run flame-stacks-no-symbols.folded flame --no-symbols series
run flame-fd-origins.folded flame --what fd-origins --debug-dir debug series
run flame-fd-origins-group-snapshot.folded flame --what fd-origins --group snapshot \
    --debug-dir debug series
run flame-fd-origins-leaks-only.folded flame --what fd-origins --leaks-only \
    --debug-dir debug series
run flame-thread-origins.folded flame --what thread-origins --debug-dir debug series
run flame-thread-origins-leaks-only.folded flame --what thread-origins --leaks-only \
    --debug-dir debug series
run flame-crash.folded flame --debug-dir debug "$crash"
run flame-crash-no-inline.folded flame --no-inline --debug-dir debug "$crash"
run flame-crash-modules.folded flame --modules --debug-dir debug "$crash"
run flame-crash-fd-origins.folded flame --what fd-origins --debug-dir debug "$crash"
run flame-diff-stacks.folded flame --debug-dir debug series --diff base
run flame-diff-fd-origins.folded flame --what fd-origins --debug-dir debug series --diff base
# bbx flame --format pprof, decoded by protoc (not by bbx).
pprof flame-stacks.pprof.txt --debug-dir debug series
pprof flame-fd-origins-group-snapshot.pprof.txt --what fd-origins --group snapshot \
    --debug-dir debug series
pprof flame-crash.pprof.txt --debug-dir debug "$crash"

expected=$here/expected
if [ $check -eq 0 ]; then
    rm -rf "$expected"
    cp -r "$out" "$expected"
    echo "regen.sh: wrote $(ls "$expected" | wc -l) files into $expected"
    exit 0
fi
if diff -ru "$expected" "$out" >"$work/diff"; then
    echo "golden outputs: $(ls "$out" | wc -l) files as expected"
    exit 0
fi
cat "$work/diff"
echo "golden outputs differ from tests/golden/expected (above: expected, then what bbx"
echo "printed now); if the change is intended, run tests/golden/regen.sh BUILD_DIR and"
echo "commit expected/ with the change"
exit 1
