/*
 * track_prog.c - a process for test_track.c: linked with libbbx in tracking
 * mode (fds and threads), it creates fds through every interposed call
 * from make_fds(), closes some of them, starts threads (some exit, some
 * stay), leaves one child a zombie and one running, takes a snapshot and
 * prints what it did, one fact a line:
 *
 *   func NAME START END        code range of a function (runtime addresses)
 *   fd N CALL [FUNC]           fd N was made by CALL in FUNC (make_fds)
 *   closed N                   ... and closed again
 *   reused N                   fd N came back behind bbx's back: origin unknown
 *   thread TID alive|exited    START routine in `func alive_thread`
 *   child PID zombie|running
 *   snapshot PATH
 *
 * Usage: track_prog DIR
 */
#include <bbx.h>
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
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
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_MADE 64

/* Exported (the program is linked -rdynamic) so that dladdr1 finds their
 * sizes. */
void make_fds(void);
void start_threads(pthread_t *alive);
void *alive_thread(void *arg);

static const char *dir;
static int keep_pipe[2];
/* Streams left open for the snapshot, closed before exit. */
static FILE *kept_file, *kept_tmp, *kept_pipe;
static DIR *kept_dir;

static void say_func(const char *name, void *fn)
{
    Dl_info di;
    const ElfW(Sym) *sym = NULL;
    if (!dladdr1(fn, &di, (void **)&sym, RTLD_DL_SYMENT) || !sym) {
        fprintf(stderr, "track_prog: no symbol for %s (link with -rdynamic)\n", name);
        exit(2);
    }
    printf("func %s %#lx %#lx\n", name, (unsigned long)(uintptr_t)di.dli_saddr,
           (unsigned long)((uintptr_t)di.dli_saddr + sym->st_size));
}

static void made(int fd, const char *call)
{
    if (fd < 0) {
        fprintf(stderr, "track_prog: %s failed\n", call);
        exit(2);
    }
    printf("fd %d %s\n", fd, call);
}

static void closed(int fd)
{
    printf("closed %d\n", fd);
}

static void send_fd(int sock, int fd)
{
    char data = 'x';
    struct iovec iov = { &data, 1 };
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } u;
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                        .msg_controllen = sizeof(u.buf) };
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    if (sendmsg(sock, &m, 0) != 1)
        exit(2);
}

/* Receive one fd, through the hook (recvmsg) or around it (raw). */
static inline __attribute__((always_inline)) int recv_fd(int sock, int raw)
{
    char data;
    int fd;
    struct iovec iov = { &data, 1 };
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } u;
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                        .msg_controllen = sizeof(u.buf) };
    ssize_t n = raw ? syscall(SYS_recvmsg, sock, &m, 0) : recvmsg(sock, &m, 0);
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    if (n != 1 || !c || c->cmsg_type != SCM_RIGHTS)
        exit(2);
    memcpy(&fd, CMSG_DATA(c), sizeof(int));
    return fd;
}

/* A socket closed by a raw system call (the hooks do not see it), its
 * number then reused by an fd received over a unix socket: through
 * recvmsg (recorded as made by recvmsg), and through a raw recvmsg
 * (nothing recorded: the origin must not be the socket's).  Inlined: the
 * stacks start in make_fds. */
static inline __attribute__((always_inline)) void reuse_behind_our_back(int raw)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        exit(2);
    made(sv[0], "socketpair");
    made(sv[1], "socketpair");
    int a = socket(AF_INET, SOCK_STREAM, 0); /* origin A */
    int x = open("/dev/null", O_RDONLY);
    send_fd(sv[0], x);
    close(x);
    syscall(SYS_close, a);
    int got = recv_fd(sv[1], raw);
    if (got != a) { /* the lowest free number: x's, then a's */
        fprintf(stderr, "track_prog: received fd %d, not %d\n", got, a);
        exit(2);
    }
    if (raw)
        printf("reused %d\n", got);
    else
        made(got, "recvmsg");
}

/* Every creating call, from this one function.  Returns nothing: the fds
 * are reported and some closed right here. */
__attribute__((noinline)) void make_fds(void)
{
    char path[512];
    int p[2], sv[2];
    sigset_t mask;

    reuse_behind_our_back(0);
    reuse_behind_our_back(1);
    snprintf(path, sizeof(path), "%s/creat.txt", dir);
    made(open("/dev/null", O_RDONLY), "open");
    made(openat(AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC), "openat");
    made(creat(path, 0600), "creat");
    made(socket(AF_INET, SOCK_DGRAM, 0), "socket");
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        exit(2);
    made(sv[0], "socketpair");
    made(sv[1], "socketpair");

    /* accept4 on a local (abstract) socket */
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "bbx-track-%d", (int)getpid());
    socklen_t sl = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
                               strlen(sa.sun_path + 1));
    int lsn = socket(AF_UNIX, SOCK_STREAM, 0);
    made(lsn, "socket");
    if (bind(lsn, (struct sockaddr *)&sa, sl) != 0 || listen(lsn, 4) != 0)
        exit(2);
    int cli = socket(AF_UNIX, SOCK_STREAM, 0);
    made(cli, "socket");
    if (connect(cli, (struct sockaddr *)&sa, sl) != 0)
        exit(2);
    made(accept4(lsn, NULL, NULL, SOCK_CLOEXEC), "accept4");

    if (pipe2(p, O_CLOEXEC) != 0)
        exit(2);
    made(p[0], "pipe2");
    made(p[1], "pipe2");
    int d = dup(p[0]);
    made(d, "dup");
    made(dup2(p[0], 200), "dup2");
    made(dup3(p[0], 201, O_CLOEXEC), "dup3");
    made(fcntl(p[0], F_DUPFD_CLOEXEC, 300), "fcntl");
    made(eventfd(0, 0), "eventfd");
    made(timerfd_create(CLOCK_MONOTONIC, 0), "timerfd_create");
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR2);
    made(signalfd(-1, &mask, 0), "signalfd");
    made(epoll_create1(0), "epoll_create1");
    made(inotify_init1(0), "inotify_init1");
    made(memfd_create("bbx-track", 0), "memfd_create");

    kept_file = fopen("/dev/null", "r");
    made(kept_file ? fileno(kept_file) : -1, "fopen");
    kept_dir = opendir(dir);
    made(kept_dir ? dirfd(kept_dir) : -1, "opendir");
    kept_tmp = tmpfile();
    made(kept_tmp ? fileno(kept_tmp) : -1, "tmpfile");
    snprintf(path, sizeof(path), "%s/tmpXXXXXX", dir);
    made(mkstemp(path), "mkstemp");
    kept_pipe = popen("cat >/dev/null", "w");
    made(kept_pipe ? fileno(kept_pipe) : -1, "popen");

    /* made and closed again, each by its own kind of close */
    int c1 = open("/dev/null", O_RDONLY);
    made(c1, "open");
    FILE *f2 = fopen("/dev/null", "r");
    made(fileno(f2), "fopen");
    DIR *d2 = opendir("/");
    made(dirfd(d2), "opendir");
    FILE *p2 = popen("true", "r");
    made(fileno(p2), "popen");
    closed(c1);
    close(c1);
    closed(fileno(f2));
    fclose(f2);
    closed(dirfd(d2));
    closedir(d2);
    closed(fileno(p2));
    pclose(p2);
    int r1 = dup2(d, 400), r2 = dup2(d, 401);
    made(r1, "dup2");
    made(r2, "dup2");
    closed(r1);
    closed(r2);
    close_range(400, 401, 0);
}

static _Atomic int alive_tids[2];
static _Atomic int n_started;

void *alive_thread(void *arg)
{
    char c;
    atomic_store(&alive_tids[(intptr_t)arg], (int)gettid());
    atomic_fetch_add(&n_started, 1);
    while (read(keep_pipe[0], &c, 1) < 0)
        ;
    return NULL;
}

static void *returning_thread(void *arg)
{
    *(int *)arg = (int)gettid();
    return NULL;
}

static void *exiting_thread(void *arg)
{
    *(int *)arg = (int)gettid();
    pthread_exit(NULL);
}

__attribute__((noinline)) void start_threads(pthread_t *alive)
{
    pthread_t t1, t2;
    int tid1 = 0, tid2 = 0;
    for (intptr_t i = 0; i < 2; i++)
        if (pthread_create(&alive[i], NULL, alive_thread, (void *)i) != 0)
            exit(2);
    if (pthread_create(&t1, NULL, returning_thread, &tid1) != 0 ||
        pthread_create(&t2, NULL, exiting_thread, &tid2) != 0)
        exit(2);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    while (atomic_load(&n_started) < 2)
        usleep(1000);
    printf("thread %d alive\nthread %d alive\n", alive_tids[0], alive_tids[1]);
    printf("thread %d exited\nthread %d exited\n", tid1, tid2);
}

static char proc_state(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
    if (fd >= 0)
        close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    char *s = strrchr(buf, ')');
    return s && s[1] ? s[2] : 0;
}

int main(int argc, char **argv)
{
    bbx_config c;
    pthread_t alive[2];
    if (argc != 2) {
        fprintf(stderr, "usage: track_prog DIR\n");
        return 2;
    }
    dir = argv[1];
    setvbuf(stdout, NULL, _IOLBF, 0);
    bbx_config_init(&c);
    c.dir = dir;
    c.app_name = "track_prog";
    c.track = BBX_TRACK_FD | BBX_TRACK_THREAD;
    int rc = bbx_init(&c);
    if (rc != 0) {
        fprintf(stderr, "track_prog: bbx_init: %s\n", bbx_strerror(rc));
        return 2;
    }
    say_func("make_fds", (void *)make_fds);
    say_func("start_threads", (void *)start_threads);
    say_func("alive_thread", (void *)alive_thread);
    say_func("main", (void *)main);
    if (pipe(keep_pipe) != 0)
        return 2;
    printf("fd %d pipe main\nfd %d pipe main\n", keep_pipe[0], keep_pipe[1]);
    make_fds();
    start_threads(alive);

    pid_t zombie = fork();
    if (zombie == 0)
        _exit(0);
    pid_t running = fork();
    if (running == 0) {
        for (;;)
            pause();
    }
    for (int i = 0; i < 5000 && proc_state(zombie) != 'Z'; i++)
        usleep(1000);
    printf("child %d zombie\nchild %d running\n", (int)zombie, (int)running);

    rc = bbx_snapshot("track test");
    if (rc != 0) {
        fprintf(stderr, "track_prog: bbx_snapshot: %s\n", bbx_strerror(rc));
        return 2;
    }
    printf("snapshot %s\n", bbx_last_snapshot());

    kill(running, SIGKILL);
    waitpid(running, NULL, 0);
    waitpid(zombie, NULL, 0);
    if (write(keep_pipe[1], "xx", 2) != 2)
        return 2;
    pthread_join(alive[0], NULL);
    pthread_join(alive[1], NULL);
    fclose(kept_file);
    fclose(kept_tmp);
    closedir(kept_dir);
    pclose(kept_pipe);
    bbx_shutdown();
    return 0;
}
