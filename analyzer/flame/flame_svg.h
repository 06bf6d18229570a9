/*
 * flame_svg.h - writes a flame_set as a self-contained interactive SVG flame
 * graph: click a frame to zoom into it, reset, search with highlighting, a
 * status line with the full frame, its count and share.  With a base set it
 * is a differential graph: widths from the current set, colour by growth
 * (red) or shrinkage (blue) against the base.
 *
 * The document needs no network and no external resource.  It also works
 * inlined into an HTML page (bbx report): every element id carries a prefix
 * unique to the document, the script is one closure that defines no global
 * name, and every string is XML-escaped (control bytes, invalid UTF-8 and the non-characters XML forbids become \xNN text).
 *
 * Frames narrower than a pixel (at the given width) are merged away, as the
 * FlameGraph tools do: their counts stay in their parent, so a million input
 * stacks still give a small document.
 *
 * Not thread-safe per stream; allocates (the frame tree), frees before return.
 */
#ifndef BBX_FLAME_SVG_H
#define BBX_FLAME_SVG_H

#include <stdio.h>

#include "flame_model.h"

typedef struct flame_svg_options {
    unsigned width;      /* px, default 1200 (0 means the default) */
    int with_module;     /* frame labels "function [module]" */
    const char *title;   /* NULL: fs->title */
} flame_svg_options;

/*
 * Write the SVG document of `fs` to `out`.  `base` is NULL, or the set to
 * compare against for a differential graph.  `o` may be NULL (defaults).
 * Returns 0, or -1 on a write error or when memory runs out.  The caller
 * keeps ownership of everything it passes.
 */
int flame_write_svg(const flame_set *fs, const flame_set *base,
                    const flame_svg_options *o, FILE *out);

#endif
