/*
 * test_flame_svg.c - the SVG flame graph writer on hand-made sets: counts
 * in the titles add up, narrow frames merge into their parents without
 * losing counts, differential colours, awkward names stay inert and valid
 * UTF-8, very deep and very many stacks.  (check_svg.py parses the same
 * documents as XML; tests/browser/svg_test.js drives them in Chromium.)
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flame_svg.h"
#include "svg_sets.h"
#include "unit_run.h"
#include "utf8.h"

/* One drawn frame, read back from the document. */
typedef struct drawn {
    uint64_t n;          /* data-n */
    uint64_t title_n;    /* the count in the title's count line */
    char name[256];      /* the title's first line, escaped */
    double x, y, w;
    unsigned r, g, b;    /* fill */
} drawn;

static char *render(const flame_set *fs, const flame_set *base, unsigned width, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *out = open_memstream(&buf, &n);
    flame_svg_options o = { width, 0, NULL };

    ck_assert_ptr_nonnull(out);
    ck_assert_int_eq(flame_write_svg(fs, base, &o, out), 0);
    ck_assert_int_eq(fclose(out), 0);
    if (len)
        *len = n;
    return buf;
}

static size_t read_frames(const char *svg, drawn **out)
{
    size_t n = 0, cap = 0;
    drawn *v = NULL;
    const char *p = svg;

    while ((p = strstr(p, "<g class=\"f\" data-n=\""))) {
        drawn d;
        const char *t, *nl, *cl;
        memset(&d, 0, sizeof d);
        d.n = strtoull(p + 21, NULL, 10);
        t = strstr(p, "<title>") + 7;
        nl = strchr(t, '\n');
        ck_assert_ptr_nonnull(nl);
        memcpy(d.name, t, (size_t)(nl - t) < sizeof d.name ? (size_t)(nl - t) : sizeof d.name - 1);
        cl = strchr(nl + 1, '\n');           /* the count line follows the location */
        ck_assert_ptr_nonnull(cl);
        d.title_n = strtoull(cl + 1, NULL, 10);
        ck_assert_int_eq(sscanf(strstr(p, "<rect "), "<rect x=\"%lf\" y=\"%lf\" width=\"%lf\"",
                                &d.x, &d.y, &d.w), 3);
        ck_assert_int_eq(sscanf(strstr(p, "fill=\"rgb("), "fill=\"rgb(%u,%u,%u)", &d.r, &d.g,
                                &d.b), 3);
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            v = realloc(v, cap * sizeof *v);
            ck_assert_ptr_nonnull(v);
        }
        v[n++] = d;
        p = cl;
    }
    *out = v;
    return n;
}

static const drawn *find(const drawn *v, size_t n, const char *name, uint64_t count)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i].name, name) && (!count || v[i].n == count))
            return &v[i];
    return NULL;
}

/* Each title's count is the frame's, and a frame's children (the row
 * above, inside its span) count no more than it does. */
static void check_sums(const drawn *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t sum = 0;
        ck_assert_uint_eq(v[i].n, v[i].title_n);
        for (size_t j = 0; j < n; j++) {
            double c = v[j].x + v[j].w / 2;
            if (v[j].y < v[i].y - 15 && v[j].y > v[i].y - 17 && c >= v[i].x &&
                c <= v[i].x + v[i].w)
                sum += v[j].n;
        }
        ck_assert_uint_le(sum, v[i].n);
    }
}

static void check_safe_text(const char *svg, size_t len)
{
    const uint8_t *p = (const uint8_t *)svg, *end = p + len;
    const char *cdata = strstr(svg, "<![CDATA[");

    while (p < end) {
        uint32_t cp;
        size_t l = utf8_decode(p, (size_t)(end - p), &cp);
        ck_assert_uint_ne(l, 0);                            /* valid UTF-8 */
        ck_assert(cp >= 0x20 || cp == '\n' || cp == '\t'); /* no control bytes */
        if (cp == '&' && (!cdata || (const char *)p < cdata)) {
            const char *e = (const char *)p;
            ck_assert_msg(!strncmp(e, "&amp;", 5) || !strncmp(e, "&lt;", 4) ||
                          !strncmp(e, "&gt;", 4) || !strncmp(e, "&quot;", 6) ||
                          !strncmp(e, "&#39;", 5), "stray & at %.20s", e);
        }
        p += l;
    }
}

/* Two threads whose stacks both start at __clone3: each keeps its name as
 * the level above the root (the folded output's first field), so their
 * stacks are not merged under one __clone3. */
START_TEST(thread_names_kept)
{
    flame_set *fs = svg_set_new("threads", "threads");
    fs->groups = realloc(fs->groups, 2 * sizeof *fs->groups);
    ck_assert_ptr_nonnull(fs->groups);
    fs->groups[0] = strcpy(realloc(fs->groups[0], 6), "gmain");
    fs->groups[1] = strdup("gdbus");
    fs->n_groups = 2;
    svg_set_folded(fs, "__clone3;start_thread;g_main_loop_run", 3);
    svg_set_folded(fs, "__clone3;start_thread;g_dbus_worker", 2);
    fs->stacks[1].group = 1;
    size_t len;
    char *svg = render(fs, NULL, 1200, &len);
    drawn *v;
    size_t n = read_frames(svg, &v);

    ck_assert_ptr_nonnull(find(v, n, "gmain", 3));
    ck_assert_ptr_nonnull(find(v, n, "gdbus", 2));
    ck_assert_ptr_nonnull(find(v, n, "__clone3", 3));
    ck_assert_ptr_nonnull(find(v, n, "__clone3", 2));
    ck_assert_ptr_null(find(v, n, "__clone3", 5));
    check_sums(v, n);
    free(v);
    free(svg);
    flame_set_free(fs);
}
END_TEST

START_TEST(known_counts)
{
    flame_set *fs = svg_set_known(0);
    size_t len;
    char *svg = render(fs, NULL, 1200, &len);
    drawn *v;
    size_t n = read_frames(svg, &v);

    ck_assert_uint_eq(n, 8); /* all main run somefunction other helper somefunction idle */
    ck_assert_ptr_nonnull(find(v, n, "all", 100));
    ck_assert_ptr_nonnull(find(v, n, "main", 100));
    ck_assert_ptr_nonnull(find(v, n, "run", 70));
    ck_assert_ptr_nonnull(find(v, n, "idle", 30));
    ck_assert_ptr_nonnull(find(v, n, "somefunction", 40));
    ck_assert_ptr_nonnull(find(v, n, "somefunction", 10));
    ck_assert_ptr_nonnull(strstr(svg, "\n70 threads, 70.00%"));
    check_sums(v, n);
    check_safe_text(svg, len);
    /* the root spans the graph; run is 70% of it */
    ck_assert_double_eq_tol(find(v, n, "all", 0)->w, 1180, 0.01);
    ck_assert_double_eq_tol(find(v, n, "run", 0)->w, 1180 * 0.7, 0.01);
    free(v);
    free(svg);
    flame_set_free(fs);
}
END_TEST

START_TEST(narrow_frames_merge)
{
    flame_set *fs = svg_set_new("narrow", "threads");
    char folded[64];
    size_t len, n;
    drawn *v;
    char *svg;

    svg_set_folded(fs, "main;big;leaf", 1000000);
    for (int i = 0; i < 2000; i++) {
        snprintf(folded, sizeof folded, "main;tiny%d;leaf", i);
        svg_set_folded(fs, folded, 1);
    }
    svg = render(fs, NULL, 1200, &len);
    n = read_frames(svg, &v);
    ck_assert_uint_eq(n, 4);                  /* all main big leaf: tiny* merged */
    ck_assert_ptr_nonnull(find(v, n, "all", 1002000));
    ck_assert_ptr_nonnull(find(v, n, "main", 1002000));
    ck_assert_ptr_nonnull(find(v, n, "big", 1000000));
    ck_assert_ptr_null(strstr(svg, "tiny"));
    ck_assert_uint_lt(len, 20000);
    check_sums(v, n);
    free(v);
    free(svg);
    flame_set_free(fs);
}
END_TEST

START_TEST(differential_colours)
{
    flame_set *now = svg_set_known(1), *before = svg_set_known(0);
    size_t len, n;
    char *svg = render(now, before, 1200, &len);
    drawn *v;
    const drawn *d;

    n = read_frames(svg, &v);
    d = find(v, n, "somefunction", 70);       /* 40 -> 70: red */
    ck_assert_ptr_nonnull(d);
    ck_assert_uint_gt(d->r, d->b);
    d = find(v, n, "idle", 5);                /* 30 -> 5: blue */
    ck_assert_ptr_nonnull(d);
    ck_assert_uint_gt(d->b, d->r);
    d = find(v, n, "other", 20);              /* unchanged: grey */
    ck_assert_ptr_nonnull(d);
    ck_assert_uint_eq(d->r, d->b);
    d = find(v, n, "run", 100);               /* 70 -> 100: red, paler */
    ck_assert_ptr_nonnull(d);
    ck_assert_uint_gt(d->r, d->b);
    ck_assert_ptr_nonnull(strstr(svg, "base 30 (30.00%), now 5 (4.76%), -25"));
    ck_assert_ptr_nonnull(strstr(svg, "base 40 (40.00%), now 70 (66.67%), +30"));
    check_sums(v, n);
    check_safe_text(svg, len);
    free(v);
    free(svg);
    flame_set_free(now);
    flame_set_free(before);
}
END_TEST

START_TEST(awkward_names_escaped)
{
    flame_set *fs = svg_set_awkward();
    size_t len;
    char *svg = render(fs, NULL, 1200, &len);

    check_safe_text(svg, len);
    ck_assert_ptr_nonnull(strstr(svg, "operator&lt;&lt;(std::ostream&amp;, char const*)"));
    ck_assert_ptr_nonnull(strstr(svg, "quote&#39;&quot;]]&gt;&amp;amp;"));
    ck_assert_ptr_nonnull(strstr(svg, "a&amp;b&lt;c&gt;.c:3"));
    ck_assert_ptr_nonnull(strstr(svg, "libunknown.so+0x1234"));
    ck_assert_ptr_null(strstr(svg, "]]>&"));
    /* one CDATA section, the script's, closed once at the end */
    ck_assert_ptr_eq(strstr(svg, "]]>"), strstr(svg, "]]></script>"));
    free(svg);
    flame_set_free(fs);
}
END_TEST

START_TEST(deep_stacks)
{
    flame_set *fs = svg_set_deep(5000);
    size_t len, n;
    char *svg = render(fs, NULL, 1200, &len);
    drawn *v;

    n = read_frames(svg, &v);
    ck_assert_uint_eq(n, 5001);
    ck_assert_ptr_nonnull(find(v, n, "all", 4));
    check_safe_text(svg, len);
    free(v);
    free(svg);
    flame_set_free(fs);
}
END_TEST

START_TEST(many_random_stacks)
{
    uint64_t total;
    flame_set *fs = svg_set_random(100000, &total);
    size_t len, n;
    char *svg = render(fs, NULL, 1200, &len);
    drawn *v;

    n = read_frames(svg, &v);
    ck_assert_ptr_nonnull(find(v, n, "all", total));
    for (size_t i = 0; i < n; i++)               /* nothing under a pixel */
        ck_assert_double_ge(v[i].w, 0.995);
    ck_assert_uint_lt(len, 8u << 20);
    check_safe_text(svg, len);
    fprintf(stderr, "100000 random stacks: %zu frames drawn, %zu bytes\n", n, len);
    free(v);
    free(svg);
    flame_set_free(fs);
}
END_TEST

START_TEST(empty_set_and_write_error)
{
    flame_set *fs = svg_set_new(NULL, NULL);
    size_t len;
    char *svg = render(fs, NULL, 0, &len);
    FILE *full = fopen("/dev/full", "w");

    ck_assert_ptr_nonnull(strstr(svg, "</svg>"));
    check_safe_text(svg, len);
    free(svg);
    flame_set_free(fs);
    if (full) {                                 /* writes fail: -1 */
        fs = svg_set_known(0);
        ck_assert_int_eq(flame_write_svg(fs, NULL, NULL, full), -1);
        fclose(full);
        flame_set_free(fs);
    }
}
END_TEST

static Suite *flame_svg_suite(void)
{
    Suite *s = suite_create("flame_svg");
    TCase *tc = tcase_create("svg");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, known_counts);
    tcase_add_test(tc, thread_names_kept);
    tcase_add_test(tc, narrow_frames_merge);
    tcase_add_test(tc, differential_colours);
    tcase_add_test(tc, awkward_names_escaped);
    tcase_add_test(tc, deep_stacks);
    tcase_add_test(tc, many_random_stacks);
    tcase_add_test(tc, empty_set_and_write_error);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(flame_svg_suite());
}
