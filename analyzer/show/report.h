/*
 * report.h - renders a snapshot for people (text, tombstone-style) and for
 * machines (JSON; the schema is in docs/JSON.md).  Both renderers take any
 * snapshot the reader produced, incomplete or hostile, and write only what
 * is safe: text output escapes control bytes, JSON output is always valid.
 *
 * The caller keeps ownership of the stream and the snapshot.  Thread-safe
 * for distinct streams.  Each returns 0, or -1 when writing failed.
 */
#ifndef BBX_REPORT_H
#define BBX_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "snap_reader.h"
#include "symbolizer.h"

/* What bbx show found of the snapshot's series (the vanished verdict of
 * bbx leaks, leak_vanished.h), said after the trigger. */
typedef struct report_vanished {
    const char *verdict, *cause, *text; /* cause may be NULL */
    const char *const *evidence;
    size_t n_evidence;
    uint64_t last_ms;
} report_vanished;

/* How to render.  NULL means the defaults (no symbols). */
typedef struct report_options {
    /* Symbolize frames with this session (the caller's); NULL: frames stay
     * module+offset. */
    sym_session *symbols;
    /* 1: every thread's stack on its own (--all-threads); 0: threads with
     * identical stacks folded into one entry, the triggering thread always
     * alone and first. */
    int all_threads;
    /* 1: bbx's own fds and threads listed too (--bbx-internals); 0: left
     * out of the tables, counted in one line. */
    int bbx_internals;
    /* The process vanished after this snapshot (NULL: not known). */
    const report_vanished *vanished;
} report_options;

int report_text(FILE *out, const snap *s, const report_options *opt);

/* The "vanished" key and its object (or null) inside an object being
 * written: bbx show's and bbx leaks's JSON. */
struct json_writer;
void report_vanished_json(struct json_writer *w, const report_vanished *v);

/* `pretty`: indented, one member a line (what `bbx show --json` writes). */
int report_json(FILE *out, const snap *s, int pretty, const report_options *opt);

/* Helpers the other text outputs (bbx leaks) share with report_text():
 * write s[n] with control bytes, backslashes and invalid UTF-8 escaped as
 * \xNN; Unix milliseconds as "2024-05-01 12:00:00.123 UTC" (or "@<ms> ms")
 * into buf[len]. */
void report_put_safe(FILE *out, const char *s, size_t n);
void report_fmt_time(char *buf, size_t len, uint64_t ms);

#endif
