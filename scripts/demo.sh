#!/bin/sh
# Set up everything and run the demo: a sample program with threads and open
# files crashes and `bbx show` prints what bbx captured; then a sample event
# loop leaks sockets and threads and `bbx leaks` names the lines that leak;
# then a GTK window deadlocks and freezes, and the hang watchdog's snapshot
# says which threads hold which mutex; then two builds of the crasher crash
# a few hundred times and `bbx ingest` groups them in a crash store that
# `bbx crashes` lists; then a program's cache grows until the OOM killer ends
# it and `bbx leaks` names the growing function and says why the process
# vanished; last, HTML reports and flame graphs go to out/demo/.
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

echo
echo "== running samples/leaker for 4 s with tracking on and a snapshot every 250 ms"
echo "   (an epoll loop with a worker pool, timers and short-lived threads; its"
echo "   reconnecting client leaks a socket on each failed connect and a thread"
echo "   on each retry)"
leaks=$out/leaker
mkdir -p "$leaks"
BBX_DIR=$leaks BBX_TRACK=fd,thread BBX_INTERVAL_MS=250 \
    build-release/samples/leaker --duration-ms 4000 >/dev/null
echo "== $(ls "$leaks" | wc -l) snapshots in $leaks"
echo "== bbx leaks $leaks"
status=0
build-release/analyzer/bbx leaks "$leaks" || status=$?
echo "== bbx leaks exited with $status (1 = leak suspects found)"

echo
echo "== running samples/gtk-app (a GTK3 window, on a private X server) with BBX_HANG_MS=2000;"
echo "   a click makes its UI thread and a worker take two mutexes in opposite orders"
hang=$out/gtk-hang
mkdir -p "$hang"
BBX_DIR=$hang BBX_HANG_MS=2000 timeout -s KILL 6 xvfb-run -a \
    build-release/samples/gtk-app --mode=deadlock --click-after=500 >/dev/null 2>&1 || true
hangsnap=$(ls "$hang"/*-hang.bbx)
echo "== the window froze; bbx's watchdog wrote $hangsnap"
echo "== bbx show $hangsnap (up to the hung thread's first frames)"
build-release/analyzer/bbx show "$hangsnap" | grep -v '^    [a-z0-9]*  *0x' |
    sed -n '/^hang:/,/#06/p'
echo
echo "== the same window frozen for 4 s by a slow handler, then answering again:"
BBX_DIR=$hang/recover BBX_HANG_MS=2000 xvfb-run -a build-release/samples/gtk-app \
    --mode=freeze-recover --seconds=4 --click-after=300 --quit-after=1 >/dev/null 2>&1
build-release/analyzer/bbx leaks "$hang/recover" | grep -i "freeze"

echo
echo "== a pile of crash dumps: two builds of samples/crasher (1.0, and 1.1 with its code"
echo "   moved), seven crash kinds, 25 runs each (1.1 adds a crash in a worker thread)"
store=$out/store
mkdir -p "$store/dumps"
for build in crasher:1.0 crasher-shifted:1.1; do
    prog=${build%%:*}
    version=${build#*:}
    modes="null abort assert divzero overflow-main overflow-thread threads-fds"
    [ "$version" = 1.1 ] && modes="$modes two-threads"
    for mode in $modes; do
        for n in $(seq 25); do
            BBX_DIR=$store/dumps BBX_APP_VERSION=$version CRASHER_SCRATCH=$store \
                build-release/samples/$prog "$mode" >/dev/null 2>&1 || true
        done
    done
done
db=$store/crashes.db
echo "== bbx ingest --db $db $store/dumps"
build-release/analyzer/bbx ingest --db "$db" "$store/dumps"
echo "== bbx crashes --db $db"
build-release/analyzer/bbx crashes --db "$db"
top=$(build-release/analyzer/bbx crashes --db "$db" --top 1 --json |
      sed -n 's/^ *"id": "\([0-9a-f]*\)",$/\1/p' | head -n 1)
echo "== bbx crash --db $db --no-report $top (the most frequent group)"
build-release/analyzer/bbx crash --db "$db" --no-report --snapshots 3 "$top"
echo "== bbx crashes --db $db --new-in 1.1 (a release pipeline stops on exit 1)"
status=0
build-release/analyzer/bbx crashes --db "$db" --new-in 1.1 || status=$?
echo "== exit $status (1 = a crash group that 1.0 never had)"

echo
echo "== running samples/memgrow with heap tracking, a snapshot every 200 ms and"
echo "   BBX_MEM_WATERMARK=0.8: its cache grows by 1 MiB every 20 ms in cache_insert()"
echo "   while render_frame() and two workers allocate and free"
mem=$out/memgrow
mkdir -p "$mem"
# A memory cgroup of 128 MiB when this machine lets us make one (root, the v1
# memory controller or cgroup2's): the kernel's OOM killer then ends it.
cg=$(awk '$0 ~ / - cgroup2 / && !v2 { v2 = $5 }
          $0 ~ / - cgroup / && $NF ~ /(^|,)memory(,|$)/ && !v1 { v1 = $5 }
          END { print (v1 ? v1 : v2) }' /proc/self/mountinfo)
cgdir=
if [ -n "$cg" ] && mkdir "$cg/bbx-demo-$$" 2>/dev/null; then
    cgdir=$cg/bbx-demo-$$
    if [ -e "$cgdir/memory.limit_in_bytes" ]; then
        echo $((128 << 20)) >"$cgdir/memory.limit_in_bytes"
    elif ! echo $((128 << 20)) >"$cgdir/memory.max" 2>/dev/null; then
        rmdir "$cgdir"
        cgdir=
    fi
fi
status=0
if [ -n "$cgdir" ]; then
    echo "== in a memory cgroup limited to 128 MiB, until the kernel kills it"
    BBX_DIR=$mem BBX_TRACK=heap BBX_INTERVAL_MS=200 BBX_MEM_WATERMARK=0.8 \
        sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" --until-killed --grow-kb 1024' \
        sh "$cgdir" build-release/samples/memgrow >/dev/null 2>&1 || status=$?
    echo "== memgrow ended with status $status (137 = SIGKILL: the OOM killer)"
else
    echo "== (no memory cgroup can be made here: 3 s, then it exits)"
    BBX_DIR=$mem BBX_TRACK=heap BBX_INTERVAL_MS=200 BBX_MEM_WATERMARK=0.8 \
        build-release/samples/memgrow --duration-ms 3000 >/dev/null
fi
echo "== bbx leaks $mem"
status=0
build-release/analyzer/bbx leaks "$mem" || status=$?
[ -z "$cgdir" ] || rmdir "$cgdir" 2>/dev/null || true
echo "== bbx leaks exited with $status (1 = growth found)"

echo
echo "== running samples/launcher all with BBX_TRACK=exec: a browser missing from PATH, a"
echo "   thumbnailer that fails without DISPLAY (3 times), a converter killed by SIGSEGV,"
echo "   an exporter blocked on a stdout pipe nobody reads, an indexer left running at exit"
launches=$out/launcher
mkdir -p "$launches"
BBX_DIR=$launches BBX_TRACK=fd,exec BBX_AT_EXIT=1 \
    build-release/samples/launcher all >/dev/null 2>&1
lastlaunch=$(ls "$launches"/*-exit.bbx | tail -n 1)
echo "== bbx leaks $launches (the stories come first)"
status=0
build-release/analyzer/bbx leaks "$launches" || status=$?
pkill -f -- ' --helper (exporter|indexer)$' 2>/dev/null || true
build-release/analyzer/bbx report "$lastlaunch" -o "$out/launcher-report.html"

echo
build-release/analyzer/bbx report "$mem" -o "$out/memgrow-report.html"
build-release/analyzer/bbx flame "$(ls "$mem"/*.bbx | tail -n 1)" --what heap --format svg \
    -o "$out/live-heap.svg"
build-release/analyzer/bbx report "$leaks" -o "$out/leaker-report.html"
build-release/analyzer/bbx flame "$leaks" --what fd-origins --leaks-only --format svg \
    -o "$out/leaked-fds.svg"
build-release/analyzer/bbx report "$snap" -o "$out/crash-report.html"
build-release/analyzer/bbx report --db "$db" -o "$out/crash-store.html"
echo "== pictures: open these in a browser (no network needed)"
echo "   $out/crash-report.html   the crash: stack with source lines, threads, fds"
echo "   $out/leaker-report.html  the leaks: fd and thread counts over time, suspects, flame graphs"
echo "   $out/leaked-fds.svg      where the leaked sockets were created (click to zoom, search)"
echo "   $out/crash-store.html    the crash store: groups by count, charts per day and version"
echo "   $out/memgrow-report.html memory by kind and the live heap by stack over time, the verdict"
echo "   $out/live-heap.svg       the live heap by allocating stack before the kill"
echo "   $out/launcher-report.html the programs launcher started and what became of them"
