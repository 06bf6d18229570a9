#!/bin/sh
# Set up everything and run the demo: a sample program with threads and open
# files crashes; `bbx show` prints what bbx captured.
# Usage: scripts/demo.sh [--no-deps]
set -eu
cd "$(dirname "$0")/.."
[ "${1:-}" = "--no-deps" ] || scripts/install-deps.sh
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-release -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
out=out/demo
rm -rf "$out"
mkdir -p "$out"
echo "== running samples/crasher threads-fds (20 threads, 16 fds of every kind, then a NULL write)"
status=0
BBX_DIR=$out CRASHER_SCRATCH=$out build-release/samples/crasher threads-fds >/dev/null || status=$?
echo "== the process died with status $status (139 = SIGSEGV), as it would without bbx"
snap=$(ls "$out"/*.bbx)
echo "== snapshot: $snap ($(wc -c <"$snap") bytes)"
echo "== bbx show $snap"
build-release/analyzer/bbx show "$snap"
