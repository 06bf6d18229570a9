/*
 * json_writer.h - writes JSON to a stdio stream, always valid whatever the
 * input bytes: strings are escaped (quotes, backslashes, every control
 * character), invalid UTF-8 becomes U+FFFD, and commas, colons and nesting
 * are managed here so callers cannot get them wrong.
 *
 * The caller owns the json_writer struct (json_init() / nothing to release)
 * and the stream.  Nesting deeper than JSON_MAX_DEPTH is a programming
 * error: the writer then stops writing and json_ok() turns false.
 * Not thread-safe (one writer per stream).
 */
#ifndef BBX_JSON_WRITER_H
#define BBX_JSON_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

typedef struct json_writer {
    FILE *out;
    int pretty;                  /* newlines and two-space indentation */
    int depth;
    int broken;                  /* misuse seen: output stopped */
    int after_key;               /* a key was written, its value is next */
    int top_done;                /* the one top-level value was started */
    unsigned char has_items[JSON_MAX_DEPTH]; /* per level: a value written */
} json_writer;

void json_init(json_writer *w, FILE *out, int pretty);

void json_object_begin(json_writer *w);
void json_object_end(json_writer *w);
void json_array_begin(json_writer *w);
void json_array_end(json_writer *w);

/* The key of the next member (inside an object). */
void json_key(json_writer *w, const char *key);

/* Values.  json_string(NULL) writes null; json_string_n() takes a length
 * (embedded NULs are escaped). */
void json_string(json_writer *w, const char *s);
void json_string_n(json_writer *w, const char *s, size_t n);
void json_u64(json_writer *w, uint64_t v);
void json_i64(json_writer *w, int64_t v);
void json_double(json_writer *w, double v);     /* %.15g; null if not finite */
void json_bool(json_writer *w, int v);
void json_null(json_writer *w);
void json_hex(json_writer *w, uint64_t v);      /* "0x1f" */
void json_millis(json_writer *w, uint64_t us);  /* us / 1000 as 12.345 */
void json_hex_bytes(json_writer *w, const uint8_t *p, size_t n); /* "01ab.." */

/* A key and a string/number/... value in one call. */
void json_kv_string(json_writer *w, const char *key, const char *s);
void json_kv_u64(json_writer *w, const char *key, uint64_t v);
void json_kv_bool(json_writer *w, const char *key, int v);
void json_kv_hex(json_writer *w, const char *key, uint64_t v);

/* Finish: a final newline, then whether everything went well (no misuse,
 * no unclosed nesting, no stream error).  1 or 0. */
int json_finish(json_writer *w);

#endif
