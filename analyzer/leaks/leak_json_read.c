/*
 * leak_json_read.c - `bbx leaks --json` text to a leak_report, with jansson
 * doing the parsing and this file checking every field's type.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "err_text.h"
#include "input_file.h"
#include "leak_json_read.h"

/* Where in the document the reader is, for messages: "leaks[3].origin". */
typedef struct json_ctx {
    char *err;
    size_t errlen;
    int failed;
} json_ctx;

static void fail(json_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(json_ctx *c, const char *fmt, ...)
{
    if (c->failed)
        return;
    c->failed = 1;
    va_list ap;
    va_start(ap, fmt);
    err_text_vset(c->err, c->errlen, fmt, ap);
    va_end(ap);
    /* Strings from the input (a format value, jansson's quote of the text
     * near a syntax error) may hold control characters: one line, always. */
    for (char *p = c->err; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "something else";
}

/* An optional string member: missing or null leaves *out NULL.  Returns 0
 * on success. */
static int get_string(json_ctx *c, const json_t *obj, const char *where, const char *key,
                      int required, char **out)
{
    const json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required)
            fail(c, "%s%s%s: missing (expected a string)", where, *where ? "." : "", key);
        return required ? -1 : 0;
    }
    if (!json_is_string(v)) {
        fail(c, "%s%s%s: expected a string, not %s", where, *where ? "." : "", key,
             type_name(v));
        return -1;
    }
    if (!(*out = strdup(json_string_value(v)))) {
        fail(c, "out of memory");
        return -1;
    }
    return 0;
}

static int get_u64(json_ctx *c, const json_t *obj, const char *where, const char *key,
                   int required, uint64_t *out)
{
    const json_t *v = json_object_get(obj, key);
    *out = 0;
    if (!v || json_is_null(v)) {
        if (required)
            fail(c, "%s%s%s: missing (expected an integer)", where, *where ? "." : "", key);
        return required ? -1 : 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0) {
        fail(c, "%s%s%s: expected an integer >= 0, not %s", where, *where ? "." : "", key,
             json_is_integer(v) ? "a negative one" : type_name(v));
        return -1;
    }
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

static int get_number(json_ctx *c, const json_t *obj, const char *where, const char *key,
                      double *out)
{
    const json_t *v = json_object_get(obj, key);
    *out = 0;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_number(v)) {
        fail(c, "%s.%s: expected a number, not %s", where, key, type_name(v));
        return -1;
    }
    *out = json_number_value(v);
    return 0;
}

static int read_frame(json_ctx *c, const json_t *v, const char *where, leak_frame *f)
{
    if (!json_is_object(v)) {
        fail(c, "%s: expected an object, not %s", where, type_name(v));
        return -1;
    }
    if (get_string(c, v, where, "function", 0, &f->function) < 0 ||
        get_string(c, v, where, "file", 0, &f->file) < 0 ||
        get_u64(c, v, where, "line", 0, &f->line) < 0 ||
        get_string(c, v, where, "module", 0, &f->module) < 0)
        return -1;
    return 0;
}

/* "key" must be an array when present (or when required); *out is NULL
 * when it is missing or null. */
static int get_array(json_ctx *c, const json_t *obj, const char *where, const char *key,
                     int required, const json_t **out)
{
    const json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || (!required && json_is_null(v))) {
        if (required)
            fail(c, "%s%s%s: missing (expected an array)", where, *where ? "." : "", key);
        return required ? -1 : 0;
    }
    if (!json_is_array(v)) {
        fail(c, "%s%s%s: expected an array, not %s", where, *where ? "." : "", key,
             type_name(v));
        return -1;
    }
    *out = v;
    return 0;
}

static int read_group(json_ctx *c, const json_t *v, const char *where, leak_group *g)
{
    char at[96];
    const json_t *origin, *examples;
    if (!json_is_object(v)) {
        fail(c, "%s: expected an object, not %s", where, type_name(v));
        return -1;
    }
    if (get_string(c, v, where, "resource", 1, &g->resource) < 0 ||
        get_string(c, v, where, "kind", 1, &g->kind) < 0 ||
        get_u64(c, v, where, "count", 1, &g->count) < 0 ||
        get_number(c, v, where, "growth_per_min", &g->growth_per_min) < 0 ||
        get_u64(c, v, where, "first_seen_ms", 0, &g->first_seen_ms) < 0 ||
        get_u64(c, v, where, "last_seen_ms", 0, &g->last_seen_ms) < 0 ||
        get_string(c, v, where, "name", 0, &g->name) < 0 ||
        get_string(c, v, where, "confidence", 0, &g->confidence) < 0 ||
        get_string(c, v, where, "why", 0, &g->why) < 0 ||
        get_array(c, v, where, "origin", 1, &origin) < 0 ||
        get_array(c, v, where, "examples", 0, &examples) < 0)
        return -1;
    size_t n = json_array_size(origin);
    const json_t *app = json_object_get(v, "app_frame"); /* optional; null: none */
    g->app_frame = SIZE_MAX;
    if (app && json_is_integer(app) && json_integer_value(app) >= 0 &&
        (uint64_t)json_integer_value(app) < n)
        g->app_frame = (size_t)json_integer_value(app);
    else if (app && !json_is_null(app)) {
        fail(c, "%s.app_frame: expected an index into origin or null", where);
        return -1;
    }
    if (n && !(g->origin = calloc(n, sizeof(*g->origin)))) {
        fail(c, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(at, sizeof(at), "%s.origin[%zu]", where, i);
        g->n_origin = i + 1;
        if (read_frame(c, json_array_get(origin, i), at, &g->origin[i]) < 0)
            return -1;
    }
    n = json_array_size(examples);
    if (n && !(g->examples = calloc(n, sizeof(*g->examples)))) {
        fail(c, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(examples, i);
        if (!json_is_string(e)) {
            fail(c, "%s.examples[%zu]: expected a string, not %s", where, i, type_name(e));
            return -1;
        }
        if (!(g->examples[i] = strdup(json_string_value(e)))) {
            fail(c, "out of memory");
            return -1;
        }
        g->n_examples = i + 1;
    }
    if (!(g->signature = leak_signature(g))) {
        fail(c, "out of memory");
        return -1;
    }
    return 0;
}

static int read_report(json_ctx *c, const json_t *root, leak_report *r)
{
    char *format = NULL;
    uint64_t version, n_snapshots;
    const json_t *leaks;
    char at[64];
    if (!json_is_object(root)) {
        fail(c, "expected a JSON object at the top level, not %s", type_name(root));
        return -1;
    }
    if (get_string(c, root, "", "format", 1, &format) < 0)
        return -1;
    if (strcmp(format, "bbx-leaks") != 0) {
        fail(c, "format: \"%.64s\" is not \"bbx-leaks\" (not a bbx leaks report)", format);
        free(format);
        return -1;
    }
    free(format);
    if (get_u64(c, root, "", "version", 1, &version) < 0)
        return -1;
    if (version != 1) {
        fail(c, "unsupported version %llu (this bbx reads version 1)",
             (unsigned long long)version);
        return -1;
    }
    if (get_string(c, root, "", "app", 0, &r->app) < 0 ||
        get_u64(c, root, "", "pid", 0, &r->pid) < 0 ||
        get_u64(c, root, "", "snapshots", 0, &n_snapshots) < 0 ||
        get_u64(c, root, "", "first_ms", 0, &r->first_ms) < 0 ||
        get_u64(c, root, "", "last_ms", 0, &r->last_ms) < 0 ||
        get_array(c, root, "", "leaks", 1, &leaks) < 0)
        return -1;
    r->n_snapshots = (size_t)n_snapshots;
    size_t n = json_array_size(leaks);
    if (n && !(r->leaks = calloc(n, sizeof(*r->leaks)))) {
        fail(c, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(at, sizeof(at), "leaks[%zu]", i);
        r->n_leaks = i + 1;
        if (read_group(c, json_array_get(leaks, i), at, &r->leaks[i]) < 0)
            return -1;
    }
    return 0;
}

leak_report *leak_json_parse(const char *text, size_t len, char *err, size_t errlen)
{
    json_ctx c = { err, errlen, 0 };
    json_error_t je;
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n'))
        i++;
    if (i == len) {
        fail(&c, len ? "no JSON (only white space)" : "empty file");
        return NULL;
    }
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        fail(&c, "not valid JSON: %s (line %d, column %d)", je.text, je.line, je.column);
        return NULL;
    }
    leak_report *r = calloc(1, sizeof(*r));
    if (!r) {
        json_decref(root);
        fail(&c, "out of memory");
        return NULL;
    }
    if (read_report(&c, root, r) < 0) {
        leak_report_free(r);
        r = NULL;
    }
    json_decref(root);
    return r;
}

leak_report *leak_json_read_file(const char *path, char *err, size_t errlen)
{
    struct stat st;
    FILE *f = input_fopen(path, err, errlen); /* regular files only, never blocks */
    if (!f)
        return NULL;
    if (fstat(fileno(f), &st) != 0) {
        err_text_set(err, errlen, "cannot stat: %s", strerror(errno));
        fclose(f);
        return NULL;
    }
    if ((uint64_t)st.st_size > LEAK_JSON_MAX_BYTES) {
        err_text_set(err, errlen, "too large for a leak report (%llu bytes, limit %zu MiB)",
                     (unsigned long long)st.st_size, LEAK_JSON_MAX_BYTES >> 20);
        fclose(f);
        return NULL;
    }
    /* Read to the end, at most the limit, whatever size fstat said. */
    size_t cap = (size_t)st.st_size + 1, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - len, f);
        if (len < cap || ferror(f))
            break;
        if (cap > LEAK_JSON_MAX_BYTES) {
            err_text_set(err, errlen, "too large for a leak report (limit %zu MiB)",
                         LEAK_JSON_MAX_BYTES >> 20);
            free(buf);
            fclose(f);
            return NULL;
        }
        char *more = realloc(buf, cap * 2);
        if (!more) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = more;
        cap *= 2;
    }
    if (!buf) {
        err_text_set(err, errlen, "out of memory");
        fclose(f);
        return NULL;
    }
    if (ferror(f)) {
        err_text_set(err, errlen, "cannot read: %s", strerror(errno));
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    leak_report *r = leak_json_parse(buf, len, err, errlen);
    free(buf);
    return r;
}
