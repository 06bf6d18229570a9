/*
 * flame_collect.h - snapshots to a flame set (flame_model.h): the stacks of
 * every thread, or the creation stacks (ORIGIN records) of live fds or
 * threads, symbolized, interned and merged per group.  `bbx flame` and
 * `bbx report` use it; the writers (folded, svg, speedscope, pprof) read
 * the set it returns.
 *
 * Ownership: the caller keeps paths, snapshots, options and the symbol
 * session; the returned set is the caller's (flame_set_free()).  Never
 * prints.  Not thread-safe (the symbol session is not).
 */
#ifndef BBX_FLAME_COLLECT_H
#define BBX_FLAME_COLLECT_H

#include <stddef.h>

#include "flame_model.h"
#include "snap_reader.h"
#include "symbolizer.h"

/* FLAME_HEAP: the allocating stacks of sampled heap tracking (HEAP_STACK)
 * under a leaf [malloc] or [mmap], weighted by estimated live bytes;
 * FLAME_HEAP_ALLOC the same weighted by bytes allocated since start.  Both
 * carry four values per stack (flame_set.n_values): pprof's inuse_space,
 * inuse_objects, alloc_space, alloc_objects, the weight first. */
enum flame_what { FLAME_STACKS, FLAME_FD_ORIGINS, FLAME_THREAD_ORIGINS, FLAME_HEAP,
                  FLAME_HEAP_ALLOC };

typedef struct flame_options {
    enum flame_what what;
    int leaks_only;         /* origins: only groups `bbx leaks` calls suspects */
    int inline_frames;      /* 1 (default): one frame per inline level */
    sym_session *symbols;   /* NULL: no symbols */
    int group_by_snapshot;  /* 0: group by thread name */
    int merge_processes;    /* 0: stacks of different processes (snap_set.h)
                               stay apart, under a "pid N program" root
                               frame when there are several; 1: merged, as
                               a differential graph compares them */
} flame_options;

/* Files or directories of *.bbx (not recursive).  NULL with a one-line
 * reason naming the file in err[errlen] when one cannot be read, a
 * directory holds no snapshot, or memory ran out. */
flame_set *flame_from_paths(char *const *paths, size_t n_paths, const flame_options *o,
                            char *err, size_t errlen);

/* The same over snapshots already read; they stay the caller's. */
flame_set *flame_from_snapshots(snap *const *snaps, size_t n, const flame_options *o,
                                char *err, size_t errlen);

/*
 * The same, one snapshot at a time, for callers that read a long series and
 * keep none of it (bbx report): memory grows with the distinct stacks, not
 * with the snapshots.  Not for leaks_only (that needs the whole series).
 * flame_stream_new() keeps `o` (it must outlive the stream); NULL when out
 * of memory.  flame_stream_add() folds s in (s stays the caller's; `label`
 * names it when grouping by snapshot).  flame_stream_finish() returns the
 * set (NULL with a reason in err[errlen]) and frees the stream;
 * flame_stream_free() drops it unfinished (NULL is a no-op).
 */
typedef struct flame_stream flame_stream;
flame_stream *flame_stream_new(const flame_options *o);
void flame_stream_add(flame_stream *st, const snap *s, const char *label);
flame_set *flame_stream_finish(flame_stream *st, char *err, size_t errlen);
void flame_stream_free(flame_stream *st);

#endif
