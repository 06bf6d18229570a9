/*
 * mem_refresh.c - one refresh of the memory figures of the MEMORY record
 * (mem_watch.h): /proc/self/smaps by kind (mem_smaps.c), the cgroup
 * (mem_cgroup.c), /proc/meminfo's MemTotal and MemAvailable
 * (fs/proc/meminfo.c, meminfo_proc_show()), timed, and, when asked,
 * malloc's totals from mallinfo2() (glibc 2.33 and later); then published
 * for every snapshot to write (mem_prepared.h).
 *
 * When (triggers.c, hang_watch.c, bbx_init.c): at start (the kernel's
 * figures only: bbx_init() may run in a constructor); on the collector
 * thread before every periodic, on-demand signal, hang and memory snapshot
 * (malloc's figures too, but not before a hang snapshot) and every
 * MEM_LIMITS_MS while the watermark is on; on the exiting thread before
 * the exit snapshot (with malloc's); in bbx_snapshot(), on the caller's
 * thread, the kernel's figures only (it may be a signal handler).  A crash
 * reads nothing: it writes the last values published, with their age.
 *
 * One refresh at a time: a flag taken with an atomic exchange; whoever
 * finds it taken skips its refresh and the snapshot writes what the other
 * one publishes (or published last).  The buffers are static (the crash
 * path's reserve is not touched).
 */
#include <malloc.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "mem_read.h"
#include "mem_watch.h"
#include "sigsafe.h"

static struct {
    _Atomic int busy;
    char buf[16384];           /* smaps, mountinfo, small files */
    struct mem_values v;       /* being filled */
    struct mem_cg cg;
    pid_t cg_pid;              /* the process cg was looked up in */
    unsigned watermark;        /* permille, 0 off */
} mr;

unsigned mem_watermark_permille(void)
{
    return mr.watermark;
}

int mem_cg_usage_path(char *out, size_t cap)
{
    const char *name = mem_cg_usage_name(&mr.cg);
    if (!name || !mr.cg.dir[0])
        return -1;
    ss_buf b = ss_buf_of(out, cap);
    ss_puts(&b, mr.cg.dir);
    ss_puts(&b, "/");
    ss_puts(&b, name);
    return b.len + 1 < cap ? 0 : -1;
}

static void read_meminfo(struct mem_values *v)
{
    if (mem_file_read("/proc/meminfo", mr.buf, sizeof(mr.buf)) <= 0)
        return;
    if (mem_key_u64(mr.buf, "MemTotal", &v->phys_kb) != 0)
        v->phys_kb = 0;
    else if (mem_key_u64(mr.buf, "MemAvailable", &v->avail_kb) != 0)
        v->avail_kb = 0;
}

/* Without smaps (a kernel without it): the address space from statm. */
static void read_statm(struct mem_values *v)
{
    if (mem_file_read("/proc/self/statm", mr.buf, sizeof(mr.buf)) <= 0)
        return;
    const char *s = mr.buf;
    v->vm_size_kb = ss_parse_u64(&s, 10) * (uint64_t)sysconf(_SC_PAGESIZE) / 1024;
}

static void read_malloc(struct mem_values *v)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 mi = mallinfo2();
    v->malloc_arena = mi.arena;
    v->malloc_mmap = mi.hblkhd;
    v->malloc_inuse = mi.uordblks + mi.hblkhd;
    v->malloc_free = mi.fordblks;
    v->has |= MEM_HAS_MALLOC;
#else
    (void)v;
#endif
}

/* malloc's figures of the last refresh that had them. */
static void keep_malloc(struct mem_values *v)
{
    static struct mem_values last; /* under the flag */
    if (mem_read_published(&last) != 0 || !(last.has & MEM_HAS_MALLOC))
        return;
    v->malloc_arena = last.malloc_arena;
    v->malloc_mmap = last.malloc_mmap;
    v->malloc_inuse = last.malloc_inuse;
    v->malloc_free = last.malloc_free;
    v->has |= MEM_HAS_MALLOC;
}

int mem_refresh(int what)
{
    if (atomic_exchange(&mr.busy, 1))
        return -1;
    struct mem_values *v = &mr.v;
    uint64_t t0 = ss_mono_us();
    memset(v, 0, sizeof(*v));
    pid_t pid = (pid_t)syscall(SYS_getpid);
    if (mr.cg_pid != pid) {
        mem_cg_find(&mr.cg, mr.buf, sizeof(mr.buf));
        mr.cg_pid = pid;
    }
    if (mem_smaps_read(v, mr.buf, sizeof(mr.buf)) != 0)
        read_statm(v);
    read_meminfo(v);
    mem_cg_read(&mr.cg, v, mr.buf, sizeof(mr.buf));
    uint64_t t1 = ss_mono_us();
    v->read_us = t1 - t0;
    if (what == MEM_WITH_MALLOC)
        read_malloc(v);
    else
        keep_malloc(v);
    v->watermark_permille = mr.watermark;
    v->taken_us = t1;
    mem_publish(v);
    atomic_store(&mr.busy, 0);
    return 0;
}

void mem_init(unsigned watermark_permille)
{
    mr.watermark = watermark_permille;
    mr.cg_pid = 0;
    mem_refresh(MEM_KERNEL); /* malloc's figures: collector thread and exit only */
}

void mem_after_fork(void)
{
    atomic_store(&mr.busy, 0); /* a parent's thread may have been refreshing */
    mr.cg_pid = 0;
    mem_unpublish();
    mem_wm_after_fork();
}
