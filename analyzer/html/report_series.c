/*
 * report_series.c - the snapshots of `bbx report` folded per process, and
 * the main process chosen (report_series.h).
 */
#include "report_series.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>

#include "err_text.h"
#include "flame_collect.h"
#include "grow_array.h"
#include "leak_analyze.h"
#include "leak_timeline.h"
#include "path_name.h"
#include "snap_format.h"
#include "snap_prefetch.h"
#include "snap_set.h"

/* One process as it is read. */
typedef struct proc_fold {
    leak_stream *leaks;
    flame_stream *stacks;
    snap *last;             /* the latest so far; ties: the later file */
    const char *last_name;
    size_t n_used;
    uint64_t first_ms;      /* the earliest capture time */
    leak_report *report;    /* once read */
} proc_fold;

struct report_series {
    snapset_procs procs;
    proc_fold *folds;       /* one per process of procs */
    size_t cap;
    flame_options fo;
    leak_options lo;
    /* what report_series_input() made */
    leak_timeline *timeline;
    flame_set *stacks;
    report_html_process *listed;
};

void report_series_free(report_series *rs)
{
    if (!rs)
        return;
    for (size_t i = 0; i < rs->procs.n; i++) {
        leak_stream_free(rs->folds[i].leaks);
        flame_stream_free(rs->folds[i].stacks);
        snap_free(rs->folds[i].last);
        leak_report_free(rs->folds[i].report);
    }
    free(rs->folds);
    snapset_procs_release(&rs->procs);
    leak_timeline_free(rs->timeline);
    flame_set_free(rs->stacks);
    free(rs->listed);
    free(rs);
}

/* The fold of s's process, made when new.  NULL when out of memory. */
static proc_fold *fold_of(report_series *rs, const snap *s, size_t file)
{
    if (GROW_ARRAY(rs->folds, rs->cap, rs->procs.n + 1, 4) < 0)
        return NULL;
    size_t before = rs->procs.n, pi = snapset_procs_add(&rs->procs, s, file);
    if (pi == SIZE_MAX)
        return NULL;
    proc_fold *pf = &rs->folds[pi];
    if (rs->procs.n > before) {
        memset(pf, 0, sizeof(*pf));
        pf->leaks = leak_stream_new(&rs->lo);
        pf->stacks = flame_stream_new(&rs->fo);
        if (!pf->leaks || !pf->stacks)
            return NULL;
    }
    return pf;
}

/* Fold s (file number `file`, named `name`) in, keeping it when it is its
 * process's latest so far (s is taken over).  0, or -1 with err. */
static int fold(report_series *rs, snap *s, size_t file, const char *name,
                report_warn_fn warn, void *warn_ctx, char *err, size_t errlen)
{
    char msg[512];
    proc_fold *pf = fold_of(rs, s, file);
    int use = pf ? leak_stream_add(pf->leaks, s, name, err, errlen) : -1;
    if (!pf)
        err_text_set(err, errlen, "out of memory");
    if (use <= 0) {
        snap_free(s);
        return use;
    }
    if (warn && snapset_incomplete_warning(s, name, msg, sizeof(msg)))
        warn(warn_ctx, msg);
    flame_stream_add(pf->stacks, s, path_base_name(name));
    if (!pf->n_used++ || s->process.time_ms < pf->first_ms)
        pf->first_ms = s->process.time_ms;
    if (!pf->last || s->process.time_ms >= pf->last->process.time_ms) {
        snap_free(pf->last);
        pf->last = s;
        pf->last_name = name;
    } else {
        snap_free(s);
    }
    return 0;
}

report_series *report_series_read(char *const *files, size_t n, const leak_options *lo,
                                  report_warn_fn warn, void *warn_ctx, char *err,
                                  size_t errlen)
{
    uint64_t pid = lo->pid;
    sym_session *symbols = lo->symbols;
    char why[256];
    report_series *rs = calloc(1, sizeof(*rs));
    snap_prefetch *pf = rs ? snap_prefetch_start(files, n, 0, 2, 0) : NULL;
    int rc = 0;
    if (!pf) {
        free(rs);
        err_text_set(err, errlen, "out of memory");
        return NULL;
    }
    snapset_procs_init(&rs->procs);
    rs->lo = *lo;
    rs->lo.all_groups = 0;
    rs->fo = (flame_options){ FLAME_STACKS, 0, 1, symbols, 0, 0 };
    for (size_t i = 0; i < n && rc == 0; i++) {
        snap *s = snap_prefetch_next(pf, why, sizeof(why));
        if (!s) {
            err_text_set(err, errlen, "%s: %s", files[i], why);
            rc = -1;
        } else if (!pid || s->process.pid == pid) {
            rc = fold(rs, s, i, files[i], warn, warn_ctx, err, errlen);
        } else {
            snap_free(s);
        }
    }
    snap_prefetch_stop(pf);
    if (rc == 0 && !rs->procs.n) {
        err_text_set(err, errlen, pid ? "no snapshot of pid %" PRIu64 : "no snapshots given", pid);
        rc = -1;
    }
    for (size_t i = 0; rc == 0 && i < rs->procs.n; i++)
        if (!(rs->folds[i].report = leak_stream_report(rs->folds[i].leaks, err, errlen)))
            rc = -1;
    if (rc < 0) {
        report_series_free(rs);
        return NULL;
    }
    return rs;
}

static int crashed(const proc_fold *pf)
{
    return pf->last->trigger.present && pf->last->trigger.kind == SNAP_TRIGGER_CRASH;
}

/* 1 when process a says more than b (see report_series.h). */
static int says_more(const report_series *rs, size_t a, size_t b)
{
    const proc_fold *x = &rs->folds[a], *y = &rs->folds[b];
    size_t sx = leak_report_suspects(x->report), sy = leak_report_suspects(y->report);
    if (crashed(x) != crashed(y))
        return crashed(x);
    if (sx != sy)
        return sx > sy;
    if (x->n_used != y->n_used)
        return x->n_used > y->n_used;
    return snapset_stamp_cmp(&rs->procs.v[a].first, &rs->procs.v[b].first) < 0;
}

/* The processes for the page's list, in the order they were seen. */
static int list_processes(report_series *rs, size_t main)
{
    size_t n = rs->procs.n, *order = malloc(n * sizeof(*order));
    if (!order || !(rs->listed = calloc(n, sizeof(*rs->listed)))) {
        free(order);
        return -1;
    }
    snapset_procs_order(&rs->procs, order);
    for (size_t k = 0; k < n; k++) {
        const snapset_process *pr = &rs->procs.v[order[k]];
        const proc_fold *pf = &rs->folds[order[k]];
        report_html_process *l = &rs->listed[k];
        l->pid = pr->pid;
        l->program = pr->program;
        l->exe = pr->exe;
        l->n = pf->n_used;
        l->first_ms = pr->first.time_ms;
        l->last_ms = pr->last.time_ms;
        l->suspects = leak_report_suspects(pf->report);
        l->crashed = crashed(pf);
        l->shown = order[k] == main;
    }
    free(order);
    return 0;
}

int report_series_input(report_series *rs, report_html_input *hi, char *err, size_t errlen)
{
    size_t main = 0;
    for (size_t i = 1; i < rs->procs.n; i++)
        if (says_more(rs, i, main))
            main = i;
    proc_fold *pf = &rs->folds[main];
    if (pf->n_used > 1 &&
        !(rs->timeline = leak_timeline_from_series(leak_stream_series(pf->leaks),
                                                   LEAK_TIMELINE_MAX_POINTS, rs->lo.symbols,
                                                   err, errlen)))
        return -1;
    rs->stacks = flame_stream_finish(pf->stacks, err, errlen);
    pf->stacks = NULL; /* freed by finishing */
    if (!rs->stacks)
        return -1;
    if (rs->procs.n > 1 && list_processes(rs, main) < 0) {
        err_text_set(err, errlen, "out of memory");
        return -1;
    }
    memset(hi, 0, sizeof(*hi));
    hi->last = pf->last;
    hi->last_name = pf->last_name;
    hi->n = pf->n_used;
    hi->first_ms = pf->first_ms;
    hi->leaks = pf->report;
    hi->timeline = rs->timeline;
    hi->stacks = rs->stacks;
    hi->symbols = rs->lo.symbols;
    hi->processes = rs->listed;
    hi->n_processes = rs->listed ? rs->procs.n : 0;
    return 0;
}
