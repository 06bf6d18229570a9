/*
 * gen_series.c - writes a synthetic periodic snapshot series for the
 * `bbx leaks` benchmark (bench/run_leaks.py): N snapshots of one process,
 * each with about F fds and their ORIGIN records (32-frame creation
 * stacks), threads with origins, and a few children.
 *
 * The stacks are return addresses inside this very program (the modules
 * recorded are the real ones of this process, with their build-ids), so
 * `bbx leaks` symbolizes them against a real binary with debug info; the
 * module table and the snapshot frame are series_writer.c's.
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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "series_writer.h"

#define STACK_DEPTH 32
#define STEADY_STACKS 40
#define NOISE_STACKS 10
#define LEAK_STACKS 3
#define POOL_THREADS 16

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

/* Frame k of stack s: a return address a few bytes into one of the code
 * functions.  The two innermost frames spell s in base N_CODE, so every
 * stack (s < N_CODE^2) is different; the rest is a mix. */
static uint64_t stack_frame(unsigned s, unsigned k)
{
    unsigned f = k == 0 ? s % N_CODE : k == 1 ? (s / N_CODE) % N_CODE
                                              : (s * 7u + k * 5u) % N_CODE;
    return (uint64_t)(uintptr_t)code_fns[f] + 4 + (k % 3);
}

static void put_frames(series_snap *s, unsigned field, unsigned stack)
{
    uint64_t pcs[STACK_DEPTH];
    for (unsigned k = 0; k < STACK_DEPTH; k++)
        pcs[k] = stack_frame(stack, k);
    series_put_frames(s, field, pcs, STACK_DEPTH);
}

typedef struct gen {
    series_snap s;
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
    snap_writer *w = &g->s.w;
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
    snap_writer *w = &g->s.w;
    snap_rec_begin(w, SNAP_REC_ORIGIN);
    snap_put_u64(w, SNAP_ORIG_RESOURCE, resource);
    snap_put_u64(w, SNAP_ORIG_ID, id);
    put_frames(&g->s, SNAP_ORIG_FRAMES, stack);
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

static int write_snapshot(const char *dir, unsigned i, unsigned n, unsigned f)
{
    static const uint64_t kinds[] = { SNAP_FD_SOCKET, SNAP_FD_FILE, SNAP_FD_PIPE };
    gen g;
    memset(&g, 0, sizeof(g));
    g.pid = 31337;
    g.time_ms = SERIES_START_MS + (uint64_t)i * 60000;
    g.rng = 0x9e3779b97f4a7c15ull ^ i;
    g.next_fd = 3;
    if (series_snap_open(&g.s, dir, i) != 0)
        return -1;
    snap_writer *w = &g.s.w;
    series_put_head(&g.s, g.pid, "gen-series", g.time_ms, 60000);

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
    series_put_modules(&g.s);
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
    snap_put_u64(w, SNAP_CAP_MODULES, series_module_count());
    snap_put_str(w, SNAP_CAP_VERSION, "gen-series");
    snap_put_u64(w, SNAP_CAP_TRACKING, 3);
    snap_put_u64(w, SNAP_CAP_ORIGINS, g.origins);
    snap_put_u64(w, SNAP_CAP_CHILDREN, g.children);
    snap_rec_end(w);
    return series_snap_close(&g.s);
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
    if (!series_modules_load("gen_series"))
        return 1;
    for (unsigned i = 0; i < n; i++)
        if (write_snapshot(argv[1], i, n, f) < 0)
            return 1;
    return 0;
}
