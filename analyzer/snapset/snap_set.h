/*
 * snap_set.h - a set of snapshots as every multi-snapshot command (bbx
 * leaks, flame, report, diff) takes it: the files that paths stand for,
 * the order the snapshots were taken in, which process each one is of,
 * and the warning for a snapshot used although incomplete.  The read-ahead
 * of the files is snap_prefetch.h.
 *
 * A process is its pid and executable over a span of time: a snapshot
 * whose process started after the last snapshot of a process with its pid
 * (the pid was reused), or that was taken before that process started, is
 * of another process; so is the image an exec() puts in place of the old
 * one (the same pid, another executable).  Start times are compared with
 * capture times, not with each other, because the collector derives them
 * from two clocks and a clock step moves them; SNAPSET_START_SLACK_MS
 * absorbs the jitter, and 0 (unknown) matches any.
 *
 * Ownership is said at each call.  Never prints.  Not thread-safe; not
 * async-signal-safe.
 */
#ifndef BBX_SNAP_SET_H
#define BBX_SNAP_SET_H

#include <stddef.h>
#include <stdint.h>

#include "snap_reader.h"

/* ---- paths --------------------------------------------------------------- */

/*
 * The snapshot files that paths[n_paths] stand for: files as given, and for
 * each directory its *.bbx entries (not recursive, dot files skipped),
 * sorted by name.  Every entry must be a regular file (a FIFO, a device, a
 * directory named *.bbx is refused before any file is read).  0 with
 * *files[*n_files] (out; the caller frees them with snapset_files_free()),
 * or -1 with a one-line reason naming the path in err[errlen]: no paths, a
 * path that cannot be opened, a directory without snapshots, out of memory.
 */
int snapset_expand_paths(char *const *paths, size_t n_paths, char ***files,
                         size_t *n_files, char *err, size_t errlen);

/* The same, but a directory stands for its *.bbx files and those of every
 * directory below it (bbx ingest); a subdirectory without any is passed
 * over, the directory given must hold some. */
int snapset_expand_tree(char *const *paths, size_t n_paths, char ***files, size_t *n_files,
                        char *err, size_t errlen);

/* Free what snapset_expand_paths() gave; NULL is a no-op. */
void snapset_files_free(char **files, size_t n_files);

/* ---- time order ---------------------------------------------------------- */

/* Where a snapshot stands in time: its capture time, the process's snapshot
 * number (several can share a millisecond; 0 unknown) and the index of the
 * file it came from (the last tie-breaker). */
typedef struct snapset_stamp {
    uint64_t time_ms;
    uint64_t seq;
    size_t file;
} snapset_stamp;

/* The stamp of s, read from file number `file`. */
snapset_stamp snapset_stamp_of(const snap *s, size_t file);

/* The order snapshots were taken in: <0, 0, >0 as for qsort. */
int snapset_stamp_cmp(const snapset_stamp *x, const snapset_stamp *y);

/* ---- processes ----------------------------------------------------------- */

#define SNAPSET_START_SLACK_MS 1000

/* One process of a set, as its snapshots describe it. */
typedef struct snapset_process {
    uint64_t pid;
    uint64_t start_ms;   /* process start, Unix ms (the earliest its
                            snapshots say); 0 unknown */
    char *exe;           /* process.exe, or NULL */
    char *app;           /* process.app, or NULL */
    char *program;       /* for people: app, else exe's base name, else "?" */
    size_t n_snaps;      /* snapshots counted with snapset_procs_add() */
    snapset_stamp first, last; /* the earliest and the latest of them */
} snapset_process;

/* The processes met so far, in the order they were first met. */
typedef struct snapset_procs {
    snapset_process *v;
    size_t n, cap;
} snapset_procs;

void snapset_procs_init(snapset_procs *p);
/* Free every process; the struct can be used again after init. */
void snapset_procs_release(snapset_procs *p);

/* The index of the process s is of, or SIZE_MAX when none is known yet. */
size_t snapset_procs_find(const snapset_procs *p, const snap *s);

/* The index of the process s (read from file number `file`) is of, added
 * when new, with s counted in it (n_snaps, first, last).  SIZE_MAX when out
 * of memory. */
size_t snapset_procs_add(snapset_procs *p, const snap *s, size_t file);

/*
 * The processes in the order to show them: by their earliest snapshot
 * (a launcher before what it starts), then pid.  order[p->n] (out, the
 * caller's) receives process indexes.
 */
void snapset_procs_order(const snapset_procs *p, size_t *order);

/* ---- warnings ------------------------------------------------------------ */

/*
 * The warning for snapshot s, read from `name`, when it is incomplete and
 * used anyway: "NAME: incomplete snapshot (WHY), used as far as it goes"
 * in buf[len], and 1; 0 (buf untouched) when s is complete.
 */
int snapset_incomplete_warning(const snap *s, const char *name, char *buf, size_t len);

#endif
