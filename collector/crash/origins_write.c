/*
 * origins_write.c - the ORIGIN records: the creation stack, thread, time and
 * call of every live fd and thread in tracking mode's tables
 * (track_table.h), read on the crash path.
 *
 * The hooks write the tables (track/track_table.c); this only reads them:
 * each slot is copied and kept when its sequence did not move (seqlock),
 * with atomics, the reserved copy below and raw system calls.
 * Async-signal-safe; callers hold the capture lock.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "collector.h"
#include "snap_format.h"
#include "track_table.h"

#define READ_TRIES 4

const char *const track_call_names[TRACK_N_CALLS] = {
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

/* The slot being written out (under the capture lock). */
static union {
    struct track_slot s;
    unsigned char bytes[sizeof(struct track_slot) + TRACK_MAX_FRAMES * sizeof(uintptr_t)];
} copy;
static uint8_t frame_bytes[TRACK_MAX_FRAMES * 10];

int track_seq_copy(void *dst, const void *src, size_t n)
{
    _Atomic uint32_t *seq = (_Atomic uint32_t *)src;
    for (int i = 0; i < READ_TRIES; i++) {
        uint32_t a = atomic_load_explicit(seq, memory_order_acquire);
        if (a & 1)
            continue;
        memcpy(dst, src, n);
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(seq, memory_order_relaxed) == a)
            return 1;
    }
    return 0;
}

/* Copy slot `s` into `copy`; 0 when it kept changing. */
static int slot_read(const struct track_slot *s)
{
    return track_seq_copy(copy.bytes, s, track_tab.slot_size);
}

unsigned track_flags(void)
{
    return atomic_load(&track_active);
}

void track_put_frames(snap_writer *w, unsigned field, const uintptr_t *pcs, unsigned n)
{
    size_t len = 0;
    uintptr_t prev = 0;
    if (n > TRACK_MAX_FRAMES)
        n = TRACK_MAX_FRAMES;
    for (unsigned i = 0; i < n; i++) {
        len += snap_varint_put(frame_bytes + len, snap_zigzag((int64_t)(pcs[i] - prev)));
        prev = pcs[i];
    }
    snap_put_bytes(w, field, frame_bytes, len);
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
    if (copy.s.state != TRACK_SLOT_RECORDED)
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
    if (s->state == TRACK_SLOT_UNKNOWN) {
        snap_put_u64(w, SNAP_ORIG_UNKNOWN, 1);
    } else {
        unsigned n = s->n_frames <= track_tab.frames ? s->n_frames : track_tab.frames;
        const char *call = s->call < TRACK_N_CALLS ? track_call_names[s->call] : "unknown";
        track_put_frames(w, SNAP_ORIG_FRAMES, s->frames, n);
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
    *lost_out = atomic_load(&track_tab.lost);
    if (!flags)
        return 0;
    if (flags & BBX_TRACK_FD) {
        unsigned top = atomic_load(&track_tab.fd_high);
        for (unsigned fd = 0; fd < top && fd < track_tab.n_fd_slots; fd++) {
            if (track_fd_slot(fd)->state == TRACK_SLOT_FREE || !slot_read(track_fd_slot(fd)) ||
                copy.s.state == TRACK_SLOT_FREE)
                continue;
            if (syscall(SYS_fcntl, (int)fd, F_GETFD) < 0)
                continue; /* closed behind our back (a raw syscall) */
            if (!same_file((int)fd))
                copy.s.state = TRACK_SLOT_UNKNOWN; /* reused behind our back */
            write_origin(w, SNAP_ORIGIN_FD, fd);
            n++;
        }
    }
    if (flags & BBX_TRACK_THREAD) {
        for (unsigned i = 0; i < track_tab.n_thread_slots; i++) {
            if (track_thread_slot(i)->state == TRACK_SLOT_FREE || !slot_read(track_thread_slot(i)) ||
                copy.s.state == TRACK_SLOT_FREE || copy.s.id == 0)
                continue;
            write_origin(w, SNAP_ORIGIN_THREAD, (uint64_t)copy.s.id);
            n++;
        }
    }
    return n;
}
