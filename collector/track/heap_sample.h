/*
 * heap_sample.h - the sampling half of heap tracking (heap_sample.c), used
 * by the allocator hooks (heap_hooks.c).
 *
 * Each thread counts down the bytes it allocates (heap_countdown, initial-
 * exec TLS); the allocation that takes it to zero or below is handed to
 * heap_sample(), which records it and draws the next distance from an
 * exponential distribution with mean BBX_HEAP_SAMPLE.  A thread's first
 * allocation finds the countdown at 0 and draws its first distance there,
 * so no thread starts with a sample.  Frees ask heap_maybe_sampled() (one
 * load of a counting filter) before looking the address up.
 * Normal context only (the hooks), never the crash path.
 */
#ifndef BBX_HEAP_SAMPLE_H
#define BBX_HEAP_SAMPLE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "heap_table.h"

/* Bytes the calling thread may still allocate before its next sample. */
extern __thread int64_t heap_countdown __attribute__((tls_model("initial-exec")));

/* The counting filter: per hash bucket of addresses, how many sampled
 * allocations are live.  0: the address is certainly not sampled. */
#define HEAP_FILTER_BITS 12
extern _Atomic uint16_t *heap_filter;

static inline unsigned heap_addr_hash(uintptr_t p, unsigned bits)
{
    return (unsigned)(((p >> 4) * 0x9e3779b97f4a7c15ull) >> (64 - bits));
}

static inline int heap_maybe_sampled(const void *p)
{
    _Atomic uint16_t *f = heap_filter;
    return f && atomic_load_explicit(&f[heap_addr_hash((uintptr_t)p, HEAP_FILTER_BITS)],
                                     memory_order_relaxed) != 0;
}

/* p, n bytes (is_mmap: an anonymous mapping) took the countdown to zero:
 * draw the next distance, and record p with the stack above return address
 * ra unless the thread is inside bbx or already sampling. */
void heap_sample(void *p, size_t n, int is_mmap, uintptr_t ra);

/* What a live sample added to its stack, to take it back or put it back. */
struct heap_saved {
    unsigned stack;
    uint64_t bytes, objs;
};

/* p is about to be freed (or reallocated, or unmapped): forget it if it is
 * a live sample.  Returns 1 and fills *saved when it was. */
int heap_forget(const void *p, struct heap_saved *saved);
/* A realloc that failed: p is live again with what heap_forget() took. */
void heap_restore(const void *p, const struct heap_saved *saved);

/* Map the tables (first call) or empty them, with `frames` per stack. */
int heap_tables_start(uint64_t interval, unsigned frames);

#endif
