/*
 * inject_threads.c - a fault-injection preload for the signal-blocking
 * thread tests: it makes one toolkit thread, started with every signal
 * blocked by GLib or Mesa, fault or spin, inside that thread, with the mask
 * the toolkit gave it.  $INJECT chooses:
 *   llvmpipe-fault (default)  the first Mesa llvmpipe render thread to name
 *       itself (llvmpipe threads call pthread_setname_np(pthread_self(),
 *       "llvmpipe-N") as they start) prints its blocked-signal mask as the
 *       kernel has it ("SigBlk of llvmpipe: HEX" on stderr) and runs int3
 *       (SIGTRAP) in llvmpipe_fault().  A trap, not a NULL dereference:
 *       Mesa's threads block almost every signal but leave SIGSEGV (and
 *       SIGSYS) deliverable, so only a signal the mask blocks shows whether
 *       bbx keeps faults deliverable.
 *   llvmpipe-spin  that thread renames itself "llvmpipe-spin" and spins in
 *       user space in llvmpipe_spin() (forever: the test kills the program)
 *   gmain-spin     GLib's "gmain" thread spins in gmain_spin() at its first
 *       poll() (list this library before libbbx-preload.so, so that the
 *       thread spins outside bbx's wrapped poll)
 * Every call passes through otherwise.  Used as
 * LD_PRELOAD="libbbx-preload.so inject_threads.so" glxgears.
 */
#include <dlfcn.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#define EXPORT __attribute__((visibility("default")))

static atomic_int fired;

static int mode_is(const char *m)
{
    const char *v = getenv("INJECT");
    return strcmp(v && *v ? v : "llvmpipe-fault", m) == 0;
}

/* The thread's mask as the kernel has it (with bbx: after its changes). */
static void print_sigblk(void)
{
    char line[256];
    FILE *f = fopen("/proc/thread-self/status", "r");
    if (!f)
        return;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, "SigBlk:", 7) == 0)
            fprintf(stderr, "SigBlk of llvmpipe: %s", line + 7);
    fclose(f);
}

__attribute__((noinline)) static void llvmpipe_fault(void)
{
    print_sigblk();
    __asm__ volatile("int3");
}

/* Two loops of their own (not one shared function: the compiler would
 * fold identical functions into one name). */
__attribute__((noinline)) static void llvmpipe_spin(void)
{
    static volatile unsigned long llvmpipe_turns;
    for (;;)
        llvmpipe_turns++;
}

__attribute__((noinline)) static void gmain_spin(void)
{
    static volatile unsigned gmain_turns;
    for (;;)
        gmain_turns += 3;
}

/* For the ASan+UBSan build, where the test preloads the ASan runtime into
 * gtk3-demo, which is not instrumented: libgpg-error's constructor calls
 * bindtextdomain() before anything else allocates, so the runtime
 * initialises inside that malloc, with libintl's lock held; while doing so
 * it looks up swift_demangle with dlsym and clears the failure with
 * dlerror(), which translates the message and takes the same lock again:
 * the lock is left corrupt and the program hangs at its next gettext.
 * With the symbol found there is no failure to translate.  It demangles
 * nothing. */
EXPORT char *swift_demangle(const char *name, size_t len, char *out, size_t *out_len,
                            unsigned flags);
EXPORT char *swift_demangle(const char *name, size_t len, char *out, size_t *out_len,
                            unsigned flags)
{
    (void)name, (void)len, (void)out, (void)out_len, (void)flags;
    return NULL;
}

EXPORT int pthread_setname_np(pthread_t thread, const char *name)
{
    int (*real)(pthread_t, const char *) =
        (int (*)(pthread_t, const char *))dlsym(RTLD_NEXT, "pthread_setname_np");
    if (!real)
        return 0;
    int rc = real(thread, name);
    if (strncmp(name, "llvmpipe-", 9) == 0 && pthread_equal(thread, pthread_self()) &&
        (mode_is("llvmpipe-fault") || mode_is("llvmpipe-spin")) &&
        atomic_exchange(&fired, 1) == 0) {
        if (mode_is("llvmpipe-spin")) {
            real(thread, "llvmpipe-spin"); /* the test finds it by this name */
            llvmpipe_spin();
        }
        llvmpipe_fault();
    }
    return rc;
}

EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout)
{
    static int (*real)(struct pollfd *, nfds_t, int);
    char name[17] = "";
    if (!real)
        real = (int (*)(struct pollfd *, nfds_t, int))dlsym(RTLD_NEXT, "poll");
    if (mode_is("gmain-spin") && prctl(PR_GET_NAME, name) == 0 && strcmp(name, "gmain") == 0)
        gmain_spin();
    return real(fds, n, timeout);
}
