/*
 * lock_graph.h - the wait-for graph of a snapshot's threads: an edge from
 * a thread blocked on a mutex to the thread that holds it (THREAD fields
 * LOCK_ADDR and LOCK_OWNER), and its cycles, the deadlocks.
 *
 * A thread waits for at most one mutex, so every thread has at most one
 * edge out and each cycle is found by following edges.  The graph is the
 * caller's input (a hostile file may give a thread two edges or name
 * owners that are not there: the first edge of a thread counts, the others
 * are ignored, and a dangling owner ends a chain).  Not async-signal-safe;
 * thread-safe for distinct outputs.
 */
#ifndef BBX_LOCK_GRAPH_H
#define BBX_LOCK_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "snap_reader.h"

/* `waiter` waits for the mutex at `lock`, held by `owner`. */
typedef struct lock_edge {
    uint64_t waiter, lock, owner;
} lock_edge;

/* One cycle: edges[first .. first+n) of lock_cycles.edges, indices into the
 * input, each edge's owner the next edge's waiter and the last edge's owner
 * the first's waiter.  It starts at the edge that comes first in the input. */
typedef struct lock_cycle {
    size_t first, n;
} lock_cycle;

typedef struct lock_cycles {
    lock_cycle *cycles;
    size_t n;
    size_t *edges; /* the cycles' edges, one cycle after the other */
} lock_cycles;

/* The cycles of the graph of e[n], in the order of their first edge.  Fills
 * *c (the caller's, released with lock_cycles_release()).  0, or -1 out of
 * memory (*c is then empty). */
int lock_cycles_find(lock_cycles *c, const lock_edge *e, size_t n);
void lock_cycles_release(lock_cycles *c);

/* The edges of a snapshot: one per thread that records a mutex owner, in
 * file order, into a new array (*out, freed by the caller; NULL when there
 * are none).  Returns the count, or (size_t)-1 out of memory. */
size_t lock_edges_of(const snap *s, lock_edge **out);

#endif
