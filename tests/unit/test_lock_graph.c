/*
 * test_lock_graph.c - lock_graph.h: the cycles of hand-built wait-for
 * graphs (deadlocks, chains, tails, several cycles, hostile input), and the
 * words report_facts.h makes of them.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "lock_graph.h"
#include "report_facts.h"
#include "snap_format.h"
#include "unit_run.h"

/* The cycles as "i,i;i,i" (edge indices, each cycle in its order). */
static void cycles_of(const lock_edge *e, size_t n, char *buf, size_t len)
{
    lock_cycles c;
    size_t at = 0;
    ck_assert_int_eq(lock_cycles_find(&c, e, n), 0);
    buf[0] = 0;
    for (size_t i = 0; i < c.n; i++)
        for (size_t j = 0; j < c.cycles[i].n; j++)
            at += (size_t)snprintf(buf + at, len - at, "%zu%s", c.edges[c.cycles[i].first + j],
                                   j + 1 < c.cycles[i].n ? "," : i + 1 < c.n ? ";" : "");
    lock_cycles_release(&c);
}

#define CHECK_CYCLES(edges, want)                                                          \
    do {                                                                                   \
        char got_[256];                                                                    \
        cycles_of(edges, sizeof(edges) / sizeof(edges[0]), got_, sizeof(got_));            \
        ck_assert_str_eq(got_, want);                                                      \
    } while (0)

START_TEST(ab_ba)
{
    lock_edge e[] = { { 10, 0xa, 11 }, { 11, 0xb, 10 } };
    CHECK_CYCLES(e, "0,1");
}
END_TEST

START_TEST(chain_is_no_cycle)
{
    lock_edge e[] = { { 10, 0xa, 11 }, { 11, 0xb, 12 } };
    CHECK_CYCLES(e, "");
}
END_TEST

START_TEST(tail_left_out)
{
    /* 13 waits for the cycle 10 -> 11 -> 12 -> 10 but is not in it */
    lock_edge e[] = { { 13, 0xd, 10 }, { 12, 0xc, 10 }, { 10, 0xa, 11 }, { 11, 0xb, 12 } };
    CHECK_CYCLES(e, "1,2,3");
}
END_TEST

START_TEST(rotated_to_first_edge)
{
    lock_edge e[] = { { 11, 0xb, 12 }, { 12, 0xc, 10 }, { 10, 0xa, 11 } };
    CHECK_CYCLES(e, "0,1,2");
    lock_edge f[] = { { 12, 0xc, 10 }, { 10, 0xa, 11 }, { 11, 0xb, 12 } };
    CHECK_CYCLES(f, "0,1,2");
}
END_TEST

START_TEST(two_cycles_in_order)
{
    lock_edge e[] = { { 20, 0xa, 21 }, { 30, 0xc, 31 }, { 31, 0xd, 30 }, { 21, 0xb, 20 },
                      { 40, 0xe, 30 } };
    CHECK_CYCLES(e, "0,3;1,2");
}
END_TEST

START_TEST(hostile_graphs)
{
    lock_edge self[] = { { 10, 0xa, 10 } };
    CHECK_CYCLES(self, "0");
    /* a second edge out of 10 is ignored */
    lock_edge dup[] = { { 10, 0xa, 11 }, { 10, 0xb, 12 }, { 11, 0xc, 10 }, { 12, 0xd, 10 } };
    CHECK_CYCLES(dup, "0,2");
    lock_edge dangling[] = { { 10, 0xa, 99 }, { 11, 0xb, 10 } };
    CHECK_CYCLES(dangling, "");
    lock_cycles c;
    ck_assert_int_eq(lock_cycles_find(&c, NULL, 0), 0);
    ck_assert_uint_eq(c.n, 0);
    lock_cycles_release(&c);
}
END_TEST

/* ---- the words ---- */

static void buf_put(void *ctx, facts_piece kind, const char *s, size_t n)
{
    (void)kind;
    strncat(ctx, s, n);
}

static snap_thread threads[3];
static snap world;

static void world_init(void)
{
    memset(threads, 0, sizeof(threads));
    memset(&world, 0, sizeof(world));
    threads[0] = (snap_thread){ .tid = 10, .name = "a", .state = 'S', .has_syscall = 1,
                                .syscall = 202, .lock_addr = 0xa0, .lock_owner = 11 };
    threads[1] = (snap_thread){ .tid = 11, .name = "b", .state = 'S', .has_syscall = 1,
                                .syscall = 202, .lock_addr = 0xb0, .lock_owner = 10 };
    threads[2] = (snap_thread){ .tid = 12, .name = "c", .state = 'S', .has_syscall = 1,
                                .syscall = 0 };
    world.threads = threads;
    world.n_threads = 3;
    world.process.arch = "x86_64";
}

START_TEST(deadlock_words)
{
    char buf[512] = "";
    facts_sink k = { buf_put, buf };
    world_init();
    ck_assert_int_eq(facts_deadlocks(NULL, &world), 1);
    ck_assert_int_eq(facts_deadlocks(&k, &world), 1);
    ck_assert_str_eq(buf, "deadlock: thread 10 \"a\" holds mutex 0xb0 and waits for mutex 0xa0 "
                          "held by thread 11 \"b\", which waits for mutex 0xb0 held by "
                          "thread 10");
    buf[0] = 0;
    ck_assert_int_eq(facts_thread_lock(&k, &world, &threads[0], NULL), 1);
    ck_assert_str_eq(buf, "blocked on mutex 0xa0 held by thread 11 \"b\", which is blocked on "
                          "mutex 0xb0");
}
END_TEST

START_TEST(chain_words)
{
    char buf[512] = "";
    facts_sink k = { buf_put, buf };
    facts_owner o;
    world_init();
    threads[0].lock_owner = 12;
    threads[1].lock_owner = 0;
    ck_assert_int_eq(facts_deadlocks(NULL, &world), 0);
    ck_assert_int_eq(facts_thread_lock(&k, &world, &threads[0], NULL), 1);
    ck_assert_str_eq(buf, "blocked on mutex 0xa0 held by thread 12 \"c\", which is blocked in "
                          "read()");
    ck_assert_int_eq(facts_lock_owner(&world, &threads[0], &o), 1);
    ck_assert_int_eq(o.state, FACTS_OWNER_BLOCKED);
    ck_assert_str_eq(facts_owner_state_name(o.state), "blocked");
    ck_assert_int_eq(facts_thread_lock(NULL, &world, &threads[1], NULL), 0);
    /* an owner that is not in the snapshot, one that runs */
    buf[0] = 0;
    threads[0].lock_owner = 77;
    facts_thread_lock(&k, &world, &threads[0], NULL);
    ck_assert_str_eq(buf, "blocked on mutex 0xa0 held by thread 77 (not in the snapshot)");
    buf[0] = 0;
    threads[0].lock_owner = 12;
    threads[2].syscall = -1;
    facts_thread_lock(&k, &world, &threads[0], NULL);
    ck_assert_str_eq(buf, "blocked on mutex 0xa0 held by thread 12 \"c\", which is busy "
                          "(running)");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("lock_graph");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, ab_ba);
    tcase_add_test(tc, chain_is_no_cycle);
    tcase_add_test(tc, tail_left_out);
    tcase_add_test(tc, rotated_to_first_edge);
    tcase_add_test(tc, two_cycles_in_order);
    tcase_add_test(tc, hostile_graphs);
    tcase_add_test(tc, deadlock_words);
    tcase_add_test(tc, chain_words);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(suite());
}
