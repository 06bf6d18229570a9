/*
 * leak_series.c - folds snapshots into groups of like fds, threads,
 * children and X resources, counting each group per snapshot
 * (leak_series.h).
 *
 * Groups are found through a hash table keyed by identity bytes built in a
 * scratch buffer, so the work per fd is one key, one hash and (usually) one
 * comparison; what a group needs for the report (stack, modules, examples)
 * is copied only when the group is created.
 */
#include "leak_series.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame_symbols.h"
#include "grow_array.h"
#include "hash_fnv.h"
#include "snap_format.h"
#include "snap_set.h"

#define HASH_MUL 0x9e3779b97f4a7c15ull
#define EXAMPLE_MAX 200 /* bytes of one example */

void leak_series_init(leak_series *ls)
{
    memset(ls, 0, sizeof(*ls));
}

void leak_series_release(leak_series *ls)
{
    for (size_t i = 0; i < ls->n_groups; i++) {
        series_group *g = &ls->groups[i];
        free(g->frames);
        free(g->frame_module);
        free(g->call);
        free(g->name);
        for (size_t k = 0; k < g->n_examples; k++)
            free(g->examples[k]);
        free(g->key);
        free(g->counts);
    }
    free(ls->groups);
    free(ls->snaps);
    leak_launches_free(ls->launches, ls->n_launches);
    free(ls->table);
    for (size_t i = 0; i < ls->n_modules; i++) {
        free(ls->modules[i].path);
        free(ls->modules[i].build_id);
        free(ls->modules[i].image);
    }
    free(ls->modules);
    for (size_t i = 0; i < ls->n_hangs; i++)
        free(ls->hangs[i].name);
    free(ls->hangs);
    free(ls->app);
    free(ls->exe);
    free(ls->host);
    free(ls->keybuf);
    memset(ls, 0, sizeof(*ls));
}

static char *dup_str(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* ---- keys ---------------------------------------------------------------- */

typedef struct key {
    leak_series *ls;
    size_t len;
    int failed;
} key;

static void key_put(key *k, const void *p, size_t n)
{
    leak_series *ls = k->ls;
    if (k->failed)
        return;
    if (GROW_ARRAY(ls->keybuf, ls->keybuf_cap, k->len + n, 256) < 0) {
        k->failed = 1;
        return;
    }
    if (n)
        memcpy(ls->keybuf + k->len, p, n);
    k->len += n;
}

static void key_u64(key *k, uint64_t v)
{
    key_put(k, &v, sizeof(v));
}

/* A string with its terminating NUL (so "a"+"b" and "ab"+"" differ);
 * digits dropped when `no_digits`. */
static void key_str(key *k, const char *s, int no_digits)
{
    if (s) {
        const char *run = s;
        for (const char *p = s; *p; p++) {
            if (no_digits && isdigit((unsigned char)*p)) {
                key_put(k, run, (size_t)(p - run));
                run = p + 1;
            }
        }
        key_put(k, run, strlen(run));
    }
    key_put(k, "", 1);
}

static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
    uint64_t h = FNV1A_OFFSET ^ (n * HASH_MUL);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * HASH_MUL;
        h ^= h >> 29;
        p += 8;
        n -= 8;
    }
    uint64_t tail = 0;
    memcpy(&tail, p, n);
    h = (h ^ tail) * HASH_MUL;
    h ^= h >> 32;
    return h;
}

/* ---- the group table --------------------------------------------------- */

static int table_grow(leak_series *ls)
{
    size_t cap = ls->table_cap ? ls->table_cap * 2 : 1024;
    size_t *t = calloc(cap, sizeof(*t));
    if (!t)
        return -1;
    for (size_t i = 0; i < ls->n_groups; i++) {
        size_t j = (size_t)ls->groups[i].hash & (cap - 1);
        while (t[j])
            j = (j + 1) & (cap - 1);
        t[j] = i + 1;
    }
    free(ls->table);
    ls->table = t;
    ls->table_cap = cap;
    return 0;
}

/* The group whose key is the scratch key k (hash h), or SIZE_MAX; *slot
 * (out) is where a new one would go. */
static size_t table_find(const leak_series *ls, const key *k, uint64_t h, size_t *slot)
{
    size_t j = (size_t)h & (ls->table_cap - 1);
    while (ls->table[j]) {
        const series_group *g = &ls->groups[ls->table[j] - 1];
        if (g->hash == h && g->key_len == k->len && memcmp(g->key, ls->keybuf, k->len) == 0)
            return ls->table[j] - 1;
        j = (j + 1) & (ls->table_cap - 1);
    }
    *slot = j;
    return SIZE_MAX;
}

/* The series' copy of module m, added when new; SIZE_MAX when m is NULL or
 * memory ran out. */
static size_t module_index(leak_series *ls, const snap_module *m)
{
    if (!m)
        return SIZE_MAX;
    for (size_t i = ls->n_modules; i > 0; i--) {
        const snap_module *c = &ls->modules[i - 1];
        if (c->start == m->start && c->bias == m->bias && c->end == m->end &&
            strcmp(c->path ? c->path : "", m->path ? m->path : "") == 0)
            return i - 1;
    }
    if (GROW_ARRAY(ls->modules, ls->cap_modules, ls->n_modules + 1, 16) < 0)
        return SIZE_MAX;
    snap_module *c = &ls->modules[ls->n_modules];
    memset(c, 0, sizeof(*c));
    c->path = dup_str(m->path);
    c->bias = m->bias;
    c->start = m->start;
    c->end = m->end;
    if (m->build_id_len && (c->build_id = malloc(m->build_id_len))) {
        memcpy(c->build_id, m->build_id, m->build_id_len);
        c->build_id_len = m->build_id_len;
    }
    if (m->image_len && (c->image = malloc(m->image_len))) { /* the vDSO's */
        memcpy(c->image, m->image, m->image_len);
        c->image_len = m->image_len;
    }
    if ((m->path && !c->path)) {
        free(c->build_id);
        free(c->image);
        return SIZE_MAX;
    }
    return ls->n_modules++;
}

/* What a new group is made of, beyond its key. */
typedef struct group_seed {
    int resource;
    uint64_t kind;
    const snap_origin *origin; /* NULL, or UNKNOWN, for untracked */
    const char *name;
} group_seed;

/* Copy the creation stack of o (from its first frame outside the
 * collector) and its modules into g.  0 or -1. */
static int seed_stack(leak_series *ls, series_group *g, const snap *s, const snap_origin *o)
{
    size_t first = frame_origin_first(s, o), n = o->n_frames - first;
    g->tracked = 1;
    g->start_module = SIZE_MAX;
    if (o->start)
        g->start_module = module_index(ls, snap_module_for_pc(s, o->start));
    if (o->call && !(g->call = strdup(o->call)))
        return -1;
    if (!n)
        return 0;
    g->frames = malloc(n * sizeof(*g->frames));
    g->frame_module = malloc(n * sizeof(*g->frame_module));
    if (!g->frames || !g->frame_module)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const snap_module *m = snap_module_for_pc(s, o->frames[first + i]);
        g->frames[i] = o->frames[first + i];
        g->frame_module[i] = module_index(ls, m);
    }
    g->n_frames = n;
    size_t own = app_origin_frame(ls->apps, s, o, first);
    if (own != SIZE_MAX) {
        g->app_frame = own - first;
        g->own_code = 1;
    }
    return 0;
}

/* The group of the scratch key k, created from `seed` when new; NULL when
 * memory ran out. */
static series_group *group_get(leak_series *ls, const key *k, const snap *s,
                               const group_seed *seed)
{
    size_t slot, idx;
    uint64_t h;
    if (k->failed)
        return NULL;
    h = hash_bytes(ls->keybuf, k->len);
    if ((ls->n_groups + 1) * 2 > ls->table_cap && table_grow(ls) < 0)
        return NULL;
    idx = table_find(ls, k, h, &slot);
    if (idx != SIZE_MAX)
        return &ls->groups[idx];
    if (GROW_ARRAY(ls->groups, ls->cap_groups, ls->n_groups + 1, 16) < 0)
        return NULL;
    series_group *g = &ls->groups[ls->n_groups];
    memset(g, 0, sizeof(*g));
    g->resource = seed->resource;
    g->kind = seed->kind;
    g->start_module = SIZE_MAX;
    g->app_frame = SIZE_MAX;
    g->hash = h;
    g->key_len = k->len;
    if (!(g->key = malloc(k->len ? k->len : 1)))
        return NULL;
    memcpy(g->key, ls->keybuf, k->len);
    if (seed->name && !(g->name = strdup(seed->name)))
        goto oom;
    if (seed->origin && seed->origin->unknown)
        g->unknown = 1;
    else if (seed->origin) {
        g->start = seed->origin->start;
        if (seed_stack(ls, g, s, seed->origin) < 0)
            goto oom;
    }
    ls->table[slot] = ++ls->n_groups;
    return g;
oom:
    free(g->key);
    free(g->name);
    free(g->call);
    free(g->frames);
    free(g->frame_module);
    return NULL;
}

/* Count n members in snapshot `si` (saturating).  0 or -1. */
static int group_bump_by(series_group *g, size_t si, uint64_t n)
{
    series_count *c = g->n_counts ? &g->counts[g->n_counts - 1] : NULL;
    if (!c || c->snap != si) {
        if (GROW_ARRAY(g->counts, g->cap_counts, g->n_counts + 1, 16) < 0)
            return -1;
        c = &g->counts[g->n_counts++];
        c->snap = (uint32_t)si;
        c->count = 0;
        c->count_no_stdio = 0;
    }
    uint64_t sum = (uint64_t)c->count + n;
    c->count = sum > UINT32_MAX ? UINT32_MAX : (uint32_t)sum;
    c->count_no_stdio = c->count;
    return 0;
}

/* Count one member in snapshot `si`.  0 or -1. */
static int group_bump(series_group *g, size_t si, int above_stdio)
{
    series_count *c = g->n_counts ? &g->counts[g->n_counts - 1] : NULL;
    if (!c || c->snap != si) {
        if (GROW_ARRAY(g->counts, g->cap_counts, g->n_counts + 1, 16) < 0)
            return -1;
        c = &g->counts[g->n_counts++];
        c->snap = (uint32_t)si;
        c->count = 0;
        c->count_no_stdio = 0;
    }
    c->count++;
    c->count_no_stdio += above_stdio != 0;
    return 0;
}

/* Keep text as an example of g unless it has enough or has it already. */
static int group_example(series_group *g, const char *text)
{
    if (g->n_examples >= SERIES_MAX_EXAMPLES)
        return 0;
    for (size_t i = 0; i < g->n_examples; i++)
        if (strcmp(g->examples[i], text) == 0)
            return 0;
    if (!(g->examples[g->n_examples] = strdup(text)))
        return -1;
    g->n_examples++;
    return 0;
}

/* ---- one snapshot ---------------------------------------------------------- */

/* Targets that are not paths (socket:[123], pipe:[45], anon_inode:[x]) lose
 * their digits in the key; paths keep them. */
static int target_drops_digits(const char *target)
{
    return target && target[0] != '/';
}

/* "fd 17 socket:[123] AF_INET SOCK_STREAM 10.0.0.2:5412 -> 10.0.0.1:80": the
 * number, the target and, for sockets, what they are bound and connected to. */
static void fd_example(const snap_fd *d, char *buf, size_t len)
{
    const char *fam = d->kind == SNAP_FD_SOCKET ? snap_sock_family_name(d->sock_family) : NULL;
    const char *type = d->kind == SNAP_FD_SOCKET ? snap_sock_type_name(d->sock_type) : NULL;
    snprintf(buf, len, "fd %" PRIu64 " %s%s%s%s%s%s%s%s%s", d->fd, d->target ? d->target : "?",
             fam ? " " : "", fam ? fam : "", type ? " " : "", type ? type : "",
             d->sock_local ? " " : "", d->sock_local ? d->sock_local : "",
             d->sock_peer ? " -> " : "", d->sock_peer ? d->sock_peer : "");
}

static int add_fds(leak_series *ls, const snap *s, size_t si, size_t *member)
{
    for (size_t i = 0; i < s->n_fds; i++) {
        const snap_fd *d = &s->fds[i];
        const snap_origin *o = snap_fd_origin(s, d->fd);
        key k = { ls, 0, 0 };
        uint8_t tag = SERIES_FD;
        key_put(&k, &tag, 1);
        key_u64(&k, d->kind);
        if (o && !o->unknown) {
            size_t first = frame_origin_first(s, o);
            key_put(&k, "T", 1);
            key_put(&k, o->frames + first, (o->n_frames - first) * sizeof(*o->frames));
        } else {
            key_put(&k, o ? "K" : "U", 1);
            key_str(&k, d->target, target_drops_digits(d->target));
            key_str(&k, d->sock_peer, 0);
        }
        group_seed seed = { SERIES_FD, d->kind, o, NULL };
        series_group *g = group_get(ls, &k, s, &seed);
        if (!g || group_bump(g, si, d->fd > 2) < 0)
            return -1;
        if (member)
            member[i] = (size_t)(g - ls->groups);
        if (g->n_examples < SERIES_MAX_EXAMPLES) {
            char ex[EXAMPLE_MAX];
            fd_example(d, ex, sizeof(ex));
            if (group_example(g, ex) < 0)
                return -1;
        }
    }
    return 0;
}

static int add_threads(leak_series *ls, const snap *s, size_t si, size_t *member)
{
    for (size_t i = 0; i < s->n_threads; i++) {
        const snap_thread *t = &s->threads[i];
        if (t->bbx_internal) { /* bbx's collector thread: not the program's */
            if (member)
                member[i] = SIZE_MAX;
            continue;
        }
        const snap_origin *o = snap_thread_origin(s, t->tid);
        key k = { ls, 0, 0 };
        uint8_t tag = SERIES_THREAD;
        key_put(&k, &tag, 1);
        if (o && !o->unknown) {
            size_t first = frame_origin_first(s, o);
            key_u64(&k, o->n_frames - first);
            key_put(&k, o->frames + first, (o->n_frames - first) * sizeof(*o->frames));
            key_u64(&k, o->start);
        } else {
            key_u64(&k, UINT64_MAX); /* untracked */
        }
        key_str(&k, t->name, 1);
        group_seed seed = { SERIES_THREAD, 0, o, t->name };
        series_group *g = group_get(ls, &k, s, &seed);
        if (!g || group_bump(g, si, 1) < 0)
            return -1;
        if (member)
            member[i] = (size_t)(g - ls->groups);
        if (g->n_examples < SERIES_MAX_EXAMPLES) {
            char ex[EXAMPLE_MAX];
            snprintf(ex, sizeof(ex), "%s (tid %" PRIu64 ")", t->name ? t->name : "?", t->tid);
            if (group_example(g, ex) < 0)
                return -1;
        }
    }
    return 0;
}

/* A child's command: its arguments joined by spaces, else "[comm]". */
static void child_command(const snap_child *c, char *buf, size_t len)
{
    const char *arg;
    size_t pos = 0, n, used = 0;
    buf[0] = 0;
    while (snap_args_next(c->cmdline, c->cmdline_len, &pos, &arg, &n) && used + 1 < len) {
        int w = snprintf(buf + used, len - used, "%s%.*s", used ? " " : "",
                         n > (size_t)INT32_MAX ? INT32_MAX : (int)n, arg);
        if (w < 0)
            break;
        used += (size_t)w < len - used ? (size_t)w : len - used - 1;
    }
    /* NULs inside an argument would cut the text short: that is fine. */
    if (!buf[0])
        snprintf(buf, len, "[%s]", c->comm ? c->comm : "?");
}

static int add_children(leak_series *ls, const snap *s, size_t si)
{
    for (size_t i = 0; i < s->n_children; i++) {
        const snap_child *c = &s->children[i];
        char cmd[EXAMPLE_MAX], ex[EXAMPLE_MAX + 32];
        key k = { ls, 0, 0 };
        uint8_t tag = SERIES_CHILD;
        int zombie = c->zombie || c->state == 'Z';
        child_command(c, cmd, sizeof(cmd));
        key_put(&k, &tag, 1);
        key_u64(&k, (uint64_t)zombie);
        /* A zombie has no cmdline any more: its comm names it. */
        key_str(&k, zombie ? (c->comm ? c->comm : "?") : cmd, 0);
        group_seed seed = { SERIES_CHILD, (uint64_t)zombie, NULL, cmd };
        series_group *g = group_get(ls, &k, s, &seed);
        if (!g || group_bump(g, si, 1) < 0)
            return -1;
        snprintf(ex, sizeof(ex), "pid %" PRIu64 " %s", c->pid, cmd);
        if (group_example(g, ex) < 0)
            return -1;
    }
    return 0;
}

/* The X resources of the process's clients: a group per type, and one for
 * pixmap memory in KiB.  A snapshot without an X client counts nothing. */
static int add_x11(leak_series *ls, const snap *s, size_t si)
{
    static const char pixmap_group[] = "pixmap KiB";
    if (!ls->snaps[si].x11)
        return 0;
    for (size_t i = 0; i <= s->x11.n_types; i++) {
        int mem = i == s->x11.n_types;
        const char *name = mem ? pixmap_group : s->x11.types[i].name ? s->x11.types[i].name : "?";
        uint64_t count = mem ? (s->x11.pixmap_bytes + 1023) / 1024 : s->x11.types[i].count;
        key k = { ls, 0, 0 };
        uint8_t tag = mem ? SERIES_X11_PIXMAP : SERIES_X11;
        key_put(&k, &tag, 1);
        key_str(&k, name, 0);
        group_seed seed = { tag, 0, NULL, name };
        series_group *g = group_get(ls, &k, s, &seed);
        if (!g || group_bump_by(g, si, count) < 0)
            return -1;
    }
    return 0;
}

/* One memory group's count (KiB) in snapshot si. */
static int mem_count(leak_series *ls, const snap *s, size_t si, uint64_t kind, uint64_t kib)
{
    key k = { ls, 0, 0 };
    uint8_t tag = SERIES_MEM;
    key_put(&k, &tag, 1);
    key_u64(&k, kind);
    group_seed seed = { SERIES_MEM, kind, NULL, NULL };
    series_group *g = group_get(ls, &k, s, &seed);
    return g && group_bump_by(g, si, kib) >= 0 ? 0 : -1;
}

/* The soft RLIMIT_AS of s in bytes, 0 when absent or unlimited. */
static uint64_t as_limit(const snap *s)
{
    for (size_t i = 0; i < s->process.n_rlimits; i++) {
        const snap_rlimit *rl = &s->process.rlimits[i];
        if (rl->resource == 9 /* RLIMIT_AS */ && rl->cur != UINT64_MAX)
            return rl->cur;
    }
    return 0;
}

/* Memory by kind (RSS), the cgroup's usage and malloc's bytes in use, each
 * a group counted in KiB; and what the series needs of limits. */
static int add_memory(leak_series *ls, const snap *s, size_t si)
{
    const snap_memory *m = &s->memory;
    series_mem *sm = &ls->snaps[si].mem;
    if (!m->present)
        return 0;
    *sm = (series_mem){ 1, m->rss_kb, m->vm_size_kb ? m->vm_size_kb : s->process.vm_size_kb,
                        m->phys_kb, m->has_cg_current, m->has_cg_max, m->has_cg_oom,
                        m->cg_current, m->cg_max, m->cg_oom_kills, as_limit(s), "" };
    if (m->cgroup)
        snprintf(sm->cgroup, sizeof(sm->cgroup), "%s", m->cgroup);
    for (uint64_t kind = 1; kind < SNAP_MEM_KINDS; kind++)
        if (m->kinds[kind].present && mem_count(ls, s, si, kind, m->kinds[kind].rss_kb) < 0)
            return -1;
    if (m->has_cg_current && mem_count(ls, s, si, SERIES_MEM_CGROUP, m->cg_current / 1024) < 0)
        return -1;
    if (m->has_malloc && mem_count(ls, s, si, SERIES_MEM_MALLOC, m->malloc_inuse / 1024) < 0)
        return -1;
    return 0;
}

/* The allocating stacks of sampled heap tracking: a group per stack, its
 * estimated live bytes counted in KiB (rounded up). */
static int add_heap(leak_series *ls, const snap *s, size_t si)
{
    if (!s->heap.present)
        return 0;
    ls->snaps[si].heap = 1;
    ls->snaps[si].heap_interval = s->heap.interval;
    for (size_t i = 0; i < s->heap.n_stacks; i++) {
        const snap_heap_stack *h = &s->heap.stacks[i];
        /* an origin in all but name: the creation stack machinery applies */
        snap_origin o = { .frames = h->frames, .n_frames = h->n_frames,
                          .call = (char *)(h->mmap ? "mmap" : "malloc") };
        size_t first = frame_origin_first(s, &o);
        key k = { ls, 0, 0 };
        uint8_t tag = SERIES_HEAP;
        key_put(&k, &tag, 1);
        key_u64(&k, (uint64_t)h->mmap);
        key_put(&k, h->frames + first, (h->n_frames - first) * sizeof(*h->frames));
        group_seed seed = { SERIES_HEAP, (uint64_t)h->mmap, &o, NULL };
        series_group *g = group_get(ls, &k, s, &seed);
        if (!g || group_bump_by(g, si, (h->live_bytes + 1023) / 1024) < 0)
            return -1;
    }
    return 0;
}

/* Keep what a HANG or HANG_END trigger of snapshot si says of the hung
 * thread.  0 or -1. */
static int add_hang(leak_series *ls, const snap_trigger *t, size_t si)
{
    if (!t->present || (t->kind != SNAP_TRIGGER_HANG && t->kind != SNAP_TRIGGER_HANG_END) ||
        !t->hung_tid)
        return 0;
    if (GROW_ARRAY(ls->hangs, ls->cap_hangs, ls->n_hangs + 1, 4) < 0)
        return -1;
    series_hang *h = &ls->hangs[ls->n_hangs];
    *h = (series_hang){ t->kind, si, t->hung_tid, t->hung_ms, t->hung_cpu_ms,
                        t->hung_limit_ms, t->hung_state, NULL };
    if (t->hung_name && !(h->name = strdup(t->hung_name)))
        return -1;
    ls->n_hangs++;
    return 0;
}

int leak_series_add(leak_series *ls, const snap *s, size_t file)
{
    return leak_series_add_members(ls, s, file, NULL, NULL);
}

int leak_series_add_members(leak_series *ls, const snap *s, size_t file, size_t *fd_group,
                            size_t *thread_group)
{
    size_t si = ls->n_snaps;
    if (si >= UINT32_MAX || GROW_ARRAY(ls->snaps, ls->cap_snaps, ls->n_snaps + 1, 16) < 0)
        return -1;
    series_snap *ss = &ls->snaps[ls->n_snaps++];
    ss->time_ms = s->process.time_ms;
    ss->pid = s->process.pid;
    ss->trigger_kind = s->trigger.present ? s->trigger.kind : 0;
    ss->seq = s->trigger.present ? s->trigger.seq : 0;
    ss->file = file;
    ss->complete = s->complete;
    ss->x11 = s->x11.present && s->x11.clients > 0;
    ss->heap = 0;
    ss->heap_interval = 0;
    memset(&ss->mem, 0, sizeof(ss->mem));
    if (!ls->start_ms)
        ls->start_ms = s->process.start_ms;
    if (!ls->host && s->process.hostname && !(ls->host = strdup(s->process.hostname)))
        return -1;
    if (!ls->app && s->process.app && !(ls->app = strdup(s->process.app)))
        return -1;
    if (!ls->exe && s->process.exe && !(ls->exe = strdup(s->process.exe)))
        return -1;
    if (add_hang(ls, &s->trigger, si) < 0 || add_fds(ls, s, si, fd_group) < 0 ||
        add_threads(ls, s, si, thread_group) < 0 || add_children(ls, s, si) < 0 ||
        add_x11(ls, s, si) < 0 || add_memory(ls, s, si) < 0 || add_heap(ls, s, si) < 0 ||
        series_take_launches(ls, s) < 0)
        return -1;
    return 0;
}

int series_snap_order(const series_snap *x, const series_snap *y)
{
    snapset_stamp a = { x->time_ms, x->seq, x->file }, b = { y->time_ms, y->seq, y->file };
    return snapset_stamp_cmp(&a, &b);
}
