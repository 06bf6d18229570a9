/*
 * leak_json.c - a leak report as the "bbx-leaks" JSON document (schema in
 * docs/JSON.md, "bbx leaks --json"); leak_json_read.c reads it back.
 */
#include <math.h>

#include "json_writer.h"
#include "leak_analyze.h"

static void frame(json_writer *w, const leak_frame *f)
{
    json_object_begin(w);
    json_kv_string(w, "function", f->function);
    json_kv_string(w, "file", f->file);
    json_key(w, "line");
    if (f->line)
        json_u64(w, f->line);
    else
        json_null(w);
    json_kv_string(w, "module", f->module);
    json_object_end(w);
}

void leak_origin_write_json(json_writer *w, const leak_group *g)
{
    json_key(w, "origin");
    json_array_begin(w);
    for (size_t i = 0; i < g->n_origin; i++)
        frame(w, &g->origin[i]);
    json_array_end(w);
}

static void group(json_writer *w, const leak_group *g)
{
    json_object_begin(w);
    json_kv_string(w, "resource", g->resource);
    json_kv_string(w, "kind", g->kind);
    json_kv_u64(w, "count", g->count);
    json_key(w, "growth_per_min");
    json_double(w, round(g->growth_per_min * 1000) / 1000);
    json_kv_u64(w, "first_seen_ms", g->first_seen_ms);
    json_kv_u64(w, "last_seen_ms", g->last_seen_ms);
    json_kv_string(w, "name", g->name);
    leak_origin_write_json(w, g);
    json_key(w, "examples");
    json_array_begin(w);
    for (size_t i = 0; i < g->n_examples; i++)
        json_string(w, g->examples[i]);
    json_array_end(w);
    json_kv_string(w, "confidence", g->confidence);
    json_kv_string(w, "why", g->why);
    json_kv_string(w, "signature", g->signature);
    json_object_end(w);
}

void leak_report_write_json(const leak_report *r, FILE *out)
{
    json_writer w;
    json_init(&w, out, 1);
    json_object_begin(&w);
    json_kv_string(&w, "format", "bbx-leaks");
    json_kv_u64(&w, "version", 1);
    json_kv_string(&w, "app", r->app);
    json_kv_u64(&w, "pid", r->pid);
    json_kv_u64(&w, "snapshots", r->n_snapshots);
    json_kv_u64(&w, "first_ms", r->first_ms);
    json_kv_u64(&w, "last_ms", r->last_ms);
    json_key(&w, "leaks");
    json_array_begin(&w);
    for (size_t i = 0; i < r->n_leaks; i++)
        group(&w, &r->leaks[i]);
    json_array_end(&w);
    json_object_end(&w);
    json_finish(&w);
}
