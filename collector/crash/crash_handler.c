/*
 * crash_handler.c - the fatal-signal handler.
 *
 * Runs on the thread's alternate stack.  One thread captures; a thread that
 * crashes meanwhile registers its context (so the capture shows where it
 * crashed too) and waits, boundedly, for the capture to end, and then a
 * little longer, so that the process dies of the signal the snapshot names.
 * A crash inside the handler is blocked by the handler's mask and so takes
 * the default action.  Afterwards the disposition from before bbx_init() is
 * restored and the signal delivered again: a faulting instruction faults
 * again when the handler returns; anything else is re-sent with tgkill().
 * The process then dies exactly as it would have without bbx.
 *
 * A handler the program installed before bbx_init() runs first, called from
 * here as the kernel would have called it.  A fault it recovers from (by
 * siglongjmp, or by fixing the cause and returning) is no crash: nothing is
 * captured and nothing stays held.  The snapshot is taken when the process
 * is going to die of it: the handler returns with the default disposition
 * back in place (the fault repeats, or it raised the signal again), it ends
 * the process (_exit, exit: see crash_chain_ending()), or it raises another
 * fatal signal.  A signal the program ignored stays ignored.
 *
 * In a vfork() child, which shares our memory, nothing is touched.
 */
#include <errno.h>
#include <pthread.h>
#include <time.h>
#include <linux/futex.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "blocking_calls.h"
#include "collector.h"
#include "safe_mem.h"
#include "sigsafe.h"
#include "snap_format.h"

const int crash_fatal_signals[CRASH_N_FATAL] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE,
                                                SIGABRT, SIGTRAP, SIGSYS };
struct sigaction crash_old_actions[CRASH_N_FATAL];
int crash_capture_first[CRASH_N_FATAL];
void *crash_abort_msg;
int crash_installed;

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

/* A fault the kernel raised for an instruction: it happens again when the
 * handler returns. */
static int refaults(int sig, const siginfo_t *si)
{
    return si->si_code > 0 && si->si_code != SI_KERNEL &&
           (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE);
}

/* abort() raising SIGABRT: if a handler returns, abort() resets the
 * disposition and raises again; the process dies either way. */
static int from_abort(int sig, const siginfo_t *si)
{
    return sig == SIGABRT && si->si_code == SI_TKILL && si->si_pid == getpid();
}


static int index_of(int sig)
{
    for (unsigned i = 0; i < CRASH_N_FATAL; i++)
        if (crash_fatal_signals[i] == sig)
            return (int)i;
    return -1;
}

/* Put back the disposition from before bbx and make the signal happen again. */
static void fall_through(int sig, const siginfo_t *si)
{
    int i = index_of(sig);
    if (i >= 0 && crash_installed)
        sigaction(sig, &crash_old_actions[i], NULL);
    else
        signal(sig, SIG_DFL);
    if (!refaults(sig, si))
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

/* The message of an abort glibc raised itself ("prog: f.c:12: main:
 * Assertion `n > 0' failed."), into buf[len] without the final newline, or
 * NULL.  Memory is read with safe_mem_read only: a damaged heap or a stale
 * pointer gives NULL, never a fault. */
static const char *abort_message(char *buf, size_t len)
{
    uintptr_t p = 0;
    unsigned size = 0;
    if (!crash_abort_msg || safe_mem_read(&p, (uintptr_t)crash_abort_msg, sizeof(p)) != 0 ||
        !p || safe_mem_read(&size, p, sizeof(size)) != 0 || size <= sizeof(size))
        return NULL;
    size_t n = size - sizeof(size);
    if (n > len - 1)
        n = len - 1;
    while (n && safe_mem_read(buf, p + sizeof(size), n) != 0)
        n /= 2; /* the end of a short mapping */
    buf[n] = 0;
    n = strnlen(buf, n);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        buf[--n] = 0;
    return n ? buf : NULL;
}

static void crash_capture(int sig, siginfo_t *si, void *ctx, uint64_t t0)
{
    char msg[256];
    const char *reason = sig == SIGABRT ? abort_message(msg, sizeof(msg)) : NULL;
    struct capture_trigger trig = { SNAP_TRIGGER_CRASH, sig, si, ctx, reason, t0, NULL };
    capture_run(&trig);
    /* the capture lock stays held: nothing is captured after a crash */
    atomic_store(&bbx_g.crash_done, 1);
    syscall(SYS_futex, (uint32_t *)&bbx_g.crash_done, FUTEX_WAKE_PRIVATE, 1 << 30, NULL,
            NULL, 0);
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
    while (ss_nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Take the crash snapshot for this thread, or wait (bounded) while another
 * thread takes one.  Returns 1 when this thread captured. */
static int capture_or_wait(int sig, siginfo_t *si, void *ctx, uint64_t t0)
{
    pid_t self = ss_gettid();
    int registered = 0;
    /* Bounded: a capture in progress ends within its own timeout. */
    uint64_t bound = (uint64_t)bbx_g.cfg.capture_timeout_ms * 1000 + 2000000;

    /* A crash inside our own capture on this thread falls straight through. */
    while (atomic_load(&bbx_g.initialized) && !atomic_load(&bbx_g.crash_done) &&
           atomic_load(&bbx_g.capture_owner) != self && ss_mono_us() - t0 < bound) {
        if (capture_lock(self, 0) == 0) {
            crash_capture(sig, si, ctx, t0);
            return 1;
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
    /* Another thread's crash was captured: its signal is the one the
     * snapshot names, so let it end the process first (it is on its way);
     * this thread's own signal only follows if the process outlives that. */
    if (registered && atomic_load(&bbx_g.crash_done))
        sleep_ms(1000);
    return 0;
}

/* This thread is inside the program's own handler, called by bbx for the
 * fault in `chain` (a handler installed before bbx_init() runs first: if it
 * recovers, with siglongjmp or by fixing the cause and returning, there was
 * no crash). */
struct chain_ctx {
    int sig;
    siginfo_t *si;
    void *ctx;
    uint64_t t0;
    int captured;
};
static __thread struct chain_ctx *in_chain __attribute__((tls_model("initial-exec")));

/* The program's handler is ending the process (it called _exit, exit or
 * abort, or raised another fatal signal): the fault it was called for is
 * the crash.  Async-signal-safe. */
void crash_chain_ending(void)
{
    struct chain_ctx *c = in_chain;
    stack_t ss;
    if (!c)
        return;
    /* bbx's handler, and so the program's, runs on the alternate stack; a
     * handler that left with siglongjmp left this thread off it. */
    if (sigaltstack(NULL, &ss) != 0 || !(ss.ss_flags & SS_ONSTACK)) {
        in_chain = NULL;
        return;
    }
    if (c->captured || !atomic_load(&bbx_g.initialized))
        return;
    c->captured = 1;
    capture_or_wait(c->sig, c->si, c->ctx, ss_mono_us());
}

/* Call the program's handler as the kernel would have: its mask, its
 * flags, its form.  Returns when (if) the handler returns. */
static void call_old_handler(const struct sigaction *old, int sig, siginfo_t *si, void *ctx)
{
    const ucontext_t *uc = ctx;
    sigset_t mask = uc->uc_sigmask, saved;
    for (int s = 1; s < NSIG; s++)
        if (sigismember(&old->sa_mask, s) == 1)
            sigaddset(&mask, s);
    if (!(old->sa_flags & SA_NODEFER))
        sigaddset(&mask, sig);
    if (old->sa_flags & SA_RESETHAND)
        signal(sig, SIG_DFL);
    ss_sigmask(SIG_SETMASK, &mask, &saved);
    if (old->sa_flags & SA_SIGINFO)
        old->sa_sigaction(sig, si, ctx);
    else
        old->sa_handler(sig);
    /* the mask stays the handler's until the caller decides: a signal the
     * handler raised is still pending */
}

static int is_pending(int sig)
{
    sigset_t p;
    return sigpending(&p) == 0 && sigismember(&p, sig) == 1;
}

/* A handler installed before bbx_init(): run it first.  Returns 1 when
 * the process goes on to die of this signal (bbx captures), 0 when the
 * program handled it. */
static int chain_first(int i, int sig, siginfo_t *si, void *ctx, uint64_t t0)
{
    struct chain_ctx c = { sig, si, ctx, t0, 0 };
    struct chain_ctx *outer = in_chain;
    sigset_t before;
    ss_sigmask(SIG_SETMASK, NULL, &before);
    in_chain = &c;
    call_old_handler(&crash_old_actions[i], sig, si, ctx);
    in_chain = outer;

    struct sigaction cur;
    int ours = sigaction(sig, NULL, &cur) == 0 && (cur.sa_flags & SA_SIGINFO) &&
               cur.sa_sigaction == crash_fatal_handler;
    int dflt = !ours && cur.sa_handler == SIG_DFL;
    int dying = (dflt && (refaults(sig, si) || is_pending(sig))) ||
                (!ours && cur.sa_handler == SIG_IGN && refaults(sig, si)) ||
                from_abort(sig, si);
    if (dying && !c.captured)
        capture_or_wait(sig, si, ctx, t0);
    ss_sigmask(SIG_SETMASK, &before, NULL);
    return dying;
}

void crash_fatal_handler(int sig, siginfo_t *si, void *ctx)
{
    int saved_errno = errno;
    uint64_t t0 = ss_mono_us();
    int i = index_of(sig);

    /* A vfork child (or a raw clone sharing our memory) is not the process
     * bbx was started in: touch nothing the parent will see again. */
    if (!atomic_load(&bbx_g.initialized) || (pid_t)syscall(SYS_getpid) != bbx_g.pid) {
        fall_through(sig, si);
        errno = saved_errno;
        return;
    }
    /* Inside the program's own handler, which now crashes or aborts: the
     * fault it was called for is the crash.  (Interrupted off the alternate
     * stack: that handler was left by siglongjmp long ago.) */
    if (in_chain && !(((const ucontext_t *)ctx)->uc_stack.ss_flags & SS_ONSTACK))
        in_chain = NULL;
    if (in_chain)
        crash_chain_ending();

    const struct sigaction *old = i >= 0 && crash_installed ? &crash_old_actions[i] : NULL;
    int has_handler = old && (old->sa_flags & SA_SIGINFO ? old->sa_sigaction != NULL
                                                         : old->sa_handler != SIG_DFL &&
                                                               old->sa_handler != SIG_IGN);
    if (has_handler && !in_chain && !crash_capture_first[i]) {
        chain_first(i, sig, si, ctx, t0);
        errno = saved_errno;
        return; /* the handler ran, as it would have without bbx */
    }
    if (old && !has_handler && old->sa_handler == SIG_IGN && !refaults(sig, si) &&
        !from_abort(sig, si)) {
        errno = saved_errno;
        return; /* ignored before bbx: still ignored */
    }
    if (!in_chain)
        capture_or_wait(sig, si, ctx, t0);
    fall_through(sig, si);
    errno = saved_errno;
}
