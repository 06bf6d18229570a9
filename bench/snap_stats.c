/*
 * snap_stats.c - read back and summarise a snapshot (see snap_stats.h).
 */
#include "snap_stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zstd.h>

#include "snap_codec.h"
#include "snap_format.h"

static uint8_t *raw;
static size_t raw_len, raw_cap;
static ZSTD_CCtx *replay_cctx;
static uint8_t *replay_out;
static size_t replay_out_cap;

static int slurp(const char *path, uint8_t **buf, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return -1;
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *b = malloc(cap);
    for (;;) {
        if (n == cap)
            b = realloc(b, cap *= 2);
        size_t k = fread(b + n, 1, cap - n, f);
        if (k == 0)
            break;
        n += k;
    }
    fclose(f);
    *buf = b;
    *len = n;
    return 0;
}

static int decompress(const uint8_t *src, size_t n)
{
    ZSTD_DStream *ds = ZSTD_createDStream();
    ZSTD_inBuffer in = { src, n, 0 };
    raw_len = 0;
    while (in.pos < in.size) {
        if (raw_cap - raw_len < (1 << 16)) {
            raw_cap = raw_cap ? raw_cap * 2 : 1 << 20;
            raw = realloc(raw, raw_cap);
        }
        ZSTD_outBuffer out = { raw, raw_cap, raw_len };
        size_t r = ZSTD_decompressStream(ds, &out, &in);
        raw_len = out.pos;
        if (ZSTD_isError(r)) {
            fprintf(stderr, "snap_stats: zstd: %s\n", ZSTD_getErrorName(r));
            ZSTD_freeDStream(ds);
            return -1;
        }
    }
    ZSTD_freeDStream(ds);
    return 0;
}

static void scan_record(struct snap_stats *st, uint64_t type, const uint8_t *p,
                        const uint8_t *end)
{
    uint64_t status = SNAP_THREAD_UNWOUND;
    unsigned frames = 0;
    snap_field f;
    while (snap_field_next(&p, end, &f) == SNAP_FIELD_OK) {
        uint64_t v = f.wire == SNAP_WIRE_BYTES ? f.len : f.value;
        const uint8_t *data = f.data;
        unsigned field = f.number;
        if (type == SNAP_REC_THREAD && field == SNAP_THR_STATUS)
            status = v;
        else if (type == SNAP_REC_THREAD && field == SNAP_THR_FRAMES && data)
            frames = (unsigned)snap_varint_count(data, data + f.len);
        else if (type == SNAP_REC_FD && field == SNAP_FD_KINDF && v < 16)
            st->fd_kinds[v]++;
        else if (type == SNAP_REC_CAPTURE) {
            switch (field) {
            case SNAP_CAP_DURATION_US: st->cap_duration_us = v; break;
            case SNAP_CAP_THREADS: st->cap_threads = (unsigned)v; break;
            case SNAP_CAP_UNWOUND: st->cap_unwound = (unsigned)v; break;
            case SNAP_CAP_FDS: st->cap_fds = (unsigned)v; break;
            case SNAP_CAP_MODULES: st->cap_modules = (unsigned)v; break;
            case SNAP_CAP_THREADS_US: st->cap_threads_us = v; break;
            case SNAP_CAP_FDS_US: st->cap_fds_us = v; break;
            default: break;
            }
        }
    }
    if (type == SNAP_REC_THREAD) {
        st->threads++;
        if (status < 4)
            st->thread_status[status]++;
        if (status == SNAP_THREAD_UNWOUND) {
            st->unwound++;
            st->frames += frames;
        }
    }
}

int snap_stats_read(const char *path, struct snap_stats *st)
{
    uint8_t *file;
    size_t n;
    memset(st, 0, sizeof(*st));
    if (slurp(path, &file, &n) != 0)
        return -1;
    st->file_bytes = n;
    if (n < SNAP_HEADER_LEN || memcmp(file, SNAP_MAGIC, SNAP_MAGIC_LEN) != 0) {
        fprintf(stderr, "snap_stats: %s: not a snapshot\n", path);
        free(file);
        return -1;
    }
    int rc = decompress(file + SNAP_HEADER_LEN, n - SNAP_HEADER_LEN);
    free(file);
    if (rc != 0)
        return -1;
    st->raw_bytes = raw_len;
    for (const uint8_t *p = raw, *end = raw + raw_len; p < end;) {
        const uint8_t *start = p;
        uint64_t type, len;
        if (snap_record_next(&p, end, &type, &len) != SNAP_VARINT_OK ||
            len > (uint64_t)(end - p))
            break;
        scan_record(st, type, p, p + len);
        p += len;
        uint64_t bytes = (uint64_t)(p - start);
        if (type == SNAP_REC_THREAD)
            st->thread_bytes += bytes;
        else if (type == SNAP_REC_FD)
            st->fd_bytes += bytes;
        else
            st->other_bytes += bytes;
        if (type == SNAP_REC_END)
            st->complete = 1;
        else
            st->fds += type == SNAP_REC_FD;
    }
    return 0;
}

static int feed(const uint8_t *src, size_t n, ZSTD_EndDirective mode, size_t *out_pos)
{
    ZSTD_inBuffer in = { src, n, 0 };
    for (;;) {
        ZSTD_outBuffer out = { replay_out, replay_out_cap, *out_pos };
        size_t left = ZSTD_compressStream2(replay_cctx, &out, &in, mode);
        *out_pos = out.pos;
        if (ZSTD_isError(left))
            return -1;
        if (*out_pos == replay_out_cap)
            *out_pos = 0; /* "written": reuse the staging buffer */
        if (mode == ZSTD_e_continue ? in.pos == in.size : left == 0)
            return 0;
    }
}

double snap_stats_replay_compress(int level)
{
    struct timespec a, b;
    size_t out_pos = 0;
    uint64_t prev_type = 0;
    if (!replay_cctx) {
        replay_cctx = ZSTD_createCCtx();
        replay_out_cap = 128u << 10;
        replay_out = malloc(replay_out_cap);
    }
    clock_gettime(CLOCK_MONOTONIC, &a);
    ZSTD_CCtx_reset(replay_cctx, ZSTD_reset_session_and_parameters);
    ZSTD_CCtx_setParameter(replay_cctx, ZSTD_c_compressionLevel, level);
    ZSTD_CCtx_setParameter(replay_cctx, ZSTD_c_checksumFlag, 1);
    for (const uint8_t *p = raw, *end = raw + raw_len; p < end;) {
        const uint8_t *start = p;
        uint64_t type, len;
        if (snap_record_next(&p, end, &type, &len) != SNAP_VARINT_OK ||
            len > (uint64_t)(end - p))
            return -1;
        /* the collector flushes when a section ends */
        if (prev_type && type != prev_type &&
            (prev_type == SNAP_REC_TRIGGER || prev_type == SNAP_REC_THREAD ||
             prev_type == SNAP_REC_FD))
            if (feed(NULL, 0, ZSTD_e_flush, &out_pos) != 0)
                return -1;
        if (feed(start, (size_t)(p - start), ZSTD_e_continue, &out_pos) != 0 ||
            feed(p, (size_t)len, ZSTD_e_continue, &out_pos) != 0)
            return -1;
        p += len;
        prev_type = type;
    }
    if (feed(NULL, 0, ZSTD_e_end, &out_pos) != 0)
        return -1;
    clock_gettime(CLOCK_MONOTONIC, &b);
    return (double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3;
}
