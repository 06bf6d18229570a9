/*
 * test_memory.c - Check tests of the collector's memory figures, from the
 * inside: the kind of a mapping (mem_kind_of, with the thread-stack guard
 * rule), the watermark's crossing rule (mem_wm_cross), cgroup limit values
 * (mem_cg_limit_value), "key value" lookups (mem_key_u64), and one
 * /proc/self/smaps read of this process checked against smaps_rollup.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "mem_read.h"
#include "mem_watch.h"
#include "unit_run.h"

static struct mem_map map(uint64_t start, uint64_t end, const char *perms, const char *path)
{
    struct mem_map m = { start, end, "", path, strlen(path) };
    memcpy(m.perms, perms, 5);
    return m;
}

START_TEST(kinds_by_path)
{
    struct {
        const char *perms, *path;
        unsigned kind;
    } cases[] = {
        { "rw-p", "[heap]", SNAP_MEM_HEAP },
        { "rw-p", "", SNAP_MEM_ANON },
        { "rw-p", "[stack]", SNAP_MEM_STACK },
        { "r-xp", "/usr/lib/x86_64-linux-gnu/libc.so.6", SNAP_MEM_CODE },
        { "r--p", "/usr/lib/x86_64-linux-gnu/libc.so.6", SNAP_MEM_FILE },
        { "rw-p", "/usr/share/fonts/x.ttf", SNAP_MEM_FILE },
        { "rw-s", "", SNAP_MEM_SHM },
        { "rw-s", "/dev/zero (deleted)", SNAP_MEM_SHM },
        { "rw-p", "/dev/zero (deleted)", SNAP_MEM_ANON },
        { "rw-s", "/dev/shm/pulse-shm-1", SNAP_MEM_SHM },
        { "rw-s", "/memfd:wayland-shm (deleted)", SNAP_MEM_SHM },
        { "rw-s", "/SYSV00000000 (deleted)", SNAP_MEM_SHM },
        { "rw-s", "/dev/dri/renderD128", SNAP_MEM_GPU },
        { "rw-s", "/dev/nvidia0", SNAP_MEM_GPU },
        { "rw-s", "/dmabuf:", SNAP_MEM_GPU },
        { "rw-s", "anon_inode:dmabuf", SNAP_MEM_GPU },
        { "rw-s", "/dev/kgsl-3d0", SNAP_MEM_GPU },
        { "rw-s", "/dev/mali0", SNAP_MEM_GPU },
        { "r-xp", "[vdso]", SNAP_MEM_OTHER },
        { "r--p", "[vvar]", SNAP_MEM_OTHER },
        { "rw-p", "[anon:bbx]", SNAP_MEM_OTHER },
        { "rw-p", "[anon:glibc: malloc arena]", SNAP_MEM_ANON },
        { "rw-p", "anon_inode:[perf_event]", SNAP_MEM_OTHER },
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mem_map m = map(0x7f0000001000, 0x7f0000002000, cases[i].perms, cases[i].path);
        ck_assert_msg(mem_kind_of(&m, NULL) == cases[i].kind, "%s %s: kind %u, expected %u",
                      cases[i].perms, cases[i].path, mem_kind_of(&m, NULL), cases[i].kind);
    }
}
END_TEST

START_TEST(thread_stacks_by_guard)
{
    struct mem_map guard = map(0x7f0000000000, 0x7f0000001000, "---p", "");
    struct mem_map stack = map(0x7f0000001000, 0x7f0000801000, "rw-p", "");
    ck_assert_uint_eq(mem_kind_of(&stack, &guard), SNAP_MEM_STACK);
    /* not adjacent: anonymous */
    struct mem_map apart = map(0x7f0000002000, 0x7f0000802000, "rw-p", "");
    ck_assert_uint_eq(mem_kind_of(&apart, &guard), SNAP_MEM_ANON);
    /* above a large PROT_NONE reserve (a malloc heap's): anonymous */
    struct mem_map reserve = map(0x7f0000000000, 0x7f0003000000, "---p", "");
    struct mem_map heap2 = map(0x7f0003000000, 0x7f0003100000, "rw-p", "");
    ck_assert_uint_eq(mem_kind_of(&heap2, &reserve), SNAP_MEM_ANON);
    /* a thread-arena heap on its 64 MiB boundary, above a small reserve */
    struct mem_map tail = map(0x7f0003fff000, 0x7f0004000000, "---p", "");
    struct mem_map heap3 = map(0x7f0004000000, 0x7f0004100000, "rw-p", "");
    ck_assert_uint_eq(mem_kind_of(&heap3, &tail), SNAP_MEM_ANON);
    /* the guard below must itself be anonymous and PROT_NONE */
    struct mem_map ro = map(0x7f0000000000, 0x7f0000001000, "r--p", "");
    ck_assert_uint_eq(mem_kind_of(&stack, &ro), SNAP_MEM_ANON);
}
END_TEST

START_TEST(watermark_once_per_crossing)
{
    int armed = 1;
    ck_assert_int_eq(mem_wm_cross(&armed, 850, 900), 0);
    ck_assert_int_eq(mem_wm_cross(&armed, 900, 900), 1); /* reaching it counts */
    ck_assert_int_eq(mem_wm_cross(&armed, 950, 900), 0); /* still above: once */
    ck_assert_int_eq(mem_wm_cross(&armed, 860, 900), 0); /* not 5 % below yet */
    ck_assert_int_eq(mem_wm_cross(&armed, 910, 900), 0);
    ck_assert_int_eq(mem_wm_cross(&armed, 849, 900), 0); /* re-armed */
    ck_assert_int_eq(mem_wm_cross(&armed, 901, 900), 1);
    ck_assert_int_eq(mem_wm_cross(&armed, 1200, 900), 0);
}
END_TEST

START_TEST(cgroup_limits)
{
    uint64_t v = 0;
    ck_assert_int_eq(mem_cg_limit_value("max\n", &v), -1);
    ck_assert_int_eq(mem_cg_limit_value("9223372036854771712\n", &v), -1);
    ck_assert_int_eq(mem_cg_limit_value("", &v), -1);
    ck_assert_int_eq(mem_cg_limit_value("268435456\n", &v), 0);
    ck_assert_uint_eq(v, 268435456u);
    ck_assert_int_eq(mem_key_u64("low 0\nhigh 0\nmax 3\noom 2\noom_kill 1\n", "oom", &v), 0);
    ck_assert_uint_eq(v, 2);
    ck_assert_int_eq(mem_key_u64("oom_kill_disable 0\nunder_oom 0\noom_kill 4\n", "oom_kill", &v), 0);
    ck_assert_uint_eq(v, 4);
    ck_assert_int_eq(mem_key_u64("MemTotal:       16318172 kB\n", "MemTotal", &v), 0);
    ck_assert_uint_eq(v, 16318172u);
    ck_assert_int_eq(mem_key_u64("MemTotal: 1 kB\n", "MemAvailable", &v), -1);
}
END_TEST

/* The sum over smaps equals what the kernel sums itself (smaps_rollup),
 * within what the process changed between the two reads. */
START_TEST(smaps_totals)
{
    static char buf[16384];
    static struct mem_values v;
    void *p = mmap(NULL, 8u << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(p, MAP_FAILED);
    memset(p, 1, 8u << 20);
    ck_assert_int_eq(mem_smaps_read(&v, buf, sizeof(buf)), 0);
    ck_assert_int_gt(mem_file_read("/proc/self/smaps_rollup", buf, sizeof(buf)), 0);
    uint64_t rss = 0;
    const char *r = strstr(buf, "\nRss:");
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(mem_key_u64(r + 1, "Rss", &rss), 0);
    ck_assert_msg(v.rss_kb + 2048 > rss && rss + 2048 > v.rss_kb, "smaps %lu kB, rollup %lu kB",
                  (unsigned long)v.rss_kb, (unsigned long)rss);
    ck_assert_uint_ge(v.kinds[SNAP_MEM_ANON].rss_kb, 8192);
    ck_assert_uint_ge(v.kinds[SNAP_MEM_CODE].mappings, 1);
    ck_assert_uint_eq(v.kinds[SNAP_MEM_HEAP].mappings <= 1, 1);
    uint64_t sum = 0;
    for (unsigned k = 1; k < SNAP_MEM_KIND_COUNT; k++)
        sum += v.kinds[k].rss_kb;
    ck_assert_uint_eq(sum, v.rss_kb);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("memory");
    TCase *t = tcase_create("memory");
    tcase_add_test(t, kinds_by_path);
    tcase_add_test(t, thread_stacks_by_guard);
    tcase_add_test(t, watermark_once_per_crossing);
    tcase_add_test(t, cgroup_limits);
    tcase_add_test(t, smaps_totals);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return unit_run(suite());
}
