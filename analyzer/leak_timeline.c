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

#include "frame_symbols.h"
#include "leak_model.h"
#include "leak_series.h"
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
            add(buf, len, pos, " (%s:%u)", leak_base_name(sf[0].file), sf[0].line);
    } else if (m) {
        add(buf, len, pos, "%s+0x%" PRIx64, m->path ? leak_base_name(m->path) : "?",
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
    else
        add(buf, len, &pos, "%s child %s", g->kind ? "zombie" : "running",
            g->name ? g->name : "?");
    if (g->resource != SERIES_CHILD && g->n_frames) {
        add(buf, len, &pos, ": ");
        add_site(buf, len, &pos, ls, ss, g->frames[0], g->frame_module[0], 1);
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

leak_timeline *leak_timeline_from_snapshots(const snap *const *snaps, size_t n,
                                            sym_session *symbols, char *err,
                                            size_t errlen)
{
    leak_series ls;
    leak_timeline *t = calloc(1, sizeof(*t));
    leak_series_init(&ls);
    if (!t || !n || !(t->time_ms = calloc(n, sizeof(*t->time_ms))))
        goto oom;
    t->n_snaps = n;
    for (size_t i = 0; i < n; i++) {
        t->time_ms[i] = snaps[i]->process.time_ms;
        if (leak_series_add(&ls, snaps[i], i) < 0)
            goto oom;
    }
    if (ls.n_groups && !(t->groups = calloc(ls.n_groups, sizeof(*t->groups))))
        goto oom;
    for (size_t i = 0; i < ls.n_groups; i++) {
        const series_group *sg = &ls.groups[i];
        leak_timeline_group *g = &t->groups[t->n_groups++];
        g->resource = sg->resource;
        if (!(g->counts = calloc(n, sizeof(*g->counts))) ||
            !(g->label = label_of(&ls, sg, symbols)))
            goto oom;
        /* leak_series numbers snapshots in the order they were added. */
        for (size_t k = 0; k < sg->n_counts; k++)
            if (sg->counts[k].snap < n)
                g->counts[sg->counts[k].snap] += sg->counts[k].count;
        g->first = g->counts[0];
        g->last = g->counts[n - 1];
        for (size_t k = 0; k < n; k++)
            if (g->counts[k] > g->peak)
                g->peak = g->counts[k];
    }
    leak_series_release(&ls);
    return t;
oom:
    leak_series_release(&ls);
    leak_timeline_free(t);
    snprintf(err, errlen, "out of memory");
    return NULL;
}
