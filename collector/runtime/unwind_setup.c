/*
 * unwind_setup.c - make and free the libunwind address space the crash path
 * unwinds in (crash/unwind.c), and warm libunwind up.  Init and shutdown
 * only: libunwind allocates here.
 */
#include <libunwind.h>
#include <ucontext.h>

#include "collector.h"

int unwind_init(void)
{
    if (unwind_as)
        return 0;
    unwind_as = unw_create_addr_space(unwind_accessors(), 0);
    if (!unwind_as)
        return BBX_ENOMEM;
    unw_set_caching_policy(unwind_as, UNW_CACHE_GLOBAL);
    /* Warm libunwind up now (its lazy one-time initialisation may allocate):
     * unwind the current thread once. */
    ucontext_t uc;
    uintptr_t pcs[4];
    int trunc;
    if (getcontext(&uc) == 0 && modscan_run(&bbx_g.mods) == 0)
        unwind_context(&uc, pcs, 4, &trunc);
    return 0;
}

void unwind_release(void)
{
    if (unwind_as)
        unw_destroy_addr_space(unwind_as);
    unwind_as = NULL;
}
