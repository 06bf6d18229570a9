/*
 * snap_wire.h - the low-level encoding of snapshot records (docs/FORMAT.md):
 * varints, zigzag, and walking the fields of one record payload.
 *
 * Internal to the reader.  Every function takes the end of the buffer and
 * never reads past it; a varint longer than 10 bytes, or one whose 10th byte
 * carries more than the top bit of a 64-bit value, is an error.
 * Pure functions: thread-safe, and they allocate nothing.
 */
#ifndef BBX_SNAP_WIRE_H
#define BBX_SNAP_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define SNAP_VARINT_MAX_LEN 10

/* Outcome of decoding a varint. */
enum snap_varint_result {
    SNAP_VARINT_OK = 0,
    SNAP_VARINT_SHORT = -1,    /* the buffer ends inside the varint */
    SNAP_VARINT_OVERFLOW = -2, /* over 10 bytes or over 64 bits */
};

/* snap_varint_get() for what the inline fast path leaves: 5 bytes and
 * more, and varints near the end of the buffer. */
int snap_varint_get_slow(const uint8_t **p, const uint8_t *end, uint64_t *v);

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

static inline int64_t snap_unzigzag(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
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
int snap_field_next(const uint8_t **p, const uint8_t *end, snap_field *f);

/* Number of varints that start in [p, end): bytes without the top bit. */
size_t snap_varint_count(const uint8_t *p, const uint8_t *end);

#endif
