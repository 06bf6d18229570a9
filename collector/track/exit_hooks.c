/*
 * exit_hooks.c - _exit(), _Exit() and exit() called by the program's own
 * fault handler.
 *
 * A handler installed before bbx_init() runs first (crash_handler.c); when
 * it ends the process itself, the fault it was called for is the crash, so
 * the snapshot is taken here, before the process goes.  Everywhere else
 * these are the libc calls, unchanged (one thread-local read more).
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "collector.h"

BBX_API void _exit(int status)
{
    crash_chain_ending();
    for (;;)
        syscall(SYS_exit_group, status);
}

BBX_API void _Exit(int status)
{
    crash_chain_ending();
    for (;;)
        syscall(SYS_exit_group, status);
}

static void (*_Atomic real_exit)(int);

/* Init only: exit() may be called from the program's fault handler, which
 * bbx calls from its own signal handler, where dlsym() must not run. */
void chain_exit_init(void)
{
    if (!atomic_load(&real_exit))
        atomic_store(&real_exit, (void (*)(int))dlsym(RTLD_NEXT, "exit"));
}

BBX_API void exit(int status)
{
    crash_chain_ending();
    void (*f)(int) = atomic_load(&real_exit);
    if (!f && !atomic_load(&bbx_g.initialized)) {
        chain_exit_init(); /* before bbx_init(): no bbx handler can be running */
        f = atomic_load(&real_exit);
    }
    if (f)
        f(status);
    for (;;)
        syscall(SYS_exit_group, status);
}
