/*
 * store_maint.c - keeping the crash store: prune (fewer snapshot copies,
 * the counts unchanged) and regroup (new rules over every stored stack).
 *
 * A pruned snapshot leaves a short row in `pruned` (its key, stack, time,
 * host, version and build): ingesting the same file again still finds it
 * known, and regroup can rebuild every count exactly from snapshot and
 * pruned together.
 */
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow_array.h"

static int rollback(crash_store *st)
{
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

int store_prune(crash_store *st, uint64_t keep, int64_t older_than_ms, uint64_t *dropped,
                char *err, size_t errlen)
{
    sqlite3_stmt *s = NULL;
    *dropped = 0;
    if (store_exec(st, "BEGIN IMMEDIATE", err, errlen) < 0)
        return -1;
    if (store_exec(st,
                   "CREATE TEMP TABLE IF NOT EXISTS victim (hash TEXT PRIMARY KEY);"
                   "DELETE FROM victim",
                   err, errlen) < 0)
        return rollback(st);
    if (older_than_ms) {
        if (store_prepare(st, &s,
                          "INSERT OR IGNORE INTO victim (hash) SELECT s.hash FROM snapshot s"
                          " WHERE s.time_ms < ?1 AND NOT EXISTS"
                          " (SELECT 1 FROM crash_group g WHERE g.representative = s.hash)",
                          err, errlen) < 0)
            return rollback(st);
        sqlite3_bind_int64(s, 1, older_than_ms);
        if (sqlite3_step(s) != SQLITE_DONE)
            goto sql_fail;
        sqlite3_finalize(s);
        s = NULL;
    }
    if (keep) {
        /* The representative is always kept and counts among the K. */
        if (store_prepare(st, &s,
                          "INSERT OR IGNORE INTO victim (hash) SELECT hash FROM"
                          " (SELECT s.hash AS hash, ROW_NUMBER() OVER (PARTITION BY s.group_id"
                          "  ORDER BY CASE WHEN s.hash = g.representative THEN 0 ELSE 1 END,"
                          "  s.time_ms DESC, s.hash) AS rn"
                          "  FROM snapshot s JOIN crash_group g ON g.id = s.group_id) r"
                          " WHERE r.rn > ?1",
                          err, errlen) < 0)
            return rollback(st);
        sqlite3_bind_int64(s, 1, (sqlite3_int64)keep);
        if (sqlite3_step(s) != SQLITE_DONE)
            goto sql_fail;
        sqlite3_finalize(s);
        s = NULL;
    }
    if (store_exec(st,
                   "INSERT INTO pruned (hash, group_id, stack_id, time_ms, host, version,"
                   " build_id) SELECT hash, group_id, stack_id, time_ms, host, version,"
                   " build_id FROM snapshot WHERE hash IN (SELECT hash FROM victim)"
                   " ON CONFLICT (hash) DO NOTHING;"
                   "DELETE FROM annotation WHERE hash IN (SELECT hash FROM victim);"
                   "DELETE FROM snapshot_copy WHERE hash IN (SELECT hash FROM victim);"
                   "DELETE FROM snapshot WHERE hash IN (SELECT hash FROM victim);",
                   err, errlen) < 0)
        return rollback(st);
    *dropped = (uint64_t)sqlite3_total_changes(st->db);
    if (store_prepare(st, &s, "SELECT count(*) FROM victim", err, errlen) < 0)
        return rollback(st);
    if (sqlite3_step(s) == SQLITE_ROW)
        *dropped = (uint64_t)sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    s = NULL;
    if (store_exec(st, "DELETE FROM victim; COMMIT", err, errlen) < 0)
        return rollback(st);
    /* Give the space back to the file system (it waits for other writers). */
    if (*dropped && store_exec(st, "VACUUM", err, errlen) < 0)
        return -1;
    return 0;
sql_fail:
    store_sql_err(st, err, errlen, "cannot prune");
    sqlite3_finalize(s);
    return rollback(st);
}

typedef struct new_group {
    char id[SIG_ID_LEN + 1];
    char kind[24];
    char *text;
} new_group;

/* The new group of every stack: UPDATE stack; the groups' texts into *g. */
static int resign_stacks(crash_store *st, const sig_rules *r, new_group **g, size_t *ng,
                         uint64_t *moved, char *err, size_t errlen)
{
    sqlite3_stmt *s, *u;
    size_t cap = 0;
    int rc;
    if (store_prepare(st, &s, "SELECT id, group_id, kind, frames FROM stack", err, errlen) < 0)
        return -1;
    if (store_prepare(st, &u, "UPDATE stack SET group_id = ?2 WHERE id = ?1", err, errlen) <
        0) {
        sqlite3_finalize(s);
        return -1;
    }
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(s, 0);
        const char *old = (const char *)sqlite3_column_text(s, 1);
        const char *kind = (const char *)sqlite3_column_text(s, 2);
        const char *text = (const char *)sqlite3_column_text(s, 3);
        sig_frame *frames;
        size_t nf;
        char *buf;
        sig_result res;
        if (store_frames_parse(text ? text : "", &frames, &nf, &buf) < 0)
            break;
        sig_input in = { .frames = frames, .n_frames = nf };
        sig_facts_of_stack_kind(kind, &in.facts);
        sig_compute(r, &in, &res);
        free(frames);
        free(buf);
        if (!old || strcmp(old, res.id) != 0) {
            (*moved)++;
            sqlite3_bind_text(u, 1, id, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(u, 2, res.id, -1, SQLITE_TRANSIENT);
            int step = sqlite3_step(u);
            sqlite3_reset(u);
            if (step != SQLITE_DONE) {
                rc = step;
                break;
            }
        }
        size_t i = 0;
        while (i < *ng && strcmp((*g)[i].id, res.id) != 0)
            i++;
        if (i == *ng) {
            if (GROW_ARRAY(*g, cap, i + 1, 16) < 0)
                break;
            memset(&(*g)[i], 0, sizeof(**g));
            memcpy((*g)[i].id, res.id, sizeof(res.id));
            snprintf((*g)[i].kind, sizeof((*g)[i].kind), "%s", sig_kind_name(res.kind));
            if (!((*g)[i].text = strdup(res.text)))
                break;
            (*ng)++;
        }
    }
    sqlite3_finalize(s);
    sqlite3_finalize(u);
    if (rc == SQLITE_DONE)
        return 0;
    return store_sql_err(st, err, errlen, "cannot regroup the stacks");
}

/* Every count rebuilt from the snapshot and pruned rows. */
static const char rebuild_sql[] =
    "UPDATE snapshot SET group_id = (SELECT t.group_id FROM stack t WHERE t.id = snapshot.stack_id);"
    "UPDATE pruned SET group_id = (SELECT t.group_id FROM stack t WHERE t.id = pruned.stack_id);"
    "CREATE TEMP TABLE everything AS"
    " SELECT hash, stack_id, group_id, time_ms, host, version, build_id FROM snapshot"
    " UNION ALL SELECT hash, stack_id, group_id, time_ms, host, version, build_id FROM pruned;"
    "UPDATE stack SET count = (SELECT count(*) FROM everything e WHERE e.stack_id = stack.id);"
    "DELETE FROM stack WHERE count = 0;"
    "DELETE FROM group_day;"
    "INSERT INTO group_day (group_id, day, version, build_id, count)"
    " SELECT group_id, date(time_ms / 1000, 'unixepoch'), version, build_id, count(*)"
    " FROM everything GROUP BY 1, 2, 3, 4;"
    "DELETE FROM group_host;"
    "INSERT INTO group_host (group_id, host, count, first_seen_ms, last_seen_ms)"
    " SELECT group_id, host, count(*), MIN(time_ms), MAX(time_ms) FROM everything GROUP BY 1, 2;"
    "CREATE TEMP TABLE old_rep AS SELECT representative AS hash FROM crash_group"
    " WHERE representative IS NOT NULL;"
    "DELETE FROM crash_group;";

static const char group_sql[] =
    "INSERT INTO crash_group (id, signature, kind, count, first_seen_ms, last_seen_ms,"
    " first_version, first_build_id, representative)"
    " SELECT ?1, ?2, ?3, count(*), MIN(time_ms), MAX(time_ms),"
    "  (SELECT version FROM everything f WHERE f.group_id = ?1 ORDER BY time_ms, hash LIMIT 1),"
    "  (SELECT build_id FROM everything f WHERE f.group_id = ?1 ORDER BY time_ms, hash LIMIT 1),"
    "  COALESCE((SELECT s.hash FROM snapshot s JOIN old_rep o ON o.hash = s.hash"
    "            WHERE s.group_id = ?1 ORDER BY s.time_ms, s.hash LIMIT 1),"
    "           (SELECT s.hash FROM snapshot s WHERE s.group_id = ?1"
    "            ORDER BY s.time_ms DESC, s.hash LIMIT 1))"
    " FROM everything e WHERE e.group_id = ?1 HAVING count(*) > 0";

int store_regroup(crash_store *st, const char *rules_text, uint64_t *moved, uint64_t *groups,
                  char *err, size_t errlen)
{
    char *shipped = NULL;
    new_group *g = NULL;
    size_t ng = 0;
    sqlite3_stmt *s = NULL;
    int rc = -1;
    *moved = *groups = 0;
    if (!rules_text && !(rules_text = shipped = store_shipped_rules(err, errlen)))
        return -1;
    sig_rules *r = store_rules_parse(rules_text, "the rules", err, errlen);
    if (!r) {
        free(shipped);
        return -1;
    }
    if (store_exec(st, "BEGIN IMMEDIATE", err, errlen) < 0)
        goto done;
    if (resign_stacks(st, r, &g, &ng, moved, err, errlen) < 0 ||
        store_exec(st, "DROP TABLE IF EXISTS temp.everything; DROP TABLE IF EXISTS temp.old_rep",
                   err, errlen) < 0 ||
        store_exec(st, rebuild_sql, err, errlen) < 0 ||
        store_prepare(st, &s, group_sql, err, errlen) < 0)
        goto fail;
    for (size_t i = 0; i < ng; i++) {
        sqlite3_bind_text(s, 1, g[i].id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, g[i].text, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, g[i].kind, -1, SQLITE_STATIC);
        int step = sqlite3_step(s);
        sqlite3_reset(s);
        if (step != SQLITE_DONE) {
            store_sql_err(st, err, errlen, "cannot rebuild a group");
            goto fail;
        }
        *groups += sqlite3_changes(st->db) > 0;
    }
    sqlite3_finalize(s);
    s = NULL;
    if (store_meta_set(st, "rules", rules_text) < 0) {
        store_sql_err(st, err, errlen, "cannot record the rules");
        goto fail;
    }
    if (store_exec(st, "DROP TABLE temp.everything; DROP TABLE temp.old_rep; COMMIT", err,
                   errlen) < 0)
        goto fail;
    rc = 0;
    goto done;
fail:
    sqlite3_finalize(s);
    rollback(st);
done:
    for (size_t i = 0; i < ng; i++)
        free(g[i].text);
    free(g);
    sig_rules_free(r);
    free(shipped);
    return rc;
}
