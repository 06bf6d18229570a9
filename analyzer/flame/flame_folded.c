/*
 * flame_folded.c - the folded stack format (flame_write.h): each frame is
 * named once, each stack is written as one line of text, and lines with
 * the same text (frames that differ only in line numbers print alike) are
 * merged after a sort.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "flame_write.h"
#include "grow_array.h"

typedef struct folded_line {
    char *text;          /* "group;root;...;leaf" */
    uint64_t count[2];   /* [0] base, [1] current */
} folded_line;

typedef struct line_list {
    folded_line *lines;
    size_t n, cap;
} line_list;

/* name with ';' -> ':' and line breaks -> ' ' so one stack stays one line */
static char *clean_name(const char *name)
{
    char *d = strdup(name);
    for (char *p = d; p && *p; p++) {
        if (*p == ';')
            *p = ':';
        else if (*p == '\n' || *p == '\r')
            *p = ' ';
    }
    return d;
}

/* Every frame's clean name (NULL: no memory). */
static char **frame_names(const flame_set *fs, int with_module)
{
    char **names = calloc(fs->n_frames ? fs->n_frames : 1, sizeof(*names));
    char buf[2048];
    for (size_t i = 0; names && i < fs->n_frames; i++) {
        if (!(names[i] = clean_name(flame_frame_name(&fs->frames[i], with_module, buf,
                                                     sizeof(buf))))) {
            for (size_t k = 0; k < i; k++)
                free(names[k]);
            free(names);
            return NULL;
        }
    }
    return names;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
}

/* Append the lines of fs to ll with its counts in slot `which`.  0 or -1. */
static int add_lines(line_list *ll, const flame_set *fs, int with_module, int which)
{
    char **names = frame_names(fs, with_module);
    char **groups = calloc(fs->n_groups ? fs->n_groups : 1, sizeof(*groups));
    size_t *lens = calloc(fs->n_frames ? fs->n_frames : 1, sizeof(*lens));
    int rc = -1;
    if (!names || !groups || !lens)
        goto out;
    for (size_t i = 0; i < fs->n_frames; i++)
        lens[i] = strlen(names[i]);
    for (size_t g = 0; g < fs->n_groups; g++)
        if (!(groups[g] = clean_name(fs->groups[g])))
            goto out;
    for (size_t i = 0; i < fs->n_stacks; i++) {
        const flame_stack *st = &fs->stacks[i];
        const char *group = st->group < fs->n_groups ? groups[st->group] : "?";
        size_t len = strlen(group) + 1, pos;
        for (size_t k = 0; k < st->depth; k++)
            len += lens[st->frames[k]] + 1;
        char *text = malloc(len);
        if (!text)
            goto out;
        pos = strlen(group);
        memcpy(text, group, pos);
        for (size_t k = 0; k < st->depth; k++) {
            text[pos++] = ';';
            memcpy(text + pos, names[st->frames[k]], lens[st->frames[k]]);
            pos += lens[st->frames[k]];
        }
        text[pos] = 0;
        if (GROW_ARRAY(ll->lines, ll->cap, ll->n + 1, 256) < 0) {
            free(text);
            goto out;
        }
        folded_line *l = &ll->lines[ll->n++];
        l->text = text;
        l->count[0] = l->count[1] = 0;
        l->count[which] = st->count;
    }
    rc = 0;
out:
    free_names(names, fs->n_frames);
    free_names(groups, fs->n_groups);
    free(lens);
    return rc;
}

static int line_cmp(const void *a, const void *b)
{
    return strcmp(((const folded_line *)a)->text, ((const folded_line *)b)->text);
}

int flame_write_folded(const flame_set *fs, const flame_set *base, int with_module, FILE *out)
{
    line_list ll = { 0 };
    int rc = -1;
    if (add_lines(&ll, fs, with_module, 1) < 0 ||
        (base && add_lines(&ll, base, with_module, 0) < 0))
        goto out;
    if (ll.n > 1)
        qsort(ll.lines, ll.n, sizeof(*ll.lines), line_cmp);
    for (size_t i = 0; i < ll.n;) {
        uint64_t c0 = 0, c1 = 0;
        size_t j = i;
        for (; j < ll.n && strcmp(ll.lines[j].text, ll.lines[i].text) == 0; j++) {
            c0 += ll.lines[j].count[0];
            c1 += ll.lines[j].count[1];
        }
        if (base)
            fprintf(out, "%s %" PRIu64 " %" PRIu64 "\n", ll.lines[i].text, c0, c1);
        else
            fprintf(out, "%s %" PRIu64 "\n", ll.lines[i].text, c1);
        i = j;
    }
    rc = ferror(out) ? -1 : 0;
out:
    for (size_t i = 0; i < ll.n; i++)
        free(ll.lines[i].text);
    free(ll.lines);
    return rc;
}
