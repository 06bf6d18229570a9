/*
 * snapshot_now.c - triggers_snapshot(): a snapshot of the running process,
 * taken on the calling thread, for every trigger but a crash (bbx_snapshot(),
 * the on-demand signal, the interval, exit).  Async-signal-safe:
 * bbx_snapshot() may be called from a signal handler.  Takes the capture
 * lock (bbx_snapshot() does not wait for it; the collector's own snapshots
 * wait up to capture_timeout_ms), captures with the caller's registers, then
 * enforces the directory cap (dir_cap.c).  The first one also sweeps the
 * stale temporaries of dead processes (dir_cap_sweep_stale()), work that
 * bbx_init() used to do in every process at start (issue 13).
 *
 * getcontext() here is glibc's assembly routine: it stores the registers and
 * asks the kernel for the signal mask (rt_sigprocmask); no lock, no memory.
 */
#include <ucontext.h>

#include "collector.h"
#include "sigsafe.h"
#include "snap_format.h"

static int snapshot_now(int kind, const char *reason, const struct hang_report *hang)
{
    ucontext_t uc;
    uint64_t t0 = ss_mono_us();
    if (!atomic_load(&bbx_g.initialized))
        return BBX_ENOTINIT;
    /* bbx_snapshot() keeps its contract (busy: fail now); the collector's
     * own snapshots wait, boundedly, for a capture in progress. */
    unsigned wait_ms = kind == SNAP_TRIGGER_REQUEST ? 0 : bbx_g.cfg.capture_timeout_ms;
    if (capture_lock(ss_gettid(), wait_ms) != 0)
        return BBX_EBUSY;
    if (!atomic_load(&bbx_g.initialized)) { /* shut down while we waited */
        capture_unlock();
        return BBX_ENOTINIT;
    }
    ss_fd_refresh(); /* spare fds the program closed (closefrom) are recreated */
    getcontext(&uc);
    struct capture_trigger trig = { kind, 0, NULL, &uc, reason, t0, hang };
    int rc = capture_run(&trig);
    if (!atomic_exchange(&bbx_g.swept, 1))
        dir_cap_sweep_stale();
    dir_cap_enforce();
    capture_unlock();
    return rc;
}

int triggers_snapshot(int kind, const char *reason)
{
    return snapshot_now(kind, reason, NULL);
}

int triggers_snapshot_hang(int kind, const char *reason, const struct hang_report *hang)
{
    return snapshot_now(kind, reason, hang);
}
