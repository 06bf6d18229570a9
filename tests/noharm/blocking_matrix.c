/*
 * blocking_matrix.c - the "behaviour unchanged" program of issue 9: several
 * threads at once make a matrix of blocking calls whose results are
 * deterministic (a timeout that expires, or data, a connection, a child or
 * a signal that a helper thread delivers after a known delay), and print
 * what each call returned: the return value, errno, the time left where
 * the API reports it, and the elapsed time in coarse buckets (early, ok,
 * late).  Run without bbx and under it, the output must be the same byte
 * for byte: a snapshot that is not a crash must not change what any system
 * call of the program returns.
 *
 * Usage: blocking_matrix [--ms D] [--workers N]
 *   D: the delay of every timeout and helper event, in ms (default 200);
 *   N: threads that each run the whole matrix, in a rotated order (4).
 * Output: one line per worker and call, in a fixed order, then "exit 0".
 * Exit status 0; 2 when setting up failed (said on stderr).
 *
 * The program knows nothing of bbx: it is run plain and under
 * LD_PRELOAD=libbbx-preload.so by noharm_calls.py.  Helpers sleep to an
 * absolute deadline and retry on EINTR, so that they act on time whatever
 * interrupts them; the worker's own call is the one observed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/msg.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_WORKERS 16
#define LATE_MS 5000 /* beyond the expected time: "late" (a loaded machine) */

static unsigned delay_ms = 200;
static unsigned n_workers = 4;

/* fork+wait cases hold this from fork to reaping, so that wait() in one
 * worker never reaps another worker's child. */
static pthread_mutex_t child_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread volatile sig_atomic_t usr2_seen;

struct worker {
    unsigned idx;
    pthread_t th;      /* as pthread_create returned it */
    pthread_t self;    /* set by the worker itself: the helpers' signal target */
    int quiet_pipe[2]; /* never written: poll/select/epoll time out on it */
    int data_pipe[2];  /* a helper writes here */
    int sock[2];       /* socketpair: a helper sends on [1] */
    int tsock[2];      /* socketpair with SO_RCVTIMEO on [0] */
    int listen_fd;
    struct sockaddr_un addr;
    socklen_t addr_len;
    int ep_quiet, ep_data; /* epoll on quiet_pipe[0] and data_pipe[0] */
    sem_t sem;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int cv_flag;
    pthread_mutex_t held; /* a holder thread keeps it for delay_ms */
    sem_t held_now;
    int msqid;
    atomic_int helper_stop;
    char (*lines)[160]; /* one result line per case */
};

struct outcome {
    long rv;      /* what the call returned (normalized where it varies) */
    int err;      /* errno, or -1 when the call does not report one */
    char extra[64];
};

typedef void (*case_fn)(struct worker *w, struct outcome *o);

struct bcase {
    const char *name;
    unsigned expect_ms; /* 0: delay_ms */
    case_fn fn;
};

/* ---- time ---- */

static struct timespec mono_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t;
}

static struct timespec ts_add_ms(struct timespec t, unsigned ms)
{
    t.tv_sec += ms / 1000;
    t.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

static long ms_between(struct timespec a, struct timespec b)
{
    return (b.tv_sec - a.tv_sec) * 1000L + (b.tv_nsec - a.tv_nsec) / 1000000L;
}

static struct timespec rel_ms(unsigned ms)
{
    struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
    return t;
}

static struct timespec realtime_in(unsigned ms)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return ts_add_ms(t, ms);
}

/* Sleep to an absolute monotonic deadline, whatever interrupts it. */
static void sleep_until(struct timespec when)
{
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &when, NULL) == EINTR)
        ;
}

static const char *rem_bucket(const struct timespec *rem)
{
    return rem->tv_sec == 0 && rem->tv_nsec == 0 ? "0" : ">0";
}

/* ---- helpers: act on a worker at t0 + delay_ms ---- */

struct helper {
    pthread_t th;
    struct worker *w;
    struct timespec when;
    void (*act)(struct worker *w);
    int repeat; /* act again every 100 ms until w->helper_stop */
};

static void *helper_main(void *arg)
{
    struct helper *h = arg;
    sleep_until(h->when);
    h->act(h->w);
    while (h->repeat && !atomic_load(&h->w->helper_stop)) {
        sleep_until(ts_add_ms(mono_now(), 100));
        if (!atomic_load(&h->w->helper_stop))
            h->act(h->w);
    }
    return NULL;
}

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("blocking_matrix: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static void helper_start(struct helper *h, struct worker *w, struct timespec t0,
                         void (*act)(struct worker *), int repeat)
{
    h->w = w;
    h->when = ts_add_ms(t0, delay_ms);
    h->act = act;
    h->repeat = repeat;
    atomic_store(&w->helper_stop, 0);
    int rc = pthread_create(&h->th, NULL, helper_main, h);
    if (rc != 0)
        die("pthread_create: %s", strerror(rc));
}

static void helper_join(struct helper *h)
{
    atomic_store(&h->w->helper_stop, 1);
    pthread_join(h->th, NULL);
}

static void write_all(int fd, const char *buf, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, buf, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            die("write: %s", strerror(errno));
        buf += k;
        n -= (size_t)k;
    }
}

static void act_pipe(struct worker *w) { write_all(w->data_pipe[1], "abc", 3); }
static void act_sock(struct worker *w) { write_all(w->sock[1], "hello", 5); }
static void act_sem(struct worker *w) { sem_post(&w->sem); }
static void act_usr1(struct worker *w) { pthread_kill(w->self, SIGUSR1); }
static void act_usr2(struct worker *w) { pthread_kill(w->self, SIGUSR2); }

static void act_cond(struct worker *w)
{
    pthread_mutex_lock(&w->mu);
    w->cv_flag = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

static void act_connect(struct worker *w)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket: %s", strerror(errno));
    while (connect(fd, (struct sockaddr *)&w->addr, w->addr_len) != 0)
        if (errno != EINTR)
            die("connect: %s", strerror(errno));
    close(fd);
}

struct msg {
    long mtype;
    char text[8];
};

static void act_msg(struct worker *w)
{
    struct msg m = {1, "msg"};
    while (msgsnd(w->msqid, &m, 4, 0) != 0)
        if (errno != EINTR)
            die("msgsnd: %s", strerror(errno));
}

/* Drain what a helper left in a pipe or socket (nothing when the call
 * under test already read it). */
static void drain(int fd)
{
    char buf[64];
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    while (read(fd, buf, sizeof buf) > 0)
        ;
    fcntl(fd, F_SETFL, fl);
}

/* ---- the cases: sleeps ---- */

static void c_sleep(struct worker *w, struct outcome *o)
{
    o->rv = sleep(1);
    o->err = -1;
    snprintf(o->extra, sizeof o->extra, "left=%ld", o->rv);
}

static void c_usleep(struct worker *w, struct outcome *o)
{
    o->rv = usleep(delay_ms * 1000);
    o->err = o->rv ? errno : 0;
}

static void c_nanosleep(struct worker *w, struct outcome *o)
{
    struct timespec req = rel_ms(delay_ms), rem = {0, 0};
    o->rv = nanosleep(&req, &rem);
    o->err = o->rv ? errno : 0;
    snprintf(o->extra, sizeof o->extra, "rem=%s", rem_bucket(&rem));
}

static void c_clock_nanosleep(struct worker *w, struct outcome *o)
{
    struct timespec req = rel_ms(delay_ms), rem = {0, 0};
    o->rv = clock_nanosleep(CLOCK_MONOTONIC, 0, &req, &rem);
    o->err = -1; /* the error is the return value */
    snprintf(o->extra, sizeof o->extra, "rem=%s", rem_bucket(&rem));
}

static void c_clock_nanosleep_abs(struct worker *w, struct outcome *o)
{
    struct timespec when = ts_add_ms(mono_now(), delay_ms);
    o->rv = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &when, NULL);
    o->err = -1;
}

/* ---- waiting for fds ---- */

static void c_poll(struct worker *w, struct outcome *o)
{
    struct pollfd p = {w->quiet_pipe[0], POLLIN, 0};
    o->rv = poll(&p, 1, (int)delay_ms);
    o->err = o->rv < 0 ? errno : 0;
}

static void c_poll_data(struct worker *w, struct outcome *o)
{
    struct pollfd p = {w->data_pipe[0], POLLIN, 0};
    struct helper h;
    helper_start(&h, w, mono_now(), act_pipe, 0);
    o->rv = poll(&p, 1, (int)delay_ms * 10);
    o->err = o->rv < 0 ? errno : 0;
    snprintf(o->extra, sizeof o->extra, "revents=%#x", (unsigned)p.revents);
    helper_join(&h);
    drain(w->data_pipe[0]);
}

static void c_ppoll(struct worker *w, struct outcome *o)
{
    struct pollfd p = {w->quiet_pipe[0], POLLIN, 0};
    struct timespec t = rel_ms(delay_ms);
    o->rv = ppoll(&p, 1, &t, NULL);
    o->err = o->rv < 0 ? errno : 0;
}

static void c_select(struct worker *w, struct outcome *o)
{
    fd_set r;
    FD_ZERO(&r);
    FD_SET(w->quiet_pipe[0], &r);
    struct timeval tv = {delay_ms / 1000, (long)(delay_ms % 1000) * 1000};
    o->rv = select(w->quiet_pipe[0] + 1, &r, NULL, NULL, &tv);
    o->err = o->rv < 0 ? errno : 0;
    snprintf(o->extra, sizeof o->extra, "tv_left=%s",
             tv.tv_sec == 0 && tv.tv_usec == 0 ? "0" : ">0");
}

static void c_pselect(struct worker *w, struct outcome *o)
{
    fd_set r;
    FD_ZERO(&r);
    FD_SET(w->quiet_pipe[0], &r);
    struct timespec t = rel_ms(delay_ms);
    o->rv = pselect(w->quiet_pipe[0] + 1, &r, NULL, NULL, &t, NULL);
    o->err = o->rv < 0 ? errno : 0;
}

static void c_epoll_wait(struct worker *w, struct outcome *o)
{
    struct epoll_event ev;
    o->rv = epoll_wait(w->ep_quiet, &ev, 1, (int)delay_ms);
    o->err = o->rv < 0 ? errno : 0;
}

static void c_epoll_wait_data(struct worker *w, struct outcome *o)
{
    struct epoll_event ev = {0};
    struct helper h;
    helper_start(&h, w, mono_now(), act_pipe, 0);
    o->rv = epoll_wait(w->ep_data, &ev, 1, (int)delay_ms * 10);
    o->err = o->rv < 0 ? errno : 0;
    snprintf(o->extra, sizeof o->extra, "events=%#x", (unsigned)ev.events);
    helper_join(&h);
    drain(w->data_pipe[0]);
}

static void c_epoll_pwait(struct worker *w, struct outcome *o)
{
    struct epoll_event ev;
    sigset_t mask;
    pthread_sigmask(SIG_BLOCK, NULL, &mask);
    o->rv = epoll_pwait(w->ep_quiet, &ev, 1, (int)delay_ms, &mask);
    o->err = o->rv < 0 ? errno : 0;
}

/* ---- signals ---- */

static void c_sigtimedwait(struct worker *w, struct outcome *o)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    struct timespec t = rel_ms(delay_ms);
    o->rv = sigtimedwait(&set, NULL, &t);
    o->err = o->rv < 0 ? errno : 0;
}

static void c_sigtimedwait_sig(struct worker *w, struct outcome *o)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    struct timespec t = rel_ms(delay_ms * 10);
    struct helper h;
    helper_start(&h, w, mono_now(), act_usr1, 0);
    o->rv = sigtimedwait(&set, NULL, &t);
    o->err = o->rv < 0 ? errno : 0;
    helper_join(&h);
    struct timespec zero = {0, 0};
    while (sigtimedwait(&set, NULL, &zero) > 0) /* the signal if the call missed it */
        ;
}

/* The helper sends SIGUSR2 at t0 + D and every 100 ms after, until pause
 * has returned: a signal that came just before pause() was entered cannot
 * leave it waiting for ever. */
static void c_pause(struct worker *w, struct outcome *o)
{
    struct helper h;
    usr2_seen = 0;
    helper_start(&h, w, mono_now(), act_usr2, 1);
    o->rv = pause();
    o->err = errno;
    helper_join(&h);
    snprintf(o->extra, sizeof o->extra, "usr2=%s", usr2_seen ? "yes" : "no");
}

/* ---- synchronization ---- */

static void c_sem_wait(struct worker *w, struct outcome *o)
{
    struct helper h;
    helper_start(&h, w, mono_now(), act_sem, 0);
    o->rv = sem_wait(&w->sem);
    o->err = o->rv ? errno : 0;
    helper_join(&h);
    while (sem_trywait(&w->sem) == 0)
        ;
}

static void c_sem_timedwait(struct worker *w, struct outcome *o)
{
    struct timespec when = realtime_in(delay_ms);
    o->rv = sem_timedwait(&w->sem, &when);
    o->err = o->rv ? errno : 0;
}

static void c_cond_timedwait(struct worker *w, struct outcome *o)
{
    struct timespec when = realtime_in(delay_ms);
    pthread_mutex_lock(&w->mu);
    o->rv = pthread_cond_timedwait(&w->cv, &w->mu, &when);
    pthread_mutex_unlock(&w->mu);
    o->err = -1;
}

static void c_cond_timedwait_sig(struct worker *w, struct outcome *o)
{
    struct helper h;
    struct timespec when = realtime_in(delay_ms * 10);
    pthread_mutex_lock(&w->mu);
    w->cv_flag = 0;
    helper_start(&h, w, mono_now(), act_cond, 0);
    o->rv = pthread_cond_timedwait(&w->cv, &w->mu, &when);
    int flag = w->cv_flag;
    pthread_mutex_unlock(&w->mu);
    helper_join(&h);
    o->err = -1;
    snprintf(o->extra, sizeof o->extra, "flag=%d", flag);
}

/* A pthread mutex held by another thread for delay_ms: the worker blocks
 * in the futex wait of pthread_mutex_lock(), where a snapshot asks it with
 * the thread signal (glibc waits again), and must get the lock as without
 * bbx, after the holder lets go. */
static void *holder_main(void *arg)
{
    struct worker *w = arg;
    pthread_mutex_lock(&w->held);
    sem_post(&w->held_now);
    sleep_until(ts_add_ms(mono_now(), delay_ms));
    pthread_mutex_unlock(&w->held);
    return NULL;
}

static void held_by_other(struct worker *w, struct outcome *o, int timed)
{
    pthread_t t;
    int rc = pthread_create(&t, NULL, holder_main, w);
    if (rc != 0)
        die("pthread_create: %s", strerror(rc));
    while (sem_wait(&w->held_now) != 0)
        ;
    if (timed) {
        struct timespec when = realtime_in(delay_ms * 10);
        o->rv = pthread_mutex_timedlock(&w->held, &when);
    } else {
        o->rv = pthread_mutex_lock(&w->held);
    }
    o->err = -1;
    if (o->rv == 0)
        pthread_mutex_unlock(&w->held);
    pthread_join(t, NULL);
}

static void c_mutex_lock(struct worker *w, struct outcome *o) { held_by_other(w, o, 0); }
static void c_mutex_timedlock(struct worker *w, struct outcome *o) { held_by_other(w, o, 1); }

/* ---- reads, accept, message queues ---- */

static void c_read_pipe(struct worker *w, struct outcome *o)
{
    char buf[16];
    struct helper h;
    helper_start(&h, w, mono_now(), act_pipe, 0);
    o->rv = read(w->data_pipe[0], buf, sizeof buf);
    o->err = o->rv < 0 ? errno : 0;
    helper_join(&h);
    drain(w->data_pipe[0]);
}

static void c_read_socket(struct worker *w, struct outcome *o)
{
    char buf[16];
    struct helper h;
    helper_start(&h, w, mono_now(), act_sock, 0);
    o->rv = read(w->sock[0], buf, sizeof buf);
    o->err = o->rv < 0 ? errno : 0;
    helper_join(&h);
    drain(w->sock[0]);
}

static void c_read_socket_timeout(struct worker *w, struct outcome *o)
{
    char buf[16];
    o->rv = read(w->tsock[0], buf, sizeof buf);
    o->err = o->rv < 0 ? errno : 0;
}

static void c_accept(struct worker *w, struct outcome *o)
{
    struct helper h;
    helper_start(&h, w, mono_now(), act_connect, 0);
    int fd = accept(w->listen_fd, NULL, NULL);
    o->err = fd < 0 ? errno : 0;
    o->rv = fd >= 0 ? 1 : fd; /* 1: a descriptor (its number varies) */
    helper_join(&h);
    if (fd >= 0)
        close(fd);
}

static void c_msgrcv(struct worker *w, struct outcome *o)
{
    struct msg m;
    struct helper h;
    helper_start(&h, w, mono_now(), act_msg, 0);
    o->rv = msgrcv(w->msqid, &m, sizeof m.text, 0, 0);
    o->err = o->rv < 0 ? errno : 0;
    helper_join(&h);
    while (msgrcv(w->msqid, &m, sizeof m.text, 0, IPC_NOWAIT) >= 0)
        ;
}

/* ---- children ---- */

static pid_t fork_child(unsigned code)
{
    struct timespec when = ts_add_ms(mono_now(), delay_ms);
    pid_t pid = fork();
    if (pid < 0)
        die("fork: %s", strerror(errno));
    if (pid == 0) {
        sleep_until(when);
        _exit((int)code);
    }
    return pid;
}

static void describe_status(struct outcome *o, int st)
{
    if (WIFEXITED(st))
        snprintf(o->extra, sizeof o->extra, "status=exit:%d", WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        snprintf(o->extra, sizeof o->extra, "status=signal:%d", WTERMSIG(st));
    else
        snprintf(o->extra, sizeof o->extra, "status=%#x", (unsigned)st);
}

static void reap(pid_t pid)
{
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

static void c_wait(struct worker *w, struct outcome *o)
{
    int st = 0;
    pid_t pid = fork_child(3);
    pid_t got = wait(&st);
    o->err = got < 0 ? errno : 0;
    o->rv = got == pid ? 1 : got; /* 1: the child's pid */
    describe_status(o, st);
    if (got != pid)
        reap(pid);
}

static void c_waitpid(struct worker *w, struct outcome *o)
{
    int st = 0;
    pid_t pid = fork_child(4);
    pid_t got = waitpid(pid, &st, 0);
    o->err = got < 0 ? errno : 0;
    o->rv = got == pid ? 1 : got;
    describe_status(o, st);
    if (got != pid)
        reap(pid);
}

static const struct bcase cases[] = {
    {"sleep(1)", 1000, c_sleep},
    {"usleep", 0, c_usleep},
    {"nanosleep", 0, c_nanosleep},
    {"clock_nanosleep", 0, c_clock_nanosleep},
    {"clock_nanosleep/abs", 0, c_clock_nanosleep_abs},
    {"poll/timeout", 0, c_poll},
    {"poll/data", 0, c_poll_data},
    {"ppoll/timeout", 0, c_ppoll},
    {"select/timeout", 0, c_select},
    {"pselect/timeout", 0, c_pselect},
    {"epoll_wait/timeout", 0, c_epoll_wait},
    {"epoll_wait/data", 0, c_epoll_wait_data},
    {"epoll_pwait/timeout", 0, c_epoll_pwait},
    {"sigtimedwait/timeout", 0, c_sigtimedwait},
    {"sigtimedwait/signal", 0, c_sigtimedwait_sig},
    {"pause/SIGUSR2", 0, c_pause},
    {"sem_wait/post", 0, c_sem_wait},
    {"sem_timedwait/timeout", 0, c_sem_timedwait},
    {"pthread_cond_timedwait/timeout", 0, c_cond_timedwait},
    {"pthread_cond_timedwait/signal", 0, c_cond_timedwait_sig},
    {"pthread_mutex_lock/held", 0, c_mutex_lock},
    {"pthread_mutex_timedlock/held", 0, c_mutex_timedlock},
    {"read/pipe", 0, c_read_pipe},
    {"read/socket", 0, c_read_socket},
    {"read/socket-SO_RCVTIMEO", 0, c_read_socket_timeout},
    {"accept", 0, c_accept},
    {"msgrcv", 0, c_msgrcv},
    {"wait", 0, c_wait},
    {"waitpid", 0, c_waitpid},
};
#define N_CASES (sizeof cases / sizeof cases[0])

static const char *bucket(long elapsed, unsigned expect)
{
    if (elapsed < (long)expect * 9 / 10)
        return "early";
    if (elapsed > (long)expect + LATE_MS)
        return "late";
    return "ok";
}

static void run_case(struct worker *w, size_t i)
{
    const struct bcase *c = &cases[i];
    struct outcome o = {0, 0, ""};
    int forks = c->fn == c_wait || c->fn == c_waitpid;
    if (forks)
        pthread_mutex_lock(&child_lock);
    struct timespec t0 = mono_now();
    errno = 0;
    c->fn(w, &o);
    long elapsed = ms_between(t0, mono_now());
    if (forks)
        pthread_mutex_unlock(&child_lock);
    char err[32] = "";
    if (o.err > 0)
        snprintf(err, sizeof err, " errno=%s", strerrorname_np(o.err));
    snprintf(w->lines[i], sizeof w->lines[i], "w%u %s: rv=%ld%s%s%s time=%s", w->idx, c->name,
             o.rv, err, o.extra[0] ? " " : "", o.extra,
             bucket(elapsed, c->expect_ms ? c->expect_ms : delay_ms));
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    w->self = pthread_self();
    size_t start = w->idx * N_CASES / n_workers;
    for (size_t k = 0; k < N_CASES; k++)
        run_case(w, (start + k) % N_CASES);
    return NULL;
}

static void on_usr2(int sig)
{
    (void)sig;
    usr2_seen = 1;
}

static void setup_worker(struct worker *w, unsigned idx)
{
    memset(w, 0, sizeof *w);
    w->idx = idx;
    w->lines = calloc(N_CASES, sizeof *w->lines);
    if (!w->lines || pipe2(w->quiet_pipe, O_CLOEXEC) || pipe2(w->data_pipe, O_CLOEXEC) ||
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, w->sock) ||
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, w->tsock))
        die("pipes and sockets: %s", strerror(errno));
    struct timeval tv = {delay_ms / 1000, (long)(delay_ms % 1000) * 1000};
    if (setsockopt(w->tsock[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv))
        die("SO_RCVTIMEO: %s", strerror(errno));
    w->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    w->addr.sun_family = AF_UNIX;
    /* abstract name: nothing left on disk */
    int n = snprintf(w->addr.sun_path + 1, sizeof w->addr.sun_path - 1,
                     "bbx-matrix-%d-%u", (int)getpid(), idx);
    w->addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
    if (w->listen_fd < 0 || bind(w->listen_fd, (struct sockaddr *)&w->addr, w->addr_len) ||
        listen(w->listen_fd, 4))
        die("listening socket: %s", strerror(errno));
    w->ep_quiet = epoll_create1(EPOLL_CLOEXEC);
    w->ep_data = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN};
    ev.data.fd = w->quiet_pipe[0];
    if (w->ep_quiet < 0 || epoll_ctl(w->ep_quiet, EPOLL_CTL_ADD, w->quiet_pipe[0], &ev))
        die("epoll: %s", strerror(errno));
    ev.data.fd = w->data_pipe[0];
    if (w->ep_data < 0 || epoll_ctl(w->ep_data, EPOLL_CTL_ADD, w->data_pipe[0], &ev))
        die("epoll: %s", strerror(errno));
    if (sem_init(&w->sem, 0, 0))
        die("sem_init: %s", strerror(errno));
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    pthread_mutex_init(&w->held, NULL);
    if (sem_init(&w->held_now, 0, 0))
        die("sem_init: %s", strerror(errno));
    w->msqid = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    if (w->msqid < 0)
        die("msgget: %s", strerror(errno));
}

static unsigned parse_uint(const char *s, unsigned lo, unsigned hi, const char *what)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < lo || v > hi)
        die("%s: want a number from %u to %u, got \"%s\"", what, lo, hi, s);
    return (unsigned)v;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--ms") && i + 1 < argc)
            delay_ms = parse_uint(argv[++i], 50, 10000, "--ms");
        else if (!strcmp(argv[i], "--workers") && i + 1 < argc)
            n_workers = parse_uint(argv[++i], 1, MAX_WORKERS, "--workers");
        else
            die("usage: blocking_matrix [--ms D] [--workers N]");
    }
    /* SIGUSR1 is only ever taken by sigtimedwait; SIGUSR2 interrupts pause. */
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &usr1, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr2;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR2, &sa, NULL);

    static struct worker workers[MAX_WORKERS];
    for (unsigned i = 0; i < n_workers; i++)
        setup_worker(&workers[i], i);
    for (unsigned i = 0; i < n_workers; i++) {
        int rc = pthread_create(&workers[i].th, NULL, worker_main, &workers[i]);
        if (rc != 0)
            die("pthread_create: %s", strerror(rc));
    }
    for (unsigned i = 0; i < n_workers; i++)
        pthread_join(workers[i].th, NULL);

    printf("blocking_matrix: %u workers, %zu calls each, delay %u ms\n", n_workers, N_CASES,
           delay_ms);
    for (unsigned i = 0; i < n_workers; i++)
        for (size_t k = 0; k < N_CASES; k++)
            printf("%s\n", workers[i].lines[k]);
    for (unsigned i = 0; i < n_workers; i++)
        msgctl(workers[i].msqid, IPC_RMID, NULL);
    printf("exit 0\n");
    return 0;
}
