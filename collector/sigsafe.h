/*
 * sigsafe.h - small async-signal-safe helpers for the crash path.
 *
 * Only raw system calls and memory the caller owns: no malloc, no stdio, no
 * locks.  Every function here may run in a signal handler.
 */
#ifndef BBX_SIGSAFE_H
#define BBX_SIGSAFE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* For functions that read memory the program owns but ASan does not know
 * about (other stacks, ELF headers): their reads are range-checked instead. */
#if defined(__SANITIZE_ADDRESS__)
#define SS_NO_ASAN __attribute__((no_sanitize("address")))
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SS_NO_ASAN __attribute__((no_sanitize("address")))
#endif
#endif
#ifndef SS_NO_ASAN
#define SS_NO_ASAN
#endif

/* The kernel, called directly.  bbx interposes open/openat/close/fcntl/
 * pipe/read/write/nanosleep (tests/safety/interposed_calls.txt) for
 * tracking mode and the blocking-call slots; the crash path must not pass
 * through its own hooks (they take tables and slots the crashed thread may
 * hold), so it calls these instead, never the libc names.
 * tests/safety/check_crash_path_symbols.sh fails on any interposed name
 * imported by an object of crash/.  Like syscall(2): -1 and errno on
 * failure. */
static inline int ss_sys_openat(int dirfd, const char *path, int flags, mode_t mode)
{
    return (int)syscall(SYS_openat, dirfd, path, flags, mode);
}
static inline int ss_close(int fd)
{
    return (int)syscall(SYS_close, fd);
}
static inline ssize_t ss_read(int fd, void *buf, size_t n)
{
    return (ssize_t)syscall(SYS_read, fd, buf, n);
}
static inline ssize_t ss_write(int fd, const void *buf, size_t n)
{
    return (ssize_t)syscall(SYS_write, fd, buf, n);
}
static inline int ss_fcntl(int fd, int cmd, long arg)
{
    return (int)syscall(SYS_fcntl, fd, cmd, arg);
}
static inline int ss_pipe2(int fds[2], int flags)
{
    return (int)syscall(SYS_pipe2, fds, flags);
}
static inline int ss_nanosleep(const struct timespec *req, struct timespec *rem)
{
    return (int)syscall(SYS_nanosleep, req, rem);
}
/* The calling thread's signal mask, from the kernel (bbx interposes
 * pthread_sigmask and sigprocmask: track/signal_mask.c).  `set` and `old`
 * are the kernel's 64-bit masks (a sigset_t's first word on Linux), either
 * may be NULL.  Unlike glibc it does not keep its own two signals (32, 33)
 * out of a request: callers pass masks that came from the kernel or from
 * sigfillset/sigaction, which leave them out. */
static inline int ss_sigmask(int how, const void *set, void *old)
{
    return (int)syscall(SYS_rt_sigprocmask, how, set, old, 8);
}

/* A bounded string builder over caller memory; output is always
 * NUL-terminated and silently cut at cap - 1. */
typedef struct ss_buf {
    char *p;
    size_t cap, len;
} ss_buf;

static inline ss_buf ss_buf_of(char *p, size_t cap)
{
    ss_buf b = { p, cap, 0 };
    if (cap)
        p[0] = '\0';
    return b;
}
void ss_puts(ss_buf *b, const char *s);
void ss_putn(ss_buf *b, const char *s, size_t n);
void ss_putu(ss_buf *b, uint64_t v);
void ss_putu_w(ss_buf *b, uint64_t v, int width); /* zero-padded */

pid_t ss_gettid(void);
uint64_t ss_mono_us(void);
uint64_t ss_real_ms(void);

/* Open with retries; flags always get O_CLOEXEC.  On EMFILE/ENFILE it
 * makes room and tries again: it closes one of bbx's spare fds; between
 * ss_fd_crash_begin() and ss_fd_crash_end(), when no spare is left, it
 * raises the RLIMIT_NOFILE soft limit, or as a last resort closes one of
 * the program's fds (see sigsafe.c: make_room) and remembers it for the
 * fd scan (ss_fd_closed_by_bbx). */
int ss_openat(int dirfd, const char *path, int flags, mode_t mode);
/* ss_openat() for what the caller can do without (it has a slower way):
 * never closes a program fd to make room. */
int ss_openat_light(int dirfd, const char *path, int flags, mode_t mode);

/* Read up to cap-1 bytes of a (small, /proc) file into buf, NUL-terminate;
 * returns bytes read or -1. */
ssize_t ss_read_file(int dirfd, const char *path, char *buf, size_t cap);

/* bbx's spare fds, so the crash path can open files when the program has
 * filled its fd table: SS_N_SPARE dups of a file only bbx has (a memfd
 * "bbx-spare", or a pipe where memfds are refused), placed just under
 * min(RLIMIT_NOFILE soft limit, 1024).  An fd is bbx's when its number is
 * a spare's AND it is still that file (st_dev/st_ino): a program that
 * closed them (closefrom, close_range) and reused the numbers keeps its
 * fds.
 *  ss_fd_reserve()   at init: creates them; returns how many it holds.
 *  ss_fd_refresh()   recreates the ones the program closed (at the start of
 *                    every snapshot that is not a crash); returns how many
 *                    are held now.
 *  ss_fd_spares()    how many are held now (checked one by one).
 *  ss_fd_unreserve() closes those that are still bbx's, nothing else.
 *  ss_fd_is_reserved(fd)  fd is one of them (number and identity).
 * All async-signal-safe (raw system calls); not thread-safe among
 * themselves: callers hold the capture lock or run at init/shutdown. */
#define SS_N_SPARE 5
int ss_fd_reserve(void);
int ss_fd_refresh(void);
int ss_fd_spares(void);
void ss_fd_unreserve(void);
int ss_fd_is_reserved(int fd);

/* bbx's other fds (own_fds.c): what a library opens while bbx runs it
 * (libunwind's pipes, bbx's X connection).  An fd is bbx's when its number
 * is registered AND it is still that file (st_dev/st_ino).
 *  ss_fd_own_take(fd)   moves fd out of the program's low numbers (a dup
 *                       high, keeping FD_CLOEXEC; the low one closed) and
 *                       registers it; returns the fd to use (fd itself
 *                       when it could not be moved).  errno is kept.
 *  ss_fd_own_add(fd)    registers fd as it is; 0, or -1 when full.
 *  ss_fd_own_remove(fd) forgets it (bbx closed it).
 *  ss_fd_is_own(fd)     registered and still the same file.
 *  ss_fd_high_dup(fd, cloexec)  a dup of fd in the high room below the
 *                       spares, or -1.
 * Async-signal-safe and thread-safe (lock-free). */
int ss_fd_own_take(int fd);
int ss_fd_own_add(int fd);
void ss_fd_own_remove(int fd);
int ss_fd_is_own(int fd);
int ss_fd_high_dup(int fd, int cloexec);

/* Memory bbx maps for itself (own_mem.c): anonymous, read-write, private
 * (MAP_NORESERVE with noreserve), named "bbx" where the kernel names
 * anonymous memory, and counted: ss_mapped_bytes() is what bbx holds now.
 * ss_map returns NULL on failure; ss_unmap(NULL, ...) does nothing. */
void *ss_map(size_t len, int noreserve);
/* The same, shared with the children forked later (not named: the kernel
 * names only private anonymous memory everywhere). */
void *ss_map_shared(size_t len);
void ss_unmap(void *p, size_t len);
uint64_t ss_mapped_bytes(void);

/* Around a crash capture only (the process is dying): let ss_openat raise
 * the fd limit or close one of the program's fds when no spare is left;
 * ss_fd_crash_end() puts the limit back and forgets the closed fds. */
void ss_fd_crash_begin(void);
void ss_fd_crash_end(void);
/* *rl (RLIMIT_NOFILE as read now) becomes the program's own limit when the
 * crash path raised it. */
struct rlimit;
void ss_fd_program_nofile(struct rlimit *rl);

/* A program fd that the crash path closed to make room: what it was. */
#define SS_MAX_CLOSED 4
struct ss_closed_fd {
    int fd, flags, fdflags;
    struct stat st;
    char target[256];
};
/* The fd closed by bbx with this number during this crash capture, or NULL. */
const struct ss_closed_fd *ss_fd_closed_by_bbx(int fd);

/* Call fn(ctx, listing_fd, number, name) for each entry of directory
 * `path` whose name is a decimal number (/proc/self/fd, /proc/self/task),
 * reading with getdents64 into buf[cap] (8-byte aligned: it holds struct
 * dirent64).  The directory is closed while fn runs (the listing never
 * holds two fds at once); listing_fd is the number it had, which a listing
 * of /proc/self/fd shows.  Returns 0, or -1 if it cannot be opened. */
int ss_for_each_numbered(const char *path, char *buf, size_t cap,
                         void (*fn)(void *ctx, int listing_fd, uint64_t number,
                                    const char *name),
                         void *ctx);

/* Parse an unsigned decimal (or hex when base 16) number at *s, advancing. */
uint64_t ss_parse_u64(const char **s, int base);

/* Civil UTC date and time of a Unix time in ms, as "YYYYMMDD-HHMMSS.mmm". */
void ss_put_utc(ss_buf *b, uint64_t unix_ms);

#endif
