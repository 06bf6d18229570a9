/*
 * gen_crashes.c - many distinct crash snapshots, cheaply, for the crash
 * store's robustness tests (tests/store): written by the project's own
 * writer through the test fixture (tests/unit/snap_fixture.h).
 *
 * Snapshot i (FIRST <= i < FIRST + N) is a crash of process 20000 + i at
 * 2024-05-01 12:00 UTC + i * 37 minutes (so the set spans days), on host
 * "host-(i % 5)", app version "2.(i % 3)", in one of two builds (the main
 * module's build-id differs), crashing at one of SITES sites (i % SITES):
 * the crashing thread's frames are offsets in the main module
 * /opt/storetest/bin/app, which does not exist here, so the signature is
 * made of module names and offsets and no symbolization is needed.  Every
 * file holds different bytes (pid, time), so each is its own snapshot.
 *
 * usage: gen_crashes DIR N [FIRST [SITES]]    (FIRST 0, SITES 7)
 * Files: DIR/crash-NNNNNN.bbx.  Exit 0, 1 when a file cannot be written,
 * 2 on usage errors.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snap_fixture.h"
#include "snap_format.h"

#define EXE_PATH "/opt/storetest/bin/app"
#define EXE_BIAS 0x555555554000ull
#define LIBC_BIAS 0x7ffff7d58000ull
#define EXE(off) (EXE_BIAS + (off))
#define LIBC(off) (LIBC_BIAS + (off))
#define BASE_MS 1714564800000ull
#define N(a) (sizeof(a) / sizeof((a)[0]))

static const uint8_t build_ids[2][20] = {
    { 0x5a, 0x70, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
      0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x01, 0x02 },
    { 0x5a, 0x71, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
      0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00, 0x01, 0x03 },
};
static const uint8_t libc_build_id[20] = {
    0x1c, 0x1b, 0x0a, 0x09, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03,
    0x02, 0x01, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80,
};

static int write_one(const char *dir, unsigned i, unsigned sites)
{
    char path[4096], pidbuf[32], host[32], version[32];
    unsigned site = i % sites, build = (i / 3) % 2;
    uint64_t pid = 20000 + i;
    fix_module mods[2] = {
        { .path = EXE_PATH, .bias = EXE_BIAS, .start = EXE_BIAS, .end = EXE(0x40000),
          .build_id = build_ids[build], .build_id_len = sizeof(build_ids[build]) },
        { .path = "/usr/lib/x86_64-linux-gnu/libc.so.6", .bias = LIBC_BIAS,
          .start = LIBC_BIAS, .end = LIBC_BIAS + 0x1d0000,
          .build_id = libc_build_id, .build_id_len = sizeof(libc_build_id) },
    };
    /* The crash site: its own innermost function, then a caller shared by
     * three sites, then main and libc's start. */
    uint64_t stack[] = {
        EXE(0x1000 + 0x100 * (uint64_t)site + 0x2e + 4 * build),
        EXE(0x9000 + 0x100 * (uint64_t)(site % 3) + 0x17),
        EXE(0x12000 + 0x45),
        LIBC(0x271ca),
        LIBC(0x27285),
    };
    uint64_t idle[] = { LIBC(0x86d26), LIBC(0x89134), LIBC(0x109a00) };
    fix_thread th[2];
    memset(th, 0, sizeof(th));
    int aborted = site % 4 == 3;
    th[0] = (fix_thread){ .tid = pid, .name = "app", .state = 'R', .crashed = 1,
                          .signal = aborted ? 6 : 11, .stack = stack, .n_stack = N(stack),
                          .method = SNAP_METHOD_CRASH };
    th[1] = (fix_thread){ .tid = pid + 1, .name = "worker", .state = 'S', .stack = idle,
                          .n_stack = N(idle), .method = SNAP_METHOD_CALL };
    snprintf(pidbuf, sizeof(pidbuf), "%u", i);
    snprintf(host, sizeof(host), "host-%u", i % 5);
    snprintf(version, sizeof(version), "2.%u", i % 3);
    const char *ann[] = { "app.version", version, "gen.index", pidbuf };
    fix_fd fds[3];
    memset(fds, 0, sizeof(fds));
    for (unsigned k = 0; k < 3; k++)
        fds[k] = (fix_fd){ .fd = k, .kind = SNAP_FD_DEVICE, .target = "/dev/pts/1", .unknown = 1 };

    fix_snapshot d;
    memset(&d, 0, sizeof(d));
    d.pid = pid;
    d.ppid = 1;
    d.uid = 1000;
    d.time_ms = BASE_MS + (uint64_t)i * 37 * 60 * 1000;
    d.start_ms = d.time_ms - 5000;
    d.trigger_kind = SNAP_TRIGGER_CRASH;
    d.signal = aborted ? 6 : 11;
    d.code = aborted ? -6 : 1;
    d.addr = aborted ? 0 : 0x10 * (uint64_t)site;
    d.trigger_tid = pid;
    d.exe = EXE_PATH;
    d.app = "app";
    d.host = host;
    d.kernel = "6.1.0-21-amd64";
    d.arch = "x86_64";
    d.fd_limit = 1024;
    d.threads = th;
    d.n_threads = 2;
    d.fds = fds;
    d.n_fds = 3;
    d.modules = mods;
    d.n_modules = 2;
    d.annotations = ann;
    d.n_annotations = 2;
    d.capture_version = "1.0.0";

    fixture_file f;
    if (fixture_snapshot(&f, &d) < 0) {
        fprintf(stderr, "gen_crashes: snapshot %u: the fixture writer failed\n", i);
        return -1;
    }
    snprintf(path, sizeof(path), "%s/crash-%06u.bbx", dir, i);
    FILE *fp = fopen(path, "wb");
    int rc = fp && fwrite(f.data, 1, f.len, fp) == f.len ? 0 : -1;
    if (fp && fclose(fp) != 0)
        rc = -1;
    if (rc < 0)
        fprintf(stderr, "gen_crashes: %s: cannot write: %s\n", path, strerror(errno));
    fixture_file_release(&f);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 5) {
        fprintf(stderr, "usage: gen_crashes DIR N [FIRST [SITES]]\n");
        return 2;
    }
    char *end;
    unsigned long n = strtoul(argv[2], &end, 10);
    unsigned long first = argc > 3 ? strtoul(argv[3], NULL, 10) : 0;
    unsigned long sites = argc > 4 ? strtoul(argv[4], NULL, 10) : 7;
    if (*end || n == 0 || n > 10000000 || sites == 0 || sites > 64 || first > 100000000) {
        fprintf(stderr, "gen_crashes: N must be 1..10000000, SITES 1..64\n");
        return 2;
    }
    for (unsigned long i = first; i < first + n; i++)
        if (write_one(argv[1], (unsigned)i, (unsigned)sites) < 0)
            return 1;
    return 0;
}
