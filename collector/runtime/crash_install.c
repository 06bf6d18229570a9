/*
 * crash_install.c - installing and removing the fatal-signal handler
 * (crash/crash_handler.c), and what a fork() child must reset.  Init and
 * shutdown only: not async-signal-safe (dladdr, dlsym).
 */
#include <dlfcn.h>
#include <string.h>
#include <unistd.h>

#include "blocking_calls.h"
#include "collector.h"
#include "safe_mem.h"

void crash_after_fork(void)
{
    bbx_g.pid = getpid();
    safe_mem_set_pid(bbx_g.pid);
    calls_after_fork();
}

int crash_handlers_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = crash_fatal_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    for (unsigned i = 0; i < CRASH_N_FATAL; i++)
        sigaddset(&sa.sa_mask, crash_fatal_signals[i]);
    for (unsigned i = 0; i < CRASH_N_FATAL; i++) {
        if (sigaction(crash_fatal_signals[i], &sa, &crash_old_actions[i]) != 0) {
            while (i-- > 0)
                sigaction(crash_fatal_signals[i], &crash_old_actions[i], NULL);
            return BBX_ESIGNAL;
        }
    }
    /* A sanitizer's handler reports and ends the process with a raw
     * exit_group (no _exit for bbx to see): capture before it runs. */
    for (unsigned i = 0; i < CRASH_N_FATAL; i++) {
        Dl_info di;
        const struct sigaction *o = &crash_old_actions[i];
        void *fn = o->sa_flags & SA_SIGINFO ? (void *)o->sa_sigaction : (void *)o->sa_handler;
        crash_capture_first[i] =
            fn != (void *)SIG_DFL && fn != (void *)SIG_IGN && dladdr(fn, &di) &&
                           di.dli_fname &&
                           (strstr(di.dli_fname, "libasan") || strstr(di.dli_fname, "libubsan") ||
                            strstr(di.dli_fname, "libtsan") || strstr(di.dli_fname, "liblsan") ||
                            strstr(di.dli_fname, "libclang_rt") ||
                            (di.dli_sname && strstr(di.dli_sname, "sanitizer")));
    }
    crash_abort_msg = dlsym(RTLD_DEFAULT, "__abort_msg");
    crash_installed = 1;
    return 0;
}

void crash_handlers_uninstall(void)
{
    if (!crash_installed)
        return;
    for (unsigned i = 0; i < CRASH_N_FATAL; i++) {
        struct sigaction cur;
        /* leave alone a handler the application installed after us */
        if (sigaction(crash_fatal_signals[i], NULL, &cur) == 0 && cur.sa_sigaction == crash_fatal_handler)
            sigaction(crash_fatal_signals[i], &crash_old_actions[i], NULL);
    }
    crash_installed = 0;
}
