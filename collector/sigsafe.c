/*
 * sigsafe.c - async-signal-safe string, time, file and memory helpers.
 */
#include "sigsafe.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "collector.h"

void ss_putn(ss_buf *b, const char *s, size_t n)
{
    if (!b->cap)
        return;
    size_t room = b->cap - 1 - b->len;
    if (n > room)
        n = room;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void ss_puts(ss_buf *b, const char *s)
{
    if (s)
        ss_putn(b, s, strlen(s));
}

void ss_putu_w(ss_buf *b, uint64_t v, int width)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v && n < 20);
    while (n < width && n < 20)
        tmp[n++] = '0';
    while (n > 0)
        ss_putn(b, &tmp[--n], 1);
}

void ss_putu(ss_buf *b, uint64_t v)
{
    ss_putu_w(b, v, 0);
}

pid_t ss_gettid(void)
{
    return (pid_t)syscall(SYS_gettid);
}

uint64_t ss_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t ss_real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

#define N_RESERVED 3
static int reserved_fd[N_RESERVED] = { -1, -1, -1 };
static dev_t reserved_dev;
static ino_t reserved_ino;

void ss_fd_reserve(void)
{
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return;
    if (fstat(fd, &st) == 0) {
        reserved_dev = st.st_dev;
        reserved_ino = st.st_ino;
    }
    reserved_fd[0] = fd;
    for (int i = 1; i < N_RESERVED; i++)
        reserved_fd[i] = fcntl(fd, F_DUPFD_CLOEXEC, 0);
}

void ss_fd_unreserve(void)
{
    for (int i = 0; i < N_RESERVED; i++) {
        if (reserved_fd[i] >= 0)
            close(reserved_fd[i]);
        reserved_fd[i] = -1;
    }
}

int ss_fd_is_reserved(int fd)
{
    for (int i = 0; i < N_RESERVED; i++)
        if (fd >= 0 && reserved_fd[i] == fd)
            return 1;
    return 0;
}

/* Close one reserved fd, but only if it is still ours (the application may
 * have closed it and reused the number). */
static int release_one_reserved(void)
{
    for (int i = 0; i < N_RESERVED; i++) {
        struct stat st;
        int fd = reserved_fd[i];
        if (fd < 0)
            continue;
        reserved_fd[i] = -1;
        if (fstat(fd, &st) == 0 && st.st_dev == reserved_dev && st.st_ino == reserved_ino) {
            close(fd);
            return 1;
        }
    }
    return 0;
}

int ss_openat(int dirfd, const char *path, int flags, mode_t mode)
{
    for (;;) {
        int fd = openat(dirfd, path, flags | O_CLOEXEC, mode);
        if (fd >= 0)
            return fd;
        if (errno == EINTR)
            continue;
        if ((errno == EMFILE || errno == ENFILE) && release_one_reserved())
            continue;
        return -1;
    }
}

ssize_t ss_read_file(int dirfd, const char *path, char *buf, size_t cap)
{
    int fd = ss_openat(dirfd, path, O_RDONLY, 0);
    size_t len = 0;
    if (fd < 0 || cap == 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    while (len < cap - 1) {
        ssize_t k = read(fd, buf + len, cap - 1 - len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        len += (size_t)k;
    }
    buf[len] = '\0';
    close(fd);
    return (ssize_t)len;
}

int ss_for_each_numbered(const char *path, char *buf, size_t cap,
                         void (*fn)(void *ctx, int dirfd, uint64_t number, const char *name),
                         void *ctx)
{
    int dirfd = ss_openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY, 0);
    if (dirfd < 0)
        return -1;
    for (;;) {
        long k = syscall(SYS_getdents64, dirfd, buf, cap);
        if (k <= 0)
            break;
        for (long off = 0; off < k;) {
            struct dirent64 *d = (struct dirent64 *)(buf + off);
            const char *s = d->d_name;
            off += d->d_reclen;
            if (*s >= '0' && *s <= '9')
                fn(ctx, dirfd, ss_parse_u64(&s, 10), d->d_name);
        }
    }
    close(dirfd);
    return 0;
}

uint64_t ss_parse_u64(const char **s, int base)
{
    const char *p = *s;
    uint64_t v = 0;
    for (;; p++) {
        int d;
        if (*p >= '0' && *p <= '9')
            d = *p - '0';
        else if (base == 16 && *p >= 'a' && *p <= 'f')
            d = *p - 'a' + 10;
        else if (base == 16 && *p >= 'A' && *p <= 'F')
            d = *p - 'A' + 10;
        else
            break;
        v = v * (uint64_t)base + (uint64_t)d;
    }
    *s = p;
    return v;
}

/* Days since 1970-01-01 to civil date (proleptic Gregorian). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

void ss_put_utc(ss_buf *b, uint64_t unix_ms)
{
    uint64_t s = unix_ms / 1000;
    int64_t y;
    unsigned m, d;
    civil_from_days((int64_t)(s / 86400), &y, &m, &d);
    uint64_t sod = s % 86400;
    ss_putu_w(b, (uint64_t)y, 4);
    ss_putu_w(b, m, 2);
    ss_putu_w(b, d, 2);
    ss_puts(b, "-");
    ss_putu_w(b, sod / 3600, 2);
    ss_putu_w(b, sod / 60 % 60, 2);
    ss_putu_w(b, sod % 60, 2);
    ss_puts(b, ".");
    ss_putu_w(b, unix_ms % 1000, 3);
}
