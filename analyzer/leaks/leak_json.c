/*
 * leak_json.c - a leak report as the "bbx-leaks" JSON document (schema in
 * docs/JSON.md, "bbx leaks --json"), for one process or several;
 * leak_json_read.c reads both back (all but the freezes, which bbx diff
 * does not compare).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "json_writer.h"
#include "leak_analyze.h"
#include "path_name.h"
#include "leak_vanished.h"
#include "report.h"

/* What people call the process: its app name, else its executable's. */
static const char *program_of(const leak_report *r)
{
    return r->app ? r->app : path_base_name(r->exe);
}

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

/* One group; `proc` (several processes only, else NULL) names its process,
 * number `index` in processes[]. */
static void group(json_writer *w, const leak_group *g, const leak_report *proc, size_t index)
{
    json_object_begin(w);
    if (proc) {
        json_kv_u64(w, "process", index);
        json_kv_u64(w, "pid", proc->pid);
        json_kv_string(w, "program", program_of(proc));
    }
    json_kv_string(w, "resource", g->resource);
    json_kv_string(w, "kind", g->kind);
    json_kv_u64(w, "count", g->count);
    json_key(w, "growth_per_min");
    json_double(w, round(g->growth_per_min * 1000) / 1000);
    json_kv_u64(w, "first_seen_ms", g->first_seen_ms);
    json_kv_u64(w, "last_seen_ms", g->last_seen_ms);
    json_kv_string(w, "name", g->name);
    leak_origin_write_json(w, g);
    json_key(w, "app_frame");
    if (g->app_frame < g->n_origin)
        json_u64(w, g->app_frame);
    else
        json_null(w);
    char *site = leak_group_site(g);
    json_kv_string(w, "created_at", site);
    free(site);
    json_key(w, "examples");
    json_array_begin(w);
    for (size_t i = 0; i < g->n_examples; i++)
        json_string(w, g->examples[i]);
    json_array_end(w);
    json_kv_string(w, "confidence", g->confidence);
    json_kv_string(w, "why", g->why);
    json_kv_string(w, "signature", g->signature);
    json_kv_string(w, "unit", g->unit);
    json_key(w, "limit");
    if (g->limit) {
        json_object_begin(w);
        json_kv_string(w, "name", g->limit);
        json_kv_u64(w, "bytes", g->limit_bytes);
        json_key(w, "minutes");
        if (g->limit_minutes >= 0)
            json_double(w, round(g->limit_minutes * 10) / 10);
        else
            json_null(w);
        json_object_end(w);
    } else {
        json_null(w);
    }
    json_object_end(w);
}

/* "vanished": the verdict on a process gone without an exit or crash
 * snapshot (leak_vanished.h), or null; written as bbx show writes it. */
static void vanished(json_writer *w, const leak_vanished *v)
{
    report_vanished rv;
    if (v)
        leak_vanished_view(v, &rv);
    report_vanished_json(w, v ? &rv : NULL);
}

/* One freeze; `proc` and `index` as for group(). */
static void freeze(json_writer *w, const leak_freeze *f, const leak_report *proc, size_t index)
{
    json_object_begin(w);
    if (proc) {
        json_kv_u64(w, "process", index);
        json_kv_u64(w, "pid", proc->pid);
        json_kv_string(w, "program", program_of(proc));
    }
    json_kv_u64(w, "tid", f->tid);
    json_kv_string(w, "thread", f->thread);
    json_kv_u64(w, "start_ms", f->start_ms);
    json_kv_u64(w, "duration_ms", f->duration_ms);
    json_key(w, "over");
    json_bool(w, f->over);
    json_kv_string(w, "state", f->state);
    json_kv_u64(w, "cpu_ms", f->cpu_ms);
    json_key(w, "limit_ms");
    if (f->limit_ms)
        json_u64(w, f->limit_ms);
    else
        json_null(w);
    json_object_end(w);
}

/* "not_counted": {"toolkit": N, "suppressed": M} over reports r[n]. */
static void not_counted(json_writer *w, const leak_report *const *r, size_t n)
{
    size_t toolkit = 0, suppressed = 0;
    for (size_t i = 0; i < n; i++) {
        toolkit += r[i]->n_toolkit;
        suppressed += r[i]->n_suppressed;
    }
    json_key(w, "not_counted");
    json_object_begin(w);
    json_kv_u64(w, "toolkit", toolkit);
    json_kv_u64(w, "suppressed", suppressed);
    json_object_end(w);
}

/* "launches": the launch stories of the reports (leak_launch); with a
 * set, each names its process by index and pid. */
static void launches(json_writer *w, const leak_report *const *r, size_t n, int with_process)
{
    json_key(w, "launches");
    json_array_begin(w);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < r[i]->n_launches; k++) {
            const leak_launch *l = &r[i]->launches[k];
            json_object_begin(w);
            if (with_process) {
                json_kv_u64(w, "process", i);
                json_kv_u64(w, "pid", r[i]->pid);
            }
            json_kv_string(w, "kind", l->kind);
            json_kv_string(w, "text", l->text);
            json_kv_u64(w, "count", l->count);
            json_kv_string(w, "function", l->function);
            json_kv_string(w, "file", l->file);
            json_key(w, "line");
            if (l->line)
                json_u64(w, l->line);
            else
                json_null(w);
            json_object_end(w);
        }
    }
    json_array_end(w);
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
    not_counted(&w, &r, 1);
    vanished(&w, r->vanished);
    json_key(&w, "leaks");
    json_array_begin(&w);
    for (size_t i = 0; i < r->n_leaks; i++)
        group(&w, &r->leaks[i], NULL, 0);
    json_array_end(&w);
    json_key(&w, "freezes");
    json_array_begin(&w);
    for (size_t i = 0; i < r->n_freezes; i++)
        freeze(&w, &r->freezes[i], NULL, 0);
    json_array_end(&w);
    launches(&w, &r, 1, 0);
    json_object_end(&w);
    json_finish(&w);
}

static void process(json_writer *w, const leak_report *r)
{
    json_object_begin(w);
    json_kv_u64(w, "pid", r->pid);
    json_kv_string(w, "program", program_of(r));
    json_kv_string(w, "app", r->app);
    json_kv_string(w, "exe", r->exe);
    json_key(w, "start_ms");
    if (r->start_ms)
        json_u64(w, r->start_ms);
    else
        json_null(w);
    json_kv_u64(w, "snapshots", r->n_snapshots);
    json_kv_u64(w, "first_ms", r->first_ms);
    json_kv_u64(w, "last_ms", r->last_ms);
    json_kv_u64(w, "suspects", leak_report_suspects(r));
    not_counted(w, &r, 1);
    vanished(w, r->vanished);
    json_object_end(w);
}

void leak_report_set_write_json(const leak_report_set *set, FILE *out)
{
    json_writer w;
    size_t total = 0;
    uint64_t first = UINT64_MAX, last = 0;
    if (set->n == 1) {
        leak_report_write_json(set->reports[0], out);
        return;
    }
    for (size_t i = 0; i < set->n; i++) {
        const leak_report *r = set->reports[i];
        total += r->n_snapshots;
        first = r->first_ms < first ? r->first_ms : first;
        last = r->last_ms > last ? r->last_ms : last;
    }
    json_init(&w, out, 1);
    json_object_begin(&w);
    json_kv_string(&w, "format", "bbx-leaks");
    json_kv_u64(&w, "version", 1);
    json_kv_string(&w, "app", NULL);
    json_key(&w, "pid");
    json_null(&w);
    json_kv_u64(&w, "snapshots", total);
    json_kv_u64(&w, "first_ms", first);
    json_kv_u64(&w, "last_ms", last);
    not_counted(&w, (const leak_report *const *)set->reports, set->n);
    json_key(&w, "processes");
    json_array_begin(&w);
    for (size_t i = 0; i < set->n; i++)
        process(&w, set->reports[i]);
    json_array_end(&w);
    json_key(&w, "leaks");
    json_array_begin(&w);
    for (size_t i = 0; i < set->n; i++)
        for (size_t k = 0; k < set->reports[i]->n_leaks; k++)
            group(&w, &set->reports[i]->leaks[k], set->reports[i], i);
    json_array_end(&w);
    json_key(&w, "freezes");
    json_array_begin(&w);
    for (size_t i = 0; i < set->n; i++)
        for (size_t k = 0; k < set->reports[i]->n_freezes; k++)
            freeze(&w, &set->reports[i]->freezes[k], set->reports[i], i);
    json_array_end(&w);
    launches(&w, (const leak_report *const *)set->reports, set->n, 1);
    json_object_end(&w);
    json_finish(&w);
}
