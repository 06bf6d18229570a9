/*
 * snap_model.h - builds the in-memory snapshot (snap_reader.h) one record
 * payload at a time.  Internal to the reader: snap_reader.c finds whole
 * records in the decompressed stream and hands each payload here.
 *
 * The builder owns the growth state of the snapshot's arrays; the snapshot
 * itself is the caller's (freed with snap_free()).  Every array is capped at
 * SNAP_READ_MAX_ITEMS entries, frames at SNAP_READ_MAX_FRAMES, registers at
 * SNAP_READ_MAX_REGS.  Not thread-safe; not async-signal-safe.
 */
#ifndef BBX_SNAP_MODEL_H
#define BBX_SNAP_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "snap_reader.h"

typedef struct snap_builder {
    snap *s;
    size_t cap_threads, cap_fds, cap_modules, cap_breadcrumbs;
    size_t cap_annotations, cap_rlimits, cap_origins, cap_children, cap_launches, cap_x11_types;
    size_t cap_heap_stacks, cap_env, cap_sandbox, cap_dri;
    int bad; /* the current record had a field that could not be decoded */
    unsigned flags; /* SNAP_READ_* */
} snap_builder;

/* Start building into `s` (zeroed by the caller). */
void snap_builder_init(snap_builder *b, snap *s);

/*
 * Decode one record payload of `type` (p[n], a whole record) into the
 * snapshot.  Unknown types are counted and skipped; the END record is not
 * handled here.  Returns 0, or -1 when memory ran out (the snapshot stays
 * consistent and can be freed).
 */
int snap_builder_add(snap_builder *b, uint64_t type, const uint8_t *p, size_t n);

/* Put the finishing touches (modules sorted by start address, origins by
 * resource and id). */
void snap_builder_finish(snap_builder *b);

#endif
