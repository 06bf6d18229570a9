/*
 * bbx_init.c - the collector's lifecycle: configuration, reserving memory,
 * installing handlers, on-demand snapshots, shutdown.  Not on the crash
 * path except bbx_snapshot(), which hands over to triggers_snapshot() (the
 * capture lock, the async-signal-safe capture, the directory cap).
 */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blocking_calls.h"
#include "collector.h"
#include "crash_writer.h"
#include "safe_mem.h"
#include "session_prepared.h"
#include "sigsafe.h"
#include "snap_dir.h"
#include "snap_format.h"
#include "mem_watch.h"
#include "x11_resources.h"

struct bbx_state bbx_g;

#define WRITER_LEVEL 3
#define MAX_MODULES 4096
#define MAX_RANGES 65536

void bbx_config_init(bbx_config *cfg)
{
    if (cfg)
        memset(cfg, 0, sizeof(*cfg));
}

const char *bbx_strerror(int err)
{
    switch (err) {
    case BBX_OK: return "success";
    case BBX_EINVAL: return "invalid argument";
    case BBX_ENOTINIT: return "collector not initialised";
    case BBX_EALREADY: return "collector already initialised";
    case BBX_ENOMEM: return "cannot reserve memory";
    case BBX_EDIR: return "output directory unusable";
    case BBX_EIO: return "cannot write snapshot";
    case BBX_EBUSY: return "another snapshot is in progress";
    case BBX_ESIGNAL: return "cannot install signal handler";
    case BBX_ECOMPRESS: return "compression failed";
    default: return "unknown error";
    }
}

static unsigned clamp(unsigned v, unsigned dflt, unsigned lo, unsigned hi)
{
    if (v == 0)
        return dflt;
    return v < lo ? lo : v > hi ? hi : v;
}

/* A name safe inside a file name. */
static void resolve_app(const char *cfg_app)
{
    const char *src = cfg_app && *cfg_app ? cfg_app : config_getenv("BBX_APP");
    char exe[PATH_MAX];
    if (!src || !*src) {
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        exe[n > 0 ? n : 0] = '\0';
        const char *slash = strrchr(exe, '/');
        src = slash ? slash + 1 : exe;
        if (!*src)
            src = "app";
    }
    size_t i = 0;
    for (; src[i] && i < sizeof(bbx_g.app) - 1; i++) {
        char c = src[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == '+';
        bbx_g.app[i] = ok ? c : '_';
    }
    bbx_g.app[i] = '\0';
}

static void *map_anon(size_t size)
{
    return ss_map(size, 0);
}

static void unmap(void **p, size_t size)
{
    ss_unmap(*p, size);
    *p = NULL;
}

static void release_memory(void)
{
    unmap(&bbx_g.writer_ws, bbx_g.writer_ws_size);
    unmap((void **)&bbx_g.tids, bbx_g.cfg.max_threads * sizeof(pid_t));
    unmap((void **)&bbx_g.tinfo, bbx_g.cfg.max_threads * sizeof(struct task_info));
    unmap((void **)&bbx_g.frames, bbx_g.cfg.max_frames * sizeof(uintptr_t));
    unmap((void **)&bbx_g.frame_bytes, bbx_g.cfg.max_frames * 10u);
    unmap((void **)&bbx_g.iobuf, BBX_IOBUF);
    unmap((void **)&bbx_g.iobuf2, BBX_IOBUF);
    modscan_release(&bbx_g.mods);
    breadcrumbs_release();
    dir_cap_release();
    crash_writer_release();
}

static int reserve_memory(void)
{
    bbx_g.writer_ws_size = snap_writer_workspace_size(WRITER_LEVEL);
    bbx_g.writer_ws = map_anon(bbx_g.writer_ws_size);
    bbx_g.tids = map_anon(bbx_g.cfg.max_threads * sizeof(pid_t));
    bbx_g.tinfo = map_anon(bbx_g.cfg.max_threads * sizeof(struct task_info));
    bbx_g.frames = map_anon(bbx_g.cfg.max_frames * sizeof(uintptr_t));
    bbx_g.frame_bytes = map_anon(bbx_g.cfg.max_frames * 10u);
    bbx_g.iobuf = map_anon(BBX_IOBUF);
    bbx_g.iobuf2 = map_anon(BBX_IOBUF);
    if (!bbx_g.writer_ws || !bbx_g.tids || !bbx_g.tinfo || !bbx_g.frames || !bbx_g.frame_bytes ||
        !bbx_g.iobuf || !bbx_g.iobuf2)
        return BBX_ENOMEM;
    if (modscan_prepare(&bbx_g.mods, MAX_MODULES, MAX_RANGES) != 0)
        return BBX_ENOMEM;
    vdso_image_prepare(&bbx_g.mods); /* none: snapshots carry no vDSO image */
    if (breadcrumbs_init(bbx_g.cfg.breadcrumbs) != 0)
        return BBX_ENOMEM;
    if (dir_cap_init() != 0)
        return BBX_ENOMEM;
    if (crash_writer_init() != 0)
        return BBX_ENOMEM;
    /* The compressor's 4.8 MB are mapped (and counted against the limits)
     * here but not touched: a fault on a page of an anonymous mapping is
     * the kernel's work and async-signal-safe, while touching them all cost
     * every process 3 ms of CPU and 4.8 MB of RSS at start (issue 13). */
    return snap_writer_prepare(&bbx_g.writer, bbx_g.writer_ws, bbx_g.writer_ws_size,
                               WRITER_LEVEL);
}

static pthread_once_t fork_hook_once = PTHREAD_ONCE_INIT;

static void register_fork_hook(void)
{
    pthread_atfork(NULL, NULL, crash_after_fork);
}

/* Run by every other thread in its thread-signal handler, at init. */
static void altstack_give_current(void)
{
    altstack_install_current();
}

int bbx_init(const bbx_config *cfg)
{
    bbx_config c;
    int rc;
    if (atomic_load(&bbx_g.initialized))
        return BBX_EALREADY;
    bbx_config_init(&c);
    if (cfg)
        c = *cfg;
    if (config_from_env(&c) != 0)
        return BBX_EINVAL;
    c.max_frames = clamp(c.max_frames, 256, 8, 1024);
    c.max_threads = clamp(c.max_threads, 1024, 1, 8192);
    c.breadcrumbs = clamp(c.breadcrumbs, 64, 1, 4096);
    c.thread_timeout_ms = clamp(c.thread_timeout_ms, 250, 1, 10000);
    c.capture_timeout_ms = clamp(c.capture_timeout_ms, 3000, 10, 60000);
    if (c.hang_ms && c.hang_ms < 100)
        return BBX_EINVAL;
    if (!(c.mem_watermark >= 0 && c.mem_watermark <= 1)) /* NaN too */
        return BBX_EINVAL;
    /* 0: thread_capture_install() picks a free real-time signal */
    if (c.thread_signal != 0 && (c.thread_signal < SIGRTMIN || c.thread_signal > SIGRTMAX))
        return BBX_EINVAL;

    memset(&bbx_g.writer, 0, sizeof(bbx_g.writer));
    bbx_g.cfg = c;
    bbx_g.cfg.dir = bbx_g.dir;
    bbx_g.cfg.app_name = bbx_g.app;
    bbx_g.cfg.app_version = NULL;
    bbx_g.thread_signal = c.thread_signal;
    bbx_g.thread_signal_fixed = c.thread_signal != 0;
    bbx_g.pid = getpid();
    atomic_store(&bbx_g.capture_owner, 0);
    atomic_store(&bbx_g.crash_done, 0);
    atomic_store(&bbx_g.swept, 0);
    memset(bbx_g.pending, 0, sizeof(bbx_g.pending));
    atomic_store(&bbx_g.has_last, 0);

    /* absolute and checked: see snap_dir.c */
    if (snap_dir_setup(c.dir, bbx_g.dir, sizeof(bbx_g.dir)) != 0)
        return BBX_EDIR;
    resolve_app(c.app_name);

    safe_mem_probe();
    chain_exit_init();
    pthread_once(&fork_hook_once, register_fork_hook);
    if ((rc = reserve_memory()) != 0)
        goto fail;
    process_info_init();
    session_refresh(); /* the session at start; the collector refreshes it */
    fd_scan_init();
    ss_fd_reserve();
    bbx_busy++; /* libunwind's pipes are bbx's (track_fd_hooks.c: bbx_made) */
    rc = unwind_init();
    bbx_busy--;
    if (rc != 0)
        goto fail;
    if (calls_init(bbx_g.cfg.max_threads) != 0) {
        rc = BBX_ENOMEM;
        goto fail;
    }
    if ((rc = thread_capture_install()) != 0)
        goto fail;
    altstack_install_current();
    thread_capture_run_everywhere(altstack_give_current);
    if (!c.no_crash_handlers && (rc = crash_handlers_install()) != 0)
        goto fail;
    atomic_store(&bbx_g.initialized, 1);
    if (c.app_version)
        bbx_annotate("app.version", c.app_version);
    if (c.track && (rc = track_start(c.track, c.track_frames)) != 0) {
        bbx_shutdown();
        return rc;
    }
    if ((rc = triggers_start()) != 0) {
        bbx_shutdown();
        return rc;
    }
    bbx_g.cfg.hang_threads = NULL; /* the caller's; hang_watch_start() copied it */
    return 0;

fail:
    thread_capture_uninstall();
    unwind_release();
    ss_fd_unreserve();
    release_memory();
    return rc;
}

_Static_assert(SS_N_SPARE == BBX_SPARE_FDS, "bbx.h documents the number of spare fds");

int bbx_spare_fds(void)
{
    return atomic_load(&bbx_g.initialized) ? ss_fd_spares() : 0;
}

int bbx_snapshot(const char *reason)
{
    x11_res_before_request(); /* fresh X resources, if they come quickly */
    if (atomic_load(&bbx_g.initialized))
        mem_refresh(MEM_KERNEL); /* signal-safe: the kernel's figures, not malloc's */
    return triggers_snapshot(SNAP_TRIGGER_REQUEST, reason ? reason : "bbx_snapshot");
}

const char *bbx_last_snapshot(void)
{
    return atomic_load(&bbx_g.has_last) ? bbx_g.last_path : NULL;
}

void bbx_shutdown(void)
{
    if (!atomic_load(&bbx_g.initialized))
        return;
    triggers_stop(); /* the collector thread may still take a snapshot */
    if (!atomic_exchange(&bbx_g.initialized, 0))
        return;
    track_stop();
    crash_handlers_uninstall();
    /* wait (boundedly) for a capture in progress, then keep others out */
    if (capture_lock(ss_gettid(), bbx_g.cfg.capture_timeout_ms) != 0)
        return; /* a capture is stuck: leave its memory alone */
    thread_capture_uninstall();
    unwind_release();
    annotations_clear();
    ss_fd_unreserve();
    release_memory();
    atomic_store(&bbx_g.has_last, 0);
    capture_unlock();
}
