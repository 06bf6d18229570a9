/*
 * series_writer.c - the modules of the running generator and the frame of
 * one synthetic snapshot file, shared by the bench series generators.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* dl_iterate_phdr */
#endif
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "series_writer.h"

#define WRITER_LEVEL 1

static series_module modules[SERIES_MAX_MODULES];
static size_t n_modules;
static const char *prog_name = "series";
static void *workspace;
static size_t workspace_size;

/* The build-id note of one PT_NOTE segment, if it has one. */
static void read_build_id(series_module *m, const uint8_t *p, const uint8_t *end)
{
    while (p + sizeof(ElfW(Nhdr)) <= end) {
        const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
        size_t name = (nh->n_namesz + 3) & ~3u, desc = (nh->n_descsz + 3) & ~3u;
        const uint8_t *d = p + sizeof(*nh) + name;
        if (nh->n_type == NT_GNU_BUILD_ID && nh->n_descsz <= sizeof(m->build_id) &&
            d + nh->n_descsz <= end) {
            memcpy(m->build_id, d, nh->n_descsz);
            m->build_id_len = nh->n_descsz;
        }
        p += sizeof(*nh) + name + desc;
    }
}

static int collect_module(struct dl_phdr_info *info, size_t size, void *ctx)
{
    series_module *m;
    uint64_t lo = UINT64_MAX, hi = 0;
    (void)size;
    (void)ctx;
    if (n_modules >= SERIES_MAX_MODULES)
        return 1;
    m = &modules[n_modules];
    memset(m, 0, sizeof(*m));
    if (!info->dlpi_name || !info->dlpi_name[0]) {
        ssize_t n = readlink("/proc/self/exe", m->path, sizeof(m->path) - 1);
        if (n <= 0)
            return 0;
        m->path[n] = 0;
    } else if (info->dlpi_name[0] == '/') {
        snprintf(m->path, sizeof(m->path), "%s", info->dlpi_name);
    } else {
        return 0; /* linux-vdso.so.1 */
    }
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD) {
            if (ph->p_vaddr < lo)
                lo = ph->p_vaddr;
            if (ph->p_vaddr + ph->p_memsz > hi)
                hi = ph->p_vaddr + ph->p_memsz;
        } else if (ph->p_type == PT_NOTE) {
            const uint8_t *p = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr);
            read_build_id(m, p, p + ph->p_memsz);
        }
    }
    m->bias = info->dlpi_addr;
    m->start = info->dlpi_addr + (lo & ~(uint64_t)0xfff);
    m->end = info->dlpi_addr + hi;
    n_modules++;
    return 0;
}

size_t series_modules_load(const char *prog)
{
    prog_name = prog;
    n_modules = 0;
    dl_iterate_phdr(collect_module, NULL);
    if (!n_modules)
        fprintf(stderr, "%s: cannot find its own module\n", prog_name);
    return n_modules;
}

const series_module *series_module_at(size_t i)
{
    return i < n_modules ? &modules[i] : NULL;
}

size_t series_module_count(void)
{
    return n_modules;
}

void series_modules_set(const char *prog, const series_module *m, size_t n)
{
    prog_name = prog;
    n_modules = n < SERIES_MAX_MODULES ? n : SERIES_MAX_MODULES;
    memcpy(modules, m, n_modules * sizeof(*m));
}

int series_snap_open(series_snap *s, const char *dir, unsigned i)
{
    memset(s, 0, sizeof(*s));
    if (!workspace) {
        workspace_size = snap_writer_workspace_size(WRITER_LEVEL);
        workspace = malloc(workspace_size);
        if (!workspace) {
            fprintf(stderr, "%s: out of memory\n", prog_name);
            return -1;
        }
    }
    snprintf(s->path, sizeof(s->path), "%s/snap-%05u.bbx", dir, i);
    s->fd = open(s->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (s->fd < 0 || snap_writer_prepare(&s->w, workspace, workspace_size, WRITER_LEVEL) != 0 ||
        snap_writer_begin(&s->w, s->fd) != 0) {
        fprintf(stderr, "%s: %s: %s\n", prog_name, s->path, strerror(errno));
        if (s->fd >= 0)
            close(s->fd);
        return -1;
    }
    return 0;
}

void series_put_process(series_snap *s, uint64_t pid, const char *app, uint64_t start_ms,
                        uint64_t time_ms, const char *host)
{
    snap_writer *w = &s->w;
    snap_rec_begin(w, SNAP_REC_PROCESS);
    snap_put_u64(w, SNAP_PROC_PID, pid);
    snap_put_str(w, SNAP_PROC_EXE, n_modules ? modules[0].path : NULL);
    snap_put_str(w, SNAP_PROC_APP, app);
    snap_put_u64(w, SNAP_PROC_TIME_MS, time_ms);
    snap_put_u64(w, SNAP_PROC_START_MS, start_ms);
    snap_put_str(w, SNAP_PROC_HOSTNAME, host);
    snap_put_str(w, SNAP_PROC_ARCH, "x86_64");
    snap_rec_end(w);
}

void series_put_head(series_snap *s, uint64_t pid, const char *app, uint64_t time_ms,
                     uint64_t period_ms)
{
    char reason[64];
    snap_writer *w = &s->w;
    series_put_process(s, pid, app, SERIES_START_MS - 5000, time_ms, NULL);
    snprintf(reason, sizeof(reason), "every %llu ms", (unsigned long long)period_ms);
    snap_rec_begin(w, SNAP_REC_TRIGGER);
    snap_put_u64(w, SNAP_TRIG_KIND, SNAP_TRIGGER_PERIODIC);
    snap_put_str(w, SNAP_TRIG_REASON, reason);
    snap_rec_end(w);
}

void series_put_modules(series_snap *s)
{
    snap_writer *w = &s->w;
    for (size_t m = 0; m < n_modules; m++) {
        snap_rec_begin(w, SNAP_REC_MODULE);
        snap_put_str(w, SNAP_MOD_PATH, modules[m].path);
        snap_put_u64(w, SNAP_MOD_BIAS, modules[m].bias);
        if (modules[m].build_id_len)
            snap_put_bytes(w, SNAP_MOD_BUILD_ID, modules[m].build_id, modules[m].build_id_len);
        snap_put_u64(w, SNAP_MOD_START, modules[m].start);
        snap_put_u64(w, SNAP_MOD_END, modules[m].end);
        snap_rec_end(w);
    }
}

void series_put_frames(series_snap *s, unsigned field, const uint64_t *pcs, size_t n)
{
    uint8_t buf[SERIES_MAX_FRAMES * 10];
    size_t pos = 0;
    uint64_t prev = 0;
    if (n > SERIES_MAX_FRAMES)
        n = SERIES_MAX_FRAMES;
    for (size_t k = 0; k < n; k++) {
        pos += snap_varint_put(buf + pos, snap_zigzag((int64_t)(pcs[k] - prev)));
        prev = pcs[k];
    }
    snap_put_bytes(&s->w, field, buf, pos);
}

int series_snap_close(series_snap *s)
{
    int rc = snap_writer_finish(&s->w);
    if (close(s->fd) != 0 || rc != 0) {
        fprintf(stderr, "%s: %s: write failed\n", prog_name, s->path);
        return -1;
    }
    return 0;
}
