/*
 * crasher - a sample program that links libbbx and crashes on purpose.
 *
 *   crasher MODE
 *
 * Modes: null, abort, assert (a failed assert(): glibc's message), divzero, overflow-main, overflow-thread, threads-fds,
 * many-threads, parked-300 (300 threads parked in the same place, each named
 * in the manifest as "parked-tid TID", then "crash-tid TID" for the main
 * thread that crashes), blocked-thread, two-threads, emfile, malloc-lock, snapshot,
 * chain (the program's own SIGSEGV handler, installed before bbx_init(),
 * must still run: it exits with status 42).
 * Before crashing it prints a manifest on stdout ("fd N KIND", "threads N",
 * "function NAME", and "stack COUNT THREAD-NAME F1;F2;..." for threads whose
 * stacks it knows: the crasher's own functions on them, outermost first) so
 * tests can compare the snapshot with what was made.
 */
#undef NDEBUG /* the assert mode's assert() stays in every build type */
#include <assert.h>
#include <bbx.h>
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

static void manifest(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void manifest(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

#ifdef CRASHER_SHIFTED
/* crasher-shifted: the same program "rebuilt" with code added above the
 * crashing functions, so their lines and addresses move (the crash store's
 * demo and tests group both builds' crashes together). */
NOINLINE static int shifted_extra(int x)
{
    volatile int y = x * 3;
    return y + 1;
}
#endif

NOINLINE static void crash_null_deref(void)
{
    volatile int *p = NULL;
    manifest("function crash_null_deref");
    *p = 42;
}

NOINLINE static void crash_abort(void)
{
    manifest("function crash_abort");
    abort();
}

NOINLINE static void crash_assert(int n)
{
    manifest("function crash_assert");
    assert(n > 100 && "value too small");
}

NOINLINE static int crash_div_zero(int d)
{
    volatile int n = 7;
    manifest("function crash_div_zero");
    return n / d;
}

NOINLINE static int recurse_forever(int depth)
{
    volatile char pad[512];
    pad[0] = (char)depth;
    return recurse_forever(depth + 1) + pad[0];
}

static void *overflow_thread(void *arg)
{
    manifest("function recurse_forever");
    recurse_forever(0);
    return arg;
}

/* Threads that wait forever, at a known depth. */
static pthread_barrier_t ready;
#define PARKED_MAX 300
static pid_t parked_tids[PARKED_MAX];
static int parked_next;

NOINLINE static void park_deeper(int depth)
{
    if (depth > 0) {
        park_deeper(depth - 1);
        return;
    }
    pthread_barrier_wait(&ready);
    for (;;)
        pause();
}

static void *parked_thread(void *arg)
{
    int me = __atomic_fetch_add(&parked_next, 1, __ATOMIC_SEQ_CST);
    if (me < PARKED_MAX)
        __atomic_store_n(&parked_tids[me], (pid_t)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
    pthread_setname_np(pthread_self(), "parked");
    park_deeper(5);
    return arg;
}

static void start_parked(int n)
{
    pthread_barrier_init(&ready, NULL, (unsigned)n + 1);
    for (int i = 0; i < n; i++) {
        pthread_t t;
        pthread_attr_t a;
        pthread_attr_init(&a);
        pthread_attr_setstacksize(&a, 64 * 1024);
        if (pthread_create(&t, &a, parked_thread, NULL) != 0) {
            fprintf(stderr, "crasher: pthread_create failed\n");
            exit(3);
        }
        pthread_attr_destroy(&a);
    }
    pthread_barrier_wait(&ready);
    manifest("threads %d", n + 1);
    manifest("stack %d parked parked_thread;park_deeper;park_deeper;park_deeper;park_deeper;"
             "park_deeper;park_deeper", n);
}

/* Until every parked thread sits in the kernel in pause() (or the ppoll()
 * that stands for it), so all of their stacks are the same: what
 * /proc/self/task/TID/syscall says, looked at for at most 10 s. */
static void wait_all_paused(int n)
{
#ifdef SYS_pause
    const long want = SYS_pause;
#else
    const long want = SYS_ppoll;
#endif
    for (int tries = 0; tries < 1000; tries++) {
        int paused = 0;
        for (int i = 0; i < n; i++) {
            char path[64];
            long nr = -1;
            snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)parked_tids[i]);
            FILE *f = fopen(path, "r");
            if (f && fscanf(f, "%ld", &nr) != 1)
                nr = -1;
            if (f)
                fclose(f);
            paused += nr == want;
        }
        if (paused == n)
            return;
        usleep(10 * 1000);
    }
    fprintf(stderr, "crasher: the parked threads did not all reach pause()\n");
    exit(3);
}

/* One fd of every kind bbx knows. */
static void open_fds(const char *scratch)
{
    char path[512];
    int p[2], sv[2], fd;

    snprintf(path, sizeof(path), "%s/crasher-file.txt", scratch);
    fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (write(fd, "hello", 5) != 5)
        exit(3);
    manifest("fd %d file", fd);
    manifest("fd %d dir", open(scratch, O_RDONLY | O_DIRECTORY));
    if (pipe(p) != 0)
        exit(3);
    manifest("fd %d pipe", p[0]);
    manifest("fd %d pipe", p[1]);
    snprintf(path, sizeof(path), "%s/crasher-fifo", scratch);
    mkfifo(path, 0600);
    manifest("fd %d fifo", open(path, O_RDWR | O_NONBLOCK));
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    manifest("fd %d socket", sv[0]);
    manifest("fd %d socket", sv[1]);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in in = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    bind(fd, (struct sockaddr *)&in, sizeof(in));
    listen(fd, 4);
    manifest("fd %d socket", fd);
    fd = socket(AF_INET6, SOCK_DGRAM, 0);
    manifest("fd %d socket", fd);
    manifest("fd %d eventfd", eventfd(3, EFD_CLOEXEC));
    fd = timerfd_create(CLOCK_MONOTONIC, 0);
    struct itimerspec its = { { 1, 0 }, { 5, 0 } };
    timerfd_settime(fd, 0, &its, NULL);
    manifest("fd %d timerfd", fd);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    manifest("fd %d signalfd", signalfd(-1, &set, 0));
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = p[0] };
    epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
    manifest("fd %d epoll", ep);
    fd = inotify_init1(0);
    inotify_add_watch(fd, scratch, IN_CREATE);
    manifest("fd %d inotify", fd);
    manifest("fd %d memfd", memfd_create("crasher-memfd", 0));
    manifest("fd %d device", open("/dev/null", O_WRONLY));
}

static void *two_crash_thread(void *arg)
{
    pthread_barrier_wait(&ready);
    crash_null_deref();
    return arg;
}

static void *blocking_thread(void *arg)
{
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    pthread_barrier_wait(&ready);
    for (;;)
        pause();
    return arg;
}

/* Stands for a thread inside malloc holding the arena lock: with the
 * interposed malloc below, every allocation waits on this mutex. */
static pthread_mutex_t arena = PTHREAD_MUTEX_INITIALIZER;
static volatile int malloc_trap;

#if !defined(__SANITIZE_ADDRESS__)
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
static void arena_wait(void)
{
    if (malloc_trap) {
        pthread_mutex_lock(&arena);
        pthread_mutex_unlock(&arena);
    }
}
void *malloc(size_t n)
{
    arena_wait();
    return __libc_malloc(n);
}
void *calloc(size_t a, size_t b)
{
    arena_wait();
    return __libc_calloc(a, b);
}
void *realloc(void *p, size_t n)
{
    arena_wait();
    return __libc_realloc(p, n);
}
void free(void *p)
{
    arena_wait();
    __libc_free(p);
}
#endif

/* Stands for another thread inside the dynamic loader: once the trap is
 * set, dl_iterate_phdr() (which libunwind's local unwinder would call)
 * never returns. */
int dl_iterate_phdr(int (*cb)(struct dl_phdr_info *, size_t, void *), void *data)
{
    static int (*real)(int (*)(struct dl_phdr_info *, size_t, void *), void *);
    if (malloc_trap) {
        static const char msg[] = "dl_iterate_phdr called during the crash\n";
        if (write(2, msg, sizeof(msg) - 1) < 0)
            _exit(44);
        for (;;)
            pause();
    }
    if (!real)
        real = (int (*)(int (*)(struct dl_phdr_info *, size_t, void *), void *))dlsym(
            RTLD_NEXT, "dl_iterate_phdr");
    return real(cb, data);
}

static void *arena_holder(void *arg)
{
    pthread_mutex_lock(&arena);
    pthread_barrier_wait(&ready);
    for (;;)
        pause();
    return arg;
}

static void app_segv_handler(int sig)
{
    static const char msg[] = "app handler ran\n";
    if (write(1, msg, sizeof(msg) - 1) < 0)
        _exit(43);
    _exit(42);
}

static int usage(void)
{
    fprintf(stderr, "usage: crasher null|abort|assert|divzero|overflow-main|overflow-thread|"
                    "threads-fds|many-threads|parked-300|blocked-thread|two-threads|emfile|"
                    "malloc-lock|snapshot|chain\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return usage();
    const char *mode = argv[1];
#ifdef CRASHER_SHIFTED
    if (shifted_extra(argc) < 0)
        return 1;
#endif
    const char *scratch = getenv("CRASHER_SCRATCH");
    if (!scratch)
        scratch = "/tmp";

    if (strcmp(mode, "chain") == 0)
        signal(SIGSEGV, app_segv_handler);
    setvbuf(stdout, NULL, _IONBF, 0); /* printing must not allocate (malloc-lock) */
    int rc = bbx_init(NULL);
    if (rc != 0) {
        fprintf(stderr, "crasher: bbx_init: %s\n", bbx_strerror(rc));
        return 3;
    }
    bbx_annotate("sample", "crasher");
    bbx_annotate("mode", mode);
    bbx_log("crasher starting in mode %s", mode);
    bbx_log("pid %d", (int)getpid());

    if (strcmp(mode, "null") == 0 || strcmp(mode, "chain") == 0) {
        crash_null_deref();
    } else if (strcmp(mode, "abort") == 0) {
        crash_abort();
    } else if (strcmp(mode, "assert") == 0) {
        crash_assert(argc);
    } else if (strcmp(mode, "divzero") == 0) {
        crash_div_zero(argc - 2);
    } else if (strcmp(mode, "overflow-main") == 0) {
        manifest("function recurse_forever");
        recurse_forever(0);
    } else if (strcmp(mode, "overflow-thread") == 0) {
        pthread_t t;
        pthread_create(&t, NULL, overflow_thread, NULL);
        pthread_join(t, NULL);
    } else if (strcmp(mode, "threads-fds") == 0) {
        open_fds(scratch);
        start_parked(20);
        crash_null_deref();
    } else if (strcmp(mode, "many-threads") == 0) {
        start_parked(299);
        manifest("stack 1 crasher main;crash_null_deref");
        crash_null_deref();
    } else if (strcmp(mode, "parked-300") == 0) {
        start_parked(PARKED_MAX);
        wait_all_paused(PARKED_MAX);
        for (int i = 0; i < PARKED_MAX; i++)
            manifest("parked-tid %d", (int)parked_tids[i]);
        manifest("crash-tid %d", (int)syscall(SYS_gettid));
        crash_null_deref();
    } else if (strcmp(mode, "blocked-thread") == 0) {
        pthread_t t;
        pthread_barrier_init(&ready, NULL, 2);
        pthread_create(&t, NULL, blocking_thread, NULL);
        pthread_barrier_wait(&ready);
        usleep(100 * 1000); /* let it reach pause() */
        manifest("threads 2");
        crash_null_deref();
    } else if (strcmp(mode, "two-threads") == 0) {
        pthread_t t[2];
        pthread_barrier_init(&ready, NULL, 3);
        for (int i = 0; i < 2; i++)
            pthread_create(&t[i], NULL, two_crash_thread, NULL);
        manifest("threads 3");
        pthread_barrier_wait(&ready);
        pthread_join(t[0], NULL);
    } else if (strcmp(mode, "emfile") == 0) {
        struct rlimit rl = { 64, 64 };
        setrlimit(RLIMIT_NOFILE, &rl);
        int n = 0;
        while (open("/dev/null", O_RDONLY) >= 0)
            n++;
        manifest("emfile %d %s", n, errno == EMFILE ? "EMFILE" : strerror(errno));
        crash_null_deref();
    } else if (strcmp(mode, "malloc-lock") == 0) {
        pthread_t t;
        pthread_barrier_init(&ready, NULL, 2);
        pthread_create(&t, NULL, arena_holder, NULL);
        pthread_barrier_wait(&ready);
        malloc_trap = 1;
        crash_null_deref();
    } else if (strcmp(mode, "snapshot") == 0) {
        start_parked(3);
        rc = bbx_snapshot("requested by crasher");
        printf("snapshot %s %s\n", rc == 0 ? "ok" : bbx_strerror(rc),
               bbx_last_snapshot() ? bbx_last_snapshot() : "-");
        bbx_shutdown();
        return rc == 0 ? 0 : 1;
    } else {
        return usage();
    }
    return 1;
}
