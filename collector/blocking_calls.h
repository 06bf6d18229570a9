/*
 * blocking_calls.h - the program's blocking calls, wrapped so that a
 * snapshot never interrupts them.
 *
 * A thread signal that arrives while a thread waits in poll(), select(),
 * epoll_wait(), nanosleep(), sigtimedwait(), msgrcv() and friends makes the
 * call fail with EINTR (SA_RESTART does not restart these).  So libbbx
 * interposes them: on the way in, the wrapper saves its own stack and
 * instruction pointers and callee-saved registers in the thread's call slot
 * and marks the thread "in a call"; a capture never signals such a thread
 * and unwinds it from the saved registers instead (SNAP_METHOD_CALL).  A
 * capture that has decided to signal a thread marks the slot "asked" first;
 * a wrapper entered meanwhile waits (boundedly) for that signal to be
 * handled before it blocks, so the signal cannot interrupt the call.
 * Async-signal-safe, all of it (the slots are reserved at init).
 */
#ifndef BBX_BLOCKING_CALLS_H
#define BBX_BLOCKING_CALLS_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

/* rip, rsp, rbp, rbx, r12, r13, r14, r15 at the save point. */
#define CALL_REGS 8

struct call_slot {
    _Atomic pid_t tid;       /* owner, 0 when free */
    _Atomic uint32_t seq;    /* odd while inside a wrapped call */
    _Atomic uint32_t asked;  /* a capture is signalling this thread */
    const char *call;        /* name of the wrapped call */
    uint64_t regs[CALL_REGS];
    /* The hang watchdog's view of the thread (hang_watch.h): bumped on the
     * way into and out of an event-loop wait (poll, ppoll, select, pselect,
     * epoll_wait, epoll_pwait, epoll_pwait2), so odd while inside one, and
     * by 2 on bbx_heartbeat().  Only the owner writes it. */
    _Atomic uint32_t loop;
};

/* The slot table, reserved by calls_init() (track/blocking_calls.c), an
 * open-addressing hash by tid; read by the capture (crash/call_slots.c). */
struct call_table {
    struct call_slot *_Atomic slots;
    unsigned cap;                 /* power of two */
    _Atomic unsigned fork_gen;    /* a slot claimed before the last fork is stale */
};
extern struct call_table calls_tab;
/* The calling thread's slot, valid while calls_my_gen == calls_tab.fork_gen. */
extern __thread struct call_slot *calls_my_slot __attribute__((tls_model("initial-exec")));
extern __thread unsigned calls_my_gen __attribute__((tls_model("initial-exec")));

#define CALLS_PROBES 16u
static inline unsigned calls_slot_hash(pid_t tid)
{
    return ((uint32_t)tid * 2654435761u) & (calls_tab.cap - 1);
}

/* For wrappers elsewhere (the tracking hooks of accept, recvmsg, ...):
 *   uint64_t regs[CALL_REGS];
 *   bbx_calls_save(regs);                    in the exported function itself
 *   struct call_slot *s = calls_enter(regs, "accept");
 *   ... the real call ...
 *   calls_leave(s);
 * calls_enter() keeps errno; both accept NULL. */
void bbx_calls_save(uint64_t regs[CALL_REGS]);
struct call_slot *calls_enter(const uint64_t regs[CALL_REGS], const char *name);
void calls_leave(struct call_slot *s);

/* bbx_heartbeat(): the calling thread made progress (its slot's `loop`
 * moves on by 2, claiming a slot if it has none). */
void calls_heartbeat(void);

/* Reserve the slots (init). */
int calls_init(unsigned max_threads);
void calls_release(void);
/* In a forked child: every thread's slot belongs to the parent. */
void calls_after_fork(void);

/* The slot of thread `tid`, or NULL when it never made a wrapped call. */
struct call_slot *calls_find(pid_t tid);
/* A capture wants to signal the slot's thread: 1 when it may (the thread
 * is not inside a wrapped call and will wait for the signal before it
 * enters one), 0 when it is inside one (unwind it from the slot instead). */
int calls_ask(struct call_slot *s);
/* The signal was handled, or will not be sent: let the thread go on. */
void calls_unask(struct call_slot *s);
/* Called by the thread-signal handler of the asked thread itself. */
void calls_answered_self(void);
/* Copy the saved registers of a thread inside a wrapped call; returns the
 * sequence number to check with calls_unchanged(), 0 when not in a call. */
uint32_t calls_copy(struct call_slot *s, uint64_t regs[CALL_REGS], const char **call);
/* 1 when the thread is still in the same call as when copied. */
int calls_unchanged(struct call_slot *s, uint32_t seq);

/* On bbx's own threads (bbx_busy) only: a monotonic deadline (ss_mono_us)
 * that every poll() the thread makes is cut at (0: none).  bbx's X
 * connection (runtime/x11_resources.c) sets it around its requests, so a
 * library that waits with poll(-1) (libxcb) returns at the deadline. */
extern __thread uint64_t bbx_poll_deadline_us __attribute__((tls_model("initial-exec")));

#endif
