/*
 * test_store.c - the crash store (analyzer/crashdb/store_*.c) through its
 * API: the content key, the stored frames' text, opening (schema version,
 * refusals that leave the file as it was), ingest (stored once, known
 * again, rejected), counts kept by prune and rebuilt by regroup.  The
 * oracle is the database read with plain SQL, not the store's queries.
 */
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snap_fixture.h"
#include "store_internal.h" /* the frames text (store_frames_text/parse) */
#include "unit_run.h"

static const char *shipped_rules;
static char dir[256];

static void setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/bbx-unit-store-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static char *path_in(const char *name)
{
    static char p[8][320];
    static int k;
    k = (k + 1) % 8;
    snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
    return p[k];
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

static char *read_rules(void)
{
    FILE *f = fopen(shipped_rules, "rb");
    ck_assert_ptr_nonnull(f);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    return buf;
}

/* One integer from plain SQL on the file. */
static long long sql_int(const char *db, const char *q)
{
    sqlite3 *h;
    sqlite3_stmt *s;
    long long v = -1;
    ck_assert_int_eq(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(h, q, -1, &s, NULL), SQLITE_OK);
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(h);
    return v;
}

static void sql_exec(const char *db, const char *q)
{
    sqlite3 *h;
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(h, q, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
}

START_TEST(test_hash)
{
    unsigned char buf[80];
    char a[STORE_HASH_HEX + 1], b[STORE_HASH_HEX + 1];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (unsigned char)(i * 7 + 1);
    store_hash_hex(buf, sizeof(buf), a);
    ck_assert_uint_eq(strlen(a), STORE_HASH_HEX);
    ck_assert_uint_eq(strspn(a, "0123456789abcdef"), STORE_HASH_HEX);
    store_hash_hex(buf, sizeof(buf), b);
    ck_assert_str_eq(a, b);
    /* one bit anywhere, or one byte less, gives another key */
    for (size_t i = 0; i < sizeof(buf); i++)
        for (int bit = 0; bit < 8; bit++) {
            buf[i] ^= (unsigned char)(1u << bit);
            store_hash_hex(buf, sizeof(buf), b);
            ck_assert_str_ne(a, b);
            buf[i] ^= (unsigned char)(1u << bit);
        }
    for (size_t n = 0; n < sizeof(buf); n++) {
        store_hash_hex(buf, n, b);
        ck_assert_str_ne(a, b);
    }
    /* trailing zero bytes are not the same as none */
    unsigned char z[9] = { 0 };
    store_hash_hex(z, 8, a);
    store_hash_hex(z, 9, b);
    ck_assert_str_ne(a, b);
}
END_TEST

START_TEST(test_frames_text)
{
    sig_frame in[] = {
        { .function = "ns::f(int)", .module = "/usr/lib/libx.so.1", .offset = 0x1a2b,
          .has_offset = 1 },
        { .function = "we\tird\nname", .module = NULL, .offset = 0, .has_offset = 0 },
        { .function = NULL, .module = "app", .offset = 0x40, .has_offset = 1 },
    };
    char *text = store_frames_text(in, 3);
    ck_assert_str_eq(text, "ns::f(int)\tlibx.so.1\t1a2b\nwe?ird?name\t\t\n\tapp\t40");
    sig_frame *out;
    size_t n;
    char *buf;
    ck_assert_int_eq(store_frames_parse(text, &out, &n, &buf), 0);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(out[0].function, "ns::f(int)");
    ck_assert_str_eq(out[0].module, "libx.so.1");
    ck_assert(out[0].has_offset && out[0].offset == 0x1a2b);
    ck_assert_str_eq(out[1].function, "we?ird?name");
    ck_assert_ptr_null(out[1].module);
    ck_assert(!out[1].has_offset);
    ck_assert_ptr_null(out[2].function);
    ck_assert(out[2].has_offset && out[2].offset == 0x40);
    free(out);
    free(buf);
    free(text);
    /* at most STORE_FRAMES_MAX frames are kept */
    sig_frame many[STORE_FRAMES_MAX + 5];
    for (size_t i = 0; i < sizeof(many) / sizeof(*many); i++)
        many[i] = (sig_frame){ .function = "f" };
    text = store_frames_text(many, sizeof(many) / sizeof(*many));
    ck_assert_int_eq(store_frames_parse(text, &out, &n, &buf), 0);
    ck_assert_uint_eq(n, STORE_FRAMES_MAX);
    free(out);
    free(buf);
    free(text);
}
END_TEST

START_TEST(test_default_path)
{
    char p[512];
    setenv("BBX_DB", "/x/y.db", 1);
    setenv("XDG_DATA_HOME", "/data", 1);
    setenv("HOME", "/home/u", 1);
    ck_assert_int_eq(store_default_path(p, sizeof(p)), 0);
    ck_assert_str_eq(p, "/x/y.db");
    unsetenv("BBX_DB");
    ck_assert_int_eq(store_default_path(p, sizeof(p)), 0);
    ck_assert_str_eq(p, "/data/bbx/crashes.db");
    setenv("XDG_DATA_HOME", "relative", 1); /* not absolute: not used */
    ck_assert_int_eq(store_default_path(p, sizeof(p)), 0);
    ck_assert_str_eq(p, "/home/u/.local/share/bbx/crashes.db");
    unsetenv("XDG_DATA_HOME");
    unsetenv("HOME");
    ck_assert_int_eq(store_default_path(p, sizeof(p)), -1);
}
END_TEST

static long file_bytes(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(buf, 1, len, f);
    fclose(f);
    return (long)n;
}

START_TEST(test_open)
{
    char err[512];
    const char *db = path_in("sub/dir/s.db");
    ck_assert_ptr_null(store_open(db, 0, err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "no crash store there"));
    crash_store *st = store_open(db, STORE_CREATE, err, sizeof(err));
    ck_assert_msg(st != NULL, "%s", err);
    store_close(st);
    ck_assert_int_eq(sql_int(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"), 10);
    st = store_open(db, STORE_READONLY, err, sizeof(err));
    ck_assert_msg(st != NULL, "%s", err);
    store_close(st);

    /* a newer schema: refused, the file unchanged */
    sql_exec(db, "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;"
                 " PRAGMA user_version = 99");
    static char before[1 << 16], after[1 << 16];
    long n0 = file_bytes(db, before, sizeof(before));
    ck_assert_ptr_null(store_open(db, STORE_CREATE, err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "version 99"));
    ck_assert_int_eq(file_bytes(db, after, sizeof(after)), n0);
    ck_assert(memcmp(before, after, (size_t)n0) == 0);

    /* somebody else's database, and a text file */
    const char *other = path_in("other.db");
    sql_exec(other, "CREATE TABLE t (x INTEGER)");
    ck_assert_ptr_null(store_open(other, STORE_CREATE, err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "not a crash store"));
    ck_assert_int_eq(sql_int(other, "PRAGMA user_version"), 0);
    const char *text = path_in("text.db");
    write_file(text, "hello, world\n", 13);
    ck_assert_ptr_null(store_open(text, STORE_CREATE, err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "not a crash store"));
    ck_assert_int_eq(file_bytes(text, after, sizeof(after)), 13);
}
END_TEST

/* The reference crash and a request, as files. */
static void fixtures(const char **crash, const char **request)
{
    fixture_file f = { 0 };
    ck_assert_int_eq(fixture_reference(&f, 0, 1), 0);
    *crash = path_in("crash.bbx");
    write_file(*crash, f.data, f.len);
    fixture_file_release(&f);
    memset(&f, 0, sizeof(f));
    ck_assert_int_eq(fixture_request(&f), 0);
    *request = path_in("request.bbx");
    write_file(*request, f.data, f.len);
    fixture_file_release(&f);
}

static store_outcome ingest_one(crash_store *st, const char *rules, const char *path)
{
    char err[512];
    store_ingest *in = store_ingest_begin(st, rules, NULL, err, sizeof(err));
    ck_assert_msg(in != NULL, "%s", err);
    store_outcome o = store_ingest_file(in, path, err, sizeof(err));
    ck_assert_int_eq(store_ingest_end(in, err, sizeof(err)), 0);
    return o;
}

START_TEST(test_ingest)
{
    const char *crash, *request, *db = path_in("s.db"), *junk = path_in("junk.bbx");
    char err[512], *rules = read_rules();
    fixtures(&crash, &request);
    write_file(junk, "junk", 4);
    crash_store *st = store_open(db, STORE_CREATE, err, sizeof(err));
    ck_assert_msg(st != NULL, "%s", err);
    ck_assert_int_eq(ingest_one(st, rules, crash), STORE_ADDED);
    ck_assert_int_eq(ingest_one(st, rules, crash), STORE_KNOWN);
    ck_assert_int_eq(ingest_one(st, rules, request), STORE_ADDED);
    ck_assert_int_eq(ingest_one(st, rules, junk), STORE_REJECTED);
    ck_assert_int_eq(ingest_one(st, rules, junk), STORE_REJECTED); /* recorded once */
    /* other rules on a store grouped with these: refused */
    ck_assert_ptr_null(store_ingest_begin(st, "frames 2\n", NULL, err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "bbx regroup"));
    store_close(st);
    ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM snapshot"), 2);
    ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM snapshot_copy"), 2);
    ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM rejected"), 1);
    ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM crash_group"), 2);
    ck_assert_int_eq(sql_int(db, "SELECT sum(count) FROM crash_group"), 2);
    ck_assert_int_eq(sql_int(db, "SELECT sum(count) FROM group_day"), 2);
    ck_assert_int_eq(sql_int(db, "SELECT sum(count) FROM group_host"), 2);
    ck_assert_int_eq(sql_int(db, "SELECT sum(count) FROM stack"), 2);
    ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM crash_group WHERE kind = 'request'"), 1);
    ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM crash_group g JOIN snapshot s"
                                 " ON s.hash = g.representative"), 2);
    /* the copy is the file's bytes */
    st = store_open(db, STORE_READONLY, err, sizeof(err));
    store_group *g;
    size_t n;
    ck_assert_int_eq(store_groups(st, NULL, &g, &n, err, sizeof(err)), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(g[0].count, 1);
    for (size_t i = 0; i < n; i++) {
        uint8_t *data;
        size_t len;
        ck_assert_int_eq(store_snapshot_bytes(st, g[i].representative, &data, &len, err,
                                              sizeof(err)), 0);
        char key[STORE_HASH_HEX + 1];
        store_hash_hex(data, len, key);
        ck_assert_str_eq(key, g[i].representative);
        free(data);
    }
    store_groups_free(g, n);
    store_close(st);
}
END_TEST

START_TEST(test_prune_regroup)
{
    const char *crash, *request, *db = path_in("s.db");
    char err[512], *rules = read_rules();
    fixtures(&crash, &request);
    crash_store *st = store_open(db, STORE_CREATE, err, sizeof(err));
    ck_assert_int_eq(ingest_one(st, rules, crash), STORE_ADDED);
    ck_assert_int_eq(ingest_one(st, rules, request), STORE_ADDED);
    long long before = sql_int(db, "SELECT sum(count) FROM crash_group");
    uint64_t moved, groups, dropped;
    store_totals t;
    ck_assert_int_eq(store_totals_get(st, &t, err, sizeof(err)), 0);
    ck_assert_uint_eq(t.snapshots, 2);
    ck_assert_uint_eq(t.kept, 2);
    /* regroup with the same rules changes nothing */
    ck_assert_int_eq(store_regroup(st, rules, &moved, &groups, err, sizeof(err)), 0);
    ck_assert_uint_eq(moved, 0);
    ck_assert_uint_eq(groups, 2);
    ck_assert_int_eq(sql_int(db, "SELECT sum(count) FROM crash_group"), before);
    /* one frame: the crash's signature changes, counts follow */
    ck_assert_int_eq(store_regroup(st, "frames 1\n", &moved, &groups, err, sizeof(err)), 0);
    ck_assert_uint_ge(moved, 1);
    ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM crash_group WHERE signature LIKE '% | %'"),
                     0);
    ck_assert_int_eq(sql_int(db, "SELECT sum(count) FROM crash_group"), before);
    ck_assert_int_eq(sql_int(db, "SELECT sum(count) FROM group_day"), before);
    ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM snapshot s JOIN crash_group g"
                                 " ON g.id = s.group_id"), before);
    /* prune: representatives stay, counts stay, pruned ones stay known */
    ck_assert_int_eq(store_prune(st, 0, (int64_t)1 << 62, &dropped, err, sizeof(err)), 0);
    ck_assert_uint_eq(dropped, 0); /* both are representatives */
    sql_exec(db, "UPDATE crash_group SET representative = NULL");
    ck_assert_int_eq(store_prune(st, 0, (int64_t)1 << 62, &dropped, err, sizeof(err)), 0);
    ck_assert_uint_eq(dropped, 2);
    ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM snapshot"), 0);
    ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM snapshot_copy"), 0);
    ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM pruned"), 2);
    ck_assert_int_eq(sql_int(db, "SELECT sum(count) FROM crash_group"), before);
    ck_assert_int_eq(store_totals_get(st, &t, err, sizeof(err)), 0);
    ck_assert_uint_eq(t.snapshots, 2);
    ck_assert_uint_eq(t.kept, 0);
    ck_assert_int_eq(ingest_one(st, "frames 1\n", crash), STORE_KNOWN);
    /* regroup counts the pruned ones */
    ck_assert_int_eq(store_regroup(st, rules, &moved, &groups, err, sizeof(err)), 0);
    ck_assert_int_eq(sql_int(db, "SELECT sum(count) FROM crash_group"), before);
    ck_assert_int_eq(sql_int(db, "SELECT sum(count) FROM group_host"), before);
    ck_assert_int_eq(store_totals_get(st, &t, err, sizeof(err)), 0);
    ck_assert_uint_eq(t.kept, (uint64_t)sql_int(db, "SELECT count(*) FROM snapshot"));
    store_close(st);
}
END_TEST

/* SQLite may end a transaction by itself after an error (SQLITE_FULL,
 * SQLITE_IOERR): the next file must fail, not be written outside a
 * transaction. */
START_TEST(test_batch_gone)
{
    const char *crash, *request, *db = path_in("s.db");
    char err[512], *rules = read_rules();
    fixtures(&crash, &request);
    crash_store *st = store_open(db, STORE_CREATE, err, sizeof(err));
    store_ingest *in = store_ingest_begin(st, rules, NULL, err, sizeof(err));
    ck_assert_msg(in != NULL, "%s", err);
    ck_assert_int_eq(store_ingest_file(in, crash, err, sizeof(err)), STORE_ADDED);
    ck_assert_int_eq(sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    ck_assert_int_eq(store_ingest_file(in, request, err, sizeof(err)), STORE_FAILED);
    ck_assert_ptr_nonnull(strstr(err, "rolled back"));
    store_ingest_end(in, err, sizeof(err));
    store_close(st);
    ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM snapshot"), 0);
    ck_assert_int_eq(sql_int(db, "SELECT count(*) FROM crash_group"), 0);
}
END_TEST

static Suite *store_suite(void)
{
    Suite *s = suite_create("store");
    TCase *tc = tcase_create("store");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_hash);
    tcase_add_test(tc, test_frames_text);
    tcase_add_test(tc, test_default_path);
    tcase_add_test(tc, test_open);
    tcase_add_test(tc, test_ingest);
    tcase_add_test(tc, test_prune_regroup);
    tcase_add_test(tc, test_batch_gone);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_store SIGNATURE.RULES\n");
        return 2;
    }
    shipped_rules = argv[1];
    return unit_run(store_suite());
}
