/*
 * triggers.c - snapshots beyond crashes.  STUB: to be written (issue 4).
 */
#include "collector.h"

int triggers_start(void)
{
    return 0;
}

void triggers_stop(void)
{
}

int triggers_snapshot(int kind, const char *reason)
{
    (void)kind;
    (void)reason;
    return BBX_EINVAL;
}
