/*
 * leak_timeline.c - per-snapshot counts of the groups of `bbx leaks`, with
 * labels (leak_timeline.h).  The grouping is leak_series.c's; this file
 * only lays the sparse counts out in snapshot order and names each group.
 */
#include "leak_timeline.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err_text.h"
#include "frame_symbols.h"
#include "leak_model.h"
#include "leak_memory.h"
#include "leak_series.h"
#include "path_name.h"
#include "snap_format.h"

#define LABEL_MAX 160 /* bytes of a label, before the ellipsis */

void leak_timeline_free(leak_timeline *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_groups; i++) {
        free(t->groups[i].label);
        free(t->groups[i].counts);
    }
    free(t->groups);
    free(t->time_ms);
    free(t);
}

/* Append to buf[len] at *pos (always terminated; stops when full). */
static void add(char *buf, size_t len, size_t *pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void add(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
    va_list ap;
    if (*pos + 1 >= len)
        return;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *pos, len - *pos, fmt, ap);
    va_end(ap);
    if (n > 0)
        *pos = (size_t)n < len - *pos ? *pos + (size_t)n : len - 1;
}

/* "fn (file.c:88)" of the code at pc in module mi, else "module+0xoff". */
static void add_site(char *buf, size_t len, size_t *pos, const leak_series *ls,
                     sym_session *ss, uint64_t pc, size_t mi, int is_return)
{
    const snap_module *m = mi == SIZE_MAX ? NULL : &ls->modules[mi];
    const sym_frame *sf;
    size_t n = frame_symbols_module(ss, m, pc, is_return, &sf);
    if (n && sf[n - 1].function) {
        add(buf, len, pos, "%s", sf[n - 1].function);
        if (sf[0].file)
            add(buf, len, pos, " (%s:%u)", path_base_name(sf[0].file), sf[0].line);
    } else if (m) {
        add(buf, len, pos, "%s+0x%" PRIx64, m->path ? path_base_name(m->path) : "?",
            pc - m->bias);
    } else {
        add(buf, len, pos, "0x%" PRIx64, pc);
    }
}

static char *label_of(const leak_series *ls, const series_group *g, sym_session *ss)
{
    char buf[LABEL_MAX + 8];
    size_t pos = 0, len = LABEL_MAX;
    if (g->resource == SERIES_FD)
        add(buf, len, &pos, "%s", snap_fd_kind_name(g->kind));
    else if (g->resource == SERIES_THREAD)
        add(buf, len, &pos, "thread%s%s", g->name ? " " : "", g->name ? g->name : "");
    else if (g->resource == SERIES_X11 || g->resource == SERIES_X11_PIXMAP)
        add(buf, len, &pos, "X %s", g->name ? g->name : "?");
    else if (g->resource == SERIES_MEM)
        add(buf, len, &pos, "%s%s", mem_group_kind_name(g->kind),
            g->kind == SERIES_MEM_CGROUP || g->kind == SERIES_MEM_MALLOC ? "" : " RSS");
    else if (g->resource == SERIES_HEAP)
        add(buf, len, &pos, "%s", g->kind ? "mmap" : "malloc");
    else
        add(buf, len, &pos, "%s child %s", g->kind ? "zombie" : "running",
            g->name ? g->name : "?");
    if ((g->resource == SERIES_FD || g->resource == SERIES_THREAD ||
         g->resource == SERIES_HEAP) && g->n_frames) {
        /* the program's own frame first, then the library call it made */
        size_t own = g->app_frame < g->n_frames ? g->app_frame : 0;
        add(buf, len, &pos, ": ");
        add_site(buf, len, &pos, ls, ss, g->frames[own], g->frame_module[own], 1);
        if (own > 0) {
            add(buf, len, &pos, " via ");
            add_site(buf, len, &pos, ls, ss, g->frames[own - 1], g->frame_module[own - 1], 1);
        }
    } else if (g->resource == SERIES_THREAD && g->start) {
        add(buf, len, &pos, ": ");
        add_site(buf, len, &pos, ls, ss, g->start, g->start_module, 0);
    } else if (g->resource == SERIES_FD && g->n_examples) {
        add(buf, len, &pos, ": %s", g->examples[0]);
    }
    if (pos + 1 >= len)
        strcpy(buf + len - 1, "...");
    return strdup(buf);
}

static const leak_series *sort_series;

static int time_cmp(const void *a, const void *b)
{
    return series_snap_order(&sort_series->snaps[*(const size_t *)a],
                             &sort_series->snaps[*(const size_t *)b]);
}

/* point[i]: the point series snapshot i is drawn as, or SIZE_MAX when it is
 * not sampled; times of the points into t->time_ms.  0 or -1. */
static int choose_points(const leak_series *ls, leak_timeline *t, size_t max_points,
                         size_t *point, size_t *rank)
{
    size_t n = ls->n_snaps;
    size_t *order = malloc(n * sizeof(*order));
    if (!order)
        return -1;
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    sort_series = ls;
    qsort(order, n, sizeof(*order), time_cmp);
    t->n_snaps = n <= max_points ? n : max_points;
    for (size_t i = 0; i < n; i++)
        point[i] = SIZE_MAX;
    /* point k is the snapshot of rank k * (n - 1) / (points - 1): the first
     * and the last are always drawn */
    for (size_t k = 0; k < t->n_snaps; k++) {
        size_t r = t->n_snaps == 1 ? 0 : (size_t)((double)k * (double)(n - 1) /
                                                  (double)(t->n_snaps - 1) + 0.5);
        point[order[r]] = k;
        t->time_ms[k] = ls->snaps[order[r]].time_ms;
    }
    for (size_t k = 0; k < n; k++)
        rank[order[k]] = k;
    free(order);
    return 0;
}

/* Group g's numbers: counts at the points, first/last/peak over every
 * snapshot (rank: each snapshot's place in time; a group has at most one
 * count per snapshot, none where it is absent). */
static void group_counts(const series_group *sg, leak_timeline_group *g, size_t n,
                         const size_t *point, const size_t *rank)
{
    for (size_t k = 0; k < sg->n_counts; k++) {
        const series_count *c = &sg->counts[k];
        if (c->snap >= n)
            continue;
        if (point[c->snap] != SIZE_MAX)
            g->counts[point[c->snap]] = c->count;
        if (c->count > g->peak)
            g->peak = c->count;
        if (rank[c->snap] == 0)
            g->first = c->count;
        if (rank[c->snap] == n - 1)
            g->last = c->count;
    }
}

leak_timeline *leak_timeline_from_series(const leak_series *ls, size_t max_points,
                                         sym_session *symbols, char *err, size_t errlen)
{
    size_t n = ls->n_snaps;
    size_t *point = NULL, *rank = NULL;
    leak_timeline *t = calloc(1, sizeof(*t));
    if (max_points < 2)
        max_points = 2;
    if (!t || !n || !(t->time_ms = calloc(n < max_points ? n : max_points,
                                          sizeof(*t->time_ms))) ||
        !(point = malloc(n * sizeof(*point))) || !(rank = malloc(n * sizeof(*rank))) ||
        choose_points(ls, t, max_points, point, rank) < 0)
        goto oom;
    t->n_series = n;
    if (ls->n_groups && !(t->groups = calloc(ls->n_groups, sizeof(*t->groups))))
        goto oom;
    for (size_t i = 0; i < ls->n_groups; i++) {
        const series_group *sg = &ls->groups[i];
        leak_timeline_group *g = &t->groups[t->n_groups++];
        g->resource = sg->resource;
        if (!(g->counts = calloc(t->n_snaps, sizeof(*g->counts))) ||
            !(g->label = label_of(ls, sg, symbols)))
            goto oom;
        group_counts(sg, g, n, point, rank);
    }
    free(point);
    free(rank);
    return t;
oom:
    free(point);
    free(rank);
    leak_timeline_free(t);
    err_text_set(err, errlen, "out of memory");
    return NULL;
}
