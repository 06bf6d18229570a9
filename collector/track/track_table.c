/*
 * track_table.c - tracking mode's tables of live fds and threads, and the
 * ORIGIN records written from them into every snapshot.
 *
 * Both tables are anonymous mappings made by track_start(): the fd table
 * indexed by fd number (MAP_NORESERVE, sized from the RLIMIT_NOFILE hard
 * limit, so only the pages of numbers in use cost memory), the thread table
 * with max_threads slots.  Slots are seqlocks (see track_table.h).
 * Recording (track_fd_created, track_thread_claim) runs in the hooks;
 * forgetting and origins_write() are async-signal-safe: atomics, the tables,
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
#include "track_table.h"

#define FD_TABLE_CAP (1u << 20)
#define READ_TRIES 4
#define LOCK_SPINS 64

struct track_slot {
    _Atomic uint32_t seq;      /* odd while written */
    uint8_t state;             /* enum slot_state */
    uint8_t call;              /* enum track_call */
    uint8_t n_frames;
    uint8_t truncated;
    int32_t creator;           /* creating thread */
    int32_t id;                /* threads: the thread's tid, 0 until it runs */
    uint64_t time_ms;          /* Unix ms */
    uint64_t start;            /* threads: start routine */
    uint64_t dev, ino;         /* fds: the open file's st_dev, st_ino */
    uintptr_t frames[];        /* track_frames of them */
};

enum slot_state { SLOT_FREE, SLOT_RECORDED, SLOT_UNKNOWN };

_Atomic unsigned track_active;
__thread int track_thread_self __attribute__((tls_model("initial-exec")));

static const char *const call_names[TRACK_N_CALLS] = {
    [TRACK_UNKNOWN] = "unknown", [TRACK_OPEN] = "open", [TRACK_OPEN64] = "open64",
    [TRACK_OPENAT] = "openat", [TRACK_OPENAT64] = "openat64", [TRACK_CREAT] = "creat",
    [TRACK_CREAT64] = "creat64", [TRACK_SOCKET] = "socket",
    [TRACK_SOCKETPAIR] = "socketpair", [TRACK_ACCEPT] = "accept",
    [TRACK_ACCEPT4] = "accept4", [TRACK_PIPE] = "pipe", [TRACK_PIPE2] = "pipe2",
    [TRACK_DUP] = "dup", [TRACK_DUP2] = "dup2", [TRACK_DUP3] = "dup3",
    [TRACK_FCNTL] = "fcntl", [TRACK_EVENTFD] = "eventfd",
    [TRACK_TIMERFD_CREATE] = "timerfd_create", [TRACK_SIGNALFD] = "signalfd",
    [TRACK_EPOLL_CREATE] = "epoll_create", [TRACK_EPOLL_CREATE1] = "epoll_create1",
    [TRACK_INOTIFY_INIT] = "inotify_init", [TRACK_INOTIFY_INIT1] = "inotify_init1",
    [TRACK_MEMFD_CREATE] = "memfd_create", [TRACK_POSIX_OPENPT] = "posix_openpt",
    [TRACK_PIDFD_OPEN] = "pidfd_open", [TRACK_FOPEN] = "fopen", [TRACK_FOPEN64] = "fopen64",
    [TRACK_FREOPEN] = "freopen", [TRACK_FREOPEN64] = "freopen64",
    [TRACK_OPENDIR] = "opendir", [TRACK_TMPFILE] = "tmpfile",
    [TRACK_TMPFILE64] = "tmpfile64", [TRACK_MKSTEMP] = "mkstemp",
    [TRACK_MKSTEMP64] = "mkstemp64", [TRACK_MKOSTEMP] = "mkostemp",
    [TRACK_MKOSTEMP64] = "mkostemp64", [TRACK_MKSTEMPS] = "mkstemps",
    [TRACK_MKSTEMPS64] = "mkstemps64", [TRACK_MKOSTEMPS] = "mkostemps",
    [TRACK_MKOSTEMPS64] = "mkostemps64", [TRACK_POPEN] = "popen",
    [TRACK_PTHREAD_CREATE] = "pthread_create", [TRACK_RECVMSG] = "recvmsg",
    [TRACK_RECVMMSG] = "recvmmsg",
};

static unsigned char *fd_table;     /* n_fd_slots slots */
static size_t fd_table_bytes;
static unsigned n_fd_slots;
static unsigned char *thread_table; /* n_thread_slots slots */
static size_t thread_table_bytes;
static unsigned n_thread_slots;
static size_t slot_size;
static unsigned track_frames;
static _Atomic unsigned fd_high;     /* 1 + highest fd number ever recorded */
static _Atomic unsigned thread_hint; /* where the next claim starts looking */
static _Atomic uint64_t lost;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* For origins_write (under the capture lock). */
static union {
    struct track_slot s;
    unsigned char bytes[sizeof(struct track_slot) + TRACK_MAX_FRAMES * sizeof(uintptr_t)];
} copy;
static uint8_t frame_bytes[TRACK_MAX_FRAMES * 10];

static __thread pid_t cached_tid __attribute__((tls_model("initial-exec")));

static pid_t self_tid(void)
{
    if (!cached_tid)
        cached_tid = ss_gettid();
    return cached_tid;
}

static struct track_slot *fd_slot(unsigned fd)
{
    return (struct track_slot *)(fd_table + (size_t)fd * slot_size);
}

static struct track_slot *thread_slot(unsigned i)
{
    return (struct track_slot *)(thread_table + (size_t)i * slot_size);
}

/* Make the sequence odd; 0 if another writer holds it (never waits long:
 * that writer may be the code this signal handler interrupted). */
static int slot_lock(struct track_slot *s)
{
    uint32_t q = atomic_load_explicit(&s->seq, memory_order_relaxed);
    for (int i = 0; i < LOCK_SPINS; i++) {
        if (!(q & 1) && atomic_compare_exchange_weak_explicit(
                            &s->seq, &q, q + 1, memory_order_acquire, memory_order_relaxed)) {
            atomic_thread_fence(memory_order_release);
            return 1;
        }
        __builtin_ia32_pause();
        q = atomic_load_explicit(&s->seq, memory_order_relaxed);
    }
    return 0;
}

static void slot_unlock(struct track_slot *s)
{
    atomic_fetch_add_explicit(&s->seq, 1, memory_order_release);
}

/* Copy slot `s` into `copy`; 0 when it kept changing. */
static int slot_read(const struct track_slot *s)
{
    for (int i = 0; i < READ_TRIES; i++) {
        uint32_t a = atomic_load_explicit(&((struct track_slot *)s)->seq, memory_order_acquire);
        if (a & 1)
            continue;
        memcpy(copy.bytes, (const void *)s, slot_size);
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&((struct track_slot *)s)->seq, memory_order_relaxed) == a)
            return 1;
    }
    return 0;
}

static uint64_t coarse_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void raise_high(unsigned fd)
{
    unsigned h = atomic_load_explicit(&fd_high, memory_order_relaxed);
    while (fd + 1 > h &&
           !atomic_compare_exchange_weak_explicit(&fd_high, &h, fd + 1, memory_order_relaxed,
                                                  memory_order_relaxed))
        ;
}

/* Fill a locked slot with the calling thread's stack and identity. */
static void fill(struct track_slot *s, const uintptr_t *frames, unsigned n, int truncated,
                 int call, uint64_t now)
{
    s->state = SLOT_RECORDED;
    s->call = (uint8_t)call;
    s->n_frames = (uint8_t)n;
    s->truncated = (uint8_t)truncated;
    s->creator = self_tid();
    s->time_ms = now;
    memcpy(s->frames, frames, n * sizeof(uintptr_t));
}

static void forget(struct track_slot *s)
{
    if (s->state == SLOT_FREE)
        return;
    if (slot_lock(s)) {
        s->state = SLOT_FREE;
        slot_unlock(s);
    }
}

void track_fd_created(int fd, int call, uintptr_t ra)
{
    uintptr_t frames[TRACK_MAX_FRAMES];
    int truncated;
    if (fd < 0 || !fd_table)
        return;
    if ((unsigned)fd >= n_fd_slots) {
        if (!bbx_busy)
            atomic_fetch_add_explicit(&lost, 1, memory_order_relaxed);
        return;
    }
    struct track_slot *s = fd_slot((unsigned)fd);
    if (bbx_busy) { /* bbx's own fd, or a signal handler inside a hook */
        forget(s);
        return;
    }
    bbx_busy++;
    unsigned n = track_stack_grab(ra, frames, track_frames, &truncated);
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
        atomic_fetch_add_explicit(&lost, 1, memory_order_relaxed);
    }
    bbx_busy--;
}

void track_fd_closed(int fd)
{
    if (fd >= 0 && fd_table && (unsigned)fd < n_fd_slots)
        forget(fd_slot((unsigned)fd));
}

void track_fd_range_closed(unsigned lo, unsigned hi)
{
    unsigned top = atomic_load_explicit(&fd_high, memory_order_relaxed);
    if (!fd_table)
        return;
    if (hi >= top)
        hi = top ? top - 1 : 0;
    for (unsigned fd = lo; fd <= hi && fd < top; fd++)
        forget(fd_slot(fd));
}

int track_thread_claim(void *(*start)(void *), uintptr_t ra)
{
    uintptr_t frames[TRACK_MAX_FRAMES];
    int truncated;
    if (!thread_table || bbx_busy)
        return -1;
    bbx_busy++;
    unsigned n = track_stack_grab(ra, frames, track_frames, &truncated);
    uint64_t now = coarse_ms();
    unsigned first = atomic_fetch_add_explicit(&thread_hint, 1, memory_order_relaxed);
    int got = -1;
    for (unsigned k = 0; k < n_thread_slots && got < 0; k++) {
        unsigned i = (first + k) % n_thread_slots;
        struct track_slot *s = thread_slot(i);
        if (s->state != SLOT_FREE || !slot_lock(s))
            continue;
        if (s->state == SLOT_FREE) {
            fill(s, frames, n, truncated, TRACK_PTHREAD_CREATE, now);
            s->id = 0;
            s->start = (uint64_t)(uintptr_t)start;
            got = (int)i;
        }
        slot_unlock(s);
    }
    if (got < 0)
        atomic_fetch_add_explicit(&lost, 1, memory_order_relaxed);
    bbx_busy--;
    return got;
}

void track_thread_started(int slot, pid_t tid)
{
    if (slot < 0 || !thread_table)
        return;
    struct track_slot *s = thread_slot((unsigned)slot);
    if (slot_lock(s)) {
        s->id = tid;
        slot_unlock(s);
    }
    track_thread_self = slot + 1;
}

void track_thread_release(int slot)
{
    if (slot < 0 || !thread_table || (unsigned)slot >= n_thread_slots)
        return;
    struct track_slot *s = thread_slot((unsigned)slot);
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
    if (fd_table) {
        unsigned top = atomic_load(&fd_high);
        for (unsigned fd = 0; fd < top; fd++) {
            struct track_slot *s = fd_slot(fd);
            uint32_t q = atomic_load(&s->seq);
            if (q & 1) {
                s->state = SLOT_FREE;
                atomic_store(&s->seq, q + 1);
            }
        }
    }
    if (thread_table) {
        for (unsigned i = 0; i < n_thread_slots; i++) {
            struct track_slot *s = thread_slot(i);
            if (s->state == SLOT_FREE && !(atomic_load(&s->seq) & 1))
                continue;
            if ((int)i + 1 == track_thread_self) {
                s->id = ss_gettid();
            } else {
                s->state = SLOT_FREE;
            }
            atomic_store(&s->seq, (atomic_load(&s->seq) + 1) & ~1u);
        }
    }
}

static void register_atfork(void)
{
    pthread_atfork(NULL, NULL, track_fork_child);
}

static void mark_unknown(void *ctx, int dirfd, uint64_t fd, const char *name)
{
    if ((int)fd == dirfd || fd >= n_fd_slots || ss_fd_is_reserved((int)fd))
        return;
    struct track_slot *s = fd_slot((unsigned)fd);
    if (slot_lock(s)) {
        s->state = SLOT_UNKNOWN;
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
    if (*table)
        munmap(*table, *bytes);
    void *p = mmap(NULL, want, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    *table = p == MAP_FAILED ? NULL : p;
    *bytes = *table ? want : 0;
    return *table ? 0 : BBX_ENOMEM;
}

int track_start(unsigned flags, unsigned frames)
{
    struct rlimit rl;
    char dirbuf[4096];
    flags &= BBX_TRACK_FD | BBX_TRACK_THREAD;
    if (!flags)
        return 0;
    atomic_store(&track_active, 0);
    track_frames = frames == 0 ? 32 : frames > TRACK_MAX_FRAMES ? TRACK_MAX_FRAMES : frames;
    slot_size = sizeof(struct track_slot) + track_frames * sizeof(uintptr_t);
    unsigned nfd = FD_TABLE_CAP;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY &&
        rl.rlim_max < FD_TABLE_CAP)
        nfd = rl.rlim_max < 64 ? 64 : (unsigned)rl.rlim_max;
    n_fd_slots = 0;
    n_thread_slots = 0;
    if (map_table(&fd_table, &fd_table_bytes, (size_t)nfd * slot_size) != 0 ||
        map_table(&thread_table, &thread_table_bytes,
                  (size_t)bbx_g.cfg.max_threads * slot_size) != 0)
        return BBX_ENOMEM;
    n_fd_slots = nfd;
    n_thread_slots = bbx_g.cfg.max_threads;
    atomic_store(&fd_high, 0);
    atomic_store(&lost, 0);
    track_thread_self = 0;
    track_stack_init();
    pthread_once(&atfork_once, register_atfork);
    if (flags & BBX_TRACK_FD)
        ss_for_each_numbered("/proc/self/fd", dirbuf, sizeof(dirbuf), mark_unknown, NULL);
    atomic_store(&track_active, flags);
    return 0;
}

void track_stop(void)
{
    atomic_store(&track_active, 0);
}

unsigned track_flags(void)
{
    return atomic_load(&track_active);
}

static void put_frames(snap_writer *w, const uintptr_t *pcs, unsigned n)
{
    size_t len = 0;
    uintptr_t prev = 0;
    for (unsigned i = 0; i < n; i++) {
        len += snap_varint_put(frame_bytes + len, snap_zigzag((int64_t)(pcs[i] - prev)));
        prev = pcs[i];
    }
    snap_put_bytes(w, SNAP_ORIG_FRAMES, frame_bytes, len);
}

/* Is the file open as fd still the one recorded in `copy`?  A raw close
 * (syscall(SYS_close), close_range by number) bypasses the hooks; when the
 * number then comes back through a call bbx does not see, the slot would
 * describe a file long closed.  Anonymous inodes (eventfd, timerfd,
 * signalfd, epoll, ...) share one inode, so among them a reuse by the same
 * kind is not seen. */
static int same_file(int fd)
{
    struct stat st;
    if (copy.s.state != SLOT_RECORDED)
        return 1;
    if (fstat(fd, &st) != 0)
        return 0;
    return (uint64_t)st.st_dev == copy.s.dev && (uint64_t)st.st_ino == copy.s.ino;
}

/* One ORIGIN record from `copy`. */
static void write_origin(snap_writer *w, unsigned resource, uint64_t id)
{
    const struct track_slot *s = &copy.s;
    snap_rec_begin(w, SNAP_REC_ORIGIN);
    snap_put_u64(w, SNAP_ORIG_RESOURCE, resource);
    snap_put_u64(w, SNAP_ORIG_ID, id);
    if (s->state == SLOT_UNKNOWN) {
        snap_put_u64(w, SNAP_ORIG_UNKNOWN, 1);
    } else {
        unsigned n = s->n_frames <= track_frames ? s->n_frames : track_frames;
        const char *call = s->call < TRACK_N_CALLS ? call_names[s->call] : "unknown";
        put_frames(w, s->frames, n);
        snap_put_u64(w, SNAP_ORIG_TIME_MS, s->time_ms);
        snap_put_u64(w, SNAP_ORIG_TID, (uint64_t)s->creator);
        snap_put_str(w, SNAP_ORIG_CALL, call);
        if (s->truncated)
            snap_put_u64(w, SNAP_ORIG_TRUNCATED, 1);
        if (resource == SNAP_ORIGIN_THREAD)
            snap_put_u64(w, SNAP_ORIG_START, s->start);
    }
    snap_rec_end(w);
}

unsigned origins_write(snap_writer *w, uint64_t *lost_out)
{
    unsigned flags = atomic_load(&track_active), n = 0;
    *lost_out = atomic_load(&lost);
    if (!flags)
        return 0;
    if (flags & BBX_TRACK_FD) {
        unsigned top = atomic_load(&fd_high);
        for (unsigned fd = 0; fd < top && fd < n_fd_slots; fd++) {
            if (fd_slot(fd)->state == SLOT_FREE || !slot_read(fd_slot(fd)) ||
                copy.s.state == SLOT_FREE)
                continue;
            if (syscall(SYS_fcntl, (int)fd, F_GETFD) < 0)
                continue; /* closed behind our back (a raw syscall) */
            if (!same_file((int)fd))
                copy.s.state = SLOT_UNKNOWN; /* reused behind our back */
            write_origin(w, SNAP_ORIGIN_FD, fd);
            n++;
        }
    }
    if (flags & BBX_TRACK_THREAD) {
        for (unsigned i = 0; i < n_thread_slots; i++) {
            if (thread_slot(i)->state == SLOT_FREE || !slot_read(thread_slot(i)) ||
                copy.s.state == SLOT_FREE || copy.s.id == 0)
                continue;
            write_origin(w, SNAP_ORIGIN_THREAD, (uint64_t)copy.s.id);
            n++;
        }
    }
    return n;
}
