/*
 * store_open.c - where the crash store lives, opening it (pragmas, schema,
 * migrations), the content key and the rules the store was grouped with.
 */
#include "store_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Version 1 of the schema (docs/FORMAT.md, "The crash store").  The core
 * tables use TEXT, BIGINT and INTEGER only and run on PostgreSQL as they
 * are; snapshot_copy holds the bytes (BYTEA there). */
static const char schema_v1[] =
    "CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
    "CREATE TABLE crash_group (id TEXT PRIMARY KEY, signature TEXT NOT NULL,"
    " kind TEXT NOT NULL, count BIGINT NOT NULL, first_seen_ms BIGINT NOT NULL,"
    " last_seen_ms BIGINT NOT NULL, first_version TEXT NOT NULL,"
    " first_build_id TEXT NOT NULL, representative TEXT);\n"
    "CREATE TABLE stack (id TEXT PRIMARY KEY, group_id TEXT NOT NULL, kind TEXT NOT NULL,"
    " frames TEXT NOT NULL, count BIGINT NOT NULL);\n"
    "CREATE INDEX stack_group ON stack (group_id);\n"
    "CREATE TABLE snapshot (hash TEXT PRIMARY KEY, group_id TEXT NOT NULL,"
    " stack_id TEXT NOT NULL, time_ms BIGINT NOT NULL, host TEXT NOT NULL,"
    " kernel TEXT NOT NULL, arch TEXT NOT NULL, program TEXT NOT NULL, exe TEXT NOT NULL,"
    " pid BIGINT NOT NULL, version TEXT NOT NULL, build_id TEXT NOT NULL,"
    " trigger_kind TEXT NOT NULL, signal INTEGER NOT NULL, si_code INTEGER NOT NULL,"
    " fault_addr TEXT NOT NULL, reason TEXT NOT NULL, threads INTEGER NOT NULL,"
    " fds INTEGER NOT NULL, bbx_version TEXT NOT NULL, complete INTEGER NOT NULL,"
    " source TEXT NOT NULL, size BIGINT NOT NULL, ingested_ms BIGINT NOT NULL);\n"
    "CREATE INDEX snapshot_group_time ON snapshot (group_id, time_ms);\n"
    "CREATE TABLE annotation (hash TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
    " PRIMARY KEY (hash, key));\n"
    "CREATE TABLE group_day (group_id TEXT NOT NULL, day TEXT NOT NULL,"
    " version TEXT NOT NULL, build_id TEXT NOT NULL, count BIGINT NOT NULL,"
    " PRIMARY KEY (group_id, day, version, build_id));\n"
    "CREATE TABLE group_host (group_id TEXT NOT NULL, host TEXT NOT NULL,"
    " count BIGINT NOT NULL, first_seen_ms BIGINT NOT NULL, last_seen_ms BIGINT NOT NULL,"
    " PRIMARY KEY (group_id, host));\n"
    "CREATE TABLE rejected (hash TEXT PRIMARY KEY, source TEXT NOT NULL,"
    " reason TEXT NOT NULL, size BIGINT NOT NULL, time_ms BIGINT NOT NULL);\n"
    "CREATE TABLE pruned (hash TEXT PRIMARY KEY, group_id TEXT NOT NULL,"
    " stack_id TEXT NOT NULL, time_ms BIGINT NOT NULL, host TEXT NOT NULL,"
    " version TEXT NOT NULL, build_id TEXT NOT NULL);\n"
    "CREATE TABLE snapshot_copy (hash TEXT PRIMARY KEY, data BLOB NOT NULL);\n";

/* Migrations: migrations[v] takes a store from version v to v + 1
 * (migrations[0] makes version 1 from nothing). */
/* How long a statement waits for another process's lock (ms). */
#define STORE_BUSY_MS 60000

static const char *const migrations[] = { schema_v1 };
_Static_assert(sizeof(migrations) / sizeof(*migrations) == STORE_SCHEMA_VERSION,
               "one migration per schema version");

void store_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    for (char *p = err; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
}

/* The system's reason for SQLite's last I/O error: sqlite3_system_errno,
 * else errno when it is one a write to storage fails with (SQLite's unix
 * VFS keeps the failed write's errno to itself, and a rollback after it
 * only makes calls that succeed and leave errno alone).  0 unknown. */
static int io_errno(crash_store *st, int saved)
{
    int sys = sqlite3_system_errno(st->db);
    if (sys)
        return sys;
    return saved == ENOSPC || saved == EDQUOT || saved == EFBIG || saved == EIO ||
                   saved == EROFS
               ? saved
               : 0;
}

int store_sql_err(crash_store *st, char *err, size_t errlen, const char *what)
{
    int saved = errno;
    int rc = sqlite3_extended_errcode(st->db);
    int sys = (rc & 0xff) == SQLITE_IOERR ? io_errno(st, saved) : 0;
    const char *msg = sqlite3_errmsg(st->db);
    if ((rc & 0xff) == SQLITE_FULL || sys == ENOSPC || sys == EDQUOT)
        store_err(err, errlen, "%s: %s: the disk is full (nothing of this batch was stored)",
                  st->path, what);
    else if (sys)
        /* "disk I/O error" alone does not say what to do: the system's
         * reason does (a file size limit, a read-only file system, ...). */
        store_err(err, errlen, "%s: %s: %s (%s)", st->path, what, msg, strerror(sys));
    else
        store_err(err, errlen, "%s: %s: %s", st->path, what, msg);
    return -1;
}

int store_default_path(char *buf, size_t len)
{
    const char *db = getenv("BBX_DB"), *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    int n;
    if (db && db[0])
        n = snprintf(buf, len, "%s", db);
    else if (xdg && xdg[0] == '/')
        n = snprintf(buf, len, "%s/bbx/crashes.db", xdg);
    else if (home && home[0])
        n = snprintf(buf, len, "%s/.local/share/bbx/crashes.db", home);
    else
        return -1;
    return n > 0 && (size_t)n < len ? 0 : -1;
}

/* mkdir -p of path's directory. */
static int make_parent(const char *path)
{
    char dir[4096];
    if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
        return -1;
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return 0;
    *slash = 0;
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(dir, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(dir, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

int store_exec(crash_store *st, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return 0;
    store_sql_err(st, err, errlen, "SQL");
    sqlite3_free(msg);
    return -1;
}

int store_prepare(crash_store *st, sqlite3_stmt **s, const char *sql, char *err, size_t errlen)
{
    if (sqlite3_prepare_v2(st->db, sql, -1, s, NULL) == SQLITE_OK)
        return 0;
    *s = NULL;
    return store_sql_err(st, err, errlen, "cannot prepare a query");
}

static int user_version(crash_store *st, int *v)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
        return -1;
    int rc = sqlite3_step(s);
    *v = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? 0 : -1;
}

/* The schema version and the number of schema objects, read by one
 * statement so both come from the same snapshot of the file: read apart,
 * another process creating the store in between makes a new store look
 * like somebody else's database (version 0 with tables). */
static int schema_state(crash_store *st, int *version, int *objects)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT (SELECT user_version FROM pragma_user_version), "
                           "(SELECT count(*) FROM sqlite_master)",
                           -1, &s, NULL) != SQLITE_OK)
        return -1;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *version = sqlite3_column_int(s, 0);
        *objects = sqlite3_column_int(s, 1);
    }
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? 0 : -1;
}

/* A schema newer than this bbx knows, or tables without a version
 * (somebody else's database): -1 with err.  Reads only. */
static int refuse(crash_store *st, char *err, size_t errlen)
{
    int v, n;
    if (schema_state(st, &v, &n) < 0)
        return store_sql_err(st, err, errlen, "not a crash store (cannot read its version)");
    if (v > STORE_SCHEMA_VERSION) {
        store_err(err, errlen,
                  "%s: the store's schema is version %d, this bbx knows up to %d "
                  "(a newer bbx made it)", st->path, v, STORE_SCHEMA_VERSION);
        return -1;
    }
    if (v == 0 && n != 0) {
        store_err(err, errlen, "%s: not a crash store (a database with other tables)",
                  st->path);
        return -1;
    }
    return 0;
}

/* Bring the schema to STORE_SCHEMA_VERSION inside one write transaction
 * (two processes opening a new store at once: the second sees the first's
 * schema). */
static int migrate(crash_store *st, int readonly, char *err, size_t errlen)
{
    int v;
    if (refuse(st, err, errlen) < 0 || user_version(st, &v) < 0)
        return -1;
    if (v == STORE_SCHEMA_VERSION)
        return 0;
    if (readonly) {
        store_err(err, errlen, "%s: %s", st->path,
                  v ? "the store's schema is older and it was opened read-only"
                    : "not a crash store (no schema)");
        return -1;
    }
    if (store_exec(st, "BEGIN IMMEDIATE", err, errlen) < 0)
        return -1;
    /* another process may have made or migrated it meanwhile */
    if (refuse(st, err, errlen) < 0 || user_version(st, &v) < 0)
        goto fail;
    for (; v < STORE_SCHEMA_VERSION; v++) {
        char sql[64];
        if (store_exec(st, migrations[v], err, errlen) < 0)
            goto fail;
        snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
        if (store_exec(st, sql, err, errlen) < 0)
            goto fail;
    }
    if (store_exec(st, "COMMIT", err, errlen) == 0)
        return 0;
fail:
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

/* PRAGMA journal_mode = WAL: it needs the file to itself and SQLite does
 * not call the busy handler for it, so a process opening a new store while
 * another makes it got "database is locked" at once (12 of 300 rounds of 6
 * ingesters); retried here, 1 ms, 2 ms, ... up to 50 ms apart, for as long
 * as the busy timeout. */
static int wal_mode(crash_store *st, char *err, size_t errlen)
{
    int waited = 0;
    for (int pause = 1;; pause = pause < 50 ? pause * 2 : 50) {
        int rc = sqlite3_exec(st->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
        if (rc == SQLITE_OK)
            return 0;
        if ((rc & 0xff) != SQLITE_BUSY || waited >= STORE_BUSY_MS)
            return store_sql_err(st, err, errlen, "cannot switch to write-ahead logging");
        waited += sqlite3_sleep(pause);
    }
}

crash_store *store_open(const char *path, int flags, char *err, size_t errlen)
{
    struct stat sb;
    int exists = stat(path, &sb) == 0;
    if (exists && !S_ISREG(sb.st_mode)) {
        store_err(err, errlen, "%s: not a regular file", path);
        return NULL;
    }
    if (!exists && !(flags & STORE_CREATE)) {
        store_err(err, errlen, "%s: no crash store there (bbx ingest makes one)", path);
        return NULL;
    }
    if (!exists && make_parent(path) < 0) {
        store_err(err, errlen, "%s: cannot make its directory: %s", path, strerror(errno));
        return NULL;
    }
    crash_store *st = calloc(1, sizeof(*st));
    if (!st || !(st->path = strdup(path))) {
        free(st);
        store_err(err, errlen, "out of memory");
        return NULL;
    }
    int oflags = (flags & STORE_READONLY) ? SQLITE_OPEN_READONLY
                                          : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(path, &st->db, oflags, NULL) != SQLITE_OK) {
        store_err(err, errlen, "%s: cannot open: %s", path,
                  st->db ? sqlite3_errmsg(st->db) : "out of memory");
        store_close(st);
        return NULL;
    }
    sqlite3_busy_timeout(st->db, STORE_BUSY_MS);
    sqlite3_extended_result_codes(st->db, 1);
    /* A file that is not SQLite, a newer schema or somebody else's
     * database is refused here, before anything is written to it. */
    if (user_version(st, &(int){ 0 }) < 0) {
        store_err(err, errlen, "%s: not a crash store: %s", path, sqlite3_errmsg(st->db));
        store_close(st);
        return NULL;
    }
    if (refuse(st, err, errlen) < 0) {
        store_close(st);
        return NULL;
    }
    if (!(flags & STORE_READONLY) &&
        (wal_mode(st, err, errlen) < 0 ||
         store_exec(st, "PRAGMA synchronous = NORMAL", err, errlen) < 0)) {
        store_close(st);
        return NULL;
    }
    if (store_exec(st, "PRAGMA foreign_keys = OFF", err, errlen) < 0 ||
        migrate(st, (flags & STORE_READONLY) != 0, err, errlen) < 0) {
        store_close(st);
        return NULL;
    }
    return st;
}

void store_close(crash_store *st)
{
    if (!st)
        return;
    sqlite3_close(st->db);
    free(st->path);
    free(st);
}

const char *store_path(const crash_store *st)
{
    return st->path;
}

/* Two 64-bit lanes over 8-byte words: a multiply and a rotate per word and
 * lane, each lane its own constants, finished with a strong mix.  Not a
 * cryptographic hash: it tells stored bytes apart, it does not defend
 * against somebody who crafts two snapshots with one key. */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

void store_hash_hex(const void *data, size_t len, char out[STORE_HASH_HEX + 1])
{
    const unsigned char *p = data;
    uint64_t a = 0x9e3779b97f4a7c15ULL ^ len, b = 0xc2b2ae3d27d4eb4fULL + len;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        a = ((a ^ w) * 0x100000001b3ULL);
        a = (a << 29) | (a >> 35);
        b = ((b + w) * 0x87c37b91114253d5ULL);
        b = (b << 31) | (b >> 33);
    }
    uint64_t tail = 0;
    for (size_t k = 0; i + k < len; k++)
        tail |= (uint64_t)p[i + k] << (8 * k);
    a = mix64(a ^ tail ^ mix64(b));
    b = mix64(b + tail + a);
    snprintf(out, STORE_HASH_HEX + 1, "%016llx%016llx", (unsigned long long)a,
             (unsigned long long)b);
}

int store_meta_get(crash_store *st, const char *key, char **value)
{
    sqlite3_stmt *s;
    *value = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT value FROM store_meta WHERE key = ?", -1, &s,
                           NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(s, 0);
        *value = strdup(v ? v : "");
    }
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? (*value ? 1 : -1) : rc == SQLITE_DONE ? 0 : -1;
}

int store_meta_set(crash_store *st, const char *key, const char *value)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO store_meta (key, value) VALUES (?, ?) "
                           "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                           -1, &s, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : -1;
}

char *store_rules_text(crash_store *st)
{
    char *v;
    return store_meta_get(st, "rules", &v) == 1 ? v : NULL;
}

char *store_read_text_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "re");
    if (!f) {
        store_err(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - 1 - n, f);
        if (n < cap - 1)
            break;
        if (cap >= (1u << 24)) {
            store_err(err, errlen, "%s: too large for a rules file", path);
            free(buf);
            fclose(f);
            return NULL;
        }
        char *nb = realloc(buf, cap * 2);
        if (!nb)
            free(buf);
        buf = nb;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        store_err(err, errlen, "%s: %s", path, buf ? "read error" : "out of memory");
        free(buf);
        return NULL;
    }
    buf[n] = 0;
    return buf;
}

char *store_shipped_rules(char *err, size_t errlen)
{
    char path[4096];
    if (!sig_rules_shipped_path(path, sizeof(path))) {
        store_err(err, errlen, "the shipped signature.rules cannot be found");
        return NULL;
    }
    return store_read_text_file(path, err, errlen);
}

sig_rules *store_rules_parse(const char *text, const char *where, char *err, size_t errlen)
{
    sig_rules *r = sig_rules_new();
    if (!r) {
        store_err(err, errlen, "out of memory");
        return NULL;
    }
    if (sig_rules_parse(r, text, strlen(text), where, err, errlen) < 0) {
        sig_rules_free(r);
        return NULL;
    }
    return r;
}

sig_rules *store_rules(crash_store *st, char *err, size_t errlen)
{
    char *text = store_rules_text(st);
    const char *where = "the store's rules";
    if (!text) {
        text = store_shipped_rules(err, errlen);
        where = "signature.rules";
        if (!text)
            return NULL;
    }
    sig_rules *r = store_rules_parse(text, where, err, errlen);
    free(text);
    return r;
}

char *store_rules_file(const char *path, char *err, size_t errlen)
{
    sig_rules *r = sig_rules_new();
    if (!r) {
        store_err(err, errlen, "out of memory");
        return NULL;
    }
    int bad = sig_rules_load(r, path, err, errlen) < 0;
    sig_rules_free(r);
    return bad ? NULL : store_read_text_file(path, err, errlen);
}
