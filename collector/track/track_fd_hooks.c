/*
 * track_fd_hooks.c - the interposed system-call wrappers that create and
 * close fds (tracking mode).
 *
 * libbbx (or libbbx-preload) comes before libc in symbol lookup, so these
 * definitions are the ones the program calls.  Each forwards to the real
 * function (resolved once with dlsym(RTLD_NEXT); the raw system call where
 * it cannot be resolved yet: inside bbx, or while dlsym runs) and, when
 * tracking fds is on, records the new fd or forgets the closed one (fds
 * received over a unix socket too: recvmsg and recvmmsg record each fd of
 * their SCM_RIGHTS control messages).  With
 * tracking off a hook costs one load and one predictable branch more than
 * the call itself.
 *
 * The crash path never comes through here: it calls the kernel directly
 * (sigsafe.h: ss_sys_openat, ss_close, ...; tests/safety checks it).  bbx's
 * other calls (init, its collector thread) do, with bbx_busy set: then a
 * hook only forwards and forgets slots, which is async-signal-safe.
 */
#undef _FORTIFY_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "blocking_calls.h"
#include "sigsafe.h"
#include "track_hooks.h"

/* Not declared by every glibc. */
int pidfd_open(pid_t pid, unsigned int flags);

/* The mode argument of open/openat: only there with O_CREAT or O_TMPFILE. */
#define NEEDS_MODE(flags) (((flags) & O_CREAT) || ((flags) & O_TMPFILE) == O_TMPFILE)
#define READ_MODE(mode, last)                                                    \
    do {                                                                         \
        if (NEEDS_MODE(flags)) {                                                 \
            va_list ap;                                                          \
            va_start(ap, last);                                                  \
            mode = va_arg(ap, mode_t);                                           \
            va_end(ap);                                                          \
        }                                                                        \
    } while (0)

/* An fd that a library made while bbx ran it (libunwind's pipes, bbx's X
 * connection): bbx's.  A new one leaves the program's low numbers (the
 * program gets the numbers it would get without bbx); one whose number the
 * caller chose (dup2, dup3, F_DUPFD, signalfd on an fd) keeps it.  Either
 * way it is registered, so snapshots mark it (own_fds.c), and tracking
 * forgets the number. */
static int bbx_made(int fd, int call)
{
    if (call == TRACK_DUP2 || call == TRACK_DUP3 || call == TRACK_FCNTL || call == TRACK_SIGNALFD)
        ss_fd_own_add(fd);
    else
        fd = ss_fd_own_take(fd);
    if (track_fds_on())
        track_fd_closed(fd);
    return fd;
}

static int made(int fd, int call, uintptr_t ra)
{
    if (fd >= 0 && bbx_busy)
        return bbx_made(fd, call);
    if (fd >= 0 && track_fds_on())
        track_fd_created(fd, call, ra);
    return fd;
}

static int made_pair(int rc, int *fds, int call, uintptr_t ra)
{
    if (rc == 0 && bbx_busy) {
        fds[0] = bbx_made(fds[0], call);
        fds[1] = bbx_made(fds[1], call);
    } else if (rc == 0 && track_fds_on()) {
        track_fd_created(fds[0], call, ra);
        track_fd_created(fds[1], call, ra);
    }
    return rc;
}

static long no_real(void)
{
    errno = ENOSYS;
    return -1;
}

/* ---- open and friends ---- */

TRACK_REAL(open);
BBX_API int open(const char *path, int flags, ...)
{
    mode_t mode = 0;
    READ_MODE(mode, flags);
    __typeof__(&open) real = TRACK_RESOLVE(open);
    int fd = real ? real(path, flags, mode) : (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
    return made(fd, TRACK_OPEN, TRACK_RA);
}

TRACK_REAL(open64);
BBX_API int open64(const char *path, int flags, ...)
{
    mode_t mode = 0;
    READ_MODE(mode, flags);
    __typeof__(&open64) real = TRACK_RESOLVE(open64);
    int fd = real ? real(path, flags, mode) : (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
    return made(fd, TRACK_OPEN64, TRACK_RA);
}

TRACK_REAL(openat);
BBX_API int openat(int dirfd, const char *path, int flags, ...)
{
    mode_t mode = 0;
    READ_MODE(mode, flags);
    __typeof__(&openat) real = TRACK_RESOLVE(openat);
    int fd = real ? real(dirfd, path, flags, mode) : (int)syscall(SYS_openat, dirfd, path, flags, mode);
    return made(fd, TRACK_OPENAT, TRACK_RA);
}

TRACK_REAL(openat64);
BBX_API int openat64(int dirfd, const char *path, int flags, ...)
{
    mode_t mode = 0;
    READ_MODE(mode, flags);
    __typeof__(&openat64) real = TRACK_RESOLVE(openat64);
    int fd = real ? real(dirfd, path, flags, mode) : (int)syscall(SYS_openat, dirfd, path, flags, mode);
    return made(fd, TRACK_OPENAT64, TRACK_RA);
}

/* The _FORTIFY_SOURCE entry points (no mode: they refuse O_CREAT). */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);

TRACK_REAL(__open_2);
BBX_API int __open_2(const char *path, int flags)
{
    __typeof__(&__open_2) real = TRACK_RESOLVE(__open_2);
    int fd = real ? real(path, flags) : (int)syscall(SYS_openat, AT_FDCWD, path, flags, 0);
    return made(fd, TRACK_OPEN, TRACK_RA);
}

TRACK_REAL(__open64_2);
BBX_API int __open64_2(const char *path, int flags)
{
    __typeof__(&__open64_2) real = TRACK_RESOLVE(__open64_2);
    int fd = real ? real(path, flags) : (int)syscall(SYS_openat, AT_FDCWD, path, flags, 0);
    return made(fd, TRACK_OPEN64, TRACK_RA);
}

TRACK_REAL(__openat_2);
BBX_API int __openat_2(int dirfd, const char *path, int flags)
{
    __typeof__(&__openat_2) real = TRACK_RESOLVE(__openat_2);
    int fd = real ? real(dirfd, path, flags) : (int)syscall(SYS_openat, dirfd, path, flags, 0);
    return made(fd, TRACK_OPENAT, TRACK_RA);
}

TRACK_REAL(__openat64_2);
BBX_API int __openat64_2(int dirfd, const char *path, int flags)
{
    __typeof__(&__openat64_2) real = TRACK_RESOLVE(__openat64_2);
    int fd = real ? real(dirfd, path, flags) : (int)syscall(SYS_openat, dirfd, path, flags, 0);
    return made(fd, TRACK_OPENAT64, TRACK_RA);
}

#define CREAT_FLAGS (O_CREAT | O_WRONLY | O_TRUNC)

TRACK_REAL(creat);
BBX_API int creat(const char *path, mode_t mode)
{
    __typeof__(&creat) real = TRACK_RESOLVE(creat);
    int fd = real ? real(path, mode) : (int)syscall(SYS_openat, AT_FDCWD, path, CREAT_FLAGS, mode);
    return made(fd, TRACK_CREAT, TRACK_RA);
}

TRACK_REAL(creat64);
BBX_API int creat64(const char *path, mode_t mode)
{
    __typeof__(&creat64) real = TRACK_RESOLVE(creat64);
    int fd = real ? real(path, mode) : (int)syscall(SYS_openat, AT_FDCWD, path, CREAT_FLAGS, mode);
    return made(fd, TRACK_CREAT64, TRACK_RA);
}

/* ---- sockets and pipes ---- */

TRACK_REAL(socket);
BBX_API int socket(int domain, int type, int protocol)
{
    __typeof__(&socket) real = TRACK_RESOLVE(socket);
    int fd = real ? real(domain, type, protocol) : (int)syscall(SYS_socket, domain, type, protocol);
    return made(fd, TRACK_SOCKET, TRACK_RA);
}

TRACK_REAL(socketpair);
BBX_API int socketpair(int domain, int type, int protocol, int sv[2])
{
    __typeof__(&socketpair) real = TRACK_RESOLVE(socketpair);
    int rc = real ? real(domain, type, protocol, sv)
                  : (int)syscall(SYS_socketpair, domain, type, protocol, sv);
    return made_pair(rc, sv, TRACK_SOCKETPAIR, TRACK_RA);
}

TRACK_REAL(accept);
BBX_API int accept(int fd, __SOCKADDR_ARG addr, socklen_t *restrict len)
{
    uint64_t regs[CALL_REGS];
    bbx_calls_save(regs); /* it blocks: see blocking_calls.h */
    struct call_slot *c = calls_enter(regs, "accept");
    __typeof__(&accept) real = TRACK_RESOLVE(accept);
    int s = real ? real(fd, addr, len) : (int)no_real();
    calls_leave(c);
    return made(s, TRACK_ACCEPT, TRACK_RA);
}

TRACK_REAL(accept4);
BBX_API int accept4(int fd, __SOCKADDR_ARG addr, socklen_t *restrict len, int flags)
{
    uint64_t regs[CALL_REGS];
    bbx_calls_save(regs);
    struct call_slot *c = calls_enter(regs, "accept4");
    __typeof__(&accept4) real = TRACK_RESOLVE(accept4);
    int s = real ? real(fd, addr, len, flags) : (int)no_real();
    calls_leave(c);
    return made(s, TRACK_ACCEPT4, TRACK_RA);
}

TRACK_REAL(pipe);
BBX_API int pipe(int fds[2])
{
    __typeof__(&pipe) real = TRACK_RESOLVE(pipe);
    int rc = real ? real(fds) : (int)syscall(SYS_pipe2, fds, 0);
    return made_pair(rc, fds, TRACK_PIPE, TRACK_RA);
}

TRACK_REAL(pipe2);
BBX_API int pipe2(int fds[2], int flags)
{
    __typeof__(&pipe2) real = TRACK_RESOLVE(pipe2);
    int rc = real ? real(fds, flags) : (int)syscall(SYS_pipe2, fds, flags);
    return made_pair(rc, fds, TRACK_PIPE2, TRACK_RA);
}

/* ---- duplicates ---- */

TRACK_REAL(dup);
BBX_API int dup(int old)
{
    __typeof__(&dup) real = TRACK_RESOLVE(dup);
    int fd = real ? real(old) : (int)syscall(SYS_dup, old);
    return made(fd, TRACK_DUP, TRACK_RA);
}

TRACK_REAL(dup2);
BBX_API int dup2(int old, int new_fd)
{
    __typeof__(&dup2) real = TRACK_RESOLVE(dup2);
    int fd = real ? real(old, new_fd) : (int)syscall(SYS_dup2, old, new_fd);
    if (fd >= 0 && old == new_fd)
        return fd; /* nothing new */
    return made(fd, TRACK_DUP2, TRACK_RA);
}

TRACK_REAL(dup3);
BBX_API int dup3(int old, int new_fd, int flags)
{
    __typeof__(&dup3) real = TRACK_RESOLVE(dup3);
    int fd = real ? real(old, new_fd, flags) : (int)syscall(SYS_dup3, old, new_fd, flags);
    return made(fd, TRACK_DUP3, TRACK_RA);
}

/* fcntl takes its third argument as glibc does: always read (as a pointer-
 * sized word), since every command but a few needs it forwarded and the
 * caller may pass an int or a pointer. */
static int fcntl_common(void *_Atomic *slot, const char *name, int fd, int cmd, void *arg,
                        uintptr_t ra)
{
    int (*real)(int, int, ...) = (int (*)(int, int, ...))track_real(slot, name);
    int rc = real ? real(fd, cmd, arg) : (int)syscall(SYS_fcntl, fd, cmd, arg);
    if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
        made(rc, TRACK_FCNTL, ra);
    return rc;
}

TRACK_REAL(fcntl);
BBX_API int fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    return fcntl_common(&real_fcntl, "fcntl", fd, cmd, arg, TRACK_RA);
}

TRACK_REAL(fcntl64);
BBX_API int fcntl64(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    return fcntl_common(&real_fcntl64, "fcntl64", fd, cmd, arg, TRACK_RA);
}

/* ---- event, timer, signal, epoll, inotify, memory, pty, pid fds ---- */

TRACK_REAL(eventfd);
BBX_API int eventfd(unsigned int count, int flags)
{
    __typeof__(&eventfd) real = TRACK_RESOLVE(eventfd);
    int fd = real ? real(count, flags) : (int)syscall(SYS_eventfd2, count, flags);
    return made(fd, TRACK_EVENTFD, TRACK_RA);
}

TRACK_REAL(timerfd_create);
BBX_API int timerfd_create(int clockid, int flags)
{
    __typeof__(&timerfd_create) real = TRACK_RESOLVE(timerfd_create);
    int fd = real ? real(clockid, flags) : (int)syscall(SYS_timerfd_create, clockid, flags);
    return made(fd, TRACK_TIMERFD_CREATE, TRACK_RA);
}

TRACK_REAL(signalfd);
BBX_API int signalfd(int fd, const sigset_t *mask, int flags)
{
    __typeof__(&signalfd) real = TRACK_RESOLVE(signalfd);
    int rc = real ? real(fd, mask, flags) : (int)syscall(SYS_signalfd4, fd, mask, 8, flags);
    if (fd != -1)
        return rc; /* changed the mask of an existing one */
    return made(rc, TRACK_SIGNALFD, TRACK_RA);
}

TRACK_REAL(epoll_create);
BBX_API int epoll_create(int size)
{
    __typeof__(&epoll_create) real = TRACK_RESOLVE(epoll_create);
    int fd = real ? real(size) : (int)syscall(SYS_epoll_create1, 0);
    return made(fd, TRACK_EPOLL_CREATE, TRACK_RA);
}

TRACK_REAL(epoll_create1);
BBX_API int epoll_create1(int flags)
{
    __typeof__(&epoll_create1) real = TRACK_RESOLVE(epoll_create1);
    int fd = real ? real(flags) : (int)syscall(SYS_epoll_create1, flags);
    return made(fd, TRACK_EPOLL_CREATE1, TRACK_RA);
}

TRACK_REAL(inotify_init);
BBX_API int inotify_init(void)
{
    __typeof__(&inotify_init) real = TRACK_RESOLVE(inotify_init);
    int fd = real ? real() : (int)syscall(SYS_inotify_init1, 0);
    return made(fd, TRACK_INOTIFY_INIT, TRACK_RA);
}

TRACK_REAL(inotify_init1);
BBX_API int inotify_init1(int flags)
{
    __typeof__(&inotify_init1) real = TRACK_RESOLVE(inotify_init1);
    int fd = real ? real(flags) : (int)syscall(SYS_inotify_init1, flags);
    return made(fd, TRACK_INOTIFY_INIT1, TRACK_RA);
}

TRACK_REAL(memfd_create);
BBX_API int memfd_create(const char *name, unsigned int flags)
{
    __typeof__(&memfd_create) real = TRACK_RESOLVE(memfd_create);
    int fd = real ? real(name, flags) : (int)syscall(SYS_memfd_create, name, flags);
    return made(fd, TRACK_MEMFD_CREATE, TRACK_RA);
}

TRACK_REAL(posix_openpt);
BBX_API int posix_openpt(int flags)
{
    __typeof__(&posix_openpt) real = TRACK_RESOLVE(posix_openpt);
    int fd = real ? real(flags) : (int)no_real();
    return made(fd, TRACK_POSIX_OPENPT, TRACK_RA);
}

TRACK_REAL(pidfd_open);
BBX_API int pidfd_open(pid_t pid, unsigned int flags)
{
    __typeof__(&pidfd_open) real = TRACK_RESOLVE(pidfd_open);
    int fd = real ? real(pid, flags) : (int)syscall(SYS_pidfd_open, pid, flags);
    return made(fd, TRACK_PIDFD_OPEN, TRACK_RA);
}

/* ---- fds received over a unix socket (SCM_RIGHTS) ---- */

/* Record every fd the kernel installed from msg's control messages. */
static void received(const struct msghdr *msg, int call, uintptr_t ra)
{
    if (!msg->msg_control || msg->msg_controllen < sizeof(struct cmsghdr))
        return;
    for (struct cmsghdr *c = CMSG_FIRSTHDR((struct msghdr *)msg); c;
         c = CMSG_NXTHDR((struct msghdr *)msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
            c->cmsg_len < CMSG_LEN(0))
            continue;
        size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        const unsigned char *data = CMSG_DATA(c);
        for (size_t i = 0; i < n; i++) {
            int fd;
            memcpy(&fd, data + i * sizeof(int), sizeof(int));
            track_fd_created(fd, call, ra);
        }
    }
}

TRACK_REAL(recvmsg);
BBX_API ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
    uint64_t regs[CALL_REGS];
    bbx_calls_save(regs);
    struct call_slot *c = calls_enter(regs, "recvmsg");
    __typeof__(&recvmsg) real = TRACK_RESOLVE(recvmsg);
    ssize_t n = real ? real(fd, msg, flags) : (ssize_t)syscall(SYS_recvmsg, fd, msg, flags);
    calls_leave(c);
    if (n >= 0 && msg && track_fds_on())
        received(msg, TRACK_RECVMSG, TRACK_RA);
    return n;
}

TRACK_REAL(recvmmsg);
BBX_API int recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags,
                     struct timespec *timeout)
{
    uint64_t regs[CALL_REGS];
    bbx_calls_save(regs);
    struct call_slot *c = calls_enter(regs, "recvmmsg");
    __typeof__(&recvmmsg) real = TRACK_RESOLVE(recvmmsg);
    int n = real ? real(fd, vec, vlen, flags, timeout)
                 : (int)syscall(SYS_recvmmsg, fd, vec, vlen, flags, timeout);
    calls_leave(c);
    if (n > 0 && vec && track_fds_on())
        for (int i = 0; i < n; i++)
            received(&vec[i].msg_hdr, TRACK_RECVMMSG, TRACK_RA);
    return n;
}

/* ---- close ---- */

TRACK_REAL(close);
BBX_API int close(int fd)
{
    if (bbx_busy)
        ss_fd_own_remove(fd);
    if (track_fds_on())
        track_fd_closed(fd); /* before: the number may be reused at once */
    __typeof__(&close) real = TRACK_RESOLVE(close);
    return real ? real(fd) : (int)syscall(SYS_close, fd);
}

TRACK_REAL(close_range);
BBX_API int close_range(unsigned int first, unsigned int last, int flags)
{
    if (track_fds_on() && !(flags & CLOSE_RANGE_CLOEXEC))
        track_fd_range_closed(first, last);
    __typeof__(&close_range) real = TRACK_RESOLVE(close_range);
    return real ? real(first, last, flags) : (int)syscall(SYS_close_range, first, last, flags);
}

TRACK_REAL(closefrom);
BBX_API void closefrom(int lowfd)
{
    if (track_fds_on() && lowfd >= 0)
        track_fd_range_closed((unsigned)lowfd, ~0u);
    __typeof__(&closefrom) real = TRACK_RESOLVE(closefrom);
    if (real)
        real(lowfd);
    else
        syscall(SYS_close_range, (unsigned)lowfd, ~0u, 0);
}
