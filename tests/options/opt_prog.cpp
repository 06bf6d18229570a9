/*
 * opt_prog - the program the option and environment tests run: linked with
 * libbbx (bbx_init(NULL): every setting from the BBX_* environment), C++ so
 * that its frames carry mangled names, with an inlined call on the crash
 * path, deterministic fd/thread growth for leak series, a deep stack, many
 * threads and breadcrumbs on request.
 *
 *   opt_prog MODE [N]
 *
 * Modes (each prints "ready" on stdout once its threads are set up):
 *   crash        a SIGSEGV in bbxopt::Widget::explode(int), through an
 *                inlined bbxopt_inlined_step(); one more thread "opt-sleeper"
 *   snap         the same threads, bbx_snapshot("opt") instead of the crash
 *   series N     N snapshots; one socket more before each (a leak), one pipe
 *                open from the start (constant), one idle thread
 *   deep         a thread 100 calls deep, then one snapshot
 *   threads N    N more threads, blocked, then one snapshot
 *   crumbs N     bbx_log("crumb %d") for 0..N-1, then one snapshot
 *   segv         a plain SIGSEGV in main
 *   wait         prints "ready", then reads stdin until EOF, exits 0
 *   exit         returns from main
 *   snaps N      N snapshots in a row
 *   trackdepth   an fd opened five calls below main, then one snapshot
 *   blocksig N   a thread "opt-blocker" that blocks signal N and spins; one
 *                snapshot
 * Exit: 0 done, 3 bbx_init failed ("bbx_init: RC MESSAGE" on stderr).
 */
#include <bbx.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

static int block_pipe[2];
static volatile int depth_reached;

static void *sleeper_main(void *arg)
{
    char c;
    (void)arg;
    while (read(block_pipe[0], &c, 1) < 0 && errno == EINTR) {
    }
    return NULL;
}

static pthread_t spawn_thread(const char *name, void *(*fn)(void *), void *arg)
{
    pthread_t t;
    if (pthread_create(&t, NULL, fn, arg) != 0) {
        perror("pthread_create");
        exit(4);
    }
    pthread_setname_np(t, name);
    return t;
}

/* A main loop's worth of poll() waits, then n ms away from the loop, then
 * back (the hang watchdog's BBX_HANG_MS and BBX_HANG_THREADS). */
static void loop_then_spin(long n)
{
    struct timespec t0, t;
    for (int i = 0; i < 20; i++)
        poll(NULL, 0, 10);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do
        clock_gettime(CLOCK_MONOTONIC, &t);
    while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < n);
    for (int i = 0; i < 20; i++)
        poll(NULL, 0, 10);
}

static void *render_main(void *arg)
{
    loop_then_spin((long)arg);
    return NULL;
}

namespace bbxopt {

static inline __attribute__((always_inline)) void bbxopt_inlined_step(volatile int *p, int v)
{
    *p = v * 3 + 1;
}

class Widget {
  public:
    NOINLINE static int explode(int v);
};

NOINLINE int Widget::explode(int v)
{
    volatile int *p = v > 1000 ? &v : nullptr;
    bbxopt_inlined_step(p, v);
    return v;
}

} // namespace bbxopt

namespace bbxopt {
/* Not static: the symbol keeps its mangled name, _ZN6bbxopt11leak_socketEv. */
NOINLINE int leak_socket();
NOINLINE int leak_socket()
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    __asm__ volatile("" ::: "memory"); /* not a tail call: this frame stays */
    return fd;
}
} // namespace bbxopt

NOINLINE static int recurse(int n)
{
    volatile int here = n;
    if (n == 0) {
        depth_reached = 1;
        sleeper_main(NULL);
        return 0;
    }
    return recurse(n - 1) + here;
}

static void *deep_main(void *arg)
{
    (void)arg;
    return (void *)(long)recurse(100);
}

static void *blocker_main(void *arg)
{
    /* the kernel's call: bbx keeps its thread signal out of what
     * pthread_sigmask blocks (README, signal masks), not out of this */
    unsigned long long bit = 1ull << ((int)(long)arg - 1);
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, &bit, NULL, sizeof(bit));
    depth_reached = 1;
    /* running, not in a blocking call (whose entry saves the stack): only
     * the thread signal can ask this thread for its stack */
    for (;;)
        __asm__ volatile("pause" ::: "memory");
    return NULL;
}

NOINLINE static int open_level(int n)
{
    if (n == 0) {
        int fd = open("/dev/null", O_RDONLY);
        __asm__ volatile("" ::: "memory");
        return fd;
    }
    int fd = open_level(n - 1);
    __asm__ volatile("" ::: "memory");
    return fd;
}

static void snapshot(const char *why)
{
    int rc = bbx_snapshot(why);
    if (rc != 0) {
        fprintf(stderr, "bbx_snapshot: %d %s\n", rc, bbx_strerror(rc));
        exit(5);
    }
}

static void ready(void)
{
    puts("ready");
    fflush(stdout);
}

/* Until n threads sit in read() on block_pipe (what /proc/self/task/TID/
 * syscall says), so their stacks are the same (bbx show folds them); at
 * most 10 s. */
static void wait_readers(int n)
{
    char want[32];
    snprintf(want, sizeof(want), "%ld 0x%x ", (long)SYS_read, (unsigned)block_pipe[0]);
    for (int tries = 0; tries < 1000; tries++) {
        int found = 0;
        DIR *d = opendir("/proc/self/task");
        for (struct dirent *e; d && (e = readdir(d));) {
            char path[300], line[128] = "";
            snprintf(path, sizeof(path), "/proc/self/task/%s/syscall", e->d_name);
            FILE *f = e->d_name[0] != '.' ? fopen(path, "r") : NULL;
            if (f && fgets(line, sizeof(line), f))
                found += strncmp(line, want, strlen(want)) == 0;
            if (f)
                fclose(f);
        }
        if (d)
            closedir(d);
        if (found >= n)
            return;
        usleep(10 * 1000);
    }
}

static void wait_flag(void)
{
    while (!depth_reached)
        usleep(1000);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    int n = argc > 2 ? atoi(argv[2]) : 0;
    if (pipe(block_pipe) != 0)
        return 4;
    int rc = bbx_init(NULL);
    if (rc != 0) {
        fprintf(stderr, "bbx_init: %d %s\n", rc, bbx_strerror(rc));
        return 3;
    }
    if (!strcmp(mode, "crash") || !strcmp(mode, "snap")) {
        spawn_thread("opt-sleeper", sleeper_main, NULL);
        ready();
        if (!strcmp(mode, "snap"))
            snapshot("opt");
        else
            bbxopt::Widget::explode(n);
    } else if (!strcmp(mode, "series")) {
        int keep[2];
        if (pipe(keep) != 0)
            return 4;
        spawn_thread("opt-idle", sleeper_main, NULL);
        wait_readers(1); /* it runs: its tracked origin has its tid */
        ready();
        for (int i = 0; i < n; i++) {
            if (bbxopt::leak_socket() < 0)
                return 4;
            snapshot("tick");
        }
    } else if (!strcmp(mode, "deep")) {
        spawn_thread("opt-deep", deep_main, NULL);
        wait_flag();
        ready();
        snapshot("deep");
    } else if (!strcmp(mode, "threads")) {
        for (int i = 0; i < n; i++)
            spawn_thread("opt-many", sleeper_main, NULL);
        wait_readers(n);
        ready();
        snapshot("threads");
    } else if (!strcmp(mode, "crumbs")) {
        for (int i = 0; i < n; i++)
            bbx_log("crumb %d", i);
        ready();
        snapshot("crumbs");
    } else if (!strcmp(mode, "segv")) {
        ready();
        volatile int *p = nullptr;
        *p = 1;
    } else if (!strcmp(mode, "wait")) {
        char buf[64];
        ready();
        while (read(0, buf, sizeof(buf)) != 0) {
        }
    } else if (!strcmp(mode, "freeze")) {
        ready();
        loop_then_spin(n);
    } else if (!strcmp(mode, "freeze-thread")) {
        ready();
        pthread_join(spawn_thread("opt-render", render_main, (void *)(long)n), NULL);
    } else if (!strcmp(mode, "exit")) {
        ready();
    } else if (!strcmp(mode, "snaps")) {
        ready();
        for (int i = 0; i < n; i++)
            snapshot("many");
    } else if (!strcmp(mode, "trackdepth")) {
        if (open_level(5) < 0)
            return 4;
        ready();
        snapshot("track");
    } else if (!strcmp(mode, "blocksig")) {
        spawn_thread("opt-blocker", blocker_main, (void *)(long)n);
        wait_flag();
        ready();
        snapshot("blocked");
    } else {
        fprintf(stderr, "opt_prog: unknown mode '%s'\n", mode);
        return 2;
    }
    return 0;
}
