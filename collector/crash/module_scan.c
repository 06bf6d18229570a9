/*
 * module_scan.c - modules and readable ranges from /proc/self/maps, ELF
 * headers read from memory.  Async-signal-safe after modscan_prepare().
 */
#include "module_scan.h"

#include <elf.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "safe_mem.h"
#include "sigsafe.h"

#define MAPS_BUF (64u << 10)

static void *map_anon(size_t size)
{
    return ss_map(size, 0);
}

int modscan_prepare(struct module_table *t, unsigned cap_mods, unsigned cap_ranges)
{
    memset(t, 0, sizeof(*t));
    t->mods = map_anon(cap_mods * sizeof(struct bbx_module));
    t->prev = map_anon(cap_mods * sizeof(struct bbx_module));
    t->ranges = map_anon(cap_ranges * sizeof(struct mem_range));
    t->buf = map_anon(MAPS_BUF);
    if (!t->mods || !t->prev || !t->ranges || !t->buf) {
        modscan_release(t);
        return -1;
    }
    t->cap_mods = cap_mods;
    t->cap_ranges = cap_ranges;
    t->buf_cap = MAPS_BUF;
    return 0;
}

void modscan_release(struct module_table *t)
{
    ss_unmap(t->mods, t->cap_mods * sizeof(struct bbx_module));
    ss_unmap(t->prev, t->cap_mods * sizeof(struct bbx_module));
    ss_unmap(t->ranges, t->cap_ranges * sizeof(struct mem_range));
    ss_unmap(t->buf, MAPS_BUF);
    memset(t, 0, sizeof(*t));
}

const struct mem_range *modscan_range_of(const struct module_table *t, uintptr_t addr)
{
    unsigned lo = 0, hi = t->n_ranges;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        const struct mem_range *r = &t->ranges[mid];
        if (addr < r->start)
            hi = mid;
        else if (addr >= r->end)
            lo = mid + 1;
        else
            return r;
    }
    return NULL;
}

int modscan_readable(const struct module_table *t, uintptr_t addr, size_t len)
{
    const struct mem_range *r = modscan_range_of(t, addr);
    return r && addr + len >= addr && addr + len <= r->end;
}

const struct bbx_module *modscan_find_text(const struct module_table *t, uintptr_t pc)
{
    for (unsigned i = 0; i < t->n_mods; i++) {
        const struct bbx_module *m = &t->mods[i];
        if (m->is_elf && pc >= m->text_start && pc < m->text_end)
            return m;
    }
    return NULL;
}

/* Copy len bytes from addr if readable.  A library can be unmapped by
 * another thread between reading the maps and here: the read goes through
 * the kernel and fails instead of faulting (safe_mem.h). */
static int peek(const struct module_table *t, uintptr_t addr, void *dst, size_t len)
{
    (void)t;
    return safe_mem_read(dst, addr, len);
}

static void add_range(struct module_table *t, uintptr_t start, uintptr_t end)
{
    if (t->n_ranges && t->ranges[t->n_ranges - 1].end == start) {
        t->ranges[t->n_ranges - 1].end = end;
        return;
    }
    if (t->n_ranges < t->cap_ranges)
        t->ranges[t->n_ranges++] = (struct mem_range){ start, end };
}

static struct bbx_module *module_for(struct module_table *t, const char *path,
                                     unsigned long inode, uint64_t offset, uintptr_t start)
{
    for (unsigned i = t->n_mods; i-- > 0;) {
        struct bbx_module *m = &t->mods[i];
        if (m->inode == inode && strcmp(m->path, path) == 0)
            return m;
        if (t->n_mods - i > 8)
            break; /* segments of one file are near each other */
    }
    if (offset != 0 || t->n_mods >= t->cap_mods)
        return NULL;
    struct bbx_module *m = &t->mods[t->n_mods++];
    memset(m, 0, sizeof(*m));
    m->start = start;
    m->inode = inode;
    ss_buf b = ss_buf_of(m->path, sizeof(m->path));
    ss_puts(&b, path);
    return m;
}

/* One line of /proc/self/maps. */
static void parse_line(struct module_table *t, const char *s)
{
    uintptr_t start = ss_parse_u64(&s, 16);
    if (*s++ != '-')
        return;
    uintptr_t end = ss_parse_u64(&s, 16);
    if (*s++ != ' ')
        return;
    int readable = s[0] == 'r';
    s += 4;
    while (*s == ' ')
        s++;
    uint64_t offset = ss_parse_u64(&s, 16);
    while (*s == ' ')
        s++;
    while (*s && *s != ' ')
        s++; /* dev */
    while (*s == ' ')
        s++;
    unsigned long inode = ss_parse_u64(&s, 10);
    while (*s == ' ')
        s++;
    if (readable)
        add_range(t, start, end);
    if (*s == '/' || strcmp(s, "[vdso]") == 0) {
        struct bbx_module *m = module_for(t, s, inode, offset, start);
        if (m && end > m->end)
            m->end = end;
    }
}

static int read_encoded(const struct module_table *t, uintptr_t *pos, uint8_t enc,
                        uint64_t *out)
{
    uint8_t b[8];
    size_t n;
    switch (enc & 0x0f) {
    case 0x00: case 0x04: case 0x0c: n = 8; break;
    case 0x03: case 0x0b: n = 4; break;
    case 0x02: case 0x0a: n = 2; break;
    default: return -1;
    }
    if (peek(t, *pos, b, n) < 0)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)b[i] << (8 * i);
    if ((enc & 0x0f) == 0x0b)
        v = (uint64_t)(int64_t)(int32_t)v;
    if ((enc & 0x70) == 0x10) /* pcrel */
        v += *pos;
    *pos += n;
    *out = v;
    return 0;
}

static void parse_eh_frame_hdr(const struct module_table *t, struct bbx_module *m)
{
    uint8_t h[4];
    uintptr_t pos = m->eh_frame_hdr;
    uint64_t eh_frame, count;
    if (peek(t, pos, h, 4) < 0 || h[0] != 1)
        return;
    pos += 4;
    if (read_encoded(t, &pos, h[1], &eh_frame) < 0 || read_encoded(t, &pos, h[2], &count) < 0)
        return;
    if (h[3] != 0x3b) /* DW_EH_PE_datarel | DW_EH_PE_sdata4 */
        return;
    m->eh_table = pos;
    m->eh_fde_count = count;
}

static void parse_notes(const struct module_table *t, struct bbx_module *m,
                        uintptr_t pos, uintptr_t end)
{
    while (pos + sizeof(Elf64_Nhdr) <= end) {
        Elf64_Nhdr nh;
        char name[4];
        if (peek(t, pos, &nh, sizeof(nh)) < 0)
            return;
        uintptr_t name_at = pos + sizeof(nh);
        uintptr_t desc_at = name_at + ((nh.n_namesz + 3u) & ~3u);
        uintptr_t next = desc_at + ((nh.n_descsz + 3u) & ~3u);
        if (next > end || next <= pos)
            return;
        if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
            peek(t, name_at, name, 4) == 0 && memcmp(name, "GNU", 4) == 0 &&
            nh.n_descsz <= MODSCAN_BUILD_ID_MAX &&
            peek(t, desc_at, m->build_id, nh.n_descsz) == 0) {
            m->build_id_len = nh.n_descsz;
            return;
        }
        pos = next;
    }
}

static void parse_elf(const struct module_table *t, struct bbx_module *m)
{
    Elf64_Ehdr eh;
    Elf64_Phdr ph;
    uintptr_t hdr = m->start;
    if (peek(t, hdr, &eh, sizeof(eh)) < 0 || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
        eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr) ||
        eh.e_phnum == 0 || eh.e_phnum > 512)
        return;
    uintptr_t lowest = UINTPTR_MAX;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        if (peek(t, hdr + eh.e_phoff + i * sizeof(ph), &ph, sizeof(ph)) < 0)
            return;
        if (ph.p_type == PT_LOAD && ph.p_vaddr < lowest)
            lowest = ph.p_vaddr & ~(uintptr_t)0xfff;
    }
    if (lowest == UINTPTR_MAX)
        return;
    m->bias = hdr - lowest;
    m->is_elf = 1;
    m->text_start = UINTPTR_MAX;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        if (peek(t, hdr + eh.e_phoff + i * sizeof(ph), &ph, sizeof(ph)) < 0)
            break;
        uintptr_t a = m->bias + ph.p_vaddr;
        if (ph.p_type == PT_LOAD && (ph.p_flags & PF_X)) {
            if (a < m->text_start)
                m->text_start = a;
            if (a + ph.p_memsz > m->text_end)
                m->text_end = a + ph.p_memsz;
        } else if (ph.p_type == PT_GNU_EH_FRAME) {
            m->eh_frame_hdr = a;
        } else if (ph.p_type == PT_NOTE && !m->build_id_len) {
            parse_notes(t, m, a, a + ph.p_memsz);
        }
    }
    if (m->text_start == UINTPTR_MAX)
        m->text_start = m->text_end = 0;
    if (m->eh_frame_hdr)
        parse_eh_frame_hdr(t, m);
}

int modscan_run(struct module_table *t)
{
    int fd = ss_openat(AT_FDCWD, "/proc/self/maps", O_RDONLY, 0);
    size_t have = 0;
    t->n_mods = 0;
    t->n_ranges = 0;
    if (fd < 0)
        return -1;
    for (;;) {
        ssize_t k = ss_read(fd, t->buf + have, t->buf_cap - 1 - have);
        if (k <= 0)
            break;
        have += (size_t)k;
        t->buf[have] = '\0';
        char *line = t->buf;
        char *nl;
        while ((nl = memchr(line, '\n', have - (size_t)(line - t->buf))) != NULL) {
            *nl = '\0';
            parse_line(t, line);
            line = nl + 1;
        }
        have -= (size_t)(line - t->buf);
        memmove(t->buf, line, have);
        if (have == t->buf_cap - 1)
            have = 0; /* a line longer than the buffer: drop it */
    }
    ss_close(fd);
    /* A module mapped as before (same file, same place) has the same ELF
     * headers: keep what the previous scan read of them. */
    unsigned j = 0;
    t->changed = t->n_mods != t->n_prev;
    for (unsigned i = 0; i < t->n_mods; i++) {
        struct bbx_module *m = &t->mods[i];
        while (j < t->n_prev && t->prev[j].start < m->start)
            j++;
        const struct bbx_module *p = j < t->n_prev ? &t->prev[j] : NULL;
        if (p && p->start == m->start && p->end == m->end && p->inode == m->inode &&
            strcmp(p->path, m->path) == 0) {
            *m = *p;
            continue;
        }
        t->changed = 1;
        parse_elf(t, m);
    }
    memcpy(t->prev, t->mods, t->n_mods * sizeof(struct bbx_module));
    t->n_prev = t->n_mods;
    return 0;
}
