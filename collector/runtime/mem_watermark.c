/*
 * mem_watermark.c - BBX_MEM_WATERMARK: the collector thread looks every
 * MEM_WM_PERIOD_MS at how close the process is to each limit it has, and
 * takes one "memory" snapshot (SNAP_TRIGGER_MEMORY) when the largest
 * fraction reaches the watermark, so that the evidence exists before the
 * kernel's OOM killer (or the cgroup's) ends the process with SIGKILL.
 *
 * The limits: the cgroup's (memory.max or memory.limit_in_bytes) against
 * its usage (memory.current, memory.usage_in_bytes); RLIMIT_AS's soft limit
 * against the address space (statm's size); physical memory (MemTotal)
 * against the resident set (statm's resident).  The limits themselves come
 * from the last published figures, refreshed every MEM_LIMITS_MS.
 *
 * Cheap: two small reads per look, with pread at offset 0 on two files
 * bbx keeps open (/proc/self/statm and the usage file): bbx's own fds,
 * moved above the program's numbers and registered (ss_fd_own_take), and
 * opened again when the program closed them (checked by identity first, so
 * a number the program reused is never read).  No signal, no timer: the
 * collector thread's own wait.
 *
 * Once per crossing: disarmed when it fires, armed again only when the
 * fraction has fallen 5 % below the watermark (mem_wm_cross).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "collector.h"
#include "hang_watch.h"
#include "mem_prepared.h"
#include "mem_watch.h"
#include "session_prepared.h"
#include "sigsafe.h"

#define MEM_WM_PERIOD_MS 250u
#define MEM_LIMITS_MS 5000u
#define MEM_WM_REARM 50u /* permille below the watermark */

static struct {
    int armed;
    uint64_t next_us, limits_us;
    int fd_statm, fd_cg;
    char cg_path[600];
} wm = { .armed = 1, .fd_statm = -1, .fd_cg = -1 };

int mem_wm_cross(int *armed, unsigned used_permille, unsigned mark_permille)
{
    if (*armed && used_permille >= mark_permille) {
        *armed = 0;
        return 1;
    }
    if (!*armed && used_permille + MEM_WM_REARM < mark_permille)
        *armed = 1;
    return 0;
}

uint64_t mem_wm_due_us(void)
{
    if (!mem_watermark_permille())
        return 0;
    if (!wm.next_us)
        wm.next_us = ss_mono_us();
    return wm.next_us;
}

static void drop(int *fd)
{
    if (*fd >= 0 && ss_fd_is_own(*fd)) {
        ss_fd_own_remove(*fd);
        ss_close(*fd);
    }
    *fd = -1;
}

/* *fd open on path and still bbx's; reopened when the program closed it. */
static int keep_open(int *fd, const char *path)
{
    if (*fd >= 0 && ss_fd_is_own(*fd))
        return *fd;
    *fd = -1;
    int saved_errno = errno;
    int f = ss_sys_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
    if (f >= 0)
        *fd = ss_fd_own_take(f);
    errno = saved_errno;
    return *fd;
}

/* The first numbers of a file kept open, read again from its start. */
static int pread_text(int fd, char *buf, size_t cap)
{
    long k;
    while ((k = syscall(SYS_pread64, fd, buf, cap - 1, 0L)) < 0 && errno == EINTR)
        ;
    if (k <= 0)
        return -1;
    buf[k] = '\0';
    return 0;
}

struct wm_look {
    unsigned permille;         /* the largest fraction */
    const char *what;          /* of which limit */
    uint64_t used, limit;      /* bytes */
};

static void consider(struct wm_look *l, const char *what, uint64_t used, uint64_t limit)
{
    if (!limit)
        return;
    uint64_t p = used >= limit ? 1000 + (used - limit) * 1000 / limit : used * 1000 / limit;
    if (!l->what || p > l->permille) {
        l->permille = p > 100000 ? 100000 : (unsigned)p;
        l->what = what;
        l->used = used;
        l->limit = limit;
    }
}

static void look(struct wm_look *l, const struct mem_values *pub)
{
    char text[128];
    int saved_errno = errno;
    if (keep_open(&wm.fd_statm, "/proc/self/statm") >= 0 &&
        pread_text(wm.fd_statm, text, sizeof(text)) == 0) {
        const char *s = text;
        uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
        uint64_t vm = ss_parse_u64(&s, 10) * page;
        s++;
        uint64_t rss = ss_parse_u64(&s, 10) * page;
        struct rlimit rl;
        if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
            consider(l, "the address-space limit (RLIMIT_AS)", vm, rl.rlim_cur);
        consider(l, "physical memory", rss, pub->phys_kb * 1024);
    }
    if ((pub->has & MEM_HAS_CG_MAX) && wm.cg_path[0] && keep_open(&wm.fd_cg, wm.cg_path) >= 0 &&
        pread_text(wm.fd_cg, text, sizeof(text)) == 0) {
        const char *s = text;
        consider(l, "the cgroup limit", ss_parse_u64(&s, 10), pub->cg_max);
    }
    errno = saved_errno;
}

/* "943 MiB", "1 GiB", "1.5 GiB" */
static void size_text(char *out, size_t cap, uint64_t bytes)
{
    if (bytes < (1ull << 30))
        snprintf(out, cap, "%llu MiB", (unsigned long long)(bytes >> 20));
    else if (bytes % (1ull << 30) == 0)
        snprintf(out, cap, "%llu GiB", (unsigned long long)(bytes >> 30));
    else
        snprintf(out, cap, "%.1f GiB", (double)bytes / (1ull << 30));
}

static void fire(const struct wm_look *l)
{
    char reason[200], used[32], limit[32];
    size_text(used, sizeof(used), l->used);
    size_text(limit, sizeof(limit), l->limit);
    snprintf(reason, sizeof(reason), "memory %u%% of %s (%s of %s)", l->permille / 10, l->what,
             used, limit);
    mem_refresh(MEM_WITH_MALLOC);
    session_refresh();
    triggers_snapshot(SNAP_TRIGGER_MEMORY, reason);
    hang_watch_resync(ss_mono_us());
}

void mem_wm_tick(uint64_t now_us)
{
    unsigned mark = mem_watermark_permille();
    if (!mark || now_us < wm.next_us)
        return;
    wm.next_us = now_us + MEM_WM_PERIOD_MS * 1000ull;
    if (now_us >= wm.limits_us) { /* limits and the cgroup may have changed */
        char path[sizeof(wm.cg_path)];
        mem_refresh(MEM_KERNEL);
        if (mem_cg_usage_path(path, sizeof(path)) != 0)
            path[0] = '\0';
        if (strcmp(path, wm.cg_path) != 0) {
            drop(&wm.fd_cg);
            memcpy(wm.cg_path, path, sizeof(path));
        }
        wm.limits_us = now_us + MEM_LIMITS_MS * 1000ull;
    }
    struct mem_values pub;
    if (mem_read_published(&pub) != 0)
        return;
    struct wm_look l = { 0 };
    look(&l, &pub);
    if (l.what && mem_wm_cross(&wm.armed, l.permille, mark))
        fire(&l);
}

void mem_wm_after_fork(void)
{
    drop(&wm.fd_statm);
    drop(&wm.fd_cg);
    wm.armed = 1;
    wm.next_us = wm.limits_us = 0;
}

void mem_stop(void)
{
    mem_wm_after_fork();
}
