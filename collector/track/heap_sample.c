/*
 * heap_sample.c - sampled heap tracking: when to sample, what a sample
 * weighs, and the tables that hold the samples (heap_table.h, heap_sample.h).
 *
 * Sampling: every byte allocated is a sampling point with probability 1/S
 * (S = BBX_HEAP_SAMPLE), so the distance between points is exponential with
 * mean S and an allocation of n bytes holds at least one point with
 * probability p = 1 - exp(-n/S).  Each thread draws its distances from its
 * own generator.  A sampled allocation stands for 1/p allocations and n/p
 * bytes: the sum over samples is an unbiased estimate of the whole
 * (docs/FORMAT.md, HEAP).
 *
 * Tables, all mapped once by heap_tables_start() (ss_map: counted as bbx's
 * memory) and never freed, since a hook may still be in them after
 * tracking stops:
 *  - the stacks (heap_table.h), with a hash index of stack numbers + 1;
 *  - the live samples, open addressing keyed by address (0 empty, 1 a
 *    tombstone, 2 busy), each entry claimed by compare-and-swap: no lock,
 *    so a signal handler or a fork cannot leave one held;
 *  - the counting filter of heap_sample.h.
 * A full table counts the sample as lost.  Nothing here calls malloc.
 */
#define UNW_LOCAL_ONLY
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "collector.h"
#include "heap_sample.h"
#include "sigsafe.h"
#include "track_stack.h"

#define MAX_STACKS 8192u
#define INDEX_SLOTS (2 * MAX_STACKS)
#define LIVE_BITS 15
#define LIVE_SLOTS (1u << LIVE_BITS)
#define LIVE_PROBES 64
#define FILTER_SLOTS (1u << HEAP_FILTER_BITS)

enum { LIVE_EMPTY = 0, LIVE_TOMB = 1, LIVE_BUSY = 2 };

struct live {
    _Atomic uintptr_t key; /* the address, or LIVE_* */
    unsigned stack;
    uint64_t bytes, objs;
};

struct heap_tables heap_tab;
_Atomic uint16_t *heap_filter;
__thread int64_t heap_countdown __attribute__((tls_model("initial-exec")));

static _Atomic uint32_t *stack_index; /* INDEX_SLOTS: stack number + 1, 0 free */
static struct live *live;
static size_t index_bytes, live_bytes_mapped, filter_bytes;
static double interval_d;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

struct heap_thread {
    uint64_t rng;
    int seeded;
    int sampling; /* inside heap_sample(): nested allocations are bbx's */
};
static __thread struct heap_thread me __attribute__((tls_model("initial-exec")));

/* ---- drawing distances ---- */

static uint64_t rng_next(void)
{
    uint64_t z = (me.rng += 0x9e3779b97f4a7c15ull); /* splitmix64 */
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void rng_seed(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    me.rng = (uint64_t)ts.tv_nsec * 0x2545f4914f6cdd1dull ^ (uint64_t)ts.tv_sec ^
             (uint64_t)(uintptr_t)&me ^ ((uint64_t)ss_gettid() << 32);
    me.seeded = 1;
}

/* Bytes to the next sampling point: exponential, mean S. */
static int64_t draw(void)
{
    double u = (double)((rng_next() >> 11) + 1) * 0x1p-53; /* (0, 1] */
    double d = -log(u) * interval_d;
    return d < 1.0 ? 1 : (int64_t)d;
}

/* ---- the stacks ---- */

static uint64_t stack_hash(const uintptr_t *f, unsigned n, int is_mmap)
{
    uint64_t h = 0xcbf29ce484222325ull ^ (uint64_t)is_mmap;
    for (unsigned i = 0; i < n; i++)
        h = (h ^ f[i]) * 0x100000001b3ull;
    return h ^ (h >> 29);
}

static int same_stack(const struct heap_stack *s, uint64_t h, const uintptr_t *f, unsigned n,
                      int trunc, int is_mmap)
{
    return s->hash == h && s->n_frames == n && s->mmap == is_mmap && s->truncated == trunc &&
           memcmp(s->frames, f, n * sizeof(uintptr_t)) == 0;
}

/* The stack's number, added if new; -1 when the table is full. */
static int stack_find_or_add(const uintptr_t *f, unsigned n, int trunc, int is_mmap)
{
    uint64_t h = stack_hash(f, n, is_mmap);
    int mine = -1; /* an entry claimed and filled, not yet published */
    for (unsigned k = 0; k < INDEX_SLOTS; k++) {
        _Atomic uint32_t *slot = &stack_index[(h + k) % INDEX_SLOTS];
        uint32_t v = atomic_load_explicit(slot, memory_order_acquire);
        if (v == 0) {
            if (mine < 0) {
                unsigned i = atomic_fetch_add_explicit(&heap_tab.n_stacks, 1, memory_order_relaxed);
                if (i >= heap_tab.max_stacks)
                    return -1;
                struct heap_stack *s = heap_stack_at(i);
                s->hash = h;
                s->n_frames = (uint8_t)n;
                s->truncated = (uint8_t)trunc;
                s->mmap = (uint8_t)is_mmap;
                memcpy(s->frames, f, n * sizeof(uintptr_t));
                mine = (int)i;
            }
            if (atomic_compare_exchange_strong_explicit(slot, &v, (uint32_t)mine + 1,
                                                        memory_order_release,
                                                        memory_order_acquire))
                return mine;
            /* another thread published here first: look at theirs */
        }
        if (v != 0 && v - 1 < heap_tab.max_stacks &&
            same_stack(heap_stack_at(v - 1), h, f, n, trunc, is_mmap))
            return (int)(v - 1); /* an entry of ours stays unused: no samples */
    }
    return -1;
}

/* ---- the live samples ---- */

static void filter_add(uintptr_t p, int delta)
{
    _Atomic uint16_t *c = &heap_filter[heap_addr_hash(p, HEAP_FILTER_BITS)];
    atomic_fetch_add_explicit(c, (uint16_t)delta, memory_order_relaxed);
}

static void live_add(const struct heap_saved *v)
{
    struct heap_stack *s = heap_stack_at(v->stack);
    atomic_fetch_add_explicit(&s->live_bytes, v->bytes, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->live_objs, v->objs, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->live_samples, 1, memory_order_release);
}

static void live_sub(const struct heap_saved *v)
{
    struct heap_stack *s = heap_stack_at(v->stack);
    atomic_fetch_sub_explicit(&s->live_samples, 1, memory_order_relaxed);
    atomic_fetch_sub_explicit(&s->live_bytes, v->bytes, memory_order_relaxed);
    atomic_fetch_sub_explicit(&s->live_objs, v->objs, memory_order_relaxed);
}

/* Put p in the live table, in the first free slot of its probe window; 0
 * when the window is full.  An entry for p met before that slot is a
 * sample whose free bbx did not see (a free by a path it does not
 * interpose): it is taken back and replaced. */
static int live_insert(uintptr_t p, const struct heap_saved *v)
{
    unsigned h = heap_addr_hash(p, LIVE_BITS);
    struct live *slot = NULL;
    for (unsigned k = 0; k < LIVE_PROBES && !slot; k++) {
        struct live *e = &live[(h + k) & (LIVE_SLOTS - 1)];
        uintptr_t key = atomic_load_explicit(&e->key, memory_order_acquire);
        if (key == p && atomic_compare_exchange_strong(&e->key, &key, LIVE_BUSY)) {
            struct heap_saved old = { e->stack, e->bytes, e->objs };
            live_sub(&old);
            slot = e;
        } else if ((key == LIVE_EMPTY || key == LIVE_TOMB) &&
                   atomic_compare_exchange_strong(&e->key, &key, LIVE_BUSY)) {
            slot = e;
            filter_add(p, 1);
        }
    }
    if (!slot)
        return 0;
    slot->stack = v->stack;
    slot->bytes = v->bytes;
    slot->objs = v->objs;
    live_add(v);
    atomic_store_explicit(&slot->key, p, memory_order_release);
    return 1;
}

int heap_forget(const void *ptr, struct heap_saved *saved)
{
    uintptr_t p = (uintptr_t)ptr;
    unsigned h = heap_addr_hash(p, LIVE_BITS);
    if (!heap_maybe_sampled(ptr) || !live)
        return 0;
    for (unsigned k = 0; k < LIVE_PROBES; k++) {
        struct live *e = &live[(h + k) & (LIVE_SLOTS - 1)];
        uintptr_t key = atomic_load_explicit(&e->key, memory_order_acquire);
        if (key == LIVE_EMPTY)
            return 0;
        if (key != p || !atomic_compare_exchange_strong(&e->key, &key, LIVE_BUSY))
            continue;
        saved->stack = e->stack;
        saved->bytes = e->bytes;
        saved->objs = e->objs;
        live_sub(saved);
        atomic_store_explicit(&e->key, LIVE_TOMB, memory_order_release);
        filter_add(p, -1);
        return 1;
    }
    return 0;
}

void heap_restore(const void *p, const struct heap_saved *saved)
{
    if (!live_insert((uintptr_t)p, saved))
        atomic_fetch_add_explicit(&heap_tab.lost, 1, memory_order_relaxed);
}

/* ---- sampling ---- */

/* The weight of a sampled allocation of n bytes: 1/p in HEAP_OBJ_ONE units,
 * and n/p bytes. */
static void weigh(size_t n, struct heap_saved *v)
{
    double p = -expm1(-(double)n / interval_d); /* 1 - exp(-n/S) */
    v->objs = (uint64_t)((double)HEAP_OBJ_ONE / p + 0.5);
    v->bytes = (uint64_t)((double)n / p + 0.5);
}

static void record(void *ptr, size_t n, int is_mmap, uintptr_t ra)
{
    uintptr_t frames[TRACK_MAX_FRAMES];
    int truncated;
    struct heap_saved v;
    unsigned nf = track_stack_grab(ra, frames, heap_tab.frames, &truncated);
    int i = nf ? stack_find_or_add(frames, nf, truncated, is_mmap) : -1; /* none: a fork */
    if (i < 0) {
        atomic_fetch_add_explicit(&heap_tab.lost, 1, memory_order_relaxed);
        return;
    }
    struct heap_stack *s = heap_stack_at((unsigned)i);
    v.stack = (unsigned)i;
    weigh(n, &v);
    atomic_fetch_add_explicit(&s->alloc_bytes, v.bytes, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->alloc_objs, v.objs, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->samples, 1, memory_order_release);
    if (!live_insert((uintptr_t)ptr, &v))
        atomic_fetch_add_explicit(&heap_tab.lost, 1, memory_order_relaxed);
}

void heap_sample(void *p, size_t n, int is_mmap, uintptr_t ra)
{
    if (me.sampling)
        return; /* the countdown is parked high meanwhile: not reached */
    if (!me.seeded) {
        rng_seed();
        heap_countdown += draw(); /* this allocation counts toward the first */
        if (heap_countdown > 0)
            return;
    }
    me.sampling = 1;
    heap_countdown = INT64_MAX / 2; /* bbx's own allocations below never sample */
    if (!bbx_busy && n > 0 && live) {
        int saved_errno = errno; /* the program sees what the allocator said */
        bbx_busy++;
        record(p, n, is_mmap, ra);
        bbx_busy--;
        errno = saved_errno;
    }
    heap_countdown = draw(); /* memoryless: from the end of this allocation */
    me.sampling = 0;
}

/* ---- the tables ---- */

/* fork(): the child has only the forking thread; an entry another thread
 * was claiming or freeing at that moment stays busy there: free it (its
 * sample may stay counted as live, at most one per such thread). */
static void heap_fork_child(void)
{
    me.seeded = 0; /* the child draws its own distances */
    if (!live)
        return;
    for (unsigned i = 0; i < LIVE_SLOTS; i++)
        if (atomic_load_explicit(&live[i].key, memory_order_relaxed) == LIVE_BUSY)
            atomic_store_explicit(&live[i].key, LIVE_TOMB, memory_order_relaxed);
}

static void register_atfork(void)
{
    pthread_atfork(NULL, NULL, heap_fork_child);
}

/* Map `*p` of `bytes`, or empty the mapping made before. */
static int map_once(void **p, size_t *have, size_t bytes)
{
    if (*p) {
        madvise(*p, *have, MADV_DONTNEED); /* anonymous private: reads zero again */
        return 0;
    }
    *p = ss_map(bytes, 1);
    *have = *p ? bytes : 0;
    return *p ? 0 : BBX_ENOMEM;
}

int heap_tables_start(uint64_t interval, unsigned frames)
{
    heap_tab.frames = frames == 0 ? 32 : frames > TRACK_MAX_FRAMES ? TRACK_MAX_FRAMES : frames;
    if (heap_tab.stacks && heap_tab.stack_size !=
                               sizeof(struct heap_stack) + heap_tab.frames * sizeof(uintptr_t))
        heap_tab.frames = (unsigned)((heap_tab.stack_size - sizeof(struct heap_stack)) /
                                     sizeof(uintptr_t)); /* a restart keeps the layout */
    heap_tab.stack_size = sizeof(struct heap_stack) + heap_tab.frames * sizeof(uintptr_t);
    heap_tab.max_stacks = MAX_STACKS;
    void *st = heap_tab.stacks, *ix = stack_index, *lv = live, *fl = heap_filter;
    if (map_once(&st, &heap_tab.stacks_bytes, (size_t)MAX_STACKS * heap_tab.stack_size) != 0 ||
        map_once(&ix, &index_bytes, INDEX_SLOTS * sizeof(uint32_t)) != 0 ||
        map_once(&lv, &live_bytes_mapped, LIVE_SLOTS * sizeof(struct live)) != 0 ||
        map_once(&fl, &filter_bytes, FILTER_SLOTS * sizeof(uint16_t)) != 0)
        return BBX_ENOMEM;
    heap_tab.stacks = st;
    stack_index = ix;
    live = lv;
    heap_filter = fl;
    atomic_store(&heap_tab.n_stacks, 0);
    atomic_store(&heap_tab.lost, 0);
    heap_tab.interval = interval;
    interval_d = (double)interval;
    heap_tab.start_ms = ss_real_ms();
    track_stack_init();
    pthread_once(&atfork_once, register_atfork);
    return 0;
}
