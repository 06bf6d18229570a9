/*
 * unwind_setup.c - make and free the libunwind address space the crash path
 * unwinds in (crash/unwind.c).  Init and shutdown only: libunwind allocates
 * here.
 */
#include <libunwind.h>

#include "collector.h"

int unwind_init(void)
{
    if (unwind_as)
        return 0;
    unwind_as = unw_create_addr_space(unwind_accessors(), 0);
    if (!unwind_as)
        return BBX_ENOMEM;
    /* This also runs libunwind's one-time initialisation (tdep_init: its
     * memory pools, the pipe its memory validation uses), which would
     * otherwise run in the first unwind, inside a crash.  What is left
     * lazy takes no allocation and no fd: the register-state cache was
     * set up just now, the pools were filled, and unwinding in our own
     * address space goes through our accessors (crash/unwind.c).  No
     * warm-up unwind and no module scan here: they cost most of the start
     * of every process (issue 13); the first capture scans the modules. */
    unw_set_caching_policy(unwind_as, UNW_CACHE_GLOBAL);
    return 0;
}

void unwind_release(void)
{
    if (unwind_as)
        unw_destroy_addr_space(unwind_as);
    unwind_as = NULL;
}
