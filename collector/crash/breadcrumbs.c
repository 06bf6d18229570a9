/*
 * breadcrumbs.c - the breadcrumb ring.
 *
 * Writers never block each other: a breadcrumb claims a slot with one atomic
 * increment and publishes it with a sequence number; the capture copies a
 * slot and keeps it only if its sequence did not move (a torn slot is
 * skipped, never printed half-written).  Everything here but bbx_log()'s
 * formatting is async-signal-safe.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "collector.h"
#include "sigsafe.h"
#include "snap_format.h"

#define CRUMB_TEXT 256

struct crumb {
    _Atomic uint64_t seq; /* index + 1 when published, 0 while written */
    uint64_t time_ms;
    uint32_t tid;
    char text[CRUMB_TEXT];
};

static struct crumb *ring;
static unsigned ring_n;
static _Atomic uint64_t ring_next;

int breadcrumbs_init(unsigned count)
{
    void *p = mmap(NULL, count * sizeof(struct crumb), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return BBX_ENOMEM;
    ring = p;
    ring_n = count;
    atomic_store(&ring_next, 0);
    return 0;
}

void breadcrumbs_release(void)
{
    struct crumb *r = ring;
    unsigned n = ring_n;
    ring = NULL;
    ring_n = 0;
    if (r)
        munmap(r, n * sizeof(struct crumb));
}

void bbx_log_raw(const char *msg)
{
    struct crumb *r = ring;
    if (!r || !msg || !atomic_load(&bbx_g.initialized))
        return;
    uint64_t i = atomic_fetch_add(&ring_next, 1);
    struct crumb *c = &r[i % ring_n];
    atomic_store(&c->seq, 0);
    c->time_ms = ss_real_ms();
    c->tid = (uint32_t)ss_gettid();
    ss_buf b = ss_buf_of(c->text, sizeof(c->text));
    ss_puts(&b, msg);
    atomic_store_explicit(&c->seq, i + 1, memory_order_release);
}

void bbx_log(const char *fmt, ...)
{
    char text[CRUMB_TEXT];
    va_list ap;
    if (!ring || !fmt)
        return;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    bbx_log_raw(text);
}

void breadcrumbs_write(snap_writer *w)
{
    uint64_t end = atomic_load(&ring_next);
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
