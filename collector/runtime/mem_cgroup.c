/*
 * mem_cgroup.c - the process's memory cgroup and its figures (mem_read.h).
 *
 * Which cgroup: /proc/self/cgroup (the kernel's kernel/cgroup/cgroup.c,
 * proc_cgroup_show()) has "N:controllers:/path" for each v1 hierarchy and
 * "0::/path" for v2.  A v1 hierarchy with the memory controller wins (on a
 * hybrid system the v2 tree has no memory controller); else v2.  Where:
 * the mount of that hierarchy in /proc/self/mountinfo (fs/proc_namespace.c,
 * show_mountinfo(): "id parent maj:min root mountpoint options ... -
 * fstype source superoptions"), type "cgroup" with "memory" among the
 * super options, or type "cgroup2"; the directory is the mount point plus
 * the path below the mount's root.  Nothing is hard-coded; a path outside
 * what this mount namespace sees, or a mount point with escaped characters
 * (\040), gives no directory.  Looked up once (and again after fork).
 *
 * The figures (Documentation/admin-guide/cgroup-v2.rst and
 * cgroup-v1/memory.rst), of the process's own cgroup only (a limit set on
 * a parent is not looked for):
 *   v2: memory.current, memory.max and memory.high ("max": unlimited,
 *       absent), memory.events "oom" and "oom_kill", memory.swap.current.
 *   v1: memory.usage_in_bytes, memory.limit_in_bytes (2^62 and above, e.g.
 *       9223372036854771712, is unlimited: absent), no memory.high,
 *       memory.oom_control "oom_kill" (kernels from 4.13), memory.failcnt
 *       for "oom" (how often usage hit the limit: it counts reclaims that
 *       succeeded too, so it grows before any OOM), swap as
 *       memory.memsw.usage_in_bytes minus memory.usage_in_bytes when swap
 *       accounting is on.
 * Async-signal-safe (mem_read.h).
 */
#include <string.h>

#include "mem_read.h"
#include "sigsafe.h"

#define V1_UNLIMITED (1ull << 62)

struct cg_lines {
    struct mem_cg *cg;
    char v1[MEM_CGROUP_MAX], v2[MEM_CGROUP_MAX];
    char v1_root[MEM_CGROUP_MAX], v2_root[MEM_CGROUP_MAX];
    char v1_mount[512], v2_mount[512];
};

static void copy_n(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* `list` (n bytes, comma-separated) holds the item `word`. */
static int has_item(const char *list, size_t n, const char *word)
{
    size_t wl = strlen(word);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && list[j] != ',')
            j++;
        if (j - i == wl && memcmp(list + i, word, wl) == 0)
            return 1;
        i = j + 1;
    }
    return 0;
}

/* A line of /proc/self/cgroup. */
static void on_cgroup_line(void *ctx, const char *line, size_t len)
{
    struct cg_lines *c = ctx;
    const char *c1 = memchr(line, ':', len);
    const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line)) : NULL;
    if (!c2)
        return;
    const char *path = c2 + 1;
    size_t pl = len - (size_t)(path - line);
    if (c1 - line == 1 && line[0] == '0' && c2 == c1 + 1)
        copy_n(c->v2, sizeof(c->v2), path, pl);
    else if (has_item(c1 + 1, (size_t)(c2 - c1 - 1), "memory"))
        copy_n(c->v1, sizeof(c->v1), path, pl);
}

/* Field i (0-based, space-separated) of line: its start and length. */
static const char *field(const char *line, size_t len, int i, size_t *fl)
{
    size_t p = 0;
    for (int f = 0; p < len; f++) {
        size_t q = p;
        while (q < len && line[q] != ' ')
            q++;
        if (f == i) {
            *fl = q - p;
            return line + p;
        }
        p = q + 1;
    }
    return NULL;
}

/* A line of /proc/self/mountinfo. */
static void on_mount_line(void *ctx, const char *line, size_t len)
{
    struct cg_lines *c = ctx;
    size_t rl = 0, ml = 0, tl = 0, ol = 0;
    const char *root = field(line, len, 3, &rl), *mnt = field(line, len, 4, &ml);
    const char *dash = NULL;
    for (size_t i = 0; i + 2 < len && !dash; i++)
        if (line[i] == ' ' && line[i + 1] == '-' && line[i + 2] == ' ')
            dash = line + i + 3;
    if (!root || !mnt || !dash)
        return;
    size_t rest = len - (size_t)(dash - line);
    const char *type = field(dash, rest, 0, &tl), *opts = field(dash, rest, 2, &ol);
    if (!type || memchr(mnt, '\\', ml) || memchr(root, '\\', rl))
        return;
    if (tl == 7 && memcmp(type, "cgroup2", 7) == 0 && !c->v2_mount[0]) {
        copy_n(c->v2_mount, sizeof(c->v2_mount), mnt, ml);
        copy_n(c->v2_root, sizeof(c->v2_root), root, rl);
    } else if (tl == 6 && memcmp(type, "cgroup", 6) == 0 && opts && has_item(opts, ol, "memory") &&
               !c->v1_mount[0]) {
        copy_n(c->v1_mount, sizeof(c->v1_mount), mnt, ml);
        copy_n(c->v1_root, sizeof(c->v1_root), root, rl);
    }
}

/* dir = mount + (path below root); 0, or -1 when path is not below root. */
static int join(char *dir, size_t cap, const char *mount, const char *root, const char *path)
{
    size_t rl = strlen(root);
    if (strcmp(root, "/") == 0)
        rl = 0;
    else if (strncmp(path, root, rl) != 0 || (path[rl] != '/' && path[rl] != '\0'))
        return -1;
    ss_buf b = ss_buf_of(dir, cap);
    ss_puts(&b, mount);
    if (strcmp(path + rl, "/") != 0)
        ss_puts(&b, path + rl);
    return b.len + 1 < cap ? 0 : -1;
}

int mem_cg_find(struct mem_cg *cg, char *buf, size_t cap)
{
    static struct cg_lines c; /* large: one finder at a time (mem_read.h) */
    memset(&c, 0, sizeof(c));
    memset(cg, 0, sizeof(*cg));
    c.cg = cg;
    if (mem_for_each_line("/proc/self/cgroup", buf, cap, on_cgroup_line, &c) != 0)
        return -1;
    if (!c.v1[0] && !c.v2[0])
        return -1;
    if (mem_for_each_line("/proc/self/mountinfo", buf, cap, on_mount_line, &c) != 0)
        return -1;
    if (c.v1[0] && c.v1_mount[0] && join(cg->dir, sizeof(cg->dir), c.v1_mount, c.v1_root, c.v1) == 0) {
        cg->version = 1;
        copy_n(cg->path, sizeof(cg->path), c.v1, strlen(c.v1));
        return 0;
    }
    copy_n(cg->path, sizeof(cg->path), c.v1[0] ? c.v1 : c.v2, strlen(c.v1[0] ? c.v1 : c.v2));
    if (c.v2[0] && c.v2_mount[0] && join(cg->dir, sizeof(cg->dir), c.v2_mount, c.v2_root, c.v2) == 0) {
        cg->version = 2;
        copy_n(cg->path, sizeof(cg->path), c.v2, strlen(c.v2));
        return 0;
    }
    return -1;
}

const char *mem_cg_usage_name(const struct mem_cg *cg)
{
    return cg->version == 2 ? "memory.current" : cg->version == 1 ? "memory.usage_in_bytes" : NULL;
}

int mem_cg_limit_value(const char *text, uint64_t *out)
{
    if (strncmp(text, "max", 3) == 0 || text[0] < '0' || text[0] > '9')
        return -1;
    const char *s = text;
    uint64_t v = ss_parse_u64(&s, 10);
    if (v >= V1_UNLIMITED)
        return -1;
    *out = v;
    return 0;
}

/* The file `name` of the cgroup into buf; 0, or -1 when it is not there. */
static int cg_file(const struct mem_cg *cg, const char *name, char *buf, size_t cap)
{
    char path[600];
    ss_buf b = ss_buf_of(path, sizeof(path));
    ss_puts(&b, cg->dir);
    ss_puts(&b, "/");
    ss_puts(&b, name);
    return mem_file_read(path, buf, cap) > 0 ? 0 : -1;
}

/* A plain number file: sets *out and the bit in v->has. */
static int cg_number(const struct mem_cg *cg, const char *name, struct mem_values *v,
                     unsigned bit, uint64_t *out, char *buf, size_t cap)
{
    if (cg_file(cg, name, buf, cap) != 0 || buf[0] < '0' || buf[0] > '9')
        return -1;
    const char *s = buf;
    *out = ss_parse_u64(&s, 10);
    v->has |= bit;
    return 0;
}

static void cg_limit(const struct mem_cg *cg, const char *name, struct mem_values *v,
                     unsigned bit, uint64_t *out, char *buf, size_t cap)
{
    if (cg_file(cg, name, buf, cap) == 0 && mem_cg_limit_value(buf, out) == 0)
        v->has |= bit;
}

static void cg_key(const struct mem_cg *cg, const char *name, const char *key,
                   struct mem_values *v, unsigned bit, uint64_t *out, char *buf, size_t cap)
{
    if (cg_file(cg, name, buf, cap) == 0 && mem_key_u64(buf, key, out) == 0)
        v->has |= bit;
}

static void read_v2(const struct mem_cg *cg, struct mem_values *v, char *buf, size_t cap)
{
    cg_number(cg, "memory.current", v, MEM_HAS_CG_CURRENT, &v->cg_current, buf, cap);
    cg_limit(cg, "memory.max", v, MEM_HAS_CG_MAX, &v->cg_max, buf, cap);
    cg_limit(cg, "memory.high", v, MEM_HAS_CG_HIGH, &v->cg_high, buf, cap);
    if (cg_file(cg, "memory.events", buf, cap) == 0) {
        if (mem_key_u64(buf, "oom", &v->cg_oom) == 0)
            v->has |= MEM_HAS_CG_OOM;
        if (mem_key_u64(buf, "oom_kill", &v->cg_oom_kills) == 0)
            v->has |= MEM_HAS_CG_OOM_KILLS;
    }
    cg_number(cg, "memory.swap.current", v, MEM_HAS_CG_SWAP, &v->cg_swap, buf, cap);
}

static void read_v1(const struct mem_cg *cg, struct mem_values *v, char *buf, size_t cap)
{
    uint64_t memsw;
    struct mem_values scratch = { 0 };
    cg_number(cg, "memory.usage_in_bytes", v, MEM_HAS_CG_CURRENT, &v->cg_current, buf, cap);
    cg_limit(cg, "memory.limit_in_bytes", v, MEM_HAS_CG_MAX, &v->cg_max, buf, cap);
    cg_key(cg, "memory.oom_control", "oom_kill", v, MEM_HAS_CG_OOM_KILLS, &v->cg_oom_kills,
           buf, cap);
    cg_number(cg, "memory.failcnt", v, MEM_HAS_CG_OOM, &v->cg_oom, buf, cap);
    if ((v->has & MEM_HAS_CG_CURRENT) &&
        cg_number(cg, "memory.memsw.usage_in_bytes", &scratch, 1, &memsw, buf, cap) == 0 &&
        memsw >= v->cg_current) {
        v->cg_swap = memsw - v->cg_current;
        v->has |= MEM_HAS_CG_SWAP;
    }
}

void mem_cg_read(const struct mem_cg *cg, struct mem_values *v, char *buf, size_t cap)
{
    copy_n(v->cgroup, sizeof(v->cgroup), cg->path, strlen(cg->path));
    if (cg->version == 2)
        read_v2(cg, v, buf, cap);
    else if (cg->version == 1)
        read_v1(cg, v, buf, cap);
}
