/*
 * snap_prefetch.c - snapshot files read ahead on worker threads, handed out
 * in list order (snap_prefetch.h).
 *
 * Each worker takes the next unread index under the mutex, reads that file
 * without it, and stores the result in the index's slot.  No worker starts
 * a file more than `window` places ahead of the consumer, which bounds the
 * memory however long the list is.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snap_prefetch.h"

#define WHY_LEN 256
#define MAX_WORKERS 4

struct slot {
    snap *s;
    char why[WHY_LEN];
    int ready;
};

struct snap_prefetch {
    char *const *files;
    size_t n;
    unsigned flags;
    struct slot *slots;       /* one per file */
    size_t next_to_read;      /* the next index a worker takes */
    size_t next_to_give;      /* the next index the consumer takes */
    size_t window;
    int stopping;
    pthread_mutex_t lock;
    pthread_cond_t ready;     /* a slot was filled */
    pthread_cond_t room;      /* the consumer took one, or stop */
    pthread_t threads[MAX_WORKERS];
    unsigned n_threads;
};

static void read_slot(snap_prefetch *p, size_t i, struct slot *out)
{
    out->why[0] = '\0';
    out->s = snap_read_file_flags(p->files[i], p->flags, out->why, sizeof(out->why));
    if (!out->s && !out->why[0])
        snprintf(out->why, sizeof(out->why), "unreadable");
}

static void *worker(void *arg)
{
    snap_prefetch *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->stopping && p->next_to_read < p->n &&
               p->next_to_read >= p->next_to_give + p->window)
            pthread_cond_wait(&p->room, &p->lock);
        if (p->stopping || p->next_to_read >= p->n)
            break;
        size_t i = p->next_to_read++;
        pthread_mutex_unlock(&p->lock);
        struct slot got;
        read_slot(p, i, &got);
        pthread_mutex_lock(&p->lock);
        p->slots[i] = got;
        p->slots[i].ready = 1;
        pthread_cond_broadcast(&p->ready);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

snap_prefetch *snap_prefetch_start(char *const *files, size_t n, unsigned flags,
                                   unsigned workers, unsigned window)
{
    snap_prefetch *p = calloc(1, sizeof(*p));
    if (!p || !(p->slots = calloc(n ? n : 1, sizeof(*p->slots)))) {
        free(p);
        return NULL;
    }
    if (workers == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        workers = cpus < 1 ? 1 : (unsigned)cpus;
    }
    if (workers > MAX_WORKERS)
        workers = MAX_WORKERS;
    p->files = files;
    p->n = n;
    p->flags = flags;
    p->window = window ? window : 2u * workers;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->ready, NULL);
    pthread_cond_init(&p->room, NULL);
    for (unsigned i = 0; i < workers && n > 1; i++) {
        if (pthread_create(&p->threads[p->n_threads], NULL, worker, p) != 0)
            break;
        p->n_threads++;
    }
    return p;
}

snap *snap_prefetch_next(snap_prefetch *p, char *why, size_t whylen)
{
    if (whylen)
        why[0] = '\0';
    if (p->next_to_give >= p->n)
        return NULL;
    size_t i = p->next_to_give;
    struct slot *sl = &p->slots[i];
    if (p->n_threads == 0) { /* no workers: read here */
        read_slot(p, i, sl);
        sl->ready = 1;
    }
    pthread_mutex_lock(&p->lock);
    while (!sl->ready)
        pthread_cond_wait(&p->ready, &p->lock);
    snap *s = sl->s;
    sl->s = NULL;
    p->next_to_give++;
    pthread_cond_broadcast(&p->room);
    pthread_mutex_unlock(&p->lock);
    if (!s && whylen)
        snprintf(why, whylen, "%s", sl->why);
    return s;
}

void snap_prefetch_stop(snap_prefetch *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stopping = 1;
    pthread_cond_broadcast(&p->room);
    pthread_mutex_unlock(&p->lock);
    for (unsigned i = 0; i < p->n_threads; i++)
        pthread_join(p->threads[i], NULL);
    for (size_t i = 0; i < p->n; i++)
        snap_free(p->slots[i].s);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->ready);
    pthread_cond_destroy(&p->room);
    free(p->slots);
    free(p);
}
