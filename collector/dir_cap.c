/*
 * dir_cap.c - the snapshot directory cap.  STUB: to be written (issue 4).
 */
#include "collector.h"

int dir_cap_init(void)
{
    return 0;
}

void dir_cap_release(void)
{
}

void dir_cap_enforce(void)
{
}
