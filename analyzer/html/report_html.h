/*
 * report_html.h - `bbx report` as a library: one snapshot, or a series of
 * snapshots of one process, as one self-contained HTML page (with the
 * other processes of a mixed set listed).
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
#include <stdint.h>
#include <stdio.h>

#include "flame_model.h"
#include "leak_model.h"
#include "leak_timeline.h"
#include "snap_reader.h"
#include "symbolizer.h"

/* A process of a set of several, for the page's "processes" section. */
typedef struct report_html_process {
    uint64_t pid;
    const char *program;        /* app name, else the executable's base name */
    const char *exe;            /* may be NULL */
    size_t n;                   /* snapshots */
    uint64_t first_ms, last_ms; /* capture times of its first and last */
    size_t suspects;            /* leak suspects (bbx leaks' rules) */
    int crashed;                /* its last snapshot is a crash */
    int shown;                  /* the process the page is about */
} report_html_process;

/* What the page is made of.  A series is folded as it is read (cmd_report.c:
 * leak_stream, flame_stream), so only its last snapshot is kept whole. */
typedef struct report_html_input {
    const snap *last;           /* the snapshot shown in detail: the last of
                                   the series in capture order */
    const char *last_name;      /* its file, or NULL */
    size_t n;                   /* snapshots in the series, >= 1 */
    uint64_t first_ms;          /* capture time of the first */
    const leak_report *leaks;   /* suspects; NULL: none computed */
    const leak_timeline *timeline; /* counts per group; NULL: no charts */
    const flame_set *stacks;    /* thread stacks of every snapshot of the
                                   series; NULL: those of `last` only */
    sym_session *symbols;       /* NULL: frames stay module+offset */
    int all_threads;            /* 1: every thread on its own; 0: identical
                                   stacks folded (as report_options) */
    const report_html_process *processes; /* the set holds several processes
                                   (report_series.h): all of them, in the
                                   order seen; NULL: one process */
    size_t n_processes;
} report_html_input;

/* Write the page.  Returns 0, or -1 when writing failed or memory ran out. */
int report_html(FILE *out, const report_html_input *in);

#endif
