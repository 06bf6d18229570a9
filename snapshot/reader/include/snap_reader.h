/*
 * snap_reader.h - reads a snapshot file into memory (docs/FORMAT.md).
 *
 * Every input is treated as hostile: sizes are checked before use, counts and
 * total memory are bounded, and a file cut anywhere yields every record that
 * was whole before the cut, with `complete` false.  Unknown record types and
 * fields are skipped.
 *
 * Ownership: snap_read_file()/snap_read_buffer() return a snapshot the caller
 * frees with snap_free(); every string and array in it belongs to it.
 * Strings are NUL-terminated copies (embedded NULs survive only in cmdline,
 * which keeps its length).  Not async-signal-safe; thread-safe for distinct
 * snapshots.
 */
#ifndef BBX_SNAP_READER_H
#define BBX_SNAP_READER_H

#include <stddef.h>
#include <stdint.h>

/* Limits that bound what a hostile file can make the reader allocate. */
#define SNAP_READ_MAX_DECOMPRESSED (512u << 20)
#define SNAP_READ_MAX_FRAMES 4096   /* per thread */
#define SNAP_READ_MAX_ITEMS 1000000 /* threads, fds, modules, ... each */
#define SNAP_READ_MAX_REGS 256      /* per thread */
/* Largest zstd window the reader accepts (log2 bytes): bounds its memory. */
#define SNAP_READ_WINDOW_LOG_MAX 24

/* Entries of snap_memory.kinds: SNAP_MEM_HEAP .. SNAP_MEM_OTHER. */
#define SNAP_MEM_KINDS 9

typedef struct snap_rlimit {
    uint64_t resource, cur, max;
} snap_rlimit;

typedef struct snap_process {
    uint64_t pid, ppid, uid, start_ms, time_ms, threads, fd_limit;
    uint64_t vm_rss_kb, vm_size_kb, vm_hwm_kb;
    char *exe, *app, *hostname, *kernel, *arch;
    char *cmdline;        /* arguments separated by NUL */
    size_t cmdline_len;
    snap_rlimit *rlimits;
    size_t n_rlimits;
} snap_process;

typedef struct snap_trigger {
    int present;
    uint64_t kind;        /* SNAP_TRIGGER_* */
    uint64_t signal, addr, sender_pid, sender_uid, tid;
    uint64_t seq;         /* the process's snapshot number, 0 when absent */
    int64_t code;
    char *reason;
    /* HANG and HANG_END: the stuck thread (hung_tid 0 when absent) */
    uint64_t hung_tid, hung_ms, hung_cpu_ms, hung_limit_ms, hung_state;
    char *hung_name;
} snap_trigger;

typedef struct snap_thread {
    uint64_t tid;
    char *name;
    char state;           /* 0 when unknown */
    int crashed;
    uint64_t status;      /* SNAP_THREAD_* */
    uint64_t *frames;
    size_t n_frames;
    /* With SNAP_READ_RAW_FRAMES: the FRAMES field as stored (frames is then
     * NULL and n_frames the number of varints in it); decode with
     * snap_frames_decode().  Equal bytes mean equal stacks. */
    uint8_t *frames_raw;
    size_t frames_raw_len;
    uint64_t *regs;
    size_t n_regs;
    char *wchan;
    uint64_t kernel_pc;
    int64_t syscall;
    int has_syscall;
    int truncated;
    uint64_t signal;      /* fatal signal this thread was handling, 0 none */
    int bbx_internal;     /* a thread of bbx itself (its collector thread) */
    int hung;             /* the thread a HANG snapshot is about */
    uint64_t method;      /* SNAP_METHOD_*: how the stack was obtained (0: the
                             thread unwound itself, answering the signal) */
    int reused;           /* the stack is the previous snapshot's: the thread
                             had not run since */
    uint64_t lock_addr;   /* the pthread mutex it is blocked on, 0 none */
    uint64_t lock_owner;  /* that mutex's owner (a tid), 0 when not known */
    uint64_t lock_kind;   /* SNAP_LOCK_* (SNAP_LOCK_MUTEX when not recorded) */
} snap_thread;

typedef struct snap_fd {
    uint64_t fd, kind, flags, offset, inode, size;
    uint64_t sock_family, sock_type, sock_proto;
    int has_flags, has_offset, cloexec;
    int closed_by_bbx;    /* the crash path closed it to make room (as it was) */
    uint64_t bbx;         /* SNAP_FD_BBX_*: bbx's own (only in snap.bbx_fds) */
    char *target, *sock_local, *sock_peer, *details;
} snap_fd;

typedef struct snap_module {
    char *path;
    uint64_t bias, start, end;
    uint8_t *build_id;
    size_t build_id_len;
    uint8_t *image;       /* the module's ELF image (IMAGE: the vDSO), or NULL */
    size_t image_len;
} snap_module;

typedef struct snap_breadcrumb {
    uint64_t time_ms, tid;
    char *text;
} snap_breadcrumb;

typedef struct snap_annotation {
    char *key, *value;
} snap_annotation;

/*
 * Tracking mode: who created a live fd or thread (ORIGIN record).  `frames`
 * are return addresses, innermost first (look them up at pc - 1); `call` is
 * the creating call ("socket", "fopen", "pthread_create", ...) or NULL;
 * `unknown` is set for resources that existed before tracking started (no
 * stack then); `start` is a thread's start routine address, 0 for fds.
 */
typedef struct snap_origin {
    uint64_t resource, id, time_ms, tid, start; /* resource: SNAP_ORIGIN_* */
    uint64_t *frames;
    size_t n_frames;
    char *call;
    int unknown, truncated;
} snap_origin;

/* A child process of the snapshot's process (CHILD record). */
typedef struct snap_child {
    uint64_t pid, start_ms;
    char state;           /* /proc state letter, 0 when unknown */
    int zombie;           /* exited, not reaped */
    char *cmdline;        /* arguments separated by NUL, or NULL */
    size_t cmdline_len;
    char *comm;
    char *wchan;          /* where the kernel has it waiting, or NULL */
    char *std_fds[3];     /* what its fds 0-2 are ("pipe:[N]", a path), or NULL */
} snap_child;

/* A program launched (LAUNCH record, tracking mode exec). */
typedef struct snap_launch {
    char *call;           /* "execvp", "posix_spawn", "system", "popen", ... */
    uint64_t seq, pid, launcher, tid, time_ms, end_ms;
    uint64_t *frames;     /* the calling stack, innermost first (return addresses) */
    size_t n_frames;
    int truncated;
    char *args;           /* arguments separated by NUL, or NULL */
    size_t args_len;
    int failed;           /* the call failed with err */
    uint64_t err;
    char *path;           /* PATH a failed p-variant searched, or NULL */
    char *file;           /* the path or file the call was given, or NULL */
    int in_child;         /* exec in a forked child */
    int ended;            /* reaped (or returned by system/pclose) with status */
    uint64_t status;
    int has_fd;           /* popen: the stream's fd */
    uint64_t fd;
} snap_launch;

/* What the process's X clients held in the X server (X11_RESOURCES): one
 * count per resource type, named by the server's atom ("WINDOW", "PIXMAP",
 * "GC", "PICTURE", "GLYPHSET", ...), in the order written. */
typedef struct snap_x11_type {
    char *name;
    uint64_t count;
} snap_x11_type;

typedef struct snap_x11 {
    int present;          /* the record was there */
    char *display;        /* DISPLAY, or NULL */
    uint64_t age_ms;      /* how old the values were at the capture */
    uint64_t clients;     /* X clients of the process (bbx's not counted) */
    uint64_t pixmap_bytes;
    uint64_t query_us;    /* how long the query took */
    uint64_t stale;       /* SNAP_X11_STALE_*: the last refresh failed; 0 fine */
    snap_x11_type *types;
    size_t n_types;
} snap_x11;

/* Memory by kind of mapping (MEMORY), indexed by SNAP_MEM_* (0 unused). */
typedef struct snap_mem_kind_use {
    int present;
    uint64_t size_kb, rss_kb, pss_kb, swap_kb, mappings;
} snap_mem_kind_use;

typedef struct snap_memory {
    int present;          /* the record was there */
    uint64_t age_ms;      /* how old the values were at the capture */
    uint64_t rss_kb, pss_kb, swap_kb, vm_size_kb; /* totals */
    snap_mem_kind_use kinds[SNAP_MEM_KINDS];
    char *cgroup;         /* the process's cgroup, or NULL */
    /* cgroup figures in bytes; has_* 0 when the file was not there */
    int has_cg_current, has_cg_max, has_cg_high, has_cg_oom, has_cg_swap;
    uint64_t cg_current, cg_max, cg_high, cg_oom_kills, cg_oom, cg_swap;
    uint64_t phys_kb, avail_kb; /* physical memory, available memory */
    int has_malloc;       /* mallinfo2 figures were taken */
    uint64_t malloc_arena, malloc_mmap, malloc_inuse, malloc_free;
    uint64_t watermark_permille; /* BBX_MEM_WATERMARK, 0 off */
    uint64_t read_us;
} snap_memory;

/* One allocating stack of sampled heap tracking (HEAP_STACK).  `frames`
 * are return addresses, innermost first (the caller of malloc). */
typedef struct snap_heap_stack {
    uint64_t id;
    uint64_t *frames;
    size_t n_frames;
    uint64_t live_bytes, live_objects, alloc_bytes, alloc_objects; /* estimates */
    uint64_t live_samples, samples;
    int truncated, mmap;
} snap_heap_stack;

typedef struct snap_heap {
    int present;          /* the HEAP record was there */
    uint64_t interval, samples, live_samples, lost, start_ms;
    uint64_t alloc_bytes, alloc_objects, live_bytes, live_objects; /* estimates */
    uint64_t stacks_written; /* HEAP STACKS: what the writer says it wrote */
    snap_heap_stack *stacks; /* in file order */
    size_t n_stacks;
} snap_heap;

/* The session and context the process ran in (SESSION).  env holds
 * "NAME=VALUE" strings in file order; a secret-looking name's value is
 * "[redacted]".  has_* 0: the field was not there. */
typedef struct snap_dri_node {
    char *name;           /* "renderD128", "card0" */
    uint64_t access;      /* bit 0 readable, bit 1 writable by the process */
} snap_dri_node;

typedef struct snap_session {
    int present;
    uint64_t taken_ms;
    char **env;
    size_t n_env;
    uint64_t env_omitted;
    char *cwd, *cgroup, *parent, *lsm;
    int has_umask, has_ids, has_caps, has_nnp, has_seccomp, has_tty;
    uint64_t umask, no_new_privs, seccomp, tty;
    uint64_t ids[8];      /* uid real, effective, saved, fs; gid the same */
    uint64_t caps[5];     /* inheritable, permitted, effective, bounding, ambient */
    uint64_t *groups;
    size_t n_groups;
    char **sandbox;
    size_t n_sandbox;
    snap_dri_node *dri;
    size_t n_dri;
} snap_session;

/* The value of NAME in a session's environment, or NULL. */
const char *snap_session_env(const snap_session *ses, const char *name);

typedef struct snap_capture {
    uint64_t duration_us, threads, unwound, fds, modules;
    uint64_t threads_omitted; /* threads not written: over BBX_MAX_THREADS */
    char *version;
    uint64_t threads_us, fds_us; /* time spent on threads (+ modules), on fds */
    uint64_t tracking;    /* tracking flags (1 fds, 2 threads, 4 heap), 0 off */
    uint64_t origins, track_lost, children; /* ORIGIN/CHILD records written;
                                               creations not recorded */
    uint64_t redacted;    /* SNAP_REDACT_* bits: what was held back */
    uint64_t bbx_mapped;  /* bytes bbx had mapped for itself, 0 unknown */
} snap_capture;

typedef struct snap {
    int complete;         /* END record seen and zstd frame closed */
    char *incomplete_why; /* why not complete, NULL when complete */
    unsigned version_major, version_minor;
    uint64_t records;     /* records read */
    snap_process process;
    snap_trigger trigger;
    snap_capture capture;
    snap_thread *threads;
    size_t n_threads;
    snap_fd *fds;         /* the program's */
    size_t n_fds;
    snap_fd *bbx_fds;     /* bbx's own (FD BBX): spares, libunwind's pipes,
                             its X connection; kept out of fds */
    size_t n_bbx_fds;
    snap_module *modules;
    size_t n_modules;
    snap_breadcrumb *breadcrumbs;
    size_t n_breadcrumbs;
    snap_annotation *annotations;
    size_t n_annotations;
    snap_origin *origins; /* sorted by resource, then id (then time) */
    size_t n_origins;
    snap_child *children; /* in file order */
    size_t n_children;
    snap_launch *launches; /* in file order (oldest first) */
    size_t n_launches;
    snap_x11 x11;         /* X resources; x11.present 0 when none */
    snap_memory memory;   /* memory.present 0 when none */
    snap_heap heap;       /* heap.present 0 when heap tracking was off */
    snap_session session; /* session.present 0 when none (before minor 5) */
    /* What the reader passed over (counts over the whole file). */
    uint64_t unknown_records;   /* records of a type this reader does not know */
    uint64_t fds_passed;        /* the program's FD records not decoded
                                   (SNAP_READ_SUMMARY; bbx's own not counted) */
    uint64_t malformed_records; /* records with a field that could not be
                                   decoded: kept up to that field */
    uint64_t dropped_items;     /* items over SNAP_READ_MAX_ITEMS, dropped */
    /* SNAP_READ_RAW_FRAMES: thread names and frames_raw live in these
     * blocks (freed whole by snap_free), not in blocks of their own. */
    struct snap_block *blocks;
} snap;

/*
 * Read the snapshot at `path`.  On success returns a snapshot (possibly with
 * complete == 0).  On failure returns NULL and writes a one-line reason
 * (without the file name) into err[errlen]: not a snapshot, unsupported
 * version, unreadable, not a regular file (a FIFO, a device or a directory
 * is refused, never waited on: input_file.h), ...
 */
snap *snap_read_file(const char *path, char *err, size_t errlen);

/* Flags for snap_read_file_flags(). */
#define SNAP_READ_RAW_FRAMES 1u /* keep thread frames encoded (frames_raw) */
/* Only what sums a crash up (bbx ingest): FD, ORIGIN, CHILD, LAUNCH and
 * BREADCRUMB records are passed over, not decoded (fds_passed counts the program's
 * FD records; n_fds stays 0). */
#define SNAP_READ_SUMMARY 2u

/* snap_read_file() with flags: for tools that fold many snapshots and meet
 * the same stacks again and again (bbx flame), decoding only new ones. */
snap *snap_read_file_flags(const char *path, unsigned flags, char *err, size_t errlen);

/*
 * Decode frames stored as in a FRAMES field (zigzag deltas) into
 * out[0..max): returns the number decoded, or -1 when the bytes are
 * malformed (a varint over 64 bits or cut by the end).  *cut (may be NULL)
 * is set when more than max frames were there.
 */
long snap_frames_decode(const uint8_t *p, size_t len, uint64_t *out, size_t max, int *cut);

/*
 * Called with every whole record the reader finds, in file order, before it
 * is decoded into the snapshot (the END record excepted): its type and
 * payload p[n], valid during the call only.  For tools that rewrite a file
 * record by record (bbx scrub).
 */
typedef void (*snap_record_fn)(void *ctx, uint64_t type, const uint8_t *p, size_t n);

/* snap_read_file() that also hands every record to fn(ctx, ...). */
snap *snap_read_file_records(const char *path, snap_record_fn fn, void *ctx, char *err,
                             size_t errlen);

/* The same for a file already in memory (used by the fuzzer and tests). */
snap *snap_read_buffer(const void *data, size_t size, char *err, size_t errlen);
snap *snap_read_buffer_flags(const void *data, size_t size, unsigned flags, char *err,
                             size_t errlen);

/* Free a snapshot; NULL is a no-op. */
void snap_free(snap *s);

/*
 * The module containing `pc` (start <= pc < end), or NULL.  The reader sorts
 * `modules` by start address, which this lookup relies on (binary search);
 * overlapping modules, which real processes do not have, may go unresolved.
 */
const snap_module *snap_module_for_pc(const snap *s, uint64_t pc);

/*
 * The origin of fd number `fd` / of thread `tid`, or NULL when the snapshot
 * has none (tracking off, or not tracked).  Binary search over `origins`.
 */
const snap_origin *snap_fd_origin(const snap *s, uint64_t fd);
const snap_origin *snap_thread_origin(const snap *s, uint64_t tid);

/*
 * The thread the trigger happened on: the first thread marked crashed, else
 * for a hang the stuck thread, else the one whose tid is the trigger's,
 * else NULL.
 */
const snap_thread *snap_trigger_thread(const snap *s);

/*
 * Step through the command line: start with *pos = 0; each call stores the
 * next argument in *arg (out, not NUL-terminated: use *len) and returns 1,
 * or returns 0 after the last one.  A missing final NUL is tolerated.
 */
int snap_cmdline_next(const snap *s, size_t *pos, const char **arg, size_t *len);

/* The same over any NUL-separated argument list args[args_len] (a child's
 * cmdline); args may be NULL. */
int snap_args_next(const char *args, size_t args_len, size_t *pos, const char **arg,
                   size_t *len);

/* The count of X resource type `name` ("PIXMAP") in s, 0 when absent. */
uint64_t snap_x11_count(const snap *s, const char *name);

/* Names for numbers: "eventfd", "SIGSEGV", ... (static strings, never NULL). */
/* "heap", "anon", "stack", "code", "file", "shm", "gpu", "other", or "unknown". */
const char *snap_mem_kind_name(uint64_t kind);
const char *snap_fd_kind_name(uint64_t kind);
const char *snap_signal_name(uint64_t sig);
const char *snap_thread_status_name(uint64_t status);
/* "crash", "request", "signal", "periodic", "exit", or "unknown". */
const char *snap_trigger_kind_name(uint64_t kind);
/* How a thread's stack was obtained (SNAP_METHOD_*), for machines:
 * "signal", "call", "kernel", "crash", or "unknown". */
const char *snap_thread_method_name(uint64_t method);
/* The same for people, the line bbx show prints under a thread's header:
 * "saved at blocking call entry (not interrupted)", ...; NULL for the usual
 * way (SNAP_METHOD_SIGNAL), where nothing needs saying. */
const char *snap_thread_method_text(uint64_t method);
/* How thread t's stack was obtained, from its method and status: the
 * method's name or text above (the text of SNAP_METHOD_SIGNAL is "by the
 * thread itself, in bbx's thread signal handler"), or for a thread that
 * gave no stack (status blocked, timeout or skipped, and no method named)
 * "none" and why ("none:
 * it blocks bbx's thread signal and was not in a system call", ...).
 * Static strings, never NULL. */
const char *snap_thread_stack_name(const snap_thread *t);
const char *snap_thread_stack_text(const snap_thread *t);
/* What bbx show adds for a reused stack (THREAD REUSED). */
extern const char snap_thread_reused_text[];

/*
 * Names that exist only for some numbers: these return NULL
 * when the number has no name, so the caller can print the number instead.
 * All strings are static; all functions are thread-safe.
 */
/* si_code name for a signal: "SEGV_MAPERR", "SI_USER", "SI_TKILL", ... */
const char *snap_si_code_name(uint64_t sig, int64_t code);
/* "AF_INET", "AF_UNIX", ... and "SOCK_STREAM", "SOCK_DGRAM", ... */
const char *snap_sock_family_name(uint64_t family);
const char *snap_sock_type_name(uint64_t type);
/* "NOFILE", "STACK", ... (Linux RLIMIT_* numbers, without the prefix). */
const char *snap_rlimit_name(uint64_t resource);

/*
 * Register names for `arch` (the process record's arch string, may be NULL)
 * in SNAP_THR_REGS order: stores a static array in *names (out) and returns
 * its length, or returns 0 (and *names = NULL) for an unknown arch.
 */
size_t snap_reg_names(const char *arch, const char *const **names);

/* The name of system call `nr` of `arch` ("read", "futex", ...; the calls a
 * thread is found blocked in), or NULL for one this table does not name. */
const char *snap_syscall_name(const char *arch, int64_t nr);

/*
 * Write open flags (F_GETFL value, with O_CLOEXEC added when `cloexec`) as
 * text, "O_RDWR|O_NONBLOCK|O_CLOEXEC", into buf[len] (always terminated when
 * len > 0; bits without a name end up as a "0x..." part).  Flag values
 * differ between architectures; `arch` as for snap_reg_names().  Returns the
 * length the full text needs, like snprintf.
 */
size_t snap_open_flags_format(const char *arch, uint64_t flags, int cloexec,
                              char *buf, size_t len);

#endif
