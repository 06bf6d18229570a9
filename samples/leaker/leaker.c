/*
 * leaker - a small event-loop program that leaks a socket and a thread, for
 * bbx's leak hunting (`bbx leaks`, `bbx diff`).
 *
 *   leaker [--duration-ms N] [--tick-ms N] [--retry-every N] [--no-leaks]
 *
 * One epoll loop in the main thread, woken by a timerfd tick, serves a local
 * TCP echo server (listening socket, accepted connections echoed and closed
 * on EOF).  Around it, the ordinary churn of a real program, all balanced:
 *  - a fixed pool of worker threads takes jobs from a queue; each job opens,
 *    writes, reads back, closes and unlinks a scratch file, and reads
 *    /proc/self/stat;
 *  - every tick a few short-lived helper threads are started and joined; each
 *    talks to the echo server over a fresh connection and through a pipe;
 *  - a reconnecting client tries, every few ticks, a port where nothing
 *    listens (bound, never listening: the refusal is immediate).
 *
 * The two leaks, each in its own non-inlined function:
 *  - client_connect(): in its error path it returns without closing the
 *    socket it made (one socket fd per failed attempt);
 *  - schedule_retry(): after a failure it starts a "retry watcher" thread
 *    that never ends (one thread per failed attempt).
 * With --no-leaks both are balanced: the socket is closed and the watcher
 * ends and is joined.
 *
 * Built as `leaker` (linked with libbbx, bbx_init() with the environment's
 * settings: BBX_TRACK, BBX_INTERVAL_MS, ...) and as `leaker-plain` (no libbbx,
 * for LD_PRELOAD=libbbx-preload.so).  Before the loop it prints a manifest on
 * stdout, one line per leak:
 *   leak fd client_connect leaker.c LINE
 *   leak thread schedule_retry leaker.c LINE
 * LINE being the line of the creating call (socket(), pthread_create()), and
 * at the end "leaked fds N threads M" (0 and 0 with --no-leaks).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#ifdef LEAKER_LINKED
#include <bbx.h>
#endif

#define NOINLINE __attribute__((noinline))
#define WORKERS 3
#define HELPERS_PER_TICK 2
#define JOBS_PER_TICK 4
#define QUEUE_SIZE 64
#define MAX_LEAKS 400 /* failed attempts that leak; later ones are balanced */

static int leaks_on = 1;
static long retry_every = 5;
static char scratch_dir[256];

static void die(const char *what)
{
    fprintf(stderr, "leaker: %s: %s\n", what, strerror(errno));
    exit(2);
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct sockaddr_in loopback(unsigned short port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    return a;
}

static unsigned short local_port(int fd)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    if (getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        die("getsockname");
    return ntohs(a.sin_port);
}

/* ---- the worker pool: balanced file churn ---- */

struct job_queue {
    pthread_mutex_t lock;
    pthread_cond_t ready;
    int jobs[QUEUE_SIZE];
    int head, count, stopping;
};

static struct job_queue queue = {
    .lock = PTHREAD_MUTEX_INITIALIZER, .ready = PTHREAD_COND_INITIALIZER,
};

static void queue_push(int job)
{
    pthread_mutex_lock(&queue.lock);
    if (queue.count < QUEUE_SIZE) {
        queue.jobs[(queue.head + queue.count) % QUEUE_SIZE] = job;
        queue.count++;
        pthread_cond_signal(&queue.ready);
    }
    pthread_mutex_unlock(&queue.lock);
}

/* The next job, or -1 when the pool is stopping and the queue is empty. */
static int queue_pop(void)
{
    int job = -1;
    pthread_mutex_lock(&queue.lock);
    while (queue.count == 0 && !queue.stopping)
        pthread_cond_wait(&queue.ready, &queue.lock);
    if (queue.count > 0) {
        job = queue.jobs[queue.head];
        queue.head = (queue.head + 1) % QUEUE_SIZE;
        queue.count--;
    }
    pthread_mutex_unlock(&queue.lock);
    return job;
}

NOINLINE static void job_scratch_file(int job)
{
    char path[320], buf[64];
    snprintf(path, sizeof path, "%s/job-%d", scratch_dir, job);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    int n = snprintf(buf, sizeof buf, "job %d at %lld\n", job, now_ms());
    if (write(fd, buf, (size_t)n) == n && lseek(fd, 0, SEEK_SET) == 0 &&
        read(fd, buf, sizeof buf) < 0)
        fprintf(stderr, "leaker: job %d: read back failed\n", job);
    close(fd);
    unlink(path);

    fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        char stat[512];
        (void)!read(fd, stat, sizeof stat);
        close(fd);
    }
}

static void *worker_main(void *arg)
{
    (void)arg;
    for (int job; (job = queue_pop()) >= 0;)
        job_scratch_file(job);
    return NULL;
}

/* ---- short-lived helper threads: balanced sockets, pipes, threads ---- */

static unsigned short echo_port;

NOINLINE static void helper_ping_server(void)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return;
    struct sockaddr_in a = loopback(echo_port);
    char buf[16];
    if (connect(s, (struct sockaddr *)&a, sizeof a) == 0 && write(s, "ping", 4) == 4)
        (void)!read(s, buf, sizeof buf);
    close(s);
}

NOINLINE static void helper_pipe_roundtrip(void)
{
    int p[2];
    char c = 'x';
    if (pipe2(p, O_CLOEXEC) != 0)
        return;
    if (write(p[1], &c, 1) == 1)
        (void)!read(p[0], &c, 1);
    close(p[0]);
    close(p[1]);
}

static void *helper_main(void *arg)
{
    (void)arg;
    helper_ping_server();
    helper_pipe_roundtrip();
    return NULL;
}

NOINLINE static void run_helpers(void)
{
    pthread_t t[HELPERS_PER_TICK];
    int started[HELPERS_PER_TICK] = {0};
    for (int i = 0; i < HELPERS_PER_TICK; i++)
        started[i] = pthread_create(&t[i], NULL, helper_main, NULL) == 0;
    for (int i = 0; i < HELPERS_PER_TICK; i++)
        if (started[i])
            pthread_join(t[i], NULL);
}

/* ---- the echo server, driven by the epoll loop ---- */

static void epoll_watch(int ep, int fd)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0)
        die("epoll_ctl");
}

NOINLINE static int server_listen(void)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        die("socket");
    struct sockaddr_in a = loopback(0);
    if (bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 64) != 0)
        die("listen");
    echo_port = local_port(s);
    return s;
}

NOINLINE static void server_accept(int ep, int listener)
{
    int c = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    if (c >= 0)
        epoll_watch(ep, c);
}

/* Echo what came; close on EOF or error (epoll forgets closed fds). */
NOINLINE static void server_echo(int c)
{
    char buf[256];
    ssize_t n = read(c, buf, sizeof buf);
    if (n <= 0 || write(c, buf, (size_t)n) != n)
        close(c);
}

/* ---- the reconnecting client: where the two leaks are ---- */

struct retry_watcher {
    pthread_t thread;
    int running;
};

static pthread_mutex_t forever_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t forever_cond = PTHREAD_COND_INITIALIZER;
static struct retry_watcher last_watcher;
static int leaked_fds, leaked_threads;

/* Waits for a wake-up that never comes (leak mode), or one tick. */
static void *retry_watcher_main(void *arg)
{
    int forever = arg != NULL;
    if (!forever) {
        usleep(1000);
        return NULL;
    }
    pthread_mutex_lock(&forever_lock);
    for (;;)
        pthread_cond_wait(&forever_cond, &forever_lock);
    return NULL;
}

/* The lines of the two leaking calls, printed in the manifest (each checked
 * where the call is). */
enum { CLIENT_SOCKET_LINE = __LINE__ + 6, RETRY_THREAD_LINE = __LINE__ + 32 };

/* Connects to port; the connected socket, or -1.  Its error path forgets
 * the socket (the fd leak). */
NOINLINE static int client_connect(unsigned short port)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    _Static_assert(__LINE__ - 1 == CLIENT_SOCKET_LINE, "the manifest's line of socket()");
    if (s < 0)
        return -1;
    struct sockaddr_in a = loopback(port);
    if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
        if (leaks_on && leaked_fds < MAX_LEAKS) {
            leaked_fds++;
            return -1; /* BUG: s stays open */
        }
        close(s);
        return -1;
    }
    return s;
}

/* After a failed attempt, a watcher thread for the retry.  In leak mode it
 * waits forever and nobody joins it (the thread leak). */
NOINLINE static void schedule_retry(void)
{
    int forever = leaks_on && leaked_threads < MAX_LEAKS;
    if (last_watcher.running) {
        pthread_join(last_watcher.thread, NULL);
        last_watcher.running = 0;
    }
    pthread_t t;
    int rc = pthread_create(&t, NULL, retry_watcher_main, forever ? &forever_lock : NULL);
    _Static_assert(__LINE__ - 1 == RETRY_THREAD_LINE, "the manifest's line of pthread_create()");
    if (rc != 0)
        return;
    if (forever) {
        pthread_detach(t);
        leaked_threads++;
    } else {
        last_watcher.thread = t;
        last_watcher.running = 1;
    }
}

/* One reconnect attempt: a working connection is used and closed. */
NOINLINE static void client_tick(unsigned short dead_port)
{
    int s = client_connect(dead_port);
    if (s < 0) {
        schedule_retry();
        return;
    }
    close(s);
}

/* A port where nothing listens: bound, never listening (kept for the run). */
static int dead_port_socket(unsigned short *port)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        die("socket");
    struct sockaddr_in a = loopback(0);
    if (bind(s, (struct sockaddr *)&a, sizeof a) != 0)
        die("bind");
    *port = local_port(s);
    return s;
}

/* ---- one tick of the loop ---- */

static atomic_int runners_active;

/* The helpers talk to the loop's own server, so they are started and joined
 * by a short-lived runner thread beside the loop, not by the loop itself. */
static void *helpers_runner_main(void *arg)
{
    (void)arg;
    run_helpers();
    atomic_fetch_sub(&runners_active, 1);
    return NULL;
}

NOINLINE static void on_tick(long tick, int *job, unsigned short dead_port)
{
    for (int j = 0; j < JOBS_PER_TICK; j++)
        queue_push((*job)++);
    pthread_t runner;
    atomic_fetch_add(&runners_active, 1);
    if (pthread_create(&runner, NULL, helpers_runner_main, NULL) == 0)
        pthread_detach(runner);
    else
        atomic_fetch_sub(&runners_active, 1);
    if (tick % retry_every == 0)
        client_tick(dead_port);
}

/* ---- the program ---- */

struct options {
    long duration_ms, tick_ms, retry_every;
};

static void usage(void)
{
    fprintf(stderr, "usage: leaker [--duration-ms N] [--tick-ms N] [--retry-every N] "
                    "[--no-leaks]\n");
    exit(2);
}

static struct options parse_options(int argc, char **argv)
{
    struct options o = {.duration_ms = 3000, .tick_ms = 20, .retry_every = 5};
    for (int i = 1; i < argc; i++) {
        long *value = NULL;
        if (strcmp(argv[i], "--no-leaks") == 0)
            leaks_on = 0;
        else if (strcmp(argv[i], "--duration-ms") == 0)
            value = &o.duration_ms;
        else if (strcmp(argv[i], "--tick-ms") == 0)
            value = &o.tick_ms;
        else if (strcmp(argv[i], "--retry-every") == 0)
            value = &o.retry_every;
        else
            usage();
        if (value) {
            char *end;
            if (++i >= argc)
                usage();
            *value = strtol(argv[i], &end, 10);
            if (*end || *value <= 0)
                usage();
        }
    }
    return o;
}

static void start_collector(void)
{
#ifdef LEAKER_LINKED
    bbx_config cfg;
    bbx_config_init(&cfg); /* every field unset: BBX_* from the environment */
    int rc = bbx_init(&cfg);
    if (rc != 0) {
        fprintf(stderr, "leaker: bbx_init: %s\n", bbx_strerror(rc));
        exit(2);
    }
#endif
}

static int timer_start(long tick_ms)
{
    int t = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    if (t < 0)
        die("timerfd_create");
    struct itimerspec its;
    its.it_interval.tv_sec = tick_ms / 1000;
    its.it_interval.tv_nsec = (tick_ms % 1000) * 1000000;
    its.it_value = its.it_interval;
    if (timerfd_settime(t, 0, &its, NULL) != 0)
        die("timerfd_settime");
    return t;
}

static void manifest(void)
{
    const char *file = strrchr(__FILE__, '/') ? strrchr(__FILE__, '/') + 1 : __FILE__;
    printf("leak fd client_connect %s %d\n", file, CLIENT_SOCKET_LINE);
    printf("leak thread schedule_retry %s %d\n", file, RETRY_THREAD_LINE);
    printf("leaks %s\n", leaks_on ? "on" : "off");
    fflush(stdout);
}

int main(int argc, char **argv)
{
    struct options o = parse_options(argc, argv);
    retry_every = o.retry_every;
    start_collector();
    manifest();

    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(scratch_dir, sizeof scratch_dir, "%s/leaker-XXXXXX", tmp);
    if (!mkdtemp(scratch_dir))
        die("mkdtemp");

    pthread_t workers[WORKERS];
    for (int i = 0; i < WORKERS; i++)
        if (pthread_create(&workers[i], NULL, worker_main, NULL) != 0)
            die("pthread_create");

    unsigned short dead_port;
    int dead = dead_port_socket(&dead_port);
    int listener = server_listen();
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        die("epoll_create1");
    int timer = timer_start(o.tick_ms);
    epoll_watch(ep, listener);
    epoll_watch(ep, timer);

    long long end = now_ms() + o.duration_ms;
    long tick = 0;
    int job = 0;
    for (;;) {
        int done = now_ms() >= end;
        if (done && atomic_load(&runners_active) == 0)
            break;
        struct epoll_event evs[16];
        int n = epoll_wait(ep, evs, 16, (int)o.tick_ms * 2);
        if (n < 0 && errno != EINTR)
            die("epoll_wait");
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == listener) {
                server_accept(ep, listener);
            } else if (fd == timer) {
                unsigned long long expirations;
                (void)!read(timer, &expirations, sizeof expirations);
                if (!done)
                    on_tick(++tick, &job, dead_port);
            } else {
                server_echo(fd);
            }
        }
    }

    pthread_mutex_lock(&queue.lock);
    queue.stopping = 1;
    pthread_cond_broadcast(&queue.ready);
    pthread_mutex_unlock(&queue.lock);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(workers[i], NULL);
    if (last_watcher.running)
        pthread_join(last_watcher.thread, NULL);
    close(timer);
    close(ep);
    close(listener);
    close(dead);
    rmdir(scratch_dir);
    printf("ticks %ld\nleaked fds %d threads %d\n", tick, leaked_fds, leaked_threads);
    return 0;
}
