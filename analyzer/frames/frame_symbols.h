/*
 * frame_symbols.h - a snapshot frame to its symbolized frames (the
 * function, file:line:column, and one frame more per inlined call), shared
 * by the text and JSON reports.
 *
 * The session is the caller's (NULL: nothing is symbolized).  Frames other
 * than a thread's first are return addresses and are looked up at pc - 1.
 * The vDSO is looked up in the image the snapshot carries (MODULE IMAGE),
 * never in the vDSO of the machine running bbx; without an image its
 * frames stay unnamed and the session gets a note saying why.  Not
 * thread-safe.
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

/* The same for any address of the snapshot's process: `is_return` when pc
 * follows a call (origin frames), 0 for a code address (a start routine). */
size_t frame_symbols_pc(sym_session *ss, const snap *s, uint64_t pc, int is_return,
                        const sym_frame **out);

/* The same with the module already known (a copy of a snapshot's module
 * record, as `bbx leaks` keeps them): pc is an address in that process. */
size_t frame_symbols_module(sym_session *ss, const snap_module *m, uint64_t pc,
                            int is_return, const sym_frame **out);

/* The index of the first frame of origin `o` outside the collector itself
 * (a module named libbbx*): where the program asked for the resource.  0
 * when every frame is in the collector or none is. */
size_t frame_origin_first(const snap *s, const snap_origin *o);

/* 1 when `path` is the collector's own library (libbbx.so*, libbbx-preload.so). */
int frame_module_is_collector(const char *path);

/* The session's notes (one a module that lacks something), for the
 * report's end; calls fn for each and returns how many there were (ss may
 * be NULL: none).  With fn NULL it only counts them. */
size_t frame_symbol_notes(sym_session *ss, void (*fn)(void *ctx, const char *note), void *ctx);

#endif
