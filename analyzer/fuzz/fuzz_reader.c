/*
 * fuzz_reader.c - libFuzzer target over the snapshot reader and both
 * renderers.  Besides "no crash, no leak, no hang", it checks the promises:
 * NULL comes with a one-line reason; complete and incomplete_why agree; the
 * JSON rendering is valid JSON.  Built with fuzz_replay.c it is a plain
 * program that replays a corpus (the ctest), without libFuzzer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_check.h"
#include "report.h"
#include "snap_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *what)
{
    fprintf(stderr, "fuzz_reader: broken promise: %s\n", what);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256] = "";
    char *json = NULL;
    size_t json_len = 0, where;
    snap *s = snap_read_buffer(data, size, err, sizeof(err));
    if (!s) {
        if (!err[0] || strchr(err, '\n'))
            broken("NULL without a one-line reason");
        return 0;
    }
    if (s->complete != (s->incomplete_why == NULL))
        broken("complete and incomplete_why disagree");

    FILE *mem = open_memstream(&json, &json_len);
    if (!mem)
        abort();
    if (report_json(mem, s, 0) < 0)
        broken("report_json failed on a memory stream");
    fclose(mem);
    if (!json_check(json, json_len, &where)) {
        fprintf(stderr, "fuzz_reader: invalid JSON at byte %zu of %zu\n", where, json_len);
        broken("report_json wrote invalid JSON");
    }
    free(json);

    FILE *null = fopen("/dev/null", "w");
    if (!null)
        abort();
    if (report_text(null, s) < 0)
        broken("report_text failed on /dev/null");
    fclose(null);
    snap_free(s);
    return 0;
}
