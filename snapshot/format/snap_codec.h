/*
 * snap_codec.h - the one codec of the snapshot wire format (docs/FORMAT.md):
 * varints, zigzag, and the fields of one record payload.
 *
 * Used by the writer (linked into libbbx, called on the crash path), the
 * reader and the benchmarks alike; nobody else encodes or decodes them.
 * Header only, static inline: pure functions over caller memory, no
 * allocation, no system call, thread-safe and async-signal-safe.
 *
 * Decoding takes the end of the buffer and never reads past it; a varint
 * longer than 10 bytes, or one whose 10th byte carries more than the top
 * bit of a 64-bit value, is an error.
 */
#ifndef BBX_SNAP_CODEC_H
#define BBX_SNAP_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "snap_format.h"

#define SNAP_VARINT_MAX_LEN 10

/* ---- encoding ---- */

/* Write v at dst (at least SNAP_VARINT_MAX_LEN bytes free); returns the
 * number of bytes written. */
static inline size_t snap_varint_put(uint8_t *dst, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        dst[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    dst[n++] = (uint8_t)v;
    return n;
}

/* Signed to unsigned, small magnitudes to small numbers. */
static inline uint64_t snap_zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t snap_unzigzag(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* ---- decoding ---- */

/* Outcome of decoding a varint. */
enum snap_varint_result {
    SNAP_VARINT_OK = 0,
    SNAP_VARINT_SHORT = -1,    /* the buffer ends inside the varint */
    SNAP_VARINT_OVERFLOW = -2, /* over 10 bytes or over 64 bits */
};

/* snap_varint_get() for what the inline fast path leaves: 5 bytes and
 * more, and varints near the end of the buffer.  Kept out of line so the
 * fast path stays small where it is inlined. */
__attribute__((noinline, unused))
static int snap_varint_get_slow(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    const uint8_t *q = *p;
    uint64_t out = 0;
    for (unsigned i = 0; i < SNAP_VARINT_MAX_LEN; i++) {
        if (q == end)
            return SNAP_VARINT_SHORT;
        uint8_t b = *q++;
        /* The 10th byte holds bit 63 only. */
        if (i == SNAP_VARINT_MAX_LEN - 1 && b > 1)
            return SNAP_VARINT_OVERFLOW;
        out |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *v = out;
            *p = q;
            return SNAP_VARINT_OK;
        }
    }
    return SNAP_VARINT_OVERFLOW;
}

/*
 * Decode the varint at *p (not past `end`) into *v (out) and advance *p.
 * Returns SNAP_VARINT_OK, or a negative snap_varint_result with *p unchanged.
 * Inline for varints of up to four bytes, which are nearly all of a snapshot
 * (field keys, small numbers, frame deltas within a module).
 */
static inline int snap_varint_get(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    const uint8_t *q = *p;
    if (end - q >= 4) {
        uint64_t out = q[0] & 0x7f;
        if (!(q[0] & 0x80))
            goto done1;
        out |= (uint64_t)(q[1] & 0x7f) << 7;
        if (!(q[1] & 0x80))
            goto done2;
        out |= (uint64_t)(q[2] & 0x7f) << 14;
        if (!(q[2] & 0x80))
            goto done3;
        out |= (uint64_t)(q[3] & 0x7f) << 21;
        if (!(q[3] & 0x80))
            goto done4;
        return snap_varint_get_slow(p, end, v);
    done4: q++;
    done3: q++;
    done2: q++;
    done1:
        *v = out;
        *p = q + 1;
        return SNAP_VARINT_OK;
    }
    return snap_varint_get_slow(p, end, v);
}

/* Number of varints that start in [p, end): bytes without the top bit
 * (the frame count of a packed FRAMES field). */
static inline size_t snap_varint_count(const uint8_t *p, const uint8_t *end)
{
    size_t n = 0;
    /* eight bytes at a time: each byte without its top bit ends a varint */
    for (; end - p >= 8; p += 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        uint64_t tops = (w & 0x8080808080808080ull) >> 7; /* 1 per continued byte */
        n += 8 - (size_t)((tops * 0x0101010101010101ull) >> 56);
    }
    for (; p < end; p++)
        n += !(*p & 0x80);
    return n;
}

/* One field of a record payload, as snap_field_next() finds it. */
typedef struct snap_field {
    unsigned number;   /* field number (key >> 3), saturated at UINT32_MAX */
    unsigned wire;     /* SNAP_WIRE_VARINT or SNAP_WIRE_BYTES */
    uint64_t value;    /* the varint, for SNAP_WIRE_VARINT */
    const uint8_t *data; /* the bytes, for SNAP_WIRE_BYTES (inside the payload) */
    size_t len;
} snap_field;

/* Outcome of stepping to the next field. */
enum snap_field_result {
    SNAP_FIELD_OK = 1,         /* *f holds the next field */
    SNAP_FIELD_END = 0,        /* the payload ended cleanly */
    SNAP_FIELD_MALFORMED = -1, /* bad varint, unknown wire type, or a length
                                  past the end of the payload */
};

/*
 * Read the field at *p (payload ends at `end`) into *f (out) and advance *p
 * past it.  After SNAP_FIELD_MALFORMED the rest of the payload is unusable.
 */
static inline int snap_field_next(const uint8_t **p, const uint8_t *end, snap_field *f)
{
    const uint8_t *q = *p;
    uint64_t key, v;
    if (q == end)
        return SNAP_FIELD_END;
    if (snap_varint_get(&q, end, &key) != SNAP_VARINT_OK)
        return SNAP_FIELD_MALFORMED;
    f->number = key >> 3 > UINT32_MAX ? UINT32_MAX : (unsigned)(key >> 3);
    f->wire = (unsigned)(key & 7);
    f->value = 0;
    f->data = NULL;
    f->len = 0;
    if (snap_varint_get(&q, end, &v) != SNAP_VARINT_OK)
        return SNAP_FIELD_MALFORMED;
    if (f->wire == SNAP_WIRE_VARINT) {
        f->value = v;
    } else if (f->wire == SNAP_WIRE_BYTES) {
        if (v > (uint64_t)(end - q))
            return SNAP_FIELD_MALFORMED;
        f->data = q;
        f->len = (size_t)v;
        q += v;
    } else {
        return SNAP_FIELD_MALFORMED;
    }
    *p = q;
    return SNAP_FIELD_OK;
}

/* The header of the next record at *p: its type and payload length (the
 * caller checks the length against what it has); advances *p to the
 * payload.  SNAP_VARINT_OK,
 * SNAP_VARINT_SHORT when the stream ends inside the header, or
 * SNAP_VARINT_OVERFLOW (a bad varint); *p unchanged on error. */
static inline int snap_record_next(const uint8_t **p, const uint8_t *end, uint64_t *type,
                                   uint64_t *len)
{
    const uint8_t *q = *p;
    int rc = snap_varint_get(&q, end, type);
    if (rc == SNAP_VARINT_OK)
        rc = snap_varint_get(&q, end, len);
    if (rc != SNAP_VARINT_OK)
        return rc;
    *p = q;
    return SNAP_VARINT_OK;
}

#endif
