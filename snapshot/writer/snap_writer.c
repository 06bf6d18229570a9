/*
 * snap_writer.c - record encoding and zstd streaming for snapshot files.
 * Async-signal-safe after snap_writer_prepare(): no allocation, no locks,
 * only the write(2) system call, made directly (never through a write()
 * that libbbx interposes).
 */
#define ZSTD_STATIC_LINKING_ONLY
#include "snap_writer.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <zstd.h>

#include "bbx.h"
#include "snap_codec.h"
#include "snap_format.h"

#define REC_CAP (1u << 20)   /* largest record payload we build */
#define OUT_CAP (128u << 10) /* compressed bytes staged before write() */

size_t snap_writer_workspace_size(int level)
{
    return ZSTD_estimateCStreamSize(level) + REC_CAP + OUT_CAP + 64;
}

int snap_writer_prepare(snap_writer *w, void *ws, size_t size, int level)
{
    size_t zsize = ZSTD_estimateCStreamSize(level);
    memset(w, 0, sizeof(*w));
    w->fd = -1;
    if (!ws || size < snap_writer_workspace_size(level))
        return BBX_ENOMEM;
    uint8_t *p = ws;
    w->cctx = ZSTD_initStaticCCtx(p, zsize);
    if (!w->cctx)
        return BBX_ECOMPRESS;
    p += (zsize + 15) & ~(size_t)15;
    w->rec = p;
    w->rec_cap = REC_CAP;
    w->out = p + REC_CAP;
    w->out_cap = OUT_CAP;
    w->level = level;
    return 0;
}

/* A non-blocking fd (a pipe to a writer process) is full: wait until it
 * takes more or the deadline passes.  Returns 1 to try again. */
static int wait_writable(snap_writer *w)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    uint64_t now_us = (uint64_t)now.tv_sec * 1000000u + (uint64_t)now.tv_nsec / 1000u;
    if (!w->deadline_us || now_us >= w->deadline_us)
        return 0;
    uint64_t left = w->deadline_us - now_us;
    struct timespec ts = { (time_t)(left / 1000000u), (long)(left % 1000000u) * 1000 };
    struct pollfd pfd = { w->fd, POLLOUT, 0 };
    return syscall(SYS_ppoll, &pfd, 1UL, &ts, NULL, 0UL) > 0;
}

static void write_all(snap_writer *w, const uint8_t *p, size_t n)
{
    /* Never past RLIMIT_FSIZE: the kernel would send SIGXFSZ, which kills
     * the program.  The file ends at the limit, visibly cut. */
    int cut = n > w->size_limit - w->bytes_out;
    if (cut)
        n = (size_t)(w->size_limit - w->bytes_out);
    while (n > 0 && !w->error) {
        ssize_t k = syscall(SYS_write, w->fd, p, n); /* not through bbx's write() */
        if (k < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN && wait_writable(w))
                continue;
            w->error = BBX_EIO;
            return;
        }
        if (k == 0) {
            w->error = BBX_EIO;
            return;
        }
        p += k;
        n -= (size_t)k;
        w->bytes_out += (uint64_t)k;
    }
    if (cut && !w->error)
        w->error = BBX_EIO;
}

static void drain_out(snap_writer *w)
{
    write_all(w, w->out, w->out_len);
    w->out_len = 0;
}

/* Feed `n` bytes to zstd with directive `mode`, writing output as it fills. */
static void compress(snap_writer *w, const void *src, size_t n, ZSTD_EndDirective mode)
{
    ZSTD_inBuffer in = { src, n, 0 };
    for (;;) {
        if (w->error)
            return;
        ZSTD_outBuffer out = { w->out, w->out_cap, w->out_len };
        size_t left = ZSTD_compressStream2(w->cctx, &out, &in, mode);
        w->out_len = out.pos;
        if (ZSTD_isError(left)) {
            w->error = BBX_ECOMPRESS;
            return;
        }
        if (w->out_len == w->out_cap)
            drain_out(w);
        if (mode == ZSTD_e_continue ? in.pos == in.size : left == 0)
            break;
    }
    if (mode != ZSTD_e_continue)
        drain_out(w);
}

/* RLIMIT_FSIZE's soft limit, with the raw system call (signal-safe). */
static uint64_t file_size_limit(void)
{
    struct rlimit64 rl;
    if (syscall(SYS_prlimit64, 0, RLIMIT_FSIZE, NULL, &rl) != 0 || rl.rlim_cur == RLIM64_INFINITY)
        return UINT64_MAX;
    return rl.rlim_cur;
}

int snap_writer_begin(snap_writer *w, int fd)
{
    uint8_t hdr[SNAP_HEADER_LEN] = { 0 };
    w->fd = fd;
    w->error = 0;
    w->out_len = 0;
    w->rec_len = 0;
    w->records = 0;
    w->bytes_out = 0;
    w->deadline_us = 0;
    w->size_limit = file_size_limit();
    if (ZSTD_isError(ZSTD_CCtx_reset(w->cctx, ZSTD_reset_session_and_parameters)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, w->level)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1))) {
        w->error = BBX_ECOMPRESS;
        return w->error;
    }
    memcpy(hdr, SNAP_MAGIC, SNAP_MAGIC_LEN);
    hdr[8] = SNAP_VERSION_MAJOR & 0xff;
    hdr[9] = SNAP_VERSION_MAJOR >> 8;
    hdr[10] = SNAP_VERSION_MINOR & 0xff;
    hdr[11] = SNAP_VERSION_MINOR >> 8;
    hdr[12] = SNAP_HEADER_LEN;
    write_all(w, hdr, sizeof(hdr));
    return w->error;
}

void snap_rec_begin(snap_writer *w, unsigned type)
{
    w->rec_type = type;
    w->rec_len = 0;
    w->rec_overflow = 0;
}

static void put_raw(snap_writer *w, const void *p, size_t n)
{
    if (w->rec_overflow || n > w->rec_cap - w->rec_len) {
        w->rec_overflow = 1;
        return;
    }
    memcpy(w->rec + w->rec_len, p, n);
    w->rec_len += n;
}

static void put_varint(snap_writer *w, uint64_t v)
{
    uint8_t b[10];
    put_raw(w, b, snap_varint_put(b, v));
}

void snap_put_u64(snap_writer *w, unsigned field, uint64_t v)
{
    put_varint(w, (uint64_t)field << 3 | SNAP_WIRE_VARINT);
    put_varint(w, v);
}

void snap_put_i64(snap_writer *w, unsigned field, int64_t v)
{
    snap_put_u64(w, field, snap_zigzag(v));
}

void snap_put_bytes(snap_writer *w, unsigned field, const void *p, size_t n)
{
    put_varint(w, (uint64_t)field << 3 | SNAP_WIRE_BYTES);
    put_varint(w, n);
    put_raw(w, p, n);
}

void snap_put_str(snap_writer *w, unsigned field, const char *s)
{
    if (s && *s)
        snap_put_bytes(w, field, s, strlen(s));
}

void snap_rec_end(snap_writer *w)
{
    uint8_t head[20];
    size_t n;
    if (w->error || w->rec_overflow)
        return;
    n = snap_varint_put(head, w->rec_type);
    n += snap_varint_put(head + n, w->rec_len);
    compress(w, head, n, ZSTD_e_continue);
    compress(w, w->rec, w->rec_len, ZSTD_e_continue);
    w->records++;
}

void snap_writer_flush(snap_writer *w)
{
    compress(w, NULL, 0, ZSTD_e_flush);
}

int snap_writer_finish(snap_writer *w)
{
    uint64_t count = w->records;
    snap_rec_begin(w, SNAP_REC_END);
    snap_put_u64(w, SNAP_END_RECORDS, count);
    snap_rec_end(w);
    compress(w, NULL, 0, ZSTD_e_end);
    return w->error;
}
