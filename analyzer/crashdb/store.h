/*
 * store.h - the crash store: snapshots from many machines and builds in one
 * SQLite database, grouped under crash signatures (sig_compute.h), with the
 * counts triage asks for kept up to date as snapshots come in.
 *
 * The schema is an interface (docs/FORMAT.md, "The crash store"): versioned
 * with PRAGMA user_version and migrated on open; the core tables use only
 * TEXT, BIGINT and INTEGER columns and SQL that PostgreSQL runs too.  The
 * copy of each snapshot's bytes lives apart, in snapshot_copy (a BLOB).
 *
 * Every snapshot is stored once, keyed by a hash of its bytes
 * (store_hash_hex): ingest inserts with ON CONFLICT DO NOTHING and moves
 * the counts only for a row it inserted, inside the same transaction, so
 * several ingesting processes at once store nothing twice, and a process
 * killed mid-batch leaves the store as it was after its last commit.
 *
 * Counts (crash_group, group_day, group_version, group_host) are kept as
 * snapshots arrive and are not derived from the snapshot rows: `bbx prune`
 * drops rows and copies and the counts stay right.
 *
 * Not thread-safe: one store handle per thread.  Not async-signal-safe.
 */
#ifndef BBX_STORE_H
#define BBX_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "sig_compute.h"
#include "sig_rules.h"
#include "symbolizer.h"

#define STORE_SCHEMA_VERSION 1
#define STORE_HASH_HEX 32       /* the content key: 128 bits as hex */
#define STORE_FRAMES_MAX 64     /* frames of the deciding thread kept per stack */
#define STORE_TREND_DAYS 14     /* days in a group's trend, today last */
#define STORE_VARIANT_FRAMES 16 /* frames shown per stack variant */

typedef struct crash_store crash_store;

enum {
    STORE_CREATE = 1,   /* create the file (and its directory) when missing */
    STORE_READONLY = 2, /* queries only */
};

/* The default store's path: $BBX_DB, else $XDG_DATA_HOME/bbx/crashes.db,
 * else $HOME/.local/share/bbx/crashes.db.  -1 when none can be made
 * (no HOME) or it does not fit. */
int store_default_path(char *buf, size_t len);

/* Open (and with STORE_CREATE create) the store at path, migrating an
 * older schema.  NULL with a one-line reason in err: not a database, a
 * schema newer than this bbx knows, cannot create, ... */
crash_store *store_open(const char *path, int flags, char *err, size_t errlen);
void store_close(crash_store *st);
const char *store_path(const crash_store *st);

/* The content key of bytes as STORE_HASH_HEX hex digits and a NUL. */
void store_hash_hex(const void *data, size_t len, char out[STORE_HASH_HEX + 1]);

/* The grouping rules the store's groups were made with, parsed into a new
 * sig_rules (free with sig_rules_free); NULL with err on failure.  A store
 * made before any rules were recorded answers with the shipped rules. */
sig_rules *store_rules(crash_store *st, char *err, size_t errlen);
/* The rules' text as stored (malloc'd), or NULL. */
char *store_rules_text(crash_store *st);
/* The text of the rules file at path (malloc'd) once it parses, else NULL
 * with "PATH:LINE: what" or "PATH: why" in err. */
char *store_rules_file(const char *path, char *err, size_t errlen);

/* ---- ingest ---- */

typedef enum store_outcome {
    STORE_ADDED = 0,    /* stored now */
    STORE_KNOWN = 1,    /* the same bytes were stored already */
    STORE_REJECTED = 2, /* not a readable snapshot: recorded in rejected (now or
                           by an earlier ingest; err: the reason) */
    STORE_FAILED = -1,  /* the store could not be written: stop */
} store_outcome;

typedef struct store_ingest store_ingest;

/*
 * A run of ingests into st under rules_text (the rules file's text; NULL:
 * the store's own).  A store whose groups were made with other rules
 * refuses (err says to run `bbx regroup`).  Snapshots are symbolized
 * through ss (NULL: not symbolized).  Writes are committed in batches (every
 * STORE_BATCH snapshots or STORE_BATCH_MS of time) and at store_ingest_end.
 */
#define STORE_BATCH 4096
#define STORE_BATCH_MS 1000
store_ingest *store_ingest_begin(crash_store *st, const char *rules_text, sym_session *ss,
                                 char *err, size_t errlen);
/* One file.  err says why a file was rejected or the store failed. */
store_outcome store_ingest_file(store_ingest *in, const char *path, char *err, size_t errlen);
/* Commits what is pending and frees in; -1 with err when the commit failed
 * (nothing of the last batch is then stored). */
int store_ingest_end(store_ingest *in, char *err, size_t errlen);
/* Groups in the store (for a progress line). */
uint64_t store_ingest_groups(store_ingest *in);

/* ---- queries ---- */

/* The real-time clock in ms (what "now" is for --since and the trend). */
int64_t store_now_ms(void);

typedef struct store_filter {
    int64_t since_ms;      /* only what was seen from then on (day granularity), 0 all */
    const char *version;   /* only this app version, NULL all */
    const char *build_id;  /* only this main-module build-id (or a prefix), NULL all */
    const char *new_in;    /* only groups first seen in this version or build-id */
    int64_t now_ms;        /* the clock of the trend, 0: the real one */
} store_filter;

typedef struct store_group {
    char id[SIG_ID_LEN + 1];
    char *signature;
    char kind[24];
    uint64_t count;             /* snapshots (within the filter) */
    uint64_t total;             /* snapshots ever, whatever the filter */
    uint64_t hosts;
    int64_t first_seen_ms, last_seen_ms;
    char *first_version, *first_build_id;
    char *representative;       /* a snapshot hash, NULL when none */
    char **versions;            /* distinct app versions, oldest first seen first */
    size_t n_versions;
    char **build_ids;
    size_t n_build_ids;
    uint64_t trend[STORE_TREND_DAYS]; /* per day, oldest first, today last */
} store_group;

typedef struct store_totals {
    uint64_t snapshots;  /* ever ingested (pruned ones included) */
    uint64_t kept;       /* snapshot rows kept now */
    uint64_t rejected;
    uint64_t groups;
} store_totals;

int store_totals_get(crash_store *st, store_totals *t, char *err, size_t errlen);

/* The groups under f, by count (then last seen) descending. */
int store_groups(crash_store *st, const store_filter *f, store_group **out, size_t *n,
                 char *err, size_t errlen);
void store_groups_free(store_group *g, size_t n);

/* A breakdown row: (key, key2) -> count; key2 NULL when unused. */
typedef struct store_count {
    char *key, *key2;
    uint64_t count;
    int64_t first_seen_ms, last_seen_ms;
} store_count;

/* One stored snapshot, as `bbx crash` lists it. */
typedef struct store_snapshot {
    char hash[STORE_HASH_HEX + 1];
    char *source, *host, *program, *version, *build_id, *trigger;
    int64_t time_ms;
    int64_t signal;
    int has_copy;
} store_snapshot;

typedef struct store_group_detail {
    store_group g;
    store_count *per_version;   /* key version, key2 build-id */
    size_t n_per_version;
    store_count *per_day;       /* key "YYYY-MM-DD" (UTC), oldest first */
    size_t n_per_day;
    store_count *per_host;
    size_t n_per_host;
    store_count *variants;      /* key: up to STORE_VARIANT_FRAMES frames " | " */
    size_t n_variants;
    store_snapshot *snapshots;  /* newest first, at most the max asked */
    size_t n_snapshots;
    uint64_t snapshots_kept;    /* rows kept (more than n_snapshots when cut) */
} store_group_detail;

/* The group whose id is id_prefix or starts with it.  0 found, 1 none,
 * 2 ambiguous (err names two), -1 store error. */
int store_group_get(crash_store *st, const char *id_prefix, size_t max_snapshots,
                    store_group_detail *out, char *err, size_t errlen);
void store_group_detail_free(store_group_detail *d);

/* The kept copy of a snapshot (malloc'd).  0, 1 when not kept, -1 error. */
int store_snapshot_bytes(crash_store *st, const char *hash, uint8_t **data, size_t *len,
                         char *err, size_t errlen);

/* Breakdown of every group by version, build-id, host or day (key), under
 * f: rows (key, key2 = group id) by key then count descending. */
typedef enum store_by { STORE_BY_VERSION, STORE_BY_BUILD, STORE_BY_HOST, STORE_BY_DAY } store_by;
int store_breakdown(crash_store *st, const store_filter *f, store_by by, store_count **out,
                    size_t *n, char *err, size_t errlen);
void store_counts_free(store_count *c, size_t n);

/* ---- maintenance ---- */

/* Keep at most keep snapshots per group (0: no limit) and drop those older
 * than older_ms (0: none), never a group's representative; counts stay.
 * *dropped: rows dropped. */
int store_prune(crash_store *st, uint64_t keep, int64_t older_than_ms, uint64_t *dropped,
                char *err, size_t errlen);

/* Recompute every stored stack's signature under rules_text (NULL: the
 * shipped rules), move counts to the new groups, and record the rules.
 * *moved: stacks whose group changed; *groups: groups after. */
int store_regroup(crash_store *st, const char *rules_text, uint64_t *moved, uint64_t *groups,
                  char *err, size_t errlen);

#endif
