/*
 * capture_target.c - the process the capture benchmark takes snapshots of.
 *
 *   capture_target T D F [--warm N] [--wait] [--keep] [--no-readback]
 *                  [--prime-proc]
 *
 * Sets up T threads, each D calls deep (real frames: no inlining, a
 * volatile local, work after the call) and then parked in pause(), and F
 * extra fds of mixed kinds (fd_zoo.h).  Then it times bbx_snapshot() with
 * CLOCK_MONOTONIC: once cold (the first capture of this process) and N more
 * times warm, one output line per capture:
 *
 *   capture n=0 ms=12.3 bytes=4567 ...
 *
 * (key=value pairs; bench/run_capture.py reads them).  --wait then keeps
 * the process, threads and fds alive until SIGTERM or SIGINT, so that
 * external tools can look at the same process; the captures are all done
 * before "waiting" is printed.  --keep keeps the snapshot files.
 * --no-readback prints only the time and size (no decompression and no
 * compression replay between captures: for profilers).  --prime-proc reads
 * every /proc/self/fd link once before the first capture (as `ls -l` would),
 * to tell the kernel's first-lookup cost apart from the collector's own.
 *
 * Needs BBX_DIR: snapshots go there, and a scratch directory for the
 * regular files of the fd zoo is made (and removed) inside it.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bbx.h"
#include "fd_zoo.h"
#include "snap_stats.h"

#define WRITER_LEVEL 3 /* the collector's zstd level, for the replay */

static _Atomic unsigned parked;
static _Atomic int released; /* never set: the threads stay until exit */

static __attribute__((noinline)) unsigned park(void)
{
    atomic_fetch_add(&parked, 1);
    while (!atomic_load(&released))
        pause();
    return 1;
}

/* `left` frames of descend() on the stack, then park(). */
static __attribute__((noinline)) unsigned descend(unsigned left)
{
    volatile unsigned local = left;
    local += left <= 1 ? park() : descend(left - 1);
    __asm__ volatile("" ::: "memory"); /* no tail call, no loop */
    return local;
}

static void *thread_main(void *arg)
{
    descend((unsigned)(uintptr_t)arg);
    return NULL;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* CPU time of the whole process (all threads); *faults: minor page faults. */
static double cpu_ms(long *faults)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    *faults = ru.ru_minflt;
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static void usage(void)
{
    fprintf(stderr, "usage: capture_target THREADS DEPTH FDS [--warm N] [--wait] [--keep] "
                    "[--no-readback] [--prime-proc]\n");
    exit(2);
}

static unsigned parse_count(const char *s, unsigned lo, unsigned hi)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || end == s || v < lo || v > hi)
        usage();
    return (unsigned)v;
}

static int start_threads(unsigned n, unsigned depth)
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256u << 10);
    for (unsigned i = 0; i < n; i++) {
        pthread_t t;
        int e = pthread_create(&t, &attr, thread_main, (void *)(uintptr_t)depth);
        if (e) {
            fprintf(stderr, "capture_target: pthread_create: %s\n", strerror(e));
            return -1;
        }
        pthread_detach(t);
    }
    pthread_attr_destroy(&attr);
    while (atomic_load(&parked) < n)
        usleep(1000);
    usleep(20000); /* let the last ones reach pause() */
    return 0;
}

static int capture_once(unsigned n, int keep, int readback)
{
    struct snap_stats st;
    long f0, f1;
    double c0 = cpu_ms(&f0);
    double t0 = now_ms();
    int rc = bbx_snapshot("bench");
    double t1 = now_ms();
    double c1 = cpu_ms(&f1);
    const char *path = bbx_last_snapshot();
    if (rc != 0 || !path) {
        fprintf(stderr, "capture_target: bbx_snapshot: %s\n", bbx_strerror(rc));
        return -1;
    }
    if (!readback) {
        struct stat sb;
        printf("capture n=%u ms=%.3f cpu_ms=%.3f faults=%ld bytes=%lld\n", n, t1 - t0,
               c1 - c0, f1 - f0, stat(path, &sb) == 0 ? (long long)sb.st_size : -1LL);
        fflush(stdout);
        if (!keep)
            unlink(path);
        return 0;
    }
    if (snap_stats_read(path, &st) != 0)
        return -1;
    double zstd_us = snap_stats_replay_compress(WRITER_LEVEL);
    printf("capture n=%u ms=%.3f cpu_ms=%.3f faults=%ld bytes=%llu raw=%llu thread_raw=%llu "
           "fd_raw=%llu other_raw=%llu cap_us=%llu threads_us=%llu fds_us=%llu threads=%u "
           "unwound=%u frames=%u fds=%u modules=%u complete=%d zstd_replay_us=%.0f "
           "status=%u,%u,%u,%u kinds=",
           n, t1 - t0, c1 - c0, f1 - f0, (unsigned long long)st.file_bytes,
           (unsigned long long)st.raw_bytes, (unsigned long long)st.thread_bytes,
           (unsigned long long)st.fd_bytes, (unsigned long long)st.other_bytes,
           (unsigned long long)st.cap_duration_us, (unsigned long long)st.cap_threads_us,
           (unsigned long long)st.cap_fds_us, st.threads, st.unwound, st.frames, st.fds,
           st.cap_modules, st.complete, zstd_us, st.thread_status[0], st.thread_status[1],
           st.thread_status[2], st.thread_status[3]);
    for (unsigned k = 0; k < 16; k++)
        printf("%s%u", k ? "," : "", st.fd_kinds[k]);
    printf("\n");
    fflush(stdout);
    if (!keep)
        unlink(path);
    return 0;
}

/* readlink() every entry of /proc/self/fd once. */
static void prime_proc(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    char target[512];
    if (!d)
        return;
    while ((e = readdir(d)) != NULL)
        (void)readlinkat(dirfd(d), e->d_name, target, sizeof(target)); /* "." fails */
    closedir(d);
}

static void remove_scratch(const char *dir)
{
    char p[4096];
    for (int i = 0; i < 8; i++) {
        snprintf(p, sizeof(p), "%s/data-%d.bin", dir, i);
        unlink(p);
    }
    rmdir(dir);
}

int main(int argc, char **argv)
{
    unsigned warm = 0;
    int wait = 0, keep = 0, readback = 1, prime = 0;
    if (argc < 4)
        usage();
    unsigned n_threads = parse_count(argv[1], 0, 8000);
    unsigned depth = parse_count(argv[2], 1, 4096);
    unsigned n_fds = parse_count(argv[3], 0, 1000000);
    for (int i = 4; i < argc; i++) {
        if (strcmp(argv[i], "--warm") == 0 && i + 1 < argc)
            warm = parse_count(argv[++i], 0, 100000);
        else if (strcmp(argv[i], "--wait") == 0)
            wait = 1;
        else if (strcmp(argv[i], "--keep") == 0)
            keep = 1;
        else if (strcmp(argv[i], "--no-readback") == 0)
            readback = 0;
        else if (strcmp(argv[i], "--prime-proc") == 0)
            prime = 1;
        else
            usage();
    }
    const char *dir = getenv("BBX_DIR");
    if (!dir || !*dir) {
        fprintf(stderr, "capture_target: set BBX_DIR to a writable directory\n");
        return 2;
    }

    /* Every thread blocks these; main waits for them with sigwait(). */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    int rc = bbx_init(NULL);
    if (rc != 0) {
        fprintf(stderr, "capture_target: bbx_init: %s\n", bbx_strerror(rc));
        return 1;
    }
    char scratch[4096];
    snprintf(scratch, sizeof(scratch), "%s/scratch-%d", dir, (int)getpid());
    if (mkdir(scratch, 0700) != 0) {
        fprintf(stderr, "capture_target: mkdir %s: %s\n", scratch, strerror(errno));
        return 1;
    }
    struct fd_zoo_counts zc;
    double s0 = now_ms();
    if (fd_zoo_open(n_fds, scratch, &zc) != 0 || start_threads(n_threads, depth) != 0) {
        remove_scratch(scratch);
        return 1;
    }
    printf("ready pid=%d threads=%u depth=%u fds=%u setup_ms=%.1f tcp=%u udp=%u unix=%u "
           "pipe=%u file=%u\n",
           (int)getpid(), n_threads, depth, n_fds, now_ms() - s0, zc.tcp, zc.udp,
           zc.unix_sock, zc.pipe, zc.file);
    fflush(stdout);

    if (prime)
        prime_proc();
    for (unsigned i = 0; i <= warm; i++)
        if (capture_once(i, keep, readback) != 0) {
            remove_scratch(scratch);
            return 1;
        }

    if (wait) {
        int sig;
        printf("waiting pid=%d\n", (int)getpid());
        fflush(stdout);
        sigwait(&stop, &sig);
    }
    remove_scratch(scratch);
    return 0;
}
