/*
 * signal_mask.c - the fault signals and bbx's thread signal stay
 * deliverable in every thread the program starts or masks after bbx_init().
 *
 * A synchronous fault (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS)
 * raised while its signal is blocked is not delivered: the kernel resets
 * the signal to its default action and the process dies without running
 * any handler, so bbx writes nothing.  Toolkits start their threads with
 * (almost) every signal blocked (GLib's gmain and pool threads, Mesa's
 * llvmpipe threads), and such a thread cannot be asked for its stack with
 * the thread signal either.  So, while bbx is initialised:
 *  - a thread started through pthread_create (thread_hooks.c) unblocks the
 *    kept signals first thing, with a raw rt_sigprocmask;
 *  - pthread_sigmask() and sigprocmask() requests SIG_BLOCK and SIG_SETMASK
 *    are passed on with the kept signals taken out of a copy of the set
 *    (the caller's set is never written); SIG_UNBLOCK is passed as is.
 * The kept signals: SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGABRT,
 * SIGSYS and bbx_g.thread_signal.  Every other signal is blocked exactly as
 * the program asks, so which thread receives it does not change.  `oldset`
 * reports the mask as the kernel has it: the kept signals never show as
 * blocked, because they are not.
 *
 * Not adjusted (documented in README.md): masks set by other means
 * (sigaction's sa_mask while a handler runs, sigsuspend, pselect/ppoll/
 * epoll_pwait's temporary masks, setcontext/swapcontext, siglongjmp, raw
 * system calls) and threads started before bbx_init() or by raw clone.
 *
 * Async-signal-safe (pthread_sigmask and sigprocmask are): the real
 * functions are resolved with dlsym when first needed, and the raw system
 * call stands in while they cannot be (inside bbx, during dlsym).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>

#include "collector.h"
#include "sigsafe.h"
#include "track_table.h"

#include "signal_mask.h"

static const int kept_faults[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGABRT, SIGSYS };

static void *_Atomic real_pthread_sigmask;
static void *_Atomic real_sigprocmask;

typedef int (*sigmask_fn)(int, const sigset_t *, sigset_t *);

/* The kept signals as the kernel's 64-bit mask. */
static uint64_t kept_bits(void)
{
    uint64_t bits = 0;
    for (unsigned i = 0; i < sizeof(kept_faults) / sizeof(kept_faults[0]); i++)
        bits |= 1ull << (kept_faults[i] - 1);
    int ts = bbx_g.thread_signal;
    if (ts > 0 && ts <= 64)
        bits |= 1ull << (ts - 1);
    return bits;
}

void sigmask_keep_deliverable(void)
{
    uint64_t bits = kept_bits();
    ss_sigmask(SIG_UNBLOCK, &bits, NULL);
}

/* The set to pass on: `set` itself, or `copy` without the kept signals. */
static const sigset_t *adjusted(int how, const sigset_t *set, sigset_t *copy)
{
    if (!set || (how != SIG_BLOCK && how != SIG_SETMASK) || !atomic_load(&bbx_g.initialized))
        return set;
    *copy = *set;
    for (unsigned i = 0; i < sizeof(kept_faults) / sizeof(kept_faults[0]); i++)
        sigdelset(copy, kept_faults[i]);
    if (bbx_g.thread_signal > 0)
        sigdelset(copy, bbx_g.thread_signal);
    return copy;
}

BBX_API int pthread_sigmask(int how, const sigset_t *set, sigset_t *oldset)
{
    sigset_t copy;
    int saved = errno;
    sigmask_fn real = (sigmask_fn)track_real(&real_pthread_sigmask, "pthread_sigmask");
    set = adjusted(how, set, &copy);
    if (real)
        return real(how, set, oldset);
    /* not resolved yet: the kernel, with pthread_sigmask's return convention */
    if (oldset)
        sigemptyset(oldset);
    int rc = ss_sigmask(how, set, oldset) == 0 ? 0 : errno;
    errno = saved;
    return rc;
}

BBX_API int sigprocmask(int how, const sigset_t *set, sigset_t *oldset)
{
    sigset_t copy;
    sigmask_fn real = (sigmask_fn)track_real(&real_sigprocmask, "sigprocmask");
    set = adjusted(how, set, &copy);
    if (real)
        return real(how, set, oldset);
    if (oldset)
        sigemptyset(oldset);
    return ss_sigmask(how, set, oldset);
}
