/*
 * test_launch_facts.c - launch_facts.h: which stories a snapshot's launches
 * and children tell, how launches are grouped, and the words, over
 * snapshots built in memory (no symbols: sites are module+offset).  The
 * expected sentences are written out here by hand.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "launch_facts.h"
#include "snap_format.h"
#include "unit_run.h"

#define MAX_LAUNCHES 8
#define EXE_BASE 0x555555554000ull

static uint64_t site_a[] = { EXE_BASE + 0x1234, EXE_BASE + 0x2000 };
static uint64_t site_b[] = { EXE_BASE + 0x1300, EXE_BASE + 0x2000 };

typedef struct world {
    snap s;
    snap_launch l[MAX_LAUNCHES];
    snap_child c[4];
    snap_fd f[4];
    snap_module m;
} world;

static void world_init(world *w)
{
    memset(w, 0, sizeof(*w));
    w->m.path = "/usr/bin/app";
    w->m.start = EXE_BASE;
    w->m.end = EXE_BASE + 0x10000;
    w->m.bias = EXE_BASE;
    w->s.modules = &w->m;
    w->s.n_modules = 1;
    w->s.process.exe = "/usr/bin/app";
    w->s.process.time_ms = 100000;
    w->s.launches = w->l;
    w->s.children = w->c;
    w->s.fds = w->f;
}

/* A launch of argv0 (args "argv0\0--x\0") from `site`. */
static snap_launch *launch(world *w, const char *call, const char *args, size_t args_len,
                           uint64_t *site, uint64_t time_ms)
{
    snap_launch *l = &w->l[w->s.n_launches++];
    l->seq = w->s.n_launches;
    l->call = (char *)call;
    l->args = (char *)args;
    l->args_len = args_len;
    l->frames = site;
    l->n_frames = 2;
    l->time_ms = time_ms;
    return l;
}

static void ended(snap_launch *l, uint64_t status, uint64_t end_ms)
{
    l->ended = 1;
    l->status = status;
    l->end_ms = end_ms;
}

static size_t stories(const snap *s, launch_story **v)
{
    size_t n = launch_stories(s, v);
    ck_assert_uint_ne(n, (size_t)-1);
    return n;
}

static void check_text(const snap *s, const launch_story *st, const char *want)
{
    char got[1024];
    launch_story_text(got, sizeof(got), s, st, NULL);
    ck_assert_str_eq(got, want);
}

START_TEST(not_found_in_path)
{
    world w;
    world_init(&w);
    snap_launch *l = launch(&w, "execvp", "chrome\0https://x\0", 17, site_a, 1000);
    l->failed = 1;
    l->err = ENOENT;
    l->path = "/usr/bin:/bin";
    l->in_child = 1;
    l->pid = 77;
    ended(l, 127 << 8, 1001);
    launch_story *v;
    ck_assert_uint_eq(stories(&w.s, &v), 1);
    ck_assert_int_eq(v[0].kind, LAUNCH_STORY_NOT_FOUND);
    check_text(&w.s, &v[0], "launched chrome from app+0x1234 with execvp() in a forked child: "
                            "not found in PATH=/usr/bin:/bin; the child then exited with status 127");
    free(v);
}
END_TEST

START_TEST(failed_otherwise)
{
    world w;
    world_init(&w);
    snap_launch *l = launch(&w, "posix_spawn", "/opt/x/helper\0", 14, site_a, 1000);
    l->failed = 1;
    l->err = EACCES;
    launch_story *v;
    ck_assert_uint_eq(stories(&w.s, &v), 1);
    ck_assert_int_eq(v[0].kind, LAUNCH_STORY_FAILED);
    check_text(&w.s, &v[0], "launched helper from app+0x1234 with posix_spawn(): failed with "
                            "EACCES (Permission denied)");
    free(v);
}
END_TEST

/* Same program, site and status: one story with a count and the time from
 * the first launch to the last end; another site or status: its own. */
START_TEST(grouped_by_program_site_and_status)
{
    world w;
    world_init(&w);
    for (int i = 0; i < 3; i++)
        ended(launch(&w, "posix_spawn", "thumb\0-s\0", 9, site_a, 1000 + 1000 * i), 1 << 8,
              1500 + 1000 * i);
    ended(launch(&w, "posix_spawn", "thumb\0-s\0", 9, site_b, 5000), 1 << 8, 5100);
    ended(launch(&w, "posix_spawn", "thumb\0-s\0", 9, site_a, 6000), 2 << 8, 6100);
    ended(launch(&w, "posix_spawn", "thumb\0-s\0", 9, site_a, 7000), 0, 7100); /* fine */
    launch_story *v;
    ck_assert_uint_eq(stories(&w.s, &v), 3);
    ck_assert_int_eq(v[0].kind, LAUNCH_STORY_EXIT_STATUS);
    ck_assert_uint_eq(v[0].count, 3);
    check_text(&w.s, &v[0], "helper thumb exited with status 1, 3 times in 2.5 s (launched by "
                            "posix_spawn() in app+0x1234)");
    ck_assert_uint_eq(v[1].count, 1);
    ck_assert_uint_eq(v[2].count, 1);
    check_text(&w.s, &v[2], "helper thumb exited with status 2 (launched by posix_spawn() in "
                            "app+0x1234)");
    free(v);
}
END_TEST

START_TEST(killed_by_a_signal)
{
    world w;
    world_init(&w);
    snap_launch *l = launch(&w, "posix_spawnp", "conv\0", 5, site_b, 1000);
    l->pid = 4242;
    ended(l, 11, 1200);
    launch_story *v;
    ck_assert_uint_eq(stories(&w.s, &v), 1);
    ck_assert_int_eq(v[0].kind, LAUNCH_STORY_SIGNALED);
    check_text(&w.s, &v[0], "helper conv (pid 4242) was killed by SIGSEGV (launched by "
                            "posix_spawnp() in app+0x1300)");
    free(v);
}
END_TEST

/* A child waiting to write into a pipe whose other end is our fd 7, which
 * popen made: joined by the pipe's name; not when it waits elsewhere or
 * when we do not hold the pipe. */
START_TEST(blocked_on_a_pipe)
{
    world w;
    world_init(&w);
    snap_launch *l = launch(&w, "popen", "sh\0-c\0exporter\0", 16, site_a, 1000);
    l->has_fd = 1;
    l->fd = 7;
    w.f[0] = (snap_fd){ .fd = 7, .target = "pipe:[99]" };
    w.f[1] = (snap_fd){ .fd = 8, .target = "pipe:[55]" };
    w.s.n_fds = 2;
    w.c[0] = (snap_child){ .pid = 900, .state = 'S', .wchan = "anon_pipe_write",
                           .cmdline = "/usr/bin/exporter\0-o\0", .cmdline_len = 21,
                           .std_fds = { "/dev/null", "pipe:[99]", "/dev/null" },
                           .start_ms = 60000 };
    w.c[1] = (snap_child){ .pid = 901, .state = 'S', .wchan = "anon_pipe_read",
                           .std_fds = { "pipe:[55]", NULL, NULL } };
    w.c[2] = (snap_child){ .pid = 902, .state = 'S', .wchan = "pipe_write",
                           .std_fds = { NULL, "pipe:[12]", NULL } };
    w.s.n_children = 3;
    launch_story *v;
    ck_assert_uint_eq(stories(&w.s, &v), 1);
    ck_assert_int_eq(v[0].kind, LAUNCH_STORY_BLOCKED_PIPE);
    ck_assert_ptr_eq(v[0].fd, &w.f[0]);
    ck_assert_ptr_eq(v[0].launch, l);
    check_text(&w.s, &v[0], "helper exporter (pid 900) is blocked writing to pipe:[99] (its "
                            "stdout), which this program holds open at fd 7 and does not read "
                            "(opened by popen() in app+0x1234); running for 40.0 s");
    free(v);
}
END_TEST

/* Only an exit snapshot says children are left running; zombies do not count. */
START_TEST(left_running_at_exit)
{
    world w;
    world_init(&w);
    snap_launch *l = launch(&w, "posix_spawn", "indexer\0", 8, site_b, 1000);
    l->pid = 300;
    w.c[0] = (snap_child){ .pid = 300, .state = 'S', .comm = "indexer" };
    w.c[1] = (snap_child){ .pid = 301, .state = 'Z', .zombie = 1, .comm = "dead" };
    w.c[2] = (snap_child){ .pid = 302, .state = 'R', .comm = "other" };
    w.s.n_children = 3;
    launch_story *v;
    ck_assert_uint_eq(stories(&w.s, &v), 0);
    free(v);
    w.s.trigger.present = 1;
    w.s.trigger.kind = SNAP_TRIGGER_EXIT;
    ck_assert_uint_eq(stories(&w.s, &v), 1);
    ck_assert_int_eq(v[0].kind, LAUNCH_STORY_LEFT_RUNNING);
    ck_assert_uint_eq(v[0].count, 2);
    check_text(&w.s, &v[0], "2 children left running at exit (orphaned: init adopts them); "
                            "indexer (pid 300), launched by posix_spawn() in app+0x1300; "
                            "other (pid 302)");
    free(v);
}
END_TEST

/* Whatever a hostile file holds: no arguments, no frames, an errno and a
 * status out of range, a pipe target not NUL-ended in its meaning. */
START_TEST(hostile_launches)
{
    world w;
    world_init(&w);
    snap_launch *l = launch(&w, NULL, NULL, 0, NULL, 0);
    l->n_frames = 0;
    l->failed = 1;
    l->err = 1ull << 40;
    l = launch(&w, "execve", "\0\0\0", 3, NULL, 0);
    l->n_frames = 0;
    ended(l, ~0ull, 0);
    l = launch(&w, "system", "sh\0", 3, site_a, 10);
    ended(l, 0x8b, 5); /* SIGSEGV, core dumped; ended before it began */
    launch_story *v;
    size_t n = stories(&w.s, &v);
    ck_assert_uint_eq(n, 2);
    check_text(&w.s, &v[0], "launched ? from ? with ?(): failed with errno 1099511627776");
    check_text(&w.s, &v[1], "helper ? was killed by SIGSEGV (core dumped) (launched by system() "
                            "in app+0x1234)");
    for (size_t i = 0; i < n; i++) {
        char buf[16];
        ck_assert_uint_lt(launch_story_text(buf, sizeof(buf), &w.s, &v[i], NULL), sizeof(buf));
    }
    free(v);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("launch_facts");
    TCase *tc = tcase_create("stories");
    tcase_add_test(tc, not_found_in_path);
    tcase_add_test(tc, failed_otherwise);
    tcase_add_test(tc, grouped_by_program_site_and_status);
    tcase_add_test(tc, killed_by_a_signal);
    tcase_add_test(tc, blocked_on_a_pipe);
    tcase_add_test(tc, left_running_at_exit);
    tcase_add_test(tc, hostile_launches);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
