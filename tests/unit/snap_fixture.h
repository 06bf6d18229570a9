/*
 * snap_fixture.h - known snapshots for the reader tests and the corpus
 * generator, written by the real writer (bbx_snapwriter) into memory.
 *
 * The reference snapshot holds every record type and every field, with the
 * values below, in the order of enum fixture_record; the tests compare what
 * the reader returns against these.  Buffers are malloc'd and owned by the
 * caller (fixture_file_release()).
 */
#ifndef BBX_SNAP_FIXTURE_H
#define BBX_SNAP_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "snap_format.h"

/* Records of the reference snapshot, in file order. */
enum fixture_record {
    FIX_REC_PROCESS,
    FIX_REC_TRIGGER,
    FIX_REC_THREAD_MAIN,   /* crashed, registers, frames */
    FIX_REC_THREAD_WORKER, /* blocked: kernel data only */
    FIX_REC_THREAD_CUT,    /* truncated stack, wide pc jumps */
    FIX_REC_FD_TTY,
    FIX_REC_FD_SOCKET,
    FIX_REC_FD_FILE,
    FIX_REC_MODULE_LIBC,   /* written before the exe: the reader sorts */
    FIX_REC_MODULE_EXE,
    FIX_REC_CRUMB0,
    FIX_REC_CRUMB1,
    FIX_REC_CRUMB2,
    FIX_REC_ANN0,
    FIX_REC_ANN1,
    FIX_REC_ORIGIN_TTY,    /* fd 0: unknown (open before tracking) */
    FIX_REC_ORIGIN_SOCKET, /* fd 3: socket() with a stack in the exe */
    FIX_REC_ORIGIN_WORKER, /* thread 4243: pthread_create, start routine */
    FIX_REC_CHILD_ZOMBIE,  /* pid 5000, exited, not reaped */
    FIX_REC_CHILD_RUN,     /* pid 5001, sleeping, with a command line */
    FIX_REC_CAPTURE,
    FIX_REC_COUNT          /* END follows */
};

#define FIX_PID 4242
#define FIX_PPID 17
#define FIX_UID 1000
#define FIX_START_MS 1714564798000ull
#define FIX_TIME_MS 1714564800123ull
#define FIX_EXE "/usr/bin/demo"
#define FIX_APP "demo"
#define FIX_HOST "buildbox"
#define FIX_KERNEL "6.1.0-18-amd64"
#define FIX_ARCH "x86_64"
#define FIX_CMDLINE "demo\0--crash\0two words\0" /* 3 arguments */
#define FIX_CMDLINE_LEN 23
#define FIX_RSS_KB 12345
#define FIX_VM_KB 234567
#define FIX_HWM_KB 13000
#define FIX_THREADS 3
#define FIX_THREADS_OMITTED 7 /* CAPTURE: left out by max_threads */
#define FIX_FD_LIMIT 1024

#define FIX_SIGNAL 11
#define FIX_CODE 1
#define FIX_ADDR 0x0ull
#define FIX_SENDER_PID 0
#define FIX_SENDER_UID 0
#define FIX_TRIGGER_TID 4242
#define FIX_SEQ 7 /* the process's 7th snapshot */

#define FIX_EXE_START 0x555555554000ull
#define FIX_EXE_END 0x555555559000ull
#define FIX_EXE_BIAS 0x555555554000ull
#define FIX_LIBC_START 0x7ffff7dc3000ull
#define FIX_LIBC_END 0x7ffff7f9f000ull
#define FIX_LIBC_BIAS 0x7ffff7d9b000ull
#define FIX_LIBC_PATH "/usr/lib/x86_64-linux-gnu/libc.so.6"

/* Tracking records of the reference snapshot. */
#define FIX_ORIGIN_SOCKET_NFRAMES 3
#define FIX_ORIGIN_WORKER_NFRAMES 2
#define FIX_ORIGIN_SOCKET_MS (FIX_TIME_MS - 2500)
#define FIX_ORIGIN_WORKER_MS (FIX_TIME_MS - 2900)
#define FIX_WORKER_START 0x555555555300ull
#define FIX_CHILD_CMDLINE "sh\0-c\0sleep 60\0"
#define FIX_CHILD_CMDLINE_LEN 15

#define FIX_MAIN_NFRAMES 5
#define FIX_CUT_NFRAMES 3
#define FIX_NREGS 18

extern const uint64_t fix_main_frames[FIX_MAIN_NFRAMES];
extern const uint64_t fix_cut_frames[FIX_CUT_NFRAMES];
extern const uint64_t fix_regs[FIX_NREGS];
extern const uint64_t fix_origin_socket_frames[FIX_ORIGIN_SOCKET_NFRAMES];
extern const uint64_t fix_origin_worker_frames[FIX_ORIGIN_WORKER_NFRAMES];
extern const uint8_t fix_exe_build_id[20];
extern const char *const fix_crumbs[3];

typedef struct fixture_file {
    uint8_t *data;
    size_t len;
    /* flush_end[i]: file length once record i (enum fixture_record, then
     * END at FIX_REC_COUNT) was flushed; only with flush_each. */
    size_t flush_end[FIX_REC_COUNT + 1];
} fixture_file;

/*
 * Write the reference snapshot.  `flush_each`: a zstd flush after every
 * record (so a cut at flush_end[i] keeps records 0..i).  `finish`: 0 stops
 * before the END record and leaves the frame open.  0 or -1.
 */
int fixture_reference(fixture_file *f, int flush_each, int finish);

/* A small on-demand snapshot (request trigger, one thread).  0 or -1. */
int fixture_request(fixture_file *f);

/* Wrap raw record bytes (already encoded) into a snapshot file: header with
 * `major`, then a one-frame zstd stream of raw[n].  0 or -1. */
int fixture_wrap(fixture_file *f, const void *raw, size_t n, unsigned major);

/* Append raw[n] as one more zstd frame (with checksum).  0 or -1. */
int fixture_add_frame(fixture_file *f, const void *raw, size_t n);

/* Hand-made hostile snapshots; each comment says what a reader must make
 * of it. */
enum fixture_hostile {
    FIX_HUGE_LENGTHS,    /* THREAD{tid 5, NAME declaring 2^60 bytes}, then a
                            record header declaring 2^40 bytes: 2 records, the
                            thread kept without a name, 1 malformed, corrupt */
    FIX_VARINT_OVERFLOW, /* PROCESS{pid 1}, THREAD{11-byte key}, then an
                            11-byte record type: 2 records, 1 malformed */
    FIX_MANY_FRAMES,     /* THREAD{tid 9, 5000 frames 0x1000 + 16 i}, END:
                            complete, 4096 frames kept, truncated */
    FIX_WRONG_WIRE,      /* PROCESS{pid as bytes, exe as varint, pid 9}, END:
                            complete, pid 9, no exe */
    FIX_UNKNOWN,         /* record 99, PROCESS{unknown fields, pid 3}, END:
                            complete, 1 unknown record, pid 3 */
    FIX_END_MISMATCH,    /* PROCESS, END{5}: incomplete ("END record counts") */
    FIX_TWO_FRAMES,      /* PROCESS | THREAD, END in a second frame: complete */
    FIX_AFTER_END,       /* PROCESS, END{1}, PROCESS: incomplete */
    FIX_TRAILING,        /* a complete snapshot + 7 bytes: incomplete */
    FIX_TRACKING_ODD,    /* ORIGIN{fd 7, 5000 frames, call as varint},
                            ORIGIN{fd 7 again, unknown}, ORIGIN{no fields},
                            CHILD{pid 8, state 0x01, cmdline without NUL,
                            comm as varint}, ORIGIN{thread 9, frames cut
                            inside a varint}, END: complete, 4 origins (the
                            first truncated at 4096 frames, no call), child
                            with state 0 and cmdline "a\0b", 1 malformed */
    FIX_X11,             /* X11_RESOURCES{display ":5", clients 2, TYPE
                            PIXMAP 40, TYPE WINDOW 3, TYPE with a cut
                            varint, pixmap bytes 655360, stale 1} */
    FIX_HOSTILE_COUNT
};

int fixture_hostile(fixture_file *f, int which);

void fixture_file_release(fixture_file *f);

/*
 * Made-to-order snapshots, for the leak analysis tests: a process (pid,
 * capture time, FIX_EXE with the reference modules, so frames between
 * FIX_EXE_START and FIX_EXE_END are the program's own code and those of
 * FIX_LIBC_* are libc's), a trigger, and the fds, threads (with ORIGIN
 * records when they have frames or are unknown) and children described.
 *
 * Every field after the first group of each struct is optional: zero or
 * NULL writes nothing for it (the golden scenarios of tests/golden fill
 * them; the leak tests leave them zero).
 */
typedef struct fix_fd {
    uint64_t fd, kind;
    const char *target, *peer;    /* may be NULL */
    const uint64_t *frames;       /* creation stack, NULL: untracked */
    size_t n_frames;
    int unknown;                  /* ORIGIN with UNKNOWN (no frames) */
    /* optional */
    const char *call;             /* ORIGIN CALL; NULL: "socket" */
    uint64_t origin_ms, origin_tid; /* ORIGIN TIME_MS, TID */
    uint64_t flags, offset, inode, size;
    int cloexec;
    uint64_t family, type, proto; /* sockets */
    const char *local;            /* socket's local address */
    const char *details;          /* fdinfo lines */
} fix_fd;

typedef struct fix_thread {
    uint64_t tid;
    const char *name;
    const uint64_t *frames;       /* creation stack, NULL: untracked */
    size_t n_frames;
    uint64_t start;               /* start routine */
    /* optional */
    const uint64_t *stack;        /* the thread's own frames, innermost first */
    size_t n_stack;
    const uint64_t *regs;         /* SNAP_X86_64_REG_COUNT values */
    char state;                   /* R, S, D, ... */
    int crashed;
    uint64_t signal;              /* fatal signal the thread was in */
    uint64_t status, method;      /* snap_thread_status, snap_thread_method */
    const char *wchan;
    uint64_t kernel_pc;
    int64_t syscall;              /* written when has_syscall */
    int has_syscall;
    int truncated;                /* the stack was cut at max_frames */
    uint64_t origin_ms, origin_tid; /* ORIGIN TIME_MS, TID */
    uint64_t lock_addr, lock_owner; /* the mutex it is blocked on, its owner */
} fix_thread;

typedef struct fix_child {
    uint64_t pid;
    int zombie;
    const char *comm;
    const char *cmdline;          /* NUL-separated, cmdline_len bytes */
    size_t cmdline_len;
    /* optional */
    uint64_t start_ms;
} fix_child;

typedef struct fix_module {
    const char *path;
    uint64_t bias, start, end;
    const uint8_t *build_id;
    size_t build_id_len;
    const uint8_t *image;         /* MODULE IMAGE (the vDSO's), or NULL */
    size_t image_len;
} fix_module;

typedef struct fix_crumb {
    uint64_t time_ms, tid;
    const char *text;
} fix_crumb;

/* MEMORY (sizes in KiB, cgroup and malloc figures in bytes); a has_*
 * flag 0 writes nothing for its figure. */
typedef struct fix_memory {
    uint64_t age_ms;
    uint64_t rss_kb[SNAP_MEM_KIND_COUNT]; /* by SNAP_MEM_*; 0: kind not written */
    uint64_t pss_kb, swap_kb, vm_size_kb, phys_kb, avail_kb;
    const char *cgroup;
    int has_cg_current, has_cg_max, has_cg_oom;
    uint64_t cg_current, cg_max, cg_oom_kills, cg_oom;
    int has_malloc;
    uint64_t malloc_arena, malloc_mmap, malloc_inuse, malloc_free;
    uint64_t watermark_permille;
} fix_memory;

/* One HEAP_STACK: frames innermost first (the caller of malloc). */
typedef struct fix_heap_stack {
    uint64_t id;
    const uint64_t *frames;
    size_t n_frames;
    uint64_t live_bytes, live_objects, alloc_bytes, alloc_objects;
    uint64_t live_samples, samples;
    int mmap;
} fix_heap_stack;

typedef struct fix_heap {
    uint64_t interval, samples, live_samples, lost, start_ms;
    uint64_t alloc_bytes, alloc_objects, live_bytes, live_objects;
    const fix_heap_stack *stacks;
    size_t n_stacks;
} fix_heap;

typedef struct fix_snapshot {
    uint64_t pid, time_ms, trigger_kind;
    const fix_fd *fds;
    size_t n_fds;
    const fix_thread *threads;
    size_t n_threads;
    const fix_child *children;
    size_t n_children;
    int incomplete;               /* stop before END (a cut file) */
    /* optional: the process */
    const char *exe, *app;        /* NULL: FIX_EXE, FIX_APP */
    const char *host, *kernel, *arch;
    const char *cmdline;          /* NUL-separated, cmdline_len bytes */
    size_t cmdline_len;
    uint64_t ppid, uid, start_ms, rss_kb, vm_kb, hwm_kb, fd_limit, proc_threads;
    /* optional: the trigger */
    uint64_t signal, addr, trigger_tid;
    uint64_t seq;                 /* TRIGGER SEQ, 0: not written */
    int64_t code;
    const char *reason;
    /* optional: NULL/0 writes the reference modules (FIX_EXE, libc) */
    const fix_module *modules;
    size_t n_modules;
    const fix_crumb *crumbs;
    size_t n_crumbs;
    const char *const *annotations; /* key, value, key, value, ... */
    size_t n_annotations;           /* pairs */
    /* optional: a CAPTURE record (counts taken from the above) when
     * capture_version is set */
    const char *capture_version;
    uint64_t capture_us, capture_threads_us, capture_fds_us, tracking;
    /* optional: MEMORY, HEAP and its HEAP_STACKs (NULL: none), and an
     * RLIMIT_AS soft limit in bytes (0: no RLIMIT_AS written) */
    const fix_memory *memory;
    const fix_heap *heap;
    uint64_t rlimit_as;
} fix_snapshot;

int fixture_snapshot(fixture_file *f, const fix_snapshot *d);

/* Encode helpers for hand-made records: append to buf at *pos (the buffer
 * must have room; tests size them generously).  */
void fix_put_varint(uint8_t *buf, size_t *pos, uint64_t v);
void fix_put_record(uint8_t *buf, size_t *pos, uint64_t type, const void *payload,
                    size_t n);

#endif
