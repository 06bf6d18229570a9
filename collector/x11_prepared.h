/*
 * x11_prepared.h - the X resources of this process, prepared off the crash
 * path for every snapshot to write (the X11_RESOURCES record).
 *
 * runtime/x11_resources.c asks the X server (X-Resource extension, through
 * bbx's own connection, on the collector thread) and publishes the values
 * here; crash/x11_write.c copies the last published values and writes
 * them with their age.  Two slots under sequence counters (prepared.h).
 * Only one publisher at a time (the collector thread, or the exiting
 * thread once the collector has stopped).
 */
#ifndef BBX_X11_PREPARED_H
#define BBX_X11_PREPARED_H

#include <stdatomic.h>
#include <stdint.h>

#include "prepared.h"
#include "snap_writer.h"

#define X11_MAX_TYPES 48
#define X11_NAME_MAX 40

struct x11_type_count {
    char name[X11_NAME_MAX];  /* the type's atom name, NUL-terminated */
    uint32_t count;
};

struct x11_values {
    uint64_t taken_us;        /* monotonic time of the query; 0: never */
    uint64_t query_us;        /* how long it took */
    uint64_t pixmap_bytes;
    uint32_t clients;         /* X clients of this process, bbx's excluded */
    uint32_t stale;           /* SNAP_X11_STALE_* of the last refresh, 0 fine */
    uint32_t n_types;
    struct x11_type_count types[X11_MAX_TYPES];
    char display[64];
};

struct x11_prepared {
    struct prep_seq seq;
    struct x11_values slot[2];
};

extern struct x11_prepared x11_prep;

/* crash/x11_write.c: the X11_RESOURCES record of the last published values
 * (nothing when none).  Async-signal-safe. */
void x11_write(snap_writer *w);

/* crash/x11_write.c: publish *v (the publisher only).  Async-signal-safe. */
void x11_publish(const struct x11_values *v);
/* Mark the published values stale (why: SNAP_X11_STALE_*). */
void x11_mark_stale(uint32_t why);
/* Forget everything published (after fork, shutdown). */
void x11_unpublish(void);

#endif
