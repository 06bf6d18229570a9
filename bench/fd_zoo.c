/*
 * fd_zoo.c - the mixed fd table of the capture benchmark (see fd_zoo.h).
 *
 * One "round" opens one of each kind in a fixed order; rounds repeat until
 * the requested count is reached.  A kind that needs more descriptors than
 * are left is replaced by /dev/null, so the count is exact.
 */
#include "fd_zoo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#define N_FILES 8
#define MAX_INOTIFY 16 /* fs.inotify.max_user_instances is 128 per user by default */

struct zoo {
    const char *dir;
    int dir_fd;
    unsigned round;
    int last_eventfd;      /* a member for the next epoll instance */
    int v6;                /* 1 while IPv6 loopback works */
    struct fd_zoo_counts *c;
};

static int fail(const char *what)
{
    fprintf(stderr, "fd_zoo: %s: %s\n", what, strerror(errno));
    return -1;
}

static int raise_nofile(unsigned n)
{
    struct rlimit rl;
    rlim_t want = (rlim_t)n + 512; /* stdio, the collector's own, headroom */
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return fail("getrlimit");
    if (rl.rlim_cur >= want)
        return 0;
    if (rl.rlim_max < want)
        rl.rlim_max = want; /* needs CAP_SYS_RESOURCE */
    rl.rlim_cur = want;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
        fprintf(stderr, "fd_zoo: cannot raise RLIMIT_NOFILE to %llu: %s\n",
                (unsigned long long)want, strerror(errno));
        return -1;
    }
    return 0;
}

static int make_files(struct zoo *z)
{
    char buf[4096];
    memset(buf, 'x', sizeof(buf));
    z->dir_fd = open(z->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (z->dir_fd < 0)
        return fail(z->dir);
    for (int i = 0; i < N_FILES; i++) {
        char name[32];
        snprintf(name, sizeof(name), "data-%d.bin", i);
        int fd = openat(z->dir_fd, name, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0)
            return fail(name);
        for (int k = 0; k <= i; k++)
            if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
                return fail("write");
        close(fd);
    }
    return 0;
}

static int add_file(struct zoo *z, int rw)
{
    char name[32];
    unsigned i = z->round % N_FILES;
    snprintf(name, sizeof(name), "data-%u.bin", i);
    int fd = openat(z->dir_fd, name, rw ? O_RDWR : O_RDONLY);
    if (fd < 0)
        return fail(name);
    lseek(fd, (off_t)(z->round * 37 % 4096), SEEK_SET);
    z->c->file++;
    return 1;
}

static int add_file_ro(struct zoo *z) { return add_file(z, 0); }
static int add_file_rw(struct zoo *z) { return add_file(z, 1); }

static int add_dir(struct zoo *z)
{
    if (open(z->dir, O_RDONLY | O_DIRECTORY) < 0)
        return fail("open dir");
    z->c->dir++;
    return 1;
}

static int add_devnull(struct zoo *z)
{
    if (open("/dev/null", z->round & 1 ? O_WRONLY : O_RDWR) < 0)
        return fail("/dev/null");
    z->c->devnull++;
    return 1;
}

static int add_pipe(struct zoo *z)
{
    int p[2];
    if (pipe2(p, z->round & 1 ? O_CLOEXEC : 0) != 0)
        return fail("pipe2");
    z->c->pipe += 2;
    return 2;
}

static int add_unix_pair(struct zoo *z, int type)
{
    int sv[2];
    if (socketpair(AF_UNIX, type, 0, sv) != 0)
        return fail("socketpair");
    z->c->unix_sock += 2;
    return 2;
}

static int add_unix_stream(struct zoo *z) { return add_unix_pair(z, SOCK_STREAM); }
static int add_unix_dgram(struct zoo *z) { return add_unix_pair(z, SOCK_DGRAM); }

/* A listening unix socket with an abstract name. */
static int add_unix_named(struct zoo *z)
{
    struct sockaddr_un un;
    memset(&un, 0, sizeof(un));
    un.sun_family = AF_UNIX;
    int n = snprintf(un.sun_path + 1, sizeof(un.sun_path) - 1, "bbx-bench-%d-%u",
                     (int)getpid(), z->round);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0)
        return fail("socket(AF_UNIX)");
    socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
    if (bind(fd, (struct sockaddr *)&un, len) != 0 || listen(fd, 4) != 0)
        return fail("bind/listen unix");
    z->c->unix_sock++;
    return 1;
}

/* A loopback TCP listener and one established connection to it: the
 * listener, the client end and the accepted end. */
static int add_tcp(struct zoo *z, int family)
{
    struct sockaddr_storage ss;
    socklen_t len;
    memset(&ss, 0, sizeof(ss));
    if (family == AF_INET) {
        struct sockaddr_in *in = (void *)&ss;
        in->sin_family = AF_INET;
        in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof(*in);
    } else {
        struct sockaddr_in6 *in6 = (void *)&ss;
        in6->sin6_family = AF_INET6;
        in6->sin6_addr = in6addr_loopback;
        len = sizeof(*in6);
    }
    int l = socket(family, SOCK_STREAM, 0);
    if (l < 0)
        return fail("socket(tcp)");
    if (bind(l, (struct sockaddr *)&ss, len) != 0 || listen(l, 4) != 0 ||
        getsockname(l, (struct sockaddr *)&ss, &len) != 0) {
        close(l);
        return -2; /* IPv6 may be off: the caller decides */
    }
    int c = socket(family, SOCK_STREAM, 0);
    if (c < 0 || connect(c, (struct sockaddr *)&ss, len) != 0)
        return fail("connect(tcp)");
    int a = accept(l, NULL, NULL);
    if (a < 0)
        return fail("accept(tcp)");
    z->c->tcp += 3;
    return 3;
}

static int add_tcp4(struct zoo *z)
{
    int r = add_tcp(z, AF_INET);
    return r == -2 ? fail("bind/listen tcp4") : r;
}

static int add_tcp6(struct zoo *z)
{
    if (z->v6) {
        int r = add_tcp(z, AF_INET6);
        if (r != -2)
            return r;
        z->v6 = 0;
    }
    return add_tcp4(z);
}

/* A UDP socket bound to loopback; `connected`: also connected to itself. */
static int add_udp(struct zoo *z, int connected)
{
    struct sockaddr_in in;
    socklen_t len = sizeof(in);
    memset(&in, 0, sizeof(in));
    in.sin_family = AF_INET;
    in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&in, len) != 0)
        return fail("udp bind");
    if (connected && (getsockname(fd, (struct sockaddr *)&in, &len) != 0 ||
                      connect(fd, (struct sockaddr *)&in, len) != 0))
        return fail("udp connect");
    z->c->udp++;
    return 1;
}

static int add_udp_bound(struct zoo *z) { return add_udp(z, 0); }
static int add_udp_connected(struct zoo *z) { return add_udp(z, 1); }

static int add_eventfd(struct zoo *z)
{
    int fd = eventfd(z->round, EFD_NONBLOCK);
    if (fd < 0)
        return fail("eventfd");
    z->last_eventfd = fd;
    z->c->eventfd++;
    return 1;
}

static int add_timerfd(struct zoo *z)
{
    struct itimerspec its = { { 3600, 0 }, { 3600, 0 } };
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    if (fd < 0 || timerfd_settime(fd, 0, &its, NULL) != 0)
        return fail("timerfd");
    z->c->timerfd++;
    return 1;
}

static int add_epoll(struct zoo *z)
{
    int fd = epoll_create1(EPOLL_CLOEXEC);
    if (fd < 0)
        return fail("epoll_create1");
    if (z->last_eventfd >= 0) {
        struct epoll_event ev = { .events = EPOLLIN, .data.fd = z->last_eventfd };
        if (epoll_ctl(fd, EPOLL_CTL_ADD, z->last_eventfd, &ev) != 0)
            return fail("epoll_ctl");
    }
    z->c->epoll++;
    return 1;
}

static int add_memfd(struct zoo *z)
{
    int fd = memfd_create("bbx-bench", MFD_CLOEXEC);
    if (fd < 0 || ftruncate(fd, 4096) != 0)
        return fail("memfd");
    z->c->memfd++;
    return 1;
}

static int add_signalfd(struct zoo *z)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    if (signalfd(-1, &set, SFD_NONBLOCK) < 0)
        return fail("signalfd");
    z->c->signalfd++;
    return 1;
}

static int add_inotify(struct zoo *z)
{
    if (z->c->inotify >= MAX_INOTIFY)
        return add_eventfd(z);
    int fd = inotify_init1(IN_NONBLOCK);
    if (fd < 0 || inotify_add_watch(fd, z->dir, IN_CREATE | IN_DELETE) < 0)
        return fail("inotify");
    z->c->inotify++;
    return 1;
}

struct kind {
    unsigned fds; /* how many descriptors one call opens */
    int (*add)(struct zoo *z);
};

static const struct kind round_kinds[] = {
    { 1, add_file_ro },   { 2, add_pipe },       { 2, add_unix_stream },
    { 3, add_tcp4 },      { 1, add_udp_bound },  { 1, add_eventfd },
    { 1, add_timerfd },   { 1, add_epoll },      { 1, add_memfd },
    { 1, add_devnull },   { 2, add_unix_dgram }, { 1, add_unix_named },
    { 3, add_tcp6 },      { 1, add_udp_connected }, { 1, add_file_rw },
    { 1, add_dir },       { 1, add_signalfd },   { 1, add_inotify },
};

int fd_zoo_open(unsigned n, const char *scratch_dir, struct fd_zoo_counts *counts)
{
    struct fd_zoo_counts dummy;
    struct zoo z = { scratch_dir, -1, 0, -1, 1, counts ? counts : &dummy };
    unsigned opened = 0;
    memset(z.c, 0, sizeof(*z.c));
    if (raise_nofile(n) != 0 || make_files(&z) != 0)
        return -1;
    while (opened < n) {
        for (size_t k = 0; k < sizeof(round_kinds) / sizeof(round_kinds[0]) && opened < n; k++) {
            const struct kind *kd = &round_kinds[k];
            int r = kd->fds <= n - opened ? kd->add(&z) : add_devnull(&z);
            if (r < 0)
                return -1;
            opened += (unsigned)r;
        }
        z.round++;
    }
    close(z.dir_fd);
    return 0;
}
