/*
 * frame_symbols.h - a snapshot frame to its symbolized frames (the
 * function, file:line:column, and one frame more per inlined call), shared
 * by the text and JSON reports.
 *
 * The session is the caller's (NULL: nothing is symbolized).  Frames other
 * than a thread's first are return addresses and are looked up at pc - 1.
 * Pseudo-modules such as [vdso] are not looked up.  Not thread-safe.
 */
#ifndef BBX_FRAME_SYMBOLS_H
#define BBX_FRAME_SYMBOLS_H

#include <stdio.h>

#include "snap_reader.h"
#include "symbolizer.h"

/* The symbolized frames of frame `i` of thread `t` (innermost first) in
 * *out, and their number; 0 when unknown. */
size_t frame_symbols(sym_session *ss, const snap *s, const snap_thread *t, size_t i,
                     const sym_frame **out);

/* The session's notes (one a module that lacks something), for the
 * report's end; calls fn for each. */
void frame_symbol_notes(sym_session *ss, void (*fn)(void *ctx, const char *note), void *ctx);

#endif
