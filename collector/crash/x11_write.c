/*
 * x11_write.c - the X11_RESOURCES record from the values the collector
 * thread prepared (x11_prepared.h).  Nothing here talks to the X server:
 * a crash, or any snapshot, only copies the last published values under
 * their sequence counter and writes them with their age.  Async-signal-safe.
 */
#include <string.h>

#include "sigsafe.h"
#include "snap_codec.h"
#include "snap_format.h"
#include "x11_prepared.h"

struct x11_prepared x11_prep = { .seq = PREP_SEQ_INIT };

/* A consistent copy of the published slot into *out; 0, or -1 when none. */
static int x11_read(struct x11_values *out)
{
    if (prep_read(&x11_prep.seq, x11_prep.slot, sizeof(*out), out) != 0)
        return -1;
    return out->taken_us ? 0 : -1;
}

void x11_write(snap_writer *w)
{
    struct x11_values v;
    if (x11_read(&v) != 0)
        return;
    uint64_t now = ss_mono_us();
    snap_rec_begin(w, SNAP_REC_X11_RESOURCES);
    size_t dl = strnlen(v.display, sizeof(v.display));
    if (dl)
        snap_put_bytes(w, SNAP_X11_DISPLAY, v.display, dl);
    snap_put_u64(w, SNAP_X11_AGE_MS, now > v.taken_us ? (now - v.taken_us) / 1000 : 0);
    snap_put_u64(w, SNAP_X11_CLIENTS, v.clients);
    for (uint32_t i = 0; i < v.n_types && i < X11_MAX_TYPES; i++) {
        uint8_t buf[10 + X11_NAME_MAX];
        size_t n = snap_varint_put(buf, v.types[i].count);
        size_t nl = strnlen(v.types[i].name, X11_NAME_MAX);
        memcpy(buf + n, v.types[i].name, nl);
        snap_put_bytes(w, SNAP_X11_TYPE, buf, n + nl);
    }
    snap_put_u64(w, SNAP_X11_PIXMAP_BYTES, v.pixmap_bytes);
    snap_put_u64(w, SNAP_X11_QUERY_US, v.query_us);
    if (v.stale)
        snap_put_u64(w, SNAP_X11_STALE, v.stale);
    snap_rec_end(w);
}

void x11_publish(const struct x11_values *v)
{
    prep_publish(&x11_prep.seq, x11_prep.slot, sizeof(*v), v);
}

void x11_mark_stale(uint32_t why)
{
    struct x11_values v;
    if (x11_read(&v) != 0)
        return;
    v.stale = why;
    x11_publish(&v);
}

void x11_unpublish(void)
{
    prep_unpublish(&x11_prep.seq);
}
