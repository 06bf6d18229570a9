/*
 * snap_prefetch.h - read a list of snapshot files ahead, on worker threads,
 * and hand them out in list order.
 *
 * Commands that fold a long series (bbx flame) spend most of their time
 * decompressing and decoding snapshots, one after another; with this, the
 * next files are read on the other CPUs while the caller works on the
 * current one.  At most `window` snapshots wait in memory beyond the one
 * the caller holds.  Files are read with snap_read_file_flags(), which is
 * thread-safe for distinct files.
 *
 * One consumer thread.  Not async-signal-safe.
 */
#ifndef BBX_SNAP_PREFETCH_H
#define BBX_SNAP_PREFETCH_H

#include <stddef.h>

#include "snap_reader.h"

typedef struct snap_prefetch snap_prefetch;

/*
 * Start reading files[0..n) (the strings must outlive the prefetcher) with
 * snap_read_file_flags(flags) on `workers` threads (0: one per online CPU,
 * at most 4), keeping at most `window` snapshots ready (0: 2 per worker).
 * Returns NULL when out of memory; when no thread can be started it reads
 * on the caller's thread instead.
 */
snap_prefetch *snap_prefetch_start(char *const *files, size_t n, unsigned flags,
                                   unsigned workers, unsigned window);

/*
 * The snapshot of the next file in list order (the caller frees it with
 * snap_free()), or NULL: at the end (why[0] == '\0'), or when that file
 * could not be read (its one-line reason in why[whylen], as
 * snap_read_file() gives it).
 */
snap *snap_prefetch_next(snap_prefetch *p, char *why, size_t whylen);

/* Stop the workers and free what was read and not taken.  NULL is a no-op. */
void snap_prefetch_stop(snap_prefetch *p);

#endif
