/*
 * gen_memseries.c - writes a series of periodic snapshots of a made-up
 * process whose memory grows, with the real snapshot writer
 * (tests/unit/snap_fixture.h), for the memory tests of bbx leaks, show,
 * flame and report.
 *
 *   gen_memseries DIR key=value...
 *
 * Keys (defaults in brackets): n [10] snapshots, step_ms [60000] between
 * them, pid [4242], host [this host], start_ms [first snapshot - 1 s],
 * anon_kib [40960] anonymous RSS at the first snapshot, anon_per_min [10240]
 * KiB it grows by a minute, cg_max [0: no cgroup] the cgroup's memory.max in
 * bytes (memory.current is the RSS + cg_extra [1048576] bytes), oom_at [0:
 * never] the snapshot from which the cgroup's oom_kill count is 1, last
 * [periodic] the last snapshot's trigger (periodic, exit, crash, memory),
 * memory_at [0: none] a snapshot (1-based) taken by the memory watermark,
 * heap_grow_per_min [2048] KiB the growing stack's live heap grows by a
 * minute, heap_steady [524288] bytes the steady stack keeps live, rlimit_as
 * [0] bytes, steady_creep [0] bytes the steady stack's live heap creeps up
 * by each snapshot, code_creep [0] KiB the code RSS creeps up by each
 * snapshot (noise below what bbx counts as growth).
 *
 * The frames are return addresses inside this program's grow_cache() and
 * steady_buffers() (called from main()), and its own mapping is the
 * snapshot's module, so bbx names them with this file's lines.  Prints
 * the lines of those two call sites: "grow_line N", "steady_line N".
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "snap_fixture.h"

static uint64_t grow_pc[2], steady_pc[2];

__attribute__((noinline)) static uint64_t ret_addr(void)
{
    return (uint64_t)(uintptr_t)__builtin_return_address(0);
}

__attribute__((noinline)) static void grow_cache(void)
{
    grow_pc[0] = ret_addr(); /* GROW_SITE */
    __asm__ volatile("");
}

__attribute__((noinline)) static void steady_buffers(void)
{
    steady_pc[0] = ret_addr(); /* STEADY_SITE */
    __asm__ volatile("");
}

/* This program's mapping (its first and last mapping of its own path). */
static int own_module(fix_module *m, char *path, size_t len)
{
    ssize_t n = readlink("/proc/self/exe", path, len - 1);
    FILE *f = fopen("/proc/self/maps", "r");
    char line[4096];
    if (n <= 0 || !f)
        return -1;
    path[n] = 0;
    memset(m, 0, sizeof(*m));
    m->path = path;
    while (fgets(line, sizeof(line), f)) {
        unsigned long long lo, hi, off;
        char *p = strchr(line, '/');
        if (!p || sscanf(line, "%llx-%llx %*s %llx", &lo, &hi, &off) != 3)
            continue;
        p[strcspn(p, "\n")] = 0;
        if (strcmp(p, path) != 0)
            continue;
        if (!m->start) {
            m->start = lo;
            m->bias = lo - off;
        }
        m->end = hi;
    }
    fclose(f);
    return m->start ? 0 : -1;
}

static uint64_t arg(int argc, char **argv, const char *key, uint64_t dflt)
{
    size_t k = strlen(key);
    for (int i = 2; i < argc; i++)
        if (strncmp(argv[i], key, k) == 0 && argv[i][k] == '=')
            return strtoull(argv[i] + k + 1, NULL, 10);
    return dflt;
}

static const char *arg_str(int argc, char **argv, const char *key, const char *dflt)
{
    size_t k = strlen(key);
    for (int i = 2; i < argc; i++)
        if (strncmp(argv[i], key, k) == 0 && argv[i][k] == '=')
            return argv[i] + k + 1;
    return dflt;
}

static uint64_t trigger_of(const char *name)
{
    return strcmp(name, "exit") == 0    ? SNAP_TRIGGER_EXIT
           : strcmp(name, "crash") == 0 ? SNAP_TRIGGER_CRASH
           : strcmp(name, "memory") == 0 ? SNAP_TRIGGER_MEMORY
                                        : SNAP_TRIGGER_PERIODIC;
}

int main(int argc, char **argv)
{
    char exe[4096], host[256], file[4200];
    fix_module mod;
    if (argc < 2) {
        fprintf(stderr, "usage: gen_memseries DIR key=value...\n");
        return 2;
    }
    grow_cache();
    grow_pc[1] = ret_addr();
    steady_buffers();
    steady_pc[1] = ret_addr();
    if (own_module(&mod, exe, sizeof(exe)) < 0 || gethostname(host, sizeof(host)) < 0) {
        fprintf(stderr, "gen_memseries: cannot find its own mapping\n");
        return 1;
    }
    uint64_t n = arg(argc, argv, "n", 10), step = arg(argc, argv, "step_ms", 60000);
    uint64_t pid = arg(argc, argv, "pid", 4242);
    uint64_t anon = arg(argc, argv, "anon_kib", 40960);
    uint64_t anon_g = arg(argc, argv, "anon_per_min", 10240);
    uint64_t cg_max = arg(argc, argv, "cg_max", 0);
    uint64_t cg_extra = arg(argc, argv, "cg_extra", 1048576);
    uint64_t oom_at = arg(argc, argv, "oom_at", 0);
    uint64_t memory_at = arg(argc, argv, "memory_at", 0);
    uint64_t heap_g = arg(argc, argv, "heap_grow_per_min", 2048);
    uint64_t heap_steady = arg(argc, argv, "heap_steady", 524288);
    uint64_t rlimit_as = arg(argc, argv, "rlimit_as", 0);
    uint64_t steady_creep = arg(argc, argv, "steady_creep", 0);
    uint64_t code_creep = arg(argc, argv, "code_creep", 0);
    const char *last = arg_str(argc, argv, "last", "periodic");
    const char *hostname = arg_str(argc, argv, "host", host);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    uint64_t t0 = (uint64_t)now.tv_sec * 1000 - n * step;
    uint64_t start = arg(argc, argv, "start_ms", t0 - 1000);
    for (uint64_t i = 0; i < n; i++) {
        double min = (double)(i * step) / 60000.0;
        fix_memory m = { 0 };
        m.rss_kb[SNAP_MEM_ANON] = anon + (uint64_t)(anon_g * min);
        m.rss_kb[SNAP_MEM_HEAP] = 2048;
        m.rss_kb[SNAP_MEM_CODE] = 5120 + code_creep * i;
        m.rss_kb[SNAP_MEM_STACK] = 136;
        uint64_t rss = m.rss_kb[SNAP_MEM_ANON] + 2048 + m.rss_kb[SNAP_MEM_CODE] + 136;
        m.pss_kb = rss;
        m.phys_kb = 24ull << 20;
        m.avail_kb = 20ull << 20;
        m.vm_size_kb = rss * 4;
        m.age_ms = 12;
        m.has_malloc = 1;
        m.malloc_inuse = (m.rss_kb[SNAP_MEM_ANON] + 1024) * 1024;
        m.malloc_arena = m.malloc_inuse + 65536;
        if (cg_max) {
            m.cgroup = "/bbx-test.slice/app.scope";
            m.has_cg_current = m.has_cg_max = m.has_cg_oom = 1;
            m.cg_current = rss * 1024 + cg_extra;
            m.cg_max = cg_max;
            m.cg_oom_kills = oom_at && i + 1 >= oom_at;
            m.cg_oom = m.cg_oom_kills;
        }
        /* the growing stack, and a steady one whose live bytes wobble */
        fix_heap_stack hs[2] = {
            { .id = 1, .frames = grow_pc, .n_frames = 2,
              .live_bytes = (uint64_t)((256 + heap_g * min) * 1024),
              .live_objects = 10 + i * 20, .live_samples = 1 + i,
              .alloc_bytes = (uint64_t)((256 + heap_g * min) * 1024),
              .alloc_objects = 10 + i * 20, .samples = 1 + i },
            { .id = 2, .frames = steady_pc, .n_frames = 2,
              .live_bytes = heap_steady + steady_creep * i, .live_objects = 8,
              .live_samples = 1, .alloc_bytes = heap_steady * (i + 1) * 4,
              .alloc_objects = 32 * (i + 1), .samples = 4 * (i + 1) },
        };
        fix_heap h = { .interval = 524288, .samples = hs[0].samples + hs[1].samples,
                       .live_samples = hs[0].live_samples + hs[1].live_samples,
                       .start_ms = start + 5,
                       .alloc_bytes = hs[0].alloc_bytes + hs[1].alloc_bytes,
                       .alloc_objects = hs[0].alloc_objects + hs[1].alloc_objects,
                       .live_bytes = hs[0].live_bytes + hs[1].live_bytes,
                       .live_objects = hs[0].live_objects + hs[1].live_objects,
                       .stacks = hs, .n_stacks = 2 };
        fix_thread th = { .tid = pid, .name = "memgrow", .stack = steady_pc, .n_stack = 2,
                          .state = 'S' };
        fix_snapshot d = { .pid = pid, .time_ms = t0 + i * step,
                           .trigger_kind = i + 1 == n ? trigger_of(last)
                                           : i + 1 == memory_at ? SNAP_TRIGGER_MEMORY
                                                                : SNAP_TRIGGER_PERIODIC,
                           .threads = &th, .n_threads = 1,
                           .exe = exe, .app = "memgrow", .host = hostname,
                           .kernel = "6.1.0", .arch = "x86_64", .start_ms = start,
                           .rss_kb = rss, .vm_kb = rss * 4, .hwm_kb = rss,
                           .proc_threads = 1, .trigger_tid = pid, .seq = i + 1,
                           .reason = i + 1 == memory_at ? "cgroup memory over 90% of memory.max"
                                                        : "interval",
                           .modules = &mod, .n_modules = 1,
                           .capture_version = "gen", .memory = &m, .heap = &h,
                           .rlimit_as = rlimit_as };
        fixture_file f;
        if (fixture_snapshot(&f, &d) < 0) {
            fprintf(stderr, "gen_memseries: cannot write snapshot %" PRIu64 "\n", i);
            return 1;
        }
        snprintf(file, sizeof(file), "%s/memgrow-%" PRIu64 "-%03" PRIu64 ".bbx", argv[1], pid, i);
        FILE *o = fopen(file, "wb");
        if (!o || fwrite(f.data, 1, f.len, o) != f.len || fclose(o) != 0) {
            fprintf(stderr, "gen_memseries: cannot write %s\n", file);
            return 1;
        }
        fixture_file_release(&f);
    }
    return 0;
}
