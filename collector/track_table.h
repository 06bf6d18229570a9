/*
 * track_table.h - tracking mode's tables, shared by the interposed calls
 * (track/track_fd_hooks.c, track_stdio_hooks.c, thread_hooks.c, which write
 * them through track/track_table.c) and the capture, which only reads them
 * (crash/origins_write.c).
 *
 * The fd table has one slot per fd number; the thread table a fixed number
 * of slots.  Every slot is a seqlock: writers make its sequence odd with a
 * compare-and-swap, fill it, and make it even again; readers copy and check
 * the sequence did not move.  No lock is ever waited for: a writer that
 * finds a slot busy gives up (the creation counts as lost), so every
 * function here is async-signal-safe and safe from any thread.
 *
 * Hooks check track_active first (one relaxed load and a predictable
 * branch) and do nothing else when tracking is off.
 */
#ifndef BBX_TRACK_TABLE_H
#define BBX_TRACK_TABLE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "collector.h"

/* The calls that create fds and threads: the CALL field of ORIGIN. */
enum track_call {
    TRACK_UNKNOWN, /* existed before tracking started */
    TRACK_OPEN, TRACK_OPEN64, TRACK_OPENAT, TRACK_OPENAT64, TRACK_CREAT, TRACK_CREAT64,
    TRACK_SOCKET, TRACK_SOCKETPAIR, TRACK_ACCEPT, TRACK_ACCEPT4, TRACK_PIPE, TRACK_PIPE2,
    TRACK_DUP, TRACK_DUP2, TRACK_DUP3, TRACK_FCNTL, TRACK_EVENTFD, TRACK_TIMERFD_CREATE,
    TRACK_SIGNALFD, TRACK_EPOLL_CREATE, TRACK_EPOLL_CREATE1, TRACK_INOTIFY_INIT,
    TRACK_INOTIFY_INIT1, TRACK_MEMFD_CREATE, TRACK_POSIX_OPENPT, TRACK_PIDFD_OPEN,
    TRACK_FOPEN, TRACK_FOPEN64, TRACK_FREOPEN, TRACK_FREOPEN64, TRACK_OPENDIR,
    TRACK_TMPFILE, TRACK_TMPFILE64, TRACK_MKSTEMP, TRACK_MKSTEMP64, TRACK_MKOSTEMP,
    TRACK_MKOSTEMP64, TRACK_MKSTEMPS, TRACK_MKSTEMPS64, TRACK_MKOSTEMPS, TRACK_MKOSTEMPS64,
    TRACK_POPEN, TRACK_PTHREAD_CREATE, TRACK_RECVMSG, TRACK_RECVMMSG,
    TRACK_N_CALLS
};

/* The active BBX_TRACK_* flags; 0 when tracking is off. */
extern _Atomic unsigned track_active;

static inline int track_fds_on(void)
{
    return __builtin_expect((atomic_load_explicit(&track_active, memory_order_relaxed) &
                             BBX_TRACK_FD) != 0, 0);
}

static inline int track_threads_on(void)
{
    return __builtin_expect((atomic_load_explicit(&track_active, memory_order_relaxed) &
                             BBX_TRACK_THREAD) != 0, 0);
}

/* The seqlock of a slot (here and in launch_table.h): make the sequence
 * odd, 0 when another writer holds it after a short spin (never waits
 * long: that writer may be the code a signal handler interrupted); then
 * even again. */
int track_seq_lock(_Atomic uint32_t *seq);
void track_seq_unlock(_Atomic uint32_t *seq);
/* Copy n bytes of a slot whose sequence is at src (its first field) into
 * dst; 0 when it kept changing.  Async-signal-safe (the capture). */
int track_seq_copy(void *dst, const void *src, size_t n);

/* The real function `name` of the next object in lookup order, resolved
 * once into *slot.  Returns NULL while it cannot be resolved: inside bbx
 * (bbx_busy: the crash path never calls dlsym) and when dlsym itself calls
 * the hook; callers then fall back to the raw system call. */
void *track_resolve(void *_Atomic *slot, const char *name);

static inline void *track_real(void *_Atomic *slot, const char *name)
{
    void *f = atomic_load_explicit(slot, memory_order_acquire);
    return __builtin_expect(f != NULL, 1) ? f : track_resolve(slot, name);
}

/* `fd` was created by `call`, called from return address `ra`: record the
 * calling stack (from ra outwards), thread and time, and the open file's
 * identity (st_dev, st_ino), replacing what the slot held.  Inside bbx
 * (bbx_busy) it only forgets the slot.  origins_write() writes an fd whose
 * file is no longer the one recorded (closed by a raw system call and the
 * number reused, by a call bbx does not interpose) as of unknown origin. */
void track_fd_created(int fd, int call, uintptr_t ra);
/* `fd` is about to be closed: forget its slot (before the real close, so
 * that a concurrent open reusing the number is not wiped). */
void track_fd_closed(int fd);
/* Forget fds lo..hi (inclusive; hi may be ~0u). */
void track_fd_range_closed(unsigned lo, unsigned hi);

/* Claim a thread slot for a thread about to be created by the caller (ra:
 * the return address in the caller of pthread_create).  Returns the slot
 * or -1 (table full: counted as lost). */
int track_thread_claim(void *(*start)(void *), uintptr_t ra);
/* The new thread runs: its tid goes into the slot. */
void track_thread_started(int slot, pid_t tid);
/* The thread ended (called by the thread itself), or was never created
 * (called by its creator before it ran).  A slot that has since gone to
 * another thread (tracking restarted meanwhile) is left alone. */
void track_thread_release(int slot);
/* The calling thread's slot + 1 (0: not tracked).  In a fork child the
 * table keeps only this one, with the child's tid. */
extern __thread int track_thread_self __attribute__((tls_model("initial-exec")));


/* ---- the tables themselves: written by the hooks (track/track_table.c),
 * read by the capture (crash/origins_write.c). ---- */

/* Largest creation stack a slot holds. */
#define TRACK_MAX_FRAMES 128u

struct track_slot {
    _Atomic uint32_t seq;      /* odd while written */
    uint8_t state;             /* enum track_slot_state */
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

enum track_slot_state { TRACK_SLOT_FREE, TRACK_SLOT_RECORDED, TRACK_SLOT_UNKNOWN };


struct track_tables {
    unsigned char *fd_table;     /* n_fd_slots slots, indexed by fd number */
    size_t fd_table_bytes;
    unsigned n_fd_slots;
    unsigned char *thread_table; /* n_thread_slots slots */
    size_t thread_table_bytes;
    unsigned n_thread_slots;
    size_t slot_size;
    unsigned frames;             /* frames per slot */
    _Atomic unsigned fd_high;     /* 1 + highest fd number ever recorded */
    _Atomic unsigned thread_hint; /* where the next claim starts looking */
    _Atomic uint64_t lost;        /* creations that could not be recorded */
};
extern struct track_tables track_tab;

static inline struct track_slot *track_fd_slot(unsigned fd)
{
    return (struct track_slot *)(track_tab.fd_table + (size_t)fd * track_tab.slot_size);
}

static inline struct track_slot *track_thread_slot(unsigned i)
{
    return (struct track_slot *)(track_tab.thread_table + (size_t)i * track_tab.slot_size);
}

/* A stack of return addresses as a FRAMES field (delta varints, as
 * THREAD's): ORIGIN's and HEAP_STACK's.  Async-signal-safe; callers hold
 * the capture lock (crash/origins_write.c). */
void track_put_frames(snap_writer *w, unsigned field, const uintptr_t *pcs, unsigned n);

/* The names of enum track_call, for the CALL field (crash/origins_write.c). */
extern const char *const track_call_names[TRACK_N_CALLS];

#endif
