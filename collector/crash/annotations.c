/*
 * annotations.c - the annotation table: key/value pairs in every snapshot.
 *
 * Each slot carries a sequence number, odd while it is being written; the
 * capture copies a slot and keeps it only if the number was even and did not
 * move.  Writers (bbx_annotate) share a mutex that the capture never takes.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "collector.h"
#include "snap_format.h"

#define ANN_SLOTS 64

struct annotation {
    _Atomic uint32_t seq; /* odd while being written, 0 when free */
    int used;
    char key[64];
    char value[256];
};

static struct annotation ann[ANN_SLOTS];
static pthread_mutex_t ann_lock = PTHREAD_MUTEX_INITIALIZER;

static void ann_set(struct annotation *a, const char *key, const char *value)
{
    atomic_fetch_add(&a->seq, 1); /* odd: torn */
    a->used = value != NULL;
    if (key != a->key)
        snprintf(a->key, sizeof(a->key), "%s", key);
    snprintf(a->value, sizeof(a->value), "%s", value ? value : "");
    atomic_fetch_add(&a->seq, 1);
}

int bbx_annotate(const char *key, const char *value)
{
    struct annotation *free_slot = NULL;
    int rc = BBX_EINVAL;
    if (!atomic_load(&bbx_g.initialized))
        return BBX_ENOTINIT;
    if (!key || !*key)
        return BBX_EINVAL;
    pthread_mutex_lock(&ann_lock);
    for (int i = 0; i < ANN_SLOTS; i++) {
        struct annotation *a = &ann[i];
        if (a->used && strncmp(a->key, key, sizeof(a->key) - 1) == 0) {
            ann_set(a, key, value);
            rc = 0;
            goto out;
        }
        if (!a->used && !free_slot)
            free_slot = a;
    }
    if (!value) {
        rc = 0;
    } else if (free_slot) {
        ann_set(free_slot, key, value);
        rc = 0;
    }
out:
    pthread_mutex_unlock(&ann_lock);
    return rc;
}

void annotations_clear(void)
{
    pthread_mutex_lock(&ann_lock);
    for (int i = 0; i < ANN_SLOTS; i++)
        if (ann[i].used)
            ann_set(&ann[i], ann[i].key, NULL);
    pthread_mutex_unlock(&ann_lock);
}

void annotations_write(snap_writer *w)
{
    char key[64], value[256];
    if (redact_parts() & SNAP_REDACT_ANNOTATIONS)
        return;
    for (int i = 0; i < ANN_SLOTS; i++) {
        struct annotation *a = &ann[i];
        uint32_t s = atomic_load_explicit(&a->seq, memory_order_acquire);
        if ((s & 1) || !a->used)
            continue;
        memcpy(key, a->key, sizeof(key));
        memcpy(value, a->value, sizeof(value));
        if (atomic_load_explicit(&a->seq, memory_order_acquire) != s)
            continue;
        key[sizeof(key) - 1] = value[sizeof(value) - 1] = '\0';
        snap_rec_begin(w, SNAP_REC_ANNOTATION);
        snap_put_str(w, SNAP_ANN_KEY, key);
        snap_put_bytes(w, SNAP_ANN_VALUE, value, strlen(value));
        snap_rec_end(w);
    }
}
