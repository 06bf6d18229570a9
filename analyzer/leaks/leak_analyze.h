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

#include "leak_model.h"
#include "snap_reader.h"
#include "symbolizer.h"

typedef struct leak_options {
    sym_session *symbols; /* may be NULL: no symbols */
    int all_groups;       /* 1: also non-suspect groups (confidence "none") */
    uint64_t pid;         /* 0: the series must be one process */
} leak_options;

/* Called once per snapshot that is used although incomplete: message is
 * one line naming the file. */
typedef void (*leak_warn_fn)(void *ctx, const char *message);

/*
 * Analyze the snapshots at paths[n_paths]: files, or directories whose
 * *.bbx files are taken (not recursively).  Returns the report, or NULL
 * with a one-line reason naming the file in err[errlen]: a file that is not
 * a readable snapshot, a directory without snapshots, snapshots of several
 * processes (without o->pid), no snapshot of o->pid, out of memory.
 */
leak_report *leaks_from_paths(char *const *paths, size_t n_paths, const leak_options *o,
                              char *err, size_t errlen);

/* The same, with incomplete snapshots reported through warn (may be NULL). */
leak_report *leaks_from_paths_warn(char *const *paths, size_t n_paths,
                                   const leak_options *o, leak_warn_fn warn,
                                   void *warn_ctx, char *err, size_t errlen);

/*
 * The same over snapshots already in memory (any order; names[i] names
 * snaps[i] in messages, may be NULL).  The snapshots stay the caller's.
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
 * leak_stream_add() applies the one-process rule (and o->pid) to s, named
 * `name` in messages (may be NULL): 1 folded in, 0 skipped (another pid
 * than o->pid), -1 with a one-line reason in err[errlen] (snapshots of
 * several processes, out of memory).  s stays the caller's; the order of
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
 * the caller's, either pointer array may be NULL.  The snapshots must be of
 * one process.  0, or -1 with a one-line reason in err[errlen].
 */
int leaks_mark_suspects(const snap *const *snaps, const char *const *names, size_t n,
                        uint8_t *const *fd_suspect, uint8_t *const *thread_suspect,
                        char *err, size_t errlen);

/* The snapshot files that paths[n_paths] stand for (files as given, each
 * directory's *.bbx sorted by name), in *files[*n_files] (out; free each
 * and the array).  0, or -1 with a one-line reason naming the path. */
int leak_expand_paths(char *const *paths, size_t n_paths, char ***files, size_t *n_files,
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

/* Write r for people: suspects most important first, then a summary line. */
void leak_report_write_text(const leak_report *r, FILE *out);

#endif
