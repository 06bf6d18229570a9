/*
 * leak_analyze.h - `bbx leaks` as a library: a time-ordered series of
 * snapshots of one process (or one at-exit snapshot) to a leak report
 * (leak_model.h), and the report as text for people or JSON for machines.
 *
 * The rules (which groups are suspects, how confident, in what order) are
 * documented in docs/FORMAT.md ("bbx leaks") and in `bbx leaks --help`.
 *
 * Ownership: the caller keeps paths, options and the symbol session; the
 * returned report is the caller's (leak_report_free()).  Never prints.
 * Not thread-safe (the symbol session is not); not async-signal-safe.
 */
#ifndef BBX_LEAK_ANALYZE_H
#define BBX_LEAK_ANALYZE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "app_frames.h"
#include "leak_model.h"
#include "snap_reader.h"
#include "symbolizer.h"

struct leak_suppressions;

typedef struct leak_options {
    sym_session *symbols; /* may be NULL: no symbols */
    int all_groups;       /* 1: also non-suspect groups (confidence "none"),
                             and those not counted (toolkit, suppressed) */
    uint64_t pid;         /* 0: every process; else only the snapshots of pid */
    app_modules apps;     /* the program's own modules (app_frames.h); the
                             patterns stay the caller's */
    /* Rules (leak_suppress.h) for what toolkits create once and keep: a
     * group they match is not a suspect for being still open at exit (it
     * is counted in leak_report.n_toolkit); growth is judged as ever.
     * NULL: none.  The caller's; its hit counts move. */
    struct leak_suppressions *toolkit;
    /* The user's rules: a suspect they match is left out whatever made it
     * one (counted in n_suppressed).  NULL: none. */
    struct leak_suppressions *suppress;
} leak_options;

/* Called once per snapshot that is used although incomplete: message is
 * one line naming the file. */
typedef void (*leak_warn_fn)(void *ctx, const char *message);

/*
 * Analyze the snapshots at paths[n_paths] (files, or directories whose
 * *.bbx files are taken, not recursively: snapset_expand_paths()), one
 * report per process (snap_set.h), in the order of snapset_procs_order():
 * the process seen first comes first.  With o->pid only the processes of
 * that pid.  Incomplete snapshots that are used are reported through warn
 * (may be NULL).  Returns the set (the caller's: leak_report_set_free()),
 * or NULL with a one-line reason naming the file in err[errlen]: a file
 * that is not a readable snapshot, a directory without snapshots, no
 * snapshot of o->pid, out of memory.
 */
typedef struct leak_report_set {
    leak_report **reports;
    size_t n;             /* at least 1 */
} leak_report_set;
leak_report_set *leaks_by_process(char *const *paths, size_t n_paths, const leak_options *o,
                                  leak_warn_fn warn, void *warn_ctx, char *err,
                                  size_t errlen);

/* The same over snapshots already in memory (names[i] names snaps[i] in
 * messages, may be NULL); they stay the caller's. */
leak_report_set *leaks_by_process_snapshots(const snap *const *snaps,
                                            const char *const *names, size_t n,
                                            const leak_options *o, char *err, size_t errlen);

/* NULL is a no-op. */
void leak_report_set_free(leak_report_set *set);

/* Suspects over every report of the set. */
size_t leak_report_set_suspects(const leak_report_set *set);

/*
 * The groups (and freezes) of every process in one report (what bbx diff
 * compares: signatures hold across processes), taking set over (it is freed, also
 * on failure).  With several processes app, exe and pid are cleared and
 * the counts and times cover them all.  NULL with err: out of memory.
 */
leak_report *leak_report_set_merge(leak_report_set *set, char *err, size_t errlen);

/* The set as text: one process is leak_report_write_text() alone; several
 * get a line naming them, each report in turn, and a closing line naming
 * the processes with suspects. */
void leak_report_set_write_text(const leak_report_set *set, FILE *out);

/* The set as JSON: one process is leak_report_write_json(); several are one
 * "bbx-leaks" document with processes[] and the process of each leak
 * (docs/FORMAT.md). */
void leak_report_set_write_json(const leak_report_set *set, FILE *out);

/* leaks_by_process() with the processes merged (leak_report_set_merge()). */
leak_report *leaks_from_paths(char *const *paths, size_t n_paths, const leak_options *o,
                              char *err, size_t errlen);
leak_report *leaks_from_paths_warn(char *const *paths, size_t n_paths,
                                   const leak_options *o, leak_warn_fn warn,
                                   void *warn_ctx, char *err, size_t errlen);

/*
 * One process's report over snapshots already in memory (any order;
 * names[i] names snaps[i] in messages, may be NULL; snapshots of several
 * processes are an error).  The snapshots stay the caller's.
 */
leak_report *leaks_from_snapshots(const snap *const *snaps, const char *const *names,
                                  size_t n, const leak_options *o, char *err,
                                  size_t errlen);

/*
 * The same, one snapshot at a time, for callers that read the series
 * themselves and keep no snapshot (bbx report): memory grows with the
 * groups (and a few bytes per snapshot), not with the snapshots' contents.
 *
 * leak_stream_new() copies *o (may be NULL); NULL when out of memory.
 * A stream is one process: callers with a mixed set keep one stream per
 * process (snapset_procs_add()).
 * leak_stream_add() applies the one-pid rule (and o->pid) to s, named
 * `name` in messages (may be NULL): 1 folded in, 0 skipped (another pid
 * than o->pid), -1 with a one-line reason in err[errlen] (another pid than
 * the stream's, out of memory).  s stays the caller's; the order of
 * the calls breaks ties between equal capture times.
 * leak_stream_report() is the report of what was added so far, or NULL
 * with err (nothing added, out of memory); the stream stays usable.
 * leak_stream_series() gives the folded series (leak_series.h) for other
 * views of it (leak_timeline.h).  leak_stream_free(NULL) is a no-op.
 */
typedef struct leak_stream leak_stream;
struct leak_series;
leak_stream *leak_stream_new(const leak_options *o);
int leak_stream_add(leak_stream *st, const snap *s, const char *name, char *err,
                    size_t errlen);
leak_report *leak_stream_report(const leak_stream *st, char *err, size_t errlen);
const struct leak_series *leak_stream_series(const leak_stream *st);
void leak_stream_free(leak_stream *st);

/*
 * For other views of the same snapshots (bbx flame --leaks-only): which fds
 * and threads belong to a group the rules above call a suspect.  For each
 * snapshot i, fd_suspect[i][k] (snaps[i]->n_fds bytes) and
 * thread_suspect[i][k] (n_threads bytes) are set to 1 or 0; the arrays are
 * the caller's, either pointer array may be NULL.  The snapshots of each
 * process (snap_set.h) are judged as a series of their own.  0, or -1 with
 * a one-line reason in err[errlen].
 */
int leaks_mark_suspects(const snap *const *snaps, const char *const *names, size_t n,
                        uint8_t *const *fd_suspect, uint8_t *const *thread_suspect,
                        char *err, size_t errlen);

/* 1 when group g is a leak suspect (confidence other than "none"). */
int leak_group_is_suspect(const leak_group *g);

/* Number of suspects in r. */
size_t leak_report_suspects(const leak_report *r);

/* Write r as JSON (the "bbx-leaks" document, docs/JSON.md), pretty. */
void leak_report_write_json(const leak_report *r, FILE *out);
/* The "origin" key and array of one group, inside an object being written
 * (shared with bbx diff's JSON). */
struct json_writer;
void leak_origin_write_json(struct json_writer *w, const leak_group *g);

/* Write r for people: its freezes, suspects most important first, then a
 * summary line. */
void leak_report_write_text(const leak_report *r, FILE *out);

#endif
