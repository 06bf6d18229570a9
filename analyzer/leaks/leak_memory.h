/*
 * leak_memory.h - the arithmetic of memory growth in `bbx leaks`: which
 * limit a growing process runs into (the cgroup's memory.max, the
 * RLIMIT_AS soft limit against the address space, or physical memory),
 * how long it takes at a given rate, and sizes for people.
 *
 * Pure functions of their arguments (the unit tests call them with made
 * numbers).  Thread-safe; not async-signal-safe.
 */
#ifndef BBX_LEAK_MEMORY_H
#define BBX_LEAK_MEMORY_H

#include <stddef.h>
#include <stdint.h>

#include "leak_series.h"

/* A limit and how much of it is used, both in bytes. */
typedef struct mem_limit {
    const char *name;   /* "cgroup limit", "RLIMIT_AS soft limit",
                           "physical memory"; NULL: none known */
    uint64_t limit, used;
} mem_limit;

/* The limit a process with figures m runs into first: the cgroup's
 * memory.max when it has one (used: memory.current), else its RLIMIT_AS
 * soft limit (used: the address space), else physical memory (used: RSS).
 * Returns 1 with *out filled, 0 when m names none. */
int mem_limit_of(const series_mem *m, mem_limit *out);

/* Minutes until `used` reaches `limit` growing by kib_per_min KiB a
 * minute: 0 when it is there already, a negative number when it does not
 * grow. */
double mem_minutes_to_limit(const mem_limit *l, double kib_per_min);

/* used as a percentage of the limit (0 without a limit). */
double mem_limit_percent(const mem_limit *l);

/* A size in KiB for people: size_text_kib() (base/size_text.h). */
void mem_fmt_kib(char *buf, size_t len, double kib);

/* A duration in minutes for people: "40 s", "12 min", "3.5 h", "2.1 days". */
void mem_fmt_minutes(char *buf, size_t len, double minutes);

/* The name of a SERIES_MEM kind: "heap", "anon", ... for SNAP_MEM_*,
 * "cgroup" and "malloc" for SERIES_MEM_CGROUP and SERIES_MEM_MALLOC. */
const char *mem_group_kind_name(uint64_t kind);

#endif
