/*
 * bbx.h - the public interface of libbbx, the blackbox collector.
 *
 * libbbx turns a crash (or a request) into a snapshot file: every thread's
 * stack, the fd table, the loaded modules with their build-ids, registers,
 * breadcrumbs and annotations, zstd-compressed.  The `bbx` command reads it.
 *
 * Promises:
 *  - Every call is safe before bbx_init() and after bbx_shutdown(): it does
 *    nothing and returns BBX_ENOTINIT (or nothing, for void calls).
 *  - Nothing here prints or exits.  Errors are negative BBX_E* codes;
 *    bbx_strerror() names them.
 *  - The crash path (the fatal-signal handler) allocates nothing, takes no
 *    lock the application could hold, never uses ptrace, and always ends in
 *    the signal's original disposition: a handler installed before bbx_init()
 *    runs, or the process dies by the signal (with a core dump if enabled).
 *
 * Each function states its thread-safety and async-signal-safety.
 */
#ifndef BBX_H
#define BBX_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define BBX_API __attribute__((visibility("default")))
#define BBX_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define BBX_API
#define BBX_PRINTF(f, a)
#endif

#define BBX_VERSION_STRING "0.1.0"

/* Result codes.  0 is success; every error is negative. */
enum bbx_error {
    BBX_OK = 0,
    BBX_EINVAL = -1,     /* an argument or configuration value is invalid */
    BBX_ENOTINIT = -2,   /* bbx_init() has not run (or bbx_shutdown() has) */
    BBX_EALREADY = -3,   /* bbx_init() ran already */
    BBX_ENOMEM = -4,     /* memory for the collector could not be reserved */
    BBX_EDIR = -5,       /* the output directory cannot be created or used,
                          * or is not safe: not owned by the process's
                          * effective user, writable by group or others, or
                          * reached through a directory or symlink another
                          * user controls (README.md, "The snapshot
                          * directory") */
    BBX_EIO = -6,        /* writing the snapshot failed (disk full, ...) */
    BBX_EBUSY = -7,      /* another snapshot is being taken right now */
    BBX_ESIGNAL = -8,    /* a signal handler could not be installed */
    BBX_ECOMPRESS = -9,  /* the compressor failed */
};

/*
 * Configuration handed to bbx_init().  Fill it with bbx_config_init() first,
 * then set what you need; fields left NULL or 0 keep their defaults.  Strings
 * are copied by bbx_init(); the caller keeps ownership of the struct.
 */
typedef struct bbx_config {
    /* Directory for snapshots.  NULL: $BBX_DIR, else $XDG_STATE_HOME/bbx,
     * else $HOME/.local/state/bbx, else ${TMPDIR:-/tmp}/bbx-<euid>; in a
     * privileged process (setuid, setgid, file capabilities), which reads
     * no environment, the effective user's home from the password
     * database + "/.local/state/bbx".  Missing directories are created
     * with mode 0700.  It must be owned by the effective user and not be
     * writable by group or others, and nobody else may control the
     * directories and symlinks on the way (else BBX_EDIR).  Relative: from
     * the working directory at bbx_init(); refused when privileged. */
    const char *dir;
    /* Name used in file names and reports.  NULL: the executable's name. */
    const char *app_name;
    /* Free-form version string, stored as the annotation "app.version". */
    const char *app_version;
    /* Real-time signal used to ask running threads for their stacks.
     * 0: the first one from SIGRTMAX - 3 down that the application neither
     * handles nor ignores (and moved at a capture if it takes it later).
     * Set: bbx_init() fails with BBX_ESIGNAL if the application handles it. */
    int thread_signal;
    /* Most frames kept per thread (default 256, at most 1024). */
    unsigned max_frames;
    /* Most threads captured (default 1024, at most 8192). */
    unsigned max_threads;
    /* Number of breadcrumbs kept in the ring (default 64, at most 4096). */
    unsigned breadcrumbs;
    /* Bounded waits, in milliseconds: for the other threads' stacks (all
     * asked at once; default 250) and for a whole capture (default 3000). */
    unsigned thread_timeout_ms;
    unsigned capture_timeout_ms;
    /* Set to 1 to skip installing fatal-signal handlers (bbx_snapshot()
     * still works). */
    int no_crash_handlers;

    /* Triggers beyond crashes.  Each one left 0 falls back to its
     * environment variable (README.md lists them), else stays off. */
    /* Signal that takes a snapshot (e.g. SIGUSR2).  $BBX_SIGNAL: a name
     * ("USR2", "SIGUSR2", "RTMIN+2") or a number.  SIGKILL, SIGSTOP, the
     * crash signals (see bbx_init) and thread_signal are refused
     * (BBX_EINVAL).  The handler only wakes the collector thread, which
     * takes the snapshot; the application must not use the signal itself. */
    int snapshot_signal;
    /* Milliseconds between periodic snapshots (at least 10), taken by the
     * collector thread "bbx-collector".  $BBX_INTERVAL_MS.  That thread
     * exists when snapshot_signal or interval_ms is set; it blocks the
     * application's signals.  A child made by fork() has no collector
     * thread: periodic and signal snapshots stop there unless it execs. */
    unsigned interval_ms;
    /* 1: take a final snapshot at normal exit (exit() or return from
     * main; not _exit() or a fatal signal), in the process that called
     * bbx_init() only.  $BBX_AT_EXIT=1. */
    int at_exit;
    /* Directory cap: after a snapshot, while the directory holds more than
     * max_files snapshots of this app or more than max_bytes of them, the
     * oldest non-crash snapshots are deleted (periodic ones first); crash
     * snapshots are never deleted, nor the one just written.  0: no cap.
     * $BBX_MAX_FILES, $BBX_MAX_BYTES (with K, M or G: powers of 1024). */
    unsigned max_files;
    unsigned long long max_bytes;
    /* Tracking mode: BBX_TRACK_FD, BBX_TRACK_THREAD, BBX_TRACK_EXEC and/or
     * BBX_TRACK_HEAP.  Records the creating stack, thread and time of every
     * fd and thread, (exec) every program launched and how it ended, and
     * (heap) the allocating stacks of sampled allocations, written into
     * every snapshot.  $BBX_TRACK: "fd", "thread", "exec", "heap" or a
     * comma list of them, "all" (fd, thread and exec: heap is asked for by
     * name), or "none". */
    unsigned track;
    /* Frames kept per creation stack (default 32, at most 64).
     * $BBX_TRACK_FRAMES. */
    unsigned track_frames;
    /* What to hold back from every snapshot: BBX_REDACT_* flags, or 0 for
     * $BBX_REDACT (a comma list of part names, "all", "none", "-NAME"),
     * else the default.  Secret-looking argument values in command lines
     * (BBX_REDACT_SECRETS) are always replaced unless BBX_REDACT_KEEP_SECRETS
     * is set; README.md, "What bbx holds back", lists each part's rules. */
    unsigned redact;
    /* The hang watchdog (README.md, "Hangs"): milliseconds (at least 100)
     * a watched thread may stay away from its event-loop wait (poll,
     * ppoll, select, pselect, epoll_wait, epoll_pwait, epoll_pwait2) or
     * from bbx_heartbeat() before it counts as hung; 0: off.  Desktops
     * call a window dead after about 5 s: 5000 is the value to start
     * with, and what bbx_watch_thread(0) uses when this is 0.  Watches the
     * main thread (the process's first) and the threads named in
     * hang_threads.  $BBX_HANG_MS. */
    unsigned hang_ms;
    /* Comma-separated thread names (as the kernel keeps them: at most 15
     * bytes) watched too, with the limit hang_ms, from when a thread of
     * that name appears (looked for once a second).  $BBX_HANG_THREADS. */
    const char *hang_threads;
    /* The memory watermark (README.md, "Memory by kind and the
     * watermark"): a fraction above 0 and
     * at most 1 (e.g. 0.9); 0: off.  When set, the collector thread looks
     * every 250 ms at the resident set against physical memory, the
     * address space against RLIMIT_AS and the cgroup's usage against its
     * limit, and takes one snapshot (trigger "memory") when any of them
     * reaches this fraction; again only after it fell 0.05 below.  Starts
     * the collector thread.  $BBX_MEM_WATERMARK. */
    double mem_watermark;
    /* Heap tracking (BBX_TRACK_HEAP): the mean number of bytes allocated
     * between two samples (each allocation is sampled with probability
     * 1 - exp(-size / heap_sample)); 0: 524288 (512 KiB).
     * $BBX_HEAP_SAMPLE (with K, M or G: powers of 1024). */
    unsigned long long heap_sample;
} bbx_config;

/* Flags for bbx_config.track. */
#define BBX_TRACK_FD 1u
#define BBX_TRACK_THREAD 2u
#define BBX_TRACK_HEAP 4u
#define BBX_TRACK_EXEC 8u /* launches: exec, posix_spawn, system, popen, and the waits */

/* Flags for bbx_config.redact (the SNAP_REDACT_* bits of the format). */
#define BBX_REDACT_SECRETS 0x01u     /* secret-looking argument values (default) */
#define BBX_REDACT_CMDLINE 0x02u     /* command lines: the process's and children's */
#define BBX_REDACT_REGISTERS 0x04u   /* register values of every thread */
#define BBX_REDACT_PATHS 0x08u       /* file paths, unix socket names; exe and
                                        module paths cut to their file name */
#define BBX_REDACT_PEERS 0x10u       /* socket peer addresses */
#define BBX_REDACT_HOST 0x20u        /* the host name */
#define BBX_REDACT_BREADCRUMBS 0x40u /* breadcrumbs (bbx_log) */
#define BBX_REDACT_ANNOTATIONS 0x80u /* annotations (bbx_annotate, app_version) */
#define BBX_REDACT_ENV 0x100u       /* the environment variables of the session */
#define BBX_REDACT_ALL 0x1ffu
#define BBX_REDACT_KEEP_SECRETS 0x80000000u /* turn the default secret filter off */

/*
 * Fill *cfg with the defaults (all fields zero/NULL).
 * Thread-safe; async-signal-safe.  Does not require bbx_init().
 */
BBX_API void bbx_config_init(bbx_config *cfg);

/*
 * Start the collector: read the configuration (cfg may be NULL: defaults and
 * environment), create the output directory, reserve every byte the crash
 * path needs (compressor, buffers, alternate signal stacks), and install
 * handlers for SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP and SIGSYS.
 * Threads that exist already get an alternate signal stack; threads created
 * later through pthread_create() get one too.  While bbx is initialised,
 * those signals and bbx's thread signal stay deliverable in every thread:
 * a thread started through pthread_create() unblocks them first, and
 * pthread_sigmask()/sigprocmask() SIG_BLOCK and SIG_SETMASK requests are
 * carried out without them (the old mask they return is the kernel's, so
 * they show as unblocked); every other signal is blocked as asked.
 * README.md, "What bbx changes in a program: signal masks".
 *
 * Environment (used when cfg leaves the field unset; README.md has the
 * table): BBX_DIR, BBX_APP, BBX_SIGNAL, BBX_INTERVAL_MS, BBX_AT_EXIT,
 * BBX_MAX_FILES, BBX_MAX_BYTES, BBX_TRACK, BBX_TRACK_FRAMES, BBX_MAX_FRAMES,
 * BBX_MAX_THREADS, BBX_BREADCRUMBS, BBX_THREAD_SIGNAL,
 * BBX_NO_CRASH_HANDLERS, BBX_REDACT, BBX_HANG_MS, BBX_HANG_THREADS,
 * BBX_MEM_WATERMARK, BBX_HEAP_SAMPLE, BBX_ENV_KEYS (more environment
 * variables for the SESSION record; README.md, "The session").  An
 * empty variable counts as unset; one that
 * cannot be parsed makes bbx_init() return BBX_EINVAL.  A privileged
 * process (setuid, setgid, or capabilities gained at exec: AT_SECURE)
 * reads none of them, nor HOME, XDG_STATE_HOME or TMPDIR; cfg still
 * applies.  BBX_EDIR: the directory (see bbx_config.dir) is unusable or
 * unsafe.
 * Then starts what the configuration asks for: the collector thread (on-
 * demand signal, periodic snapshots, hang watchdog), the at-exit snapshot,
 * tracking mode.
 * Returns 0, BBX_EALREADY, or a negative error (nothing stays installed).
 * bbx_init() also reserves spare fds for the crash path (BBX_SPARE_FDS, see
 * bbx_spare_fds()); when the fd table is too full for them it still
 * succeeds, since crash snapshots remain possible: check bbx_spare_fds()
 * after it (libbbx-preload.so prints a one-line warning).
 * Not thread-safe against concurrent bbx_init()/bbx_shutdown(); call it once,
 * early, from one thread.  Not async-signal-safe.
 */
BBX_API int bbx_init(const bbx_config *cfg);

/*
 * Take a snapshot now, with `reason` (may be NULL; copied, at most 255 bytes
 * kept) recorded as the trigger.  The calling thread does the capture; the
 * other threads are interrupted only for their own stacks.  The program goes
 * on.  The file is "<app>-<pid>-<utc>-request.bbx" in the output directory;
 * afterwards the directory cap (max_files, max_bytes) is applied, which may
 * delete older non-crash snapshots of this app, never a crash snapshot nor
 * this one.  First it reads the process's memory figures from the kernel
 * (/proc/self/smaps and friends, a few ms for hundreds of mappings; not
 * malloc's, which only the collector thread and the exit path read) unless
 * another read is running.  Returns 0 when the snapshot file is complete on disk, else
 * BBX_EBUSY (another capture is running: no waiting), BBX_EIO,
 * BBX_ENOTINIT, ...
 * Thread-safe (one capture at a time; a concurrent call gets BBX_EBUSY).
 * Async-signal-safe (it may be called from a signal handler).
 */
BBX_API int bbx_snapshot(const char *reason);

/*
 * Add a breadcrumb: a printf-style line (at most 255 bytes kept) with time
 * and thread id, into a fixed-size ring in memory; the oldest is dropped.
 * Thread-safe and lock-free.  Not async-signal-safe (it formats with
 * vsnprintf); use bbx_log_raw() in signal handlers.
 */
BBX_API void bbx_log(const char *fmt, ...) BBX_PRINTF(1, 2);

/* bbx_log() without formatting.  Thread-safe, lock-free, async-signal-safe. */
BBX_API void bbx_log_raw(const char *msg);

/*
 * Set (or, with value NULL, remove) an annotation stored in every snapshot.
 * Keys up to 63 bytes, values up to 255; longer ones are cut.  At most 64
 * keys; returns BBX_EINVAL when full or key is NULL/empty.  Copies both.
 * Thread-safe.  Not async-signal-safe.
 */
BBX_API int bbx_annotate(const char *key, const char *value);

/*
 * Stop the collector: stop and join the collector thread (bounded by
 * capture_timeout_ms), restore the signal handlers that were there before
 * bbx_init(), release memory.  The at-exit snapshot is not taken after
 * this.  Later calls are harmless no-ops until the next
 * bbx_init().  Call it when no other thread uses bbx.  Not async-signal-safe.
 */
BBX_API void bbx_shutdown(void);

/*
 * The path of the last snapshot this process wrote, or NULL.  The string is
 * owned by bbx and valid until the next snapshot or bbx_shutdown().
 * Thread-safe.  Async-signal-safe.
 */
BBX_API const char *bbx_last_snapshot(void);

/*
 * How many spare fds bbx holds right now for the crash path, out of
 * BBX_SPARE_FDS.  They let a crash write its snapshot when the program has
 * filled its fd table (EMFILE).  They are created by bbx_init() and
 * recreated before every snapshot that is not a crash when the program
 * closed them (closefrom, close_range); a program fd that reuses their
 * numbers is the program's and is listed in snapshots, while the spares
 * are never listed.  Below BBX_SPARE_FDS (the table was full, or the
 * program closed them since the last snapshot), a crash with a full table
 * makes room by raising the RLIMIT_NOFILE soft limit for the capture (put
 * back afterwards), or when soft == hard and the process is not privileged
 * by closing one of the program's fds (a read-only file or directory
 * first), which the snapshot still lists, marked as closed by bbx.
 * Returns 0 before bbx_init() and after bbx_shutdown().
 * Not thread-safe against a capture in progress (call it from the thread
 * that ran bbx_init()).  Async-signal-safe.
 */
#define BBX_SPARE_FDS 5
BBX_API int bbx_spare_fds(void);

/*
 * The hang watchdog (README.md, "Hangs").  A watched thread that has not
 * come back to an event-loop wait or called bbx_heartbeat() for longer than
 * its limit, and is not inside such a wait, is hung: the collector thread
 * takes one snapshot of trigger "hang" (the thread first, how long it has
 * been stuck, busy or blocked), and when it comes back a breadcrumb and one
 * snapshot of trigger "hang-end" (file word "recovered") with the whole
 * duration.  Time the process was stopped does not count.
 *
 * bbx_watch_thread(): watch the calling thread, from now, with limit_ms
 * (0: bbx_config.hang_ms, else 5000; at least 100, else BBX_EINVAL); again
 * to change the limit.  Starts the collector thread if it does not run.
 * Returns 0, BBX_ENOTINIT, BBX_EINVAL (limit too small, or 64 threads
 * watched already) or BBX_ENOMEM.  bbx_unwatch_thread(): stop watching the
 * calling thread (BBX_EINVAL when it was not watched); call it before a
 * watched thread exits or waits on purpose for long outside its loop.
 * Thread-safe; not async-signal-safe.
 *
 * bbx_heartbeat(): the calling thread made progress.  For loops that never
 * wait in poll and friends (render loops, games): call it once per
 * iteration.  A few nanoseconds; thread-safe; async-signal-safe.
 */
BBX_API int bbx_watch_thread(unsigned limit_ms);
BBX_API int bbx_unwatch_thread(void);
BBX_API void bbx_heartbeat(void);

/* A static message for a BBX_E* code.  Thread-safe; async-signal-safe. */
BBX_API const char *bbx_strerror(int err);

#ifdef __cplusplus
}
#endif
#endif /* BBX_H */
