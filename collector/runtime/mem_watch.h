/*
 * mem_watch.h - the memory figures of the MEMORY record, refreshed off the
 * crash path (mem_refresh.c), and the memory watermark (mem_watermark.c).
 * Runtime room.
 *
 *  mem_init(permille)  at triggers_start(): the first refresh (the kernel's
 *                      figures) and the watermark (BBX_MEM_WATERMARK in
 *                      permille, 0 off).
 *  mem_refresh(what)   reads the kernel's figures now and publishes them
 *                      (mem_prepared.h); MEM_WITH_MALLOC adds mallinfo2's,
 *                      else malloc's last figures are kept.  Returns 0, or
 *                      -1 when another refresh is running (its values will
 *                      do).  MEM_KERNEL is async-signal-safe (bbx_snapshot()
 *                      calls it); MEM_WITH_MALLOC only on the collector
 *                      thread or the normal exit path (mallinfo2 takes
 *                      malloc's locks): never in a signal handler, never
 *                      before a hang snapshot (the hung thread may hold them).
 *  mem_wm_due_us()     when the collector thread must look next (monotonic
 *                      us), 0 when the watermark is off.
 *  mem_wm_tick(now)    the collector thread's look: RSS, address space and
 *                      the cgroup's usage against their limits; takes one
 *                      SNAP_TRIGGER_MEMORY snapshot per crossing.
 *  mem_after_fork()    in a forked child: the parent's values and files are
 *                      forgotten (the child's next refresh reads its own).
 *  mem_stop()          closes the watermark's files (shutdown).
 */
#ifndef BBX_MEM_WATCH_H
#define BBX_MEM_WATCH_H

#include <stddef.h>
#include <stdint.h>

enum { MEM_KERNEL = 0, MEM_WITH_MALLOC = 1 };

void mem_init(unsigned watermark_permille);
int mem_refresh(int what);
uint64_t mem_wm_due_us(void);
void mem_wm_tick(uint64_t now_us);
void mem_after_fork(void);
void mem_stop(void);

/* mem_watermark.c: the crossing rule, on its own for the tests.  *armed
 * starts at 1; returns 1 when used (permille of a limit) reaches mark while
 * armed (and disarms), and re-arms once used falls below mark - 50 (5 %). */
int mem_wm_cross(int *armed, unsigned used_permille, unsigned mark_permille);

/* mem_refresh.c, for mem_watermark.c: the watermark in permille (0 off);
 * the path of the cgroup's usage file into out (0, or -1 without one). */
unsigned mem_watermark_permille(void);
int mem_cg_usage_path(char *out, size_t cap);
/* mem_watermark.c: forget the watermark's files (in a forked child). */
void mem_wm_after_fork(void);

#endif
