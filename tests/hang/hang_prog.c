/*
 * hang_prog - a main loop that freezes on purpose, for the hang watchdog's
 * tests (tests/hang/e2e_hang.py).  Built twice: linked with libbbx
 * (hang_prog, which calls bbx_init() and, in mode heartbeat, the watch
 * API) and without it (hang_prog_plain, for libbbx-preload.so).
 *
 *   hang_prog MODE [BEFORE_MS [FREEZE_MS [AFTER_MS]]]
 *   idle       poll() with a 2.5 s timeout, for BEFORE_MS
 *   (the other modes idle with 50 ms timeouts)
 *   spin       idle BEFORE_MS, then spin_here() for FREEZE_MS, then idle AFTER_MS
 *   sleep      the same, sleeping in sleep_here()
 *   work       for BEFORE_MS: poll() returning at once, then 300 ms of work
 *              (away from the loop most of the time, never long)
 *   heartbeat  a thread "render" that calls bbx_heartbeat() every 10 ms of
 *              work, watched with bbx_watch_thread(); it stops beating
 *              (spins in spin_here()) after BEFORE_MS for FREEZE_MS; main
 *              idles (linked only)
 *   named      a thread "render" with its own poll() loop that spins after
 *              BEFORE_MS for FREEZE_MS (BBX_HANG_THREADS=render); main idles
 *
 * Prints "tid N" of the freezing thread, "frozen MS" with the freeze's
 * length as measured by itself, and "done".
 */
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef HANG_PLAIN
#include "bbx.h"
#endif

static long before_ms = 1000, freeze_ms = 3000, after_ms = 1500;

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void idle(long ms)
{
    uint64_t end = now_ms() + (uint64_t)ms;
    while (now_ms() < end)
        poll(NULL, 0, 50);
}

static volatile uint64_t sink;

static __attribute__((noinline)) void spin_here(long ms)
{
    uint64_t end = now_ms() + (uint64_t)ms;
    while (now_ms() < end)
        sink++;
}

static __attribute__((noinline)) void sleep_here(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static void say_tid(void)
{
    printf("tid %ld\n", (long)syscall(SYS_gettid));
    fflush(stdout);
}

static void frozen(void (*fn)(long), long ms)
{
    uint64_t t0 = now_ms();
    fn(ms);
    printf("frozen %llu\n", (unsigned long long)(now_ms() - t0));
    fflush(stdout);
}

/* The render thread's loop until `end`: a heartbeat and 10 ms of work per
 * iteration, or a 20 ms poll() (BBX_HANG_THREADS finds it by name). */
static void render_loop(int beat, uint64_t end)
{
    while (now_ms() < end) {
        if (beat) {
#ifndef HANG_PLAIN
            bbx_heartbeat();
#endif
            spin_here(10);
        } else {
            poll(NULL, 0, 20);
        }
    }
}

static void *render(void *arg)
{
    int beat = *(int *)arg;
    pthread_setname_np(pthread_self(), "render");
    say_tid();
#ifndef HANG_PLAIN
    if (beat && bbx_watch_thread(0) != 0) {
        fprintf(stderr, "hang_prog: bbx_watch_thread failed\n");
        exit(3);
    }
#endif
    render_loop(beat, now_ms() + (uint64_t)before_ms);
    frozen(spin_here, freeze_ms);
    render_loop(beat, now_ms() + (uint64_t)after_ms);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: hang_prog MODE [BEFORE_MS [FREEZE_MS [AFTER_MS]]]\n");
        return 2;
    }
    if (argc > 2)
        before_ms = atol(argv[2]);
    if (argc > 3)
        freeze_ms = atol(argv[3]);
    if (argc > 4)
        after_ms = atol(argv[4]);
#ifndef HANG_PLAIN
    int rc = bbx_init(NULL);
    if (rc != 0 && rc != BBX_EALREADY) {
        fprintf(stderr, "hang_prog: bbx_init: %s\n", bbx_strerror(rc));
        return 2;
    }
#endif
    const char *mode = argv[1];
    if (strcmp(mode, "idle") == 0) {
        /* each wait longer than any limit the tests set */
        uint64_t end = now_ms() + (uint64_t)before_ms;
        while (now_ms() < end)
            poll(NULL, 0, 2500);
    } else if (strcmp(mode, "spin") == 0 || strcmp(mode, "sleep") == 0) {
        say_tid();
        idle(before_ms);
        frozen(strcmp(mode, "spin") == 0 ? spin_here : sleep_here, freeze_ms);
        idle(after_ms);
    } else if (strcmp(mode, "work") == 0) {
        uint64_t end = now_ms() + (uint64_t)before_ms;
        while (now_ms() < end) {
            poll(NULL, 0, 0);
            spin_here(300);
        }
    } else if (strcmp(mode, "heartbeat") == 0 || strcmp(mode, "named") == 0) {
        pthread_t t;
        int beat = strcmp(mode, "heartbeat") == 0;
        pthread_create(&t, NULL, render, &beat);
        pthread_join(t, NULL);
    } else {
        fprintf(stderr, "hang_prog: unknown mode %s\n", mode);
        return 2;
    }
    printf("done\n");
    return 0;
}
