/*
 * svg_sets.c - hand-made flame sets for the SVG flame graph tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svg_sets.h"

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        fprintf(stderr, "svg_sets: out of memory\n");
        exit(2);
    }
    return p;
}

static char *xstrdup(const char *s)
{
    char *d;

    if (!s)
        return NULL;
    d = xrealloc(NULL, strlen(s) + 1);
    memcpy(d, s, strlen(s) + 1);
    return d;
}

flame_set *svg_set_new(const char *title, const char *unit)
{
    flame_set *fs = xrealloc(NULL, sizeof *fs);

    memset(fs, 0, sizeof *fs);
    fs->groups = xrealloc(NULL, sizeof *fs->groups);
    fs->groups[0] = xstrdup("all");
    fs->n_groups = 1;
    fs->title = xstrdup(title);
    fs->unit = xstrdup(unit);
    return fs;
}

static int same(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

uint32_t svg_set_frame(flame_set *fs, const char *function, const char *file,
                       uint32_t line, const char *module, uint64_t address)
{
    flame_frame *f;

    for (size_t i = 0; i < fs->n_frames; i++) {
        f = &fs->frames[i];
        if (same(f->function, function) && same(f->file, file) && f->line == line &&
            same(f->module, module) && f->address == address)
            return (uint32_t)i;
    }
    fs->frames = xrealloc(fs->frames, (fs->n_frames + 1) * sizeof *fs->frames);
    f = &fs->frames[fs->n_frames];
    memset(f, 0, sizeof *f);
    f->function = xstrdup(function);
    f->file = xstrdup(file);
    f->line = line;
    f->module = xstrdup(module);
    f->address = address;
    return (uint32_t)fs->n_frames++;
}

void svg_set_stack(flame_set *fs, const uint32_t *frames, size_t depth, uint64_t count)
{
    flame_stack *s;

    if (fs->n_stacks % 1024 == 0)
        fs->stacks = xrealloc(fs->stacks, (fs->n_stacks + 1024) * sizeof *fs->stacks);
    s = &fs->stacks[fs->n_stacks++];
    s->frames = xrealloc(NULL, depth * sizeof *s->frames);
    memcpy(s->frames, frames, depth * sizeof *s->frames);
    s->depth = depth;
    s->count = count;
    s->group = 0;
}

void svg_set_folded(flame_set *fs, const char *folded, uint64_t count)
{
    uint32_t frames[64];
    size_t depth = 0;
    char *copy = xstrdup(folded), *save = NULL;

    for (char *tok = strtok_r(copy, ";", &save); tok && depth < 64;
         tok = strtok_r(NULL, ";", &save)) {
        uint32_t line = 10;
        for (const char *p = tok; *p; p++)
            line = line * 7 + (unsigned char)*p % 50;
        frames[depth++] = svg_set_frame(fs, tok, "app.c", line % 900 + 1, "app", 0);
    }
    svg_set_stack(fs, frames, depth, count);
    free(copy);
}

flame_set *svg_set_known(int after)
{
    flame_set *fs = svg_set_new(after ? "known graph, after" : "known graph", "threads");

    svg_set_folded(fs, "main;run;somefunction", after ? 70 : 40);
    svg_set_folded(fs, "main;run;other", 20);
    svg_set_folded(fs, "main;idle", after ? 5 : 30);
    svg_set_folded(fs, "main;run;helper;somefunction", 10);
    return fs;
}

flame_set *svg_set_awkward(void)
{
    flame_set *fs = svg_set_new("awkward <names> & \"quotes\" \xff", "fds");
    uint32_t f[5];

    f[0] = svg_set_frame(fs, "main", "a&b<c>.c", 3, "app \"x\"", 0);
    f[1] = svg_set_frame(fs, "operator<<(std::ostream&, char const*)", "io.cc", 9, "libx.so", 0);
    f[2] = svg_set_frame(fs, "bad \xc3\x28 utf8 \xed\xa0\x80 \xf8\x88\x80\x80\x80 end", NULL, 0,
                         "m\xfe", 0);
    f[3] = svg_set_frame(fs, "quote'\"]]>&amp;\x01\x1b[31m", "q.c", 1, NULL, 0);
    f[4] = svg_set_frame(fs, NULL, NULL, 0, "libunknown.so", 0x1234);
    svg_set_stack(fs, f, 5, 7);
    svg_set_stack(fs, f, 3, 5);
    svg_set_stack(fs, f + 1, 2, 3);
    return fs;
}

flame_set *svg_set_deep(size_t depth)
{
    flame_set *fs = svg_set_new("deep", "threads");
    uint32_t *frames = xrealloc(NULL, depth * sizeof *frames);
    char name[32];

    for (size_t i = 0; i < depth; i++) {
        snprintf(name, sizeof name, "recurse%zu", i % 7);
        frames[i] = svg_set_frame(fs, name, "deep.c", (uint32_t)(i % 7 + 1), "app", 0);
    }
    svg_set_stack(fs, frames, depth, 3);
    svg_set_stack(fs, frames, 2, 1);
    free(frames);
    return fs;
}

flame_set *svg_set_random(size_t n, uint64_t *total)
{
    enum { N_FUNCS = 400, MAX_DEPTH = 24 };
    flame_set *fs = svg_set_new("random stacks", "samples");
    uint32_t ids[N_FUNCS], frames[MAX_DEPTH];
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    char name[64];

    for (unsigned i = 0; i < N_FUNCS; i++) {
        snprintf(name, sizeof name, "%s_%u", i % 5 ? "work" : "somefunction", i);
        ids[i] = svg_set_frame(fs, name, "rand.c", i + 1, i % 3 ? "app" : "libc.so.6", 0);
    }
    *total = 0;
    for (size_t s = 0; s < n; s++) {
        size_t depth;
        unsigned at = 0;
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        depth = 3 + (size_t)(seed >> 59) % (MAX_DEPTH - 3);
        for (size_t d = 0; d < depth; d++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            /* few choices near the root, more toward the leaves */
            at = (at * 7 + 1 + (unsigned)(seed >> 33) % (unsigned)(2 + d * d)) % N_FUNCS;
            frames[d] = ids[at];
        }
        svg_set_stack(fs, frames, depth, 1 + (seed >> 61));
        *total += 1 + (seed >> 61);
    }
    return fs;
}
