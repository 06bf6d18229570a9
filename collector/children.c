/*
 * children.c - child processes.  STUB: to be written (issue 4).
 */
#include "collector.h"

unsigned children_write(snap_writer *w)
{
    (void)w;
    return 0;
}
