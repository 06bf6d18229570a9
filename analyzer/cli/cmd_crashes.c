/*
 * cmd_crashes.c - `bbx crashes`: the crash store's groups by count, with
 * hosts, first and last seen, versions and a trend; filters by time,
 * version or build; breakdowns; --new-in for release pipelines.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cli_store.h"
#include "json_writer.h"

enum { BY_NONE, BY_VERSION, BY_BUILD, BY_HOST, BY_DAY };

typedef struct crashes_args {
    const char *db, *version, *build_id, *new_in;
    int64_t since_ms;
    int by, json;
    unsigned top;
} crashes_args;

static const cli_choice by_choices[] = {
    { "none", "one table of groups (the default)" },
    { "version", "per app version (the annotation app.version)" },
    { "build", "per build-id of the main module" },
    { "host", "per host (over all time: not with --since, --version, --build-id)" },
    { "day", "per day (UTC)" },
    { 0 },
};

static const cli_option crashes_options[] = {
    CLI_GROUP_AT(crashes_args, db, cli_group_db),
    { .kind = CLI_CHECKED, .name = "--since", .slot = offsetof(crashes_args, since_ms),
      .arg = "AGE", .needs = "an age", .is_not = "an age such as 7d, 36h, 2w",
      .parse = cli_parse_age,
      .help = "only crashes of the last AGE (s, m, h, d or w), counted by whole days (UTC): "
              "7d counts from the start of the day 7 days ago" },
    { .kind = CLI_TEXT, .name = "--version", .slot = offsetof(crashes_args, version),
      .arg = "V", .needs = "a version", .help = "only crashes of app version V" },
    { .kind = CLI_TEXT, .name = "--build-id", .slot = offsetof(crashes_args, build_id),
      .arg = "B", .needs = "a build-id",
      .help = "only crashes of the build whose main module's build-id is B or starts with B" },
    { .kind = CLI_CHOICE, .name = "--by", .slot = offsetof(crashes_args, by), .arg = "WHAT",
      .needs = "one of none, version, build, host, day", .choices = by_choices,
      .help = "break the counts down:" },
    { .kind = CLI_TEXT, .name = "--new-in", .slot = offsetof(crashes_args, new_in),
      .arg = "V", .needs = "a version or build-id",
      .help = "only groups first seen in version V (or build-id V, 8 hex digits or more): "
              "their earliest snapshot has it; exit 1 when there is any" },
    { .kind = CLI_UINT, .name = "--top", .slot = offsetof(crashes_args, top), .arg = "N",
      .needs = "a number", .min = 1, .max = 1000000,
      .help = "only the N most frequent groups (default: all)" },
    CLI_GROUP_AT(crashes_args, json, cli_group_json),
    CLI_OPTIONS_END,
};

static int cmd_crashes(int argc, char **argv);

const cli_command cli_cmd_crashes = {
    .name = "crashes",
    .summary = "list the crash store's groups, most frequent first",
    .operands = "",
    .about =
        "List the groups of the crash store (bbx ingest fills it), most frequent\n"
        "first: id, count, distinct hosts, first and last seen (UTC), the app\n"
        "versions affected, a trend of the last 14 days (one column a day, today\n"
        "last; '.' none) and the signature.  With a filter the count is of the\n"
        "crashes that match it; hosts, versions and trend are over all time.\n"
        "bbx crash ID shows one group.\n" CLI_STORE_WHERE,
    .more = "Exit status: 0 done, 1 with --new-in when some group is new there,\n"
            "2 bad usage or a store that cannot be read.\n",
    .options = crashes_options,
    .run = cmd_crashes,
};

/* 14 columns: '.' for none, else one of 8 heights scaled to the largest. */
static void sparkline(const uint64_t *v, size_t n, FILE *out)
{
    static const char *const bars[] = { "\u2581", "\u2582", "\u2583", "\u2584",
                                        "\u2585", "\u2586", "\u2587", "\u2588" };
    uint64_t max = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] > max)
            max = v[i];
    for (size_t i = 0; i < n; i++)
        fputs(v[i] ? bars[(v[i] * 7 + max - 1) / max] : ".", out);
}

static void list_text(FILE *out, const store_group *g, size_t n)
{
    fprintf(out, "%-12s %8s %5s  %-16s  %-16s  %-16s  %-14s  %s\n", "ID", "COUNT", "HOSTS",
            "FIRST SEEN", "LAST SEEN", "VERSIONS", "LAST 14 DAYS", "SIGNATURE");
    for (size_t i = 0; i < n; i++) {
        char first[32], last[32], versions[17];
        size_t len = 0;
        cli_store_time(g[i].first_seen_ms, 0, first, sizeof(first));
        cli_store_time(g[i].last_seen_ms, 0, last, sizeof(last));
        versions[0] = 0;
        for (size_t k = 0; k < g[i].n_versions && len + 1 < sizeof(versions); k++) {
            int w = snprintf(versions + len, sizeof(versions) - len, "%s%s", k ? "," : "",
                             g[i].versions[k]);
            if (w < 0 || (size_t)w >= sizeof(versions) - len) {
                memcpy(versions + sizeof(versions) - 4, "...", 4);
                break;
            }
            len += (size_t)w;
        }
        fprintf(out, "%-12s %8llu %5llu  %-16s  %-16s  %-16s  ", g[i].id,
                (unsigned long long)g[i].count, (unsigned long long)g[i].hosts, first, last,
                versions[0] ? versions : "-");
        sparkline(g[i].trend, STORE_TREND_DAYS, out);
        fprintf(out, "  %s\n", g[i].signature);
    }
}

static void group_json(json_writer *w, const store_group *g)
{
    json_object_begin(w);
    json_kv_string(w, "id", g->id);
    json_kv_string(w, "signature", g->signature);
    json_kv_string(w, "kind", g->kind);
    json_kv_u64(w, "count", g->count);
    json_kv_u64(w, "total", g->total);
    json_kv_u64(w, "hosts", g->hosts);
    json_key(w, "first_seen_ms");
    json_i64(w, g->first_seen_ms);
    json_key(w, "last_seen_ms");
    json_i64(w, g->last_seen_ms);
    json_kv_string(w, "first_version", g->first_version);
    json_kv_string(w, "first_build_id", g->first_build_id);
    json_key(w, "versions");
    json_array_begin(w);
    for (size_t k = 0; k < g->n_versions; k++)
        json_string(w, g->versions[k]);
    json_array_end(w);
    json_key(w, "build_ids");
    json_array_begin(w);
    for (size_t k = 0; k < g->n_build_ids; k++)
        json_string(w, g->build_ids[k]);
    json_array_end(w);
    json_key(w, "trend");
    json_array_begin(w);
    for (size_t k = 0; k < STORE_TREND_DAYS; k++)
        json_u64(w, g->trend[k]);
    json_array_end(w);
    if (g->representative)
        json_kv_string(w, "representative", g->representative);
    else {
        json_key(w, "representative");
        json_null(w);
    }
    json_object_end(w);
}

static const char *signature_of(const store_group *g, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(g[i].id, id) == 0)
            return g[i].signature;
    return "?";
}

static void by_text(FILE *out, const char *what, const store_count *c, size_t nc,
                    const store_group *g, size_t n)
{
    for (size_t i = 0; i < nc;) {
        size_t j = i;
        uint64_t sum = 0;
        for (; j < nc && strcmp(c[j].key, c[i].key) == 0; j++)
            sum += c[j].count;
        fprintf(out, "%s %s: %llu crash%s in %zu group%s\n", what,
                c[i].key[0] ? c[i].key : "(none)", (unsigned long long)sum, sum == 1 ? "" : "es",
                j - i, j - i == 1 ? "" : "s");
        for (; i < j; i++)
            fprintf(out, "  %-12s %8llu  %s\n", c[i].key2, (unsigned long long)c[i].count,
                    signature_of(g, n, c[i].key2));
    }
}

static void by_json(json_writer *w, const store_count *c, size_t nc)
{
    json_key(w, "by");
    json_array_begin(w);
    for (size_t i = 0; i < nc;) {
        size_t j = i;
        uint64_t sum = 0;
        for (; j < nc && strcmp(c[j].key, c[i].key) == 0; j++)
            sum += c[j].count;
        json_object_begin(w);
        json_kv_string(w, "key", c[i].key);
        json_kv_u64(w, "count", sum);
        json_key(w, "groups");
        json_array_begin(w);
        for (; i < j; i++) {
            json_object_begin(w);
            json_kv_string(w, "id", c[i].key2);
            json_kv_u64(w, "count", c[i].count);
            json_object_end(w);
        }
        json_array_end(w);
        json_object_end(w);
    }
    json_array_end(w);
}

static int hex_only(const char *s)
{
    for (; *s; s++)
        if (!isxdigit((unsigned char)*s))
            return 0;
    return 1;
}

static int cmd_crashes(int argc, char **argv)
{
    crashes_args a = { 0 };
    int rc = CLI_ERROR;
    char err[1024];
    crash_store *st = NULL;
    store_group *g = NULL;
    store_count *c = NULL;
    size_t n = 0, nc = 0;
    int parsed = cli_parse(&cli_cmd_crashes, argc, argv, &a);
    if (parsed != CLI_PARSED) {
        rc = cli_parse_exit(parsed);
        goto out;
    }
    if (a.version && a.build_id) {
        cli_usage_error(&cli_cmd_crashes, "--version and --build-id do not go together");
        goto out;
    }
    if (a.build_id && (!a.build_id[0] || !hex_only(a.build_id))) {
        cli_error("crashes", "--build-id: '%s' is not a build-id (hex digits) (see 'bbx crashes --help')",
                  a.build_id);
        goto out;
    }
    if (a.by == BY_HOST && (a.since_ms || a.version || a.build_id)) {
        cli_usage_error(&cli_cmd_crashes,
                        "--by host counts over all time: not with --since, --version or --build-id");
        goto out;
    }
    if (!(st = cli_store_open("crashes", a.db, STORE_READONLY)))
        goto out;
    int64_t now = store_now_ms();
    store_filter f = { .since_ms = a.since_ms ? now - a.since_ms : 0, .version = a.version,
                       .build_id = a.build_id, .new_in = a.new_in };
    store_totals t;
    if (store_totals_get(st, &t, err, sizeof(err)) < 0 ||
        store_groups(st, &f, &g, &n, err, sizeof(err)) < 0 ||
        (a.by != BY_NONE &&
         store_breakdown(st, &f, (store_by)(a.by - BY_VERSION), &c, &nc, err, sizeof(err)) < 0)) {
        cli_error("crashes", "%s", err);
        goto out;
    }
    size_t shown = a.top && a.top < n ? a.top : n;
    uint64_t matching = 0;
    for (size_t i = 0; i < n; i++)
        matching += g[i].count;
    if (a.json) {
        json_writer w;
        json_init(&w, stdout, 1);
        json_object_begin(&w);
        json_kv_string(&w, "store", store_path(st));
        json_kv_u64(&w, "snapshots", t.snapshots);
        json_kv_u64(&w, "kept", t.kept);
        json_kv_u64(&w, "rejected", t.rejected);
        json_kv_u64(&w, "matching", matching);
        json_key(&w, "groups");
        json_array_begin(&w);
        for (size_t i = 0; i < shown; i++)
            group_json(&w, &g[i]);
        json_array_end(&w);
        if (a.by != BY_NONE)
            by_json(&w, c, nc);
        json_object_end(&w);
        if (json_finish(&w) < 0)
            goto write_fail;
    } else {
        printf("%llu crash%s in %zu group%s%s (store %s: %llu snapshots, %llu groups, %llu "
               "rejected files)\n",
               (unsigned long long)matching, matching == 1 ? "" : "es", n, n == 1 ? "" : "s",
               a.new_in ? " first seen in that version" : (f.since_ms || a.version || a.build_id) ? " matching" : "",
               store_path(st), (unsigned long long)t.snapshots, (unsigned long long)t.groups,
               (unsigned long long)t.rejected);
        if (shown) {
            if (a.by == BY_NONE)
                list_text(stdout, g, shown);
            else
                by_text(stdout, by_choices[a.by].name, c, nc, g, n);
        }
        if (shown < n)
            printf("(%zu more groups: --top N shows N)\n", n - shown);
    }
    if (fflush(stdout) != 0 || ferror(stdout))
        goto write_fail;
    rc = a.new_in && n ? CLI_FINDINGS : CLI_OK;
    goto out;
write_fail:
    cli_error("crashes", "cannot write: %s", strerror(errno));
out:
    store_groups_free(g, n);
    store_counts_free(c, nc);
    store_close(st);
    cli_release(&cli_cmd_crashes, &a);
    return rc;
}
