/*
 * test_report.c - Check tests of the JSON writer and of both renderers
 * (analyzer/base/json_writer.h, analyzer/show/report.h): escaping, structure, the keys
 * of the --json schema, and the text report's order and markings.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_check.h"
#include "json_writer.h"
#include "report.h"
#include "snap_fixture.h"
#include "snap_format.h"
#include "snap_reader.h"
#include "unit_run.h"

/* A memory stream and what it collected. */
typedef struct sink {
    FILE *f;
    char *buf;
    size_t len;
} sink;

static void sink_open(sink *k)
{
    k->buf = NULL;
    k->len = 0;
    k->f = open_memstream(&k->buf, &k->len);
    ck_assert_ptr_nonnull(k->f);
}

/* Close the stream; the text stays in k->buf (caller frees). */
static void sink_close(sink *k)
{
    ck_assert_int_eq(fclose(k->f), 0);
}

static void assert_valid_json(const sink *k)
{
    size_t where = 0;
    ck_assert_msg(json_check(k->buf, k->len, &where), "invalid JSON at %zu: %.*s", where,
                  (int)(k->len - where < 40 ? k->len - where : 40), k->buf + where);
}

START_TEST(json_escapes)
{
    sink k;
    json_writer w;
    sink_open(&k);
    json_init(&w, k.f, 0);
    json_object_begin(&w);
    json_kv_string(&w, "q\"k", "a\"b\\c/d");
    json_kv_string(&w, "ctl", "\x01\x1f\n\t\r\b\f\x7f");
    json_kv_string(&w, "utf8", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    json_kv_string(&w, "bad", "\xff\xc3(\xed\xa0\x80\xf4\x90\x80\x80\xc0\xaf\xe2\x82");
    json_key(&w, "nul");
    json_string_n(&w, "a\0b", 3);
    json_kv_string(&w, "null", NULL);
    json_key(&w, "n");
    json_i64(&w, -5);
    json_kv_hex(&w, "hex", 0xdeadbeef);
    json_key(&w, "ms");
    json_millis(&w, 12005);
    json_key(&w, "id");
    json_hex_bytes(&w, (const uint8_t *)"\x00\xab\xff", 3);
    json_key(&w, "list");
    json_array_begin(&w);
    json_array_end(&w);
    json_object_end(&w);
    ck_assert_int_eq(json_finish(&w), 1);
    sink_close(&k);
    assert_valid_json(&k);
    ck_assert_str_eq(k.buf,
        "{\"q\\\"k\":\"a\\\"b\\\\c/d\","
        "\"ctl\":\"\\u0001\\u001f\\n\\t\\r\\b\\f\\u007f\","
        "\"utf8\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\","
        /* one U+FFFD a byte that is not part of a valid sequence: */
        "\"bad\":\"\\ufffd\\ufffd(\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd"
        "\\ufffd\\ufffd\\ufffd\","
        "\"nul\":\"a\\u0000b\",\"null\":null,\"n\":-5,\"hex\":\"0xdeadbeef\","
        "\"ms\":12.005,\"id\":\"00abff\",\"list\":[]}\n");
    free(k.buf);
}
END_TEST

START_TEST(json_misuse)
{
    sink k;
    json_writer w;
    sink_open(&k);
    json_init(&w, k.f, 1);
    json_array_begin(&w);
    json_key(&w, "not in an object");
    ck_assert_int_eq(json_finish(&w), 0);
    sink_close(&k);
    free(k.buf);

    sink_open(&k);
    json_init(&w, k.f, 1);
    json_object_begin(&w);
    ck_assert_int_eq(json_finish(&w), 0); /* unclosed */
    sink_close(&k);
    free(k.buf);

    sink_open(&k);
    json_init(&w, k.f, 1);
    json_null(&w);
    json_null(&w); /* a second top-level value */
    ck_assert_int_eq(json_finish(&w), 0);
    sink_close(&k);
    free(k.buf);

    sink_open(&k);
    json_init(&w, k.f, 0);
    for (int i = 0; i <= JSON_MAX_DEPTH; i++)
        json_array_begin(&w);
    ck_assert_int_eq(json_finish(&w), 0);
    sink_close(&k);
    free(k.buf);
}
END_TEST

static snap *reference(size_t cut)
{
    fixture_file f;
    char err[256];
    ck_assert_int_eq(fixture_reference(&f, 1, 1), 0);
    snap *s = snap_read_buffer(f.data, cut ? f.flush_end[cut - 1] : f.len, err, sizeof(err));
    ck_assert_ptr_nonnull(s);
    fixture_file_release(&f);
    return s;
}

static char *render_json(const snap *s, int pretty)
{
    sink k;
    sink_open(&k);
    ck_assert_int_eq(report_json(k.f, s, pretty, NULL), 0);
    sink_close(&k);
    assert_valid_json(&k);
    return k.buf;
}

static char *render_text(const snap *s)
{
    sink k;
    sink_open(&k);
    ck_assert_int_eq(report_text(k.f, s, NULL), 0);
    sink_close(&k);
    return k.buf;
}

static void has(const char *text, const char *part)
{
    ck_assert_msg(strstr(text, part) != NULL, "missing: %s", part);
}

START_TEST(json_schema)
{
    snap *s = reference(0);
    char *j = render_json(s, 0);
    char head[96];
    snprintf(head, sizeof(head),
             "{\"format_version\":\"%d.%d\",\"complete\":true,\"incomplete_reason\":null,",
             SNAP_VERSION_MAJOR, SNAP_VERSION_MINOR);
    has(j, head);
    has(j, "\"trigger\":{\"kind\":\"crash\",\"signal\":11,\"signal_name\":\"SIGSEGV\","
           "\"code\":1,\"code_name\":\"SEGV_MAPERR\",\"fault_address\":\"0x0\","
           "\"sender_pid\":0,\"sender_uid\":0,\"reason\":\"null pointer write\",\"tid\":4242,\"seq\":7,"
           "\"hang\":null}");
    has(j, "\"process\":{\"pid\":4242,\"ppid\":17,\"exe\":\"/usr/bin/demo\","
           "\"cmdline\":[\"demo\",\"--crash\",\"two words\"],\"app\":\"demo\"");
    has(j, "\"memory\":{\"rss_kb\":12345,\"vm_kb\":234567,\"peak_rss_kb\":13000}");
    has(j, "{\"resource\":3,\"name\":\"STACK\",\"cur\":8388608,\"max\":\"unlimited\"}");
    has(j, "\"threads\":[{\"tid\":4242,\"name\":\"main\",\"state\":\"R\",\"status\":"
           "\"unwound\",\"crashed\":true,\"hung\":false,\"bbx_internal\":false,"
           "\"stack_method\":\"crash\","
           "\"reused\":false,\"signal\":11,\"truncated\":false,"
           "\"registers\":{\"rip\":\"0x5555555551a9\"");
    has(j, "\"frames\":[{\"pc\":\"0x5555555551a9\",\"module\":\"/usr/bin/demo\","
           "\"offset\":\"0x11a9\",\"function\":null,\"function_offset\":null,"
           "\"file\":null,\"line\":null,\"column\":null,\"inlined\":false}");
    has(j, "{\"pc\":\"0x1000\",\"module\":null,\"offset\":null,\"function\":null,");
    has(j, "{\"tid\":4243,\"name\":\"worker\",\"state\":\"S\",\"status\":\"blocked\","
           "\"crashed\":false,\"hung\":false,\"bbx_internal\":false,\"stack_method\":\"kernel\","
           "\"reused\":true,");
    has(j, "\"stack_method\":\"call\",\"reused\":false,");
    has(j, "\"wchan\":\"futex_wait_queue\",\"syscall\":202,\"kernel_pc\":\"0x7ffff7e8f0f0\"");
    has(j, "{\"fd\":3,\"kind\":\"socket\",\"target\":\"socket:[81234]\",\"flags\":"
           "\"O_RDWR|O_NONBLOCK|O_CLOEXEC\",\"flags_raw\":2050,\"cloexec\":true,"
           "\"offset\":null,\"inode\":81234,\"size\":0,\"socket\":{\"family\":2,"
           "\"family_name\":\"AF_INET\",\"type\":1,\"type_name\":\"SOCK_STREAM\","
           "\"protocol\":6,\"local\":\"127.0.0.1:40000\",\"peer\":\"127.0.0.1:8080\"}");
    has(j, "{\"path\":\"/usr/bin/demo\",\"base\":\"0x555555554000\",\"start\":"
           "\"0x555555554000\",\"end\":\"0x555555559000\",\"build_id\":"
           "\"deadbeef000102030405060708090a0b0c0d0eff\",\"image_bytes\":0}");
    has(j, "\"build_id\":null");
    has(j, "{\"time_ms\":1714564798123,\"tid\":4243,\"text\":\"opened \\\"config\\\"\\twith tab\"}");
    has(j, "\"annotations\":{\"app.version\":\"1.2.3\",\"session\":\"a\\\"b\\\\c\"}");
    has(j, "\"capture_ms\":12.345,\"capture\":{\"duration_us\":12345,\"threads\":3,"
           "\"threads_omitted\":7,\"unwound\":1,\"fds\":3,\"modules\":2,\"threads_us\":8000,\"fds_us\":2500,"
           "\"collector_version\":\"0.1.0\",\"tracking\":3,\"origins\":3,"
           "\"track_lost\":1,\"children\":2,\"bbx_mapped\":0}");
    /* Tracking: origins on fds and threads, the children. */
    has(j, "\"details\":null,\"closed_by_bbx\":false,\"origin\":{\"unknown\":true,\"call\":null,\"time_ms\":0,"
           "\"tid\":0,\"truncated\":false,\"frames\":[]}}");
    has(j, "\"origin\":{\"unknown\":false,\"call\":\"socket\",\"time_ms\":1714564797623,"
           "\"tid\":4242,\"truncated\":false,\"frames\":[{\"pc\":\"0x7ffff7e9a0b5\","
           "\"module\":\"/usr/lib/x86_64-linux-gnu/libc.so.6\",\"offset\":\"0xff0b5\","
           "\"function\":null,");
    has(j, "\"origin\":{\"unknown\":false,\"call\":\"pthread_create\","
           "\"time_ms\":1714564797223,\"tid\":4242,\"truncated\":true,"
           "\"start_routine\":[{\"pc\":\"0x555555555300\",\"module\":\"/usr/bin/demo\","
           "\"offset\":\"0x1300\",");
    has(j, "\"kernel_pc\":null,\"lock\":null,\"origin\":null}"); /* thread 4244: untracked */
    has(j, "\"children\":[{\"pid\":5000,\"state\":\"Z\",\"zombie\":true,\"comm\":\"true\","
           "\"cmdline\":[],\"start_time_ms\":1714564798123,\"wchan\":null,\"stdin\":null,"
           "\"stdout\":null,\"stderr\":null},{\"pid\":5001,\"state\":\"S\","
           "\"zombie\":false,\"comm\":\"sh\",\"cmdline\":[\"sh\",\"-c\",\"sleep 60\"],");
    has(j, "\"reader\":{\"unknown_records\":0,\"malformed_records\":0,\"dropped_items\":0}}");
    free(j);
    j = render_json(s, 1); /* pretty: the same document, indented */
    has(j, "\n  \"complete\": true,\n");
    free(j);
    snap_free(s);
}
END_TEST

START_TEST(json_incomplete)
{
    snap *s = reference(FIX_REC_TRIGGER + 1);
    char *j = render_json(s, 0);
    has(j, "\"complete\":false,\"incomplete_reason\":\"truncated after 2 records\"");
    has(j, "\"threads\":[],\"deadlocks\":[],\"fds\":[],\"bbx_fds\":[],\"children\":[],\"launches\":[],\"launch_stories\":[],"
           "\"x11\":null,\"modules\":[],\"breadcrumbs\":[],"
           "\"annotations\":{}");
    free(j);
    snap_free(s);
    s = reference(1); /* process only: no trigger */
    j = render_json(s, 0);
    has(j, "\"trigger\":null");
    free(j);
    snap_free(s);
}
END_TEST

START_TEST(text_report)
{
    snap *s = reference(0);
    char *t = render_text(s);
    ck_assert_ptr_null(strstr(t, "INCOMPLETE"));
    has(t, "app:      demo (pid 4242, ppid 17, uid 1000)\n");
    has(t, "cmdline:  demo --crash 'two words'\n");
    has(t, "time:     2024-05-01 12:00:00.123 UTC");
    has(t, "signal 11 (SIGSEGV), code 1 (SEGV_MAPERR), fault addr 0x0\n");
    has(t, "  in thread 4242 \"main\"\n");
    has(t, "    rip    0x00005555555551a9  rsp    0x00007fffffffe3a0");
    has(t, "    #00 pc 0x00005555555551a9  demo+0x11a9\n");
    has(t, "    #02 pc 0x00007ffff7dea24a  libc.so.6+0x4f24a\n");
    has(t, "    #01 pc 0x0000000000001000  ???\n");
    has(t, "    ... (stack cut after 3 frames)\n");
    has(t, "  kernel: wchan futex_wait_queue, syscall 202, pc 0x7ffff7e8f0f0\n");
    /* How each stack was obtained, under the thread's header. */
    has(t, "\"main\" (crashed), state R, unwound, in signal 11 (SIGSEGV) ---\n"
           "  stack: the thread's own context (it crashed or asked)\n");
    has(t, "\"worker\", state S, blocked ---\n"
           "  stack: from the kernel's sp/pc (not interrupted; may be partial) "
           "(unchanged since the previous snapshot)\n");
    has(t, "  stack: saved at blocking call entry (not interrupted)\n");
    has(t, "threads:  7 threads not captured (over BBX_MAX_THREADS; 3 written)\n");
    has(t, "O_RDWR|O_NONBLOCK|O_CLOEXEC");
    has(t, "socket AF_INET SOCK_STREAM proto 6 127.0.0.1:40000 -> 127.0.0.1:8080\n");
    has(t, "build-id deadbeef000102030405060708090a0b0c0d0eff  /usr/bin/demo\n");
    has(t, "  app.version = 1.2.3\n");
    has(t, "  limit STACK      8388608 / unlimited\n");
    has(t, "capture: 12.345 ms, 3 threads (1 unwound), 3 fds, 2 modules, 22 records\n"
           "  phases: threads 8.000 ms, fds 2.500 ms\n"
           "  tracking: fds threads, 3 origins, 1 creations not recorded, 2 children\n");
    /* Tracking: where fds and threads came from, the children. */
    has(t, "  /dev/pts/0\n      origin unknown (open before tracking started)\n");
    /* the program's own frame first, then the library call it made */
    has(t, "  socket:[81234]\n      created by socket() in demo+0x1288 via libc.so.6+0xff0b5, "
           "thread 4242\n");
    has(t, "  created by pthread_create() in demo+0x11f0, thread 4242, start routine "
           "demo+0x1300\n");
    has(t, "\nchildren: 2 (1 zombie, exited but not reaped)\n");
    has(t, "     5000  Z      yes     [true]\n");
    has(t, "     5001  S      no      sh -c 'sleep 60'\n");
    /* The crashed thread comes before the others. */
    ck_assert_ptr_nonnull(strstr(t, "--- thread 4242"));
    ck_assert(strstr(t, "--- thread 4242") < strstr(t, "--- thread 4243"));
    free(t);
    snap_free(s);
}
END_TEST

START_TEST(text_incomplete_and_request)
{
    fixture_file f;
    char err[256];
    snap *s = reference(FIX_REC_THREAD_MAIN + 1);
    char *t = render_text(s);
    /* The mark comes right after the title line. */
    ck_assert_ptr_eq(strstr(t, "INCOMPLETE snapshot: truncated after 3 records\n"),
                     strchr(t, '\n') + 1);
    free(t);
    snap_free(s);

    ck_assert_int_eq(fixture_request(&f), 0);
    s = snap_read_buffer(f.data, f.len, err, sizeof(err));
    ck_assert_ptr_nonnull(s);
    t = render_text(s);
    has(t, "requested: main loop stalled for 5000 ms (thread 78)\n");
    /* The requesting thread leads, though it comes second in the file. */
    ck_assert(strstr(t, "--- thread 78") < strstr(t, "--- thread 77"));
    has(t, "eventfd");
    free(t);
    snap_free(s);
    fixture_file_release(&f);
}
END_TEST

/* Hostile strings: the text report escapes them, the JSON stays valid. */
START_TEST(hostile_strings)
{
    uint8_t raw[512], pl[256];
    size_t pos = 0, n = 0;
    fixture_file f;
    char err[256];
    const char evil[] = "\x1b[31mred\x1b[0m\xff\xfe\x07" "end\\";
    fix_put_varint(pl, &n, SNAP_BC_TEXT << 3 | SNAP_WIRE_BYTES);
    fix_put_varint(pl, &n, sizeof(evil) - 1);
    memcpy(pl + n, evil, sizeof(evil) - 1);
    n += sizeof(evil) - 1;
    fix_put_record(raw, &pos, SNAP_REC_BREADCRUMB, pl, n);
    ck_assert_int_eq(fixture_wrap(&f, raw, pos, SNAP_VERSION_MAJOR), 0);
    snap *s = snap_read_buffer(f.data, f.len, err, sizeof(err));
    ck_assert_ptr_nonnull(s);
    char *t = render_text(s);
    has(t, "\\x1b[31mred\\x1b[0m\\xff\\xfe\\x07end\\\\\n");
    ck_assert_ptr_null(strchr(t, 0x1b));
    free(t);
    t = render_json(s, 1);
    has(t, "\"text\": \"\\u001b[31mred\\u001b[0m\\ufffd\\ufffd\\u0007end\\\\\"");
    free(t);
    snap_free(s);
    fixture_file_release(&f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("report");
    TCase *tc = tcase_create("json_writer");
    tcase_add_test(tc, json_escapes);
    tcase_add_test(tc, json_misuse);
    suite_add_tcase(s, tc);
    tc = tcase_create("renderers");
    tcase_add_test(tc, json_schema);
    tcase_add_test(tc, json_incomplete);
    tcase_add_test(tc, text_report);
    tcase_add_test(tc, text_incomplete_and_request);
    tcase_add_test(tc, hostile_strings);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
