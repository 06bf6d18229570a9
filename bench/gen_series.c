/*
 * gen_series.c - writes a synthetic periodic snapshot series for the
 * `bbx leaks` benchmark (bench/run_leaks.py): N snapshots of one process,
 * each with about F fds and their ORIGIN records (32-frame creation
 * stacks), threads with origins, and a few children.
 *
 * The stacks are return addresses inside this very program (the modules
 * recorded are the real ones of this process, with their build-ids), so
 * `bbx leaks` symbolizes them against a real binary with debug info.
 *
 * What the series holds, per snapshot i of N (one a minute):
 *   - stdin/stdout/stderr, open before tracking (UNKNOWN origin);
 *   - a steady part: 40 stacks x (F * 0.8 / 40) fds, the same every time;
 *   - noise: 10 stacks with 0..2*F/100 short-lived fds each, at random;
 *   - three leaks: sockets growing by F/20 over the series, pipes by one
 *     every 50 snapshots, files by one every 200;
 *   - 16 pool threads, and a thread leak of one every 100 snapshots;
 *   - a zombie child every 250 snapshots (never reaped).
 *
 * usage: gen_series DIR [N [F]]      (defaults 1000 snapshots, 1000 fds)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* dl_iterate_phdr */
#endif
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snap_format.h"
#include "snap_writer.h"

#define STACK_DEPTH 32
#define STEADY_STACKS 40
#define NOISE_STACKS 10
#define LEAK_STACKS 3
#define POOL_THREADS 16
#define START_MS 1714564800000ull
#define MAX_MODULES 64

/* Code to point the stacks at: each function is a distinct symbol with its
 * own lines, so the symbolized stacks look like a program's. */
#define CODE_FN(n)                                                     \
    __attribute__((noinline)) int code_##n(int x);                     \
    __attribute__((noinline)) int code_##n(int x)                      \
    {                                                                  \
        return x * (n + 3) + (x >> 2) - n;                             \
    }
CODE_FN(0) CODE_FN(1) CODE_FN(2) CODE_FN(3) CODE_FN(4) CODE_FN(5) CODE_FN(6) CODE_FN(7)
CODE_FN(8) CODE_FN(9) CODE_FN(10) CODE_FN(11) CODE_FN(12) CODE_FN(13) CODE_FN(14)
CODE_FN(15) CODE_FN(16) CODE_FN(17) CODE_FN(18) CODE_FN(19) CODE_FN(20) CODE_FN(21)
CODE_FN(22) CODE_FN(23)

static int (*const code_fns[])(int) = {
    code_0,  code_1,  code_2,  code_3,  code_4,  code_5,  code_6,  code_7,
    code_8,  code_9,  code_10, code_11, code_12, code_13, code_14, code_15,
    code_16, code_17, code_18, code_19, code_20, code_21, code_22, code_23,
};
#define N_CODE (sizeof(code_fns) / sizeof(*code_fns))

typedef struct module {
    char path[512];
    uint64_t bias, start, end;
    uint8_t build_id[64];
    size_t build_id_len;
} module;

static module modules[MAX_MODULES];
static size_t n_modules;

static int collect_module(struct dl_phdr_info *info, size_t size, void *ctx)
{
    module *m;
    uint64_t lo = UINT64_MAX, hi = 0;
    (void)size;
    (void)ctx;
    if (n_modules >= MAX_MODULES)
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
            const uint8_t *end = p + ph->p_memsz;
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
    }
    m->bias = info->dlpi_addr;
    m->start = info->dlpi_addr + (lo & ~(uint64_t)0xfff);
    m->end = info->dlpi_addr + hi;
    n_modules++;
    return 0;
}

/* Frame k of stack s: a return address a few bytes into one of the code
 * functions.  The two innermost frames spell s in base N_CODE, so every
 * stack (s < N_CODE^2) is different; the rest is a mix. */
static uint64_t stack_frame(unsigned s, unsigned k)
{
    unsigned f = k == 0 ? s % N_CODE : k == 1 ? (s / N_CODE) % N_CODE
                                              : (s * 7u + k * 5u) % N_CODE;
    return (uint64_t)(uintptr_t)code_fns[f] + 4 + (k % 3);
}

static void put_frames(snap_writer *w, unsigned field, unsigned stack)
{
    uint8_t buf[STACK_DEPTH * 10];
    size_t pos = 0;
    uint64_t prev = 0;
    for (unsigned k = 0; k < STACK_DEPTH; k++) {
        uint64_t pc = stack_frame(stack, k);
        pos += snap_varint_put(buf + pos, snap_zigzag((int64_t)(pc - prev)));
        prev = pc;
    }
    snap_put_bytes(w, field, buf, pos);
}

typedef struct gen {
    snap_writer w;
    uint64_t pid, time_ms;
    unsigned fds, origins, threads, children;
    unsigned next_fd;
    uint64_t rng;
} gen;

static unsigned rnd(gen *g, unsigned n)
{
    g->rng = g->rng * 6364136223846793005ull + 1442695040888963407ull;
    return n ? (unsigned)((g->rng >> 33) % n) : 0;
}

static void fd_record(gen *g, unsigned fd, uint64_t kind, const char *target, const char *peer)
{
    snap_writer *w = &g->w;
    snap_rec_begin(w, SNAP_REC_FD);
    snap_put_u64(w, SNAP_FD_NUM, fd);
    snap_put_u64(w, SNAP_FD_KINDF, kind);
    snap_put_str(w, SNAP_FD_TARGET, target);
    snap_put_u64(w, SNAP_FD_FLAGS, 02);
    if (peer)
        snap_put_str(w, SNAP_FD_SOCK_PEER, peer);
    snap_rec_end(w);
    g->fds++;
}

static void origin_record(gen *g, uint64_t resource, uint64_t id, unsigned stack,
                          const char *call, uint64_t start)
{
    snap_writer *w = &g->w;
    snap_rec_begin(w, SNAP_REC_ORIGIN);
    snap_put_u64(w, SNAP_ORIG_RESOURCE, resource);
    snap_put_u64(w, SNAP_ORIG_ID, id);
    put_frames(w, SNAP_ORIG_FRAMES, stack);
    snap_put_u64(w, SNAP_ORIG_TIME_MS, g->time_ms - 1000 - id);
    snap_put_u64(w, SNAP_ORIG_TID, g->pid);
    snap_put_str(w, SNAP_ORIG_CALL, call);
    if (start)
        snap_put_u64(w, SNAP_ORIG_START, start);
    snap_rec_end(w);
    g->origins++;
}

/* One tracked fd of `stack` with a target of its kind. */
static void tracked_fd(gen *g, unsigned stack, uint64_t kind)
{
    char target[64], peer[32];
    unsigned fd = g->next_fd++;
    const char *call = "socket";
    peer[0] = 0;
    if (kind == SNAP_FD_SOCKET) {
        snprintf(target, sizeof(target), "socket:[%u]", 100000 + fd * 7 + rnd(g, 5));
        snprintf(peer, sizeof(peer), "10.0.%u.%u:443", stack % 200, 1 + stack % 250);
    } else if (kind == SNAP_FD_PIPE) {
        snprintf(target, sizeof(target), "pipe:[%u]", 200000 + fd);
        call = "pipe2";
    } else {
        snprintf(target, sizeof(target), "/var/lib/app/data-%u.db", stack);
        call = "openat";
    }
    fd_record(g, fd, kind, target, peer[0] ? peer : NULL);
    origin_record(g, SNAP_ORIGIN_FD, fd, stack, call, 0);
}

static int write_snapshot(const char *dir, unsigned i, unsigned n, unsigned f, void *ws,
                          size_t ws_size)
{
    static const uint64_t kinds[] = { SNAP_FD_SOCKET, SNAP_FD_FILE, SNAP_FD_PIPE };
    char path[4096];
    gen g;
    memset(&g, 0, sizeof(g));
    g.pid = 31337;
    g.time_ms = START_MS + (uint64_t)i * 60000;
    g.rng = 0x9e3779b97f4a7c15ull ^ i;
    g.next_fd = 3;
    snprintf(path, sizeof(path), "%s/snap-%05u.bbx", dir, i);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || snap_writer_prepare(&g.w, ws, ws_size, 1) != 0 ||
        snap_writer_begin(&g.w, fd) != 0) {
        fprintf(stderr, "gen_series: %s: %s\n", path, strerror(errno));
        return -1;
    }
    snap_writer *w = &g.w;
    snap_rec_begin(w, SNAP_REC_PROCESS);
    snap_put_u64(w, SNAP_PROC_PID, g.pid);
    snap_put_str(w, SNAP_PROC_EXE, modules[0].path);
    snap_put_str(w, SNAP_PROC_APP, "gen-series");
    snap_put_u64(w, SNAP_PROC_TIME_MS, g.time_ms);
    snap_put_u64(w, SNAP_PROC_START_MS, START_MS - 5000);
    snap_put_str(w, SNAP_PROC_ARCH, "x86_64");
    snap_rec_end(w);
    snap_rec_begin(w, SNAP_REC_TRIGGER);
    snap_put_u64(w, SNAP_TRIG_KIND, SNAP_TRIGGER_PERIODIC);
    snap_put_str(w, SNAP_TRIG_REASON, "every 60000 ms");
    snap_rec_end(w);

    /* Threads: main, the pool, and the leaked ones. */
    unsigned leaked_threads = i / 100;
    for (unsigned t = 0; t < 1 + POOL_THREADS + leaked_threads; t++) {
        char name[16];
        snprintf(name, sizeof(name), t == 0 ? "gen-series" : t <= POOL_THREADS ? "pool-%u"
                                                                               : "retry-%u", t);
        snap_rec_begin(w, SNAP_REC_THREAD);
        snap_put_u64(w, SNAP_THR_TID, g.pid + t);
        snap_put_str(w, SNAP_THR_NAME, name);
        snap_put_u64(w, SNAP_THR_STATE, 'S');
        snap_rec_end(w);
        g.threads++;
    }
    /* stdio: open before tracking started. */
    for (unsigned k = 0; k < 3; k++)
        fd_record(&g, k, SNAP_FD_DEVICE, "/dev/pts/3", NULL);
    unsigned steady = f * 8 / 10 / STEADY_STACKS;
    for (unsigned s = 0; s < STEADY_STACKS; s++)
        for (unsigned k = 0; k < steady; k++)
            tracked_fd(&g, s, kinds[s % 3]);
    for (unsigned s = 0; s < NOISE_STACKS; s++) {
        unsigned c = rnd(&g, 2 * f / 100 + 1);
        for (unsigned k = 0; k < c; k++)
            tracked_fd(&g, STEADY_STACKS + s, SNAP_FD_SOCKET);
    }
    unsigned leak_a = (unsigned)((uint64_t)i * (f / 20) / (n ? n : 1));
    for (unsigned k = 0; k < leak_a; k++)
        tracked_fd(&g, STEADY_STACKS + NOISE_STACKS + 0, SNAP_FD_SOCKET);
    for (unsigned k = 0; k < i / 50; k++)
        tracked_fd(&g, STEADY_STACKS + NOISE_STACKS + 1, SNAP_FD_PIPE);
    for (unsigned k = 0; k < i / 200; k++)
        tracked_fd(&g, STEADY_STACKS + NOISE_STACKS + 2, SNAP_FD_FILE);

    /* Modules, then the thread origins and the children. */
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
    for (unsigned t = 1; t < 1 + POOL_THREADS + leaked_threads; t++)
        origin_record(&g, SNAP_ORIGIN_THREAD, g.pid + t,
                      t <= POOL_THREADS ? 60 : 61, "pthread_create",
                      (uint64_t)(uintptr_t)code_fns[t <= POOL_THREADS ? 1 : 2]);
    for (unsigned c = 0; c < i / 250; c++) {
        snap_rec_begin(w, SNAP_REC_CHILD);
        snap_put_u64(w, SNAP_CHILD_PID, g.pid + 1000 + c);
        snap_put_u64(w, SNAP_CHILD_STATE, 'Z');
        snap_put_u64(w, SNAP_CHILD_ZOMBIE, 1);
        snap_put_str(w, SNAP_CHILD_COMM, "convert");
        snap_rec_end(w);
        g.children++;
    }
    snap_rec_begin(w, SNAP_REC_CAPTURE);
    snap_put_u64(w, SNAP_CAP_THREADS, g.threads);
    snap_put_u64(w, SNAP_CAP_FDS, g.fds);
    snap_put_u64(w, SNAP_CAP_MODULES, n_modules);
    snap_put_str(w, SNAP_CAP_VERSION, "gen-series");
    snap_put_u64(w, SNAP_CAP_TRACKING, 3);
    snap_put_u64(w, SNAP_CAP_ORIGINS, g.origins);
    snap_put_u64(w, SNAP_CAP_CHILDREN, g.children);
    snap_rec_end(w);
    int rc = snap_writer_finish(w);
    if (close(fd) != 0 || rc != 0) {
        fprintf(stderr, "gen_series: %s: write failed\n", path);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: gen_series DIR [SNAPSHOTS [FDS]]\n");
        return 2;
    }
    unsigned n = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 1000;
    unsigned f = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 1000;
    if (!n || f < 100) {
        fprintf(stderr, "gen_series: need at least 1 snapshot and 100 fds\n");
        return 2;
    }
    dl_iterate_phdr(collect_module, NULL);
    if (!n_modules) {
        fprintf(stderr, "gen_series: cannot find its own module\n");
        return 1;
    }
    size_t ws_size = snap_writer_workspace_size(1);
    void *ws = malloc(ws_size);
    if (!ws)
        return 1;
    for (unsigned i = 0; i < n; i++) {
        if (write_snapshot(argv[1], i, n, f, ws, ws_size) < 0) {
            free(ws);
            return 1;
        }
    }
    free(ws);
    return 0;
}
