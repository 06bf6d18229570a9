/*
 * flame_collect.c - snapshots to a flame set (flame_collect.h).
 *
 * Built for a million stacks: each distinct pc of a snapshot is resolved
 * once (a per-snapshot table from pc to a run of frame ids; behind it a
 * table from module + relative address, shared by every snapshot, so the
 * symbolizer sees each address once), frames are interned by content, and
 * a stack is a run of frame ids hashed into a table of (group, ids).  No
 * text is built per stack; the writers name frames at output.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf */
#endif
#include "flame_collect.h"
#include "snap_prefetch.h"
#include "snap_set.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err_text.h"
#include "frame_symbols.h"
#include "grow_array.h"
#include "hash_fnv.h"
#include "leak_analyze.h"
#include "path_name.h"
#include "snap_format.h"

#define HASH_MUL 0x9e3779b97f4a7c15ull
#define RETURN_BIT (1ull << 63)

static uint64_t mix(uint64_t h, uint64_t v)
{
    h = (h ^ v) * HASH_MUL;
    return h ^ (h >> 29);
}

static uint64_t hash_str(uint64_t h, const char *s)
{
    if (!s)
        return mix(h, 0x5bd1e995u);
    return mix(fnv1a_str(h, s), 1);
}

static int str_eq(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* An open-addressing table of uint32 indexes + 1 (0 empty), sized a power
 * of two and kept at most half full. */
typedef struct index_table {
    uint32_t *slots;
    size_t cap;
} index_table;

/* ---- the collector's state ---------------------------------------------- */

/* A run of frame ids, innermost first: what one pc resolves to. */
typedef struct id_run {
    uint32_t off, len;
} id_run;

typedef struct pc_entry {     /* global: (module, relative address) */
    uint64_t module_id, addr; /* addr has RETURN_BIT for return addresses */
    id_run run;
} pc_entry;

typedef struct local_entry {  /* per snapshot: raw pc */
    uint64_t pc;              /* with RETURN_BIT for return addresses */
    uint32_t gen;
    id_run run;
} local_entry;

typedef struct stack_entry {
    uint64_t hash;
    uint32_t group, proc, off, depth;
    uint64_t count;
    uint64_t more[FLAME_MORE_VALUES];
} stack_entry;

/* A thread's stack as bytes (its pcs, or the FRAMES field as stored: both
 * are the same for the same stack), kept in `raw_pool` at off with length
 * len, its group, and the merged stack it made: valid while the module
 * layout stays the same. */
typedef struct raw_entry {
    uint64_t hash;
    uint32_t off, len, group, proc, stack;
} raw_entry;

typedef struct module_key {
    char *path;
    uint8_t *build_id;
    size_t build_id_len;
} module_key;

typedef struct collector {
    const flame_options *o;
    int oom;
    flame_set *fs;
    size_t cap_frames, cap_groups;
    uint64_t *frame_hash;
    index_table frame_tab, group_tab, pc_tab, stack_tab;
    /* frame-id runs of resolved pcs, and the pcs */
    uint32_t *ids;
    size_t n_ids, cap_ids;
    pc_entry *pcs;
    size_t n_pcs, cap_pcs;
    /* per snapshot */
    local_entry *local;
    size_t local_cap, local_used;
    uint32_t gen;
    uint64_t *mod_ids;        /* per module of the current snapshot + 1, 0 unknown */
    size_t cap_mod_ids;
    module_key *modules;
    size_t n_modules, cap_modules;
    /* merged stacks: their ids in one pool */
    stack_entry *stacks;
    size_t n_stacks, cap_stacks;
    uint32_t *pool;
    size_t n_pool, cap_pool;
    /* raw thread stacks already counted, for this module layout */
    raw_entry *raws;
    size_t n_raws, cap_raws;
    uint8_t *raw_pool;
    size_t n_raw_pool, cap_raw_pool;
    uint64_t *decoded;          /* frames_raw decoded, SNAP_READ_MAX_FRAMES */
    index_table raw_tab;
    uint64_t layout;          /* hash of the current snapshot's modules */
    uint32_t *scratch;        /* the stack being built, leaf first */
    size_t n_scratch, cap_scratch;
    /* the processes (snap_set.h); stacks of different ones never merge */
    snapset_procs procs;
    uint32_t proc;            /* the current snapshot's */
    size_t n_snaps;
} collector;

/* Make room for one more entry, rehashing with hash_of(ctx, index). */
static int table_room(collector *c, index_table *t, size_t n,
                      uint64_t (*hash_of)(const collector *c, uint32_t i))
{
    if ((n + 1) * 2 <= t->cap)
        return 0;
    size_t cap = t->cap ? t->cap * 2 : 1024;
    uint32_t *s = calloc(cap, sizeof(*s));
    if (!s)
        return -1;
    for (size_t i = 0; i < n; i++) {
        size_t j = hash_of(c, (uint32_t)i) & (cap - 1);
        while (s[j])
            j = (j + 1) & (cap - 1);
        s[j] = (uint32_t)i + 1;
    }
    free(t->slots);
    t->slots = s;
    t->cap = cap;
    return 0;
}

static char *dup_or_oom(collector *c, const char *s)
{
    char *d;
    if (!s)
        return NULL;
    if (!(d = strdup(s)))
        c->oom = 1;
    return d;
}

/* ---- frames --------------------------------------------------------------- */

static uint64_t frame_hash_of(const char *fn, const char *file, uint32_t line,
                              const char *module, uint64_t addr, int inlined)
{
    uint64_t h = hash_str(FNV1A_OFFSET, fn);
    h = hash_str(h, file);
    h = hash_str(h, module);
    h = mix(h, line);
    h = mix(h, (uint64_t)inlined);
    return mix(h, fn ? 0 : addr); /* named frames merge across addresses */
}

static uint64_t frame_rehash(const collector *c, uint32_t i)
{
    return c->frame_hash[i];
}

/* The id of the frame with these fields, added when new; UINT32_MAX when
 * memory ran out. */
static uint32_t frame_intern(collector *c, const char *fn, const char *file, uint32_t line,
                             const char *module, uint64_t addr, int inlined)
{
    flame_set *fs = c->fs;
    uint64_t h = frame_hash_of(fn, file, line, module, addr, inlined);
    if (fs->n_frames >= UINT32_MAX - 1 ||
        table_room(c, &c->frame_tab, fs->n_frames, frame_rehash) < 0)
        goto oom;
    size_t j = h & (c->frame_tab.cap - 1);
    for (uint32_t k; (k = c->frame_tab.slots[j]); j = (j + 1) & (c->frame_tab.cap - 1)) {
        const flame_frame *f = &fs->frames[k - 1];
        if (c->frame_hash[k - 1] == h && f->line == line && f->inlined == inlined &&
            str_eq(f->function, fn) && str_eq(f->file, file) && str_eq(f->module, module) &&
            (fn || f->address == addr))
            return k - 1;
    }
    size_t cap = c->cap_frames;
    if (GROW_ARRAY(fs->frames, c->cap_frames, fs->n_frames + 1, 64) < 0)
        goto oom;
    if (cap != c->cap_frames) {
        uint64_t *nh = realloc(c->frame_hash, c->cap_frames * sizeof(*nh));
        if (!nh)
            goto oom;
        c->frame_hash = nh;
    }
    flame_frame *f = &fs->frames[fs->n_frames];
    memset(f, 0, sizeof(*f));
    f->function = dup_or_oom(c, fn);
    f->file = dup_or_oom(c, file);
    f->module = dup_or_oom(c, module);
    f->line = line;
    f->address = addr;
    f->inlined = inlined;
    c->frame_hash[fs->n_frames] = h;
    c->frame_tab.slots[j] = (uint32_t)++fs->n_frames;
    return (uint32_t)(fs->n_frames - 1);
oom:
    c->oom = 1;
    return UINT32_MAX;
}

/* A frame that only has a name ("[socket]", "[no stack]"). */
static uint32_t frame_named(collector *c, const char *name)
{
    return frame_intern(c, name, NULL, 0, NULL, 0, 0);
}

/* ---- pcs to runs of frame ids ------------------------------------------- */

static uint64_t pc_hash(uint64_t module_id, uint64_t addr)
{
    return mix(mix(0x84222325u, module_id), addr);
}

static uint64_t pc_rehash(const collector *c, uint32_t i)
{
    return pc_hash(c->pcs[i].module_id, c->pcs[i].addr);
}

/* The session-wide id (1-based) of snapshot module m: same path and
 * build-id, same id. */
static uint64_t module_id(collector *c, const snap *s, const snap_module *m)
{
    size_t mi = (size_t)(m - s->modules);
    if (c->mod_ids[mi])
        return c->mod_ids[mi];
    for (size_t i = 0; i < c->n_modules; i++) {
        const module_key *k = &c->modules[i];
        if (str_eq(k->path, m->path) && k->build_id_len == m->build_id_len &&
            (!m->build_id_len || memcmp(k->build_id, m->build_id, m->build_id_len) == 0))
            return c->mod_ids[mi] = i + 1;
    }
    if (GROW_ARRAY(c->modules, c->cap_modules, c->n_modules + 1, 64) < 0) {
        c->oom = 1;
        return 0;
    }
    module_key *k = &c->modules[c->n_modules];
    memset(k, 0, sizeof(*k));
    k->path = dup_or_oom(c, m->path);
    if (m->build_id_len && (k->build_id = malloc(m->build_id_len))) {
        memcpy(k->build_id, m->build_id, m->build_id_len);
        k->build_id_len = m->build_id_len;
    }
    return c->mod_ids[mi] = ++c->n_modules;
}

/* Resolve pc (a return address when is_return) of snapshot s to a run of
 * frame ids, innermost first, through the symbolizer. */
static id_run resolve_pc(collector *c, const snap *s, uint64_t pc, int is_return)
{
    id_run run = { (uint32_t)c->n_ids, 0 };
    const snap_module *m = snap_module_for_pc(s, pc);
    uint64_t mid = m ? module_id(c, s, m) : 0;
    uint64_t addr = (m ? pc - m->bias : pc) | (is_return ? RETURN_BIT : 0);
    uint64_t h = pc_hash(mid, addr);
    if (c->oom || table_room(c, &c->pc_tab, c->n_pcs, pc_rehash) < 0) {
        c->oom = 1;
        return run;
    }
    size_t j = h & (c->pc_tab.cap - 1);
    for (uint32_t k; (k = c->pc_tab.slots[j]); j = (j + 1) & (c->pc_tab.cap - 1)) {
        const pc_entry *e = &c->pcs[k - 1];
        if (e->module_id == mid && e->addr == addr)
            return e->run;
    }
    const sym_frame *sf = NULL;
    size_t n = c->o->symbols ? frame_symbols_module(c->o->symbols, m, pc, is_return, &sf) : 0;
    const char *mod = m ? path_base_name(m->path) : NULL;
    uint64_t rel = m ? pc - m->bias : pc;
    size_t first = n && !c->o->inline_frames ? n - 1 : 0;
    if (GROW_ARRAY(c->ids, c->cap_ids, c->n_ids + (n ? n : 1), 64) < 0 ||
        GROW_ARRAY(c->pcs, c->cap_pcs, c->n_pcs + 1, 64) < 0) {
        c->oom = 1;
        return run;
    }
    if (!n) {
        char hex[32];
        snprintf(hex, sizeof(hex), "0x%" PRIx64, pc);
        c->ids[c->n_ids++] = m ? frame_intern(c, NULL, NULL, 0, mod, rel, 0)
                               : frame_named(c, hex);
    }
    for (size_t k = first; k < n; k++) {
        /* frames with a file keep its line; an outermost frame without a
         * function is named by its address */
        int inl = sf[k].inlined && c->o->inline_frames;
        c->ids[c->n_ids++] = frame_intern(c, sf[k].function, sf[k].file,
                                          sf[k].file ? sf[k].line : 0, mod, rel, inl);
    }
    run.len = (uint32_t)(c->n_ids - run.off);
    pc_entry *e = &c->pcs[c->n_pcs];
    e->module_id = mid;
    e->addr = addr;
    e->run = run;
    c->pc_tab.slots[j] = (uint32_t)++c->n_pcs;
    return run;
}

/* Start a new snapshot: forget the per-snapshot caches. */
static int snapshot_begin(collector *c, const snap *s)
{
    if (GROW_ARRAY(c->mod_ids, c->cap_mod_ids, s->n_modules + 1, 64) < 0)
        return -1;
    memset(c->mod_ids, 0, (s->n_modules + 1) * sizeof(*c->mod_ids));
    uint64_t layout = 0x2545f4914f6cdd1dull;
    for (size_t i = 0; i < s->n_modules; i++) {
        const snap_module *m = &s->modules[i];
        layout = mix(mix(mix(hash_str(layout, m->path), m->start), m->end), m->bias);
        for (size_t k = 0; k < m->build_id_len; k++)
            layout = mix(layout, m->build_id[k]);
    }
    if (layout != c->layout || !c->n_snaps) { /* other pcs: forget raw stacks */
        c->layout = layout;
        c->n_raws = 0;
        c->n_raw_pool = 0;
        if (c->raw_tab.slots)
            memset(c->raw_tab.slots, 0, c->raw_tab.cap * sizeof(*c->raw_tab.slots));
    }
    c->gen++;
    c->local_used = 0;
    if (!c->local) {
        c->local_cap = 4096;
        if (!(c->local = calloc(c->local_cap, sizeof(*c->local))))
            return -1;
    }
    if (c->gen == 0) { /* wrapped: clear the stamps */
        memset(c->local, 0, c->local_cap * sizeof(*c->local));
        c->gen = 1;
    }
    return 0;
}

static int local_grow(collector *c)
{
    size_t cap = c->local_cap * 2;
    local_entry *n = calloc(cap, sizeof(*n));
    if (!n)
        return -1;
    for (size_t i = 0; i < c->local_cap; i++) {
        const local_entry *e = &c->local[i];
        if (e->gen != c->gen)
            continue;
        size_t j = mix(0, e->pc) & (cap - 1);
        while (n[j].gen == c->gen)
            j = (j + 1) & (cap - 1);
        n[j] = *e;
    }
    free(c->local);
    c->local = n;
    c->local_cap = cap;
    return 0;
}

/* Push the frames of pc (innermost first) onto the scratch stack. */
static void push_pc(collector *c, const snap *s, uint64_t pc, int is_return)
{
    uint64_t key = pc | (is_return ? RETURN_BIT : 0);
    if ((c->local_used + 1) * 2 > c->local_cap && local_grow(c) < 0) {
        c->oom = 1;
        return;
    }
    size_t j = mix(0, key) & (c->local_cap - 1);
    local_entry *e;
    while ((e = &c->local[j])->gen == c->gen && e->pc != key)
        j = (j + 1) & (c->local_cap - 1);
    if (e->gen != c->gen) {
        id_run run = resolve_pc(c, s, pc, is_return);
        if (c->oom)
            return;
        e->gen = c->gen;
        e->pc = key;
        e->run = run;
        c->local_used++;
    }
    if (GROW_ARRAY(c->scratch, c->cap_scratch, c->n_scratch + e->run.len, 64) < 0) {
        c->oom = 1;
        return;
    }
    memcpy(c->scratch + c->n_scratch, c->ids + e->run.off, e->run.len * sizeof(uint32_t));
    c->n_scratch += e->run.len;
}

/* ---- groups and stacks ------------------------------------------------------ */

static uint64_t group_rehash(const collector *c, uint32_t i)
{
    return hash_str(7, c->fs->groups[i]);
}

static uint32_t group_intern(collector *c, const char *name)
{
    flame_set *fs = c->fs;
    uint64_t h = hash_str(7, name);
    if (table_room(c, &c->group_tab, fs->n_groups, group_rehash) < 0)
        goto oom;
    size_t j = h & (c->group_tab.cap - 1);
    for (uint32_t k; (k = c->group_tab.slots[j]); j = (j + 1) & (c->group_tab.cap - 1))
        if (strcmp(fs->groups[k - 1], name) == 0)
            return k - 1;
    if (GROW_ARRAY(fs->groups, c->cap_groups, fs->n_groups + 1, 64) < 0 ||
        !(fs->groups[fs->n_groups] = strdup(name)))
        goto oom;
    c->group_tab.slots[j] = (uint32_t)++fs->n_groups;
    return (uint32_t)(fs->n_groups - 1);
oom:
    c->oom = 1;
    return 0;
}

static uint64_t stack_hash(uint32_t group, const uint32_t *ids, size_t n)
{
    uint64_t h = 0x9ae16a3b2f90404full ^ group;
    for (size_t i = 0; i < n; i++)
        h = (h ^ ids[i]) * HASH_MUL;
    return mix(h, n);
}

static uint64_t stack_rehash(const collector *c, uint32_t i)
{
    return c->stacks[i].hash;
}

/* Count the scratch stack (leaf first) once in `group`, then clear it.
 * Returns the stack's index (UINT32_MAX when memory ran out). */
static uint32_t stack_add_values(collector *c, uint32_t group, uint64_t count,
                                 const uint64_t *more);

static uint32_t stack_add(collector *c, uint32_t group, uint64_t count)
{
    return stack_add_values(c, group, count, NULL);
}

/* stack_add() with the set's other values (FLAME_MORE_VALUES, or NULL). */
static uint32_t stack_add_values(collector *c, uint32_t group, uint64_t count,
                                 const uint64_t *more)
{
    const uint32_t *ids = c->scratch;
    size_t n = c->n_scratch;
    uint64_t h = stack_hash(group, ids, n) ^ c->proc;
    c->n_scratch = 0;
    if (c->oom || table_room(c, &c->stack_tab, c->n_stacks, stack_rehash) < 0) {
        c->oom = 1;
        return UINT32_MAX;
    }
    size_t j = h & (c->stack_tab.cap - 1);
    for (uint32_t k; (k = c->stack_tab.slots[j]); j = (j + 1) & (c->stack_tab.cap - 1)) {
        stack_entry *e = &c->stacks[k - 1];
        if (e->hash == h && e->group == group && e->proc == c->proc && e->depth == n &&
            memcmp(c->pool + e->off, ids, n * sizeof(*ids)) == 0) {
            e->count += count;
            for (size_t v = 0; more && v < FLAME_MORE_VALUES; v++)
                e->more[v] += more[v];
            return k - 1;
        }
    }
    if (c->n_stacks >= UINT32_MAX - 1 || c->n_pool + n >= UINT32_MAX ||
        GROW_ARRAY(c->stacks, c->cap_stacks, c->n_stacks + 1, 64) < 0 ||
        GROW_ARRAY(c->pool, c->cap_pool, c->n_pool + n, 64) < 0) {
        c->oom = 1;
        return UINT32_MAX;
    }
    stack_entry *e = &c->stacks[c->n_stacks];
    e->hash = h;
    e->group = group;
    e->proc = c->proc;
    e->off = (uint32_t)c->n_pool;
    e->depth = (uint32_t)n;
    e->count = count;
    for (size_t v = 0; v < FLAME_MORE_VALUES; v++)
        e->more[v] = more ? more[v] : 0;
    memcpy(c->pool + c->n_pool, ids, n * sizeof(*ids));
    c->n_pool += n;
    c->stack_tab.slots[j] = (uint32_t)++c->n_stacks;
    return (uint32_t)(c->n_stacks - 1);
}

static uint64_t raw_hash(uint32_t group, const uint8_t *key, size_t len)
{
    uint64_t h = 0x7c15f39cc0605cedull ^ group;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, key + i, 8);
        h = (h ^ w) * HASH_MUL;
    }
    for (; i < len; i++)
        h = (h ^ key[i]) * HASH_MUL;
    return mix(h, len);
}

static uint64_t raw_rehash(const collector *c, uint32_t i)
{
    return c->raws[i].hash;
}

/* Count a thread whose stack is key[len] (in group) through the raw stack
 * cache: 1 when it was there, 0 when it must be resolved (then *slot is
 * where it goes). */
static int raw_count(collector *c, const uint8_t *key, size_t len, uint32_t group,
                     uint64_t h, size_t *slot)
{
    if (table_room(c, &c->raw_tab, c->n_raws, raw_rehash) < 0) {
        c->oom = 1;
        return 1;
    }
    size_t j = h & (c->raw_tab.cap - 1);
    for (uint32_t k; (k = c->raw_tab.slots[j]); j = (j + 1) & (c->raw_tab.cap - 1)) {
        const raw_entry *e = &c->raws[k - 1];
        if (e->hash == h && e->group == group && e->proc == c->proc && e->len == len &&
            memcmp(c->raw_pool + e->off, key, len) == 0) {
            c->stacks[e->stack].count++;
            return 1;
        }
    }
    *slot = j;
    return 0;
}

/* Remember key[len] (hash h, group) as making stack `stack`. */
static void raw_remember(collector *c, const uint8_t *key, size_t len, uint32_t group,
                         uint64_t h, size_t slot, uint32_t stack)
{
    if (stack == UINT32_MAX || c->n_raw_pool + len >= UINT32_MAX ||
        c->n_raws >= UINT32_MAX - 1 || GROW_ARRAY(c->raws, c->cap_raws, c->n_raws + 1, 64) < 0 ||
        GROW_ARRAY(c->raw_pool, c->cap_raw_pool, c->n_raw_pool + len, 64) < 0) {
        c->oom = 1;
        return;
    }
    raw_entry *e = &c->raws[c->n_raws];
    e->hash = h;
    e->off = (uint32_t)c->n_raw_pool;
    e->len = (uint32_t)len;
    e->group = group;
    e->proc = c->proc;
    e->stack = stack;
    memcpy(c->raw_pool + c->n_raw_pool, key, len);
    c->n_raw_pool += len;
    c->raw_tab.slots[slot] = (uint32_t)++c->n_raws;
}

static void push_id(collector *c, uint32_t id)
{
    if (GROW_ARRAY(c->scratch, c->cap_scratch, c->n_scratch + 1, 64) < 0) {
        c->oom = 1;
        return;
    }
    c->scratch[c->n_scratch++] = id;
}

/* ---- one snapshot ------------------------------------------------------------ */

/* The group of a thread named `name` in snapshot `label`. */
static uint32_t group_of(collector *c, const char *thread_name, const char *label)
{
    if (c->o->group_by_snapshot)
        return group_intern(c, label);
    return group_intern(c, thread_name && *thread_name ? thread_name : "?");
}

/* A thread that was not unwound: what the kernel said of it. */
static void push_kernel_frame(collector *c, const snap_thread *t)
{
    char name[96];
    if (t->kernel_pc && t->wchan && *t->wchan)
        snprintf(name, sizeof(name), "[kernel: %s]", t->wchan);
    else if (t->kernel_pc)
        snprintf(name, sizeof(name), "[kernel 0x%" PRIx64 "]", t->kernel_pc);
    else if (t->wchan && *t->wchan && strcmp(t->wchan, "0") != 0)
        snprintf(name, sizeof(name), "[kernel: %s]", t->wchan);
    else if (t->has_syscall && t->syscall >= 0)
        snprintf(name, sizeof(name), "[blocked in syscall %" PRId64 "]", t->syscall);
    else
        snprintf(name, sizeof(name), "[no stack]");
    push_id(c, frame_named(c, name));
}

static void add_thread_stacks(collector *c, const snap *s, const char *label)
{
    for (size_t i = 0; i < s->n_threads && !c->oom; i++) {
        const snap_thread *t = &s->threads[i];
        if (t->bbx_internal)
            continue; /* bbx's collector thread, taking the snapshot */
        uint32_t group = group_of(c, t->name, label);
        size_t slot;
        if (!t->n_frames) {
            push_kernel_frame(c, t);
            stack_add(c, group, 1);
            continue;
        }
        /* most threads repeat a stack already seen: count it by its bytes */
        const uint64_t *pcs = t->frames;
        size_t n = t->n_frames;
        const uint8_t *key = (const uint8_t *)t->frames;
        size_t len = n * sizeof(*t->frames);
        if (t->frames_raw) {
            key = t->frames_raw;
            len = t->frames_raw_len;
        }
        uint64_t h = raw_hash(group, key, len) ^ c->proc;
        if (raw_count(c, key, len, group, h, &slot))
            continue;
        if (t->frames_raw) { /* a new stack: decode it once */
            long k = -1;
            if (!c->decoded && !(c->decoded = malloc(SNAP_READ_MAX_FRAMES * sizeof(*c->decoded))))
                c->oom = 1;
            else
                k = snap_frames_decode(t->frames_raw, t->frames_raw_len, c->decoded,
                                       SNAP_READ_MAX_FRAMES, NULL);
            if (k <= 0) { /* malformed: what the kernel said instead */
                push_kernel_frame(c, t);
                stack_add(c, group, 1);
                continue;
            }
            pcs = c->decoded;
            n = (size_t)k;
        }
        for (size_t k = 0; k < n; k++)
            push_pc(c, s, pcs[k], k > 0);
        raw_remember(c, key, len, group, h, slot, stack_add(c, group, 1));
    }
}

/* The name of thread `tid` in s, or NULL when it is not there. */
static const char *thread_name(const snap *s, uint64_t tid)
{
    for (size_t i = 0; i < s->n_threads; i++)
        if (s->threads[i].tid == tid)
            return s->threads[i].name ? s->threads[i].name : "?";
    return NULL;
}

/* The creation stack of o (collector frames skipped) under a leaf frame. */
static void add_origin(collector *c, const snap *s, const snap_origin *o, const char *leaf,
                       const char *label)
{
    const char *creator = thread_name(s, o->tid);
    push_id(c, frame_named(c, leaf));
    for (size_t k = frame_origin_first(s, o); k < o->n_frames; k++)
        push_pc(c, s, o->frames[k], 1);
    stack_add(c, group_of(c, creator ? creator : "[exited thread]", label), 1);
}

static void add_fd_origins(collector *c, const snap *s, const uint8_t *suspect,
                           const char *label)
{
    for (size_t i = 0; i < s->n_fds && !c->oom; i++) {
        const snap_origin *o = snap_fd_origin(s, s->fds[i].fd);
        char leaf[64];
        if (!o || o->unknown || (suspect && !suspect[i]))
            continue;
        snprintf(leaf, sizeof(leaf), "[%s]", snap_fd_kind_name(s->fds[i].kind));
        add_origin(c, s, o, leaf, label);
    }
}

static void add_thread_origins(collector *c, const snap *s, const uint8_t *suspect,
                               const char *label)
{
    for (size_t i = 0; i < s->n_threads && !c->oom; i++) {
        const snap_thread *t = &s->threads[i];
        const snap_origin *o = snap_thread_origin(s, t->tid);
        char leaf[96];
        if (!o || o->unknown || (suspect && !suspect[i]))
            continue;
        snprintf(leaf, sizeof(leaf), "[thread %s]", t->name ? t->name : "?");
        add_origin(c, s, o, leaf, label);
    }
}

/* The allocating stacks of sampled heap tracking, under [malloc] or
 * [mmap], in one group ("heap"): values live bytes, live allocations,
 * bytes and allocations since start, the weight first (by_alloc: the
 * allocated bytes). */
static void add_heap_stacks(collector *c, const snap *s, const char *label, int by_alloc)
{
    for (size_t i = 0; i < s->heap.n_stacks && !c->oom; i++) {
        const snap_heap_stack *h = &s->heap.stacks[i];
        snap_origin o = { .frames = h->frames, .n_frames = h->n_frames };
        uint64_t live[4] = { h->live_bytes, h->live_objects, h->alloc_bytes, h->alloc_objects };
        uint64_t alloc[4] = { h->alloc_bytes, h->alloc_objects, h->live_bytes, h->live_objects };
        const uint64_t *v = by_alloc ? alloc : live;
        push_id(c, frame_named(c, h->mmap ? "[mmap]" : "[malloc]"));
        for (size_t k = frame_origin_first(s, &o); k < o.n_frames; k++)
            push_pc(c, s, o.frames[k], 1);
        stack_add_values(c, group_of(c, "heap", label), v[0], v + 1);
    }
}

static void add_snapshot(collector *c, const snap *s, const char *label,
                         const uint8_t *fd_suspect, const uint8_t *thread_suspect)
{
    if (snapshot_begin(c, s) < 0) {
        c->oom = 1;
        return;
    }
    size_t pi = snapset_procs_add(&c->procs, s, c->n_snaps++);
    if (pi == SIZE_MAX || pi >= UINT32_MAX) {
        c->oom = 1;
        return;
    }
    c->proc = c->o->merge_processes ? 0 : (uint32_t)pi;
    if (c->o->what == FLAME_STACKS)
        add_thread_stacks(c, s, label);
    else if (c->o->what == FLAME_FD_ORIGINS)
        add_fd_origins(c, s, fd_suspect, label);
    else if (c->o->what == FLAME_HEAP || c->o->what == FLAME_HEAP_ALLOC)
        add_heap_stacks(c, s, label, c->o->what == FLAME_HEAP_ALLOC);
    else
        add_thread_origins(c, s, thread_suspect, label);
}

/* ---- the result --------------------------------------------------------------- */

static void collector_release(collector *c)
{
    flame_set_free(c->fs);
    free(c->frame_hash);
    free(c->frame_tab.slots);
    free(c->group_tab.slots);
    free(c->pc_tab.slots);
    free(c->stack_tab.slots);
    free(c->ids);
    free(c->pcs);
    free(c->local);
    free(c->mod_ids);
    for (size_t i = 0; i < c->n_modules; i++) {
        free(c->modules[i].path);
        free(c->modules[i].build_id);
    }
    free(c->modules);
    free(c->stacks);
    free(c->pool);
    free(c->raws);
    free(c->raw_pool);
    free(c->decoded);
    free(c->raw_tab.slots);
    free(c->scratch);
    snapset_procs_release(&c->procs);
}

static int collector_init(collector *c, const flame_options *o)
{
    memset(c, 0, sizeof(*c));
    snapset_procs_init(&c->procs);
    c->o = o;
    return (c->fs = calloc(1, sizeof(*c->fs))) ? 0 : -1;
}

/* The root frame of process i's stacks when there are several: "pid N
 * program" (interned; the frame ids of every process in ids[]). */
static uint32_t *process_frames(collector *c)
{
    uint32_t *ids = calloc(c->procs.n, sizeof(*ids));
    if (!ids) {
        c->oom = 1;
        return NULL;
    }
    for (size_t i = 0; i < c->procs.n; i++) {
        const snapset_process *pr = &c->procs.v[i];
        char name[160];
        snprintf(name, sizeof(name), "pid %" PRIu64 " %s", pr->pid, pr->program);
        ids[i] = frame_named(c, name);
    }
    return ids;
}

/* "bbx flame: stacks of app (pid 42), 12 snapshots"; with several
 * processes "... of 2 processes (pid 41 sh, pid 42 app), ...". */
static char *make_title(collector *c, const char *what)
{
    char *title = NULL, *who = NULL;
    const snapset_process *pr = c->procs.n ? &c->procs.v[0] : NULL;
    size_t *order = malloc((c->procs.n ? c->procs.n : 1) * sizeof(*order));
    FILE *f;
    size_t len;
    if (!order || !(f = open_memstream(&who, &len))) {
        free(order);
        return NULL;
    }
    if (c->procs.n <= 1) {
        fprintf(f, "%s", pr ? pr->program : "?");
        if (pr)
            fprintf(f, " (pid %" PRIu64 ")", pr->pid);
    } else {
        snapset_procs_order(&c->procs, order);
        fprintf(f, "%zu processes (", c->procs.n);
        for (size_t i = 0; i < c->procs.n; i++)
            fprintf(f, "%spid %" PRIu64 " %s", i ? ", " : "", c->procs.v[order[i]].pid,
                    c->procs.v[order[i]].program);
        fputc(')', f);
    }
    free(order);
    if (fclose(f) != 0 || asprintf(&title, "bbx flame: %s of %s, %zu snapshot%s", what, who,
                                   c->n_snaps, c->n_snaps == 1 ? "" : "s") < 0)
        title = NULL;
    free(who);
    return title;
}

/* Hand the set over: stacks reversed to root first (under their process's
 * frame when there are several), title and unit. */
static flame_set *collector_finish(collector *c, char *err, size_t errlen)
{
    static const char *const what_names[] = { "stacks", "fd creation stacks",
                                              "thread creation stacks",
                                              "live heap by allocating stack",
                                              "heap allocated since start by stack" };
    static const char *const units[] = { "threads", "fds", "threads", "bytes live",
                                         "bytes allocated" };
    static const char *const live_types[] = { "inuse_space", "inuse_objects", "alloc_space",
                                              "alloc_objects" };
    static const char *const alloc_types[] = { "alloc_space", "alloc_objects", "inuse_space",
                                               "inuse_objects" };
    static const char *const heap_units[] = { "bytes", "count", "bytes", "count" };
    flame_set *fs = c->fs;
    int w = c->o->what <= FLAME_HEAP_ALLOC ? (int)c->o->what : 0;
    if (w == FLAME_HEAP || w == FLAME_HEAP_ALLOC) {
        fs->n_values = 4;
        fs->value_types = w == FLAME_HEAP ? live_types : alloc_types;
        fs->value_units = heap_units;
    }
    uint32_t *proc_ids = NULL;
    if (!c->oom && !fs->n_groups)
        group_intern(c, "all");
    if (!c->oom && c->procs.n > 1 && !c->o->merge_processes)
        proc_ids = process_frames(c);
    if (!c->oom && c->n_stacks && !(fs->stacks = calloc(c->n_stacks, sizeof(*fs->stacks))))
        c->oom = 1;
    for (size_t i = 0; i < c->n_stacks && !c->oom; i++) {
        const stack_entry *e = &c->stacks[i];
        flame_stack *st = &fs->stacks[fs->n_stacks];
        size_t root = proc_ids ? 1 : 0;
        if (!(st->frames = malloc((e->depth + root) * sizeof(*st->frames)))) {
            c->oom = 1;
            break;
        }
        if (proc_ids)
            st->frames[0] = proc_ids[e->proc];
        for (uint32_t k = 0; k < e->depth; k++)
            st->frames[root + k] = c->pool[e->off + e->depth - 1 - k];
        st->depth = e->depth + root;
        st->count = e->count;
        memcpy(st->more, e->more, sizeof(st->more));
        st->group = e->group;
        fs->n_stacks++;
    }
    free(proc_ids);
    if (!c->oom) {
        if (!(fs->title = make_title(c, what_names[w])))
            c->oom = 1;
        fs->unit = dup_or_oom(c, units[w]);
    }
    if (c->oom) {
        err_text_set(err, errlen, "out of memory");
        collector_release(c);
        return NULL;
    }
    c->fs = NULL;
    collector_release(c);
    return fs;
}

/* ---- entry points ---------------------------------------------------------------- */

/* The suspect marks of every snapshot (origins with leaks_only), or 0 with
 * nothing to mark.  -1 on error (err set). */
static int mark_suspects(const flame_options *o, snap *const *snaps, const char *const *names,
                         size_t n, uint8_t ***marks, char *err, size_t errlen)
{
    *marks = NULL;
    if (!o->leaks_only || o->what == FLAME_STACKS)
        return 0;
    uint8_t **m = calloc(n ? n : 1, sizeof(*m));
    if (!m)
        goto oom;
    *marks = m;
    for (size_t i = 0; i < n; i++) {
        size_t k = o->what == FLAME_FD_ORIGINS ? snaps[i]->n_fds : snaps[i]->n_threads;
        if (!(m[i] = calloc(k ? k : 1, 1)))
            goto oom;
    }
    return leaks_mark_suspects((const snap *const *)snaps, names, n,
                               o->what == FLAME_FD_ORIGINS ? m : NULL,
                               o->what == FLAME_FD_ORIGINS ? NULL : m, err, errlen);
oom:
    err_text_set(err, errlen, "out of memory");
    return -1;
}

static void free_marks(uint8_t **marks, size_t n)
{
    for (size_t i = 0; marks && i < n; i++)
        free(marks[i]);
    free(marks);
}

/* Collect from snaps[n] (names[i] labels snapshot i, may be NULL). */
static flame_set *collect(snap *const *snaps, const char *const *names, size_t n,
                          const flame_options *o, char *err, size_t errlen)
{
    collector c;
    uint8_t **marks;
    if (mark_suspects(o, snaps, names, n, &marks, err, errlen) < 0) {
        free_marks(marks, n);
        return NULL;
    }
    if (collector_init(&c, o) < 0) {
        free_marks(marks, n);
        err_text_set(err, errlen, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < n && !c.oom; i++) {
        char label[64];
        if (!names || !names[i])
            snprintf(label, sizeof(label), "snapshot %zu", i + 1);
        const uint8_t *m = marks ? marks[i] : NULL;
        add_snapshot(&c, snaps[i], names && names[i] ? path_base_name(names[i]) : label,
                     o->what == FLAME_FD_ORIGINS ? m : NULL,
                     o->what == FLAME_THREAD_ORIGINS ? m : NULL);
    }
    free_marks(marks, n);
    return collector_finish(&c, err, errlen);
}

flame_set *flame_from_snapshots(snap *const *snaps, size_t n, const flame_options *o,
                                char *err, size_t errlen)
{
    if (!n) {
        err_text_set(err, errlen, "no snapshots given");
        return NULL;
    }
    return collect(snaps, NULL, n, o, err, errlen);
}

struct flame_stream {
    collector c;
};

flame_stream *flame_stream_new(const flame_options *o)
{
    flame_stream *st = malloc(sizeof(*st));
    if (st && collector_init(&st->c, o) < 0) {
        collector_release(&st->c);
        free(st);
        return NULL;
    }
    return st;
}

void flame_stream_add(flame_stream *st, const snap *s, const char *label)
{
    if (!st->c.oom)
        add_snapshot(&st->c, s, label, NULL, NULL);
}

flame_set *flame_stream_finish(flame_stream *st, char *err, size_t errlen)
{
    flame_set *fs = collector_finish(&st->c, err, errlen); /* releases c */
    free(st);
    return fs;
}

void flame_stream_free(flame_stream *st)
{
    if (!st)
        return;
    collector_release(&st->c);
    free(st);
}

flame_set *flame_from_paths(char *const *paths, size_t n_paths, const flame_options *o,
                            char *err, size_t errlen)
{
    char **files;
    size_t n_files;
    char why[256];
    flame_set *fs = NULL;
    if (snapset_expand_paths(paths, n_paths, &files, &n_files, err, errlen) < 0)
        return NULL;
    if (o->leaks_only && o->what != FLAME_STACKS) {
        /* the leak rules need the whole series: keep every snapshot */
        snap **snaps = calloc(n_files ? n_files : 1, sizeof(*snaps));
        size_t n = 0;
        if (!snaps)
            err_text_set(err, errlen, "out of memory");
        for (; snaps && n < n_files; n++) {
            if (!(snaps[n] = snap_read_file(files[n], why, sizeof(why)))) {
                err_text_set(err, errlen, "%s: %s", files[n], why);
                break;
            }
        }
        if (snaps && n == n_files)
            fs = collect(snaps, (const char *const *)files, n, o, err, errlen);
        for (size_t i = 0; snaps && i < n; i++)
            snap_free(snaps[i]);
        free(snaps);
    } else {
        /* one snapshot in memory at a time */
        /* stacks: frames stay encoded, only new stacks are decoded; the
         * next files are read on the other CPUs meanwhile */
        unsigned flags = o->what == FLAME_STACKS ? SNAP_READ_RAW_FRAMES : 0;
        flame_stream *st = flame_stream_new(o);
        snap_prefetch *pf = st ? snap_prefetch_start(files, n_files, flags, 2, 0) : NULL;
        if (!pf) {
            flame_stream_free(st);
            err_text_set(err, errlen, "out of memory");
        } else {
            size_t i;
            for (i = 0; i < n_files && !st->c.oom; i++) {
                snap *s = snap_prefetch_next(pf, why, sizeof(why));
                if (!s) {
                    err_text_set(err, errlen, "%s: %s", files[i], why);
                    break;
                }
                flame_stream_add(st, s, path_base_name(files[i]));
                snap_free(s);
            }
            snap_prefetch_stop(pf);
            if (i < n_files && !st->c.oom)
                flame_stream_free(st);
            else
                fs = flame_stream_finish(st, err, errlen);
        }
    }
    snapset_files_free(files, n_files);
    return fs;
}
