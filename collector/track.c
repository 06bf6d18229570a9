/*
 * track.c - tracking mode.  STUB: to be written (issue 4).
 */
#include "collector.h"

int track_start(unsigned flags, unsigned frames)
{
    (void)flags;
    (void)frames;
    return 0;
}

void track_stop(void)
{
}

unsigned track_flags(void)
{
    return 0;
}

unsigned origins_write(snap_writer *w, uint64_t *lost)
{
    (void)w;
    *lost = 0;
    return 0;
}
