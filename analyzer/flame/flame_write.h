/*
 * flame_write.h - the text and binary formats `bbx flame` writes from a
 * flame set (flame_model.h): folded stacks (FlameGraph / inferno input, and
 * difffolded's two-count form), speedscope's JSON file format, and pprof's
 * profile.proto, gzip-compressed.  The SVG writer is flame_svg.h.
 *
 * Each returns 0, or -1 when memory ran out or the stream failed (check
 * ferror on the caller's side too).  The set stays the caller's.  Not
 * thread-safe.
 */
#ifndef BBX_FLAME_WRITE_H
#define BBX_FLAME_WRITE_H

#include <stdio.h>

#include "flame_model.h"

/*
 * Folded: one line per distinct stack, "group;root;...;leaf COUNT", sorted;
 * the group (thread name or snapshot) is the root frame.  Frames are named
 * by flame_frame_name() (with_module: "fn [module]"); ';' in a name becomes
 * ':' and line breaks become spaces.  With base (--diff): "stack BASE CUR"
 * for every stack of either set, 0 where a set lacks it.
 */
int flame_write_folded(const flame_set *fs, const flame_set *base, int with_module, FILE *out);

/* speedscope's file format: shared frames, one "sampled" profile per group. */
int flame_write_speedscope(const flame_set *fs, int with_module, FILE *out);

/* pprof: gzip'd profile.proto; samples labelled `label_key` = group name. */
int flame_write_pprof(const flame_set *fs, const char *label_key, FILE *out);

#endif
