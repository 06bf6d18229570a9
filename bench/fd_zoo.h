/*
 * fd_zoo.h - open a given number of file descriptors of mixed kinds, the
 * way a real program holds them: regular files (with offsets), a directory,
 * /dev/null, pipes, unix stream and datagram socket pairs, listening unix
 * sockets with abstract names, TCP listeners and established TCP pairs over
 * loopback (IPv4 and, when available, IPv6), bound and connected UDP
 * sockets, eventfd, armed timerfd, epoll with a member, memfd, signalfd and
 * inotify (at most 16 instances: the per-user limit is low; eventfds take
 * the place of the rest).
 *
 * Benchmark code: it prints its own errors to stderr and does not try to be
 * async-signal-safe.
 */
#ifndef BBX_BENCH_FD_ZOO_H
#define BBX_BENCH_FD_ZOO_H

/* Per-kind counters, for the summary line. */
struct fd_zoo_counts {
    unsigned file, dir, devnull, pipe, unix_sock, tcp, udp, eventfd, timerfd, epoll, memfd,
        signalfd, inotify;
};

/*
 * Open exactly `n` new descriptors, cycling through the kinds above.
 * The regular files live in `scratch_dir` (an existing, writable
 * directory).  Raises RLIMIT_NOFILE first when it is too low
 * (the hard limit too, which needs root).  Returns 0, or -1 after printing
 * why to stderr.  `counts` (may be NULL) receives how many of each kind.
 */
int fd_zoo_open(unsigned n, const char *scratch_dir, struct fd_zoo_counts *counts);

#endif
