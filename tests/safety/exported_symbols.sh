#!/bin/sh
# The collector's shared libraries export the bbx_* API and the libc calls
# they interpose (interposed_calls.txt), nothing else: an internal name such
# as snap_writer_begin exported from libbbx-preload.so would override a
# program's own function of that name.
# Usage: exported_symbols.sh LIB...
set -eu
here=$(dirname "$0")
allowed=$(mktemp)
trap 'rm -f "$allowed"' EXIT
grep -v '^#' "$here/interposed_calls.txt" | sort -u >"$allowed"
status=0
for lib in "$@"; do
  extra=$(nm -D --defined-only "$lib" | awk '{print $3}' | sed 's/@.*//' |
    grep -v -e '^bbx_' -e '^__start_bbx_calls_real$' -e '^__stop_bbx_calls_real$' |
    sort -u | comm -23 - "$allowed")
  n=$(nm -D --defined-only "$lib" | wc -l)
  if [ -n "$extra" ]; then
    echo "FAIL: $(basename "$lib") exports symbols that are neither bbx_* nor interposed calls:"
    echo "$extra" | sed 's/^/  /'
    status=1
  elif [ "$n" -lt 10 ]; then
    echo "FAIL: $(basename "$lib"): only $n exported symbols (nm -D failed?)"
    status=1
  else
    echo "ok: $(basename "$lib"): $n exported symbols, all bbx_* or interposed"
  fi
done
exit $status
