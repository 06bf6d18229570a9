/*
 * fdkinds_prog.c - opens one fd of every kind bbx tells apart, with varied
 * flags (O_APPEND, O_NONBLOCK, close-on-exec or not) and offsets, takes one
 * snapshot with bbx_snapshot(), prints "snapshot PATH" and "pid PID", then
 * waits for a line on standard input with every fd still open, so that the
 * test (e2e_fd_kinds.py) can read the kernel's own view of each fd
 * (/proc/PID/fd and /proc/PID/fdinfo) and compare it with `bbx show`.
 *
 * usage: fdkinds_prog SCRATCH_DIR
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <bbx.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

static int check(int fd, const char *what)
{
    if (fd < 0) {
        perror(what);
        exit(3);
    }
    return fd;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: fdkinds_prog SCRATCH_DIR\n");
        return 2;
    }
    char path[4096];
    bbx_config cfg = { 0 };
    if (bbx_init(&cfg) != 0) {
        fprintf(stderr, "bbx_init failed\n");
        return 3;
    }

    /* regular files: one appending at an offset, one read-only cloexec */
    snprintf(path, sizeof(path), "%s/data.txt", argv[1]);
    int f = check(open(path, O_RDWR | O_CREAT | O_APPEND, 0600), "open data");
    if (write(f, "0123456789abcdef", 16) != 16)
        return 3;
    int r = check(open(path, O_RDONLY | O_CLOEXEC), "open data ro");
    if (lseek(r, 7, SEEK_SET) != 7)
        return 3;
    check(dup(f), "dup");
    check(open(argv[1], O_RDONLY | O_DIRECTORY), "open dir");
    check(open("/dev/null", O_WRONLY | O_NONBLOCK), "open /dev/null");

    int p[2];
    check(pipe2(p, O_NONBLOCK | O_CLOEXEC), "pipe2");
    check(pipe(p), "pipe");
    snprintf(path, sizeof(path), "%s/fifo", argv[1]);
    if (mkfifo(path, 0600) != 0)
        return 3;
    check(open(path, O_RDWR | O_NONBLOCK), "open fifo");

    int sv[2];
    check(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), "socketpair");
    int t = check(socket(AF_INET, SOCK_STREAM, 0), "tcp");
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
    if (bind(t, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(t, 1) != 0)
        return 3;
    check(socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0), "udp");

    check(eventfd(3, EFD_CLOEXEC), "eventfd");
    int tf = check(timerfd_create(CLOCK_MONOTONIC, 0), "timerfd");
    struct itimerspec its = { .it_value = { 3600, 0 } };
    timerfd_settime(tf, 0, &its, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    check(signalfd(-1, &set, SFD_NONBLOCK), "signalfd");
    int ep = check(epoll_create1(0), "epoll");
    struct epoll_event ev = { .events = EPOLLIN };
    epoll_ctl(ep, EPOLL_CTL_ADD, tf, &ev);
    int in = check(inotify_init1(IN_CLOEXEC), "inotify");
    inotify_add_watch(in, argv[1], IN_CREATE);
    int m = check(memfd_create("fdkinds", 0), "memfd");
    if (write(m, "xyz", 3) != 3)
        return 3;

    int rc = bbx_snapshot("fd kinds");
    if (rc != 0) {
        fprintf(stderr, "fdkinds_prog: bbx_snapshot: %s\n", bbx_strerror(rc));
        return 3;
    }
    printf("snapshot %s\npid %d\n", bbx_last_snapshot(), (int)getpid());
    fflush(stdout);
    char line[16];
    if (!fgets(line, sizeof(line), stdin))
        return 0;
    return 0;
}
