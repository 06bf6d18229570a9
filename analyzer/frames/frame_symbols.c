/*
 * frame_symbols.c - snapshot frames through the symbolizer.
 */
#include "frame_symbols.h"

#include <string.h>

#include "path_name.h"

size_t frame_symbols_pc(sym_session *ss, const snap *s, uint64_t pc, int is_return,
                        const sym_frame **out)
{
    *out = NULL;
    if (!ss)
        return 0;
    return frame_symbols_module(ss, snap_module_for_pc(s, pc), pc, is_return, out);
}

/* Why a vDSO without its image cannot be named: the one note for it. */
#define VDSO_NO_IMAGE                                                                    \
    "[vdso]: the snapshot has no image of the vDSO (written by a collector older than "  \
    "format 1.3, or rewritten by a bbx that dropped it), so its frames are not named; "  \
    "the vDSO of the machine reading the snapshot is never used in its place"

/* The symbolizer's module for m: a file by path and build-id, or the image
 * the snapshot carries (the vDSO); NULL when there is nothing to look in. */
static sym_module *module_of(sym_session *ss, const snap_module *m)
{
    if (m->image_len)
        return sym_module_get_image(ss, m->path ? m->path : "[vdso]", m->build_id,
                                    m->build_id_len, m->image, m->image_len);
    if (m->path && strcmp(m->path, "[vdso]") == 0)
        return sym_module_get_absent(ss, m->path, m->build_id, m->build_id_len, VDSO_NO_IMAGE);
    if (!m->path || m->path[0] != '/')
        return NULL;
    return sym_module_get(ss, m->path, m->build_id, m->build_id_len);
}

size_t frame_symbols_module(sym_session *ss, const snap_module *m, uint64_t pc,
                            int is_return, const sym_frame **out)
{
    *out = NULL;
    if (!ss || !m)
        return 0;
    sym_module *sm = module_of(ss, m);
    if (!sm)
        return 0;
    return sym_lookup(ss, sm, pc - m->bias, is_return, out);
}

size_t frame_symbols(sym_session *ss, const snap *s, const snap_thread *t, size_t i,
                     const sym_frame **out)
{
    *out = NULL;
    if (i >= t->n_frames)
        return 0;
    return frame_symbols_pc(ss, s, t->frames[i], i > 0, out);
}

int frame_module_is_collector(const char *path)
{
    const char *base;
    if (!path)
        return 0;
    base = path_base_name(path);
    return strncmp(base, "libbbx", 6) == 0;
}

size_t frame_origin_first(const snap *s, const snap_origin *o)
{
    for (size_t i = 0; i < o->n_frames; i++) {
        const snap_module *m = snap_module_for_pc(s, o->frames[i]);
        if (!m || !frame_module_is_collector(m->path))
            return i;
    }
    return 0;
}

size_t frame_symbol_notes(sym_session *ss, void (*fn)(void *ctx, const char *note), void *ctx)
{
    sym_module *const *mods;
    size_t n = ss ? sym_session_modules(ss, &mods) : 0, notes = 0;
    for (size_t i = 0; i < n; i++) {
        if (!sym_module_note(mods[i]))
            continue;
        notes++;
        if (fn)
            fn(ctx, sym_module_note(mods[i]));
    }
    return notes;
}
