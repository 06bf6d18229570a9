/*
 * leak_launches.c - the launch stories of a series (leak_model.h,
 * leak_launch): taken from the newest snapshot that has any, worded by
 * launch_facts.c as bbx show words them, kept as text because the
 * snapshot is freed right after it is added.
 */
#include <stdlib.h>
#include <string.h>

#include "frame_symbols.h"
#include "launch_facts.h"
#include "leak_series.h"

#define STORY_TEXT_MAX 2048

static char *dup_or_null(const char *s, int *oom)
{
    char *d = s ? strdup(s) : NULL;
    if (s && !d)
        *oom = 1;
    return d;
}

/* One story of s as a leak_launch; 0, or -1 when memory ran out. */
static int take_one(leak_launch *out, const snap *s, const launch_story *st, sym_session *ss)
{
    char text[STORY_TEXT_MAX];
    int oom = 0;
    memset(out, 0, sizeof(*out));
    launch_story_text(text, sizeof(text), s, st, ss);
    out->kind = dup_or_null(launch_story_kind_name(st->kind), &oom);
    out->text = dup_or_null(text, &oom);
    out->count = st->count;
    size_t i = st->launch ? launch_site_frame(s, st->launch) : SIZE_MAX;
    if (i != SIZE_MAX) {
        const sym_frame *sf;
        size_t n = frame_symbols_pc(ss, s, st->launch->frames[i], 1, &sf);
        if (n) {
            out->function = dup_or_null(sf[n - 1].function, &oom);
            out->file = dup_or_null(sf[0].file, &oom);
            out->line = sf[0].file ? sf[0].line : 0;
        }
    }
    return oom ? -1 : 0;
}

int series_take_launches(leak_series *ls, const snap *s)
{
    launch_story *v;
    if (ls->launches && s->process.time_ms < ls->launches_ms)
        return 0;
    size_t n = launch_stories(s, &v);
    if (n == (size_t)-1)
        return -1;
    if (n == 0)
        return 0;
    leak_launch *keep = calloc(n, sizeof(*keep));
    int rc = keep ? 0 : -1;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = take_one(&keep[i], s, &v[i], ls->symbols);
    free(v);
    if (rc != 0) {
        leak_launches_free(keep, keep ? n : 0);
        return -1;
    }
    leak_launches_free(ls->launches, ls->n_launches);
    ls->launches = keep;
    ls->n_launches = n;
    ls->launches_ms = s->process.time_ms;
    return 0;
}

size_t series_copy_launches(const leak_series *ls, leak_launch **out)
{
    int oom = 0;
    *out = NULL;
    if (!ls->n_launches)
        return 0;
    leak_launch *v = calloc(ls->n_launches, sizeof(*v));
    if (!v)
        return (size_t)-1;
    for (size_t i = 0; i < ls->n_launches; i++) {
        const leak_launch *a = &ls->launches[i];
        v[i].kind = dup_or_null(a->kind, &oom);
        v[i].text = dup_or_null(a->text, &oom);
        v[i].count = a->count;
        v[i].function = dup_or_null(a->function, &oom);
        v[i].file = dup_or_null(a->file, &oom);
        v[i].line = a->line;
    }
    if (oom) {
        leak_launches_free(v, ls->n_launches);
        return (size_t)-1;
    }
    *out = v;
    return ls->n_launches;
}
