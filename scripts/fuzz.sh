#!/bin/sh
# Builds the libFuzzer targets with clang and runs one of them.
# usage: scripts/fuzz.sh [SECONDS] [TARGET] [-- extra libFuzzer options]
#   SECONDS  how long to fuzz (default 300); TARGET default fuzz_reader.
# The seed corpus (analyzer/fuzz/corpus) is copied into the build directory,
# which collects what the run finds; crash files land in build-fuzz/crashes/.
# Replay one with build/analyzer/fuzz/fuzz_reader_replay FILE.
set -eu
cd "$(dirname "$0")/.."
SECONDS_TO_RUN="${1:-300}"
TARGET="${2:-fuzz_reader}"
[ $# -ge 1 ] && shift
[ $# -ge 1 ] && shift
[ "${1:-}" = "--" ] && shift
BUILD=build-fuzz
CC=clang cmake -S . -B "$BUILD" -DBBX_FUZZ=ON -DBBX_SANITIZE=OFF \
  -DBBX_BUILD_SAMPLES=OFF -DBBX_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" --target "$TARGET" -j2 >/dev/null
mkdir -p "$BUILD/corpus-$TARGET" "$BUILD/crashes"
cp analyzer/fuzz/corpus/* "$BUILD/corpus-$TARGET/"
# rss_limit bounds what one input may make the reader allocate.
exec "$BUILD/analyzer/fuzz/$TARGET" -max_total_time="$SECONDS_TO_RUN" \
  -rss_limit_mb=2048 -timeout=25 -print_final_stats=1 \
  -artifact_prefix="$BUILD/crashes/" "$@" "$BUILD/corpus-$TARGET"
