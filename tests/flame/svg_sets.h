/*
 * svg_sets.h - flame sets made by hand for the SVG flame graph tests: a
 * small known graph, a before/after pair, awkward names, very deep stacks
 * and many random stacks.  Every set is freed with flame_set_free().
 */
#ifndef BBX_TEST_SVG_SETS_H
#define BBX_TEST_SVG_SETS_H

#include <stddef.h>
#include <stdint.h>

#include "flame_model.h"

/* An empty set with a title and a unit. */
flame_set *svg_set_new(const char *title, const char *unit);

/* The index of the frame (function, file:line, module), added when new.
 * function may be NULL (an unknown frame, named by module+address). */
uint32_t svg_set_frame(flame_set *fs, const char *function, const char *file,
                       uint32_t line, const char *module, uint64_t address);

/* Add a stack of frame indexes, root first. */
void svg_set_stack(flame_set *fs, const uint32_t *frames, size_t depth, uint64_t count);

/* Add a stack given by function names (";" separated, root first), each
 * frame in "app.c" at a line derived from its name, module "app". */
void svg_set_folded(flame_set *fs, const char *folded, uint64_t count);

/*
 * The known graph (total 100):
 *   main;run;somefunction 40   main;run;other 20   main;idle 30
 *   main;run;helper;somefunction 10
 * With `after`, the "after" side of a pair against the plain one:
 * somefunction under run grows to 70, idle shrinks to 5, other unchanged.
 */
flame_set *svg_set_known(int after);

/* Names with < & " ' ]]> and invalid UTF-8, plus a frame with no function. */
flame_set *svg_set_awkward(void);

/* One stack `depth` frames deep (plus a shallow one beside it). */
flame_set *svg_set_deep(size_t depth);

/* n random stacks over a few hundred functions with shared prefixes
 * (fixed seed); *total (out) gets the sum of counts. */
flame_set *svg_set_random(size_t n, uint64_t *total);

#endif
