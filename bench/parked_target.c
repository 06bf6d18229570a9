/*
 * parked_target.c - a GUI-sized program at rest, for bench/run_periodic.py:
 * T threads parked in the blocking calls an idle application sits in
 * (poll, epoll_wait, select, read on a pipe, a condition variable and a
 * semaphore: futex waits, nanosleep), F fds of mixed kinds (fd_zoo.c), and
 * a main thread that waits too.  It measures its own CPU time (all
 * threads, getrusage) over a window of S seconds after setting up; what
 * bbx's periodic snapshots cost is the difference with and without
 * libbbx-preload.so.  Parked threads retry a call a signal interrupted, as
 * a real program's loop would.
 *
 * Usage: parked_target T F S SCRATCH_DIR
 * Prints "ready" once set up, then "done cpu_us=N wall_us=N", and exits 0.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include "fd_zoo.h"

static int quiet[2]; /* never written */
static int ep;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static sem_t sem;

static void *park(void *arg)
{
    unsigned kind = (unsigned)(unsigned long)arg % 7;
    for (;;) {
        char c;
        struct pollfd p = {quiet[0], POLLIN, 0};
        struct epoll_event ev;
        fd_set r;
        struct timespec day = {86400, 0};
        switch (kind) {
        case 0:
            poll(&p, 1, -1);
            break;
        case 1:
            epoll_wait(ep, &ev, 1, -1);
            break;
        case 2:
            FD_ZERO(&r);
            FD_SET(quiet[0], &r);
            select(quiet[0] + 1, &r, NULL, NULL, NULL);
            break;
        case 3:
            if (read(quiet[0], &c, 1) < 0 && errno != EINTR)
                return NULL;
            break;
        case 4:
            pthread_mutex_lock(&mu);
            pthread_cond_wait(&cv, &mu);
            pthread_mutex_unlock(&mu);
            break;
        case 5:
            sem_wait(&sem);
            break;
        default:
            nanosleep(&day, NULL);
        }
    }
    return NULL;
}

static double now_us(clockid_t clk)
{
    struct timespec t;
    clock_gettime(clk, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static double cpu_us(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + ru.ru_utime.tv_usec +
           ru.ru_stime.tv_usec;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: parked_target THREADS FDS SECONDS SCRATCH_DIR\n");
        return 2;
    }
    unsigned n_threads = (unsigned)atoi(argv[1]), n_fds = (unsigned)atoi(argv[2]);
    double seconds = atof(argv[3]);
    if (pipe(quiet) || (ep = epoll_create1(0)) < 0 || sem_init(&sem, 0, 0)) {
        perror("parked_target: setup");
        return 1;
    }
    struct epoll_event ev = {.events = EPOLLIN};
    epoll_ctl(ep, EPOLL_CTL_ADD, quiet[0], &ev);
    /* the fds the program set up itself (3 std, a pipe, epoll) count in F */
    unsigned own = 6;
    if (fd_zoo_open(n_fds > own ? n_fds - own : 0, argv[4], NULL))
        return 1;
    for (unsigned long i = 0; i < n_threads; i++) {
        pthread_t th;
        if (pthread_create(&th, NULL, park, (void *)i)) {
            fprintf(stderr, "parked_target: pthread_create failed\n");
            return 1;
        }
    }
    usleep(200000); /* the threads reach their calls */
    printf("ready\n");
    fflush(stdout);
    double c0 = cpu_us(), w0 = now_us(CLOCK_MONOTONIC);
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += (time_t)seconds;
    end.tv_nsec += (long)((seconds - (double)(time_t)seconds) * 1e9);
    if (end.tv_nsec >= 1000000000L) {
        end.tv_sec++;
        end.tv_nsec -= 1000000000L;
    }
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &end, NULL) == EINTR)
        ;
    double c1 = cpu_us(), w1 = now_us(CLOCK_MONOTONIC);
    printf("done cpu_us=%.0f wall_us=%.0f\n", c1 - c0, w1 - w0);
    fflush(stdout);
    _exit(0);
}
