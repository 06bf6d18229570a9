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
#include <sys/types.h>

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

/* Open with retries: on EMFILE/ENFILE it releases one reserved fd and tries
 * again.  flags always get O_CLOEXEC. */
int ss_openat(int dirfd, const char *path, int flags, mode_t mode);

/* Read up to cap-1 bytes of a (small, /proc) file into buf, NUL-terminate;
 * returns bytes read or -1. */
ssize_t ss_read_file(int dirfd, const char *path, char *buf, size_t cap);

/* Reserved fds (dups of /dev/null) so the crash path can open files when
 * the fd table is full.  ss_fd_reserve() runs at init. */
void ss_fd_reserve(void);
void ss_fd_unreserve(void);
int ss_fd_is_reserved(int fd);

/* Call fn(ctx, dirfd, number, name) for each entry of directory `path`
 * whose name is a decimal number (/proc/self/fd, /proc/self/task), reading
 * with getdents64 into buf[cap].  Returns 0, or -1 if it cannot be opened. */
int ss_for_each_numbered(const char *path, char *buf, size_t cap,
                         void (*fn)(void *ctx, int dirfd, uint64_t number, const char *name),
                         void *ctx);

/* Parse an unsigned decimal (or hex when base 16) number at *s, advancing. */
uint64_t ss_parse_u64(const char **s, int base);

/* Civil UTC date and time of a Unix time in ms, as "YYYYMMDD-HHMMSS.mmm". */
void ss_put_utc(ss_buf *b, uint64_t unix_ms);

#endif
