/*
 * mem_procfile.c - reading the kernel's text files for the memory figures
 * (mem_read.h): a file by lines through a fixed buffer, a small file whole,
 * a "key value" lookup.  Raw system calls, the caller's buffers:
 * async-signal-safe.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "mem_read.h"
#include "sigsafe.h"

static int open_ro(const char *path)
{
    int fd;
    while ((fd = ss_sys_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0)) < 0 && errno == EINTR)
        ;
    return fd;
}

static ssize_t read_some(int fd, char *buf, size_t n)
{
    ssize_t k;
    while ((k = ss_read(fd, buf, n)) < 0 && errno == EINTR)
        ;
    return k;
}

ssize_t mem_file_read(const char *path, char *buf, size_t cap)
{
    int saved_errno = errno;
    int fd = open_ro(path);
    size_t len = 0;
    if (fd < 0 || cap == 0) {
        if (fd >= 0)
            ss_close(fd);
        errno = saved_errno;
        return -1;
    }
    for (ssize_t k; len < cap - 1 && (k = read_some(fd, buf + len, cap - 1 - len)) > 0;)
        len += (size_t)k;
    buf[len] = '\0';
    ss_close(fd);
    errno = saved_errno;
    return (ssize_t)len;
}

/* Hand every complete line of buf[0..*len) to fn and keep the unfinished
 * rest at the start; a full buffer without a newline is handed over whole
 * (cut) and the rest of that line skipped. */
static void drain(char *buf, size_t cap, size_t *len, int *skipping, int at_end,
                  void (*fn)(void *, const char *, size_t), void *ctx)
{
    size_t start = 0;
    for (;;) {
        char *nl = memchr(buf + start, '\n', *len - start);
        if (!nl)
            break;
        size_t n = (size_t)(nl - (buf + start));
        if (!*skipping)
            fn(ctx, buf + start, n);
        *skipping = 0;
        start += n + 1;
    }
    if (start == 0 && *len == cap) { /* one line longer than the buffer */
        if (!*skipping)
            fn(ctx, buf, cap);
        *skipping = 1;
        *len = 0;
        return;
    }
    if (at_end && start < *len && !*skipping)
        fn(ctx, buf + start, *len - start);
    memmove(buf, buf + start, *len - start);
    *len -= start;
}

int mem_for_each_line(const char *path, char *buf, size_t cap,
                      void (*fn)(void *ctx, const char *line, size_t len), void *ctx)
{
    int saved_errno = errno;
    int fd = open_ro(path);
    if (fd < 0) {
        errno = saved_errno;
        return -1;
    }
    size_t len = 0;
    int skipping = 0;
    for (;;) {
        ssize_t k = read_some(fd, buf + len, cap - len);
        if (k <= 0)
            break;
        len += (size_t)k;
        drain(buf, cap, &len, &skipping, 0, fn, ctx);
    }
    drain(buf, cap, &len, &skipping, 1, fn, ctx);
    ss_close(fd);
    errno = saved_errno;
    return 0;
}

int mem_key_u64(const char *text, const char *key, uint64_t *out)
{
    size_t kl = strlen(key);
    for (const char *p = text; p && *p;) {
        if (strncmp(p, key, kl) == 0 && (p[kl] == ':' || p[kl] == ' ')) {
            const char *s = p + kl + 1;
            while (*s == ' ' || *s == '\t' || *s == ':')
                s++;
            if (*s < '0' || *s > '9')
                return -1;
            *out = ss_parse_u64(&s, 10);
            return 0;
        }
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return -1;
}
