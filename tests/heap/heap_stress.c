/*
 * heap_stress.c - the allocation workloads of tests/heap, run with and
 * without heap tracking (linked: built with -DHEAP_LINKED and libbbx, which
 * it starts with bbx_init(NULL); or plain under libbbx-preload.so).
 *
 *   heap_stress stress [ITERS [nofork]]
 *       8 threads, each with its own seeded generator, allocate with every
 *       entry point (malloc, calloc, realloc chains, reallocarray,
 *       posix_memalign, aligned_alloc, memalign, valloc, C++ new/delete,
 *       anonymous mmap/munmap), fill each block with a pattern and check
 *       it before freeing it.  The main thread forks while they run; the
 *       child allocates too.  Prints one checksum line per thread and for
 *       the child: the same lines with and without bbx.  nofork: no fork
 *       (valgrind's leak check cannot follow the parent's threads' blocks
 *       into a child).
 *   heap_stress hold
 *       hold_64mib() keeps 64 MiB live in 4 KiB blocks while churn() allocates
 *       and frees 256 MiB elsewhere; prints "site LO HI" (hold_64mib's code)
 *       and "live BYTES" (what it holds), then exits with the memory held
 *       (BBX_AT_EXIT=1 takes the snapshot).
 *   heap_stress crash
 *       hold_64mib(), prints the site as hold does, then dies of SIGSEGV
 *       (the crash snapshot carries the heap records too).
 * Exit: 0, 1 a check failed (the line says which), 2 usage, 3 bbx_init failed.
 */
#include <dlfcn.h>
#include <link.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef HEAP_LINKED
#include <bbx.h>
#endif

#define THREADS 8
#define SLOTS 64
#define NOINLINE __attribute__((noinline))

/* heap_stress_new.cpp */
uint64_t stress_cxx(uint64_t seed);

struct block {
    unsigned char *p;
    size_t n;
    int kind; /* 0 malloc family, 1 mmap */
    unsigned char fill;
};

struct worker {
    unsigned id;
    unsigned iters;
    uint64_t rng;
    uint64_t sum;
    unsigned bad;
    struct block slot[SLOTS];
};

static uint64_t next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void check_and_drop(struct worker *w, struct block *b)
{
    if (!b->p)
        return;
    for (size_t i = 0; i < b->n; i += 61) {
        if (b->p[i] != (unsigned char)(b->fill + i))
            w->bad++;
        w->sum = w->sum * 31 + b->p[i];
    }
    if (b->kind == 1) {
        if (munmap(b->p, b->n) != 0)
            w->bad++;
    } else {
        free(b->p);
    }
    b->p = NULL;
}

static void fill(struct block *b, unsigned char f)
{
    b->fill = f;
    for (size_t i = 0; i < b->n; i++)
        b->p[i] = (unsigned char)(f + i);
}

static size_t pick_size(uint64_t r)
{
    switch (r % 8) {
    case 0: return 1 + r % 16;
    case 1: case 2: case 3: return 16 + (r >> 8) % 512;
    case 4: case 5: return 512 + (r >> 8) % 8192;
    case 6: return 8192 + (r >> 8) % 65536;
    default: return 65536 + (r >> 8) % (300 << 10);
    }
}

static int aligned(const void *p, size_t a)
{
    return ((uintptr_t)p & (a - 1)) == 0;
}

/* Allocate into an empty slot with the entry point the generator picks. */
static void allocate(struct worker *w, struct block *b, uint64_t r)
{
    size_t n = pick_size(r >> 3), a = (size_t)16 << ((r >> 40) % 6);
    void *p = NULL;
    b->kind = 0;
    switch (r % 10) {
    case 0: p = calloc(1 + n / 64, 64); n = (1 + n / 64) * 64;
        for (size_t i = 0; p && i < n; i += 97)
            if (((unsigned char *)p)[i] != 0)
                w->bad++;
        break;
    case 1: if (posix_memalign(&p, a, n) != 0) p = NULL; else if (!aligned(p, a)) w->bad++; break;
    case 2: n = (n + a - 1) / a * a; p = aligned_alloc(a, n); if (p && !aligned(p, a)) w->bad++; break;
    case 3: p = memalign(a, n); if (p && !aligned(p, a)) w->bad++; break;
    case 4: p = valloc(n); if (p && !aligned(p, 4096)) w->bad++; break;
    case 5:
        n = 4096 * (1 + n % 64);
        p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) p = NULL;
        b->kind = 1;
        break;
    default: p = malloc(n); break;
    }
    if (!p) {
        w->bad++;
        return;
    }
    if (b->kind == 0 && malloc_usable_size(p) < n)
        w->bad++;
    b->p = p;
    b->n = n;
    fill(b, (unsigned char)(r >> 56));
}

/* Grow a block step by step (a realloc chain), checking what moves. */
static void realloc_chain(struct worker *w, struct block *b, uint64_t r)
{
    if (!b->p || b->kind != 0)
        return;
    for (int step = 0; step < 4; step++) {
        size_t n = b->n + 1 + (r >> (8 * step)) % 4096;
        unsigned char *p = step == 3 ? reallocarray(b->p, n, 1) : realloc(b->p, n);
        if (!p) {
            w->bad++;
            return;
        }
        for (size_t i = 0; i < b->n; i += 61)
            if (p[i] != (unsigned char)(b->fill + i))
                w->bad++;
        b->p = p;
        b->n = n;
        fill(b, (unsigned char)(b->fill + 1));
    }
}

static void work(struct worker *w)
{
    for (unsigned it = 0; it < w->iters; it++) {
        uint64_t r = next(&w->rng);
        struct block *b = &w->slot[r % SLOTS];
        if (b->p && (r >> 20) % 4 == 0)
            realloc_chain(w, b, next(&w->rng));
        else if (b->p)
            check_and_drop(w, b);
        else
            allocate(w, b, next(&w->rng));
        if (it % 64 == 0)
            w->sum += stress_cxx(r);
    }
    for (unsigned i = 0; i < SLOTS; i++)
        check_and_drop(w, &w->slot[i]);
}

static void *worker_main(void *p)
{
    work(p);
    return NULL;
}

static int stress(unsigned iters, int do_fork)
{
    static struct worker ws[THREADS];
    pthread_t th[THREADS];
    for (unsigned i = 0; i < THREADS; i++) {
        ws[i].id = i;
        ws[i].iters = iters;
        ws[i].rng = 1000 + i;
        if (pthread_create(&th[i], NULL, worker_main, &ws[i]) != 0) {
            printf("pthread_create failed\n");
            return 1;
        }
    }
    usleep(20000); /* fork while the workers allocate */
    fflush(stdout);
    pid_t pid = do_fork ? fork() : -2;
    if (pid == 0) {
        static struct worker c;
        c.iters = iters / 2;
        c.rng = 99;
        work(&c);
        printf("child sum %016llx bad %u\n", (unsigned long long)c.sum, c.bad);
        fflush(stdout);
        exit(c.bad ? 1 : 0);
    }
    int status = -1;
    if (pid != -2 && (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0))
        printf("child failed: status %d\n", status);
    unsigned bad = 0;
    for (unsigned i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        printf("thread %u sum %016llx bad %u\n", i, (unsigned long long)ws[i].sum, ws[i].bad);
        bad += ws[i].bad;
    }
    return bad ? 1 : 0;
}

#define HOLD_BLOCKS 16384
#define HOLD_SIZE 4096

static void *held[HOLD_BLOCKS];

/* The known allocation site: 64 MiB live in 4 KiB blocks (exported, so
 * that dladdr1 finds its size). */
size_t hold_64mib(void);
NOINLINE size_t hold_64mib(void)
{
    size_t total = 0;
    for (unsigned i = 0; i < HOLD_BLOCKS; i++) {
        held[i] = malloc(HOLD_SIZE);
        if (held[i]) {
            memset(held[i], (int)i, 64);
            total += HOLD_SIZE;
        }
    }
    return total;
}

/* Steady allocations elsewhere, all freed: 256 MiB in mixed sizes. */
NOINLINE static void churn(void)
{
    uint64_t s = 7, done = 0;
    void *keep[32] = { 0 };
    while (done < (256u << 20)) {
        uint64_t r = next(&s);
        size_t n = pick_size(r);
        unsigned k = (unsigned)(r >> 50) % 32;
        free(keep[k]);
        keep[k] = malloc(n);
        if (keep[k])
            memset(keep[k], 1, n < 64 ? n : 64);
        done += n;
    }
    for (unsigned k = 0; k < 32; k++)
        free(keep[k]);
}

static int hold(int crash)
{
    Dl_info info;
    const ElfW(Sym) *sym = NULL;
    size_t live = hold_64mib();
    if (!crash)
        churn();
    if (!dladdr1((void *)hold_64mib, &info, (void **)&sym, RTLD_DL_SYMENT) || !sym) {
        printf("dladdr1 cannot find hold_64mib (link with -rdynamic)\n");
        return 1;
    }
    uintptr_t lo = (uintptr_t)info.dli_saddr;
    printf("site %#llx %#llx\n", (unsigned long long)lo, (unsigned long long)(lo + sym->st_size));
    printf("live %zu\n", live);
    fflush(stdout);
    if (crash)
        raise(SIGSEGV);
    return 0;
}

int main(int argc, char **argv)
{
#ifdef HEAP_LINKED
    int rc = bbx_init(NULL);
    if (rc != 0) {
        fprintf(stderr, "bbx_init: %d %s\n", rc, bbx_strerror(rc));
        return 3;
    }
#endif
    if (argc >= 2 && strcmp(argv[1], "stress") == 0)
        return stress(argc > 2 ? (unsigned)atoi(argv[2]) : 20000,
                      !(argc > 3 && strcmp(argv[3], "nofork") == 0));
    if (argc == 2 && (strcmp(argv[1], "hold") == 0 || strcmp(argv[1], "crash") == 0))
        return hold(strcmp(argv[1], "crash") == 0);
    fprintf(stderr, "usage: heap_stress stress [ITERS [nofork]] | hold | crash\n");
    return 2;
}
