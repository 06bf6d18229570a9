/*
 * report_html.h - `bbx report` as a library: one snapshot, or a series of
 * snapshots of one process, as one self-contained HTML page.
 *
 * The page needs no network and loads nothing: CSS is inline, charts are
 * inline SVG, and the only script is the embedded flame graph's (the rest
 * works with scripts off).  Every string that comes from a snapshot or a
 * debug file is escaped (html_escape.h), so a hostile snapshot cannot put
 * markup or script into the page.
 *
 * Ownership: everything passed stays the caller's.  Not thread-safe (the
 * symbol session is not).
 */
#ifndef BBX_REPORT_HTML_H
#define BBX_REPORT_HTML_H

#include <stddef.h>
#include <stdio.h>

#include "leak_model.h"
#include "leak_timeline.h"
#include "snap_reader.h"
#include "symbolizer.h"

typedef struct report_html_input {
    snap *const *snaps;         /* n >= 1, in time order, of one process; the
                                   last is the one shown in detail */
    const char *const *names;   /* the file of each, or NULL */
    size_t n;
    const leak_report *leaks;   /* suspects; NULL: none computed */
    const leak_timeline *timeline; /* counts per group; NULL: no charts */
    sym_session *symbols;       /* NULL: frames stay module+offset */
} report_html_input;

/* Write the page.  Returns 0, or -1 when writing failed or memory ran out. */
int report_html(FILE *out, const report_html_input *in);

#endif
