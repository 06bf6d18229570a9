/*
 * annotations.c - the annotation table: key/value pairs in every snapshot,
 * set by bbx_annotate() (not async-signal-safe: it takes a mutex and formats
 * with snprintf).  The capture reads the table: crash/annotations_write.c.
 *
 * Each slot carries a sequence number, odd while it is being written; the
 * capture copies a slot and keeps it only if the number was even and did not
 * move.  Writers (bbx_annotate) share a mutex that the capture never takes.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "app_notes.h"
#include "collector.h"

struct annotation ann_table[ANN_SLOTS];
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
        struct annotation *a = &ann_table[i];
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
        if (ann_table[i].used)
            ann_set(&ann_table[i], ann_table[i].key, NULL);
    pthread_mutex_unlock(&ann_lock);
}
