/*
 * source_lines.h - lines of source files on this machine, for `bbx report`
 * to show the code of a crashing frame under it.
 *
 * Only absolute paths of regular files up to SOURCE_FILE_MAX bytes are
 * read (never a device, fifo or directory, which a debug-info path could
 * name), each file once: the cache keeps up to SOURCE_CACHE_FILES files.
 * Text is returned as it is in the file: the caller escapes it.
 *
 * Ownership: the cache is the caller's (source_cache_free(), NULL is a
 * no-op) and owns the lines it returns.  Not thread-safe.
 */
#ifndef BBX_SOURCE_LINES_H
#define BBX_SOURCE_LINES_H

#include <stddef.h>

#define SOURCE_FILE_MAX (4u << 20)
#define SOURCE_CACHE_FILES 64

typedef struct source_cache source_cache;

/* NULL when out of memory. */
source_cache *source_cache_new(void);
void source_cache_free(source_cache *c);

/*
 * Line `line` (1-based) of file `path`: stores its start in *text (out, not
 * NUL-terminated, without the newline) and its length in *len and returns
 * 1; returns 0 when the file cannot be read (or is not one this module
 * reads) or has no such line.
 */
int source_line(source_cache *c, const char *path, unsigned line, const char **text,
                size_t *len);

#endif
