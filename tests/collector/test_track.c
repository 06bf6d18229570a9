/*
 * test_track.c - Check tests of tracking mode and the CHILD records, on a
 * real process: track_prog (linked with libbbx, tracking fds and threads)
 * does the work and prints what it did; these tests read its snapshot and
 * compare.  Usage: test_track PATH-OF-track_prog
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snap_format.h"
#include "snap_reader.h"
#include "unit_run.h"

#define MAX_ITEMS 128

static const char *prog_path;

struct func {
    char name[32];
    uint64_t lo, hi;
};

struct run {
    char dir[64];
    struct func funcs[8];
    int n_funcs;
    struct { int fd; char call[32], func[32]; int closed; } fds[MAX_ITEMS];
    int n_fds;
    struct { int tid, alive; } threads[8];
    int n_threads;
    int reused[4], n_reused;
    struct { int pid, zombie; } kids[4];
    int n_kids;
    snap *s;
};

static struct run R;

static void run_prog(void)
{
    char cmd[512], line[512], err[256], path[512] = "";
    memset(&R, 0, sizeof(R));
    snprintf(R.dir, sizeof(R.dir), "/tmp/bbx-track-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(R.dir));
    snprintf(cmd, sizeof(cmd), "'%s' '%s'", prog_path, R.dir);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    while (fgets(line, sizeof(line), p)) {
        int a, b;
        char w[32], w2[32] = "make_fds";
        unsigned long lo, hi;
        if (sscanf(line, "func %31s %lx %lx", w, &lo, &hi) == 3 && R.n_funcs < 8) {
            struct func *f = &R.funcs[R.n_funcs++];
            snprintf(f->name, sizeof(f->name), "%s", w);
            f->lo = lo;
            f->hi = hi;
        } else if (sscanf(line, "fd %d %31s %31s", &a, w, w2) >= 2 && R.n_fds < MAX_ITEMS) {
            R.fds[R.n_fds].fd = a;
            snprintf(R.fds[R.n_fds].call, sizeof(R.fds[0].call), "%s", w);
            snprintf(R.fds[R.n_fds].func, sizeof(R.fds[0].func), "%s", w2);
            R.n_fds++;
        } else if (sscanf(line, "reused %d", &a) == 1 && R.n_reused < 4) {
            R.reused[R.n_reused++] = a;
        } else if (sscanf(line, "closed %d", &a) == 1) {
            for (int i = R.n_fds - 1; i >= 0; i--)
                if (R.fds[i].fd == a) {
                    R.fds[i].closed = 1;
                    break;
                }
        } else if (sscanf(line, "thread %d %31s", &a, w) == 2 && R.n_threads < 8) {
            R.threads[R.n_threads].tid = a;
            R.threads[R.n_threads++].alive = strcmp(w, "alive") == 0;
        } else if (sscanf(line, "child %d %31s", &b, w) == 2 && R.n_kids < 4) {
            R.kids[R.n_kids].pid = b;
            R.kids[R.n_kids++].zombie = strcmp(w, "zombie") == 0;
        } else if (strncmp(line, "snapshot ", 9) == 0) {
            snprintf(path, sizeof(path), "%s", line + 9);
            path[strcspn(path, "\n")] = '\0';
        }
    }
    ck_assert_int_eq(pclose(p), 0);
    ck_assert_msg(path[0], "track_prog wrote no snapshot");
    R.s = snap_read_file(path, err, sizeof(err));
    ck_assert_msg(R.s != NULL, "%s: %s", path, err);
    ck_assert(R.s->complete);
}

static void cleanup(void)
{
    char cmd[128];
    snap_free(R.s);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", R.dir);
    ck_assert_int_eq(system(cmd), 0);
}

static const struct func *func(const char *name)
{
    for (int i = 0; i < R.n_funcs; i++)
        if (strcmp(R.funcs[i].name, name) == 0)
            return &R.funcs[i];
    ck_abort_msg("track_prog did not report function %s", name);
    return NULL;
}

/* Frame 0 is a return address: the call instruction is just before it,
 * and it may be the function's end when the call does not return. */
static int in_func(uint64_t pc, const struct func *f)
{
    return pc > f->lo && pc <= f->hi;
}

START_TEST(open_fds_have_their_creating_call_and_stack)
{
    run_prog();
    int open_fds = 0;
    ck_assert_uint_eq(R.s->capture.tracking, 3);
    for (int i = 0; i < R.n_fds; i++) {
        if (R.fds[i].closed)
            continue;
        open_fds++;
        const struct func *mk = func(R.fds[i].func);
        const snap_origin *o = snap_fd_origin(R.s, (uint64_t)R.fds[i].fd);
        ck_assert_msg(o != NULL, "fd %d (%s) has no origin", R.fds[i].fd, R.fds[i].call);
        ck_assert_msg(!o->unknown, "fd %d marked unknown", R.fds[i].fd);
        ck_assert_msg(o->call && strcmp(o->call, R.fds[i].call) == 0,
                      "fd %d: call %s, expected %s", R.fds[i].fd, o->call ? o->call : "(none)",
                      R.fds[i].call);
        ck_assert_msg(o->n_frames > 0 && in_func(o->frames[0], mk),
                      "fd %d (%s): frame 0 not in %s: %#lx [%#lx, %#lx]", R.fds[i].fd,
                      R.fds[i].call, mk->name, (unsigned long)(o->n_frames ? o->frames[0] : 0),
                      (unsigned long)mk->lo, (unsigned long)mk->hi);
        ck_assert_msg(o->n_frames >= 3, "fd %d: only %zu frames", R.fds[i].fd, o->n_frames);
        ck_assert_uint_eq(o->tid, R.s->process.pid); /* made by the main thread */
        ck_assert_uint_gt(o->time_ms, 0);
    }
    ck_assert_int_ge(open_fds, 25);
    ck_assert_uint_eq(R.s->capture.origins, R.s->n_origins);
    cleanup();
}
END_TEST

START_TEST(closed_fds_have_no_origin)
{
    run_prog();
    int n_closed = 0;
    for (int i = 0; i < R.n_fds; i++) {
        if (!R.fds[i].closed)
            continue;
        int reopened = 0; /* a later fd of the same number */
        for (int j = i + 1; j < R.n_fds; j++)
            reopened |= R.fds[j].fd == R.fds[i].fd && !R.fds[j].closed;
        if (reopened)
            continue;
        n_closed++;
        const snap_origin *o = snap_fd_origin(R.s, (uint64_t)R.fds[i].fd);
        ck_assert_msg(o == NULL, "closed fd %d (%s) still has an origin (%s)", R.fds[i].fd,
                      R.fds[i].call, o && o->call ? o->call : o && o->unknown ? "unknown" : "");
    }
    ck_assert_int_ge(n_closed, 5); /* close, fclose, closedir, pclose, close_range */
    cleanup();
}
END_TEST

/* A raw close, then the number back through a raw recvmsg: the slot still
 * held the socket's creation, but the file is not that socket's. */
START_TEST(fd_reused_behind_bbx_has_unknown_origin)
{
    run_prog();
    ck_assert_int_ge(R.n_reused, 1);
    for (int i = 0; i < R.n_reused; i++) {
        const snap_origin *o = snap_fd_origin(R.s, (uint64_t)R.reused[i]);
        ck_assert_msg(o != NULL, "fd %d has no origin record", R.reused[i]);
        ck_assert_msg(o->unknown, "fd %d: origin %s, expected unknown", R.reused[i],
                      o->call ? o->call : "(none)");
    }
    cleanup();
}
END_TEST

START_TEST(fds_from_before_tracking_are_unknown)
{
    run_prog();
    for (uint64_t fd = 0; fd <= 2; fd++) {
        const snap_origin *o = snap_fd_origin(R.s, fd);
        ck_assert_msg(o != NULL, "fd %lu has no origin", (unsigned long)fd);
        ck_assert_msg(o->unknown, "fd %lu not marked unknown", (unsigned long)fd);
        ck_assert_uint_eq(o->n_frames, 0);
    }
    cleanup();
}
END_TEST

START_TEST(alive_threads_have_origins_exited_ones_not)
{
    run_prog();
    const struct func *st = func("start_threads"), *body = func("alive_thread");
    int alive = 0;
    for (int i = 0; i < R.n_threads; i++) {
        const snap_origin *o = snap_thread_origin(R.s, (uint64_t)R.threads[i].tid);
        if (!R.threads[i].alive) {
            ck_assert_msg(o == NULL, "exited thread %d has an origin", R.threads[i].tid);
            continue;
        }
        alive++;
        ck_assert_msg(o != NULL, "thread %d has no origin", R.threads[i].tid);
        ck_assert_str_eq(o->call, "pthread_create");
#ifndef __SANITIZE_ADDRESS__
        /* (ASan's pthread_create interceptor hands libc, and so bbx, its own
         * start routine) */
        ck_assert_uint_eq(o->start, body->lo);
#else
        (void)body;
#endif
        ck_assert_msg(o->n_frames > 0 && in_func(o->frames[0], st),
                      "thread %d: frame 0 not in start_threads", R.threads[i].tid);
        ck_assert_uint_eq(o->tid, R.s->process.pid);
    }
    ck_assert_int_eq(alive, 2);
    cleanup();
}
END_TEST

START_TEST(children_are_listed_zombies_marked)
{
    run_prog();
    ck_assert_int_eq(R.n_kids, 2);
    ck_assert_uint_eq(R.s->capture.children, R.s->n_children);
    for (int k = 0; k < R.n_kids; k++) {
        const snap_child *c = NULL;
        for (size_t i = 0; i < R.s->n_children; i++)
            if (R.s->children[i].pid == (uint64_t)R.kids[k].pid)
                c = &R.s->children[i];
        ck_assert_msg(c != NULL, "child %d not listed", R.kids[k].pid);
        ck_assert_int_eq(c->zombie, R.kids[k].zombie);
        ck_assert_int_eq(c->state == 'Z', R.kids[k].zombie);
        ck_assert_ptr_nonnull(c->comm);
        ck_assert_str_eq(c->comm, "track_prog");
        ck_assert_uint_gt(c->start_ms, 0);
        if (!R.kids[k].zombie) {
            ck_assert_msg(c->cmdline && c->cmdline_len > 0 &&
                              strstr(c->cmdline, "track_prog") != NULL,
                          "running child has no command line");
        }
    }
    cleanup();
}
END_TEST

static Suite *track_suite(void)
{
    Suite *s = suite_create("track");
    TCase *tc = tcase_create("track");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, open_fds_have_their_creating_call_and_stack);
    tcase_add_test(tc, closed_fds_have_no_origin);
    tcase_add_test(tc, fds_from_before_tracking_are_unknown);
    tcase_add_test(tc, fd_reused_behind_bbx_has_unknown_origin);
    tcase_add_test(tc, alive_threads_have_origins_exited_ones_not);
    tcase_add_test(tc, children_are_listed_zombies_marked);
    suite_add_tcase(s, tc);
    return s;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_track PATH-OF-track_prog\n");
        return 2;
    }
    prog_path = argv[1];
    return unit_run(track_suite());
}
