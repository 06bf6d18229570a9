/*
 * track_cost.c - what tracking mode adds to the calls it interposes.
 *
 * Three loops, each run from DEPTH real frames down so that a recorded
 * creation stack is full (32 frames by default): open("/dev/null") +
 * close, socket(AF_UNIX) + close, and pthread_create + pthread_join of a
 * thread that returns at once.  Each loop runs REPS times ITERS iterations
 * and prints the time per iteration of every rep:
 *
 *   rep LOOP NS_PER_ITERATION
 *
 * Built twice from this file: track_cost (linked with libbbx, bbx_init with
 * tracking of fds and threads unless --no-track) and track_cost_plain (no
 * libbbx at all: the baseline, and what runs under valgrind).
 *
 * Usage: track_cost [--iters N] [--reps R] [--depth D] [--thread-iters N]
 *                   [--no-track]
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifdef TRACK_COST_LINKED
#include <bbx.h>
#endif

struct opts {
    long iters, thread_iters, reps;
    int depth, track;
};

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void *thread_body(void *arg)
{
    return arg;
}

typedef void (*loop_fn)(long n);

static void open_close(long n)
{
    for (long i = 0; i < n; i++) {
        int fd = open("/dev/null", O_RDONLY);
        if (fd < 0)
            abort();
        close(fd);
    }
}

static void socket_close(long n)
{
    for (long i = 0; i < n; i++) {
        int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
        if (fd < 0)
            abort();
        close(fd);
    }
}

static void thread_create_join(long n)
{
    for (long i = 0; i < n; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, thread_body, NULL) != 0)
            abort();
        pthread_join(t, NULL);
    }
}

/* Real frames: not inlined, not a tail call (work after the call). */
__attribute__((noinline)) static double descend(int depth, loop_fn fn, long n)
{
    volatile int guard = depth;
    if (depth > 1) {
        double r = descend(depth - 1, fn, n);
        return r + guard * 0;
    }
    double t0 = now_ns();
    fn(n);
    return now_ns() - t0;
}

static void run(const char *name, loop_fn fn, long iters, const struct opts *o)
{
    fn(iters / 10 + 1); /* warm: caches, lazy binding, the unwinder's cache */
    for (long r = 0; r < o->reps; r++) {
        double ns = descend(o->depth, fn, iters);
        printf("rep %s %.1f\n", name, ns / (double)iters);
    }
}

static long arg_long(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || v <= 0) {
        fprintf(stderr, "track_cost: bad number '%s'\n", s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    struct opts o = { 100000, 2000, 11, 32, 1 };
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--no-track") == 0)
            o.track = 0;
        else if (i + 1 < argc && strcmp(argv[i], "--iters") == 0)
            o.iters = arg_long(argv[++i]);
        else if (i + 1 < argc && strcmp(argv[i], "--thread-iters") == 0)
            o.thread_iters = arg_long(argv[++i]);
        else if (i + 1 < argc && strcmp(argv[i], "--reps") == 0)
            o.reps = arg_long(argv[++i]);
        else if (i + 1 < argc && strcmp(argv[i], "--depth") == 0)
            o.depth = (int)arg_long(argv[++i]);
        else {
            fprintf(stderr, "usage: track_cost [--iters N] [--thread-iters N] [--reps R] "
                            "[--depth D] [--no-track]\n");
            return 2;
        }
    }
#ifdef TRACK_COST_LINKED
    bbx_config c;
    bbx_config_init(&c);
    c.app_name = "track_cost";
    if (o.track)
        c.track = BBX_TRACK_FD | BBX_TRACK_THREAD;
    int rc = bbx_init(&c);
    if (rc != 0) {
        fprintf(stderr, "track_cost: bbx_init: %s\n", bbx_strerror(rc));
        return 2;
    }
    printf("mode %s\n", o.track ? "tracked" : "linked-untracked");
#else
    printf("mode plain\n");
#endif
    run("open_close", open_close, o.iters, &o);
    run("socket_close", socket_close, o.iters, &o);
    run("thread_create_join", thread_create_join, o.thread_iters, &o);
#ifdef TRACK_COST_LINKED
    bbx_shutdown();
#endif
    return 0;
}
