/*
 * json_writer.c - streaming JSON output with escaping and structure.
 */
#include "json_writer.h"

#include <inttypes.h>
#include <string.h>

#include "utf8.h"

void json_init(json_writer *w, FILE *out, int pretty)
{
    memset(w, 0, sizeof(*w));
    w->out = out;
    w->pretty = pretty;
}

static void newline(json_writer *w)
{
    if (!w->pretty)
        return;
    fputc('\n', w->out);
    for (int i = 0; i < w->depth; i++)
        fputs("  ", w->out);
}

/* Before any value or key: the separator from the previous item. */
static int before_item(json_writer *w)
{
    if (w->broken)
        return 0;
    if (w->after_key) {
        w->after_key = 0;
        return 1;
    }
    if (w->depth == 0) {
        if (w->top_done) {
            w->broken = 1; /* JSON text holds one value */
            return 0;
        }
        w->top_done = 1;
    } else {
        if (w->has_items[w->depth - 1])
            fputc(',', w->out);
        w->has_items[w->depth - 1] = 1;
        newline(w);
    }
    return 1;
}

static void open_level(json_writer *w, int c)
{
    if (!before_item(w))
        return;
    if (w->depth == JSON_MAX_DEPTH) {
        w->broken = 1;
        return;
    }
    fputc(c, w->out);
    w->has_items[w->depth++] = 0;
}

static void close_level(json_writer *w, int c)
{
    if (w->broken)
        return;
    if (w->depth == 0 || w->after_key) {
        w->broken = 1;
        return;
    }
    int had = w->has_items[--w->depth];
    if (had)
        newline(w);
    fputc(c, w->out);
}

void json_object_begin(json_writer *w) { open_level(w, '{'); }
void json_object_end(json_writer *w) { close_level(w, '}'); }
void json_array_begin(json_writer *w) { open_level(w, '['); }
void json_array_end(json_writer *w) { close_level(w, ']'); }

static void put_escaped(FILE *out, const char *s, size_t n)
{
    const uint8_t *p = (const uint8_t *)s, *end = p + n;
    fputc('"', out);
    while (p < end) {
        uint32_t cp;
        size_t len = utf8_decode(p, (size_t)(end - p), &cp);
        if (len == 0) {
            fputs("\\ufffd", out);
            p++;
            continue;
        }
        switch (cp) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\b': fputs("\\b", out); break;
        case '\f': fputs("\\f", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (cp < 0x20 || cp == 0x7f)
                fprintf(out, "\\u%04x", (unsigned)cp);
            else
                fwrite(p, 1, len, out);
            break;
        }
        p += len;
    }
    fputc('"', out);
}

void json_key(json_writer *w, const char *key)
{
    if (w->after_key || w->depth == 0) {
        w->broken = 1;
        return;
    }
    if (!before_item(w))
        return;
    put_escaped(w->out, key, strlen(key));
    fputs(w->pretty ? ": " : ":", w->out);
    w->after_key = 1;
}

void json_string_n(json_writer *w, const char *s, size_t n)
{
    if (before_item(w))
        put_escaped(w->out, s, n);
}

void json_string(json_writer *w, const char *s)
{
    if (!s)
        json_null(w);
    else
        json_string_n(w, s, strlen(s));
}

void json_u64(json_writer *w, uint64_t v)
{
    if (before_item(w))
        fprintf(w->out, "%" PRIu64, v);
}

void json_i64(json_writer *w, int64_t v)
{
    if (before_item(w))
        fprintf(w->out, "%" PRId64, v);
}

void json_double(json_writer *w, double v)
{
    if (!before_item(w))
        return;
    if (v != v || v > 1e300 || v < -1e300)
        fputs("null", w->out); /* NaN and infinities are not JSON */
    else
        fprintf(w->out, "%.15g", v == 0 ? 0.0 : v); /* no "-0" */
}

void json_bool(json_writer *w, int v)
{
    if (before_item(w))
        fputs(v ? "true" : "false", w->out);
}

void json_null(json_writer *w)
{
    if (before_item(w))
        fputs("null", w->out);
}

void json_hex(json_writer *w, uint64_t v)
{
    if (before_item(w))
        fprintf(w->out, "\"0x%" PRIx64 "\"", v);
}

void json_millis(json_writer *w, uint64_t us)
{
    if (before_item(w))
        fprintf(w->out, "%" PRIu64 ".%03u", us / 1000, (unsigned)(us % 1000));
}

void json_hex_bytes(json_writer *w, const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    if (!before_item(w))
        return;
    fputc('"', w->out);
    for (size_t i = 0; i < n; i++) {
        fputc(digits[p[i] >> 4], w->out);
        fputc(digits[p[i] & 15], w->out);
    }
    fputc('"', w->out);
}

void json_kv_string(json_writer *w, const char *key, const char *s)
{
    json_key(w, key);
    json_string(w, s);
}

void json_kv_u64(json_writer *w, const char *key, uint64_t v)
{
    json_key(w, key);
    json_u64(w, v);
}

void json_kv_bool(json_writer *w, const char *key, int v)
{
    json_key(w, key);
    json_bool(w, v);
}

void json_kv_hex(json_writer *w, const char *key, uint64_t v)
{
    json_key(w, key);
    json_hex(w, v);
}

int json_finish(json_writer *w)
{
    if (!w->broken && w->depth == 0)
        fputc('\n', w->out);
    return !w->broken && w->depth == 0 && !w->after_key && !ferror(w->out);
}
