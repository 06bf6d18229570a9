/*
 * heap_write.c - the HEAP and HEAP_STACK records: sampled heap tracking's
 * totals and one record per allocating stack with samples, copied from the
 * tables the allocator hooks keep (heap_table.h).
 *
 * Only reads: atomics and memory mapped at init, no lock, no allocation;
 * a stack is complete before its first sample is counted, so an entry with
 * samples is written whole.  Async-signal-safe; callers hold the capture
 * lock.  Totals are the sums over the stacks written, taken in a first
 * pass; the second writes at most as many stacks as the first counted.
 */
#include "collector.h"
#include "heap_table.h"
#include "snap_format.h"
#include "track_table.h"

struct heap_sums {
    uint64_t samples, live_samples, alloc_bytes, alloc_objs, live_bytes, live_objs;
    unsigned stacks;
};

#define LOAD(x) atomic_load_explicit(&(x), memory_order_relaxed)

static uint64_t objects(uint64_t fixed)
{
    return (fixed + HEAP_OBJ_ONE / 2) / HEAP_OBJ_ONE;
}

static unsigned stacks_claimed(void)
{
    unsigned n = atomic_load_explicit(&heap_tab.n_stacks, memory_order_acquire);
    return n < heap_tab.max_stacks ? n : heap_tab.max_stacks;
}

static void sum(struct heap_sums *t)
{
    unsigned n = stacks_claimed();
    for (unsigned i = 0; i < n; i++) {
        struct heap_stack *s = heap_stack_at(i);
        uint64_t samples = atomic_load_explicit(&s->samples, memory_order_acquire);
        if (!samples)
            continue;
        t->samples += samples;
        t->live_samples += LOAD(s->live_samples);
        t->alloc_bytes += LOAD(s->alloc_bytes);
        t->alloc_objs += LOAD(s->alloc_objs);
        t->live_bytes += LOAD(s->live_bytes);
        t->live_objs += LOAD(s->live_objs);
        t->stacks++;
    }
}

static void write_stack(snap_writer *w, unsigned i, struct heap_stack *s, uint64_t samples)
{
    unsigned nf = s->n_frames <= heap_tab.frames ? s->n_frames : heap_tab.frames;
    snap_rec_begin(w, SNAP_REC_HEAP_STACK);
    snap_put_u64(w, SNAP_HSTK_ID, (uint64_t)i + 1);
    track_put_frames(w, SNAP_HSTK_FRAMES, s->frames, nf);
    snap_put_u64(w, SNAP_HSTK_LIVE_BYTES, LOAD(s->live_bytes));
    snap_put_u64(w, SNAP_HSTK_LIVE_OBJECTS, objects(LOAD(s->live_objs)));
    snap_put_u64(w, SNAP_HSTK_ALLOC_BYTES, LOAD(s->alloc_bytes));
    snap_put_u64(w, SNAP_HSTK_ALLOC_OBJECTS, objects(LOAD(s->alloc_objs)));
    snap_put_u64(w, SNAP_HSTK_LIVE_SAMPLES, LOAD(s->live_samples));
    snap_put_u64(w, SNAP_HSTK_SAMPLES, samples);
    if (s->truncated)
        snap_put_u64(w, SNAP_HSTK_TRUNCATED, 1);
    if (s->mmap)
        snap_put_u64(w, SNAP_HSTK_MMAP, 1);
    snap_rec_end(w);
}

unsigned heap_write(snap_writer *w)
{
    struct heap_sums t = { 0 };
    if (!(atomic_load(&track_active) & BBX_TRACK_HEAP) || !heap_tab.stacks)
        return 0;
    sum(&t);
    snap_rec_begin(w, SNAP_REC_HEAP);
    snap_put_u64(w, SNAP_HEAP_INTERVAL, heap_tab.interval);
    snap_put_u64(w, SNAP_HEAP_SAMPLES, t.samples);
    snap_put_u64(w, SNAP_HEAP_LIVE_SAMPLES, t.live_samples);
    snap_put_u64(w, SNAP_HEAP_ALLOC_BYTES, t.alloc_bytes);
    snap_put_u64(w, SNAP_HEAP_ALLOC_OBJECTS, objects(t.alloc_objs));
    snap_put_u64(w, SNAP_HEAP_LIVE_BYTES, t.live_bytes);
    snap_put_u64(w, SNAP_HEAP_LIVE_OBJECTS, objects(t.live_objs));
    snap_put_u64(w, SNAP_HEAP_LOST, atomic_load(&heap_tab.lost));
    snap_put_u64(w, SNAP_HEAP_START_MS, heap_tab.start_ms);
    snap_put_u64(w, SNAP_HEAP_STACKS, t.stacks);
    snap_rec_end(w);
    unsigned n = stacks_claimed(), written = 0;
    for (unsigned i = 0; i < n && written < t.stacks; i++) {
        struct heap_stack *s = heap_stack_at(i);
        uint64_t samples = atomic_load_explicit(&s->samples, memory_order_acquire);
        if (!samples)
            continue;
        write_stack(w, i, s, samples);
        written++;
    }
    return written;
}
