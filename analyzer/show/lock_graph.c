/*
 * lock_graph.c - the cycles of a wait-for graph (lock_graph.h).
 */
#include <stdlib.h>
#include <string.h>

#include "lock_graph.h"

/* Edge indices sorted by waiter (then input order), to find a thread's
 * edge by binary search. */
typedef struct by_waiter {
    const lock_edge *e;
    size_t *order;
    size_t n;
} by_waiter;

static int cmp_waiter(const void *a, const void *b, void *edges)
{
    const lock_edge *e = edges;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    uint64_t x = e[i].waiter, y = e[j].waiter;
    if (x != y)
        return x < y ? -1 : 1;
    return i < j ? -1 : i > j;
}

/* The edge out of thread `tid` (the first in input order), or n. */
static size_t edge_of(const by_waiter *bw, uint64_t tid)
{
    size_t lo = 0, hi = bw->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (bw->e[bw->order[mid]].waiter < tid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < bw->n && bw->e[bw->order[lo]].waiter == tid ? bw->order[lo] : bw->n;
}

enum { UNSEEN = 0, ON_PATH = 1, DONE = 2 };

/* Record the cycle that starts at edge `at` on the current path (path[from
 * .. len)), rotated to begin at its first edge in input order. */
static void add_cycle(lock_cycles *c, size_t *n_edges, const size_t *path, size_t from,
                      size_t len)
{
    size_t n = len - from, start = from;
    for (size_t i = from; i < len; i++)
        if (path[i] < path[start])
            start = i;
    c->cycles[c->n] = (lock_cycle){ *n_edges, n };
    for (size_t i = 0; i < n; i++)
        c->edges[(*n_edges)++] = path[from + (start - from + i) % n];
    c->n++;
}

static int cmp_cycle_first(const void *a, const void *b, void *edges)
{
    const size_t *ed = edges;
    size_t x = ed[((const lock_cycle *)a)->first], y = ed[((const lock_cycle *)b)->first];
    return x < y ? -1 : x > y;
}

/* Follow the edges from every edge not seen yet; a walk that meets its
 * own path has found a cycle. */
static void walk(lock_cycles *c, const by_waiter *bw, unsigned char *seen, size_t *path)
{
    size_t n_edges = 0;
    for (size_t s = 0; s < bw->n; s++) {
        size_t len = 0, at = s;
        while (at < bw->n && seen[at] == UNSEEN && at == edge_of(bw, bw->e[at].waiter)) {
            seen[at] = ON_PATH;
            path[len++] = at;
            at = edge_of(bw, bw->e[at].owner);
        }
        if (at < bw->n && seen[at] == ON_PATH) {
            size_t from = 0;
            while (path[from] != at)
                from++;
            add_cycle(c, &n_edges, path, from, len);
        }
        for (size_t i = 0; i < len; i++)
            seen[path[i]] = DONE;
    }
}

int lock_cycles_find(lock_cycles *c, const lock_edge *e, size_t n)
{
    by_waiter bw = { e, calloc(n + 1, sizeof(size_t)), n };
    unsigned char *seen = calloc(n + 1, 1);
    size_t *path = calloc(n + 1, sizeof(size_t));
    memset(c, 0, sizeof(*c));
    c->cycles = calloc(n + 1, sizeof(*c->cycles));
    c->edges = calloc(n + 1, sizeof(*c->edges));
    if (!bw.order || !seen || !path || !c->cycles || !c->edges) {
        free(bw.order);
        free(seen);
        free(path);
        lock_cycles_release(c);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        bw.order[i] = i;
    qsort_r(bw.order, n, sizeof(size_t), cmp_waiter, (void *)e);
    walk(c, &bw, seen, path);
    qsort_r(c->cycles, c->n, sizeof(*c->cycles), cmp_cycle_first, c->edges);
    free(bw.order);
    free(seen);
    free(path);
    return 0;
}

void lock_cycles_release(lock_cycles *c)
{
    free(c->cycles);
    free(c->edges);
    memset(c, 0, sizeof(*c));
}

size_t lock_edges_of(const snap *s, lock_edge **out)
{
    size_t n = 0;
    *out = NULL;
    for (size_t i = 0; i < s->n_threads; i++)
        n += s->threads[i].lock_owner != 0;
    if (!n)
        return 0;
    if (!(*out = calloc(n, sizeof(**out))))
        return (size_t)-1;
    n = 0;
    for (size_t i = 0; i < s->n_threads; i++) {
        const snap_thread *t = &s->threads[i];
        if (t->lock_owner)
            (*out)[n++] = (lock_edge){ t->tid, t->lock_addr, t->lock_owner };
    }
    return n;
}
