/*
 * leak_text.c - a leak report for people: a line per freeze of a watched
 * thread, one block per suspect, most important first (the report's
 * order), then a summary line; a set of
 * several processes as each process's report in turn, between a line that
 * names the processes and one that names those with suspects.  Strings from
 * the snapshots go through report_put_safe(), so hostile files cannot drive
 * the terminal.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "leak_analyze.h"
#include "leak_memory.h"
#include "path_name.h"
#include "report.h"

static void put(FILE *out, const char *s, const char *missing)
{
    if (s)
        report_put_safe(out, s, strlen(s));
    else
        fputs(missing, out);
}

/* A duration in ms as "12.3 s", "5.2 min" or "3.1 h". */
static void fmt_span(char *buf, size_t len, uint64_t ms)
{
    if (ms < 60000)
        snprintf(buf, len, "%.1f s", (double)ms / 1000);
    else if (ms < 120 * 60000ull)
        snprintf(buf, len, "%.1f min", (double)ms / 60000);
    else
        snprintf(buf, len, "%.1f h", (double)ms / 3600000);
}

static void group(FILE *out, const leak_group *g, size_t number)
{
    char first[64], last[64];
    fprintf(out, "\n#%zu [%s] ", number, g->confidence ? g->confidence : "?");
    put(out, g->resource, "?");
    if (!g->kind || !g->resource || strcmp(g->kind, g->resource) != 0) {
        fputc(' ', out);
        put(out, g->kind, "?");
    }
    if (g->name) {
        fputs(" ", out);
        put(out, g->name, "");
    }
    if (g->unit && strcmp(g->unit, "KiB") == 0) {
        char end[32], rate[32];
        mem_fmt_kib(end, sizeof(end), (double)g->count);
        mem_fmt_kib(rate, sizeof(rate), g->growth_per_min);
        fprintf(out, ": %s at the end, %s%s/min\n", end, g->growth_per_min >= 0 ? "+" : "",
                rate);
    } else {
        fprintf(out, ": %" PRIu64 " at the end, %+.3g/min\n", g->count, g->growth_per_min);
    }
    report_fmt_time(first, sizeof(first), g->first_seen_ms);
    report_fmt_time(last, sizeof(last), g->last_seen_ms);
    fprintf(out, "   seen %s to %s\n   ", first, last);
    put(out, g->why, "");
    fputc('\n', out);
    char *site = leak_group_site(g);
    if (site) {
        fputs("   created at: ", out);
        put(out, site, "");
        fputc('\n', out);
        free(site);
    }
    if (g->n_origin) {
        fputs("   stack:\n", out);
        for (size_t i = 0; i < g->n_origin; i++) {
            const leak_frame *f = &g->origin[i];
            fputs("     ", out);
            put(out, f->function, "??");
            if (f->file) {
                fputs(" (", out);
                put(out, f->file, "");
                fprintf(out, ":%" PRIu64 ")", f->line);
            }
            fputs(" [", out);
            put(out, f->module, "?");
            fputs("]\n", out);
        }
    } else if (g->resource && strcmp(g->resource, "memory") == 0) {
        /* memory of a kind: no stack (bbx flame --what heap has the heap's) */
    } else if (g->resource && strcmp(g->resource, "x11") == 0) {
        fputs("   created at: unknown (the X server counts a client's resources, it does not "
              "record who made them)\n", out);
    } else if (g->resource && strcmp(g->resource, "child") != 0) {
        fputs("   created at: unknown (no creation stack: tracking off, or open before it "
              "started)\n", out);
    }
    if (g->n_examples) {
        fputs("   examples: ", out);
        for (size_t i = 0; i < g->n_examples; i++) {
            if (i)
                fputs("; ", out);
            put(out, g->examples[i], "");
        }
        fputc('\n', out);
    }
}

/* freeze: thread 7717 "gtk-app" stopped answering at 2026-12-03 17:16:44.702
 * UTC for 8.0 s (busy, 7.9 s of CPU; limit 5.0 s), then came back */
static void freeze(FILE *out, const leak_freeze *f)
{
    char start[64], len[32], cpu[32], limit[32];
    report_fmt_time(start, sizeof(start), f->start_ms);
    fmt_span(len, sizeof(len), f->duration_ms);
    fmt_span(cpu, sizeof(cpu), f->cpu_ms);
    fmt_span(limit, sizeof(limit), f->limit_ms);
    fprintf(out, "freeze: thread %" PRIu64 " \"", f->tid);
    put(out, f->thread, "");
    fprintf(out, "\" stopped answering at %s for %s%s%s (", start, f->over ? "" : "at least ",
            len, f->over ? "" : " so far");
    put(out, f->state, "busy or blocked: unknown");
    if (f->state && strcmp(f->state, "busy") == 0)
        fprintf(out, ", %s of CPU", cpu);
    if (f->limit_ms)
        fprintf(out, "; limit %s", limit);
    fputs(f->over ? "), then came back\n" : "), still frozen at its last snapshot\n", out);
}

/* "; 8 toolkit singletons not counted, 1 suppressed (--all lists them)" */
static void not_counted_text(FILE *out, const leak_report *r)
{
    if (!r->n_toolkit && !r->n_suppressed)
        return;
    fputs("; not counted:", out);
    if (r->n_toolkit)
        fprintf(out, " %zu toolkit singleton group%s (still open at exit, made by GLib, "
                "GTK, Qt, X or D-Bus for themselves)", r->n_toolkit,
                r->n_toolkit == 1 ? "" : "s");
    if (r->n_suppressed)
        fprintf(out, "%s %zu suppressed", r->n_toolkit ? "," : "", r->n_suppressed);
    fputs(" (--all lists them)", out);
}

/* What the programs it launched did (leak_launch), one story a line. */
static void launches(FILE *out, const leak_report *r)
{
    for (size_t i = 0; i < r->n_launches; i++) {
        fputs("launch: ", out);
        put(out, r->launches[i].text, "?");
        fputc('\n', out);
    }
}

/* ", 1 freeze" */
static void freeze_count(FILE *out, size_t n)
{
    if (n)
        fprintf(out, ", %zu freeze%s of a watched thread", n, n == 1 ? "" : "s");
}

void leak_report_write_text(const leak_report *r, FILE *out)
{
    size_t suspects = leak_report_suspects(r), by_conf[3] = { 0, 0, 0 };
    static const char *const conf[3] = { "high", "medium", "low" };
    char span[32], first[64];
    fmt_span(span, sizeof(span), r->last_ms >= r->first_ms ? r->last_ms - r->first_ms : 0);
    report_fmt_time(first, sizeof(first), r->first_ms);
    fputs("bbx leaks: ", out);
    put(out, r->app ? r->app : path_base_name(r->exe), "?");
    fprintf(out, " (pid %" PRIu64 "), %zu snapshot%s over %s from %s\n", r->pid,
            r->n_snapshots, r->n_snapshots == 1 ? "" : "s", span, first);
    if (r->vanished) {
        fputs("vanished: ", out);
        put(out, r->vanished->text, "?");
        fputc('\n', out);
    }
    for (size_t i = 0; i < r->n_freezes; i++)
        freeze(out, &r->freezes[i]);
    launches(out, r);
    for (size_t i = 0; i < r->n_leaks; i++) {
        const leak_group *g = &r->leaks[i];
        group(out, g, i + 1);
        for (int k = 0; k < 3; k++)
            if (g->confidence && strcmp(g->confidence, conf[k]) == 0)
                by_conf[k]++;
    }
    if (!suspects) {
        fprintf(out, "%sno leak suspects in %zu snapshot%s over %s", r->n_leaks ? "\n" : "",
                r->n_snapshots, r->n_snapshots == 1 ? "" : "s", span);
        freeze_count(out, r->n_freezes);
        not_counted_text(out, r);
        fputc('\n', out);
        return;
    }
    fprintf(out, "\n%zu leak suspect%s (%zu high, %zu medium, %zu low confidence) in %zu "
            "snapshot%s over %s", suspects, suspects == 1 ? "" : "s", by_conf[0],
            by_conf[1], by_conf[2], r->n_snapshots, r->n_snapshots == 1 ? "" : "s", span);
    freeze_count(out, r->n_freezes);
    not_counted_text(out, r);
    fputc('\n', out);
}

/* "pid 42 leaker" */
static void process_name(FILE *out, const leak_report *r)
{
    fprintf(out, "pid %" PRIu64 " ", r->pid);
    put(out, r->app ? r->app : path_base_name(r->exe), "?");
}

void leak_report_set_write_text(const leak_report_set *set, FILE *out)
{
    size_t total = 0, with = 0, frozen = 0;
    if (set->n == 1) {
        leak_report_write_text(set->reports[0], out);
        return;
    }
    for (size_t i = 0; i < set->n; i++)
        total += set->reports[i]->n_snapshots;
    fprintf(out, "bbx leaks: %zu processes in %zu snapshots:", set->n, total);
    for (size_t i = 0; i < set->n; i++) {
        fputs(i ? ", " : " ", out);
        process_name(out, set->reports[i]);
        fprintf(out, " (%zu)", set->reports[i]->n_snapshots);
    }
    fputc('\n', out);
    for (size_t i = 0; i < set->n; i++) {
        fputc('\n', out);
        leak_report_write_text(set->reports[i], out);
        with += leak_report_suspects(set->reports[i]) != 0;
    }
    for (size_t i = 0; i < set->n; i++)
        frozen += set->reports[i]->n_freezes != 0;
    if (frozen)
        fprintf(out, "\nfreezes in %zu of %zu processes\n", frozen, set->n);
    if (!with) {
        fprintf(out, "%sno leak suspects in any of the %zu processes\n", frozen ? "" : "\n",
                set->n);
        return;
    }
    fprintf(out, "%sleak suspects in %zu of %zu processes:", frozen ? "" : "\n", with, set->n);
    for (size_t i = 0, k = 0; i < set->n; i++) {
        if (!leak_report_suspects(set->reports[i]))
            continue;
        fputs(k++ ? ", " : " ", out);
        process_name(out, set->reports[i]);
    }
    fputc('\n', out);
}
