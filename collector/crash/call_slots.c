/*
 * call_slots.c - the capture's side of the call slots (blocking_calls.h):
 * find a thread's slot, ask it before signalling, copy the registers saved
 * by a thread inside a wrapped call.  The wrappers that fill the slots are
 * track/blocking_calls.c.  Async-signal-safe: atomics and the slot table
 * reserved at init.
 */
#include <string.h>

#include "blocking_calls.h"

struct call_table calls_tab = { .fork_gen = 1 };
__thread struct call_slot *calls_my_slot __attribute__((tls_model("initial-exec")));
__thread unsigned calls_my_gen __attribute__((tls_model("initial-exec")));

struct call_slot *calls_find(pid_t tid)
{
    struct call_slot *t = atomic_load(&calls_tab.slots);
    if (!t)
        return NULL;
    for (unsigned i = 0; i < CALLS_PROBES; i++) {
        struct call_slot *s = &t[(calls_slot_hash(tid) + i) & (calls_tab.cap - 1)];
        if (atomic_load(&s->tid) == tid)
            return s;
    }
    return NULL;
}

int calls_ask(struct call_slot *s)
{
    atomic_store(&s->asked, 1);
    if (atomic_load(&s->seq) & 1) {
        atomic_store(&s->asked, 0);
        return 0;
    }
    return 1;
}

void calls_unask(struct call_slot *s)
{
    atomic_store(&s->asked, 0);
}

void calls_answered_self(void)
{
    struct call_slot *s = calls_my_slot;
    if (s && calls_my_gen == atomic_load_explicit(&calls_tab.fork_gen, memory_order_relaxed) &&
        atomic_load(&calls_tab.slots))
        atomic_store(&s->asked, 0);
}

uint32_t calls_copy(struct call_slot *s, uint64_t regs[CALL_REGS], const char **call)
{
    uint32_t seq = atomic_load(&s->seq);
    if (!(seq & 1))
        return 0;
    memcpy(regs, s->regs, sizeof(s->regs));
    *call = s->call;
    return atomic_load(&s->seq) == seq ? seq : 0;
}

int calls_unchanged(struct call_slot *s, uint32_t seq)
{
    return atomic_load(&s->seq) == seq;
}
