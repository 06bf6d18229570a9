/*
 * flame_speedscope.c - speedscope's file format (flame_write.h): the
 * frames once in shared.frames, then one "sampled" profile per group whose
 * samples are frame index arrays (root first) weighted by their counts.
 * The schema: https://www.speedscope.app/file-format-schema.json
 */
#include <stdlib.h>

#include "flame_write.h"
#include "json_writer.h"

static void write_frames(json_writer *w, const flame_set *fs, int with_module)
{
    char buf[2048];
    json_key(w, "frames");
    json_array_begin(w);
    for (size_t i = 0; i < fs->n_frames; i++) {
        const flame_frame *f = &fs->frames[i];
        json_object_begin(w);
        json_kv_string(w, "name", flame_frame_name(f, with_module, buf, sizeof(buf)));
        if (f->file)
            json_kv_string(w, "file", f->file);
        if (f->line)
            json_kv_u64(w, "line", f->line);
        json_object_end(w);
    }
    json_array_end(w);
}

/* Group g's stacks are fs->stacks[idx[0..n]]. */
static void write_profile(json_writer *w, const flame_set *fs, size_t g, const size_t *idx,
                          size_t n)
{
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += fs->stacks[idx[i]].count;
    json_object_begin(w);
    json_kv_string(w, "type", "sampled");
    json_kv_string(w, "name", fs->groups[g]);
    json_kv_string(w, "unit", "none");
    json_kv_u64(w, "startValue", 0);
    json_kv_u64(w, "endValue", total);
    json_key(w, "samples");
    json_array_begin(w);
    for (size_t i = 0; i < n; i++) {
        const flame_stack *st = &fs->stacks[idx[i]];
        json_array_begin(w);
        for (size_t k = 0; k < st->depth; k++)
            json_u64(w, st->frames[k]);
        json_array_end(w);
    }
    json_array_end(w);
    json_key(w, "weights");
    json_array_begin(w);
    for (size_t i = 0; i < n; i++)
        json_u64(w, fs->stacks[idx[i]].count);
    json_array_end(w);
    json_object_end(w);
}

int flame_write_speedscope(const flame_set *fs, int with_module, FILE *out)
{
    json_writer w;
    /* stack indexes ordered by group (a counting sort): start[g]..start[g+1] */
    size_t *start = calloc(fs->n_groups + 1, sizeof(*start));
    size_t *idx = malloc((fs->n_stacks ? fs->n_stacks : 1) * sizeof(*idx));
    if (!start || !idx) {
        free(start);
        free(idx);
        return -1;
    }
    for (size_t i = 0; i < fs->n_stacks; i++)
        if (fs->stacks[i].group < fs->n_groups)
            start[fs->stacks[i].group + 1]++;
    for (size_t g = 0; g < fs->n_groups; g++)
        start[g + 1] += start[g];
    for (size_t i = 0, *fill = start; i < fs->n_stacks; i++)
        if (fs->stacks[i].group < fs->n_groups)
            idx[fill[fs->stacks[i].group]++] = i;
    for (size_t g = fs->n_groups; g > 0; g--) /* fill moved each start forward */
        start[g] = start[g - 1];
    start[0] = 0;
    json_init(&w, out, 0);
    json_object_begin(&w);
    json_kv_string(&w, "$schema", "https://www.speedscope.app/file-format-schema.json");
    json_kv_string(&w, "name", fs->title ? fs->title : "bbx flame");
    json_kv_string(&w, "exporter", "bbx flame");
    json_kv_u64(&w, "activeProfileIndex", 0);
    json_key(&w, "shared");
    json_object_begin(&w);
    write_frames(&w, fs, with_module);
    json_object_end(&w);
    json_key(&w, "profiles");
    json_array_begin(&w);
    for (size_t g = 0; g < fs->n_groups; g++)
        write_profile(&w, fs, g, idx + start[g], start[g + 1] - start[g]);
    json_array_end(&w);
    json_object_end(&w);
    free(start);
    free(idx);
    return json_finish(&w) ? 0 : -1;
}
