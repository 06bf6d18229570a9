/*
 * track_stack.h - creation stacks for tracking mode (track_stack.c).
 * Normal context only: never called on the crash path.
 */
#ifndef BBX_TRACK_STACK_H
#define BBX_TRACK_STACK_H

#include <stdint.h>

#include "track_table.h"

/* Most frames kept per creation stack (bbx_config.track_frames is clamped
 * to it). */

/* Find the modules whose frames are skipped (bbx, sanitizer runtimes) and
 * prepare the unwinder.  Called by track_start(). */
void track_stack_init(void);

/* The calling thread's stack from return address `ra` outwards into
 * out[0..max); returns the count, *truncated when frames were left out. */
unsigned track_stack_grab(uintptr_t ra, uintptr_t *out, unsigned max, int *truncated);

#endif
