/*
 * report_html_chart.h - an inline SVG line chart (counts over time) with an
 * HTML legend, for `bbx report`'s fd and thread charts.  Needs no script
 * and no external resource; labels are escaped (html_escape.h).
 *
 * Writes to the caller's stream; everything passed stays the caller's.
 * Thread-safe for distinct streams.
 */
#ifndef BBX_REPORT_HTML_CHART_H
#define BBX_REPORT_HTML_CHART_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct html_chart_line {
    const char *label;   /* legend text (from a snapshot: escaped here) */
    const uint64_t *y;   /* one value per x */
    int dashed;          /* a total or an aggregate, drawn dashed */
} html_chart_line;

/*
 * A chart of lines[n_lines] over the capture times x_ms[n] (Unix ms; the
 * axis shows time since the first).  `title` and `y_unit` are the
 * caller's literals.  With n < 2 it writes a sentence instead.
 */
void html_line_chart(FILE *out, const char *title, const char *y_unit, const uint64_t *x_ms,
                     size_t n, const html_chart_line *lines, size_t n_lines);

#endif
