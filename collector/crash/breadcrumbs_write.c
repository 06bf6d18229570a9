/*
 * breadcrumbs_write.c - the BREADCRUMB records, read from the breadcrumb
 * ring (app_notes.h) on the crash path.
 *
 * A slot is copied and kept only if its sequence did not move (a torn slot
 * is skipped, never printed half-written); writers (runtime/breadcrumbs.c)
 * are never waited for.  Async-signal-safe; callers hold the capture lock.
 */
#include <string.h>

#include "app_notes.h"
#include "collector.h"
#include "snap_format.h"

void breadcrumbs_write(snap_writer *w)
{
    struct crumb *ring = crumb_ring;
    unsigned ring_n = crumb_ring_n;
    uint64_t end = atomic_load(&crumb_ring_next);
    uint64_t i = end > ring_n ? end - ring_n : 0;
    struct crumb copy;
    if (redact_parts() & SNAP_REDACT_BREADCRUMBS)
        return;
    for (; ring && i < end; i++) {
        struct crumb *c = &ring[i % ring_n];
        if (atomic_load_explicit(&c->seq, memory_order_acquire) != i + 1)
            continue;
        memcpy(copy.text, c->text, sizeof(copy.text));
        copy.time_ms = c->time_ms;
        copy.tid = c->tid;
        if (atomic_load_explicit(&c->seq, memory_order_acquire) != i + 1)
            continue;
        copy.text[CRUMB_TEXT - 1] = '\0';
        snap_rec_begin(w, SNAP_REC_BREADCRUMB);
        snap_put_u64(w, SNAP_BC_TIME_MS, copy.time_ms);
        snap_put_u64(w, SNAP_BC_TID, copy.tid);
        snap_put_str(w, SNAP_BC_TEXT, copy.text);
        snap_rec_end(w);
    }
}
