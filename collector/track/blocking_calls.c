/*
 * blocking_calls.c - the wrapped blocking calls (blocking_calls.h): each
 * marks the calling thread's call slot around the real call.  The capture's
 * side of the slots (find, ask, copy) is crash/call_slots.c.
 */
#include "blocking_calls.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/select.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "collector.h"
#include "sigsafe.h"
#include "track_hooks.h"

#define ASKED_WAIT_YIELDS 4000u

/* Store the caller's instruction pointer (the return address), its stack
 * pointer after the return, rbp, rbx and r12-r15: the state of the calling
 * function right after this call, from which its frame and the frames
 * above it unwind while it stays blocked below. */
__asm__(".text\n"
        ".globl bbx_calls_save\n"
        ".hidden bbx_calls_save\n"
        ".type bbx_calls_save,@function\n"
        "bbx_calls_save:\n"
        ".cfi_startproc\n"
        "    movq (%rsp), %rax\n"
        "    movq %rax, 0(%rdi)\n"
        "    leaq 8(%rsp), %rax\n"
        "    movq %rax, 8(%rdi)\n"
        "    movq %rbp, 16(%rdi)\n"
        "    movq %rbx, 24(%rdi)\n"
        "    movq %r12, 32(%rdi)\n"
        "    movq %r13, 40(%rdi)\n"
        "    movq %r14, 48(%rdi)\n"
        "    movq %r15, 56(%rdi)\n"
        "    ret\n"
        ".cfi_endproc\n"
        ".size bbx_calls_save, .-bbx_calls_save\n");

/* Every wrapper's slot for the real function, so calls_init() resolves
 * them all while it may: bbx's own threads (bbx_busy) never resolve, and
 * would otherwise get the fallback for good. */
struct real_entry {
    void *_Atomic *slot;
    const char *name;
};

extern const struct real_entry __start_bbx_calls_real[], __stop_bbx_calls_real[];

int calls_init(unsigned max_threads)
{
    for (const struct real_entry *e = __start_bbx_calls_real; e < __stop_bbx_calls_real; e++)
        track_real(e->slot, e->name);
    if (atomic_load(&calls_tab.slots))
        return 0;
    unsigned n = 64;
    while (n < 2 * max_threads)
        n *= 2;
    void *p = ss_map(n * sizeof(struct call_slot), 0);
    if (!p)
        return BBX_ENOMEM;
    calls_tab.cap = n;
    atomic_store(&calls_tab.slots, (struct call_slot *)p);
    return 0;
}

/* Slots stay mapped after bbx_shutdown(): a thread may be inside a wrapped
 * call with its slot in hand.  A later bbx_init() uses them again. */
void calls_release(void)
{
}

void calls_after_fork(void)
{
    atomic_fetch_add(&calls_tab.fork_gen, 1);
}

static struct call_slot *claim(struct call_slot *t, pid_t tid)
{
    pid_t self_pid = getpid();
    for (unsigned i = 0; i < CALLS_PROBES; i++) {
        struct call_slot *s = &t[(calls_slot_hash(tid) + i) & (calls_tab.cap - 1)];
        pid_t owner = atomic_load(&s->tid);
        if (owner != tid && owner != 0) {
            if (syscall(SYS_tgkill, self_pid, owner, 0) == 0 || errno != ESRCH)
                continue;
            /* its thread is gone: take it over */
        }
        if (owner == tid || atomic_compare_exchange_strong(&s->tid, &owner, tid)) {
            /* a fresh claim is never inside a call (a thread cancelled
             * inside one left its slot odd) */
            uint32_t seq = atomic_load(&s->seq);
            if (seq & 1)
                atomic_store(&s->seq, seq + 1);
            atomic_store(&s->asked, 0);
            if (owner != tid)
                atomic_store(&s->loop, 0); /* a new thread: no progress yet */
            return s;
        }
    }
    return NULL;
}

static struct call_slot *own_slot(int create)
{
    struct call_slot *t = atomic_load(&calls_tab.slots);
    unsigned gen = atomic_load_explicit(&calls_tab.fork_gen, memory_order_relaxed);
    if (!t)
        return NULL;
    if (calls_my_slot && calls_my_gen == gen)
        return calls_my_slot;
    if (!create)
        return NULL;
    calls_my_slot = claim(t, ss_gettid());
    calls_my_gen = gen;
    return calls_my_slot;
}

static void wait_unasked(struct call_slot *s)
{
    /* The capture's signal is on its way: it is delivered when this thread
     * next leaves the kernel, and its handler clears `asked`. */
    for (unsigned i = 0; atomic_load(&s->asked) && i < ASKED_WAIT_YIELDS; i++)
        sched_yield();
}

struct call_slot *calls_enter(const uint64_t regs[CALL_REGS], const char *name)
{
    if (!atomic_load_explicit(&bbx_g.initialized, memory_order_relaxed) || bbx_busy)
        return NULL;
    int saved_errno = errno;
    struct call_slot *s = own_slot(1);
    if (!s || (atomic_load(&s->seq) & 1)) { /* none, or nested in a handler */
        errno = saved_errno;
        return NULL;
    }
    wait_unasked(s);
    memcpy(s->regs, regs, sizeof(s->regs));
    s->call = name;
    uint32_t seq = atomic_load_explicit(&s->seq, memory_order_relaxed);
    for (unsigned tries = 0;; tries++) {
        atomic_store(&s->seq, ++seq); /* odd: in the call (a full fence) */
        if (!atomic_load(&s->asked) || tries == 8)
            break;
        /* a capture decided to signal us before it saw the mark */
        atomic_store(&s->seq, ++seq);
        wait_unasked(s);
    }
    errno = saved_errno;
    return s;
}

void calls_leave(struct call_slot *s)
{
    /* only this thread writes seq: no read-modify-write needed */
    if (s)
        atomic_store_explicit(&s->seq, atomic_load_explicit(&s->seq, memory_order_relaxed) + 1,
                              memory_order_release);
}

/* ---- the wrappers.  Each saves its own state, marks the slot, calls the
 * real function (the raw system call while it cannot be resolved), and
 * unmarks. */

#define WRAP_KIND(loop, ret, name, params, args, fallback)                      \
    TRACK_REAL(name);                                                           \
    static const struct real_entry resolve_##name                               \
        __attribute__((used, section("bbx_calls_real"), aligned(sizeof(void *)))) = \
            { &real_##name, #name };                                            \
    BBX_API ret name params                                                     \
    {                                                                           \
        uint64_t regs_[CALL_REGS];                                              \
        bbx_calls_save(regs_);                                                  \
        struct call_slot *s_ = calls_enter(regs_, #name);                        \
        if ((loop) && s_)                                                       \
            loop_step(s_, 1);                                                   \
        __typeof__(&name) f_ = TRACK_RESOLVE(name);                             \
        ret r_ = f_ ? f_ args : (fallback);                                     \
        if ((loop) && s_)                                                       \
            loop_step(s_, 1);                                                   \
        calls_leave(s_);                                                         \
        return r_;                                                              \
    }
/* A blocking call, and an event-loop wait (the hang watchdog's mark). */
#define WRAP(...) WRAP_KIND(0, __VA_ARGS__)
#define WRAP_LOOP(...) WRAP_KIND(1, __VA_ARGS__)

/* Only the owning thread writes `loop`: a plain load and store, no locked
 * instruction (bench/: the cost per poll). */
static inline void loop_step(struct call_slot *s, uint32_t by)
{
    atomic_store_explicit(&s->loop, atomic_load_explicit(&s->loop, memory_order_relaxed) + by,
                          memory_order_release);
}

void calls_heartbeat(void)
{
    if (!atomic_load_explicit(&bbx_g.initialized, memory_order_relaxed) || bbx_busy)
        return;
    int saved_errno = errno;
    struct call_slot *s = own_slot(1);
    if (s)
        loop_step(s, 2);
    errno = saved_errno;
}

static long no_fallback(void)
{
    errno = ENOSYS;
    return -1;
}

__thread uint64_t bbx_poll_deadline_us __attribute__((tls_model("initial-exec")));

/* poll()'s timeout, cut at bbx_poll_deadline_us on bbx's own threads. */
static inline int poll_timeout(int timeout)
{
    if (!bbx_busy || !bbx_poll_deadline_us)
        return timeout;
    uint64_t now = ss_mono_us();
    uint64_t left = bbx_poll_deadline_us > now ? (bbx_poll_deadline_us - now + 999) / 1000 : 0;
    return timeout < 0 || (uint64_t)timeout > left ? (int)left : timeout;
}

WRAP_LOOP(int, poll, (struct pollfd *fds, nfds_t n, int timeout),
     (fds, n, poll_timeout(timeout)), (int)syscall(SYS_poll, fds, n, poll_timeout(timeout)))
WRAP_LOOP(int, ppoll,
     (struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *mask),
     (fds, n, ts, mask), (int)syscall(SYS_ppoll, fds, n, ts, mask, _NSIG / 8))
WRAP_LOOP(int, select, (int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv),
     (n, r, w, e, tv), (int)syscall(SYS_select, n, r, w, e, tv))
WRAP_LOOP(int, pselect,
     (int n, fd_set *r, fd_set *w, fd_set *e, const struct timespec *ts, const sigset_t *mask),
     (n, r, w, e, ts, mask), (int)no_fallback())
WRAP_LOOP(int, epoll_wait, (int epfd, struct epoll_event *ev, int max, int timeout),
     (epfd, ev, max, timeout), (int)syscall(SYS_epoll_wait, epfd, ev, max, timeout))
WRAP_LOOP(int, epoll_pwait,
     (int epfd, struct epoll_event *ev, int max, int timeout, const sigset_t *mask),
     (epfd, ev, max, timeout, mask),
     (int)syscall(SYS_epoll_pwait, epfd, ev, max, timeout, mask, _NSIG / 8))
WRAP_LOOP(int, epoll_pwait2,
     (int epfd, struct epoll_event *ev, int max, const struct timespec *ts,
      const sigset_t *mask),
     (epfd, ev, max, ts, mask), (int)no_fallback())
WRAP(int, nanosleep, (const struct timespec *req, struct timespec *rem), (req, rem),
     (int)syscall(SYS_nanosleep, req, rem))
WRAP(int, clock_nanosleep,
     (clockid_t clock, int flags, const struct timespec *req, struct timespec *rem),
     (clock, flags, req, rem), (int)no_fallback())
WRAP(int, usleep, (useconds_t us), (us), (int)no_fallback())
WRAP(unsigned, sleep, (unsigned s), (s), (unsigned)no_fallback())
WRAP(int, pause, (void), (), (int)syscall(SYS_pause))
WRAP(int, sigsuspend, (const sigset_t *mask), (mask),
     (int)syscall(SYS_rt_sigsuspend, mask, _NSIG / 8))
WRAP(int, sigtimedwait, (const sigset_t *set, siginfo_t *info, const struct timespec *ts),
     (set, info, ts), (int)syscall(SYS_rt_sigtimedwait, set, info, ts, _NSIG / 8))
WRAP(int, sigwaitinfo, (const sigset_t *set, siginfo_t *info), (set, info),
     (int)syscall(SYS_rt_sigtimedwait, set, info, NULL, _NSIG / 8))
WRAP(ssize_t, msgrcv, (int id, void *msg, size_t size, long type, int flags),
     (id, msg, size, type, flags), (ssize_t)syscall(SYS_msgrcv, id, msg, size, type, flags))
WRAP(int, msgsnd, (int id, const void *msg, size_t size, int flags), (id, msg, size, flags),
     (int)syscall(SYS_msgsnd, id, msg, size, flags))
WRAP(int, semop, (int id, struct sembuf *ops, size_t n), (id, ops, n),
     (int)syscall(SYS_semop, id, ops, n))
WRAP(int, semtimedop, (int id, struct sembuf *ops, size_t n, const struct timespec *ts),
     (id, ops, n, ts), (int)syscall(SYS_semtimedop, id, ops, n, ts))
WRAP(int, sem_timedwait, (sem_t *sem, const struct timespec *at), (sem, at),
     (int)no_fallback())
WRAP(int, sem_clockwait, (sem_t *sem, clockid_t clock, const struct timespec *at),
     (sem, clock, at), (int)no_fallback())

/* Reads and writes block on pipes, sockets and terminals; with a socket
 * timeout (SO_RCVTIMEO, SO_SNDTIMEO) a signal makes them fail with EINTR,
 * and a signal in the middle of a large pipe write cuts it short. */
WRAP(ssize_t, read, (int fd, void *buf, size_t n), (fd, buf, n),
     (ssize_t)syscall(SYS_read, fd, buf, n))
WRAP(ssize_t, readv, (int fd, const struct iovec *iov, int n), (fd, iov, n),
     (ssize_t)syscall(SYS_readv, fd, iov, n))
WRAP(ssize_t, write, (int fd, const void *buf, size_t n), (fd, buf, n),
     (ssize_t)syscall(SYS_write, fd, buf, n))
WRAP(ssize_t, writev, (int fd, const struct iovec *iov, int n), (fd, iov, n),
     (ssize_t)syscall(SYS_writev, fd, iov, n))
WRAP(ssize_t, recv, (int fd, void *buf, size_t n, int flags), (fd, buf, n, flags),
     (ssize_t)syscall(SYS_recvfrom, fd, buf, n, flags, NULL, NULL))
WRAP(ssize_t, recvfrom,
     (int fd, void *buf, size_t n, int flags, struct sockaddr *restrict from,
      socklen_t *restrict len),
     (fd, buf, n, flags, from, len), (ssize_t)syscall(SYS_recvfrom, fd, buf, n, flags, from, len))
WRAP(ssize_t, send, (int fd, const void *buf, size_t n, int flags), (fd, buf, n, flags),
     (ssize_t)syscall(SYS_sendto, fd, buf, n, flags, NULL, 0))
WRAP(ssize_t, sendto,
     (int fd, const void *buf, size_t n, int flags, const struct sockaddr *to, socklen_t len),
     (fd, buf, n, flags, to, len), (ssize_t)syscall(SYS_sendto, fd, buf, n, flags, to, len))
WRAP(int, connect, (int fd, const struct sockaddr *addr, socklen_t len), (fd, addr, len),
     (int)syscall(SYS_connect, fd, addr, len))
