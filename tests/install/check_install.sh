#!/bin/sh
# `cmake --install` into a scratch prefix, then build an application outside
# the tree with `pkg-config --cflags --libs bbx`, run it, read its snapshot
# with the installed `bbx`.
# Usage: check_install.sh BUILD_DIR SOURCE_DIR
set -eu
build=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
libdir=$(ls -d "$work"/prefix/lib*/pkgconfig | head -n1)
export PKG_CONFIG_PATH=$libdir
cc -o "$work/app" "$src/tests/install/app.c" $(pkg-config --cflags --libs bbx) \
   -Wl,-rpath,"$(pkg-config --variable=libdir bbx)"
mkdir "$work/snaps"
export ASAN_OPTIONS=detect_leaks=0
snap=$(BBX_DIR="$work/snaps" "$work/app")
[ -f "$snap" ] || { echo "FAIL: no snapshot ($snap)"; exit 1; }
"$work/prefix/bin/bbx" show "$snap" | grep -q "hello from an installed bbx" ||
  { echo "FAIL: installed bbx does not show the breadcrumb"; exit 1; }
[ -f "$work/prefix/include/bbx.h" ] || { echo "FAIL: header not installed"; exit 1; }
echo ok
