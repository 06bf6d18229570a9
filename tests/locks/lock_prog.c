/*
 * lock_prog.c - threads blocked on locks, for test_locks.py: linked with
 * libbbx, it sets up one situation, waits until every thread involved is
 * blocked in the kernel where it should be, takes a snapshot with
 * bbx_snapshot() and prints what the snapshot should say, one fact a line:
 *
 *   thread NAME TID            a thread it started (and "main")
 *   mutex NAME 0xADDR          a mutex's address
 *   waits TID 0xADDR OWNER     TID is blocked on the mutex, held by OWNER
 *   nolock TID                 TID is blocked on something with no owner
 *   readline N                 the holder's read() is on line N of this file
 *   snapshot                   bbx_snapshot() returned 0
 *
 * Modes:
 *   deadlock  two threads, AB-BA on a normal and a recursive mutex
 *   chain     a thread blocked on a mutex whose holder is blocked in read()
 *   pi        the same with a priority-inheritance mutex (FUTEX_LOCK_PI)
 *   nolock    waiters with no owner to find: a condition variable (with a
 *             thread id right after it in memory, as bait), a semaphore, a
 *             mutex whose holder has exited, a mutex locked twice by its
 *             own holder
 *
 * It leaves with _exit(0) while the threads are still stuck.
 * Usage: lock_prog MODE   (BBX_DIR names the snapshot directory)
 */
#include <bbx.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t mutex_a, mutex_b;
static _Atomic int ready;
static int pipe_fds[2];
static int read_line;

/* A condition variable with a live thread id right after it, where a
 * mutex keeps its owner relative to a futex word near the end of the
 * condition variable: bbx must not take it for one. */
static struct {
    pthread_cond_t cond;
    int32_t bait_owner;
    uint32_t bait_users;
    int32_t bait_kind;
} cond_bait __attribute__((aligned(64)));
static pthread_mutex_t cond_mutex = PTHREAD_MUTEX_INITIALIZER;
static sem_t sem;

struct who {
    const char *name;
    _Atomic pid_t tid;
};

static pid_t gettid_(void)
{
    return (pid_t)syscall(SYS_gettid);
}

/* Name the thread, publish its tid, print it. */
static void say_thread(struct who *w)
{
    pthread_setname_np(pthread_self(), w->name);
    printf("thread %s %d\n", w->name, (int)gettid_());
    fflush(stdout);
    atomic_store(&w->tid, gettid_());
}

/* Lock `first` (twice when it is recursive), wait until the other thread
 * holds its own, then lock `second`: blocks for ever. */
static void ab_ba(struct who *w, pthread_mutex_t *first, pthread_mutex_t *second)
{
    say_thread(w);
    pthread_mutex_lock(first);
    if (first == &mutex_b)
        pthread_mutex_lock(first); /* recursive: count 2 */
    atomic_fetch_add(&ready, 1);
    while (atomic_load(&ready) < 2)
        usleep(1000);
    pthread_mutex_lock(second);
}

static void *locker_a(void *arg)
{
    ab_ba(arg, &mutex_a, &mutex_b);
    return NULL;
}

static void *locker_b(void *arg)
{
    ab_ba(arg, &mutex_b, &mutex_a);
    return NULL;
}

/* Holds mutex_a and waits in read() for a byte that never comes. */
static void *loader(void *arg)
{
    char c;
    say_thread(arg);
    pthread_mutex_lock(&mutex_a);
    atomic_fetch_add(&ready, 1);
    read_line = __LINE__ + 1;
    if (read(pipe_fds[0], &c, 1) != 1)
        abort();
    return NULL;
}

static void *waiter(void *arg)
{
    say_thread(arg);
    while (atomic_load(&ready) < 1)
        usleep(1000);
    pthread_mutex_lock(&mutex_a);
    return NULL;
}

static void *cond_waiter(void *arg)
{
    say_thread(arg);
    pthread_mutex_lock(&cond_mutex);
    for (;;)
        pthread_cond_wait(&cond_bait.cond, &cond_mutex);
    return NULL;
}

static void *sem_waiter(void *arg)
{
    say_thread(arg);
    while (sem_wait(&sem) != 0) {
    }
    return NULL;
}

static void *leaver(void *arg)
{
    say_thread(arg);
    pthread_mutex_lock(&mutex_b); /* and exits holding it */
    return NULL;
}

static void *orphan_waiter(void *arg)
{
    say_thread(arg);
    pthread_mutex_lock(&mutex_b);
    return NULL;
}

static void *self_locker(void *arg)
{
    say_thread(arg);
    pthread_mutex_lock(&mutex_a);
    pthread_mutex_lock(&mutex_a); /* a normal mutex: waits for itself */
    return NULL;
}

/* Wait (bounded) until thread `tid` is blocked in system call `nr`. */
static void wait_blocked(pid_t tid, long nr)
{
    char path[64], buf[256];
    snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)tid);
    for (int i = 0; i < 20000; i++) {
        FILE *f = fopen(path, "r");
        size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
        if (f)
            fclose(f);
        buf[n] = 0;
        if (n && buf[0] != 'r' && strtol(buf, NULL, 10) == nr)
            return;
        usleep(1000);
    }
    fprintf(stderr, "lock_prog: thread %d never blocked in syscall %ld\n", (int)tid, nr);
    exit(3);
}

/* Start fn on w and wait until it has said its tid. */
static pid_t start(void *(*fn)(void *), struct who *w)
{
    pthread_t th;
    if (pthread_create(&th, NULL, fn, w) != 0)
        abort();
    while (!atomic_load(&w->tid))
        usleep(1000);
    return atomic_load(&w->tid);
}

static void mutex_kind(pthread_mutex_t *m, int type, int protocol)
{
    pthread_mutexattr_t at;
    pthread_mutexattr_init(&at);
    pthread_mutexattr_settype(&at, type);
    pthread_mutexattr_setprotocol(&at, protocol);
    if (pthread_mutex_init(m, &at) != 0)
        abort();
    pthread_mutexattr_destroy(&at);
}

static void say_mutex(const char *name, const void *m)
{
    printf("mutex %s %p\n", name, m);
}

static void deadlock(void)
{
    static struct who a = { "locker-a", 0 }, b = { "locker-b", 0 };
    mutex_kind(&mutex_a, PTHREAD_MUTEX_NORMAL, PTHREAD_PRIO_NONE);
    mutex_kind(&mutex_b, PTHREAD_MUTEX_RECURSIVE, PTHREAD_PRIO_NONE);
    say_mutex("a", &mutex_a);
    say_mutex("b", &mutex_b);
    pid_t ta = start(locker_a, &a), tb = start(locker_b, &b);
    wait_blocked(ta, SYS_futex);
    wait_blocked(tb, SYS_futex);
    printf("waits %d %p %d\n", (int)ta, (void *)&mutex_b, (int)tb);
    printf("waits %d %p %d\n", (int)tb, (void *)&mutex_a, (int)ta);
}

static void chain(int protocol)
{
    static struct who l = { "loader", 0 }, w = { "waiter", 0 };
    mutex_kind(&mutex_a, PTHREAD_MUTEX_ERRORCHECK, protocol);
    say_mutex("a", &mutex_a);
    if (pipe(pipe_fds) != 0)
        abort();
    pid_t tl = start(loader, &l), tw = start(waiter, &w);
    wait_blocked(tl, SYS_read);
    wait_blocked(tw, SYS_futex);
    printf("readline %d\n", read_line);
    printf("waits %d %p %d\n", (int)tw, (void *)&mutex_a, (int)tl);
}

static void nolock(void)
{
    static struct who c = { "condwait", 0 }, s = { "semwait", 0 }, l = { "leaver", 0 },
                      o = { "orphan", 0 }, self = { "selflock", 0 };
    pthread_t th;
    pthread_cond_init(&cond_bait.cond, NULL);
    cond_bait.bait_owner = gettid_(); /* a live thread, as bait */
    cond_bait.bait_users = 1;
    cond_bait.bait_kind = 0;
    sem_init(&sem, 0, 0);
    mutex_kind(&mutex_a, PTHREAD_MUTEX_NORMAL, PTHREAD_PRIO_NONE);
    mutex_kind(&mutex_b, PTHREAD_MUTEX_NORMAL, PTHREAD_PRIO_NONE);
    pid_t tc = start(cond_waiter, &c), ts = start(sem_waiter, &s);
    if (pthread_create(&th, NULL, leaver, &l) != 0 || pthread_join(th, NULL) != 0)
        abort();
    pid_t to = start(orphan_waiter, &o), tself = start(self_locker, &self);
    wait_blocked(tc, SYS_futex);
    wait_blocked(ts, SYS_futex);
    wait_blocked(to, SYS_futex);
    wait_blocked(tself, SYS_futex);
    printf("nolock %d\nnolock %d\nnolock %d\nnolock %d\n", (int)tc, (int)ts, (int)to,
           (int)tself);
}

int main(int argc, char **argv)
{
    int rc = bbx_init(NULL);
    if (argc != 2 || rc != 0) {
        fprintf(stderr, "usage: lock_prog deadlock|chain|pi|nolock (bbx_init: %s)\n",
                bbx_strerror(rc));
        return 2;
    }
    printf("thread main %d\n", (int)gettid_());
    if (strcmp(argv[1], "deadlock") == 0)
        deadlock();
    else if (strcmp(argv[1], "chain") == 0)
        chain(PTHREAD_PRIO_NONE);
    else if (strcmp(argv[1], "pi") == 0)
        chain(PTHREAD_PRIO_INHERIT);
    else if (strcmp(argv[1], "nolock") == 0)
        nolock();
    else
        return 2;
    fflush(stdout);
    rc = bbx_snapshot(argv[1]);
    printf(rc == 0 ? "snapshot\n" : "snapshot failed: %s\n", bbx_strerror(rc));
    fflush(stdout);
    _exit(rc == 0 ? 0 : 1);
}
