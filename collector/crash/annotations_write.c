/*
 * annotations_write.c - the ANNOTATION records, read from the annotation
 * table (app_notes.h) on the crash path.
 *
 * Each slot is copied and kept only if its sequence number was even and
 * did not move; the writers' mutex (runtime/annotations.c) is never taken.
 * Async-signal-safe; callers hold the capture lock.
 */
#include <string.h>

#include "app_notes.h"
#include "collector.h"
#include "snap_format.h"

void annotations_write(snap_writer *w)
{
    char key[64], value[256];
    if (redact_parts() & SNAP_REDACT_ANNOTATIONS)
        return;
    for (int i = 0; i < ANN_SLOTS; i++) {
        struct annotation *a = &ann_table[i];
        uint32_t s = atomic_load_explicit(&a->seq, memory_order_acquire);
        if ((s & 1) || !a->used)
            continue;
        memcpy(key, a->key, sizeof(key));
        memcpy(value, a->value, sizeof(value));
        if (atomic_load_explicit(&a->seq, memory_order_acquire) != s)
            continue;
        key[sizeof(key) - 1] = value[sizeof(value) - 1] = '\0';
        snap_rec_begin(w, SNAP_REC_ANNOTATION);
        snap_put_str(w, SNAP_ANN_KEY, key);
        snap_put_bytes(w, SNAP_ANN_VALUE, value, strlen(value));
        snap_rec_end(w);
    }
}
