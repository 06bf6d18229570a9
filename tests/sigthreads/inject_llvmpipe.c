/*
 * inject_llvmpipe.c - a fault-injection preload for e2e_sigthreads.py: the
 * first Mesa llvmpipe render thread to name itself (llvmpipe's threads call
 * pthread_setname_np(pthread_self(), "llvmpipe-N") as they start)
 * dereferences NULL in llvmpipe_fault(), inside that thread, with the
 * signal mask Mesa gave it.  Other calls pass through.  Used as
 * LD_PRELOAD="libbbx-preload.so inject_llvmpipe.so" glxgears.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

static atomic_int fired;

__attribute__((noinline)) static void llvmpipe_fault(void)
{
    volatile int *volatile p = NULL;
    *p = 42;
}

__attribute__((visibility("default"))) int pthread_setname_np(pthread_t thread,
                                                                const char *name)
{
    int (*real)(pthread_t, const char *) =
        (int (*)(pthread_t, const char *))dlsym(RTLD_NEXT, "pthread_setname_np");
    int rc = real ? real(thread, name) : 0;
    if (strncmp(name, "llvmpipe-", 9) == 0 && pthread_equal(thread, pthread_self()) &&
        atomic_exchange(&fired, 1) == 0)
        llvmpipe_fault();
    return rc;
}
