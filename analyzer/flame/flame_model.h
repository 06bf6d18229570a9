/*
 * flame_model.h - a set of weighted stacks, the input of every flame-graph
 * format `bbx flame` writes (folded, svg, speedscope, pprof) and of the
 * flame graph `bbx report` embeds.
 *
 * Frames are interned: each distinct (function, file, line, module,
 * inlined) appears once in `frames` and stacks refer to it by index.
 * Stacks are root first (outermost caller first, the leaf last), like the
 * folded format.  Equal stacks of one group are merged (count summed).
 *
 * Ownership: a flame_set owns every string and array in it; free it with
 * flame_set_free().  Not thread-safe; not async-signal-safe.
 */
#ifndef BBX_FLAME_MODEL_H
#define BBX_FLAME_MODEL_H

#include <stddef.h>
#include <stdint.h>

typedef struct flame_frame {
    char *function;   /* demangled name, or NULL when unknown */
    char *file;       /* source file, or NULL */
    uint32_t line;    /* 0 when unknown */
    char *module;     /* base name of the module ("app", "libc.so.6"), or NULL */
    uint64_t address; /* module-relative address (ELF vaddr) of the frame, 0 unknown */
    int inlined;      /* 1: inlined into its caller, the next frame toward the root */
} flame_frame;

#define FLAME_MORE_VALUES 3

typedef struct flame_stack {
    uint32_t *frames; /* indexes into flame_set.frames, root first */
    size_t depth;
    uint64_t count;   /* how many threads / fds / ... had exactly this stack
                         (heap: its bytes, the set's first value type) */
    uint64_t more[FLAME_MORE_VALUES]; /* the set's other value types, summed
                                         like count */
    uint32_t group;   /* index into flame_set.groups */
} flame_stack;

typedef struct flame_set {
    flame_frame *frames;
    size_t n_frames;
    flame_stack *stacks;
    size_t n_stacks;
    char **groups;    /* e.g. thread names or snapshot labels; at least one */
    size_t n_groups;
    char *title;      /* "bbx flame: stacks of app (pid 42), 12 snapshots" */
    char *unit;       /* what a count counts: "threads", "fds", "threads created" */
    /* Several values per stack (the heap: bytes and allocations, live and
     * since start): n_values types (count first, then more[]) named as
     * pprof's sample types, e.g. "inuse_space" in "bytes".  0: count
     * alone (type `unit`, unit "count").  Static strings. */
    size_t n_values;
    const char *const *value_types;
    const char *const *value_units;
} flame_set;

void flame_set_free(flame_set *fs);

/*
 * A copy of fs in one group whose every stack starts with a frame named
 * after its group (the thread name, the process), as the folded format's
 * lines start with it: what a drawing that has no groups of its own (the
 * SVG) shows as the level below the outermost callers.  NULL when memory
 * ran out.  The caller frees it with flame_set_free().
 */
flame_set *flame_set_grouped(const flame_set *fs);

/*
 * The display name of a frame: "function" when known, else
 * "module+0xADDR", else "??"; with `with_module`, "function [module]".
 * Writes into buf[len] (always terminated) and returns buf.
 */
char *flame_frame_name(const flame_frame *f, int with_module, char *buf, size_t len);

#endif
