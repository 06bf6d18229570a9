/*
 * leak_diff.c - matching the groups of two leak reports by signature and
 * classifying each as new, grown, unchanged or fixed (rules in leak_diff.h).
 */
#include <stdlib.h>
#include <string.h>

#include "leak_diff.h"

/* One group of either side, with its signature computed here. */
typedef struct diff_item {
    char *signature;
    const leak_group *group;
    int current;    /* 0: BASE, 1: CURRENT */
    int suppressed;
} diff_item;

static int by_signature(const void *a, const void *b)
{
    const diff_item *x = a, *y = b;
    int c = strcmp(x->signature, y->signature);
    return c ? c : x->current - y->current;
}

static int entry_order(const void *a, const void *b)
{
    const leak_diff_entry *x = a, *y = b;
    if (x->change != y->change)
        return (int)x->change - (int)y->change;
    uint64_t kx = 0, ky = 0; /* larger first */
    switch (x->change) {
    case LEAK_NEW:
        kx = x->current_count, ky = y->current_count;
        break;
    case LEAK_GROWN:
        kx = x->current_count - x->base_count, ky = y->current_count - y->base_count;
        break;
    case LEAK_FIXED:
        kx = x->base_count, ky = y->base_count;
        break;
    case LEAK_UNCHANGED:
        break;
    }
    if (kx != ky)
        return kx > ky ? -1 : 1;
    return strcmp(x->signature, y->signature);
}

static leak_change classify(uint64_t b, uint64_t c, unsigned tolerance_pct)
{
    if (b == 0)
        return c ? LEAK_NEW : LEAK_UNCHANGED;
    if (c == 0)
        return LEAK_FIXED;
    long double limit = (long double)b * (100.0L + tolerance_pct) / 100.0L;
    return (long double)c > limit ? LEAK_GROWN : LEAK_UNCHANGED;
}

static int add_items(diff_item *items, size_t *n, const leak_report *r, int current,
                     leak_suppressions *supp)
{
    for (size_t i = 0; r && i < r->n_leaks; i++) {
        diff_item *it = &items[(*n)++];
        it->group = &r->leaks[i];
        it->current = current;
        it->suppressed = leak_suppress_match(supp, it->group) != NULL;
        if (!(it->signature = leak_signature(it->group)))
            return -1;
    }
    return 0;
}

leak_diff *leak_diff_new(const leak_report *base, const leak_report *current,
                         leak_suppressions *supp, unsigned tolerance_pct)
{
    size_t total = (base ? base->n_leaks : 0) + (current ? current->n_leaks : 0), n = 0;
    diff_item *items = calloc(total ? total : 1, sizeof(*items));
    leak_diff *d = calloc(1, sizeof(*d));
    if (!items || !d ||
        !(d->entries = calloc(total ? total : 1, sizeof(*d->entries))) ||
        add_items(items, &n, base, 0, supp) < 0 || add_items(items, &n, current, 1, supp) < 0)
        goto fail;
    qsort(items, n, sizeof(*items), by_signature);
    for (size_t i = 0; i < n;) {
        size_t end = i;
        int any_suppressed = 0;
        leak_diff_entry e = { 0 };
        for (; end < n && strcmp(items[end].signature, items[i].signature) == 0; end++) {
            const diff_item *it = &items[end];
            if (it->suppressed) {
                any_suppressed = 1;
                continue;
            }
            if (it->current) {
                e.current_count += it->group->count;
                if (!e.current)
                    e.current = it->group;
            } else {
                e.base_count += it->group->count;
                if (!e.base)
                    e.base = it->group;
            }
        }
        d->n_suppressed += (size_t)any_suppressed;
        if (e.base || e.current) {
            e.signature = items[i].signature;
            items[i].signature = NULL; /* moved into the entry */
            e.change = classify(e.base_count, e.current_count, tolerance_pct);
            d->entries[d->n_entries++] = e;
            switch (e.change) {
            case LEAK_NEW: d->n_new++; break;
            case LEAK_GROWN: d->n_grown++; break;
            case LEAK_UNCHANGED: d->n_unchanged++; break;
            case LEAK_FIXED: d->n_fixed++; break;
            }
        }
        i = end;
    }
    qsort(d->entries, d->n_entries, sizeof(*d->entries), entry_order);
    for (size_t i = 0; i < n; i++)
        free(items[i].signature);
    free(items);
    return d;
fail:
    for (size_t i = 0; i < n; i++)
        free(items[i].signature);
    free(items);
    leak_diff_free(d);
    return NULL;
}

void leak_diff_free(leak_diff *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n_entries; i++)
        free(d->entries[i].signature);
    free(d->entries);
    free(d);
}

const char *leak_change_name(leak_change c)
{
    switch (c) {
    case LEAK_NEW: return "new";
    case LEAK_GROWN: return "grown";
    case LEAK_UNCHANGED: return "unchanged";
    case LEAK_FIXED: return "fixed";
    }
    return "?";
}
