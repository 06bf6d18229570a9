/*
 * report_html.c - the `bbx report` page (report_html.h): the head with its
 * inline style, the order of the sections, and the parts that belong to a
 * series rather than one snapshot: the freezes of watched threads, the fd
 * and thread charts by group and the leak suspects with their creation
 * stacks.
 */
#include "report_html.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "html_escape.h"
#include "leak_analyze.h"
#include "leak_series.h"
#include "path_name.h"
#include "report.h"
#include "report_html_chart.h"
#include "report_html_parts.h"

#define CHART_TOP_GROUPS 6 /* groups drawn one by one; the rest as "other" */

const char html_page_style[] =
    "body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1280px;padding:0 16px 40px;"
    "color:#1d1d1f;background:#fff}\n"
    "h1{font-size:22px;margin:18px 0 6px}h2{font-size:17px;margin:22px 0 8px;display:inline-block}"
    "section{border-top:1px solid #ddd;margin-top:12px}\n"
    "nav{font-size:13px;margin-bottom:6px}nav a{margin-right:12px}\n"
    "table{border-collapse:collapse;margin:4px 0 8px}th,td{padding:2px 8px;text-align:left;"
    "vertical-align:top}thead th{border-bottom:1px solid #bbb;font-weight:600}\n"
    "tbody tr:nth-child(even){background:#f6f7f9}table.kv th{color:#555;font-weight:600;"
    "white-space:nowrap}\n"
    "code,pre,.frames td,.tid{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px}\n"
    "pre{margin:2px 0;white-space:pre-wrap;word-break:break-all}\n"
    ".frames td.fn{font-weight:600}.frames tr.inl td{color:#555}.frames tr.srcrow td{background:"
    "#fff}\n"
    "pre.src{background:#f3f3f0;border-left:3px solid #c8c8c0;padding:3px 8px}"
    "pre.src .hit{background:#fff1a8;font-weight:600;display:block}pre.src .ctx{display:block;"
    "color:#555}\n"
    ".bad{color:#b00020}.warn{background:#fff3cd;border:1px solid #e0c060;padding:6px 10px}"
    ".dim{color:#777}.tag{font-size:11px;background:#e8e8ee;border-radius:3px;padding:0 4px;"
    "font-weight:400}\n"
    ".num{text-align:right;font-variant-numeric:tabular-nums}.nowrap{white-space:nowrap}"
    ".sub{color:#444;font-size:12.5px;margin-top:2px}.origin{color:#285}\n"
    ".kind{background:#eef2fb;border-radius:3px;padding:0 5px}\n"
    "details.thread{border:1px solid #ddd;border-radius:4px;margin:4px 0;padding:2px 8px}"
    "details.thread>summary{cursor:pointer;font-family:ui-monospace,Menlo,monospace;"
    "font-size:12.5px}\n"
    "details>summary h2{margin:10px 0}\n"
    "figure.chart{margin:8px 0 16px}figcaption{font-weight:600;margin-bottom:4px}"
    "svg.linechart{max-width:100%;height:auto;background:#fcfcfd}"
    "svg.linechart .grid{stroke:#e4e4e8}svg.linechart .axis{stroke:#aaa}"
    "svg.linechart .tick{font:11px sans-serif;fill:#555}\n"
    "ul.legend{list-style:none;padding:0;margin:4px 0;columns:2;font-size:12.5px}"
    "ul.legend li{break-inside:avoid}.swatch{display:inline-block;width:18px;border-top:3px "
    "solid;margin:0 6px 3px 0;vertical-align:middle}.swatch.dashed{border-top-style:dashed}\n"
    "ol.stack{margin:0;padding-left:20px;font-family:ui-monospace,Menlo,monospace;"
    "font-size:12px}\n"
    ".conf-high{color:#b00020;font-weight:600}.conf-medium{color:#b35c00;font-weight:600}\n"
    ".flame{overflow-x:auto}\n";

static void page_head(FILE *out, const report_html_input *in)
{
    const snap *s = in->last;
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
          "<title>bbx report: ", out);
    html_put(out, s->process.app, "?");
    fprintf(out, " (pid %" PRIu64 ")</title>\n<style>\n%s</style>\n</head>\n<body>\n",
            s->process.pid, html_page_style);
    fputs("<h1>bbx report: ", out);
    html_put(out, s->process.app, "?");
    fprintf(out, " <span class=\"dim\">pid %" PRIu64 "</span></h1>\n<nav>"
            "<a href=\"#summary\">summary</a><a href=\"#trigger-thread\">trigger thread</a>",
            s->process.pid);
    if (in->leaks && in->leaks->n_freezes)
        fputs("<a href=\"#freezes\">freezes</a>", out);
    if (in->n_processes > 1)
        fputs("<a href=\"#processes\">processes</a>", out);
    if (in->n > 1)
        fputs("<a href=\"#series\">series</a>", out);
    if (in->leaks && in->leaks->n_leaks)
        fputs("<a href=\"#leaks\">leak suspects</a>", out);
    fputs("<a href=\"#flame\">flame graph</a><a href=\"#threads\">threads</a>"
          "<a href=\"#fds\">fds</a><a href=\"#breadcrumbs\">breadcrumbs</a>"
          "<a href=\"#annotations\">annotations</a><a href=\"#modules\">modules</a></nav>\n",
          out);
}

/* ---- series: charts ----------------------------------------------------------- */

static const leak_timeline_group *sort_groups;

/* Growing groups first, then larger ones. */
static int group_rank_cmp(const void *a, const void *b)
{
    const leak_timeline_group *x = &sort_groups[*(const size_t *)a];
    const leak_timeline_group *y = &sort_groups[*(const size_t *)b];
    int64_t gx = (int64_t)x->last - (int64_t)x->first, gy = (int64_t)y->last - (int64_t)y->first;
    if (gx != gy)
        return gx > gy ? -1 : 1;
    if (x->peak != y->peak)
        return x->peak > y->peak ? -1 : 1;
    return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

static void release4(void *a, void *b, void *c, void *d)
{
    free(a);
    free(b);
    free(c);
    free(d);
}

/* The chart of one resource: the total, the top groups, the rest summed. */
static int resource_chart_of(FILE *out, const leak_timeline *t, int resource,
                             const char *title, const char *unit, int with_total);

static int resource_chart(FILE *out, const leak_timeline *t, int resource, const char *title,
                          const char *unit)
{
    return resource_chart_of(out, t, resource, title, unit, 1);
}

/* with_total 0: no "all" line (memory: the kinds, the cgroup and malloc
 * overlap). */
static int resource_chart_of(FILE *out, const leak_timeline *t, int resource,
                             const char *title, const char *unit, int with_total)
{
    size_t n = t->n_snaps, n_idx = 0, n_lines = 0;
    size_t *idx = malloc((t->n_groups + 1) * sizeof(*idx));
    uint64_t *total = calloc(n, sizeof(*total)), *other = calloc(n, sizeof(*other));
    html_chart_line *lines = calloc(CHART_TOP_GROUPS + 2, sizeof(*lines));
    char other_label[64];
    if (!idx || !total || !other || !lines) {
        release4(idx, total, other, lines);
        return -1;
    }
    for (size_t i = 0; i < t->n_groups; i++)
        if (t->groups[i].resource == resource)
            idx[n_idx++] = i;
    sort_groups = t->groups;
    qsort(idx, n_idx, sizeof(*idx), group_rank_cmp);
    for (size_t k = 0; k < n_idx; k++)
        for (size_t i = 0; i < n; i++)
            total[i] += t->groups[idx[k]].counts[i];
    if (with_total)
        lines[n_lines++] = (html_chart_line){ "all", total, 1 };
    for (size_t k = 0; k < n_idx && k < CHART_TOP_GROUPS; k++)
        lines[n_lines++] = (html_chart_line){ t->groups[idx[k]].label,
                                              t->groups[idx[k]].counts, 0 };
    if (n_idx > CHART_TOP_GROUPS) {
        for (size_t k = CHART_TOP_GROUPS; k < n_idx; k++)
            for (size_t i = 0; i < n; i++)
                other[i] += t->groups[idx[k]].counts[i];
        snprintf(other_label, sizeof(other_label), "other (%zu groups)",
                 n_idx - CHART_TOP_GROUPS);
        lines[n_lines++] = (html_chart_line){ other_label, other, 0 };
    }
    if (n_idx)
        html_line_chart(out, title, unit, t->time_ms, n, lines, n_lines);
    else
        fprintf(out, "<p class=\"dim\">No %s in these snapshots.</p>\n", unit);
    release4(idx, total, other, lines);
    return 0;
}

static int has_resource(const leak_timeline *t, int resource)
{
    for (size_t i = 0; i < t->n_groups; i++)
        if (t->groups[i].resource == resource)
            return 1;
    return 0;
}

static int series_section(FILE *out, const report_html_input *in)
{
    uint64_t first_ms = in->first_ms, last_ms = in->last->process.time_ms;
    char a[64], b[64];
    report_fmt_time(a, sizeof(a), first_ms);
    report_fmt_time(b, sizeof(b), last_ms);
    fprintf(out, "<section id=\"series\">\n<h2>Series: %zu snapshots</h2>\n<p>From %s to %s "
            "(%.1f s). The sections below the charts show the last snapshot.", in->n, a, b,
            last_ms > first_ms ? (double)(last_ms - first_ms) / 1000.0 : 0.0);
    if (in->timeline && in->timeline->n_snaps < in->timeline->n_series)
        fprintf(out, " The charts draw %zu of the %zu snapshots, evenly spaced, the first "
                "and the last among them.",
                in->timeline->n_snaps, in->timeline->n_series);
    fputs("</p>\n", out);
    if (in->timeline &&
        (resource_chart(out, in->timeline, SERIES_FD, "Open fds over time, by group",
                        "fds") < 0 ||
         resource_chart(out, in->timeline, SERIES_THREAD, "Threads over time, by group",
                        "threads") < 0))
        return -1;
    if (in->timeline && has_resource(in->timeline, SERIES_X11) &&
        (resource_chart(out, in->timeline, SERIES_X11,
                        "X resources held in the X server over time, by type",
                        "X resources") < 0 ||
         resource_chart(out, in->timeline, SERIES_X11_PIXMAP,
                        "X pixmap memory over time", "KiB") < 0))
        return -1;
    if (in->timeline && has_resource(in->timeline, SERIES_MEM) &&
        resource_chart_of(out, in->timeline, SERIES_MEM,
                          "Memory over time, by kind (RSS of each kind of mapping, the "
                          "cgroup's usage, malloc's bytes in use)", "KiB", 0) < 0)
        return -1;
    if (in->timeline && has_resource(in->timeline, SERIES_HEAP) &&
        resource_chart(out, in->timeline, SERIES_HEAP,
                       "Live heap over time, by allocating stack (sampled estimates)",
                       "KiB") < 0)
        return -1;
    fputs("</section>\n", out);
    return 0;
}

/* ---- leak suspects ------------------------------------------------------------ */

static void suspect_row(FILE *out, const leak_group *g)
{
    fputs("<tr><td>", out);
    html_put(out, g->resource, "?");
    fputs("</td><td><span class=\"kind\">", out);
    html_put(out, g->kind, "?");
    fprintf(out, "</span></td><td class=\"num\">%" PRIu64 "%s%s</td><td class=\"num\">%.1f%s%s"
            "</td><td class=\"conf-", g->count, g->unit ? " " : "", g->unit ? g->unit : "",
            g->growth_per_min, g->unit ? " " : "", g->unit ? g->unit : "");
    html_put(out, g->confidence, "none");
    fputs("\">", out);
    html_put(out, g->confidence, "?");
    fputs("</td><td>", out);
    html_put(out, g->why, "");
    if (g->name) {
        fputs("<div class=\"sub\">", out);
        html_put(out, g->name, "");
        fputs("</div>", out);
    }
    for (size_t k = 0; k < g->n_examples; k++) {
        fputs("<div class=\"sub\"><code>", out);
        html_put(out, g->examples[k], "");
        fputs("</code></div>", out);
    }
    fputs("</td><td>", out);
    char *site = leak_group_site(g); /* the program's own frame first */
    if (site) {
        fputs("<div class=\"origin\"><code>", out);
        html_put(out, site, "");
        fputs("</code></div>", out);
        free(site);
    }
    if (g->n_origin) {
        fputs("<ol class=\"stack\">", out);
        for (size_t k = 0; k < g->n_origin; k++) {
            const leak_frame *f = &g->origin[k];
            fputs("<li><b>", out);
            html_put(out, f->function, "??");
            fputs("</b>", out);
            if (f->file) {
                fputs(" ", out);
                html_put(out, path_base_name(f->file), "");
                fprintf(out, ":%" PRIu64, f->line);
            }
            if (f->module) {
                fputs(" <span class=\"dim\">[", out);
                html_put(out, f->module, "");
                fputs("]</span>", out);
            }
            fputs("</li>", out);
        }
        fputs("</ol>", out);
    } else if (!g->resource || strcmp(g->resource, "memory") != 0) {
        fputs("<span class=\"dim\">no creation stack (tracking off)</span>", out);
    }
    fputs("</td></tr>\n", out);
}

static void leaks_section(FILE *out, const leak_report *r)
{
    fprintf(out, "<section id=\"leaks\">\n<h2>Leak suspects (%zu)</h2>\n", r->n_leaks);
    if (r->vanished) {
        fputs("<p class=\"bad vanished\">", out);
        html_put(out, r->vanished->text, "");
        fputs("</p>\n", out);
    }
    if (!r->n_leaks) {
        fputs("<p>None: no group of fds, threads, children, memory or heap stacks grows over the series "
              "(rules: bbx leaks --help).</p>\n</section>\n", out);
        return;
    }
    fputs("<table class=\"leaks\"><thead><tr><th>resource</th><th>kind</th><th>count</th>"
          "<th>growth/min</th><th>confidence</th><th>why</th><th>creation stack</th></tr>"
          "</thead><tbody>\n", out);
    for (size_t i = 0; i < r->n_leaks; i++)
        suspect_row(out, &r->leaks[i]);
    fputs("</tbody></table>\n</section>\n", out);
}

/* ---- freezes -------------------------------------------------------------------- */

/* "8.0 s" */
static void seconds(FILE *out, uint64_t ms)
{
    fprintf(out, "%.1f s", (double)ms / 1000.0);
}

static void freeze_row(FILE *out, const leak_freeze *f)
{
    char start[64];
    report_fmt_time(start, sizeof(start), f->start_ms);
    fprintf(out, "<tr><td class=\"tid\">%" PRIu64 " ", f->tid);
    html_put(out, f->thread, "");
    fprintf(out, "</td><td class=\"nowrap\">%s</td><td class=\"num\">%s", start,
            f->over ? "" : "&ge; ");
    seconds(out, f->duration_ms);
    fputs("</td><td>", out);
    html_put(out, f->state, "?");
    fputs("</td><td class=\"num\">", out);
    seconds(out, f->cpu_ms);
    fputs("</td><td class=\"num\">", out);
    if (f->limit_ms)
        seconds(out, f->limit_ms);
    fprintf(out, "</td><td>%s</td></tr>\n",
            f->over ? "yes" : "<span class=\"bad\">no: still frozen at its last snapshot"
                              "</span>");
}

/* The freezes the hang watchdog's snapshots tell of: a watched thread away
 * from its event loop for longer than its limit. */
static void freezes_section(FILE *out, const leak_report *r)
{
    fprintf(out, "<section id=\"freezes\">\n<h2>Freezes (%zu)</h2>\n<p>A watched thread "
            "(BBX_HANG_MS) did not come back to its event loop within its limit: its window "
            "stopped answering. The length is the whole freeze when it came back, else how "
            "long it had lasted when the watchdog saw it.</p>\n<table class=\"freezes\">"
            "<thead><tr><th>thread</th><th>started</th><th>duration</th><th>busy/blocked</th>"
            "<th>CPU</th><th>limit</th><th>came back?</th></tr></thead><tbody>\n",
            r->n_freezes);
    for (size_t i = 0; i < r->n_freezes; i++)
        freeze_row(out, &r->freezes[i]);
    fputs("</tbody></table>\n</section>\n", out);
}

/* ---- the other processes of a mixed set ---------------------------------- */

static void processes_section(FILE *out, const report_html_input *in)
{
    char first[64], last[64];
    fprintf(out, "<section id=\"processes\">\n<h2>Processes (%zu)</h2>\n<p>The snapshots "
            "are of %zu processes; this page shows the one marked, chosen for a crash, "
            "then most leak suspects, then most snapshots. <code>bbx report --pid N</code> "
            "writes the page of another, <code>bbx leaks</code> reports each.</p>\n"
            "<table><thead><tr><th>pid</th><th>program</th><th>executable</th>"
            "<th>snapshots</th><th>first</th><th>last</th><th>leak suspects</th><th></th>"
            "</tr></thead><tbody>\n", in->n_processes, in->n_processes);
    for (size_t i = 0; i < in->n_processes; i++) {
        const report_html_process *p = &in->processes[i];
        report_fmt_time(first, sizeof(first), p->first_ms);
        report_fmt_time(last, sizeof(last), p->last_ms);
        fprintf(out, "<tr id=\"process-%" PRIu64 "\"><td class=\"num\">%" PRIu64 "</td><td>",
                p->pid, p->pid);
        html_put(out, p->program, "?");
        fputs("</td><td>", out);
        html_put(out, p->exe, "");
        fprintf(out, "</td><td class=\"num\">%zu</td><td>%s</td><td>%s</td>"
                "<td class=\"num\">%zu</td><td>%s%s</td></tr>\n", p->n, first, last,
                p->suspects, p->shown ? "shown here" : "", p->crashed ? " (crashed)" : "");
    }
    fputs("</tbody></table>\n</section>\n", out);
}

/* ---- the end -------------------------------------------------------------------- */

int report_html(FILE *out, const report_html_input *in)
{
    const snap *s = in->last;
    source_cache *src = source_cache_new();
    int rc = 0;
    if (!src)
        return -1;
    page_head(out, in);
    html_snap_summary(out, s, in->last_name, "");
    html_snap_session(out, s, "");
    html_snap_launches(out, s, in->symbols, "");
    if (in->leaks && in->leaks->n_freezes)
        freezes_section(out, in->leaks);
    if (in->n_processes > 1)
        processes_section(out, in);
    html_snap_trigger_thread(out, s, in->symbols, src, "");
    if (in->n > 1 && series_section(out, in) < 0)
        rc = -1;
    if (in->leaks && (in->n > 1 || in->leaks->n_leaks))
        leaks_section(out, in->leaks);
    if (html_flame_section(out, in->stacks, in->n, s, in->symbols) < 0)
        rc = -1;
    html_snap_threads(out, s, in->symbols, in->all_threads, "");
    html_snap_fds(out, s, in->symbols, "");
    html_snap_breadcrumbs(out, s, "");
    html_snap_annotations(out, s, "");
    html_snap_children(out, s, "");
    html_snap_modules(out, s, "");
    html_snap_capture(out, s, "");
    html_snap_symbol_notes(out, in->symbols, "");
    fputs("<footer class=\"dim\"><p>Written by bbx report.</p></footer>\n</body>\n</html>\n",
          out);
    source_cache_free(src);
    return rc < 0 || ferror(out) ? -1 : 0;
}
