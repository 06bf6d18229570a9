/*
 * store_query.c - the triage questions: which groups, how many, since
 * when, in which builds; one group in detail; the kept snapshot bytes.
 * Counts come from the pre-aggregated tables (crash_group, group_day,
 * group_host), never from counting snapshot rows, so they hold after
 * `bbx prune` and stay fast on millions of crashes.
 */
#include "store_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow_array.h"

static char *dup_col(sqlite3_stmt *s, int i)
{
    const char *v = (const char *)sqlite3_column_text(s, i);
    return strdup(v ? v : "");
}

int store_totals_get(crash_store *st, store_totals *t, char *err, size_t errlen)
{
    /* Rows kept are the snapshots ever counted less those pruned: every
     * ingest adds a row and a count, prune turns a row into a pruned one and
     * keeps the count, regroup rebuilds the counts from both.  count(*) over
     * snapshot would read its whole smallest index: 50 ms at a million rows
     * (bench/run_ingest.py), most of what `bbx crashes` took there. */
    static const char q[] =
        "SELECT (SELECT COALESCE(SUM(count), 0) FROM crash_group),"
        " (SELECT COALESCE(SUM(count), 0) FROM crash_group) - (SELECT count(*) FROM pruned),"
        " (SELECT count(*) FROM rejected), (SELECT count(*) FROM crash_group)";
    sqlite3_stmt *s;
    memset(t, 0, sizeof(*t));
    if (store_prepare(st, &s, q, err, errlen) < 0)
        return -1;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        t->snapshots = (uint64_t)sqlite3_column_int64(s, 0);
        t->kept = (uint64_t)sqlite3_column_int64(s, 1);
        t->rejected = (uint64_t)sqlite3_column_int64(s, 2);
        t->groups = (uint64_t)sqlite3_column_int64(s, 3);
    }
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? 0 : store_sql_err(st, err, errlen, "cannot count");
}

/* A build-id given on the command line: hex digits only. */
static int hex_word(const char *v)
{
    if (!v || !v[0])
        return 0;
    for (; *v; v++)
        if (!isxdigit((unsigned char)*v))
            return 0;
    return 1;
}

/* The filter's WHERE over group_day (parameters ?1 day, ?2 version, ?3 build). */
static const char day_where[] =
    " WHERE (?1 IS NULL OR day >= ?1) AND (?2 IS NULL OR version = ?2)"
    " AND (?3 IS NULL OR substr(build_id, 1, length(?3)) = ?3)";

static int filtered(const store_filter *f)
{
    return f && (f->since_ms || f->version || f->build_id);
}

static void bind_filter(sqlite3_stmt *s, const store_filter *f, char since_day[11])
{
    if (f && f->since_ms) {
        store_day(f->since_ms, since_day);
        sqlite3_bind_text(s, 1, since_day, -1, SQLITE_STATIC);
    }
    if (f && f->version)
        sqlite3_bind_text(s, 2, f->version, -1, SQLITE_STATIC);
    if (f && f->build_id)
        sqlite3_bind_text(s, 3, f->build_id, -1, SQLITE_STATIC);
}

enum { X_HOSTS, X_VERSIONS, X_BUILDS, X_TREND, X_COUNT };

static const char *const extra_sql[X_COUNT] = {
    [X_HOSTS] = "SELECT count(*) FROM group_host WHERE group_id = ?1",
    [X_VERSIONS] = "SELECT version FROM group_day WHERE group_id = ?1 AND version <> ''"
                   " GROUP BY version ORDER BY MIN(day), version",
    [X_BUILDS] = "SELECT build_id FROM group_day WHERE group_id = ?1 AND build_id <> ''"
                 " GROUP BY build_id ORDER BY MIN(day), build_id",
    [X_TREND] = "SELECT day, SUM(count) FROM group_day WHERE group_id = ?1 AND day >= ?2"
                " GROUP BY day",
};

typedef struct extras {
    sqlite3_stmt *q[X_COUNT];
    char days[STORE_TREND_DAYS][11];
} extras;

static int extras_open(crash_store *st, extras *x, int64_t now_ms, char *err, size_t errlen)
{
    memset(x, 0, sizeof(*x));
    for (int i = 0; i < X_COUNT; i++)
        if (store_prepare(st, &x->q[i], extra_sql[i], err, errlen) < 0)
            return -1;
    for (int i = 0; i < STORE_TREND_DAYS; i++)
        store_day(now_ms - (int64_t)(STORE_TREND_DAYS - 1 - i) * 86400000, x->days[i]);
    return 0;
}

static void extras_close(extras *x)
{
    for (int i = 0; i < X_COUNT; i++)
        sqlite3_finalize(x->q[i]);
}

static int column_list(sqlite3_stmt *s, char ***v, size_t *n)
{
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (GROW_ARRAY(*v, cap, *n + 1, 4) < 0 || !((*v)[*n] = dup_col(s, 0)))
            break;
        (*n)++;
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Hosts, versions, builds and trend of g. */
static int fill_extras(crash_store *st, extras *x, store_group *g, char *err, size_t errlen)
{
    for (int i = 0; i < X_COUNT; i++)
        sqlite3_bind_text(x->q[i], 1, g->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(x->q[X_TREND], 2, x->days[0], -1, SQLITE_STATIC);
    if (sqlite3_step(x->q[X_HOSTS]) == SQLITE_ROW)
        g->hosts = (uint64_t)sqlite3_column_int64(x->q[X_HOSTS], 0);
    sqlite3_reset(x->q[X_HOSTS]);
    if (column_list(x->q[X_VERSIONS], &g->versions, &g->n_versions) < 0 ||
        column_list(x->q[X_BUILDS], &g->build_ids, &g->n_build_ids) < 0)
        return store_sql_err(st, err, errlen, "cannot read a group");
    int rc;
    while ((rc = sqlite3_step(x->q[X_TREND])) == SQLITE_ROW) {
        const char *day = (const char *)sqlite3_column_text(x->q[X_TREND], 0);
        for (int i = 0; day && i < STORE_TREND_DAYS; i++)
            if (strcmp(day, x->days[i]) == 0)
                g->trend[i] += (uint64_t)sqlite3_column_int64(x->q[X_TREND], 1);
    }
    sqlite3_reset(x->q[X_TREND]);
    return rc == SQLITE_DONE ? 0 : store_sql_err(st, err, errlen, "cannot read a trend");
}

#define GROUP_COLUMNS                                                                      \
    "g.id, g.signature, g.kind, g.count, g.first_seen_ms, g.last_seen_ms, g.first_version," \
    " g.first_build_id, g.representative"

static int read_group(sqlite3_stmt *s, store_group *g)
{
    const char *id = (const char *)sqlite3_column_text(s, 0);
    const char *kind = (const char *)sqlite3_column_text(s, 2);
    memset(g, 0, sizeof(*g));
    snprintf(g->id, sizeof(g->id), "%s", id ? id : "");
    snprintf(g->kind, sizeof(g->kind), "%s", kind ? kind : "");
    g->total = (uint64_t)sqlite3_column_int64(s, 3);
    g->count = g->total;
    g->first_seen_ms = sqlite3_column_int64(s, 4);
    g->last_seen_ms = sqlite3_column_int64(s, 5);
    g->signature = dup_col(s, 1);
    g->first_version = dup_col(s, 6);
    g->first_build_id = dup_col(s, 7);
    if (sqlite3_column_type(s, 8) != SQLITE_NULL)
        g->representative = dup_col(s, 8);
    return g->signature && g->first_version && g->first_build_id ? 0 : -1;
}

static void group_free(store_group *g)
{
    free(g->signature);
    free(g->first_version);
    free(g->first_build_id);
    free(g->representative);
    for (size_t i = 0; i < g->n_versions; i++)
        free(g->versions[i]);
    free(g->versions);
    for (size_t i = 0; i < g->n_build_ids; i++)
        free(g->build_ids[i]);
    free(g->build_ids);
}

void store_groups_free(store_group *g, size_t n)
{
    for (size_t i = 0; i < n; i++)
        group_free(&g[i]);
    free(g);
}

int store_groups(crash_store *st, const store_filter *f, store_group **out, size_t *n,
                 char *err, size_t errlen)
{
    char q[1024], since_day[11];
    sqlite3_stmt *s;
    extras x;
    size_t cap = 0;
    int rc = -1;
    *out = NULL;
    *n = 0;
    const char *new_in = f ? f->new_in : NULL;
    const char *new_where =
        new_in ? (hex_word(new_in) && strlen(new_in) >= 8
                      ? " AND (g.first_version = ?4 OR substr(g.first_build_id, 1, length(?4)) = ?4)"
                      : " AND g.first_version = ?4")
               : "";
    if (filtered(f))
        snprintf(q, sizeof(q),
                 "SELECT " GROUP_COLUMNS ", d.n FROM crash_group g JOIN"
                 " (SELECT group_id, SUM(count) AS n FROM group_day%s GROUP BY group_id) d"
                 " ON d.group_id = g.id WHERE d.n > 0%s"
                 " ORDER BY d.n DESC, g.last_seen_ms DESC, g.id",
                 day_where, new_where);
    else
        snprintf(q, sizeof(q),
                 "SELECT " GROUP_COLUMNS ", g.count FROM crash_group g WHERE 1 = 1%s"
                 " ORDER BY g.count DESC, g.last_seen_ms DESC, g.id",
                 new_where);
    if (store_prepare(st, &s, q, err, errlen) < 0)
        return -1;
    if (filtered(f))
        bind_filter(s, f, since_day);
    if (new_in)
        sqlite3_bind_text(s, 4, new_in, -1, SQLITE_STATIC);
    if (extras_open(st, &x, f && f->now_ms ? f->now_ms : store_now_ms(), err, errlen) < 0)
        goto done;
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (GROW_ARRAY(*out, cap, *n + 1, 16) < 0) {
            store_err(err, errlen, "out of memory");
            goto done;
        }
        store_group *g = &(*out)[*n];
        int bad = read_group(s, g);
        (*n)++;
        if (bad < 0) {
            store_err(err, errlen, "out of memory");
            goto done;
        }
        g->count = (uint64_t)sqlite3_column_int64(s, 9);
        if (fill_extras(st, &x, g, err, errlen) < 0)
            goto done;
    }
    if (step != SQLITE_DONE) {
        store_sql_err(st, err, errlen, "cannot list the groups");
        goto done;
    }
    rc = 0;
done:
    extras_close(&x);
    sqlite3_finalize(s);
    if (rc < 0) {
        store_groups_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

void store_counts_free(store_count *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(c[i].key);
        free(c[i].key2);
    }
    free(c);
}

/* Rows of (key[, key2], count[, first, last]) from s into *out. */
static int read_counts(crash_store *st, sqlite3_stmt *s, int has_key2, int has_times,
                       store_count **out, size_t *n, char *err, size_t errlen)
{
    size_t cap = 0;
    int rc;
    *out = NULL;
    *n = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int c = 1;
        if (GROW_ARRAY(*out, cap, *n + 1, 16) < 0)
            goto oom;
        store_count *r = &(*out)[*n];
        memset(r, 0, sizeof(*r));
        (*n)++;
        if (!(r->key = dup_col(s, 0)))
            goto oom;
        if (has_key2 && !(r->key2 = dup_col(s, c++)))
            goto oom;
        r->count = (uint64_t)sqlite3_column_int64(s, c++);
        if (has_times) {
            r->first_seen_ms = sqlite3_column_int64(s, c++);
            r->last_seen_ms = sqlite3_column_int64(s, c++);
        }
    }
    if (rc == SQLITE_DONE)
        return 0;
    store_sql_err(st, err, errlen, "cannot read counts");
    goto fail;
oom:
    store_err(err, errlen, "out of memory");
fail:
    store_counts_free(*out, *n);
    *out = NULL;
    *n = 0;
    return -1;
}

int store_breakdown(crash_store *st, const store_filter *f, store_by by, store_count **out,
                    size_t *n, char *err, size_t errlen)
{
    static const char *const keys[] = {
        [STORE_BY_VERSION] = "version", [STORE_BY_BUILD] = "build_id", [STORE_BY_DAY] = "day"
    };
    char q[768], since_day[11];
    sqlite3_stmt *s;
    if (by == STORE_BY_HOST)
        snprintf(q, sizeof(q), "SELECT host, group_id, count FROM group_host"
                               " ORDER BY host, count DESC, group_id");
    else
        snprintf(q, sizeof(q),
                 "SELECT %s, group_id, SUM(count) AS n FROM group_day%s GROUP BY %s, group_id"
                 " ORDER BY %s, n DESC, group_id",
                 keys[by], day_where, keys[by], keys[by]);
    if (store_prepare(st, &s, q, err, errlen) < 0)
        return -1;
    if (by != STORE_BY_HOST)
        bind_filter(s, f, since_day);
    int rc = read_counts(st, s, 1, 0, out, n, err, errlen);
    sqlite3_finalize(s);
    return rc;
}

/* The stack variants of group id, merged by how they read. */
static int read_variants(crash_store *st, const char *id, store_group_detail *d, char *err,
                         size_t errlen)
{
    sqlite3_stmt *s;
    sig_rules *r = store_rules(st, err, errlen);
    size_t cap = 0;
    int rc;
    if (!r)
        return -1;
    if (store_prepare(st, &s, "SELECT frames, count FROM stack WHERE group_id = ?1", err,
                      errlen) < 0) {
        sig_rules_free(r);
        return -1;
    }
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(s, 0);
        uint64_t count = (uint64_t)sqlite3_column_int64(s, 1);
        sig_frame *frames;
        size_t nf;
        char *buf, shown[SIG_TEXT_MAX];
        if (store_frames_parse(text ? text : "", &frames, &nf, &buf) < 0)
            break;
        sig_input in = { .frames = frames, .n_frames = nf };
        sig_variant_text(r, &in, STORE_VARIANT_FRAMES, shown, sizeof(shown));
        free(frames);
        free(buf);
        size_t k = 0;
        while (k < d->n_variants && strcmp(d->variants[k].key, shown) != 0)
            k++;
        if (k == d->n_variants) {
            if (GROW_ARRAY(d->variants, cap, k + 1, 4) < 0)
                break;
            memset(&d->variants[k], 0, sizeof(d->variants[k]));
            if (!(d->variants[k].key = strdup(shown)))
                break;
            d->n_variants++;
        }
        d->variants[k].count += count;
    }
    sqlite3_finalize(s);
    sig_rules_free(r);
    if (rc != SQLITE_DONE) {
        store_err(err, errlen, "%s: cannot read the group's stacks", st->path);
        return -1;
    }
    /* most common first */
    for (size_t i = 1; i < d->n_variants; i++)
        for (size_t j = i; j > 0 && d->variants[j].count > d->variants[j - 1].count; j--) {
            store_count t = d->variants[j];
            d->variants[j] = d->variants[j - 1];
            d->variants[j - 1] = t;
        }
    return 0;
}

static int read_snapshots(crash_store *st, const char *id, size_t max, store_group_detail *d,
                          char *err, size_t errlen)
{
    sqlite3_stmt *s;
    size_t cap = 0;
    int rc;
    if (store_prepare(st, &s,
                      "SELECT count(*) FROM snapshot WHERE group_id = ?1", err, errlen) < 0)
        return -1;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW)
        d->snapshots_kept = (uint64_t)sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    if (store_prepare(st, &s,
                      "SELECT hash, source, host, program, version, build_id, trigger_kind,"
                      " time_ms, signal,"
                      " EXISTS (SELECT 1 FROM snapshot_copy c WHERE c.hash = s.hash)"
                      " FROM snapshot s WHERE group_id = ?1"
                      " ORDER BY time_ms DESC, hash LIMIT ?2",
                      err, errlen) < 0)
        return -1;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)max);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (GROW_ARRAY(d->snapshots, cap, d->n_snapshots + 1, 16) < 0)
            break;
        store_snapshot *r = &d->snapshots[d->n_snapshots++];
        const char *h = (const char *)sqlite3_column_text(s, 0);
        memset(r, 0, sizeof(*r));
        snprintf(r->hash, sizeof(r->hash), "%s", h ? h : "");
        r->source = dup_col(s, 1);
        r->host = dup_col(s, 2);
        r->program = dup_col(s, 3);
        r->version = dup_col(s, 4);
        r->build_id = dup_col(s, 5);
        r->trigger = dup_col(s, 6);
        r->time_ms = sqlite3_column_int64(s, 7);
        r->signal = sqlite3_column_int64(s, 8);
        r->has_copy = sqlite3_column_int(s, 9);
    }
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : store_sql_err(st, err, errlen, "cannot list snapshots");
}

int store_group_get(crash_store *st, const char *id_prefix, size_t max_snapshots,
                    store_group_detail *d, char *err, size_t errlen)
{
    sqlite3_stmt *s;
    extras x;
    int rc = -1, step;
    memset(d, 0, sizeof(*d));
    if (store_prepare(st, &s,
                      "SELECT " GROUP_COLUMNS " FROM crash_group g"
                      " WHERE substr(g.id, 1, length(?1)) = ?1 ORDER BY g.id LIMIT 2",
                      err, errlen) < 0)
        return -1;
    sqlite3_bind_text(s, 1, id_prefix, -1, SQLITE_STATIC);
    if ((step = sqlite3_step(s)) != SQLITE_ROW) {
        sqlite3_finalize(s);
        if (step == SQLITE_DONE)
            return 1;
        return store_sql_err(st, err, errlen, "cannot find the group");
    }
    if (read_group(s, &d->g) < 0) {
        sqlite3_finalize(s);
        store_err(err, errlen, "out of memory");
        return -1;
    }
    if (sqlite3_step(s) == SQLITE_ROW) {
        const char *other = (const char *)sqlite3_column_text(s, 0);
        store_err(err, errlen, "'%s' is the start of more than one group id (%s, %s)",
                  id_prefix, d->g.id, other ? other : "?");
        sqlite3_finalize(s);
        store_group_detail_free(d);
        return 2;
    }
    sqlite3_finalize(s);
    if (extras_open(st, &x, store_now_ms(), err, errlen) < 0 ||
        fill_extras(st, &x, &d->g, err, errlen) < 0)
        goto done;
    static const char per_version[] =
        "SELECT version, build_id, SUM(count) FROM group_day WHERE group_id = ?1"
        " GROUP BY version, build_id ORDER BY MIN(day), version, build_id";
    static const char per_day[] =
        "SELECT day, SUM(count) FROM group_day WHERE group_id = ?1 GROUP BY day ORDER BY day";
    static const char per_host[] =
        "SELECT host, count, first_seen_ms, last_seen_ms FROM group_host WHERE group_id = ?1"
        " ORDER BY count DESC, host";
    if (store_prepare(st, &s, per_version, err, errlen) < 0)
        goto done;
    sqlite3_bind_text(s, 1, d->g.id, -1, SQLITE_STATIC);
    int bad = read_counts(st, s, 1, 0, &d->per_version, &d->n_per_version, err, errlen);
    sqlite3_finalize(s);
    if (bad < 0 || store_prepare(st, &s, per_day, err, errlen) < 0)
        goto done;
    sqlite3_bind_text(s, 1, d->g.id, -1, SQLITE_STATIC);
    bad = read_counts(st, s, 0, 0, &d->per_day, &d->n_per_day, err, errlen);
    sqlite3_finalize(s);
    if (bad < 0 || store_prepare(st, &s, per_host, err, errlen) < 0)
        goto done;
    sqlite3_bind_text(s, 1, d->g.id, -1, SQLITE_STATIC);
    bad = read_counts(st, s, 0, 1, &d->per_host, &d->n_per_host, err, errlen);
    sqlite3_finalize(s);
    if (bad < 0 || read_variants(st, d->g.id, d, err, errlen) < 0 ||
        read_snapshots(st, d->g.id, max_snapshots, d, err, errlen) < 0)
        goto done;
    rc = 0;
done:
    extras_close(&x);
    if (rc < 0)
        store_group_detail_free(d);
    return rc;
}

void store_group_detail_free(store_group_detail *d)
{
    group_free(&d->g);
    store_counts_free(d->per_version, d->n_per_version);
    store_counts_free(d->per_day, d->n_per_day);
    store_counts_free(d->per_host, d->n_per_host);
    store_counts_free(d->variants, d->n_variants);
    for (size_t i = 0; i < d->n_snapshots; i++) {
        store_snapshot *r = &d->snapshots[i];
        free(r->source);
        free(r->host);
        free(r->program);
        free(r->version);
        free(r->build_id);
        free(r->trigger);
    }
    free(d->snapshots);
    memset(d, 0, sizeof(*d));
}

int store_snapshot_bytes(crash_store *st, const char *hash, uint8_t **data, size_t *len,
                         char *err, size_t errlen)
{
    sqlite3_stmt *s;
    *data = NULL;
    *len = 0;
    if (store_prepare(st, &s, "SELECT data FROM snapshot_copy WHERE hash = ?1", err, errlen) < 0)
        return -1;
    sqlite3_bind_text(s, 1, hash, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const void *p = sqlite3_column_blob(s, 0);
        size_t n = (size_t)sqlite3_column_bytes(s, 0);
        if ((*data = malloc(n ? n : 1)) != NULL) {
            memcpy(*data, p, n);
            *len = n;
        }
    }
    sqlite3_finalize(s);
    if (rc == SQLITE_DONE)
        return 1;
    if (rc != SQLITE_ROW)
        return store_sql_err(st, err, errlen, "cannot read a snapshot's copy");
    if (!*data) {
        store_err(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}
