/*
 * heap_churn.c - the allocation workloads of bench/run_heap.py, built
 * without libbbx (the script preloads libbbx-preload.so, or runs it under
 * heaptrack or valgrind --tool=massif).
 *
 *   heap_churn churn THREADS ITERS
 *       each thread keeps a ring of 1024 small objects (16 to 271 bytes)
 *       and replaces the oldest ITERS times; prints "time SECONDS" (the
 *       slowest thread's wall time is the run's).
 *   heap_churn pair ITERS REPS
 *       malloc(32) + free in a tight loop, REPS times; prints "rep pair NS"
 *       (nanoseconds per pair) for each repetition.
 * Exit 0, 2 usage.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RING 1024

static unsigned long iters;
static void *volatile sink;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *churn_main(void *arg)
{
    void *ring[RING] = { 0 };
    uint64_t s = (uint64_t)(uintptr_t)arg * 0x9e3779b97f4a7c15ull + 1;
    for (unsigned long i = 0; i < iters; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        unsigned k = (unsigned)(i % RING);
        free(ring[k]);
        ring[k] = malloc(16 + (s & 255));
        if (ring[k])
            *(volatile char *)ring[k] = (char)i;
    }
    for (unsigned k = 0; k < RING; k++)
        free(ring[k]);
    return NULL;
}

static int churn(unsigned threads)
{
    pthread_t th[64];
    double t0 = now();
    if (threads > 64)
        threads = 64;
    for (unsigned i = 0; i < threads; i++)
        pthread_create(&th[i], NULL, churn_main, (void *)(uintptr_t)(i + 1));
    for (unsigned i = 0; i < threads; i++)
        pthread_join(th[i], NULL);
    printf("time %.6f\n", now() - t0);
    return 0;
}

static int pair(unsigned reps)
{
    for (unsigned r = 0; r < reps; r++) {
        double t0 = now();
        for (unsigned long i = 0; i < iters; i++) {
            sink = malloc(32);
            free(sink);
        }
        printf("rep pair %.3f\n", (now() - t0) * 1e9 / (double)iters);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "churn") == 0) {
        iters = strtoul(argv[3], NULL, 10);
        return churn((unsigned)atoi(argv[2]));
    }
    if (argc == 4 && strcmp(argv[1], "pair") == 0) {
        iters = strtoul(argv[2], NULL, 10);
        return pair((unsigned)atoi(argv[3]));
    }
    fprintf(stderr, "usage: heap_churn churn THREADS ITERS | pair ITERS REPS\n");
    return 2;
}
