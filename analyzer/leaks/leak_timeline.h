/*
 * leak_timeline.h - the counts behind `bbx leaks`, over time: for a series
 * of snapshots of one process, every group of like fds, threads and
 * children (the groups of leak_series.h) with its count in each snapshot
 * and a short label for people.  `bbx report` draws its charts from it.
 *
 * It is built from the series a leak_stream folded (leak_analyze.h: one
 * process, snapshots in any order), so no snapshot needs to stay in memory.
 * The points are the snapshots in capture-time order; a series longer than
 * max_points is sampled evenly (the first and last snapshots always kept),
 * so the timeline's size is bounded by the groups and max_points.
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
    int resource;       /* enum series_resource: SERIES_FD, _THREAD, _CHILD, _X11,
                           _X11_PIXMAP, _MEM (KiB: "anon RSS", "cgroup",
                           "malloc"), _HEAP (live KiB: "malloc: f (a.c:3)") */
    char *label;        /* "socket: client_connect (leaker.c:88)", "socket: on_tick
                           (app.c:43) via g_socket_new" (the program's own
                           frame first), "file: /tmp/x", "X PIXMAP" */
    uint64_t *counts;   /* one per point */
    uint64_t first, last, peak; /* over every snapshot, sampled or not */
} leak_timeline_group;

typedef struct leak_timeline {
    size_t n_snaps;     /* points: snapshots drawn (at most max_points) */
    size_t n_series;    /* snapshots in the series */
    uint64_t *time_ms;  /* capture time of each point's snapshot */
    leak_timeline_group *groups;
    size_t n_groups;
} leak_timeline;

/* The points of a chart: enough for any screen, few enough for a page. */
#define LEAK_TIMELINE_MAX_POINTS 1000

struct leak_series;

/*
 * The timeline of the series ls (at least one snapshot, one process), with
 * at most max_points points (>= 2); `symbols` may be NULL (labels then name
 * modules).  NULL when memory ran out, with the reason in err[errlen].
 */
leak_timeline *leak_timeline_from_series(const struct leak_series *ls, size_t max_points,
                                         sym_session *symbols, char *err, size_t errlen);

void leak_timeline_free(leak_timeline *t);

#endif
