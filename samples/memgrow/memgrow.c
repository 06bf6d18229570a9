/*
 * memgrow - a program whose memory grows without bound in one place, for
 * bbx's memory and heap reports (`bbx leaks`, `bbx flame --what heap`) and
 * for the out-of-memory path.
 *
 *   memgrow [--duration-ms N] [--tick-ms N] [--grow-kb N] [--until-killed]
 *           [--no-growth] [--seed N]
 *
 * A main loop ticks every --tick-ms (default 20 ms).  Each tick:
 *  - cache_insert() adds about --grow-kb KiB (default 512) to a lookup
 *    cache that nothing ever trims: entries of 1 to 32 KiB, each filled,
 *    so the memory is resident.  This is the growth;
 *  - render_frame() allocates scratch buffers of 4 KiB to 256 KiB, fills
 *    and frees them: a lot is allocated, nothing stays;
 *  - two worker threads churn small strings (allocated and freed in
 *    parse_message()) the whole time: steady.
 * With --no-growth the cache keeps its size (the oldest entry is dropped
 * for every new one).
 *
 * Before the loop it prints a manifest on stdout, one line per site:
 *   grow cache_insert memgrow.c LINE
 *   steady render_frame memgrow.c LINE
 *   steady parse_message memgrow.c LINE
 * (LINE: the line of the malloc call), and after every tick one line
 *   cache BYTES ENTRIES
 * with the bytes the cache holds (the truth a heap estimate is checked
 * against), flushed, so that the last line stands even when the process is
 * killed.  --until-killed runs until something kills it (a memory limit);
 * otherwise it runs --duration-ms (default 3000) and exits 0.
 *
 * Built as `memgrow` (linked with libbbx: bbx_init() with the environment's
 * settings) and `memgrow-plain` (no libbbx, for LD_PRELOAD=libbbx-preload.so).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef MEMGROW_LINKED
#include <bbx.h>
#endif

#define NOINLINE __attribute__((noinline))
#define WORKERS 2

struct entry {
    struct entry *next;
    size_t size;
    unsigned char data[];
};

static struct {
    struct entry *head, *tail;
    size_t bytes, entries;
} cache;

static atomic_int stopping;
static unsigned long rng_state = 88172645463325252ul;
static int cache_line, render_line, parse_line;

static unsigned long rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void cache_drop_oldest(void)
{
    struct entry *e = cache.head;
    if (!e)
        return;
    cache.head = e->next;
    if (!cache.head)
        cache.tail = NULL;
    cache.bytes -= e->size;
    cache.entries--;
    free(e);
}

/* Adds about `kb` KiB to the cache, in entries of 1 to 32 KiB.  The cache
 * bytes counted are what was asked of malloc. */
static NOINLINE void cache_insert(size_t kb, int bounded)
{
    size_t want = kb * 1024, added = 0;
    while (added < want) {
        size_t payload = 1024 + rnd() % (31 * 1024);
        size_t size = sizeof(struct entry) + payload;
        cache_line = __LINE__ + 1;
        struct entry *e = malloc(size);
        if (!e) {
            fprintf(stderr, "memgrow: out of memory after %zu bytes\n", cache.bytes);
            exit(3);
        }
        e->next = NULL;
        e->size = size;
        memset(e->data, (int)(added & 0xff), payload);
        if (cache.tail)
            cache.tail->next = e;
        else
            cache.head = e;
        cache.tail = e;
        cache.bytes += size;
        cache.entries++;
        added += size;
        if (bounded)
            cache_drop_oldest();
    }
}

/* Scratch buffers for one frame: allocated, used, freed. */
static NOINLINE unsigned render_frame(void)
{
    unsigned sum = 0;
    for (int i = 0; i < 8; i++) {
        size_t size = 4096 + rnd() % (252 * 1024);
        render_line = __LINE__ + 1;
        unsigned char *buf = malloc(size);
        if (!buf)
            continue;
        memset(buf, i, size);
        sum += buf[size / 2];
        free(buf);
    }
    return sum;
}

/* A message parsed into small strings: allocated and freed. */
static NOINLINE size_t parse_message(unsigned seed)
{
    char *parts[16];
    size_t total = 0;
    for (int i = 0; i < 16; i++) {
        size_t n = 16 + (seed * 7 + (unsigned)i * 13) % 200;
        parse_line = __LINE__ + 1;
        parts[i] = malloc(n);
        if (!parts[i])
            return total;
        memset(parts[i], 'a' + i, n - 1);
        parts[i][n - 1] = 0;
        total += strlen(parts[i]);
    }
    for (int i = 0; i < 16; i++)
        free(parts[i]);
    return total;
}

static void *worker(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg;
    volatile size_t sink = 0;
    while (!atomic_load(&stopping)) {
        for (int i = 0; i < 64; i++)
            sink += parse_message(seed++);
        usleep(1000);
    }
    (void)sink;
    return NULL;
}

static void usage(void)
{
    fprintf(stderr, "usage: memgrow [--duration-ms N] [--tick-ms N] [--grow-kb N] "
                    "[--until-killed] [--no-growth] [--seed N]\n");
    exit(2);
}

static long number(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 0)
        usage();
    return v;
}

int main(int argc, char **argv)
{
    long duration_ms = 3000, tick_ms = 20, grow_kb = 512;
    int until_killed = 0, growth = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--until-killed"))
            until_killed = 1;
        else if (!strcmp(argv[i], "--no-growth"))
            growth = 0;
        else if (i + 1 < argc && !strcmp(argv[i], "--duration-ms"))
            duration_ms = number(argv[++i]);
        else if (i + 1 < argc && !strcmp(argv[i], "--tick-ms"))
            tick_ms = number(argv[++i]);
        else if (i + 1 < argc && !strcmp(argv[i], "--grow-kb"))
            grow_kb = number(argv[++i]);
        else if (i + 1 < argc && !strcmp(argv[i], "--seed"))
            rng_state = (unsigned long)number(argv[++i]) * 2654435761ul + 1;
        else
            usage();
    }
#ifdef MEMGROW_LINKED
    bbx_config cfg;
    bbx_config_init(&cfg); /* every field unset: BBX_* from the environment */
    int rc = bbx_init(&cfg);
    if (rc != BBX_OK)
        fprintf(stderr, "memgrow: bbx_init: %s\n", bbx_strerror(rc));
#endif
    /* One of each, so every manifest line is known before the loop. */
    cache_insert(1, 0);
    render_frame();
    parse_message(0);
    printf("grow cache_insert memgrow.c %d\n", cache_line);
    printf("steady render_frame memgrow.c %d\n", render_line);
    printf("steady parse_message memgrow.c %d\n", parse_line);
    fflush(stdout);

    pthread_t workers[WORKERS];
    for (int i = 0; i < WORKERS; i++)
        if (pthread_create(&workers[i], NULL, worker, (void *)(uintptr_t)(i * 1000)) != 0) {
            fprintf(stderr, "memgrow: pthread_create failed\n");
            return 2;
        }
    long long end = now_ms() + duration_ms;
    volatile unsigned sink = 0;
    while (until_killed || now_ms() < end) {
        cache_insert((size_t)grow_kb, !growth);
        sink += render_frame();
        printf("cache %zu %zu\n", cache.bytes, cache.entries);
        fflush(stdout);
        usleep((useconds_t)tick_ms * 1000);
    }
    atomic_store(&stopping, 1);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(workers[i], NULL);
    (void)sink;
    return 0;
}
