/*
 * leak_timeline.h - the counts behind `bbx leaks`, over time: for a series
 * of snapshots of one process, every group of like fds, threads and
 * children (the groups of leak_series.h) with its count in each snapshot
 * and a short label for people.  `bbx report` draws its charts from it.
 *
 * The caller gives the snapshots already in time order and of one process
 * (cmd_report.c takes them through leaks_from_snapshots() first, which
 * applies the one-process rule); counts[i] is the count in snaps[i].
 *
 * Ownership: the snapshots and the symbol session stay the caller's; the
 * timeline is the caller's (leak_timeline_free(), NULL is a no-op).
 * Not thread-safe (the symbol session is not).
 */
#ifndef BBX_LEAK_TIMELINE_H
#define BBX_LEAK_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#include "snap_reader.h"
#include "symbolizer.h"

typedef struct leak_timeline_group {
    int resource;       /* enum series_resource: SERIES_FD, _THREAD, _CHILD */
    char *label;        /* "socket: client_connect (leaker.c:88)", "file: /tmp/x" */
    uint64_t *counts;   /* one per snapshot */
    uint64_t first, last, peak;
} leak_timeline_group;

typedef struct leak_timeline {
    size_t n_snaps;
    uint64_t *time_ms;  /* capture time of each snapshot */
    leak_timeline_group *groups;
    size_t n_groups;
} leak_timeline;

/*
 * The timeline of snaps[n] (n >= 1, time-ordered, one process); `symbols`
 * may be NULL (labels then name modules).  NULL when memory ran out, with
 * the reason in err[errlen].
 */
leak_timeline *leak_timeline_from_snapshots(const snap *const *snaps, size_t n,
                                            sym_session *symbols, char *err,
                                            size_t errlen);

void leak_timeline_free(leak_timeline *t);

#endif
