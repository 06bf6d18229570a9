/*
 * heap_hooks.c - the interposed allocator entry points of heap tracking
 * (BBX_TRACK=heap): malloc, calloc, realloc, reallocarray, free,
 * posix_memalign, aligned_alloc, memalign, valloc, pvalloc,
 * malloc_usable_size, and mmap, mmap64, munmap of anonymous private memory.
 * C++ new and delete reach them through libstdc++.
 *
 * Every hook is one relaxed load of its dispatch pointer and a tail call:
 * to the real function (the next definition in lookup order, dlsym
 * RTLD_NEXT) while tracking is off, to the tracked_* wrapper while it is
 * on.  The pointers start at first_*(), which resolves every real function
 * at once on the first call (before bbx's constructor if the program
 * allocates that early); what dlsym allocates meanwhile comes from the
 * bootstrap arena (heap_boot.h), whose pointers free, realloc and
 * malloc_usable_size recognize by address.  glibc's own mmaps (malloc's
 * large chunks, thread stacks) call its internal __mmap and are not seen.
 *
 * A tracked wrapper calls the real function, then lowers the thread's
 * countdown (heap_sample.h); only the allocation that takes it to zero goes
 * on to heap_sample().  free, realloc and munmap first ask the counting
 * filter and forget a sampled address before the real call, so that
 * another thread reusing the address cannot lose its own sample.
 * Nothing here allocates or takes a lock.
 */
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "collector.h"
#include "heap_boot.h"
#include "heap_sample.h"
#include "track_table.h"

typedef void *(*malloc_fn)(size_t);
typedef void (*free_fn)(void *);
typedef void *(*calloc_fn)(size_t, size_t);
typedef void *(*realloc_fn)(void *, size_t);
typedef int (*pmemalign_fn)(void **, size_t, size_t);
typedef void *(*memalign_fn)(size_t, size_t);
typedef size_t (*usable_fn)(void *);
typedef void *(*mmap_fn)(void *, size_t, int, int, int, off_t);
typedef int (*munmap_fn)(void *, size_t);

/* The real functions, filled once by resolve_all(). */
static struct {
    malloc_fn malloc, valloc, pvalloc;
    free_fn free;
    calloc_fn calloc;
    realloc_fn realloc;
    pmemalign_fn posix_memalign;
    memalign_fn aligned_alloc, memalign;
    usable_fn malloc_usable_size;
    mmap_fn mmap;
    munmap_fn munmap;
} real;

/* The caller of the exported hook (valid in a tracked_* wrapper reached by
 * a tail call; otherwise track_stack_grab skips bbx's frames itself). */
#define RA ((uintptr_t)__builtin_return_address(0))

#define NOINLINE_SAMPLED __attribute__((noinline, cold))

#define SAMPLE(p, n, is_mmap)                                                   \
    do {                                                                        \
        if (__builtin_expect((heap_countdown -= (int64_t)(n)) <= 0, 0) && (p)) \
            heap_sample((p), (n), (is_mmap), RA);                             \
    } while (0)

/* ---- tracked wrappers ----
 * The countdown is lowered before the real call, so that the common case
 * (not sampled) ends in a tail call; the sampled case calls, then records. */

#define UNSAMPLED(n) __builtin_expect((heap_countdown -= (int64_t)(n)) > 0, 1)

NOINLINE_SAMPLED static void *sampled_malloc(size_t n, uintptr_t ra)
{
    void *p = real.malloc(n);
    if (p)
        heap_sample(p, n, 0, ra);
    return p;
}

static void *tracked_malloc(size_t n)
{
    if (UNSAMPLED(n))
        return real.malloc(n);
    return sampled_malloc(n, RA);
}

NOINLINE_SAMPLED static void *sampled_calloc(size_t k, size_t n, size_t total, uintptr_t ra)
{
    void *p = real.calloc(k, n);
    if (p)
        heap_sample(p, total, 0, ra);
    return p;
}

static void *tracked_calloc(size_t k, size_t n)
{
    size_t total;
    if (__builtin_mul_overflow(k, n, &total) || UNSAMPLED(total))
        return real.calloc(k, n);
    return sampled_calloc(k, n, total, RA);
}

NOINLINE_SAMPLED static void forget(void *p)
{
    struct heap_saved saved;
    heap_forget(p, &saved);
}

static void tracked_free(void *p)
{
    if (__builtin_expect(heap_maybe_sampled(p), 0))
        forget(p);
    real.free(p);
}

static void *tracked_realloc(void *old, size_t n)
{
    struct heap_saved saved;
    int had = old && heap_maybe_sampled(old) && heap_forget(old, &saved);
    void *p = real.realloc(old, n);
    if (!p) {
        if (had && n != 0) /* failed: old is still there (n 0: freed) */
            heap_restore(old, &saved);
        return p;
    }
    SAMPLE(p, n, 0);
    return p;
}

static int tracked_posix_memalign(void **out, size_t align, size_t n)
{
    int rc = real.posix_memalign(out, align, n);
    if (rc == 0)
        SAMPLE(*out, n, 0);
    return rc;
}

static void *tracked_aligned_alloc(size_t align, size_t n)
{
    void *p = real.aligned_alloc(align, n);
    SAMPLE(p, n, 0);
    return p;
}

static void *tracked_memalign(size_t align, size_t n)
{
    void *p = real.memalign(align, n);
    SAMPLE(p, n, 0);
    return p;
}

static void *tracked_valloc(size_t n)
{
    void *p = real.valloc(n);
    SAMPLE(p, n, 0);
    return p;
}

static void *tracked_pvalloc(size_t n)
{
    void *p = real.pvalloc(n);
    SAMPLE(p, n, 0);
    return p;
}

static int anon_private(int flags)
{
    return (flags & MAP_ANONYMOUS) && (flags & MAP_TYPE) == MAP_PRIVATE;
}

static void *tracked_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    struct heap_saved saved;
    void *p = real.mmap(addr, len, prot, flags, fd, off);
    if (p == MAP_FAILED || !anon_private(flags))
        return p;
    if ((flags & MAP_FIXED) && heap_maybe_sampled(p))
        heap_forget(p, &saved); /* a sampled mapping there was replaced */
    SAMPLE(p, len, 1);
    return p;
}

static int tracked_munmap(void *addr, size_t len)
{
    if (heap_maybe_sampled(addr))
        forget(addr);
    return real.munmap(addr, len);
}

/* ---- first calls: resolve, then go on ---- */

static void *first_malloc(size_t n);
static void first_free(void *p);
static void *first_calloc(size_t k, size_t n);
static void *first_realloc(void *p, size_t n);
static int first_posix_memalign(void **out, size_t align, size_t n);
static void *first_aligned_alloc(size_t align, size_t n);
static void *first_memalign(size_t align, size_t n);
static void *first_valloc(size_t n);
static void *first_pvalloc(size_t n);
static size_t first_usable(void *p);
static void *first_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
static int first_munmap(void *addr, size_t len);

/* What each exported hook calls: first_*, real.*, or tracked_*. */
static _Atomic(malloc_fn) go_malloc = first_malloc;
static _Atomic(free_fn) go_free = first_free;
static _Atomic(calloc_fn) go_calloc = first_calloc;
static _Atomic(realloc_fn) go_realloc = first_realloc;
static _Atomic(pmemalign_fn) go_posix_memalign = first_posix_memalign;
static _Atomic(memalign_fn) go_aligned_alloc = first_aligned_alloc;
static _Atomic(memalign_fn) go_memalign = first_memalign;
static _Atomic(malloc_fn) go_valloc = first_valloc;
static _Atomic(malloc_fn) go_pvalloc = first_pvalloc;
static _Atomic(usable_fn) go_usable = first_usable;
static _Atomic(mmap_fn) go_mmap = first_mmap;
static _Atomic(munmap_fn) go_munmap = first_munmap;

#define GO(name) atomic_load_explicit(&go_##name, memory_order_relaxed)

/* The calling thread is inside dlsym for the hooks: allocate from the
 * bootstrap arena. */
static __thread int resolving __attribute__((tls_model("initial-exec")));

#define LOOKUP(field, name) real.field = (__typeof__(real.field))dlsym(RTLD_NEXT, name)
/* From first_X to real X, unless heap_start() switched it meanwhile. */
#define SETTLE(name, field)                                                      \
    do {                                                                         \
        __typeof__(real.field) first = first_##name;                             \
        if (real.field)                                                          \
            atomic_compare_exchange_strong(&go_##name, &first, real.field);      \
    } while (0)

/* Every thread that finds a hook unresolved resolves them all itself,
 * without waiting for another (which may hold the loader lock it needs).
 * Idempotent. */
static void resolve_all(void)
{
    if (resolving)
        return;
    resolving = 1;
    LOOKUP(malloc, "malloc");
    LOOKUP(free, "free");
    LOOKUP(calloc, "calloc");
    LOOKUP(realloc, "realloc");
    LOOKUP(posix_memalign, "posix_memalign");
    LOOKUP(aligned_alloc, "aligned_alloc");
    LOOKUP(memalign, "memalign");
    LOOKUP(valloc, "valloc");
    LOOKUP(pvalloc, "pvalloc");
    LOOKUP(malloc_usable_size, "malloc_usable_size");
    LOOKUP(mmap, "mmap");
    LOOKUP(munmap, "munmap");
    resolving = 0;
    SETTLE(malloc, malloc);
    SETTLE(free, free);
    SETTLE(calloc, calloc);
    SETTLE(realloc, realloc);
    SETTLE(posix_memalign, posix_memalign);
    SETTLE(aligned_alloc, aligned_alloc);
    SETTLE(memalign, memalign);
    SETTLE(valloc, valloc);
    SETTLE(pvalloc, pvalloc);
    SETTLE(usable, malloc_usable_size);
    SETTLE(mmap, mmap);
    SETTLE(munmap, munmap);
}

/* The hook after resolution; NULL while resolving or unresolvable. */
#define AFTER_RESOLVE(name)                                                  \
    ({                                                                       \
        __typeof__(first_##name) *f_ = NULL;                                 \
        if (!resolving) {                                                    \
            resolve_all();                                                   \
            f_ = GO(name);                                                   \
            if (f_ == first_##name)                                          \
                f_ = NULL;                                                   \
        }                                                                    \
        f_;                                                                  \
    })

static void *first_malloc(size_t n)
{
    malloc_fn f = AFTER_RESOLVE(malloc);
    return f ? f(n) : heap_boot_alloc(n, 16);
}

static void first_free(void *p)
{
    free_fn f = AFTER_RESOLVE(free);
    if (f)
        f(p); /* else: nothing can have been allocated but by the arena */
}

static void *first_calloc(size_t k, size_t n)
{
    calloc_fn f = AFTER_RESOLVE(calloc);
    size_t total;
    if (f)
        return f(k, n);
    if (__builtin_mul_overflow(k, n, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    return heap_boot_alloc(total, 16);
}

static void *first_realloc(void *p, size_t n)
{
    realloc_fn f = AFTER_RESOLVE(realloc);
    if (f)
        return f(p, n);
    if (p) { /* not of the arena (the hook checked): cannot be */
        errno = ENOMEM;
        return NULL;
    }
    return heap_boot_alloc(n, 16);
}

static int first_posix_memalign(void **out, size_t align, size_t n)
{
    pmemalign_fn f = AFTER_RESOLVE(posix_memalign);
    if (f)
        return f(out, align, n);
    if (align < sizeof(void *) || (align & (align - 1)))
        return EINVAL;
    *out = heap_boot_alloc(n, align);
    return *out ? 0 : ENOMEM;
}

static void *first_aligned_alloc(size_t align, size_t n)
{
    memalign_fn f = AFTER_RESOLVE(aligned_alloc);
    return f ? f(align, n) : heap_boot_alloc(n, align);
}

static void *first_memalign(size_t align, size_t n)
{
    memalign_fn f = AFTER_RESOLVE(memalign);
    return f ? f(align, n) : heap_boot_alloc(n, align);
}

static void *first_valloc(size_t n)
{
    malloc_fn f = AFTER_RESOLVE(valloc);
    return f ? f(n) : heap_boot_alloc(n, 4096);
}

static void *first_pvalloc(size_t n)
{
    malloc_fn f = AFTER_RESOLVE(pvalloc);
    return f ? f(n) : heap_boot_alloc((n + 4095) & ~(size_t)4095, 4096);
}

static size_t first_usable(void *p)
{
    usable_fn f = AFTER_RESOLVE(usable);
    return f ? f(p) : 0;
}

/* mmap and munmap: the raw system call while unresolved, and inside bbx
 * (a capture never calls dlsym). */
static void *first_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    mmap_fn f = bbx_busy ? NULL : AFTER_RESOLVE(mmap);
    if (f)
        return f(addr, len, prot, flags, fd, off);
    return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

static int first_munmap(void *addr, size_t len)
{
    munmap_fn f = bbx_busy ? NULL : AFTER_RESOLVE(munmap);
    return f ? f(addr, len) : (int)syscall(SYS_munmap, addr, len);
}

/* ---- the exported hooks ---- */

BBX_API void *malloc(size_t n)
{
    return GO(malloc)(n);
}

BBX_API void free(void *p)
{
    if (__builtin_expect(heap_boot_owns(p), 0))
        return;
    GO(free)(p);
}

BBX_API void *calloc(size_t k, size_t n)
{
    return GO(calloc)(k, n);
}

/* A block of the arena moves out into a real one. */
static void *boot_realloc(void *old, size_t n)
{
    void *p = GO(malloc)(n);
    size_t have = heap_boot_size(old);
    if (p)
        memcpy(p, old, have < n ? have : n);
    return p;
}

BBX_API void *realloc(void *p, size_t n)
{
    if (__builtin_expect(heap_boot_owns(p), 0))
        return boot_realloc(p, n);
    return GO(realloc)(p, n);
}

BBX_API void *reallocarray(void *p, size_t k, size_t n)
{
    size_t total;
    if (__builtin_mul_overflow(k, n, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(p, total);
}

BBX_API int posix_memalign(void **out, size_t align, size_t n)
{
    return GO(posix_memalign)(out, align, n);
}

BBX_API void *aligned_alloc(size_t align, size_t n)
{
    return GO(aligned_alloc)(align, n);
}

BBX_API void *memalign(size_t align, size_t n)
{
    return GO(memalign)(align, n);
}

BBX_API void *valloc(size_t n)
{
    return GO(valloc)(n);
}

BBX_API void *pvalloc(size_t n)
{
    return GO(pvalloc)(n);
}

BBX_API size_t malloc_usable_size(void *p)
{
    if (__builtin_expect(heap_boot_owns(p), 0))
        return heap_boot_size(p);
    return GO(usable)(p);
}

BBX_API void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    return GO(mmap)(addr, len, prot, flags, fd, off);
}

BBX_API void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    return GO(mmap)(addr, len, prot, flags, fd, off);
}

BBX_API int munmap(void *addr, size_t len)
{
    return GO(munmap)(addr, len);
}

/* ---- on and off ---- */

#define SWITCH(name, to) atomic_store_explicit(&go_##name, to, memory_order_release)

int heap_start(uint64_t interval, unsigned frames)
{
    resolve_all();
    if (!real.malloc || !real.free || !real.calloc || !real.realloc || !real.posix_memalign ||
        !real.aligned_alloc || !real.memalign || !real.valloc || !real.pvalloc || !real.mmap ||
        !real.munmap)
        return 0; /* another allocator without the whole set: not tracked */
    int rc = heap_tables_start(interval, frames);
    if (rc != 0)
        return rc;
    SWITCH(free, tracked_free);
    SWITCH(realloc, tracked_realloc);
    SWITCH(munmap, tracked_munmap);
    SWITCH(malloc, tracked_malloc);
    SWITCH(calloc, tracked_calloc);
    SWITCH(posix_memalign, tracked_posix_memalign);
    SWITCH(aligned_alloc, tracked_aligned_alloc);
    SWITCH(memalign, tracked_memalign);
    SWITCH(valloc, tracked_valloc);
    SWITCH(pvalloc, tracked_pvalloc);
    SWITCH(mmap, tracked_mmap);
    atomic_fetch_or(&track_active, BBX_TRACK_HEAP);
    return 0;
}

void heap_stop(void)
{
    if (!(atomic_fetch_and(&track_active, ~BBX_TRACK_HEAP) & BBX_TRACK_HEAP))
        return;
    SWITCH(malloc, real.malloc);
    SWITCH(calloc, real.calloc);
    SWITCH(posix_memalign, real.posix_memalign);
    SWITCH(aligned_alloc, real.aligned_alloc);
    SWITCH(memalign, real.memalign);
    SWITCH(valloc, real.valloc);
    SWITCH(pvalloc, real.pvalloc);
    SWITCH(mmap, real.mmap);
    SWITCH(free, real.free);
    SWITCH(realloc, real.realloc);
    SWITCH(munmap, real.munmap);
}
