/*
 * read_check.c - reads one input and checks the reader's and the
 * renderers' promises (see read_check.h).
 */
#include "read_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_check.h"
#include "report.h"
#include "snap_reader.h"

static void broken(const char *what)
{
    fprintf(stderr, "read_check: broken promise: %s\n", what);
    abort();
}

/* Read with SNAP_READ_RAW_FRAMES (bbx flame's mode): the same threads, and
 * every stack decodes to what the plain read decoded. */
static void raw_frames_check(const uint8_t *data, size_t size, const snap *plain)
{
    char err[256] = "";
    static uint64_t pcs[SNAP_READ_MAX_FRAMES];
    snap *s = snap_read_buffer_flags(data, size, SNAP_READ_RAW_FRAMES, err, sizeof(err));
    if (!s)
        broken("a raw-frames read failed where the plain one succeeded");
    if (s->n_threads != plain->n_threads)
        broken("a raw-frames read has another thread count");
    for (size_t i = 0; i < s->n_threads; i++) {
        const snap_thread *r = &s->threads[i], *t = &plain->threads[i];
        if (r->frames)
            broken("a raw-frames read decoded frames");
        if (!r->frames_raw)
            continue; /* no FRAMES field */
        long n = snap_frames_decode(r->frames_raw, r->frames_raw_len, pcs,
                                    SNAP_READ_MAX_FRAMES, NULL);
        if (n >= 0 && ((size_t)n != t->n_frames ||
                       (n && memcmp(pcs, t->frames, (size_t)n * sizeof(*pcs)) != 0)))
            broken("raw frames decode to other pcs than the plain read");
    }
    snap_free(s);
}

void read_check(const uint8_t *data, size_t size)
{
    char err[256] = "";
    char *json = NULL;
    size_t json_len = 0, where;
    snap *s = snap_read_buffer(data, size, err, sizeof(err));
    if (!s) {
        if (!err[0] || strchr(err, '\n'))
            broken("NULL without a one-line reason");
        return;
    }
    if (s->complete != (s->incomplete_why == NULL))
        broken("complete and incomplete_why disagree");
    if (s->incomplete_why && strchr(s->incomplete_why, '\n'))
        broken("incomplete_why is not one line");

    FILE *mem = open_memstream(&json, &json_len);
    if (!mem)
        abort();
    if (report_json(mem, s, 0, NULL) < 0)
        broken("report_json failed on a memory stream");
    fclose(mem);
    if (!json_check(json, json_len, &where)) {
        fprintf(stderr, "read_check: invalid JSON at byte %zu of %zu\n", where, json_len);
        broken("report_json wrote invalid JSON");
    }
    free(json);

    FILE *null = fopen("/dev/null", "w");
    if (!null)
        abort();
    if (report_text(null, s, NULL) < 0)
        broken("report_text failed on /dev/null");
    fclose(null);
    raw_frames_check(data, size, s);
    snap_free(s);
}
