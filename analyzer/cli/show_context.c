/*
 * show_context.c - `bbx show --context A [B]` (show_context.h).
 */
#include "show_context.h"

#include <string.h>

#include "json_writer.h"
#include "report.h"
#include "session_context.h"

/* Variables whose value changes with every start, compared by presence. */
static const char *const per_run[] = {
    "env INVOCATION_ID", "env JOURNAL_STREAM", "env SYSTEMD_EXEC_PID",
    "env GIO_LAUNCHED_DESKTOP_FILE_PID", "env DESKTOP_STARTUP_ID", "env XDG_ACTIVATION_TOKEN",
};

static const char *value_of(const context_item *it)
{
    for (size_t i = 0; i < sizeof(per_run) / sizeof(per_run[0]); i++)
        if (strcmp(it->key, per_run[i]) == 0)
            return "(set)";
    return it->value;
}

static void put_text(FILE *out, const char *s)
{
    report_put_safe(out, s, strlen(s));
}

static void one_text(FILE *out, const char *path, const context_items *c)
{
    fputs("context of ", out);
    put_text(out, path);
    fputs(":\n", out);
    for (size_t i = 0; i < c->n; i++) {
        fputs("  ", out);
        put_text(out, c->v[i].key);
        fputs(": ", out);
        put_text(out, c->v[i].value);
        fputc('\n', out);
    }
}

static void one_json(json_writer *w, const context_items *c)
{
    json_key(w, "context");
    json_object_begin(w);
    for (size_t i = 0; i < c->n; i++)
        json_kv_string(w, c->v[i].key, c->v[i].value);
    json_object_end(w);
}

/* One difference: a NULL side is "not there". */
static void diff_text(FILE *out, const char *key, const char *va, const char *vb)
{
    fputs(va && vb ? "  differs    " : va ? "  only in A  " : "  only in B  ", out);
    put_text(out, key);
    fputs(": ", out);
    put_text(out, va ? va : "(not set)");
    fputs(" -> ", out);
    put_text(out, vb ? vb : "(not set)");
    fputc('\n', out);
}

static void diff_json(json_writer *w, const char *key, const char *va, const char *vb)
{
    json_object_begin(w);
    json_kv_string(w, "key", key);
    json_kv_string(w, "a", va);
    json_kv_string(w, "b", vb);
    json_object_end(w);
}

/* Walk both sorted lists; emit each difference; the count of equal items. */
static size_t walk(FILE *out, json_writer *w, const context_items *a, const context_items *b,
                   size_t *differ)
{
    size_t i = 0, j = 0, same = 0;
    *differ = 0;
    while (i < a->n || j < b->n) {
        int c = i >= a->n ? 1 : j >= b->n ? -1 : strcmp(a->v[i].key, b->v[j].key);
        const char *key = c <= 0 ? a->v[i].key : b->v[j].key;
        const char *va = c <= 0 ? value_of(&a->v[i]) : NULL;
        const char *vb = c >= 0 ? value_of(&b->v[j]) : NULL;
        if (va && vb && strcmp(va, vb) == 0) {
            same++;
        } else {
            (*differ)++;
            if (w)
                diff_json(w, key, va, vb);
            else
                diff_text(out, key, va, vb);
        }
        i += c <= 0;
        j += c >= 0;
    }
    return same;
}

int show_context(FILE *out, const char *path_a, const snap *a, const char *path_b,
                 const snap *b, int json)
{
    context_items ca, cb = { 0 };
    json_writer w;
    size_t differ = 0;
    if (context_items_of(a, &ca) < 0 || (b && context_items_of(b, &cb) < 0)) {
        context_items_free(&ca);
        return -1;
    }
    if (json) {
        json_init(&w, out, 1);
        json_object_begin(&w);
        json_kv_string(&w, "a", path_a);
        json_kv_bool(&w, "a_has_session", a->session.present);
        if (!b) {
            one_json(&w, &ca);
        } else {
            json_kv_string(&w, "b", path_b);
            json_kv_bool(&w, "b_has_session", b->session.present);
            json_key(&w, "differences");
            json_array_begin(&w);
            size_t same = walk(out, &w, &ca, &cb, &differ);
            json_array_end(&w);
            json_kv_u64(&w, "same", same);
        }
        json_object_end(&w);
        json_finish(&w);
    } else if (!b) {
        one_text(out, path_a, &ca);
        if (!a->session.present)
            fputs("  (no SESSION record: a collector before format 1.5)\n", out);
    } else {
        fputs("context: A ", out);
        put_text(out, path_a);
        fputs("\n     vs. B ", out);
        put_text(out, path_b);
        fputc('\n', out);
        size_t same = walk(out, NULL, &ca, &cb, &differ);
        if (!a->session.present || !b->session.present)
            fprintf(out, "  (%s has no SESSION record: a collector before format 1.5)\n",
                    !a->session.present ? "A" : "B");
        fprintf(out, "%zu %s, %zu the same\n", differ, differ == 1 ? "difference" : "differences",
                same);
    }
    context_items_free(&ca);
    context_items_free(&cb);
    return differ ? 1 : 0;
}
