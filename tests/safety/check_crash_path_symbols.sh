#!/bin/sh
# The crash path may only call async-signal-safe functions.  Every object of
# the crash path (every *.o in the CHECKED directories: collector/crash/,
# the snapshot writer, the redaction rules) is listed with nm -u, and each
# symbol it imports must be
#  - not a function libbbx interposes (INTERPOSED, one name a line): the
#    crash path calls the kernel directly (collector/sigsafe.h: ss_close,
#    ss_read, ...), never bbx's own hooks;
#  - defined by a checked object, or a variable of another collector object
#    (a table another room writes: nothing runs); a function of another
#    room is not on the crash path, and is refused;
#  - or on the allow-list below: signal-safety(7) functions and raw
#    system-call wrappers, pure string functions, libunwind (driven through
#    accessors that allocate nothing) and zstd (a static context, no
#    allocation).  getcontext: glibc's is an assembly routine that stores
#    the registers and asks rt_sigprocmask for the mask (bbx_snapshot()
#    takes its own registers with it, crash/snapshot_now.c).
# No file list and no exemptions: code that is not signal-safe (init, API)
# belongs in another room.
# Usage: check_crash_path_symbols.sh INTERPOSED CHECKED_DIR... -- OTHER_DIR...
set -eu
allowed="__errno_location _GLOBAL_OFFSET_TABLE_ __stack_chk_fail
  access clock_gettime fstat fstatat unlinkat kill getpid getppid getuid lseek open
  readlink readlinkat rename unlink sigaction sigaddset sigemptyset signal syscall
  getpeername getsockname getsockopt mmap munmap mprotect sigaltstack
  ntohs htons memchr memcmp memcpy memmove memset strchr strcmp strlen strncmp strnlen strrchr strstr
  pthread_sigmask sigismember sigpending sched_yield __libc_current_sigrtmin __libc_current_sigrtmax
  clone getcontext"
[ $# -ge 2 ] || { echo "usage: $0 INTERPOSED CHECKED_DIR... -- OTHER_DIR..."; exit 2; }
interposed=$(grep -v '^#' "$1" | tr '\n' ' ')
shift
checked="" others=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  n=$(ls "$1"/*.o 2>/dev/null | wc -l)
  [ "$n" -gt 0 ] || { echo "no objects in $1"; exit 2; }
  checked="$checked $(ls "$1"/*.o)"
  shift
done
[ $# -gt 0 ] && shift
for d in "$@"; do others="$others $(ls "$d"/*.o)"; done

own=$(for o in $checked; do nm --defined-only "$o" | awk 'NF == 3 { print $3 }'; done | sort -u)
# name type object, for every symbol the other objects define
other_defs=$(for o in $others; do nm --defined-only "$o" | awk -v f="${o##*/}" 'NF == 3 { print $3, $2, f }'; done)
bad=0
for obj in $checked; do
  f=${obj##*/}
  f=${f%.o}
  for sym in $(nm -u "$obj" | awk '{print $2}'); do
    if echo " $interposed " | grep -q " $sym "; then
      echo "$f calls $sym, which bbx interposes: call the kernel directly (sigsafe.h)"
      bad=1
      continue
    fi
    case "$sym" in
      _Ux86_64_*|ZSTD_*|__asan_*|__ubsan_*|__sanitizer_*|__tsan_*) continue ;;
    esac
    echo "$own" | grep -qx "$sym" && continue
    def=$(echo "$other_defs" | awk -v s="$sym" '$1 == s { print $2, $3; exit }')
    if [ -n "$def" ]; then
      case "${def%% *}" in
        [BbDdRrSsGgV]) continue ;; # a variable
      esac
      echo "$f calls $sym, a function of ${def#* } (not a crash-path object)"
      bad=1
      continue
    fi
    echo " $allowed " | tr '\n' ' ' | grep -q " $sym " && continue
    echo "$f calls $sym, which is not known to be async-signal-safe"
    bad=1
  done
done
[ $bad -eq 0 ] && echo "crash path ($(echo $checked | wc -w) objects) imports only async-signal-safe functions"
exit $bad
