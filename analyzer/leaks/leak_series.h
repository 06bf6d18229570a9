/*
 * leak_series.h - the first half of `bbx leaks`: a series of snapshots of
 * one process folded into groups of like resources, with each group's count
 * in every snapshot.  Internal to leak_analyze.c (the rules live there).
 *
 * Snapshots are added one at a time in any order and freed by the caller
 * right after: the series keeps only what the rules and the report need
 * (per snapshot its time, pid and trigger, and the watchdog's word on a
 * hung thread for HANG and HANG_END snapshots; per group its identity, one
 * creation stack with the modules to symbolize it, a few examples, and
 * sparse counts), so a thousand snapshots of a thousand fds stay small.
 *
 * Group identity (stable inside one process, docs/FORMAT.md "bbx leaks"):
 *   fd, tracked:     kind + the addresses of its creation stack
 *   fd, untracked:   kind + target with digits dropped from socket:[..],
 *                    pipe:[..] and anon_inode names + socket peer address
 *   thread:          creation stack + start routine + name without digits
 *   child:           command (cmdline, else comm) + zombie or not
 *   x11:             the resource type's atom name; pixmap memory is one group
 *   memory:          the kind of memory (RSS of a kind of mapping, the
 *                    cgroup's usage, malloc's bytes in use), counted in KiB
 *   heap:            the allocating stack of sampled heap tracking (its
 *                    addresses, and malloc or mmap), its live bytes in KiB
 * An fd whose origin is UNKNOWN (open before tracking) groups as untracked.
 *
 * Not thread-safe; not async-signal-safe.
 */
#ifndef BBX_LEAK_SERIES_H
#define BBX_LEAK_SERIES_H

#include <stddef.h>
#include <stdint.h>

#include "app_frames.h"
#include "leak_model.h"
#include "symbolizer.h"
#include "snap_reader.h"

#define SERIES_MAX_EXAMPLES 3

/* SERIES_X11: one X resource type's count (name: its atom, "PIXMAP");
 * SERIES_X11_PIXMAP: pixmap memory in KiB (one group).  Both only from
 * snapshots whose X11_RESOURCES record found an X client of the process
 * (series_snap.x11); the others say nothing of them. */
enum series_resource { SERIES_FD = 0, SERIES_THREAD = 1, SERIES_CHILD = 2, SERIES_X11 = 3,
                       SERIES_X11_PIXMAP = 4, SERIES_MEM = 5, SERIES_HEAP = 6 };

/* SERIES_MEM kinds beyond SNAP_MEM_* (RSS of that kind of mapping). Memory
 * groups count only in snapshots with a MEMORY record (series_snap.mem),
 * heap groups only in those with a HEAP record (series_snap.heap). */
#define SERIES_MEM_CGROUP 100 /* the cgroup's memory.current */
#define SERIES_MEM_MALLOC 101 /* malloc's bytes in use */

/* What a snapshot's MEMORY record said of limits and the OOM killer, for
 * the time to a limit and the vanished verdict (leak_vanished.h). */
typedef struct series_mem {
    int present;               /* the snapshot had a MEMORY record */
    uint64_t rss_kb, vm_size_kb, phys_kb;
    int has_cg_current, has_cg_max, has_cg_oom;
    uint64_t cg_current, cg_max, cg_oom_kills; /* bytes, bytes, count */
    uint64_t as_limit;         /* RLIMIT_AS soft limit in bytes, 0 none */
    char cgroup[256];          /* the cgroup's path, "" unknown (cut when longer) */
} series_mem;

/* A group's count in one snapshot (snapshots where it is absent have none). */
typedef struct series_count {
    uint32_t snap;      /* index into leak_series.snaps */
    uint32_t count;
    uint32_t count_no_stdio; /* fds: those numbered above 2 */
} series_count;

typedef struct series_group {
    int resource;              /* enum series_resource */
    uint64_t kind;             /* fd: SNAP_FD_*; child: 1 zombie, 0 not */
    int tracked;               /* has a creation stack (ORIGIN, not UNKNOWN) */
    int unknown;               /* ORIGIN said UNKNOWN (open before tracking) */
    int own_code;              /* a stack frame in the program's own code
                                  (app_frames.h) */
    size_t app_frame;          /* index into frames of the first of them,
                                  SIZE_MAX when none is */
    uint64_t *frames;          /* creation stack from the first frame outside
                                  the collector, innermost first */
    size_t *frame_module;      /* per frame: index into modules, or SIZE_MAX */
    size_t n_frames;
    uint64_t start;            /* thread start routine, 0 none */
    size_t start_module;
    char *call;                /* creating call ("socket"), or NULL */
    char *name;                /* thread name / child command as first seen */
    char *examples[SERIES_MAX_EXAMPLES];
    size_t n_examples;
    uint8_t *key;              /* identity bytes */
    size_t key_len;
    uint64_t hash;
    series_count *counts;
    size_t n_counts, cap_counts;
} series_group;

typedef struct series_snap {
    uint64_t time_ms, pid, trigger_kind;
    uint64_t seq;              /* the process's snapshot number, 0 unknown */
    size_t file;               /* index of the path it came from */
    int complete;
    int x11;                   /* it counted the process's X resources (an
                                  X11_RESOURCES record with a client) */
    int heap;                  /* heap tracking was on (a HEAP record) */
    uint64_t heap_interval;    /* its sampling interval in bytes */
    series_mem mem;
} series_snap;

/* A HANG or HANG_END trigger of the hang watchdog (snap_format.h). */
typedef struct series_hang {
    uint64_t kind;             /* SNAP_TRIGGER_HANG or SNAP_TRIGGER_HANG_END */
    size_t snap;               /* index into leak_series.snaps */
    uint64_t tid, hung_ms, cpu_ms, limit_ms, state; /* state: SNAP_HUNG_* */
    char *name;                /* thread name, may be NULL */
} series_hang;

typedef struct leak_series {
    series_snap *snaps;
    size_t n_snaps, cap_snaps;
    series_group *groups;
    size_t n_groups, cap_groups;
    size_t *table;             /* open addressing: group index + 1, 0 empty */
    size_t table_cap;          /* a power of two */
    snap_module *modules;      /* copies, one per distinct (path, start, bias) */
    size_t n_modules, cap_modules;
    series_hang *hangs;        /* in the order added */
    size_t n_hangs, cap_hangs;
    char *app, *exe;           /* of the first snapshot added */
    char *host;                /* hostname of the first snapshot, or NULL */
    uint64_t start_ms;         /* the process's start, Unix ms; 0 unknown */
    const app_modules *apps;   /* the program's own modules (may be NULL:
                                  the default rules); the caller's */
    uint8_t *keybuf;           /* scratch for building keys */
    size_t keybuf_cap;
    sym_session *symbols;      /* names the launch stories' sites (may be
                                  NULL); the caller's */
    leak_launch *launches;     /* the stories of the newest snapshot with any */
    size_t n_launches;
    uint64_t launches_ms;      /* that snapshot's time */
} leak_series;

/* The order snapshots were taken in (snapset_stamp_cmp(): capture time,
 * then the process's snapshot number, then the order they were added in).
 * <0, 0, >0 as for qsort. */
int series_snap_order(const series_snap *x, const series_snap *y);

void leak_series_init(leak_series *ls);
void leak_series_release(leak_series *ls);

/* Keep the launch stories of s when it is the newest snapshot with any
 * (leak_launches.c).  0, or -1 when memory ran out. */
int series_take_launches(leak_series *ls, const snap *s);
/* A copy of the series' launch stories into *out (NULL when none): how
 * many, or (size_t)-1 when memory ran out. */
size_t series_copy_launches(const leak_series *ls, leak_launch **out);

/* Fold snapshot s (read from path number `file`) into the series.
 * 0, or -1 when memory ran out. */
int leak_series_add(leak_series *ls, const snap *s, size_t file);

/* The same, also storing in fd_group[i] / thread_group[i] the index of the
 * group that fd i / thread i of s joined (arrays of s->n_fds / s->n_threads,
 * the caller's; either may be NULL). */
int leak_series_add_members(leak_series *ls, const snap *s, size_t file, size_t *fd_group,
                            size_t *thread_group);

#endif
