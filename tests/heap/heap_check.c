/*
 * heap_check.c - reads one snapshot (snap_read_file) and checks its HEAP
 * and HEAP_STACK records for consistency.
 *
 *   heap_check FILE INTERVAL [LO HI LIVE]
 * Checks: the HEAP record is there with INTERVAL; live samples <= samples
 * and live <= allocated, for the totals and every stack; the totals are
 * the sums of the stacks; STACKS says how many were written; each stack
 * has frames and a unique ID; CAPTURE TRACKING has the heap bit.  With LO
 * HI LIVE: the stacks with a frame in [LO, HI) hold LIVE bytes within 20%.
 *   heap_check --print FILE
 * Prints "interval N samples N live_samples N stacks N lost N" (or "none").
 * Exit: 0 every check passed, 1 one failed (each failure a line on stdout),
 * 2 usage or an unreadable file.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snap_format.h"
#include "snap_reader.h"

static int failures;

static void fail(const char *what, uint64_t a, uint64_t b)
{
    printf("FAIL %s (%" PRIu64 " vs %" PRIu64 ")\n", what, a, b);
    failures++;
}

static int has_frame_in(const snap_heap_stack *k, uint64_t lo, uint64_t hi)
{
    for (size_t i = 0; i < k->n_frames; i++)
        if (k->frames[i] >= lo && k->frames[i] < hi)
            return 1;
    return 0;
}

static void check_stacks(const snap_heap *h)
{
    uint64_t samples = 0, live_samples = 0, live = 0, alloc = 0;
    if (h->n_stacks == 0)
        fail("no HEAP_STACK records", 0, 0);
    if (h->stacks_written != h->n_stacks)
        fail("HEAP STACKS differs from the records read", h->stacks_written, h->n_stacks);
    for (size_t i = 0; i < h->n_stacks; i++) {
        const snap_heap_stack *k = &h->stacks[i];
        if (k->live_samples > k->samples)
            fail("a stack has more live samples than samples", k->live_samples, k->samples);
        if (k->live_bytes > k->alloc_bytes)
            fail("a stack has more live bytes than allocated", k->live_bytes, k->alloc_bytes);
        if (k->samples == 0 || k->n_frames == 0 || k->id == 0)
            fail("a stack without samples, frames or ID", k->samples, k->n_frames);
        for (size_t j = 0; j < i; j++)
            if (h->stacks[j].id == k->id)
                fail("two stacks with one ID", k->id, j);
        samples += k->samples;
        live_samples += k->live_samples;
        live += k->live_bytes;
        alloc += k->alloc_bytes;
    }
    if (samples != h->samples || live_samples != h->live_samples)
        fail("HEAP samples are not the stacks' sum", h->samples, samples);
    if (live != h->live_bytes || alloc != h->alloc_bytes)
        fail("HEAP bytes are not the stacks' sum", h->live_bytes, live);
}

static void check_site(const snap_heap *h, uint64_t lo, uint64_t hi, uint64_t truth)
{
    uint64_t live = 0;
    for (size_t i = 0; i < h->n_stacks; i++)
        if (has_frame_in(&h->stacks[i], lo, hi))
            live += h->stacks[i].live_bytes;
    printf("site live %" PRIu64 " estimated, %" PRIu64 " true\n", live, truth);
    if (live < truth - truth / 5 || live > truth + truth / 5)
        fail("the known site's live bytes are not within 20% of the truth", live, truth);
}

int main(int argc, char **argv)
{
    char err[256];
    int print = argc == 3 && strcmp(argv[1], "--print") == 0;
    if (!print && argc != 3 && argc != 6) {
        fprintf(stderr, "usage: heap_check FILE INTERVAL [LO HI LIVE] | --print FILE\n");
        return 2;
    }
    snap *s = snap_read_file(argv[print ? 2 : 1], err, sizeof(err));
    if (!s) {
        fprintf(stderr, "heap_check: %s: %s\n", argv[print ? 2 : 1], err);
        return 2;
    }
    const snap_heap *h = &s->heap;
    if (print) {
        if (!h->present)
            printf("none\n");
        else
            printf("interval %" PRIu64 " samples %" PRIu64 " live_samples %" PRIu64
                   " stacks %zu lost %" PRIu64 "\n", h->interval, h->samples, h->live_samples,
                   h->n_stacks, h->lost);
        snap_free(s);
        return 0;
    }
    if (!h->present) {
        fail("no HEAP record", 0, 0);
    } else {
        if (h->interval != strtoull(argv[2], NULL, 0))
            fail("HEAP INTERVAL", h->interval, strtoull(argv[2], NULL, 0));
        if (h->live_samples > h->samples)
            fail("more live samples than samples", h->live_samples, h->samples);
        if (h->live_bytes > h->alloc_bytes || h->live_objects > h->alloc_objects)
            fail("more live than allocated", h->live_bytes, h->alloc_bytes);
        if (!(s->capture.tracking & 4u))
            fail("CAPTURE TRACKING without the heap bit", s->capture.tracking, 4);
        check_stacks(h);
        if (argc == 6)
            check_site(h, strtoull(argv[3], NULL, 0), strtoull(argv[4], NULL, 0),
                       strtoull(argv[5], NULL, 0));
        printf("heap: %" PRIu64 " samples, %" PRIu64 " live, %zu stacks, %" PRIu64 " lost\n",
               h->samples, h->live_samples, h->n_stacks, h->lost);
    }
    snap_free(s);
    return failures ? 1 : 0;
}
