/*
 * leak_analyze.c - the rules of `bbx leaks`: reads the snapshot files,
 * folds them into a series (leak_series.c), orders it by capture time,
 * decides which groups are leak suspects and how confident that is, and
 * builds the leak report with symbolized creation stacks.
 *
 * The rules, with n snapshots in time order and c[i] a group's count in
 * snapshot i (0 where absent), q = max(1, n / 4) (n / 2 for X resources,
 * which must also rise in at least X11_MIN_RISES steps):
 *  - grows: n >= 2, least-squares slope of c over time > 0, the counts
 *    rise above the max of the first q at the latest with the last q and,
 *    once above, never come back down to it (to where it started),
 *    c[n-1] - c[0] >= 2.  A slow leak may still equal that max for a while
 *    after the first q.  Balanced noise
 *    (short-lived fds that come and go) and fixed-size pools fail the
 *    quarter test or the slope.
 *  - still open at exit (the last snapshot has trigger kind EXIT): fds not
 *    numbered 0-2 and threads with a creation stack that has a frame in the
 *    main executable; never UNKNOWN-origin fds.  Zombie children at exit.
 *  - zombies that persist: a zombie group present in the last two
 *    snapshots.
 * Confidence: high = tracked stack, never shrank, >= 5 snapshots; medium =
 * tracked with >= 3 snapshots, or untracked never shrinking over >= 5;
 * low = the rest (untracked, few snapshots, at exit only).
 *
 * The report also lists the freezes the hang watchdog's snapshots tell of
 * (freezes_of()); they are not leaks and change no verdict.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* vasprintf, asprintf */
#endif
#include "leak_analyze.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "err_text.h"
#include "frame_symbols.h"
#include "grow_array.h"
#include "leak_memory.h"
#include "leak_series.h"
#include "leak_suppress.h"
#include "leak_vanished.h"
#include "path_name.h"
#include "snap_format.h"
#include "snap_prefetch.h"
#include "snap_set.h"

#define GROWTH_MIN_NET 2
#define HIGH_MIN_SNAPSHOTS 5
#define MEDIUM_MIN_SNAPSHOTS 3
#define X11_MIN_RISES 3
#define MEM_MIN_NET_KIB 8192
#define MEM_MIN_NET_PERCENT 5
#define HEAP_MIN_NET_KIB 64

/* ---- building strings, with one out-of-memory flag --------------------- */

typedef struct builder {
    int oom;
} builder;

static char *b_strdup(builder *b, const char *s)
{
    char *d;
    if (!s)
        return NULL;
    if (!(d = strdup(s)))
        b->oom = 1;
    return d;
}

static char *b_printf(builder *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static char *b_printf(builder *b, const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0) {
        s = NULL;
        b->oom = 1;
    }
    va_end(ap);
    return s;
}

/* ---- the series in time order ------------------------------------------ */

typedef struct timeline {
    const leak_series *ls;
    size_t n;
    size_t *order;      /* order[k]: snapshot index at time rank k */
    size_t *rank;       /* rank[si]: time rank of snapshot si */
    double *minutes;    /* minutes since the first snapshot, by rank */
    uint64_t *c;        /* scratch: counts of one group by rank */
    uint64_t *c_no_stdio;
    int at_exit;        /* the last snapshot was taken at exit */
} timeline;

static const leak_series *sort_series;

static int snap_time_cmp(const void *a, const void *b)
{
    const series_snap *x = &sort_series->snaps[*(const size_t *)a];
    const series_snap *y = &sort_series->snaps[*(const size_t *)b];
    return series_snap_order(x, y);
}

/* Which snapshots a timeline holds: all, or only those that counted X
 * resources, had memory figures, or had heap tracking on. */
enum timeline_of { TL_ALL, TL_X11, TL_MEM, TL_HEAP };

static int timeline_has(const series_snap *s, int of)
{
    return of == TL_ALL || (of == TL_X11 && s->x11) || (of == TL_MEM && s->mem.present) ||
           (of == TL_HEAP && s->heap);
}

/* The timeline of a group's resource. */
static int timeline_for(const series_group *g)
{
    return g->resource == SERIES_X11 || g->resource == SERIES_X11_PIXMAP ? TL_X11
           : g->resource == SERIES_MEM                                   ? TL_MEM
           : g->resource == SERIES_HEAP                                  ? TL_HEAP
                                                                         : TL_ALL;
}

/* The series in time order; only the snapshots `of` has (the others have
 * rank SIZE_MAX).  0, or -1 (no memory). */
static int timeline_init_of(timeline *t, const leak_series *ls, int of)
{
    size_t n = 0, all = ls->n_snaps, cap = all ? all : 1;
    memset(t, 0, sizeof(*t));
    t->ls = ls;
    t->order = malloc(cap * sizeof(*t->order));
    t->rank = malloc(cap * sizeof(*t->rank));
    t->minutes = malloc(cap * sizeof(*t->minutes));
    t->c = malloc(cap * sizeof(*t->c));
    t->c_no_stdio = malloc(cap * sizeof(*t->c_no_stdio));
    if (!t->order || !t->rank || !t->minutes || !t->c || !t->c_no_stdio)
        return -1;
    for (size_t i = 0; i < all; i++) {
        t->rank[i] = SIZE_MAX;
        if (timeline_has(&ls->snaps[i], of))
            t->order[n++] = i;
    }
    t->n = n;
    if (!n)
        return 0;
    sort_series = ls;
    qsort(t->order, n, sizeof(*t->order), snap_time_cmp);
    for (size_t k = 0; k < n; k++) {
        t->rank[t->order[k]] = k;
        t->minutes[k] =
            (double)(ls->snaps[t->order[k]].time_ms - ls->snaps[t->order[0]].time_ms) / 60000.0;
    }
    t->at_exit = ls->snaps[t->order[n - 1]].trigger_kind == SNAP_TRIGGER_EXIT;
    return 0;
}

static int timeline_init(timeline *t, const leak_series *ls)
{
    return timeline_init_of(t, ls, TL_ALL);
}

static void timeline_release(timeline *t)
{
    free(t->order);
    free(t->rank);
    free(t->minutes);
    free(t->c);
    free(t->c_no_stdio);
}

/* What the rules need to know of one group's counts. */
typedef struct group_stats {
    uint64_t first, last, lo, hi;   /* c[0], c[n-1], min, max */
    uint64_t head_max;              /* max of the first q */
    size_t rose_at;                 /* first rank >= q with a count above
                                       head_max; n when none */
    int fell_back;                  /* a later count back at or below it */
    size_t shrinks;                 /* times the count went down */
    size_t rises;                   /* times it went up */
    int x11;                        /* an X resource group */
    int resource;                   /* enum series_resource */
    size_t first_seen, last_seen;   /* ranks; first_seen == n when never */
    size_t present;                 /* snapshots where count > 0 */
    double slope;                   /* counts per minute */
} group_stats;

static void stats_of(timeline *t, const series_group *g, group_stats *st)
{
    /* X resources: the head is the first half, not the first quarter (a
     * toolkit creates its windows, GCs and pictures while it starts, and a
     * slow start spans several snapshots); growth must go on after it. */
    int x11 = g->resource == SERIES_X11 || g->resource == SERIES_X11_PIXMAP;
    size_t n = t->n, q = n / 4 ? n / 4 : 1;
    if (x11 && n / 2 > q)
        q = n / 2;
    memset(t->c, 0, n * sizeof(*t->c));
    memset(t->c_no_stdio, 0, n * sizeof(*t->c_no_stdio));
    for (size_t i = 0; i < g->n_counts; i++) {
        size_t k = t->rank[g->counts[i].snap];
        if (k == SIZE_MAX)
            continue; /* not in this timeline */
        t->c[k] += g->counts[i].count;
        t->c_no_stdio[k] += g->counts[i].count_no_stdio;
    }
    memset(st, 0, sizeof(*st));
    st->x11 = x11;
    st->resource = g->resource;
    st->first = t->c[0];
    st->last = t->c[n - 1];
    st->lo = UINT64_MAX;
    st->first_seen = n;
    st->rose_at = n;
    double mx = 0, my = 0, sxy = 0, sxx = 0;
    for (size_t k = 0; k < n; k++) {
        uint64_t c = t->c[k];
        if (c < st->lo)
            st->lo = c;
        if (c > st->hi)
            st->hi = c;
        if (k < q && c > st->head_max)
            st->head_max = c;
        if (k >= q && c > st->head_max && st->rose_at == n)
            st->rose_at = k;
        else if (k >= q && c <= st->head_max && st->rose_at < n)
            st->fell_back = 1;
        if (k && c < t->c[k - 1])
            st->shrinks++;
        if (k && c > t->c[k - 1])
            st->rises++;
        if (c) {
            if (st->first_seen == n)
                st->first_seen = k;
            st->last_seen = k;
            st->present++;
        }
        mx += t->minutes[k];
        my += (double)c;
    }
    mx /= (double)n;
    my /= (double)n;
    for (size_t k = 0; k < n; k++) {
        double dx = t->minutes[k] - mx;
        sxy += dx * ((double)t->c[k] - my);
        sxx += dx * dx;
    }
    st->slope = sxx > 0 ? sxy / sxx : 0;
}

/* ---- the verdict on one group ------------------------------------------- */

enum confidence { CONF_HIGH, CONF_MEDIUM, CONF_LOW, CONF_NONE };
static const char *const confidence_names[] = { "high", "medium", "low", "none" };

typedef struct verdict {
    enum confidence conf;
    uint64_t count;     /* what the report says is live at the end */
    char *why;
    int at_exit;        /* a suspect only for being open at exit */
} verdict;

/* The series' span for people: "48 s" under two minutes, else "5.2 min". */
static void span_text(const timeline *t, char *buf, size_t len)
{
    double min = t->minutes[t->n - 1];
    if (min < 2.0)
        snprintf(buf, len, "%.3g s", min * 60.0);
    else
        snprintf(buf, len, "%.1f min", min);
}

/* The least net growth that counts, in the group's unit: 2 fds or threads;
 * for memory (KiB) MEM_MIN_NET_KIB and MEM_MIN_NET_PERCENT of where it
 * started (RSS moves by pages all the time); for a heap stack
 * HEAP_MIN_NET_KIB of estimated live bytes. */
static uint64_t min_net(const group_stats *st)
{
    if (st->resource == SERIES_MEM) {
        uint64_t rel = st->first * MEM_MIN_NET_PERCENT / 100;
        return rel > MEM_MIN_NET_KIB ? rel : MEM_MIN_NET_KIB;
    }
    return st->resource == SERIES_HEAP ? HEAP_MIN_NET_KIB : GROWTH_MIN_NET;
}

static int grows(const timeline *t, const group_stats *st)
{
    size_t q = t->n / 4 ? t->n / 4 : 1;
    /* X resources also rise in X11_MIN_RISES steps: a window that draws
     * more once (a dialog's first render, a button pressed) is no leak */
    return t->n >= 2 && st->slope > 0 && st->rose_at <= t->n - q && !st->fell_back &&
           st->last >= st->first + min_net(st) && (!st->x11 || st->rises >= X11_MIN_RISES);
}

/* A group's count for people: a number, or a size for memory and heap
 * groups (counted in KiB). */
static void amount_text(const series_group *g, uint64_t v, char *buf, size_t len)
{
    if (g->resource == SERIES_MEM || g->resource == SERIES_HEAP)
        mem_fmt_kib(buf, len, (double)v);
    else
        snprintf(buf, len, "%" PRIu64, v);
}

/* What the why-sentence adds about a missing creation stack. */
static const char *no_stack_why(const series_group *g)
{
    if (g->resource == SERIES_X11 || g->resource == SERIES_X11_PIXMAP)
        return "; no creation stack (the X server does not record one)";
    return g->tracked || g->resource == SERIES_CHILD || g->resource == SERIES_MEM
               ? "" : "; no creation stack (tracking off)";
}

static void judge(builder *b, timeline *t, const series_group *g, const group_stats *st,
                  verdict *v)
{
    size_t n = t->n;
    v->conf = CONF_NONE;
    v->count = st->last;
    v->why = NULL;
    v->at_exit = 0;
    /* the cgroup's usage counts every process in it and its page cache: it
     * says how near the limit is (the chart, the limit, the vanished
     * verdict), never that this process leaks.  Resident pages of file
     * mappings (code, file) are page cache the kernel drops under pressure,
     * bounded by the files mapped: a program paging in its libraries (a
     * GTK program's first seconds) grows them and leaks nothing */
    if (g->resource == SERIES_MEM && (g->kind == SERIES_MEM_CGROUP ||
                                      g->kind == SNAP_MEM_CODE || g->kind == SNAP_MEM_FILE))
        return;
    if (grows(t, st)) {
        char span[32], from[32], to[32];
        span_text(t, span, sizeof(span));
        amount_text(g, st->first, from, sizeof(from));
        amount_text(g, st->last, to, sizeof(to));
        /* memory is measured, not grouped by a stack: as sure as a tracked group */
        int tracked = g->tracked || g->resource == SERIES_CHILD || g->resource == SERIES_MEM;
        if (tracked && !st->shrinks && n >= HIGH_MIN_SNAPSHOTS)
            v->conf = CONF_HIGH;
        else if ((tracked && n >= MEDIUM_MIN_SNAPSHOTS) ||
                 (!st->shrinks && n >= HIGH_MIN_SNAPSHOTS))
            v->conf = CONF_MEDIUM;
        else
            v->conf = CONF_LOW;
        if (st->shrinks)
            v->why = b_printf(b, "grew from %s to %s over %zu snapshots "
                              "(%s), shrank %zu time%s but never back to the start%s",
                              from, to, n, span, st->shrinks,
                              st->shrinks == 1 ? "" : "s", no_stack_why(g));
        else
            v->why = b_printf(b, "grew from %s to %s over %zu snapshots "
                              "(%s), never shrank%s",
                              from, to, n, span, no_stack_why(g));
        return;
    }
    if (t->at_exit && st->last > 0) {
        if (g->resource == SERIES_FD && g->tracked && g->own_code &&
            t->c_no_stdio[n - 1] > 0) {
            v->conf = CONF_LOW;
            v->at_exit = 1;
            v->count = t->c_no_stdio[n - 1];
            v->why = b_printf(b, "%" PRIu64 " still open at exit, created in the program's "
                              "own code", v->count);
            return;
        }
        if (g->resource == SERIES_THREAD && g->tracked && g->own_code) {
            v->conf = CONF_LOW;
            v->at_exit = 1;
            v->why = b_printf(b, "%" PRIu64 " still running at exit, created in the "
                              "program's own code", st->last);
            return;
        }
        if (g->resource == SERIES_CHILD && g->kind) {
            v->conf = CONF_LOW;
            v->why = b_printf(b, "%" PRIu64 " zombie%s at exit: exited but never reaped",
                              st->last, st->last == 1 ? "" : "s");
            return;
        }
    }
    if (g->resource == SERIES_CHILD && g->kind && n >= 2 && t->c[n - 1] > 0 &&
        t->c[n - 2] > 0) {
        v->conf = n >= MEDIUM_MIN_SNAPSHOTS && st->present >= MEDIUM_MIN_SNAPSHOTS
                      ? CONF_MEDIUM : CONF_LOW;
        v->why = b_printf(b, "%" PRIu64 " zombie%s never reaped: seen in %zu of %zu "
                          "snapshots, up to the last", st->last, st->last == 1 ? "" : "s",
                          st->present, n);
        return;
    }
    v->why = b_printf(b, "not a suspect: between %" PRIu64 " and %" PRIu64 " over %zu "
                      "snapshot%s, %" PRIu64 " at the end", st->lo, st->hi, n,
                      n == 1 ? "" : "s", st->last);
}

/* ---- one report entry ------------------------------------------------------ */

static const char *module_base(const snap_module *m)
{
    return m && m->path ? path_base_name(m->path) : NULL;
}

/* Append the symbolized frames of pc to g->origin. */
static void origin_frames(builder *b, const leak_series *ls, sym_session *ss, leak_group *g,
                          uint64_t pc, size_t mi, size_t *cap)
{
    const snap_module *m = mi == SIZE_MAX ? NULL : &ls->modules[mi];
    const sym_frame *sf;
    size_t n = frame_symbols_module(ss, m, pc, 1, &sf);
    for (size_t k = 0; k < (n ? n : 1); k++) {
        if (GROW_ARRAY(g->origin, *cap, g->n_origin + 1, 8) < 0) {
            b->oom = 1;
            return;
        }
        leak_frame *f = &g->origin[g->n_origin++];
        memset(f, 0, sizeof(*f));
        f->module = b_strdup(b, module_base(m));
        if (n) {
            f->function = b_strdup(b, sf[k].function);
            f->file = b_strdup(b, sf[k].file);
            f->line = sf[k].file ? sf[k].line : 0;
        }
    }
}

/* The start routine of a thread group: its function, else module+offset. */
static char *start_routine(builder *b, const leak_series *ls, sym_session *ss,
                           const series_group *sg)
{
    const snap_module *m = sg->start_module == SIZE_MAX ? NULL : &ls->modules[sg->start_module];
    const sym_frame *sf;
    size_t n = frame_symbols_module(ss, m, sg->start, 0, &sf);
    if (n && sf[n - 1].function)
        return b_strdup(b, sf[n - 1].function);
    if (m)
        return b_printf(b, "%s+0x%" PRIx64, module_base(m) ? module_base(m) : "?",
                        sg->start - m->bias);
    return b_printf(b, "0x%" PRIx64, sg->start);
}

static void fill_group(builder *b, const timeline *t, sym_session *ss, const series_group *sg,
                       const group_stats *st, verdict *v, leak_group *g)
{
    const leak_series *ls = t->ls;
    size_t cap = 0;
    memset(g, 0, sizeof(*g));
    static const char *const resources[] = { "fd", "thread", "child", "x11", "x11", "memory",
                                              "heap" };
    g->resource = b_strdup(b, resources[sg->resource]);
    if (sg->resource == SERIES_FD)
        g->kind = b_strdup(b, snap_fd_kind_name(sg->kind));
    else if (sg->resource == SERIES_THREAD)
        g->kind = b_strdup(b, "thread");
    else if (sg->resource == SERIES_X11 || sg->resource == SERIES_X11_PIXMAP)
        g->kind = b_strdup(b, sg->name); /* "PIXMAP", ..., "pixmap KiB" */
    else if (sg->resource == SERIES_MEM)
        g->kind = b_strdup(b, mem_group_kind_name(sg->kind));
    else if (sg->resource == SERIES_HEAP)
        g->kind = b_strdup(b, sg->kind ? "mmap" : "malloc");
    else
        g->kind = b_strdup(b, sg->kind ? "zombie" : "running");
    g->count = v->count;
    g->growth_per_min = st->slope;
    g->limit_minutes = -1;
    if (sg->resource == SERIES_MEM || sg->resource == SERIES_HEAP)
        g->unit = b_strdup(b, "KiB");
    if (st->first_seen < t->n) {
        g->first_seen_ms = ls->snaps[t->order[st->first_seen]].time_ms;
        g->last_seen_ms = ls->snaps[t->order[st->last_seen]].time_ms;
    }
    g->app_frame = SIZE_MAX;
    for (size_t i = 0; i < sg->n_frames && !b->oom; i++) {
        if (i == sg->app_frame)
            g->app_frame = g->n_origin; /* its innermost inlined level */
        origin_frames(b, ls, ss, g, sg->frames[i], sg->frame_module[i], &cap);
    }
    if (sg->resource == SERIES_THREAD && sg->start) {
        char *fn = start_routine(b, ls, ss, sg);
        g->name = b_printf(b, "%s \"%s\"", fn ? fn : "?", sg->name ? sg->name : "");
        free(fn);
    } else if (sg->resource == SERIES_THREAD || sg->resource == SERIES_CHILD) {
        g->name = b_strdup(b, sg->name);
    }
    if (sg->n_examples && (g->examples = calloc(sg->n_examples, sizeof(*g->examples)))) {
        for (size_t i = 0; i < sg->n_examples; i++)
            g->examples[g->n_examples++] = b_strdup(b, sg->examples[i]);
    } else if (sg->n_examples) {
        b->oom = 1;
    }
    g->confidence = b_strdup(b, confidence_names[v->conf]);
    g->why = v->why;
    v->why = NULL;
    g->signature = leak_signature(g); /* NULL until bbx diff's helper lands */
}

static int confidence_rank(const char *c)
{
    for (int i = 0; i <= CONF_NONE; i++)
        if (c && strcmp(c, confidence_names[i]) == 0)
            return i;
    return CONF_NONE + 1;
}

static int str_cmp(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

/* Most important first: confidence, then growth, then count. */
static int group_cmp(const void *pa, const void *pb)
{
    const leak_group *a = pa, *b = pb;
    int ra = confidence_rank(a->confidence), rb = confidence_rank(b->confidence), c;
    if (ra != rb)
        return ra - rb;
    if (a->growth_per_min != b->growth_per_min)
        return a->growth_per_min > b->growth_per_min ? -1 : 1;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    if ((c = str_cmp(a->resource, b->resource)) || (c = str_cmp(a->kind, b->kind)) ||
        (c = str_cmp(a->name, b->name)))
        return c;
    return str_cmp(a->n_examples ? a->examples[0] : NULL, b->n_examples ? b->examples[0] : NULL);
}

int leak_group_is_suspect(const leak_group *g)
{
    return confidence_rank(g->confidence) < CONF_NONE;
}

size_t leak_report_suspects(const leak_report *r)
{
    size_t n = 0;
    for (size_t i = 0; r && i < r->n_leaks; i++)
        n += leak_group_is_suspect(&r->leaks[i]) != 0;
    return n;
}

/* ---- freezes ------------------------------------------------------------------ */

static const char *hung_state_name(uint64_t state)
{
    return state == SNAP_HUNG_BUSY ? "busy" : state == SNAP_HUNG_BLOCKED ? "blocked" : NULL;
}

/* Fill f from what the watchdog said in h, at capture time time_ms. */
static void freeze_fill(builder *b, leak_freeze *f, const series_hang *h, uint64_t time_ms)
{
    f->tid = h->tid;
    if (!f->thread)
        f->thread = b_strdup(b, h->name);
    f->start_ms = time_ms - (h->hung_ms < time_ms ? h->hung_ms : time_ms);
    f->duration_ms = h->hung_ms;
    f->cpu_ms = h->cpu_ms;
    free(f->state);
    f->state = b_strdup(b, hung_state_name(h->state));
    f->limit_ms = h->limit_ms;
    f->over = h->kind == SNAP_TRIGGER_HANG_END;
}

/* The HANG of the same thread that a HANG_END ends: the latest before it
 * (f[0..n) are in time order) still open; NULL when there is none (the
 * HANG snapshot was removed, or taken before the series). */
static leak_freeze *freeze_open(leak_freeze *f, const uint8_t *open, size_t n, uint64_t tid)
{
    for (size_t j = n; j > 0; j--)
        if (open[j - 1] && f[j - 1].tid == tid)
            return &f[j - 1];
    return NULL;
}

static int freeze_cmp(const void *pa, const void *pb)
{
    const leak_freeze *a = pa, *b = pb;
    if (a->start_ms != b->start_ms)
        return a->start_ms < b->start_ms ? -1 : 1;
    return a->tid < b->tid ? -1 : a->tid > b->tid;
}

/* The freezes of the series, from its HANG and HANG_END snapshots in time
 * order: a HANG_END closes the latest open HANG of its thread (the whole
 * length is the HANG_END's; the start stays the HANG's), or stands alone; a
 * HANG left open lasted at least as long as it said. */
static void freezes_of(builder *b, const timeline *t, leak_report *r)
{
    const leak_series *ls = t->ls;
    size_t *at = malloc(t->n * sizeof(*at));
    uint8_t *open = calloc(ls->n_hangs ? ls->n_hangs : 1, 1);
    if (ls->n_hangs && !(r->freezes = calloc(ls->n_hangs, sizeof(*r->freezes))))
        b->oom = 1;
    if (!at || !open || b->oom) {
        b->oom = 1;
        free(at);
        free(open);
        return;
    }
    for (size_t i = 0; i < t->n; i++)
        at[i] = SIZE_MAX;
    for (size_t i = 0; i < ls->n_hangs; i++)
        at[ls->hangs[i].snap] = i; /* one trigger per snapshot */
    for (size_t k = 0; k < t->n && ls->n_hangs; k++) {
        size_t si = t->order[k];
        if (at[si] == SIZE_MAX)
            continue;
        const series_hang *h = &ls->hangs[at[si]];
        leak_freeze *f = NULL;
        if (h->kind == SNAP_TRIGGER_HANG_END &&
            (f = freeze_open(r->freezes, open, r->n_freezes, h->tid))) {
            uint64_t start = f->start_ms;
            open[f - r->freezes] = 0;
            freeze_fill(b, f, h, ls->snaps[si].time_ms);
            f->start_ms = start;
            continue;
        }
        f = &r->freezes[r->n_freezes];
        open[r->n_freezes++] = h->kind == SNAP_TRIGGER_HANG;
        freeze_fill(b, f, h, ls->snaps[si].time_ms);
    }
    if (r->n_freezes > 1)
        qsort(r->freezes, r->n_freezes, sizeof(*r->freezes), freeze_cmp);
    free(at);
    free(open);
}

/* A suspect g (verdict v) that a rule of o takes out: the user's
 * (--suppress) whatever the verdict, the toolkit's when only being open at
 * exit made it one.  It is counted in r, and becomes a "none" group that
 * says why.  1 when g stays a suspect, 0 when it was taken out. */
static int not_counted(builder *b, const leak_options *o, const verdict *v, leak_group *g,
                       leak_report *r)
{
    const leak_rule *rule = NULL;
    const char *what = NULL;
    if (o && o->suppress && (rule = leak_suppress_match(o->suppress, g))) {
        what = "suppressed by the rule at";
        r->n_suppressed++;
    } else if (o && o->toolkit && v->at_exit && (rule = leak_suppress_match(o->toolkit, g))) {
        what = "not counted: still open at exit but made by a toolkit for itself, rule";
        r->n_toolkit++;
    }
    if (!rule)
        return 1;
    char *why = b_printf(b, "%s %s (%s)", what, rule->where ? rule->where : "?",
                         g->why ? g->why : "");
    free(g->why);
    g->why = why;
    free(g->confidence);
    g->confidence = b_strdup(b, confidence_names[CONF_NONE]);
    return 0;
}

/* ---- memory: time to a limit, a process that vanished ----------------- */

/* A growing memory group g: the limit the process runs into at its rate,
 * from the last snapshot of t with memory figures, said in g->why too
 * ("; reaches the cgroup limit of 1.00 GiB in about 12 min at this rate"). */
static void limit_of_group(builder *b, const timeline *t, leak_group *g)
{
    const series_snap *last = &t->ls->snaps[t->order[t->n - 1]];
    mem_limit l;
    if (!mem_limit_of(&last->mem, &l))
        return;
    double minutes = mem_minutes_to_limit(&l, g->growth_per_min);
    char lim[32], when[32];
    mem_fmt_kib(lim, sizeof(lim), (double)l.limit / 1024.0);
    g->limit = b_strdup(b, l.name);
    g->limit_bytes = l.limit;
    g->limit_minutes = minutes;
    if (minutes < 0)
        return;
    mem_fmt_minutes(when, sizeof(when), minutes);
    char *why = minutes == 0
                    ? b_printf(b, "%s; at the %s of %s already", g->why ? g->why : "", l.name, lim)
                    : b_printf(b, "%s; reaches the %s of %s in %s%s at this rate",
                               g->why ? g->why : "", l.name, lim,
                               minutes * 60 < 1 ? "" : "about ", when);
    free(g->why);
    g->why = why;
}

/* The verdict on a series that ends without an exit or crash snapshot
 * (leak_vanished.h); the trend is the fastest growing memory suspect. */
static void vanished_of(builder *b, const timeline *t, leak_report *r)
{
    const leak_series *ls = t->ls;
    const series_snap *last = &ls->snaps[t->order[t->n - 1]];
    size_t with_memory = 0;
    for (size_t k = 0; k < t->n; k++)
        with_memory += ls->snaps[t->order[k]].mem.present != 0;
    /* only series from a collector that records memory (format 1.4 MEMORY):
     * older ones carry no evidence, and their users no exit snapshot */
    if (last->trigger_kind == SNAP_TRIGGER_EXIT || last->trigger_kind == SNAP_TRIGGER_CRASH ||
        !with_memory)
        return;
    const series_snap **v = malloc(t->n * sizeof(*v));
    if (!v) {
        b->oom = 1;
        return;
    }
    for (size_t k = 0; k < t->n; k++)
        v[k] = &ls->snaps[t->order[k]];
    const leak_group *fast = NULL;
    for (size_t i = 0; i < r->n_leaks; i++) {
        const leak_group *g = &r->leaks[i];
        if (g->resource && strcmp(g->resource, "memory") == 0 && leak_group_is_suspect(g) &&
            (!fast || g->growth_per_min > fast->growth_per_min))
            fast = g;
    }
    char *trend = NULL;
    if (fast) {
        char rate[32];
        mem_fmt_kib(rate, sizeof(rate), fast->growth_per_min);
        trend = b_printf(b, "its %s memory grew by %s/min (%s confidence)", fast->kind, rate,
                         fast->confidence);
    }
    int live = vanish_probe(r->pid, ls->start_ms, ls->host);
    vanish_host here, *host_ev = NULL;
    if (live == VANISH_GONE || live == VANISH_REUSED) {
        const char *cgroup = "";
        for (size_t k = t->n; k > 0 && !cgroup[0]; k--)
            cgroup = v[k - 1]->mem.cgroup;
        vanish_host_probe(r->pid, v[t->n - 1]->time_ms, cgroup, &here);
        host_ev = &here;
    }
    r->vanished = vanish_judge(v, t->n, r->pid, live, ls->host, host_ev, trend, &b->oom);
    free(trend);
    free(v);
}

static leak_report *report_of(const leak_series *ls, const leak_options *o, char *err,
                              size_t errlen)
{
    builder b = { 0 };
    timeline tl[TL_HEAP + 1] = { 0 };
    timeline t;
    leak_report *r = calloc(1, sizeof(*r));
    sym_session *ss = o ? o->symbols : NULL;
    int ok = r != NULL;
    for (int of = TL_ALL; of <= TL_HEAP; of++)
        ok = ok && timeline_init_of(&tl[of], ls, of) == 0;
    t = tl[TL_ALL]; /* a copy: released with tl */
    if (!ok) {
        free(r);
        for (int of = TL_ALL; of <= TL_HEAP; of++)
            timeline_release(&tl[of]);
        err_text_set(err, errlen, "out of memory");
        return NULL;
    }
    r->app = b_strdup(&b, ls->app);
    r->exe = b_strdup(&b, ls->exe);
    if ((r->n_launches = series_copy_launches(ls, &r->launches)) == (size_t)-1) {
        r->n_launches = 0;
        b.oom = 1;
    }
    r->pid = ls->snaps[0].pid;
    r->n_snapshots = ls->n_snaps;
    r->first_ms = ls->snaps[t.order[0]].time_ms;
    r->last_ms = ls->snaps[t.order[t.n - 1]].time_ms;
    if (ls->n_groups && !(r->leaks = calloc(ls->n_groups, sizeof(*r->leaks))))
        b.oom = 1;
    for (size_t i = 0; i < ls->n_groups && !b.oom; i++) {
        group_stats st;
        verdict v;
        /* X, memory, heap: only the snapshots that counted them */
        timeline *tg = &tl[timeline_for(&ls->groups[i])];
        if (!tg->n)
            continue;
        stats_of(tg, &ls->groups[i], &st);
        judge(&b, tg, &ls->groups[i], &st, &v);
        if (v.conf == CONF_NONE && !(o && o->all_groups)) {
            free(v.why);
            continue;
        }
        leak_group *g = &r->leaks[r->n_leaks++];
        fill_group(&b, tg, ss, &ls->groups[i], &st, &v, g);
        if (!b.oom && v.conf != CONF_NONE && ls->groups[i].resource == SERIES_MEM)
            limit_of_group(&b, tg, g);
        if (!b.oom && v.conf != CONF_NONE && !not_counted(&b, o, &v, g, r) &&
            !(o && o->all_groups))
            leak_group_release(&r->leaks[--r->n_leaks]);
    }
    if (!b.oom)
        freezes_of(&b, &t, r);
    if (!b.oom)
        vanished_of(&b, &t, r);
    for (int of = TL_ALL; of <= TL_HEAP; of++)
        timeline_release(&tl[of]);
    if (b.oom) {
        leak_report_free(r);
        err_text_set(err, errlen, "out of memory");
        return NULL;
    }
    if (r->n_leaks > 1)
        qsort(r->leaks, r->n_leaks, sizeof(*r->leaks), group_cmp);
    return r;
}

/* ---- inputs ------------------------------------------------------------------ */

/* Check snapshot s (named `name`) against the series' process; 1 to use
 * it, 0 to skip it (another pid than o->pid), -1 error (err set). */
static int pid_check(const leak_series *ls, const char *first_name, const snap *s,
                     const char *name, const leak_options *o, char *err, size_t errlen)
{
    if (o && o->pid)
        return s->process.pid == o->pid;
    if (ls->n_snaps && s->process.pid != ls->snaps[0].pid) {
        err_text_set(err, errlen, "%s: pid %" PRIu64 ", but %s is pid %" PRIu64
                     " (not one process)",
                     name, s->process.pid, first_name, ls->snaps[0].pid);
        return -1;
    }
    return 1;
}

/* ---- one snapshot at a time ------------------------------------------------ */

struct leak_stream {
    leak_series ls;
    leak_options o;
    char *first_name;  /* the first snapshot used, for messages */
    size_t n_seen;     /* snapshots offered, used or not: their file order */
};

leak_stream *leak_stream_new(const leak_options *o)
{
    leak_stream *st = calloc(1, sizeof(*st));
    if (!st)
        return NULL;
    leak_series_init(&st->ls);
    if (o)
        st->o = *o;
    st->ls.apps = &st->o.apps;
    st->ls.symbols = st->o.symbols;
    return st;
}

int leak_stream_add(leak_stream *st, const snap *s, const char *name, char *err,
                    size_t errlen)
{
    name = name ? name : "snapshot";
    int use = pid_check(&st->ls, st->first_name ? st->first_name : "the first", s, name,
                        &st->o, err, errlen);
    size_t file = st->n_seen++;
    if (use <= 0)
        return use;
    if ((!st->first_name && !(st->first_name = strdup(name))) ||
        leak_series_add(&st->ls, s, file) < 0) {
        err_text_set(err, errlen, "out of memory");
        return -1;
    }
    return 1;
}

const leak_series *leak_stream_series(const leak_stream *st)
{
    return &st->ls;
}

leak_report *leak_stream_report(const leak_stream *st, char *err, size_t errlen)
{
    if (!st->ls.n_snaps && st->o.pid)
        err_text_set(err, errlen, "no snapshot of pid %" PRIu64, st->o.pid);
    else if (!st->ls.n_snaps)
        err_text_set(err, errlen, "no snapshots given");
    else
        return report_of(&st->ls, &st->o, err, errlen);
    return NULL;
}

void leak_stream_free(leak_stream *st)
{
    if (!st)
        return;
    leak_series_release(&st->ls);
    free(st->first_name);
    free(st);
}

leak_report *leaks_from_snapshots(const snap *const *snaps, const char *const *names,
                                  size_t n, const leak_options *o, char *err, size_t errlen)
{
    leak_stream *st = leak_stream_new(o);
    leak_report *r = NULL;
    size_t i = 0;
    if (!st) {
        err_text_set(err, errlen, "out of memory");
        return NULL;
    }
    for (; i < n; i++)
        if (leak_stream_add(st, snaps[i], names ? names[i] : NULL, err, errlen) < 0)
            break;
    if (i == n)
        r = leak_stream_report(st, err, errlen);
    leak_stream_free(st);
    return r;
}

/* ---- a set of snapshots, one report per process ------------------------ */

/* The streams of a set, one per process (indexes of snapset_procs). */
typedef struct proc_streams {
    snapset_procs procs;
    leak_stream **v;
    size_t cap;
} proc_streams;

static void streams_release(proc_streams *ps)
{
    for (size_t i = 0; i < ps->procs.n; i++)
        leak_stream_free(ps->v[i]);
    free(ps->v);
    snapset_procs_release(&ps->procs);
}

/* Fold s (file number `file`, named `name`) into the stream of its
 * process.  1 used, 0 skipped (another pid than o->pid), -1 (err set). */
static int streams_add(proc_streams *ps, const leak_options *o, const snap *s, size_t file,
                       const char *name, char *err, size_t errlen)
{
    if (o && o->pid && s->process.pid != o->pid)
        return 0;
    if (GROW_ARRAY(ps->v, ps->cap, ps->procs.n + 1, 4) < 0) /* room for a new process's */
        goto oom;
    size_t before = ps->procs.n, pi = snapset_procs_add(&ps->procs, s, file);
    if (pi == SIZE_MAX)
        goto oom;
    if (ps->procs.n > before && !(ps->v[pi] = leak_stream_new(o)))
        goto oom;
    return leak_stream_add(ps->v[pi], s, name, err, errlen);
oom:
    err_text_set(err, errlen, "out of memory");
    return -1;
}

/* Read files[n] in list order (the next ones read ahead) into ps. */
static int streams_read(proc_streams *ps, char **files, size_t n, const leak_options *o,
                        leak_warn_fn warn, void *warn_ctx, char *err, size_t errlen)
{
    char why[256];
    int rc = 0;
    snap_prefetch *pf = snap_prefetch_start(files, n, 0, 2, 0);
    if (!pf) {
        err_text_set(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        snap *s = snap_prefetch_next(pf, why, sizeof(why));
        if (!s) {
            err_text_set(err, errlen, "%s: %s", files[i], why);
            rc = -1;
            break;
        }
        int use = streams_add(ps, o, s, i, files[i], err, errlen);
        char msg[512];
        if (use > 0 && warn && snapset_incomplete_warning(s, files[i], msg, sizeof(msg)))
            warn(warn_ctx, msg);
        snap_free(s);
        rc = use < 0 ? -1 : 0;
    }
    snap_prefetch_stop(pf);
    return rc;
}

void leak_report_set_free(leak_report_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->n; i++)
        leak_report_free(set->reports[i]);
    free(set->reports);
    free(set);
}

/* The reports of ps, in the order of snapset_procs_order(). */
static leak_report_set *streams_reports(const proc_streams *ps, const leak_options *o,
                                        char *err, size_t errlen)
{
    size_t n = ps->procs.n;
    leak_report_set *set = calloc(1, sizeof(*set));
    size_t *order = malloc((n ? n : 1) * sizeof(*order));
    if (!set || !order || !(set->reports = calloc(n ? n : 1, sizeof(*set->reports)))) {
        free(set);
        free(order);
        err_text_set(err, errlen, "out of memory");
        return NULL;
    }
    if (!n) {
        free(order);
        leak_report_set_free(set);
        if (o && o->pid)
            err_text_set(err, errlen, "no snapshot of pid %" PRIu64, o->pid);
        else
            err_text_set(err, errlen, "no snapshots given");
        return NULL;
    }
    snapset_procs_order(&ps->procs, order);
    for (size_t k = 0; k < n; k++) {
        const snapset_process *pr = &ps->procs.v[order[k]];
        leak_report *r = leak_stream_report(ps->v[order[k]], err, errlen);
        if (!r) {
            free(order);
            leak_report_set_free(set);
            return NULL;
        }
        r->start_ms = pr->start_ms;
        set->reports[set->n++] = r;
    }
    free(order);
    return set;
}

leak_report_set *leaks_by_process(char *const *paths, size_t n_paths, const leak_options *o,
                                  leak_warn_fn warn, void *warn_ctx, char *err,
                                  size_t errlen)
{
    char **files = NULL;
    size_t n_files = 0;
    proc_streams ps = { 0 };
    leak_report_set *set = NULL;
    snapset_procs_init(&ps.procs);
    if (snapset_expand_paths(paths, n_paths, &files, &n_files, err, errlen) < 0)
        return NULL;
    if (streams_read(&ps, files, n_files, o, warn, warn_ctx, err, errlen) == 0)
        set = streams_reports(&ps, o, err, errlen);
    streams_release(&ps);
    snapset_files_free(files, n_files);
    return set;
}

leak_report_set *leaks_by_process_snapshots(const snap *const *snaps,
                                            const char *const *names, size_t n,
                                            const leak_options *o, char *err, size_t errlen)
{
    proc_streams ps = { 0 };
    leak_report_set *set = NULL;
    size_t i = 0;
    snapset_procs_init(&ps.procs);
    for (; i < n; i++)
        if (streams_add(&ps, o, snaps[i], i, names ? names[i] : NULL, err, errlen) < 0)
            break;
    if (i == n)
        set = streams_reports(&ps, o, err, errlen);
    streams_release(&ps);
    return set;
}

size_t leak_report_set_suspects(const leak_report_set *set)
{
    size_t n = 0;
    for (size_t i = 0; set && i < set->n; i++)
        n += leak_report_suspects(set->reports[i]);
    return n;
}

/* Move the groups and freezes of `from` to the end of `to`.  0 or -1 (no
 * memory). */
static int move_groups(leak_report *to, leak_report *from)
{
    if (from->n_leaks) {
        leak_group *nv = realloc(to->leaks, (to->n_leaks + from->n_leaks) * sizeof(*nv));
        if (!nv)
            return -1;
        memcpy(nv + to->n_leaks, from->leaks, from->n_leaks * sizeof(*nv));
        to->leaks = nv;
        to->n_leaks += from->n_leaks;
        from->n_leaks = 0;
    }
    if (from->n_freezes) {
        leak_freeze *nf = realloc(to->freezes,
                                  (to->n_freezes + from->n_freezes) * sizeof(*nf));
        if (!nf)
            return -1;
        memcpy(nf + to->n_freezes, from->freezes, from->n_freezes * sizeof(*nf));
        to->freezes = nf;
        to->n_freezes += from->n_freezes;
        from->n_freezes = 0;
    }
    return 0;
}

leak_report *leak_report_set_merge(leak_report_set *set, char *err, size_t errlen)
{
    leak_report *r = set->reports[0];
    set->reports[0] = NULL;
    if (set->n > 1) {
        free(r->app);
        free(r->exe);
        r->app = r->exe = NULL;
        r->pid = 0;
        r->start_ms = 0;
    }
    for (size_t i = 1; i < set->n; i++) {
        leak_report *o = set->reports[i];
        if (move_groups(r, o) < 0) {
            leak_report_free(r);
            leak_report_set_free(set);
            err_text_set(err, errlen, "out of memory");
            return NULL;
        }
        r->n_snapshots += o->n_snapshots;
        r->n_toolkit += o->n_toolkit;
        r->n_suppressed += o->n_suppressed;
        r->first_ms = o->first_ms < r->first_ms ? o->first_ms : r->first_ms;
        r->last_ms = o->last_ms > r->last_ms ? o->last_ms : r->last_ms;
    }
    leak_report_set_free(set);
    return r;
}

leak_report *leaks_from_paths_warn(char *const *paths, size_t n_paths,
                                   const leak_options *o, leak_warn_fn warn,
                                   void *warn_ctx, char *err, size_t errlen)
{
    leak_report_set *set = leaks_by_process(paths, n_paths, o, warn, warn_ctx, err, errlen);
    return set ? leak_report_set_merge(set, err, errlen) : NULL;
}

leak_report *leaks_from_paths(char *const *paths, size_t n_paths, const leak_options *o,
                              char *err, size_t errlen)
{
    return leaks_from_paths_warn(paths, n_paths, o, NULL, NULL, err, errlen);
}

/* ---- suspects for other views ------------------------------------------ */

/* Per group of ls: 1 when the rules call it a suspect.  NULL: no memory. */
static uint8_t *suspect_groups(const leak_series *ls)
{
    builder b = { 0 };
    timeline t;
    uint8_t *sus = calloc(ls->n_groups ? ls->n_groups : 1, 1);
    if (!sus || timeline_init(&t, ls) < 0) {
        if (sus)
            timeline_release(&t);
        free(sus);
        return NULL;
    }
    for (size_t i = 0; i < ls->n_groups; i++) {
        group_stats st;
        verdict v;
        stats_of(&t, &ls->groups[i], &st);
        judge(&b, &t, &ls->groups[i], &st, &v);
        sus[i] = v.conf != CONF_NONE;
        free(v.why);
    }
    timeline_release(&t);
    return sus;
}

/* Mark the fds and threads of snaps[idx[0..m)] (one process). 0, or -1
 * when memory ran out. */
static int mark_process(const snap *const *snaps, const size_t *idx, size_t m,
                        uint8_t *const *fd_suspect, uint8_t *const *thread_suspect)
{
    leak_series ls;
    size_t **fdg = calloc(m, sizeof(*fdg)), **thg = calloc(m, sizeof(*thg));
    uint8_t *sus = NULL;
    int rc = -1;
    leak_series_init(&ls);
    for (size_t j = 0; fdg && thg && j < m; j++) {
        const snap *s = snaps[idx[j]];
        fdg[j] = malloc((s->n_fds ? s->n_fds : 1) * sizeof(**fdg));
        thg[j] = malloc((s->n_threads ? s->n_threads : 1) * sizeof(**thg));
        if (!fdg[j] || !thg[j] || leak_series_add_members(&ls, s, idx[j], fdg[j], thg[j]) < 0)
            goto out;
    }
    if (!fdg || !thg || !(sus = suspect_groups(&ls)))
        goto out;
    for (size_t j = 0; j < m; j++) {
        const snap *s = snaps[idx[j]];
        for (size_t k = 0; fd_suspect && k < s->n_fds; k++)
            fd_suspect[idx[j]][k] = sus[fdg[j][k]];
        for (size_t k = 0; thread_suspect && k < s->n_threads; k++)
            thread_suspect[idx[j]][k] = thg[j][k] != SIZE_MAX && sus[thg[j][k]];
    }
    rc = 0;
out:
    for (size_t j = 0; j < m && fdg && thg; j++) {
        free(fdg[j]);
        free(thg[j]);
    }
    free(fdg);
    free(thg);
    free(sus);
    leak_series_release(&ls);
    return rc;
}

int leaks_mark_suspects(const snap *const *snaps, const char *const *names, size_t n,
                        uint8_t *const *fd_suspect, uint8_t *const *thread_suspect,
                        char *err, size_t errlen)
{
    snapset_procs procs;
    size_t *proc = malloc((n ? n : 1) * sizeof(*proc)), *idx = malloc((n ? n : 1) * sizeof(*idx));
    int rc = -1;
    (void)names;
    snapset_procs_init(&procs);
    if (!n) {
        err_text_set(err, errlen, "no snapshots given");
        goto out;
    }
    for (size_t i = 0; proc && idx && i < n; i++)
        if ((proc[i] = snapset_procs_add(&procs, snaps[i], i)) == SIZE_MAX)
            goto oom;
    if (!proc || !idx)
        goto oom;
    for (size_t p = 0; p < procs.n; p++) { /* each process is a series of its own */
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (proc[i] == p)
                idx[m++] = i;
        if (mark_process(snaps, idx, m, fd_suspect, thread_suspect) < 0)
            goto oom;
    }
    rc = 0;
    goto out;
oom:
    err_text_set(err, errlen, "out of memory");
out:
    snapset_procs_release(&procs);
    free(proc);
    free(idx);
    return rc;
}
