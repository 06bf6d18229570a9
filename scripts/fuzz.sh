#!/bin/sh
# Builds the libFuzzer targets with clang and runs one of them.
# usage: scripts/fuzz.sh [SECONDS] [TARGET] [-- extra libFuzzer options]
#   SECONDS  how long to fuzz (default 300)
#   TARGET   fuzz_reader (default), fuzz_records, fuzz_suppress,
#            fuzz_leaks_json or fuzz_env (analyzer/fuzz/CMakeLists.txt)
# The target's seed corpus (analyzer/fuzz/corpus*) is copied into the build
# directory, which collects what the run finds; crash files land in
# build-fuzz/crashes/.  Replay one with build/analyzer/fuzz/TARGET_replay FILE.
set -eu
cd "$(dirname "$0")/.."
SECONDS_TO_RUN="${1:-300}"
TARGET="${2:-fuzz_reader}"
[ $# -ge 1 ] && shift
[ $# -ge 1 ] && shift
[ "${1:-}" = "--" ] && shift
case $TARGET in
fuzz_reader) SEEDS=corpus ;;
fuzz_records) SEEDS=corpus-records ;;
fuzz_suppress) SEEDS=corpus-suppress ;;
fuzz_leaks_json) SEEDS=corpus-leaks-json ;;
fuzz_env) SEEDS=corpus-env ;;
*) echo "scripts/fuzz.sh: unknown target '$TARGET'" >&2; exit 2 ;;
esac
BUILD=build-fuzz
CC=clang cmake -S . -B "$BUILD" -DBBX_FUZZ=ON -DBBX_SANITIZE=OFF \
  -DBBX_BUILD_SAMPLES=OFF -DBBX_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" --target "$TARGET" -j2 >/dev/null
mkdir -p "$BUILD/corpus-$TARGET" "$BUILD/crashes"
cp analyzer/fuzz/"$SEEDS"/* "$BUILD/corpus-$TARGET/"
# rss_limit bounds what one input may make the reader allocate.
exec "$BUILD/analyzer/fuzz/$TARGET" -max_total_time="$SECONDS_TO_RUN" \
  -rss_limit_mb=2048 -timeout=25 -print_final_stats=1 \
  -artifact_prefix="$BUILD/crashes/" "$@" "$BUILD/corpus-$TARGET"
