/*
 * source_lines.c - a small cache of source files read whole, with an index
 * of their line starts (source_lines.h).
 */
#include "source_lines.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct source_file {
    char *path;
    char *data;          /* NULL: could not be read (remembered as such) */
    size_t size;
    size_t *starts;      /* offset of each line's first byte */
    size_t n_lines;
} source_file;

struct source_cache {
    source_file files[SOURCE_CACHE_FILES];
    size_t n_files;
};

source_cache *source_cache_new(void)
{
    return calloc(1, sizeof(source_cache));
}

void source_cache_free(source_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_files; i++) {
        free(c->files[i].path);
        free(c->files[i].data);
        free(c->files[i].starts);
    }
    free(c);
}

/* Read a regular file of at most SOURCE_FILE_MAX bytes.  0 or -1. */
static int read_file(source_file *f)
{
    struct stat st;
    int fd = open(f->path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < 0 ||
        (uint64_t)st.st_size > SOURCE_FILE_MAX || !(f->data = malloc((size_t)st.st_size + 1))) {
        close(fd);
        return -1;
    }
    size_t got = 0, want = (size_t)st.st_size;
    while (got < want) {
        ssize_t r = read(fd, f->data + got, want - got);
        if (r <= 0)
            break; /* shorter than fstat said: keep what was read */
        got += (size_t)r;
    }
    close(fd);
    f->size = got;
    return 0;
}

/* Index the line starts of f.  0 or -1. */
static int index_lines(source_file *f)
{
    size_t n = 1;
    for (size_t i = 0; i < f->size; i++)
        n += f->data[i] == '\n';
    if (!(f->starts = malloc(n * sizeof(*f->starts))))
        return -1;
    f->starts[0] = 0;
    f->n_lines = 1;
    for (size_t i = 0; i < f->size; i++)
        if (f->data[i] == '\n')
            f->starts[f->n_lines++] = i + 1;
    /* A final newline does not start another line. */
    if (f->n_lines > 1 && f->starts[f->n_lines - 1] == f->size)
        f->n_lines--;
    return 0;
}

static source_file *lookup(source_cache *c, const char *path)
{
    for (size_t i = 0; i < c->n_files; i++)
        if (strcmp(c->files[i].path, path) == 0)
            return &c->files[i];
    if (c->n_files == SOURCE_CACHE_FILES)
        return NULL;
    source_file *f = &c->files[c->n_files];
    memset(f, 0, sizeof(*f));
    if (!(f->path = strdup(path)))
        return NULL;
    c->n_files++;
    if (read_file(f) < 0 || index_lines(f) < 0) {
        free(f->data);
        f->data = NULL;
        f->n_lines = 0;
    }
    return f;
}

int source_line(source_cache *c, const char *path, unsigned line, const char **text,
                size_t *len)
{
    if (!c || !path || path[0] != '/' || line == 0)
        return 0;
    source_file *f = lookup(c, path);
    if (!f || !f->data || line > f->n_lines)
        return 0;
    size_t start = f->starts[line - 1];
    size_t end = line < f->n_lines ? f->starts[line] : f->size;
    while (end > start && (f->data[end - 1] == '\n' || f->data[end - 1] == '\r'))
        end--;
    *text = f->data + start;
    *len = end - start;
    return 1;
}
