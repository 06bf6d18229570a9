/*
 * test_memgrowth.c - the arithmetic of memory growth in bbx leaks (which
 * limit, minutes to it, sizes for people: leak_memory.h) and the verdict on
 * a vanished process (leak_vanished.h), on made numbers; the expected
 * figures are worked out here by hand.
 */
#include <check.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "leak_memory.h"
#include "leak_vanished.h"
#include "snap_format.h"
#include "unit_run.h"

#define MIB (1024ull * 1024)

START_TEST(limit_choice)
{
    mem_limit l;
    series_mem m = { .present = 1, .rss_kb = 100 * 1024, .vm_size_kb = 400 * 1024,
                     .phys_kb = 8 * 1024 * 1024 };
    ck_assert_int_eq(mem_limit_of(&m, &l), 1);
    ck_assert_str_eq(l.name, "physical memory");
    ck_assert_uint_eq(l.limit, 8ull << 30);
    ck_assert_uint_eq(l.used, 100 * MIB);
    m.as_limit = 512 * MIB; /* RLIMIT_AS against the address space */
    ck_assert_int_eq(mem_limit_of(&m, &l), 1);
    ck_assert_str_eq(l.name, "RLIMIT_AS soft limit");
    ck_assert_uint_eq(l.used, 400 * MIB);
    m.has_cg_max = m.has_cg_current = 1; /* the cgroup comes first */
    m.cg_max = 1024 * MIB;
    m.cg_current = 700 * MIB;
    ck_assert_int_eq(mem_limit_of(&m, &l), 1);
    ck_assert_str_eq(l.name, "cgroup limit");
    ck_assert_uint_eq(l.used, 700 * MIB);
    series_mem none = { 0 };
    ck_assert_int_eq(mem_limit_of(&none, &l), 0);
}
END_TEST

START_TEST(minutes_to_limit)
{
    /* 1 GiB limit, 800 MiB used: 224 MiB left at 10 MiB/min is 22.4 min */
    mem_limit l = { "cgroup limit", 1024 * MIB, 800 * MIB };
    ck_assert(fabs(mem_minutes_to_limit(&l, 10 * 1024) - 22.4) < 1e-9);
    ck_assert(fabs(mem_limit_percent(&l) - 78.125) < 1e-9);
    ck_assert(mem_minutes_to_limit(&l, 0) < 0);  /* not growing */
    ck_assert(mem_minutes_to_limit(&l, -5) < 0); /* shrinking */
    l.used = l.limit + 1;
    ck_assert(mem_minutes_to_limit(&l, 10) == 0); /* there already */
}
END_TEST

START_TEST(sizes_and_spans)
{
    char b[32];
    mem_fmt_kib(b, sizeof(b), 812);
    ck_assert_str_eq(b, "812 KiB");
    mem_fmt_kib(b, sizeof(b), 12.5 * 1024);
    ck_assert_str_eq(b, "12.5 MiB");
    mem_fmt_kib(b, sizeof(b), 1024 * 1024);
    ck_assert_str_eq(b, "1.00 GiB");
    mem_fmt_kib(b, sizeof(b), -2048);
    ck_assert_str_eq(b, "-2.00 MiB");
    mem_fmt_minutes(b, sizeof(b), 12.4);
    ck_assert_str_eq(b, "12 min");
    mem_fmt_minutes(b, sizeof(b), 0.5);
    ck_assert_str_eq(b, "30 s");
    mem_fmt_minutes(b, sizeof(b), 0.005);
    ck_assert_str_eq(b, "under a second");
    mem_fmt_minutes(b, sizeof(b), 210);
    ck_assert_str_eq(b, "3.5 h");
    ck_assert_str_eq(mem_group_kind_name(SNAP_MEM_ANON), "anon");
    ck_assert_str_eq(mem_group_kind_name(SERIES_MEM_CGROUP), "cgroup");
}
END_TEST

/* A series of n snapshots a minute apart in a 1 GiB cgroup; the caller
 * sets what it tests. */
static series_snap snaps[8];
static const series_snap *order[8];

static void series(size_t n, uint64_t used_mib)
{
    memset(snaps, 0, sizeof(snaps));
    for (size_t i = 0; i < n; i++) {
        series_snap *s = &snaps[i];
        s->time_ms = 1714564800000ull + i * 60000;
        s->pid = 4242;
        s->trigger_kind = SNAP_TRIGGER_PERIODIC;
        s->mem = (series_mem){ .present = 1, .rss_kb = used_mib * 1024, .has_cg_current = 1,
                               .has_cg_max = 1, .has_cg_oom = 1, .cg_current = used_mib * MIB,
                               .cg_max = 1024 * MIB };
        order[i] = s;
    }
}

START_TEST(vanished_oom_kill)
{
    int oom = 0;
    series(4, 993); /* 993 of 1024 MiB: 97% */
    snaps[3].mem.cg_oom_kills = 1;
    leak_vanished *v = vanish_judge(order, 4, 4242, VANISH_GONE, "box", NULL,
                                    "its anon memory grew by 10.0 MiB/min", &oom);
    ck_assert_ptr_nonnull(v);
    ck_assert_str_eq(v->verdict, "gone");
    ck_assert_str_eq(v->cause, "oom-kill");
    ck_assert_uint_eq(v->last_ms, snaps[3].time_ms);
    ck_assert_uint_eq(v->n_evidence, 3);
    ck_assert_str_eq(v->evidence[0], "the cgroup's oom_kill count rose from 0 to 1");
    ck_assert_str_eq(v->evidence[1],
                     "memory was 97% of the cgroup limit (1.00 GiB) in the last snapshot");
    ck_assert_ptr_nonnull(strstr(v->text, "process 4242 vanished after its last snapshot at "
                                          "2024-05-01 12:03:00.000 UTC (no exit or crash "
                                          "snapshot): likely killed by the OOM killer: the "
                                          "cgroup's oom_kill count rose from 0 to 1, memory "
                                          "was 97%"));
    leak_vanished_free(v);
}
END_TEST

START_TEST(vanished_near_limit)
{
    int oom = 0;
    series(3, 950); /* 92.8%: near, but no OOM kill counted */
    snaps[1].trigger_kind = SNAP_TRIGGER_MEMORY;
    leak_vanished *v = vanish_judge(order, 3, 4242, VANISH_REUSED, "box", NULL, NULL, &oom);
    ck_assert_ptr_nonnull(v);
    ck_assert_str_eq(v->cause, "memory-limit");
    ck_assert_uint_eq(v->n_evidence, 2);
    ck_assert_ptr_nonnull(strstr(v->evidence[1], "a memory watermark snapshot was taken at "
                                                 "2024-05-01 12:01:00.000 UTC"));
    ck_assert_ptr_nonnull(strstr(v->text, "its pid now runs another process"));
    leak_vanished_free(v);
    series(3, 500); /* far from the limit, nothing else: no cause */
    v = vanish_judge(order, 3, 4242, VANISH_GONE, "box", NULL, NULL, &oom);
    ck_assert_ptr_nonnull(v);
    ck_assert_ptr_null(v->cause);
    ck_assert_uint_eq(v->n_evidence, 0);
    ck_assert_ptr_nonnull(strstr(v->text, "no evidence of why"));
    leak_vanished_free(v);
    ck_assert_int_eq(oom, 0);
}
END_TEST

START_TEST(vanished_host_evidence)
{
    int oom = 0;
    series(3, 500); /* far from the limit: only what the host still knows */
    vanish_host h = { 0 };
    h.kernel_killed = 1;
    snprintf(h.kernel_line, sizeof(h.kernel_line),
             "Memory cgroup out of memory: Killed process 4242 (app)");
    h.has_cg_now = 1;
    h.cg_oom_now = 1;
    leak_vanished *v = vanish_judge(order, 3, 4242, VANISH_GONE, "box", &h, NULL, &oom);
    ck_assert_ptr_nonnull(v);
    ck_assert_str_eq(v->cause, "oom-kill");
    ck_assert_uint_eq(v->n_evidence, 2);
    ck_assert_str_eq(v->evidence[0], "the kernel's log says \"Memory cgroup out of memory: "
                                     "Killed process 4242 (app)\"");
    ck_assert_str_eq(v->evidence[1], "the cgroup's oom_kill count is 1 now, 0 in the last "
                                     "snapshot");
    leak_vanished_free(v);
    h.kernel_killed = 0;
    h.cg_oom_now = 0; /* nothing new on the host: no cause */
    v = vanish_judge(order, 3, 4242, VANISH_GONE, "box", &h, NULL, &oom);
    ck_assert_ptr_nonnull(v);
    ck_assert_ptr_null(v->cause);
    leak_vanished_free(v);
    ck_assert_int_eq(oom, 0);
}
END_TEST

START_TEST(kmsg_lines)
{
    ck_assert(vanish_kmsg_kills("Memory cgroup out of memory: Killed process 4242 (app) "
                                "total-vm:1kB", 4242));
    ck_assert(vanish_kmsg_kills("Out of memory: Killed process 4242 (app)", 4242));
    ck_assert(!vanish_kmsg_kills("Out of memory: Killed process 42420 (app)", 4242));
    ck_assert(!vanish_kmsg_kills("Out of memory: Killed process 424 (app)", 4242));
    ck_assert(!vanish_kmsg_kills("oom-kill:constraint=CONSTRAINT_MEMCG,pid=4242", 4242));
    ck_assert(!vanish_kmsg_kills(NULL, 4242));
}
END_TEST

START_TEST(not_vanished)
{
    int oom = 0;
    series(3, 993);
    snaps[2].mem.cg_oom_kills = 1;
    ck_assert_ptr_null(vanish_judge(order, 3, 4242, VANISH_ALIVE, "box", NULL, NULL, &oom));
    snaps[2].trigger_kind = SNAP_TRIGGER_EXIT;
    ck_assert_ptr_null(vanish_judge(order, 3, 4242, VANISH_GONE, "box", NULL, NULL, &oom));
    snaps[2].trigger_kind = SNAP_TRIGGER_CRASH;
    ck_assert_ptr_null(vanish_judge(order, 3, 4242, VANISH_GONE, "box", NULL, NULL, &oom));
    snaps[2].trigger_kind = SNAP_TRIGGER_PERIODIC; /* another host: cannot be told */
    leak_vanished *v = vanish_judge(order, 3, 4242, VANISH_OTHER_HOST, "far", NULL, NULL, &oom);
    ck_assert_ptr_nonnull(v);
    ck_assert_str_eq(v->verdict, "unknown");
    ck_assert_ptr_nonnull(strstr(v->text, "cannot be told here (its snapshots come from "
                                          "host far)"));
    leak_vanished_free(v);
}
END_TEST

START_TEST(probe_this_host)
{
    char host[256];
    ck_assert_int_eq(gethostname(host, sizeof(host)), 0);
    ck_assert_int_eq(vanish_probe((uint64_t)getpid(), 0, host), VANISH_ALIVE);
    ck_assert_int_eq(vanish_probe((uint64_t)getpid(), 1000, host), VANISH_REUSED);
    ck_assert_int_eq(vanish_probe((uint64_t)getpid(), 0, "not-this-host.example"),
                     VANISH_OTHER_HOST);
    ck_assert_int_eq(vanish_probe(0, 0, NULL), VANISH_GONE);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("memgrowth");
    TCase *tc = tcase_create("growth");
    tcase_add_test(tc, limit_choice);
    tcase_add_test(tc, minutes_to_limit);
    tcase_add_test(tc, sizes_and_spans);
    suite_add_tcase(s, tc);
    tc = tcase_create("vanished");
    tcase_add_test(tc, vanished_oom_kill);
    tcase_add_test(tc, vanished_near_limit);
    tcase_add_test(tc, vanished_host_evidence);
    tcase_add_test(tc, kmsg_lines);
    tcase_add_test(tc, not_vanished);
    tcase_add_test(tc, probe_this_host);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
