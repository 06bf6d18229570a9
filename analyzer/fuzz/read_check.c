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
    snap_free(s);
}
