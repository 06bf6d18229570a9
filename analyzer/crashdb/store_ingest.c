/*
 * store_ingest.c - snapshots into the crash store: read, key by content,
 * sign (sig_compute), and store the row, the stack, the counts and the
 * copy in one transaction per batch.
 */
#include "store_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "input_file.h"
#include "path_name.h"
#include "snap_format.h"

#define MAX_SNAPSHOT_BYTES ((size_t)SNAP_READ_MAX_DECOMPRESSED)

enum {
    Q_KNOWN,
    Q_SNAPSHOT,
    Q_STACK,
    Q_GROUP,
    Q_DAY,
    Q_HOST,
    Q_ANNOTATION,
    Q_COPY,
    Q_REJECT,
    Q_GROUPS,
    Q_COUNT
};

static const char *const sql[Q_COUNT] = {
    [Q_KNOWN] = "SELECT NULL FROM snapshot WHERE hash = ?1 UNION ALL "
                "SELECT NULL FROM pruned WHERE hash = ?1 UNION ALL "
                "SELECT reason FROM rejected WHERE hash = ?1",
    [Q_SNAPSHOT] =
        "INSERT INTO snapshot (hash, group_id, stack_id, time_ms, host, kernel, arch, program,"
        " exe, pid, version, build_id, trigger_kind, signal, si_code, fault_addr, reason,"
        " threads, fds, bbx_version, complete, source, size, ingested_ms)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
        " ?18, ?19, ?20, ?21, ?22, ?23, ?24) ON CONFLICT (hash) DO NOTHING",
    [Q_STACK] = "INSERT INTO stack (id, group_id, kind, frames, count) VALUES (?1, ?2, ?3, ?4, 1)"
                " ON CONFLICT (id) DO UPDATE SET count = stack.count + 1",
    [Q_GROUP] =
        "INSERT INTO crash_group (id, signature, kind, count, first_seen_ms, last_seen_ms,"
        " first_version, first_build_id, representative)"
        " VALUES (?1, ?2, ?3, 1, ?4, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO UPDATE SET"
        " count = crash_group.count + 1,"
        " first_version = CASE WHEN excluded.first_seen_ms < crash_group.first_seen_ms"
        "  THEN excluded.first_version ELSE crash_group.first_version END,"
        " first_build_id = CASE WHEN excluded.first_seen_ms < crash_group.first_seen_ms"
        "  THEN excluded.first_build_id ELSE crash_group.first_build_id END,"
        " first_seen_ms = CASE WHEN excluded.first_seen_ms < crash_group.first_seen_ms"
        "  THEN excluded.first_seen_ms ELSE crash_group.first_seen_ms END,"
        " last_seen_ms = CASE WHEN excluded.last_seen_ms > crash_group.last_seen_ms"
        "  THEN excluded.last_seen_ms ELSE crash_group.last_seen_ms END,"
        " representative = COALESCE(crash_group.representative, excluded.representative)",
    [Q_DAY] = "INSERT INTO group_day (group_id, day, version, build_id, count)"
              " VALUES (?1, ?2, ?3, ?4, 1) ON CONFLICT (group_id, day, version, build_id)"
              " DO UPDATE SET count = group_day.count + 1",
    [Q_HOST] = "INSERT INTO group_host (group_id, host, count, first_seen_ms, last_seen_ms)"
               " VALUES (?1, ?2, 1, ?3, ?3) ON CONFLICT (group_id, host) DO UPDATE SET"
               " count = group_host.count + 1,"
               " first_seen_ms = CASE WHEN excluded.first_seen_ms < group_host.first_seen_ms"
               "  THEN excluded.first_seen_ms ELSE group_host.first_seen_ms END,"
               " last_seen_ms = CASE WHEN excluded.last_seen_ms > group_host.last_seen_ms"
               "  THEN excluded.last_seen_ms ELSE group_host.last_seen_ms END",
    [Q_ANNOTATION] = "INSERT INTO annotation (hash, key, value) VALUES (?1, ?2, ?3)"
                     " ON CONFLICT (hash, key) DO UPDATE SET value = excluded.value",
    [Q_COPY] = "INSERT INTO snapshot_copy (hash, data) VALUES (?1, ?2)"
               " ON CONFLICT (hash) DO NOTHING",
    [Q_REJECT] = "INSERT INTO rejected (hash, source, reason, size, time_ms)"
                 " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (hash) DO NOTHING",
    [Q_GROUPS] = "SELECT count(*) FROM crash_group",
};

struct store_ingest {
    crash_store *st;
    sig_rules *rules;
    sym_session *ss;
    sqlite3_stmt *q[Q_COUNT];
    int in_txn;
    unsigned pending;
    int64_t batch_ms;
};

int64_t store_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void store_day(int64_t ms, char out[11])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (ms < 0 || !gmtime_r(&t, &tm) || tm.tm_year + 1900 > 9999) {
        memcpy(out, "1970-01-01", 11);
        return;
    }
    char buf[48];
    snprintf(buf, sizeof(buf), "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    memcpy(out, buf, 10);
    out[10] = 0;
}

/* Append s to the frames text, tabs and line ends as '?'. */
static void put_field(char *buf, size_t *len, const char *s)
{
    for (; s && *s; s++)
        buf[(*len)++] = (*s == '\t' || *s == '\n' || *s == '\r') ? '?' : *s;
}

char *store_frames_text(const sig_frame *f, size_t n)
{
    if (n > STORE_FRAMES_MAX)
        n = STORE_FRAMES_MAX;
    size_t cap = 1;
    for (size_t i = 0; i < n; i++)
        cap += (f[i].function ? strlen(f[i].function) : 0) +
               (f[i].module ? strlen(path_base_name(f[i].module)) : 0) + 24;
    char *buf = malloc(cap), hex[24];
    size_t len = 0;
    if (!buf)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        put_field(buf, &len, f[i].function);
        buf[len++] = '\t';
        put_field(buf, &len, f[i].module ? path_base_name(f[i].module) : NULL);
        buf[len++] = '\t';
        if (f[i].has_offset) {
            snprintf(hex, sizeof(hex), "%" PRIx64, f[i].offset);
            put_field(buf, &len, hex);
        }
        if (i + 1 < n)
            buf[len++] = '\n';
    }
    buf[len] = 0;
    return buf;
}

int store_frames_parse(const char *text, sig_frame **frames, size_t *n, char **buf)
{
    size_t lines = 1, k = 0;
    *frames = NULL;
    *n = 0;
    if (!(*buf = strdup(text)))
        return -1;
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    if (!(*frames = calloc(lines, sizeof(**frames)))) {
        free(*buf);
        *buf = NULL;
        return -1;
    }
    if (!text[0])
        return 0;
    for (char *line = *buf; line; k++) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = 0;
        char *mod = strchr(line, '\t'), *off = mod ? strchr(mod + 1, '\t') : NULL;
        if (mod)
            *mod++ = 0;
        if (off)
            *off++ = 0;
        sig_frame *f = &(*frames)[k];
        f->function = line[0] ? line : NULL;
        f->module = mod && mod[0] ? mod : NULL;
        if (off && off[0]) {
            f->offset = strtoull(off, NULL, 16);
            f->has_offset = 1;
        }
        line = next;
    }
    *n = k;
    return 0;
}

store_ingest *store_ingest_begin(crash_store *st, const char *rules_text, sym_session *ss,
                                 char *err, size_t errlen)
{
    store_ingest *in = calloc(1, sizeof(*in));
    char *stored = NULL, *shipped = NULL;
    if (!in) {
        store_err(err, errlen, "out of memory");
        return NULL;
    }
    in->st = st;
    in->ss = ss;
    /* Snapshot hashes are random keys: every insert lands on some page of
     * each hash index.  With SQLite's default 2 MiB page cache those pages
     * are read back from the file again and again once the indexes outgrow
     * it (a hundred thousand snapshots); 32 MiB keeps them (bench/run_ingest.py:
     * 20% less CPU per snapshot, the system time halved).  Taken as used,
     * not up front. */
    if (store_exec(st, "PRAGMA cache_size = -32768", err, errlen) < 0 ||
        store_exec(st, "BEGIN IMMEDIATE", err, errlen) < 0)
        goto fail;
    in->in_txn = 1;
    stored = store_rules_text(st);
    if (stored && rules_text && strcmp(stored, rules_text) != 0) {
        store_err(err, errlen,
                  "%s: its groups were made with other rules: run 'bbx regroup --rules FILE' "
                  "first, or ingest without --rules", st->path);
        goto fail;
    }
    if (!stored && !rules_text && !(rules_text = shipped = store_shipped_rules(err, errlen)))
        goto fail;
    if (!stored && store_meta_set(st, "rules", rules_text) < 0) {
        store_sql_err(st, err, errlen, "cannot record the rules");
        goto fail;
    }
    if (!(in->rules = store_rules_parse(stored ? stored : rules_text,
                                        stored ? "the store's rules" : "the rules", err,
                                        errlen)))
        goto fail;
    for (int i = 0; i < Q_COUNT; i++)
        if (store_prepare(st, &in->q[i], sql[i], err, errlen) < 0)
            goto fail;
    in->batch_ms = store_now_ms();
    free(stored);
    free(shipped);
    return in;
fail:
    free(stored);
    free(shipped);
    if (in->in_txn)
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(in->q[i]);
    sig_rules_free(in->rules);
    free(in);
    return NULL;
}

static int commit(store_ingest *in, char *err, size_t errlen)
{
    if (!in->in_txn)
        return 0;
    if (sqlite3_get_autocommit(in->st->db)) {
        in->in_txn = 0;
        in->pending = 0;
        store_err(err, errlen, "%s: the batch was rolled back after an error; run bbx ingest "
                  "again to store its files", in->st->path);
        return -1;
    }
    in->in_txn = 0;
    in->pending = 0;
    if (sqlite3_exec(in->st->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
        return 0;
    store_sql_err(in->st, err, errlen, "cannot commit");
    sqlite3_exec(in->st->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

/* The batch's transaction, opened when none is.  SQLite may end a
 * transaction by itself after an error (SQLITE_FULL, SQLITE_IOERR,
 * SQLITE_NOMEM roll it back): a batch found gone is a failure, never a
 * reason to write outside a transaction, so a snapshot row is never
 * stored without its counts. */
static int begin(store_ingest *in, char *err, size_t errlen)
{
    if (in->in_txn && sqlite3_get_autocommit(in->st->db)) {
        in->in_txn = 0;
        in->pending = 0;
        store_err(err, errlen, "%s: the batch was rolled back after an error; run bbx ingest "
                  "again to store its files", in->st->path);
        return -1;
    }
    if (in->in_txn)
        return 0;
    if (store_exec(in->st, "BEGIN IMMEDIATE", err, errlen) < 0)
        return -1;
    in->in_txn = 1;
    in->batch_ms = store_now_ms();
    return 0;
}

static int step_done(store_ingest *in, int q, char *err, size_t errlen)
{
    sqlite3_stmt *s = in->q[q];
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc == SQLITE_DONE)
        return 0;
    return store_sql_err(in->st, err, errlen, "cannot store");
}

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
    sqlite3_bind_text(s, i, v ? v : "", -1, SQLITE_TRANSIENT);
}

/* The whole file into *data; 0, or -1 with err (the file's fault). */
static int read_whole(const char *path, uint8_t **data, size_t *len, int64_t *mtime_ms,
                      char *err, size_t errlen)
{
    struct stat sb;
    int fd = input_open(path, err, errlen);
    *data = NULL;
    if (fd < 0)
        return -1;
    if (fstat(fd, &sb) != 0 || (size_t)sb.st_size > MAX_SNAPSHOT_BYTES) {
        store_err(err, errlen, "%s", fstat(fd, &sb) != 0 ? strerror(errno)
                                                         : "larger than a snapshot can be");
        close(fd);
        return -1;
    }
    *mtime_ms = (int64_t)sb.st_mtim.tv_sec * 1000 + sb.st_mtim.tv_nsec / 1000000;
    size_t cap = (size_t)sb.st_size + 1, n = 0;
    uint8_t *buf = malloc(cap);
    if (!buf) {
        store_err(err, errlen, "out of memory");
        close(fd);
        return -1;
    }
    for (;;) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            store_err(err, errlen, "%s", strerror(errno));
            break;
        }
        if (r == 0) {
            close(fd);
            *data = buf;
            *len = n;
            return 0;
        }
        n += (size_t)r;
        if (n == cap) { /* it grew while read */
            if (cap > MAX_SNAPSHOT_BYTES) {
                store_err(err, errlen, "larger than a snapshot can be");
                break;
            }
            uint8_t *nb = realloc(buf, cap * 2);
            if (!nb) {
                store_err(err, errlen, "out of memory");
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    free(buf);
    close(fd);
    return -1;
}

/* 1 stored or pruned, 2 rejected before (err: the reason recorded then),
 * 0 unknown, -1 store error. */
static int known(store_ingest *in, const char *hash, char *err, size_t errlen)
{
    sqlite3_stmt *s = in->q[Q_KNOWN];
    sqlite3_bind_text(s, 1, hash, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s), k = 0;
    if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL) {
        store_err(err, errlen, "%s", (const char *)sqlite3_column_text(s, 0));
        k = 2;
    } else if (rc == SQLITE_ROW) {
        k = 1;
    }
    sqlite3_reset(s);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        return k;
    return store_sql_err(in->st, err, errlen, "cannot look up a snapshot");
}

static store_outcome reject(store_ingest *in, const char *path, const char *hash, size_t size,
                            const char *why, char *err, size_t errlen)
{
    sqlite3_stmt *s = in->q[Q_REJECT];
    char fail[512];
    if (begin(in, fail, sizeof(fail)) < 0)
        goto failed;
    bind_text(s, 1, hash);
    bind_text(s, 2, path);
    bind_text(s, 3, why);
    sqlite3_bind_int64(s, 4, (sqlite3_int64)size);
    sqlite3_bind_int64(s, 5, store_now_ms());
    if (step_done(in, Q_REJECT, fail, sizeof(fail)) < 0)
        goto failed;
    in->pending++;
    store_err(err, errlen, "%s", why);
    return STORE_REJECTED;
failed:
    store_err(err, errlen, "%s", fail);
    return STORE_FAILED;
}

/* The main module's build-id as hex ("" unknown). */
static void main_build_id(const snap *s, char *out, size_t len)
{
    out[0] = 0;
    for (size_t i = 0; i < s->n_modules; i++) {
        const snap_module *m = &s->modules[i];
        if (!s->process.exe || !m->path || strcmp(m->path, s->process.exe) != 0)
            continue;
        for (size_t k = 0; k < m->build_id_len && 2 * k + 2 < len; k++)
            snprintf(out + 2 * k, 3, "%02x", m->build_id[k]);
        return;
    }
}

static const char *annotation(const snap *s, const char *key)
{
    for (size_t i = 0; i < s->n_annotations; i++)
        if (s->annotations[i].key && strcmp(s->annotations[i].key, key) == 0)
            return s->annotations[i].value;
    return NULL;
}

/* Everything of one read snapshot, inside the open transaction. */
static store_outcome store_one(store_ingest *in, const char *path, const char *hash,
                               const uint8_t *data, size_t len, int64_t mtime_ms,
                               const snap *s, char *err, size_t errlen)
{
    sig_input si;
    sig_frame *frames = NULL;
    sig_result res;
    char *ftext = NULL, stack_id[STORE_HASH_HEX + 1], build[129], day[11], addr[24];
    store_outcome out = STORE_FAILED;
    if (sig_input_from_snap(in->ss, s, &si, &frames) < 0) {
        store_err(err, errlen, "out of memory");
        return STORE_FAILED;
    }
    if (si.n_frames > STORE_FRAMES_MAX)
        si.n_frames = STORE_FRAMES_MAX; /* what is stored is what is signed */
    sig_compute(in->rules, &si, &res);
    if (!(ftext = store_frames_text(si.frames, si.n_frames))) {
        store_err(err, errlen, "out of memory");
        goto done;
    }
    const char *kind = sig_kind_name(res.kind);
    {
        size_t kl = strlen(res.stack_kind), fl = strlen(ftext);
        char *key = malloc(kl + fl + 2);
        if (!key) {
            store_err(err, errlen, "out of memory");
            goto done;
        }
        memcpy(key, res.stack_kind, kl);
        key[kl] = '\n';
        memcpy(key + kl + 1, ftext, fl + 1);
        store_hash_hex(key, kl + 1 + fl, stack_id);
        free(key);
    }
    int64_t t = s->process.time_ms ? (int64_t)s->process.time_ms : mtime_ms;
    const char *version = annotation(s, "app.version");
    const char *host = s->process.hostname ? s->process.hostname : "";
    const char *program = s->process.app ? s->process.app
                          : s->process.exe ? path_base_name(s->process.exe) : "";
    main_build_id(s, build, sizeof(build));
    store_day(t, day);
    addr[0] = 0;
    if (s->trigger.present && s->trigger.addr)
        snprintf(addr, sizeof(addr), "0x%" PRIx64, s->trigger.addr);
    if (begin(in, err, errlen) < 0)
        goto done;

    sqlite3_stmt *q = in->q[Q_SNAPSHOT];
    bind_text(q, 1, hash);
    bind_text(q, 2, res.id);
    bind_text(q, 3, stack_id);
    sqlite3_bind_int64(q, 4, t);
    bind_text(q, 5, host);
    bind_text(q, 6, s->process.kernel);
    bind_text(q, 7, s->process.arch);
    bind_text(q, 8, program);
    bind_text(q, 9, s->process.exe);
    sqlite3_bind_int64(q, 10, (sqlite3_int64)s->process.pid);
    bind_text(q, 11, version);
    bind_text(q, 12, build);
    bind_text(q, 13, s->trigger.present ? snap_trigger_kind_name(s->trigger.kind) : "unknown");
    sqlite3_bind_int64(q, 14, (sqlite3_int64)s->trigger.signal);
    sqlite3_bind_int64(q, 15, s->trigger.code);
    bind_text(q, 16, addr);
    bind_text(q, 17, s->trigger.reason);
    sqlite3_bind_int64(q, 18, (sqlite3_int64)s->n_threads);
    sqlite3_bind_int64(q, 19, (sqlite3_int64)(s->n_fds + s->fds_passed));
    bind_text(q, 20, s->capture.version);
    sqlite3_bind_int(q, 21, s->complete);
    bind_text(q, 22, path);
    sqlite3_bind_int64(q, 23, (sqlite3_int64)len);
    sqlite3_bind_int64(q, 24, store_now_ms());
    if (step_done(in, Q_SNAPSHOT, err, errlen) < 0)
        goto done;
    if (sqlite3_changes(in->st->db) == 0) { /* another ingest stored it meanwhile */
        out = STORE_KNOWN;
        goto done;
    }

    q = in->q[Q_STACK];
    bind_text(q, 1, stack_id);
    bind_text(q, 2, res.id);
    bind_text(q, 3, res.stack_kind);
    bind_text(q, 4, ftext);
    if (step_done(in, Q_STACK, err, errlen) < 0)
        goto done;
    q = in->q[Q_GROUP];
    bind_text(q, 1, res.id);
    bind_text(q, 2, res.text);
    bind_text(q, 3, kind);
    sqlite3_bind_int64(q, 4, t);
    bind_text(q, 5, version);
    bind_text(q, 6, build);
    bind_text(q, 7, hash);
    if (step_done(in, Q_GROUP, err, errlen) < 0)
        goto done;
    q = in->q[Q_DAY];
    bind_text(q, 1, res.id);
    bind_text(q, 2, day);
    bind_text(q, 3, version);
    bind_text(q, 4, build);
    if (step_done(in, Q_DAY, err, errlen) < 0)
        goto done;
    q = in->q[Q_HOST];
    bind_text(q, 1, res.id);
    bind_text(q, 2, host);
    sqlite3_bind_int64(q, 3, t);
    if (step_done(in, Q_HOST, err, errlen) < 0)
        goto done;
    for (size_t i = 0; i < s->n_annotations; i++) {
        q = in->q[Q_ANNOTATION];
        bind_text(q, 1, hash);
        bind_text(q, 2, s->annotations[i].key);
        bind_text(q, 3, s->annotations[i].value);
        if (step_done(in, Q_ANNOTATION, err, errlen) < 0)
            goto done;
    }
    q = in->q[Q_COPY];
    bind_text(q, 1, hash);
    sqlite3_bind_blob64(q, 2, data, len, SQLITE_STATIC);
    if (step_done(in, Q_COPY, err, errlen) < 0)
        goto done;
    in->pending++;
    out = STORE_ADDED;
done:
    free(ftext);
    free(frames);
    return out;
}

/* The frames of the thread that decides the signature, decoded from the
 * bytes SNAP_READ_RAW_FRAMES kept (snap_free frees them).  0, or -1 when
 * out of memory; malformed frames leave the thread without frames. */
static int decode_deciding(snap *s)
{
    snap_thread *t = (snap_thread *)snap_trigger_thread(s);
    if (!t || t->frames || !t->frames_raw || !t->n_frames)
        return 0;
    size_t max = t->n_frames < SNAP_READ_MAX_FRAMES ? t->n_frames : SNAP_READ_MAX_FRAMES;
    uint64_t *f = malloc(max * sizeof(*f));
    if (!f)
        return -1;
    int cut = 0;
    long n = snap_frames_decode(t->frames_raw, t->frames_raw_len, f, max, &cut);
    if (n < 0) {
        free(f);
        t->n_frames = 0;
        return 0;
    }
    t->frames = f;
    t->n_frames = (size_t)n;
    t->truncated |= cut;
    return 0;
}

store_outcome store_ingest_file(store_ingest *in, const char *path, char *err, size_t errlen)
{
    uint8_t *data;
    size_t len;
    int64_t mtime_ms = 0;
    char hash[STORE_HASH_HEX + 1], why[512];
    store_outcome out;
    if (read_whole(path, &data, &len, &mtime_ms, why, sizeof(why)) < 0) {
        /* Not read: nothing to key it by, so it is not recorded. */
        store_err(err, errlen, "%s", why);
        return STORE_REJECTED;
    }
    store_hash_hex(data, len, hash);
    /* Known files are not read again; one rejected before is rejected
     * again, with the reason recorded then (the exit status says so). */
    int k = known(in, hash, err, errlen);
    if (k != 0) {
        free(data);
        if (k > 0)
            return k == 1 ? STORE_KNOWN : STORE_REJECTED;
        if (in->in_txn) {
            sqlite3_exec(in->st->db, "ROLLBACK", NULL, NULL, NULL);
            in->in_txn = 0;
        }
        return STORE_FAILED;
    }
    /* Only the deciding thread's frames are decoded, and the fd table,
     * origins, children and breadcrumbs are passed over: ingest keeps none
     * of them (the copy keeps everything). */
    snap *s = snap_read_buffer_flags(data, len, SNAP_READ_RAW_FRAMES | SNAP_READ_SUMMARY, why,
                                     sizeof(why));
    if (!s)
        out = reject(in, path, hash, len, why, err, errlen);
    else if (decode_deciding(s) < 0) {
        store_err(err, errlen, "out of memory");
        out = STORE_FAILED;
    } else
        out = store_one(in, path, hash, data, len, mtime_ms, s, err, errlen);
    snap_free(s);
    free(data);
    if (out == STORE_FAILED) {
        if (in->in_txn) {
            sqlite3_exec(in->st->db, "ROLLBACK", NULL, NULL, NULL);
            in->in_txn = 0;
        }
        return out;
    }
    if (in->in_txn && (in->pending >= STORE_BATCH ||
                       store_now_ms() - in->batch_ms >= STORE_BATCH_MS) &&
        commit(in, err, errlen) < 0)
        return STORE_FAILED;
    return out;
}

uint64_t store_ingest_groups(store_ingest *in)
{
    sqlite3_stmt *s = in->q[Q_GROUPS];
    uint64_t n = 0;
    if (sqlite3_step(s) == SQLITE_ROW)
        n = (uint64_t)sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    return n;
}

int store_ingest_end(store_ingest *in, char *err, size_t errlen)
{
    int rc = commit(in, err, errlen);
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(in->q[i]);
    sig_rules_free(in->rules);
    free(in);
    return rc;
}
