/*
 * leak_memory.c - limits, time to a limit and sizes for memory growth
 * (leak_memory.h).
 */
#include "leak_memory.h"

#include <math.h>
#include <stdio.h>

#include "size_text.h"
#include "snap_reader.h"

int mem_limit_of(const series_mem *m, mem_limit *out)
{
    out->name = NULL;
    out->limit = out->used = 0;
    if (!m->present)
        return 0;
    if (m->has_cg_max && m->cg_max) {
        *out = (mem_limit){ "cgroup limit", m->cg_max,
                            m->has_cg_current ? m->cg_current : m->rss_kb * 1024 };
    } else if (m->as_limit) {
        *out = (mem_limit){ "RLIMIT_AS soft limit", m->as_limit, m->vm_size_kb * 1024 };
    } else if (m->phys_kb) {
        *out = (mem_limit){ "physical memory", m->phys_kb * 1024, m->rss_kb * 1024 };
    } else {
        return 0;
    }
    return 1;
}

double mem_minutes_to_limit(const mem_limit *l, double kib_per_min)
{
    if (l->used >= l->limit)
        return 0;
    if (!(kib_per_min > 0))
        return -1;
    return ((double)(l->limit - l->used) / 1024.0) / kib_per_min;
}

double mem_limit_percent(const mem_limit *l)
{
    return l->limit ? 100.0 * (double)l->used / (double)l->limit : 0;
}

void mem_fmt_kib(char *buf, size_t len, double kib)
{
    size_text_kib(buf, len, kib);
}

void mem_fmt_minutes(char *buf, size_t len, double minutes)
{
    if (minutes * 60 < 1)
        snprintf(buf, len, "under a second");
    else if (minutes < 1)
        snprintf(buf, len, "%.0f s", minutes * 60);
    else if (minutes < 120)
        snprintf(buf, len, "%.0f min", minutes);
    else if (minutes < 48 * 60)
        snprintf(buf, len, "%.1f h", minutes / 60);
    else
        snprintf(buf, len, "%.1f days", minutes / (24 * 60));
}

const char *mem_group_kind_name(uint64_t kind)
{
    if (kind == SERIES_MEM_CGROUP)
        return "cgroup";
    if (kind == SERIES_MEM_MALLOC)
        return "malloc";
    return snap_mem_kind_name(kind);
}
