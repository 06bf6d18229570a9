/*
 * poll_loop - what the hang watchdog costs the program it watches
 * (bench/run_hang.py).  No libbbx linked: it runs plain and under
 * libbbx-preload.so.
 *
 *   poll_loop polls N      N x poll(NULL, 0, 0), prints "ns_per_call X"
 *   poll_loop beats N      N x bbx_heartbeat() (found with dlsym, under
 *                          the preload), prints "ns_per_call X"
 *   poll_loop idle S       waits in poll() for S seconds (1 s timeouts)
 *   poll_loop freeze B F   idles B ms, prints "freeze_at_ms T" (Unix ms),
 *                          spins F ms, idles 500 ms
 */
#include <dlfcn.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t ns_of(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void idle_ms(uint64_t ms)
{
    uint64_t end = ns_of(CLOCK_MONOTONIC) + ms * 1000000u;
    while (ns_of(CLOCK_MONOTONIC) < end)
        poll(NULL, 0, 50);
}

static volatile uint64_t sink;

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: poll_loop polls|beats N | idle S | freeze B F\n");
        return 2;
    }
    const char *mode = argv[1];
    long n = atol(argv[2]);
    if (strcmp(mode, "polls") == 0 || strcmp(mode, "beats") == 0) {
        void (*beat)(void) = NULL;
        if (mode[0] == 'b') {
            *(void **)&beat = dlsym(RTLD_DEFAULT, "bbx_heartbeat");
            if (!beat) {
                fprintf(stderr, "poll_loop: bbx_heartbeat not found (run under the preload)\n");
                return 2;
            }
        }
        uint64_t t0 = ns_of(CLOCK_THREAD_CPUTIME_ID); /* not time others ran */
        for (long i = 0; i < n; i++) {
            if (beat)
                beat();
            else
                poll(NULL, 0, 0);
        }
        uint64_t t1 = ns_of(CLOCK_THREAD_CPUTIME_ID);
        printf("ns_per_call %.2f\n", (double)(t1 - t0) / (double)n);
    } else if (strcmp(mode, "idle") == 0) {
        for (long i = 0; i < n; i++)
            poll(NULL, 0, 1000);
    } else if (strcmp(mode, "freeze") == 0 && argc > 3) {
        idle_ms((uint64_t)n);
        printf("freeze_at_ms %llu\n", (unsigned long long)(ns_of(CLOCK_REALTIME) / 1000000u));
        fflush(stdout);
        uint64_t end = ns_of(CLOCK_MONOTONIC) + (uint64_t)atol(argv[3]) * 1000000u;
        while (ns_of(CLOCK_MONOTONIC) < end)
            sink++;
        idle_ms(500);
    } else {
        fprintf(stderr, "poll_loop: unknown mode %s\n", mode);
        return 2;
    }
    return 0;
}
