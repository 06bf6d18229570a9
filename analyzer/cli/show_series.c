/*
 * show_series.c - the series around one snapshot, for bbx show's vanished
 * verdict (show_series.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf */
#endif
#include "show_series.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leak_analyze.h"
#include "path_name.h"
#include "snap_format.h"

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.bbx names in dir with "-<pid>-" in them, sorted; count in *n. */
static char **same_pid_names(const char *dir, uint64_t pid, size_t *n)
{
    char tag[32];
    char **v = NULL;
    size_t cap = 0;
    DIR *d = opendir(dir);
    *n = 0;
    if (!d)
        return NULL;
    snprintf(tag, sizeof(tag), "-%" PRIu64 "-", pid);
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len < 5 || strcmp(e->d_name + len - 4, ".bbx") != 0 ||
            !strstr(e->d_name, tag))
            continue;
        if (*n == cap) {
            char **nv = realloc(v, (cap = cap ? cap * 2 : 16) * sizeof(*v));
            if (!nv)
                break;
            v = nv;
        }
        if (asprintf(&v[*n], "%s/%s", dir, e->d_name) < 0)
            break;
        (*n)++;
    }
    closedir(d);
    if (*n > 1)
        qsort(v, *n, sizeof(*v), name_cmp);
    return v;
}

leak_vanished *show_series_vanished(const char *path, const snap *s)
{
    uint64_t kind = s->trigger.present ? s->trigger.kind : 0;
    if (kind == SNAP_TRIGGER_EXIT || kind == SNAP_TRIGGER_CRASH || !s->process.pid)
        return NULL;
    char *dir = strdup(path), *slash = dir ? strrchr(dir, '/') : NULL;
    if (!dir)
        return NULL;
    if (slash)
        *slash = 0;
    size_t n = 0;
    char **names = same_pid_names(slash ? (*dir ? dir : "/") : ".", s->process.pid, &n);
    leak_vanished *v = NULL;
    if (n >= 2) {
        size_t from = n > SHOW_SERIES_MAX ? n - SHOW_SERIES_MAX : 0;
        leak_options o = { .pid = s->process.pid };
        char err[256];
        leak_report_set *set = leaks_by_process(names + from, n - from, &o, NULL, NULL, err,
                                                sizeof(err));
        for (size_t i = 0; set && i < set->n && !v; i++) {
            leak_report *r = set->reports[i];
            /* this file is the last of its process's series */
            if (r->vanished && r->last_ms == s->process.time_ms && r->n_snapshots >= 2) {
                v = r->vanished;
                r->vanished = NULL;
            }
        }
        leak_report_set_free(set);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(dir);
    return v;
}
