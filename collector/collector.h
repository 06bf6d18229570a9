/*
 * collector.h - internal state shared by the collector's files.
 *
 * Everything the capture needs is reserved by bbx_init() and reachable from
 * `bbx_g`; the capture itself (crash/capture.c and what it calls, all in
 * crash/) only uses this memory and raw system calls.  Nothing here is
 * public API.
 */
#ifndef BBX_COLLECTOR_H
#define BBX_COLLECTOR_H

#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>
#include <ucontext.h>

#include "bbx.h"
#include "module_scan.h"
#include "snap_writer.h"

#define BBX_PATH_MAX 1024
#define BBX_MAX_PENDING_CRASHES 16
#define BBX_DEFAULT_THREAD_SIGNAL (SIGRTMAX - 3)

/* What started a capture. */
struct capture_trigger {
    int kind;                  /* SNAP_TRIGGER_* */
    int signal;                /* fatal signal, 0 for a request */
    const siginfo_t *info;     /* NULL for a request */
    const ucontext_t *uc;      /* registers of the triggering thread */
    const char *reason;        /* request reason or NULL */
    uint64_t t0_us;            /* monotonic time the trigger happened */
    const struct hang_report *hang; /* HANG and HANG_END: the stuck thread */
};

/* What the hang watchdog (runtime/hang_watch.c) found, written into the
 * TRIGGER record of a HANG or HANG_END snapshot. */
struct hang_report {
    pid_t tid;
    char name[16];
    uint64_t stuck_ms;         /* away from its event-loop wait so far (or in all) */
    uint64_t cpu_ms;           /* CPU time it used meanwhile */
    uint64_t limit_ms;
    int state;                 /* SNAP_HUNG_BUSY or SNAP_HUNG_BLOCKED */
};

/* A thread that crashed while another thread was already capturing. */
struct pending_crash {
    _Atomic pid_t tid;
    int signal;
    const ucontext_t *uc;
};

/* Fields of /proc/self/task/TID/status the capture needs. */
struct task_info {
    char name[64];
    char state;
    int blocks_signal;   /* the capture signal is blocked */
    int signal_pending;  /* ... and pending */
    uint64_t nvcsw, nivcsw; /* context switches so far */
};

struct bbx_state {
    _Atomic int initialized;
    bbx_config cfg;
    char dir[BBX_PATH_MAX];
    char app[128];
    char last_path[BBX_PATH_MAX];
    _Atomic int has_last;
    pid_t pid;

    /* The capture lock: tid of the capturing thread, 0 when free. */
    _Atomic pid_t capture_owner;
    _Atomic pid_t collector_tid; /* bbx's own collector thread, 0 when none */
    _Atomic int crash_done;    /* a crash capture finished (futex word) */
    _Atomic int swept;         /* dir_cap_sweep_stale() ran since init */
    struct pending_crash pending[BBX_MAX_PENDING_CRASHES];

    /* Memory reserved at init. */
    snap_writer writer;
    void *writer_ws;
    size_t writer_ws_size;
    struct module_table mods;
    pid_t *tids;               /* max_threads */
    struct task_info *tinfo;   /* max_threads */
    uintptr_t *frames;         /* max_frames, filled by the thread asked */
    uint8_t *frame_bytes;      /* max_frames * 10: varint encoding */
    char *iobuf;               /* BBX_IOBUF bytes for /proc reads */
    char *iobuf2;              /* a second one for nested reads */
    int thread_signal;
    int thread_signal_fixed;   /* chosen by the program (BBX_THREAD_SIGNAL) */
    unsigned threads_omitted;  /* threads beyond max_threads, last capture */
    long clk_tck;
};

#define BBX_IOBUF (64u << 10)

extern struct bbx_state bbx_g;

/* capture.c: take a snapshot; the caller holds the capture lock. */
int capture_run(const struct capture_trigger *trig);
/* Take the capture lock for the calling thread (bounded wait).  Returns 0 on
 * success, BBX_EBUSY if another capture holds it after `wait_ms`. */
int capture_lock(pid_t self, unsigned wait_ms);
void capture_unlock(void);

/* crash/crash_handler.c: the fatal-signal handler, and what it shares with
 * runtime/crash_install.c, which installs it: the signals, the program's
 * handlers from before (chained), and which of those are a sanitizer's
 * (crash_capture_first: the capture runs before them). */
#define CRASH_N_FATAL 7
extern const int crash_fatal_signals[CRASH_N_FATAL];
extern struct sigaction crash_old_actions[CRASH_N_FATAL];
extern int crash_capture_first[CRASH_N_FATAL];
extern int crash_installed;
/* glibc's __abort_msg (a GLIBC_PRIVATE variable: a pointer to { unsigned
 * size; char msg[]; }, the message of an abort glibc raises itself: a failed
 * assert(), malloc's heap checks, __libc_fatal), found with dlsym at
 * install; NULL in another C library.  The handler only reads through it,
 * with safe_mem_read: the message goes into a crash's TRIGGER REASON. */
extern void *crash_abort_msg;
void crash_fatal_handler(int sig, siginfo_t *si, void *ctx);
/* runtime/crash_install.c (init and shutdown only) */
int crash_handlers_install(void);
void crash_handlers_uninstall(void);
const char *crash_signal_name(int sig);
/* The program's own fault handler, run by bbx's, is ending the process:
 * capture the fault it was called for (nothing when not inside one).
 * Async-signal-safe. */
void crash_chain_ending(void);
/* track/exit_hooks.c: resolve libc's exit() (init only). */
void chain_exit_init(void);
/* After fork() in the child: the process bbx serves is now this one. */
void crash_after_fork(void);

/* thread_capture.c */
int thread_capture_install(void);     /* the thread-signal handler */
void thread_capture_uninstall(void);
/* Ask every other thread for its stack and write the triggering thread's
 * record; the others unwind meanwhile.  thread_capture_finish() waits for
 * them (bounded by thread_timeout_ms from the asking, and deadline_us) and
 * writes their records.  Anything may be written in between. */
void thread_capture_begin(snap_writer *w, const struct capture_trigger *trig,
                          unsigned *n_threads, unsigned *n_unwound);
void thread_capture_finish(snap_writer *w, uint64_t deadline_us, unsigned *n_threads,
                           unsigned *n_unwound);
/* Make every existing thread but the caller run fn() in its thread-signal
 * handler (init: runtime gives them alternate signal stacks so); bounded
 * wait for their answers. */
void thread_capture_run_everywhere(void (*fn)(void));

/* thread_hooks.c: alternate signal stacks for the calling thread. */
int altstack_install_current(void);

/* env_config.c: 1 when the process is privileged (AT_SECURE: setuid,
 * setgid or capabilities gained at exec); it then ignores its environment. */
int config_privileged(void);
/* The value of environment variable `name`, or NULL when it is unset, empty
 * or the process is privileged.  Every BBX_* read goes through here. */
const char *config_getenv(const char *name);
/* 0 when list (BBX_ENV_KEYS) is a comma-separated list of variable names
 * ([A-Za-z0-9_], 1 to 64 bytes, a trailing '*' for every name with that
 * beginning), at most 512 bytes; else -1. */
int config_env_keys_valid(const char *list);
/* env_config.c: fill the fields `c` leaves unset from BBX_* environment
 * variables.  Returns 0 or BBX_EINVAL (a variable could not be parsed). */
int config_from_env(bbx_config *c);
/* 1 when BBX_CHILDREN is "none": the programs this one runs should not get
 * libbbx-preload.so (config_from_env() refuses values other than "inherit"
 * and "none"). */
int config_children_none(void);
/* runtime/preload_children.c (libbbx-preload.so only): remove this library
 * from LD_PRELOAD in the environment.  Init only. */
void preload_children_detach(void);
/* After config_from_env() failed: "BBX_X=\"value\" is invalid: why", else
 * NULL.  Static storage, overwritten by the next config_from_env(). */
const char *config_env_error(void);
/* 1 when `sig` may serve as the on-demand snapshot signal: not KILL, STOP,
 * a crash signal bbx handles, glibc's own, or the thread signal (0: the
 * default one). */
int config_snapshot_signal_ok(int sig, int thread_signal);

/* triggers.c: the on-demand signal, the periodic collector thread and the
 * at-exit snapshot, as configured.  Started last by bbx_init(), stopped
 * first by bbx_shutdown(). */
int triggers_start(void);
void triggers_stop(void);
/* Take a snapshot of `kind` (SNAP_TRIGGER_*) now from the calling thread,
 * then apply the directory cap.  Async-signal-safe. */
int triggers_snapshot(int kind, const char *reason);
/* The same for the hang watchdog's snapshots (HANG, HANG_END). */
int triggers_snapshot_hang(int kind, const char *reason, const struct hang_report *hang);

/* dir_cap.c: delete the oldest non-crash snapshots of this app while the
 * directory is over max_files / max_bytes.  Async-signal-safe (raw
 * getdents64, memory reserved by dir_cap_init()). */
int dir_cap_init(void);
void dir_cap_release(void);
void dir_cap_enforce(void);
/* Delete this app's unfinished non-crash snapshots (*.tmp) of processes
 * that no longer exist.  Async-signal-safe; the caller holds the capture
 * lock (the first non-crash snapshot of the process calls it). */
void dir_cap_sweep_stale(void);

/* track_*.c: tracking mode.  track_start() reserves the tables and marks
 * the fds open now as "origin unknown"; the interposed calls record from
 * then on.  origins_write() writes an ORIGIN record for every live tracked
 * fd and thread (async-signal-safe) and returns how many; *lost gets the
 * creations that could not be recorded. */
int track_start(unsigned flags, unsigned frames);
void track_stop(void);
unsigned track_flags(void);
unsigned origins_write(snap_writer *w, uint64_t *lost);
/* track/heap_hooks.c: sampled heap tracking (BBX_TRACK=heap): map its
 * tables and send the allocator hooks through the sampler; heap_stop()
 * sends them straight to the real functions again.  crash/heap_write.c:
 * the HEAP record and a HEAP_STACK per sampled stack (async-signal-safe);
 * returns the stacks written. */
int heap_start(uint64_t interval, unsigned frames);
void heap_stop(void);
unsigned heap_write(snap_writer *w);

/* crash/children.c: a CHILD record per child process; returns how many.
 * Async-signal-safe. */
unsigned children_write(snap_writer *w);
/* crash/launches_write.c: a LAUNCH record per launch in the launch table
 * (BBX_TRACK exec); returns how many.  Async-signal-safe. */
unsigned launches_write(snap_writer *w);

/* The calling thread is inside bbx (a capture, or a tracking hook):
 * interposed calls made from here are not tracked.  Initial-exec TLS, so
 * async-signal-safe to read and write. */
extern __thread int bbx_busy __attribute__((tls_model("initial-exec")));

/* crash/process_info.c; what cannot change (host name, kernel release,
 * clock ticks: bbx_g.clk_tck) is read once by process_info_init()
 * (runtime/process_info_init.c). */
void process_info_write(snap_writer *w, uint64_t now_ms);
void process_info_init(void);
extern char process_hostname[128];
extern char process_kernel[128];

/* fd_scan.c */
void fd_scan_init(void);
unsigned fd_scan_write(snap_writer *w, const int *skip, unsigned n_skip);

/* runtime/breadcrumbs.c, runtime/annotations.c: the tables of app_notes.h
 * (init, shutdown); crash/breadcrumbs_write.c, crash/annotations_write.c:
 * their records (async-signal-safe). */
int breadcrumbs_init(unsigned count);
void breadcrumbs_release(void);
void breadcrumbs_write(snap_writer *w);
void annotations_write(snap_writer *w);
void annotations_clear(void);

/* redact.c: what BBX_REDACT holds back (SNAP_REDACT_* bits, the secret
 * filter included unless turned off), and writers that apply it: a
 * NUL-separated argument list (left out under CMDLINE, filtered under
 * SECRETS) and an exe or module path (its file name only under PATHS).
 * Async-signal-safe; callers hold the capture lock. */
unsigned redact_parts(void);
void redact_put_args(snap_writer *w, unsigned field, const char *args, size_t n);
void redact_put_path(snap_writer *w, unsigned field, const char *path, size_t n);

/* runtime/unwind_setup.c (init and shutdown): the address space that
 * crash/unwind.c unwinds in, made with its accessors. */
int unwind_init(void);
void unwind_release(void);
/* crash/unwind.c */
struct unw_addr_space;
struct unw_accessors;
extern struct unw_addr_space *unwind_as;
struct unw_accessors *unwind_accessors(void);
/* At the start of a capture, after the module scan: forget cached unwind
 * information if the modules changed. */
void unwind_new_capture(void);
/* Unwind from `uc` using the module table; returns the number of frames
 * stored in pcs[0..max), sets *truncated when max was reached. */
unsigned unwind_context(const ucontext_t *uc, uintptr_t *pcs, unsigned max,
                        int *truncated);
/* Registers of `uc` in SNAP_THR_REGS order; returns the count. */
unsigned unwind_regs(const ucontext_t *uc, uint64_t *regs);

#endif
