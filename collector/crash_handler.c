/*
 * crash_handler.c - the fatal-signal handler.
 *
 * Runs on the thread's alternate stack.  One thread captures; a thread that
 * crashes meanwhile registers its context (so the capture shows where it
 * crashed too) and waits, boundedly, for the capture to end.  A crash inside
 * the handler is blocked by the handler's mask and so takes the default
 * action.  Afterwards the disposition from before bbx_init() is restored and
 * the signal delivered again: a faulting instruction faults again when the
 * handler returns; anything else is re-sent with tgkill().  The process then
 * dies exactly as it would have without bbx (or the application's own
 * handler runs).
 */
#include <errno.h>
#include <linux/futex.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "collector.h"
#include "sigsafe.h"
#include "snap_format.h"

static const int fatal_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS };
#define N_FATAL (sizeof(fatal_signals) / sizeof(fatal_signals[0]))

static struct sigaction old_actions[N_FATAL];
static int installed;

const char *crash_signal_name(int sig)
{
    switch (sig) {
    case SIGSEGV: return "sigsegv";
    case SIGBUS: return "sigbus";
    case SIGILL: return "sigill";
    case SIGFPE: return "sigfpe";
    case SIGABRT: return "sigabrt";
    case SIGTRAP: return "sigtrap";
    case SIGSYS: return "sigsys";
    default: return "signal";
    }
}

static int index_of(int sig)
{
    for (unsigned i = 0; i < N_FATAL; i++)
        if (fatal_signals[i] == sig)
            return (int)i;
    return -1;
}

/* Put back the disposition from before bbx and make the signal happen again. */
static void fall_through(int sig, const siginfo_t *si)
{
    int i = index_of(sig);
    if (i >= 0 && installed)
        sigaction(sig, &old_actions[i], NULL);
    else
        signal(sig, SIG_DFL);
    int refaults = si->si_code > 0 && si->si_code != SI_KERNEL &&
                   (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE);
    if (!refaults)
        syscall(SYS_tgkill, getpid(), ss_gettid(), sig);
}

/* Tell the capturing thread where this thread crashed (best effort). */
static void register_pending(pid_t self, int sig, const ucontext_t *uc)
{
    for (unsigned i = 0; i < BBX_MAX_PENDING_CRASHES; i++) {
        pid_t zero = 0;
        if (atomic_compare_exchange_strong(&bbx_g.pending[i].tid, &zero, -1)) {
            bbx_g.pending[i].signal = sig;
            bbx_g.pending[i].uc = uc;
            atomic_store(&bbx_g.pending[i].tid, self);
            return;
        }
    }
}

static void crash_capture(int sig, siginfo_t *si, void *ctx, uint64_t t0)
{
    struct capture_trigger trig = { SNAP_TRIGGER_CRASH, sig, si, ctx, NULL, t0 };
    capture_run(&trig);
    /* the capture lock stays held: nothing is captured after a crash */
    atomic_store(&bbx_g.crash_done, 1);
    syscall(SYS_futex, (uint32_t *)&bbx_g.crash_done, FUTEX_WAKE_PRIVATE, 1 << 30, NULL,
            NULL, 0);
}

static void fatal_handler(int sig, siginfo_t *si, void *ctx)
{
    int saved_errno = errno;
    uint64_t t0 = ss_mono_us();
    pid_t self = ss_gettid();
    int registered = 0;
    /* Bounded: a capture in progress ends within its own timeout. */
    uint64_t bound = (uint64_t)bbx_g.cfg.capture_timeout_ms * 1000 + 2000000;

    /* A crash inside our own capture on this thread falls straight through. */
    while (atomic_load(&bbx_g.initialized) && !atomic_load(&bbx_g.crash_done) &&
           atomic_load(&bbx_g.capture_owner) != self && ss_mono_us() - t0 < bound) {
        if (capture_lock(self, 0) == 0) {
            crash_capture(sig, si, ctx, t0);
            break;
        }
        /* Another thread captures: a crash (we wait for it to end) or a
         * request (we take over when it is done). */
        if (!registered) {
            register_pending(self, sig, ctx);
            registered = 1;
        }
        struct timespec ts = { 0, 5 * 1000 * 1000 };
        syscall(SYS_futex, (uint32_t *)&bbx_g.crash_done, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);
    }
    fall_through(sig, si);
    errno = saved_errno;
}

int crash_handlers_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = fatal_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    for (unsigned i = 0; i < N_FATAL; i++)
        sigaddset(&sa.sa_mask, fatal_signals[i]);
    for (unsigned i = 0; i < N_FATAL; i++) {
        if (sigaction(fatal_signals[i], &sa, &old_actions[i]) != 0) {
            while (i-- > 0)
                sigaction(fatal_signals[i], &old_actions[i], NULL);
            return BBX_ESIGNAL;
        }
    }
    installed = 1;
    return 0;
}

void crash_handlers_uninstall(void)
{
    if (!installed)
        return;
    for (unsigned i = 0; i < N_FATAL; i++) {
        struct sigaction cur;
        /* leave alone a handler the application installed after us */
        if (sigaction(fatal_signals[i], NULL, &cur) == 0 && cur.sa_sigaction == fatal_handler)
            sigaction(fatal_signals[i], &old_actions[i], NULL);
    }
    installed = 0;
}
