/*
 * snap_writer.h - encodes snapshot records and streams them through zstd.
 *
 * All memory is handed in once (snap_writer_prepare) so that writing a
 * snapshot allocates nothing: every call below except prepare is
 * async-signal-safe.  One writer serves one snapshot at a time; it is not
 * thread-safe (the capture lock serialises its users).
 *
 * Errors are sticky: after a failed write every later call is a no-op and
 * snap_writer_finish() returns the first error.
 */
#ifndef BBX_SNAP_WRITER_H
#define BBX_SNAP_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "snap_codec.h" /* snap_varint_put, snap_zigzag: for packed fields */

typedef struct ZSTD_CCtx_s ZSTD_CCtx;

typedef struct snap_writer {
    int fd;
    int error;            /* first BBX_E* error, 0 if none */
    int level;            /* zstd level */
    ZSTD_CCtx *cctx;      /* static context inside the workspace */
    uint8_t *out;         /* compressed staging buffer */
    size_t out_cap, out_len;
    uint8_t *rec;         /* payload of the record being built */
    size_t rec_cap, rec_len;
    unsigned rec_type;
    int rec_overflow;     /* the current record did not fit: dropped */
    uint64_t records;     /* records written so far */
    uint64_t bytes_out;   /* bytes written to fd, header included */
    uint64_t size_limit;  /* RLIMIT_FSIZE when the snapshot began */
    uint64_t deadline_us; /* CLOCK_MONOTONIC: a full non-blocking fd is waited
                             for until then (0: not at all); set after begin */
} snap_writer;

/* Bytes of workspace a writer at compression `level` needs. */
size_t snap_writer_workspace_size(int level);

/* Carve the compressor and buffers out of `ws` (`size` bytes from
 * snap_writer_workspace_size).  Returns 0 or BBX_ENOMEM/BBX_ECOMPRESS. */
int snap_writer_prepare(snap_writer *w, void *ws, size_t size, int level);

/* Start a snapshot on `fd`: writes the file header.  0 or negative error. */
int snap_writer_begin(snap_writer *w, int fd);

/* Build one record: begin, put fields, end.  A record whose payload does not
 * fit the record buffer is dropped whole (never written half). */
void snap_rec_begin(snap_writer *w, unsigned type);
void snap_put_u64(snap_writer *w, unsigned field, uint64_t v);
void snap_put_i64(snap_writer *w, unsigned field, int64_t v); /* zigzag */
void snap_put_bytes(snap_writer *w, unsigned field, const void *p, size_t n);
void snap_put_str(snap_writer *w, unsigned field, const char *s); /* skips NULL/"" */
void snap_rec_end(snap_writer *w);

/* Push everything so far to the file (a zstd flush): a cut after this point
 * still lets a reader recover every record before it. */
void snap_writer_flush(snap_writer *w);

/* Write the END record, close the zstd frame and write it out.  Does not
 * close fd.  Returns 0 or the first error. */
int snap_writer_finish(snap_writer *w);

#endif
