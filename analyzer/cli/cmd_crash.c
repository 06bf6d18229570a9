/*
 * cmd_crash.c - `bbx crash ID`: one group of the crash store: counts per
 * version, day and host, the stack variants that fall in it, its
 * snapshots, and the representative crash's report (as bbx show prints it,
 * from the copy the store keeps).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cli_store.h"
#include "cli_symbols.h"
#include "json_writer.h"
#include "report.h"
#include "snap_reader.h"

typedef struct crash_args {
    const char *db, *extract;
    int json, no_report;
    unsigned snapshots;
    cli_symbols sym;
    cli_list ids;
} crash_args;

static const cli_option crash_options[] = {
    CLI_GROUP_AT(crash_args, db, cli_group_db),
    { .kind = CLI_UINT, .name = "--snapshots", .slot = offsetof(crash_args, snapshots),
      .arg = "N", .needs = "a number", .min = 1, .max = 100000000,
      .help = "list the N newest snapshots of the group (default 20)" },
    { .kind = CLI_FLAG, .name = "--no-report", .slot = offsetof(crash_args, no_report),
      .help = "leave out the representative crash's report" },
    { .kind = CLI_TEXT, .name = "--extract", .slot = offsetof(crash_args, extract),
      .arg = "FILE", .needs = "a file name",
      .help = "write the representative snapshot's stored copy to FILE (a new file: an "
              "existing one is not replaced), for bbx show, report or scrub" },
    CLI_GROUP_AT(crash_args, json, cli_group_json),
    CLI_GROUP_AT(crash_args, sym, cli_group_symbols),
    CLI_OPTIONS_END,
};

static int cmd_crash(int argc, char **argv);

const cli_command cli_cmd_crash = {
    .name = "crash",
    .summary = "show one group of the crash store",
    .operands = "ID",
    .about =
        "Show one group of the crash store: its signature and kind, how many\n"
        "crashes on how many hosts, first and last seen, the counts per app\n"
        "version and build, per day and per host, the stack variants that fall in\n"
        "it (the frames from the first of interest on, normalized, at most 16;\n"
        "most common first), its newest snapshots (time, host, program, version,\n"
        "signal, key and the path it was ingested from), and the report of its\n"
        "representative crash, the same text as bbx show, symbolized with the\n"
        "symbol options from the copy the store keeps.\n"
        "ID is a group id from bbx crashes, or the start of one.\n" CLI_STORE_WHERE,
    .more = "Exit status: 0 done, 2 bad usage, no such group (or an ID that starts more\n"
            "than one), or a store that cannot be read.\n",
    .options = crash_options,
    .operand_slot = offsetof(crash_args, ids),
    .run = cmd_crash,
};

static void short_build(const char *b, char *out, size_t len)
{
    snprintf(out, len, "%.12s%s", b[0] ? b : "-", strlen(b) > 12 ? "..." : "");
}

static void detail_text(FILE *out, const store_group_detail *d)
{
    const store_group *g = &d->g;
    char first[32], last[32], build[24];
    cli_store_time(g->first_seen_ms, 1, first, sizeof(first));
    cli_store_time(g->last_seen_ms, 1, last, sizeof(last));
    short_build(g->first_build_id, build, sizeof(build));
    fprintf(out, "group %s: %s\n", g->id, g->signature);
    fprintf(out, "kind %s; %llu crash%s on %llu host%s\n", g->kind,
            (unsigned long long)g->total, g->total == 1 ? "" : "es",
            (unsigned long long)g->hosts, g->hosts == 1 ? "" : "s");
    fprintf(out, "first seen %s UTC in version %s (build %s); last seen %s UTC\n", first,
            g->first_version[0] ? g->first_version : "-", build, last);
    fprintf(out, "\nper version:\n");
    for (size_t i = 0; i < d->n_per_version; i++) {
        short_build(d->per_version[i].key2, build, sizeof(build));
        fprintf(out, "  %-16s build %-16s %8llu\n",
                d->per_version[i].key[0] ? d->per_version[i].key : "-", build,
                (unsigned long long)d->per_version[i].count);
    }
    fprintf(out, "\nper day (UTC):\n");
    for (size_t i = 0; i < d->n_per_day; i++)
        fprintf(out, "  %s %8llu\n", d->per_day[i].key, (unsigned long long)d->per_day[i].count);
    fprintf(out, "\nper host:\n");
    for (size_t i = 0; i < d->n_per_host; i++)
        fprintf(out, "  %-24s %8llu\n", d->per_host[i].key[0] ? d->per_host[i].key : "-",
                (unsigned long long)d->per_host[i].count);
    fprintf(out, "\nstack variants (%zu):\n", d->n_variants);
    for (size_t i = 0; i < d->n_variants; i++)
        fprintf(out, "  %8llu  %s\n", (unsigned long long)d->variants[i].count,
                d->variants[i].key);
    fprintf(out, "\nsnapshots (%zu newest of %llu kept; %llu pruned):\n", d->n_snapshots,
            (unsigned long long)d->snapshots_kept,
            (unsigned long long)(g->total > d->snapshots_kept ? g->total - d->snapshots_kept : 0));
    for (size_t i = 0; i < d->n_snapshots; i++) {
        const store_snapshot *s = &d->snapshots[i];
        char when[32];
        cli_store_time(s->time_ms, 1, when, sizeof(when));
        fprintf(out, "  %s  %-16s %-16s %-10s %-8s %s%s %s\n", when, s->host[0] ? s->host : "-",
                s->program[0] ? s->program : "-", s->version[0] ? s->version : "-",
                s->signal ? snap_signal_name((uint64_t)s->signal) : s->trigger, s->hash,
                strcmp(s->hash, g->representative ? g->representative : "") == 0 ? "*" : "",
                s->source);
    }
}

static void counts_json(json_writer *w, const char *key, const char *k1, const char *k2,
                        const store_count *c, size_t n)
{
    json_key(w, key);
    json_array_begin(w);
    for (size_t i = 0; i < n; i++) {
        json_object_begin(w);
        json_kv_string(w, k1, c[i].key);
        if (k2)
            json_kv_string(w, k2, c[i].key2);
        json_kv_u64(w, "count", c[i].count);
        json_object_end(w);
    }
    json_array_end(w);
}

static int detail_json(FILE *out, const store_group_detail *d)
{
    const store_group *g = &d->g;
    json_writer w;
    json_init(&w, out, 1);
    json_object_begin(&w);
    json_kv_string(&w, "id", g->id);
    json_kv_string(&w, "signature", g->signature);
    json_kv_string(&w, "kind", g->kind);
    json_kv_u64(&w, "count", g->total);
    json_kv_u64(&w, "hosts", g->hosts);
    json_key(&w, "first_seen_ms");
    json_i64(&w, g->first_seen_ms);
    json_key(&w, "last_seen_ms");
    json_i64(&w, g->last_seen_ms);
    json_kv_string(&w, "first_version", g->first_version);
    json_kv_string(&w, "first_build_id", g->first_build_id);
    counts_json(&w, "per_version", "version", "build_id", d->per_version, d->n_per_version);
    counts_json(&w, "per_day", "day", NULL, d->per_day, d->n_per_day);
    counts_json(&w, "per_host", "host", NULL, d->per_host, d->n_per_host);
    counts_json(&w, "variants", "frames", NULL, d->variants, d->n_variants);
    json_kv_u64(&w, "snapshots_kept", d->snapshots_kept);
    json_key(&w, "snapshots");
    json_array_begin(&w);
    for (size_t i = 0; i < d->n_snapshots; i++) {
        const store_snapshot *s = &d->snapshots[i];
        json_object_begin(&w);
        json_kv_string(&w, "hash", s->hash);
        json_kv_string(&w, "source", s->source);
        json_key(&w, "time_ms");
        json_i64(&w, s->time_ms);
        json_kv_string(&w, "host", s->host);
        json_kv_string(&w, "program", s->program);
        json_kv_string(&w, "version", s->version);
        json_kv_string(&w, "build_id", s->build_id);
        json_kv_string(&w, "trigger", s->trigger);
        json_key(&w, "signal");
        json_i64(&w, s->signal);
        json_kv_bool(&w, "copy", s->has_copy);
        json_object_end(&w);
    }
    json_array_end(&w);
    json_key(&w, "representative");
    if (g->representative)
        json_string(&w, g->representative);
    else
        json_null(&w);
    json_object_end(&w);
    return json_finish(&w);
}

/* The representative's copy: written to a new file (extract), or printed
 * as bbx show does.  0, or -1 after an error line. */
static int representative(crash_store *st, const store_group_detail *d, const crash_args *a,
                          int extract, int dbgd_ms)
{
    uint8_t *data;
    size_t len;
    char err[1024];
    if (!d->g.representative) {
        if (!extract && !a->no_report && !a->json)
            printf("\n(no snapshot of this group is kept: bbx prune dropped them)\n");
        if (extract) {
            cli_error("crash", "--extract: no snapshot of group %s is kept", d->g.id);
            return -1;
        }
        return 0;
    }
    int got = store_snapshot_bytes(st, d->g.representative, &data, &len, err, sizeof(err));
    if (got < 0) {
        cli_error("crash", "%s", err);
        return -1;
    }
    if (got > 0) {
        if (extract) {
            cli_error("crash", "--extract: the copy of %s is not kept", d->g.representative);
            return -1;
        }
        if (!a->no_report && !a->json)
            printf("\n(the representative snapshot's copy is not kept)\n");
        return 0;
    }
    int rc = 0;
    if (extract) {
        FILE *f = fopen(a->extract, "wbx");
        if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
            cli_error("crash", "%s: cannot write: %s", a->extract, strerror(errno));
            if (f)
                remove(a->extract);
            free(data);
            return -1;
        }
    }
    if (!extract && !a->no_report && !a->json) {
        snap *s = snap_read_buffer(data, len, err, sizeof(err));
        if (!s) {
            cli_error("crash", "the stored copy of %s: %s", d->g.representative, err);
            rc = -1;
        } else {
            report_options ro = { .symbols = cli_symbols_open(&a->sym, dbgd_ms) };
            printf("\nrepresentative crash (snapshot %s):\n\n", d->g.representative);
            if (report_text(stdout, s, &ro) < 0)
                rc = -1;
            sym_session_free(ro.symbols);
            snap_free(s);
        }
    }
    free(data);
    return rc;
}

static int cmd_crash(int argc, char **argv)
{
    crash_args a = { 0 };
    int rc = CLI_ERROR, dbgd_ms;
    char err[1024];
    crash_store *st = NULL;
    store_group_detail d = { 0 };
    int have = 0;
    int parsed = cli_parse(&cli_cmd_crash, argc, argv, &a);
    if (parsed != CLI_PARSED) {
        rc = cli_parse_exit(parsed);
        goto out;
    }
    if (a.ids.n != 1) {
        if (a.ids.n)
            cli_usage_error(&cli_cmd_crash, "one ID only");
        else
            cli_error("crash", "no ID given (usage: bbx crash [--db PATH] ID; bbx crashes lists them)");
        goto out;
    }
    if (cli_symbols_timeout("crash", &a.sym, &dbgd_ms) < 0 ||
        !(st = cli_store_open("crash", a.db, STORE_READONLY)))
        goto out;
    int found = store_group_get(st, a.ids.v[0], a.snapshots ? a.snapshots : 20, &d, err,
                                sizeof(err));
    if (found == 1)
        cli_error("crash", "no group '%s' in %s (bbx crashes lists them)", a.ids.v[0],
                  store_path(st));
    if (found == 2 || found < 0)
        cli_error("crash", "%s", err);
    if (found != 0)
        goto out;
    have = 1;
    if (a.extract && representative(st, &d, &a, 1, dbgd_ms) < 0)
        goto out; /* before anything is printed */
    if (a.json ? detail_json(stdout, &d) < 0 : (detail_text(stdout, &d), 0))
        goto write_fail;
    if (representative(st, &d, &a, 0, dbgd_ms) < 0)
        goto out;
    if (fflush(stdout) != 0 || ferror(stdout))
        goto write_fail;
    rc = CLI_OK;
    goto out;
write_fail:
    cli_error("crash", "cannot write: %s", strerror(errno));
out:
    if (have)
        store_group_detail_free(&d);
    store_close(st);
    cli_release(&cli_cmd_crash, &a);
    return rc;
}
