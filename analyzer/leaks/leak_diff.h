/*
 * leak_diff.h - compares two leak reports group by group, matched by
 * signature (leak_signature(): survives rebuilds), after dropping the
 * groups a suppression file names.  What `bbx diff` prints.
 *
 * Per signature, with B and C the counts in BASE and CURRENT (groups of
 * one report with the same signature are added together; 0 when absent):
 *   new        B = 0 and C > 0
 *   fixed      B > 0 and C = 0
 *   grown      C > B * (100 + tolerance) / 100, B > 0
 *   unchanged  everything else (also fewer than before)
 *
 * Ownership: a leak_diff points into the two reports (the representative
 * group of each side) and must not outlive them; leak_diff_free(NULL) is
 * a no-op.  Not thread-safe; not async-signal-safe.
 */
#ifndef BBX_LEAK_DIFF_H
#define BBX_LEAK_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include "leak_model.h"
#include "leak_suppress.h"

typedef enum leak_change {
    LEAK_NEW,
    LEAK_GROWN,
    LEAK_UNCHANGED,
    LEAK_FIXED,
} leak_change;

typedef struct leak_diff_entry {
    leak_change change;
    char *signature;           /* owned by the diff */
    const leak_group *base;    /* first group with it in BASE, or NULL */
    const leak_group *current; /* ... in CURRENT, or NULL */
    uint64_t base_count, current_count;
} leak_diff_entry;

typedef struct leak_diff {
    /* new first (most first), then grown (largest growth first),
     * unchanged (by signature), fixed (most first); ties by signature */
    leak_diff_entry *entries;
    size_t n_entries;
    size_t n_new, n_grown, n_unchanged, n_fixed;
    size_t n_suppressed;       /* distinct signatures with a suppressed group */
} leak_diff;

/*
 * Compare.  supp may be NULL (no suppressions); its rules' hit counts rise.
 * tolerance_pct: how many percent a count may grow before it is "grown".
 * NULL when out of memory.
 */
leak_diff *leak_diff_new(const leak_report *base, const leak_report *current,
                         leak_suppressions *supp, unsigned tolerance_pct);
void leak_diff_free(leak_diff *d);

/* "new", "grown", "unchanged", "fixed". */
const char *leak_change_name(leak_change c);

#endif
