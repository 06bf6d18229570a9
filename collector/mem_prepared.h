/*
 * mem_prepared.h - the memory of this process, prepared off the crash path
 * for every snapshot to write (the MEMORY record).
 *
 * runtime/mem_refresh.c reads the kernel's figures (/proc/self/smaps, the
 * cgroup's files, /proc/meminfo) and, on the collector thread or the normal
 * exit path only, malloc's (mallinfo2), and publishes them here;
 * crash/mem_write.c copies the last published values and writes them with
 * their age.  Two slots under sequence counters (prepared.h); one publisher
 * at a time (mem_refresh.c holds a flag while it reads and publishes).
 */
#ifndef BBX_MEM_PREPARED_H
#define BBX_MEM_PREPARED_H

#include <stdint.h>

#include "prepared.h"
#include "snap_format.h"
#include "snap_writer.h"

#define MEM_CGROUP_MAX 256

struct mem_kind_use {
    uint64_t size_kb, rss_kb, pss_kb, swap_kb, mappings;
};

/* has_* bits of mem_values.has */
enum {
    MEM_HAS_CG_CURRENT = 1u << 0,
    MEM_HAS_CG_MAX = 1u << 1,    /* a limit (not "unlimited") */
    MEM_HAS_CG_HIGH = 1u << 2,
    MEM_HAS_CG_OOM_KILLS = 1u << 3,
    MEM_HAS_CG_OOM = 1u << 4,
    MEM_HAS_CG_SWAP = 1u << 5,
    MEM_HAS_MALLOC = 1u << 6,
    MEM_HAS_SMAPS = 1u << 7,     /* /proc/self/smaps was read */
};

struct mem_values {
    uint64_t taken_us;           /* monotonic time of the read; 0: never */
    uint64_t read_us;            /* how long reading the kernel's files took */
    unsigned has;                /* MEM_HAS_* */
    struct mem_kind_use kinds[SNAP_MEM_KIND_COUNT]; /* by SNAP_MEM_*, 0 unused */
    uint64_t rss_kb, pss_kb, swap_kb, vm_size_kb;   /* totals */
    uint64_t cg_current, cg_max, cg_high, cg_oom_kills, cg_oom, cg_swap; /* bytes */
    uint64_t phys_kb, avail_kb;  /* MemTotal, MemAvailable */
    uint64_t malloc_arena, malloc_mmap, malloc_inuse, malloc_free;
    uint64_t watermark_permille; /* BBX_MEM_WATERMARK, 0 off */
    char cgroup[MEM_CGROUP_MAX]; /* the cgroup's path as /proc/self/cgroup says it */
};

/* crash/mem_write.c: the MEMORY record of the last published values
 * (nothing when none).  Async-signal-safe. */
void mem_write(snap_writer *w);

/* crash/mem_write.c: a consistent copy of the last published values into
 * *out; 0, or -1 when none.  Async-signal-safe. */
int mem_read_published(struct mem_values *out);

/* crash/mem_write.c: publish *v (the publisher only).  Async-signal-safe. */
void mem_publish(const struct mem_values *v);

/* Forget everything published (after fork, shutdown). */
void mem_unpublish(void);

#endif
