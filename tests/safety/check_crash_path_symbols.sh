#!/bin/sh
# The crash path may only call async-signal-safe functions.  This lists what
# the crash-path objects of libbbx import (nm -u) and fails on anything that
# is neither one of the project's own symbols nor on the allow-list below:
# signal-safety(7) functions and raw system-call wrappers, pure string
# functions, libunwind (driven through accessors that allocate nothing) and
# zstd (a static context, no allocation).
# Usage: check_crash_path_symbols.sh OBJECT_DIR...
set -eu
crash_path="snap_writer capture crash_handler thread_capture unwind module_scan fd_scan process_info
            sigsafe breadcrumbs annotations track_table track_fd_hooks children dir_cap
            safe_mem blocking_calls chain_exit crash_writer
            redact snap_redact"
allowed="__errno_location _GLOBAL_OFFSET_TABLE_ __stack_chk_fail
  access clock_gettime close fcntl fstat fstatat unlinkat kill getpid getppid getuid lseek open openat read
  readlink readlinkat rename unlink write sigaction sigaddset sigemptyset signal syscall
  getpeername getsockname getsockopt nanosleep mmap munmap mprotect sigaltstack pipe
  ntohs htons memchr memcmp memcpy memmove memset strchr strcmp strlen strncmp strnlen strrchr strstr
  pthread_sigmask sigismember sigpending sched_yield __libc_current_sigrtmin __libc_current_sigrtmax
  clone"
# Functions that are in these files but never on the crash path:
#   unwind: getcontext (warm-up at init); process_info: sysconf (init);
#   breadcrumbs: vsnprintf (bbx_log formatting, documented as not signal-safe);
#   annotations: snprintf, pthread_mutex_* (bbx_annotate, documented likewise);
#   track_table: table setup in track_start (getrlimit, madvise, pthread_*) and
#   the creation-stack capture, which the hooks skip while bbx_busy is set, as
#   it is for the whole capture.
init_only="crash_handler:dladdr blocking_calls:track_resolve blocking_calls:__start_bbx_calls_real blocking_calls:__stop_bbx_calls_real chain_exit:dlsym unwind:getcontext process_info:sysconf breadcrumbs:vsnprintf
  annotations:snprintf annotations:pthread_mutex_lock annotations:pthread_mutex_unlock
  track_table:getrlimit track_table:madvise track_table:pthread_atfork track_table:pthread_once
  track_table:track_stack_grab track_table:track_stack_init"

own=$(for o in $(for d in "$@"; do ls "$d"/*.o; done); do nm --defined-only "$o" | awk '{print $3}'; done | sort -u)
bad=0
for f in $crash_path; do
  obj=""
  for d in "$@"; do [ -f "$d/$f.c.o" ] && obj="$d/$f.c.o"; done
  [ -n "$obj" ] || { echo "missing object $f.c.o"; exit 2; }
  for sym in $(nm -u "$obj" | awk '{print $2}'); do
    case "$sym" in
      _Ux86_64_*|ZSTD_*|__asan_*|__ubsan_*|__sanitizer_*|__tsan_*) continue ;;
    esac
    echo "$own" | grep -qx "$sym" && continue
    echo " $allowed " | tr '\n' ' ' | grep -q " $sym " && continue
    echo " $init_only " | tr '\n' ' ' | grep -q " $f:$sym " && continue
    echo "$f.c calls $sym, which is not known to be async-signal-safe"
    bad=1
  done
done
[ $bad -eq 0 ] && echo "crash path imports only async-signal-safe functions"
exit $bad
