#!/bin/sh
# Set up everything and run every test: a plain build, then the same suite
# built with AddressSanitizer and UBSan.
# Usage: scripts/test.sh [--no-deps]
set -eu
cd "$(dirname "$0")/.."
[ "${1:-}" = "--no-deps" ] || scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
for variant in release asan; do
  dir=build-$variant
  flags=""
  [ "$variant" = asan ] && flags="-DBBX_SANITIZE=ON"
  echo "== $variant build"
  # shellcheck disable=SC2086
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo $flags >/dev/null
  cmake --build "$dir" -j "$jobs"
  ctest --test-dir "$dir" --output-on-failure -j "$jobs"
done
echo "all tests passed (release and asan+ubsan)"
