/*
 * prepared.h - values prepared off the crash path and published for every
 * snapshot to write (X11_RESOURCES: x11_prepared.h, MEMORY: mem_prepared.h).
 *
 * Two slots under sequence counters: the publisher fills the slot not being
 * read and then flips `current`; a reader copies a slot and retries (a few
 * times) when its counter moved meanwhile.  One publisher at a time (its
 * owner says how that is ensured); any number of readers, in signal
 * handlers too.  The slots themselves are the owner's (an array of two
 * values of `size` bytes).  Both calls are async-signal-safe.
 */
#ifndef BBX_PREPARED_H
#define BBX_PREPARED_H

#include <stdatomic.h>
#include <stddef.h>

struct prep_seq {
    _Atomic int current;      /* the slot to read; -1: nothing published */
    _Atomic unsigned seq[2];  /* odd while that slot is being written */
};

#define PREP_SEQ_INIT { .current = -1 }

/* Copy the published slot of slots[2] (each `size` bytes) into *out:
 * 0, or -1 when nothing is published or no consistent copy came. */
int prep_read(struct prep_seq *p, const void *slots, size_t size, void *out);

/* Publish *v into the slot not being read, then make it the current one. */
void prep_publish(struct prep_seq *p, void *slots, size_t size, const void *v);

/* Forget what was published (after fork, shutdown). */
void prep_unpublish(struct prep_seq *p);

#endif
