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
    int64_t code;
    char *reason;
} snap_trigger;

typedef struct snap_thread {
    uint64_t tid;
    char *name;
    char state;           /* 0 when unknown */
    int crashed;
    uint64_t status;      /* SNAP_THREAD_* */
    uint64_t *frames;
    size_t n_frames;
    uint64_t *regs;
    size_t n_regs;
    char *wchan;
    uint64_t kernel_pc;
    int64_t syscall;
    int has_syscall;
    int truncated;
    uint64_t signal;      /* fatal signal this thread was handling, 0 none */
} snap_thread;

typedef struct snap_fd {
    uint64_t fd, kind, flags, offset, inode, size;
    uint64_t sock_family, sock_type, sock_proto;
    int has_flags, has_offset, cloexec;
    char *target, *sock_local, *sock_peer, *details;
} snap_fd;

typedef struct snap_module {
    char *path;
    uint64_t bias, start, end;
    uint8_t *build_id;
    size_t build_id_len;
} snap_module;

typedef struct snap_breadcrumb {
    uint64_t time_ms, tid;
    char *text;
} snap_breadcrumb;

typedef struct snap_annotation {
    char *key, *value;
} snap_annotation;

typedef struct snap_capture {
    uint64_t duration_us, threads, unwound, fds, modules;
    char *version;
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
    snap_fd *fds;
    size_t n_fds;
    snap_module *modules;
    size_t n_modules;
    snap_breadcrumb *breadcrumbs;
    size_t n_breadcrumbs;
    snap_annotation *annotations;
    size_t n_annotations;
} snap;

/*
 * Read the snapshot at `path`.  On success returns a snapshot (possibly with
 * complete == 0).  On failure returns NULL and writes a one-line reason
 * (without the file name) into err[errlen]: not a snapshot, unsupported
 * version, unreadable, ...
 */
snap *snap_read_file(const char *path, char *err, size_t errlen);

/* The same for a file already in memory (used by the fuzzer and tests). */
snap *snap_read_buffer(const void *data, size_t size, char *err, size_t errlen);

/* Free a snapshot; NULL is a no-op. */
void snap_free(snap *s);

/* The module containing `pc`, or NULL. */
const snap_module *snap_module_for_pc(const snap *s, uint64_t pc);

/* Names for numbers: "eventfd", "SIGSEGV", ... (static strings, never NULL). */
const char *snap_fd_kind_name(uint64_t kind);
const char *snap_signal_name(uint64_t sig);
const char *snap_thread_status_name(uint64_t status);

#endif
