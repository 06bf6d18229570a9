/*
 * harm_prog.c - a program linked with libbbx that does what real programs
 * do and bbx must not disturb (tests/harm/test_harm.c runs it):
 *
 *   dlrace SECONDS PLUGIN  one thread dlopen()s and dlclose()s PLUGIN in a
 *                          loop while bbx takes periodic snapshots
 *   recover                its own SIGSEGV handler (installed before
 *                          bbx_init) recovers from 3 faults with siglongjmp
 *                          and 3 by fixing the page; then a snapshot on
 *                          request and abort()
 *   fsize MODE             RLIMIT_FSIZE of 2000 bytes, then MODE = snapshot
 *                          (bbx_snapshot must fail, not kill) or crash
 *   vfork                  a vfork() child crashes; then the parent takes a
 *                          snapshot and crashes
 *   rtsig                  its own handler for bbx's default thread signal,
 *                          installed before bbx_init, counts what arrives
 *   signalfd               a thread reads every real-time signal through a
 *                          signalfd while bbx takes periodic snapshots
 *   twocrash               two threads crash at once (SIGSEGV and SIGFPE)
 *   idle SECONDS           nothing but bbx (its collector thread must sleep)
 *   crash                  a plain SIGSEGV
 *   manyfds-crash N        N more fds open, then a SIGSEGV
 *
 * It prints what it saw on stdout and exits 0 unless the mode crashes.
 */
#include <bbx.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(unsigned ms)
{
    struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int init_bbx(void)
{
    int rc = bbx_init(NULL);
    if (rc != 0) {
        fprintf(stderr, "harm_prog: bbx_init: %s\n", bbx_strerror(rc));
        exit(3);
    }
    return rc;
}

/* bbx_snapshot(), again while a periodic snapshot is being taken. */
static int snapshot(const char *reason)
{
    int rc;
    for (int i = 0; (rc = bbx_snapshot(reason)) == BBX_EBUSY && i < 500; i++)
        sleep_ms(10);
    return rc;
}

/* ---- dlrace */
static const char *plugin_path;
static atomic_int stop;
static atomic_long cycles;

static void *dl_loop(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop)) {
        void *h = dlopen(plugin_path, RTLD_NOW | RTLD_LOCAL);
        if (!h) {
            fprintf(stderr, "harm_prog: dlopen: %s\n", dlerror());
            exit(4);
        }
        int (*f)(int) = (int (*)(int))dlsym(h, "harm_plugin_value");
        if (!f || f(1) != 10)
            exit(5);
        dlclose(h);
        atomic_fetch_add(&cycles, 1);
        struct timespec ts = { 0, 200 * 1000 };
        nanosleep(&ts, NULL);
    }
    return NULL;
}

static int mode_dlrace(double seconds, const char *plugin)
{
    pthread_t t;
    plugin_path = plugin;
    init_bbx();
    pthread_create(&t, NULL, dl_loop, NULL);
    double end = now_s() + seconds;
    while (now_s() < end)
        sleep_ms(50);
    atomic_store(&stop, 1);
    pthread_join(t, NULL);
    printf("dlrace done: %s\n", atomic_load(&cycles) > 0 ? "cycled" : "no cycles");
    return 0;
}

/* ---- recover */
static sigjmp_buf recover_at;
static char *guard_page;
static int fixes;

static void recover_handler(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)ctx;
    if ((char *)si->si_addr >= guard_page && (char *)si->si_addr < guard_page + 4096 &&
        fixes < 3) {
        fixes++;
        mprotect(guard_page, 4096, PROT_READ | PROT_WRITE); /* fix and return */
        return;
    }
    siglongjmp(recover_at, 1);
}

static int mode_recover(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = recover_handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    init_bbx();
    guard_page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    volatile int recovered = 0; /* kept across siglongjmp */
    for (volatile int i = 0; i < 3; i++) {
        if (sigsetjmp(recover_at, 1) == 0) {
            volatile int *p = (volatile int *)(uintptr_t)(16 + 16 * i);
            *p = 1;
        } else {
            recovered++;
        }
    }
    for (int i = 0; i < 3; i++) {
        mprotect(guard_page, 4096, PROT_NONE);
        guard_page[i] = 'x'; /* faults; the handler opens the page */
    }
    printf("recovered %d, fixed %d\n", recovered, fixes);
    int rc = snapshot("after recovery");
    printf("snapshot after recovery: %d\n", rc);
    fflush(stdout);
    abort();
}

/* ---- fsize */
static int mode_fsize(const char *what)
{
    init_bbx();
    struct rlimit rl = { 300, 300 };
    setrlimit(RLIMIT_FSIZE, &rl);
    if (strcmp(what, "snapshot") == 0) {
        int rc = snapshot("small file limit");
        printf("snapshot: %s\n", rc == 0 ? "ok" : bbx_strerror(rc));
        printf("still running\n");
        return 0;
    }
    fflush(stdout);
    volatile int *p = NULL;
    *p = 1;
    return 1;
}

/* ---- vfork */
static int mode_vfork(void)
{
    init_bbx();
    pid_t pid = vfork();
    if (pid == 0) {
        volatile int *p = NULL;
        *p = 1; /* the child crashes while sharing our memory */
        _exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    printf("child: %s %d\n", WIFSIGNALED(st) ? "signal" : "exit",
           WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
    int rc = snapshot("after the vfork child");
    printf("snapshot after vfork child: %d\n", rc);
    fflush(stdout);
    volatile int *p = NULL;
    *p = 1;
    return 1;
}

/* ---- rtsig */
static atomic_int rt_seen;

static void rt_handler(int sig)
{
    (void)sig;
    atomic_fetch_add(&rt_seen, 1);
}

static int mode_rtsig(void)
{
    int sig = SIGRTMAX - 3; /* bbx's default thread signal */
    signal(sig, rt_handler);
    init_bbx();
    for (int i = 0; i < 5; i++) {
        raise(sig);
        sleep_ms(100);
    }
    int rc = snapshot("own rt signal");
    printf("snapshot: %d\n", rc);
    sleep_ms(300);
    printf("handler ran %d times for 5 raised\n", atomic_load(&rt_seen));
    struct sigaction cur;
    sigaction(sig, NULL, &cur);
    printf("handler still installed: %s\n", cur.sa_handler == rt_handler ? "yes" : "no");
    return 0;
}

/* ---- signalfd */
static int sfd = -1;
static atomic_int sfd_reads;

static void *sfd_reader(void *arg)
{
    (void)arg;
    struct signalfd_siginfo si;
    while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        if ((int)si.ssi_signo == SIGUSR2)
            break;
        printf("signalfd got signal %u from pid %u\n", si.ssi_signo, si.ssi_pid);
        atomic_fetch_add(&sfd_reads, 1);
    }
    return NULL;
}

static int mode_signalfd(double seconds)
{
    sigset_t all;
    sigemptyset(&all);
    for (int s = SIGRTMIN; s <= SIGRTMAX; s++)
        sigaddset(&all, s);
    sigaddset(&all, SIGUSR2);
    /* blocked in every thread, as programs that read signals through a
     * signalfd do */
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    sfd = signalfd(-1, &all, SFD_CLOEXEC);
    init_bbx();
    pthread_t t;
    pthread_create(&t, NULL, sfd_reader, NULL);
    double end = now_s() + seconds;
    while (now_s() < end)
        sleep_ms(50);
    int rc = snapshot("signalfd");
    kill(getpid(), SIGUSR2);
    pthread_join(t, NULL);
    printf("snapshot: %d\nsignals read: %d\n", rc, atomic_load(&sfd_reads));
    return 0;
}

/* ---- twocrash */
static pthread_barrier_t both;

static void *crash_fpe(void *arg)
{
    pthread_barrier_wait(&both);
    volatile int zero = (int)(uintptr_t)arg;
    return (void *)(uintptr_t)(10 / zero);
}

static int mode_twocrash(void)
{
    init_bbx();
    pthread_t t;
    pthread_barrier_init(&both, NULL, 2);
    pthread_create(&t, NULL, crash_fpe, NULL);
    pthread_barrier_wait(&both);
    volatile int *p = NULL;
    *p = 1;
    pthread_join(t, NULL);
    return 1;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc >= 4 && strcmp(argv[1], "dlrace") == 0)
        return mode_dlrace(atof(argv[2]), argv[3]);
    if (argc >= 2 && strcmp(argv[1], "recover") == 0)
        return mode_recover();
    if (argc >= 3 && strcmp(argv[1], "fsize") == 0)
        return mode_fsize(argv[2]);
    if (argc >= 2 && strcmp(argv[1], "vfork") == 0)
        return mode_vfork();
    if (argc >= 2 && strcmp(argv[1], "rtsig") == 0)
        return mode_rtsig();
    if (argc >= 3 && strcmp(argv[1], "signalfd") == 0)
        return mode_signalfd(atof(argv[2]));
    if (argc >= 2 && strcmp(argv[1], "twocrash") == 0)
        return mode_twocrash();
    if (argc >= 3 && strcmp(argv[1], "idle") == 0) {
        init_bbx();
        printf("ready\n");
        sleep_ms((unsigned)(atof(argv[2]) * 1000));
        return 0;
    }
    if (argc >= 3 && strcmp(argv[1], "manyfds-crash") == 0) {
        /* a long fd scan: the crash's own stack must be on disk before it */
        int n = atoi(argv[2]);
        struct rlimit rl = { (rlim_t)n + 64, (rlim_t)n + 64 };
        setrlimit(RLIMIT_NOFILE, &rl);
        init_bbx();
        int fd = open("/dev/null", O_RDONLY);
        for (int i = 0; i < n && fd >= 0; i++)
            if (dup(fd) < 0)
                break;
        printf("crashing\n");
        volatile int *p = NULL;
        *p = 1;
        return 1;
    }
    if (argc >= 2 && strcmp(argv[1], "crash") == 0) {
        init_bbx();
        printf("crashing\n");
        volatile int *p = NULL;
        *p = 1;
        return 1;
    }
    fprintf(stderr, "usage: harm_prog dlrace SECONDS PLUGIN | recover | fsize snapshot|crash | "
                    "vfork | rtsig | signalfd SECONDS | twocrash | crash\n");
    return 2;
}
