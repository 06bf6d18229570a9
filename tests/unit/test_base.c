/*
 * test_base.c - Check tests of the analyzer's shared basics (analyzer/base):
 * the error-text helper, array growth, FNV-1a and path base names.
 */
#include <check.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err_text.h"
#include "grow_array.h"
#include "hash_fnv.h"
#include "path_name.h"
#include "unit_run.h"

typedef struct item {
    uint64_t a;
    char tag[12];
} item;

/* The block really holds cap elements (release builds too; ASan also
 * catches the writes below when it does not). */
static void assert_room(const void *p, size_t cap, size_t elem)
{
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_ge(malloc_usable_size((void *)p), cap * elem);
}

START_TEST(grow_doubles)
{
    item *v = NULL;
    size_t cap = 0;
    ck_assert_int_eq(GROW_ARRAY(v, cap, 1, 4), 0); /* first: 4 */
    ck_assert_uint_eq(cap, 4);
    assert_room(v, cap, sizeof(*v));
    ck_assert_int_eq(GROW_ARRAY(v, cap, 4, 4), 0); /* fits: no change */
    ck_assert_uint_eq(cap, 4);
    ck_assert_int_eq(GROW_ARRAY(v, cap, 5, 4), 0); /* one over: doubled */
    ck_assert_uint_eq(cap, 8);
    ck_assert_int_eq(GROW_ARRAY(v, cap, 100, 4), 0); /* doubled until it fits */
    ck_assert_uint_eq(cap, 128);
    assert_room(v, cap, sizeof(*v));
    free(v);

    v = NULL;
    cap = 0;
    ck_assert_int_eq(GROW_ARRAY(v, cap, 3, 0), 0); /* first 0 counts as 1 */
    ck_assert_uint_eq(cap, 4);
    free(v);

    v = NULL;
    cap = 0;
    ck_assert_int_eq(GROW_ARRAY(v, cap, 0, 8), 0); /* nothing needed */
    ck_assert_uint_eq(cap, 0);
    ck_assert_ptr_null(v);
}
END_TEST

/* Appending one at a time, as the callers do: every element survives each
 * move of the block. */
START_TEST(grow_keeps_contents)
{
    item *v = NULL;
    size_t n = 0, cap = 0;
    for (uint64_t i = 0; i < 1000; i++) {
        ck_assert_int_eq(GROW_ARRAY(v, cap, n + 1, 16), 0);
        ck_assert_uint_ge(cap, n + 1);
        v[n].a = i * 7;
        memcpy(v[n].tag, "0123456789a", 12);
        n++;
    }
    ck_assert_uint_eq(cap, 1024);
    assert_room(v, cap, sizeof(*v));
    for (size_t i = 0; i < n; i++) {
        ck_assert_uint_eq(v[i].a, i * 7);
        ck_assert_str_eq(v[i].tag, "0123456789a");
    }
    free(v);

    char *bytes = NULL;
    size_t bcap = 256;
    bytes = malloc(bcap);
    ck_assert_int_eq(GROW_ARRAY(bytes, bcap, 1000, 1), 0); /* bytes: 256 -> 1024 */
    ck_assert_uint_eq(bcap, 1024);
    assert_room(bytes, bcap, 1);
    free(bytes);
}
END_TEST

START_TEST(grow_overflow)
{
    item *v = NULL;
    size_t cap = 0;
    ck_assert_int_eq(GROW_ARRAY(v, cap, 2, 2), 0);
    item *before = v;
    ck_assert_int_eq(GROW_ARRAY(v, cap, SIZE_MAX / sizeof(item) + 1, 2), -1);
    ck_assert_ptr_eq(v, before); /* untouched: the caller still frees it */
    ck_assert_uint_eq(cap, 2);
    ck_assert_int_eq(GROW_ARRAY(v, cap, SIZE_MAX, 2), -1);
    ck_assert_uint_eq(cap, 2);
    /* 2^62 elements of 4 bytes: a product that wraps to 0 */
    ck_assert_int_eq(grow_array(&v, &cap, (size_t)1 << 62, 4, 2), -1);
    ck_assert_ptr_eq(v, before);
    ck_assert_uint_eq(cap, 2);
    v[1].a = 1; /* still the caller's */
    free(v);
}
END_TEST

/* The published 64-bit FNV-1a test vectors (Fowler, Noll, Vo). */
START_TEST(fnv_vectors)
{
    ck_assert_uint_eq(fnv1a_bytes(FNV1A_OFFSET, "", 0), 0xcbf29ce484222325ull);
    ck_assert_uint_eq(fnv1a_bytes(FNV1A_OFFSET, "a", 1), 0xaf63dc4c8601ec8cull);
    ck_assert_uint_eq(fnv1a_bytes(FNV1A_OFFSET, "foobar", 6), 0x85944171f73967e8ull);
    ck_assert_uint_eq(fnv1a_str(FNV1A_OFFSET, "foobar"), 0x85944171f73967e8ull);
    ck_assert_uint_eq(fnv1a_step(FNV1A_OFFSET, 'a'), 0xaf63dc4c8601ec8cull);
    /* a word is its 8 bytes, least significant first */
    const unsigned char le[8] = { 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01 };
    ck_assert_uint_eq(fnv1a_u64(FNV1A_OFFSET, 0x0102030405060708ull),
                      fnv1a_bytes(FNV1A_OFFSET, le, 8));
    ck_assert_uint_eq(fnv1a_u64(FNV1A_OFFSET, 0), 0xa8c7f832281a39c5ull);
}
END_TEST

START_TEST(err_text)
{
    char buf[8];
    memset(buf, 'x', sizeof(buf));
    err_text_set(buf, sizeof(buf), "%s: %d", "abc", 12345);
    ck_assert_str_eq(buf, "abc: 12"); /* truncated, terminated */
    err_text_set(buf, sizeof(buf), "ok");
    ck_assert_str_eq(buf, "ok");
    err_text_set(NULL, 100, "ignored %d", 1); /* no buffer: nothing */
    buf[0] = 'z';
    err_text_set(buf, 0, "ignored");
    ck_assert_int_eq(buf[0], 'z');
}
END_TEST

START_TEST(base_name)
{
    ck_assert_str_eq(path_base_name("/lib/x86_64-linux-gnu/libc.so.6"), "libc.so.6");
    ck_assert_str_eq(path_base_name("app"), "app");
    ck_assert_str_eq(path_base_name("dir/"), "");
    ck_assert_str_eq(path_base_name("/"), "");
    const char *p = "a/b";
    ck_assert_ptr_eq(path_base_name(p), p + 2); /* a pointer into path */
    ck_assert_ptr_eq(path_base_name(p + 2), p + 2);
    ck_assert_ptr_null(path_base_name(NULL));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("base");
    TCase *tc = tcase_create("grow");
    tcase_add_test(tc, grow_doubles);
    tcase_add_test(tc, grow_keeps_contents);
    tcase_add_test(tc, grow_overflow);
    suite_add_tcase(s, tc);
    tc = tcase_create("hash");
    tcase_add_test(tc, fnv_vectors);
    suite_add_tcase(s, tc);
    tc = tcase_create("text");
    tcase_add_test(tc, err_text);
    tcase_add_test(tc, base_name);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
