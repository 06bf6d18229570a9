/*
 * breadcrumbs.c - the breadcrumb ring, written by bbx_log() and bbx_log_raw().
 *
 * Writers never block each other: a breadcrumb claims a slot with one atomic
 * increment and publishes it with a sequence number; the capture copies a
 * slot and keeps it only if its sequence did not move (a torn slot is
 * skipped, never printed half-written): crash/breadcrumbs_write.c reads it.
 * Everything here but bbx_log()'s formatting is async-signal-safe.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "app_notes.h"
#include "collector.h"
#include "sigsafe.h"

struct crumb *crumb_ring;
unsigned crumb_ring_n;
_Atomic uint64_t crumb_ring_next;

int breadcrumbs_init(unsigned count)
{
    void *p = ss_map(count * sizeof(struct crumb), 0);
    if (!p)
        return BBX_ENOMEM;
    crumb_ring = p;
    crumb_ring_n = count;
    atomic_store(&crumb_ring_next, 0);
    return 0;
}

void breadcrumbs_release(void)
{
    struct crumb *r = crumb_ring;
    unsigned n = crumb_ring_n;
    crumb_ring = NULL;
    crumb_ring_n = 0;
    ss_unmap(r, n * sizeof(struct crumb));
}

void bbx_log_raw(const char *msg)
{
    struct crumb *r = crumb_ring;
    if (!r || !msg || !atomic_load(&bbx_g.initialized))
        return;
    uint64_t i = atomic_fetch_add(&crumb_ring_next, 1);
    struct crumb *c = &r[i % crumb_ring_n];
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
    if (!crumb_ring || !fmt)
        return;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    bbx_log_raw(text);
}
