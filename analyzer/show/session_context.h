/*
 * session_context.h - the session of a snapshot as data: the "session"
 * object of the JSON (docs/JSON.md), and the flat list of context items
 * that `bbx show --context A B` compares between two snapshots.
 */
#ifndef BBX_SESSION_CONTEXT_H
#define BBX_SESSION_CONTEXT_H

#include <stddef.h>

#include "json_writer.h"
#include "snap_reader.h"

/* "session": {...}, or null without a SESSION record. */
void session_json(json_writer *w, const snap *s);

/* One item of a snapshot's context: "env DISPLAY" = ":0", "uid" = "1000",
 * "gl module libGLX_mesa.so.0" = "GLX vendor: Mesa", ... */
typedef struct context_item {
    char *key, *value;
} context_item;

typedef struct context_items {
    context_item *v;
    size_t n, cap;
} context_items;

/* The context of s (the session, the kernel and the drawing modules),
 * sorted by key.  0, or -1 when memory ran out.  Free with
 * context_items_free(). */
int context_items_of(const snap *s, context_items *out);
void context_items_free(context_items *c);

#endif
