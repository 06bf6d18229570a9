/*
 * report_html_parts.h - the sections of the `bbx report` page, shared
 * between the files that write them (internal to report_html*.c).  Each
 * writes one HTML fragment to `out`, escaping everything from the snapshot.
 */
#ifndef BBX_REPORT_HTML_PARTS_H
#define BBX_REPORT_HTML_PARTS_H

#include <stdio.h>

#include "flame_model.h"
#include "snap_reader.h"
#include "source_lines.h"
#include "symbolizer.h"

/* The page's style sheet (report_html.c), shared by every page bbx writes. */
extern const char html_page_style[];

/* report_html_snap.c: one snapshot.  Every id a section writes (its own,
 * thread-TID, fd-N, ...) starts with idp ("" on a page about one
 * snapshot; a page showing several gives each its own prefix). */
void html_snap_summary(FILE *out, const snap *s, const char *name, const char *idp);
/* The trigger thread's stack with source lines (src may be NULL). */
/* The session (SESSION record): notes, facts, the environment folded. */
void html_snap_session(FILE *out, const snap *s, const char *idp);
void html_snap_trigger_thread(FILE *out, const snap *s, sym_session *ss, source_cache *src,
                              const char *idp);
/* Every thread, identical stacks folded unless all_threads. */
void html_snap_threads(FILE *out, const snap *s, sym_session *ss, int all_threads,
                       const char *idp);
void html_snap_fds(FILE *out, const snap *s, sym_session *ss, const char *idp);
void html_snap_breadcrumbs(FILE *out, const snap *s, const char *idp);
void html_snap_annotations(FILE *out, const snap *s, const char *idp);
void html_snap_children(FILE *out, const snap *s, const char *idp);
/* The launch stories as warnings and a table of the launches (LAUNCH
 * records); nothing when there are neither. */
void html_snap_launches(FILE *out, const snap *s, sym_session *ss, const char *idp);
void html_snap_modules(FILE *out, const snap *s, const char *idp);
void html_snap_capture(FILE *out, const snap *s, const char *idp);
/* The symbolizer's notes, a list; nothing when there are none. */
void html_snap_symbol_notes(FILE *out, sym_session *ss, const char *idp);

/* report_html_flame.c: the flame graphs of a series of n snapshots: the
 * thread stacks of all of them (`stacks`, already folded; NULL: those of
 * `last`), and the fd creation stacks of `last` in tracking mode.  -1 out
 * of memory. */
int html_flame_section(FILE *out, const flame_set *stacks, size_t n, const snap *last,
                       sym_session *ss);

#endif
