/*
 * mem_read.h - the kernel's memory figures of this process, read for the
 * MEMORY record (mem_prepared.h) and the memory watermark.  Runtime room.
 *
 *  mem_smaps.c    /proc/self/smaps: size, Rss, Pss, Swap and the number of
 *                 mappings per kind of mapping (mem_kind_of), and totals.
 *  mem_cgroup.c   the process's memory cgroup (v1 memory controller or v2)
 *                 found through /proc/self/cgroup and /proc/self/mountinfo,
 *                 and its usage, limit, memory.high, OOM counts and swap.
 *  mem_refresh.c  one refresh: all of the above, /proc/meminfo, optionally
 *                 mallinfo2, timed and published.
 *
 * Thread and signal safety: everything declared here but mem_refresh()'s
 * malloc part uses raw system calls and the caller's buffers only, so it
 * is async-signal-safe; callers keep one user per buffer (mem_refresh.c
 * holds a flag).  Files are opened for the read and closed at once (an fd
 * of the lowest free number exists for that moment, as during a capture);
 * nothing is opened through libc's hooked names.
 */
#ifndef BBX_MEM_READ_H
#define BBX_MEM_READ_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mem_prepared.h"

/* One mapping, as its smaps/maps header line says. */
struct mem_map {
    uint64_t start, end;
    char perms[5];           /* "rw-p" */
    const char *path;        /* the rest of the line, "" for none; not
                                NUL-terminated: path_len bytes */
    size_t path_len;
};

/* The kind (SNAP_MEM_*) of mapping m; prev is the mapping just below it
 * (NULL for the first).  Thread stacks are told by their guard: an
 * anonymous read-write private mapping that starts exactly where an
 * anonymous PROT_NONE mapping of at most 1 MiB ends (glibc and musl map
 * a thread's stack with its guard below it), unless it starts on a 64 MiB
 * boundary (a glibc malloc heap of a thread arena: its PROT_NONE reserve
 * lies above it, and the next heap may start right after that reserve). */
unsigned mem_kind_of(const struct mem_map *m, const struct mem_map *prev);

/* Sizes of /proc/self/smaps into v->kinds, rss/pss/swap/vm_size totals;
 * sets MEM_HAS_SMAPS.  buf[cap] is scratch (a line longer than cap is cut).
 * Returns 0, or -1 when the file cannot be read. */
int mem_smaps_read(struct mem_values *v, char *buf, size_t cap);

/* Call fn(ctx, line, len) for each line of the file at path (without its
 * newline), read in pieces into buf[cap]; a line longer than cap is cut to
 * cap bytes.  Returns 0, or -1 when it cannot be opened. */
int mem_for_each_line(const char *path, char *buf, size_t cap,
                      void (*fn)(void *ctx, const char *line, size_t len), void *ctx);

/* A small file whole into buf (NUL-terminated, cut at cap - 1): the bytes
 * read, or -1. */
ssize_t mem_file_read(const char *path, char *buf, size_t cap);

/* In text, the number after the line that starts with key followed by ':'
 * or ' ' ("MemTotal:  123 kB", "oom_kill 2"): 0 and *out, or -1. */
int mem_key_u64(const char *text, const char *key, uint64_t *out);

/* The memory cgroup of this process. */
struct mem_cg {
    int version;             /* 0: none found; 1: v1 memory controller; 2: v2 */
    char path[MEM_CGROUP_MAX]; /* as /proc/self/cgroup says, "" when none */
    char dir[512];           /* its directory under the mount */
};

/* Find it (buf[cap] is scratch).  0, or -1 when there is none usable (the
 * path may still be set). */
int mem_cg_find(struct mem_cg *cg, char *buf, size_t cap);

/* Its figures into v (cgroup path, usage, limit, high, OOM counts, swap);
 * a file that is missing leaves its MEM_HAS_* bit clear. */
void mem_cg_read(const struct mem_cg *cg, struct mem_values *v, char *buf, size_t cap);

/* The file with its current usage in bytes: "memory.current" (v2),
 * "memory.usage_in_bytes" (v1); NULL without a cgroup. */
const char *mem_cg_usage_name(const struct mem_cg *cg);

/* A byte count of a cgroup file's text: "max" or a v1 "unlimited" value
 * (2^62 and above, e.g. 9223372036854771712) gives -1; else 0 and *out. */
int mem_cg_limit_value(const char *text, uint64_t *out);

#endif
