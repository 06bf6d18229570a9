/*
 * report_series.h - the snapshots of `bbx report`, read once and folded per
 * process (snap_set.h tells processes apart): each process's leak groups,
 * flame graph and last snapshot, and the choice of the process the page
 * shows in detail when there are several.
 *
 * The page is about one process, "the main one": the one whose last
 * snapshot is a crash, else the one with most leak suspects, else the one
 * with most snapshots, else the one seen first.  The others are listed in
 * the page's "processes" section with their counts and suspects (`bbx
 * report --pid N` gives a page of each).
 *
 * A series is read one snapshot at a time (the next read ahead) and each
 * is dropped once folded in, but for the latest of each process.  Memory
 * grows with the groups and the distinct stacks, not with the snapshots.
 *
 * Ownership: files and the symbol session stay the caller's and must
 * outlive the series.  Never prints (warnings go through `warn`).  Not
 * thread-safe.
 */
#ifndef BBX_REPORT_SERIES_H
#define BBX_REPORT_SERIES_H

#include <stddef.h>
#include <stdint.h>

#include "leak_analyze.h"
#include "report_html.h"
#include "symbolizer.h"

typedef struct report_series report_series;

/* Called once per incomplete snapshot that is used: one line naming it. */
typedef void (*report_warn_fn)(void *ctx, const char *message);

/*
 * Read files[n] (snapset_expand_paths()), only the processes of lo->pid
 * when it is not 0, judged with lo's symbols and rules (copied; what it
 * points to must outlive the series).  NULL with a one-line reason in err[errlen]: a file that is
 * not a readable snapshot (named), no snapshot of pid, out of memory.
 */
report_series *report_series_read(char *const *files, size_t n, const leak_options *lo,
                                  report_warn_fn warn, void *warn_ctx, char *err,
                                  size_t errlen);

/*
 * What the page is made of (*hi, out): the main process in detail, every
 * process in hi->processes when there are several.  hi points into rs,
 * valid until report_series_free().  0, or -1 with err (out of memory).
 */
int report_series_input(report_series *rs, report_html_input *hi, char *err, size_t errlen);

/* NULL is a no-op. */
void report_series_free(report_series *rs);

#endif
