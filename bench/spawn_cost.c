/*
 * spawn_cost.c - what starting a program costs, for bench/run_startup.py,
 * and what launching it costs the launcher, for bench/run_launch.py.
 *
 *   spawn_cost [--via fork|spawn|system|popen] [--summary] N [NAME=VALUE...]
 *              PROGRAM [ARG...]
 *
 * Runs PROGRAM N times, one after the other, from this small process (so
 * the child's peak RSS starts from our few pages, not from a Python
 * interpreter's), with the environment it was given plus the NAME=VALUE
 * settings (an empty VALUE removes NAME: LD_PRELOAD= runs the child without
 * the preload this process may have).
 *
 * --via says how (default fork):
 *
 *   fork    fork(); the child applies the settings and calls execvp(); the
 *           parent waits with wait4()
 *   spawn   posix_spawnp() and waitpid()
 *   system  system("PROGRAM ARG..."): the words joined by spaces, unquoted
 *   popen   popen("PROGRAM ARG...", "r"), read to the end, pclose()
 *
 * For spawn, system and popen the settings are applied to this process's
 * environment once, before the first run (a preloaded library has read its
 * own settings by then), and the children inherit it.
 *
 * With fork and without --summary it prints one line per run:
 *
 *   cpu_us maxrss_kb wall_us sys_us
 *
 * cpu_us is the child's user + system CPU time from wait4() (microsecond
 * resolution, unlike GNU time's centiseconds), maxrss_kb its peak resident
 * set, wall_us the time from fork to its end, sys_us the system part of
 * cpu_us.
 *
 * Otherwise (--summary, or any other --via) it prints one line after the
 * last run, NAME=VALUE words:
 *
 *   n=N wall_us=.. self_user_us=.. self_sys_us=.. children_cpu_us=..
 *   self_minflt=.. children_minflt=.. hwm_kb=.. rss_kb=.. shmem_kb=..
 *
 * wall_us is the whole loop (CLOCK_MONOTONIC, start-up and exit of this
 * process left out), self_* this process's own CPU time over the loop,
 * children_cpu_us the CPU time of the children it waited for (and of
 * their children: the shell of system and popen), self_minflt and
 * children_minflt the minor page faults of the same two, hwm_kb this
 * process's peak resident set (VmHWM), rss_kb and shmem_kb its resident
 * set and the shared-memory part of it (RssShmem) after the loop.  Exits 1
 * when a run fails.
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

enum via { VIA_FORK, VIA_SPAWN, VIA_SYSTEM, VIA_POPEN };

static long long now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static long long tv_us(struct timeval tv)
{
    return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* NAME=VALUE into the environment; an empty VALUE removes NAME.  `s` is
 * cut at the '='. */
static int apply_set(char *s)
{
    char *eq = strchr(s, '=');
    *eq = '\0';
    return eq[1] ? setenv(s, eq + 1, 1) : unsetenv(s);
}

static int run_fork(char **sets, int n_sets, char **argv, int quiet)
{
    long long t0 = now_us();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        for (int i = 0; i < n_sets; i++)
            if (apply_set(sets[i]) != 0)
                _exit(127);
        execvp(argv[0], argv);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid)
        return -1;
    if (!quiet) {
        long long wall = now_us() - t0;
        long long cpu = tv_us(ru.ru_utime) + tv_us(ru.ru_stime);
        printf("%lld %ld %lld %lld\n", cpu, ru.ru_maxrss, wall, tv_us(ru.ru_stime));
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int run_spawn(char **argv)
{
    pid_t pid;
    int status;
    if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) != 0)
        return -1;
    if (waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int run_system(const char *command)
{
    int status = system(command);
    return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int run_popen(const char *command)
{
    char buf[4096];
    FILE *f = popen(command, "r");
    if (!f)
        return -1;
    while (fread(buf, 1, sizeof(buf), f) > 0)
        ;
    int status = pclose(f);
    return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* The words joined by spaces, for system and popen; NULL when out of memory. */
static char *join(char **argv)
{
    size_t len = 1;
    for (char **a = argv; *a; a++)
        len += strlen(*a) + 1;
    char *s = malloc(len), *p = s;
    if (!s)
        return NULL;
    for (char **a = argv; *a; a++) {
        size_t n = strlen(*a);
        memcpy(p, *a, n);
        p += n;
        *p++ = ' ';
    }
    p[p > s ? -1 : 0] = '\0';
    return s;
}

/* A "Name:   123 kB" line of /proc/self/status, in kB; -1 when absent. */
static long status_kb(const char *name)
{
    char line[256];
    long v = -1;
    size_t n = strlen(name);
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, name, n) == 0 && line[n] == ':') {
            v = strtol(line + n + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

static int usage(void)
{
    fprintf(stderr, "usage: spawn_cost [--via fork|spawn|system|popen] [--summary] N "
                    "[NAME=VALUE...] PROGRAM [ARG...]\n");
    return 2;
}

int main(int argc, char **argv)
{
    enum via via = VIA_FORK;
    int summary = 0, a = 1;
    for (; a < argc && strncmp(argv[a], "--", 2) == 0; a++) {
        if (strcmp(argv[a], "--summary") == 0) {
            summary = 1;
        } else if (strcmp(argv[a], "--via") == 0 && a + 1 < argc) {
            const char *m = argv[++a];
            if (strcmp(m, "fork") == 0)
                via = VIA_FORK;
            else if (strcmp(m, "spawn") == 0)
                via = VIA_SPAWN;
            else if (strcmp(m, "system") == 0)
                via = VIA_SYSTEM;
            else if (strcmp(m, "popen") == 0)
                via = VIA_POPEN;
            else
                return usage();
        } else {
            return usage();
        }
    }
    if (via != VIA_FORK)
        summary = 1;
    if (argc - a < 2 || atoi(argv[a]) <= 0)
        return usage();
    int n = atoi(argv[a]), sets = a + 1, first = sets;
    while (first < argc && argv[first][0] != '/' && strchr(argv[first], '='))
        first++;
    if (first == argc)
        return usage();
    char *command = NULL;
    if (via != VIA_FORK) {
        for (int i = sets; i < first; i++)
            if (apply_set(argv[i]) != 0)
                return 1;
        if ((via == VIA_SYSTEM || via == VIA_POPEN) && !(command = join(argv + first)))
            return 1;
    }
    struct rusage self0, self1, kids;
    getrusage(RUSAGE_SELF, &self0);
    long long t0 = now_us();
    for (int i = 0; i < n; i++) {
        int rc;
        switch (via) {
        case VIA_SPAWN: rc = run_spawn(argv + first); break;
        case VIA_SYSTEM: rc = run_system(command); break;
        case VIA_POPEN: rc = run_popen(command); break;
        default: rc = run_fork(argv + sets, first - sets, argv + first, summary); break;
        }
        if (rc != 0) {
            fprintf(stderr, "spawn_cost: %s failed\n", argv[first]);
            return 1;
        }
    }
    long long wall = now_us() - t0;
    getrusage(RUSAGE_SELF, &self1);
    getrusage(RUSAGE_CHILDREN, &kids);
    if (summary)
        printf("n=%d wall_us=%lld self_user_us=%lld self_sys_us=%lld children_cpu_us=%lld "
               "self_minflt=%ld children_minflt=%ld hwm_kb=%ld rss_kb=%ld shmem_kb=%ld\n",
               n, wall, tv_us(self1.ru_utime) - tv_us(self0.ru_utime),
               tv_us(self1.ru_stime) - tv_us(self0.ru_stime),
               tv_us(kids.ru_utime) + tv_us(kids.ru_stime),
               self1.ru_minflt - self0.ru_minflt, kids.ru_minflt, status_kb("VmHWM"),
               status_kb("VmRSS"), status_kb("RssShmem"));
    free(command);
    return 0;
}
