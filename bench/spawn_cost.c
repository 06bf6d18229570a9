/*
 * spawn_cost.c - what starting a program costs, for bench/run_startup.py.
 *
 *   spawn_cost N [NAME=VALUE...] PROGRAM [ARG...]
 *
 * Runs PROGRAM N times, one after the other, each forked from this small
 * process (so the child's peak RSS starts from our few pages, not from a
 * Python interpreter's) with the environment it was given plus the
 * NAME=VALUE settings (an empty VALUE removes NAME: LD_PRELOAD= runs the
 * child without the preload this process may have), and prints one line
 * per run:
 *
 *   cpu_us maxrss_kb wall_us sys_us
 *
 * cpu_us is the child's user + system CPU time from wait4() (microsecond
 * resolution, unlike GNU time's centiseconds), maxrss_kb its peak resident
 * set, wall_us the time from fork to its end, sys_us the system part of
 * cpu_us.  Exits 1 when a run fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static int run_once(char **sets, int n_sets, char **argv)
{
    long long t0 = now_us();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        for (int i = 0; i < n_sets; i++) {
            char *eq = strchr(sets[i], '=');
            *eq = '\0';
            if (eq[1] ? setenv(sets[i], eq + 1, 1) : unsetenv(sets[i]))
                _exit(127);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid)
        return -1;
    long long wall = now_us() - t0;
    long long cpu = (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
                    ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
    long long sys = (long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec;
    printf("%lld %ld %lld %lld\n", cpu, ru.ru_maxrss, wall, sys);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc < 3 || atoi(argv[1]) <= 0) {
        fprintf(stderr, "usage: spawn_cost N [NAME=VALUE...] PROGRAM [ARG...]\n");
        return 2;
    }
    int n = atoi(argv[1]), first = 2;
    while (first < argc && argv[first][0] != '/' && strchr(argv[first], '='))
        first++;
    if (first == argc) {
        fprintf(stderr, "usage: spawn_cost N [NAME=VALUE...] PROGRAM [ARG...]\n");
        return 2;
    }
    for (int i = 0; i < n; i++) {
        if (run_once(argv + 2, first - 2, argv + first) != 0) {
            fprintf(stderr, "spawn_cost: %s failed\n", argv[first]);
            return 1;
        }
    }
    return 0;
}
