/*
 * snap_reader.c - the container layer of the reader: file header, the zstd
 * stream, finding whole records in the decompressed bytes, and deciding
 * whether the snapshot is complete.  Record payloads go to snap_model.c.
 *
 * Input flows one way: compressed bytes -> ZSTD_decompressStream -> a
 * pending buffer -> whole records.  The pending buffer holds at most one
 * record (<= SNAP_MAX_RECORD) plus one decompression chunk, and it grows
 * only as bytes actually arrive, so a huge declared length costs nothing.
 *
 * zstd reports an error without the output of the call that failed, so the
 * compressed bytes go in one decoding step at a time (frame header, block
 * header, block, checksum: ZSTD_nextSrcSizeToDecompress()): a bad checksum
 * or a corrupt block then costs only that block, and every record that came
 * out of the blocks before it is kept.
 */
#include "snap_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_nextSrcSizeToDecompress */
#include <zstd.h>
#include <zstd_errors.h>

#include "input_file.h"
#include "snap_format.h"
#include "snap_model.h"
#include "snap_codec.h"

#define FILE_CHUNK (64u << 10)

typedef struct reader {
    snap_builder b;
    ZSTD_DCtx *z;
    uint8_t *out;         /* decompression chunk */
    size_t out_cap;
    uint8_t *buf;         /* decompressed bytes not yet used: [off, len) */
    size_t off, len, cap;
    uint64_t total;       /* decompressed bytes so far */
    size_t zret;          /* last ZSTD_decompressStream result; 0 = frame closed */
    int ended;            /* END record read */
    int end_has_count;
    uint64_t end_count;   /* records before END, as END says */
    uint64_t before_end;  /* records before END, as read */
    int failed;           /* stop reading: why[] says why */
    snap_record_fn on_record; /* snap_read_file_records() */
    void *on_record_ctx;
    char why[160];
} reader;

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    if (!err || !errlen)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Stop reading, with the reason the snapshot is incomplete. */
static void fail(reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(reader *r, const char *fmt, ...)
{
    va_list ap;
    if (r->failed)
        return;
    r->failed = 1;
    va_start(ap, fmt);
    vsnprintf(r->why, sizeof(r->why), fmt, ap);
    va_end(ap);
}

static unsigned long long nrec(const reader *r)
{
    return (unsigned long long)r->b.s->records;
}

/*
 * Check the file header h[n] (n may be short).  Returns the header length
 * (>= SNAP_HEADER_LEN) or 0 with err set.
 */
static size_t parse_header(const uint8_t *h, size_t n, snap *s, char *err, size_t errlen)
{
    size_t hlen;
    if (n == 0) {
        set_err(err, errlen, "empty file");
        return 0;
    }
    if (memcmp(h, SNAP_MAGIC, n < SNAP_MAGIC_LEN ? n : SNAP_MAGIC_LEN) != 0) {
        set_err(err, errlen, "not a bbx snapshot (bad magic)");
        return 0;
    }
    if (n < SNAP_HEADER_LEN) {
        set_err(err, errlen, "truncated header (%zu of %d bytes)", n, SNAP_HEADER_LEN);
        return 0;
    }
    s->version_major = h[8] | (unsigned)h[9] << 8;
    s->version_minor = h[10] | (unsigned)h[11] << 8;
    if (s->version_major != SNAP_VERSION_MAJOR) {
        set_err(err, errlen, "unsupported format version %u.%u (this bbx reads %d.x)",
                s->version_major, s->version_minor, SNAP_VERSION_MAJOR);
        return 0;
    }
    hlen = h[12];
    if (hlen < SNAP_HEADER_LEN) {
        set_err(err, errlen, "bad header length %zu", hlen);
        return 0;
    }
    return hlen;
}

/* One decompression context per thread, kept between files: creating one
 * per snapshot was 4% of folding a 1,000-snapshot series.  Reset before
 * each use; freed when its thread ends (thread-specific data destructor). */
static pthread_key_t dctx_key;
static pthread_once_t dctx_once = PTHREAD_ONCE_INIT;
static int dctx_key_ok;

static void dctx_free(void *z)
{
    ZSTD_freeDCtx(z);
}

static void dctx_make_key(void)
{
    dctx_key_ok = pthread_key_create(&dctx_key, dctx_free) == 0;
}

static ZSTD_DCtx *dctx_take(void)
{
    ZSTD_DCtx *z = NULL;
    pthread_once(&dctx_once, dctx_make_key);
    if (dctx_key_ok && (z = pthread_getspecific(dctx_key))) {
        pthread_setspecific(dctx_key, NULL);
        /* the streaming state and the block-level state the reader asks
         * ZSTD_nextSrcSizeToDecompress() about: both as in a new context */
        if (ZSTD_isError(ZSTD_DCtx_reset(z, ZSTD_reset_session_and_parameters)) ||
            ZSTD_isError(ZSTD_decompressBegin(z))) {
            ZSTD_freeDCtx(z);
            z = NULL;
        }
    }
    return z ? z : ZSTD_createDCtx();
}

static void dctx_give_back(ZSTD_DCtx *z)
{
    if (!z)
        return;
    if (!dctx_key_ok || pthread_getspecific(dctx_key) || pthread_setspecific(dctx_key, z) != 0)
        ZSTD_freeDCtx(z);
}

static int reader_init(reader *r, snap *s)
{
    memset(r, 0, sizeof(*r));
    snap_builder_init(&r->b, s);
    r->zret = 1;
    r->z = dctx_take();
    r->out_cap = ZSTD_DStreamOutSize();
    r->out = malloc(r->out_cap);
    if (!r->z || !r->out)
        return -1;
    if (ZSTD_isError(ZSTD_DCtx_setParameter(r->z, ZSTD_d_windowLogMax,
                                            SNAP_READ_WINDOW_LOG_MAX)))
        return -1;
    return 0;
}

static void reader_release(reader *r)
{
    dctx_give_back(r->z);
    free(r->out);
    free(r->buf);
}

/* The END record: remember its count; nothing may follow it. */
static void end_record(reader *r, const uint8_t *p, size_t n)
{
    const uint8_t *end = p + n;
    snap_field f;
    r->ended = 1;
    r->before_end = r->b.s->records;
    while (snap_field_next(&p, end, &f) == SNAP_FIELD_OK) {
        if (f.number == SNAP_END_RECORDS && f.wire == SNAP_WIRE_VARINT) {
            r->end_has_count = 1;
            r->end_count = f.value;
        }
    }
}

/* Use every whole record in the pending buffer. */
static void take_records(reader *r)
{
    while (!r->failed && !r->ended) {
        const uint8_t *start = r->buf + r->off, *end = r->buf + r->len, *p = start;
        uint64_t type, len;
        int rc = snap_record_next(&p, end, &type, &len);
        if (rc == SNAP_VARINT_SHORT)
            return; /* wait for more bytes */
        if (rc != SNAP_VARINT_OK) {
            fail(r, "corrupt record header after %llu records", nrec(r));
            return;
        }
        if (len > SNAP_MAX_RECORD) {
            fail(r, "corrupt record header after %llu records (length %llu over the "
                 "%u MiB limit)", nrec(r), (unsigned long long)len, SNAP_MAX_RECORD >> 20);
            return;
        }
        if (len > (uint64_t)(end - p))
            return;
        if (r->on_record && type != SNAP_REC_END)
            r->on_record(r->on_record_ctx, type, p, (size_t)len);
        if (type == SNAP_REC_END) {
            end_record(r, p, (size_t)len);
        } else if (snap_builder_add(&r->b, type, p, (size_t)len) < 0) {
            fail(r, "out of memory after %llu records", nrec(r));
            return;
        }
        r->b.s->records++;
        r->off = (size_t)(p + len - r->buf);
    }
}

/* Decompressed bytes p[n] arrive. */
static void take_output(reader *r, const uint8_t *p, size_t n)
{
    if (n == 0 || r->failed)
        return;
    if (r->ended) {
        fail(r, "data after the END record");
        return;
    }
    if (n > SNAP_READ_MAX_DECOMPRESSED - r->total) {
        fail(r, "over the %u MiB decompressed-size limit after %llu records",
             SNAP_READ_MAX_DECOMPRESSED >> 20, nrec(r));
        return;
    }
    r->total += n;
    if (r->off == r->len) {
        r->off = r->len = 0;
    } else if (r->off > 0) {
        memmove(r->buf, r->buf + r->off, r->len - r->off);
        r->len -= r->off;
        r->off = 0;
    }
    if (n > r->cap - r->len) {
        size_t ncap = r->cap ? r->cap : 4096;
        while (ncap - r->len < n)
            ncap *= 2;
        uint8_t *nb = realloc(r->buf, ncap);
        if (!nb) {
            fail(r, "out of memory after %llu records", nrec(r));
            return;
        }
        r->buf = nb;
        r->cap = ncap;
    }
    memcpy(r->buf + r->len, p, n);
    r->len += n;
    take_records(r);
    if (r->ended && r->off < r->len)
        fail(r, "data after the END record");
}

static void zstd_failed(reader *r, size_t code)
{
    switch (ZSTD_getErrorCode(code)) {
    case ZSTD_error_checksum_wrong:
        fail(r, "checksum mismatch after %llu records", nrec(r));
        break;
    case ZSTD_error_frameParameter_windowTooLarge:
        fail(r, "compressed data needs a window over %u MiB after %llu records",
             (1u << SNAP_READ_WINDOW_LOG_MAX) >> 20, nrec(r));
        break;
    default:
        fail(r, "corrupt compressed data after %llu records (%s)", nrec(r),
             ZSTD_getErrorName(code));
        break;
    }
}

/* Compressed bytes in[n] arrive. */
static void reader_feed(reader *r, const uint8_t *data, size_t n)
{
    size_t pos = 0;
    int out_full = 0;
    while (!r->failed) {
        if (pos == n && (!out_full || r->zret == 0))
            break;
        if (r->ended && r->zret == 0) {
            fail(r, "trailing garbage after the end of the snapshot");
            break;
        }
        /* One decoding step; 0 between frames: a frame header's first bytes. */
        size_t step = ZSTD_nextSrcSizeToDecompress(r->z);
        if (step == 0)
            step = ZSTD_FRAMEHEADERSIZE_PREFIX(ZSTD_f_zstd1);
        ZSTD_inBuffer in = { data + pos, step < n - pos ? step : n - pos, 0 };
        ZSTD_outBuffer out = { r->out, r->out_cap, 0 };
        size_t ret = ZSTD_decompressStream(r->z, &out, &in);
        pos += in.pos;
        take_output(r, r->out, out.pos);
        if (ZSTD_isError(ret)) {
            zstd_failed(r, ret);
            break;
        }
        r->zret = ret;
        out_full = out.pos == out.size;
    }
}

/* All input seen: settle complete / incomplete_why. */
static int reader_finish(reader *r)
{
    snap *s = r->b.s;
    char why[sizeof(r->why)];
    snap_builder_finish(&r->b);
    why[0] = 0;
    if (r->failed)
        snprintf(why, sizeof(why), "%s", r->why);
    else if (!r->ended)
        snprintf(why, sizeof(why), "truncated after %llu records%s", nrec(r),
                 r->zret == 0 && r->off == r->len && r->total > 0 ? " (no END record)" : "");
    else if (r->zret != 0)
        snprintf(why, sizeof(why), "truncated after the END record (compressed frame "
                 "not closed)");
    else if (r->end_has_count && r->end_count != r->before_end)
        snprintf(why, sizeof(why), "END record counts %llu records but %llu were read",
                 (unsigned long long)r->end_count, (unsigned long long)r->before_end);
    s->complete = why[0] == 0;
    if (!s->complete && !(s->incomplete_why = strdup(why)))
        return -1;
    return 0;
}

/* Allocate the snapshot and a reader over it. */
static snap *start(reader *r, char *err, size_t errlen)
{
    snap *s = calloc(1, sizeof(*s));
    if (!s || reader_init(r, s) < 0) {
        if (s)
            reader_release(r);
        free(s);
        set_err(err, errlen, "out of memory");
        return NULL;
    }
    return s;
}

/* Finish reading and hand the snapshot over (or NULL on no memory). */
static snap *done(reader *r, snap *s, char *err, size_t errlen)
{
    int rc = reader_finish(r);
    reader_release(r);
    if (rc < 0) {
        snap_free(s);
        set_err(err, errlen, "out of memory");
        return NULL;
    }
    return s;
}

snap *snap_read_buffer(const void *data, size_t size, char *err, size_t errlen)
{
    return snap_read_buffer_flags(data, size, 0, err, errlen);
}

snap *snap_read_buffer_flags(const void *data, size_t size, unsigned flags, char *err,
                             size_t errlen)
{
    const uint8_t *p = data;
    snap hdr = { 0 };
    reader r;
    size_t hlen = parse_header(p, size, &hdr, err, errlen);
    if (!hlen)
        return NULL;
    if (size < hlen) {
        set_err(err, errlen, "truncated header (%zu of %zu bytes)", size, hlen);
        return NULL;
    }
    snap *s = start(&r, err, errlen);
    if (!s)
        return NULL;
    r.b.flags = flags;
    s->version_major = hdr.version_major;
    s->version_minor = hdr.version_minor;
    reader_feed(&r, p + hlen, size - hlen);
    return done(&r, s, err, errlen);
}

/* read(2) until n bytes or end of file.  Returns bytes read or -1 (errno). */
static ssize_t read_full(int fd, uint8_t *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = read(fd, p + got, n - got);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (k == 0)
            break;
        got += (size_t)k;
    }
    return (ssize_t)got;
}

snap *snap_read_file(const char *path, char *err, size_t errlen)
{
    return snap_read_file_flags(path, 0, err, errlen);
}

static snap *read_file(const char *path, unsigned flags, snap_record_fn fn, void *ctx,
                       char *err, size_t errlen);

snap *snap_read_file_flags(const char *path, unsigned flags, char *err, size_t errlen)
{
    return read_file(path, flags, NULL, NULL, err, errlen);
}

snap *snap_read_file_records(const char *path, snap_record_fn fn, void *ctx, char *err,
                             size_t errlen)
{
    return read_file(path, 0, fn, ctx, err, errlen);
}

static snap *read_file(const char *path, unsigned flags, snap_record_fn fn, void *ctx,
                       char *err, size_t errlen)
{
    uint8_t hdrbuf[256];
    uint8_t *chunk = NULL;
    snap hdr = { 0 };
    reader r;
    snap *s = NULL;
    ssize_t k;
    size_t hlen;
    int fd = input_open(path, err, errlen); /* regular files only, never blocks */
    if (fd < 0)
        return NULL;
    k = read_full(fd, hdrbuf, SNAP_HEADER_LEN);
    if (k < 0) {
        set_err(err, errlen, "cannot read: %s", strerror(errno));
        goto out;
    }
    hlen = parse_header(hdrbuf, (size_t)k, &hdr, err, errlen);
    if (!hlen)
        goto out;
    if (hlen > SNAP_HEADER_LEN) {
        k = read_full(fd, hdrbuf + SNAP_HEADER_LEN, hlen - SNAP_HEADER_LEN);
        if (k < 0) {
            set_err(err, errlen, "cannot read: %s", strerror(errno));
            goto out;
        }
        if ((size_t)k < hlen - SNAP_HEADER_LEN) {
            set_err(err, errlen, "truncated header (%zu of %zu bytes)",
                    (size_t)k + SNAP_HEADER_LEN, hlen);
            goto out;
        }
    }
    chunk = malloc(FILE_CHUNK);
    if (!chunk) {
        set_err(err, errlen, "out of memory");
        goto out;
    }
    if (!(s = start(&r, err, errlen)))
        goto out;
    r.b.flags = flags;
    r.on_record = fn;
    r.on_record_ctx = ctx;
    s->version_major = hdr.version_major;
    s->version_minor = hdr.version_minor;
    while (!r.failed) {
        k = read_full(fd, chunk, FILE_CHUNK);
        if (k < 0) {
            fail(&r, "read error after %llu records: %s", nrec(&r), strerror(errno));
            break;
        }
        if (k == 0)
            break;
        reader_feed(&r, chunk, (size_t)k);
    }
    s = done(&r, s, err, errlen);
out:
    free(chunk);
    close(fd);
    return s;
}
