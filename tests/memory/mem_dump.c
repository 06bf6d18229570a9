/*
 * mem_dump.c - prints what the reader (snap_read_file) finds in a
 * snapshot's TRIGGER and MEMORY records, one "key value" a line, for the
 * memory tests to compare with what the kernel said.  Not bbx show (whose
 * memory part is the analyzer's): the collector's output, read back.
 *
 * Usage: mem_dump FILE.  Exit status 0, or 2 when the file cannot be read.
 */
#include <inttypes.h>
#include <stdio.h>

#include "snap_reader.h"

static void u(const char *key, uint64_t v)
{
    printf("%s %" PRIu64 "\n", key, v);
}

static void cgroup(const snap_memory *m)
{
    if (m->cgroup)
        printf("cgroup %s\n", m->cgroup);
    if (m->has_cg_current)
        u("cg_current", m->cg_current);
    if (m->has_cg_max)
        u("cg_max", m->cg_max);
    if (m->has_cg_high)
        u("cg_high", m->cg_high);
    if (m->has_cg_oom) {
        u("cg_oom", m->cg_oom);
        u("cg_oom_kills", m->cg_oom_kills);
    }
    if (m->has_cg_swap)
        u("cg_swap", m->cg_swap);
}

int main(int argc, char **argv)
{
    char err[256];
    if (argc != 2) {
        fprintf(stderr, "usage: mem_dump FILE\n");
        return 2;
    }
    snap *s = snap_read_file(argv[1], err, sizeof(err));
    if (!s) {
        fprintf(stderr, "mem_dump: %s\n", err);
        return 2;
    }
    printf("trigger %s\n", snap_trigger_kind_name(s->trigger.kind));
    printf("reason %s\n", s->trigger.reason ? s->trigger.reason : "");
    const snap_memory *m = &s->memory;
    u("memory", (uint64_t)m->present);
    if (m->present) {
        u("age_ms", m->age_ms);
        u("rss_kb", m->rss_kb);
        u("pss_kb", m->pss_kb);
        u("swap_kb", m->swap_kb);
        u("vm_size_kb", m->vm_size_kb);
        for (unsigned k = 1; k < SNAP_MEM_KINDS; k++)
            if (m->kinds[k].present)
                printf("kind_%s %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
                       snap_mem_kind_name(k), m->kinds[k].size_kb, m->kinds[k].rss_kb,
                       m->kinds[k].pss_kb, m->kinds[k].swap_kb, m->kinds[k].mappings);
        cgroup(m);
        u("phys_kb", m->phys_kb);
        u("avail_kb", m->avail_kb);
        if (m->has_malloc)
            printf("malloc %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", m->malloc_arena,
                   m->malloc_mmap, m->malloc_inuse, m->malloc_free);
        u("watermark", m->watermark_permille);
        u("read_us", m->read_us);
    }
    snap_free(s);
    return 0;
}
