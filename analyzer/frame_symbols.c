/*
 * frame_symbols.c - snapshot frames through the symbolizer.
 */
#include "frame_symbols.h"

size_t frame_symbols(sym_session *ss, const snap *s, const snap_thread *t, size_t i,
                     const sym_frame **out)
{
    const snap_module *m;
    *out = NULL;
    if (!ss || i >= t->n_frames || !(m = snap_module_for_pc(s, t->frames[i])) || !m->path ||
        m->path[0] != '/')
        return 0;
    sym_module *sm = sym_module_get(ss, m->path, m->build_id, m->build_id_len);
    if (!sm)
        return 0;
    return sym_lookup(ss, sm, t->frames[i] - m->bias, i > 0, out);
}

void frame_symbol_notes(sym_session *ss, void (*fn)(void *ctx, const char *note), void *ctx)
{
    sym_module *const *mods;
    size_t n = ss ? sym_session_modules(ss, &mods) : 0;
    for (size_t i = 0; i < n; i++)
        if (sym_module_note(mods[i]))
            fn(ctx, sym_module_note(mods[i]));
}
