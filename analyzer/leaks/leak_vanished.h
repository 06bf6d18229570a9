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
 *  - evidence, each a clause: the kernel's log of an OOM kill of that pid
 *    after its last snapshot, and the cgroup's oom_kill count now above the
 *    last snapshot's (both only on the host it ran on: vanish_host_probe);
 *    the cgroup's oom_kill count rising between the first and the last
 *    snapshot that have it; the last snapshot's
 *    memory at VANISH_NEAR_PERCENT or more of its limit (leak_memory.h);
 *    a "memory" (watermark) snapshot; the fastest memory growth reported;
 *  - cause: "oom-kill" when the kernel log says so or an oom_kill count
 *    rose, else "memory-limit"
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

/* What this host still knows of a process that is gone from it: the
 * kernel's log line of an OOM kill of that pid after its last snapshot
 * (/dev/kmsg, readable by root or where kernel.dmesg_restrict is 0), and
 * its cgroup's oom_kill count now (when the cgroup still exists). */
typedef struct vanish_host {
    int kernel_killed;         /* the kernel log says it killed the process */
    char kernel_line[160];     /* that line, up to its "total-vm" figures */
    int has_cg_now;
    uint64_t cg_oom_now;       /* the cgroup's oom_kill count now */
} vanish_host;

/* Fills *out (zeroed first) for process pid of comm-independent identity:
 * its last snapshot at last_ms (Unix ms), its cgroup `cgroup` ("" or NULL
 * unknown).  Call only for a process gone from this host. */
void vanish_host_probe(uint64_t pid, uint64_t last_ms, const char *cgroup, vanish_host *out);

/* The kernel log line `line` (a /dev/kmsg record's text) reports the OOM
 * kill of pid: "... Killed process PID (comm) ...".  Pure, for the tests. */
int vanish_kmsg_kills(const char *line, uint64_t pid);

/*
 * The verdict on a series: snaps[n] in time order (n >= 1), the probe's
 * answer, what this host still knows (`host_ev`, NULL: nothing), and
 * `trend` (a clause on the fastest memory growth, or NULL).
 * NULL when the process did not vanish (exit or crash last, or alive) or
 * memory ran out (*oom set).
 */
leak_vanished *vanish_judge(const series_snap *const *snaps, size_t n, uint64_t pid,
                            int liveness, const char *host, const vanish_host *host_ev,
                            const char *trend, int *oom);

/* v as the renderers of bbx show take it (report.h); *out points into v. */
struct report_vanished;
void leak_vanished_view(const leak_vanished *v, struct report_vanished *out);

#endif
