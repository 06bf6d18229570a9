/*
 * app_notes.h - what the program tells bbx to keep for the next snapshot:
 * the breadcrumb ring (bbx_log) and the annotation table (bbx_annotate).
 *
 * Written by the API (runtime/breadcrumbs.c, runtime/annotations.c), read
 * by the capture (crash/breadcrumbs_write.c, crash/annotations_write.c),
 * which never waits for a writer: every entry carries a sequence number,
 * and the capture keeps a copy only when the number was stable around it
 * (a torn entry is skipped, never written half).
 */
#ifndef BBX_APP_NOTES_H
#define BBX_APP_NOTES_H

#include <stdatomic.h>
#include <stdint.h>

#define CRUMB_TEXT 256

struct crumb {
    _Atomic uint64_t seq; /* index + 1 when published, 0 while written */
    uint64_t time_ms;
    uint32_t tid;
    char text[CRUMB_TEXT];
};

/* The ring: `crumb_ring_n` entries mapped by breadcrumbs_init(); entry
 * i % n holds breadcrumb i; `crumb_ring_next` is the next index. */
extern struct crumb *crumb_ring;
extern unsigned crumb_ring_n;
extern _Atomic uint64_t crumb_ring_next;

#define ANN_SLOTS 64

struct annotation {
    _Atomic uint32_t seq; /* odd while being written, 0 when free */
    int used;
    char key[64];
    char value[256];
};

extern struct annotation ann_table[ANN_SLOTS];

#endif
