/*
 * leak_vanished.h - the verdict on a process whose series of snapshots
 * ends with neither an exit nor a crash snapshot: is it gone, and what do
 * the snapshots say of why (the OOM killer, a memory limit)?
 *
 * vanish_probe() looks at this host (/proc); vanish_judge() is a pure
 * function of the series and the probe's answer (the unit tests give it
 * made series).  The rules, in the words of docs/FORMAT.md ("bbx leaks"):
 *  - only a series whose last snapshot is neither EXIT nor CRASH is judged,
 *    and only when some of its snapshots have a MEMORY record (a collector
 *    of format 1.4 or later: the evidence is there; report_of() checks);
 *    a process still running (same pid, same start time) has not vanished;
 *  - evidence, each a clause: the cgroup's oom_kill count rising between
 *    the first and the last snapshot that have it; the last snapshot's
 *    memory at VANISH_NEAR_PERCENT or more of its limit (leak_memory.h);
 *    a "memory" (watermark) snapshot; the fastest memory growth reported;
 *  - cause: "oom-kill" when the oom_kill count rose, else "memory-limit"
 *    when memory was near its limit or a watermark snapshot was taken,
 *    else none.
 * Not thread-safe (the builder's strings); not async-signal-safe.
 */
#ifndef BBX_LEAK_VANISHED_H
#define BBX_LEAK_VANISHED_H

#include <stddef.h>
#include <stdint.h>

#include "leak_model.h"
#include "leak_series.h"

#define VANISH_NEAR_PERCENT 90.0

enum vanish_liveness {
    VANISH_GONE = 0,       /* no process with that pid on this host */
    VANISH_REUSED = 1,     /* the pid runs another process (another start time) */
    VANISH_ALIVE = 2,      /* the same process still runs */
    VANISH_OTHER_HOST = 3, /* the snapshots come from another host */
};

/* Whether process pid started at start_ms (Unix ms, 0 unknown) on host
 * `host` (NULL unknown: taken as this host) still runs here. */
int vanish_probe(uint64_t pid, uint64_t start_ms, const char *host);

/*
 * The verdict on a series: snaps[n] in time order (n >= 1), the probe's
 * answer, and `trend` (a clause on the fastest memory growth, or NULL).
 * NULL when the process did not vanish (exit or crash last, or alive) or
 * memory ran out (*oom set).
 */
leak_vanished *vanish_judge(const series_snap *const *snaps, size_t n, uint64_t pid,
                            int liveness, const char *host, const char *trend, int *oom);

/* v as the renderers of bbx show take it (report.h); *out points into v. */
struct report_vanished;
void leak_vanished_view(const leak_vanished *v, struct report_vanished *out);

#endif
