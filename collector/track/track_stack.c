/*
 * track_stack.c - the creation stack of a tracked fd or thread, and the
 * real functions behind the interposed calls.
 *
 * Not on the crash path: runs in the hooks, in the application's normal
 * context.  Stacks come from libunwind's local unwinder (unw_backtrace, with
 * a per-thread cache), which is cheap enough to run on every open
 * (bench/track_cost.c).  The hook's own frames are dropped: frame 0 is the
 * return address in the caller of open(), or, when a sanitizer's
 * interceptor sits between the program and the hook, the first frame
 * outside the sanitizer runtime.  Around fork() no unwind runs (no frames
 * are returned meanwhile): see fork_prepare.
 */
#define UNW_LOCAL_ONLY
#include <dlfcn.h>
#include <libunwind.h>
#include <link.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>

#include "sigsafe.h"
#include "track_stack.h"

/* Frames above the caller of a hook: unw_backtrace, the recorder, the
 * hook, a sanitizer interceptor or two. */
#define SKIP_MAX 12
#define MAX_SKIP_RANGES 8

struct range {
    uintptr_t lo, hi;
};

/* Code of bbx itself and of sanitizer runtimes: skipped at the top. */
static struct range skip[MAX_SKIP_RANGES];
static unsigned n_skip;

static __thread int in_dlsym __attribute__((tls_model("initial-exec")));

/* fork(): libunwind takes its own locks while it unwinds; a child forked
 * while another thread held one would hang in its first unwind.  The
 * prepare handler keeps new unwinds out (they return no frames) and waits,
 * boundedly, for those under way. */
#define FORK_WAIT_US 200000u
static _Atomic unsigned unwinders;
static _Atomic int forking;
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

static void fork_prepare(void)
{
    uint64_t t0 = ss_mono_us();
    atomic_store(&forking, 1);
    while (atomic_load(&unwinders) && ss_mono_us() - t0 < FORK_WAIT_US)
        sched_yield();
}

static void fork_parent(void)
{
    atomic_store(&forking, 0);
}

static void fork_child(void)
{
    atomic_store(&unwinders, 0);
    atomic_store(&forking, 0);
}

static void register_fork(void)
{
    pthread_atfork(fork_prepare, fork_parent, fork_child);
}

void *track_resolve(void *_Atomic *slot, const char *name)
{
    void *f = atomic_load_explicit(slot, memory_order_acquire);
    if (f || bbx_busy || in_dlsym)
        return f;
    in_dlsym = 1;
    f = dlsym(RTLD_NEXT, name);
    in_dlsym = 0;
    atomic_store_explicit(slot, f, memory_order_release);
    return f;
}

static int is_skipped_module(const char *name, uintptr_t base, uintptr_t self_base)
{
    static const char *const runtimes[] = { "libasan", "libtsan", "liblsan", "libubsan",
                                            "libclang_rt." };
    if (base == self_base)
        return 1;
    for (size_t i = 0; i < sizeof(runtimes) / sizeof(runtimes[0]); i++)
        if (name && strstr(name, runtimes[i]))
            return 1;
    return 0;
}

static int add_ranges(struct dl_phdr_info *info, size_t size, void *ctx)
{
    uintptr_t self_base = *(uintptr_t *)ctx;
    if (!is_skipped_module(info->dlpi_name, info->dlpi_addr, self_base))
        return 0;
    for (int i = 0; i < info->dlpi_phnum && n_skip < MAX_SKIP_RANGES; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
            continue;
        skip[n_skip].lo = info->dlpi_addr + ph->p_vaddr;
        skip[n_skip].hi = skip[n_skip].lo + ph->p_memsz;
        n_skip++;
    }
    return 0;
}

void track_stack_init(void)
{
    Dl_info di;
    uintptr_t self_base = 0;
    void *warm[4];
    if (dladdr((void *)track_stack_init, &di) && di.dli_fbase)
        self_base = (uintptr_t)di.dli_fbase;
    n_skip = 0;
    dl_iterate_phdr(add_ranges, &self_base);
    unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
    unw_backtrace(warm, 4); /* lazy initialisation happens here, not in a hook */
    pthread_once(&fork_once, register_fork);
}

static int in_skip(uintptr_t pc)
{
    for (unsigned i = 0; i < n_skip; i++)
        if (pc >= skip[i].lo && pc < skip[i].hi)
            return 1;
    return 0;
}

unsigned track_stack_grab(uintptr_t ra, uintptr_t *out, unsigned max, int *truncated)
{
    void *raw[TRACK_MAX_FRAMES + SKIP_MAX];
    int want = (int)max + SKIP_MAX;
    int n = 0, i = 0;
    atomic_fetch_add(&unwinders, 1);
    if (!atomic_load(&forking))
        n = unw_backtrace(raw, want);
    atomic_fetch_sub(&unwinders, 1);
    if (n < 0)
        n = 0;
    while (i < n && i < SKIP_MAX && (uintptr_t)raw[i] != ra)
        i++;
    if (i == n || i == SKIP_MAX)
        i = 0; /* not seen: fall back to skipping bbx's own frames */
    while (i < n && in_skip((uintptr_t)raw[i]))
        i++;
    unsigned k = 0;
    for (; i < n && k < max; i++)
        out[k++] = (uintptr_t)raw[i];
    *truncated = i < n || n == want;
    return k;
}
