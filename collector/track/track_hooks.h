/*
 * track_hooks.h - helpers shared by the interposed calls of tracking mode
 * (track_fd_hooks.c, track_stdio_hooks.c).
 */
#ifndef BBX_TRACK_HOOKS_H
#define BBX_TRACK_HOOKS_H

#include "track_table.h"

/* The real `name`, resolved once (see track_real). */
#define TRACK_REAL(name) static void *_Atomic real_##name
#define TRACK_RESOLVE(name) ((__typeof__(&name))track_real(&real_##name, #name))

/* The return address in the program's code that called the hook: only
 * valid in the exported function itself. */
#define TRACK_RA ((uintptr_t)__builtin_return_address(0))

#endif
