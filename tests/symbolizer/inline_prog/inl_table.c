/*
 * inl_table.c - an open-addressing hash table and two sorts, with probing,
 * comparing and swapping as inline helpers.
 */
#include <stdlib.h>
#include <string.h>

#include "inl_common.h"

typedef struct entry {
    uint32_t key;
    uint32_t value;
    uint8_t used, removed;
} entry;

typedef struct table {
    entry *slots;
    size_t cap, n;
} table;

static inline size_t slot_of(const table *t, uint32_t key)
{
    return inl_avalanche(key) & (t->cap - 1);
}

INL_ALWAYS size_t probe_next(const table *t, size_t i, size_t step)
{
    return (i + step) & (t->cap - 1);
}

static inline entry *find_slot(table *t, uint32_t key, int for_insert)
{
    size_t i = slot_of(t, key);
    entry *tomb = NULL;
    for (size_t step = 1; step <= t->cap; step++) {
        entry *e = &t->slots[i];
        if (!e->used)
            return for_insert && tomb ? tomb : e;
        if (e->removed) {
            if (!tomb)
                tomb = e;
        } else if (e->key == key) {
            return e;
        }
        i = probe_next(t, i, step);
    }
    return tomb;
}

static inline int table_grow(table *t)
{
    size_t cap = t->cap ? t->cap * 2 : 16;
    entry *old = t->slots;
    size_t old_cap = t->cap;
    entry *slots = calloc(cap, sizeof(*slots));
    if (!slots)
        return -1;
    t->slots = slots;
    t->cap = cap;
    t->n = 0;
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i].used && !old[i].removed) {
            entry *e = find_slot(t, old[i].key, 1);
            *e = old[i];
            t->n++;
        }
    }
    free(old);
    return 0;
}

static inline int table_put(table *t, uint32_t key, uint32_t value)
{
    if ((t->n + 1) * 4 >= t->cap * 3 && table_grow(t) < 0)
        return -1;
    entry *e = find_slot(t, key, 1);
    if (!e)
        return -1;
    if (!e->used || e->removed)
        t->n++;
    e->key = key;
    e->value = value;
    e->used = 1;
    e->removed = 0;
    return 0;
}

static inline const entry *table_get(table *t, uint32_t key)
{
    if (!t->cap)
        return NULL;
    entry *e = find_slot(t, key, 0);
    return e && e->used && !e->removed ? e : NULL;
}

static inline int table_remove(table *t, uint32_t key)
{
    entry *e = t->cap ? find_slot(t, key, 0) : NULL;
    if (!e || !e->used || e->removed)
        return 0;
    e->removed = 1;
    t->n--;
    return 1;
}

INL_ALWAYS void swap_u32(uint32_t *a, uint32_t *b)
{
    uint32_t t = *a;
    *a = *b;
    *b = t;
}

INL_ALWAYS int less_by_hash(uint32_t a, uint32_t b)
{
    uint32_t ha = inl_avalanche(a), hb = inl_avalanche(b);
    return ha < hb || (ha == hb && a < b);
}

static inline void insertion_sort(uint32_t *v, size_t n)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && less_by_hash(v[j], v[j - 1]); j--)
            swap_u32(&v[j], &v[j - 1]);
}

static inline size_t partition(uint32_t *v, size_t n)
{
    size_t mid = n / 2;
    if (less_by_hash(v[mid], v[0]))
        swap_u32(&v[mid], &v[0]);
    if (less_by_hash(v[n - 1], v[0]))
        swap_u32(&v[n - 1], &v[0]);
    if (less_by_hash(v[n - 1], v[mid]))
        swap_u32(&v[n - 1], &v[mid]);
    uint32_t pivot = v[mid];
    size_t i = 0, j = n - 1;
    for (;;) {
        while (less_by_hash(v[i], pivot))
            i++;
        while (less_by_hash(pivot, v[j]))
            j--;
        if (i >= j)
            return j + 1;
        swap_u32(&v[i], &v[j]);
        i++;
        j--;
    }
}

INL_NEVER static void quick_sort(uint32_t *v, size_t n)
{
    while (n > 16) {
        size_t p = partition(v, n);
        if (p < n - p) {
            quick_sort(v, p);
            v += p;
            n -= p;
        } else {
            quick_sort(v + p, n - p);
            n = p;
        }
    }
    insertion_sort(v, n);
}

static inline int is_sorted(const uint32_t *v, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (less_by_hash(v[i], v[i - 1]))
            return 0;
    return 1;
}

uint64_t INL_PUBLIC(inl_table_run)(unsigned n, uint32_t seed)
{
    table t = { NULL, 0, 0 };
    uint32_t *keys = malloc((n ? n : 1) * sizeof(*keys));
    uint64_t out = 0;
    if (!keys)
        return 0;
    for (unsigned i = 0; i < n; i++) {
        keys[i] = inl_hash_step(seed, i);
        if (table_put(&t, keys[i], i) < 0)
            break;
    }
    for (unsigned i = 0; i < n; i += 3)
        out += (uint64_t)table_remove(&t, keys[i]);
    for (unsigned i = 0; i < n; i++) {
        const entry *e = table_get(&t, keys[i]);
        out = out * 3 + (e ? e->value : 0);
    }
    quick_sort(keys, n);
    out += (uint64_t)is_sorted(keys, n) << 40;
    out ^= inl_hash_bytes(keys, n * sizeof(*keys), seed);
    free(t.slots);
    free(keys);
    return out;
}
