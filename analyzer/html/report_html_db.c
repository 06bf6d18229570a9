/*
 * report_html_db.c - the crash store's page (report_html_db.h): the store's
 * totals, the table of the top groups with a small bar chart of each
 * group's counts per day and per version, then one section per group with
 * the same charts drawn large, its breakdowns, stack variants, newest
 * snapshots and its representative crash (report_html_snap.c's sections,
 * their ids prefixed with the group's, in a <details> closed at first).
 */
#include "report_html_db.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "html_escape.h"
#include "report.h"
#include "report_html_parts.h"
#include "snap_reader.h"
#include "source_lines.h"

/* Extra style for this page; the rest is html_page_style. */
static const char store_style[] =
    "svg.bars{display:block;background:#fcfcfd}svg.bars .bar{fill:#4a78c2}"
    "svg.bars.versions .bar{fill:#d9822b}svg.bars .base{stroke:#aaa}"
    "svg.bars .tick{font:10px sans-serif;fill:#555}\n"
    "table.groups td{vertical-align:middle}table.groups td.sig{min-width:200px;"
    "max-width:420px;overflow-wrap:anywhere}table.snaps td.path{overflow-wrap:anywhere}\n"
    "details.rep h2{font-size:15px}\n"
    ".charts{display:flex;flex-wrap:wrap;gap:24px}.charts figure{margin:6px 0}\n"
    "details.rep{border:1px solid #ccc;border-radius:4px;margin:10px 0;padding:2px 10px;"
    "background:#fdfdfb}details.rep>summary{cursor:pointer;font-weight:600;padding:4px 0}\n"
    "section.group h3{font-size:15px;margin:14px 0 4px}\n";

/* ---- days ------------------------------------------------------------------------ */

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil, written out). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, char out[16])
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    snprintf(out, 16, "%04d-%02u-%02u", (int)((y + (m <= 2)) % 10000), m % 100u, d % 100u);
}

/* "YYYY-MM-DD" as a day number; -1 when it is not one. */
static int64_t day_of_key(const char *k)
{
    unsigned y, m, d;
    char tail;
    if (!k || sscanf(k, "%4u-%2u-%2u%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 || d < 1 ||
        d > 31)
        return -1;
    return days_from_civil(y, m, d);
}

static int64_t day_of_ms(int64_t ms)
{
    return ms >= 0 ? ms / 86400000 : -1;
}

/* ---- one group, read ---------------------------------------------------------------- */

typedef struct group_view {
    store_group_detail d;
    int have;                /* d was read */
    char **ver_keys;         /* counts per app version ("" none), first seen first */
    uint64_t *ver_counts;
    size_t n_ver;
    uint64_t *days;          /* counts per day of the page's window */
} group_view;

/* Sum per_version (version, build-id) by version, in its order. */
static int versions_of(group_view *v)
{
    const store_group_detail *d = &v->d;
    v->ver_keys = calloc(d->n_per_version + 1, sizeof(*v->ver_keys));
    v->ver_counts = calloc(d->n_per_version + 1, sizeof(*v->ver_counts));
    if (!v->ver_keys || !v->ver_counts)
        return -1;
    for (size_t i = 0; i < d->n_per_version; i++) {
        const char *k = d->per_version[i].key ? d->per_version[i].key : "";
        size_t j = 0;
        while (j < v->n_ver && strcmp(v->ver_keys[j], k) != 0)
            j++;
        if (j == v->n_ver)
            v->ver_keys[v->n_ver++] = (char *)k; /* d's string, freed with d */
        v->ver_counts[j] += d->per_version[i].count;
    }
    return 0;
}

static void views_free(group_view *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++) {
        free(v[i].ver_keys);
        free(v[i].ver_counts);
        free(v[i].days);
        if (v[i].have)
            store_group_detail_free(&v[i].d);
    }
    free(v);
}

/* ---- charts ------------------------------------------------------------------------ */

#define SMALL_W 150
#define SMALL_H 30
#define SMALL_SLOT_MAX 14
#define BIG_SLOT_MAX 36
#define BIG_PLOT_W 560
#define BIG_H 170

/*
 * Bars of v[n] labelled labels[n], each a <rect class="bar"> carrying its
 * label and count (data-key, data-count) and a tooltip.  Small: a sparkline
 * for a table cell; big: with the largest count and labels under the bars
 * (every one when they fit, else the first and the last).
 */
static void bar_chart(FILE *out, const char *cls, const char *what, const char *const *labels,
                      const uint64_t *v, size_t n, int big)
{
    uint64_t max = 1;
    for (size_t i = 0; i < n; i++)
        max = v[i] > max ? v[i] : max;
    double slot, left = big ? 40 : 1, top = big ? 14 : 2;
    if (big) {
        slot = n ? (double)BIG_PLOT_W / (double)n : BIG_SLOT_MAX;
        slot = slot > BIG_SLOT_MAX ? BIG_SLOT_MAX : slot;
    } else {
        slot = n ? (double)(SMALL_W - 2) / (double)n : SMALL_W;
        slot = slot > SMALL_SLOT_MAX ? SMALL_SLOT_MAX : slot;
    }
    int w = (int)(left + slot * (double)n + (big ? 12 : 1));
    int h = big ? BIG_H : SMALL_H;
    double ph = h - top - (big ? 40 : 2), base = top + ph;
    w = w < 160 && big ? 160 : w;
    fprintf(out, "<svg class=\"bars %s\" xmlns=\"http://www.w3.org/2000/svg\" "
            "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"%s\" "
            "data-bars=\"%zu\">\n", cls, w, h, w, h, what, n);
    fprintf(out, "<line class=\"base\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>\n",
            left, left + slot * (double)n, base + 0.5, base + 0.5);
    if (big)
        fprintf(out, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%" PRIu64
                "</text><text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">0</text>\n",
                left - 4, top + 4, max, left - 4, base);
    int every = big && slot >= 30; /* room for a label under each bar */
    for (size_t i = 0; i < n; i++) {
        double bh = (double)v[i] / (double)max * ph, gap = slot > 4 ? slot * 0.15 : 0;
        double x = left + slot * (double)i + gap / 2;
        fprintf(out, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                "data-key=\"", x, base - bh, slot - gap, bh);
        html_put(out, labels[i], "");
        fprintf(out, "\" data-count=\"%" PRIu64 "\"><title>", v[i]);
        html_put(out, labels[i][0] ? labels[i] : "(no version)", "");
        fprintf(out, ": %" PRIu64 "</title></rect>\n", v[i]);
        if (big && (every || i == 0 || i + 1 == n)) {
            double cx = x + (slot - gap) / 2;
            const char *anchor = every ? "middle" : i == 0 && n > 1 ? "start" : "end";
            if (!every)
                cx = i == 0 && n > 1 ? x : x + slot - gap;
            fprintf(out, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", cx,
                    base + 14 + (every && i % 2 ? 12 : 0), anchor);
            html_put(out, labels[i][0] ? labels[i] : "(none)", "");
            fputs("</text>\n", out);
        }
    }
    fputs("</svg>\n", out);
}

/* The page's window of days and their labels. */
typedef struct day_window {
    int64_t first, last; /* day numbers; last < first: no data */
    size_t n;
    char (*label)[16];
    const char **labels;
} day_window;

static void day_chart(FILE *out, const day_window *w, const group_view *v, int big)
{
    if (!w->n) {
        fputs("<span class=\"dim\">no days</span>", out);
        return;
    }
    bar_chart(out, "days", "snapshots per day", w->labels, v->days, w->n, big);
}

static void version_chart(FILE *out, const group_view *v, int big)
{
    bar_chart(out, "versions", "snapshots per version", (const char *const *)v->ver_keys,
              v->ver_counts, v->n_ver, big);
}

/* ---- the page ------------------------------------------------------------------------ */

static void put_time(FILE *out, int64_t ms)
{
    char when[64];
    if (ms <= 0) {
        fputs("-", out);
        return;
    }
    report_fmt_time(when, sizeof(when), (uint64_t)ms);
    fputs(when, out);
}

/* "2026-12-04 14:29" (UTC), for the table of groups. */
static void put_minute(FILE *out, int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    char when[32];
    if (ms <= 0 || !gmtime_r(&t, &tm) || !strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm)) {
        fputs("-", out);
        return;
    }
    fputs(when, out);
}

static void put_versions(FILE *out, const store_group *g)
{
    if (!g->n_versions) {
        fputs("<span class=\"dim\">none</span>", out);
        return;
    }
    for (size_t i = 0; i < g->n_versions; i++) {
        fputs(i ? ", " : "", out);
        html_put(out, g->versions[i], "");
    }
}

static void page_head(FILE *out, crash_store *st, const store_totals *t, size_t shown,
                      const day_window *w)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; img-src data:\">\n<title>bbx crash store: ", out);
    html_put(out, store_path(st), "?");
    fprintf(out, "</title>\n<style>\n%s%s</style>\n</head>\n<body>\n<h1>bbx crash store "
            "<span class=\"dim\">", html_page_style, store_style);
    html_put(out, store_path(st), "?");
    fputs("</span></h1>\n<nav><a href=\"#top-groups\">top groups</a></nav>\n"
          "<section id=\"store\">\n<table class=\"kv\">\n<tr><th>store</th><td><code>", out);
    html_put(out, store_path(st), "?");
    fprintf(out, "</code></td></tr>\n<tr><th>snapshots</th><td id=\"store-snapshots\" "
            "data-count=\"%" PRIu64 "\">%" PRIu64 " ingested, %" PRIu64 " kept</td></tr>\n"
            "<tr><th>groups</th><td id=\"store-groups\" data-count=\"%" PRIu64 "\">%" PRIu64
            " (the %zu largest below)</td></tr>\n<tr><th>rejected</th><td id=\"store-rejected\" "
            "data-count=\"%" PRIu64 "\">%" PRIu64 " %s</td></tr>\n",
            t->snapshots, t->snapshots, t->kept, t->groups, t->groups, shown, t->rejected,
            t->rejected, t->rejected == 1 ? "file that was not a readable snapshot"
                                          : "files that were not readable snapshots");
    if (w->n)
        fprintf(out, "<tr><th>days charted</th><td>%s to %s (UTC), %zu day%s</td></tr>\n",
                w->labels[0], w->labels[w->n - 1], w->n, w->n == 1 ? "" : "s");
    fputs("</table>\n</section>\n", out);
}

static void top_table(FILE *out, const group_view *v, size_t n, const day_window *w)
{
    fputs("<section id=\"top-groups\">\n<h2>Top groups</h2>\n<p class=\"dim\">By count; "
          "<code>bbx crash ID</code> shows a group in a terminal.</p>\n", out);
    if (!n) {
        fputs("<p>The store holds no crash group yet (<code>bbx ingest</code> fills it)."
              "</p>\n</section>\n", out);
        return;
    }
    fputs("<table class=\"groups\"><thead><tr><th>#</th><th>id</th><th>signature</th>"
          "<th>kind</th><th>count</th><th>hosts</th><th>first seen (UTC)</th><th>last seen</th>"
          "<th>versions</th><th>per day</th><th>per version</th></tr></thead><tbody>\n", out);
    for (size_t i = 0; i < n; i++) {
        const store_group *g = &v[i].d.g;
        fprintf(out, "<tr class=\"group-row\" data-id=\"%s\" data-count=\"%" PRIu64 "\">"
                "<td class=\"num\">%zu</td><td><a href=\"#group-%s\"><code>%s</code></a></td>"
                "<td class=\"sig\"><code>", g->id, g->count, i + 1, g->id, g->id);
        html_put(out, g->signature, "?");
        fputs("</code></td><td><span class=\"kind\">", out);
        html_put(out, g->kind, "?");
        fprintf(out, "</span></td><td class=\"num count\">%" PRIu64 "</td><td class=\"num\">%"
                PRIu64 "</td><td class=\"nowrap\">", g->count, g->hosts);
        put_minute(out, g->first_seen_ms);
        fputs("</td><td class=\"nowrap\">", out);
        put_minute(out, g->last_seen_ms);
        fputs("</td><td>", out);
        put_versions(out, g);
        fputs("</td><td>", out);
        day_chart(out, w, &v[i], 0);
        fputs("</td><td>", out);
        version_chart(out, &v[i], 0);
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody></table>\n</section>\n", out);
}

static void count_table(FILE *out, const char *title, const char *key, const char *key2,
                        const store_count *c, size_t n, int times)
{
    fprintf(out, "<div><h3>%s</h3><table class=\"counts\"><thead><tr><th>%s</th>", title, key);
    if (key2)
        fprintf(out, "<th>%s</th>", key2);
    fprintf(out, "<th>count</th>%s</tr></thead><tbody>\n",
            times ? "<th>first seen</th><th>last seen</th>" : "");
    for (size_t i = 0; i < n; i++) {
        fputs("<tr><td><code>", out);
        html_put(out, c[i].key && c[i].key[0] ? c[i].key : NULL, "<span class=\"dim\">none</span>");
        fputs("</code></td>", out);
        if (key2) {
            fputs("<td><code>", out);
            html_put(out, c[i].key2 && c[i].key2[0] ? c[i].key2 : NULL,
                     "<span class=\"dim\">none</span>");
            fputs("</code></td>", out);
        }
        fprintf(out, "<td class=\"num\">%" PRIu64 "</td>", c[i].count);
        if (times) {
            fputs("<td class=\"nowrap\">", out);
            put_time(out, c[i].first_seen_ms);
            fputs("</td><td class=\"nowrap\">", out);
            put_time(out, c[i].last_seen_ms);
            fputs("</td>", out);
        }
        fputs("</tr>\n", out);
    }
    fputs("</tbody></table></div>\n", out);
}

static void variants_table(FILE *out, const store_group_detail *d)
{
    fprintf(out, "<h3>Stack variants (%zu)</h3>\n<table class=\"variants\"><thead><tr>"
            "<th>count</th><th>frames (innermost first, normalized)</th></tr></thead><tbody>\n",
            d->n_variants);
    for (size_t i = 0; i < d->n_variants; i++) {
        fprintf(out, "<tr><td class=\"num\">%" PRIu64 "</td><td><code>", d->variants[i].count);
        html_put(out, d->variants[i].key, "?");
        fputs("</code></td></tr>\n", out);
    }
    fputs("</tbody></table>\n", out);
}

static void snapshots_table(FILE *out, const store_group_detail *d)
{
    fprintf(out, "<h3>Newest snapshots (%zu of %" PRIu64 " kept)</h3>\n<table class=\"snaps\">"
            "<thead><tr><th>time</th><th>host</th><th>program</th><th>version</th>"
            "<th>build-id</th><th>trigger</th><th>signal</th><th>ingested from</th>"
            "<th>hash</th></tr></thead><tbody>\n", d->n_snapshots, d->snapshots_kept);
    for (size_t i = 0; i < d->n_snapshots; i++) {
        const store_snapshot *s = &d->snapshots[i];
        fputs("<tr><td class=\"nowrap\">", out);
        put_time(out, s->time_ms);
        const char *cells[] = { s->host, s->program, s->version, s->build_id, s->trigger };
        for (size_t k = 0; k < sizeof(cells) / sizeof(*cells); k++) {
            fputs("</td><td>", out);
            html_put(out, cells[k] && cells[k][0] ? cells[k] : NULL, "");
        }
        fprintf(out, "</td><td class=\"num\">%" PRId64 "</td><td class=\"path\"><code>",
                s->signal);
        html_put(out, s->source, "");
        fprintf(out, "</code></td><td><code title=\"%s\">%.12s</code>%s</td></tr>\n", s->hash,
                s->hash, s->has_copy ? "" : " <span class=\"dim\">(no copy)</span>");
    }
    fputs("</tbody></table>\n", out);
}

/* The representative crash: the page-of-one-snapshot sections from the
 * store's copy, ids prefixed "gID-".  0, or -1 when the store failed. */
static int representative(FILE *out, crash_store *st, const store_group_detail *d,
                          sym_session *ss, source_cache *src, char *err, size_t errlen)
{
    uint8_t *data;
    size_t len;
    char rerr[512], idp[SIG_ID_LEN + 4];
    if (!d->g.representative) {
        fputs("<p class=\"dim\">No snapshot of this group is kept (bbx prune dropped them)."
              "</p>\n", out);
        return 0;
    }
    int got = store_snapshot_bytes(st, d->g.representative, &data, &len, err, errlen);
    if (got < 0)
        return -1;
    if (got > 0) {
        fprintf(out, "<p class=\"dim\">The copy of the representative snapshot %s is not "
                "kept.</p>\n", d->g.representative);
        return 0;
    }
    snap *s = snap_read_buffer(data, len, rerr, sizeof(rerr));
    fprintf(out, "<details class=\"rep\" id=\"rep-%s\"><summary>Representative crash: "
            "snapshot <code>%s</code></summary>\n", d->g.id, d->g.representative);
    if (!s) {
        fputs("<p class=\"bad\">The stored copy cannot be read: ", out);
        html_put(out, rerr, "");
        fputs("</p>\n", out);
    } else {
        const char *source = NULL; /* where it was ingested from, when listed */
        for (size_t i = 0; i < d->n_snapshots; i++)
            if (!strcmp(d->snapshots[i].hash, d->g.representative))
                source = d->snapshots[i].source;
        snprintf(idp, sizeof(idp), "g%s-", d->g.id);
        html_snap_summary(out, s, source, idp);
        html_snap_session(out, s, idp);
        html_snap_launches(out, s, ss, idp);
        html_snap_trigger_thread(out, s, ss, src, idp);
        html_snap_threads(out, s, ss, 0, idp);
        html_snap_fds(out, s, ss, idp);
        html_snap_breadcrumbs(out, s, idp);
        html_snap_annotations(out, s, idp);
        html_snap_children(out, s, idp);
        html_snap_modules(out, s, idp);
        snap_free(s);
    }
    fputs("</details>\n", out);
    free(data);
    return 0;
}

static int group_section(FILE *out, crash_store *st, const group_view *v, size_t rank,
                         const day_window *w, sym_session *ss, source_cache *src, char *err,
                         size_t errlen)
{
    const store_group_detail *d = &v->d;
    const store_group *g = &d->g;
    fprintf(out, "<section class=\"group\" id=\"group-%s\" data-id=\"%s\" data-count=\"%"
            PRIu64 "\">\n<h2>#%zu <code>", g->id, g->id, g->count, rank);
    html_put(out, g->signature, "?");
    fprintf(out, "</code></h2> <a class=\"dim\" href=\"#top-groups\">top groups</a>\n"
            "<table class=\"kv\">\n<tr><th>id</th><td><code>%s</code></td>"
            "</tr>\n<tr><th>kind</th><td>", g->id);
    html_put(out, g->kind, "?");
    fprintf(out, "</td></tr>\n<tr><th>count</th><td>%" PRIu64 " snapshots on %" PRIu64
            " host%s</td></tr>\n<tr><th>first seen</th><td>", g->count, g->hosts,
            g->hosts == 1 ? "" : "s");
    put_time(out, g->first_seen_ms);
    if (g->first_version && g->first_version[0]) {
        fputs(" in version ", out);
        html_put(out, g->first_version, "");
    }
    if (g->first_build_id && g->first_build_id[0]) {
        fputs(" (build-id <code>", out);
        html_put(out, g->first_build_id, "");
        fputs("</code>)", out);
    }
    fputs("</td></tr>\n<tr><th>last seen</th><td>", out);
    put_time(out, g->last_seen_ms);
    fputs("</td></tr>\n<tr><th>versions</th><td>", out);
    put_versions(out, g);
    fputs("</td></tr>\n</table>\n<div class=\"charts\">\n<figure><figcaption>Per day"
          "</figcaption>", out);
    day_chart(out, w, v, 1);
    fputs("</figure>\n<figure><figcaption>Per version</figcaption>", out);
    version_chart(out, v, 1);
    fputs("</figure>\n</div>\n<div class=\"charts\">\n", out);
    count_table(out, "Per version", "version", "build-id", d->per_version, d->n_per_version, 0);
    count_table(out, "Per day (UTC)", "day", NULL, d->per_day, d->n_per_day, 0);
    count_table(out, "Per host", "host", NULL, d->per_host, d->n_per_host, 1);
    fputs("</div>\n", out);
    variants_table(out, d);
    snapshots_table(out, d);
    int rc = representative(out, st, d, ss, src, err, errlen);
    fputs("</section>\n", out);
    return rc;
}

/* The window: the shown groups' days, the last REPORT_STORE_DAYS at most,
 * ending on the newest day seen; each group's counts over it. */
static int window_make(day_window *w, group_view *v, size_t n)
{
    memset(w, 0, sizeof(*w));
    w->first = INT64_MAX;
    w->last = -1;
    for (size_t i = 0; i < n; i++) {
        const store_group_detail *d = &v[i].d;
        for (size_t k = 0; k < d->n_per_day; k++) {
            int64_t day = day_of_key(d->per_day[k].key);
            if (day < 0)
                continue;
            w->first = day < w->first ? day : w->first;
            w->last = day > w->last ? day : w->last;
        }
        int64_t seen = day_of_ms(d->g.last_seen_ms);
        w->last = seen > w->last ? seen : w->last;
    }
    if (w->last < 0)
        return 0;
    if (w->first > w->last)
        w->first = w->last;
    if (w->last - w->first >= REPORT_STORE_DAYS)
        w->first = w->last - (REPORT_STORE_DAYS - 1);
    w->n = (size_t)(w->last - w->first + 1);
    w->label = calloc(w->n, sizeof(*w->label));
    w->labels = calloc(w->n, sizeof(*w->labels));
    if (!w->label || !w->labels)
        return -1;
    for (size_t i = 0; i < w->n; i++) {
        civil_from_days(w->first + (int64_t)i, w->label[i]);
        w->labels[i] = w->label[i];
    }
    for (size_t i = 0; i < n; i++) {
        if (!(v[i].days = calloc(w->n, sizeof(*v[i].days))))
            return -1;
        const store_group_detail *d = &v[i].d;
        for (size_t k = 0; k < d->n_per_day; k++) {
            int64_t day = day_of_key(d->per_day[k].key);
            if (day >= w->first && day <= w->last)
                v[i].days[day - w->first] += d->per_day[k].count;
        }
    }
    return 0;
}

int report_html_store(FILE *out, crash_store *st, const report_html_store_options *o,
                      char *err, size_t errlen)
{
    size_t top = o && o->top ? o->top : REPORT_STORE_TOP, n_groups = 0, n = 0;
    sym_session *ss = o ? o->symbols : NULL;
    store_totals t;
    store_group *groups = NULL;
    store_filter f = { 0 };
    group_view *v = NULL;
    day_window w = { 0 };
    source_cache *src = NULL;
    int rc = -1;
    if (store_totals_get(st, &t, err, errlen) < 0 ||
        store_groups(st, &f, &groups, &n_groups, err, errlen) < 0)
        return -1;
    n = n_groups < top ? n_groups : top;
    if (!(v = calloc(n + 1, sizeof(*v))) || !(src = source_cache_new()))
        goto oom;
    for (size_t i = 0; i < n; i++) {
        int got = store_group_get(st, groups[i].id, REPORT_STORE_SNAPSHOTS, &v[i].d, err,
                                  errlen);
        if (got != 0) {
            if (got == 1)
                snprintf(err, errlen, "group %s went away while the page was written",
                         groups[i].id);
            goto out;
        }
        v[i].have = 1;
        if (versions_of(&v[i]) < 0)
            goto oom;
    }
    if (window_make(&w, v, n) < 0)
        goto oom;
    page_head(out, st, &t, n, &w);
    top_table(out, v, n, &w);
    for (size_t i = 0; i < n; i++)
        if (group_section(out, st, &v[i], i + 1, &w, ss, src, err, errlen) < 0)
            goto out;
    html_snap_symbol_notes(out, ss, "");
    fputs("<footer class=\"dim\"><p>Written by bbx report --db.</p></footer>\n</body>\n"
          "</html>\n", out);
    rc = ferror(out) ? -2 : 0;
    goto out;
oom:
    rc = -2;
out:
    free(w.label);
    free(w.labels);
    views_free(v, n);
    source_cache_free(src);
    store_groups_free(groups, n_groups);
    return rc;
}
