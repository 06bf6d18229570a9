/*
 * soak_prog.c - a busy program for the soak test (bench/soak.py): for a
 * given time it loads and unloads a plugin in a loop, creates and joins
 * threads, forks children that exit, opens and closes thousands of fds of
 * several kinds, and allocates and frees memory, all at once, each in its
 * own thread.  Meant to run under libbbx-preload.so with BBX_INTERVAL_MS=10
 * and BBX_TRACK=fd,thread: every snapshot then races with libraries being
 * unmapped, threads exiting, fds closing and processes forking.
 *
 * Usage: soak_prog PLUGIN.so SECONDS
 * Prints one summary line and exits 0; exits 1 when one of its own calls
 * failed (said on stderr).  Blocking calls interrupted by a signal are
 * retried: the soak judges survival, tests/noharm the results of calls.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FD_BATCH 1000

static atomic_int stop;
static const char *plugin_path;
static atomic_ulong n_dlopen, n_threads, n_forks, n_fds, n_allocs;

static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("soak_prog: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void nap_us(long us)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_nsec += us * 1000;
    t.tv_sec += t.tv_nsec / 1000000000L;
    t.tv_nsec %= 1000000000L;
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR)
        ;
}

static void *plugins(void *arg)
{
    for (int i = 0; !atomic_load(&stop); i++) {
        void *h = dlopen(plugin_path, RTLD_NOW | RTLD_LOCAL);
        if (!h)
            fail("dlopen %s: %s", plugin_path, dlerror());
        int (*work)(int) = (int (*)(int))dlsym(h, "soak_plugin_work");
        if (!work)
            fail("dlsym soak_plugin_work: %s", dlerror());
        (void)work(i);
        if (dlclose(h))
            fail("dlclose: %s", dlerror());
        atomic_fetch_add(&n_dlopen, 1);
    }
    return NULL;
}

static void *short_thread(void *arg)
{
    char *p = malloc(4096 + (size_t)(uintptr_t)arg);
    if (p)
        memset(p, 1, 4096);
    free(p);
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd >= 0)
        close(fd);
    return NULL;
}

static void *threads(void *arg)
{
    pthread_t th[8];
    while (!atomic_load(&stop)) {
        for (uintptr_t i = 0; i < 8; i++) {
            int rc = pthread_create(&th[i], NULL, short_thread, (void *)i);
            if (rc)
                fail("pthread_create: %s", strerror(rc));
        }
        for (int i = 0; i < 8; i++)
            pthread_join(th[i], NULL);
        atomic_fetch_add(&n_threads, 8);
        nap_us(2000);
    }
    return NULL;
}

static void *forks(void *arg)
{
    while (!atomic_load(&stop)) {
        pid_t pid = fork();
        if (pid < 0)
            fail("fork: %s", strerror(errno));
        if (pid == 0)
            _exit(0);
        int st;
        while (waitpid(pid, &st, 0) < 0)
            if (errno != EINTR)
                fail("waitpid: %s", strerror(errno));
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            fail("a child ended with status %#x", (unsigned)st);
        atomic_fetch_add(&n_forks, 1);
        nap_us(5000);
    }
    return NULL;
}

/* Open FD_BATCH fds of four kinds, then close them all. */
static void *fds(void *arg)
{
    static int fd[FD_BATCH + 1];
    while (!atomic_load(&stop)) {
        int n = 0;
        while (n < FD_BATCH) {
            int sv[2];
            switch (n % 4) {
            case 0:
                fd[n++] = open("/dev/null", O_RDONLY | O_CLOEXEC);
                break;
            case 1:
                fd[n++] = eventfd(0, EFD_CLOEXEC);
                break;
            case 2:
                if (pipe2(sv, O_CLOEXEC))
                    fail("pipe2: %s", strerror(errno));
                fd[n++] = sv[0];
                fd[n++] = sv[1];
                break;
            default:
                if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
                    fail("socketpair: %s", strerror(errno));
                fd[n++] = sv[0];
                fd[n++] = sv[1];
            }
            if (fd[n - 1] < 0)
                fail("open or eventfd: %s", strerror(errno));
        }
        for (int i = 0; i < n; i++)
            close(fd[i]);
        atomic_fetch_add(&n_fds, (unsigned long)n);
        nap_us(10000);
    }
    return NULL;
}

static void *allocs(void *arg)
{
    static void *slot[1024];
    unsigned x = 12345;
    while (!atomic_load(&stop)) {
        for (int i = 0; i < 4096; i++) {
            x = x * 1103515245u + 12345u;
            unsigned k = (x >> 8) % 1024;
            free(slot[k]);
            slot[k] = malloc(16 + (x >> 20) % 65536);
            if (!slot[k])
                fail("malloc failed");
        }
        atomic_fetch_add(&n_allocs, 4096);
        nap_us(5000);
    }
    for (int k = 0; k < 1024; k++)
        free(slot[k]);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 3)
        fail("usage: soak_prog PLUGIN.so SECONDS");
    plugin_path = argv[1];
    char *end;
    long seconds = strtol(argv[2], &end, 10);
    if (*argv[2] == '\0' || *end != '\0' || seconds < 1)
        fail("SECONDS: want a positive number, got \"%s\"", argv[2]);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < FD_BATCH + 256) {
        rl.rlim_cur = rl.rlim_max < FD_BATCH + 256 ? rl.rlim_max : FD_BATCH + 256;
        setrlimit(RLIMIT_NOFILE, &rl);
    }

    void *(*fn[])(void *) = {plugins, threads, forks, fds, allocs};
    enum { N = sizeof fn / sizeof fn[0] };
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        int rc = pthread_create(&th[i], NULL, fn[i], NULL);
        if (rc)
            fail("pthread_create: %s", strerror(rc));
    }
    nap_us(seconds * 1000000L);
    atomic_store(&stop, 1);
    for (int i = 0; i < N; i++)
        pthread_join(th[i], NULL);
    printf("soak_prog: %ld s: %lu dlopen+dlclose, %lu threads, %lu forks, %lu fds, "
           "%lu allocations\n", seconds, atomic_load(&n_dlopen), atomic_load(&n_threads),
           atomic_load(&n_forks), atomic_load(&n_fds), atomic_load(&n_allocs));
    return 0;
}
