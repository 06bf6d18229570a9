/*
 * test_leaks.c - the rules of `bbx leaks` (leak_analyze.h) on made-to-order
 * snapshot series (snap_fixture.h), the freezes paired from hang snapshots
 * (built in memory), and the command's exit codes and errors.  usage: test_leaks BBX (the bbx binary, for the command tests).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "leak_analyze.h"
#include "leak_suppress.h"
#include "leak_json_read.h"
#include "snap_fixture.h"
#include "snap_format.h"
#include "unit_run.h"

#define MAX_SERIES 64
#define MAX_ITEMS 256
#define MINUTE 60000ull

static const char *bbx_path;

/* Creation stacks: two in the program (connect path, worker spawn), one in
 * libc only. */
static const uint64_t own_stack[] = { 0x555555555288ull, 0x555555555106ull };
static const uint64_t own_stack2[] = { 0x555555555300ull, 0x555555555106ull };
static const uint64_t libc_stack[] = { 0x7ffff7e9a0b5ull, 0x7ffff7dea24aull };

/* A series under construction: n snapshots, items added per snapshot. */
typedef struct series {
    fix_snapshot snaps[MAX_SERIES];
    fix_fd fds[MAX_SERIES][MAX_ITEMS];
    fix_thread threads[MAX_SERIES][MAX_ITEMS];
    fix_child children[MAX_SERIES][MAX_ITEMS];
    char names[MAX_SERIES][MAX_ITEMS][32];
    size_t n;
} series;

static series *series_new(size_t n, uint64_t step_ms)
{
    series *s = calloc(1, sizeof(*s));
    ck_assert_ptr_nonnull(s);
    s->n = n;
    for (size_t i = 0; i < n; i++) {
        s->snaps[i].pid = 4242;
        s->snaps[i].time_ms = FIX_TIME_MS + i * step_ms;
        s->snaps[i].trigger_kind = SNAP_TRIGGER_PERIODIC;
        s->snaps[i].fds = s->fds[i];
        s->snaps[i].threads = s->threads[i];
        s->snaps[i].children = s->children[i];
    }
    return s;
}

/* Add `count` fds of kind/stack to snapshot i, numbered from `first`. */
static void add_fds(series *s, size_t i, size_t count, uint64_t first, uint64_t kind,
                    const uint64_t *frames, size_t n_frames)
{
    for (size_t k = 0; k < count; k++) {
        size_t at = s->snaps[i].n_fds++;
        fix_fd *d = &s->fds[i][at];
        ck_assert_uint_lt(at, MAX_ITEMS);
        snprintf(s->names[i][at], sizeof(s->names[i][at]), "socket:[%zu]", 1000 + i * 100 + k);
        d->fd = first + k;
        d->kind = kind;
        d->target = s->names[i][at];
        d->peer = "127.0.0.1:8080";
        d->frames = frames;
        d->n_frames = n_frames;
    }
}

static void add_threads(series *s, size_t i, size_t count, uint64_t first_tid,
                        const char *name, const uint64_t *frames, size_t n_frames)
{
    for (size_t k = 0; k < count; k++) {
        fix_thread *t = &s->threads[i][s->snaps[i].n_threads++];
        t->tid = first_tid + k;
        t->name = name;
        t->frames = frames;
        t->n_frames = n_frames;
        t->start = frames ? 0x555555555400ull : 0;
    }
}

/* Analyze the series (snapshots given newest first, to check ordering). */
static leak_report *analyze(const series *s, const leak_options *o)
{
    snap *snaps[MAX_SERIES];
    char err[256] = "";
    for (size_t i = 0; i < s->n; i++) {
        fixture_file f;
        ck_assert_int_eq(fixture_snapshot(&f, &s->snaps[s->n - 1 - i]), 0);
        snaps[i] = snap_read_buffer(f.data, f.len, err, sizeof(err));
        ck_assert_msg(snaps[i] != NULL, "%s", err);
        fixture_file_release(&f);
    }
    leak_report *r = leaks_from_snapshots((const snap *const *)snaps, NULL, s->n, o, err,
                                          sizeof(err));
    ck_assert_msg(r != NULL, "%s", err);
    for (size_t i = 0; i < s->n; i++)
        snap_free(snaps[i]);
    return r;
}

static const leak_group *find(const leak_report *r, const char *resource, const char *kind)
{
    for (size_t i = 0; i < r->n_leaks; i++)
        if (strcmp(r->leaks[i].resource, resource) == 0 && strcmp(r->leaks[i].kind, kind) == 0)
            return &r->leaks[i];
    return NULL;
}

START_TEST(growing_group)
{
    /* 10 snapshots a minute apart: a tracked socket group 2, 4, ... 20; a
     * steady eventfd; 4 pool threads. */
    series *s = series_new(10, MINUTE);
    for (size_t i = 0; i < s->n; i++) {
        add_fds(s, i, 3, 0, SNAP_FD_DEVICE, NULL, 0);
        add_fds(s, i, 1, 3, SNAP_FD_EVENTFD, own_stack2, 2);
        add_fds(s, i, 2 + 2 * i, 10, SNAP_FD_SOCKET, own_stack, 2);
        add_threads(s, i, 4, 100, "pool-1", own_stack2, 2);
    }
    leak_report *r = analyze(s, NULL);
    ck_assert_uint_eq(r->n_snapshots, 10);
    ck_assert_uint_eq(r->pid, 4242);
    ck_assert_uint_eq(r->first_ms, FIX_TIME_MS);
    ck_assert_uint_eq(r->last_ms, FIX_TIME_MS + 9 * MINUTE);
    ck_assert_uint_eq(r->n_leaks, 1);
    ck_assert_uint_eq(leak_report_suspects(r), 1);
    const leak_group *g = &r->leaks[0];
    ck_assert_str_eq(g->resource, "fd");
    ck_assert_str_eq(g->kind, "socket");
    ck_assert_uint_eq(g->count, 20);
    ck_assert_double_eq_tol(g->growth_per_min, 2.0, 1e-9);
    ck_assert_str_eq(g->confidence, "high");
    ck_assert_str_eq(g->why, "grew from 2 to 20 over 10 snapshots (9.0 min), never shrank");
    ck_assert_uint_eq(g->first_seen_ms, FIX_TIME_MS);
    ck_assert_uint_eq(g->last_seen_ms, FIX_TIME_MS + 9 * MINUTE);
    ck_assert_uint_eq(g->n_origin, 2); /* no symbols: one frame per address */
    ck_assert_str_eq(g->origin[0].module, "demo");
    ck_assert_ptr_null(g->origin[0].function);
    ck_assert_ptr_null(g->name);
    ck_assert_uint_eq(g->n_examples, 3);
    ck_assert_ptr_nonnull(strstr(g->examples[0], "-> 127.0.0.1:8080"));
    leak_report_free(r);

    /* --all: the steady groups too, after the suspect, as "none". */
    leak_options o = { .all_groups = 1 };
    r = analyze(s, &o);
    ck_assert_uint_eq(leak_report_suspects(r), 1);
    ck_assert_uint_eq(r->n_leaks, 4); /* sockets, eventfd, tty, pool */
    ck_assert_str_eq(r->leaks[0].kind, "socket");
    for (size_t i = 1; i < r->n_leaks; i++)
        ck_assert_str_eq(r->leaks[i].confidence, "none");
    const leak_group *pool = find(r, "thread", "thread");
    ck_assert_ptr_nonnull(pool);
    ck_assert_uint_eq(pool->count, 4);
    ck_assert_str_eq(pool->name, "demo+0x1400 \"pool-1\"");
    leak_report_free(r);
    free(s);
}
END_TEST

START_TEST(balanced_noise)
{
    /* Short-lived sockets and helper threads that come and go: 0-3 at a
     * time, no trend; with a rising start and a falling end. */
    static const size_t pattern[] = { 0, 3, 1, 2, 0, 3, 2, 1, 3, 0, 2, 1, 3, 0, 1, 2, 0, 3, 1, 2 };
    series *s = series_new(20, 30000);
    for (size_t i = 0; i < s->n; i++) {
        add_fds(s, i, pattern[i], 10, SNAP_FD_SOCKET, own_stack, 2);
        add_fds(s, i, pattern[(i + 7) % 20], 40, SNAP_FD_PIPE, NULL, 0);
        add_threads(s, i, pattern[(i + 3) % 20], 200, "helper-7", own_stack2, 2);
    }
    leak_report *r = analyze(s, NULL);
    ck_assert_uint_eq(r->n_leaks, 0);
    leak_report_free(r);
    free(s);
}
END_TEST

START_TEST(fixed_pool)
{
    /* A pool of 8 workers whose tids change as they are replaced, with
     * numbered names, and a fixed set of sockets: no suspects. */
    series *s = series_new(12, MINUTE);
    char names[8][16];
    for (int k = 0; k < 8; k++)
        snprintf(names[k], sizeof(names[k]), "worker-%d", k);
    for (size_t i = 0; i < s->n; i++) {
        for (int k = 0; k < 8; k++)
            add_threads(s, i, 1, 300 + i * 10 + (uint64_t)k, names[k], own_stack2, 2);
        add_fds(s, i, 5, 10, SNAP_FD_SOCKET, own_stack, 2);
    }
    leak_report *r = analyze(s, NULL);
    ck_assert_uint_eq(r->n_leaks, 0);
    leak_report_free(r);
    free(s);
}
END_TEST

START_TEST(pool_filling_at_start)
{
    /* A pool that fills up during the first quarter of the series and stays
     * full (3, 10, 10, ...): not a suspect, since the first q = n/4 counts
     * are the start the rest must stay above.  Were q 1, the pool would
     * have "grown from 3 to 10". */
    series *s = series_new(8, MINUTE);
    for (size_t i = 0; i < s->n; i++)
        add_fds(s, i, i ? 10 : 3, 10, SNAP_FD_SOCKET, own_stack, 2);
    leak_report *r = analyze(s, NULL);
    ck_assert_uint_eq(r->n_leaks, 0);
    leak_report_free(r);
    free(s);
}
END_TEST

START_TEST(slow_leak_in_steps)
{
    /* A slow leak in steps, one fd every 4 snapshots over 40 (0 0 0 0 1 1 1
     * 1 2 ...): q = 10, the count right after the first quarter (2) equals
     * the first quarter's largest, and rises above it a snapshot later.  A
     * suspect, with high confidence (tracked, never shrank). */
    series *s = series_new(40, MINUTE);
    for (size_t i = 0; i < s->n; i++)
        add_fds(s, i, i / 4, 10, SNAP_FD_SOCKET, own_stack, 2);
    leak_report *r = analyze(s, NULL);
    ck_assert_uint_eq(r->n_leaks, 1);
    ck_assert_str_eq(r->leaks[0].confidence, "high");
    leak_report_free(r);
    free(s);
}
END_TEST

START_TEST(back_to_the_start)
{
    /* 2 2 2 4 2 4 2 4 2 4 2 5 over 12 snapshots: it rises above the first
     * quarter (2 2 2) but comes back down to 2 again and again: not
     * growing, although the slope is positive and it ends 3 higher. */
    series *s = series_new(12, MINUTE);
    for (size_t i = 0; i < s->n; i++)
        add_fds(s, i, i == 11 ? 5 : i >= 3 && i % 2 ? 4 : 2, 10, SNAP_FD_PIPE, own_stack, 2);
    leak_report *r = analyze(s, NULL);
    ck_assert_uint_eq(r->n_leaks, 0);
    leak_report_free(r);
    free(s);
}
END_TEST

START_TEST(at_exit_single)
{
    /* One snapshot at exit: stdio and an fd open before tracking are not
     * suspects, nor an fd made by libc alone; the program's own fd and
     * thread are. */
    series *s = series_new(1, 0);
    s->snaps[0].trigger_kind = SNAP_TRIGGER_EXIT;
    add_fds(s, 0, 3, 0, SNAP_FD_DEVICE, own_stack, 2); /* stdio, even tracked */
    add_fds(s, 0, 1, 3, SNAP_FD_FILE, NULL, 0);
    s->fds[0][3].unknown = 1;
    add_fds(s, 0, 1, 4, SNAP_FD_PIPE, libc_stack, 2);
    add_fds(s, 0, 2, 5, SNAP_FD_SOCKET, own_stack, 2);
    add_threads(s, 0, 1, 4242, "demo", NULL, 0);
    add_threads(s, 0, 1, 4300, "retry", own_stack2, 2);
    leak_report *r = analyze(s, NULL);
    ck_assert_uint_eq(r->n_leaks, 2);
    const leak_group *g = find(r, "fd", "socket");
    ck_assert_ptr_nonnull(g);
    ck_assert_uint_eq(g->count, 2);
    ck_assert_str_eq(g->confidence, "low");
    ck_assert_str_eq(g->why, "2 still open at exit, created in the program's own code");
    g = find(r, "thread", "thread");
    ck_assert_ptr_nonnull(g);
    ck_assert_str_eq(g->why, "1 still running at exit, created in the program's own code");
    ck_assert_ptr_null(find(r, "fd", "device"));
    ck_assert_ptr_null(find(r, "fd", "file"));
    ck_assert_ptr_null(find(r, "fd", "pipe"));
    leak_report_free(r);
    free(s);
}
END_TEST

/* Rules from text, for the toolkit and suppression tests. */
static leak_suppressions *rules(const char *text)
{
    char err[256] = "";
    leak_suppressions *r = leak_suppress_new();
    ck_assert_ptr_nonnull(r);
    ck_assert_msg(leak_suppress_parse(r, text, strlen(text), "t.supp", err, sizeof(err)) == 0,
                  "%s", err);
    return r;
}

START_TEST(toolkit_rules_at_exit_only)
{
    /* At exit: a toolkit rule takes the program's socket group out of the
     * suspects (counted, and listed as "none" with --all); the thread stays. */
    series *s = series_new(1, 0);
    s->snaps[0].trigger_kind = SNAP_TRIGGER_EXIT;
    add_fds(s, 0, 2, 5, SNAP_FD_SOCKET, own_stack, 2);
    add_threads(s, 0, 1, 4300, "retry", own_stack2, 2);
    leak_options o = { .toolkit = rules("# X\nkind:socket module:demo\n") };
    leak_report *r = analyze(s, &o);
    ck_assert_uint_eq(leak_report_suspects(r), 1);
    ck_assert_ptr_null(find(r, "fd", "socket"));
    ck_assert_uint_eq(r->n_toolkit, 1);
    leak_report_free(r);
    o.all_groups = 1;
    r = analyze(s, &o);
    const leak_group *g = find(r, "fd", "socket");
    ck_assert_ptr_nonnull(g);
    ck_assert_str_eq(g->confidence, "none");
    ck_assert_ptr_nonnull(strstr(g->why, "not counted"));
    ck_assert_ptr_nonnull(strstr(g->why, "t.supp:2"));
    leak_report_free(r);
    leak_suppress_free(o.toolkit);
    free(s);

    /* Growth is judged as ever: the same rule does not hide a growing group;
     * the user's --suppress does, whatever made it a suspect. */
    s = series_new(10, MINUTE);
    for (size_t i = 0; i < s->n; i++)
        add_fds(s, i, 2 + 2 * i, 10, SNAP_FD_SOCKET, own_stack, 2);
    o = (leak_options){ .toolkit = rules("kind:socket module:demo\n") };
    r = analyze(s, &o);
    ck_assert_uint_eq(leak_report_suspects(r), 1);
    ck_assert_uint_eq(r->n_toolkit, 0);
    leak_report_free(r);
    o.suppress = rules("kind:socket\n");
    r = analyze(s, &o);
    ck_assert_uint_eq(leak_report_suspects(r), 0);
    ck_assert_uint_eq(r->n_suppressed, 1);
    leak_report_free(r);
    leak_suppress_free(o.toolkit);
    leak_suppress_free(o.suppress);
    free(s);
}
END_TEST

START_TEST(app_frame_first_own)
{
    /* A stack through libc into the program: the program's own frame is the
     * second, named first in the one-line site, libc's after "via". */
    static const uint64_t via_libc[] = { 0x7ffff7e9a0b5ull, 0x555555555288ull };
    series *s = series_new(6, MINUTE);
    for (size_t i = 0; i < s->n; i++)
        add_fds(s, i, 1 + 2 * i, 10, SNAP_FD_SOCKET, via_libc, 2);
    leak_report *r = analyze(s, NULL);
    ck_assert_uint_eq(r->n_leaks, 1);
    const leak_group *g = &r->leaks[0];
    ck_assert_uint_eq(g->app_frame, 1);
    ck_assert_str_eq(g->origin[1].module, "demo");
    char *site = leak_group_site(g);
    ck_assert_str_eq(site, "?? [demo] via ?? [libc.so.6]");
    free(site);
    leak_report_free(r);
    /* --app-modules naming libc alone: libc's frame is the program's. */
    char *libc_only[] = { "libc.so*" };
    leak_options o = { .apps = { libc_only, 1 } };
    r = analyze(s, &o);
    ck_assert_uint_eq(r->leaks[0].app_frame, 0);
    leak_report_free(r);
    free(s);
}
END_TEST

START_TEST(zombies_pile_up)
{
    series *s = series_new(6, MINUTE);
    for (size_t i = 0; i < s->n; i++) {
        for (size_t k = 0; k <= i; k++) {
            fix_child *c = &s->children[i][s->snaps[i].n_children++];
            c->pid = 5000 + k;
            c->zombie = 1;
            c->comm = "true";
        }
        /* a long-running helper: not a suspect */
        fix_child *c = &s->children[i][s->snaps[i].n_children++];
        c->pid = 6000;
        c->comm = "sh";
        c->cmdline = "sh\0-c\0sleep 60";
        c->cmdline_len = 15;
    }
    leak_report *r = analyze(s, NULL);
    ck_assert_uint_eq(r->n_leaks, 1);
    const leak_group *g = &r->leaks[0];
    ck_assert_str_eq(g->resource, "child");
    ck_assert_str_eq(g->kind, "zombie");
    ck_assert_uint_eq(g->count, 6);
    ck_assert_str_eq(g->confidence, "high");
    ck_assert_str_eq(g->name, "[true]");
    ck_assert_double_eq_tol(g->growth_per_min, 1.0, 1e-9);
    leak_report_free(r);
    free(s);
}
END_TEST

START_TEST(untracked_growth)
{
    /* No tracking: sockets with distinct inodes still group by kind and
     * peer; the growth is found with less confidence. */
    series *s = series_new(8, MINUTE);
    for (size_t i = 0; i < s->n; i++)
        add_fds(s, i, 1 + 3 * i, 10, SNAP_FD_SOCKET, NULL, 0);
    leak_report *r = analyze(s, NULL);
    ck_assert_uint_eq(r->n_leaks, 1);
    ck_assert_str_eq(r->leaks[0].confidence, "medium");
    ck_assert_uint_eq(r->leaks[0].n_origin, 0);
    ck_assert_ptr_nonnull(strstr(r->leaks[0].why, "no creation stack"));
    leak_report_free(r);
    free(s);
}
END_TEST

START_TEST(growth_with_a_dip)
{
    /* A tracked group that grows but shrank once (2, 4, 6, 5, 8 ... 18):
     * still a suspect, but "medium" (high needs a group that never shrank);
     * the same counts without the dip are "high". */
    static const size_t counts[] = { 2, 4, 6, 5, 8, 10, 12, 14, 16, 18 };
    for (int dip = 1; dip >= 0; dip--) {
        series *s = series_new(10, MINUTE);
        for (size_t i = 0; i < s->n; i++)
            add_fds(s, i, dip || i != 3 ? counts[i] : 7, 10, SNAP_FD_SOCKET, own_stack, 2);
        leak_report *r = analyze(s, NULL);
        ck_assert_uint_eq(r->n_leaks, 1);
        ck_assert_str_eq(r->leaks[0].kind, "socket");
        ck_assert_str_eq(r->leaks[0].confidence, dip ? "medium" : "high");
        leak_report_free(r);
        free(s);
    }
}
END_TEST

START_TEST(same_millisecond)
{
    /* Six snapshots, two of them in the same millisecond (as a program
     * asking twice in a row gets): their order comes from the snapshot
     * number (TRIGGER SEQ), not from the file names, so a group growing
     * 2, 4, 6, 8, 10, 12 never shrank.  Without the numbers, the pair is
     * ordered by file (newest first here): 2, 4, 8, 6, ... */
    static const uint64_t at[] = { 0, 1, 2, 2, 3, 4 };
    for (int numbered = 1; numbered >= 0; numbered--) {
        series *s = series_new(6, MINUTE);
        for (size_t i = 0; i < s->n; i++) {
            s->snaps[i].time_ms = FIX_TIME_MS + at[i] * MINUTE;
            s->snaps[i].seq = numbered ? i + 1 : 0;
            add_fds(s, i, 2 + 2 * i, 10, SNAP_FD_SOCKET, own_stack, 2);
        }
        leak_report *r = analyze(s, NULL);
        ck_assert_uint_eq(r->n_leaks, 1);
        ck_assert_str_eq(r->leaks[0].confidence, numbered ? "high" : "medium");
        leak_report_free(r);
        free(s);
    }
}
END_TEST

/* A process is its pid and executable over a span of time: a pid reused
 * after the last snapshot of a process, or an exec'd image, is another
 * process; start times that move (two clocks read by the collector) and
 * unknown ones are the same.  A fd that
 * grows only in the second process is its suspect, not the first's. */
START_TEST(process_identity)
{
    series *s = series_new(10, MINUTE);
    snap *snaps[10];
    char err[256] = "";
    for (size_t i = 0; i < 10; i++) {
        s->snaps[i].start_ms = FIX_TIME_MS - 5000;
        add_fds(s, i, 2, 10, SNAP_FD_FILE, own_stack2, 2); /* flat in both */
    }
    s->snaps[2].start_ms += 40000;         /* moved (a clock step): the same */
    s->snaps[3].start_ms = 0;              /* unknown: the same */
    for (size_t i = 4; i < 9; i++) {       /* pid reused: a fd leak in it */
        s->snaps[i].start_ms = FIX_TIME_MS + 3 * MINUTE + 30000;
        add_fds(s, i, i - 3, 20, SNAP_FD_SOCKET, own_stack, 2);
    }
    s->snaps[9].exe = "/usr/bin/other";    /* an exec'd image */
    for (size_t i = 0; i < 10; i++) {
        fixture_file f;
        ck_assert_int_eq(fixture_snapshot(&f, &s->snaps[i]), 0);
        snaps[i] = snap_read_buffer(f.data, f.len, err, sizeof(err));
        ck_assert_ptr_nonnull(snaps[i]);
        fixture_file_release(&f);
    }
    leak_report_set *set = leaks_by_process_snapshots((const snap *const *)snaps, NULL, 10,
                                                      NULL, err, sizeof(err));
    ck_assert_ptr_nonnull(set);
    ck_assert_uint_eq(set->n, 3);
    ck_assert_uint_eq(set->reports[0]->n_snapshots, 4);
    ck_assert_uint_eq(set->reports[1]->n_snapshots, 5);
    ck_assert_uint_eq(set->reports[2]->n_snapshots, 1);
    ck_assert_str_eq(set->reports[2]->exe, "/usr/bin/other");
    ck_assert_uint_eq(leak_report_suspects(set->reports[0]), 0);
    ck_assert_uint_eq(leak_report_suspects(set->reports[1]), 1);
    ck_assert_str_eq(set->reports[1]->leaks[0].kind, "socket");
    ck_assert_uint_eq(leak_report_set_suspects(set), 1);
    leak_report_set_free(set);
    for (size_t i = 0; i < 10; i++)
        snap_free(snaps[i]);
    free(s);
}
END_TEST

START_TEST(pids)
{
    series *s = series_new(3, MINUTE);
    snap *snaps[3];
    const char *names[3] = { "a.bbx", "b.bbx", "c.bbx" };
    char err[256] = "";
    s->snaps[1].pid = 99;
    for (size_t i = 0; i < 3; i++) {
        fixture_file f;
        ck_assert_int_eq(fixture_snapshot(&f, &s->snaps[i]), 0);
        snaps[i] = snap_read_buffer(f.data, f.len, err, sizeof(err));
        ck_assert_ptr_nonnull(snaps[i]);
        fixture_file_release(&f);
    }
    leak_report *r = leaks_from_snapshots((const snap *const *)snaps, names, 3, NULL, err,
                                          sizeof(err));
    ck_assert_ptr_null(r);
    ck_assert_str_eq(err, "b.bbx: pid 99, but a.bbx is pid 4242 (not one process)");
    /* one report per process, the process seen first first */
    leak_report_set *set = leaks_by_process_snapshots((const snap *const *)snaps, names, 3,
                                                      NULL, err, sizeof(err));
    ck_assert_ptr_nonnull(set);
    ck_assert_uint_eq(set->n, 2);
    ck_assert_uint_eq(set->reports[0]->pid, 4242);
    ck_assert_uint_eq(set->reports[0]->n_snapshots, 2);
    ck_assert_uint_eq(set->reports[1]->pid, 99);
    ck_assert_uint_eq(set->reports[1]->n_snapshots, 1);
    leak_report_set_free(set);
    leak_options o = { .pid = 99 };
    r = leaks_from_snapshots((const snap *const *)snaps, names, 3, &o, err, sizeof(err));
    ck_assert_ptr_nonnull(r);
    ck_assert_uint_eq(r->n_snapshots, 1);
    ck_assert_uint_eq(r->pid, 99);
    leak_report_free(r);
    o.pid = 7;
    ck_assert_ptr_null(leaks_from_snapshots((const snap *const *)snaps, names, 3, &o, err,
                                            sizeof(err)));
    ck_assert_str_eq(err, "no snapshot of pid 7");
    for (size_t i = 0; i < 3; i++)
        snap_free(snaps[i]);
    free(s);
}
END_TEST

/* ---- the command --------------------------------------------------------- */

static char tmpdir[64];

static void write_file(const char *name, const void *p, size_t n)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(p, 1, n, f), n);
    ck_assert_int_eq(fclose(f), 0);
}

static void write_series(const series *s, const char *dir)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, dir);
    mkdir(path, 0700);
    for (size_t i = 0; i < s->n; i++) {
        fixture_file f;
        char name[128];
        ck_assert_int_eq(fixture_snapshot(&f, &s->snaps[i]), 0);
        snprintf(name, sizeof(name), "%s/snap-%02zu.bbx", dir, i);
        write_file(name, f.data, f.len);
        fixture_file_release(&f);
    }
}

/* Run `bbx leaks ARGS` in tmpdir; returns the exit code; stdout and stderr
 * in tmpdir/out and tmpdir/err. */
static int run(const char *args)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' leaks %s >out 2>err", tmpdir, bbx_path, args);
    int st = system(cmd);
    ck_assert(WIFEXITED(st));
    return WEXITSTATUS(st);
}

static char *slurp(const char *name)
{
    char path[256];
    static char buf[1 << 16];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

static void err_is(const char *line)
{
    char want[512];
    snprintf(want, sizeof(want), "%s\n", line);
    ck_assert_str_eq(slurp("err"), want);
}

START_TEST(command)
{
    ck_assert_ptr_nonnull(bbx_path);
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/bbx-test-leaks-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));

    series *s = series_new(6, MINUTE);
    for (size_t i = 0; i < s->n; i++)
        add_fds(s, i, 1 + i, 10, SNAP_FD_SOCKET, own_stack, 2);
    write_series(s, "grow");
    for (size_t i = 0; i < s->n; i++)
        s->snaps[i].n_fds = 1;
    write_series(s, "flat");
    s->snaps[2].pid = 77;
    write_series(s, "mixed");
    s->snaps[2].pid = 4242;
    s->snaps[5].incomplete = 1;
    write_series(s, "cut");
    mkdir(strcat(strcpy((char[256]){ 0 }, tmpdir), "/empty"), 0700);
    write_file("junk.bbx", "not a snapshot at all", 21);

    ck_assert_int_eq(run("grow"), 1);
    ck_assert_ptr_nonnull(strstr(slurp("out"), "#1 [high] fd socket: 6 at the end, +1/min"));
    ck_assert_ptr_nonnull(strstr(slurp("out"), "1 leak suspect (1 high, 0 medium, 0 low"));
    ck_assert_int_eq(run("--json grow"), 1);
    ck_assert_ptr_nonnull(strstr(slurp("out"), "\"format\": \"bbx-leaks\""));
    ck_assert_ptr_nonnull(strstr(slurp("out"), "\"growth_per_min\": 1,"));
    ck_assert_int_eq(run("flat"), 0);
    ck_assert_str_eq(slurp("out") + strcspn(slurp("out"), "\n"),
                     "\nno leak suspects in 6 snapshots over 5.0 min\n");
    ck_assert_int_eq(run("--json flat"), 0);
    ck_assert_ptr_nonnull(strstr(slurp("out"), "\"leaks\": []"));
    ck_assert_int_eq(run("flat/snap-00.bbx flat/snap-03.bbx"), 0);

    ck_assert_int_eq(run("mixed"), 0); /* one report per process */
    ck_assert_ptr_nonnull(strstr(slurp("out"), "bbx leaks: 2 processes in 6 snapshots: "
                                               "pid 4242 demo (5), pid 77 demo (1)"));
    ck_assert_ptr_nonnull(strstr(slurp("out"), "no leak suspects in any of the 2 processes"));
    ck_assert_int_eq(run("--pid 4242 mixed"), 0);
    ck_assert_ptr_nonnull(strstr(slurp("out"), "no leak suspects in 5 snapshots"));
    ck_assert_int_eq(run("--pid 77 mixed"), 0);
    ck_assert_ptr_nonnull(strstr(slurp("out"), "(pid 77), 1 snapshot over"));
    ck_assert_int_eq(run("--pid x mixed"), 2);
    err_is("bbx leaks: --pid: 'x' is not a process id (see 'bbx leaks --help')");

    ck_assert_int_eq(run("cut"), 0); /* used, with a warning */
    ck_assert_ptr_nonnull(strstr(slurp("err"), "bbx leaks: warning: cut/snap-05.bbx: "
                                               "incomplete snapshot"));

    ck_assert_int_eq(run("empty"), 2);
    err_is("bbx leaks: empty: no snapshots (*.bbx) in this directory");
    ck_assert_int_eq(run("grow junk.bbx"), 2);
    err_is("bbx leaks: junk.bbx: not a bbx snapshot (bad magic)");
    ck_assert_int_eq(run("missing.bbx"), 2);
    ck_assert_ptr_nonnull(strstr(slurp("err"), "bbx leaks: missing.bbx: "));
    ck_assert_int_eq(run(""), 2);
    ck_assert_int_eq(run("--bogus grow"), 2);
    err_is("bbx leaks: unknown option '--bogus' (see 'bbx leaks --help')");
    ck_assert_int_eq(run("--help"), 0);
    ck_assert_ptr_nonnull(strstr(slurp("out"), "usage: bbx leaks"));

    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
    free(s);
}
END_TEST


/* ---- freezes: HANG and HANG_END snapshots paired ------------------------- */

/* One step of a hand-made series: a snapshot of pid at t ms whose trigger is
 * kind (periodic, HANG or HANG_END) about thread tid, away for hung ms. */
typedef struct hang_step {
    uint64_t pid, t, kind, tid, hung;
} hang_step;

static snap *hang_snap(const hang_step *h)
{
    snap *s = calloc(1, sizeof(*s));
    ck_assert_ptr_nonnull(s);
    s->complete = 1;
    s->process.pid = h->pid;
    s->process.time_ms = FIX_TIME_MS + h->t;
    s->trigger.present = 1;
    s->trigger.kind = h->kind;
    if (h->kind != SNAP_TRIGGER_PERIODIC) {
        s->trigger.hung_tid = h->tid;
        s->trigger.hung_ms = h->hung;
        s->trigger.hung_cpu_ms = h->hung / 2 + h->tid; /* tells the snapshots apart */
        s->trigger.hung_limit_ms = 1000;
        s->trigger.hung_state = h->tid % 2 ? SNAP_HUNG_BUSY : SNAP_HUNG_BLOCKED;
        s->trigger.hung_name = h->tid % 2 ? (char *)"ui" : (char *)"render";
    }
    return s;
}

/* The set of steps[n], given newest first (the analysis orders them). */
static leak_report_set *hang_set(const hang_step *steps, size_t n)
{
    snap *snaps[16];
    char err[256] = "";
    ck_assert_uint_le(n, 16);
    for (size_t i = 0; i < n; i++)
        snaps[i] = hang_snap(&steps[n - 1 - i]);
    leak_report_set *set =
        leaks_by_process_snapshots((const snap *const *)snaps, NULL, n, NULL, err, sizeof(err));
    ck_assert_msg(set != NULL, "%s", err);
    for (size_t i = 0; i < n; i++)
        free(snaps[i]);
    return set;
}

static void freeze_is(const leak_freeze *f, uint64_t tid, uint64_t start, uint64_t duration,
                      int over)
{
    ck_assert_uint_eq(f->tid, tid);
    ck_assert_uint_eq(f->start_ms, FIX_TIME_MS + start);
    ck_assert_uint_eq(f->duration_ms, duration);
    ck_assert_int_eq(f->over, over);
    ck_assert_uint_eq(f->limit_ms, 1000);
    ck_assert_str_eq(f->thread, tid % 2 ? "ui" : "render");
    ck_assert_str_eq(f->state, tid % 2 ? "busy" : "blocked");
}

enum { P = SNAP_TRIGGER_PERIODIC, H = SNAP_TRIGGER_HANG, E = SNAP_TRIGGER_HANG_END };

START_TEST(freezes_paired)
{
    /* Thread 7 freezes from 9 s to 14 s; thread 8 from 10 s to 12.5 s,
     * inside it; then 7 again from 19 s, not back by the last snapshot.
     * Each HANG_END closes the latest open HANG of its own thread: the
     * length is the HANG_END's, the start the HANG's. */
    static const hang_step steps[] = {
        { 4242, 0, P, 0, 0 },       { 4242, 10000, H, 7, 1000 }, { 4242, 10500, P, 0, 0 },
        { 4242, 11000, H, 8, 1000 }, { 4242, 12500, E, 8, 2500 }, { 4242, 14000, E, 7, 5020 },
        { 4242, 20000, H, 7, 1000 }, { 4242, 21000, P, 0, 0 },
    };
    leak_report_set *set = hang_set(steps, sizeof(steps) / sizeof(steps[0]));
    const leak_report *r = set->reports[0];
    ck_assert_uint_eq(r->n_freezes, 3);
    freeze_is(&r->freezes[0], 7, 9000, 5020, 1);
    ck_assert_uint_eq(r->freezes[0].cpu_ms, 5020 / 2 + 7); /* the HANG_END's word */
    freeze_is(&r->freezes[1], 8, 10000, 2500, 1);
    freeze_is(&r->freezes[2], 7, 19000, 1000, 0);
    ck_assert_uint_eq(leak_report_suspects(r), 0); /* a freeze is not a leak */

    /* As JSON: freezes[] written, and read back by what bbx diff uses
     * (which does not keep them). */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(f);
    leak_report_set_write_json(set, f);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(text, "\"freezes\": ["));
    ck_assert_ptr_nonnull(strstr(text, "\"duration_ms\": 5020"));
    char err[256] = "";
    leak_report *back = leak_json_parse(text, len, err, sizeof(err));
    ck_assert_msg(back != NULL, "%s", err);
    ck_assert_uint_eq(back->n_freezes, 0);
    leak_report_free(back);
    free(text);

    /* As text: one line each, and the count at the end. */
    f = open_memstream(&text, &len);
    leak_report_set_write_text(set, f);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(text, "freeze: thread 7 \"ui\" stopped answering at "));
    ck_assert_ptr_nonnull(strstr(text, " for 5.0 s (busy, 2.5 s of CPU; limit 1.0 s), then "
                                       "came back\n"));
    ck_assert_ptr_nonnull(strstr(text, " for at least 1.0 s so far (busy, "));
    ck_assert_ptr_nonnull(strstr(text, "still frozen at its last snapshot\n"));
    ck_assert_ptr_nonnull(strstr(text, ", 3 freezes of a watched thread\n"));
    free(text);
    leak_report_set_free(set);
}
END_TEST

START_TEST(freezes_alone_and_merged)
{
    /* A HANG_END whose HANG was removed (the directory cap) is still a
     * freeze, started its length before; one of another thread does not
     * close a HANG.  Two processes: merging keeps the freezes of both. */
    static const hang_step steps[] = {
        { 4242, 0, P, 0, 0 },       { 4242, 3000, H, 8, 1000 }, { 4242, 9000, E, 7, 4000 },
        { 4243, 100, P, 0, 0 },     { 4243, 8000, E, 9, 3000 },
    };
    leak_report_set *set = hang_set(steps, sizeof(steps) / sizeof(steps[0]));
    ck_assert_uint_eq(set->n, 2);
    const leak_report *r = set->reports[0]->pid == 4242 ? set->reports[0] : set->reports[1];
    ck_assert_uint_eq(r->n_freezes, 2);
    freeze_is(&r->freezes[0], 8, 2000, 1000, 0);
    freeze_is(&r->freezes[1], 7, 5000, 4000, 1);
    char err[256] = "";
    leak_report *m = leak_report_set_merge(set, err, sizeof(err));
    ck_assert_msg(m != NULL, "%s", err);
    ck_assert_uint_eq(m->n_freezes, 3);
    int seen9 = 0;
    for (size_t i = 0; i < m->n_freezes; i++)
        if (m->freezes[i].tid == 9) {
            freeze_is(&m->freezes[i], 9, 5000, 3000, 1);
            seen9 = 1;
        }
    ck_assert(seen9);
    leak_report_free(m);
}
END_TEST

int main(int argc, char **argv)
{
    bbx_path = argc > 1 ? argv[1] : NULL;
    Suite *s = suite_create("leaks");
    TCase *tc = tcase_create("rules");
    tcase_add_test(tc, growing_group);
    tcase_add_test(tc, balanced_noise);
    tcase_add_test(tc, fixed_pool);
    tcase_add_test(tc, pool_filling_at_start);
    tcase_add_test(tc, slow_leak_in_steps);
    tcase_add_test(tc, back_to_the_start);
    tcase_add_test(tc, at_exit_single);
    tcase_add_test(tc, toolkit_rules_at_exit_only);
    tcase_add_test(tc, app_frame_first_own);
    tcase_add_test(tc, zombies_pile_up);
    tcase_add_test(tc, untracked_growth);
    tcase_add_test(tc, growth_with_a_dip);
    tcase_add_test(tc, same_millisecond);
    tcase_add_test(tc, pids);
    tcase_add_test(tc, process_identity);
    tcase_add_test(tc, freezes_paired);
    tcase_add_test(tc, freezes_alone_and_merged);
    suite_add_tcase(s, tc);
    tc = tcase_create("command");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, command);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
