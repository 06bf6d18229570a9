/*
 * flame_model.c - freeing a flame set, naming its frames, and the copy
 * whose stacks start at their group.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flame_model.h"

void flame_set_free(flame_set *fs)
{
    if (!fs)
        return;
    for (size_t i = 0; i < fs->n_frames; i++) {
        free(fs->frames[i].function);
        free(fs->frames[i].file);
        free(fs->frames[i].module);
    }
    free(fs->frames);
    for (size_t i = 0; i < fs->n_stacks; i++)
        free(fs->stacks[i].frames);
    free(fs->stacks);
    for (size_t i = 0; i < fs->n_groups; i++)
        free(fs->groups[i]);
    free(fs->groups);
    free(fs->title);
    free(fs->unit);
    free(fs);
}

char *flame_frame_name(const flame_frame *f, int with_module, char *buf, size_t len)
{
    if (!len)
        return buf;
    if (f->function && with_module && f->module)
        snprintf(buf, len, "%s [%s]", f->function, f->module);
    else if (f->function)
        snprintf(buf, len, "%s", f->function);
    else if (f->module && f->address)
        snprintf(buf, len, "%s+0x%" PRIx64, f->module, f->address);
    else if (f->module)
        snprintf(buf, len, "%s", f->module);
    else
        snprintf(buf, len, "??");
    return buf;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

flame_set *flame_set_grouped(const flame_set *fs)
{
    flame_set *g = calloc(1, sizeof(*g));
    size_t n_frames = fs->n_frames + fs->n_groups;
    if (!g)
        return NULL;
    g->frames = calloc(n_frames ? n_frames : 1, sizeof(*g->frames));
    g->stacks = calloc(fs->n_stacks ? fs->n_stacks : 1, sizeof(*g->stacks));
    g->groups = calloc(1, sizeof(*g->groups));
    if (!g->frames || !g->stacks || !g->groups)
        goto oom;
    g->n_groups = 1;
    if (!(g->groups[0] = strdup("all")))
        goto oom;
    for (size_t i = 0; i < fs->n_frames; i++, g->n_frames++) {
        const flame_frame *f = &fs->frames[i];
        flame_frame *c = &g->frames[i];
        *c = *f;
        c->function = dup_or_null(f->function);
        c->file = dup_or_null(f->file);
        c->module = dup_or_null(f->module);
        if ((f->function && !c->function) || (f->file && !c->file) ||
            (f->module && !c->module)) {
            g->n_frames++;
            goto oom;
        }
    }
    /* one frame per group, named after it, below every stack of the group */
    for (size_t k = 0; k < fs->n_groups; k++, g->n_frames++)
        if (!(g->frames[fs->n_frames + k].function = strdup(fs->groups[k])))
            goto oom;
    for (size_t i = 0; i < fs->n_stacks; i++, g->n_stacks++) {
        const flame_stack *st = &fs->stacks[i];
        flame_stack *c = &g->stacks[i];
        if (!(c->frames = malloc((st->depth + 1) * sizeof(*c->frames))))
            goto oom;
        c->frames[0] = (uint32_t)(fs->n_frames + (st->group < fs->n_groups ? st->group : 0));
        memcpy(c->frames + 1, st->frames, st->depth * sizeof(*c->frames));
        c->depth = st->depth + 1;
        c->count = st->count;
        memcpy(c->more, st->more, sizeof(c->more));
    }
    g->n_values = fs->n_values;
    g->value_types = fs->value_types;
    g->value_units = fs->value_units;
    if ((fs->title && !(g->title = strdup(fs->title))) ||
        (fs->unit && !(g->unit = strdup(fs->unit))))
        goto oom;
    return g;
oom:
    flame_set_free(g);
    return NULL;
}
