/*
 * test_diff.c - Check tests of what `bbx diff` is built from: leak
 * signatures (analyzer/leaks/leak_model.h), the `bbx leaks --json` reader
 * (leak_json_read.h), suppression files (leak_suppress.h) and the
 * new/grown/unchanged/fixed classification (leak_diff.h).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "leak_diff.h"
#include "leak_json_read.h"
#include "leak_model.h"
#include "leak_suppress.h"
#include "unit_run.h"

/* ---- building groups by hand ---------------------------------------- */

static leak_frame frame(const char *fn, const char *file, uint64_t line, const char *module)
{
    leak_frame f = { fn ? strdup(fn) : NULL, file ? strdup(file) : NULL, line,
                     module ? strdup(module) : NULL };
    return f;
}

/* A group with up to 4 frames; the frame list ends at the first with
 * neither function nor module given as NULL, NULL. */
static void group_init(leak_group *g, const char *resource, const char *kind, uint64_t count,
                       const char *name, size_t n, const leak_frame *frames)
{
    memset(g, 0, sizeof(*g));
    g->resource = strdup(resource);
    g->kind = strdup(kind);
    g->count = count;
    g->name = name ? strdup(name) : NULL;
    g->origin = calloc(n ? n : 1, sizeof(*g->origin));
    ck_assert_ptr_nonnull(g->origin);
    memcpy(g->origin, frames, n * sizeof(*frames));
    g->n_origin = n;
}

static leak_report *report_new(size_t n)
{
    leak_report *r = calloc(1, sizeof(*r));
    ck_assert_ptr_nonnull(r);
    r->leaks = calloc(n ? n : 1, sizeof(*r->leaks));
    ck_assert_ptr_nonnull(r->leaks);
    r->n_leaks = n;
    return r;
}

/* A socket leaked by connect_to() called from `caller`, at the given lines. */
static leak_report *socket_report(const char *connect_fn, const char *caller, uint64_t line,
                                  uint64_t count)
{
    leak_report *r = report_new(1);
    leak_frame f[3] = {
        frame(connect_fn, "/build/a/src/net.c", line, "app"),
        frame(caller, "/build/a/src/main.c", line + 100, "app"),
        frame(NULL, NULL, 0, "/usr/lib/x86_64-linux-gnu/libc.so.6"),
    };
    group_init(&r->leaks[0], "fd", "socket", count, NULL, 3, f);
    return r;
}

static char *sig_of(const leak_report *r)
{
    char *s = leak_signature(&r->leaks[0]);
    ck_assert_ptr_nonnull(s);
    return s;
}

/* ---- signatures ------------------------------------------------------ */

START_TEST(signature_layout)
{
    leak_report *r = socket_report("connect_to", "main", 10, 1);
    char *s = sig_of(r);
    ck_assert_str_eq(s, "fd|socket||connect_to@net.c;main@main.c;libc.so");
    free(s);
    leak_report_free(r);
}
END_TEST

START_TEST(signature_ignores_lines_addresses_and_clones)
{
    leak_report *a = socket_report("connect_to", "main", 10, 1);
    leak_report *b = socket_report("connect_to.constprop.0", "main", 57, 9);
    leak_report *c = socket_report("connect_to.isra.0.part.1", "main", 3, 2);
    leak_report *d = socket_report("connect_to.cold", "main", 3, 2);
    leak_report *e = socket_report("connect_to(int) [clone .constprop.0]", "main", 3, 2);
    leak_report *e2 = socket_report("connect_to(int)", "main", 3, 2);
    char *sa = sig_of(a), *sb = sig_of(b), *sc = sig_of(c), *sd = sig_of(d), *se = sig_of(e),
         *se2 = sig_of(e2);
    ck_assert_str_eq(sa, sb);
    ck_assert_str_eq(sa, sc);
    ck_assert_str_eq(sa, sd);
    ck_assert_str_eq(se, se2);
    /* files elsewhere, same base name; a libc of another version */
    free(a->leaks[0].origin[0].file);
    a->leaks[0].origin[0].file = strdup("/home/ci/other/tree/src/net.c");
    free(a->leaks[0].origin[2].module);
    a->leaks[0].origin[2].module = strdup("libc.so.7");
    char *sa2 = leak_signature(&a->leaks[0]);
    ck_assert_str_eq(sa, sa2);
    free(sa), free(sb), free(sc), free(sd), free(se), free(se2), free(sa2);
    leak_report_free(a), leak_report_free(b), leak_report_free(c), leak_report_free(d);
    leak_report_free(e), leak_report_free(e2);
}
END_TEST

START_TEST(signature_changes_with_the_stack)
{
    leak_report *a = socket_report("connect_to", "main", 10, 1);
    leak_report *b = socket_report("connect_to", "run_loop", 10, 1);
    leak_report *c = socket_report("connect_again", "main", 10, 1);
    char *sa = sig_of(a), *sb = sig_of(b), *sc = sig_of(c);
    ck_assert_str_ne(sa, sb);
    ck_assert_str_ne(sa, sc);
    free(a->leaks[0].kind);
    a->leaks[0].kind = strdup("pipe");
    char *sk = leak_signature(&a->leaks[0]);
    ck_assert_str_ne(sa, sk);
    free(sa), free(sb), free(sc), free(sk);
    leak_report_free(a), leak_report_free(b), leak_report_free(c);
}
END_TEST

START_TEST(signature_names_and_unknown_frames)
{
    leak_report *r = report_new(1);
    leak_frame f[3] = { frame(NULL, NULL, 0, NULL), frame("spawn", NULL, 7, "app"),
                        frame(NULL, "x.c", 9, NULL) };
    group_init(&r->leaks[0], "thread", "thread", 2, "worker_main pool-17", 3, f);
    char *s = sig_of(r);
    ck_assert_str_eq(s, "thread|thread|worker_main pool-|?;spawn;?");
    free(s);
    leak_report_free(r);
}
END_TEST

/* ---- the JSON reader ------------------------------------------------- */

static const char good_json[] =
    "{\"format\":\"bbx-leaks\",\"version\":1,\"app\":\"a\",\"pid\":7,\"snapshots\":3,"
    "\"leaks\":[{\"resource\":\"fd\",\"kind\":\"pipe\",\"count\":4,\"growth_per_min\":1.5,"
    "\"name\":null,\"origin\":[{\"function\":\"f.part.0\",\"file\":\"/s/f.c\",\"line\":3,"
    "\"module\":\"app\"},{\"function\":null,\"file\":null,\"line\":null,\"module\":null}],"
    "\"examples\":[\"pipe:[1]\"],\"confidence\":\"high\",\"why\":\"w\","
    "\"signature\":\"stale\"}]}";

START_TEST(json_reads_a_report)
{
    char err[256] = "";
    leak_report *r = leak_json_parse(good_json, strlen(good_json), err, sizeof(err));
    ck_assert_msg(r != NULL, "error: %s", err);
    ck_assert_str_eq(r->app, "a");
    ck_assert_uint_eq(r->pid, 7);
    ck_assert_uint_eq(r->n_snapshots, 3);
    ck_assert_uint_eq(r->n_leaks, 1);
    const leak_group *g = &r->leaks[0];
    ck_assert_str_eq(g->resource, "fd");
    ck_assert_uint_eq(g->count, 4);
    ck_assert_ptr_null(g->name);
    ck_assert_uint_eq(g->n_origin, 2);
    ck_assert_uint_eq(g->origin[0].line, 3);
    ck_assert_ptr_null(g->origin[1].function);
    ck_assert_uint_eq(g->n_examples, 1);
    /* the file's signature is not trusted: recomputed */
    ck_assert_str_eq(g->signature, "fd|pipe||f@f.c;?");
    leak_report_free(r);
}
END_TEST

/* Each malformed document and the exact message it gets (a final '*':
 * the message starts so). */
static const struct {
    const char *json, *message;
} bad_json[] = {
    { "", "empty file" },
    { "  \n", "no JSON (only white space)" },
    { "{\"format\":", "not valid JSON: *" }, /* then jansson's words */
    { "[]", "expected a JSON object at the top level, not an array" },
    { "{}", "format: missing (expected a string)" },
    { "{\"format\":\"x\"}", "format: \"x\" is not \"bbx-leaks\" (not a bbx leaks report)" },
    { "{\"format\":\"bbx-leaks\"}", "version: missing (expected an integer)" },
    { "{\"format\":\"bbx-leaks\",\"version\":2,\"leaks\":[]}",
      "unsupported version 2 (this bbx reads version 1)" },
    { "{\"format\":\"bbx-leaks\",\"version\":1}", "leaks: missing (expected an array)" },
    { "{\"format\":\"bbx-leaks\",\"version\":1,\"leaks\":{}}",
      "leaks: expected an array, not an object" },
    { "{\"format\":\"bbx-leaks\",\"version\":1,\"leaks\":[7]}",
      "leaks[0]: expected an object, not an integer" },
    { "{\"format\":\"bbx-leaks\",\"version\":1,\"leaks\":[{\"kind\":\"x\"}]}",
      "leaks[0].resource: missing (expected a string)" },
    { "{\"format\":\"bbx-leaks\",\"version\":1,\"leaks\":[{\"resource\":\"fd\",\"kind\":\"x\","
      "\"count\":-1,\"origin\":[]}]}",
      "leaks[0].count: expected an integer >= 0, not a negative one" },
    { "{\"format\":\"bbx-leaks\",\"version\":1,\"leaks\":[{\"resource\":\"fd\",\"kind\":\"x\","
      "\"count\":1,\"origin\":\"main\"}]}",
      "leaks[0].origin: expected an array, not a string" },
    { "{\"format\":\"bbx-leaks\",\"version\":1,\"leaks\":[{\"resource\":\"fd\",\"kind\":\"x\","
      "\"count\":1,\"origin\":[{\"function\":3}]}]}",
      "leaks[0].origin[0].function: expected a string, not an integer" },
    { "{\"format\":\"bbx-leaks\",\"version\":1,\"leaks\":[{\"resource\":\"fd\",\"kind\":\"x\","
      "\"count\":1,\"origin\":[],\"growth_per_min\":\"fast\"}]}",
      "leaks[0].growth_per_min: expected a number, not a string" },
    { "{\"format\":\"bbx-leaks\",\"version\":1,\"leaks\":[{\"resource\":\"fd\",\"kind\":\"x\","
      "\"count\":1,\"origin\":[],\"examples\":[1]}]}",
      "leaks[0].examples[0]: expected a string, not an integer" },
    { "{\"format\":\"bbx-leaks\",\"format\":\"bbx-leaks\"}",
      "not valid JSON: duplicate object key*" },
};

START_TEST(json_rejects_malformed_input)
{
    char err[256];
    const char *json = bad_json[_i].json;
    strcpy(err, "(unset)");
    leak_report *r = leak_json_parse(json, strlen(json), err, sizeof(err));
    ck_assert_msg(r == NULL, "accepted: %s", json);
    const char *want = bad_json[_i].message;
    size_t n = strlen(want);
    if (want[n - 1] == '*')
        ck_assert_msg(strncmp(err, want, n - 1) == 0, "got '%s'", err);
    else
        ck_assert_str_eq(err, want);
    ck_assert_ptr_null(strchr(err, '\n'));
}
END_TEST

START_TEST(json_file_errors)
{
    char err[256], path[] = "/tmp/bbx-test-diff-XXXXXX";
    leak_report *r = leak_json_read_file("/nonexistent/bbx.json", err, sizeof(err));
    ck_assert_ptr_null(r);
    ck_assert_str_eq(err, "cannot open: No such file or directory");
    ck_assert_ptr_null(leak_json_read_file("/", err, sizeof(err)));
    ck_assert_str_eq(err, "not a regular file (directory)");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    FILE *f = fdopen(fd, "w");
    ck_assert_ptr_nonnull(f);
    fputs(good_json, f);
    fclose(f);
    r = leak_json_read_file(path, err, sizeof(err));
    ck_assert_msg(r != NULL, "error: %s", err);
    leak_report_free(r);
    /* one byte over the limit: refused before parsing */
    ck_assert_int_eq(truncate(path, (off_t)LEAK_JSON_MAX_BYTES + 1), 0);
    ck_assert_ptr_null(leak_json_read_file(path, err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "too large for a leak report"));
    unlink(path);
}
END_TEST

/* ---- suppressions ---------------------------------------------------- */

static leak_suppressions *supp_parse(const char *text)
{
    char err[256];
    leak_suppressions *s = leak_suppress_new();
    ck_assert_ptr_nonnull(s);
    ck_assert_msg(leak_suppress_parse(s, text, strlen(text), "s.txt", err, sizeof(err)) == 0,
                  "%s", err);
    return s;
}

START_TEST(suppress_parses_rules_comments_and_blank_lines)
{
    leak_suppressions *s = supp_parse("# comment\n\n  \t\nfunction:connect_*  # why\n"
                                      "resource:fd kind:socket top:connect_to\r\n"
                                      "leak:libfoo");
    ck_assert_uint_eq(s->n_rules, 3);
    ck_assert_uint_eq(s->rules[0].n_terms, 1);
    ck_assert_int_eq(s->rules[0].terms[0].field, LEAK_FIELD_FUNCTION);
    ck_assert_str_eq(s->rules[0].terms[0].pattern, "connect_*");
    ck_assert_str_eq(s->rules[0].where, "s.txt:4");
    ck_assert_uint_eq(s->rules[1].n_terms, 3);
    ck_assert_str_eq(s->rules[1].terms[2].pattern, "connect_to");
    ck_assert_str_eq(s->rules[2].terms[0].pattern, "*libfoo*");
    leak_suppress_free(s);
}
END_TEST

static const struct {
    const char *text, *message;
} bad_supp[] = {
    { "function:a\nframe:b\n",
      "s.txt:2: unknown field 'frame' (expected resource, kind, name, function, top, file, "
      "module or leak)" },
    { "connect_to\n", "s.txt:1: 'connect_to' is not FIELD:PATTERN (e.g. function:open_*)" },
    { "\n\n\nfunction:\n", "s.txt:4: empty pattern after 'function:'" },
    { "top:a kind\n", "s.txt:1: 'kind' is not FIELD:PATTERN (e.g. function:open_*)" },
};

START_TEST(suppress_rejects_bad_lines)
{
    char err[256];
    leak_suppressions *s = supp_parse("function:keep\n");
    const char *text = bad_supp[_i].text;
    ck_assert_int_eq(leak_suppress_parse(s, text, strlen(text), "s.txt", err, sizeof(err)), -1);
    ck_assert_str_eq(err, bad_supp[_i].message);
    ck_assert_uint_eq(s->n_rules, 1); /* nothing of the bad text kept */
    leak_suppress_free(s);
}
END_TEST

START_TEST(suppress_rejects_long_lines_and_nul)
{
    char err[256];
    leak_suppressions *s = leak_suppress_new();
    size_t n = LEAK_SUPPRESS_MAX_LINE + 10;
    char *text = malloc(n);
    memset(text, 'a', n);
    memcpy(text, "function:", 9);
    ck_assert_int_eq(leak_suppress_parse(s, text, n, "s.txt", err, sizeof(err)), -1);
    ck_assert_str_eq(err, "s.txt:1: line longer than 4096 bytes");
    ck_assert_int_eq(leak_suppress_parse(s, "top:a\0b\n", 8, "s.txt", err, sizeof(err)), -1);
    ck_assert_str_eq(err, "s.txt:1: NUL byte in the line");
    free(text);
    leak_suppress_free(s);
}
END_TEST

START_TEST(suppress_load_errors)
{
    char err[256];
    leak_suppressions *s = leak_suppress_new();
    ck_assert_int_eq(leak_suppress_load(s, "/nonexistent/supp", err, sizeof(err)), -1);
    ck_assert_str_eq(err, "/nonexistent/supp: cannot open: No such file or directory");
    leak_suppress_free(s);
}
END_TEST

/* Which rules suppress the socket group (connect_to.constprop.0 <- main,
 * then a libc frame with no function). */
static const struct {
    const char *rule;
    int matches;
} match_cases[] = {
    { "function:connect_to", 1 },      /* clone suffix dropped */
    { "function:connect_*", 1 },
    { "function:conn?ct_to", 1 },
    { "function:connect", 0 },         /* whole name, not a prefix */
    { "function:main", 1 },            /* any frame */
    { "top:connect_to", 1 },
    { "top:main", 0 },                 /* only the innermost */
    { "file:net.c", 1 },               /* base name */
    { "file:/build/a/src/*.c", 1 },    /* with a '/': the whole path */
    { "file:src/net.c", 0 },
    { "module:libc.so*", 1 },
    { "module:libz*", 0 },
    { "leak:nect", 1 },                /* contains, as LSan */
    { "leak:libc", 1 },
    { "leak:zzz", 0 },
    { "resource:fd kind:socket", 1 },
    { "resource:fd kind:pipe", 0 },    /* all terms must match */
    { "resource:thread function:connect_to", 0 },
    { "name:*", 0 },                   /* no name */
};

START_TEST(suppress_matches)
{
    leak_report *r = socket_report("connect_to.constprop.0", "main", 5, 3);
    leak_suppressions *s = supp_parse(match_cases[_i].rule);
    leak_rule *hit = leak_suppress_match(s, &r->leaks[0]);
    ck_assert_msg((hit != NULL) == match_cases[_i].matches, "rule '%s'", match_cases[_i].rule);
    ck_assert_uint_eq(s->rules[0].hits, (uint64_t)match_cases[_i].matches);
    leak_suppress_free(s);
    leak_report_free(r);
}
END_TEST

START_TEST(suppress_top_looks_past_the_runtime)
{
    leak_report *r = report_new(1);
    leak_frame f[3] = { frame("open_hook", "hook.c", 1, "/opt/lib/libbbx-preload.so"),
                        frame("fopen", NULL, 0, "libc.so.6"),
                        frame("load_config", "config.c", 20, "app") };
    group_init(&r->leaks[0], "fd", "file", 1, NULL, 3, f);
    leak_suppressions *s = supp_parse("top:load_config");
    ck_assert_ptr_nonnull(leak_suppress_match(s, &r->leaks[0]));
    leak_suppress_free(s);
    s = supp_parse("top:fopen");
    ck_assert_ptr_null(leak_suppress_match(s, &r->leaks[0]));
    leak_suppress_free(s);
    leak_report_free(r);
}
END_TEST

START_TEST(glob_edges)
{
    ck_assert(leak_glob_match("", "", 0));
    ck_assert(leak_glob_match("*", "", 0));
    ck_assert(!leak_glob_match("?", "", 0));
    ck_assert(leak_glob_match("a*b*c", "axxbyybc", 8));
    ck_assert(!leak_glob_match("a*b*c", "axxbyyb", 7));
    ck_assert(leak_glob_match("**a", "bba", 3));
    ck_assert(leak_glob_match("[x]", "[x]", 3)); /* brackets are literal */
    ck_assert(leak_glob_match("abc", "abcd", 3)); /* only n bytes count */
}
END_TEST

/* ---- classification -------------------------------------------------- */

/* A report of groups "fd socket" made by functions f0.. with counts. */
static leak_report *counts_report(size_t n, const char *const *fns, const uint64_t *counts)
{
    leak_report *r = report_new(n);
    for (size_t i = 0; i < n; i++) {
        leak_frame f[1] = { frame(fns[i], "x.c", 10 + i, "app") };
        group_init(&r->leaks[i], "fd", "socket", counts[i], NULL, 1, f);
    }
    return r;
}

static const leak_diff_entry *find_entry(const leak_diff *d, const char *fn)
{
    char sig[128];
    snprintf(sig, sizeof(sig), "fd|socket||%s@x.c", fn);
    for (size_t i = 0; i < d->n_entries; i++)
        if (strcmp(d->entries[i].signature, sig) == 0)
            return &d->entries[i];
    ck_abort_msg("no entry for %s", fn);
    return NULL;
}

START_TEST(classify_new_grown_unchanged_fixed)
{
    const char *bf[] = { "grows", "same", "shrinks", "gone", "dup", "dup" };
    const uint64_t bc[] = { 2, 5, 9, 1, 1, 1 };
    const char *cf[] = { "fresh", "grows", "same", "shrinks", "dup" };
    const uint64_t cc[] = { 1, 3, 5, 4, 2 };
    leak_report *b = counts_report(6, bf, bc), *c = counts_report(5, cf, cc);
    leak_diff *d = leak_diff_new(b, c, NULL, 0);
    ck_assert_ptr_nonnull(d);
    ck_assert_uint_eq(d->n_new, 1);
    ck_assert_uint_eq(d->n_grown, 1);
    ck_assert_uint_eq(d->n_unchanged, 3);
    ck_assert_uint_eq(d->n_fixed, 1);
    ck_assert_uint_eq(d->n_suppressed, 0);
    ck_assert_int_eq(find_entry(d, "fresh")->change, LEAK_NEW);
    ck_assert_int_eq(find_entry(d, "grows")->change, LEAK_GROWN);
    ck_assert_uint_eq(find_entry(d, "grows")->base_count, 2);
    ck_assert_uint_eq(find_entry(d, "grows")->current_count, 3);
    ck_assert_int_eq(find_entry(d, "shrinks")->change, LEAK_UNCHANGED);
    ck_assert_int_eq(find_entry(d, "gone")->change, LEAK_FIXED);
    ck_assert_ptr_null(find_entry(d, "gone")->current);
    /* two base groups with one signature are added: 1 + 1 -> 2, not grown */
    ck_assert_int_eq(find_entry(d, "dup")->change, LEAK_UNCHANGED);
    ck_assert_uint_eq(find_entry(d, "dup")->base_count, 2);
    /* order: new, grown, unchanged, fixed */
    ck_assert_int_eq(d->entries[0].change, LEAK_NEW);
    ck_assert_int_eq(d->entries[1].change, LEAK_GROWN);
    ck_assert_int_eq(d->entries[d->n_entries - 1].change, LEAK_FIXED);
    leak_diff_free(d);
    leak_report_free(b);
    leak_report_free(c);
}
END_TEST

START_TEST(classify_tolerance)
{
    const char *f[] = { "a" };
    const uint64_t bc[] = { 10 }, cc[] = { 12 };
    leak_report *b = counts_report(1, f, bc), *c = counts_report(1, f, cc);
    leak_diff *d = leak_diff_new(b, c, NULL, 20); /* 12 <= 10 * 1.2 */
    ck_assert_uint_eq(d->n_grown, 0);
    leak_diff_free(d);
    d = leak_diff_new(b, c, NULL, 19);
    ck_assert_uint_eq(d->n_grown, 1);
    leak_diff_free(d);
    leak_report_free(b);
    leak_report_free(c);
}
END_TEST

START_TEST(classify_with_suppressions)
{
    const char *bf[] = { "old_leak" };
    const uint64_t bc[] = { 1 };
    const char *cf[] = { "old_leak", "vendor_init", "mine" };
    const uint64_t cc[] = { 7, 1, 1 };
    leak_report *b = counts_report(1, bf, bc), *c = counts_report(3, cf, cc);
    leak_suppressions *s = supp_parse("function:vendor_*\nfunction:old_leak\n");
    leak_diff *d = leak_diff_new(b, c, s, 0);
    ck_assert_uint_eq(d->n_suppressed, 2); /* old_leak counts once for both sides */
    ck_assert_uint_eq(d->n_new, 1);
    ck_assert_uint_eq(d->n_grown, 0);
    ck_assert_uint_eq(d->n_entries, 1);
    ck_assert_uint_eq(s->rules[0].hits, 1);
    ck_assert_uint_eq(s->rules[1].hits, 2);
    leak_diff_free(d);
    leak_suppress_free(s);
    leak_report_free(b);
    leak_report_free(c);
}
END_TEST

START_TEST(classify_empty_reports)
{
    leak_report *b = report_new(0), *c = report_new(0);
    leak_diff *d = leak_diff_new(b, c, NULL, 0);
    ck_assert_ptr_nonnull(d);
    ck_assert_uint_eq(d->n_entries, 0);
    leak_diff_free(d);
    leak_report_free(b);
    leak_report_free(c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("diff");
    TCase *tc = tcase_create("signature");
    tcase_add_test(tc, signature_layout);
    tcase_add_test(tc, signature_ignores_lines_addresses_and_clones);
    tcase_add_test(tc, signature_changes_with_the_stack);
    tcase_add_test(tc, signature_names_and_unknown_frames);
    suite_add_tcase(s, tc);
    tc = tcase_create("json_read");
    tcase_add_test(tc, json_reads_a_report);
    tcase_add_loop_test(tc, json_rejects_malformed_input, 0,
                        (int)(sizeof(bad_json) / sizeof(bad_json[0])));
    tcase_add_test(tc, json_file_errors);
    suite_add_tcase(s, tc);
    tc = tcase_create("suppress");
    tcase_add_test(tc, suppress_parses_rules_comments_and_blank_lines);
    tcase_add_loop_test(tc, suppress_rejects_bad_lines, 0,
                        (int)(sizeof(bad_supp) / sizeof(bad_supp[0])));
    tcase_add_test(tc, suppress_rejects_long_lines_and_nul);
    tcase_add_test(tc, suppress_load_errors);
    tcase_add_loop_test(tc, suppress_matches, 0,
                        (int)(sizeof(match_cases) / sizeof(match_cases[0])));
    tcase_add_test(tc, suppress_top_looks_past_the_runtime);
    tcase_add_test(tc, glob_edges);
    suite_add_tcase(s, tc);
    tc = tcase_create("classify");
    tcase_add_test(tc, classify_new_grown_unchanged_fixed);
    tcase_add_test(tc, classify_tolerance);
    tcase_add_test(tc, classify_with_suppressions);
    tcase_add_test(tc, classify_empty_reports);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
