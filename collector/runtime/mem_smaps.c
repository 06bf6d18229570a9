/*
 * mem_smaps.c - memory by kind of mapping from /proc/self/smaps (the
 * kernel's fs/proc/task_mmu.c: show_smap() and __show_smap()): for each
 * mapping a header line "start-end perms offset dev inode path" and then
 * "Key: value kB" lines, of which Size, Rss, Pss and Swap are summed per
 * kind (mem_kind_of) and over all.  Async-signal-safe (mem_read.h).
 */
#include <string.h>

#include "mem_read.h"
#include "sigsafe.h"

#define GUARD_MAX (1u << 20)          /* a thread stack's guard: at most 1 MiB */
#define ARENA_ALIGN (64ull << 20)     /* glibc's thread-arena heaps (HEAP_MAX_SIZE) */

static int starts(const struct mem_map *m, const char *prefix)
{
    size_t n = strlen(prefix);
    return m->path_len >= n && memcmp(m->path, prefix, n) == 0;
}

static int has(const struct mem_map *m, const char *part)
{
    size_t n = strlen(part);
    for (size_t i = 0; i + n <= m->path_len; i++)
        if (memcmp(m->path + i, part, n) == 0)
            return 1;
    return 0;
}

static int is_guard(const struct mem_map *p)
{
    return p->path_len == 0 && memcmp(p->perms, "---p", 4) == 0 && p->end - p->start <= GUARD_MAX;
}

static unsigned anon_kind(const struct mem_map *m, const struct mem_map *prev)
{
    if (m->perms[3] == 's')
        return SNAP_MEM_SHM;
    if (prev && prev->end == m->start && is_guard(prev) && m->perms[0] == 'r' &&
        m->perms[1] == 'w' && m->start % ARENA_ALIGN != 0)
        return SNAP_MEM_STACK;
    return SNAP_MEM_ANON;
}

static int is_gpu(const struct mem_map *m)
{
    return starts(m, "/dev/dri/") || starts(m, "/dev/nvidia") || starts(m, "/dev/kgsl") ||
           starts(m, "/dev/mali") || starts(m, "/dmabuf") || starts(m, "anon_inode:dmabuf") ||
           (starts(m, "anon_inode:") && (has(m, "kgsl") || has(m, "mali")));
}

static int is_shm(const struct mem_map *m)
{
    return starts(m, "/dev/shm/") || starts(m, "/memfd:") || starts(m, "/SYSV") ||
           (starts(m, "/dev/zero") && m->perms[3] == 's') || starts(m, "[anon_shmem:");
}

unsigned mem_kind_of(const struct mem_map *m, const struct mem_map *prev)
{
    if (m->path_len == 0)
        return anon_kind(m, prev);
    if (starts(m, "[heap]"))
        return SNAP_MEM_HEAP;
    if (starts(m, "[stack"))
        return SNAP_MEM_STACK;
    if (is_gpu(m))
        return SNAP_MEM_GPU;
    if (is_shm(m))
        return SNAP_MEM_SHM;
    if (starts(m, "[anon:bbx]"))
        return SNAP_MEM_OTHER; /* bbx's own memory is not the program's */
    if (starts(m, "[anon:") || starts(m, "/dev/zero"))
        return anon_kind(m, prev);
    if (m->path[0] == '/')
        return m->perms[2] == 'x' ? SNAP_MEM_CODE : SNAP_MEM_FILE;
    return SNAP_MEM_OTHER;
}

struct smaps_walk {
    struct mem_values *v;
    struct mem_map prev;
    int have_prev;
    unsigned kind;            /* of the mapping whose lines follow; 0 none */
};

static int hexdigit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* "start-end perms offset dev inode   path" into *m; 0, or -1. */
static int parse_header(const char *line, size_t len, struct mem_map *m)
{
    const char *s = line, *end = line + len;
    m->start = ss_parse_u64(&s, 16);
    if (*s++ != '-')
        return -1;
    m->end = ss_parse_u64(&s, 16);
    if (end - s < 6 || *s++ != ' ')
        return -1;
    memcpy(m->perms, s, 4);
    m->perms[4] = '\0';
    s += 4;
    for (int field = 0; field < 3; field++) { /* offset, dev, inode */
        while (s < end && *s == ' ')
            s++;
        while (s < end && *s != ' ')
            s++;
    }
    while (s < end && *s == ' ')
        s++;
    m->path = s;
    m->path_len = (size_t)(end - s);
    return 0;
}

/* "Key:   123 kB" when key matches; 0 and *kb, or -1. */
static int key_kb(const char *line, size_t len, const char *key, uint64_t *kb)
{
    size_t kl = strlen(key);
    if (len <= kl || memcmp(line, key, kl) != 0)
        return -1;
    const char *s = line + kl;
    while (*s == ' ')
        s++;
    *kb = ss_parse_u64(&s, 10);
    return 0;
}

static void on_line(void *ctx, const char *line, size_t len)
{
    struct smaps_walk *w = ctx;
    struct mem_values *v = w->v;
    uint64_t kb;
    if (len && hexdigit(line[0])) {
        struct mem_map m;
        if (parse_header(line, len, &m) != 0) {
            w->kind = 0;
            return;
        }
        w->kind = mem_kind_of(&m, w->have_prev ? &w->prev : NULL);
        v->kinds[w->kind].mappings++;
        m.path_len = m.path_len ? 1 : 0; /* the line goes away; kinds need no more */
        m.path = "?";
        w->prev = m;
        w->have_prev = 1;
        return;
    }
    if (!w->kind)
        return;
    struct mem_kind_use *k = &v->kinds[w->kind];
    if (key_kb(line, len, "Size:", &kb) == 0) {
        k->size_kb += kb;
        v->vm_size_kb += kb;
    } else if (key_kb(line, len, "Rss:", &kb) == 0) {
        k->rss_kb += kb;
        v->rss_kb += kb;
    } else if (key_kb(line, len, "Pss:", &kb) == 0) {
        k->pss_kb += kb;
        v->pss_kb += kb;
    } else if (key_kb(line, len, "Swap:", &kb) == 0) {
        k->swap_kb += kb;
        v->swap_kb += kb;
    }
}

int mem_smaps_read(struct mem_values *v, char *buf, size_t cap)
{
    struct smaps_walk w = { .v = v };
    memset(v->kinds, 0, sizeof(v->kinds));
    v->rss_kb = v->pss_kb = v->swap_kb = v->vm_size_kb = 0;
    if (mem_for_each_line("/proc/self/smaps", buf, cap, on_line, &w) != 0)
        return -1;
    v->has |= MEM_HAS_SMAPS;
    return 0;
}
