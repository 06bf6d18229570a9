/*
 * test_facts.c - report_facts.h: which threads share one entry of a report
 * (identical stacks folded, the triggering thread alone and first) and the
 * words of a folded entry, over snapshots built in memory.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "report_facts.h"
#include "snap_format.h"
#include "unit_run.h"

#define MAX_THREADS 16

static uint64_t parked[] = { 0x1000, 0x2000, 0x3000 };
static uint64_t other[] = { 0x1000, 0x2000, 0x3004 };
static uint64_t regs[] = { 1, 2, 3 };

typedef struct world {
    snap s;
    snap_thread t[MAX_THREADS];
} world;

/* n threads, tids 10.., named "w", state S, blocked in the same place. */
static void world_init(world *w, size_t n)
{
    memset(w, 0, sizeof(*w));
    for (size_t i = 0; i < n; i++) {
        w->t[i].tid = 10 + i;
        w->t[i].name = "w";
        w->t[i].state = 'S';
        w->t[i].status = SNAP_THREAD_BLOCKED;
        w->t[i].frames = parked;
        w->t[i].n_frames = 3;
    }
    w->s.threads = w->t;
    w->s.n_threads = n;
}

/* The entries as "i,i;i;..." (indices into threads). */
static void entries(const facts_groups *g, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = 0;
    for (size_t e = 0; e < g->n; e++)
        for (size_t m = 0; m < g->groups[e].n; m++)
            at += (size_t)snprintf(buf + at, len - at, "%zu%s", g->groups[e].members[m],
                                   m + 1 < g->groups[e].n ? "," : e + 1 < g->n ? ";" : "");
}

static void check_entries(const snap *s, int all, const char *want)
{
    facts_groups g;
    char got[256];
    ck_assert_int_eq(facts_thread_groups(&g, s, all), 0);
    entries(&g, got, sizeof(got));
    ck_assert_str_eq(got, want);
    facts_groups_release(&g);
}

START_TEST(lead_alone_and_first)
{
    world w;
    world_init(&w, 6);
    /* The triggering thread (no registers, the same stack as the others)
     * written fourth: it still stands alone, first. */
    w.s.trigger.present = 1;
    w.s.trigger.kind = SNAP_TRIGGER_REQUEST;
    w.s.trigger.tid = 13;
    check_entries(&w.s, 0, "3;0,1,2,4,5");
    check_entries(&w.s, 1, "3;0;1;2;4;5");
    /* A crashed thread is the lead, whatever the trigger record says. */
    w.t[5].crashed = 1;
    check_entries(&w.s, 0, "5;0,1,2,3,4");
}
END_TEST

START_TEST(no_lead_folds_from_the_first)
{
    world w;
    world_init(&w, 4);
    check_entries(&w.s, 0, "0,1,2,3");
    check_entries(&w.s, 1, "0;1;2;3");
}
END_TEST

START_TEST(what_keeps_threads_apart)
{
    world w;
    world_init(&w, 9);
    w.t[1].frames = other;      /* another pc */
    w.t[2].n_frames = 2;        /* a shorter stack */
    w.t[3].state = 'R';         /* the same stack, another state */
    w.t[4].regs = regs;         /* registers are the thread's own */
    w.t[4].n_regs = 3;
    w.t[5].truncated = 1;       /* cut, where the others are whole */
    w.t[6].wchan = "futex";     /* another kernel wait */
    w.t[7].method = 1;          /* its stack taken another way */
    check_entries(&w.s, 0, "0,8;1;2;3;4;5;6;7");
}
END_TEST

/* The words of a folded entry, through a sink into a buffer. */
typedef struct buf_sink {
    char text[512];
    size_t len;
} buf_sink;

static void buf_put(void *ctx, facts_piece kind, const char *s, size_t n)
{
    buf_sink *b = ctx;
    if (kind == FACTS_TID)
        b->text[b->len++] = '#';
    memcpy(b->text + b->len, s, n);
    b->len += n;
    b->text[b->len] = 0;
}

static void check_members(const snap *s, const char *want)
{
    facts_groups g;
    buf_sink b = { .len = 0 };
    facts_sink k = { buf_put, &b };
    ck_assert_int_eq(facts_thread_groups(&g, s, 0), 0);
    ck_assert_uint_eq(g.n, 1);
    facts_group_title(&k, &g.groups[0]);
    buf_put(&b, FACTS_WORDS, ": ", 2);
    facts_group_members(&k, s, &g.groups[0]);
    ck_assert_str_eq(b.text, want);
    facts_groups_release(&g);
}

START_TEST(folded_words)
{
    world w;
    world_init(&w, 3);
    check_members(&w.s, "3 threads with this stack: tids #10, #11, #12 (all named \"w\")");
    w.t[1].name = "v";
    w.t[2].name = NULL;
    check_members(&w.s, "3 threads with this stack: tids #10 \"w\", #11 \"v\", #12");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("report_facts");
    TCase *tc = tcase_create("folded stacks");
    tcase_add_test(tc, lead_alone_and_first);
    tcase_add_test(tc, no_lead_folds_from_the_first);
    tcase_add_test(tc, what_keeps_threads_apart);
    tcase_add_test(tc, folded_words);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
