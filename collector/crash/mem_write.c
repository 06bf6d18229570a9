/*
 * mem_write.c - the MEMORY record from the values prepared off the crash
 * path (mem_prepared.h).  Nothing here reads /proc: a crash, or any
 * snapshot, copies the last published values under their sequence counter
 * and writes them with their age.  Async-signal-safe.
 */
#include <string.h>

#include "mem_prepared.h"
#include "sigsafe.h"
#include "snap_codec.h"

static struct {
    struct prep_seq seq;
    struct mem_values slot[2];
} mem_prep = { .seq = PREP_SEQ_INIT };

int mem_read_published(struct mem_values *out)
{
    if (prep_read(&mem_prep.seq, mem_prep.slot, sizeof(*out), out) != 0)
        return -1;
    return out->taken_us ? 0 : -1;
}

/* One SNAP_MEM_KINDF: varints kind, size, rss, pss, swap, mappings. */
static void put_kind(snap_writer *w, unsigned kind, const struct mem_kind_use *k)
{
    uint8_t buf[6 * 10];
    size_t n = snap_varint_put(buf, kind);
    n += snap_varint_put(buf + n, k->size_kb);
    n += snap_varint_put(buf + n, k->rss_kb);
    n += snap_varint_put(buf + n, k->pss_kb);
    n += snap_varint_put(buf + n, k->swap_kb);
    n += snap_varint_put(buf + n, k->mappings);
    snap_put_bytes(w, SNAP_MEM_KINDF, buf, n);
}

static void put_if(snap_writer *w, const struct mem_values *v, unsigned bit, unsigned field,
                   uint64_t value)
{
    if (v->has & bit)
        snap_put_u64(w, field, value);
}

static void put_cgroup(snap_writer *w, const struct mem_values *v)
{
    size_t cl = strnlen(v->cgroup, sizeof(v->cgroup));
    if (cl)
        snap_put_bytes(w, SNAP_MEM_CGROUP, v->cgroup, cl);
    put_if(w, v, MEM_HAS_CG_CURRENT, SNAP_MEM_CG_CURRENT, v->cg_current);
    put_if(w, v, MEM_HAS_CG_MAX, SNAP_MEM_CG_MAX, v->cg_max);
    put_if(w, v, MEM_HAS_CG_HIGH, SNAP_MEM_CG_HIGH, v->cg_high);
    put_if(w, v, MEM_HAS_CG_OOM_KILLS, SNAP_MEM_CG_OOM_KILLS, v->cg_oom_kills);
    put_if(w, v, MEM_HAS_CG_OOM, SNAP_MEM_CG_OOM, v->cg_oom);
    put_if(w, v, MEM_HAS_CG_SWAP, SNAP_MEM_CG_SWAP, v->cg_swap);
}

void mem_write(snap_writer *w)
{
    struct mem_values v;
    if (mem_read_published(&v) != 0)
        return;
    uint64_t now = ss_mono_us();
    snap_rec_begin(w, SNAP_REC_MEMORY);
    snap_put_u64(w, SNAP_MEM_AGE_MS, now > v.taken_us ? (now - v.taken_us) / 1000 : 0);
    if (v.has & MEM_HAS_SMAPS) {
        for (unsigned k = 1; k < SNAP_MEM_KIND_COUNT; k++)
            if (v.kinds[k].mappings)
                put_kind(w, k, &v.kinds[k]);
        snap_put_u64(w, SNAP_MEM_RSS_KB, v.rss_kb);
        snap_put_u64(w, SNAP_MEM_PSS_KB, v.pss_kb);
        snap_put_u64(w, SNAP_MEM_SWAP_KB, v.swap_kb);
    }
    snap_put_u64(w, SNAP_MEM_VM_SIZE_KB, v.vm_size_kb);
    put_cgroup(w, &v);
    if (v.phys_kb) {
        snap_put_u64(w, SNAP_MEM_PHYS_KB, v.phys_kb);
        snap_put_u64(w, SNAP_MEM_AVAIL_KB, v.avail_kb);
    }
    put_if(w, &v, MEM_HAS_MALLOC, SNAP_MEM_MALLOC_ARENA, v.malloc_arena);
    put_if(w, &v, MEM_HAS_MALLOC, SNAP_MEM_MALLOC_MMAP, v.malloc_mmap);
    put_if(w, &v, MEM_HAS_MALLOC, SNAP_MEM_MALLOC_INUSE, v.malloc_inuse);
    put_if(w, &v, MEM_HAS_MALLOC, SNAP_MEM_MALLOC_FREE, v.malloc_free);
    if (v.watermark_permille)
        snap_put_u64(w, SNAP_MEM_WATERMARK, v.watermark_permille);
    snap_put_u64(w, SNAP_MEM_READ_US, v.read_us);
    snap_rec_end(w);
}

void mem_publish(const struct mem_values *v)
{
    prep_publish(&mem_prep.seq, mem_prep.slot, sizeof(*v), v);
}

void mem_unpublish(void)
{
    prep_unpublish(&mem_prep.seq);
}
