/*
 * prepared.c - the two-slot sequence counters of prepared values
 * (prepared.h).  Async-signal-safe: atomics and memcpy only.
 */
#include <string.h>

#include "prepared.h"

int prep_read(struct prep_seq *p, const void *slots, size_t size, void *out)
{
    for (int tries = 0; tries < 4; tries++) {
        int cur = atomic_load(&p->current);
        if (cur < 0)
            return -1;
        unsigned s1 = atomic_load(&p->seq[cur]);
        if (s1 & 1)
            continue;
        memcpy(out, (const char *)slots + (size_t)cur * size, size);
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load(&p->seq[cur]) == s1)
            return 0;
    }
    return -1;
}

void prep_publish(struct prep_seq *p, void *slots, size_t size, const void *v)
{
    int cur = atomic_load(&p->current);
    int next = cur == 0 ? 1 : 0;
    atomic_fetch_add(&p->seq[next], 1); /* odd: being written */
    atomic_thread_fence(memory_order_release);
    memcpy((char *)slots + (size_t)next * size, v, size);
    atomic_fetch_add(&p->seq[next], 1);
    atomic_store(&p->current, next);
}

void prep_unpublish(struct prep_seq *p)
{
    atomic_store(&p->current, -1);
}
