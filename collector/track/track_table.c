/*
 * track_table.c - tracking mode's tables of live fds and threads (the ORIGIN
 * records are written from them by crash/origins_write.c).
 *
 * Both tables are anonymous mappings made by track_start(): the fd table
 * indexed by fd number (MAP_NORESERVE, sized from the RLIMIT_NOFILE hard
 * limit, so only the pages of numbers in use cost memory), the thread table
 * with max_threads slots.  Slots are seqlocks (see track_table.h).
 * Recording (track_fd_created, track_thread_claim) runs in the hooks;
 * forgetting, like the capture's reading, is async-signal-safe: atomics, the tables,
 * raw system calls.  The mappings stay for the life of the process once
 * made, because a hook may still be using them after track_stop().
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "sigsafe.h"
#include "snap_format.h"
#include "track_stack.h"
#include "launch_table.h"
#include "track_table.h"

#define FD_TABLE_CAP (1u << 20)
#define LOCK_SPINS 64

_Atomic unsigned track_active;
struct track_tables track_tab;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
__thread int track_thread_self __attribute__((tls_model("initial-exec")));

static __thread pid_t cached_tid __attribute__((tls_model("initial-exec")));

static pid_t self_tid(void)
{
    if (!cached_tid)
        cached_tid = ss_gettid();
    return cached_tid;
}

int track_seq_lock(_Atomic uint32_t *seq)
{
    uint32_t q = atomic_load_explicit(seq, memory_order_relaxed);
    for (int i = 0; i < LOCK_SPINS; i++) {
        if (!(q & 1) && atomic_compare_exchange_weak_explicit(
                            seq, &q, q + 1, memory_order_acquire, memory_order_relaxed)) {
            atomic_thread_fence(memory_order_release);
            return 1;
        }
        __builtin_ia32_pause();
        q = atomic_load_explicit(seq, memory_order_relaxed);
    }
    return 0;
}

void track_seq_unlock(_Atomic uint32_t *seq)
{
    atomic_fetch_add_explicit(seq, 1, memory_order_release);
}

static int slot_lock(struct track_slot *s)
{
    return track_seq_lock(&s->seq);
}

static void slot_unlock(struct track_slot *s)
{
    track_seq_unlock(&s->seq);
}

static uint64_t coarse_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void raise_high(unsigned fd)
{
    unsigned h = atomic_load_explicit(&track_tab.fd_high, memory_order_relaxed);
    while (fd + 1 > h &&
           !atomic_compare_exchange_weak_explicit(&track_tab.fd_high, &h, fd + 1, memory_order_relaxed,
                                                  memory_order_relaxed))
        ;
}

/* Fill a locked slot with the calling thread's stack and identity. */
static void fill(struct track_slot *s, const uintptr_t *frames, unsigned n, int truncated,
                 int call, uint64_t now)
{
    s->state = TRACK_SLOT_RECORDED;
    s->call = (uint8_t)call;
    s->n_frames = (uint8_t)n;
    s->truncated = (uint8_t)truncated;
    s->creator = self_tid();
    s->time_ms = now;
    memcpy(s->frames, frames, n * sizeof(uintptr_t));
}

static void forget(struct track_slot *s)
{
    if (s->state == TRACK_SLOT_FREE)
        return;
    if (slot_lock(s)) {
        s->state = TRACK_SLOT_FREE;
        slot_unlock(s);
    }
}

void track_fd_created(int fd, int call, uintptr_t ra)
{
    uintptr_t frames[TRACK_MAX_FRAMES];
    int truncated;
    if (fd < 0 || !track_tab.fd_table)
        return;
    if ((unsigned)fd >= track_tab.n_fd_slots) {
        if (!bbx_busy)
            atomic_fetch_add_explicit(&track_tab.lost, 1, memory_order_relaxed);
        return;
    }
    struct track_slot *s = track_fd_slot((unsigned)fd);
    if (bbx_busy) { /* bbx's own fd, or a signal handler inside a hook */
        forget(s);
        return;
    }
    bbx_busy++;
    unsigned n = track_stack_grab(ra, frames, track_tab.frames, &truncated);
    uint64_t now = coarse_ms();
    struct stat st;
    if (fstat(fd, &st) != 0)
        memset(&st, 0, sizeof(st));
    if (slot_lock(s)) {
        fill(s, frames, n, truncated, call, now);
        s->dev = (uint64_t)st.st_dev;
        s->ino = (uint64_t)st.st_ino;
        slot_unlock(s);
        raise_high((unsigned)fd);
    } else {
        atomic_fetch_add_explicit(&track_tab.lost, 1, memory_order_relaxed);
    }
    bbx_busy--;
}

void track_fd_closed(int fd)
{
    if (fd >= 0 && track_tab.fd_table && (unsigned)fd < track_tab.n_fd_slots)
        forget(track_fd_slot((unsigned)fd));
}

void track_fd_range_closed(unsigned lo, unsigned hi)
{
    unsigned top = atomic_load_explicit(&track_tab.fd_high, memory_order_relaxed);
    if (!track_tab.fd_table)
        return;
    if (hi >= top)
        hi = top ? top - 1 : 0;
    for (unsigned fd = lo; fd <= hi && fd < top; fd++)
        forget(track_fd_slot(fd));
}

int track_thread_claim(void *(*start)(void *), uintptr_t ra)
{
    uintptr_t frames[TRACK_MAX_FRAMES];
    int truncated;
    if (!track_tab.thread_table || bbx_busy)
        return -1;
    bbx_busy++;
    unsigned n = track_stack_grab(ra, frames, track_tab.frames, &truncated);
    uint64_t now = coarse_ms();
    unsigned first = atomic_fetch_add_explicit(&track_tab.thread_hint, 1, memory_order_relaxed);
    int got = -1;
    for (unsigned k = 0; k < track_tab.n_thread_slots && got < 0; k++) {
        unsigned i = (first + k) % track_tab.n_thread_slots;
        struct track_slot *s = track_thread_slot(i);
        if (s->state != TRACK_SLOT_FREE || !slot_lock(s))
            continue;
        if (s->state == TRACK_SLOT_FREE) {
            fill(s, frames, n, truncated, TRACK_PTHREAD_CREATE, now);
            s->id = 0;
            s->start = (uint64_t)(uintptr_t)start;
            got = (int)i;
        }
        slot_unlock(s);
    }
    if (got < 0)
        atomic_fetch_add_explicit(&track_tab.lost, 1, memory_order_relaxed);
    bbx_busy--;
    return got;
}

void track_thread_started(int slot, pid_t tid)
{
    if (slot < 0 || !track_tab.thread_table)
        return;
    struct track_slot *s = track_thread_slot((unsigned)slot);
    if (slot_lock(s)) {
        s->id = tid;
        slot_unlock(s);
    }
    track_thread_self = slot + 1;
}

void track_thread_release(int slot)
{
    if (slot < 0 || !track_tab.thread_table || (unsigned)slot >= track_tab.n_thread_slots)
        return;
    struct track_slot *s = track_thread_slot((unsigned)slot);
    if (s->id == 0 || s->id == self_tid())
        forget(s);
    if (track_thread_self == slot + 1)
        track_thread_self = 0;
}

/* fork(): the child is single-threaded and has a new tid; a slot another
 * thread was writing at the fork stays odd in the child: reset it. */
static void track_fork_child(void)
{
    cached_tid = 0;
    if (track_tab.fd_table) {
        unsigned top = atomic_load(&track_tab.fd_high);
        for (unsigned fd = 0; fd < top; fd++) {
            struct track_slot *s = track_fd_slot(fd);
            uint32_t q = atomic_load(&s->seq);
            if (q & 1) {
                s->state = TRACK_SLOT_FREE;
                atomic_store(&s->seq, q + 1);
            }
        }
    }
    if (track_tab.thread_table) {
        for (unsigned i = 0; i < track_tab.n_thread_slots; i++) {
            struct track_slot *s = track_thread_slot(i);
            if (s->state == TRACK_SLOT_FREE && !(atomic_load(&s->seq) & 1))
                continue;
            if ((int)i + 1 == track_thread_self) {
                s->id = ss_gettid();
            } else {
                s->state = TRACK_SLOT_FREE;
            }
            atomic_store(&s->seq, (atomic_load(&s->seq) + 1) & ~1u);
        }
    }
}

static void register_atfork(void)
{
    pthread_atfork(NULL, NULL, track_fork_child);
}

static void mark_unknown(void *ctx, int listing_fd, uint64_t fd, const char *name)
{
    if ((int)fd == listing_fd || fd >= track_tab.n_fd_slots || ss_fd_is_reserved((int)fd))
        return;
    struct track_slot *s = track_fd_slot((unsigned)fd);
    if (slot_lock(s)) {
        s->state = TRACK_SLOT_UNKNOWN;
        s->call = TRACK_UNKNOWN;
        s->n_frames = 0;
        s->truncated = 0;
        s->creator = 0;
        s->time_ms = 0;
        slot_unlock(s);
        raise_high((unsigned)fd);
    }
}

/* Map (or reuse, emptied) a table of n slots. */
static int map_table(unsigned char **table, size_t *bytes, size_t want)
{
    if (*table && *bytes == want) {
        madvise(*table, want, MADV_DONTNEED); /* anonymous private: reads zero again */
        return 0;
    }
    ss_unmap(*table, *bytes);
    void *p = ss_map(want, 1);
    *table = p;
    *bytes = *table ? want : 0;
    return *table ? 0 : BBX_ENOMEM;
}

#define HEAP_SAMPLE_DEFAULT (512u << 10)

/* fds and threads: map the tables, mark the fds open now. */
static int track_tables_start(unsigned flags, unsigned frames)
{
    struct rlimit rl;
    char dirbuf[4096] __attribute__((aligned(8))); /* struct dirent64 */
    atomic_store(&track_active, 0);
    track_tab.frames = frames == 0 ? 32 : frames > TRACK_MAX_FRAMES ? TRACK_MAX_FRAMES : frames;
    track_tab.slot_size = sizeof(struct track_slot) + track_tab.frames * sizeof(uintptr_t);
    unsigned nfd = FD_TABLE_CAP;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY &&
        rl.rlim_max < FD_TABLE_CAP)
        nfd = rl.rlim_max < 64 ? 64 : (unsigned)rl.rlim_max;
    track_tab.n_fd_slots = 0;
    track_tab.n_thread_slots = 0;
    if (map_table(&track_tab.fd_table, &track_tab.fd_table_bytes, (size_t)nfd * track_tab.slot_size) != 0 ||
        map_table(&track_tab.thread_table, &track_tab.thread_table_bytes,
                  (size_t)bbx_g.cfg.max_threads * track_tab.slot_size) != 0)
        return BBX_ENOMEM;
    track_tab.n_fd_slots = nfd;
    track_tab.n_thread_slots = bbx_g.cfg.max_threads;
    atomic_store(&track_tab.fd_high, 0);
    atomic_store(&track_tab.lost, 0);
    track_thread_self = 0;
    track_stack_init();
    pthread_once(&atfork_once, register_atfork);
    if (flags & BBX_TRACK_FD)
        ss_for_each_numbered("/proc/self/fd", dirbuf, sizeof(dirbuf), mark_unknown, NULL);
    atomic_store(&track_active, flags);
    return 0;
}

int track_start(unsigned flags, unsigned frames)
{
    int rc;
    if ((flags & BBX_TRACK_EXEC) && (rc = launch_table_start()) != 0)
        return rc;
    uint64_t interval = bbx_g.cfg.heap_sample ? bbx_g.cfg.heap_sample : HEAP_SAMPLE_DEFAULT;
    if ((flags & (BBX_TRACK_FD | BBX_TRACK_THREAD)) &&
        (rc = track_tables_start(flags & (BBX_TRACK_FD | BBX_TRACK_THREAD), frames)) != 0)
        return rc;
    if (flags & BBX_TRACK_EXEC) { /* the other parts leave their flags set */
        track_stack_init();
        atomic_fetch_or(&track_active, BBX_TRACK_EXEC);
    }
    if (flags & BBX_TRACK_HEAP)
        return heap_start(interval, frames);
    return 0;
}

void track_stop(void)
{
    heap_stop();
    atomic_store(&track_active, 0);
}

