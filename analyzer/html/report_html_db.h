/*
 * report_html_db.h - `bbx report --db`: the crash store (store.h) as one
 * self-contained HTML page: the top groups by count, each with a chart of
 * its counts per day and per version, then a section per group with its
 * breakdowns, stack variants, newest snapshots and its representative
 * crash, rendered from the store's copy by the same sections as the page
 * of one snapshot (report_html_parts.h).
 *
 * Self-contained as report_html.h's page: inline CSS, inline SVG, no
 * script; every string from the store or a snapshot is escaped.
 *
 * Ownership: everything passed stays the caller's.  Not thread-safe (the
 * store handle and the symbol session are not).
 */
#ifndef BBX_REPORT_HTML_DB_H
#define BBX_REPORT_HTML_DB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "store.h"
#include "symbolizer.h"

#define REPORT_STORE_TOP 20       /* groups on the page unless told */
#define REPORT_STORE_SNAPSHOTS 10 /* newest snapshots listed per group */
#define REPORT_STORE_DAYS 30      /* days in the per-day charts, at most */

typedef struct report_html_store_options {
    size_t top;            /* groups shown (the largest), 0: REPORT_STORE_TOP */
    sym_session *symbols;  /* for the representative crashes; NULL: unsymbolized */
} report_html_store_options;

/*
 * Write the page of st.  The per-day charts span the days of the shown
 * groups' data, the last REPORT_STORE_DAYS at most, ending on the day the
 * newest of them was seen (UTC).  0; -1 with a one-line reason in err when
 * the store could not be read; -2 when writing failed or memory ran out.
 */
int report_html_store(FILE *out, crash_store *st, const report_html_store_options *o,
                      char *err, size_t errlen);

#endif
