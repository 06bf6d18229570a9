#!/bin/sh
# Installs the Debian packages blackbox needs to build, test and benchmark.
# Usage: scripts/install-deps.sh [--bench]   (run as root, or with sudo available)
set -eu
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
PKGS="build-essential cmake pkg-config clang libclang-rt-14-dev
      libunwind-dev libdw-dev libelf-dev libzstd-dev libsqlite3-dev check
      libjansson-dev elfutils binutils file zstd python3 libc6-dbg
      xz-utils zlib1g-dev chromium util-linux libdebuginfod-dev debuginfod
      e2fsprogs protobuf-compiler libxml2-utils mount
      libgtk-3-dev xvfb xauth xdotool x11-utils imagemagick gtk-3-examples
      zenity mesa-utils libgl1-mesa-dri dbus-x11 x11-apps xterm
      libxcb1-dev libxcb-res0 libxcb-res0-dev postgresql postgresql-client
      valgrind"
# libgtk-3-dev: samples/gtk-app; xvfb, xdotool, x11-utils (xwininfo), imagemagick
#   (import: screenshots): the GUI tests drive real windows headless;
#   gtk-3-examples (gtk3-demo), zenity, mesa-utils (glxgears) and
#   libgl1-mesa-dri (llvmpipe): real toolkit programs under the preload;
#   x11-apps (xeyes): a plain Xlib program whose fds bbx must not mistake;
#   xterm: bench/run_startup.py's time to first window.
# libxcb1-dev, libxcb-res0-dev: the headers (types only) of the X resource
#   query, which loads libxcb.so.1 and libxcb-res.so.0 (libxcb-res0) with
#   dlopen at run time; tests/x11's x11_prog links libxcb.
# postgresql, postgresql-client: tests/portable runs the crash store's core
#   schema and ingest statements on a private PostgreSQL server.
# xz-utils: the leak tests run xz -T2 under libbbx-preload.so (a Debian program).
# zlib1g-dev: bbx flame gzips its pprof output.
# valgrind: tests/heap runs its allocation stress under memcheck with heap
#   tracking on (no error, no leak).
# util-linux: setpriv, which runs the directory tests' programs as nobody;
#   mount and fsfreeze, which freeze a loop-mounted file system under a crash.
# e2fsprogs: mkfs.ext4 for that file system; mount: mount -o loop, umount.
# protobuf-compiler: protoc --decode_raw, the golden tests' pprof decoder.
# libxml2-utils: xmllint, which tests/flame/check_svg.py runs on every SVG.
# python3, xz-utils, node: a build with tests does not configure without
#   them; chromium, the npm modules and root are checked when a test runs,
#   which then skips (fails under CI=true): tests/testlib.
# libdebuginfod-dev: the symbolizer's own debuginfod client; debuginfod: the
# local server of tests/symbolizer/e2e_debuginfod.py.
# chromium: tests/browser drives the SVG flame graph and the report headless.
# node runs the browser tests (playwright-core) and decodes pprof; npm ci
# installs their modules.  A node from elsewhere is kept, but npm is needed.
if ! command -v node >/dev/null 2>&1; then
  PKGS="$PKGS nodejs npm"
elif ! command -v npm >/dev/null 2>&1; then
  PKGS="$PKGS npm"
fi
if [ "${1:-}" = "--bench" ]; then
  PKGS="$PKGS gdb hyperfine llvm time valgrind gawk heaptrack strace"
  # gawk: bench/run_flame.py times gawk beside mawk (Debian's default awk).
  # heaptrack: bench/run_heap.py runs it (and valgrind's massif) beside
  #   BBX_TRACK=heap.
  # strace: bench/run_launch.py runs the launches under strace -f beside
  #   BBX_TRACK=exec.
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $PKGS >/dev/null
# The browser tests' npm packages, pinned by tests/browser/package-lock.json:
# always installed (playwright-core, speedscope, pprof-format).
npm ci --prefix "$(dirname "$0")/../tests/browser" --no-audit --no-fund >/dev/null
