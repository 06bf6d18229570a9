/*
 * heap_table.h - sampled heap tracking's tables (BBX_TRACK=heap), written by
 * the allocator hooks (track/heap_hooks.c through track/heap_sample.c) and
 * read by the capture (crash/heap_write.c: the HEAP and HEAP_STACK records).
 *
 * Stacks: an append-only array of allocating stacks (a stack's index + 1 is
 * its HEAP_STACK ID, stable for the life of the process), found through a
 * hash index.  An entry is filled before the index publishes it and never
 * changes afterwards except for its counters, which are atomics: the
 * capture copies what it finds, with no lock and no retry.  Counters only
 * grow, except the live ones, which the free of a sampled allocation
 * lowers by exactly what its sample added.  alloc is raised before live,
 * samples before live_samples, so a reader never sees live above alloc.
 *
 * Estimates are kept in fixed point: objects in 1/HEAP_OBJ_ONE units (a
 * small sampled allocation stands for hundreds of thousands), bytes whole.
 */
#ifndef BBX_HEAP_TABLE_H
#define BBX_HEAP_TABLE_H

#include <stdatomic.h>
#include <stdint.h>
#include <stddef.h>

#define HEAP_OBJ_ONE 65536u /* fixed-point unit of the object estimates */

struct heap_stack {
    _Atomic uint64_t samples;      /* sampled allocations since start */
    _Atomic uint64_t live_samples; /* of those, not freed */
    _Atomic uint64_t alloc_bytes;  /* estimates since start */
    _Atomic uint64_t alloc_objs;   /* HEAP_OBJ_ONE units */
    _Atomic uint64_t live_bytes;   /* estimates, live */
    _Atomic uint64_t live_objs;    /* HEAP_OBJ_ONE units */
    uint64_t hash;
    uint8_t n_frames;
    uint8_t truncated;
    uint8_t mmap;                  /* anonymous mmap, not malloc */
    uintptr_t frames[];            /* heap_tab.frames of them: return
                                      addresses, the caller of malloc first */
};

struct heap_tables {
    unsigned char *stacks;         /* max_stacks entries of stack_size bytes */
    size_t stacks_bytes;
    size_t stack_size;
    unsigned max_stacks;
    _Atomic unsigned n_stacks;     /* entries claimed (may pass max_stacks) */
    unsigned frames;               /* frames per entry */
    uint64_t interval;             /* mean bytes between samples */
    uint64_t start_ms;             /* Unix ms tracking started */
    _Atomic uint64_t lost;         /* samples a full table could not hold */
};
extern struct heap_tables heap_tab;

static inline struct heap_stack *heap_stack_at(unsigned i)
{
    return (struct heap_stack *)(heap_tab.stacks + (size_t)i * heap_tab.stack_size);
}

#endif
