/*
 * snap_procs.c - the processes of a snapshot set, the time order of
 * snapshots and the incomplete-snapshot warning (snap_set.h).
 *
 * A set rarely holds more than a handful of processes, so a process is
 * found by a walk over the list, newest first (the one the previous
 * snapshot was of is usually the one).
 */
#include "snap_set.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow_array.h"
#include "path_name.h"

snapset_stamp snapset_stamp_of(const snap *s, size_t file)
{
    snapset_stamp st = { s->process.time_ms, s->trigger.present ? s->trigger.seq : 0, file };
    return st;
}

int snapset_stamp_cmp(const snapset_stamp *x, const snapset_stamp *y)
{
    if (x->time_ms != y->time_ms)
        return x->time_ms < y->time_ms ? -1 : 1;
    if (x->seq != y->seq)
        return x->seq < y->seq ? -1 : 1;
    return x->file < y->file ? -1 : x->file > y->file;
}

void snapset_procs_init(snapset_procs *p)
{
    memset(p, 0, sizeof(*p));
}

void snapset_procs_release(snapset_procs *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->v[i].exe);
        free(p->v[i].app);
        free(p->v[i].program);
    }
    free(p->v);
    memset(p, 0, sizeof(*p));
}

static int str_eq(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* 1 when s is a snapshot of process pr: the same pid and executable, and
 * neither started after pr's last snapshot (the pid was reused) nor taken
 * before pr started (pr reused the pid of s's process). */
static int same_process(const snapset_process *pr, const snap *s)
{
    uint64_t start = s->process.start_ms, t = s->process.time_ms;
    if (pr->pid != s->process.pid || !str_eq(pr->exe, s->process.exe))
        return 0;
    if (start && start > pr->last.time_ms + SNAPSET_START_SLACK_MS)
        return 0;
    if (pr->start_ms && t + SNAPSET_START_SLACK_MS < pr->start_ms)
        return 0;
    return 1;
}

size_t snapset_procs_find(const snapset_procs *p, const snap *s)
{
    for (size_t i = p->n; i > 0; i--)
        if (same_process(&p->v[i - 1], s))
            return i - 1;
    return SIZE_MAX;
}

static char *dup_or_null(const char *s, int *oom)
{
    char *d = s ? strdup(s) : NULL;
    if (s && !d)
        *oom = 1;
    return d;
}

/* A new process for s at the end of p.  SIZE_MAX when out of memory. */
static size_t proc_new(snapset_procs *p, const snap *s)
{
    int oom = 0;
    if (GROW_ARRAY(p->v, p->cap, p->n + 1, 4) < 0)
        return SIZE_MAX;
    snapset_process *pr = &p->v[p->n];
    memset(pr, 0, sizeof(*pr));
    pr->pid = s->process.pid;
    pr->start_ms = s->process.start_ms;
    pr->exe = dup_or_null(s->process.exe, &oom);
    pr->app = dup_or_null(s->process.app, &oom);
    const char *base = path_base_name(s->process.exe);
    const char *program = s->process.app && *s->process.app ? s->process.app
                          : base && *base                   ? base
                                                            : "?";
    pr->program = dup_or_null(program, &oom);
    if (oom) {
        free(pr->exe);
        free(pr->app);
        free(pr->program);
        return SIZE_MAX;
    }
    return p->n++;
}

size_t snapset_procs_add(snapset_procs *p, const snap *s, size_t file)
{
    size_t i = snapset_procs_find(p, s);
    if (i == SIZE_MAX && (i = proc_new(p, s)) == SIZE_MAX)
        return SIZE_MAX;
    snapset_process *pr = &p->v[i];
    snapset_stamp st = snapset_stamp_of(s, file);
    if (!pr->n_snaps++ || snapset_stamp_cmp(&st, &pr->first) < 0)
        pr->first = st;
    if (pr->n_snaps == 1 || snapset_stamp_cmp(&st, &pr->last) > 0)
        pr->last = st;
    if (s->process.start_ms && (!pr->start_ms || s->process.start_ms < pr->start_ms))
        pr->start_ms = s->process.start_ms;
    return i;
}

static const snapset_procs *sort_procs;

static int proc_cmp(const void *a, const void *b)
{
    const snapset_process *x = &sort_procs->v[*(const size_t *)a];
    const snapset_process *y = &sort_procs->v[*(const size_t *)b];
    int c = snapset_stamp_cmp(&x->first, &y->first);
    if (c)
        return c;
    if (x->pid != y->pid)
        return x->pid < y->pid ? -1 : 1;
    return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

void snapset_procs_order(const snapset_procs *p, size_t *order)
{
    for (size_t i = 0; i < p->n; i++)
        order[i] = i;
    sort_procs = p;
    if (p->n > 1)
        qsort(order, p->n, sizeof(*order), proc_cmp);
    sort_procs = NULL;
}

int snapset_incomplete_warning(const snap *s, const char *name, char *buf, size_t len)
{
    if (s->complete)
        return 0;
    snprintf(buf, len, "%s: incomplete snapshot (%s), used as far as it goes",
             name ? name : "snapshot", s->incomplete_why ? s->incomplete_why : "cut short");
    return 1;
}
