/*
 * fixture_app.c - the program the golden snapshots describe (see
 * ../SCENARIOS.md).  It is never run by the tests: it is built once, with
 * the command in BUILD, and the binary (fixture_app, with its DWARF) is
 * checked in, so that `bbx show --debug-dir` symbolizes the scenario's
 * frames to the same functions, lines, columns and inline chain on every
 * machine.  The scenario's pcs point into the functions below (PCS.md says
 * how each was chosen).
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

/* Inlined into parse_record: the store that faults when `out` is NULL. */
static inline __attribute__((always_inline)) void record_store(int *slot, int v)
{
    *slot = v;
}

__attribute__((noinline)) int parse_record(const char *p, int *out)
{
    int sum = 0;
    for (; *p; p++)
        sum = sum * 31 + *p;
    record_store(out + (sum & 7), sum);
    return sum;
}

__attribute__((noinline)) void *worker_main(void *arg)
{
    int n = parse_record(arg, NULL);
    printf("%d\n", n);
    return NULL;
}

__attribute__((noinline)) void start_workers(pthread_t *t, int n, char *arg)
{
    for (int i = 0; i < n; i++)
        pthread_create(&t[i], NULL, worker_main, arg);
}

__attribute__((noinline)) int open_connection(int v6)
{
    return socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
}

__attribute__((noinline)) int open_log(const char *path)
{
    return open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
}

__attribute__((noinline)) int make_pipe(int fds[2])
{
    return pipe(fds);
}

__attribute__((noinline)) pid_t spawn_helper(void)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    return pid;
}

__attribute__((noinline)) void event_loop(int rounds)
{
    struct pollfd pfd = { .fd = 0, .events = POLLIN };
    int fds[2];
    for (int i = 0; i < rounds; i++) {
        open_connection(i & 1);
        if (make_pipe(fds) == 0 && (i & 2)) {
            close(fds[0]);
            close(fds[1]);
        }
        poll(&pfd, 1, 1000);
    }
}

int main(int argc, char **argv)
{
    pthread_t t[4];
    open_log("/tmp/fixture.log");
    spawn_helper();
    start_workers(t, argc, argv[0]);
    event_loop(argc * 10);
    return 0;
}
