/*
 * sym_session.c - the symbolizer session: debug directories, modules, the
 * result cache keyed by (module, address), and lookups.
 */
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sym_internal.h"

#define ARENA_BLOCK (64u << 10)
#define MAX_DEPTH 64

void *sym_alloc(sym_session *s, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    if (n > s->arena_left) {
        size_t size = n > ARENA_BLOCK ? n : ARENA_BLOCK;
        if (s->n_blocks == s->cap_blocks) {
            size_t cap = s->cap_blocks ? s->cap_blocks * 2 : 16;
            char **b = realloc(s->blocks, cap * sizeof(*b));
            if (!b)
                return NULL;
            s->blocks = b;
            s->cap_blocks = cap;
        }
        char *block = malloc(size);
        if (!block)
            return NULL;
        s->blocks[s->n_blocks++] = block;
        s->arena = block;
        s->arena_left = size;
    }
    void *p = s->arena;
    s->arena += n;
    s->arena_left -= n;
    return p;
}

char *sym_strdup(sym_session *s, const char *str)
{
    size_t n = strlen(str) + 1;
    char *p = sym_alloc(s, n);
    if (p)
        memcpy(p, str, n);
    return p;
}

static int add_dir(sym_session *s, const char *dir, size_t len)
{
    if (len == 0)
        return 0;
    char **d = realloc(s->dirs, (s->n_dirs + 1) * sizeof(*d));
    if (!d)
        return -1;
    s->dirs = d;
    s->dirs[s->n_dirs] = strndup(dir, len);
    return s->dirs[s->n_dirs] ? (int)(s->n_dirs++, 0) : -1;
}

sym_session *sym_session_new(const sym_options *opt)
{
    sym_session *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    elf_version(EV_CURRENT);
    if (opt)
        s->opt = *opt;
    else
        s->opt.use_env = 1;
    s->opt.debug_dirs = NULL;
    int bad = sym_dbgd_init(s);
    for (size_t i = 0; opt && i < opt->n_debug_dirs; i++)
        bad |= add_dir(s, opt->debug_dirs[i], strlen(opt->debug_dirs[i]));
    const char *env = s->opt.use_env ? getenv("BBX_DEBUG_PATH") : NULL;
    while (env && *env) {
        const char *colon = strchr(env, ':');
        size_t len = colon ? (size_t)(colon - env) : strlen(env);
        bad |= add_dir(s, env, len);
        env = colon ? colon + 1 : NULL;
    }
    bad |= add_dir(s, "/usr/lib/debug", strlen("/usr/lib/debug"));
    /* libdwfl: the main file's directory, its .debug/, then ours */
    size_t len = 8;
    for (size_t i = 0; i < s->n_dirs; i++)
        len += strlen(s->dirs[i]) + 1;
    s->dwfl_path = malloc(len + 1);
    if (bad || !s->dwfl_path) {
        sym_session_free(s);
        return NULL;
    }
    strcpy(s->dwfl_path, ":.debug");
    for (size_t i = 0; i < s->n_dirs; i++) {
        strcat(s->dwfl_path, ":");
        strcat(s->dwfl_path, s->dirs[i]);
    }
    s->callbacks.find_elf = dwfl_build_id_find_elf;
    s->callbacks.find_debuginfo = sym_find_debuginfo;
    s->callbacks.section_address = dwfl_offline_section_address;
    s->callbacks.debuginfo_path = &s->dwfl_path;
    s->image_callbacks = s->callbacks;
    s->image_callbacks.find_elf = sym_find_image_elf;
    return s;
}

static void module_free(sym_module *m)
{
    for (size_t i = 0; i < m->cu_cap; i++)
        sym_cu_index_free(m->cus ? m->cus[i] : NULL);
    free(m->cus);
    free(m->syms);
    if (m->dwfl)
        dwfl_end(m->dwfl);
    free(m->image); /* after dwfl_end: its Elf reads it */
    free(m->looked);
    free(m->path);
    free(m);
}

void sym_session_free(sym_session *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_mods; i++)
        module_free(s->mods[i]);
    free(s->mods);
    for (size_t i = 0; i < s->n_dirs; i++)
        free(s->dirs[i]);
    free(s->dirs);
    free(s->dwfl_path);
    sym_dbgd_free(s);
    free(s->cache);
    for (size_t i = 0; i < s->n_blocks; i++)
        free(s->blocks[i]);
    free(s->blocks);
    free(s);
}

static int same_id(const sym_module *m, const uint8_t *id, size_t len)
{
    return len && m->build_id_len == len && memcmp(m->build_id, id, len) == 0;
}

static sym_module *module_new(sym_session *s, const char *path, const uint8_t *build_id,
                              size_t build_id_len)
{
    if (s->n_mods == s->cap_mods) {
        size_t cap = s->cap_mods ? s->cap_mods * 2 : 16;
        sym_module **mods = realloc(s->mods, cap * sizeof(*mods));
        if (!mods)
            return NULL;
        s->mods = mods;
        s->cap_mods = cap;
    }
    sym_module *m = calloc(1, sizeof(*m));
    if (!m || !(m->path = strdup(path ? path : ""))) {
        free(m);
        return NULL;
    }
    m->s = s;
    m->id = (uint32_t)s->n_mods;
    if (build_id_len)
        memcpy(m->build_id, build_id, build_id_len);
    m->build_id_len = build_id_len;
    s->mods[s->n_mods++] = m;
    return m;
}

sym_module *sym_module_get(sym_session *s, const char *path, const uint8_t *build_id,
                           size_t build_id_len)
{
    if (build_id_len > SYM_BUILD_ID_MAX)
        build_id_len = 0; /* not a build-id we can trust */
    for (size_t i = 0; i < s->n_mods; i++) {
        sym_module *m = s->mods[i];
        if (m->image || m->absent)
            continue; /* sym_module_get_image()'s and _absent()'s */
        if (build_id_len ? same_id(m, build_id, build_id_len)
                         : (m->build_id_len == 0 && strcmp(m->path, path) == 0)) {
            if (m->opened && !m->usable && path && strcmp(m->path, path) != 0) {
                /* not found where first recorded: look again from here */
                char *p = strdup(path);
                if (p) {
                    free(m->path);
                    m->path = p;
                    m->opened = 0;
                    m->note = NULL;
                    m->dbgd_note = NULL;
                    m->dbgd_asked_exe = m->dbgd_asked_debug = 0;
                    m->looked_len = 0;
                    if (m->dwfl)
                        dwfl_end(m->dwfl);
                    m->dwfl = NULL;
                    m->mod = NULL;
                    free(m->syms);
                    m->syms = NULL;
                    m->n_syms = 0;
                    m->symtab_built = 0;
                }
            }
            return m;
        }
    }
    return module_new(s, path, build_id, build_id_len);
}


/* The module that has this image: the same build-id, or without one the
 * same bytes. */
static sym_module *image_module(sym_session *s, const uint8_t *build_id, size_t build_id_len,
                                const void *image, size_t image_len)
{
    for (size_t i = 0; i < s->n_mods; i++) {
        sym_module *m = s->mods[i];
        if (m->image && (build_id_len ? same_id(m, build_id, build_id_len)
                                      : (!m->build_id_len && m->image_len == image_len &&
                                         memcmp(m->image, image, image_len) == 0)))
            return m;
    }
    return NULL;
}

sym_module *sym_module_get_image(sym_session *s, const char *name, const uint8_t *build_id,
                                 size_t build_id_len, const void *image, size_t image_len)
{
    if (build_id_len > SYM_BUILD_ID_MAX)
        build_id_len = 0;
    sym_module *m = image_module(s, build_id, build_id_len, image, image_len);
    if (m)
        return m;
    uint8_t *copy = malloc(image_len ? image_len : 1);
    if (!copy)
        return NULL;
    memcpy(copy, image, image_len);
    /* a module of its own, even when an absent one has the build-id: the
     * cache holds that one's empty answers */
    if (!(m = module_new(s, name, build_id, build_id_len))) {
        free(copy);
        return NULL;
    }
    m->image = copy;
    m->image_len = image_len;
    return m;
}

sym_module *sym_module_get_absent(sym_session *s, const char *name, const uint8_t *build_id,
                                  size_t build_id_len, const char *note)
{
    if (build_id_len > SYM_BUILD_ID_MAX)
        build_id_len = 0;
    sym_module *m = build_id_len ? image_module(s, build_id, build_id_len, NULL, 0) : NULL;
    if (m)
        return m; /* another snapshot of the same vDSO had its image */
    for (size_t i = 0; i < s->n_mods; i++) {
        m = s->mods[i];
        if (m->absent && (build_id_len ? same_id(m, build_id, build_id_len)
                                       : (!m->build_id_len && strcmp(m->path, name) == 0)))
            return m;
    }
    if (!(m = module_new(s, name, build_id, build_id_len)))
        return NULL;
    m->absent = m->opened = 1;
    m->note = note ? sym_strdup(s, note) : NULL;
    return m;
}

const char *sym_module_note(const sym_module *m)
{
    return m->note;
}

int sym_module_usable(sym_module *m)
{
    if (!m->opened)
        sym_module_open(m);
    return m->usable;
}

const char *sym_module_path(const sym_module *m)
{
    return m->path;
}

const char *sym_module_file(const sym_module *m)
{
    return m->file;
}

size_t sym_session_modules(const sym_session *s, sym_module *const **mods)
{
    *mods = s->mods;
    return s->n_mods;
}

/* ---- the index of CUs, per module ---- */

static struct sym_cu_index *cu_index_get(sym_module *m, Dwarf_Die *cudie)
{
    Dwarf_Off off = dwarf_dieoffset(cudie);
    if (m->n_cus * 2 >= m->cu_cap) {
        size_t cap = m->cu_cap ? m->cu_cap * 2 : 64;
        struct sym_cu_index **t = calloc(cap, sizeof(*t));
        if (!t)
            return NULL;
        for (size_t i = 0; i < m->cu_cap; i++) {
            struct sym_cu_index *ci = m->cus[i];
            if (!ci)
                continue;
            size_t h = (size_t)(ci->offset * 0x9E3779B97F4A7C15ull) & (cap - 1);
            while (t[h])
                h = (h + 1) & (cap - 1);
            t[h] = ci;
        }
        free(m->cus);
        m->cus = t;
        m->cu_cap = cap;
    }
    size_t h = (size_t)(off * 0x9E3779B97F4A7C15ull) & (m->cu_cap - 1);
    while (m->cus[h]) {
        if (m->cus[h]->offset == off)
            return m->cus[h];
        h = (h + 1) & (m->cu_cap - 1);
    }
    struct sym_cu_index *ci = sym_cu_index_build(m, cudie);
    if (ci) {
        m->cus[h] = ci;
        m->n_cus++;
    }
    return ci;
}

/* ---- the result cache ---- */

static size_t cache_slot(const sym_session *s, uint32_t module, uint64_t key)
{
    uint64_t h = (key ^ ((uint64_t)module << 40)) * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 17) & (s->cache_cap - 1);
}

static const struct sym_cache_entry *cache_find(const sym_session *s, uint32_t module,
                                                uint64_t key)
{
    if (!s->cache_cap)
        return NULL;
    for (size_t h = cache_slot(s, module, key);; h = (h + 1) & (s->cache_cap - 1)) {
        const struct sym_cache_entry *e = &s->cache[h];
        if (!e->module)
            return NULL;
        if (e->module == module && e->key_addr == key)
            return e;
    }
}

static void cache_put(sym_session *s, uint32_t module, uint64_t key, const sym_frame *frames,
                      size_t n)
{
    if ((s->cache_used + 1) * 10 >= s->cache_cap * 7) {
        size_t cap = s->cache_cap ? s->cache_cap * 2 : 4096;
        struct sym_cache_entry *old = s->cache;
        size_t old_cap = s->cache_cap;
        struct sym_cache_entry *t = calloc(cap, sizeof(*t));
        if (!t)
            return;
        s->cache = t;
        s->cache_cap = cap;
        for (size_t i = 0; i < old_cap; i++) {
            if (!old[i].module)
                continue;
            size_t h = cache_slot(s, old[i].module, old[i].key_addr);
            while (t[h].module)
                h = (h + 1) & (cap - 1);
            t[h] = old[i];
        }
        free(old);
    }
    size_t h = cache_slot(s, module, key);
    while (s->cache[h].module)
        h = (h + 1) & (s->cache_cap - 1);
    s->cache[h] = (struct sym_cache_entry){ key, module, (uint32_t)n, frames };
    s->cache_used++;
}

/* ---- lookups ---- */

static size_t resolve(sym_module *m, uint64_t look, uint64_t orig, sym_frame *out)
{
    uint32_t chain[MAX_DEPTH];
    size_t depth = 0;
    const struct sym_cu_index *ci = NULL;
    Dwarf_Addr cubias = 0;
    Dwarf_Addr dw = look + m->bias, start = 0, end = 0;

    dwfl_module_info(m->mod, NULL, &start, &end, NULL, NULL, NULL, NULL);
    if (dw < start || dw >= end)
        return 0; /* not in this module */

    struct sym_cu_index *ci_w = NULL;
    uint64_t part_start = 0;
    if (m->has_dwarf) {
        Dwarf_Die *cu = dwfl_module_addrdie(m->mod, dw, &cubias);
        if (cu && (ci_w = cu_index_get(m, cu)) != NULL)
            depth = sym_cu_index_chain(ci_w, dw - cubias, chain, MAX_DEPTH, &part_start);
    }
    ci = ci_w;
    const char *file = NULL;
    int line = 0, col = 0;
    Dwfl_Line *ln = dwfl_module_getsrc(m->mod, dw);
    if (ln)
        file = dwfl_lineinfo(ln, NULL, &line, &col, NULL, NULL);
    if (file && ci_w)
        file = sym_cu_file_name(m->s, ci_w, file);

    if (depth == 0) {
        /* the symbol dwfl_module_addrname() gives, as eu-addr2line does */
        const struct sym_symbol *sym = sym_symtab_find(m, dw);
        const char *name = sym ? sym->name : NULL;
        if (!name && !file)
            return 0;
        memset(out, 0, sizeof(*out));
        out->function = name ? sym_demangle(m->s, name) : NULL;
        out->offset = name ? orig + m->bias - sym->value : 0;
        out->has_offset = name != NULL;
        out->file = file;
        out->line = line > 0 ? (unsigned)line : 0;
        out->column = col > 0 ? (unsigned)col : 0;
        return 1;
    }
    const char *symbol0 = NULL;
    if (depth > 1) {
        const struct sym_symbol *sym = sym_symtab_find(m, dw);
        symbol0 = sym ? sym->name : NULL;
    }
    for (size_t i = 0; i < depth; i++) {
        const struct sym_node *node = &ci->nodes[chain[depth - 1 - i]];
        sym_frame *f = &out[i];
        memset(f, 0, sizeof(*f));
        if (i == 0 && symbol0)
            f->symbol = sym_demangle(m->s, symbol0);
        f->function = node->name;
        f->inlined = node->inlined;
        f->call_file = node->call_file;
        f->call_line = node->call_line;
        f->call_column = node->call_column;
        if (i == 0) {
            f->file = file;
            f->line = line > 0 ? (unsigned)line : 0;
            f->column = col > 0 ? (unsigned)col : 0;
        } else {
            const sym_frame *inner = &out[i - 1];
            f->file = inner->call_file;
            f->line = inner->call_line;
            f->column = inner->call_column;
        }
        if (!node->inlined) {
            f->offset = orig + m->bias - cubias - part_start;
            f->has_offset = 1;
        }
    }
    return depth;
}

size_t sym_lookup(sym_session *s, sym_module *m, uint64_t addr, int is_return_address,
                  const sym_frame **frames)
{
    uint64_t key = (addr & ~(1ull << 63)) | ((uint64_t)(is_return_address != 0) << 63);
    const struct sym_cache_entry *e = cache_find(s, m->id + 1, key);
    if (e) {
        *frames = e->frames;
        return e->n_frames;
    }
    if (!m->opened)
        sym_module_open(m);
    sym_frame tmp[MAX_DEPTH];
    size_t n = 0;
    if (m->usable)
        n = resolve(m, is_return_address && addr ? addr - 1 : addr, addr, tmp);
    sym_frame *keep = NULL;
    if (n) {
        keep = sym_alloc(s, n * sizeof(*keep));
        if (!keep)
            n = 0;
        else
            memcpy(keep, tmp, n * sizeof(*keep));
    }
    cache_put(s, m->id + 1, key, keep, n);
    *frames = keep;
    return n;
}
